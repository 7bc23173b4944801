// The reference solution of exercise 9: ZMP preview control (Kajita et al. 2003) with the preview servo of
// Katayama et al. (1985), the DARE iterated to convergence.

import EmbodyExercises

/// ZMP preview control of the cart-table model, per horizontal axis: x(k+1) = A x(k) + B u(k), p(k) = C x(k),
/// u(k) = −G_i Σ_{i≤k} e(i) − G_x x(k) − Σ_{j=1..N} G_p(j) p_ref(k+j).
enum ZMPPreview: StudentZMPPreview {
    /// A, B, C of the cart-table model discretized at dt with the jerk held.
    static func model(_ s: PreviewSetup) -> (a: [[Double]], b: [Double], c: [Double]) {
        let dt = s.dt
        return ([[1, dt, dt * dt / 2], [0, 1, dt], [0, 0, 1]], [dt * dt * dt / 6, dt * dt / 2, dt],
                [1, 0, -s.comHeight / s.gravity])
    }

    static func gains(_ s: PreviewSetup) -> PreviewGains {
        let (a, b, c) = model(s)
        // The augmented error system X = [e; Δx]: Ã = [[1, CA], [0, A]], B̃ = [CB; B], Q̃ = diag(Q_e, 0, 0, 0).
        var at = Mat.zeros(4, 4)
        at[0][0] = 1
        for j in 0..<3 {
            at[0][j + 1] = (0..<3).reduce(0) { $0 + c[$1] * a[$1][j] }
            for i in 0..<3 { at[i + 1][j + 1] = a[i][j] }
        }
        let bt = [(0..<3).reduce(0) { $0 + c[$1] * b[$1] }] + b
        var q = Mat.zeros(4, 4)
        q[0][0] = s.trackingWeight
        let r = s.jerkWeight
        // P ← ÃᵀPÃ − ÃᵀPB̃ (R + B̃ᵀPB̃)⁻¹ B̃ᵀPÃ + Q̃, from P = Q̃ until it stops changing.
        var p = q
        for _ in 0..<200_000 {
            let pa = Mat.mul(p, at)
            let pb = Mat.mul(p, bt)
            let denominator = r + zip(bt, pb).reduce(0) { $0 + $1.0 * $1.1 }
            let bpa = (0..<4).map { j in (0..<4).reduce(0) { $0 + pb[$1] * at[$1][j] } }   // B̃ᵀPÃ (P symmetric)
            var next = Mat.add(Mat.mul(Mat.transpose(at), pa), q)
            for i in 0..<4 { for j in 0..<4 { next[i][j] -= bpa[i] * bpa[j] / denominator } }
            var change = 0.0, size = 0.0
            for i in 0..<4 { for j in 0..<4 { change = max(change, abs(next[i][j] - p[i][j])); size = max(size, abs(next[i][j])) } }
            p = next
            if change <= 1e-13 * size { break }
        }
        let pb = Mat.mul(p, bt)
        let denominator = r + zip(bt, pb).reduce(0) { $0 + $1.0 * $1.1 }
        // [G_i, G_x] = (R + B̃ᵀPB̃)⁻¹ B̃ᵀPÃ: Ã's first column is Ĩ, the others F̃.
        let k = (0..<4).map { j in (0..<4).reduce(0) { $0 + pb[$1] * at[$1][j] } / denominator }
        // A_c = Ã − B̃ K; X(1) = −A_cᵀ P Ĩ, G_p(1) = −G_i, G_p(j) = (R + B̃ᵀPB̃)⁻¹ B̃ᵀ X(j−1), X(j) = A_cᵀ X(j−1).
        var ac = at
        for i in 0..<4 { for j in 0..<4 { ac[i][j] -= bt[i] * k[j] } }
        let act = Mat.transpose(ac)
        var x = Mat.mul(act, (0..<4).map { -p[$0][0] })
        var preview = [-k[0]]
        preview.reserveCapacity(s.previewSteps)
        while preview.count < s.previewSteps {
            preview.append(zip(bt, x).reduce(0) { $0 + $1.0 * $1.1 } / denominator)
            x = Mat.mul(act, x)
        }
        return PreviewGains(integral: k[0], state: Array(k[1...3]), preview: Array(preview.prefix(s.previewSteps)))
    }

    static func comTrajectory(zmpReference ref: [[Double]], initialCoM: [Double], setup s: PreviewSetup,
                              gains g: PreviewGains) -> [[Double]] {
        let n = s.previewSteps, count = ref.count - n
        guard count > 0 else { return [] }
        let (a, b, c) = model(s)
        var state = [[initialCoM[0], 0, 0], [initialCoM[1], 0, 0]]   // per axis (x, ẋ, ẍ)
        var errorSum = [0.0, 0.0]
        var rows: [[Double]] = []
        rows.reserveCapacity(count)
        for k in 0..<count {
            rows.append([state[0][0], state[1][0], state[0][1], state[1][1], state[0][2], state[1][2]])
            for axis in 0..<2 {
                let x = state[axis]
                errorSum[axis] += c[0] * x[0] + c[2] * x[2] - ref[k][axis]
                var u = -g.integral * errorSum[axis] - g.state[0] * x[0] - g.state[1] * x[1] - g.state[2] * x[2]
                for j in 1...n { u -= g.preview[j - 1] * ref[k + j][axis] }
                state[axis] = (0..<3).map { i in a[i][0] * x[0] + a[i][1] * x[1] + a[i][2] * x[2] + b[i] * u }
            }
        }
        return rows
    }
}

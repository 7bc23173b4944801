// MARK: - joint_trajectory: a C²-continuous cubic spline through the waypoints

import EmbodyScenario

extension WaypointsTask {
    /// `joint_trajectory`: clamped cubic splines through the initial q at t = 0 and each waypoint's posture.
    func makeTrajectoryTask(_ c: TaskContext) -> TaskSetup {
        let (_, times, postures) = postures(c)
        return TaskSetup(reference: .spline(CubicSplines(times: times, points: postures)))
    }
}

/// C²-continuous cubic splines, one per joint, through points at given times, with zero velocity at both
/// ends (clamped); after the last point the last posture holds.
struct CubicSplines {
    let times: [Double]
    /// Per segment k and joint j: coefficients a, b, c, d of q(τ) = a + bτ + cτ² + dτ³, τ = t − times[k].
    let coefficients: [[SIMD4<Double>]]

    init(times: [Double], points: [[Double]]) {
        self.times = times
        let n = times.count
        let dof = points.first?.count ?? 0
        guard n >= 2 else {
            coefficients = [points.first.map { $0.map { SIMD4($0, 0, 0, 0) } } ?? []]
            return
        }
        var segments = [[SIMD4<Double>]](repeating: [SIMD4<Double>](repeating: .zero, count: dof), count: n - 1)
        let h = (0..<(n - 1)).map { times[$0 + 1] - times[$0] }
        for j in 0..<dof {
            // Solve for the second derivatives M with clamped ends (q̇ = 0 at both ends): a tridiagonal system.
            let y = points.map { $0[j] }
            var sub = [Double](repeating: 0, count: n), diag = sub, sup = sub, rhs = sub
            diag[0] = 2 * h[0]; sup[0] = h[0]; rhs[0] = 6 * ((y[1] - y[0]) / h[0])
            for i in 1..<(n - 1) {
                sub[i] = h[i - 1]; diag[i] = 2 * (h[i - 1] + h[i]); sup[i] = h[i]
                rhs[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
            }
            sub[n - 1] = h[n - 2]; diag[n - 1] = 2 * h[n - 2]; rhs[n - 1] = -6 * ((y[n - 1] - y[n - 2]) / h[n - 2])
            // Thomas algorithm.
            for i in 1..<n {
                let w = sub[i] / diag[i - 1]
                diag[i] -= w * sup[i - 1]
                rhs[i] -= w * rhs[i - 1]
            }
            var m = [Double](repeating: 0, count: n)
            m[n - 1] = rhs[n - 1] / diag[n - 1]
            for i in stride(from: n - 2, through: 0, by: -1) { m[i] = (rhs[i] - sup[i] * m[i + 1]) / diag[i] }
            for k in 0..<(n - 1) {
                let a = y[k]
                let b = (y[k + 1] - y[k]) / h[k] - h[k] * (2 * m[k] + m[k + 1]) / 6
                let c = m[k] / 2
                let d = (m[k + 1] - m[k]) / (6 * h[k])
                segments[k][j] = SIMD4(a, b, c, d)
            }
        }
        coefficients = segments
    }

    /// Writes q, q̇ and q̈ at time `t` s into the buffers (dof values each).
    func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double]) {
        let last = times.count - 1
        if times.count < 2 || t >= times[last] {
            let k = max(0, coefficients.count - 1)
            let tau = times.count < 2 ? 0 : times[last] - times[last - 1]
            for j in 0..<q.count {
                let c = coefficients[k][j]
                q[j] = c.x + tau * (c.y + tau * (c.z + tau * c.w)); qd[j] = 0; qdd[j] = 0
            }
            return
        }
        var k = 0
        while k + 1 < last && times[k + 1] <= t { k += 1 }
        let tau = t - times[k]
        for j in 0..<q.count {
            let c = coefficients[k][j]
            q[j] = c.x + tau * (c.y + tau * (c.z + tau * c.w))
            qd[j] = c.y + tau * (2 * c.z + 3 * c.w * tau)
            qdd[j] = 2 * c.z + 6 * c.w * tau
        }
    }
}

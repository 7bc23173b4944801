// MARK: - A synthetic QP with the size and structure of a humanoid's whole-body control problem
//
// The benchmark (Benchmarks/, `qp-solve-whole-body-39`) and the solver's tests use the same program, so the time
// that is measured is the time of a solve the tests prove correct. It is built from seeded random numbers with
// the magnitudes of a 35 kg humanoid with 21 actuated joints in double support, not from a robot model:
//
// - unknowns x = (q̈, f), 39: q̈ the generalized accelerations (base linear 3, base angular 3, joints 21: two
//   6-joint legs, a torso joint, two 4-joint arms), f the two feet's contact wrenches (force 3, moment 3 about
//   the sole centre, world frame), N and N·m;
// - equalities, 18: the floating-base rows of M q̈ + h = Sᵀτ + J_cᵀ f, i.e. M_b q̈ − J_c,bᵀ f = −h_b (6), and
//   the feet held in place, J_c q̈ = −J̇_c q̇ (12);
// - inequalities, 64: torque limits |M_j q̈ + h_j − J_c,jᵀ f| ≤ τ_max (42), and per foot a contact wrench
//   cone (11): f_z ≥ 5 N, a friction pyramid |f_x|, |f_y| ≤ μ/√2 f_z (μ = 0.7), the centre of pressure
//   inside the 0.22 × 0.12 m sole (|m_x| ≤ 0.06 f_z, |m_y| ≤ 0.11 f_z) and a yaw-moment bound;
// - cost: weighted least squares on tasks, 100‖J_com q̈ − a_com‖² (a demanding 1.5, 2.5, 0 m/s² CoM
//   acceleration), 10‖ω̇_base − ω̇_ref‖², 1‖q̈_j − q̈_posture‖², plus 10⁻³‖f‖²; cond(H) of order 10⁵.
//
// At the optimum 4 to 20 inequalities are active (the tests assert it for seeds 0–7) (torque limits, friction and centre-of-pressure
// edges), besides the 18 equalities: the active set a whole-body controller sees when pushed.

import EmbodyModel

extension QuadraticProgram {
    /// The sizes of `wholeBodySizedExample`: 39 unknowns, 18 equalities, 64 inequalities.
    public static let wholeBodyExampleShape = (variables: 39, equalities: 18, inequalities: 64)

    /// A solver loaded with the synthetic whole-body-control-sized program described at the top of this file,
    /// drawn from `seed`.
    public static func wholeBodySizedExample(seed: UInt64) -> QuadraticProgram {
        let shape = wholeBodyExampleShape
        let qp = QuadraticProgram(variableCount: shape.variables, equalityCount: shape.equalities,
                                  inequalityCount: shape.inequalities)
        loadWholeBodySizedExample(into: qp, seed: seed)
        return qp
    }

    /// Writes the example program drawn from `seed` into `qp`, which must have `wholeBodyExampleShape`'s sizes.
    public static func loadWholeBodySizedExample(into qp: QuadraticProgram, seed: UInt64) {
        let nq = 27, nf = 12, n = nq + nf, joints = 21
        precondition(qp.variableCount == n && qp.equalityCount == 18 && qp.inequalityCount == 64,
                     "loadWholeBodySizedExample needs a 39 × (18, 64) QuadraticProgram")
        var random = RandomStream(seed: seed)

        // M = G Gᵀ + D: a dense, positive definite mass matrix with a 35 kg base.
        let diagonal: [Double] = [35, 35, 35, 3, 3, 2, 1.5, 1.5, 1.2, 0.6, 0.1, 0.1, 1.5, 1.5, 1.2, 0.6, 0.1, 0.1,
                                  1.0, 0.3, 0.3, 0.2, 0.1, 0.3, 0.3, 0.2, 0.1]
        var g = [Double](repeating: 0, count: nq * nq)
        for k in 0..<(nq * nq) { g[k] = 0.2 * random.normal() }
        var mass = [Double](repeating: 0, count: nq * nq)
        for i in 0..<nq {
            for j in 0..<nq {
                var s = i == j ? diagonal[i] : 0
                for k in 0..<nq { s += g[i * nq + k] * g[j * nq + k] }
                mass[i * nq + j] = s
            }
        }
        // J_c, 12×27: each foot at p = (0, ±0.1, −0.75) m from the base, moved by the base and its own leg.
        var contact = [Double](repeating: 0, count: 12 * nq)
        for foot in 0..<2 {
            let py = foot == 0 ? 0.1 : -0.1, pz = -0.75
            let top = 6 * foot
            for a in 0..<3 { contact[(top + a) * nq + a] = 1; contact[(top + 3 + a) * nq + 3 + a] = 1 }
            // Linear velocity of the foot from the base's angular velocity: ω × p = −[p]× ω.
            let skew: [Double] = [0, -pz, py, pz, 0, 0, -py, 0, 0]   // [p]× with p = (0, py, pz)
            for a in 0..<3 { for b in 0..<3 { contact[(top + a) * nq + 3 + b] = -skew[a * 3 + b] } }
            for row in 0..<6 { for j in 0..<6 { contact[(top + row) * nq + 6 + 6 * foot + j] = random.uniform(-0.8, 0.8) } }
        }
        // h: gravity on the base (35 kg · 9.81 m/s²) and joints, plus small velocity terms; J̇_c q̇.
        var bias = [Double](repeating: 0, count: nq)
        bias[2] = 35 * 9.81
        for k in 3..<6 { bias[k] = random.normal() }
        for k in 6..<18 { bias[k] = 5 * random.normal() }
        for k in 18..<nq { bias[k] = 2 * random.normal() }
        var contactBias = [Double](repeating: 0, count: 12)
        for k in 0..<12 { contactBias[k] = 0.1 * random.normal() }

        // Equalities: [M_b  −J_c,bᵀ] x = −h_b, then [J_c  0] x = −J̇_c q̇.
        var a = [Double](repeating: 0, count: 18 * n), b = [Double](repeating: 0, count: 18)
        for i in 0..<6 {
            for j in 0..<nq { a[i * n + j] = mass[i * nq + j] }
            for k in 0..<nf { a[i * n + nq + k] = -contact[k * nq + i] }
            b[i] = -bias[i]
        }
        for i in 0..<12 {
            for j in 0..<nq { a[(6 + i) * n + j] = contact[i * nq + j] }
            b[6 + i] = -contactBias[i]
        }

        // Inequalities: τ_max − τ ≥ 0 and τ + τ_max ≥ 0 with τ = M_j q̈ + h_j − J_c,jᵀ f, then the wrench cones.
        let torqueLimit: [Double] = [80, 80, 120, 150, 60, 40, 80, 80, 120, 150, 60, 40, 80, 20, 20, 20, 20, 20, 20, 20, 20]
        var c = [Double](repeating: 0, count: 64 * n), d = [Double](repeating: 0, count: 64)
        for j in 0..<joints {
            let upper = j, lower = joints + j, row = 6 + j
            for k in 0..<nq {
                c[upper * n + k] = -mass[row * nq + k]
                c[lower * n + k] = mass[row * nq + k]
            }
            for k in 0..<nf {
                c[upper * n + nq + k] = contact[k * nq + row]
                c[lower * n + nq + k] = -contact[k * nq + row]
            }
            d[upper] = bias[row] - torqueLimit[j]
            d[lower] = -bias[row] - torqueLimit[j]
        }
        let pyramid = 0.7 / 2.0.squareRoot(), halfLength = 0.11, halfWidth = 0.06
        for foot in 0..<2 {
            let first = 2 * joints + 11 * foot, fx = nq + 6 * foot, fy = fx + 1, fz = fx + 2, mx = fx + 3, my = fx + 4, mz = fx + 5
            // (row offset, component, coefficient) pairs, each row paired with f_z's coefficient.
            c[first * n + fz] = 1; d[first] = 5
            let bounds: [(Int, Double)] = [(fx, pyramid), (fy, pyramid), (mx, halfWidth), (my, halfLength),
                                           (mz, pyramid * (halfLength + halfWidth))]
            for (index, bound) in bounds.enumerated() {
                let minus = first + 1 + 2 * index, plus = minus + 1
                c[minus * n + fz] = bound.1; c[minus * n + bound.0] = -1
                c[plus * n + fz] = bound.1; c[plus * n + bound.0] = 1
            }
        }

        // Cost: Σ w ‖J x − target‖² / 2 ⇒ H = Σ w JᵀJ, g = −Σ w Jᵀ target.
        var h = [Double](repeating: 0, count: n * n), linear = [Double](repeating: 0, count: n)
        func addTask(_ jacobian: [Double], rows: Int, target: [Double], weight: Double) {
            for i in 0..<n {
                for k in 0..<rows where jacobian[k * n + i] != 0 {
                    linear[i] -= weight * jacobian[k * n + i] * target[k]
                    for j in 0..<n { h[i * n + j] += weight * jacobian[k * n + i] * jacobian[k * n + j] }
                }
            }
        }
        var com = [Double](repeating: 0, count: 3 * n)
        for k in 0..<3 { com[k * n + k] = 1 }
        com[0 * n + 4] = 0.1; com[1 * n + 3] = -0.1         // [c]× ω for a CoM 0.1 m above the base origin
        for k in 0..<3 { for j in 6..<nq { com[k * n + j] = 0.05 * random.normal() } }
        addTask(com, rows: 3, target: [1.5, 2.5, 0], weight: 100)
        var orientation = [Double](repeating: 0, count: 3 * n)
        for k in 0..<3 { orientation[k * n + 3 + k] = 1 }
        addTask(orientation, rows: 3, target: [0.5, -0.3, 0.1], weight: 10)
        var posture = [Double](repeating: 0, count: joints * n), postureTarget = [Double](repeating: 0, count: joints)
        for k in 0..<joints { posture[k * n + 6 + k] = 1; postureTarget[k] = 2 * random.normal() }
        addTask(posture, rows: joints, target: postureTarget, weight: 1)
        for k in nq..<n { h[k * n + k] += 1e-3 }

        qp.hessian = h
        qp.linearTerm = linear
        qp.equalityMatrix = a
        qp.equalityVector = b
        qp.inequalityMatrix = c
        qp.inequalityVector = d
    }
}

// MARK: - Task-space inverse dynamics as a quadratic program: the formulation
//
// One control tick of whole-body control is the quadratic program
//
//     minimize over x = [v̇, f]   ½ Σₖ wₖ ‖Aₖ v̇ − bₖ‖² + ½ ε_a ‖v̇‖² + ½ ε_f ‖f‖²
//     subject to  M_b v̇ + h_b = (J_cᵀ f)_b                         floating-base rows (6 equalities)
//                 J_s v̇ + J̇_s v = −K_c J_s v                       each stance foot s, rigid (6 equalities)
//                 f_sk ∈ friction pyramid, Σₖ n·f_sk ≥ f_min       each stance foot (17 inequalities)
//                 −τ_max ≤ M_j v̇ + h_j − (J_cᵀ f)_j ≤ τ_max          joint rows (2·dof inequalities)
//
// - v̇ (nv) is the generalized acceleration (floating base first: v = [v_O, ω, q̇], world frame).
// - f holds, for each stance foot in the order left, right, the world-frame forces (N) at the four corners of
//   its sole rectangle (`SoleGeometry.corner`), 12 values per foot. Forces at the corners of a rectangle, each
//   in a friction pyramid, span exactly the rectangle's contact wrench cone (Caron, Pham & Nakamura 2015): the
//   centre of pressure lies inside the sole and the tangential force within friction, by construction.
// - (J_cᵀ f) = Σ_s B_s f_s, with B_s = J_sᵀ G_s (nv × 12): J_s the 6 × nv Jacobian of the sole frame's origin
//   (linear rows, then the foot's angular rows) and G_s the map from corner forces to the wrench at the sole
//   origin, [Σₖ f_k; Σₖ r_k × f_k], r_k the corner's world offset from the sole origin.
// - Friction pyramid of one corner force, with the sole frame's world axes t₁, t₂ (tangent) and n (normal):
//   (μ' n ∓ t₁)·f ≥ 0, (μ' n ∓ t₂)·f ≥ 0, μ' = μ/√2, the pyramid inscribed in the cone of friction μ
//   (it implies n·f ≥ 0). The normal force of the whole foot is at least f_min: Σₖ n·f_k ≥ f_min.
// - Tasks (rows Aₖ v̇ = bₖ, each a desired acceleration with PD feedback; gains in 1/s² and 1/s):
//     centre of mass  J_c v̇ = c̈* + Kp_c (c* − c) + Kd_c (ċ* − ċ) − J̇_c v
//     torso           J_ω,t v̇ = Kp_t e_R(R*_t, R_t) − Kd_t ω_t − J̇_ω,t v
//     pelvis          ω̇_b = Kp_b e_R(R*_t R_tb, R_b) − Kd_b ω_b      (the base's angular rows of v̇; R_tb the
//                     base's orientation in the torso link's frame at load, so the base keeps the heading)
//     swing foot s    J_s v̇ = [ẍ*_s + Kp_f (x*_s − x_s) + Kd_f (ẋ*_s − ẋ_s);
//                               ω̇*_s + Kp_f' e_R(R*_s, R_s) + Kd_f' (ω*_s − ω_s)] − J̇_s v
//     posture         q̈ = Kp_p (q* − q) − Kd_p q̇          (the joint rows of v̇)
//   e_R(R*, R) is the rotation vector of R* Rᵀ (`orientationError`). Expanding the squares gives
//   H = Σ wₖ AₖᵀAₖ + diag(ε_a, ε_f) and g = −Σ wₖ Aₖᵀ bₖ (QP form ½ xᵀ H x + gᵀ x); H is positive definite
//   because ε_a, ε_f > 0.
// - J̇ v of each point comes from `RobotDynamics.biasAcceleration` (exact for RigidBodyDynamics); the centre of
//   mass's from the momentum rows: J_c = M[0:3, :] / m and J̇_c v = (h − g)[0:3] / m (WholeBodyMass.swift).
//
// The joint torques follow from the solution: τ = M_j v̇ + h_j − Σ_s (B_s f_s)_j (the joint rows of the
// equations of motion). `WholeBodyProblem` holds one such program for a fixed number of stance feet (0, 1
// or 2); it is filled in place every tick and allocates nothing after `init`.

import EmbodyModel
import EmbodyControl

/// The weights, gains and contact parameters of whole-body control (see the formulation above).
public struct WholeBodyParameters: Sendable, Equatable {
    /// Centre-of-mass task: stiffness Kp_c (1/s²), damping Kd_c (1/s) and weight w_c (1/(m/s²)²).
    public var comKp = 40.0, comKd = 12.6, comWeight = 10.0
    /// Torso orientation task: Kp_t (1/s²), Kd_t (1/s), weight w_t (1/(rad/s²)²).
    public var torsoKp = 100.0, torsoKd = 20.0, torsoWeight = 1.0
    /// Pelvis (floating base) orientation task: Kp_b (1/s²), Kd_b (1/s), weight w_b (1/(rad/s²)²). Joints between
    /// the base and the torso link (a waist yaw) leave the base's heading to the posture task alone without it.
    public var pelvisKp = 100.0, pelvisKd = 20.0, pelvisWeight = 1.0
    /// Swing-foot pose task (position and orientation share the gains): Kp_f (1/s²), Kd_f (1/s), weight w_f.
    public var swingKp = 400.0, swingKd = 40.0, swingWeight = 10.0
    /// Posture task on every joint: Kp_p (1/s²), Kd_p (1/s), weight w_p (1/(rad/s²)²).
    public var postureKp = 30.0, postureKd = 11.0, postureWeight = 1e-3
    /// Damping K_c (1/s) of a stance foot's velocity in its rigid-contact rows: J_s v̇ = −J̇_s v − K_c J_s v.
    public var contactKd = 10.0
    /// Regularization ε_a of v̇ (1/(unit of v̇)²) and ε_f of the contact forces (1/N²); both must be positive.
    public var accelerationRegularization = 1e-5, forceRegularization = 1e-7
    /// The friction coefficient μ of the ground (the pyramid uses μ/√2, inscribed in the cone).
    public var friction = 0.7
    /// The least normal force of a stance foot, N (f_min ≥ 0).
    public var minimumNormalForce = 10.0

    /// The defaults above.
    public init() {}

    /// A description of the first invalid value, or nil when all are finite and in range.
    public var invalidity: String? {
        let nonNegative: [(String, Double)] = [
            ("comKp", comKp), ("comKd", comKd), ("comWeight", comWeight), ("torsoKp", torsoKp), ("torsoKd", torsoKd),
            ("torsoWeight", torsoWeight), ("pelvisKp", pelvisKp), ("pelvisKd", pelvisKd),
            ("pelvisWeight", pelvisWeight), ("swingKp", swingKp), ("swingKd", swingKd), ("swingWeight", swingWeight),
            ("postureKp", postureKp), ("postureKd", postureKd), ("postureWeight", postureWeight),
            ("contactKd", contactKd), ("minimumNormalForce", minimumNormalForce),
        ]
        for (name, value) in nonNegative where !(value.isFinite && value >= 0) {
            return "\(name) = \(value) must be finite and non-negative"
        }
        for (name, value) in [("accelerationRegularization", accelerationRegularization),
                              ("forceRegularization", forceRegularization), ("friction", friction)]
        where !(value.isFinite && value > 0) {
            return "\(name) = \(value) must be finite and positive"
        }
        return nil
    }
}

/// The quadratic program of one control tick for a fixed number of stance feet, in QP form
/// minimize ½ xᵀ H x + gᵀ x subject to A x = b, C x ≥ d (all row-major), with the layout of the file comment.
public struct WholeBodyProblem {
    /// The number of generalized velocities.
    public let nv: Int
    /// The number of joints (nv − 6).
    public let dof: Int
    /// The number of stance feet (0, 1 or 2) whose corner forces are unknowns.
    public let stanceCount: Int
    /// Unknowns: nv + 12 · stanceCount.
    public let variableCount: Int
    /// Equality rows: 6 + 6 · stanceCount.
    public let equalityCount: Int
    /// Inequality rows: 17 · stanceCount + 2 · dof (the friction and normal-force rows first).
    public let inequalityCount: Int
    /// H, variableCount², and g.
    public var hessian: [Double], linearTerm: [Double]
    /// A (equalityCount × variableCount) and b.
    public var equalityMatrix: [Double], equalityVector: [Double]
    /// C (inequalityCount × variableCount) and d.
    public var inequalityMatrix: [Double], inequalityVector: [Double]
    /// B_s = J_sᵀ G_s for each stance foot, nv × 12 row-major each, stacked (nv × 12 · stanceCount).
    public var contactMap: [Double]

    /// Buffers for a robot with `nv` generalized velocities (a floating base: nv ≥ 6) and `stanceCount` feet.
    public init(nv: Int, stanceCount: Int) {
        precondition(nv >= 6 && (0...2).contains(stanceCount), "WholeBodyProblem: needs a floating base and 0…2 stance feet")
        self.nv = nv
        dof = nv - 6
        self.stanceCount = stanceCount
        variableCount = nv + 12 * stanceCount
        equalityCount = 6 + 6 * stanceCount
        inequalityCount = 17 * stanceCount + 2 * (nv - 6)
        hessian = Array(repeating: 0, count: variableCount * variableCount)
        linearTerm = Array(repeating: 0, count: variableCount)
        equalityMatrix = Array(repeating: 0, count: equalityCount * variableCount)
        equalityVector = Array(repeating: 0, count: equalityCount)
        inequalityMatrix = Array(repeating: 0, count: inequalityCount * variableCount)
        inequalityVector = Array(repeating: 0, count: inequalityCount)
        contactMap = Array(repeating: 0, count: nv * 12 * stanceCount)
    }

    /// The column of the first force unknown of stance foot number `slot` (0 or 1 in stance order).
    @inline(__always) public func forceColumn(_ slot: Int) -> Int { nv + 12 * slot }

    // MARK: Filling

    /// Zeroes every matrix and vector and puts the regularization on H's diagonal: ε_a on v̇, ε_f on f.
    public mutating func clear(accelerationRegularization ea: Double, forceRegularization ef: Double) {
        let n = variableCount
        for k in 0..<hessian.count { hessian[k] = 0 }
        for k in 0..<n { linearTerm[k] = 0 }
        for k in 0..<equalityMatrix.count { equalityMatrix[k] = 0 }
        for k in 0..<equalityCount { equalityVector[k] = 0 }
        for k in 0..<inequalityMatrix.count { inequalityMatrix[k] = 0 }
        for k in 0..<inequalityCount { inequalityVector[k] = 0 }
        for i in 0..<n { hessian[i * n + i] = i < nv ? ea : ef }
    }

    /// Adds the task w ‖A v̇ − b‖² for `rows` rows of `a` (row-major with nv columns, starting at row `row0`)
    /// and the targets `target[0..<rows]`: the upper triangle of H gains w AᵀA, g gains −w Aᵀb.
    /// Call `symmetrize()` after the last task.
    public mutating func addTask(_ a: [Double], row0: Int, rows: Int, target: [Double], weight w: Double) {
        guard w > 0 else { return }
        let n = variableCount
        for r in 0..<rows {
            let base = (row0 + r) * nv
            let t = target[r]
            for i in 0..<nv {
                let ai = a[base + i]
                if ai == 0 { continue }
                let wai = w * ai
                linearTerm[i] -= wai * t
                for j in i..<nv { hessian[i * n + j] += wai * a[base + j] }
            }
        }
    }

    /// Adds w (v̇ᵢ − targetᵢ)² for the joint accelerations (v̇ entries 6…nv−1), targets in q order.
    public mutating func addPostureTask(target: [Double], weight w: Double) {
        guard w > 0 else { return }
        let n = variableCount
        for j in 0..<dof {
            let i = 6 + j
            hessian[i * n + i] += w
            linearTerm[i] -= w * target[j]
        }
    }

    /// Adds w ‖ω̇_b − target‖² for the base's angular acceleration (v̇ entries 3…5, world frame, rad/s²).
    public mutating func addBaseAngularTask(target: Vector3, weight w: Double) {
        guard w > 0 else { return }
        let n = variableCount
        hessian[3 * n + 3] += w; linearTerm[3] -= w * target.x
        hessian[4 * n + 4] += w; linearTerm[4] -= w * target.y
        hessian[5 * n + 5] += w; linearTerm[5] -= w * target.z
    }

    /// Copies H's upper triangle onto its lower triangle.
    public mutating func symmetrize() {
        let n = variableCount
        for i in 0..<n {
            for j in 0..<i { hessian[i * n + j] = hessian[j * n + i] }
        }
    }

    /// Writes B_s = J_sᵀ G_s for stance slot `slot` from the sole-origin Jacobian `jacobian` (6 × nv) and the
    /// world-frame offsets `offsets[k]` of the four corners from the sole origin (m).
    public mutating func setContactMap(slot: Int, jacobian j: [Double], offsets r: (Vector3, Vector3, Vector3, Vector3)) {
        let width = 12 * stanceCount, c0 = 12 * slot
        for k in 0..<4 {
            let rk = k == 0 ? r.0 : (k == 1 ? r.1 : (k == 2 ? r.2 : r.3))
            for axis in 0..<3 {
                // r × e_axis
                let w: Vector3 = axis == 0 ? Vector3(0, rk.z, -rk.y) : (axis == 1 ? Vector3(-rk.z, 0, rk.x) : Vector3(rk.y, -rk.x, 0))
                let col = c0 + 3 * k + axis
                for i in 0..<nv {
                    contactMap[i * width + col] = j[axis * nv + i] + w.x * j[3 * nv + i] + w.y * j[4 * nv + i] + w.z * j[5 * nv + i]
                }
            }
        }
    }

    /// Writes the six floating-base rows of the equations of motion, M_b v̇ − Σ B_s,b f_s = −h_b, as equality
    /// rows 0…5 (call after every `setContactMap`).
    public mutating func setDynamicsRows(mass m: [Double], bias h: [Double]) {
        let n = variableCount, width = 12 * stanceCount
        for r in 0..<6 {
            for c in 0..<nv { equalityMatrix[r * n + c] = m[r * nv + c] }
            for c in 0..<width { equalityMatrix[r * n + nv + c] = -contactMap[r * width + c] }
            equalityVector[r] = -h[r]
        }
    }

    /// Writes the rigid-contact rows of stance slot `slot`: J_s v̇ = target (6 rows, target = −J̇_s v − K_c J_s v).
    public mutating func setContactRows(slot: Int, jacobian j: [Double], target: [Double]) {
        let n = variableCount, r0 = 6 + 6 * slot
        for r in 0..<6 {
            for c in 0..<nv { equalityMatrix[(r0 + r) * n + c] = j[r * nv + c] }
            equalityVector[r0 + r] = target[r]
        }
    }

    /// Writes the friction-pyramid rows of the four corner forces of stance slot `slot` and its normal-force
    /// row, for a sole with world axes (t1, t2, normal), friction μ (the pyramid uses μ/√2) and least normal
    /// force f_min (N): inequality rows 17·slot … 17·slot + 16.
    public mutating func setFrictionRows(slot: Int, tangent1 t1: Vector3, tangent2 t2: Vector3, normal nz: Vector3,
                                         friction mu: Double, minimumNormalForce fmin: Double) {
        let n = variableCount, muInner = mu / 2.0.squareRoot()
        var row = 17 * slot
        for k in 0..<4 {
            let col = forceColumn(slot) + 3 * k
            for side in 0..<4 {   // t = t₁, −t₁, t₂, −t₂ (an index loop: an array literal would allocate)
                let t = side == 0 ? t1 : (side == 1 ? -t1 : (side == 2 ? t2 : -t2))
                let a = muInner * nz - t
                inequalityMatrix[row * n + col] = a.x
                inequalityMatrix[row * n + col + 1] = a.y
                inequalityMatrix[row * n + col + 2] = a.z
                inequalityVector[row] = 0
                row += 1
            }
        }
        for k in 0..<4 {
            let col = forceColumn(slot) + 3 * k
            inequalityMatrix[row * n + col] = nz.x
            inequalityMatrix[row * n + col + 1] = nz.y
            inequalityMatrix[row * n + col + 2] = nz.z
        }
        inequalityVector[row] = fmin
    }

    /// Writes the torque-limit rows of the joints, after the friction rows: for joint j with row r = 6 + j,
    /// τ_j = M_r v̇ + h_r − (Σ B_s f)_r, the rows −τ_j ≥ −τ_max,j and τ_j ≥ −τ_max,j. Limits must be positive
    /// (an infinite limit is written as 10¹² N·m so the row never binds).
    public mutating func setTorqueRows(mass m: [Double], bias h: [Double], limits: [Double]) {
        let n = variableCount, width = 12 * stanceCount
        let r0 = 17 * stanceCount
        for j in 0..<dof {
            let r = 6 + j
            let upper = (r0 + 2 * j) * n, lower = upper + n
            for c in 0..<nv {
                inequalityMatrix[upper + c] = -m[r * nv + c]
                inequalityMatrix[lower + c] = m[r * nv + c]
            }
            for c in 0..<width {
                inequalityMatrix[upper + nv + c] = contactMap[r * width + c]
                inequalityMatrix[lower + nv + c] = -contactMap[r * width + c]
            }
            let limit = limits[j].isFinite ? limits[j] : 1e12
            inequalityVector[r0 + 2 * j] = h[r] - limit
            inequalityVector[r0 + 2 * j + 1] = -limit - h[r]
        }
    }

    // MARK: Reading a solution

    /// The joint torques of solution `x`: τ_j = M_r v̇ + h_r − (Σ B_s f)_r, r = 6 + j, into `tau` (dof values).
    public func jointTorques(solution x: [Double], mass m: [Double], bias h: [Double], into tau: inout [Double]) {
        let width = 12 * stanceCount
        for j in 0..<dof {
            let r = 6 + j
            var s = h[r]
            for c in 0..<nv { s += m[r * nv + c] * x[c] }
            for c in 0..<width { s -= contactMap[r * width + c] * x[nv + c] }
            tau[j] = s
        }
    }
}

// MARK: - Operational-space control (Khatib 1987)

import EmbodyModel

/// Khatib's operational-space control of one end-effector point's position (and optionally its link's orientation), with a joint posture task in the dynamically consistent null space.
///
/// Per tick, with J the task rows of the end-effector Jacobian (m = 3 for `.position`, 6 for `.pose`;
/// linear rows then angular rows, world frame) restricted to the joint columns:
///
///     a      = ẍ* + Kp_x (x* − x) + Kd_x (ẋ* − ẋ) − J̇ q̇                (position rows, m/s²)
///              ω̇* + Kp_r e_R    + Kd_r (ω* − ω)  − J̇ q̇                (orientation rows, rad/s²)
///     Λ      = (J M⁻¹ Jᵀ + λ² I)⁻¹                                      (damped task-space inertia)
///     F      = Λ a
///     τ₀     = K_null (q* − q) − D_null q̇                               (posture task, N·m)
///     τ      = Jᵀ F + (I − Jᵀ J̄ᵀ) τ₀ + h(q, q̇),   J̄ = M⁻¹ Jᵀ Λ
///
/// - e_R is the rotation vector (axis × angle, rad, world frame) of R* Rᵀ, taken on the shorter way
///   round (`orientationError`); ω = J_angular v is the measured angular velocity.
/// - Gains: Kp_x, Kp_r in 1/s², Kd_x, Kd_r in 1/s (with an exact model the task error obeys
///   ë + Kd ė + Kp e = 0); K_null in N·m/rad (N/m), D_null in N·m·s/rad (N·s/m) per joint.
/// - λ² (`damping`, in the units of J M⁻¹ Jᵀ: 1/kg for position rows) keeps Λ finite near
///   singularities and for task directions the arm cannot move (for a planar arm, the out-of-plane
///   rows); it biases Λ by about λ² relative to J M⁻¹ Jᵀ.
/// - J̇ q̇ is estimated by a backward difference of the task Jacobian between control ticks,
///   (J(tₖ) − J(tₖ₋₁)) v / Δt (one period of lag; off with `compensatesJdot: false`, and skipped on the
///   first tick after a reset).
/// - Gravity and Coriolis forces are compensated in joint space by h (so F carries no μ or p terms).
/// - The posture target q* is the joint part of the `Reference`. With no `eeTarget` the controller
///   applies the posture task unprojected: τ = τ₀ + h.
///
/// Floating base (an approximation): M, h and J are restricted to the joint block, i.e. the base is
/// treated as fixed at its measured pose for the task dynamics; ẋ and J̇ q̇ use the full v, base
/// twist included. Contact forces are not modelled.
public final class OperationalSpaceController: Controller {
    /// Which end-effector quantities the task controls.
    public enum TaskSpace: Sendable, Equatable {
        /// The point's world position only (3 task rows).
        case position
        /// The point's world position and the link's orientation (6 task rows).
        case pose

        /// The number of task rows.
        public var rows: Int { self == .position ? 3 : 6 }
    }

    /// The dynamics model that supplies M, h, the Jacobian and the link pose.
    public let dynamics: any RobotDynamics
    /// The end-effector link index, as the dynamics model numbers links.
    public let eeLink: Int
    /// The controlled point in the end-effector link frame, m.
    public let eePoint: Vector3
    /// The controlled task space.
    public let taskSpace: TaskSpace
    /// Position stiffness Kp_x in 1/s².
    public let positionKp: Double
    /// Position damping Kd_x in 1/s.
    public let positionKd: Double
    /// Orientation stiffness Kp_r in 1/s² (used with `.pose`).
    public let orientationKp: Double
    /// Orientation damping Kd_r in 1/s (used with `.pose`).
    public let orientationKd: Double
    /// Null-space posture stiffness per joint, N·m/rad or N/m.
    public let nullKp: [Double]
    /// Null-space posture damping per joint, N·m·s/rad or N·s/m.
    public let nullKd: [Double]
    /// The damping λ² added to J M⁻¹ Jᵀ before inverting it.
    public let damping: Double
    /// Whether the J̇ q̇ term is estimated and subtracted from the task acceleration.
    public let compensatesJdot: Bool
    /// How many ticks M or the damped Λ⁻¹ could not be factored (non-finite model output); τ₀ + h was used then.
    public private(set) var factorizationFailures = 0

    private var work: DynamicsWorkspace
    private let m: Int
    private var jacobian: [Double]       // 6 × nv; its first m rows are the task rows over all of v
    private var previousJacobian: [Double] // m × nv, the previous tick's task rows
    private var hasPrevious = false
    private var jointJacobian: [Double]  // m × n
    private var massJoint: [Double]      // n × n, factored in place
    private var minvJt: [Double]         // n × m, M⁻¹ Jᵀ
    private var lambdaInv: [Double]      // m × m, J M⁻¹ Jᵀ + λ² I, factored in place
    private var taskAcceleration: [Double] // m, then F
    private var taskVelocity: [Double]   // m
    private var posture: [Double]        // n, τ₀
    private var scratchN: [Double]       // n
    private var scratchM: [Double]       // m

    /// Creates the controller; every gain must be finite and non-negative, the null-space gains need one entry per joint, and `damping` must be finite and positive.
    ///
    /// - Parameters:
    ///   - eeLink: the end-effector link index in the dynamics model's numbering.
    ///   - eePoint: the controlled point in that link's frame, m.
    ///   - positionKp, positionKd: 1/s² and 1/s. orientationKp, orientationKd: 1/s² and 1/s.
    ///   - nullKp, nullKd: per joint, N·m/rad and N·m·s/rad (N/m, N·s/m for prismatic joints).
    ///   - damping: λ², added to the diagonal of J M⁻¹ Jᵀ (default 1e-4).
    public init(dynamics: any RobotDynamics, eeLink: Int, eePoint: Vector3 = .zero, taskSpace: TaskSpace = .position,
                positionKp: Double, positionKd: Double, orientationKp: Double = 0, orientationKd: Double = 0,
                nullKp: [Double], nullKd: [Double], damping: Double = 1e-4, compensatesJdot: Bool = true) {
        let owner = "OperationalSpaceController"
        let n = dynamics.dof
        checkGains(nullKp, count: n, "nullKp", owner: owner)
        checkGains(nullKd, count: n, "nullKd", owner: owner)
        for (name, g) in [("positionKp", positionKp), ("positionKd", positionKd),
                          ("orientationKp", orientationKp), ("orientationKd", orientationKd)] {
            precondition(g.isFinite && g >= 0, "\(owner): \(name) = \(g) must be finite and non-negative")
        }
        precondition(damping.isFinite && damping > 0, "\(owner): damping = \(damping) must be finite and positive")
        precondition(eeLink >= 0, "\(owner): eeLink = \(eeLink) must be a link index (≥ 0)")
        precondition(eePoint.x.isFinite && eePoint.y.isFinite && eePoint.z.isFinite,
                     "\(owner): eePoint \(eePoint) must be finite")
        self.dynamics = dynamics
        self.eeLink = eeLink
        self.eePoint = eePoint
        self.taskSpace = taskSpace
        self.positionKp = positionKp
        self.positionKd = positionKd
        self.orientationKp = orientationKp
        self.orientationKd = orientationKd
        self.nullKp = nullKp
        self.nullKd = nullKd
        self.damping = damping
        self.compensatesJdot = compensatesJdot
        work = DynamicsWorkspace(dynamics: dynamics, dof: n, owner: owner)
        m = taskSpace.rows
        let nv = work.nv
        jacobian = Array(repeating: 0, count: 6 * nv)
        previousJacobian = Array(repeating: 0, count: m * nv)
        jointJacobian = Array(repeating: 0, count: m * n)
        massJoint = Array(repeating: 0, count: n * n)
        minvJt = Array(repeating: 0, count: n * m)
        lambdaInv = Array(repeating: 0, count: m * m)
        taskAcceleration = Array(repeating: 0, count: m)
        taskVelocity = Array(repeating: 0, count: m)
        posture = Array(repeating: 0, count: n)
        scratchN = Array(repeating: 0, count: n)
        scratchM = Array(repeating: 0, count: m)
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        let n = work.dof, nv = work.nv, o = work.offset
        work.loadVelocity(state)
        dynamics.bias(q: state.q, v: work.v, basePose: state.basePose, into: &work.bias)
        for i in 0..<n { posture[i] = nullKp[i] * (reference.q[i] - state.q[i]) - nullKd[i] * state.qd[i] }

        guard let target = reference.eeTarget else {
            hasPrevious = false
            for i in 0..<n { tau[i] = posture[i] + work.bias[o + i] }
            return
        }

        // M_jj, factored.
        dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &work.mass)
        LinearAlgebra.copyBlock(work.mass, sourceCols: nv, row0: o, col0: o, rows: n, cols: n, into: &massJoint)
        guard LinearAlgebra.choleskyFactor(&massJoint, n: n) else { return fallback(&tau) }

        // The task Jacobian over all of v, its joint columns, and the task velocity ẋ = J v.
        dynamics.jacobian(link: eeLink, point: eePoint, q: state.q, basePose: state.basePose, into: &jacobian)
        LinearAlgebra.copyBlock(jacobian, sourceCols: nv, row0: 0, col0: o, rows: m, cols: n, into: &jointJacobian)
        LinearAlgebra.multiply(jacobian, rows: m, cols: nv, work.v, into: &taskVelocity)

        // The commanded task acceleration a.
        let pose = dynamics.linkPose(link: eeLink, q: state.q, basePose: state.basePose)
        let ex = target.position - pose.apply(eePoint)
        for k in 0..<3 {
            taskAcceleration[k] = reference.eeLinearAcceleration[k] + positionKp * ex[k]
                + positionKd * (reference.eeLinearVelocity[k] - taskVelocity[k])
        }
        if m == 6 {
            let er = orientationError(target: target.rotation, current: pose.rotation)
            for k in 0..<3 {
                taskAcceleration[3 + k] = reference.eeAngularAcceleration[k] + orientationKp * er[k]
                    + orientationKd * (reference.eeAngularVelocity[k] - taskVelocity[3 + k])
            }
        }
        if compensatesJdot && hasPrevious && dt > 0 {
            // J̇ v ≈ (J − J_prev) v / Δt.
            for r in 0..<m {
                var s = 0.0
                for c in 0..<nv { s += (jacobian[r * nv + c] - previousJacobian[r * nv + c]) * work.v[c] }
                taskAcceleration[r] -= s / dt
            }
        }
        for k in 0..<(m * nv) { previousJacobian[k] = jacobian[k] }
        hasPrevious = true

        // M⁻¹ Jᵀ (n×m) and Λ⁻¹ + λ² I = J M⁻¹ Jᵀ + λ² I (m×m), factored.
        for r in 0..<m {
            for c in 0..<n { minvJt[c * m + r] = jointJacobian[r * n + c] }
        }
        LinearAlgebra.choleskySolveColumns(factor: massJoint, n: n, &minvJt, columns: m)
        LinearAlgebra.multiply(jointJacobian, minvJt, m: m, k: n, n: m, into: &lambdaInv)
        for r in 0..<m { lambdaInv[r * m + r] += damping }
        guard LinearAlgebra.choleskyFactor(&lambdaInv, n: m) else { return fallback(&tau) }

        // F = Λ a; τ_task = Jᵀ F.
        LinearAlgebra.choleskySolve(factor: lambdaInv, n: m, &taskAcceleration)
        LinearAlgebra.multiplyTransposed(jointJacobian, rows: m, cols: n, taskAcceleration, into: &tau)

        // Null space: τ₀ − Jᵀ Λ J M⁻¹ τ₀ = (I − Jᵀ J̄ᵀ) τ₀.
        for i in 0..<n { scratchN[i] = posture[i] }
        LinearAlgebra.choleskySolve(factor: massJoint, n: n, &scratchN)
        LinearAlgebra.multiply(jointJacobian, rows: m, cols: n, scratchN, into: &scratchM)
        LinearAlgebra.choleskySolve(factor: lambdaInv, n: m, &scratchM)
        LinearAlgebra.multiplyTransposed(jointJacobian, rows: m, cols: n, scratchM, into: &scratchN)
        for i in 0..<n { tau[i] += posture[i] - scratchN[i] + work.bias[o + i] }
    }

    /// Writes τ₀ + h (posture task with bias compensation) after a failed factorization.
    private func fallback(_ tau: inout [Double]) {
        factorizationFailures += 1
        hasPrevious = false
        for i in 0..<work.dof { tau[i] = posture[i] + work.bias[work.offset + i] }
    }

    /// Forgets the previous Jacobian used for J̇ q̇.
    public func reset() { hasPrevious = false }
}

// MARK: - Orientation error

/// The rotation vector (unit axis × angle in rad, world frame) of R* Rᵀ: the rotation that takes `current` to `target`, the shorter way round (angle in [0, π]).
public func orientationError(target: Quaternion, current: Quaternion) -> Vector3 {
    (target * current.conjugate).rotationVector
}

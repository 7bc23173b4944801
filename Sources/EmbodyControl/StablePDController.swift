// MARK: - Stable PD (Tan, Liu & Turk 2011)

import EmbodyModel

/// Stable proportional-derivative control (Tan, Liu & Turk, "Stable Proportional-Derivative
/// Controllers", IEEE CG&A 2011): PD evaluated on the state predicted one control period Δt ahead,
/// τ = −Kp (q + q̇ Δt − q̄) − Kd (q̇ + q̈ Δt − q̄̇),
/// where q̈ is the acceleration this very τ produces, found implicitly from M q̈ + h = τ:
/// (M + Kd Δt) q̈ = −h − Kp (q + q̇ Δt − q̄) − Kd (q̇ − q̄̇).
///
/// Kp is in N·m/rad (N/m), Kd in N·m·s/rad (N·s/m), Δt is the control period passed to
/// `computeTorques` (s). The targets are the paper's next-step targets, predicted to first order from
/// the reference: q̄ = q* + q̇* Δt, q̄̇ = q̇* + q̈* Δt (for a posture, q̄ = q*, q̄̇ = 0).
///
/// Writing p = −Kp (q + q̇ Δt − q̄) − Kd (q̇ − q̄̇), the torque is τ = p − Kd Δt q̈. Because the damping
/// acts on the predicted velocity, the loop stays stable at gains and periods where plain PD diverges:
/// the effective gain is Kd (M + Kd Δt)⁻¹ M, which stays below about M/Δt however large Kd grows (for
/// one joint with h = 0, τ = p · I/(I + Kd Δt)). Like plain PD it does not cancel gravity: at rest it
/// settles where Kp (q* − q) = g(q), a steady error of about g/Kp.
///
/// Floating base: the implicit solve uses the full model, (M + Sᵀ Kd Δt S) v̇ = −h + Sᵀ p, with S
/// selecting the joint rows, so the unactuated base is accounted for (contact forces are not).
/// The dense solve is a Cholesky factorization on storage preallocated at construction.
public final class StablePDController: Controller {
    /// Proportional gains per joint, N·m/rad or N/m.
    public let kp: [Double]
    /// Derivative gains per joint, N·m·s/rad or N·s/m.
    public let kd: [Double]
    /// The dynamics model that supplies M and h.
    public let dynamics: any RobotDynamics
    /// How many ticks the implicit system could not be factored (non-finite model output); plain PD p was used then.
    public private(set) var factorizationFailures = 0
    private var work: DynamicsWorkspace
    private var system: [Double]
    private var rhs: [Double]
    private var p: [Double]

    /// Creates the controller; kp and kd need one finite, non-negative entry per joint of `dynamics`.
    public init(dynamics: any RobotDynamics, kp: [Double], kd: [Double]) {
        checkGains(kp, count: dynamics.dof, "kp", owner: "StablePDController")
        checkGains(kd, count: dynamics.dof, "kd", owner: "StablePDController")
        self.kp = kp
        self.kd = kd
        self.dynamics = dynamics
        work = DynamicsWorkspace(dynamics: dynamics, dof: kp.count, owner: "StablePDController")
        system = Array(repeating: 0, count: work.nv * work.nv)
        rhs = Array(repeating: 0, count: work.nv)
        p = Array(repeating: 0, count: kp.count)
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        let n = kp.count, o = work.offset, nv = work.nv
        work.loadVelocity(state)
        dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &work.mass)
        dynamics.bias(q: state.q, v: work.v, basePose: state.basePose, into: &work.bias)
        for i in 0..<n {
            let qBar = reference.q[i] + reference.qd[i] * dt
            let qdBar = reference.qd[i] + reference.qdd[i] * dt
            p[i] = -kp[i] * (state.q[i] + state.qd[i] * dt - qBar) - kd[i] * (state.qd[i] - qdBar)
        }
        for k in 0..<(nv * nv) { system[k] = work.mass[k] }
        for k in 0..<nv { rhs[k] = -work.bias[k] }
        for i in 0..<n {
            system[(o + i) * nv + o + i] += kd[i] * dt
            rhs[o + i] += p[i]
        }
        guard LinearAlgebra.choleskyFactor(&system, n: nv) else {
            factorizationFailures += 1
            for i in 0..<n { tau[i] = p[i] }
            return
        }
        LinearAlgebra.choleskySolve(factor: system, n: nv, &rhs)
        for i in 0..<n { tau[i] = p[i] - kd[i] * dt * rhs[o + i] }
    }
}

// MARK: - Joint PD with gravity compensation

import EmbodyModel

/// Joint PD control plus the model's gravity torques:
/// τ = Kp (q* − q) − Kd q̇ + g(q), with kp in N·m/rad (N/m) and kd in N·m·s/rad (N·s/m).
///
/// With an exact model, a posture held at rest needs no steady error, unlike plain PD, whose steady
/// error is g(q)/kp. For a floating base, g's joint rows are used (the base rows are not actuated),
/// evaluated at the measured base pose. The optional velocity filter is the same as `PDController`'s.
public final class PDGravityController: Controller {
    /// Proportional gains per joint, N·m/rad or N/m.
    public let kp: [Double]
    /// Derivative gains per joint, N·m·s/rad or N·s/m.
    public let kd: [Double]
    /// The dynamics model that supplies g(q).
    public let dynamics: any RobotDynamics
    private var work: DynamicsWorkspace
    private var filter: VelocityFilter

    /// Creates the controller; kp and kd need one finite, non-negative entry per joint of `dynamics`.
    public init(dynamics: any RobotDynamics, kp: [Double], kd: [Double], velocityFilterHz: Double? = nil) {
        checkGains(kp, count: dynamics.dof, "kp", owner: "PDGravityController")
        checkGains(kd, count: dynamics.dof, "kd", owner: "PDGravityController")
        self.kp = kp
        self.kd = kd
        self.dynamics = dynamics
        work = DynamicsWorkspace(dynamics: dynamics, dof: kp.count, owner: "PDGravityController")
        filter = VelocityFilter(count: kp.count, cutoffHz: velocityFilterHz, owner: "PDGravityController")
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        dynamics.gravity(q: state.q, basePose: state.basePose, into: &work.gravity)
        filter.update(state.qd, dt: dt)
        let o = work.offset
        for i in 0..<kp.count {
            tau[i] = kp[i] * (reference.q[i] - state.q[i]) - kd[i] * filter.value(i, raw: state.qd)
                + work.gravity[o + i]
        }
    }

    /// Forgets the filtered velocity.
    public func reset() { filter.reset() }
}

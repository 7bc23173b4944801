// MARK: - Computed torque (inverse dynamics) control

import EmbodyModel

/// Computed-torque control: τ = M(q) (q̈* + Kp e + Kd ė) + h(q, q̇), e = q* − q, ė = q̇* − q̇.
///
/// With an exact model every joint's error obeys ë + Kd ė + Kp e = 0, so the gains are in
/// acceleration units: kp in 1/s² (= ωn²) and kd in 1/s (= 2ζωn), for revolute and prismatic joints
/// alike. Critically damped tracking at natural frequency ωn: kp = ωn², kd = 2ωn.
///
/// Floating base (an approximation): only the joint block is used, τ = M_jj a + h_j, which neglects
/// the coupling M_jb v̇_b with the base acceleration and any contact forces; it is exact only while the
/// base does not accelerate. h_j is evaluated with the measured base twist.
public final class ComputedTorqueController: Controller {
    /// Position gains per joint in 1/s² (ωn²).
    public let kp: [Double]
    /// Velocity gains per joint in 1/s (2ζωn).
    public let kd: [Double]
    /// The dynamics model that supplies M and h.
    public let dynamics: any RobotDynamics
    private var work: DynamicsWorkspace
    private var acceleration: [Double]

    /// Creates the controller; kp (1/s²) and kd (1/s) need one finite, non-negative entry per joint of `dynamics`.
    public init(dynamics: any RobotDynamics, kp: [Double], kd: [Double]) {
        checkGains(kp, count: dynamics.dof, "kp", owner: "ComputedTorqueController")
        checkGains(kd, count: dynamics.dof, "kd", owner: "ComputedTorqueController")
        self.kp = kp
        self.kd = kd
        self.dynamics = dynamics
        work = DynamicsWorkspace(dynamics: dynamics, dof: kp.count, owner: "ComputedTorqueController")
        acceleration = Array(repeating: 0, count: kp.count)
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        work.loadVelocity(state)
        dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &work.mass)
        dynamics.bias(q: state.q, v: work.v, basePose: state.basePose, into: &work.bias)
        let n = kp.count, o = work.offset, nv = work.nv
        for i in 0..<n {
            acceleration[i] = reference.qdd[i] + kp[i] * (reference.q[i] - state.q[i])
                + kd[i] * (reference.qd[i] - state.qd[i])
        }
        for i in 0..<n {
            var s = work.bias[o + i]
            let row = (o + i) * nv + o
            for j in 0..<n { s += work.mass[row + j] * acceleration[j] }
            tau[i] = s
        }
    }
}

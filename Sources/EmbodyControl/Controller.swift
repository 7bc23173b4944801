// MARK: - The controller interface
//
// Controllers see a RobotState (estimated by default) and a Reference, and write joint torques into a
// buffer the runtime allocated at load. They depend on nothing from Bullet: they can be unit-tested
// against analytic models.

import EmbodyModel

/// What a controller knows about the robot at one control tick; arrays have `dof` entries in q order.
public struct RobotState: Sendable {
    /// Simulation time in s (tick × dt).
    public var time: Double
    /// Joint positions, rad or m.
    public var q: [Double]
    /// Joint velocities, rad/s or m/s.
    public var qd: [Double]
    /// The base link frame's pose in the world.
    public var basePose: Transform
    /// The base frame origin's linear velocity (m/s) and angular velocity (rad/s), world frame.
    public var baseLinearVelocity: Vector3
    /// The base's angular velocity in rad/s, world frame.
    public var baseAngularVelocity: Vector3

    /// Creates a state at rest for `dof` joints.
    public init(dof: Int) {
        time = 0
        q = Array(repeating: 0, count: dof)
        qd = Array(repeating: 0, count: dof)
        basePose = .identity
        baseLinearVelocity = .zero
        baseAngularVelocity = .zero
    }

    /// The number of joint coordinates.
    public var dof: Int { q.count }
}

/// What the controller should achieve at this tick: a joint-space posture or trajectory sample.
public struct Reference: Sendable {
    /// Desired joint positions q*, rad or m.
    public var q: [Double]
    /// Desired joint velocities q̇*, rad/s or m/s (0 for a posture).
    public var qd: [Double]
    /// Desired joint accelerations q̈*, rad/s² or m/s² (0 for a posture).
    public var qdd: [Double]

    /// Creates a zero reference for `dof` joints.
    public init(dof: Int) {
        q = Array(repeating: 0, count: dof)
        qd = Array(repeating: 0, count: dof)
        qdd = Array(repeating: 0, count: dof)
    }
}

/// A feedback law from state and reference to joint torques.
///
/// `computeTorques` runs at the control rate, must not allocate, and writes exactly `dof` torques
/// (N·m or N); the runtime clamps them to the effort limits afterwards.
public protocol Controller: AnyObject {
    /// Writes the joint torques for this control tick into `tau`; `dt` is the control period in s.
    func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double])

    /// Clears any internal memory (integrators, filters) before a run starts.
    func reset()
}

extension Controller {
    /// Stateless controllers have nothing to reset.
    public func reset() {}
}

/// Joint PD control with the derivative taken on the measurement:
/// τᵢ = kpᵢ (q*ᵢ − qᵢ) − kdᵢ q̇ᵢ, with kp in N·m/rad (N/m) and kd in N·m·s/rad (N·s/m).
public final class PDController: Controller {
    /// Proportional gains per joint.
    public let kp: [Double]
    /// Derivative gains per joint.
    public let kd: [Double]

    /// Creates a PD controller; kp and kd must have one non-negative entry per joint.
    public init(kp: [Double], kd: [Double]) {
        precondition(kp.count == kd.count, "kp has \(kp.count) entries but kd has \(kd.count)")
        precondition((kp + kd).allSatisfy { $0 >= 0 && $0.isFinite }, "PD gains must be finite and non-negative")
        self.kp = kp
        self.kd = kd
    }

    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        for i in 0..<kp.count {
            tau[i] = kp[i] * (reference.q[i] - state.q[i]) - kd[i] * state.qd[i]
        }
    }
}

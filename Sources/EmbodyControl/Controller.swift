// MARK: - The controller interface
//
// Controllers see a RobotState (estimated by default) and a Reference, and write joint torques into a
// buffer the runtime allocated at load. They depend on nothing from Bullet: they can be unit-tested
// against analytic models.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

/// What the controller should achieve at this tick: a joint-space posture or trajectory sample, and optionally an end-effector target.
public struct Reference: Sendable {
    /// Desired joint positions q*, rad or m (the posture for the operational-space null-space task).
    public var q: [Double]
    /// Desired joint velocities q̇*, rad/s or m/s (0 for a posture).
    public var qd: [Double]
    /// Desired joint accelerations q̈*, rad/s² or m/s² (0 for a posture).
    public var qdd: [Double]
    /// Desired world pose of the end-effector point (position in m), for operational-space control; nil when there is none.
    public var eeTarget: Transform?
    /// Desired end-effector linear velocity in m/s, world frame.
    public var eeLinearVelocity: Vector3
    /// Desired end-effector angular velocity in rad/s, world frame.
    public var eeAngularVelocity: Vector3
    /// Desired end-effector linear acceleration in m/s², world frame.
    public var eeLinearAcceleration: Vector3
    /// Desired end-effector angular acceleration in rad/s², world frame.
    public var eeAngularAcceleration: Vector3

    /// Creates a zero reference for `dof` joints, with no end-effector target.
    public init(dof: Int) {
        q = Array(repeating: 0, count: dof)
        qd = Array(repeating: 0, count: dof)
        qdd = Array(repeating: 0, count: dof)
        eeTarget = nil
        eeLinearVelocity = .zero
        eeAngularVelocity = .zero
        eeLinearAcceleration = .zero
        eeAngularAcceleration = .zero
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

// MARK: - Joint PD

/// Joint PD control with the derivative taken on the (optionally low-pass filtered) measurement:
/// τᵢ = kpᵢ (q*ᵢ − qᵢ) − kdᵢ q̇ᵢ, with kp in N·m/rad (N/m) and kd in N·m·s/rad (N·s/m).
///
/// With `velocityFilterHz` set, q̇ is replaced by its first-order low-pass estimate with that cutoff
/// (see `VelocityFilter`); by default the measured q̇ is used unchanged.
public final class PDController: Controller {
    /// Proportional gains per joint, N·m/rad or N/m.
    public let kp: [Double]
    /// Derivative gains per joint, N·m·s/rad or N·s/m.
    public let kd: [Double]
    /// The cutoff in Hz of the low-pass filter on q̇, or nil when q̇ is used unfiltered.
    public let velocityFilterHz: Double?
    private var filter: VelocityFilter

    /// Creates a PD controller; kp and kd must have one finite, non-negative entry per joint, and a velocity filter cutoff (Hz) must be finite and positive.
    public init(kp: [Double], kd: [Double], velocityFilterHz: Double? = nil) {
        precondition(kp.count == kd.count, "PDController: kp has \(kp.count) entries but kd has \(kd.count)")
        precondition((kp + kd).allSatisfy { $0 >= 0 && $0.isFinite }, "PDController: gains must be finite and non-negative")
        self.kp = kp
        self.kd = kd
        self.velocityFilterHz = velocityFilterHz
        filter = VelocityFilter(count: kp.count, cutoffHz: velocityFilterHz, owner: "PDController")
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        filter.update(state.qd, dt: dt)
        for i in 0..<kp.count {
            tau[i] = kp[i] * (reference.q[i] - state.q[i]) - kd[i] * filter.value(i, raw: state.qd)
        }
    }

    /// Forgets the filtered velocity, so the next tick starts the filter from the measurement.
    public func reset() { filter.reset() }
}

// MARK: - Velocity filter

/// A first-order low-pass filter on joint velocities, discretized exactly for a held input:
/// v̂ₖ = v̂ₖ₋₁ + α (q̇ₖ − v̂ₖ₋₁), α = 1 − exp(−2π f_c Δt), with the cutoff f_c in Hz and Δt in s.
///
/// The first update after construction or `reset()` copies the measurement, so there is no start-up
/// transient. With no cutoff it is a pass-through that stores nothing.
public struct VelocityFilter: Sendable {
    /// The cutoff frequency in Hz, or nil for a pass-through.
    public let cutoffHz: Double?
    /// The filtered velocities (rad/s or m/s); meaningful after the first update when filtering.
    public private(set) var filtered: [Double]
    private var primed = false

    /// Creates a filter for `count` joints; a cutoff must be finite and positive (`owner` names the controller in the message).
    public init(count: Int, cutoffHz: Double?, owner: String = "VelocityFilter") {
        if let f = cutoffHz {
            precondition(f.isFinite && f > 0, "\(owner): the velocity filter cutoff must be a finite positive frequency in Hz, got \(f)")
        }
        self.cutoffHz = cutoffHz
        filtered = Array(repeating: 0, count: cutoffHz == nil ? 0 : count)
    }

    /// Feeds one sample of measured velocities taken `dt` s after the previous one.
    public mutating func update(_ qd: [Double], dt: Double) {
        guard let f = cutoffHz else { return }
        if !primed {
            for i in 0..<filtered.count { filtered[i] = qd[i] }
            primed = true
            return
        }
        let alpha = 1 - exp(-2 * Double.pi * f * max(0, dt))
        for i in 0..<filtered.count { filtered[i] += alpha * (qd[i] - filtered[i]) }
    }

    /// The velocity of joint `i` to use: the filtered value, or `raw[i]` when filtering is off.
    @inline(__always)
    public func value(_ i: Int, raw: [Double]) -> Double {
        cutoffHz == nil ? raw[i] : filtered[i]
    }

    /// Forgets the filter state; the next update starts from the measurement.
    public mutating func reset() { primed = false }
}

// MARK: - The per-tick contract between walking pattern generation and whole-body control
//
// A `WalkingReferenceSource` (a walking state machine, a standing balancer that can step, a test script)
// fills one `WalkingReference` per control tick from the measured state; a whole-body controller (or the
// IK + joint-PD fallback) turns it into joint torques. Both sides see only these types, so either can be
// replaced without touching the other. World frame, z up, SI units throughout.

import EmbodyModel
import EmbodyControl

/// A foot of a biped. The raw value indexes arrays of per-foot values (`WalkingReference.feet`).
public enum FootSide: Int, CaseIterable, Sendable {
    case left = 0
    case right = 1

    /// The other foot.
    public var other: FootSide { self == .left ? .right : .left }
}

/// What one foot should do at this tick.
public struct FootReference: Sendable, Equatable {
    /// True while the plan has this foot on the ground (stance), false while it swings.
    public var inContact: Bool
    /// Desired world pose of the sole frame (its origin at the sole's centre, z along the sole's normal), m.
    public var pose: Transform
    /// Desired linear velocity of the sole frame's origin, m/s, world frame.
    public var linearVelocity: Vector3
    /// Desired angular velocity of the foot, rad/s, world frame.
    public var angularVelocity: Vector3
    /// Desired linear acceleration of the sole frame's origin, m/s², world frame.
    public var linearAcceleration: Vector3
    /// Desired angular acceleration of the foot, rad/s², world frame.
    public var angularAcceleration: Vector3

    /// A foot at rest in stance at `pose`.
    public init(standingAt pose: Transform) {
        inContact = true
        self.pose = pose
        linearVelocity = .zero
        angularVelocity = .zero
        linearAcceleration = .zero
        angularAcceleration = .zero
    }
}

/// Everything a whole-body controller tracks at one control tick.
public struct WalkingReference: Sendable {
    /// Desired centre-of-mass position (m), velocity (m/s) and acceleration (m/s²), world frame.
    public var comPosition: Vector3
    public var comVelocity: Vector3
    public var comAcceleration: Vector3
    /// Desired zero-moment point (centre of pressure of the ground reaction), m, world frame, on the ground.
    public var zmp: Vector3
    /// Desired world orientation of the torso (or pelvis) link.
    public var torsoOrientation: Quaternion
    /// Per-foot references, indexed by `FootSide.rawValue`.
    public var feet: [FootReference]
    /// Desired joint posture q* (rad or m, `RobotModel.movableJoints` order), the lowest-priority task.
    public var posture: [Double]

    /// A reference for a robot with `dof` joints, standing with both feet at the identity pose; callers
    /// overwrite the fields at set-up. Allocates; do this once.
    public init(dof: Int) {
        comPosition = .zero
        comVelocity = .zero
        comAcceleration = .zero
        zmp = .zero
        torsoOrientation = .identity
        feet = [FootReference(standingAt: .identity), FootReference(standingAt: .identity)]
        posture = Array(repeating: 0, count: dof)
    }
}

/// What a reference source measures at a control tick, beyond the robot state.
public struct WalkingMeasurement: Sendable {
    /// The robot state the controller sees (true or estimated).
    public var state: RobotState
    /// The measured normal force on each foot (N, ≥ 0), indexed by `FootSide.rawValue`: contact sensing for
    /// early or late touchdown.
    public var footNormalForce: [Double]

    /// A measurement for `dof` joints with no foot force. Allocates; do this once.
    public init(dof: Int) {
        state = RobotState(dof: dof)
        footNormalForce = [0, 0]
    }
}

/// Produces one `WalkingReference` per control tick: a walking pattern generator, a balancer that steps.
/// `update` must not allocate in steady state.
public protocol WalkingReferenceSource: AnyObject {
    /// Fills `reference` for the control tick at `measurement.state.time` (s).
    func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference)
    /// Returns to the state at load (the start of a run).
    func reset()
}

// MARK: - Swing-foot trajectories with clearance, soft landing and contact-driven early or late touchdown
//
// From lift-off pose (x₀, y₀, z₀, ψ₀) at t₀ to touch-down pose (x₁, y₁, z₁, ψ₁) at t₁, with τ = (t − t₀)/(t₁ − t₀):
//
//     s(τ) = 10τ³ − 15τ⁴ + 6τ⁵                       (quintic: s, s′, s″ = 0, 0, 0 at τ = 0 and 1, 0, 0 at τ = 1)
//     x = x₀ + (x₁ − x₀) s,   y = y₀ + (y₁ − y₀) s,   ψ = ψ₀ + wrap(ψ₁ − ψ₀) s
//     z = z₀ + (z₁ − z₀) s + h b(τ),   b(τ) = 64 τ³ (1 − τ)³,   h = c + |z₁ − z₀| / 2
//
// b rises from 0 to 1 at τ = ½ and back with zero first and second derivatives at both ends, so the foot leaves
// and lands with zero velocity and acceleration, and at mid-swing it is the clearance c above the higher of the
// two footholds: z(½) = max(z₀, z₁) + c. Since b ≥ 0 the foot never goes below the lower foothold.
//
// Contact sensing. `touchDown(at:)` ends the swing when contact is sensed, early or late: the foot becomes stance
// where it is at that time, with zero velocity. If the planned touch-down time passes with no contact, the foot
// keeps descending straight down from the planned pose: its downward speed ramps up at `lateDescentAcceleration`
// (m/s²) to `lateDescentSpeed` (m/s), so the velocity stays continuous, until contact or until it is
// `maxLateDescent` (m) below the planned height, where it stops (phase `.descentLimitReached`: the caller should
// treat the step as failed, e.g. start a recovery).

import EmbodyModel
import Foundation

/// The swing-foot parameters, with units and ranges (checked by `validate()`).
public struct SwingFootParameters: Equatable, Sendable {
    /// Clearance c above the higher foothold at mid-swing, m, in [0, 1].
    public var clearance: Double = 0.05
    /// Late touchdown: the downward speed the foot ramps up to, m/s, in (0, 5].
    public var lateDescentSpeed: Double = 0.2
    /// Late touchdown: the downward acceleration of the ramp, m/s², in (0, 100].
    public var lateDescentAcceleration: Double = 4
    /// Late touchdown: how far below the planned touch-down height the foot may go, m, in [0, 1].
    public var maxLateDescent: Double = 0.05

    public init(clearance: Double = 0.05) { self.clearance = clearance }

    /// Throws `LocomotionParameterError` naming the first value out of range.
    public func validate() throws(LocomotionParameterError) {
        typealias E = LocomotionParameterError
        try E.check("swing clearance", clearance, in: 0...1, unit: "m")
        try E.check("late descent speed", lateDescentSpeed, above: 0, atMost: 5, unit: "m/s")
        try E.check("late descent acceleration", lateDescentAcceleration, above: 0, atMost: 100, unit: "m/s²")
        try E.check("max late descent", maxLateDescent, in: 0...1, unit: "m")
    }
}

/// Where a swing is at a given time.
public enum SwingPhase: Equatable, Sendable {
    /// Before lift-off: the foot is still in stance at the lift-off pose.
    case beforeLiftOff
    /// In the air on the planned path.
    case swinging
    /// Past the planned touch-down time with no contact: descending.
    case lateDescent
    /// Past the planned touch-down with no contact, at the descent limit: stopped.
    case descentLimitReached
    /// Contact was sensed (`touchDown(at:)`): in stance where it landed.
    case landed
}

/// The swing foot's reference at one time: position (m), velocity (m/s), acceleration (m/s²) of the sole centre,
/// world frame; heading ψ (rad), its rate (rad/s) and acceleration (rad/s²) about z.
public struct SwingFootSample: Equatable, Sendable {
    public var position: Vector3
    public var velocity: Vector3
    public var acceleration: Vector3
    public var yaw: Double
    public var yawRate: Double
    public var yawAcceleration: Double
    public var phase: SwingPhase

    /// The foot's pose.
    public var pose: FootPose { FootPose(position: position, yaw: yaw) }
}

/// One swing of one foot (the file's header gives the law). A value type; `sample(at:)` and `touchDown(at:)` are
/// allocation-free.
public struct SwingFootTrajectory: Sendable {
    public let liftOffPose: FootPose
    public let touchDownPose: FootPose
    /// Lift-off and planned touch-down times, s.
    public let liftOffTime: Double
    public let touchDownTime: Double
    public let parameters: SwingFootParameters
    /// When contact was sensed (s), or nil while the foot is still in the air.
    public private(set) var contactTime: Double?
    /// The pose the foot landed at, once `touchDown(at:)` has been called.
    public private(set) var landedPose: FootPose?

    private let bumpHeight: Double   // h
    private let yawChange: Double    // wrap(ψ₁ − ψ₀)

    /// Throws if the times are not finite with lift-off before touch-down, a pose is not finite, or a parameter is
    /// out of range.
    public init(from liftOffPose: FootPose, to touchDownPose: FootPose, liftOffTime: Double, touchDownTime: Double,
                parameters: SwingFootParameters = SwingFootParameters()) throws(LocomotionParameterError) {
        try parameters.validate()
        guard liftOffTime.isFinite, touchDownTime.isFinite, touchDownTime > liftOffTime else {
            throw LocomotionParameterError("swing foot: touch-down time \(touchDownTime) s must be finite and after the lift-off time \(liftOffTime) s")
        }
        for p in [liftOffPose, touchDownPose] where !(p.position.x.isFinite && p.position.y.isFinite && p.position.z.isFinite && p.yaw.isFinite) {
            throw LocomotionParameterError("swing foot: the lift-off and touch-down poses must be finite")
        }
        self.liftOffPose = liftOffPose
        self.touchDownPose = touchDownPose
        self.liftOffTime = liftOffTime
        self.touchDownTime = touchDownTime
        self.parameters = parameters
        bumpHeight = parameters.clearance + abs(touchDownPose.position.z - liftOffPose.position.z) / 2
        yawChange = wrapAngle(touchDownPose.yaw - liftOffPose.yaw)
    }

    /// The swing of a planned step.
    public init(step: Footstep, parameters: SwingFootParameters = SwingFootParameters()) throws(LocomotionParameterError) {
        try self.init(from: step.liftOffPose, to: step.touchDownPose, liftOffTime: step.liftOffTime,
                      touchDownTime: step.touchDownTime, parameters: parameters)
    }

    /// The reference at `time` s. Allocation-free.
    public func sample(at time: Double) -> SwingFootSample {
        if let landed = landedPose, let tc = contactTime, time >= tc {
            return SwingFootSample(position: landed.position, velocity: .zero, acceleration: .zero, yaw: landed.yaw,
                                   yawRate: 0, yawAcceleration: 0, phase: .landed)
        }
        if time <= liftOffTime {
            return SwingFootSample(position: liftOffPose.position, velocity: .zero, acceleration: .zero, yaw: liftOffPose.yaw,
                                   yawRate: 0, yawAcceleration: 0, phase: .beforeLiftOff)
        }
        if time <= touchDownTime { return planned(at: time) }
        // Late: straight down from the planned pose, speed ramping to the descent speed, until the limit.
        let p = parameters, late = time - touchDownTime
        let ramp = p.lateDescentSpeed / p.lateDescentAcceleration
        var depth: Double, speed: Double, accel: Double
        if late <= ramp {
            depth = 0.5 * p.lateDescentAcceleration * late * late; speed = p.lateDescentAcceleration * late; accel = p.lateDescentAcceleration
        } else {
            depth = 0.5 * p.lateDescentSpeed * ramp + p.lateDescentSpeed * (late - ramp); speed = p.lateDescentSpeed; accel = 0
        }
        var phase = SwingPhase.lateDescent
        if depth >= p.maxLateDescent { depth = p.maxLateDescent; speed = 0; accel = 0; phase = .descentLimitReached }
        var position = touchDownPose.position
        position.z -= depth
        return SwingFootSample(position: position, velocity: Vector3(0, 0, -speed), acceleration: Vector3(0, 0, -accel),
                               yaw: touchDownPose.yaw, yawRate: 0, yawAcceleration: 0, phase: phase)
    }

    /// Contact sensed at `time` s (early, on time or late): the swing ends and the foot becomes stance where the
    /// reference has it at that time. Returns that pose. Later calls keep the first contact. Allocation-free.
    @discardableResult
    public mutating func touchDown(at time: Double) -> FootPose {
        if let landed = landedPose { return landed }
        let pose = sample(at: time).pose
        landedPose = pose
        contactTime = time
        return pose
    }

    /// Writes the reference at `time` into a walking reference's foot: pose, velocities, accelerations, and
    /// `inContact` (true before lift-off and after `touchDown(at:)`; false while swinging, descending late, or
    /// stopped at the descent limit without contact). Allocation-free.
    public func fill(_ foot: inout FootReference, at time: Double) {
        let s = sample(at: time)
        foot.inContact = s.phase == .beforeLiftOff || s.phase == .landed
        foot.pose = s.pose.transform
        foot.linearVelocity = s.velocity
        foot.linearAcceleration = s.acceleration
        foot.angularVelocity = Vector3(0, 0, s.yawRate)
        foot.angularAcceleration = Vector3(0, 0, s.yawAcceleration)
    }

    private func planned(at time: Double) -> SwingFootSample {
        let duration = touchDownTime - liftOffTime
        let tau = (time - liftOffTime) / duration
        let t2 = tau * tau, t3 = t2 * tau
        let s = t3 * (10 - 15 * tau + 6 * t2)
        let ds = 30 * t2 * (1 - 2 * tau + t2) / duration
        let dds = 60 * tau * (1 - 3 * tau + 2 * t2) / (duration * duration)
        let u = 1 - tau
        let b = 64 * t3 * u * u * u
        let db = 192 * t2 * u * u * (1 - 2 * tau) / duration
        let ddb = 384 * tau * u * ((1 - 2 * tau) * (1 - 2 * tau) - tau * u) / (duration * duration)
        let d = touchDownPose.position - liftOffPose.position
        var position = liftOffPose.position + s * d, velocity = ds * d, acceleration = dds * d
        position.z += bumpHeight * b
        velocity.z += bumpHeight * db
        acceleration.z += bumpHeight * ddb
        return SwingFootSample(position: position, velocity: velocity, acceleration: acceleration,
                               yaw: wrapAngle(liftOffPose.yaw + yawChange * s), yawRate: yawChange * ds,
                               yawAcceleration: yawChange * dds, phase: .swinging)
    }
}

// MARK: - Time laws and trajectories in joint and Cartesian space
//
// Scalar time laws (quintic and trapezoidal), the multi-joint trajectories built on them (all joints start
// and stop together), a piecewise-linear joint path timed segment by segment (what the planner returns),
// and a Cartesian trajectory (straight-line position, slerp orientation). Sampling never allocates: it
// writes into arrays the caller sized once. Time t is in s from the trajectory's start; before 0 it samples
// the start state, after the duration the end state.

import EmbodyModel

// MARK: - Scalar time laws

/// A fifth-order polynomial p(t) = Σ cₖ tᵏ on [0, T] matching position, velocity and acceleration at both ends.
public struct QuinticProfile: Sendable {
    /// The duration T in s.
    public let duration: Double
    private let c: (Double, Double, Double, Double, Double, Double)

    /// Creates the quintic from (p0, v0, a0) at t = 0 to (p1, v1, a1) at t = T (T > 0; T = 0 jumps to the end).
    public init(p0: Double, v0: Double = 0, a0: Double = 0, p1: Double, v1: Double = 0, a1: Double = 0, duration: Double) {
        self.duration = max(0, duration)
        let t = self.duration
        guard t > 0 else {
            c = (p1, 0, 0, 0, 0, 0)
            return
        }
        let t2 = t * t, t3 = t2 * t, t4 = t3 * t, t5 = t4 * t
        let h = p1 - p0
        c = (p0, v0, a0 / 2,
             (20 * h - (8 * v1 + 12 * v0) * t - (3 * a0 - a1) * t2) / (2 * t3),
             (-30 * h + (14 * v1 + 16 * v0) * t + (3 * a0 - 2 * a1) * t2) / (2 * t4),
             (12 * h - 6 * (v1 + v0) * t + (a1 - a0) * t2) / (2 * t5))
    }

    /// Position, velocity and acceleration at time t (clamped to [0, T]).
    public func sample(_ time: Double) -> (position: Double, velocity: Double, acceleration: Double) {
        let t = min(max(time, 0), duration)
        let p = c.0 + t * (c.1 + t * (c.2 + t * (c.3 + t * (c.4 + t * c.5))))
        let v = c.1 + t * (2 * c.2 + t * (3 * c.3 + t * (4 * c.4 + t * 5 * c.5)))
        let a = 2 * c.2 + t * (6 * c.3 + t * (12 * c.4 + t * 20 * c.5))
        return (p, v, a)
    }

    /// The shortest rest-to-rest duration over `distance` under the limits: max(15|d|/(8 v), √(10|d|/(√3 a))),
    /// since the quintic's peak speed is 15d/(8T) and its peak acceleration 10d/(√3 T²).
    public static func minimumDuration(distance: Double, maxVelocity: Double, maxAcceleration: Double) -> Double {
        let d = abs(distance)
        guard d > 0 else { return 0 }
        let tv = maxVelocity.isFinite && maxVelocity > 0 ? 15 * d / (8 * maxVelocity) : 0
        let ta = maxAcceleration.isFinite && maxAcceleration > 0 ? (10 * d / (3.0.squareRoot() * maxAcceleration)).squareRoot() : 0
        return max(tv, ta)
    }
}

/// A rest-to-rest trapezoidal velocity profile: accelerate at a, cruise at v, decelerate at a (a triangle when
/// the distance is too short to reach v).
public struct TrapezoidalProfile: Equatable, Sendable {
    /// Start and end positions.
    public let start: Double, end: Double
    /// The acceleration magnitude used, ≥ 0.
    public let acceleration: Double
    /// The cruise (peak) speed reached, ≥ 0.
    public let cruiseVelocity: Double
    /// The duration of the acceleration (and of the deceleration) phase, s.
    public let accelerationTime: Double
    /// The total duration, s.
    public let duration: Double

    /// The fastest profile from `start` to `end` under `maxVelocity` and `maxAcceleration` (both > 0).
    public init(start: Double, end: Double, maxVelocity: Double, maxAcceleration: Double) {
        self.start = start
        self.end = end
        let d = abs(end - start)
        let v = maxVelocity, a = maxAcceleration
        guard d > 0, v > 0, a > 0 else {
            acceleration = 0; cruiseVelocity = 0; accelerationTime = 0; duration = 0
            return
        }
        acceleration = a
        if d * a >= v * v {  // reaches v: T = d/v + v/a
            cruiseVelocity = v
            accelerationTime = v / a
            duration = d / v + v / a
        } else {  // triangle
            cruiseVelocity = (d * a).squareRoot()
            accelerationTime = cruiseVelocity / a
            duration = 2 * accelerationTime
        }
    }

    /// The profile from `start` to `end` that keeps acceleration `maxAcceleration` and lasts exactly `duration`
    /// (stretched to at least the fastest duration): cruise speed v = (aT − √(a²T² − 4a|d|))/2.
    public init(start: Double, end: Double, maxVelocity: Double, maxAcceleration: Double, duration: Double) {
        let fastest = TrapezoidalProfile(start: start, end: end, maxVelocity: maxVelocity, maxAcceleration: maxAcceleration)
        let d = abs(end - start), a = maxAcceleration
        guard d > 0, a > 0, duration > fastest.duration else {
            self = fastest
            return
        }
        self.start = start
        self.end = end
        let disc = max(0, a * a * duration * duration - 4 * a * d)
        let v = (a * duration - disc.squareRoot()) / 2
        acceleration = a
        cruiseVelocity = v
        accelerationTime = v / a
        self.duration = duration
    }

    /// Position, velocity and acceleration at time t (clamped to [0, T]).
    public func sample(_ time: Double) -> (position: Double, velocity: Double, acceleration: Double) {
        guard duration > 0 else { return (end, 0, 0) }
        let sign: Double = end >= start ? 1 : -1
        let t = min(max(time, 0), duration)
        let a = acceleration, v = cruiseVelocity, ta = accelerationTime
        if t < ta {
            return (start + sign * 0.5 * a * t * t, sign * a * t, sign * a)
        }
        let tc = duration - ta
        if t <= tc {
            return (start + sign * (0.5 * a * ta * ta + v * (t - ta)), sign * v, 0)
        }
        let r = duration - t
        if t >= duration { return (end, 0, 0) }
        return (end - sign * 0.5 * a * r * r, sign * a * r, -sign * a)
    }
}

// MARK: - Joint-space trajectories

/// A joint-space trajectory that can be sampled at any time without allocating.
public protocol JointTrajectory: AnyObject {
    /// The number of joints.
    var dof: Int { get }
    /// The duration in s.
    var duration: Double { get }
    /// Writes q (rad or m), q̇ and q̈ at time `t` (s) into the dof-sized arrays.
    func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double])
}

/// The shape of the time law used to move between two configurations.
public enum TimeLaw: String, Equatable, Sendable, CaseIterable {
    /// Quintic polynomial: zero velocity and acceleration at both ends, smooth (continuous jerk-free ends).
    case quintic
    /// Trapezoidal velocity: constant acceleration phases; the fastest under velocity and acceleration limits.
    case trapezoidal
}

/// Velocity and acceleration limits per joint.
public struct JointLimits: Equatable, Sendable {
    /// Maximum speed per joint, rad/s or m/s (> 0).
    public var velocity: [Double]
    /// Maximum acceleration per joint, rad/s² or m/s² (> 0).
    public var acceleration: [Double]

    /// Creates limits; both arrays have one positive entry per joint.
    public init(velocity: [Double], acceleration: [Double]) {
        self.velocity = velocity
        self.acceleration = acceleration
    }

    /// The same limits for `dof` joints.
    public init(dof: Int, velocity: Double, acceleration: Double) {
        self.init(velocity: Array(repeating: velocity, count: dof), acceleration: Array(repeating: acceleration, count: dof))
    }

    func validate(dof: Int) throws(PlanningError) {
        guard velocity.count == dof, acceleration.count == dof,
              velocity.allSatisfy({ $0 > 0 }), acceleration.allSatisfy({ $0 > 0 }) else {
            throw PlanningError("joint limits need \(dof) positive velocities and accelerations")
        }
    }
}

/// A synchronized point-to-point motion in joint space: every joint follows the same time law over the same
/// duration, the longest any joint needs under its limits (or `minimumDuration` if longer).
public final class PointToPointTrajectory: JointTrajectory {
    /// The number of joints.
    public let dof: Int
    /// The duration in s.
    public let duration: Double
    /// The time law.
    public let law: TimeLaw
    private var quintics: [QuinticProfile] = []
    private var trapezoids: [TrapezoidalProfile] = []

    /// Creates a rest-to-rest motion from `start` to `goal` (dof values each).
    public init(start: [Double], goal: [Double], limits: JointLimits, law: TimeLaw = .quintic,
                minimumDuration: Double = 0) throws(PlanningError) {
        let n = start.count
        guard goal.count == n else { throw PlanningError("start and goal need the same number of joints") }
        try limits.validate(dof: n)
        dof = n
        self.law = law
        var t = max(0, minimumDuration)
        for i in 0..<n {
            let d = goal[i] - start[i]
            switch law {
            case .quintic:
                t = max(t, QuinticProfile.minimumDuration(distance: d, maxVelocity: limits.velocity[i],
                                                          maxAcceleration: limits.acceleration[i]))
            case .trapezoidal:
                t = max(t, TrapezoidalProfile(start: start[i], end: goal[i], maxVelocity: limits.velocity[i],
                                              maxAcceleration: limits.acceleration[i]).duration)
            }
        }
        duration = t
        for i in 0..<n {
            switch law {
            case .quintic:
                quintics.append(QuinticProfile(p0: start[i], p1: goal[i], duration: t))
            case .trapezoidal:
                trapezoids.append(TrapezoidalProfile(start: start[i], end: goal[i], maxVelocity: limits.velocity[i],
                                                     maxAcceleration: limits.acceleration[i], duration: t))
            }
        }
    }

    /// Writes q, q̇ and q̈ at time `t` (s).
    public func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double]) {
        for i in 0..<dof {
            let s = law == .quintic ? quintics[i].sample(t) : trapezoids[i].sample(t)
            q[i] = s.position; qd[i] = s.velocity; qdd[i] = s.acceleration
        }
    }
}

/// A path of straight joint-space segments through waypoints, each traversed rest to rest with a time law
/// on the path parameter s ∈ [0, 1], scaled so that every joint respects its limits: for segment Δq,
/// ṡ ≤ minⱼ vⱼ/|Δqⱼ| and s̈ ≤ minⱼ aⱼ/|Δqⱼ|. The motion stays exactly on the segments that were checked.
public final class PiecewiseLinearTrajectory: JointTrajectory {
    /// The number of joints.
    public let dof: Int
    /// The waypoints, start first (each dof values).
    public let waypoints: [[Double]]
    /// The start time of each segment, and the duration last (waypoints.count values), s.
    public let times: [Double]
    /// The time law of every segment.
    public let law: TimeLaw
    private let isQuintic: Bool
    private let quintics: [QuinticProfile]
    private let trapezoids: [TrapezoidalProfile]

    /// The duration in s (stored: `times.last` allocates in unoptimized builds, and sample() reads it every call).
    public let duration: Double

    /// Times `waypoints` (at least one; each dof values) under `limits`.
    public init(waypoints: [[Double]], limits: JointLimits, law: TimeLaw = .trapezoidal) throws(PlanningError) {
        guard let first = waypoints.first else { throw PlanningError("a path needs at least one waypoint") }
        let n = first.count
        guard waypoints.allSatisfy({ $0.count == n }) else { throw PlanningError("every waypoint needs \(n) values") }
        try limits.validate(dof: n)
        dof = n
        self.waypoints = waypoints
        self.law = law
        isQuintic = law == .quintic
        var t = [0.0]
        var qs: [QuinticProfile] = [], ts: [TrapezoidalProfile] = []
        for k in 0..<(waypoints.count - 1) {
            var sv = Double.infinity, sa = Double.infinity
            for j in 0..<n {
                let d = abs(waypoints[k + 1][j] - waypoints[k][j])
                if d > 0 {
                    sv = min(sv, limits.velocity[j] / d)
                    sa = min(sa, limits.acceleration[j] / d)
                }
            }
            if !sv.isFinite { sv = 1; sa = 1 }  // a zero-length segment takes no time
            let d = waypoints[k] == waypoints[k + 1] ? 0.0 : 1.0
            switch law {
            case .quintic:
                let q = QuinticProfile(p0: 0, p1: 1, duration: QuinticProfile.minimumDuration(
                    distance: d, maxVelocity: sv, maxAcceleration: sa))
                qs.append(q)
                t.append(t[k] + q.duration)
            case .trapezoidal:
                let p = TrapezoidalProfile(start: 0, end: d, maxVelocity: sv, maxAcceleration: sa)
                ts.append(p)
                t.append(t[k] + p.duration)
            }
        }
        times = t
        duration = t.last ?? 0
        quintics = qs
        trapezoids = ts
    }

    /// Writes q, q̇ and q̈ at time `t` (s).
    public func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double]) {
        let segments = waypoints.count - 1
        guard segments > 0, t > 0 else { return hold(0, &q, &qd, &qdd) }
        guard t < duration else { return hold(segments, &q, &qd, &qdd) }
        // The last segment whose start time is ≤ t (binary search).
        var lo = 0, hi = segments - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if times[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        let k = lo
        let local = t - times[k]
        var position = 0.0, velocity = 0.0, acceleration = 0.0
        if isQuintic {
            (position, velocity, acceleration) = quintics[k].sample(local)
        } else {
            (position, velocity, acceleration) = trapezoids[k].sample(local)
        }
        for j in 0..<dof {
            let a = waypoints[k][j]
            let d = waypoints[k + 1][j] - a
            q[j] = a + position * d
            qd[j] = velocity * d
            qdd[j] = acceleration * d
        }
    }

    private func hold(_ k: Int, _ q: inout [Double], _ qd: inout [Double], _ qdd: inout [Double]) {
        for j in 0..<dof { q[j] = waypoints[k][j]; qd[j] = 0; qdd[j] = 0 }
    }
}

// MARK: - Cartesian trajectories

/// A Cartesian sample: pose, twist and its derivative, world frame.
public struct CartesianSample: Equatable, Sendable {
    /// The pose.
    public var pose: Transform
    /// Linear velocity, m/s.
    public var linearVelocity: Vector3
    /// Angular velocity, rad/s.
    public var angularVelocity: Vector3
    /// Linear acceleration, m/s².
    public var linearAcceleration: Vector3
    /// Angular acceleration, rad/s².
    public var angularAcceleration: Vector3
}

/// Limits of a Cartesian motion.
public struct CartesianLimits: Equatable, Sendable {
    /// Maximum linear speed, m/s.
    public var linearVelocity: Double
    /// Maximum linear acceleration, m/s².
    public var linearAcceleration: Double
    /// Maximum angular speed, rad/s.
    public var angularVelocity: Double
    /// Maximum angular acceleration, rad/s².
    public var angularAcceleration: Double

    /// Creates limits (all > 0).
    public init(linearVelocity: Double, linearAcceleration: Double, angularVelocity: Double, angularAcceleration: Double) {
        self.linearVelocity = linearVelocity
        self.linearAcceleration = linearAcceleration
        self.angularVelocity = angularVelocity
        self.angularAcceleration = angularAcceleration
    }
}

/// A straight-line Cartesian motion: p(s) = p₀ + s(p₁ − p₀), R(s) = Exp(s θ u) R₀ (slerp along the shorter arc),
/// with s(t) a rest-to-rest time law on [0, 1] whose speed and acceleration bounds are the tighter of the
/// linear limits over |p₁ − p₀| and the angular limits over θ. Velocities: v = ṡ(p₁ − p₀), ω = ṡ θ u.
public final class CartesianTrajectory {
    /// The start pose.
    public let start: Transform
    /// The goal pose.
    public let goal: Transform
    /// The time law of s.
    public let law: TimeLaw
    /// The duration in s.
    public let duration: Double
    private let delta: Vector3
    private let rotation: Vector3   // θ u, world frame
    private let quintic: QuinticProfile
    private let trapezoid: TrapezoidalProfile

    /// Creates the fastest motion from `start` to `goal` under `limits` (or lasting `minimumDuration` s if longer).
    public init(start: Transform, goal: Transform, limits: CartesianLimits, law: TimeLaw = .quintic,
                minimumDuration: Double = 0) throws(PlanningError) {
        guard limits.linearVelocity > 0, limits.linearAcceleration > 0, limits.angularVelocity > 0,
              limits.angularAcceleration > 0 else {
            throw PlanningError("Cartesian limits must be positive")
        }
        self.start = start
        self.goal = goal
        self.law = law
        delta = goal.position - start.position
        rotation = (goal.rotation * start.rotation.conjugate).normalizedOrIdentity.rotationVector
        let l = length(delta), theta = length(rotation)
        var sv = Double.infinity, sa = Double.infinity
        if l > 0 { sv = min(sv, limits.linearVelocity / l); sa = min(sa, limits.linearAcceleration / l) }
        if theta > 0 { sv = min(sv, limits.angularVelocity / theta); sa = min(sa, limits.angularAcceleration / theta) }
        let moves = sv.isFinite
        if !moves { sv = 1; sa = 1 }
        switch law {
        case .quintic:
            let t = max(moves ? QuinticProfile.minimumDuration(distance: 1, maxVelocity: sv, maxAcceleration: sa) : 0,
                        minimumDuration)
            quintic = QuinticProfile(p0: 0, p1: 1, duration: t)
            trapezoid = TrapezoidalProfile(start: 0, end: 0, maxVelocity: 1, maxAcceleration: 1)
            duration = t
        case .trapezoidal:
            let p = TrapezoidalProfile(start: 0, end: moves ? 1 : 0, maxVelocity: sv, maxAcceleration: sa,
                                       duration: minimumDuration)
            trapezoid = p
            quintic = QuinticProfile(p0: 0, p1: 0, duration: 0)
            duration = max(p.duration, moves ? 0 : minimumDuration)
        }
    }

    /// The pose and its derivatives at time t (s).
    public func sample(at t: Double) -> CartesianSample {
        // Without motion delta and rotation are zero, so s does not matter.
        let s = law == .quintic ? quintic.sample(t) : trapezoid.sample(t)
        let pose = Transform(position: start.position + s.position * delta,
                             rotation: (Quaternion(rotationVector: s.position * rotation) * start.rotation).normalizedOrIdentity)
        return CartesianSample(pose: pose, linearVelocity: s.velocity * delta, angularVelocity: s.velocity * rotation,
                               linearAcceleration: s.acceleration * delta, angularAcceleration: s.acceleration * rotation)
    }
}

// MARK: - Retargetable joint motion (replanning)

/// A joint-space motion to a goal, one quintic per joint over a shared duration, whose goal can change at any
/// time: the new motion starts from the current position, velocity and acceleration, so the reference stays
/// continuous through a replan; sampling and retargeting allocate nothing.
///
/// Retargeting at time t from goal g to g′ takes T = max(the time left of the current motion, the fastest
/// rest-to-rest quintic over |g′ⱼ − gⱼ| under the limits, `minimumDuration`). A quintic is fixed by its six
/// boundary values, so retargeting to the same goal over the time left would give back the same motion: an
/// unchanged goal is therefore ignored, and a changed one adds a correction that respects the limits at rest
/// (the sum of the remaining motion and the correction may exceed them slightly).
public final class RetargetableTrajectory: JointTrajectory {
    /// The number of joints.
    public let dof: Int
    /// The velocity and acceleration limits the motions are timed under.
    public let limits: JointLimits
    /// When the current motion started, s.
    public private(set) var startTime: Double = 0
    /// When the current motion ends, s (the goal holds after it).
    public private(set) var endTime: Double = 0
    /// The current goal, rad or m (dof values).
    public private(set) var goal: [Double]
    /// How many times the goal changed.
    public private(set) var retargetCount = 0
    private var profiles: [QuinticProfile]

    /// The time at which the current motion ends, s (from time 0, not from its start).
    public var duration: Double { endTime }

    /// Creates a trajectory at rest at `initial` (dof values) that will be timed under `limits`.
    public init(initial: [Double], limits: JointLimits) throws(PlanningError) {
        dof = initial.count
        try limits.validate(dof: dof)
        guard initial.allSatisfy(\.isFinite) else { throw PlanningError("the initial configuration must be finite") }
        self.limits = limits
        goal = [Double](repeating: 0, count: dof)   // a buffer of its own: retargeting writes it in place
        for j in 0..<dof { goal[j] = initial[j] }
        profiles = initial.map { QuinticProfile(p0: $0, p1: $0, duration: 0) }
    }

    /// Moves to `newGoal` (dof values, rad or m) from the motion's state at time `t` (s); returns false, leaving
    /// everything as it was, when the goal is unchanged or not finite.
    @discardableResult
    public func retarget(to newGoal: [Double], at t: Double, minimumDuration: Double = 0) -> Bool {
        precondition(newGoal.count >= dof, "retarget needs \(dof) goal values")
        var changed = false
        var duration = max(0, minimumDuration, endTime - t)
        for j in 0..<dof {
            guard newGoal[j].isFinite else { return false }
            let d = newGoal[j] - goal[j]
            if d != 0 { changed = true }
            duration = max(duration, QuinticProfile.minimumDuration(distance: d, maxVelocity: limits.velocity[j],
                                                                    maxAcceleration: limits.acceleration[j]))
        }
        guard changed else { return false }
        let finished = t >= endTime
        let local = t - startTime
        for j in 0..<dof {
            let s = finished ? (position: goal[j], velocity: 0.0, acceleration: 0.0) : profiles[j].sample(local)
            profiles[j] = QuinticProfile(p0: s.position, v0: s.velocity, a0: s.acceleration, p1: newGoal[j],
                                         duration: duration)
            goal[j] = newGoal[j]
        }
        startTime = t
        endTime = t + duration
        retargetCount += 1
        return true
    }

    /// Writes q, q̇ and q̈ at time `t` (s): the goal at rest from `endTime` on.
    public func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double]) {
        if t >= endTime {
            for j in 0..<dof { q[j] = goal[j]; qd[j] = 0; qdd[j] = 0 }
            return
        }
        let local = t - startTime
        for j in 0..<dof {
            let s = profiles[j].sample(local)
            q[j] = s.position; qd[j] = s.velocity; qdd[j] = s.acceleration
        }
    }
}

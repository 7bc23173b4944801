// MARK: - The walking timeline: contact phases, footholds and the ZMP reference in time
//
// A walk is a sequence of phases. In double support both feet stand and the ZMP reference moves linearly
// from `zmpStart` to `zmpEnd`; in single support one foot swings from `swingFrom` to `swingTo` while the ZMP
// reference stays on the stance foot. The last phase lasts for ever (standing). Phases live in a buffer
// allocated once with a fixed capacity, so a plan can be rewritten during a run (a capture step) without
// allocating; sampling walks a cursor forward and never allocates.

import EmbodyModel

/// A foot's place on the ground: its sole centre (m, world) and its heading (rad about z).
public struct Foothold: Equatable, Sendable {
    /// The sole frame's origin, m, world frame.
    public var position: Vector3
    /// The sole's heading about world z, rad.
    public var yaw: Double

    public init(position: Vector3, yaw: Double) { self.position = position; self.yaw = yaw }

    /// The sole frame's world pose (flat: z up).
    public var pose: Transform { Transform(position: position, rotation: Quaternion(axis: Vector3(0, 0, 1), angle: yaw)) }

    /// The mean heading of two feet, rad: halfway along the shorter arc between them (feet at 179° and −179°
    /// head 180°, not 0°).
    public static func meanYaw(_ a: Foothold, _ b: Foothold) -> Double {
        let m = 0.5 * (a.yaw + b.yaw)
        return abs(b.yaw - a.yaw) > Double.pi ? wrapAngle(m + Double.pi) : m
    }

    /// A point `forward` m ahead and `left` m to the left of the sole centre, at its height.
    public func offset(forward: Double, left: Double) -> Vector3 {
        let c = cos(yaw), s = sin(yaw)
        return position + Vector3(c * forward - s * left, s * forward + c * left, 0)
    }
}

/// One contact phase of a walk.
public struct WalkingPhase: Equatable, Sendable {
    /// When the phase starts, s (run time).
    public var start: Double
    /// How long it lasts, s (`.infinity` for the final stand).
    public var duration: Double
    /// The swinging foot, or nil in double support.
    public var swing: FootSide?
    /// The feet at the start of the phase (indexed by `FootSide.rawValue`); in single support the swing foot
    /// moves from `feet[swing]` to `swingTarget`.
    public var left: Foothold
    public var right: Foothold
    /// Where the swing foot lands (single support only).
    public var swingTarget: Foothold
    /// The ZMP reference at the start and at the end of the phase, m (x, y).
    public var zmpStart: SIMD2<Double>
    public var zmpEnd: SIMD2<Double>

    /// The end time, s.
    public var end: Double { start + duration }

    /// The foothold of `side` at the start of the phase.
    public func foot(_ side: FootSide) -> Foothold { side == .left ? left : right }

    /// The foothold of `side` at the end of the phase.
    public func footAtEnd(_ side: FootSide) -> Foothold { side == swing ? swingTarget : foot(side) }
}

/// A bounded, rewritable sequence of phases, sampled by time.
public final class WalkingTimeline {
    /// The phases; only the first `count` are in use.
    public private(set) var phases: [WalkingPhase]
    /// The number of phases in use.
    public private(set) var count = 0
    /// The capacity fixed at creation.
    public var capacity: Int { phases.count }

    /// An empty timeline that can hold `capacity` phases (allocates once).
    public init(capacity: Int, standingAt left: Foothold, _ right: Foothold) {
        let standing = WalkingTimeline.standing(start: 0, left: left, right: right, zmpStart: nil)
        phases = Array(repeating: standing, count: max(capacity, 2))
        count = 1
    }

    /// A phase standing on both feet from `start` on, the ZMP moving from `zmpStart` (or the feet's midpoint) to
    /// the feet's midpoint over `duration`, then staying there (the phase after it, if the caller appends none).
    static func standing(start: Double, left: Foothold, right: Foothold, zmpStart: SIMD2<Double>?,
                         duration: Double = .infinity) -> WalkingPhase {
        let mid = 0.5 * (left.position + right.position)
        let m = SIMD2(mid.x, mid.y)
        return WalkingPhase(start: start, duration: duration, swing: nil, left: left, right: right, swingTarget: left,
                            zmpStart: zmpStart ?? m, zmpEnd: m)
    }

    /// Drops every phase, keeping none (the caller appends new ones; the last should last for ever).
    public func removeAll() { count = 0 }

    /// Drops the phases after index `index` (keeps 0...index).
    public func truncate(after index: Int) { count = min(count, index + 1) }

    /// Appends a phase; returns false (and appends nothing) when the timeline is full.
    @discardableResult
    public func append(_ phase: WalkingPhase) -> Bool {
        guard count < phases.count else { return false }
        phases[count] = phase
        count += 1
        return true
    }

    /// Replaces the phase at `index` (below `count`): a balance layer moving the footholds of a planned walk.
    public func replace(_ phase: WalkingPhase, at index: Int) { phases[index] = phase }

    /// Replaces the duration of the phase at `index` (to close a final stand before new phases follow).
    public func setDuration(_ duration: Double, at index: Int) { phases[index].duration = duration }

    /// The index of the phase at time `t` (s), searching forward from `hint` (a cursor the caller keeps).
    @inline(__always)
    public func index(at t: Double, from hint: Int) -> Int {
        var i = min(max(hint, 0), count - 1)
        while i > 0 && t < phases[i].start { i -= 1 }
        while i + 1 < count && t >= phases[i + 1].start { i += 1 }
        return i
    }

    /// The ZMP reference at time `t`, m, with a cursor.
    @inline(__always)
    public func zmp(at t: Double, cursor: inout Int) -> SIMD2<Double> {
        cursor = index(at: t, from: cursor)
        let p = phases[cursor]
        guard p.duration.isFinite, p.duration > 0 else { return p.zmpEnd }
        let s = min(max((t - p.start) / p.duration, 0), 1)
        return p.zmpStart + s * (p.zmpEnd - p.zmpStart)
    }

    /// The time the walk ends: the start of the final, endless phase, s.
    public var endOfMotion: Double { count > 0 ? phases[count - 1].start : 0 }
}

// MARK: - Swing-foot trajectory

/// A swing foot from lift-off to touchdown: horizontal position and heading along a quintic (zero velocity and
/// acceleration at both ends), height along the quintic between the end heights plus a bump h·64 s³(1 − s)³
/// (zero velocity and acceleration at both ends, apex `clearance` above the higher end at mid-swing).
public enum WalkingSwing {
    /// The quintic blend σ(s) = 10s³ − 15s⁴ + 6s⁵ and its first two derivatives in s.
    @inline(__always)
    static func blend(_ s: Double) -> (Double, Double, Double) {
        let s2 = s * s, s3 = s2 * s
        return (s3 * (10 - 15 * s + 6 * s2), 30 * s2 * (1 - s) * (1 - s), 60 * s * (1 - s) * (1 - 2 * s))
    }

    /// Fills `foot` with the swing foot's pose, velocity and acceleration at normalized time s ∈ [0, 1] of a swing
    /// lasting `duration` s from `from` to `to` with apex `clearance` m above the higher end.
    public static func sample(from: Foothold, to: Foothold, clearance: Double, s rawS: Double, duration: Double,
                              into foot: inout FootReference) {
        let s = min(max(rawS, 0), 1)
        let (b, db, ddb) = blend(s)
        let d = to.position - from.position
        var yawDelta = to.yaw - from.yaw
        while yawDelta > Double.pi { yawDelta -= 2 * Double.pi }
        while yawDelta < -Double.pi { yawDelta += 2 * Double.pi }
        // The bump: 64 s³(1 − s)³ peaks at 1 at s = 1/2.
        let u = s * (1 - s)
        let bump = 64 * u * u * u
        let dbump = 192 * u * u * (1 - 2 * s)
        let ddbump = 384 * u * (1 - 2 * s) * (1 - 2 * s) - 384 * u * u
        let apex = max(from.position.z, to.position.z) + clearance
        let h = apex - (from.position.z + 0.5 * d.z)   // the bump's height over the straight blend at mid-swing
        let inv = 1 / duration
        var p = from.position + b * d
        p.z += h * bump
        var v = db * inv * d
        v.z += h * dbump * inv
        var a = ddb * inv * inv * d
        a.z += h * ddbump * inv * inv
        let yaw = from.yaw + b * yawDelta
        foot.pose = Foothold(position: p, yaw: yaw).pose
        foot.linearVelocity = v
        foot.angularVelocity = Vector3(0, 0, db * inv * yawDelta)
        foot.linearAcceleration = a
        foot.angularAcceleration = Vector3(0, 0, ddb * inv * inv * yawDelta)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

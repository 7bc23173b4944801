// MARK: - The linear inverted pendulum (LIPM) and its divergent component of motion (DCM)
//
// The walking pattern generators of this module (ZMP preview control, capture-point stepping) all plan with
// the linear inverted pendulum: the centre of mass (CoM) moves at a constant height z_c above the ground and
// the only input is the zero-moment point (ZMP) p on the ground. Per horizontal axis
//
//     ẍ = ω² (x − p),    ω = √(g / z_c)                                                        (LIPM)
//
// and for a ZMP held constant at p from t = 0 the closed form is
//
//     x(t) = p + (x₀ − p) cosh ωt + (ẋ₀ / ω) sinh ωt,   ẋ(t) = ω (x₀ − p) sinh ωt + ẋ₀ cosh ωt.
//
// Conversely the ZMP of a CoM motion is p = x − ẍ / ω² (the cart-table model's output).
//
// The divergent component of motion (Englsberger et al., 2015, "Three-dimensional bipedal walking control
// based on divergent component of motion") splits the LIPM into a stable and an unstable first-order system:
//
//     ξ = x + ẋ / ω,    ẋ = −ω (x − ξ)  (the CoM converges to the DCM),    ξ̇ = ω (ξ − p)  (the DCM diverges from the ZMP).
//
// For constant p, ξ(t) = p + (ξ₀ − p) e^{ωt}. The instantaneous capture point of Pratt et al. (2006) is the
// same point ξ: putting the ZMP there (stepping onto it) makes ξ̇ = 0, and the CoM then comes to rest over
// it. docs/locomotion.md relates DCM planning to ZMP preview control.

import EmbodyModel
import Foundation

/// A walking parameter out of range or an inconsistent walking input, with a message for people that names
/// the parameter, its value and the accepted range.
public struct LocomotionParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message.
    public var description: String

    public init(_ description: String) { self.description = description }

    /// Throws unless `value` is finite and inside `range`.
    static func check(_ name: String, _ value: Double, in range: ClosedRange<Double>, unit: String) throws(LocomotionParameterError) {
        guard value.isFinite, range.contains(value) else {
            throw LocomotionParameterError("\(name) must be in [\(range.lowerBound), \(range.upperBound)] \(unit), got \(value)")
        }
    }

    /// Throws unless `value` is finite, greater than `lower` and at most `upper`.
    static func check(_ name: String, _ value: Double, above lower: Double, atMost upper: Double, unit: String) throws(LocomotionParameterError) {
        guard value.isFinite, value > lower, value <= upper else {
            throw LocomotionParameterError("\(name) must be in (\(lower), \(upper)] \(unit), got \(value)")
        }
    }
}

/// The state of the LIPM along one horizontal axis: CoM position (m), velocity (m/s), acceleration (m/s²).
public struct PendulumAxisState: Equatable, Sendable {
    public var position: Double
    public var velocity: Double
    public var acceleration: Double

    public init(position: Double, velocity: Double, acceleration: Double) {
        self.position = position
        self.velocity = velocity
        self.acceleration = acceleration
    }
}

/// The linear inverted pendulum ẍ = ω² (x − p) with ω = √(g / z_c), per horizontal axis (x and y are
/// independent). A value type with no state; all functions are pure and allocation-free.
public struct LinearInvertedPendulum: Equatable, Sendable {
    /// CoM height above the ground (the ZMP plane), z_c, m, in (0, 10].
    public let comHeight: Double
    /// Gravity g, m/s², in (0, 100].
    public let gravity: Double
    /// The pendulum's natural frequency ω = √(g / z_c), 1/s.
    public let omega: Double

    /// Throws `LocomotionParameterError` if `comHeight` (m) is outside (0, 10] or `gravity` (m/s²) outside (0, 100].
    public init(comHeight: Double, gravity: Double = locomotionDefaultGravity) throws(LocomotionParameterError) {
        try LocomotionParameterError.check("LIPM CoM height", comHeight, above: 0, atMost: 10, unit: "m")
        try LocomotionParameterError.check("LIPM gravity", gravity, above: 0, atMost: 100, unit: "m/s²")
        self.comHeight = comHeight
        self.gravity = gravity
        omega = (gravity / comHeight).squareRoot()
    }

    /// The closed-form state after `time` s with the ZMP held at `zmp` (m):
    /// x(t) = p + (x₀ − p) cosh ωt + (ẋ₀/ω) sinh ωt, ẋ(t) = ω (x₀ − p) sinh ωt + ẋ₀ cosh ωt, ẍ = ω² (x − p).
    public func state(after time: Double, position x0: Double, velocity v0: Double, zmp p: Double) -> PendulumAxisState {
        let c = cosh(omega * time), s = sinh(omega * time)
        let x = p + (x0 - p) * c + v0 / omega * s
        let v = omega * (x0 - p) * s + v0 * c
        return PendulumAxisState(position: x, velocity: v, acceleration: omega * omega * (x - p))
    }

    /// Both horizontal axes at once: `state(after:position:velocity:zmp:)` per component.
    public func state(after time: Double, position x0: SIMD2<Double>, velocity v0: SIMD2<Double>,
                      zmp p: SIMD2<Double>) -> (position: SIMD2<Double>, velocity: SIMD2<Double>) {
        let c = cosh(omega * time), s = sinh(omega * time)
        return (p + (x0 - p) * c + v0 / omega * s, omega * (x0 - p) * s + v0 * c)
    }

    /// The ZMP of a CoM motion (the cart-table output), m: p = x − ẍ / ω² = x − (z_c / g) ẍ.
    public func zmp(position x: Double, acceleration a: Double) -> Double { x - a / (omega * omega) }

    /// The divergent component of motion (instantaneous capture point), m: ξ = x + ẋ / ω.
    public func divergentComponent(position x: Double, velocity v: Double) -> Double { x + v / omega }

    /// The DCM, both axes: ξ = x + ẋ / ω.
    public func divergentComponent(position x: SIMD2<Double>, velocity v: SIMD2<Double>) -> SIMD2<Double> { x + v / omega }

    /// The DCM after `time` s with the ZMP held at `zmp`: ξ(t) = p + (ξ₀ − p) e^{ωt}.
    public func divergentComponent(after time: Double, from xi0: SIMD2<Double>, zmp p: SIMD2<Double>) -> SIMD2<Double> {
        p + (xi0 - p) * exp(omega * time)
    }

    /// The ZMP that holds the DCM still or moves it as planned: from ξ̇ = ω (ξ − p), p = ξ − ξ̇ / ω.
    public func zmp(divergentComponent xi: SIMD2<Double>, rate xiDot: SIMD2<Double>) -> SIMD2<Double> { xi - xiDot / omega }
}

// MARK: - DCM planning over a footstep sequence (Englsberger et al., 2015)

/// A DCM plan for piecewise-constant ZMPs: the ZMP sits at `zmps[i]` (m) for `durations[i]` s, and the walk
/// ends with the DCM at rest on the last ZMP. The end-of-phase DCMs follow by backward recursion,
///
///     ξ_end,last = p_last,    ξ_end,i−1 = ξ_start,i = p_i + (ξ_end,i − p_i) e^{−ω T_i},
///
/// so that within phase i, ξ(t) = p_i + (ξ_start,i − p_i) e^{ω (t − t_i)} satisfies ξ̇ = ω (ξ − p_i) and is
/// continuous across phases. This is the DCM counterpart of the ZMP preview controller's CoM plan: the CoM
/// that follows ẋ = −ω (x − ξ) is the LIPM's bounded response to the same ZMP sequence. Allocates at init only.
public struct DivergentComponentPlan: Sendable {
    /// The pendulum the plan is for.
    public let pendulum: LinearInvertedPendulum
    /// The ZMP of each phase, m.
    public let zmps: [SIMD2<Double>]
    /// The start time of each phase, s (the first is `startTime`), and one more entry: the end of the last phase.
    public let phaseStartTimes: [Double]
    /// The DCM at the start of each phase, m.
    public let phaseStartDCMs: [SIMD2<Double>]

    /// Throws if the lists are empty, of different lengths, or a duration is not in (0, 100] s.
    public init(pendulum: LinearInvertedPendulum, zmps: [SIMD2<Double>], durations: [Double], startTime: Double = 0)
        throws(LocomotionParameterError) {
        guard !zmps.isEmpty, zmps.count == durations.count else {
            throw LocomotionParameterError("DCM plan: need one duration per ZMP and at least one phase, got \(zmps.count) ZMPs and \(durations.count) durations")
        }
        guard startTime.isFinite else { throw LocomotionParameterError("DCM plan: start time must be finite, got \(startTime)") }
        for (i, d) in durations.enumerated() {
            try LocomotionParameterError.check("DCM plan duration \(i)", d, above: 0, atMost: 100, unit: "s")
            guard zmps[i].x.isFinite, zmps[i].y.isFinite else { throw LocomotionParameterError("DCM plan: ZMP \(i) is not finite") }
        }
        self.pendulum = pendulum
        self.zmps = zmps
        var times = [startTime]
        for d in durations { times.append(times[times.count - 1] + d) }
        phaseStartTimes = times
        var starts = [SIMD2<Double>](repeating: .zero, count: zmps.count)
        var end = zmps[zmps.count - 1]
        for i in stride(from: zmps.count - 1, through: 0, by: -1) {
            starts[i] = zmps[i] + (end - zmps[i]) * exp(-pendulum.omega * durations[i])
            end = starts[i]
        }
        phaseStartDCMs = starts
    }

    /// The planned DCM (m) and its rate (m/s) at `time` s; before the plan it is the first phase's start
    /// value extrapolated, after the plan the last ZMP. Binary search; allocation-free.
    public func divergentComponent(at time: Double) -> (dcm: SIMD2<Double>, rate: SIMD2<Double>) {
        let n = zmps.count
        if time >= phaseStartTimes[n] { return (zmps[n - 1], .zero) }
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if phaseStartTimes[mid] <= time { lo = mid } else { hi = mid - 1 }
        }
        let e = exp(pendulum.omega * (time - phaseStartTimes[lo]))
        let dcm = zmps[lo] + (phaseStartDCMs[lo] - zmps[lo]) * e
        return (dcm, pendulum.omega * (dcm - zmps[lo]))
    }
}

// MARK: - Response metrics over sampled logs (definitions in docs/metrics.md)
//
// Pure functions over arrays: a step response (times and values of one coordinate), a tracking log
// (samples × joints), end-effector poses, torques. They run after a run, not in the control loop, so
// they may allocate. Times are in s; values in the coordinate's unit (rad or m).

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Result types

/// The characteristics of one sampled step response; times are measured from the step instant, in s.
public struct StepResponseMetrics: Equatable, Sendable {
    /// The 10–90 % rise time in s, or nil if the response never reaches 90 % of the step.
    public var riseTime: Double?
    /// The overshoot as a percentage of the step size (0 when the response never passes the target).
    public var overshootPercent: Double
    /// The time of the largest excursion towards and past the target, in s from the step.
    public var peakTime: Double
    /// The settling time in s (last exit from the band), or nil if the response ends outside the band.
    public var settlingTime: Double?
    /// The steady-state error |target − mean of the final window|, in the value's unit.
    public var steadyStateError: Double
}

/// Per-joint and overall tracking errors of a log; errors are in rad or m.
public struct TrackingErrorMetrics: Equatable, Sendable {
    /// RMS error per joint over the samples.
    public var rmsPerJoint: [Double]
    /// Largest absolute error per joint.
    public var maxPerJoint: [Double]
    /// RMS over every (sample, joint) pair: √(Σₖ Σᵢ eₖᵢ² / (K·n)).
    public var rms: Double
    /// Largest absolute error over all samples and joints.
    public var max: Double
}

/// End-effector position (m) and orientation (rad) errors over a log.
public struct EndEffectorErrorMetrics: Equatable, Sendable {
    /// RMS of the position error norm over the samples, m.
    public var positionRMS: Double
    /// Largest position error norm, m.
    public var positionMax: Double
    /// Position error norm at the last sample, m.
    public var positionFinal: Double
    /// RMS of the orientation error angle over the samples, rad.
    public var orientationRMS: Double
    /// Largest orientation error angle, rad.
    public var orientationMax: Double
    /// Orientation error angle at the last sample, rad.
    public var orientationFinal: Double

    /// The largest orientation error in degrees.
    public var orientationMaxDegrees: Double { orientationMax * 180 / Double.pi }
    /// The final orientation error in degrees.
    public var orientationFinalDegrees: Double { orientationFinal * 180 / Double.pi }
}

// MARK: - Step responses

/// Response and tracking metrics as pure functions over sampled arrays; see docs/metrics.md.
public enum ResponseMetrics {
    /// The 10–90 % (by default) rise time in s: the first time the normalized response (x − x₀)/(x* − x₀) reaches `upper` minus the first time it reaches `lower`, each found by linear interpolation between samples; nil if `upper` is never reached or the step is zero.
    public static func riseTime(times: [Double], values: [Double], initial: Double, target: Double,
                                lower: Double = 0.1, upper: Double = 0.9) -> Double? {
        checkSeries(times, values)
        precondition(lower < upper, "riseTime: lower fraction \(lower) must be below upper fraction \(upper)")
        let step = target - initial
        guard step != 0,
              let tLow = firstCrossing(times, values, level: lower, initial: initial, step: step),
              let tHigh = firstCrossing(times, values, level: upper, initial: initial, step: step) else { return nil }
        return tHigh - tLow
    }

    /// The overshoot in percent of the step: 100 · max(0, maxₖ (xₖ − x₀)/(x* − x₀) − 1); 0 for a zero step.
    public static func overshootPercent(values: [Double], initial: Double, target: Double) -> Double {
        precondition(!values.isEmpty, "overshootPercent: no samples")
        let step = target - initial
        guard step != 0 else { return 0 }
        var peak = -Double.infinity
        for x in values { peak = Swift.max(peak, (x - initial) / step) }
        return 100 * Swift.max(0, peak - 1)
    }

    /// The settling time in s after `stepTime` (default: the first sample's time): when the response last leaves the band |x − x*| ≤ band·|x* − x₀| (interpolated), or 0 if it never leaves it; nil if the last sample is outside the band.
    public static func settlingTime(times: [Double], values: [Double], initial: Double, target: Double,
                                    band: Double = 0.02, stepTime: Double? = nil) -> Double? {
        checkSeries(times, values)
        precondition(band > 0, "settlingTime: band \(band) must be positive")
        let t0 = stepTime ?? times[0]
        let width = band * abs(target - initial)
        var last = -1
        for k in stride(from: values.count - 1, through: 0, by: -1) where abs(values[k] - target) > width {
            last = k
            break
        }
        if last == -1 { return Swift.max(0, times[0] - t0) }
        if last == values.count - 1 { return nil }
        // The response crosses the band edge on the side it was on, between samples last and last + 1.
        let d0 = values[last] - target, d1 = values[last + 1] - target
        let edge = d0 > 0 ? width : -width
        let f = (edge - d0) / (d1 - d0)
        return times[last] + f * (times[last + 1] - times[last]) - t0
    }

    /// The steady-state error |x* − x̄|, where x̄ is the mean of the samples with t ≥ t_end − `window` (window 0: the last sample alone).
    public static func steadyStateError(times: [Double], values: [Double], target: Double, window: Double = 0) -> Double {
        checkSeries(times, values)
        precondition(window >= 0, "steadyStateError: window \(window) must be non-negative")
        let start = times[times.count - 1] - window
        var sum = 0.0, count = 0
        for k in stride(from: values.count - 1, through: 0, by: -1) {
            guard times[k] >= start else { break }
            sum += values[k]
            count += 1
        }
        return abs(target - sum / Double(count))
    }

    /// All step-response characteristics at once (see the single functions for the definitions); times from `stepTime` (default: the first sample).
    public static func stepResponse(times: [Double], values: [Double], initial: Double, target: Double,
                                    band: Double = 0.02, finalWindow: Double = 0,
                                    stepTime: Double? = nil) -> StepResponseMetrics {
        checkSeries(times, values)
        let t0 = stepTime ?? times[0]
        let step = target - initial
        var peakIndex = 0
        if step != 0 {
            for k in 1..<Swift.max(1, values.count) where (values[k] - initial) / step > (values[peakIndex] - initial) / step {
                peakIndex = k
            }
        }
        return StepResponseMetrics(
            riseTime: riseTime(times: times, values: values, initial: initial, target: target),
            overshootPercent: overshootPercent(values: values, initial: initial, target: target),
            peakTime: times[peakIndex] - t0,
            settlingTime: settlingTime(times: times, values: values, initial: initial, target: target,
                                       band: band, stepTime: t0),
            steadyStateError: steadyStateError(times: times, values: values, target: target, window: finalWindow))
    }

    // MARK: - Tracking

    /// RMS and maximum of e = reference − actual per joint and overall; both logs are samples × joints with equal shapes.
    public static func trackingError(reference: [[Double]], actual: [[Double]]) -> TrackingErrorMetrics {
        precondition(!reference.isEmpty && reference.count == actual.count,
                     "trackingError: \(reference.count) reference samples but \(actual.count) actual samples")
        let n = reference[0].count
        var squares = Array(repeating: 0.0, count: n), maxima = Array(repeating: 0.0, count: n)
        for k in 0..<reference.count {
            precondition(reference[k].count == n && actual[k].count == n, "trackingError: sample \(k) does not have \(n) joints")
            for i in 0..<n {
                let e = reference[k][i] - actual[k][i]
                squares[i] += e * e
                maxima[i] = Swift.max(maxima[i], abs(e))
            }
        }
        let samples = Double(reference.count)
        return TrackingErrorMetrics(
            rmsPerJoint: squares.map { ($0 / samples).squareRoot() },
            maxPerJoint: maxima,
            rms: n > 0 ? (squares.reduce(0, +) / (samples * Double(n))).squareRoot() : 0,
            max: maxima.max() ?? 0)
    }

    /// The position error ‖p* − p‖ in m and the orientation error angle in rad ([0, π]) between a target and an actual end-effector pose.
    public static func endEffectorError(target: Transform, actual: Transform) -> (position: Double, orientation: Double) {
        (length(target.position - actual.position), actual.rotation.angle(to: target.rotation))
    }

    /// End-effector error statistics over a log of target and actual poses (equal, non-zero lengths).
    public static func endEffectorErrors(targets: [Transform], actuals: [Transform]) -> EndEffectorErrorMetrics {
        precondition(!targets.isEmpty && targets.count == actuals.count,
                     "endEffectorErrors: \(targets.count) targets but \(actuals.count) actual poses")
        var p2 = 0.0, pMax = 0.0, r2 = 0.0, rMax = 0.0
        var last = (position: 0.0, orientation: 0.0)
        for k in 0..<targets.count {
            last = endEffectorError(target: targets[k], actual: actuals[k])
            p2 += last.position * last.position
            r2 += last.orientation * last.orientation
            pMax = Swift.max(pMax, last.position)
            rMax = Swift.max(rMax, last.orientation)
        }
        let count = Double(targets.count)
        return EndEffectorErrorMetrics(positionRMS: (p2 / count).squareRoot(), positionMax: pMax,
                                       positionFinal: last.position, orientationRMS: (r2 / count).squareRoot(),
                                       orientationMax: rMax, orientationFinal: last.orientation)
    }

    // MARK: - Effort

    /// The control effort Σₖ Σᵢ τₖᵢ² Δt (rectangle rule), in N²·m²·s for revolute joints; `torques` is samples × joints, each sample held for `dt` s.
    public static func controlEffort(torques: [[Double]], dt: Double) -> Double {
        var sum = 0.0
        for sample in torques { for t in sample { sum += t * t } }
        return sum * dt
    }

    /// The mechanical work Σₖ |Σᵢ τₖᵢ q̇ₖᵢ| Δt in J: the integral of the absolute net joint power.
    public static func mechanicalWork(torques: [[Double]], velocities: [[Double]], dt: Double) -> Double {
        precondition(torques.count == velocities.count,
                     "mechanicalWork: \(torques.count) torque samples but \(velocities.count) velocity samples")
        var sum = 0.0
        for k in 0..<torques.count {
            precondition(torques[k].count == velocities[k].count, "mechanicalWork: sample \(k) sizes differ")
            var power = 0.0
            for i in 0..<torques[k].count { power += torques[k][i] * velocities[k][i] }
            sum += abs(power)
        }
        return sum * dt
    }

    /// The fraction of (sample, joint) pairs whose commanded torque exceeds the joint's limit, |τ| > limit, overall and per joint.
    public static func saturationFraction(commanded: [[Double]], limits: [Double]) -> (overall: Double, perJoint: [Double]) {
        let n = limits.count
        var counts = Array(repeating: 0, count: n)
        for (k, sample) in commanded.enumerated() {
            precondition(sample.count == n, "saturationFraction: sample \(k) has \(sample.count) joints, limits have \(n)")
            for i in 0..<n where abs(sample[i]) > limits[i] { counts[i] += 1 }
        }
        let samples = Double(commanded.count)
        guard samples > 0, n > 0 else { return (0, Array(repeating: 0, count: n)) }
        return (Double(counts.reduce(0, +)) / (samples * Double(n)), counts.map { Double($0) / samples })
    }

    // MARK: - Helpers

    private static func checkSeries(_ times: [Double], _ values: [Double]) {
        precondition(!times.isEmpty, "step-response metrics need at least one sample")
        precondition(times.count == values.count, "\(times.count) times but \(values.count) values")
    }

    /// The first time the normalized response reaches `level`, interpolated; nil if it never does.
    private static func firstCrossing(_ times: [Double], _ values: [Double], level: Double,
                                      initial: Double, step: Double) -> Double? {
        var previous = (values[0] - initial) / step
        if previous >= level { return times[0] }
        for k in 1..<Swift.max(1, values.count) {
            let y = (values[k] - initial) / step
            if y >= level {
                let f = (level - previous) / (y - previous)
                return times[k - 1] + f * (times[k] - times[k - 1])
            }
            previous = y
        }
        return nil
    }
}

// MARK: - The ideal second-order system

/// The standard second-order system ẍ + 2ζωn ẋ + ωn² x = ωn² u: its exact unit-step response from rest and the characteristics derived from it.
///
/// A joint of inertia I under PD control, I q̈ = kp (q* − q) − kd q̇, is this system with
/// ωn = √(kp/I) and ζ = kd / (2√(kp·I)).
public struct SecondOrderSystem: Equatable, Sendable {
    /// The natural frequency ωn in rad/s.
    public let naturalFrequency: Double
    /// The damping ratio ζ (dimensionless).
    public let dampingRatio: Double

    /// Creates the system; ωn (rad/s) must be finite and positive and ζ finite and positive.
    public init(naturalFrequency: Double, dampingRatio: Double) {
        precondition(naturalFrequency.isFinite && naturalFrequency > 0,
                     "SecondOrderSystem: the natural frequency \(naturalFrequency) rad/s must be finite and positive")
        precondition(dampingRatio.isFinite && dampingRatio > 0,
                     "SecondOrderSystem: the damping ratio \(dampingRatio) must be finite and positive (an undamped system never settles)")
        self.naturalFrequency = naturalFrequency
        self.dampingRatio = dampingRatio
    }

    /// The system of a joint of inertia `inertia` (kg·m²) under PD gains kp (N·m/rad) and kd (N·m·s/rad).
    public init(inertia: Double, kp: Double, kd: Double) {
        precondition(inertia > 0 && kp > 0, "SecondOrderSystem: inertia \(inertia) and kp \(kp) must be positive")
        self.init(naturalFrequency: (kp / inertia).squareRoot(), dampingRatio: kd / (2 * (kp * inertia).squareRoot()))
    }

    /// Damping ratios within this distance of 1 use the critically damped formula.
    static let criticalTolerance = 1e-9

    /// The exact unit-step response x(t) from rest (x(0) = ẋ(0) = 0, x(∞) = 1); t in s, 0 for t < 0.
    ///
    /// ζ < 1: 1 − e^(−ζωn t) (cos ωd t + ζ/√(1−ζ²) sin ωd t), ωd = ωn √(1−ζ²);
    /// ζ = 1: 1 − e^(−ωn t) (1 + ωn t);
    /// ζ > 1: 1 + (s₂ e^(s₁ t) − s₁ e^(s₂ t)) / (s₁ − s₂), s₁,₂ = −ωn (ζ ∓ √(ζ²−1)).
    public func stepResponse(at t: Double) -> Double {
        guard t > 0 else { return 0 }
        let wn = naturalFrequency, z = dampingRatio
        if abs(z - 1) < Self.criticalTolerance {
            return 1 - exp(-wn * t) * (1 + wn * t)
        } else if z < 1 {
            let r = (1 - z * z).squareRoot(), wd = wn * r
            return 1 - exp(-z * wn * t) * (cos(wd * t) + z / r * sin(wd * t))
        } else {
            let r = (z * z - 1).squareRoot()
            let s1 = -wn * (z - r), s2 = -wn * (z + r)
            return 1 + (s2 * exp(s1 * t) - s1 * exp(s2 * t)) / (s1 - s2)
        }
    }

    /// The analytic overshoot as a fraction of the step, exp(−ζπ/√(1−ζ²)) for ζ < 1, else 0.
    public var analyticOvershoot: Double {
        let z = dampingRatio
        guard z < 1 - Self.criticalTolerance else { return 0 }
        return exp(-z * Double.pi / (1 - z * z).squareRoot())
    }

    /// The time of the first peak, π/ωd in s, for ζ < 1; nil otherwise (no peak).
    public var peakTime: Double? {
        let z = dampingRatio
        guard z < 1 - Self.criticalTolerance else { return nil }
        return Double.pi / (naturalFrequency * (1 - z * z).squareRoot())
    }

    /// The settling time in s into the band |x − 1| ≤ `band`, found numerically from the exact response: dense sampling, then bisection on the last exit from the band.
    ///
    /// The horizon is an upper bound past which the response cannot leave the band: the envelope
    /// e^(−ζωn t)/√(1−ζ²) for ζ < 1; for ζ ≥ 1 the response is monotone, so the horizon is doubled until
    /// it is inside the band. The horizon is sampled at ≥ 2000 points per damped period (ζ < 1) and at
    /// least 200 000 points in all; bisection then narrows the crossing to about 1e-15 relative.
    public func settlingTime(band: Double = 0.02) -> Double {
        precondition(band > 0 && band < 1, "SecondOrderSystem.settlingTime: band \(band) must be in (0, 1)")
        let wn = naturalFrequency, z = dampingRatio
        var horizon: Double
        var spacing = Double.infinity
        if z < 1 - Self.criticalTolerance {
            let r = (1 - z * z).squareRoot()
            horizon = log(1 / (band * r)) / (z * wn) * 1.01
            spacing = 2 * Double.pi / (wn * r) / 2000
        } else {
            horizon = 1 / wn
            while abs(1 - stepResponse(at: horizon)) > band { horizon *= 2 }
        }
        let count = Swift.max(200_000, Int((horizon / spacing).rounded(.up)))
        let h = horizon / Double(count)
        var last = 0  // x(0) = 0 is outside every band below 1.
        for k in stride(from: count, through: 0, by: -1) where abs(1 - stepResponse(at: Double(k) * h)) > band {
            last = k
            break
        }
        var lo = Double(last) * h, hi = Double(last + 1) * h
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            guard mid > lo && mid < hi else { break }
            if abs(1 - stepResponse(at: mid)) > band { lo = mid } else { hi = mid }
        }
        return hi
    }
}

// MARK: - Standing, and stepping to the capture point (Pratt et al., 2006)
//
// `CaptureStepBalancer` stands with the CoM over the feet (a `WalkingPatternGenerator` on a timeline that is
// one endless double support). At every control tick it measures the CoM c (from the model's inertials at the
// measured state) and its velocity ċ (a first-order low-pass of its finite difference), and forms the
// instantaneous capture point of the linear inverted pendulum, ξ = c + ċ/ω, ω = √(g/z_c). When ξ is more than
// `captureMargin` outside the support polygon (the hull of both soles) and the robot is standing, it steps:
//
//   - the swing foot is the one on the side ξ lies to (left when ξ is left of the feet's midline);
//   - during the swing (duration T) the ZMP stays at the stance sole's centre p_s, so ξ moves to
//     ξ_T = p_s + (ξ − p_s) e^{ωT}; the foot lands at ξ_T, clamped in the stance foot's frame to at most
//     `maxStepLength` along the heading and at least the standing width to the side (`CapturePoint.step`);
//   - the timeline is rewritten in place: the swing, a double support in which the ZMP reference moves to the
//     new feet's midpoint, then standing for ever; the CoM preview restarts from the measured (c, ċ).
//
// After the step the robot stands again, and steps again if it must. `update` allocates nothing.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The settings of capture stepping, SI units.
public struct CaptureStepSettings: Equatable, Sendable {
    /// Whether the balancer may step at all.
    public var stepping = true
    /// A step starts when the capture point is more than this outside the support polygon, m.
    public var captureMargin = 0.0
    /// Lift-off to touchdown, s.
    public var stepDuration = 0.4
    /// The longest step from the stance foot along the heading, m.
    public var maxStepLength = 0.45
    /// The double support after touchdown in which the ZMP moves to the feet's midpoint, s.
    public var settleDuration = 0.8
    /// Cutoff of the low-pass on the CoM velocity, Hz.
    public var velocityFilterHz = 30.0
    /// No step before this time (the initial settling), s.
    public var earliestStep = 1.0
    /// Std. dev. of a seeded random offset of each step's landing point in x and y, m, and its seed.
    public var footPlacementNoise = 0.0
    public var noiseSeed: UInt64 = 0

    public init() {}
}

/// A standing reference source that steps to the capture point when pushed too far.
public final class CaptureStepBalancer: WalkingReferenceSource {
    public let settings: CaptureStepSettings
    public let generator: WalkingPatternGenerator
    public let soles: [SoleGeometry]
    public let dynamics: any RobotDynamics
    public let mass: MassDistribution
    /// The lateral distance between the sole centres when standing, m.
    public let standingWidth: Double
    /// The number of capture steps taken.
    public private(set) var steps = 0
    /// The last capture step planned.
    public private(set) var lastStep: CaptureStep?
    /// The last measured CoM (m), its filtered velocity (m/s) and capture point (m, x y).
    public var com: Vector3 { measuredCoM.position }
    public var comVelocity: Vector3 { measuredCoM.velocity }
    public private(set) var capturePoint = SIMD2<Double>.zero
    private var measuredCoM = FilteredCenterOfMass()
    private var corners = SoleCorners()
    private var polygon = ConvexSupportPolygon(capacity: 8)
    /// The landing noise's stream, restarted by `reset`.
    private var random: RandomStream

    /// A balancer over `generator` (planned as an endless stand), with the soles (left, right) in the dynamics'
    /// link numbering for the support polygon.
    public init(settings: CaptureStepSettings, generator: WalkingPatternGenerator, soles: [SoleGeometry],
                dynamics: any RobotDynamics, mass: MassDistribution) {
        self.settings = settings
        self.generator = generator
        self.soles = soles
        self.dynamics = dynamics
        self.mass = mass
        random = RandomStream(seed: settings.noiseSeed)
        let phase = generator.timeline.phases[0]
        let d = phase.left.position - phase.right.position
        standingWidth = (d.x * d.x + d.y * d.y).squareRoot()
        // Take the trigger and the step path once at load, then start over: what they touch for the first time
        // (type metadata instantiated lazily in debug builds) is then not allocated mid-run, at the first step.
        corners.removeAll()
        corners.add(soles[0], solePose: phase.left.pose)
        corners.add(soles[1], solePose: phase.right.pose)
        corners.hull(into: &polygon)
        _ = polygon.contains(capturePoint, margin: -settings.captureMargin)
        planStep(from: phase, at: 0, omega: generator.preview.pendulum.omega)
        reset()
    }

    public func reset() {
        generator.reset()
        steps = 0
        lastStep = nil
        random = RandomStream(seed: settings.noiseSeed)
        measuredCoM.reset()
        capturePoint = .zero
    }

    public func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        let state = measurement.state
        let c = mass.position(dynamics: dynamics, q: state.q, basePose: state.basePose)
        let t = state.time
        measuredCoM.update(c, at: t, cutoffHz: settings.velocityFilterHz)
        let comVelocity = measuredCoM.velocity
        let omega = generator.preview.pendulum.omega
        capturePoint = SIMD2(c.x + comVelocity.x / omega, c.y + comVelocity.y / omega)
        let timeline = generator.timeline
        let index = timeline.index(at: t, from: generator.currentPhaseIndex)
        if settings.stepping, t >= settings.earliestStep, index == timeline.count - 1, timeline.phases[index].swing == nil {
            let phase = timeline.phases[index]
            corners.removeAll()
            corners.add(soles[0], solePose: phase.left.pose)
            corners.add(soles[1], solePose: phase.right.pose)
            corners.hull(into: &polygon)
            if !polygon.contains(capturePoint, margin: -settings.captureMargin) {
                planStep(from: phase, at: t, omega: omega)
            }
        }
        generator.update(measurement, reference: &reference)
    }

    /// Rewrites the timeline for a step that captures the CoM, starting at `t`.
    private func planStep(from phase: WalkingPhase, at t: Double, omega: Double) {
        let mid = 0.5 * (phase.left.position + phase.right.position)
        let yaw = Foothold.meanYaw(phase.left, phase.right)
        let leftward = SIMD2(-sin(yaw), cos(yaw))
        let toXi = capturePoint - SIMD2(mid.x, mid.y)
        let swing: FootSide = (toXi * leftward).sum() >= 0 ? .left : .right
        let stance = phase.foot(swing.other)
        let ps = SIMD2(stance.position.x, stance.position.y)
        let T = settings.stepDuration
        // Where the capture point will be at touch-down with the ZMP on the stance foot, and the step there within
        // the limits (gait's capture step, CapturePoint.step).
        var limits = FootstepPlannerParameters()
        limits.maxStepLength = settings.maxStepLength
        limits.stepWidth = standingWidth
        limits.minLateralSeparation = standingWidth
        limits.maxLateralStep = settings.maxStepLength
        let step = CapturePoint(pendulum: generator.preview.pendulum)
            .step(position: SIMD2(com.x, com.y), velocity: SIMD2(comVelocity.x, comVelocity.y), zmp: ps,
                  stance: FootPose(position: stance.position, yaw: stance.yaw), swing: swing, stepTime: T, limits: limits)
        var target = Foothold(position: Vector3(step.target.position.x, step.target.position.y, stance.position.z),
                              yaw: step.target.yaw)
        if settings.footPlacementNoise > 0 {
            target.position.x += settings.footPlacementNoise * random.normal()
            target.position.y += settings.footPlacementNoise * random.normal()
        }
        lastStep = step
        timeline.removeAll()
        timeline.append(WalkingPhase(start: t, duration: T, swing: swing, left: phase.left, right: phase.right,
                                     swingTarget: target, zmpStart: ps, zmpEnd: ps))
        var left = phase.left, right = phase.right
        if swing == .left { left = target } else { right = target }
        timeline.append(WalkingTimeline.standing(start: t + T, left: left, right: right, zmpStart: ps,
                                                 duration: settings.settleDuration))
        timeline.append(WalkingTimeline.standing(start: t + T + settings.settleDuration, left: left, right: right,
                                                 zmpStart: nil))
        generator.restart(at: t, com: CartTableState(position: SIMD2(com.x, com.y),
                                                     velocity: SIMD2(comVelocity.x, comVelocity.y)))
        steps += 1
    }

    private var timeline: WalkingTimeline { generator.timeline }
}

// MARK: - Stepping to the capture point while walking

/// The settings of capture stepping while walking (`WalkingStepAdjuster`), SI units.
public struct WalkingStepAdjustmentSettings: Equatable, Sendable {
    /// A step is moved when the measured DCM is farther than this from the reference's, m.
    public var threshold = 0.03
    /// The current swing is retargeted until this fraction of it has passed; later, the next swing is, s/s.
    public var latestSwingFraction = 0.5
    /// Cutoff of the low-pass on the CoM velocity, Hz.
    public var velocityFilterHz = 30.0
    /// No adjustment before this time (the initial settling), s.
    public var earliestTime = 1.0
    /// How much wider than the gait's widest step (the planner's step width plus its lateral step) a moved step
    /// may land, m: a recovery step may use more of the legs' reach than walking does.
    public var lateralReach = 0.1

    public init() {}
}

/// Capture stepping while walking (Pratt et al., 2006, applied to the planned steps): a `WalkingReferenceSource`
/// around a `WalkingPatternGenerator` that compares, every control tick, the measured DCM ξ = c + ċ/ω (c from the
/// model's inertials at the measured state, ċ a low-pass of its finite difference) with the reference's
/// ξ_ref = c_ref + ċ_ref/ω. The error e = ξ − ξ_ref grows as ė = ω e while the ZMP follows its plan, so when
/// |e| exceeds `threshold` it moves the next touchdown by Δ = e·e^{ωτ} (τ the time to that touchdown: the current
/// swing's if less than `latestSwingFraction` of it has passed, else the next one's), clamped to the planner's
/// step limits in the stance foot's frame (no crossing; sideways up to `lateralReach` beyond them), and every later
/// foothold and ZMP point of that foot and, from its next step on, of the other foot by the same Δ: the rest of the
/// walk is the plan translated. A swing in progress keeps its current position (its lift-off point is moved by
/// −Δσ₀/(1 − σ₀), σ₀ the swing's blend so far). The CoM preview restarts from the measured (c, ċ). At most one
/// adjustment per touchdown. Footholds keep their planned heights. `update` allocates nothing.
public final class WalkingStepAdjuster: WalkingReferenceSource {
    public let settings: WalkingStepAdjustmentSettings
    public let generator: WalkingPatternGenerator
    public let dynamics: any RobotDynamics
    public let mass: MassDistribution
    /// The planner whose step limits a moved foothold keeps to (the one the walk was planned with).
    public let planner: FootstepPlanner
    /// The number of adjustments made, and the last shift (m, x y).
    public private(set) var adjustments = 0
    public private(set) var lastShift = SIMD2<Double>.zero
    /// The largest DCM error seen, m (before any adjustment it triggered).
    public private(set) var largestError = 0.0
    /// The last measured CoM (m) and its filtered velocity (m/s).
    public var com: Vector3 { measuredCoM.position }
    public var comVelocity: Vector3 { measuredCoM.velocity }
    private var measuredCoM = FilteredCenterOfMass()
    private var holdUntil = -Double.infinity

    public init(settings: WalkingStepAdjustmentSettings, generator: WalkingPatternGenerator, planner: FootstepPlanner,
                dynamics: any RobotDynamics, mass: MassDistribution) {
        self.settings = settings
        self.generator = generator
        self.planner = planner
        self.dynamics = dynamics
        self.mass = mass
    }

    public func reset() {
        generator.reset()
        adjustments = 0
        lastShift = .zero
        largestError = 0
        measuredCoM.reset()
        holdUntil = -.infinity
    }

    public func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        let state = measurement.state
        let c = mass.position(dynamics: dynamics, q: state.q, basePose: state.basePose)
        let t = state.time
        measuredCoM.update(c, at: t, cutoffHz: settings.velocityFilterHz)
        let comVelocity = measuredCoM.velocity
        generator.update(measurement, reference: &reference)
        guard t >= settings.earliestTime, t >= holdUntil else { return }
        let omega = generator.preview.pendulum.omega
        let planned = generator.preview.state
        let e = SIMD2(c.x + comVelocity.x / omega, c.y + comVelocity.y / omega) - (planned.position + planned.velocity / omega)
        let error = (e * e).sum().squareRoot()
        largestError = max(largestError, error)
        if error > settings.threshold { adjust(e, at: t, omega: omega) }
    }

    /// Moves the next touchdown (and the walk after it) by the DCM error `e` projected to that touchdown.
    private func adjust(_ e: SIMD2<Double>, at t: Double, omega: Double) {
        let timeline = generator.timeline
        let current = generator.currentPhaseIndex
        // The swing to move: the current one if early enough, else the next.
        var j = current
        var fraction = 0.0
        while j < timeline.count {
            let p = timeline.phases[j]
            if p.swing != nil && p.duration.isFinite {
                if j > current { fraction = 0; break }
                fraction = min(max((t - p.start) / p.duration, 0), 1)
                if fraction <= settings.latestSwingFraction && !generator.touchedDownEarly[p.swing!.rawValue] { break }
            }
            j += 1
        }
        guard j < timeline.count, let swing = timeline.phases[j].swing else { return }   // no step left: keep standing
        let phase = timeline.phases[j]
        let tau = phase.end - t
        let stance = phase.foot(swing.other)
        let target = phase.swingTarget
        let want = target.position + Vector3(e.x, e.y, 0) * exp(omega * tau)
        let clamped = planner.clamped(stance: FootPose(position: stance.position, yaw: stance.yaw), swing: swing,
                                      target: FootPose(position: want, yaw: target.yaw),
                                      extraLateral: settings.lateralReach)
        let shift = Vector3(clamped.position.x - target.position.x, clamped.position.y - target.position.y, 0)
        holdUntil = phase.end
        // Rewrite phase j and everything after it.
        var movedLeft = false, movedRight = false
        var endShift = Vector3.zero   // the shift of the previous phase's ZMP end point
        for k in j..<timeline.count {
            var p = timeline.phases[k]
            if movedLeft { p.left.position += shift }
            if movedRight { p.right.position += shift }
            if let s = p.swing {
                if k == current && fraction > 0 {
                    // Keep the swing foot where it is now: x(σ₀) = a + (b − a)σ₀ with b → b + Δ needs a → a − Δσ₀/(1 − σ₀).
                    let (sigma, _, _) = WalkingSwing.blend(fraction)
                    let back = shift * (sigma / (1 - sigma))
                    if s == .left { p.left.position -= back } else { p.right.position -= back }
                }
                p.swingTarget.position += shift
                let zmpShift = (s == .left ? movedRight : movedLeft) ? shift : .zero
                p.zmpStart += SIMD2(zmpShift.x, zmpShift.y)
                p.zmpEnd += SIMD2(zmpShift.x, zmpShift.y)
                endShift = zmpShift
                if s == .left { movedLeft = true } else { movedRight = true }
            } else {
                p.zmpStart += SIMD2(endShift.x, endShift.y)
                let next = k + 1 < timeline.count ? timeline.phases[k + 1].swing : nil
                if let n = next {
                    endShift = (n == .left ? movedRight : movedLeft) ? shift : .zero
                } else {
                    endShift = shift * (((movedLeft ? 1.0 : 0) + (movedRight ? 1.0 : 0)) / 2)
                }
                p.zmpEnd += SIMD2(endShift.x, endShift.y)
            }
            timeline.replace(p, at: k)
        }
        generator.replan(com: CartTableState(position: SIMD2(com.x, com.y), velocity: SIMD2(comVelocity.x, comVelocity.y)))
        adjustments += 1
        lastShift = SIMD2(shift.x, shift.y)
    }
}

/// The measured CoM and its velocity from the CoM's differences through a first-order low-pass:
/// ċ_k = ċ_{k−1} + α ((c_k − c_{k−1})/Δt − ċ_{k−1}),  α = 1 − e^{−2π f_c Δt},  with ċ = 0 at the first sample
/// and held when time does not advance. Shared by the stepping balancer and the step adjuster.
struct FilteredCenterOfMass {
    /// The last CoM, m (world frame).
    private(set) var position = Vector3.zero
    /// Its filtered velocity, m/s.
    private(set) var velocity = Vector3.zero
    /// The time of the last sample, s (NaN before the first).
    private var previousTime = Double.nan

    mutating func reset() {
        position = .zero
        velocity = .zero
        previousTime = .nan
    }

    /// Takes the CoM `c` (m) measured at `t` (s), filtering its velocity with cut-off `cutoffHz` (Hz).
    mutating func update(_ c: Vector3, at t: Double, cutoffHz: Double) {
        if previousTime.isNaN {
            velocity = .zero
        } else if t > previousTime {
            let dt = t - previousTime
            let alpha = 1 - exp(-2 * Double.pi * cutoffHz * dt)
            velocity += alpha * ((c - position) / dt - velocity)
        }
        position = c
        previousTime = t
    }
}

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
    public private(set) var com = Vector3.zero
    public private(set) var comVelocity = Vector3.zero
    public private(set) var capturePoint = SIMD2<Double>.zero
    private var previousTime = Double.nan
    private var corners = SoleCorners()
    private var polygon = ConvexSupportPolygon(capacity: 8)

    /// A balancer over `generator` (planned as an endless stand), with the soles (left, right) in the dynamics'
    /// link numbering for the support polygon.
    public init(settings: CaptureStepSettings, generator: WalkingPatternGenerator, soles: [SoleGeometry],
                dynamics: any RobotDynamics, mass: MassDistribution) {
        self.settings = settings
        self.generator = generator
        self.soles = soles
        self.dynamics = dynamics
        self.mass = mass
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
        previousTime = .nan
        com = .zero; comVelocity = .zero; capturePoint = .zero
    }

    public func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        let state = measurement.state
        let c = mass.position(dynamics: dynamics, q: state.q, basePose: state.basePose)
        let t = state.time
        if previousTime.isNaN {
            comVelocity = .zero
        } else if t > previousTime {
            let dt = t - previousTime
            let raw = (c - com) / dt
            let alpha = 1 - exp(-2 * Double.pi * settings.velocityFilterHz * dt)
            comVelocity += alpha * (raw - comVelocity)
        }
        com = c
        previousTime = t
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
        let yaw = 0.5 * (phase.left.yaw + phase.right.yaw)
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
        let target = Foothold(position: Vector3(step.target.position.x, step.target.position.y, stance.position.z),
                              yaw: step.target.yaw)
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

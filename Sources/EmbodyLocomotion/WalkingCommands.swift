// MARK: - From timed velocity commands to a timeline of phases
//
// `FootstepPlanner` (FootstepPlanner.swift) turns the command schedule into footsteps: bouts of a weight shift,
// alternating steps of period T (swing (1 − ρ) T, double support ρ T), a closing step and a final shift, with
// the step limits and the terrain's heights. `WalkingCommandPlanner` lays those steps out as the state machine's
// phases (double support with the ZMP reference moving onto the coming stance foot, single support with it on
// the stance sole) and perturbs each foothold by a seeded Gaussian offset (σ = `footPlacementNoise`, x and y).

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A velocity command from time `at` on, in the robot's heading frame.
public struct WalkingVelocityCommand: Equatable, Sendable {
    /// Start time, s.
    public var at: Double
    /// Forward and leftward speed, m/s; turning rate, rad/s.
    public var vx: Double, vy: Double, yawRate: Double

    public init(at: Double, vx: Double = 0, vy: Double = 0, yawRate: Double = 0) {
        self.at = at; self.vx = vx; self.vy = vy; self.yawRate = yawRate
    }

    /// Whether the command asks the robot to stand still.
    public var isStop: Bool { vx == 0 && vy == 0 && yawRate == 0 }
}

/// How a walk steps: the parameters of the `walk` task, SI units.
public struct WalkingGaitParameters: Equatable, Sendable {
    /// Longest step along the heading, m.
    public var stepLength = 0.3
    /// Lateral distance between the sole centres, m.
    public var stepWidth = 0.18
    /// One step (double + single support), s.
    public var stepDuration = 0.6
    /// Fraction of a step in double support.
    public var doubleSupportRatio = 0.2
    /// Swing apex above the higher end, m.
    public var clearance = 0.05
    /// CoM height above the soles, m.
    public var comHeight = 0.78
    /// Std. dev. of the foothold noise in x and y, m.
    public var footPlacementNoise = 0.0
    /// Seed of the foothold noise.
    public var noiseSeed: UInt64 = 0
    /// Where on a stance sole the ZMP reference sits in single support: this far towards the other foot and
    /// this far forward of the sole centre, m.
    public var zmpInwardOffset = 0.0
    public var zmpForwardOffset = 0.0

    public init() {}

    /// Double-support time, s.
    public var doubleSupportTime: Double { doubleSupportRatio * stepDuration }
    /// Single-support (swing) time, s.
    public var singleSupportTime: Double { stepDuration - doubleSupportTime }
}

/// The ground height at a horizontal point, m: the terrain the footstep planner knows.
public typealias WalkingTerrain = (_ x: Double, _ y: Double) -> Double

/// Plans a walk's footsteps with `FootstepPlanner` and lays them out as a timeline of phases.
public enum WalkingCommandPlanner {
    /// The footstep planner's parameters for a gait: its step length, width, duration and double-support ratio,
    /// lateral steps up to half the width, turns up to 1 rad/s × T per step, and weight shifts before and after a
    /// bout of one step duration (at least 0.3 s).
    public static func plannerParameters(_ gait: WalkingGaitParameters) -> FootstepPlannerParameters {
        var p = FootstepPlannerParameters()
        p.stepWidth = gait.stepWidth
        p.stepDuration = gait.stepDuration
        p.doubleSupportRatio = gait.doubleSupportRatio
        p.maxStepLength = gait.stepLength
        p.maxLateralStep = 0.5 * gait.stepWidth
        p.minLateralSeparation = min(p.minLateralSeparation, 0.6 * gait.stepWidth)
        p.maxYawPerStep = max(p.maxYawPerStep, gait.stepDuration)   // yaw_rate ≤ 1 rad/s
        p.startDuration = max(0.3, gait.stepDuration)
        p.stopDuration = max(0.3, gait.stepDuration)
        return p
    }

    /// The timeline of the walk the commands ask for over [0, duration] s from the feet `left`, `right`: the steps
    /// of `FootstepPlanner` (velocity-command mode, terrain heights from `terrain`), each foothold moved by the
    /// gait's seeded noise, laid out as phases. Throws the planner's error for a plan it refuses.
    public static func plan(commands: [WalkingVelocityCommand], gait: WalkingGaitParameters, duration: Double,
                            left: Foothold, right: Foothold,
                            terrain: @escaping WalkingTerrain) throws(LocomotionParameterError) -> WalkingTimeline {
        let planner = try FootstepPlanner(parameters: plannerParameters(gait))
        let plan = try planner.plan(from: [FootPose(position: left.position, yaw: left.yaw), FootPose(position: right.position, yaw: right.yaw)],
                                    startTime: 0,
                                    commands: commands.map { VelocityCommand(startTime: $0.at, forward: $0.vx, lateral: $0.vy, yawRate: $0.yawRate) },
                                    endTime: duration, terrainHeight: terrain)
        return timeline(of: plan, gait: gait, left: left, right: right)
    }

    /// Lays out `plan` as phases: standing until a bout starts; in each bout a double support in which the ZMP
    /// reference moves onto the coming stance foot, the swing (ZMP on the stance sole), and so on; after the last
    /// step a double support back to the feet's midpoint, then standing. Footholds get the gait's seeded noise.
    public static func timeline(of plan: FootstepPlan, gait: WalkingGaitParameters, left: Foothold, right: Foothold) -> WalkingTimeline {
        let timeline = WalkingTimeline(capacity: 2 * plan.steps.count + 2 * plan.bouts.count + 2, standingAt: left, right)
        timeline.removeAll()
        var random = RandomStream(seed: gait.noiseSeed)
        var feet = [left, right]
        func midpoint() -> SIMD2<Double> {
            let m = 0.5 * (feet[0].position + feet[1].position)
            return SIMD2(m.x, m.y)
        }
        var t = 0.0
        var zmp = midpoint()
        for bout in plan.bouts {
            if bout.startTime > t {
                timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp,
                                                         duration: bout.startTime - t))
                t = bout.startTime
                zmp = midpoint()
            }
            for i in bout.firstStep..<bout.endStep {
                let step = plan.steps[i]
                let swing = step.side, stance = swing.other
                let stanceFoot = feet[stance.rawValue]
                let inward = stance == .left ? -gait.zmpInwardOffset : gait.zmpInwardOffset
                let p = stanceFoot.offset(forward: gait.zmpForwardOffset, left: inward)
                let stanceZMP = SIMD2(p.x, p.y)
                timeline.append(WalkingPhase(start: t, duration: step.liftOffTime - t, swing: nil, left: feet[0], right: feet[1],
                                             swingTarget: feet[0], zmpStart: zmp, zmpEnd: stanceZMP))
                var target = Foothold(position: step.touchDownPose.position, yaw: step.touchDownPose.yaw)
                if gait.footPlacementNoise > 0 {
                    target.position.x += gait.footPlacementNoise * random.normal()
                    target.position.y += gait.footPlacementNoise * random.normal()
                }
                timeline.append(WalkingPhase(start: step.liftOffTime, duration: step.touchDownTime - step.liftOffTime,
                                             swing: swing, left: feet[0], right: feet[1], swingTarget: target,
                                             zmpStart: stanceZMP, zmpEnd: stanceZMP))
                feet[swing.rawValue] = target
                t = step.touchDownTime
                zmp = stanceZMP
            }
            timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp,
                                                     duration: bout.endTime - t))
            t = bout.endTime
            zmp = midpoint()
        }
        timeline.append(WalkingTimeline.standing(start: t, left: feet[0], right: feet[1], zmpStart: zmp, duration: .infinity))
        return timeline
    }
}

// MARK: - Walks to waypoints

/// A waypoint of a walk: a pose of the walking frame (the midpoint between the sole centres, their mean heading) to
/// walk to, given in that frame as it was at load, and the earliest time the walk to it may start.
public struct WalkingWaypoint: Equatable, Sendable {
    /// The earliest start of the walk to this waypoint, s; it starts later if the previous walk has not ended.
    public var at: Double
    /// Forward (x) and leftward (y) of the walking frame at load, m; heading relative to it (yaw), rad.
    public var x: Double, y: Double, yaw: Double

    public init(at: Double, x: Double, y: Double, yaw: Double = 0) { self.at = at; self.x = x; self.y = y; self.yaw = yaw }
}

/// One walk to a waypoint, as planned: its bout's start and end (s) and the walking frame's world position at both
/// ends (m, x y).
public struct WalkingLeg: Equatable, Sendable {
    public var start: Double, end: Double
    public var from: SIMD2<Double>, to: SIMD2<Double>

    public init(start: Double, end: Double, from: SIMD2<Double>, to: SIMD2<Double>) {
        self.start = start; self.end = end; self.from = from; self.to = to
    }
}

extension WalkingCommandPlanner {
    /// Appends to `plan` the bout that walks from its final feet to `waypoint` (goal mode of `FootstepPlanner`, with
    /// the gait's limits and the terrain's heights), starting at `waypoint.at` or when `plan`'s last bout ended,
    /// whichever is later. `origin` is the walking frame at load (the waypoint's frame). Returns the leg, or nil
    /// when the feet are already at the waypoint. Throws the planner's error (a goal not reached within its step cap,
    /// a step height beyond its limit).
    public static func appendWalk(to plan: inout FootstepPlan, waypoint: WalkingWaypoint, origin: FootPose,
                                  gait: WalkingGaitParameters,
                                  terrain: @escaping WalkingTerrain) throws(LocomotionParameterError) -> WalkingLeg? {
        let planner = try FootstepPlanner(parameters: plannerParameters(gait))
        let feet = plan.finalFeet
        let start = max(waypoint.at, plan.endTime)
        let goal = origin.composed(SIMD3(waypoint.x, waypoint.y, waypoint.yaw))
        let leg = try planner.plan(from: feet, startTime: start, goal: goal, terrainHeight: terrain)
        guard !leg.steps.isEmpty else { return nil }
        let offset = plan.steps.count
        plan.steps.append(contentsOf: leg.steps)
        for bout in leg.bouts {
            plan.bouts.append(FootstepPlan.Bout(startTime: bout.startTime, firstStep: bout.firstStep + offset,
                                                endStep: bout.endStep + offset, endTime: bout.endTime))
        }
        let a = FootPose.midpoint(feet[0], feet[1]).position, b = FootPose.midpoint(leg.finalFeet[0], leg.finalFeet[1]).position
        return WalkingLeg(start: start, end: leg.endTime, from: SIMD2(a.x, a.y), to: SIMD2(b.x, b.y))
    }
}

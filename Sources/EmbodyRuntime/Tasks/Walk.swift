// MARK: - walk: timed velocity commands or waypoints → footsteps → ZMP preview → per-tick walking references

import EmbodyLocomotion
import EmbodyModel
import EmbodyScenario

extension WalkTask {
    /// `walk`: plans every footstep of the run at load from the commands (WalkingCommandPlanner: velocity commands,
    /// or goal-mode walks to waypoints), and runs the walking state machine (WalkingPatternGenerator) at the control
    /// rate; with `capture_stepping`, inside a WalkingStepAdjuster that moves steps to the capture point.
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        let location = feetLocation ?? c.location
        let biped = try BipedModel(c, feet: feet, location: location)
        var gait = WalkingGaitParameters()
        gait.stepLength = stepLength
        gait.stepWidth = stepWidth
        gait.stepDuration = stepDuration
        gait.doubleSupportRatio = doubleSupportRatio
        gait.clearance = clearance
        gait.comHeight = comHeight
        gait.footPlacementNoise = footPlacementNoise
        gait.noiseSeed = RandomStreams.seed(scenario: c.scenario.seed, consumer: RandomConsumer.footsteps)
        let duration = c.scenario.duration
        let ground: WalkingTerrain = Self.knownGround(terrain, soles: biped.soles)
        let timeline: WalkingTimeline
        let path: WalkingPath
        if commands.first?.waypoint != nil {
            (timeline, path) = try planWaypoints(biped: biped, gait: gait, duration: duration, terrain: ground)
        } else {
            let commands = self.commands.map { WalkingVelocityCommand(at: $0.at, vx: $0.vx, vy: $0.vy, yawRate: $0.yawRate) }
            do {
                timeline = try WalkingCommandPlanner.plan(commands: commands, gait: gait, duration: duration,
                                                          left: biped.initialFeet[0], right: biped.initialFeet[1], terrain: ground)
            } catch {
                throw RuntimeError("\(c.location): task type walk: the footstep plan: \(error.description)")
            }
            path = WalkingPath(commands: commands)
        }
        let generator = try biped.patternGenerator(c, timeline: timeline, comHeight: comHeight, clearance: clearance,
                                                   kind: "walk")
        guard captureStepping else { return try biped.taskSetup(c, source: generator, path: path) }
        var settings = WalkingStepAdjustmentSettings()
        settings.threshold = captureThreshold
        settings.lateralReach = captureLateralReach
        let planner: FootstepPlanner
        do { planner = try FootstepPlanner(parameters: WalkingCommandPlanner.plannerParameters(gait)) } catch {
            throw RuntimeError("\(c.location): task type walk: \(error.description)")
        }
        let adjuster = WalkingStepAdjuster(settings: settings, generator: generator, planner: planner,
                                           dynamics: biped.dynamics, mass: biped.mass)
        return try biped.taskSetup(c, source: adjuster, path: path)
    }

    /// The walk to the waypoints in order, each from its `at` or the end of the previous walk; errors name the
    /// waypoint's line (a goal the planner cannot reach, a walk that does not end within the run).
    private func planWaypoints(biped: BipedModel, gait: WalkingGaitParameters, duration: Double,
                               terrain: @escaping WalkingTerrain) throws(RuntimeError) -> (WalkingTimeline, WalkingPath) {
        let feet = biped.initialFeet.map { FootPose(position: $0.position, yaw: $0.yaw) }
        let origin = FootPose.midpoint(feet[0], feet[1])
        var plan = FootstepPlan(initialFeet: feet, startTime: 0)
        var legs: [WalkingLeg] = []
        for (i, command) in commands.enumerated() {
            guard let w = command.waypoint else { continue }
            do {
                let waypoint = WalkingWaypoint(at: command.at, x: w.x, y: w.y, yaw: w.yaw)
                if let leg = try WalkingCommandPlanner.appendWalk(to: &plan, waypoint: waypoint, origin: origin, gait: gait,
                                                                   terrain: terrain) {
                    legs.append(leg)
                }
            } catch {
                throw RuntimeError("\(command.location): task.commands[\(i)]: the walk to this waypoint: \(error.description)")
            }
            if plan.endTime > duration {
                throw RuntimeError("\(command.location): task.commands[\(i)]: the walk to this waypoint ends at \(Self.seconds(plan.endTime)) s, after the end of the run (duration \(Self.seconds(duration)) s); lengthen the run or move the waypoint")
            }
        }
        let timeline = WalkingCommandPlanner.timeline(of: plan, gait: gait, left: biped.initialFeet[0], right: biped.initialFeet[1])
        return (timeline, WalkingPath(legs: legs))
    }

    /// A time in s with millisecond resolution, for messages.
    private static func seconds(_ t: Double) -> String { "\((t * 1000).rounded() / 1000)" }

    /// The ground a biped task knows, as a function of a sole centre (x, y) to its height, m: flat at z = 0 plus
    /// `patches` (a walk's terrain), for soles reaching half their diagonal from their centre (a foot whose sole
    /// overlaps a patch stands on it). The footstep planner and leg odometry both use it.
    static func knownGround(_ patches: [TerrainPatch], soles: [SoleGeometry]) -> @Sendable (Double, Double) -> Double {
        let reach = soles.map { ($0.halfLength * $0.halfLength + $0.halfWidth * $0.halfWidth).squareRoot() }.max() ?? 0
        return { x, y in height(under: x, y, patches, reach: reach) }
    }

    /// The height of the ground under a sole centred at (x, y), m: the highest terrain patch within `reach` m of it
    /// (0 where there is none), so that a foot overlapping a step's edge is planned on top of it.
    static func height(under x: Double, _ y: Double, _ patches: [TerrainPatch], reach: Double) -> Double {
        var h = 0.0
        for p in patches where x >= p.x[0] - reach && x <= p.x[1] + reach && y >= p.y[0] - reach && y <= p.y[1] + reach {
            h = max(h, p.height)
        }
        return h
    }
}

// MARK: - walk: timed velocity commands → footsteps → ZMP preview → per-tick walking references

import EmbodyLocomotion
import EmbodyModel
import EmbodyScenario

extension WalkTask {
    /// `walk`: plans every footstep of the run at load from the commands (WalkingCommandPlanner), and runs the
    /// walking state machine (WalkingPatternGenerator) at the control rate.
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
        let patches = terrain
        // A sole reaches this far from its centre (half its diagonal): a foot whose sole overlaps a patch stands on it.
        let reach = biped.soles.map { ($0.halfLength * $0.halfLength + $0.halfWidth * $0.halfWidth).squareRoot() }.max() ?? 0
        let commands = self.commands.map { WalkingVelocityCommand(at: $0.at, vx: $0.vx, vy: $0.vy, yawRate: $0.yawRate) }
        let timeline: WalkingTimeline
        do {
            timeline = try WalkingCommandPlanner.plan(commands: commands, gait: gait, duration: duration,
                                                      left: biped.initialFeet[0], right: biped.initialFeet[1],
                                                      terrain: { x, y in Self.height(under: x, y, patches, reach: reach) })
        } catch {
            throw RuntimeError("\(c.location): task type walk: the footstep plan: \(error.description)")
        }
        let generator = try biped.patternGenerator(c, timeline: timeline, comHeight: comHeight, clearance: clearance,
                                                   kind: "walk")
        return try biped.taskSetup(c, source: generator, path: WalkingPath(commands: commands))
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

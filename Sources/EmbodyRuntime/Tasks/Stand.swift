// MARK: - stand: balance over both feet, stepping to the capture point when pushed too far

import EmbodyLocomotion
import EmbodyModel
import EmbodyScenario

extension StandTask {
    /// `stand`: an endless double support under the walking state machine, wrapped by CaptureStepBalancer.
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        let location = feetLocation ?? c.location
        let biped = try BipedModel(c, feet: feet, location: location)
        let timeline = WalkingTimeline(capacity: 4, standingAt: biped.initialFeet[0], biped.initialFeet[1])
        let generator = try biped.patternGenerator(c, timeline: timeline, comHeight: comHeight, clearance: clearance,
                                                   kind: "stand")
        var step = CaptureStepSettings()
        step.stepping = stepping
        step.captureMargin = captureMargin
        step.stepDuration = stepDuration
        step.maxStepLength = maxStepLength
        step.footPlacementNoise = footPlacementNoise
        step.noiseSeed = RandomStreams.seed(scenario: c.scenario.seed, consumer: RandomConsumer.footsteps)
        let balancer = CaptureStepBalancer(settings: step, generator: generator, soles: biped.soles,
                                           dynamics: biped.dynamics, mass: biped.mass)
        return try biped.taskSetup(c, source: balancer, path: nil)
    }
}

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
        var settings = WalkingStateMachineSettings()
        settings.controlPeriod = Double(c.timing.periods.control) * c.timing.dt
        settings.comHeight = comHeight
        settings.clearance = clearance
        settings.gravity = -c.scenario.physics.gravity[2]
        let generator: WalkingPatternGenerator
        do {
            generator = try WalkingPatternGenerator(settings: settings, timeline: timeline, posture: c.initialQ,
                                                    initialCoM: biped.initialCoM, riccati: BipedModel.riccati)
        } catch {
            throw RuntimeError("\(c.location): task type stand: \(error.description)")
        }
        var step = CaptureStepSettings()
        step.stepping = stepping
        step.captureMargin = captureMargin
        step.stepDuration = stepDuration
        step.maxStepLength = maxStepLength
        let balancer = CaptureStepBalancer(settings: step, generator: generator, soles: biped.soles,
                                           dynamics: biped.dynamics, mass: biped.mass)
        let driver = try WalkingDriver(source: balancer, biped: biped, jointSpace: !c.scenario.controller.kind.followsWalkingReference, model: c.model,
                                       initialQ: c.initialQ, controlPeriod: settings.controlPeriod, path: nil, omega: generator.preview.pendulum.omega, dcmGain: 0,
                                       location: c.location)
        return TaskSetup(reference: .walking(driver), walkingSource: driver.controllerSource)
    }
}

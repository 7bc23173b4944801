import EmbodyScenario
import Foundation
import Testing
@testable import EmbodyRuntime

// MARK: - What the bundled walking scenarios show beyond their own criteria
//
// KindRuntimeTests runs every bundled scenario to its end (pinned state hash, success criteria); these tests run
// variants that must fail, so that each scenario's point is shown rather than assumed.

@Suite struct WalkScenarioTests {
    @Test("humanoid-walk-rough: the planner's knowledge of the step heights matters; with `terrain: []` the same walk falls")
    func roughNeedsKnownTerrain() throws {
        let (scenario, model) = try loadBundled("humanoid-walk-rough", overrides: ["task.terrain=[]"])
        let blind = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(blind.fell, "walking blind over the 2 cm steps should fall; it ended \(blind.outcome.rawValue): \(blind.metrics)")
    }

    @Test("humanoid-walk-push: with capture_stepping off, the 80 N side shove fells the same walk")
    func pushNeedsCaptureStepping() throws {
        let (scenario, model) = try loadBundled("humanoid-walk-push", overrides: ["task.capture_stepping=false"])
        let plain = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(plain.fell, "the planned walk alone should fall from the side shove; it ended \(plain.outcome.rawValue): \(plain.metrics)")
    }

    @Test("humanoid-walk-push on estimated state (seed 39): a capture step held to walking's widest step falls; capture_lateral_reach's 0.1 m holds")
    func pushNeedsTheWiderCaptureStep() throws {
        let estimated = WalkingEstimationTests.sensorOverrides + ["seed=39"]
        let (held, heldModel) = try loadBundled("humanoid-walk-push", overrides: estimated + ["task.capture_lateral_reach=0"])
        let narrow = try Runner.run(try Simulation(scenario: held, model: heldModel))
        #expect(narrow.fell, "held to walking's widest step it should fall; it ended \(narrow.outcome.rawValue): \(narrow.metrics)")
        let (scenario, model) = try loadBundled("humanoid-walk-push", overrides: estimated)
        let wide = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(wide.success && !wide.fell, "\(wide.outcome.rawValue): \(wide.metrics)")
    }

    @Test("humanoid-step-recover on estimated state (seed 3): an IMU that reads the sample step's acceleration alone diverges after the capture step's impact; with accel_average it stands")
    func stepRecoveryNeedsTheAveragingAccelerometer() throws {
        let estimated = WalkingEstimationTests.sensorOverrides + ["seed=3"]
        let (scenario, model) = try loadBundled("humanoid-step-recover", overrides: estimated)
        let averaged = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(!averaged.fell && averaged.outcome != .diverged && (averaged.metrics["base_position_error_max"] ?? 1) < 0.05,
                "\(averaged.outcome.rawValue): \(averaged.metrics)")
        let sampled = estimated.map { $0.replacingOccurrences(of: ", accel_average: true", with: "") }
        #expect(sampled != estimated)
        let (plain, plainModel) = try loadBundled("humanoid-step-recover", overrides: sampled)
        let aliased = try Runner.run(try Simulation(scenario: plain, model: plainModel))
        #expect(aliased.fell || aliased.outcome == .diverged, "\(aliased.outcome.rawValue): \(aliased.metrics)")
    }

    @Test("a walk to waypoints that does not end within the run is an input error naming the waypoint's line")
    func waypointsPastTheEnd() throws {
        let path = bundledScenario("humanoid-walk-turn")
        let (scenario, model) = try loadBundled("humanoid-walk-turn", overrides: ["duration=20"])
        let error = try #require(throws: RuntimeError.self) { try Simulation(scenario: scenario, model: model) }
        #expect(error.isInvalidInput)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        // The first waypoint whose walk ends after 20 s: the one the message names, on its own line.
        let named = try #require(lines.firstIndex { $0.contains("{ x: 0, y: 2, yaw: 3.1416 }") }) + 1
        #expect(error.message.contains("humanoid-walk-turn.yaml:\(named)"), "\(error.message)")
        #expect(error.message.contains("task.commands[4]: the walk to this waypoint ends at") && error.message.contains("duration 20.0 s"),
                "\(error.message)")
    }
}

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

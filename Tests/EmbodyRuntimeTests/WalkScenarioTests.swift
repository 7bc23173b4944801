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
}

// MARK: - Kinds in the runtime: random streams apart, and the bundled scenarios' final states pinned

import EmbodyModel
import EmbodyScenario
import Foundation
import Testing
@testable import EmbodyRuntime

@Suite("Kinds in the runtime")
struct KindRuntimeTests {
    /// arm-perceive-reach (the task's own camera) with a declared depth camera named `camera` added, which the
    /// task may also localize with.
    private func perceiveReach(taskCamera: String? = nil) throws -> Simulation {
        var overrides = ["sensors=[{ name: camera, type: depth_camera, width: 80, height: 60, noise: 0.001, rate: 10, ignore_robot: true, mount: { eye: [0.25, -0.55, 1.25], target: [0.55, 0, 0.4] } }]",
                         "duration=0.01"]
        if let taskCamera { overrides.append("task.camera=\(taskCamera)") }
        let (scenario, model) = try loadBundled("arm-perceive-reach", overrides: overrides)
        return try Simulation(scenario: scenario, model: model)
    }

    @Test("the task camera and a declared sensor named camera draw from different random streams")
    func taskCameraStreamIsItsOwn() throws {
        let sim = try perceiveReach()
        let sensorSeed = try #require(sim.sensors.cameras.first).camera.configuration.seed
        let taskSeed = try #require(sim.reach).camera.camera.configuration.seed
        #expect(sensorSeed == RandomStreams.seed(scenario: sim.scenario.seed, consumer: "sensor.camera"))
        #expect(taskSeed == RandomStreams.seed(scenario: sim.scenario.seed, consumer: "task.camera"))
        #expect(taskSeed != sensorSeed)
        // The task's copy of that sensor has a stream of its own too.
        let copy = try perceiveReach(taskCamera: "camera")
        let copySeed = try #require(copy.reach).camera.camera.configuration.seed
        #expect(copySeed != sensorSeed && copySeed != taskSeed)
    }

    /// The final state hash of every bundled scenario, recorded from main before the kinds became types
    /// (commit dbfd606). A change here changes what a bundled scenario computes: say why in the commit.
    /// arm-reach-cartesian (was 4501755f355413e4) changed once, when control and planning came to share one
    /// Cholesky factorization: the controllers' copy multiplied by 1/lⱼⱼ, the shared one divides by lⱼⱼ as IK's
    /// did (one rounding instead of two); its metrics agree to 15 significant digits.
    /// humanoid-stand-wbc (was eba96224b356b898) and humanoid-imu-stand-wbc (was cfffb6641358b2cd) changed once, when
    /// QuadraticProgram's dot products came to sum in four fixed partial sums (53450cb): other roundings, same outcome.
    /// humanoid-step-recover (was 1931bd2023646a87) changed once, when its recovery step got a seeded 5 mm landing
    /// offset (`foot_placement_noise`) so that its seeds vary the run.
    /// Every `whole_body` scenario moved once when the controller got its pelvis orientation task (on by default):
    /// humanoid-stand-wbc ac184a274811094c, humanoid-imu-stand-wbc 3118ca91f4f34d37, humanoid-walk 1d96397313637685,
    /// humanoid-step-recover 232f32c76ccc9321, humanoid-walk-rough 0895c1158b5ea197, humanoid-walk-turn
    /// 14d2df96e597d7d2, humanoid-walk-push 49a4b99addd6bd5b; with `pelvis_weight: 0` each ends in its old state.
    /// Every humanoid scenario moved once when it took the constraint-space solver (`physics.solver:
    /// constraint_space`, docs/physics.md): the same rows and sweeps as Bullet's, other roundings, the same outcomes
    /// (and the same walking-seed results). Before: humanoid-imu-stand 8592d018de4eb8f0, humanoid-imu-stand-wbc
    /// 5bb7ce1f66586c8d, humanoid-push 8aa194cc0864bd9f, humanoid-sensors f0fe4b028b664436, humanoid-stand
    /// edbb57f672dcb26e, humanoid-stand-wbc 0f1b3ac7bd3593c2, humanoid-step-recover cd34b83216a60dfe,
    /// humanoid-walk-push 8fb9ce3af517cdd5, humanoid-walk 8a0eaa457987f7a7, humanoid-walk-rough 35a4b7c54eab91da,
    /// humanoid-walk-turn 9324dcdf96412e3f; with `physics.solver: bullet` each ends in its old state.
    static let pinnedHashes: [String: String] = [
        "arm-gravity-comp": "d0ee89698b47de9a", "arm-hold": "ee841dd36b765a3b", "arm-joint-waypoints": "9b031b9776b5bb97",
        "arm-obstacle": "331da02f08c02099", "arm-perceive-reach": "15c72736fa50eda4", "arm-reach-cartesian": "1bb593a6e8847721",
        "arm-reach-ik": "aede9e8bdce8007f", "arm-track-sine": "29d0f1acfb12f7f8", "humanoid-imu-stand": "f6ebfbd0dfbf8324",
        "humanoid-push": "0a2bf17eb3b20d41", "humanoid-sensors": "4a777ee2f56c7bcd", "humanoid-stand": "b86e38e513e56d18",
        "humanoid-stand-wbc": "0e407e0235cafda3", "humanoid-imu-stand-wbc": "a46cbf72f2e903b5",
        "humanoid-walk": "d8e85c39bfd58e59", "humanoid-step-recover": "231f63d210cfee4b",
        "humanoid-walk-rough": "e6da9a0bab024a87", "humanoid-walk-turn": "447a4d9769be5980", "humanoid-walk-push": "a27c9e645679cb63",
    ]

    /// The pelvis task off (`pelvis_weight: 0`) leaves the whole_body program exactly as it was before the task
    /// existed: humanoid-stand-wbc and humanoid-walk-push end in their previous pinned states (with the solver
    /// they had then, Bullet's).
    @Test("with pelvis_weight 0 whole_body scenarios end in their states from before the pelvis task", arguments: [
        ("humanoid-stand-wbc", "ac184a274811094c"), ("humanoid-walk-push", "49a4b99addd6bd5b")])
    func pelvisTaskOffIsTheOldController(_ name: String, _ hash: String) throws {
        let (scenario, model) = try loadBundled(name, overrides: ["controller.parameters.pelvis_weight=0",
                                                                  "physics.solver=bullet"])
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.stateHash == hash, "\(name)")
    }

    static var bundledNames: [String] {
        BundledScenarios.all().map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
    }

    @Test("every bundled scenario has a pinned state hash")
    func everyBundledScenarioIsPinned() {
        #expect(!Self.bundledNames.isEmpty)
        for name in Self.bundledNames { #expect(Self.pinnedHashes[name] != nil, "\(name) has no pinned state hash") }
    }

    @Test("each bundled scenario ends in its pinned state, and succeeds", arguments: KindRuntimeTests.pinnedHashes.keys.sorted())
    func bundledStateHashes(_ name: String) throws {
        let (scenario, model) = try loadBundled(name)
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.stateHash == Self.pinnedHashes[name], "\(name)")
        // A pin holds a state, not a result: every bundled scenario must also still meet its own criteria
        // (humanoid-walk: 10 m at over 0.5 m/s, then stand; humanoid-step-recover: the 220 N shove survived).
        #expect(summary.outcome == .success, "\(name) ended \(summary.outcome.rawValue): \(summary.metrics)")
    }

    /// Naming Bullet's solver brings every humanoid scenario back to its state before it took the constraint-space
    /// solver: the scenarios changed only their solver (two of them, the quickest; the rest are the same change).
    @Test("with physics.solver bullet the humanoid scenarios end in their states from before", arguments: [
        ("humanoid-stand", "edbb57f672dcb26e"), ("humanoid-push", "8aa194cc0864bd9f")])
    func bulletSolverIsTheOldState(_ name: String, _ hash: String) throws {
        let (scenario, model) = try loadBundled(name, overrides: ["physics.solver=bullet"])
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.stateHash == hash, "\(name)")
    }
}

import CMallocCounter
@testable import EmbodyRuntime
import EmbodyModel
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario
import Foundation
import Testing

// MARK: - ee_targets by IK, and replanning at the planning rate

@Suite("IK targets and replanning")
struct ReplanningTests {
    /// arm-reach-ik reaches each of its three poses within 5 mm and 2° in under 2 s, by IK and a joint
    /// trajectory tracked by computed torque, and the planner ran at every planning tick after the first.
    @Test func ikReachesTargets() throws {
        let (scenario, model) = try loadBundled("arm-reach-ik")
        let ee = try #require(scenario.task.kind.eeTargets)
        #expect(ee.solver == .ik && ee.replan)
        #expect(scenario.controller.type == "computed_torque")
        #expect(ee.positionTolerance == 0.005)
        #expect(abs(ee.orientationTolerance - 2 * Double.pi / 180) < 1e-4)
        let sim = try Simulation(scenario: scenario, model: model)
        let planner = try #require(sim.task.online as? EndEffectorIKPlanner)
        #expect(planner.goals.count == 3)
        let summary = try Runner.run(sim)
        #expect(summary.metrics["ee_targets_reached"] == 3)
        let slowest = try #require(summary.metrics["ee_reach_time_max"])
        #expect(slowest < 2, "slowest target reached after \(slowest) s")
        #expect(try #require(summary.metrics["ee_position_error_max"]) < 0.005)
        #expect(try #require(summary.metrics["ee_orientation_error_max"]) < 2 * Double.pi / 180)
        #expect(summary.metrics["replans"] == 59)   // 10 Hz over 6 s, tick 0 being the load-time plan
        #expect(summary.metrics["replan_updates"] == 0, "fixed targets: the goals solved at load stay")
        #expect(try #require(summary.metrics["replan_time_max"]) > 0)
        #expect(summary.success)
    }

    /// Every goal solved at load puts the link on its target (forward kinematics), within IK's tolerance.
    @Test func loadTimeSolutionsReachTheTargets() throws {
        let (scenario, model) = try loadBundled("arm-reach-ik")
        let sim = try Simulation(scenario: scenario, model: model)
        let planner = try #require(sim.task.online as? EndEffectorIKPlanner)
        let dynamics = try sim.robot.makeDynamics()
        for (goal, target) in zip(planner.goals, planner.plan.targets) {
            let pose = dynamics.linkPose(link: planner.plan.link, q: goal, basePose: sim.robot.basePose)
            #expect(length(pose.position - target.pose.position) < 1e-4)
            #expect(pose.rotation.angle(to: target.pose.rotation) < 1e-3)
        }
    }

    /// A target out of reach is refused at load, naming the file, the target's line and what is wrong.
    @Test func unreachableTargetIsALocatedError() throws {
        let path = bundledScenario("arm-reach-ik")
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "position: [0.60, -0.20, 0.30]", with: "position: [1.60, -0.20, 0.30]")
        let line = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("[1.60, -0.20, 0.30]") }) + 1
        let (scenario, model) = try ScenarioLoader.parse(text: text, path: path)
        do {
            _ = try Simulation(scenario: scenario, model: model)
            Issue.record("an unreachable target should not load")
        } catch {
            #expect(error.isInvalidInput)
            #expect(error.message.contains("arm-reach-ik.yaml:\(line):"), "\(error.message)")
            #expect(error.message.contains("task.targets[1]") && error.message.contains("cannot be reached"))
        }
    }

    /// solver ik with the osc controller, replan with osc, and an unknown solver are scenario errors with lines.
    @Test(arguments: [
        (["controller.type=osc", "controller.ee_link=ee_link"], "task.solver ik hands a joint trajectory"),
        (["task.solver=osc"], "task.solver osc needs controller type osc"),
        (["task.solver=ikk"], "unknown ee_targets solver 'ikk'"),
    ])
    func solverMismatchIsAnError(overrides: [String], message: String) throws {
        do {
            _ = try loadBundled("arm-reach-ik", overrides: overrides)
            Issue.record("\(overrides) should not validate")
        } catch {
            let text = "\(error)"
            #expect(text.contains(message), "\(text)")
            #expect(text.contains(":1:") || text.contains("arm-reach-ik.yaml:2"), "no line in: \(text)")
        }
    }

    /// replan on arm-perceive-reach: a cube moved 6 cm after 1.2 s is found again by the camera and reached
    /// within 1 cm; without replanning the arm ends over the old spot. Both runs are deterministic.
    @Test func replanningFollowsAMovedCube() throws {
        func run(replan: Bool) throws -> RunSummary {
            let (scenario, model) = try loadBundled("arm-perceive-reach", overrides: ["task.replan=\(replan)"])
            let sim = try Simulation(scenario: scenario, model: model)
            let cube = try #require(scenario.world.objects.firstIndex { $0.name == "cube" })
            while sim.tick < 1200 { try sim.step() }
            var pose = sim.objects[cube].pose
            pose.position = pose.position + Vector3(-0.03, pose.position.y > 0 ? -0.05 : 0.05, 0)
            sim.objects[cube].pose = pose
            while !sim.isFinished { try sim.step() }
            return try sim.finish(wallTime: 0)
        }
        let replanned = try run(replan: true)
        let error = try #require(replanned.metrics["reach_error"])
        #expect(error < 0.01, "replanned reach ended \(error) m from the moved cube")
        #expect(try #require(replanned.metrics["replan_updates"]) >= 1)
        #expect(replanned.metrics["replans"] == 39)
        #expect(replanned.metrics["collisions"] == 0)
        #expect(try #require(replanned.metrics["object_position_error"]) < 5e-3)
        let fixed = try run(replan: false)
        #expect(try #require(fixed.metrics["reach_error"]) > 0.05, "without replanning the arm cannot know")
        #expect(try run(replan: true).stateHash == replanned.stateHash)
    }

    /// Replanning allocates nothing per tick, planning ticks included: arm-perceive-reach with replan on and the
    /// cube moved (so the planner re-localizes, re-solves IK and rebuilds the trajectory), and arm-reach-ik.
    @Test(arguments: ["arm-perceive-reach", "arm-reach-ik"])
    func replanningDoesNotAllocate(name: String) throws {
        let (scenario, model) = try loadBundled(name, overrides: ["task.replan=true"])
        let sim = try Simulation(scenario: scenario, model: model)
        let cube = scenario.world.objects.firstIndex { $0.name == "cube" }
        let planner = try #require(sim.task.online)
        for _ in 0..<10 { try sim.step() }
        // Counted: every tick but the cube's teleport (pose reads and writes allocate), expectations afterwards.
        var counted: Int64 = 0
        var before = emb_test_thread_allocations()
        while sim.tick < 1200 { try sim.step() }
        counted += emb_test_thread_allocations() - before
        if let cube {
            let position = sim.objects[cube].pose.position
            sim.objects[cube].pose = Transform(position: position + Vector3(0, 0.04, 0))
        }
        before = emb_test_thread_allocations()
        while !sim.isFinished { try sim.step() }
        counted += emb_test_thread_allocations() - before
        #expect(counted == 0, "\(name): \(counted) allocations in steady-state ticks, planning ticks included")
        #expect(planner.statistics.runs > 30)
        if cube != nil { #expect(planner.statistics.updates >= 1, "the moved cube should change the plan") }
    }
}

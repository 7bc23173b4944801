import CMallocCounter
@testable import EmbodyRuntime
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario
import Foundation
import Testing

// MARK: - reach_object localizing with a declared depth camera (task.camera: <sensor name>)

/// arm-perceive-reach with its task camera replaced by a declared, noisy depth camera at the same place: the
/// sensor `table_camera` (latency in ticks, depth noise σ₀ in m) and `task.camera: table_camera`.
func declaredCameraReach(seed: UInt64 = 1, latency: Int = 20, noise: Double = 0.0005, link: String? = nil,
                         extra: [String] = []) throws -> (Scenario, RobotModel) {
    let mount = link == nil ? "" : "link: \(link!), "
    let sensor = "sensors=[{ name: table_camera, type: depth_camera, \(mount)rate: 10, latency: \(latency), "
        + "mount: { eye: [0.25, -0.55, 1.25], target: [0.55, 0, 0.4] }, width: 160, height: 120, fov: 1.0, "
        + "near: 0.1, far: 5.0, noise: \(noise), noise_quadratic: 0.0005, resolution: 0.0005, ignore_robot: true }]"
    return try loadBundled("arm-perceive-reach", overrides: [sensor, "task.camera=table_camera", "seed=\(seed)"] + extra)
}

@Suite("Task camera from sensors")
struct TaskCameraTests {
    /// The task's camera is the declared one: its intrinsics, range, mount, latency and noise model, with a
    /// noise stream of its own; and the reach succeeds for six seeds.
    @Test func declaredCameraReachesForSixSeeds() throws {
        for seed: UInt64 in 1...6 {
            let (scenario, model) = try declaredCameraReach(seed: seed, extra: ["duration=2.5"])
            let sim = try Simulation(scenario: scenario, model: model)
            let reach = try #require(sim.reach)
            let declared = try #require(sim.sensors.cameras.first { $0.name == "table_camera" }).camera.configuration
            let used = reach.camera.camera.configuration
            #expect(reach.camera.sensorName == "table_camera" && reach.camera.latency == 20 && reach.camera.aim == nil)
            #expect(used.intrinsics == declared.intrinsics && used.intrinsics.width == 160 && used.intrinsics.far == 5)
            #expect(used.mount == declared.mount)
            #expect(used.noiseConstant == 0.0005 && used.noiseQuadratic == 0.0005 && used.depthResolution == 0.0005)
            #expect(used.seed == RandomStreams.seed(scenario: seed, consumer: "task.camera.table_camera"))
            #expect(used.seed != declared.seed, "the sensor's own frames must not depend on the task")
            #expect(length(reach.estimatedCenter - reach.trueCenter) < 5e-3, "seed \(seed): the camera misplaced the cube")
            let summary = try Runner.run(sim)
            let error = try #require(summary.metrics["reach_error"])
            #expect(error < 0.01, "seed \(seed): ended \(error) m from the target")
            #expect(summary.metrics["collisions"] == 0)
            #expect(summary.success)
        }
    }

    /// The camera's noise reaches the estimate (it differs from the noise-free camera's), deterministically: the
    /// same seed gives the same estimate and state hash, another seed another hash.
    @Test func noiseIsSeededAndDeterministic() throws {
        func run(seed: UInt64, noise: Double) throws -> (Vector3, String) {
            let (scenario, model) = try declaredCameraReach(seed: seed, noise: noise, extra: ["task.replan=true", "duration=1.5"])
            let sim = try Simulation(scenario: scenario, model: model)
            let estimate = try #require(sim.reach).estimatedCenter
            return (estimate, try Runner.run(sim).stateHash)
        }
        let (a, hashA) = try run(seed: 3, noise: 0.002)
        let (b, hashB) = try run(seed: 3, noise: 0.002)
        #expect(a == b && hashA == hashB)
        let (clean, _) = try run(seed: 3, noise: 0)
        #expect(a != clean, "the declared camera's noise should change the estimate")
        #expect(length(a - clean) < 5e-3)
        let (_, other) = try run(seed: 4, noise: 0.002)
        #expect(other != hashA)
    }

    /// Replanning plans with a frame exactly the camera's latency old: a cube moved 10 ticks before a planning
    /// tick (after that tick's frame was taken, 20 ticks before it) is not seen then, and is seen and reached at
    /// the next planning tick.
    @Test func replanningUsesFramesTheLatencyOld() throws {
        let (scenario, model) = try declaredCameraReach(extra: ["task.replan=true"])
        let sim = try Simulation(scenario: scenario, model: model)
        let replanner = try #require(sim.reach?.replanner)
        let cube = try #require(scenario.world.objects.firstIndex { $0.name == "cube" })
        while sim.tick < 1290 { try sim.step() }
        let before = replanner.estimatedCenter
        var pose = sim.objects[cube].pose
        pose.position = pose.position + Vector3(-0.03, pose.position.y > 0 ? -0.05 : 0.05, 0)
        sim.objects[cube].pose = pose
        while sim.tick <= 1300 { try sim.step() }   // planning tick 1300 ran, with the frame of tick 1280
        #expect(replanner.lastFrameTick == 1280)
        #expect(length(replanner.estimatedCenter - before) < 2e-3, "a frame taken before the move cannot see it")
        while sim.tick <= 1400 { try sim.step() }   // planning tick 1400: the frame of tick 1380 shows the move
        #expect(replanner.lastFrameTick == 1380)
        #expect(length(replanner.estimatedCenter - pose.position) < 5e-3)
        while !sim.isFinished { try sim.step() }
        let summary = try sim.finish(wallTime: 0)
        #expect(try #require(summary.metrics["reach_error"]) < 0.01)
        #expect(summary.metrics["replans"] == 39)
    }

    /// A latency longer than the planning period: the planning ticks before the first frame arrives keep the
    /// plan made at load (one fewer run), and the frames in flight do not overwrite each other.
    @Test(arguments: [101, 150])
    func latencyLongerThanThePlanningPeriod(latency: Int) throws {
        let (scenario, model) = try declaredCameraReach(latency: latency, extra: ["task.replan=true"])
        let sim = try Simulation(scenario: scenario, model: model)
        let summary = try Runner.run(sim)
        #expect(summary.metrics["replans"] == 38)
        #expect(sim.reach?.replanner?.lastFrameTick == 3900 - latency)
        #expect(try #require(summary.metrics["reach_error"]) < 0.01)
    }

    /// Replanning with a declared camera allocates nothing per tick: world-mounted with a short latency, and
    /// mounted on a link with frames in flight across planning ticks.
    @Test(arguments: [(20, nil), (150, "base_link")] as [(Int, String?)])
    func declaredCameraDoesNotAllocate(latency: Int, link: String?) throws {
        let (scenario, model) = try declaredCameraReach(latency: latency, link: link, extra: ["task.replan=true"])
        let sim = try Simulation(scenario: scenario, model: model)
        for _ in 0..<10 { try sim.step() }
        let before = emb_test_thread_allocations()
        while !sim.isFinished { try sim.step() }
        let allocations = emb_test_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) allocations in steady-state ticks")
        #expect(try #require(sim.task.online).statistics.runs >= 38)
        #expect(try sim.finish(wallTime: 0).metrics["reach_error"].map { $0 < 0.01 } == true)
    }
}

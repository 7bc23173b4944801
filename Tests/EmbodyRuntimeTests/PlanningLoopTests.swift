@testable import EmbodyRuntime
import EmbodyModel
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario
import Foundation
import Testing

// MARK: - Planning in the loop

@Suite("Planning in the loop")
struct PlanningLoopTests {
    /// RRT-Connect finds a path in arm-obstacle for 10 seeds; every configuration on the smoothed, timed path
    /// (sampled every 5 ms) is collision-free with no margin, the arm never touches the wall while following
    /// it, and it reaches the goal.
    @Test func armObstacleIsSolvedForTenSeeds() throws {
        var lengths: Set<Double> = []
        for seed in 1...10 {
            let (scenario, model) = try loadBundled("arm-obstacle", overrides: ["seed=\(seed)"])
            let sim = try Simulation(scenario: scenario, model: model)
            let motion = try #require(sim.motion)
            lengths.insert(motion.pathLength)
            let strict = RobotCollisionChecker(world: sim.world, robot: sim.robot,
                                               referenceQ: [Double](repeating: 0, count: sim.robot.dof))
            var q = [Double](repeating: 0, count: sim.robot.dof), qd = q, qdd = q
            var samples = 0
            for t in stride(from: 0.0, through: motion.trajectory.duration, by: 0.005) {
                motion.trajectory.sample(at: t, q: &q, qd: &qd, qdd: &qdd)
                #expect(strict.isCollisionFree(q: q), "seed \(seed): collision at t = \(t) s")
                samples += 1
            }
            #expect(samples > 100)
            let summary = try Runner.run(sim)
            #expect(summary.metrics["collisions"] == 0, "seed \(seed) touched the wall")
            #expect(summary.success, "seed \(seed): \(summary.metrics)")
        }
        #expect(lengths.count > 1, "different seeds should explore differently")
    }

    /// The same seed plans the same path, bit for bit.
    @Test func planningIsDeterministic() throws {
        func plan() throws -> [UInt64] {
            let (scenario, model) = try loadBundled("arm-obstacle")
            let sim = try Simulation(scenario: scenario, model: model)
            let motion = try #require(sim.motion)
            return motion.trajectory.waypoints.flatMap { $0.map(\.bitPattern) }
        }
        #expect(try plan() == plan())
    }

    /// A goal inside the wall is refused at load with a clear error.
    @Test func goalInCollisionIsAnError() throws {
        let (scenario, model) = try loadBundled("arm-obstacle", overrides: ["task.goal.joint_1=0", "task.goal.joint_2=1.2",
                                                                            "task.goal.joint_4=0.3"])
        #expect(throws: RuntimeError.self) { try Simulation(scenario: scenario, model: model) }
    }
}

@Suite("Perceive and reach")
struct PerceiveReachTests {
    /// arm-perceive-reach succeeds for 20 seeds: the cube (placed by the seed) is found by the depth camera and
    /// the gripper ends within 1 cm of the point 5 cm above it, without touching anything.
    @Test func perceiveReachSucceedsForTwentySeeds() throws {
        var positions: Set<Double> = []
        for seed in 1...20 {
            let (scenario, model) = try loadBundled("arm-perceive-reach", overrides: ["seed=\(seed)", "duration=2.5"])
            let sim = try Simulation(scenario: scenario, model: model)
            let reach = try #require(sim.reach)
            positions.insert(reach.trueCenter.x)
            #expect(length(reach.estimatedCenter - reach.trueCenter) < 5e-3, "seed \(seed): the camera misplaced the cube")
            let summary = try Runner.run(sim)
            let error = try #require(summary.metrics["reach_error"])
            #expect(error < 0.01, "seed \(seed): ended \(error) m from the target")
            #expect(summary.metrics["collisions"] == 0)
            #expect(summary.success)
        }
        #expect(positions.count == 20, "every seed should place the cube differently")
    }
}

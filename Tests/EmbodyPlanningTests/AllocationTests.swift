import CMallocCounter
import EmbodyModel
import EmbodyPhysics
@testable import EmbodyPlanning
import Testing

// MARK: - IK solves, collision checks and ray batches do not allocate once warm

/// The allocations `body` makes on this thread.
func allocations(_ body: () -> Void) -> Int64 {
    let before = emb_test_thread_allocations()
    body()
    return emb_test_thread_allocations() - before
}

@Suite("Planning allocation")
struct PlanningAllocationTests {
    @Test func ikSolvesCollisionChecksAndRayBatchesDoNotAllocate() throws {
        let (world, robot, _) = try wallScene()
        let dynamics = try RigidBodyDynamics(robot: robot)
        let ee = try #require(robot.linkNames.firstIndex(of: "ee_link"))
        var options = IKOptions()
        options.activeJoints = (0..<robot.dof).map { $0 < 7 }
        let solver = try IKSolver(dynamics: dynamics, link: ee, lower: robot.positionLimits.map(\.lowerBound),
                                  upper: robot.positionLimits.map(\.upperBound), basePose: robot.basePose, options: options)
        let target = solver.pose(q: [0.4, 0.6, -0.2, 1.2, 0.3, 0.8, -0.5, 0, 0])
        let seed = [Double](repeating: 0.1, count: robot.dof)
        var solution = seed
        let checker = RobotCollisionChecker(world: world, robot: robot)
        let q = [0.3, 0.9, 0, 0.4, 0, 0.5, 0, 0, 0]
        var hits = RayHits(capacity: 100)
        var origins = [Double](repeating: 0, count: 300), ends = origins
        for i in 0..<100 { origins[3 * i + 2] = 2; ends[3 * i] = Double(i) * 0.01; ends[3 * i + 2] = -1 }
        _ = solver.solve(target: target, seed: seed, into: &solution)
        _ = checker.isCollisionFree(q: q)
        world.castRays(origins: origins, ends: ends, count: 100, into: &hits)
        var result: IKResult? = nil
        let ik = allocations { result = solver.solve(target: target, seed: seed, into: &solution) }
        let checks = allocations { for _ in 0..<100 { _ = checker.isCollisionFree(q: q) } }
        let rays = allocations { world.castRays(origins: origins, ends: ends, count: 100, into: &hits) }
        print("allocations: IK solve \(ik) (\(result?.iterations ?? -1) iterations), 100 collision checks \(checks), "
              + "100-ray batch \(rays)")
        #expect(ik == 0 && checks == 0 && rays == 0)
    }
}

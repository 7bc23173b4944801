import EmbodyModel
import EmbodyPhysics
@testable import EmbodyPlanning
import Foundation
import Testing

// MARK: - RRT-Connect on arm7 around a wall, checked by the shim's collision queries

/// A RobotCollisionChecker seen through EmbodyPlanning's protocol, as the runtime will conform it.
final class ShimChecker: CollisionChecker {
    let checker: RobotCollisionChecker
    init(_ checker: RobotCollisionChecker) { self.checker = checker }
    func isCollisionFree(q: [Double]) -> Bool { checker.isCollisionFree(q: q) }
}

/// arm7 on a fixed base at the origin, and a 0.75 × 0.04 × 0.8 m wall in the plane y = 0 from x = 0.25 to 1 m.
func wallScene() throws -> (World, Robot, RigidBody) {
    let world = try World()
    var options = RobotOptions()
    options.fixedBase = true
    let robot = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options)
    let wall = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.75, 0.04, 0.8)), mass: 0,
                                                 pose: Transform(position: Vector3(0.625, 0, 0.4))))
    return (world, robot, wall)
}

/// Joint positions that put ee_link at `position`, pointing down, found with IK from `seed` (also the posture).
func pointingDown(_ robot: Robot, at position: Vector3, seed: [Double]) throws -> [Double] {
    let dynamics = try RigidBodyDynamics(robot: robot)
    let ee = try #require(robot.linkNames.firstIndex(of: "ee_link"))
    var options = IKOptions()
    options.activeJoints = (0..<robot.dof).map { $0 < 7 }
    options.posture = seed
    let solver = try IKSolver(dynamics: dynamics, link: ee, lower: robot.positionLimits.map(\.lowerBound),
                              upper: robot.positionLimits.map(\.upperBound), basePose: robot.basePose, options: options)
    var q = seed
    // Pointing down with the gripper's x axis radial: Rz(yaw)·Ry(π), as a straight-pitch arm reaches it.
    let yaw = atan2(position.y, position.x)
    let down = Quaternion(axis: Vector3(0, 0, 1), angle: yaw) * Quaternion(axis: Vector3(0, 1, 0), angle: .pi)
    let r = solver.solve(target: Transform(position: position, rotation: down), seed: seed, into: &q)
    #expect(r.converged)
    return q
}

@Suite("Motion planning")
struct MotionPlanningTests {
    @Test func collisionQueriesSeeTheWallGroundAndSelf() throws {
        let (world, robot, wall) = try wallScene()
        let checker = RobotCollisionChecker(world: world, robot: robot, referenceQ: [Double](repeating: 0, count: robot.dof))
        #expect(checker.isCollisionFree(q: [Double](repeating: 0, count: robot.dof)))
        // Leaning far sideways puts the arm into the ground; leaning towards +x at shoulder height, into the wall.
        let down = checker.check(q: [-1.57, 2.0, 0, 0, 0, 0, 0, 0, 0])
        #expect(down.colliding && down.otherObject == 0)
        let intoWall = checker.check(q: [0, 1.2, 0, 0.3, 0, 0, 0, 0, 0])
        #expect(intoWall.colliding && intoWall.otherObject == wall.id)
        // Leaning forward and folding the elbow back brings the forearm onto the base.
        var options = CollisionCheckOptions()
        options.ground = false; options.bodies = false
        let folded = robot.checkCollision(q: [1.04, 2.0, 0.19, 2.05, -1.15, -0.51, 0.11, 0, 0.02], options: options,
                                          allowedPairs: checker.allowedPairs)
        print("folded arm: colliding \(folded.colliding), link \(folded.link.map { robot.linkNames[$0] } ?? "-"), "
              + "other link \(folded.otherLink.map { robot.linkNames[$0] } ?? "-"), distance \(folded.distance) m")
        #expect(folded.colliding && folded.otherObject == robot.id && folded.link == 0 && folded.otherLink == 5)
    }

    @Test func collisionQueriesLeaveTheSimulationUntouched() throws {
        // Two identical worlds with a falling box; one is queried between steps. Their states stay bit-identical.
        func run(querying: Bool) throws -> [UInt64] {
            let (world, robot, _) = try wallScene()
            _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.1, 0.1, 0.1)), mass: 1,
                                                  pose: Transform(position: Vector3(0.5, -0.5, 0.5))))
            robot.setTorques([5, -20, 3, 10, 0, 1, 0, 0, 0])
            let checker = RobotCollisionChecker(world: world, robot: robot)
            var hashes: [UInt64] = []
            var hits = RayHits(capacity: 2)
            for k in 0..<600 {
                if querying {
                    _ = checker.check(q: [0, 1.2 + 0.001 * Double(k), 0, 0.3, 0, 0, 0, 0, 0])
                    world.castRays(origins: [0.5, -0.5, 2, 0, 0, 3], ends: [0.5, -0.5, -1, 0, 0, -1], count: 2,
                                   into: &hits)
                }
                world.step(dt: 0.001)
                if k % 50 == 0 { hashes.append(world.stateHash()) }
            }
            return hashes
        }
        #expect(try run(querying: true) == run(querying: false))
    }

    @Test func rrtConnectFindsCollisionFreePathsAroundTheWall() throws {
        let (world, robot, _) = try wallScene()
        let start = try pointingDown(robot, at: Vector3(0.55, -0.35, 0.35), seed: [-0.567, 0.695, 0, 1.03, 0, 1.417, 0, 0, 0])
        let goal = try pointingDown(robot, at: Vector3(0.55, 0.35, 0.35), seed: [0.567, 0.695, 0, 1.03, 0, 1.417, 0, 0, 0])
        var planning = CollisionCheckOptions()
        planning.margin = 0.02
        let zero = [Double](repeating: 0, count: robot.dof)
        let checker = ShimChecker(RobotCollisionChecker(world: world, robot: robot, options: planning, referenceQ: zero))
        let strict = RobotCollisionChecker(world: world, robot: robot, referenceQ: zero)  // margin 0: any touch counts
        #expect(checker.isCollisionFree(q: start) && checker.isCollisionFree(q: goal))
        #expect(!checker.isCollisionFree(q: zip(start, goal).map { ($0 + $1) / 2 }))  // the wall is in the way
        let lower = robot.positionLimits.map(\.lowerBound), upper = robot.positionLimits.map(\.upperBound)
        let limits = JointLimits(velocity: robot.velocityLimits, acceleration: robot.velocityLimits.map { 2 * $0 })
        let clock = ContinuousClock()
        for seed in UInt64(1)...10 {
            var options = RRTConnectOptions()
            options.seed = seed
            let planner = try RRTConnectPlanner(lower: lower, upper: upper, options: options)
            var result: PlanResult! = nil
            var trajectory: PiecewiseLinearTrajectory? = nil
            let elapsed = clock.measure {
                (result, trajectory) = planner.planTrajectory(start: start, goal: goal, checker: checker, limits: limits)
            }
            #expect(result.success, "seed \(seed): \(result.failure ?? "")")
            let t = try #require(trajectory)
            // Sample the timed, smoothed path every 2 ms and check each configuration with margin 0.
            var q = zero, qd = zero, qdd = zero
            var samples = 0, colliding = 0
            var time = 0.0
            while time <= t.duration {
                t.sample(at: time, q: &q, qd: &qd, qdd: &qdd)
                if strict.check(q: q).colliding { colliding += 1 }
                samples += 1
                time += 0.002
            }
            t.sample(at: t.duration, q: &q, qd: &qd, qdd: &qdd)
            #expect(zip(q, goal).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(colliding == 0, "seed \(seed): \(colliding) of \(samples) samples collide")
            print("RRT seed \(seed): \(result.iterations) iterations, \(result.nodes) nodes, \(result.collisionChecks) checks, "
                  + "\(result.rawWaypointCount) → \(result.path.count) waypoints, length \(result.rawLength) → "
                  + "\(result.length) rad, duration \(t.duration) s, \(samples) samples collision-free, "
                  + "planning \(elapsed)")
        }
    }

    @Test func planningIsDeterministicForASeed() throws {
        let (world, robot, _) = try wallScene()
        let start = try pointingDown(robot, at: Vector3(0.55, -0.35, 0.35), seed: [-0.567, 0.695, 0, 1.03, 0, 1.417, 0, 0, 0])
        let goal = try pointingDown(robot, at: Vector3(0.55, 0.35, 0.35), seed: [0.567, 0.695, 0, 1.03, 0, 1.417, 0, 0, 0])
        var planning = CollisionCheckOptions()
        planning.margin = 0.02
        let checker = ShimChecker(RobotCollisionChecker(world: world, robot: robot, options: planning,
                                                        referenceQ: [Double](repeating: 0, count: robot.dof)))
        let planner = try RRTConnectPlanner(lower: robot.positionLimits.map(\.lowerBound),
                                            upper: robot.positionLimits.map(\.upperBound))
        let a = planner.plan(start: start, goal: goal, checker: checker)
        let b = planner.plan(start: start, goal: goal, checker: checker)
        #expect(a.success && b.success)
        #expect(a.path.map { $0.map(\.bitPattern) } == b.path.map { $0.map(\.bitPattern) })
        var other = RRTConnectOptions()
        other.seed = 99
        let c = try RRTConnectPlanner(lower: planner.lower, upper: planner.upper, options: other)
            .plan(start: start, goal: goal, checker: checker)
        #expect(c.success && c.path.map { $0.map(\.bitPattern) } != a.path.map { $0.map(\.bitPattern) })
    }

    @Test func plannerReportsBlockedStartAndGoal() throws {
        final class Nothing: CollisionChecker { func isCollisionFree(q: [Double]) -> Bool { q[0] < 0.5 } }
        let planner = try RRTConnectPlanner(lower: [-1, -1], upper: [1, 1])
        let blocked = planner.plan(start: [0, 0], goal: [0.8, 0], checker: Nothing())
        #expect(!blocked.success && blocked.failure?.contains("goal") == true)
        let outside = planner.plan(start: [0, 0], goal: [2, 0], checker: Nothing())
        #expect(!outside.success && outside.failure?.contains("limits") == true)
    }

    @Test func plannerRandomMatchesReferenceXoshiro() {
        // xoshiro256** seeded by SplitMix64(0): PlannerRandom is EmbodyModel's RandomStream.
        var r = PlannerRandom(seed: 0)
        #expect([r.nextUInt64(), r.nextUInt64(), r.nextUInt64()] == referenceXoshiroSeed0)
    }
}

/// The first outputs of xoshiro256** seeded with SplitMix64(0), from an independent implementation.
let referenceXoshiroSeed0: [UInt64] = [11091344671253066420, 13793997310169335082, 1900383378846508768]

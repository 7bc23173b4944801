// MARK: - move_to: a collision-free joint motion, planned with RRT-Connect when the scenario loads

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario
#if canImport(Glibc)
import Glibc
#endif

extension MoveToTask {
    /// Plans the motion at load; the controller follows its timed trajectory.
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        let motion = try planMoveTo(self, at: c.location, scenario: c.scenario, model: c.model, world: c.world,
                                    robot: c.robot, initialQ: c.initialQ)
        return TaskSetup(reference: .planned(motion.trajectory), motion: motion)
    }
}

/// The outcome of planning a move_to task.
struct PlannedMotion {
    /// The timed trajectory the controller follows.
    let trajectory: PiecewiseLinearTrajectory
    /// Wall-clock planning time in s (reported, never part of the simulated state).
    let planningTime: Double
    /// The joint-space length of the smoothed path, rad or m.
    let pathLength: Double
    /// RRT-Connect iterations.
    let iterations: Int
}

/// Plans a move_to task with RRT-Connect in joint space, from the initial posture to the goal, around the
/// world's objects and the robot itself; deterministic for the scenario seed.
func planMoveTo(_ spec: MoveToTask, at location: SourceLocation, scenario: Scenario, model: RobotModel, world: World,
                robot: Robot, initialQ: [Double]) throws(RuntimeError) -> PlannedMotion {
    var goal = initialQ
    for v in spec.goal {
        guard let i = model.coordinateIndex(ofJoint: v.name) else {
            throw RuntimeError("\(v.location): the robot has no joint '\(v.name)'")
        }
        goal[i] = v.value
    }
    var options = CollisionCheckOptions()
    options.margin = spec.plannerMargin
    let zero = [Double](repeating: 0, count: robot.dof)
    let checker = RobotCollisionChecker(world: world, robot: robot, options: options, referenceQ: zero)
    for (name, q) in [("start (the initial posture)", initialQ), ("goal", goal)] where !checker.isCollisionFree(q: q) {
        throw RuntimeError("\(location): the \(name) is in collision (or closer than \(spec.plannerMargin) m to an obstacle)")
    }
    var planner = RRTConnectOptions()
    planner.seed = RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.planner)
    let lower = robot.positionLimits.map { $0.lowerBound.isFinite ? $0.lowerBound : -Double.pi }
    let upper = robot.positionLimits.map { $0.upperBound.isFinite ? $0.upperBound : Double.pi }
    let limits = JointLimits(velocity: robot.velocityLimits.map { $0.isFinite ? $0 : 2 },
                             acceleration: robot.velocityLimits.map { 2 * ($0.isFinite ? $0 : 2) })
    let start = monotonicNanoseconds()
    let result: PlanResult, trajectory: PiecewiseLinearTrajectory?
    do {
        let rrt = try RRTConnectPlanner(lower: lower, upper: upper, options: planner)
        (result, trajectory) = rrt.planTrajectory(start: initialQ, goal: goal, checker: checker, limits: limits)
    } catch {
        throw RuntimeError("\(location): \(error)", invalidInput: false)
    }
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    guard let trajectory else {
        throw RuntimeError("\(location): no collision-free path to the goal: \(result.failure ?? "planning failed")")
    }
    return PlannedMotion(trajectory: trajectory, planningTime: elapsed, pathLength: result.length,
                         iterations: result.iterations)
}

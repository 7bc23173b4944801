// MARK: - Planning tasks: a collision-free joint trajectory, planned when the scenario loads

import EmbodyModel
#if canImport(Glibc)
import Glibc
#endif
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario

extension RobotCollisionChecker: CollisionChecker {}

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
func planMoveTo(_ spec: TaskSpec, scenario: Scenario, model: RobotModel, world: World, robot: Robot,
                initialQ: [Double]) throws(RuntimeError) -> PlannedMotion {
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
        throw RuntimeError("\(spec.location): the \(name) is in collision (or closer than \(spec.plannerMargin) m to an obstacle)")
    }
    var planner = RRTConnectOptions()
    planner.seed = RandomStreams.seed(scenario: scenario.seed, consumer: "planner")
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
        throw RuntimeError("\(spec.location): \(error)", invalidInput: false)
    }
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    guard let trajectory else {
        throw RuntimeError("\(spec.location): no collision-free path to the goal: \(result.failure ?? "planning failed")")
    }
    return PlannedMotion(trajectory: trajectory, planningTime: elapsed, pathLength: result.length,
                         iterations: result.iterations)
}

// MARK: - Reaching an object seen by the depth camera

extension WorldRayCaster: RayCaster {}

/// What a reach_object task saw and aims for.
struct ReachPlan {
    /// The motion to the reach posture.
    let motion: PlannedMotion
    /// The end-effector link.
    let link: Int
    /// The object's centre estimated from the depth image, m.
    let estimatedCenter: Vector3
    /// The object's true centre, m (used only to score the run).
    let trueCenter: Vector3
    /// Where the end effector should end: above the object's true top by the task's height, m.
    let trueTarget: Vector3
}

/// Plans a reach_object task at load: one depth image from the scene camera (the robot is not in the
/// rays' way: they ignore it), the support plane and the objects on it, IK for a pose above the object
/// found nearest the camera's aim, and a quintic joint motion there.
func planReach(_ spec: TaskSpec, scenario: Scenario, world: World, robot: Robot, objects: [RigidBody],
               dynamics: RigidBodyDynamics?, initialQ: [Double]) throws(RuntimeError) -> ReachPlan {
    guard let linkName = spec.link, let link = robot.linkNames.firstIndex(of: linkName) else {
        throw RuntimeError("\(spec.location): task.link names no link of the robot")
    }
    guard let objectName = spec.object, let index = scenario.world.objects.firstIndex(where: { $0.name == objectName }) else {
        throw RuntimeError("\(spec.location): task.object names no object of the world")
    }
    let start = monotonicNanoseconds()
    let eye = Vector3(spec.cameraPosition[0], spec.cameraPosition[1], spec.cameraPosition[2])
    let aim = Vector3(spec.cameraTarget[0], spec.cameraTarget[1], spec.cameraTarget[2])
    let cameraPose = lookAt(eye: eye, target: aim)
    let intrinsics = CameraIntrinsics(width: spec.cameraWidth, height: spec.cameraHeight,
                                      horizontalFieldOfView: spec.cameraFieldOfView, near: 0.1, far: 5)
    let estimate: Vector3, height: Double
    do {
        let timing = try SensorTiming(periodTicks: 1)
        let camera = try DepthCamera(configuration: DepthCameraConfiguration(
            timing: timing, intrinsics: intrinsics, mount: cameraPose,
            seed: RandomStreams.seed(scenario: scenario.seed, consumer: "sensor.camera")))
        camera.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: world, ignoring: robot.id))
        var histogram: [Int] = []
        guard let plane = estimateSupportHeight(depth: camera.output.values, intrinsics: intrinsics, cameraPose: cameraPose,
                                                minHeight: 0.05, maxHeight: 2, histogram: &histogram) else {
            throw RuntimeError("\(spec.location): the camera sees no support surface", invalidInput: false)
        }
        var config = ObjectLocalizerConfiguration()
        config.supportHeight = plane
        config.minClusterPoints = 10
        let localizer = try ObjectLocalizer(intrinsics: intrinsics, configuration: config)
        let found = localizer.locate(depth: camera.output.values, cameraPose: cameraPose)
        guard found > 0 else { throw RuntimeError("\(spec.location): the camera sees no object on the support", invalidInput: false) }
        let best = localizer.clusters.prefix(found).min { length($0.center - aim) < length($1.center - aim) }!
        estimate = best.center
        height = best.size.z
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError("\(spec.location): \(error)", invalidInput: false)
    }
    // Pointing down, with the gripper's x axis radial from the base.
    let goal = estimate + Vector3(0, 0, height / 2 + spec.heightAbove)
    let yaw = atan2(goal.y, goal.x)
    let down = Quaternion(axis: Vector3(0, 0, 1), angle: yaw) * Quaternion(axis: Vector3(0, 1, 0), angle: .pi)
    var solution = initialQ
    do {
        let dyn = try dynamics ?? robot.makeDynamics()
        var options = IKOptions()
        options.posture = initialQ
        options.activeJoints = robot.model.movableJoints.map { !$0.name.contains("finger") }
        let solver = try IKSolver(dynamics: dyn, link: link, lower: robot.positionLimits.map(\.lowerBound),
                                  upper: robot.positionLimits.map(\.upperBound), basePose: robot.basePose, options: options)
        let result = solver.solve(target: Transform(position: goal, rotation: down), seed: initialQ, into: &solution)
        guard result.converged else {
            throw RuntimeError("\(spec.location): no joint solution reaches \(goal) pointing down", invalidInput: false)
        }
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError("\(spec.location): \(error)", invalidInput: false)
    }
    let velocity = robot.velocityLimits.map { $0.isFinite ? $0 : 2 }
    let trajectory: PiecewiseLinearTrajectory
    do {
        trajectory = try PiecewiseLinearTrajectory(waypoints: [initialQ, solution],
                                                   limits: JointLimits(velocity: velocity, acceleration: velocity.map { 2 * $0 }),
                                                   law: .quintic)
    } catch {
        throw RuntimeError("\(spec.location): \(error)", invalidInput: false)
    }
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    let truePose = objects[index].pose.position
    let trueHalfHeight: Double
    switch scenario.world.objects[index].shape {
    case .box(let s): trueHalfHeight = s[2] / 2
    case .sphere(let r): trueHalfHeight = r
    case .cylinder(_, let l): trueHalfHeight = l / 2
    case .capsule(let r, let l): trueHalfHeight = r + l / 2
    }
    let path = zip(initialQ, solution).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    return ReachPlan(motion: PlannedMotion(trajectory: trajectory, planningTime: elapsed, pathLength: path, iterations: 0),
                     link: link, estimatedCenter: estimate, trueCenter: truePose,
                     trueTarget: truePose + Vector3(0, 0, trueHalfHeight + spec.heightAbove))
}

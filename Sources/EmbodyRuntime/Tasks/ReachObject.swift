// MARK: - reach_object: find an object with a depth camera, and reach above it

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario
#if canImport(Glibc)
import Glibc
#endif

extension ReachObjectTask {
    /// Localizes the object and plans the reach at load; with `replan`, the replanner moves the reference during the run.
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        let plan = try planReach(self, at: c.location, scenario: c.scenario, world: c.world, robot: c.robot,
                                 objects: c.objects, dynamics: c.dynamics, initialQ: c.initialQ, timing: c.timing)
        let reference: TaskPlan.Kind = plan.replanner.map { .online($0, nil) } ?? .planned(plan.motion.trajectory)
        return TaskSetup(reference: reference, motion: plan.motion, reach: plan)
    }
}

extension WorldRayCaster: RayCaster {}

/// What a reach_object task saw and aims for.
struct ReachPlan {
    /// The motion to the reach posture.
    let motion: PlannedMotion
    /// The end-effector link.
    let link: Int
    /// The object's centre estimated from the depth image at load, m.
    let estimatedCenter: Vector3
    /// The object's true centre at load, m (used only to score the run).
    let trueCenter: Vector3
    /// The object's index in the world's objects.
    let objectIndex: Int
    /// The object's true half height, m, and the task's height above its top, m.
    let trueHalfHeight: Double, heightAbove: Double
    /// The planner that re-localizes the object and re-solves IK at every planning tick, when task.replan is on.
    let replanner: ReachReplanner?
    /// The camera the task localizes with: its own, or a copy of the declared sensor `task.camera` names.
    let camera: ReachCamera

    /// The point the end effector should reach for the object's true centre `center`, m.
    func target(objectCenter center: Vector3) -> Vector3 { center + Vector3(0, 0, trueHalfHeight + heightAbove) }
}

/// Plans a reach_object task at load: one depth image from the task's camera (its own fixed camera, whose rays
/// ignore the robot, or the declared depth_camera `task.camera` names), the support plane and the objects on
/// it, IK for a pose above the object found nearest the camera's aim, and a quintic joint motion there; with
/// task.replan, also the planner that repeats the image, localization and IK at every planning tick.
func planReach(_ spec: ReachObjectTask, at location: SourceLocation, scenario: Scenario, world: World, robot: Robot,
               objects: [RigidBody], dynamics: RigidBodyDynamics?, initialQ: [Double], timing: LoopTiming) throws(RuntimeError) -> ReachPlan {
    guard let link = robot.linkNames.firstIndex(of: spec.link) else {
        throw RuntimeError("\(location): task.link names no link of the robot")
    }
    guard let index = scenario.world.objects.firstIndex(where: { $0.name == spec.object }) else {
        throw RuntimeError("\(location): task.object names no object of the world")
    }
    let start = monotonicNanoseconds()
    let estimate: Vector3, height: Double
    let camera: ReachCamera, localizer: ObjectLocalizer
    do {
        camera = try ReachCamera(spec, at: location, scenario: scenario, world: world, robot: robot)
        let intrinsics = camera.camera.configuration.intrinsics
        let (depth, cameraPose) = camera.captureAtLoad()
        var histogram: [Int] = []
        guard let plane = estimateSupportHeight(depth: depth, intrinsics: intrinsics, cameraPose: cameraPose,
                                                minHeight: 0.05, maxHeight: 2, histogram: &histogram) else {
            throw RuntimeError("\(location): the camera\(camera.described) sees no support surface; aim task.camera at the table the object stands on")
        }
        var config = ObjectLocalizerConfiguration()
        config.supportHeight = plane
        config.minClusterPoints = 10
        localizer = try ObjectLocalizer(intrinsics: intrinsics, configuration: config)
        let found = localizer.locate(depth: depth, cameraPose: cameraPose)
        guard found > 0 else {
            throw RuntimeError("\(location): the camera\(camera.described) sees no object on the support; aim task.camera at the object")
        }
        // The task's own camera takes the cluster nearest its aim point; a declared camera the one nearest its
        // optical axis (the middle of the image).
        let axis = cameraPose.rotation.rotate(Vector3(0, 0, 1))
        func offAim(_ c: Vector3) -> Double {
            if let aim = camera.aim { return length(c - aim) }
            return length(cross(c - cameraPose.position, axis))
        }
        let best = localizer.clusters.prefix(found).min { offAim($0.center) < offAim($1.center) }!
        estimate = best.center
        height = best.size.z
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError("\(location): \(error)", invalidInput: false)
    }
    // Pointing down, with the gripper's x axis radial from the base.
    let pose = reachPose(center: estimate, height: height, above: spec.heightAbove)
    let goal = pose.position
    var solution = initialQ
    let solver: IKSolver
    do {
        // The replanner gets its own copy of the dynamics: it runs between control updates.
        let dyn = spec.replan ? try robot.makeDynamics() : try dynamics ?? robot.makeDynamics()
        var options = IKOptions()
        options.posture = initialQ
        options.activeJoints = robot.model.movableJoints.map { !$0.name.contains("finger") }
        solver = try IKSolver(dynamics: dyn, link: link, lower: robot.positionLimits.map(\.lowerBound),
                              upper: robot.positionLimits.map(\.upperBound), basePose: robot.basePose, options: options)
        let result = solver.solve(target: pose, seed: initialQ, into: &solution)
        guard result.converged else {
            throw RuntimeError("\(location): no joint solution reaches [\(mm(goal.x)), \(mm(goal.y)), \(mm(goal.z))] m pointing down (\(mm(spec.heightAbove)) m above the object seen); the target is out of the arm's reach, so lower task.above or move the object")
        }
    } catch let error as RuntimeError {
        throw error
    } catch {
        throw RuntimeError("\(location): \(error)", invalidInput: false)
    }
    let limits = defaultJointLimits(robot)
    let trajectory: PiecewiseLinearTrajectory
    var replanner: ReachReplanner? = nil
    do {
        trajectory = try PiecewiseLinearTrajectory(waypoints: [initialQ, solution], limits: limits, law: .quintic)
        if spec.replan {
            let online = try RetargetableTrajectory(initial: initialQ, limits: limits)
            online.retarget(to: solution, at: 0)
            replanner = ReachReplanner(trajectory: online, every: scenario.planningEvery, timing: timing, camera: camera,
                                       localizer: localizer, solver: solver, estimate: estimate, height: height,
                                       heightAbove: spec.heightAbove)
        }
    } catch {
        throw RuntimeError("\(location): \(error)", invalidInput: false)
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
                     objectIndex: index, trueHalfHeight: trueHalfHeight, heightAbove: spec.heightAbove,
                     replanner: replanner, camera: camera)
}

/// The gripper pose for reaching `above` m over an object's top: pointing down, its x axis radial from the base.
func reachPose(center: Vector3, height: Double, above: Double) -> Transform {
    let goal = center + Vector3(0, 0, height / 2 + above)
    let yaw = atan2(goal.y, goal.x)
    let down = Quaternion(axis: Vector3(0, 0, 1), angle: yaw) * Quaternion(axis: Vector3(0, 1, 0), angle: .pi)
    return Transform(position: goal, rotation: down)
}

/// reach_object with task.replan: at every planning tick after the first, a new depth image (taken the camera's
/// latency earlier), the object re-localized (the cluster nearest the last estimate), IK re-solved from the current
/// goal for the pose above it, and the reference retargeted from its current state when the solution changed.
final class ReachReplanner: OnlinePlanner {
    let trajectory: RetargetableTrajectory
    private(set) var statistics = ReplanStatistics()
    /// The latest estimate of the object's centre, m.
    private(set) var estimatedCenter: Vector3
    /// The tick at which the frame of the latest run was taken (−1 before the first run).
    private(set) var lastFrameTick = -1
    private var height: Double
    private let heightAbove: Double
    private let every: Int
    private let timing: LoopTiming
    let camera: ReachCamera
    private let localizer: ObjectLocalizer
    private let solver: IKSolver
    private var solution: [Double]

    init(trajectory: RetargetableTrajectory, every: Int, timing: LoopTiming, camera: ReachCamera, localizer: ObjectLocalizer,
         solver: IKSolver, estimate: Vector3, height: Double, heightAbove: Double) {
        self.trajectory = trajectory
        self.every = max(1, every)
        self.timing = timing
        self.camera = camera
        self.localizer = localizer
        self.solver = solver
        estimatedCenter = estimate
        self.height = height
        self.heightAbove = heightAbove
        solution = [Double](repeating: 0, count: trajectory.dof)   // its own buffer, written by every solve
    }

    func update(tick: Int, estimate: RobotState) {
        let planning = tick > 0 && tick % every == 0
        let start = planning ? monotonicNanoseconds() : 0
        if tick > 0 { camera.sampleIfDue(tick: tick) }
        // Before the first frame can have arrived (latency longer than the tick), the plan made at load stands.
        guard planning, let slot = camera.slot(forPlanningTick: tick) else { return }
        lastFrameTick = tick - camera.latency
        let found = localizer.locate(depth: camera.frames[slot], cameraPose: camera.poses[slot])
        var updated = false
        if found > 0 {
            var best = 0, bestDistance = Double.infinity
            for i in 0..<found {
                let d = length(localizer.clusters[i].center - estimatedCenter)
                if d < bestDistance { best = i; bestDistance = d }
            }
            let cluster = localizer.clusters[best]
            estimatedCenter = cluster.center
            height = cluster.size.z
            let result = solver.solve(target: reachPose(center: estimatedCenter, height: height, above: heightAbove),
                                      seed: trajectory.goal, into: &solution)
            updated = result.converged && trajectory.retarget(to: solution, at: timing.seconds(atTick: tick))
        }
        statistics.record(since: start, updated: updated)
    }
}

/// The depth camera a reach_object task localizes with. Either the task's own fixed camera (`task.camera`'s
/// position, target, width, height, fov; its rays ignore the robot) or, with `task.camera: <name>`, a copy of
/// that declared depth_camera: its intrinsics, range, mount (on its link or in the world), noise model and
/// `ignore_robot`, with a noise stream of its own seeded from the scenario seed and the sensor's name
/// (`task.camera.<name>`), so the sensor's recorded frames do not change. The copy renders on the planning
/// schedule, each frame exactly the sensor's latency (ticks) before the planning tick that uses it; the
/// sensor's rate does not apply. Frames and poses in flight are kept in buffers allocated at load.
final class ReachCamera {
    /// The camera (period 1 tick, no latency of its own: it renders when asked).
    let camera: DepthCamera
    let caster: WorldRayCaster
    /// The robot link the camera is mounted on; nil for a camera fixed in the world.
    let link: Int?
    /// Ticks from taking a frame to planning with it: the declared sensor's latency, 0 for the task's own camera.
    let latency: Int
    /// The task's own camera's aim point (m, world), which picks the object at load; nil for a declared camera.
    let aim: Vector3?
    /// The declared sensor's name; nil for the task's own camera.
    let sensorName: String?
    /// The frame (z-depths in m, +∞ invalid) for each planning tick in flight, by slot.
    private(set) var frames: [[Float]]
    /// The optical frame's world pose when each frame was taken, m and unit quaternion.
    private(set) var poses: [Transform]
    /// The tick each frame was taken at (Int.min: none).
    private var stamps: [Int]
    private let robot: Robot
    private let every: Int
    private var linkPoses: [Double]

    init(_ spec: ReachObjectTask, at location: SourceLocation, scenario: Scenario, world: World, robot: Robot) throws(RuntimeError) {
        self.robot = robot
        every = max(1, scenario.planningEvery)
        let configuration: DepthCameraConfiguration
        let ignoresRobot: Bool
        do {
            let timing = try SensorTiming(periodTicks: 1)
            if let name = spec.cameraSensor {
                let at = spec.cameraSensorLocation ?? location
                guard let s = scenario.sensors.first(where: { $0.name == name }) else {
                    throw RuntimeError("\(at): task.camera: no sensor is named '\(name)'")
                }
                guard case .depthCamera(let p) = s.kind else {
                    throw RuntimeError("\(at): task.camera: the sensor '\(name)' is a \(s.type) sensor, not a depth_camera")
                }
                configuration = depthCameraConfiguration(p, timing: timing,
                                                         seed: RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.taskCameraCopy(of: name)))
                if let linkName = p.link {
                    guard let index = robot.linkNames.firstIndex(of: linkName) else {
                        throw RuntimeError("\(p.linkLocation): the robot has no link '\(linkName)'")
                    }
                    link = index
                } else {
                    link = nil
                }
                latency = s.latency
                aim = nil
                sensorName = name
                ignoresRobot = p.ignoreRobot
            } else {
                let eye = Vector3(spec.cameraPosition[0], spec.cameraPosition[1], spec.cameraPosition[2])
                let target = Vector3(spec.cameraTarget[0], spec.cameraTarget[1], spec.cameraTarget[2])
                let intrinsics = CameraIntrinsics(width: spec.cameraWidth, height: spec.cameraHeight,
                                                  horizontalFieldOfView: spec.cameraFieldOfView, near: 0.1, far: 5)
                configuration = DepthCameraConfiguration(timing: timing, intrinsics: intrinsics, mount: lookAt(eye: eye, target: target),
                                                         seed: RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.taskCamera))
                link = nil
                latency = 0
                aim = target
                sensorName = nil
                ignoresRobot = true
            }
            camera = try DepthCamera(configuration: configuration)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("\(spec.cameraSensorLocation ?? location): \(error)", invalidInput: false)
        }
        let pixels = configuration.intrinsics.pixelCount
        caster = WorldRayCaster(world: world, ignoring: ignoresRobot ? robot.id : nil, capacity: pixels)
        // A frame is taken `latency` ticks before its planning tick; the next frame into the same slot is taken
        // after that tick, so latency / every + 1 slots suffice.
        let slots = latency / every + 1
        frames = (0..<slots).map { _ in [Float](repeating: .infinity, count: pixels) }   // distinct buffers: no copy on write
        poses = Array(repeating: .identity, count: slots)
        stamps = Array(repeating: Int.min, count: slots)
        linkPoses = [Double](repeating: 0, count: 7 * robot.linkCount)
    }

    /// " ('name')" for a declared camera, for messages.
    var described: String { sensorName.map { " ('\($0)')" } ?? "" }

    /// Takes the frame at load (tick 0, the robot in its initial posture) and returns it with the optical frame's
    /// world pose; it is also the frame of the first planning tick whose frame falls at tick 0.
    func captureAtLoad() -> (depth: [Float], pose: Transform) {
        let pose = render(tick: 0)
        // Stored either way, so that the copy's one-time costs fall at load; stamped only when a planning tick uses it.
        let onSchedule = latency % every == 0
        store(slot: onSchedule ? (latency / every) % frames.count : 0, tick: onSchedule ? 0 : Int.min, pose: pose)
        return (camera.output.values, pose)
    }

    /// Takes a frame at `tick` (> 0) when a planning tick is due `latency` ticks later; allocates nothing.
    func sampleIfDue(tick: Int) {
        guard (tick + latency) % every == 0 else { return }
        let pose = render(tick: tick)
        store(slot: ((tick + latency) / every) % frames.count, tick: tick, pose: pose)
    }

    /// The slot holding the frame for planning tick `tick` (taken at tick − latency), or nil when none was taken.
    func slot(forPlanningTick tick: Int) -> Int? {
        let slot = (tick / every) % frames.count
        return tick >= latency && stamps[slot] == tick - latency ? slot : nil
    }

    /// Renders a frame with the world as it is now and returns the optical frame's world pose.
    private func render(tick: Int) -> Transform {
        var linkPose = Transform.identity
        if let link {
            robot.getLinkPoses(&linkPoses)
            linkPose = mountPose(link, linkPoses)
        }
        camera.update(tick: tick, linkPose: linkPose, caster: caster)
        return camera.cameraPose(linkPose: linkPose)
    }

    private func store(slot: Int, tick: Int, pose: Transform) {
        let image = camera.output.values
        frames[slot].withUnsafeMutableBufferPointer { out in
            for i in 0..<out.count { out[i] = image[i] }
        }
        poses[slot] = pose
        stamps[slot] = tick
    }
}

/// A length in m rounded to the millimetre, for messages.
private func mm(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }

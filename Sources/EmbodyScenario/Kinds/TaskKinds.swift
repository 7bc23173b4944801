// MARK: - Task kinds
//
// `task.type` picks a case of `TaskKind`; the case carries that task's own keys. The runtime builds each
// kind in its own file under Sources/EmbodyRuntime/Tasks/.

import EmbodyModel

/// What the robot is asked to do, with the task's own parameters.
public enum TaskKind: Equatable, Sendable {
    /// Hold a posture: `q` by joint name, the initial q elsewhere.
    case hold(HoldTask)
    /// Targets that jump at waypoint times.
    case jointWaypoints(WaypointsTask)
    /// A C²-continuous cubic spline through the waypoints.
    case jointTrajectory(WaypointsTask)
    /// q*(t) = q₀ + A (1 − cos 2πft).
    case jointSine(SineTask)
    /// End-effector poses held in turn.
    case eeTargets(EndEffectorTargetsTask)
    /// A collision-free joint motion to a goal, planned with RRT-Connect at load.
    case moveTo(MoveToTask)
    /// Find an object with a depth camera and reach above it.
    case reachObject(ReachObjectTask)
    /// A biped walks by timed velocity commands (footsteps, ZMP preview, swing feet).
    case walk(WalkTask)
    /// A biped stands balanced, and steps to its capture point when pushed too hard.
    case stand(StandTask)

    /// The task types `task.type` accepts, as written.
    public enum Name: String, CaseIterable, Sendable {
        case hold
        case jointWaypoints = "joint_waypoints"
        case jointTrajectory = "joint_trajectory"
        case jointSine = "joint_sine"
        case eeTargets = "ee_targets"
        case moveTo = "move_to"
        case reachObject = "reach_object"
        case walk
        case stand
    }

    /// This kind's name.
    public var name: Name {
        switch self {
        case .hold: .hold
        case .jointWaypoints: .jointWaypoints
        case .jointTrajectory: .jointTrajectory
        case .jointSine: .jointSine
        case .eeTargets: .eeTargets
        case .moveTo: .moveTo
        case .reachObject: .reachObject
        case .walk: .walk
        case .stand: .stand
        }
    }

    /// The kind named `name` with every default parameter.
    public init(defaultsFor name: Name) {
        switch name {
        case .hold: self = .hold(HoldTask())
        case .jointWaypoints: self = .jointWaypoints(WaypointsTask())
        case .jointTrajectory: self = .jointTrajectory(WaypointsTask())
        case .jointSine: self = .jointSine(SineTask())
        case .eeTargets: self = .eeTargets(EndEffectorTargetsTask())
        case .moveTo: self = .moveTo(MoveToTask())
        case .reachObject: self = .reachObject(ReachObjectTask())
        case .walk: self = .walk(WalkTask())
        case .stand: self = .stand(StandTask())
        }
    }
}

/// Metric names several task kinds share.
enum TaskMetrics {
    /// From a posture step (hold): rise time, overshoot, settling time, steady-state error.
    static let step = ["rise_time", "overshoot", "settling_time", "steady_state_error"]
    /// From an end-effector tracker.
    static let endEffector = ["ee_position_error", "ee_orientation_error", "ee_position_error_max",
                              "ee_orientation_error_max", "ee_reach_time_max", "ee_targets_reached"]
    /// From a planner that runs at planning ticks.
    static let replanning = ["planning_time", "replans", "replan_updates", "replan_time_total", "replan_time_max"]
    /// From a motion planned at load.
    static let plannedMotion = ["planning_time", "path_length", "planner_iterations", "collisions"]
    /// From a biped balancing on its feet (walk, stand): contacts, centre of pressure and CoM (docs/metrics.md).
    static let balance = ["foot_slip_max", "zmp_margin_min", "com_tracking_rms", "steps_taken"]
    /// From a biped walking: progress along the commanded path and its cost.
    static let walking = ["walk_distance", "walk_speed", "cost_of_transport", "walk_final_offset"]
}

extension TaskKind {
    /// The metrics a run of this task produces, given its parameters (an IK solver or replanning adds the
    /// planner's; a hold whose targets equal the initial posture has no step to measure, which the model check
    /// reports).
    public var metrics: [String] {
        switch self {
        case .hold: TaskMetrics.step
        case .jointWaypoints, .jointTrajectory, .jointSine: []
        case .eeTargets(let p): TaskMetrics.endEffector + (p.solver == .ik ? TaskMetrics.replanning : [])
        case .moveTo: TaskMetrics.plannedMotion
        case .reachObject(let p):
            TaskMetrics.plannedMotion + ["reach_error", "object_position_error"]
                + (p.replan ? TaskMetrics.replanning.filter { $0 != "planning_time" } : [])
        case .walk: TaskMetrics.walking + TaskMetrics.balance
        case .stand: TaskMetrics.balance
        }
    }
}

extension TaskKind.Name {
    /// The documentation of this task type: what it asks, its keys, the metrics it can produce.
    public var description: KindDescription {
        switch self {
        case .hold:
            KindDescription(name: rawValue, summary: "Every joint holds a fixed target: its value in `q`, or its initial q when not named",
                            keys: HoldTask.keyDescriptions, metrics: TaskMetrics.step)
        case .jointWaypoints:
            KindDescription(name: rawValue, summary: "The targets start at the initial q; at each waypoint's time the joints it names jump to its values",
                            keys: WaypointsTask.keyDescriptions, metrics: [])
        case .jointTrajectory:
            KindDescription(name: rawValue, summary: "A C²-continuous cubic spline per joint through the initial q and each waypoint, with q̇* and q̈*",
                            keys: WaypointsTask.keyDescriptions, metrics: [])
        case .jointSine:
            KindDescription(name: rawValue, summary: "q*(t) = q₀ + A (1 − cos 2πft) for each joint named in `amplitude`",
                            keys: SineTask.keyDescriptions, metrics: [])
        case .eeTargets:
            KindDescription(name: rawValue, summary: "End-effector poses held in turn, each for its `hold` time, by OSC or by IK and a joint trajectory",
                            keys: EndEffectorTargetsTask.keyDescriptions,
                            metrics: TaskMetrics.endEffector + TaskMetrics.replanning)
        case .moveTo:
            KindDescription(name: rawValue, summary: "A collision-free joint motion to `goal`, planned with RRT-Connect at load",
                            keys: MoveToTask.keyDescriptions, metrics: TaskMetrics.plannedMotion)
        case .reachObject:
            KindDescription(name: rawValue, summary: "Localize `object` in a depth image, solve IK for a pose above it and move there",
                            keys: ReachObjectTask.keyDescriptions,
                            metrics: TaskMetrics.plannedMotion + ["reach_error", "object_position_error"]
                                + TaskMetrics.replanning.filter { $0 != "planning_time" })
        case .walk:
            KindDescription(name: rawValue, summary: "A biped walks by timed velocity commands: footsteps planned from them, the CoM from ZMP preview control, swing feet with clearance; for controller type whole_body, or pd_gravity through inverse kinematics",
                            keys: WalkTask.keyDescriptions, metrics: TaskMetrics.walking + TaskMetrics.balance)
        case .stand:
            KindDescription(name: rawValue, summary: "A biped stands with its CoM over its feet; with `stepping`, a step to the capture point when it leaves the support polygon",
                            keys: StandTask.keyDescriptions, metrics: TaskMetrics.balance)
        }
    }

    /// The key tree of this task type's own keys.
    var shape: MapShape {
        switch self {
        case .hold: HoldTask.mapShape
        case .jointWaypoints, .jointTrajectory: WaypointsTask.mapShape
        case .jointSine: SineTask.mapShape
        case .eeTargets: EndEffectorTargetsTask.mapShape
        case .moveTo: MoveToTask.mapShape
        case .reachObject: ReachObjectTask.mapShape
        case .walk: WalkTask.mapShape
        case .stand: StandTask.mapShape
        }
    }
}

private let nowhere = SourceLocation(file: "", line: 0)

extension KindKey {
    /// A mapping from joint names to numbers in rad or m.
    static func jointValues(_ key: String, _ path: WritableKeyPath<Owner, [NamedValue]>, required: Bool,
                            example: String, defaultValue: String = "", _ meaning: String) -> KindKey {
        .custom(key, type: "mapping joint → number", unit: "rad or m", defaultValue: defaultValue, required: required,
                example: example, shape: .map(Keys.jointValues), meaning) { r, f, p in
            p[keyPath: path] = r.namedValues(f, unit: "rad or m") ?? []
        }
    }
}

// MARK: - Parameters of each kind

/// `hold`: the posture to hold.
public struct HoldTask: Equatable, Sendable, KindParameters {
    /// Targets by joint name in rad or m; joints not named hold their initial q.
    public var q: [NamedValue] = []

    /// Hold the initial posture.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.jointValues("q", \.q, required: false, example: "q: { joint_1: 0.5 }", defaultValue: "{}", "Hold targets; unnamed joints hold their initial q.")]
    }
}

/// `joint_waypoints` and `joint_trajectory`: targets in time.
public struct WaypointsTask: Equatable, Sendable, KindParameters {
    /// Targets at strictly increasing times (s), each before the scenario's end; the first may be at 0.
    public var waypoints: [Waypoint] = []

    /// No waypoints yet.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.custom("waypoints", type: "list of `{ at, q }`", unit: "s; rad or m", required: true,
                 example: "waypoints: [{ at: 0, q: { joint_1: 0.5 } }]", shape: .list(.map(Keys.waypoint)),
                 "Targets in time: at `at` the joints named in `q` take their new values.") { r, f, p in
            p.waypoints = r.readWaypoints(f, duration: r.scenarioDuration)
        }]
    }
}

/// `joint_sine`: amplitudes and a frequency.
public struct SineTask: Equatable, Sendable, KindParameters {
    /// Amplitudes by joint name in rad or m, about each joint's initial q.
    public var amplitude: [NamedValue] = []
    /// The frequency in Hz.
    public var frequency = 1.0

    /// No amplitudes yet, 1 Hz.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.jointValues("amplitude", \.amplitude, required: true, example: "amplitude: { joint_1: 0.5 }", "Sinusoid amplitudes A."),
         .custom("frequency", type: "number > 0", unit: "Hz", required: true, example: "frequency: 1.0", "Sinusoid frequency f.") { r, f, p in
             if let v = r.number(f, unit: "Hz", .positive) { p.frequency = v }
         }]
    }
}

/// `ee_targets`: the link, its target poses, when a target counts as reached, and how they are followed.
public struct EndEffectorTargetsTask: Equatable, Sendable, KindParameters {
    /// How the targets are followed.
    public enum Solver: String, Equatable, Sendable, CaseIterable {
        /// The targets go to an `osc` controller as Cartesian targets.
        case osc
        /// IK turns each target into a joint goal, and a quintic joint trajectory goes there.
        case ik
    }

    /// The end-effector link whose pose is controlled.
    public var link = ""
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// The poses to reach, each held for its `hold` time, in order.
    public var targets: [EndEffectorTarget] = []
    /// A target counts as reached within this distance, m.
    public var positionTolerance = 0.005
    /// And within this angle, rad (2°).
    public var orientationTolerance = 2 * Double.pi / 180
    /// How the targets are followed.
    public var solver = Solver.osc
    /// Where `solver` is written, when it is.
    public var solverLocation: SourceLocation?
    /// With solver ik: re-solve IK at every planning tick.
    public var replan = false
    /// Where `replan` is written, when it is.
    public var replanLocation: SourceLocation?

    /// No targets yet, solver osc.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.custom("link", type: "string", required: true, example: "link: ee_link", "The end-effector link.") { r, f, p in
            if let v = r.string(f) { p.link = v; p.linkLocation = f.location }
         },
         .custom("targets", type: "list of `{ position, rpy, hold }`", unit: "m; rad; s", required: true,
                 example: "targets: [{ position: [0.5, 0, 0.5], hold: 1.5 }]", shape: .list(.map(Keys.eeTarget)),
                 "Poses to reach in turn; `rpy` optional (position only).") { r, f, p in
             p.targets = r.readTargets(f)
         },
         .custom("tolerance", type: "`{ position, orientation }`", unit: "m; rad", defaultValue: "{ position: 0.005, orientation: 0.0349 }",
                 shape: .map(Keys.tolerance), "When a target counts as reached.") { r, f, p in
             guard let t = r.map(f, shape: Keys.tolerance, example: "{ position: 0.005, orientation: 0.035 }") else { return }
             if let v = r.number(t.field("position"), unit: "m", .positive) { p.positionTolerance = v }
             if let v = r.number(t.field("orientation"), unit: "rad", .positive) { p.orientationTolerance = v }
         },
         .custom("solver", type: "`osc` or `ik`", defaultValue: "osc",
                 "`osc`: Cartesian targets for controller type `osc`; `ik`: IK and a joint trajectory for a joint-space controller.") { r, f, p in
             p.solverLocation = f.keyLocation
             if let v = r.choice(f, among: Solver.allCases.map(\.rawValue), what: "ee_targets solver").flatMap(Solver.init(rawValue:)) {
                 p.solver = v
             } else {
                 p.solverLocation = nil   // reported already; the replan check below would only echo it
             }
         },
         .custom("replan", type: "boolean", defaultValue: "false", "With `solver: ik`, re-solve IK at every planning tick (`rates.planning`).") { r, f, p in
             if let v = r.bool(f) { p.replan = v; p.replanLocation = f.keyLocation }
         }]
    }
}

/// `move_to`: the goal and the planner's clearance.
public struct MoveToTask: Equatable, Sendable, KindParameters {
    /// The goal configuration by joint name (rad or m); unnamed joints keep their initial q.
    public var goal: [NamedValue] = []
    /// The clearance in m a planned configuration keeps from obstacles.
    public var plannerMargin = 0.02

    /// No goal yet, a 2 cm margin.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.jointValues("goal", \.goal, required: true, example: "goal: { joint_1: 0.5 }", "The goal configuration (unnamed joints keep their initial q)."),
         .custom("planner", type: "`{ margin }`", unit: "m", defaultValue: "{ margin: 0.02 }", shape: .map(Keys.planner),
                 "The clearance planned configurations keep from obstacles.") { r, f, p in
             guard let view = r.map(f, shape: Keys.planner, example: "{ margin: 0.02 }") else { return }
             if let m = r.number(view.field("margin"), unit: "m", .nonNegative) { p.plannerMargin = m }
         }]
    }
}

/// `reach_object`: the link, the object, the camera that finds it and the height above it.
public struct ReachObjectTask: Equatable, Sendable, KindParameters {
    /// The end-effector link.
    public var link = ""
    /// Where `link` is written.
    public var linkLocation = nowhere
    /// The object to reach (its true pose only scores the run).
    public var object = ""
    /// The task's own camera's eye position in m, world frame.
    public var cameraPosition: [Double] = [0.2, -0.6, 1.3]
    /// The point in m the task's own camera looks at, world frame.
    public var cameraTarget: [Double] = [0.55, 0, 0.4]
    /// The task's own camera's image size in pixels.
    public var cameraWidth = 160, cameraHeight = 120
    /// The task's own camera's horizontal field of view in rad.
    public var cameraFieldOfView = 1.0
    /// The declared depth_camera sensor to localize with (`task.camera: <name>`), or nil for the task's own camera.
    public var cameraSensor: String?
    /// Where `task.camera` names the sensor.
    public var cameraSensorLocation: SourceLocation?
    /// How far above the object's top the end effector goes, m.
    public var heightAbove = 0.05
    /// Re-localize and re-solve at every planning tick.
    public var replan = false

    /// The task's own camera, 5 cm above, no link or object yet.
    public init() {}

    static var keys: [KindKey<Self>] {
        [.custom("link", type: "string", required: true, example: "link: ee_link", "The end-effector link.") { r, f, p in
            if let v = r.string(f) { p.link = v; p.linkLocation = f.location }
         },
         .custom("object", type: "string", required: true, example: "object: cube", "The object to reach; its true pose only scores the run.") { r, f, p in
             if let v = r.string(f) { p.object = v }
         },
         .custom("camera", type: "`{ position, target, width, height, fov }`, or a sensor's name", unit: "m, m, px, px, rad",
                 defaultValue: "{ position: [0.2, -0.6, 1.3], target: [0.55, 0, 0.4], width: 160, height: 120, fov: 1.0 }",
                 shape: .map(Keys.camera),
                 "The task's own fixed depth camera; or the `name` of a declared `depth_camera` (also `{ sensor: name }`), whose image, mount, noise and latency the task then uses.") { r, f, p in
             r.readTaskCamera(f, into: &p)
         },
         .custom("above", type: "number ≥ 0", unit: "m", defaultValue: "0.05", "How far above the object's top to reach.") { r, f, p in
             if let v = r.number(f, unit: "m", .nonNegative) { p.heightAbove = v }
         },
         .custom("replan", type: "boolean", defaultValue: "false", "Re-localize the object and re-solve IK at every planning tick.") { r, f, p in
             if let v = r.bool(f) { p.replan = v }
         }]
    }
}

// MARK: - The scenario schema as Swift values
//
// A Scenario is what a scenario file says, checked and with every default filled in. The values
// here carry no behaviour beyond small helpers; loading and checking live in Loader.swift and the
// section readers. Units are SI throughout: m, kg, s, rad, N, N·m, Hz.

import EmbodyModel

// MARK: - Small values

/// A number given for a named joint (such as a joint angle in rad or m), with where it was written.
public struct NamedValue: Equatable, Sendable {
    /// The joint name as written.
    public var name: String
    /// The value, in the unit of the field it belongs to (rad or m for joint positions).
    public var value: Double
    /// Where the name was written.
    public var location: SourceLocation

    /// Creates a named value; `value` is in the unit of the field it belongs to.
    public init(name: String, value: Double, location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.name = name; self.value = value; self.location = location
    }
}

// MARK: - Physics

/// How the physics engine steps: time step, substeps, gravity and solver settings.
public struct PhysicsSpec: Equatable, Sendable {
    /// The physics time step in s (default 0.001); 1/dt must be a whole number of Hz.
    public var dt: Double
    /// Internal substeps per physics step (default 1).
    public var substeps: Int
    /// Gravity in m/s², world frame (default [0, 0, -9.81]).
    public var gravity: [Double]
    /// Constraint-solver iterations per step (default 50).
    public var solverIterations: Int
    /// The integrator name, one of `ScenarioSchema.integrators` (default "euler").
    public var integrator: String
    /// The solver's early exit on a sweep's least-squares residual (default 1e-7, PyBullet's); ≥ 0.
    public var solverResidual: Double = 1e-7
    /// The friction model, one of `ScenarioSchema.frictionModels` (default "cone").
    public var frictionModel: String = "cone"
    /// Warm starting of multibody contact rows, a factor in [0, 1] (default 0: off).
    public var warmStart: Double = 0
    /// The constraint solver, one of `ScenarioSchema.solvers` (default "bullet").
    public var solver: String = "bullet"
    /// The physics rate in Hz, 1/dt as an exact integer.
    public var physicsRate: Int

    /// Creates physics settings; `dt` in s, `gravity` in m/s²; `physicsRate` defaults to round(1/dt) Hz.
    public init(dt: Double = 0.001, substeps: Int = 1, gravity: [Double] = [0, 0, -9.81],
                solverIterations: Int = 50, integrator: String = "euler", physicsRate: Int? = nil) {
        self.dt = dt; self.substeps = substeps; self.gravity = gravity
        self.solverIterations = solverIterations; self.integrator = integrator
        self.physicsRate = physicsRate ?? PhysicsSpec.rate(forTimeStep: dt) ?? 0
    }

    /// The whole number of Hz equal to 1/dt (relative tolerance 1e-9), or nil when 1/dt is not one; `dt` in s.
    public static func rate(forTimeStep dt: Double) -> Int? {
        guard dt.isFinite, dt > 0 else { return nil }
        let exact = 1 / dt
        guard exact.isFinite, exact >= 1, exact < Double(Int32.max) else { return nil }
        let rounded = exact.rounded()
        guard abs(exact - rounded) <= 1e-9 * exact else { return nil }
        return Int(rounded)
    }
}

// MARK: - Robot

/// Where the robot's root link is placed and whether it is fixed to the world.
public struct BaseSpec: Equatable, Sendable {
    /// The root link position in m, world frame (default [0, 0, 0]).
    public var position: [Double]
    /// The root link orientation as roll, pitch, yaw in rad (default [0, 0, 0]).
    public var rpy: [Double]
    /// Whether the root is welded to the world; nil leaves it to the URDF and the runtime.
    public var fixed: Bool?
    /// Whether `position: [x, y, auto]` asked for the height that puts the lowest collision point at the initial
    /// q on the ground plus `BaseSpec.autoClearance`; the loader then writes that height into `position[2]`.
    public var autoHeight: Bool = false
    /// The gap in m between the ground and the lowest collision point that `auto` leaves (1 mm).
    public static let autoClearance = 0.001

    /// Creates a base placement; `position` in m, `rpy` in rad.
    public init(position: [Double] = [0, 0, 0], rpy: [Double] = [0, 0, 0], fixed: Bool? = nil) {
        self.position = position; self.rpy = rpy; self.fixed = fixed
    }
}

/// The robot: its URDF, placement, initial joint positions and joint groups.
public struct RobotSpec: Equatable, Sendable {
    /// The URDF path exactly as written in the scenario.
    public var urdf: String
    /// The URDF path resolved to an absolute, standardized path.
    public var urdfPath: String
    /// Where the root link is placed.
    public var base: BaseSpec
    /// Initial joint positions by joint name, in rad or m; joints not named start at 0.
    public var initialQ: [NamedValue]
    /// Whether links of the robot collide with each other (default false).
    public var selfCollision: Bool
    /// Joint groups by name: the explicit `groups:` key merged over the built-in inferred groups.
    public var groups: [String: [String]]
    /// `robot.package_paths`, made absolute against the scenario's folder: searched first for `package://` meshes.
    public var packagePaths: [String] = []

    /// Creates a robot description; `initialQ` in rad or m.
    public init(urdf: String, urdfPath: String, base: BaseSpec = BaseSpec(), initialQ: [NamedValue] = [],
                selfCollision: Bool = false, groups: [String: [String]] = [:]) {
        self.urdf = urdf; self.urdfPath = urdfPath; self.base = base; self.initialQ = initialQ
        self.selfCollision = selfCollision; self.groups = groups
    }

    /// The initial q in the order of `jointNames` (rad or m): named joints take their value, others 0.
    public func initialPositions(jointNames: [String]) -> [Double] {
        var byName: [String: Double] = [:]
        for entry in initialQ { byName[entry.name] = entry.value }
        return jointNames.map { byName[$0] ?? 0 }
    }
}

// MARK: - World

/// A primitive shape for a world object; dimensions in m.
public enum ShapeSpec: Equatable, Sendable {
    /// A box with full side lengths (x, y, z) in m.
    case box(size: [Double])
    /// A sphere with its radius in m.
    case sphere(radius: Double)
    /// A cylinder along local z: radius and full length in m.
    case cylinder(radius: Double, length: Double)
    /// A capsule along local z: radius and the length of the cylindrical part (caps excluded) in m.
    case capsule(radius: Double, length: Double)
}

/// A rigid object in the world besides the robot.
public struct ObjectSpec: Equatable, Sendable {
    /// The unique object name.
    public var name: String
    /// The collision shape.
    public var shape: ShapeSpec
    /// The mass in kg; 0 makes the object static.
    public var mass: Double
    /// The position of the shape's centre in m, world frame (default [0, 0, 0]).
    public var position: [Double]
    /// The orientation as roll, pitch, yaw in rad (default [0, 0, 0]).
    public var rpy: [Double]
    /// The Coulomb friction coefficient, dimensionless (default 0.8).
    public var friction: Double
    /// The restitution coefficient in [0, 1], dimensionless (default 0).
    public var restitution: Double
    /// Half-ranges in m of a uniform random offset of x and y, drawn from the scenario seed (default none).
    public var randomXY: [Double] = [0, 0]
    /// Where the object is declared.
    public var location: SourceLocation

    /// Creates a world object; `mass` in kg, `position` in m, `rpy` in rad.
    public init(name: String, shape: ShapeSpec, mass: Double, position: [Double] = [0, 0, 0],
                rpy: [Double] = [0, 0, 0], friction: Double = 0.8, restitution: Double = 0,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.name = name; self.shape = shape; self.mass = mass; self.position = position
        self.rpy = rpy; self.friction = friction; self.restitution = restitution; self.location = location
    }
}

/// The world around the robot: the ground plane and extra objects.
public struct WorldSpec: Equatable, Sendable {
    /// Whether there is a ground plane at z = 0 (default true).
    public var ground: Bool
    /// The ground's Coulomb friction coefficient, dimensionless (default 1.0).
    public var groundFriction: Double
    /// Extra rigid objects, in file order.
    public var objects: [ObjectSpec]

    /// Creates a world description; `groundFriction` is dimensionless.
    public init(ground: Bool = true, groundFriction: Double = 1.0, objects: [ObjectSpec] = []) {
        self.ground = ground; self.groundFriction = groundFriction; self.objects = objects
    }
}

// MARK: - Rates

/// The loop rates in Hz; each divides the physics rate exactly.
public struct RatesSpec: Equatable, Sendable {
    /// The control rate in Hz (default: the physics rate).
    public var control: Int
    /// The perception rate in Hz (default: the physics rate).
    public var perception: Int
    /// The planning rate in Hz (default 10, or the physics rate when 10 does not divide it).
    public var planning: Int

    /// Creates rates in Hz.
    public init(control: Int, perception: Int, planning: Int) {
        self.control = control; self.perception = perception; self.planning = planning
    }

    /// The default rates for a physics rate in Hz: control and perception at the physics rate, planning at 10 Hz when 10 divides it.
    public static func defaults(physicsRate: Int) -> RatesSpec {
        let planning = physicsRate > 0 && physicsRate % 10 == 0 ? 10 : physicsRate
        return RatesSpec(control: physicsRate, perception: physicsRate, planning: planning)
    }
}

// MARK: - Controller

/// One entry of `controller.gains`: values for all joints, a group or one joint.
public struct GainEntry: Equatable, Sendable {
    /// nil for all joints; otherwise a group name or a joint name.
    public var selector: String?
    /// The proportional gain in N·m/rad (N/m for prismatic joints), when given.
    public var kp: Double?
    /// The derivative gain in N·m·s/rad (N·s/m for prismatic joints), when given.
    public var kd: Double?
    /// The integral gain in N·m/(rad·s) (N/(m·s) for prismatic joints), when given.
    public var ki: Double?
    /// Where the entry is written.
    public var location: SourceLocation

    /// Creates a gain entry; gains in N·m/rad, N·m·s/rad and N·m/(rad·s) (per m for prismatic joints).
    public init(selector: String? = nil, kp: Double? = nil, kd: Double? = nil, ki: Double? = nil,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.selector = selector; self.kp = kp; self.kd = kd; self.ki = ki; self.location = location
    }
}

/// Resolved per-joint gains in q order.
public struct JointGains: Equatable, Sendable {
    /// Proportional gains in N·m/rad (N/m for prismatic joints).
    public var kp: [Double]
    /// Derivative gains in N·m·s/rad (N·s/m for prismatic joints).
    public var kd: [Double]
    /// Integral gains in N·m/(rad·s) (N/(m·s) for prismatic joints).
    public var ki: [Double]

    /// Creates resolved gains; all three arrays are in q order.
    public init(kp: [Double], kd: [Double], ki: [Double]) {
        self.kp = kp; self.kd = kd; self.ki = ki
    }
}

/// The joint controller: its kind (type and parameters), gains and torque limits.
public struct ControllerSpec: Equatable, Sendable {
    /// The controller kind with its parameters (default `pd`).
    public var kind: ControllerKind
    /// Gain entries in file order; see `resolveGains(jointNames:groups:)` for how they combine.
    public var gains: [GainEntry]
    /// A factor applied to every URDF effort limit, dimensionless (default 1.0).
    public var torqueLimitScale: Double
    /// Where the controller section is (the `controller` key).
    public var location: SourceLocation
    /// Where the gains are (the `gains` key, or the controller section when there are none).
    public var gainsLocation: SourceLocation

    /// Creates a controller description; `torqueLimitScale` is dimensionless.
    public init(kind: ControllerKind = .pd(PIDParameters()), gains: [GainEntry] = [], torqueLimitScale: Double = 1.0,
                location: SourceLocation = SourceLocation(file: "", line: 0),
                gainsLocation: SourceLocation? = nil) {
        self.kind = kind; self.gains = gains; self.torqueLimitScale = torqueLimitScale
        self.location = location
        self.gainsLocation = gainsLocation ?? location
    }

    /// The controller type as written, such as "pd".
    public var type: String { kind.name.rawValue }

    /// For "osc": the end-effector link's name.
    public var eeLink: String? {
        if case .osc(let p) = kind { return p.eeLink }
        return nil
    }
}

// MARK: - Task

/// A joint-space target that takes effect at a time.
public struct Waypoint: Equatable, Sendable {
    /// The time in s at which the target switches.
    public var at: Double
    /// The new targets by joint name, in rad or m; joints not named keep their previous target.
    public var q: [NamedValue]
    /// Where the waypoint is written.
    public var location: SourceLocation

    /// Creates a waypoint; `at` in s, `q` in rad or m.
    public init(at: Double, q: [NamedValue], location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.at = at; self.q = q; self.location = location
    }
}

/// An end-effector pose to reach and hold.
public struct EndEffectorTarget: Equatable, Sendable {
    /// The target position in m, world frame.
    public var position: [Double]
    /// The target orientation as roll-pitch-yaw in rad (URDF convention), or nil for position only.
    public var rpy: [Double]?
    /// How long the target is held, in s.
    public var hold: Double
    /// Where the target is written.
    public var location: SourceLocation

    /// Creates a target; position in m, rpy in rad, hold in s.
    public init(position: [Double], rpy: [Double]?, hold: Double, location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.position = position; self.rpy = rpy; self.hold = hold; self.location = location
    }
}

/// What the robot is asked to do: the task's kind with its own parameters.
public struct TaskSpec: Equatable, Sendable {
    /// The task kind and its parameters (default: hold the initial posture).
    public var kind: TaskKind
    /// Where the task section is (the `task` key).
    public var location: SourceLocation

    /// Creates a task.
    public init(kind: TaskKind = .hold(HoldTask()), location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.kind = kind; self.location = location
    }

    /// The task type as written, such as "hold".
    public var type: String { kind.name.rawValue }

    /// The joint targets at `time` s in the order of `jointNames` (rad or m), starting from `initialQ`.
    ///
    /// "hold" gives the initial q overridden by `q`. "joint_waypoints" (and "joint_trajectory", whose spline
    /// passes through these postures) starts from the initial q and applies every waypoint whose time is at or
    /// before `time` (with a 1e-9 s tolerance), in order. Other tasks give the initial q.
    public func targets(at time: Double, jointNames: [String], initialQ: [Double]) -> [Double] {
        var target = jointNames.indices.map { $0 < initialQ.count ? initialQ[$0] : 0 }
        var index: [String: Int] = [:]
        for (i, name) in jointNames.enumerated() { index[name] = i }
        func apply(_ values: [NamedValue]) {
            for value in values { if let i = index[value.name] { target[i] = value.value } }
        }
        switch kind {
        case .hold(let p):
            apply(p.q)
        case .jointWaypoints(let p), .jointTrajectory(let p):
            for waypoint in p.waypoints where waypoint.at <= time + 1e-9 { apply(waypoint.q) }
        case .jointSine, .eeTargets, .moveTo, .reachObject, .walk, .stand:
            break
        }
        return target
    }
}

// MARK: - Disturbances, termination, success

/// An external force pushed on a robot link for a while.
public struct DisturbanceSpec: Equatable, Sendable {
    /// The start time in s.
    public var at: Double
    /// How long the force acts, in s.
    public var duration: Double
    /// The robot link the force acts on (at its origin).
    public var link: String
    /// The force in N, world frame.
    public var force: [Double]
    /// Where the disturbance is written.
    public var location: SourceLocation

    /// Creates a disturbance; `at` and `duration` in s, `force` in N (world frame).
    public init(at: Double, duration: Double, link: String, force: [Double],
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.at = at; self.duration = duration; self.link = link; self.force = force; self.location = location
    }
}

// MARK: - Sensors and estimation

/// A sensor declared by the scenario: the keys every sensor has, and its kind with the kind's own keys.
public struct SensorSpec: Equatable, Sendable {
    /// A unique name; it also names the sensor's random stream.
    public var name: String
    /// The sensor's kind and its own parameters.
    public var kind: SensorKind
    /// The sample rate in Hz; it must divide the physics rate (default: the physics rate).
    public var rate: Int?
    /// How many physics ticks late each reading arrives (default 0).
    public var latency: Int
    /// Where the sensor is written.
    public var location: SourceLocation

    /// Creates a sensor description.
    public init(name: String, kind: SensorKind, rate: Int? = nil, latency: Int = 0,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.name = name; self.kind = kind; self.rate = rate; self.latency = latency; self.location = location
    }

    /// The sensor type as written, such as "imu".
    public var type: String { kind.name.rawValue }
}

/// Where a depth camera or lidar sits: `xyz`/`rpy`, or `eye`/`target`/`up` (look-at), in its link's frame or the world.
public struct SensorMountSpec: Equatable, Sendable {
    /// The sensor frame's origin in m (default [0, 0, 0]); with a look-at mount, the eye.
    public var xyz: [Double] = [0, 0, 0]
    /// The sensor frame's roll, pitch, yaw in rad (default [0, 0, 0]); unused with a look-at mount.
    public var rpy: [Double] = [0, 0, 0]
    /// For a look-at mount: the point in m the sensor looks at (its optical axis, or a lidar's x axis).
    public var target: [Double]?
    /// For a look-at mount: the direction that is up in the image or scan (default [0, 0, 1]).
    public var up: [Double] = [0, 0, 1]

    /// Creates a mount at the link frame (or the world origin), unrotated.
    public init() {}
}

/// A depth camera's image: size in pixels, pinhole intrinsics (from `fov` or given), and range in m.
public struct DepthCameraSpec: Equatable, Sendable {
    /// The image width in pixels.
    public var width: Int
    /// The image height in pixels.
    public var height: Int
    /// The horizontal field of view in rad, in (0, π); nil when fx, fy, cx, cy are given.
    public var fov: Double?
    /// Focal lengths and principal point in pixels, when given instead of `fov`.
    public var fx: Double?, fy: Double?, cx: Double?, cy: Double?
    /// Depths nearer than this many m read as invalid (default 0.1).
    public var near: Double = 0.1
    /// Depths farther than this many m read as invalid (default 10).
    public var far: Double = 10

    /// Creates an image description; sizes in pixels, `fov` in rad.
    public init(width: Int, height: Int, fov: Double? = 1.0) {
        self.width = width; self.height = height; self.fov = fov
    }
}

/// A lidar's beams: channels × samples rays, angular ranges in rad and the range window in m.
public struct LidarSpec: Equatable, Sendable {
    /// The number of vertical channels (default 16).
    public var channels = 16
    /// Samples per channel (default 360).
    public var samples = 360
    /// The lowest and highest channel elevation in rad (default [-0.26, 0.26]).
    public var vertical: [Double] = [-0.26, 0.26]
    /// The horizontal field of view in rad, in (0, 2π] (default 2π).
    public var horizontalFov = 2 * Double.pi
    /// The first sample's azimuth in rad (default −π).
    public var horizontalStart = -Double.pi
    /// The nearest and farthest returns kept, in m (default [0.05, 20]).
    public var range: [Double] = [0.05, 20]

    /// Creates the default 16 × 360 lidar.
    public init() {}
}

/// How the controller's state estimate is formed.
public struct EstimationSpec: Equatable, Sendable {
    /// Give controllers the true state even when sensors are declared (default false).
    public var useGroundTruth: Bool = false
    /// The cutoff in Hz of the low-pass filter on encoder-differenced joint velocity (default 50).
    public var velocityFilterHz: Double = 50
    /// Creates the default estimation settings.
    public init() {}
}

/// Conditions that end a run early: a fall (`base_height_below`), or divergence, when the state leaves
/// physically meaningful bounds (the run's outcome is then `diverged`; see DivergenceMonitor).
public struct TerminationSpec: Equatable, Sendable {
    /// End the run as a fall when the base (root link origin) height drops below this many m.
    public var baseHeightBelow: Double?
    /// Diverged when a joint position is more than this many rad (or m) outside its URDF limits (default 0.5).
    public var jointLimitMargin: Double = TerminationSpec.defaultJointLimitMargin
    /// Diverged when a joint speed exceeds this many rad/s (or m/s) (default 100).
    public var maxJointVelocity: Double = TerminationSpec.defaultMaxJointVelocity
    /// Diverged when a floating base's linear speed exceeds this many m/s (default 50).
    public var maxBaseSpeed: Double = TerminationSpec.defaultMaxBaseSpeed
    /// Diverged when a floating base's angular speed exceeds this many rad/s (default 100).
    public var maxBaseAngularSpeed: Double = TerminationSpec.defaultMaxBaseAngularSpeed
    /// Diverged when a floating base rises more than this many m above its starting height (default 10).
    public var maxBaseRise: Double = TerminationSpec.defaultMaxBaseRise

    /// The default divergence bounds, in the units above.
    public static let defaultJointLimitMargin = 0.5, defaultMaxJointVelocity = 100.0, defaultMaxBaseSpeed = 50.0,
                      defaultMaxBaseAngularSpeed = 100.0, defaultMaxBaseRise = 10.0

    /// Creates termination conditions; heights in m.
    public init(baseHeightBelow: Double? = nil) {
        self.baseHeightBelow = baseHeightBelow
    }
}

/// A pass condition on one summary metric.
public struct SuccessCriterion: Equatable, Sendable {
    /// The metric name, one of `ScenarioSchema.metrics`.
    public var metric: String
    /// The metric must be strictly below this value (in the metric's unit), when given.
    public var below: Double?
    /// The metric must be strictly above this value (in the metric's unit), when given.
    public var above: Double?
    /// Where the criterion is written.
    public var location: SourceLocation

    /// Creates a criterion; bounds are in the metric's unit.
    public init(metric: String, below: Double? = nil, above: Double? = nil,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.metric = metric; self.below = below; self.above = above; self.location = location
    }

    /// Whether `value` (in the metric's unit) meets every bound; NaN never passes.
    public func isMet(by value: Double) -> Bool {
        guard !value.isNaN else { return false }
        if let below, !(value < below) { return false }
        if let above, !(value > above) { return false }
        return true
    }
}

// MARK: - Scenario

/// A complete, checked scenario with every default filled in.
public struct Scenario: Equatable, Sendable {
    /// The scenario name: letters, digits, '-', '_' and '.' only.
    public var name: String
    /// A sentence about what the scenario shows (default empty).
    public var description: String
    /// The random seed (default 0).
    public var seed: UInt64
    /// The simulated duration in s.
    public var duration: Double
    /// Physics settings.
    public var physics: PhysicsSpec
    /// The robot.
    public var robot: RobotSpec
    /// The world around the robot.
    public var world: WorldSpec
    /// Loop rates in Hz.
    public var rates: RatesSpec
    /// The joint controller.
    public var controller: ControllerSpec
    /// The task.
    public var task: TaskSpec
    /// External pushes, in file order.
    public var disturbances: [DisturbanceSpec]
    /// Early-termination conditions.
    public var termination: TerminationSpec
    /// Declared sensors, in file order (none: controllers see the true state).
    public var sensors: [SensorSpec] = []
    /// How sensor readings become the controller's estimate.
    public var estimation = EstimationSpec()
    /// Pass conditions; a run passes when every one is met.
    public var success: [SuccessCriterion]
    /// The scenario file as an absolute, standardized path.
    public var sourcePath: String
    /// The scenario file's text before overrides.
    public var sourceText: String
    /// The overrides applied, each "key.path=value", in order.
    public var overrides: [String]

    /// Creates a scenario; `duration` in s.
    public init(name: String, description: String = "", seed: UInt64 = 0, duration: Double,
                physics: PhysicsSpec = PhysicsSpec(), robot: RobotSpec, world: WorldSpec = WorldSpec(),
                rates: RatesSpec? = nil, controller: ControllerSpec = ControllerSpec(),
                task: TaskSpec = TaskSpec(), disturbances: [DisturbanceSpec] = [],
                termination: TerminationSpec = TerminationSpec(), success: [SuccessCriterion] = [],
                sourcePath: String = "", sourceText: String = "", overrides: [String] = []) {
        self.name = name; self.description = description; self.seed = seed; self.duration = duration
        self.physics = physics; self.robot = robot; self.world = world
        self.rates = rates ?? RatesSpec.defaults(physicsRate: physics.physicsRate)
        self.controller = controller; self.task = task; self.disturbances = disturbances
        self.termination = termination; self.success = success; self.sourcePath = sourcePath
        self.sourceText = sourceText; self.overrides = overrides
    }

    /// Physics steps per control tick (physics rate / control rate).
    public var controlEvery: Int { rates.control > 0 ? physics.physicsRate / rates.control : 1 }
    /// Physics steps per perception tick (physics rate / perception rate).
    public var perceptionEvery: Int { rates.perception > 0 ? physics.physicsRate / rates.perception : 1 }
    /// Physics steps per planning tick (physics rate / planning rate).
    public var planningEvery: Int { rates.planning > 0 ? physics.physicsRate / rates.planning : 1 }
    /// The number of physics steps in the run, duration × physics rate rounded to the nearest step.
    public var physicsSteps: Int {
        let steps = (duration * Double(physics.physicsRate)).rounded()
        return steps.isFinite && steps >= 0 && steps < Double(Int.max) ? Int(steps) : 0
    }

    /// The metrics a run of this scenario produces: the run's own, its task's, its controller's and its sensors'
    /// (an estimate of joint positions only when the estimate is used).
    public var producedMetrics: [String] {
        var names = ScenarioSchema.runMetrics + task.kind.metrics + controller.kind.name.description.metrics
        for sensor in sensors {
            switch sensor.kind {
            case .jointEncoders:
                if !estimation.useGroundTruth { names += sensor.kind.name.description.metrics }
            case .imu, .forceTorque, .contact, .depthCamera, .lidar:
                names += sensor.kind.name.description.metrics
            }
        }
        return names
    }

    /// A copy with the source path, source text, overrides and every source location cleared, for comparing content.
    public func withoutSourceInfo() -> Scenario {
        let none = SourceLocation(file: "", line: 0)
        var copy = self
        copy.sourcePath = ""; copy.sourceText = ""; copy.overrides = []
        copy.robot.initialQ = copy.robot.initialQ.map { NamedValue(name: $0.name, value: $0.value, location: none) }
        for i in copy.world.objects.indices { copy.world.objects[i].location = none }
        copy.controller.location = none; copy.controller.gainsLocation = none
        for i in copy.controller.gains.indices { copy.controller.gains[i].location = none }
        copy.task.location = none
        func clear(_ values: [NamedValue]) -> [NamedValue] { values.map { NamedValue(name: $0.name, value: $0.value, location: none) } }
        func clear(_ waypoints: [Waypoint]) -> [Waypoint] {
            waypoints.map { Waypoint(at: $0.at, q: clear($0.q), location: none) }
        }
        switch copy.task.kind {
        case .hold(var p): p.q = clear(p.q); copy.task.kind = .hold(p)
        case .jointWaypoints(var p): p.waypoints = clear(p.waypoints); copy.task.kind = .jointWaypoints(p)
        case .jointTrajectory(var p): p.waypoints = clear(p.waypoints); copy.task.kind = .jointTrajectory(p)
        case .jointSine(var p): p.amplitude = clear(p.amplitude); copy.task.kind = .jointSine(p)
        case .eeTargets(var p):
            p.linkLocation = none; p.solverLocation = nil; p.replanLocation = nil
            for i in p.targets.indices { p.targets[i].location = none }
            copy.task.kind = .eeTargets(p)
        case .moveTo(var p): p.goal = clear(p.goal); copy.task.kind = .moveTo(p)
        case .reachObject(var p): p.linkLocation = none; p.cameraSensorLocation = nil; copy.task.kind = .reachObject(p)
        case .walk(var p):
            p.feetLocation = nil
            for i in p.commands.indices { p.commands[i].location = none }
            copy.task.kind = .walk(p)
        case .stand(var p): p.feetLocation = nil; copy.task.kind = .stand(p)
        }
        for i in copy.disturbances.indices { copy.disturbances[i].location = none }
        for i in copy.sensors.indices {
            copy.sensors[i].location = none
            switch copy.sensors[i].kind {
            case .jointEncoders: break
            case .imu(var p): p.linkLocation = none; copy.sensors[i].kind = .imu(p)
            case .forceTorque(var p): p.jointLocation = none; copy.sensors[i].kind = .forceTorque(p)
            case .contact(var p): p.linkLocation = none; copy.sensors[i].kind = .contact(p)
            case .depthCamera(var p): p.linkLocation = none; copy.sensors[i].kind = .depthCamera(p)
            case .lidar(var p): p.linkLocation = none; copy.sensors[i].kind = .lidar(p)
            }
        }
        for i in copy.success.indices { copy.success[i].location = none }
        return copy
    }
}

// MARK: - Names the schema accepts

/// The names the schema accepts for types and metrics.
public enum ScenarioSchema {
    /// Controller types `controller.type` accepts (`ControllerKind.Name`).
    public static var controllerTypes: [String] { ControllerKind.Name.allCases.map(\.rawValue) }
    /// Task types `task.type` accepts (`TaskKind.Name`).
    public static var taskTypes: [String] { TaskKind.Name.allCases.map(\.rawValue) }
    /// Sensor types `sensors[].type` accepts (`SensorKind.Name`).
    public static var sensorTypes: [String] { SensorKind.Name.allCases.map(\.rawValue) }
    /// The most pixels a depth camera may have, and rays a lidar scan may cast: 1920 × 1080.
    public static let maxSensorRays = 1920 * 1080
    /// Integrators `physics.integrator` accepts.
    public static let integrators: [String] = ["euler", "rk4"]
    /// Contact friction models (`physics.friction_model`).
    public static let frictionModels: [String] = ["cone", "box"]
    /// Constraint solvers (`physics.solver`).
    public static let solvers: [String] = ["bullet", "constraint_space"]
    /// Shape kinds a world object's `shape` accepts.
    public static let shapes: [String] = ["box", "sphere", "cylinder", "capsule"]
    /// The metrics every run produces, whatever its controller, task and sensors (the base heights only for a
    /// floating base).
    public static let runMetrics: [String] = [
        "final_joint_error_max", "final_joint_error_rms", "tracking_error_rms", "tracking_error_max",
        "base_height_min", "base_height_final", "torque_saturation_fraction", "control_effort", "mechanical_work",
    ]

    /// Metric names success criteria may use: the run's own, then every kind's (see docs/scenarios.md for units).
    public static var metrics: [String] {
        var names = runMetrics
        for family in KindFamily.allCases {
            for kind in kinds(family) {
                for metric in kind.metrics where !names.contains(metric) { names.append(metric) }
            }
        }
        return names
    }
}

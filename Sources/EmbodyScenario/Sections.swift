// MARK: - Section readers
//
// Each reader turns one section of the document into its spec, filling defaults and recording every
// problem it sees. Checks that need the robot model (joint and link names, gains coverage) come
// later, in ModelChecks.swift, once the URDF has loaded.

import EmbodyModel
import Foundation

/// A group from `robot.groups`, with where its name and members are written.
struct GroupDraft {
    var name: String
    var nameLocation: SourceLocation
    var members: [(name: String, location: SourceLocation)]
}

/// What the readers found: a scenario with defaults filled in, and what the model checks need.
struct Draft {
    var scenario: Scenario
    /// Where robot.urdf's (or robot.mjcf's) value is written, when it is.
    var urdfLocation: SourceLocation?
    /// Which key names the robot model: "urdf" or "mjcf" (a MuJoCo model).
    var robotKey = "urdf"
    /// Groups defined in the file, before the built-in ones are merged under them.
    var explicitGroups: [GroupDraft] = []
    /// Where each disturbance's link name is written, parallel to `scenario.disturbances`.
    var disturbanceLinkLocations: [SourceLocation] = []
    /// Whether `controller.gains` already had problems, so that a missing kp is not reported on top.
    var gainsHadProblems = false
    /// Whether the file has a `controller` section.
    var hasController = false
    /// Where to report scenario-wide problems (the start of the file).
    var rootLocation: SourceLocation
}

extension Reader {
    // MARK: - Top level

    /// Reads the whole document.
    mutating func readScenario(_ root: DocNode, file: String) -> Draft {
        let start = SourceLocation(file: file, line: 1, column: 1)
        var scenario = Scenario(name: "", duration: 0, robot: RobotSpec(urdf: "", urdfPath: ""))
        var draft = Draft(scenario: scenario, rootLocation: start)
        guard let top = map(root, path: "", shape: Keys.top, anchor: start) else { return draft }

        if let field = require(top, "name", example: "name: arm-hold"), let name = string(field) {
            let allowed = name.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            }
            if !allowed {
                log.error(field.location, "name '\(name)' may only contain letters, digits, '-', '_' and '.', because it names output files")
            }
            scenario.name = name
        }
        if let text = string(top.field("description"), allowEmpty: true) { scenario.description = text }
        if let seed = seed(top.field("seed")) { scenario.seed = seed }
        let duration = number(require(top, "duration", example: "duration: 5.0"), unit: "s", .positive)
        scenario.duration = duration ?? 0

        scenario.physics = readPhysics(top.field("physics"))
        let robot = readRobot(require(top, "robot", example: "robot: { urdf: robots/arm7.urdf }"), anchor: top.anchor)
        scenario.robot = robot.spec
        draft.urdfLocation = robot.urdfLocation
        draft.robotKey = robot.key
        draft.explicitGroups = robot.groups
        scenario.world = readWorld(top.field("world"))
        scenario.rates = readRates(top.field("rates"), physicsRate: scenario.physics.physicsRate)
        if let field = top.field("controller") {
            draft.hasController = true
            scenario.controller = readController(field)
            draft.gainsHadProblems = gainsHadProblems
        } else {
            scenario.controller = ControllerSpec(location: start)
        }
        scenario.task = readTask(top.field("task"), duration: duration, start: start,
                                 controller: controllerName)
        let disturbances = readDisturbances(top.field("disturbances"), duration: duration)
        scenario.disturbances = disturbances.specs
        draft.disturbanceLinkLocations = disturbances.linkLocations
        scenario.termination = readTermination(top.field("termination"))
        scenario.success = readSuccess(top.field("success"))
        scenario.sensors = readSensors(top.field("sensors"), physicsRate: scenario.physics.physicsRate)
        checkTaskCamera(scenario.task, sensors: scenario.sensors)
        if let field = top.field("estimation"),
           let view = map(field, shape: Keys.estimation, example: "{ use_ground_truth: false, velocity_filter_hz: 50 }") {
            if let truth = view.field("use_ground_truth"), let b = bool(truth) { scenario.estimation.useGroundTruth = b }
            if let f = number(view.field("velocity_filter_hz"), unit: "Hz", .positive) { scenario.estimation.velocityFilterHz = f }
        }
        checkCriteriaMetrics(scenario)
        draft.scenario = scenario
        return draft
    }

    /// Every success criterion must use a metric this scenario's task and sensors produce: a run would
    /// otherwise measure NaN and fail for a reason the file could have been told about.
    private mutating func checkCriteriaMetrics(_ scenario: Scenario) {
        let produced = scenario.producedMetrics
        for (i, criterion) in scenario.success.enumerated() where !produced.contains(criterion.metric) {
            var sources: [String] = []
            for kind in ScenarioSchema.kinds(.tasks) where kind.metrics.contains(criterion.metric) { sources.append("task type \(kind.name)") }
            for kind in ScenarioSchema.kinds(.sensors) where kind.metrics.contains(criterion.metric) { sources.append("a \(kind.name) sensor") }
            for kind in ScenarioSchema.kinds(.controllers) where kind.metrics.contains(criterion.metric) { sources.append("controller type \(kind.name)") }
            let from = sources.isEmpty ? "" : " (it comes from \(sources.joined(separator: " or ")))"
            let have = "with task type \(scenario.task.type)" + (scenario.sensors.isEmpty ? "" : " and these sensors")
            log.error(criterion.location, "success[\(i)].metric \(criterion.metric) is not produced by this scenario\(from); \(have) the metrics are \(Suggest.list(produced, limit: 40))")
        }
    }

    /// `task.camera: <name>` must name a declared depth_camera sensor.
    private mutating func checkTaskCamera(_ task: TaskSpec, sensors: [SensorSpec]) {
        guard case .reachObject(let reach) = task.kind, let name = reach.cameraSensor, let at = reach.cameraSensorLocation else {
            return
        }
        if let sensor = sensors.first(where: { $0.name == name }) {
            if sensor.type != "depth_camera" {
                log.error(at, "task.camera: the sensor '\(name)' (line \(sensor.location.line)) is a \(sensor.type) sensor, not a depth_camera")
            }
            return
        }
        let cameras = sensors.filter { $0.type == "depth_camera" }.map(\.name)
        let hint = cameras.isEmpty ? "; there is no depth_camera under sensors: to use (declare one, such as { name: table_camera, type: depth_camera, width: 160, height: 120 })"
            : Suggest.hint(for: name, in: cameras, what: "depth cameras")
        log.error(at, "task.camera: no sensor is named '\(name)'" + hint)
    }

    /// A seed: a whole number from 0 to 2⁶⁴ − 1, read from its text so that large seeds stay exact.
    private mutating func seed(_ field: Field?) -> UInt64? {
        guard let field else { return nil }
        if case .scalar(let scalar) = field.node, case .number(_, integer: true) = scalar.kind {
            let text = scalar.text.replacingOccurrences(of: "_", with: "")
            let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text.hasPrefix("+") ? String(text.dropFirst()) : text)
            if let parsed { return parsed }
        }
        log.error(field.location, "seed must be a whole number from 0 to \(UInt64.max), found \(field.node.what)")
        return nil
    }

    // MARK: - Physics

    mutating func readPhysics(_ field: Field?) -> PhysicsSpec {
        var spec = PhysicsSpec()
        guard let field, let view = map(field, shape: Keys.physics, example: "{ dt: 0.001 }") else { return spec }
        if let dtField = view.field("dt"), let dt = number(dtField, unit: "s", .positive) {
            spec.dt = dt
            if let rate = PhysicsSpec.rate(forTimeStep: dt) {
                spec.physicsRate = rate
            } else {
                let rate = String(format: "%.6g", 1 / dt)
                log.error(dtField.location, "physics.dt \(Reader.format(dt)) s gives a physics rate of \(rate) Hz, which is not a whole number; choose dt = 1/N s for a whole number N, such as 0.001 or 0.0005")
                spec.physicsRate = 0
            }
        }
        if let substeps = integer(view.field("substeps"), .atLeast(1)) { spec.substeps = substeps }
        if let gravity = vector(view.field("gravity"), count: 3, unit: "m/s²") { spec.gravity = gravity }
        if let iterations = integer(view.field("solver_iterations"), .atLeast(1)) { spec.solverIterations = iterations }
        if let integrator = choice(view.field("integrator"), among: ScenarioSchema.integrators, what: "integrator") {
            spec.integrator = integrator
        }
        if let residual = number(view.field("solver_residual"), .between(0, 1)) { spec.solverResidual = residual }
        if let model = choice(view.field("friction_model"), among: ScenarioSchema.frictionModels, what: "friction model") {
            spec.frictionModel = model
        }
        if let factor = number(view.field("warm_start"), .between(0, 1)) { spec.warmStart = factor }
        if let solver = choice(view.field("solver"), among: ScenarioSchema.solvers, what: "solver") {
            spec.solver = solver
        }
        return spec
    }

    // MARK: - Robot

    mutating func readRobot(_ field: Field?, anchor: SourceLocation)
        -> (spec: RobotSpec, urdfLocation: SourceLocation?, key: String, groups: [GroupDraft]) {
        var spec = RobotSpec(urdf: "", urdfPath: "")
        guard let field, let view = map(field, shape: Keys.robot, example: "{ urdf: robots/arm7.urdf }") else {
            return (spec, nil, "urdf", [])
        }
        var urdfLocation: SourceLocation?
        // The model is a URDF (robot.urdf) or a MuJoCo MJCF file (robot.mjcf), exactly one of them.
        let key = view.field("mjcf") != nil && view.field("urdf") == nil ? "mjcf" : "urdf"
        if key == "urdf", let mjcfField = view.field("mjcf") {
            log.error(mjcfField.location, "robot.mjcf and robot.urdf are both given; name the robot model with one of them")
        }
        if let urdfField = require(view, key, example: "urdf: robots/arm7.urdf"),
           let urdf = string(urdfField) {
            spec.urdf = urdf
            urdfLocation = urdfField.location
        }
        if let baseField = view.field("base"), let base = map(baseField, shape: Keys.base) {
            if let positionField = base.field("position") {
                // [x, y, auto]: the height is found from the model once it is loaded (ScenarioLoader).
                var field = positionField
                if case .list(var items, let listLocation) = positionField.node, items.count == 3,
                   case .scalar(let z) = items[2], z.text == "auto" {
                    spec.base.autoHeight = true
                    items[2] = .scalar(DocScalar(text: "0", kind: .number(0, integer: true), location: z.location))
                    field.node = .list(items, listLocation)
                }
                if let position = vector(field, count: 3, unit: "m") { spec.base.position = position }
            }
            if let rpy = vector(base.field("rpy"), count: 3, unit: "rad") { spec.base.rpy = rpy }
            if let fixedField = base.field("fixed") {
                if case .scalar(let scalar) = fixedField.node, scalar.kind == .null {
                    spec.base.fixed = nil
                } else {
                    spec.base.fixed = bool(fixedField)
                }
            }
        }
        if let initialField = view.field("initial"),
           let initial = map(initialField, shape: Keys.initial, example: "{ q: { joint_1: 0.5 } }"),
           let q = namedValues(initial.field("q"), unit: "rad or m") {
            spec.initialQ = q
        }
        if let selfCollision = bool(view.field("self_collision")) { spec.selfCollision = selfCollision }
        for item in list(view.field("package_paths"), example: "[/opt/ros/humble/share, ../my_ws/src]") ?? [] {
            if let folder = string(item) { spec.packagePaths.append(folder) }
        }
        var groups: [GroupDraft] = []
        if let groupsField = view.field("groups"),
           let groupsView = map(groupsField, shape: Keys.groups, example: "{ left_leg: [left_hip_pitch, left_knee] }") {
            for entry in groupsView.otherEntries(Keys.groups) {
                guard let items = list(entry, example: "[joint_1, joint_2]") else { continue }
                var members: [(name: String, location: SourceLocation)] = []
                for item in items {
                    if let name = string(item) { members.append((name, item.location)) }
                }
                groups.append(GroupDraft(name: entry.key, nameLocation: entry.keyLocation, members: members))
            }
        }
        return (spec, urdfLocation, key, groups)
    }

    // MARK: - World

    mutating func readWorld(_ field: Field?) -> WorldSpec {
        var spec = WorldSpec()
        guard let field, let view = map(field, shape: Keys.world, example: "{ ground: true }") else { return spec }
        if let ground = bool(view.field("ground")) { spec.ground = ground }
        if let friction = number(view.field("ground_friction"), .nonNegative) { spec.groundFriction = friction }
        var firstUse: [String: SourceLocation] = [:]
        for item in list(view.field("objects"), example: "[{ name: cube, shape: { box: [0.1, 0.1, 0.1] }, mass: 0.5 }]") ?? [] {
            guard let object = readObject(item) else { continue }
            if let earlier = firstUse[object.name] {
                log.error(object.location, "\(item.path): the object name '\(object.name)' is already used at line \(earlier.line)")
            } else {
                firstUse[object.name] = object.location
            }
            spec.objects.append(object)
        }
        return spec
    }

    private mutating func readObject(_ item: Field) -> ObjectSpec? {
        let example = "{ name: cube, shape: { box: [0.1, 0.1, 0.1] }, mass: 0.5 }"
        guard let view = map(item, shape: Keys.object, example: example) else { return nil }
        let name = string(require(view, "name", example: "name: cube"))
        let shape = readShape(require(view, "shape", example: "shape: { box: [0.1, 0.1, 0.1] }"))
        let mass = number(require(view, "mass", example: "mass: 0.5 (kg; 0 for a static object)"), unit: "kg", .nonNegative)
        let position = vector(view.field("position"), count: 3, unit: "m")
        let rpy = vector(view.field("rpy"), count: 3, unit: "rad")
        let friction = number(view.field("friction"), .nonNegative)
        let restitution = number(view.field("restitution"), .between(0, 1))
        let randomXY = vector(view.field("random_xy"), count: 2, unit: "m", .nonNegative)
        guard let name, let shape, let mass else { return nil }
        var spec = ObjectSpec(name: name, shape: shape, mass: mass, position: position ?? [0, 0, 0], rpy: rpy ?? [0, 0, 0],
                              friction: friction ?? 0.8, restitution: restitution ?? 0, location: item.location)
        spec.randomXY = randomXY ?? [0, 0]
        return spec
    }

    private mutating func readShape(_ field: Field?) -> ShapeSpec? {
        guard let field, let view = map(field, shape: Keys.shape, example: "{ box: [0.1, 0.1, 0.1] }") else { return nil }
        let kinds = view.map.entries.filter { Keys.shape.isField($0.key) }
        guard kinds.count == 1, let kind = kinds.first, let kindField = view.field(kind.key) else {
            let found = kinds.isEmpty ? "" : ", found \(kinds.map(\.key).joined(separator: " and "))"
            log.error(field.location, "\(field.path) must give exactly one of \(ScenarioSchema.shapes.joined(separator: ", "))\(found)")
            return nil
        }
        switch kind.key {
        case "box":
            return vector(kindField, count: 3, unit: "m", .positive).map { ShapeSpec.box(size: $0) }
        case "sphere":
            if case .scalar = kindField.node {
                return number(kindField, unit: "m", .positive).map { ShapeSpec.sphere(radius: $0) }
            }
            guard let sphere = map(kindField, shape: Keys.radius, example: "{ radius: 0.05 }") else { return nil }
            return number(require(sphere, "radius"), unit: "m", .positive).map { ShapeSpec.sphere(radius: $0) }
        default:
            let example = "{ radius: 0.05, length: 0.2 }"
            guard let body = map(kindField, shape: Keys.radiusLength, example: example) else { return nil }
            let radius = number(require(body, "radius"), unit: "m", .positive)
            let length = number(require(body, "length"), unit: "m", kind.key == "capsule" ? .nonNegative : .positive)
            guard let radius, let length else { return nil }
            return kind.key == "capsule" ? .capsule(radius: radius, length: length) : .cylinder(radius: radius, length: length)
        }
    }

    // MARK: - Rates

    mutating func readRates(_ field: Field?, physicsRate: Int) -> RatesSpec {
        var spec = RatesSpec.defaults(physicsRate: physicsRate)
        guard let field, let view = map(field, shape: Keys.rates, example: "{ control: 1000 }") else { return spec }
        for key in Keys.rates.keys {
            guard let rateField = view.field(key), let rate = integer(rateField, unit: "Hz", .positive) else { continue }
            if physicsRate > 0, physicsRate % rate != 0 {
                let divisors = Reader.nearestDivisors(of: physicsRate, around: rate)
                let hint = divisors.isEmpty ? "" : "; use a divisor such as \(divisors.map(String.init).joined(separator: " or "))"
                log.error(rateField.location, "\(rateField.path) \(rate) Hz does not divide the physics rate \(physicsRate) Hz\(hint)")
            }
            switch key {
            case "control": spec.control = rate
            case "perception": spec.perception = rate
            default: spec.planning = rate
            }
        }
        return spec
    }

    /// The divisors of `n` just below and just above `target`.
    static func nearestDivisors(of n: Int, around target: Int) -> [Int] {
        guard n > 0 else { return [] }
        var below: Int?, above: Int?
        var d = 1
        while d * d <= n {
            if n % d == 0 {
                for divisor in [d, n / d] {
                    if (divisor < target) && (divisor > (below ?? 0)) { below = divisor }
                    if (divisor > target) && (divisor < (above ?? Int.max)) { above = divisor }
                }
            }
            d += 1
        }
        return [below, above].compactMap { $0 }
    }

    // MARK: - Controller

    mutating func readController(_ field: Field) -> ControllerSpec {
        var spec = ControllerSpec(location: field.keyLocation)
        guard let view = map(field, shape: Keys.controller, example: "{ type: pd, gains: { kp: 300, kd: 20 } }") else {
            return spec
        }
        let name = choice(require(view, "type", example: "type: pd"), among: ScenarioSchema.controllerTypes,
                          what: "controller type").flatMap(ControllerKind.Name.init(rawValue:))
        controllerName = name
        if let name { spec.kind = ControllerKind(defaultsFor: name) }
        if let gainsField = view.field("gains") {
            if name == .wholeBody {
                log.error(gainsField.keyLocation, "controller.gains is not used by controller type whole_body: its task gains and weights are controller.parameters (com_kp, posture_kp, …)")
            }
            spec.gains = readGains(gainsField)
            spec.gainsLocation = gainsField.keyLocation
        }
        if let scale = number(view.field("torque_limit_scale"), .positive) { spec.torqueLimitScale = scale }
        let eeField = name == .osc ? require(view, "ee_link", example: "ee_link: ee_link") : view.field("ee_link")
        if let eeField, let link = string(eeField) {
            if case .osc(var p) = spec.kind {
                p.eeLink = link
                spec.kind = .osc(p)
            } else if name != nil {
                log.error(eeField.keyLocation, "controller.ee_link is only used by controller type osc")
            }
        }
        if name == .custom {
            readCustomController(view, into: &spec)
            return spec
        } else if name != nil, let nameField = view.field("name") {
            log.error(nameField.keyLocation, "controller.name is only used by controller type custom (a Swift controller registered by that name)")
        }
        let parametersField = view.field("parameters")
        guard let name, let parametersField,
              let parameters = map(parametersField, shape: Keys.parameters, example: "{ velocity_filter_hz: 50 }") else {
            return spec
        }
        checkKindKeys(parameters, common: [], usedBy: "controller type \(name.rawValue)",
                      keys: name.description.keyNames,
                      allKinds: ControllerKind.Name.allCases.map { ($0.rawValue, $0.description.keyNames) })
        switch spec.kind {
        case .pd(var p): read(PIDParameters.self, from: parameters, into: &p); spec.kind = .pd(p)
        case .pid(var p): read(PIDParameters.self, from: parameters, into: &p); spec.kind = .pid(p)
        case .pdGravity(var p): read(PDGravityParameters.self, from: parameters, into: &p); spec.kind = .pdGravity(p)
        case .computedTorque(var p): read(ComputedTorqueParameters.self, from: parameters, into: &p); spec.kind = .computedTorque(p)
        case .stablePD(var p): read(StablePDParameters.self, from: parameters, into: &p); spec.kind = .stablePD(p)
        case .osc(var p): read(OperationalSpaceParameters.self, from: parameters, into: &p); spec.kind = .osc(p)
        case .custom: break  // read above, against its registration
        case .external(var p): read(ExternalParameters.self, from: parameters, into: &p); spec.kind = .external(p)
        case .wholeBody(var p): read(WholeBodyControllerParameters.self, from: parameters, into: &p); spec.kind = .wholeBody(p)
        }
        return spec
    }

    // MARK: - Task

    mutating func readTask(_ field: Field?, duration: Double?, start: SourceLocation, controller: ControllerKind.Name? = .pd) -> TaskSpec {
        guard let field else { return TaskSpec(location: start) }
        var spec = TaskSpec(location: field.keyLocation)
        // Keys are checked against the task's own kind below (against every kind's when the type is unknown).
        guard let view = map(field, shape: Keys.anyKeys, example: "{ type: hold }") else { return spec }
        guard let type = choice(require(view, "type", example: "type: hold"), among: ScenarioSchema.taskTypes, what: "task type")
            .flatMap(TaskKind.Name.init(rawValue:)) else {
            checkKindKeys(view, common: Keys.task.keys, usedBy: "tasks", keys: [], allKinds: [])
            return spec
        }
        checkKindKeys(view, common: ["type"], usedBy: "task type \(type.rawValue)", keys: type.description.keyNames,
                      allKinds: TaskKind.Name.allCases.map { ($0.rawValue, $0.description.keyNames) })
        scenarioDuration = duration
        switch TaskKind(defaultsFor: type) {
        case .hold(var p): read(HoldTask.self, from: view, into: &p); spec.kind = .hold(p)
        case .jointWaypoints(var p): read(WaypointsTask.self, from: view, into: &p); spec.kind = .jointWaypoints(p)
        case .jointTrajectory(var p): read(WaypointsTask.self, from: view, into: &p); spec.kind = .jointTrajectory(p)
        case .jointSine(var p): read(SineTask.self, from: view, into: &p); spec.kind = .jointSine(p)
        case .eeTargets(var p):
            read(EndEffectorTargetsTask.self, from: view, into: &p)
            if let at = p.solverLocation, let controller {
                if p.solver == .ik && controller == .osc {
                    log.error(at, "task.solver ik hands a joint trajectory to the controller, but controller type osc takes Cartesian targets; use pd_gravity or computed_torque (or solver: osc)")
                } else if p.solver == .osc && controller != .osc {
                    log.error(at, "task.solver osc needs controller type osc, found \(controller.rawValue); use solver: ik for a joint-space controller")
                }
            }
            let solverInvalid = view.field("solver") != nil && p.solverLocation == nil
            if let at = p.replanLocation, p.replan, p.solver != .ik, !solverInvalid {
                log.error(at, "task.replan needs task.solver: ik (with osc the controller follows the targets directly)")
            }
            spec.kind = .eeTargets(p)
        case .moveTo(var p): read(MoveToTask.self, from: view, into: &p); spec.kind = .moveTo(p)
        case .reachObject(var p): read(ReachObjectTask.self, from: view, into: &p); spec.kind = .reachObject(p)
        case .walk(var p):
            read(WalkTask.self, from: view, into: &p)
            checkWalk(p, duration: duration, at: field.keyLocation, controller: controller)
            spec.kind = .walk(p)
        case .stand(var p): read(StandTask.self, from: view, into: &p); spec.kind = .stand(p)
        }
        return spec
    }

    /// `task.camera`: a declared depth_camera's name (`camera: name` or `camera: { sensor: name }`), or the task's
    /// own camera's position, target, image size and field of view.
    mutating func readTaskCamera(_ c: Field, into spec: inout ReachObjectTask) {
        if case .scalar = c.node {
            // `camera: head_camera`: a declared depth_camera, checked against the sensors once they are read.
            if let name = string(c) { spec.cameraSensor = name; spec.cameraSensorLocation = c.location }
            return
        }
        guard let cv = map(c, shape: Keys.camera, example: "{ position: [0.2, -0.6, 1.3], target: [0.55, 0, 0.4] } or a depth_camera sensor's name") else {
            return
        }
        if let sensorField = cv.field("sensor"), let name = string(sensorField) {
            spec.cameraSensor = name
            spec.cameraSensorLocation = sensorField.location
            let own = ["position", "target", "width", "height", "fov"].compactMap { cv.field($0) }
            if !own.isEmpty {
                let lines = Set(own.map(\.keyLocation.line))
                let listed = lines.count == 1
                    ? own.map(\.key).joined(separator: ", ") + " (line \(own[0].keyLocation.line))"
                    : own.map { "\($0.key) (line \($0.keyLocation.line))" }.joined(separator: ", ")
                log.error(sensorField.keyLocation, "task.camera.sensor '\(name)' gives the task that sensor's mount, image and noise, so the task's own camera fields cannot be given with it: remove \(listed), or drop task.camera.sensor to keep the task's own camera")
            }
        }
        if let p = vector(cv.field("position"), count: 3, unit: "m") { spec.cameraPosition = p }
        if let t = vector(cv.field("target"), count: 3, unit: "m") { spec.cameraTarget = t }
        if let w = integer(cv.field("width"), unit: "px", .positive) { spec.cameraWidth = w }
        if let h = integer(cv.field("height"), unit: "px", .positive) { spec.cameraHeight = h }
        if let f = number(cv.field("fov"), unit: "rad", .positive) { spec.cameraFieldOfView = f }
    }

    mutating func readTargets(_ field: Field?) -> [EndEffectorTarget] {
        guard let field, let items = list(field, example: "[{ position: [0.5, 0, 0.5], hold: 1.5 }]") else { return [] }
        if items.isEmpty { log.error(field.location, "\(field.path) must hold at least one target") }
        var targets: [EndEffectorTarget] = []
        for item in items {
            guard let view = map(item, shape: Keys.eeTarget, example: "{ position: [0.5, 0, 0.5], rpy: [3.14159, 0, 0], hold: 1.5 }") else { continue }
            let position = vector(require(view, "position", example: "position: [0.5, 0, 0.5]"), count: 3, unit: "m")
            let rpy = vector(view.field("rpy"), count: 3, unit: "rad")
            let hold = number(require(view, "hold", example: "hold: 1.5"), unit: "s", .positive)
            guard let position, let hold else { continue }
            targets.append(EndEffectorTarget(position: position, rpy: rpy, hold: hold, location: item.location))
        }
        return targets
    }

    mutating func readWaypoints(_ field: Field, duration: Double?) -> [Waypoint] {
        guard let items = list(field, example: "[{ at: 0, q: { joint_1: 0.5 } }]") else { return [] }
        if items.isEmpty { log.error(field.location, "\(field.path) must hold at least one waypoint") }
        var waypoints: [Waypoint] = []
        var previous: Double?
        for item in items {
            guard let view = map(item, shape: Keys.waypoint, example: "{ at: 1.0, q: { joint_1: 0.5 } }") else { continue }
            let atField = require(view, "at", example: "at: 1.0")
            let at = number(atField, unit: "s", .nonNegative)
            let qField = require(view, "q", example: "q: { joint_1: 0.5 }")
            let q = namedValues(qField, unit: "rad or m")
            if let q, q.isEmpty, let qField { log.error(qField.location, "\(qField.path) names no joints") }
            guard let at, let atField, let q else { continue }
            if let previous, at <= previous {
                log.error(atField.location, "\(atField.path) \(Reader.format(at)) s must be later than the previous waypoint's \(Reader.format(previous)) s")
            }
            if let duration, at >= duration {
                log.error(atField.location, "\(atField.path) \(Reader.format(at)) s is not before the end of the scenario (duration \(Reader.format(duration)) s)")
            }
            previous = at
            waypoints.append(Waypoint(at: at, q: q, location: item.location))
        }
        return waypoints
    }

    // MARK: - Sensors: see SensorSections.swift

    // MARK: - Disturbances, termination, success

    /// Reads the disturbances, with where each one's link name is written.
    mutating func readDisturbances(_ field: Field?, duration: Double?)
        -> (specs: [DisturbanceSpec], linkLocations: [SourceLocation]) {
        let example = "{ at: 2.0, duration: 0.1, link: torso, force: [50, 0, 0] }"
        var result: [DisturbanceSpec] = []
        var linkLocations: [SourceLocation] = []
        for item in list(field, example: "[\(example)]") ?? [] {
            guard let view = map(item, shape: Keys.disturbance, example: example) else { continue }
            let atField = require(view, "at", example: "at: 2.0")
            let at = number(atField, unit: "s", .nonNegative)
            let length = number(require(view, "duration", example: "duration: 0.1"), unit: "s", .positive)
            let linkField = require(view, "link", example: "link: torso")
            let link = string(linkField)
            let force = vector(require(view, "force", example: "force: [50, 0, 0]"), count: 3, unit: "N")
            if let at, let atField, let duration, at >= duration {
                log.error(atField.location, "\(atField.path) \(Reader.format(at)) s is not before the end of the scenario (duration \(Reader.format(duration)) s), so the push would never happen")
            }
            guard let at, let length, let link, let force else { continue }
            result.append(DisturbanceSpec(at: at, duration: length, link: link, force: force, location: item.location))
            linkLocations.append(linkField?.location ?? item.location)
        }
        return (result, linkLocations)
    }

    mutating func readTermination(_ field: Field?) -> TerminationSpec {
        guard let field, let view = map(field, shape: Keys.termination, example: "{ base_height_below: 0.5 }") else {
            return TerminationSpec()
        }
        var spec = TerminationSpec(baseHeightBelow: optionalNumber(view.field("base_height_below"), unit: "m"))
        if let v = number(view.field("joint_limit_margin"), unit: "rad or m", .nonNegative) { spec.jointLimitMargin = v }
        if let v = number(view.field("max_joint_velocity"), unit: "rad/s or m/s", .positive) { spec.maxJointVelocity = v }
        if let v = number(view.field("max_base_speed"), unit: "m/s", .positive) { spec.maxBaseSpeed = v }
        if let v = number(view.field("max_base_angular_speed"), unit: "rad/s", .positive) { spec.maxBaseAngularSpeed = v }
        if let v = number(view.field("max_base_rise"), unit: "m", .positive) { spec.maxBaseRise = v }
        return spec
    }

    mutating func readSuccess(_ field: Field?) -> [SuccessCriterion] {
        let example = "{ metric: final_joint_error_max, below: 0.01 }"
        var result: [SuccessCriterion] = []
        for item in list(field, example: "[\(example)]") ?? [] {
            guard let view = map(item, shape: Keys.criterion, example: example) else { continue }
            let metric = choice(require(view, "metric", example: "metric: final_joint_error_max"),
                                among: ScenarioSchema.metrics, what: "metric")
            let belowField = view.field("below"), aboveField = view.field("above")
            let below = number(belowField), above = number(aboveField)
            if belowField == nil, aboveField == nil {
                log.error(item.location, "\(item.path) needs a bound: below, above or both, such as below: 0.01")
            }
            if let below, let above, above >= below {
                log.error(item.location, "\(item.path): above \(Reader.format(above)) must be less than below \(Reader.format(below)), or no value can pass")
            }
            guard let metric, belowField == nil || below != nil, aboveField == nil || above != nil else { continue }
            result.append(SuccessCriterion(metric: metric, below: below, above: above, location: item.location))
        }
        return result
    }
}

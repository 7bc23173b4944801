// MARK: - The shape of the key tree
//
// One description of which keys exist where, used twice: the section readers report unknown keys
// against it, and overrides check their key paths against it before touching the document.

/// What may stand at a key: a single value, a list of numbers, a mapping, or a list of items.
indirect enum KeyShape: Sendable {
    /// A scalar, or anything the reader checks as a whole; no deeper key path.
    case leaf
    /// A list of numbers or names, addressable by index.
    case vector
    /// A mapping with known keys and possibly free-form keys (joint or group names).
    case map(MapShape)
    /// A list whose items all have the same shape.
    case list(KeyShape)
}

/// The keys a mapping accepts.
struct MapShape: Sendable {
    /// The fixed keys, in the order documentation lists them.
    var fields: [(key: String, shape: KeyShape)]
    /// The shape of any other key, for mappings keyed by joint, group or parameter names.
    var other: KeyShape?

    /// The fixed key names.
    var keys: [String] { fields.map(\.key) }

    /// The shape of `key`: a fixed key's, or the free-form one.
    func shape(for key: String) -> KeyShape? {
        fields.first { $0.key == key }?.shape ?? other
    }

    /// Whether `key` is one of the fixed keys.
    func isField(_ key: String) -> Bool { fields.contains { $0.key == key } }
}

// MARK: - The scenario's keys

/// The key tree of a scenario file.
enum Keys {
    static let physics = MapShape(fields: [
        ("dt", .leaf), ("substeps", .leaf), ("gravity", .vector), ("solver_iterations", .leaf),
        ("integrator", .leaf), ("solver_residual", .leaf), ("friction_model", .leaf), ("warm_start", .leaf),
        ("solver", .leaf),
    ])

    static let base = MapShape(fields: [("position", .vector), ("rpy", .vector), ("fixed", .leaf)])
    static let jointValues = MapShape(fields: [], other: .leaf)
    static let initial = MapShape(fields: [("q", .map(jointValues))])
    static let groups = MapShape(fields: [], other: .vector)
    static let robot = MapShape(fields: [
        ("urdf", .leaf), ("mjcf", .leaf), ("base", .map(base)), ("initial", .map(initial)), ("self_collision", .leaf),
        ("groups", .map(groups)), ("package_paths", .vector),
    ])

    static let radius = MapShape(fields: [("radius", .leaf)])
    static let radiusLength = MapShape(fields: [("radius", .leaf), ("length", .leaf)])
    static let shape = MapShape(fields: [
        ("box", .vector), ("sphere", .map(radius)), ("cylinder", .map(radiusLength)),
        ("capsule", .map(radiusLength)),
    ])
    static let object = MapShape(fields: [
        ("name", .leaf), ("shape", .map(shape)), ("mass", .leaf), ("position", .vector), ("rpy", .vector),
        ("friction", .leaf), ("restitution", .leaf), ("random_xy", .vector),
    ])
    static let world = MapShape(fields: [("ground", .leaf), ("ground_friction", .leaf), ("objects", .list(.map(object)))])

    static let rates = MapShape(fields: [("control", .leaf), ("perception", .leaf), ("planning", .leaf)])

    static let gainValues = MapShape(fields: [("kp", .leaf), ("kd", .leaf), ("ki", .leaf)])
    static let gains = MapShape(fields: gainValues.fields, other: .map(gainValues))
    static let parameters = MapShape(fields: [], other: .leaf)
    /// Any keys: a mapping whose keys its reader checks itself (a sensor's or a task's, against its kind).
    static let anyKeys = MapShape(fields: [], other: .leaf)
    static let controller = MapShape(fields: [
        ("type", .leaf), ("gains", .map(gains)), ("torque_limit_scale", .leaf), ("parameters", .map(parameters)),
        ("ee_link", .leaf), ("name", .leaf),
    ])

    static let waypoint = MapShape(fields: [("at", .leaf), ("q", .map(jointValues))])
    static let eeTarget = MapShape(fields: [("position", .vector), ("rpy", .vector), ("hold", .leaf)])
    static let planner = MapShape(fields: [("margin", .leaf)])
    static let camera = MapShape(fields: [("position", .vector), ("target", .vector), ("width", .leaf), ("height", .leaf),
                                          ("fov", .leaf), ("sensor", .leaf)])
    static let tolerance = MapShape(fields: [("position", .leaf), ("orientation", .leaf)])
    /// A task's keys: `type`, then every task kind's own (each once), for override paths; the reader then
    /// checks a task's keys against its own kind.
    static let task = MapShape(fields: [("type", KeyShape.leaf)] + union(TaskKind.Name.allCases.map(\.shape)))

    static let disturbance = MapShape(fields: [("at", .leaf), ("duration", .leaf), ("link", .leaf), ("force", .vector)])
    static let termination = MapShape(fields: [("base_height_below", .leaf), ("joint_limit_margin", .leaf),
                                                ("max_joint_velocity", .leaf), ("max_base_speed", .leaf),
                                                ("max_base_angular_speed", .leaf), ("max_base_rise", .leaf)])
    static let criterion = MapShape(fields: [("metric", .leaf), ("below", .leaf), ("above", .leaf)])

    static let sensorMount = MapShape(fields: [("xyz", .vector), ("rpy", .vector), ("eye", .vector), ("target", .vector),
                                               ("up", .vector)])
    /// A sensor's keys: the common ones, then every sensor kind's own (each once), for override paths; the
    /// reader then checks a sensor's keys against its own kind.
    static let sensor = MapShape(fields: Reader.commonSensorKeys.map { ($0, KeyShape.leaf) }
                                 + union(SensorKind.Name.allCases.map(\.shape)))
    static let estimation = MapShape(fields: [("use_ground_truth", .leaf), ("velocity_filter_hz", .leaf)])

    static let top = MapShape(fields: [
        ("name", .leaf), ("description", .leaf), ("seed", .leaf), ("duration", .leaf),
        ("physics", .map(physics)), ("robot", .map(robot)), ("world", .map(world)), ("rates", .map(rates)),
        ("controller", .map(controller)), ("task", .map(task)), ("disturbances", .list(.map(disturbance))),
        ("termination", .map(termination)), ("success", .list(.map(criterion))),
        ("sensors", .list(.map(sensor))), ("estimation", .map(estimation)),
    ])

    /// The fields of several shapes, each key once, in first-seen order.
    static func union(_ shapes: [MapShape]) -> [(key: String, shape: KeyShape)] {
        var seen: Set<String> = []
        var fields: [(key: String, shape: KeyShape)] = []
        for shape in shapes {
            for field in shape.fields where !seen.contains(field.key) {
                seen.insert(field.key)
                fields.append(field)
            }
        }
        return fields
    }
}

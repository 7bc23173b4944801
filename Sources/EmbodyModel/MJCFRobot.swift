// MARK: - From MJCF bodies to links and joints
//
// The robot is the first top-level body of <worldbody> and everything below it, hung from a massless
// `world` link:
// - a body with a free joint (only allowed alone, in a top-level body) hangs from `world` by a floating
//   joint whose origin is the body's declared pose, so the base starts where MuJoCo's qpos0 puts it;
// - a body without joints is welded to its parent by a fixed joint (MuJoCo keeps it as its own body);
// - a body with joints j1…jk (anchors p1…pk, axes in the body frame) becomes a chain
//   parent → j1 → frame → j2 → … → jk → body. MuJoCo moves the body frame F by F·T(p)·R(q)·T(−p) for each
//   hinge in turn, so the chain's joint frames sit at the anchors: j1's origin is the body pose times
//   T(p1), ji's is T(pi − pi−1), and the body's link frame sits at pk, with its geoms, inertia, sites and
//   children shifted by T(−pk). A slide moves the frame along its axis wherever its anchor is;
// - a ball joint becomes three hinges about the body's x, y and z axes at its anchor (an XYZ Euler
//   chain: the same 3 DoF and the same motion away from gimbal lock at ±90° about y; a ball range
//   [0, r] limits each hinge to [−r, r]);
// - each site becomes a massless link fixed to its body, named after the site (NAME_site when a body
//   or frame already has the name).
// Embody's q for a hinge or slide is MuJoCo's qpos − ref, so q = 0 is the declared configuration.

struct Emitter {
    var builder: MJCFBuilder
    let actuators: ActuatorSummary
    var links: [Link] = []
    var joints: [Joint] = []
    /// Names of links and joints in use or reserved for MJCF bodies and joints.
    var linkNames: Set<String> = []
    var jointNames: Set<String> = []
    var reservedLinkNames: Set<String> = []
    var reservedJointNames: Set<String> = []
    var bodyId = 0
    var jointId = 0
    var siteCount = 0
    /// The largest joint damping over the inertia it acts on, 1/s (see `emit`).
    var largestDampingRate = 0.0

    init(builder: MJCFBuilder, actuators: ActuatorSummary) {
        self.builder = builder
        self.actuators = actuators
    }

    mutating func emitRobot(_ top: MJCFBody) throws(ModelError) {
        reserve(top)
        links.append(Link(name: "world", location: SourceLocation(file: builder.path, line: 0)))
        linkNames.insert("world")
        try emit(top, parentLink: 0, parentBodyInLink: .identity, isTop: true)
        for name in actuators.effort.keys.sorted() where !jointNames.contains(name) {
            let location = actuators.location[name] ?? SourceLocation(file: builder.path, line: 0)
            if jointNames.contains("\(name)_x") {
                builder.warnings.append(ModelWarning(location: location,
                                                     message: "the motor on ball joint '\(name)' is ignored; its three hinges have no torque limit"))
            } else {
                builder.warnings.append(ModelWarning(location: location,
                                                     message: "an actuator drives joint '\(name)', which is not part of the robot; it is ignored"))
            }
        }
    }

    /// Collects the names MJCF gives bodies and joints, so names made up for other links avoid them.
    mutating func reserve(_ b: MJCFBody) {
        if !b.name.isEmpty { reservedLinkNames.insert(b.name) }
        for j in b.joints where !j.name.isEmpty { reservedJointNames.insert(j.name) }
        for c in b.children { reserve(c) }
    }

    /// `name` if free, else `name_2`, `name_3`, … (names given in the file win over made-up ones).
    func unique(_ name: String, in used: Set<String>, reserved: Set<String> = []) -> String {
        if !used.contains(name) && !reserved.contains(name) { return name }
        var k = 2
        while used.contains("\(name)_\(k)") || reserved.contains("\(name)_\(k)") { k += 1 }
        return "\(name)_\(k)"
    }

    /// The name an MJCF body or joint gets: its own, which must not be taken yet, or `fallback` made unique.
    func claim(_ given: String, fallback: String, kind: String, in used: Set<String>, reserved: Set<String>,
               at location: SourceLocation) throws(ModelError) -> String {
        if given.isEmpty { return unique(fallback, in: used, reserved: reserved) }
        guard !used.contains(given) else {
            throw error(location, "\(kind) '\(given)'", "\(kind) '\(given)' is declared twice; \(kind) names must be unique")
        }
        return given
    }

    func error(_ location: SourceLocation, _ element: String, _ message: String) -> ModelError {
        ModelError(location: location, element: element, message: message)
    }

    /// The effort limit of a joint: its motors' limit; 0 when the model's actuators are all joint motors and
    /// none drives it (MuJoCo applies no force there); unlimited when some actuator could not be mapped.
    func effortLimit(_ name: String) -> Double {
        if let e = actuators.effort[name] { return e }
        return actuators.count > 0 && actuators.unmapped == 0 ? 0 : .infinity
    }

    mutating func emit(_ b: MJCFBody, parentLink: Int, parentBodyInLink: Transform, isTop: Bool) throws(ModelError) {
        bodyId += 1
        let bodyName = try claim(b.name, fallback: "body\(bodyId)", kind: "body", in: linkNames,
                                 reserved: reservedLinkNames, at: b.location)
        let owner = "body '\(bodyName)'"
        let bodyFrame = parentBodyInLink * b.pose  // the body frame in the parent link's frame, at q = 0

        // Expand the joints into hinge and slide specs (a ball into three hinges).
        struct Spec { var name: String; var type: JointType; var anchor: Vector3; var axis: Vector3; var limit: JointLimit?; var source: MJCFJoint }
        var specs: [Spec] = []
        var free: MJCFJoint?
        for j in b.joints {
            jointId += 1
            let name = try claim(j.name, fallback: "joint\(jointId)", kind: "joint", in: jointNames,
                                 reserved: reservedJointNames, at: j.location)
            jointNames.insert(name)
            let effort = effortLimit(name)
            switch j.kind {
            case .free:
                guard isTop, b.joints.count == 1 else {
                    throw error(j.location, "joint '\(name)'",
                                isTop ? "free joint '\(name)' shares \(owner) with other joints; a free joint must be the body's only joint"
                                      : "free joint '\(name)' is in \(owner), which is not a top-level body; Embody supports a free joint only as the robot's floating base")
                }
                free = j
                free?.name = name
            case .hinge, .slide:
                let limit = j.range.map { JointLimit(lower: $0.0 - j.reference, upper: $0.1 - j.reference, effort: effort, velocity: .infinity) }
                    ?? JointLimit(lower: -.infinity, upper: .infinity, effort: effort, velocity: .infinity)
                let type: JointType = j.kind == .slide ? .prismatic : (j.range == nil ? .continuous : .revolute)
                specs.append(Spec(name: name, type: type, anchor: j.anchor, axis: j.axis, limit: limit, source: j))
            case .ball:
                jointNames.remove(name)
                for (suffix, axis) in [("x", Vector3(1, 0, 0)), ("y", Vector3(0, 1, 0)), ("z", Vector3(0, 0, 1))] {
                    let hinge = unique("\(name)_\(suffix)", in: jointNames, reserved: reservedJointNames)
                    jointNames.insert(hinge)
                    let limit = j.range.map { JointLimit(lower: -$0.1, upper: $0.1, effort: .infinity, velocity: .infinity) }
                        ?? JointLimit(lower: -.infinity, upper: .infinity, effort: .infinity, velocity: .infinity)
                    specs.append(Spec(name: hinge, type: j.range == nil ? .continuous : .revolute, anchor: j.anchor,
                                      axis: axis, limit: limit, source: j))
                }
            }
        }

        // Explicit joint damping (Embody applies −d·q̇ as a torque each step) is stable while h·d/I < 2; record
        // the largest d/I, with I the body's own inertia about the joint axis (plus armature), a lower bound
        // of the inertia the joint moves, or its mass for a slide.
        for s in specs where s.source.damping > 0 {
            let mp = b.massProperties
            var inertia = s.source.armature
            if s.type == .prismatic {
                inertia += mp.mass
            } else {
                let a = s.axis, r = mp.centerOfMass - s.anchor
                let perpendicular = r - dot(r, a) * a
                var aia = 0.0
                for i in 0..<3 { for k in 0..<3 { aia += a[i] * mp.inertia[i][k] * a[k] } }
                inertia += aia + mp.mass * dot(perpendicular, perpendicular)
            }
            if inertia > 0 { largestDampingRate = max(largestDampingRate, s.source.damping / inertia) }
        }

        // The body's link frame relative to its body frame's anchor, and the joints leading to it.
        let bodyInLink = Transform(position: -(specs.last?.anchor ?? .zero))
        var previous = parentLink
        if let free {
            joints.append(Joint(name: free.name, type: .floating, parent: parentLink, child: links.count,
                                origin: bodyFrame, location: free.location))
        } else if specs.isEmpty {
            let weld = unique("\(bodyName)_weld", in: jointNames, reserved: reservedJointNames)
            jointNames.insert(weld)
            joints.append(Joint(name: weld, type: .fixed, parent: parentLink, child: links.count, origin: bodyFrame,
                                location: b.location))
        } else {
            var previousAnchor: Vector3?
            for (k, s) in specs.enumerated() {
                let origin = previousAnchor.map { Transform(position: s.anchor - $0) } ?? bodyFrame * Transform(position: s.anchor)
                previousAnchor = s.anchor
                let isLast = k == specs.count - 1
                if !isLast {
                    // A massless frame between this joint and the next.
                    let frameName = unique("\(bodyName):\(s.name)", in: linkNames, reserved: reservedLinkNames)
                    linkNames.insert(frameName)
                    links.append(Link(name: frameName, location: s.source.location, role: .jointFrame))
                }
                let child = isLast ? links.count : links.count - 1
                joints.append(Joint(name: s.name, type: s.type, parent: previous, child: child, origin: origin, axis: s.axis,
                                    limit: s.limit, damping: s.source.damping, friction: s.source.frictionLoss,
                                    location: s.source.location, armature: s.source.armature))
                previous = child
            }
        }

        // The body's own link.
        let index = links.count
        linkNames.insert(bodyName)
        var collisions: [Geometry] = [], visuals: [Geometry] = []
        for g in b.geoms {
            guard let shape = g.shape else { continue }
            let placed = Geometry(name: g.name, origin: bodyInLink * g.pose, shape: shape, rgba: g.rgba)
            visuals.append(placed)
            if g.collides { collisions.append(placed) }
        }
        links.append(Link(name: bodyName, inertial: b.massProperties.transformed(by: bodyInLink).inertial,
                          collisions: collisions, visuals: visuals, location: b.location))

        // Sites: massless links fixed to the body.
        for site in b.sites {
            siteCount += 1
            let base = site.name.isEmpty ? "site\(siteCount)" : site.name
            var name = base
            if linkNames.contains(name) || reservedLinkNames.contains(name) {
                name = unique("\(base)_site", in: linkNames, reserved: reservedLinkNames)
            }
            linkNames.insert(name)
            let joint = unique("\(name)_weld", in: jointNames, reserved: reservedJointNames)
            jointNames.insert(joint)
            let siteIndex = links.count
            links.append(Link(name: name, location: site.location, role: .site))
            joints.append(Joint(name: joint, type: .fixed, parent: index, child: siteIndex, origin: bodyInLink * site.pose,
                                location: site.location))
        }

        for child in b.children {
            try emit(child, parentLink: index, parentBodyInLink: bodyInLink, isTop: false)
        }
    }
}

// MARK: - Robots: a RobotModel turned into one Featherstone multibody

import CBullet
import EmbodyModel

/// How a robot is placed and simulated; everything a URDF does not say.
public struct RobotOptions: Equatable, Sendable {
    /// Fixes the base to the world; nil follows the URDF (a `world` root with a fixed joint means fixed, else floating).
    public var fixedBase: Bool? = nil
    /// The pose of the base link frame in the world (for a `world`-rooted URDF, of the `world` frame).
    public var basePose: Transform = .identity
    /// Lets non-adjacent links of the robot collide with each other.
    public var selfCollision: Bool = false
    /// Bullet's per-link linear velocity decay in 1/s; 0, the default, is physical.
    public var linearDamping: Double = 0
    /// Bullet's per-link angular velocity decay in 1/s; 0, the default, is physical.
    public var angularDamping: Double = 0
    /// The contact friction coefficient of every link.
    public var friction: Double = 1.0
    /// The contact restitution of every link in [0, 1].
    public var restitution: Double = 0
    /// The rolling friction coefficient of every link, m.
    public var rollingFriction: Double = 0
    /// Applies the URDF's joint damping (−d·q̇) and Coulomb friction.
    public var jointDynamics: Bool = true
    /// Enforces each URDF `<mimic>`, q_f = multiplier · q_l + offset, with a constraint (docs/robots.md); false
    /// leaves mimic joints free, as PyBullet's loadURDF does.
    public var mimicCoupling: Bool = true

    /// Creates options with the defaults: base as the URDF says, at the origin, no self-collision, no damping.
    public init() {}
}

/// A robot in a World; joint coordinates follow `model.movableJoints`, links follow `linkNames`.
public final class Robot {
    private var handle: OpaquePointer?
    /// The model the robot was built from.
    public let model: RobotModel
    /// The object id of the robot in contacts.
    public let id: Int32
    /// The number of joint coordinates: the length of q, q̇ and τ.
    public let dof: Int
    /// Link names in the simulator's order: the base first, then each joint's child in joint order.
    public let linkNames: [String]
    /// For each simulator link, its index in `model.links`.
    public let modelLinkIndex: [Int]
    /// Whether the base is fixed to the world.
    public let fixedBase: Bool
    /// The effort limit of each coordinate, N·m or N (infinity when the URDF gives none).
    public let effortLimits: [Double]
    /// The position limits of each coordinate (−∞…∞ for continuous joints).
    public let positionLimits: [ClosedRange<Double>]
    /// The velocity limit of each coordinate in rad/s or m/s (infinity when the URDF gives none).
    public let velocityLimits: [Double]
    private let baseOffset: Transform  // world frame of a dropped `world` root → base link frame

    init(world: World, model: RobotModel, options: RobotOptions) throws(PhysicsError) {
        self.model = model
        let plan = try RobotPlan(model: model, options: options)
        var err = [CChar](repeating: 0, count: 512)
        let created: OpaquePointer? = plan.withDescription { desc in
            var d = desc
            return emb_robot_create(world.handle, &d, &err, Int32(err.count))
        }
        guard let h = created else {
            throw PhysicsError("cannot build robot '\(model.name)' from \(model.sourcePath): \(String(cStringBuffer: err))")
        }
        handle = h
        id = emb_robot_id(h)
        dof = Int(emb_robot_dof(h))
        precondition(dof == model.dof, "the shim built \(dof) coordinates for a model with \(model.dof)")
        linkNames = plan.linkOrder.map { model.links[$0].name }
        modelLinkIndex = plan.linkOrder
        fixedBase = plan.fixedBase
        baseOffset = plan.baseOffset
        let movable = model.movableJoints
        effortLimits = movable.map { $0.limit?.effort ?? .infinity }
        positionLimits = movable.map { j in
            guard j.type != .continuous, let l = j.limit else { return -Double.infinity...Double.infinity }
            return l.lower...l.upper
        }
        velocityLimits = movable.map { $0.limit?.velocity ?? .infinity }
        if options.mimicCoupling {
            // The loader has dropped, with a warning, every <mimic> that names no other movable joint.
            let coordinate = Dictionary(movable.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            for (follower, joint) in movable.enumerated() {
                guard let mimic = joint.mimic, let leader = coordinate[mimic.joint] else { continue }
                let status = emb_robot_add_mimic(h, Int32(follower), Int32(leader), mimic.multiplier, mimic.offset,
                                                 &err, Int32(err.count))
                guard status == EMB_OK else {
                    emb_robot_destroy(h)
                    handle = nil
                    throw PhysicsError("cannot couple joint '\(joint.name)' to '\(mimic.joint)' in \(model.sourcePath): \(String(cStringBuffer: err))")
                }
            }
        }
    }

    func detach() { handle = nil }

    private var h: OpaquePointer {
        guard let handle else { preconditionFailure("the robot's world has been destroyed") }
        return handle
    }

    /// The shim's robot handle, for other EmbodyPhysics types (RigidBodyDynamics copies the model from it).
    var shimHandle: OpaquePointer { h }

    /// The number of simulator links, base included.
    public var linkCount: Int { linkNames.count }

    // MARK: State in and out

    /// Reads joint positions (rad or m) into `q`, which must hold `dof` values.
    public func getQ(_ q: inout [Double]) { read(&q, dof, emb_robot_get_q) }

    /// Reads joint velocities (rad/s or m/s) into `qd`, which must hold `dof` values.
    public func getQd(_ qd: inout [Double]) { read(&qd, dof, emb_robot_get_qd) }

    /// Writes joint positions (rad or m); link poses update at once.
    public func setQ(_ q: [Double]) { write(q, emb_robot_set_q) }

    /// Writes joint velocities (rad/s or m/s).
    public func setQd(_ qd: [Double]) { write(qd, emb_robot_set_qd) }

    /// Sets the joint torques (N·m or N) held until changed; each is clamped to its effort limit.
    public func setTorques(_ tau: [Double]) { write(tau, emb_robot_set_torques) }

    /// Sets the held joint torques from a buffer, without allocating.
    public func setTorques(_ tau: UnsafeBufferPointer<Double>) {
        precondition(tau.count == dof, "expected \(dof) values, got \(tau.count)")
        let s = emb_robot_set_torques(h, tau.baseAddress, Int32(tau.count))
        precondition(s == EMB_OK, "torques must be finite")
    }

    /// Reads the held torques after clamping into `tau` (dof values).
    public func getAppliedTorques(_ tau: inout [Double]) { read(&tau, dof, emb_robot_get_applied_torques) }

    /// The base link frame's pose in the world.
    public var basePose: Transform {
        get {
            var p = [Double](repeating: 0, count: 7)
            _ = emb_robot_get_base_pose(h, &p)
            return Transform(p, from: 0)
        }
        set {
            let p = newValue.packed
            precondition(emb_robot_set_base_pose(h, p) == EMB_OK, "the base pose must be finite")
        }
    }

    /// Reads the base pose into 7 doubles (x, y, z, qx, qy, qz, qw) without allocating.
    public func getBasePose(_ pose: inout [Double]) { read(&pose, 7) { h, p, _ in emb_robot_get_base_pose(h, p) } }

    /// Reads the base twist into 6 doubles: the base frame origin's velocity (m/s) and angular velocity (rad/s), world frame.
    public func getBaseTwist(_ twist: inout [Double]) { read(&twist, 6) { h, p, _ in emb_robot_get_base_twist(h, p) } }

    /// Writes the base twist (6 doubles, as `getBaseTwist` reads it).
    public func setBaseTwist(_ twist: [Double]) {
        precondition(twist.count == 6 && emb_robot_set_base_twist(h, twist) == EMB_OK, "the base twist needs 6 finite values")
    }

    /// Reads every link frame's pose (7 doubles each, `linkNames` order) into `poses` (7 × linkCount).
    public func getLinkPoses(_ poses: inout [Double]) { read(&poses, 7 * linkCount, emb_robot_get_link_poses) }

    /// Reads every link frame origin's twist (6 doubles each, world frame) into `twists` (6 × linkCount).
    public func getLinkTwists(_ twists: inout [Double]) {
        let n = 6 * linkCount
        precondition(twists.count >= n, "expected room for \(n) values, got \(twists.count)")
        let s = twists.withUnsafeMutableBufferPointer { emb_robot_get_link_twists(h, $0.baseAddress, Int32($0.count)) }
        precondition(s == EMB_OK)
    }

    /// The pose of the link named `name` (allocates; for tools and tests).
    public func linkPose(_ name: String) -> Transform? {
        guard let i = linkNames.firstIndex(of: name) else { return nil }
        var poses = [Double](repeating: 0, count: 7 * linkCount)
        getLinkPoses(&poses)
        return Transform(poses, from: 7 * i)
    }

    /// Applies a world-frame force in N at a link's centre of mass (its index in `linkNames`), held until changed.
    public func applyForce(_ force: Vector3, link: Int) {
        let s = withUnsafeTemporaryAllocation(of: Double.self, capacity: 3) { f in
            f[0] = force.x; f[1] = force.y; f[2] = force.z
            return emb_robot_apply_link_force(h, Int32(link - 1), f.baseAddress)
        }
        precondition(s == EMB_OK, "bad link index \(link) or non-finite force")
    }

    /// Convenience: the current q as a new array.
    public var q: [Double] { var v = [Double](repeating: 0, count: dof); getQ(&v); return v }

    /// Convenience: the current q̇ as a new array.
    public var qd: [Double] { var v = [Double](repeating: 0, count: dof); getQd(&v); return v }

    func hashState(into hasher: inout StateHasher) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(dof, 7)) { buf in
            _ = emb_robot_get_q(h, buf.baseAddress, Int32(buf.count))
            hasher.combine(UnsafeBufferPointer(rebasing: buf[0..<dof]))
            _ = emb_robot_get_qd(h, buf.baseAddress, Int32(buf.count))
            hasher.combine(UnsafeBufferPointer(rebasing: buf[0..<dof]))
            _ = emb_robot_get_base_pose(h, buf.baseAddress)
            hasher.combine(UnsafeBufferPointer(rebasing: buf[0..<7]))
            _ = emb_robot_get_base_twist(h, buf.baseAddress)
            hasher.combine(UnsafeBufferPointer(rebasing: buf[0..<6]))
        }
    }

    // MARK: Buffer plumbing

    private func read(_ out: inout [Double], _ n: Int,
                      _ f: (OpaquePointer, UnsafeMutablePointer<Double>?, Int32) -> emb_status) {
        precondition(out.count >= n, "expected room for \(n) values, got \(out.count)")
        let s = out.withUnsafeMutableBufferPointer { f(h, $0.baseAddress, Int32($0.count)) }
        precondition(s == EMB_OK, "reading robot state failed with status \(s)")
    }

    private func write(_ v: [Double], _ f: (OpaquePointer, UnsafePointer<Double>?, Int32) -> emb_status) {
        precondition(v.count == dof, "expected \(dof) values, got \(v.count)")
        let s = v.withUnsafeBufferPointer { f(h, $0.baseAddress, Int32($0.count)) }
        precondition(s == EMB_OK, "values must be finite")
    }
}

// MARK: - From a RobotModel to the shim's description

/// The link order, base choice and flat C description of a robot.
struct RobotPlan {
    var linkOrder: [Int] = []          // simulator link i → model link index
    var fixedBase: Bool
    var baseOffset: Transform
    var basePose: Transform
    var links: [emb_link_desc] = []
    var shapeStorage: [[emb_shape_desc]] = []
    var vertexStorage: [[Double]] = []
    var options: RobotOptions

    init(model: RobotModel, options: RobotOptions) throws(PhysicsError) {
        self.options = options
        // A massless, shapeless root attached by one fixed or floating joint is the world frame, not a link.
        var base = model.root
        var skippedJoint: Int? = nil
        var urdfFixed = false
        let rootLink = model.links[model.root]
        let rootJoints = model.joints.indices.filter { model.joints[$0].parent == model.root }
        if rootLink.inertial.mass == 0, rootLink.collisions.isEmpty, rootJoints.count == 1,
           [.fixed, .floating].contains(model.joints[rootJoints[0]].type) {
            let j = model.joints[rootJoints[0]]
            skippedJoint = rootJoints[0]
            base = j.child
            // Only a root named `world` (the ROS convention, and PyBullet's) fixes the base; another massless
            // root, such as a quadruped's `base` above its `trunk`, is a frame on a floating base.
            urdfFixed = j.type == .fixed && rootLink.name.lowercased() == "world"
            baseOffset = j.origin
        } else {
            baseOffset = .identity
            // A massless root that stays the base (an MJCF world body with hinge or slide joints) cannot float.
            urdfFixed = rootLink.inertial.mass == 0
        }
        if model.joints.contains(where: { $0.type == .floating }) && skippedJoint.map({ model.joints[$0].type != .floating }) ?? true {
            throw PhysicsError("\(model.sourcePath): a floating joint is only supported from a massless root link to the base")
        }
        // A massless base takes the mass of the links welded to it by fixed joints (they keep their frames, with no
        // mass of their own); a base still massless after that is fixed to the world, as PyBullet fixes a base of mass 0.
        var lumped: Inertial? = nil
        var weldedToBase: Set<Int> = []
        if model.links[base].inertial.mass == 0 {
            let composite = model.compositeInertial(of: base)
            if composite.mass > 0 {
                lumped = composite
                weldedToBase = Set(model.fixedDescendants(of: base))
            }
        }
        fixedBase = options.fixedBase ?? (urdfFixed || (model.links[base].inertial.mass == 0 && lumped == nil))
        basePose = options.basePose * baseOffset

        var simIndex = [Int](repeating: -1, count: model.links.count)
        simIndex[base] = 0
        linkOrder = [base]
        var parents = [-1]
        var joints: [Joint?] = [nil]
        for (ji, j) in model.joints.enumerated() where ji != skippedJoint {
            guard simIndex[j.parent] >= 0 else {
                throw PhysicsError("\(j.location): joint '\(j.name)' is not below the base link")
            }
            simIndex[j.child] = linkOrder.count
            linkOrder.append(j.child)
            parents.append(simIndex[j.parent])
            joints.append(j)
        }
        for (i, li) in linkOrder.enumerated() {
            let link = model.links[li]
            var d = emb_link_desc()
            d.parent = Int32(parents[i])
            let inr = i == 0 ? (lumped ?? link.inertial) : (weldedToBase.contains(li) && lumped != nil ? .massless : link.inertial)
            d.mass = inr.mass
            d.inertial_pose = inr.origin.tuple
            d.inertia = (inr.ixx, inr.iyy, inr.izz, inr.ixy, inr.ixz, inr.iyz)
            if let j = joints[i], j.armature > 0, j.type == .revolute || j.type == .continuous {
                // Armature (rotor inertia, MJCF) as a rotor spinning with the child about the joint axis:
                // armature·a·aᵀ added to the link's inertia, a in the inertial frame. MuJoCo's armature weighs
                // the joint rate q̇ alone; this weighs the child's whole angular velocity along a (docs/mjcf.md).
                let a = link.inertial.origin.rotation.inverseRotate(j.axis)
                let m = j.armature
                d.inertia.0 += m * a.x * a.x; d.inertia.1 += m * a.y * a.y; d.inertia.2 += m * a.z * a.z
                d.inertia.3 += m * a.x * a.y; d.inertia.4 += m * a.x * a.z; d.inertia.5 += m * a.y * a.z
            }
            if let j = joints[i] {
                d.joint_pose = j.origin.tuple
                d.axis = (j.axis.x, j.axis.y, j.axis.z)
                switch j.type {
                case .revolute, .continuous: d.joint_type = EMB_JOINT_REVOLUTE
                case .prismatic: d.joint_type = EMB_JOINT_PRISMATIC
                case .fixed, .floating: d.joint_type = EMB_JOINT_FIXED
                }
                if j.type != .continuous, let l = j.limit, j.type.dof == 1, l.lower.isFinite, l.upper.isFinite {
                    d.has_position_limits = 1
                    d.lower = l.lower
                    d.upper = l.upper
                }
                d.max_effort = j.limit?.effort ?? .infinity
                d.damping = options.jointDynamics ? j.damping : 0
                d.friction = options.jointDynamics ? j.friction : 0
            } else {
                d.joint_pose = Transform.identity.tuple
                d.axis = (1, 0, 0)
            }
            let shapes = link.collisions.map { shapeDescription($0, vertices: &vertexStorage) }
            shapeStorage.append(shapes)
            links.append(d)
        }
    }

    /// Calls `body` with a C description whose pointers stay valid for the call.
    func withDescription<R>(_ body: (emb_robot_desc) -> R) -> R {
        var shapes = shapeStorage
        var links = links
        return withArrayOfPointers(vertexStorage) { vertexPointers in
            var v = 0
            for i in shapes.indices {
                for k in shapes[i].indices where shapes[i][k].type == EMB_SHAPE_CONVEX_HULL {
                    shapes[i][k].vertices = vertexPointers[v]
                    v += 1
                }
            }
            return withArrayOfPointers(shapes) { shapePointers in
                for i in links.indices {
                    links[i].shapes = shapePointers[i]
                    links[i].shape_count = Int32(shapes[i].count)
                }
                return links.withUnsafeBufferPointer { lp in
                    var d = emb_robot_desc()
                    d.links = lp.baseAddress
                    d.link_count = Int32(lp.count)
                    d.fixed_base = fixedBase ? 1 : 0
                    d.base_pose = basePose.tuple
                    d.self_collision = options.selfCollision ? 1 : 0
                    d.linear_damping = options.linearDamping
                    d.angular_damping = options.angularDamping
                    d.friction = options.friction
                    d.restitution = options.restitution
                    d.rolling_friction = options.rollingFriction
                    return body(d)
                }
            }
        }
    }
}

/// The C description of a placed shape; a mesh's vertices are appended, packed x, y, z, to `vertices`,
/// and its `vertices` pointer is left for the caller to fill while that storage is pinned.
func shapeDescription(_ g: Geometry, vertices: inout [[Double]]) -> emb_shape_desc {
    var s = emb_shape_desc()
    s.pose = g.origin.tuple
    switch g.shape {
    case .box(let size): s.type = EMB_SHAPE_BOX; s.size = (size.x, size.y, size.z)
    case .sphere(let r): s.type = EMB_SHAPE_SPHERE; s.size = (r, 0, 0)
    case .cylinder(let r, let l): s.type = EMB_SHAPE_CYLINDER; s.size = (r, l, 0)
    case .capsule(let r, let l): s.type = EMB_SHAPE_CAPSULE; s.size = (r, l, 0)
    case .mesh(let mesh):
        s.type = EMB_SHAPE_CONVEX_HULL
        s.size = (1, 1, 1)
        s.vertex_count = Int32(mesh.vertices.count)
        vertices.append(mesh.vertices.flatMap { [$0.x, $0.y, $0.z] })
    }
    return s
}

/// Calls `body` with stable base pointers for each inner array (nil for empty ones).
func withArrayOfPointers<T, R>(_ arrays: [[T]], _ body: ([UnsafePointer<T>?]) -> R) -> R {
    var pointers: [UnsafePointer<T>?] = []
    func recurse(_ i: Int) -> R {
        if i == arrays.count { return body(pointers) }
        return arrays[i].withUnsafeBufferPointer { bp in
            pointers.append(bp.count > 0 ? bp.baseAddress : nil)
            return recurse(i + 1)
        }
    }
    return recurse(0)
}

extension Transform {
    /// The 7-double C pose (x, y, z, qx, qy, qz, qw).
    var tuple: (Double, Double, Double, Double, Double, Double, Double) {
        (position.x, position.y, position.z, rotation.x, rotation.y, rotation.z, rotation.w)
    }

    /// The 7-double pose as an array.
    var packed: [Double] {
        [position.x, position.y, position.z, rotation.x, rotation.y, rotation.z, rotation.w]
    }

    /// Reads a pose from 7 doubles starting at `offset`.
    public init(_ p: [Double], from offset: Int) {
        self.init(position: Vector3(p[offset], p[offset + 1], p[offset + 2]),
                  rotation: Quaternion(x: p[offset + 3], y: p[offset + 4], z: p[offset + 5], w: p[offset + 6]))
    }
}

extension Robot {
    /// The constraint-space solver's model of this robot at its current state against Bullet's own (for tests):
    /// the largest difference between its contact Jacobian rows and Bullet's, and between M⁻¹ Jᵀ from its mass
    /// matrix and Bullet's articulated-body response, relative to the response's largest entry.
    func constraintSpaceModelErrors() -> (jacobian: Double, response: Double) {
        var errors = [Double](repeating: .nan, count: 2)
        let status = errors.withUnsafeMutableBufferPointer { emb_robot_constraint_space_check(shimHandle, $0.baseAddress) }
        return status == EMB_OK ? (errors[0], errors[1]) : (.nan, .nan)
    }
}

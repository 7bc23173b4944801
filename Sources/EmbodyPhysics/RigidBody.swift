// MARK: - Rigid bodies: loose objects, obstacles and props

import CBullet
import EmbodyModel

/// What a rigid body is made of and where it starts.
public struct BodyDescription: Equatable, Sendable {
    /// The collision shapes in the body frame; the centre of mass is the body frame's origin.
    public var shapes: [Geometry]
    /// The mass in kg; 0 makes the body static.
    public var mass: Double
    /// The initial pose of the body frame in the world.
    public var pose: Transform
    /// The contact friction coefficient.
    public var friction: Double = 0.8
    /// The contact restitution in [0, 1].
    public var restitution: Double = 0
    /// The rolling friction coefficient in m.
    public var rollingFriction: Double = 0
    /// Bullet's linear velocity decay in 1/s (0 is physical).
    public var linearDamping: Double = 0
    /// Bullet's angular velocity decay in 1/s (0 is physical).
    public var angularDamping: Double = 0

    /// Creates a body from one shape at the body origin.
    public init(shape: Shape, mass: Double, pose: Transform = .identity) {
        self.init(shapes: [Geometry(shape: shape)], mass: mass, pose: pose)
    }

    /// Creates a body from placed shapes.
    public init(shapes: [Geometry], mass: Double, pose: Transform = .identity) {
        self.shapes = shapes; self.mass = mass; self.pose = pose
    }
}

/// A rigid body in a World.
public final class RigidBody {
    private var handle: OpaquePointer?
    /// The object id of the body in contacts.
    public let id: Int32
    /// The description the body was created from.
    public let description: BodyDescription

    init(world: World, description: BodyDescription) throws(PhysicsError) {
        self.description = description
        var vertices: [[Double]] = []
        var shapes = description.shapes.map { shapeDescription($0, vertices: &vertices) }
        var err = [CChar](repeating: 0, count: 512)
        let created: OpaquePointer? = withArrayOfPointers(vertices) { vp in
            var v = 0
            for i in shapes.indices where shapes[i].type == EMB_SHAPE_CONVEX_HULL {
                shapes[i].vertices = vp[v]; v += 1
            }
            return shapes.withUnsafeBufferPointer { sp in
                var d = emb_body_desc()
                d.shapes = sp.baseAddress
                d.shape_count = Int32(sp.count)
                d.mass = description.mass
                d.pose = description.pose.tuple
                d.friction = description.friction
                d.restitution = description.restitution
                d.rolling_friction = description.rollingFriction
                d.linear_damping = description.linearDamping
                d.angular_damping = description.angularDamping
                return emb_body_create(world.handle, &d, &err, Int32(err.count))
            }
        }
        guard let h = created else { throw PhysicsError("cannot create body: \(String(cStringBuffer: err))") }
        handle = h
        id = emb_body_id(h)
    }

    func detach() { handle = nil }

    private var h: OpaquePointer {
        guard let handle else { preconditionFailure("the body's world has been destroyed") }
        return handle
    }

    /// The body frame's pose in the world.
    public var pose: Transform {
        get { var p = [Double](repeating: 0, count: 7); getPose(&p); return Transform(p, from: 0) }
        set { precondition(emb_body_set_pose(h, newValue.packed) == EMB_OK, "the pose must be finite") }
    }

    /// Reads the pose into 7 doubles (x, y, z, qx, qy, qz, qw) without allocating.
    public func getPose(_ p: inout [Double]) {
        precondition(p.count >= 7)
        _ = p.withUnsafeMutableBufferPointer { emb_body_get_pose(h, $0.baseAddress) }
    }

    /// Reads the twist into 6 doubles: COM velocity (m/s) and angular velocity (rad/s), world frame.
    public func getTwist(_ t: inout [Double]) {
        precondition(t.count >= 6)
        _ = t.withUnsafeMutableBufferPointer { emb_body_get_twist(h, $0.baseAddress) }
    }

    /// Writes the twist (6 doubles, as `getTwist` reads it).
    public func setTwist(_ t: [Double]) {
        precondition(t.count == 6 && emb_body_set_twist(h, t) == EMB_OK, "the twist needs 6 finite values")
    }

    /// Applies a world-frame force in N at a world point, held until changed.
    public func applyForce(_ f: Vector3, at point: Vector3) {
        precondition(emb_body_apply_force(h, [f.x, f.y, f.z], [point.x, point.y, point.z]) == EMB_OK)
    }

    func hashState(into hasher: inout StateHasher) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 7) { buf in
            _ = emb_body_get_pose(h, buf.baseAddress)
            hasher.combine(UnsafeBufferPointer(buf))
            _ = emb_body_get_twist(h, buf.baseAddress)
            hasher.combine(UnsafeBufferPointer(rebasing: buf[0..<6]))
        }
    }
}

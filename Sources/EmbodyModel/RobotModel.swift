// MARK: - The immutable description of a robot
//
// A RobotModel is what a URDF says, checked and resolved: links, joints in topological order,
// inertias, collision and visual geometry with meshes already loaded. It holds no state: the
// changing state lives in EmbodyPhysics.World, as MuJoCo keeps mjModel apart from mjData.

/// A location in a source file, for messages that point at the offending text.
public struct SourceLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The file path as given to the loader.
    public var file: String
    /// The 1-based line number, or 0 when unknown.
    public var line: Int
    /// The 1-based column number, or 0 when unknown.
    public var column: Int

    /// Creates a location; line and column are 1-based, 0 meaning unknown.
    public init(file: String, line: Int, column: Int = 0) {
        self.file = file; self.line = line; self.column = column
    }

    public var description: String {
        column > 0 ? "\(file):\(line):\(column)" : (line > 0 ? "\(file):\(line)" : file)
    }
}

/// A warning about a model: an element that was ignored or a value that was adjusted.
public struct ModelWarning: Equatable, Sendable, CustomStringConvertible {
    /// Where the element is.
    public var location: SourceLocation
    /// What was ignored or adjusted, written for people.
    public var message: String

    /// Creates a warning at `location`.
    public init(location: SourceLocation, message: String) {
        self.location = location; self.message = message
    }

    public var description: String { "\(location): warning: \(message)" }
}

/// Mass properties of a link: mass, centre of mass and inertia tensor in the inertial frame.
public struct Inertial: Equatable, Sendable {
    /// The mass in kg.
    public var mass: Double
    /// The inertial frame (centre of mass and the axes of `inertia`) relative to the link frame.
    public var origin: Transform
    /// The symmetric inertia tensor about the centre of mass, in kg·m², expressed in the inertial frame:
    /// (ixx, iyy, izz, ixy, ixz, iyz).
    public var ixx, iyy, izz, ixy, ixz, iyz: Double

    /// Creates mass properties; inertia in kg·m² about the COM, in the frame `origin`.
    public init(mass: Double, origin: Transform = .identity,
                ixx: Double, iyy: Double, izz: Double,
                ixy: Double = 0, ixz: Double = 0, iyz: Double = 0) {
        self.mass = mass; self.origin = origin
        self.ixx = ixx; self.iyy = iyy; self.izz = izz
        self.ixy = ixy; self.ixz = ixz; self.iyz = iyz
    }

    /// A massless inertial, what URDF implies when a link has no `<inertial>`.
    public static let massless = Inertial(mass: 0, ixx: 0, iyy: 0, izz: 0)
}

/// One mesh of a mesh file, already scaled, in metres, in the file's frame turned Z-up.
///
/// A file may hold several meshes (a COLLADA scene, an OBJ with several objects); each becomes its own
/// Mesh, so a collision file turns into a compound of convex hulls, one per mesh.
public struct Mesh: Equatable, Sendable {
    /// The resolved file path the vertices came from.
    public var path: String
    /// Vertices in metres in the geometry frame, after scaling.
    public var vertices: [Vector3]
    /// The scale factors that were applied, per axis.
    public var scale: Vector3
    /// Triangles as zero-based indices into `vertices`, three per triangle (empty when only points are known).
    public var triangles: [Int32]
    /// The mesh's name inside its file ("" when it has none).
    public var name: String

    /// Creates a mesh from already-scaled vertices.
    public init(path: String, vertices: [Vector3], scale: Vector3 = Vector3(1, 1, 1), triangles: [Int32] = [],
                name: String = "") {
        self.path = path; self.vertices = vertices; self.scale = scale; self.triangles = triangles; self.name = name
    }

    /// The smallest and largest coordinate over all vertices (zero for a mesh without vertices), in metres.
    public var bounds: (min: Vector3, max: Vector3) {
        guard var lo = vertices.first else { return (.zero, .zero) }
        var hi = lo
        for v in vertices { lo = pointwiseMin(lo, v); hi = pointwiseMax(hi, v) }
        return (lo, hi)
    }
}

/// A mesh file a model used, identified by the hash of its bytes, so a recording can tell when it changed.
public struct MeshFile: Equatable, Hashable, Sendable {
    /// The resolved path.
    public var path: String
    /// FNV-1a 64-bit hash of the file's bytes, as 16 lower-case hex digits (change detection, not security).
    public var hash: String

    public init(path: String, hash: String) { self.path = path; self.hash = hash }
}

/// A geometric shape; dimensions in metres.
public enum Shape: Equatable, Sendable {
    /// An axis-aligned box with full side lengths (x, y, z).
    case box(size: Vector3)
    /// A sphere.
    case sphere(radius: Double)
    /// A cylinder along the local z axis; `length` is the full height.
    case cylinder(radius: Double, length: Double)
    /// A capsule along the local z axis; `length` is the cylindrical part, excluding the two caps.
    case capsule(radius: Double, length: Double)
    /// A mesh; physics uses its convex hull.
    case mesh(Mesh)
}

/// A shape placed in a link frame, for collision or for display.
public struct Geometry: Equatable, Sendable {
    /// The optional name from the URDF.
    public var name: String?
    /// The shape's frame relative to the link frame.
    public var origin: Transform
    /// The shape.
    public var shape: Shape
    /// RGBA colour in [0, 1] for visuals, when the URDF gives one.
    public var rgba: SIMD4<Double>?

    /// Creates a placed shape.
    public init(name: String? = nil, origin: Transform = .identity, shape: Shape, rgba: SIMD4<Double>? = nil) {
        self.name = name; self.origin = origin; self.shape = shape; self.rgba = rgba
    }
}

/// What a link stands for in the source model.
public enum LinkRole: String, Equatable, Sendable {
    /// A rigid body of the source model: a URDF link, an MJCF body, or MJCF's world body.
    case body
    /// A massless frame between two joints of one MJCF body (a body with several joints, or a ball joint).
    case jointFrame
    /// A named frame fixed to a body (an MJCF site): a massless link without geometry.
    case site
}

/// A rigid body of the robot.
public struct Link: Equatable, Sendable {
    /// The unique link name.
    public var name: String
    /// Mass properties.
    public var inertial: Inertial
    /// Collision geometry in the link frame.
    public var collisions: [Geometry]
    /// Visual geometry in the link frame, kept for viewers; physics ignores it.
    public var visuals: [Geometry]
    /// Where the link is declared.
    public var location: SourceLocation
    /// What the link stands for (a body unless an MJCF loader added it as a joint frame or a site).
    public var role: LinkRole

    /// Creates a link.
    public init(name: String, inertial: Inertial = .massless, collisions: [Geometry] = [],
                visuals: [Geometry] = [], location: SourceLocation, role: LinkRole = .body) {
        self.name = name; self.inertial = inertial; self.collisions = collisions
        self.visuals = visuals; self.location = location; self.role = role
    }
}

/// The kinds of URDF joint Embody supports.
public enum JointType: String, Equatable, Sendable, CaseIterable {
    /// A hinge with position limits; 1 DoF in rad.
    case revolute
    /// A hinge without position limits; 1 DoF in rad.
    case continuous
    /// A slider with position limits; 1 DoF in m.
    case prismatic
    /// A rigid attachment; 0 DoF.
    case fixed
    /// A free 6-DoF attachment; only allowed between a massless root link (such as `world`) and the base.
    case floating

    /// The number of generalized coordinates the joint adds to q (floating joints add a base pose instead).
    public var dof: Int {
        switch self {
        case .revolute, .continuous, .prismatic: 1
        case .fixed, .floating: 0
        }
    }
}

/// Limits from a URDF `<limit>` element.
public struct JointLimit: Equatable, Sendable {
    /// The lower position limit, rad or m.
    public var lower: Double
    /// The upper position limit, rad or m.
    public var upper: Double
    /// The maximum absolute effort, N·m or N.
    public var effort: Double
    /// The maximum absolute speed, rad/s or m/s.
    public var velocity: Double

    /// Creates limits; positions in rad or m, effort in N·m or N, velocity in rad/s or m/s.
    public init(lower: Double, upper: Double, effort: Double, velocity: Double) {
        self.lower = lower; self.upper = upper; self.effort = effort; self.velocity = velocity
    }
}

/// A URDF `<mimic>`: this joint is meant to follow q = multiplier · q_leader + offset.
///
/// Embody keeps a mimic joint as a coordinate of its own, as PyBullet does (so the DoF count is the same), and
/// EmbodyPhysics enforces the coupling with a constraint (docs/robots.md); PyBullet ignores it.
public struct Mimic: Equatable, Sendable {
    /// The name of the joint followed.
    public var joint: String
    /// The ratio, rad/rad, m/m, or m/rad across joint types.
    public var multiplier: Double
    /// The offset in rad or m.
    public var offset: Double

    public init(joint: String, multiplier: Double = 1, offset: Double = 0) {
        self.joint = joint; self.multiplier = multiplier; self.offset = offset
    }
}

/// A joint between two links.
public struct Joint: Equatable, Sendable {
    /// The unique joint name.
    public var name: String
    /// The joint type.
    public var type: JointType
    /// Index into `RobotModel.links` of the parent link.
    public var parent: Int
    /// Index into `RobotModel.links` of the child link.
    public var child: Int
    /// The joint frame relative to the parent link frame; the child link frame coincides with it at q = 0.
    public var origin: Transform
    /// The unit joint axis in the joint frame.
    public var axis: Vector3
    /// Limits, when the URDF gives them (required for revolute and prismatic).
    public var limit: JointLimit?
    /// Viscous damping in N·m·s/rad or N·s/m.
    public var damping: Double
    /// Coulomb friction in N·m or N.
    public var friction: Double
    /// Where the joint is declared.
    public var location: SourceLocation
    /// Rotor inertia reflected through the joint (MJCF `armature`), kg·m² or kg; recorded, not simulated
    /// (Bullet's multibody has no armature term).
    public var armature: Double
    /// The joint this one mimics, if the URDF says so.
    public var mimic: Mimic? = nil

    /// Creates a joint.
    public init(name: String, type: JointType, parent: Int, child: Int, origin: Transform = .identity,
                axis: Vector3 = Vector3(1, 0, 0), limit: JointLimit? = nil, damping: Double = 0,
                friction: Double = 0, location: SourceLocation, armature: Double = 0) {
        self.name = name; self.type = type; self.parent = parent; self.child = child
        self.origin = origin; self.axis = axis; self.limit = limit
        self.damping = damping; self.friction = friction; self.location = location; self.armature = armature
    }
}

/// Simulation settings a model file suggests (MJCF's `<option>`), used where a scenario does not set its own.
public struct PhysicsDefaults: Equatable, Sendable {
    /// The integration step in s.
    public var timestep: Double
    /// The gravity vector in m/s², world frame.
    public var gravity: Vector3
    /// Substeps per time step that keep the model's joint damping stable, which Embody applies explicitly
    /// (−d·q̇ each substep, stable while h·d/I < 2): the smallest n with (timestep/n)·d/I ≤ 1 for every
    /// joint, I the joint's own body's inertia about its axis plus armature.
    public var substeps: Int

    /// Creates defaults; `timestep` in s, `gravity` in m/s².
    public init(timestep: Double, gravity: Vector3, substeps: Int = 1) {
        self.timestep = timestep; self.gravity = gravity; self.substeps = substeps
    }
}

/// A robot: a tree of links joined by joints, checked and immutable.
public struct RobotModel: Equatable, Sendable {
    /// The robot name from the URDF.
    public var name: String
    /// All links; `links[root]` is the root of the tree.
    public var links: [Link]
    /// All joints, in topological order: a joint's parent link is the root or the child of an earlier joint.
    public var joints: [Joint]
    /// The index of the root link.
    public var root: Int
    /// The file the model came from.
    public var sourcePath: String
    /// Elements that were ignored or adjusted while loading; ignored elements appear as one summary.
    public var warnings: [ModelWarning]
    /// The time step and gravity the model file suggests (MJCF `<option>`); nil for URDF.
    public var physicsDefaults: PhysicsDefaults?
    /// Each element Embody does not use (Gazebo, transmissions, unknown tags), listed by `--verbose`.
    public var ignoredElements: [ModelWarning] = []
    /// Every mesh file the model uses, by resolved path, with the hash of its bytes.
    public var meshFiles: [MeshFile] = []
    /// The description's text as loaded (empty for a model built in code), for recordings.
    public var descriptionText: String = ""

    /// Creates a model; `joints` must be in topological order.
    public init(name: String, links: [Link], joints: [Joint], root: Int, sourcePath: String,
                warnings: [ModelWarning] = [], physicsDefaults: PhysicsDefaults? = nil) {
        self.name = name; self.links = links; self.joints = joints; self.root = root
        self.sourcePath = sourcePath; self.warnings = warnings; self.physicsDefaults = physicsDefaults
    }

    /// The joints that add a coordinate to q, in q order.
    public var movableJoints: [Joint] { joints.filter { $0.type.dof == 1 } }

    /// The number of actuated degrees of freedom (the length of q, q̇ and τ).
    public var dof: Int { movableJoints.count }

    /// The names of the movable joints, in q order.
    public var jointNames: [String] { movableJoints.map(\.name) }

    /// The total mass in kg.
    public var totalMass: Double { links.reduce(0) { $0 + $1.inertial.mass } }

    /// The index of the link named `name`, if any.
    public func linkIndex(named name: String) -> Int? { links.firstIndex { $0.name == name } }

    /// The index in q of the movable joint named `name`, if any.
    public func coordinateIndex(ofJoint name: String) -> Int? { movableJoints.firstIndex { $0.name == name } }

    /// Whether the root is a massless frame attached to its child by a floating joint (a declared floating base).
    public var declaresFloatingBase: Bool {
        joints.contains { $0.type == .floating }
    }
}

// cbullet.h: the C API over Bullet 3.24 (double precision) that EmbodyPhysics uses.
//
// Why this shim exists: Swift cannot call Bullet's C++ classes directly without C++ interop
// leaking into every module, so everything Bullet does for Embody goes through these prefixed C
// functions on opaque handles. Conventions:
//   - Every symbol starts with `emb_`. Handles are opaque; each `*_create` has a matching `*_destroy`.
//   - Units are SI: metres, kilograms, seconds, radians, newtons, newton-metres.
//   - A pose is 7 doubles: position (x, y, z) in m, then a unit quaternion (x, y, z, w).
//   - A twist is 6 doubles: linear velocity (x, y, z) in m/s, then angular velocity (x, y, z) in rad/s,
//     both in the world frame.
//   - Output arrays come with an explicit capacity in doubles (or elements, where stated); a call
//     whose capacity is too small writes nothing and returns EMB_ERR_CAPACITY.
//   - Failures return a non-zero emb_status; functions that can fail for reasons worth explaining
//     take (char* err, int err_size) and write a NUL-terminated message there. No C++ exception
//     crosses this boundary: the shim catches them and reports EMB_ERR_INTERNAL.
//   - Nothing here allocates during emb_world_step or the state accessors; memory is sized when a
//     robot or body is created.
#ifndef EMBODY_CBULLET_H
#define EMBODY_CBULLET_H

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - Status codes

/// The result of a call: EMB_OK (0) or one of the errors below.
typedef int emb_status;
/// The call succeeded.
#define EMB_OK 0
/// An argument was invalid (null handle, bad size, non-finite number, bad index).
#define EMB_ERR_ARGUMENT 1
/// An output array's capacity was too small.
#define EMB_ERR_CAPACITY 2
/// Bullet or the C++ runtime failed (an exception was caught); the message says what.
#define EMB_ERR_INTERNAL 3

// MARK: - Handles

/// A physics world: a btMultiBodyDynamicsWorld with its ground, robots and bodies.
typedef struct emb_world emb_world;
/// A robot in a world: one Featherstone btMultiBody built from a link tree.
typedef struct emb_robot emb_robot;
/// A rigid object in a world: one btRigidBody.
typedef struct emb_body emb_body;
/// A saved copy of a world's complete simulation state, for emb_world_save and emb_world_restore.
typedef struct emb_snapshot emb_snapshot;

// MARK: - Shapes

/// Shape kinds for emb_shape_desc.type.
#define EMB_SHAPE_BOX 0
#define EMB_SHAPE_SPHERE 1
#define EMB_SHAPE_CYLINDER 2
#define EMB_SHAPE_CAPSULE 3
#define EMB_SHAPE_CONVEX_HULL 4

/// A collision shape placed in a link or body frame.
typedef struct emb_shape_desc {
    /// One of EMB_SHAPE_*.
    int type;
    /// Box: full side lengths (x, y, z) in m; sphere: (radius); cylinder and capsule along z: (radius, length) in m,
    /// the capsule's length excluding its caps.
    double size[3];
    /// The shape's pose relative to the owning link or body frame (7 doubles).
    double pose[7];
    /// Convex hull: vertex_count points packed as x, y, z in m in the shape frame (3 × vertex_count doubles).
    const double* vertices;
    /// The number of hull vertices (0 for primitives).
    int vertex_count;
} emb_shape_desc;

// MARK: - World

/// World settings.
typedef struct emb_world_desc {
    /// Gravity in m/s², world frame.
    double gravity[3];
    /// Constraint solver iterations per step (contacts, limits, friction); Bullet's default is 10, PyBullet's 50.
    int solver_iterations;
    /// Non-zero adds a static ground plane z = 0 with normal +z.
    int ground;
    /// Ground Coulomb friction coefficient (combined with a body's by multiplication).
    double ground_friction;
    /// Ground restitution in [0, 1].
    double ground_restitution;
    /// Ground rolling friction coefficient in m.
    double ground_rolling_friction;
    /// How robots integrate: EMB_INTEGRATOR_EULER (Bullet's and PyBullet's semi-implicit Euler) or EMB_INTEGRATOR_RK4.
    int integrator;
} emb_world_desc;

/// Semi-implicit Euler: velocities first, then positions with the new velocities (Bullet's default).
#define EMB_INTEGRATOR_EULER 0
/// Bullet's classical fourth-order Runge-Kutta for the unconstrained multibody dynamics.
#define EMB_INTEGRATOR_RK4 1

/// Fills `desc` with Embody's defaults: g = (0, 0, −9.81), 50 iterations, a ground with friction 1.
void emb_world_desc_default(emb_world_desc* desc);

/// Creates a world; returns NULL and writes a message to err on failure.
emb_world* emb_world_create(const emb_world_desc* desc, char* err, int err_size);

/// Destroys a world and every robot and body in it; NULL is ignored.
void emb_world_destroy(emb_world* world);

/// Advances the world by exactly `dt` seconds as `substeps` equal fixed steps of dt/substeps (never
/// Bullet's accumulating, interpolating mode); held joint torques are re-applied on every substep.
emb_status emb_world_step(emb_world* world, double dt, int substeps);

/// Sets gravity in m/s², world frame (3 doubles).
emb_status emb_world_set_gravity(emb_world* world, const double gravity[3]);

/// The number of physics steps (substeps included) taken since creation or the last restore.
long long emb_world_step_count(const emb_world* world);

/// The integer id that contacts use for the ground plane, or −1 when the world has none.
int emb_world_ground_id(const emb_world* world);

// MARK: - Contacts

/// One contact point between two bodies after the last step.
typedef struct emb_contact {
    /// The id of object A (a robot, a body or the ground; see emb_robot_id, emb_body_id, emb_world_ground_id).
    int object_a;
    /// The link of A: −1 for a robot's base or for a rigid body, otherwise the link index.
    int link_a;
    /// The id of object B.
    int object_b;
    /// The link of B, as for link_a.
    int link_b;
    /// The contact point on B in world coordinates, m.
    double position_on_b[3];
    /// The contact normal in world coordinates, a unit vector pointing from B to A.
    double normal_on_b[3];
    /// The signed distance in m; negative means penetration.
    double distance;
    /// The normal force in N applied during the last step (impulse / dt).
    double normal_force;
    /// The friction forces in N along lateral_dir_1 and lateral_dir_2.
    double friction_force[2];
    /// The first friction direction, a world-frame unit vector.
    double lateral_dir_1[3];
    /// The second friction direction, a world-frame unit vector.
    double lateral_dir_2[3];
} emb_contact;

/// Writes up to `capacity` contacts into `out` and returns how many exist (which may exceed capacity).
int emb_world_contacts(const emb_world* world, emb_contact* out, int capacity);

// MARK: - Save and restore

/// Creates an empty snapshot; its memory grows on the first save and is reused afterwards.
emb_snapshot* emb_snapshot_create(void);

/// Destroys a snapshot; NULL is ignored.
void emb_snapshot_destroy(emb_snapshot* snapshot);

/// Saves the complete simulation state: every robot's q, q̇, base pose and twist, held torques, every
/// body's pose and velocity, the step counter and the contact cache that warm-starts the solver.
emb_status emb_world_save(const emb_world* world, emb_snapshot* snapshot);

/// Restores a state saved from this same world (same robots and bodies); stepping on from it gives
/// the same bits as stepping on from the moment it was saved.
emb_status emb_world_restore(emb_world* world, const emb_snapshot* snapshot, char* err, int err_size);

// MARK: - Robots

/// Joint kinds for emb_link_desc.joint_type.
#define EMB_JOINT_FIXED 0
#define EMB_JOINT_REVOLUTE 1
#define EMB_JOINT_PRISMATIC 2

/// One link of a robot and the joint that attaches it to its parent.
typedef struct emb_link_desc {
    /// The index of the parent link in the same array, or −1 for the base (link 0 only).
    int parent;
    /// One of EMB_JOINT_*; ignored for the base.
    int joint_type;
    /// The joint frame relative to the parent link frame (7 doubles); the link frame equals it at q = 0.
    double joint_pose[7];
    /// The unit joint axis in the joint frame.
    double axis[3];
    /// The link mass in kg (0 allowed only for fixed-joint links and a fixed base).
    double mass;
    /// The inertial frame (centre of mass, inertia axes) relative to the link frame (7 doubles).
    double inertial_pose[7];
    /// The inertia tensor about the COM in the inertial frame, kg·m²: ixx, iyy, izz, ixy, ixz, iyz.
    double inertia[6];
    /// Non-zero enforces [lower, upper] with a joint-limit constraint.
    int has_position_limits;
    /// The lower position limit in rad or m.
    double lower;
    /// The upper position limit in rad or m.
    double upper;
    /// The maximum absolute torque or force in N·m or N that a command may apply (commands are clamped).
    double max_effort;
    /// Viscous joint damping in N·m·s/rad or N·s/m, applied as −damping·q̇.
    double damping;
    /// Coulomb joint friction in N·m or N, applied by a zero-velocity constraint of that strength.
    double friction;
    /// The link's collision shapes in the link frame.
    const emb_shape_desc* shapes;
    /// The number of shapes.
    int shape_count;
} emb_link_desc;

/// A robot: a tree of links, the base first, each parent before its children.
typedef struct emb_robot_desc {
    /// The links; links[0] is the base.
    const emb_link_desc* links;
    /// The number of links (at least 1).
    int link_count;
    /// Non-zero fixes the base to the world.
    int fixed_base;
    /// The base link frame's initial pose in the world (7 doubles).
    double base_pose[7];
    /// Non-zero lets non-adjacent links of this robot collide with each other.
    int self_collision;
    /// Linear damping per link (Bullet's velocity decay, 1/s); 0 is physical.
    double linear_damping;
    /// Angular damping per link, as linear_damping.
    double angular_damping;
    /// Contact friction coefficient of every link.
    double friction;
    /// Contact restitution of every link in [0, 1].
    double restitution;
    /// Rolling friction coefficient of every link, m.
    double rolling_friction;
} emb_robot_desc;

/// Adds a robot to the world; returns NULL and writes a message on failure.
emb_robot* emb_robot_create(emb_world* world, const emb_robot_desc* desc, char* err, int err_size);

/// Removes a robot from its world and frees it; NULL is ignored.
void emb_robot_destroy(emb_robot* robot);

/// The robot's object id in contacts.
int emb_robot_id(const emb_robot* robot);

/// The number of joint coordinates (revolute and prismatic joints), the length of q, q̇ and τ.
int emb_robot_dof(const emb_robot* robot);

/// The number of links, base included.
int emb_robot_link_count(const emb_robot* robot);

/// Reads joint positions q (dof doubles, rad or m) in link order.
emb_status emb_robot_get_q(const emb_robot* robot, double* q, int capacity);

/// Reads joint velocities q̇ (dof doubles, rad/s or m/s).
emb_status emb_robot_get_qd(const emb_robot* robot, double* qd, int capacity);

/// Writes joint positions q (dof doubles) and updates link poses.
emb_status emb_robot_set_q(emb_robot* robot, const double* q, int count);

/// Writes joint velocities q̇ (dof doubles).
emb_status emb_robot_set_qd(emb_robot* robot, const double* qd, int count);

/// Reads the base link frame's pose in the world (7 doubles).
emb_status emb_robot_get_base_pose(const emb_robot* robot, double pose[7]);

/// Writes the base link frame's pose (7 doubles; the quaternion is normalized) and updates link poses.
emb_status emb_robot_set_base_pose(emb_robot* robot, const double pose[7]);

/// Reads the base twist: the velocity of the base link frame's origin and the angular velocity (6 doubles).
emb_status emb_robot_get_base_twist(const emb_robot* robot, double twist[6]);

/// Writes the base twist (6 doubles), as emb_robot_get_base_twist reads it.
emb_status emb_robot_set_base_twist(emb_robot* robot, const double twist[6]);

/// Reads every link frame's pose in the world (7 × link_count doubles, the base first).
emb_status emb_robot_get_link_poses(const emb_robot* robot, double* poses, int capacity);

/// Reads every link frame origin's twist in the world (6 × link_count doubles, the base first).
emb_status emb_robot_get_link_twists(emb_robot* robot, double* twists, int capacity);

/// Sets the joint torques or forces (dof doubles, N·m or N) held for every following step until changed;
/// each is clamped to its link's max_effort.
emb_status emb_robot_set_torques(emb_robot* robot, const double* tau, int count);

/// Reads the held torques after clamping (dof doubles), the values each step applies before damping.
emb_status emb_robot_get_applied_torques(const emb_robot* robot, double* tau, int capacity);

// MARK: - Rigid bodies

/// A rigid object.
typedef struct emb_body_desc {
    /// The collision shapes in the body frame (at least 1).
    const emb_shape_desc* shapes;
    /// The number of shapes.
    int shape_count;
    /// The mass in kg; 0 makes the body static.
    double mass;
    /// The body frame's initial pose in the world (7 doubles).
    double pose[7];
    /// Contact friction coefficient.
    double friction;
    /// Contact restitution in [0, 1].
    double restitution;
    /// Rolling friction coefficient, m.
    double rolling_friction;
    /// Linear velocity decay, 1/s (0 is physical).
    double linear_damping;
    /// Angular velocity decay, 1/s (0 is physical).
    double angular_damping;
} emb_body_desc;

/// Adds a rigid body to the world; its inertia is computed from its shapes with the COM at the body
/// frame's origin. Returns NULL and writes a message on failure.
emb_body* emb_body_create(emb_world* world, const emb_body_desc* desc, char* err, int err_size);

/// Removes a body from its world and frees it; NULL is ignored.
void emb_body_destroy(emb_body* body);

/// The body's object id in contacts.
int emb_body_id(const emb_body* body);

/// Reads the body frame's pose in the world (7 doubles).
emb_status emb_body_get_pose(const emb_body* body, double pose[7]);

/// Writes the body frame's pose (7 doubles).
emb_status emb_body_set_pose(emb_body* body, const double pose[7]);

/// Reads the body's twist (6 doubles): COM linear velocity and angular velocity, world frame.
emb_status emb_body_get_twist(const emb_body* body, double twist[6]);

/// Writes the body's twist (6 doubles).
emb_status emb_body_set_twist(emb_body* body, const double twist[6]);

/// Applies an external force in N at a world point for the next step only (world frame, 3 + 3 doubles).
emb_status emb_body_apply_force(emb_body* body, const double force[3], const double point[3]);

/// Applies an external force in N at the origin of a robot link (−1 for the base) for the next step only.
emb_status emb_robot_apply_link_force(emb_robot* robot, int link, const double force[3]);

#ifdef __cplusplus
}
#endif

#endif // EMBODY_CBULLET_H

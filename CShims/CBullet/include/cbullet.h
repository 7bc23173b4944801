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
    /// The solver stops sweeping once a sweep's residual (the largest squared change of a row's velocity in the
    /// sweep, (m/s)² or (rad/s)², Bullet's multibody measure) is at or below this; ≥ 0 and finite. PyBullet's 1e-7
    /// by default.
    double solver_residual;
    /// How contact friction is bounded: EMB_FRICTION_CONE (the two friction rows together within μ·λn, Bullet's
    /// implicit cone, PyBullet's default) or EMB_FRICTION_BOX (each row within μ·λn on its own).
    int friction_model;
    /// Bullet's warm starting of multibody contact rows from the previous step's impulses, as a factor in [0, 1];
    /// 0 (the default, as PyBullet) starts every row from zero.
    double warm_start;
    /// How a step's contact, limit and friction rows are solved: EMB_SOLVER_BULLET (Bullet's multibody sequential
    /// impulses, PyBullet's, the default) or EMB_SOLVER_CONSTRAINT_SPACE (the same projected Gauss–Seidel sweeps
    /// and the same rows, solved on A = J M⁻¹ Jᵀ after one factorization of each robot's mass matrix; see
    /// constraint_space.cpp). A step the constraint-space solver cannot take is solved by Bullet's.
    int solver;
} emb_world_desc;

/// Bullet's multibody constraint solver: one articulated-body pass per row, sequential impulses (PyBullet's).
#define EMB_SOLVER_BULLET 0
/// Embody's constraint-space solver: M factored once per robot and step, sweeps over A = J M⁻¹ Jᵀ.
#define EMB_SOLVER_CONSTRAINT_SPACE 1

/// Contact friction bounded by a cone: |(f₁, f₂)| ≤ μ·fn.
#define EMB_FRICTION_CONE 0
/// Contact friction bounded per direction: |f₁| ≤ μ·fn and |f₂| ≤ μ·fn (up to √2·μ·fn diagonally).
#define EMB_FRICTION_BOX 1

/// Semi-implicit Euler: velocities first, then positions with the new velocities (Bullet's default).
#define EMB_INTEGRATOR_EULER 0
/// Bullet's classical fourth-order Runge-Kutta for the unconstrained multibody dynamics.
#define EMB_INTEGRATOR_RK4 1

/// Fills `desc` with Embody's defaults: g = (0, 0, −9.81), 50 iterations, residual 1e-7, cone friction, no warm
/// start, a ground with friction 1.
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

/// Whether a step skips Bullet's islands and constraint solver when they would build no constraint row (no
/// contact manifold, no active joint limit, no motor, no moving rigid body; docs/physics.md). On by default; the
/// results are the same bit for bit either way, so turning it off (0) is only for tests and measurements.
void emb_world_set_idle_solver_skip(emb_world* world, int enabled);

/// The number of physics steps (substeps included) that skipped the idle solver since creation.
long long emb_world_idle_solver_skips(const emb_world* world);

/// The margin, in metres, by which the broadphase grows a collision object's box in its AABB tree, so that an object
/// moving less than that between steps is not re-inserted and re-collided (docs/physics.md). 0, Bullet's and
/// PyBullet's behaviour, in worlds with Bullet's solver; 5 mm in worlds with the constraint-space solver, where the
/// extra pairs it makes change no result while the robot's links are under a metre across (their manifolds hold no
/// point, and that solver skips empty manifolds; internal.hpp, GrownLeafBroadphase). EMB_ERR_ARGUMENT unless
/// 0 ≤ margin ≤ 1 m and finite; for tests and measurements.
emb_status emb_world_set_broadphase_margin(emb_world* world, double margin);

/// The world's broadphase margin in metres (see emb_world_set_broadphase_margin).
double emb_world_broadphase_margin(const emb_world* world);

/// Since creation, while the margin was above 0: how many times a collision object's box was updated
/// (counts[0]) and how many of those moved its leaf in the broadphase tree (counts[1]); the rest cost no tree work.
void emb_world_broadphase_counts(const emb_world* world, long long counts[2]);

/// The constraint solver's sweeps over its rows since creation, summed over islands and steps (at most
/// solver_iterations per island and step; fewer when the residual threshold ends a solve early).
long long emb_world_solver_sweeps(const emb_world* world);

/// The number of steps the constraint-space solver took since creation (EMB_SOLVER_CONSTRAINT_SPACE only); the
/// other steps were solved by Bullet's solver because the constraint-space solver cannot take them (see
/// constraint_space.cpp: moving rigid bodies, contacts between two robots, joint motors and gears, rolling
/// friction, more rows than reserved).
long long emb_world_constraint_space_steps(const emb_world* world);

/// A check of the constraint-space solver's model of a robot at its current state, against Bullet's own: errors[0]
/// is the largest absolute difference between its contact Jacobian rows and btMultiBody::fillContactJacobianMultiDof's
/// (a unit normal at a point near every link), errors[1] the largest difference between M⁻¹ Jᵀ from its mass matrix
/// and Bullet's articulated-body response (calcAccelerationDeltasMultiDof), relative to the response's largest entry.
/// For tests; allocates.
emb_status emb_robot_constraint_space_check(emb_robot* robot, double errors[2]);

/// Non-zero makes the constraint-space solver run its baseline x86-64 loops even where the CPU has AVX (for the test
/// that both give the same bits); 0, the default, uses AVX where the CPU has it. Process-wide; not for use while a
/// world steps on another thread.
void emb_constraint_space_baseline_lanes(int enabled);

/// What Bullet's block pool (pool.cpp) has served since the first world was created, for tests and diagnostics.
typedef struct emb_pool_stats {
    /// 1 when the pool is installed (after the first emb_world_create), else 0 and the rest are 0.
    int installed;
    /// Pool blocks currently held by Bullet.
    long long blocks_in_use;
    /// The sum over size classes of the most blocks ever held at once × the block size, bytes.
    long long bytes_high_water;
    /// Bullet allocations that went to malloc: larger than the largest block, or a class ran out.
    long long malloc_fallbacks;
    /// Of those, the ones whose size class had run out (0 unless a scene is far larger than the pool).
    long long exhausted_fallbacks;
} emb_pool_stats;

/// Fills `out` with the block pool's counters; process-wide, shared by all worlds.
void emb_block_pool_stats(emb_pool_stats* out);

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

/// Couples coordinate `follower` to coordinate `leader` (indices in emb_robot_get_q order), as a URDF <mimic>
/// says: q_f = multiplier · q_l + offset. A gear constraint (Bullet's btMultiBodyGearConstraint) holds
/// q̇_f − multiplier · q̇_l = 0 each step with no force bound, and corrects position drift by the solver's
/// error reduction parameter (Bullet's m_erp, 0.2 of the error per step). Each coordinate follows at most one
/// leader, never itself. Like the robot's limits and friction, the constraint is solved in its robot's island
/// even when neither link has a collision shape; a robot with no moving collision shape at all has no island,
/// and Bullet then solves none of its constraints.
emb_status emb_robot_add_mimic(emb_robot* robot, int follower, int leader, double multiplier, double offset,
                               char* err, int err_size);

// MARK: - Dynamics terms
//
// An emb_dynamics object computes the rigid-body dynamics of one robot for controllers, planners and
// estimators: the mass matrix M(q), the bias forces h(q, v), the gravity forces g(q), point and frame
// Jacobians, forward kinematics, inverse dynamics and (for checking all of these) the accelerations
// Bullet's own articulated-body algorithm computes, the ones the simulator integrates. It owns a
// private copy of the robot's multibody, taken at creation, so no call ever touches the simulated
// state. Conventions (docs/dynamics.md):
//   - q: the dof joint coordinates in emb_robot_get_q order (rad or m).
//   - v, the generalized velocity, nv doubles: for a fixed base v = q̇ (nv = dof); for a floating base
//     v = [v_O (3), ω (3), q̇ (dof)] (nv = dof + 6), where v_O is the world-frame velocity of the base
//     LINK frame's origin and ω the base's angular velocity in the world frame, as
//     emb_robot_get_base_twist reads them. v̇ is their plain time derivative (for the base: the
//     origin's acceleration and the angular acceleration, world frame).
//   - Generalized forces τ (nv doubles) are power-conjugate to v: for a floating base, a world-frame
//     force on the base (N) and a world-frame torque about the base link origin (N·m), then the joint
//     torques or forces.
//   - The equations of motion are M(q) v̇ + h(q, v) = τ, with h = C(q, v) v + g(q). Joint damping,
//     joint friction, Bullet's link velocity decay, limits and contacts are not part of them.
//   - Gravity is the world's at creation (emb_dynamics_set_gravity changes it).
//   - base_pose is always the base link frame's world pose (7 doubles; the quaternion is normalized);
//     for a fixed base, pass the pose the base is fixed at (emb_robot_get_base_pose).
//   - Matrices are row-major. A Jacobian has 6 rows: the point's linear velocity (x, y, z) in m/s, then
//     the link's angular velocity (x, y, z) in rad/s, both in the world frame, per unit of each v entry.
//   - Links are numbered as in emb_robot_get_link_poses: 0 is the base.
//   - Input arrays must be finite (EMB_ERR_ARGUMENT otherwise). A call with bitwise the same q and base_pose
//     as the previous call on the same object reuses its kinematics (M, h and J at one state cost less).
//   - Nothing here allocates after emb_dynamics_create. An object is not safe to use from two threads
//     at once; create one per thread.

/// Dynamics terms of one robot, computed on a private copy of its model.
typedef struct emb_dynamics emb_dynamics;

/// Creates a dynamics object for `robot` (copying its links, joints, inertias and its world's gravity);
/// returns NULL and writes a message to err on failure. It stays valid after the robot is destroyed.
emb_dynamics* emb_dynamics_create(const emb_robot* robot, char* err, int err_size);

/// Destroys a dynamics object; NULL is ignored.
void emb_dynamics_destroy(emb_dynamics* dyn);

/// The number of joint coordinates (the length of q).
int emb_dynamics_dof(const emb_dynamics* dyn);

/// The number of generalized velocities: dof, or dof + 6 with a floating base.
int emb_dynamics_nv(const emb_dynamics* dyn);

/// The number of links, base included.
int emb_dynamics_link_count(const emb_dynamics* dyn);

/// Non-zero when the base floats (v and τ then start with 6 base entries).
int emb_dynamics_floating_base(const emb_dynamics* dyn);

/// Reads the gravity the terms use, in m/s², world frame (3 doubles).
emb_status emb_dynamics_get_gravity(const emb_dynamics* dyn, double gravity[3]);

/// Sets the gravity the terms use, in m/s², world frame (3 doubles); call it when the world's changes.
emb_status emb_dynamics_set_gravity(emb_dynamics* dyn, const double gravity[3]);

/// Writes the mass matrix M(q) (nv × nv doubles, row-major, kg, kg·m or kg·m²) into `mass_matrix`.
emb_status emb_dynamics_mass_matrix(emb_dynamics* dyn, const double* q, const double base_pose[7],
                                    double* mass_matrix, int capacity);

/// Writes the bias forces h(q, v) = C(q, v) v + g(q) (nv doubles, N or N·m), the τ giving v̇ = 0; v has nv doubles.
emb_status emb_dynamics_bias(emb_dynamics* dyn, const double* q, const double* v, const double base_pose[7],
                             double* bias, int capacity);

/// Writes the gravity forces g(q) = h(q, 0) (nv doubles, N or N·m).
emb_status emb_dynamics_gravity(emb_dynamics* dyn, const double* q, const double base_pose[7],
                                double* gravity_forces, int capacity);

/// Writes the inverse dynamics τ = M(q) v̇ + h(q, v) (nv doubles) for velocities v and accelerations
/// v̇ (nv doubles each; NULL means zero), by the recursive Newton-Euler algorithm.
emb_status emb_dynamics_inverse(emb_dynamics* dyn, const double* q, const double* v, const double* vdot,
                                const double base_pose[7], double* tau, int capacity);

/// Writes Bullet's forward dynamics v̇ (nv doubles) for generalized forces τ (nv doubles): the
/// accelerations btMultiBody's articulated-body algorithm computes, exactly as the simulator's step
/// does before integrating, without contacts, limits, damping or friction.
emb_status emb_dynamics_forward(emb_dynamics* dyn, const double* q, const double* v, const double* tau,
                                const double base_pose[7], double* vdot, int capacity);

/// Writes the 6 × nv Jacobian (row-major) of a point fixed in link `link`, given in that link's frame in m
/// (3 doubles; NULL means the link frame's origin, which gives the frame Jacobian).
emb_status emb_dynamics_jacobian(emb_dynamics* dyn, int link, const double point[3], const double* q,
                                 const double base_pose[7], double* jacobian, int capacity);

/// Writes J̇(q, v) v (6 doubles): the point's linear acceleration (m/s²) and the link's angular
/// acceleration (rad/s²), world frame, when v̇ = 0, so the point accelerates by J v̇ + J̇ v; gravity excluded.
emb_status emb_dynamics_bias_acceleration(emb_dynamics* dyn, int link, const double point[3], const double* q,
                                          const double* v, const double base_pose[7], double acceleration[6]);

/// Writes the world pose of link `link`'s frame at configuration q (7 doubles), as emb_robot_get_link_poses
/// would read it after emb_robot_set_q and emb_robot_set_base_pose.
emb_status emb_dynamics_link_pose(emb_dynamics* dyn, int link, const double* q, const double base_pose[7],
                                  double pose[7]);

// MARK: - Queries
//
// Read-only geometric queries for sensors and planners (queries.cpp): batched ray casts, and collision
// checks of a robot at a configuration other than its current one. They never change the simulation: an
// emb_world_step after a query gives the same bits as without it. They do not use the broadphase (whose
// stored bounds lag one step behind and would be disturbed by a refresh); instead they visit objects in a
// fixed order (the ground, bodies in creation order, then robots in creation order, each robot's links
// base first) and cull them with bounds computed from the current poses, so their results depend only on
// the current poses. Apart from Bullet's pooled collision algorithms they allocate nothing. Do not call
// them while another thread steps or reads the same world.
//
// Link numbering here is that of emb_robot_get_link_poses (0 = the base), unlike emb_contact's.

/// Casts `count` rays and reports each one's closest hit. Ray i runs from origins[3i..3i+2] to ends[3i..3i+2]
/// (m, world frame); objects whose id equals `ignore_object` are skipped (−1 skips none; pass a robot's id for
/// a camera mounted on it). Per ray: hit_fraction[i] is the hit's fraction of the way from origin to end
/// (1 = no hit); hit_object[i] the object id (−1 = none); hit_link[i] the robot link (0 = base), −1 for bodies,
/// the ground or no hit; hit_normal[3i..3i+2] the unit surface normal at the hit, world frame (zeros = none).
/// hit_object, hit_link and hit_normal may be NULL. Cost: O(count × objects) bound tests plus one ray test per
/// object whose bounds the ray crosses: closed-form (exact) for the ground plane, boxes, spheres, capsules and
/// cylinders, also as compound children; Bullet's subsimplex ray cast for convex hulls and for cylinder rims,
/// which Bullet rounds by the collision margin (Bullet's own iterative accuracy). A hit replaces another only when strictly
/// closer, so at equal fractions the first object in the canonical order wins.
emb_status emb_world_ray_cast_batch(const emb_world* world, const double* origins, const double* ends, int count,
                                    int ignore_object, double* hit_fraction, int* hit_object, int* hit_link,
                                    double* hit_normal);

/// The slow reference for emb_world_ray_cast_batch, used by tests: the same arguments and outputs, but every
/// object goes through Bullet's btCollisionWorld::rayTestSingle (subsimplex casts, plane triangles), as the
/// batch did before it had closed-form tests; several times slower per ray (6× on the depth-camera scene).
emb_status emb_world_ray_cast_batch_reference(const emb_world* world, const double* origins, const double* ends,
                                              int count, int ignore_object, double* hit_fraction, int* hit_object,
                                              int* hit_link, double* hit_normal);

/// emb_robot_check_collision flag: test the robot's links against the ground plane.
#define EMB_CHECK_GROUND 1
/// emb_robot_check_collision flag: test against rigid bodies, static and dynamic, at their current poses.
#define EMB_CHECK_BODIES 2
/// emb_robot_check_collision flag: test against other robots at their current configurations.
#define EMB_CHECK_ROBOTS 4
/// emb_robot_check_collision flag: test the robot's own link pairs that move relative to each other and are
/// not parent and child.
#define EMB_CHECK_SELF 8
/// emb_robot_check_collision flag: test every pair and report the closest, instead of stopping at the first hit.
#define EMB_CHECK_ALL_PAIRS 16
/// emb_robot_check_collision flags: ground, bodies, other robots and self.
#define EMB_CHECK_EVERYTHING 15

/// The outcome of emb_robot_check_collision.
typedef struct emb_collision_result {
    /// Non-zero when some tested pair is closer than the margin.
    int colliding;
    /// The robot's link in the reported pair (0 = base), −1 when none.
    int link;
    /// The other object's id (the robot's own id for self-collision), −1 when none.
    int other_object;
    /// The other object's link (0 = base) when it is a robot, else −1.
    int other_link;
    /// The reported pair's signed distance in m (negative = penetration); +infinity when no pair is within the margin.
    double distance;
    /// The number of narrowphase tests run (a cost measure).
    int pairs_tested;
} emb_collision_result;

/// Tests whether the robot at joint positions q (count = dof doubles, rad or m; base at its current pose)
/// would come closer than `margin` m (0: touching is allowed, penetration is not) to what `flags` selects.
/// Only links that a movable joint moves relative to the base are tested against the world (links rigidly
/// attached to the base stay where they are whatever q is, and usually rest on the ground or a mount).
/// Self-collision skips parent-child pairs, pairs joined only by fixed joints, and pairs (i, j) with
/// allowed_pairs[i·link_count + j] or [j·link_count + i] non-zero (link_count² bytes, 0 = base; may be NULL).
/// Other objects stay at their current poses. The robot's joints are set to q for the test and then restored,
/// with every cached link frame and collider transform recomputed from the restored q, bit for bit as before.
/// Cost: one bound test per (moving link, object) and per (link, link) pair, and one GJK/EPA narrowphase per
/// pair of shapes whose bounds overlap within the margin; it stops at the first hit unless EMB_CHECK_ALL_PAIRS.
emb_status emb_robot_check_collision(emb_robot* robot, const double* q, int count, int flags, double margin,
                                     const unsigned char* allowed_pairs, emb_collision_result* result);

/// Writes, for every pair of the robot's links (link_count² bytes, row-major, symmetric, 0 = base), 1 when the
/// two are closer than `margin` m at joint positions q (count = dof doubles), else 0; adjacent links included.
/// Use it at a reference posture to find pairs that always touch (to pass as allowed_pairs above).
emb_status emb_robot_self_collision_matrix(emb_robot* robot, const double* q, int count, double margin,
                                           unsigned char* pairs, int capacity);

// MARK: - Linear algebra (linalg.cpp): Riccati equations for LQR design
//
// Matrices are row-major arrays of doubles. A is n × n, B n × m, Q n × n (symmetric, positive semi-definite),
// R m × m (symmetric, positive definite); (A, B) must be stabilizable. Each call writes the stabilizing solution
// P (n × n) and the LQR gain K (m × n, for u = −K x). EMB_ERR_ARGUMENT for bad sizes, non-finite input or an R
// that is not positive definite; EMB_ERR_INTERNAL when the iteration does not converge.

/// The discrete algebraic Riccati equation P = AᵀPA − AᵀPB (R + BᵀPB)⁻¹ BᵀPA + Q; K = (R + BᵀPB)⁻¹ BᵀPA.
emb_status emb_solve_dare(int n, int m, const double* a, const double* b, const double* q, const double* r,
                          double* p, double* k);

/// The continuous algebraic Riccati equation AᵀP + PA − PBR⁻¹BᵀP + Q = 0; K = R⁻¹BᵀP.
emb_status emb_solve_care(int n, int m, const double* a, const double* b, const double* q, const double* r,
                          double* p, double* k);

#ifdef __cplusplus
}
#endif

#endif // EMBODY_CBULLET_H

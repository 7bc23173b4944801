// MARK: - Rigid-body dynamics terms, as controllers, planners and estimators see them
//
// The protocol lives here, in the lowest module, so that EmbodyControl can use dynamics terms without
// importing Bullet, and tests can substitute analytic models. EmbodyPhysics.RigidBodyDynamics implements
// it for a simulated robot. Conventions (docs/dynamics.md has the derivations):
//
// - q: the `dof` joint coordinates in `RobotModel.movableJoints` order, rad or m.
// - v, the generalized velocity (`nv` values). Fixed base: v = q̇. Floating base: v = [v_O, ω, q̇], where
//   v_O is the world-frame linear velocity (m/s) of the base LINK frame's origin and ω the base's angular
//   velocity (rad/s) in the world frame: the base twist `Robot.getBaseTwist` reads and `RobotState` holds.
//   v̇ is the time derivative of v: for the base, the origin's linear acceleration and ω̇, world frame.
// - τ, the generalized forces (`nv` values), are power-conjugate to v: for a floating base, the world-frame
//   force on the base (N) and the world-frame torque about the base link origin (N·m), then joint torques.
// - M(q) v̇ + h(q, v) = τ with h = C(q, v) v + g(q). Joint damping and friction, limits and contacts are not
//   in h; add them yourself (damping is the separate viscous term −d q̇).
// - Links are numbered as `Robot.linkNames`: 0 is the base, then each joint's child in joint order.
// - Matrices are row-major arrays. Jacobian rows: linear velocity (x, y, z) of the point, then angular
//   velocity (x, y, z) of the link, world frame.

/// Rigid-body dynamics terms of a robot in q order: M(q) v̇ + h(q, v) = τ, with the conventions above.
///
/// Implementations must not allocate in these calls when `out` already has the stated size: callers
/// allocate buffers once. `basePose` is the base link frame's world pose; for a fixed base, pass the
/// pose it is fixed at (it sets the direction of gravity and the world frame of Jacobians).
public protocol RobotDynamics: AnyObject {
    /// The number of joint coordinates: the length of q.
    var dof: Int { get }
    /// Whether the base floats; v and τ then start with 6 base entries (linear, then angular).
    var floatingBase: Bool { get }
    /// The number of generalized velocities: `dof`, or `dof + 6` with a floating base.
    var nv: Int { get }

    /// Writes M(q) (nv × nv, row-major; kg, kg·m, kg·m²) into `out`, which must hold nv·nv values.
    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double])

    /// Writes h(q, v) = C(q, v) v + g(q), the generalized forces (N, N·m) that give v̇ = 0, into `out` (nv values).
    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double])

    /// Writes g(q) = h(q, 0), the generalized forces (N, N·m) that hold the robot still against gravity, into `out`.
    func gravity(q: [Double], basePose: Transform, into out: inout [Double])

    /// Writes the 6 × nv Jacobian (row-major) of the point `point` (m, in link `link`'s frame) into `out`
    /// (6·nv values): rows are the point's linear and the link's angular velocity, world frame, per unit v.
    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double])

    /// The world pose of link `link`'s frame at configuration q (forward kinematics).
    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform

    /// Writes τ = M(q) v̇ + h(q, v) (nv values) for velocities v and accelerations v̇ (nv values each).
    func inverseDynamics(q: [Double], v: [Double], vdot: [Double], basePose: Transform, into out: inout [Double])
}

// MARK: - Conveniences for every implementation

extension RobotDynamics {
    /// The number of base entries at the front of v and τ: 6 with a floating base, else 0.
    public var baseVelocityCount: Int { floatingBase ? 6 : 0 }

    /// Writes the 6 × nv Jacobian of link `link`'s frame (its origin's linear velocity and its angular velocity).
    public func frameJacobian(link: Int, q: [Double], basePose: Transform, into out: inout [Double]) {
        jacobian(link: link, point: .zero, q: q, basePose: basePose, into: &out)
    }

    /// Inverse dynamics from `bias` and `massMatrix`; it allocates an nv × nv scratch matrix on every call,
    /// so implementations that run in a control loop provide their own (RigidBodyDynamics does, by RNEA).
    public func inverseDynamics(q: [Double], v: [Double], vdot: [Double], basePose: Transform,
                                into out: inout [Double]) {
        let n = nv
        precondition(vdot.count == n && out.count >= n, "expected v̇ with \(n) values and room for \(n)")
        var m = [Double](repeating: 0, count: n * n)
        massMatrix(q: q, basePose: basePose, into: &m)
        bias(q: q, v: v, basePose: basePose, into: &out)
        for i in 0..<n {
            var sum = 0.0
            for k in 0..<n { sum += m[i * n + k] * vdot[k] }
            out[i] += sum
        }
    }
}

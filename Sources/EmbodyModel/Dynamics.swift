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

    /// J̇ v for the point `point` (m, in link `link`'s frame): the point's linear (m/s²) and the link's angular
    /// (rad/s²) acceleration in the world frame when v̇ = 0, gravity excluded, so that the point accelerates
    /// by J v̇ + J̇ v. The default is a central difference along v (see the extension); RigidBodyDynamics
    /// computes it exactly by a Newton–Euler pass, without allocating.
    func biasAcceleration(link: Int, point: Vector3, q: [Double], v: [Double],
                          basePose: Transform) -> (linear: Vector3, angular: Vector3)
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

    /// J̇ v by a central difference of J v along the motion with constant velocity v:
    /// J̇ v ≈ (J(x₊) − J(x₋)) v / (2δ), x± = the configuration moved by ±δ v (joints by ±δ q̇; a floating
    /// base's origin by ±δ v_O and its rotation by exp(±δ ω), world frame), δ = 1e-5 s. The truncation
    /// error is O(δ²) (about 1e-10 |v|³ in the units of J̇ v for a robot of metre scale) and rounding adds
    /// about 1e-11 |J| |v|. It allocates two 6 × nv Jacobians per call: implementations that run in a
    /// control loop provide their own (RigidBodyDynamics does, exactly).
    public func biasAcceleration(link: Int, point: Vector3, q: [Double], v: [Double],
                                 basePose: Transform) -> (linear: Vector3, angular: Vector3) {
        let n = nv, b = baseVelocityCount, delta = 1e-5
        precondition(q.count == dof && v.count == n, "expected q with \(dof) and v with \(n) values")
        var plus = [Double](repeating: 0, count: 6 * n), minus = plus
        func moved(_ sign: Double) -> (q: [Double], pose: Transform) {
            var qm = q
            for i in 0..<dof { qm[i] += sign * delta * v[b + i] }
            guard b == 6 else { return (qm, basePose) }
            let linear = Vector3(v[0], v[1], v[2]), angular = Vector3(v[3], v[4], v[5])
            let pose = Transform(position: basePose.position + sign * delta * linear,
                                 rotation: Quaternion(rotationVector: sign * delta * angular) * basePose.rotation)
            return (qm, pose)
        }
        let p = moved(1), m = moved(-1)
        jacobian(link: link, point: point, q: p.q, basePose: p.pose, into: &plus)
        jacobian(link: link, point: point, q: m.q, basePose: m.pose, into: &minus)
        var out = [Double](repeating: 0, count: 6)
        for r in 0..<6 {
            var s = 0.0
            for c in 0..<n { s += (plus[r * n + c] - minus[r * n + c]) * v[c] }
            out[r] = s / (2 * delta)
        }
        return (Vector3(out[0], out[1], out[2]), Vector3(out[3], out[4], out[5]))
    }
}

// MARK: - Dynamics terms of a simulated robot: RobotDynamics over the shim's emb_dynamics
//
// RigidBodyDynamics copies a Robot's multibody once and computes M(q), h(q, v), g(q), Jacobians and
// forward kinematics on that copy (the shim's own RNEA and CRBA on Eigen, in Bullet's link frames), so it
// never disturbs the simulation. Conventions are those of EmbodyModel.RobotDynamics and docs/dynamics.md.
// Every call has an array form (for students and tests) and a buffer form; neither allocates when the
// output already has room.

import CBullet
import EmbodyModel

/// The rigid-body dynamics terms of a simulated robot, computed on a private copy of its model.
///
/// Not safe to use from two threads at once: it keeps scratch memory between calls. Create one per thread.
public final class RigidBodyDynamics: RobotDynamics {
    private let handle: OpaquePointer
    /// The number of joint coordinates: the length of q.
    public let dof: Int
    /// Whether the base floats; v and τ then start with 6 base entries.
    public let floatingBase: Bool
    /// The number of generalized velocities: `dof`, or `dof + 6` with a floating base.
    public let nv: Int
    /// Link names in the simulator's order (`Robot.linkNames`): the indices `link` arguments take.
    public let linkNames: [String]

    /// Copies `robot`'s model and its world's current gravity.
    public init(robot: Robot) throws(PhysicsError) {
        var err = [CChar](repeating: 0, count: 512)
        guard let h = emb_dynamics_create(robot.shimHandle, &err, Int32(err.count)) else {
            throw PhysicsError("cannot compute dynamics for robot '\(robot.model.name)': \(String(cStringBuffer: err))")
        }
        handle = h
        dof = Int(emb_dynamics_dof(h))
        nv = Int(emb_dynamics_nv(h))
        floatingBase = emb_dynamics_floating_base(h) != 0
        linkNames = robot.linkNames
        precondition(dof == robot.dof && Int(emb_dynamics_link_count(h)) == robot.linkCount,
                     "the dynamics copy does not match the robot")
    }

    deinit { emb_dynamics_destroy(handle) }

    /// The number of links, base included.
    public var linkCount: Int { linkNames.count }

    /// The index of the link named `name` in `linkNames`, if any.
    public func linkIndex(named name: String) -> Int? { linkNames.firstIndex(of: name) }

    /// The gravity the terms use in m/s², world frame: the world's at creation; set it when the world's changes.
    public var gravityVector: Vector3 {
        get {
            var g: (Double, Double, Double) = (0, 0, 0)
            withUnsafeMutablePointer(to: &g) { p in
                p.withMemoryRebound(to: Double.self, capacity: 3) { _ = emb_dynamics_get_gravity(handle, $0) }
            }
            return Vector3(g.0, g.1, g.2)
        }
        set {
            let g = (newValue.x, newValue.y, newValue.z)
            let s = withUnsafePointer(to: g) { p in
                p.withMemoryRebound(to: Double.self, capacity: 3) { emb_dynamics_set_gravity(handle, $0) }
            }
            precondition(s == EMB_OK, "gravity must be finite")
        }
    }

    // MARK: Terms, array forms

    /// Writes M(q) (nv × nv, row-major) into `out`, which must hold nv·nv values.
    public func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { massMatrix(q: qp, basePose: basePose, into: $0) }
        }
    }

    /// Writes h(q, v) = C(q, v) v + g(q) (nv values) into `out`.
    public func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { bias(q: qp, v: vp, basePose: basePose, into: $0) }
            }
        }
    }

    /// Writes g(q) (nv values) into `out`.
    public func gravity(q: [Double], basePose: Transform, into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { gravity(q: qp, basePose: basePose, into: $0) }
        }
    }

    /// Writes τ = M(q) v̇ + h(q, v) (nv values) into `out`, by the recursive Newton-Euler algorithm.
    public func inverseDynamics(q: [Double], v: [Double], vdot: [Double], basePose: Transform,
                                into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            v.withUnsafeBufferPointer { vp in
                vdot.withUnsafeBufferPointer { ap in
                    out.withUnsafeMutableBufferPointer {
                        inverseDynamics(q: qp, v: vp, vdot: ap, basePose: basePose, into: $0)
                    }
                }
            }
        }
    }

    /// Writes Bullet's own forward dynamics v̇ (nv values) for generalized forces τ (nv values) into `out`:
    /// the accelerations the simulator integrates, without contacts, limits, damping or friction.
    public func forwardDynamics(q: [Double], v: [Double], tau: [Double], basePose: Transform,
                                into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            v.withUnsafeBufferPointer { vp in
                tau.withUnsafeBufferPointer { tp in
                    out.withUnsafeMutableBufferPointer {
                        forwardDynamics(q: qp, v: vp, tau: tp, basePose: basePose, into: $0)
                    }
                }
            }
        }
    }

    /// Writes the 6 × nv Jacobian (row-major) of `point` (m, in link `link`'s frame) into `out` (6·nv values).
    public func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        q.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { jacobian(link: link, point: point, q: qp, basePose: basePose, into: $0) }
        }
    }

    /// J̇ v for `point` (m, in link `link`'s frame): the point's linear (m/s²) and the link's angular (rad/s²)
    /// acceleration in the world frame when v̇ = 0, gravity excluded; the point accelerates by J v̇ + J̇ v.
    public func biasAcceleration(link: Int, point: Vector3, q: [Double], v: [Double],
                                 basePose: Transform) -> (linear: Vector3, angular: Vector3) {
        q.withUnsafeBufferPointer { qp in
            v.withUnsafeBufferPointer { biasAcceleration(link: link, point: point, q: qp, v: $0, basePose: basePose) }
        }
    }

    /// The world pose of link `link`'s frame at configuration q.
    public func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        q.withUnsafeBufferPointer { linkPose(link: link, q: $0, basePose: basePose) }
    }

    // MARK: Terms, buffer forms

    /// Writes M(q) (nv × nv, row-major) into `out` (at least nv·nv values); q has `dof` values.
    public func massMatrix(q: UnsafeBufferPointer<Double>, basePose: Transform,
                           into out: UnsafeMutableBufferPointer<Double>) {
        checkSizes(q: q, out: out, nv * nv)
        check(withPose(basePose) { emb_dynamics_mass_matrix(handle, q.baseAddress, $0, out.baseAddress, capacity(out)) }, out)
    }

    /// Writes h(q, v) (nv values) into `out`.
    public func bias(q: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>, basePose: Transform,
                     into out: UnsafeMutableBufferPointer<Double>) {
        checkSizes(q: q, v: v, out: out, nv)
        check(withPose(basePose) {
            emb_dynamics_bias(handle, q.baseAddress, v.baseAddress, $0, out.baseAddress, capacity(out))
        }, out)
    }

    /// Writes g(q) (nv values) into `out`.
    public func gravity(q: UnsafeBufferPointer<Double>, basePose: Transform, into out: UnsafeMutableBufferPointer<Double>) {
        checkSizes(q: q, out: out, nv)
        check(withPose(basePose) { emb_dynamics_gravity(handle, q.baseAddress, $0, out.baseAddress, capacity(out)) }, out)
    }

    /// Writes τ = M(q) v̇ + h(q, v) (nv values) into `out`.
    public func inverseDynamics(q: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>,
                                vdot: UnsafeBufferPointer<Double>, basePose: Transform,
                                into out: UnsafeMutableBufferPointer<Double>) {
        checkSizes(q: q, v: v, out: out, nv)
        precondition(vdot.count == nv, "expected v̇ with \(nv) values, got \(vdot.count)")
        check(withPose(basePose) {
            emb_dynamics_inverse(handle, q.baseAddress, v.baseAddress, vdot.baseAddress, $0, out.baseAddress,
                                 capacity(out))
        }, out)
    }

    /// Writes Bullet's forward dynamics v̇ (nv values) for generalized forces τ into `out`.
    public func forwardDynamics(q: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>,
                                tau: UnsafeBufferPointer<Double>, basePose: Transform,
                                into out: UnsafeMutableBufferPointer<Double>) {
        checkSizes(q: q, v: v, out: out, nv)
        precondition(tau.count == nv, "expected τ with \(nv) values, got \(tau.count)")
        check(withPose(basePose) {
            emb_dynamics_forward(handle, q.baseAddress, v.baseAddress, tau.baseAddress, $0, out.baseAddress,
                                 capacity(out))
        }, out)
    }

    /// Writes the 6 × nv Jacobian of `point` in link `link` into `out` (at least 6·nv values).
    public func jacobian(link: Int, point: Vector3, q: UnsafeBufferPointer<Double>, basePose: Transform,
                         into out: UnsafeMutableBufferPointer<Double>) {
        checkLink(link)
        checkSizes(q: q, out: out, 6 * nv)
        check(withPose(basePose) { pose in
            withPoint(point) {
                emb_dynamics_jacobian(handle, Int32(link), $0, q.baseAddress, pose, out.baseAddress, capacity(out))
            }
        }, out)
    }

    /// J̇ v for `point` in link `link` (see the array form).
    public func biasAcceleration(link: Int, point: Vector3, q: UnsafeBufferPointer<Double>,
                                 v: UnsafeBufferPointer<Double>, basePose: Transform) -> (linear: Vector3, angular: Vector3) {
        checkLink(link)
        precondition(q.count == dof && v.count == nv, "expected q with \(dof) and v with \(nv) values")
        var a: (Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0)
        let s = withUnsafeMutablePointer(to: &a) { ap in
            ap.withMemoryRebound(to: Double.self, capacity: 6) { out in
                withPose(basePose) { pose in
                    withPoint(point) {
                        emb_dynamics_bias_acceleration(handle, Int32(link), $0, q.baseAddress, v.baseAddress, pose, out)
                    }
                }
            }
        }
        if !check(s) { return (Vector3(.nan, .nan, .nan), Vector3(.nan, .nan, .nan)) }
        return (Vector3(a.0, a.1, a.2), Vector3(a.3, a.4, a.5))
    }

    /// The world pose of link `link`'s frame at configuration q.
    public func linkPose(link: Int, q: UnsafeBufferPointer<Double>, basePose: Transform) -> Transform {
        checkLink(link)
        precondition(q.count == dof, "expected q with \(dof) values, got \(q.count)")
        var p: (Double, Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0, 1)
        let s = withUnsafeMutablePointer(to: &p) { pp in
            pp.withMemoryRebound(to: Double.self, capacity: 7) { out in
                withPose(basePose) { emb_dynamics_link_pose(handle, Int32(link), q.baseAddress, $0, out) }
            }
        }
        if !check(s) { return Transform(position: Vector3(.nan, .nan, .nan), rotation: Quaternion(x: .nan, y: .nan, z: .nan, w: .nan)) }
        return Transform(position: Vector3(p.0, p.1, p.2), rotation: Quaternion(x: p.3, y: p.4, z: p.5, w: p.6))
    }

    // MARK: Plumbing

    private func withPose<R>(_ pose: Transform, _ body: (UnsafePointer<Double>) -> R) -> R {
        withUnsafePointer(to: pose.tuple) { $0.withMemoryRebound(to: Double.self, capacity: 7, body) }
    }

    private func withPoint<R>(_ point: Vector3, _ body: (UnsafePointer<Double>) -> R) -> R {
        withUnsafePointer(to: (point.x, point.y, point.z)) { $0.withMemoryRebound(to: Double.self, capacity: 3, body) }
    }

    private func capacity(_ out: UnsafeMutableBufferPointer<Double>) -> Int32 { Int32(clamping: out.count) }

    private func checkLink(_ link: Int) {
        precondition(link >= 0 && link < linkCount, "link index \(link) is outside 0..<\(linkCount)")
    }

    private func checkSizes(q: UnsafeBufferPointer<Double>, v: UnsafeBufferPointer<Double>? = nil,
                            out: UnsafeMutableBufferPointer<Double>, _ needed: Int) {
        precondition(q.count == dof, "expected q with \(dof) values, got \(q.count)")
        if let v { precondition(v.count == nv, "expected v with \(nv) values, got \(v.count)") }
        precondition(out.count >= needed, "expected room for \(needed) values, got \(out.count)")
    }

    /// Whether a call succeeded. Non-finite inputs (EMB_ERR_ARGUMENT, as when a run blows up) never trap: the
    /// call reports false and the caller returns NaN, so the controller's torques turn non-finite and the
    /// runtime's divergence monitor ends the run. Any other failure is a bug in the caller and traps.
    @discardableResult
    private func check(_ status: emb_status) -> Bool {
        if status == EMB_OK { return true }
        precondition(status == EMB_ERR_ARGUMENT, "dynamics call failed with status \(status)")
        return false
    }

    /// Checks a call that writes `out`; on non-finite inputs fills `out` with NaN.
    private func check(_ status: emb_status, _ out: UnsafeMutableBufferPointer<Double>) {
        if !check(status) {
            for i in out.indices { out[i] = .nan }
        }
    }
}

// MARK: - Conveniences on Robot

extension Robot {
    /// Creates the dynamics terms of this robot (a private copy of its model and its world's gravity).
    public func makeDynamics() throws(PhysicsError) -> RigidBodyDynamics {
        try RigidBodyDynamics(robot: self)
    }

    /// Reads the generalized velocity v into `v` (nv values): for a floating base the base twist (the base link
    /// origin's velocity in m/s and the angular velocity in rad/s, world frame), then q̇.
    public func getGeneralizedVelocity(_ v: inout [Double]) {
        let b = fixedBase ? 0 : 6, n = b + dof
        precondition(v.count >= n, "expected room for \(n) values, got \(v.count)")
        guard n > 0 else { return }
        let s = v.withUnsafeMutableBufferPointer { p -> emb_status in
            let base = p.baseAddress!
            if b == 6 {
                let s = emb_robot_get_base_twist(shimHandle, base)
                if s != EMB_OK || dof == 0 { return s }
            }
            return emb_robot_get_qd(shimHandle, base + b, Int32(dof))
        }
        precondition(s == EMB_OK, "reading the generalized velocity failed with status \(s)")
    }

    /// Writes the generalized velocity v (nv values, as `getGeneralizedVelocity` reads it).
    public func setGeneralizedVelocity(_ v: [Double]) {
        let b = fixedBase ? 0 : 6, n = b + dof
        precondition(v.count == n, "expected \(n) values, got \(v.count)")
        guard n > 0 else { return }
        let s = v.withUnsafeBufferPointer { p -> emb_status in
            let base = p.baseAddress!
            if b == 6 {
                let s = emb_robot_set_base_twist(shimHandle, base)
                if s != EMB_OK || dof == 0 { return s }
            }
            return emb_robot_set_qd(shimHandle, base + b, Int32(dof))
        }
        precondition(s == EMB_OK, "the generalized velocity must be finite")
    }
}

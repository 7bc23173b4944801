// MARK: - The student API: state in, torques out, plain arrays
//
// Students write small classes against the protocols below. Everything is a plain `[Double]` in joint
// order (the robot's q order) or a row-major `[[Double]]` matrix. The API favours clarity over speed: a
// student controller may allocate. The runtime underneath (Simulation, the physics shim, the metrics) stays
// allocation-free; `StudentControllerAdapter` is the only bridge between the two worlds.

import EmbodyControl
import EmbodyModel

/// What a student controller sees at one control tick; arrays are in joint order, units rad, m, s.
public struct JointState: Sendable {
    /// Simulation time in s.
    public var time: Double
    /// The control period in s.
    public var dt: Double
    /// Joint positions, rad (revolute) or m (prismatic).
    public var q: [Double]
    /// Joint velocities, rad/s or m/s.
    public var qd: [Double]
    /// Desired joint positions, rad or m.
    public var qDesired: [Double]
    /// Desired joint velocities, rad/s or m/s.
    public var qdDesired: [Double]
    /// Desired joint accelerations, rad/s² or m/s².
    public var qddDesired: [Double]
    /// The floating base's pose and velocity (world frame), or nil for a robot with a fixed base.
    public var base: BaseState?

    /// The number of joints.
    public var dof: Int { q.count }

    /// Creates a state from its parts; `base` is nil for a fixed-base robot.
    public init(time: Double, dt: Double, q: [Double], qd: [Double], qDesired: [Double], qdDesired: [Double],
                qddDesired: [Double], base: BaseState? = nil) {
        self.time = time
        self.dt = dt
        self.q = q
        self.qd = qd
        self.qDesired = qDesired
        self.qdDesired = qdDesired
        self.qddDesired = qddDesired
        self.base = base
    }
}

/// The pose and velocity of a floating base's link frame, world frame (x forward, y left, z up).
public struct BaseState: Sendable {
    /// The base frame origin in m.
    public var position: [Double]
    /// The base orientation as a unit quaternion [x, y, z, w].
    public var orientation: [Double]
    /// The base orientation as [roll, pitch, yaw] in rad (ZYX Euler angles; pitch > 0 leans forward).
    public var rollPitchYaw: [Double]
    /// The base frame origin's linear velocity in m/s.
    public var linearVelocity: [Double]
    /// The base's angular velocity in rad/s.
    public var angularVelocity: [Double]

    /// Creates a base state from a pose and a twist (m, m/s, rad/s; world frame).
    public init(pose: Transform, linearVelocity: Vector3, angularVelocity: Vector3) {
        let p = pose.position, r = pose.rotation, rpy = r.rpy
        position = [p.x, p.y, p.z]
        orientation = [r.x, r.y, r.z, r.w]
        rollPitchYaw = [rpy.x, rpy.y, rpy.z]
        self.linearVelocity = [linearVelocity.x, linearVelocity.y, linearVelocity.z]
        self.angularVelocity = [angularVelocity.x, angularVelocity.y, angularVelocity.z]
    }

    /// The pose as a Transform, for the dynamics terms.
    var transform: Transform {
        guard position.count == 3, orientation.count == 4 else { return .identity }
        return Transform(position: Vector3(position[0], position[1], position[2]),
                         rotation: Quaternion(x: orientation[0], y: orientation[1], z: orientation[2],
                                              w: orientation[3]).normalizedOrIdentity)
    }

    /// The base twist as the first 6 entries of the generalized velocity v = [v_O, ω, q̇].
    var twist: [Double] {
        let v = linearVelocity.count == 3 ? linearVelocity : [0, 0, 0]
        let w = angularVelocity.count == 3 ? angularVelocity : [0, 0, 0]
        return v + w
    }
}

/// The robot's rigid-body model as plain arrays: gravity, mass matrix, bias forces, kinematics.
public final class RobotModelView {
    /// The joint names in q order.
    public let jointNames: [String]
    /// Lower joint limits in rad or m (−∞ when unlimited).
    public let lowerLimits: [Double]
    /// Upper joint limits in rad or m (+∞ when unlimited).
    public let upperLimits: [Double]
    /// Joint effort limits in N·m or N.
    public let effortLimits: [Double]
    /// The link whose origin is the end-effector point, when the exercise has one.
    public let endEffectorLink: Int?
    /// The link names in the dynamics' link order, base first (empty when the view was built without them).
    public let linkNames: [String]
    /// Each link's mass in kg, in `linkNames` order (empty when the view was built without them).
    public let linkMasses: [Double]
    /// The total mass in kg (0 when the view was built without link masses).
    public let totalMass: Double
    let linkCentroids: [Vector3]
    let dynamics: any RobotDynamics
    let basePose: Transform

    /// Wraps dynamics terms for a robot whose base sits at `basePose` (the pose a fixed base is fixed at);
    /// `linkNames` and `linkInertials` (mass in kg, centre of mass in m in the link frame), both in the dynamics'
    /// link order, enable the link-position and centre-of-mass queries.
    public init(dynamics: any RobotDynamics, jointNames: [String], lowerLimits: [Double], upperLimits: [Double],
                effortLimits: [Double], endEffectorLink: Int?, basePose: Transform = .identity,
                linkNames: [String] = [], linkInertials: [(mass: Double, centroid: Vector3)] = []) {
        self.linkNames = linkNames
        self.dynamics = dynamics
        self.jointNames = jointNames
        self.lowerLimits = lowerLimits
        self.upperLimits = upperLimits
        self.effortLimits = effortLimits
        self.endEffectorLink = endEffectorLink
        self.basePose = basePose
        linkMasses = linkInertials.map(\.mass)
        linkCentroids = linkInertials.map(\.centroid)
        totalMass = linkMasses.reduce(0, +)
    }

    /// The number of joints.
    public var dof: Int { dynamics.dof }

    /// Whether the base floats (a humanoid); then use the `base:` forms of the queries below.
    public var floatingBase: Bool { dynamics.floatingBase }

    // MARK: Floating base

    /// The joint torques (N·m, `dof` values) that hold a floating-base robot's posture q against gravity at
    /// the measured base pose: the joint rows of g(q). Alone they cannot stop the whole robot from tipping.
    public func gravity(_ q: [Double], base: BaseState) -> [Double] {
        var out = [Double](repeating: 0, count: dynamics.nv)
        dynamics.gravity(q: q, basePose: base.transform, into: &out)
        return Array(out.suffix(dynamics.dof))
    }

    /// The origin of the link named `name` (m, world frame) at q and the measured base pose; nil for an unknown name.
    /// A foot's origin is its ankle point.
    public func linkPosition(_ name: String, _ q: [Double], base: BaseState) -> [Double]? {
        guard let i = linkNames.firstIndex(of: name) else { return nil }
        let p = dynamics.linkPose(link: i, q: q, basePose: base.transform).position
        return [p.x, p.y, p.z]
    }

    /// The whole-body centre of mass in m, world frame: c = Σᵢ mᵢ pᵢ / Σᵢ mᵢ over the links.
    public func centerOfMass(_ q: [Double], base: BaseState) -> [Double] {
        precondition(!linkMasses.isEmpty && totalMass > 0, "centerOfMass: this model view has no link masses")
        let pose = base.transform
        var c = Vector3.zero
        for i in 0..<linkMasses.count where linkMasses[i] > 0 {
            let frame = dynamics.linkPose(link: i, q: q, basePose: pose)
            c += linkMasses[i] * (frame.position + frame.rotation.rotate(linkCentroids[i]))
        }
        c /= totalMass
        return [c.x, c.y, c.z]
    }

    /// The velocity of the centre of mass in m/s, world frame: the linear momentum over the mass,
    /// ċ = M₀:₃(q) v / m with v = [v_O, ω, q̇] (the first three rows of the floating-base mass matrix).
    public func centerOfMassVelocity(_ q: [Double], _ qd: [Double], base: BaseState) -> [Double] {
        precondition(dynamics.floatingBase, "centerOfMassVelocity needs a floating base")
        let n = dynamics.nv
        var m = [Double](repeating: 0, count: n * n)
        dynamics.massMatrix(q: q, basePose: base.transform, into: &m)
        let v = base.twist + qd
        var out = [0.0, 0, 0]
        for r in 0..<3 {
            var s = 0.0
            for k in 0..<min(n, v.count) { s += m[r * n + k] * v[k] }
            out[r] = s / m[0]   // m[0] = M₀₀ = the total mass
        }
        return out
    }

    /// g(q): the joint torques (N·m or N) that hold the robot still at q against gravity.
    public func gravity(_ q: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dynamics.nv)
        dynamics.gravity(q: q, basePose: basePose, into: &out)
        return out
    }

    /// M(q): the joint-space mass matrix (kg·m² or kg), rows × columns in joint order.
    public func massMatrix(_ q: [Double]) -> [[Double]] {
        let n = dynamics.nv
        var flat = [Double](repeating: 0, count: n * n)
        dynamics.massMatrix(q: q, basePose: basePose, into: &flat)
        return (0..<n).map { Array(flat[($0 * n)..<($0 * n + n)]) }
    }

    /// h(q, q̇) = C(q, q̇) q̇ + g(q): the joint torques (N·m or N) that give zero acceleration.
    public func bias(_ q: [Double], _ qd: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dynamics.nv)
        dynamics.bias(q: q, v: qd, basePose: basePose, into: &out)
        return out
    }

    /// The end-effector position (m, world frame) at q.
    public func endEffectorPosition(_ q: [Double]) -> [Double] {
        let p = dynamics.linkPose(link: endEffectorLink ?? 0, q: q, basePose: basePose).position
        return [p.x, p.y, p.z]
    }

    /// The 3 × dof position Jacobian of the end-effector point (m/rad or m/m), world frame.
    public func positionJacobian(_ q: [Double]) -> [[Double]] {
        let n = dynamics.nv
        var flat = [Double](repeating: 0, count: 6 * n)
        dynamics.jacobian(link: endEffectorLink ?? 0, point: .zero, q: q, basePose: basePose, into: &flat)
        return (0..<3).map { Array(flat[($0 * n)..<($0 * n + n)]) }
    }
}

// MARK: - What students implement

/// A joint-space feedback law written by a student: returns one torque (N·m or N) per joint.
public protocol StudentController: AnyObject {
    /// Creates the controller before a run; `model` stays valid for the whole run.
    init(model: RobotModelView)
    /// The torques for this tick, one per joint, in N·m or N.
    func torques(_ state: JointState) -> [Double]
}

/// A quintic time-scaling written by a student: position, velocity and acceleration at time t.
public protocol StudentTrajectory {
    /// Samples the rest-to-rest quintic from `start` to `goal` (rad) over `duration` s at time `t` s.
    static func sample(start: [Double], goal: [Double], duration: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double])
}

/// An inverse-kinematics solver written by a student: joint positions that put the end-effector at a target.
public protocol StudentIKSolver {
    /// Returns joint positions (rad) whose end-effector position is `target` (m, world), starting from `initial`.
    static func solve(target: [Double], initial: [Double], model: RobotModelView) -> [Double]
}

/// A tilt estimator written by a student: fuses gyro and accelerometer samples into roll and pitch.
public protocol StudentTiltEstimator: AnyObject {
    /// Creates the estimator before a run.
    init()
    /// Takes one IMU sample, body frame: `gyro` in rad/s, `accel` (specific force) in m/s², `dt` in s;
    /// returns the estimated roll φ and pitch θ (rad, ZYX Euler angles).
    func update(gyro: [Double], accel: [Double], dt: Double) -> (roll: Double, pitch: Double)
}

// MARK: - The bridge to the zero-allocation runtime

/// Runs a `StudentController` as a runtime `Controller`: copies the state into plain arrays, checks the answer.
public final class StudentControllerAdapter: Controller {
    let student: StudentController
    let passive: Set<Int>
    let referenceOverride: ((Double) -> (q: [Double], qd: [Double], qdd: [Double]))?
    let floatingBase: Bool
    /// The first problem with the student's output (wrong count), reported by the trial.
    public private(set) var problem: String?

    /// Wraps `student`; torques on `passive` joints are forced to 0, `reference` (time in s), when given, replaces
    /// the task's, and `floatingBase` passes the base pose and velocity to the student in `JointState.base`.
    public init(_ student: StudentController, passive: Set<Int> = [],
                reference: ((Double) -> (q: [Double], qd: [Double], qdd: [Double]))? = nil,
                floatingBase: Bool = false) {
        self.student = student
        self.passive = passive
        self.referenceOverride = reference
        self.floatingBase = floatingBase
    }

    /// Calls the student's law and writes its torques (N·m or N) into `tau`.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        var s = JointState(time: state.time, dt: dt, q: state.q, qd: state.qd, qDesired: reference.q,
                           qdDesired: reference.qd, qddDesired: reference.qdd,
                           base: floatingBase ? BaseState(pose: state.basePose, linearVelocity: state.baseLinearVelocity,
                                                          angularVelocity: state.baseAngularVelocity) : nil)
        if let referenceOverride {
            let r = referenceOverride(state.time)
            s.qDesired = r.q; s.qdDesired = r.qd; s.qddDesired = r.qdd
        }
        let out = student.torques(s)
        guard out.count == tau.count else {
            if problem == nil { problem = "torques(_:) returned \(out.count) values; the robot has \(tau.count) joints" }
            for i in 0..<tau.count { tau[i] = 0 }
            return
        }
        for i in 0..<tau.count { tau[i] = passive.contains(i) ? 0 : out[i] }
    }
}

// MARK: - Small matrix helpers for students (row-major [[Double]])

/// Matrix helpers on row-major `[[Double]]`, for linearization and Riccati exercises.
public enum Mat {
    /// The n × n identity.
    public static func identity(_ n: Int) -> [[Double]] {
        (0..<n).map { i in (0..<n).map { $0 == i ? 1 : 0 } }
    }
    /// An r × c matrix of zeros.
    public static func zeros(_ r: Int, _ c: Int) -> [[Double]] { Array(repeating: Array(repeating: 0, count: c), count: r) }
    /// The product a·b.
    public static func mul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count, m = b.first?.count ?? 0, k = b.count
        var out = zeros(n, m)
        for i in 0..<n { for j in 0..<m { var s = 0.0; for l in 0..<k { s += a[i][l] * b[l][j] }; out[i][j] = s } }
        return out
    }
    /// The product a·v.
    public static func mul(_ a: [[Double]], _ v: [Double]) -> [Double] {
        a.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
    }
    /// The sum a + s·b.
    public static func add(_ a: [[Double]], _ b: [[Double]], scale s: Double = 1) -> [[Double]] {
        zip(a, b).map { zip($0, $1).map { $0 + s * $1 } }
    }
    /// The transpose.
    public static func transpose(_ a: [[Double]]) -> [[Double]] {
        guard let c = a.first?.count else { return [] }
        return (0..<c).map { j in a.map { $0[j] } }
    }
    /// The inverse by Gauss–Jordan elimination with partial pivoting; nil when singular.
    public static func inverse(_ a: [[Double]]) -> [[Double]]? {
        let n = a.count
        var m = a, inv = identity(n)
        for col in 0..<n {
            var pivot = col
            for r in col..<n where abs(m[r][col]) > abs(m[pivot][col]) { pivot = r }
            guard abs(m[pivot][col]) > 1e-300 else { return nil }
            m.swapAt(col, pivot); inv.swapAt(col, pivot)
            let d = m[col][col]
            for j in 0..<n { m[col][j] /= d; inv[col][j] /= d }
            for r in 0..<n where r != col {
                let f = m[r][col]
                if f == 0 { continue }
                for j in 0..<n { m[r][j] -= f * m[col][j]; inv[r][j] -= f * inv[col][j] }
            }
        }
        return inv
    }
    /// The solution x of a·x = b; nil when a is singular.
    public static func solve(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        inverse(a).map { mul($0, b) }
    }
}

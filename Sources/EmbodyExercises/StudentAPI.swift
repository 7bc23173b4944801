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

    /// The number of joints.
    public var dof: Int { q.count }

    /// Creates a state from its parts.
    public init(time: Double, dt: Double, q: [Double], qd: [Double], qDesired: [Double], qdDesired: [Double],
                qddDesired: [Double]) {
        self.time = time
        self.dt = dt
        self.q = q
        self.qd = qd
        self.qDesired = qDesired
        self.qdDesired = qdDesired
        self.qddDesired = qddDesired
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
    let dynamics: any RobotDynamics
    let basePose: Transform

    /// Wraps dynamics terms for a fixed-base robot whose base sits at `basePose`.
    public init(dynamics: any RobotDynamics, jointNames: [String], lowerLimits: [Double], upperLimits: [Double],
                effortLimits: [Double], endEffectorLink: Int?, basePose: Transform = .identity) {
        self.dynamics = dynamics
        self.jointNames = jointNames
        self.lowerLimits = lowerLimits
        self.upperLimits = upperLimits
        self.effortLimits = effortLimits
        self.endEffectorLink = endEffectorLink
        self.basePose = basePose
    }

    /// The number of joints.
    public var dof: Int { dynamics.dof }

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
    /// The first problem with the student's output (wrong count), reported by the trial.
    public private(set) var problem: String?

    /// Wraps `student`; torques on `passive` joints are forced to 0, and `reference` (time in s), when given, replaces the task's.
    public init(_ student: StudentController, passive: Set<Int> = [],
                reference: ((Double) -> (q: [Double], qd: [Double], qdd: [Double]))? = nil) {
        self.student = student
        self.passive = passive
        self.referenceOverride = reference
    }

    /// Calls the student's law and writes its torques (N·m or N) into `tau`.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        var s = JointState(time: state.time, dt: dt, q: state.q, qd: state.qd, qDesired: reference.q,
                           qdDesired: reference.qd, qddDesired: reference.qdd)
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

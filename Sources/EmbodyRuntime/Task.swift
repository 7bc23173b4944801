// MARK: - Tasks: what the planner hands the controller

import EmbodyControl
import EmbodyModel
import EmbodyPlanning
import EmbodyScenario

#if canImport(Glibc)
import Glibc
#endif

/// A scenario task turned into references indexed by tick, built at load; sampling allocates nothing.
final class TaskPlan {
    enum Kind {
        /// Postures that switch at ticks (hold, joint_waypoints).
        case postures([(tick: Int, q: [Double])])
        /// A clamped cubic spline per joint through timed points (joint_trajectory).
        case spline(CubicSplines)
        /// q* = q₀ + A(1 − cos 2πft) per joint (joint_sine).
        case sine(center: [Double], amplitude: [Double], omega: Double)
        /// End-effector poses held in turn, with the initial posture for the null space (ee_targets).
        case endEffector(EndEffectorPlan)
        /// A timed trajectory planned at load (move_to, reach_object).
        case planned(any JointTrajectory)
        /// A joint trajectory a planner moves during the run (ee_targets with solver ik: its targets as well;
        /// reach_object with replan).
        case online(any OnlinePlanner, EndEffectorPlan?)
    }

    let kind: Kind
    let dt: Double
    let initialQ: [Double]

    init(_ spec: TaskSpec, model: RobotModel, linkNames: [String], initialQ: [Double], dt: Double,
         planned: (any JointTrajectory)? = nil, online: (any OnlinePlanner)? = nil) throws(RuntimeError) {
        self.dt = dt
        self.initialQ = initialQ
        let names = model.jointNames
        switch spec.type {
        case "hold":
            kind = .postures([(0, spec.targets(at: 0, jointNames: names, initialQ: initialQ))])
        case "joint_waypoints", "joint_trajectory":
            // Each waypoint's posture is the scenario's own definition of the targets at its time.
            var list: [(tick: Int, q: [Double])] = [(0, spec.targets(at: 0, jointNames: names, initialQ: initialQ))]
            var times = [0.0]
            for w in spec.waypoints where Int((w.at / dt).rounded()) > 0 {
                list.append((Int((w.at / dt).rounded()), spec.targets(at: w.at, jointNames: names, initialQ: initialQ)))
                times.append(w.at)
            }
            if spec.type == "joint_waypoints" {
                kind = .postures(list)
            } else {
                kind = .spline(CubicSplines(times: times, points: list.map(\.q)))
            }
        case "joint_sine":
            var amplitude = [Double](repeating: 0, count: initialQ.count)
            for v in spec.amplitude {
                guard let i = model.coordinateIndex(ofJoint: v.name) else {
                    throw RuntimeError("\(v.location): the robot has no joint '\(v.name)'")
                }
                amplitude[i] = v.value
            }
            kind = .sine(center: initialQ, amplitude: amplitude, omega: 2 * Double.pi * spec.frequency)
        case "reach_object" where online != nil:
            kind = .online(online!, nil)
        case "move_to", "reach_object":
            guard let planned else { throw RuntimeError("\(spec.location): move_to needs a planned trajectory", invalidInput: false) }
            kind = .planned(planned)
        case "ee_targets":
            guard let name = spec.link, let link = linkNames.firstIndex(of: name) else {
                throw RuntimeError("\(spec.location): task.link names no link of the robot")
            }
            if spec.solver == "ik" {
                guard let ik = online as? EndEffectorIKPlanner else {
                    throw RuntimeError("\(spec.location): ee_targets with solver ik needs its IK planner", invalidInput: false)
                }
                kind = .online(ik, ik.plan)
            } else {
                kind = .endEffector(EndEffectorPlan(spec: spec, link: link, dt: dt))
            }
        default:
            throw RuntimeError("\(spec.location): task type '\(spec.type)' is not supported by this runtime")
        }
    }

    /// The end-effector plan, for ee_targets tasks.
    var endEffector: EndEffectorPlan? {
        switch kind {
        case .endEffector(let plan): return plan
        case .online(_, let plan): return plan
        default: return nil
        }
    }

    /// The planner that runs at planning ticks, if the task has one.
    var online: (any OnlinePlanner)? {
        if case .online(let planner, _) = kind { return planner }
        return nil
    }

    /// For a hold task, the posture it steps to (used for step-response metrics).
    var holdTarget: [Double]? {
        if case .postures(let list) = kind, list.count == 1 { return list[0].q }
        return nil
    }

    /// Writes the reference for `tick` into `reference`.
    func reference(atTick tick: Int, into reference: inout Reference) {
        switch kind {
        case .postures(let segments):
            var current = 0
            while current + 1 < segments.count && segments[current + 1].tick <= tick { current += 1 }
            let q = segments[current].q
            for i in 0..<q.count {
                reference.q[i] = q[i]; reference.qd[i] = 0; reference.qdd[i] = 0
            }
        case .spline(let splines):
            splines.sample(at: Double(tick) * dt, q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
        case .sine(let center, let amplitude, let omega):
            let t = Double(tick) * dt
            let c = cos(omega * t), s = sin(omega * t)
            for i in 0..<center.count {
                reference.q[i] = center[i] + amplitude[i] * (1 - c)
                reference.qd[i] = amplitude[i] * omega * s
                reference.qdd[i] = amplitude[i] * omega * omega * c
            }
        case .planned(let trajectory):
            trajectory.sample(at: Double(tick) * dt, q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
        case .online(let planner, let plan):
            planner.trajectory.sample(at: Double(tick) * dt, q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
            if let plan { reference.eeTarget = plan.targets[plan.index(atTick: tick)].pose }
        case .endEffector(let plan):
            for i in 0..<initialQ.count {
                reference.q[i] = initialQ[i]; reference.qd[i] = 0; reference.qdd[i] = 0
            }
            reference.eeTarget = plan.targets[plan.index(atTick: tick)].pose
        }
    }
}

// MARK: - End-effector targets

/// The poses of an ee_targets task and the ticks at which each starts.
struct EndEffectorPlan {
    struct Target {
        var pose: Transform
        var hasOrientation: Bool
        var startTick: Int
        var endTick: Int
    }

    let link: Int
    let targets: [Target]
    let positionTolerance: Double
    let orientationTolerance: Double

    init(spec: TaskSpec, link: Int, dt: Double) {
        self.link = link
        positionTolerance = spec.positionTolerance
        orientationTolerance = spec.orientationTolerance
        var start = 0.0
        var list: [Target] = []
        for t in spec.targets {
            let p = t.position, r = t.rpy ?? [0, 0, 0]
            let pose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(r[0], r[1], r[2]))
            list.append(Target(pose: pose, hasOrientation: t.rpy != nil, startTick: Int((start / dt).rounded()),
                               endTick: Int(((start + t.hold) / dt).rounded())))
            start += t.hold
        }
        targets = list
    }

    /// The index of the target active at `tick` (the last one stays active after its hold ends).
    func index(atTick tick: Int) -> Int {
        var i = 0
        while i + 1 < targets.count && targets[i + 1].startTick <= tick { i += 1 }
        return i
    }
}

// MARK: - Cubic splines

/// C²-continuous cubic splines, one per joint, through points at given times, with zero velocity at both
/// ends (clamped); after the last point the last posture holds.
struct CubicSplines {
    let times: [Double]
    /// Per segment k and joint j: coefficients a, b, c, d of q(τ) = a + bτ + cτ² + dτ³, τ = t − times[k].
    let coefficients: [[SIMD4<Double>]]

    init(times: [Double], points: [[Double]]) {
        self.times = times
        let n = times.count
        let dof = points.first?.count ?? 0
        guard n >= 2 else {
            coefficients = [points.first.map { $0.map { SIMD4($0, 0, 0, 0) } } ?? []]
            return
        }
        var segments = [[SIMD4<Double>]](repeating: [SIMD4<Double>](repeating: .zero, count: dof), count: n - 1)
        let h = (0..<(n - 1)).map { times[$0 + 1] - times[$0] }
        for j in 0..<dof {
            // Solve for the second derivatives M with clamped ends (q̇ = 0 at both ends): a tridiagonal system.
            let y = points.map { $0[j] }
            var sub = [Double](repeating: 0, count: n), diag = sub, sup = sub, rhs = sub
            diag[0] = 2 * h[0]; sup[0] = h[0]; rhs[0] = 6 * ((y[1] - y[0]) / h[0])
            for i in 1..<(n - 1) {
                sub[i] = h[i - 1]; diag[i] = 2 * (h[i - 1] + h[i]); sup[i] = h[i]
                rhs[i] = 6 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1])
            }
            sub[n - 1] = h[n - 2]; diag[n - 1] = 2 * h[n - 2]; rhs[n - 1] = -6 * ((y[n - 1] - y[n - 2]) / h[n - 2])
            // Thomas algorithm.
            for i in 1..<n {
                let w = sub[i] / diag[i - 1]
                diag[i] -= w * sup[i - 1]
                rhs[i] -= w * rhs[i - 1]
            }
            var m = [Double](repeating: 0, count: n)
            m[n - 1] = rhs[n - 1] / diag[n - 1]
            for i in stride(from: n - 2, through: 0, by: -1) { m[i] = (rhs[i] - sup[i] * m[i + 1]) / diag[i] }
            for k in 0..<(n - 1) {
                let a = y[k]
                let b = (y[k + 1] - y[k]) / h[k] - h[k] * (2 * m[k] + m[k + 1]) / 6
                let c = m[k] / 2
                let d = (m[k + 1] - m[k]) / (6 * h[k])
                segments[k][j] = SIMD4(a, b, c, d)
            }
        }
        coefficients = segments
    }

    /// Writes q, q̇ and q̈ at time `t` s into the buffers (dof values each).
    func sample(at t: Double, q: inout [Double], qd: inout [Double], qdd: inout [Double]) {
        let last = times.count - 1
        if times.count < 2 || t >= times[last] {
            let k = max(0, coefficients.count - 1)
            let tau = times.count < 2 ? 0 : times[last] - times[last - 1]
            for j in 0..<q.count {
                let c = coefficients[k][j]
                q[j] = c.x + tau * (c.y + tau * (c.z + tau * c.w)); qd[j] = 0; qdd[j] = 0
            }
            return
        }
        var k = 0
        while k + 1 < last && times[k + 1] <= t { k += 1 }
        let tau = t - times[k]
        for j in 0..<q.count {
            let c = coefficients[k][j]
            q[j] = c.x + tau * (c.y + tau * (c.z + tau * c.w))
            qd[j] = c.y + tau * (2 * c.z + 3 * c.w * tau)
            qdd[j] = 2 * c.z + 6 * c.w * tau
        }
    }
}

// MARK: - Controllers by name

/// Builds the controller a scenario names.
enum ControllerFactory {
    /// Whether a controller type needs the robot's dynamics terms.
    static func needsDynamics(_ type: String) -> Bool {
        ["pd_gravity", "computed_torque", "stable_pd", "osc"].contains(type)
    }

    static func make(_ spec: ControllerSpec, model: RobotModel, groups: [String: [String]], linkNames: [String],
                     effortLimits: [Double], dynamics: (any RobotDynamics)?) throws(RuntimeError) -> Controller {
        let gains: JointGains
        do {
            gains = try spec.resolveGains(jointNames: model.jointNames, groups: groups)
        } catch {
            throw RuntimeError(error.description)
        }
        for (name, values) in [("kp", gains.kp), ("kd", gains.kd), ("ki", gains.ki)] where values.contains(where: { !($0 >= 0) || !$0.isFinite }) {
            throw RuntimeError("\(spec.gainsLocation): controller gains \(name) must be finite and non-negative")
        }
        let p = spec.parameters
        func parameter(_ name: String, _ fallback: Double) throws(RuntimeError) -> Double {
            guard let v = p[name] else { return fallback }
            guard v.isFinite && v >= 0 else {
                throw RuntimeError("\(spec.location): controller.parameters.\(name) must be finite and non-negative, got \(v)")
            }
            return v
        }
        let filter = p["velocity_filter_hz"]
        if let f = filter, !(f > 0) {
            throw RuntimeError("\(spec.location): controller.parameters.velocity_filter_hz must be positive")
        }
        let limits = effortLimits.map { $0 > 0 ? $0 * spec.torqueLimitScale : .leastNormalMagnitude }
        switch spec.type {
        case "pd" where gains.ki.allSatisfy({ $0 == 0 }):
            return PDController(kp: gains.kp, kd: gains.kd, velocityFilterHz: filter)
        case "pd", "pid":
            let iLimit = try parameter("i_limit", .infinity)
            return PIDController(kp: gains.kp, ki: gains.ki, kd: gains.kd, torqueLimits: limits,
                                 integralLimits: Array(repeating: iLimit, count: gains.kp.count),
                                 antiWindup: try parameter("anti_windup", 1) != 0, velocityFilterHz: filter)
        case "pd_gravity":
            return PDGravityController(dynamics: try require(dynamics, spec), kp: gains.kp, kd: gains.kd,
                                       velocityFilterHz: filter)
        case "computed_torque":
            return ComputedTorqueController(dynamics: try require(dynamics, spec), kp: gains.kp, kd: gains.kd)
        case "stable_pd":
            return StablePDController(dynamics: try require(dynamics, spec), kp: gains.kp, kd: gains.kd)
        case "osc":
            guard let name = spec.eeLink, let link = linkNames.firstIndex(of: name) else {
                throw RuntimeError("\(spec.location): controller type osc needs controller.ee_link, a link of the robot")
            }
            let orientation = try parameter("ee_orientation", 1) != 0
            let point = Vector3(try parameter("ee_point_x", 0), try parameter("ee_point_y", 0), try parameter("ee_point_z", 0))
            return OperationalSpaceController(
                dynamics: try require(dynamics, spec), eeLink: link, eePoint: point,
                taskSpace: orientation ? .pose : .position,
                positionKp: try parameter("ee_kp", 400), positionKd: try parameter("ee_kd", 40),
                orientationKp: try parameter("ee_rot_kp", 400), orientationKd: try parameter("ee_rot_kd", 40),
                nullKp: gains.kp, nullKd: gains.kd, damping: max(1e-12, try parameter("ee_damping", 1e-4)),
                compensatesJdot: try parameter("ee_jdot", 1) != 0)
        default:
            throw RuntimeError("\(spec.location): controller type '\(spec.type)' is not supported by this runtime")
        }
    }

    private static func require(_ dynamics: (any RobotDynamics)?, _ spec: ControllerSpec) throws(RuntimeError) -> any RobotDynamics {
        guard let dynamics else {
            throw RuntimeError("\(spec.location): controller type \(spec.type) needs dynamics terms, which could not be built",
                               invalidInput: false)
        }
        return dynamics
    }
}

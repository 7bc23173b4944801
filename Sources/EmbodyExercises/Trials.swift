// MARK: - Trials: one exercise, one seed, run inside the child process that holds the student's code
//
// A trial loads the exercise's scenario, varies it with the seed (postures, step sizes, targets, initial
// tilt), runs the student's code in the simulator and measures every metric the exercise's checks read.
// It runs in `embody-exercise-runner` (the students' build) or `embody-exercise-reference` (the
// instructor's), never in the grader, so a crash or an endless loop costs only this trial.

import EmbodyControl
import EmbodyModel
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// The code a runner grades: one type per exercise, plus the gains file of the parameter exercise.
public struct SolutionSet {
    /// The gains YAML of exercise 1, relative to the Exercises directory.
    public var pdTuningGains: String
    /// Exercise 2: a joint PD controller.
    public var jointPD: any StudentController.Type
    /// Exercise 3: PD plus gravity compensation.
    public var gravityCompensation: any StudentController.Type
    /// Exercise 4: the quintic time-scaling.
    public var quintic: any StudentTrajectory.Type
    /// Exercise 4: the computed-torque tracking controller.
    public var computedTorque: any StudentController.Type
    /// Exercise 5: the damped-least-squares IK solver.
    public var inverseKinematics: any StudentIKSolver.Type
    /// Exercise 6: the cart-pole LQR controller.
    public var cartPole: any StudentController.Type
    /// Exercise 7: the complementary-filter tilt estimator.
    public var tiltEstimator: any StudentTiltEstimator.Type
    /// Exercise 8: the humanoid balance controller.
    public var balance: any StudentController.Type
    /// Exercise 9: ZMP preview control of the walking humanoid's centre of mass.
    public var walking: any StudentZMPPreview.Type

    /// Creates a solution set from its parts.
    public init(pdTuningGains: String, jointPD: any StudentController.Type,
                gravityCompensation: any StudentController.Type, quintic: any StudentTrajectory.Type,
                computedTorque: any StudentController.Type, inverseKinematics: any StudentIKSolver.Type,
                cartPole: any StudentController.Type, tiltEstimator: any StudentTiltEstimator.Type,
                balance: any StudentController.Type, walking: any StudentZMPPreview.Type) {
        self.pdTuningGains = pdTuningGains
        self.jointPD = jointPD
        self.gravityCompensation = gravityCompensation
        self.quintic = quintic
        self.computedTorque = computedTorque
        self.inverseKinematics = inverseKinematics
        self.cartPole = cartPole
        self.tiltEstimator = tiltEstimator
        self.balance = balance
        self.walking = walking
    }
}

/// A trial that could not run, with a message for people.
public struct TrialError: Error, CustomStringConvertible {
    /// The message.
    public var description: String
    init(_ message: String) { description = message }
}

/// What a trial measured: metric values by name, and the first problem with the student's output, if any.
public struct TrialOutcome: Sendable {
    /// Metric values by the names the checks use.
    public var metrics: [String: Double]
    /// A problem to show next to the failed checks (e.g. a wrong number of torques), or nil.
    public var problem: String?
}

/// Runs exercise trials.
public enum Trials {
    /// Runs one trial of exercise `number` with `seed`, scenario files under `exercisesDirectory`.
    public static func run(exercise number: Int, seed: UInt64, exercisesDirectory: String,
                           solutions: SolutionSet) throws -> TrialOutcome {
        guard let exercise = Catalog.find(String(number)) else { throw TrialError("there is no exercise \(number)") }
        let folder = (exercisesDirectory as NSString).appendingPathComponent(exercise.folder)
        let scenario = (folder as NSString).appendingPathComponent("scenario.yaml")
        var random = ExerciseRandom(seed: seed)
        switch number {
        case 1: return try pdTuning(scenario, gains: (exercisesDirectory as NSString).appendingPathComponent(solutions.pdTuningGains), &random)
        case 2: return try jointHold(scenario, solutions.jointPD, &random)
        case 3: return try gravityHold(scenario, solutions.gravityCompensation, &random)
        case 4: return try tracking(scenario, solutions.quintic, solutions.computedTorque, &random)
        case 5: return try inverseKinematics(scenario, solutions.inverseKinematics, &random)
        case 6: return try cartPole(scenario, solutions.cartPole, &random)
        case 7: return try tiltEstimation(scenario, solutions.tiltEstimator, &random)
        case 8: return try balance(scenario, solutions.balance, &random)
        case 9: return try walking(scenario, solutions.walking, &random)
        default: throw TrialError("exercise \(number) has no trial")
        }
    }

    /// Runs one trial of an exercise graded from a parameter file alone (exercise 1: `gains`, relative to
    /// `exercisesDirectory`); it needs no student Swift, so the grader runs it without building anything.
    public static func parameterTrial(exercise number: Int, seed: UInt64, exercisesDirectory: String,
                                      gains: String) throws -> TrialOutcome {
        guard let exercise = Catalog.find(String(number)) else { throw TrialError("there is no exercise \(number)") }
        guard !exercise.needsSwift else {
            throw TrialError("exercise \(number) is graded from Swift code (\(exercise.studentFile)), not from a parameter file")
        }
        let folder = (exercisesDirectory as NSString).appendingPathComponent(exercise.folder)
        let scenario = (folder as NSString).appendingPathComponent("scenario.yaml")
        var random = ExerciseRandom(seed: seed)
        return try pdTuning(scenario, gains: (exercisesDirectory as NSString).appendingPathComponent(gains), &random)
    }

    // MARK: - Helpers

    /// Loads a scenario with overrides, with errors for people.
    static func load(_ path: String, _ overrides: [String]) throws -> (Scenario, RobotModel) {
        do { return try ScenarioLoader.load(path: path, overrides: overrides) } catch {
            throw TrialError("\(path) is not a valid scenario:\n\(error.description)")
        }
    }

    /// `{ name: value, … }` in YAML flow style, names sorted.
    static func flow(_ values: [String: Double]) -> String {
        "{ " + values.keys.sorted().map { "\($0): \(values[$0]!)" }.joined(separator: ", ") + " }"
    }

    /// The student-facing model view of a simulation's robot.
    static func modelView(_ sim: Simulation, endEffector: String?) throws -> RobotModelView {
        guard let dynamics = sim.dynamics else { throw TrialError("the dynamics terms of the robot could not be built") }
        return RobotModelView(dynamics: dynamics, jointNames: sim.model.jointNames,
                              lowerLimits: sim.robot.positionLimits.map(\.lowerBound),
                              upperLimits: sim.robot.positionLimits.map(\.upperBound),
                              effortLimits: sim.effortLimits,
                              endEffectorLink: endEffector.flatMap { sim.robot.linkNames.firstIndex(of: $0) },
                              basePose: sim.robot.basePose)
    }

    /// Builds a simulation whose controller is the student's, wrapped in an adapter.
    static func simulation(_ path: String, _ overrides: [String], endEffector: String? = nil,
                           make: @escaping (RobotModelView) -> StudentControllerAdapter) throws
        -> (Simulation, StudentControllerAdapter) {
        let (scenario, model) = try load(path, overrides)
        let p = scenario.robot.base.position, rpy = scenario.robot.base.rpy
        let basePose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(rpy[0], rpy[1], rpy[2]))
        var adapter: StudentControllerAdapter?
        var viewError: Error?
        let sim: Simulation
        do {
            sim = try Simulation(scenario: scenario, model: model) { dynamics in
                guard let dynamics else {
                    viewError = TrialError("the dynamics terms of the robot could not be built")
                    return PDController(kp: [], kd: [])
                }
                // Limits and masses are read from the model here; the Simulation is not finished yet.
                let joints = model.movableJoints
                let inertials: [(mass: Double, centroid: Vector3)] = dynamics.linkNames.map { name in
                    guard let i = model.linkIndex(named: name) else { return (0, .zero) }
                    return (model.links[i].inertial.mass, model.links[i].inertial.origin.position)
                }
                let limited = joints.map { $0.type != .continuous && $0.limit != nil }
                let view = RobotModelView(dynamics: dynamics, jointNames: model.jointNames,
                                          lowerLimits: zip(joints, limited).map { $1 ? $0.limit!.lower : -.infinity },
                                          upperLimits: zip(joints, limited).map { $1 ? $0.limit!.upper : .infinity },
                                          effortLimits: joints.map { $0.limit?.effort ?? 0 },
                                          endEffectorLink: nil, basePose: basePose,
                                          linkNames: dynamics.linkNames, linkInertials: inertials)
                let a = make(view)
                adapter = a
                return a
            }
        } catch { throw TrialError(error.message) }
        if let viewError { throw viewError }
        guard let adapter else { throw TrialError("the student controller was not built") }
        return (sim, adapter)
    }

    /// Steps a simulation to its end, calling `each` after every tick.
    static func runToEnd(_ sim: Simulation, each: (Simulation) -> Void = { _ in }) throws -> RunSummary {
        while !sim.isFinished {
            do { try sim.step() } catch { throw TrialError(error.message) }
            each(sim)
        }
        do { return try sim.finish(wallTime: 0) } catch { throw TrialError(error.message) }
    }

    /// A random moderate arm posture (rad) for arm7, away from the joint limits.
    static func armPosture(_ r: inout ExerciseRandom) -> [String: Double] {
        ["joint_1": r.uniform(-0.5, 0.5), "joint_2": r.uniform(0.3, 0.9), "joint_3": r.uniform(-0.5, 0.5),
         "joint_4": r.uniform(0.4, 1.2), "joint_5": r.uniform(-0.5, 0.5), "joint_6": r.uniform(0.2, 0.8),
         "joint_7": r.uniform(-0.5, 0.5)]
    }

    // MARK: - 1. PD tuning

    /// Reads `kp:` and `kd:` from a small YAML file of gains.
    static func readGains(_ path: String) throws -> (kp: Double, kd: Double) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TrialError("cannot read the gains file \(path)")
        }
        var values: [String: Double] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { continue }
            guard let v = Double(parts[1]), v.isFinite, v >= 0 else {
                throw TrialError("\(path):\(n + 1): '\(parts[0])' must be a finite, non-negative number, got '\(parts[1])'")
            }
            values[parts[0]] = v
        }
        guard let kp = values["kp"], let kd = values["kd"] else {
            throw TrialError("\(path): the file must set both kp (N·m/rad) and kd (N·m·s/rad)")
        }
        return (kp, kd)
    }

    static func pdTuning(_ path: String, gains: String, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let (kp, kd) = try readGains(gains)
        let step = r.uniform(0.3, 0.6)
        let (scenario, model) = try load(path, ["controller.gains={ kp: \(kp), kd: \(kd) }", "task.q={ spin: \(step) }"])
        let sim: Simulation
        do { sim = try Simulation(scenario: scenario, model: model) } catch { throw TrialError(error.message) }
        let summary = try runToEnd(sim)
        var m: [String: Double] = [:]
        for key in ["overshoot", "settling_time", "torque_saturation_fraction"] { m[key] = summary.metrics[key] ?? .nan }
        return TrialOutcome(metrics: m, problem: nil)
    }

    // MARK: - 2. Joint PD

    static func jointHold(_ path: String, _ type: any StudentController.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let posture = flow(armPosture(&r))
        let (sim, adapter) = try simulation(path, ["robot.initial.q=\(posture)", "task.q=\(posture)"]) {
            StudentControllerAdapter(type.init(model: $0))
        }
        let summary = try runToEnd(sim)
        let speed = sim.robot.qd.map(abs).max() ?? 0
        return TrialOutcome(metrics: ["final_joint_error_max": summary.metrics["final_joint_error_max"] ?? .nan,
                                      "final_speed_max": speed,
                                      "torque_saturation_fraction": summary.metrics["torque_saturation_fraction"] ?? .nan],
                            problem: adapter.problem)
    }

    // MARK: - 3. Gravity compensation

    static func gravityHold(_ path: String, _ type: any StudentController.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        var drift = 0.0, saturation = 0.0
        var problem: String?
        for _ in 0..<5 {
            let values = armPosture(&r)
            let posture = flow(values)
            let (sim, adapter) = try simulation(path, ["robot.initial.q=\(posture)", "task.q=\(posture)"]) {
                StudentControllerAdapter(type.init(model: $0))
            }
            let q0 = sim.robot.q
            var q = q0
            let summary = try runToEnd(sim) { s in
                s.robot.getQ(&q)
                for i in 0..<min(7, q.count) { drift = max(drift, abs(q[i] - q0[i])) }
            }
            if !(drift.isFinite) { drift = .infinity }
            saturation = max(saturation, summary.metrics["torque_saturation_fraction"] ?? .nan)
            problem = problem ?? adapter.problem
        }
        return TrialOutcome(metrics: ["drift_max": drift, "torque_saturation_fraction": saturation], problem: problem)
    }

    // MARK: - 4. Quintic trajectory and computed torque

    /// The exact rest-to-rest quintic, the grader's own: q = q₀ + (q₁ − q₀) s(τ), s = 10τ³ − 15τ⁴ + 6τ⁵.
    static func quintic(start: [Double], goal: [Double], duration T: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double]) {
        let tau = min(max(t / T, 0), 1)
        let s = tau * tau * tau * (10 - 15 * tau + 6 * tau * tau)
        let sd = 30 * tau * tau * (1 - tau) * (1 - tau) / T
        let sdd = 60 * tau * (1 - tau) * (1 - 2 * tau) / (T * T)
        let d = zip(goal, start).map { $0 - $1 }
        return (zip(start, d).map { $0 + $1 * s }, d.map { $0 * sd }, d.map { $0 * sdd })
    }

    static func tracking(_ path: String, _ trajectory: any StudentTrajectory.Type,
                         _ type: any StudentController.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let startValues = armPosture(&r)
        let posture = flow(startValues)
        let T = 1.0
        let (_, model0) = try load(path, ["robot.initial.q=\(posture)", "task.q=\(posture)"])
        var start = [Double](repeating: 0, count: model0.jointNames.count)
        for (name, v) in startValues { if let i = model0.coordinateIndex(ofJoint: name) { start[i] = v } }
        var goal = start
        for i in 0..<min(7, goal.count) { goal[i] += r.uniform(-0.5, 0.5) }
        // The quintic itself, against the exact one, at 21 times including both ends, for the tracked duration
        // and a longer one (with T = 1 alone, a q̇ or q̈ without the chain rule's 1/T or 1/T² would pass).
        var quinticError = 0.0
        samples: for duration in [T, 1.6] {
            for k in 0...20 {
                let t = duration * Double(k) / 20
                let mine = quintic(start: start, goal: goal, duration: duration, t: t)
                let theirs = trajectory.sample(start: start, goal: goal, duration: duration, t: t)
                guard theirs.q.count == start.count, theirs.qd.count == start.count, theirs.qdd.count == start.count else {
                    quinticError = .infinity
                    break samples
                }
                for i in 0..<start.count {
                    let e = max(abs(mine.q[i] - theirs.q[i]), abs(mine.qd[i] - theirs.qd[i]), abs(mine.qdd[i] - theirs.qdd[i]))
                    quinticError = max(quinticError, e.isNaN ? .infinity : e)
                }
            }
        }
        // Tracking: the controller follows the student's trajectory; the error is against the exact one.
        let (sim, adapter) = try simulation(path, ["robot.initial.q=\(posture)", "task.q=\(posture)"]) { view in
            StudentControllerAdapter(type.init(model: view), reference: { t in
                trajectory.sample(start: start, goal: goal, duration: T, t: min(t, T))
            })
        }
        var q = start
        var sum = 0.0, count = 0.0
        let summary = try runToEnd(sim) { s in
            s.robot.getQ(&q)
            let ref = quintic(start: start, goal: goal, duration: T, t: s.time)
            for i in 0..<min(7, q.count) { let e = ref.q[i] - q[i]; sum += e * e; count += 1 }
        }
        let rms = count > 0 ? (sum / count).squareRoot() : .nan
        return TrialOutcome(metrics: ["quintic_error": quinticError, "tracking_error_rms": rms.isNaN ? .infinity : rms,
                                      "torque_saturation_fraction": summary.metrics["torque_saturation_fraction"] ?? .nan],
                            problem: adapter.problem)
    }

    // MARK: - 5. Damped-least-squares IK

    static func inverseKinematics(_ path: String, _ solver: any StudentIKSolver.Type,
                                  _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let (sim, _) = try simulation(path, []) { _ in
            StudentControllerAdapter(ZeroTorques())
        }
        let view = try modelView(sim, endEffector: "ee_link")
        let initial = sim.robot.q
        var errorMax = 0.0, violation = 0.0
        var problem: String?
        for _ in 0..<3 {
            let values = armPosture(&r)
            var qt = initial
            for (name, v) in values { if let i = sim.model.coordinateIndex(ofJoint: name) { qt[i] = v } }
            let target = view.endEffectorPosition(qt)
            let q = solver.solve(target: target, initial: initial, model: view)
            guard q.count == initial.count, q.allSatisfy(\.isFinite) else {
                problem = problem ?? "solve(target:initial:model:) returned \(q.count) values (some not finite); the arm has \(initial.count) joints"
                errorMax = .infinity
                continue
            }
            let p = view.endEffectorPosition(q)
            let e = zip(p, target).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            errorMax = max(errorMax, e)
            for i in 0..<q.count {
                violation = max(violation, view.lowerLimits[i] - q[i], q[i] - view.upperLimits[i])
            }
        }
        return TrialOutcome(metrics: ["ee_error_max": errorMax, "joint_limit_violation": violation], problem: problem)
    }

    // MARK: - 6. Cart-pole LQR

    static func cartPole(_ path: String, _ type: any StudentController.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let tilt = (r.next() % 2 == 0 ? 1.0 : -1.0) * r.uniform(8, 12) * Double.pi / 180
        let offset = r.uniform(-0.2, 0.2)
        let (sim, adapter) = try simulation(path, ["robot.initial.q={ slider: \(offset), hinge: \(tilt) }"]) {
            StudentControllerAdapter(type.init(model: $0), passive: [1])
        }
        var q = [0.0, 0.0]
        var maxTilt = 0.0
        let summary = try runToEnd(sim) { s in
            s.robot.getQ(&q)
            maxTilt = max(maxTilt, abs(q[1]).isNaN ? .infinity : abs(q[1]))
        }
        sim.robot.getQ(&q)
        let degrees = 180 / Double.pi
        return TrialOutcome(metrics: ["max_tilt": maxTilt * degrees, "final_tilt": abs(q[1]) * degrees,
                                      "final_cart_offset": abs(q[0]),
                                      "torque_saturation_fraction": summary.metrics["torque_saturation_fraction"] ?? .nan],
                            problem: adapter.problem)
    }
}

extension Trials {
    // MARK: - 7. IMU tilt estimation

    /// A standard normal draw (Box–Muller).
    static func gaussian(_ r: inout ExerciseRandom) -> Double {
        let u1 = max(r.uniform(0, 1), 1e-300), u2 = r.uniform(0, 1)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// The arm moves by its scenario (computed torque on a joint sine); an IMU on link_2's origin, which lies on
    /// joint_1's and joint_2's axes, measures body-frame angular velocity with a constant bias and white noise,
    /// and specific force with white noise. The error is the angle between the true and estimated gravity
    /// directions in the body frame, after a 0.5 s start-up.
    static func tiltEstimation(_ path: String, _ type: any StudentTiltEstimator.Type,
                               _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let pitch0 = r.uniform(0.2, 0.5)
        let amplitude1 = r.uniform(0.3, 0.6), amplitude2 = r.uniform(0.2, 0.4)
        let (scenario, model) = try load(path, ["robot.initial.q={ joint_2: \(pitch0) }",
                                                "task.amplitude={ joint_1: \(amplitude1), joint_2: \(amplitude2) }"])
        let sim: Simulation
        do { sim = try Simulation(scenario: scenario, model: model) } catch { throw TrialError(error.message) }
        guard let link = sim.robot.linkNames.firstIndex(of: "link_2") else { throw TrialError("arm7 has no link_2") }
        var bias = [0.0, 0, 0]
        for i in 0..<3 { bias[i] = (r.next() % 2 == 0 ? 1 : -1) * r.uniform(0.01, 0.02) }   // rad/s
        let gyroNoise = 0.005, accelNoise = 0.3                                                // rad/s, m/s²
        let estimator = type.init()
        var poses = [Double](repeating: 0, count: 7 * sim.robot.linkCount)
        var twists = [Double](repeating: 0, count: 6 * sim.robot.linkCount)
        sim.robot.getLinkTwists(&twists)
        var previousVelocity = Vector3(twists[6 * link], twists[6 * link + 1], twists[6 * link + 2])
        var sum = 0.0, count = 0.0, worst = 0.0
        let dt = sim.dt
        _ = try runToEnd(sim) { s in
            s.robot.getLinkPoses(&poses)
            s.robot.getLinkTwists(&twists)
            let rotation = Transform(poses, from: 7 * link).rotation.conjugate   // world → body
            let v = Vector3(twists[6 * link], twists[6 * link + 1], twists[6 * link + 2])
            let w = Vector3(twists[6 * link + 3], twists[6 * link + 4], twists[6 * link + 5])
            let a = (v - previousVelocity) / dt
            previousVelocity = v
            let wb = rotation.rotate(w)
            let fb = rotation.rotate(a + Vector3(0, 0, 9.81))
            let gyro = [wb.x + bias[0] + gyroNoise * gaussian(&r), wb.y + bias[1] + gyroNoise * gaussian(&r),
                        wb.z + bias[2] + gyroNoise * gaussian(&r)]
            let accel = [fb.x + accelNoise * gaussian(&r), fb.y + accelNoise * gaussian(&r), fb.z + accelNoise * gaussian(&r)]
            let (roll, pitch) = estimator.update(gyro: gyro, accel: accel, dt: dt)
            guard s.time >= 0.5 else { return }
            let truth = rotation.rotate(Vector3(0, 0, 1))
            let estimate = Vector3(-sin(pitch), sin(roll) * cos(pitch), cos(roll) * cos(pitch))
            var e = acos(min(1, max(-1, dot(truth, estimate)))) * 180 / Double.pi
            if !e.isFinite { e = 180 }
            sum += e * e; count += 1; worst = max(worst, e)
        }
        return TrialOutcome(metrics: ["tilt_error_rms": count > 0 ? (sum / count).squareRoot() : .infinity,
                                      "tilt_error_max": count > 0 ? worst : .infinity], problem: nil)
    }
}

/// A controller that commands nothing; used where the trial only needs the robot's model.
final class ZeroTorques: StudentController {
    init() {}
    init(model: RobotModelView) {}
    func torques(_ state: JointState) -> [Double] { Array(repeating: 0, count: state.dof) }
}

extension Trials {
    // MARK: - 8. Humanoid balance under pushes

    /// The humanoid stands while the scenario's shoves (its `disturbances`, in increasing size) hit the torso.
    /// Per seed each shove is turned by up to ±20° about z and moved by up to ±0.1 s; sizes (N) and order stay. A fall is the pelvis dropping below the scenario's `termination.base_height_below`
    /// or any link other than a foot touching the ground; the run stops there. A shove counts as survived when
    /// the robot has not fallen by the next shove (or the end of the run).
    static func balance(_ path: String, _ type: any StudentController.Type, _ r: inout ExerciseRandom) throws -> TrialOutcome {
        let (plain, _) = try load(path, [])
        guard !plain.disturbances.isEmpty else {
            throw TrialError("\(path): the scenario declares no shoves (a `disturbances` list)")
        }
        guard plain.termination.baseHeightBelow != nil else {
            throw TrialError("\(path): the scenario needs `termination: { base_height_below: … }` to detect falls")
        }
        let times = plain.disturbances.map(\.at)
        guard zip(times, times.dropFirst()).allSatisfy({ $0 + 0.7 <= $1 }), times[times.count - 1] + 0.7 <= plain.duration else {
            throw TrialError("\(path): the shoves must come in time order, at least 0.7 s apart, the last one at least 0.7 s before the end")
        }
        var overrides: [String] = []
        var shoves: [(start: Double, size: Double)] = []
        for (k, d) in plain.disturbances.enumerated() {
            let size = (d.force[0] * d.force[0] + d.force[1] * d.force[1]).squareRoot()    // N
            let heading = r.uniform(-20, 20) * Double.pi / 180 + atan2(d.force[1], d.force[0])
            let at = max(0.2, d.at + r.uniform(-0.1, 0.1))
            overrides.append("disturbances[\(k)].at=\(at)")
            overrides.append("disturbances[\(k)].force=[\(size * cos(heading)), \(size * sin(heading)), \(d.force[2])]")
            shoves.append((at, size))
        }
        let (sim, adapter) = try simulation(path, overrides) {
            StudentControllerAdapter(type.init(model: $0), floatingBase: true)
        }
        guard ["left_foot", "right_foot"].allSatisfy(sim.robot.linkNames.contains) else {
            throw TrialError("\(path): the robot has no left_foot and right_foot links")
        }
        let fellAt = try runUntilFall(sim)
        let summary: RunSummary
        do { summary = try sim.finish(wallTime: 0) } catch { throw TrialError(error.message) }
        // The largest shove followed by no fall before the next one (or the end).
        var survived = 0.0
        for (k, s) in shoves.enumerated() {
            let next = k + 1 < shoves.count ? shoves[k + 1].start : .infinity
            if let t = fellAt, t < next { break }
            survived = max(survived, s.size)
        }
        let up = sim.robot.basePose.rotation.rotate(Vector3(0, 0, 1)).z
        let tilt = acos(min(1, max(-1, up))) * 180 / Double.pi
        let saturation = summary.saturation.values.max() ?? 0
        return TrialOutcome(metrics: ["largest_push_survived": survived, "falls": fellAt == nil ? 0 : 1,
                                      "final_tilt": fellAt == nil ? tilt : 90,   // a fall counts as lying down
                                      "torque_saturation_worst_joint": saturation,
                                      "mechanical_work": summary.metrics["mechanical_work"] ?? .nan],
                            problem: adapter.problem)
    }
}

// MARK: - Tasks: what the planner hands the controller

import EmbodyControl
import EmbodyModel
import EmbodyScenario

/// A scenario task turned into references indexed by tick, built at load.
final class TaskPlan {
    /// Joint targets and the tick from which each applies, in increasing tick order.
    private let segments: [(tick: Int, q: [Double])]

    init(_ spec: TaskSpec, model: RobotModel, initialQ: [Double], dt: Double) throws(RuntimeError) {
        func apply(_ values: [NamedValue], to q: inout [Double]) throws(RuntimeError) {
            for v in values {
                guard let i = model.coordinateIndex(ofJoint: v.name) else {
                    throw RuntimeError("\(v.location): the robot has no joint '\(v.name)'")
                }
                q[i] = v.value
            }
        }
        switch spec.type {
        case "hold":
            var q = initialQ
            try apply(spec.q, to: &q)
            segments = [(0, q)]
        case "joint_waypoints":
            var q = initialQ
            var list: [(tick: Int, q: [Double])] = [(0, q)]
            for w in spec.waypoints {
                try apply(w.q, to: &q)
                let t = Int((w.at / dt).rounded())
                if t == 0 { list[0] = (0, q) } else { list.append((t, q)) }
            }
            segments = list
        default:
            throw RuntimeError("\(spec.location): task type '\(spec.type)' is not supported by this runtime")
        }
    }

    /// Writes the reference for `tick` (a posture: q̇* = q̈* = 0) into `reference`.
    func reference(atTick tick: Int, into reference: inout Reference) {
        var current = 0
        while current + 1 < segments.count && segments[current + 1].tick <= tick { current += 1 }
        let q = segments[current].q
        for i in 0..<q.count {
            reference.q[i] = q[i]
            reference.qd[i] = 0
            reference.qdd[i] = 0
        }
    }
}

// MARK: - Controllers by name

/// Builds the controller a scenario names.
enum ControllerFactory {
    static func make(_ spec: ControllerSpec, model: RobotModel, groups: [String: [String]]) throws(RuntimeError) -> Controller {
        let gains: JointGains
        do {
            gains = try spec.resolveGains(jointNames: model.jointNames, groups: groups)
        } catch {
            throw RuntimeError(error.description)
        }
        switch spec.type {
        case "pd":
            return PDController(kp: gains.kp, kd: gains.kd)
        default:
            throw RuntimeError("\(spec.location): controller type '\(spec.type)' is not supported by this runtime")
        }
    }
}

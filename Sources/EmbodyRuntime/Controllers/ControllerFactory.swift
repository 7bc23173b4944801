// MARK: - Controllers by kind
//
// One file per controller kind in this folder, each an extension of that kind's parameter struct with
// `makeController(_:)`. The switch below is exhaustive and has no `default:`, so a new case of
// `ControllerKind` is a compile error here until its file exists.

import EmbodyControl
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario

/// What every controller kind is built from: resolved gains, torque limits and, when the kind needs them, the
/// robot's dynamics terms; all fixed at load.
struct ControllerContext {
    /// The controller section, for locations in messages.
    let spec: ControllerSpec
    /// Per-joint gains in q order (N·m/rad, N·m·s/rad, N·m/(rad·s); per m for prismatic joints).
    let gains: JointGains
    /// Per-joint torque limits in N·m or N: the URDF effort limits times `torque_limit_scale`.
    let torqueLimits: [Double]
    /// The robot's link names, in simulator link order.
    let linkNames: [String]
    /// The robot's movable joints' names, in q order.
    let jointNames: [String]
    /// The dynamics terms, built when `ControllerKind.needsDynamics`.
    let dynamicsTerms: (any RobotDynamics)?
    /// The robot in the world, at its load configuration (`whole_body` reads its link frames and model links).
    let robot: Robot

    /// The dynamics terms, or an internal error when they could not be built.
    func dynamics() throws(RuntimeError) -> any RobotDynamics {
        guard let dynamicsTerms else {
            throw RuntimeError("\(spec.location): controller type \(spec.type) needs dynamics terms, which could not be built",
                               invalidInput: false)
        }
        return dynamicsTerms
    }
}

/// Builds the controller a scenario names.
enum ControllerFactory {
    static func make(_ spec: ControllerSpec, model: RobotModel, groups: [String: [String]], robot: Robot,
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
        let limits = effortLimits.map { $0 > 0 ? $0 * spec.torqueLimitScale : .leastNormalMagnitude }
        let context = ControllerContext(spec: spec, gains: gains, torqueLimits: limits, linkNames: robot.linkNames,
                                        jointNames: model.jointNames, dynamicsTerms: dynamics, robot: robot)
        switch spec.kind {
        case .pd(let p): return try p.makePDController(context)
        case .pid(let p): return try p.makeController(context)
        case .pdGravity(let p): return try p.makeController(context)
        case .computedTorque(let p): return try p.makeController(context)
        case .stablePD(let p): return try p.makeController(context)
        case .osc(let p): return try p.makeController(context)
        case .custom(let p): return try p.makeController(context)
        case .external(let p): return p.makeController(context)
        case .wholeBody(let p): return try p.makeController(context)
        }
    }
}

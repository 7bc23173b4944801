// MARK: - A Swift controller of your own: joint PD with a saturated spring and gravity compensation

import EmbodyControl
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// Joint PD whose spring saturates, plus a share of the model's gravity torques:
///
///     τᵢ = kpᵢ ε tanh((q*ᵢ − qᵢ) / ε) − kdᵢ q̇ᵢ + c gᵢ(q)
///
/// with kp in N·m/rad and kd in N·m·s/rad (per m for prismatic joints) from `controller.gains`, the saturation
/// error ε in rad (`error_saturation`) and the gravity share c, dimensionless (`gravity_compensation`).
///
/// For small errors (|e| ≪ ε) tanh(e/ε) ≈ e/ε and this is PD + c g(q); for large ones the spring's torque
/// levels off at kpᵢ ε, so a distant waypoint does not command a torque kpᵢ |e| that the joint cannot
/// deliver. With c = 1 and an exact model, a posture held at rest has no steady error.
public final class SaturatedPDGravity: Controller {
    /// Proportional gains per joint, N·m/rad or N/m.
    let kp: [Double]
    /// Derivative gains per joint, N·m·s/rad or N·s/m.
    let kd: [Double]
    /// The error at which the spring saturates, rad (or m).
    let errorSaturation: Double
    /// The share of g(q) added, dimensionless, in [0, 1].
    let gravityCompensation: Double
    /// The robot's dynamics terms (g(q) here).
    let dynamics: any RobotDynamics
    /// g(q) for every velocity coordinate (base rows first for a floating base), N·m or N; sized at load.
    private var gravity: [Double]
    /// Where the joint rows of `gravity` start.
    private let jointOffset: Int

    /// Creates the controller; sizes its buffer here so that `computeTorques` allocates nothing.
    init(kp: [Double], kd: [Double], errorSaturation: Double, gravityCompensation: Double, dynamics: any RobotDynamics) {
        self.kp = kp
        self.kd = kd
        self.errorSaturation = errorSaturation
        self.gravityCompensation = gravityCompensation
        self.dynamics = dynamics
        gravity = Array(repeating: 0, count: dynamics.nv)
        jointOffset = dynamics.baseVelocityCount
    }

    /// Writes this control tick's torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        dynamics.gravity(q: state.q, basePose: state.basePose, into: &gravity)
        let eps = errorSaturation
        for i in 0..<kp.count {
            let spring = kp[i] * eps * tanh((reference.q[i] - state.q[i]) / eps)
            tau[i] = spring - kd[i] * state.qd[i] + gravityCompensation * gravity[jointOffset + i]
        }
    }
}

extension SaturatedPDGravity {
    /// The name scenarios use: `controller: { type: custom, name: saturated_pd_gravity }`.
    static let name = "saturated_pd_gravity"

    /// Registers the controller with its law and its two parameters (unit, range, default, meaning). Embody's
    /// scenario loader checks `controller.parameters` against these: an unknown key gets the nearest of them
    /// suggested, a value outside its range is an error at that line.
    static func register() throws {
        try ControllerRegistry.register(
            name: name,
            law: "τ = kp ε tanh((q* − q)/ε) − kd q̇ + c g(q)",
            parameters: [
                CustomParameter("error_saturation", unit: "rad", range: 0.001...10, default: 0.2,
                                "ε: the joint error at which the spring's torque levels off (at kp ε)."),
                CustomParameter("gravity_compensation", range: 0...1, default: 1,
                                "c: the share of the model's gravity torques g(q) added."),
            ],
            needsDynamics: true
        ) { context in
            SaturatedPDGravity(kp: context.gains.kp, kd: context.gains.kd,
                               errorSaturation: try context.parameter("error_saturation"),
                               gravityCompensation: try context.parameter("gravity_compensation"),
                               dynamics: try context.requireDynamics())
        }
    }
}

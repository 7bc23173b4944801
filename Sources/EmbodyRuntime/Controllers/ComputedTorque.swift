// MARK: - computed_torque

import EmbodyControl
import EmbodyScenario

extension ComputedTorqueParameters {
    /// `computed_torque`: τ = M(q)(q̈* + kp e + kd ė) + h(q, q̇).
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        ComputedTorqueController(dynamics: try context.dynamics(), kp: context.gains.kp, kd: context.gains.kd)
    }
}

// MARK: - pd_gravity

import EmbodyControl
import EmbodyScenario

extension PDGravityParameters {
    /// `pd_gravity`: τ = kp (q* − q) − kd q̇ + g(q).
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        PDGravityController(dynamics: try context.dynamics(), kp: context.gains.kp, kd: context.gains.kd,
                            velocityFilterHz: velocityFilterHz)
    }
}

// MARK: - stable_pd

import EmbodyControl
import EmbodyScenario

extension StablePDParameters {
    /// `stable_pd`: PD on the next step's state with q̈ solved implicitly (Tan, Liu & Turk 2011).
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        StablePDController(dynamics: try context.dynamics(), kp: context.gains.kp, kd: context.gains.kd)
    }
}

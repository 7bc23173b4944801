// MARK: - pd and pid

import EmbodyControl
import EmbodyScenario

extension PIDParameters {
    /// `pd`: τ = kp (q* − q) − kd q̇; when some ki > 0, the `pid` law instead.
    func makePDController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        guard context.gains.ki.allSatisfy({ $0 == 0 }) else { return try makeController(context) }
        return PDController(kp: context.gains.kp, kd: context.gains.kd, velocityFilterHz: velocityFilterHz)
    }

    /// `pid`: τ = kp e + ki ∫e dt − kd q̇, e = q* − q, |∫e dt| ≤ i_limit, with anti-windup.
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        let g = context.gains
        return PIDController(kp: g.kp, ki: g.ki, kd: g.kd, torqueLimits: context.torqueLimits,
                             integralLimits: Array(repeating: iLimit, count: g.kp.count),
                             antiWindup: antiWindup, velocityFilterHz: velocityFilterHz)
    }
}

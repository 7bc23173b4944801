// MARK: - osc

import EmbodyControl
import EmbodyModel
import EmbodyScenario

extension OperationalSpaceParameters {
    /// `osc`: τ = Jᵀ Λ (ẍ* + Kp eₓ + Kd ėₓ) + h + (I − Jᵀ J̄ᵀ)(kp (q* − q) − kd q̇) for the point `ee_point` of
    /// `ee_link`; the joint gains are the null-space posture task's.
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        guard let link = context.linkNames.firstIndex(of: eeLink) else {
            throw RuntimeError("\(context.spec.location): controller type osc needs controller.ee_link, a link of the robot")
        }
        return OperationalSpaceController(
            dynamics: try context.dynamics(), eeLink: link, eePoint: Vector3(eePoint[0], eePoint[1], eePoint[2]),
            taskSpace: eeOrientation ? .pose : .position,
            positionKp: eeKp, positionKd: eeKd, orientationKp: eeRotKp, orientationKd: eeRotKd,
            nullKp: context.gains.kp, nullKd: context.gains.kd, damping: max(1e-12, eeDamping),
            compensatesJdot: eeJdot)
    }
}

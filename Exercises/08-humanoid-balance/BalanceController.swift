// Exercise 8: keep the humanoid on its feet under shoves, written by you.
//
// Edit this file, then run `embody exercise check 8`. q has 21 joints in the order of
// Scenarios/robots/README.md (0–5 left leg, 6–11 right leg, 12 torso, 13–18 arms, 19–20 neck);
// state.base holds the pelvis pose and velocity (world frame: x forward, y left, z up).

import EmbodyExercises

/// Balance under pushes. The starter holds the standing posture with stiff joints and gravity compensation,
/// τ = Kp (q* − q) − Kd q̇ + g(q), and has no balance feedback: it rocks over its toes or heels and falls
/// once a shove is large enough.
final class BalanceController: StudentController {
    let model: RobotModelView
    /// Proportional gains per joint in N·m/rad: legs, torso, arms, neck.
    let kp: [Double]
    /// Derivative gains per joint in N·m·s/rad.
    let kd: [Double]

    init(model: RobotModelView) {
        self.model = model
        kp = Array(repeating: 1500, count: 12) + [800] + Array(repeating: 200, count: 6) + [50, 50]
        kd = Array(repeating: 10, count: 12) + [10] + Array(repeating: 2, count: 6) + [0.5, 0.5]
    }

    func torques(_ state: JointState) -> [Double] {
        guard let base = state.base else { return Array(repeating: 0, count: state.dof) }
        let g = model.gravity(state.q, base: base)
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            tau[i] = kp[i] * (state.qDesired[i] - state.q[i]) - kd[i] * state.qd[i] + g[i]
        }
        // TODO: balance feedback. With c = model.centerOfMass(q, base:) and ċ = model.centerOfMassVelocity(q, q̇, base:),
        //       the capture point is ξ = c + ċ/ω, ω = √(g/z_c). Ankle strategy: add ankle-pitch (and ankle-roll)
        //       torques that move the centre of pressure towards ξ, within the foot (|τ| ≤ m g · half the foot
        //       length). Hip strategy: for shoves the feet cannot absorb, add hip-pitch torques that swing the
        //       trunk and make angular momentum. Soften the ankles so that the feet stay flat.
        return tau
    }
}

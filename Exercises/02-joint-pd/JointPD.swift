// Exercise 2: a joint PD controller, written by you.
//
// Edit this file, then run `embody exercise check 2`. The arm (arm7) has 9 joints in this order:
// joint_1 … joint_7 (revolute, rad), then finger_left_joint and finger_right_joint (prismatic, m).

import EmbodyExercises

/// Joint PD control: τᵢ = kpᵢ (q*ᵢ − qᵢ) − kdᵢ q̇ᵢ, one torque per joint in N·m (N for the fingers).
final class JointPD: StudentController {
    /// Proportional gains, N·m/rad (N/m for the fingers).
    let kp: [Double]
    /// Derivative gains, N·m·s/rad (N·s/m for the fingers).
    let kd: [Double]

    init(model: RobotModelView) {
        // TODO: choose gains per joint. The shoulder (joint_2) and elbow (joint_4) carry most of the
        // gravity load: plain PD sags by g(q)/kp there, so they need the stiffest gains. Keep
        // kd · dt / inertia well under 2 on the light wrist joints, or the explicit damping goes unstable.
        kp = Array(repeating: 0, count: model.dof)
        kd = Array(repeating: 0, count: model.dof)
    }

    func torques(_ state: JointState) -> [Double] {
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            // TODO: the PD law, using state.qDesired[i], state.q[i] and state.qd[i].
            tau[i] = 0
        }
        return tau
    }
}

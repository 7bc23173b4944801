// Exercise 3: PD control plus gravity compensation, written by you.
//
// Edit this file, then run `embody exercise check 3`. The grader holds arm7 in 5 postures per seed and
// measures how far any arm joint drifts from where it started; the drift must stay under 1e-3 rad.

import EmbodyExercises

/// PD plus gravity compensation: τ = Kp (q* − q) − Kd q̇ + g(q), in N·m (N for the fingers).
final class GravityCompensation: StudentController {
    let model: RobotModelView
    /// Proportional gains per joint, N·m/rad (N/m for the fingers).
    let kp: [Double] = [1000, 300, 300, 300, 200, 300, 50, 200, 200]
    /// Derivative gains per joint, N·m·s/rad (N·s/m for the fingers).
    let kd: [Double] = [20, 5, 5, 5, 1, 5, 0.5, 5, 5]

    init(model: RobotModelView) {
        self.model = model
    }

    func torques(_ state: JointState) -> [Double] {
        // TODO: compensate gravity. model.gravity(state.q) returns g(q), the torques that hold the arm
        // still at q. Without it, this PD sags by g(q)/kp, which is far more than 1e-3 rad.
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            tau[i] = kp[i] * (state.qDesired[i] - state.q[i]) - kd[i] * state.qd[i]
        }
        return tau
    }
}

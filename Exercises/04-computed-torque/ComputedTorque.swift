// Exercise 4: a quintic trajectory and a computed-torque controller, written by you.
//
// Edit this file, then run `embody exercise check 4`. The grader checks Quintic.sample against the exact
// quintic at 21 times, then runs ComputedTorque with q*, q̇*, q̈* taken from YOUR Quintic, and measures
// the RMS error against the exact quintic.

import EmbodyExercises

/// The rest-to-rest quintic time scaling: q(t) = q₀ + (q₁ − q₀) s(t/T), with s(0) = 0, s(1) = 1 and zero
/// velocity and acceleration at both ends.
enum Quintic: StudentTrajectory {
    static func sample(start: [Double], goal: [Double], duration: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double]) {
        // TODO: replace this step by the quintic. Use τ = t / duration in [0, 1], the polynomial s(τ),
        // and the chain rule for the time derivatives (d/dt = (1/T) d/dτ).
        let zeros = [Double](repeating: 0, count: start.count)
        return (goal, zeros, zeros)
    }
}

/// Computed-torque control: τ = M(q) (q̈* + Kp e + Kd ė) + h(q, q̇), with e = q* − q, ė = q̇* − q̇.
final class ComputedTorque: StudentController {
    let model: RobotModelView
    /// Gains in 1/s² and 1/s (they multiply accelerations).
    let kp = 400.0, kd = 40.0

    init(model: RobotModelView) {
        self.model = model
    }

    func torques(_ state: JointState) -> [Double] {
        // TODO: this is plain PD plus gravity. Use model.massMatrix(state.q) and model.bias(state.q, state.qd)
        // with the desired acceleration state.qddDesired to get the computed-torque law above.
        let g = model.gravity(state.q)
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            tau[i] = 100 * (state.qDesired[i] - state.q[i]) - 5 * state.qd[i] + g[i]
        }
        return tau
    }
}

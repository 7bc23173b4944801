// Exercise 6: balance the cart-pole with LQR, written by you.
//
// Edit this file, then run `embody exercise check 6`. q = [slider (m), hinge (rad)]; only the slider is
// actuated (force in N, limit 100 N). The hinge angle is 0 upright; positive tilts the tip towards +x.

import EmbodyExercises

/// LQR: linearize ẋ = f(x, u) at the upright equilibrium, x = [x, θ, ẋ, θ̇], solve the Riccati equation for
/// P, and apply u = −K x with K = R⁻¹ Bᵀ P.
final class CartPoleLQR: StudentController {
    let model: RobotModelView
    /// The state feedback gains on [x, θ, ẋ, θ̇], in N/m, N/rad, N·s/m and N·s/rad.
    var gains: [Double] = [0, 0, 0, 0]

    init(model: RobotModelView) {
        self.model = model
        // TODO 1: linearize. The dynamics are M(q) q̈ + h(q, q̇) = [u, 0]; use model.massMatrix and
        //         model.bias with finite differences around q = 0, q̇ = 0 to get A (4 × 4) and B (4 × 1).
        // TODO 2: solve the Riccati equation (continuous or, with the control period 1 ms, discrete) for P
        //         with, e.g., Q = diag(10, 100, 1, 1) and R = 0.1, then K = R⁻¹ Bᵀ P (discrete: (R + BᵀPB)⁻¹ BᵀPA).
        // This guess is not a stabilizing gain:
        gains = [0, 20, 0, 0]
    }

    func torques(_ state: JointState) -> [Double] {
        let x = [state.q[0], state.q[1], state.qd[0], state.qd[1]]
        var u = 0.0
        for i in 0..<4 { u -= gains[i] * x[i] }
        return [u, 0]
    }
}

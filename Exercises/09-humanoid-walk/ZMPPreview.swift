// Exercise 9: make the humanoid walk with ZMP preview control, written by you.
//
// Edit this file, then run `embody exercise check 9`. The grader calls `gains` for the walk's cart-table model and
// for another one, then `comTrajectory` once on the ZMP reference of a footstep plan; Embody's whole-body
// controller makes the humanoid follow the CoM you return. README.md has the formulas.

import EmbodyExercises

/// ZMP preview control of the cart-table model (Kajita et al. 2003), per horizontal axis.
///
/// The starter has no gains and no preview: its CoM simply follows the ZMP reference (a quasi-static walk). Over a
/// 0.1 s double support that asks the CoM to cross 18 cm sideways, and a CoM on its ZMP has no acceleration to
/// get there: the LIPM says the robot cannot follow it.
enum ZMPPreview: StudentZMPPreview {
    static func gains(_ setup: PreviewSetup) -> PreviewGains {
        // TODO 1: the cart-table model at dt: A = [[1, dt, dt²/2], [0, 1, dt], [0, 0, 1]], B = [dt³/6, dt²/2, dt]ᵀ,
        //         C = [1, 0, −z_c/g]. Build the augmented system Ã = [[1, CA], [0, A]], B̃ = [CB; B],
        //         Q̃ = diag(Q_e, 0, 0, 0), iterate the DARE
        //           P ← ÃᵀPÃ − ÃᵀPB̃ (R + B̃ᵀPB̃)⁻¹ B̃ᵀPÃ + Q̃
        //         until P stops changing, then [G_i, G_x] = (R + B̃ᵀPB̃)⁻¹ B̃ᵀPÃ, A_c = Ã − B̃ [G_i, G_x],
        //         G_p(1) = −G_i, X(1) = −A_cᵀ P Ĩ, G_p(j) = (R + B̃ᵀPB̃)⁻¹ B̃ᵀ X(j−1), X(j) = A_cᵀ X(j−1).
        //         `Mat` (mul, add, transpose, inverse) helps with the 4 × 4 matrices.
        PreviewGains(integral: 0, state: [0, 0, 0], preview: Array(repeating: 0, count: setup.previewSteps))
    }

    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] {
        // TODO 2: start at x = (initialCoM, 0, 0) per axis with Σe = 0; at each sample k record the state, then
        //         e = C x − p_ref(k), Σe += e, u = −G_i Σe − G_x x − Σ_{j=1..N} G_p(j) p_ref(k+j), x ← A x + B u.
        let dt = setup.dt
        let count = zmpReference.count - setup.previewSteps
        return (0..<max(count, 0)).map { k in
            let p = zmpReference[k], next = zmpReference[k + 1]
            return [p[0], p[1], (next[0] - p[0]) / dt, (next[1] - p[1]) / dt, 0, 0]
        }
    }
}

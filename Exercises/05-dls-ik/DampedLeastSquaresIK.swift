// Exercise 5: damped-least-squares inverse kinematics, written by you.
//
// Edit this file, then run `embody exercise check 5`. The grader calls solve for 3 targets per seed and
// measures ‖p(q) − p*‖ of the end-effector (ee_link); it must be under 5 mm, within the joint limits.

import EmbodyExercises

/// Damped least squares: repeat Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ (p* − p(q)), q ← clamp(q + Δq).
enum DampedLeastSquaresIK: StudentIKSolver {
    static func solve(target: [Double], initial: [Double], model: RobotModelView) -> [Double] {
        var q = initial
        // TODO: iterate. model.endEffectorPosition(q) gives p(q) (3 values, m); model.positionJacobian(q)
        // gives J (3 rows × dof columns). Mat.mul, Mat.transpose, Mat.add and Mat.inverse help with the
        // algebra. Clamp each q[i] to model.lowerLimits[i]…model.upperLimits[i]. λ ≈ 0.05 works well.
        let p = model.endEffectorPosition(q)
        _ = (p, target)
        q[0] += 0  // one Jacobian-transpose step would go here
        return q
    }
}

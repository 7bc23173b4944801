// Almost-right solutions for the grader's own tests (instructors only): each is a reference solution with
// one defect a student could make. The tests check that the check meant to catch the defect loses its
// points and that every other check keeps them. Selected with `--variant NAME` (see main.swift).

import EmbodyExercises
import Foundation

// MARK: - 2. Joint PD: gains a factor 10 too small

/// τ = (Kp/10)(q* − q) − Kd q̇: settles and stays under the limits, but sags by g(q)/(Kp/10).
final class WeakJointPD: StudentController {
    let reference: JointPD
    init(model: RobotModelView) { reference = JointPD(model: model) }
    func torques(_ s: JointState) -> [Double] {
        (0..<s.dof).map { i -> Double in
            let kp: Double = reference.kp[i] / 10
            return kp * (s.qDesired[i] - s.q[i]) - reference.kd[i] * s.qd[i]
        }
    }
}

// MARK: - 3. Gravity compensation: half of g(q)

/// τ = Kp (q* − q) − Kd q̇ + ½ g(q): a missing factor of 2 on the gravity term; the other half sags.
final class HalfGravityCompensation: StudentController {
    let reference: GravityCompensation
    let model: RobotModelView
    init(model: RobotModelView) { self.model = model; reference = GravityCompensation(model: model) }
    func torques(_ s: JointState) -> [Double] {
        zip(reference.torques(s), model.gravity(s.q)).map { $0 - 0.5 * $1 }
    }
}

// MARK: - 4. Quintic without the chain rule; computed torque without h(q, q̇)

/// The quintic with q̇ = d·ds/dτ and q̈ = d·d²s/dτ² (the 1/T and 1/T² of the chain rule forgotten).
enum UnscaledQuintic: StudentTrajectory {
    static func sample(start: [Double], goal: [Double], duration: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double]) {
        let right = Quintic.sample(start: start, goal: goal, duration: duration, t: t)
        return (right.q, right.qd.map { $0 * duration }, right.qdd.map { $0 * duration * duration })
    }
}

// MARK: - 5. DLS IK with the error's sign flipped

/// The reference iteration with e = p(q) − p* (a sign error): it walks away from the target, clamped to the limits.
enum SignFlippedIK: StudentIKSolver {
    static func solve(target: [Double], initial: [Double], model: RobotModelView) -> [Double] {
        DampedLeastSquaresIK.solve(target: target, initial: initial, model: model, errorSign: -1)
    }
}

// MARK: - 6. LQR with no weight on the cart's position

/// The reference LQR with Q = diag(0, 100, 1, 1): the pole balances, the cart is not brought home.
final class UnweightedCartLQR: StudentController {
    let reference: CartPoleLQR
    init(model: RobotModelView) {
        reference = CartPoleLQR(model: model)
        let (a, b) = reference.linearize()
        reference.gains = CartPoleLQR.lqr(a: a, b: b, q: [0, 100, 1, 1], r: 0.1, dt: 0.002)
    }
    func torques(_ s: JointState) -> [Double] { reference.torques(s) }
}

/// τ = M(q)(q̈* + Kp e + Kd ė): the bias h(q, q̇) left out, so only the feedback holds the arm up against gravity.
final class BiaslessComputedTorque: StudentController {
    let reference: ComputedTorque
    init(model: RobotModelView) { reference = ComputedTorque(model: model); reference.addsBias = false }
    func torques(_ s: JointState) -> [Double] { reference.torques(s) }
}

// MARK: - 7. Complementary filter five times too slow

/// The reference filter with a crossover time constant of 1 s instead of 0.2 s (a factor 5 off): the gyro
/// bias is trusted for too long, so the error stays near a degree throughout without ever spiking.
final class SlowFilter: StudentTiltEstimator {
    let reference = ComplementaryFilter(timeConstant: 1.0)
    init() {}
    func update(gyro: [Double], accel: [Double], dt: Double) -> (roll: Double, pitch: Double) {
        reference.update(gyro: gyro, accel: accel, dt: dt)
    }
}

// MARK: - 8. Balance with the sole in the wrong frame

/// The reference balance controller with the centre of pressure confined to ±6 cm about the ankle, as if the
/// sole were centred on it (it runs from 7 cm behind to 15 cm in front): the shoves from behind need the toes,
/// so the robot falls at the larger ones. Its torques stay within the limits.
final class CentredSoleBalance: StudentController {
    let reference: BalanceController
    init(model: RobotModelView) { reference = BalanceController(model: model); reference.toe = 0.06 }
    func torques(_ s: JointState) -> [Double] { reference.torques(s) }
}

// MARK: - 9. ZMP preview control: weights hard-coded; a short horizon; positions without their derivatives

/// Gains computed for Q_e = 1 and R = 1e-6 whatever the setup says: exactly right for the walk (which uses those
/// weights), wrong for any other cost.
enum FixedWeightPreview: StudentZMPPreview {
    static func gains(_ s: PreviewSetup) -> PreviewGains {
        var fixed = s
        fixed.trackingWeight = 1
        fixed.jerkWeight = 1e-6
        return ZMPPreview.gains(fixed)
    }
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] {
        ZMPPreview.comTrajectory(zmpReference: zmpReference, initialCoM: initialCoM, setup: setup, gains: gains)
    }
}

/// The right gains, but the trajectory previews only 0.2 s of the reference (G_p(j) = 0 beyond): the CoM starts
/// each shift late and overshoots it, and the plan's ZMP misses the reference.
enum ShortSightedPreview: StudentZMPPreview {
    static func gains(_ s: PreviewSetup) -> PreviewGains { ZMPPreview.gains(s) }
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] {
        var short = gains
        let horizon = Int((0.2 / setup.dt).rounded())
        for j in horizon..<short.preview.count { short.preview[j] = 0 }
        return ZMPPreview.comTrajectory(zmpReference: zmpReference, initialCoM: initialCoM, setup: setup, gains: short)
    }
}

/// The right CoM positions with zero velocities and accelerations: the plan's ZMP is then its position, and the
/// whole-body controller loses its feedforward.
enum PositionOnlyPreview: StudentZMPPreview {
    static func gains(_ s: PreviewSetup) -> PreviewGains { ZMPPreview.gains(s) }
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]] {
        ZMPPreview.comTrajectory(zmpReference: zmpReference, initialCoM: initialCoM, setup: setup, gains: gains)
            .map { [$0[0], $0[1], 0, 0, 0, 0] }
    }
}

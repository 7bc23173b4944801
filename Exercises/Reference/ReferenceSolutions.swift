// Reference solutions for the instructor: every one scores full marks (the tests prove it).
// Remove this folder (and the embody-exercise-reference target in Package.swift) before handing the
// repository to students.

import EmbodyExercises
import Foundation

// MARK: - 2. Joint PD

/// Joint PD with gains sized to each joint's gravity load and inertia (the bundled arm-hold gains).
final class JointPD: StudentController {
    let kp: [Double] = [1000, 4000, 500, 2000, 200, 300, 50, 200, 200]
    let kd: [Double] = [20, 150, 5, 60, 1, 5, 0.5, 5, 5]

    init(model: RobotModelView) {}

    func torques(_ state: JointState) -> [Double] {
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof { tau[i] = kp[i] * (state.qDesired[i] - state.q[i]) - kd[i] * state.qd[i] }
        return tau
    }
}

// MARK: - 3. Gravity compensation

/// PD plus gravity compensation: τ = Kp (q* − q) − Kd q̇ + g(q).
final class GravityCompensation: StudentController {
    let model: RobotModelView
    let kp: [Double] = [1000, 300, 300, 300, 200, 300, 50, 200, 200]
    let kd: [Double] = [20, 5, 5, 5, 1, 5, 0.5, 5, 5]

    init(model: RobotModelView) { self.model = model }

    func torques(_ state: JointState) -> [Double] {
        let g = model.gravity(state.q)
        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            let pd: Double = kp[i] * (state.qDesired[i] - state.q[i]) - kd[i] * state.qd[i]
            tau[i] = pd + g[i]
        }
        return tau
    }
}

// MARK: - 4. Quintic and computed torque

/// The rest-to-rest quintic: s(τ) = 10τ³ − 15τ⁴ + 6τ⁵, τ = t/T.
enum Quintic: StudentTrajectory {
    static func sample(start: [Double], goal: [Double], duration: Double, t: Double)
        -> (q: [Double], qd: [Double], qdd: [Double]) {
        let T = duration, tau = min(max(t / T, 0), 1)
        let s = 10 * pow3(tau) - 15 * pow3(tau) * tau + 6 * pow3(tau) * tau * tau
        let sd = (30 * tau * tau - 60 * pow3(tau) + 30 * pow3(tau) * tau) / T
        let sdd = (60 * tau - 180 * tau * tau + 120 * pow3(tau)) / (T * T)
        let d = (0..<start.count).map { goal[$0] - start[$0] }
        return ((0..<d.count).map { start[$0] + d[$0] * s }, d.map { $0 * sd }, d.map { $0 * sdd })
    }

    static func pow3(_ x: Double) -> Double { x * x * x }
}

/// Computed torque: τ = M(q) (q̈* + Kp e + Kd ė) + h(q, q̇).
final class ComputedTorque: StudentController {
    let model: RobotModelView
    let kp = 400.0, kd = 40.0
    /// Whether h(q, q̇) is added (false only for the near miss BiaslessComputedTorque in NearMisses.swift).
    var addsBias = true

    init(model: RobotModelView) { self.model = model }

    func torques(_ state: JointState) -> [Double] {
        let m = model.massMatrix(state.q)
        let a = (0..<state.dof).map { i in
            state.qddDesired[i] + kp * (state.qDesired[i] - state.q[i]) + kd * (state.qdDesired[i] - state.qd[i])
        }
        guard addsBias else { return Mat.mul(m, a) }
        return zip(Mat.mul(m, a), model.bias(state.q, state.qd)).map { $0 + $1 }
    }
}

// MARK: - 5. Damped-least-squares IK

/// Damped least squares with clamping to the joint limits.
enum DampedLeastSquaresIK: StudentIKSolver {
    static func solve(target: [Double], initial: [Double], model: RobotModelView) -> [Double] {
        solve(target: target, initial: initial, model: model, errorSign: 1)
    }

    /// The iteration with the error e = errorSign · (p* − p(q)): +1 is the solution; −1 is the near miss
    /// SignFlippedIK in NearMisses.swift, which walks away from the target.
    static func solve(target: [Double], initial: [Double], model: RobotModelView, errorSign: Double) -> [Double] {
        var q = initial
        let lambda = 0.05
        for _ in 0..<500 {
            let p = model.endEffectorPosition(q)
            let e = (0..<3).map { errorSign * (target[$0] - p[$0]) }
            if (e.reduce(0) { $0 + $1 * $1 }).squareRoot() < 1e-6 { break }
            let j = model.positionJacobian(q)
            let jt = Mat.transpose(j)
            let damped = Mat.add(Mat.mul(j, jt), Mat.identity(3), scale: lambda * lambda)
            guard let inv = Mat.inverse(damped) else { break }
            let dq = Mat.mul(jt, Mat.mul(inv, e))
            for i in 0..<q.count { q[i] = min(max(q[i] + dq[i], model.lowerLimits[i]), model.upperLimits[i]) }
        }
        return q
    }
}

// MARK: - 6. Cart-pole LQR

/// LQR from a numerical linearization and the discrete Riccati equation iterated to convergence.
final class CartPoleLQR: StudentController {
    let model: RobotModelView
    var gains: [Double] = [0, 0, 0, 0]

    init(model: RobotModelView) {
        self.model = model
        let (a, b) = linearize()
        gains = Self.lqr(a: a, b: b, q: [10, 100, 1, 1], r: 0.1, dt: 0.002)
    }

    /// ẋ = f(x, u) with x = [x, θ, ẋ, θ̇]: q̈ = M(q)⁻¹ ([u, 0] − h(q, q̇)).
    func f(_ x: [Double], _ u: Double) -> [Double] {
        let q = [x[0], x[1]], qd = [x[2], x[3]]
        let h = model.bias(q, qd)
        let qdd = Mat.solve(model.massMatrix(q), [u - h[0], -h[1]]) ?? [0, 0]
        return [x[2], x[3], qdd[0], qdd[1]]
    }

    /// A = ∂f/∂x and B = ∂f/∂u at the upright equilibrium, by central differences.
    func linearize() -> (a: [[Double]], b: [[Double]]) {
        let eps = 1e-6
        var a = Mat.zeros(4, 4)
        for j in 0..<4 {
            var xp = [0.0, 0, 0, 0], xm = xp
            xp[j] = eps; xm[j] = -eps
            let fp = f(xp, 0), fm = f(xm, 0)
            for i in 0..<4 { a[i][j] = (fp[i] - fm[i]) / (2 * eps) }
        }
        let fp = f([0, 0, 0, 0], eps), fm = f([0, 0, 0, 0], -eps)
        let b = (0..<4).map { [(fp[$0] - fm[$0]) / (2 * eps)] }
        return (a, b)
    }

    /// Discrete LQR on the zero-order-hold-like discretization Ad = I + A dt + A² dt²/2, Bd = B dt, with Q dt and R dt.
    static func lqr(a: [[Double]], b: [[Double]], q: [Double], r: Double, dt: Double) -> [Double] {
        let ad = Mat.add(Mat.add(Mat.identity(4), a, scale: dt), Mat.mul(a, a), scale: dt * dt / 2)
        let bd = b.map { [$0[0] * dt] }
        var qd = Mat.zeros(4, 4)
        for i in 0..<4 { qd[i][i] = q[i] * dt }
        let rd = r * dt
        var p = qd
        let adt = Mat.transpose(ad), bdt = Mat.transpose(bd)
        for _ in 0..<100_000 {
            let pb = Mat.mul(p, bd)                       // 4 × 1
            let s = rd + Mat.mul(bdt, pb)[0][0]           // scalar R + BᵀPB
            let pa = Mat.mul(p, ad)
            let btpa = Mat.mul(bdt, pa)                   // 1 × 4
            var next = Mat.add(qd, Mat.mul(adt, pa))
            let atpb = Mat.mul(adt, pb)                   // 4 × 1
            for i in 0..<4 { for j in 0..<4 { next[i][j] -= atpb[i][0] * btpa[0][j] / s } }
            var change = 0.0, size = 0.0
            for i in 0..<4 { for j in 0..<4 { change = max(change, abs(next[i][j] - p[i][j])); size = max(size, abs(next[i][j])) } }
            p = next
            if change <= 1e-11 * size { break }
        }
        let pb = Mat.mul(p, bd)
        let s = rd + Mat.mul(bdt, pb)[0][0]
        return Mat.mul(bdt, Mat.mul(p, ad))[0].map { $0 / s }
    }

    func torques(_ state: JointState) -> [Double] {
        let x = [state.q[0], state.q[1], state.qd[0], state.qd[1]]
        var u = 0.0
        for i in 0..<4 { u -= gains[i] * x[i] }
        return [u, 0]
    }
}

// MARK: - 7. Complementary filter

/// Complementary filter with Euler-rate kinematics and a 0.2 s crossover time constant.
final class ComplementaryFilter: StudentTiltEstimator {
    var roll = 0.0, pitch = 0.0
    var started = false
    /// The crossover time constant in s.
    let timeConstant: Double

    init() { timeConstant = 0.2 }
    init(timeConstant: Double) { self.timeConstant = timeConstant }

    func update(gyro: [Double], accel: [Double], dt: Double) -> (roll: Double, pitch: Double) {
        let rollAcc = atan2(accel[1], accel[2])
        let pitchAcc = atan2(-accel[0], (accel[1] * accel[1] + accel[2] * accel[2]).squareRoot())
        guard started else {
            started = true
            roll = rollAcc; pitch = pitchAcc
            return (roll, pitch)
        }
        let rollRate = gyro[0] + sin(roll) * tan(pitch) * gyro[1] + cos(roll) * tan(pitch) * gyro[2]
        let pitchRate = cos(roll) * gyro[1] - sin(roll) * gyro[2]
        let alpha = timeConstant / (timeConstant + dt)
        roll = alpha * (roll + rollRate * dt) + (1 - alpha) * rollAcc
        pitch = alpha * (pitch + pitchRate * dt) + (1 - alpha) * pitchAcc
        return (roll, pitch)
    }
}

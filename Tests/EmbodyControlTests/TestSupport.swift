// MARK: - Test support: a reference integrator and small helpers (the seeded generator is EmbodyModel's SplitMix64)
//
// The plant is integrated with classical RK4 at a step much finer than the control period, with the
// controller's torque held (zero-order hold) over each control period, as the runtime does. The linear
// solve inside the integrator is a plain Gaussian elimination written here, so the integrator does not
// depend on the code under test.

import EmbodyControl
import EmbodyModel
import Foundation

/// Solves A x = b by Gaussian elimination with partial pivoting (A is n×n row-major); for the reference integrator only.
func gaussianSolve(_ a: [Double], _ b: [Double]) -> [Double] {
    let n = b.count
    var m = a, x = b
    for c in 0..<n {
        var p = c
        for r in (c + 1)..<n where abs(m[r * n + c]) > abs(m[p * n + c]) { p = r }
        if p != c {
            for k in 0..<n { m.swapAt(c * n + k, p * n + k) }
            x.swapAt(c, p)
        }
        for r in (c + 1)..<n {
            let f = m[r * n + c] / m[c * n + c]
            for k in c..<n { m[r * n + k] -= f * m[c * n + k] }
            x[r] -= f * x[c]
        }
    }
    for r in stride(from: n - 1, through: 0, by: -1) {
        var s = x[r]
        for k in (r + 1)..<n { s -= m[r * n + k] * x[k] }
        x[r] = s / m[r * n + r]
    }
    return x
}

/// The forward dynamics q̈ = M⁻¹ (τ − h) of a fixed-base model.
func forwardDynamics(_ model: any RobotDynamics, q: [Double], v: [Double], tau: [Double]) -> [Double] {
    let n = model.dof
    var m = [Double](repeating: 0, count: n * n), h = [Double](repeating: 0, count: n)
    model.massMatrix(q: q, basePose: .identity, into: &m)
    model.bias(q: q, v: v, basePose: .identity, into: &h)
    return gaussianSolve(m, (0..<n).map { tau[$0] - h[$0] })
}

/// One RK4 step of the fixed-base model with the torque held.
func rk4Step(_ model: any RobotDynamics, q: inout [Double], v: inout [Double], tau: [Double], h: Double) {
    let n = q.count
    func add(_ a: [Double], _ b: [Double], _ s: Double) -> [Double] { (0..<n).map { a[$0] + s * b[$0] } }
    let a1 = forwardDynamics(model, q: q, v: v, tau: tau)
    let q2 = add(q, v, h / 2), v2 = add(v, a1, h / 2)
    let a2 = forwardDynamics(model, q: q2, v: v2, tau: tau)
    let q3 = add(q, v2, h / 2), v3 = add(v, a2, h / 2)
    let a3 = forwardDynamics(model, q: q3, v: v3, tau: tau)
    let q4 = add(q, v3, h), v4 = add(v, a3, h)
    let a4 = forwardDynamics(model, q: q4, v: v4, tau: tau)
    for i in 0..<n {
        q[i] += h / 6 * (v[i] + 2 * v2[i] + 2 * v3[i] + v4[i])
        v[i] += h / 6 * (a1[i] + 2 * a2[i] + 2 * a3[i] + a4[i])
    }
}

/// A sampled closed-loop run: one sample per control tick, taken before the controller acts.
struct Trajectory {
    var times: [Double] = []
    var q: [[Double]] = []
    var qd: [[Double]] = []
    var tau: [[Double]] = []
    var reference: [[Double]] = []

    /// Joint i's positions over time.
    func joint(_ i: Int) -> [Double] { q.map { $0[i] } }
    /// The largest |q| seen, for divergence checks (infinity if anything went non-finite).
    var maxAbsQ: Double {
        var m = 0.0
        for s in q { for x in s { if !x.isFinite { return .infinity }; m = max(m, abs(x)) } }
        return m
    }
}

/// Runs `controller` on the fixed-base `model` for `duration` s: control every `controlDt` s (torque held), RK4 at `substeps` per control period.
///
/// `reference(t, &ref)` fills the reference at each control tick; a run that goes non-finite or
/// beyond |q| > 1e6 stops early (its last sample shows it).
func simulate(_ model: any RobotDynamics, _ controller: any Controller, q0: [Double], qd0: [Double]? = nil,
              duration: Double, controlDt: Double, substeps: Int,
              torqueLimits: [Double]? = nil,
              reference: (Double, inout Reference) -> Void) -> Trajectory {
    let n = model.dof
    var state = RobotState(dof: n)
    var ref = Reference(dof: n)
    var q = q0, v = qd0 ?? [Double](repeating: 0, count: n)
    var tau = [Double](repeating: 0, count: n)
    var out = Trajectory()
    controller.reset()
    let ticks = Int((duration / controlDt).rounded())
    for k in 0...ticks {
        let t = Double(k) * controlDt
        state.time = t
        for i in 0..<n { state.q[i] = q[i]; state.qd[i] = v[i] }
        reference(t, &ref)
        controller.computeTorques(state: state, reference: ref, dt: controlDt, tau: &tau)
        if let limits = torqueLimits {
            for i in 0..<n { tau[i] = min(limits[i], max(-limits[i], tau[i])) }
        }
        out.times.append(t); out.q.append(q); out.qd.append(v); out.tau.append(tau); out.reference.append(ref.q)
        guard k < ticks else { break }
        for _ in 0..<substeps { rk4Step(model, q: &q, v: &v, tau: tau, h: controlDt / Double(substeps)) }
        if q.contains(where: { !$0.isFinite || abs($0) > 1e6 }) {
            out.times.append(t + controlDt); out.q.append(q); out.qd.append(v); out.tau.append(tau); out.reference.append(ref.q)
            break
        }
    }
    return out
}

/// A constant posture reference.
func hold(_ target: [Double]) -> (Double, inout Reference) -> Void {
    { _, ref in for i in 0..<target.count { ref.q[i] = target[i]; ref.qd[i] = 0; ref.qdd[i] = 0 } }
}

/// Whether |a − b| ≤ tol.
func close(_ a: Double, _ b: Double, _ tol: Double) -> Bool { abs(a - b) <= tol }

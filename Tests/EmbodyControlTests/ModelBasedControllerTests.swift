// MARK: - Gravity compensation, computed torque and stable PD on the analytic two-link arm

import EmbodyControl
import EmbodyModel
import Foundation
import Testing

@Suite("Model-based joint controllers")
struct ModelBasedControllerTests {
    let arm = TwoLinkArm()

    @Test("PD + gravity compensation holds 5 random postures with drift < 1e-3 rad over 5 s (plain PD sags)")
    func gravityCompensationHoldsPostures() {
        var rng = SplitMix64(seed: 2024)
        let kp = [80.0, 40], kd = [8.0, 4]
        for _ in 0..<5 {
            let target = [Double.random(in: -1.5...1.5, using: &rng), Double.random(in: -2...2, using: &rng)]
            let compensated = simulate(arm, PDGravityController(dynamics: arm, kp: kp, kd: kd), q0: target,
                                       duration: 5, controlDt: 1e-3, substeps: 2, reference: hold(target))
            let plain = simulate(arm, PDController(kp: kp, kd: kd), q0: target,
                                 duration: 5, controlDt: 1e-3, substeps: 2, reference: hold(target))
            var drift = 0.0, sag = 0.0
            for s in compensated.q { drift = max(drift, abs(s[0] - target[0]), abs(s[1] - target[1])) }
            for s in plain.q { sag = max(sag, abs(s[0] - target[0]), abs(s[1] - target[1])) }
            #expect(drift < 1e-3, "posture \(target): drift \(drift) rad")
            #expect(sag > 1e-2, "posture \(target): plain PD should sag, moved only \(sag) rad")
            // Started 0.05 rad off, it returns to the posture with no steady error (plain PD keeps g/kp).
            let start = [target[0] + 0.05, target[1] - 0.05]
            let recovered = simulate(arm, PDGravityController(dynamics: arm, kp: kp, kd: kd), q0: start,
                                     duration: 5, controlDt: 1e-3, substeps: 2, reference: hold(target))
            let final = recovered.q.last ?? [.nan, .nan]
            #expect(abs(final[0] - target[0]) < 1e-6 && abs(final[1] - target[1]) < 1e-6, "from an offset: ended at \(final)")
        }
    }

    @Test("Computed torque tracks a 1 Hz, 0.5 rad sinusoid on both joints with RMS error < 1e-3 rad")
    func computedTorqueTracksSinusoid() {
        let w = 2 * Double.pi, a = 0.5, offsets = [0.3, -0.6], phases = [0.0, 1.0]
        func desired(_ t: Double, _ i: Int) -> (Double, Double, Double) {
            let s = sin(w * t + phases[i]), c = cos(w * t + phases[i])
            return (offsets[i] + a * s, a * w * c, -a * w * w * s)
        }
        let ct = ComputedTorqueController(dynamics: arm, kp: [400, 400], kd: [40, 40])   // ωn = 20 rad/s, ζ = 1
        let q0 = (0..<2).map { desired(0, $0).0 }, qd0 = (0..<2).map { desired(0, $0).1 }
        let run = simulate(arm, ct, q0: q0, qd0: qd0, duration: 3, controlDt: 1e-3, substeps: 2) { t, ref in
            for i in 0..<2 { (ref.q[i], ref.qd[i], ref.qdd[i]) = desired(t, i) }
        }
        let e = ResponseMetrics.trackingError(reference: run.reference, actual: run.q)
        #expect(e.rms < 1e-3, "RMS \(e.rms) rad, max \(e.max) rad")
        // From a 0.2 rad initial error it converges as a critically damped second-order system.
        let off = simulate(arm, ct, q0: [q0[0] + 0.2, q0[1] - 0.2], qd0: qd0, duration: 2, controlDt: 1e-3, substeps: 2) { t, ref in
            for i in 0..<2 { (ref.q[i], ref.qd[i], ref.qdd[i]) = desired(t, i) }
        }
        let late = ResponseMetrics.trackingError(reference: Array(off.reference.suffix(500)), actual: Array(off.q.suffix(500)))
        #expect(late.max < 1e-3, "after 1.5 s: max error \(late.max) rad")
    }

    /// Largest |q̇| over the last 0.5 s of a run.
    func finalSpeed(_ run: Trajectory) -> Double {
        var m = 0.0
        for s in run.qd.suffix(100) { for x in s { m = max(m, x.isFinite ? abs(x) : .infinity) } }
        return m
    }

    @Test("Stable PD at Δt = 5 ms: 10× the gains plain PD survives makes plain PD diverge, stable PD converges")
    func stablePDSurvivesHighGains() {
        let target = [0.6, -0.9], dt = 0.005
        let kp = [120.0, 60], kd = [12.0, 6]                  // plain PD still converges here…
        let run = { (c: any Controller) in
            simulate(self.arm, c, q0: [0, 0], duration: 3, controlDt: dt, substeps: 20, reference: hold(target))
        }
        let pdLow = run(PDController(kp: kp, kd: kd))
        #expect(pdLow.maxAbsQ < 1.5 && finalSpeed(pdLow) < 1e-6, "plain PD at the base gains must converge")

        let kp10 = kp.map { 10 * $0 }, kd10 = kd.map { 10 * $0 }  // …but not at ten times them.
        let pdHigh = run(PDController(kp: kp10, kd: kd10))
        #expect(pdHigh.maxAbsQ > 1e3, "plain PD at 10× gains should diverge, max |q| = \(pdHigh.maxAbsQ)")

        let spdHigh = run(StablePDController(dynamics: arm, kp: kp10, kd: kd10))
        #expect(spdHigh.maxAbsQ < 1.5, "stable PD must stay bounded, max |q| = \(spdHigh.maxAbsQ)")
        #expect(finalSpeed(spdHigh) < 1e-6, "stable PD must come to rest")
        // At rest stable PD is a PD law, so it settles where Kp (q* − q) = g(q), a small offset at high gains.
        let q = spdHigh.q.last ?? [.nan, .nan]
        var g = [0.0, 0]
        arm.gravity(q: q, basePose: .identity, into: &g)
        for i in 0..<2 {
            #expect(abs(kp10[i] * (target[i] - q[i]) - g[i]) < 1e-6, "equilibrium residual, joint \(i)")
            #expect(abs(target[i] - q[i]) < 0.01)
        }
        // At the low gains both laws end in the same place.
        let spdLow = run(StablePDController(dynamics: arm, kp: kp, kd: kd))
        for i in 0..<2 { #expect(abs((spdLow.q.last?[i] ?? .nan) - (pdLow.q.last?[i] ?? .nan)) < 1e-6) }
    }

    @Test("Stable PD's torque satisfies its own implicit equation (fixed base)")
    func stablePDImplicitEquation() {
        let spd = StablePDController(dynamics: arm, kp: [300, 200], kd: [30, 10])
        var state = RobotState(dof: 2), ref = Reference(dof: 2), tau = [0.0, 0]
        state.q = [0.2, 0.7]; state.qd = [1.5, -2]; ref.q = [0.5, 0.1]; ref.qd = [0.3, 0.2]; ref.qdd = [1, -1]
        let dt = 0.01
        spd.computeTorques(state: state, reference: ref, dt: dt, tau: &tau)
        let qdd = forwardDynamics(arm, q: state.q, v: state.qd, tau: tau)   // what τ actually produces
        for i in 0..<2 {
            let qBar = ref.q[i] + ref.qd[i] * dt, qdBar = ref.qd[i] + ref.qdd[i] * dt
            let law = -spd.kp[i] * (state.q[i] + state.qd[i] * dt - qBar) - spd.kd[i] * (state.qd[i] + qdd[i] * dt - qdBar)
            #expect(abs(tau[i] - law) < 1e-10)
        }
    }
}

// MARK: - Floating-base index conventions

/// A floating-base stand-in with fixed, known terms: 2 joints, nv = 8, and the velocity it was given.
final class FixedTermsFloatingModel: RobotDynamics {
    let mass: [Double], biasTerms: [Double], gravityTerms: [Double]
    /// The v of the last `bias` call, copied (holding the caller's array would make its next write copy it).
    var lastV = [Double](repeating: .nan, count: 8)

    init() {
        var rng = SplitMix64(seed: 5)
        let n = 8
        let b = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &rng) }
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { m[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        for i in 0..<n { m[i * n + i] += 2 }
        mass = m
        biasTerms = (0..<n).map { 10 + Double($0) }
        gravityTerms = (0..<n).map { 100 + Double($0) }
    }

    var dof: Int { 2 }
    var floatingBase: Bool { true }
    var nv: Int { 8 }
    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) { for k in 0..<64 { out[k] = mass[k] } }
    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        for k in 0..<8 { lastV[k] = v[k] }
        for k in 0..<8 { out[k] = biasTerms[k] }
    }
    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) { for k in 0..<8 { out[k] = gravityTerms[k] } }
    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        for k in 0..<48 { out[k] = 0 }
    }
    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform { basePose }
}

@Suite("Floating base")
struct FloatingBaseTests {
    let model = FixedTermsFloatingModel()

    func state() -> (RobotState, Reference) {
        var s = RobotState(dof: 2), r = Reference(dof: 2)
        s.q = [0.1, 0.2]; s.qd = [0.3, -0.4]
        s.baseLinearVelocity = Vector3(1, 2, 3); s.baseAngularVelocity = Vector3(4, 5, 6)
        r.q = [0.5, -0.5]; r.qd = [0.1, 0.1]; r.qdd = [2, -3]
        return (s, r)
    }

    @Test("PD + gravity adds the joint rows (the last dof) of g")
    func gravityUsesJointRows() {
        let (s, r) = state()
        var tau = [0.0, 0]
        PDGravityController(dynamics: model, kp: [0, 0], kd: [0, 0]).computeTorques(state: s, reference: r, dt: 0.01, tau: &tau)
        #expect(tau == [106, 107])
    }

    @Test("Computed torque uses the joint block of M and the joint rows of h, with v = (v_O, ω, q̇)")
    func computedTorqueUsesJointBlock() {
        let (s, r) = state()
        var tau = [0.0, 0]
        let kp = [4.0, 9], kd = [2.0, 3]
        ComputedTorqueController(dynamics: model, kp: kp, kd: kd).computeTorques(state: s, reference: r, dt: 0.01, tau: &tau)
        #expect(model.lastV == [1, 2, 3, 4, 5, 6, 0.3, -0.4])
        var acc = [0.0, 0]
        for i in 0..<2 {
            let e: Double = r.q[i] - s.q[i], ed: Double = r.qd[i] - s.qd[i]
            acc[i] = r.qdd[i] + kp[i] * e + kd[i] * ed
        }
        for i in 0..<2 {
            let row = (6 + i) * 8
            let expected: Double = model.mass[row + 6] * acc[0] + model.mass[row + 7] * acc[1] + model.biasTerms[6 + i]
            #expect(abs(tau[i] - expected) < 1e-12)
        }
    }

    @Test("Stable PD solves the full floating-base system: the unactuated base rows get no force")
    func stablePDFloatingBase() {
        let (s, r) = state()
        var tau = [0.0, 0]
        let dt = 0.004
        let spd = StablePDController(dynamics: model, kp: [500, 800], kd: [50, 20])
        spd.computeTorques(state: s, reference: r, dt: dt, tau: &tau)
        // The acceleration τ produces through M v̇ + h = Sᵀ τ …
        var rhs = model.biasTerms.map { -$0 }
        rhs[6] += tau[0]; rhs[7] += tau[1]
        let vdot = gaussianSolve(model.mass, rhs)
        // … is the one the law predicted: τ = −Kp (q + q̇Δt − q̄) − Kd (q̇ + q̈Δt − q̄̇).
        for i in 0..<2 {
            let qBar = r.q[i] + r.qd[i] * dt, qdBar = r.qd[i] + r.qdd[i] * dt
            let law = -spd.kp[i] * (s.q[i] + s.qd[i] * dt - qBar) - spd.kd[i] * (s.qd[i] + vdot[6 + i] * dt - qdBar)
            #expect(abs(tau[i] - law) < 1e-9)
        }
    }
}

import Foundation
import Testing
@testable import EmbodyLocomotion

// MARK: - ZMP preview control against the linear inverted pendulum's analytic response

/// The LIPM's bounded (non-causal) response to a piecewise-constant ZMP: x(t) = ∫ (ω/2) e^{−ω|t−s|} p(s) ds,
/// i.e. for p(t) = p₀ + Σ Δᵢ [t ≥ Tᵢ], x(t) = p₀ + Σ Δᵢ H(t − Tᵢ) with H(τ) = ½e^{ωτ} (τ < 0), 1 − ½e^{−ωτ} (τ ≥ 0).
/// It is the CoM motion that makes the ZMP follow p exactly and starts and ends at rest: what a preview
/// controller with perfect tracking and an unbounded horizon must produce.
struct StepReference {
    var initial: SIMD2<Double>
    var steps: [(time: Double, change: SIMD2<Double>)]

    func zmp(at t: Double) -> SIMD2<Double> {
        var p = initial
        for s in steps where t >= s.time { p += s.change }
        return p
    }

    func boundedCoM(at t: Double, omega w: Double) -> (position: SIMD2<Double>, velocity: SIMD2<Double>) {
        var x = initial, v = SIMD2<Double>.zero
        for s in steps {
            let tau = t - s.time
            if tau < 0 {
                x += s.change * (0.5 * exp(w * tau)); v += s.change * (0.5 * w * exp(w * tau))
            } else {
                x += s.change * (1 - 0.5 * exp(-w * tau)); v += s.change * (0.5 * w * exp(-w * tau))
            }
        }
        return (x, v)
    }
}

@Suite("ZMP preview control")
struct PreviewControlTests {
    static let dt = 0.005

    /// A walking-like ZMP reference: forward steps of 0.2 m, sideways alternating ±0.1 m, every 0.8 s from 3 s,
    /// ending centred. Step times sit half a sample before a tick: the sampled reference p_ref(k) = p(k·dt) then
    /// changes between ticks k − 1 and k, where a continuous ZMP step would be at the midpoint.
    static let walking = StepReference(initial: .zero, steps: [
        (3.0 - dt / 2, SIMD2(0.2, 0.1)), (3.8 - dt / 2, SIMD2(0.2, -0.2)), (4.6 - dt / 2, SIMD2(0.2, 0.2)),
        (5.4 - dt / 2, SIMD2(0, -0.1)),
    ])

    /// Runs `controller` on `reference` from rest at p(0) for `ticks` ticks; returns the states at ticks 0...ticks.
    static func run(_ controller: ZMPPreviewController, _ reference: StepReference, ticks: Int) -> [CartTableState] {
        let dt = controller.parameters.timeStep, n = controller.previewSteps
        controller.reset(to: CartTableState(position: reference.zmp(at: 0))) { reference.zmp(at: Double($0) * dt) }
        var states = [controller.state]
        for k in 0..<ticks {
            states.append(controller.step(nextReference: reference.zmp(at: Double(k + n + 1) * dt)))
        }
        return states
    }

    @Test func gainsMatchAnIndependentDAREAndPreviewFormula() throws {
        // Reference values: scipy 1.17.1 solve_discrete_are on the same augmented system and the gain formulas
        // of Katayama et al. in numpy (dt = 5 ms, z_c = 0.8 m, g = 9.81, Q_e = 1, Q_x = 0, R = 1e-6, N = 320).
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8), riccati: projectRiccati)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * abs(b) }
        #expect(c.previewSteps == 320)
        #expect(close(c.integralGain, 621.1641728209888), "G_i = \(c.integralGain)")
        #expect(close(c.stateGain.x, 72401.93684161533), "G_x = \(c.stateGain)")
        #expect(close(c.stateGain.y, 21278.649747215695))
        #expect(close(c.stateGain.z, 175.7259637097523))
        #expect(close(c.previewGains[0], -621.1641728209888))
        #expect(close(c.previewGains[49], -543.9492003291713), "G_p(50) = \(c.previewGains[49])")
        #expect(close(c.previewGains[199], -39.34956761738237), "G_p(200) = \(c.previewGains[199])")
        #expect(close(c.riccatiSolution[0], 116.55845589463783))
    }

    @Test func previewGainsDecayToZeroOverTheHorizon() throws {
        for (dt, horizon) in [(0.005, 1.6), (0.001, 1.6), (0.005, 2.5)] {
            let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: dt, previewTime: horizon),
                                             riccati: projectRiccati)
            let g = c.previewGains
            let peak = g.map(abs).max()!
            // All preview gains pull the same way, and from their peak they decay monotonically.
            #expect(g.allSatisfy { $0 < 0 })
            let peakIndex = g.firstIndex { abs($0) == peak }!
            #expect(zip(g[peakIndex...], g[(peakIndex + 1)...]).allSatisfy { abs($1) <= abs($0) })
            // Near zero at the end: the gains decay like the LIPM's stable mode e^{−ω j dt}; within 3 e^{−ω N dt} of the
            // peak at j = N (measured: 0.77 % for 1.6 s at 5 ms, 0.017 % for 2.5 s).
            let bound = 3 * exp(-c.pendulum.omega * horizon)
            let last = abs(g[g.count - 1]) / peak
            #expect(last < bound, "dt \(dt), horizon \(horizon) s: |G_p(N)| / peak = \(last), bound \(bound)")
            // The truncated preview sum approaches −G_x[0], the value an infinite horizon gives.
            let sum = g.reduce(0, +)
            #expect(abs(sum + c.stateGain.x) < bound * c.stateGain.x, "Σ G_p = \(sum), G_x[0] = \(c.stateGain.x)")
        }
    }

    @Test func comTrajectoryMatchesTheClosedFormLIPMResponseToTheReference() throws {
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: Self.dt, previewTime: 2.0),
                                         riccati: projectRiccati)
        let states = Self.run(c, Self.walking, ticks: 1800)
        let w = c.pendulum.omega
        var comError = 0.0, velocityError = 0.0, zmpError = 0.0, zmpErrorSettled = 0.0
        for (k, s) in states.enumerated() {
            let t = Double(k) * Self.dt
            let exact = Self.walking.boundedCoM(at: t, omega: w)
            comError = max(comError, maxAbs(s.position - exact.position))
            velocityError = max(velocityError, maxAbs(s.velocity - exact.velocity))
            let p = s.position - c.parameters.comHeight / c.parameters.gravity * s.acceleration
            let e = maxAbs(p - Self.walking.zmp(at: t))
            zmpError = max(zmpError, e)
            // Away from the reference's jumps (more than 50 ms from any), the ZMP sits on the reference.
            if Self.walking.steps.allSatisfy({ abs(t - $0.time) > 0.05 }) { zmpErrorSettled = max(zmpErrorSettled, e) }
        }
        // The CoM follows the analytic LIPM response; the ZMP steps take a few ticks (R penalizes jerk changes).
        // Measured: CoM 0.15 mm, velocity 4.1 mm/s, ZMP 0.39 mm away from jumps, 76 mm at a 0.2 m jump.
        #expect(comError < 5e-4, "max CoM error \(comError) m")
        #expect(velocityError < 1e-2, "max CoM velocity error \(velocityError) m/s")
        #expect(zmpErrorSettled < 1e-3, "max ZMP tracking error away from jumps \(zmpErrorSettled) m")
        #expect(zmpError < 0.2, "max ZMP tracking error \(zmpError) m")
        // And it ends at rest over the final ZMP.
        let end = states[states.count - 1]
        #expect(maxAbs(end.position - SIMD2(0.6, 0)) < 1e-4 && maxAbs(end.velocity) < 1e-3)
    }

    @Test func comMatchesTheLIPMDrivenByTheZMPTheControllerProduced() throws {
        // The controller's CoM against the closed-form LIPM x(t) = p + (x₀ − p) cosh ωt + (ẋ₀/ω) sinh ωt, driven by
        // the ZMP the controller itself produced (held over each tick at its mid-tick value). The LIPM is unstable
        // (any difference grows as e^{ωt}), so the comparison restarts from the controller's state every 0.25 s.
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: Self.dt), riccati: projectRiccati)
        let lipm = c.pendulum, n = c.previewSteps
        let ref = Self.walking
        c.reset(to: CartTableState(position: .zero)) { ref.zmp(at: Double($0) * Self.dt) }
        var x = c.state.position, v = c.state.velocity
        var worst = 0.0
        for k in 0..<1600 {
            if k % 50 == 0 { x = c.state.position; v = c.state.velocity }
            c.step(nextReference: ref.zmp(at: Double(k + n + 1) * Self.dt))
            let mid = c.interpolated(after: Self.dt / 2)
            let p = mid.position - mid.acceleration / (lipm.omega * lipm.omega)
            (x, v) = lipm.state(after: Self.dt, position: x, velocity: v, zmp: p)
            worst = max(worst, maxAbs(x - c.state.position))
        }
        // Holding the (cubic) produced ZMP constant over each tick is the only approximation: measured 6.6 µm.
        #expect(worst < 1e-5, "max CoM difference over 0.25 s windows \(worst) m")
    }

    @Test func comStartsMovingBeforeTheZMPStep() throws {
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: Self.dt), riccati: projectRiccati)
        let step = StepReference(initial: .zero, steps: [(3.0 - Self.dt / 2, SIMD2(0.1, 0))])
        let states = Self.run(c, step, ticks: 800)
        // Before the step enters the 1.6 s preview window, nothing moves.
        #expect(states[0...279].allSatisfy { $0.position == .zero })
        // 0.3 s before the ZMP steps, the CoM has already moved towards it, as the LIPM's bounded response does
        // (½ · 0.1 · e^{−ω·0.3 s} ≈ 17.5 mm), with its ZMP behind the CoM: the pendulum accelerates towards the step.
        let before = states[540], exact = step.boundedCoM(at: 2.7, omega: c.pendulum.omega)
        #expect(before.position.x > 0.015 && abs(before.position.x - exact.position.x) < 1e-3, "CoM \(before.position.x), LIPM \(exact.position.x)")
        #expect(before.velocity.x > 0 && before.acceleration.x > 0)
        let p = before.position.x - c.parameters.comHeight / c.parameters.gravity * before.acceleration.x
        #expect(p < 0 && p > -0.01, "ZMP \(p) m: pushed back (small undershoot) to accelerate the CoM forward")
    }

    @Test func aCoMAtRestOnAConstantReferenceStaysAtRest() throws {
        // A short horizon, where Σ G_p is visibly not −G_x[0]: the bumpless start still holds the CoM still.
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: Self.dt, previewTime: 0.3),
                                         riccati: projectRiccati)
        let p = SIMD2(0.3, -0.12)
        c.reset(to: CartTableState(position: p)) { _ in p }
        var worst = 0.0
        for _ in 0..<1000 { worst = max(worst, maxAbs(c.step(nextReference: p).position - p)) }
        #expect(worst < 1e-9, "drift \(worst) m")
    }

    @Test func rewritingTheWindowAndInterpolationAreConsistent() throws {
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.7, timeStep: 0.01, previewTime: 1.0), riccati: projectRiccati)
        c.reset(to: CartTableState(position: .zero)) { SIMD2(Double($0), 0) }
        for k in 0..<37 { c.step(nextReference: SIMD2(Double(k + 101), 0)) }
        // The window is p_ref(k + j), k = 37, after the ring wrapped.
        #expect((0...100).allSatisfy { c.reference(ahead: $0) == SIMD2(Double(37 + $0), 0) })
        c.rewriteReference { SIMD2(0, Double($0)) }
        #expect((0...100).allSatisfy { c.reference(ahead: $0) == SIMD2(0, Double($0)) })
        let end = c.interpolated(after: 0.01)
        #expect(maxAbs(end.position - c.state.position) < 1e-15 && maxAbs(end.acceleration - c.state.acceleration) < 1e-12)
        #expect(c.interpolated(after: 0) == c.previousState)
    }

    @Test func stepDoesNotAllocate() throws {
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: 0.001), riccati: projectRiccati)
        c.reset(to: CartTableState(position: .zero)) { _ in .zero }
        c.step(nextReference: .zero)
        var sink = 0.0
        let count = allocations {
            for k in 0..<2000 { sink += c.step(nextReference: SIMD2(k > 500 ? 0.1 : 0, 0)).position.x }
            c.rewriteReference { _ in SIMD2(0.1, 0) }
        }
        #expect(count == 0 && sink.isFinite)
    }

    @Test func parametersOutOfRangeAreRefusedWithAMessage() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try ZMPPreviewParameters(comHeight: 0.8, timeStep: 0) }.contains("time step"))
        #expect(message { _ = try ZMPPreviewParameters(comHeight: .nan) }.contains("CoM height"))
        #expect(message { _ = try ZMPPreviewParameters(comHeight: 0.8, jerkIncrementWeight: 0) }.contains("R"))
        #expect(message { _ = try ZMPPreviewParameters(comHeight: 0.8, trackingWeight: -1) }.contains("Q_e"))
        #expect(message { _ = try ZMPPreviewParameters(comHeight: 0.8, timeStep: 0.01, previewTime: 0.001) }.contains("horizon"))
        #expect(message { _ = try ZMPPreviewParameters(comHeight: 0.8, stateIncrementWeights: SIMD3(0, -1, 0)) }.contains("Q_x[1]"))
        var p = try ZMPPreviewParameters(comHeight: 0.8)
        p.previewSteps = 0
        #expect(message { _ = try ZMPPreviewController(parameters: p, riccati: projectRiccati) }.contains("horizon"))
        // A solver failure comes back as a parameter error carrying its message.
        struct Failing: Error, CustomStringConvertible { var description: String { "no stabilizing solution" } }
        let failing: DiscreteRiccatiSolver = { _, _, _, _, _, _ in throw Failing() }
        #expect(message { _ = try ZMPPreviewController(parameters: try ZMPPreviewParameters(comHeight: 0.8), riccati: failing) }
            .contains("no stabilizing solution"))
        // A wrong "solution" fails the DARE residual check.
        let wrong: DiscreteRiccatiSolver = { _, _, _, _, n, _ in [Double](repeating: 1, count: n * n) }
        #expect(message { _ = try ZMPPreviewController(parameters: try ZMPPreviewParameters(comHeight: 0.8), riccati: wrong) }
            .contains("residual"))
    }
}

func maxAbs(_ v: SIMD2<Double>) -> Double { max(Swift.abs(v.x), Swift.abs(v.y)) }

import Foundation
import Testing
@testable import EmbodyLocomotion

// MARK: - The LIPM's closed form and the divergent component of motion

@Suite("Linear inverted pendulum and DCM")
struct LinearInvertedPendulumTests {
    /// RK4 on ẍ = ω² (x − p), an independent integration of the LIPM's differential equation.
    static func integrate(_ lipm: LinearInvertedPendulum, x0: Double, v0: Double, p: Double, time: Double, steps: Int) -> (Double, Double) {
        var x = x0, v = v0
        let h = time / Double(steps), w2 = lipm.omega * lipm.omega
        for _ in 0..<steps {
            let k1 = (v, w2 * (x - p))
            let k2 = (v + h / 2 * k1.1, w2 * (x + h / 2 * k1.0 - p))
            let k3 = (v + h / 2 * k2.1, w2 * (x + h / 2 * k2.0 - p))
            let k4 = (v + h * k3.1, w2 * (x + h * k3.0 - p))
            x += h / 6 * (k1.0 + 2 * k2.0 + 2 * k3.0 + k4.0)
            v += h / 6 * (k1.1 + 2 * k2.1 + 2 * k3.1 + k4.1)
        }
        return (x, v)
    }

    @Test func closedFormSolvesTheLIPMEquation() throws {
        let lipm = try LinearInvertedPendulum(comHeight: 0.8, gravity: 9.81)
        #expect(abs(lipm.omega - (9.81 / 0.8).squareRoot()) < 1e-15)
        for (x0, v0, p, t) in [(0.0, 0.3, 0.05, 0.7), (0.1, -0.2, -0.03, 1.3), (-0.02, 0.0, 0.0, 0.4), (0.05, 0.1, 0.2, 0.0)] {
            let s = lipm.state(after: t, position: x0, velocity: v0, zmp: p)
            let (x, v) = Self.integrate(lipm, x0: x0, v0: v0, p: p, time: t, steps: 2000)
            #expect(abs(s.position - x) < 1e-10 && abs(s.velocity - v) < 1e-9, "closed form (\(s.position), \(s.velocity)), RK4 (\(x), \(v))")
            #expect(abs(lipm.zmp(position: s.position, acceleration: s.acceleration) - p) < 1e-12)
        }
        // Both axes at once agree with the per-axis form.
        let both = lipm.state(after: 0.5, position: SIMD2(0.1, -0.05), velocity: SIMD2(0.2, 0.3), zmp: SIMD2(0.15, 0.02))
        let ax = lipm.state(after: 0.5, position: 0.1, velocity: 0.2, zmp: 0.15), ay = lipm.state(after: 0.5, position: -0.05, velocity: 0.3, zmp: 0.02)
        #expect(both.position == SIMD2(ax.position, ay.position) && both.velocity == SIMD2(ax.velocity, ay.velocity))
    }

    @Test func theDCMDivergesFromTheZMPAndTheCoMConvergesToTheDCM() throws {
        let lipm = try LinearInvertedPendulum(comHeight: 0.9)
        let x0 = SIMD2(0.02, -0.01), v0 = SIMD2(0.25, 0.1), p = SIMD2(0.05, 0.0)
        let xi0 = lipm.divergentComponent(position: x0, velocity: v0)
        for t in [0.1, 0.4, 1.0] {
            // ξ(t) from the closed-form CoM state equals p + (ξ₀ − p) e^{ωt}.
            let s = lipm.state(after: t, position: x0, velocity: v0, zmp: p)
            let xi = lipm.divergentComponent(position: s.position, velocity: s.velocity)
            #expect(maxAbs(xi - lipm.divergentComponent(after: t, from: xi0, zmp: p)) < 1e-12)
        }
        // With the ZMP on the DCM, the DCM stands still and the CoM converges to it: x − ξ decays as e^{−ωt}.
        let s = lipm.state(after: 3, position: x0, velocity: v0, zmp: xi0)
        #expect(maxAbs(s.position - xi0) < maxAbs(x0 - xi0) * exp(-lipm.omega * 3) * 1.000001 && maxAbs(s.velocity) < 1e-4)
        // p = ξ − ξ̇/ω inverts ξ̇ = ω (ξ − p).
        #expect(maxAbs(lipm.zmp(divergentComponent: xi0, rate: lipm.omega * (xi0 - p)) - p) < 1e-15)
    }

    @Test func aDCMPlanIsContinuousFollowsTheLIPMAndEndsAtRest() throws {
        let lipm = try LinearInvertedPendulum(comHeight: 0.8)
        let zmps = [SIMD2(0.0, 0.0), SIMD2(0.0, 0.1), SIMD2(0.2, -0.1), SIMD2(0.4, 0.1), SIMD2(0.4, 0.0)]
        let plan = try DivergentComponentPlan(pendulum: lipm, zmps: zmps, durations: [0.5, 0.8, 0.8, 0.8, 1.0], startTime: 1)
        #expect(abs(plan.phaseStartTimes.last! - 4.9) < 1e-12)
        for i in 1..<zmps.count {
            let t = plan.phaseStartTimes[i]
            let before = plan.divergentComponent(at: t - 1e-9).dcm, after = plan.divergentComponent(at: t).dcm
            #expect(maxAbs(before - after) < 1e-8, "DCM jumps at phase \(i)")
        }
        // ξ̇ = ω (ξ − p) inside each phase (central differences), and the plan ends on the last ZMP.
        for t in stride(from: 1.05, to: 4.9, by: 0.1) {
            let h = 1e-6, a = plan.divergentComponent(at: t - h).dcm, b = plan.divergentComponent(at: t + h).dcm
            #expect(maxAbs((b - a) / (2 * h) - plan.divergentComponent(at: t).rate) < 1e-6)
        }
        #expect(plan.divergentComponent(at: 4.9).dcm == zmps[4] && plan.divergentComponent(at: 10).rate == .zero)
        #expect(throws: LocomotionParameterError.self) { try DivergentComponentPlan(pendulum: lipm, zmps: zmps, durations: [1]) }
        #expect(throws: LocomotionParameterError.self) { try DivergentComponentPlan(pendulum: lipm, zmps: [.zero], durations: [0]) }
    }

    @Test func thePreviewControllersDCMFollowsTheDCMPlanForTheSameZMPs() throws {
        // The two pattern generators agree: ZMP preview control's CoM, turned into ξ = x + ẋ/ω, stays close to
        // the DCM planned by backward recursion over the same piecewise-constant ZMPs.
        let dt = 0.005
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: dt, previewTime: 2.0), riccati: projectRiccati)
        let ref = PreviewControlTests.walking
        var zmps = [ref.initial], durations = [Double](), t0 = 0.0
        for s in ref.steps { durations.append(s.time - t0); zmps.append(zmps[zmps.count - 1] + s.change); t0 = s.time }
        durations.append(2.0)
        let plan = try DivergentComponentPlan(pendulum: c.pendulum, zmps: zmps, durations: durations)
        let states = PreviewControlTests.run(c, ref, ticks: 1600)
        var worst = 0.0
        for (k, s) in states.enumerated() where k > 0 {
            let xi = c.pendulum.divergentComponent(position: s.position, velocity: s.velocity)
            worst = max(worst, maxAbs(xi - plan.divergentComponent(at: Double(k) * dt).dcm))
        }
        // Measured: 1.2 mm (the finite horizon and R smooth the preview controller's ZMP steps).
        #expect(worst < 5e-3, "max |ξ_preview − ξ_plan| = \(worst) m")
    }

    @Test func outOfRangePendulumsAreRefused() {
        #expect(throws: LocomotionParameterError.self) { try LinearInvertedPendulum(comHeight: 0) }
        #expect(throws: LocomotionParameterError.self) { try LinearInvertedPendulum(comHeight: .infinity) }
        #expect(throws: LocomotionParameterError.self) { try LinearInvertedPendulum(comHeight: 0.8, gravity: -9.81) }
    }
}

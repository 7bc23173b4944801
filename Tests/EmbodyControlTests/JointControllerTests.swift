// MARK: - Joint-space PD and PID on analytic single-joint models

import EmbodyControl
import EmbodyModel
import Foundation
import Testing

@Suite("Joint PD and PID")
struct JointControllerTests {
    @Test("PD step on a single inertia at ζ = 0.3: overshoot within 1 pp of exp(−ζπ/√(1−ζ²)), settling within 5 % of the exact response's")
    func pdStepResponseMatchesSecondOrderTheory() {
        let joint = Pendulum(g0: 0)                 // a pure inertia I = 0.3 kg·m²
        let inertia = joint.inertia, kp = 30.0, zeta = 0.3
        let kd = 2 * zeta * (kp * inertia).squareRoot()
        let sys = SecondOrderSystem(inertia: inertia, kp: kp, kd: kd)
        #expect(close(sys.naturalFrequency, 10, 1e-12) && close(sys.dampingRatio, zeta, 1e-12))

        let run = simulate(joint, PDController(kp: [kp], kd: [kd]), q0: [0], duration: 4, controlDt: 1e-4,
                           substeps: 1, reference: hold([1]))
        let m = ResponseMetrics.stepResponse(times: run.times, values: run.joint(0), initial: 0, target: 1)
        let expectedOvershoot = 100 * sys.analyticOvershoot        // 37.23 %
        let expectedSettling = sys.settlingTime()                  // exact response, found numerically
        #expect(abs(m.overshootPercent - expectedOvershoot) < 1, "overshoot \(m.overshootPercent) % vs \(expectedOvershoot) %")
        let settling = m.settlingTime ?? .infinity
        #expect(abs(settling - expectedSettling) < 0.05 * expectedSettling, "settling \(settling) s vs \(expectedSettling) s")
        // The sampled run follows the exact closed form point by point.
        var worst = 0.0
        for (t, q) in zip(run.times, run.joint(0)) { worst = max(worst, abs(q - sys.stepResponse(at: t))) }
        #expect(worst < 1e-3, "largest deviation from the closed form \(worst) rad")
    }

    @Test("PD without a filter is exactly τ = kp (q* − q) − kd q̇")
    func pdDefaultIsUnchanged() {
        let pd = PDController(kp: [100, 5], kd: [3, 0.5])
        var state = RobotState(dof: 2), ref = Reference(dof: 2), tau = [0.0, 0]
        state.q = [0.1, -0.4]; state.qd = [2, -7]; ref.q = [0.5, 0.25]
        pd.computeTorques(state: state, reference: ref, dt: 0.001, tau: &tau)
        let expected0: Double = 100 * (0.5 - 0.1) - 3 * 2
        let expected1: Double = 5 * (0.25 + 0.4) + 0.5 * 7
        #expect(tau[0] == expected0)
        #expect(tau[1] == expected1)
        #expect(pd.velocityFilterHz == nil)
    }

    @Test("The velocity filter starts at the measurement and follows a step as 1 − exp(−2π f t)")
    func velocityFilter() {
        let f = 5.0, dt = 0.002
        let pd = PDController(kp: [0], kd: [1], velocityFilterHz: f)
        var state = RobotState(dof: 1), ref = Reference(dof: 1), tau = [0.0]
        state.qd = [0.5]
        pd.computeTorques(state: state, reference: ref, dt: dt, tau: &tau)
        #expect(tau[0] == -0.5)                                    // primed with the first measurement
        state.qd = [1.5]
        for k in 1...100 {
            pd.computeTorques(state: state, reference: ref, dt: dt, tau: &tau)
            let expected = 1.5 - 1.0 * exp(-2 * Double.pi * f * dt * Double(k))
            #expect(abs(-tau[0] - expected) < 1e-12)
        }
        pd.reset()
        state.qd = [-3]
        pd.computeTorques(state: state, reference: ref, dt: dt, tau: &tau)
        #expect(tau[0] == 3)                                       // re-primed after reset
    }

    /// A saturating step on a pendulum under gravity, with and without anti-windup.
    func pidRun(antiWindup: Bool, iLimit: Double? = nil) -> (trajectory: Trajectory, maxIntegral: Double, pid: PIDController) {
        let pendulum = Pendulum()                   // I = 0.3 kg·m², m g lc = 4.905 N·m
        let limit = 8.0
        let pid = PIDController(kp: [40], ki: [60], kd: [6], torqueLimits: [limit],
                                integralLimits: iLimit.map { [$0] }, antiWindup: antiWindup)
        // Integral magnitudes are read through a probing wrapper after each tick.
        final class Probe: Controller {
            let inner: PIDController
            var maxIntegral = 0.0
            init(_ inner: PIDController) { self.inner = inner }
            func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
                inner.computeTorques(state: state, reference: reference, dt: dt, tau: &tau)
                maxIntegral = max(maxIntegral, abs(inner.integral[0]))
            }
            func reset() { inner.reset() }
        }
        let probe = Probe(pid)
        let run = simulate(pendulum, probe, q0: [0], duration: 6, controlDt: 1e-3, substeps: 4,
                           torqueLimits: [limit], reference: hold([1.2]))
        return (run, probe.maxIntegral, pid)
    }

    @Test("PID anti-windup: the integral stays bounded and the overshoot is smaller than without it")
    func pidAntiWindup() {
        let with = pidRun(antiWindup: true), without = pidRun(antiWindup: false)
        let overshootWith = ResponseMetrics.overshootPercent(values: with.trajectory.joint(0), initial: 0, target: 1.2)
        let overshootWithout = ResponseMetrics.overshootPercent(values: without.trajectory.joint(0), initial: 0, target: 1.2)
        #expect(overshootWith < overshootWithout, "overshoot \(overshootWith) % with, \(overshootWithout) % without")
        #expect(with.maxIntegral < without.maxIntegral, "max |∫e| \(with.maxIntegral) with, \(without.maxIntegral) without")
        // The integral removes the gravity-induced steady error in both cases: I → m g lc / ki.
        let final = with.trajectory.q.last?[0] ?? .nan
        #expect(abs(final - 1.2) < 1e-3, "final error \(abs(final - 1.2)) rad")
        #expect(close(with.pid.integral[0], 4.905 * cos(1.2) / 60, 1e-3))
        // An explicit integral limit holds at every tick.
        let clamped = pidRun(antiWindup: false, iLimit: 0.05)
        #expect(clamped.maxIntegral <= 0.05)
    }

    @Test("PID with ki = 0 is PD; reset zeroes the integral")
    func pidReducesToPD() {
        let pid = PIDController(kp: [10, 20], ki: [0, 1], kd: [1, 2])
        let pd = PDController(kp: [10, 20], kd: [1, 2])
        var state = RobotState(dof: 2), ref = Reference(dof: 2)
        var a = [0.0, 0], b = [0.0, 0]
        state.q = [0.2, 0.1]; state.qd = [1, -1]; ref.q = [1, 0.5]
        pid.computeTorques(state: state, reference: ref, dt: 0.01, tau: &a)
        pd.computeTorques(state: state, reference: ref, dt: 0.01, tau: &b)
        #expect(a[0] == b[0])
        #expect(close(a[1], b[1] + 1 * 0.4 * 0.01, 1e-15))       // backward Euler: ∫e includes this tick
        pid.reset()
        #expect(pid.integral == [0, 0])
    }
}

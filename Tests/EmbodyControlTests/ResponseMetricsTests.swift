// MARK: - Response metrics on signals with known answers

import EmbodyControl
import EmbodyModel
import Foundation
import Testing

@Suite("Response metrics")
struct ResponseMetricsTests {
    /// Samples f on [0, duration] every dt.
    func sample(_ duration: Double, _ dt: Double, _ f: (Double) -> Double) -> (t: [Double], x: [Double]) {
        let t = (0...Int((duration / dt).rounded())).map { Double($0) * dt }
        return (t, t.map(f))
    }

    @Test("A unit ramp to 1 then flat: rise 0.8 s, no overshoot, settles at 0.98 s, no steady error")
    func ramp() {
        let s = sample(2, 1e-3) { min($0, 1) }
        let m = ResponseMetrics.stepResponse(times: s.t, values: s.x, initial: 0, target: 1)
        #expect(close(m.riseTime ?? .nan, 0.8, 1e-9))
        #expect(m.overshootPercent == 0)
        #expect(close(m.settlingTime ?? .nan, 0.98, 1e-9))
        #expect(m.steadyStateError == 0)
        // The same ramp going down from 2 to 1: every time is unchanged.
        let down = s.x.map { 2 - $0 }
        let d = ResponseMetrics.stepResponse(times: s.t, values: down, initial: 2, target: 1)
        #expect(close(d.riseTime ?? .nan, 0.8, 1e-9))
        #expect(close(d.settlingTime ?? .nan, 0.98, 1e-9))
    }

    @Test("First-order response: rise τ ln 9, settling τ ln 50, no overshoot")
    func firstOrder() {
        let tau = 0.4
        let s = sample(4, 1e-4) { 3 + 2 * (1 - exp(-$0 / tau)) }   // from 3 to 5
        let m = ResponseMetrics.stepResponse(times: s.t, values: s.x, initial: 3, target: 5)
        #expect(close(m.riseTime ?? .nan, tau * log(9), 1e-6))
        #expect(close(m.settlingTime ?? .nan, tau * log(50), 1e-6))
        #expect(m.overshootPercent == 0)
        #expect(close(m.steadyStateError, 2 * exp(-4 / tau), 1e-12))
    }

    @Test("Step time offsets every time; a window averages the steady-state error")
    func stepTimeAndWindow() {
        // Step at t = 1 s; before it the value sits at the initial 0.
        let tau = 0.25
        let s = sample(5, 1e-4) { $0 < 1 ? 0 : 0.95 * (1 - exp(-($0 - 1) / tau)) }
        let m = ResponseMetrics.stepResponse(times: s.t, values: s.x, initial: 0, target: 1, band: 0.2,
                                             finalWindow: 1, stepTime: 1)
        // 10 % and 90 % of the unit step on a curve towards 0.95: t = −τ ln(1 − level/0.95).
        #expect(close(m.riseTime ?? .nan, tau * log(0.85 / 0.05), 1e-6))
        #expect(close(m.settlingTime ?? .nan, tau * log(0.95 / 0.15), 1e-6))   // 0.95 (1 − e) = 0.8
        #expect(close(m.steadyStateError, 0.05, 1e-5))                       // the last second sits at 0.95
        // A response that ends outside the band has no settling time; one that starts inside has 0.
        #expect(ResponseMetrics.settlingTime(times: s.t, values: s.x, initial: 0, target: 1) == nil)
        #expect(ResponseMetrics.settlingTime(times: [0, 1], values: [0.995, 1.0], initial: 0, target: 1) == 0)
        // Averaging a signal alternating ±0.1 around 0.95 over a whole number of samples.
        let alt = (0..<100).map { 0.95 + ($0 % 2 == 0 ? 0.1 : -0.1) }
        let times = (0..<100).map { Double($0) }
        #expect(close(ResponseMetrics.steadyStateError(times: times, values: alt, target: 1, window: 9), 0.05, 1e-12))
        #expect(close(ResponseMetrics.steadyStateError(times: times, values: alt, target: 1), 0.15, 1e-12))
    }

    @Test("Sampled exact second-order responses give the analytic overshoot and the numeric settling time",
          arguments: [0.1, 0.3, 0.5, 0.7071])
    func sampledSecondOrder(zeta: Double) {
        let sys = SecondOrderSystem(naturalFrequency: 7, dampingRatio: zeta)
        let s = sample(12 / (zeta * 7), 1e-5) { sys.stepResponse(at: $0) }
        let m = ResponseMetrics.stepResponse(times: s.t, values: s.x, initial: 0, target: 1)
        #expect(close(m.overshootPercent, 100 * sys.analyticOvershoot, 1e-6))
        #expect(close(m.peakTime, sys.peakTime ?? .nan, 1e-5))
        #expect(close(m.settlingTime ?? .nan, sys.settlingTime(), 1e-6))
    }

    @Test("The closed-form step response solves ẍ + 2ζωn ẋ + ωn² x = ωn² from rest, continuously across ζ = 1",
          arguments: [0.2, 0.999999, 1.0, 1.000001, 2.5])
    func closedFormSolvesTheODE(zeta: Double) {
        let wn = 4.0, sys = SecondOrderSystem(naturalFrequency: wn, dampingRatio: zeta)
        #expect(sys.stepResponse(at: 0) == 0)
        let h = 1e-4
        #expect(abs(sys.stepResponse(at: h)) < 1e-6)            // ẋ(0) = 0: x grows like t²
        for t in [0.05, 0.3, 1.0, 2.5] {
            let x = sys.stepResponse(at: t)
            let xd = (sys.stepResponse(at: t + h) - sys.stepResponse(at: t - h)) / (2 * h)
            let xdd = (sys.stepResponse(at: t + h) - 2 * x + sys.stepResponse(at: t - h)) / (h * h)
            #expect(abs(xdd + 2 * zeta * wn * xd + wn * wn * (x - 1)) < 1e-4, "t = \(t)")
            let critical = SecondOrderSystem(naturalFrequency: wn, dampingRatio: 1).stepResponse(at: t)
            if abs(zeta - 1) < 1e-5 { #expect(abs(x - critical) < 1e-5) }
        }
        #expect(abs(sys.stepResponse(at: 200) - 1) < 1e-12)
    }

    @Test("Numeric settling time: critical damping matches the root of e^(−x)(1 + x) = 0.02; underdamped is the last band exit")
    func numericSettlingTime() {
        // Critical: solve e^(−x)(1 + x) = 0.02 by Newton, independently.
        var x = 5.0
        for _ in 0..<50 { x -= (exp(-x) * (1 + x) - 0.02) / (-x * exp(-x)) }
        let critical = SecondOrderSystem(naturalFrequency: 3, dampingRatio: 1)
        #expect(close(critical.settlingTime(), x / 3, 1e-10))
        // Underdamped: on the band edge at Ts, inside it everywhere after, outside just before.
        for zeta in [0.05, 0.3, 0.6, 0.9] {
            let sys = SecondOrderSystem(naturalFrequency: 2, dampingRatio: zeta)
            let ts = sys.settlingTime()
            #expect(close(abs(1 - sys.stepResponse(at: ts)), 0.02, 1e-9))
            #expect(abs(1 - sys.stepResponse(at: ts - 1e-6)) > 0.02)
            for k in 1...20_000 {
                let t = ts + Double(k) * 1e-3
                if abs(1 - sys.stepResponse(at: t)) > 0.02 + 1e-12 { Issue.record("leaves the band at t = \(t)"); break }
            }
            // The rule of thumb 4/(ζωn) is only rough (it can be off by tens of percent).
            #expect(ts < 1.3 * 4 / (zeta * 2))
        }
        // Overdamped settles slower than critical at the same ωn.
        #expect(SecondOrderSystem(naturalFrequency: 3, dampingRatio: 2).settlingTime() > critical.settlingTime())
        #expect(close(SecondOrderSystem(naturalFrequency: 1, dampingRatio: 0.3).analyticOvershoot,
                      exp(-0.3 * Double.pi / (1 - 0.09).squareRoot()), 1e-15))
    }

    @Test("Tracking error of a sampled sine: RMS A/√2, max A, per joint and overall")
    func trackingError() {
        let k = 1000
        let reference = (0..<k).map { _ in [0.0, 1.0] }
        let actual = (0..<k).map { i in [0.3 * sin(2 * Double.pi * Double(i) / Double(k)), 1.0] }
        let e = ResponseMetrics.trackingError(reference: reference, actual: actual)
        #expect(close(e.rmsPerJoint[0], 0.3 / 2.0.squareRoot(), 1e-12))
        #expect(e.rmsPerJoint[1] == 0)
        #expect(close(e.maxPerJoint[0], 0.3, 1e-12))
        #expect(close(e.rms, 0.3 / 2, 1e-12))          // √((A²/2 + 0) / 2)
        #expect(close(e.max, 0.3, 1e-12))
    }

    @Test("End-effector errors: 3-4-5 position, 30° orientation")
    func endEffectorErrors() {
        let target = Transform(position: Vector3(1, 2, 3), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: 0.2))
        let actual = Transform(position: Vector3(4, 6, 3),
                               rotation: Quaternion(axis: Vector3(0, 0, 1), angle: 0.2 + Double.pi / 6))
        let one = ResponseMetrics.endEffectorError(target: target, actual: actual)
        #expect(close(one.position, 5, 1e-12))
        #expect(close(one.orientation, Double.pi / 6, 1e-9))
        let log = ResponseMetrics.endEffectorErrors(targets: [target, target], actuals: [target, actual])
        #expect(close(log.positionRMS, 5 / 2.0.squareRoot(), 1e-12))
        #expect(close(log.positionMax, 5, 1e-12) && close(log.positionFinal, 5, 1e-12))
        #expect(close(log.orientationFinalDegrees, 30, 1e-7))
        #expect(close(log.orientationMaxDegrees, 30, 1e-7))
    }

    @Test("Effort, work and saturation on constant signals")
    func effortWorkSaturation() {
        let dt = 0.01
        let torques = (0..<100).map { _ in [2.0, -1.0] }           // 1 s
        #expect(close(ResponseMetrics.controlEffort(torques: torques, dt: dt), 5, 1e-12))   // (4 + 1)·1 s
        let velocities = (0..<100).map { _ in [3.0, 2.0] }
        #expect(close(ResponseMetrics.mechanicalWork(torques: torques, velocities: velocities, dt: dt), 4, 1e-12))  // |6 − 2|
        let opposing = (0..<100).map { _ in [3.0, 6.0] }           // 6 W in, 6 W out: no net work
        #expect(ResponseMetrics.mechanicalWork(torques: torques, velocities: opposing, dt: dt) == 0)
        let commanded = (0..<10).map { k in [k < 3 ? 5.0 : 1.0, -2.5] }
        let sat = ResponseMetrics.saturationFraction(commanded: commanded, limits: [4, 2.5])
        #expect(close(sat.overall, 0.15, 1e-12))                   // 3 of 20; |−2.5| is not above 2.5
        #expect(sat.perJoint == [0.3, 0])
    }
}

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyLocomotion

// MARK: - Capture points against the analytic LIPM

@Suite("Capture point")
struct CapturePointTests {
    static let lipm = try! LinearInvertedPendulum(comHeight: 0.8)
    static let cp = CapturePoint(pendulum: lipm)

    /// Recovery limits: long steps allowed, no crossing.
    static var limits: FootstepPlannerParameters {
        var p = FootstepPlannerParameters()
        p.maxStepLength = 0.6
        p.maxLateralStep = 0.3
        return p
    }

    @Test func supportPolygonsFromSolesAndPoints() {
        var poly = ConvexSupportPolygon()
        // Two 0.2 × 0.1 m soles side by side 0.2 m apart: the hull is the 0.2 × 0.3 m rectangle around them.
        poly.setFeet(FootPose(x: 0, y: 0.1), FootPose(x: 0, y: -0.1), soleLength: 0.2, soleWidth: 0.1)
        #expect(poly.count == 4)
        #expect(abs(poly.signedDistance(to: SIMD2(0, 0)) - 0.1) < 1e-12)           // nearest edges: the toes and heels
        #expect(abs(poly.signedDistance(to: SIMD2(0.05, 0.14)) - 0.01) < 1e-12)
        #expect(abs(poly.signedDistance(to: SIMD2(0.2, 0)) + 0.1) < 1e-12)          // 0.1 m in front of the toes
        #expect(abs(poly.signedDistance(to: SIMD2(0.13, 0.19)) + 0.05) < 1e-12)      // 3-4-5 from the corner (0.1, 0.15)
        #expect(poly.contains(SIMD2(0, 0), margin: 0.05) && !poly.contains(SIMD2(0, 0), margin: 0.11))
        #expect(!poly.contains(SIMD2(0.11, 0)) && poly.contains(SIMD2(0.11, 0), margin: -0.02))
        // One foot turned 90°: its rectangle, counter-clockwise.
        poly.setFeet(FootPose(x: 1, y: 1, yaw: Double.pi / 2), nil, soleLength: 0.2, soleWidth: 0.1)
        #expect(poly.count == 4 && abs(poly.signedDistance(to: SIMD2(1, 1)) - 0.05) < 1e-12 && !poly.contains(SIMD2(1.06, 1)))
        for i in 0..<poly.count {
            let a = poly.vertices[i], b = poly.vertices[(i + 1) % 4], c = poly.vertices[(i + 2) % 4]
            #expect((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) > 0)
        }
        // Interior and collinear points are dropped; an empty polygon contains nothing.
        let points = [SIMD2(0.0, 0), SIMD2(1, 0), SIMD2(0.5, 0), SIMD2(1, 1), SIMD2(0, 1), SIMD2(0.5, 0.5), SIMD2(.nan, 0)]
        points.withUnsafeBufferPointer { poly.setConvexHull(of: $0) }
        #expect(poly.count == 4)
        [SIMD2<Double>]().withUnsafeBufferPointer { poly.setConvexHull(of: $0) }
        #expect(poly.count == 0 && !poly.contains(.zero, margin: -100))
        var sink = 0.0
        let count = allocations {
            for k in 0..<100 {
                poly.setFeet(FootPose(x: Double(k) * 0.01, y: 0.1), k % 2 == 0 ? FootPose(x: 0, y: -0.1) : nil, soleLength: 0.2, soleWidth: 0.1)
                sink += poly.signedDistance(to: SIMD2(0.3, 0))
            }
        }
        #expect(count == 0 && sink.isFinite)
    }

    @Test func steppingOntoTheCapturePointBringsTheLIPMToRestOverIt() {
        // Standing on the right foot, pushed forward and to the left: the capture point is outside the sole.
        let stance = FootPose(x: 0, y: -0.1)
        let p = SIMD2(0.0, -0.1), x0 = SIMD2(0.0, -0.08), v0 = SIMD2(0.45, 0.15)
        var sole = ConvexSupportPolygon()
        sole.setFeet(nil, stance, soleLength: 0.2, soleWidth: 0.1)
        let xi0 = Self.cp.instantaneous(position: x0, velocity: v0)
        #expect(!Self.cp.isCapturable(xi0, in: sole, margin: 0.01))
        for stepTime in [0.2, 0.3, 0.4] {
            let step = Self.cp.step(position: x0, velocity: v0, zmp: p, stance: stance, swing: .left, stepTime: stepTime, limits: Self.limits)
            #expect(!step.isClamped && step.residual == .zero)
            // The swing: the LIPM on the stance foot in closed form; ξ at touch-down is the predicted capture point.
            let atTouchDown = Self.lipm.state(after: stepTime, position: x0, velocity: v0, zmp: p)
            let xiT = Self.cp.instantaneous(position: atTouchDown.position, velocity: atTouchDown.velocity)
            #expect(maxAbs(xiT - step.predictedCapturePoint) < 1e-12)
            // After touch-down the ZMP is on the new foot: the CoM comes to rest over it, x − ξ ∝ e^{−ωt}.
            let target = SIMD2(step.target.position.x, step.target.position.y)
            // (Rounding leaves ~1e-16 m on the unstable mode, which e^{ωt} amplifies: hence 3 s and a 1e-10 m floor.)
            for t in [0.5, 1.0, 2.0, 3.0] {
                let later = Self.lipm.state(after: t, position: atTouchDown.position, velocity: atTouchDown.velocity, zmp: target)
                let bound = maxAbs(atTouchDown.position - target) * exp(-Self.lipm.omega * t) * (1 + 1e-6) + 1e-10
                #expect(maxAbs(later.position - target) <= bound, "t \(t): CoM \(later.position), foot \(target)")
                #expect(maxAbs(later.velocity) <= Self.lipm.omega * bound * 1.01)
            }
            // Not stepping: the CoM runs away; after 2 s the capture point is e^{2ω} ≈ 1000 times farther out.
            let stay = Self.lipm.state(after: 2, position: atTouchDown.position, velocity: atTouchDown.velocity, zmp: p)
            #expect(maxAbs(stay.position - p) > 10 && length(SIMD3(stay.velocity.x, stay.velocity.y, 0)) > 30)
        }
        // A longer swing needs a farther step: ξ runs away from the stance foot as e^{ωT}.
        let quick = Self.cp.step(position: x0, velocity: v0, zmp: p, stance: stance, swing: .left, stepTime: 0.2, limits: Self.limits)
        let slow = Self.cp.step(position: x0, velocity: v0, zmp: p, stance: stance, swing: .left, stepTime: 0.4, limits: Self.limits)
        #expect(slow.target.position.x > quick.target.position.x)
        #expect(abs((slow.predictedCapturePoint.x - p.x) / (quick.predictedCapturePoint.x - p.x) - exp(Self.lipm.omega * 0.2)) < 1e-9)
    }

    @Test func clampedStepsRespectTheLimitsAndNeedASecondStep() {
        let stance = FootPose(x: 0, y: -0.1)
        let p = SIMD2(0.0, -0.1), x0 = SIMD2(0.0, -0.1), v0 = SIMD2(0.8, 0)
        let step = Self.cp.step(position: x0, velocity: v0, zmp: p, stance: stance, swing: .left, stepTime: 0.4, limits: Self.limits)
        // ξ(T) is ~0.93 m ahead: the step is clamped to the 0.6 m reach, and the left foot stays on the left.
        #expect(step.isClamped && abs(step.target.position.x - 0.6) < 1e-12 && step.target.position.y - stance.position.y >= Self.limits.minLateralSeparation - 1e-12)
        #expect(step.residual.x > 0.3)
        // One clamped step does not capture: ξ keeps diverging from the new foot as residual · e^{ωt} ...
        let atTouchDown = Self.lipm.state(after: 0.4, position: x0, velocity: v0, zmp: p)
        let target1 = SIMD2(step.target.position.x, step.target.position.y)
        let afterOne = Self.lipm.state(after: 0.25, position: atTouchDown.position, velocity: atTouchDown.velocity, zmp: target1)
        let xi1 = Self.cp.instantaneous(position: afterOne.position, velocity: afterOne.velocity)
        #expect(maxAbs(xi1 - target1 - step.residual * exp(Self.lipm.omega * 0.25)) < 1e-9)
        // ... and a second step onto the capture point (right foot, a 0.25 s swing, 1 m reach) does.
        var reach = Self.limits
        reach.maxStepLength = 1
        let second = Self.cp.step(position: atTouchDown.position, velocity: atTouchDown.velocity, zmp: target1, stance: step.target,
                                  swing: .right, stepTime: 0.25, limits: reach)
        #expect(!second.isClamped && maxAbs(second.predictedCapturePoint - xi1) < 1e-12)
        let target2 = SIMD2(second.target.position.x, second.target.position.y)
        let rest = Self.lipm.state(after: 5, position: afterOne.position, velocity: afterOne.velocity, zmp: target2)
        #expect(maxAbs(rest.position - target2) < 1e-4 && maxAbs(rest.velocity) < 1e-3)
        // Crossing is prevented: a capture point behind-and-right of a right stance foot, for the left foot,
        // lands at the min separation on the left.
        let inward = Self.cp.step(position: SIMD2(0, -0.1), velocity: SIMD2(0, -0.5), zmp: p, stance: stance, swing: .left, stepTime: 0.3, limits: Self.limits)
        #expect(inward.isClamped && abs(inward.target.position.y - (stance.position.y + Self.limits.minLateralSeparation)) < 1e-12)
    }
}

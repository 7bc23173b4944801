import Foundation
import EmbodyModel
import Testing
@testable import EmbodyLocomotion

// MARK: - Swing-foot trajectories

@Suite("Swing foot")
struct SwingFootTests {
    static let from = FootPose(x: 0.1, y: 0.1, z: 0.0, yaw: 0.2)
    static let to = FootPose(x: 0.4, y: 0.15, z: 0.02, yaw: -0.1)

    static func swing(_ parameters: SwingFootParameters = SwingFootParameters(clearance: 0.06)) throws -> SwingFootTrajectory {
        try SwingFootTrajectory(from: from, to: to, liftOffTime: 1.0, touchDownTime: 1.5, parameters: parameters)
    }

    @Test func boundaryConditionsAreExact() throws {
        let s = try Self.swing()
        let start = s.sample(at: 1.0), end = s.sample(at: 1.5)
        #expect(start.position == Self.from.position && start.velocity == .zero && start.acceleration == .zero && start.yaw == Self.from.yaw)
        #expect(length(end.position - Self.to.position) < 1e-15 && abs(end.yaw - Self.to.yaw) < 1e-15)
        #expect(length(end.velocity) < 1e-12 && length(end.acceleration) < 1e-10 && end.yawRate == 0 && abs(end.yawAcceleration) < 1e-12)
        // Just inside the swing the derivatives are already near zero (they vanish to second order).
        let early = s.sample(at: 1.0 + 1e-6)
        #expect(early.phase == .swinging && length(early.velocity) < 1e-8 && length(early.acceleration) < 1e-2)
        #expect(s.sample(at: 0.5).phase == .beforeLiftOff && s.sample(at: 0.5).position == Self.from.position)
    }

    @Test func clearanceIsReachedAboveTheHigherFoothold() throws {
        for (z0, z1) in [(0.0, 0.02), (0.05, 0.0), (0.0, 0.0)] {
            let s = try SwingFootTrajectory(from: FootPose(x: 0, y: 0, z: z0), to: FootPose(x: 0.3, y: 0, z: z1), liftOffTime: 0,
                                            touchDownTime: 0.4, parameters: SwingFootParameters(clearance: 0.05))
            #expect(abs(s.sample(at: 0.2).position.z - (max(z0, z1) + 0.05)) < 1e-12)
            var lowest = Double.infinity, highest = -Double.infinity
            for k in 0...400 {
                let z = s.sample(at: Double(k) * 0.001).position.z
                lowest = min(lowest, z); highest = max(highest, z)
            }
            #expect(highest >= max(z0, z1) + 0.05 - 1e-12 && lowest >= min(z0, z1) - 1e-15)
        }
    }

    @Test func positionVelocityAndAccelerationAreConsistentAndContinuous() throws {
        let s = try Self.swing()
        let h = 1e-6
        for k in 1..<50 {
            let t = 1.0 + Double(k) * 0.01
            let a = s.sample(at: t - h), b = s.sample(at: t + h), m = s.sample(at: t)
            #expect(length((b.position - a.position) / (2 * h) - m.velocity) < 1e-6)
            #expect(length((b.velocity - a.velocity) / (2 * h) - m.acceleration) < 1e-4)
            #expect(abs((b.yaw - a.yaw) / (2 * h) - m.yawRate) < 1e-6 && abs((b.yawRate - a.yawRate) / (2 * h) - m.yawAcceleration) < 1e-4)
        }
        // Across the planned touch-down into the late descent, position and velocity are continuous.
        let before = s.sample(at: 1.5 - 1e-9), after = s.sample(at: 1.5 + 1e-9)
        #expect(length(before.position - after.position) < 1e-9 && length(before.velocity - after.velocity) < 1e-7)
    }

    @Test func earlyTouchdownMakesTheFootStanceWhereItIs() throws {
        var s = try Self.swing()
        let at = s.sample(at: 1.4)
        let landed = s.touchDown(at: 1.4)
        #expect(landed == at.pose && s.contactTime == 1.4)
        for t in [1.4, 1.45, 1.5, 3.0] {
            let q = s.sample(at: t)
            #expect(q.phase == .landed && q.position == at.position && q.velocity == .zero && q.acceleration == .zero)
        }
        // A second contact report keeps the first.
        #expect(s.touchDown(at: 1.6) == landed)
        var foot = FootReference(standingAt: .identity)
        s.fill(&foot, at: 1.41)
        #expect(foot.inContact && foot.pose.position == at.position && foot.linearVelocity == .zero)
        s = try Self.swing()
        s.fill(&foot, at: 1.2)
        #expect(!foot.inContact && foot.pose.position == s.sample(at: 1.2).position && foot.linearVelocity == s.sample(at: 1.2).velocity)
    }

    @Test func lateTouchdownKeepsDescendingAtTheDocumentedSpeedUntilContactOrTheLimit() throws {
        var p = SwingFootParameters(clearance: 0.06)
        p.lateDescentSpeed = 0.2; p.lateDescentAcceleration = 4; p.maxLateDescent = 0.05
        var s = try Self.swing(p)
        // Ramp: 0.2 / 4 = 50 ms to full speed, 5 mm deep by then; then 0.2 m/s; 50 mm reached at 50 + 225 = 275 ms.
        let ramping = s.sample(at: 1.525)
        #expect(ramping.phase == .lateDescent && abs(ramping.velocity.z + 0.1) < 1e-12 && abs(ramping.position.z - (0.02 - 0.00125)) < 1e-12)
        let cruising = s.sample(at: 1.65)
        #expect(abs(cruising.velocity.z + 0.2) < 1e-12 && abs(cruising.position.z - (0.02 - 0.005 - 0.2 * 0.1)) < 1e-12)
        #expect(cruising.position.x == Self.to.position.x && cruising.position.y == Self.to.position.y && cruising.velocity.x == 0)
        let limit = s.sample(at: 1.8)
        #expect(limit.phase == .descentLimitReached && abs(limit.position.z - (0.02 - 0.05)) < 1e-12 && limit.velocity == .zero)
        #expect(s.sample(at: 1.5 + 0.274).phase == .lateDescent)
        // Contact during the late descent: stance where it is.
        let landed = s.touchDown(at: 1.6)
        #expect(abs(landed.position.z - (0.02 - 0.005 - 0.2 * 0.05)) < 1e-12 && s.sample(at: 2).phase == .landed)
    }

    @Test func stepsFromThePlannerAndBadInputs() throws {
        let planner = try FootstepPlanner(parameters: FootstepPlannerParameters())
        let plan = try planner.plan(from: FootstepPlannerTests.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: 0.3)], endTime: 2)
        for step in plan.steps {
            let s = try SwingFootTrajectory(step: step)
            #expect(s.sample(at: step.liftOffTime).pose == step.liftOffPose)
            #expect(length(s.sample(at: step.touchDownTime).position - step.touchDownPose.position) < 1e-15)
        }
        #expect(throws: LocomotionParameterError.self) { try SwingFootTrajectory(from: Self.from, to: Self.to, liftOffTime: 1, touchDownTime: 1) }
        #expect(throws: LocomotionParameterError.self) { try Self.swing(SwingFootParameters(clearance: -0.01)) }
        var p = SwingFootParameters()
        p.lateDescentSpeed = 0
        #expect(throws: LocomotionParameterError.self) { try Self.swing(p) }
        var s = try Self.swing()
        var z = 0.0
        let count = allocations {
            for k in 0..<1000 { z += s.sample(at: 1 + Double(k) * 0.001).position.z }
            s.touchDown(at: 1.45)
        }
        #expect(count == 0 && z.isFinite)
    }
}

import Foundation
import EmbodyModel
import Testing
@testable import EmbodyLocomotion

// MARK: - Footstep planning and the ZMP reference along the steps

@Suite("Footstep planner")
struct FootstepPlannerTests {
    static let standing = [FootPose(x: 0, y: 0.1), FootPose(x: 0, y: -0.1)]

    /// Every step respects the limits relative to the stance foot, the feet alternate within a bout, never cross,
    /// lift off from where they were, and the timing is consistent.
    static func checkKinematics(_ plan: FootstepPlan, _ p: FootstepPlannerParameters, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        var feet = plan.initialFeet
        let tol = 1e-9
        for bout in plan.bouts {
            for i in bout.firstStep..<bout.endStep {
                let s = plan.steps[i]
                let stance = feet[s.side.other.rawValue]
                let r = stance.relative(s.touchDownPose)
                let sign: Double = s.side == .left ? 1 : -1
                #expect(abs(r.x) <= p.maxStepLength + tol, "step \(i): length \(r.x)", sourceLocation: sourceLocation)
                #expect(abs(r.z) <= p.maxYawPerStep + tol, "step \(i): yaw \(r.z)", sourceLocation: sourceLocation)
                #expect(sign * r.y >= p.minLateralSeparation - tol, "step \(i): crossing, separation \(sign * r.y)", sourceLocation: sourceLocation)
                #expect(sign * r.y <= p.stepWidth + p.maxLateralStep + tol, "step \(i): too wide \(sign * r.y)", sourceLocation: sourceLocation)
                #expect(abs(s.touchDownPose.position.z - stance.position.z) <= p.maxStepHeight + tol, sourceLocation: sourceLocation)
                #expect(s.liftOffPose == feet[s.side.rawValue], sourceLocation: sourceLocation)
                #expect(abs(s.touchDownTime - s.liftOffTime - p.swingDuration) < 1e-12, sourceLocation: sourceLocation)
                if i > bout.firstStep {
                    #expect(s.side == plan.steps[i - 1].side.other, "feet alternate", sourceLocation: sourceLocation)
                    #expect(abs(s.liftOffTime - plan.steps[i - 1].liftOffTime - p.stepDuration) < 1e-9, sourceLocation: sourceLocation)
                } else {
                    #expect(abs(s.liftOffTime - bout.startTime - p.startDuration) < 1e-9, "the first step follows the weight shift", sourceLocation: sourceLocation)
                }
                feet[s.side.rawValue] = s.touchDownPose
            }
            // Every bout ends standing: feet side by side at the nominal width, parallel.
            let r = feet[1].relative(feet[0])
            #expect(abs(r.x) < 1e-6 && abs(r.y - p.stepWidth) < 1e-6 && abs(r.z) < 1e-6, "bout ends with feet \(r)", sourceLocation: sourceLocation)
            #expect(bout.endTime > (bout.endStep > bout.firstStep ? plan.steps[bout.endStep - 1].touchDownTime : bout.startTime), sourceLocation: sourceLocation)
        }
        for (a, b) in zip(plan.bouts, plan.bouts.dropFirst()) { #expect(b.startTime >= a.endTime, sourceLocation: sourceLocation) }
    }

    @Test func aStraightCommandGivesTheExpectedStepsAndDistance() throws {
        var p = FootstepPlannerParameters()
        p.stepDuration = 0.5
        let planner = try FootstepPlanner(parameters: p)
        let plan = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: 0.5)], endTime: 10)
        Self.checkKinematics(plan, p)
        // Lift-offs at 0.6, 1.1, …, < 10 s: 19 walking steps, each landing 0.5 m/s · 0.5 s = 0.25 m ahead of the
        // stance foot, then the stopping step at 10.1 s brings the trailing foot alongside.
        #expect(plan.bouts.count == 1 && plan.steps.count == 20)
        #expect(plan.steps.first!.side == .left && abs(plan.steps.first!.touchDownPose.position.x - 0.25) < 1e-12)
        for (i, s) in plan.steps.enumerated() {
            let expected = Double(min(i + 1, 19)) * 0.25
            #expect(abs(s.touchDownPose.position.x - expected) < 1e-9 && abs(s.touchDownPose.position.y - (s.side == .left ? 0.1 : -0.1)) < 1e-9)
        }
        let end = FootPose.midpoint(plan.finalFeet[0], plan.finalFeet[1])
        #expect(abs(end.position.x - 4.75) < 1e-9 && abs(end.position.y) < 1e-9 && abs(end.yaw) < 1e-12)
        // The stopping step lifts off at 10.1 s and lands at 10.5 s; the final shift ends 0.6 s later.
        #expect(abs(plan.steps.last!.liftOffTime - 10.1) < 1e-9 && abs(plan.endTime - 11.1) < 1e-9)
        #expect(plan.swingingStep(at: 0.7) == 0 && plan.swingingStep(at: 1.0) == nil && plan.swingingStep(at: 1.1) == 1)
    }

    @Test func kinematicLimitsHoldForRandomCommands() throws {
        var random = RandomStream(seed: 13)
        for _ in 0..<50 {
            var p = FootstepPlannerParameters()
            p.stepWidth = random.uniform(0.15, 0.3)
            p.minLateralSeparation = p.stepWidth * random.uniform(0.4, 0.9)
            p.maxStepLength = random.uniform(0.1, 0.4)
            p.maxLateralStep = random.uniform(0, 0.15)
            p.maxYawPerStep = random.uniform(0.05, 0.5)
            p.stepDuration = random.uniform(0.3, 1.0)
            p.doubleSupportRatio = random.uniform(0, 0.5)
            let planner = try FootstepPlanner(parameters: p)
            var commands = [VelocityCommand](), t = 0.0
            for _ in 0..<6 {
                let stop = random.uniform(0, 1) < 0.15
                commands.append(VelocityCommand(startTime: t, forward: stop ? 0 : random.uniform(-1, 1.5),
                                                lateral: stop ? 0 : random.uniform(-0.6, 0.6), yawRate: stop ? 0 : random.uniform(-1.5, 1.5)))
                t += random.uniform(0.5, 4)
            }
            let feet = [FootPose(x: 1, y: 2 + p.stepWidth / 2, yaw: 0), FootPose(x: 1, y: 2 - p.stepWidth / 2, yaw: 0)]
            let plan = try planner.plan(from: feet, startTime: 0, commands: commands, endTime: t)
            Self.checkKinematics(plan, p)
            #expect(!plan.steps.isEmpty)
        }
    }

    @Test func turningInPlaceKeepsTheMidpointAndTurnsAtTheCommandedRate() throws {
        var p = FootstepPlannerParameters()
        p.stepDuration = 0.5
        let planner = try FootstepPlanner(parameters: p)
        let plan = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, yawRate: 0.3)], endTime: 5.6)
        Self.checkKinematics(plan, p)
        // Lift-offs at 0.6, …, 5.1 s: 10 steps; the left (outer) foot turns 2 · 0.3 · 0.5 = 0.3 rad, the right
        // follows: 5 pairs, 1.5 rad = the yaw rate times the 5 s of stepping; the midpoint does not move.
        #expect(plan.steps.count == 10)
        let end = FootPose.midpoint(plan.finalFeet[0], plan.finalFeet[1])
        #expect(abs(end.position.x) < 1e-9 && abs(end.position.y) < 1e-9, "midpoint moved to \(end.position)")
        #expect(abs(end.yaw - 1.5) < 1e-9, "turned \(end.yaw) rad")
        // Turning right starts with the right foot.
        let right = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, yawRate: -0.3)], endTime: 2)
        #expect(right.steps.first!.side == .right)
    }

    @Test func aGoalPoseIsReachedWithinTolerance() throws {
        let p = FootstepPlannerParameters()
        let planner = try FootstepPlanner(parameters: p)
        for goal in [FootPose(x: 2, y: 1, yaw: Double.pi / 2), FootPose(x: -0.4, y: 0.3, yaw: -0.5), FootPose(x: 0, y: 0, yaw: Double.pi),
                     FootPose(x: 0.1, y: -0.6, yaw: 0)] {
            let plan = try planner.plan(from: Self.standing, startTime: 1, goal: goal)
            Self.checkKinematics(plan, p)
            let end = FootPose.midpoint(plan.finalFeet[0], plan.finalFeet[1]).relative(goal)
            #expect((end.x * end.x + end.y * end.y).squareRoot() < 2e-3 && abs(end.z) < 2e-3, "goal \(goal): off by \(end)")
            #expect(plan.steps.count < 60)
        }
        // Already there: no step.
        let none = try planner.plan(from: Self.standing, startTime: 0, goal: FootPose(x: 0, y: 0))
        #expect(none.steps.isEmpty && none.bouts.isEmpty)
        // Too far for the step budget: an error, not a truncated plan.
        var few = p
        few.maxSteps = 5
        #expect(throws: LocomotionParameterError.self) { try FootstepPlanner(parameters: few).plan(from: Self.standing, startTime: 0, goal: FootPose(x: 10, y: 0)) }
    }

    @Test func walksStartAndStopCleanlyAndRestartAfterAStopCommand() throws {
        let p = FootstepPlannerParameters()
        let planner = try FootstepPlanner(parameters: p)
        let commands = [VelocityCommand(startTime: 1, forward: 0.3, lateral: 0.1), VelocityCommand(startTime: 4),
                        VelocityCommand(startTime: 6, forward: -0.2)]
        let plan = try planner.plan(from: Self.standing, startTime: 0, commands: commands, endTime: 9)
        Self.checkKinematics(plan, p)
        #expect(plan.bouts.count == 2)
        // The first bout starts at the first command, with the lateral motion's side (left) first, after the shift.
        #expect(plan.bouts[0].startTime == 1 && plan.steps[0].side == .left && abs(plan.steps[0].liftOffTime - 1.6) < 1e-12)
        // Stopping: the first lift-off at or after 4 s is the step that brings the feet together.
        #expect(plan.bouts[1].startTime >= 6 && plan.bouts[1].startTime >= plan.bouts[0].endTime)
        let zmp = FootstepZMPReference(plan: plan)
        // Standing before, between and after the bouts: the ZMP is between the feet.
        #expect(maxAbs(zmp.planar(at: 0.5) - SIMD2(0, 0)) < 1e-12)
        var feet = plan.initialFeet
        for s in plan.steps[0..<plan.bouts[0].endStep] { feet[s.side.rawValue] = s.touchDownPose }
        let between = (feet[0].position + feet[1].position) / 2
        #expect(maxAbs(zmp.planar(at: plan.bouts[0].endTime + 0.01) - SIMD2(between.x, between.y)) < 1e-12)
        let final = (plan.finalFeet[0].position + plan.finalFeet[1].position) / 2
        #expect(maxAbs(zmp.planar(at: plan.endTime + 3) - SIMD2(final.x, final.y)) < 1e-12)
        // A zero command, or a command too late for a step before the end time: no steps and no bout.
        #expect(try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0)], endTime: 5).steps.isEmpty)
        let late = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 4.7, forward: 0.3)], endTime: 5)
        #expect(late.steps.isEmpty && late.bouts.isEmpty && late.endTime == 0)
        // A command withdrawn during the weight shift, then given again: one bout, from the second command.
        let again = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 1, forward: 0.3), VelocityCommand(startTime: 1.2),
                                                                                 VelocityCommand(startTime: 3, forward: 0.3)], endTime: 5)
        #expect(again.bouts.count == 1 && again.bouts[0].startTime == 3 && !again.steps.isEmpty)
    }

    @Test func theZMPReferenceSitsOnTheStanceFootAndMovesLinearlyInDoubleSupport() throws {
        var p = FootstepPlannerParameters()
        p.stepDuration = 0.8
        p.doubleSupportRatio = 0.25
        let planner = try FootstepPlanner(parameters: p)
        let plan = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: 0.25, yawRate: 0.2)], endTime: 4)
        let zmp = FootstepZMPReference(plan: plan)
        var feet = plan.initialFeet
        for (i, s) in plan.steps.enumerated() {
            let stance = feet[s.side.other.rawValue].position
            for f in [0.0, 0.3, 0.99] {
                let q = zmp.point(at: s.liftOffTime + f * p.swingDuration)
                #expect(length(q - stance) < 1e-12, "step \(i): single support ZMP \(q), stance \(stance)")
            }
            feet[s.side.rawValue] = s.touchDownPose
            if i + 1 < plan.steps.count {
                // Double support: linear from the old stance foot to the new one; halfway at mid-time.
                let mid = zmp.point(at: s.touchDownTime + p.doubleSupportDuration / 2)
                #expect(length(mid - (stance + s.touchDownPose.position) / 2) < 1e-12)
            }
        }
        // The weight shift: linear from between the feet to the first stance foot (the right one: left swings).
        let shiftMid = zmp.point(at: p.startDuration / 2)
        #expect(length(shiftMid - Vector3(0, -0.05, 0)) < 1e-12)
        // Continuous with r > 0: sampled every millisecond, no jump larger than the fastest shift allows.
        var previous = zmp.planar(at: -0.1), worst = 0.0
        for k in 0...6000 {
            let q = zmp.planar(at: Double(k) * 0.001 - 0.1)
            worst = max(worst, maxAbs(q - previous)); previous = q
        }
        #expect(worst < 0.001 * (0.5 / p.doubleSupportDuration), "largest ZMP jump per ms \(worst) m")
        // Sampled into the preview controller's window at the control period.
        let c = try ZMPPreviewController(parameters: ZMPPreviewParameters(comHeight: 0.8, timeStep: 0.01, previewTime: 1.0), riccati: projectRiccati)
        c.reset(to: CartTableState(position: .zero), tick: 0, reference: zmp)
        for k in 0..<150 { c.step(tick: k, reference: zmp) }
        #expect((0...100).allSatisfy { c.reference(ahead: $0) == zmp.planar(at: Double(150 + $0) * 0.01) })
        let rewritten = allocations { c.rewriteReference(tick: 150, reference: zmp); c.step(tick: 150, reference: zmp) }
        #expect(rewritten == 0)
    }

    @Test func terrainHeightsAreUsedAndChecked() throws {
        var p = FootstepPlannerParameters()
        p.maxStepHeight = 0.03
        let planner = try FootstepPlanner(parameters: p)
        // 2 cm steps every 0.5 m.
        let stairs: (Double, Double) -> Double = { x, _ in 0.02 * (x / 0.5).rounded(.down) }
        let plan = try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: 0.4)], endTime: 8,
                                    terrainHeight: stairs)
        Self.checkKinematics(plan, p)
        #expect(plan.steps.allSatisfy { $0.touchDownPose.position.z == stairs($0.touchDownPose.position.x, 0) })
        #expect(plan.finalFeet[0].position.z > 0.05)
        // A 10 cm ledge is beyond the max step height: refused with a message.
        #expect(throws: LocomotionParameterError.self) {
            try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: 0.4)], endTime: 8,
                             terrainHeight: { x, _ in x > 1 ? 0.1 : 0 })
        }
    }

    @Test func badParametersAndInputsAreRefusedWithMessages() throws {
        func message(_ change: (inout FootstepPlannerParameters) -> Void) -> String {
            var p = FootstepPlannerParameters()
            change(&p)
            do { _ = try FootstepPlanner(parameters: p); return "" } catch { return error.description }
        }
        #expect(message { $0.stepWidth = 0 }.contains("step width"))
        #expect(message { $0.doubleSupportRatio = 1 }.contains("double support ratio"))
        #expect(message { $0.stepDuration = .nan }.contains("step duration"))
        #expect(message { $0.minLateralSeparation = 0.3 }.contains("min lateral separation"))
        #expect(message { $0.maxYawPerStep = 2 }.contains("max yaw per step"))
        #expect(message { $0.maxSteps = 0 }.contains("max steps"))
        #expect(message { _ in }.isEmpty)
        let planner = try FootstepPlanner(parameters: FootstepPlannerParameters())
        let crossed = [FootPose(x: 0, y: -0.1), FootPose(x: 0, y: 0.1)]
        #expect(throws: LocomotionParameterError.self) { try planner.plan(from: crossed, startTime: 0, goal: FootPose(x: 1, y: 0)) }
        #expect(throws: LocomotionParameterError.self) {
            try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 2, forward: 0.1), VelocityCommand(startTime: 1)], endTime: 5)
        }
        #expect(throws: LocomotionParameterError.self) {
            try planner.plan(from: Self.standing, startTime: 0, commands: [VelocityCommand(startTime: 0, forward: .nan)], endTime: 5)
        }
    }
}

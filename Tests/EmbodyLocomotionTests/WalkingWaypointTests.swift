import EmbodyModel
import Testing
@testable import EmbodyLocomotion

// MARK: - Walks to waypoints, and the feet's mean heading across ±180°

@Suite struct WalkingWaypointTests {
    private let left = FootPose(x: 0.04, y: 0.09), right = FootPose(x: 0.04, y: -0.09)

    @Test("a 2 m square of waypoints with in-place turns: each walk starts when the last ends, and the plan closes the square to the planner's tolerance")
    func squareCloses() throws {
        var gait = WalkingGaitParameters()
        gait.stepLength = 0.3
        gait.stepDuration = 0.6
        let origin = FootPose.midpoint(left, right)
        let corners: [(Double, Double, Double)] = [(2, 0, 0), (2, 0, .pi / 2), (2, 2, .pi / 2), (2, 2, .pi), (0, 2, .pi),
                                                   (0, 2, -.pi / 2), (0, 0, -.pi / 2), (0, 0, 0)]
        var plan = FootstepPlan(initialFeet: [left, right], startTime: 0)
        var legs: [WalkingLeg] = []
        for (i, c) in corners.enumerated() {
            let leg = try #require(try WalkingCommandPlanner.appendWalk(
                to: &plan, waypoint: WalkingWaypoint(at: i == 0 ? 1 : 0, x: c.0, y: c.1, yaw: c.2), origin: origin,
                gait: gait, terrain: { _, _ in 0 }))
            // Each walk starts where and when the previous one ended.
            if let last = legs.last { #expect(leg.start == last.end && leg.from == last.to) } else { #expect(leg.start == 1) }
            let goal = origin.composed(SIMD3(c.0, c.1, c.2))
            #expect(abs(leg.to.x - goal.position.x) < 2e-3 && abs(leg.to.y - goal.position.y) < 2e-3, "waypoint \(i)")
            legs.append(leg)
        }
        #expect(plan.bouts.count == corners.count)
        // Bouts and steps in time order, steps within their bouts.
        for (k, bout) in plan.bouts.enumerated() {
            if k > 0 { #expect(bout.startTime >= plan.bouts[k - 1].endTime && bout.firstStep == plan.bouts[k - 1].endStep) }
            for s in plan.steps[bout.firstStep..<bout.endStep] { #expect(s.liftOffTime >= bout.startTime && s.touchDownTime <= bout.endTime) }
        }
        // Back where it started: both feet within 2 mm and 2 mrad of their places at load.
        let end = plan.finalFeet
        for (a, b) in [(end[0], left), (end[1], right)] {
            let r = b.relative(a)
            #expect((r.x * r.x + r.y * r.y).squareRoot() < 2e-3 && abs(r.z) < 2e-3)
        }
        // The side legs go straight; the turns do not move the walking frame.
        let lengths = legs.map { (($0.to - $0.from) * ($0.to - $0.from)).sum().squareRoot() }
        for (i, length) in lengths.enumerated() { #expect(abs(length - (i % 2 == 0 ? 2 : 0)) < 4e-3, "leg \(i): \(length) m") }
        // The laid-out timeline ends standing between the feet at the start.
        let timeline = WalkingCommandPlanner.timeline(of: plan, gait: gait, left: Foothold(position: left.position, yaw: 0),
                                                      right: Foothold(position: right.position, yaw: 0))
        let last = timeline.phases[timeline.count - 1]
        #expect(last.duration == .infinity && abs(last.zmpEnd.x - 0.04) < 2e-3 && abs(last.zmpEnd.y) < 2e-3)
        #expect(abs(timeline.endOfMotion - plan.endTime) < 1e-9)
    }

    @Test("a waypoint where the feet already are plans nothing")
    func nothingToDo() throws {
        var plan = FootstepPlan(initialFeet: [left, right], startTime: 0)
        let leg = try WalkingCommandPlanner.appendWalk(to: &plan, waypoint: WalkingWaypoint(at: 1, x: 0, y: 0),
                                                       origin: FootPose.midpoint(left, right), gait: WalkingGaitParameters(),
                                                       terrain: { _, _ in 0 })
        #expect(leg == nil && plan.steps.isEmpty && plan.bouts.isEmpty)
    }

    @Test("the feet's mean heading takes the shorter arc: 179° and −179° head 180°, not 0°; small headings average exactly")
    func meanYawAcrossPi() {
        let deg = Double.pi / 180
        let a = Foothold(position: .zero, yaw: 179 * deg), b = Foothold(position: .zero, yaw: -179 * deg)
        #expect(abs(abs(Foothold.meanYaw(a, b)) - .pi) < 1e-12)
        #expect(abs(abs(Foothold.meanYaw(b, a)) - .pi) < 1e-12)
        let c = Foothold(position: .zero, yaw: 0.3), d = Foothold(position: .zero, yaw: -0.1)
        #expect(Foothold.meanYaw(c, d) == 0.5 * (0.3 + -0.1))
        let e = Foothold(position: .zero, yaw: 170 * deg), f = Foothold(position: .zero, yaw: -150 * deg)
        #expect(abs(wrapAngle(Foothold.meanYaw(e, f) - 190 * deg)) < 1e-12)
    }
}

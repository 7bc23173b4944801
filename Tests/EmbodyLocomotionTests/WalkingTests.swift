import CMallocCounter
import EmbodyControl
import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing
@testable import EmbodyLocomotion

// MARK: - The walking state machine, its timeline, the capture-step balancer and the IK fallback

/// The bundled humanoid of the whole-body tests (WholeBodyTests.swift), with what the walking code also takes.
private typealias WalkingHumanoid = HumanoidFixture

extension HumanoidFixture {
    /// The foot links (left, right) in the model's numbering.
    var footModelLinks: [Int] { soles.map { robot.modelLinkIndex[$0.link] } }

    /// The sole frames' world poses at (q, base).
    func solePoses(q: [Double], base: Transform) -> [Transform] {
        soles.map { $0.worldFrame(linkPose: dynamics.linkPose(link: $0.link, q: q, basePose: base)) }
    }
}

@Suite struct WalkingInverseKinematicsTests {
    /// Random bent-knee leg postures within the joint limits, and a random base pose.
    private func randomPosture(_ h: WalkingHumanoid, _ ik: WalkingInverseKinematics, _ random: inout RandomStream) -> ([Double], Transform) {
        var q = [Double](repeating: 0, count: h.model.dof)
        let ranges: [(Double, Double)] = [(-0.3, 0.3), (-0.2, 0.2), (-0.8, 0.2), (0.2, 1.5), (-0.5, 0.5), (-0.3, 0.3)]
        for leg in ik.legs {
            for (k, c) in leg.coordinates.enumerated() { q[c] = random.uniform(ranges[k].0, ranges[k].1) }
        }
        let base = Transform(position: Vector3(random.uniform(-1, 1), random.uniform(-1, 1), 0.8),
                             rotation: Quaternion(rpy: Vector3(random.uniform(-0.1, 0.1), random.uniform(-0.1, 0.1), random.uniform(-3, 3))))
        return (q, base)
    }

    @Test("the closed-form leg IK inverts the model's forward kinematics to 1e-9 rad")
    func legIKInvertsForwardKinematics() throws {
        let h = try WalkingHumanoid()
        let ik = try WalkingInverseKinematics(model: h.model, feet: h.footModelLinks, soles: h.soles, dynamics: h.dynamics, mass: h.mass)
        #expect(ik.legs.map(\.thigh) == [0.38, 0.38] && ik.legs.map(\.shin) == [0.38, 0.38])
        var random = RandomStream(seed: 5)
        for _ in 0..<50 {
            let (q, base) = randomPosture(h, ik, &random)
            var solved = [Double](repeating: 0, count: q.count)
            for leg in ik.legs {
                let foot = h.dynamics.linkPose(link: leg.sole.link, q: q, basePose: base)
                ik.solveLeg(leg, hip: base.apply(leg.hipOffset), pelvisRotation: Rotation3(base.rotation), foot: foot, into: &solved)
                for c in leg.coordinates { #expect(abs(solved[c] - q[c]) < 1e-9, "q[\(c)] \(solved[c]) vs \(q[c])") }
            }
        }
    }

    @Test("the pelvis is placed so that the model's CoM is at the reference CoM (fixed-point iteration, 1e-4 m)")
    func pelvisPlacementReachesTheCoM() throws {
        let h = try WalkingHumanoid()
        let ik = try WalkingInverseKinematics(model: h.model, feet: h.footModelLinks, soles: h.soles, dynamics: h.dynamics, mass: h.mass)
        var random = RandomStream(seed: 9)
        for _ in 0..<10 {
            let (q, base) = randomPosture(h, ik, &random)
            var reference = WalkingReference(dof: h.model.dof)
            let soles = h.solePoses(q: q, base: base)
            for k in 0..<2 { reference.feet[k].pose = soles[k] }
            reference.torsoOrientation = base.rotation
            reference.comPosition = h.mass.position(dynamics: h.dynamics, q: q, basePose: base)
            var solved = [Double](repeating: 0, count: q.count)
            ik.iterations = 6
            ik.reset()
            ik.solve(reference, into: &solved)
            let com = h.mass.position(dynamics: h.dynamics, q: solved, basePose: ik.pelvis)
            #expect(length(com - reference.comPosition) < 1e-4)
            #expect(length(ik.pelvis.position - base.position) < 1e-3)
            for i in 0..<q.count { #expect(abs(solved[i] - q[i]) < 1e-3) }
        }
    }

    @Test("a leg that is not yaw-roll-pitch, knee, pitch-roll is refused with a message")
    func otherLegsAreRefused() throws {
        let h = try WalkingHumanoid()
        let hand = try #require(h.model.linkIndex(named: "left_forearm"))
        #expect(throws: WalkingKinematicsError.self) {
            try WalkingInverseKinematics(model: h.model, feet: [hand, h.footModelLinks[1]], soles: h.soles, dynamics: h.dynamics, mass: h.mass)
        }
    }
}

// MARK: - Footsteps from commands

/// The feet of the bundled humanoid at q = 0: sole centres 4 cm ahead of the ankles, 0.18 m apart.
private let startLeft = Foothold(position: Vector3(0.04, 0.09, 0), yaw: 0)
private let startRight = Foothold(position: Vector3(0.04, -0.09, 0), yaw: 0)

private func planned(_ commands: [WalkingVelocityCommand], duration: Double = 10, gait: WalkingGaitParameters = WalkingGaitParameters(),
                     terrain: @escaping WalkingTerrain = { _, _ in 0 }) throws -> WalkingTimeline {
    try WalkingCommandPlanner.plan(commands: commands, gait: gait, duration: duration, left: startLeft, right: startRight,
                                   terrain: terrain)
}

@Suite struct WalkingCommandPlannerTests {
    @Test("a straight walk: stand, a weight shift, alternating double and single support, a closing step, stand for ever")
    func straightWalk() throws {
        let t = try planned([WalkingVelocityCommand(at: 1, vx: 0.3), WalkingVelocityCommand(at: 4, vx: 0)])
        let phases = Array(t.phases[0..<t.count])
        #expect(phases.first?.swing == nil && phases.first?.start == 0 && phases.first?.duration == 1)
        #expect(phases.last?.duration == .infinity)
        for i in 1..<phases.count { #expect(abs(phases[i].start - phases[i - 1].end) < 1e-12, "contiguous") }
        let swings = phases.filter { $0.swing != nil }
        // A 0.6 s weight shift from 1 s, lift-offs at 1.6, 2.2, 2.8, 3.4 s, then the closing step.
        #expect(swings.count == 5)
        for (k, p) in swings.enumerated() {
            #expect(p.swing == (k % 2 == 0 ? .left : .right), "feet alternate, left first")
            #expect(abs(p.duration - 0.48) < 1e-12)
            #expect(abs(p.start - (1.6 + 0.6 * Double(k))) < 1e-9)
            // In single support the ZMP reference is on the stance sole's centre.
            let stance = p.foot(p.swing!.other).position
            #expect(p.zmpStart == p.zmpEnd && p.zmpStart == SIMD2(stance.x, stance.y))
        }
        // Each step advances 0.18 m (vx T); the feet stay 0.18 m apart.
        for k in 0..<4 {
            let target = swings[k].swingTarget
            #expect(abs(target.position.x - (0.04 + 0.18 * Double(k + 1))) < 1e-9)
            #expect(abs(abs(target.position.y) - 0.09) < 1e-9)
        }
        // The closing step lands beside the stance foot, and the ZMP reference ends between the feet.
        let last = phases[phases.count - 1]
        #expect(abs(last.left.position.x - last.right.position.x) < 1e-9)
        #expect(abs(last.left.position.y - last.right.position.y - 0.18) < 1e-9)
        var cursor = 0
        let z = t.zmp(at: 100, cursor: &cursor)
        #expect(abs(z.x - last.left.position.x) < 1e-9 && abs(z.y) < 1e-9)
    }

    @Test("turning on the spot: the left foot first, the feet end parallel having turned yaw_rate × T per step, never crossing")
    func turning() throws {
        let t = try planned([WalkingVelocityCommand(at: 0.5, yawRate: 0.5), WalkingVelocityCommand(at: 3.5, vx: 0)])
        let swings = (0..<t.count).map { t.phases[$0] }.filter { $0.swing != nil }
        #expect(swings.first?.swing == .left)
        let final = t.phases[t.count - 1]
        #expect(abs(final.left.yaw - final.right.yaw) < 1e-9)
        #expect(final.left.yaw > 1.0 && abs(remainder(final.left.yaw, 0.3)) < 1e-9, "whole steps of 0.3 rad: \(final.left.yaw)")
        for p in swings {
            let l = p.footAtEnd(.left), r = p.footAtEnd(.right)
            let d = l.position - r.position
            #expect(-sin(r.yaw) * d.x + cos(r.yaw) * d.y > 0.1, "the left foot stays left of the right foot")
        }
    }

    @Test("footholds take the terrain's height; seeded noise moves them, the same seed the same way")
    func terrainAndNoise() throws {
        let step = try planned([WalkingVelocityCommand(at: 0.5, vx: 0.3)], duration: 4,
                           terrain: { x, _ in x > 0.5 ? 0.02 : 0 })
        for i in 0..<step.count where step.phases[i].swing != nil {
            let target = step.phases[i].swingTarget
            #expect(target.position.z == (target.position.x > 0.5 ? 0.02 : 0))
        }
        var gait = WalkingGaitParameters()
        gait.footPlacementNoise = 0.01
        gait.noiseSeed = 7
        let a = try planned([WalkingVelocityCommand(at: 0.5, vx: 0.3)], duration: 4, gait: gait)
        let b = try planned([WalkingVelocityCommand(at: 0.5, vx: 0.3)], duration: 4, gait: gait)
        gait.noiseSeed = 8
        let c = try planned([WalkingVelocityCommand(at: 0.5, vx: 0.3)], duration: 4, gait: gait)
        let nominal = try planned([WalkingVelocityCommand(at: 0.5, vx: 0.3)], duration: 4)
        var moved = 0.0, differs = false
        for i in 0..<a.count where a.phases[i].swing != nil {
            #expect(a.phases[i].swingTarget == b.phases[i].swingTarget)
            differs = differs || a.phases[i].swingTarget != c.phases[i].swingTarget
            moved = max(moved, length(a.phases[i].swingTarget.position - nominal.phases[i].swingTarget.position))
        }
        #expect(differs && moved > 0.002 && moved < 0.06)
    }
}

// MARK: - The state machine

/// Runs a generator over `duration` s with the stance feet feeling `stanceForce` N (the swing foot 0, or what
/// `force` says), collecting the references.
private func run(_ g: WalkingPatternGenerator, duration: Double, dof: Int = 21,
                 force: ((Double, FootSide, WalkingReference) -> Double)? = nil,
                 each: (Double, WalkingReference) -> Void) {
    var m = WalkingMeasurement(dof: dof)
    var r = WalkingReference(dof: dof)
    let dt = g.settings.controlPeriod
    let ticks = Int((duration / dt).rounded())
    for k in 0...ticks {
        m.state.time = Double(k) * dt
        let phase = g.timeline.phases[g.timeline.index(at: m.state.time, from: 0)]
        for side in FootSide.allCases {
            m.footNormalForce[side.rawValue] = force?(m.state.time, side, r) ?? (phase.swing == side ? 0 : 250)
        }
        g.update(m, reference: &r)
        each(m.state.time, r)
    }
}

private func generator(_ timeline: WalkingTimeline, com: Vector3 = Vector3(0.04, 0, 0.78)) throws -> WalkingPatternGenerator {
    var settings = WalkingStateMachineSettings()
    settings.settleTime = 0.5
    return try WalkingPatternGenerator(settings: settings, timeline: timeline, posture: Array(repeating: 0.1, count: 21),
                                       initialCoM: com, riccati: projectRiccati)
}

@Suite struct WalkingPatternGeneratorTests {
    @Test("walking: the CoM follows ZMP preview control (its ZMP within 1 cm of the plan's), the feet their phases, and the robot ends at rest between its feet")
    func walkFollowsThePlan() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 1, vx: 0.3), WalkingVelocityCommand(at: 4, vx: 0)])
        let g = try generator(timeline)
        var cursor = 0
        var zmpError = 0.0, apex = [0.0, 0.0], stanceMoved = 0.0
        var last = WalkingReference(dof: 21)
        var contactFlips = 0
        run(g, duration: 8) { t, r in
            let p = timeline.zmp(at: t, cursor: &cursor)
            let e = SIMD2(r.zmp.x, r.zmp.y) - p
            zmpError = max(zmpError, (e.x * e.x + e.y * e.y).squareRoot())
            let phase = timeline.phases[timeline.index(at: t, from: 0)]
            for side in FootSide.allCases {
                let f = r.feet[side.rawValue]
                if phase.swing == side {
                    #expect(!f.inContact)
                    apex[side.rawValue] = max(apex[side.rawValue], f.pose.position.z)
                } else {
                    #expect(f.inContact)
                    #expect(f.linearVelocity == .zero)
                    if t > 0 && last.feet[side.rawValue].inContact {
                        stanceMoved = max(stanceMoved, length(f.pose.position - last.feet[side.rawValue].pose.position))
                    }
                }
                if t > 0 && f.inContact != last.feet[side.rawValue].inContact { contactFlips += 1 }
            }
            #expect(r.posture.allSatisfy { $0 == 0.1 })
            last = r
        }
        #expect(zmpError < 0.01, "the preview controller's ZMP stays within 1 cm of the reference (\(zmpError) m)")
        #expect(abs(apex[0] - 0.05) < 1e-3 && abs(apex[1] - 0.05) < 1e-3, "swing apex = clearance: \(apex)")
        #expect(stanceMoved < 1e-9)
        #expect(contactFlips == 10, "five swings: each lifts and lands once")
        let final = timeline.phases[timeline.count - 1]
        let mid = 0.5 * (final.left.position + final.right.position)
        #expect(abs(last.comPosition.x - mid.x) < 2e-3 && abs(last.comPosition.y - mid.y) < 2e-3)
        #expect(length(last.comVelocity) < 5e-3)
        #expect(abs(last.comPosition.z - 0.78) < 1e-9)
    }

    @Test("the swing foot lands at its foothold with zero velocity, and the CoM height settles from its value at load")
    func touchdownAtRest() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 1, vx: 0.3), WalkingVelocityCommand(at: 2.2, vx: 0)])
        let g = try generator(timeline, com: Vector3(0.04, 0, 0.84))
        let swing = (0..<timeline.count).map { timeline.phases[$0] }.first { $0.swing != nil }!
        run(g, duration: 3) { t, r in
            if t == 0 { #expect(abs(r.comPosition.z - 0.84) < 1e-12) }
            if t >= 0.5 { #expect(abs(r.comPosition.z - 0.78) < 1e-9) }
            if abs(t - (swing.end - 0.001)) < 1e-9 {
                let f = r.feet[swing.swing!.rawValue]
                #expect(length(f.pose.position - swing.swingTarget.position) < 1e-6)
                #expect(length(f.linearVelocity) < 1e-3)
            }
        }
    }

    @Test("early touchdown: a swing foot that feels the ground after 3/4 of its swing is held there, in contact")
    func earlyTouchdown() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 1, vx: 0.3), WalkingVelocityCommand(at: 2.2, vx: 0)])
        let g = try generator(timeline)
        let swing = (0..<timeline.count).map { timeline.phases[$0] }.first { $0.swing != nil }!
        let side = swing.swing!
        let touch = swing.start + 0.85 * swing.duration
        var held: Vector3?
        run(g, duration: 3, force: { t, s, r in
            s == side ? (t >= touch && t < swing.end ? 200 : (r.feet[s.rawValue].inContact ? 250 : 0)) : 250
        }) { t, r in
            let f = r.feet[side.rawValue]
            if t > touch + 0.0015 && t < swing.end {
                #expect(f.inContact)
                #expect(f.linearVelocity == .zero)
                if let held { #expect(f.pose.position == held) } else { held = f.pose.position }
            }
        }
        #expect(g.touchedDownEarly[side.rawValue] == false)   // cleared once the next phase begins
        #expect(held.map { abs($0.z - swing.swingTarget.position.z) < 1e-12 } == true)
    }

    @Test("late touchdown: a foot that has not felt the ground when its swing ends keeps descending, out of contact, until it does")
    func lateTouchdown() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 1, vx: 0.3), WalkingVelocityCommand(at: 2.2, vx: 0)])
        let g = try generator(timeline)
        let swing = (0..<timeline.count).map { timeline.phases[$0] }.first { $0.swing != nil }!
        let side = swing.swing!
        let feels = swing.end + 0.1
        var lowest = 0.0
        run(g, duration: 2.2, force: { t, s, _ in s == side ? (t >= feels ? 250 : 0) : 250 }) { t, r in
            let f = r.feet[side.rawValue]
            if t > swing.end + 0.001 && t < feels {
                #expect(!f.inContact)
                lowest = min(lowest, f.pose.position.z - swing.swingTarget.position.z)
            }
            if t > feels + 0.0015 && t < 2.2 { #expect(f.inContact && f.pose.position == swing.swingTarget.position) }
        }
        #expect(lowest < -0.009 && lowest >= -0.03 - 1e-12, "descends at 0.1 m/s for 0.1 s, at most 3 cm: \(lowest)")
    }

    @Test("update allocates nothing")
    func updateDoesNotAllocate() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 0.2, vx: 0.3), WalkingVelocityCommand(at: 1.5, vx: 0)])
        let g = try generator(timeline)
        var m = WalkingMeasurement(dof: 21)
        var r = WalkingReference(dof: 21)
        g.update(m, reference: &r)
        let before = emb_test_thread_allocations()
        for k in 1..<2000 {
            m.state.time = Double(k) * 0.001
            m.footNormalForce[0] = r.feet[0].inContact ? 250 : 0
            m.footNormalForce[1] = r.feet[1].inContact ? 250 : 0
            g.update(m, reference: &r)
        }
        #expect(emb_test_thread_allocations() - before == 0)
    }

    @Test("reset returns to the plan at load")
    func resetRestarts() throws {
        let timeline = try planned([WalkingVelocityCommand(at: 0.2, vx: 0.3), WalkingVelocityCommand(at: 1.5, vx: 0)])
        let g = try generator(timeline)
        var first: [Vector3] = [], second: [Vector3] = []
        run(g, duration: 1) { _, r in first.append(r.comPosition) }
        g.reset()
        run(g, duration: 1) { _, r in second.append(r.comPosition) }
        #expect(first == second)
    }
}

// MARK: - Support polygon and capture stepping

@Suite struct WalkingBalanceTests {
    @Test("the support polygon of two soles' corners: margins inside and outside against geometry")
    func supportPolygonMargins() throws {
        let h = try WalkingHumanoid()
        var corners = SoleCorners()
        var p = ConvexSupportPolygon(capacity: 8)
        corners.add(h.soles[0], solePose: startLeft.pose)
        corners.add(h.soles[1], solePose: startRight.pose)
        corners.hull(into: &p)
        #expect(p.count == 4)
        // The hull spans x 0.04 ± 0.11, y ±0.14.
        #expect(abs(p.signedDistance(to: SIMD2(0.04, 0)) - 0.11) < 1e-12)
        #expect(abs(p.signedDistance(to: SIMD2(0.14, 0)) - 0.01) < 1e-12)
        #expect(abs(p.signedDistance(to: SIMD2(0.25, 0)) + 0.1) < 1e-12)
        #expect(abs(p.signedDistance(to: SIMD2(0.04, 0.2)) + 0.06) < 1e-12)
        corners.removeAll()
        corners.add(h.soles[0], solePose: startLeft.pose)
        corners.hull(into: &p)
        #expect(abs(p.signedDistance(to: SIMD2(0.04, 0.09)) - 0.05) < 1e-12)
    }

    /// A balancer on the humanoid standing at q = 0, fed states whose base moves at `speed` m/s along x from t = 1 s.
    private func push(speed: Double, stepping: Bool = true) throws -> (CaptureStepBalancer, [WalkingReference]) {
        let h = try WalkingHumanoid()
        let base = Transform(position: Vector3(0, 0, 0.92))
        let q = [Double](repeating: 0, count: h.model.dof)
        let soles = h.solePoses(q: q, base: base)
        let feet = soles.map { Foothold(position: $0.position, yaw: 0) }
        let timeline = WalkingTimeline(capacity: 4, standingAt: feet[0], feet[1])
        var settings = WalkingStateMachineSettings()
        settings.comHeight = 0.84
        let com = h.mass.position(dynamics: h.dynamics, q: q, basePose: base)
        let g = try WalkingPatternGenerator(settings: settings, timeline: timeline, posture: q, initialCoM: com, riccati: projectRiccati)
        var stepSettings = CaptureStepSettings()
        stepSettings.stepping = stepping
        let b = CaptureStepBalancer(settings: stepSettings, generator: g, soles: h.soles, dynamics: h.dynamics, mass: h.mass)
        var m = WalkingMeasurement(dof: h.model.dof)
        var r = WalkingReference(dof: h.model.dof)
        var out: [WalkingReference] = []
        for k in 0...1300 {
            let t = Double(k) * 0.001
            m.state.time = t
            m.state.basePose = Transform(position: Vector3(max(0, t - 1) * speed, 0, 0.92))
            m.state.baseLinearVelocity = Vector3(t >= 1 ? speed : 0, 0, 0)
            m.footNormalForce = [250, 250]
            b.update(m, reference: &r)
            out.append(r)
        }
        return (b, out)
    }

    @Test("capture stepping: a CoM moving at 0.6 m/s puts the capture point past the toes, and one foot steps forward to it")
    func stepsWhenTheCapturePointLeaves() throws {
        let (b, refs) = try push(speed: 0.6)
        #expect(b.steps == 1)
        let first = try #require(b.generator.timeline.phases.first)
        let side = try #require(first.swing)
        // The foot lands on the capture point predicted for touch-down, within the step limits.
        let step = try #require(b.lastStep)
        #expect(!step.isClamped && abs(step.residual.x) < 1e-9 && abs(step.residual.y) < 1e-9)
        #expect(abs(first.swingTarget.position.x - step.predictedCapturePoint.x) < 1e-12)
        #expect(first.swingTarget.position.x - first.foot(side.other).position.x <= 0.45 + 1e-12)
        #expect(first.swingTarget.position.x > 0.25)
        // The swing foot leaves contact.
        #expect(refs.contains { !$0.feet[side.rawValue].inContact })
    }

    @Test("capture stepping: a slow CoM keeps the capture point inside, and the robot does not step; stepping off never steps")
    func noStepInside() throws {
        let (slow, refs) = try push(speed: 0.1)
        #expect(slow.steps == 0)
        #expect(refs.allSatisfy { $0.feet[0].inContact && $0.feet[1].inContact })
        let (off, _) = try push(speed: 0.6, stepping: false)
        #expect(off.steps == 0)
    }
}

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario
import Foundation
import Testing
@testable import EmbodyRuntime

// MARK: - Walking metrics on a scripted case, and biped tasks' errors at load

@Suite struct WalkingMetricsTests {
    @Test("walking metrics from scripted contacts and poses: distance, speed, slip, CoP margin, CoM tracking, cost of transport, steps")
    func scriptedMetrics() throws {
        let world = try World(settings: { var s = WorldSettings(); s.ground = false; return s }())
        let model = try URDFLoader.load(path: repoRoot.appendingPathComponent("Scenarios/robots/humanoid.urdf").path)
        var options = RobotOptions()
        options.fixedBase = false
        options.basePose = Transform(position: Vector3(0, 0, 0.92))
        let robot = try world.addRobot(model, options: options)
        let dynamics = try robot.makeDynamics()
        let mass = MassDistribution(model: model, linkOrder: robot.modelLinkIndex)
        var links: [Int] = [], soles: [SoleGeometry] = []
        for name in ["left_foot", "right_foot"] {
            let link = try #require(robot.linkNames.firstIndex(of: name))
            links.append(link)
            soles.append(try SoleGeometry(footLink: model.links[robot.modelLinkIndex[link]], link: link, down: Vector3(0, 0, -1)))
        }
        let q = [Double](repeating: 0, count: robot.dof)
        let base = Transform(position: Vector3(0, 0, 0.92))
        let com = mass.position(dynamics: dynamics, q: q, basePose: base)
        let biped = BipedModel(footModelLinks: links.map { robot.modelLinkIndex[$0] }, footLinks: links, soles: soles, mass: mass,
                               dynamics: dynamics, initialFeet: [], initialCoM: com)
        let metrics = WalkingMetrics(biped: biped, path: WalkingPath(commands: [WalkingVelocityCommand(at: 0, vx: 0.5)]))

        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        robot.getLinkPoses(&poses)
        let standing = poses
        var state = RobotState(dof: robot.dof)
        var reference = WalkingReference(dof: robot.dof)
        reference.comPosition = com + Vector3(0.003, 0.004, 0)   // a 5 mm tracking error throughout
        var applied = [Double](repeating: 0, count: robot.dof)
        applied[3] = 20; state.qd[3] = 0.5                          // 10 W
        var contacts = [Contact](repeating: Contact(), count: 16)
        let dt = 0.001
        for k in 1...2000 {
            let t = Double(k) * dt
            // The base walks 0.5 m/s along x, swaying ±3 cm sideways.
            state.basePose = Transform(position: Vector3(0.5 * t, 0.03 * sin(2 * Double.pi * t), 0.92))
            poses = standing
            // The left foot slides 1 cm forward between 0.5 s and 0.6 s, the right foot is lifted from 1.0 s to 1.2 s.
            let slide = min(max((t - 0.5) / 0.1, 0), 1) * 0.01
            poses[7 * links[0]] += slide
            var n = 0
            for side in 0..<2 where !(side == 1 && t >= 1.0 && t < 1.2) {
                let sole = soles[side].worldFrame(linkPose: Transform(poses, from: 7 * links[side]))
                for (sx, sy) in [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)] {
                    var c = Contact()
                    c.objectA = robot.id; c.linkA = Int32(links[side] - 1); c.objectB = -1; c.linkB = -1
                    c.positionOnB = sole.apply(Vector3(sx * soles[side].halfLength, sy * soles[side].halfWidth, 0))
                    c.normalOnB = Vector3(0, 0, 1)
                    c.normalForce = 62.5 * (t >= 1.0 && t < 1.2 ? 2 : 1)
                    contacts[n] = c; n += 1
                }
            }
            metrics.accumulate(t: t, dt: dt, state: state, linkPoses: poses, contacts: contacts, contactCount: n,
                               robotID: robot.id, applied: applied, reference: reference)
        }
        let v = metrics.values()
        let d = try #require(v["walk_distance"])
        #expect(abs(d - 0.9995) < 1e-9, "0.5 m/s from the second tick on: \(d)")   // the first tick only records the base
        #expect(abs(try #require(v["walk_speed"]) - 0.5) < 1e-9)
        #expect(abs(try #require(v["foot_slip_max"]) - 0.01) < 1e-12)
        // Both soles: the CoP at their midpoint is 0.11 m from the hull's front and back; on the left sole alone,
        // at its centre, 0.05 m from its sides.
        #expect(abs(try #require(v["zmp_margin_min"]) - 0.05) < 1e-9)
        // 5 mm, and the sliding foot's share of the CoM (1.2 kg of 50.7 kg moved 1 cm: 0.24 mm).
        #expect(abs(try #require(v["com_tracking_rms"]) - 0.005) < 3e-4)
        let cot = try #require(v["cost_of_transport"])
        #expect(abs(cot - 10 * 1.999 / (mass.totalMass * 9.81 * 0.9995)) < 1e-9)
        #expect(v["steps_taken"] == 1)
        // The base ends 0.9995 m ahead of where the first tick saw it (and 0.2 mm of sway to the side).
        #expect(abs(try #require(v["walk_final_offset"]) - 0.9995) < 1e-6)
    }

    /// A humanoid walk scenario whose task lines are `task`.
    private func walk(_ task: String, base: String = "{ position: [0, 0, 0.921] }") -> String {
        """
        name: walk-errors
        duration: 2.0
        robot:
          urdf: \(repoRoot.path)/Scenarios/robots/humanoid.urdf
          base: \(base)
        controller:
          type: pd_gravity
          gains: { kp: 1500, kd: 10 }
        task:
          type: walk
          commands: [{ at: 0.5, vx: 0.2 }]
        \(task)
        """
    }

    @Test("a foot link the robot lacks, or a fixed base, is an input error naming the line")
    func loadErrors() throws {
        let text = walk("  feet: [left_foot, nose]")
        let (scenario, model) = try ScenarioLoader.parse(text: text, path: "/tmp/walk-errors.yaml")
        let error = try #require(throws: RuntimeError.self) { try Simulation(scenario: scenario, model: model) }
        #expect(error.isInvalidInput)
        #expect(error.message.contains("/tmp/walk-errors.yaml:12") && error.message.contains("has no link 'nose'"), "\(error.message)")
        let fixed = walk("", base: "{ position: [0, 0, 0.921], fixed: true }")
        let (s2, m2) = try ScenarioLoader.parse(text: fixed, path: "/tmp/walk-errors.yaml")
        let e2 = try #require(throws: RuntimeError.self) { try Simulation(scenario: s2, model: m2) }
        #expect(e2.message.contains("needs a floating-base robot"))
    }
}

@Suite struct StepRecoveryTests {
    @Test("humanoid-step-recover: the 220 N shove fells pd_gravity standing (the ankle strategy), and the stand task survives it by stepping")
    func steppingSurvivesWhatTheAnkleStrategyCannot() throws {
        let path = bundledScenario("humanoid-step-recover")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let (scenario, model) = try ScenarioLoader.parse(text: text, path: path)
        let stepping = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(stepping.outcome == .success, "\(stepping.criteria)")
        #expect((stepping.metrics["steps_taken"] ?? 0) >= 1)
        // The same shove on humanoid-push's controller and task: joint PD with gravity compensation holding q = 0.
        var ankle = ""
        var skip = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("controller:") {
                ankle += "controller:\n  type: pd_gravity\n  gains: { legs: { kp: 1500, kd: 10 }, torso: { kp: 800, kd: 10 }, arms: { kp: 200, kd: 2 }, neck: { kp: 50, kd: 0.5 } }\ntask:\n  type: hold\n"
                skip = true
                continue
            }
            if line.hasPrefix("disturbances:") { skip = false }
            if line.hasPrefix("success:") { ankle += "success:\n  - { metric: base_height_min, above: 0.7 }\n"; break }
            if !skip { ankle += line + "\n" }
        }
        let (s2, m2) = try ScenarioLoader.parse(text: ankle, path: path)
        let standing = try Runner.run(try Simulation(scenario: s2, model: m2))
        #expect(standing.fell, "pd_gravity standing should fall from the 220 N shove")
    }
}

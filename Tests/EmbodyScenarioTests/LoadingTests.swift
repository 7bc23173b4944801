// MARK: - Loading valid scenarios

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Loading")
struct LoadingTests {
    @Test("a minimal scenario loads with every default filled in")
    func minimalDefaults() throws {
        let scenario = try #require(loaded(minimalArm))
        #expect(scenario.name == "minimal")
        #expect(scenario.description == "")
        #expect(scenario.seed == 0)
        #expect(scenario.duration == 1.0)
        #expect(scenario.physics == PhysicsSpec(dt: 0.001, substeps: 1, gravity: [0, 0, -9.81], solverIterations: 50,
                                                integrator: "euler", physicsRate: 1000))
        #expect(scenario.rates == RatesSpec(control: 1000, perception: 1000, planning: 10))
        #expect(scenario.world == WorldSpec(ground: true, groundFriction: 1.0, objects: []))
        #expect(scenario.robot.urdf == "robots/arm7.urdf")
        #expect(scenario.robot.urdfPath == scenariosDir + "/robots/arm7.urdf")
        #expect(scenario.robot.base == BaseSpec(position: [0, 0, 0], rpy: [0, 0, 0], fixed: true))
        #expect(scenario.robot.selfCollision == false)
        #expect(scenario.robot.initialQ.isEmpty)
        #expect(scenario.robot.groups["fingers"] == ["finger_left_joint", "finger_right_joint"])
        #expect(scenario.robot.groups["all"]?.count == 9)
        #expect(scenario.robot.groups["legs"] == nil)
        #expect(scenario.controller.type == "pd")
        #expect(scenario.controller.torqueLimitScale == 1.0)
        #expect(scenario.task.type == "hold")
        #expect(scenario.task.kind.hold?.q.isEmpty == true)
        #expect(scenario.disturbances.isEmpty)
        #expect(scenario.termination == TerminationSpec(baseHeightBelow: nil))
        #expect(scenario.success.isEmpty)
        #expect(scenario.sourcePath == inlinePath)
        #expect(scenario.sourceText == minimalArm)
        #expect(scenario.physicsSteps == 1000)
        #expect(scenario.controlEvery == 1 && scenario.planningEvery == 100)
    }

    @Test("every bundled scenario in Scenarios/ loads without errors")
    func bundledScenariosLoad() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: scenariosDir)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 4)
        for file in files {
            do {
                let (scenario, model) = try ScenarioLoader.load(path: scenariosDir + "/" + file)
                #expect(scenario.name + ".yaml" == file || scenario.name + ".json" == file)
                _ = try scenario.controller.resolveGains(jointNames: model.jointNames, groups: scenario.robot.groups)
            } catch {
                Issue.record("\(file) failed to load:\n\(error)")
            }
        }
    }

    @Test("the bundled scenarios say what the brief asks")
    func bundledScenarioContents() throws {
        let (stand, humanoid) = try ScenarioLoader.load(path: scenariosDir + "/humanoid-stand.yaml")
        #expect(stand.robot.base.fixed == false)
        #expect(stand.robot.base.position == [0, 0, 0.921])
        #expect(stand.duration == 10)
        #expect(stand.termination.baseHeightBelow == 0.6)
        #expect(stand.success == [SuccessCriterion(metric: "base_height_min", above: 0.8, location: stand.success[0].location)])
        let gains = try stand.controller.resolveGains(jointNames: humanoid.jointNames, groups: stand.robot.groups)
        let knee = try #require(humanoid.coordinateIndex(ofJoint: "left_knee"))
        let elbow = try #require(humanoid.coordinateIndex(ofJoint: "left_elbow"))
        #expect(gains.kp[knee] > gains.kp[elbow])

        let (push, _) = try ScenarioLoader.load(path: scenariosDir + "/humanoid-push.yaml")
        #expect(push.duration == 8)
        #expect(push.disturbances.map(\.link) == ["torso"])
        #expect(push.disturbances.first?.at == 3 && push.disturbances.first?.duration == 0.1)
        #expect(push.disturbances.first?.force == [60, 0, 0])

        let (waypoints, _) = try ScenarioLoader.load(path: scenariosDir + "/arm-joint-waypoints.yaml")
        #expect(waypoints.task.type == "joint_waypoints")
        #expect((3...4).contains(waypoints.task.kind.waypoints?.waypoints.count ?? 0))
        #expect(waypoints.duration == 6)
    }

    @Test("the JSON and YAML versions of arm-hold give the same scenario")
    func jsonEqualsYAML() throws {
        let json = try String(contentsOfFile: repoRoot + "/Tests/EmbodyScenarioTests/Fixtures/arm-hold.json", encoding: .utf8)
        // Parsed as if it sat beside the YAML, so that robots/arm7.urdf resolves the same way.
        let (fromJSON, jsonModel) = try ScenarioLoader.parse(text: json, path: scenariosDir + "/arm-hold.json")
        let (fromYAML, yamlModel) = try ScenarioLoader.load(path: scenariosDir + "/arm-hold.yaml")
        #expect(fromJSON.withoutSourceInfo() == fromYAML.withoutSourceInfo())
        #expect(fromJSON.name == "arm-hold")
        #expect(fromJSON.controller.gains.count == 8)
        #expect(jsonModel == yamlModel)
        // Locations inside JSON are real line numbers too.
        #expect(fromJSON.robot.initialQ.first?.location.line == line(of: "\"initial\"", in: json))
    }

    @Test("a relative URDF path falls back to the robots/ folder beside the scenario")
    func urdfFallsBackToRobotsFolder() throws {
        let text = minimalArm.replacingOccurrences(of: "urdf: robots/arm7.urdf", with: "urdf: arm7.urdf")
        let scenario = try #require(loaded(text))
        #expect(scenario.robot.urdf == "arm7.urdf")
        #expect(scenario.robot.urdfPath == scenariosDir + "/robots/arm7.urdf")
    }

    @Test("an absolute URDF path works from anywhere")
    func absoluteURDFPath() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let absolute = scenariosDir + "/robots/cartpole.urdf"
        let text = minimalArm.replacingOccurrences(of: "urdf: robots/arm7.urdf", with: "urdf: \(absolute)")
        let path = try dir.write("elsewhere/cart.yaml", text)
        let (scenario, model) = try ScenarioLoader.load(path: path)
        #expect(scenario.robot.urdfPath == absolute)
        #expect(model.jointNames == ["slider", "hinge"])
        #expect(scenario.sourcePath == path)
    }

    @Test("a scenario file that does not exist is one located error")
    func missingScenarioFile() {
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/nothing.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.description == "/nonexistent/nothing.yaml: error: scenario file '/nonexistent/nothing.yaml' does not exist")
        }
    }

    @Test("world objects of every shape load with their defaults")
    func worldObjects() throws {
        let text = minimalArm + """
        world:
          ground: false
          ground_friction: 0.5
          objects:
            - { name: cube, shape: { box: [0.05, 0.05, 0.05] }, mass: 0.2, position: [0.5, 0, 0.05], friction: 0.6 }
            - { name: ball, shape: { sphere: 0.03 }, mass: 0.1 }
            - { name: ball2, shape: { sphere: { radius: 0.04 } }, mass: 0.1, restitution: 0.5 }
            - { name: can, shape: { cylinder: { radius: 0.03, length: 0.1 } }, mass: 0 }
            - { name: pill, shape: { capsule: { radius: 0.02, length: 0.05 } }, mass: 0.05, rpy: [0, 1.57, 0] }
        """
        let world = try #require(loaded(text)).world
        #expect(world.ground == false && world.groundFriction == 0.5)
        #expect(world.objects.map(\.shape) == [.box(size: [0.05, 0.05, 0.05]), .sphere(radius: 0.03), .sphere(radius: 0.04),
                                               .cylinder(radius: 0.03, length: 0.1), .capsule(radius: 0.02, length: 0.05)])
        #expect(world.objects[0].position == [0.5, 0, 0.05] && world.objects[0].friction == 0.6)
        #expect(world.objects[1].friction == 0.8 && world.objects[1].restitution == 0 && world.objects[1].rpy == [0, 0, 0])
        #expect(world.objects[2].restitution == 0.5)
        #expect(world.objects[3].mass == 0)
        #expect(world.objects[4].location.line == line(of: "name: pill", in: text))
    }

    @Test("YAML anchors and merge keys are resolved")
    func anchorsAndMerges() throws {
        let text = minimalHumanoid.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: """
          gains:
            legs: &stiff { kp: 1500, kd: 10 }
            torso: { <<: *stiff, kd: 20 }
            kp: 100
        """)
        let scenario = try #require(loaded(text))
        let torso = try #require(scenario.controller.gains.first { $0.selector == "torso" })
        #expect(torso.kp == 1500 && torso.kd == 20)
    }

    @Test("task targets follow hold and waypoint semantics")
    func taskTargets() {
        let names = ["a", "b", "c"]
        let initial = [0.1, 0.2, 0.3]
        var holdTask = HoldTask()
        holdTask.q = [NamedValue(name: "b", value: 1)]
        let hold = TaskSpec(kind: .hold(holdTask))
        #expect(hold.targets(at: 0, jointNames: names, initialQ: initial) == [0.1, 1, 0.3])
        var movesTask = WaypointsTask()
        movesTask.waypoints = [
            Waypoint(at: 1, q: [NamedValue(name: "a", value: 5)]),
            Waypoint(at: 2, q: [NamedValue(name: "c", value: 7)]),
        ]
        let moves = TaskSpec(kind: .jointWaypoints(movesTask))
        #expect(moves.targets(at: 0.5, jointNames: names, initialQ: initial) == [0.1, 0.2, 0.3])
        #expect(moves.targets(at: 1, jointNames: names, initialQ: initial) == [5, 0.2, 0.3])
        #expect(moves.targets(at: 2000 * 0.001, jointNames: names, initialQ: initial) == [5, 0.2, 7])
    }

    @Test("initial q by name fills the others with 0, and success criteria compare strictly")
    func smallHelpers() {
        let robot = RobotSpec(urdf: "x", urdfPath: "/x", initialQ: [NamedValue(name: "b", value: 0.5)])
        #expect(robot.initialPositions(jointNames: ["a", "b"]) == [0, 0.5])
        let criterion = SuccessCriterion(metric: "base_height_min", below: 1, above: 0.8)
        #expect(criterion.isMet(by: 0.9))
        #expect(!criterion.isMet(by: 0.8))
        #expect(!criterion.isMet(by: .nan))
        #expect(PhysicsSpec.rate(forTimeStep: 0.001) == 1000)
        #expect(PhysicsSpec.rate(forTimeStep: 1.0 / 240) == 240)
        #expect(PhysicsSpec.rate(forTimeStep: 0.0003) == nil)
    }
}

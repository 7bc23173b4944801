// MARK: - One test per class of validation error
//
// Each test checks the message text and where it points (line, and column where it matters).

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Validation")
struct ValidationTests {
    // MARK: - Keys

    @Test("an unknown key is reported at the key with the nearest valid name")
    func unknownKeySuggestsNearest() throws {
        let text = minimalArm + "physics: { dtt: 0.002 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "unknown key 'dtt' in physics; did you mean 'dt'?")
        #expect(diagnostic.location.file == inlinePath)
        #expect(diagnostic.location.line == line(of: "dtt", in: text))
        #expect(diagnostic.location.column == column(of: "dtt", in: text))
    }

    @Test("an unknown key with nothing near lists the valid keys")
    func unknownKeyListsValidKeys() throws {
        let text = minimalArm + "rates: { zzz: 5 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "unknown key 'zzz' in rates; valid keys are control, perception, planning")
        #expect(diagnostic.location.line == line(of: "zzz", in: text))
    }

    @Test("unknown keys are found at every level, top level included")
    func unknownKeysAtEveryLevel() throws {
        let text = minimalArm + """
        sed: 3
        world:
          objects:
            - { name: cube, shape: { box: [0.1, 0.1, 0.1] }, mass: 1, fricton: 0.5 }
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "unknown key 'sed' at the top level; did you mean 'seed'?",
            "unknown key 'fricton' in world.objects[0]; did you mean 'friction'?",
        ])
        #expect(found.last?.location.column == column(of: "fricton", in: text))
    }

    @Test("a key given twice in one mapping is an error")
    func duplicateKey() throws {
        let text = minimalArm + "seed: 1\nseed: 2\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "key 'seed' appears more than once in the same mapping")
        #expect(diagnostic.location.line == line(of: "seed: 1", in: text))
    }

    // MARK: - Types

    @Test("wrong types name the key, the unit and what was found")
    func wrongTypes() throws {
        let text = minimalArm + """
        physics:
          dt: fast
          gravity: [0, -9.81]
          substeps: 2.5
        rates: { control: "1000" }
        world: { ground: 1 }
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "physics.dt must be a number (s), found the string 'fast'",
            "physics.gravity must be a list of 3 numbers (m/s²), found a list of 2 items",
            "physics.substeps must be a whole number, found 2.5",
            "rates.control must be a whole number (Hz), found the string '1000'",
            "world.ground must be true or false, found the number 1",
        ])
        #expect(found.map(\.location.line) == ["dt: fast", "gravity:", "substeps:", "rates:", "world:"].map { line(of: $0, in: text) })
        #expect(found[0].location.column == column(of: "fast", in: text))
        #expect(found[1].location.column == column(of: "[0, -9.81]", in: text))
    }

    @Test("a non-integer rate is a type error")
    func nonIntegerRate() throws {
        let text = minimalArm + "rates: { perception: 100.5 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "rates.perception must be a whole number (Hz), found 100.5")
        #expect(diagnostic.location.column == column(of: "100.5", in: text))
    }

    @Test("a section of the wrong kind says what it should be")
    func sectionOfWrongKind() throws {
        let text = minimalArm + "disturbances: { at: 1 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("disturbances must be a list such as [{ at: 2.0"))
        #expect(diagnostic.message.hasSuffix("found a mapping"))
    }

    // MARK: - Units and ranges

    @Test("values out of range name the bound and the value found")
    func wrongRanges() throws {
        let text = """
        name: ranges
        duration: 0
        physics: { dt: -0.001, substeps: 0 }
        robot:
          urdf: robots/arm7.urdf
        controller: { type: pd, gains: { kp: 100, kd: -1 } }
        world:
          ground_friction: -0.5
          objects:
            - { name: cube, shape: { box: [0.1, 0, 0.1] }, mass: -1, restitution: 2 }
        disturbances:
          - { at: 0.5, duration: 0.1, link: link_7, force: [1, 2] }

        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "duration must be greater than 0 s, found 0",
            "physics.dt must be greater than 0 s, found -0.001",
            "physics.substeps must be at least 1, found 0",
            "controller.gains.kd must not be negative, found -1",
            "world.ground_friction must not be negative, found -0.5",
            "world.objects[0].shape.box[1] must be greater than 0 m, found 0",
            "world.objects[0].mass must not be negative, found -1",
            "world.objects[0].restitution must be between 0 and 1, found 2",
            "disturbances[0].force must be a list of 3 numbers (N), found a list of 2 items",
        ])
        #expect(found[0].location.line == 2 && found[0].location.column == 11)
        #expect(found[1].location.line == 3 && found[1].location.column == column(of: "-0.001", in: text))
        #expect(found[5].location.line == 10 && found[5].location.column == column(of: "0, 0.1]", in: text))
    }

    @Test("dt must give a whole number of Hz")
    func dtNotWholeRate() throws {
        let text = minimalArm + "physics: { dt: 0.0003 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("physics.dt 0.0003 s gives a physics rate of 3333.33 Hz, which is not a whole number"))
        #expect(diagnostic.location.line == line(of: "0.0003", in: text))
    }

    @Test("each rate must divide the physics rate exactly")
    func rateNotDividing() throws {
        let text = minimalArm + "rates: { control: 300, planning: 7 }\n"
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "rates.control 300 Hz does not divide the physics rate 1000 Hz; use a divisor such as 250 or 500",
            "rates.planning 7 Hz does not divide the physics rate 1000 Hz; use a divisor such as 5 or 8",
        ])
        #expect(found[0].location.line == line(of: "rates:", in: text))
        #expect(found[0].location.column == column(of: "300", in: text))
        #expect(found[1].location.column == column(of: "7 }", in: text))
    }

    @Test("a rate that divides a non-default physics rate is accepted")
    func rateDividesOtherPhysicsRate() throws {
        let scenario = try #require(loaded(minimalArm + "physics: { dt: 0.002 }\nrates: { control: 250, planning: 5 }\n"))
        #expect(scenario.physics.physicsRate == 500)
        #expect(scenario.rates == RatesSpec(control: 250, perception: 500, planning: 5))
        #expect(scenario.controlEvery == 2)
    }

    @Test("times must be in order and inside the scenario")
    func timesInOrder() throws {
        let text = minimalArm.replacingOccurrences(of: "duration: 1.0", with: "duration: 3.0") + """
        task:
          type: joint_waypoints
          waypoints:
            - { at: 1.0, q: { joint_1: 0.1 } }
            - { at: 1.0, q: { joint_1: 0.2 } }
            - { at: 3.5, q: { joint_1: 0.3 } }
        disturbances:
          - { at: 4.0, duration: 0.1, link: link_7, force: [1, 0, 0] }
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "task.waypoints[1].at 1 s must be later than the previous waypoint's 1 s",
            "task.waypoints[2].at 3.5 s is not before the end of the scenario (duration 3 s)",
            "disturbances[0].at 4 s is not before the end of the scenario (duration 3 s), so the push would never happen",
        ])
    }

    @Test("joint targets outside the joint limits are errors")
    func outsideJointLimits() throws {
        let text = minimalArm.replacingOccurrences(of: "  base: { fixed: true }", with: "  initial: { q: { joint_2: 2.5, finger_left_joint: 0.05 } }")
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "robot.initial.q.joint_2 = 2.5 rad is outside the joint's limits [-2.094395102, 2.094395102] rad",
            "robot.initial.q.finger_left_joint = 0.05 m is outside the joint's limits [0, 0.04] m",
        ])
        #expect(found[0].location.column == column(of: "joint_2", in: text))
    }

    @Test("object names must be unique and shapes must name one kind")
    func objectsChecked() throws {
        let text = minimalArm + """
        world:
          objects:
            - { name: a, shape: { box: [1, 1, 1], sphere: 1 }, mass: 1 }
            - { name: b, shape: { cube: [1, 1, 1] }, mass: 1 }
            - { name: c, shape: { sphere: 0.1 }, mass: 1 }
            - { name: c, shape: { sphere: 0.1 }, mass: 1 }
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "world.objects[0].shape must give exactly one of box, sphere, cylinder, capsule, found box and sphere",
            // The shape is reported (at its '{') before the unknown key inside it.
            "world.objects[1].shape must give exactly one of box, sphere, cylinder, capsule",
            "unknown key 'cube' in world.objects[1].shape; valid keys are box, sphere, cylinder, capsule",
            "world.objects[3]: the object name 'c' is already used at line \(line(of: "name: c", in: text))",
        ])
        #expect(found[3].location.line == line(of: "name: c", in: text) + 1)
    }

    // MARK: - Required keys

    @Test("missing required keys are reported where they belong")
    func missingRequiredKeys() throws {
        let text = """
        description: nothing much
        robot:
          base: { fixed: true }
        task: { q: {} }
        success:
          - { metric: base_height_min }

        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "missing required key 'name', such as name: arm-hold",
            "missing required key 'duration', such as duration: 5.0",
            "missing required key 'robot.urdf', such as urdf: robots/arm7.urdf",
            "missing required key 'task.type', such as type: hold",
            "success[0] needs a bound: below, above or both, such as below: 0.01",
        ])
        #expect(found[0].location == EmbodyModel.SourceLocation(file: inlinePath, line: 1, column: 1))
        #expect(found[2].location.line == 2 && found[2].location.column == 1)
        #expect(found[3].location.line == 4)
    }

    @Test("a robot with joints needs a controller")
    func missingController() throws {
        let text = "name: x\nduration: 1\nrobot: { urdf: robots/cartpole.urdf }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("missing required key 'controller': the robot 'cartpole' has 2 movable joints"))
        #expect(diagnostic.location.line == 1)
    }

    @Test("an empty file reports the required keys")
    func emptyFile() {
        let found = diagnostics("# nothing here\n")
        #expect(found.map(\.message).contains("missing required key 'name', such as name: arm-hold"))
        #expect(found.count == 3)
    }

    // MARK: - URDF

    @Test("a missing URDF file is reported at the robot.urdf value with the resolved path")
    func missingURDF() throws {
        let text = minimalArm.replacingOccurrences(of: "robots/arm7.urdf", with: "robots/nope.urdf")
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "robot.urdf: the file \(scenariosDir)/robots/nope.urdf does not exist (also looked for \(scenariosDir)/robots/robots/nope.urdf)")
        #expect(diagnostic.location.line == line(of: "nope.urdf", in: text))
        #expect(diagnostic.location.column == column(of: "robots/nope.urdf", in: text))
    }

    @Test("a URDF that fails to load is reported at robot.urdf with the URDF's own location")
    func brokenURDF() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let urdf = try dir.write("bad.urdf", "<robot name=\"bad\">\n  <link name=\"a\">\n</robot>\n")
        let text = minimalArm.replacingOccurrences(of: "robots/arm7.urdf", with: "bad.urdf")
        let path = try dir.write("s.yaml", text)
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("expected an error")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(error.diagnostics.count == 1)
            #expect(diagnostic.message.hasPrefix("robot.urdf 'bad.urdf' failed to load: \(urdf):"))
            #expect(diagnostic.message.contains("error:"))
            #expect(diagnostic.location == EmbodyModel.SourceLocation(file: path, line: line(of: "bad.urdf", in: text),
                                                                     column: column(of: "bad.urdf", in: text)))
        }
    }

    // MARK: - Names checked against the robot

    @Test("joint names the robot does not have are reported with the nearest joint")
    func unknownJointNames() throws {
        let text = minimalArm.replacingOccurrences(of: "  base: { fixed: true }", with: "  initial: { q: { joint_22: 0.1, hand_joint: 0 } }") + """
        task: { type: hold, q: { jiont_2: 0.5 } }
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "robot.initial.q: the robot 'arm7' has no joint 'joint_22'; did you mean 'joint_2'?",
            "robot.initial.q: joint 'hand_joint' of the robot 'arm7' is fixed and has no position; movable joints are joint_1, joint_2, joint_3, joint_4, joint_5, joint_6, joint_7, finger_left_joint, finger_right_joint",
            "task.q: the robot 'arm7' has no joint 'jiont_2'; did you mean 'joint_2'?",
        ])
        #expect(found[0].location.column == column(of: "joint_22", in: text))
        #expect(found[2].location.line == line(of: "jiont_2", in: text))
    }

    @Test("joint names in waypoints and group members are checked too")
    func unknownJointNamesInWaypointsAndGroups() throws {
        let text = minimalArm.replacingOccurrences(of: "  base: { fixed: true }", with: "  groups: { wrist: [joint_5, joint_9] }") + """
        task:
          type: joint_waypoints
          waypoints: [{ at: 0, q: { elbow: 1 } }]
        """
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "robot.groups.wrist: the robot 'arm7' has no joint 'joint_9'; did you mean 'joint_1'?",
            "task.waypoints[0].q: the robot 'arm7' has no joint 'elbow'; valid joints are joint_1, joint_2, joint_3, joint_4, joint_5, joint_6, joint_7, finger_left_joint, finger_right_joint",
        ])
    }

    @Test("a gains selector that is neither a group nor a joint is reported with a suggestion")
    func unknownGainsSelector() throws {
        let text = minimalArm.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: "  gains: { kp: 100, fingerz: { kp: 5 } }")
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "unknown joint or group 'fingerz' in controller.gains; did you mean 'fingers'?")
        #expect(diagnostic.location.column == column(of: "fingerz", in: text))
    }

    @Test("a disturbance on a link the robot does not have is reported at the link")
    func unknownLink() throws {
        let text = minimalHumanoid + "disturbances:\n  - { at: 0.5, duration: 0.1, link: torsoo, force: [60, 0, 0] }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "disturbances[0].link: the robot 'humanoid' has no link 'torsoo'; did you mean 'torso'?")
        #expect(diagnostic.location.line == line(of: "torsoo", in: text))
        #expect(diagnostic.location.column == column(of: "torsoo", in: text))
    }

    // MARK: - Types, tasks and metrics by name

    @Test("an unknown controller type lists the valid ones")
    func unknownControllerType() throws {
        let text = minimalArm.replacingOccurrences(of: "type: pd", with: "type: pdd")
        let diagnostic = try #require(onlyDiagnostic(text))
        // The list is every ControllerKind.Name, in declaration order (pd, pid, pd_gravity, …, osc, external, …).
        #expect(diagnostic.message == "unknown controller type 'pdd'; did you mean 'pd'? (valid controller types: \(ScenarioSchema.controllerTypes.joined(separator: ", ")))")
        #expect(ScenarioSchema.controllerTypes.starts(with: ["pd", "pid", "pd_gravity", "computed_torque", "stable_pd", "osc"]))
        #expect(diagnostic.location.column == column(of: "pdd", in: text))
    }

    @Test("an unknown task type lists the valid ones")
    func unknownTaskType() throws {
        let text = minimalArm + "task: { type: waypoints }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "unknown task type 'waypoints'; did you mean 'joint_waypoints'? (valid task types: hold, joint_waypoints, joint_trajectory, joint_sine, ee_targets, move_to, reach_object, walk, stand)")
        #expect(diagnostic.location.line == line(of: "waypoints", in: text))
        #expect(diagnostic.location.column == column(of: "waypoints", in: text))
        let far = try #require(onlyDiagnostic(minimalArm + "task: { type: hover }\n"))
        #expect(far.message == "unknown task type 'hover' (valid task types: hold, joint_waypoints, joint_trajectory, joint_sine, ee_targets, move_to, reach_object, walk, stand)")
    }

    @Test("task keys that belong to the other task type are errors")
    func taskKeysForTheOtherType() throws {
        let text = minimalArm + "task:\n  type: joint_waypoints\n  q: { joint_1: 1 }\n"
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "missing required key 'task.waypoints', such as waypoints: [{ at: 0, q: { joint_1: 0.5 } }]",
            "task.q is not used by task type joint_waypoints (it belongs to hold)",
        ])
    }

    @Test("an unknown metric suggests the nearest one")
    func unknownMetric() throws {
        let text = minimalArm + "success:\n  - { metric: final_joint_err_max, below: 0.01 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("unknown metric 'final_joint_err_max'; did you mean 'final_joint_error_max'? (valid metrics: final_joint_error_max, "))
        #expect(diagnostic.location.line == line(of: "final_joint_err_max", in: text))
        #expect(diagnostic.location.column == column(of: "final_joint_err_max", in: text))
    }

    // MARK: - Syntax

    @Test("a YAML syntax error is one diagnostic with Yams's line and column")
    func yamlSyntaxError() throws {
        let text = minimalArm + "physics: { dt: 0.001\nrates: { control: 100 }\n"
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("syntax error: did not find expected ',' or '}'"))
        #expect(diagnostic.message.contains("while parsing a flow mapping at line \(line(of: "physics:", in: text)), column 10"))
        #expect(diagnostic.location.line == line(of: "rates:", in: text))
        #expect(diagnostic.location.column == 6)
    }

    @Test("a JSON syntax error is located the same way")
    func jsonSyntaxError() throws {
        let text = "{\n  \"name\": \"x\",\n  \"duration\": 1.0,,\n  \"robot\": {}\n}\n"
        let diagnostic = try #require(onlyDiagnostic(text, path: scenariosDir + "/inline.json"))
        #expect(diagnostic.message.hasPrefix("syntax error:"))
        #expect(diagnostic.location.file == scenariosDir + "/inline.json")
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.location.column == 19)
    }

    // MARK: - Many errors at once

    @Test("every problem in a file is reported at once, sorted by line then column")
    func multipleErrorsSorted() throws {
        let text = """
        name: many
        duration: -1
        physics: { dt: 0.001, substep: 2 }
        robot:
          urdf: robots/arm7.urdf
          initial: { q: { joint_8: 0.1 } }
        rates: { control: 300 }
        controller: { type: pd, gains: { kd: 1 } }
        task: { type: hold }
        success:
          - { metric: base_heigth_min, above: 0.8 }

        """
        let errors: ScenarioErrors
        switch load(text) {
        case .success: Issue.record("expected errors"); return
        case .failure(let found): errors = found
        }
        #expect(errors.diagnostics.map(\.message) == [
            "duration must be greater than 0 s, found -1",
            "unknown key 'substep' in physics; did you mean 'substeps'?",
            "robot.initial.q: the robot 'arm7' has no joint 'joint_8'; did you mean 'joint_1'?",
            "rates.control 300 Hz does not divide the physics rate 1000 Hz; use a divisor such as 250 or 500",
            "no kp for joints joint_1, joint_2, joint_3, joint_4, joint_5, joint_6, joint_7, finger_left_joint, finger_right_joint: give controller.gains.kp for all joints, or a group or joint entry with kp that covers them",
            "unknown metric 'base_heigth_min'; did you mean 'base_height_min'? (valid metrics: \(ScenarioSchema.metrics.joined(separator: ", ")))",
        ])
        #expect(errors.diagnostics.map(\.location.line) == [2, 3, 6, 7, 8, 11])
        let lines = errors.description.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0] == "\(inlinePath):2:11: error: duration must be greater than 0 s, found -1")
        #expect(lines[1].hasPrefix("\(inlinePath):3:23: error: unknown key 'substep'"))
    }

    @Test("ScenarioErrors sorts by line then column and keeps the order of ties")
    func errorsSortStably() {
        let file = "f.yaml"
        let errors = ScenarioErrors([
            ScenarioDiagnostic(location: EmbodyModel.SourceLocation(file: file, line: 3, column: 1), message: "c"),
            ScenarioDiagnostic(location: EmbodyModel.SourceLocation(file: file, line: 1, column: 9), message: "b"),
            ScenarioDiagnostic(location: EmbodyModel.SourceLocation(file: file, line: 1, column: 2), message: "a"),
            ScenarioDiagnostic(location: EmbodyModel.SourceLocation(file: file, line: 3, column: 1), message: "d"),
        ])
        #expect(errors.diagnostics.map(\.message) == ["a", "b", "c", "d"])
        #expect(errors.description == "f.yaml:1:2: error: a\nf.yaml:1:9: error: b\nf.yaml:3:1: error: c\nf.yaml:3:1: error: d")
    }
}

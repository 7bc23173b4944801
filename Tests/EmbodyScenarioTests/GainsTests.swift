// MARK: - Gains resolution

import EmbodyModel
import Testing
@testable import EmbodyScenario

@Suite("Gains")
struct GainsTests {
    let joints = ["left_hip", "left_knee", "right_knee", "neck_yaw"]
    let groups = ScenarioSchema.inferredGroups(jointNames: ["left_hip", "left_knee", "right_knee", "neck_yaw"])

    @Test("built-in groups are inferred from joint names")
    func inferredGroups() {
        #expect(groups["legs"] == ["left_hip", "left_knee", "right_knee"])
        #expect(groups["neck"] == ["neck_yaw"])
        #expect(groups["all"] == joints)
        #expect(groups["arms"] == nil)
        let humanoidish = ScenarioSchema.inferredGroups(jointNames: ["torso_yaw", "waist", "l_shoulder", "r_elbow", "wrist", "head_pitch", "gripper", "finger_1"])
        #expect(humanoidish["torso"] == ["torso_yaw", "waist"])
        #expect(humanoidish["arms"] == ["l_shoulder", "r_elbow", "wrist"])
        #expect(humanoidish["neck"] == ["head_pitch"])
        #expect(humanoidish["fingers"] == ["gripper", "finger_1"])
    }

    @Test("a uniform entry applies to every joint; kd and ki default to 0")
    func uniform() throws {
        let controller = ControllerSpec(gains: [GainEntry(kp: 100)])
        let gains = try controller.resolveGains(jointNames: joints, groups: groups)
        #expect(gains == JointGains(kp: [100, 100, 100, 100], kd: [0, 0, 0, 0], ki: [0, 0, 0, 0]))
    }

    @Test("group entries override uniform ones, and joint entries override both, whatever the order")
    func precedence() throws {
        let controller = ControllerSpec(gains: [
            GainEntry(selector: "left_knee", kp: 900),                 // joint: most specific
            GainEntry(selector: "legs", kp: 500, kd: 20),               // group
            GainEntry(kp: 100, kd: 5, ki: 1),                           // uniform
        ])
        let gains = try controller.resolveGains(jointNames: joints, groups: groups)
        #expect(gains.kp == [500, 900, 500, 100])
        #expect(gains.kd == [20, 20, 20, 5])      // the joint entry gave no kd, so the group's stays
        #expect(gains.ki == [1, 1, 1, 1])
    }

    @Test("later group entries override earlier ones; a name that is both a joint and a group is the joint")
    func groupOrderAndAmbiguity() throws {
        var groups = groups
        groups["left_hip"] = ["left_hip", "left_knee"]
        let controller = ControllerSpec(gains: [
            GainEntry(selector: "all", kp: 1),
            GainEntry(selector: "legs", kp: 2),
            GainEntry(selector: "left_hip", kp: 3),
        ])
        let gains = try controller.resolveGains(jointNames: joints, groups: groups)
        #expect(gains.kp == [3, 2, 2, 1])
    }

    @Test("a joint with no kp is an error naming the joints")
    func missingKp() throws {
        let at = EmbodyModel.SourceLocation(file: "s.yaml", line: 7, column: 3)
        let controller = ControllerSpec(gains: [GainEntry(selector: "legs", kp: 10), GainEntry(kd: 1)], gainsLocation: at)
        #expect(throws: ScenarioErrors(ScenarioDiagnostic(location: at, message: "no kp for joint neck_yaw: give controller.gains.kp for all joints, or a group or joint entry with kp that covers them"))) {
            try controller.resolveGains(jointNames: joints, groups: groups)
        }
    }

    @Test("gains from a file resolve per group and per joint")
    func fromFile() throws {
        let text = minimalHumanoid.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: """
          gains:
            kp: 50
            legs: { kp: 1500, kd: 10 }
            left_knee: { kp: 2000 }
        """)
        let (scenario, model) = try ScenarioLoader.parse(text: text, path: inlinePath)
        let gains = try scenario.controller.resolveGains(jointNames: model.jointNames, groups: scenario.robot.groups)
        let index = { (name: String) in model.coordinateIndex(ofJoint: name) ?? -1 }
        #expect(gains.kp[index("left_knee")] == 2000 && gains.kd[index("left_knee")] == 10)
        #expect(gains.kp[index("right_knee")] == 1500)
        #expect(gains.kp[index("neck_yaw")] == 50 && gains.kd[index("neck_yaw")] == 0)
        #expect(scenario.controller.gains.map(\.selector) == [nil, "legs", "left_knee"])
        #expect(scenario.controller.gains[1].location.line == line(of: "legs:", in: text))
    }

    @Test("a missing kp in a file is reported at controller.gains")
    func missingKpInFile() throws {
        let text = minimalHumanoid.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: "  gains: { legs: { kp: 1500 }, arms: { kd: 2 } }")
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message.hasPrefix("no kp for joints torso_yaw, left_shoulder_pitch, "))
        #expect(diagnostic.location.line == line(of: "gains:", in: text))
        #expect(diagnostic.location.column == 3)
    }

    @Test("a rejected gains entry is reported alone, without a missing-kp echo")
    func noMissingKpEcho() throws {
        let text = minimalHumanoid.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: "  gains: { legs: { kp: 1500 }, arms: 200 }")
        let diagnostic = try #require(onlyDiagnostic(text))
        #expect(diagnostic.message == "controller.gains.arms must be a mapping of gains for the group or joint 'arms', such as { kp: 300, kd: 20 }, found the number 200")
        #expect(diagnostic.location.column == column(of: "200", in: text))
    }

    @Test("explicit groups add to and replace the built-in ones")
    func explicitGroups() throws {
        let text = minimalHumanoid.replacingOccurrences(of: "  base: { position: [0, 0, 0.921] }", with: """
          groups:
            ankles: [left_ankle_pitch, left_ankle_roll, right_ankle_pitch, right_ankle_roll]
            neck: [neck_yaw]
        """).replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: "  gains: { kp: 100, ankles: { kp: 300 } }")
        let (scenario, model) = try ScenarioLoader.parse(text: text, path: inlinePath)
        #expect(scenario.robot.groups["ankles"]?.count == 4)
        #expect(scenario.robot.groups["neck"] == ["neck_yaw"])
        #expect(scenario.robot.groups["legs"]?.count == 12)
        let gains = try scenario.controller.resolveGains(jointNames: model.jointNames, groups: scenario.robot.groups)
        #expect(gains.kp[model.coordinateIndex(ofJoint: "left_ankle_roll") ?? -1] == 300)
    }

    @Test("a misspelt gain key is caught as an unknown key")
    func misspeltGainKey() throws {
        let text = minimalArm.replacingOccurrences(of: "  gains: { kp: 100, kd: 1 }", with: "  gains: { kp: 100, kdd: 1, joint_1: { kp: 5, kb: 1 } }")
        let found = diagnostics(text)
        #expect(found.map(\.message) == [
            "unknown key 'kdd' in controller.gains; did you mean 'kd'?",
            "unknown key 'kb' in controller.gains.joint_1; did you mean 'kp'?",
        ])
    }
}

// MARK: - Overrides (`--set KEY=VALUE`)

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Overrides")
struct OverrideTests {
    let withCube = minimalArm + """
    world:
      objects:
        - { name: cube, shape: { box: [0.05, 0.05, 0.05] }, mass: 0.2 }

    """

    @Test("--set physics.dt=0.002 changes dt and the physics rate")
    func setDt() throws {
        let scenario = try #require(loaded(minimalArm, overrides: ["physics.dt=0.002"]))
        #expect(scenario.physics.dt == 0.002)
        #expect(scenario.physics.physicsRate == 500)
        #expect(scenario.rates.control == 500)
        #expect(scenario.overrides == ["physics.dt=0.002"])
        #expect(scenario.sourceText == minimalArm)
    }

    @Test("--set reaches into lists by index")
    func setListItem() throws {
        let scenario = try #require(loaded(withCube, overrides: ["world.objects[0].mass=1", "world.objects[0].shape.box[2]=0.3"]))
        #expect(scenario.world.objects[0].mass == 1)
        #expect(scenario.world.objects[0].shape == .box(size: [0.05, 0.05, 0.3]))
    }

    @Test("--set takes flow values, adds missing keys and can append to a list")
    func setFlowValues() throws {
        let scenario = try #require(loaded(minimalArm, overrides: [
            "physics.gravity=[0, 0, -1.62]",
            "physics.integrator=rk4",
            "controller.gains.fingers={kp: 50, kd: 2}",
            "robot.initial.q.joint_2=0.5",
            "disturbances[0]={at: 0.5, duration: 0.1, link: link_7, force: [5, 0, 0]}",
            "name=renamed",
        ]))
        #expect(scenario.physics.gravity == [0, 0, -1.62])
        #expect(scenario.physics.integrator == "rk4")
        #expect(scenario.controller.gains.last == GainEntry(selector: "fingers", kp: 50, kd: 2,
                                                            location: scenario.controller.gains.last?.location ?? .init(file: "", line: 0)))
        #expect(scenario.robot.initialQ.map(\.name) == ["joint_2"])
        #expect(scenario.robot.initialQ.first?.location.file == "<--set robot.initial.q.joint_2=0.5>")
        #expect(scenario.disturbances.first?.force == [5, 0, 0])
        #expect(scenario.name == "renamed")
    }

    @Test("a flow mapping without a space after ':' gets a hint")
    func missingSpaceAfterColon() throws {
        let found = diagnostics(minimalArm, overrides: ["controller.gains.fingers={kp:50}"])
        #expect(found.map(\.message) == [
            "controller.gains.fingers gives none of kp, kd, ki",
            "unknown key 'kp:50' in controller.gains.fingers; YAML needs a space after ':', as in 'kp: 50'",
        ])
        #expect(found.map(\.location.column) == [26, 27])
    }

    @Test("later overrides win over earlier ones")
    func laterOverrideWins() throws {
        let scenario = try #require(loaded(minimalArm, overrides: ["seed=1", "seed=2"]))
        #expect(scenario.seed == 2)
    }

    @Test("a key path the schema does not have is an error with a suggestion")
    func badPath() throws {
        let diagnostic = try #require(onlyDiagnostic(minimalArm, overrides: ["physics.dtt=0.002"]))
        #expect(diagnostic.message == "--set physics.dtt=0.002: unknown key 'dtt' in physics; did you mean 'dt'?")
        #expect(diagnostic.location == EmbodyModel.SourceLocation(file: "<--set physics.dtt=0.002>", line: 1, column: 9))
    }

    @Test("an index past the end of a list, or on a non-list, is an error")
    func badIndex() throws {
        let found = diagnostics(withCube, overrides: ["world.objects[3].mass=1", "physics[0]=1", "world.objects.mass=1",
                                                      "world.objects[0].position[2]=1"])
        #expect(found.map(\.message) == [
            "--set world.objects[3].mass=1: world.objects[3] does not exist: world.objects has 1 item, so the next one to add is [1]",
            "--set physics[0]=1: physics is not a list, so it has no item [0]",
            "--set world.objects.mass=1: world.objects is a list; pick an item, as in world.objects[0].mass",
            // The file gives no position, so there is no list to index: set the whole value instead.
            "--set world.objects[0].position[2]=1: world.objects[0].position[2] does not exist: world.objects[0].position has 0 items, so the next one to add is [0]",
        ])
        #expect(found[0].location.column == 14)
    }

    @Test("an override without '=' is malformed")
    func badSyntax() throws {
        let diagnostic = try #require(onlyDiagnostic(minimalArm, overrides: ["physics.dt 0.002"]))
        #expect(diagnostic.message == "malformed --set 'physics.dt 0.002': expected KEY=VALUE, such as physics.dt=0.002")
        #expect(diagnostic.location == EmbodyModel.SourceLocation(file: "<--set physics.dt 0.002>", line: 1, column: 1))
    }

    @Test("malformed key paths and values are located inside the override")
    func badKeyPathAndValue() throws {
        let found = diagnostics(minimalArm, overrides: ["physics..dt=1", "=3", "world.objects[x]=1", "physics.gravity=[0, 0"])
        #expect(found.map(\.message) == [
            "malformed key path in --set 'physics..dt=1': expected a key name at column 9",
            "malformed key path in --set '=3': the key is empty; expected KEY=VALUE, such as physics.dt=0.002",
            "malformed key path in --set 'world.objects[x]=1': expected a list index such as [0] at column 14",
            "the value in --set 'physics.gravity=[0, 0' is not valid YAML: syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 17)",
        ])
        #expect(found.map(\.location.file) == ["<--set physics..dt=1>", "<--set =3>", "<--set world.objects[x]=1>", "<--set physics.gravity=[0, 0>"])
    }

    @Test("an overridden value is validated like a value in the file, and located in the override")
    func overriddenValueValidated() throws {
        let found = diagnostics(minimalArm, overrides: ["physics.dt=fast", "rates.control=300"])
        #expect(found.map(\.message) == [
            "physics.dt must be a number (s), found the string 'fast'",
            "rates.control 300 Hz does not divide the physics rate 1000 Hz; use a divisor such as 250 or 500",
        ])
        #expect(found[0].location == EmbodyModel.SourceLocation(file: "<--set physics.dt=fast>", line: 1, column: 12))
        #expect(found[1].location == EmbodyModel.SourceLocation(file: "<--set rates.control=300>", line: 1, column: 15))
    }

    @Test("overriding through a value of the wrong kind in the file is an error")
    func overrideThroughScalar() throws {
        let found = diagnostics(minimalArm + "physics: 5\n", overrides: ["physics.dt=0.002"])
        #expect(found.map(\.message).contains("--set physics.dt=0.002: cannot set physics.dt: physics in the scenario is the number 5, not a mapping"))
        #expect(found.map(\.message).contains("physics must be a mapping such as { dt: 0.001 }, found the number 5"))
    }
}

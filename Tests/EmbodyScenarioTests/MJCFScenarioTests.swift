// MARK: - robot.mjcf: MuJoCo models in scenarios, with their <option> as the physics defaults

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

/// A folder holding `walker.xml` (a two-link MJCF model with the given <option>) and scenarios beside it.
struct MJCFFolder {
    let path: String

    init(option: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("embody-mjcf-scenario-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let model = """
            <mujoco model="two">
              \(option)
              <worldbody>
                <body name="base" pos="0 0 0.5"><freejoint/><geom type="box" size="0.1 0.1 0.1"/>
                  <body name="arm" pos="0.2 0 0"><joint name="elbow" axis="0 1 0" damping="40"/><geom type="capsule" fromto="0 0 0 0.2 0 0" size="0.01"/></body>
                </body>
              </worldbody>
            </mujoco>
            """
        try model.write(toFile: path + "/two.xml", atomically: true, encoding: .utf8)
    }

    func scenario(_ robot: String, extra: String = "") -> String {
        """
        name: mjcf
        duration: 1.0
        \(extra)
        robot:
          \(robot)
        controller:
          type: pd
          gains: { kp: 10, kd: 1 }

        """
    }

    var scenarioPath: String { path + "/s.yaml" }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("robot.mjcf scenarios")
struct MJCFScenarioTests {
    /// timestep 0.005 s (200 Hz) and gravity from <option>; the light arm's damping 40 needs substeps.
    @Test func optionBecomesThePhysicsDefaults() throws {
        let folder = try MJCFFolder(option: "<option timestep=\"0.005\" gravity=\"0 0 -5\"/>")
        defer { folder.remove() }
        let (scenario, model) = try ScenarioLoader.parse(text: folder.scenario("mjcf: two.xml"), path: folder.scenarioPath)
        let substeps = try #require(model.physicsDefaults?.substeps)
        #expect(substeps > 1)
        #expect(scenario.physics.dt == 0.005 && scenario.physics.physicsRate == 200)
        #expect(scenario.physics.gravity == [0, 0, -5] && scenario.physics.substeps == substeps)
        #expect(scenario.rates.control == 200)
        #expect(model.jointNames == ["elbow"])
    }

    /// Keys the scenario writes win; a timestep whose rate is not a whole number of Hz is not taken.
    @Test func scenarioKeysWinOverTheModel() throws {
        let folder = try MJCFFolder(option: "<option timestep=\"0.003\"/>")
        defer { folder.remove() }
        let (plain, _) = try ScenarioLoader.parse(text: folder.scenario("mjcf: two.xml"), path: folder.scenarioPath)
        #expect(plain.physics.dt == 0.001 && plain.physics.gravity == [0, 0, -9.81])
        let (explicit, _) = try ScenarioLoader.parse(
            text: folder.scenario("mjcf: two.xml", extra: "physics: { dt: 0.002, substeps: 1 }"), path: folder.scenarioPath)
        #expect(explicit.physics.dt == 0.002 && explicit.physics.substeps == 1)
        // Given rates that 1/timestep does not divide keep Embody's default step.
        let folder200 = try MJCFFolder(option: "<option timestep=\"0.005\"/>")
        defer { folder200.remove() }
        let (rates, _) = try ScenarioLoader.parse(
            text: folder200.scenario("mjcf: two.xml", extra: "rates: { control: 1000 }"), path: folder200.scenarioPath)
        #expect(rates.physics.dt == 0.001 && rates.rates.control == 1000)
    }

    /// A <mujoco> file also loads as robot.urdf; robot.mjcf insists on MuJoCo's format.
    @Test func urdfKeyTakesMJCFAndMJCFKeyRefusesURDF() throws {
        let folder = try MJCFFolder(option: "")
        defer { folder.remove() }
        let (scenario, _) = try ScenarioLoader.parse(text: folder.scenario("urdf: two.xml"), path: folder.scenarioPath)
        #expect(scenario.physics.dt == 0.002)  // MuJoCo's default timestep, 500 Hz
        try "<robot name=\"r\"><link name=\"a\"/></robot>".write(toFile: folder.path + "/r.urdf", atomically: true, encoding: .utf8)
        let text = folder.scenario("mjcf: r.urdf")
        let d = onlyDiagnostic(text, path: folder.scenarioPath)
        #expect(d?.message.contains("robot.mjcf 'r.urdf' failed to load") == true)
        #expect(d?.message.contains("expected <mujoco>") == true)
        #expect(d?.location.line == lineNumber(of: "mjcf: r.urdf", in: text))
    }

    @Test func bothKeysAreAnError() throws {
        let folder = try MJCFFolder(option: "")
        defer { folder.remove() }
        let text = folder.scenario("mjcf: two.xml\n  urdf: two.xml")
        let d = onlyDiagnostic(text, path: folder.scenarioPath)
        #expect(d?.message.contains("robot.mjcf and robot.urdf are both given") == true)
        #expect(d?.location.line == lineNumber(of: "mjcf: two.xml", in: text))
    }
}

/// The 1-based number of the first line of `text` containing `needle`, or -1.
private func lineNumber(of needle: String, in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.contains(needle) } ?? -2) + 1
}

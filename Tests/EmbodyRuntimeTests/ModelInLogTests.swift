import EmbodyModel
import EmbodyRuntime
import Foundation
import Testing

// MARK: - Logs carry their model: a moved model replays, a changed one is named

@Suite("Model in the log")
struct ModelInLogTests {
    static let mass = #"<inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>"#
    static let tetrahedron = "v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"

    /// A folder holding a one-joint pendulum (its bob a mesh when `mesh`), a scenario for it, and a log of 0.05 s.
    func recordedPendulum(mesh: Bool) throws -> (folder: URL, log: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embody-model-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bob = mesh ? #"<mesh filename="bob.obj"/>"# : #"<sphere radius="0.05"/>"#
        let urdf = """
            <robot name="pendulum"><link name="world"/><link name="arm">\(Self.mass)
              <collision><origin xyz="0 0 -0.5"/><geometry>\(bob)</geometry></collision></link>
            <joint name="hinge" type="continuous"><parent link="world"/><child link="arm"/><axis xyz="0 1 0"/>
              <origin xyz="0 0 2"/></joint></robot>
            """
        try urdf.write(to: folder.appendingPathComponent("pendulum.urdf"), atomically: true, encoding: .utf8)
        try Self.tetrahedron.write(to: folder.appendingPathComponent("bob.obj"), atomically: true, encoding: .utf8)
        let scenario = """
            name: pendulum
            duration: 0.05
            robot: { urdf: pendulum.urdf, base: { fixed: true }, initial: { q: { hinge: 0.3 } } }
            controller: { type: pd, gains: { kp: 1, kd: 0.1 } }
            """
        let path = folder.appendingPathComponent("pendulum.yaml").path
        try scenario.write(toFile: path, atomically: true, encoding: .utf8)
        let log = temporaryPath("emblog")
        let run = try embody(["run", path, "--record", log])
        #expect([0, 2].contains(run.status), "\(run.stderr)")
        return (folder, log)
    }

    @Test func aMovedModelReplays() throws {
        let (folder, log) = try recordedPendulum(mesh: false)
        let moved = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + "-moved")
        defer { try? FileManager.default.removeItem(atPath: log); try? FileManager.default.removeItem(at: moved) }
        try FileManager.default.moveItem(at: folder, to: moved)
        let verify = try embody(["replay", log, "--verify", "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
        #expect(report?["identical"] as? Bool == true)
    }

    @Test func aChangedMeshIsAModelChange() throws {
        let (folder, log) = try recordedPendulum(mesh: true)
        defer { try? FileManager.default.removeItem(atPath: log); try? FileManager.default.removeItem(at: folder) }
        #expect(try embody(["replay", log, "--verify", "--json"]).status == 0, "the unchanged model verifies")
        try Self.tetrahedron.replacingOccurrences(of: "v 0 0 0.1", with: "v 0 0 0.2")
            .write(to: folder.appendingPathComponent("bob.obj"), atomically: true, encoding: .utf8)
        let verify = try embody(["replay", log, "--verify"])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("model changed since recording"), "\(verify.stderr)")
        #expect(verify.stderr.contains("bob.obj"), "\(verify.stderr)")
    }

    @Test func aChangedDescriptionIsAModelChange() throws {
        let (folder, log) = try recordedPendulum(mesh: false)
        defer { try? FileManager.default.removeItem(atPath: log); try? FileManager.default.removeItem(at: folder) }
        let urdf = folder.appendingPathComponent("pendulum.urdf")
        try String(contentsOf: urdf, encoding: .utf8).replacingOccurrences(of: "mass value=\"1\"", with: "mass value=\"2\"")
            .write(to: urdf, atomically: true, encoding: .utf8)
        let verify = try embody(["replay", log, "--verify"])
        #expect(verify.status == 1)
        #expect(verify.stderr.contains("model changed since recording"), "\(verify.stderr)")
        #expect(verify.stderr.contains("pendulum.urdf"), "\(verify.stderr)")
    }
}

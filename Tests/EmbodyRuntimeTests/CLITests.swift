import Foundation
import Testing

// MARK: - The CLI end to end: exit codes, JSON keys, real-time statistics

@Suite("CLI")
struct CLITests {
    @Test func runJSONHasTheSpecifiedKeys() throws {
        let r = try embody(["run", "arm-hold", "--json", "--set", "duration=0.5"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["scenario", "steps", "sim_time", "wall_time", "steps_per_second", "realtime_factor", "success",
                    "fell", "metrics", "final_q", "state_hash"] {
            #expect(object[key] != nil, "missing key \(key)")
        }
        #expect(object["success"] as? Bool == true)
        #expect(object["fell"] as? Bool == false)
        #expect(object["steps"] as? Int == 500)
        #expect((object["final_q"] as? [String: Double])?["joint_2"] != nil)
        #expect((object["state_hash"] as? String)?.count == 16)
        #expect(object["metrics"] is [String: Any])
    }

    @Test func inspectJSONHasTheSpecifiedKeys() throws {
        let r = try embody(["inspect", repoRoot.appendingPathComponent("Scenarios/robots/humanoid.urdf").path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["name"] as? String == "humanoid")
        #expect((o["dof"] as? Int ?? 0) >= 21)
        #expect((o["links"] as? [String])?.contains("pelvis") == true)
        let joints = try #require(o["joints"] as? [[String: Any]])
        #expect(joints.allSatisfy { Set(["name", "type", "parent", "child"]).isSubset(of: $0.keys) })
        #expect(joints.contains { $0["type"] as? String == "revolute" })
        // Movable joints carry their limits.
        #expect(joints.filter { $0["type"] as? String == "revolute" }.allSatisfy { ($0["limits"] as? [String: Double])?["lower"] != nil })
        let mass = try #require(o["total_mass"] as? Double)
        #expect(mass > 40 && mass < 60)
        let standing = try #require(o["standing_height"] as? Double)
        #expect(standing > 0.5 && standing < 1.5)
        #expect((o["groups"] as? [String: [String]])?["legs"]?.isEmpty == false)
        #expect(o["warnings"] is [String])
    }

    /// docs/robots.md's G1 walk-through, run as written: the YAML block after the `g1-stand.yaml` marker, with
    /// G1_URDF replaced by example-robot-data's G1 (installed by scripts/setup.sh).
    @Test func g1WalkThroughStands() throws {
        let doc = try String(contentsOf: repoRoot.appendingPathComponent("docs/robots.md"), encoding: .utf8)
        let afterMarker = try #require(doc.range(of: "<!-- g1-stand.yaml")).upperBound
        let start = try #require(doc.range(of: "```yaml\n", range: afterMarker..<doc.endIndex)).upperBound
        let end = try #require(doc.range(of: "```", range: start..<doc.endIndex)).lowerBound
        let found = try G1WalkTests.g1URDF()
        let yaml = String(doc[start..<end]).replacingOccurrences(of: "G1_URDF", with: found)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("g1-stand-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try embody(["run", file.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["success"] as? Bool == true)
        #expect(o["fell"] as? Bool == false)
        #expect((o["sim_time"] as? Double ?? 0) >= 10 - 1e-9)
    }

    @Test func inspectAScenarioReportsTheInitialPostureAndDefaultQOutsideLimits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("embody-inspect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A one-joint leg whose limits exclude 0: inspect warns; its foot (radius 0.1 at 1 m) sets the height.
        let urdf = """
            <robot name="leg"><link name="hip"><inertial><mass value="1"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial></link>
            <link name="shin"><inertial><mass value="1"/><inertia ixx="1" iyy="1" izz="1" ixy="0" ixz="0" iyz="0"/></inertial>
              <collision><origin xyz="0 0 -1"/><geometry><sphere radius="0.1"/></geometry></collision></link>
            <joint name="knee" type="revolute"><parent link="hip"/><child link="shin"/><axis xyz="0 1 0"/>
              <limit lower="0.5" upper="2" effort="10" velocity="1"/></joint></robot>
            """
        try urdf.write(to: dir.appendingPathComponent("leg.urdf"), atomically: true, encoding: .utf8)
        try "name: leg\nrobot: { urdf: leg.urdf, base: { position: [0, 0, auto], fixed: true }, initial: { q: { knee: 1.0471975511965976 } } }\ncontroller: { type: pd, gains: { kp: 10, kd: 1 } }\nduration: 0.1\n"
            .write(to: dir.appendingPathComponent("s.yaml"), atomically: true, encoding: .utf8)
        let r = try embody(["inspect", dir.appendingPathComponent("s.yaml").path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(abs((o["standing_height"] as? Double ?? 0) - 1.1) < 1e-9)
        #expect(abs((o["standing_height_initial"] as? Double ?? 0) - 0.6) < 1e-9, "cos 60° · 1 m + 0.1 m")
        let warnings = o["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("joint 'knee'") && $0.contains("outside its limits [0.5, 2.0]") })
        let text = try embody(["inspect", dir.appendingPathComponent("leg.urdf").path])
        #expect(text.stdout.contains("standing height 1.1000 m at q = 0"))
        #expect(text.stderr.contains("joint 'knee' starts at q = 0.0 rad, outside its limits"))
    }

    @Test func exitCodes() throws {
        // 0: success.
        #expect(try embody(["run", "arm-hold", "--set", "duration=0.2"]).status == 0)
        // 1: invalid input — a bad scenario, a bad argument, a missing file, a bad --set.
        let bad = temporaryPath("yaml")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        try "name: broken\nduration: -1\nphysics: { dtt: 0.001 }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try embody(["validate", bad])
        #expect(invalid.status == 1)
        #expect(invalid.stderr.contains(":3:"), "\(invalid.stderr)")
        #expect(!invalid.stderr.contains("Fatal error") && !invalid.stderr.contains("Stack dump"))
        #expect(try embody(["run", "no-such-scenario"]).status == 1)
        #expect(try embody(["run", "arm-hold", "--record-every", "0"]).status == 1)
        for (arguments, message) in [(["--spin-us", "5000"], "--spin-us must be between 0 and 1000 µs, got 5000"),
                                     (["--spin-us", "-1"], "--spin-us -1: the value must not be negative"),
                                     (["--timer-slack-ns", "0"], "--timer-slack-ns must be between 1 and 10000000 ns, got 0")] {
            let r = try embody(["run", "arm-hold", "--realtime"] + arguments)
            #expect(r.status == 1 && r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        for alone in [["--spin-us", "10"], ["--timer-slack-ns", "1"], ["--spin-us", "0"]] {
            let r = try embody(["run", "arm-hold"] + alone)
            #expect(r.status == 1 && r.stderr.contains("need --realtime"), "\(alone): \(r.stderr)")
        }
        #expect(try embody(["run", "arm-hold", "--set", "physics.nope=1"]).status == 1)
        #expect(try embody(["replay", "/nonexistent.emblog"]).status == 1)
        #expect(try embody(["inspect", "/nonexistent.urdf"]).status == 1)
        // 2: the criteria failed.
        let failed = try embody(["run", "arm-hold", "--json", "--set", "duration=0.2",
                                 "--set", "success[0].below=0.0000000001"])
        #expect(failed.status == 2, "\(failed.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any]
        #expect(o?["success"] as? Bool == false)
        // --help documents the exit codes.
        let help = try embody(["--help"])
        #expect(help.status == 0 && help.stdout.contains("Exit codes") && help.stdout.contains("3  internal error"))
    }

    @Test func listShowsBundledScenarios() throws {
        let r = try embody(["list"])
        #expect(r.status == 0)
        for name in ["arm-hold", "arm-joint-waypoints", "humanoid-stand", "humanoid-push"] {
            #expect(r.stdout.contains(name))
        }
    }

    /// A 5 s run of a 1 kHz scenario under --realtime prints cycle-time and jitter percentiles, p99 among them.
    @Test func realtimeRunPrintsJitterStatistics() throws {
        let r = try embody(["run", "arm-hold", "--realtime", "--set", "duration=5", "--rt-priority", "10", "--cpu", "0",
                            "--lock-memory"])
        #expect([0, 2].contains(r.status), "\(r.stderr)")
        #expect(r.stdout.contains("jitter") && r.stdout.contains("p99=") && r.stdout.contains("p99.9="), "\(r.stdout)")
        #expect(r.stdout.contains("missed deadlines"))
        #expect(r.stdout.contains("5000 ticks"))
        // SCHED_FIFO threads run with no timer slack (the kernel reports 0); without the priority it is 1 ns.
        #expect(r.stdout.contains("timer slack 0 ns") || r.stdout.contains("timer slack 1 ns"), "\(r.stdout)")
        let wall = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("steps") })
        // Paced: 5 s of simulated time takes at least about 5 s of wall time.
        let seconds = wall.split(separator: " ").compactMap { Double($0) }
        #expect(seconds.count >= 2 && seconds[1] >= 4.9, "\(wall)")
    }
}

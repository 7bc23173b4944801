import CMallocCounter
import EmbodyLocomotion
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

/// Issue 13's "The G1 walks 5 m in CI": the Unitree G1 (29 DoF) from example-robot-data 6.0.0, installed by
/// scripts/setup.sh and located by tools/corpus/example_robot_data_root.py (never copied into the repository),
/// walks under the same `whole_body` controller and `walk` task as the bundled humanoid, with only its
/// parameters changed. Like the other corpus tests (CorpusTests, CLITests.g1WalkThroughStands), these fail
/// rather than skip when the corpus is missing, so CI cannot pass without running them.
@Suite("The G1 walks")
struct G1WalkTests {
    /// The installed G1 URDF's path, or a failure saying how to install it.
    static func g1URDF() throws -> String {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", repoRoot.appendingPathComponent("tools/corpus/example_robot_data_root.py").path,
                           "g1_description/urdf/g1_29dof_rev_1_0.urdf"]
        let pipe = Pipe()
        probe.standardOutput = pipe
        try probe.run()
        let found = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        probe.waitUntilExit()
        try #require(probe.terminationStatus == 0 && FileManager.default.fileExists(atPath: found),
                     "example-robot-data 6.0.0 is not installed; scripts/setup.sh installs it")
        return found
    }

    /// docs/locomotion.md's `g1-walk.yaml` block (after its marker), with G1_URDF replaced by the installed URDF.
    static func documentedScenario() throws -> String {
        let doc = try String(contentsOf: repoRoot.appendingPathComponent("docs/locomotion.md"), encoding: .utf8)
        let afterMarker = try #require(doc.range(of: "<!-- g1-walk.yaml")).upperBound
        let start = try #require(doc.range(of: "```yaml\n", range: afterMarker..<doc.endIndex)).upperBound
        let end = try #require(doc.range(of: "```", range: start..<doc.endIndex)).lowerBound
        return String(doc[start..<end]).replacingOccurrences(of: "G1_URDF", with: try g1URDF())
    }

    /// The G1's soles from its real URDF: each ankle_roll link's four 5 mm spheres give a trapezoid 0.17 m long,
    /// 0.06 m wide at the toe and 0.05 m at the heel, centred at (0.035, 0, −0.035) m in the link.
    @Test func g1SolesComeFromItsFootSpheres() throws {
        let model = try URDFLoader.load(path: try Self.g1URDF())
        for name in ["left_ankle_roll_link", "right_ankle_roll_link"] {
            let link = try #require(model.linkIndex(named: name))
            let sole = try SoleGeometry(footLink: model.links[link], link: link, down: Vector3(0, 0, -1))
            #expect(length(sole.frame.position - Vector3(0.035, 0, -0.035)) < 1e-12, "\(name): \(sole.frame.position)")
            #expect(sole.frame.rotation.angle(to: .identity) < 1e-12)
            #expect(abs(sole.halfLength - 0.085) < 1e-12 && abs(sole.halfWidth - 0.03) < 1e-12)
            let expected = [Vector3(0.085, 0.03, 0), Vector3(-0.085, 0.025, 0), Vector3(-0.085, -0.025, 0), Vector3(0.085, -0.03, 0)]
            for k in 0..<4 { #expect(length(sole.corner(k) - expected[k]) < 1e-12, "\(name) corner \(k): \(sole.corner(k))") }
        }
    }

    /// The documented scenario, run as written: the G1 walks at least 5 m (0.45 m/s commanded for 12.5 s), stops
    /// and stands to the end without a fall, with its stance feet still (slip under 5 mm; measured 0.2 mm), the
    /// CoM within 2 cm RMS of the reference (measured 5 mm), the pelvis above 0.65 m (measured 0.72 m), no QP
    /// fallback tick, no saturation but at the ankle pitch joints, and no heap allocation in a tick after the
    /// first ten. Simulates 15 s (about 30 s of CPU in a debug build).
    @Test func g1WalksFiveMetres() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("g1-walk-\(UUID().uuidString).yaml")
        try Self.documentedScenario().write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (scenario, model) = try ScenarioLoader.load(path: file.path)
        #expect(model.dof == 29)
        // Stepped here rather than by Runner.run, so that the walk's ticks are also checked to allocate nothing
        // after a warm-up of ten (as LoopTests does for the bundled scenarios).
        let sim = try Simulation(scenario: scenario, model: model)
        for _ in 0..<10 { try sim.step() }
        let before = emb_test_thread_allocations()
        while !sim.isFinished { try sim.step() }
        let allocations = emb_test_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) heap allocations in the G1's steady-state ticks")
        let summary = try sim.finish(wallTime: 0)
        let m = summary.metrics
        let report = "\(summary.outcome) \(m)"
        #expect(summary.success, "\(report)")
        #expect(summary.outcome == .success)
        #expect(!summary.fell, "fell at \(summary.fellAt ?? .nan) s")
        #expect(abs(summary.simTime - 15) < 1e-9, "the run ended at \(summary.simTime) s")
        #expect(try #require(m["walk_distance"]) >= 5.0, "\(report)")
        #expect(try #require(m["walk_speed"]) > 0.4)
        #expect(try #require(m["foot_slip_max"]) < 0.005)
        #expect(try #require(m["com_tracking_rms"]) < 0.02)
        #expect(try #require(m["base_height_min"]) > 0.65)
        #expect(try #require(m["wbc_qp_failures"]) == 0)
        // 0.225 m steps of 0.5 s for 12.5 s: about 25 touchdowns, each foot alternating.
        let steps = try #require(m["steps_taken"])
        #expect(steps >= 20 && steps <= 30, "\(steps) steps")
        for (joint, fraction) in summary.saturation where !joint.contains("ankle_pitch") {
            #expect(fraction == 0, "\(joint) saturated \(fraction) of the time")
        }
    }
}

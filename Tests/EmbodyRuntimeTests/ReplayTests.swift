import EmbodyModel
import EmbodyRuntime
import Foundation
import Testing

// MARK: - Record, replay --verify, damage and truncation, through the CLI

@Suite("Record and replay")
struct ReplayTests {
    /// Record, then `replay --verify`, passes for an arm scenario and a humanoid scenario.
    @Test(arguments: ["arm-joint-waypoints", "humanoid-push"])
    func recordThenVerifyPasses(name: String) throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let (scenario, _) = try loadBundled(name)
        let run = try embody(["run", name, "--record", log])
        #expect([0, 2].contains(run.status), "\(run.stderr)")
        let verify = try embody(["replay", log, "--verify", "--json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(verify.stdout.utf8)) as? [String: Any]
        #expect(report?["identical"] as? Bool == true)
        let ticks = Int((scenario.duration / scenario.physics.dt).rounded())
        #expect((report?["records_checked"] as? Int ?? 0) == ticks + 1)
    }

    /// `replay` recomputes the run's state hash from the log, also when estimate and sensor channels follow the
    /// world's state in each record.
    @Test(arguments: ["arm-hold", "humanoid-sensors"])
    func replayReportsTheRunsStateHash(name: String) throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let run = try embody(["run", name, "--json", "--record", log, "--set", "duration=0.05"])
        #expect([0, 2].contains(run.status), "\(run.stderr)")
        let replay = try embody(["replay", log, "--json"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let ran = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let replayed = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any]
        let hash = ran?["state_hash"] as? String
        #expect(hash != nil)
        #expect(replayed?["state_hash"] as? String == hash)
    }

    /// Changing one byte of a recorded state never passes: the record's checksum catches it (exit 1, the damaged
    /// record named), and a re-checksummed change is caught by re-simulation (exit 2, the tick and variable named).
    @Test func changedStateByteFailsVerify() throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        #expect(try embody(["run", "arm-hold", "--record", log, "--set", "duration=0.5"]).status == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        // Damage a byte in the middle of the 200th record's values.
        let reader = try LogReader(path: log)
        var offset = reader.byteOffset
        for _ in 0..<200 { _ = try reader.next() }
        offset = reader.byteOffset + 4 + 8 + 3
        bytes[offset] ^= 0x5a
        let damaged = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: damaged) }
        try bytes.write(to: URL(fileURLWithPath: damaged))
        let result = try embody(["replay", damaged, "--verify"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("record 200"), "\(result.stderr)")

        // Now change a value and rewrite the record with a valid checksum: re-simulation must catch it.
        let original = try LogReader(path: log)
        var records = try original.readAll()
        let channel = original.header.channels.firstIndex(of: "qd.joint_2")!
        records[150].values[channel] = records[150].values[channel].nextUp
        let forged = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: forged) }
        let writer = try LogWriter(path: forged, header: original.header)
        for r in records { try writer.append(tick: r.tick, values: r.values, events: r.events) }
        try writer.close()
        let diverged = try embody(["replay", forged, "--verify"])
        #expect(diverged.status == 2, "\(diverged.stdout)\(diverged.stderr)")
        #expect(diverged.stdout.contains("tick 150") && diverged.stdout.contains("qd.joint_2"), "\(diverged.stdout)")
    }

    /// A log truncated at an arbitrary byte still exports all of its complete records.
    @Test func truncatedLogExportsCompleteRecords() throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        #expect(try embody(["run", "arm-hold", "--record", log, "--set", "duration=0.2"]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
        let full = try LogReader(path: log).readAll().count
        var generator = SplitMix64(seed: 42)
        for _ in 0..<6 {
            let cut = Int(generator.next() % UInt64(bytes.count))
            let path = temporaryPath("emblog")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            guard let reader = try? LogReader(path: path) else {
                // Cut inside the header: export must fail cleanly with exit 1.
                let result = try embody(["export", path])
                #expect(result.status == 1 && !result.stderr.isEmpty)
                continue
            }
            let complete = try reader.readAll().count
            #expect(complete < full || cut == bytes.count)
            let csv = try embody(["export", path, "--format", "csv"])
            #expect(csv.status == 0, "\(csv.stderr)")
            let lines = csv.stdout.split(whereSeparator: \.isNewline)
            #expect(lines.count == complete + 1, "cut at byte \(cut): \(lines.count - 1) rows for \(complete) records")
            #expect(lines.first?.hasPrefix("tick,t [s],q.joint_1 [rad]") == true)   // export names columns with units
        }
    }
}

/// A small deterministic generator for picking cut points.


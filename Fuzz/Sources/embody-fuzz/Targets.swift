// MARK: - The fuzz targets: one entry per loader of untrusted input
//
// Each target feeds libFuzzer's bytes to one loader exactly as the CLI would hand it a user's file, and
// returns. A thrown error is the loader doing its job; a trap, a crash, a hang (libFuzzer's -timeout) or
// an allocation past the memory limit (-rss_limit_mb, -malloc_limit_mb) is a finding. Adding a loader
// (MJCF, sweep documents, …) is one more `FuzzTarget` in `FuzzTargets.all` and, optionally, a folder of
// seeds under Fuzz/Corpus/<name>; scripts/fuzz.sh runs every target the binary lists.

import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// One loader under fuzzing.
struct FuzzTarget: Sendable {
    /// The name used by EMBODY_FUZZ_TARGET, Fuzz/Corpus/<name> and the report.
    let name: String
    /// What the target feeds its input to.
    let summary: String
    /// Feeds one input to the loader. Must not keep state between calls.
    let run: @Sendable (UnsafeRawBufferPointer) -> Void
    /// Valid inputs generated from the repository at fuzz time (bundled files, a fresh log), as
    /// (file name, bytes); they start the corpus next to the committed seeds.
    let seeds: @Sendable () throws -> [(String, Data)]
}

enum FuzzTargets {
    static let all: [FuzzTarget] = [scenario, urdf, mjcf, log, logContent]

    // MARK: Scenario loader

    /// The scenario text (YAML or JSON) is loaded as if it were Scenarios/fuzz.yaml, so `robots/…` URDF paths
    /// resolve to the bundled robots and the whole loader runs: document, overrides, sections, URDF, model checks.
    /// Bytes after the first NUL are `--set` overrides, one per further NUL-separated field.
    static let scenario = FuzzTarget(
        name: "scenario",
        summary: "ScenarioLoader.parse (YAML/JSON document, --set overrides, sections, URDF, model checks)",
        run: { bytes in
            let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
            let text = String(decoding: fields.first ?? bytes[...], as: UTF8.self)
            let overrides = fields.dropFirst().map { String(decoding: $0, as: UTF8.self) }
            _ = try? ScenarioLoader.parse(text: text, path: Paths.scenarioPath, overrides: overrides)
        },
        seeds: {
            try Paths.bundledFiles(in: Paths.scenariosDirectory, extensions: ["yaml", "yml", "json"])
        })

    // MARK: URDF loader

    /// The URDF text is parsed as if it were Scenarios/robots/fuzz.urdf, so relative mesh paths resolve
    /// against the bundled robots' folder.
    static let urdf = FuzzTarget(
        name: "urdf",
        summary: "URDFLoader.parse (XML tree, links, joints, inertias, meshes, tree checks)",
        run: { bytes in
            _ = try? URDFLoader.parse(xml: String(decoding: bytes, as: UTF8.self), path: Paths.urdfPath)
        },
        seeds: {
            try Paths.bundledFiles(in: Paths.scenariosDirectory + "/robots", extensions: ["urdf"])
        })

    // MARK: MJCF loader

    /// The MJCF text is parsed as if it sat in dm_control's suite folder (.corpus/mjcf, installed by
    /// scripts/setup.sh), so its `<include file="./common/…">` lines resolve; without the corpus, in Fuzz/Corpus/mjcf.
    static let mjcf = FuzzTarget(
        name: "mjcf",
        summary: "MJCFLoader.parse (XML tree, includes, defaults, frames, mass properties, bodies to a robot)",
        run: { bytes in
            _ = try? MJCFLoader.parse(xml: String(decoding: bytes, as: UTF8.self), path: Paths.mjcfPath)
        },
        seeds: {
            guard let suite = Paths.mjcfSuiteDirectory else { return [] }
            return try Paths.bundledFiles(in: suite, extensions: ["xml"])
        })

    // MARK: Log reader

    /// The bytes are written to a file and read as a run log, the way `embody replay` reads one: header and
    /// every record with their checksums, then the scenario embedded in the header, then the state hash of
    /// the last record for that scenario's model.
    static let log = FuzzTarget(
        name: "log",
        summary: "LogReader / Replay.read, Replay.scenario(of:), Replay.stateHash (embody replay without --verify)",
        run: { bytes in
            let path = Paths.scratchLogPath
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                fatalError("embody-fuzz: cannot write the scratch log \(path)")
            }
            guard let run = try? Replay.read(path: path) else { return }
            guard let (_, model) = try? Replay.scenario(of: run.header) else { return }
            if let last = run.last {
                _ = Replay.stateHash(of: last, header: run.header, dof: model.dof)
            }
        },
        seeds: {
            // Fresh logs in the current format: short runs of an arm, a humanoid pushed at the start (its push
            // moved into the short run: validation refuses a push after the end) and a humanoid with force-torque,
            // contact and depth-camera sensors, with their end-of-run criterion events.
            var seeds: [(String, Data)] = []
            for (name, overrides) in [("arm-hold", ["duration=0.01"]),
                                      ("humanoid-push", ["duration=0.004", "disturbances[0].at=0", "disturbances[0].duration=0.002"]),
                                      ("humanoid-sensors", ["duration=0.004"])] {
                let path = NSTemporaryDirectory() + "embody-fuzz-seed-\(getpid())-\(name).emblog"
                defer { try? FileManager.default.removeItem(atPath: path) }
                let (scenario, model) = try ScenarioLoader.load(path: Paths.scenariosDirectory + "/\(name).yaml",
                                                                overrides: overrides)
                var options = RunOptions()
                options.recordPath = path
                _ = try Runner.run(try Simulation(scenario: scenario, model: model, options: options))
                seeds.append(("\(name).emblog", try Data(contentsOf: URL(fileURLWithPath: path))))
            }
            return seeds
        })
}

extension FuzzTargets {
    // MARK: Log reader past the checksums

    /// The `log` target's reader, after the harness has rewritten every CRC-32 the bytes frame (the header's
    /// and each complete record's) to match: random bytes almost never pass a checksum, so without this the
    /// fuzzer would only test the checksum checks. This reaches what a log with valid checksums but
    /// inconsistent content does to the reader and to replay (fewer channels than joints, unknown event
    /// kinds, a header whose scenario does not load, …).
    static let logContent = FuzzTarget(
        name: "log-content",
        summary: "as `log`, with the header and record CRC-32s rewritten to match (content past the checksums)",
        run: { bytes in
            var data = [UInt8](bytes)
            LogChecksums.rewrite(&data)
            data.withUnsafeBytes { log.run($0) }
        },
        seeds: { try log.seeds() })
}

/// Rewrites the CRC-32s of a run log (docs/log-format.md): the header's after its JSON, and each complete
/// record's after its payload. Bytes that do not frame a header or a record are left alone.
enum LogChecksums {
    static func rewrite(_ bytes: inout [UInt8]) {
        let preamble = 18
        guard bytes.count >= preamble, bytes.starts(with: Array("EMBODYLOG\n".utf8)) else { return }
        let headerBytes = Int(loadUInt32(bytes, at: 14))
        guard headerBytes <= bytes.count - preamble - 4 else { return }
        storeUInt32(&bytes, at: preamble + headerBytes, LogCRC32.checksum(Array(bytes[preamble..<(preamble + headerBytes)])))
        var offset = preamble + headerBytes + 4
        while offset + 4 <= bytes.count {
            let payload = Int(loadUInt32(bytes, at: offset))
            guard payload <= bytes.count - offset - 8 else { return }
            storeUInt32(&bytes, at: offset + 4 + payload, LogCRC32.checksum(Array(bytes[(offset + 4)..<(offset + 4 + payload)])))
            offset += 8 + payload
        }
    }

    static func loadUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func storeUInt32(_ bytes: inout [UInt8], at offset: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
}

// MARK: - Paths

enum Paths {
    /// The bundled Scenarios/ folder (found as `embody` finds it: $EMBODY_SCENARIOS or the nearest one above
    /// the working directory).
    static let scenariosDirectory: String = {
        guard let directory = BundledScenarios.directory() else {
            fatalError("embody-fuzz: cannot find the bundled Scenarios/ folder; run from the repository")
        }
        return directory
    }()
    static let scenarioPath = scenariosDirectory + "/fuzz.yaml"
    static let urdfPath = scenariosDirectory + "/robots/fuzz.urdf"
    /// dm_control's suite models, when scripts/mjcf-corpus.sh has installed them.
    static let mjcfSuiteDirectory: String? = {
        let corpus = URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent().appendingPathComponent(".corpus/mjcf").path
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).sorted()
        return versions.map { corpus + "/" + $0 + "/dm_control/suite" }.last { FileManager.default.fileExists(atPath: $0) }
    }()
    static let mjcfPath = (mjcfSuiteDirectory ?? URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus/mjcf").path) + "/fuzz.xml"
    /// One scratch file per process, rewritten for every input of the log target.
    static let scratchLogPath = NSTemporaryDirectory() + "embody-fuzz-\(getpid()).emblog"

    /// The files of `directory` with one of `extensions`, sorted by name, as seeds.
    static func bundledFiles(in directory: String, extensions: Set<String>) throws -> [(String, Data)] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            .filter { extensions.contains(($0 as NSString).pathExtension) }
            .map { ($0, try Data(contentsOf: URL(fileURLWithPath: directory + "/" + $0))) }
    }
}

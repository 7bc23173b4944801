// MARK: - Replay: summarize a recorded run, or re-simulate it and check every recorded tick bit for bit

import Foundation
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario

/// The first place a re-simulation differs from its log.
public struct Divergence: Equatable, Sendable, CustomStringConvertible {
    /// The tick of the first differing record.
    public var tick: Int64
    /// The first differing channel, or a reason when the runs differ in length.
    public var channel: String
    /// The logged value.
    public var recorded: Double
    /// The re-simulated value.
    public var replayed: Double

    public var description: String {
        "diverged at tick \(tick) on \(channel): recorded \(recorded) (bits \(hex(recorded.bitPattern))), replayed \(replayed) (bits \(hex(replayed.bitPattern)))"
    }
}

/// The outcome of `replay --verify`.
public struct VerifyReport: Sendable {
    /// How many records matched bit for bit.
    public var recordsChecked: Int
    /// The first divergence, or nil when every record matched.
    public var divergence: Divergence?
    /// Whether the log ended in an incomplete record (a cut-off write), which was ignored.
    public var truncatedTail: Bool
}

/// What a log says about its run, without re-simulating.
public struct RecordedRun: Sendable {
    /// The log header.
    public var header: LogHeader
    /// The number of complete records.
    public var records: Int
    /// The last record.
    public var last: LogRecord?
    /// Every event, with the tick of the record that carried it.
    public var events: [(tick: Int64, event: LogEvent)]
    /// Whether the log ended in an incomplete record.
    public var truncatedTail: Bool
}

/// Reading logs back.
public enum Replay {
    /// Opens a log, reads every complete record, and collects its events.
    public static func read(path: String) throws(LogError) -> RecordedRun {
        let reader = try LogReader(path: path)
        var count = 0
        var last: LogRecord?
        var events: [(Int64, LogEvent)] = []
        while let r = try reader.next() {
            count += 1
            last = r
            for e in r.events { events.append((r.tick, e)) }
        }
        return RecordedRun(header: reader.header, records: count, last: last, events: events,
                           truncatedTail: reader.truncatedTail)
    }

    /// How a recorded run ended, from its log's events (the kind name of each, in order): incomplete when the log
    /// lacks its end (no `run_end` in a log that lists that kind; in an older log, neither a fall nor a final record
    /// at `physicsSteps`), else diverged, else fell, else whether every logged criterion held. The one reading of a
    /// log's outcome, shared by `embody replay`, the viewer and the MCAP export, so a diverged run is never a success.
    public static func outcome(eventKinds: [String], events: some Sequence<String>, lastTick: Int64,
                               physicsSteps: Int) -> RunOutcome {
        var ended = false, fell = false, diverged = false, allPassed = true
        for kind in events {
            switch kind {
            case "run_end": ended = true
            case "fall": fell = true
            case "diverged": diverged = true
            case "criterion_failure": allPassed = false
            default: break
            }
        }
        let complete = eventKinds.contains("run_end") ? ended : (fell || Int64(physicsSteps) <= lastTick)
        if !complete { return .incomplete }
        if diverged { return .diverged }
        if fell { return .fell }
        return allPassed ? .success : .criteriaFailed
    }

    /// Loads the scenario embedded in a log header (with its overrides), as the run saw it.
    ///
    /// A log that carries its model (`LogHeader.modelText`) is checked against the model as it loads today: when the
    /// description's text or a mesh's bytes differ, the error says "model changed since recording" with the file.
    /// When the description is no longer at its recorded path (the model moved), the embedded text is used.
    public static func scenario(of header: LogHeader) throws(RuntimeError) -> (Scenario, RobotModel) {
        var firstError: ScenarioErrors?
        do {
            let loaded = try ScenarioLoader.parse(text: header.scenarioText, path: header.scenarioPath,
                                                  overrides: header.overrides)
            try checkModel(loaded.1, against: header)
            return loaded
        } catch let error as ScenarioErrors {
            firstError = error
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("\(error)")
        }
        // The model moved: load the embedded description from a temporary copy and use it instead.
        if let text = header.modelText, !text.isEmpty, let recordedPath = header.modelPath,
           !FileManager.default.fileExists(atPath: recordedPath) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("embody-replay-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let copy = folder.appendingPathComponent((recordedPath as NSString).lastPathComponent)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try text.write(to: copy, atomically: true, encoding: .utf8)
                let loaded = try ScenarioLoader.parse(text: header.scenarioText, path: header.scenarioPath,
                                                      overrides: header.overrides + ["robot.urdf=\(copy.path)"])
                try checkModel(loaded.1, against: header)
                return loaded
            } catch let error as RuntimeError {
                throw error
            } catch {
                throw RuntimeError("the scenario embedded in the log no longer loads: its model moved from \(recordedPath), and the copy embedded in the log does not load either:\n\(error)")
            }
        }
        throw RuntimeError("the scenario embedded in the log no longer loads:\n\(firstError?.description ?? "")")
    }

    /// Throws "model changed since recording" when the loaded model's text or a mesh's hash differs from the log's.
    static func checkModel(_ model: RobotModel, against header: LogHeader) throws(RuntimeError) {
        guard let text = header.modelText else { return }  // a log from before models were embedded
        if text != model.descriptionText {
            throw RuntimeError("model changed since recording: the robot description \(model.sourcePath) differs from the one the log recorded (\(header.modelPath ?? "?"))")
        }
        let current = Set(model.meshFiles.map(\.hash))
        for (path, hash) in (header.meshHashes ?? [:]).sorted(by: { $0.key < $1.key }) where !current.contains(hash) {
            throw RuntimeError("model changed since recording: the mesh \(path) differs from the one the log recorded (hash \(hash))")
        }
    }

    /// Re-simulates the run recorded at `path` and compares every recorded tick bit for bit.
    public static func verify(path: String) throws(RuntimeError) -> VerifyReport {
        let reader: LogReader
        do { reader = try LogReader(path: path) } catch { throw RuntimeError(error.description) }
        let header = reader.header
        let (scenario, model) = try scenario(of: header)
        let sim = try Simulation(scenario: scenario, model: model)
        let all = sim.channelNames
        // A log written before the plot channels (PlotChannels.swift) existed holds a prefix of today's channels.
        guard all == header.channels || all.starts(with: header.channels) && !header.channels.isEmpty else {
            throw RuntimeError("\(path): the log's channels do not match what this scenario records (\(header.channels.count) against \(all.count))")
        }
        let channels = header.channels
        // An external controller's torques came from the host program: the log's commanded τ stand in for them.
        if let external = sim.controller as? ExternalController {
            external.replay(rows: try loggedTorques(path: path, dof: sim.robot.dof, controlEvery: sim.periods.control))
        }
        var values = [Double](repeating: 0, count: all.count)
        var checked = 0
        while true {
            let record: LogRecord?
            do { record = try reader.next() } catch { throw RuntimeError(error.description) }
            guard let record else { break }
            while Int64(sim.tick) < record.tick && !sim.isFinished { try sim.step() }
            guard Int64(sim.tick) == record.tick else {
                return VerifyReport(recordsChecked: checked,
                                    divergence: Divergence(tick: record.tick, channel: "end of run (the replay ended at tick \(sim.tick))",
                                                           recorded: .nan, replayed: .nan),
                                    truncatedTail: reader.truncatedTail)
            }
            sim.recordValues(into: &values)
            for i in 0..<channels.count where values[i].bitPattern != record.values[i].bitPattern {
                return VerifyReport(recordsChecked: checked,
                                    divergence: Divergence(tick: record.tick, channel: channels[i],
                                                           recorded: record.values[i], replayed: values[i]),
                                    truncatedTail: reader.truncatedTail)
            }
            checked += 1
        }
        return VerifyReport(recordsChecked: checked, divergence: nil, truncatedTail: reader.truncatedTail)
    }

    /// The commanded torques of each control tick of the log at `path`, one row of `dof` per control tick from tick 0:
    /// control tick c's τ is held through ticks c + 1 … c + `controlEvery`, so the first record among those carries it
    /// (channels `tau_cmd.*`, after q and q̇). Throws when the log skips a control tick.
    static func loggedTorques(path: String, dof: Int, controlEvery: Int) throws(RuntimeError) -> [Double] {
        let reader: LogReader
        do { reader = try LogReader(path: path) } catch { throw RuntimeError(error.description) }
        guard reader.header.channels.count >= 3 * dof, controlEvery >= 1 else {
            throw RuntimeError("\(path): the log has no commanded torque channels for its \(dof) joints")
        }
        var rows: [Double] = []
        var next = 0  // the control tick (in control periods) whose torques come next
        while true {
            let record: LogRecord?
            do { record = try reader.next() } catch { throw RuntimeError(error.description) }
            guard let record else { break }
            guard record.tick >= 1 else { continue }
            let period = Int((record.tick - 1) / Int64(controlEvery))
            if period < next { continue }
            guard period == next else {
                throw RuntimeError("\(path): controller type external: the log holds no record between ticks \(next * controlEvery + 1) and \(next * controlEvery + controlEvery), so the torques of control tick \(next * controlEvery) are unknown and cannot be replayed")
            }
            rows.append(contentsOf: record.values[(2 * dof)..<(3 * dof)])
            next += 1
        }
        return rows
    }

    /// Nil when the log's channels hold what its scenario records (q, q̇, commanded and applied τ of every joint,
    /// then the base pose and twist); otherwise why not, for people. Check before indexing records by joint.
    public static func inconsistency(of header: LogHeader, model: RobotModel) -> String? {
        let names = model.jointNames, n = names.count
        let expected = recordChannels(jointNames: names, objectNames: [])
        let prefix = 4 * n + 13
        guard header.channels.count >= prefix else {
            return "the log has \(header.channels.count) channels, fewer than the \(prefix) its robot '\(model.name)' (\(n) joints) records; the log does not belong to its own scenario"
        }
        for i in 0..<prefix where header.channels[i] != expected[i] {
            return "channel \(i) is '\(header.channels[i])' where the scenario's robot records '\(expected[i])'; the log does not belong to its own scenario"
        }
        return nil
    }

    /// The state hash of a log's last record, computed as `World.stateHash()` computes it: over q, q̇, the base
    /// pose and twist, then each object's pose and twist. Commanded and applied τ, and the estimate and sensor
    /// channels after the objects, are not part of the world's state.
    public static func stateHash(of record: LogRecord, header: LogHeader, dof: Int) -> String {
        let channels = header.channels, v = record.values
        var end = 4 * dof + 13
        while end + 13 <= channels.count && isObjectBlock(channels, at: end) { end += 13 }
        var h = StateHasher()
        for i in 0..<(2 * dof) { h.combine(v[i]) }
        for i in (4 * dof)..<end { h.combine(v[i]) }
        return hex(h.value)
    }

    /// Whether the 13 channels from `start` are one object's pose and twist, as `recordChannels` names them.
    private static func isObjectBlock(_ channels: [String], at start: Int) -> Bool {
        guard channels[start].hasSuffix(".x") else { return false }
        let name = channels[start].dropLast(2)
        return zip(objectChannelSuffixes, channels[start...]).allSatisfy { $1 == "\(name).\($0)" }
    }
}

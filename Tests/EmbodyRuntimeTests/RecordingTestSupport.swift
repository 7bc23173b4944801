// MARK: - Helpers shared by the run-log (Recording*) tests

import Foundation
import Testing
@testable import EmbodyRuntime

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct RecordingScratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("embody-recording-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// An absolute path for `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// The bytes of the file at `path` (empty if it cannot be read).
    func bytes(_ path: String) -> [UInt8] {
        FileManager.default.contents(atPath: path).map { Array($0) } ?? []
    }

    /// Writes `bytes` to `name` and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let full = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// The text of the file at `path`.
    func text(_ path: String) -> String {
        String(decoding: bytes(path), as: UTF8.self)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Fixtures: a small header and records with awkward values and a few events.
enum RecordingFixture {
    static let channels = ["q.hip", "qd.hip", "tau.hip"]

    static func header(channels: [String] = channels, recordEvery: Int = 1) -> LogHeader {
        LogHeader(
            embodyVersion: "0.1.0-test",
            scenarioName: "stand \"still\"",
            scenarioPath: "Scenarios/stand.yaml",
            scenarioText: "name: stand\nrobot: robots/hopper.urdf\n# ünïcødé, \"quotes\", \\backslash\\ and a tab\t\n",
            scenarioHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            overrides: ["physics.dt=0.001", "seed=42"],
            seed: UInt64.max - 7,
            dt: 0.001,
            recordEvery: recordEvery,
            channels: channels)
    }

    /// Values that stress round-tripping: NaN with a payload, ±inf, -0, subnormals, extremes, 0.1-like decimals.
    static let awkwardValues: [Double] = [
        0.1, -0.0, .infinity, -.infinity, .nan, Double(bitPattern: 0x7FF8_0000_0000_1234),
        .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -1e-300, 1.0 / 3.0, 123456789.0,
        Double.pi, -2.5e-8, 1e21, 7,
    ]

    /// `count` records of `channelCount` values; every third record carries events (kind, code and value vary).
    static func records(count: Int = 20, channelCount: Int = channels.count, recordEvery: Int = 1) -> [LogRecord] {
        (0..<count).map { index in
            let values = (0..<channelCount).map { channel in
                awkwardValues[(index * channelCount + channel) % awkwardValues.count]
            }
            var events: [LogEvent] = []
            if index % 3 == 1 {
                events.append(LogEvent(kind: UInt8(index % LogHeader.standardEventKinds.count), code: Int32(index) - 10,
                                       value: Double(index) * 0.25))
            }
            if index % 6 == 4 {
                events.append(LogEvent(kind: 2, code: Int32.min, value: .nan))
                events.append(LogEvent(kind: 4, code: Int32.max, value: -.infinity))
            }
            return LogRecord(tick: Int64(index * recordEvery), values: values, events: events)
        }
    }

    /// Writes `records` under `header` to `path` and closes the writer.
    static func write(_ records: [LogRecord], header: LogHeader, to path: String, maxEventsPerRecord: Int = 16) throws {
        let writer = try LogWriter(path: path, header: header, maxEventsPerRecord: maxEventsPerRecord)
        for record in records {
            try writer.append(tick: record.tick, values: record.values, events: record.events)
        }
        try writer.close()
    }

    /// The byte offset of each record's start in a log of `records` under `header`, plus the file size at the end.
    static func recordBoundaries(_ records: [LogRecord], header: LogHeader) throws -> [Int] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var offset = LogFormat.preambleSize + (try encoder.encode(header)).count + 4
        var boundaries = [offset]
        for record in records {
            offset += LogFormat.recordSize(channelCount: record.values.count, eventCount: record.events.count)
            boundaries.append(offset)
        }
        return boundaries
    }
}

/// Bit-exact equality of two Doubles (NaN payloads and signed zeros included).
func recordingSameBits(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern }

/// The numeric fields of one JSONL export line, decoded with JSONDecoder (which parses Doubles exactly,
/// unlike corelibs JSONSerialization); null fields decode as nil, and the "events" array is skipped.
struct RecordingJSONNumbers: Decodable {
    var numbers: [String: Double?] = [:]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys where key.stringValue != "events" {
            numbers[key.stringValue] = try container.decodeNil(forKey: key) ? nil : container.decode(Double.self, forKey: key)
        }
    }
}

// MARK: - Run log format: header, records, events, errors
//
// The byte layout is documented in docs/log-format.md. Everything here is plain data; the
// writer, reader and exporter live in the sibling Recording*.swift files.

import Foundation

// MARK: - Format constants

/// Constants of the binary run-log format written by `embody run --record`.
public enum LogFormat {
    /// The 10 signature bytes every run log starts with: ASCII "EMBODYLOG" and a line feed.
    public static let magic: [UInt8] = Array("EMBODYLOG\n".utf8)

    /// The format version this build writes and reads.
    public static let version: Int = 1

    /// The size in bytes of the fixed prefix before the header JSON: magic, u32 version, u32 header length.
    public static let preambleSize: Int = 10 + 4 + 4

    /// The size in bytes of one encoded event: u8 kind, i32 code, f64 value.
    public static let eventSize: Int = 13

    /// The most events one record can hold (the event count is a u16).
    public static let maxEventsPerRecord: Int = Int(UInt16.max)

    /// The payload size in bytes of a record with `channelCount` channels and `eventCount` events.
    public static func payloadSize(channelCount: Int, eventCount: Int) -> Int {
        8 + 8 * channelCount + 2 + eventSize * eventCount
    }

    /// The on-disk size in bytes of a whole record: u32 length, payload, u32 CRC-32.
    public static func recordSize(channelCount: Int, eventCount: Int) -> Int {
        4 + payloadSize(channelCount: channelCount, eventCount: eventCount) + 4
    }
}

// MARK: - Header

/// Everything needed to interpret and reproduce a recorded run, stored once at the start of the log.
public struct LogHeader: Codable, Equatable, Sendable {
    /// The log format version (see `LogFormat.version`).
    public var formatVersion: Int
    /// The Embody version that wrote the log.
    public var embodyVersion: String
    /// The scenario's name as declared in the scenario file.
    public var scenarioName: String
    /// The path the scenario was loaded from, as given on the command line.
    public var scenarioPath: String
    /// The full scenario text, so the run can be reproduced without the original file.
    public var scenarioText: String
    /// A hex digest of the scenario text, computed by the runtime.
    public var scenarioHash: String
    /// The command-line overrides applied on top of the scenario, in the order given.
    public var overrides: [String]
    /// The random seed of the run.
    public var seed: UInt64
    /// The physics time step in seconds; a record's time is `tick × dt` seconds.
    public var dt: Double
    /// Every how many ticks a record was written (1 = every tick).
    public var recordEvery: Int
    /// The names of the Double channels stored in every record, in storage order.
    public var channels: [String]
    /// The names of the event kinds; `LogEvent.kind` indexes this list.
    public var eventKinds: [String]
    /// The robot description as loaded (URDF or MJCF text), and where it was; nil in logs written before
    /// models were embedded (docs/robots.md, "Logs carry their model").
    public var modelText: String? = nil
    public var modelPath: String? = nil
    /// Every mesh file the model used: resolved path → FNV-1a 64-bit hash of its bytes.
    public var meshHashes: [String: String]? = nil

    /// The event kinds the runtime records by default, in index order.
    public static let standardEventKinds: [String] = [
        "disturbance_start", "disturbance_end", "fall", "criterion_success", "criterion_failure", "diverged", "run_end",
        "replan",
    ]

    /// Creates a header; the optional fields default to an unnamed scenario with no overrides, every tick recorded and the standard event kinds.
    public init(
        formatVersion: Int = LogFormat.version,
        embodyVersion: String,
        scenarioName: String = "",
        scenarioPath: String = "",
        scenarioText: String,
        scenarioHash: String,
        overrides: [String] = [],
        seed: UInt64,
        dt: Double,
        recordEvery: Int = 1,
        channels: [String],
        eventKinds: [String] = LogHeader.standardEventKinds
    ) {
        self.formatVersion = formatVersion
        self.embodyVersion = embodyVersion
        self.scenarioName = scenarioName
        self.scenarioPath = scenarioPath
        self.scenarioText = scenarioText
        self.scenarioHash = scenarioHash
        self.overrides = overrides
        self.seed = seed
        self.dt = dt
        self.recordEvery = recordEvery
        self.channels = channels
        self.eventKinds = eventKinds
    }

    /// The index of the event kind called `name`, for building `LogEvent`s, or nil if the header does not list it.
    public func eventKindIndex(named name: String) -> UInt8? {
        guard let index = eventKinds.firstIndex(of: name), index <= Int(UInt8.max) else { return nil }
        return UInt8(index)
    }

    /// Whether the runtime should record tick `tick` under this header's `recordEvery`.
    public func shouldRecord(tick: Int64) -> Bool {
        recordEvery <= 1 || tick % Int64(recordEvery) == 0
    }

    /// The time in seconds of tick `tick` (`tick × dt`), as exported in the `t` column.
    public func time(ofTick tick: Int64) -> Double {
        Double(tick) * dt
    }

    /// Why this header cannot be written or read, or nil if it is usable.
    func problem() -> String? {
        if formatVersion != LogFormat.version {
            return "formatVersion is \(formatVersion) but this Embody writes and reads version \(LogFormat.version)"
        }
        if !(dt.isFinite && dt > 0) { return "dt must be a finite number of seconds above 0, not \(dt)" }
        if recordEvery < 1 { return "recordEvery must be at least 1, not \(recordEvery)" }
        if eventKinds.count > Int(UInt8.max) + 1 {
            return "\(eventKinds.count) event kinds given but an event's kind is one byte (at most 256 kinds)"
        }
        if LogFormat.payloadSize(channelCount: channels.count, eventCount: LogFormat.maxEventsPerRecord)
            > Int(UInt32.max) {
            return "\(channels.count) channels are too many for a record's 32-bit length"
        }
        var seen = Set<String>()
        for (index, name) in channels.enumerated() {
            if name.isEmpty { return "channel \(index) has an empty name" }
            if name == "tick" || name == "t" || name == "events" {
                return "channel \(index) is named \"\(name)\", which is reserved for an export column"
            }
            if !seen.insert(name).inserted { return "channel name \"\(name)\" appears more than once" }
        }
        return nil
    }
}

// MARK: - Records and events

/// One discrete event in a record: a disturbance starting or ending, a fall, a criterion met or failed.
public struct LogEvent: Equatable, Sendable {
    /// The event kind, an index into `LogHeader.eventKinds`.
    public var kind: UInt8
    /// An event-specific integer, e.g. which disturbance or criterion.
    public var code: Int32
    /// An event-specific value, e.g. a force in newtons or a measured quantity.
    public var value: Double

    /// Creates an event.
    public init(kind: UInt8, code: Int32, value: Double) {
        self.kind = kind
        self.code = code
        self.value = value
    }

    /// Equal when kind and code match and the values have the same bit pattern, so NaN payloads compare as stored.
    public static func == (lhs: LogEvent, rhs: LogEvent) -> Bool {
        lhs.kind == rhs.kind && lhs.code == rhs.code && lhs.value.bitPattern == rhs.value.bitPattern
    }
}

/// One record of a run log: the tick it was taken at, one value per header channel, and its events.
public struct LogRecord: Equatable, Sendable {
    /// The simulation tick (step index) of the record; its time is `tick × header.dt` seconds.
    public var tick: Int64
    /// One value per `LogHeader.channels` entry, in the same order.
    public var values: [Double]
    /// The events that happened at this tick, in the order they were appended.
    public var events: [LogEvent]

    /// Creates a record.
    public init(tick: Int64, values: [Double], events: [LogEvent] = []) {
        self.tick = tick
        self.values = values
        self.events = events
    }

    /// Equal when ticks and events match and every value has the same bit pattern (bit-exact, NaN included).
    public static func == (lhs: LogRecord, rhs: LogRecord) -> Bool {
        lhs.tick == rhs.tick && lhs.events == rhs.events
            && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

// MARK: - Errors

/// Why a run log could not be written, read or exported.
public enum LogError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or created.
    case cannotOpen(path: String, reason: String)
    /// The file does not start with the run-log signature.
    case notALog(path: String)
    /// The header is cut off, damaged, of an unsupported version, or (when writing) not valid.
    case badHeader(path: String, reason: String)
    /// Record `index` (counting from 0) starting at `byteOffset` fails its checksum or length check.
    case damagedRecord(path: String, index: Int, byteOffset: Int)
    /// Reading or writing failed at the operating-system level, or the log was used after `close()`.
    case io(path: String, reason: String)
    /// The values or events passed to `LogWriter.append` do not fit the header; nothing was written.
    case invalidRecord(path: String, reason: String)

    /// A message for people: what went wrong, where, and what it means.
    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "cannot open run log '\(path)': \(reason)"
        case let .notALog(path):
            return "'\(path)' is not an Embody run log: it does not start with the \"EMBODYLOG\" signature"
        case let .badHeader(path, reason):
            return "the header of run log '\(path)' is unusable: \(reason)"
        case let .damagedRecord(path, index, byteOffset):
            return "run log '\(path)' is damaged at record \(index) (counting from 0, byte offset \(byteOffset)): "
                + "its length or checksum does not match its contents; the \(index) record(s) before it are intact"
        case let .io(path, reason):
            return "I/O error on '\(path)': \(reason)"
        case let .invalidRecord(path, reason):
            return "cannot append to run log '\(path)': \(reason); nothing was written"
        }
    }
}

// MARK: - Little-endian byte access

extension UnsafeMutableRawPointer {
    /// Stores `value` little-endian at `offset` bytes (no alignment needed).
    @inline(__always)
    func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }
}

extension UnsafeRawPointer {
    /// Loads a little-endian `T` at `offset` bytes (no alignment needed).
    @inline(__always)
    func loadLE<T: FixedWidthInteger>(at offset: Int, as type: T.Type) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

/// The text of the current C `errno`, for error messages.
func recordingErrnoText() -> String {
    String(cString: strerror(errno))
}

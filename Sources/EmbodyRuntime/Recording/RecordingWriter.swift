// MARK: - LogWriter: the binary run log written by `embody run --record`
//
// The header is encoded once at open. Each record is encoded in place, little-endian, into the
// sink's preallocated buffer (sized from the channel count and the event limit), checksummed and
// committed; the buffer goes to the kernel with write(2) when full, on flush() and on close().
// Steady-state appends perform no heap allocation.

import Foundation

/// Writes a run log: the header at open, then one checksummed record per `append`.
public final class LogWriter {
    /// The file being written.
    public let path: String
    /// The header written at the start of the file.
    public let header: LogHeader
    /// The most events a single `append` accepts.
    public let maxEventsPerRecord: Int
    /// How many records have been appended (buffered or on disk).
    public private(set) var recordCount: Int = 0

    private let channelCount: Int
    private let eventKindCount: Int
    private let sink: LogByteSink

    /// Size of the buffer beyond one maximal record, so several records go out per write(2).
    private static let batchBytes = 64 * 1024

    /// Validates `header`, creates (or truncates) `path` and writes the header; each record may carry up to `maxEventsPerRecord` events.
    public init(path: String, header: LogHeader, maxEventsPerRecord: Int = 16) throws(LogError) {
        if let problem = header.problem() { throw .badHeader(path: path, reason: problem) }
        guard (0...LogFormat.maxEventsPerRecord).contains(maxEventsPerRecord) else {
            throw .invalidRecord(
                path: path,
                reason: "maxEventsPerRecord must be between 0 and \(LogFormat.maxEventsPerRecord), not \(maxEventsPerRecord)")
        }
        let json: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            json = Array(try encoder.encode(header))
        } catch {
            throw .badHeader(path: path, reason: "it cannot be encoded as JSON: \(error)")
        }
        guard json.count <= Int(UInt32.max) else {
            throw .badHeader(path: path, reason: "its JSON is \(json.count) bytes, more than a 32-bit length can hold")
        }

        let maxRecordBytes = LogFormat.recordSize(channelCount: header.channels.count, eventCount: maxEventsPerRecord)
        self.path = path
        self.header = header
        self.maxEventsPerRecord = maxEventsPerRecord
        self.channelCount = header.channels.count
        self.eventKindCount = header.eventKinds.count
        self.sink = try LogByteSink(path: path, capacity: maxRecordBytes + Self.batchBytes)

        // Preamble, header JSON, header CRC-32.
        var preamble = [UInt8](repeating: 0, count: LogFormat.preambleSize)
        preamble.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            base.copyMemory(from: LogFormat.magic, byteCount: LogFormat.magic.count)
            base.storeLE(UInt32(LogFormat.version), at: 10)
            base.storeLE(UInt32(json.count), at: 14)
        }
        var crc = [UInt8](repeating: 0, count: 4)
        crc.withUnsafeMutableBytes { raw in raw.baseAddress?.storeLE(LogCRC32.checksum(json), at: 0) }
        try sink.write(preamble)
        try sink.write(json)
        try sink.write(crc)
        // On disk at once: a run killed before its first flush still leaves a readable, empty log.
        try sink.flush()
    }

    deinit {
        try? sink.close()
    }

    // MARK: - Appending records

    /// Appends one record; `values.count` must equal `header.channels.count`, every event kind must index `header.eventKinds`, and nothing is allocated.
    public func append(
        tick: Int64, values: UnsafeBufferPointer<Double>, events: UnsafeBufferPointer<LogEvent>
    ) throws(LogError) {
        guard !sink.isClosed else {
            throw .io(path: path, reason: "append(tick: \(tick)) was called after close()")
        }
        guard values.count == channelCount else {
            throw .invalidRecord(
                path: path,
                reason: "tick \(tick) has \(values.count) values but the header names \(channelCount) channels")
        }
        guard events.count <= maxEventsPerRecord else {
            throw .invalidRecord(
                path: path,
                reason: "tick \(tick) has \(events.count) events but this writer was opened for at most \(maxEventsPerRecord)")
        }
        // Index loops: in unoptimized builds a for-in over a buffer of LogEvent instantiates iterator
        // metadata lazily, which allocates the first time a record carries events.
        for i in 0..<events.count where Int(events[i].kind) >= eventKindCount {
            let event = events[i]
            throw .invalidRecord(
                path: path,
                reason: "tick \(tick) has an event of kind \(event.kind) but the header names only \(eventKindCount) event kinds")
        }

        let payloadBytes = LogFormat.payloadSize(channelCount: channelCount, eventCount: events.count)
        let record = try sink.reserve(4 + payloadBytes + 4)
        record.storeLE(UInt32(truncatingIfNeeded: payloadBytes), at: 0)
        let payload = record + 4
        payload.storeLE(tick, at: 0)
        var offset = 8
        for value in values {
            payload.storeLE(value.bitPattern, at: offset)
            offset += 8
        }
        payload.storeLE(UInt16(truncatingIfNeeded: events.count), at: offset)
        offset += 2
        for i in 0..<events.count {
            let event = events[i]
            payload.storeLE(event.kind, at: offset)
            payload.storeLE(event.code, at: offset + 1)
            payload.storeLE(event.value.bitPattern, at: offset + 5)
            offset += LogFormat.eventSize
        }
        payload.storeLE(LogCRC32.checksum(payload, count: payloadBytes), at: payloadBytes)
        sink.commit(4 + payloadBytes + 4)
        recordCount += 1
    }

    /// Appends one record from arrays (no allocation either: the arrays' storage is borrowed).
    public func append(tick: Int64, values: [Double], events: [LogEvent] = []) throws(LogError) {
        try values.withUnsafeBufferPointer { (values) throws(LogError) in
            try events.withUnsafeBufferPointer { (events) throws(LogError) in
                try append(tick: tick, values: values, events: events)
            }
        }
    }

    // MARK: - Flushing and closing

    /// Hands every buffered record to the operating system, so it survives the process being killed (not a power loss).
    public func flush() throws(LogError) {
        try sink.flush()
    }

    /// Flushes and closes the file; later appends throw, a second close does nothing.
    public func close() throws(LogError) {
        try sink.close()
    }
}

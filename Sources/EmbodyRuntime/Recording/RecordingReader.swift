// MARK: - LogReader: reads and checks a run log record by record
//
// The header is read and verified at open (signature, version, length, CRC-32, JSON, consistency).
// Records are then read one at a time into a reusable buffer. A record whose bytes run past the end
// of the file is a truncated tail: reading stops there without error. A record whose length is
// impossible for the header, disagrees with its own event count, or fails its CRC-32 is damaged:
// `next()` throws `LogError.damagedRecord` with its index and byte offset, then keeps throwing it.

import Foundation

/// Reads a run log written by `LogWriter`, checking every checksum.
public final class LogReader {
    /// The file being read.
    public let path: String
    /// The verified header of the log.
    public let header: LogHeader
    /// True once reading stopped at trailing bytes that do not form a complete record (a log cut off mid-write).
    public private(set) var truncatedTail: Bool = false
    /// How many complete records `next()` has returned so far; also the index of the next record.
    public private(set) var recordsRead: Int = 0
    /// The byte offset in the file of the next record's length field.
    public private(set) var byteOffset: Int

    private enum State {
        case reading
        case ended
        case failed(LogError)
    }

    private var file: UnsafeMutablePointer<FILE>?
    private var state: State = .reading
    private let channelCount: Int
    /// Payload bytes before the events: i64 tick, f64 × channels, u16 event count.
    private let fixedPayloadBytes: Int
    private var buffer: UnsafeMutableRawPointer
    private var bufferCapacity: Int

    /// Opens `path` and reads and checks its header; throws cannotOpen, notALog, badHeader or io.
    public init(path: String) throws(LogError) {
        guard let file = fopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: recordingErrnoText())
        }
        let header: LogHeader
        let firstRecordOffset: Int
        do throws(LogError) {
            (header, firstRecordOffset) = try Self.readHeader(file: file, path: path)
        } catch {
            fclose(file)
            throw error
        }
        self.path = path
        self.file = file
        self.header = header
        self.channelCount = header.channels.count
        self.fixedPayloadBytes = LogFormat.payloadSize(channelCount: header.channels.count, eventCount: 0)
        self.byteOffset = firstRecordOffset
        self.bufferCapacity = LogFormat.recordSize(channelCount: header.channels.count, eventCount: 16)
        self.buffer = .allocate(byteCount: bufferCapacity, alignment: 16)
    }

    deinit {
        if let file { fclose(file) }
        buffer.deallocate()
    }

    // MARK: - Records

    /// Reads the next complete record; nil at the end of the log or at a truncated tail; throws damagedRecord on a checksum mismatch.
    public func next() throws(LogError) -> LogRecord? {
        switch state {
        case .ended: return nil
        case .failed(let error): throw error
        case .reading: break
        }
        guard let file else { state = .ended; return nil }

        // Length field.
        let lengthBytes = try read(file, into: buffer, count: 4)
        if lengthBytes == 0 { return end(truncated: false) }
        if lengthBytes < 4 { return end(truncated: true) }
        let payloadBytes = Int(UnsafeRawPointer(buffer).loadLE(at: 0, as: UInt32.self))
        let maxPayloadBytes = LogFormat.payloadSize(channelCount: channelCount, eventCount: LogFormat.maxEventsPerRecord)
        guard payloadBytes >= fixedPayloadBytes, payloadBytes <= maxPayloadBytes,
              (payloadBytes - fixedPayloadBytes) % LogFormat.eventSize == 0 else {
            throw fail()
        }

        // Payload and CRC, as much of them as the file holds.
        ensureCapacity(payloadBytes + 4)
        let available = try read(file, into: buffer, count: payloadBytes + 4)
        let payload = UnsafeRawPointer(buffer)
        if available >= fixedPayloadBytes {
            // The event count is inside the payload: the length must agree with it even in a cut-off tail,
            // so a damaged length field is never mistaken for a truncation.
            let eventCount = Int(payload.loadLE(at: fixedPayloadBytes - 2, as: UInt16.self))
            guard LogFormat.payloadSize(channelCount: channelCount, eventCount: eventCount) == payloadBytes else {
                throw fail()
            }
        }
        if available < payloadBytes + 4 { return end(truncated: true) }
        let storedCRC = payload.loadLE(at: payloadBytes, as: UInt32.self)
        guard storedCRC == LogCRC32.checksum(payload, count: payloadBytes) else { throw fail() }

        // Decode.
        let tick = payload.loadLE(at: 0, as: Int64.self)
        let values = [Double](unsafeUninitializedCapacity: channelCount) { values, initialized in
            for index in 0..<channelCount {
                values[index] = Double(bitPattern: payload.loadLE(at: 8 + 8 * index, as: UInt64.self))
            }
            initialized = channelCount
        }
        let eventCount = (payloadBytes - fixedPayloadBytes) / LogFormat.eventSize
        var events: [LogEvent] = []
        events.reserveCapacity(eventCount)
        for index in 0..<eventCount {
            let offset = fixedPayloadBytes + LogFormat.eventSize * index
            let kind = payload.loadLE(at: offset, as: UInt8.self)
            // The writer never stores an unknown kind; one that passes the CRC means a foreign or corrupt writer.
            guard Int(kind) < header.eventKinds.count else { throw fail() }
            events.append(LogEvent(
                kind: kind,
                code: payload.loadLE(at: offset + 1, as: Int32.self),
                value: Double(bitPattern: payload.loadLE(at: offset + 5, as: UInt64.self))))
        }
        recordsRead += 1
        byteOffset += 4 + payloadBytes + 4
        return LogRecord(tick: tick, values: values, events: events)
    }

    /// Reads every remaining complete record; throws damagedRecord at the first damaged one.
    public func readAll() throws(LogError) -> [LogRecord] {
        var records: [LogRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// Closes the file early; later `next()` calls return nil.
    public func close() {
        if let file { fclose(file) }
        file = nil
        if case .reading = state { state = .ended }
    }

    // MARK: - Helpers

    private func end(truncated: Bool) -> LogRecord? {
        truncatedTail = truncated
        state = .ended
        return nil
    }

    /// Records the current record as damaged and returns the error to throw (now and on every later call).
    private func fail() -> LogError {
        let error = LogError.damagedRecord(path: path, index: recordsRead, byteOffset: byteOffset)
        state = .failed(error)
        return error
    }

    private func ensureCapacity(_ byteCount: Int) {
        guard byteCount > bufferCapacity else { return }
        buffer.deallocate()
        bufferCapacity = max(byteCount, bufferCapacity * 2)
        buffer = .allocate(byteCount: bufferCapacity, alignment: 16)
    }

    /// Reads up to `count` bytes; fewer only at the end of the file.
    private func read(_ file: UnsafeMutablePointer<FILE>, into target: UnsafeMutableRawPointer, count: Int) throws(LogError) -> Int {
        let got = fread(target, 1, count, file)
        if got < count && ferror(file) != 0 {
            let error = LogError.io(path: path, reason: recordingErrnoText())
            state = .failed(error)
            throw error
        }
        return got
    }

    // MARK: - Header

    /// The verified header and the byte offset of the first record.
    private static func readHeader(file: UnsafeMutablePointer<FILE>, path: String) throws(LogError) -> (LogHeader, Int) {
        let preamble = try readBytes(file, count: LogFormat.preambleSize, path: path)
        let magic = LogFormat.magic
        let comparable = min(preamble.count, magic.count)
        guard preamble.prefix(comparable).elementsEqual(magic.prefix(comparable)) else {
            throw .notALog(path: path)
        }
        if preamble.isEmpty {
            throw .badHeader(path: path, reason: "the file is empty (the writer stopped before writing anything)")
        }
        guard preamble.count == LogFormat.preambleSize else {
            let place = preamble.count < magic.count ? "inside the 10-byte signature" : "inside the fixed header fields"
            throw .badHeader(path: path, reason: "the file ends after \(preamble.count) bytes, \(place) (cut off while being written)")
        }
        let version = preamble.withUnsafeBytes { raw in
            raw.baseAddress.map { UnsafeRawPointer($0).loadLE(at: 10, as: UInt32.self) } ?? 0
        }
        guard version == UInt32(LogFormat.version) else {
            throw .badHeader(path: path, reason: "format version \(version) is not supported; this Embody reads version \(LogFormat.version)")
        }
        let headerBytes = Int(preamble.withUnsafeBytes { raw in
            raw.baseAddress.map { UnsafeRawPointer($0).loadLE(at: 14, as: UInt32.self) } ?? 0
        })
        let json = try readBytes(file, count: headerBytes, path: path)
        guard json.count == headerBytes else {
            throw .badHeader(path: path, reason: "the header should be \(headerBytes) bytes of JSON but the file ends after \(json.count) of them (cut off, or a damaged length)")
        }
        let crcBytes = try readBytes(file, count: 4, path: path)
        guard crcBytes.count == 4 else {
            throw .badHeader(path: path, reason: "the file ends inside the header checksum (cut off while being written)")
        }
        let storedCRC = crcBytes.withUnsafeBytes { raw in
            raw.baseAddress.map { UnsafeRawPointer($0).loadLE(at: 0, as: UInt32.self) } ?? 0
        }
        let computedCRC = LogCRC32.checksum(json)
        guard storedCRC == computedCRC else {
            throw .badHeader(path: path, reason: "its checksum does not match (stored \(hex(storedCRC)), computed \(hex(computedCRC))): the header is damaged")
        }
        let header: LogHeader
        do {
            header = try JSONDecoder().decode(LogHeader.self, from: Data(json))
        } catch {
            throw .badHeader(path: path, reason: "its JSON does not describe a run log header: \(describeDecoding(error))")
        }
        if let problem = header.problem() { throw .badHeader(path: path, reason: problem) }
        return (header, LogFormat.preambleSize + headerBytes + 4)
    }

    /// Reads up to `count` bytes in chunks, so a damaged huge length costs no more memory than the file holds.
    private static func readBytes(_ file: UnsafeMutablePointer<FILE>, count: Int, path: String) throws(LogError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            let chunk = min(count - bytes.count, 1 << 20)
            var got = 0
            let piece = [UInt8](unsafeUninitializedCapacity: chunk) { target, initialized in
                got = target.baseAddress.map { fread($0, 1, chunk, file) } ?? 0
                initialized = got
            }
            bytes.append(contentsOf: piece)
            if got < chunk {
                if ferror(file) != 0 { throw .io(path: path, reason: recordingErrnoText()) }
                break
            }
        }
        return bytes
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// A decoding failure in words for people, never Swift's `DecodingError` dump.
func describeDecoding(_ error: any Error) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    guard let error = error as? DecodingError else { return "it cannot be decoded" }
    switch error {
    case .keyNotFound(let key, let context):
        return "the key '\(key.stringValue)' is missing at \(path(context.codingPath))"
    case .typeMismatch(let type, let context):
        return "\(path(context.codingPath)) should be \(describeType(type))"
    case .valueNotFound(let type, let context):
        return "\(path(context.codingPath)) is null where \(describeType(type)) is needed"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty ? "it is not valid JSON" : "\(path(context.codingPath)) holds an invalid value"
    @unknown default:
        return "it cannot be decoded"
    }
}

private func describeType(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: "a whole number"
    case is Double.Type: "a number"
    case is Bool.Type: "true or false"
    case is [String].Type: "a list of strings"
    default: type is any Collection.Type ? "a list" : "an object"
    }
}

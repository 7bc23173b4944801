// MARK: - MCAP, written from its public specification (https://mcap.dev/spec)
//
// A file is the magic, a Header record, the data section (Schema, Channel and Message records, unchunked),
// a DataEnd record, a summary section (Schema and Channel records again, one Statistics record, and
// SummaryOffset records pointing at each group), a Footer and the magic again. Every record is an opcode
// (u8), a content length (u64) and the content. Integers are little-endian; a string is a u32 byte length
// and UTF-8 bytes; byte arrays are a u32 length and the bytes; maps are a u32 byte length of the entries.
// CRCs are CRC-32 (IEEE, as the run log's).

import EmbodyRuntime

/// Builds an MCAP file in memory.
struct MCAPWriter {
    /// The 8 magic bytes at both ends of the file.
    static let magic: [UInt8] = [0x89, 0x4D, 0x43, 0x41, 0x50, 0x30, 0x0D, 0x0A]   // \x89 M C A P 0 \r \n

    enum Opcode: UInt8 {
        case header = 0x01, footer = 0x02, schema = 0x03, channel = 0x04, message = 0x05
        case statistics = 0x0B, summaryOffset = 0x0E, dataEnd = 0x0F
    }

    private(set) var bytes: [UInt8] = []
    private var schemaRecords: [[UInt8]] = []
    private var channelRecords: [[UInt8]] = []
    private var messageCount: UInt64 = 0
    private var channelCounts: [UInt16: UInt64] = [:]
    private var firstTime: UInt64 = .max, lastTime: UInt64 = 0
    private var sequence: [UInt16: UInt32] = [:]
    private var nextSchema: UInt16 = 1, nextChannel: UInt16 = 0

    init(profile: String, library: String) {
        bytes = Self.magic
        var c = Content()
        c.string(profile)
        c.string(library)
        record(.header, c.bytes)
    }

    /// Adds a schema (ids start at 1; 0 means "no schema") and returns its id.
    mutating func addSchema(name: String, encoding: String, data: [UInt8]) -> UInt16 {
        let id = nextSchema
        nextSchema += 1
        var c = Content()
        c.u16(id); c.string(name); c.string(encoding); c.byteArray(data)
        schemaRecords.append(c.bytes)
        record(.schema, c.bytes)
        return id
    }

    /// Adds a channel on `topic` with messages in `messageEncoding` and returns its id.
    mutating func addChannel(schema: UInt16, topic: String, messageEncoding: String,
                             metadata: [(String, String)] = []) -> UInt16 {
        let id = nextChannel
        nextChannel += 1
        var c = Content()
        c.u16(id); c.u16(schema); c.string(topic); c.string(messageEncoding)
        var m = Content()
        for (k, v) in metadata { m.string(k); m.string(v) }
        c.u32(UInt32(m.bytes.count)); c.bytes += m.bytes
        channelRecords.append(c.bytes)
        record(.channel, c.bytes)
        return id
    }

    /// Adds a message; `logTime` and `publishTime` in ns.
    mutating func addMessage(channel: UInt16, logTime: UInt64, data: [UInt8]) {
        let seq = sequence[channel, default: 0]
        sequence[channel] = seq &+ 1
        var c = Content()
        c.u16(channel); c.u32(seq); c.u64(logTime); c.u64(logTime)
        c.bytes += data
        record(.message, c.bytes)
        messageCount += 1
        channelCounts[channel, default: 0] += 1
        firstTime = min(firstTime, logTime)
        lastTime = max(lastTime, logTime)
    }

    /// Ends the data section, writes the summary and footer, and returns the whole file.
    mutating func finish() -> [UInt8] {
        // The data section CRC covers every byte before the DataEnd record, the leading magic included
        // (as the reference implementations compute it).
        let dataCRC = LogCRC32.checksum(bytes)
        var end = Content()
        end.u32(dataCRC)
        record(.dataEnd, end.bytes)

        let summaryStart = UInt64(bytes.count)
        var offsets: [(Opcode, UInt64, UInt64)] = []
        func group(_ op: Opcode, _ records: [[UInt8]]) {
            guard !records.isEmpty else { return }
            let start = UInt64(bytes.count)
            for r in records { record(op, r) }
            offsets.append((op, start, UInt64(bytes.count) - start))
        }
        group(.schema, schemaRecords)
        group(.channel, channelRecords)
        var s = Content()
        s.u64(messageCount); s.u16(UInt16(schemaRecords.count)); s.u32(UInt32(channelRecords.count))
        s.u32(0); s.u32(0); s.u32(0)                       // attachments, metadata, chunks
        s.u64(messageCount == 0 ? 0 : firstTime); s.u64(lastTime)
        var counts = Content()
        for id in channelCounts.keys.sorted() { counts.u16(id); counts.u64(channelCounts[id]!) }
        s.u32(UInt32(counts.bytes.count)); s.bytes += counts.bytes
        group(.statistics, [s.bytes])
        let offsetStart = UInt64(bytes.count)
        for (op, start, length) in offsets {
            var o = Content()
            o.u8(op.rawValue); o.u64(start); o.u64(length)
            record(.summaryOffset, o.bytes)
        }
        // The footer's CRC covers the summary section and the footer up to (and including) summary_offset_start.
        var footer = Content()
        footer.u64(summaryStart); footer.u64(offsetStart)
        var covered = Array(bytes[Int(summaryStart)...])
        covered.append(Opcode.footer.rawValue)
        var length = Content()
        length.u64(UInt64(footer.bytes.count + 4))
        covered += length.bytes + footer.bytes
        footer.u32(LogCRC32.checksum(covered))
        record(.footer, footer.bytes)
        bytes += Self.magic
        return bytes
    }

    private mutating func record(_ op: Opcode, _ content: [UInt8]) {
        bytes.append(op.rawValue)
        var l = Content()
        l.u64(UInt64(content.count))
        bytes += l.bytes
        bytes += content
    }

    /// Little-endian field encoding.
    struct Content {
        var bytes: [UInt8] = []
        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        mutating func string(_ s: String) { let u = Array(s.utf8); u32(UInt32(u.count)); bytes += u }
        mutating func byteArray(_ b: [UInt8]) { u32(UInt32(b.count)); bytes += b }
    }
}

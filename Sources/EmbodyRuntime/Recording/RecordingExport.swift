// MARK: - Export of run logs to CSV and JSONL (for pandas and friends)
//
// One row per complete record, columns `tick`, `t` (= tick × header.dt, seconds), then the header's
// channel names in order. Numbers are Swift's `Double.description` (shortest text that parses back
// to the same bits). CSV follows RFC 4180 (CRLF line ends, header row, quoted names where needed);
// non-finite values are `nan`, `inf`, `-inf`. JSONL has one object per line with the same keys, plus
// `"events"` when the record has any; non-finite values are `null`.

import Foundation

/// The text formats a run log can be exported to.
public enum LogExportFormat: String, CaseIterable, Sendable {
    /// Comma-separated values, RFC 4180, with a header row; events are not included.
    case csv
    /// JSON Lines: one JSON object per record, with an "events" array when the record has events.
    case jsonl
}

/// Converts run logs to CSV or JSONL.
public enum LogExporter {
    /// Writes every complete record of the log at `path` to `output` (a file path, or nil for stdout) and returns the number of rows written; a damaged record stops the export with LogError.
    public static func export(path: String, format: LogExportFormat, output: String?) throws(LogError) -> Int {
        let reader = try LogReader(path: path)
        return try export(reader: reader, format: format, output: output)
    }

    /// Writes every remaining record of `reader` to `output` (nil for stdout) and returns the row count; afterwards `reader.truncatedTail` tells whether the log was cut off.
    public static func export(reader: LogReader, format: LogExportFormat, output: String?) throws(LogError) -> Int {
        try export(reader: reader, format: format, output: output, columns: ColumnOptions())
    }

    /// Column options beyond the log's own channels: names with units, and computed columns.
    public struct ColumnOptions {
        /// Column names, in the order `tick`, `t`, then the channels and then `extraChannels`, as they should
        /// be printed (e.g. with units, `ChannelUnits.label`); nil prints the names as they are.
        public var names: [String]? = nil
        /// Names of computed columns appended after the log's channels.
        public var extraChannels: [String] = []
        /// Computes the extra columns' values for a record (as many as `extraChannels`).
        public var extraValues: ((LogRecord) -> [Double])? = nil
        /// Creates options that print the log's channels as they are.
        public init() {}
    }

    /// Writes every remaining record of `reader` with `columns` and returns the row count.
    public static func export(reader: LogReader, format: LogExportFormat, output: String?,
                              columns: ColumnOptions) throws(LogError) -> Int {
        let sink: LogByteSink
        if let output {
            if sameFile(output, reader.path) {
                throw .cannotOpen(path: output, reason: "it is the run log being exported; choose another output file")
            }
            sink = try LogByteSink(path: output, capacity: 1 << 16)
        } else {
            sink = LogByteSink(standardOutputWithCapacity: 1 << 16)
        }

        var rows = 0
        do throws(LogError) {
            var shown = reader.header
            shown.channels += columns.extraChannels
            var formatter = LogRowFormatter(header: shown, format: format, names: columns.names)
            if let headerRow = formatter.headerRow() { try sink.write(headerRow) }
            while var record = try reader.next() {
                if let extra = columns.extraValues { record.values += extra(record) }
                try sink.write(formatter.row(record))
                rows += 1
            }
        } catch {
            // Keep the rows before the failure (they are valid) but report the failure.
            try? sink.close()
            throw error
        }
        try sink.close()
        return rows
    }

    /// Whether `a` and `b` name the same existing file (same device and inode).
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var infoA = stat()
        var infoB = stat()
        guard stat(a, &infoA) == 0, stat(b, &infoB) == 0 else { return false }
        return infoA.st_dev == infoB.st_dev && infoA.st_ino == infoB.st_ino
    }
}

// MARK: - Row formatting

/// Turns records into CSV or JSONL lines, reusing one byte buffer.
struct LogRowFormatter {
    let header: LogHeader
    let format: LogExportFormat
    /// JSON keys with quotes and colon, precomputed: `"tick":`, `"t":`, `"q.hip":` …
    private let jsonKeys: [[UInt8]]
    /// Event kind names as JSON strings, precomputed.
    private let jsonKindNames: [[UInt8]]
    private var line: [UInt8] = []

    /// The printed column names (`tick`, `t`, channels), when they differ from the channel names.
    private let names: [String]?

    init(header: LogHeader, format: LogExportFormat, names: [String]? = nil) {
        self.header = header
        self.format = format
        let columns = names ?? (["tick", "t"] + header.channels)
        self.names = names
        jsonKeys = columns.map { Array((JSONText.string($0) + ":").utf8) }
        jsonKindNames = header.eventKinds.map { Array(JSONText.string($0).utf8) }
        line.reserveCapacity(32 * (columns.count + 1))
    }

    /// The CSV header row `tick,t,<channels>`; nil for JSONL, which has no header line.
    func headerRow() -> [UInt8]? {
        guard format == .csv else { return nil }
        let names = (self.names ?? (["tick", "t"] + header.channels)).map(Self.csvField)
        return Array((names.joined(separator: ",") + "\r\n").utf8)
    }

    /// The CSV or JSONL line of `record`, including its line end.
    mutating func row(_ record: LogRecord) -> [UInt8] {
        line.removeAll(keepingCapacity: true)
        let t = header.time(ofTick: record.tick)
        switch format {
        case .csv:
            append(String(record.tick))
            line.append(UInt8(ascii: ","))
            append(Self.csvNumber(t))
            for value in record.values {
                line.append(UInt8(ascii: ","))
                append(Self.csvNumber(value))
            }
            line.append(UInt8(ascii: "\r"))
            line.append(UInt8(ascii: "\n"))
        case .jsonl:
            line.append(UInt8(ascii: "{"))
            line.append(contentsOf: jsonKeys[0])
            append(String(record.tick))
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: jsonKeys[1])
            append(JSONText.number(t))
            for (index, value) in record.values.enumerated() where index + 2 < jsonKeys.count {
                line.append(UInt8(ascii: ","))
                line.append(contentsOf: jsonKeys[index + 2])
                append(JSONText.number(value))
            }
            if !record.events.isEmpty {
                append(",\"events\":[")
                for (index, event) in record.events.enumerated() {
                    if index > 0 { line.append(UInt8(ascii: ",")) }
                    append("{\"kind\":")
                    if Int(event.kind) < jsonKindNames.count {
                        line.append(contentsOf: jsonKindNames[Int(event.kind)])
                    } else {
                        append(JSONText.string("kind\(event.kind)"))
                    }
                    append(",\"code\":")
                    append(String(event.code))
                    append(",\"value\":")
                    append(JSONText.number(event.value))
                    line.append(UInt8(ascii: "}"))
                }
                line.append(UInt8(ascii: "]"))
            }
            line.append(UInt8(ascii: "}"))
            line.append(UInt8(ascii: "\n"))
        }
        return line
    }

    private mutating func append(_ text: String) {
        line.append(contentsOf: text.utf8)
    }

    // MARK: - Text of values

    /// A Double for CSV: full round-trip precision; `nan`, `inf`, `-inf` when not finite.
    static func csvNumber(_ value: Double) -> String {
        value.isNaN ? "nan" : value.description  // description already gives "inf" and "-inf"
    }

    /// An RFC 4180 field: quoted, with quotes doubled, when it contains a comma, quote, CR or LF.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// JSON text written by hand, for exports that stream records (CSV/JSONL here, MCAP in EmbodyView) rather than
/// encode whole objects.
public enum JSONText {
    /// A Double for JSON: full round-trip precision; `null` when not finite.
    public static func number(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }

    /// A JSON string literal for `text`, escaping quotes, backslashes and control characters.
    public static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

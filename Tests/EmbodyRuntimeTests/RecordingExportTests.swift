// MARK: - Run log export to CSV and JSONL

import Foundation
import Testing
@testable import EmbodyRuntime

extension RecordingTests {

    /// Writes the fixture log and returns its path, header and records.
    private static func fixtureLog(in scratch: RecordingScratch, channels: [String] = RecordingFixture.channels,
                                   count: Int = 20) throws -> (String, LogHeader, [LogRecord]) {
        let header = RecordingFixture.header(channels: channels, recordEvery: 2)
        let records = RecordingFixture.records(count: count, channelCount: channels.count, recordEvery: 2)
        let path = scratch.file("export.embodylog")
        try RecordingFixture.write(records, header: header, to: path)
        return (path, header, records)
    }

    /// Whether a CSV field parses back to exactly `value` (any NaN matches "nan").
    private static func csvFieldMatches(_ field: Substring, _ value: Double) -> Bool {
        if value.isNaN { return field == "nan" }
        guard let parsed = Double(String(field)) else { return false }
        return recordingSameBits(parsed, value)
    }

    // MARK: - CSV

    @Test func csvHasTheNamedColumnsAndRoundTripsEveryValue() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, header, records) = try Self.fixtureLog(in: scratch)
        let output = scratch.file("run.csv")
        let rows = try LogExporter.export(path: path, format: .csv, output: output)
        #expect(rows == records.count)

        let text = scratch.text(output)
        #expect(text.hasSuffix("\r\n"))
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.count == records.count + 1)
        #expect(lines.first == "tick,t,q.hip,qd.hip,tau.hip")
        for (line, record) in zip(lines.dropFirst(), records) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(fields.count == 2 + header.channels.count)
            guard fields.count == 2 + header.channels.count else { continue }
            #expect(Int64(fields[0]) == record.tick)
            #expect(Self.csvFieldMatches(fields[1], header.time(ofTick: record.tick)), "t of tick \(record.tick)")
            for (field, value) in zip(fields.dropFirst(2), record.values) {
                #expect(Self.csvFieldMatches(field, value), "\(field) vs \(value)")
            }
        }
        // Non-finite values use the spellings pandas reads.
        #expect(text.contains(",inf") && text.contains(",-inf") && text.contains(",nan"))
        #expect(!text.contains("snan") && !text.contains("-nan"))
    }

    @Test func csvQuotesAwkwardChannelNamesPerRFC4180() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, _, _) = try Self.fixtureLog(in: scratch, channels: ["q.a,b", "say \"hi\"", "plain"], count: 2)
        let output = scratch.file("quoted.csv")
        _ = try LogExporter.export(path: path, format: .csv, output: output)
        let firstLine = scratch.text(output).components(separatedBy: "\r\n")[0]
        #expect(firstLine == "tick,t,\"q.a,b\",\"say \"\"hi\"\"\",plain")
    }

    // MARK: - JSONL

    @Test func jsonlLinesParseWithTheSameKeysAndCarryEvents() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, header, records) = try Self.fixtureLog(in: scratch)
        let output = scratch.file("run.jsonl")
        #expect(try LogExporter.export(path: path, format: .jsonl, output: output) == records.count)

        let text = scratch.text(output)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == records.count)
        var sawEvents = false
        for (line, record) in zip(lines, records) {
            let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let object = parsed as? [String: Any] else {
                Issue.record("not an object: \(line)")
                continue
            }
            var expectedKeys = Set(["tick", "t"] + header.channels)
            if !record.events.isEmpty { expectedKeys.insert("events") }
            #expect(Set(object.keys) == expectedKeys)
            #expect((object["tick"] as? NSNumber)?.int64Value == record.tick)
            for (name, value) in zip(header.channels, record.values) where !value.isFinite {
                #expect(object[name] is NSNull, "\(name) should be null for \(value)")
            }
            // Bit-exact numbers: JSONSerialization rounds some decimals on Linux, JSONDecoder does not.
            let numbers = try JSONDecoder().decode(RecordingJSONNumbers.self, from: Data(line.utf8)).numbers
            #expect(numbers["t"].map { $0.map { recordingSameBits($0, header.time(ofTick: record.tick)) } } == true)
            for (name, value) in zip(header.channels, record.values) {
                let got: Double?? = numbers[name]
                if value.isFinite {
                    #expect(got.map { $0.map { recordingSameBits($0, value) } } == true, "\(name): \(String(describing: got)) vs \(value)")
                } else {
                    #expect(got == .some(nil), "\(name) should be null for \(value)")
                }
            }
            // Keys appear in column order, like the CSV.
            let keyOrder = ["tick", "t"] + header.channels
            let positions = keyOrder.compactMap { line.range(of: "\"\($0)\":")?.lowerBound }
            #expect(positions.count == keyOrder.count && positions == positions.sorted())

            guard !record.events.isEmpty else { continue }
            sawEvents = true
            let events = object["events"] as? [[String: Any]] ?? []
            #expect(events.count == record.events.count)
            for (got, want) in zip(events, record.events) {
                #expect(got["kind"] as? String == header.eventKinds[Int(want.kind)])
                #expect((got["code"] as? NSNumber)?.int32Value == want.code)
                if want.value.isFinite {
                    #expect((got["value"] as? NSNumber)?.doubleValue == want.value)
                } else {
                    #expect(got["value"] is NSNull)
                }
            }
        }
        #expect(sawEvents)
        #expect(text.contains("\"kind\":\"fall\""))
    }

    @Test func jsonEscapingOfNames() {
        #expect(JSONText.string("q.a") == "\"q.a\"")
        #expect(JSONText.string("a\"b\\c\nd\u{01}é") == "\"a\\\"b\\\\c\\nd\\u0001é\"")
        #expect(LogRowFormatter.csvNumber(-.nan) == "nan")
        #expect(LogRowFormatter.csvNumber(.signalingNaN) == "nan")
        #expect(LogRowFormatter.csvNumber(-.infinity) == "-inf")
        #expect(JSONText.number(.infinity) == "null")
        #expect(JSONText.number(1e-5) == "1e-05")
    }

    // MARK: - Failure modes

    @Test func exportOfADamagedLogStopsWithTheRecordIndex() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, header, records) = try Self.fixtureLog(in: scratch)
        let boundaries = try RecordingFixture.recordBoundaries(records, header: header)
        var bytes = scratch.bytes(path)
        bytes[boundaries[7] + 10] ^= 0x40
        let damaged = try scratch.write("damaged.embodylog", bytes)
        let output = scratch.file("damaged.csv")
        #expect(throws: LogError.damagedRecord(path: damaged, index: 7, byteOffset: boundaries[7])) {
            _ = try LogExporter.export(path: damaged, format: .csv, output: output)
        }
        // The rows before the damage were written and are intact.
        #expect(scratch.text(output).components(separatedBy: "\r\n").dropLast().count == 1 + 7)
    }

    @Test func exportRefusesToOverwriteTheLogItself() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, _, records) = try Self.fixtureLog(in: scratch)
        let before = scratch.bytes(path)
        #expect(throws: LogError.self) { _ = try LogExporter.export(path: path, format: .csv, output: path) }
        #expect(scratch.bytes(path) == before)
        #expect(try LogReader(path: path).readAll() == records)
    }

    @Test func exportReportsATruncatedTailThroughTheReader() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let (path, _, records) = try Self.fixtureLog(in: scratch)
        let bytes = scratch.bytes(path)
        let cut = try scratch.write("cut.embodylog", Array(bytes.dropLast(5)))
        let reader = try LogReader(path: cut)
        #expect(try LogExporter.export(reader: reader, format: .jsonl, output: scratch.file("cut.jsonl")) == records.count - 1)
        #expect(reader.truncatedTail)
    }
}

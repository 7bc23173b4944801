// MARK: - Run log integrity: cut-off logs and damaged bytes

import Foundation
import Testing
@testable import EmbodyRuntime

extension RecordingTests {

    /// The index of the record whose bytes (length field, payload or CRC) include `offset`.
    private static func recordIndex(containing offset: Int, boundaries: [Int]) -> Int? {
        for index in 0..<(boundaries.count - 1) where boundaries[index] <= offset && offset < boundaries[index + 1] {
            return index
        }
        return nil
    }

    // MARK: - Truncation

    @Test func everyTruncatedLengthReadsTheCompleteRecordsBeforeTheCut() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records(count: 20)
        let full = scratch.file("full.embodylog")
        try RecordingFixture.write(records, header: header, to: full)
        let bytes = scratch.bytes(full)
        let boundaries = try RecordingFixture.recordBoundaries(records, header: header)
        let headerEnd = boundaries[0]
        #expect(bytes.count == boundaries.last)

        for length in 0...bytes.count {
            let path = try scratch.write("cut.embodylog", Array(bytes.prefix(length)))
            if length < headerEnd {
                do {
                    _ = try LogReader(path: path)
                    Issue.record("a log cut at \(length) bytes, inside its header, was accepted")
                } catch {
                    guard case .badHeader(_, let reason) = error else {
                        Issue.record("cut at \(length): expected badHeader, got \(error)")
                        continue
                    }
                    #expect(!reason.isEmpty)
                    if length == 0 { #expect(reason.contains("empty")) }
                    if length > 0 && length < headerEnd - 4 { #expect(reason.contains("ends") || reason.contains("cut off")) }
                }
                #expect(throws: LogError.self) {
                    _ = try LogExporter.export(path: path, format: .csv, output: scratch.file("cut.csv"))
                }
                continue
            }
            let complete = boundaries.filter { $0 <= length }.count - 1
            let reader = try LogReader(path: path)
            let read = try reader.readAll()
            #expect(read == Array(records.prefix(complete)), "cut at \(length)")
            #expect(reader.truncatedTail == !boundaries.contains(length), "cut at \(length)")
            #expect(try reader.next() == nil)
            for format in LogExportFormat.allCases {
                let rows = try LogExporter.export(path: path, format: format, output: scratch.file("cut.\(format)"))
                #expect(rows == complete, "cut at \(length), \(format)")
            }
        }
    }

    // MARK: - Damage

    @Test func anyDamagedRecordByteIsReportedWithItsIndexAndOffset() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records(count: 20)
        let full = scratch.file("full.embodylog")
        try RecordingFixture.write(records, header: header, to: full)
        let bytes = scratch.bytes(full)
        let boundaries = try RecordingFixture.recordBoundaries(records, header: header)

        // Every byte of every record: length field, tick, values, event count, events and CRC.
        for offset in boundaries[0]..<bytes.count {
            guard let index = Self.recordIndex(containing: offset, boundaries: boundaries) else {
                Issue.record("offset \(offset) outside every record")
                continue
            }
            for flip: UInt8 in [0xFF, 0x01, 0x80] {
                var damaged = bytes
                damaged[offset] ^= flip
                let path = try scratch.write("damaged.embodylog", damaged)
                let expected = LogError.damagedRecord(path: path, index: index, byteOffset: boundaries[index])
                let reader = try LogReader(path: path)
                var good: [LogRecord] = []
                do {
                    while let record = try reader.next() { good.append(record) }
                    Issue.record("byte \(offset) ^ \(flip) (record \(index)) went unnoticed")
                } catch {
                    #expect(error == expected, "byte \(offset) ^ \(flip)")
                }
                #expect(good == Array(records.prefix(index)), "byte \(offset) ^ \(flip)")
                // The reader stays failed rather than guessing where the next record starts.
                #expect(throws: expected) { _ = try reader.next() }
                #expect(throws: expected) {
                    _ = try LogExporter.export(path: path, format: .jsonl, output: scratch.file("damaged.jsonl"))
                }
            }
        }
    }

    @Test func anyDamagedHeaderByteIsReportedAsABadHeader() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records(count: 3)
        let full = scratch.file("full.embodylog")
        try RecordingFixture.write(records, header: header, to: full)
        let bytes = scratch.bytes(full)
        let headerEnd = try RecordingFixture.recordBoundaries(records, header: header)[0]

        for offset in 0..<headerEnd {
            for flip: UInt8 in [0xFF, 0x01] {
                var damaged = bytes
                damaged[offset] ^= flip
                let path = try scratch.write("damaged.embodylog", damaged)
                do {
                    _ = try LogReader(path: path)
                    Issue.record("header byte \(offset) ^ \(flip) went unnoticed")
                } catch {
                    switch error {
                    case .notALog: #expect(offset < 10, "byte \(offset): only the signature makes a file not a log")
                    case .badHeader: #expect(offset >= 10, "byte \(offset)")
                    default: Issue.record("header byte \(offset) ^ \(flip): unexpected \(error)")
                    }
                }
            }
        }
    }

    @Test func aFormatVersionFromTheFutureIsRefusedClearly() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let full = scratch.file("full.embodylog")
        try RecordingFixture.write([], header: RecordingFixture.header(), to: full)
        var bytes = scratch.bytes(full)
        bytes[10] = 2
        let path = try scratch.write("v2.embodylog", bytes)
        #expect(throws: LogError.badHeader(
            path: path, reason: "format version 2 is not supported; this Embody reads version 1")) {
            _ = try LogReader(path: path)
        }
    }

    @Test func garbageAfterTheLastRecordIsNeverMistakenForRecords() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records(count: 4)
        let full = scratch.file("full.embodylog")
        try RecordingFixture.write(records, header: header, to: full)
        let bytes = scratch.bytes(full)

        // Random tails (a seeded generator, so failures reproduce): each is damage or a truncated tail, never a record.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func nextByte() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for trial in 0..<300 {
            let tail = (0..<(trial % 90)).map { _ in nextByte() }
            let path = try scratch.write("tail.embodylog", bytes + tail)
            let reader = try LogReader(path: path)
            var good: [LogRecord] = []
            do {
                while let record = try reader.next() { good.append(record) }
                #expect(reader.truncatedTail == !tail.isEmpty, "trial \(trial)")
            } catch {
                guard case .damagedRecord(_, let index, let offset) = error else {
                    Issue.record("trial \(trial): unexpected \(error)")
                    continue
                }
                #expect(index == records.count && offset == bytes.count, "trial \(trial)")
            }
            #expect(good == records, "trial \(trial)")
        }
    }
}

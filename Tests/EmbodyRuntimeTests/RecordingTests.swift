// MARK: - Run log: writer, reader, round trip, API contracts
//
// Integrity (truncation and damage) tests are in RecordingIntegrityTests.swift and export tests in
// RecordingExportTests.swift; all extend this suite so `swift test --filter RecordingTests` runs them.

import Foundation
import Testing
@testable import EmbodyRuntime

@Suite struct RecordingTests {

    // MARK: - CRC-32

    @Test func crc32MatchesTheStandardCheckValues() {
        #expect(LogCRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(LogCRC32.checksum([]) == 0)
        #expect(LogCRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(LogCRC32.table.count == 256 && LogCRC32.table[1] == 0x7707_3096)
    }

    // MARK: - Round trip

    @Test func headerAndEveryRecordComeBackBitExact() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records()
        let path = scratch.file("run.embodylog")
        try RecordingFixture.write(records, header: header, to: path)

        let reader = try LogReader(path: path)
        #expect(reader.header == header)
        #expect(reader.header.seed == UInt64.max - 7)
        let read = try reader.readAll()
        #expect(read.count == records.count)
        for (got, want) in zip(read, records) {
            #expect(got.tick == want.tick)
            #expect(got.values.count == want.values.count)
            for (a, b) in zip(got.values, want.values) { #expect(recordingSameBits(a, b)) }
            #expect(got.events == want.events)
        }
        #expect(read == records)
        #expect(reader.truncatedTail == false)
        #expect(reader.recordsRead == records.count)
        #expect(try reader.next() == nil)

        // The file is exactly header plus the documented record sizes.
        let boundaries = try RecordingFixture.recordBoundaries(records, header: header)
        #expect(scratch.bytes(path).count == boundaries.last)
        #expect(reader.byteOffset == boundaries.last)
    }

    @Test func identicalInputsGiveByteIdenticalFiles() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let records = RecordingFixture.records()
        let first = scratch.file("a.embodylog")
        let second = scratch.file("b.embodylog")
        try RecordingFixture.write(records, header: RecordingFixture.header(), to: first)
        try RecordingFixture.write(records, header: RecordingFixture.header(), to: second)
        let a = scratch.bytes(first)
        let b = scratch.bytes(second)
        #expect(!a.isEmpty)
        #expect(a == b)
        #expect(Array(a.prefix(10)) == Array("EMBODYLOG\n".utf8))
    }

    @Test func manyRecordsSpanSeveralBufferFlushes() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let channels = (0..<40).map { "q.j\($0)" }
        let header = RecordingFixture.header(channels: channels, recordEvery: 5)
        let records = RecordingFixture.records(count: 3_000, channelCount: channels.count, recordEvery: 5)
        let path = scratch.file("long.embodylog")
        try RecordingFixture.write(records, header: header, to: path)
        let reader = try LogReader(path: path)
        #expect(try reader.readAll() == records)
        #expect(reader.header.recordEvery == 5)
    }

    @Test func recordsWithManyEventsAndNoChannels() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header(channels: [])
        let events = (0..<300).map { LogEvent(kind: UInt8($0 % 5), code: Int32($0), value: Double($0) / 7) }
        let records = [
            LogRecord(tick: 0, values: []),
            LogRecord(tick: 1, values: [], events: events),
            LogRecord(tick: -5, values: [], events: Array(events.prefix(1))),
        ]
        let path = scratch.file("events.embodylog")
        try RecordingFixture.write(records, header: header, to: path, maxEventsPerRecord: 300)
        #expect(try LogReader(path: path).readAll() == records)
    }

    @Test func flushedRecordsAreReadableWhileTheWriterIsStillOpen() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("live.embodylog")
        let records = RecordingFixture.records(count: 5)
        let writer = try LogWriter(path: path, header: RecordingFixture.header())

        // The header is on disk from the start: a run killed before its first flush leaves an empty, valid log.
        let early = try LogReader(path: path)
        #expect(try early.readAll().isEmpty)
        #expect(early.truncatedTail == false)

        for record in records { try writer.append(tick: record.tick, values: record.values, events: record.events) }
        try writer.flush()
        #expect(try LogReader(path: path).readAll() == records)
        #expect(writer.recordCount == 5)
        try writer.close()
    }

    @Test func deinitClosesAndFlushes() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("deinit.embodylog")
        let records = RecordingFixture.records(count: 4)
        do {
            let writer = try LogWriter(path: path, header: RecordingFixture.header())
            for record in records { try writer.append(tick: record.tick, values: record.values, events: record.events) }
        }
        #expect(try LogReader(path: path).readAll() == records)
    }

    @Test func unsafeBufferAppendMatchesArrayAppend() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let header = RecordingFixture.header()
        let records = RecordingFixture.records(count: 7)
        let viaArrays = scratch.file("arrays.embodylog")
        try RecordingFixture.write(records, header: header, to: viaArrays)

        let viaPointers = scratch.file("pointers.embodylog")
        let writer = try LogWriter(path: viaPointers, header: header)
        // One preallocated values buffer and one events buffer, reused every tick as the runtime does.
        let values = UnsafeMutableBufferPointer<Double>.allocate(capacity: header.channels.count)
        let events = UnsafeMutableBufferPointer<LogEvent>.allocate(capacity: 4)
        defer { values.deallocate(); events.deallocate() }
        for record in records {
            for (index, value) in record.values.enumerated() { values[index] = value }
            for (index, event) in record.events.enumerated() { events[index] = event }
            try writer.append(tick: record.tick, values: UnsafeBufferPointer(values),
                              events: UnsafeBufferPointer(rebasing: events[0..<record.events.count]))
        }
        try writer.close()
        #expect(scratch.bytes(viaArrays) == scratch.bytes(viaPointers))
    }

    // MARK: - Writer contracts

    @Test func writerRejectsAValuesBufferOfTheWrongLength() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("reject.embodylog")
        let records = RecordingFixture.records(count: 2)
        let writer = try LogWriter(path: path, header: RecordingFixture.header())
        try writer.append(tick: 0, values: records[0].values)

        #expect(throws: LogError.invalidRecord(
            path: path, reason: "tick 1 has 2 values but the header names 3 channels")) {
            try writer.append(tick: 1, values: [1, 2])
        }
        do {
            try writer.append(tick: 1, values: [1, 2, 3, 4])
            Issue.record("four values for three channels were accepted")
        } catch {
            #expect("\(error)".contains("4 values but the header names 3 channels"))
            #expect("\(error)".contains("nothing was written"))
        }
        #expect(writer.recordCount == 1)
        try writer.append(tick: 2, values: records[1].values)
        try writer.close()

        // The rejected appends left no trace: the log holds exactly the two good records.
        let read = try LogReader(path: path).readAll()
        #expect(read.map(\.tick) == [0, 2])
    }

    @Test func writerRejectsUnknownEventKindsAndTooManyEvents() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("events.embodylog")
        let writer = try LogWriter(path: path, header: RecordingFixture.header(), maxEventsPerRecord: 2)
        let values = [0.0, 1.0, 2.0]
        #expect(throws: LogError.self) {
            try writer.append(tick: 0, values: values,
                              events: [LogEvent(kind: UInt8(LogHeader.standardEventKinds.count), code: 0, value: 0)])
        }
        #expect(throws: LogError.self) {
            try writer.append(tick: 0, values: values, events: Array(repeating: LogEvent(kind: 0, code: 0, value: 0), count: 3))
        }
        try writer.append(tick: 0, values: values, events: Array(repeating: LogEvent(kind: 4, code: 0, value: 0), count: 2))
        try writer.close()
        #expect(try LogReader(path: path).readAll().count == 1)
    }

    @Test func writerRejectsUnusableHeadersWithoutCreatingAFile() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("never.embodylog")
        var duplicate = RecordingFixture.header()
        duplicate.channels = ["q.a", "q.b", "q.a"]
        var reserved = RecordingFixture.header()
        reserved.channels = ["t", "q.a"]
        var zeroStep = RecordingFixture.header()
        zeroStep.dt = 0
        var future = RecordingFixture.header()
        future.formatVersion = 2
        var tooManyKinds = RecordingFixture.header()
        tooManyKinds.eventKinds = (0..<257).map { "kind\($0)" }
        for header in [duplicate, reserved, zeroStep, future, tooManyKinds] {
            do {
                _ = try LogWriter(path: path, header: header)
                Issue.record("header accepted: \(header.channels) dt=\(header.dt)")
            } catch {
                guard case .badHeader = error else { Issue.record("unexpected \(error)"); continue }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func appendAfterCloseIsAnErrorAndCloseIsIdempotent() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = scratch.file("closed.embodylog")
        let writer = try LogWriter(path: path, header: RecordingFixture.header())
        try writer.close()
        try writer.close()
        #expect(throws: LogError.self) { try writer.append(tick: 0, values: [0, 0, 0]) }
        #expect(throws: LogError.self) { try writer.flush() }
    }

    @Test func unopenableFilesAreReportedWithTheReason() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let missing = scratch.file("missing.embodylog")
        do {
            _ = try LogReader(path: missing)
            Issue.record("opened a missing file")
        } catch {
            guard case .cannotOpen(let path, let reason) = error else { Issue.record("unexpected \(error)"); return }
            #expect(path == missing)
            #expect(reason.contains("No such file"))
        }
        #expect(throws: LogError.self) {
            _ = try LogWriter(path: scratch.file("no/such/dir/run.embodylog"), header: RecordingFixture.header())
        }
    }

    @Test func notALogIsReportedAsSuch() throws {
        let scratch = try RecordingScratch()
        defer { scratch.remove() }
        let path = try scratch.write("scenario.yaml", Array("name: stand\nrobot: hopper\n".utf8))
        #expect(throws: LogError.notALog(path: path)) { _ = try LogReader(path: path) }
        #expect(LogError.notALog(path: path).description.contains("not an Embody run log"))
    }

    // MARK: - Header helpers

    @Test func headerHelpers() {
        let header = RecordingFixture.header(recordEvery: 4)
        #expect(header.eventKindIndex(named: "fall") == 2)
        #expect(header.eventKindIndex(named: "nope") == nil)
        #expect([0, 1, 4, 7, 8].map { header.shouldRecord(tick: $0) } == [true, false, true, false, true])
        #expect(header.time(ofTick: 250) == 250 * 0.001)
        #expect(header.problem() == nil)
    }

    @Test func errorMessagesAreWrittenForPeople() {
        let damaged = LogError.damagedRecord(path: "run.embodylog", index: 12, byteOffset: 4567)
        #expect(damaged.description.contains("record 12"))
        #expect(damaged.description.contains("byte offset 4567"))
        #expect(damaged.description.contains("run.embodylog"))
        let header = LogError.badHeader(path: "x.log", reason: "the file is empty")
        #expect(header.description == "the header of run log 'x.log' is unusable: the file is empty")
    }
}

@Suite struct ReplanEventTests {
    /// arm-reach-ik switches IK targets at planning ticks: each change of the reference the controller tracks is a
    /// `replan` event in the log, at the tick the target's window starts, numbered in order after the change at load.
    @Test func eachReferenceChangeIsALoggedReplanEvent() throws {
        let path = temporaryPath("emblog")
        var options = RunOptions()
        options.recordPath = path
        let (scenario, model) = try loadBundled("arm-reach-ik")
        guard case .eeTargets(let task) = scenario.task.kind else { Issue.record("arm-reach-ik is not ee_targets"); return }
        _ = try Runner.run(try Simulation(scenario: scenario, model: model, options: options))
        let reader = try LogReader(path: path)
        let kind = try #require(reader.header.eventKinds.firstIndex(of: "replan"))
        let events = try reader.readAll().flatMap { r in r.events.filter { Int($0.kind) == kind }.map { (r.tick, $0.code) } }
        #expect(task.targets.count > 1)
        #expect(events.map(\.1) == Array(2...Int32(task.targets.count)))   // one per switch; none for replans that kept the goal
        #expect(events.allSatisfy { $0.0 > 0 })
    }
}

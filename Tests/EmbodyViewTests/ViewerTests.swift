import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
@testable import EmbodyView
import Foundation
import Testing

/// The repository root (for the bundled scenarios).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Records a bundled scenario for `duration` seconds and returns the log's path.
func recordBundled(_ name: String, duration: Double) throws -> String {
    let (scenario, model) = try ScenarioLoader.load(path: repoRoot.appendingPathComponent("Scenarios/\(name).yaml").path,
                                                    overrides: ["duration=\(duration)"])
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("view-\(name)-\(UUID().uuidString).emblog").path
    var options = RunOptions()
    options.recordPath = path
    _ = try Runner.run(try Simulation(scenario: scenario, model: model, options: options))
    return path
}

@Suite("Viewer page")
struct ViewerPageTests {
    /// The page embeds its data once, with every "<" escaped, and samples as documented.
    @Test func pageDataIsSampledAsDocumented() throws {
        let log = try recordBundled("arm-track-sine", duration: 4)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let run = try LoadedRun(path: log)
        #expect(run.records.count == 4001)
        let data = ViewerPage.pageData(run, summary: nil)
        // 3D frames: every 10th record (10 ms at 1 kHz), the last included.
        #expect(data.meta.frameStride == 10)
        #expect(Data(base64Encoded: data.frames.t)!.count == 4 * 401)
        #expect(Data(base64Encoded: data.frames.links)!.count == 4 * 401 * 7 * run.linkNames.count)
        // Series: at most maxSeriesSamples per channel, and the reference channels are there.
        #expect(data.meta.seriesSamples == ViewerPage.maxSeriesSamples)
        #expect(Data(base64Encoded: data.series.channels["ref.q.joint_1"]!)!.count == 4 * ViewerPage.maxSeriesSamples)
        #expect(data.meta.outcome == "success")
        let html = ViewerPage.page(run)
        let block = html.components(separatedBy: "<script type=\"application/json\" id=\"embody-data\">")[1]
            .components(separatedBy: "</script>")[0]
        #expect(!block.contains("<"))
        #expect(!html.contains("http://") && !html.contains("https://"))
    }

    /// The page's outcome is the log's, as `embody replay` reads it: a run with a `diverged` event is shown
    /// diverged (not a success, whatever its criteria), and a log cut off before its `run_end` is incomplete.
    @Test func divergedOrCutOffRunIsNotShownAsSuccess() throws {
        let log = try recordBundled("arm-track-sine", duration: 0.3)
        let forged = log + ".forged.emblog", cut = log + ".cut.emblog"
        defer { for p in [log, forged, cut] { try? FileManager.default.removeItem(atPath: p) } }
        #expect(ViewerPage.pageData(try LoadedRun(path: log), summary: nil).meta.outcome == "success")
        let original = try LogReader(path: log)
        let records = try original.readAll()
        let diverged = try #require(original.header.eventKindIndex(named: "diverged"))
        var writer = try LogWriter(path: forged, header: original.header)
        for (k, r) in records.enumerated() {
            let events = r.events + (k == records.count / 2 ? [LogEvent(kind: diverged, code: 0, value: .nan)] : [])
            try writer.append(tick: r.tick, values: r.values, events: events)
        }
        try writer.close()
        let page = ViewerPage.pageData(try LoadedRun(path: forged), summary: nil)
        #expect(page.meta.outcome == "diverged")
        writer = try LogWriter(path: cut, header: original.header)
        for r in records.dropLast() { try writer.append(tick: r.tick, values: r.values, events: r.events) }
        try writer.close()
        #expect(ViewerPage.pageData(try LoadedRun(path: cut), summary: nil).meta.outcome == "incomplete")
        // The MCAP export's /result carries the same outcome.
        let (bytes, _) = MCAPExport.encode(try LoadedRun(path: forged))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"outcome\":\"diverged\""))
    }

    /// A log whose contact channels do not follow in order (here a lone `contact.<link>.fx` as the last channel,
    /// CRCs intact) is viewed without them, never read past its end.
    @Test func contactChannelsOutOfOrderAreIgnored() throws {
        let log = try recordBundled("arm-hold", duration: 0.05)
        let forged = log + ".forged.emblog"
        defer { for p in [log, forged] { try? FileManager.default.removeItem(atPath: p) } }
        let original = try LogReader(path: log)
        let records = try original.readAll()
        var header = original.header
        let link = try LoadedRun(path: log).linkNames[1]
        header.channels = header.channels.filter { !$0.hasPrefix("contact.") } + ["contact.\(link).fx"]
        let keep = original.header.channels.indices.filter { !original.header.channels[$0].hasPrefix("contact.") }
        let writer = try LogWriter(path: forged, header: header)
        for r in records { try writer.append(tick: r.tick, values: keep.map { r.values[$0] } + [1], events: r.events) }
        try writer.close()
        let run = try LoadedRun(path: forged)
        #expect(run.contactStart[link] == nil)
        #expect(ViewerPage.pageData(run, summary: nil).frames.contactLinks.isEmpty)
    }

    /// A placeholder written inside an inserted value is not replaced.
    @Test func fillReplacesOnlyTheTemplatesPlaceholders() {
        let out = ViewerPage.fill("a /*X*/ b /*Y*/ c", ["/*X*/": "x /*Y*/", "/*Y*/": "y"])
        #expect(out == "a x /*Y*/ b y c")
    }

    /// Vertex clustering keeps a dense mesh within its budget and within its bounds.
    @Test func decimationRespectsTheBudget() {
        var soup: [Vector3] = []
        let n = 120   // a 120 × 120 grid of quads on a sphere: 28 800 triangles
        func p(_ i: Int, _ j: Int) -> Vector3 {
            let th = Double.pi * Double(i) / Double(n), ph = 2 * Double.pi * Double(j) / Double(n)
            return Vector3(sin(th) * cos(ph), sin(th) * sin(ph), cos(th))
        }
        for i in 0..<n { for j in 0..<n { soup += [p(i, j), p(i + 1, j), p(i + 1, j + 1), p(i, j), p(i + 1, j + 1), p(i, j + 1)] } }
        let out = decimate(soup, budget: 4000)
        #expect(out.count % 3 == 0 && out.count / 3 <= 4000 && out.count / 3 > 500)
        #expect(out.allSatisfy { length($0) < 1.01 })
        #expect(decimate(Array(soup.prefix(300)), budget: 4000).count == 300)   // under budget: unchanged
    }

    /// A mesh's own triangles become the visual (out-of-range indices skipped); one without faces, its bounding box.
    @Test func meshVisualsUseTheModelsTriangles() {
        let v = [Vector3(0, 0, 0), Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, 2)]
        let mesh = Mesh(path: "part.dae", vertices: v, triangles: [0, 1, 2, 0, 1, 3, 0, 1, 9])
        let visual = visualJSON(.mesh(mesh), origin: .identity, rgba: [1, 1, 1, 1], triangleBudget: 100)
        #expect(visual.type == "mesh" && visual.triangles == 2)
        #expect(Data(base64Encoded: visual.positions!)!.count == 2 * 3 * 3 * 4)
        let points = visualJSON(.mesh(Mesh(path: "p.obj", vertices: v)), origin: .identity, rgba: [1, 1, 1, 1], triangleBudget: 100)
        #expect(points.type == "box" && points.size == [1, 1, 2] && points.origin[0...2] == [0.5, 0.5, 1])
    }

    /// Units follow the channel names; prismatic joints are in m.
    @Test func channelUnits() {
        #expect(ChannelUnits.label("t") == "t [s]")
        #expect(ChannelUnits.label("tick") == "tick")
        #expect(ChannelUnits.label("q.hip") == "q.hip [rad]")
        #expect(ChannelUnits.label("q.slider", prismatic: ["slider"]) == "q.slider [m]")
        #expect(ChannelUnits.label("tau_cmd.slider", prismatic: ["slider"]) == "tau_cmd.slider [N]")
        #expect(ChannelUnits.label("ref.qd.hip") == "ref.qd.hip [rad/s]")
        #expect(ChannelUnits.label("base.qw") == "base.qw [1]")
        #expect(ChannelUnits.label("base.wz") == "base.wz [rad/s]")
        #expect(ChannelUnits.label("contact.left_foot.fz") == "contact.left_foot.fz [N]")
        #expect(ChannelUnits.label("sensor.ft.tx") == "sensor.ft.tx [N·m]")
        #expect(ChannelUnits.label("sensor.cam.valid_pixels") == "sensor.cam.valid_pixels [count]")
        #expect(ChannelUnits.label("mystery") == "mystery")
    }
}

@Suite("MCAP writer")
struct MCAPWriterTests {
    func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }

    /// Magic at both ends; the footer points at the summary (a Schema record) and at the summary offsets.
    @Test func fileLayoutFollowsTheSpecification() {
        var w = MCAPWriter(profile: "", library: "test")
        let s = w.addSchema(name: "embody.Test", encoding: "jsonschema", data: Array("{}".utf8))
        let c = w.addChannel(schema: s, topic: "/t", messageEncoding: "json")
        w.addMessage(channel: c, logTime: 5, data: Array("{}".utf8))
        w.addMessage(channel: c, logTime: 7, data: Array("{}".utf8))
        let b = w.finish()
        #expect(Array(b.prefix(8)) == MCAPWriter.magic && Array(b.suffix(8)) == MCAPWriter.magic)
        #expect(b[8] == 0x01)   // the Header record comes first
        // Footer: opcode, length 20, summary_start, summary_offset_start, summary_crc, then the magic.
        let footer = b.count - 8 - 29
        #expect(b[footer] == 0x02 && u64(b, footer + 1) == 20)
        let summaryStart = Int(u64(b, footer + 9)), offsetStart = Int(u64(b, footer + 17))
        #expect(b[summaryStart] == 0x03 && b[offsetStart] == 0x0E)
        // The record before the summary is DataEnd.
        #expect(b[summaryStart - 13] == 0x0F)
    }
}

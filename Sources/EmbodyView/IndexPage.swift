// MARK: - The index page of a batch viewed with `embody run … --view`: runs side by side
//
// One self-contained HTML page: a table of every run (scenario, variation, outcome, metrics side by side,
// a link to its own page) and one plot overlaying a chosen channel across runs (at most
// `IndexPage.samplesPerRun` samples per run and channel).

import EmbodyRuntime
import Foundation

/// One run of a batch, as the index page lists it.
public struct IndexEntry: Sendable {
    /// The run's title (scenario name and variation).
    public var title: String
    /// The page of the run, relative to the index page; nil when the run has no page (it failed to run).
    public var page: String?
    /// The log of the run, or nil.
    public var log: String?
    /// "success", "fell", "criteria failed", or an error message.
    public var outcome: String
    /// Metric values by name.
    public var metrics: [String: Double]

    /// Creates an entry.
    public init(title: String, page: String?, log: String?, outcome: String, metrics: [String: Double]) {
        self.title = title; self.page = page; self.log = log; self.outcome = outcome; self.metrics = metrics
    }
}

/// Builds the batch index page.
public enum IndexPage {
    /// The most samples per run and channel in the overlay plot.
    public static let samplesPerRun = 1000

    struct RunJSON: Encodable {
        var title: String, page: String?, outcome: String, metrics: [String: Double]
        var t: String?, channels: [String: String]
    }

    /// Writes the index of `entries` to `outputPath`.
    public static func write(_ entries: [IndexEntry], title: String, outputPath: String) throws(ViewError) {
        var runs: [RunJSON] = []
        for e in entries {
            var run = RunJSON(title: e.title, page: e.page, outcome: e.outcome, metrics: e.metrics.filter { $0.value.isFinite },
                              t: nil, channels: [:])
            if let log = e.log, let reader = try? LogReader(path: log) {
                var records: [LogRecord] = []
                while let r = try? reader.next() { records.append(r) }
                let n = records.count
                if n > 0 {
                    let k = min(n, samplesPerRun)
                    let idx = k <= 1 ? [0] : (0..<k).map { Int((Double($0) * Double(n - 1) / Double(k - 1)).rounded()) }
                    run.t = base64Float32(idx.map { reader.header.time(ofTick: records[$0].tick) })
                    for (c, name) in reader.header.channels.enumerated()
                    where ["q.", "ref.q.", "qd.", "tau.", "base."].contains(where: { name.hasPrefix($0) }) {
                        run.channels[name] = base64Float32(idx.map { records[$0].values[c] })
                    }
                }
            }
            runs.append(run)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = ((try? encoder.encode(runs)).map { String(decoding: $0, as: UTF8.self) } ?? "[]")
            .replacingOccurrences(of: "<", with: "\\u003c")
        let html = ViewerPage.fill(ViewerAssets.indexHTML, [
            "/*EMBODY_CSS*/": ViewerAssets.css, "/*EMBODY_DATA*/": json,
            "/*EMBODY_INDEX_JS*/": ViewerAssets.indexJS, "EMBODY_TITLE": htmlEscape(title),
        ])
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: outputPath))
        } catch {
            throw ViewError("cannot write the index page '\(outputPath)': \(error.localizedDescription)")
        }
    }
}

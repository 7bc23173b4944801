// MARK: - Collecting a results folder into a table
//
// `embody collect DIR` reads plan.json and every runs/NNNNNN.json, and returns one row per run (the
// overrides, seed, outcome, metrics and state hash) and one summary per sweep point: the mean, sample
// standard deviation (n − 1), minimum and maximum of every metric over the point's finished runs, and
// the success rate with its 95% Wilson score interval. Runs without a result are missing; runs that
// ended in an internal error or invalid input are failed; `embody sweep --resume DIR` runs both again.

import Foundation

/// The 0.975 quantile of the standard normal distribution (two-sided 95%).
public let wilsonZ95 = 1.959963984540054

/// The Wilson score interval for `successes` out of `n` trials at normal quantile `z`; nil when n is 0.
public func wilsonInterval(successes: Int, n: Int, z: Double = wilsonZ95) -> (low: Double, high: Double)? {
    guard n > 0 else { return nil }
    let nn = Double(n), p = Double(successes) / nn, z2 = z * z
    let denominator = 1 + z2 / nn
    let center = (p + z2 / (2 * nn)) / denominator
    let half = z / denominator * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
    return (max(0, center - half), min(1, center + half))
}

/// Mean, sample standard deviation (n − 1; nil for one value), minimum and maximum of finite values.
public struct MetricStatistics: Sendable, Equatable {
    public var count: Int
    public var mean: Double
    public var standardDeviation: Double?
    public var minimum: Double
    public var maximum: Double

    /// The statistics of `values`' finite members; nil when there are none.
    public init?(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        guard !v.isEmpty else { return nil }
        count = v.count
        mean = v.reduce(0, +) / Double(v.count)
        let m = mean
        standardDeviation = v.count > 1 ? (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot() : nil
        minimum = v.min()!
        maximum = v.max()!
    }
}

/// A results folder read back: rows, point summaries, missing and failed runs.
public struct CollectedStudy {
    /// The plan.
    public var plan: SweepPlan
    /// The result object of each finished run, by run index.
    public var results: [Int: [String: Any]]
    /// Runs with no result.
    public var missing: [Int]
    /// Runs that ended in an internal error or invalid input.
    public var failed: [Int]
    /// Every metric name any result has, sorted.
    public var metricNames: [String]

    /// Reads `folder`.
    public init(folder: ResultsFolder) throws(RuntimeError) {
        plan = try folder.loadPlan()
        results = [:]
        missing = []
        failed = []
        var names = Set<String>()
        for run in plan.runs {
            guard let o = try folder.result(run.index) else { missing.append(run.index); continue }
            results[run.index] = o
            let outcome = runOutcome(o)
            if outcome == "internal_error" || outcome == "invalid_input" { failed.append(run.index) }
            for k in (o["metrics"] as? [String: Any])?.keys ?? [String: Any]().keys { names.insert(k) }
        }
        metricNames = names.sorted()
    }

    /// Runs that must run again: missing or failed.
    public var incomplete: [Int] { (missing + failed).sorted() }

    /// A metric's value in a result (nil when absent or null).
    static func metric(_ o: [String: Any], _ name: String) -> Double? {
        ((o["metrics"] as? [String: Any])?[name] as? NSNumber)?.doubleValue
    }

    // MARK: Rows

    /// The run table's columns.
    public var runColumns: [String] {
        ["index", "point", "scenario"] + plan.axes + (plan.seeded ? ["seed"] : []) + ["repetition", "outcome", "success"]
            + metricNames + ["state_hash", "steps", "cpu_time", "error"]
    }

    /// One row per run, as JSON-ready objects keyed by column (missing runs have outcome "missing").
    public func runRows() -> [[String: Any]] {
        plan.runs.map { run in
            var row: [String: Any] = ["index": run.index, "point": run.point, "scenario": run.scenarioName,
                                      "repetition": run.repetition]
            for pair in run.variation { row[pair[0]] = jsonValue(ofOverride: pair[1]) }
            if let seed = run.seed { row["seed"] = seed }
            guard let o = results[run.index] else {
                row["outcome"] = "missing"
                row["success"] = false
                return row
            }
            row["outcome"] = runOutcome(o)
            row["success"] = (o["success"] as? Bool) ?? false
            for m in metricNames { row[m] = CollectedStudy.metric(o, m) ?? NSNull() }
            row["state_hash"] = (o["state_hash"] as? String) ?? NSNull()
            row["steps"] = (o["steps"] as? NSNumber)?.intValue ?? NSNull()
            row["cpu_time"] = (o["cpu_time"] as? NSNumber)?.doubleValue ?? NSNull()
            if let e = o["error"] as? String { row["error"] = e }
            return row
        }
    }

    // MARK: Points

    /// One summary per sweep point.
    public func pointRows() -> [[String: Any]] {
        var byPoint: [Int: [SweepRun]] = [:]
        for run in plan.runs { byPoint[run.point, default: []].append(run) }
        return byPoint.keys.sorted().map { point in
            let runs = byPoint[point]!
            let first = runs[0]
            var row: [String: Any] = ["point": point, "scenario": first.scenarioName, "runs": runs.count]
            for pair in first.variation { row[pair[0]] = jsonValue(ofOverride: pair[1]) }
            let finished = runs.compactMap { r -> [String: Any]? in
                guard let o = results[r.index] else { return nil }
                let outcome = runOutcome(o)
                return outcome == "internal_error" || outcome == "invalid_input" ? nil : o
            }
            let successes = finished.filter { ($0["success"] as? Bool) == true }.count
            row["finished"] = finished.count
            row["missing"] = runs.filter { results[$0.index] == nil }.count
            row["failed"] = runs.count - finished.count - (row["missing"] as! Int)
            row["successes"] = successes
            row["success_rate"] = finished.isEmpty ? NSNull() : Double(successes) / Double(finished.count) as Any
            let w = wilsonInterval(successes: successes, n: finished.count)
            row["success_ci95_low"] = w.map { $0.low as Any } ?? NSNull()
            row["success_ci95_high"] = w.map { $0.high as Any } ?? NSNull()
            for m in metricNames {
                let s = MetricStatistics(finished.compactMap { CollectedStudy.metric($0, m) })
                row["\(m).mean"] = s.map { $0.mean as Any } ?? NSNull()
                row["\(m).std"] = s?.standardDeviation.map { $0 as Any } ?? NSNull()
                row["\(m).min"] = s.map { $0.minimum as Any } ?? NSNull()
                row["\(m).max"] = s.map { $0.maximum as Any } ?? NSNull()
                row["\(m).n"] = s?.count ?? 0
            }
            return row
        }
    }

    /// The point table's columns.
    public var pointColumns: [String] {
        ["point", "scenario"] + plan.axes + ["runs", "finished", "missing", "failed", "successes", "success_rate",
                                             "success_ci95_low", "success_ci95_high"]
            + metricNames.flatMap { m in ["mean", "std", "min", "max", "n"].map { "\(m).\($0)" } }
    }

    // MARK: Output

    /// Everything as one JSON object: runs, points, missing and failed.
    public func jsonObject() -> [String: Any] {
        ["name": plan.name, "runs": runRows(), "points": pointRows(), "missing": missing, "failed": failed,
         "axes": plan.axes, "metrics": metricNames]
    }

    /// Rows as CSV with a header line (RFC 4180 quoting; null is an empty field).
    public static func csv(_ rows: [[String: Any]], columns: [String]) -> String {
        func field(_ v: Any?) -> String {
            let text: String
            switch v {
            case nil, is NSNull: return ""
            case let s as String: text = s
            case let b as Bool: text = b ? "true" : "false"
            case let i as Int: text = String(i)
            case let u as UInt64: text = String(u)
            case let d as Double: text = d.isFinite ? "\(d)" : ""
            default:
                if let data = try? JSONSerialization.data(withJSONObject: v!, options: [.sortedKeys, .fragmentsAllowed]) {
                    text = String(decoding: data, as: UTF8.self)
                } else { text = "\(v!)" }
            }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = [columns.map { field($0) }.joined(separator: ",")]
        for row in rows { lines.append(columns.map { field(row[$0]) }.joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rows as JSON Lines, keys sorted.
    public static func jsonLines(_ rows: [[String: Any]]) -> String {
        rows.map { String(decoding: (try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys])) ?? Data("{}".utf8),
                          as: UTF8.self) }.joined(separator: "\n") + (rows.isEmpty ? "" : "\n")
    }

    /// A text table of the points, then the missing and failed runs.
    public func text(keyMetrics: [String]? = nil) -> String {
        let metrics = keyMetrics ?? Array(metricNames.prefix(4))
        var header = ["point", "scenario"] + plan.axes + ["runs", "success", "95% CI"]
        header += metrics.map { "\($0) mean±std" }
        var table: [[String]] = [header]
        for p in pointRows() {
            var cells = ["\(p["point"]!)", "\(p["scenario"]!)"]
            cells += plan.axes.map { cell(p[$0]) }
            cells.append("\(p["finished"]!)/\(p["runs"]!)")
            if let rate = p["success_rate"] as? Double {
                cells.append(String(format: "%.0f%%", rate * 100))
                cells.append(String(format: "%.0f–%.0f%%", (p["success_ci95_low"] as! Double) * 100,
                                    (p["success_ci95_high"] as! Double) * 100))
            } else {
                cells += ["-", "-"]
            }
            for m in metrics {
                if let mean = p["\(m).mean"] as? Double {
                    cells.append(formatNumber(mean) + ((p["\(m).std"] as? Double).map { " ± " + formatNumber($0) } ?? ""))
                } else { cells.append("-") }
            }
            table.append(cells)
        }
        var lines = [alignedTable(table)]
        if !missing.isEmpty { lines.append("missing: \(missing.count) run\(missing.count == 1 ? "" : "s") (\(rangeList(missing)))") }
        for i in failed {
            lines.append("failed: run \(i) (\(plan.runs[i].key)): \(runOutcome(results[i]!)): \((results[i]!["error"] as? String) ?? "")")
        }
        if !incomplete.isEmpty { lines.append("run them again with: embody sweep --resume <this folder>") }
        return lines.joined(separator: "\n")
    }
}

/// A table cell for a JSON value.
func cell(_ v: Any?) -> String {
    switch v {
    case nil, is NSNull: return "-"
    case let s as String: return s
    case let b as Bool: return b ? "true" : "false"
    case let i as Int: return String(i)
    case let u as UInt64: return String(u)
    case let d as Double: return formatNumber(d)
    default:
        if let data = try? JSONSerialization.data(withJSONObject: v!, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(v!)"
    }
}

/// Rows of cells, left-aligned in columns two spaces apart.
public func alignedTable(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    var widths = Array(repeating: 0, count: first.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    return rows.map { r in
        r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}

/// "0-3,7,9-10" for sorted indices.
public func rangeList(_ indices: [Int]) -> String {
    var parts: [String] = []
    var i = 0
    while i < indices.count {
        var j = i
        while j + 1 < indices.count && indices[j + 1] == indices[j] + 1 { j += 1 }
        parts.append(i == j ? "\(indices[i])" : "\(indices[i])-\(indices[j])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

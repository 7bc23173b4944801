// MARK: - What a batch prints: a table of runs, a tally, warnings and the exit status
//
// The text output of a batch is a table with one row per run: its number, scenario, the swept values,
// the seed, the outcome, the key metrics (those the scenario's success criteria name) and the state hash.
// The tally counts outcomes; the exit status is 3 when any run had an internal error, else 1 when any
// had invalid input, else 2 when any failed (criteria, fell, diverged, incomplete, missing), else 0.

import Foundation

public struct BatchReport {
    public let plan: SweepPlan
    /// Outcome word → count.
    public private(set) var counts: [String: Int] = [:]
    /// Results received, by run index.
    public private(set) var results: [Int: [String: Any]] = [:]
    /// The metric columns, fixed by the first result (its criteria's metrics, else its first metrics).
    public private(set) var metricColumns: [String]?
    public private(set) var steps = 0
    /// Runs above their `--max-instructions` budget.
    public private(set) var overBudget: [Int] = []

    public init(plan: SweepPlan) { self.plan = plan }

    /// Counts a result.
    public mutating func add(_ o: [String: Any]) {
        counts[runOutcome(o), default: 0] += 1
        if let i = o["index"] as? Int { results[i] = o }
        steps += (o["steps"] as? NSNumber)?.intValue ?? 0
        if (o["over_instruction_budget"] as? Bool) == true, let i = o["index"] as? Int { overBudget.append(i) }
        if metricColumns == nil, o["error"] == nil {
            let criteria = (o["criteria"] as? [[String: Any]] ?? []).compactMap { $0["metric"] as? String }
            var names: [String] = []
            for c in criteria where !names.contains(c) { names.append(c) }
            if names.isEmpty { names = Array(((o["metrics"] as? [String: Any]) ?? [:]).keys.sorted().prefix(3)) }
            metricColumns = names
        }
    }

    var seedWidth: Int { plan.runs.compactMap { $0.seed.map { String($0).count } }.max() ?? 0 }

    func axisWidth(_ k: String) -> Int {
        max(k.count, plan.runs.compactMap { $0.variation.first { $0[0] == k }?[1].count }.max() ?? 0)
    }

    var scenarioWidth: Int { max(8, plan.runs.map(\.scenarioName.count).max() ?? 0) }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    /// The table's header line (call after the first result has been added).
    public func header() -> String {
        var cells = [pad("run", String(plan.runs.count).count * 2 + 1), pad("scenario", scenarioWidth)]
        cells += plan.axes.map { pad($0, axisWidth($0)) }
        if plan.seeded { cells.append(pad("seed", max(4, seedWidth))) }
        cells.append(pad("outcome", 15))
        cells += (metricColumns ?? []).map { pad($0, max(11, $0.count)) }
        cells.append("state hash")
        return cells.joined(separator: "  ")
    }

    /// One row of the table for a result.
    public func line(_ o: [String: Any]) -> String {
        let i = (o["index"] as? Int) ?? 0
        let run = plan.runs.indices.contains(i) ? plan.runs[i] : nil
        let count = String(plan.runs.count)
        var cells = [pad("\(String(repeating: " ", count: max(0, count.count - String(i + 1).count)))\(i + 1)/\(count)",
                         count.count * 2 + 1),
                     pad(run?.scenarioName ?? "?", scenarioWidth)]
        cells += plan.axes.map { k in pad(run?.variation.first { $0[0] == k }?[1] ?? "-", axisWidth(k)) }
        if plan.seeded { cells.append(pad(run?.seed.map(String.init) ?? "-", max(4, seedWidth))) }
        let outcome = runOutcome(o)
        cells.append(pad(outcome == "success" ? "success" : outcome.uppercased(), 15))
        if let error = o["error"] as? String {
            return cells.joined(separator: "  ") + "  " + error.replacingOccurrences(of: "\n", with: " ")
        }
        let metrics = o["metrics"] as? [String: Any] ?? [:]
        for m in metricColumns ?? [] {
            let v = (metrics[m] as? NSNumber).map { formatNumber($0.doubleValue) } ?? "-"
            cells.append(pad(v, max(11, m.count)))
        }
        cells.append((o["state_hash"] as? String) ?? "-")
        if let n = (o["instructions"] as? NSNumber)?.uint64Value {
            cells.append("\(n) instructions" + ((o["over_instruction_budget"] as? Bool) == true ? " OVER BUDGET" : ""))
        }
        return cells.joined(separator: "  ")
    }

    /// "12 runs: 10 success, 2 criteria_failed".
    public func tally() -> String {
        let order = ["success", "criteria_failed", "fell", "diverged", "incomplete", "invalid_input", "internal_error"]
        let keys = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        let total = counts.values.reduce(0, +)
        return "\(total) run\(total == 1 ? "" : "s"): " + keys.map { "\(counts[$0]!) \($0)" }.joined(separator: ", ")
            + (overBudget.isEmpty ? "" : "; \(overBudget.count) over the instruction budget")
    }

    /// The exit status: 3 internal error, 1 invalid input, 2 any other failure or missing run, else 0.
    public func exitStatus(missing: Int = 0) -> Int32 {
        if counts["internal_error", default: 0] > 0 { return 3 }
        if counts["invalid_input", default: 0] > 0 { return 1 }
        if counts.contains(where: { $0.key != "success" && $0.value > 0 }) || missing > 0 || !overBudget.isEmpty { return 2 }
        return 0
    }

    /// A warning when a seed sweep made no difference: every point's seeds ended in the same state hash,
    /// so the scenario draws no random numbers (no sensor noise, no random disturbance).
    public func identicalSeedsWarning() -> String? {
        guard plan.seeded else { return nil }
        var byPoint: [Int: Set<String>] = [:], seedsPerPoint: [Int: Set<UInt64>] = [:]
        for run in plan.runs {
            guard let o = results[run.index], let h = o["state_hash"] as? String, let s = run.seed else { continue }
            byPoint[run.point, default: []].insert(h)
            seedsPerPoint[run.point, default: []].insert(s)
        }
        let multi = byPoint.keys.filter { seedsPerPoint[$0]!.count > 1 }
        guard !multi.isEmpty, multi.allSatisfy({ byPoint[$0]!.count == 1 }) else { return nil }
        let names = Set(plan.runs.map(\.scenarioName)).sorted().joined(separator: ", ")
        return "warning: the seeds made no difference: every run of each sweep point ended in the same state hash, "
            + "so \(names) draws no random numbers (no sensor noise, no random disturbances); the seeds only repeat identical runs"
    }
}

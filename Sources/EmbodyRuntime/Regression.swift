// MARK: - Regression checks for CI: baselines and JUnit XML
//
// A baseline file (`--write-baseline FILE`) stores each run's metrics, success and state hash, keyed by
// the run's scenario and variation, with tolerances a user edits:
//
//   { "format": "embody-baseline", "version": 1,
//     "tolerances": { "default": { "relative": 1e-6, "absolute": 1e-12 },
//                     "metrics": { "rms_error": { "relative": 0.05, "worse": "higher" } },
//                     "state_hash": "report" },
//     "runs": { "arm-hold seed=1": { "success": true, "state_hash": "…", "metrics": { … } } } }
//
// `--baseline FILE` compares: a metric is changed when |new − old| > absolute + relative·|old|. A change is
// a regression when it goes the worse way: "worse" is "higher", "lower" or "either" per metric; when not
// given it comes from the run's criterion on that metric (below → higher is worse, above → lower is
// worse), and is "either" otherwise. A run that passed and now fails is a regression. A changed state
// hash is reported, and is a regression only with "state_hash": "exact".

import Foundation

/// One difference between a run and its baseline.
public struct BaselineChange: Sendable {
    public var run: String
    public var what: String
    public var regression: Bool
    public var description: String { "\(regression ? "REGRESSION" : "change"): \(run): \(what)" }
}

public enum Baseline {
    /// A baseline file object from result objects.
    public static func make(results: [[String: Any]]) -> [String: Any] {
        var runs: [String: Any] = [:]
        for o in results where o["error"] == nil {
            runs[key(o)] = ["success": (o["success"] as? Bool) ?? false, "state_hash": o["state_hash"] ?? NSNull(),
                            "metrics": o["metrics"] ?? [String: Any](), "outcome": runOutcome(o)]
        }
        return ["format": "embody-baseline", "version": 1,
                "tolerances": ["default": ["relative": 1e-6, "absolute": 1e-12], "metrics": [String: Any](),
                               "state_hash": "report"],
                "runs": runs]
    }

    /// The key of a result object: `run_key` from a sweep, else the scenario name.
    static func key(_ o: [String: Any]) -> String { (o["run_key"] as? String) ?? (o["scenario"] as? String) ?? "run" }

    /// Reads and checks a baseline file.
    public static func load(path: String) throws(RuntimeError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { throw RuntimeError("cannot read the baseline \(path)") }
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              o["format"] as? String == "embody-baseline", o["runs"] is [String: Any] else {
            throw RuntimeError("\(path) is not an Embody baseline (write one with --write-baseline \(path))")
        }
        if let t = o["tolerances"] {
            guard let t = t as? [String: Any] else { throw RuntimeError("\(path): tolerances must be an object") }
            func checkTolerance(_ v: Any?, _ name: String) throws(RuntimeError) {
                guard let v else { return }
                guard let m = v as? [String: Any] else { throw RuntimeError("\(path): tolerances.\(name) must be an object") }
                for (k, x) in m {
                    switch k {
                    case "relative", "absolute":
                        guard let d = (x as? NSNumber)?.doubleValue, d.isFinite, d >= 0 else {
                            throw RuntimeError("\(path): tolerances.\(name).\(k) must be a number ≥ 0")
                        }
                    case "worse":
                        guard let s = x as? String, ["higher", "lower", "either"].contains(s) else {
                            throw RuntimeError("\(path): tolerances.\(name).worse must be \"higher\", \"lower\" or \"either\"")
                        }
                    default: throw RuntimeError("\(path): unknown key tolerances.\(name).\(k); use relative, absolute or worse")
                    }
                }
            }
            try checkTolerance(t["default"], "default")
            for (m, v) in (t["metrics"] as? [String: Any]) ?? [:] { try checkTolerance(v, "metrics.\(m)") }
            if let h = t["state_hash"], !["report", "exact", "ignore"].contains(h as? String ?? "") {
                throw RuntimeError("\(path): tolerances.state_hash must be \"report\", \"exact\" or \"ignore\"")
            }
        }
        return o
    }

    /// Compares result objects with a baseline; returns every change.
    public static func compare(results: [[String: Any]], baseline: [String: Any]) -> [BaselineChange] {
        let runs = baseline["runs"] as? [String: Any] ?? [:]
        let tolerances = baseline["tolerances"] as? [String: Any] ?? [:]
        let defaults = tolerances["default"] as? [String: Any] ?? [:]
        let perMetric = tolerances["metrics"] as? [String: Any] ?? [:]
        let hashPolicy = tolerances["state_hash"] as? String ?? "report"
        var changes: [BaselineChange] = []
        for o in results {
            let k = key(o)
            guard let b = runs[k] as? [String: Any] else {
                changes.append(BaselineChange(run: k, what: "not in the baseline (a new run)", regression: false))
                continue
            }
            if o["error"] != nil {
                changes.append(BaselineChange(run: k, what: "ended in \(runOutcome(o)): \(o["error"]!)", regression: true))
                continue
            }
            let was = (b["success"] as? Bool) ?? false, now = (o["success"] as? Bool) ?? false
            if was && !now {
                changes.append(BaselineChange(run: k, what: "succeeded in the baseline, now \(runOutcome(o))", regression: true))
            } else if !was && now {
                changes.append(BaselineChange(run: k, what: "failed in the baseline, now succeeds", regression: false))
            }
            let old = b["metrics"] as? [String: Any] ?? [:], new = o["metrics"] as? [String: Any] ?? [:]
            let criteria = o["criteria"] as? [[String: Any]] ?? []
            for name in old.keys.sorted() {
                let t = perMetric[name] as? [String: Any] ?? [:]
                let rel = (t["relative"] as? NSNumber ?? defaults["relative"] as? NSNumber)?.doubleValue ?? 1e-6
                let abs = (t["absolute"] as? NSNumber ?? defaults["absolute"] as? NSNumber)?.doubleValue ?? 1e-12
                var worse = t["worse"] as? String ?? defaults["worse"] as? String
                if worse == nil, let c = criteria.first(where: { $0["metric"] as? String == name }) {
                    worse = c["below"] != nil ? "higher" : (c["above"] != nil ? "lower" : nil)
                }
                // A NaN or ±∞ compares false with every tolerance, so it counts as missing, never as unchanged.
                let oldValue = (old[name] as? NSNumber)?.doubleValue.finiteOrNil
                let newValue = (new[name] as? NSNumber)?.doubleValue.finiteOrNil
                switch (oldValue, newValue) {
                case (nil, nil): continue
                case (.some(let a), nil):
                    changes.append(BaselineChange(run: k, what: "metric \(name) was \(formatNumber(a)), now missing or not finite", regression: true))
                case (nil, .some(let z)):
                    changes.append(BaselineChange(run: k, what: "metric \(name) was missing or not finite, now \(formatNumber(z))", regression: false))
                case (.some(let a), .some(let z)):
                    let allowed = abs + rel * Swift.abs(a)
                    guard Swift.abs(z - a) > allowed else { continue }
                    let regression = switch worse ?? "either" {
                    case "higher": z > a
                    case "lower": z < a
                    default: true
                    }
                    changes.append(BaselineChange(
                        run: k, what: "metric \(name) \(formatNumber(a)) → \(formatNumber(z)) (\(z > a ? "+" : "")\(formatNumber(z - a)); tolerance ±\(formatNumber(allowed))\(worse.map { ", \($0) is worse" } ?? ""))",
                        regression: regression))
                }
            }
            if hashPolicy != "ignore", let h = b["state_hash"] as? String, let n = o["state_hash"] as? String, h != n {
                changes.append(BaselineChange(run: k, what: "state hash \(h) → \(n)", regression: hashPolicy == "exact"))
            }
        }
        let ran = Set(results.map(key))
        for k in runs.keys.sorted() where !ran.contains(k) {
            changes.append(BaselineChange(run: k, what: "in the baseline, but not among these runs", regression: false))
        }
        return changes
    }
}

private extension Double {
    /// The value when finite, else nil.
    var finiteOrNil: Double? { isFinite ? self : nil }
}

// MARK: - JUnit XML

public enum JUnit {
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 forbids most control characters.
                if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" { out += "?" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    /// JUnit XML: one test suite per run, one test case per criterion plus one for the run's outcome;
    /// a failed criterion carries the measured and wanted values.
    public static func xml(results: [[String: Any]], name: String) -> String {
        var suites: [String] = []
        var totalTests = 0, totalFailures = 0, totalErrors = 0
        for o in results {
            let run = (o["run_key"] as? String) ?? (o["scenario"] as? String) ?? "run"
            var cases: [String] = []
            var failures = 0, errors = 0
            let time = (o["wall_time"] as? NSNumber)?.doubleValue ?? 0
            let outcome = runOutcome(o)
            // The outcome: fell, diverged, incomplete are failures; internal errors and invalid input are errors.
            var body = ""
            let criteria = o["criteria"] as? [[String: Any]] ?? []
            switch outcome {
            case "success": break
            case "criteria_failed" where criteria.contains { ($0["passed"] as? Bool) != true }: break  // failed below
            case "internal_error", "invalid_input":
                errors += 1
                body = "<error type=\"\(outcome)\" message=\"\(escape((o["error"] as? String) ?? outcome))\"/>"
            default:
                failures += 1
                var message = "the run ended as \(outcome)"
                if let d = o["diverged"] as? [String: Any] { message += ": \(d)" }
                if let f = (o["fell_at"] as? NSNumber)?.doubleValue { message += String(format: " at %.3f s", f) }
                body = "<failure type=\"\(outcome)\" message=\"\(escape(message))\"/>"
            }
            cases.append("    <testcase classname=\"\(escape(run))\" name=\"outcome\" time=\"\(time)\">\(body)</testcase>")
            if let limit = (o["instruction_budget"] as? NSNumber)?.uint64Value {
                let used = (o["instructions"] as? NSNumber)?.uint64Value
                var budgetBody = ""
                if (o["over_instruction_budget"] as? Bool) == true {
                    failures += 1
                    let message = used.map { "\($0) instructions, wanted at most \(limit)" }
                        ?? ((o["instruction_budget_error"] as? String) ?? "no instruction count")
                    budgetBody = "<failure type=\"instruction_budget\" message=\"\(escape(message))\"/>"
                }
                cases.append("    <testcase classname=\"\(escape(run))\" name=\"instruction budget\" time=\"0\">\(budgetBody)</testcase>")
            }
            for c in criteria {
                let metric = (c["metric"] as? String) ?? "?"
                let value = (c["value"] as? NSNumber).map { formatNumber($0.doubleValue) } ?? "nan"
                var wanted: [String] = []
                if let b = (c["below"] as? NSNumber)?.doubleValue { wanted.append("< \(formatNumber(b))") }
                if let a = (c["above"] as? NSNumber)?.doubleValue { wanted.append("> \(formatNumber(a))") }
                var caseBody = ""
                if (c["passed"] as? Bool) != true {
                    failures += 1
                    caseBody = "<failure type=\"criterion\" message=\"\(escape("\(metric) = \(value), wanted \(wanted.joined(separator: " and "))"))\">"
                        + escape("measured: \(value)\nwanted: \(wanted.joined(separator: " and "))") + "</failure>"
                }
                cases.append("    <testcase classname=\"\(escape(run))\" name=\"\(escape("criterion \(metric)"))\" time=\"0\">\(caseBody)</testcase>")
            }
            totalTests += cases.count; totalFailures += failures; totalErrors += errors
            suites.append("  <testsuite name=\"\(escape(run))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time)\">\n"
                          + cases.joined(separator: "\n") + "\n  </testsuite>")
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"\(escape(name))\" tests=\"\(totalTests)\" failures=\"\(totalFailures)\" errors=\"\(totalErrors)\">\n"
            + suites.joined(separator: "\n") + "\n</testsuites>\n"
    }
}

// MARK: - Scorecards: a terminal table, JSON, Gradescope's results.json, and the Embody Index

import Foundation

/// Renders graded results for people and for course platforms.
public enum Scorecard {
    /// The note printed instead of secret seeds.
    public static let secretNote = "secret seeds in use"

    /// A terminal scorecard: each check, measured value, threshold, points, the total, and hints for failures.
    public static func text(_ r: ExerciseResult) -> String {
        var lines: [String] = []
        let seeds = r.visibleSeeds.map(String.init).joined(separator: ", ")
        lines.append("Exercise \(r.exercise.number): \(r.exercise.title)")
        lines.append("  seeds: \(seeds)" + (r.secretSeedsInUse ? " + \(secretNote)" : ""))
        for c in r.checks {
            let mark = c.passed ? "PASS" : "FAIL"
            let op = c.check.comparison == .below ? "<" : ">"
            let measured = "\(format(c.value)) \(c.check.unit)"
            let threshold = "\(op) \(format(c.check.threshold)) \(c.check.unit)"
            lines.append("  [\(mark)] \(pad(c.check.name, 30)) \(pad(measured, 18)) \(pad(threshold, 18)) "
                         + "\(points(c.score))/\(points(c.check.points))")
            if !c.passed { for m in c.messages { lines.append("         \(m)") } }
        }
        lines.append("  total \(points(r.score))/\(points(r.maxScore))")
        return lines.joined(separator: "\n")
    }

    /// The result as a JSON-ready object (keys: exercise, title, score, max_score, secret_seeds, seeds, checks).
    public static func jsonObject(_ r: ExerciseResult) -> [String: Any] {
        [
            "exercise": r.exercise.number, "title": r.exercise.title, "folder": r.exercise.folder,
            "score": rounded(r.score), "max_score": rounded(r.maxScore),
            "secret_seeds": r.secretSeedsInUse, "seeds": r.visibleSeeds,
            "checks": r.checks.map { c -> [String: Any] in
                ["name": c.check.name, "metric": c.check.metric, "unit": c.check.unit,
                 "value": c.value.isFinite ? c.value : NSNull(), "comparison": c.check.comparison.rawValue,
                 "threshold": c.check.threshold, "score": rounded(c.score), "max_score": c.check.points,
                 "passed": c.passed, "passed_seeds": c.passedSeeds, "total_seeds": c.totalSeeds,
                 "messages": c.messages]
            },
        ]
    }

    /// Gradescope's results.json: `score`, `max_score` and `tests[{name, score, max_score, output}]`.
    public static func gradescopeObject(_ results: [ExerciseResult]) -> [String: Any] {
        var tests: [[String: Any]] = []
        for r in results {
            for c in r.checks {
                var output = "measured \(format(c.value)) \(c.check.unit), needs \(c.check.comparison.rawValue) "
                    + "\(format(c.check.threshold)) \(c.check.unit); \(c.passedSeeds)/\(c.totalSeeds) seeds passed"
                if r.secretSeedsInUse { output += " (\(secretNote))" }
                if !c.messages.isEmpty { output += "\n" + c.messages.joined(separator: "\n") }
                tests.append(["name": "Exercise \(r.exercise.number) – \(c.check.name)", "score": rounded(c.score),
                              "max_score": c.check.points, "output": output])
            }
        }
        return ["score": rounded(results.reduce(0) { $0 + $1.score }),
                "max_score": results.reduce(0) { $0 + $1.maxScore }, "tests": tests,
                "output": results.count > 1 ? "Embody Index \(format(embodyIndex(results)))/100" : ""]
    }

    /// The Embody Index, 0…100: each exercise's fraction of points, weighted by the exercise's weight, over every exercise in the catalogue.
    public static func embodyIndex(_ results: [ExerciseResult]) -> Double {
        let total = Catalog.exercises.reduce(0) { $0 + $1.weight }
        let earned = results.reduce(0) { $0 + $1.exercise.weight * ($1.maxScore > 0 ? $1.score / $1.maxScore : 0) }
        return total > 0 ? (100 * earned / total * 100).rounded() / 100 : 0
    }

    /// A report over a whole set: one line per exercise and the Embody Index.
    public static func report(_ results: [ExerciseResult]) -> String {
        var lines = results.map { r in
            "  \(r.exercise.number). \(pad(r.exercise.title, 52)) \(points(r.score))/\(points(r.maxScore))"
        }
        if results.contains(where: \.secretSeedsInUse) { lines.append("  (\(secretNote))") }
        lines.insert("Embody exercises report", at: 0)
        lines.append("Embody Index: \(format(embodyIndex(results))) / 100")
        return lines.joined(separator: "\n")
    }

    static func rounded(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
    static func points(_ v: Double) -> String { String(format: "%.1f", v) }
    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}

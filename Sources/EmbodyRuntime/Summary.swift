// MARK: - The summary of a run: what `embody run` prints and `--json` emits

import Foundation

/// The outcome of one success criterion.
public struct CriterionResult: Codable, Equatable, Sendable {
    /// The metric name.
    public var metric: String
    /// The measured value.
    public var value: Double
    /// The threshold it must stay below, if any.
    public var below: Double?
    /// The threshold it must stay above, if any.
    public var above: Double?
    /// Whether the criterion held.
    public var passed: Bool
}

/// The result of a run.
public struct RunSummary: Equatable, Sendable {
    /// The scenario name.
    public var scenario: String
    /// The scenario seed.
    public var seed: UInt64
    /// Physics steps taken.
    public var steps: Int
    /// Simulated time in s.
    public var simTime: Double
    /// Wall-clock time of the loop in s.
    public var wallTime: Double
    /// True when no fall happened and every criterion held.
    public var success: Bool
    /// True when the termination condition fired.
    public var fell: Bool
    /// When the fall happened, in s, if it did.
    public var fellAt: Double?
    /// Metric values by name.
    public var metrics: [String: Double]
    /// Each success criterion's outcome, in scenario order.
    public var criteria: [CriterionResult]
    /// Final joint positions by joint name, rad or m.
    public var finalQ: [String: Double]
    /// The fraction of ticks each joint's command was saturated, by joint name.
    public var saturation: [String: Double]
    /// The final state hash, 16 hex digits.
    public var stateHash: String

    /// Steps per second of wall-clock time.
    public var stepsPerSecond: Double { wallTime > 0 ? Double(steps) / wallTime : 0 }
    /// Simulated seconds per wall-clock second.
    public var realtimeFactor: Double { wallTime > 0 ? simTime / wallTime : 0 }

    /// The JSON object `run --json` prints (keys sorted; non-finite numbers become null).
    public func jsonObject() -> [String: Any] {
        var criteriaJSON: [[String: Any]] = []
        for c in criteria {
            var o: [String: Any] = ["metric": c.metric, "value": jsonNumber(c.value), "passed": c.passed]
            if let b = c.below { o["below"] = b }
            if let a = c.above { o["above"] = a }
            criteriaJSON.append(o)
        }
        var o: [String: Any] = [
            "scenario": scenario, "seed": seed, "steps": steps, "sim_time": simTime, "wall_time": wallTime,
            "steps_per_second": stepsPerSecond, "realtime_factor": realtimeFactor, "success": success,
            "fell": fell, "metrics": metrics.mapValues(jsonNumber), "final_q": finalQ.mapValues(jsonNumber),
            "state_hash": stateHash, "criteria": criteriaJSON, "saturation": saturation,
        ]
        o["fell_at"] = fellAt.map { $0 as Any } ?? NSNull()
        return o
    }

    /// The summary as one line of JSON.
    public func json() -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: jsonObject(), options: [.sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A short human-readable report.
    public func text() -> String {
        var lines: [String] = []
        lines.append("scenario   \(scenario) (seed \(seed))")
        lines.append(String(format: "result     %@%@", success ? "success" : "FAILED",
                            fell ? String(format: " — fell at %.3f s", fellAt ?? simTime) : ""))
        lines.append(String(format: "steps      %d (%.3f s simulated in %.3f s: %.0f steps/s, %.1f× real time)",
                            steps, simTime, wallTime, stepsPerSecond, realtimeFactor))
        for c in criteria {
            let bound = [c.below.map { "< \($0)" }, c.above.map { "> \($0)" }].compactMap { $0 }.joined(separator: " and ")
            lines.append("criterion  \(c.passed ? "pass" : "FAIL") \(c.metric) = \(format(c.value)) (want \(bound))")
        }
        let width = max(34, metrics.keys.map(\.count).max() ?? 0)
        for key in metrics.keys.sorted() {
            lines.append("metric     \(key.padding(toLength: width, withPad: " ", startingAt: 0)) \(format(metrics[key]!))")
        }
        lines.append("state hash \(stateHash)")
        return lines.joined(separator: "\n")
    }
}

func jsonNumber(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

func format(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "\(v)" }

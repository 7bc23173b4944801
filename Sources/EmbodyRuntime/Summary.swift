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

/// How a run ended; exactly one per run, decided by the runtime.
public enum RunOutcome: String, Equatable, Sendable, CaseIterable {
    /// The run reached its duration, never fell nor diverged, and every success criterion held (exit 0).
    case success
    /// The run reached its duration but a success criterion failed (exit 2).
    case criteriaFailed = "criteria_failed"
    /// The termination condition `base_height_below` fired (exit 2).
    case fell
    /// The state left physically meaningful bounds or became non-finite (exit 2); see `RunSummary.diverged`.
    case diverged
    /// The run stopped before its duration (a log without its final record); criteria not evaluated (exit 2).
    case incomplete
    /// Embody itself failed (exit 3).
    case internalError = "internal_error"

    /// The documented exit code: 0 for success, 3 for an internal error, 2 otherwise.
    public var exitCode: Int32 {
        switch self {
        case .success: 0
        case .criteriaFailed, .fell, .diverged, .incomplete: 2
        case .internalError: 3
        }
    }
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
    /// How the run ended.
    public var outcome: RunOutcome = .success
    /// Where the run blew up, when its outcome is `diverged`.
    public var diverged: DivergenceReport? = nil
    /// Commanded torque entries that were NaN or ±∞ (never applied; the first one ends the run as diverged).
    public var nonFiniteTorques = 0
    /// Why a run that passed still looks unhealthy (torque saturation, velocity chatter); a success with
    /// warnings is still a success.
    public var warnings: [String] = []

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
        o["outcome"] = outcome.rawValue
        o["diverged"] = diverged.map { d -> Any in
            ["tick": d.tick, "time": Double(d.tick) * (steps > 0 ? simTime / Double(steps) : 0), "channel": d.channel,
             "value": jsonValue(d.value), "reason": d.reason]
        } ?? NSNull()
        o["nonfinite_torques"] = nonFiniteTorques
        o["warnings"] = warnings
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
        switch outcome {
        case .success:
            lines.append("result     success" + (warnings.isEmpty ? "" : " (with \(warnings.count) warning\(warnings.count == 1 ? "" : "s"): the criteria held, but see below)"))
        case .fell:
            lines.append(String(format: "result     FAILED — fell at %.3f s", fellAt ?? simTime))
        case .diverged:
            let d = diverged.map { "at tick \($0.tick): \($0.channel) = \($0.value) (\($0.reason))" } ?? ""
            lines.append("result     DIVERGED \(d); criteria not evaluated")
        case .criteriaFailed: lines.append("result     FAILED (criteria)")
        case .incomplete: lines.append("result     INCOMPLETE; criteria not evaluated")
        case .internalError: lines.append("result     INTERNAL ERROR")
        }
        for w in warnings { lines.append("warning    \(w)") }
        lines.append(String(format: "steps      %d (%.3f s simulated in %.3f s: %.0f steps/s, %.1f× real time)",
                            steps, simTime, wallTime, stepsPerSecond, realtimeFactor))
        for c in criteria {
            let bound = [c.below.map { "< \($0)" }, c.above.map { "> \($0)" }].compactMap { $0 }.joined(separator: " and ")
            lines.append("criterion  \(c.passed ? "pass" : "FAIL") \(c.metric) = \(formatNumber(c.value)) (want \(bound))")
        }
        let width = max(34, metrics.keys.map(\.count).max() ?? 0)
        for key in metrics.keys.sorted() {
            lines.append("metric     \(key.padding(toLength: width, withPad: " ", startingAt: 0)) \(formatNumber(metrics[key]!))")
        }
        lines.append("state hash \(stateHash)")
        return lines.joined(separator: "\n")
    }
}

func jsonNumber(_ v: Double) -> Any { v.isFinite ? v : NSNull() }

/// A number for JSON that keeps non-finite values readable: the number, or "nan", "inf" or "-inf".
func jsonValue(_ v: Double) -> Any { v.isFinite ? v : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf")) }

/// A number in at most 6 significant digits (nan, inf and -inf as Swift writes them).
func formatNumber(_ v: Double) -> String { v.isFinite ? String(format: "%.6g", v) : "\(v)" }

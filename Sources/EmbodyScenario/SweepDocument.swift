// MARK: - Sweep documents: one file that describes a study
//
// A sweep document names the base scenarios, the overrides every run shares, a grid (every combination)
// or a list of points (explicit override sets), the seeds and the repetitions, and optionally how to
// submit it to Slurm. It is read with the scenario reader's located tree, so every mistake is reported
// as file:line:column, all at once. EmbodyRuntime turns it into a numbered list of runs (SweepPlan).
//
//   name: arm-gains
//   scenarios: [arm-hold]                  # bundled names, or paths relative to this file
//   set: { duration: 2 }                   # applied to every run
//   grid:                                  # every combination; the last key varies fastest
//     controller.gains.kp: [100, 300, 1000]
//     physics.gravity: [[0, 0, -9.81], [0, 0, -1.62]]
//   seeds: 1..5                            # or [1, 2, 7], or a single seed
//   repetitions: 1
//   slurm: { partition: short, time: "00:10:00", mem: 1G, cpus_per_task: 1, runs_per_task: 4 }

import EmbodyModel
import Foundation

/// One `key=value` override written in a sweep document, with where it was written.
public struct SweepOverride: Equatable, Sendable {
    /// The scenario key path, as `--set` takes it.
    public var key: String
    /// The value as `--set` takes it (a YAML scalar or flow value).
    public var value: String
    /// Where the value was written.
    public var location: SourceLocation

    /// Creates an override.
    public init(key: String, value: String, location: SourceLocation) {
        self.key = key
        self.value = value
        self.location = location
    }

    /// "key=value", as `--set` takes it.
    public var assignment: String { "\(key)=\(value)" }
}

/// Seeds written as a range: `embody run --seeds` and a sweep file's `seeds: a..b` read them alike.
public enum SeedRange {
    /// The most seeds one range may hold.
    public static let maximumCount: UInt64 = 1_000_000

    /// Why a text is not a seed range, for people.
    public struct Problem: Error, Sendable {
        public var message: String
    }

    /// The seeds `text` names: "a..b" (inclusive), "a..<b", or one seed "a", each from 0 to 2⁶⁴−1, at most
    /// `maximumCount` of them, in increasing order.
    public static func parse(_ text: String) throws(Problem) -> [UInt64] {
        func seed(_ s: Substring) throws(Problem) -> UInt64 {
            guard let v = UInt64(s.trimmingCharacters(in: .whitespaces)) else {
                throw Problem(message: "'\(s)' is not a seed (0 … 2⁶⁴−1); write a..b, a..<b or a")
            }
            return v
        }
        let upTo = text.range(of: "..<"), through = text.range(of: "..")
        guard let r = upTo ?? through else { return [try seed(Substring(text))] }
        let a = try seed(text[..<r.lowerBound]), b = try seed(text[r.upperBound...])
        // The count is b − a (+ 1 when inclusive), computed without overflowing at 2⁶⁴−1.
        guard a <= b, upTo == nil || a < b else {
            throw Problem(message: a == b ? "the range is empty" : "the range must run upwards")
        }
        guard b - a <= maximumCount - (upTo == nil ? 1 : 0) else {
            throw Problem(message: "the range must hold at most \(maximumCount) seeds")
        }
        return upTo == nil ? Array(a...b) : Array(a..<b)
    }
}

/// Slurm settings written in a sweep document; the command line's options take precedence.
public struct SweepSlurmSettings: Equatable, Sendable {
    /// `#SBATCH --partition`.
    public var partition: String?
    /// `#SBATCH --time` (Slurm's formats, such as "00:10:00" or "2-00:00:00").
    public var time: String?
    /// `#SBATCH --mem` (such as "1G").
    public var memory: String?
    /// `#SBATCH --cpus-per-task`.
    public var cpusPerTask: Int?
    /// Runs each array task performs, one after another.
    public var runsPerTask: Int?
    /// Further `#SBATCH` lines, without the prefix (such as "--account=lab").
    public var extra: [String] = []

    /// Creates empty settings.
    public init() {}

    /// The values `cpus_per_task` (and `--cpus-per-task`) may take.
    public static let cpusPerTaskRange = 1...4096
    /// The values `runs_per_task` (and `--runs-per-task`) may take.
    public static let runsPerTaskRange = 1...100_000

    /// Why `text` is not a Slurm time limit, or nil when it is one: minutes, minutes:seconds,
    /// hours:minutes:seconds, days-hours, days-hours:minutes, days-hours:minutes:seconds (each field at most
    /// 7 digits), or "infinite"/"unlimited".
    public static func timeLimitProblem(_ text: String) -> String? {
        if ["infinite", "unlimited"].contains(text.lowercased()) { return nil }
        func field(_ s: Substring) -> Bool { (1...7).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber } }
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        let clock = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false)
        if dayParts.count <= 2, dayParts.count == 1 || field(dayParts[0]), (1...3).contains(clock.count), clock.allSatisfy(field) {
            return nil
        }
        return "'\(text)' is not a Slurm time limit: write minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (such as 00:10:00)"
    }

    /// Why `text` is not a Slurm memory size, or nil when it is one: a whole number of at most 12 digits and an
    /// optional unit K, M, G or T (no unit: megabytes).
    public static func memoryProblem(_ text: String) -> String? {
        let digits = text.last.map { "KMGTkmgt".contains($0) } == true ? text.dropLast() : Substring(text)
        if (1...12).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return nil }
        return "'\(text)' is not a Slurm memory size: write a whole number with an optional unit K, M, G or T (such as 1G; no unit means MB)"
    }
}

/// A sweep document, read and checked.
public struct SweepDocument: Equatable, Sendable {
    /// The study's name (used for the Slurm job name).
    public var name: String
    /// The document's path.
    public var path: String
    /// The base scenarios as written (bundled names or paths relative to the document), with their locations.
    public var scenarios: [(text: String, location: SourceLocation)]
    /// Overrides every run shares.
    public var overrides: [SweepOverride]
    /// Grid axes: every combination runs; the last axis varies fastest.
    public var grid: [(key: String, values: [SweepOverride])]
    /// Explicit points: each is one set of overrides (used instead of, or after, the grid).
    public var points: [[SweepOverride]]
    /// The seeds, or nil to keep each scenario's own seed.
    public var seeds: [UInt64]?
    /// How many times each run is repeated (identical runs, for timing or a determinism check).
    public var repetitions: Int
    /// Slurm settings.
    public var slurm: SweepSlurmSettings

    public static func == (a: SweepDocument, b: SweepDocument) -> Bool {
        a.name == b.name && a.path == b.path && a.scenarios.map(\.text) == b.scenarios.map(\.text)
            && a.overrides == b.overrides && a.grid.map(\.key) == b.grid.map(\.key)
            && a.grid.map(\.values) == b.grid.map(\.values) && a.points == b.points && a.seeds == b.seeds
            && a.repetitions == b.repetitions && a.slurm == b.slurm
    }

    /// The largest sweep file read, in bytes.
    public static let maximumFileBytes = 1 << 20

    /// The most runs one document may expand to.
    public static let maximumRuns = 1_000_000

    /// The keys a sweep document may hold.
    static let keys = ["name", "scenarios", "set", "grid", "points", "seeds", "repetitions", "slurm"]
    static let slurmKeys = ["partition", "time", "mem", "cpus_per_task", "runs_per_task", "extra"]

    /// Reads a sweep document from a file.
    public static func load(path: String) throws(ScenarioErrors) -> SweepDocument {
        func refuse(_ why: String) -> ScenarioErrors {
            ScenarioErrors(ScenarioDiagnostic(location: SourceLocation(file: path, line: 0), message: why))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw refuse("no such sweep file")
        }
        if isDirectory.boolValue { throw refuse("this is a directory, not a sweep file") }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maximumFileBytes {
            throw refuse("the sweep file is \(size) bytes; the limit is \(maximumFileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw refuse("the sweep file cannot be read (permissions?)") }
        guard let text = String(data: data, encoding: .utf8) else { throw refuse("the sweep file is not UTF-8 text") }
        return try parse(text: text, path: path)
    }

    /// Reads a sweep document from text; `path` names it in errors.
    public static func parse(text: String, path: String) throws(ScenarioErrors) -> SweepDocument {
        var log = DiagnosticLog()
        let top = SourceLocation(file: path, line: 1, column: 1)
        var doc = SweepDocument(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, path: path,
                                scenarios: [], overrides: [], grid: [], points: [], seeds: nil, repetitions: 1,
                                slurm: SweepSlurmSettings())
        let root: DocNode?
        switch Document.parse(text, placement: .init(file: path), log: &log) {
        case .syntaxError(let d): throw ScenarioErrors(d)
        case .document(let node): root = node
        }
        guard case .map(let map)? = root else {
            log.error(root?.location ?? top, "a sweep file is a mapping with the keys \(keys.joined(separator: ", "))")
            throw ScenarioErrors(log.items)
        }
        for entry in map.entries where !keys.contains(entry.key) {
            log.error(entry.keyLocation, "unknown key '\(entry.key)' in a sweep file"
                      + Suggest.hint(for: entry.key, in: keys, what: "keys"))
        }
        if let e = map["name"] {
            if case .scalar(let s) = e.value, !s.text.isEmpty, s.text.count <= 64,
               s.text.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) {
                doc.name = s.text
            } else {
                log.error(e.value.location, "name must be a word of letters, digits, '_', '-' or '.' (at most 64), not \(e.value.what)")
            }
        }
        // scenarios: a name or a list of names.
        if let e = map["scenarios"] {
            let items: [DocNode]
            if case .list(let list, _) = e.value { items = list } else { items = [e.value] }
            for item in items {
                if case .scalar(let s) = item, s.kind == .string, !s.text.isEmpty {
                    doc.scenarios.append((s.text, s.location))
                } else {
                    log.error(item.location, "a scenario is a bundled name or a file path, not \(item.what)")
                }
            }
            if items.isEmpty { log.error(e.value.location, "scenarios is empty; name at least one scenario") }
        } else {
            log.error(map.location, "a sweep file needs 'scenarios:' (bundled names or scenario file paths)")
        }
        if let e = map["set"] { doc.overrides = overrideMap(e.value, what: "set", log: &log) }
        if let e = map["grid"] {
            if case .map(let axes) = e.value {
                for axis in axes.entries {
                    guard case .list(let values, _) = axis.value, !values.isEmpty else {
                        log.error(axis.value.location, "grid '\(axis.key)' needs a non-empty list of values, not \(axis.value.what)")
                        continue
                    }
                    doc.grid.append((axis.key, values.map { SweepOverride(key: axis.key, value: flow($0), location: $0.location) }))
                }
            } else {
                log.error(e.value.location, "grid is a mapping from a scenario key to a list of values, not \(e.value.what)")
            }
        }
        if let e = map["points"] {
            if case .list(let items, _) = e.value, !items.isEmpty {
                for item in items { doc.points.append(overrideMap(item, what: "a point", log: &log)) }
            } else {
                log.error(e.value.location, "points is a non-empty list of mappings from scenario key to value, not \(e.value.what)")
            }
        }
        if let e = map["seeds"] { doc.seeds = seeds(e.value, log: &log) }
        if let e = map["repetitions"] {
            if let n = integer(e.value), (1...10_000).contains(n) { doc.repetitions = n } else {
                log.error(e.value.location, "repetitions must be a whole number from 1 to 10000, not \(e.value.what)")
            }
        }
        if let e = map["slurm"] { doc.slurm = slurmSettings(e.value, log: &log) }
        // The expansion's size, checked before anyone allocates it.
        let gridCount = doc.grid.reduce(1.0) { $0 * Double($1.values.count) }
        let pointCount = (doc.grid.isEmpty ? 0 : gridCount) + Double(doc.points.count)
        let runs = Double(max(1, doc.scenarios.count)) * max(1, pointCount) * Double(doc.seeds?.count ?? 1) * Double(doc.repetitions)
        if runs > Double(maximumRuns) {
            log.error(map.location, "the sweep expands to \(String(format: "%.0f", runs)) runs; the limit is \(maximumRuns)")
        }
        guard log.isEmpty else { throw ScenarioErrors(log.items) }
        return doc
    }

    // MARK: - Readers

    private static func overrideMap(_ node: DocNode, what: String, log: inout DiagnosticLog) -> [SweepOverride] {
        guard case .map(let map) = node else {
            log.error(node.location, "\(what) is a mapping from a scenario key (such as physics.dt) to a value, not \(node.what)")
            return []
        }
        return map.entries.map { SweepOverride(key: $0.key, value: flow($0.value), location: $0.value.location) }
    }

    private static func integer(_ node: DocNode) -> Int? {
        guard case .scalar(let s) = node, case .number(let v, integer: true) = s.kind else { return nil }
        return Int(exactly: v)
    }

    private static func seeds(_ node: DocNode, log: inout DiagnosticLog) -> [UInt64]? {
        func seed(_ n: DocNode) -> UInt64? {
            guard case .scalar(let s) = n else { return nil }
            return UInt64(s.text.trimmingCharacters(in: .whitespaces))
        }
        switch node {
        case .list(let items, _):
            var out: [UInt64] = []
            for item in items {
                if let v = seed(item) { out.append(v) } else {
                    log.error(item.location, "a seed is a whole number from 0 to 2⁶⁴−1, not \(item.what)")
                }
            }
            if items.isEmpty { log.error(node.location, "seeds is an empty list") }
            if Set(out).count != out.count { log.error(node.location, "seeds lists a seed twice") }
            return out
        case .scalar(let s):
            do { return try SeedRange.parse(s.text) } catch {
                log.error(s.location, "seeds '\(s.text)': \(error.message) (or a list of seeds)")
                return nil
            }
        case .map:
            log.error(node.location, "seeds is a range a..b (inclusive), a..<b, a list of seeds or one seed, not a mapping")
            return nil
        }
    }

    private static func slurmSettings(_ node: DocNode, log: inout DiagnosticLog) -> SweepSlurmSettings {
        var out = SweepSlurmSettings()
        guard case .map(let map) = node else {
            log.error(node.location, "slurm is a mapping with the keys \(slurmKeys.joined(separator: ", ")), not \(node.what)")
            return out
        }
        for e in map.entries {
            func word() -> String? {
                guard case .scalar(let s) = e.value, !s.text.isEmpty, !s.text.contains(where: \.isNewline) else {
                    log.error(e.value.location, "slurm.\(e.key) must be one line of text, not \(e.value.what)")
                    return nil
                }
                return s.text
            }
            func count(_ range: ClosedRange<Int>) -> Int? {
                guard let n = integer(e.value), range.contains(n) else {
                    log.error(e.value.location, "slurm.\(e.key) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(e.value.what)")
                    return nil
                }
                return n
            }
            /// The word, when `problem` finds nothing wrong with it.
            func checked(_ problem: (String) -> String?) -> String? {
                guard let w = word() else { return nil }
                if let why = problem(w) { log.error(e.value.location, "slurm.\(e.key): \(why)"); return nil }
                return w
            }
            switch e.key {
            case "partition": out.partition = word()
            case "time": out.time = checked(SweepSlurmSettings.timeLimitProblem)
            case "mem": out.memory = checked(SweepSlurmSettings.memoryProblem)
            case "cpus_per_task": out.cpusPerTask = count(SweepSlurmSettings.cpusPerTaskRange)
            case "runs_per_task": out.runsPerTask = count(SweepSlurmSettings.runsPerTaskRange)
            case "extra":
                let items: [DocNode]
                if case .list(let list, _) = e.value { items = list } else { items = [e.value] }
                for item in items {
                    if case .scalar(let s) = item, s.text.hasPrefix("-"), !s.text.contains(where: \.isNewline) {
                        out.extra.append(s.text)
                    } else {
                        log.error(item.location, "slurm.extra holds sbatch options such as --account=lab, not \(item.what)")
                    }
                }
            default:
                log.error(e.keyLocation, "unknown key '\(e.key)' under slurm" + Suggest.hint(for: e.key, in: slurmKeys, what: "keys"))
            }
        }
        return out
    }

    /// A node written back as `--set` takes it: scalars as written (strings quoted when they hold
    /// YAML punctuation), lists and mappings in flow style.
    static func flow(_ node: DocNode) -> String {
        switch node {
        case .scalar(let s):
            switch s.kind {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .number: return s.text
            case .string:
                let plain = !s.text.isEmpty && s.text.allSatisfy { $0.isLetter || $0.isNumber || "_-./".contains($0) }
                    && Double(s.text) == nil && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(s.text.lowercased())
                if plain { return s.text }
                let escaped = s.text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                    .replacingOccurrences(of: "\n", with: "\\n")
                return "\"\(escaped)\""
            }
        case .list(let items, _): return "[" + items.map(flow).joined(separator: ", ") + "]"
        case .map(let map): return "{" + map.entries.map { "\($0.key): \(flow($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}

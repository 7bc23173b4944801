// MARK: - Sweeps: a numbered list of runs, a results folder, and one process per run
//
// A sweep (a sweep document, or `run`'s --sweep/--seeds flags) expands to a SweepPlan: a deterministic,
// numbered list of runs. The plan is written to a results folder (plan.json); every run writes its own
// result there atomically (runs/000042.json, written to a temporary name and renamed), so a run killed
// half-way leaves nothing that looks finished, and `embody collect` can tell finished, failed and
// missing runs apart.
//
// Each run executes in a child process (`embody _run DIR INDEX`, the same binary): a trap in one run
// (a real bug) ends that process only, and the parent records the run as an internal error while the
// others go on. Local batches start up to N children at a time; a Slurm array task runs its slice of the
// runs one after another in the same way (see Slurm.swift).

import EmbodyModel
import EmbodyScenario
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One run of a sweep, as numbered in its plan.
public struct SweepRun: Codable, Sendable, Equatable {
    /// The run's number, from 0.
    public var index: Int
    /// The sweep point it belongs to (scenario × override set; seeds and repetitions share a point), from 0.
    public var point: Int
    /// The scenario file, absolute.
    public var path: String
    /// Overrides every run shares, as "key=value", applied first.
    public var overrides: [String]
    /// The point's overrides in order, as [key, value] pairs; applied after `overrides`.
    public var variation: [[String]]
    /// The seed, when the sweep sets seeds.
    public var seed: UInt64?
    /// The repetition, from 0.
    public var repetition: Int

    /// Every override, in the order applied (the seed last).
    public var allOverrides: [String] {
        overrides + variation.map { "\($0[0])=\($0[1])" } + (seed.map { ["seed=\($0)"] } ?? [])
    }

    /// The scenario's short name (its file name without extension).
    public var scenarioName: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }

    /// The variation as "key=value" words, the seed included.
    public var variationWords: [String] { variation.map { "\($0[0])=\($0[1])" } + (seed.map { ["seed=\($0)"] } ?? []) }

    /// A stable key for baselines: the scenario name, then each override and the seed.
    public var key: String { ([scenarioName] + variationWords + (repetition > 0 ? ["rep=\(repetition)"] : [])).joined(separator: " ") }
}

/// A sweep expanded: what runs, in which order, and the options every run shares.
public struct SweepPlan: Codable, Sendable, Equatable {
    /// The study's name.
    public var name: String
    /// The keys varied across points, in column order.
    public var axes: [String]
    /// Whether the sweep sets seeds.
    public var seeded: Bool
    /// The runs, numbered from 0.
    public var runs: [SweepRun]
    /// Record each run's binary log next to its result.
    public var record: Bool = false
    /// Record every Nth tick.
    public var recordEvery: Int = 1
    /// Runs per Slurm array task.
    public var runsPerTask: Int = 1
    /// The Embody version that wrote the plan.
    public var embodyVersion: String = EmbodyVersion.current

    /// How many sweep points the plan has.
    public var pointCount: Int { (runs.map(\.point).max() ?? -1) + 1 }

    /// Expands scenarios × point override sets × seeds × repetitions (in that nesting order).
    public init(name: String, paths: [String], overrides: [String], points: [[(key: String, value: String)]],
                seeds: [UInt64]?, repetitions: Int = 1) {
        self.name = name
        var axes: [String] = []
        for p in points { for (k, _) in p where !axes.contains(k) { axes.append(k) } }
        self.axes = axes
        self.seeded = seeds != nil
        let pointSets = points.isEmpty ? [[]] : points
        var runs: [SweepRun] = []
        var point = 0
        for path in paths {
            for set in pointSets {
                for seed in seeds.map({ $0.map(Optional.some) }) ?? [nil] {
                    for rep in 0..<max(1, repetitions) {
                        runs.append(SweepRun(index: runs.count, point: point, path: path, overrides: overrides,
                                             variation: set.map { [$0.key, $0.value] }, seed: seed, repetition: rep))
                    }
                }
                point += 1
            }
        }
        self.runs = runs
    }

    /// The grid's points: every combination of the axes' values, the last axis fastest.
    public static func gridPoints(_ axes: [SweepAxis]) -> [[(key: String, value: String)]] {
        guard !axes.isEmpty else { return [] }
        var points: [[(key: String, value: String)]] = [[]]
        for axis in axes {
            points = points.flatMap { prefix in axis.values.map { prefix + [(axis.key, $0)] } }
        }
        return points
    }

    /// The plan of a sweep document; `resolve` turns a scenario as written into a file path (nil: unknown).
    public static func from(document doc: SweepDocument, resolve: (String) -> String?) throws(RuntimeError) -> SweepPlan {
        var paths: [String] = []
        var problems: [String] = []
        let base = URL(fileURLWithPath: doc.path).deletingLastPathComponent()
        for (text, location) in doc.scenarios {
            let relative = text.hasPrefix("/") ? text : base.appendingPathComponent(text).path
            if FileManager.default.fileExists(atPath: relative) {
                paths.append(URL(fileURLWithPath: relative).standardizedFileURL.path)
            } else if let p = resolve(text) {
                paths.append(URL(fileURLWithPath: p).standardizedFileURL.path)
            } else {
                problems.append("\(location): error: no scenario file or bundled scenario named '\(text)'")
            }
        }
        guard problems.isEmpty else { throw RuntimeError(problems.joined(separator: "\n")) }
        var points = gridPoints(doc.grid.map { SweepAxis(key: $0.key, values: $0.values.map(\.value)) })
        points += doc.points.map { $0.map { ($0.key, $0.value) } }
        return SweepPlan(name: doc.name, paths: paths, overrides: doc.overrides.map(\.assignment), points: points,
                         seeds: doc.seeds, repetitions: doc.repetitions)
    }

    /// Loads every distinct scenario × override set once; throws one error listing every run that is not valid.
    public func check() throws(RuntimeError) {
        var problems: [String] = []
        var seen = Set<[String]>()
        for run in runs {
            let key = [run.path] + run.overrides + run.variation.flatMap { $0 }
            guard seen.insert(key).inserted else { continue }
            do {
                _ = try ScenarioLoader.load(path: run.path, overrides: run.allOverrides)
            } catch {
                let with = run.variationWords.isEmpty ? "" : " with \(run.variationWords.joined(separator: " "))"
                problems.append("\(run.path)\(with) is not a valid scenario:\n\(error.description)")
                if problems.count >= 20 { break }
            }
        }
        guard problems.isEmpty else { throw RuntimeError(problems.joined(separator: "\n")) }
    }

    /// The numbered list `embody sweep --list` prints: one line per run.
    public func listing() -> String {
        let width = String(max(0, runs.count - 1)).count
        return runs.map { r in
            let n = String(repeating: " ", count: max(0, width - String(r.index).count)) + "\(r.index)"
            return "\(n)  point \(r.point)  \(r.key)"
        }.joined(separator: "\n")
    }
}

// MARK: - The results folder

/// A results folder: plan.json, runs/NNNNNN.json (and .emblog), slurm/.
public struct ResultsFolder: Sendable {
    /// The folder.
    public var path: String

    /// Creates a handle; nothing is touched on disk.
    public init(path: String) { self.path = URL(fileURLWithPath: path).standardizedFileURL.path }

    public var planPath: String { "\(path)/plan.json" }
    public var runsPath: String { "\(path)/runs" }
    public func resultPath(_ index: Int) -> String { "\(runsPath)/\(String(format: "%06d", index)).json" }
    public func logPath(_ index: Int) -> String { "\(runsPath)/\(String(format: "%06d", index)).emblog" }

    /// Creates the folder and writes the plan (refusing a folder that holds a different plan).
    public func create(plan: SweepPlan) throws(RuntimeError) {
        let fm = FileManager.default
        if fm.fileExists(atPath: planPath) {
            let existing = try loadPlan()
            guard existing.runs == plan.runs else {
                throw RuntimeError("\(path) already holds the results of a different sweep; choose another --results folder, or --resume it")
            }
        }
        do {
            try fm.createDirectory(atPath: runsPath, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try ResultsFolder.writeAtomically(try encoder.encode(plan), to: planPath)
        } catch let e as RuntimeError {
            throw e
        } catch {
            throw RuntimeError("cannot create the results folder \(path): \(error.localizedDescription)")
        }
    }

    /// Reads plan.json.
    public func loadPlan() throws(RuntimeError) -> SweepPlan {
        guard let data = FileManager.default.contents(atPath: planPath) else {
            throw RuntimeError("\(path) is not a results folder: it has no plan.json (write one with `embody sweep … --results \(path)`)")
        }
        do {
            return try JSONDecoder().decode(SweepPlan.self, from: data)
        } catch {
            throw RuntimeError("\(planPath) is damaged: it is not a plan written by Embody")
        }
    }

    /// The result of run `index`, if it finished (a JSON object), or nil when missing.
    public func result(_ index: Int) throws(RuntimeError) -> [String: Any]? {
        let p = resultPath(index)
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RuntimeError("\(p) is damaged: it is not a JSON object")
        }
        return o
    }

    /// Writes `data` to a temporary name in the same folder, then renames it over `path` (atomic on POSIX).
    public static func writeAtomically(_ data: Data, to path: String) throws(RuntimeError) {
        let tmp = "\(path).partial-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            throw RuntimeError("cannot write \(tmp)", invalidInput: false)
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RuntimeError("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))", invalidInput: false)
        }
    }

    /// Writes a run's result object atomically.
    public func writeResult(_ object: [String: Any], index: Int) throws(RuntimeError) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw RuntimeError("cannot encode the result of run \(index)", invalidInput: false)
        }
        try ResultsFolder.writeAtomically(data, to: resultPath(index))
    }
}

// MARK: - Run outcomes and result objects

/// The outcome word of a result object: its own `outcome` when the summary has one, else derived.
public func runOutcome(_ o: [String: Any]) -> String {
    if let s = o["outcome"] as? String { return s }
    if o["error"] != nil { return (o["invalid_input"] as? Bool) == true ? "invalid_input" : "internal_error" }
    if (o["success"] as? Bool) == true { return "success" }
    if (o["fell"] as? Bool) == true { return "fell" }
    return "criteria_failed"
}

/// A `--set` value as a JSON value: numbers, booleans and flow lists become JSON; anything else stays text.
public func jsonValue(ofOverride text: String) -> Any {
    if let i = Int(text) { return i }
    if let d = Double(text), d.isFinite { return d }
    if text == "true" { return true }
    if text == "false" { return false }
    if let data = text.data(using: .utf8), let v = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) {
        return v
    }
    return text
}

extension SweepRun {
    /// The fields every result object carries about its run.
    public func describe(into o: inout [String: Any]) {
        o["index"] = index
        o["point"] = point
        o["path"] = path
        o["run_key"] = key
        var v: [String: Any] = [:]
        for pair in variation { v[pair[0]] = jsonValue(ofOverride: pair[1]) }
        if let seed { v["seed"] = seed }
        o["variation"] = v
        o["repetition"] = repetition
        if o["scenario"] == nil { o["scenario"] = scenarioName }
    }
}

// MARK: - One run, in this process (the hidden `embody _run`)

public enum SweepExecution {
    /// Runs run `index` of the plan in `folder` in this process and writes its result atomically.
    /// A scenario error is recorded as `invalid_input`, a runtime error as `internal_error`.
    public static func runOne(folder: ResultsFolder, index: Int) throws(RuntimeError) {
        let plan = try folder.loadPlan()
        guard plan.runs.indices.contains(index) else {
            throw RuntimeError("run \(index) is not in \(folder.planPath) (it has \(plan.runs.count) runs)")
        }
        let run = plan.runs[index]
        var object: [String: Any]
        let cpuStart = threadCPUNanoseconds()
        do {
            let (scenario, model) = try ScenarioLoader.load(path: run.path, overrides: run.allOverrides)
            var options = RunOptions()
            let logPartial = folder.logPath(index) + ".partial-\(getpid())"
            if plan.record {
                options.recordPath = logPartial
                options.recordEvery = plan.recordEvery
            }
            let sim = try Simulation(scenario: scenario, model: model, options: options)
            let loopStart = threadCPUNanoseconds()
            let summary = try Runner.run(sim)
            let cpu = Double(threadCPUNanoseconds() - loopStart) / 1e9
            object = summary.jsonObject()
            object["cpu_time"] = cpu
            object["steps_per_cpu_second"] = cpu > 0 ? Double(summary.steps) / cpu : 0
            if plan.record {
                guard rename(logPartial, folder.logPath(index)) == 0 else {
                    throw RuntimeError("cannot rename \(logPartial): \(String(cString: strerror(errno)))", invalidInput: false)
                }
                object["log"] = folder.logPath(index)
            }
        } catch let error as ScenarioErrors {
            object = ["error": error.description, "invalid_input": true, "success": false, "outcome": "invalid_input"]
        } catch let error as RuntimeError {
            object = ["error": error.message, "invalid_input": error.isInvalidInput, "success": false,
                      "outcome": error.isInvalidInput ? "invalid_input" : "internal_error"]
        } catch {
            object = ["error": "\(error)", "success": false, "outcome": "internal_error"]
        }
        object["process_cpu_time"] = Double(threadCPUNanoseconds() - cpuStart) / 1e9
        run.describe(into: &object)
        try folder.writeResult(object, index: index)
    }

    /// Runs the listed runs in child processes (`executable _run DIR INDEX`), up to `jobs` at a time.
    /// A child that ends without writing its result (a trap, a signal) is recorded as an internal error
    /// with its exit status and the last lines it wrote to stderr. `completed` is called on the calling
    /// thread once per run, in the order of `indices`, as soon as it and every earlier one is done.
    /// Returns the result objects in the order of `indices`.
    @discardableResult
    public static func runChildren(folder: ResultsFolder, indices: [Int], jobs: Int, executable: String,
                                   wrapper: [String] = [],
                                   completed: ([String: Any]) -> Void = { _ in }) throws(RuntimeError) -> [[String: Any]] {
        let plan = try folder.loadPlan()
        let state = ChildState(count: indices.count)
        let workers = max(1, min(jobs, indices.count))
        let inputs = ChildInputs(folder: folder, plan: plan, indices: indices, executable: executable, wrapper: wrapper)
        for _ in 0..<workers {
            let thread = Thread { childWorker(inputs, state) }
            thread.start()
        }
        var next = 0
        var results: [[String: Any]] = []
        while next < indices.count {
            state.condition.lock()
            while state.results[next] == nil { state.condition.wait() }
            let ready = state.results[next...].prefix { $0 != nil }.map { $0!.object }
            state.condition.unlock()
            for r in ready { completed(r); results.append(r) }
            next += ready.count
        }
        return results
    }

    static func childWorker(_ inputs: ChildInputs, _ state: ChildState) {
        while true {
            state.condition.lock()
            let slot = state.next
            state.next += 1
            state.condition.unlock()
            guard slot < inputs.indices.count else { return }
            let index = inputs.indices[slot]
            let object = runChild(inputs, index: index)
            state.condition.lock()
            state.results[slot] = SendableObject(object: object)
            state.condition.broadcast()
            state.condition.unlock()
        }
    }

    /// Runs one child and returns its result object (or the internal error it ended with).
    static func runChild(_ inputs: ChildInputs, index: Int) -> [String: Any] {
        let folder = inputs.folder
        let stderrPath = "\(folder.runsPath)/\(String(format: "%06d", index)).stderr-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder.resultPath(index))
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: stderrPath) }
        let process = Process()
        let arguments = ["_run", folder.path, String(index)]
        if let first = inputs.wrapper.first {
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(inputs.wrapper.dropFirst()) + [inputs.executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: inputs.executable)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        // A crashing run reports its `Fatal error:` line; the backtrace would take seconds and say less.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        var status: Int32 = -1
        var reason = Process.TerminationReason.exit
        do {
            try process.run()
            process.waitUntilExit()
            status = process.terminationStatus
            reason = process.terminationReason
        } catch {
            var o: [String: Any] = ["error": "cannot start \(inputs.executable): \(error.localizedDescription)",
                                    "success": false, "outcome": "internal_error"]
            inputs.plan.runs[index].describe(into: &o)
            try? folder.writeResult(o, index: index)
            return o
        }
        if let o = try? folder.result(index) { return o }
        // The child ended without a result: a trap or a signal. Record it so that collect lists it as failed.
        let text = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        let fatal = lines.filter { $0.contains("Fatal error") || $0.contains("error:") }
        let tail = (fatal.isEmpty ? Array(lines.suffix(3)) : Array(fatal.prefix(3))).joined(separator: " | ")
        let how = reason == .uncaughtSignal ? "was killed by signal \(status) (\(signalName(status)))" : "exited with status \(status) without a result"
        var o: [String: Any] = ["error": "the run crashed: its process \(how)" + (tail.isEmpty ? "" : ": \(tail)"),
                                "success": false, "outcome": "internal_error"]
        inputs.plan.runs[index].describe(into: &o)
        try? folder.writeResult(o, index: index)
        return o
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGILL: "SIGILL, a trap"
        case SIGTRAP: "SIGTRAP, a trap"
        case SIGABRT: "SIGABRT"
        case SIGSEGV: "SIGSEGV"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        default: "signal \(s)"
        }
    }
}

struct SendableObject: @unchecked Sendable { var object: [String: Any] }

final class ChildInputs: @unchecked Sendable {
    let folder: ResultsFolder
    let plan: SweepPlan
    let indices: [Int]
    let executable: String
    let wrapper: [String]

    init(folder: ResultsFolder, plan: SweepPlan, indices: [Int], executable: String, wrapper: [String]) {
        self.folder = folder; self.plan = plan; self.indices = indices; self.executable = executable; self.wrapper = wrapper
    }
}

final class ChildState: @unchecked Sendable {
    let condition = NSCondition()
    var next = 0
    var results: [SendableObject?]

    init(count: Int) { results = Array(repeating: nil, count: count) }
}

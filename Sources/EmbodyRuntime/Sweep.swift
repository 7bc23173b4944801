// MARK: - Sweeps: a numbered list of runs, a results folder, and one process per run
//
// A sweep (a sweep document, or `run`'s --sweep/--seeds flags) expands to a SweepPlan: a deterministic,
// numbered list of runs. The plan is written to a results folder (plan.json); every run writes its own
// result there atomically (runs/000042.json, written to a temporary name and renamed), so a run killed
// half-way leaves nothing that looks finished, and `embody collect` can tell finished, failed and
// missing runs apart.
//
// Runs execute in worker processes (`embody _worker DIR`, the same binary), which take run indices on
// stdin and run them one after another: a trap in one run (a real bug) ends that worker only, and the
// parent records the run as an internal error, starts a new worker and goes on with the others. Local
// batches keep up to N workers busy; a Slurm array task runs its slice through one worker in the same
// way (see Slurm.swift).

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
    public static func runOne(folder: ResultsFolder, index: Int, plan loaded: SweepPlan? = nil) throws(RuntimeError) {
        let plan: SweepPlan
        if let loaded { plan = loaded } else { plan = try folder.loadPlan() }
        guard plan.runs.indices.contains(index) else {
            throw RuntimeError("run \(index) is not in \(folder.planPath) (it has \(plan.runs.count) runs)")
        }
        let run = plan.runs[index]
        // Fault injection for the tests of batch isolation: EMBODY_FAULT_TRAP_RUN=N traps in run N, as a bug would.
        if let n = ProcessInfo.processInfo.environment["EMBODY_FAULT_TRAP_RUN"], Int(n) == index {
            fatalError("EMBODY_FAULT_TRAP_RUN=\(index): a trap injected for testing")
        }
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
            try requireControllerWithoutHost(scenario)
            let sim = try Simulation(scenario: scenario, model: model, options: options)
            let loopStart = threadCPUNanoseconds()
            let summary = try Runner.run(sim)
            let cpu = Double(threadCPUNanoseconds() - loopStart) / 1e9
            object = summary.jsonObject()
            object["outcome"] = runOutcome(object)
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

    /// The hidden `embody _worker DIR`: reads run indices from stdin, one per line; runs each (runOne) and
    /// answers its index on stdout once the result is written. Ends at the end of its input.
    public static func serveWorker(folder: ResultsFolder) throws(RuntimeError) {
        let plan = try folder.loadPlan()
        while let line = readLine() {
            guard let index = Int(line.trimmingCharacters(in: .whitespaces)) else {
                throw RuntimeError("_worker: '\(line)' is not a run index", invalidInput: false)
            }
            try runOne(folder: folder, index: index, plan: plan)
            print(index)
            fflush(nil)
        }
    }

    /// Runs the listed runs in worker processes (`executable _worker DIR`, the same binary), up to `jobs`
    /// at a time: each worker runs one run after another, so a process starts once per worker, not once
    /// per run. A worker that ends without answering (a trap, a signal) is replaced; its run is recorded
    /// as an internal error with the exit status and the `Fatal error` line it wrote to stderr, unless it
    /// was killed from outside (SIGTERM, SIGKILL: a time limit or scancel), when the run is left missing.
    /// `completed` is called on the calling thread once per run, in the order of `indices`, as soon as it
    /// and every earlier one is done. Returns the result objects in the order of `indices`.
    @discardableResult
    public static func runChildren(folder: ResultsFolder, indices: [Int], jobs: Int, executable: String,
                                   budget: InstructionBudget? = nil,
                                   completed: ([String: Any]) -> Void = { _ in }) throws(RuntimeError) -> [[String: Any]] {
        let plan = try folder.loadPlan()
        var executable = executable
        if let budget {
            guard FileManager.default.isExecutableFile(atPath: budget.valgrind) else {
                throw RuntimeError("--max-instructions counts instructions under callgrind, but \(budget.valgrind) is not there (apt-get install valgrind)")
            }
            executable = try budget.strippedCopy(of: executable, in: folder)
        }
        signal(SIGPIPE, SIG_IGN)  // a worker that died must not take the parent down when it is written to
        let state = ChildState(count: indices.count)
        let workers = max(1, min(jobs, indices.count))
        let inputs = ChildInputs(folder: folder, plan: plan, indices: indices, executable: executable, budget: budget)
        for w in 0..<workers {
            let thread = Thread {
                workerLoop(inputs, state, number: w)
                state.condition.lock()
                state.workersDone += 1
                state.condition.broadcast()
                state.condition.unlock()
            }
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
        // Every worker process has ended (and been waited for) before this returns.
        state.condition.lock()
        while state.workersDone < workers { state.condition.wait() }
        state.condition.unlock()
        return results
    }

    /// One worker process, as seen from the parent.
    final class WorkerProcess {
        let process = Process()
        let input = Pipe(), output = Pipe()
        let stderrPath: String

        init(_ inputs: ChildInputs, number: Int, callgrindOutput: String? = nil) throws {
            stderrPath = "\(inputs.folder.runsPath)/.worker-\(getpid())-\(number).stderr"
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
            if let budget = inputs.budget, let callgrindOutput {
                process.executableURL = URL(fileURLWithPath: budget.valgrind)
                process.arguments = ["--tool=callgrind", "--callgrind-out-file=\(callgrindOutput)", "--quiet",
                                     inputs.executable, "_worker", inputs.folder.path]
            } else {
                process.executableURL = URL(fileURLWithPath: inputs.executable)
                process.arguments = ["_worker", inputs.folder.path]
            }
            var environment = ProcessInfo.processInfo.environment
            // A crashing run reports its `Fatal error:` line; the backtrace would take seconds and say less.
            if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
            // Swift's per-process hash seed would vary instruction counts from one process to the next.
            if inputs.budget != nil { environment["SWIFT_DETERMINISTIC_HASHING"] = "1" }
            process.environment = environment
            process.standardInput = input
            process.standardOutput = output
            process.standardError = FileHandle(forWritingAtPath: stderrPath)
            try process.run()
        }

        /// Sends a run index and waits for its answer; false when the worker ended instead.
        func run(_ index: Int) -> Bool {
            let line = Array("\(index)\n".utf8)
            let written = line.withUnsafeBytes { write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { return false }
            var answer: [UInt8] = []
            var byte: UInt8 = 0
            while read(output.fileHandleForReading.fileDescriptor, &byte, 1) == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: answer, as: UTF8.self) == String(index) }
                answer.append(byte)
            }
            return false
        }

        /// The size of the stderr file now (to quote only what one run wrote).
        func stderrOffset() -> UInt64 {
            ((try? FileManager.default.attributesOfItem(atPath: stderrPath)[.size]) as? NSNumber)?.uint64Value ?? 0
        }

        /// What the worker wrote to stderr since `offset`.
        func stderrText(since offset: UInt64) -> String {
            guard let h = FileHandle(forReadingAtPath: stderrPath) else { return "" }
            defer { try? h.close() }
            try? h.seek(toOffset: offset)
            return String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
        }

        /// Closes the input and waits for the process to end.
        func finish() -> (status: Int32, reason: Process.TerminationReason) {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            try? output.fileHandleForReading.close()
            try? FileManager.default.removeItem(atPath: stderrPath)
            return (process.terminationStatus, process.terminationReason)
        }
    }

    static func workerLoop(_ inputs: ChildInputs, _ state: ChildState, number: Int) {
        var worker: WorkerProcess?
        defer { _ = worker?.finish() }
        while true {
            state.condition.lock()
            let slot = state.next
            state.next += 1
            state.condition.unlock()
            guard slot < inputs.indices.count else { return }
            let index = inputs.indices[slot]
            try? FileManager.default.removeItem(atPath: inputs.folder.resultPath(index))
            var object: [String: Any]
            do {
                // Under an instruction budget every run has a worker of its own under callgrind, whose
                // count is the run's: the process start, loading the scenario, and the run.
                let callgrind = inputs.budget.map { _ in "\(inputs.folder.runsPath)/\(String(format: "%06d", index)).callgrind" }
                if worker == nil { worker = try WorkerProcess(inputs, number: number, callgrindOutput: callgrind) }
                let offset = worker!.stderrOffset()
                if worker!.run(index), var o = try? inputs.folder.result(index) {
                    if let budget = inputs.budget, let callgrind {
                        let end = worker!.finish()
                        worker = nil
                        budget.apply(to: &o, callgrindOutput: callgrind, status: end.status)
                        try? inputs.folder.writeResult(o, index: index)
                    }
                    object = o
                } else {
                    let text = worker!.stderrText(since: offset)
                    let end = worker!.finish()
                    worker = nil
                    object = crashRecord(inputs, index: index, status: end.status, reason: end.reason, stderr: text)
                }
            } catch {
                object = ["error": "cannot start \(inputs.executable): \(error.localizedDescription)", "success": false,
                          "outcome": "internal_error"]
                inputs.plan.runs[index].describe(into: &object)
                try? inputs.folder.writeResult(object, index: index)
            }
            state.condition.lock()
            state.results[slot] = SendableObject(object: object)
            state.condition.broadcast()
            state.condition.unlock()
        }
    }

    /// The result of a run whose worker ended without answering.
    static func crashRecord(_ inputs: ChildInputs, index: Int, status: Int32, reason: Process.TerminationReason,
                            stderr text: String) -> [String: Any] {
        // Killed from outside (a Slurm time limit, scancel, kill): the run is missing, not failed, and
        // nothing is written, so that collect lists it as missing and --resume runs it again.
        if reason == .uncaughtSignal && [SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGXCPU].contains(status) {
            var o: [String: Any] = ["error": "the run's process was killed by \(signalName(status)) from outside (a time limit, scancel or kill); it has no result",
                                    "success": false, "outcome": "missing"]
            inputs.plan.runs[index].describe(into: &o)
            return o
        }
        // A trap or another signal: record it, so that collect lists the run as failed.
        let lines = text.split(separator: "\n").filter { !$0.isEmpty }
        let fatal = lines.filter { $0.contains("Fatal error") || $0.contains("error:") }
        let tail = (fatal.isEmpty ? Array(lines.suffix(3)) : Array(fatal.prefix(3))).joined(separator: " | ")
        let how = reason == .uncaughtSignal ? "was killed by signal \(status) (\(signalName(status)))" : "exited with status \(status) without a result"
        var o: [String: Any] = ["error": "the run crashed: its process \(how)" + (tail.isEmpty ? "" : ": \(tail)"),
                                "success": false, "outcome": "internal_error"]
        inputs.plan.runs[index].describe(into: &o)
        try? inputs.folder.writeResult(o, index: index)
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
    let budget: InstructionBudget?

    init(folder: ResultsFolder, plan: SweepPlan, indices: [Int], executable: String, budget: InstructionBudget?) {
        self.folder = folder; self.plan = plan; self.indices = indices; self.executable = executable; self.budget = budget
    }
}

final class ChildState: @unchecked Sendable {
    let condition = NSCondition()
    var next = 0
    var workersDone = 0
    var results: [SendableObject?]

    init(count: Int) { results = Array(repeating: nil, count: count) }
}

// MARK: - Instruction budgets

/// `--max-instructions N`: each run is counted under callgrind (valgrind's instruction counter, as
/// Embody's own `make bench-check`), and a run above N fails the batch (exit 2). The count covers the run's
/// whole worker process: start-up, loading the scenario and model, building the world, and the run.
public struct InstructionBudget: Sendable {
    /// Instructions allowed per run.
    public var limit: UInt64
    /// The valgrind executable.
    public var valgrind: String

    public init(limit: UInt64, valgrind: String) {
        self.limit = limit
        self.valgrind = valgrind
    }

    /// A copy of `executable` without debug information, in the results folder: valgrind 3.19 cannot read
    /// the DWARF 5 that Swift 6.3 emits (as scripts/callgrind-gate.py found). Symbols stay.
    func strippedCopy(of executable: String, in folder: ResultsFolder) throws(RuntimeError) -> String {
        let copy = "\(folder.path)/.embody-for-callgrind"
        var tools = ["/opt/swift/usr/bin/llvm-objcopy"]
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            tools += ["\(dir)/llvm-objcopy", "\(dir)/objcopy"]
        }
        for tool in tools where FileManager.default.isExecutableFile(atPath: tool) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["--strip-debug", executable, copy]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return copy }
        }
        throw RuntimeError("--max-instructions needs objcopy (binutils) or llvm-objcopy to give valgrind a copy of embody without DWARF 5 debug info")
    }

    /// Adds `instructions`, `instruction_budget` and (when exceeded) `over_instruction_budget` to a result.
    func apply(to o: inout [String: Any], callgrindOutput: String, status: Int32) {
        o["instruction_budget"] = limit
        guard let text = try? String(contentsOfFile: callgrindOutput, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("summary:") || $0.hasPrefix("totals:") }),
              let count = UInt64(line.split(separator: " ").last ?? "") else {
            o["over_instruction_budget"] = true
            o["instruction_budget_error"] = "callgrind wrote no instruction count to \(callgrindOutput) (valgrind exit \(status))"
            return
        }
        o["instructions"] = count
        if count > limit { o["over_instruction_budget"] = true }
        try? FileManager.default.removeItem(atPath: callgrindOutput)
    }
}

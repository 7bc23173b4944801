// MARK: - Batches: many independent runs on N threads
//
// A batch is a list of jobs (scenario file + overrides). Every job is loaded and checked up front on the
// calling thread, so a typo fails before any run starts. Then N worker threads take jobs in order; each
// builds its own Simulation (world, robot, controller, buffers) and runs it to the end. Simulations share
// nothing mutable, so every run computes exactly the bits it computes alone.
//
// Bullet's process globals are safe here: `gDbvtMargin` is written (always 0) when a world is created, so
// Simulations are built one at a time under a lock; `gContactBreakingThreshold`, `gDisableDeactivation`,
// `gDeactivationTime` and the contact callbacks are only read; the remaining globals (`gOverlappingPairs`,
// `gAddedPairs`, `gRemovePairs`, `gFindPairs`, `gNumAlignedAllocs`, …) are statistics counters that Bullet
// writes but never reads back into the simulation. See docs/performance.md.

import EmbodyModel
import EmbodyScenario
import Foundation

/// One run of a batch: a scenario file and the overrides that make this run different.
public struct BatchJob: Sendable, Equatable {
    /// The scenario file.
    public var path: String
    /// Overrides applied to every run of the batch (`--set`).
    public var overrides: [String]
    /// Overrides that vary across the batch (a sweep value, a seed), as "key=value"; applied after `overrides`.
    public var variation: [String]

    /// Creates a job.
    public init(path: String, overrides: [String] = [], variation: [String] = []) {
        self.path = path
        self.overrides = overrides
        self.variation = variation
    }

    /// Every override, in the order applied.
    public var allOverrides: [String] { overrides + variation }
}

/// One parameter swept over a list of values (`--sweep key=v1,v2,…`).
public struct SweepAxis: Sendable, Equatable {
    /// The scenario key path, as `--set` takes it.
    public var key: String
    /// The values, as `--set` takes them (YAML scalars or flow values).
    public var values: [String]

    /// Creates a sweep axis.
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses "key=v1,v2,…"; commas inside brackets or braces belong to a value, so "g=[0,0,-9.81],[0,0,-1.62]" is two values.
    public static func parse(_ text: String) throws(RuntimeError) -> SweepAxis {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw RuntimeError("--sweep '\(text)' must look like key=value1,value2,…")
        }
        let key = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        var values: [String] = []
        var depth = 0, current = ""
        for c in text[text.index(after: eq)...] {
            if c == "[" || c == "{" { depth += 1 }
            if c == "]" || c == "}" { depth -= 1 }
            if c == "," && depth == 0 {
                values.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        values.append(current.trimmingCharacters(in: .whitespaces))
        guard !key.isEmpty, !values.contains(where: \.isEmpty) else {
            throw RuntimeError("--sweep '\(text)' has an empty key or value; write key=value1,value2,…")
        }
        return SweepAxis(key: key, values: values)
    }
}

/// Parses `--seeds`: "a..b" (inclusive), "a..<b", or a single seed "a" (`SeedRange`, as sweep files read it).
public func parseSeedRange(_ text: String) throws(RuntimeError) -> [UInt64] {
    do { return try SeedRange.parse(text) } catch { throw RuntimeError("--seeds '\(text)': \(error.message)") }
}

/// The jobs for scenarios × every combination of the sweep values × seeds, in that nesting order
/// (the last sweep axis varies fastest, then seeds).
public func expandBatch(paths: [String], overrides: [String], sweeps: [SweepAxis], seeds: [UInt64]?) -> [BatchJob] {
    var variations: [[String]] = [[]]
    for axis in sweeps {
        variations = variations.flatMap { prefix in axis.values.map { prefix + ["\(axis.key)=\($0)"] } }
    }
    if let seeds {
        variations = variations.flatMap { prefix in seeds.map { prefix + ["seed=\($0)"] } }
    }
    return paths.flatMap { path in variations.map { BatchJob(path: path, overrides: overrides, variation: $0) } }
}

/// How one job of a batch ended.
public enum BatchOutcome: Sendable {
    /// The run finished; `summary.success` tells whether its criteria held.
    case finished(RunSummary)
    /// The run could not be built or stopped with an error.
    case failed(RuntimeError)
}

/// The result of one job.
public struct BatchResult: Sendable {
    /// The job's position in the batch, from 0.
    public var index: Int
    /// The job.
    public var job: BatchJob
    /// How it ended.
    public var outcome: BatchOutcome
    /// The CPU time the run's thread spent in the loop, in s (0 when it could not be built).
    public var cpuSeconds: Double = 0

    /// The run's summary as JSON, plus `index`, `path`, `variation`, `cpu_time` and `steps_per_cpu_second` (or `error` for a failed job).
    public func jsonObject() -> [String: Any] {
        var o: [String: Any]
        switch outcome {
        case .finished(let summary):
            o = summary.jsonObject()
        case .failed(let error):
            o = ["error": error.message, "success": false]
        }
        o["index"] = index
        o["cpu_time"] = cpuSeconds
        if case .finished(let summary) = outcome, cpuSeconds > 0 {
            o["steps_per_cpu_second"] = Double(summary.steps) / cpuSeconds
        }
        o["path"] = job.path
        o["variation"] = job.variation
        return o
    }
}

/// Runs independent simulations on worker threads.
public enum BatchRunner {
    /// Loads every job on the calling thread; returns the loaded scenarios, or throws one error listing every bad job.
    public static func load(_ jobs: [BatchJob]) throws(RuntimeError) -> [(Scenario, RobotModel)] {
        var loaded: [(Scenario, RobotModel)] = []
        var problems: [String] = []
        loaded.reserveCapacity(jobs.count)
        for job in jobs {
            do {
                loaded.append(try ScenarioLoader.load(path: job.path, overrides: job.allOverrides))
            } catch {
                let with = job.variation.isEmpty ? "" : " with \(job.variation.joined(separator: " "))"
                problems.append("\(job.path)\(with) is not a valid scenario:\n\(error.description)")
            }
        }
        guard problems.isEmpty else { throw RuntimeError(problems.joined(separator: "\n")) }
        return loaded
    }

    /// Runs every loaded job on `threads` worker threads and returns the results in job order; `completed`
    /// is called once per job, in job order, on the calling thread, as soon as that job and every earlier one is done.
    /// `recordPaths`, when given, holds one log path per job (`embody run … --view`).
    public static func run(_ jobs: [BatchJob], loaded: [(Scenario, RobotModel)], threads: Int, recordPaths: [String]? = nil,
                           completed: (BatchResult) -> Void = { _ in }) -> [BatchResult] {
        precondition(jobs.count == loaded.count, "one loaded scenario per job")
        precondition(recordPaths == nil || recordPaths!.count == jobs.count, "one log path per job")
        let state = BatchState(count: jobs.count)
        let workers = max(1, min(threads, jobs.count))
        let inputs = BatchInputs(jobs: jobs, loaded: loaded, recordPaths: recordPaths)
        for _ in 0..<workers {
            let thread = Thread { work(inputs, state) }
            thread.stackSize = 8 << 20
            thread.start()
        }
        // Hand results over in job order as they become available.
        var next = 0
        while next < jobs.count {
            state.condition.lock()
            while state.results[next] == nil { state.condition.wait() }
            let ready = state.results[next...].prefix { $0 != nil }.map { $0! }
            state.condition.unlock()
            for r in ready { completed(r) }
            next += ready.count
        }
        state.condition.lock()
        let results = state.results.map { $0! }
        state.condition.unlock()
        return results
    }

    /// A worker: takes the next job, builds its Simulation under the construction lock, runs it unlocked.
    static func work(_ inputs: BatchInputs, _ state: BatchState) {
        while true {
            state.condition.lock()
            let i = state.nextJob
            state.nextJob += 1
            state.condition.unlock()
            guard i < inputs.jobs.count else { return }
            let (scenario, model) = inputs.loaded[i]
            let outcome: BatchOutcome
            state.construction.lock()
            var options = RunOptions()
            options.recordPath = inputs.recordPaths?[i]
            let built = Result { () throws(RuntimeError) in
                try requireControllerWithoutHost(scenario)
                return try Simulation(scenario: scenario, model: model, options: options)
            }
            state.construction.unlock()
            let cpuStart = threadCPUNanoseconds()
            do {
                outcome = .finished(try Runner.run(try built.get()))
            } catch {
                outcome = .failed(error)
            }
            let cpu = Double(threadCPUNanoseconds() - cpuStart) / 1e9
            state.condition.lock()
            state.results[i] = BatchResult(index: i, job: inputs.jobs[i], outcome: outcome, cpuSeconds: cpu)
            state.condition.broadcast()
            state.condition.unlock()
        }
    }
}

/// The immutable inputs every worker reads.
final class BatchInputs: Sendable {
    let jobs: [BatchJob]
    let loaded: [(Scenario, RobotModel)]
    let recordPaths: [String]?

    init(jobs: [BatchJob], loaded: [(Scenario, RobotModel)], recordPaths: [String]?) {
        self.jobs = jobs
        self.loaded = loaded
        self.recordPaths = recordPaths
    }
}

/// The shared queue position and results, guarded by `condition`; `construction` serializes world creation.
final class BatchState: @unchecked Sendable {
    let condition = NSCondition()
    let construction = NSLock()
    var nextJob = 0
    var results: [BatchResult?]

    init(count: Int) { results = Array(repeating: nil, count: count) }
}

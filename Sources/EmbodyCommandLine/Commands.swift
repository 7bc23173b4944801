import ArgumentParser
import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import EmbodyView
import Foundation

/// `--set key.path=value`, shared by run, validate and bench.
struct OverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a scenario key, e.g. --set physics.dt=0.002 (repeatable).",
                                                         valueName: "key.path=value"))
    var overrides: [String] = []
}

/// `--package-path DIR` (repeatable) and `--verbose`, shared by run, validate and inspect.
struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("package-path"),
            help: ArgumentHelp("A folder searched for package:// meshes, after robot.package_paths and before ROS_PACKAGE_PATH (repeatable).",
                               valueName: "dir"))
    var packagePaths: [String] = []

    @Flag(help: "List every model element that was ignored, not only the one-line summary.")
    var verbose = false
}

/// Prints a model's warnings on stderr; `verbose` adds each ignored element.
func printModelWarnings(_ model: RobotModel, verbose: Bool) {
    for w in model.warnings { warn(w.description) }
    if verbose { for w in model.ignoredElements { warn(w.description) } }
}

/// The file a scenario argument (a path or a bundled name) names, or fails with exit 1 listing the bundled names.
func resolveScenarioPath(_ argument: String) throws -> String {
    guard let path = BundledScenarios.resolve(argument) else {
        let known = BundledScenarios.all().map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        throw CLIError(.invalidInput, "no scenario file or bundled scenario named '\(argument)'"
                       + (known.isEmpty ? " (\(BundledScenarios.notFoundMessage))" : "; bundled: \(known.joined(separator: ", "))"))
    }
    return path
}

/// Resolves a scenario argument (a path or a bundled name) and loads it, or fails with exit 1.
func loadScenario(_ argument: String, overrides: [String], model options: ModelOptions? = nil) throws -> (Scenario, RobotModel) {
    let path = try resolveScenarioPath(argument)
    do {
        let loaded = try ScenarioLoader.load(path: path, overrides: overrides, packagePaths: options?.packagePaths ?? [])
        if let options { printModelWarnings(loaded.1, verbose: options.verbose) }
        return loaded
    } catch {
        throw CLIError(.invalidInput, "\(path) is not a valid scenario:\n\(error.description)")
    }
}

/// Prints a JSON object on stdout, keys sorted.
func printJSON(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

// MARK: - run

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario headlessly (or paced in real time) and print its summary; or run a batch on several threads.",
        discussion: """
        With no argument, runs the default bundled scenario (\(BundledScenarios.defaultName)). Exit code 2 means the success criteria failed or the robot fell.

        Batch mode: several scenarios, --sweep or --seeds make one run per scenario × sweep value × seed, on \
        --jobs threads; with --json each run prints one JSON object per line, in batch order. Exit code 2 \
        when any run failed its criteria, 1 when any run had invalid input, 3 on an internal error. See docs/benchmarks.md.
        """)

    @Argument(help: "Scenario files, or names of bundled scenarios (see `embody list`).")
    var scenarios: [String] = []

    @OptionGroup var overrideOptions: OverrideOptions

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print one JSON object on stdout (one per line in batch mode); everything else goes to stderr.")
    var json = false

    @Option(help: "Run the batch on this many threads (each run stays bit-identical to running it alone).")
    var jobs: Int = 1

    @Option(help: ArgumentHelp("Sweep a scenario key over values, one run each (repeatable: every combination runs).",
                               valueName: "key.path=v1,v2,..."))
    var sweep: [String] = []

    @Option(help: ArgumentHelp("Run once per seed: a..b (inclusive), a..<b, or a single seed.", valueName: "a..b"))
    var seeds: String?

    @Option(help: ArgumentHelp("Write a binary log of the run (a batch: a results folder whose runs/ holds one log per run).",
                               valueName: "file|dir"))
    var record: String?

    @Option(help: ArgumentHelp("Batch mode: keep every run's result in this folder (see `embody collect`).", valueName: "dir"))
    var results: String?

    @OptionGroup var checks: CheckOptions

    @Option(help: "Record every Nth tick.")
    var recordEvery: Int = 1

    @Flag(help: ArgumentHelp("Also write the run as an HTML viewer page (docs/viewer.md): `--view` alone names it after the scenario, `--view FILE.html` names it; a batch writes a folder (`--view DIR`) with one page per run and index.html.",
                             valueName: "file"))
    var view = false

    /// The page (or a batch's folder) given as `--view FILE`; `Embody.rewriteViewArguments` turns that into this option.
    @Option(name: .customLong("view-file"), help: .hidden)
    var viewFile: String?

    @Flag(help: "Pace the loop against the monotonic clock, one tick per dt, and report cycle time and jitter.")
    var realtime = false

    @Option(help: "With --realtime: SCHED_FIFO priority (1-99); warns and continues if not permitted.")
    var rtPriority: Int?

    @Option(help: "With --realtime: pin the loop to this CPU; warns and continues if not permitted.")
    var cpu: Int?

    @Flag(help: "With --realtime: lock memory with mlockall; warns and continues if not permitted.")
    var lockMemory = false

    @Option(help: ArgumentHelp("With --realtime: stop sleeping this many µs before each deadline and spin on the clock until it (0-1000, default 0; keeps a core busy for that share of each period).",
                               valueName: "µs"))
    var spinUs: Int?

    @Option(help: ArgumentHelp("With --realtime: the loop thread's timer slack in ns, how late the kernel may end a sleep (1-10000000; default 1, the minimum; Linux's own default is 50000).",
                               valueName: "ns"))
    var timerSlackNs: Int?

    /// Whether this invocation is a batch (more than one run, or a sweep or seed range).
    var isBatch: Bool { scenarios.count > 1 || !sweep.isEmpty || seeds != nil || checks.maxInstructions != nil }

    func validate() throws {
        if recordEvery < 1 { throw ValidationError("--record-every must be at least 1") }
        if let p = rtPriority, !(1...99).contains(p) { throw ValidationError("--rt-priority must be between 1 and 99") }
        if let spinUs, !(0...1000).contains(spinUs) { throw ValidationError("--spin-us must be between 0 and 1000 µs, got \(spinUs)") }
        if let timerSlackNs, !(1...10_000_000).contains(timerSlackNs) {
            throw ValidationError("--timer-slack-ns must be between 1 and 10000000 ns, got \(timerSlackNs)")
        }
        if !realtime && (rtPriority != nil || cpu != nil || lockMemory || spinUs != nil || timerSlackNs != nil) {
            throw ValidationError("--rt-priority, --cpu, --lock-memory, --spin-us and --timer-slack-ns need --realtime")
        }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if viewFile != nil && !view { throw ValidationError("--view-file is set by --view FILE; use --view") }
        if isBatch && realtime {
            throw ValidationError("--realtime works on a single run; drop the extra scenarios, --sweep and --seeds")
        }
        if !isBatch && results != nil { throw ValidationError("--results keeps the runs of a batch (several scenarios, --sweep or --seeds)") }
        if isBatch, let record, let results, record != results {
            throw ValidationError("in a batch, --record names the results folder that holds the logs; give one folder, not --record \(record) and --results \(results)")
        }
    }

    func run() throws {
        if isBatch { return try runBatch() }
        let (scenario, model) = try loadScenario(scenarios.first ?? BundledScenarios.defaultName,
                                                 overrides: overrideOptions.overrides, model: modelOptions)
        var options = RunOptions()
        // --view without --record records to a temporary log, removed once the page is written.
        let temporaryLog = view && record == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("embody-view-\(getpid()).emblog").path : nil
        options.recordPath = record ?? temporaryLog
        options.recordEvery = recordEvery
        defer { if let temporaryLog { try? FileManager.default.removeItem(atPath: temporaryLog) } }
        let sim: Simulation
        do {
            try requireControllerWithoutHost(scenario)
            sim = try Simulation(scenario: scenario, model: model, options: options)
        } catch { throw CLIError(error) }
        let bar = ProgressBar(enabled: !json)
        let summary: RunSummary
        var stats: RealtimeStats?
        var cpuClock = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuClock)
        let cpuStart = Double(cpuClock.tv_sec) + Double(cpuClock.tv_nsec) / 1e9
        do {
            if realtime {
                var rt = RealtimeOptions()
                rt.priority = rtPriority
                rt.cpu = cpu
                rt.lockMemory = lockMemory
                rt.spinNanoseconds = UInt64(spinUs ?? 0) * 1000
                rt.timerSlackNanoseconds = UInt64(timerSlackNs ?? 1)
                let result = try Runner.runRealtime(sim, options: rt, progress: bar.update)
                summary = result.0
                stats = result.1
            } else {
                summary = try Runner.run(sim, progress: bar.update)
            }
        } catch {
            bar.finish()
            throw CLIError(error)
        }
        bar.finish()
        for w in stats?.warnings ?? [] { warn("embody: warning: \(w)") }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpuClock)
        let cpuSeconds = Double(cpuClock.tv_sec) + Double(cpuClock.tv_nsec) / 1e9 - cpuStart
        if json {
            var object = summary.jsonObject()
            if let stats { object["realtime"] = stats.jsonObject() }
            // The same CPU keys as batch runs: thread CPU time of the loop, and steps per CPU second.
            object["cpu_time"] = cpuSeconds
            object["steps_per_cpu_second"] = cpuSeconds > 0 ? Double(summary.steps) / cpuSeconds : 0
            printJSON(object)
            if stats != nil { warn(stats!.text()) }
        } else {
            print(summary.text())
            if let stats { print(stats.text()) }
        }
        if let record { warn("embody: recorded \(record)") }
        if view, let log = options.recordPath {
            let page = viewFile ?? "\(summary.scenario).html"
            do {
                let bytes = try ViewerPage.write(logPath: log, outputPath: page, summary: ViewerSummary(metrics: summary.metrics))
                warn(String(format: "embody: wrote %@ (%.2f MB)", page, Double(bytes) / 1e6))
            } catch {
                throw CLIError(.invalidInput, error.description)
            }
        }
        let regressed = try checks.apply([summary.jsonObject()], name: summary.scenario)
        if !summary.success || regressed { throw QuietExit(status: .criteriaFailed) }
    }

    /// Runs every scenario × sweep value × seed, each in its own process, `jobs` at a time, and prints a
    /// table (or one JSON object per run), in order. One run that crashes ends as an internal error; the
    /// others complete.
    func runBatch() throws {
        let paths = try (scenarios.isEmpty ? [BundledScenarios.defaultName] : scenarios).map(resolveScenarioPath)
        var plan: SweepPlan
        do {
            let axes = try sweep.map { text throws(RuntimeError) in try SweepAxis.parse(text) }
            let seedList = try seeds.map { text throws(RuntimeError) in try parseSeedRange(text) }
            plan = SweepPlan(name: "batch", paths: paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                             overrides: overrideOptions.overrides, points: SweepPlan.gridPoints(axes), seeds: seedList)
            plan.record = record != nil
            plan.recordEvery = recordEvery
            try plan.check()
        } catch {
            throw CLIError(error)
        }
        // --view DIR keeps the results folder there too (its logs feed the pages) unless --results or --record name one.
        let keep = results ?? record ?? (view ? viewFile ?? "embody-view" : nil)
        if view { plan.record = true }
        let dir = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("embody-batch-\(getpid())-\(UUID().uuidString)").path
        let folder = ResultsFolder(path: dir)
        do { try folder.create(plan: plan) } catch { throw CLIError(error) }
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let report = try runLocally(folder: folder, plan: plan, indices: plan.runs.map(\.index), jobs: jobs, json: json,
                                    checks: checks)
        if view { try writeBatchPages(plan.runs.compactMap { report.results[$0.index] }, folder: viewFile ?? "embody-view", count: plan.runs.count) }
        if let keep { warn("embody: results\(plan.record ? " and logs" : "") in \(keep)") }
        try exitWith(report.exitStatus())
    }

    /// Writes one viewer page per batch run (run-N.html, from the run's log) and the index comparing them, into `folder`.
    func writeBatchPages(_ results: [[String: Any]], folder: String, count: Int) throws {
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw CLIError(.invalidInput, "cannot create the folder '\(folder)' for the viewer pages: \(error.localizedDescription)")
        }
        var entries: [IndexEntry] = []
        for o in results {
            let index = (o["index"] as? Int) ?? entries.count
            let title = (o["run_key"] as? String) ?? "run \(index + 1)"
            let page = "run-\(index + 1).html"
            let metrics = ((o["metrics"] as? [String: Any]) ?? [:]).mapValues { ($0 as? NSNumber)?.doubleValue ?? .nan }
            if let log = o["log"] as? String, o["error"] == nil {
                do {
                    try ViewerPage.write(logPath: log, outputPath: "\(folder)/\(page)", summary: ViewerSummary(metrics: metrics))
                } catch {
                    throw CLIError(.internalError, error.description)
                }
                entries.append(IndexEntry(title: title, page: page, log: log, outcome: runOutcome(o).replacingOccurrences(of: "_", with: " "),
                                          metrics: metrics))
            } else {
                entries.append(IndexEntry(title: title, page: nil, log: nil, outcome: "error: \((o["error"] as? String) ?? runOutcome(o))",
                                          metrics: [:]))
            }
        }
        do { try IndexPage.write(entries, title: "Embody batch: \(count) runs", outputPath: "\(folder)/index.html") } catch {
            throw CLIError(.internalError, error.description)
        }
        warn("embody: wrote \(folder)/index.html and \(entries.filter { $0.page != nil }.count) run pages")
    }
}

// MARK: - validate

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a scenario file and report every problem with file:line:column (exit 1 on any).")

    @Argument(help: "The scenario file (or a bundled scenario name).")
    var scenario: String

    @OptionGroup var overrideOptions: OverrideOptions

    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        _ = try loadScenario(scenario, overrides: overrideOptions.overrides, model: modelOptions)
        print("\(scenario): ok")
    }
}

// MARK: - replay

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Summarize a recorded run, or with --verify re-simulate it and check every recorded tick bit for bit.",
        discussion: "With --verify: exit 0 when every record matches, 2 at the first divergence (tick and variable reported), 1 when the log is damaged or unreadable.")

    @Argument(help: "The log written by `embody run --record`.")
    var log: String

    @Flag(help: "Re-simulate from the scenario embedded in the log and compare every record.")
    var verify = false

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    func run() throws {
        if verify {
            let report: VerifyReport
            do { report = try EmbodyRuntime.Replay.verify(path: log) } catch { throw CLIError(error) }
            if report.truncatedTail { warn("embody: warning: \(log) ends in an incomplete record, which was ignored") }
            if json {
                var o: [String: Any] = ["log": log, "records_checked": report.recordsChecked,
                                        "identical": report.divergence == nil, "truncated_tail": report.truncatedTail]
                if let d = report.divergence {
                    o["diverged_at_tick"] = d.tick
                    o["diverged_channel"] = d.channel
                }
                printJSON(o)
            } else if let d = report.divergence {
                print("\(log): \(d) (after \(report.recordsChecked) identical records)")
            } else {
                print("\(log): \(report.recordsChecked) records replayed bit-identically")
            }
            if report.divergence != nil { throw QuietExit(status: .criteriaFailed) }
            return
        }
        let run: RecordedRun
        do { run = try EmbodyRuntime.Replay.read(path: log) } catch { throw CLIError(.invalidInput, error.description) }
        try printRecordedSummary(run)
    }

    func printRecordedSummary(_ run: RecordedRun) throws {
        let h = run.header
        guard let last = run.last else { throw CLIError(.invalidInput, "\(log) holds no complete record") }
        let scenario: Scenario, model: RobotModel
        do { (scenario, model) = try EmbodyRuntime.Replay.scenario(of: h) } catch { throw CLIError(error) }
        let dof = model.dof
        // A log whose checksums hold can still disagree with its own scenario: check before indexing.
        if let problem = EmbodyRuntime.Replay.inconsistency(of: h, model: model) {
            throw CLIError(.invalidInput, "\(log): \(problem)")
        }
        let kinds = h.eventKinds
        func kind(_ e: LogEvent) -> String { Int(e.kind) < kinds.count ? kinds[Int(e.kind)] : "event \(e.kind)" }
        for (tick, e) in run.events where kind(e) == "criterion_success" || kind(e) == "criterion_failure" {
            guard e.code >= 0 && Int(e.code) < scenario.success.count else {
                throw CLIError(.invalidInput, "\(log): the criterion event at tick \(tick) has code \(e.code), but its scenario has \(scenario.success.count) success criteria (codes 0 to \(scenario.success.count - 1)); the log does not match its own scenario")
            }
        }
        let fellEvent = run.events.first { kind($0.event) == "fall" }
        let divergedEvent = run.events.first { kind($0.event) == "diverged" }
        // Logs written since run_end exists end with it; a log without it was cut off (the run was killed).
        let outcome = EmbodyRuntime.Replay.outcome(eventKinds: kinds, events: run.events.lazy.map { kind($0.event) },
                                                   lastTick: last.tick, physicsSteps: scenario.physicsSteps)
        let complete = outcome != .incomplete
        var criteria: [[String: Any]] = []
        for (_, e) in run.events where complete && (kind(e) == "criterion_success" || kind(e) == "criterion_failure") {
            let passed = kind(e) == "criterion_success"
            let metric = e.code >= 0 && Int(e.code) < scenario.success.count ? scenario.success[Int(e.code)].metric : "criterion \(e.code)"
            criteria.append(["metric": metric, "value": e.value.isFinite ? e.value : NSNull(), "passed": passed])
        }
        var finalQ: [String: Double] = [:]
        for (i, name) in model.jointNames.enumerated() { finalQ[name] = last.values[i] }
        var object: [String: Any] = [
            "scenario": h.scenarioName, "seed": h.seed, "steps": last.tick, "sim_time": Double(last.tick) * h.dt,
            "success": outcome == .success, "outcome": outcome.rawValue, "fell": fellEvent != nil, "final_q": finalQ,
            "criteria": criteria, "records": run.records, "truncated_tail": run.truncatedTail,
            "state_hash": EmbodyRuntime.Replay.stateHash(of: last, header: h, dof: dof),
            "embody_version": h.embodyVersion, "scenario_hash": h.scenarioHash,
        ]
        object["diverged"] = divergedEvent.map { ["tick": $0.tick, "value": $0.event.value.isFinite ? $0.event.value as Any : "\($0.event.value)"] as Any } ?? NSNull()
        if json {
            printJSON(object)
        } else {
            print("log        \(log) (\(run.records) records\(run.truncatedTail ? ", truncated tail ignored" : ""))")
            print("scenario   \(h.scenarioName) (seed \(h.seed), text hash \(h.scenarioHash), Embody \(h.embodyVersion))")
            print(String(format: "steps      %lld (%.3f s simulated)", last.tick, Double(last.tick) * h.dt))
            switch outcome {
            case .success: print("result     success")
            case .fell: print("result     FAILED\(fellEvent.map { String(format: " — fell at %.3f s", Double($0.tick) * h.dt) } ?? "")")
            case .diverged: print("result     DIVERGED by tick \(divergedEvent?.tick ?? last.tick); criteria not evaluated")
            case .incomplete: print("result     INCOMPLETE: the log ends at tick \(last.tick) without its final record (the run was cut off); criteria not evaluated")
            case .criteriaFailed, .internalError: print("result     FAILED")
            }
            for c in criteria { print("criterion  \((c["passed"] as? Bool) == true ? "pass" : "FAIL") \(c["metric"]!) = \(c["value"]!)") }
            print("state hash \(object["state_hash"]!)")
        }
        if outcome != .success { throw QuietExit(status: .criteriaFailed) }
    }
}

// MARK: - export

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a log as CSV or JSON Lines (one row per record, columns named with units), or as MCAP for Foxglove.",
        discussion: "CSV and JSONL columns are named `channel [unit]` (docs/log-format.md); --no-units prints the bare channel names. MCAP: docs/viewer.md.")

    @Argument(help: "The log written by `embody run --record`.")
    var log: String

    @Option(help: "csv, jsonl or mcap.")
    var format: String = "csv"

    @Option(name: .shortAndLong, help: "Write here instead of stdout (required for mcap).")
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Name CSV and JSONL columns with their units, e.g. `q.hip [rad]`.")
    var units = true

    @Flag(help: "Add every link frame's world pose by forward kinematics (link.<name>.x … qw) to CSV and JSONL.")
    var linkPoses = false

    func validate() throws {
        guard format == "mcap" || LogExportFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be csv, jsonl or mcap, not '\(format)'")
        }
        if format == "mcap" && output == nil { throw ValidationError("--format mcap needs an output file: -o run.mcap") }
        if format == "mcap" && linkPoses { throw ValidationError("--link-poses is for csv and jsonl; MCAP always carries the link frames") }
    }

    func run() throws {
        do {
            if format == "mcap" {
                let messages = try MCAPExport.write(logPath: log, outputPath: output!)
                warn("embody: wrote \(output!) (\(messages) messages)")
                return
            }
            let rows = try TextExport.export(logPath: log, format: LogExportFormat(rawValue: format)!, output: output,
                                             units: units, linkPoses: linkPoses)
            warn("embody: exported \(rows) records")
        } catch {
            throw CLIError(.invalidInput, error.description)
        }
    }
}

// MARK: - list

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled scenarios with their descriptions, and the Swift controllers this program registers.")

    func run() throws {
        let files = BundledScenarios.all()
        if files.isEmpty { throw CLIError(.invalidInput, BundledScenarios.notFoundMessage) }
        for file in files {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            do {
                let (s, _) = try ScenarioLoader.load(path: file)
                print("\(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(s.description)")
            } catch {
                print("\(name.padding(toLength: 24, withPad: " ", startingAt: 0)) (invalid: \(error.diagnostics.first?.description ?? "?"))")
            }
        }
        // A program of the user's own (docs/controllers-in-swift.md) lists what `type: custom` can name here.
        let declarations = ControllerRegistry.registeredNames.compactMap(ControllerRegistry.declaration(named:))
        guard !declarations.isEmpty else { return }
        print("")
        print("Swift controllers registered by this program (controller: { type: custom, name: … }):")
        for d in declarations {
            print("\(d.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(d.law)")
            for p in d.parameters {
                let unit = p.unit.isEmpty ? "" : " (\(p.unit))"
                let value = p.defaultValue.map { "default " + ($0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0)) } ?? "required"
                print("  \(p.key.padding(toLength: 22, withPad: " ", startingAt: 0)) \(p.typeText)\(unit), \(value): \(p.meaning)")
            }
        }
    }
}

// MARK: - inspect

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a robot's links, joints and limits, DoF, total mass, standing height, inferred groups and warnings.",
        discussion: """
        The argument is a URDF file, or a scenario (file or bundled name), whose robot is then inspected at its         initial posture too. standing_height is the height of the root link's origin above the lowest collision         point with the root upright: at q = 0, and at the scenario's initial q when a scenario is given.
        """)

    @Argument(help: "The robot's URDF file, or a scenario file or bundled scenario name.")
    var urdf: String

    @Flag(help: "Print one JSON object on stdout.")
    var json = false

    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        let model: RobotModel
        var initialQ: [Double]? = nil
        var source = urdf
        let lowered = urdf.lowercased()
        if lowered.hasSuffix(".urdf") || lowered.hasSuffix(".xml") {
            do { model = try URDFLoader.load(path: urdf, options: ModelLoadOptions(packagePaths: modelOptions.packagePaths)) } catch {
                throw CLIError(.invalidInput, error.description)
            }
        } else {
            let (scenario, loaded) = try loadScenario(urdf, overrides: [], model: nil)
            model = loaded
            source = scenario.robot.urdfPath
            var q = [Double](repeating: 0, count: model.dof)
            for v in scenario.robot.initialQ { if let k = model.coordinateIndex(ofJoint: v.name) { q[k] = v.value } }
            initialQ = q
        }
        let problems = model.simulationProblems
        if !problems.isEmpty {  // loadable, but the physics engine would refuse it: say so now, not at `run`
            throw CLIError(.invalidInput, problems.map { "\($0.description) (the robot cannot be simulated)" }.joined(separator: "\n"))
        }
        let zero = [Double](repeating: 0, count: model.dof)
        var warnings = model.warnings.map(\.description)
        warnings += model.limitViolations(q: zero).map { "\(model.sourcePath): warning: at the default q = 0, \($0)" }
        if modelOptions.verbose { warnings += model.ignoredElements.map(\.description) }
        let standing = model.standingHeight(q: zero)
        let standingInitial = initialQ.flatMap { model.standingHeight(q: $0) }
        let groups = ScenarioSchema.inferredGroups(jointNames: model.jointNames)
        func limitJSON(_ j: Joint) -> [String: Any] {
            guard let l = j.limit else { return [:] }
            var out: [String: Any] = [:]
            if l.lower.isFinite { out["lower"] = l.lower }
            if l.upper.isFinite { out["upper"] = l.upper }
            if l.effort.isFinite { out["effort"] = l.effort }
            if l.velocity.isFinite { out["velocity"] = l.velocity }
            return out
        }
        if json {
            let joints: [[String: Any]] = model.joints.map { j in
                var entry: [String: Any] = ["name": j.name, "type": j.type.rawValue, "parent": model.links[j.parent].name,
                                            "child": model.links[j.child].name]
                if j.type.dof == 1 { entry["limits"] = limitJSON(j) }
                if let m = j.mimic { entry["mimic"] = ["joint": m.joint, "multiplier": m.multiplier, "offset": m.offset] }
                return entry
            }
            var object: [String: Any] = ["name": model.name, "dof": model.dof, "links": model.links.map(\.name), "joints": joints,
                                         "total_mass": model.totalMass, "groups": groups, "warnings": warnings,
                                         "mesh_files": model.meshFiles.count]
            if let standing { object["standing_height"] = standing }
            if let standingInitial { object["standing_height_initial"] = standingInitial }
            printJSON(object)
            return
        }
        for w in warnings { warn(w) }
        print("robot      \(model.name) (\(source))")
        print("dof        \(model.dof)")
        print(String(format: "total mass %.3f kg", model.totalMass))
        if let standing { print(String(format: "standing height %.4f m at q = 0", standing)) }
        if let standingInitial { print(String(format: "standing height %.4f m at the scenario's initial q", standingInitial)) }
        print("links      \(model.links.count): \(model.links.map(\.name).joined(separator: ", "))")
        print("joints     \(model.joints.count):")
        for j in model.joints {
            var line = "  \(j.name) (\(j.type.rawValue)) \(model.links[j.parent].name) → \(model.links[j.child].name)"
            if let l = j.limit, j.type.dof == 1 {
                line += j.type == .continuous || !l.lower.isFinite ? "" : String(format: " [%.4g, %.4g]", l.lower, l.upper)
                line += String(format: " effort %.4g velocity %.4g", l.effort, l.velocity)
            }
            if let m = j.mimic { line += String(format: " mimics %@ × %.4g + %.4g", m.joint, m.multiplier, m.offset) }
            print(line)
        }
        print("groups     " + groups.keys.sorted().map { "\($0) (\(groups[$0]?.count ?? 0))" }.joined(separator: ", "))
        print("warnings   \(warnings.count)")
    }
}

import ArgumentParser
import EmbodyRuntime
import EmbodyScenario
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This executable's absolute path (children and Slurm tasks run the same binary).
func currentExecutable() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if n > 0 { return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
    return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
}

/// Options shared by `run` batches and `sweep`: regression checks and CI output.
struct CheckOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Compare each run's metrics and state hash with this baseline; exit 2 on a regression.",
                               valueName: "file"))
    var baseline: String?

    @Option(help: ArgumentHelp("Record the runs' metrics and state hashes as a baseline.", valueName: "file"))
    var writeBaseline: String?

    @Option(help: ArgumentHelp("Write JUnit XML: one test case per run and criterion.", valueName: "file"))
    var junit: String?

    @Option(help: ArgumentHelp("Count each run's instructions under callgrind; a run above N fails (exit 2).",
                               valueName: "N"))
    var maxInstructions: UInt64?

    func validate() throws {
        // Checked here, before a command writes anything (a results folder, a baseline).
        if maxInstructions == 0 { throw ValidationError("--max-instructions must be at least 1") }
    }

    /// The instruction budget, with valgrind found on the PATH.
    func budget() throws -> InstructionBudget? {
        guard let maxInstructions else { return nil }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        guard let valgrind = dirs.map({ "\($0)/valgrind" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw CLIError(.invalidInput, "--max-instructions counts instructions under callgrind, but valgrind is not on the PATH (apt-get install valgrind)")
        }
        return InstructionBudget(limit: maxInstructions, valgrind: valgrind)
    }

    /// Applies the checks to the results; returns true when a baseline regression was found.
    func apply(_ results: [[String: Any]], name: String) throws -> Bool {
        if let path = junit {
            do { try JUnit.xml(results: results, name: name).write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.invalidInput, "cannot write \(path): \(error.localizedDescription)")
            }
            warn("embody: wrote JUnit XML to \(path)")
        }
        var regressed = false
        if let path = baseline {
            let b: [String: Any]
            do { b = try Baseline.load(path: path) } catch { throw CLIError(error) }
            let changes = Baseline.compare(results: results, baseline: b)
            for c in changes { warn("embody: baseline: \(c.description)") }
            regressed = changes.contains(where: \.regression)
            warn("embody: baseline \(path): \(changes.filter(\.regression).count) regressions, \(changes.filter { !$0.regression }.count) other changes")
        }
        if let path = writeBaseline {
            guard let data = try? JSONSerialization.data(withJSONObject: Baseline.make(results: results), options: [.sortedKeys, .prettyPrinted]),
                  FileManager.default.createFile(atPath: path, contents: data) else {
                throw CLIError(.invalidInput, "cannot write the baseline \(path)")
            }
            warn("embody: wrote the baseline \(path)")
        }
        return regressed
    }
}

/// Runs `indices` of the plan in `folder` locally, `jobs` children at a time, printing each result as it
/// ends; then the tally, warnings and checks. Throws the batch's exit status.
func runLocally(folder: ResultsFolder, plan: SweepPlan, indices: [Int], jobs: Int, json: Bool, checks: CheckOptions,
                printTable: Bool = true) throws -> BatchReport {
    let threads = max(1, min(jobs, indices.count))
    let budget = try checks.budget()
    warn("embody: \(indices.count) runs on \(threads) process\(threads == 1 ? "" : "es") at a time")
    let start = Date()
    var report = BatchReport(plan: plan)
    var headerPrinted = false
    do {
        _ = try SweepExecution.runChildren(folder: folder, indices: indices, jobs: threads,
                                                 executable: currentExecutable(), budget: budget) { o in
            report.add(o)
            if json {
                printJSON(o)
            } else if printTable {
                if !headerPrinted { print(report.header()); headerPrinted = true }
                print(report.line(o))
            }
            fflush(nil)
        }
    } catch {
        throw CLIError(error)
    }
    let wall = Date().timeIntervalSince(start)
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
    warn(String(format: "embody: %@; %.2f s wall, %.2f s CPU in the run processes, %.0f steps/s in total",
                report.tally(), wall, cpu, wall > 0 ? Double(report.steps) / wall : 0))
    if let w = report.identicalSeedsWarning() { warn("embody: \(w)") }
    let ordered = indices.compactMap { report.results[$0] }
    if try checks.apply(ordered, name: plan.name), report.exitStatus() == 0 {
        throw QuietExit(status: .criteriaFailed)
    }
    return report
}

/// Throws the exit status of a report (nothing for 0).
func exitWith(_ status: Int32) throws {
    switch status {
    case 0: return
    case 1: throw QuietExit(status: .invalidInput)
    case 2: throw QuietExit(status: .criteriaFailed)
    default: throw QuietExit(status: .internalError)
    }
}

// MARK: - sweep

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a study described by a sweep file: locally on N processes, or on Slurm as a job array.",
        discussion: """
        A sweep file names the scenarios, the overrides every run shares, a grid or a list of points, the seeds and \
        the repetitions (docs/cluster.md). Every run writes its result atomically into the results folder; \
        `embody collect DIR` turns it into a table. Exit codes: 0 every run succeeded; 1 invalid input; 2 a run \
        failed, is missing, or regressed against --baseline; 3 a run had an internal error.
        """)

    @Argument(help: "The sweep file (YAML or JSON); not needed with --resume.")
    var sweepFile: String?

    @Flag(help: "Print the numbered list of runs and stop.")
    var list = false

    @Option(help: ArgumentHelp("The results folder (default: <name>-results next to the sweep file).", valueName: "dir"))
    var results: String?

    @Option(help: ArgumentHelp("Run only the missing and failed runs of this results folder.", valueName: "dir"))
    var resume: String?

    @Option(help: "Run this many runs at a time locally.")
    var jobs: Int = 1

    @Flag(help: "Submit the runs to Slurm as a job array (sbatch) instead of running them here.")
    var slurm = false

    @Option(help: "With --slurm: runs each array task performs, one after another.")
    var runsPerTask: Int?

    @Option(help: "With --slurm: #SBATCH --partition.")
    var partition: String?

    @Option(help: ArgumentHelp("With --slurm: #SBATCH --time (such as 00:10:00).", valueName: "limit"))
    var time: String?

    @Option(help: ArgumentHelp("With --slurm: #SBATCH --mem (such as 1G).", valueName: "size"))
    var mem: String?

    @Option(help: "With --slurm: #SBATCH --cpus-per-task.")
    var cpusPerTask: Int?

    @Option(name: .customLong("sbatch"), help: ArgumentHelp("With --slurm: an extra #SBATCH option (repeatable).",
                                                            valueName: "--option=value"))
    var sbatchExtra: [String] = []

    @Flag(help: "With --slurm: print the job script and submit nothing.")
    var dryRun = false

    @Flag(help: "With --slurm: wait until the array has ended (sbatch --wait), then print the collected table.")
    var wait = false

    @Flag(help: "Print one JSON object per run (local runs) on stdout.")
    var json = false

    @Flag(help: "Record each run's binary log into the results folder (runs/NNNNNN.emblog).")
    var record = false

    @Option(help: "Record every Nth tick.")
    var recordEvery: Int = 1

    @OptionGroup var checks: CheckOptions

    func validate() throws {
        if sweepFile == nil && resume == nil { throw ValidationError("name a sweep file, or --resume a results folder") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, not \(jobs)") }
        if recordEvery < 1 { throw ValidationError("--record-every must be at least 1") }
        if !slurm && (runsPerTask != nil || partition != nil || time != nil || mem != nil || cpusPerTask != nil
                      || !sbatchExtra.isEmpty || dryRun || wait) {
            throw ValidationError("--runs-per-task, --partition, --time, --mem, --cpus-per-task, --sbatch, --dry-run and --wait need --slurm")
        }
        if slurm && checks.maxInstructions != nil {
            throw ValidationError("--max-instructions counts locally (under callgrind); drop --slurm, or use --jobs N")
        }
        if slurm && jobs != 1 { throw ValidationError("--jobs runs locally; with --slurm give --runs-per-task instead") }
        if resume != nil && results != nil { throw ValidationError("--resume names the results folder; drop --results") }
    }

    func run() throws {
        // The plan: from the sweep file, or from the folder being resumed.
        var plan: SweepPlan
        var document: SweepDocument?
        let folder: ResultsFolder
        if let resume {
            folder = ResultsFolder(path: resume)
            do { plan = try folder.loadPlan() } catch { throw CLIError(error) }
        } else {
            let path = sweepFile!
            do { document = try SweepDocument.load(path: path) } catch { throw CLIError(.invalidInput, error.description) }
            do { plan = try SweepPlan.from(document: document!, resolve: BundledScenarios.resolve) } catch { throw CLIError(error) }
            plan.record = record
            plan.recordEvery = recordEvery
            if list {
                print(plan.listing())
                return
            }
            do { try plan.check() } catch { throw CLIError(error) }
            let dir = results ?? URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("\(plan.name)-results").path
            folder = ResultsFolder(path: dir)
        }
        if list {
            print(plan.listing())
            return
        }
        // Slurm's options are checked before anything is written.
        let slurmOptions = try slurm ? self.slurmOptions(document: document) : nil
        var indices = plan.runs.map(\.index)
        if resume != nil {
            let study: CollectedStudy
            do { study = try CollectedStudy(folder: folder) } catch { throw CLIError(error) }
            indices = study.incomplete
            warn("embody: \(folder.path): \(study.missing.count) missing and \(study.failed.count) failed runs to run again")
            if indices.isEmpty {
                warn("embody: nothing to resume: every run has a result")
                return
            }
        } else {
            do { try folder.create(plan: plan) } catch { throw CLIError(error) }
        }
        if let slurmOptions { return try submit(folder: folder, plan: plan, indices: indices, options: slurmOptions) }
        let report = try runLocally(folder: folder, plan: plan, indices: indices, jobs: jobs, json: json, checks: checks,
                                    printTable: false)
        try finish(folder: folder, fallback: report.exitStatus())
    }

    /// Prints the collected table of the whole folder and throws its exit status.
    func finish(folder: ResultsFolder, fallback: Int32) throws {
        let study: CollectedStudy
        do { study = try CollectedStudy(folder: folder) } catch { throw CLIError(error) }
        if !json { print(study.text()) }
        warn("embody: results in \(folder.path) (embody collect \(folder.path) --format csv)")
        var report = BatchReport(plan: study.plan)
        for i in study.plan.runs.indices { if let o = study.results[i] { report.add(o) } }
        try exitWith(max(fallback == 3 ? 3 : 0, report.exitStatus(missing: study.missing.count)))
    }

    /// The #SBATCH options: the command line's, else the sweep file's; checked.
    func slurmOptions(document: SweepDocument?) throws -> SlurmOptions {
        var options = SlurmOptions()
        let fromFile = document?.slurm ?? SweepSlurmSettings()
        options.partition = partition ?? fromFile.partition
        options.time = time ?? fromFile.time
        options.memory = mem ?? fromFile.memory
        options.cpusPerTask = cpusPerTask ?? fromFile.cpusPerTask
        options.runsPerTask = runsPerTask ?? fromFile.runsPerTask ?? 1
        options.extra = fromFile.extra + sbatchExtra
        options.wait = wait
        do { try options.check() } catch { throw CLIError(error) }
        return options
    }

    func submit(folder: ResultsFolder, plan: SweepPlan, indices: [Int], options: SlurmOptions) throws {
        let prepared: (script: String, text: String, submission: SlurmSubmission)
        do {
            prepared = try Slurm.prepare(folder: folder, plan: plan, indices: indices, executable: currentExecutable(),
                                         options: options)
        } catch { throw CLIError(error) }
        if dryRun {
            print(prepared.text, terminator: "")
            warn("embody: dry run: wrote \(prepared.script) (\(prepared.submission.tasks.count) array tasks) and submitted nothing")
            return
        }
        let job: (jobID: String, status: Int32)
        do { job = try Slurm.submit(script: prepared.script, wait: wait) } catch { throw CLIError(error) }
        warn("embody: submitted job array \(job.jobID): \(indices.count) runs in \(prepared.submission.tasks.count) tasks; "
             + "results in \(folder.path)")
        if json { printJSON(["job_id": job.jobID, "tasks": prepared.submission.tasks.count, "runs": indices.count,
                             "results": folder.path, "script": prepared.script]) }
        else if !wait { print(job.jobID) }
        guard wait else { return }
        if job.status != 0 { warn("embody: sbatch --wait exited with \(job.status): some array tasks failed or were cancelled") }
        let study: CollectedStudy
        do { study = try CollectedStudy(folder: folder) } catch { throw CLIError(error) }
        let ordered = study.plan.runs.compactMap { study.results[$0.index] }
        let regressed = try checks.apply(ordered, name: plan.name)
        try finish(folder: folder, fallback: 0)
        if regressed { throw QuietExit(status: .criteriaFailed) }
    }
}

// MARK: - collect

struct Collect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a results folder into one table: one row per run, and a summary per sweep point.",
        discussion: """
        --format csv or jsonl writes the runs (--points: the point summaries: mean, std, min, max of each metric, \
        the success rate and its 95% Wilson interval); json writes runs, points, missing and failed runs in one \
        object; text (the default) prints the point table. Exit 2 when runs are missing or failed (list them with \
        text output; `embody sweep --resume DIR` runs them).
        """)

    @Argument(help: "The results folder.")
    var folder: String

    @Option(help: "text, csv, jsonl or json.")
    var format: String = "text"

    @Flag(help: "With csv or jsonl: the per-point summaries instead of the runs.")
    var points = false

    @Option(name: .shortAndLong, help: "Write here instead of stdout.")
    var output: String?

    @OptionGroup var checks: CheckOptions

    func validate() throws {
        if checks.maxInstructions != nil { throw ValidationError("--max-instructions applies to run and sweep, not collect") }
        guard ["text", "csv", "jsonl", "json"].contains(format) else {
            throw ValidationError("--format must be text, csv, jsonl or json, not '\(format)'")
        }
    }

    func run() throws {
        let study: CollectedStudy
        do { study = try CollectedStudy(folder: ResultsFolder(path: folder)) } catch { throw CLIError(error) }
        let text: String
        switch format {
        case "csv":
            text = points ? CollectedStudy.csv(study.pointRows(), columns: study.pointColumns)
                : CollectedStudy.csv(study.runRows(), columns: study.runColumns)
        case "jsonl": text = CollectedStudy.jsonLines(points ? study.pointRows() : study.runRows())
        case "json":
            let data = (try? JSONSerialization.data(withJSONObject: study.jsonObject(), options: [.sortedKeys])) ?? Data()
            text = String(decoding: data, as: UTF8.self) + "\n"
        default: text = study.text() + "\n"
        }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                throw CLIError(.invalidInput, "cannot write \(output)")
            }
        } else {
            print(text, terminator: "")
        }
        let finished = study.plan.runs.count - study.missing.count
        warn("embody: \(finished)/\(study.plan.runs.count) runs have results; \(study.missing.count) missing, \(study.failed.count) failed"
             + (study.missing.isEmpty ? "" : " (missing: \(rangeList(study.missing)))"))
        let ordered = study.plan.runs.compactMap { study.results[$0.index] }
        var report = BatchReport(plan: study.plan)
        for o in ordered { report.add(o) }
        if let w = report.identicalSeedsWarning() { warn("embody: \(w)") }
        let regressed = try checks.apply(ordered, name: study.plan.name)
        if !study.incomplete.isEmpty || regressed { throw QuietExit(status: .criteriaFailed) }
    }
}

// MARK: - Hidden: one run, and one Slurm array task

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_worker", abstract: "Run the runs of a results folder whose indices arrive on stdin (used by batches).",
        shouldDisplay: false)

    @Argument var folder: String

    func run() throws {
        do { try SweepExecution.serveWorker(folder: ResultsFolder(path: folder)) } catch { throw CLIError(error) }
    }
}

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "_task", abstract: "Run one Slurm array task's runs (used by the job script).", shouldDisplay: false)

    @Argument var folder: String
    @Option var tasks: String
    @Option var task: Int

    func run() throws {
        do {
            try Slurm.runTask(folder: ResultsFolder(path: folder), tasksFile: tasks, task: task, executable: currentExecutable())
        } catch { throw CLIError(error) }
    }
}

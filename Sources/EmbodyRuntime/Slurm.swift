// MARK: - Slurm job arrays
//
// `embody sweep … --slurm` writes the plan into the results folder, groups the runs to do into array
// tasks of `runs_per_task` runs each (slurm/tasks-N.json), writes an sbatch script (slurm/submit-N.sh)
// whose every task calls the same embody binary (`embody _task DIR --tasks FILE`, reading
// SLURM_ARRAY_TASK_ID), and submits it with `sbatch --parsable`. The task runs its runs one after
// another, each in a child process exactly as a local batch does, so a run computes the same bits on the
// cluster as on a laptop, and a trap in one run does not lose the task's other runs. A task that Slurm
// kills (time limit, scancel) leaves its unfinished runs without results: `embody collect` lists them as
// missing, and `embody sweep --resume DIR` submits only those.

import EmbodyScenario
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The #SBATCH options of a submission.
public struct SlurmOptions: Sendable, Equatable {
    public var partition: String?
    public var time: String?
    public var memory: String?
    public var cpusPerTask: Int?
    public var runsPerTask: Int = 1
    /// Extra `#SBATCH` options, such as "--account=lab".
    public var extra: [String] = []
    /// `sbatch --wait`: block until the array ends.
    public var wait = false

    public init() {}

    /// Checks the options for text that would break the script, time limits and memory sizes Slurm would
    /// refuse, and counts out of range.
    public func check() throws(RuntimeError) {
        for (name, v) in [("--partition", partition), ("--time", time), ("--mem", memory)] {
            if let v, v.isEmpty || v.contains(where: { $0.isNewline || $0.isWhitespace }) {
                throw RuntimeError("\(name) '\(v)' must be one word")
            }
        }
        if let why = time.flatMap(SweepSlurmSettings.timeLimitProblem) { throw RuntimeError("--time \(why)") }
        if let why = memory.flatMap(SweepSlurmSettings.memoryProblem) { throw RuntimeError("--mem \(why)") }
        let cpus = SweepSlurmSettings.cpusPerTaskRange, runs = SweepSlurmSettings.runsPerTaskRange
        if let c = cpusPerTask, !cpus.contains(c) {
            throw RuntimeError("--cpus-per-task must be from \(cpus.lowerBound) to \(cpus.upperBound), not \(c)")
        }
        guard runs.contains(runsPerTask) else {
            throw RuntimeError("--runs-per-task must be from \(runs.lowerBound) to \(runs.upperBound), not \(runsPerTask)")
        }
        for e in extra where !e.hasPrefix("-") || e.contains(where: \.isNewline) {
            throw RuntimeError("--sbatch '\(e)' must be one sbatch option such as --account=lab")
        }
    }
}

/// One submission: which runs each array task performs.
public struct SlurmSubmission: Codable, Sendable, Equatable {
    /// Run indices per array task (task i runs tasks[i]).
    public var tasks: [[Int]]
}

public enum Slurm {
    /// Groups `indices` into tasks of `runsPerTask`.
    public static func group(_ indices: [Int], runsPerTask: Int) -> SlurmSubmission {
        SlurmSubmission(tasks: stride(from: 0, to: indices.count, by: runsPerTask).map {
            Array(indices[$0..<min(indices.count, $0 + runsPerTask)])
        })
    }

    /// Quotes a word for bash.
    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The sbatch script for `submission` (written as slurm/submit-N.sh, tasks in slurm/tasks-N.json).
    public static func script(folder: ResultsFolder, plan: SweepPlan, submission: SlurmSubmission, number: Int,
                              executable: String, options: SlurmOptions) -> String {
        var lines = ["#!/bin/bash",
                     "# Written by embody \(EmbodyVersion.current) for the sweep '\(plan.name)': \(submission.tasks.flatMap { $0 }.count) runs",
                     "# in \(submission.tasks.count) array tasks of up to \(options.runsPerTask) runs each. Submit with sbatch.",
                     "#SBATCH --job-name=embody-\(plan.name)",
                     "#SBATCH --array=0-\(max(0, submission.tasks.count - 1))",
                     "#SBATCH --output=\(folder.path)/slurm/%A_%a.out",
                     "#SBATCH --ntasks=1"]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        if let m = options.memory { lines.append("#SBATCH --mem=\(m)") }
        lines.append("#SBATCH --cpus-per-task=\(options.cpusPerTask ?? 1)")
        for e in options.extra { lines.append("#SBATCH \(e)") }
        lines += ["set -eu",
                  "# Each task runs its runs one after another in a worker process (a run that crashes is recorded",
                  "# and the others go on); every run writes its result atomically to",
                  "# \(folder.runsPath)/NNNNNN.json.",
                  "exec \(shellQuote(executable)) _task \(shellQuote(folder.path)) --tasks \(shellQuote("\(folder.path)/slurm/tasks-\(number).json")) --task \"$SLURM_ARRAY_TASK_ID\"",
                  ""]
        return lines.joined(separator: "\n")
    }

    /// Writes the submission's files; returns the script's path.
    public static func prepare(folder: ResultsFolder, plan: SweepPlan, indices: [Int], executable: String,
                               options: SlurmOptions) throws(RuntimeError) -> (script: String, text: String, submission: SlurmSubmission) {
        let dir = "\(folder.path)/slurm"
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw RuntimeError("cannot create \(dir): \(error.localizedDescription)")
        }
        var number = 0
        while FileManager.default.fileExists(atPath: "\(dir)/submit-\(number).sh") { number += 1 }
        let submission = group(indices, runsPerTask: options.runsPerTask)
        let text = script(folder: folder, plan: plan, submission: submission, number: number, executable: executable,
                          options: options)
        let data: Data
        do { data = try JSONEncoder().encode(submission) } catch { throw RuntimeError("cannot encode the task list", invalidInput: false) }
        try ResultsFolder.writeAtomically(data, to: "\(dir)/tasks-\(number).json")
        try ResultsFolder.writeAtomically(Data(text.utf8), to: "\(dir)/submit-\(number).sh")
        return ("\(dir)/submit-\(number).sh", text, submission)
    }

    /// Whether `sbatch` is on the PATH.
    public static func sbatchPath() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/sbatch"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Submits `script` with `sbatch --parsable` (and `--wait`); returns the job id.
    public static func submit(script: String, wait: Bool) throws(RuntimeError) -> (jobID: String, status: Int32) {
        guard let sbatch = sbatchPath() else {
            throw RuntimeError("sbatch is not on the PATH: --slurm needs a Slurm cluster (use --dry-run to see the script, or --jobs N to run locally)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sbatch)
        process.arguments = ["--parsable"] + (wait ? ["--wait"] : []) + [script]
        let out = Pipe()
        process.standardOutput = out
        do { try process.run() } catch { throw RuntimeError("cannot run sbatch: \(error.localizedDescription)") }
        // With --wait, sbatch prints the job id at submission and exits when the array ends.
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = String(text.split(separator: "\n").first?.split(separator: ";").first ?? "")
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw RuntimeError("sbatch did not submit the job (exit \(process.terminationStatus)): \(text)")
        }
        return (id, process.terminationStatus)
    }

    /// The hidden `embody _task`: runs task `task` of `tasksFile` (each run in a child process) and writes
    /// the task's CPU time (this process and its children) to slurm/task-N-ID.json.
    public static func runTask(folder: ResultsFolder, tasksFile: String, task: Int, executable: String) throws(RuntimeError) {
        guard let data = FileManager.default.contents(atPath: tasksFile),
              let submission = try? JSONDecoder().decode(SlurmSubmission.self, from: data) else {
            throw RuntimeError("\(tasksFile) is not a task list written by embody")
        }
        guard submission.tasks.indices.contains(task) else {
            throw RuntimeError("task \(task) is not in \(tasksFile) (it has \(submission.tasks.count) tasks)")
        }
        let start = Date()
        let results = try SweepExecution.runChildren(folder: folder, indices: submission.tasks[task], jobs: 1,
                                                     executable: executable)
        var selfUsage = rusage(), childUsage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &selfUsage)
        getrusage(RUSAGE_CHILDREN.rawValue, &childUsage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let record: [String: Any] = [
            "task": task, "runs": submission.tasks[task], "wall_time": Date().timeIntervalSince(start),
            "cpu_time_self": seconds(selfUsage.ru_utime) + seconds(selfUsage.ru_stime),
            "cpu_time_children": seconds(childUsage.ru_utime) + seconds(childUsage.ru_stime),
            "outcomes": results.map(runOutcome),
            "slurm_job_id": ProcessInfo.processInfo.environment["SLURM_ARRAY_JOB_ID"] ?? "",
        ]
        let base = URL(fileURLWithPath: tasksFile).deletingPathExtension().lastPathComponent
        if let d = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) {
            try ResultsFolder.writeAtomically(d, to: "\(folder.path)/slurm/\(base)-task-\(task).json")
        }
    }
}

// MARK: - The grader: runs each trial in a child process with a time limit and scores the checks
//
// The grader never runs student code itself. Each (exercise, seed) trial is a child process with its
// stdout and stderr in temporary files; a crash, a non-zero exit or a time-out becomes a message on
// every check of that trial, which then scores 0 for that seed. Each seed carries an equal share of a
// check's points.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The result of one trial as the grader saw it: metrics, or why there are none.
public struct TrialReport: Sendable {
    /// The seed.
    public var seed: TrialSeed
    /// The metrics, when the trial finished.
    public var metrics: [String: Double]?
    /// Why the trial produced no metrics (crash, time-out, error), or a problem the trial reported.
    public var message: String?
    /// The wall time in s.
    public var wallTime: Double

    /// Creates a report.
    public init(seed: TrialSeed, metrics: [String: Double]?, message: String?, wallTime: Double) {
        self.seed = seed
        self.metrics = metrics
        self.message = message
        self.wallTime = wallTime
    }
}

/// One check's score over all seeds.
public struct CheckResult: Sendable {
    /// The check.
    public var check: Check
    /// The worst measured value over the seeds that finished (NaN when none did).
    public var value: Double
    /// The points earned.
    public var score: Double
    /// How many seeds passed, and how many ran.
    public var passedSeeds: Int, totalSeeds: Int
    /// Messages for people: why seeds failed, and the hint.
    public var messages: [String]

    /// Whether every seed passed.
    public var passed: Bool { passedSeeds == totalSeeds }
}

/// The graded result of one exercise.
public struct ExerciseResult: Sendable {
    /// The exercise.
    public var exercise: Exercise
    /// Each check's result, in catalogue order.
    public var checks: [CheckResult]
    /// Whether seeds derived from a secret salt were used.
    public var secretSeedsInUse: Bool
    /// The visible seeds used (secret ones are never listed).
    public var visibleSeeds: [UInt64]

    /// Points earned.
    public var score: Double { checks.reduce(0) { $0 + $1.score } }
    /// Points possible.
    public var maxScore: Double { exercise.maxScore }
}

/// How to reach the code being graded.
public struct GraderOptions: Sendable {
    /// The runner executable (student or reference build).
    public var runner: String
    /// The Exercises directory (scenarios and gains files).
    public var exercisesDirectory: String
    /// The secret salt, or nil for visible seeds only.
    public var salt: String?
    /// A solution variant of the runner (`--variant`), used by tests for deliberately faulty code.
    public var variant: String?
    /// Multiplies every exercise's time limit (e.g. for slow machines).
    public var timeScale: Double = 1
    /// Arguments put before the trial's own, e.g. `["trial"]` when the runner is the grading tool itself.
    public var runnerArguments: [String] = []
    /// For exercises graded from a parameter file: that file, relative to the Exercises directory
    /// (`--gains`); nil for the runner's own choice (its solution set's file).
    public var gains: String?

    /// Creates options.
    public init(runner: String, exercisesDirectory: String, salt: String? = nil, variant: String? = nil) {
        self.runner = runner
        self.exercisesDirectory = exercisesDirectory
        self.salt = salt
        self.variant = variant
    }
}

/// Grades exercises.
public enum Grader {
    /// Grades `exercise`: one child process per seed, then every check over the seeds.
    public static func grade(_ exercise: Exercise, options: GraderOptions) -> ExerciseResult {
        let seeds = SeedPlan.seeds(for: exercise, salt: options.salt)
        let reports = seeds.map { runTrial(exercise, seed: $0, options: options) }
        return score(exercise, reports: reports, secret: options.salt != nil)
    }

    /// Scores checks from trial reports.
    public static func score(_ exercise: Exercise, reports: [TrialReport], secret: Bool) -> ExerciseResult {
        let share = 1 / Double(max(1, reports.count))
        var results: [CheckResult] = []
        for check in exercise.checks {
            var worst = Double.nan, passed = 0, measuredFailures = 0
            var messages: [String] = []
            for report in reports {
                guard let metrics = report.metrics else {
                    messages.append("\(report.seed.label): \(report.message ?? "no result")")
                    continue
                }
                let v = metrics[check.metric] ?? .nan
                let bad = v.isNaN ? (check.comparison == .below ? Double.infinity : -Double.infinity) : v
                if worst.isNaN || (check.comparison == .below ? bad > worst : bad < worst) { worst = bad }
                if check.comparison.passes(v, check.threshold) {
                    passed += 1
                } else {
                    measuredFailures += 1
                    var m = "\(report.seed.label): measured \(format(v)) \(check.unit)"
                    if let problem = report.message { m += " (\(problem))" }
                    messages.append(m)
                }
            }
            if measuredFailures > 0 { messages.append("hint: \(check.hint)") }
            results.append(CheckResult(check: check, value: worst, score: check.points * share * Double(passed),
                                       passedSeeds: passed, totalSeeds: reports.count, messages: messages))
        }
        return ExerciseResult(exercise: exercise, checks: results, secretSeedsInUse: secret,
                              visibleSeeds: reports.filter { !$0.seed.secret }.map(\.seed.value))
    }

    /// Runs one trial in a child process with the exercise's time limit; never throws, never traps.
    public static func runTrial(_ exercise: Exercise, seed: TrialSeed, options: GraderOptions) -> TrialReport {
        var arguments = options.runnerArguments + ["--exercise", "\(exercise.number)", "--seed", "\(seed.value)",
                                                   "--exercises", options.exercisesDirectory]
        if !exercise.needsSwift, let gains = options.gains { arguments += ["--gains", gains] }
        if let v = options.variant { arguments += ["--variant", v] }
        let limit = exercise.timeLimit * options.timeScale
        let run = ChildProcess.run(options.runner, arguments: arguments, timeLimit: limit)
        var report = TrialReport(seed: seed, metrics: nil, message: nil, wallTime: run.wallTime)
        switch run.ending {
        case .launchFailed(let why, _):
            report.message = "could not start \(options.runner): \(why)"
        case .timedOut:
            report.message = "stopped after the \(format(limit)) s time limit (an endless loop, or far too slow)"
        case .signaled(let signal):
            report.message = "your code crashed (\(signalName(signal)))"
                + detail(run.stderr, exercisesDirectory: options.exercisesDirectory)
        case .exited(let code) where code != 0:
            report.message = "your code stopped with exit code \(code)"
                + detail(run.stderr, exercisesDirectory: options.exercisesDirectory)
        case .exited:
            guard let line = run.stdout.split(separator: "\n").last,
                  let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let metrics = object["metrics"] as? [String: Any] else {
                report.message = "the trial printed no result"
                    + detail(run.stderr, exercisesDirectory: options.exercisesDirectory)
                return report
            }
            var values: [String: Double] = [:]
            for (k, v) in metrics { values[k] = (v as? NSNumber)?.doubleValue ?? .nan }
            report.metrics = values
            report.message = object["problem"] as? String
        }
        return report
    }

    /// What a child's stderr says about its end, for people: where the student's code crashed
    /// (" at 02-joint-pd/JointPD.swift:14", from the runtime's backtrace, when the runner has debug
    /// information), then the `Fatal error:` line, or else the first line before any backtrace. Never the
    /// backtrace itself.
    static func detail(_ stderr: String, exercisesDirectory: String? = nil) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var text = ""
        if let directory = exercisesDirectory, let location = crashLocation(lines, exercisesDirectory: directory) {
            text += " at \(location)"
        }
        let failure = ["Fatal error", "Precondition failed", "Assertion failed"]
        let separator = text.isEmpty ? ": " : "; "
        if let fatal = lines.first(where: { line in failure.contains { line.contains($0) } }) {
            return text + separator + String(fatal.prefix(300))
        }
        let beforeBacktrace = lines.prefix { !$0.hasPrefix("*** ") && !$0.hasPrefix("💣") }
        if let first = beforeBacktrace.first(where: { !$0.isEmpty }) {
            return text + separator + String(first.prefix(300))
        }
        return text
    }

    /// The innermost backtrace frame in a file under `exercisesDirectory`, as "folder/File.swift:line"
    /// relative to it. Frames read "N [ra] 0x… symbol + k in image at /path/File.swift:line:column".
    static func crashLocation(_ lines: [String], exercisesDirectory: String) -> String? {
        let url = URL(fileURLWithPath: exercisesDirectory)
        let roots = Set([url.standardizedFileURL.path, url.resolvingSymlinksInPath().path]).map { $0 + "/" }
        for line in lines {
            guard let first = line.first, first.isNumber, let at = line.range(of: " at /", options: .backwards) else { continue }
            let location = line[line.index(before: at.upperBound)...]   // "/path:line:column"
            let parts = location.split(separator: ":")
            guard parts.count >= 2, let lineNumber = Int(parts[parts.count == 2 ? 1 : parts.count - 2]) else { continue }
            let path = parts.count == 2 ? String(parts[0]) : parts.dropLast(2).joined(separator: ":")
            guard let root = roots.first(where: { path.hasPrefix($0) }) else { continue }
            return "\(path.dropFirst(root.count)):\(lineNumber)"
        }
        return nil
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGILL, SIGTRAP: return "a trap: fatalError, a failed precondition, an index out of range or an overflow"
        case SIGSEGV, SIGBUS: return "a memory fault"
        case SIGABRT: return "abort"
        case SIGFPE: return "an arithmetic fault"
        case SIGKILL: return "killed"
        default: return "signal \(s)"
        }
    }
}

/// Formats a measured value for people: 4 significant digits, or ∞ / n/a.
func format(_ v: Double) -> String {
    if v.isNaN { return "n/a" }
    if v.isInfinite { return v > 0 ? "∞" : "−∞" }
    if v == 0 { return "0" }
    if abs(v) < 1e-3 || abs(v) >= 1e5 { return String(format: "%.3g", v) }
    return String(format: "%.4g", v)
}

// MARK: - Child processes with a time limit

/// Runs a program with posix_spawn, output to temporary files, killing it at a time limit.
enum ChildProcess {
    /// How a child ended; a launch failure carries its message and the errno behind it.
    enum Ending { case exited(Int32), signaled(Int32), timedOut, launchFailed(String, errno: Int32) }

    struct Result {
        var ending: Ending
        var stdout: String
        var stderr: String
        var wallTime: Double
    }

    /// The runtime's crash report as the grader asks for it: a short, non-interactive backtrace of the
    /// crashed thread on stderr (about 0.15 s), from which the grader takes the crash's file and line.
    static let backtraceSetting = "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,output-to=stderr"

    /// The grader's environment as a trial sees it: crashes report where they happened, and neither the salt
    /// nor where to read it is passed on.
    static func childEnvironment(_ parent: [String: String]) -> [String: String] {
        var environment = parent
        environment["SWIFT_BACKTRACE"] = backtraceSetting
        environment.removeValue(forKey: SeedPlan.saltVariable)
        environment.removeValue(forKey: SeedPlan.saltFileVariable)
        return environment
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np, when the C library has it.
    private static let closeFromAction: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    static func run(_ path: String, arguments: [String], timeLimit: Double) -> Result {
        let dir = FileManager.default.temporaryDirectory.path
        let tag = UUID().uuidString
        let outPath = "\(dir)/embody-trial-\(tag).out", errPath = "\(dir)/embody-trial-\(tag).err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // The child gets no other descriptor of ours. Without this it kept every descriptor the (multi-threaded)
        // grader had open without FD_CLOEXEC at that instant, for its whole life: a file another thread was
        // writing, such as a freshly copied runner, then stayed open for writing and could not be executed
        // (ETXTBSY) until the trial ended. (glibc 2.34 and later; Swift's Glibc module does not declare it, so it
        // is looked up by name.)
        if let closeFrom = closeFromAction { _ = closeFrom(&actions, 3) }
        let environment = childEnvironment(ProcessInfo.processInfo.environment)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard rc == 0 else {
            return Result(ending: .launchFailed(String(cString: strerror(rc)), errno: rc), stdout: "", stderr: "", wallTime: 0)
        }
        var status: Int32 = 0
        var ending: Ending?
        while ending == nil {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let low = status & 0x7F
                ending = low == 0 ? .exited((status >> 8) & 0xFF) : .signaled(low)
            } else if r < 0 && errno != EINTR {
                ending = .launchFailed("lost the child process: \(String(cString: strerror(errno)))", errno: errno)
            } else if Date().timeIntervalSince(start) > timeLimit {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                ending = .timedOut
            } else {
                usleep(2_000)
            }
        }
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return Result(ending: ending!, stdout: read(outPath), stderr: read(errPath),
                      wallTime: Date().timeIntervalSince(start))
    }
}

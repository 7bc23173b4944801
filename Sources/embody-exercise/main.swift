// MARK: - embody-exercise: list, show, check and report control exercises
//
// `embody exercise …` forwards here. Exit codes: 0 full marks (or nothing to grade), 1 invalid input
// (unknown exercise, missing files, code that does not compile), 2 graded below full marks, 3 internal.

import ArgumentParser
import EmbodyExercises
import EmbodyRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An error for people with its exit status.
struct ExerciseCLIError: Error, CustomStringConvertible {
    var status: Int32
    var description: String
}

/// Options shared by `check` and `report`.
struct GradingOptions: ParsableArguments {
    @Flag(help: "Print one JSON object on stdout instead of the scorecard.")
    var json = false

    @Option(help: ArgumentHelp("Also write Gradescope's results.json here.", valueName: "file"))
    var gradescope: String?

    @Flag(help: "Grade the instructor's reference solutions (Exercises/Reference) instead of yours.")
    var reference = false

    @Option(help: ArgumentHelp("The runner executable to grade (default: the one built from the package that holds the Exercises directory). It must have been built from those sources.", valueName: "path"))
    var runner: String?

    @Flag(help: "Do not run `swift build` first; grade the runner as it is (refused when it is older than your files).")
    var noBuild = false

    @Option(help: ArgumentHelp("A file holding the secret seed salt (or set EMBODY_SECRET_SALT).", valueName: "file"))
    var saltFile: String?

    @Option(help: "Multiply every time limit by this factor (for slow machines).")
    var timeScale: Double = 1

    @Option(help: .hidden) var variant: String?

    /// The grader options for `exercises`: exercises graded from a parameter file run in this tool's own child
    /// processes (nothing is built); Swift exercises run in the runner built from the sources being graded,
    /// which is built first (unless told not to) and checked to hold exactly those sources.
    func graderOptions(exercisesDirectory: String, for selected: [Exercise]) throws -> (GraderOptions, String) {
        guard timeScale.isFinite, timeScale >= 0.01, timeScale <= 100 else {
            throw ExerciseCLIError(status: 1, description: "--time-scale must be between 0.01 and 100, got \(timeScale)")
        }
        if reference && !FileManager.default.fileExists(atPath: (exercisesDirectory as NSString).appendingPathComponent("Reference")) {
            throw ExerciseCLIError(status: 1, description: "--reference: \(exercisesDirectory) has no Reference folder "
                                   + "(a student handout leaves the reference solutions out)")
        }
        let salt = SeedPlan.salt(file: saltFile)
        if let saltFile, salt == nil {
            throw ExerciseCLIError(status: 1, description: "cannot read a salt from \(saltFile) (missing or empty)")
        }
        if let e = selected.first, selected.count == 1, !e.needsSwift {
            // The file of numbers is read by a child process of this tool; `--variant` names another file in Reference/.
            let file = variant.flatMap { $0.hasSuffix(".yaml") ? "Reference/\($0)" : nil }
                ?? (reference ? "Reference/\(e.folder)-\(e.studentFile)" : "\(e.folder)/\(e.studentFile)")
            let tool = ResourceFolder.runningExecutable()?.path ?? CommandLine.arguments[0]
            var options = GraderOptions(runner: tool, exercisesDirectory: exercisesDirectory, salt: salt, variant: nil)
            options.runnerArguments = ["trial"]
            options.gains = file
            options.timeScale = timeScale
            return (options, "\((exercisesDirectory as NSString).appendingPathComponent(file)) (a file of numbers: nothing to build)")
        }
        let product = reference ? "embody-exercise-reference" : "embody-exercise-runner"
        let path: String
        var justBuilt = false
        if let runner {
            path = (runner as NSString).standardizingPath
        } else {
            let packageRoot = (exercisesDirectory as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: (packageRoot as NSString).appendingPathComponent("Package.swift")) else {
                throw ExerciseCLIError(status: 1, description: BuildDiagnosis.noPackage(exercisesDirectory: exercisesDirectory,
                                                                                         packageRoot: packageRoot))
            }
            let configuration = buildConfiguration()
            let built = "\(packageRoot)/.build/\(configuration)/\(product)"
            // Without a build, a runner next to this tool, when this tool was itself built in that package under
            // another scratch path (`swift build --scratch-path .build-asan`, scripts/sanitizers.sh), is the one built
            // with the same configuration and flags; else the default build folder's.
            let sibling = "\(toolDirectory())/\(product)"
            let toolInPackage = RunnerCheck.canonical(toolDirectory()).hasPrefix(RunnerCheck.canonical(packageRoot) + "/")
            path = noBuild && toolInPackage && FileManager.default.isExecutableFile(atPath: sibling) ? sibling : built
            if !noBuild {
                try build(product: product, packageRoot: packageRoot, configuration: configuration,
                          exercisesDirectory: exercisesDirectory)
                justBuilt = true
            } else if !FileManager.default.isExecutableFile(atPath: path) {
                throw ExerciseCLIError(status: 1, description: "no runner at \(path); grade without --no-build to build it")
            }
        }
        do {
            _ = try RunnerCheck.verify(runner: path, exercisesDirectory: exercisesDirectory, reference: reference,
                                       justBuilt: justBuilt)
        } catch let refusal as GradingRefusal {
            throw ExerciseCLIError(status: 1, description: refusal.description)
        }
        var options = GraderOptions(runner: path, exercisesDirectory: exercisesDirectory, salt: salt, variant: variant)
        options.timeScale = timeScale
        return (options, "the runner \(path), built from \(exercisesDirectory)")
    }

    /// Writes the JSON and Gradescope outputs as asked.
    func emit(_ results: [ExerciseResult], text: String, json object: [String: Any]) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text)
        }
        if let gradescope {
            let data = try JSONSerialization.data(withJSONObject: Scorecard.gradescopeObject(results),
                                                  options: [.sortedKeys, .prettyPrinted])
            do { try data.write(to: URL(fileURLWithPath: gradescope)) } catch {
                throw ExerciseCLIError(status: 1, description: "cannot write \(gradescope): \(error.localizedDescription)")
            }
        }
    }
}

/// The directory of this executable.
func toolDirectory() -> String {
    (ResourceFolder.runningExecutable() ?? URL(fileURLWithPath: CommandLine.arguments[0]))
        .resolvingSymlinksInPath().deletingLastPathComponent().path
}

/// The configuration runners are built in: this tool's own (`.build/debug` or `.build/release`), else release.
func buildConfiguration() -> String {
    (toolDirectory() as NSString).lastPathComponent == "debug" ? "debug" : "release"
}

/// Finds the Exercises directory: the option, else as `ResourceFolder.exercises` describes.
func exercisesDirectory(_ option: String?) throws -> String {
    if let option {
        let path = URL(fileURLWithPath: option).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ExerciseCLIError(status: 1, description: "--exercises \(option): no such directory")
        }
        return path
    }
    if let found = ResourceFolder.exercises.locate() {
        return URL(fileURLWithPath: found).standardizedFileURL.path
    }
    throw ExerciseCLIError(status: 1, description: "cannot find the Exercises directory; looked for: "
                           + ResourceFolder.exercises.lookupDescription + ". Pass --exercises DIR")
}

/// The Swift toolchain's `swift`: on PATH, else /opt/swift/usr/bin/swift.
func swiftExecutable() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":") + ["/opt/swift/usr/bin"] {
        let candidate = "\(dir)/swift"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs `swift build --product` in the package that holds the exercises, so the runner holds the student's
/// latest code; a failure says whether it is the student's compile error or something else.
func build(product: String, packageRoot: String, configuration: String, exercisesDirectory: String) throws {
    guard let swift = swiftExecutable() else {
        throw ExerciseCLIError(status: 1, description: "cannot build your code: no Swift toolchain (`swift`) on PATH or in /opt/swift/usr/bin")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: swift)
    process.arguments = ["build", "-c", configuration, "--product", product]
    process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("embody-build-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: log) }
    guard let handle = try? FileHandle(forWritingTo: log) else {
        throw ExerciseCLIError(status: 3, description: "cannot write the build log \(log.path)")
    }
    process.standardOutput = handle
    process.standardError = handle
    FileHandle.standardError.write(Data("building \(product) (\(configuration)) in \(packageRoot)…\n".utf8))
    do { try process.run() } catch {
        throw ExerciseCLIError(status: 1, description: "cannot run \(swift) build: \(error.localizedDescription)")
    }
    process.waitUntilExit()
    try? handle.close()
    guard process.terminationStatus == 0 else {
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw ExerciseCLIError(status: 1, description: BuildDiagnosis.explain(output: output, packageRoot: packageRoot,
                                                                              exercisesDirectory: exercisesDirectory))
    }
}

/// The exercise named by a number or folder, or an error listing the choices.
func findExercise(_ key: String) throws -> Exercise {
    guard let e = Catalog.find(key) else {
        let known = Catalog.exercises.map { "\($0.number) (\($0.folder))" }.joined(separator: ", ")
        throw ExerciseCLIError(status: 1, description: "no exercise '\(key)'; exercises: \(known)")
    }
    return e
}

struct ExerciseTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embody exercise",
        abstract: "Control exercises with an autograder.",
        discussion: "Exit codes: 0 full marks, 1 invalid input or code that does not compile, 2 below full marks, 3 internal error.",
        subcommands: [ListExercises.self, Show.self, CheckExercise.self, Report.self, HandoutCommand.self, Trial.self])
}

struct ListExercises: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the exercises.")
    func run() throws {
        for e in Catalog.exercises {
            print("\(e.number). \(e.title)  [Exercises/\(e.folder)/\(e.studentFile), \(String(format: "%.0f", e.maxScore)) points]")
        }
        if let directory = try? exercisesDirectory(nil) { print("(exercises in \(directory))") }
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an exercise's brief (its README).")
    @Argument(help: "The exercise number or folder name.") var exercise: String
    @Option(help: "The Exercises directory.") var exercises: String?
    func run() throws {
        let e = try findExercise(self.exercise)
        let path = (try exercisesDirectory(exercises) as NSString).appendingPathComponent("\(e.folder)/README.md")
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ExerciseCLIError(status: 1, description: "cannot read \(path)")
        }
        print(text)
    }
}

struct CheckExercise: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Grade one exercise and print its scorecard.")
    @Argument(help: "The exercise number or folder name.") var exercise: String
    @Option(help: "The Exercises directory.") var exercises: String?
    @OptionGroup var grading: GradingOptions
    func run() throws {
        let e = try findExercise(self.exercise)
        let (options, graded) = try grading.graderOptions(exercisesDirectory: try exercisesDirectory(exercises), for: [e])
        let result = Grader.grade(e, options: options)
        var object = Scorecard.jsonObject(result)
        object["graded"] = graded
        try grading.emit([result], text: "graded: \(graded)\n" + Scorecard.text(result), json: object)
        if result.score < result.maxScore { throw ExitCode(2) }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Grade every exercise and print the Embody Index (0–100).")
    @Option(help: "The Exercises directory.") var exercises: String?
    @OptionGroup var grading: GradingOptions
    func run() throws {
        let directory = try exercisesDirectory(exercises)
        // Parameter exercises are graded by this tool, the others by the runner built from the sources.
        let parameters = Catalog.exercises.filter { !$0.needsSwift }, code = Catalog.exercises.filter(\.needsSwift)
        var graded: [String] = []
        var results: [ExerciseResult] = []
        for e in parameters {
            let (options, what) = try grading.graderOptions(exercisesDirectory: directory, for: [e])
            graded.append(what)
            results.append(Grader.grade(e, options: options))
        }
        let (options, what) = try grading.graderOptions(exercisesDirectory: directory, for: code)
        graded.append(what)
        results += code.map { Grader.grade($0, options: options) }
        results.sort { $0.exercise.number < $1.exercise.number }
        let text = "graded: " + graded.joined(separator: "; ") + "\n"
            + results.map(Scorecard.text).joined(separator: "\n\n") + "\n\n" + Scorecard.report(results)
        let object: [String: Any] = ["exercises": results.map(Scorecard.jsonObject),
                                     "embody_index": Scorecard.embodyIndex(results),
                                     "secret_seeds": options.salt != nil, "graded": graded]
        try grading.emit(results, text: text, json: object)
        if results.contains(where: { $0.score < $0.maxScore }) { throw ExitCode(2) }
    }
}

struct HandoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handout",
        abstract: "Write the student version of the course to DIR: without Exercises/Reference and the grader's tests.",
        discussion: """
        Copies the package that holds the Exercises directory (briefs, starters, scenarios, robots, sources, docs and         build files) so that students can build and grade their code there; the reference solutions and the         grader's own tests stay out, and the copy's Package.swift builds without them. Grade submissions as         before, in the instructor's copy, with the secret salt.
        """)
    @Argument(help: "The directory to write (new, or empty; outside the package).") var directory: String
    @Option(help: "The Exercises directory of the package to copy.") var exercises: String?
    func run() throws {
        let source = (try exercisesDirectory(exercises) as NSString).deletingLastPathComponent
        do {
            let summary = try Handout.write(packageRoot: source, to: directory)
            print("wrote the student handout to \(directory): \(summary.files) files from \(summary.source), "
                  + "without \(Handout.instructorOnly.joined(separator: " and "))")
        } catch let refusal as GradingRefusal {
            throw ExerciseCLIError(status: 1, description: refusal.description)
        }
    }
}

/// One trial of an exercise graded from a parameter file, run by the grader in a child process of this tool.
struct Trial: ParsableCommand {
    static let configuration = CommandConfiguration(shouldDisplay: false)
    @Option var exercise: Int
    @Option var seed: UInt64
    @Option var exercises: String
    @Option var gains: String
    func run() throws {
        ExerciseRunnerMain.parameterTrial(exercise: exercise, seed: seed, exercisesDirectory: exercises, gains: gains)
    }
}

do {
    var command = try ExerciseTool.parseAsRoot()
    try command.run()
    exit(0)
} catch let error as ExerciseCLIError {
    FileHandle.standardError.write(Data("embody exercise: \(error.description)\n".utf8))
    exit(error.status)
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    // --help and --version end here with success; usage errors are invalid input (exit 1), never a stack trace.
    let message = ExerciseTool.fullMessage(for: error)
    if ExerciseTool.exitCode(for: error) == .success {
        print(message)
        exit(0)
    }
    FileHandle.standardError.write(Data("\(message)\n".utf8))
    exit(1)
}

// MARK: - embody-exercise: list, show, check and report control exercises
//
// `embody exercise …` forwards here. Exit codes: 0 full marks (or nothing to grade), 1 invalid input
// (unknown exercise, missing files, code that does not compile), 2 graded below full marks, 3 internal.

import ArgumentParser
import EmbodyExercises
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

    @Option(help: ArgumentHelp("The runner executable to grade (default: built next to this tool).", valueName: "path"))
    var runner: String?

    @Flag(help: "Do not run `swift build` first; grade the runner as it is.")
    var noBuild = false

    @Option(help: ArgumentHelp("A file holding the secret seed salt (or set EMBODY_SECRET_SALT).", valueName: "file"))
    var saltFile: String?

    @Option(help: "Multiply every time limit by this factor (for slow machines).")
    var timeScale: Double = 1

    @Option(help: .hidden) var variant: String?

    /// Builds (unless told not to) and returns the grader options.
    func graderOptions(exercises: String) throws -> GraderOptions {
        let product = reference ? "embody-exercise-reference" : "embody-exercise-runner"
        let path = runner ?? (toolDirectory() as NSString).appendingPathComponent(product)
        if runner == nil && !noBuild { try build(product: product, packageRoot: (exercises as NSString).deletingLastPathComponent) }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ExerciseCLIError(status: 1, description: "no runner at \(path); build it with `swift build --product \(product)`")
        }
        var options = GraderOptions(runner: path, exercisesDirectory: exercises,
                                    salt: SeedPlan.salt(file: saltFile), variant: variant)
        options.timeScale = max(0.01, timeScale)
        return options
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
    let url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    if CommandLine.arguments[0].contains("/") { return url.deletingLastPathComponent().path }
    if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return (p as NSString).deletingLastPathComponent
    }
    return FileManager.default.currentDirectoryPath
}

/// Finds the Exercises directory: the option, EMBODY_EXERCISES, then upwards from here and from this tool.
func exercisesDirectory(_ option: String?) throws -> String {
    if let option { return (option as NSString).standardizingPath }
    if let env = ProcessInfo.processInfo.environment["EMBODY_EXERCISES"] { return env }
    for start in [FileManager.default.currentDirectoryPath, toolDirectory()] {
        var dir = URL(fileURLWithPath: start)
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("Exercises")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Runner").path) { return candidate.path }
            dir = dir.deletingLastPathComponent()
        }
    }
    throw ExerciseCLIError(status: 1, description: "cannot find the Exercises directory; run from the repository or pass --exercises DIR")
}

/// Runs `swift build --product` so the runner holds the student's latest code; compiler errors go to stderr.
func build(product: String, packageRoot: String) throws {
    let configuration = (toolDirectory() as NSString).lastPathComponent == "release" ? "release" : "debug"
    let swift = FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/swift") ? "/opt/swift/usr/bin/swift" : "/usr/bin/env"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: swift)
    process.arguments = (swift.hasSuffix("env") ? ["swift"] : []) + ["build", "-c", configuration, "--product", product]
    process.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    FileHandle.standardError.write(Data("building \(product) (\(configuration))…\n".utf8))
    do { try process.run() } catch {
        throw ExerciseCLIError(status: 1, description: "cannot run swift build: \(error.localizedDescription); build the runner yourself and pass --no-build")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let text = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.contains("error:") || $0.contains("warning:") && $0.contains("Exercises/") }.joined(separator: "\n")
        throw ExerciseCLIError(status: 1, description: "your code does not compile:\n\(text)")
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
        subcommands: [ListExercises.self, Show.self, CheckExercise.self, Report.self])
}

struct ListExercises: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the exercises.")
    func run() throws {
        for e in Catalog.exercises {
            print("\(e.number). \(e.title)  [Exercises/\(e.folder)/\(e.studentFile), \(String(format: "%.0f", e.maxScore)) points]")
        }
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
        let options = try grading.graderOptions(exercises: try exercisesDirectory(exercises))
        let result = Grader.grade(e, options: options)
        try grading.emit([result], text: Scorecard.text(result), json: Scorecard.jsonObject(result))
        if result.score < result.maxScore { throw ExitCode(2) }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Grade every exercise and print the Embody Index (0–100).")
    @Option(help: "The Exercises directory.") var exercises: String?
    @OptionGroup var grading: GradingOptions
    func run() throws {
        let options = try grading.graderOptions(exercises: try exercisesDirectory(exercises))
        let results = Catalog.exercises.map { Grader.grade($0, options: options) }
        let text = results.map(Scorecard.text).joined(separator: "\n\n") + "\n\n" + Scorecard.report(results)
        let object: [String: Any] = ["exercises": results.map(Scorecard.jsonObject),
                                     "embody_index": Scorecard.embodyIndex(results),
                                     "secret_seeds": options.salt != nil]
        try grading.emit(results, text: text, json: object)
        if results.contains(where: { $0.score < $0.maxScore }) { throw ExitCode(2) }
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

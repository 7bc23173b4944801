import ArgumentParser
import EmbodyRuntime
import EmbodyScenario
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The documented exit codes.
enum ExitStatus: Int32 {
    case success = 0
    case invalidInput = 1
    case criteriaFailed = 2
    case internalError = 3
}

/// An error that carries its exit status and a message for people.
struct CLIError: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String
    var description: String { message }

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: RuntimeError) {
        self.init(error.isInvalidInput ? .invalidInput : .internalError, error.message)
    }
}

/// Ends the command with an exit status but no message (the command already printed its result).
struct QuietExit: Error {
    var status: ExitStatus
}

struct Embody: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embody",
        abstract: "A deterministic robot-control simulator over Bullet.",
        discussion: """
        Exit codes:
          0  success
          1  invalid input (scenario, URDF, log or arguments)
          2  the scenario's success criteria failed, or replay diverged
          3  internal error
        """,
        version: EmbodyVersion.current,
        subcommands: [Run.self, Validate.self, Replay.self, Export.self, View.self, List.self, Inspect.self, Bench.self, Exercise.self,
                      Sweep.self, Collect.self, WorkerCommand.self, TaskCommand.self]
    )

    /// Parses, runs, and maps every outcome to the documented exit codes; never prints a stack trace.
    static func mainWithExitCodes() -> Never {
        if let problem = argumentProblem(CommandLine.arguments) {
            FileHandle.standardError.write(Data("embody: \(problem)\n".utf8))
            Glibc.exit(ExitStatus.invalidInput.rawValue)
        }
        do {
            var command = try parseAsRoot(rewriteViewArguments(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            Glibc.exit(ExitStatus.success.rawValue)
        } catch let quiet as QuietExit {
            Glibc.exit(quiet.status.rawValue)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("embody: \(error.message)\n".utf8))
            Glibc.exit(error.status.rawValue)
        } catch let error as RuntimeError {
            FileHandle.standardError.write(Data("embody: \(error.message)\n".utf8))
            Glibc.exit(CLIError(error).status.rawValue)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                print(message)
                Glibc.exit(0)
            }
            FileHandle.standardError.write(Data("\(message)\n".utf8))
            Glibc.exit(ExitStatus.invalidInput.rawValue)
        }
    }
}

/// The embody command line as a library: every subcommand (`run`, `validate`, `replay --verify`, `sweep`, …)
/// with the documented exit codes. A program of the user's own registers its Swift controllers with
/// `ControllerRegistry.register(…)` and then calls `EmbodyCLI.main()`; `embody` itself is this call alone.
public enum EmbodyCLI {
    /// Parses this process's arguments, runs the command and exits with its status; never returns.
    public static func main() -> Never {
        Embody.mainWithExitCodes()
    }
}

/// Writes a line to stderr.
func warn(_ text: String) {
    FileHandle.standardError.write(Data("\(text)\n".utf8))
}

/// `run … --view FILE` (FILE ending in .html, or a batch's folder given as `--view=DIR`) becomes
/// `--view --view-file FILE`, since an option cannot take an optional value; a bare `--view` stays a flag.
func rewriteViewArguments(_ args: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a.hasPrefix("--view=") {
            out += ["--view", "--view-file", String(a.dropFirst(7))]
        } else if a == "--view", i + 1 < args.count, args[i + 1].lowercased().hasSuffix(".html") || args[i + 1].hasSuffix("/") {
            out += ["--view", "--view-file", args[i + 1]]
            i += 1
        } else {
            out.append(a)
        }
        i += 1
    }
    return out
}

/// A progress bar on stderr, shown only when stderr is a terminal (and never with --json or in batches).
final class ProgressBar {
    private let enabled: Bool

    init(enabled: Bool = true) { self.enabled = enabled && isatty(STDERR_FILENO) == 1 }
    private var lastPercent = -1

    func update(_ fraction: Double) {
        guard enabled else { return }
        let percent = Int((fraction * 100).rounded(.down))
        guard percent != lastPercent else { return }
        lastPercent = percent
        let width = 30
        let filled = min(width, percent * width / 100)
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(percent)%".utf8))
    }

    func finish() {
        guard enabled, lastPercent >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

// MARK: - Mistakes the argument parser words poorly

/// What is wrong with the command line, for the mistakes swift-argument-parser reports without saying so: a
/// mistyped subcommand ("Unexpected argument 'rn'") and a negative number after an option ("Missing value for
/// '--jobs <jobs>'", because '-1' looks like a flag). Nil when the arguments are left to the parser.
func argumentProblem(_ arguments: [String]) -> String? {
    let names = Embody.configuration.subcommands.map { $0._commandName }
    if arguments.count > 1 {
        let first = arguments[1]
        if !first.hasPrefix("-") && !names.contains(first) && first != "help" {
            let near = Suggest.nearest(to: first, in: names).map { "; did you mean 'embody \($0)'?" } ?? ""
            return "'\(first)' is not an embody command\(near) (commands: \(names.joined(separator: ", ")))"
        }
    }
    for (i, argument) in arguments.enumerated().dropFirst() where argument.hasPrefix("--") && !argument.contains("=") {
        guard i + 1 < arguments.count else { break }
        let value = arguments[i + 1]
        if value.hasPrefix("-"), value.count > 1, Double(value) != nil {
            return "\(argument) \(value): the value must not be negative (\(argument) takes \(argument == "--jobs" ? "a whole number of threads, at least 1" : "a number of 0 or more"))"
        }
    }
    return nil
}

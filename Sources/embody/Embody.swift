import ArgumentParser
import EmbodyRuntime
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
    static func mainWithExitCodes() {
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

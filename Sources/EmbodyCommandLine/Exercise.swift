// MARK: - exercise: the control exercises and their autograder
//
// The exercise commands live in their own executable, `embody-exercise` (Sources/embody-exercise), built
// next to this one; `embody exercise …` hands its arguments over unchanged, so exit codes and output are
// that tool's.

import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Exercise: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Control exercises with an autograder: list, show N, check N [--json] [--gradescope FILE], report, handout DIR.",
        discussion: """
        Forwards to the embody-exercise tool built next to embody. See `embody exercise --help` and docs/teaching.md.
        Exit codes: 0 full marks, 1 invalid input or code that does not compile, 2 below full marks, 3 internal error.
        """)

    @Argument(parsing: .captureForPassthrough, help: "list | show N | check N [options] | report [options] | handout DIR")
    var arguments: [String] = []

    func run() throws {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                     ?? CommandLine.arguments[0])
        let directory = me.deletingLastPathComponent()
        let tool = directory.appendingPathComponent("embody-exercise").path
        if !FileManager.default.isExecutableFile(atPath: tool) { try buildTool(in: directory) }
        guard FileManager.default.isExecutableFile(atPath: tool) else {
            throw CLIError(.invalidInput, "the exercise tool is not built; run `swift build --product embody-exercise`")
        }
        let argv = ([tool] + (arguments.isEmpty ? ["--help"] : arguments)).map { strdup($0) } + [nil]
        execv(tool, argv)
        throw CLIError(.internalError, "cannot start \(tool): \(String(cString: strerror(errno)))")
    }

    /// Builds `embody-exercise` in this binary's configuration when it lives in a package's .build/<config>/
    /// (after `make demo`, which builds only `embody`); compiler output goes to stderr.
    func buildTool(in directory: URL) throws {
        let configuration = directory.lastPathComponent == "release" ? "release" : "debug"
        var root = directory
        for _ in 0..<3 {
            root = root.deletingLastPathComponent()
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { break }
        }
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) else { return }
        let swift = FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/swift") ? "/opt/swift/usr/bin/swift" : "/usr/bin/swift"
        warn("building the exercise tool (\(configuration)) once…")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        process.arguments = ["build", "-c", configuration, "--product", "embody-exercise"]
        process.currentDirectoryURL = root
        process.standardOutput = FileHandle.standardError
        do { try process.run() } catch {
            throw CLIError(.invalidInput, "cannot run swift build (\(error.localizedDescription)); run `swift build --product embody-exercise`")
        }
        process.waitUntilExit()
    }
}

// MARK: - Grading the right code: which runner, built from which sources, and why a build failed
//
// A runner executable holds the code it grades. The grader asks it (`--identify`) which Exercises directory
// it was compiled from, and refuses to grade it for another one: run from one checkout with another
// checkout's exercises, grading the runner next to the tool would score that checkout's starters. It also
// refuses a runner older than the student's files (their latest edits are not in it).

import Foundation

/// A reason not to grade, for people; the CLI exits 1 with it.
public struct GradingRefusal: Error, CustomStringConvertible, Sendable {
    /// The message.
    public var description: String
    /// Creates a refusal.
    public init(_ description: String) { self.description = description }
}

/// Checks that a runner holds the code it is asked to grade.
public enum RunnerCheck {
    /// The Swift files whose code a runner holds: the students' files and Runner/main.swift, or the reference folder's.
    public static func sourceFiles(exercisesDirectory: String, reference: Bool) -> [String] {
        let root = URL(fileURLWithPath: exercisesDirectory)
        if reference {
            let folder = root.appendingPathComponent("Reference")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.hasSuffix(".swift") }.sorted().map { folder.appendingPathComponent($0).path }
        }
        return [root.appendingPathComponent("Runner/main.swift").path]
            + Catalog.exercises.filter(\.needsSwift).map { root.appendingPathComponent("\($0.folder)/\($0.studentFile)").path }
    }

    /// Asks `runner` which sources it was built from (`--identify`, 60 s limit: it answers at once, but with a 10 s
    /// limit the test suite once got no answer from a copied debug runner while humanoid walks filled both cores).
    public static func identify(_ runner: String) throws -> RunnerIdentity {
        guard FileManager.default.isExecutableFile(atPath: runner) else {
            throw GradingRefusal("there is no runner executable at \(runner)")
        }
        var run = ChildProcess.run(runner, arguments: ["--identify"], timeLimit: 60)
        // "Text file busy": some process still holds the executable open for writing, as a just-finished copy or
        // link can be for a moment (or while a process that inherited the writer's descriptor lives). Wait for it.
        let patience = Date().addingTimeInterval(30)
        while case .launchFailed(_, errno: ETXTBSY) = run.ending, Date() < patience {
            usleep(100_000)
            run = ChildProcess.run(runner, arguments: ["--identify"], timeLimit: 60)
        }
        if case .launchFailed(let reason, _) = run.ending {
            throw GradingRefusal("cannot tell which sources the runner \(runner) was built from: it could not be started (\(reason))")
        }
        let line = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        if case .timedOut = run.ending {
            throw GradingRefusal("cannot tell which sources the runner \(runner) was built from: it did not answer "
                                 + "--identify within 60 s")
        }
        guard case .exited(0) = run.ending, let identity = RunnerIdentity(jsonLine: line) else {
            throw GradingRefusal("cannot tell which sources the runner \(runner) was built from (it does not answer "
                                 + "--identify; it may predate this grader): rebuild it")
        }
        return identity
    }

    /// The runner's identity, when it was built from `exercisesDirectory`'s sources (student or reference, as
    /// asked) and no source file is newer than it (unless `justBuilt`); otherwise a refusal saying what it
    /// would have graded instead.
    public static func verify(runner: String, exercisesDirectory: String, reference: Bool,
                              justBuilt: Bool) throws -> RunnerIdentity {
        let identity = try identify(runner)
        let expected = canonical(exercisesDirectory), actual = canonical(identity.exercisesDirectory)
        guard expected == actual else {
            throw GradingRefusal("""
                refusing to grade: the runner \(runner) was built from the sources in \(identity.exercisesDirectory), \
                not from the exercises being graded in \(exercisesDirectory); it would score that copy's code, not this one's. \
                Grade without --runner and --no-build, so that the runner is built in the package that holds \
                \(exercisesDirectory), or pass --exercises \(identity.exercisesDirectory) to grade the code it holds.
                """)
        }
        let wanted = reference ? "reference" : "student"
        guard identity.solutions == wanted else {
            throw GradingRefusal("refusing to grade: the runner \(runner) holds the \(identity.solutions) solutions, "
                                 + "but the \(wanted) ones were asked for" + (reference ? " (--reference)" : ""))
        }
        if !justBuilt, let built = modificationDate(runner) {
            for file in sourceFiles(exercisesDirectory: exercisesDirectory, reference: reference) {
                if let changed = modificationDate(file), changed > built {
                    throw GradingRefusal("""
                        refusing to grade: \(file) changed after the runner \(runner) was built, so the runner does \
                        not hold that code; grade without --no-build (or rebuild the runner) first
                        """)
                }
            }
        }
        return identity
    }

    /// A path with `.` and `..` removed and symbolic links resolved, for comparing directories.
    public static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}

/// Why `swift build` of a runner failed, in words: the student's compile errors, or what else it was.
public enum BuildDiagnosis {
    /// Output lines that mean the build cache was made elsewhere or by another compiler.
    static let staleCacheSigns = [
        "was compiled with module cache path", "module cache path", "PCH was compiled", "compiled module was created by",
        "malformed or corrupted", "is not a valid module", "cannot load underlying module", "was built for a different",
        "compiled with a newer version", "compiled with an older version", "missing required module",
    ]
    /// Output lines that mean the manifest does not load.
    static let manifestSigns = ["Invalid manifest", "manifest parse error", "error: manifest"]
    /// Output lines that mean the package's dependencies cannot be fetched or resolved.
    static let dependencySigns = ["Failed to clone", "could not resolve", "Couldn't fetch", "failed to resolve",
                                  "dependency graph", "unable to resolve"]

    /// A message for people about a failed `swift build` in `packageRoot` (its combined output `output`).
    public static func explain(output: String, packageRoot: String, exercisesDirectory: String) -> String {
        let lines = output.split(separator: "\n").map(String.init)
        let exercises = [RunnerCheck.canonical(exercisesDirectory), URL(fileURLWithPath: exercisesDirectory).standardizedFileURL.path]
            .map { $0 + "/" }
        let errors = lines.filter { $0.contains("error:") }
        // The student's own compile errors, each with the source line and caret the compiler prints after it.
        var studentLines: [String] = []
        for (i, line) in lines.enumerated() where line.contains("error:") && exercises.contains(where: line.hasPrefix) {
            studentLines.append(line)
            for next in lines.dropFirst(i + 1).prefix(3) where !next.contains("error:") && !next.contains("warning:")
                && !next.hasPrefix("[") { studentLines.append(next) }
        }
        if !studentLines.isEmpty {
            return "your code does not compile:\n" + studentLines.joined(separator: "\n")
        }
        let build = URL(fileURLWithPath: packageRoot).appendingPathComponent(".build").path
        if let sign = lines.first(where: { line in staleCacheSigns.contains { line.contains($0) } }) {
            return """
                the build failed in the build cache, not in your code: \(build) was made in another directory or by \
                another compiler (\(sign.trimmingCharacters(in: .whitespaces).prefix(240))). Remove it \
                (rm -rf \(build)) and grade again.
                """
        }
        if let sign = lines.first(where: { line in manifestSigns.contains { line.contains($0) } }) {
            return "the package manifest \(packageRoot)/Package.swift does not load, so nothing was compiled: "
                + sign.trimmingCharacters(in: .whitespaces).prefix(400)
        }
        if let sign = lines.first(where: { line in dependencySigns.contains { line.contains($0) } }) {
            return "the package's dependencies cannot be resolved (nothing of yours was compiled): "
                + sign.trimmingCharacters(in: .whitespaces).prefix(400)
        }
        let shown = (errors.isEmpty ? Array(lines.suffix(5)) : Array(errors.prefix(10))).joined(separator: "\n")
        return "the build of the runner failed outside your files (nothing under \(exercisesDirectory) has an error); "
            + "swift build said:\n\(shown)"
    }

    /// The refusal when the Exercises directory is not in a Swift package that can build its runner.
    public static func noPackage(exercisesDirectory: String, packageRoot: String) -> String {
        """
        cannot build your code: there is no Package.swift in \(packageRoot). Exercises written in Swift are graded \
        by building embody-exercise-runner in the package that holds the Exercises directory (an Embody checkout, \
        or a student copy made with `embody exercise handout DIR`); \(exercisesDirectory) is not in one. \
        Exercises graded from a file of numbers (exercise 1) need no package.
        """
    }
}

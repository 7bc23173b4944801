@testable import EmbodyExercises
import Foundation
import Testing

// MARK: - The grader grades the code it says it grades

/// A new empty temporary directory.
func temporaryDirectory(_ tag: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("embody-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Copies the repository's exercise `folders` (and the runner folder) into `root/Exercises`.
func copyExercises(_ folders: [String], to root: URL) throws -> URL {
    let exercises = root.appendingPathComponent("Exercises")
    try FileManager.default.createDirectory(at: exercises, withIntermediateDirectories: true)
    for folder in folders + ["Runner"] where !FileManager.default.fileExists(atPath: exercises.appendingPathComponent(folder).path) {
        try FileManager.default.copyItem(atPath: "\(exercisesDirectory)/\(folder)", toPath: exercises.appendingPathComponent(folder).path)
    }
    return exercises
}

@Suite("Honest grading")
struct HonestGradingTests {
    /// Another checkout's exercises, with a runner built elsewhere planted where its build would be: the
    /// grader must not score the runner's code as if it were this checkout's.
    @Test func aRunnerBuiltFromOtherSourcesIsRefused() throws {
        let other = try temporaryDirectory("other-checkout")
        defer { try? FileManager.default.removeItem(at: other) }
        let exercises = try copyExercises(["02-joint-pd"], to: other)
        try "// another checkout\n".write(to: other.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let build = other.appendingPathComponent(".build/debug")
        try FileManager.default.createDirectory(at: build, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: executable("embody-exercise-runner"),
                                         toPath: build.appendingPathComponent("embody-exercise-runner").path)

        // The default runner of that checkout, as it is (--no-build): built from this repository's sources.
        let planted = try runTool("embody-exercise", ["check", "2", "--no-build", "--exercises", exercises.path])
        #expect(planted.status == 1, "\(planted.stdout)\n\(planted.stderr)")
        #expect(planted.stderr.contains("refusing to grade"), "\(planted.stderr)")
        #expect(planted.stderr.contains("built from the sources in \(RunnerCheck.canonical(exercisesDirectory))"), "\(planted.stderr)")
        #expect(planted.stderr.contains(exercises.path), "\(planted.stderr)")
        #expect(!planted.stdout.contains("total"), "nothing is graded")

        // This repository's runner named explicitly for the other checkout's exercises: refused too.
        let named = try runTool("embody-exercise", ["check", "2", "--runner", executable("embody-exercise-runner"),
                                                    "--exercises", exercises.path])
        #expect(named.status == 1 && named.stderr.contains("refusing to grade"), "\(named.stderr)")

        // The student runner asked to stand in for the reference one: refused.
        let kind = try runTool("embody-exercise", ["check", "2", "--reference", "--runner", executable("embody-exercise-runner"),
                                                   "--exercises", exercisesDirectory])
        #expect(kind.status == 1 && kind.stderr.contains("holds the student solutions"), "\(kind.stderr)")

        // The runner built from these sources is graded, and the scorecard says which one it used.
        let own = try runTool("embody-exercise", ["check", "2", "--reference", "--no-build", "--exercises", exercisesDirectory])
        #expect(own.status == 0, "\(own.stdout)\n\(own.stderr)")
        #expect(own.stdout.contains("graded: the runner ") && own.stdout.contains("embody-exercise-reference, built from \(exercisesDirectory)"),
                "\(own.stdout)")
        #expect(own.stdout.contains("total 10.0/10.0"))
    }

    @Test func aRunnerAnswersWithTheSourcesItWasBuiltFrom() throws {
        let student = try RunnerCheck.identify(executable("embody-exercise-runner"))
        #expect(RunnerCheck.canonical(student.exercisesDirectory) == RunnerCheck.canonical(exercisesDirectory))
        #expect(student.solutions == "student")
        let reference = try RunnerCheck.identify(executable("embody-exercise-reference"))
        #expect(reference.solutions == "reference")
        // Something that is not a runner cannot say, and is refused.
        #expect(throws: GradingRefusal.self) { try RunnerCheck.identify("/bin/true") }
        // The student runner holds exactly the student files and Runner/main.swift.
        let files = RunnerCheck.sourceFiles(exercisesDirectory: exercisesDirectory, reference: false)
        #expect(files.count == 9 && files[0].hasSuffix("Runner/main.swift") && files.contains { $0.hasSuffix("08-humanoid-balance/BalanceController.swift") }
                && files.contains { $0.hasSuffix("09-humanoid-walk/ZMPPreview.swift") })
    }

    /// A crash in a student's code names the file and line of the student's code, and quotes the Fatal error line.
    @Test func aCrashIsLocatedInTheStudentsCode() throws {
        let source = "\(exercisesDirectory)/Reference/FaultySolutions.swift"
        let lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let indexLine = try #require(lines.firstIndex { $0.contains("grader-test: index out of range") }) + 1
        let fatalLine = try #require(lines.firstIndex { $0.contains("fatalError(\"deliberate crash") }) + 1
        let exercise = try #require(Catalog.find("2"))

        let index = Grader.grade(exercise, options: options(reference: true, variant: "index-crash"))
        #expect(index.score == 0)
        for check in index.checks {
            #expect(check.messages.contains { $0.contains("crashed") && $0.contains("at Reference/FaultySolutions.swift:\(indexLine);")
                                               && $0.contains("Fatal error: Index out of range") }, "\(check.messages)")
            #expect(!check.messages.joined().contains("0x"), "no stack trace")
        }
        let fatal = Grader.grade(exercise, options: options(reference: true, variant: "crashing"))
        #expect(fatal.checks[0].messages.contains { $0.contains("at Reference/FaultySolutions.swift:\(fatalLine);")
                                                    && $0.contains("Fatal error: deliberate crash in CrashingPD.torques") },
                "\(fatal.checks[0].messages)")
    }

    /// Exercise 1 is a file of numbers: it is graded with no Swift package at all, and nothing is built.
    @Test func theParameterExerciseGradesWithoutBuilding() throws {
        let bare = try temporaryDirectory("bare-exercises")
        defer { try? FileManager.default.removeItem(at: bare) }
        let exercises = try copyExercises(["01-pd-tuning"], to: bare)
        let starter = try runTool("embody-exercise", ["check", "1", "--exercises", exercises.path])
        #expect(starter.status == 2, "\(starter.stdout)\n\(starter.stderr)")
        #expect(starter.stdout.contains("graded: \(exercises.path)/01-pd-tuning/gains.yaml (a file of numbers: nothing to build)"),
                "\(starter.stdout)")
        #expect(!starter.stderr.contains("building"), "\(starter.stderr)")
        // The reference gains written into the student's file score full marks there.
        try FileManager.default.removeItem(at: exercises.appendingPathComponent("01-pd-tuning/gains.yaml"))
        try FileManager.default.copyItem(atPath: "\(exercisesDirectory)/Reference/01-pd-tuning-gains.yaml",
                                         toPath: exercises.appendingPathComponent("01-pd-tuning/gains.yaml").path)
        let full = try runTool("embody-exercise", ["check", "1", "--exercises", exercises.path])
        #expect(full.status == 0 && full.stdout.contains("total 10.0/10.0"), "\(full.stdout)\n\(full.stderr)")

        // A Swift exercise in the same place cannot be built: it says why, and that it is not a compile error.
        _ = try copyExercises(["02-joint-pd"], to: bare)
        let swift = try runTool("embody-exercise", ["check", "2", "--exercises", exercises.path])
        #expect(swift.status == 1)
        #expect(swift.stderr.contains("there is no Package.swift in \(bare.path)"), "\(swift.stderr)")
        #expect(!swift.stderr.contains("does not compile"))
    }

    /// The handout is the course without the reference solutions and the grader's tests, and its manifest loads without them.
    @Test func theHandoutLeavesTheSolutionsOut() throws {
        let parent = try temporaryDirectory("handout")
        defer { try? FileManager.default.removeItem(at: parent) }
        let handout = parent.appendingPathComponent("course")
        let r = try runTool("embody-exercise", ["handout", handout.path, "--exercises", exercisesDirectory])
        #expect(r.status == 0, "\(r.stderr)")
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: handout.appendingPathComponent("Exercises/Reference").path))
        #expect(!fm.fileExists(atPath: handout.appendingPathComponent("Tests/EmbodyExercisesTests").path))
        #expect(!fm.fileExists(atPath: handout.appendingPathComponent(".build").path))
        for e in Catalog.exercises {
            for file in ["README.md", "scenario.yaml", e.studentFile] {
                let copy = fm.contents(atPath: handout.appendingPathComponent("Exercises/\(e.folder)/\(file)").path)
                #expect(copy != nil && copy == fm.contents(atPath: "\(exercisesDirectory)/\(e.folder)/\(file)"), "\(e.folder)/\(file)")
            }
        }
        for file in ["Exercises/README.md", "Exercises/Runner/main.swift", "Package.swift", "Scenarios/robots/arm7.urdf",
                     "Sources/EmbodyExercises/StudentAPI.swift"] {
            #expect(fm.fileExists(atPath: handout.appendingPathComponent(file).path), "\(file)")
        }
        // No reference solution's code anywhere in it.
        let enumerator = try #require(fm.enumerator(atPath: handout.path))
        for case let path as String in enumerator where path.hasSuffix(".swift") || path.hasSuffix(".yaml") {
            let text = (try? String(contentsOfFile: handout.appendingPathComponent(path).path, encoding: .utf8)) ?? ""
            #expect(!text.contains("Reference solutions for the instructor"), "\(path)")
        }
        // A second handout into the same, now non-empty, directory is refused; so is one inside the package.
        let again = try runTool("embody-exercise", ["handout", handout.path, "--exercises", exercisesDirectory])
        #expect(again.status == 1 && again.stderr.contains("is not empty"))
        let inside = try runTool("embody-exercise", ["handout", "\(repoRoot.path)/.build/handout-\(UUID().uuidString)",
                                                     "--exercises", exercisesDirectory])
        #expect(inside.status == 1 && inside.stderr.contains("cannot go inside the package"))

        // The manifest of the handout loads, with the student runner and without the reference target or its tests.
        let swift = try #require(["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { fm.isExecutableFile(atPath: $0) })
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        process.arguments = ["package", "dump-package"]
        process.currentDirectoryURL = handout
        let out = parent.appendingPathComponent("dump.json")
        _ = fm.createFile(atPath: out.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let targets = try #require(dump["targets"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(targets.contains("embody-exercise-runner") && targets.contains("embody-exercise"))
        #expect(!targets.contains("embody-exercise-reference") && !targets.contains("EmbodyExercisesTests"), "\(targets)")

        // The student's parameter exercise grades in the handout as it is.
        let one = try runTool("embody-exercise", ["check", "1", "--exercises", handout.appendingPathComponent("Exercises").path])
        #expect(one.status == 2 && one.stdout.contains("graded: \(handout.path)/Exercises/01-pd-tuning/gains.yaml"), "\(one.stdout)")
    }

    @Test func aStaleRunnerIsRefused() throws {
        // The runner is older than a student file: simulated with a copy of the runner whose date is set back.
        let copy = try temporaryDirectory("stale").appendingPathComponent("embody-exercise-runner")
        defer { try? FileManager.default.removeItem(at: copy.deletingLastPathComponent()) }
        try FileManager.default.copyItem(atPath: executable("embody-exercise-runner"), toPath: copy.path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: copy.path)
        #expect {
            _ = try RunnerCheck.verify(runner: copy.path, exercisesDirectory: exercisesDirectory, reference: false, justBuilt: false)
        } throws: { error in
            "\(error)".contains("changed after the runner") && "\(error)".contains("Runner/main.swift")
        }
        // Just built: its date is not compared.
        _ = try RunnerCheck.verify(runner: copy.path, exercisesDirectory: exercisesDirectory, reference: false, justBuilt: true)
    }
}

// MARK: - Build failures of a real (tiny) package

/// Runs a program in a directory; returns its exit status.
@discardableResult
func run(_ program: String, _ arguments: [String], in directory: URL) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

@Suite("Build failures say what they are")
struct BuildFailureTests {
    /// A package with a runner target of the real name whose sources are Exercises/Runner/main.swift and a
    /// student file: small enough to build in seconds.
    func tinyPackage(at root: URL, studentCode: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("Exercises/Runner"), withIntermediateDirectories: true)
        try fm.createDirectory(at: root.appendingPathComponent("Exercises/02-joint-pd"), withIntermediateDirectories: true)
        try """
            // swift-tools-version:6.1
            import PackageDescription
            let package = Package(name: "Tiny", targets: [
                .executableTarget(name: "embody-exercise-runner", path: "Exercises",
                                  sources: ["Runner/main.swift", "02-joint-pd/JointPD.swift"]),
            ])
            """.write(to: root.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try "print(answer())\n".write(to: root.appendingPathComponent("Exercises/Runner/main.swift"), atomically: true, encoding: .utf8)
        try studentCode.write(to: root.appendingPathComponent("Exercises/02-joint-pd/JointPD.swift"), atomically: true, encoding: .utf8)
    }

    @Test func aCompileErrorIsTheStudentsAndAStaleCacheIsNot() throws {
        let swift = try #require(["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let parent = try temporaryDirectory("tiny")
        defer { try? FileManager.default.removeItem(at: parent) }

        // The student's own compile error: quoted with its file and line.
        let broken = parent.appendingPathComponent("broken")
        try tinyPackage(at: broken, studentCode: "func answer() -> Int { return kq }\n")
        let compile = try runTool("embody-exercise", ["check", "2", "--exercises", broken.appendingPathComponent("Exercises").path])
        #expect(compile.status == 1)
        #expect(compile.stderr.contains("your code does not compile:"), "\(compile.stderr)")
        #expect(compile.stderr.contains("Exercises/02-joint-pd/JointPD.swift:1:"), "\(compile.stderr)")
        #expect(compile.stderr.contains("cannot find 'kq' in scope"), "\(compile.stderr)")

        // A package built in one place and copied with its .build folder: the module cache is stale.
        let first = parent.appendingPathComponent("first")
        try tinyPackage(at: first, studentCode: "func answer() -> Int { 42 }\n")
        #expect(try run(swift, ["build", "--product", "embody-exercise-runner"], in: first) == 0)
        let copy = parent.appendingPathComponent("copy")
        #expect(try run("/bin/cp", ["-a", first.path, copy.path], in: parent) == 0)
        try "func answer() -> Int { 43 }\n".write(to: copy.appendingPathComponent("Exercises/02-joint-pd/JointPD.swift"),
                                                atomically: true, encoding: .utf8)
        let stale = try runTool("embody-exercise", ["check", "2", "--exercises", copy.appendingPathComponent("Exercises").path])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("the build failed in the build cache, not in your code"), "\(stale.stderr)")
        #expect(stale.stderr.contains("rm -rf \(copy.path)/.build"), "\(stale.stderr)")
        #expect(!stale.stderr.contains("does not compile"))
    }
}

import EmbodyExercises
import Foundation
import Testing

// MARK: - Support

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The Exercises directory.
let exercisesDirectory = repoRoot.appendingPathComponent("Exercises").path

/// A built executable next to the test bundle (built by `swift build` / `swift test`).
func executable(_ name: String) -> String {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = testBinary.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        dir = dir.deletingLastPathComponent()
    }
    return repoRoot.appendingPathComponent(".build/debug/\(name)").path
}

/// Grader options for the reference or the students' runner.
func options(reference: Bool, salt: String? = nil, variant: String? = nil) -> GraderOptions {
    GraderOptions(runner: executable(reference ? "embody-exercise-reference" : "embody-exercise-runner"),
                  exercisesDirectory: exercisesDirectory, salt: salt, variant: variant)
}

struct ToolResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a built tool with arguments and extra environment.
func runTool(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable(name))
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: SeedPlan.saltVariable)
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("ex-\(UUID().uuidString).out")
    let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("ex-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: outPath.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errPath.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outPath); try? FileManager.default.removeItem(at: errPath) }
    process.standardOutput = try FileHandle(forWritingTo: outPath)
    process.standardError = try FileHandle(forWritingTo: errPath)
    try process.run()
    process.waitUntilExit()
    return ToolResult(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: outPath, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: errPath, encoding: .utf8)) ?? "")
}

// MARK: - Fairness: references get full marks, starters do not

@Suite("Exercises are fair")
struct FairnessTests {
    @Test("every reference solution scores full marks", arguments: Catalog.exercises.map(\.number))
    func referenceScoresFullMarks(number: Int) throws {
        let exercise = try #require(Catalog.find(String(number)))
        let result = Grader.grade(exercise, options: options(reference: true, salt: "fairness-check"))
        #expect(result.score == result.maxScore, "\(Scorecard.text(result))")
        #expect(result.maxScore > 0)
    }

    @Test("every untouched starter scores less than full marks", arguments: Catalog.exercises.map(\.number))
    func starterFails(number: Int) throws {
        let exercise = try #require(Catalog.find(String(number)))
        let result = Grader.grade(exercise, options: options(reference: false))
        #expect(result.score < result.maxScore, "\(Scorecard.text(result))")
        // A starter fails on measurements, not on crashes: it compiles and runs.
        for check in result.checks {
            #expect(!check.messages.contains { $0.contains("crashed") || $0.contains("time limit") }, "\(check.messages)")
        }
    }

    @Test("every exercise folder has a README, a scenario and its starter file")
    func foldersAreComplete() {
        for e in Catalog.exercises {
            for file in ["README.md", "scenario.yaml", e.studentFile] {
                let path = "\(exercisesDirectory)/\(e.folder)/\(file)"
                #expect(FileManager.default.fileExists(atPath: path), "missing \(path)")
            }
            let starter = (try? String(contentsOfFile: "\(exercisesDirectory)/\(e.folder)/\(e.studentFile)", encoding: .utf8)) ?? ""
            #expect(starter.contains("TODO"), "\(e.studentFile) has no TODO")
        }
    }
}

// MARK: - Robustness: student crashes and endless loops

@Suite("The grader survives student code")
struct RobustnessTests {
    @Test func crashingSolutionGetsZeroWithAMessage() throws {
        let exercise = try #require(Catalog.find("2"))
        let result = Grader.grade(exercise, options: options(reference: true, variant: "crashing"))
        #expect(result.score == 0)
        for check in result.checks {
            #expect(check.score == 0)
            #expect(check.messages.contains { $0.contains("crashed") && $0.contains("deliberate crash") }, "\(check.messages)")
            #expect(!check.messages.joined().contains("0x"), "no stack trace addresses")
        }
    }

    @Test func loopingSolutionGetsZeroWithAMessage() throws {
        let exercise = try #require(Catalog.find("2"))
        var o = options(reference: true, variant: "looping")
        o.timeScale = 1.0 / 20   // 1 s instead of 20 s per trial
        let start = Date()
        let result = Grader.grade(exercise, options: o)
        #expect(result.score == 0)
        for check in result.checks {
            #expect(check.score == 0)
            #expect(check.messages.contains { $0.contains("time limit") }, "\(check.messages)")
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func cliExitsNormallyOnCrashAndLoop() throws {
        for variant in ["crashing", "looping"] {
            let r = try runTool("embody-exercise", ["check", "2", "--reference", "--no-build", "--variant", variant,
                                                    "--time-scale", "0.05", "--exercises", exercisesDirectory])
            #expect(r.status == 2, "\(variant): \(r.stderr)")
            #expect(r.stdout.contains("total 0.0/10.0"), "\(r.stdout)")
            #expect(!r.stderr.contains("Stack dump") && !r.stdout.contains("Stack dump"))
        }
    }
}

// MARK: - Output formats

@Suite("Scorecards and Gradescope")
struct OutputTests {
    /// Gradescope's documented results.json: score and max_score numbers, tests an array of objects with
    /// name (string), score (number), max_score (number) and output (string).
    func validateGradescope(_ data: Data) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["score"] is NSNumber)
        #expect(object["max_score"] is NSNumber)
        let tests = try #require(object["tests"] as? [[String: Any]])
        #expect(!tests.isEmpty)
        for t in tests {
            #expect(t["name"] is String)
            #expect(t["score"] is NSNumber)
            #expect(t["max_score"] is NSNumber)
            #expect(t["output"] is String)
            let score = try #require((t["score"] as? NSNumber)?.doubleValue)
            let max = try #require((t["max_score"] as? NSNumber)?.doubleValue)
            #expect(score >= 0 && score <= max)
        }
        let total = tests.reduce(0.0) { $0 + (($1["score"] as? NSNumber)?.doubleValue ?? 0) }
        #expect(abs(total - ((object["score"] as? NSNumber)?.doubleValue ?? -1)) < 1e-6)
    }

    @Test func gradescopeOutputMatchesTheSchema() throws {
        for (reference, expected) in [(true, Int32(0)), (false, Int32(2))] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("gs-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            var args = ["check", "1", "--no-build", "--gradescope", path, "--exercises", exercisesDirectory]
            if reference { args.append("--reference") }
            let r = try runTool("embody-exercise", args)
            #expect(r.status == expected, "\(r.stderr)")
            try validateGradescope(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }

    @Test func jsonScorecardHasTheDocumentedKeys() throws {
        let r = try runTool("embody-exercise", ["check", "1", "--no-build", "--json", "--exercises", exercisesDirectory])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["exercise", "title", "score", "max_score", "secret_seeds", "seeds", "checks"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.count == 3)
        #expect(checks.allSatisfy { $0["threshold"] is NSNumber && $0["passed"] is Bool && $0["messages"] is [String] })
    }

    @Test func reportPrintsTheEmbodyIndex() throws {
        let r = try runTool("embody-exercise", ["report", "--reference", "--no-build", "--exercises", exercisesDirectory])
        #expect(r.status == 0, "\(r.stderr)\n\(r.stdout)")
        #expect(r.stdout.contains("Embody Index: 100 / 100"), "\(r.stdout)")
    }

    @Test func embodyIndexWeighsExercises() throws {
        let all = Catalog.exercises.map { e in
            Grader.score(e, reports: [TrialReport(seed: TrialSeed(value: 1, secret: false, secretIndex: 0),
                                                  metrics: nil, message: "crashed", wallTime: 0)], secret: false)
        }
        #expect(Scorecard.embodyIndex(all) == 0)
    }

    @Test func embodyForwardsTheExerciseCommands() throws {
        let r = try runTool("embody", ["exercise", "list"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1. PD tuning on a single joint"))
    }
}

// MARK: - Secret seeds

@Suite("Secret seeds")
struct SecretSeedTests {
    @Test func saltChangesTheSeeds() throws {
        let e = try #require(Catalog.find("3"))
        let none = SeedPlan.seeds(for: e, salt: nil)
        let a = SeedPlan.seeds(for: e, salt: "course-2026-a")
        let b = SeedPlan.seeds(for: e, salt: "course-2026-b")
        #expect(none.map(\.value) == e.visibleSeeds)
        #expect(a.count == e.visibleSeeds.count + e.secretSeedCount)
        #expect(Array(a.prefix(e.visibleSeeds.count)) == none)
        #expect(a.filter(\.secret).map(\.value) != b.filter(\.secret).map(\.value))
        #expect(SeedPlan.seeds(for: e, salt: "course-2026-a") == a, "deterministic")
        #expect(a.filter(\.secret).allSatisfy { $0.label.hasPrefix("secret seed ") && !$0.label.contains(String($0.value)) })
    }

    @Test func saltIsReadFromTheEnvironmentOrAFile() throws {
        #expect(SeedPlan.salt(environment: ["EMBODY_SECRET_SALT": "x"]) == "x")
        #expect(SeedPlan.salt(environment: [:]) == nil)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("salt-\(UUID().uuidString)").path
        try "  pepper \n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(SeedPlan.salt(environment: ["EMBODY_SECRET_SALT_FILE": path]) == "pepper")
    }

    @Test func secretSeedsAreReportedOnlyAsInUse() throws {
        let salt = "s3cr3t-salt-value"
        let e = try #require(Catalog.find("1"))
        let secret = SeedPlan.seeds(for: e, salt: salt).filter(\.secret).map { String($0.value) }
        for args in [["check", "1"], ["check", "1", "--json"]] {
            let r = try runTool("embody-exercise", args + ["--no-build", "--exercises", exercisesDirectory],
                                environment: ["EMBODY_SECRET_SALT": salt])
            let all = r.stdout + r.stderr
            #expect(all.contains("secret seeds in use") || all.contains("\"secret_seeds\":true"), "\(all)")
            #expect(!all.contains(salt))
            for s in secret { #expect(!all.contains(s), "secret seed \(s) leaked") }
        }
        let plain = try runTool("embody-exercise", ["check", "1", "--no-build", "--exercises", exercisesDirectory])
        #expect(!plain.stdout.contains("secret seeds in use"))
    }
}

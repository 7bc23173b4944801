import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - Batches: several Simulations on several threads, each bit-identical to running alone

@Suite("Batch")
struct BatchTests {
    /// Runs on two threads end in the same state hash as the same runs one at a time, on the calling thread.
    @Test func threadedRunsMatchRunsAlone() throws {
        let jobs = [
            BatchJob(path: bundledScenario("humanoid-push"), overrides: ["duration=3.2"]),
            BatchJob(path: bundledScenario("arm-hold"), overrides: ["duration=1"]),
            BatchJob(path: bundledScenario("arm-joint-waypoints"), overrides: ["duration=4.6"]),
            BatchJob(path: bundledScenario("humanoid-stand"), overrides: ["duration=1"]),
        ]
        var alone: [String] = []
        for job in jobs {
            let (scenario, model) = try loadBundled(URL(fileURLWithPath: job.path).deletingPathExtension().lastPathComponent,
                                                    overrides: job.allOverrides)
            alone.append(try Runner.run(try Simulation(scenario: scenario, model: model)).stateHash)
        }
        let loaded = try BatchRunner.load(jobs)
        var order: [Int] = []
        let results = BatchRunner.run(jobs, loaded: loaded, threads: 2) { order.append($0.index) }
        #expect(order == [0, 1, 2, 3], "results are handed over in job order")
        for (i, r) in results.enumerated() {
            guard case .finished(let summary) = r.outcome else {
                Issue.record("job \(i) failed: \(r.outcome)")
                continue
            }
            #expect(summary.stateHash == alone[i], "job \(i) (\(jobs[i].path)) differs from its run alone")
        }
    }

    /// Sweeps take every combination, the last axis fastest, then seeds; bracketed values keep their commas.
    @Test func sweepsAndSeedsExpand() throws {
        let g = try SweepAxis.parse("physics.gravity=[0,0,-9.81],[0,0,-1.62]")
        #expect(g.values == ["[0,0,-9.81]", "[0,0,-1.62]"])
        let kp = try SweepAxis.parse("controller.gains.kp=100, 300")
        let jobs = expandBatch(paths: ["a.yaml"], overrides: ["duration=1"], sweeps: [g, kp], seeds: try parseSeedRange("3..4"))
        #expect(jobs.count == 8)
        #expect(jobs[0].variation == ["physics.gravity=[0,0,-9.81]", "controller.gains.kp=100", "seed=3"])
        #expect(jobs[1].variation == ["physics.gravity=[0,0,-9.81]", "controller.gains.kp=100", "seed=4"])
        #expect(jobs[7].allOverrides == ["duration=1", "physics.gravity=[0,0,-1.62]", "controller.gains.kp=300", "seed=4"])
        #expect(try parseSeedRange("0..<3") == [0, 1, 2])
        #expect(try parseSeedRange("42") == [42])
        #expect(throws: RuntimeError.self) { try parseSeedRange("5..2") }
        #expect(throws: RuntimeError.self) { try SweepAxis.parse("kp=") }
        // --seeds and a sweep file's seeds: share one parser: at most a million seeds either way, to 2⁶⁴−1.
        let max = UInt64.max
        #expect(try parseSeedRange("1..1000000").count == 1_000_000)
        #expect(try parseSeedRange("0..<1000000").count == 1_000_000)
        #expect(try parseSeedRange("\(max - 1)..\(max)") == [max - 1, max])
        for bad in ["1..1000001", "0..<1000001", "5..<5", "5..<3", "1..x", "-1", "\(max)0"] {
            #expect(throws: RuntimeError.self, "\(bad)") { try parseSeedRange(bad) }
            #expect(throws: SeedRange.Problem.self, "\(bad)") { try SeedRange.parse(bad) }
        }
    }

    /// The CLI prints one JSON line per run, in order, with the sweep's overrides, and exits 2 when one fails.
    @Test func batchCLIPrintsJSONLinesAndExits2OnAFailure() throws {
        let r = try embody(["run", "arm-hold", "--jobs", "2", "--json", "--set", "duration=0.3",
                            "--sweep", "success[0].below=1,0.0000000001"])
        #expect(r.status == 2, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["index"] as? Int } == [0, 1])
        #expect(objects.map { $0["success"] as? Bool } == [true, false])
        #expect((objects[1]["variation"] as? [String: Any])?["success[0].below"] as? Double == 1e-10)
        #expect(objects[0]["state_hash"] as? String == objects[1]["state_hash"] as? String)
        #expect(objects.allSatisfy { ($0["cpu_time"] as? Double ?? 0) > 0 && $0["steps_per_cpu_second"] is Double })
        #expect(try embody(["run", "arm-hold", "arm-hold", "--realtime"]).status == 1)
    }
}

// MARK: - Batches in child processes, sweep documents, results folders

@Suite("Sweeps")
struct SweepTests {
    /// issue 11: one run that traps does not take the batch down; it ends as internal_error with the trap's
    /// message, the others complete and are reported, and the batch exits 3.
    @Test func aTrappingRunEndsAsAnInternalErrorAndTheOthersComplete() throws {
        let r = try embody(["run", "arm-hold", "--jobs", "2", "--json", "--set", "duration=0.2",
                            "--sweep", "controller.gains.kp=100,200,300"], environment: ["EMBODY_FAULT_TRAP_RUN": "1"])
        #expect(r.status == 3, "\(r.stderr)")
        let objects = try r.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["index"] as? Int } == [0, 1, 2])
        #expect(objects.map { $0["outcome"] as? String } == ["success", "internal_error", "success"])
        let message = objects[1]["error"] as? String ?? ""
        #expect(message.contains("SIGILL") || message.contains("SIGTRAP"), "\(message)")
        #expect(message.contains("EMBODY_FAULT_TRAP_RUN=1"), "the trap's Fatal error line is quoted: \(message)")
        #expect(objects[0]["state_hash"] is String && objects[2]["state_hash"] is String)
        #expect(r.stderr.contains("3 runs: 2 success, 1 internal_error"), "\(r.stderr)")
    }

    /// The issue's own example: never exit 132 (the trap reaching the batch); every run is reported.
    @Test func issueExampleReportsEveryRun() throws {
        let r = try embody(["run", "arm-hold", "arm-gravity-comp", "--set", "physics.gravity=[0,0,-1.7e308]", "--jobs", "2",
                            "--json"])
        #expect([0, 1, 2, 3].contains(r.status), "\(r.status) \(r.stderr)")
        let objects = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2, "\(r.stdout)")
        let hadInternalError = objects.contains { $0["outcome"] as? String == "internal_error" }
        #expect((r.status == 3) == hadInternalError, "exit 3 exactly when a run had an internal error")
    }

    /// Text output is a table of runs with the swept values and the key metrics; variation in JSON is an object.
    @Test func batchTableAndVariationObject() throws {
        let text = try embody(["run", "arm-hold", "--set", "duration=0.2", "--sweep", "controller.gains.kp=100,300",
                               "--seeds", "1..2"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines[0].contains("controller.gains.kp") && lines[0].contains("seed") && lines[0].contains("final_joint_error_max"))
        #expect(lines[3].contains("300") && lines[3].contains("success"))
        // arm-hold draws no random numbers: the seeds are a warning.
        #expect(text.stderr.contains("warning: the seeds made no difference"), "\(text.stderr)")
        let json = try embody(["run", "arm-hold", "--set", "duration=0.2", "--sweep", "controller.gains.kp=100",
                               "--sweep", "physics.gravity=[0,0,-1.62]", "--seeds", "4", "--json"])
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let v = try #require(o["variation"] as? [String: Any])
        #expect(v["controller.gains.kp"] as? Int == 100)
        #expect(v["seed"] as? Int == 4)
        #expect((v["physics.gravity"] as? [Double]) == [0, 0, -1.62])
    }

    /// `--record DIR` records every run of a batch into DIR/runs/, and each log replays.
    @Test func recordRecordsEveryRunOfABatch() throws {
        let dir = temporaryPath("d")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try embody(["run", "arm-hold", "--set", "duration=0.1", "--seeds", "1..2", "--record", dir])
        #expect(r.status == 0, "\(r.stderr)")
        for i in 0..<2 {
            let log = "\(dir)/runs/00000\(i).emblog"
            #expect(FileManager.default.fileExists(atPath: log))
            #expect(try embody(["replay", log, "--verify"]).status == 0)
        }
    }

    /// A sweep document expands to a numbered list; mistakes are located.
    @Test func sweepDocumentListsAndLocatesMistakes() throws {
        let good = temporaryPath("yaml"), bad = temporaryPath("yaml")
        defer { for p in [good, bad] { try? FileManager.default.removeItem(atPath: p) } }
        try """
        name: t
        scenarios: [arm-hold]
        set: { duration: 0.1 }
        grid: { controller.gains.kp: [100, 300], physics.dt: [0.001, 0.002] }
        points: [{ controller.gains.kp: 50 }]
        seeds: [7, 9]
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let list = try embody(["sweep", good, "--list"])
        #expect(list.status == 0, "\(list.stderr)")
        let rows = list.stdout.split(separator: "\n").map(String.init)
        #expect(rows.count == 10)
        #expect(rows[0] == "0  point 0  arm-hold controller.gains.kp=100 physics.dt=0.001 seed=7")
        #expect(rows[3] == "3  point 1  arm-hold controller.gains.kp=100 physics.dt=0.002 seed=9")
        #expect(rows[9] == "9  point 4  arm-hold controller.gains.kp=50 seed=9")
        try "name: t\nscenarios: [arm-hold]\ngrid:\n  kp: 5\nseeds: 3..1\nrepetitons: 2\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try embody(["sweep", bad])
        #expect(r.status == 1)
        #expect(r.stderr.contains(":4:7: error: grid 'kp' needs a non-empty list"), "\(r.stderr)")
        #expect(r.stderr.contains(":5:8: error: seeds '3..1'"), "\(r.stderr)")
        #expect(r.stderr.contains(":6:1: error: unknown key 'repetitons' in a sweep file; did you mean 'repetitions'?"), "\(r.stderr)")
        // A bad override value is reported before any run starts.
        try "scenarios: [arm-hold]\ngrid: { physics.dt: [0.001, fast] }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try embody(["sweep", bad])
        #expect(invalid.status == 1 && invalid.stderr.contains("physics.dt=fast"), "\(invalid.stderr)")
    }

    /// --slurm --dry-run prints the job-array script with every option, and submits nothing.
    @Test func slurmDryRunPrintsTheScript() throws {
        let doc = temporaryPath("yaml"), dir = temporaryPath("d")
        defer { for p in [doc, dir] { try? FileManager.default.removeItem(atPath: p) } }
        try "name: dry\nscenarios: [arm-hold]\nseeds: 1..7\nslurm: { partition: short, extra: [--account=lab] }\n"
            .write(toFile: doc, atomically: true, encoding: .utf8)
        let r = try embody(["sweep", doc, "--slurm", "--dry-run", "--results", dir, "--runs-per-task", "3", "--time", "00:05:00",
                            "--mem", "1G", "--cpus-per-task", "2", "--sbatch=--qos=low"], environment: ["PATH": "/nonexistent"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in ["#SBATCH --array=0-2", "#SBATCH --partition=short", "#SBATCH --time=00:05:00", "#SBATCH --mem=1G",
                     "#SBATCH --cpus-per-task=2", "#SBATCH --account=lab", "#SBATCH --qos=low", "_task '\(dir)'"] {
            #expect(r.stdout.contains(line), "missing \(line) in\n\(r.stdout)")
        }
        #expect(r.stderr.contains("submitted nothing"))
        let missing = try embody(["sweep", doc, "--slurm", "--results", dir], environment: ["PATH": "/nonexistent"])
        #expect(missing.status == 1 && missing.stderr.contains("sbatch is not on the PATH"), "\(missing.stderr)")
    }

    /// Slurm's time limit, memory size and counts are checked, in the sweep file (at file:line:column) and on
    /// the command line, before the results folder is written; so is --max-instructions.
    @Test func slurmOptionsAreCheckedBeforeAnythingIsWritten() throws {
        let doc = temporaryPath("yaml"), dir = temporaryPath("d")
        defer { for p in [doc, dir] { try? FileManager.default.removeItem(atPath: p) } }
        try "scenarios: [arm-hold]\nslurm: { time: 10min, mem: 1GB, cpus_per_task: 5000, runs_per_task: 0 }\n"
            .write(toFile: doc, atomically: true, encoding: .utf8)
        let file = try embody(["sweep", doc, "--slurm", "--dry-run", "--results", dir])
        #expect(file.status == 1, "\(file.stderr)")
        for message in [":2:16: error: slurm.time: '10min' is not a Slurm time limit", ":2:28: error: slurm.mem: '1GB' is not a Slurm memory size",
                        ":2:48: error: slurm.cpus_per_task must be a whole number from 1 to 4096",
                        ":2:69: error: slurm.runs_per_task must be a whole number from 1 to 100000"] {
            #expect(file.stderr.contains(message), "missing \(message) in\n\(file.stderr)")
        }
        try "scenarios: [arm-hold]\n".write(toFile: doc, atomically: true, encoding: .utf8)
        for (options, message) in [(["--time", "1:2:3:4"], "--time '1:2:3:4' is not a Slurm time limit"),
                                   (["--time", "2-"], "--time '2-' is not a Slurm time limit"),
                                   (["--mem", "G"], "--mem 'G' is not a Slurm memory size"),
                                   (["--runs-per-task", "0"], "--runs-per-task must be from 1 to 100000, not 0"),
                                   (["--cpus-per-task", "4097"], "--cpus-per-task must be from 1 to 4096, not 4097")] {
            let r = try embody(["sweep", doc, "--slurm", "--dry-run", "--results", dir] + options)
            #expect(r.status == 1 && r.stderr.contains(message), "\(options): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir), "\(options) wrote \(dir)")
        }
        for time in ["90", "10:00", "00:10:00", "2-0", "2-12:30", "1-00:00:00", "UNLIMITED"] {
            #expect(SweepSlurmSettings.timeLimitProblem(time) == nil, "\(time)")
        }
        for mem in ["0", "512", "1G", "16g", "2T"] { #expect(SweepSlurmSettings.memoryProblem(mem) == nil, "\(mem)") }
        let budget = try embody(["sweep", doc, "--results", dir, "--max-instructions", "0"])
        #expect(budget.status == 1 && budget.stderr.contains("--max-instructions must be at least 1"), "\(budget.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}

// MARK: - Statistics and baselines, unit by unit

@Suite("Sweep statistics")
struct SweepStatisticsTests {
    /// Wilson's interval against Newcombe (1998), method 3: 81/263 → 0.2553–0.3662, 15/148 → 0.0624–0.1605, 0/10 → 0–0.2775.
    @Test func wilsonIntervalMatchesPublishedValues() throws {
        for (k, n, low, high) in [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 10, 0.0, 0.2775)] {
            let w = try #require(wilsonInterval(successes: k, n: n))
            #expect(abs(w.low - low) < 5e-5 && abs(w.high - high) < 5e-5, "\(k)/\(n): \(w)")
        }
        #expect(wilsonInterval(successes: 0, n: 0) == nil)
    }

    /// Sample statistics (n − 1), ignoring non-finite values.
    @Test func metricStatistics() throws {
        let s = try #require(MetricStatistics([2, 4, 4, 4, 5, 5, 7, 9, .nan]))
        #expect(s.count == 8 && s.mean == 5 && s.minimum == 2 && s.maximum == 9)
        #expect(abs(s.standardDeviation! - (32.0 / 7).squareRoot()) < 1e-12)
        #expect(MetricStatistics([3])?.standardDeviation == nil)
        #expect(MetricStatistics([.infinity]) == nil)
    }

    /// A change the worse way is a regression; the better way is reported only; the direction comes from the criterion.
    @Test func baselineDirections() {
        let baseline: [String: Any] = ["format": "embody-baseline", "runs": ["r": ["success": true, "state_hash": "a",
                                                                             "metrics": ["err": 1.0, "work": 2.0]]],
                                       "tolerances": ["default": ["relative": 0.01, "absolute": 0.0]]]
        func result(err: Double, work: Double) -> [String: Any] {
            ["run_key": "r", "success": true, "state_hash": "b", "metrics": ["err": err, "work": work],
             "criteria": [["metric": "err", "below": 5.0, "passed": true, "value": err]]]
        }
        let worse = Baseline.compare(results: [result(err: 1.5, work: 2.0)], baseline: baseline)
        #expect(worse.filter(\.regression).map(\.what).first?.hasPrefix("metric err 1 → 1.5") == true, "\(worse.map(\.description))")
        let better = Baseline.compare(results: [result(err: 0.5, work: 2.0)], baseline: baseline)
        #expect(!better.contains(where: \.regression) && better.contains { $0.what.hasPrefix("metric err") })
        let either = Baseline.compare(results: [result(err: 1.0, work: 1.0)], baseline: baseline)
        #expect(either.filter(\.regression).count == 1, "no criterion on work: any change beyond tolerance regresses")
        let within = Baseline.compare(results: [result(err: 1.005, work: 2.0)], baseline: baseline)
        #expect(!within.contains(where: \.regression) && within.map(\.what) == ["state hash a → b"])
    }

    /// JUnit counts each run's failure once: at the failed criterion, or at the outcome when the run fell, diverged,
    /// or failed its criteria with no failed criterion to show (a result without criteria is never green).
    @Test func junitFailsEveryRunThatDidNotSucceed() {
        func counts(_ o: [String: Any]) -> (failures: Int, errors: Int) {
            let xml = JUnit.xml(results: [o], name: "t")
            func attribute(_ name: String) -> Int {
                guard let r = xml.range(of: "<testsuites name=\"t\""), let a = xml[r.upperBound...].range(of: " \(name)=\"") else { return -1 }
                return Int(xml[a.upperBound...].prefix { $0 != "\"" }) ?? -1
            }
            return (attribute("failures"), attribute("errors"))
        }
        let failed: [String: Any] = ["metric": "err", "value": 2.0, "below": 1.0, "passed": false]
        #expect(counts(["run_key": "a", "outcome": "success", "criteria": [["metric": "err", "value": 0.5, "below": 1.0, "passed": true]]]) == (0, 0))
        #expect(counts(["run_key": "a", "outcome": "criteria_failed", "criteria": [failed]]) == (1, 0))
        #expect(counts(["run_key": "a", "outcome": "criteria_failed"]) == (1, 0))
        #expect(counts(["run_key": "a", "outcome": "diverged"]) == (1, 0))
        #expect(counts(["run_key": "a", "error": "boom"]) == (0, 1))
    }

    /// A metric that is now NaN or ±∞ is a regression (it compares false with any tolerance, so it must not pass as
    /// unchanged); a baseline run that did not run now is reported.
    @Test func baselineNonFiniteAndMissingRuns() {
        let baseline: [String: Any] = ["format": "embody-baseline", "runs": ["r": ["success": true, "state_hash": "a", "metrics": ["err": 1.0]],
                                                                             "gone": ["success": true, "state_hash": "a", "metrics": [:]]]]
        for value in [Double.nan, .infinity] {
            let changes = Baseline.compare(results: [["run_key": "r", "success": true, "state_hash": "a", "metrics": ["err": value]]],
                                           baseline: baseline)
            #expect(changes.filter(\.regression).map(\.what) == ["metric err was 1, now missing or not finite"], "\(value): \(changes.map(\.description))")
            #expect(changes.contains { $0.run == "gone" && !$0.regression && $0.what.contains("not among these runs") })
        }
    }
}

import EmbodyRuntime
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
        #expect((objects[1]["variation"] as? [String]) == ["success[0].below=0.0000000001"])
        #expect(objects[0]["state_hash"] as? String == objects[1]["state_hash"] as? String)
        #expect(objects.allSatisfy { ($0["cpu_time"] as? Double ?? 0) > 0 && $0["steps_per_cpu_second"] is Double })
        #expect(try embody(["run", "arm-hold", "arm-hold", "--record", "/tmp/x.emblog"]).status == 1)
    }
}

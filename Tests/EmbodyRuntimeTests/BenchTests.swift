import EmbodyRuntime
import Foundation
import Testing

// MARK: - embody bench: the tick against a bare step on the same world

@Suite("Bench")
struct BenchTests {
    /// The bare world replays the loop's torques and ends in exactly the loop's state, even through a push.
    @Test func bareReplayFollowsTheLoopBitForBit() throws {
        var options = BenchOptions()
        options.ticks = 200
        options.warmupTicks = 20
        options.blocks = 4
        let r = try TickBenchmark.measure(path: bundledScenario("humanoid-push"), overrides: ["disturbances[0].at=0.1"],
                                          options: options)
        #expect(r.identicalTrajectory)
        #expect(r.blocks == 4)
        #expect(r.tickToStepRatio > 0.5 && r.tickToStepRatio < 5)
        #expect(abs(r.phaseShares.reduce(0) { $0 + $1.share } - 1) < 1e-9)
    }

    /// `embody bench --json` prints one object per scenario with the documented keys.
    @Test func benchJSONHasTheDocumentedKeys() throws {
        let r = try embody(["bench", "arm-hold", "humanoid-stand", "--json", "--ticks", "50", "--warmup", "10", "--blocks", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for line in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["scenario", "ticks", "dt", "steps_per_second", "realtime_factor", "bare_steps_per_second",
                        "tick_to_step_ratio", "tick_to_step_cpu_ratio", "tick_ns", "step_ns", "tick_cpu_ns", "load_seconds", "phases",
                        "phase_ns_per_tick", "identical_trajectory", "state_hash"] {
                #expect(o[key] != nil, "missing key \(key)")
            }
            let phases = try #require(o["phases"] as? [String: Double])
            #expect(Set(phases.keys).isSuperset(of: ["sensing", "estimation", "planning", "control", "physics", "recording"]))
            #expect(o["identical_trajectory"] as? Bool == true)
            #expect(o["ticks"] as? Int == 50)
        }
        #expect(try embody(["bench", "no-such-scenario"]).status == 1)
        #expect(try embody(["bench", "arm-hold", "--ticks", "0"]).status == 1)
    }
}

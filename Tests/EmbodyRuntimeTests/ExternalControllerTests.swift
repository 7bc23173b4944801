// The `external` controller: τ = the host's torques, held between control ticks; its logged torques replay
// bit for bit, and a log that could not hold them is refused.

import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

@Suite("external controller")
struct ExternalControllerTests {
    /// Drives a run with host torques that change every control tick; returns the summary.
    func drive(_ sim: Simulation) throws -> RunSummary {
        let external = try #require(sim.externalController)
        var tau = [Double](repeating: 0, count: sim.dof)
        while !sim.isFinished {
            if sim.tick % sim.periods.control == 0 {
                for i in 0..<tau.count { tau[i] = 20 * sin(Double(sim.tick) * 0.01 + Double(i)) }
                tau.withUnsafeBufferPointer { external.setTorques($0.baseAddress!) }
            }
            try sim.step()
        }
        return try sim.finish(wallTime: 0)
    }

    @Test func hostTorquesAreHeldAndReplayedBitForBit() throws {
        for (rate, every) in [(1000, 1), (250, 2), (250, 4)] {
            let (scenario, model) = try loadBundled("arm-hold", overrides: ["controller.type=external", "duration=0.3",
                                                                           "rates.control=\(rate)"])
            let path = temporaryPath("emblog")
            defer { try? FileManager.default.removeItem(atPath: path) }
            var options = RunOptions()
            options.recordPath = path
            options.recordEvery = every
            let sim = try Simulation(scenario: scenario, model: model, options: options)
            _ = try drive(sim)
            let report = try Replay.verify(path: path)
            #expect(report.divergence == nil, "control \(rate) Hz, every \(every): \(report.divergence.map(\.description) ?? "")")
            #expect(report.recordsChecked == 300 / every + 1)
        }
    }

    @Test func theTorqueIsHeldBetweenControlTicks() throws {
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["controller.type=external", "rates.control=250"])
        let sim = try Simulation(scenario: scenario, model: model)
        let external = try #require(sim.externalController)
        var tau = [Double](repeating: 0, count: sim.dof)
        tau[0] = 3
        tau.withUnsafeBufferPointer { external.setTorques($0.baseAddress!) }
        try sim.step()  // tick 0 is a control tick: 3 N·m from here
        tau[0] = 7
        tau.withUnsafeBufferPointer { external.setTorques($0.baseAddress!) }
        var commanded = [Double](repeating: 0, count: sim.dof), applied = commanded
        for _ in 1..<4 {  // ticks 1-3 hold the torque of tick 0
            try sim.step()
            commanded.withUnsafeMutableBufferPointer { c in
                applied.withUnsafeMutableBufferPointer { a in sim.readTorques(commanded: c.baseAddress!, applied: a.baseAddress!) }
            }
            #expect(commanded[0] == 3)
        }
        try sim.step()  // tick 4 samples the new torque
        commanded.withUnsafeMutableBufferPointer { c in
            applied.withUnsafeMutableBufferPointer { a in sim.readTorques(commanded: c.baseAddress!, applied: a.baseAddress!) }
        }
        #expect(commanded[0] == 7)
    }

    @Test func aLogThatWouldMissControlTicksIsRefused() throws {
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["controller.type=external", "rates.control=250"])
        var options = RunOptions()
        options.recordPath = temporaryPath("emblog")
        options.recordEvery = 3
        #expect {
            _ = try Simulation(scenario: scenario, model: model, options: options)
        } throws: { error in
            (error as? RuntimeError)?.message.contains("record every N ticks with N dividing 4 (such as 1), not every 3") == true
        }
    }

    @Test func withoutHostWritesTheTorqueStaysZero() throws {
        // A host that never writes leaves τ_host at 0: the arm falls under gravity, and the run says so through its metrics.
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["controller.type=external", "duration=0.5"])
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        #expect(summary.outcome != .success)
        #expect(summary.metrics["torque_saturation_fraction"] == 0)
        #expect(summary.finalQ["joint_2"] != 0.8)  // it left the posture it started in
    }

    @Test func commandsWithoutAHostRefuseAnExternalScenario() throws {
        // `embody run`, a batch, a sweep and `embody bench` have no host: they refuse, exit 1, instead of
        // reporting a run with zero torque as the controller's result.
        let message = "controller type external takes its torques from a host program"
        for arguments in [["run", "arm-hold"], ["run", "arm-hold", "--seeds", "1..2", "--jobs", "1"],
                          ["bench", "arm-hold", "--ticks", "10"]] {
            let r = try embody(arguments + ["--set", "controller.type=external", "--set", "duration=0.1"])
            #expect(r.status == 1, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(message) || r.stdout.contains(message), "\(arguments): \(r.stdout) \(r.stderr)")
        }
        #expect(throws: RuntimeError.self) {
            try requireControllerWithoutHost(try loadBundled("arm-hold", overrides: ["controller.type=external"]).0)
        }
        try requireControllerWithoutHost(try loadBundled("arm-hold").0)
    }
}

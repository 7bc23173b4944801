import CMallocCounter
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - The fixed-timestep multi-rate loop

@Suite("Loop")
struct LoopTests {
    /// Control runs at tick 0 and then every physics/control ticks, holding its torque in between.
    @Test func controlIsSampledAndHeldAtItsRate() throws {
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["rates.control=100", "duration=0.1",
                                                                         "task.q.joint_2=0.9"])
        let path = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = RunOptions()
        options.recordPath = path
        let sim = try Simulation(scenario: scenario, model: model, options: options)
        #expect(sim.periods.control == 10)
        _ = try Runner.run(sim)
        let records = try LogReader(path: path).readAll()
        let channels = try LogReader(path: path).header.channels
        let tau = try #require(channels.firstIndex(of: "tau_cmd.\(model.jointNames[1])"))
        #expect(records.count == 101)
        #expect(records[0].values[tau] == 0)       // before the first step nothing was commanded
        #expect(records[1].values[tau] != 0)       // control ran at tick 0
        for r in records.dropFirst() {
            // record at tick k shows the command computed at tick 10·⌊(k−1)/10⌋
            let block = (Int(r.tick) - 1) / 10 * 10 + 1
            let first = records[block]
            #expect(r.values[tau] == first.values[tau], "tick \(r.tick) changed its held torque")
        }
        let distinct = Set(records.dropFirst().map { $0.values[tau] })
        #expect(distinct.count == 10)
    }

    /// Time is tick × dt: after N ticks the simulated time is exactly N·dt, with no accumulation.
    @Test func timeIsIntegerTicks() throws {
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["duration=0.37"])
        let sim = try Simulation(scenario: scenario, model: model)
        let summary = try Runner.run(sim)
        #expect(summary.steps == 370)
        #expect(summary.simTime == Double(370) * scenario.physics.dt)
    }

    /// The scenarios the loop tests cover: every file in Scenarios/, so a new scenario cannot be left out.
    static let bundledNames: [String] = bundledScenarioNames()

    /// The list above is the bundled set: not empty (an empty argument list would run no test at all), and the
    /// same set `embody list` shows.
    @Test func everyBundledScenarioIsCovered() {
        #expect(!Self.bundledNames.isEmpty, "no scenario found in \(repoRoot.path)/Scenarios")
        let listed = BundledScenarios.all().map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        #expect(Self.bundledNames == listed)
    }

    /// A hidden file beside the bundled scenarios (an editor's, or the one `runScenario` writes while another test
    /// lists the folder) is not a bundled scenario.
    @Test func hiddenFilesAreNotBundledScenarios() throws {
        let hidden = repoRoot.appendingPathComponent("Scenarios/.hidden-\(UUID().uuidString).yaml")
        try "name: hidden\n".write(to: hidden, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: hidden) }
        let listed = BundledScenarios.all()
        #expect(!listed.isEmpty)
        #expect(!listed.contains { $0.hasSuffix(hidden.lastPathComponent) }, "\(listed)")
    }

    /// Steady-state ticks allocate nothing, for every bundled scenario (arms, the humanoid landing, standing and
    /// being pushed, sensors, planners, walking), with recording on: every tick after the first ten, to the end of the
    /// scenario (a walk's stop and final stand included).
    @Test(arguments: bundledNames)
    func steadyStateTicksDoNotAllocate(name: String) throws {
        let path = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (scenario, model) = try loadBundled(name)
        var options = RunOptions()
        options.recordPath = path
        let sim = try Simulation(scenario: scenario, model: model, options: options)
        for _ in 0..<10 { try sim.step() }   // warm-up: lazily created caches
        let before = emb_test_thread_allocations()
        var ticks = 0
        while !sim.isFinished { try sim.step(); ticks += 1 }
        let allocations = emb_test_thread_allocations() - before
        #expect(ticks >= 3000)  // a long window: every bundled scenario runs at least 4 s
        #expect(allocations == 0, "\(name): \(allocations) heap allocations in \(ticks) steady-state ticks")
    }

    /// Two runs of the same scenario give the same final state hash.
    @Test func runsAreDeterministic() throws {
        func hash() throws -> String {
            let (scenario, model) = try loadBundled("humanoid-push", overrides: ["duration=4"])
            return try Runner.run(try Simulation(scenario: scenario, model: model)).stateHash
        }
        #expect(try hash() == hash())
    }
}

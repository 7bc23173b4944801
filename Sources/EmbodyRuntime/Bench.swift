// MARK: - Measuring the loop: full ticks against bare physics steps on the same world
//
// `TickBenchmark.measure` runs three Simulations of one scenario:
//
//   A  the full loop, `Simulation.step()` with phase timing off;
//   B  an identical world stepped bare: per tick only `Robot.setTorques` (A's applied torques of that
//      tick, replayed) and `World.step`, plus the scenario's disturbances at the same ticks;
//   C  the full loop with `timePhases` on, for the per-phase shares.
//
// A and B run in alternating blocks (A₀ B₀ A₁ B₁ …) so that clock drift, frequency changes and other
// load hit both alike. Because B replays A's held torques bit for bit, B's world follows exactly A's
// trajectory (same contacts, same solver work); the final state hashes are compared to prove it. Every
// count (ticks, blocks, warm-up) is fixed in advance, never derived from elapsed time, so the instruction
// count of a measurement is reproducible (the callgrind gate relies on that).

#if canImport(Glibc)
import Glibc
#endif
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario
import Foundation

/// How `TickBenchmark.measure` samples a scenario.
public struct BenchOptions: Sendable {
    /// Measured ticks per pass (full loop, bare steps and phase timing each take this many).
    public var ticks: Int = 2000
    /// Untimed ticks before measuring: landing, lazily grown caches.
    public var warmupTicks: Int = 100
    /// The measured ticks are split into this many alternating blocks of full ticks and bare steps.
    public var blocks: Int = 10
    /// Whether to run the third pass with per-phase timing.
    public var phases: Bool = true

    /// Creates the defaults: 2000 ticks after 100 warm-up ticks, in 10 blocks, with phase timing.
    public init() {}
}

/// What `TickBenchmark.measure` found for one scenario; times are totals over the measured ticks.
public struct BenchResult: Sendable {
    /// The scenario name.
    public var scenario: String
    /// The scenario file it was loaded from.
    public var path: String
    /// The overrides applied.
    public var overrides: [String]
    /// The physics step in s.
    public var dt: Double
    /// Measured ticks per pass.
    public var ticks: Int
    /// Untimed warm-up ticks per pass.
    public var warmupTicks: Int
    /// Alternating blocks per pass.
    public var blocks: Int
    /// Wall time to parse the scenario, load its URDF and build the Simulation, in s.
    public var loadSeconds: Double
    /// Wall time of the measured full ticks, in s.
    public var tickWallSeconds: Double
    /// Thread CPU time of the measured full ticks, in s.
    public var tickCPUSeconds: Double
    /// Wall time of the measured bare steps, in s.
    public var stepWallSeconds: Double
    /// Thread CPU time of the measured bare steps, in s.
    public var stepCPUSeconds: Double
    /// Per-phase wall time of the phase pass in ns, summed over its measured ticks, in tick order (empty
    /// without that pass).
    public var phaseNanoseconds: [(name: String, nanoseconds: UInt64)]
    /// Wall time of the phase pass (phase timing on), in s.
    public var phasePassWallSeconds: Double
    /// Whether the bare-step world ended in exactly the full loop's state (the comparison is like for like).
    public var identicalTrajectory: Bool
    /// The full loop's final state hash, 16 hex digits.
    public var stateHash: String

    /// Full ticks per second of wall time.
    public var stepsPerSecond: Double { tickWallSeconds > 0 ? Double(ticks) / tickWallSeconds : 0 }
    /// Bare physics steps per second of wall time.
    public var bareStepsPerSecond: Double { stepWallSeconds > 0 ? Double(ticks) / stepWallSeconds : 0 }
    /// Simulated seconds per wall-clock second of the full loop.
    public var realtimeFactor: Double { tickWallSeconds > 0 ? Double(ticks) * dt / tickWallSeconds : 0 }
    /// A full tick's wall time over a bare step's on the same world (1.05 = the loop costs 5% more).
    public var tickToStepRatio: Double { stepWallSeconds > 0 ? tickWallSeconds / stepWallSeconds : 0 }
    /// The same ratio in thread CPU time, which time slices lost to other processes do not inflate.
    public var tickToStepCPURatio: Double { stepCPUSeconds > 0 ? tickCPUSeconds / stepCPUSeconds : 0 }
    /// The mean wall time of one full tick in ns.
    public var tickNanoseconds: Double { ticks > 0 ? tickWallSeconds * 1e9 / Double(ticks) : 0 }
    /// The mean wall time of one bare step in ns.
    public var stepNanoseconds: Double { ticks > 0 ? stepWallSeconds * 1e9 / Double(ticks) : 0 }

    /// Each phase's share of the timed tick (0…1), in tick order.
    public var phaseShares: [(name: String, share: Double)] {
        let total = Double(phaseNanoseconds.reduce(0) { $0 + $1.nanoseconds })
        return phaseNanoseconds.map { ($0.name, total > 0 ? Double($0.nanoseconds) / total : 0) }
    }

    /// The JSON object `embody bench --json` prints for this scenario (one line per scenario).
    public func jsonObject() -> [String: Any] {
        var shares: [String: Double] = [:]
        var perTick: [String: Double] = [:]
        for (name, share) in phaseShares { shares[name] = share }
        for (name, ns) in phaseNanoseconds { perTick[name] = ticks > 0 ? Double(ns) / Double(ticks) : 0 }
        return [
            "scenario": scenario, "path": path, "overrides": overrides, "dt": dt, "ticks": ticks,
            "warmup_ticks": warmupTicks, "blocks": blocks, "load_seconds": loadSeconds,
            "tick_ns": tickNanoseconds, "tick_cpu_ns": ticks > 0 ? tickCPUSeconds * 1e9 / Double(ticks) : 0,
            "step_ns": stepNanoseconds, "step_cpu_ns": ticks > 0 ? stepCPUSeconds * 1e9 / Double(ticks) : 0,
            "steps_per_second": stepsPerSecond, "bare_steps_per_second": bareStepsPerSecond,
            "realtime_factor": realtimeFactor, "tick_to_step_ratio": tickToStepRatio,
            "tick_to_step_cpu_ratio": tickToStepCPURatio,
            "phases": shares, "phase_ns_per_tick": perTick, "identical_trajectory": identicalTrajectory,
            "state_hash": stateHash,
        ]
    }

    /// A short report for people.
    public func text() -> String {
        func us(_ ns: Double) -> String { String(format: "%.2f µs", ns / 1000) }
        var lines = [
            "scenario   \(scenario) (\(ticks) ticks after \(warmupTicks) warm-up, dt \(String(format: "%g", dt * 1000)) ms, \(blocks) alternating blocks)",
            String(format: "load       %.1f ms (parse, URDF, world)", loadSeconds * 1000),
            "full tick  \(us(tickNanoseconds)) — \(Int(stepsPerSecond.rounded())) steps/s, "
                + String(format: "%.1f× real time", realtimeFactor)
                + ", CPU \(us(ticks > 0 ? tickCPUSeconds * 1e9 / Double(ticks) : 0))",
            "bare step  \(us(stepNanoseconds)) — \(Int(bareStepsPerSecond.rounded())) steps/s (World.step with replayed torques)",
            String(format: "tick/step  %.3f wall, %.3f CPU", tickToStepRatio, tickToStepCPURatio)
                + (identicalTrajectory ? " (same trajectory, bit for bit)" : " (WARNING: the bare world diverged)"),
        ]
        if !phaseNanoseconds.isEmpty {
            let parts = phaseShares.map { String(format: "%@ %.1f%%", $0.name, $0.share * 100) }
            lines.append("phases     " + parts.joined(separator: ", "))
        }
        lines.append("state hash \(stateHash)")
        return lines.joined(separator: "\n")
    }
}

/// Measures a scenario's full tick against a bare physics step on the same world.
public enum TickBenchmark {
    /// Loads the scenario at `path` with `overrides`, then measures it as described at the top of this file.
    public static func measure(path: String, overrides: [String] = [],
                               options: BenchOptions = BenchOptions()) throws(RuntimeError) -> BenchResult {
        guard options.ticks >= 1, options.warmupTicks >= 0, options.blocks >= 1,
              options.ticks <= ScenarioLimits.maxSteps, options.warmupTicks <= ScenarioLimits.maxSteps else {
            throw RuntimeError("bench needs 1 to \(ScenarioLimits.maxSteps) ticks, at least 1 block, and a warm-up of 0 to \(ScenarioLimits.maxSteps) ticks")
        }
        let loadStart = monotonicNanoseconds()
        let scenario: Scenario, model: RobotModel
        do {
            (scenario, model) = try ScenarioLoader.load(path: path, overrides: overrides)
        } catch {
            throw RuntimeError("\(path) is not a valid scenario:\n\(error.description)")
        }
        try requireControllerWithoutHost(scenario)
        var runOptions = RunOptions()
        runOptions.maxTicks = options.warmupTicks + options.ticks
        let full = try Simulation(scenario: scenario, model: model, options: runOptions)
        let loadSeconds = Double(monotonicNanoseconds() - loadStart) / 1e9
        let bare = try Simulation(scenario: scenario, model: model, options: runOptions)
        let timed = options.phases ? try Simulation(scenario: scenario, model: model, options: runOptions) : nil

        let dof = full.robot.dof
        let blockTicks = max(1, (options.ticks + options.blocks - 1) / options.blocks)
        var torques = [[Double]](repeating: [Double](repeating: 0, count: dof), count: blockTicks)
        let pushes = bare.disturbances

        /// Runs `count` full ticks, keeping each tick's applied torques for the bare replay.
        func fullBlock(_ count: Int) throws(RuntimeError) {
            for i in 0..<count {
                try full.step()
                full.robot.getAppliedTorques(&torques[i])
            }
        }
        /// Replays `count` ticks on the bare world: the same held torques and pushes, then one step.
        func bareBlock(_ count: Int, from tick: Int) {
            for i in 0..<count {
                let k = tick + i
                torques[i].withUnsafeBufferPointer { bare.robot.setTorques($0) }
                for p in pushes {
                    if k == p.start { bare.robot.applyForce(p.force, link: p.link) }
                    if k == p.end { bare.robot.applyForce(.zero, link: p.link) }
                }
                bare.world.step(dt: bare.dt, substeps: bare.substeps)
            }
        }

        // Warm-up, untimed, in blocks so the torque buffer suffices.
        var tick = 0
        while tick < options.warmupTicks {
            let n = min(blockTicks, options.warmupTicks - tick)
            try fullBlock(n)
            bareBlock(n, from: tick)
            tick += n
        }
        // Alternating measured blocks.
        var tickWall: UInt64 = 0, tickCPU: UInt64 = 0, stepWall: UInt64 = 0, stepCPU: UInt64 = 0
        var measured = 0, blocks = 0
        while measured < options.ticks {
            let n = min(blockTicks, options.ticks - measured)
            var w0 = monotonicNanoseconds(), c0 = threadCPUNanoseconds()
            try fullBlock(n)
            var w1 = monotonicNanoseconds(), c1 = threadCPUNanoseconds()
            tickWall += w1 - w0
            tickCPU += c1 - c0
            w0 = monotonicNanoseconds(); c0 = threadCPUNanoseconds()
            bareBlock(n, from: tick)
            w1 = monotonicNanoseconds(); c1 = threadCPUNanoseconds()
            stepWall += w1 - w0
            stepCPU += c1 - c0
            tick += n
            measured += n
            blocks += 1
        }
        let fullHash = full.world.stateHash()
        let identical = fullHash == bare.world.stateHash()

        // Phase pass: the same ticks with per-phase timing on.
        var phases: [(name: String, nanoseconds: UInt64)] = []
        var phaseWall: UInt64 = 0
        if let timed {
            timed.timePhases = true
            for _ in 0..<options.warmupTicks { try timed.step() }
            let before = timed.phaseTimes.phases
            let w0 = monotonicNanoseconds()
            for _ in 0..<options.ticks { try timed.step() }
            phaseWall = monotonicNanoseconds() - w0
            phases = zip(timed.phaseTimes.phases, before).map { ($0.name, $0.nanoseconds &- $1.nanoseconds) }
        }

        return BenchResult(scenario: scenario.name, path: scenario.sourcePath, overrides: overrides, dt: full.dt,
                           ticks: options.ticks, warmupTicks: options.warmupTicks, blocks: blocks,
                           loadSeconds: loadSeconds,
                           tickWallSeconds: Double(tickWall) / 1e9, tickCPUSeconds: Double(tickCPU) / 1e9,
                           stepWallSeconds: Double(stepWall) / 1e9, stepCPUSeconds: Double(stepCPU) / 1e9,
                           phaseNanoseconds: phases, phasePassWallSeconds: Double(phaseWall) / 1e9,
                           identicalTrajectory: identical, stateHash: hex(fullHash))
    }
}

/// The calling thread's CPU time in ns.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}


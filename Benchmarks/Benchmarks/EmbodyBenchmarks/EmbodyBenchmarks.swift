// Embody's benchmark suite (package-benchmark). Run from Benchmarks/:
//
//   swift package benchmark                      # run everything: wall clock, CPU, mallocs, peak memory
//   swift package benchmark thresholds check     # the same, failing when a steady-state tick or step allocates
//
// One iteration of a step or tick benchmark is 100 physics ticks (0.1 s simulated at dt = 1 ms), so the
// reported times are per 100 ticks. See docs/benchmarks.md.

import Benchmark
import EmbodyModel
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// Physics ticks per benchmark iteration.
let ticksPerIteration = 100
/// Untimed ticks before the first measured iteration (landing, lazily grown caches).
let warmupTicks = 200

// MARK: - Workloads

/// A named scenario for the suite: a bundled scenario plus `--set`-style overrides.
struct Workload {
    /// The benchmark's name suffix.
    var name: String
    /// The bundled scenario (file name without extension).
    var scenario: String
    /// Overrides, as `embody run --set` takes them.
    var overrides: [String] = []
}

/// 20 loose 10 cm boxes (0.5 kg) resting on the ground in a 5 × 4 grid in front of the humanoid.
let twentyBoxes: String = {
    var boxes: [String] = []
    for i in 0..<20 {
        let x = 0.5 + 0.2 * Double(i % 5), y = -0.3 + 0.2 * Double(i / 5)
        boxes.append("{name: box\(i), shape: {box: [0.1, 0.1, 0.1]}, mass: 0.5, position: [\(x), \(y), 0.05]}")
    }
    return "world.objects=[\(boxes.joined(separator: ", "))]"
}()

/// The physics-step workloads: one bare `World.step` per tick, torques replayed from the controlled run.
let physicsWorkloads = [
    Workload(name: "arm", scenario: "arm-hold"),
    Workload(name: "humanoid-stand", scenario: "humanoid-stand"),
    Workload(name: "humanoid-20-boxes", scenario: "humanoid-stand", overrides: [twentyBoxes]),
]

/// The full-tick workloads, one per controller type, named by the type. A type joins the suite as soon
/// as the scenario schema accepts it (`ScenarioSchema.controllerTypes`); until then it is skipped. Gains
/// a new controller needs go into the overrides here.
let controllerWorkloads = [
    Workload(name: "pd", scenario: "humanoid-stand", overrides: ["controller.type=pd"]),
    Workload(name: "pd_gravity", scenario: "humanoid-stand", overrides: ["controller.type=pd_gravity"]),
    Workload(name: "computed_torque", scenario: "arm-track-sine", overrides: ["controller.type=computed_torque"]),
    Workload(name: "stable_pd", scenario: "humanoid-stand", overrides: ["controller.type=stable_pd"]),
    Workload(name: "osc", scenario: "arm-reach-cartesian", overrides: ["controller.type=osc"]),
    Workload(name: "pid", scenario: "arm-hold", overrides: ["controller.type=pid"]),
]

// TODO(perception issue): "depth camera render" — a 640×480 depth image from the humanoid's head camera
// per iteration. NOT implemented yet: no sensors exist in the runtime. Not counted as done.
// TODO(perception issue): "IK solve" (arm, 7 DoF, to a reachable pose) and "RRT plan" (arm, joint space,
// around a box). NOT implemented yet. Not counted as done.

/// The scenario text and path of a bundled scenario, found from the working directory (Benchmarks/).
func bundled(_ name: String) throws -> (text: String, path: String) {
    guard let path = BundledScenarios.resolve(name) else {
        throw BenchError("no bundled scenario '\(name)': run the suite from the Benchmarks folder of the repository")
    }
    return (try String(contentsOfFile: path, encoding: .utf8), path)
}

/// Loads a workload with ScenarioLoader.parse(text:path:overrides:), as `embody run --set` would.
func load(_ w: Workload) throws -> (Scenario, RobotModel) {
    let (text, path) = try bundled(w.scenario)
    do {
        return try ScenarioLoader.parse(text: text, path: path, overrides: w.overrides)
    } catch {
        throw BenchError("\(w.name): \(error.description)")
    }
}

/// A Simulation warmed up past landing, ready for steady-state ticks.
func warmSimulation(_ w: Workload) throws -> Simulation {
    let (scenario, model) = try load(w)
    var options = RunOptions()
    options.maxTicks = Int.max / 2
    let sim = try Simulation(scenario: scenario, model: model, options: options)
    for _ in 0..<warmupTicks { try sim.step() }
    return sim
}

/// A bare world that replays one fixed block of a controlled run from a snapshot, so every iteration
/// steps the same physical trajectory (a standing humanoid stays standing) without a controller.
final class ReplayedSteps {
    let world: World
    let robot: Robot
    let start = Snapshot()
    let torques: [[Double]]
    let dt: Double

    init(_ w: Workload) throws {
        // Record the applied torques of one block of the controlled run …
        let driver = try warmSimulation(w)
        let bare = try warmSimulation(w)   // identical state: the same scenario and the same warm-up
        var recorded: [[Double]] = []
        var row = [Double](repeating: 0, count: driver.robot.dof)
        bare.world.save(into: start)
        for _ in 0..<ticksPerIteration {
            try driver.step()
            driver.robot.getAppliedTorques(&row)
            recorded.append(row)
        }
        torques = recorded
        world = bare.world
        robot = bare.robot
        dt = bare.dt
        self.keepAlive = bare
    }

    private let keepAlive: Simulation

    /// Restores the block's start state (not measured by the caller).
    func rewind() throws { try world.restore(start) }

    /// Steps the block: per tick, the recorded torques, then one World.step.
    func stepBlock() {
        for i in 0..<torques.count {
            torques[i].withUnsafeBufferPointer { robot.setTorques($0) }
            world.step(dt: dt)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The suite
//
// Names avoid spaces and slashes: package-benchmark derives the Thresholds/ file names from them.
// Every steady-state workload appears twice: once for time and resources (wall clock, CPU, peak
// memory), and once as `mallocs-…` counting allocations alone, because the CPU and memory metrics
// make the framework itself allocate (16–36 mallocs per iteration, measured with an empty closure).

let benchmarks: @Sendable () -> Void = {
    let resources = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 1000
    )
    // A steady-state tick or step must not allocate: 0 at every percentile, and Thresholds/*.p90.json pins
    // mallocCountTotal to 0, so `swift package benchmark thresholds check` fails when one allocates.
    let noMallocs = BenchmarkThresholds(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
    let mallocs = Benchmark.Configuration(
        metrics: [.mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(1),
        maxIterations: 200,
        thresholds: [.mallocCountTotal: noMallocs]
    )
    let loading = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(2),
        maxIterations: 100
    )

    // Physics step alone: 100 bare World.step calls with replayed torques, from the same start each time.
    for w in physicsWorkloads {
        for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
            Benchmark("\(prefix)step-\(w.name)-x\(ticksPerIteration)", configuration: configuration) { benchmark, replay in
                try? replay.rewind()
                benchmark.startMeasurement()
                replay.stepBlock()
                benchmark.stopMeasurement()
            } setup: {
                try ReplayedSteps(w)
            }
        }
    }

    // Full tick per controller type: 100 Simulation.step() calls, continuing the same run. A type the
    // schema does not accept yet is registered as skipped, so it shows in `swift package benchmark list`.
    let supported = Set(ScenarioSchema.controllerTypes)
    for w in controllerWorkloads {
        for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
            var c = configuration
            c.skip = !supported.contains(w.name)
            Benchmark("\(prefix)tick-\(w.name)-x\(ticksPerIteration)", configuration: c) { benchmark, sim in
                for _ in 0..<ticksPerIteration { try? sim.step() }
            } setup: {
                try warmSimulation(w)
            }
        }
    }

    // Scenario load: parse the YAML, load the URDF, build the world and the loop.
    for name in ["arm-hold", "humanoid-stand"] {
        Benchmark("load-\(name)", configuration: loading) { benchmark, source in
            for _ in benchmark.scaledIterations {
                guard let (scenario, model) = try? ScenarioLoader.parse(text: source.text, path: source.path),
                      let sim = try? Simulation(scenario: scenario, model: model) else {
                    fatalError("load-\(name): the scenario failed to load")
                }
                blackHole(sim)
            }
        } setup: {
            try bundled(name)
        }
    }
}

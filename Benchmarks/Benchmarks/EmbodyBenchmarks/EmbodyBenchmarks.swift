// Embody's benchmark suite (package-benchmark). Run from Benchmarks/:
//
//   swift package benchmark                      # run everything: wall clock, CPU, mallocs, peak memory
//   swift package benchmark thresholds check     # the same, failing when a steady-state tick or step allocates
//
// One iteration of a step or tick benchmark is 100 physics ticks (0.1 s simulated at dt = 1 ms), so the
// reported times are per 100 ticks. See docs/benchmarks.md.

import Benchmark
import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
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

// MARK: - Perception and planning workloads

/// One depth frame per iteration: arm-perceive-reach's scene (arm7 beside a table with a cube on it, the
/// ground) seen by a fixed camera from above and behind, the arm included in the image.
final class DepthFrames {
    let camera: DepthCamera
    let caster: WorldRayCaster
    private let sim: Simulation
    private var tick = 0

    init(width: Int, height: Int) throws {
        let (scenario, model) = try load(Workload(name: "depth-camera", scenario: "arm-perceive-reach"))
        sim = try Simulation(scenario: scenario, model: model)
        let intrinsics = CameraIntrinsics(width: width, height: height, horizontalFieldOfView: 1.0, near: 0.1, far: 5)
        let mount = lookAt(eye: Vector3(0.25, -0.55, 1.25), target: Vector3(0.55, 0, 0.4))
        camera = try DepthCamera(configuration: DepthCameraConfiguration(
            timing: try SensorTiming(periodTicks: 1), intrinsics: intrinsics, mount: mount, seed: 1))
        caster = WorldRayCaster(world: sim.world, ignoring: nil, capacity: intrinsics.pixelCount)
        render()   // first frame: nothing lazily sized is left for the measured ones
        guard camera.output.values.contains(where: { $0.isFinite }) else { throw BenchError("the camera sees nothing") }
    }

    /// Renders and delivers one frame (every tick is a sample tick; no latency).
    func render() {
        camera.update(tick: tick, linkPose: .identity, caster: caster)
        tick += 1
    }
}

/// IK solves of arm7's ee_link (7 joints, the fingers off) to poses from forward kinematics of random
/// configurations within the limits (a fixed seed), each warm-started from the same fixed posture.
final class IKSolves {
    let solver: IKSolver
    let targets: [Transform]
    let posture: [Double]
    var solution: [Double]
    private var next = 0
    /// Targets that did not converge from the posture in the setup pass (printed when not 0).
    private(set) var failures = 0
    private let keep: (World, Robot)

    init(count: Int = 200) throws {
        guard let dir = BundledScenarios.directory() else { throw BenchError("no Scenarios folder found") }
        let world = try World()
        var options = RobotOptions()
        options.fixedBase = true
        let robot = try world.addRobot(try URDFLoader.load(path: "\(dir)/robots/arm7.urdf"), options: options)
        keep = (world, robot)
        let dynamics = try RigidBodyDynamics(robot: robot)
        guard let ee = robot.linkNames.firstIndex(of: "ee_link") else { throw BenchError("arm7 has no ee_link") }
        let lower = robot.positionLimits.map(\.lowerBound), upper = robot.positionLimits.map(\.upperBound)
        posture = [0, 0.8, 0, 1.0, 0, 0.5, 0, 0, 0]   // arm-hold's posture, rad (fingers 0 m)
        var ik = IKOptions()
        ik.activeJoints = robot.model.movableJoints.map { !$0.name.contains("finger") }
        ik.posture = posture
        solver = try IKSolver(dynamics: dynamics, link: ee, lower: lower, upper: upper, basePose: robot.basePose,
                              options: ik)
        var random = RandomStream(seed: 0x1B_5EED)
        var list: [Transform] = []
        for _ in 0..<count {
            var q = posture
            for j in 0..<7 { q[j] = random.uniform(lower[j], upper[j]) }
            list.append(solver.pose(q: q))
        }
        targets = list
        solution = posture
        for t in targets where !solver.solve(target: t, seed: posture, into: &solution).converged { failures += 1 }
        if failures > 0 { print("ik-solve-arm7: \(failures) of \(count) targets did not converge") }
    }

    /// Solves the next target from the fixed posture.
    func solveNext() -> IKResult {
        let result = solver.solve(target: targets[next], seed: posture, into: &solution)
        next = (next + 1) % targets.count
        return result
    }
}

/// Whole-body-control-sized QPs (39 unknowns, 18 equalities, 64 inequalities; see
/// Sources/EmbodyControl/QuadraticProgramWholeBodyExample.swift), one solver per seed, solved in turn. The
/// solver's tests prove these programs are solved to the KKT conditions with 5 to 20 inequalities active.
final class WholeBodyQPs {
    let solvers: [QuadraticProgram]
    private var next = 0

    init(count: Int = 8) throws {
        solvers = (0..<count).map { QuadraticProgram.wholeBodySizedExample(seed: UInt64($0)) }
        for (seed, qp) in solvers.enumerated() where qp.solve() != .optimal {
            throw BenchError("whole-body QP seed \(seed): \(qp.solve())")
        }
    }

    /// Solves the next program from scratch (factorization included, as at every control tick).
    func solveNext() -> QuadraticProgramStatus {
        let status = solvers[next].solve()
        next = (next + 1) % solvers.count
        return status
    }
}

/// A source that hands out one fixed walking reference.
final class HeldWalkingReference: WalkingReferenceSource {
    var reference: WalkingReference
    init(_ reference: WalkingReference) { self.reference = reference }
    func update(_ measurement: WalkingMeasurement, reference out: inout WalkingReference) {
        out.comPosition = reference.comPosition; out.comVelocity = reference.comVelocity
        out.comAcceleration = reference.comAcceleration; out.zmp = reference.zmp
        out.torsoOrientation = reference.torsoOrientation
        for side in 0..<2 { out.feet[side] = reference.feet[side] }
        for i in 0..<reference.posture.count { out.posture[i] = reference.posture[i] }
    }
    func reset() {}
}

/// The whole-body controller of humanoid-stand-wbc after 0.3 s of standing: in double support (its standing
/// reference) or in single support (the same reference with the left foot swinging 3 cm up). `solve()` solves
/// the program that tick filled again (set-up excluded: the dynamics terms and the matrices are not rebuilt);
/// `tick()` is the whole control tick (dynamics terms, filling, solving, torques).
final class WholeBodyControlTick {
    let sim: Simulation
    let controller: WholeBodyController
    let program: QuadraticProgram
    let state: RobotState
    let reference: WalkingReference
    var tau: [Double]

    init(singleSupport: Bool) throws {
        let (scenario, model) = try load(Workload(name: "wbc", scenario: "humanoid-stand-wbc"))
        sim = try Simulation(scenario: scenario, model: model)
        for _ in 0..<300 { try sim.step() }
        guard let controller = sim.controller as? WholeBodyController else { throw BenchError("humanoid-stand-wbc: not whole_body") }
        self.controller = controller
        state = controller.measurement.state
        var reference = controller.reference
        if singleSupport {
            reference.feet[0].inContact = false
            reference.feet[0].pose.position.z += 0.03
        }
        self.reference = reference
        tau = [Double](repeating: 0, count: model.dof)
        controller.computeTorques(state: state, walkingReference: reference, tau: &tau)
        program = controller.program(stanceCount: singleSupport ? 1 : 2)
        guard controller.lastStatus == .optimal, program.solve() == .optimal else {
            throw BenchError("humanoid-stand-wbc: the whole-body program was not solved (\(String(describing: controller.lastStatus)))")
        }
    }

    func solve() -> QuadraticProgramStatus { program.solve() }

    func tick() -> Double {
        controller.computeTorques(state: state, walkingReference: reference, tau: &tau)
        return tau[0]
    }
}

/// The arm-obstacle query: RRT-Connect from the initial posture to the goal behind the wall, with the
/// scenario's seed stream and 2 cm margin, shortcut and timed (what `move_to` does at load).
final class ObstacleQuery {
    let planner: RRTConnectPlanner
    let checker: RobotCollisionChecker
    let start: [Double], goal: [Double]
    let limits: JointLimits
    private let sim: Simulation

    init() throws {
        let (scenario, model) = try load(Workload(name: "rrt", scenario: "arm-obstacle"))
        sim = try Simulation(scenario: scenario, model: model)   // plans once at load; the world is what we need
        let robot = sim.robot
        var q = [Double](repeating: 0, count: robot.dof)
        robot.getQ(&q)
        start = q
        guard case .moveTo(let task) = scenario.task.kind else { throw BenchError("arm-obstacle: not a move_to task") }
        for v in task.goal {
            guard let i = model.coordinateIndex(ofJoint: v.name) else { throw BenchError("no joint \(v.name)") }
            q[i] = v.value
        }
        goal = q
        var collision = CollisionCheckOptions()
        collision.margin = task.plannerMargin
        checker = RobotCollisionChecker(world: sim.world, robot: robot, options: collision,
                                        referenceQ: [Double](repeating: 0, count: robot.dof))
        var options = RRTConnectOptions()
        options.seed = RandomStreams.seed(scenario: scenario.seed, consumer: "planner")
        planner = try RRTConnectPlanner(lower: robot.positionLimits.map { $0.lowerBound.isFinite ? $0.lowerBound : -.pi },
                                        upper: robot.positionLimits.map { $0.upperBound.isFinite ? $0.upperBound : .pi },
                                        options: options)
        let velocity = robot.velocityLimits.map { $0.isFinite ? $0 : 2 }
        limits = JointLimits(velocity: velocity, acceleration: velocity.map { 2 * $0 })
        guard query() else { throw BenchError("arm-obstacle: RRT-Connect found no path") }
    }

    /// Plans, smooths and times the path; true when a path was found.
    func query() -> Bool {
        planner.planTrajectory(start: start, goal: goal, checker: checker, limits: limits).1 != nil
    }
}

/// Every URDF of example-robot-data 6.0.0 (installed from PyPI by scripts/setup.sh), sorted.
func exampleRobotDataURDFs() throws -> [String] {
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    // tools/corpus/example_robot_data_root.py, from this file's place in the repository (Benchmarks/Benchmarks/EmbodyBenchmarks/).
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    probe.arguments = ["python3", repository.appendingPathComponent("tools/corpus/example_robot_data_root.py").path]
    let pipe = Pipe()
    probe.standardOutput = pipe
    try probe.run()
    let root = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    probe.waitUntilExit()
    guard probe.terminationStatus == 0, let walker = FileManager.default.enumerator(atPath: root) else {
        throw BenchError("example-robot-data 6.0.0 is not installed (scripts/setup.sh installs it)")
    }
    var urdfs: [String] = []
    while let relative = walker.nextObject() as? String {
        if relative.hasSuffix(".urdf") { urdfs.append(root + "/" + relative) }
    }
    return urdfs.sorted()
}

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

    // Depth camera: one frame per iteration (ray casts, depth conversion, delivery); frames allocate nothing.
    for (width, height) in [(64, 48), (320, 240)] {
        for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
            Benchmark("\(prefix)depth-camera-\(width)x\(height)", configuration: configuration) { benchmark, frames in
                frames.render()
            } setup: {
                try DepthFrames(width: width, height: height)
            }
        }
    }

    // IK: one solve per iteration, to the next of 200 random reachable poses, from a fixed posture. The
    // median is the figure the planning issue sets a 1 ms target for. Solves do not allocate.
    for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
        Benchmark("\(prefix)ik-solve-arm7", configuration: configuration) { benchmark, ik in
            blackHole(ik.solveNext())
        } setup: {
            try IKSolves()
        }
    }

    // QP: one whole-body-control-sized solve per iteration (issue 13's target: median under 250 µs in release).
    // Solves do not allocate.
    for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
        Benchmark("\(prefix)qp-solve-whole-body-39", configuration: configuration) { benchmark, qps in
            blackHole(qps.solveNext())
        } setup: {
            try WholeBodyQPs()
        }
    }

    // Whole-body control on the humanoid (humanoid-stand-wbc): one solve of the program a control tick filled
    // (issue 13's target: median under 250 µs in release), and the whole control tick; neither allocates.
    for (prefix, configuration) in [("", resources), ("mallocs-", mallocs)] {
        for (support, single) in [("double", false), ("single", true)] {
            Benchmark("\(prefix)wbc-qp-solve-humanoid-\(support)-support", configuration: configuration) { benchmark, wbc in
                blackHole(wbc.solve())
            } setup: {
                try WholeBodyControlTick(singleSupport: single)
            }
            Benchmark("\(prefix)wbc-tick-humanoid-\(support)-support", configuration: configuration) { benchmark, wbc in
                blackHole(wbc.tick())
            } setup: {
                try WholeBodyControlTick(singleSupport: single)
            }
        }
    }

    // RRT-Connect: the arm-obstacle query per iteration (same seed, so the same path every time). A query
    // allocates (the path, the shortcut copies, the timed trajectory): mallocs are reported, not gated.
    let planning = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 1,
        maxDuration: .seconds(3),
        maxIterations: 100
    )
    Benchmark("rrt-connect-arm-obstacle", configuration: planning) { benchmark, query in
        blackHole(query.query())
    } setup: {
        try ObstacleQuery()
    }

    // The whole example-robot-data corpus loaded as `embody inspect` loads it (URDF, meshes through Assimp,
    // hashes), once per iteration; target under 10 s on the 2-core machine (docs/robots.md, "Loading time").
    let corpus = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident],
        timeUnits: .milliseconds,
        warmupIterations: 0,
        maxDuration: .seconds(30),
        maxIterations: 3
    )
    Benchmark("load-example-robot-data-corpus", configuration: corpus) { benchmark, urdfs in
        for _ in benchmark.scaledIterations {
            var loaded = 0
            for path in urdfs { if let model = try? URDFLoader.load(path: path) { loaded += model.links.count > 0 ? 1 : 0 } }
            blackHole(loaded)
        }
    } setup: {
        try exampleRobotDataURDFs()
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

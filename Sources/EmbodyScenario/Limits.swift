// MARK: - Documented limits: every number a user writes is range-checked before it is used
//
// The section readers check each value's kind and sign. This pass runs after them, on the typed scenario,
// and enforces the caps that keep a run allocatable, countable and meaningful (docs/scenarios.md, "Limits"):
// step counts, durations against the run, image sizes, encoder resolutions, solver work per step, sensor
// latencies and camera geometry. Each problem is reported at the value in the file (or the `--set` that
// wrote it), found again in the document tree by its key path.

import EmbodyModel

/// The caps on scenario values, in the units given; docs/scenarios.md lists them.
public enum ScenarioLimits {
    /// The most physics steps a run may take: 2³¹ − 1 (24.8 days at 1 kHz).
    public static let maxSteps = Int(Int32.max)
    /// The most constraint-solver iterations per step.
    public static let maxSolverIterations = 10_000
    /// The most substeps per physics step.
    public static let maxSubsteps = 1_000
    /// The most physics ticks a sensor reading may be delayed.
    public static let maxLatencyTicks = 100_000
    /// The finest non-zero encoder or depth resolution, rad, m: below it, q / resolution overflows nothing
    /// useful and readings lose their meaning.
    public static let minResolution = 1e-12
    /// The largest scenario file (or text) the loader accepts, bytes: 256 KiB, about 100 times the largest
    /// bundled scenario.
    public static let maxFileBytes = 256 * 1024
    /// The most problems one load reports; the rest are counted.
    public static let maxDiagnostics = 100
    /// The most values (scalars, mappings and lists) a scenario document may hold, aliases expanded.
    public static let maxDocumentNodes = 1_000_000
    /// The most values aliases (`*name`) may copy in, in total.
    public static let maxAliasedNodes = 10_000
}

/// The tick nearest `seconds` at a step of `dt` s, saturated at the ends of Int (NaN gives 0): a checked
/// conversion for times the loader has already bounded, so that no value can trap.
public func tickNearest(_ seconds: Double, dt: Double) -> Int {
    let x = (seconds / dt).rounded()
    if x.isNaN { return 0 }
    if x >= Double(Int.max) { return Int.max }
    if x <= Double(Int.min) { return Int.min }
    return Int(x)
}

/// A step of a key path into the document: a key or a list index.
enum PathStep {
    case key(String)
    case index(Int)
}

extension DocNode {
    /// The node at `path`, if the document has one there.
    func node(at path: [PathStep]) -> DocNode? {
        var node: DocNode = self
        for step in path {
            switch (step, node) {
            case (.key(let key), .map(let map)):
                guard let entry = map[key] else { return nil }
                node = entry.value
            case (.index(let i), .list(let items, _)):
                guard i >= 0, i < items.count else { return nil }
                node = items[i]
            default:
                return nil
            }
        }
        return node
    }
}

/// Checks a read scenario against `ScenarioLimits`, locating each problem in the document.
struct LimitChecks {
    let root: DocNode
    let fallback: SourceLocation
    var log = DiagnosticLog()

    init(root: DocNode, fallback: SourceLocation) {
        self.root = root
        self.fallback = fallback
    }

    /// Where the value at `path` is written (the file's start when it is not written, such as a default).
    func location(_ path: PathStep...) -> SourceLocation {
        root.node(at: path)?.location ?? fallback
    }

    mutating func error(_ location: SourceLocation, _ message: String) { log.error(location, message) }

    mutating func run(_ s: Scenario) {
        checkSteps(s)
        let p = s.physics
        if p.solverIterations > ScenarioLimits.maxSolverIterations {
            error(location(.key("physics"), .key("solver_iterations")),
                  "physics.solver_iterations \(p.solverIterations) is more than the \(ScenarioLimits.maxSolverIterations) Embody accepts")
        }
        if p.substeps > ScenarioLimits.maxSubsteps {
            error(location(.key("physics"), .key("substeps")),
                  "physics.substeps \(p.substeps) is more than the \(ScenarioLimits.maxSubsteps) Embody accepts; use a smaller physics.dt instead")
        }
        for (i, d) in s.disturbances.enumerated() where d.duration > s.duration {
            error(location(.key("disturbances"), .index(i), .key("duration")),
                  "disturbances[\(i)].duration \(Reader.format(d.duration)) s is longer than the whole run (duration \(Reader.format(s.duration)) s)")
        }
        if case .eeTargets(let task) = s.task.kind {
            for (i, t) in task.targets.enumerated() where t.hold > s.duration {
                error(location(.key("task"), .key("targets"), .index(i), .key("hold")),
                      "task.targets[\(i)].hold \(Reader.format(t.hold)) s is longer than the whole run (duration \(Reader.format(s.duration)) s)")
            }
        }
        checkSensors(s)
        if case .reachObject(let task) = s.task.kind, task.cameraSensor == nil { checkTaskCamera(task) }
    }

    /// The run must take at least one step and at most `maxSteps`.
    private mutating func checkSteps(_ s: Scenario) {
        let rate = s.physics.physicsRate
        guard s.duration > 0, rate > 0 else { return }  // already reported by the readers
        let steps = (s.duration * Double(rate)).rounded()
        if steps < 1 {
            error(location(.key("duration")),
                  "duration \(Reader.format(s.duration)) s is shorter than one physics step (\(Reader.format(s.physics.dt)) s), so nothing would run")
        } else if steps > Double(ScenarioLimits.maxSteps) {
            error(location(.key("duration")),
                  "duration \(Reader.format(s.duration)) s at \(rate) Hz is \(Reader.format(steps)) physics steps, more than the \(ScenarioLimits.maxSteps) a run may take")
        }
    }

    private mutating func checkSensors(_ s: Scenario) {
        for (i, sensor) in s.sensors.enumerated() {
            if sensor.latency > ScenarioLimits.maxLatencyTicks {
                error(location(.key("sensors"), .index(i), .key("latency")),
                      "sensors[\(i)].latency \(sensor.latency) ticks is more than the \(ScenarioLimits.maxLatencyTicks) Embody accepts")
            }
            let resolution: Double
            switch sensor.kind {
            case .jointEncoders(let p): resolution = p.resolution
            case .depthCamera(let p): resolution = p.resolution
            case .imu, .forceTorque, .contact, .lidar: resolution = 0
            }
            if resolution > 0 && resolution < ScenarioLimits.minResolution {
                error(location(.key("sensors"), .index(i), .key("resolution")),
                      "sensors[\(i)].resolution \(resolution) is finer than \(ScenarioLimits.minResolution), the finest Embody accepts (0 turns quantization off)")
            }
        }
    }

    /// The task's own camera: a size that can be allocated, a field of view below π, a target apart from the
    /// position, and a view direction that is not vertical (its up is the world's z).
    private mutating func checkTaskCamera(_ t: ReachObjectTask) {
        let w = t.cameraWidth, h = t.cameraHeight
        if w.multipliedReportingOverflow(by: h).overflow || w * h > ScenarioSchema.maxSensorRays {
            error(location(.key("task"), .key("camera"), .key("width")),
                  "task.camera: a \(w)×\(h) image is more than the 1920×1080 = \(ScenarioSchema.maxSensorRays) pixels a camera may have")
        }
        let fov = t.cameraFieldOfView
        if !(fov > 0 && fov < Double.pi) {
            error(location(.key("task"), .key("camera"), .key("fov")),
                  "task.camera.fov must be between 0 and π rad (0° and 180°, both excluded), found \(Reader.format(fov))")
        }
        let p = t.cameraPosition, q = t.cameraTarget
        guard p.count == 3, q.count == 3 else { return }
        let d = Vector3(q[0] - p[0], q[1] - p[1], q[2] - p[2])
        if !(length(d) > 1e-9) {
            error(location(.key("task"), .key("camera"), .key("target")),
                  "task.camera.target \(Self.vector(q)) m must differ from task.camera.position \(Self.vector(p)) m")
        } else if length(cross(d, Vector3(0, 0, 1))) <= 1e-9 * length(d) {
            error(location(.key("task"), .key("camera"), .key("target")),
                  "task.camera looks straight up or down from \(Self.vector(p)) to \(Self.vector(q)) m; tilt it a little, so that its image has an up direction")
        }
    }

    /// "[0.2, -0.6, 1.3]".
    static func vector(_ v: [Double]) -> String { "[" + v.map(Reader.format).joined(separator: ", ") + "]" }
}

// MARK: - The biped task kinds: walk and stand
//
// `walk` turns timed velocity commands into footsteps, a ZMP reference, a CoM trajectory (ZMP preview
// control) and swing-foot trajectories; `stand` balances, and steps to the capture point when a push carries it
// out of the support polygon. Both hand a per-tick `WalkingReference` (EmbodyLocomotion) to the controller:
// `whole_body` tracks it directly, a joint-space controller (pd_gravity) through inverse kinematics. The
// runtime builds them in Sources/EmbodyRuntime/Tasks/Walk.swift and Stand.swift.

import EmbodyModel

extension Keys {
    static let walkCommand = MapShape(fields: [("at", .leaf), ("vx", .leaf), ("vy", .leaf), ("yaw_rate", .leaf),
                                               ("x", .leaf), ("y", .leaf), ("yaw", .leaf)])
    static let terrainPatch = MapShape(fields: [("x", .vector), ("y", .vector), ("height", .leaf)])
}

/// The limits of a walk, checked when a scenario loads.
public enum WalkLimits {
    /// The most footsteps a run may plan: duration / step_duration must not exceed it (an hour at 0.36 s steps).
    public static let maxFootsteps = 10_000
    /// The most velocity commands and terrain patches.
    public static let maxCommands = 1_000
}

/// A waypoint: a pose of the walking frame (the midpoint between the sole centres, their mean heading), relative to
/// that frame as it was at load.
public struct WalkWaypoint: Equatable, Sendable {
    /// Forward and leftward of the walking frame at load, m.
    public var x: Double, y: Double
    /// Heading relative to the walking frame at load, rad (positive turns left).
    public var yaw: Double

    public init(x: Double, y: Double, yaw: Double = 0) { self.x = x; self.y = y; self.yaw = yaw }
}

/// A command of a walk: from `at` on, walk at (vx, vy) in the robot's heading frame and turn at `yawRate`; or, with a
/// `waypoint`, walk to it, starting at `at` or when the walk to the previous waypoint ends, whichever is later.
public struct WalkCommand: Equatable, Sendable {
    /// When the command starts, s.
    public var at: Double
    /// Forward speed, m/s (along the robot's heading).
    public var vx: Double
    /// Leftward speed, m/s.
    public var vy: Double
    /// Turning rate about z, rad/s (positive turns left).
    public var yawRate: Double
    /// The pose to walk to instead of a velocity (vx, vy and yawRate are then 0).
    public var waypoint: WalkWaypoint?
    /// Where the command is written.
    public var location: SourceLocation

    public init(at: Double, vx: Double = 0, vy: Double = 0, yawRate: Double = 0, waypoint: WalkWaypoint? = nil,
                location: SourceLocation = SourceLocation(file: "", line: 0)) {
        self.at = at; self.vx = vx; self.vy = vy; self.yawRate = yawRate; self.waypoint = waypoint; self.location = location
    }

    /// Whether the command asks the robot to stand still.
    public var isStop: Bool { waypoint == nil && vx == 0 && vy == 0 && yawRate == 0 }
}

/// A horizontal rectangle of ground at a known height (a step, a platform), known to the footstep planner.
public struct TerrainPatch: Equatable, Sendable {
    /// The rectangle's extent along world x and y, m (min, max).
    public var x: [Double]
    public var y: [Double]
    /// The height of its top surface above z = 0, m.
    public var height: Double

    public init(x: [Double], y: [Double], height: Double) { self.x = x; self.y = y; self.height = height }

    /// Whether (px, py) lies on the patch.
    public func contains(_ px: Double, _ py: Double) -> Bool { px >= x[0] && px <= x[1] && py >= y[0] && py <= y[1] }
}

/// `walk`: the command schedule, the step parameters, the terrain the planner knows and the feet.
public struct WalkTask: Equatable, Sendable, KindParameters {
    /// Velocity commands at strictly increasing times; before the first the robot stands.
    public var commands: [WalkCommand] = []
    /// The longest step along the heading, m (the planner never asks for more).
    public var stepLength = 0.3
    /// The lateral distance between the sole centres, m.
    public var stepWidth = 0.18
    /// The time of one step, single plus double support, s.
    public var stepDuration = 0.6
    /// The fraction of a step both feet are on the ground.
    public var doubleSupportRatio = 0.2
    /// The swing foot's apex height above the higher of its lift-off and touchdown, m.
    public var clearance = 0.05
    /// The height of the CoM above the soles while walking (the LIPM height), m.
    public var comHeight = 0.78
    /// The standard deviation of a seeded random offset of each planned footstep (x and y), m.
    public var footPlacementNoise = 0.0
    /// Ground patches at known heights (steps, platforms) the planner puts feet on.
    public var terrain: [TerrainPatch] = []
    /// Whether a step is moved to the capture point when the measured DCM leaves the plan's (a push).
    public var captureStepping = false
    /// How far the measured DCM must be from the plan's to move a step, m.
    public var captureThreshold = 0.03
    /// How much wider than walking's widest step a moved step may land, m (capture_stepping).
    public var captureLateralReach = 0.1
    /// The left and right foot links.
    public var feet = ["left_foot", "right_foot"]
    /// Where `feet` is written (the task section when it is not).
    public var feetLocation: SourceLocation?

    /// No commands yet; 0.3 m × 0.6 s steps, 0.18 m apart, 20 % double support, 5 cm clearance.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = WalkTask()
        return [
            .custom("commands", type: "list of `{ at, vx, vy, yaw_rate }`, or of waypoints `{ at, x, y, yaw }`", unit: "s, m/s, m/s, rad/s; s, m, m, rad", required: true,
                    example: "commands: [{ at: 1.0, vx: 0.5 }, { at: 21.0, vx: 0 }]", shape: .list(.map(Keys.walkCommand)),
                    "Velocity commands in the robot's heading frame, each from its time `at` on (vx in [−0.5, 1], vy in [−0.3, 0.3], yaw_rate in [−1, 1]; omitted ones are 0); all 0 stops and stands. Or waypoints: poses of the walking frame (the midpoint between the feet, their mean heading) relative to where it was at load (x forward, y left, in [−1000, 1000]; yaw in [−2π, 2π]; omitted ones are 0), walked to in order, each from `at` (optional: the previous waypoint's, or 0) or from the end of the previous walk, whichever is later; the last walk must end within the run. One walk is all velocity commands or all waypoints.") { r, f, p in
                p.commands = r.readWalkCommands(f, duration: r.scenarioDuration)
            },
            .number("step_length", \.stepLength, unit: "m", .between(0.05, 0.5), "The longest step along the heading; |vx|·step_duration must not exceed it.", defaults: d),
            .number("step_width", \.stepWidth, unit: "m", .between(0.08, 0.5), "Lateral distance between the sole centres.", defaults: d),
            .number("step_duration", \.stepDuration, unit: "s", .between(0.2, 3), "Time of one step: single plus double support.", defaults: d),
            .number("double_support_ratio", \.doubleSupportRatio, .between(0.05, 0.8), "Fraction of a step with both feet on the ground.", defaults: d),
            .number("clearance", \.clearance, unit: "m", .between(0.005, 0.3), "Swing-foot apex above the higher of lift-off and touchdown.", defaults: d),
            .number("com_height", \.comHeight, unit: "m", .between(0.2, 3), "CoM height above the soles while walking (LIPM height).", defaults: d),
            .number("foot_placement_noise", \.footPlacementNoise, unit: "m", .between(0, 0.05), "Std. dev. of a seeded random offset of each footstep in x and y (stream task.footsteps).", defaults: d),
            .custom("terrain", type: "list of `{ x, y, height }`", unit: "m", defaultValue: "[]", shape: .list(.map(Keys.terrainPatch)),
                    "Ground rectangles (x: [min, max], y: [min, max]) whose top is at `height`; footsteps on them are planned at that height.") { r, f, p in
                p.terrain = r.readTerrain(f)
            },
            .flag("capture_stepping", \.captureStepping, "Move the next touchdown (and the rest of the walk with it) to the capture point when the measured DCM is more than capture_threshold from the plan's (push recovery while walking).", defaults: d),
            .number("capture_threshold", \.captureThreshold, unit: "m", .between(0.005, 0.5), "The DCM error that moves a step (capture_stepping).", defaults: d),
            .number("capture_lateral_reach", \.captureLateralReach, unit: "m", .between(0, 0.3), "How much wider than walking's widest step (step_width plus half of it to the side) a moved step may land (capture_stepping).", defaults: d),
            .custom("feet", type: "list of 2 link names", defaultValue: "[left_foot, right_foot]", shape: .vector,
                    "The left and right foot links; each sole is the bottom face of the link's collision box, or the lowest points of its contact spheres.") { r, f, p in
                if let feet = r.footNames(f) { p.feet = feet; p.feetLocation = f.location }
            },
        ]
    }
}

/// `stand`: balance on both feet, and (with `stepping`) step to the capture point.
public struct StandTask: Equatable, Sendable, KindParameters {
    /// Whether the robot may step to recover its balance.
    public var stepping = true
    /// A step starts when the capture point is outside the support polygon by more than this, m.
    public var captureMargin = 0.0
    /// The time of a recovery step (lift-off to touchdown), s.
    public var stepDuration = 0.4
    /// The longest recovery step, m.
    public var maxStepLength = 0.45
    /// The swing foot's apex height, m.
    public var clearance = 0.04
    /// The CoM height above the soles to stand at, m.
    public var comHeight = 0.80
    /// The standard deviation of a seeded random offset of each recovery step's landing point (x and y), m.
    public var footPlacementNoise = 0.0
    /// The left and right foot links.
    public var feet = ["left_foot", "right_foot"]
    /// Where `feet` is written.
    public var feetLocation: SourceLocation?

    /// Stepping on, 0.4 s steps up to 0.45 m.
    public init() {}

    static var keys: [KindKey<Self>] {
        let d = StandTask()
        return [
            .flag("stepping", \.stepping, "Step to the capture point when it leaves the support polygon.", defaults: d),
            .number("capture_margin", \.captureMargin, unit: "m", .between(-0.1, 0.1), "How far outside the support polygon the capture point must be to start a step (negative: inside).", defaults: d),
            .number("step_duration", \.stepDuration, unit: "s", .between(0.2, 2), "Time of a recovery step from lift-off to touchdown.", defaults: d),
            .number("max_step_length", \.maxStepLength, unit: "m", .between(0.05, 0.8), "The longest recovery step.", defaults: d),
            .number("clearance", \.clearance, unit: "m", .between(0.005, 0.3), "Swing-foot apex height.", defaults: d),
            .number("com_height", \.comHeight, unit: "m", .between(0.2, 3), "CoM height above the soles.", defaults: d),
            .number("foot_placement_noise", \.footPlacementNoise, unit: "m", .between(0, 0.05), "Std. dev. of a seeded random offset of each recovery step's landing point in x and y (stream task.footsteps).", defaults: d),
            .custom("feet", type: "list of 2 link names", defaultValue: "[left_foot, right_foot]", shape: .vector,
                    "The left and right foot links; each sole is the bottom face of the link's collision box, or the lowest points of its contact spheres.") { r, f, p in
                if let feet = r.footNames(f) { p.feet = feet; p.feetLocation = f.location }
            },
        ]
    }
}

// MARK: - Reading

extension Reader {
    /// What one key cannot say alone: each command within the step limits, the run's footsteps within the cap,
    /// and a controller that tracks a walking reference.
    mutating func checkWalk(_ p: WalkTask, duration: Double?, at location: SourceLocation, controller: ControllerKind.Name?) {
        for (i, c) in p.commands.enumerated() where c.waypoint == nil {
            let forward = abs(c.vx) * p.stepDuration, side = abs(c.vy) * p.stepDuration
            if forward > p.stepLength + 1e-12 {
                log.error(c.location, "task.commands[\(i)]: vx \(Reader.format(c.vx)) m/s needs steps of \(Reader.format(forward)) m at step_duration \(Reader.format(p.stepDuration)) s, longer than step_length \(Reader.format(p.stepLength)) m; lower vx or raise step_length")
            }
            if side > 0.5 * p.stepWidth {
                log.error(c.location, "task.commands[\(i)]: vy \(Reader.format(c.vy)) m/s moves a foot \(Reader.format(side)) m sideways per step, more than half of step_width \(Reader.format(p.stepWidth)) m")
            }
        }
        if let duration, duration / p.stepDuration > Double(WalkLimits.maxFootsteps) {
            log.error(location, "task: a \(Reader.format(duration)) s walk at step_duration \(Reader.format(p.stepDuration)) s plans more than \(WalkLimits.maxFootsteps) footsteps; shorten the run or lengthen the steps")
        }
        if controller == .osc {
            log.error(location, "task type walk hands the controller a walking reference (joint targets through inverse kinematics, or the whole reference for whole_body), but controller type osc takes Cartesian targets")
        }
    }

    /// `commands`: at strictly increasing, before the end of the run; speeds within their ranges.
    mutating func readWalkCommands(_ field: Field, duration: Double?) -> [WalkCommand] {
        let example = "{ at: 1.0, vx: 0.5 }"
        guard let items = list(field, example: "[\(example)]") else { return [] }
        if items.isEmpty { log.error(field.location, "\(field.path) must hold at least one command, such as \(example)") }
        if items.count > WalkLimits.maxCommands {
            log.error(field.location, "\(field.path) holds \(items.count) commands; at most \(WalkLimits.maxCommands) are allowed")
            return []
        }
        var commands: [WalkCommand] = []
        var previous: Double?
        for (index, item) in items.enumerated() {
            guard let view = map(item, shape: Keys.walkCommand, example: example) else { continue }
            let velocityKeys = ["vx", "vy", "yaw_rate"].filter { view.field($0) != nil }
            let poseKeys = ["x", "y", "yaw"].filter { view.field($0) != nil }
            // A waypoint's `at` is optional (the previous waypoint's, or 0): it is only the earliest start.
            let atField = poseKeys.isEmpty || view.field("at") != nil ? require(view, "at", example: "at: 1.0") : nil
            let at = atField.map { number($0, unit: "s", .nonNegative) } ?? (previous ?? 0)
            let vx = view.field("vx").map { number($0, unit: "m/s", .between(-0.5, 1)) } ?? 0
            let vy = view.field("vy").map { number($0, unit: "m/s", .between(-0.3, 0.3)) } ?? 0
            let yaw = view.field("yaw_rate").map { number($0, unit: "rad/s", .between(-1, 1)) } ?? 0
            var waypoint: WalkWaypoint?
            if !poseKeys.isEmpty {
                if !velocityKeys.isEmpty {
                    log.error(item.location, "\(field.path)[\(index)] mixes a velocity (\(velocityKeys.joined(separator: ", "))) with a waypoint (\(poseKeys.joined(separator: ", "))); a command is one or the other")
                    continue
                }
                let x = view.field("x").map { number($0, unit: "m", .between(-1000, 1000)) } ?? 0
                let y = view.field("y").map { number($0, unit: "m", .between(-1000, 1000)) } ?? 0
                let heading = view.field("yaw").map { number($0, unit: "rad", .between(-2 * Double.pi, 2 * Double.pi)) } ?? 0
                guard let x, let y, let heading else { continue }
                waypoint = WalkWaypoint(x: x, y: y, yaw: heading)
                if let first = commands.first, first.waypoint == nil {
                    log.error(item.location, "\(field.path)[\(index)] is a waypoint but \(field.path)[0] is a velocity command; a walk follows velocity commands or waypoints, not both")
                }
            } else if let first = commands.first, first.waypoint != nil {
                log.error(item.location, "\(field.path)[\(index)] is a velocity command but \(field.path)[0] is a waypoint; a walk follows velocity commands or waypoints, not both")
            }
            guard let at, let vx, let vy, let yaw else { continue }
            if let atField {
                // Velocity commands follow one another; waypoints may share a time (each starts when the last walk ends).
                if let previous, waypoint == nil ? at <= previous : at < previous {
                    log.error(atField.location, "\(atField.path) \(Reader.format(at)) s must be \(waypoint == nil ? "later than" : "no earlier than") the previous command's \(Reader.format(previous)) s")
                }
                if let duration, at >= duration {
                    log.error(atField.location, "\(atField.path) \(Reader.format(at)) s is not before the end of the scenario (duration \(Reader.format(duration)) s)")
                }
            }
            previous = at
            commands.append(WalkCommand(at: at, vx: vx, vy: vy, yawRate: yaw, waypoint: waypoint, location: item.location))
        }
        return commands
    }

    /// `terrain`: rectangles with min < max and a height in [−1, 1] m.
    mutating func readTerrain(_ field: Field) -> [TerrainPatch] {
        let example = "{ x: [1.0, 2.0], y: [-1, 1], height: 0.02 }"
        guard let items = list(field, example: "[\(example)]") else { return [] }
        if items.count > WalkLimits.maxCommands {
            log.error(field.location, "\(field.path) holds \(items.count) patches; at most \(WalkLimits.maxCommands) are allowed")
            return []
        }
        var patches: [TerrainPatch] = []
        for item in items {
            guard let view = map(item, shape: Keys.terrainPatch, example: example) else { continue }
            let xField = require(view, "x", example: "x: [1.0, 2.0]"), yField = require(view, "y", example: "y: [-1, 1]")
            let x = vector(xField, count: 2, unit: "m", .between(-1e4, 1e4))
            let y = vector(yField, count: 2, unit: "m", .between(-1e4, 1e4))
            let height = number(require(view, "height", example: "height: 0.02"), unit: "m", .between(-1, 1))
            guard let x, let y, let height, let xField, let yField else { continue }
            var ok = true
            for (v, f) in [(x, xField), (y, yField)] where !(v[0] < v[1]) {
                log.error(f.location, "\(f.path) must be [min, max] with min < max, found [\(Reader.format(v[0])), \(Reader.format(v[1]))]")
                ok = false
            }
            if ok { patches.append(TerrainPatch(x: x, y: y, height: height)) }
        }
        return patches
    }

    /// `feet`: two different link names (checked against the robot when the run is built).
    mutating func footNames(_ field: Field) -> [String]? {
        guard case .list(let items, _) = field.node, items.count == 2 else {
            log.error(field.location, "\(field.path) must be a list of 2 link names (left, right), found \(field.node.what)")
            return nil
        }
        var names: [String] = []
        for (i, item) in items.enumerated() {
            if let name = string(item, path: "\(field.path)[\(i)]") { names.append(name) }
        }
        guard names.count == 2 else { return nil }
        if names[0] == names[1] {
            log.error(field.location, "\(field.path) names the same link twice; give the left foot, then the right")
            return nil
        }
        return names
    }
}

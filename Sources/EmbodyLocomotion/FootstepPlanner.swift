// MARK: - Footstep planning from velocity commands or a goal pose, and the ZMP reference along the steps
//
// A walk is a sequence of bouts. Each bout starts from standing with a weight shift (double support: the ZMP
// moves from between the feet onto the first stance foot over `startDuration`), then alternates steps of period
// T = `stepDuration`: the swing foot is in the air for T_ss = (1 − r) T (r = `doubleSupportRatio`), then both feet
// are on the ground for T_ds = r T while the ZMP moves linearly onto the foot that just landed. A bout ends with a
// step that puts the feet side by side at the nominal width (skipped if they already are) and a final shift of
// the ZMP back between the feet over `stopDuration`.
//
// Where the swing foot goes (velocity commands). The command (v_x, v_y, ω_z) is in the walking frame W, which sits
// half a step width inside the stance foot S with S's heading. Per step, forward motion is v_x T; lateral motion
// and turning are taken by the foot on the side they point to (2 v_y T, 2 ω_z T) and the other foot follows
// (0), so the average velocity is the command and the feet never need to cross:
//
//     W = S ⊕ (0, ±w/2, 0),   W' = W ⊕ (R(dθ/2) (v_x T, d_y), dθ),   target = W' ⊕ (0, ±w/2, 0)
//
// (upper signs for a left swing, whose stance foot is the right one; ⊕ composes planar poses x, y, yaw). The target, expressed in S's frame as
// (Δx, Δy, Δθ), is then clamped to the kinematic limits: |Δx| ≤ `maxStepLength`, |Δθ| ≤ `maxYawPerStep`, and the
// lateral separation ±Δy in [`minLateralSeparation`, w + `maxLateralStep`] (no crossing). The walking frame is
// re-derived from the stance foot every step, so a clamped step does not make later steps catch up.
// Goal mode aims every swing foot at goal ⊕ (0, ±w/2, 0) (heading to the goal while farther than
// `turnDistance`) under the same clamps until both feet are there. The height of a landing foot comes from the
// caller's terrain function (known terrain), else it keeps the stance foot's height; |Δz| ≤ `maxStepHeight`.

import EmbodyModel
import Foundation

/// A foot's place on the ground: the sole centre's world position (m) and its heading yaw about z (rad).
public struct FootPose: Equatable, Sendable {
    /// Sole centre, world frame, m.
    public var position: Vector3
    /// Heading about the world z axis, rad, in (−π, π].
    public var yaw: Double

    public init(position: Vector3, yaw: Double) {
        self.position = position
        self.yaw = wrapAngle(yaw)
    }

    public init(x: Double, y: Double, z: Double = 0, yaw: Double = 0) {
        self.init(position: Vector3(x, y, z), yaw: yaw)
    }

    /// The pose as a transform (a rotation about z by `yaw`).
    public var transform: Transform { Transform(position: position, rotation: Quaternion(axis: Vector3(0, 0, 1), angle: yaw)) }

    /// `other` in this pose's horizontal frame: (Δx m, Δy m, Δyaw rad in (−π, π]).
    public func relative(_ other: FootPose) -> SIMD3<Double> {
        let c = cos(yaw), s = sin(yaw)
        let dx = other.position.x - position.x, dy = other.position.y - position.y
        return SIMD3(c * dx + s * dy, -s * dx + c * dy, wrapAngle(other.yaw - yaw))
    }

    /// This pose moved by (Δx, Δy) in its own horizontal frame and turned by Δyaw; z unchanged.
    public func composed(_ d: SIMD3<Double>) -> FootPose {
        let c = cos(yaw), s = sin(yaw)
        return FootPose(position: Vector3(position.x + c * d.x - s * d.y, position.y + s * d.x + c * d.y, position.z), yaw: yaw + d.z)
    }

    /// The pose halfway between `a` and `b` (positions averaged, headings averaged along the shorter arc).
    public static func midpoint(_ a: FootPose, _ b: FootPose) -> FootPose {
        FootPose(position: (a.position + b.position) / 2, yaw: a.yaw + wrapAngle(b.yaw - a.yaw) / 2)
    }
}

/// `angle` wrapped into (−π, π].
@inlinable public func wrapAngle(_ angle: Double) -> Double {
    var a = angle.truncatingRemainder(dividingBy: 2 * Double.pi)
    if a > Double.pi { a -= 2 * Double.pi } else if a <= -Double.pi { a += 2 * Double.pi }
    return a
}

/// One step: which foot, from where to where, and when it leaves and lands (s, the plan's clock).
public struct Footstep: Equatable, Sendable {
    public var side: FootSide
    /// Where the foot lifts off (its previous stance pose).
    public var liftOffPose: FootPose
    /// Where it lands.
    public var touchDownPose: FootPose
    /// Lift-off and touch-down times, s; the swing lasts touchDownTime − liftOffTime.
    public var liftOffTime: Double
    public var touchDownTime: Double

    public init(side: FootSide, liftOffPose: FootPose, touchDownPose: FootPose, liftOffTime: Double, touchDownTime: Double) {
        self.side = side
        self.liftOffPose = liftOffPose
        self.touchDownPose = touchDownPose
        self.liftOffTime = liftOffTime
        self.touchDownTime = touchDownTime
    }
}

/// A walking velocity command in the walking frame, in force from `startTime` until the next command.
public struct VelocityCommand: Equatable, Sendable {
    /// When the command starts, s.
    public var startTime: Double
    /// Forward speed v_x (m/s), lateral speed v_y (m/s, positive to the left), yaw rate ω_z (rad/s, positive left).
    public var forward: Double
    public var lateral: Double
    public var yawRate: Double

    public init(startTime: Double, forward: Double = 0, lateral: Double = 0, yawRate: Double = 0) {
        self.startTime = startTime
        self.forward = forward
        self.lateral = lateral
        self.yawRate = yawRate
    }

    /// True when all three components are zero: stand.
    public var isStop: Bool { forward == 0 && lateral == 0 && yawRate == 0 }
}

/// The footstep planner's parameters, with units and ranges (checked by `validate()`).
public struct FootstepPlannerParameters: Equatable, Sendable {
    /// Nominal lateral distance w between the feet centres, m, in (0, 1].
    public var stepWidth: Double = 0.2
    /// Step period T (swing plus the following double support), s, in (0, 10].
    public var stepDuration: Double = 0.6
    /// Double-support share r of the step period, in [0, 1).
    public var doubleSupportRatio: Double = 0.2
    /// Largest forward or backward displacement of the swing foot relative to the stance foot, m, in (0, 2].
    public var maxStepLength: Double = 0.3
    /// Largest lateral separation beyond the nominal width, m, in [0, 1].
    public var maxLateralStep: Double = 0.1
    /// Largest heading change of one step relative to the stance foot, rad, in [0, π/2].
    public var maxYawPerStep: Double = 0.35
    /// Smallest lateral separation of the feet centres in the stance foot's frame (no crossing), m, in [0, stepWidth].
    public var minLateralSeparation: Double = 0.12
    /// Largest height change of one step, m, in [0, 1].
    public var maxStepHeight: Double = 0.1
    /// Weight shift before the first step of a bout, s, in (0, 10].
    public var startDuration: Double = 0.6
    /// Final shift back between the feet after the last step, s, in (0, 10].
    public var stopDuration: Double = 0.6
    /// In goal mode, head towards the goal while farther than this, then turn to the goal's yaw, m, in [0, 1000].
    public var turnDistance: Double = 0.5
    /// Goal mode: done when each foot is within this distance (m) and heading (rad) of its place at the goal, each in (0, 1].
    public var goalPositionTolerance: Double = 1e-3
    public var goalYawTolerance: Double = 1e-3
    /// Largest number of steps in one plan, in 1...1 000 000.
    public var maxSteps: Int = 10_000

    public init() {}

    /// The swing time T_ss = (1 − r) T, s.
    public var swingDuration: Double { (1 - doubleSupportRatio) * stepDuration }
    /// The double-support time T_ds = r T, s.
    public var doubleSupportDuration: Double { doubleSupportRatio * stepDuration }

    /// Throws `LocomotionParameterError` naming the first value out of range.
    public func validate() throws(LocomotionParameterError) {
        typealias E = LocomotionParameterError
        try E.check("step width", stepWidth, above: 0, atMost: 1, unit: "m")
        try E.check("step duration", stepDuration, above: 0, atMost: 10, unit: "s")
        try E.check("double support ratio", doubleSupportRatio, in: 0...0.999_999, unit: "")
        try E.check("max step length", maxStepLength, above: 0, atMost: 2, unit: "m")
        try E.check("max lateral step", maxLateralStep, in: 0...1, unit: "m")
        try E.check("max yaw per step", maxYawPerStep, in: 0...(Double.pi / 2), unit: "rad")
        try E.check("min lateral separation", minLateralSeparation, in: 0...stepWidth, unit: "m (at most the step width)")
        try E.check("max step height", maxStepHeight, in: 0...1, unit: "m")
        try E.check("start duration", startDuration, above: 0, atMost: 10, unit: "s")
        try E.check("stop duration", stopDuration, above: 0, atMost: 10, unit: "s")
        try E.check("turn distance", turnDistance, in: 0...1000, unit: "m")
        try E.check("goal position tolerance", goalPositionTolerance, above: 0, atMost: 1, unit: "m")
        try E.check("goal yaw tolerance", goalYawTolerance, above: 0, atMost: 1, unit: "rad")
        guard (1...1_000_000).contains(maxSteps) else { throw E("max steps must be in 1...1000000, got \(maxSteps)") }
    }
}

/// A planned walk: the feet at the start, the steps in time order, and the bouts (each a weight shift, steps, and
/// a final shift back between the feet).
public struct FootstepPlan: Equatable, Sendable {
    /// The feet at `startTime`, indexed by `FootSide.rawValue`.
    public var initialFeet: [FootPose]
    /// The steps, in time order; within a bout the feet alternate.
    public var steps: [Footstep]
    /// Each bout: its start (the weight shift begins), its steps `steps[firstStep..<endStep]` and its end (the
    /// final shift ends, standing).
    public var bouts: [Bout]
    /// The plan's start time, s.
    public var startTime: Double

    public struct Bout: Equatable, Sendable {
        public var startTime: Double
        public var firstStep: Int
        public var endStep: Int
        public var endTime: Double
    }

    public init(initialFeet: [FootPose], startTime: Double) {
        self.initialFeet = initialFeet
        steps = []
        bouts = []
        self.startTime = startTime
    }

    /// When the walk is over and the robot stands, s (the start time if there is no step).
    public var endTime: Double { bouts.last?.endTime ?? startTime }

    /// The feet after the last step, indexed by `FootSide.rawValue`.
    public var finalFeet: [FootPose] {
        var feet = initialFeet
        for s in steps { feet[s.side.rawValue] = s.touchDownPose }
        return feet
    }

    /// The index of the step whose foot is in the air at `time` (lift-off ≤ t < touch-down), or nil.
    /// Binary search; allocation-free.
    public func swingingStep(at time: Double) -> Int? {
        var lo = 0, hi = steps.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if steps[mid].liftOffTime <= time { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        return i >= 0 && time < steps[i].touchDownTime ? i : nil
    }
}

/// Plans footsteps from a velocity-command schedule or a goal pose (the file's header gives the rules).
/// Planning allocates (the plan's arrays); do it at set-up or when replanning, not every tick.
public struct FootstepPlanner: Sendable {
    public let parameters: FootstepPlannerParameters

    /// Throws `LocomotionParameterError` if a parameter is out of range.
    public init(parameters: FootstepPlannerParameters) throws(LocomotionParameterError) {
        try parameters.validate()
        self.parameters = parameters
    }

    /// Plans from standing with the feet at `feet` (indexed by `FootSide.rawValue`) at `startTime` (s), following
    /// `commands` (sorted by start time; no command before the first one means standing) until `endTime` (s): the
    /// first lift-off at or after `endTime` becomes the stopping step. A zero command stops the current bout; a
    /// later non-zero command starts a new one. `terrainHeight(x, y)` (m) gives the height of a landing foot;
    /// without it the stance foot's height is kept. Throws for bad feet, unsorted or non-finite commands, a step
    /// height beyond `maxStepHeight`, or more than `maxSteps` steps.
    public func plan(from feet: [FootPose], startTime: Double, commands: [VelocityCommand], endTime: Double,
                     terrainHeight: ((_ x: Double, _ y: Double) -> Double)? = nil) throws(LocomotionParameterError) -> FootstepPlan {
        try checkFeet(feet, startTime)
        guard endTime.isFinite, endTime >= startTime else {
            throw LocomotionParameterError("footstep plan: end time \(endTime) s must be finite and not before the start time \(startTime) s")
        }
        for (i, c) in commands.enumerated() {
            guard c.startTime.isFinite, c.forward.isFinite, c.lateral.isFinite, c.yawRate.isFinite,
                  abs(c.forward) <= 10, abs(c.lateral) <= 10, abs(c.yawRate) <= 10 else {
                throw LocomotionParameterError("velocity command \(i): values must be finite with |v| ≤ 10 m/s and |yaw rate| ≤ 10 rad/s")
            }
            if i > 0, c.startTime < commands[i - 1].startTime {
                throw LocomotionParameterError("velocity command \(i): start time \(c.startTime) s is before the previous command's \(commands[i - 1].startTime) s")
            }
        }
        func command(at t: Double) -> VelocityCommand {
            var current = VelocityCommand(startTime: -.infinity)
            for c in commands where c.startTime <= t { current = c }
            return current
        }
        let p = parameters
        var plan = FootstepPlan(initialFeet: feet, startTime: startTime)
        var now = feet
        var t = startTime
        while t < endTime {
            let c = command(at: t)
            if c.isStop {
                // Standing: wait for the next non-zero command.
                guard let next = commands.first(where: { $0.startTime > t && !$0.isStop }), next.startTime < endTime else { break }
                t = next.startTime
                continue
            }
            // A bout: weight shift, steps while the command is non-zero and before the end time, then stop.
            let boutStart = t, firstStep = plan.steps.count
            var swing: FootSide = (c.lateral < 0 || (c.lateral == 0 && c.yawRate < 0)) ? .right : .left
            t += p.startDuration
            while t < endTime {
                let cmd = command(at: t)
                if cmd.isStop { break }
                let stance = now[swing.other.rawValue]
                let target = try land(clamped(stance: stance, swing: swing, target: velocityTarget(stance: stance, swing: swing, cmd)),
                                      stance: stance, terrainHeight)
                try append(&plan, &now, swing, target, t)
                t += p.stepDuration
                swing = swing.other
            }
            let boutEnd = try stop(&plan, &now, swing: swing, liftOff: t, terrainHeight)
            // No step fitted (the end time or a zero command came during the weight shift, and the feet were already
            // together): no bout; keep standing from the would-be lift-off time.
            if plan.steps.count == firstStep { continue }
            t = boutEnd
            plan.bouts.append(FootstepPlan.Bout(startTime: boutStart, firstStep: firstStep, endStep: plan.steps.count, endTime: t))
        }
        return plan
    }

    /// Plans one bout from standing at `feet` at `startTime` (s) to standing with the walking frame (the midpoint
    /// between the feet, their mean heading) at `goal` (x, y m; yaw rad; z ignored): each foot ends at
    /// goal ⊕ (0, ±w/2, 0) within the goal tolerances. Throws if the goal is not reached within `maxSteps`.
    public func plan(from feet: [FootPose], startTime: Double, goal: FootPose,
                     terrainHeight: ((_ x: Double, _ y: Double) -> Double)? = nil) throws(LocomotionParameterError) -> FootstepPlan {
        try checkFeet(feet, startTime)
        guard goal.position.x.isFinite, goal.position.y.isFinite, goal.yaw.isFinite else {
            throw LocomotionParameterError("footstep plan: the goal pose must be finite")
        }
        let p = parameters
        var plan = FootstepPlan(initialFeet: feet, startTime: startTime)
        var now = feet
        func place(_ side: FootSide) -> FootPose {
            goal.composed(SIMD3(0, side == .left ? p.stepWidth / 2 : -p.stepWidth / 2, 0))
        }
        func reached(_ side: FootSide) -> Bool {
            let r = place(side).relative(now[side.rawValue])
            return (r.x * r.x + r.y * r.y).squareRoot() <= p.goalPositionTolerance && abs(r.z) <= p.goalYawTolerance
        }
        if reached(.left) && reached(.right) { return plan }
        let start = FootPose.midpoint(feet[0], feet[1]).relative(goal)
        var swing: FootSide = (start.y < 0 || (start.y == 0 && start.z < 0)) ? .right : .left
        var t = startTime + p.startDuration
        while !(reached(.left) && reached(.right)) {
            guard plan.steps.count < p.maxSteps else {
                throw LocomotionParameterError("footstep plan: the goal (\(goal.position.x), \(goal.position.y), \(goal.yaw)) was not reached within \(p.maxSteps) steps")
            }
            let stance = now[swing.other.rawValue]
            // Far from the goal, walk facing it; near it, take the goal's heading.
            let here = FootPose.midpoint(now[0], now[1])
            let dx = goal.position.x - here.position.x, dy = goal.position.y - here.position.y
            var aim = goal
            if (dx * dx + dy * dy).squareRoot() > p.turnDistance {
                var bearing = atan2(dy, dx)
                if abs(wrapAngle(bearing - goal.yaw)) > Double.pi / 2 && (dx * dx + dy * dy).squareRoot() < 4 * p.turnDistance {
                    bearing = goal.yaw  // a short way back: walk backwards instead of turning round
                }
                aim = FootPose(position: goal.position, yaw: bearing)
            }
            let target = aim.composed(SIMD3(0, swing == .left ? p.stepWidth / 2 : -p.stepWidth / 2, 0))
            let landed = try land(clamped(stance: stance, swing: swing, target: target), stance: stance, terrainHeight)
            try append(&plan, &now, swing, landed, t)
            t += p.stepDuration
            swing = swing.other
        }
        plan.bouts.append(FootstepPlan.Bout(startTime: startTime, firstStep: 0, endStep: plan.steps.count,
                                            endTime: t - p.doubleSupportDuration + p.stopDuration))
        return plan
    }

    // MARK: Steps

    /// The unclamped target of a `swing` step from `stance` under command `c` (the header's formula).
    func velocityTarget(stance: FootPose, swing: FootSide, _ c: VelocityCommand) -> FootPose {
        let p = parameters, sign: Double = swing == .left ? 1 : -1, period = p.stepDuration
        let dy = sign * c.lateral > 0 ? 2 * c.lateral * period : 0
        let dTheta = sign * c.yawRate > 0 ? 2 * c.yawRate * period : 0
        let w = stance.composed(SIMD3(0, sign * p.stepWidth / 2, 0))
        let ch = cos(dTheta / 2), sh = sin(dTheta / 2), dx = c.forward * period
        let moved = w.composed(SIMD3(ch * dx - sh * dy, sh * dx + ch * dy, dTheta))
        return moved.composed(SIMD3(0, sign * p.stepWidth / 2, 0))
    }

    /// `target` clamped to the kinematic limits relative to `stance` (its z is left to `land`).
    func clamped(stance: FootPose, swing: FootSide, target: FootPose, extraLateral: Double = 0) -> FootPose {
        let p = parameters, sign: Double = swing == .left ? 1 : -1
        var r = stance.relative(target)
        r.x = min(max(r.x, -p.maxStepLength), p.maxStepLength)
        r.y = sign * min(max(sign * r.y, p.minLateralSeparation), p.stepWidth + p.maxLateralStep + extraLateral)
        r.z = min(max(r.z, -p.maxYawPerStep), p.maxYawPerStep)
        return stance.composed(r)
    }

    /// `target` with the terrain's height (or the stance foot's), checked against `maxStepHeight`.
    func land(_ target: FootPose, stance: FootPose, _ terrainHeight: ((Double, Double) -> Double)?) throws(LocomotionParameterError) -> FootPose {
        var t = target
        t.position.z = terrainHeight?(t.position.x, t.position.y) ?? stance.position.z
        guard t.position.z.isFinite, abs(t.position.z - stance.position.z) <= parameters.maxStepHeight + 1e-12 else {
            throw LocomotionParameterError("footstep plan: the terrain height \(t.position.z) m at (\(t.position.x), \(t.position.y)) is more than the max step height \(parameters.maxStepHeight) m from the stance foot's \(stance.position.z) m")
        }
        return t
    }

    private func append(_ plan: inout FootstepPlan, _ now: inout [FootPose], _ side: FootSide, _ target: FootPose, _ liftOff: Double)
        throws(LocomotionParameterError) {
        guard plan.steps.count < parameters.maxSteps else {
            throw LocomotionParameterError("footstep plan: more than \(parameters.maxSteps) steps (max steps)")
        }
        plan.steps.append(Footstep(side: side, liftOffPose: now[side.rawValue], touchDownPose: target,
                                   liftOffTime: liftOff, touchDownTime: liftOff + parameters.swingDuration))
        now[side.rawValue] = target
    }

    /// Ends a bout whose next lift-off would be at `liftOff`: one step puts `swing` beside the stance foot at the
    /// nominal width unless it is there already. Returns the bout's end time (standing).
    private func stop(_ plan: inout FootstepPlan, _ now: inout [FootPose], swing: FootSide, liftOff: Double,
                      _ terrainHeight: ((Double, Double) -> Double)?) throws(LocomotionParameterError) -> Double {
        let p = parameters, stance = now[swing.other.rawValue]
        let beside = stance.composed(SIMD3(0, swing == .left ? p.stepWidth : -p.stepWidth, 0))
        let r = beside.relative(now[swing.rawValue])
        if (r.x * r.x + r.y * r.y).squareRoot() <= 1e-6 && abs(r.z) <= 1e-6 {
            return liftOff - p.doubleSupportDuration + p.stopDuration
        }
        try append(&plan, &now, swing, try land(beside, stance: stance, terrainHeight), liftOff)
        return liftOff + p.swingDuration + p.stopDuration
    }

    private func checkFeet(_ feet: [FootPose], _ startTime: Double) throws(LocomotionParameterError) {
        guard feet.count == 2 else { throw LocomotionParameterError("footstep plan: need 2 feet (left, right), got \(feet.count)") }
        guard startTime.isFinite else { throw LocomotionParameterError("footstep plan: the start time must be finite") }
        for f in feet where !(f.position.x.isFinite && f.position.y.isFinite && f.position.z.isFinite && f.yaw.isFinite) {
            throw LocomotionParameterError("footstep plan: the feet poses must be finite")
        }
        let r = feet[FootSide.right.rawValue].relative(feet[FootSide.left.rawValue])
        guard r.y >= parameters.minLateralSeparation - 1e-9 else {
            throw LocomotionParameterError("footstep plan: the left foot is \(r.y) m left of the right foot, less than the min lateral separation \(parameters.minLateralSeparation) m")
        }
    }
}

// MARK: - The ZMP reference along a footstep plan

/// The ZMP reference of a footstep plan: between bouts and before or after the plan, between the feet; during a
/// bout's weight shift it moves linearly onto the first stance foot; in single support it stays on the stance
/// foot's centre; in double support it moves linearly from the old stance foot to the one that just landed; the
/// final shift moves it linearly back between the feet. Piecewise linear in time, continuous when the double
/// support time is positive (with r = 0 it jumps at touch-down). Built once (allocates); queries are allocation-free.
public struct FootstepZMPReference: Sendable {
    /// The segments: from `startTimes[i]` the ZMP moves linearly from `from[i]` to `to[i]` (m, world, z the ground
    /// height) over `durations[i]` s, then holds `to[i]` until the next segment.
    public private(set) var startTimes: [Double] = []
    public private(set) var durations: [Double] = []
    public private(set) var from: [Vector3] = []
    public private(set) var to: [Vector3] = []

    public init(plan: FootstepPlan) {
        var feet = plan.initialFeet
        func centre() -> Vector3 { (feet[0].position + feet[1].position) / 2 }
        add(plan.startTime, 0, centre(), centre())
        for bout in plan.bouts {
            var zmp = centre()
            for i in bout.firstStep..<bout.endStep {
                let s = plan.steps[i]
                let stance = feet[s.side.other.rawValue].position
                // Before this lift-off: the shift (first step) or the double support since the last touch-down.
                let shiftStart = i == bout.firstStep ? bout.startTime : plan.steps[i - 1].touchDownTime
                add(shiftStart, s.liftOffTime - shiftStart, zmp, stance)
                zmp = stance
                feet[s.side.rawValue] = s.touchDownPose
            }
            let lastTouchDown = bout.endStep > bout.firstStep ? plan.steps[bout.endStep - 1].touchDownTime : bout.startTime
            add(lastTouchDown, bout.endTime - lastTouchDown, zmp, centre())
        }
    }

    private mutating func add(_ start: Double, _ duration: Double, _ a: Vector3, _ b: Vector3) {
        startTimes.append(start)
        durations.append(max(duration, 0))
        from.append(a)
        to.append(b)
    }

    /// The ZMP reference at `time` s (m, world; z the ground height under it). Binary search; allocation-free.
    public func point(at time: Double) -> Vector3 {
        var lo = 0, hi = startTimes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if startTimes[mid] <= time { lo = mid + 1 } else { hi = mid }
        }
        let i = lo - 1
        if i < 0 { return from[0] }
        let d = durations[i]
        if d <= 0 { return to[i] }
        let s = min(max((time - startTimes[i]) / d, 0), 1)
        return from[i] + s * (to[i] - from[i])
    }

    /// The horizontal part of `point(at:)`, as the preview controller takes it.
    public func planar(at time: Double) -> SIMD2<Double> {
        let p = point(at: time)
        return SIMD2(p.x, p.y)
    }
}

extension ZMPPreviewController {
    /// Resets to `state` at tick `tick` with the window p_ref((tick + j)·dt), j = 0...N (the reference's clock
    /// is tick·dt; integer ticks keep the samples exact and deterministic).
    public func reset(to state: CartTableState, tick: Int, reference: FootstepZMPReference) {
        let dt = parameters.timeStep
        reset(to: state) { reference.planar(at: Double(tick + $0) * dt) }
    }

    /// Replaces the window with p_ref((tick + j)·dt), j = 0...N (`tick` the current tick), after a replan.
    public func rewriteReference(tick: Int, reference: FootstepZMPReference) {
        let dt = parameters.timeStep
        rewriteReference { reference.planar(at: Double(tick + $0) * dt) }
    }

    /// One step at tick `tick` (the current one): appends p_ref((tick + N + 1)·dt). Allocation-free.
    @discardableResult
    public func step(tick: Int, reference: FootstepZMPReference) -> CartTableState {
        step(nextReference: reference.planar(at: Double(tick + parameters.previewSteps + 1) * parameters.timeStep))
    }
}

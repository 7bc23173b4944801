// MARK: - The divergence monitor: a run that blows up is never a success
//
// Once per tick, after the physics step, the monitor looks at the true state and at the torques the
// controller commanded. A run diverges when any of these holds (limits under `termination:`, see
// docs/scenarios.md):
//
//   - a joint position or velocity, a base pose or twist component, or a commanded torque is NaN or ±∞;
//   - a joint position lies more than `joint_limit_margin` (rad or m) outside its URDF limits;
//   - a joint speed |q̇ᵢ| exceeds `max_joint_velocity` (rad/s or m/s);
//   - the base's linear speed exceeds `max_base_speed` (m/s), its angular speed `max_base_angular_speed`
//     (rad/s), or its height rises more than `max_base_rise` (m) above where it started.
//
// The first violation ends the run with the outcome `diverged`, the tick, the channel and its value.
// Along the way the monitor counts what makes a passing run look unhealthy: non-finite torques (which are
// never handed to the physics engine: they are replaced by 0 and counted) and velocity chatter (sign
// changes of q̇ᵢ from tick to tick). Everything is sized at load; `check` allocates nothing.

import EmbodyControl
import EmbodyModel
import EmbodyScenario

/// Where and how a run blew up: the tick, the channel (such as `qd.joint_3` or `torque.knee`) and its value.
public struct DivergenceReport: Equatable, Sendable, CustomStringConvertible {
    /// The tick at which the state (or the commanded torque) was first out of bounds.
    public var tick: Int
    /// The channel that failed: `q.<joint>`, `qd.<joint>`, `torque.<joint>`, `base.position.z`,
    /// `base.orientation.w`, `base.linear_velocity.x`, `base.angular_velocity.y`, `base.speed`, `base.angular_speed`
    /// or `base.rise`.
    public var channel: String
    /// The offending value (NaN or ±∞ for a non-finite channel).
    public var value: Double
    /// The bound it broke, for people ("not finite", "> 100 rad/s", …).
    public var reason: String

    public var description: String { "diverged at tick \(tick): \(channel) = \(value) (\(reason))" }
}

/// Checks the state once per tick and ends the run when it is no longer physically meaningful.
final class DivergenceMonitor {
    /// What the monitor found first, as an index into the channel space, resolved to names only at the end.
    private enum Channel {
        case q(Int), qd(Int), torque(Int)
        case basePosition(Int), baseOrientation(Int), baseLinear(Int), baseAngular(Int)
        case baseSpeed, baseAngularSpeed, baseRise
    }

    private enum Reason { case nonFinite, outsideLimits, tooFast, tooHigh }

    private let jointNames: [String]
    /// Lower and upper position bounds, limits widened by the margin; ±∞ for unlimited joints.
    private let lower: [Double], upper: [Double]
    /// The URDF limits themselves, for messages.
    private let limitLower: [Double], limitUpper: [Double]
    private let limits: TerminationSpec
    private let checkBase: Bool
    /// The base height the run started at, m.
    private var startHeight: Double = 0

    /// The first violation: the tick, the channel, the value and why.
    private var first: (tick: Int, channel: Channel, value: Double, reason: Reason)?
    /// Commanded torque entries that were NaN or ±∞ (each replaced by 0 before the physics step).
    private(set) var nonFiniteTorques = 0
    /// Per joint: ticks on which q̇ changed sign against the last tick with a speed above `chatterSpeed`.
    private var signChanges: [Int]
    private var lastSign: [Int8]
    /// Ticks checked.
    private(set) var ticks = 0
    /// Below this joint speed (rad/s or m/s) a sign is noise, not motion, and is not counted as chatter.
    static let chatterSpeed = 1e-3

    /// Sizes the monitor for `model`'s joints under `limits`; `floatingBase` turns the base checks on.
    init(model: RobotModel, limits: TerminationSpec, floatingBase: Bool) {
        let joints = model.movableJoints
        jointNames = joints.map(\.name)
        let margin = limits.jointLimitMargin
        lower = joints.map { j in
            guard j.type != .continuous, let l = j.limit, l.lower <= l.upper else { return -.infinity }
            return l.lower - margin
        }
        upper = joints.map { j in
            guard j.type != .continuous, let l = j.limit, l.lower <= l.upper else { return .infinity }
            return l.upper + margin
        }
        limitLower = joints.map { $0.limit?.lower ?? -.infinity }
        limitUpper = joints.map { $0.limit?.upper ?? .infinity }
        self.limits = limits
        checkBase = floatingBase
        signChanges = [Int](repeating: 0, count: joints.count)
        lastSign = [Int8](repeating: 0, count: joints.count)
    }

    /// Remembers where the base starts (call once, at load, after the first sense).
    func start(state: RobotState) {
        startHeight = state.basePose.position.z
    }

    /// The offending value of the first violation (0 before any).
    var firstValue: Double { first?.value ?? 0 }

    /// Whether the run has diverged.
    var hasDiverged: Bool { first != nil }

    /// Replaces non-finite torques by 0 (counting them; the first one ends the run at `tick`), so the physics
    /// engine never sees them; allocates nothing.
    func screen(torques: inout [Double], tick: Int) {
        for i in 0..<torques.count where !torques[i].isFinite {
            nonFiniteTorques += 1
            if first == nil { first = (tick, .torque(i), torques[i], .nonFinite) }
            torques[i] = 0
        }
    }

    /// Checks the state after the step to `tick`; returns true once the run has diverged. Allocates nothing.
    func check(state: RobotState, tick: Int) -> Bool {
        ticks += 1
        let q = state.q, qd = state.qd
        let maxSpeed = limits.maxJointVelocity
        for i in 0..<q.count {
            let p = q[i], v = qd[i]
            if first == nil {
                if !p.isFinite { first = (tick, .q(i), p, .nonFinite) }
                else if !v.isFinite { first = (tick, .qd(i), v, .nonFinite) }
                else if p < lower[i] || p > upper[i] { first = (tick, .q(i), p, .outsideLimits) }
                else if abs(v) > maxSpeed { first = (tick, .qd(i), v, .tooFast) }
            }
            let sign: Int8 = v > Self.chatterSpeed ? 1 : (v < -Self.chatterSpeed ? -1 : 0)
            if sign != 0 {
                if lastSign[i] != 0 && sign != lastSign[i] { signChanges[i] += 1 }
                lastSign[i] = sign
            }
        }
        if checkBase && first == nil { checkBaseState(state, tick: tick) }
        return first != nil
    }

    private func checkBaseState(_ state: RobotState, tick: Int) {
        let p = state.basePose.position, r = state.basePose.rotation
        let v = state.baseLinearVelocity, w = state.baseAngularVelocity
        let position = (p.x, p.y, p.z), orientation = (r.x, r.y, r.z, r.w)
        let linear = (v.x, v.y, v.z), angular = (w.x, w.y, w.z)
        if let i = firstNonFinite(position.0, position.1, position.2) {
            first = (tick, .basePosition(i), [position.0, position.1, position.2][i], .nonFinite); return
        }
        if let i = firstNonFinite(orientation.0, orientation.1, orientation.2, orientation.3) {
            first = (tick, .baseOrientation(i), [orientation.0, orientation.1, orientation.2, orientation.3][i], .nonFinite)
            return
        }
        if let i = firstNonFinite(linear.0, linear.1, linear.2) {
            first = (tick, .baseLinear(i), [linear.0, linear.1, linear.2][i], .nonFinite); return
        }
        if let i = firstNonFinite(angular.0, angular.1, angular.2) {
            first = (tick, .baseAngular(i), [angular.0, angular.1, angular.2][i], .nonFinite); return
        }
        let speed = length(v), angularSpeed = length(w)
        if speed > limits.maxBaseSpeed { first = (tick, .baseSpeed, speed, .tooFast); return }
        if angularSpeed > limits.maxBaseAngularSpeed { first = (tick, .baseAngularSpeed, angularSpeed, .tooFast); return }
        if p.z - startHeight > limits.maxBaseRise { first = (tick, .baseRise, p.z - startHeight, .tooHigh) }
    }

    /// The index of the first non-finite argument, if any (the array literals above run only on that path).
    @inline(__always) private func firstNonFinite(_ a: Double, _ b: Double, _ c: Double, _ d: Double = 0) -> Int? {
        if !a.isFinite { return 0 }
        if !b.isFinite { return 1 }
        if !c.isFinite { return 2 }
        if !d.isFinite { return 3 }
        return nil
    }

    // MARK: - Reporting (after the run; may allocate)

    /// The first violation, named for people, or nil.
    var report: DivergenceReport? {
        guard let first else { return nil }
        let axes = ["x", "y", "z", "w"]
        let channel: String
        var unit = "rad or m"
        switch first.channel {
        case .q(let i): channel = "q.\(jointNames[i])"
        case .qd(let i): channel = "qd.\(jointNames[i])"; unit = "rad/s or m/s"
        case .torque(let i): channel = "torque.\(jointNames[i])"; unit = "N·m or N"
        case .basePosition(let i): channel = "base.position.\(axes[i])"; unit = "m"
        case .baseOrientation(let i): channel = "base.orientation.\(axes[i])"; unit = ""
        case .baseLinear(let i): channel = "base.linear_velocity.\(axes[i])"; unit = "m/s"
        case .baseAngular(let i): channel = "base.angular_velocity.\(axes[i])"; unit = "rad/s"
        case .baseSpeed: channel = "base.speed"; unit = "m/s"
        case .baseAngularSpeed: channel = "base.angular_speed"; unit = "rad/s"
        case .baseRise: channel = "base.rise"; unit = "m"
        }
        let reason: String
        switch (first.reason, first.channel) {
        case (.nonFinite, _): reason = "not a finite number"
        case (.outsideLimits, .q(let i)):
            reason = "outside the joint's limits [\(limitLower[i]), \(limitUpper[i])] by more than termination.joint_limit_margin = \(limits.jointLimitMargin) \(unit)"
        case (.tooFast, .qd): reason = "faster than termination.max_joint_velocity = \(limits.maxJointVelocity) \(unit)"
        case (.tooFast, .baseSpeed): reason = "faster than termination.max_base_speed = \(limits.maxBaseSpeed) m/s"
        case (.tooFast, _): reason = "faster than termination.max_base_angular_speed = \(limits.maxBaseAngularSpeed) rad/s"
        case (.tooHigh, _): reason = "the base rose more than termination.max_base_rise = \(limits.maxBaseRise) m above its start"
        case (.outsideLimits, _): reason = "out of bounds"
        }
        return DivergenceReport(tick: first.tick, channel: channel, value: first.value, reason: reason)
    }

    /// The fraction of checked ticks on which each joint's velocity changed sign, by joint index.
    var chatterFractions: [Double] {
        signChanges.map { ticks > 0 ? Double($0) / Double(ticks) : 0 }
    }

    /// The joint names, in q order.
    var joints: [String] { jointNames }

    /// Why a run that passed looks unhealthy: torque saturation above `saturationWarning` of ticks on any joint,
    /// or velocity chatter (sign changes on more than `chatterWarning` of ticks) on any joint.
    func healthWarnings(saturation: [Double], outcome: RunOutcome) -> [String] {
        guard outcome == .success || outcome == .criteriaFailed else { return [] }
        var warnings: [String] = []
        for (i, f) in saturation.enumerated() where f > Self.saturationWarning && i < jointNames.count {
            warnings.append("torque saturation: \(jointNames[i]) was at its effort limit on \(percent(f)) of ticks (more than \(percent(Self.saturationWarning)))")
        }
        for (i, f) in chatterFractions.enumerated() where f > Self.chatterWarning {
            warnings.append("velocity chatter: \(jointNames[i]) reversed its velocity on \(percent(f)) of ticks (more than \(percent(Self.chatterWarning)))")
        }
        if nonFiniteTorques > 0 {
            warnings.append("\(nonFiniteTorques) commanded torques were not finite and were replaced by 0")
        }
        return warnings
    }

    /// Torque saturation above this fraction of ticks on any joint is a warning.
    static let saturationWarning = 0.2
    /// Velocity sign changes on more than this fraction of ticks on any joint is a warning.
    static let chatterWarning = 0.5

    private func percent(_ f: Double) -> String { "\(Int((f * 100).rounded()))%" }
}

extension RunOutcome {
    /// The outcome of a run that reached its end: diverged, else fell, else whether every criterion held.
    static func decide(diverged: Bool, fell: Bool, criteria: [CriterionResult]) -> RunOutcome {
        if diverged { return .diverged }
        if fell { return .fell }
        return criteria.allSatisfy(\.passed) ? .success : .criteriaFailed
    }

    /// The code of the `run_end` log event: the outcome's index in `allCases`.
    var logCode: Int32 { Int32(RunOutcome.allCases.firstIndex(of: self) ?? 0) }
}

// MARK: - Metrics accumulated over a run (definitions in docs/metrics.md)

import EmbodyControl
import EmbodyModel

/// Running sums for the run's metrics; updated once per physics tick without allocating.
final class MetricsAccumulator {
    let timing: LoopTiming
    let effortLimits: [Double]
    let floatingBase: Bool
    private(set) var ticks = 0
    private var errorSquares = 0.0
    private var errorMax = 0.0
    private var effort = 0.0
    private var work = 0.0
    private var saturatedTicks: [Int]
    private var baseHeightMin = Double.infinity
    private var baseHeightFinal = Double.nan

    init(dof: Int, timing: LoopTiming, effortLimits: [Double], floatingBase: Bool) {
        self.timing = timing
        self.floatingBase = floatingBase
        self.effortLimits = effortLimits
        saturatedTicks = Array(repeating: 0, count: dof)
    }

    /// Adds one physics tick: tracking error against the held reference, effort, work and saturation.
    func accumulate(state: RobotState, reference: Reference, commanded: [Double], applied: [Double], baseHeight: Double) {
        ticks += 1
        let dt = timing.dt
        var power = 0.0
        for i in 0..<state.q.count {
            let e = reference.q[i] - state.q[i]
            errorSquares += e * e
            errorMax = max(errorMax, abs(e))
            effort += applied[i] * applied[i] * dt
            power += applied[i] * state.qd[i]
            if abs(commanded[i]) > effortLimits[i] { saturatedTicks[i] += 1 }
        }
        work += abs(power) * dt
        baseHeightMin = min(baseHeightMin, baseHeight)
        baseHeightFinal = baseHeight
    }

    /// The fraction of ticks each joint's command exceeded its effort limit.
    var saturationFractions: [Double] {
        saturatedTicks.map { ticks > 0 ? Double($0) / Double(ticks) : 0 }
    }

    /// The metric values by name.
    func values(finalState: RobotState, reference: Reference) -> [String: Double] {
        let n = finalState.q.count
        var finalMax = 0.0, finalSquares = 0.0
        for i in 0..<n {
            let e = reference.q[i] - finalState.q[i]
            finalMax = max(finalMax, abs(e))
            finalSquares += e * e
        }
        let samples = Double(max(1, ticks * n))
        let saturated = saturatedTicks.reduce(0, +)
        var values = [
            "final_joint_error_max": finalMax,
            "final_joint_error_rms": n > 0 ? (finalSquares / Double(n)).squareRoot() : 0,
            "tracking_error_rms": (errorSquares / samples).squareRoot(),
            "tracking_error_max": errorMax,
            "control_effort": effort,
            "mechanical_work": work,
            "torque_saturation_fraction": Double(saturated) / samples,
        ]
        if floatingBase {  // a fixed base's height says nothing about the run
            values["base_height_min"] = ticks > 0 ? baseHeightMin : finalState.basePose.position.z
            values["base_height_final"] = ticks > 0 ? baseHeightFinal : finalState.basePose.position.z
        }
        return values
    }
}

// MARK: - End-effector targets

/// Tracks an ee_targets task: when each target is first reached and the error at the end of its hold.
final class EndEffectorTracker {
    let plan: EndEffectorPlan
    let timing: LoopTiming
    private var reachedTick: [Int]  // −1 until reached (an Array of optionals would allocate lazily in debug builds)
    private var endPosition: [Double]
    private var endOrientation: [Double]
    private(set) var finalPosition = Double.nan
    private(set) var finalOrientation = Double.nan

    init(plan: EndEffectorPlan, timing: LoopTiming) {
        self.plan = plan
        self.timing = timing
        reachedTick = Array(repeating: -1, count: plan.targets.count)
        endPosition = Array(repeating: .nan, count: plan.targets.count)
        endOrientation = Array(repeating: .nan, count: plan.targets.count)
    }

    /// Adds the end-effector pose after the step that ended at `tick`.
    func accumulate(tick: Int, pose: Transform) {
        let i = plan.index(atTick: tick - 1)
        let target = plan.targets[i]
        let position = length(pose.position - target.pose.position)
        let orientation = target.hasOrientation ? pose.rotation.angle(to: target.pose.rotation) : 0
        if reachedTick[i] < 0 && position < plan.positionTolerance && orientation < plan.orientationTolerance {
            reachedTick[i] = tick - target.startTick
        }
        if tick <= target.endTick || i == plan.targets.count - 1 {
            endPosition[i] = position
            endOrientation[i] = orientation
        }
        finalPosition = position
        finalOrientation = orientation
    }

    /// The end-effector metrics: final errors, the worst error at the end of a hold, the slowest reach.
    func values() -> [String: Double] {
        let reached = reachedTick.filter { $0 >= 0 }
        return [
            "ee_position_error": finalPosition,
            "ee_orientation_error": finalOrientation,
            "ee_position_error_max": endPosition.max() ?? .nan,
            "ee_orientation_error_max": endOrientation.max() ?? .nan,
            "ee_reach_time_max": reached.count == reachedTick.count ? timing.seconds(atTick: reached.max() ?? 0) : .infinity,
            "ee_targets_reached": Double(reached.count),
        ]
    }
}

// MARK: - Step responses

/// Keeps the joint trajectory of a hold task whose target differs from the start, for step metrics.
final class StepRecorder {
    let initial: [Double]
    let target: [Double]
    let stepped: [Int]
    let timing: LoopTiming
    private var history: [Double]
    private var samples = 0

    /// Returns nil when no joint steps (the task holds the initial posture).
    init?(initial: [Double], target: [Double], timing: LoopTiming) {
        let stepped = initial.indices.filter { abs(target[$0] - initial[$0]) > 1e-9 }
        guard !stepped.isEmpty else { return nil }
        self.initial = initial
        self.target = target
        self.stepped = stepped
        self.timing = timing
        history = Array(repeating: 0, count: (timing.durationTicks + 1) * stepped.count)
    }

    /// Appends the stepped joints' positions after a tick; silently stops when the buffer is full.
    func accumulate(q: [Double]) {
        guard (samples + 1) * stepped.count <= history.count else { return }
        for (k, i) in stepped.enumerated() { history[samples * stepped.count + k] = q[i] }
        samples += 1
    }

    /// Rise time, overshoot (%), settling time (2% band) and steady-state error, each the worst over stepped joints.
    func values() -> [String: Double] {
        guard samples > 1 else { return [:] }
        let times = (0..<samples).map { timing.seconds(atTick: $0 + 1) }
        var rise = 0.0, overshoot = 0.0, settling = 0.0, steady = 0.0
        for (k, i) in stepped.enumerated() {
            let values = (0..<samples).map { history[$0 * stepped.count + k] }
            let m = ResponseMetrics.stepResponse(times: [0] + times, values: [initial[i]] + values,
                                                 initial: initial[i], target: target[i])
            rise = max(rise, m.riseTime ?? .infinity)
            overshoot = max(overshoot, m.overshootPercent)
            settling = max(settling, m.settlingTime ?? .infinity)
            steady = max(steady, m.steadyStateError)
        }
        return ["rise_time": rise, "overshoot": overshoot, "settling_time": settling, "steady_state_error": steady]
    }
}

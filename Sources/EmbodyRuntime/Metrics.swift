// MARK: - Metrics accumulated over a run (definitions in docs/metrics.md)

import EmbodyControl

/// Running sums for the run's metrics; updated once per physics tick without allocating.
final class MetricsAccumulator {
    let dt: Double
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

    init(dof: Int, dt: Double, effortLimits: [Double], floatingBase: Bool) {
        self.dt = dt
        self.floatingBase = floatingBase
        self.effortLimits = effortLimits
        saturatedTicks = Array(repeating: 0, count: dof)
    }

    /// Adds one physics tick: tracking error against the held reference, effort, work and saturation.
    func accumulate(state: RobotState, reference: Reference, commanded: [Double], applied: [Double], baseHeight: Double) {
        ticks += 1
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

// MARK: - Planning tasks: a collision-free joint trajectory, planned when the scenario loads

import EmbodyControl
import EmbodyModel
#if canImport(Glibc)
import Glibc
#endif
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario

extension RobotCollisionChecker: CollisionChecker {}

/// The joint limits planned motions are timed under: the URDF velocities (2 rad/s or m/s when unlimited) and
/// twice those numbers per second as accelerations.
func defaultJointLimits(_ robot: Robot) -> JointLimits {
    let velocity = robot.velocityLimits.map { $0.isFinite && $0 > 0 ? $0 : 2 }
    return JointLimits(velocity: velocity, acceleration: velocity.map { 2 * $0 })
}

// MARK: - Planning at the planning rate

/// How often the planner ran at planning ticks and how long it took; the times are wall clock, reported only,
/// never part of the simulated state.
struct ReplanStatistics {
    /// Planning ticks at which the planner ran.
    var runs = 0
    /// Runs that changed the reference trajectory.
    var updates = 0
    /// Wall-clock time of all runs, ns.
    var totalNanoseconds: UInt64 = 0
    /// Wall-clock time of the slowest run, ns.
    var maxNanoseconds: UInt64 = 0
    /// Wall-clock planning time at load, s.
    var loadSeconds = 0.0

    /// Adds one run that started at `start` (monotonic ns).
    mutating func record(since start: UInt64, updated: Bool) {
        let elapsed = monotonicNanoseconds() &- start
        runs += 1
        if updated { updates += 1 }
        totalNanoseconds &+= elapsed
        maxNanoseconds = max(maxNanoseconds, elapsed)
    }

    /// The summary metrics: replans (count), replan_updates (count), replan_time_total and replan_time_max (s).
    var metrics: [String: Double] {
        ["replans": Double(runs), "replan_updates": Double(updates),
         "replan_time_total": Double(totalNanoseconds) / 1e9, "replan_time_max": Double(maxNanoseconds) / 1e9]
    }
}

/// A planner that runs in the planning phase of the tick and moves the joint reference the controller tracks;
/// everything it uses is allocated at load, so `update` allocates nothing.
protocol OnlinePlanner: AnyObject {
    /// The joint reference, sampled at every control tick.
    var trajectory: RetargetableTrajectory { get }
    /// Runs and times so far.
    var statistics: ReplanStatistics { get }
    /// Does the planning due at `tick` (called before control, every tick).
    func update(tick: Int, estimate: RobotState)
}

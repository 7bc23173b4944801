// MARK: - Tasks: what the planner hands the controller
//
// Each task kind builds its references in its own file in this folder (TaskFactory.swift has the one
// exhaustive switch over `TaskKind`); TaskPlan samples them by tick without allocating.

import EmbodyControl
import EmbodyModel
import EmbodyPlanning
import EmbodyScenario

#if canImport(Glibc)
import Glibc
#endif

/// A scenario task turned into references indexed by tick, built at load; sampling allocates nothing.
final class TaskPlan {
    enum Kind {
        /// Postures that switch at ticks (hold, joint_waypoints).
        case postures([(tick: Int, q: [Double])])
        /// A clamped cubic spline per joint through timed points (joint_trajectory).
        case spline(CubicSplines)
        /// q* = q₀ + A(1 − cos 2πft) per joint (joint_sine).
        case sine(center: [Double], amplitude: [Double], omega: Double)
        /// End-effector poses held in turn, with the initial posture for the null space (ee_targets).
        case endEffector(EndEffectorPlan)
        /// A timed trajectory planned at load (move_to, reach_object).
        case planned(any JointTrajectory)
        /// A joint trajectory a planner moves during the run (ee_targets with solver ik: its targets as well;
        /// reach_object with replan).
        case online(any OnlinePlanner, EndEffectorPlan?)
        /// A biped's walking reference source, run at control ticks (walk, stand); joint targets through IK.
        case walking(WalkingDriver)
    }

    let kind: Kind
    let timing: LoopTiming
    let initialQ: [Double]

    init(kind: Kind, timing: LoopTiming, initialQ: [Double]) {
        self.kind = kind
        self.timing = timing
        self.initialQ = initialQ
    }

    /// The end-effector plan, for ee_targets tasks.
    var endEffector: EndEffectorPlan? {
        switch kind {
        case .endEffector(let plan): return plan
        case .online(_, let plan): return plan
        default: return nil
        }
    }

    /// The planner that runs at planning ticks, if the task has one.
    var online: (any OnlinePlanner)? {
        if case .online(let planner, _) = kind { return planner }
        return nil
    }

    /// The biped driver of a walk or stand task.
    var walking: WalkingDriver? {
        if case .walking(let driver) = kind { return driver }
        return nil
    }

    /// For a hold task, the posture it steps to (used for step-response metrics).
    var holdTarget: [Double]? {
        if case .postures(let list) = kind, list.count == 1 { return list[0].q }
        return nil
    }

    /// Writes the reference for `tick` into `reference`.
    func reference(atTick tick: Int, into reference: inout Reference) {
        switch kind {
        case .postures(let segments):
            var current = 0
            while current + 1 < segments.count && segments[current + 1].tick <= tick { current += 1 }
            let q = segments[current].q
            for i in 0..<q.count {
                reference.q[i] = q[i]; reference.qd[i] = 0; reference.qdd[i] = 0
            }
        case .spline(let splines):
            splines.sample(at: timing.seconds(atTick: tick), q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
        case .sine(let center, let amplitude, let omega):
            let t = timing.seconds(atTick: tick)
            let c = cos(omega * t), s = sin(omega * t)
            for i in 0..<center.count {
                reference.q[i] = center[i] + amplitude[i] * (1 - c)
                reference.qd[i] = amplitude[i] * omega * s
                reference.qdd[i] = amplitude[i] * omega * omega * c
            }
        case .planned(let trajectory):
            trajectory.sample(at: timing.seconds(atTick: tick), q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
        case .online(let planner, let plan):
            planner.trajectory.sample(at: timing.seconds(atTick: tick), q: &reference.q, qd: &reference.qd, qdd: &reference.qdd)
            if let plan { reference.eeTarget = plan.targets[plan.index(atTick: tick)].pose }
        case .walking(let driver):
            driver.writeJointReference(into: &reference)
        case .endEffector(let plan):
            for i in 0..<initialQ.count {
                reference.q[i] = initialQ[i]; reference.qd[i] = 0; reference.qdd[i] = 0
            }
            reference.eeTarget = plan.targets[plan.index(atTick: tick)].pose
        }
    }
}

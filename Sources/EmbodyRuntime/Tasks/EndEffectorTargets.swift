// MARK: - ee_targets: end-effector poses held in turn, by OSC or by IK and a joint trajectory

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyPlanning
import EmbodyScenario
#if canImport(Glibc)
import Glibc
#endif

extension EndEffectorTargetsTask {
    /// With solver osc, the targets go to the controller; with solver ik, each is solved at load and a joint
    /// trajectory goes there (and with `replan`, IK runs again at every planning tick).
    func makeTask(_ c: TaskContext) throws(RuntimeError) -> TaskSetup {
        guard let link = c.robot.linkNames.firstIndex(of: self.link) else {
            throw RuntimeError("\(c.location): task.link names no link of the robot")
        }
        let plan = EndEffectorPlan(spec: self, link: link, timing: c.timing)
        switch solver {
        case .osc:
            return TaskSetup(reference: .endEffector(plan))
        case .ik:
            let ik = try EndEffectorIKPlanner(spec: self, at: c.location, plan: plan, scenario: c.scenario, robot: c.robot,
                                              initialQ: c.initialQ, timing: c.timing)
            return TaskSetup(reference: .online(ik, ik.plan))
        }
    }
}

/// The poses of an ee_targets task and the ticks at which each starts.
struct EndEffectorPlan {
    struct Target {
        var pose: Transform
        var hasOrientation: Bool
        var startTick: Int
        var endTick: Int
    }

    let link: Int
    let targets: [Target]
    let positionTolerance: Double
    let orientationTolerance: Double

    init(spec: EndEffectorTargetsTask, link: Int, timing: LoopTiming) {
        self.link = link
        positionTolerance = spec.positionTolerance
        orientationTolerance = spec.orientationTolerance
        var start = 0.0
        var list: [Target] = []
        for t in spec.targets {
            let p = t.position, r = t.rpy ?? [0, 0, 0]
            let pose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(r[0], r[1], r[2]))
            list.append(Target(pose: pose, hasOrientation: t.rpy != nil, startTick: timing.tick(atSeconds: start),
                               endTick: timing.tick(atSeconds: start + t.hold)))
            start += t.hold
        }
        targets = list
    }

    /// The index of the target active at `tick` (the last one stays active after its hold ends).
    func index(atTick tick: Int) -> Int {
        var i = 0
        while i + 1 < targets.count && targets[i + 1].startTick <= tick { i += 1 }
        return i
    }
}

/// ee_targets with solver ik: every target solved by IK at load (warm-started from the previous target's
/// solution, the initial posture in the null space), a quintic joint motion to each at its start tick, and
/// with task.replan an IK re-solve at every planning tick from the current goal.
final class EndEffectorIKPlanner: OnlinePlanner {
    let trajectory: RetargetableTrajectory
    private(set) var statistics = ReplanStatistics()
    let plan: EndEffectorPlan
    /// The joint goal of each target, solved at load.
    let goals: [[Double]]
    private let poseSolver: IKSolver, positionSolver: IKSolver
    private let replanEvery: Int
    private let timing: LoopTiming
    private var active = 0
    private var solution: [Double]

    init(spec: EndEffectorTargetsTask, at location: SourceLocation, plan: EndEffectorPlan, scenario: Scenario, robot: Robot,
         initialQ: [Double], timing: LoopTiming) throws(RuntimeError) {
        let start = monotonicNanoseconds()
        self.plan = plan
        self.timing = timing
        replanEvery = spec.replan ? scenario.planningEvery : 0
        solution = initialQ
        let lower = robot.positionLimits.map(\.lowerBound), upper = robot.positionLimits.map(\.upperBound)
        do {
            let dynamics = try robot.makeDynamics()
            // Only the joints that move the link: a joint off its chain has a zero Jacobian column everywhere.
            var jacobian = [Double](repeating: 0, count: 6 * dynamics.nv)
            dynamics.jacobian(link: plan.link, point: .zero, q: initialQ, basePose: robot.basePose, into: &jacobian)
            let first = dynamics.floatingBase ? 6 : 0
            let active = (0..<robot.dof).map { j in (0..<6).contains { jacobian[$0 * dynamics.nv + first + j] != 0 } }
            var options = IKOptions()
            options.posture = initialQ
            options.activeJoints = active
            options.seed = RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.plannerIK)
            poseSolver = try IKSolver(dynamics: dynamics, link: plan.link, lower: lower, upper: upper,
                                      basePose: robot.basePose, options: options)
            options.orientationWeight = 0
            positionSolver = try IKSolver(dynamics: dynamics, link: plan.link, lower: lower, upper: upper,
                                          basePose: robot.basePose, options: options)
            trajectory = try RetargetableTrajectory(initial: initialQ, limits: defaultJointLimits(robot))
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("\(location): cannot set up inverse kinematics: \(error)", invalidInput: false)
        }
        var list: [[Double]] = []
        var seed = initialQ
        for (k, target) in plan.targets.enumerated() {
            let solver = target.hasOrientation ? poseSolver : positionSolver
            let result = solver.solve(target: target.pose, seed: seed, into: &solution)
            guard result.converged else {
                let source = spec.targets[k]
                let pose = "position \(source.position)" + (source.rpy.map { " rpy \($0)" } ?? "")
                throw RuntimeError("\(source.location): task.targets[\(k)] (\(pose)) cannot be reached: inverse kinematics "
                                   + "got no closer than \(threeDecimals(result.positionError * 1000)) mm and "
                                   + "\(threeDecimals(result.orientationError * 180 / .pi))° within the joint limits "
                                   + "(from the previous target's solution and \(poseSolver.options.restarts) random restarts)")
            }
            list.append(solution)
            seed = solution
        }
        goals = list
        solution = [Double](repeating: 0, count: initialQ.count)   // its own buffer (goals share the last one)
        trajectory.retarget(to: goals[0], at: 0)
        statistics.loadSeconds = Double(monotonicNanoseconds() - start) / 1e9
    }

    func update(tick: Int, estimate: RobotState) {
        let t = timing.seconds(atTick: tick)
        let index = plan.index(atTick: tick)
        if index != active {
            active = index
            trajectory.retarget(to: goals[index], at: t)
        }
        guard replanEvery > 0, tick > 0, tick % replanEvery == 0 else { return }
        let start = monotonicNanoseconds()
        let target = plan.targets[index]
        let solver = target.hasOrientation ? poseSolver : positionSolver
        // Warm-started from the current goal: while that still reaches the target IK stops at once with the
        // same configuration, and the reference is left as it is.
        let result = solver.solve(target: target.pose, seed: trajectory.goal, into: &solution)
        let updated = result.converged && trajectory.retarget(to: solution, at: t)
        statistics.record(since: start, updated: updated)
    }
}

/// A number with at most three decimals.
private func threeDecimals(_ value: Double) -> String {
    value.isFinite ? String((value * 1000).rounded() / 1000) : "\(value)"
}

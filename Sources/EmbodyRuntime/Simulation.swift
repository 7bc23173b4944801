// MARK: - One scenario, wired into a fixed-timestep multi-rate loop
//
// Everything a run needs is built and sized here, when the scenario loads. `tick()` then advances one
// physics step in the documented order and allocates nothing:
//
//   sense → estimate → plan (when due) → control (when due) → apply disturbances → step → record
//
// Time is the integer tick counter; seconds are always tick × dt, computed, never accumulated. Every
// rate is an integer divisor of the physics rate, and every task is due at tick 0.

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// A problem that stops a run: invalid input (exit 1) or an internal failure (exit 3).
public struct RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Whether the user's input was at fault (exit 1) rather than Embody (exit 3).
    public var isInvalidInput: Bool
    /// The message, written for people.
    public var message: String

    /// Creates an error.
    public init(_ message: String, invalidInput: Bool = true) {
        self.message = message
        self.isInvalidInput = invalidInput
    }

    public var description: String { message }
}

/// Options for a run that are not part of the scenario.
public struct RunOptions: Sendable {
    /// Write a binary log here, if set.
    public var recordPath: String? = nil
    /// Record every Nth physics tick (1 = every tick).
    public var recordEvery: Int = 1
    /// Stop after this many physics ticks instead of the scenario's duration.
    public var maxTicks: Int? = nil

    /// Creates default options: no recording, the scenario's full duration.
    public init() {}
}

/// The fixed timing of a run, built once at load from the scenario: the one source of the physics step for
/// every part of the loop (as MuJoCo's mjModel holds `opt.timestep`). Time is the integer tick; seconds are
/// tick × dt, computed, never accumulated.
public struct LoopTiming: Equatable, Sendable {
    /// The physics step in s.
    public let dt: Double
    /// Internal substeps per physics step.
    public let substeps: Int
    /// How often each task runs, in physics ticks.
    public let periods: TaskPeriods
    /// The number of ticks the run lasts.
    public let durationTicks: Int

    /// The time in s at `tick`: tick × dt.
    @inline(__always) public func seconds(atTick tick: Int) -> Double { Double(tick) * dt }

    /// The tick nearest to `seconds` s (rounded half away from zero).
    public func tick(atSeconds seconds: Double) -> Int { tickNearest(seconds, dt: dt) }  // saturating: never traps
}

/// How often each task runs, as physics ticks per run.
public struct TaskPeriods: Equatable, Sendable {
    /// Physics ticks between control updates.
    public var control: Int
    /// Physics ticks between perception (sense and estimate) updates.
    public var perception: Int
    /// Physics ticks between planning updates.
    public var planning: Int
}

/// A loaded scenario: world, robot, controller, task and buffers, ready to tick.
public final class Simulation {
    /// The scenario as loaded.
    public let scenario: Scenario
    /// The robot model.
    public let model: RobotModel
    /// The physics world (true state).
    public let world: World
    /// The robot in the world.
    public let robot: Robot
    /// The rigid objects, in scenario order.
    public let objects: [RigidBody]
    /// The fixed timing: physics step, substeps, task periods, run length.
    public let timing: LoopTiming
    /// The physics step in s (`timing.dt`).
    public var dt: Double { timing.dt }
    /// Physics substeps per tick (`timing.substeps`).
    public var substeps: Int { timing.substeps }
    /// Task periods in ticks (`timing.periods`).
    public var periods: TaskPeriods { timing.periods }
    /// The number of ticks the run lasts (`timing.durationTicks`).
    public var durationTicks: Int { timing.durationTicks }
    /// The controller in use.
    public let controller: Controller
    /// Per-joint torque limits in N·m or N.
    public let effortLimits: [Double]

    /// The current tick: the number of physics steps taken.
    @exclusivity(unchecked) public private(set) var tick: Int = 0
    /// Whether the termination condition fired (the run is a fall).
    @exclusivity(unchecked) public private(set) var fell = false
    /// The tick at which the run fell, if it did.
    @exclusivity(unchecked) public private(set) var fellAtTick: Int? = nil

    // Preallocated state and buffers.
    // The per-tick buffers are touched only from `step()` and the methods it calls (and from `init` and
    // `finish`, never during a tick), so Swift's dynamic exclusivity checks on them guard nothing;
    // unchecked, they cost no `swift_beginAccess` per access (docs/performance.md).
    @exclusivity(unchecked) var trueState: RobotState
    @exclusivity(unchecked) var estimate: RobotState
    @exclusivity(unchecked) var reference: Reference
    @exclusivity(unchecked) var metricReference: Reference
    /// A reference q*, q̇* written by the host program (C ABI), used instead of the task's at control ticks while
    /// `hostReferenceActive` (HostAccess.swift); the metrics keep comparing against the task's reference.
    @exclusivity(unchecked) var hostReference: Reference
    @exclusivity(unchecked) var hostReferenceActive = false
    @exclusivity(unchecked) var commanded: [Double]
    @exclusivity(unchecked) var applied: [Double]
    @exclusivity(unchecked) var basePose = [Double](repeating: 0, count: 7)
    @exclusivity(unchecked) var baseTwist = [Double](repeating: 0, count: 6)
    @exclusivity(unchecked) var objectPose = [Double](repeating: 0, count: 7)
    @exclusivity(unchecked) var objectTwist = [Double](repeating: 0, count: 6)
    /// Per-phase wall time, accumulated while `timePhases` is on (for `embody bench`).
    @exclusivity(unchecked) public private(set) var phaseTimes = PhaseTimes()
    /// Measure each phase of every tick with the monotonic clock (costs about 8 clock reads per tick).
    public var timePhases = false
    let task: TaskPlan
    /// The dynamics terms, built when the controller needs them.
    public let dynamics: RigidBodyDynamics?
    let eeTracker: EndEffectorTracker?
    /// The planned motion of a move_to or reach_object task.
    let motion: PlannedMotion?
    /// What the camera saw and where the arm aims, for reach_object.
    let reach: ReachPlan?
    /// Ticks during which the robot touched one of the world's objects (planning tasks).
    @exclusivity(unchecked) private(set) var collisionTicks = 0
    @exclusivity(unchecked) var contactBuffer: [Contact] = Array(repeating: Contact(), count: 256)
    /// The contacts in `contactBuffer` after the last step, for a biped task (walk, stand).
    @exclusivity(unchecked) var walkingContactCount = 0
    /// The reference source of a biped task, run at control ticks; its metrics accumulate every tick.
    let walking: WalkingDriver?
    let stepRecorder: StepRecorder?
    @exclusivity(unchecked) var linkPoses: [Double]
    let disturbances: [ScheduledDisturbance]
    let metrics: MetricsAccumulator
    let recorder: Recorder?
    /// Declared sensors and the estimators fed by them.
    let sensors: SensorSuite
    /// The reference, frame and contact channels recorded last (PlotChannels.swift).
    let plotChannels: PlotChannels
    /// Ends the run when the state blows up (non-finite, far outside limits, too fast).
    let monitor: DivergenceMonitor

    /// Builds the world and everything the loop needs from a validated scenario; `makeController`, when given,
    /// replaces the scenario's controller with one built from the robot's dynamics terms (always built then).
    /// `walkingSource`, when given, wraps the walking reference source a biped task (`walk`, `stand`) builds at
    /// load before anything reads it (the controller, the IK fallback, the walking metrics): a caller can replace
    /// part of the reference, as exercise 9 replaces the CoM with a student's. It runs once, at load; an error it
    /// throws ends the load.
    public init(scenario: Scenario, model: RobotModel, options: RunOptions = RunOptions(),
                controller makeController: ((RigidBodyDynamics?) -> Controller)? = nil,
                walkingSource: WalkingSourceWrapper? = nil) throws(RuntimeError) {
        self.scenario = scenario
        self.model = model
        let physics = scenario.physics
        let rate = physics.physicsRate
        guard rate > 0, scenario.rates.control > 0, scenario.rates.perception > 0, scenario.rates.planning > 0,
              rate % scenario.rates.control == 0, rate % scenario.rates.perception == 0,
              rate % scenario.rates.planning == 0 else {
            throw RuntimeError("\(scenario.sourcePath): every rate must divide the physics rate \(rate) Hz")
        }
        timing = LoopTiming(dt: physics.dt, substeps: physics.substeps,
                            periods: TaskPeriods(control: scenario.controlEvery, perception: scenario.perceptionEvery,
                                                 planning: scenario.planningEvery),
                            durationTicks: options.maxTicks ?? scenario.physicsSteps)

        var settings = WorldSettings()
        settings.gravity = Vector3(physics.gravity[0], physics.gravity[1], physics.gravity[2])
        settings.solverIterations = physics.solverIterations
        settings.integrator = Integrator(rawValue: physics.integrator) ?? .semiImplicitEuler
        settings.solverResidual = physics.solverResidual
        settings.frictionModel = FrictionModel(rawValue: physics.frictionModel) ?? .cone
        settings.warmStart = physics.warmStart
        settings.solver = ConstraintSolver(rawValue: physics.solver) ?? .bullet
        settings.ground = scenario.world.ground
        settings.groundFriction = scenario.world.groundFriction
        do {
            world = try World(settings: settings)
            var robotOptions = RobotOptions()
            robotOptions.fixedBase = scenario.robot.base.fixed
            let p = scenario.robot.base.position, r = scenario.robot.base.rpy
            robotOptions.basePose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(r[0], r[1], r[2]))
            robotOptions.selfCollision = scenario.robot.selfCollision
            robot = try world.addRobot(model, options: robotOptions)
            var bodies: [RigidBody] = []
            for o in scenario.world.objects {
                // A random placement draws from the object's own stream of the scenario seed.
                var random = RandomStream(seed: RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.object(o.name)))
                let dx = o.randomXY[0] > 0 ? random.uniform(-o.randomXY[0], o.randomXY[0]) : 0
                let dy = o.randomXY[1] > 0 ? random.uniform(-o.randomXY[1], o.randomXY[1]) : 0
                var d = BodyDescription(shape: o.shape.shape, mass: o.mass,
                                        pose: Transform(xyz: Vector3(o.position[0] + dx, o.position[1] + dy, o.position[2]),
                                                        rpy: Vector3(o.rpy[0], o.rpy[1], o.rpy[2])))
                d.friction = o.friction
                d.restitution = o.restitution
                bodies.append(try world.addBody(d))
            }
            objects = bodies
        } catch {
            throw RuntimeError("\(scenario.sourcePath): \(error.message)")
        }
        world.reserveContacts(256)

        let n = robot.dof
        // The scenario loader has checked every name against the model.
        let initialQ = scenario.robot.initialPositions(jointNames: model.jointNames)
        robot.setQ(initialQ)

        effortLimits = robot.effortLimits
        if makeController != nil || scenario.controller.kind.needsDynamics {
            do { dynamics = try robot.makeDynamics() } catch {
                throw RuntimeError("\(scenario.sourcePath): cannot build the dynamics terms: \(error.message)", invalidInput: false)
            }
        } else {
            dynamics = nil
        }
        if let makeController {
            controller = makeController(dynamics)
        } else {
            controller = try ControllerFactory.make(scenario.controller, model: model, groups: scenario.robot.groups,
                                                    robot: robot, effortLimits: effortLimits, dynamics: dynamics)
        }
        let setup = try TaskFactory.make(TaskContext(scenario: scenario, location: scenario.task.location, model: model,
                                                     world: world, robot: robot, objects: objects, dynamics: dynamics,
                                                     initialQ: initialQ, timing: timing,
                                                     wrapWalkingSource: walkingSource))
        motion = setup.motion
        reach = setup.reach
        // A controller that follows a walking reference (whole_body) takes the task's source, if it has one.
        (controller as? WalkingReferenceConsumer)?.connect(source: setup.walkingSource, world: world, robot: robot)
        task = TaskPlan(kind: setup.reference, timing: timing, initialQ: initialQ)
        walking = task.walking
        let timing = self.timing
        eeTracker = task.endEffector.map { EndEffectorTracker(plan: $0, timing: timing) }
        stepRecorder = task.holdTarget.flatMap {
            StepRecorder(initial: initialQ, target: $0, timing: timing)
        }
        linkPoses = [Double](repeating: 0, count: 7 * robot.linkCount)
        plotChannels = PlotChannels(robot: robot)
        let linkNames = robot.linkNames
        var scheduled: [ScheduledDisturbance] = []
        for d in scenario.disturbances {
            guard let link = linkNames.firstIndex(of: d.link) else {
                throw RuntimeError("\(d.location): the robot has no link '\(d.link)'")
            }
            scheduled.append(ScheduledDisturbance(start: timing.tick(atSeconds: d.at),
                                                  end: timing.tick(atSeconds: d.at + d.duration),
                                                  link: link, force: Vector3(d.force[0], d.force[1], d.force[2])))
        }
        disturbances = scheduled

        trueState = RobotState(dof: n)
        estimate = RobotState(dof: n)
        reference = Reference(dof: n)
        metricReference = Reference(dof: n)
        hostReference = Reference(dof: n)
        commanded = [Double](repeating: 0, count: n)
        applied = [Double](repeating: 0, count: n)
        let suite = try SensorSuite(scenario: scenario, robot: robot, world: world, timing: timing,
                                    disturbances: scheduled, biped: walking?.biped)
        sensors = suite
        metrics = MetricsAccumulator(dof: n, timing: timing, effortLimits: effortLimits, floatingBase: !robot.fixedBase)
        if let path = options.recordPath {
            // An external controller's torques exist only in the log: replay needs the commanded τ of every control
            // tick, which a record at each multiple of `every` holds when `every` divides the control period.
            if case .external = scenario.controller.kind, options.recordEvery >= 1, timing.periods.control % options.recordEvery != 0 {
                throw RuntimeError("\(scenario.controller.location): controller type external: a log must hold the torques of every control tick (every \(timing.periods.control) physics ticks) to be replayed; record every N ticks with N dividing \(timing.periods.control) (such as 1), not every \(options.recordEvery)")
            }
            let channels = recordChannels(jointNames: model.jointNames, objectNames: scenario.world.objects.map(\.name),
                                          estimated: suite.estimates, sensors: suite.channelNames) + plotChannels.names
            recorder = try Recorder(path: path, scenario: scenario, model: model, channels: channels,
                                    every: options.recordEvery)
        } else {
            recorder = nil
        }
        monitor = DivergenceMonitor(model: model, limits: scenario.termination, floatingBase: !robot.fixedBase)
        controller.reset()
        task.reference(atTick: 0, into: &metricReference)
        for i in 0..<n { reference.q[i] = metricReference.q[i]; reference.qd[i] = metricReference.qd[i] }  // tick 0's record
        sense()
        if walking != nil { walkingContactCount = min(world.contacts(into: &contactBuffer), contactBuffer.count) }
        monitor.start(state: trueState)
        sensors.start(truth: trueState, robot: robot)
        sensors.update(tick: 0, robot: robot, truth: trueState, estimate: &estimate)
        try recordIfDue()
    }

    /// The simulated time in s: tick × dt.
    public var time: Double { Double(tick) * dt }

    /// Whether the run has reached its duration or terminated.
    public var isFinished: Bool { tick >= durationTicks || fell || monitor.hasDiverged }

    /// Where the run blew up, once it has.
    public var divergence: DivergenceReport? { monitor.report }

    // MARK: The tick

    /// Advances one physics tick in the documented order; allocates nothing.
    public func step() throws(RuntimeError) {
        // The tick's body takes the states and references as inout parameters. Passing a class's stored
        // struct to a method by value makes Swift copy it (retaining its arrays) to guard it against the
        // callee: five copies per tick, a quarter of the loop's own instructions on the arm
        // (docs/performance.md); an inout parameter is borrowed in place.
        advance(truth: &trueState, estimate: &estimate, reference: &reference, metricReference: &metricReference)
        var clock = timePhases ? monotonicNanoseconds() : 0
        try recordIfDue()
        mark(.recording, &clock)
    }

    /// The tick up to recording, on the buffers `step()` lends it: sense and estimate (done at the end of
    /// the previous tick), plan, control, disturbances, the physics step, sensing, estimation and metrics.
    private func advance(truth trueState: inout RobotState, estimate: inout RobotState, reference: inout Reference,
                         metricReference: inout Reference) {
        let k = tick
        var clock = timePhases ? monotonicNanoseconds() : 0
        // sense → estimate: with no sensors declared the estimate is the true state at every tick, so
        // simple scenarios stay exact; the perception rate paces sensors, once a scenario declares them.
        // (Sensing and estimation for this tick ran at the end of the previous one, right after its step.)
        mark(.sensing, &clock)
        mark(.estimation, &clock)
        // plan: an online planner (ee_targets with IK, replanning tasks) switches targets and replans at the
        // planning rate into preallocated buffers; the task's reference is sampled with control.
        if let planner = task.online {
            let changes = planner.trajectory.retargetCount
            planner.update(tick: k, estimate: estimate)
            let now = planner.trajectory.retargetCount
            if now != changes { recorder?.event(.replan, code: Int32(truncatingIfNeeded: now)) }
        }
        mark(.planning, &clock)
        // control: τ from the estimate, held until the next control tick, clamped to the limits.
        if k % periods.control == 0 {
            if let walking {
                estimate.time = Double(k) * dt
                walking.control(state: estimate, contacts: contactBuffer, contactCount: walkingContactCount, robotID: robot.id)
            }
            task.reference(atTick: k, into: &reference)
            if hostReferenceActive {
                for i in 0..<reference.q.count { reference.q[i] = hostReference.q[i]; reference.qd[i] = hostReference.qd[i] }
            }
            estimate.time = Double(k) * dt
            controller.computeTorques(state: estimate, reference: reference, dt: Double(periods.control) * dt,
                                      tau: &commanded)
            monitor.screen(torques: &commanded, tick: k)  // NaN never reaches the physics; the first ends the run
            commanded.withUnsafeBufferPointer { robot.setTorques($0) }
            robot.getAppliedTorques(&applied)
        }
        mark(.control, &clock)
        // apply disturbances.
        for i in 0..<disturbances.count {
            let d = disturbances[i]
            if k == d.start { robot.applyForce(d.force, link: d.link); recorder?.event(.disturbanceStart, code: 0) }
            if k == d.end { robot.applyForce(.zero, link: d.link); recorder?.event(.disturbanceEnd, code: 0) }
        }
        // step.
        world.step(dt: dt, substeps: substeps)
        tick = k + 1
        mark(.physics, &clock)
        sense(into: &trueState)
        // The divergence check: a blown-up state ends the run here, before sensors, estimators or metrics see it.
        if monitor.check(state: trueState, tick: tick) { recorder?.event(.diverged, code: 0, value: monitor.firstValue); return }
        mark(.sensing, &clock)
        sensors.update(tick: tick, robot: robot, truth: trueState, estimate: &estimate)
        mark(.estimation, &clock)
        // Errors compare the state after the step with the reference at that same time, tick k + 1.
        task.reference(atTick: tick, into: &metricReference)
        metrics.accumulate(state: trueState, reference: metricReference, commanded: commanded, applied: applied,
                           baseHeight: trueState.basePose.position.z)
        stepRecorder?.accumulate(q: trueState.q)
        if motion != nil { countObjectContacts() }
        if let walking {
            walkingContactCount = min(world.contacts(into: &contactBuffer), contactBuffer.count)
            robot.getLinkPoses(&linkPoses)
            walking.metrics.accumulate(t: Double(tick) * dt, dt: dt, state: trueState, linkPoses: linkPoses,
                                       contacts: contactBuffer, contactCount: walkingContactCount, robotID: robot.id,
                                       applied: applied, reference: walking.reference)
        }
        if let eeTracker {
            robot.getLinkPoses(&linkPoses)
            eeTracker.accumulate(tick: tick, pose: Transform(linkPoses, from: 7 * eeTracker.plan.link))
        }
        if let limit = scenario.termination.baseHeightBelow, trueState.basePose.position.z < limit, !fell {
            fell = true
            fellAtTick = tick
            recorder?.event(.fall, code: 0)
        }
        mark(.metrics, &clock)
    }

    /// Adds the time since `clock` to one phase's total and restarts `clock`, when timing is on.
    @inline(__always) func mark(_ phase: Phase, _ clock: inout UInt64) {
        guard timePhases else { return }
        let now = monotonicNanoseconds()
        phaseTimes.add(phase, now &- clock)
        clock = now
    }

    /// Counts this tick as a collision when the robot touches any object (the ground does not count).
    func countObjectContacts() {
        let count = min(world.contacts(into: &contactBuffer), contactBuffer.count)
        let id = robot.id
        for i in 0..<count {
            let c = contactBuffer[i]
            let other = c.objectA == id ? c.objectB : (c.objectB == id ? c.objectA : -1)
            if other >= 0 && other != id && other != (world.groundID ?? -1) && c.distance < 0 {
                collisionTicks += 1
                return
            }
        }
    }

    /// Reads the true state from the world into the preallocated buffers.
    func sense() { sense(into: &trueState) }

    /// Reads the true state from the world into `trueState`, whose arrays were allocated at load.
    func sense(into trueState: inout RobotState) {
        robot.getQ(&trueState.q)
        robot.getQd(&trueState.qd)
        trueState.time = time
        // A fixed base never moves: read it once, at load.
        if robot.fixedBase && tick > 0 { return }
        robot.getBasePose(&basePose)
        robot.getBaseTwist(&baseTwist)
        trueState.basePose = Transform(basePose, from: 0)
        trueState.baseLinearVelocity = Vector3(baseTwist[0], baseTwist[1], baseTwist[2])
        trueState.baseAngularVelocity = Vector3(baseTwist[3], baseTwist[4], baseTwist[5])
    }

    /// The names of the values `recordValues` writes, in order.
    public var channelNames: [String] {
        recordChannels(jointNames: model.jointNames, objectNames: scenario.world.objects.map(\.name),
                       estimated: sensors.estimates, sensors: sensors.channelNames) + plotChannels.names
    }

    /// Writes the recorded values of the current tick (see `channelNames`) into `out`; allocates nothing.
    public func recordValues(into out: inout [Double]) {
        let n = robot.dof
        var k = 0
        for i in 0..<n { out[k] = trueState.q[i]; k += 1 }
        for i in 0..<n { out[k] = trueState.qd[i]; k += 1 }
        for i in 0..<n { out[k] = commanded[i]; k += 1 }
        for i in 0..<n { out[k] = applied[i]; k += 1 }
        for i in 0..<7 { out[k] = basePose[i]; k += 1 }
        for i in 0..<6 { out[k] = baseTwist[i]; k += 1 }
        for b in 0..<objects.count {  // an index loop: for-in allocates an iterator in unoptimized builds
            let body = objects[b]
            body.getPose(&objectPose)
            body.getTwist(&objectTwist)
            for i in 0..<7 { out[k] = objectPose[i]; k += 1 }
            for i in 0..<6 { out[k] = objectTwist[i]; k += 1 }
        }
        if sensors.estimates {
            for i in 0..<n { out[k] = estimate.q[i]; k += 1 }
            for i in 0..<n { out[k] = estimate.qd[i]; k += 1 }
            let r = estimate.basePose.rotation
            out[k] = r.x; out[k + 1] = r.y; out[k + 2] = r.z; out[k + 3] = r.w
            k += 4
        }
        sensors.recordValues(into: &out, from: k)
        robot.getLinkPoses(&linkPoses)
        let contactCount = world.contacts(into: &contactBuffer)
        plotChannels.write(into: &out, from: out.count - plotChannels.names.count, reference: reference,
                           linkPoses: linkPoses, contacts: contactBuffer, contactCount: contactCount, robotID: robot.id)
    }

    func recordIfDue() throws(RuntimeError) {
        // The final tick is always recorded, by finish(), together with the criteria events.
        guard let recorder, tick % recorder.every == 0, !isFinished else { return }
        try recorder.record(self)
    }

    /// The metric values so far, as the summary reports them (the final values once the run has finished).
    public func metricValues() -> [String: Double] {
        var values = metrics.values(finalState: trueState, reference: metricReference)
        for (k, v) in eeTracker?.values() ?? [:] { values[k] = v }
        for (k, v) in stepRecorder?.values() ?? [:] { values[k] = v }
        for (k, v) in sensors.values(truth: trueState, estimate: estimate) { values[k] = v }
        for (k, v) in walking?.metrics.values() ?? [:] { values[k] = v }
        for (k, v) in (controller as? ControllerMetricsReporting)?.metricValues ?? [:] { values[k] = v }
        if let reach {
            robot.getLinkPoses(&linkPoses)
            let ee = Transform(linkPoses, from: 7 * reach.link).position
            let center = objects[reach.objectIndex].pose.position   // where the object is at the end
            values["reach_error"] = length(ee - reach.target(objectCenter: center))
            values["object_position_error"] = length((reach.replanner?.estimatedCenter ?? reach.estimatedCenter) - center)
        }
        if let motion {
            values["planning_time"] = motion.planningTime
            values["path_length"] = motion.pathLength
            values["planner_iterations"] = Double(motion.iterations)
            values["collisions"] = Double(collisionTicks)
        }
        if let planner = task.online {
            if motion == nil { values["planning_time"] = planner.statistics.loadSeconds }
            for (k, v) in planner.statistics.metrics { values[k] = v }
        }
        return values
    }

    /// Finishes the run: flushes the log, evaluates success criteria, and returns the summary.
    public func finish(wallTime: Double) throws(RuntimeError) -> RunSummary {
        let values = metricValues()
        var criteria: [CriterionResult] = []
        let divergence = monitor.report
        for c in scenario.success where divergence == nil {  // a blown-up run's criteria are not evaluated
            let v = values[c.metric] ?? .nan
            let ok = c.isMet(by: v)
            criteria.append(CriterionResult(metric: c.metric, value: v, below: c.below, above: c.above, passed: ok))
            recorder?.event(ok ? .criterionPassed : .criterionFailed, code: Int32(criteria.count - 1), value: v)
        }
        let outcome = RunOutcome.decide(diverged: divergence != nil, fell: fell, criteria: criteria)
        recorder?.event(.runEnd, code: outcome.logCode)
        try recorder?.finish(self)
        var finalQ: [String: Double] = [:]
        for (name, v) in zip(model.jointNames, trueState.q) { finalQ[name] = v }
        let simTime = time
        var summary = RunSummary(scenario: scenario.name, seed: scenario.seed, steps: tick, simTime: simTime,
                                 wallTime: wallTime, success: outcome == .success, fell: fell,
                                 fellAt: fellAtTick.map { Double($0) * dt },
                                 metrics: values, criteria: criteria, finalQ: finalQ,
                                 saturation: Dictionary(uniqueKeysWithValues: zip(model.jointNames, metrics.saturationFractions)),
                                 stateHash: hex(world.stateHash()))
        summary.outcome = outcome
        summary.diverged = divergence
        summary.nonFiniteTorques = monitor.nonFiniteTorques
        summary.warnings = monitor.healthWarnings(saturation: metrics.saturationFractions, outcome: outcome)
        return summary
    }
}

/// The phases of a tick, in order.
public enum Phase: Sendable {
    case sensing, estimation, planning, control, physics, metrics, recording
}

/// Accumulated wall time per phase of the tick, in ns.
public struct PhaseTimes: Equatable, Sendable {
    /// Reading the world's state into buffers.
    public var sensing: UInt64 = 0
    /// Turning readings into the estimated state.
    public var estimation: UInt64 = 0
    /// Computing references.
    public var planning: UInt64 = 0
    /// The controller, clamping and handing torques to the world.
    public var control: UInt64 = 0
    /// Disturbances and the physics step.
    public var physics: UInt64 = 0
    /// Metrics and termination checks.
    public var metrics: UInt64 = 0
    /// Writing the log.
    public var recording: UInt64 = 0

    /// Creates zero totals.
    public init() {}

    /// The sum of all phases in ns.
    public var total: UInt64 { sensing + estimation + planning + control + physics + metrics + recording }

    /// Adds `ns` to one phase.
    public mutating func add(_ phase: Phase, _ ns: UInt64) {
        switch phase {
        case .sensing: sensing &+= ns
        case .estimation: estimation &+= ns
        case .planning: planning &+= ns
        case .control: control &+= ns
        case .physics: physics &+= ns
        case .metrics: metrics &+= ns
        case .recording: recording &+= ns
        }
    }

    /// Each phase's name and total, in tick order.
    public var phases: [(name: String, nanoseconds: UInt64)] {
        [("sensing", sensing), ("estimation", estimation), ("planning", planning), ("control", control),
         ("physics", physics), ("metrics", metrics), ("recording", recording)]
    }
}

/// A disturbance resolved to ticks and a link index.
struct ScheduledDisturbance {
    var start: Int
    var end: Int
    var link: Int
    var force: Vector3
}

/// A 16-digit lowercase hexadecimal rendering of a hash.
func hex(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 16 - s.count)) + s
}

extension ShapeSpec {
    /// The physics shape for this scenario shape.
    var shape: Shape {
        switch self {
        case .box(let s): .box(size: Vector3(s[0], s[1], s[2]))
        case .sphere(let r): .sphere(radius: r)
        case .cylinder(let r, let l): .cylinder(radius: r, length: l)
        case .capsule(let r, let l): .capsule(radius: r, length: l)
        }
    }
}

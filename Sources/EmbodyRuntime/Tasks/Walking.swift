// MARK: - Biped tasks in the loop: a WalkingReferenceSource, its measurement, and joint targets from it
//
// `walk` and `stand` (Walk.swift, Stand.swift) each build a `WalkingReferenceSource` at load. At every control
// tick the driver fills a `WalkingMeasurement` (the controller's view of the state, plus each foot's normal
// force summed over its contacts after the last step), asks the source for the tick's `WalkingReference`, and —
// for a joint-space controller — turns it into joint targets by the closed-form leg IK
// (`WalkingInverseKinematics`, the IK + joint-PD fallback). `whole_body` reads the reference itself.
// Nothing here allocates per tick.

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario

/// The feet of a biped task resolved against the robot: indices, soles and the mass distribution.
struct BipedModel {
    /// The foot links in the model's numbering (left, right).
    let footModelLinks: [Int]
    /// The foot links in the dynamics' (and `Robot.linkNames`') numbering.
    let footLinks: [Int]
    /// The soles, in the dynamics' link numbering.
    let soles: [SoleGeometry]
    let mass: MassDistribution
    let dynamics: RigidBodyDynamics
    /// The feet at load, from the initial configuration.
    let initialFeet: [Foothold]
    /// The CoM at load, m.
    let initialCoM: Vector3

    /// A biped from its parts (tests build one around a robot of their own).
    init(footModelLinks: [Int], footLinks: [Int], soles: [SoleGeometry], mass: MassDistribution,
         dynamics: RigidBodyDynamics, initialFeet: [Foothold], initialCoM: Vector3) {
        self.footModelLinks = footModelLinks
        self.footLinks = footLinks
        self.soles = soles
        self.mass = mass
        self.dynamics = dynamics
        self.initialFeet = initialFeet
        self.initialCoM = initialCoM
    }

    /// Resolves `feet` (left, right) on the context's robot; errors name `location`.
    init(_ c: TaskContext, feet: [String], location: SourceLocation) throws(RuntimeError) {
        guard !c.robot.fixedBase else {
            throw RuntimeError("\(location): task type \(c.scenario.task.kind.name.rawValue) needs a floating-base robot (robot.base.fixed is true)")
        }
        var modelLinks: [Int] = [], links: [Int] = []
        for name in feet {
            guard let m = c.model.linkIndex(named: name), let d = c.robot.modelLinkIndex.firstIndex(of: m) else {
                throw RuntimeError("\(location): task.feet: the robot '\(c.model.name)' has no link '\(name)'")
            }
            modelLinks.append(m); links.append(d)
        }
        let dynamics: RigidBodyDynamics
        if let existing = c.dynamics { dynamics = existing } else {
            do { dynamics = try c.robot.makeDynamics() } catch {
                throw RuntimeError("\(location): cannot build the dynamics terms: \(error.message)", invalidInput: false)
            }
        }
        var basePose = [Double](repeating: 0, count: 7)
        c.robot.getBasePose(&basePose)
        let base = Transform(basePose, from: 0)
        var soles: [SoleGeometry] = [], footholds: [Foothold] = []
        for k in 0..<2 {
            let pose = dynamics.linkPose(link: links[k], q: c.initialQ, basePose: base)
            let down = pose.rotation.inverseRotate(Vector3(0, 0, -1))
            let sole: SoleGeometry
            do { sole = try SoleGeometry(footLink: c.model.links[modelLinks[k]], link: links[k], down: down) } catch {
                throw RuntimeError("\(location): task.feet: \(error.message)")
            }
            soles.append(sole)
            let frame = sole.worldFrame(linkPose: pose)
            let x = frame.rotation.rotate(Vector3(1, 0, 0))
            footholds.append(Foothold(position: frame.position, yaw: atan2(x.y, x.x)))
        }
        footModelLinks = modelLinks
        footLinks = links
        self.soles = soles
        self.dynamics = dynamics
        mass = MassDistribution(model: c.model, linkOrder: c.robot.modelLinkIndex)
        initialFeet = footholds
        initialCoM = mass.position(dynamics: dynamics, q: c.initialQ, basePose: base)
    }

    /// Solves the preview controller's Riccati equation with the shim's DARE.
    static func riccati(_ a: [Double], _ b: [Double], _ q: [Double], _ r: [Double], _ n: Int, _ m: Int) throws -> [Double] {
        try Riccati.discrete(a: a, b: b, q: q, r: r, n: n, m: m).p
    }
}

/// Runs a biped task's reference source in the loop and hands the controller its targets.
final class WalkingDriver {
    let source: WalkingReferenceSource
    let biped: BipedModel
    /// The closed-form IK for joint-space controllers; nil when the controller tracks the reference itself.
    let kinematics: WalkingInverseKinematics?
    /// The measurement handed to the source, refreshed at each control tick.
    private(set) var measurement: WalkingMeasurement
    /// The reference of the last control tick (joint-space controllers: written here).
    private var ownReference: WalkingReference
    /// For a controller that follows the reference itself (`whole_body`): the source it is handed, which keeps
    /// what it wrote.
    let controllerSource: RecordingWalkingSource?
    /// The reference of the last control tick, whoever asked for it.
    var reference: WalkingReference { controllerSource?.last ?? ownReference }
    /// Joint targets (rad or m) and their velocities (by difference between control ticks).
    private(set) var jointTargets: [Double]
    private(set) var jointVelocities: [Double]
    private let controlPeriod: Double
    private var hasTargets = false
    /// Walking metrics (foot slip, CoP margin, CoM tracking, distance).
    let metrics: WalkingMetrics

    init(source: WalkingReferenceSource, biped: BipedModel, jointSpace: Bool, model: RobotModel, initialQ: [Double],
         controlPeriod: Double, path: WalkingPath?, location: SourceLocation) throws(RuntimeError) {
        self.source = source
        self.biped = biped
        let n = initialQ.count
        if jointSpace {
            do {
                kinematics = try WalkingInverseKinematics(model: model, feet: biped.footModelLinks, soles: biped.soles,
                                                          dynamics: biped.dynamics, mass: biped.mass)
            } catch {
                throw RuntimeError("\(location): \(error.description)")
            }
        } else {
            kinematics = nil
        }
        measurement = WalkingMeasurement(dof: n)
        ownReference = WalkingReference(dof: n)
        controllerSource = jointSpace ? nil : RecordingWalkingSource(source, dof: n)
        jointTargets = initialQ
        jointVelocities = Array(repeating: 0, count: n)
        self.controlPeriod = controlPeriod
        metrics = WalkingMetrics(biped: biped, path: path)
        reset()
    }

    /// Back to the start of the run.
    func reset() {
        source.reset()
        kinematics?.reset()
        hasTargets = false
        for k in 0..<2 {
            ownReference.feet[k] = FootReference(standingAt: biped.initialFeet[k].pose)
        }
        ownReference.comPosition = biped.initialCoM
    }

    /// One control tick: the measurement from `state` and the foot forces in `contacts`, the source's reference,
    /// and (for a joint-space controller) the joint targets.
    func control(state: RobotState, contacts: [Contact], contactCount: Int, robotID: Int32) {
        guard let kinematics else { return }   // the controller updates the source itself
        copy(state, into: &measurement.state)
        for k in 0..<2 {
            measurement.footNormalForce[k] = WalkingDriver.normalForce(link: biped.footLinks[k], contacts: contacts,
                                                                        count: contactCount, robotID: robotID)
        }
        source.update(measurement, reference: &ownReference)
        for i in 0..<jointTargets.count { jointVelocities[i] = jointTargets[i] }   // the previous targets
        kinematics.solve(ownReference, into: &jointTargets)
        for i in 0..<jointTargets.count {
            jointVelocities[i] = hasTargets ? (jointTargets[i] - jointVelocities[i]) / controlPeriod : 0
        }
        hasTargets = true
    }

    /// The joint targets of the last control tick (q*, q̇*, q̈* = 0).
    func writeJointReference(into r: inout Reference) {
        for i in 0..<jointTargets.count { r.q[i] = jointTargets[i]; r.qd[i] = jointVelocities[i]; r.qdd[i] = 0 }
    }

    /// The normal force on the robot link `link` (in `Robot.linkNames` numbering), summed over `contacts`, N.
    static func normalForce(link: Int, contacts: [Contact], count: Int, robotID: Int32) -> Double {
        let simLink = Int32(link - 1)   // contacts number links from −1 for the base
        var sum = 0.0
        for i in 0..<count {
            let c = contacts[i]
            if (c.objectA == robotID && c.linkA == simLink) || (c.objectB == robotID && c.linkB == simLink) {
                sum += c.normalForce
            }
        }
        return sum
    }

    private func copy(_ s: RobotState, into m: inout RobotState) {
        m.time = s.time
        for i in 0..<s.q.count { m.q[i] = s.q[i]; m.qd[i] = s.qd[i] }
        m.basePose = s.basePose
        m.baseLinearVelocity = s.baseLinearVelocity
        m.baseAngularVelocity = s.baseAngularVelocity
    }
}

/// The task's source as a controller that follows walking references itself (`whole_body`) sees it: each update
/// is forwarded, and the reference it wrote is kept for the walking metrics. Allocates nothing per update.
final class RecordingWalkingSource: WalkingReferenceSource {
    let inner: WalkingReferenceSource
    /// The reference of the last update.
    private(set) var last: WalkingReference

    init(_ inner: WalkingReferenceSource, dof: Int) {
        self.inner = inner
        last = WalkingReference(dof: dof)
    }

    func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        inner.update(measurement, reference: &reference)
        last.comPosition = reference.comPosition
        last.comVelocity = reference.comVelocity
        last.comAcceleration = reference.comAcceleration
        last.zmp = reference.zmp
        last.torsoOrientation = reference.torsoOrientation
        for k in 0..<min(last.feet.count, reference.feet.count) { last.feet[k] = reference.feet[k] }
        for i in 0..<min(last.posture.count, reference.posture.count) { last.posture[i] = reference.posture[i] }
    }

    func reset() { inner.reset() }
}

/// The commanded path of a walk, for `walk_distance`: the direction of travel at a time. A walk follows velocity
/// commands (in the robot's heading frame) or legs to waypoints (straight lines in the world).
struct WalkingPath {
    /// The velocity commands, in time order (empty for a walk to waypoints).
    let commands: [WalkingVelocityCommand]
    /// The walks to waypoints, in time order (empty for a walk on velocity commands).
    let legs: [WalkingLeg]

    init(commands: [WalkingVelocityCommand]) { self.commands = commands; legs = [] }
    init(legs: [WalkingLeg]) { commands = []; self.legs = legs }

    /// The direction of travel at `t` (advancing `cursor`), world frame, x y: for a velocity command its (vx, vy) turned
    /// by `headingYaw` (rad), m/s; on a leg the unit vector from its start to its waypoint (zero for a turn in place);
    /// nil while the walk asks the robot to stand (before the first command, a zero command, between legs).
    func travel(at t: Double, headingYaw: Double, cursor: inout Int) -> SIMD2<Double>? {
        if legs.isEmpty {
            while cursor + 1 < commands.count && commands[cursor + 1].at <= t { cursor += 1 }
            guard cursor < commands.count, commands[cursor].at <= t, !commands[cursor].isStop else { return nil }
            let c = commands[cursor], cy = cos(headingYaw), sy = sin(headingYaw)
            return SIMD2(cy * c.vx - sy * c.vy, sy * c.vx + cy * c.vy)
        }
        while cursor < legs.count && legs[cursor].end <= t { cursor += 1 }
        guard cursor < legs.count, legs[cursor].start <= t else { return nil }
        let d = legs[cursor].to - legs[cursor].from
        let length = (d * d).sum().squareRoot()
        return length > 1e-9 ? d / length : .zero
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ControllerKind {
    /// Whether the controller tracks a `WalkingReference` itself (`whole_body`) rather than joint targets.
    var followsWalkingReference: Bool {
        if case .wholeBody = self { return true }
        return false
    }
}

extension BipedModel {
    /// The walking state machine of a biped task (`walk`, `stand`) over `timeline`, at the scenario's control period
    /// and gravity, with the CoM `comHeight` m above the soles and swings `clearance` m high; errors name `kind`.
    func patternGenerator(_ c: TaskContext, timeline: WalkingTimeline, comHeight: Double, clearance: Double,
                          kind: String) throws(RuntimeError) -> WalkingPatternGenerator {
        var settings = WalkingStateMachineSettings()
        settings.controlPeriod = Double(c.timing.periods.control) * c.timing.dt
        settings.comHeight = comHeight
        settings.clearance = clearance
        settings.gravity = -c.scenario.physics.gravity[2]
        do {
            return try WalkingPatternGenerator(settings: settings, timeline: timeline, posture: c.initialQ,
                                               initialCoM: initialCoM, riccati: BipedModel.riccati)
        } catch {
            throw RuntimeError("\(c.location): task type \(kind): \(error.description)")
        }
    }

    /// The task set-up of a biped task whose references come from `source`: joint targets by IK for a joint-space
    /// controller, or the source handed to a controller that follows walking references (`whole_body`).
    func taskSetup(_ c: TaskContext, source built: WalkingReferenceSource, path: WalkingPath?) throws(RuntimeError) -> TaskSetup {
        let source = try c.wrapWalkingSource?(built) ?? built
        let driver = try WalkingDriver(source: source, biped: self, jointSpace: !c.scenario.controller.kind.followsWalkingReference,
                                       model: c.model, initialQ: c.initialQ,
                                       controlPeriod: Double(c.timing.periods.control) * c.timing.dt, path: path,
                                       location: c.location)
        return TaskSetup(reference: .walking(driver), walkingSource: driver.controllerSource)
    }
}

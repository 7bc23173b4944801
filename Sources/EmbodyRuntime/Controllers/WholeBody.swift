// MARK: - whole_body
//
// The whole-body controller follows a `WalkingReferenceSource`. A task provides one by setting
// `TaskSetup.walkingSource` when it is built (the `walk` and `stand` tasks do); Simulation then hands it to the
// controller through `WalkingReferenceConsumer.connect`, together with the world's contacts for the measured
// foot normal forces. With no source from the task (such as `hold`), the controller stands
// (`StandingReferenceSource`: feet where they are at load, the centre of mass over their midpoint).

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario

/// A controller that follows a walking reference; the runtime connects it once the task is built.
protocol WalkingReferenceConsumer: AnyObject {
    /// Takes the task's walking source (nil: keep the controller's own) and the world and robot whose contacts
    /// give the measured foot forces.
    func connect(source: (any WalkingReferenceSource)?, world: World, robot: Robot)
}

extension WholeBodyControllerParameters {
    /// `whole_body`: task-space inverse dynamics by quadratic programming (docs/locomotion.md), standing on
    /// `StandingReferenceSource` until a task's walking source is connected.
    func makeController(_ context: ControllerContext) throws(RuntimeError) -> Controller {
        let location = context.spec.location
        let robot = context.robot, model = robot.model, modelLinkIndex = robot.modelLinkIndex
        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        robot.getLinkPoses(&poses)
        let dynamics = try context.dynamics()
        guard dynamics.floatingBase else {
            throw RuntimeError("\(location): controller type whole_body needs a floating-base robot (robot.base.fixed: false)")
        }
        func link(_ name: String, _ key: String, _ at: SourceLocation?) throws(RuntimeError) -> Int {
            guard let index = context.linkNames.firstIndex(of: name) else {
                throw RuntimeError("\(at ?? location): controller.parameters.\(key): the robot has no link '\(name)'")
            }
            return index
        }
        let left = try link(leftFoot, "left_foot", leftFootLocation)
        let right = try link(rightFoot, "right_foot", rightFootLocation)
        let torso = try link(torsoLink, "torso_link", torsoLinkLocation)
        guard left != right else {
            throw RuntimeError("\(rightFootLocation ?? location): controller.parameters.right_foot names the same link as left_foot ('\(rightFoot)')")
        }
        var soles: [SoleGeometry] = []
        for (index, key, at) in [(left, "left_foot", leftFootLocation), (right, "right_foot", rightFootLocation)] {
            // The face of the foot's box that points down in the world at load.
            let down = Transform(poses, from: 7 * index).rotation.inverseRotate(Vector3(0, 0, -1))
            do {
                soles.append(try SoleGeometry(footLink: model.links[modelLinkIndex[index]], link: index, down: down))
            } catch {
                throw RuntimeError("\(at ?? location): controller.parameters.\(key): \(error.message)")
            }
        }
        var p = WholeBodyParameters()
        p.comKp = comKp; p.comKd = comKd; p.comWeight = comWeight
        p.torsoKp = torsoKp; p.torsoKd = torsoKd; p.torsoWeight = torsoWeight
        p.pelvisKp = pelvisKp; p.pelvisKd = pelvisKd; p.pelvisWeight = pelvisWeight
        p.swingKp = swingKp; p.swingKd = swingKd; p.swingWeight = swingWeight
        p.postureKp = postureKp; p.postureKd = postureKd; p.postureWeight = postureWeight
        p.contactKd = contactKd
        p.accelerationRegularization = accelerationRegularization
        p.forceRegularization = forceRegularization
        p.friction = friction
        p.minimumNormalForce = minNormalForce
        if let problem = p.invalidity { throw RuntimeError("\(location): controller type whole_body: \(problem)") }
        let mass = MassDistribution(model: model, linkOrder: modelLinkIndex)
        guard mass.masses.allSatisfy({ $0.isFinite && $0 >= 0 }), mass.totalMass > 0 else {
            throw RuntimeError("\(location): controller type whole_body needs the robot's link masses (they sum to \(mass.totalMass) kg)")
        }
        let standing = StandingReferenceSource(dynamics: dynamics, mass: mass, soles: soles, torsoLink: torso)
        // The base's orientation in the torso link's frame at load: the pelvis task keeps that offset.
        let pelvisInTorso = Transform(poses, from: 7 * torso).rotation.conjugate * Transform(poses, from: 0).rotation
        return WholeBodyController(dynamics: dynamics, mass: mass, soles: soles, torsoLink: torso,
                                   pelvisInTorso: pelvisInTorso, torqueLimits: context.torqueLimits, parameters: p, source: standing)
    }
}

/// A controller with summary metrics of its own (those its kind declares in `KindDescription.metrics`).
protocol ControllerMetricsReporting: AnyObject {
    /// The metric values at the end of a run, by name.
    var metricValues: [String: Double] { get }
}

extension WholeBodyController: WalkingReferenceConsumer, ControllerMetricsReporting {
    func connect(source: (any WalkingReferenceSource)?, world: World, robot: Robot) {
        if let source { self.source = source }
        footForces = ContactFootForces(world: world, robot: robot, feet: (soles[0].link, soles[1].link))
    }

    /// The summary metrics of `whole_body`: ticks that fell back, and the most active-set changes of one solve.
    var metricValues: [String: Double] {
        ["wbc_qp_failures": Double(failureCount), "wbc_qp_iterations_max": Double(maxIterations)]
    }
}

/// The measured normal force on each foot: the sum of the normal forces of the contacts that touch the foot
/// link, from the last physics step. Allocates nothing while the world has at most 256 contacts.
final class ContactFootForces: FootForceSensing {
    private let world: World
    private let robotID: Int32
    private let left: Int, right: Int
    private var buffer = [Contact](repeating: Contact(), count: 256)

    init(world: World, robot: Robot, feet: (Int, Int)) {
        self.world = world
        robotID = robot.id
        (left, right) = feet
    }

    func measureFootNormalForces(into forces: inout [Double]) {
        forces[0] = 0
        forces[1] = 0
        let count = min(world.contacts(into: &buffer), buffer.count)
        for i in 0..<count {
            let c = buffer[i]
            // Contact links are the simulator's link index − 1 (−1 for the base), as PlotChannels reads them.
            var link = -1
            if c.objectA == robotID { link = Int(c.linkA) + 1 } else if c.objectB == robotID { link = Int(c.linkB) + 1 }
            if link == left { forces[0] += c.normalForce } else if link == right { forces[1] += c.normalForce }
        }
    }
}

// MARK: - force_torque: a wrench across a joint, and the Newton–Euler balance that gives its truth

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// A force/torque sensor at a joint, its noise-free twin and the Newton–Euler balance that gives the truth.
final class ForceTorqueProbe {
    let name: String
    let sensor: ForceTorqueSensor
    /// The same timing without noise or bias: it delivers the true wrench of each delivered sample.
    let truth: ForceTorqueSensor
    let balance: SubtreeWrench
    private(set) var forceError = RunningRMS()
    private(set) var torqueError = RunningRMS()
    private var forceSum = Vector3.zero, torqueSum = Vector3.zero, deliveries = 0

    init(name: String, _ s: ForceTorqueParameters, timing: SensorTiming, seed: UInt64, robot: Robot, gravity: Vector3,
         disturbances: [ScheduledDisturbance]) throws {
        guard let joint = robot.model.joints.firstIndex(where: { $0.name == s.joint }) else {
            throw RuntimeError("\(s.jointLocation): the robot has no joint '\(s.joint)'")
        }
        self.name = name
        var c = ForceTorqueConfiguration(timing: timing, seed: seed)
        c.forceNoiseStdDev = s.forceNoise
        c.torqueNoiseStdDev = s.torqueNoise
        c.forceBias = Vector3(s.forceBias[0], s.forceBias[1], s.forceBias[2])
        c.torqueBias = Vector3(s.torqueBias[0], s.torqueBias[1], s.torqueBias[2])
        sensor = try ForceTorqueSensor(configuration: c)
        truth = try ForceTorqueSensor(configuration: ForceTorqueConfiguration(timing: timing, seed: seed))
        balance = try SubtreeWrench(robot: robot, joint: joint, gravity: gravity, disturbances: disturbances)
    }

    /// Samples the true wrench (on sample ticks) into both sensors and scores a new delivery against its truth.
    func update(tick: Int, linkPoses: [Double], twists: [Double], previousTwists: [Double], dt: Double,
                contacts: [Contact], contactCount: Int, robotID: Int32) {
        var force = Vector3.zero, torque = Vector3.zero
        if sensor.configuration.timing.isSampleTick(tick) {
            (force, torque) = balance.wrench(step: tick - 1, linkPoses: linkPoses, twists: twists,
                                             previousTwists: previousTwists, dt: dt, contacts: contacts,
                                             contactCount: contactCount, robotID: robotID)
        }
        truth.update(tick: tick, force: force, torque: torque)
        guard sensor.update(tick: tick, force: force, torque: torque) else { return }
        let r = sensor.output.values, t = truth.output.values
        var f2 = 0.0, t2 = 0.0
        for j in 0..<3 { f2 += (r[j] - t[j]) * (r[j] - t[j]); t2 += (r[j + 3] - t[j + 3]) * (r[j + 3] - t[j + 3]) }
        forceError.add(squared: f2)
        torqueError.add(squared: t2)
        forceSum += Vector3(t[0], t[1], t[2])
        torqueSum += Vector3(t[3], t[4], t[5])
        deliveries += 1
    }

    /// Per-sensor summary values: errors (N, N·m; RMS of the error vector's length) and the mean true wrench.
    func report() -> [String: Double] {
        var v: [String: Double] = ["readings": Double(deliveries)]
        if deliveries > 0 {
            v["force_error_rms"] = forceError.value
            v["torque_error_rms"] = torqueError.value
            let f = forceSum / Double(deliveries), t = torqueSum / Double(deliveries)
            v["mean_true_force"] = length(f)
            v["mean_true_torque"] = length(t)
        }
        return v
    }
}

/// The wrench a joint's parent exerts on the joint's child and everything below it, from a Newton–Euler
/// balance of that subtree: F = Σ mᵢ(a_cᵢ − g) − F_ext, τ_P = Σ [(cᵢ − P) × mᵢ(a_cᵢ − g) + Iᵢαᵢ + ωᵢ × Iᵢωᵢ] − τ_ext,P,
/// with P the child link's origin (the joint's frame), accelerations from the twists of consecutive steps
/// (exact for Bullet's semi-implicit Euler), and external forces from contacts and scheduled pushes.
/// The result is in the child link's frame. Allocates nothing per call.
final class SubtreeWrench {
    let child: Int
    let links: [Int]
    private let member: [Bool]
    private let masses: [Double]
    private let comOffsets: [Vector3]      // COM in the link frame, m
    private let inertiaFrames: [Quaternion]  // inertial frame in the link frame
    private let inertias: [[Double]]        // ixx, iyy, izz, ixy, ixz, iyz per link, kg·m²
    private let gravity: Vector3
    /// The scheduled pushes on the subtree: each active during the steps start ..< end, at its link's COM.
    private let pushes: [ScheduledDisturbance]

    init(robot: Robot, joint: Int, gravity: Vector3, disturbances: [ScheduledDisturbance]) throws(RuntimeError) {
        let model = robot.model
        let childModel = model.joints[joint].child
        guard let child = robot.modelLinkIndex.firstIndex(of: childModel), child > 0 else {
            throw RuntimeError("the joint '\(model.joints[joint].name)' does not end in a simulated link")
        }
        self.child = child
        // The subtree: the child's model link and every link reached from it through joints.
        var inTree = Set([childModel])
        for j in model.joints where inTree.contains(j.parent) { inTree.insert(j.child) }
        var member = [Bool](repeating: false, count: robot.linkCount)
        var links: [Int] = []
        for (i, m) in robot.modelLinkIndex.enumerated() where inTree.contains(m) { member[i] = true; links.append(i) }
        self.links = links
        self.member = member
        masses = links.map { model.links[robot.modelLinkIndex[$0]].inertial.mass }
        comOffsets = links.map { model.links[robot.modelLinkIndex[$0]].inertial.origin.position }
        inertiaFrames = links.map { model.links[robot.modelLinkIndex[$0]].inertial.origin.rotation }
        inertias = links.map {
            let i = model.links[robot.modelLinkIndex[$0]].inertial
            return [i.ixx, i.iyy, i.izz, i.ixy, i.ixz, i.iyz]
        }
        self.gravity = gravity
        pushes = disturbances.filter { member[$0.link] }
    }

    /// The force (N) and torque (N·m, about the child link origin) on the subtree from its parent, child link
    /// frame, after physics step `step`.
    func wrench(step: Int, linkPoses: [Double], twists: [Double], previousTwists: [Double], dt: Double,
                contacts: [Contact], contactCount: Int, robotID: Int32) -> (Vector3, Vector3) {
        let childPose = Transform(linkPoses, from: 7 * child)
        let origin = childPose.position, childRotation = childPose.rotation
        var force = Vector3.zero, torque = Vector3.zero
        for k in 0..<links.count {
            let i = links[k], t = 6 * i
            let pose = Transform(linkPoses, from: 7 * i), rotation = pose.rotation
            let v = Vector3(twists[t], twists[t + 1], twists[t + 2]), w = Vector3(twists[t + 3], twists[t + 4], twists[t + 5])
            let v0 = Vector3(previousTwists[t], previousTwists[t + 1], previousTwists[t + 2])
            let w0 = Vector3(previousTwists[t + 3], previousTwists[t + 4], previousTwists[t + 5])
            let aOrigin = dt > 0 ? (v - v0) / dt : .zero
            let alpha = dt > 0 ? (w - w0) / dt : .zero
            let r = rotation.rotate(comOffsets[k])
            let aCom = aOrigin + cross(alpha, r) + cross(w, cross(w, r))
            let f = masses[k] * (aCom - gravity)
            let frame = rotation * inertiaFrames[k]
            let iw = frame.rotate(inertiaTimes(k, frame.inverseRotate(w)))
            let ia = frame.rotate(inertiaTimes(k, frame.inverseRotate(alpha)))
            force += f
            torque += cross(pose.position + r - origin, f) + ia + cross(w, iw)
        }
        for c in 0..<contactCount {
            let contact = contacts[c]
            let onA = contact.objectA == robotID && contains(contactLink: contact.linkA)
            let onB = contact.objectB == robotID && contains(contactLink: contact.linkB)
            guard onA || onB else { continue }
            let fA = contact.normalForce * contact.normalOnB + contact.frictionForce.x * contact.lateral1
                + contact.frictionForce.y * contact.lateral2
            if onA {
                let point = contact.positionOnB + contact.distance * contact.normalOnB
                force -= fA
                torque -= cross(point - origin, fA)
            }
            if onB {
                force += fA
                torque += cross(contact.positionOnB - origin, fA)
            }
        }
        for j in 0..<pushes.count {
            let push = pushes[j]
            guard step >= push.start && step < push.end else { continue }
            guard let k = indexInSubtree(push.link) else { continue }
            let pose = Transform(linkPoses, from: 7 * push.link)
            force -= push.force
            torque -= cross(pose.apply(comOffsets[k]) - origin, push.force)
        }
        return (childRotation.inverseRotate(force), childRotation.inverseRotate(torque))
    }

    /// Whether a contact's link (−1 for the base, else the simulator link − 1) belongs to the subtree.
    private func contains(contactLink: Int32) -> Bool {
        let i = Int(contactLink) + 1
        return i >= 0 && i < member.count && member[i]
    }

    private func indexInSubtree(_ link: Int) -> Int? {
        for k in 0..<links.count where links[k] == link { return k }
        return nil
    }

    /// The inertia tensor of subtree link `k` times `x`, both in its inertial frame.
    private func inertiaTimes(_ k: Int, _ x: Vector3) -> Vector3 {
        let i = inertias[k]
        return Vector3(i[0] * x.x + i[3] * x.y + i[4] * x.z,
                       i[3] * x.x + i[1] * x.y + i[5] * x.z,
                       i[4] * x.x + i[5] * x.y + i[2] * x.z)
    }
}

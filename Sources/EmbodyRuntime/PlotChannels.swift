// MARK: - The log channels plots and viewers need: reference, named frames, contact forces per link
//
// Recorded after every other channel (docs/log-format.md, "Plot channels"), so logs written before these
// channels existed read unchanged: readers find channels by name and treat these as optional.

import EmbodyControl
import EmbodyModel
import EmbodyPhysics

/// Writes the reference q* and q̇*, the poses of the robot's leaf links, and the contact force on each link
/// that has collision geometry; every buffer is sized at load, so a record allocates nothing.
final class PlotChannels {
    /// The number of joint coordinates.
    let dof: Int
    /// Robot link indices (`Robot.linkNames` order) whose poses are recorded: the model's leaf links.
    let frameLinks: [Int]
    /// Robot link indices whose contact forces are recorded: the links with collision geometry.
    let contactLinks: [Int]
    /// For each robot link index, its slot in `contactLinks`, or −1.
    private let contactSlot: [Int]
    /// Per contact link: force sum (3, N), normal-force-weighted point sum (3, N·m) and normal force sum (1, N).
    private var sums: [Double]
    /// The channel names, in the order `write` fills them.
    let names: [String]

    /// Lays out the channels for `robot` (the model's leaf links, and links with collision shapes).
    init(robot: Robot) {
        let model = robot.model
        dof = robot.dof
        let parents = Set(model.joints.map(\.parent))
        var frames: [Int] = [], contacts: [Int] = []
        for (i, modelIndex) in robot.modelLinkIndex.enumerated() {
            if !parents.contains(modelIndex) { frames.append(i) }
            if !model.links[modelIndex].collisions.isEmpty { contacts.append(i) }
        }
        frameLinks = frames
        contactLinks = contacts
        var slot = [Int](repeating: -1, count: robot.linkCount)
        for (k, i) in contacts.enumerated() { slot[i] = k }
        contactSlot = slot
        sums = [Double](repeating: 0, count: 7 * contacts.count)
        var c: [String] = []
        for prefix in ["ref.q", "ref.qd"] { c += model.jointNames.map { "\(prefix).\($0)" } }
        for i in frames { c += ["x", "y", "z", "qx", "qy", "qz", "qw"].map { "frame.\(robot.linkNames[i]).\($0)" } }
        for i in contacts { c += ["fx", "fy", "fz", "px", "py", "pz"].map { "contact.\(robot.linkNames[i]).\($0)" } }
        names = c
    }

    /// Writes the channels from index `start` of `out`: `reference` (held since the last control tick), the
    /// frames from `linkPoses` (7 × linkCount, already current), and the `contactCount` contacts.
    func write(into out: inout [Double], from start: Int, reference: Reference, linkPoses: [Double],
               contacts: [Contact], contactCount: Int, robotID: Int32) {
        var k = start
        for i in 0..<dof { out[k] = reference.q[i]; k += 1 }
        for i in 0..<dof { out[k] = reference.qd[i]; k += 1 }
        for f in 0..<frameLinks.count {
            let base = 7 * frameLinks[f]
            for j in 0..<7 { out[k] = linkPoses[base + j]; k += 1 }
        }
        for i in 0..<sums.count { sums[i] = 0 }
        for c in 0..<contactCount {
            let contact = contacts[c]
            // The force on A is n·normalOnB + f₁·lateral1 + f₂·lateral2 (World.Contact); B gets its opposite.
            let onA = contact.normalForce * contact.normalOnB + contact.frictionForce.x * contact.lateral1
                + contact.frictionForce.y * contact.lateral2
            if contact.objectA == robotID { add(link: Int(contact.linkA) + 1, force: onA, point: contact.positionOnB,
                                                normal: contact.normalForce) }
            if contact.objectB == robotID { add(link: Int(contact.linkB) + 1, force: -onA, point: contact.positionOnB,
                                                normal: contact.normalForce) }
        }
        for s in 0..<contactLinks.count {
            let b = 7 * s, w = sums[b + 6]
            out[k] = sums[b]; out[k + 1] = sums[b + 1]; out[k + 2] = sums[b + 2]
            // The centre of the normal forces; zeros while the link touches nothing.
            out[k + 3] = w > 0 ? sums[b + 3] / w : 0
            out[k + 4] = w > 0 ? sums[b + 4] / w : 0
            out[k + 5] = w > 0 ? sums[b + 5] / w : 0
            k += 6
        }
    }

    private func add(link: Int, force: Vector3, point: Vector3, normal: Double) {
        guard link >= 0 && link < contactSlot.count else { return }
        let s = contactSlot[link]
        guard s >= 0 else { return }
        let b = 7 * s, w = max(normal, 0)
        sums[b] += force.x; sums[b + 1] += force.y; sums[b + 2] += force.z
        sums[b + 3] += w * point.x; sums[b + 4] += w * point.y; sums[b + 5] += w * point.z
        sums[b + 6] += w
    }
}

// MARK: - contact: normal force and centre of pressure on a link

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// A contact (foot-pressure) sensor on a robot link and its noise-free twin.
final class ContactProbe {
    let name: String
    let link: Int
    let sensor: ContactSensor
    let truth: ContactSensor
    private(set) var forceError = RunningRMS()
    private(set) var copError = RunningRMS()
    private var deliveries = 0, inContact = 0
    private var forceSum = 0.0

    init(name: String, _ s: ContactParameters, timing: SensorTiming, seed: UInt64, link: Int) throws {
        self.name = name
        self.link = link
        var c = ContactSensorConfiguration(timing: timing, seed: seed)
        c.forceNoiseStdDev = s.forceNoise
        c.copNoiseStdDev = s.copNoise
        c.contactThreshold = s.threshold
        sensor = try ContactSensor(configuration: c)
        var t = ContactSensorConfiguration(timing: timing, seed: seed)
        t.contactThreshold = s.threshold
        truth = try ContactSensor(configuration: t)
    }

    /// Feeds the contacts on the link (on sample ticks) to both sensors and scores a new delivery.
    func update(tick: Int, linkPoses: [Double], contacts: [Contact], contactCount: Int, robotID: Int32) {
        if sensor.configuration.timing.isSampleTick(tick) {
            let simLink = Int32(link - 1)   // contacts number links from −1 for the base
            for c in 0..<contactCount {
                let contact = contacts[c]
                if contact.objectA == robotID && contact.linkA == simLink {
                    let point = contact.positionOnB + contact.distance * contact.normalOnB
                    sensor.addContact(point: point, normalForce: contact.normalForce)
                    truth.addContact(point: point, normalForce: contact.normalForce)
                }
                if contact.objectB == robotID && contact.linkB == simLink {
                    sensor.addContact(point: contact.positionOnB, normalForce: contact.normalForce)
                    truth.addContact(point: contact.positionOnB, normalForce: contact.normalForce)
                }
            }
        }
        let pose = Transform(linkPoses, from: 7 * link)
        truth.update(tick: tick, linkPose: pose)
        guard sensor.update(tick: tick, linkPose: pose) else { return }
        let r = sensor.output.values, t = truth.output.values
        forceError.add(squared: (r[0] - t[0]) * (r[0] - t[0]))
        if r[7] > 0 && t[7] > 0 {
            let dx = r[4] - t[4], dy = r[5] - t[5], dz = r[6] - t[6]
            copError.add(squared: dx * dx + dy * dy + dz * dz)
        }
        deliveries += 1
        if t[7] > 0 { inContact += 1 }
        forceSum += t[0]
    }

    /// Per-sensor summary values: force error (N), CoP error (m, while in contact), mean true force (N) and
    /// the fraction of readings in contact.
    func report() -> [String: Double] {
        var v: [String: Double] = ["readings": Double(deliveries)]
        if deliveries > 0 {
            v["force_error_rms"] = forceError.value
            v["mean_true_force"] = forceSum / Double(deliveries)
            v["contact_fraction"] = Double(inContact) / Double(deliveries)
        }
        if copError.count > 0 { v["cop_error_rms"] = copError.value }
        return v
    }
}

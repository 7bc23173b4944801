// MARK: - Sensors and estimation in the loop
//
// Built at load from the scenario's `sensors` and `estimation`; every call per tick works in
// preallocated buffers. With no sensors declared (or `use_ground_truth`), the estimate is the true state.
//
// Besides encoders and the IMU (which feed the estimate), a scenario may declare force/torque sensors at
// joints, contact (foot-pressure) sensors on links, depth cameras and lidars. Each of these has a
// noise-free twin on the same timing, so every delivered reading comes with the true value of the same
// sample: both go into the log, and their differences into the summary.

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// The scenario's sensors and the estimators that turn their readings into the controller's state.
final class SensorSuite {
    let encoders: JointEncoderSensor?
    let imu: ImuSensor?
    let imuLink: Int
    let velocityFilter: JointVelocityFilter?
    let orientationFilter: ComplementaryFilter?
    let dt: Double
    /// Whether the estimate replaces the true state for the controller.
    let estimates: Bool
    /// Force/torque sensors at joints, in scenario order.
    let forceTorque: [ForceTorqueProbe]
    /// Contact (foot-pressure) sensors on links, in scenario order.
    let contacts: [ContactProbe]
    /// Depth cameras, in scenario order.
    let cameras: [CameraProbe]
    /// Lidars, in scenario order.
    let lidars: [LidarProbe]
    private let world: World
    private let robotID: Int32
    /// Whether link poses and twists must be read every tick.
    private let needsPoses: Bool
    private let needsTwists: Bool
    private var linkPoses: [Double]
    private var twists: [Double]
    private var previousTwists: [Double]
    private var contactBuffer: [Contact] = Array(repeating: Contact(), count: 256)
    private var contactCount = 0
    private var encoderTick = -1
    private var imuTick = -1
    private var gyro = Vector3.zero
    private var accel = Vector3.zero
    /// Largest base orientation error seen after the first second, rad.
    private(set) var worstOrientationError = 0.0
    /// Σ (q̂ − q)² over joints and ticks, and the sample count, for the RMS.
    private var jointErrorSquares = 0.0
    private var jointErrorSamples = 0
    let seedTicks: Int

    /// `disturbances` are the scenario's pushes as the simulation schedules them.
    init(scenario: Scenario, robot: Robot, world: World, dt: Double,
         disturbances: [ScheduledDisturbance]) throws(RuntimeError) {
        self.dt = dt
        self.world = world
        robotID = robot.id
        let rate = Double(scenario.physics.physicsRate)
        let g = scenario.physics.gravity
        let gravity = Vector3(g[0], g[1], g[2])
        var encoders: JointEncoderSensor? = nil, imu: ImuSensor? = nil, imuLink = 0
        var forceTorque: [ForceTorqueProbe] = [], contacts: [ContactProbe] = []
        var cameras: [CameraProbe] = [], lidars: [LidarProbe] = []
        func linkIndex(_ s: SensorSpec) throws(RuntimeError) -> Int? {
            guard let name = s.link else { return nil }
            guard let link = robot.linkNames.firstIndex(of: name) else {
                throw RuntimeError("\(s.linkLocation ?? s.location): the robot has no link '\(name)'")
            }
            return link
        }
        for s in scenario.sensors {
            let seed = RandomStreams.seed(scenario: scenario.seed, consumer: "sensor.\(s.name)")
            do {
                let timing = try SensorTiming(rateHz: Double(s.rate ?? Int(rate)), physicsRateHz: rate, latencyTicks: s.latency)
                switch s.type {
                case "joint_encoders":
                    guard encoders == nil else { throw RuntimeError("\(s.location): only one joint_encoders sensor is supported") }
                    let n = robot.dof
                    encoders = try JointEncoderSensor(configuration: JointEncoderConfiguration(
                        dof: n, timing: timing, resolution: s.resolution, noiseStdDev: s.noise, seed: seed))
                case "imu":
                    guard imu == nil else { throw RuntimeError("\(s.location): only one imu sensor is supported") }
                    guard let link = try linkIndex(s) else {
                        throw RuntimeError("\(s.location): the imu's link is not a link of the robot")
                    }
                    var c = ImuConfiguration(timing: timing, seed: seed)
                    c.gravity = gravity
                    c.accelerometerNoiseStdDev = s.noise
                    c.gyroscopeNoiseStdDev = s.gyroNoise
                    c.accelerometerBias = Vector3(s.accelBias[0], s.accelBias[1], s.accelBias[2])
                    c.gyroscopeBias = Vector3(s.gyroBias[0], s.gyroBias[1], s.gyroBias[2])
                    imu = try ImuSensor(configuration: c)
                    imuLink = link
                case "force_torque":
                    forceTorque.append(try ForceTorqueProbe(spec: s, timing: timing, seed: seed, robot: robot,
                                                            gravity: gravity, disturbances: disturbances))
                case "contact":
                    guard let link = try linkIndex(s) else { throw RuntimeError("\(s.location): a contact sensor needs a link") }
                    contacts.append(try ContactProbe(spec: s, timing: timing, seed: seed, link: link))
                case "depth_camera":
                    cameras.append(try CameraProbe(spec: s, timing: timing, seed: seed, link: try linkIndex(s),
                                                   world: world, robot: robot))
                case "lidar":
                    lidars.append(try LidarProbe(spec: s, timing: timing, seed: seed, link: try linkIndex(s),
                                                 world: world, robot: robot))
                default:
                    throw RuntimeError("\(s.location): sensor type '\(s.type)' is not supported by this runtime")
                }
            } catch let error as RuntimeError {
                throw error
            } catch {
                throw RuntimeError("\(s.location): \(error)")
            }
        }
        self.encoders = encoders
        self.imu = imu
        self.imuLink = imuLink
        self.forceTorque = forceTorque
        self.contacts = contacts
        self.cameras = cameras
        self.lidars = lidars
        needsTwists = imu != nil || !forceTorque.isEmpty
        needsPoses = needsTwists || !contacts.isEmpty || cameras.contains { $0.link != nil } || lidars.contains { $0.link != nil }
        estimates = !scenario.estimation.useGroundTruth && (encoders != nil || imu != nil)
        do {
            velocityFilter = encoders == nil ? nil
                : try JointVelocityFilter(dof: robot.dof, cutoffHz: scenario.estimation.velocityFilterHz)
            // Only an IMU on the base estimates the base orientation.
            orientationFilter = imu != nil && imuLink == 0 && !robot.fixedBase ? try ComplementaryFilter() : nil
        } catch {
            throw RuntimeError("\(scenario.sourcePath): \(error)")
        }
        linkPoses = Array(repeating: 0, count: 7 * robot.linkCount)
        twists = Array(repeating: 0, count: 6 * robot.linkCount)
        previousTwists = twists
        if !forceTorque.isEmpty || !contacts.isEmpty { world.reserveContacts(contactBuffer.count) }
        seedTicks = Int((1.0 / dt).rounded())
    }

    /// Whether the base orientation is estimated (an IMU on a floating base).
    var estimatesOrientation: Bool { orientationFilter != nil }

    /// Starts the estimators from the initial true state (yaw is unobservable from gravity, so the filter
    /// starts from the known initial pose).
    func start(truth: RobotState, robot: Robot) {
        orientationFilter?.reset(orientation: truth.basePose.rotation)
        robot.getLinkTwists(&previousTwists)
    }

    /// Samples the sensors after the step that ended at `tick` and refreshes the estimate.
    func update(tick: Int, robot: Robot, truth: RobotState, estimate: inout RobotState) {
        if needsPoses { robot.getLinkPoses(&linkPoses) }
        if needsTwists { robot.getLinkTwists(&twists) }
        if let encoders {
            encoders.update(tick: tick, q: truth.q)
            let out = encoders.output
            if out.hasReading && out.sampleTick != encoderTick {
                let step = encoderTick < 0 ? dt : Double(out.sampleTick - encoderTick) * dt
                velocityFilter?.update(q: out.values, dt: step)
                encoderTick = out.sampleTick
            }
        }
        if let imu {
            imu.update(tick: tick, link: imuLink, linkPoses: linkPoses, twists: twists, previousTwists: previousTwists, dt: dt)
            let out = imu.output
            if out.hasReading && out.sampleTick != imuTick {
                accel = Vector3(out.values[0], out.values[1], out.values[2])
                gyro = Vector3(out.values[3], out.values[4], out.values[5])
                let step = imuTick < 0 ? dt : Double(out.sampleTick - imuTick) * dt
                orientationFilter?.update(angularVelocity: gyro, specificForce: accel, dt: step)
                imuTick = out.sampleTick
            }
        }
        updateExteroceptive(tick: tick)
        if needsTwists { swap(&twists, &previousTwists) }
        // The estimate: measured where a sensor measures, true elsewhere (base position and linear velocity
        // need leg odometry, which Embody does not have yet).
        copy(truth, into: &estimate)
        guard estimates else { return }
        if let encoders, encoders.output.hasReading {
            let q = encoders.output.values
            for i in 0..<estimate.q.count { estimate.q[i] = q[i] }
            if let v = velocityFilter { for i in 0..<estimate.qd.count { estimate.qd[i] = v.velocity[i] } }
        }
        if let filter = orientationFilter, imu?.output.hasReading == true {
            estimate.basePose.rotation = filter.orientation
            estimate.baseAngularVelocity = filter.orientation.rotate(gyro - filter.gyroBias)
        }
        var squares = 0.0
        for i in 0..<estimate.q.count { let e = estimate.q[i] - truth.q[i]; squares += e * e }
        jointErrorSquares += squares
        jointErrorSamples += estimate.q.count
        if tick >= seedTicks, orientationFilter != nil {
            worstOrientationError = max(worstOrientationError, estimate.basePose.rotation.angle(to: truth.basePose.rotation))
        }
    }

    /// Force/torque, contact, camera and lidar updates for `tick`; contacts are read only on ticks some sensor samples.
    private func updateExteroceptive(tick: Int) {
        var wantContacts = false
        for i in 0..<forceTorque.count where forceTorque[i].sensor.configuration.timing.isSampleTick(tick) { wantContacts = true }
        for i in 0..<contacts.count where contacts[i].sensor.configuration.timing.isSampleTick(tick) { wantContacts = true }
        if wantContacts { contactCount = min(world.contacts(into: &contactBuffer), contactBuffer.count) }
        for i in 0..<forceTorque.count {
            forceTorque[i].update(tick: tick, linkPoses: linkPoses, twists: twists, previousTwists: previousTwists, dt: dt,
                                  contacts: contactBuffer, contactCount: contactCount, robotID: robotID)
        }
        for i in 0..<contacts.count {
            contacts[i].update(tick: tick, linkPoses: linkPoses, contacts: contactBuffer, contactCount: contactCount,
                               robotID: robotID)
        }
        for i in 0..<cameras.count { cameras[i].update(tick: tick, linkPoses: linkPoses) }
        for i in 0..<lidars.count { lidars[i].update(tick: tick, linkPoses: linkPoses) }
    }

    /// Perception metrics: orientation errors in degrees, the joint-position estimate RMS in rad or m, and for
    /// the other sensors their errors against the truth, pooled (`force_error_rms`…) and per sensor (`sensor.<name>.…`).
    func values(truth: RobotState, estimate: RobotState) -> [String: Double] {
        var v: [String: Double] = [:]
        if orientationFilter != nil {
            v["base_orientation_error"] = estimate.basePose.rotation.angle(to: truth.basePose.rotation) * 180 / Double.pi
            v["base_orientation_error_max"] = worstOrientationError * 180 / Double.pi
        }
        if encoders != nil && jointErrorSamples > 0 {
            v["joint_position_estimate_error_rms"] = (jointErrorSquares / Double(jointErrorSamples)).squareRoot()
        }
        func pooled(_ key: String, _ parts: [RunningRMS]) {
            var total = RunningRMS()
            for p in parts { total.add(p) }
            if total.count > 0 { v[key] = total.value }
        }
        pooled("force_error_rms", forceTorque.map(\.forceError))
        pooled("torque_error_rms", forceTorque.map(\.torqueError))
        pooled("contact_force_error_rms", contacts.map(\.forceError))
        pooled("cop_error_rms", contacts.map(\.copError))
        pooled("depth_error_rms", cameras.map(\.depthError))
        pooled("lidar_range_error_rms", lidars.map(\.rangeError))
        if !cameras.isEmpty {
            let frames = cameras.reduce(0) { $0 + $1.frames }
            if frames > 0 { v["depth_valid_fraction"] = cameras.reduce(0.0) { $0 + $1.validFractionSum } / Double(frames) }
        }
        for p in forceTorque { for (k, x) in p.report() { v["sensor.\(p.name).\(k)"] = x } }
        for p in contacts { for (k, x) in p.report() { v["sensor.\(p.name).\(k)"] = x } }
        for p in cameras { for (k, x) in p.report() { v["sensor.\(p.name).\(k)"] = x } }
        for p in lidars { for (k, x) in p.report() { v["sensor.\(p.name).\(k)"] = x } }
        return v
    }

    /// The log channels of the force/torque, contact, camera and lidar sensors, in `recordValues` order.
    var channelNames: [String] {
        var c: [String] = []
        for p in forceTorque {
            let axes = ["fx", "fy", "fz", "tx", "ty", "tz"]
            c += axes.map { "sensor.\(p.name).\($0)" } + axes.map { "true.\(p.name).\($0)" }
        }
        for p in contacts {
            let fields = ["force", "cop_x", "cop_y", "cop_z", "in_contact"]
            c += fields.map { "sensor.\(p.name).\($0)" } + fields.map { "true.\(p.name).\($0)" }
        }
        for p in cameras { c += ["valid_pixels", "min_depth", "depth_error_rms"].map { "sensor.\(p.name).\($0)" } }
        for p in lidars { c += ["points", "min_range", "range_error_rms"].map { "sensor.\(p.name).\($0)" } }
        return c
    }

    /// Writes the sensor channels (see `channelNames`) into `out` from index `k`; allocates nothing.
    func recordValues(into out: inout [Double], from start: Int) {
        var k = start
        for i in 0..<forceTorque.count {
            let p = forceTorque[i]
            let read = p.sensor.output.values, truth = p.truth.output.values
            for j in 0..<6 { out[k + j] = read[j]; out[k + 6 + j] = truth[j] }
            k += 12
        }
        for i in 0..<contacts.count {
            let p = contacts[i]
            let read = p.sensor.output.values, truth = p.truth.output.values
            // force, then the world centre of pressure, then the in-contact flag (ContactSensor's 0, 4, 5, 6, 7)
            out[k] = read[0]; out[k + 1] = read[4]; out[k + 2] = read[5]; out[k + 3] = read[6]; out[k + 4] = read[7]
            out[k + 5] = truth[0]; out[k + 6] = truth[4]; out[k + 7] = truth[5]; out[k + 8] = truth[6]; out[k + 9] = truth[7]
            k += 10
        }
        for i in 0..<cameras.count {
            let p = cameras[i]
            out[k] = p.lastValidPixels; out[k + 1] = p.lastMinDepth; out[k + 2] = p.lastErrorRMS
            k += 3
        }
        for i in 0..<lidars.count {
            let p = lidars[i]
            out[k] = p.lastPoints; out[k + 1] = p.lastMinRange; out[k + 2] = p.lastErrorRMS
            k += 3
        }
    }

    private func copy(_ a: RobotState, into b: inout RobotState) {
        for i in 0..<a.q.count { b.q[i] = a.q[i]; b.qd[i] = a.qd[i] }
        b.time = a.time
        b.basePose = a.basePose
        b.baseLinearVelocity = a.baseLinearVelocity
        b.baseAngularVelocity = a.baseAngularVelocity
    }
}

// MARK: - Error accumulation

/// A running sum of squares for an RMS error.
struct RunningRMS {
    var squares = 0.0
    var count = 0

    /// Adds one squared error.
    mutating func add(squared e2: Double) { squares += e2; count += 1 }

    /// Adds the samples of another accumulator.
    mutating func add(_ other: RunningRMS) { squares += other.squares; count += other.count }

    /// √(Σe²/n), or NaN without samples.
    var value: Double { count > 0 ? (squares / Double(count)).squareRoot() : .nan }
}

// MARK: - Force/torque

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

    init(spec s: SensorSpec, timing: SensorTiming, seed: UInt64, robot: Robot, gravity: Vector3,
         disturbances: [ScheduledDisturbance]) throws {
        guard let jointName = s.joint, let joint = robot.model.joints.firstIndex(where: { $0.name == jointName }) else {
            throw RuntimeError("\(s.jointLocation ?? s.location): the robot has no joint '\(s.joint ?? "")'")
        }
        name = s.name
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

// MARK: - Contact

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

    init(spec s: SensorSpec, timing: SensorTiming, seed: UInt64, link: Int) throws {
        name = s.name
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

// MARK: - Mounts

extension SensorMountSpec {
    /// The mount as a transform: for a look-at mount, a camera's optical frame (z to the target, y down) or,
    /// with `xAxisForward`, a lidar's frame (x to the target, z up).
    func transform(xAxisForward: Bool) -> Transform {
        let eye = Vector3(xyz[0], xyz[1], xyz[2])
        guard let target else { return Transform(xyz: eye, rpy: Vector3(rpy[0], rpy[1], rpy[2])) }
        let optical = lookAt(eye: eye, target: Vector3(target[0], target[1], target[2]), up: Vector3(up[0], up[1], up[2]))
        guard xAxisForward else { return optical }
        // Lidar axes in the optical frame: x = z_opt, y = −x_opt, z = −y_opt.
        return Transform(position: eye, rotation: (optical.rotation * Quaternion(x: 0.5, y: -0.5, z: 0.5, w: 0.5)).normalizedOrIdentity)
    }
}

/// The pose of simulator link `link` from a link-pose buffer, or the identity for a world-mounted sensor.
@inline(__always) func mountPose(_ link: Int?, _ poses: [Double]) -> Transform {
    guard let link else { return .identity }
    return Transform(poses, from: 7 * link)
}

// MARK: - Depth camera

/// A declared depth camera's configuration: intrinsics and range (m), mount (m, rad) and noise model (m, 1/m, m)
/// from its spec, with the given timing and noise seed.
func depthCameraConfiguration(_ s: SensorSpec, timing: SensorTiming, seed: UInt64) throws(RuntimeError)
    -> DepthCameraConfiguration {
    guard let image = s.camera else { throw RuntimeError("\(s.location): a depth camera needs width and height") }
    let intrinsics: CameraIntrinsics
    if let fov = image.fov {
        intrinsics = CameraIntrinsics(width: image.width, height: image.height, horizontalFieldOfView: fov,
                                      near: image.near, far: image.far)
    } else {
        intrinsics = CameraIntrinsics(fx: image.fx ?? 1, fy: image.fy ?? 1, cx: image.cx ?? 0, cy: image.cy ?? 0,
                                      width: image.width, height: image.height, near: image.near, far: image.far)
    }
    var c = DepthCameraConfiguration(timing: timing, intrinsics: intrinsics,
                                     mount: s.mount.transform(xAxisForward: false), seed: seed)
    c.noiseConstant = s.noise
    c.noiseQuadratic = s.noiseQuadratic
    c.depthResolution = s.resolution
    return c
}

/// A declared depth camera with its caster; a frame is summarized (valid pixels, nearest depth, error
/// against the noise-free frame) when it arrives.
final class CameraProbe {
    let name: String
    let link: Int?
    let camera: DepthCamera
    let caster: WorldRayCaster
    private(set) var depthError = RunningRMS()
    private(set) var frames = 0
    private(set) var validFractionSum = 0.0
    private(set) var lastValidPixels = 0.0, lastMinDepth = Double.infinity, lastErrorRMS = Double.nan

    init(spec s: SensorSpec, timing: SensorTiming, seed: UInt64, link: Int?, world: World, robot: Robot) throws {
        name = s.name
        self.link = link
        var c = try depthCameraConfiguration(s, timing: timing, seed: seed)
        c.keepsIdealFrame = true
        camera = try DepthCamera(configuration: c)
        caster = WorldRayCaster(world: world, ignoring: s.ignoreRobot ? robot.id : nil, capacity: c.intrinsics.pixelCount)
    }

    /// Renders on sample ticks, delivers, and summarizes a newly arrived frame.
    func update(tick: Int, linkPoses: [Double]) {
        guard camera.update(tick: tick, linkPose: mountPose(link, linkPoses), caster: caster) else { return }
        let image = camera.output.values, ideal = camera.idealOutput.values
        var valid = 0, nearest = Float.infinity, squares = 0.0, both = 0
        for i in 0..<image.count {
            let z = image[i]
            guard z.isFinite else { continue }
            valid += 1
            nearest = min(nearest, z)
            let t = ideal[i]
            if t.isFinite { let e = Double(z) - Double(t); squares += e * e; both += 1 }
        }
        frames += 1
        lastValidPixels = Double(valid)
        lastMinDepth = Double(nearest)
        lastErrorRMS = both > 0 ? (squares / Double(both)).squareRoot() : .nan
        depthError.squares += squares
        depthError.count += both
        validFractionSum += Double(valid) / Double(max(1, image.count))
    }

    /// Per-sensor summary values: frames delivered, mean valid fraction, nearest depth of the last frame (m)
    /// and the depth error against the noise-free frames (m, RMS over pixels valid in both).
    func report() -> [String: Double] {
        var v: [String: Double] = ["frames": Double(frames)]
        if frames > 0 {
            v["valid_fraction"] = validFractionSum / Double(frames)
            v["min_depth"] = lastMinDepth
        }
        if depthError.count > 0 { v["depth_error_rms"] = depthError.value }
        return v
    }
}

// MARK: - Lidar

/// A declared lidar with its caster; a scan is summarized (points, nearest return, error against the
/// noise-free scan) when it arrives.
final class LidarProbe {
    let name: String
    let link: Int?
    let lidar: Lidar
    let caster: WorldRayCaster
    private(set) var rangeError = RunningRMS()
    private(set) var scans = 0
    private(set) var lastPoints = 0.0, lastMinRange = Double.infinity, lastErrorRMS = Double.nan

    init(spec s: SensorSpec, timing: SensorTiming, seed: UInt64, link: Int?, world: World, robot: Robot) throws {
        guard let beams = s.lidar else { throw RuntimeError("\(s.location): a lidar needs its beams") }
        name = s.name
        self.link = link
        var c = LidarConfiguration(timing: timing, channels: beams.channels, samplesPerChannel: beams.samples,
                                   verticalMin: beams.vertical[0], verticalMax: beams.vertical[1],
                                   maxRange: beams.range[1], seed: seed)
        c.minRange = beams.range[0]
        c.horizontalFieldOfView = beams.horizontalFov
        c.horizontalStart = beams.horizontalStart
        c.rangeNoiseStdDev = s.noise
        c.mount = s.mount.transform(xAxisForward: true)
        c.keepsIdealScan = true
        lidar = try Lidar(configuration: c)
        caster = WorldRayCaster(world: world, ignoring: s.ignoreRobot ? robot.id : nil,
                                capacity: beams.channels * beams.samples)
    }

    /// Scans on sample ticks, delivers, and summarizes a newly arrived scan.
    func update(tick: Int, linkPoses: [Double]) {
        guard lidar.update(tick: tick, linkPose: mountPose(link, linkPoses), caster: caster) else { return }
        let ranges = lidar.output.values, ideal = lidar.idealOutput.values
        var nearest = Float.infinity, squares = 0.0, both = 0
        for i in 0..<ranges.count {
            let r = ranges[i]
            guard r.isFinite else { continue }
            nearest = min(nearest, r)
            let t = ideal[i]
            if t.isFinite { let e = Double(r) - Double(t); squares += e * e; both += 1 }
        }
        scans += 1
        lastPoints = Double(lidar.pointCount)
        lastMinRange = Double(nearest)
        lastErrorRMS = both > 0 ? (squares / Double(both)).squareRoot() : .nan
        rangeError.squares += squares
        rangeError.count += both
    }

    /// Per-sensor summary values: scans delivered, points in the last scan, its nearest return (m) and the
    /// range error against the noise-free scans (m, RMS over rays that returned in both).
    func report() -> [String: Double] {
        var v: [String: Double] = ["scans": Double(scans), "points": lastPoints]
        if scans > 0 { v["min_range"] = lastMinRange }
        if rangeError.count > 0 { v["range_error_rms"] = rangeError.value }
        return v
    }
}

// MARK: - Frames for tasks and tools

extension Simulation {
    /// The latest delivered frame of the declared depth camera `name` (z-depths in m, row-major, +∞ invalid),
    /// with its intrinsics and the optical frame's world pose at the current tick, or nil without such a camera.
    public func depthFrame(sensor name: String) -> (depth: SensorOutput<Float>, intrinsics: CameraIntrinsics, pose: Transform)? {
        guard let p = sensors.cameras.first(where: { $0.name == name }) else { return nil }
        let linkPose = p.link.map { robot.linkPose(robot.linkNames[$0]) ?? .identity } ?? .identity
        return (p.camera.output, p.camera.configuration.intrinsics, p.camera.cameraPose(linkPose: linkPose))
    }

    /// The latest delivered scan of the declared lidar `name` (ranges in m and the point cloud in the sensor
    /// frame, m), or nil without such a lidar.
    public func lidarScan(sensor name: String) -> (ranges: SensorOutput<Float>, points: ArraySlice<Float>)? {
        guard let p = sensors.lidars.first(where: { $0.name == name }) else { return nil }
        return (p.lidar.output, p.lidar.points[0..<(3 * p.lidar.pointCount)])
    }

    /// The latest delivered reading of the declared force/torque sensor `name`: force (N) and torque (N·m)
    /// in the child link's frame, and the true wrench of the same sample; nil without such a sensor.
    public func forceTorqueReading(sensor name: String) -> (reading: [Double], truth: [Double])? {
        guard let p = sensors.forceTorque.first(where: { $0.name == name }) else { return nil }
        return (p.sensor.output.values, p.truth.output.values)
    }

    /// The latest delivered reading of the declared contact sensor `name` (F in N, CoP in the link and the
    /// world in m, in-contact flag) and the true values of the same sample; nil without such a sensor.
    public func contactReading(sensor name: String) -> (reading: [Double], truth: [Double])? {
        guard let p = sensors.contacts.first(where: { $0.name == name }) else { return nil }
        return (p.sensor.output.values, p.truth.output.values)
    }
}

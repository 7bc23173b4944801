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
    /// The base's orientation, position and velocity from the IMU, encoders and foot contact, for a biped task
    /// (walk, stand) whose feet are known; it replaces `orientationFilter` then.
    let legOdometry: LegOdometryEstimator?
    /// The foot links (Robot.linkNames numbering) whose normal forces gate `legOdometry`'s stance feet.
    private let odometryFootLinks: [Int]
    private var footNormalForce: [Double]
    let timing: LoopTiming
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
    /// Largest base position error seen (leg odometry), m.
    private(set) var worstPositionError = 0.0
    /// Σ (q̂ − q)² over joints and ticks, and the sample count, for the RMS.
    private var jointErrorSquares = 0.0
    private var jointErrorSamples = 0
    let seedTicks: Int

    /// `disturbances` are the scenario's pushes as the simulation schedules them; `biped`, the feet of a walk or
    /// stand task, turns on leg odometry for the base.
    init(scenario: Scenario, robot: Robot, world: World, timing: LoopTiming,
         disturbances: [ScheduledDisturbance], biped: BipedModel? = nil) throws(RuntimeError) {
        self.timing = timing
        self.world = world
        robotID = robot.id
        let rate = Double(scenario.physics.physicsRate)
        let g = scenario.physics.gravity
        let gravity = Vector3(g[0], g[1], g[2])
        var encoders: JointEncoderSensor? = nil, imu: ImuSensor? = nil, imuLink = 0
        var forceTorque: [ForceTorqueProbe] = [], contacts: [ContactProbe] = []
        var cameras: [CameraProbe] = [], lidars: [LidarProbe] = []
        func linkIndex(_ name: String?, _ location: SourceLocation) throws(RuntimeError) -> Int? {
            guard let name else { return nil }
            guard let link = robot.linkNames.firstIndex(of: name) else {
                throw RuntimeError("\(location): the robot has no link '\(name)'")
            }
            return link
        }
        for s in scenario.sensors {
            let seed = RandomStreams.seed(scenario: scenario.seed, consumer: RandomConsumer.sensor(s.name))
            do {
                let timing = try SensorTiming(rateHz: Double(s.rate ?? Int(rate)), physicsRateHz: rate, latencyTicks: s.latency)
                switch s.kind {
                case .jointEncoders(let p):
                    guard encoders == nil else { throw RuntimeError("\(s.location): only one joint_encoders sensor is supported") }
                    encoders = try p.makeSensor(dof: robot.dof, timing: timing, seed: seed)
                case .imu(let p):
                    guard imu == nil else { throw RuntimeError("\(s.location): only one imu sensor is supported") }
                    guard let link = try linkIndex(p.link, p.linkLocation) else {
                        throw RuntimeError("\(s.location): the imu's link is not a link of the robot")
                    }
                    imu = try p.makeSensor(timing: timing, seed: seed, gravity: gravity)
                    imuLink = link
                case .forceTorque(let p):
                    forceTorque.append(try ForceTorqueProbe(name: s.name, p, timing: timing, seed: seed, robot: robot,
                                                            gravity: gravity, disturbances: disturbances))
                case .contact(let p):
                    guard let link = try linkIndex(p.link, p.linkLocation) else {
                        throw RuntimeError("\(s.location): a contact sensor needs a link")
                    }
                    contacts.append(try ContactProbe(name: s.name, p, timing: timing, seed: seed, link: link))
                case .depthCamera(let p):
                    cameras.append(try CameraProbe(name: s.name, p, timing: timing, seed: seed,
                                                   link: try linkIndex(p.link, p.linkLocation), world: world, robot: robot))
                case .lidar(let p):
                    lidars.append(try LidarProbe(name: s.name, p, timing: timing, seed: seed,
                                                 link: try linkIndex(p.link, p.linkLocation), world: world, robot: robot))
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
            // Only an IMU on the base estimates the base orientation; with known feet, its position and velocity too.
            let baseImu = imu != nil && imuLink == 0 && !robot.fixedBase
            if baseImu && encoders != nil, let biped {
                let feet = (0..<biped.soles.count).map {
                    FootContactPoint(link: biped.soles[$0].link, point: biped.soles[$0].frame.position)
                }
                // The ground the task knows: flat at z = 0, plus a walk task's terrain patches (as its planner sees them).
                let patches: [TerrainPatch]
                if case .walk(let walk) = scenario.task.kind { patches = walk.terrain } else { patches = [] }
                let ground = WalkTask.knownGround(patches, soles: biped.soles)
                legOdometry = try LegOdometryEstimator(feet: feet, kinematics: biped.dynamics, groundHeight: ground)
                orientationFilter = nil
                odometryFootLinks = biped.footLinks
            } else {
                legOdometry = nil
                orientationFilter = baseImu ? try ComplementaryFilter() : nil
                odometryFootLinks = []
            }
            footNormalForce = Array(repeating: 0, count: odometryFootLinks.count)
        } catch {
            throw RuntimeError("\(scenario.sourcePath): \(error)")
        }
        linkPoses = Array(repeating: 0, count: 7 * robot.linkCount)
        twists = Array(repeating: 0, count: 6 * robot.linkCount)
        previousTwists = twists
        if !forceTorque.isEmpty || !contacts.isEmpty || legOdometry != nil { world.reserveContacts(contactBuffer.count) }
        seedTicks = timing.tick(atSeconds: 1.0)
    }

    /// Whether the base orientation is estimated (an IMU on a floating base).
    var estimatesOrientation: Bool { orientationFilter != nil || legOdometry != nil }

    /// Starts the estimators from the initial true state (yaw is unobservable from gravity, so the filter
    /// starts from the known initial pose).
    func start(truth: RobotState, robot: Robot) {
        orientationFilter?.reset(orientation: truth.basePose.rotation)
        legOdometry?.reset(basePose: truth.basePose, baseLinearVelocity: truth.baseLinearVelocity,
                           baseAngularVelocity: truth.baseAngularVelocity)
        robot.getLinkTwists(&previousTwists)
    }

    /// Samples the sensors after the step that ended at `tick` and refreshes the estimate.
    func update(tick: Int, robot: Robot, truth: RobotState, estimate: inout RobotState) {
        let dt = timing.dt
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
                if let legOdometry, let encoders {
                    contactCount = min(world.contacts(into: &contactBuffer), contactBuffer.count)
                    for k in 0..<odometryFootLinks.count {
                        footNormalForce[k] = WalkingDriver.normalForce(link: odometryFootLinks[k], contacts: contactBuffer,
                                                                       count: contactCount, robotID: robotID)
                    }
                    legOdometry.update(angularVelocity: gyro, specificForce: accel, q: encoders.output.values,
                                       footNormalForce: footNormalForce, dt: step)
                }
                imuTick = out.sampleTick
            }
        }
        updateExteroceptive(tick: tick)
        if needsTwists { swap(&twists, &previousTwists) }
        // The estimate: measured where a sensor measures, true elsewhere (the base position and linear velocity
        // are estimated only by leg odometry, for a biped task; otherwise they stay true).
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
        if let legOdometry, let imu, imu.output.hasReading {
            // The estimate at this tick: the last sample's, predicted over the ticks since it was taken (its
            // latency, and the ticks between samples when the IMU is slower than the control loop).
            estimate.basePose = legOdometry.basePose(predictedAhead: Double(tick - imu.output.sampleTick) * dt)
            estimate.baseLinearVelocity = legOdometry.baseLinearVelocity
            estimate.baseAngularVelocity = legOdometry.baseAngularVelocity
        }
        var squares = 0.0
        for i in 0..<estimate.q.count { let e = estimate.q[i] - truth.q[i]; squares += e * e }
        jointErrorSquares += squares
        jointErrorSamples += estimate.q.count
        if tick >= seedTicks, estimatesOrientation {
            worstOrientationError = max(worstOrientationError, estimate.basePose.rotation.angle(to: truth.basePose.rotation))
        }
        if legOdometry != nil {
            worstPositionError = max(worstPositionError, length(estimate.basePose.position - truth.basePose.position))
        }
    }

    /// Force/torque, contact, camera and lidar updates for `tick`; contacts are read only on ticks some sensor samples.
    private func updateExteroceptive(tick: Int) {
        let dt = timing.dt
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
        if legOdometry != nil {
            v["base_position_error"] = length(estimate.basePose.position - truth.basePose.position)
            v["base_position_error_max"] = worstPositionError
        }
        if estimatesOrientation {
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

// MARK: - Random streams

/// The names of the runtime's random streams, each seeded from the scenario seed and its name
/// (`RandomStreams.seed(scenario:consumer:)`). Sensor streams begin with "sensor." and the task camera's with
/// "task.camera", so no declared sensor, whatever its name, shares a stream with the task's camera.
enum RandomConsumer {
    /// A declared sensor's noise.
    static func sensor(_ name: String) -> String { "sensor.\(name)" }
    /// The reach_object task's own camera.
    static let taskCamera = "task.camera"
    /// The task's copy of the declared depth camera `name` (`task.camera: <name>`).
    static func taskCameraCopy(of name: String) -> String { "task.camera.\(name)" }
    /// A world object's random placement (`random_xy`).
    static func object(_ name: String) -> String { "object.\(name)" }
    /// The move_to task's RRT-Connect.
    static let planner = "planner"
    /// The IK restarts of ee_targets with solver ik.
    static let plannerIK = "planner.ik"
    /// The walk task's foot-placement noise.
    static let footsteps = "task.footsteps"
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

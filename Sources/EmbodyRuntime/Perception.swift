// MARK: - Sensors and estimation in the loop
//
// Built at load from the scenario's `sensors` and `estimation`; every call per tick works in
// preallocated buffers. With no sensors declared (or `use_ground_truth`), the estimate is the true state.

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
    private var linkPoses: [Double]
    private var twists: [Double]
    private var previousTwists: [Double]
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

    init(scenario: Scenario, robot: Robot, dt: Double) throws(RuntimeError) {
        self.dt = dt
        let rate = Double(scenario.physics.physicsRate)
        var encoders: JointEncoderSensor? = nil, imu: ImuSensor? = nil, imuLink = 0
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
                    guard let name = s.link, let link = robot.linkNames.firstIndex(of: name) else {
                        throw RuntimeError("\(s.location): the imu's link is not a link of the robot")
                    }
                    var c = ImuConfiguration(timing: timing, seed: seed)
                    let g = scenario.physics.gravity
                    c.gravity = Vector3(g[0], g[1], g[2])
                    c.accelerometerNoiseStdDev = s.noise
                    c.gyroscopeNoiseStdDev = s.gyroNoise
                    c.accelerometerBias = Vector3(s.accelBias[0], s.accelBias[1], s.accelBias[2])
                    c.gyroscopeBias = Vector3(s.gyroBias[0], s.gyroBias[1], s.gyroBias[2])
                    imu = try ImuSensor(configuration: c)
                    imuLink = link
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
            robot.getLinkPoses(&linkPoses)
            robot.getLinkTwists(&twists)
            imu.update(tick: tick, link: imuLink, linkPoses: linkPoses, twists: twists, previousTwists: previousTwists, dt: dt)
            swap(&twists, &previousTwists)
            let out = imu.output
            if out.hasReading && out.sampleTick != imuTick {
                accel = Vector3(out.values[0], out.values[1], out.values[2])
                gyro = Vector3(out.values[3], out.values[4], out.values[5])
                let step = imuTick < 0 ? dt : Double(out.sampleTick - imuTick) * dt
                orientationFilter?.update(angularVelocity: gyro, specificForce: accel, dt: step)
                imuTick = out.sampleTick
            }
        }
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

    /// Perception metrics: orientation errors in degrees, the joint-position estimate RMS in rad or m.
    func values(truth: RobotState, estimate: RobotState) -> [String: Double] {
        var v: [String: Double] = [:]
        if orientationFilter != nil {
            v["base_orientation_error"] = estimate.basePose.rotation.angle(to: truth.basePose.rotation) * 180 / Double.pi
            v["base_orientation_error_max"] = worstOrientationError * 180 / Double.pi
        }
        if encoders != nil && jointErrorSamples > 0 {
            v["joint_position_estimate_error_rms"] = (jointErrorSquares / Double(jointErrorSamples)).squareRoot()
        }
        return v
    }

    private func copy(_ a: RobotState, into b: inout RobotState) {
        for i in 0..<a.q.count { b.q[i] = a.q[i]; b.qd[i] = a.qd[i] }
        b.time = a.time
        b.basePose = a.basePose
        b.baseLinearVelocity = a.baseLinearVelocity
        b.baseAngularVelocity = a.baseAngularVelocity
    }
}

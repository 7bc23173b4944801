// MARK: - Proprioceptive sensor models: encoders, IMU, force/torque, contact
//
// Each sensor is a pure model: the runtime hands it true quantities, it returns noisy, quantized, delayed
// readings. Every sensor owns a RandomStream seeded from its configuration, samples on its SensorTiming
// and delivers through a preallocated delay line; `update` never allocates. Call `update` every physics
// tick (tick 0 first): it samples when the tick is a sample tick and delivers whatever is due.

import EmbodyModel

// MARK: - Joint encoders

/// Joint encoders: per joint, the reading is resolution·round((q + n)/resolution), n ~ N(0, σ²); the noise
/// models electrical jitter before the counter, so readings stay on the count grid. Resolution 0 disables
/// quantization.
public struct JointEncoderConfiguration: Equatable, Sendable {
    /// When samples are taken and how late they arrive.
    public var timing: SensorTiming
    /// Quantization step per joint in rad (revolute) or m (prismatic); 0 means none.
    public var resolution: [Double]
    /// Gaussian noise standard deviation per joint in rad or m.
    public var noiseStdDev: [Double]
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a configuration with the same resolution (rad or m) and noise (rad or m) for all `dof` joints.
    public init(dof: Int, timing: SensorTiming, resolution: Double = 0, noiseStdDev: Double = 0, seed: UInt64) {
        self.timing = timing
        self.resolution = Array(repeating: resolution, count: dof)
        self.noiseStdDev = Array(repeating: noiseStdDev, count: dof)
        self.seed = seed
    }

    /// The resolution in rad of an encoder with `counts` counts per revolution: 2π / counts.
    public static func resolution(countsPerRevolution counts: Int) -> Double {
        counts > 0 ? 2 * Double.pi / Double(counts) : 0
    }
}

/// Joint position encoders for every coordinate of a robot (dof values, rad or m).
public final class JointEncoderSensor {
    /// The configuration.
    public let configuration: JointEncoderConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Double>

    /// Creates encoders; resolution and noise must have one non-negative entry per joint.
    public init(configuration: JointEncoderConfiguration) throws(PerceptionError) {
        let c = configuration
        guard c.resolution.count == c.noiseStdDev.count else {
            throw PerceptionError("encoder resolution (\(c.resolution.count)) and noise (\(c.noiseStdDev.count)) need one entry per joint")
        }
        guard c.resolution.allSatisfy({ $0 >= 0 && $0.isFinite }), c.noiseStdDev.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw PerceptionError("encoder resolution and noise must be finite and ≥ 0")
        }
        self.configuration = c
        random = RandomStream(seed: c.seed)
        channel = SensorChannel(width: c.resolution.count, timing: c.timing, fill: 0)
    }

    /// The number of joints.
    public var dof: Int { configuration.resolution.count }

    /// The delivered reading (dof values, rad or m) with its sampling tick.
    public var output: SensorOutput<Double> { channel.output }

    /// Samples `q` (true joint positions, dof values) if `tick` is a sample tick, then delivers what is due;
    /// returns true when a new reading arrived at this tick.
    @discardableResult
    public func update(tick: Int, q: [Double]) -> Bool {
        precondition(q.count >= dof, "expected \(dof) joint positions, got \(q.count)")
        if configuration.timing.isSampleTick(tick) {
            let res = configuration.resolution, sigma = configuration.noiseStdDev
            channel.line.push(tick: tick) { out in
                for i in 0..<out.count {
                    var value = q[i]
                    if sigma[i] > 0 { value += sigma[i] * random.normal() }
                    if res[i] > 0 { value = res[i] * (value / res[i]).rounded(.toNearestOrEven) }
                    out[i] = value
                }
            }
        }
        return channel.deliver(tick: tick)
    }

    /// Forgets waiting and delivered readings and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: 0)
    }
}

// MARK: - IMU

/// An IMU fixed to a link: accelerometer and gyroscope with constant biases and white Gaussian noise.
public struct ImuConfiguration: Equatable, Sendable {
    /// When samples are taken and how late they arrive.
    public var timing: SensorTiming
    /// The IMU frame in the link frame (its axes are the measurement axes).
    public var mount: Transform = .identity
    /// Gravity in m/s², world frame.
    public var gravity: Vector3 = Vector3(0, 0, -9.81)
    /// Accelerometer white-noise standard deviation per axis, m/s².
    public var accelerometerNoiseStdDev: Double = 0
    /// Accelerometer constant bias in the IMU frame, m/s².
    public var accelerometerBias: Vector3 = .zero
    /// Gyroscope white-noise standard deviation per axis, rad/s.
    public var gyroscopeNoiseStdDev: Double = 0
    /// Gyroscope constant bias in the IMU frame, rad/s.
    public var gyroscopeBias: Vector3 = .zero
    /// Whether the accelerometer reads the mean specific force over the physics steps since the last sample (a
    /// boxcar anti-aliasing filter: the reading times the period is then the velocity change over it, as an IMU's
    /// delta-velocity output gives it) instead of the sample step's alone. The gyroscope reads the sample step's
    /// angular velocity either way, and the noise σ is per reading.
    public var averagesSpecificForce = false
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a noiseless, unbiased IMU at the link frame with the given timing and seed.
    public init(timing: SensorTiming, seed: UInt64) {
        self.timing = timing
        self.seed = seed
    }
}

/// What an ideal IMU measures: specific force and angular velocity in its own frame.
public struct ImuMeasurement: Equatable, Sendable {
    /// Specific force f = Rᵀ(a − g) in m/s², IMU frame: (0, 0, +9.81) at rest and upright.
    public var specificForce: Vector3
    /// Angular velocity in rad/s, IMU frame.
    public var angularVelocity: Vector3

    /// Creates a measurement.
    public init(specificForce: Vector3, angularVelocity: Vector3) {
        self.specificForce = specificForce
        self.angularVelocity = angularVelocity
    }
}

/// An IMU: reading = [f_x, f_y, f_z (m/s²), ω_x, ω_y, ω_z (rad/s)] in the IMU frame, with
/// f = R_imuᵀ (a_imu − g) + b_a + n_a and ω = R_imuᵀ ω_link + b_g + n_g.
///
/// The IMU point's acceleration comes from the link origin's velocity by a finite difference between
/// consecutive physics steps: a_O = (v_O(t) − v_O(t − dt))/dt, α = (ω(t) − ω(t − dt))/dt, and for the IMU
/// at r = R_link·p_mount from the origin, a_imu = a_O + α × r + ω × (ω × r). With semi-implicit Euler the
/// difference is exactly the acceleration the last step integrated.
///
/// By default a reading is that of the sample tick's physics step alone; when the IMU samples more slowly than the
/// physics steps, a short event between samples (a foot's impact) is then either missed or read as if it lasted a
/// whole period, and an estimator that integrates the readings takes a lasting velocity error from it. With
/// `averagesSpecificForce`, the accelerometer reads the mean of every step's f since the previous sample (at the
/// first sample, that step's alone): f̄ = (1/n) Σ f_i over the n steps, so that f̄·n·dt is the velocity change over
/// the period (each step's in its own IMU frame).
public final class ImuSensor {
    /// The configuration.
    public let configuration: ImuConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Double>
    /// With `averagesSpecificForce`: the sum of f over the steps since the last sample (m/s²), and their count.
    private var specificForceSum = Vector3.zero
    private var stepsSummed = 0

    /// Creates an IMU; noise levels must be finite and ≥ 0.
    public init(configuration: ImuConfiguration) throws(PerceptionError) {
        let c = configuration
        guard c.accelerometerNoiseStdDev >= 0, c.gyroscopeNoiseStdDev >= 0,
              c.accelerometerNoiseStdDev.isFinite, c.gyroscopeNoiseStdDev.isFinite else {
            throw PerceptionError("IMU noise levels must be finite and ≥ 0")
        }
        self.configuration = c
        random = RandomStream(seed: c.seed)
        channel = SensorChannel(width: 6, timing: c.timing, fill: 0)
    }

    /// The delivered reading: specific force (m/s², 3 values) then angular velocity (rad/s, 3 values), IMU frame.
    public var output: SensorOutput<Double> { channel.output }

    /// The noiseless measurement for a link at `linkPose` whose origin moves with `linearVelocity` (m/s) and
    /// which turns at `angularVelocity` (rad/s), both world frame now, and with the previous step's values
    /// `previousLinearVelocity` and `previousAngularVelocity`, `dt` seconds earlier.
    public static func idealMeasurement(mount: Transform, gravity: Vector3, linkPose: Transform,
                                        linearVelocity: Vector3, angularVelocity: Vector3,
                                        previousLinearVelocity: Vector3, previousAngularVelocity: Vector3,
                                        dt: Double) -> ImuMeasurement {
        let aOrigin = dt > 0 ? (linearVelocity - previousLinearVelocity) / dt : .zero
        let alpha = dt > 0 ? (angularVelocity - previousAngularVelocity) / dt : .zero
        let r = linkPose.rotation.rotate(mount.position)
        let w = angularVelocity
        let aImu = aOrigin + cross(alpha, r) + cross(w, cross(w, r))
        let imuRotation = linkPose.rotation * mount.rotation
        return ImuMeasurement(specificForce: imuRotation.inverseRotate(aImu - gravity),
                              angularVelocity: imuRotation.inverseRotate(w))
    }

    /// Samples (if `tick` is a sample tick) from the link's pose and its origin's twist now and one physics
    /// step (`dt` s) earlier, all world frame; then delivers what is due. Returns true when a reading arrived.
    /// With `averagesSpecificForce`, call it after every physics step: each call adds that step to the mean.
    @discardableResult
    public func update(tick: Int, linkPose: Transform, linearVelocity: Vector3, angularVelocity: Vector3,
                       previousLinearVelocity: Vector3, previousAngularVelocity: Vector3, dt: Double) -> Bool {
        let c = configuration
        let sampling = c.timing.isSampleTick(tick)
        guard sampling || c.averagesSpecificForce else { return channel.deliver(tick: tick) }
        var m = ImuSensor.idealMeasurement(mount: c.mount, gravity: c.gravity, linkPose: linkPose,
                                           linearVelocity: linearVelocity, angularVelocity: angularVelocity,
                                           previousLinearVelocity: previousLinearVelocity,
                                           previousAngularVelocity: previousAngularVelocity, dt: dt)
        if c.averagesSpecificForce {
            specificForceSum += m.specificForce
            stepsSummed += 1
            if sampling {
                m.specificForce = specificForceSum / Double(stepsSummed)
                specificForceSum = .zero
                stepsSummed = 0
            }
        }
        if sampling {
            channel.line.push(tick: tick) { out in
                writeSixAxis(out, m.specificForce + c.accelerometerBias, m.angularVelocity + c.gyroscopeBias,
                             noise: c.accelerometerNoiseStdDev, c.gyroscopeNoiseStdDev, random: &random)
            }
        }
        return channel.deliver(tick: tick)
    }

    /// Samples from flat buffers as Robot.getLinkPoses and Robot.getLinkTwists fill them: `linkPoses`
    /// (7 per link), `twists` and `previousTwists` (6 per link: origin velocity, angular velocity), link `link`.
    @discardableResult
    public func update(tick: Int, link: Int, linkPoses: [Double], twists: [Double], previousTwists: [Double],
                       dt: Double) -> Bool {
        let p = 7 * link, t = 6 * link
        precondition(link >= 0 && linkPoses.count >= p + 7 && twists.count >= t + 6 && previousTwists.count >= t + 6,
                     "link \(link) is outside the pose and twist buffers")
        let pose = Transform(position: Vector3(linkPoses[p], linkPoses[p + 1], linkPoses[p + 2]),
                             rotation: Quaternion(x: linkPoses[p + 3], y: linkPoses[p + 4], z: linkPoses[p + 5],
                                                  w: linkPoses[p + 6]))
        return update(tick: tick, linkPose: pose,
                      linearVelocity: Vector3(twists[t], twists[t + 1], twists[t + 2]),
                      angularVelocity: Vector3(twists[t + 3], twists[t + 4], twists[t + 5]),
                      previousLinearVelocity: Vector3(previousTwists[t], previousTwists[t + 1], previousTwists[t + 2]),
                      previousAngularVelocity: Vector3(previousTwists[t + 3], previousTwists[t + 4], previousTwists[t + 5]),
                      dt: dt)
    }

    /// Forgets waiting and delivered readings and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: 0)
        specificForceSum = .zero
        stepsSummed = 0
    }
}

// MARK: - Force/torque

/// A 6-axis force/torque sensor: reading = wrench + bias + white Gaussian noise, in the sensor frame.
public struct ForceTorqueConfiguration: Equatable, Sendable {
    /// When samples are taken and how late they arrive.
    public var timing: SensorTiming
    /// Force noise standard deviation per axis, N.
    public var forceNoiseStdDev: Double = 0
    /// Torque noise standard deviation per axis, N·m.
    public var torqueNoiseStdDev: Double = 0
    /// Constant force bias, N, sensor frame.
    public var forceBias: Vector3 = .zero
    /// Constant torque bias, N·m, sensor frame.
    public var torqueBias: Vector3 = .zero
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a noiseless, unbiased sensor with the given timing and seed.
    public init(timing: SensorTiming, seed: UInt64) {
        self.timing = timing
        self.seed = seed
    }
}

/// A 6-axis force/torque sensor at a joint; the true wrench comes from the caller (physics, later).
public final class ForceTorqueSensor {
    /// The configuration.
    public let configuration: ForceTorqueConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Double>

    /// Creates a sensor; noise levels must be finite and ≥ 0.
    public init(configuration: ForceTorqueConfiguration) throws(PerceptionError) {
        guard configuration.forceNoiseStdDev >= 0, configuration.torqueNoiseStdDev >= 0,
              configuration.forceNoiseStdDev.isFinite, configuration.torqueNoiseStdDev.isFinite else {
            throw PerceptionError("force/torque noise levels must be finite and ≥ 0")
        }
        self.configuration = configuration
        random = RandomStream(seed: configuration.seed)
        channel = SensorChannel(width: 6, timing: configuration.timing, fill: 0)
    }

    /// The delivered reading: force (N, 3 values) then torque (N·m, 3 values), sensor frame.
    public var output: SensorOutput<Double> { channel.output }

    /// Samples the true wrench (`force` in N, `torque` in N·m, sensor frame) if due, then delivers what is due.
    @discardableResult
    public func update(tick: Int, force: Vector3, torque: Vector3) -> Bool {
        if configuration.timing.isSampleTick(tick) {
            let c = configuration
            channel.line.push(tick: tick) { out in
                writeSixAxis(out, force + c.forceBias, torque + c.torqueBias,
                             noise: c.forceNoiseStdDev, c.torqueNoiseStdDev, random: &random)
            }
        }
        return channel.deliver(tick: tick)
    }

    /// Forgets waiting and delivered readings and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: 0)
    }
}

/// Writes a 6-axis reading (`first`, then `second`) into `out`, adding white Gaussian noise with standard
/// deviations `firstNoise` to the first three values and `secondNoise` to the last three (skipped when 0).
private func writeSixAxis(_ out: UnsafeMutableBufferPointer<Double>, _ first: Vector3, _ second: Vector3,
                          noise firstNoise: Double, _ secondNoise: Double, random: inout RandomStream) {
    out[0] = first.x; out[1] = first.y; out[2] = first.z
    out[3] = second.x; out[4] = second.y; out[5] = second.z
    if firstNoise > 0 { for i in 0..<3 { out[i] += firstNoise * random.normal() } }
    if secondNoise > 0 { for i in 3..<6 { out[i] += secondNoise * random.normal() } }
}

// MARK: - Contact / foot pressure

/// A contact (foot-pressure) sensor on a link whose sole is the link frame's xy-plane.
public struct ContactSensorConfiguration: Equatable, Sendable {
    /// When samples are taken and how late they arrive.
    public var timing: SensorTiming
    /// Total normal force noise standard deviation, N.
    public var forceNoiseStdDev: Double = 0
    /// Centre-of-pressure noise standard deviation along the link's x and y axes, m.
    public var copNoiseStdDev: Double = 0
    /// The measured total normal force above which the link reads as in contact, N.
    public var contactThreshold: Double = 1.0
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a noiseless sensor with a 1 N contact threshold.
    public init(timing: SensorTiming, seed: UInt64) {
        self.timing = timing
        self.seed = seed
    }
}

/// A contact sensor: from the contact points on its link and their normal forces, the total normal force
/// F = Σ fᵢ (+ noise, clamped ≥ 0) and the centre of pressure c = Σ fᵢ pᵢ / Σ fᵢ (+ noise in the sole plane).
///
/// Reading (8 values): F (N), c in the link frame (x, y, z, m), c in the world (x, y, z, m), in contact
/// (1 when F > threshold, else 0). Out of contact the centre of pressure reads as the link origin.
/// Per tick: `beginContacts()`, `addContact(point:normalForce:)` for each contact on the link, then `update`.
public final class ContactSensor {
    /// The configuration.
    public let configuration: ContactSensorConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Double>
    private var forceSum = 0.0
    private var momentSum = Vector3.zero

    /// Creates a sensor; noise levels and the threshold must be finite and ≥ 0.
    public init(configuration: ContactSensorConfiguration) throws(PerceptionError) {
        let c = configuration
        guard c.forceNoiseStdDev >= 0, c.copNoiseStdDev >= 0, c.contactThreshold >= 0,
              c.forceNoiseStdDev.isFinite, c.copNoiseStdDev.isFinite, c.contactThreshold.isFinite else {
            throw PerceptionError("contact sensor noise levels and threshold must be finite and ≥ 0")
        }
        self.configuration = c
        random = RandomStream(seed: c.seed)
        channel = SensorChannel(width: 8, timing: c.timing, fill: 0)
    }

    /// The delivered reading: F, c_link (3), c_world (3), in-contact flag.
    public var output: SensorOutput<Double> { channel.output }

    /// Clears the contacts gathered for this tick.
    public func beginContacts() {
        forceSum = 0
        momentSum = .zero
    }

    /// Adds one contact point (world frame, m) pressing on the link with `normalForce` N (negative values are ignored).
    public func addContact(point: Vector3, normalForce: Double) {
        guard normalForce > 0, normalForce.isFinite else { return }
        forceSum += normalForce
        momentSum += normalForce * point
    }

    /// Samples the gathered contacts (if due) for a link at `linkPose`, clears them, and delivers what is due.
    @discardableResult
    public func update(tick: Int, linkPose: Transform) -> Bool {
        if configuration.timing.isSampleTick(tick) {
            let c = configuration
            let total = forceSum
            let copWorld = total > 0 ? momentSum / total : linkPose.position
            var copLink = linkPose.inverse.apply(copWorld)
            channel.line.push(tick: tick) { out in
                var f = total
                if c.forceNoiseStdDev > 0 { f += c.forceNoiseStdDev * random.normal() }
                f = max(0, f)
                let inContact = f > c.contactThreshold
                if c.copNoiseStdDev > 0 {
                    copLink.x += c.copNoiseStdDev * random.normal()
                    copLink.y += c.copNoiseStdDev * random.normal()
                }
                if !inContact { copLink = .zero }
                let w = linkPose.apply(copLink)
                out[0] = f
                out[1] = copLink.x; out[2] = copLink.y; out[3] = copLink.z
                out[4] = w.x; out[5] = w.y; out[6] = w.z
                out[7] = inContact ? 1 : 0
            }
        }
        beginContacts()
        return channel.deliver(tick: tick)
    }

    /// Forgets gathered, waiting and delivered readings and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: 0)
        beginContacts()
    }
}

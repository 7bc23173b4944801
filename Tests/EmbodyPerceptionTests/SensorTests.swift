import EmbodyModel
@testable import EmbodyPerception
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Proprioceptive sensors: timing, noise, IMU physics, contacts, determinism

/// The path of a bundled robot URDF, from this file's location.
func robotPath(_ file: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scenarios/robots/\(file)").path
}

/// arm7 fixed at `basePose` in a world with a ground.
func fixedArm(basePose: Transform = .identity) throws -> (World, Robot) {
    let world = try World()
    var options = RobotOptions()
    options.fixedBase = true
    options.basePose = basePose
    return (world, try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options))
}

@Suite("Sensors")
struct SensorTests {
    @Test func timingNeedsAnExactDivisorAndDelaysDelivery() throws {
        #expect(throws: PerceptionError.self) { try SensorTiming(rateHz: 300, physicsRateHz: 1000) }
        let timing = try SensorTiming(rateHz: 100, physicsRateHz: 1000, latencyTicks: 25)
        #expect(timing.periodTicks == 10 && timing.samplesInFlight == 3)
        let encoders = try JointEncoderSensor(configuration: JointEncoderConfiguration(dof: 1, timing: timing, seed: 1))
        var deliveries: [(Int, Int, Double)] = []
        for tick in 0..<80 where encoders.update(tick: tick, q: [Double(tick)]) {
            deliveries.append((tick, encoders.output.sampleTick, encoders.output.values[0]))
        }
        #expect(deliveries.map(\.0) == [25, 35, 45, 55, 65, 75])
        #expect(deliveries.map(\.1) == [0, 10, 20, 30, 40, 50])
        #expect(deliveries.map(\.2) == [0, 10, 20, 30, 40, 50])
        let immediate = try JointEncoderSensor(configuration: JointEncoderConfiguration(
            dof: 1, timing: try SensorTiming(periodTicks: 1), seed: 1))
        #expect(immediate.update(tick: 0, q: [3]) && immediate.output.values == [3] && immediate.output.sampleTick == 0)
    }

    @Test func encodersQuantizeToTheirCountGrid() throws {
        let resolution = JointEncoderConfiguration.resolution(countsPerRevolution: 4096)
        var c = JointEncoderConfiguration(dof: 2, timing: try SensorTiming(periodTicks: 1), resolution: resolution,
                                          noiseStdDev: 0, seed: 3)
        c.resolution[1] = 0  // the second joint reads exactly
        let e = try JointEncoderSensor(configuration: c)
        e.update(tick: 0, q: [0.1234567, -0.7654321])
        let counts = e.output.values[0] / resolution
        #expect(abs(counts - counts.rounded()) < 1e-9)
        #expect(abs(e.output.values[0] - 0.1234567) <= resolution / 2)
        #expect(e.output.values[1] == -0.7654321)
    }

    @Test func sameSeedGivesBitIdenticalReadingsAndOtherSeedsDiffer() throws {
        func readings(seed: UInt64) throws -> [UInt64] {
            let timing = try SensorTiming(rateHz: 500, physicsRateHz: 1000, latencyTicks: 3)
            let e = try JointEncoderSensor(configuration: JointEncoderConfiguration(
                dof: 3, timing: timing, resolution: 1e-4, noiseStdDev: 0.001, seed: seed))
            var imuConfig = ImuConfiguration(timing: timing, seed: seed &+ 1)
            imuConfig.accelerometerNoiseStdDev = 0.05
            imuConfig.gyroscopeNoiseStdDev = 0.01
            let imu = try ImuSensor(configuration: imuConfig)
            var ftConfig = ForceTorqueConfiguration(timing: timing, seed: seed &+ 2)
            ftConfig.forceNoiseStdDev = 0.5
            let ft = try ForceTorqueSensor(configuration: ftConfig)
            var bits: [UInt64] = []
            for tick in 0..<200 {
                let t = Double(tick) * 0.001
                e.update(tick: tick, q: [sin(t), cos(t), t])
                imu.update(tick: tick, linkPose: .identity, linearVelocity: Vector3(t, 0, 0), angularVelocity: .zero,
                           previousLinearVelocity: Vector3(t - 0.001, 0, 0), previousAngularVelocity: .zero, dt: 0.001)
                ft.update(tick: tick, force: Vector3(0, 0, 10), torque: .zero)
                bits += e.output.values.map(\.bitPattern) + imu.output.values.map(\.bitPattern) + ft.output.values.map(\.bitPattern)
            }
            return bits
        }
        let a = try readings(seed: 10), b = try readings(seed: 10), c = try readings(seed: 11)
        #expect(a == b)
        #expect(a != c)
    }

    /// A 500 Hz IMU on 1 ms physics steps; the link at rest except for one step that changes its velocity by Δv
    /// (an impact). Read from the sample step alone, the impact is missed when it falls between samples and counted
    /// twice when it falls on one (each reading stands for 2 ms); with `averagesSpecificForce` the readings integrate
    /// to Δv whichever step it falls on, and the gyroscope still reads the sample step's angular velocity.
    @Test func anAveragingAccelerometerIntegratesAnImpactBetweenSamples() throws {
        let dv = 0.3, dt = 0.001, g = 9.81
        func integratedVelocityChange(average: Bool, impactTick: Int) throws -> (Double, Double) {
            var config = ImuConfiguration(timing: try SensorTiming(rateHz: 500, physicsRateHz: 1000, latencyTicks: 0), seed: 1)
            config.averagesSpecificForce = average
            let imu = try ImuSensor(configuration: config)
            var sum = 0.0, lastGyro = 0.0
            for tick in 0..<20 {
                let before = tick > impactTick ? dv : 0, now = tick >= impactTick ? dv : 0
                let spin = Double(tick) * 0.01   // rad/s about z, read at the sample step
                if imu.update(tick: tick, linkPose: .identity, linearVelocity: Vector3(now, 0, 0),
                              angularVelocity: Vector3(0, 0, spin), previousLinearVelocity: Vector3(before, 0, 0),
                              previousAngularVelocity: .zero, dt: dt) {
                    let v = imu.output.values
                    #expect(abs(v[2] - g) < 1e-12)
                    sum += v[0] * 2 * dt   // each reading stands for its 2 ms period
                    lastGyro = v[5] - spin
                }
            }
            return (sum, lastGyro)
        }
        for impactTick in [5, 6] {
            let (averaged, gyro) = try integratedVelocityChange(average: true, impactTick: impactTick)
            #expect(abs(averaged - dv) < 1e-12, "impact at tick \(impactTick): integrated \(averaged) m/s")
            #expect(gyro == 0)
        }
        #expect(abs(try integratedVelocityChange(average: false, impactTick: 5).0) < 1e-12)       // missed
        #expect(abs(try integratedVelocityChange(average: false, impactTick: 6).0 - 2 * dv) < 1e-12)  // counted twice
    }

    @Test func imuOnAFixedBaseReadsGravityUpWithinItsNoise() throws {
        for rpy in [Vector3.zero, Vector3(0.3, -0.2, 0.7)] {
            let base = Transform(xyz: Vector3(0.2, -0.1, 0), rpy: rpy)
            let (world, robot) = try fixedArm(basePose: base)
            var config = ImuConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 77)
            config.accelerometerNoiseStdDev = 0.05
            config.gyroscopeNoiseStdDev = 0.01
            let imu = try ImuSensor(configuration: config)
            var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
            var twists = [Double](repeating: 0, count: 6 * robot.linkCount), previous = twists
            let n = 2000
            var f = Vector3.zero, w = Vector3.zero
            robot.getLinkTwists(&previous)
            for tick in 0..<n {
                world.step(dt: 0.001)  // the arm itself falls under gravity; its fixed base does not move
                robot.getLinkPoses(&poses)
                robot.getLinkTwists(&twists)
                imu.update(tick: tick, link: 0, linkPoses: poses, twists: twists, previousTwists: previous, dt: 0.001)
                swap(&twists, &previous)
                let v = imu.output.values
                f += Vector3(v[0], v[1], v[2])
                w += Vector3(v[3], v[4], v[5])
            }
            f /= Double(n); w /= Double(n)
            let expected = base.rotation.conjugate.rotate(Vector3(0, 0, 9.81))
            let bound = 3 * 0.05 / Double(n).squareRoot()
            print("IMU at rest, base rpy \(rpy): mean specific force \(f), expected \(expected), 3σ/√N = \(bound)")
            for k in 0..<3 { #expect(abs(f[k] - expected[k]) < bound) }
            for k in 0..<3 { #expect(abs(w[k]) < 3 * 0.01 / Double(n).squareRoot()) }
        }
    }

    @Test func imuOnARestingBoxReadsGravityUp() throws {
        let world = try World()
        let box = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.2, 0.2, 0.1)), mass: 2,
                                                    pose: Transform(position: Vector3(0, 0, 0.06))))
        for _ in 0..<1000 { world.step(dt: 0.001) }  // settle
        var config = ImuConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 5)
        config.accelerometerNoiseStdDev = 0.05
        let imu = try ImuSensor(configuration: config)
        var pose = [Double](repeating: 0, count: 7), twist = [Double](repeating: 0, count: 6), previous = twist
        box.getTwist(&previous)
        let n = 2000
        var f = Vector3.zero
        for tick in 0..<n {
            world.step(dt: 0.001)
            box.getPose(&pose)
            box.getTwist(&twist)
            imu.update(tick: tick, linkPose: Transform(pose, from: 0), linearVelocity: Vector3(twist[0], twist[1], twist[2]),
                       angularVelocity: Vector3(twist[3], twist[4], twist[5]),
                       previousLinearVelocity: Vector3(previous[0], previous[1], previous[2]),
                       previousAngularVelocity: Vector3(previous[3], previous[4], previous[5]), dt: 0.001)
            swap(&twist, &previous)
            f += Vector3(imu.output.values[0], imu.output.values[1], imu.output.values[2])
        }
        f /= Double(n)
        let bound = 3 * 0.05 / Double(n).squareRoot()
        print("IMU on a resting box: mean specific force \(f), 3σ/√N = \(bound)")
        #expect(abs(f.x) < bound && abs(f.y) < bound && abs(f.z - 9.81) < bound)
    }

    @Test func imuAddsCentripetalAndTangentialAccelerationAtItsMount() {
        // A link spinning about z at 2 rad/s and speeding up at 1 rad/s²; IMU 0.5 m out along the link's x.
        let m = ImuSensor.idealMeasurement(mount: Transform(position: Vector3(0.5, 0, 0)), gravity: Vector3(0, 0, -9.81),
                                           linkPose: .identity, linearVelocity: .zero, angularVelocity: Vector3(0, 0, 2),
                                           previousLinearVelocity: .zero, previousAngularVelocity: Vector3(0, 0, 1.999),
                                           dt: 0.001)
        #expect(length(m.specificForce - Vector3(-2, 0.5, 9.81)) < 1e-9)  // −ω²r, α×r, −g
        #expect(length(m.angularVelocity - Vector3(0, 0, 2)) < 1e-12)
        // Mounted upside down (rolled by π), gravity reads −z and the spin −z.
        let flipped = ImuSensor.idealMeasurement(
            mount: Transform(rotation: Quaternion(axis: Vector3(1, 0, 0), angle: .pi)), gravity: Vector3(0, 0, -9.81),
            linkPose: .identity, linearVelocity: .zero, angularVelocity: Vector3(0, 0, 2), previousLinearVelocity: .zero,
            previousAngularVelocity: Vector3(0, 0, 2), dt: 0.001)
        #expect(length(flipped.specificForce - Vector3(0, 0, -9.81)) < 1e-9)
        #expect(length(flipped.angularVelocity - Vector3(0, 0, -2)) < 1e-12)
    }

    @Test func imuBiasesShiftTheMeanReading() throws {
        var config = ImuConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 8)
        config.accelerometerBias = Vector3(0.1, -0.2, 0.05)
        config.gyroscopeBias = Vector3(0.01, 0, -0.02)
        let imu = try ImuSensor(configuration: config)
        imu.update(tick: 0, linkPose: .identity, linearVelocity: .zero, angularVelocity: .zero,
                   previousLinearVelocity: .zero, previousAngularVelocity: .zero, dt: 0.001)
        #expect(imu.output.values == [0.1, -0.2, 9.81 + 0.05, 0.01, 0, -0.02])
    }

    @Test func forceTorqueNoiseAndBiasHaveTheConfiguredStatistics() throws {
        var config = ForceTorqueConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 12)
        config.forceNoiseStdDev = 0.5
        config.torqueNoiseStdDev = 0.02
        config.forceBias = Vector3(1, 0, 0)
        let ft = try ForceTorqueSensor(configuration: config)
        let n = 20000
        var sum = [Double](repeating: 0, count: 6), squares = sum
        for tick in 0..<n {
            ft.update(tick: tick, force: Vector3(0, 0, 20), torque: Vector3(0.5, 0, 0))
            for k in 0..<6 { sum[k] += ft.output.values[k]; squares[k] += ft.output.values[k] * ft.output.values[k] }
        }
        let mean = sum.map { $0 / Double(n) }
        let sd = (0..<6).map { (squares[$0] / Double(n) - mean[$0] * mean[$0]).squareRoot() }
        let truth = [1.0, 0, 20, 0.5, 0, 0]
        for k in 0..<6 {
            let sigma = k < 3 ? 0.5 : 0.02
            #expect(abs(mean[k] - truth[k]) < 4 * sigma / Double(n).squareRoot())
            #expect(abs(sd[k] / sigma - 1) < 0.03)
        }
    }

    @Test func contactSensorSumsForcesAndFindsTheCentreOfPressure() throws {
        let sensor = try ContactSensor(configuration: ContactSensorConfiguration(
            timing: try SensorTiming(periodTicks: 1), seed: 1))
        let link = Transform(position: Vector3(1, 2, 0), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: .pi / 2))
        sensor.beginContacts()
        sensor.addContact(point: Vector3(1.1, 2, 0), normalForce: 10)
        sensor.addContact(point: Vector3(0.9, 2.2, 0), normalForce: 30)
        sensor.update(tick: 0, linkPose: link)
        let v = sensor.output.values
        #expect(abs(v[0] - 40) < 1e-12 && v[7] == 1)
        let world = Vector3(v[4], v[5], v[6]), local = Vector3(v[1], v[2], v[3])
        #expect(length(world - Vector3(0.95, 2.15, 0)) < 1e-12)
        #expect(length(local - link.inverse.apply(Vector3(0.95, 2.15, 0))) < 1e-12)
        sensor.addContact(point: Vector3(1, 2, 0), normalForce: 0.5)  // below the 1 N threshold
        sensor.update(tick: 1, linkPose: link)
        #expect(sensor.output.values[7] == 0 && sensor.output.values[0] == 0.5)
    }

    @Test func contactSensorOnARestingBoxSeesItsWeightUnderItsCentre() throws {
        let world = try World()
        let box = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.3, 0.2, 0.1)), mass: 3,
                                                    pose: Transform(position: Vector3(0.4, -0.3, 0.0505))))
        for _ in 0..<1500 { world.step(dt: 0.001) }
        let sensor = try ContactSensor(configuration: ContactSensorConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 2))
        var contacts: [Contact] = []
        sensor.beginContacts()
        let count = world.contacts(into: &contacts)
        for c in contacts.prefix(count) where c.objectA == box.id || c.objectB == box.id {
            sensor.addContact(point: c.positionOnB, normalForce: c.normalForce)
        }
        sensor.update(tick: 0, linkPose: box.pose)
        let v = sensor.output.values
        print("contact sensor on a resting 3 kg box: F = \(v[0]) N, CoP = (\(v[4]), \(v[5]), \(v[6])) m")
        #expect(abs(v[0] - 3 * 9.81) < 0.01 * 3 * 9.81)
        #expect(abs(v[4] - 0.4) < 1e-3 && abs(v[5] + 0.3) < 1e-3 && abs(v[6]) < 1e-3)
    }
}

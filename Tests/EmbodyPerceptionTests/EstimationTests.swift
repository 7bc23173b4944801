import EmbodyModel
@testable import EmbodyPerception
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Estimators: joint velocity filter and complementary orientation filter

/// The tilt (angle between the estimated and true "up" directions, in rad) of an orientation estimate.
func tiltError(_ estimate: Quaternion, _ truth: Quaternion) -> Double {
    let a = estimate.conjugate.rotate(Vector3(0, 0, 1)), b = truth.conjugate.rotate(Vector3(0, 0, 1))
    return acos(min(1, max(-1, dot(a, b))))
}

@Suite("Estimation")
struct EstimationTests {
    @Test func velocityFilterTracksARampExactlyAndASineWithSmallLag() throws {
        let f = try JointVelocityFilter(dof: 2, cutoffHz: 20)
        let dt = 0.001
        var worstSine = 0.0
        for k in 0..<3000 {
            let t = Double(k) * dt
            f.update(q: [0.5 * t, sin(2 * .pi * t)], dt: dt)
            if t > 1 { worstSine = max(worstSine, abs(f.velocity[1] - 2 * .pi * cos(2 * .pi * t))) }
        }
        #expect(abs(f.velocity[0] - 0.5) < 1e-9)
        // First-order lag τ = 1/(2π·20) s: the error amplitude is about ω·A·ωτ = 2π·2π·τ ≈ 0.31 rad/s (5 %).
        print("velocity filter: worst error on a 1 Hz sine \(worstSine) rad/s (amplitude 6.28)")
        #expect(worstSine < 0.35)
    }

    @Test func velocityFilterSmoothsEncoderNoise() throws {
        let timing = try SensorTiming(periodTicks: 1)
        let encoder = try JointEncoderSensor(configuration: JointEncoderConfiguration(
            dof: 1, timing: timing, resolution: JointEncoderConfiguration.resolution(countsPerRevolution: 16384),
            noiseStdDev: 1e-4, seed: 9))
        let raw = try JointVelocityFilter(dof: 1, cutoffHz: .infinity), smooth = try JointVelocityFilter(dof: 1, cutoffHz: 10)
        var rawSquares = 0.0, smoothSquares = 0.0
        for tick in 0..<4000 {
            encoder.update(tick: tick, q: [0.3 * Double(tick) * 0.001])
            raw.update(q: encoder.output.values, dt: 0.001)
            smooth.update(q: encoder.output.values, dt: 0.001)
            if tick > 1000 {
                rawSquares += pow(raw.velocity[0] - 0.3, 2)
                smoothSquares += pow(smooth.velocity[0] - 0.3, 2)
            }
        }
        print("velocity from a noisy encoder: RMS error raw \((rawSquares / 3000).squareRoot()) rad/s, "
              + "filtered \((smoothSquares / 3000).squareRoot()) rad/s")
        #expect(smoothSquares < rawSquares / 25)
    }

    @Test func complementaryFilterFollowsARotationTrajectoryWithin1Degree() throws {
        // Truth: R(t) = Rz(ψ(t)) Ry(θ(t)) Rx(φ(t)), turning about a fixed point (no linear acceleration).
        func truth(_ t: Double) -> Quaternion {
            Quaternion(rpy: Vector3(0.25 * cos(0.7 * t), 0.2 * sin(1.1 * t), 0.3 * sin(0.5 * t) + 0.1 * t))
        }
        let dt = 0.001, steps = 5000
        var config = ImuConfiguration(timing: try SensorTiming(periodTicks: 1), seed: 31)
        config.accelerometerNoiseStdDev = 0.05
        config.gyroscopeNoiseStdDev = 0.005
        config.gyroscopeBias = Vector3(0.01, -0.008, 0.001)
        config.accelerometerBias = Vector3(0.02, -0.01, 0)
        let imu = try ImuSensor(configuration: config)
        let filter = try ComplementaryFilter()
        var worstLate = 0.0, worstTiltLate = 0.0
        for k in 0..<steps {
            let t = Double(k) * dt
            let r0 = truth(t), r1 = truth(t + dt)
            // The body-frame rate that turns R(t) into R(t + dt) in one step, and the specific force at t + dt.
            let omega = (r0.conjugate * r1).rotationVector / dt
            let pose = Transform(rotation: r1)
            imu.update(tick: k, linkPose: pose, linearVelocity: .zero, angularVelocity: r1.rotate(omega),
                       previousLinearVelocity: .zero, previousAngularVelocity: r1.rotate(omega), dt: dt)
            let v = imu.output.values
            if k == 0 { filter.reset(specificForce: Vector3(v[0], v[1], v[2]), yaw: r1.rpy.z) }
            filter.update(angularVelocity: Vector3(v[3], v[4], v[5]), specificForce: Vector3(v[0], v[1], v[2]), dt: dt)
            if t > 4 {
                worstLate = max(worstLate, filter.orientation.angle(to: r1))
                worstTiltLate = max(worstTiltLate, tiltError(filter.orientation, r1))
            }
        }
        print("complementary filter on a rotation trajectory: worst error over the last second \(worstLate * 180 / .pi)°, "
              + "tilt \(worstTiltLate * 180 / .pi)°, estimated gyro bias \(filter.gyroBias)")
        #expect(worstLate < 1 * .pi / 180)
        #expect(worstTiltLate < 0.5 * .pi / 180)
    }

    @Test func complementaryFilterOnATiltedRobotBaseIsWithin1DegreeAfter5Seconds() throws {
        // A fixed, tilted arm7 base carries a biased, noisy IMU at 500 Hz with 2 ticks of latency. Filter A starts
        // from its first accelerometer reading and the true yaw (as a robot initializes at rest); filter B starts
        // level (14° off) with the true yaw and must find the tilt itself (yaw is not observable from gravity).
        let world = try World()
        var options = RobotOptions()
        options.fixedBase = true
        let truth = Transform(xyz: .zero, rpy: Vector3(0.2, -0.15, 0.4))
        options.basePose = truth
        let robot = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options)
        var config = ImuConfiguration(timing: try SensorTiming(rateHz: 500, physicsRateHz: 1000, latencyTicks: 2), seed: 4)
        config.accelerometerNoiseStdDev = 0.08
        config.gyroscopeNoiseStdDev = 0.01
        config.gyroscopeBias = Vector3(0.005, 0.005, -0.002)
        let imu = try ImuSensor(configuration: config)
        let a = try ComplementaryFilter(), b = try ComplementaryFilter()
        b.reset(orientation: Quaternion(axis: Vector3(0, 0, 1), angle: 0.4))
        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        var twists = [Double](repeating: 0, count: 6 * robot.linkCount), previous = twists
        robot.getLinkTwists(&previous)
        var lastSample = -1
        let initialTilt = tiltError(b.orientation, truth.rotation)
        for tick in 0..<5000 {
            world.step(dt: 0.001)
            robot.getLinkPoses(&poses)
            robot.getLinkTwists(&twists)
            if imu.update(tick: tick, link: 0, linkPoses: poses, twists: twists, previousTwists: previous, dt: 0.001) {
                let v = imu.output.values
                let gyro = Vector3(v[3], v[4], v[5]), accel = Vector3(v[0], v[1], v[2])
                if lastSample < 0 { a.reset(specificForce: accel, yaw: 0.4) }
                let dt = lastSample < 0 ? 0.002 : Double(imu.output.sampleTick - lastSample) * 0.001
                lastSample = imu.output.sampleTick
                a.update(angularVelocity: gyro, specificForce: accel, dt: dt)
                b.update(angularVelocity: gyro, specificForce: accel, dt: dt)
            }
            swap(&twists, &previous)
        }
        let errorA = a.orientation.angle(to: truth.rotation)
        let tiltB = tiltError(b.orientation, truth.rotation)
        print("complementary filter on a tilted base after 5 s: initialized at rest, error \(errorA * 180 / .pi)°; "
              + "started level, tilt \(initialTilt * 180 / .pi)° → \(tiltB * 180 / .pi)° "
              + "(full error \(b.orientation.angle(to: truth.rotation) * 180 / .pi)°, yaw unobserved)")
        #expect(errorA < 1 * .pi / 180)
        #expect(tiltB < 1 * .pi / 180)
    }

    @Test func bodyOrientationRemovesTheMount() throws {
        let filter = try ComplementaryFilter()
        let mount = Transform(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.3))
        let body = Quaternion(rpy: Vector3(0.1, 0.2, 0.3))
        filter.reset(orientation: body * mount.rotation)
        #expect(filter.bodyOrientation(mount: mount).angle(to: body) < 1e-12)
    }
}

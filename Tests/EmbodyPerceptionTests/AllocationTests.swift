import CMallocCounter
import EmbodyModel
@testable import EmbodyPerception
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Steady-state updates do not allocate

/// The allocations `body` makes on this thread.
func allocations(_ body: () -> Void) -> Int64 {
    let before = emb_test_thread_allocations()
    body()
    return emb_test_thread_allocations() - before
}

@Suite("Allocation")
struct PerceptionAllocationTests {
    @Test func sensorAndEstimatorUpdatesDoNotAllocate() throws {
        let world = try World()
        var options = RobotOptions()
        options.fixedBase = true
        let robot = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options)
        _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.1, 0.1, 0.1)), mass: 0,
                                              pose: Transform(position: Vector3(0.5, 0, 0.05))))
        let timing = try SensorTiming(rateHz: 500, physicsRateHz: 1000, latencyTicks: 3)
        let encoders = try JointEncoderSensor(configuration: JointEncoderConfiguration(
            dof: robot.dof, timing: timing, resolution: 1e-4, noiseStdDev: 1e-4, seed: 1))
        var imuConfig = ImuConfiguration(timing: timing, seed: 2)
        imuConfig.accelerometerNoiseStdDev = 0.05
        let imu = try ImuSensor(configuration: imuConfig)
        let ft = try ForceTorqueSensor(configuration: ForceTorqueConfiguration(timing: timing, seed: 3))
        let contact = try ContactSensor(configuration: ContactSensorConfiguration(timing: timing, seed: 4))
        let k = CameraIntrinsics(width: 32, height: 24, horizontalFieldOfView: 1, near: 0.05, far: 4)
        var camConfig = DepthCameraConfiguration(timing: try SensorTiming(rateHz: 100, physicsRateHz: 1000, latencyTicks: 15),
                                                 intrinsics: k, mount: lookAt(eye: Vector3(0.5, 0, 1.2), target: Vector3(0.5, 0, 0),
                                                                              up: Vector3(1, 0, 0)), seed: 5)
        camConfig.noiseConstant = 0.001
        let cam = try DepthCamera(configuration: camConfig)
        let lidar = try Lidar(configuration: LidarConfiguration(timing: try SensorTiming(rateHz: 100, physicsRateHz: 1000),
                                                                channels: 4, samplesPerChannel: 90, verticalMin: -0.3,
                                                                verticalMax: 0.1, maxRange: 10, seed: 6))
        let caster = WorldRayCaster(world: world, ignoring: robot.id, capacity: k.pixelCount)
        let velocity = try JointVelocityFilter(dof: robot.dof, cutoffHz: 30)
        let orientation = try ComplementaryFilter()
        var localizerConfig = ObjectLocalizerConfiguration()
        localizerConfig.minClusterPoints = 3
        let localizer = try ObjectLocalizer(intrinsics: k, configuration: localizerConfig)
        var q = [Double](repeating: 0, count: robot.dof)
        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        var twists = [Double](repeating: 0, count: 6 * robot.linkCount), previous = twists
        var contacts: [Contact] = []
        world.reserveContacts(64)
        contacts.reserveCapacity(64)
        for _ in 0..<64 { contacts.append(Contact()) }
        var counts = [String: Int64]()
        var measuring = false
        func measure(_ name: String, _ body: () -> Void) {
            guard measuring else { return body() }
            let n = allocations(body)
            if n != 0 { counts[name, default: 0] += n }
        }
        func tick(_ t: Int) {
            world.step(dt: 0.001)
            robot.getQ(&q)
            robot.getLinkPoses(&poses)
            robot.getLinkTwists(&twists)
            measure("encoders") { encoders.update(tick: t, q: q) }
            measure("imu") { imu.update(tick: t, link: 3, linkPoses: poses, twists: twists, previousTwists: previous, dt: 0.001) }
            measure("force/torque") { ft.update(tick: t, force: Vector3(0, 0, 1), torque: .zero) }
            let n = world.contacts(into: &contacts)
            measure("contact") {
                contact.beginContacts()
                for i in 0..<min(n, contacts.count) {
                    contact.addContact(point: contacts[i].positionOnB, normalForce: contacts[i].normalForce)
                }
                contact.update(tick: t, linkPose: .identity)
            }
            var delivered = false
            measure("depth camera") { delivered = cam.update(tick: t, linkPose: .identity, caster: caster) }
            if delivered {
                measure("localizer") { localizer.locate(depth: cam.output.values, cameraPose: cam.cameraPose(linkPose: .identity)) }
            }
            measure("lidar") { lidar.update(tick: t, linkPose: Transform(position: Vector3(0, 0, 1)), caster: caster) }
            measure("velocity filter") { velocity.update(q: encoders.output.values, dt: 0.001) }
            measure("complementary filter") {
                let v = imu.output.values
                orientation.update(angularVelocity: Vector3(v[3], v[4], v[5]), specificForce: Vector3(v[0], v[1], v[2]), dt: 0.001)
            }
            swap(&twists, &previous)
        }
        for t in 0..<100 { tick(t) }  // warm-up: lazy buffers, Bullet's pools
        measuring = true
        for t in 100..<400 { tick(t) }
        let count = counts.values.reduce(0, +)
        print("allocations in 300 ticks of every sensor and estimator: \(count) \(counts)")
        #expect(count == 0)
    }
}

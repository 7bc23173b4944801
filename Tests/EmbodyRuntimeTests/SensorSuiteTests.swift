import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

// MARK: - Force/torque, contact, depth camera and lidar sensors declared in scenarios

/// Loads scenario text as if it were a file in Scenarios/ (so `robots/…` resolves).
private func loadText(_ text: String, overrides: [String] = []) throws -> (Scenario, RobotModel) {
    try ScenarioLoader.parse(text: text, path: repoRoot.appendingPathComponent("Scenarios/sensor-test.yaml").path,
                             overrides: overrides)
}

private let armWithBox = """
name: sensor-test
seed: 11
duration: 0.1
physics: { dt: 0.001 }
robot:
  urdf: robots/arm7.urdf
  base: { fixed: true }
world:
  objects:
    - { name: box, shape: { box: [0.4, 0.3, 0.2] }, mass: 0, position: [2.0, 0.1, 0.1] }
controller: { type: pd, gains: { kp: 300, kd: 5 } }
sensors:
  - { name: top, type: depth_camera, rate: 50, width: 64, height: 48, fov: 1.2, near: 0.1, far: 5,
      mount: { eye: [2.0, 0.0, 1.5], target: [2.0, 0.0, 0.0], up: [1, 0, 0] } }
  - { name: scan, type: lidar, rate: 50, channels: 1, samples: 21, vertical: [0, 0], horizontal_fov: 0.2,
      horizontal_start: -0.1, range: [0.05, 10], mount: { eye: [3.5, 0.1, 0.1], target: [2.0, 0.1, 0.1] } }

"""

@Suite("Declared sensors")
struct SensorSuiteTests {
    /// A world-mounted camera looking straight down at a box on the ground: every pixel's depth is the analytic
    /// one (1.5 m to the ground, 1.3 m to the box top), and a library DepthCamera with the same configuration
    /// on the same world gives the same image bit for bit.
    @Test func declaredDepthCameraMatchesAnalyticDepth() throws {
        let (scenario, model) = try loadText(armWithBox)
        let sim = try Simulation(scenario: scenario, model: model)
        let frame = try #require(sim.depthFrame(sensor: "top"))
        #expect(frame.depth.sampleTick == 0)
        let k = frame.intrinsics
        #expect(k.width == 64 && k.height == 48)
        var boxPixels = 0, groundPixels = 0
        for v in 0..<k.height {
            for u in 0..<k.width {
                // Where the pixel's ray meets the box-top plane (z = 0.2), in world coordinates.
                let d = frame.pose.rotation.rotate(k.backProject(u: u, v: v, depth: 1))
                let t = (0.2 - 1.5) / d.z
                let x = 2.0 + t * d.x, y = 0.0 + t * d.y
                let insideX = abs(x - 2.0), insideY = abs(y - 0.1)
                let z = Double(frame.depth.values[v * k.width + u])
                if insideX < 0.19 && insideY < 0.14 {
                    #expect(abs(z - 1.3) < 1e-6, "pixel (\(u), \(v)) on the box reads \(z)")
                    boxPixels += 1
                } else if insideX > 0.21 || insideY > 0.16 {
                    #expect(abs(z - 1.5) < 1e-6, "pixel (\(u), \(v)) on the ground reads \(z)")
                    groundPixels += 1
                }
            }
        }
        #expect(boxPixels > 80 && groundPixels > 2000)

        // The library camera, configured by hand, on the same world.
        let timing = try SensorTiming(periodTicks: 20)
        let pose = lookAt(eye: Vector3(2, 0, 1.5), target: Vector3(2, 0, 0), up: Vector3(1, 0, 0))
        let camera = try DepthCamera(configuration: DepthCameraConfiguration(
            timing: timing, intrinsics: CameraIntrinsics(width: 64, height: 48, horizontalFieldOfView: 1.2, near: 0.1, far: 5),
            mount: pose, seed: 1))
        camera.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: sim.world, capacity: 64 * 48))
        #expect(camera.output.values == frame.depth.values)
    }

    /// A look-at lidar points its x axis at the target: the middle ray of a horizontal fan hits the box's face
    /// 1.3 m away, and every ray of the fan reads 1.3 m / cos(azimuth).
    @Test func declaredLidarLooksAtItsTarget() throws {
        let (scenario, model) = try loadText(armWithBox)
        let sim = try Simulation(scenario: scenario, model: model)
        let scan = try #require(sim.lidarScan(sensor: "scan"))
        let r = scan.ranges.values
        #expect(r.count == 21)
        #expect(abs(Double(r[10]) - 1.3) < 1e-6)                       // the box face is at x = 2.2
        for i in 0..<21 {  // the face is a plane perpendicular to the middle ray: r = 1.3 / cos(azimuth)
            let azimuth = -0.1 + Double(i) * 0.2 / 20
            #expect(abs(Double(r[i]) - 1.3 / cos(azimuth)) < 1e-6, "ray \(i) reads \(r[i])")
        }
        #expect(scan.points.count == 3 * 21)
        #expect(abs(Double(scan.points[30]) - 1.3) < 1e-6 && abs(Double(scan.points[31])) < 1e-6)
    }

    /// A force/torque sensor at joint_2 of the arm holding a bent posture reads the static load: the torque
    /// about the joint axis equals the gravity torque g(q) from the dynamics, and the force equals the weight of
    /// everything beyond the joint; the noisy reading is within a few σ of it.
    @Test func forceTorqueAtRestReadsTheStaticLoad() throws {
        let sensors = "[{name: shoulder, type: force_torque, joint: joint_2, force_noise: 0.5, torque_noise: 0.05}, "
            + "{name: elbow, type: force_torque, joint: joint_4, rate: 500, latency: 3}]"
        let (scenario, model) = try loadBundled("arm-hold", overrides: ["duration=3", "sensors=\(sensors)"])
        let sim = try Simulation(scenario: scenario, model: model)
        _ = try Runner.run(sim)
        let dynamics = try sim.robot.makeDynamics()
        var g = [Double](repeating: 0, count: dynamics.nv)
        dynamics.gravity(q: sim.robot.q, basePose: .identity, into: &g)
        for (name, joint, coordinate) in [("shoulder", "joint_2", 1), ("elbow", "joint_4", 3)] {
            let (reading, truth) = try #require(sim.forceTorqueReading(sensor: name))
            let axis = try #require(model.joints.first { $0.name == joint }).axis
            let trueTorque = Vector3(truth[3], truth[4], truth[5]), trueForce = Vector3(truth[0], truth[1], truth[2])
            #expect(abs(dot(trueTorque, axis) - g[coordinate]) < 1e-3 * abs(g[coordinate]),
                    "\(joint): \(dot(trueTorque, axis)) N·m against g = \(g[coordinate]) N·m")
            #expect(abs(g[coordinate]) > 5)
            // The weight of the links beyond the joint.
            let child = try #require(model.joints.first { $0.name == joint }).child
            var beyond: Set<Int> = [child]
            for j in model.joints where beyond.contains(j.parent) { beyond.insert(j.child) }
            let weight = beyond.reduce(0.0) { $0 + model.links[$1].inertial.mass } * 9.81
            #expect(abs(length(trueForce) - weight) < 1e-3 * weight, "\(joint): |F| = \(length(trueForce)) N, weight \(weight) N")
            if name == "shoulder" {
                for i in 0..<3 { #expect(abs(reading[i] - truth[i]) < 5 * 0.5) }
                for i in 3..<6 { #expect(abs(reading[i] - truth[i]) < 5 * 0.05) }
                #expect(reading != truth)
            } else {
                #expect(reading == truth)  // no noise
            }
        }
        let summary = try Runner.run(try Simulation(scenario: scenario, model: model))
        let forceError = try #require(summary.metrics["sensor.shoulder.force_error_rms"])
        // The RMS length of a 3-axis N(0, 0.5²) error is 0.5·√3.
        #expect(abs(forceError - 0.5 * 3.0.squareRoot()) < 0.05)
        #expect(summary.metrics["sensor.elbow.force_error_rms"] == 0)
    }

    /// Foot-pressure sensors under both feet of the standing humanoid carry its whole weight: the true normal
    /// forces sum to m·g within 1 %, the noisy readings within 3 %, and each centre of pressure lies under its sole.
    @Test func footContactsSumToTheWeight() throws {
        let sensors = "[{name: left, type: contact, link: left_foot, force_noise: 2, cop_noise: 0.002, threshold: 10}, "
            + "{name: right, type: contact, link: right_foot, force_noise: 2, cop_noise: 0.002, threshold: 10}]"
        let (scenario, model) = try loadBundled("humanoid-stand", overrides: ["duration=2", "sensors=\(sensors)"])
        let sim = try Simulation(scenario: scenario, model: model)
        let summary = try Runner.run(sim)
        #expect(!summary.fell)
        let weight = model.totalMass * 9.81
        let (left, leftTruth) = try #require(sim.contactReading(sensor: "left"))
        let (right, rightTruth) = try #require(sim.contactReading(sensor: "right"))
        #expect(abs(leftTruth[0] + rightTruth[0] - weight) < 0.01 * weight,
                "true normal forces \(leftTruth[0]) + \(rightTruth[0]) N against m·g = \(weight) N")
        #expect(abs(left[0] + right[0] - weight) < 0.03 * weight)
        #expect(left[7] == 1 && right[7] == 1)
        // The centres of pressure are at the soles (z ≈ 0) and on their own side of the robot.
        #expect(abs(leftTruth[6]) < 0.005 && abs(rightTruth[6]) < 0.005)
        #expect(leftTruth[5] > 0.03 && rightTruth[5] < -0.03)
        let mean = try #require(summary.metrics["sensor.left.mean_true_force"])
            + (summary.metrics["sensor.right.mean_true_force"] ?? 0)
        #expect(abs(mean - weight) < 0.02 * weight)
        let error = try #require(summary.metrics["contact_force_error_rms"])
        #expect(error > 1.5 && error < 2.5)   // σ = 2 N
    }

    /// The same seed gives the same bits with every sensor declared; another seed changes the sensor noise, and
    /// (with noisy encoders feeding the controller) the run.
    @Test func sameSeedSameBitsWithAllSensors() throws {
        func run(_ seed: Int) throws -> RunSummary {
            let (scenario, model) = try loadBundled("humanoid-sensors", overrides: [
                "duration=0.6", "seed=\(seed)",
                "sensors[6]={name: encoders, type: joint_encoders, latency: 1, noise: 0.0002}",
            ])
            #expect(Set(scenario.sensors.map(\.type)) == ["force_torque", "contact", "depth_camera", "lidar", "joint_encoders"])
            return try Runner.run(try Simulation(scenario: scenario, model: model))
        }
        let a = try run(3), b = try run(3), c = try run(4)
        #expect(a.stateHash == b.stateHash)
        #expect(a.metrics == b.metrics)
        #expect(a.stateHash != c.stateHash)
        for key in ["force_error_rms", "contact_force_error_rms", "depth_error_rms", "lidar_range_error_rms"] {
            #expect(a.metrics[key] != nil && a.metrics[key] != c.metrics[key], "\(key)")
        }
    }

    /// Readings and the true values of the same samples are recorded as channels, and the run replays bit for bit.
    @Test func sensorChannelsAreRecordedAndReplay() throws {
        let log = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: log) }
        let run = try embody(["run", "humanoid-sensors", "--record", log, "--set", "duration=0.5", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let reader = try LogReader(path: log)
        let channels = reader.header.channels
        for name in ["sensor.left_ankle_ft.fz", "true.left_ankle_ft.fz", "sensor.left_sole.force", "true.left_sole.cop_x",
                     "sensor.head_camera.valid_pixels", "sensor.chest_lidar.points"] {
            #expect(channels.contains(name), "\(name)")
        }
        let records = try reader.readAll()
        let read = try #require(channels.firstIndex(of: "sensor.left_sole.force"))
        let truth = try #require(channels.firstIndex(of: "true.left_sole.force"))
        let late = records.filter { $0.tick >= 200 }
        let squares = late.reduce(0.0) { $0 + ($1.values[read] - $1.values[truth]) * ($1.values[read] - $1.values[truth]) }
        let rms = (squares / Double(late.count)).squareRoot()
        #expect(rms > 1.5 && rms < 2.5, "contact force noise RMS \(rms) N, σ = 2 N")
        let pixels = try #require(channels.firstIndex(of: "sensor.head_camera.valid_pixels"))
        #expect(records.last!.values[pixels] == 80 * 60)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let metrics = try #require(json["metrics"] as? [String: Any])
        #expect(metrics["force_error_rms"] is Double && metrics["sensor.head_camera.depth_error_rms"] is Double)
        let verify = try embody(["replay", log, "--verify"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}

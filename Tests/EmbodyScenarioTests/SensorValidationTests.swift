// MARK: - The sensors section: force/torque, contact, depth camera and lidar
//
// One test per kind of bad field, each checking the message and where it points.

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Sensor validation")
struct SensorValidationTests {
    /// `minimalArm` with one sensor line appended under `sensors:`.
    private func arm(_ sensor: String) -> String { minimalArm + "sensors:\n  - \(sensor)\n" }

    @Test("every new sensor type loads with its values and defaults")
    func validSensorsLoad() throws {
        let text = minimalHumanoid + """
        sensors:
          - { name: lf, type: contact, link: left_foot, force_noise: 2, cop_noise: 0.002, threshold: 10 }
          - { name: rf, type: contact, link: right_foot }
          - { name: ft, type: force_torque, joint: left_ankle_roll, rate: 500, latency: 2, force_noise: 0.5,
              torque_noise: 0.05, force_bias: [0, 0, 1] }
          - { name: cam, type: depth_camera, link: head, width: 64, height: 48, fx: 50, fy: 50, cx: 31.5, cy: 23.5,
              mount: { eye: [0.1, 0, 0.1], target: [1, 0, -1] }, noise: 0.001, noise_quadratic: 0.002 }
          - { name: world_cam, type: depth_camera, width: 32, height: 24 }
          - { name: lidar, type: lidar, link: torso, channels: 4, samples: 90, vertical: [-0.3, 0.1],
              range: [0.1, 8], mount: { xyz: [0.1, 0, 0.2], rpy: [0, 0, 0.5] }, ignore_robot: true }
        """
        let scenario = try #require(loaded(text))
        #expect(scenario.sensors.map(\.type) == ["contact", "contact", "force_torque", "depth_camera", "depth_camera", "lidar"])
        let lf = try #require(scenario.sensors[0].kind.contact), rf = try #require(scenario.sensors[1].kind.contact)
        let ft = try #require(scenario.sensors[2].kind.forceTorque)
        #expect(lf.link == "left_foot" && lf.forceNoise == 2 && lf.copNoise == 0.002 && lf.threshold == 10)
        #expect(rf.threshold == 1 && rf.forceNoise == 0)
        #expect(ft.joint == "left_ankle_roll" && scenario.sensors[2].rate == 500 && scenario.sensors[2].latency == 2 && ft.forceBias == [0, 0, 1])
        let camera = try #require(scenario.sensors[3].kind.depthCamera)
        let cam = camera.image
        #expect(cam.fov == nil && cam.fx == 50 && cam.cy == 23.5 && cam.near == 0.1 && cam.far == 10)
        #expect(camera.mount.target == [1, 0, -1] && camera.mount.xyz == [0.1, 0, 0.1])
        #expect(camera.noiseQuadratic == 0.002)
        #expect(scenario.sensors[4].kind.depthCamera?.link == nil && scenario.sensors[4].kind.depthCamera?.image.fov == 1.0)
        let lidarSensor = try #require(scenario.sensors[5].kind.lidar)
        let lidar = lidarSensor.beams
        #expect(lidar.channels == 4 && lidar.samples == 90 && lidar.vertical == [-0.3, 0.1] && lidar.range == [0.1, 8])
        #expect(lidar.horizontalFov == 2 * Double.pi && lidarSensor.ignoreRobot)
        #expect(lidarSensor.mount.rpy == [0, 0, 0.5] && lidarSensor.mount.target == nil)
    }

    @Test("an unknown link is reported at the link with the nearest name")
    func unknownLink() throws {
        let text = arm("{ name: palm, type: contact, link: hnd }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "sensors[0].link: the robot 'arm7' has no link 'hnd'; did you mean 'hand'?")
        #expect(d.location.line == line(of: "hnd", in: text) && d.location.column == column(of: "hnd }", in: text))
    }

    @Test("a shortened name is answered with every name that begins with it, before edit-distance guesses")
    func shortenedNameListsItsExtensions() {
        let joints = ["left_hip_yaw", "left_knee", "left_ankle_pitch", "left_ankle_roll", "right_ankle_pitch"]
        // Edit distance alone would answer 'left_knee' (5 edits) for 'left_ankle'.
        #expect(Suggest.hint(for: "left_ankle", in: joints, what: "joints") ==
                "; did you mean 'left_ankle_pitch' or 'left_ankle_roll'?")
        #expect(Suggest.hint(for: "left_kne", in: joints, what: "joints") == "; did you mean 'left_knee'?")
    }

    @Test("an unknown force/torque joint is reported with the nearest name; a fixed joint is accepted")
    func unknownJoint() throws {
        let text = arm("{ name: wrist, type: force_torque, joint: joint_77 }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message.hasPrefix("sensors[0].joint: the robot 'arm7' has no joint 'joint_77'; did you mean"))
        #expect(d.location.column == column(of: "joint_77", in: text))
        #expect(loaded(arm("{ name: wrist, type: force_torque, joint: hand_joint }"))?.sensors.first?.kind.forceTorque?.joint == "hand_joint")
    }

    @Test("required keys per type: a joint for force_torque, a link for contact, a size for cameras")
    func requiredKeys() throws {
        #expect(try #require(onlyDiagnostic(arm("{ name: ft, type: force_torque }"))).message
                == "missing required key 'sensors[0].joint', such as joint: joint_7")
        #expect(try #require(onlyDiagnostic(arm("{ name: c, type: contact }"))).message
                == "missing required key 'sensors[0].link', such as link: left_foot")
        let found = diagnostics(arm("{ name: cam, type: depth_camera }")).map(\.message)
        #expect(found == ["missing required key 'sensors[0].width', such as width: 160",
                          "missing required key 'sensors[0].height', such as height: 120"])
    }

    @Test("a key of another sensor type is an error naming its owners")
    func keyOfAnotherType() throws {
        let text = arm("{ name: c, type: contact, link: hand, width: 5 }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "sensors[0].width is not used by contact sensors (it belongs to depth_camera)")
        #expect(d.location.column == column(of: "width", in: text))
    }

    @Test("non-positive image sizes and too many pixels")
    func imageSizes() throws {
        let zero = arm("{ name: cam, type: depth_camera, width: 0, height: 48 }")
        let d = try #require(onlyDiagnostic(zero))
        #expect(d.message == "sensors[0].width must be greater than 0 px, found 0")
        #expect(d.location.column == column(of: "0, height", in: zero))
        let huge = arm("{ name: cam, type: depth_camera, width: 4000, height: 3000 }")
        #expect(try #require(onlyDiagnostic(huge)).message
                == "sensors[0]: a 4000×3000 image has 12000000 pixels, more than the 1920×1080 = 2073600 a depth camera may have")
        #expect(loaded(arm("{ name: cam, type: depth_camera, width: 1920, height: 1080 }")) != nil)
        #expect(try #require(onlyDiagnostic(arm("{ name: cam, type: depth_camera, width: 64.5, height: 48 }"))).message
                == "sensors[0].width must be a whole number (px), found 64.5")
    }

    @Test("the field of view must be in (0, π) rad, and degrees are recognized")
    func fieldOfView() throws {
        let text = arm("{ name: cam, type: depth_camera, width: 64, height: 48, fov: 90 }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "sensors[0].fov must be between 0 and π rad (0° and 180°, both excluded), found 90; angles are in radians, so 90° would be 1.5708 rad")
        #expect(d.location.column == column(of: "90", in: text))
        #expect(try #require(onlyDiagnostic(arm("{ name: cam, type: depth_camera, width: 64, height: 48, fov: 0 }"))).message
                == "sensors[0].fov must be between 0 and π rad (0° and 180°, both excluded), found 0")
    }

    @Test("intrinsics: all four together, not with fov, and positive focal lengths")
    func intrinsics() throws {
        #expect(try #require(onlyDiagnostic(arm("{ name: cam, type: depth_camera, width: 64, height: 48, fx: 50 }"))).message
                == "sensors[0]: fx, fy, cx and cy go together; missing fy, cx, cy")
        #expect(try #require(onlyDiagnostic(arm("{ name: cam, type: depth_camera, width: 64, height: 48, fov: 1, fx: 50, fy: 50, cx: 1, cy: 1 }"))).message
                == "sensors[0]: give either fov or fx, fy, cx, cy, not both")
        #expect(try #require(onlyDiagnostic(arm("{ name: cam, type: depth_camera, width: 64, height: 48, fx: -5, fy: 50, cx: 1, cy: 1 }"))).message
                == "sensors[0].fx must be greater than 0 px, found -5")
    }

    @Test("the depth range needs near < far")
    func depthRange() throws {
        let text = arm("{ name: cam, type: depth_camera, width: 64, height: 48, near: 2, far: 1 }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "sensors[0]: far (1 m) must be greater than near (2 m)")
        #expect(d.location.line == line(of: "far: 1", in: text) && d.location.column == column(of: "far: 1", in: text) + 5)
    }

    @Test("lidar beams: counts, elevation order, field of view and range")
    func lidarBeams() throws {
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, channels: 0 }"))).message
                == "sensors[0].channels must be at least 1, found 0")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, channels: 2000, samples: 2000 }"))).message
                == "sensors[0]: 2000 channels × 2000 samples is 4000000 rays, more than the 2073600 a lidar scan may cast")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, vertical: [0.2, -0.2] }"))).message
                == "sensors[0].vertical is [lowest, highest] elevation; 0.2 is above -0.2")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, vertical: [-2, 0] }"))).message
                == "sensors[0].vertical[0] must be between -1.5707963267948966 and 1.5707963267948966 rad, found -2")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, horizontal_fov: 360 }"))).message
                == "sensors[0].horizontal_fov must be at most 2π rad (a full turn), found 360; angles are in radians")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, range: [5, 1] }"))).message
                == "sensors[0].range is [min, max] in m; max 1 must be greater than min 5")
    }

    @Test("mounts: xyz/rpy or eye/target, a target away from the eye, an up off the view direction")
    func mounts() throws {
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, mount: { xyz: [0, 0, 1], eye: [0, 0, 1], target: [1, 0, 1] } }"))).message
                == "sensors[0].mount: give either xyz and rpy, or eye and target, not both")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, mount: { eye: [1, 0, 1], target: [1, 0, 1] } }"))).message
                == "sensors[0].mount.target must differ from eye")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, mount: { eye: [0, 0, 2], target: [0, 0, 0] } }"))).message
                == "sensors[0].mount: up [0, 0, 1] is parallel to the view direction from eye to target; give an up that is not")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, mount: { eye: [0, 0, 2] } }"))).message
                == "missing required key 'sensors[0].mount.target', such as target: [0, 0, 0]")
        #expect(try #require(onlyDiagnostic(arm("{ name: l, type: lidar, mount: { xyz: [0, 0, 2], up: [0, 0, 1] } }"))).message
                == "sensors[0].mount.up is only used with eye and target")
    }

    @Test("noise levels and thresholds may not be negative; biases are 3-vectors")
    func noiseLevels() throws {
        #expect(try #require(onlyDiagnostic(arm("{ name: ft, type: force_torque, joint: joint_2, torque_noise: -1 }"))).message
                == "sensors[0].torque_noise must not be negative, found -1")
        #expect(try #require(onlyDiagnostic(arm("{ name: c, type: contact, link: hand, threshold: -5 }"))).message
                == "sensors[0].threshold must not be negative, found -5")
        #expect(try #require(onlyDiagnostic(arm("{ name: ft, type: force_torque, joint: joint_2, force_bias: [1, 2] }"))).message
                == "sensors[0].force_bias must be a list of 3 numbers (N), found a list of 2 items")
    }

    @Test("a sensor rate that does not divide the physics rate suggests divisors")
    func sensorRate() throws {
        let text = arm("{ name: cam, type: depth_camera, width: 64, height: 48, rate: 30 }")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "sensors[0].rate 30 Hz does not divide the physics rate 1000 Hz; use a divisor such as 25 or 40")
        #expect(d.location.column == column(of: "30", in: text))
    }
}

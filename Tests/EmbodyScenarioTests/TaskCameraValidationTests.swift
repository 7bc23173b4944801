// MARK: - reach_object's task.camera naming a declared depth camera
//
// `task.camera: <name>` must name a depth_camera under `sensors:`; each mistake is reported where it is written.

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Task camera validation")
struct TaskCameraValidationTests {
    /// `minimalArm` with a reach_object task whose camera line is `camera`, and a depth camera and a lidar declared.
    private func reach(camera: String) -> String {
        minimalArm + """
        world:
          objects:
            - { name: cube, shape: { box: [0.05, 0.05, 0.05] }, mass: 0.2, position: [0.55, 0, 0.425] }
        sensors:
          - { name: table_camera, type: depth_camera, width: 80, height: 60, latency: 20,
              mount: { eye: [0.25, -0.55, 1.25], target: [0.55, 0, 0.4] }, noise: 0.001, ignore_robot: true }
          - { name: chest_lidar, type: lidar, channels: 4, samples: 90 }
        task:
          type: reach_object
          object: cube
          link: ee_link
          \(camera)

        """
    }

    @Test("a declared depth camera's name loads, by itself or as camera.sensor")
    func sensorNameLoads() throws {
        let text = reach(camera: "camera: table_camera")
        let task = try #require(loaded(text)?.task.kind.reachObject)
        #expect(task.cameraSensor == "table_camera")
        let at = try #require(task.cameraSensorLocation)
        #expect(at.line == line(of: "camera: table_camera", in: text) && at.column == column(of: "camera: table_camera", in: text) + 8)
        #expect(try #require(loaded(reach(camera: "camera: { sensor: table_camera }"))).task.kind.reachObject?.cameraSensor == "table_camera")
        // The task's own camera keeps working and names no sensor.
        let own = try #require(loaded(reach(camera: "camera: { position: [0.2, -0.6, 1.3], width: 64 }"))?.task.kind.reachObject)
        #expect(own.cameraSensor == nil && own.cameraWidth == 64 && own.cameraPosition == [0.2, -0.6, 1.3])
    }

    @Test("an unknown sensor name is reported where it is written, with the nearest depth camera")
    func unknownSensor() throws {
        let text = reach(camera: "camera: table_camra")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "task.camera: no sensor is named 'table_camra'; did you mean 'table_camera'?")
        #expect(d.location.file == inlinePath)
        #expect(d.location.line == line(of: "table_camra", in: text) && d.location.column == column(of: "table_camra", in: text))
        // With no depth camera declared at all the message says so.
        let bare = minimalArm + "task: { type: reach_object, object: cube, link: ee_link, camera: overhead }\n"
        let none = try #require(onlyDiagnostic(bare))
        #expect(none.message.hasPrefix("task.camera: no sensor is named 'overhead'; there is no depth_camera under sensors:"))
        #expect(none.location.line == line(of: "camera: overhead", in: bare) && none.location.column == column(of: "overhead", in: bare))
    }

    @Test("a sensor that is not a depth camera is an error naming its type and line")
    func notADepthCamera() throws {
        let text = reach(camera: "camera: chest_lidar")
        let d = try #require(onlyDiagnostic(text))
        #expect(d.message == "task.camera: the sensor 'chest_lidar' (line \(line(of: "name: chest_lidar", in: text))) is a lidar sensor, not a depth_camera")
        #expect(d.location.line == line(of: "camera: chest_lidar", in: text) && d.location.column == column(of: "camera: chest_lidar", in: text) + 8)
    }

    @Test("a sensor and the task's own camera fields together are an error, in the file and through --set")
    func sensorAndOwnFields() throws {
        let text = reach(camera: "camera: { sensor: table_camera, position: [0.2, -0.6, 1.3], fov: 1.2 }")
        let d = try #require(onlyDiagnostic(text))
        let row = line(of: "sensor: table_camera", in: text)
        #expect(d.message == "task.camera.sensor 'table_camera' gives the task that sensor's mount, image and noise, so the task's own camera fields cannot be given with it: remove position, fov (line \(row)), or drop task.camera.sensor to keep the task's own camera")
        #expect(d.location.line == row && d.location.column == column(of: "sensor: table_camera", in: text))
        // Adding the sensor to a file that has the task's own camera, from the command line.
        let own = reach(camera: "camera: { position: [0.2, -0.6, 1.3], target: [0.55, 0, 0.4] }")
        let set = try #require(onlyDiagnostic(own, overrides: ["task.camera.sensor=table_camera"]))
        #expect(set.location.file == "<--set task.camera.sensor=table_camera>")
        #expect(set.message.contains("remove position, target (line \(line(of: "camera: {", in: own)))"))
        // Replacing the whole mapping with the name is the way to switch.
        #expect(try #require(loaded(own, overrides: ["task.camera=table_camera"])).task.kind.reachObject?.cameraSensor == "table_camera")
    }
}

import EmbodyModel
@testable import EmbodyPerception
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Depth camera, lidar and object localization on the shim's batched ray casts

/// The runtime's wiring: the physics caster already has the protocol's method, so the conformance is empty.
extension WorldRayCaster: RayCaster {}

/// The distance along a unit ray to an axis-aligned box [lo, hi], or nil (slab method).
func rayBox(_ o: Vector3, _ d: Vector3, _ lo: Vector3, _ hi: Vector3) -> Double? {
    var t0 = 0.0, t1 = Double.infinity
    for k in 0..<3 {
        if abs(d[k]) < 1e-15 {
            if o[k] < lo[k] || o[k] > hi[k] { return nil }
            continue
        }
        var a = (lo[k] - o[k]) / d[k], b = (hi[k] - o[k]) / d[k]
        if a > b { swap(&a, &b) }
        t0 = max(t0, a); t1 = min(t1, b)
        if t0 > t1 { return nil }
    }
    return t0
}

/// A noiseless depth camera in the world at `pose` (optical frame), every tick.
func camera(_ k: CameraIntrinsics, pose: Transform, seed: UInt64 = 1, noise: Double = 0) throws -> DepthCamera {
    var c = DepthCameraConfiguration(timing: try SensorTiming(periodTicks: 1), intrinsics: k, mount: pose, seed: seed)
    c.noiseConstant = noise
    return try DepthCamera(configuration: c)
}

@Suite("Depth camera, lidar and localization")
struct VisionTests {
    @Test func depthOfABoxSeenFromAboveMatchesRayGeometry() throws {
        let world = try World()
        let lo = Vector3(-0.15, -0.25, 0), hi = Vector3(0.25, 0.05, 0.2)
        _ = try world.addBody(BodyDescription(shape: .box(size: hi - lo), mass: 0, pose: Transform(position: (lo + hi) / 2)))
        let k = CameraIntrinsics(width: 96, height: 72, horizontalFieldOfView: 1.0, near: 0.2, far: 5)
        let pose = lookAt(eye: Vector3(0.05, -0.02, 1.5), target: Vector3(0.05, -0.02, 0), up: Vector3(1, 0, 0))
        let cam = try camera(k, pose: pose)
        let caster = WorldRayCaster(world: world, capacity: k.pixelCount)
        #expect(cam.update(tick: 0, linkPose: .identity, caster: caster))
        var worst = 0.0, onBox = 0, invalid = 0
        for v in 0..<k.height {
            for u in 0..<k.width {
                let dCam = Vector3((Double(u) - k.cx) / k.fx, (Double(v) - k.cy) / k.fy, 1)
                let unit = dCam / length(dCam)
                let d = pose.rotation.rotate(unit)
                let tGround = -pose.position.z / d.z
                let tBox = rayBox(pose.position, d, lo, hi)
                let t = min(tGround, tBox ?? .infinity)
                if let b = tBox, b < tGround { onBox += 1 }
                let expected = t * unit.z
                let measured = Double(cam.output.values[v * k.width + u])
                if !measured.isFinite { invalid += 1; continue }
                worst = max(worst, abs(measured - expected))
            }
        }
        print("depth from above: worst error \(worst * 1e3) mm over \(k.pixelCount) pixels, \(onBox) on the box")
        #expect(invalid == 0)
        #expect(onBox > 500)
        #expect(worst < 1e-6)  // closed-form ray tests: only the Float rounding of the depth image remains
    }

    @Test func depthOfAWallIsTheSameZAtEveryPixel() throws {
        let world = try World()
        _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.2, 10, 10)), mass: 0,
                                              pose: Transform(position: Vector3(2.1, 0, 0))))
        let k = CameraIntrinsics(fx: 300, fy: 310, cx: 40.3, cy: 29.7, width: 80, height: 60, near: 0.1, far: 8)
        let pose = lookAt(eye: Vector3(0, 0.3, 1), target: Vector3(1, 0.3, 1))
        let cam = try camera(k, pose: pose)
        cam.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: world))
        let worst = cam.output.values.map { abs(Double($0) - 2.0) }.max() ?? .infinity
        print("depth of a wall 2 m away: worst error \(worst * 1e3) mm")
        #expect(worst < 1e-3)
        // Past the far plane everything is invalid.
        let near = try camera(CameraIntrinsics(width: 8, height: 6, horizontalFieldOfView: 1, near: 0.1, far: 1.5), pose: pose)
        near.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: world))
        #expect(near.output.values.allSatisfy { $0 == .infinity })
    }

    @Test func cameraOnARobotIgnoresTheRobotAndFollowsItsLink() throws {
        let world = try World()
        var options = RobotOptions()
        options.fixedBase = true
        let robot = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: options)
        // A camera at the hand's origin looking along the hand's z, through the fingers, which it must not see.
        let hand = try #require(robot.linkNames.firstIndex(of: "hand"))
        robot.setQ([0, 1.2, 0, 0.6, 0, 0.9, 0, 0, 0])  // lean over so the hand looks down at the ground
        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        robot.getLinkPoses(&poses)
        let handPose = Transform(poses, from: 7 * hand)
        let k = CameraIntrinsics(width: 16, height: 12, horizontalFieldOfView: 0.5, near: 0.01, far: 5)
        let cam = try camera(k, pose: .identity)
        cam.update(tick: 0, linkPose: handPose, caster: WorldRayCaster(world: world, ignoring: robot.id))
        let centre = Double(cam.output.values[6 * 16 + 8])
        let optical = cam.cameraPose(linkPose: handPose)
        let axis = optical.rotation.rotate(Vector3(0, 0, 1))
        #expect(axis.z < -0.5)  // looking down
        // The ground is at z = 0: along the optical axis it lies −p_z / a_z away.
        let expected = -optical.position.z / axis.z
        print("hand camera: centre depth \(centre) m, expected about \(expected) m")
        #expect(abs(centre - expected) < 0.02)  // the centre pixel is near, not exactly on, the axis
        // Without ignoring the robot, the same camera sees its own fingers a few centimetres ahead.
        let selfSeeing = try camera(k, pose: .identity)
        selfSeeing.update(tick: 0, linkPose: handPose, caster: WorldRayCaster(world: world))
        let nearest = selfSeeing.output.values.min() ?? .infinity
        print("hand camera without ignoring the robot: nearest depth \(nearest) m")
        #expect(nearest < 0.12)
    }

    @Test func depthNoiseIsReproducibleForASeed() throws {
        let world = try World()
        let k = CameraIntrinsics(width: 20, height: 15, horizontalFieldOfView: 1, near: 0.1, far: 5)
        let pose = lookAt(eye: Vector3(0, 0, 1), target: .zero, up: Vector3(1, 0, 0))
        let caster = WorldRayCaster(world: world)
        func image(_ seed: UInt64) throws -> [UInt32] {
            let c = try camera(k, pose: pose, seed: seed, noise: 0.002)
            c.update(tick: 0, linkPose: .identity, caster: caster)
            return c.output.values.map(\.bitPattern)
        }
        #expect(try image(4) == image(4))
        #expect(try image(4) != image(5))
    }

    @Test func lidarRangesToTheGroundMatchTheirElevation() throws {
        let world = try World()
        var c = LidarConfiguration(timing: try SensorTiming(periodTicks: 1), channels: 16, samplesPerChannel: 360,
                                   verticalMin: -15 * .pi / 180, verticalMax: 15 * .pi / 180, maxRange: 20, seed: 1)
        c.mount = Transform(position: Vector3(0, 0, 1))
        let lidar = try Lidar(configuration: c)
        #expect(lidar.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: world)))
        var worst = 0.0
        for ch in 0..<16 {
            let el = -15 * Double.pi / 180 + Double(ch) * 2 * Double.pi / 180
            for h in 0..<360 {
                let r = Double(lidar.output.values[ch * 360 + h])
                if el < 0 && 1 / sin(-el) <= 20 {
                    worst = max(worst, abs(r - 1 / sin(-el)))
                } else {
                    #expect(r == .infinity)  // above the horizon, or the ground is beyond the 20 m range (−1°)
                }
            }
        }
        print("lidar: worst ground range error \(worst * 1e3) mm, \(lidar.pointCount) points")
        #expect(worst < 1e-3)
        #expect(lidar.pointCount == 7 * 360)
        // Points are in the sensor frame: the ground is 1 m below it.
        for i in 0..<lidar.pointCount { #expect(abs(lidar.points[3 * i + 2] + 1) < 1e-5) }
    }

    @Test func localizesACubeOnATableWithin5mm() throws {
        let world = try World()
        _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.8, 0.6, 0.7)), mass: 0,
                                              pose: Transform(position: Vector3(0.5, 0, 0.35))))
        let cube = Vector3(0.55, 0.08, 0.73), cylinder = Vector3(0.35, -0.12, 0.75)
        _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.06, 0.06, 0.06)), mass: 0,
                                              pose: Transform(position: cube, rotation: Quaternion(axis: Vector3(0, 0, 1), angle: 0))))
        _ = try world.addBody(BodyDescription(shape: .cylinder(radius: 0.04, length: 0.1), mass: 0,
                                              pose: Transform(position: cylinder)))
        let k = CameraIntrinsics(width: 160, height: 120, horizontalFieldOfView: 1.0, near: 0.1, far: 4)
        let pose = lookAt(eye: Vector3(0.2, -0.35, 1.45), target: Vector3(0.5, 0, 0.7))
        let cam = try camera(k, pose: pose)
        cam.update(tick: 0, linkPose: .identity, caster: WorldRayCaster(world: world))
        var histogram: [Int] = []
        let plane = try #require(estimateSupportHeight(depth: cam.output.values, intrinsics: k, cameraPose: pose,
                                                       minHeight: 0.3, maxHeight: 1.2, histogram: &histogram))
        #expect(abs(plane - 0.7) < 2e-3)
        var config = ObjectLocalizerConfiguration()
        config.supportHeight = plane
        config.voxelSize = 0.01
        config.minClusterPoints = 10
        let localizer = try ObjectLocalizer(intrinsics: k, configuration: config)
        let found = localizer.locate(depth: cam.output.values, cameraPose: pose)
        #expect(found == 2)
        let centres = localizer.clusters.prefix(found).map(\.center)
        let cubeError = centres.map { length($0 - cube) }.min() ?? .infinity
        let cylinderError = centres.map { length($0 - cylinder) }.min() ?? .infinity
        print("localization: plane \(plane) m, \(found) clusters, cube centre error \(cubeError * 1e3) mm, "
              + "cylinder centre error \(cylinderError * 1e3) mm, cube points "
              + "\(localizer.clusters.prefix(found).min { length($0.center - cube) < length($1.center - cube) }!.pointCount)")
        #expect(cubeError < 5e-3)
        #expect(cylinderError < 10e-3)
        // The same image gives the same clusters, bit for bit.
        let first = localizer.clusters.prefix(found).map { [$0.center.x, $0.center.y, $0.center.z].map(\.bitPattern) }
        localizer.locate(depth: cam.output.values, cameraPose: pose)
        #expect(localizer.clusters.prefix(found).map { [$0.center.x, $0.center.y, $0.center.z].map(\.bitPattern) } == first)
    }

    @Test func lookAtBuildsARightHandedOpticalFrame() {
        let p = lookAt(eye: Vector3(1, 2, 3), target: Vector3(1, 5, 3))
        #expect(length(p.rotation.rotate(Vector3(0, 0, 1)) - Vector3(0, 1, 0)) < 1e-12)  // forward
        #expect(length(p.rotation.rotate(Vector3(0, 1, 0)) - Vector3(0, 0, -1)) < 1e-12)  // image down = world down
        #expect(length(p.rotation.rotate(Vector3(1, 0, 0)) - Vector3(1, 0, 0)) < 1e-12)   // image right
    }
}

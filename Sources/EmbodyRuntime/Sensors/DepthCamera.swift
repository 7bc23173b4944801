// MARK: - depth_camera: a z-depth image by ray casting

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// A declared depth camera's configuration: intrinsics and range (m), mount (m, rad) and noise model (m, 1/m, m)
/// from its spec, with the given timing and noise seed.
func depthCameraConfiguration(_ s: DepthCameraParameters, timing: SensorTiming, seed: UInt64) -> DepthCameraConfiguration {
    let image = s.image
    let intrinsics: CameraIntrinsics
    if let fov = image.fov {
        intrinsics = CameraIntrinsics(width: image.width, height: image.height, horizontalFieldOfView: fov,
                                      near: image.near, far: image.far)
    } else {
        intrinsics = CameraIntrinsics(fx: image.fx ?? 1, fy: image.fy ?? 1, cx: image.cx ?? 0, cy: image.cy ?? 0,
                                      width: image.width, height: image.height, near: image.near, far: image.far)
    }
    var c = DepthCameraConfiguration(timing: timing, intrinsics: intrinsics,
                                     mount: s.mount.transform(xAxisForward: false), seed: seed)
    c.noiseConstant = s.noise
    c.noiseQuadratic = s.noiseQuadratic
    c.depthResolution = s.resolution
    return c
}

/// A declared depth camera with its caster; a frame is summarized (valid pixels, nearest depth, error
/// against the noise-free frame) when it arrives.
final class CameraProbe {
    let name: String
    let link: Int?
    let camera: DepthCamera
    let caster: WorldRayCaster
    private(set) var depthError = RunningRMS()
    private(set) var frames = 0
    private(set) var validFractionSum = 0.0
    private(set) var lastValidPixels = 0.0, lastMinDepth = Double.infinity, lastErrorRMS = Double.nan

    init(name: String, _ s: DepthCameraParameters, timing: SensorTiming, seed: UInt64, link: Int?, world: World,
         robot: Robot) throws {
        self.name = name
        self.link = link
        var c = depthCameraConfiguration(s, timing: timing, seed: seed)
        c.keepsIdealFrame = true
        camera = try DepthCamera(configuration: c)
        caster = WorldRayCaster(world: world, ignoring: s.ignoreRobot ? robot.id : nil, capacity: c.intrinsics.pixelCount)
    }

    /// Renders on sample ticks, delivers, and summarizes a newly arrived frame.
    func update(tick: Int, linkPoses: [Double]) {
        guard camera.update(tick: tick, linkPose: mountPose(link, linkPoses), caster: caster) else { return }
        let image = camera.output.values, ideal = camera.idealOutput.values
        var valid = 0, nearest = Float.infinity, squares = 0.0, both = 0
        for i in 0..<image.count {
            let z = image[i]
            guard z.isFinite else { continue }
            valid += 1
            nearest = min(nearest, z)
            let t = ideal[i]
            if t.isFinite { let e = Double(z) - Double(t); squares += e * e; both += 1 }
        }
        frames += 1
        lastValidPixels = Double(valid)
        lastMinDepth = Double(nearest)
        lastErrorRMS = both > 0 ? (squares / Double(both)).squareRoot() : .nan
        depthError.squares += squares
        depthError.count += both
        validFractionSum += Double(valid) / Double(max(1, image.count))
    }

    /// Per-sensor summary values: frames delivered, mean valid fraction, nearest depth of the last frame (m)
    /// and the depth error against the noise-free frames (m, RMS over pixels valid in both).
    func report() -> [String: Double] {
        var v: [String: Double] = ["frames": Double(frames)]
        if frames > 0 {
            v["valid_fraction"] = validFractionSum / Double(frames)
            v["min_depth"] = lastMinDepth
        }
        if depthError.count > 0 { v["depth_error_rms"] = depthError.value }
        return v
    }
}

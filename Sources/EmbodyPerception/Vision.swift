// MARK: - Exteroceptive sensors on batched ray casts: depth camera and lidar
//
// Both sensors precompute their ray directions in their own frame at creation; a frame rotates them into
// the world, casts them all in one batch through a RayCaster (the physics side implements it over the
// shim's emb_world_ray_cast_batch), and writes into preallocated buffers. Nothing allocates per frame.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Casts batches of rays into the world; EmbodyPhysics's WorldRayCaster provides it for a World.
public protocol RayCaster: AnyObject {
    /// Casts `count` rays from `origins` along unit `directions` (3·count doubles each, world frame, m) and
    /// writes into `distances[i]` the distance in m to the first surface along ray i within `maxDistance`,
    /// or +∞ when there is none. Must not allocate once its buffers are sized for `count`.
    func castRays(origins: [Double], directions: [Double], count: Int, maxDistance: Double,
                  into distances: inout [Double])
}

/// A sensor's fixed set of rays: unit directions in the sensor frame, and the world-frame buffers a cast
/// fills (allocated once, at creation).
struct RayBatch {
    /// Unit ray directions in the sensor frame, 3 per ray.
    let directions: [Double]
    /// The number of rays.
    let count: Int
    private var worldOrigins: [Double]
    private var worldDirections: [Double]
    /// The distance in m along each ray to the first surface of the last cast, +∞ for none.
    private(set) var distances: [Double]

    init(directions: [Double]) {
        self.directions = directions
        count = directions.count / 3
        worldOrigins = [Double](repeating: 0, count: 3 * count)
        worldDirections = [Double](repeating: 0, count: 3 * count)
        distances = [Double](repeating: .infinity, count: count)
    }

    /// The unit direction (sensor frame) of ray `index`.
    func direction(_ index: Int) -> Vector3 {
        Vector3(directions[3 * index], directions[3 * index + 1], directions[3 * index + 2])
    }

    /// Casts every ray from a sensor at `pose` (world frame) into `distances`.
    mutating func cast(from pose: Transform, maxDistance: Double, caster: some RayCaster) {
        let o = pose.position
        for i in 0..<count {
            let d = pose.rotation.rotate(direction(i))
            worldOrigins[3 * i] = o.x; worldOrigins[3 * i + 1] = o.y; worldOrigins[3 * i + 2] = o.z
            worldDirections[3 * i] = d.x; worldDirections[3 * i + 1] = d.y; worldDirections[3 * i + 2] = d.z
        }
        caster.castRays(origins: worldOrigins, directions: worldDirections, count: count, maxDistance: maxDistance,
                        into: &distances)
    }
}

// MARK: - Depth camera

/// The pose of an optical frame (z forward, x right, y down) at `eye` looking at `target`, with `up` (world
/// frame, not parallel to the view direction) pointing up in the image.
public func lookAt(eye: Vector3, target: Vector3, up: Vector3 = Vector3(0, 0, 1)) -> Transform {
    let forward = (target - eye) / length(target - eye)
    var right = cross(forward, up)
    right = right / length(right)
    let down = cross(forward, right)
    return Transform(position: eye, rotation: rotationFromColumns(right, down, forward))
}

/// The unit quaternion of the rotation matrix with columns x, y, z (orthonormal, right-handed), by
/// Shepperd's method (the largest of w, x, y, z is found first, for accuracy).
func rotationFromColumns(_ cx: Vector3, _ cy: Vector3, _ cz: Vector3) -> Quaternion {
    let m00 = cx.x, m10 = cx.y, m20 = cx.z, m01 = cy.x, m11 = cy.y, m21 = cy.z, m02 = cz.x, m12 = cz.y, m22 = cz.z
    let trace = m00 + m11 + m22
    let q: Quaternion
    if trace > 0 {
        let s = 2 * (1 + trace).squareRoot()
        q = Quaternion(x: (m21 - m12) / s, y: (m02 - m20) / s, z: (m10 - m01) / s, w: s / 4)
    } else if m00 > m11 && m00 > m22 {
        let s = 2 * (1 + m00 - m11 - m22).squareRoot()
        q = Quaternion(x: s / 4, y: (m01 + m10) / s, z: (m02 + m20) / s, w: (m21 - m12) / s)
    } else if m11 > m22 {
        let s = 2 * (1 + m11 - m00 - m22).squareRoot()
        q = Quaternion(x: (m01 + m10) / s, y: s / 4, z: (m12 + m21) / s, w: (m02 - m20) / s)
    } else {
        let s = 2 * (1 + m22 - m00 - m11).squareRoot()
        q = Quaternion(x: (m02 + m20) / s, y: (m12 + m21) / s, z: s / 4, w: (m10 - m01) / s)
    }
    return q.normalizedOrIdentity
}

/// Pinhole intrinsics and range limits of a depth camera.
///
/// The optical frame is OpenCV's: z along the optical axis (forward), x to the right of the image, y down.
/// Pixel (u, v), column u and row v counted from the top-left, has its centre on the ray through
/// ((u − cx)/fx, (v − cy)/fy, 1).
public struct CameraIntrinsics: Equatable, Sendable {
    /// Focal lengths in pixels.
    public var fx, fy: Double
    /// Principal point in pixels.
    public var cx, cy: Double
    /// Image size in pixels.
    public var width, height: Int
    /// Depths below `near` or above `far` (m, along the optical axis) read as invalid.
    public var near, far: Double

    /// Creates intrinsics; focal lengths and principal point in pixels, range in m.
    public init(fx: Double, fy: Double, cx: Double, cy: Double, width: Int, height: Int,
                near: Double = 0.1, far: Double = 10) {
        self.fx = fx; self.fy = fy; self.cx = cx; self.cy = cy
        self.width = width; self.height = height; self.near = near; self.far = far
    }

    /// Intrinsics for a horizontal field of view (rad) with square pixels and the principal point at the
    /// image centre ((width − 1)/2, (height − 1)/2).
    public init(width: Int, height: Int, horizontalFieldOfView fov: Double, near: Double = 0.1, far: Double = 10) {
        let f = Double(width) / 2 / tan(fov / 2)
        self.init(fx: f, fy: f, cx: Double(width - 1) / 2, cy: Double(height - 1) / 2, width: width, height: height,
                  near: near, far: far)
    }

    /// The number of pixels.
    public var pixelCount: Int { width * height }

    /// The point (m, optical frame) seen at pixel (u, v) with z-depth `depth`.
    @inlinable public func backProject(u: Int, v: Int, depth: Double) -> Vector3 {
        Vector3((Double(u) - cx) / fx * depth, (Double(v) - cy) / fy * depth, depth)
    }

    func validate() throws(PerceptionError) {
        guard width > 0, height > 0, fx > 0, fy > 0, cx.isFinite, cy.isFinite, fx.isFinite, fy.isFinite else {
            throw PerceptionError("camera intrinsics need positive width, height, fx and fy, and a finite principal point")
        }
        guard near >= 0, far > near, far.isFinite else {
            throw PerceptionError("camera range needs 0 ≤ near < far < ∞, got near \(near) m, far \(far) m")
        }
    }
}

/// A depth camera's configuration.
public struct DepthCameraConfiguration: Equatable, Sendable {
    /// When frames are taken and how late they arrive.
    public var timing: SensorTiming
    /// Intrinsics and range.
    public var intrinsics: CameraIntrinsics
    /// The optical frame in its link's frame, or in the world for a camera fixed in the world.
    public var mount: Transform = .identity
    /// Depth noise σ(z) = noiseConstant + noiseQuadratic·z², in m with z in m (a structured-light model).
    public var noiseConstant: Double = 0
    /// The quadratic coefficient of the depth noise, 1/m.
    public var noiseQuadratic: Double = 0
    /// Depth quantization step in m (0: none).
    public var depthResolution: Double = 0
    /// Also deliver the noise-free frame of each sample in `idealOutput` (costs one more copy per frame).
    public var keepsIdealFrame = false
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a noiseless configuration.
    public init(timing: SensorTiming, intrinsics: CameraIntrinsics, mount: Transform = .identity, seed: UInt64) {
        self.timing = timing
        self.intrinsics = intrinsics
        self.mount = mount
        self.seed = seed
    }
}

/// A depth camera: a row-major image of z-depths in m along the optical axis (`Float`), +∞ where nothing
/// lies between `near` and `far`. Each pixel casts one ray through its centre; z = distance·d_z for the unit
/// ray direction d, then z += σ(z)·n and z is quantized.
public final class DepthCamera {
    /// The configuration.
    public let configuration: DepthCameraConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Float>
    private var idealChannel: SensorChannel<Float>
    private var rays: RayBatch            // one per pixel, optical frame
    private let maxRayLength: Double     // m, so that every ray reaches the far plane

    /// Creates a camera and precomputes its rays.
    public init(configuration: DepthCameraConfiguration) throws(PerceptionError) {
        let c = configuration
        try c.intrinsics.validate()
        guard c.noiseConstant >= 0, c.noiseQuadratic >= 0, c.depthResolution >= 0,
              c.noiseConstant.isFinite, c.noiseQuadratic.isFinite, c.depthResolution.isFinite else {
            throw PerceptionError("depth noise and resolution must be finite and ≥ 0")
        }
        self.configuration = c
        let k = c.intrinsics, n = k.pixelCount
        var dirs = [Double](repeating: 0, count: 3 * n)
        var minZ = 1.0
        for v in 0..<k.height {
            for u in 0..<k.width {
                let d = Vector3((Double(u) - k.cx) / k.fx, (Double(v) - k.cy) / k.fy, 1)
                let unit = d / length(d)
                let i = 3 * (v * k.width + u)
                dirs[i] = unit.x; dirs[i + 1] = unit.y; dirs[i + 2] = unit.z
                minZ = min(minZ, unit.z)
            }
        }
        rays = RayBatch(directions: dirs)
        maxRayLength = k.far / minZ * (1 + 1e-9)
        random = RandomStream(seed: c.seed)
        channel = SensorChannel(width: n, timing: c.timing, fill: Float.infinity)
        idealChannel = SensorChannel(width: n, timing: c.timing, fill: Float.infinity)
    }

    /// The delivered frame: width × height z-depths in m, row-major from the top-left, +∞ when invalid.
    public var output: SensorOutput<Float> { channel.output }

    /// The noise-free, unquantized frame (z-depths in m, +∞ when invalid) of the same sample as `output`, when
    /// `keepsIdealFrame` is set (else +∞ everywhere).
    public var idealOutput: SensorOutput<Float> { idealChannel.output }

    /// The optical frame's world pose for a camera on a link at `linkPose` (pass .identity for a world camera).
    public func cameraPose(linkPose: Transform) -> Transform { linkPose * configuration.mount }

    /// Renders a frame (if `tick` is a sample tick) with the camera's link at `linkPose` (.identity for a camera
    /// mounted in the world), then delivers what is due; returns true when a frame arrived.
    @discardableResult
    public func update(tick: Int, linkPose: Transform, caster: some RayCaster) -> Bool {
        if configuration.timing.isSampleTick(tick) {
            rays.cast(from: cameraPose(linkPose: linkPose), maxDistance: maxRayLength, caster: caster)
            let c = configuration
            let dirs = rays.directions, dist = rays.distances
            channel.line.push(tick: tick) { out in
                for i in 0..<out.count {
                    var z = dist[i] * dirs[3 * i + 2]
                    if !(z >= c.intrinsics.near && z <= c.intrinsics.far) {
                        out[i] = .infinity
                        continue
                    }
                    if c.noiseConstant > 0 || c.noiseQuadratic > 0 {
                        z += (c.noiseConstant + c.noiseQuadratic * z * z) * random.normal()
                    }
                    if c.depthResolution > 0 { z = c.depthResolution * (z / c.depthResolution).rounded(.toNearestOrEven) }
                    out[i] = Float(z)
                }
            }
            if c.keepsIdealFrame { idealChannel.line.push(tick: tick) { out in
                for i in 0..<out.count {
                    let z = dist[i] * dirs[3 * i + 2]
                    out[i] = z >= c.intrinsics.near && z <= c.intrinsics.far ? Float(z) : .infinity
                }
            } }
        }
        _ = idealChannel.deliver(tick: tick)
        return channel.deliver(tick: tick)
    }

    /// Forgets waiting and delivered frames and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: .infinity)
        idealChannel.reset(fill: .infinity)
    }
}

// MARK: - Lidar

/// A spinning multi-channel lidar's configuration. The sensor frame has x forward, y left, z up; channel c
/// looks at elevation verticalMin + c·(verticalMax − verticalMin)/(channels − 1), sample h at azimuth
/// horizontalStart + h·horizontalFieldOfView/samples (a full 2π sweep never repeats its first azimuth) or
/// with an inclusive end for a partial sweep.
public struct LidarConfiguration: Equatable, Sendable {
    /// When scans are taken and how late they arrive.
    public var timing: SensorTiming
    /// The number of vertical channels (rows), ≥ 1.
    public var channels: Int
    /// Samples per channel (columns), ≥ 1.
    public var samplesPerChannel: Int
    /// The lowest and highest channel elevation in rad (equal for a single channel).
    public var verticalMin: Double, verticalMax: Double
    /// The horizontal field of view in rad, in (0, 2π].
    public var horizontalFieldOfView: Double = 2 * Double.pi
    /// The first sample's azimuth in rad (0 is +x, positive towards +y).
    public var horizontalStart: Double = -Double.pi
    /// Returns nearer than this (m) are dropped.
    public var minRange: Double = 0.05
    /// Returns farther than this (m) are dropped.
    public var maxRange: Double
    /// Range noise standard deviation, m.
    public var rangeNoiseStdDev: Double = 0
    /// Also deliver the noise-free ranges of each scan in `idealOutput` (costs one more copy per scan).
    public var keepsIdealScan = false
    /// The sensor frame in its link's frame, or in the world for a fixed lidar.
    public var mount: Transform = .identity
    /// The seed of this sensor's random stream.
    public var seed: UInt64

    /// Creates a noiseless configuration.
    public init(timing: SensorTiming, channels: Int, samplesPerChannel: Int, verticalMin: Double,
                verticalMax: Double, maxRange: Double, seed: UInt64) {
        self.timing = timing
        self.channels = channels
        self.samplesPerChannel = samplesPerChannel
        self.verticalMin = verticalMin
        self.verticalMax = verticalMax
        self.maxRange = maxRange
        self.seed = seed
    }
}

/// A lidar: ranges (m, `Float`, channels × samples, row-major by channel, +∞ for no return) and, on each
/// delivery, the returns as a compacted point cloud in the sensor frame (x, y, z per point, m).
public final class Lidar {
    /// The configuration.
    public let configuration: LidarConfiguration
    private var random: RandomStream
    private var channel: SensorChannel<Float>
    private var idealChannel: SensorChannel<Float>
    private var rays: RayBatch         // sensor frame
    /// The delivered returns as points in the sensor frame, m: `pointCount` × (x, y, z); the rest is stale.
    public private(set) var points: [Float]
    /// The number of points in `points` for the delivered scan.
    public private(set) var pointCount = 0

    /// Creates a lidar and precomputes its ray directions.
    public init(configuration: LidarConfiguration) throws(PerceptionError) {
        let c = configuration
        guard c.channels >= 1, c.samplesPerChannel >= 1 else { throw PerceptionError("a lidar needs ≥ 1 channel and ≥ 1 sample") }
        guard c.horizontalFieldOfView > 0, c.horizontalFieldOfView <= 2 * Double.pi + 1e-12 else {
            throw PerceptionError("the lidar's horizontal field of view must be in (0, 2π] rad")
        }
        guard c.minRange >= 0, c.maxRange > c.minRange, c.maxRange.isFinite, c.rangeNoiseStdDev >= 0,
              c.rangeNoiseStdDev.isFinite, c.verticalMin <= c.verticalMax else {
            throw PerceptionError("the lidar needs 0 ≤ minRange < maxRange < ∞, noise ≥ 0 and verticalMin ≤ verticalMax")
        }
        self.configuration = c
        let n = c.channels * c.samplesPerChannel
        let fullSweep = c.horizontalFieldOfView >= 2 * Double.pi - 1e-12
        let hStep = c.samplesPerChannel == 1 ? 0
            : c.horizontalFieldOfView / Double(fullSweep ? c.samplesPerChannel : c.samplesPerChannel - 1)
        let vStep = c.channels == 1 ? 0 : (c.verticalMax - c.verticalMin) / Double(c.channels - 1)
        var dirs = [Double](repeating: 0, count: 3 * n)
        for ch in 0..<c.channels {
            let el = c.verticalMin + Double(ch) * vStep
            for h in 0..<c.samplesPerChannel {
                let az = c.horizontalStart + Double(h) * hStep
                let i = 3 * (ch * c.samplesPerChannel + h)
                dirs[i] = cos(el) * cos(az)
                dirs[i + 1] = cos(el) * sin(az)
                dirs[i + 2] = sin(el)
            }
        }
        rays = RayBatch(directions: dirs)
        points = [Float](repeating: 0, count: 3 * n)
        random = RandomStream(seed: c.seed)
        channel = SensorChannel(width: n, timing: c.timing, fill: Float.infinity)
        idealChannel = SensorChannel(width: n, timing: c.timing, fill: Float.infinity)
    }

    /// The delivered scan's ranges in m (+∞: no return), channels × samples, row-major by channel.
    public var output: SensorOutput<Float> { channel.output }

    /// The noise-free ranges in m (+∞: no return) of the same scan as `output`, when `keepsIdealScan` is set.
    public var idealOutput: SensorOutput<Float> { idealChannel.output }

    /// The unit direction (sensor frame) of ray `index` (channel × samplesPerChannel + sample).
    public func direction(_ index: Int) -> Vector3 { rays.direction(index) }

    /// The sensor frame's world pose for a lidar on a link at `linkPose` (.identity for a world-mounted lidar).
    public func sensorPose(linkPose: Transform) -> Transform { linkPose * configuration.mount }

    /// Scans (if `tick` is a sample tick) from a link at `linkPose`, then delivers what is due and refreshes
    /// `points`; returns true when a scan arrived.
    @discardableResult
    public func update(tick: Int, linkPose: Transform, caster: some RayCaster) -> Bool {
        let c = configuration
        if c.timing.isSampleTick(tick) {
            rays.cast(from: sensorPose(linkPose: linkPose), maxDistance: c.maxRange, caster: caster)
            let dist = rays.distances
            channel.line.push(tick: tick) { out in
                for i in 0..<out.count {
                    var r = dist[i]
                    if !(r >= c.minRange && r <= c.maxRange) { out[i] = .infinity; continue }
                    if c.rangeNoiseStdDev > 0 { r += c.rangeNoiseStdDev * random.normal() }
                    out[i] = Float(r)
                }
            }
            if c.keepsIdealScan { idealChannel.line.push(tick: tick) { out in
                for i in 0..<out.count {
                    let r = dist[i]
                    out[i] = r >= c.minRange && r <= c.maxRange ? Float(r) : .infinity
                }
            } }
        }
        _ = idealChannel.deliver(tick: tick)
        guard channel.deliver(tick: tick) else { return false }
        var k = 0
        for i in 0..<channel.output.values.count {
            let r = channel.output.values[i]
            guard r.isFinite else { continue }
            points[3 * k] = r * Float(rays.directions[3 * i])
            points[3 * k + 1] = r * Float(rays.directions[3 * i + 1])
            points[3 * k + 2] = r * Float(rays.directions[3 * i + 2])
            k += 1
        }
        pointCount = k
        return true
    }

    /// Forgets waiting and delivered scans and restarts the random stream from the seed.
    public func reset() {
        random = RandomStream(seed: configuration.seed)
        channel.reset(fill: .infinity)
        idealChannel.reset(fill: .infinity)
        pointCount = 0
    }
}

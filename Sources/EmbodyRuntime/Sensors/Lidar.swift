// MARK: - lidar: ranges along channels × samples beams

import EmbodyControl
import EmbodyModel
import EmbodyPerception
import EmbodyPhysics
import EmbodyScenario

/// A declared lidar with its caster; a scan is summarized (points, nearest return, error against the
/// noise-free scan) when it arrives.
final class LidarProbe {
    let name: String
    let link: Int?
    let lidar: Lidar
    let caster: WorldRayCaster
    private(set) var rangeError = RunningRMS()
    private(set) var scans = 0
    private(set) var lastPoints = 0.0, lastMinRange = Double.infinity, lastErrorRMS = Double.nan

    init(name: String, _ s: LidarParameters, timing: SensorTiming, seed: UInt64, link: Int?, world: World,
         robot: Robot) throws {
        let beams = s.beams
        self.name = name
        self.link = link
        var c = LidarConfiguration(timing: timing, channels: beams.channels, samplesPerChannel: beams.samples,
                                   verticalMin: beams.vertical[0], verticalMax: beams.vertical[1],
                                   maxRange: beams.range[1], seed: seed)
        c.minRange = beams.range[0]
        c.horizontalFieldOfView = beams.horizontalFov
        c.horizontalStart = beams.horizontalStart
        c.rangeNoiseStdDev = s.noise
        c.mount = s.mount.transform(xAxisForward: true)
        c.keepsIdealScan = true
        lidar = try Lidar(configuration: c)
        caster = WorldRayCaster(world: world, ignoring: s.ignoreRobot ? robot.id : nil,
                                capacity: beams.channels * beams.samples)
    }

    /// Scans on sample ticks, delivers, and summarizes a newly arrived scan.
    func update(tick: Int, linkPoses: [Double]) {
        guard lidar.update(tick: tick, linkPose: mountPose(link, linkPoses), caster: caster) else { return }
        let ranges = lidar.output.values, ideal = lidar.idealOutput.values
        var nearest = Float.infinity, squares = 0.0, both = 0
        for i in 0..<ranges.count {
            let r = ranges[i]
            guard r.isFinite else { continue }
            nearest = min(nearest, r)
            let t = ideal[i]
            if t.isFinite { let e = Double(r) - Double(t); squares += e * e; both += 1 }
        }
        scans += 1
        lastPoints = Double(lidar.pointCount)
        lastMinRange = Double(nearest)
        lastErrorRMS = both > 0 ? (squares / Double(both)).squareRoot() : .nan
        rangeError.squares += squares
        rangeError.count += both
    }

    /// Per-sensor summary values: scans delivered, points in the last scan, its nearest return (m) and the
    /// range error against the noise-free scans (m, RMS over rays that returned in both).
    func report() -> [String: Double] {
        var v: [String: Double] = ["scans": Double(scans), "points": lastPoints]
        if scans > 0 { v["min_range"] = lastMinRange }
        if rangeError.count > 0 { v["range_error_rms"] = rangeError.value }
        return v
    }
}

// MARK: - A recorded run in memory: its log, scenario, model, and link poses by forward kinematics
//
// The viewer and the MCAP export both start here. Link poses are not stored in the log: they follow from
// the recorded q and base pose by Embody's forward kinematics (a robot built in a private world without
// ground or objects, set to each record's state; `Robot.getLinkPoses`, the link frames of docs/dynamics.md).

import EmbodyModel
import EmbodyPhysics
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// Why a run cannot be viewed or exported: always a problem with the given log (exit 1).
public struct ViewError: Error, CustomStringConvertible, Sendable {
    /// The message, naming the file.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A whole recorded run, read into memory.
public final class LoadedRun {
    /// The log's path as given.
    public let path: String
    /// The log header.
    public let header: LogHeader
    /// The scenario embedded in the log, loaded as the run saw it.
    public let scenario: Scenario
    /// The robot model.
    public let model: RobotModel
    /// Every complete record, in order.
    public let records: [LogRecord]
    /// Whether the log ended in an incomplete record (ignored).
    public let truncatedTail: Bool
    /// Channel index by name.
    public let channelIndex: [String: Int]
    /// The robot used for forward kinematics (in a world of its own).
    let kinematics: Robot
    private let world: World
    /// The robot's link names in `Robot.linkNames` order (base first): the order of every link array here.
    public var linkNames: [String] { kinematics.linkNames }
    /// For each link (robot order), its index in `model.links`.
    public var modelLinkIndex: [Int] { kinematics.modelLinkIndex }

    /// Reads the log at `path`, loads its embedded scenario and builds the kinematics robot.
    public init(path: String) throws(ViewError) {
        self.path = path
        let reader: LogReader
        do { reader = try LogReader(path: path) } catch { throw ViewError(error.description) }
        header = reader.header
        var all: [LogRecord] = []
        do {
            while let r = try reader.next() { all.append(r) }
        } catch {
            throw ViewError(error.description)
        }
        guard !all.isEmpty else { throw ViewError("run log '\(path)' holds no complete record, so there is nothing to show") }
        records = all
        truncatedTail = reader.truncatedTail
        var index: [String: Int] = [:]
        for (i, c) in header.channels.enumerated() { index[c] = i }
        channelIndex = index
        do { (scenario, model) = try Replay.scenario(of: header) } catch { throw ViewError("\(path): \(error.message)") }
        let dof = model.dof
        for prefix in ["q", "qd", "tau_cmd", "tau"] {
            for name in model.jointNames where index["\(prefix).\(name)"] == nil {
                throw ViewError("run log '\(path)' has no channel '\(prefix).\(name)' for the robot's joint '\(name)'")
            }
        }
        for c in ["x", "y", "z", "qx", "qy", "qz", "qw"] where index["base.\(c)"] == nil {
            throw ViewError("run log '\(path)' has no channel 'base.\(c)'")
        }
        _ = dof
        var settings = WorldSettings()
        settings.ground = false
        do {
            world = try World(settings: settings)
            var options = RobotOptions()
            options.fixedBase = scenario.robot.base.fixed
            let p = scenario.robot.base.position, r = scenario.robot.base.rpy
            options.basePose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(r[0], r[1], r[2]))
            kinematics = try world.addRobot(model, options: options)
        } catch {
            throw ViewError("\(path): cannot build the robot for forward kinematics: \(error.message)")
        }
    }

    /// The value of channel `name` in record `r`, or nil when the log has no such channel.
    public func value(_ name: String, in r: Int) -> Double? {
        channelIndex[name].map { records[r].values[$0] }
    }

    /// The time of record `r` in s (tick × dt).
    public func time(_ r: Int) -> Double { header.time(ofTick: records[r].tick) }

    /// The base pose of record `r` (the base link frame in the world).
    public func basePose(_ r: Int) -> Transform {
        let v = records[r].values, i = channelIndex["base.x"]!
        return Transform(position: Vector3(v[i], v[i + 1], v[i + 2]),
                         rotation: Quaternion(x: v[i + 3], y: v[i + 4], z: v[i + 5], w: v[i + 6]).normalizedOrIdentity)
    }

    /// The joint positions of record `r` (rad or m), in `model.jointNames` order.
    public func q(_ r: Int) -> [Double] {
        let v = records[r].values, i = channelIndex["q.\(model.jointNames.first ?? "")"] ?? 0
        return Array(v[i..<(i + model.dof)])
    }

    /// Every link frame's world pose at record `r` (7 values per link: x, y, z, qx, qy, qz, qw; `linkNames` order),
    /// by forward kinematics from the recorded base pose and q. Non-finite states give the last finite pose.
    public func linkPoses(_ r: Int, into poses: inout [Double]) {
        let q = q(r), base = basePose(r)
        if q.allSatisfy(\.isFinite) && [base.position.x, base.position.y, base.position.z].allSatisfy(\.isFinite) {
            if !kinematics.fixedBase { kinematics.basePose = base }
            kinematics.setQ(q)
        }
        if poses.count != 7 * linkNames.count { poses = [Double](repeating: 0, count: 7 * linkNames.count) }
        kinematics.getLinkPoses(&poses)
    }

    /// The world pose of object `name` at record `r`, from its logged channels, or nil when not logged.
    public func objectPose(_ name: String, _ r: Int) -> Transform? {
        guard let i = channelIndex["\(name).x"], i + 6 < header.channels.count else { return nil }
        let v = records[r].values
        return Transform(position: Vector3(v[i], v[i + 1], v[i + 2]),
                         rotation: Quaternion(x: v[i + 3], y: v[i + 4], z: v[i + 5], w: v[i + 6]).normalizedOrIdentity)
    }

    /// The name of an event's kind.
    public func kindName(_ e: LogEvent) -> String {
        Int(e.kind) < header.eventKinds.count ? header.eventKinds[Int(e.kind)] : "event \(e.kind)"
    }
}

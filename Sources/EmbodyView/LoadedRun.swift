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
    /// Per scenario object logged with its pose, the index of its channel `<object>.x` (x, y, z, qx, qy, qz, qw follow).
    let objectPoseStart: [String: Int]
    /// Per robot link with contact channels, the index of `contact.<link>.fx` (fy, fz, px, py, pz follow).
    let contactStart: [String: Int]
    /// Forward kinematics of the logged robot.
    let kinematics: Kinematics
    /// The robot's link names in `Robot.linkNames` order (base first): the order of every link array here.
    public var linkNames: [String] { kinematics.robot.linkNames }
    /// For each link (robot order), its index in `model.links`.
    public var modelLinkIndex: [Int] { kinematics.robot.modelLinkIndex }

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
        for prefix in ["q", "qd", "tau_cmd", "tau"] {
            for name in model.jointNames where index["\(prefix).\(name)"] == nil {
                throw ViewError("run log '\(path)' has no channel '\(prefix).\(name)' for the robot's joint '\(name)'")
            }
        }
        guard Self.block("base", Self.poseSuffixes, channels: header.channels, index: index) != nil else {
            throw ViewError("run log '\(path)' does not hold the base pose channels base.x … base.qw in that order")
        }
        let kinematics = try Kinematics(scenario: scenario, model: model, channels: header.channels, logPath: path)
        self.kinematics = kinematics
        // Blocks of channels are indexed from their first: only blocks whose names follow in order count.
        var objects: [String: Int] = [:], contacts: [String: Int] = [:]
        for o in scenario.world.objects {
            objects[o.name] = Self.block(o.name, Self.poseSuffixes, channels: header.channels, index: index)
        }
        for l in kinematics.linkNames {
            contacts[l] = Self.block("contact.\(l)", ["fx", "fy", "fz", "px", "py", "pz"], channels: header.channels, index: index)
        }
        objectPoseStart = objects
        contactStart = contacts
    }

    /// The channel suffixes of a logged pose, in order: position (m), then the unit quaternion.
    static let poseSuffixes = ["x", "y", "z", "qx", "qy", "qz", "qw"]

    /// The index of channel `prefix.suffixes[0]` when the channels `prefix.suffix` follow it in `suffixes` order,
    /// else nil (a log whose names are out of order must not be read by offset).
    static func block(_ prefix: String, _ suffixes: [String], channels: [String], index: [String: Int]) -> Int? {
        guard let i = index["\(prefix).\(suffixes[0])"], i + suffixes.count <= channels.count else { return nil }
        for (k, suffix) in suffixes.enumerated() where channels[i + k] != "\(prefix).\(suffix)" { return nil }
        return i
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
    /// by forward kinematics from the recorded base pose and q.
    public func linkPoses(_ r: Int, into poses: inout [Double]) {
        kinematics.linkPoses(values: records[r].values, into: &poses)
    }

    /// The world pose of object `name` at record `r`, from its logged channels, or nil when not logged.
    public func objectPose(_ name: String, _ r: Int) -> Transform? {
        guard let i = objectPoseStart[name] else { return nil }
        let v = records[r].values
        return Transform(position: Vector3(v[i], v[i + 1], v[i + 2]),
                         rotation: Quaternion(x: v[i + 3], y: v[i + 4], z: v[i + 5], w: v[i + 6]).normalizedOrIdentity)
    }

    /// The name of an event's kind.
    public func kindName(_ e: LogEvent) -> String {
        Int(e.kind) < header.eventKinds.count ? header.eventKinds[Int(e.kind)] : "event \(e.kind)"
    }
}

/// Forward kinematics from a record's values: a robot built in a world of its own (no ground, no objects),
/// set to the record's base pose and q, read with `Robot.getLinkPoses`.
final class Kinematics {
    let robot: Robot
    private let world: World
    private let qStart: Int, baseStart: Int, dof: Int
    private var q: [Double]

    init(scenario: Scenario, model: RobotModel, channels: [String], logPath: String) throws(ViewError) {
        guard let b = channels.firstIndex(of: "base.x"), b + 6 < channels.count else {
            throw ViewError("run log '\(logPath)' has no base pose channels (base.x … base.qw)")
        }
        dof = model.dof
        let first = model.jointNames.first.map { channels.firstIndex(of: "q.\($0)") } ?? 0
        guard let first, first + dof <= channels.count,
              model.jointNames.enumerated().allSatisfy({ channels[first + $0.offset] == "q.\($0.element)" }) else {
            throw ViewError("run log '\(logPath)' does not hold the joint positions q.<joint> of the robot '\(model.name)' in order")
        }
        qStart = first
        baseStart = b
        q = [Double](repeating: 0, count: dof)
        var settings = WorldSettings()
        settings.ground = false
        do {
            world = try World(settings: settings)
            var options = RobotOptions()
            options.fixedBase = scenario.robot.base.fixed
            let p = scenario.robot.base.position, r = scenario.robot.base.rpy
            options.basePose = Transform(xyz: Vector3(p[0], p[1], p[2]), rpy: Vector3(r[0], r[1], r[2]))
            robot = try world.addRobot(model, options: options)
        } catch {
            throw ViewError("\(logPath): cannot build the robot for forward kinematics: \(error.message)")
        }
    }

    /// The link names, base first (`Robot.linkNames`).
    var linkNames: [String] { robot.linkNames }

    /// Writes every link frame's world pose (7 per link) for a record's `values` into `poses`. A record with a
    /// non-finite q or base position keeps the previous record's poses (a diverged run has no pose to show).
    func linkPoses(values v: [Double], into poses: inout [Double]) {
        for i in 0..<dof { q[i] = v[qStart + i] }
        let b = baseStart
        let finite = q.allSatisfy(\.isFinite) && (b..<(b + 7)).allSatisfy { v[$0].isFinite }
        if finite {
            if !robot.fixedBase {
                robot.basePose = Transform(position: Vector3(v[b], v[b + 1], v[b + 2]),
                                           rotation: Quaternion(x: v[b + 3], y: v[b + 4], z: v[b + 5], w: v[b + 6]).normalizedOrIdentity)
            }
            robot.setQ(q)
        }
        if poses.count != 7 * robot.linkCount { poses = [Double](repeating: 0, count: 7 * robot.linkCount) }
        robot.getLinkPoses(&poses)
    }
}

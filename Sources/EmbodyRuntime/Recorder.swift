// MARK: - Recording a run into the binary log

import EmbodyModel
import EmbodyScenario

/// The Embody version written into logs and summaries.
public enum EmbodyVersion {
    /// The semantic version of this build.
    public static let current = "0.1.0"
}

/// Kinds of events the runtime records; raw values index `LogHeader.standardEventKinds`.
enum RunEvent: UInt8 {
    case disturbanceStart = 0
    case disturbanceEnd = 1
    case fall = 2
    case criterionPassed = 3
    case criterionFailed = 4
    /// The run diverged at this record's tick; the code is 0, the value the offending channel's value.
    case diverged = 5
    /// The last record of a run that ended normally; the code is the outcome's index in `RunOutcome.allCases`.
    case runEnd = 6
    /// An online planner changed the reference at this record's tick (a switch to the next target, or a replan
    /// that moved the goal); the code is the number of reference changes since load, the one at load included.
    case replan = 7
}

/// The channel names of a run's records, in storage order.
public func recordChannels(jointNames: [String], objectNames: [String], estimated: Bool = false,
                           sensors: [String] = []) -> [String] {
    var c: [String] = []
    for prefix in ["q", "qd", "tau_cmd", "tau"] { c += jointNames.map { "\(prefix).\($0)" } }
    c += ["x", "y", "z", "qx", "qy", "qz", "qw"].map { "base.\($0)" }
    c += ["vx", "vy", "vz", "wx", "wy", "wz"].map { "base.\($0)" }
    for o in objectNames { c += objectChannelSuffixes.map { "\(o).\($0)" } }
    if estimated {  // what the controller saw, next to the truth above
        for prefix in ["est.q", "est.qd"] { c += jointNames.map { "\(prefix).\($0)" } }
        c += ["qx", "qy", "qz", "qw"].map { "est.base.\($0)" }
    }
    c += sensors  // force/torque, contact, camera and lidar channels (SensorSuite.channelNames)
    return c
}

/// An object's channels after its name: pose (position, quaternion), then twist.
let objectChannelSuffixes = ["x", "y", "z", "qx", "qy", "qz", "qw", "vx", "vy", "vz", "wx", "wy", "wz"]

/// The 64-bit FNV-1a hash of a text, as 16 hex digits; identifies a scenario's exact text.
public func textHash(_ text: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 {
        h ^= UInt64(b)
        h &*= 0x0000_0100_0000_01b3
    }
    return hex(h)
}

/// Writes a simulation's records; buffers are sized at open, so recording a tick allocates nothing.
final class Recorder {
    let writer: LogWriter
    let every: Int
    private var values: [Double]
    /// Queued events; raw storage rather than an Array, whose generic metadata an unoptimized build would
    /// instantiate (and allocate) on the first event of a run.
    private let events: UnsafeMutableBufferPointer<LogEvent>
    private var eventCount = 0

    init(path: String, scenario: Scenario, model: RobotModel, channels: [String], every: Int) throws(RuntimeError) {
        guard every >= 1 else { throw RuntimeError("--record-every must be at least 1, got \(every)") }
        var header = LogHeader(embodyVersion: EmbodyVersion.current, scenarioName: scenario.name,
                               scenarioPath: scenario.sourcePath, scenarioText: scenario.sourceText,
                               scenarioHash: textHash(scenario.sourceText), overrides: scenario.overrides,
                               seed: scenario.seed, dt: scenario.physics.dt, recordEvery: every, channels: channels)
        // The log carries its model: the description's text and a hash of every mesh, so replay can tell a moved
        // model (fine) from a changed one.
        header.modelText = model.descriptionText
        header.modelPath = model.sourcePath
        header.meshHashes = Dictionary(model.meshFiles.map { ($0.path, $0.hash) }, uniquingKeysWith: { a, _ in a })
        do {
            writer = try LogWriter(path: path, header: header, maxEventsPerRecord: 64)
        } catch {
            throw RuntimeError(error.description)
        }
        self.every = every
        values = Array(repeating: 0, count: channels.count)
        events = .allocate(capacity: 64)
        events.initialize(repeating: LogEvent(kind: 0, code: 0, value: 0))
    }

    deinit { events.deallocate() }

    /// Queues an event for the next record (events beyond 64 per record are dropped).
    func event(_ kind: RunEvent, code: Int32, value: Double = 0) {
        guard eventCount < events.count else { return }
        events[eventCount] = LogEvent(kind: kind.rawValue, code: code, value: value)
        eventCount += 1
    }

    /// Writes one record for the simulation's current tick with the queued events.
    func record(_ sim: Simulation) throws(RuntimeError) {
        sim.recordValues(into: &values)
        let count = eventCount
        eventCount = 0
        do {
            try values.withUnsafeBufferPointer { v throws(LogError) in
                try writer.append(tick: Int64(sim.tick), values: v,
                                  events: UnsafeBufferPointer(start: events.baseAddress, count: count))
            }
        } catch {
            throw RuntimeError("cannot write the log: \(error.description)", invalidInput: false)
        }
    }

    /// Writes the final tick's record (with the criteria events) and closes the log.
    func finish(_ sim: Simulation) throws(RuntimeError) {
        try record(sim)
        do { try writer.close() } catch { throw RuntimeError("cannot close the log: \(error.description)", invalidInput: false) }
    }
}

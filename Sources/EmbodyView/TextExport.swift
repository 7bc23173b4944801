// MARK: - CSV and JSONL export with units in the column names, and optional link poses

import EmbodyModel
import EmbodyRuntime
import EmbodyScenario

/// `embody export --format csv|jsonl`: the log's channels, named `name [unit]` unless `units` is false, and with
/// `linkPoses` every link frame's world pose by forward kinematics (`link.<name>.x` … `qw`).
public enum TextExport {
    /// Exports the log at `logPath` to `output` (nil: stdout) and returns the number of rows.
    public static func export(logPath: String, format: LogExportFormat, output: String?, units: Bool,
                              linkPoses: Bool) throws(ViewError) -> Int {
        let reader: LogReader
        do { reader = try LogReader(path: logPath) } catch { throw ViewError(error.description) }
        let header = reader.header
        var loaded: (Scenario, RobotModel)?
        if units || linkPoses {
            do { loaded = try Replay.scenario(of: header) } catch {
                if linkPoses { throw ViewError("\(logPath): link poses need the robot model: \(error.message)") }
            }
        }
        var columns = LogExporter.ColumnOptions()
        if linkPoses, let (scenario, model) = loaded {
            let kinematics = try Kinematics(scenario: scenario, model: model, channels: header.channels, logPath: logPath)
            columns.extraChannels = kinematics.linkNames.flatMap { l in
                ["x", "y", "z", "qx", "qy", "qz", "qw"].map { "link.\(l).\($0)" }
            }
            var poses: [Double] = []
            columns.extraValues = { record in
                kinematics.linkPoses(values: record.values, into: &poses)
                return poses
            }
        }
        if units {
            let prismatic = Set(loaded?.1.movableJoints.filter { $0.type == .prismatic }.map(\.name) ?? [])
            columns.names = ["tick"] + (["t"] + header.channels + columns.extraChannels).map {
                ChannelUnits.label($0, prismatic: prismatic)
            }
        }
        do {
            return try LogExporter.export(reader: reader, format: format, output: output, columns: columns)
        } catch {
            throw ViewError(error.description)
        }
    }
}

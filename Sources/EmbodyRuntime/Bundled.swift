// MARK: - Finding the bundled scenarios

import Foundation

/// The scenarios shipped in the repository's Scenarios/ folder.
public enum BundledScenarios {
    /// The scenario `embody run` runs when given none.
    public static let defaultName = "arm-hold"

    /// The Scenarios/ folder: $EMBODY_SCENARIOS, else the nearest Scenarios/ above the executable or the
    /// working directory.
    public static func directory() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["EMBODY_SCENARIOS"], !env.isEmpty { return env }
        var starts = [URL(fileURLWithPath: fm.currentDirectoryPath)]
        if let exe = Bundle.main.executableURL { starts.append(exe.resolvingSymlinksInPath().deletingLastPathComponent()) }
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("Scenarios")
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.appendingPathComponent("robots").path, isDirectory: &isDir), isDir.boolValue {
                    return candidate.path
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// The paths of the bundled scenario files, sorted by name.
    public static func all() -> [String] {
        guard let dir = directory(),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
            .sorted().map { "\(dir)/\($0)" }
    }

    /// Resolves a scenario argument: an existing file path, or the name of a bundled scenario.
    public static func resolve(_ argument: String) -> String? {
        if FileManager.default.fileExists(atPath: argument) { return argument }
        guard let dir = directory() else { return nil }
        for ext in ["yaml", "yml", "json"] where FileManager.default.fileExists(atPath: "\(dir)/\(argument).\(ext)") {
            return "\(dir)/\(argument).\(ext)"
        }
        return nil
    }
}

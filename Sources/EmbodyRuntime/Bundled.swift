// MARK: - Finding the bundled resources: scenarios, robots and exercises
//
// A build in a checkout finds them in the repository (Scenarios/, Exercises/); an installed or copied
// tree (`make install PREFIX=…`) finds them relative to the binary, `<prefix>/bin/embody` →
// `<prefix>/share/embody/`. The lookup order is the same for every kind of resource:
//
//   1. the environment variable (EMBODY_SCENARIOS, EMBODY_EXERCISES), when set and not empty;
//   2. the nearest folder of that name (Scenarios/, Exercises/) in the working directory or above it;
//   3. `../share/embody/<name>` next to the running executable (symbolic links resolved);
//   4. the nearest folder of that name above the running executable (a build in `.build/<config>/`).
//
// Step 2 comes first so that a student's or researcher's own checkout wins over an installed copy.

import Foundation

/// A folder of resources shipped with Embody, and how to recognize it.
public struct ResourceFolder: Sendable {
    /// The folder's name, in a checkout and under `share/embody` (e.g. "Scenarios").
    public var name: String
    /// The environment variable that overrides the lookup.
    public var variable: String
    /// A sub-folder the real folder always has (so that an unrelated folder of the same name is skipped).
    public var marker: String

    /// The bundled scenarios and their robots (Scenarios/robots/).
    public static let scenarios = ResourceFolder(name: "Scenarios", variable: "EMBODY_SCENARIOS", marker: "robots")
    /// The control exercises (Exercises/Runner/ holds the runner that wires the students' code).
    public static let exercises = ResourceFolder(name: "Exercises", variable: "EMBODY_EXERCISES", marker: "Runner")

    /// The lookup order, for error messages and docs.
    public var lookupDescription: String {
        "$\(variable); else \(name)/ in the working directory or a parent; else ../share/embody/\(name) next to "
            + "the embody binary; else \(name)/ above the binary"
    }

    /// The folder, by the lookup order in this file's header; nil when none exists.
    public func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                       workingDirectory: String = FileManager.default.currentDirectoryPath,
                       executable: URL? = ResourceFolder.runningExecutable()) -> String? {
        if let env = environment[variable], !env.isEmpty { return env }
        if let found = search(upwardsFrom: URL(fileURLWithPath: workingDirectory)) { return found }
        guard let executable else { return nil }
        let binDirectory = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = binDirectory.deletingLastPathComponent().appendingPathComponent("share/embody/\(name)")
        if isResourceFolder(installed) { return installed.standardizedFileURL.path }
        return search(upwardsFrom: binDirectory)
    }

    /// The running executable: /proc/self/exe where there is one, else the main bundle's executable.
    public static func runningExecutable() -> URL? {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return Bundle.main.executableURL
    }

    func isResourceFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent(marker).path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    func search(upwardsFrom start: URL) -> String? {
        var dir = start.standardizedFileURL
        while true {
            let candidate = dir.appendingPathComponent(name)
            if isResourceFolder(candidate) { return candidate.path }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { return nil }
            dir = parent
        }
    }
}

/// The scenarios shipped in the repository's Scenarios/ folder (installed as share/embody/Scenarios).
public enum BundledScenarios {
    /// The scenario `embody run` runs when given none.
    public static let defaultName = "arm-hold"

    /// The Scenarios/ folder, found as `ResourceFolder.scenarios` describes.
    public static func directory() -> String? { directory(executable: ResourceFolder.runningExecutable()) }

    /// The Scenarios/ folder as seen from `executable`'s location (the C library passes its own path).
    public static func directory(executable: URL?) -> String? {
        ResourceFolder.scenarios.locate(executable: executable)
    }

    /// The message when no Scenarios/ folder can be found.
    public static var notFoundMessage: String {
        "no bundled scenarios found; looked for: \(ResourceFolder.scenarios.lookupDescription)"
    }

    /// Whether a file name in the scenarios folder names a bundled scenario: a YAML or JSON file that is not hidden
    /// (a leading dot; editors and the test suite write those beside the bundled ones).
    public static func isScenarioFileName(_ name: String) -> Bool {
        !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json"))
    }

    /// The paths of the bundled scenario files (`isScenarioFileName`), sorted by name.
    public static func all() -> [String] { all(executable: ResourceFolder.runningExecutable()) }

    /// The bundled scenario files as seen from `executable`'s location.
    public static func all(executable: URL?) -> [String] {
        guard let dir = directory(executable: executable),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        return names.filter(isScenarioFileName)
            .sorted().map { "\(dir)/\($0)" }
    }

    /// Resolves a scenario argument: an existing file path, or the name of a bundled scenario.
    public static func resolve(_ argument: String) -> String? { resolve(argument, executable: ResourceFolder.runningExecutable()) }

    /// Resolves a scenario argument with bundled names looked up from `executable`'s location.
    public static func resolve(_ argument: String, executable: URL?) -> String? {
        if FileManager.default.fileExists(atPath: argument) { return argument }
        guard let dir = directory(executable: executable) else { return nil }
        for ext in ["yaml", "yml", "json"] where FileManager.default.fileExists(atPath: "\(dir)/\(argument).\(ext)") {
            return "\(dir)/\(argument).\(ext)"
        }
        return nil
    }
}

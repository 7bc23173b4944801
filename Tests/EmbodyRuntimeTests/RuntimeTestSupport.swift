import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The path of a bundled scenario file.
func bundledScenario(_ name: String) -> String { repoRoot.appendingPathComponent("Scenarios/\(name).yaml").path }

/// The names of every bundled scenario (Scenarios/*.yaml, *.yml, *.json), sorted.
func bundledScenarioNames() -> [String] {
    let directory = repoRoot.appendingPathComponent("Scenarios").path
    let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return files.filter(BundledScenarios.isScenarioFileName).sorted()
        .map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
}

/// Loads a bundled scenario with overrides.
func loadBundled(_ name: String, overrides: [String] = []) throws -> (Scenario, RobotModel) {
    try ScenarioLoader.load(path: bundledScenario(name), overrides: overrides)
}

/// A fresh temporary file path with the given extension; the caller removes it.
func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("embody-\(UUID().uuidString).\(ext)").path
}

/// The built `embody` executable next to the test bundle.
func embodyExecutable() -> URL {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = testBinary.deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("embody")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return repoRoot.appendingPathComponent(".build/debug/embody")
}

/// The result of running the CLI.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `embody` with arguments and returns its exit status and output.
func embody(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIResult {
    let process = Process()
    process.executableURL = embodyExecutable()
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env["EMBODY_SCENARIOS"] = repoRoot.appendingPathComponent("Scenarios").path
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes concurrently enough for our small outputs: stderr after stdout is fine because
    // the CLI's stderr output stays well under a pipe buffer.
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                     stderr: String(decoding: e, as: UTF8.self))
}

// MARK: - Helpers shared by the EmbodyScenario tests

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

/// The repository root, found from this file's path.
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }   // …/Tests/EmbodyScenarioTests/TestSupport.swift
    return url.path
}()

/// The bundled scenarios folder.
let scenariosDir = repoRoot + "/Scenarios"

/// A scenario path inside Scenarios/ that does not exist on disk; inline texts parsed "from" it
/// resolve `robots/arm7.urdf` exactly like the bundled scenarios.
let inlinePath = scenariosDir + "/inline-test.yaml"

/// A small valid arm scenario; tests edit copies of it.
let minimalArm = """
name: minimal
duration: 1.0
robot:
  urdf: robots/arm7.urdf
  base: { fixed: true }
controller:
  type: pd
  gains: { kp: 100, kd: 1 }

"""

/// A small valid humanoid scenario.
let minimalHumanoid = """
name: humanoid-minimal
duration: 1.0
robot:
  urdf: robots/humanoid.urdf
  base: { position: [0, 0, 0.921] }
controller:
  type: pd
  gains: { kp: 100, kd: 1 }

"""

/// Parses `text` as if it were `Scenarios/inline-test.yaml`, returning the scenario or the errors.
func load(_ text: String, overrides: [String] = [], path: String = inlinePath) -> Result<Scenario, ScenarioErrors> {
    do {
        let (scenario, _) = try ScenarioLoader.parse(text: text, path: path, overrides: overrides)
        return .success(scenario)
    } catch {
        return .failure(error)
    }
}

/// The diagnostics of loading `text`; empty (and a recorded test failure) when it loads.
func diagnostics(_ text: String, overrides: [String] = [], path: String = inlinePath,
                 sourceLocation: Testing.SourceLocation = #_sourceLocation) -> [ScenarioDiagnostic] {
    switch load(text, overrides: overrides, path: path) {
    case .success:
        Issue.record("expected the scenario to fail to load", sourceLocation: sourceLocation)
        return []
    case .failure(let errors):
        return errors.diagnostics
    }
}

/// The only diagnostic of loading `text`; records a failure when there is not exactly one.
func onlyDiagnostic(_ text: String, overrides: [String] = [], path: String = inlinePath,
                    sourceLocation: Testing.SourceLocation = #_sourceLocation) -> ScenarioDiagnostic? {
    let found = diagnostics(text, overrides: overrides, path: path, sourceLocation: sourceLocation)
    if found.count != 1 {
        Issue.record("expected exactly one diagnostic, got \(found.count):\n\(ScenarioErrors(found))",
                     sourceLocation: sourceLocation)
    }
    return found.first
}

/// The scenario loaded from `text`; records a failure with the diagnostics when it does not load.
func loaded(_ text: String, overrides: [String] = [], path: String = inlinePath,
            sourceLocation: Testing.SourceLocation = #_sourceLocation) -> Scenario? {
    switch load(text, overrides: overrides, path: path) {
    case .success(let scenario):
        return scenario
    case .failure(let errors):
        Issue.record("expected the scenario to load, got:\n\(errors)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The 1-based line of the first line of `text` containing `needle`, or -1.
func line(of needle: String, in text: String) -> Int {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    return (lines.firstIndex { $0.contains(needle) } ?? -2) + 1
}

/// The 1-based column where `needle` starts on its first line in `text`, or -1.
func column(of needle: String, in text: String) -> Int {
    for lineText in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if let range = lineText.range(of: needle) {
            return lineText.distance(from: lineText.startIndex, to: range.lowerBound) + 1
        }
    }
    return -1
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("embody-scenario-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `relative` (creating folders) and returns the absolute path.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = path + "/" + relative
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

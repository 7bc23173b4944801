// MARK: - Inputs the fuzzer found (Fuzz/Regressions/scenario, docs/testing.md)
//
// Every input that once crashed, hung or blew up the scenario loader under `make fuzz` is kept in
// Fuzz/Regressions/scenario/ and fed to the loader here exactly as the fuzz harness feeds it: the text up
// to the first NUL is the document, every further NUL-separated field one `--set` override. Each must come
// back quickly, and when refused, with diagnostics that name the file.

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

/// The regression inputs of one fuzz target, by file name.
func fuzzRegressions(_ target: String) -> [String] {
    let directory = repoRoot + "/Fuzz/Regressions/" + target
    return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

@Suite("Fuzz regressions: scenario loader")
struct ScenarioFuzzRegressionTests {
    @Test(arguments: fuzzRegressions("scenario"))
    func loadsOrIsRefusedQuickly(file: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: repoRoot + "/Fuzz/Regressions/scenario/" + file))
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        let text = String(decoding: fields.first ?? bytes[...], as: UTF8.self)
        let overrides = fields.dropFirst().map { String(decoding: $0, as: UTF8.self) }
        let start = ContinuousClock.now
        do {
            _ = try ScenarioLoader.parse(text: text, path: inlinePath, overrides: overrides)
        } catch {
            #expect(!error.diagnostics.isEmpty)
            for diagnostic in error.diagnostics { #expect(diagnostic.location.file == inlinePath, "\(diagnostic)") }
        }
        #expect(ContinuousClock.now - start < .seconds(2), "\(file) took \(ContinuousClock.now - start)")
    }
}

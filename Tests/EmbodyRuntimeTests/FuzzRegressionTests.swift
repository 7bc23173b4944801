// MARK: - Inputs the fuzzer found (Fuzz/Regressions/log, docs/testing.md)
//
// Every input that once crashed, hung or blew up the log reader under `make fuzz` is kept in
// Fuzz/Regressions/log/ and read here as the fuzz harness reads it, the way `embody replay` does: every
// record, the scenario embedded in the header, and the state hash of the last record for that model.
// Each must come back quickly, with a result or an error, never a trap.

import EmbodyModel
import EmbodyRuntime
import EmbodyScenario
import Foundation
import Testing

@Suite("Fuzz regressions: log reader")
struct LogFuzzRegressionTests {
    static let directory = repoRoot.appendingPathComponent("Fuzz/Regressions/log").path
    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()

    @Test(arguments: files)
    func readsOrIsRefusedQuickly(file: String) throws {
        let path = temporaryPath("emblog")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.copyItem(atPath: Self.directory + "/" + file, toPath: path)
        let start = ContinuousClock.now
        do {
            let run = try Replay.read(path: path)
            let (_, model) = try Replay.scenario(of: run.header)
            if let last = run.last { _ = Replay.stateHash(of: last, header: run.header, dof: model.dof) }
        } catch {
            #expect(!"\(error)".isEmpty)
        }
        #expect(ContinuousClock.now - start < .seconds(2), "\(file) took \(ContinuousClock.now - start)")
    }
}

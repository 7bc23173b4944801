import Foundation
import Testing

// MARK: - robot.mjcf end to end: dm_control models run through `embody run`
//
// The models come from the test corpus that scripts/mjcf-corpus.sh unpacks (run by `make test`); when it
// is missing these tests fail and say so.

/// dm_control's suite folder in the corpus (the version scripts/mjcf-corpus.sh pins).
let dmControlSuite = repoRoot.appendingPathComponent(".corpus/mjcf/dm_control-1.0.52/dm_control/suite").path

@Suite("robot.mjcf runs")
struct MJCFRunTests {
    /// The model's <option> sets the step (humanoid 5 ms, walker 2.5 ms), a PD hold runs 2 s, and every
    /// final joint value is finite.
    @Test(arguments: [("humanoid", 0.005, 21), ("walker", 0.0025, 9)])
    func dmControlModelRunsTwoSeconds(_ model: String, _ timestep: Double, _ joints: Int) throws {
        let file = "\(dmControlSuite)/\(model).xml"
        try #require(FileManager.default.fileExists(atPath: file),
                     "the MJCF corpus is missing (\(file)); run `bash scripts/mjcf-corpus.sh` (make test does)")
        let scenario = temporaryPath("yaml")
        defer { try? FileManager.default.removeItem(atPath: scenario) }
        try """
            name: mjcf-\(model)
            duration: 2.0
            robot:
              mjcf: \(file)
            controller:
              type: pd
              gains: { kp: 20, kd: 1 }
            task:
              type: hold

            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let result = try embody(["run", scenario, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["steps"] as? Int == Int((2 / timestep).rounded()))
        let q = try #require(json["final_q"] as? [String: Double])
        #expect(q.count == joints && q.values.allSatisfy(\.isFinite))
    }
}

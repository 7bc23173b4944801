// MARK: - The QP solver against reference solutions computed with scipy and numpy
//
// Tests/Fixtures/qp/scipy-reference.json holds ten seeded random programs (2 to 25 unknowns, with equalities and
// inequalities) and their optima, found by tools/qp/scipy_reference.py independently of this solver: scipy's
// SLSQP, then an exact KKT solve on the active set it identifies, corrected until the KKT conditions hold to
// 1e-11. Regenerate with `python3 tools/qp/scipy_reference.py`; this test only reads the file.

@testable import EmbodyControl
import Foundation
import Testing

private struct ReferenceFile: Decodable {
    var seed: UInt64
    var programs: [ReferenceProgram]
}

private struct ReferenceProgram: Decodable {
    var n: Int, meq: Int, mineq: Int
    var hessian: [Double], linearTerm: [Double]
    var equalityMatrix: [Double], equalityVector: [Double]
    var inequalityMatrix: [Double], inequalityVector: [Double]
    var solution: [Double], equalityMultipliers: [Double], inequalityMultipliers: [Double]
    var activeInequalities: [Int]
}

private let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/qp/scipy-reference.json")

@Suite("QuadraticProgram reference")
struct QuadraticProgramReferenceTests {
    @Test func matchesTheScipyReferenceSolutions() throws {
        let file = try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: fixtureURL))
        #expect(file.programs.count == 10)
        for (index, r) in file.programs.enumerated() {
            let qp = QuadraticProgram(variableCount: r.n, equalityCount: r.meq, inequalityCount: r.mineq)
            qp.hessian = r.hessian; qp.linearTerm = r.linearTerm
            qp.equalityMatrix = r.equalityMatrix; qp.equalityVector = r.equalityVector
            qp.inequalityMatrix = r.inequalityMatrix; qp.inequalityVector = r.inequalityVector
            #expect(qp.solve() == .optimal, "program \(index)")
            let xScale = 1 + r.solution.map(abs).max()!
            for k in 0..<r.n {
                #expect(abs(qp.solution[k] - r.solution[k]) <= 1e-9 * xScale, "program \(index) x[\(k)]")
            }
            let multiplierScale = 1 + (r.equalityMultipliers + r.inequalityMultipliers).map(abs).max()!
            for i in 0..<r.meq {
                #expect(abs(qp.equalityMultipliers[i] - r.equalityMultipliers[i]) <= 1e-8 * multiplierScale,
                        "program \(index) λ[\(i)]")
            }
            for i in 0..<r.mineq {
                #expect(abs(qp.inequalityMultipliers[i] - r.inequalityMultipliers[i]) <= 1e-8 * multiplierScale,
                        "program \(index) μ[\(i)]")
            }
            // The same active set (every reference multiplier on it is clearly positive).
            let active = (0..<r.mineq).filter { qp.inequalityMultipliers[$0] > 0 }
            #expect(active == r.activeInequalities, "program \(index)")
        }
    }
}

import EmbodyExercises
import EmbodyPhysics
import Foundation
import Testing

// MARK: - The shim's Riccati solvers (CShims/CBullet/linalg.cpp)

@Suite("Riccati solvers in the shim")
struct RiccatiTests {
    @Test func scalarContinuousMatchesClosedForm() throws {
        // ṗ: 2aP − P²b²/r + q = 0 → P = r (a + √(a² + q/r)) for b = 1.
        let s = try Riccati.continuous(a: [1], b: [1], q: [1], r: [1], n: 1, m: 1)
        #expect(abs(s.p[0] - (1 + 2.0.squareRoot())) < 1e-9)
        #expect(abs(s.k[0] - s.p[0]) < 1e-9)
    }

    @Test func scalarDiscreteMatchesClosedForm() throws {
        // a = b = q = r = 1: P = P − P²/(1 + P) + 1 → P² − P − 1 = 0 → P = (1 + √5)/2.
        let s = try Riccati.discrete(a: [1], b: [1], q: [1], r: [1], n: 1, m: 1)
        #expect(abs(s.p[0] - (1 + 5.0.squareRoot()) / 2) < 1e-9)
    }

    @Test func cartPoleLikeSystemHasSmallResidualAndStableLoop() throws {
        // A linearized cart-pole: x = [x, θ, ẋ, θ̇].
        let a: [[Double]] = [[0, 0, 1, 0], [0, 0, 0, 1], [0, -0.7, 0, 0], [0, 15.7, 0, 0]]
        let b: [[Double]] = [[0], [0], [0.97], [-1.5]]
        let q: [[Double]] = [[10, 0, 0, 0], [0, 100, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        let s = try Riccati.continuous(a: a.flatMap { $0 }, b: b.flatMap { $0 }, q: q.flatMap { $0 }, r: [0.1], n: 4, m: 1)
        let p = (0..<4).map { Array(s.p[($0 * 4)..<($0 * 4 + 4)]) }
        // Residual AᵀP + PA − P B R⁻¹ Bᵀ P + Q.
        let pb = Mat.mul(p, b)
        var residual = Mat.add(Mat.add(Mat.mul(Mat.transpose(a), p), Mat.mul(p, a)), q)
        residual = Mat.add(residual, Mat.mul(pb, Mat.transpose(pb)), scale: -1 / 0.1)
        #expect(residual.flatMap { $0 }.map(abs).max()! < 1e-6 * p.flatMap { $0 }.map(abs).max()!)
        // The closed loop A − B K is stable: simulate ẋ = (A − BK) x from a tilt and check it decays.
        let closed = Mat.add(a, Mat.mul(b, [s.k]), scale: -1)
        var x = [0.0, 0.17, 0, 0]
        for _ in 0..<20_000 { x = zip(x, Mat.mul(closed, x)).map { $0 + 0.001 * $1 } }
        #expect(x.map(abs).max()! < 1e-3)
        // Discrete on the Euler discretization agrees with continuous for a small step.
        let dt = 0.001
        let ad = Mat.add(Mat.identity(4), a, scale: dt)
        let d = try Riccati.discrete(a: ad.flatMap { $0 }, b: b.flatMap { $0 }.map { $0 * dt },
                                     q: q.flatMap { $0 }.map { $0 * dt }, r: [0.1 * dt], n: 4, m: 1)
        for i in 0..<4 { #expect(abs(d.k[i] - s.k[i]) < 0.02 * abs(s.k[i]) + 0.05, "K[\(i)] \(d.k[i]) vs \(s.k[i])") }
    }

    @Test func badInputIsAnErrorForPeople() {
        #expect(throws: RiccatiError.self) { try Riccati.continuous(a: [1, 2], b: [1], q: [1], r: [1], n: 1, m: 1) }
        #expect(throws: RiccatiError.self) { try Riccati.discrete(a: [1], b: [1], q: [1], r: [-1], n: 1, m: 1) }
        #expect(throws: RiccatiError.self) { try Riccati.continuous(a: [.nan], b: [1], q: [1], r: [1], n: 1, m: 1) }
    }
}

// MARK: - Dense linear algebra (EmbodyModel's LinearAlgebra, which control and planning share; tested here
// against this target's reference Gaussian elimination)

import EmbodyModel
import Testing

@Suite("LinearAlgebra")
struct LinearAlgebraTests {
    /// A random symmetric positive-definite n×n matrix B Bᵀ + n I.
    func spd(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        let b = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &rng) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        for i in 0..<n { a[i * n + i] += Double(n) }
        return a
    }

    @Test("Cholesky solve matches Gaussian elimination for n = 1 … 40")
    func choleskySolveMatchesGaussianElimination() {
        for n in [1, 2, 3, 6, 12, 40] {
            let a = spd(n, seed: UInt64(n))
            var rng = SplitMix64(seed: 99)
            let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
            var l = a
            #expect(LinearAlgebra.choleskyFactor(&l, n: n))
            var x = b
            LinearAlgebra.choleskySolve(factor: l, n: n, &x)
            let reference = gaussianSolve(a, b)
            for i in 0..<n { #expect(abs(x[i] - reference[i]) < 1e-12) }
            // L Lᵀ reproduces A and the upper triangle is cleared.
            for i in 0..<n {
                for j in 0..<n {
                    var s = 0.0
                    for k in 0..<n { s += l[i * n + k] * l[j * n + k] }
                    #expect(abs(s - a[i * n + j]) < 1e-11)
                    if j > i { #expect(l[i * n + j] == 0) }
                }
            }
        }
    }

    @Test("Cholesky refuses indefinite and non-finite matrices")
    func choleskyRejectsIndefinite() {
        var indefinite: [Double] = [1, 2, 2, 1]       // eigenvalues 3 and −1
        #expect(!LinearAlgebra.choleskyFactor(&indefinite, n: 2))
        var singular: [Double] = [1, 1, 1, 1]
        #expect(!LinearAlgebra.choleskyFactor(&singular, n: 2))
        var nan: [Double] = [.nan, 0, 0, 1]
        #expect(!LinearAlgebra.choleskyFactor(&nan, n: 2))
    }

    @Test("Column solve equals solving each column")
    func columnSolve() {
        let n = 5, m = 3
        let a = spd(n, seed: 7)
        var l = a
        LinearAlgebra.choleskyFactor(&l, n: n)
        var rng = SplitMix64(seed: 3)
        let b = (0..<(n * m)).map { _ in Double.random(in: -2...2, using: &rng) }
        var x = b
        LinearAlgebra.choleskySolveColumns(factor: l, n: n, &x, columns: m)
        for c in 0..<m {
            let col = gaussianSolve(a, (0..<n).map { b[$0 * m + c] })
            for i in 0..<n { #expect(abs(x[i * m + c] - col[i]) < 1e-12) }
        }
    }

    @Test("Products and block copies")
    func products() {
        let a: [Double] = [1, 2, 3, 4, 5, 6]   // 2×3
        var y = [Double](repeating: 0, count: 2)
        LinearAlgebra.multiply(a, rows: 2, cols: 3, [1, 0, -1], into: &y)
        #expect(y == [-2, -2])
        var z = [Double](repeating: 0, count: 3)
        LinearAlgebra.multiplyTransposed(a, rows: 2, cols: 3, [1, -1], into: &z)
        #expect(z == [-3, -3, -3])
        var c = [Double](repeating: 0, count: 4)
        LinearAlgebra.multiply(a, [1, 0, 0, 1, 1, 1], m: 2, k: 3, n: 2, into: &c)   // A (2×3) · B (3×2)
        #expect(c == [4, 5, 10, 11])
        var block = [Double](repeating: 0, count: 2)
        LinearAlgebra.copyBlock(a, sourceCols: 3, row0: 1, col0: 1, rows: 1, cols: 2, into: &block)
        #expect(block == [5, 6])
    }
}

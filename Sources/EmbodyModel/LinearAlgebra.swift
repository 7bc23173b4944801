// MARK: - Small dense linear algebra on preallocated storage
//
// The model-based controllers solve a few symmetric positive-definite systems per control tick (the
// mass matrix, M + Kd Δt, the damped inverse of the operational-space inertia), and inverse kinematics
// one per iteration (J_w J_wᵀ + λ² I). This is the one Cholesky factorization in Embody: control and
// planning both use it, with the same pivot threshold. Everything here works
// in place on flat row-major `[Double]` buffers that the caller allocated once, so nothing allocates
// at control time. Sizes are small (n ≲ 40), so plain O(n³) loops beat any blocking.
//
// Layout: element (i, j) of an r×c matrix lives at index i·c + j. Every function checks only in
// debug builds that the buffers are large enough; the controllers size them at construction.
//
// Only Cholesky is provided, on purpose: every matrix the controllers and IK invert (M, M + Kd Δt,
// J M⁻¹ Jᵀ + λ² I, J_w J_wᵀ + λ² I) is symmetric positive definite, where Cholesky needs no pivoting and is the
// cheapest and most stable direct method.

/// Allocation-free dense linear algebra over flat row-major `[Double]` buffers.
public enum LinearAlgebra {
    // MARK: - Cholesky

    /// Factors the n×n symmetric positive-definite matrix `a` in place as L Lᵀ, returning false if a pivot is not positive and finite.
    ///
    /// Only the lower triangle of `a` is read. On success the lower triangle (diagonal included) holds
    /// L and the strict upper triangle is set to zero; on failure `a` is partially overwritten and must
    /// not be used. A pivot counts as failed when it is ≤ `1e-300` or not finite.
    @discardableResult
    public static func choleskyFactor(_ a: inout [Double], n: Int) -> Bool {
        assert(n >= 0 && a.count >= n * n, "choleskyFactor: buffer of \(a.count) for a \(n)×\(n) matrix")
        return a.withUnsafeMutableBufferPointer { m -> Bool in
            for j in 0..<n {
                var d = m[j * n + j]
                for k in 0..<j { d -= m[j * n + k] * m[j * n + k] }
                guard d > 1e-300, d.isFinite else { return false }
                let ljj = d.squareRoot()
                m[j * n + j] = ljj
                for i in (j + 1)..<n {
                    var s = m[i * n + j]
                    for k in 0..<j { s -= m[i * n + k] * m[j * n + k] }
                    m[i * n + j] = s / ljj   // one rounding, not two (s · (1/ljj))
                }
                for k in (j + 1)..<n { m[j * n + k] = 0 }
            }
            return true
        }
    }

    /// Solves L Lᵀ x = b in place (b becomes x), given the factor from `choleskyFactor`.
    public static func choleskySolve(factor l: [Double], n: Int, _ b: inout [Double]) {
        assert(l.count >= n * n && b.count >= n, "choleskySolve: buffers too small for n = \(n)")
        l.withUnsafeBufferPointer { f in
            b.withUnsafeMutableBufferPointer { x in
                solveInPlace(f, n: n, x, offset: 0, stride: 1)
            }
        }
    }

    /// Solves L Lᵀ X = B in place for the n×m row-major matrix B (each of its m columns), given the factor from `choleskyFactor`.
    public static func choleskySolveColumns(factor l: [Double], n: Int, _ b: inout [Double], columns m: Int) {
        assert(l.count >= n * n && b.count >= n * m, "choleskySolveColumns: buffers too small for \(n)×\(m)")
        l.withUnsafeBufferPointer { f in
            b.withUnsafeMutableBufferPointer { x in
                for c in 0..<m { solveInPlace(f, n: n, x, offset: c, stride: m) }
            }
        }
    }

    /// Forward then backward substitution on the strided vector x[offset + i·stride], i < n.
    @inline(__always)
    private static func solveInPlace(_ f: UnsafeBufferPointer<Double>, n: Int,
                                     _ x: UnsafeMutableBufferPointer<Double>, offset: Int, stride: Int) {
        // L y = b.
        for i in 0..<n {
            var s = x[offset + i * stride]
            for k in 0..<i { s -= f[i * n + k] * x[offset + k * stride] }
            x[offset + i * stride] = s / f[i * n + i]
        }
        // Lᵀ x = y.
        var i = n - 1
        while i >= 0 {
            var s = x[offset + i * stride]
            for k in (i + 1)..<n { s -= f[k * n + i] * x[offset + k * stride] }
            x[offset + i * stride] = s / f[i * n + i]
            i -= 1
        }
    }

    // MARK: - Products

    /// Writes y = A x for the rows×cols row-major matrix A.
    public static func multiply(_ a: [Double], rows: Int, cols: Int, _ x: [Double], into y: inout [Double]) {
        assert(a.count >= rows * cols && x.count >= cols && y.count >= rows, "multiply: buffers too small")
        for i in 0..<rows {
            var s = 0.0
            for j in 0..<cols { s += a[i * cols + j] * x[j] }
            y[i] = s
        }
    }

    /// Writes y = Aᵀ x for the rows×cols row-major matrix A (so y has cols entries).
    public static func multiplyTransposed(_ a: [Double], rows: Int, cols: Int, _ x: [Double], into y: inout [Double]) {
        assert(a.count >= rows * cols && x.count >= rows && y.count >= cols, "multiplyTransposed: buffers too small")
        for j in 0..<cols { y[j] = 0 }
        for i in 0..<rows {
            let xi = x[i]
            for j in 0..<cols { y[j] += a[i * cols + j] * xi }
        }
    }

    /// Writes C = A B for row-major A (m×k) and B (k×n); C is m×n.
    public static func multiply(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int, into c: inout [Double]) {
        assert(a.count >= m * k && b.count >= k * n && c.count >= m * n, "multiply: buffers too small")
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                c[i * n + j] = s
            }
        }
    }

    /// Copies the block of `source` (row-major, `sourceCols` wide) at (row0, col0) of size rows×cols into `out` (row-major, cols wide).
    public static func copyBlock(_ source: [Double], sourceCols: Int, row0: Int, col0: Int,
                                 rows: Int, cols: Int, into out: inout [Double]) {
        assert(out.count >= rows * cols, "copyBlock: output too small")
        for i in 0..<rows {
            for j in 0..<cols { out[i * cols + j] = source[(row0 + i) * sourceCols + col0 + j] }
        }
    }
}

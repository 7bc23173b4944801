// MARK: - A dense, strictly convex quadratic-program solver (Goldfarb–Idnani dual active set)
//
//     minimize   ½ xᵀ H x + gᵀ x          over x ∈ ℝⁿ
//     subject to A x = b                  (meq rows)
//                C x ≥ d                  (mineq rows)
//
// with H symmetric positive definite. The method is the dual active-set method of D. Goldfarb and A. Idnani,
// "A numerically stable dual method for solving strictly convex quadratic programs", Mathematical
// Programming 27 (1983) 1–33, written here from the paper:
//
// 1. Factor H = L Lᵀ (Cholesky; a non-positive pivot means H is not positive definite) and set J = L⁻ᵀ, so
//    that Jᵀ H J = I. Start at the unconstrained minimum x = −H⁻¹ g = −J Jᵀ g with an empty active set.
// 2. Keep, for the q active constraint normals N (n×q), the factorization L⁻¹ N = Q [R; 0] (Q orthogonal,
//    R upper triangular) through J = L⁻ᵀ Q = [J₁ J₂] (J₁: the first q columns). For a normal n⁺ let
//    d = Jᵀ n⁺ = (d₁, d₂). Then z = J₂ d₂ is the primal step direction (it keeps the active constraints
//    satisfied and is H-conjugate to them) and r = R⁻¹ d₁ the rate at which the active multipliers fall.
// 3. Add every equality first (they are always active and never dropped), then repeatedly pick the most
//    violated inequality p (the largest −(cₚᵀx − dₚ)/‖cₚ‖) and step towards it:
//    - partial step t₁ = min { uⱼ / rⱼ : j an active inequality, rⱼ > 0 } (a multiplier would turn negative),
//    - full step t₂ = −sₚ / (zᵀ n⁺) = −sₚ / ‖d₂‖² (constraint p becomes satisfied with equality),
//    - t = min(t₁, t₂): x ← x + t z, u ← u − t r, u⁺ ← u⁺ + t.
//    A full step adds p to the active set (a new column of R; Givens rotations on d₂ and on J₂'s columns
//    make R triangular again). A partial step drops the blocking constraint (its column leaves R; Givens
//    rotations restore the triangle) and the step towards p is recomputed. With z = 0 (n⁺ depends on the
//    active normals) only the dual step is taken, and if no multiplier can fall either (t₁ = ∞) the
//    constraints have no common point: the problem is infeasible.
// 4. When no inequality is violated, x is optimal: the dual objective has increased at every step and the
//    KKT conditions H x + g = Aᵀλ + Cᵀμ, A x = b, C x ≥ d, μ ≥ 0, μᵢ (Cᵢ x − dᵢ) = 0 hold.
//
// Cost: the Cholesky factor and J take n³/3 + n³/6 multiply-adds per solve; every active-set change takes
// O(n²) (d, z, the rotations) plus O((meq + mineq)·n) to re-evaluate the constraints. All workspace is
// allocated once, in `init`; `solve()` allocates nothing.

/// What `QuadraticProgram.solve()` found.
public enum QuadraticProgramStatus: Equatable, Sendable {
    /// x* was found: `solution`, `objectiveValue` and the multipliers are valid.
    case optimal
    /// The constraints have no common point (within the solver's tolerances).
    case infeasible
    /// H is not (numerically) positive definite: a Cholesky pivot fell below 10⁻¹⁴ of H's largest diagonal entry.
    case notStrictlyConvex
    /// More than `maxIterations` active-set changes (additions plus drops) were needed.
    case iterationLimit
    /// A non-finite number in H, g, A, b, C or d, or one of those arrays has the wrong length; also finite data so
    /// large or so ill-scaled that x*, a multiplier or the objective overflows.
    case invalidInput
}

/// A dense, strictly convex quadratic program, minimize ½ xᵀ H x + gᵀ x subject to A x = b and C x ≥ d, solved
/// by the Goldfarb–Idnani dual active-set method (see the top of this file for the steps).
///
/// Sizes are fixed at construction, and all workspace is allocated there. The caller writes the problem data
/// in place (row-major, e.g. `qp.hessian[i * n + j] = …`) between solves; `solve()` then allocates nothing and
/// never traps, whatever the data: it reports `.invalidInput`, `.notStrictlyConvex`, `.infeasible` or
/// `.iterationLimit` instead.
///
/// Only the symmetric part ½ (H + Hᵀ) of the Hessian is used (the objective does not depend on the rest).
///
/// The results (`solution`, multipliers) are written into arrays owned by the solver; keeping a copy of one of
/// them alive across the next `solve()` makes that solve copy the array (an allocation), so copy the values
/// you need out of them instead.
public final class QuadraticProgram {
    /// n, the number of unknowns.
    public let variableCount: Int
    /// meq, the number of equality rows A x = b.
    public let equalityCount: Int
    /// mineq, the number of inequality rows C x ≥ d.
    public let inequalityCount: Int
    /// The largest number of active-set changes (constraint additions plus drops) one solve may make.
    public let maxIterations: Int

    /// H, n×n row-major, symmetric positive definite.
    public var hessian: [Double]
    /// g, n entries.
    public var linearTerm: [Double]
    /// A, meq×n row-major.
    public var equalityMatrix: [Double]
    /// b, meq entries (A x = b).
    public var equalityVector: [Double]
    /// C, mineq×n row-major.
    public var inequalityMatrix: [Double]
    /// d, mineq entries (C x ≥ d).
    public var inequalityVector: [Double]

    /// x*, n entries; valid when `solve()` returned `.optimal` (the last iterate otherwise, zeros after `.invalidInput`
    /// or `.notStrictlyConvex`).
    public private(set) var solution: [Double]
    /// ½ x*ᵀ H x* + gᵀ x* (of `solution`).
    public private(set) var objectiveValue: Double = 0
    /// λ, meq entries: H x* + g = Aᵀλ + Cᵀμ. Zero for an equality row that depends linearly on earlier rows.
    public private(set) var equalityMultipliers: [Double]
    /// μ, mineq entries, ≥ 0, zero for inactive rows.
    public private(set) var inequalityMultipliers: [Double]
    /// The active-set changes (constraint additions plus drops) the last solve made.
    public private(set) var iterations: Int = 0
    /// The number of constraints (equalities included) active at the end of the last solve.
    public private(set) var activeCount: Int = 0

    // MARK: Tolerances (relative; see the doc comment of each)

    /// A Cholesky pivot at or below this times H's largest diagonal entry means H is not positive definite.
    public static let pivotTolerance = 1e-14
    /// An inequality counts as violated when cᵢᵀx − dᵢ < −τᵢ, τᵢ = feasibilityTolerance · (|dᵢ| + ‖cᵢ‖₁ ‖x‖∞), with
    /// ‖x‖∞ the largest iterate norm of the solve.
    public static let feasibilityTolerance = 1e-12
    /// A constraint that depends linearly on the active ones, and that no dual step can satisfy, is accepted as
    /// satisfied (redundant) when its residual is within this relative tolerance (same scale as above), else the
    /// problem is infeasible. The same test decides whether a linearly dependent equality row is consistent.
    public static let consistencyTolerance = 1e-9
    /// A normal n⁺ depends linearly on the active normals when ‖d₂‖ ≤ dependenceTolerance · ‖J‖_F · ‖n⁺‖₂.
    public static let dependenceTolerance = 1e-12

    // MARK: Workspace (allocated once)

    private let rowCount: Int                              // meq + mineq
    private let lower: UnsafeMutablePointer<Double>         // L, n×n row-major (lower triangle used)
    private let jt: UnsafeMutablePointer<Double>            // Jᵀ, n×n row-major: row i is J's column i
    private let r: UnsafeMutablePointer<Double>             // R, n×n row-major (upper triangle of the q×q block used)
    private let rows: UnsafeMutablePointer<Double>          // [A; C], (meq + mineq)×n row-major
    private let rhs: UnsafeMutablePointer<Double>           // [b; d]
    private let rowNorm1: UnsafeMutablePointer<Double>      // ‖row‖₁ per row
    private let rowNorm2: UnsafeMutablePointer<Double>      // ‖row‖₂ per row
    private let x: UnsafeMutablePointer<Double>             // the iterate, n
    private let z: UnsafeMutablePointer<Double>             // the primal step direction, n
    private let dvec: UnsafeMutablePointer<Double>          // d = Jᵀ n⁺, n
    private let rvec: UnsafeMutablePointer<Double>          // r = R⁻¹ d₁, n
    private let u: UnsafeMutablePointer<Double>             // the active constraints' multipliers, n
    private let normal: UnsafeMutablePointer<Double>        // n⁺, the signed normal of the constraint being added, n
    private let activeRow: UnsafeMutablePointer<Int>        // the row (0..<meq+mineq) of each active constraint, n
    private let activeSign: UnsafeMutablePointer<Double>    // +1, or −1 for an equality added as −aᵀx ≥ −b, n
    private let rowState: UnsafeMutablePointer<UInt8>       // per row: inactive, active or redundant

    private static let inactive: UInt8 = 0, active: UInt8 = 1, redundant: UInt8 = 2

    /// Creates a solver for `variableCount` unknowns, `equalityCount` rows A x = b and `inequalityCount` rows C x ≥ d,
    /// allocating all workspace. The problem data start as H = I and zeros elsewhere. `maxIterations` bounds the
    /// active-set changes per solve (default 10 (n + meq + mineq) + 100).
    public init(variableCount: Int, equalityCount: Int, inequalityCount: Int, maxIterations: Int? = nil) {
        precondition(variableCount >= 1, "QuadraticProgram: variableCount must be at least 1, got \(variableCount)")
        precondition(equalityCount >= 0 && inequalityCount >= 0,
                     "QuadraticProgram: constraint counts must be non-negative, got \(equalityCount) and \(inequalityCount)")
        let n = variableCount, m = equalityCount + inequalityCount
        self.variableCount = n
        self.equalityCount = equalityCount
        self.inequalityCount = inequalityCount
        let defaultLimit = 10 * (n + m) + 100
        precondition(maxIterations.map { $0 >= 0 } ?? true, "QuadraticProgram: maxIterations must be non-negative")
        self.maxIterations = maxIterations ?? defaultLimit
        rowCount = m
        var h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = 1 }
        hessian = h
        linearTerm = [Double](repeating: 0, count: n)
        equalityMatrix = [Double](repeating: 0, count: equalityCount * n)
        equalityVector = [Double](repeating: 0, count: equalityCount)
        inequalityMatrix = [Double](repeating: 0, count: inequalityCount * n)
        inequalityVector = [Double](repeating: 0, count: inequalityCount)
        solution = [Double](repeating: 0, count: n)
        equalityMultipliers = [Double](repeating: 0, count: equalityCount)
        inequalityMultipliers = [Double](repeating: 0, count: inequalityCount)
        func buffer(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        lower = buffer(n * n)
        jt = buffer(n * n)
        r = buffer(n * n)
        rows = buffer(m * n)
        rhs = buffer(m)
        rowNorm1 = buffer(m)
        rowNorm2 = buffer(m)
        x = buffer(n)
        z = buffer(n)
        dvec = buffer(n)
        rvec = buffer(n)
        u = buffer(n)
        normal = buffer(n)
        activeSign = buffer(n)
        activeRow = UnsafeMutablePointer<Int>.allocate(capacity: n)
        activeRow.initialize(repeating: 0, count: n)
        rowState = UnsafeMutablePointer<UInt8>.allocate(capacity: max(m, 1))
        rowState.initialize(repeating: 0, count: max(m, 1))
    }

    deinit {
        for p in [lower, jt, r, rows, rhs, rowNorm1, rowNorm2, x, z, dvec, rvec, u, normal, activeSign] { p.deallocate() }
        activeRow.deallocate()
        rowState.deallocate()
    }

    // MARK: - Solve

    /// Solves the program with the current data. Allocation-free; never traps. See `QuadraticProgramStatus`.
    public func solve() -> QuadraticProgramStatus {
        iterations = 0
        activeCount = 0
        var status = run()
        finish(status)
        if status == .optimal && !resultsAreFinite() {
            // Finite data so large (or so ill-scaled) that x*, a multiplier or f(x*) overflowed.
            status = .invalidInput
            finish(status)
        }
        return status
    }

    /// Whether x*, f(x*) and the multipliers are all finite.
    private func resultsAreFinite() -> Bool {
        var finite = objectiveValue.isFinite
        for k in 0..<variableCount { finite = finite && x[k].isFinite }
        for j in 0..<activeCount { finite = finite && u[j].isFinite }
        return finite
    }

    /// Steps 1–4 of the method; leaves x, the active set and the multipliers in the workspace.
    private func run() -> QuadraticProgramStatus {
        let n = variableCount, meq = equalityCount
        guard loadData() else { return .invalidInput }
        guard factorHessian() else { return .notStrictlyConvex }
        invertFactor()
        // ‖J‖_F is invariant under the orthogonal updates, so it is computed once for the dependence test.
        var jNorm2 = 0.0
        for k in 0..<(n * n) { jNorm2 += jt[k] * jt[k] }
        let jNorm = jNorm2.squareRoot()
        unconstrainedMinimum()
        var xScale = infinityNorm(x, n)
        var q = 0
        for i in 0..<rowCount { rowState[i] = QuadraticProgram.inactive }

        // Equalities first: each is added with a full step along z, as −aᵀx ≥ −b when aᵀx > b so that the
        // step length is non-negative. No inequality is active yet, so no partial step can occur.
        for i in 0..<meq {
            let row = rows + i * n
            if rowNorm1[i] == 0 {
                if rhs[i] != 0 { return .infeasible }           // 0 = b with b ≠ 0
                rowState[i] = QuadraticProgram.redundant
                continue
            }
            let s = dot(row, x, n) - rhs[i]
            let sign: Double = s > 0 ? -1 : 1
            for k in 0..<n { normal[k] = sign * row[k] }
            let d2Norm2 = computeDirections(q: q)
            if d2Norm2.squareRoot() <= QuadraticProgram.dependenceTolerance * jNorm * rowNorm2[i] {
                // A linear combination of earlier rows: consistent or not.
                let tolerance = QuadraticProgram.consistencyTolerance * (abs(rhs[i]) + rowNorm1[i] * xScale)
                if abs(s) > tolerance { return .infeasible }
                rowState[i] = QuadraticProgram.redundant
                continue
            }
            let t = abs(s) / d2Norm2
            for k in 0..<n { x[k] += t * z[k] }
            for j in 0..<q { u[j] -= t * rvec[j] }
            xScale = max(xScale, infinityNorm(x, n))
            addConstraint(q: q, row: i, sign: sign, multiplier: t)
            q += 1
            iterations += 1
            if iterations > maxIterations { activeCount = q; return .iterationLimit }
        }
        let equalitiesActive = q

        // Inequalities: add the most violated one until none is.
        while true {
            var p = -1
            var worst = 0.0
            for i in meq..<rowCount where rowState[i] == QuadraticProgram.inactive {
                if rowNorm1[i] == 0 {
                    if rhs[i] > 0 { activeCount = q; return .infeasible }   // 0 ≥ d with d > 0
                    continue
                }
                let s = dot(rows + i * n, x, n) - rhs[i]
                let tolerance = QuadraticProgram.feasibilityTolerance * (abs(rhs[i]) + rowNorm1[i] * xScale)
                if s < -tolerance {
                    let violation = -s / rowNorm2[i]
                    if violation > worst { worst = violation; p = i }
                }
            }
            if p < 0 { activeCount = q; return .optimal }

            let row = rows + p * n
            for k in 0..<n { normal[k] = row[k] }
            var uPlus = 0.0
            while true {
                let s = dot(row, x, n) - rhs[p]
                let d2Norm2 = computeDirections(q: q)
                let dependent = d2Norm2.squareRoot() <= QuadraticProgram.dependenceTolerance * jNorm * rowNorm2[p]
                // Partial step t1: the first active inequality multiplier to reach zero.
                var t1 = Double.infinity
                var blocking = -1
                if q > equalitiesActive {
                    for j in equalitiesActive..<q where rvec[j] > 0 {
                        let ratio = u[j] / rvec[j]
                        if ratio < t1 { t1 = ratio; blocking = j }
                    }
                }
                // Full step t2: constraint p satisfied with equality.
                let t2 = dependent ? Double.infinity : max(0, -s) / d2Norm2
                if blocking < 0 && t2 == .infinity {
                    // p depends on the active normals and no multiplier can fall: no point satisfies all of them,
                    // unless p is only violated by rounding (a redundant row through the same point).
                    let tolerance = QuadraticProgram.consistencyTolerance * (abs(rhs[p]) + rowNorm1[p] * xScale)
                    if s >= -tolerance {
                        rowState[p] = QuadraticProgram.redundant
                        break
                    }
                    activeCount = q
                    return .infeasible
                }
                let t = min(t1, t2)
                if !dependent {
                    for k in 0..<n { x[k] += t * z[k] }
                    xScale = max(xScale, infinityNorm(x, n))
                }
                for j in 0..<q { u[j] -= t * rvec[j] }
                uPlus += t
                iterations += 1
                if t2 <= t1 {
                    addConstraint(q: q, row: p, sign: 1, multiplier: uPlus)
                    q += 1
                    if iterations > maxIterations { activeCount = q; return .iterationLimit }
                    break
                }
                u[blocking] = 0
                dropConstraint(q: q, position: blocking)
                q -= 1
                // Rows judged redundant against the old active set may matter again.
                for i in meq..<rowCount where rowState[i] == QuadraticProgram.redundant { rowState[i] = QuadraticProgram.inactive }
                if iterations > maxIterations { activeCount = q; return .iterationLimit }
            }
        }
    }

    // MARK: - Steps

    /// Copies H's symmetric part into `lower`, A and C into `rows`, b and d into `rhs`; computes the row norms.
    /// Returns false for a wrong array length or a non-finite number.
    private func loadData() -> Bool {
        let n = variableCount, meq = equalityCount, mineq = inequalityCount
        guard hessian.count == n * n, linearTerm.count == n, equalityMatrix.count == meq * n,
              equalityVector.count == meq, inequalityMatrix.count == mineq * n, inequalityVector.count == mineq
        else { return false }
        var finite = true
        hessian.withUnsafeBufferPointer { h in
            for i in 0..<n {
                for j in 0...i {
                    let a = h[i * n + j], b = h[j * n + i]
                    finite = finite && a.isFinite && b.isFinite
                    lower[i * n + j] = 0.5 * (a + b)
                }
            }
        }
        linearTerm.withUnsafeBufferPointer { g in
            for k in 0..<n { finite = finite && g[k].isFinite }
        }
        equalityMatrix.withUnsafeBufferPointer { a in
            for k in 0..<(meq * n) { finite = finite && a[k].isFinite; rows[k] = a[k] }
        }
        inequalityMatrix.withUnsafeBufferPointer { c in
            for k in 0..<(mineq * n) { finite = finite && c[k].isFinite; rows[meq * n + k] = c[k] }
        }
        equalityVector.withUnsafeBufferPointer { b in
            for k in 0..<meq { finite = finite && b[k].isFinite; rhs[k] = b[k] }
        }
        inequalityVector.withUnsafeBufferPointer { d in
            for k in 0..<mineq { finite = finite && d[k].isFinite; rhs[meq + k] = d[k] }
        }
        guard finite else { return false }
        for i in 0..<rowCount {
            var n1 = 0.0, n2 = 0.0
            let row = rows + i * n
            for k in 0..<n { n1 += abs(row[k]); n2 += row[k] * row[k] }
            rowNorm1[i] = n1
            rowNorm2[i] = n2.squareRoot()
        }
        return true
    }

    /// Step 1: H = L Lᵀ in place (row-major lower triangle, Cholesky–Crout by rows). Returns false when a pivot is
    /// at or below `pivotTolerance` times the largest diagonal entry (or H's entries overflow).
    private func factorHessian() -> Bool {
        let n = variableCount
        var largest = 0.0
        for i in 0..<n { largest = max(largest, abs(lower[i * n + i])) }
        guard largest > 0, largest.isFinite else { return false }
        let threshold = QuadraticProgram.pivotTolerance * largest
        for i in 0..<n {
            let rowI = lower + i * n
            for j in 0..<i {
                let rowJ = lower + j * n
                rowI[j] = (rowI[j] - dot(rowI, rowJ, j)) / rowJ[j]
            }
            let pivot = rowI[i] - dot(rowI, rowI, i)
            guard pivot > threshold, pivot.isFinite else { return false }
            rowI[i] = pivot.squareRoot()
        }
        return true
    }

    /// Step 1: Jᵀ = L⁻¹ (lower triangular), by rows: row i = (eᵢ − Σₖ<ᵢ L[i][k] · row k) / L[i][i].
    private func invertFactor() {
        let n = variableCount
        for k in 0..<(n * n) { jt[k] = 0 }
        for i in 0..<n {
            let out = jt + i * n
            out[i] = 1
            for k in 0..<i {
                let f = lower[i * n + k]
                if f == 0 { continue }
                let src = jt + k * n
                for c in 0...k { out[c] -= f * src[c] }
            }
            let inv = 1 / lower[i * n + i]
            for c in 0...i { out[c] *= inv }
        }
    }

    /// Step 1: x = −H⁻¹ g = −J (Jᵀ g), with dvec as scratch.
    private func unconstrainedMinimum() {
        let n = variableCount
        linearTerm.withUnsafeBufferPointer { g in
            for i in 0..<n {
                var s = 0.0
                let row = jt + i * n
                for k in 0...i { s += row[k] * g[k] }   // Jᵀ = L⁻¹ is still lower triangular here
                dvec[i] = s
            }
        }
        for k in 0..<n { x[k] = 0 }
        for i in 0..<n {
            let f = -dvec[i]
            let row = jt + i * n
            for k in 0...i { x[k] += f * row[k] }
        }
    }

    /// Step 2: d = Jᵀ n⁺, z = J₂ d₂ and r = R⁻¹ d₁ for the current active-set size q. Returns ‖d₂‖² (= zᵀ n⁺).
    private func computeDirections(q: Int) -> Double {
        let n = variableCount
        for i in 0..<n { dvec[i] = dot(jt + i * n, normal, n) }
        for k in 0..<n { z[k] = 0 }
        var d2Norm2 = 0.0
        for i in q..<n {
            let f = dvec[i]
            d2Norm2 += f * f
            if f == 0 { continue }
            let row = jt + i * n
            for k in 0..<n { z[k] += f * row[k] }
        }
        // Back substitution R r = d₁.
        var i = q - 1
        while i >= 0 {
            var s = dvec[i]
            let rowR = r + i * n
            for j in (i + 1)..<q { s -= rowR[j] * rvec[j] }
            rvec[i] = s / rowR[i]
            i -= 1
        }
        return d2Norm2
    }

    /// Adds the constraint whose d = Jᵀ n⁺ is in `dvec` as active position q: Givens rotations zero d[q+1..<n] into
    /// d[q] (applied to the same rows of Jᵀ), and (d₀ … d_q) becomes column q of R.
    private func addConstraint(q: Int, row: Int, sign: Double, multiplier: Double) {
        let n = variableCount
        var i = n - 1
        while i > q {
            let a = dvec[i - 1], b = dvec[i]
            if b != 0 {
                let h = QuadraticProgram.hypotenuse(a, b)
                let c = a / h, s = b / h
                dvec[i - 1] = h
                dvec[i] = 0
                rotate(jt + (i - 1) * n, jt + i * n, n, c, s)
            }
            i -= 1
        }
        for k in 0...q { r[k * n + q] = dvec[k] }
        activeRow[q] = row
        activeSign[q] = sign
        u[q] = multiplier
        rowState[row] = QuadraticProgram.active
    }

    /// Removes active position `position` (of q): its column leaves R, the Hessenberg part left behind is made
    /// triangular again by Givens rotations on rows of R, applied to the same rows of Jᵀ.
    private func dropConstraint(q: Int, position: Int) {
        let n = variableCount
        rowState[activeRow[position]] = QuadraticProgram.inactive
        // Shift columns position+1..<q of R (rows 0...j+1 of old column j+1) and the active-set records left.
        if position + 1 < q {
            for j in position..<(q - 1) {
                for k in 0...(j + 1) { r[k * n + j] = r[k * n + j + 1] }
                activeRow[j] = activeRow[j + 1]
                activeSign[j] = activeSign[j + 1]
                u[j] = u[j + 1]
            }
        }
        for k in 0..<q { r[k * n + q - 1] = 0 }
        // Zero the sub-diagonal entries R[j+1][j], j = position..<q−1.
        if position + 1 < q {
            for j in position..<(q - 1) {
                let a = r[j * n + j], b = r[(j + 1) * n + j]
                if b == 0 { continue }
                let h = QuadraticProgram.hypotenuse(a, b)
                let c = a / h, s = b / h
                r[j * n + j] = h
                r[(j + 1) * n + j] = 0
                if j + 1 < q - 1 { rotate(r + j * n + j + 1, r + (j + 1) * n + j + 1, q - 2 - j, c, s) }
                rotate(jt + j * n, jt + (j + 1) * n, n, c, s)
            }
        }
    }

    /// Writes the results into the public arrays.
    private func finish(_ status: QuadraticProgramStatus) {
        let n = variableCount, meq = equalityCount
        let valid = status != .invalidInput && status != .notStrictlyConvex
        solution.withUnsafeMutableBufferPointer { out in
            for k in 0..<n { out[k] = valid ? x[k] : 0 }
        }
        equalityMultipliers.withUnsafeMutableBufferPointer { lambda in
            for k in 0..<meq { lambda[k] = 0 }
        }
        inequalityMultipliers.withUnsafeMutableBufferPointer { mu in
            for k in 0..<inequalityCount { mu[k] = 0 }
        }
        guard valid else {
            objectiveValue = 0
            return
        }
        for j in 0..<activeCount {
            let row = activeRow[j]
            if row < meq {
                let value = activeSign[j] * u[j]
                equalityMultipliers.withUnsafeMutableBufferPointer { $0[row] = value }
            } else {
                let value = max(0, u[j])
                inequalityMultipliers.withUnsafeMutableBufferPointer { $0[row - meq] = value }
            }
        }
        // f = ½ xᵀ H x + gᵀ x, with H's symmetric part: xᵀ H x = Σᵢ Hᵢᵢ xᵢ² + 2 Σ_{j<i} Hᵢⱼ xᵢ xⱼ.
        var quadratic = 0.0, linear = 0.0
        hessian.withUnsafeBufferPointer { h in
            for i in 0..<n {
                var s = 0.0
                for j in 0..<n { s += h[i * n + j] * x[j] }
                quadratic += x[i] * s
            }
        }
        linearTerm.withUnsafeBufferPointer { g in
            for k in 0..<n { linear += g[k] * x[k] }
        }
        objectiveValue = 0.5 * quadratic + linear
    }

    // MARK: - Kernels

    /// Σ aₖ bₖ with four independent partial sums (so the loop runs in SIMD lanes; the summation order is fixed,
    /// so results are the same on every run and machine).
    @inline(__always) private func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var k = 0
        while k + 4 <= count {
            s0 += a[k] * b[k]
            s1 += a[k + 1] * b[k + 1]
            s2 += a[k + 2] * b[k + 2]
            s3 += a[k + 3] * b[k + 3]
            k += 4
        }
        while k < count {
            s0 += a[k] * b[k]
            k += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// √(a² + b²) without overflow or underflow in the squares.
    @inline(__always) private static func hypotenuse(_ a: Double, _ b: Double) -> Double {
        let m = max(abs(a), abs(b))
        if m == 0 { return 0 }
        let p = a / m, q = b / m
        return m * (p * p + q * q).squareRoot()
    }

    @inline(__always) private func infinityNorm(_ a: UnsafeMutablePointer<Double>, _ count: Int) -> Double {
        var m = 0.0
        for k in 0..<count { m = max(m, abs(a[k])) }
        return m
    }

    /// (a, b) ← (c a + s b, −s a + c b), elementwise over `count` entries.
    @inline(__always) private func rotate(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ count: Int,
                                          _ c: Double, _ s: Double) {
        for k in 0..<count {
            let ak = a[k], bk = b[k]
            a[k] = c * ak + s * bk
            b[k] = c * bk - s * ak
        }
    }
}

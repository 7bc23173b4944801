// MARK: - The Goldfarb–Idnani QP solver: KKT conditions on random programs, closed forms, degenerate and bad input
//
// Every optimum is checked against the KKT conditions of
//     minimize ½ xᵀ H x + gᵀ x  subject to  A x = b,  C x ≥ d:
//     H x + g − Aᵀλ − Cᵀμ = 0,  A x = b,  C x ≥ d,  μ ≥ 0,  μᵢ (Cᵢ x − dᵢ) = 0,
// each residual relative to the size of the terms that make it up (so a program scaled by 10⁶ passes the same
// test as the original). Random data come from the project's seeded xoshiro256** stream.

import CMallocCounter
@testable import EmbodyControl
import EmbodyModel
import Testing

// MARK: - Helpers

/// The allocations `body` makes on this thread.
private func qpAllocations(_ body: () -> Void) -> Int64 {
    let before = emb_test_thread_allocations()
    body()
    return emb_test_thread_allocations() - before
}

/// A program's data, independent of the solver, for building and checking.
struct QPData {
    var n: Int, meq: Int, mineq: Int
    var h: [Double], g: [Double], a: [Double], b: [Double], c: [Double], d: [Double]

    init(n: Int, meq: Int, mineq: Int) {
        self.n = n; self.meq = meq; self.mineq = mineq
        h = [Double](repeating: 0, count: n * n)
        for i in 0..<n { h[i * n + i] = 1 }
        g = [Double](repeating: 0, count: n)
        a = [Double](repeating: 0, count: meq * n); b = [Double](repeating: 0, count: meq)
        c = [Double](repeating: 0, count: mineq * n); d = [Double](repeating: 0, count: mineq)
    }

    /// A solver loaded with these data.
    func solver(maxIterations: Int? = nil) -> QuadraticProgram {
        let qp = QuadraticProgram(variableCount: n, equalityCount: meq, inequalityCount: mineq, maxIterations: maxIterations)
        load(into: qp)
        return qp
    }

    func load(into qp: QuadraticProgram) {
        qp.hessian = h; qp.linearTerm = g
        qp.equalityMatrix = a; qp.equalityVector = b
        qp.inequalityMatrix = c; qp.inequalityVector = d
    }
}

/// The largest relative violation of the KKT conditions at the solver's result (0 is exact).
func kktViolation(_ p: QPData, _ qp: QuadraticProgram) -> Double {
    let n = p.n, x = qp.solution, lambda = qp.equalityMultipliers, mu = qp.inequalityMultipliers
    var worst = 0.0
    // Stationarity, relative to the largest term magnitude of any component.
    var residual = [Double](repeating: 0, count: n), scale = 0.0
    for k in 0..<n {
        var s = p.g[k], m = abs(p.g[k])
        for j in 0..<n { s += p.h[k * n + j] * x[j]; m += abs(p.h[k * n + j] * x[j]) }
        for i in 0..<p.meq { s -= p.a[i * n + k] * lambda[i]; m += abs(p.a[i * n + k] * lambda[i]) }
        for i in 0..<p.mineq { s -= p.c[i * n + k] * mu[i]; m += abs(p.c[i * n + k] * mu[i]) }
        residual[k] = s
        scale = max(scale, m)
    }
    for k in 0..<n { worst = max(worst, abs(residual[k]) / max(scale, 1e-300)) }
    // Primal feasibility and complementarity, each row relative to |dᵢ| + ‖Cᵢ‖₁ ‖x‖∞ (the size of its terms).
    let xNorm = x.map(abs).max() ?? 0
    for i in 0..<p.meq {
        var s = -p.b[i], m = abs(p.b[i])
        for k in 0..<n { s += p.a[i * n + k] * x[k]; m += abs(p.a[i * n + k]) * xNorm }
        worst = max(worst, abs(s) / max(m, 1e-300))
    }
    for i in 0..<p.mineq {
        var s = -p.d[i], m = abs(p.d[i])
        for k in 0..<n { s += p.c[i * n + k] * x[k]; m += abs(p.c[i * n + k]) * xNorm }
        if s < 0 { worst = max(worst, -s / max(m, 1e-300)) }
        if mu[i] < 0 { return .infinity }
        if mu[i] > 0 { worst = max(worst, abs(s) / max(m, 1e-300)) }
    }
    return worst
}

/// A random strictly convex program with a known feasible point (so it is feasible): H = MᵀM + δI with
/// condition number up to ~10³, b = A x₀, d = C x₀ − slack with a third of the slacks zero, and g chosen so
/// that the unconstrained minimum violates many rows.
func randomProgram(_ random: inout RandomStream, n: Int, meq: Int, mineq: Int) -> QPData {
    randomProgramAndFeasiblePoint(&random, n: n, meq: meq, mineq: mineq).program
}

/// `randomProgram`'s program and the feasible point x₀ it was built around.
func randomProgramAndFeasiblePoint(_ random: inout RandomStream, n: Int, meq: Int, mineq: Int)
    -> (program: QPData, point: [Double]) {
    var p = QPData(n: n, meq: meq, mineq: mineq)
    var m = [Double](repeating: 0, count: n * n)
    for k in 0..<(n * n) { m[k] = random.normal() }
    for i in 0..<n {
        for j in 0..<n {
            var s = 0.0
            for k in 0..<n { s += m[k * n + i] * m[k * n + j] }
            p.h[i * n + j] = s + (i == j ? 0.01 * Double(n) : 0)
        }
    }
    var x0 = [Double](repeating: 0, count: n)
    for k in 0..<n { x0[k] = random.normal() }
    for k in 0..<n { p.g[k] = 10 * Double(n) * random.normal() }
    for i in 0..<meq {
        var s = 0.0
        for k in 0..<n { p.a[i * n + k] = random.normal(); s += p.a[i * n + k] * x0[k] }
        p.b[i] = s
    }
    for i in 0..<mineq {
        var s = 0.0
        for k in 0..<n { p.c[i * n + k] = random.normal(); s += p.c[i * n + k] * x0[k] }
        p.d[i] = s - (random.uniform() < 0.33 ? 0 : random.uniform(0, 2))
    }
    return (p, x0)
}

// MARK: - Random programs

@Suite("QuadraticProgram")
struct QuadraticProgramTests {
    @Test func randomProgramsSatisfyTheKKTConditions() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.random"))
        let shapes: [(n: Int, meq: Int, mineq: Int)] = [
            (2, 0, 3), (3, 1, 4), (5, 0, 10), (5, 2, 8), (8, 3, 20), (10, 0, 30), (12, 5, 25),
            (20, 6, 40), (30, 10, 60), (39, 18, 60), (45, 0, 90), (60, 20, 80), (60, 0, 120),
        ]
        var solved = 0, totalActive = 0
        for shape in shapes {
            for _ in 0..<4 {
                let p = randomProgram(&random, n: shape.n, meq: shape.meq, mineq: shape.mineq)
                let qp = p.solver()
                let status = qp.solve()
                #expect(status == .optimal, "n \(shape.n) meq \(shape.meq) mineq \(shape.mineq)")
                guard status == .optimal else { continue }
                let violation = kktViolation(p, qp)
                #expect(violation <= 1e-9, "n \(shape.n) meq \(shape.meq) mineq \(shape.mineq): KKT violation \(violation)")
                solved += 1
                totalActive += qp.activeCount - shape.meq
            }
        }
        #expect(solved == shapes.count * 4)
        // The programs are built so that inequality constraints bind: the test exercises additions and drops.
        #expect(totalActive > 100, "only \(totalActive) inequalities active over all programs")
    }

    @Test func scaledProgramsGiveTheSameSolution() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.scale"))
        let p = randomProgram(&random, n: 15, meq: 4, mineq: 30)
        let reference = p.solver()
        #expect(reference.solve() == .optimal)
        // Scaling the objective by 10⁶ and each constraint row by its own factor changes neither x* nor the status.
        var scaled = p
        for k in 0..<(p.n * p.n) { scaled.h[k] *= 1e6 }
        for k in 0..<p.n { scaled.g[k] *= 1e6 }
        for i in 0..<p.mineq {
            let f = i % 2 == 0 ? 1e-4 : 1e5
            for k in 0..<p.n { scaled.c[i * p.n + k] *= f }
            scaled.d[i] *= f
        }
        let qp = scaled.solver()
        #expect(qp.solve() == .optimal)
        #expect(kktViolation(scaled, qp) <= 1e-9)
        for k in 0..<p.n {
            #expect(abs(qp.solution[k] - reference.solution[k]) <= 1e-8 * (1 + abs(reference.solution[k])))
        }
    }

    @Test func theSolverIsReusableAcrossSolvesWithNewData() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.reuse"))
        let qp = QuadraticProgram(variableCount: 12, equalityCount: 3, inequalityCount: 24)
        for _ in 0..<10 {
            let p = randomProgram(&random, n: 12, meq: 3, mineq: 24)
            p.load(into: qp)
            #expect(qp.solve() == .optimal)
            #expect(kktViolation(p, qp) <= 1e-9)
            let fresh = p.solver()
            #expect(fresh.solve() == .optimal)
            #expect(fresh.solution == qp.solution, "a reused solver must give the bits of a fresh one")
        }
    }

    // MARK: - Closed forms

    @Test func projectionOntoABoxClampsEachCoordinate() {
        // min ½‖x − p‖² s.t. lᵢ ≤ xᵢ ≤ uᵢ: x = clamp(p, l, u), μ = |x − p| on the bound it touches.
        let n = 6
        let point = [-3.0, 0.25, 7.0, -0.5, 2.0, 1.0]
        let low = [-1.0, -1, -1, -1, -1, 1], high = [1.0, 1, 1, 1, 1, 1]  // the last coordinate is pinned (l = u)
        var p = QPData(n: n, meq: 0, mineq: 2 * n)
        for k in 0..<n {
            p.g[k] = -point[k]
            p.c[(2 * k) * n + k] = 1; p.d[2 * k] = low[k]
            p.c[(2 * k + 1) * n + k] = -1; p.d[2 * k + 1] = -high[k]
        }
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        for k in 0..<n {
            let expected = min(max(point[k], low[k]), high[k])
            #expect(abs(qp.solution[k] - expected) <= 1e-14)
        }
        #expect(abs(qp.inequalityMultipliers[0] - 2) <= 1e-14)   // x₀ = −1 pushed up from −3
        #expect(abs(qp.inequalityMultipliers[5] - 6) <= 1e-14)   // x₂ = 1 pushed down from 7
        #expect(qp.inequalityMultipliers[2] == 0 && qp.inequalityMultipliers[3] == 0)
        #expect(abs(qp.objectiveValue - objective(p, qp.solution)) <= 1e-12)
        #expect(kktViolation(p, qp) <= 1e-12)
    }

    @Test func projectionOntoAHalfSpace() {
        // min ½‖x − p‖² s.t. aᵀx ≥ β: x = p + max(0, β − aᵀp)/‖a‖² · a, μ = max(0, β − aᵀp)/‖a‖².
        let a = [1.0, -2, 0.5, 3], point = [0.3, 1.0, -2.0, 0.1]
        for beta in [5.0, -10.0] {
            var p = QPData(n: 4, meq: 0, mineq: 1)
            for k in 0..<4 { p.g[k] = -point[k]; p.c[k] = a[k] }
            p.d[0] = beta
            let qp = p.solver()
            #expect(qp.solve() == .optimal)
            let ap = zip(a, point).map { $0 * $1 }.reduce(0, +), aa = a.map { $0 * $0 }.reduce(0, +)
            let step = max(0, beta - ap) / aa
            for k in 0..<4 { #expect(abs(qp.solution[k] - (point[k] + step * a[k])) <= 1e-14) }
            #expect(abs(qp.inequalityMultipliers[0] - step) <= 1e-14)
        }
    }

    @Test func projectionOntoTheSimplex() {
        // min ½‖x − p‖² s.t. Σx = 1, x ≥ 0: x = max(p − θ, 0) with θ from the sorted p (Held, Wolfe and Crowder 1974).
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.simplex"))
        for n in [3, 10, 40] {
            var point = [Double](repeating: 0, count: n)
            for k in 0..<n { point[k] = random.normal() }
            let sorted = point.sorted(by: >)
            var theta = 0.0, cumulative = 0.0
            for (j, v) in sorted.enumerated() {
                cumulative += v
                let candidate = (cumulative - 1) / Double(j + 1)
                if v - candidate > 0 { theta = candidate }
            }
            var p = QPData(n: n, meq: 1, mineq: n)
            for k in 0..<n { p.g[k] = -point[k]; p.a[k] = 1; p.c[k * n + k] = 1 }
            p.b[0] = 1
            let qp = p.solver()
            #expect(qp.solve() == .optimal)
            for k in 0..<n { #expect(abs(qp.solution[k] - max(point[k] - theta, 0)) <= 1e-13) }
            #expect(abs(qp.equalityMultipliers[0] - (-theta)) <= 1e-13)   // x − p = λ·1 + μ on the support
            #expect(kktViolation(p, qp) <= 1e-12)
        }
    }

    @Test func equalityConstrainedLeastDistance() {
        // min ½‖x − p‖² s.t. A x = b: x = p − Aᵀ (A Aᵀ)⁻¹ (A p − b), λ = −(A Aᵀ)⁻¹ (A p − b).
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.equality"))
        let n = 7, meq = 3
        var p = QPData(n: n, meq: meq, mineq: 0)
        var point = [Double](repeating: 0, count: n)
        for k in 0..<n { point[k] = random.normal(); p.g[k] = -point[k] }
        for k in 0..<(meq * n) { p.a[k] = random.normal() }
        for i in 0..<meq { p.b[i] = random.normal() }
        var aat = [Double](repeating: 0, count: meq * meq), residual = [Double](repeating: 0, count: meq)
        for i in 0..<meq {
            for j in 0..<meq { for k in 0..<n { aat[i * meq + j] += p.a[i * n + k] * p.a[j * n + k] } }
            residual[i] = -p.b[i]
            for k in 0..<n { residual[i] += p.a[i * n + k] * point[k] }
        }
        let y = gaussianSolve(aat, residual)
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        for k in 0..<n {
            var expected = point[k]
            for i in 0..<meq { expected -= p.a[i * n + k] * y[i] }
            #expect(abs(qp.solution[k] - expected) <= 1e-12)
        }
        for i in 0..<meq { #expect(abs(qp.equalityMultipliers[i] + y[i]) <= 1e-12) }
    }

    @Test func unconstrainedProgramIsTheNewtonStep() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.unconstrained"))
        let p = randomProgram(&random, n: 25, meq: 0, mineq: 0)
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        let expected = gaussianSolve(p.h, p.g.map { -$0 })
        for k in 0..<25 { #expect(abs(qp.solution[k] - expected[k]) <= 1e-10 * (1 + abs(expected[k]))) }
        #expect(qp.iterations == 0)
    }

    @Test func asManyEqualitiesAsUnknownsFixTheSolution() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.square"))
        let p = randomProgram(&random, n: 8, meq: 8, mineq: 0)
        let expected = gaussianSolve(p.a, p.b)
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        for k in 0..<8 { #expect(abs(qp.solution[k] - expected[k]) <= 1e-10 * (1 + abs(expected[k]))) }
        #expect(kktViolation(p, qp) <= 1e-9)
        // The same square system plus an inequality the point satisfies, and one it violates.
        var withRows = QPData(n: 8, meq: 8, mineq: 1)
        withRows.h = p.h; withRows.g = p.g; withRows.a = p.a; withRows.b = p.b
        withRows.c[0] = 1; withRows.d[0] = expected[0] - 1
        #expect(withRows.solver().solve() == .optimal)
        withRows.d[0] = expected[0] + 1
        #expect(withRows.solver().solve() == .infeasible)
    }

    // MARK: - Degenerate constraints

    @Test func linearlyDependentEqualityRows() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.dependent"))
        var p = randomProgram(&random, n: 6, meq: 4, mineq: 6)
        // Row 2 = row 0 + 2 row 1 and row 3 = row 1 (a duplicate), with consistent right-hand sides.
        let n = 6
        for k in 0..<n {
            p.a[2 * n + k] = p.a[k] + 2 * p.a[n + k]
            p.a[3 * n + k] = p.a[n + k]
        }
        p.b[2] = p.b[0] + 2 * p.b[1]
        p.b[3] = p.b[1]
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        #expect(kktViolation(p, qp) <= 1e-9)
        // The same rows with an inconsistent right-hand side: no x satisfies them.
        p.b[2] += 1e-3
        #expect(p.solver().solve() == .infeasible)
        p.b[2] -= 1e-3
        p.b[3] = p.b[1] - 0.5
        #expect(p.solver().solve() == .infeasible)
    }

    @Test func duplicatedAndParallelInequalities() {
        // x ≥ 1 three times (once scaled by 2), x ≥ 0.5 (parallel and weaker), x + y ≥ 2 and y ≥ 1 through the
        // optimum (1, 1) of min ½‖x‖²: a degenerate vertex where more rows are active than unknowns.
        var p = QPData(n: 2, meq: 0, mineq: 6)
        let rows: [[Double]] = [[1, 0], [1, 0], [2, 0], [1, 0], [1, 1], [0, 1]]
        let rhs: [Double] = [1, 1, 2, 0.5, 2, 1]
        for i in 0..<6 { p.c[2 * i] = rows[i][0]; p.c[2 * i + 1] = rows[i][1]; p.d[i] = rhs[i] }
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        #expect(abs(qp.solution[0] - 1) <= 1e-14 && abs(qp.solution[1] - 1) <= 1e-14)
        #expect(kktViolation(p, qp) <= 1e-12)
        #expect(qp.activeCount <= 2)
        // The weaker parallel row is inactive with a zero multiplier.
        #expect(qp.inequalityMultipliers[3] == 0)
        // A stronger parallel row later in the list replaces the active one: x ≥ 3.
        p.d[3] = 3
        let stronger = p.solver()
        #expect(stronger.solve() == .optimal)
        #expect(abs(stronger.solution[0] - 3) <= 1e-13 && abs(stronger.solution[1] - 1) <= 1e-13)
        #expect(kktViolation(p, stronger) <= 1e-12)
    }

    @Test func degenerateVerticesWithMoreTightRowsThanUnknowns() {
        // x₀ is made the optimum on purpose: 2n rows pass through it (d = C x₀), a few of them duplicated or scaled
        // copies, and g = −H x₀ + Cᵀμ with μ > 0 on a random subset of those rows, so the KKT conditions hold at x₀
        // with a degenerate, linearly dependent set of tight rows. The solver must find x₀ (the optimum is unique).
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.degenerate"))
        for (n, meq) in [(3, 0), (6, 1), (10, 2), (20, 4), (40, 5)] {
            for _ in 0..<4 {
                let tight = 2 * n, loose = n
                var p = randomProgram(&random, n: n, meq: meq, mineq: tight + loose)
                var x0 = [Double](repeating: 0, count: n)
                for k in 0..<n { x0[k] = random.normal() }
                for i in 0..<meq {
                    p.b[i] = 0
                    for k in 0..<n { p.b[i] += p.a[i * n + k] * x0[k] }
                }
                var mu = [Double](repeating: 0, count: tight + loose)
                for i in 0..<(tight + loose) {
                    if i < tight && i % 5 == 4 {   // a copy of the previous row, scaled by 1 or 3
                        let f = i % 2 == 0 ? 1.0 : 3.0
                        for k in 0..<n { p.c[i * n + k] = f * p.c[(i - 1) * n + k] }
                    }
                    var s = 0.0
                    for k in 0..<n { s += p.c[i * n + k] * x0[k] }
                    p.d[i] = i < tight ? s : s - random.uniform(0.1, 1)
                    if i < tight && random.uniform() < 0.3 { mu[i] = random.uniform(0.1, 5) }
                }
                var lambda = [Double](repeating: 0, count: meq)
                for i in 0..<meq { lambda[i] = random.normal() }   // any sign
                for k in 0..<n {
                    var s = 0.0
                    for j in 0..<n { s -= p.h[k * n + j] * x0[j] }
                    for i in 0..<(tight + loose) { s += p.c[i * n + k] * mu[i] }
                    for i in 0..<meq { s += p.a[i * n + k] * lambda[i] }
                    p.g[k] = s
                }
                let qp = p.solver()
                let status = qp.solve()
                #expect(status == .optimal, "n \(n)")
                guard status == .optimal else { continue }
                #expect(kktViolation(p, qp) <= 1e-9, "n \(n)")
                for k in 0..<n { #expect(abs(qp.solution[k] - x0[k]) <= 1e-8 * (1 + abs(x0[k])), "n \(n) x[\(k)]") }
            }
        }
    }

    @Test func randomProgramsWithDependentRowsMixedIn() {
        // Random programs whose equality list repeats combinations of its rows and whose inequality list holds
        // duplicates, negated copies (a slab around the feasible point) and zero rows: still optimal, KKT to 1e-9.
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.mixed"))
        for (n, meq, mineq) in [(5, 3, 12), (12, 6, 30), (30, 10, 60)] {
            for _ in 0..<4 {
                var (p, x0) = randomProgramAndFeasiblePoint(&random, n: n, meq: meq, mineq: mineq)
                // Equality meq−1 = row 0 − 2 row 1.
                for k in 0..<n { p.a[(meq - 1) * n + k] = p.a[k] - 2 * p.a[n + k] }
                p.b[meq - 1] = p.b[0] - 2 * p.b[1]
                for i in stride(from: 3, to: mineq, by: 4) {
                    switch (i / 4) % 3 {
                    case 0:   // duplicate of the previous row
                        for k in 0..<n { p.c[i * n + k] = p.c[(i - 1) * n + k] }
                        p.d[i] = p.d[i - 1]
                    case 1:   // −cᵀx ≥ −(cᵀx₀ + 0.5): with the previous row, a slab d ≤ cᵀx ≤ cᵀx₀ + 0.5 around x₀
                        var s = 0.0
                        for k in 0..<n { p.c[i * n + k] = -p.c[(i - 1) * n + k]; s += p.c[(i - 1) * n + k] * x0[k] }
                        p.d[i] = -(s + 0.5)
                    default:  // 0 ≥ −1
                        for k in 0..<n { p.c[i * n + k] = 0 }
                        p.d[i] = -1
                    }
                }
                let qp = p.solver()
                // x₀ satisfies every row, so the program is feasible.
                #expect(qp.solve() == .optimal, "n \(n)")
                #expect(kktViolation(p, qp) <= 1e-9, "n \(n)")
            }
        }
    }

    @Test func zeroRowConstraints() {
        // 0 ≥ d is feasible for d ≤ 0 and infeasible for d > 0; 0 = b is consistent only for b = 0.
        var p = QPData(n: 3, meq: 1, mineq: 2)
        p.g = [1, -2, 3]
        p.c[0] = 1; p.d[0] = 0                  // x₀ ≥ 0 (binding: the unconstrained x₀ = −1)
        p.d[1] = -1                               // 0 ≥ −1
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        #expect(abs(qp.solution[0]) <= 1e-15 && abs(qp.solution[1] - 2) <= 1e-15 && abs(qp.solution[2] + 3) <= 1e-15)
        #expect(qp.inequalityMultipliers[1] == 0 && qp.equalityMultipliers[0] == 0)
        p.d[1] = 0
        #expect(p.solver().solve() == .optimal)
        p.d[1] = 1e-300
        #expect(p.solver().solve() == .infeasible)
        p.d[1] = -1
        p.b[0] = 0.1
        #expect(p.solver().solve() == .infeasible)
    }

    @Test func infeasibleProgramsAreReported() {
        // x ≥ 1 and x ≤ 0.
        var p = QPData(n: 1, meq: 0, mineq: 2)
        p.c = [1, -1]; p.d = [1, 0]
        #expect(p.solver().solve() == .infeasible)
        // A triangle with an empty interior in 3-D: x + y ≥ 2, x ≤ 0.5, y ≤ 0.5, plus a free z.
        var q = QPData(n: 3, meq: 0, mineq: 3)
        q.c = [1, 1, 0, -1, 0, 0, 0, -1, 0]; q.d = [2, -0.5, -0.5]
        #expect(q.solver().solve() == .infeasible)
        // An equality against inequalities: x + y = 3 with x ≤ 1, y ≤ 1.
        var e = QPData(n: 2, meq: 1, mineq: 2)
        e.a = [1, 1]; e.b = [3]; e.c = [-1, 0, 0, -1]; e.d = [-1, -1]
        #expect(e.solver().solve() == .infeasible)
        // Random rows with a contradiction planted among them: row 7 = −row 3, with d₇ > −d₃.
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.infeasible"))
        var r = randomProgram(&random, n: 10, meq: 2, mineq: 15)
        for k in 0..<10 { r.c[7 * 10 + k] = -r.c[3 * 10 + k] }
        r.d[7] = -r.d[3] + 0.1
        #expect(r.solver().solve() == .infeasible)
    }

    // MARK: - Bad input

    @Test func nonConvexHessiansAreReported() {
        var p = QPData(n: 3, meq: 0, mineq: 1)
        p.c = [1, 0, 0]; p.d = [1]
        p.h = [1, 0, 0, 0, -1, 0, 0, 0, 1]            // indefinite
        #expect(p.solver().solve() == .notStrictlyConvex)
        p.h = [1, 1, 0, 1, 1, 0, 0, 0, 1]             // positive semidefinite, singular
        #expect(p.solver().solve() == .notStrictlyConvex)
        p.h = [Double](repeating: 0, count: 9)        // zero
        #expect(p.solver().solve() == .notStrictlyConvex)
        p.h = [1, 0, 0, 0, 1e-20, 0, 0, 0, 1]         // numerically singular
        #expect(p.solver().solve() == .notStrictlyConvex)
        p.h = [2, 3, 0, -1, 2, 0, 0, 0, 1]            // asymmetric: only ½(H + Hᵀ) = [[2, 1], [1, 2]] counts
        let qp = p.solver()
        #expect(qp.solve() == .optimal)
        #expect(abs(qp.solution[0] - 1) <= 1e-15)
    }

    @Test func nonFiniteAndMisSizedInputsAreReported() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.nonfinite"))
        let base = randomProgram(&random, n: 4, meq: 2, mineq: 3)
        for bad in [Double.nan, .infinity, -.infinity] {
            for field in 0..<6 {
                var p = base
                switch field {
                case 0: p.h[5] = bad
                case 1: p.g[3] = bad
                case 2: p.a[7] = bad
                case 3: p.b[1] = bad
                case 4: p.c[0] = bad
                default: p.d[2] = bad
                }
                let qp = p.solver()
                #expect(qp.solve() == .invalidInput, "field \(field) = \(bad)")
                #expect(qp.solution.allSatisfy { $0 == 0 })
            }
        }
        let qp = base.solver()
        qp.linearTerm = [1, 2, 3]                     // n − 1 entries
        #expect(qp.solve() == .invalidInput)
        base.load(into: qp)
        #expect(qp.solve() == .optimal)
        qp.inequalityMatrix.append(0)
        #expect(qp.solve() == .invalidInput)
        // A diagonal spread of 10⁶⁰⁰ is not numerically positive definite.
        var huge = base
        for k in 0..<16 { huge.h[k] = k % 5 == 0 ? 1e300 : 0 }
        huge.h[0] = 1e-300
        #expect(huge.solver().solve() == .notStrictlyConvex)
    }

    @Test func wildDataNeverTrapsAndNeverReportsANonFiniteOptimum() {
        // 400 programs with entries spread over 10^±150, some indefinite Hessians, some all-zero or repeated
        // rows: solve() returns a status every time (a trap would end the test binary), and an `.optimal`
        // answer is finite with μ ≥ 0.
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.wild"))
        var statuses: [QuadraticProgramStatus: Int] = [:]
        for trial in 0..<400 {
            let n = 1 + random.index(below: 8), meq = random.index(below: n + 2), mineq = random.index(below: 12)
            var p = QPData(n: n, meq: meq, mineq: mineq)
            func wild() -> Double {
                let magnitude = random.uniform(-150, 150)
                var scale = 1.0
                for _ in 0..<Int(abs(magnitude) / 10) { scale *= magnitude < 0 ? 1e-10 : 1e10 }
                return random.index(below: 6) == 0 ? 0 : random.normal() * scale
            }
            for k in 0..<(n * n) { p.h[k] = trial % 3 == 0 ? wild() : random.normal() }
            if trial % 3 == 1 {   // H = MᵀM + I, positive definite, with wild constraints
                var m = p.h
                for i in 0..<n { for j in 0..<n { m[i * n + j] = random.normal() } }
                for i in 0..<n {
                    for j in 0..<n {
                        var s = i == j ? 1.0 : 0
                        for k in 0..<n { s += m[k * n + i] * m[k * n + j] }
                        p.h[i * n + j] = s
                    }
                }
            }
            for k in 0..<n { p.g[k] = wild() }
            for k in 0..<(meq * n) { p.a[k] = wild() }
            for k in 0..<meq { p.b[k] = wild() }
            for k in 0..<(mineq * n) { p.c[k] = wild() }
            for k in 0..<mineq { p.d[k] = wild() }
            if mineq > 1 && trial % 4 == 0 { for k in 0..<n { p.c[n + k] = p.c[k] } }
            let qp = p.solver()
            let status = qp.solve()
            statuses[status, default: 0] += 1
            if status == .optimal {
                let finite = qp.solution.allSatisfy { $0.isFinite } && qp.equalityMultipliers.allSatisfy { $0.isFinite }
                    && qp.inequalityMultipliers.allSatisfy { $0.isFinite && $0 >= 0 }
                #expect(finite, "trial \(trial)")
                #expect(!qp.objectiveValue.isNaN, "trial \(trial)")
            }
        }
        // The sample reaches the main outcomes.
        #expect((statuses[.optimal] ?? 0) > 20 && (statuses[.notStrictlyConvex] ?? 0) > 20 && (statuses[.infeasible] ?? 0) > 5,
                "\(statuses)")
    }

    @Test func theIterationLimitIsReported() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.limit"))
        let p = randomProgram(&random, n: 20, meq: 0, mineq: 40)
        let unlimited = p.solver()
        #expect(unlimited.solve() == .optimal)
        #expect(unlimited.iterations > 3)
        let limited = p.solver(maxIterations: 3)
        #expect(limited.solve() == .iterationLimit)
        let exact = p.solver(maxIterations: unlimited.iterations)
        #expect(exact.solve() == .optimal)
    }

    // MARK: - The benchmark's program

    @Test func theWholeBodySizedExampleIsSolvedWithARealisticActiveSet() {
        // The program the benchmark times (39 unknowns, 18 equalities, 64 inequalities): optimal, KKT to 1e-9,
        // with torque-limit and contact-cone rows active besides the equalities, for several seeds.
        var activeInequalities: [Int] = []
        for seed in UInt64(0)..<8 {
            let qp = QuadraticProgram.wholeBodySizedExample(seed: seed)
            var p = QPData(n: 39, meq: 18, mineq: 64)
            p.h = qp.hessian; p.g = qp.linearTerm; p.a = qp.equalityMatrix; p.b = qp.equalityVector
            p.c = qp.inequalityMatrix; p.d = qp.inequalityVector
            #expect(qp.solve() == .optimal, "seed \(seed)")
            #expect(kktViolation(p, qp) <= 1e-9, "seed \(seed)")
            #expect(qp.activeCount - 18 == qp.inequalityMultipliers.filter { $0 > 0 }.count)
            activeInequalities.append(qp.activeCount - 18)
        }
        #expect(activeInequalities.allSatisfy { (4...20).contains($0) }, "active inequalities per seed: \(activeInequalities)")
    }

    // MARK: - Allocation

    @Test func solveAllocatesNothingAfterInit() {
        var random = RandomStream(seed: RandomStreams.seed(scenario: 13, consumer: "test.qp.malloc"))
        let p = randomProgram(&random, n: 39, meq: 18, mineq: 64)
        // The data are written in place, as a controller does, so the solver's arrays share no storage with p's.
        let qp = QuadraticProgram(variableCount: 39, equalityCount: 18, inequalityCount: 64)
        for k in 0..<(39 * 39) { qp.hessian[k] = p.h[k] }
        for k in 0..<39 { qp.linearTerm[k] = p.g[k] }
        for k in 0..<(18 * 39) { qp.equalityMatrix[k] = p.a[k] }
        for k in 0..<18 { qp.equalityVector[k] = p.b[k] }
        for k in 0..<(64 * 39) { qp.inequalityMatrix[k] = p.c[k] }
        for k in 0..<64 { qp.inequalityVector[k] = p.d[k] }
        var status = QuadraticProgramStatus.invalidInput
        var iterations = 0
        var status2 = QuadraticProgramStatus.optimal
        let count = qpAllocations {
            status = qp.solve()
            iterations = qp.iterations
            // New data written in place, then an infeasible and an invalid solve: none allocates.
            qp.inequalityVector[0] = 1e9
            for k in 0..<39 { qp.inequalityMatrix[k] = 0 }
            status2 = qp.solve()
            qp.hessian[0] = .nan
            _ = qp.solve()
        }
        #expect(status == .optimal)
        #expect(iterations > 18)
        #expect(status2 == .infeasible)
        #expect(count == 0, "solve() made \(count) allocations")
    }
}

/// ½ xᵀ H x + gᵀ x.
func objective(_ p: QPData, _ x: [Double]) -> Double {
    var f = 0.0
    for i in 0..<p.n {
        f += p.g[i] * x[i]
        for j in 0..<p.n { f += 0.5 * x[i] * p.h[i * p.n + j] * x[j] }
    }
    return f
}

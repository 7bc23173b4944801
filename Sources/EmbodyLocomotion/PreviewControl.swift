// MARK: - ZMP preview control (Kajita et al., 2003), gains from the project's discrete Riccati equation
//
// Kajita, Kanehiro, Kaneko, Fujiwara, Harada, Yokoi, Hirukawa (2003), "Biped walking pattern generation by
// using preview control of zero-moment point", with the optimal preview servo of Katayama, Ohki, Inoue and
// Kato (1985). The cart-table model: per horizontal axis the state x = (x, ẋ, ẍ) is driven by the CoM jerk
// u = d³x/dt³ and outputs the ZMP p = x − (z_c / g) ẍ. Exactly discretized at dt (the jerk held constant):
//
//     x(k+1) = A x(k) + B u(k),    p(k) = C x(k),
//     A = [[1, dt, dt²/2], [0, 1, dt], [0, 0, 1]],   B = [dt³/6, dt²/2, dt]ᵀ,   C = [1, 0, −z_c/g].
//
// The control law, with the tracking error e(i) = p(i) − p_ref(i) and N preview samples:
//
//     u(k) = −G_i Σ_{i=0..k} e(i) − G_x x(k) − Σ_{j=1..N} G_p(j) p_ref(k+j).
//
// The gains come from the augmented (incremental) error system of Katayama et al., with state
// X*(k) = [e(k); Δx(k)] and input Δu(k):
//
//     Ã = [[1, C A], [0, A]],  B̃ = [C B; B],  Ĩ = [1, 0, 0, 0]ᵀ,  F̃ = [C A; A],  Q̃ = diag(Q_e, Q_x),
//     P = the stabilizing solution of the DARE  P = ÃᵀPÃ − ÃᵀPB̃ (R + B̃ᵀPB̃)⁻¹ B̃ᵀPÃ + Q̃,
//     G_i = (R + B̃ᵀPB̃)⁻¹ B̃ᵀ P Ĩ,    G_x = (R + B̃ᵀPB̃)⁻¹ B̃ᵀ P F̃,
//     A_c = Ã − B̃ (R + B̃ᵀPB̃)⁻¹ B̃ᵀ P Ã,
//     G_p(1) = −G_i,   X(1) = −A_cᵀ P Ĩ,   G_p(j) = (R + B̃ᵀPB̃)⁻¹ B̃ᵀ X(j−1),   X(j) = A_cᵀ X(j−1)   (j ≥ 2).
//
// The cost minimized is Σ_k Q_e e(k)² + Δx(k)ᵀ Q_x Δx(k) + R Δu(k)². A_c is stable, so G_p(j) decays to zero
// over the horizon: the future matters less the further away it is; N·dt of about twice the pendulum's time
// constant 1/ω (Kajita used 1.6 s for z_c = 0.8 m) loses nothing measurable. Both horizontal axes share the
// gains. The DARE is solved by the caller's `DiscreteRiccatiSolver` (EmbodyPhysics' `Riccati.discrete`,
// passed in by the tests and by EmbodyRuntime), so this module does not depend on Bullet.

import EmbodyModel

/// Solves the discrete algebraic Riccati equation P = AᵀPA − AᵀPB (R + BᵀPB)⁻¹ BᵀPA + Q for its stabilizing
/// solution: A n × n, B n × m, Q n × n, R m × m, all row-major; returns P (n × n, row-major). EmbodyPhysics'
/// `{ a, b, q, r, n, m in try Riccati.discrete(a: a, b: b, q: q, r: r, n: n, m: m).p }` is one.
public typealias DiscreteRiccatiSolver = @Sendable (_ a: [Double], _ b: [Double], _ q: [Double], _ r: [Double], _ n: Int, _ m: Int) throws -> [Double]

/// The parameters of ZMP preview control, with units and accepted ranges (checked by `validate()` and by
/// `ZMPPreviewController.init`).
public struct ZMPPreviewParameters: Equatable, Sendable {
    /// Control period dt, s, in (0, 0.1]. Kajita et al. used 0.005 s.
    public var timeStep: Double
    /// Preview horizon N in samples, in 1...100 000; the horizon in seconds is N·dt (`previewTime`).
    public var previewSteps: Int
    /// CoM height above the ZMP plane z_c, m, in (0, 10].
    public var comHeight: Double
    /// Gravity g, m/s², in (0, 100].
    public var gravity: Double
    /// Q_e: weight on the squared ZMP tracking error (m²), in (0, 1e12]. Only the ratios Q_e : Q_x : R matter.
    public var trackingWeight: Double
    /// Q_x: diagonal weights on the squared state increments (Δx m², Δẋ (m/s)², Δẍ (m/s²)²), each in [0, 1e12].
    public var stateIncrementWeights: SIMD3<Double>
    /// R: weight on the squared jerk increment Δu ((m/s³)²), in (0, 1e12]. Kajita et al.: Q_e = 1, R = 1e-6.
    public var jerkIncrementWeight: Double

    /// The horizon N·dt, s.
    public var previewTime: Double { Double(previewSteps) * timeStep }

    /// Parameters with the horizon given in seconds: N = round(previewTime / dt). Defaults are Kajita et al.'s
    /// (dt = 5 ms, 1.6 s of preview, Q_e = 1, Q_x = 0, R = 1e-6). Throws if a value is out of range.
    public init(comHeight: Double, gravity: Double = locomotionDefaultGravity, timeStep: Double = 0.005,
                previewTime: Double = 1.6, trackingWeight: Double = 1, stateIncrementWeights: SIMD3<Double> = .zero,
                jerkIncrementWeight: Double = 1e-6) throws(LocomotionParameterError) {
        try LocomotionParameterError.check("preview control time step", timeStep, above: 0, atMost: 0.1, unit: "s")
        try LocomotionParameterError.check("preview time", previewTime, above: 0, atMost: 1000, unit: "s")
        let steps = (previewTime / timeStep).rounded()
        guard let n = Int(exactly: steps), n >= 1, n <= 100_000 else {
            throw LocomotionParameterError("preview horizon must be 1...100000 samples of the time step, got \(previewTime) s / \(timeStep) s = \(steps)")
        }
        self.timeStep = timeStep
        previewSteps = n
        self.comHeight = comHeight
        self.gravity = gravity
        self.trackingWeight = trackingWeight
        self.stateIncrementWeights = stateIncrementWeights
        self.jerkIncrementWeight = jerkIncrementWeight
        try validate()
    }

    /// Throws `LocomotionParameterError` naming the first value out of range.
    public func validate() throws(LocomotionParameterError) {
        try LocomotionParameterError.check("preview control time step", timeStep, above: 0, atMost: 0.1, unit: "s")
        guard (1...100_000).contains(previewSteps) else {
            throw LocomotionParameterError("preview horizon must be 1...100000 samples, got \(previewSteps)")
        }
        try LocomotionParameterError.check("preview control CoM height", comHeight, above: 0, atMost: 10, unit: "m")
        try LocomotionParameterError.check("preview control gravity", gravity, above: 0, atMost: 100, unit: "m/s²")
        try LocomotionParameterError.check("preview control Q_e", trackingWeight, above: 0, atMost: 1e12, unit: "")
        for i in 0..<3 {
            try LocomotionParameterError.check("preview control Q_x[\(i)]", stateIncrementWeights[i], in: 0...1e12, unit: "")
        }
        try LocomotionParameterError.check("preview control R", jerkIncrementWeight, above: 0, atMost: 1e12, unit: "")
    }
}

/// The CoM state of the cart-table model in both horizontal axes, world frame.
public struct CartTableState: Equatable, Sendable {
    /// CoM position (m), velocity (m/s), acceleration (m/s²), (x, y).
    public var position: SIMD2<Double>
    public var velocity: SIMD2<Double>
    public var acceleration: SIMD2<Double>

    public init(position: SIMD2<Double>, velocity: SIMD2<Double> = .zero, acceleration: SIMD2<Double> = .zero) {
        self.position = position
        self.velocity = velocity
        self.acceleration = acceleration
    }
}

/// ZMP preview control of the cart-table model (Kajita et al., 2003), for both horizontal axes:
///
///     u(k) = −G_i Σ_{i=0..k} (p(i) − p_ref(i)) − G_x x(k) − Σ_{j=1..N} G_p(j) p_ref(k+j),
///     x(k+1) = A x(k) + B u(k),   p(k) = x(k) − (z_c/g) ẍ(k),
///
/// with u the CoM jerk (m/s³), x = (x, ẋ, ẍ) and the gains from the augmented system's DARE (the file's
/// header gives every formula). The controller keeps the N + 1 references p_ref(k), …, p_ref(k+N) in a ring
/// buffer; each `step(nextReference:)` applies u(k), advances to k + 1 and appends p_ref(k+N+1).
/// Allocation-free after `init`; deterministic.
public final class ZMPPreviewController {
    /// The parameters the gains were computed for.
    public let parameters: ZMPPreviewParameters
    /// The pendulum (z_c, g, ω) of the cart-table model.
    public let pendulum: LinearInvertedPendulum
    /// G_i, the gain on the summed ZMP error, (m/s³)/m.
    public let integralGain: Double
    /// G_x, the gains on (x, ẋ, ẍ), (m/s³)/m, (m/s³)/(m/s), (m/s³)/(m/s²).
    public let stateGain: SIMD3<Double>
    /// G_p(j) for j = 1...N at index j − 1, (m/s³)/m.
    public let previewGains: [Double]
    /// The DARE solution P of the augmented system, 4 × 4 row-major (for inspection and tests).
    public let riccatiSolution: [Double]

    /// The state at the current tick k.
    public private(set) var state: CartTableState
    /// The state at tick k − 1 and the jerk applied from k − 1 to k (for `interpolated(after:)`).
    public private(set) var previousState: CartTableState
    /// The jerk u(k − 1) applied by the last step, m/s³.
    public private(set) var jerk: SIMD2<Double>
    /// S₀ + Σ_{i=0..k−1} e(i), the summed ZMP error before this tick (S₀ from `reset`), m.
    public private(set) var errorSum: SIMD2<Double>
    /// Ticks since the last `reset`.
    public private(set) var tick: Int

    /// p_ref(k + j) for j = 0...N at ring index (head + j) mod (N + 1).
    private var window: [SIMD2<Double>]
    private var head: Int
    private let a: (Double, Double, Double)   // dt, dt²/2, dt³/6
    private let zmpFactor: Double             // z_c / g

    /// Computes the gains with `riccati` and starts at rest at the origin with a zero reference. Throws
    /// `LocomotionParameterError` for parameters out of range, a failed Riccati solve (with its message), or
    /// a solution that does not satisfy the DARE to 1e-8 relative.
    public init(parameters: ZMPPreviewParameters, riccati: DiscreteRiccatiSolver) throws(LocomotionParameterError) {
        try parameters.validate()
        self.parameters = parameters
        pendulum = try LinearInvertedPendulum(comHeight: parameters.comHeight, gravity: parameters.gravity)
        let dt = parameters.timeStep
        a = (dt, dt * dt / 2, dt * dt * dt / 6)
        zmpFactor = parameters.comHeight / parameters.gravity
        let gains = try Self.gains(parameters, riccati: riccati)
        integralGain = gains.gi
        stateGain = gains.gx
        previewGains = gains.gp
        riccatiSolution = gains.p
        state = CartTableState(position: .zero)
        previousState = state
        jerk = .zero
        errorSum = .zero
        tick = 0
        window = [SIMD2<Double>](repeating: .zero, count: parameters.previewSteps + 1)
        head = 0
        reset(to: state) { _ in .zero }
    }

    /// The preview horizon N, samples.
    public var previewSteps: Int { parameters.previewSteps }

    /// The ZMP of the current state, p(k) = x(k) − (z_c/g) ẍ(k), m.
    public var zmp: SIMD2<Double> { state.position - zmpFactor * state.acceleration }

    /// The divergent component of motion of the current state, ξ = x + ẋ/ω, m.
    public var divergentComponent: SIMD2<Double> { pendulum.divergentComponent(position: state.position, velocity: state.velocity) }

    /// Starts over at tick 0 from `state` and fills the window: `reference(j)` must return p_ref(j) (m) for
    /// j = 0...N. The summed error starts at S₀ = −(G_x x(0) + Σ_{j=1..N} G_p(j) p_ref(j−1)) / G_i, which makes
    /// the law identical to Katayama's incremental form started with u(−1) = 0 and x(−1) = x(0): a bumpless
    /// start, so a CoM at rest on a constant reference stays at rest whatever the horizon (with S₀ = 0 the
    /// truncated Σ G_p ≠ −G_x[0] would push it). Allocation-free if `reference` is.
    public func reset(to state: CartTableState, reference: (Int) -> SIMD2<Double>) {
        self.state = state
        previousState = state
        jerk = .zero
        tick = 0
        head = 0
        for j in 0...parameters.previewSteps { window[j] = reference(j) }
        var offset = stateGain.x * state.position + stateGain.y * state.velocity + stateGain.z * state.acceleration
        for j in 1...parameters.previewSteps { offset += previewGains[j - 1] * window[j - 1] }
        errorSum = -offset / integralGain
    }

    /// p_ref(k + j), m, for j = 0...N (k the current tick).
    public func reference(ahead j: Int) -> SIMD2<Double> {
        precondition(j >= 0 && j <= parameters.previewSteps, "preview index out of range")
        return window[ringIndex(j)]
    }

    /// Replaces p_ref(k + j) for j = 0...N with `reference(j)` (after a replan, e.g. a capture step),
    /// keeping the state and the summed error. Allocation-free if `reference` is.
    public func rewriteReference(_ reference: (Int) -> SIMD2<Double>) {
        for j in 0...parameters.previewSteps { window[ringIndex(j)] = reference(j) }
    }

    /// Applies u(k), advancing the state to tick k + 1, and appends p_ref(k+N+1) = `nextReference` (m) to
    /// the window. Returns the new state. Allocation-free.
    @discardableResult
    public func step(nextReference: SIMD2<Double>) -> CartTableState {
        let n = parameters.previewSteps
        let x = state
        let e = (x.position - zmpFactor * x.acceleration) - window[head]
        errorSum += e
        var u = -integralGain * errorSum - stateGain.x * x.position - stateGain.y * x.velocity - stateGain.z * x.acceleration
        // Σ_{j=1..N} G_p(j) p_ref(k+j), the ring split into its two contiguous runs.
        var preview = SIMD2<Double>.zero
        var r = head + 1
        previewGains.withUnsafeBufferPointer { g in
            window.withUnsafeBufferPointer { w in
                var j = 0
                while j < n {
                    if r > n { r = 0 }
                    let run = Swift.min(n - j, n + 1 - r)
                    for i in 0..<run { preview += g[j + i] * w[r + i] }
                    j += run
                    r += run
                }
            }
        }
        u -= preview
        previousState = x
        jerk = u
        state = Self.advance(x, jerk: u, a)
        window[head] = nextReference
        head = head == n ? 0 : head + 1
        tick += 1
        return state
    }

    /// The state a time `tau` s in [0, dt] after the previous tick, under the jerk the last step applied
    /// (exact between samples: the cart-table model holds the jerk constant). `interpolated(after: dt)` is `state`.
    public func interpolated(after tau: Double) -> CartTableState {
        Self.advance(previousState, jerk: jerk, (tau, tau * tau / 2, tau * tau * tau / 6))
    }

    private func ringIndex(_ j: Int) -> Int {
        let i = head + j
        return i > parameters.previewSteps ? i - parameters.previewSteps - 1 : i
    }

    private static func advance(_ x: CartTableState, jerk u: SIMD2<Double>, _ a: (Double, Double, Double)) -> CartTableState {
        CartTableState(position: x.position + a.0 * x.velocity + a.1 * x.acceleration + a.2 * u,
                       velocity: x.velocity + a.0 * x.acceleration + a.1 * u,
                       acceleration: x.acceleration + a.0 * u)
    }

    // MARK: Gains (at init only; allocates)

    private static func gains(_ prm: ZMPPreviewParameters, riccati: DiscreteRiccatiSolver) throws(LocomotionParameterError)
        -> (gi: Double, gx: SIMD3<Double>, gp: [Double], p: [Double]) {
        let dt = prm.timeStep, h = prm.comHeight / prm.gravity
        let aM: [[Double]] = [[1, dt, dt * dt / 2], [0, 1, dt], [0, 0, 1]]
        let bV = [dt * dt * dt / 6, dt * dt / 2, dt]
        let cV = [1, 0, -h]
        let ca = (0..<3).map { j in (0..<3).reduce(0.0) { $0 + cV[$1] * aM[$1][j] } }
        let cb = (0..<3).reduce(0.0) { $0 + cV[$1] * bV[$1] }
        // Augmented Ã (4 × 4), B̃ (4), Q̃ (4 × 4 diagonal).
        var at = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 4)
        at[0][0] = 1
        for j in 0..<3 { at[0][j + 1] = ca[j] }
        for i in 0..<3 { for j in 0..<3 { at[i + 1][j + 1] = aM[i][j] } }
        let bt = [cb] + bV
        var qt = [Double](repeating: 0, count: 16)
        qt[0] = prm.trackingWeight
        for i in 0..<3 { qt[5 * (i + 1)] = prm.stateIncrementWeights[i] }
        let r = prm.jerkIncrementWeight
        let pFlat: [Double]
        do {
            pFlat = try riccati(at.flatMap { $0 }, bt, qt, [r], 4, 1)
        } catch {
            throw LocomotionParameterError("preview control: the Riccati solve failed: \(error)")
        }
        guard pFlat.count == 16, pFlat.allSatisfy(\.isFinite) else {
            throw LocomotionParameterError("preview control: the Riccati solver returned \(pFlat.count) values, expected 16 finite ones")
        }
        let p = (0..<4).map { i in (0..<4).map { j in pFlat[4 * i + j] } }
        func mv(_ m: [[Double]], _ v: [Double]) -> [Double] { m.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } } }
        func tr(_ m: [[Double]]) -> [[Double]] { (0..<4).map { i in (0..<4).map { j in m[j][i] } } }
        func mm(_ x: [[Double]], _ y: [[Double]]) -> [[Double]] {
            (0..<4).map { i in (0..<4).map { j in (0..<4).reduce(0.0) { $0 + x[i][$1] * y[$1][j] } } }
        }
        let pb = mv(p, bt)                                           // P B̃ (P symmetric: B̃ᵀP = (P B̃)ᵀ)
        let s = r + zip(bt, pb).reduce(0) { $0 + $1.0 * $1.1 }      // R + B̃ᵀ P B̃
        // K = s⁻¹ B̃ᵀ P Ã (1 × 4): K[0] = G_i, K[1...3] = G_x.
        let k = (0..<4).map { j in (0..<4).reduce(0.0) { $0 + pb[$1] * at[$1][j] } / s }
        // The DARE residual, relative: P − (ÃᵀPÃ − s K ᵀK + Q̃).
        let atpa = mm(tr(at), mm(p, at))
        var residual = 0.0, scale = 1e-300
        for i in 0..<4 {
            for j in 0..<4 {
                let rhs = atpa[i][j] - s * k[i] * k[j] + qt[4 * i + j]
                residual = Swift.max(residual, Swift.abs(p[i][j] - rhs))
                scale = Swift.max(scale, Swift.abs(p[i][j]))
            }
        }
        guard residual <= 1e-8 * scale else {
            throw LocomotionParameterError("preview control: the Riccati solution does not satisfy the DARE (relative residual \(residual / scale))")
        }
        // A_c = Ã − B̃ K; X(1) = −A_cᵀ P Ĩ; G_p(j) = s⁻¹ B̃ᵀ X(j−1), X(j) = A_cᵀ X(j−1).
        var ac = at
        for i in 0..<4 { for j in 0..<4 { ac[i][j] -= bt[i] * k[j] } }
        let act = tr(ac)
        var x = mv(act, (0..<4).map { -p[$0][0] })
        var gp = [Double](repeating: 0, count: prm.previewSteps)
        gp[0] = -k[0]
        if prm.previewSteps > 1 {
            for j in 1..<prm.previewSteps {
                gp[j] = zip(bt, x).reduce(0) { $0 + $1.0 * $1.1 } / s
                x = mv(act, x)
            }
        }
        guard k.allSatisfy(\.isFinite), gp.allSatisfy(\.isFinite) else {
            throw LocomotionParameterError("preview control: the gains are not finite")
        }
        return (k[0], SIMD3(k[1], k[2], k[3]), gp, pFlat)
    }
}

// MARK: - Exercise 9's student API: ZMP preview control of the cart-table model, in plain numbers
//
// The student computes the preview gains of Kajita et al. (2003) and the centre-of-mass trajectory they give
// for a ZMP reference the grader samples from a footstep plan. The grader hands that trajectory to Embody's
// walking state machine and whole-body controller (EmbodyLocomotion), which track it on the humanoid.

/// The cart-table model and the cost of ZMP preview control, per horizontal axis: state (x, ẋ, ẍ), input the
/// jerk u held for `dt`, output the ZMP p = x − (z_c/g) ẍ; minimize Σ Q_e e² + R Δu² with e = p − p_ref.
public struct PreviewSetup: Sendable, Equatable {
    /// The sampling period dt of the model and of the ZMP reference, s.
    public var dt: Double
    /// The CoM height z_c above the ground, m.
    public var comHeight: Double
    /// Gravity g, m/s² (positive).
    public var gravity: Double
    /// The preview horizon N, samples (the controller looks N·dt s ahead).
    public var previewSteps: Int
    /// Q_e, the weight on the ZMP error e², 1/m².
    public var trackingWeight: Double
    /// R, the weight on the jerk increment Δu², 1/(m/s³)².
    public var jerkWeight: Double

    /// Creates a setup (SI units).
    public init(dt: Double, comHeight: Double, gravity: Double, previewSteps: Int, trackingWeight: Double,
                jerkWeight: Double) {
        self.dt = dt
        self.comHeight = comHeight
        self.gravity = gravity
        self.previewSteps = previewSteps
        self.trackingWeight = trackingWeight
        self.jerkWeight = jerkWeight
    }
}

/// The gains of the preview law u(k) = −G_i Σ_{i≤k} e(i) − G_x x(k) − Σ_{j=1..N} G_p(j) p_ref(k+j).
public struct PreviewGains: Sendable, Equatable {
    /// G_i, the gain on the summed ZMP error, (m/s³)/m.
    public var integral: Double
    /// G_x, the three state gains on (x, ẋ, ẍ).
    public var state: [Double]
    /// G_p(1)…G_p(N), the preview gains on p_ref(k+1)…p_ref(k+N) (`preview[j − 1]` is G_p(j)).
    public var preview: [Double]

    /// Creates gains from their parts.
    public init(integral: Double, state: [Double], preview: [Double]) {
        self.integral = integral
        self.state = state
        self.preview = preview
    }
}

/// ZMP preview control written by a student (exercise 9): the gains, and the CoM trajectory for a ZMP reference.
public protocol StudentZMPPreview {
    /// The optimal preview gains for `setup` (from the discrete algebraic Riccati equation of the augmented
    /// error system); `preview` must hold `setup.previewSteps` values.
    static func gains(_ setup: PreviewSetup) -> PreviewGains

    /// The CoM trajectory that preview control with `gains` produces on the ZMP reference.
    /// - `zmpReference[k]` is p_ref at t = k·dt, `[x, y]` in m (world frame); it holds the samples the trajectory
    ///   needs plus `setup.previewSteps` more, so that every sample can look N ahead.
    /// - `initialCoM` is `[x, y]` in m: the CoM starts there at rest (ẋ = ẍ = 0) at t = 0.
    /// - Returns `zmpReference.count − setup.previewSteps` rows, row k `[x, y, ẋ, ẏ, ẍ, ÿ]` at t = k·dt
    ///   (m, m/s, m/s²), row 0 the initial state.
    static func comTrajectory(zmpReference: [[Double]], initialCoM: [Double], setup: PreviewSetup,
                              gains: PreviewGains) -> [[Double]]
}

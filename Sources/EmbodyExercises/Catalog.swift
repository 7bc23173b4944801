// MARK: - The exercise catalogue: what each exercise is and how it is graded

/// Whether a measured value must stay below or rise above its threshold.
public enum Comparison: String, Sendable, Codable {
    case below, above

    /// Whether `value` passes against `threshold` (NaN never passes).
    public func passes(_ value: Double, _ threshold: Double) -> Bool {
        guard !value.isNaN else { return false }
        return self == .below ? value < threshold : value > threshold
    }
}

/// One graded check: a metric a trial measures, a threshold, points and a hint for people.
public struct Check: Sendable {
    /// A short name shown on the scorecard.
    public var name: String
    /// The key of the metric in the trial's output.
    public var metric: String
    /// The unit of the metric, for people.
    public var unit: String
    /// Below or above.
    public var comparison: Comparison
    /// The threshold, in `unit`.
    public var threshold: Double
    /// The points the check is worth when every seed passes (each seed carries an equal share).
    public var points: Double
    /// A short hint shown when the check fails.
    public var hint: String
}

/// An exercise: its folder, brief, graded checks, seeds and time limit.
public struct Exercise: Sendable {
    /// 1-based number, the order of difficulty.
    public var number: Int
    /// The folder under Exercises/, e.g. "02-joint-pd".
    public var folder: String
    /// A one-line title.
    public var title: String
    /// The file students edit, relative to the folder.
    public var studentFile: String
    /// The weight of the exercise in the Embody Index.
    public var weight: Double
    /// The checks, in scorecard order.
    public var checks: [Check]
    /// The seeds every student can see and reproduce.
    public var visibleSeeds: [UInt64] = [101, 202]
    /// How many extra seeds derive from the instructor's secret salt, when one is set.
    public var secretSeedCount: Int = 2
    /// The wall-clock limit in s for one trial (one seed, every check) in the child process.
    public var timeLimit: Double = 20

    /// Whether grading builds Swift: the student edits a `.swift` file. Exercise 1 is a YAML file of gains,
    /// graded without building anything.
    public var needsSwift: Bool { studentFile.hasSuffix(".swift") }

    /// The most points the exercise can give.
    public var maxScore: Double { checks.reduce(0) { $0 + $1.points } }
}

/// All exercises, in increasing difficulty.
public enum Catalog {
    /// The exercises that exist, in order.
    public static let exercises: [Exercise] = [
        Exercise(number: 1, folder: "01-pd-tuning", title: "PD tuning on a single joint", studentFile: "gains.yaml",
                 weight: 1, checks: [
                    Check(name: "overshoot", metric: "overshoot", unit: "%", comparison: .below, threshold: 5, points: 4,
                          hint: "Overshoot grows as the damping ratio ζ = kd / (2√(kp·I)) falls; raise kd."),
                    Check(name: "settling time (2 %)", metric: "settling_time", unit: "s", comparison: .below,
                          threshold: 0.5, points: 4,
                          hint: "Settling takes about 4/(ζ·ωn); raise ωn = √(kp/I) while keeping ζ near 0.9."),
                    Check(name: "no torque saturation", metric: "torque_saturation_fraction", unit: "of ticks",
                          comparison: .below, threshold: 1e-9, points: 2,
                          hint: "The initial torque is kp × step; keep it under the 10 N·m effort limit."),
                 ]),
        Exercise(number: 2, folder: "02-joint-pd", title: "A joint PD controller in Swift", studentFile: "JointPD.swift",
                 weight: 1, checks: [
                    Check(name: "final posture error", metric: "final_joint_error_max", unit: "rad", comparison: .below,
                          threshold: 0.02, points: 5,
                          hint: "Plain PD sags by g(q)/kp; the shoulder and elbow need kp in the thousands."),
                    Check(name: "at rest at the end", metric: "final_speed_max", unit: "rad/s", comparison: .below,
                          threshold: 0.05, points: 3,
                          hint: "Add damping: τ = kp (q* − q) − kd q̇ with kd > 0 on every joint."),
                    Check(name: "torque saturation", metric: "torque_saturation_fraction", unit: "of ticks",
                          comparison: .below, threshold: 0.01, points: 2,
                          hint: "Your torques exceed the effort limits; lower the gains on the wrist joints."),
                 ]),
        Exercise(number: 3, folder: "03-gravity-compensation", title: "Gravity compensation in 5 postures",
                 studentFile: "GravityCompensation.swift", weight: 1.5, checks: [
                    Check(name: "posture drift (5 postures)", metric: "drift_max", unit: "rad", comparison: .below,
                          threshold: 1e-3, points: 8,
                          hint: "Add the gravity torques: τ = kp (q* − q) − kd q̇ + g(q), with g from model.gravity(q)."),
                    Check(name: "torque saturation", metric: "torque_saturation_fraction", unit: "of ticks",
                          comparison: .below, threshold: 0.01, points: 2,
                          hint: "Your torques exceed the effort limits; check the gains and the sign of g(q)."),
                 ]),
        Exercise(number: 4, folder: "04-computed-torque", title: "Quintic trajectories and computed-torque tracking",
                 studentFile: "ComputedTorque.swift", weight: 2, checks: [
                    Check(name: "quintic boundary and shape", metric: "quintic_error", unit: "rad", comparison: .below,
                          threshold: 1e-6, points: 3,
                          hint: "s(τ) = 10τ³ − 15τ⁴ + 6τ⁵ with τ = t/T; differentiate for q̇ and q̈ (chain rule: 1/T, 1/T²)."),
                    Check(name: "tracking RMS error", metric: "tracking_error_rms", unit: "rad", comparison: .below,
                          threshold: 1e-3, points: 5,
                          hint: "τ = M(q) (q̈* + Kp e + Kd ė) + h(q, q̇): the feedforward carries the motion."),
                    Check(name: "torque saturation", metric: "torque_saturation_fraction", unit: "of ticks",
                          comparison: .below, threshold: 1e-3, points: 2,
                          hint: "Your torques exceed the effort limits; Kp, Kd multiply accelerations, keep them moderate."),
                 ]),
        Exercise(number: 5, folder: "05-dls-ik", title: "Damped-least-squares inverse kinematics",
                 studentFile: "DampedLeastSquaresIK.swift", weight: 2, checks: [
                    Check(name: "end-effector error (3 targets)", metric: "ee_error_max", unit: "m", comparison: .below,
                          threshold: 0.005, points: 7,
                          hint: "Iterate Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ e with e = p* − p(q) until ‖e‖ is tiny."),
                    Check(name: "within joint limits", metric: "joint_limit_violation", unit: "rad", comparison: .below,
                          threshold: 1e-9, points: 3,
                          hint: "Clamp q to model.lowerLimits…model.upperLimits after each step."),
                 ]),
        Exercise(number: 6, folder: "06-cartpole-lqr", title: "Cart-pole balance with LQR",
                 studentFile: "CartPoleLQR.swift", weight: 3, checks: [
                    Check(name: "never falls", metric: "max_tilt", unit: "°", comparison: .below, threshold: 30, points: 4,
                          hint: "Linearize at the upright equilibrium, then solve the Riccati equation for K."),
                    Check(name: "balanced at the end", metric: "final_tilt", unit: "°", comparison: .below,
                          threshold: 0.5, points: 3,
                          hint: "u = −K x must drive every state to 0, including the pole rate."),
                    Check(name: "cart back home", metric: "final_cart_offset", unit: "m", comparison: .below,
                          threshold: 0.05, points: 2,
                          hint: "Weight the cart position in Q, or the cart drifts away."),
                    Check(name: "force saturation", metric: "torque_saturation_fraction", unit: "of ticks",
                          comparison: .below, threshold: 0.05, points: 1,
                          hint: "Raise R to ask for smaller forces (the limit is 100 N)."),
                 ]),
        Exercise(number: 7, folder: "07-imu-tilt", title: "IMU tilt estimation with a complementary filter",
                 studentFile: "ComplementaryFilter.swift", weight: 2, checks: [
                    Check(name: "tilt error RMS", metric: "tilt_error_rms", unit: "°", comparison: .below,
                          threshold: 1, points: 6,
                          hint: "Blend φ ← α (φ + φ̇ Δt) + (1 − α) φ_acc with α = τ/(τ + Δt), τ ≈ 0.1–0.5 s."),
                    Check(name: "tilt error max", metric: "tilt_error_max", unit: "°", comparison: .below,
                          threshold: 3, points: 4,
                          hint: "Gyro-only estimates drift with the bias; accelerometer-only ones are noisy: fuse both."),
                 ]),
        Exercise(number: 8, folder: "08-humanoid-balance", title: "Humanoid balance under pushes",
                 studentFile: "BalanceController.swift", weight: 3, checks: [
                    Check(name: "largest shove survived", metric: "largest_push_survived", unit: "N for 0.1 s",
                          comparison: .above, threshold: 150, points: 4,
                          hint: "Feed the capture point ξ = c + ċ/ω back: ankle torques that put the CoP at ξ + k (ξ − ξ*), clamped to the sole."),
                    Check(name: "never falls (all five shoves)", metric: "falls", unit: "falls", comparison: .below,
                          threshold: 0.5, points: 3,
                          hint: "Soften the ankles so the feet stay flat, damp the rocking with ċ, and add the hip strategy for the rest."),
                    Check(name: "upright at the end", metric: "final_tilt", unit: "°", comparison: .below,
                          threshold: 3, points: 1,
                          hint: "Bring the pelvis back level after each shove: keep the posture PD, and keep both feet flat."),
                    Check(name: "torque saturation", metric: "torque_saturation_worst_joint", unit: "of ticks (worst joint)",
                          comparison: .below, threshold: 0.02, points: 2,
                          hint: "A stiff, damped ankle chatters when a foot lifts (the foot is light): lower the ankle kd, bound the balance terms."),
                 ], timeLimit: 60),
        Exercise(number: 9, folder: "09-humanoid-walk", title: "Make the humanoid walk: ZMP preview control",
                 studentFile: "ZMPPreview.swift", weight: 3, checks: [
                    Check(name: "preview gains", metric: "gain_error", unit: "relative", comparison: .below,
                          threshold: 1e-3, points: 2,
                          hint: "Iterate the DARE of the augmented system [e; Δx] until P stops changing, then G_i, G_x = B̃ᵀPÃ/s and G_p(j) from X(j) = A_cᵀX(j−1); use the setup's Q_e and R."),
                    Check(name: "planned ZMP follows the reference", metric: "planned_zmp_error_rms", unit: "m",
                          comparison: .below, threshold: 0.02, points: 2,
                          hint: "Step the cart-table model with u = −G_i Σe − G_x x − Σ_{j=1..N} G_p(j) p_ref(k+j): the whole horizon lets the CoM start before each shift of the ZMP."),
                    Check(name: "walks the distance", metric: "walk_distance", unit: "m", comparison: .above,
                          threshold: 1.0, points: 2,
                          hint: "The CoM must reach each stance foot in time: a CoM that lags its ZMP reference tips the robot."),
                    Check(name: "never falls", metric: "falls", unit: "falls", comparison: .below, threshold: 0.5,
                          points: 2,
                          hint: "Return the velocities and accelerations of your trajectory, not zeros: the whole-body controller feeds them forward."),
                    Check(name: "CoM tracking", metric: "com_tracking_rms", unit: "m", comparison: .below,
                          threshold: 0.02, points: 1,
                          hint: "The robot can follow a CoM whose ZMP x − (z_c/g) ẍ stays on the stance sole: plan with the preview."),
                    Check(name: "ZMP margin", metric: "zmp_margin_min", unit: "m", comparison: .above,
                          threshold: -0.01, points: 1,
                          hint: "The measured centre of pressure left the feet (or the robot fell): plan a CoM whose ZMP stays on the soles."),
                 ], timeLimit: 240),
    ]

    /// The exercise with this number or folder name, if any.
    public static func find(_ key: String) -> Exercise? {
        if let n = Int(key) { return exercises.first { $0.number == n } }
        return exercises.first { $0.folder == key || $0.folder.dropFirst(3) == key }
    }
}

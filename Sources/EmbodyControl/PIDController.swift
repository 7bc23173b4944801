// MARK: - Joint PID with anti-windup

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Joint PID control with the derivative on the measurement and a clamped, conditionally integrated integral:
/// τᵢ = kpᵢ eᵢ + kiᵢ Iᵢ − kdᵢ q̇ᵢ, eᵢ = q*ᵢ − qᵢ, Iᵢ ≈ ∫eᵢ dt with |Iᵢ| ≤ iLimitᵢ.
///
/// Units (revolute / prismatic): kp N·m/rad (N/m), ki N·m/(rad·s) (N/(m·s)), kd N·m·s/rad (N·s/m),
/// I and iLimit rad·s (m·s), torque limits N·m (N).
///
/// Each tick the integral is first advanced by backward Euler, I⁺ = I + e Δt, and then:
/// - anti-windup (conditional integration, on by default): the step is rejected (I⁺ = I) when the
///   command computed with I⁺ exceeds the joint's torque limit and e pushes it further out
///   (e·τ > 0 with ki > 0), so the integral does not grow while the actuator is saturated;
/// - I⁺ is clamped to [−iLimit, iLimit].
/// The written torque is *not* clamped: the runtime clamps it to the effort limits, and its saturation
/// metric sees the unclamped command.
public final class PIDController: Controller {
    /// Proportional gains per joint, N·m/rad or N/m.
    public let kp: [Double]
    /// Integral gains per joint, N·m/(rad·s) or N/(m·s).
    public let ki: [Double]
    /// Derivative gains per joint, N·m·s/rad or N·s/m.
    public let kd: [Double]
    /// Torque limits per joint used by the anti-windup logic, N·m or N (infinity = none).
    public let torqueLimits: [Double]
    /// Bounds on |∫e dt| per joint, rad·s or m·s (infinity = none).
    public let integralLimits: [Double]
    /// Whether conditional integration stops the integral while the command saturates.
    public let antiWindup: Bool
    /// The cutoff in Hz of the low-pass filter on q̇, or nil when q̇ is used unfiltered.
    public let velocityFilterHz: Double?
    /// The integral state ∫e dt per joint, rad·s or m·s.
    public private(set) var integral: [Double]
    private var filter: VelocityFilter

    /// Creates a PID controller; gains, limits (positive, may be infinite) and the filter cutoff (Hz) are checked and must have one entry per joint.
    ///
    /// - Parameters:
    ///   - torqueLimits: the effort limits the runtime clamps to (N·m or N); nil means no limit, which
    ///     disables the anti-windup condition but not the integral clamp.
    ///   - integralLimits: |∫e dt| ≤ limit per joint (rad·s or m·s); nil means unbounded.
    public init(kp: [Double], ki: [Double], kd: [Double], torqueLimits: [Double]? = nil,
                integralLimits: [Double]? = nil, antiWindup: Bool = true, velocityFilterHz: Double? = nil) {
        let n = kp.count
        checkGains(kp, count: n, "kp", owner: "PIDController")
        checkGains(ki, count: n, "ki", owner: "PIDController")
        checkGains(kd, count: n, "kd", owner: "PIDController")
        let limits = torqueLimits ?? Array(repeating: .infinity, count: n)
        let iLimits = integralLimits ?? Array(repeating: .infinity, count: n)
        precondition(limits.count == n, "PIDController: torqueLimits has \(limits.count) entries, expected \(n)")
        precondition(iLimits.count == n, "PIDController: integralLimits has \(iLimits.count) entries, expected \(n)")
        for i in 0..<n {
            precondition(limits[i] > 0 && !limits[i].isNaN, "PIDController: torqueLimits[\(i)] = \(limits[i]) must be positive")
            precondition(iLimits[i] >= 0 && !iLimits[i].isNaN, "PIDController: integralLimits[\(i)] = \(iLimits[i]) must be non-negative")
        }
        self.kp = kp
        self.ki = ki
        self.kd = kd
        self.torqueLimits = limits
        self.integralLimits = iLimits
        self.antiWindup = antiWindup
        self.velocityFilterHz = velocityFilterHz
        integral = Array(repeating: 0, count: n)
        filter = VelocityFilter(count: n, cutoffHz: velocityFilterHz, owner: "PIDController")
    }

    /// Writes this tick's joint torques (N·m or N) by the law above into `tau`; allocates nothing.
    public func computeTorques(state: RobotState, reference: Reference, dt: Double, tau: inout [Double]) {
        filter.update(state.qd, dt: dt)
        for i in 0..<kp.count {
            let e = reference.q[i] - state.q[i]
            let pd = kp[i] * e - kd[i] * filter.value(i, raw: state.qd)
            var next = integral[i] + e * dt
            if antiWindup && ki[i] > 0 {
                let candidate = pd + ki[i] * next
                if abs(candidate) > torqueLimits[i] && e * candidate > 0 { next = integral[i] }
            }
            next = min(integralLimits[i], max(-integralLimits[i], next))
            integral[i] = next
            tau[i] = pd + ki[i] * next
        }
    }

    /// Zeroes the integrals and forgets the filtered velocity.
    public func reset() {
        for i in 0..<integral.count { integral[i] = 0 }
        filter.reset()
    }
}

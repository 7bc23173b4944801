// MARK: - Estimators: joint velocity and floating-base orientation
//
// Both run on delivered sensor readings, keep their state in buffers sized at creation and never allocate
// in `update`.

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Joint velocity

/// Joint velocity from positions by a finite difference followed by a first-order low-pass filter:
/// v ← v + α((q − q_prev)/dt − v), with α = dt/(dt + τ) and τ = 1/(2π·cutoff). The first update only
/// stores q (v stays 0); a cutoff of +∞ (or 0, meaning "off") gives the raw finite difference.
public final class JointVelocityFilter {
    /// The −3 dB cutoff frequency in Hz (+∞: no filtering).
    public let cutoffHz: Double
    /// The filtered velocity, rad/s or m/s (dof values).
    public private(set) var velocity: [Double]
    private var previous: [Double]
    private var initialized = false

    /// Creates a filter for `dof` joints with cutoff `cutoffHz` (> 0; +∞ or 0 disables smoothing).
    public init(dof: Int, cutoffHz: Double) throws(PerceptionError) {
        guard dof >= 0, cutoffHz >= 0 else { throw PerceptionError("the velocity filter needs dof ≥ 0 and a cutoff ≥ 0 Hz") }
        self.cutoffHz = cutoffHz
        velocity = Array(repeating: 0, count: dof)
        previous = Array(repeating: 0, count: dof)
    }

    /// Feeds joint positions `q` measured `dt` seconds after the previous ones (dt > 0).
    public func update(q: [Double], dt: Double) {
        precondition(q.count >= velocity.count, "expected \(velocity.count) joint positions")
        guard initialized else {
            for i in velocity.indices { previous[i] = q[i]; velocity[i] = 0 }
            initialized = true
            return
        }
        guard dt > 0 else { return }
        let alpha: Double
        if cutoffHz == 0 || cutoffHz == .infinity {
            alpha = 1
        } else {
            let tau = 1 / (2 * Double.pi * cutoffHz)
            alpha = dt / (dt + tau)
        }
        for i in velocity.indices {
            let raw = (q[i] - previous[i]) / dt
            velocity[i] += alpha * (raw - velocity[i])
            previous[i] = q[i]
        }
    }

    /// Forgets the history: the next update only stores q.
    public func reset() {
        initialized = false
        for i in velocity.indices { velocity[i] = 0 }
    }
}

// MARK: - Orientation: complementary filter

/// Gains of the orientation filter.
public struct ComplementaryFilterGains: Equatable, Sendable {
    /// Proportional gain on the tilt error, 1/s: the crossover between gyro and accelerometer is about
    /// kP/(2π) Hz; tilt errors decay as e^(−kP·t).
    public var proportional: Double = 2.0
    /// Integral gain on the tilt error, 1/s², which estimates the gyro bias about horizontal axes (0: off);
    /// with kP the bias error decays with time constant 2/(kP − √(kP² − 4kI)) s (3.4 s for the defaults).
    public var integral: Double = 0.5
    /// The bias estimate integrates only while the tilt error is below this, rad, so that a large initial
    /// error is not mistaken for bias.
    public var biasErrorLimit: Double = 0.05
    /// The accelerometer corrects only when | |f| − g | ≤ gate·g, so that accelerating motion is not read as tilt.
    public var accelerationGate: Double = 0.1
    /// Gravity's magnitude g in m/s².
    public var gravity: Double = 9.81

    /// Creates the default gains: kP = 2 /s, kI = 0.5 /s², bias limit 0.05 rad, gate 10 %, g = 9.81 m/s².
    public init() {}
}

/// Orientation of an IMU frame (and so of the body it is on) from gyroscope and accelerometer, by a
/// nonlinear complementary filter on SO(3) (Mahony, Hamel and Pflimlin, 2008):
///
///     v̂ = R̂ᵀ e_z                       (the world's up, predicted in the IMU frame)
///     e = (f/|f|) × v̂                  (the tilt error; used only when | |f| − g | ≤ gate·g)
///     b̂ ← b̂ − kI·e·dt                 (gyro bias estimate; only while |e| ≤ biasErrorLimit)
///     R̂ ← R̂ · Exp((ω − b̂ + kP·e)·dt)
///
/// The gyro is trusted above kP/(2π) Hz and the accelerometer's tilt below it. Yaw is not observed: it
/// follows the gyro and drifts at the vertical component of the uncorrected gyro bias.
public final class ComplementaryFilter {
    /// The gains.
    public let gains: ComplementaryFilterGains
    /// The estimated orientation of the IMU frame in the world (IMU → world).
    public private(set) var orientation: Quaternion = .identity
    /// The estimated gyro bias in rad/s, IMU frame.
    public private(set) var gyroBias: Vector3 = .zero
    /// Whether the last update used the accelerometer.
    public private(set) var accelerometerUsed = false

    /// Creates a filter at the identity orientation; gains must be finite and ≥ 0, g > 0.
    public init(gains: ComplementaryFilterGains = ComplementaryFilterGains()) throws(PerceptionError) {
        guard gains.proportional >= 0, gains.integral >= 0, gains.accelerationGate >= 0, gains.gravity > 0,
              gains.biasErrorLimit >= 0,
              gains.proportional.isFinite, gains.integral.isFinite, gains.gravity.isFinite else {
            throw PerceptionError("complementary filter gains must be finite and ≥ 0, and g > 0")
        }
        self.gains = gains
    }

    /// Restarts from a known orientation (IMU → world) with zero bias estimate.
    public func reset(orientation: Quaternion) {
        self.orientation = orientation.normalizedOrIdentity
        gyroBias = .zero
    }

    /// Restarts with the roll and pitch that make the measured specific force `f` (IMU frame, at rest) point up
    /// and the given yaw (rad), in the URDF convention R = Rz(yaw)·Ry(pitch)·Rx(roll), with
    /// roll = atan2(f_y, f_z) and pitch = atan2(−f_x, √(f_y² + f_z²)); zero bias estimate.
    public func reset(specificForce f: Vector3, yaw: Double = 0) {
        gyroBias = .zero
        guard length(f) > 0, length(f).isFinite else { orientation = Quaternion(axis: Vector3(0, 0, 1), angle: yaw); return }
        let roll = atan2(f.y, f.z)
        let pitch = atan2(-f.x, (f.y * f.y + f.z * f.z).squareRoot())
        orientation = Quaternion(rpy: Vector3(roll, pitch, yaw)).normalizedOrIdentity
    }

    /// Advances by `dt` s with a gyro reading `angularVelocity` (rad/s) and an accelerometer reading
    /// `specificForce` (m/s²), both in the IMU frame.
    public func update(angularVelocity: Vector3, specificForce: Vector3, dt: Double) {
        guard dt > 0, dt.isFinite else { return }
        var correction = Vector3.zero
        let n = length(specificForce)
        accelerometerUsed = n > 0 && n.isFinite && abs(n - gains.gravity) <= gains.accelerationGate * gains.gravity
        if accelerometerUsed {
            let predictedUp = orientation.inverseRotate(Vector3(0, 0, 1))
            let error = cross(specificForce / n, predictedUp)
            if gains.integral > 0 && length(error) <= gains.biasErrorLimit { gyroBias -= gains.integral * error * dt }
            correction = gains.proportional * error
        }
        let omega = angularVelocity - gyroBias + correction
        orientation = (orientation * Quaternion(rotationVector: omega * dt)).normalizedOrIdentity
    }

    /// The orientation of a body whose IMU is mounted at `mount` (IMU frame in the body frame): R̂ · mountᵀ.
    public func bodyOrientation(mount: Transform) -> Quaternion {
        (orientation * mount.rotation.conjugate).normalizedOrIdentity
    }

    /// The estimated roll, pitch and yaw in rad (URDF convention) of the IMU frame.
    public var rpy: Vector3 { orientation.rpy }
}

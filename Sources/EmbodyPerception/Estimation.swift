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

// MARK: - Floating base: IMU + leg kinematics (contact-aided odometry)

/// A point of a foot that is still while the foot bears weight (a sole's centre), for leg odometry.
public struct FootContactPoint: Equatable, Sendable {
    /// The foot link, in the numbering of the `RobotDynamics` the estimator is given.
    public var link: Int
    /// The point in the link's frame, m.
    public var point: Vector3

    /// Creates a contact point `point` (m, link frame) on link `link`.
    public init(link: Int, point: Vector3) {
        self.link = link
        self.point = point
    }
}

/// Gains and thresholds of `LegOdometryEstimator`.
public struct LegOdometryGains: Equatable, Sendable {
    /// λ in rad/s: without the kinematic-velocity pull (k_w = 0) the position, velocity and tilt errors decay with the
    /// triple pole s = −λ, so the kinematics are trusted below about λ/(2π) Hz and the IMU above. k_p = 3λ (1/s), k_v = 3λ² (1/s²), k_θ = λ³/g (rad/(m·s)).
    public var bandwidth: Double = 3
    /// k_b in rad/(m·s²): the gyro-bias estimate integrates the tilt correction (0: off).
    public var biasGain: Double = 0.5
    /// μ in rad/s: the yaw error against the stance feet's headings decays as a critically damped second-order
    /// system with both poles at −μ: k_ψ = 2μ (1/s) on the yaw error and k_ψb = μ² (1/s²) into the gyro's
    /// vertical bias (0: yaw follows the gyro alone).
    public var yawBandwidth: Double = 1
    /// A planted foot whose heading disagrees with the estimate by more than this, rad, is twisting on the ground:
    /// its heading anchor is re-latched from the estimate (the gyro bridges the twist) instead of correcting it.
    public var twistLimit: Double = 0.003
    /// k_w in 1/s: the velocity estimate is also pulled towards the planted feet's kinematic velocity at this rate, so
    /// that an accelerometer sample taken during a foot's impact (held for a whole IMU period) is not integrated
    /// into a lasting velocity error (0: off).
    public var kinematicVelocityGain: Double = 10
    /// k_θw in rad/(m/s)/s: the kinematic velocity's disagreement also corrects the tilt (the pull above hides a
    /// tilt's acceleration error from the position loop); with k_w, the poles of that loop solve s² + k_w s + g k_θw.
    public var velocityTiltGain: Double = 0.3
    /// A foot becomes a stance foot when its normal force reaches this, N, and stops being one below half of it.
    public var contactForce: Double = 30
    /// For this long after a foot lands, s, its anchor follows it (re-latched every update) and it does not
    /// correct the estimate: a landing foot still sinks into the ground and rocks onto its sole.
    public var settleTime: Double = 0.08
    /// Gravity's magnitude g in m/s² (gravity is −g e_z in the world).
    public var gravity: Double = 9.81

    /// The defaults: λ = 3 rad/s, k_b = 0.5 rad/(m·s²), μ = 1 rad/s, twist limit 0.003 rad, k_w = 10 /s,
    /// k_θw = 0.3 rad/(m/s)/s, 30 N, 0.08 s settling, g = 9.81 m/s².
    public init() {}
}

/// The floating base's orientation, position and velocity from an IMU on the base, joint encoders and foot
/// contact: inertial navigation corrected by contact-aided leg odometry (after the legged-robot filters of
/// Bloesch et al., 2013, "State estimation for legged robots", in complementary-filter form).
///
/// State: the IMU frame's orientation R̂ (IMU → world), the IMU point's world position p̂ (m) and velocity v̂ (m/s),
/// and the gyro bias b̂ (rad/s, IMU frame). Per IMU sample (gyro ω, specific force f, both IMU frame; dt s):
///
///     â = R̂ f − g e_z                                   (the IMU point's acceleration, world, m/s²)
///     p̂ ← p̂ + v̂ dt + ½ â dt²,   v̂ ← v̂ + â dt,   R̂ ← R̂ Exp((ω − b̂) dt)            (prediction)
///     r_k = R̂ R_mᵀ (FK_k(q) − t_m)                       (foot k's contact point from the IMU, world; q: encoders)
///     a_k = p̄ + r_k   from when foot k's normal force reaches F_c until it has settled for T_s (its anchor;
///                     released when the force falls below F_c/2); p̄ is where the planted feet put the IMU
///                     (the e below plus p̂), or p̂ when no foot is planted: the anchors form a kinematic chain;
///                     with a known ground, a_k's height is the ground's under it
///     e = Σ_k F_k (a_k − r_k) / Σ_k F_k − p̂              (over settled stance feet: where the kinematics put the IMU)
///     p̂ ← p̂ + k_p e dt,   v̂ ← v̂ + k_v e dt + k_w dt (v_kin − v̂)                      (correction)
///     σ = e_z × e,   R̂ ← Exp(k_θ σ dt) R̂,   b̂ ← b̂ − k_b R̂ᵀ σ dt
///     R̂ ← Exp(k_θw (e_z × (v_kin − v̂)) dt) R̂
///
/// where v_kin = −Σ_k F_k ṙ_k / Σ_k F_k (ṙ_k by difference between updates, over feet planted in both) is the
/// velocity the planted feet's kinematics give the IMU. (R_m, t_m) is the IMU mount in the base frame and FK_k the
/// base-frame position of foot k's contact point.
/// A tilt error φ (R̂ = Exp(φ) R) puts g φ × e_z into â, which the double integration turns into a horizontal
/// position error against the stance feet; feeding e_z × e back into the tilt closes a third-order loop with
/// characteristic polynomial s³ + k_p s² + k_v s + g k_θ = (s + λ)³ (the tilt also moves the measured position through
/// the lever arm r_k, a direct correction on top that speeds the start). Yaw, which gravity does not observe, is held
/// by the planted feet's headings: a foot's world orientation Q_k = R̂ R_mᵀ R_k(q) is latched with its anchor, and
///
///     ψ = Σ_k F_k [rotvec(Q_k R_k(q)ᵀ R_m R̂ᵀ)]_z / Σ_k F_k,   R̂ ← Exp(2μ ψ dt e_z) R̂,   b̂ ← b̂ − μ² ψ dt R̂ᵀ e_z
///
/// (R_k(q): foot k's orientation in the base frame), so the gyro's vertical bias is estimated too; a foot whose |ψ_k|
/// exceeds the twist limit is re-anchored from the estimate instead. Unlike a gravity-referenced complementary filter, sustained accelerations (walking's sway, starts and stops) are not mistaken for tilt: the IMU and the
/// kinematics agree about them. Position and heading drift only by what the feet do while planted (slip,
/// rocking) and by the error latched with each landing. Without a stance foot the estimate is the IMU's dead
/// reckoning. Allocation-free after `init`; deterministic.
public final class LegOdometryEstimator {
    /// The gains.
    public let gains: LegOdometryGains
    /// The feet's contact points.
    public let feet: [FootContactPoint]
    /// The IMU frame in the base frame.
    public let mount: Transform
    private let kinematics: any RobotDynamics
    /// The known ground height under a horizontal point (x, y), m, or nil: landing feet then take their height
    /// from the estimate.
    public let groundHeight: (@Sendable (Double, Double) -> Double)?
    /// The IMU frame's estimated orientation in the world (IMU → world).
    public private(set) var orientation: Quaternion = .identity
    /// The IMU point's estimated position (m) and velocity (m/s), world frame.
    public private(set) var imuPosition: Vector3 = .zero
    public private(set) var imuVelocity: Vector3 = .zero
    /// The estimated gyro bias, rad/s, IMU frame.
    public private(set) var gyroBias: Vector3 = .zero
    /// The last bias-corrected angular velocity ω − b̂, rad/s, IMU frame.
    public private(set) var angularVelocity: Vector3 = .zero
    /// Whether each foot is a stance foot (its anchor is in use).
    public private(set) var inStance: [Bool]
    /// How long each stance foot has been down, s.
    public private(set) var stanceTime: [Double]
    /// Each foot's anchor: where its contact point was put in the world when it landed, m.
    public private(set) var anchors: [Vector3]
    /// Each foot's heading anchor: the foot link's world orientation when it landed.
    public private(set) var anchorOrientations: [Quaternion]
    /// Each foot's contact point relative to the IMU at the last update, m, world frame.
    public private(set) var relative: [Vector3]
    private var footInImu: [Quaternion]
    private let identityBase = Transform.identity

    /// An estimator for `feet` on the robot whose forward kinematics `kinematics` gives (its `linkPose` at the
    /// identity base pose), with the IMU mounted at `mount` on the base. Gains must be finite, λ > 0, k_b ≥ 0,
    /// F_c > 0 and g > 0; feet must be links of `kinematics`.
    public init(gains: LegOdometryGains = LegOdometryGains(), feet: [FootContactPoint], kinematics: any RobotDynamics,
                mount: Transform = .identity,
                groundHeight: (@Sendable (Double, Double) -> Double)? = nil) throws(PerceptionError) {
        guard gains.bandwidth > 0, gains.bandwidth.isFinite, gains.biasGain >= 0, gains.biasGain.isFinite,
              gains.yawBandwidth >= 0, gains.yawBandwidth.isFinite,
              gains.twistLimit > 0, gains.twistLimit.isFinite,
              gains.kinematicVelocityGain >= 0, gains.kinematicVelocityGain.isFinite,
              gains.velocityTiltGain >= 0, gains.velocityTiltGain.isFinite,
              gains.contactForce > 0, gains.contactForce.isFinite,
              gains.settleTime >= 0, gains.settleTime.isFinite, gains.gravity > 0, gains.gravity.isFinite else {
            throw PerceptionError("leg odometry needs a finite bandwidth > 0 rad/s, bias gain ≥ 0, contact force > 0 N and g > 0")
        }
        guard !feet.isEmpty else { throw PerceptionError("leg odometry needs at least one foot") }
        for f in feet where f.link < 0 || !(f.point.x.isFinite && f.point.y.isFinite && f.point.z.isFinite) {
            throw PerceptionError("leg odometry: foot link \(f.link) or its contact point is invalid")
        }
        self.gains = gains
        self.feet = feet
        self.kinematics = kinematics
        self.mount = mount
        self.groundHeight = groundHeight
        inStance = Array(repeating: false, count: feet.count)
        stanceTime = Array(repeating: 0, count: feet.count)
        anchors = Array(repeating: .zero, count: feet.count)
        anchorOrientations = Array(repeating: .identity, count: feet.count)
        footInImu = Array(repeating: .identity, count: feet.count)
        relative = Array(repeating: .zero, count: feet.count)
    }

    /// k_p = 3λ, k_v = 3λ², k_θ = λ³/g.
    public var positionGain: Double { 3 * gains.bandwidth }
    public var velocityGain: Double { 3 * gains.bandwidth * gains.bandwidth }
    public var tiltGain: Double { gains.bandwidth * gains.bandwidth * gains.bandwidth / gains.gravity }

    /// Restarts from a known base pose and twist (world frame; the base origin's velocity, m/s, and the angular
    /// velocity, rad/s), with no stance foot and zero bias estimate.
    public func reset(basePose: Transform, baseLinearVelocity: Vector3 = .zero, baseAngularVelocity: Vector3 = .zero) {
        orientation = (basePose.rotation * mount.rotation).normalizedOrIdentity
        let lever = basePose.rotation.rotate(mount.position)
        imuPosition = basePose.position + lever
        imuVelocity = baseLinearVelocity + cross(baseAngularVelocity, lever)
        angularVelocity = orientation.inverseRotate(baseAngularVelocity)
        gyroBias = .zero
        for k in feet.indices {
            inStance[k] = false; stanceTime[k] = 0; anchors[k] = .zero; anchorOrientations[k] = .identity
        }
    }

    /// Advances by `dt` s with a gyro reading (rad/s) and an accelerometer reading (m/s²), IMU frame; joint
    /// positions `q` (the encoders) and each foot's normal force `footNormalForce` (N, in `feet` order).
    public func update(angularVelocity omega: Vector3, specificForce f: Vector3, q: [Double],
                       footNormalForce: [Double], dt: Double) {
        guard dt > 0, dt.isFinite else { return }
        precondition(footNormalForce.count >= feet.count, "expected \(feet.count) foot forces")
        // Prediction: strapdown inertial navigation.
        let rate = omega - gyroBias
        let acceleration = orientation.rotate(f) - Vector3(0, 0, gains.gravity)
        if isFinite(rate) && isFinite(acceleration) {
            angularVelocity = rate
            imuPosition += imuVelocity * dt + 0.5 * dt * dt * acceleration
            imuVelocity += acceleration * dt
            orientation = (orientation * Quaternion(rotationVector: rate * dt)).normalizedOrIdentity
        }
        // The feet's contact points relative to the IMU, world frame; an anchor is latched when a foot lands and
        // released when it unloads.
        var weight = 0.0, measured = Vector3.zero, yawError = 0.0
        var velocityWeight = 0.0, kinematicVelocity = Vector3.zero
        for k in feet.indices {
            let wasSettled = inStance[k] && stanceTime[k] >= gains.settleTime
            let previous = relative[k]
            let footPose = kinematics.linkPose(link: feet[k].link, q: q, basePose: identityBase)
            let foot = footPose.apply(feet[k].point)
            let r = orientation.rotate(mount.rotation.inverseRotate(foot - mount.position))
            relative[k] = r
            // The foot link's orientation relative to the IMU frame.
            footInImu[k] = mount.rotation.conjugate * footPose.rotation
            let force = footNormalForce[k]
            if !inStance[k] && force >= gains.contactForce {
                inStance[k] = true
                stanceTime[k] = 0
            } else if inStance[k] && !(force >= 0.5 * gains.contactForce) {
                inStance[k] = false
            } else if inStance[k] {
                stanceTime[k] += dt
            }
            if inStance[k] && stanceTime[k] >= gains.settleTime && force.isFinite {
                weight += force
                measured += force * (anchors[k] - r)
                if wasSettled {   // the IMU moves against a planted foot: v = −ṙ_k
                    velocityWeight += force
                    kinematicVelocity -= force * (r - previous) / dt
                }
                // The IMU orientation the planted foot implies, against the estimate: its vertical part.
                let implied = anchorOrientations[k] * footInImu[k].conjugate
                let psi = (implied * orientation.conjugate).rotationVector.z
                if abs(psi) <= gains.twistLimit {
                    yawError += force * psi
                } else {
                    anchorOrientations[k] = (orientation * footInImu[k]).normalizedOrIdentity
                }
            }
        }
        // A landing foot's anchor follows it while it settles: from the pose the planted feet imply (a kinematic
        // chain from foot to foot), or from the estimate when no foot is planted.
        let planted = weight > 0 && weight.isFinite
        let impliedPosition = planted ? measured / weight : imuPosition
        let impliedOrientation = planted ? Quaternion(rotationVector: Vector3(0, 0, yawError / weight)) * orientation
                                         : orientation
        for k in feet.indices where inStance[k] && stanceTime[k] < gains.settleTime {
            anchors[k] = impliedPosition + relative[k]
            if let groundHeight {
                let z = groundHeight(anchors[k].x, anchors[k].y)
                if z.isFinite { anchors[k].z = z }
            }
            anchorOrientations[k] = (impliedOrientation * footInImu[k]).normalizedOrIdentity
        }
        guard weight > 0, weight.isFinite else { return }
        let psi = yawError / weight
        if gains.yawBandwidth > 0 && psi.isFinite {
            let mu = gains.yawBandwidth
            orientation = (Quaternion(rotationVector: Vector3(0, 0, 2 * mu * psi * dt)) * orientation).normalizedOrIdentity
            gyroBias -= mu * mu * psi * dt * orientation.inverseRotate(Vector3(0, 0, 1))
        }
        let error = measured / weight - imuPosition
        guard isFinite(error) else { return }
        if velocityWeight > 0 && gains.kinematicVelocityGain > 0 {
            let v = kinematicVelocity / velocityWeight
            if isFinite(v) {
                let innovation = v - imuVelocity
                imuVelocity += min(1, gains.kinematicVelocityGain * dt) * innovation
                let sigmaV = cross(Vector3(0, 0, 1), innovation)
                orientation = (Quaternion(rotationVector: gains.velocityTiltGain * dt * sigmaV)
                               * orientation).normalizedOrIdentity
            }
        }
        imuPosition += positionGain * dt * error
        imuVelocity += velocityGain * dt * error
        let sigma = cross(Vector3(0, 0, 1), error)
        orientation = (Quaternion(rotationVector: tiltGain * dt * sigma) * orientation).normalizedOrIdentity
        if gains.biasGain > 0 { gyroBias -= gains.biasGain * dt * orientation.inverseRotate(sigma) }
    }

    private func isFinite(_ v: Vector3) -> Bool { v.x.isFinite && v.y.isFinite && v.z.isFinite }

    /// The base link frame's estimated pose in the world.
    public var basePose: Transform {
        let rotation = (orientation * mount.rotation.conjugate).normalizedOrIdentity
        return Transform(position: imuPosition - rotation.rotate(mount.position), rotation: rotation)
    }

    /// The base link frame's pose predicted `ahead` s (≥ 0) past the last update at the estimated base velocities,
    /// held constant: p_B + v_B τ and Exp(ω τ) R_B (world frame, τ = `ahead`). The runtime reads the estimate at
    /// every control tick but updates it once per IMU sample, one or more ticks old; unpredicted, the estimate
    /// would stand still between samples and jump at each, and a velocity taken from its differences would ripple
    /// by about the walking speed times the differencing filter's gain.
    public func basePose(predictedAhead ahead: Double) -> Transform {
        let pose = basePose
        guard ahead > 0, ahead.isFinite else { return pose }
        let omega = baseAngularVelocity
        let v = baseLinearVelocity
        guard isFinite(omega), isFinite(v) else { return pose }
        return Transform(position: pose.position + v * ahead,
                         rotation: (Quaternion(rotationVector: omega * ahead) * pose.rotation).normalizedOrIdentity)
    }

    /// The base's estimated angular velocity, rad/s, world frame.
    public var baseAngularVelocity: Vector3 { orientation.rotate(angularVelocity) }

    /// The base origin's estimated linear velocity, m/s, world frame: v̂ − ω̂ × (R̂_B t_m).
    public var baseLinearVelocity: Vector3 {
        let rotation = orientation * mount.rotation.conjugate
        return imuVelocity - cross(baseAngularVelocity, rotation.rotate(mount.position))
    }
}

import EmbodyModel
@testable import EmbodyPerception
import Foundation
import Testing

// MARK: - LegOdometryEstimator against an analytic walking base
//
// The truth is written in closed form: a base that walks forward at 0.5 m/s with the sideways sway, bounce and
// rocking of a humanoid's pelvis (0.55 s steps), two flat feet planted alternately on footholds, 20 % double support.
// The IMU readings are the exact specific force Rᵀ(a − g) and angular velocity plus bias and white noise, and the
// "encoders" hand the estimator each foot's exact pose in the base frame through `FootPoseKinematics`.

/// Forward kinematics for the tests: q holds each foot's pose in the base frame (x, y, z, qx, qy, qz, qw), link k + 1
/// is foot k. Only `linkPose` is meaningful; the estimator uses nothing else.
final class FootPoseKinematics: RobotDynamics {
    let feet: Int
    init(feet: Int) { self.feet = feet }
    var dof: Int { 7 * feet }
    var floatingBase: Bool { true }
    var nv: Int { dof + 6 }
    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        let i = 7 * (link - 1)
        let local = Transform(position: Vector3(q[i], q[i + 1], q[i + 2]),
                              rotation: Quaternion(x: q[i + 3], y: q[i + 4], z: q[i + 5], w: q[i + 6]))
        return basePose * local
    }
    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) { for i in out.indices { out[i] = 0 } }
    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) { for i in out.indices { out[i] = 0 } }
    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) { for i in out.indices { out[i] = 0 } }
    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        for i in out.indices { out[i] = 0 }
    }
}

/// A walking base in closed form, its feet and what an IMU on it reads.
struct AnalyticWalk {
    var speed = 0.5, stepTime = 0.55, doubleSupport = 0.2, width = 0.2, height = 0.85
    var sway = 0.05, bounce = 0.01, roll = 0.03, pitch = 0.02, yaw = 0.2
    /// A foot twisting about its vertical axis while planted: (foot, start s, end s, angle rad).
    var twist: (foot: Int, start: Double, end: Double, angle: Double)? = nil
    let g = 9.81
    var omega: Double { Double.pi / stepTime }

    func position(_ t: Double) -> Vector3 {
        let local = Vector3(speed * t, sway * sin(omega * t), height + bounce * cos(2 * omega * t))
        return Quaternion(axis: Vector3(0, 0, 1), angle: yaw).rotate(local)
    }
    func acceleration(_ t: Double) -> Vector3 {
        let w = omega
        let local = Vector3(0, -sway * w * w * sin(w * t), -4 * bounce * w * w * cos(2 * w * t))
        return Quaternion(axis: Vector3(0, 0, 1), angle: yaw).rotate(local)
    }
    func velocity(_ t: Double) -> Vector3 {
        let w = omega
        let local = Vector3(speed, sway * w * cos(w * t), -2 * bounce * w * sin(2 * w * t))
        return Quaternion(axis: Vector3(0, 0, 1), angle: yaw).rotate(local)
    }
    func orientation(_ t: Double) -> Quaternion {
        Quaternion(rpy: Vector3(roll * sin(omega * t), pitch * sin(2 * omega * t + 0.3), yaw))
    }
    /// Body-frame angular velocity by a central difference of the orientation (h = 1e-5 s; error ~1e-10 rad/s).
    func angularVelocity(_ t: Double) -> Vector3 {
        let h = 1e-5
        return (orientation(t - h).conjugate * orientation(t + h)).rotationVector / (2 * h)
    }
    /// Where foot k stands after c swings, m.
    func foothold(_ c: Int, foot k: Int) -> Vector3 {
        let local = Vector3(c == 0 ? 0 : speed * stepTime * Double(2 * c - 1 + k), (k == 0 ? 1.0 : -1.0) * width / 2, 0)
        return Quaternion(axis: Vector3(0, 0, 1), angle: yaw).rotate(local)
    }

    /// Foot k's world pose and normal force (N). Each step (stepTime s) starts with a double support in which the
    /// foot about to swing unloads (500 N → 0) and the other loads, then one foot swings: foot 0 on even steps,
    /// foot 1 on odd ones. After c swings foot k stands at x = speed·stepTime·(2c − 1 + k) (0 before its first).
    func foot(_ k: Int, _ t: Double) -> (pose: Transform, force: Double) {
        let n = Int((t / stepTime).rounded(.down))
        let phase = t / stepTime - Double(n)
        let swinging = n % 2 == k
        let completed = k == 0 ? (n + 1) / 2 : n / 2
        let yawQ = Quaternion(axis: Vector3(0, 0, 1), angle: yaw)
        var rotation = yawQ
        if let twist, twist.foot == k, t >= twist.start {
            let s = min(1, (t - twist.start) / (twist.end - twist.start))
            rotation = Quaternion(axis: Vector3(0, 0, 1), angle: yaw + twist.angle * s)
        }
        let planted = foothold(completed, foot: k)
        if phase < doubleSupport {
            let s = phase / doubleSupport
            return (Transform(position: planted, rotation: rotation), swinging ? 500 * (1 - s) : 500 * s)
        }
        guard swinging else { return (Transform(position: planted, rotation: rotation), 500) }
        // In the air: along a straight line to the next foothold, 5 cm up at mid-swing (unloaded: not used).
        let s = (phase - doubleSupport) / (1 - doubleSupport)
        let p = planted + (foothold(completed + 1, foot: k) - planted) * s + Vector3(0, 0, 0.05 * sin(Double.pi * s))
        return (Transform(position: p, rotation: rotation), 0)
    }
}

/// Runs `estimator` (and optionally a complementary filter) on the analytic walk for `seconds` at `dt` (the IMU rate),
/// returning the worst tilt (rad), heading (rad), position (m) and velocity (m/s) errors after `settle` s.
struct WalkRun {
    var tilt = 0.0, heading = 0.0, position = 0.0, velocity = 0.0, complementaryTilt = 0.0
}

func runAnalyticWalk(_ walk: AnalyticWalk, estimator: LegOdometryEstimator, seconds: Double, dt: Double = 0.002,
                     gyroBias: Vector3 = .zero, gyroNoise: Double = 0, accelNoise: Double = 0, seed: UInt64 = 1,
                     settle: Double = 1, initialOrientationError: Quaternion = .identity,
                     complementary: ComplementaryFilter? = nil) -> WalkRun {
    var random = RandomStream(seed: seed)
    var q = [Double](repeating: 0, count: 14), forces = [0.0, 0.0]
    let start = Transform(position: walk.position(0), rotation: initialOrientationError * walk.orientation(0))
    estimator.reset(basePose: start, baseLinearVelocity: walk.velocity(0))
    complementary?.reset(orientation: walk.orientation(0))
    var result = WalkRun()
    let ticks = Int((seconds / dt).rounded())
    for n in 1...ticks {
        let t = Double(n) * dt
        let r = walk.orientation(t), p = walk.position(t)
        func noise(_ s: Double) -> Vector3 { Vector3(random.normal() * s, random.normal() * s, random.normal() * s) }
        let f = r.inverseRotate(walk.acceleration(t) - Vector3(0, 0, -walk.g)) + noise(accelNoise)
        let w = walk.angularVelocity(t) + gyroBias + noise(gyroNoise)
        for k in 0..<2 {
            let foot = walk.foot(k, t)
            let local = Transform(position: r.inverseRotate(foot.pose.position - p), rotation: r.conjugate * foot.pose.rotation)
            q[7 * k] = local.position.x; q[7 * k + 1] = local.position.y; q[7 * k + 2] = local.position.z
            q[7 * k + 3] = local.rotation.x; q[7 * k + 4] = local.rotation.y
            q[7 * k + 5] = local.rotation.z; q[7 * k + 6] = local.rotation.w
            forces[k] = foot.force
        }
        estimator.update(angularVelocity: w, specificForce: f, q: q, footNormalForce: forces, dt: dt)
        complementary?.update(angularVelocity: w, specificForce: f, dt: dt)
        guard t >= settle else { continue }
        let e = estimator.basePose
        result.tilt = max(result.tilt, tiltError(e.rotation, r))
        let headingError = (e.rotation * r.conjugate).rotationVector.z
        result.heading = max(result.heading, abs(headingError))
        result.position = max(result.position, length(e.position - p))
        result.velocity = max(result.velocity, length(estimator.baseLinearVelocity - walk.velocity(t)))
        if let c = complementary { result.complementaryTilt = max(result.complementaryTilt, tiltError(c.orientation, r)) }
    }
    return result
}

@Suite("Leg odometry", .serialized)
struct LegOdometryTests {
    let feet = [FootContactPoint(link: 1, point: .zero), FootContactPoint(link: 2, point: .zero)]

    @Test func walkingAccelerationsAreNotTiltButFoolTheComplementaryFilter() throws {
        // The diagnosis of walking on the complementary filter: the pelvis sways ±5 cm at the step frequency, so its
        // sideways acceleration (±0.82 m/s², 4.7° of apparent tilt) passes the |‖f‖ − g| gate and pulls the
        // gravity reference. Leg odometry sees the same accelerations in the feet's kinematics and is not fooled.
        let walk = AnalyticWalk()
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2),
                                                 groundHeight: { _, _ in 0 })
        let run = runAnalyticWalk(walk, estimator: estimator, seconds: 20, gyroBias: Vector3(0.002, -0.001, 0.001),
                                  gyroNoise: 0.005, accelNoise: 0.05, complementary: try ComplementaryFilter())
        print("analytic walk, 20 s: leg odometry tilt \(run.tilt * 180 / .pi)°, heading \(run.heading * 180 / .pi)°, "
              + "position \(run.position) m, velocity \(run.velocity) m/s; complementary filter tilt \(run.complementaryTilt * 180 / .pi)°")
        #expect(run.tilt < 0.35 * .pi / 180)
        #expect(run.heading < 0.25 * .pi / 180)
        #expect(run.position < 0.01)
        #expect(run.velocity < 0.03)
        #expect(run.complementaryTilt > 1.0 * .pi / 180)
    }

    @Test func aTiltErrorDecays() throws {
        // Standing still on one planted foot with the estimate started 3° off in roll. Without the bias integrator
        // and the settling delay the error falls to 36 % in 3 s and 1.4 % in 10 s (measured): the kinematic-velocity
        // pull hides most of a tilt's acceleration error from the position loop, so a large initial tilt is
        // corrected through k_θw's slow path. With the defaults the bias estimate also takes up part of the initial
        // error and gives it back slowly: below 0.2° after 20 s (measured 0.14°).
        var walk = AnalyticWalk()
        walk.speed = 0; walk.sway = 0; walk.bounce = 0; walk.roll = 0; walk.pitch = 0
        walk.stepTime = 1e6   // never steps: foot 0 carries 500 N for the whole run
        let phi0 = 3 * Double.pi / 180
        let start = Quaternion(rpy: Vector3(phi0, 0, 0))
        var plain = LegOdometryGains()
        plain.biasGain = 0
        plain.settleTime = 0
        for (t, bound) in [(3.0, 0.5), (10.0, 0.1)] {
            let estimator = try LegOdometryEstimator(gains: plain, feet: feet, kinematics: FootPoseKinematics(feet: 2))
            let run = runAnalyticWalk(walk, estimator: estimator, seconds: t, settle: t, initialOrientationError: start)
            print("tilt 3° at t = 0, no bias integrator: \(run.tilt / phi0) of it at \(t) s")
            #expect(run.tilt / phi0 < bound)
        }
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2))
        let run = runAnalyticWalk(walk, estimator: estimator, seconds: 20, settle: 20, initialOrientationError: start)
        print("tilt 3° at t = 0, default gains: \(run.tilt * 180 / .pi)° at 20 s")
        #expect(run.tilt < 0.2 * .pi / 180)
    }

    @Test func theGyroBiasIsEstimatedOnAllThreeAxes() throws {
        // Walking 40 s with a constant gyro bias: tilt feedback estimates the horizontal components, the planted
        // feet's headings the vertical one.
        let walk = AnalyticWalk()
        let bias = Vector3(0.004, -0.003, 0.002)
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2))
        let run = runAnalyticWalk(walk, estimator: estimator, seconds: 40, gyroBias: bias, settle: 20)
        let error = estimator.gyroBias - bias
        print("gyro bias \(bias) rad/s estimated as \(estimator.gyroBias); heading error ≤ \(run.heading * 180 / .pi)°")
        #expect(abs(error.x) < 0.0005 && abs(error.y) < 0.0005 && abs(error.z) < 0.0005)
        // Without the feet's headings the vertical bias would turn the heading by 0.002 rad/s × 20 s = 2.3°.
        #expect(run.heading < 0.2 * .pi / 180)
    }

    @Test func aFootTwistingOnTheGroundDoesNotTurnTheHeading() throws {
        // Foot 1 twists by 3° over 0.1 s while planted (a yaw slip). The gyro sees that the base did not turn, so the
        // twisting foot is re-anchored instead of dragging the heading: the error stays near the twist limit.
        var walk = AnalyticWalk()
        walk.twist = (foot: 1, start: 2.2 + 0.55 * 0.3, end: 2.2 + 0.55 * 0.3 + 0.1, angle: 3 * Double.pi / 180)
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2))
        let run = runAnalyticWalk(walk, estimator: estimator, seconds: 6, gyroNoise: 0.005, accelNoise: 0.05)
        var off = LegOdometryGains()
        off.twistLimit = 1   // rad: never re-anchors
        let trusting = try LegOdometryEstimator(gains: off, feet: feet, kinematics: FootPoseKinematics(feet: 2))
        let fooled = runAnalyticWalk(walk, estimator: trusting, seconds: 6, gyroNoise: 0.005, accelNoise: 0.05)
        print("3° foot twist: heading error \(run.heading * 180 / .pi)° (without twist detection \(fooled.heading * 180 / .pi)°)")
        #expect(run.heading < 0.3 * .pi / 180)
        #expect(fooled.heading > 1 * .pi / 180)
    }

    @Test func anImpactSampleDoesNotLeaveALastingVelocityError() throws {
        // The IMU samples the acceleration of one 1 ms physics step every 2 ms and the estimator holds it for 2 ms, so
        // a foot's impact can be integrated twice (a 240 m/s² step gives 0.48 m/s instead of 0.24). Here one sample
        // carries a spurious 240 m/s² while the feet stay planted: the kinematic velocity pulls the estimate back
        // (k_w = 10 /s: below 15 % of the jump in 0.25 s), where the position loop alone leaves 30 % or more of it.
        var walk = AnalyticWalk()
        walk.speed = 0; walk.sway = 0; walk.bounce = 0; walk.roll = 0; walk.pitch = 0; walk.stepTime = 1e6
        func residual(_ gains: LegOdometryGains) throws -> Double {
            let estimator = try LegOdometryEstimator(gains: gains, feet: feet, kinematics: FootPoseKinematics(feet: 2))
            _ = runAnalyticWalk(walk, estimator: estimator, seconds: 1)
            let foot = walk.foot(0, 1).pose, r = walk.orientation(1)
            let local = Transform(position: r.inverseRotate(foot.position - walk.position(1)), rotation: r.conjugate * foot.rotation)
            let q = [local.position.x, local.position.y, local.position.z, local.rotation.x, local.rotation.y,
                     local.rotation.z, local.rotation.w] + [Double](repeating: 0, count: 6) + [1.0]
            let still = r.inverseRotate(Vector3(0, 0, 9.81))
            estimator.update(angularVelocity: .zero, specificForce: still + Vector3(240, 0, 0), q: q,
                             footNormalForce: [500, 0], dt: 0.002)
            let jump = estimator.baseLinearVelocity.x
            for _ in 0..<125 {
                estimator.update(angularVelocity: .zero, specificForce: still, q: q, footNormalForce: [500, 0], dt: 0.002)
            }
            return estimator.baseLinearVelocity.x / jump
        }
        var without = LegOdometryGains()
        without.kinematicVelocityGain = 0
        let with = try residual(LegOdometryGains()), alone = try residual(without)
        print("a spurious 0.48 m/s velocity jump after 0.25 s: \(with) of it left (position loop alone \(alone))")
        #expect(abs(with) < 0.15)
        #expect(abs(alone) > 0.3)
    }

    /// The runtime reads the estimate at every control tick between IMU samples: `basePose(predictedAhead:)` holds
    /// the estimated velocities for τ s, p_B + v_B τ and Exp(ω τ) R_B, and on the analytic walk it is closer to the
    /// truth 2 ms after a 2 ms sample than the sample's own pose (which stands still between samples).
    @Test func thePredictedPoseMovesWithTheEstimatedVelocities() throws {
        let walk = AnalyticWalk()
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2),
                                                 groundHeight: { _, _ in 0 })
        _ = runAnalyticWalk(walk, estimator: estimator, seconds: 3)
        let pose = estimator.basePose, v = estimator.baseLinearVelocity, w = estimator.baseAngularVelocity
        let tau = 0.0015
        let predicted = estimator.basePose(predictedAhead: tau)
        #expect(length(predicted.position - (pose.position + v * tau)) < 1e-15)
        let turn = Quaternion(rotationVector: w * tau) * pose.rotation
        #expect(predicted.rotation.angle(to: turn) < 1e-12)
        #expect(length(v) > 0.3)   // walking: the prediction moves
        for bad in [0.0, -0.001, Double.nan, Double.infinity] {
            let held = estimator.basePose(predictedAhead: bad)
            #expect(held.position == pose.position && held.rotation == pose.rotation)
        }
        // Against the truth 2 ms on: the analytic walk's last sample was at t = 3 s.
        let truth = walk.position(3.002)
        let heldError = length(pose.position - truth)
        let predictedError = length(estimator.basePose(predictedAhead: 0.002).position - truth)
        #expect(predictedError < 0.5 * heldError, "predicted \(predictedError) m, held \(heldError) m")
    }

    @Test func withoutAStanceFootItDeadReckons() throws {
        // No foot bears weight: the estimate is the IMU's strapdown integration (exact readings: it stays on the truth).
        let estimator = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2))
        let start = Transform(position: Vector3(1, 2, 3), rotation: Quaternion(rpy: Vector3(0.1, 0.2, 0.3)))
        estimator.reset(basePose: start, baseLinearVelocity: Vector3(1, 0, 2))
        let q = [0, 0.1, -0.8, 0, 0, 0, 1, 0, -0.1, -0.8, 0, 0, 0, 1.0]
        // Ballistic flight: a = g, so the accelerometer reads f = 0.
        for _ in 0..<500 {
            estimator.update(angularVelocity: .zero, specificForce: .zero, q: q, footNormalForce: [0, 0], dt: 0.002)
        }
        let expected = Vector3(1, 2, 3) + Vector3(1, 0, 2) * 1.0 + 0.5 * Vector3(0, 0, -9.81)
        #expect(length(estimator.basePose.position - expected) < 1e-9)
        #expect(length(estimator.baseLinearVelocity - Vector3(1, 0, 2 - 9.81)) < 1e-9)
        #expect(estimator.inStance == [false, false])
    }

    @Test func badGainsAndFeetAreRefused() throws {
        let kinematics = FootPoseKinematics(feet: 2)
        var g = LegOdometryGains()
        g.bandwidth = 0
        #expect(throws: PerceptionError.self) { try LegOdometryEstimator(gains: g, feet: feet, kinematics: kinematics) }
        g = LegOdometryGains(); g.contactForce = .nan
        #expect(throws: PerceptionError.self) { try LegOdometryEstimator(gains: g, feet: feet, kinematics: kinematics) }
        g = LegOdometryGains(); g.twistLimit = -1
        #expect(throws: PerceptionError.self) { try LegOdometryEstimator(gains: g, feet: feet, kinematics: kinematics) }
        #expect(throws: PerceptionError.self) { try LegOdometryEstimator(feet: [], kinematics: kinematics) }
        #expect(throws: PerceptionError.self) {
            try LegOdometryEstimator(feet: [FootContactPoint(link: -1, point: .zero)], kinematics: kinematics)
        }
    }

    @Test func updateAllocatesNothingAndIsDeterministic() throws {
        let walk = AnalyticWalk()
        let a = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2), groundHeight: { _, _ in 0 })
        let b = try LegOdometryEstimator(feet: feet, kinematics: FootPoseKinematics(feet: 2), groundHeight: { _, _ in 0 })
        _ = runAnalyticWalk(walk, estimator: a, seconds: 3, gyroNoise: 0.005, accelNoise: 0.05, seed: 7)
        _ = runAnalyticWalk(walk, estimator: b, seconds: 3, gyroNoise: 0.005, accelNoise: 0.05, seed: 7)
        #expect(a.basePose == b.basePose && a.gyroBias == b.gyroBias)
        let q = [0, 0.1, -0.8, 0, 0, 0, 1, 0, -0.1, -0.8, 0, 0, 0, 1.0], forces = [250.0, 250.0]
        let n = allocations {
            for _ in 0..<1000 {
                a.update(angularVelocity: Vector3(0.01, 0, 0), specificForce: Vector3(0, 0, 9.81), q: q,
                         footNormalForce: forces, dt: 0.002)
            }
        }
        #expect(n == 0)
    }
}

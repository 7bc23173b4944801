// MARK: - Operational-space control on analytic planar arms

import EmbodyControl
import EmbodyModel
import Foundation
import Testing

@Suite("Operational-space control")
struct OperationalSpaceTests {
    let arm = TwoLinkArm()
    let three = PlanarArm(masses: [1.2, 0.9, 0.5], lengths: [0.5, 0.4, 0.3], comDistances: [0.25, 0.2, 0.15],
                          inertias: [0.03, 0.015, 0.006])

    /// The first time after which the tip stays within `tolerance` of `target`, or nil.
    func timeWithin(_ run: Trajectory, tolerance: Double, tip: ([Double]) -> Vector3, target: Vector3) -> Double? {
        var entered: Double? = nil
        for (t, q) in zip(run.times, run.q) {
            if length(tip(q) - target) <= tolerance { entered = entered ?? t } else { entered = nil }
        }
        return entered
    }

    @Test("The two-link arm's tip reaches a Cartesian target within 5 mm in under 2 s, under gravity")
    func twoLinkReachesTarget() {
        let target = arm.tip([1.1, -0.7])
        let osc = OperationalSpaceController(dynamics: arm, eeLink: 2, eePoint: Vector3(arm.l2, 0, 0),
                                             positionKp: 100, positionKd: 20, nullKp: [1, 1], nullKd: [0.5, 0.5])
        let run = simulate(arm, osc, q0: [0.2, 0.9], duration: 3, controlDt: 1e-3, substeps: 2) { _, ref in
            ref.eeTarget = Transform(position: target)
            ref.q = [0.2, 0.9]
        }
        let reached = timeWithin(run, tolerance: 0.005, tip: arm.tip, target: target)
        #expect((reached ?? .infinity) < 2, "within 5 mm from t = \(reached ?? .nan) s")
        let final = length(arm.tip(run.q.last ?? [.nan, .nan]) - target)
        #expect(final < 1e-4, "final error \(final) m")
        #expect(osc.factorizationFailures == 0)
    }

    func tip3(_ q: [Double]) -> Vector3 { three.linkPose(link: 3, q: q, basePose: .identity).apply(Vector3(0.3, 0, 0)) }

    @Test("Three-link arm: the target is reached whatever the posture, and the posture task moves only the null space")
    func threeLinkNullSpace() {
        let target = Vector3(0.55, 0.45, 0)
        var finals: [[Double]] = []
        for posture in [[0.0, 0.5, 0.5], [1.2, -0.5, -1.0]] {
            let osc = OperationalSpaceController(dynamics: three, eeLink: 3, eePoint: Vector3(0.3, 0, 0),
                                                 positionKp: 100, positionKd: 20, nullKp: [20, 20, 20], nullKd: [3, 3, 3])
            let run = simulate(three, osc, q0: [0.4, 0.4, 0.4], duration: 4, controlDt: 1e-3, substeps: 2) { _, ref in
                ref.eeTarget = Transform(position: target)
                for i in 0..<3 { ref.q[i] = posture[i] }
            }
            let reached = timeWithin(run, tolerance: 0.005, tip: tip3, target: target)
            #expect((reached ?? .infinity) < 2, "posture \(posture): within 5 mm from t = \(reached ?? .nan) s")
            finals.append(run.q.last ?? [])
        }
        // Same tip, different joint configurations: the posture task acted in the null space.
        #expect(abs(finals[0][0] - finals[1][0]) > 0.1, "final postures \(finals)")
    }

    @Test("Dynamic consistency: the posture torque (I − Jᵀ J̄ᵀ) τ₀ produces no task acceleration, J M⁻¹ Δτ ≈ 0")
    func nullSpaceTorqueIsDynamicallyConsistent() {
        var rng = SplitMix64(seed: 77)
        for _ in 0..<10 {
            var state = RobotState(dof: 3), ref = Reference(dof: 3)
            for i in 0..<3 {
                state.q[i] = Double.random(in: -1.5...1.5, using: &rng)
                state.qd[i] = Double.random(in: -1...1, using: &rng)
                ref.q[i] = Double.random(in: -1.5...1.5, using: &rng)
            }
            ref.eeTarget = Transform(position: Vector3(0.4, 0.3, 0))
            let make = { (k: Double) in
                OperationalSpaceController(dynamics: self.three, eeLink: 3, eePoint: Vector3(0.3, 0, 0),
                                           positionKp: 100, positionKd: 20, nullKp: [k, k, k], nullKd: [k / 5, k / 5, k / 5],
                                           damping: 1e-9, compensatesJdot: false)
            }
            var with = [0.0, 0, 0], without = [0.0, 0, 0]
            make(30).computeTorques(state: state, reference: ref, dt: 1e-3, tau: &with)
            make(0).computeTorques(state: state, reference: ref, dt: 1e-3, tau: &without)
            var m = [Double](repeating: 0, count: 9)
            three.massMatrix(q: state.q, basePose: .identity, into: &m)
            let dtau = (0..<3).map { with[$0] - without[$0] }
            let acc = gaussianSolve(m, dtau)
            var j = [Double](repeating: 0, count: 18)
            three.jacobian(link: 3, point: Vector3(0.3, 0, 0), q: state.q, basePose: .identity, into: &j)
            let norm = (dtau.map { $0 * $0 }.reduce(0, +)).squareRoot()
            #expect(norm > 1e-3, "the posture task should produce some torque")
            for r in 0..<3 {
                let taskAcc = j[r * 3] * acc[0] + j[r * 3 + 1] * acc[1] + j[r * 3 + 2] * acc[2]
                #expect(abs(taskAcc) < 1e-6 * max(1, norm), "task row \(r): \(taskAcc) m/s²")
            }
        }
    }

    @Test("The torque equals the formula evaluated with explicit inverses")
    func torqueMatchesExplicitFormula() {
        var state = RobotState(dof: 3), ref = Reference(dof: 3)
        state.q = [0.3, -0.8, 1.1]; state.qd = [0.4, 0.2, -0.6]
        ref.q = [0.1, 0.2, 0.3]
        ref.eeTarget = Transform(position: Vector3(0.5, 0.2, 0), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: 0.9))
        ref.eeLinearVelocity = Vector3(0.1, -0.2, 0); ref.eeAngularVelocity = Vector3(0, 0, 0.3)
        ref.eeLinearAcceleration = Vector3(0.5, 0.1, 0); ref.eeAngularAcceleration = Vector3(0, 0, -0.2)
        let kx = 50.0, dx = 12.0, kr = 30.0, dr = 9.0, kn = [5.0, 6, 7], dn = [1.0, 1.5, 2], lambda2 = 1e-3
        let point = Vector3(0.3, 0, 0)
        let osc = OperationalSpaceController(dynamics: three, eeLink: 3, eePoint: point, taskSpace: .pose,
                                             positionKp: kx, positionKd: dx, orientationKp: kr, orientationKd: dr,
                                             nullKp: kn, nullKd: dn, damping: lambda2, compensatesJdot: false)
        var tau = [0.0, 0, 0]
        osc.computeTorques(state: state, reference: ref, dt: 1e-3, tau: &tau)

        // The same law, written with explicit inverses.
        let n = 3, q = state.q, v = state.qd
        var mm = [Double](repeating: 0, count: 9), h = [0.0, 0, 0], j = [Double](repeating: 0, count: 18)
        three.massMatrix(q: q, basePose: .identity, into: &mm)
        three.bias(q: q, v: v, basePose: .identity, into: &h)
        three.jacobian(link: 3, point: point, q: q, basePose: .identity, into: &j)
        func col(_ b: [Double]) -> [Double] { gaussianSolve(mm, b) }
        let minvJt = (0..<6).map { r in col((0..<n).map { j[r * n + $0] }) }          // columns of M⁻¹ Jᵀ
        var lambdaInv = [Double](repeating: 0, count: 36)
        for r in 0..<6 { for c in 0..<6 {
            lambdaInv[r * 6 + c] = (0..<n).reduce(0) { $0 + j[r * n + $1] * minvJt[c][$1] } + (r == c ? lambda2 : 0)
        } }
        let pose = three.linkPose(link: 3, q: q, basePose: .identity)
        let xdot = (0..<6).map { r in (0..<n).reduce(0) { $0 + j[r * n + $1] * v[$1] } }
        let ex = (ref.eeTarget?.position ?? .zero) - pose.apply(point)
        let er = orientationError(target: ref.eeTarget?.rotation ?? .identity, current: pose.rotation)
        var a = [Double](repeating: 0, count: 6)
        for k in 0..<3 {
            a[k] = ref.eeLinearAcceleration[k] + kx * ex[k] + dx * (ref.eeLinearVelocity[k] - xdot[k])
            a[3 + k] = ref.eeAngularAcceleration[k] + kr * er[k] + dr * (ref.eeAngularVelocity[k] - xdot[3 + k])
        }
        let f = gaussianSolve(lambdaInv, a)
        let tau0 = (0..<n).map { kn[$0] * (ref.q[$0] - q[$0]) - dn[$0] * v[$0] }
        let z = gaussianSolve(lambdaInv, (0..<6).map { r in (0..<n).reduce(0) { $0 + j[r * n + $1] * col(tau0)[$1] } })
        for i in 0..<n {
            var expected = tau0[i] + h[i]
            for r in 0..<6 { expected += j[r * n + i] * (f[r] - z[r]) }
            #expect(abs(tau[i] - expected) < 1e-9 * max(1, abs(expected)), "joint \(i): \(tau[i]) vs \(expected)")
        }
    }

    @Test("Pose task on the three-link arm: position within 5 mm and yaw within 0.01 rad in under 2 s")
    func threeLinkPoseTask() {
        let goal = [0.9, -0.4, 0.7]
        let targetPose = three.linkPose(link: 3, q: goal, basePose: .identity)
        let target = Transform(position: targetPose.apply(Vector3(0.3, 0, 0)), rotation: targetPose.rotation)
        let osc = OperationalSpaceController(dynamics: three, eeLink: 3, eePoint: Vector3(0.3, 0, 0), taskSpace: .pose,
                                             positionKp: 100, positionKd: 20, orientationKp: 100, orientationKd: 20,
                                             nullKp: [1, 1, 1], nullKd: [0.5, 0.5, 0.5])
        let run = simulate(three, osc, q0: [0.2, 0.6, -0.3], duration: 3, controlDt: 1e-3, substeps: 2) { _, ref in
            ref.eeTarget = target
        }
        var settled: Double? = nil
        for (t, q) in zip(run.times, run.q) {
            let pose = three.linkPose(link: 3, q: q, basePose: .identity)
            let e = ResponseMetrics.endEffectorError(target: target,
                                                     actual: Transform(position: pose.apply(Vector3(0.3, 0, 0)), rotation: pose.rotation))
            if e.position <= 0.005 && e.orientation <= 0.01 { settled = settled ?? t } else { settled = nil }
        }
        #expect((settled ?? .infinity) < 2, "pose within tolerance from t = \(settled ?? .nan) s")
        #expect(osc.factorizationFailures == 0)
    }

    @Test("Without an end-effector target the controller is posture PD plus bias compensation")
    func noTargetIsPosturePD() {
        var state = RobotState(dof: 2), ref = Reference(dof: 2), tau = [0.0, 0]
        state.q = [0.4, -0.3]; state.qd = [0.2, 0.1]; ref.q = [0.5, 0.5]
        let osc = OperationalSpaceController(dynamics: arm, eeLink: 2, positionKp: 100, positionKd: 20,
                                             nullKp: [10, 20], nullKd: [1, 2])
        osc.computeTorques(state: state, reference: ref, dt: 1e-3, tau: &tau)
        var h = [0.0, 0]
        arm.bias(q: state.q, v: state.qd, basePose: .identity, into: &h)
        #expect(abs(tau[0] - (10 * 0.1 - 1 * 0.2 + h[0])) < 1e-12)
        #expect(abs(tau[1] - (20 * 0.8 - 2 * 0.1 + h[1])) < 1e-12)
    }
}

@Suite("Orientation error")
struct OrientationErrorTests {
    @Test("The error of R* = Rot(a, θ)·R is θ a, the shorter way round")
    func knownRotations() {
        let current = Quaternion(rpy: Vector3(0.3, -0.2, 1.1))
        let axis = Vector3(1, 2, -2) / 3
        for theta in [0.0, 1e-9, 0.4, 2.0, 3.1] {
            let e = orientationError(target: Quaternion(axis: axis, angle: theta) * current, current: current)
            #expect(length(e - theta * axis) < 1e-12, "θ = \(theta): \(e)")
        }
        // 4 rad one way is 2π − 4 rad the other way.
        let e = orientationError(target: Quaternion(axis: axis, angle: 4) * current, current: current)
        #expect(length(e + (2 * Double.pi - 4) * axis) < 1e-12)
        // A quaternion and its negative are the same rotation.
        let t = Quaternion(axis: axis, angle: 0.7) * current
        let flipped = Quaternion(x: -t.x, y: -t.y, z: -t.z, w: -t.w)
        #expect(length(orientationError(target: flipped, current: current) - 0.7 * axis) < 1e-12)
    }
}

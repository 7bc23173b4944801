// MARK: - The analytic test models are themselves right
//
// The controller tests are only as good as these models, so they are checked three ways: the general
// planar chain against the hand-written two-link formulas, energy conservation of the passive
// dynamics (which ties M, C and g together), and Jacobians against finite differences of the
// forward kinematics.

import EmbodyControl
import EmbodyModel
import Foundation
import Testing

@Suite("Analytic models")
struct AnalyticModelTests {
    let arm = TwoLinkArm()
    var chain: PlanarArm {
        PlanarArm(masses: [arm.m1, arm.m2], lengths: [arm.l1, arm.l2], comDistances: [arm.lc1, arm.lc2],
                  inertias: [arm.i1, arm.i2], g0: arm.g0)
    }

    @Test("The n-link chain reproduces the closed-form two-link M, h and g")
    func chainMatchesClosedForm() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<20 {
            let q = (0..<2).map { _ in Double.random(in: -3...3, using: &rng) }
            let v = (0..<2).map { _ in Double.random(in: -5...5, using: &rng) }
            var m1 = [Double](repeating: 0, count: 4), m2 = m1
            arm.massMatrix(q: q, basePose: .identity, into: &m1)
            chain.massMatrix(q: q, basePose: .identity, into: &m2)
            var h1 = [0.0, 0], h2 = [0.0, 0], g1 = [0.0, 0], g2 = [0.0, 0]
            arm.bias(q: q, v: v, basePose: .identity, into: &h1)
            chain.bias(q: q, v: v, basePose: .identity, into: &h2)
            arm.gravity(q: q, basePose: .identity, into: &g1)
            chain.gravity(q: q, basePose: .identity, into: &g2)
            for k in 0..<4 { #expect(abs(m1[k] - m2[k]) < 1e-12) }
            for k in 0..<2 {
                #expect(abs(h1[k] - h2[k]) < 1e-11)
                #expect(abs(g1[k] - g2[k]) < 1e-12)
            }
        }
    }

    @Test("Passive motion conserves energy (M, C and g are consistent)")
    func energyIsConserved() {
        let three = PlanarArm(masses: [1, 0.7, 0.4], lengths: [0.5, 0.4, 0.3], comDistances: [0.25, 0.2, 0.15],
                              inertias: [0.02, 0.01, 0.005])
        let cases: [(any RobotDynamics, ([Double]) -> Double)] = [(arm, arm.potential), (three, three.potential)]
        for (model, potential) in cases {
            let n = model.dof
            func energy(_ q: [Double], _ v: [Double]) -> Double {
                var m = [Double](repeating: 0, count: n * n)
                model.massMatrix(q: q, basePose: .identity, into: &m)
                var ke = 0.0
                for i in 0..<n { for j in 0..<n { ke += 0.5 * v[i] * m[i * n + j] * v[j] } }
                return ke + potential(q)
            }
            var q = [Double](repeating: 0.3, count: n), v = [Double](repeating: 1.5, count: n)
            let e0 = energy(q, v)
            let zero = [Double](repeating: 0, count: n)
            for _ in 0..<4000 { rk4Step(model, q: &q, v: &v, tau: zero, h: 5e-4) }   // 2 s
            #expect(abs(energy(q, v) - e0) < 1e-7 * max(1, abs(e0)), "\(n) links: E0 = \(e0)")
        }
    }

    @Test("Jacobians match finite differences of the forward kinematics")
    func jacobiansMatchFiniteDifferences() {
        let three = PlanarArm(masses: [1, 1, 1], lengths: [0.5, 0.4, 0.3], comDistances: [0.25, 0.2, 0.15],
                              inertias: [0.01, 0.01, 0.01])
        let models: [any RobotDynamics] = [Pendulum(), arm, three]
        let point = Vector3(0.1, 0.05, 0)
        for model in models {
            let n = model.dof
            let q = (0..<n).map { 0.4 - 0.3 * Double($0) }
            for link in 1...n {
                var j = [Double](repeating: 0, count: 6 * n)
                model.jacobian(link: link, point: point, q: q, basePose: .identity, into: &j)
                for c in 0..<n {
                    var qp = q, qm = q
                    qp[c] += 1e-6; qm[c] -= 1e-6
                    let pp = model.linkPose(link: link, q: qp, basePose: .identity)
                    let pm = model.linkPose(link: link, q: qm, basePose: .identity)
                    let dx = (pp.apply(point) - pm.apply(point)) / 2e-6
                    let dr = orientationError(target: pp.rotation, current: pm.rotation) / 2e-6
                    for r in 0..<3 {
                        #expect(abs(j[r * n + c] - dx[r]) < 1e-7, "linear row \(r), column \(c), link \(link)")
                        #expect(abs(j[(3 + r) * n + c] - dr[r]) < 1e-7, "angular row \(r), column \(c), link \(link)")
                    }
                }
            }
        }
        // The two-link tip is link 2's frame at (l2, 0, 0).
        let q = [0.3, -0.8]
        #expect(length(arm.linkPose(link: 2, q: q, basePose: .identity).apply(Vector3(arm.l2, 0, 0)) - arm.tip(q)) < 1e-14)
    }
}

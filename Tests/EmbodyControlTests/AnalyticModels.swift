// MARK: - Analytic robot models for controller tests
//
// Closed-form implementations of `RobotDynamics`, independent of Bullet:
//
// - `Pendulum`: one revolute joint about z, link along +x at q = 0, gravity −g0 ŷ.
// - `TwoLinkArm`: the textbook two-link planar arm (joints about z, arm in the x–y plane, gravity −g0 ŷ)
//   with M, C q̇, g, J and forward kinematics written out term by term.
// - `PlanarArm`: an n-link planar chain, M and h assembled from each link's COM Jacobian (Kane's
//   method: M = Σ mₖ Jₖᵀ Jₖ + Iₖ eₖ eₖᵀ, h = Σ mₖ Jₖᵀ (J̇ₖ q̇ + g0 ŷ)); cross-checked against `TwoLinkArm`.
//
// Link numbering: 0 is the fixed base, link k (1…n) is moved by joint k − 1. Link k's frame sits at its
// joint, rotated by θₖ = q₀ + … + q_{k−1} about z, with the link along its +x axis.

import EmbodyControl
import EmbodyModel
import Foundation

// MARK: - Pendulum

/// A point-mass-plus-inertia pendulum: M = Ic + m lc², g(q) = m g0 lc cos q, C = 0.
final class Pendulum: RobotDynamics {
    let mass: Double, lc: Double, centroidalInertia: Double, g0: Double

    init(mass: Double = 1, lc: Double = 0.5, centroidalInertia: Double = 0.05, g0: Double = 9.81) {
        self.mass = mass; self.lc = lc; self.centroidalInertia = centroidalInertia; self.g0 = g0
    }

    /// The joint inertia in kg·m².
    var inertia: Double { centroidalInertia + mass * lc * lc }
    var dof: Int { 1 }
    var floatingBase: Bool { false }
    var nv: Int { 1 }

    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) { out[0] = inertia }
    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        out[0] = mass * g0 * lc * cos(q[0])
    }
    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) {
        out[0] = mass * g0 * lc * cos(q[0])
    }
    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        for k in 0..<6 { out[k] = 0 }
        guard link == 1 else { return }
        let p = linkPose(link: 1, q: q, basePose: basePose).apply(point) - basePose.position
        out[0] = -p.y; out[1] = p.x; out[5] = 1
    }
    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        link == 0 ? basePose : basePose * Transform(rotation: Quaternion(axis: Vector3(0, 0, 1), angle: q[0]))
    }
}

// MARK: - Two-link arm (closed form)

/// The two-link planar arm with every term written out.
final class TwoLinkArm: RobotDynamics {
    let m1: Double, m2: Double, l1: Double, l2: Double, lc1: Double, lc2: Double, i1: Double, i2: Double, g0: Double

    init(m1: Double = 1.0, m2: Double = 0.8, l1: Double = 0.5, l2: Double = 0.4, lc1: Double = 0.25,
         lc2: Double = 0.2, i1: Double = 0.02, i2: Double = 0.012, g0: Double = 9.81) {
        self.m1 = m1; self.m2 = m2; self.l1 = l1; self.l2 = l2; self.lc1 = lc1; self.lc2 = lc2
        self.i1 = i1; self.i2 = i2; self.g0 = g0
    }

    var dof: Int { 2 }
    var floatingBase: Bool { false }
    var nv: Int { 2 }

    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) {
        let c2 = cos(q[1])
        out[0] = i1 + i2 + m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * c2)
        out[1] = i2 + m2 * (lc2 * lc2 + l1 * lc2 * c2)
        out[2] = out[1]
        out[3] = i2 + m2 * lc2 * lc2
    }

    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) {
        let c1 = cos(q[0]), c12 = cos(q[0] + q[1])
        out[0] = (m1 * lc1 + m2 * l1) * g0 * c1 + m2 * lc2 * g0 * c12
        out[1] = m2 * lc2 * g0 * c12
    }

    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        gravity(q: q, basePose: basePose, into: &out)
        let hc = m2 * l1 * lc2 * sin(q[1])
        out[0] += -hc * (2 * v[0] * v[1] + v[1] * v[1])
        out[1] += hc * v[0] * v[0]
    }

    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        for k in 0..<12 { out[k] = 0 }
        guard link >= 1 else { return }
        let p = linkPose(link: link, q: q, basePose: .identity).apply(point)
        let o2 = Vector3(l1 * cos(q[0]), l1 * sin(q[0]), 0)
        // Column 0 (joint at the origin), column 1 (joint at o2, only for link 2).
        out[0 * 2 + 0] = -p.y; out[1 * 2 + 0] = p.x; out[5 * 2 + 0] = 1
        if link == 2 {
            out[0 * 2 + 1] = -(p.y - o2.y); out[1 * 2 + 1] = p.x - o2.x; out[5 * 2 + 1] = 1
        }
    }

    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        let z = Vector3(0, 0, 1)
        switch link {
        case 0: return basePose
        case 1: return basePose * Transform(rotation: Quaternion(axis: z, angle: q[0]))
        default:
            return basePose * Transform(position: Vector3(l1 * cos(q[0]), l1 * sin(q[0]), 0),
                                        rotation: Quaternion(axis: z, angle: q[0] + q[1]))
        }
    }

    /// The tip (end of link 2) in the world, m.
    func tip(_ q: [Double]) -> Vector3 {
        Vector3(l1 * cos(q[0]) + l2 * cos(q[0] + q[1]), l1 * sin(q[0]) + l2 * sin(q[0] + q[1]), 0)
    }

    /// The potential energy in J.
    func potential(_ q: [Double]) -> Double {
        g0 * (m1 * lc1 * sin(q[0]) + m2 * (l1 * sin(q[0]) + lc2 * sin(q[0] + q[1])))
    }
}

// MARK: - n-link planar arm

/// An n-link planar chain; M and h are assembled from the links' COM Jacobians.
final class PlanarArm: RobotDynamics {
    let masses: [Double], lengths: [Double], comDistances: [Double], inertias: [Double], g0: Double

    init(masses: [Double], lengths: [Double], comDistances: [Double], inertias: [Double], g0: Double = 9.81) {
        precondition(masses.count == lengths.count && lengths.count == comDistances.count
                     && comDistances.count == inertias.count, "PlanarArm: parameter arrays differ in length")
        self.masses = masses; self.lengths = lengths; self.comDistances = comDistances
        self.inertias = inertias; self.g0 = g0
    }

    var dof: Int { masses.count }
    var floatingBase: Bool { false }
    var nv: Int { masses.count }

    /// Absolute link angles θₖ = q₀ + … + qₖ (0-based over links 1…n).
    private func angles(_ q: [Double]) -> [Double] {
        var out = [Double](), s = 0.0
        for x in q { s += x; out.append(s) }
        return out
    }

    /// Joint origins o₀ … o_{n−1} (joint k sits at the start of link k + 1).
    private func jointOrigins(_ q: [Double]) -> [Vector3] {
        let th = angles(q)
        var o = [Vector3.zero]
        for k in 0..<(dof - 1) { o.append(o[k] + lengths[k] * Vector3(cos(th[k]), sin(th[k]), 0)) }
        return o
    }

    /// The 2×n planar Jacobian of the world point p rigidly attached to link `link` (1…n).
    private func planarJacobian(_ p: Vector3, link: Int, origins: [Vector3]) -> [[Double]] {
        var j = [[Double]](repeating: [Double](repeating: 0, count: dof), count: 2)
        for i in 0..<link {
            j[0][i] = -(p.y - origins[i].y)
            j[1][i] = p.x - origins[i].x
        }
        return j
    }

    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) {
        let n = dof, th = angles(q), o = jointOrigins(q)
        for k in 0..<(n * n) { out[k] = 0 }
        for k in 0..<n {
            let c = o[k] + comDistances[k] * Vector3(cos(th[k]), sin(th[k]), 0)
            let j = planarJacobian(c, link: k + 1, origins: o)
            for a in 0...k {
                for b in 0...k {
                    out[a * n + b] += masses[k] * (j[0][a] * j[0][b] + j[1][a] * j[1][b]) + inertias[k]
                }
            }
        }
    }

    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        biasTerms(q: q, v: v, into: &out)
    }

    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) {
        biasTerms(q: q, v: [Double](repeating: 0, count: dof), into: &out)
    }

    private func biasTerms(q: [Double], v: [Double], into out: inout [Double]) {
        let n = dof, th = angles(q), o = jointOrigins(q)
        var w = [Double](), s = 0.0
        for x in v { s += x; w.append(s) }
        for k in 0..<n { out[k] = 0 }
        for k in 0..<n {
            let c = o[k] + comDistances[k] * Vector3(cos(th[k]), sin(th[k]), 0)
            let j = planarJacobian(c, link: k + 1, origins: o)
            // J̇ q̇ for the COM: the centripetal terms of every segment up to it.
            var a = Vector3.zero
            for s in 0..<k { a -= lengths[s] * w[s] * w[s] * Vector3(cos(th[s]), sin(th[s]), 0) }
            a -= comDistances[k] * w[k] * w[k] * Vector3(cos(th[k]), sin(th[k]), 0)
            let f = masses[k] * (a + Vector3(0, g0, 0))
            for i in 0...k { out[i] += j[0][i] * f.x + j[1][i] * f.y }
        }
    }

    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        let n = dof
        for k in 0..<(6 * n) { out[k] = 0 }
        guard link >= 1 else { return }
        let p = linkPose(link: link, q: q, basePose: .identity).apply(point)
        let j = planarJacobian(p, link: link, origins: jointOrigins(q))
        for i in 0..<link {
            out[0 * n + i] = j[0][i]
            out[1 * n + i] = j[1][i]
            out[5 * n + i] = 1
        }
    }

    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        guard link >= 1 else { return basePose }
        let th = angles(q), o = jointOrigins(q)
        return basePose * Transform(position: o[link - 1], rotation: Quaternion(axis: Vector3(0, 0, 1), angle: th[link - 1]))
    }

    /// The potential energy in J.
    func potential(_ q: [Double]) -> Double {
        let th = angles(q), o = jointOrigins(q)
        var v = 0.0
        for k in 0..<dof { v += masses[k] * g0 * (o[k].y + comDistances[k] * sin(th[k])) }
        return v
    }
}

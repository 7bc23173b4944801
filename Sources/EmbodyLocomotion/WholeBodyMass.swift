// MARK: - The centre of mass from the model's inertials
//
// c = Σᵢ mᵢ (pᵢ + Rᵢ cᵢ) / m over the links, with (pᵢ, Rᵢ) link i's world frame and cᵢ its centre of mass in
// that frame (the URDF inertial origin). Its Jacobian is J_c = Σᵢ mᵢ J_i(cᵢ)ᵀ / m (linear rows of each
// link's Jacobian at its centre of mass). For a floating base with v = [v_O, ω, q̇] (world frame), the
// base's linear rows of the mass matrix are the total linear momentum per unit v, so J_c = M[0:3, :] / m
// and J̇_c v = (h − g)[0:3] / m: the whole-body controller uses these (no extra Jacobians per tick), and
// `WholeBodyTests` checks the three forms against each other and against finite differences.

import EmbodyModel

/// The mass distribution of a robot in a `RobotDynamics` implementation's link numbering.
public struct MassDistribution: Sendable, Equatable {
    /// Each link's mass, kg, in the dynamics' link order (0 = base).
    public let masses: [Double]
    /// Each link's centre of mass in its own link frame, m.
    public let centers: [Vector3]
    /// The total mass, kg.
    public let totalMass: Double

    /// A distribution from masses (kg, finite, ≥ 0, positive sum) and link-frame centres of mass (m).
    public init(masses: [Double], centers: [Vector3]) {
        precondition(masses.count == centers.count, "MassDistribution: \(masses.count) masses but \(centers.count) centres")
        precondition(masses.allSatisfy { $0.isFinite && $0 >= 0 }, "MassDistribution: masses must be finite and non-negative")
        let total = masses.reduce(0, +)
        precondition(total > 0, "MassDistribution: the total mass must be positive")
        self.masses = masses
        self.centers = centers
        self.totalMass = total
    }

    /// The distribution of `model`, with dynamics link i being `model.links[linkOrder[i]]` (for a simulated
    /// robot, `Robot.modelLinkIndex`).
    public init(model: RobotModel, linkOrder: [Int]) {
        self.init(masses: linkOrder.map { model.links[$0].inertial.mass },
                  centers: linkOrder.map { model.links[$0].inertial.origin.position })
    }

    /// The world position of the centre of mass at configuration (q, basePose), m; allocates nothing.
    public func position(dynamics: any RobotDynamics, q: [Double], basePose: Transform) -> Vector3 {
        var sum = Vector3.zero
        for i in 0..<masses.count where masses[i] > 0 {
            sum += masses[i] * dynamics.linkPose(link: i, q: q, basePose: basePose).apply(centers[i])
        }
        return sum / totalMass
    }

    /// Writes the 3 × nv centre-of-mass Jacobian (row-major, m per unit v) into `out` from each link's
    /// Jacobian at its centre of mass; `scratch` must hold 6·nv values. Allocates nothing.
    public func jacobian(dynamics: any RobotDynamics, q: [Double], basePose: Transform,
                         scratch: inout [Double], into out: inout [Double]) {
        let nv = dynamics.nv
        for k in 0..<(3 * nv) { out[k] = 0 }
        for i in 0..<masses.count where masses[i] > 0 {
            dynamics.jacobian(link: i, point: centers[i], q: q, basePose: basePose, into: &scratch)
            let w = masses[i] / totalMass
            for k in 0..<(3 * nv) { out[k] += w * scratch[k] }
        }
    }
}

// MARK: - Buffers and index conventions shared by the model-based controllers
//
// The model-based controllers (gravity compensation, computed torque, stable PD, operational space)
// query a `RobotDynamics` every tick. This file holds what they share: the buffers for M, h, g and the
// generalized velocity, all sized at construction, and the mapping between the controllers' joint
// arrays (`dof` entries, q order) and the dynamics' generalized velocity (`nv` entries).
//
// Floating base: v = (base linear velocity (3), base angular velocity (3), q̇ (dof)), base twist in the
// world frame at the base frame origin, as in `RobotState`; the joint rows and columns of M, h and g
// are therefore the last `dof` (offset 6). Fixed base: v = q̇ and the offset is 0.

import EmbodyModel

/// Preallocated dynamics buffers and the joint offset inside the generalized velocity.
struct DynamicsWorkspace {
    /// The number of actuated joint coordinates.
    let dof: Int
    /// The number of generalized velocities: dof, or dof + 6 with a floating base.
    let nv: Int
    /// The index of the first joint coordinate inside v (0 or 6).
    let offset: Int
    /// M(q), nv×nv row-major, kg·m² / kg.
    var mass: [Double]
    /// h(q, v) = C(q, v) v + g(q), nv entries, N·m / N.
    var bias: [Double]
    /// g(q), nv entries, N·m / N.
    var gravity: [Double]
    /// The generalized velocity v, nv entries.
    var v: [Double]

    /// Sizes the buffers for `dynamics`, checking that it drives `dof` joints (`owner` names the controller in the message).
    init(dynamics: any RobotDynamics, dof: Int, owner: String) {
        precondition(dynamics.dof == dof,
                     "\(owner): the gains cover \(dof) joints but the dynamics model has \(dynamics.dof)")
        let expected = dynamics.floatingBase ? dynamics.dof + 6 : dynamics.dof
        precondition(dynamics.nv == expected,
                     "\(owner): the dynamics model reports nv = \(dynamics.nv), expected \(expected) "
                     + "(\(dynamics.dof) joints\(dynamics.floatingBase ? " + 6 for the floating base" : ""))")
        self.dof = dof
        nv = dynamics.nv
        offset = dynamics.baseVelocityCount
        mass = Array(repeating: 0, count: nv * nv)
        bias = Array(repeating: 0, count: nv)
        gravity = Array(repeating: 0, count: nv)
        v = Array(repeating: 0, count: nv)
    }

    /// Fills `v` from the state: the base twist (floating base only), then q̇.
    mutating func loadVelocity(_ state: RobotState) {
        if offset == 6 {
            let l = state.baseLinearVelocity, a = state.baseAngularVelocity
            v[0] = l.x; v[1] = l.y; v[2] = l.z
            v[3] = a.x; v[4] = a.y; v[5] = a.z
        }
        for i in 0..<dof { v[offset + i] = state.qd[i] }
    }
}

/// Checks that a per-joint gain array has `count` finite, non-negative entries (`what` and `owner` name it in the message).
func checkGains(_ gains: [Double], count: Int, _ what: String, owner: String) {
    precondition(gains.count == count, "\(owner): \(what) has \(gains.count) entries, expected one per joint (\(count))")
    for (i, g) in gains.enumerated() {
        precondition(g.isFinite && g >= 0, "\(owner): \(what)[\(i)] = \(g) must be finite and non-negative")
    }
}

// Reference solution of exercise 8 (instructors only): the ankle strategy on the capture point, with a
// hip strategy for the part of a shove the feet cannot take. The tests prove it scores full marks.

import EmbodyExercises

/// Capture-point balance on the humanoid. With c and ċ the centre of mass and its velocity, ω = √(g/z_c) and
/// s the midpoint of the ankles:
///
///     ξ = c_x + ċ_x/ω                                  (the capture point, sagittal)
///     p* = ξ + k_ξ (ξ − ξ*),  p = clamp(p*, s_x − 0.06 m, s_x + 0.14 m)   (the centre of pressure, inside the feet)
///     τ_ankle,pitch = ½ m g (p − s_x)                  (each foot carries half the weight)
///     τ_hip,pitch   = −k_h · ½ m g (p* − p)            (hip strategy: swing the trunk with what the feet cannot do)
///     τ_ankle,roll  = k_φ φ + d_φ φ̇                    (level the pelvis roll φ; keeps both feet flat)
///
/// on top of a posture PD with gravity compensation, τ = Kp (q* − q) − Kd q̇ + g(q), with soft ankles (so the
/// feet stay flat) and ξ* the standing capture point, measured from the ankles at the first tick.
final class BalanceController: StudentController {
    let model: RobotModelView
    /// Proportional gains per joint in N·m/rad.
    var kp: [Double]
    /// Derivative gains per joint in N·m·s/rad.
    var kd: [Double]
    /// The standing CoM's x offset from the ankles in m, taken at the first tick.
    var standingOffset: Double?
    /// Capture-point feedback gain k_ξ (dimensionless) and hip-strategy gain k_h (dimensionless).
    let kXi = 1.0, kHip = 3.0
    /// The centre of pressure's range behind and in front of the ankles in m (the sole runs from −0.07 to +0.15).
    var heel = -0.06, toe = 0.14
    /// The pelvis-roll feedback at each ankle: N·m/rad and N·m·s/rad.
    let kRoll = 400.0, dRoll = 20.0
    let leftAnklePitch = 4, rightAnklePitch = 10, leftHipPitch = 2, rightHipPitch = 8

    init(model: RobotModelView) {
        self.model = model
        kp = Array(repeating: 1500, count: 12) + [800] + Array(repeating: 200, count: 6) + [50, 50]
        kd = Array(repeating: 10, count: 12) + [10] + Array(repeating: 2, count: 6) + [0.5, 0.5]
        for i in [leftAnklePitch, rightAnklePitch] { kp[i] = 100; kd[i] = 5 }   // soft: the CoP term does the work
        for i in [5, 11] { kp[i] = 300; kd[i] = 2 }                              // ankle roll: stable on a light foot
        for i in [leftHipPitch, rightHipPitch] { kp[i] = 800 }                   // lets the trunk swing a little
    }

    func torques(_ state: JointState) -> [Double] {
        guard let base = state.base,
              let left = model.linkPosition("left_foot", state.q, base: base),
              let right = model.linkPosition("right_foot", state.q, base: base) else {
            return Array(repeating: 0, count: state.dof)
        }
        let g = model.gravity(state.q, base: base)
        let c = model.centerOfMass(state.q, base: base)
        let cd = model.centerOfMassVelocity(state.q, state.qd, base: base)
        let m = model.totalMass, gravity = 9.81
        let sx = 0.5 * (left[0] + right[0])
        let sole = 0.5 * (left[2] + right[2]) - 0.07          // the ankles are 7 cm above the soles
        if standingOffset == nil { standingOffset = c[0] - sx }
        let omega = (gravity / max(0.3, c[2] - sole)).squareRoot()
        let xi = c[0] + cd[0] / omega
        let target = sx + standingOffset!
        let pWanted = xi + kXi * (xi - target)
        let p = min(max(pWanted, sx + heel), sx + toe)

        var tau = [Double](repeating: 0, count: state.dof)
        for i in 0..<state.dof {
            tau[i] = kp[i] * (state.qDesired[i] - state.q[i]) - kd[i] * state.qd[i] + g[i]
        }
        for i in [leftAnklePitch, rightAnklePitch] { tau[i] += 0.5 * m * gravity * (p - sx) }
        for i in [leftHipPitch, rightHipPitch] { tau[i] -= kHip * 0.5 * m * gravity * (pWanted - p) }
        // Laterally the feet are 18 cm apart and the PD is enough, but a foot can end up on its edge with the
        // body leaning: the ankles roll the pelvis back level.
        for i in [5, 11] { tau[i] += kRoll * base.rollPitchYaw[0] + dRoll * base.angularVelocity[0] }
        return tau
    }
}

// MARK: - Standing: the simplest walking reference

import EmbodyModel
import EmbodyControl

/// A `WalkingReferenceSource` that stands still: both feet in stance where they were at load, the centre of
/// mass over the midpoint of the two sole centres at its height at load, the torso at its orientation at
/// load and the posture q at load, all with zero velocity and acceleration.
///
/// "At load" is the first `update` after construction or `reset()`: the source latches the measured
/// state then. With this source the whole-body controller balances in double support; the runtime uses it
/// for a `whole_body` controller when the task provides no walking source (such as `hold`).
public final class StandingReferenceSource: WalkingReferenceSource {
    /// The dynamics model the poses are computed with.
    public let dynamics: any RobotDynamics
    /// The robot's mass distribution, for the centre of mass.
    public let mass: MassDistribution
    /// The soles, indexed by `FootSide.rawValue`.
    public let soles: [SoleGeometry]
    /// The torso (or pelvis) link whose orientation is held.
    public let torsoLink: Int

    private var latched = false
    private var feet: [Transform] = [.identity, .identity]
    private var com = Vector3.zero
    private var torso = Quaternion.identity
    private var posture: [Double]

    /// A standing source for a robot with these soles (left, right) and torso link.
    public init(dynamics: any RobotDynamics, mass: MassDistribution, soles: [SoleGeometry], torsoLink: Int) {
        precondition(soles.count == 2, "StandingReferenceSource: expected two soles (left, right), got \(soles.count)")
        self.dynamics = dynamics
        self.mass = mass
        self.soles = soles
        self.torsoLink = torsoLink
        posture = Array(repeating: 0, count: dynamics.dof)
    }

    /// The standing reference: what was latched at the first update after load; allocates nothing.
    public func update(_ measurement: WalkingMeasurement, reference: inout WalkingReference) {
        let state = measurement.state
        if !latched {
            for side in 0..<2 {
                let link = dynamics.linkPose(link: soles[side].link, q: state.q, basePose: state.basePose)
                feet[side] = soles[side].worldFrame(linkPose: link)
            }
            let c = mass.position(dynamics: dynamics, q: state.q, basePose: state.basePose)
            let mid = (feet[0].position + feet[1].position) / 2
            com = Vector3(mid.x, mid.y, c.z)
            torso = dynamics.linkPose(link: torsoLink, q: state.q, basePose: state.basePose).rotation
            for i in 0..<posture.count { posture[i] = state.q[i] }
            latched = true
        }
        reference.comPosition = com
        reference.comVelocity = .zero
        reference.comAcceleration = .zero
        let mid = (feet[0].position + feet[1].position) / 2
        reference.zmp = mid
        reference.torsoOrientation = torso
        for side in 0..<2 { reference.feet[side] = FootReference(standingAt: feet[side]) }
        for i in 0..<posture.count { reference.posture[i] = posture[i] }
    }

    /// Forgets the latched stance; the next update latches the state it sees.
    public func reset() { latched = false }
}

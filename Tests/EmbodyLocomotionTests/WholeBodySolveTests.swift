import CMallocCounter
import EmbodyControl
import EmbodyModel
import EmbodyPhysics
import Testing
@testable import EmbodyLocomotion

/// A reference source that hands out a fixed reference (a test script).
final class ScriptedSource: WalkingReferenceSource {
    var reference: WalkingReference
    init(_ reference: WalkingReference) { self.reference = reference }
    func update(_ measurement: WalkingMeasurement, reference out: inout WalkingReference) {
        out.comPosition = reference.comPosition
        out.comVelocity = reference.comVelocity
        out.comAcceleration = reference.comAcceleration
        out.zmp = reference.zmp
        out.torsoOrientation = reference.torsoOrientation
        for side in 0..<2 { out.feet[side] = reference.feet[side] }
        for i in 0..<reference.posture.count { out.posture[i] = reference.posture[i] }
    }
    func reset() {}
}

/// The standing reference of the fixture at `state`, as StandingReferenceSource writes it.
func standingReference(_ f: HumanoidFixture, state: RobotState) -> WalkingReference {
    let standing = StandingReferenceSource(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso)
    var measurement = WalkingMeasurement(dof: f.dof)
    measurement.state = state
    var reference = WalkingReference(dof: f.dof)
    standing.update(measurement, reference: &reference)
    return reference
}

/// Checks a solved tick against the simulator's own model: the generalized forces Sᵀτ + Σ J_kᵀ f_k (each sole
/// corner's point Jacobian, transposed, times the solution's corner force) put through Bullet's forward
/// dynamics give back the solution's v̇. Returns the largest difference.
func forwardDynamicsMismatch(_ f: HumanoidFixture, _ c: WholeBodyController, state: RobotState, tau: [Double]) -> Double {
    let d = f.dynamics, nv = f.nv
    var v = [Double](repeating: 0, count: nv)
    v[0] = state.baseLinearVelocity.x; v[1] = state.baseLinearVelocity.y; v[2] = state.baseLinearVelocity.z
    v[3] = state.baseAngularVelocity.x; v[4] = state.baseAngularVelocity.y; v[5] = state.baseAngularVelocity.z
    for i in 0..<f.dof { v[6 + i] = state.qd[i] }
    var generalized = [Double](repeating: 0, count: nv)
    for j in 0..<f.dof { generalized[6 + j] = tau[j] }
    var jk = [Double](repeating: 0, count: 6 * nv)
    for side in 0..<2 {
        let sole = f.soles[side]
        for k in 0..<4 {
            let force = c.cornerForces[4 * side + k]
            d.jacobian(link: sole.link, point: sole.frame.apply(sole.corner(k)), q: state.q, basePose: state.basePose, into: &jk)
            for col in 0..<nv { generalized[col] += jk[col] * force.x + jk[nv + col] * force.y + jk[2 * nv + col] * force.z }
        }
    }
    var vdot = [Double](repeating: 0, count: nv)
    d.forwardDynamics(q: state.q, v: v, tau: generalized, basePose: state.basePose, into: &vdot)
    var worst = 0.0
    for i in 0..<nv { worst = max(worst, abs(vdot[i] - c.accelerations[i])) }
    return worst
}

@Suite("Whole-body control: the solved program")
struct WholeBodySolveTests {
    /// Standing still on both feet, the centre of mass held where it is: the program is solved; the contact
    /// forces sum to m (c̈ − g), which at rest is m·g upwards; each foot's centre of pressure lies inside its
    /// sole and each corner force in its friction pyramid; the torques are within the limits and, with the
    /// contact forces, reproduce the solution's v̇ through Bullet's forward dynamics.
    @Test(arguments: [false, true])
    func staticStanceCarriesTheWeightInsideTheSoles(bent: Bool) throws {
        let f = try HumanoidFixture(height: 0.92)
        let state = bent ? f.bentState() : f.state(pose: Transform(position: Vector3(0, 0, 0.92)))
        var reference = standingReference(f, state: state)
        reference.comPosition = f.mass.position(dynamics: f.dynamics, q: state.q, basePose: state.basePose)
        let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                    torqueLimits: f.torqueLimits, parameters: WholeBodyParameters(),
                                    source: ScriptedSource(reference))
        var tau = [Double](repeating: .nan, count: f.dof)
        c.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(c.lastStatus == .optimal)
        #expect(c.failureCount == 0)
        let m = f.mass.totalMass
        // c̈ = J_c v̇ at rest (J̇_c v = 0).
        var mm = [Double](repeating: 0, count: f.nv * f.nv)
        f.dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &mm)
        var comAcceleration = Vector3.zero
        for r in 0..<3 { for col in 0..<f.nv { comAcceleration[r] += mm[r * f.nv + col] / m * c.accelerations[col] } }
        let total = c.footForce[0] + c.footForce[1]
        let expected = m * (comAcceleration - Vector3(0, 0, -9.81))
        #expect(length(total - expected) < 1e-6 * m * 9.81)
        #expect(abs(total.z - m * 9.81) < 0.01 * m * 9.81)
        // The commanded centre-of-mass acceleration (zero) is what the solution produces.
        #expect(length(c.comAccelerationCommand) < 1e-12)
        #expect(length(comAcceleration) < 1e-3)
        for side in 0..<2 {
            let sole = f.soles[side]
            let frame = sole.worldFrame(linkPose: f.dynamics.linkPose(link: sole.link, q: state.q, basePose: state.basePose))
            let local = frame.inverse.apply(c.footCenterOfPressure[side])
            #expect(sole.margin(x: local.x, y: local.y) >= -1e-9)
            #expect(c.footForce[side].z >= WholeBodyParameters().minimumNormalForce - 1e-6)
            for k in 0..<4 {
                let force = c.cornerForces[4 * side + k]
                #expect(force.z >= -1e-9)
                #expect((force.x * force.x + force.y * force.y).squareRoot() <= 0.7 * force.z + 1e-9)
            }
        }
        for j in 0..<f.dof { #expect(tau[j].isFinite && abs(tau[j]) <= f.torqueLimits[j] + 1e-6) }
        #expect(forwardDynamicsMismatch(f, c, state: state, tau: tau) < 1e-6)
    }

    /// A centre-of-mass reference 5 mm forward, 3 mm to the left and 5 mm down, knees bent: the solution
    /// accelerates the centre of mass by the commanded Kp e (to 5 %; the centre of pressure this needs is well
    /// inside the soles), and the feet push it there.
    @Test func aCentreOfMassCommandIsProduced() throws {
        let f = try HumanoidFixture(height: 0.92)
        let state = f.bentState()
        var reference = standingReference(f, state: state)
        let com = f.mass.position(dynamics: f.dynamics, q: state.q, basePose: state.basePose)
        let offset = Vector3(0.005, 0.003, -0.005)
        reference.comPosition = com + offset
        let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                    torqueLimits: f.torqueLimits, parameters: WholeBodyParameters(),
                                    source: ScriptedSource(reference))
        var tau = [Double](repeating: 0, count: f.dof)
        c.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(c.lastStatus == .optimal)
        let command = WholeBodyParameters().comKp * offset
        #expect(length(c.comAccelerationCommand - command) < 1e-9)
        var mm = [Double](repeating: 0, count: f.nv * f.nv)
        f.dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &mm)
        var achieved = Vector3.zero
        for r in 0..<3 { for col in 0..<f.nv { achieved[r] += mm[r * f.nv + col] / f.mass.totalMass * c.accelerations[col] } }
        #expect(length(achieved - command) < 0.05 * length(command))
        let total = c.footForce[0] + c.footForce[1]
        #expect(length(total - f.mass.totalMass * (achieved - Vector3(0, 0, -9.81))) < 1e-6 * f.mass.totalMass)
        #expect(forwardDynamicsMismatch(f, c, state: state, tau: tau) < 1e-6)
    }

    /// Single support, knees bent: the left foot swings up (reference 5 cm above it), the right carries
    /// everything. The left foot's forces are zero, the right's sum to m (c̈ − g) with its centre of pressure
    /// inside its sole, the swing foot accelerates upwards as commanded (to 5 %, with the swing task weighted
    /// above the centre of mass, which cannot stay put over a single foot it is not above), and forward
    /// dynamics reproduces v̇.
    @Test func singleSupportCarriesTheWeightOnTheStanceFoot() throws {
        let f = try HumanoidFixture(height: 0.92)
        let state = f.bentState()
        var reference = standingReference(f, state: state)
        let rightSole = reference.feet[1].pose.position
        reference.comPosition = Vector3(rightSole.x, rightSole.y, reference.comPosition.z)
        reference.feet[0].inContact = false
        reference.feet[0].pose.position.z += 0.05
        var parameters = WholeBodyParameters()
        parameters.swingWeight = 1000
        let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                    torqueLimits: f.torqueLimits, parameters: parameters,
                                    source: ScriptedSource(reference))
        var tau = [Double](repeating: 0, count: f.dof)
        c.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(c.lastStatus == .optimal)
        #expect(c.footForce[0] == .zero)
        var mm = [Double](repeating: 0, count: f.nv * f.nv)
        f.dynamics.massMatrix(q: state.q, basePose: state.basePose, into: &mm)
        var comAcceleration = Vector3.zero
        for r in 0..<3 { for col in 0..<f.nv { comAcceleration[r] += mm[r * f.nv + col] / f.mass.totalMass * c.accelerations[col] } }
        #expect(length(c.footForce[1] - f.mass.totalMass * (comAcceleration - Vector3(0, 0, -9.81))) < 1e-6 * f.mass.totalMass * 9.81)
        let sole = f.soles[1]
        let frame = sole.worldFrame(linkPose: f.dynamics.linkPose(link: sole.link, q: state.q, basePose: state.basePose))
        let local = frame.inverse.apply(c.footCenterOfPressure[1])
        #expect(sole.margin(x: local.x, y: local.y) >= -1e-9)
        // The swing foot's vertical acceleration J v̇ (at rest) against the command Kp · 0.05 m.
        var j = [Double](repeating: 0, count: 6 * f.nv)
        f.dynamics.jacobian(link: f.soles[0].link, point: f.soles[0].frame.position, q: state.q, basePose: state.basePose, into: &j)
        var az = 0.0
        for col in 0..<f.nv { az += j[2 * f.nv + col] * c.accelerations[col] }
        let command = WholeBodyParameters().swingKp * 0.05
        #expect(abs(az - command) < 0.05 * command)
        for k in 0..<f.dof { #expect(abs(tau[k]) <= f.torqueLimits[k] + 1e-6) }
        #expect(forwardDynamicsMismatch(f, c, state: state, tau: tau) < 1e-6)
    }

    /// When the program cannot be solved the controller falls back and counts it, never writing NaN: an
    /// impossible least normal force (10 kN per foot, while straight legs cannot accelerate the centre of mass
    /// upwards) is infeasible, and g(q)'s joint rows are used as there was no earlier solution; a NaN state is
    /// invalid input, and the last optimal torques are held.
    @Test func failuresFallBackWithoutNaN() throws {
        let f = try HumanoidFixture(height: 0.92)
        let state = f.state(pose: Transform(position: Vector3(0, 0, 0.92)))
        var parameters = WholeBodyParameters()
        parameters.minimumNormalForce = 10_000
        let impossible = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                             torqueLimits: f.torqueLimits, parameters: parameters,
                                             source: ScriptedSource(standingReference(f, state: state)))
        var tau = [Double](repeating: .nan, count: f.dof)
        impossible.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(impossible.lastStatus == .infeasible)
        #expect(impossible.failureCount == 1)
        var g = [Double](repeating: 0, count: f.nv)
        f.dynamics.gravity(q: state.q, basePose: state.basePose, into: &g)
        for j in 0..<f.dof { #expect(tau[j] == g[6 + j]) }

        let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                    torqueLimits: f.torqueLimits, parameters: WholeBodyParameters(),
                                    source: ScriptedSource(standingReference(f, state: state)))
        c.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(c.lastStatus == .optimal)
        let good = tau
        var broken = state
        broken.qd[3] = .nan
        c.computeTorques(state: broken, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
        #expect(c.lastStatus != .optimal)
        #expect(c.failureCount == 1 && c.solveCount == 2)
        #expect(tau == good)
        c.reset()
        #expect(c.failureCount == 0 && c.solveCount == 0)
    }

    /// After the first ticks, a control tick allocates nothing, in double and in single support.
    @Test func ticksDoNotAllocate() throws {
        let f = try HumanoidFixture(height: 0.92)
        var state = f.state(pose: Transform(position: Vector3(0, 0, 0.92)))
        let double = standingReference(f, state: state)
        var single = double
        single.feet[0].inContact = false
        single.feet[0].pose.position.z += 0.03
        let source = ScriptedSource(double)
        let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                    torqueLimits: f.torqueLimits, parameters: WholeBodyParameters(), source: source)
        var tau = [Double](repeating: 0, count: f.dof)
        let reference = Reference(dof: f.dof)
        for _ in 0..<3 {
            source.reference = double; c.computeTorques(state: state, reference: reference, dt: 0.001, tau: &tau)
            source.reference = single; c.computeTorques(state: state, reference: reference, dt: 0.001, tau: &tau)
        }
        source.reference = double
        var count = emb_test_thread_allocations()
        for k in 0..<20 {
            state.qd[k % f.dof] = 0.01 * Double(k)
            c.computeTorques(state: state, reference: reference, dt: 0.001, tau: &tau)
        }
        count = emb_test_thread_allocations() - count
        #expect(count == 0)
        source.reference = single
        count = emb_test_thread_allocations()
        for _ in 0..<20 { c.computeTorques(state: state, reference: reference, dt: 0.001, tau: &tau) }
        count = emb_test_thread_allocations() - count
        #expect(count == 0)
        #expect(c.failureCount == 0)
    }
}

@Suite("Whole-body control: the pelvis orientation task")
struct WholeBodyPelvisTests {
    /// Both feet planted, the torso upright and heading +x as its reference asks, the pelvis under it turned
    /// −0.1 rad in yaw (torso_yaw at +0.1 rad makes up the difference), everything at rest. The torso task is met
    /// and the feet are rigid, so only the pelvis task moves the base's yaw: with it the solution turns the pelvis
    /// back, ω̇_b,z = Kp_b e_z = 100 · 0.1 rad/s² (to 5 %); with its weight 0 the base's yaw is left alone (the
    /// posture task holds the joints where they are). With the base's load orientation in the torso frame
    /// R_tb = yaw(+0.1 rad), the target is R*_t R_tb and the error doubles.
    @Test func thePelvisTaskTurnsTheBaseToTheTorsoReference() throws {
        let f = try HumanoidFixture(height: 0.92)
        let torsoYaw = try #require(f.model.movableJoints.firstIndex { $0.name == "torso_yaw" })
        var q = [Double](repeating: 0, count: f.dof)
        q[torsoYaw] = 0.1
        let turned = Transform(position: Vector3(0, 0, 0.92), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: -0.1))
        let state = f.state(q: q, pose: turned)
        var reference = standingReference(f, state: state)
        reference.comPosition = f.mass.position(dynamics: f.dynamics, q: state.q, basePose: state.basePose)
        reference.torsoOrientation = .identity
        for i in 0..<f.dof { reference.posture[i] = q[i] }
        let torsoNow = f.dynamics.linkPose(link: f.torso, q: q, basePose: state.basePose).rotation
        #expect(torsoNow.angle(to: .identity) < 1e-12)   // the torso already meets its reference

        func baseYawAcceleration(weight: Double, pelvisInTorso: Quaternion = .identity) -> Double {
            var p = WholeBodyParameters()
            p.pelvisWeight = weight
            let c = WholeBodyController(dynamics: f.dynamics, mass: f.mass, soles: f.soles, torsoLink: f.torso,
                                        pelvisInTorso: pelvisInTorso, torqueLimits: f.torqueLimits, parameters: p,
                                        source: ScriptedSource(reference))
            var tau = [Double](repeating: .nan, count: f.dof)
            c.computeTorques(state: state, reference: Reference(dof: f.dof), dt: 0.001, tau: &tau)
            #expect(c.lastStatus == .optimal)
            #expect(tau.allSatisfy { $0.isFinite })
            return c.accelerations[5]
        }
        let kp = WholeBodyParameters().pelvisKp
        let held = baseYawAcceleration(weight: WholeBodyParameters().pelvisWeight)
        #expect(abs(held - kp * 0.1) < 0.05 * kp * 0.1, "ω̇_b,z = \(held) rad/s², expected \(kp * 0.1)")
        let free = baseYawAcceleration(weight: 0)
        #expect(abs(free) < 0.05 * kp * 0.1, "ω̇_b,z = \(free) rad/s² with the pelvis task off")
        let offset = baseYawAcceleration(weight: WholeBodyParameters().pelvisWeight,
                                         pelvisInTorso: Quaternion(axis: Vector3(0, 0, 1), angle: 0.1))
        #expect(abs(offset - kp * 0.2) < 0.05 * kp * 0.2, "ω̇_b,z = \(offset) rad/s², expected \(kp * 0.2)")
    }

    /// A negative or non-finite pelvis gain or weight is reported by `invalidity`, naming it.
    @Test func invalidPelvisParametersAreNamed() {
        let keys: [(WritableKeyPath<WholeBodyParameters, Double>, String)] = [
            (\.pelvisKp, "pelvisKp"), (\.pelvisKd, "pelvisKd"), (\.pelvisWeight, "pelvisWeight")]
        for (path, name) in keys {
            for bad in [-1.0, .nan, .infinity] {
                var p = WholeBodyParameters()
                p[keyPath: path] = bad
                #expect(p.invalidity?.contains(name) == true, "\(name) = \(bad): \(p.invalidity ?? "accepted")")
            }
        }
    }
}

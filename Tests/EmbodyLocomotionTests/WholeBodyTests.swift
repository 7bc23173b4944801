import CMallocCounter
import EmbodyControl
import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing
@testable import EmbodyLocomotion

// MARK: - The humanoid, as the whole-body controller sees it

/// The bundled humanoid in a world (with or without ground), floating, its pelvis 0.921 m up as in the
/// bundled scenarios, with everything the whole-body controller is built from.
struct HumanoidFixture {
    let world: World
    let robot: Robot
    let model: RobotModel
    let dynamics: RigidBodyDynamics
    let mass: MassDistribution
    let soles: [SoleGeometry]
    let torso: Int

    init(ground: Bool = false, height: Double = 0.921) throws {
        var settings = WorldSettings()
        settings.ground = ground
        world = try World(settings: settings)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        model = try URDFLoader.load(path: root.appendingPathComponent("Scenarios/robots/humanoid.urdf").path)
        var options = RobotOptions()
        options.fixedBase = false
        options.basePose = Transform(position: Vector3(0, 0, height))
        robot = try world.addRobot(model, options: options)
        dynamics = try robot.makeDynamics()
        mass = MassDistribution(model: model, linkOrder: robot.modelLinkIndex)
        var soles: [SoleGeometry] = []
        for name in ["left_foot", "right_foot"] {
            let link = try #require(robot.linkNames.firstIndex(of: name))
            let model = self.model
            let modelLink = model.links[robot.modelLinkIndex[link]]
            // At load the feet are level: world −z is link −z.
            soles.append(try SoleGeometry(footLink: modelLink, link: link, down: Vector3(0, 0, -1)))
        }
        self.soles = soles
        torso = try #require(robot.linkNames.firstIndex(of: "torso"))
    }

    var dof: Int { robot.dof }
    var nv: Int { dynamics.nv }

    /// A state at configuration q with the base at `pose`, at rest unless velocities are given.
    func state(q: [Double]? = nil, pose: Transform? = nil, v: [Double]? = nil) -> RobotState {
        var s = RobotState(dof: dof)
        if let q { s.q = q }
        s.basePose = pose ?? Transform(position: Vector3(0, 0, 0.921))
        if let v {
            s.baseLinearVelocity = Vector3(v[0], v[1], v[2])
            s.baseAngularVelocity = Vector3(v[3], v[4], v[5])
            for i in 0..<dof { s.qd[i] = v[6 + i] }
        }
        return s
    }

    /// Knees bent (hips −0.3, knees 0.6, ankles −0.3 rad: the feet stay flat and the torso upright), with the
    /// pelvis lowered so that the soles are on z = 0, at rest.
    func bentState() -> RobotState {
        var q = [Double](repeating: 0, count: dof)
        for leg in [0, 6] { q[leg + 2] = -0.3; q[leg + 3] = 0.6; q[leg + 4] = -0.3 }
        let probe = Transform(position: Vector3(0, 0, 1))
        let sole = soles[0].worldFrame(linkPose: dynamics.linkPose(link: soles[0].link, q: q, basePose: probe))
        return state(q: q, pose: Transform(position: Vector3(0, 0, 1 - sole.position.z)))
    }

    /// The effort limits of the URDF, N·m.
    var torqueLimits: [Double] { robot.effortLimits }
}

/// A deterministic generator for test configurations.
struct WholeBodyRandom {
    var stream: RandomStream
    init(seed: UInt64) { stream = RandomStream(seed: seed) }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { stream.uniform(a, b) }
    mutating func vector(_ n: Int, _ bound: Double) -> [Double] { (0..<n).map { _ in uniform(-bound, bound) } }
    mutating func pose() -> Transform {
        let axis = Vector3(uniform(-1, 1), uniform(-1, 1), uniform(-1, 1))
        return Transform(position: Vector3(uniform(-0.5, 0.5), uniform(-0.5, 0.5), uniform(0.5, 1.2)),
                         rotation: Quaternion(axis: axis / length(axis), angle: uniform(-0.6, 0.6)))
    }
}

/// The configuration moved by `step` along the generalized velocity `v` (floating base: origin by step·v_O,
/// rotation by exp(step·ω), world frame).
func movedConfiguration(q: [Double], pose: Transform, along v: [Double], by step: Double) -> ([Double], Transform) {
    var q2 = q
    for j in q.indices { q2[j] += step * v[6 + j] }
    let linear = Vector3(v[0], v[1], v[2]), angular = Vector3(v[3], v[4], v[5])
    return (q2, Transform(position: pose.position + step * linear,
                          rotation: Quaternion(rotationVector: step * angular) * pose.rotation))
}

/// Forwards everything to RigidBodyDynamics except `biasAcceleration`, so that the protocol's default
/// (a central difference) is what callers get.
final class DefaultBiasDynamics: RobotDynamics {
    let base: RigidBodyDynamics
    init(_ base: RigidBodyDynamics) { self.base = base }
    var dof: Int { base.dof }
    var floatingBase: Bool { base.floatingBase }
    var nv: Int { base.nv }
    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) { base.massMatrix(q: q, basePose: basePose, into: &out) }
    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) { base.bias(q: q, v: v, basePose: basePose, into: &out) }
    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) { base.gravity(q: q, basePose: basePose, into: &out) }
    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        base.jacobian(link: link, point: point, q: q, basePose: basePose, into: &out)
    }
    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform { base.linkPose(link: link, q: q, basePose: basePose) }
    func inverseDynamics(q: [Double], v: [Double], vdot: [Double], basePose: Transform, into out: inout [Double]) {
        base.inverseDynamics(q: q, v: v, vdot: vdot, basePose: basePose, into: &out)
    }
}

// MARK: - Sole geometry

@Suite("Whole-body control: model pieces")
struct WholeBodyModelTests {
    /// The humanoid's sole is the bottom face of its foot box (0.22 × 0.1 × 0.04 m at (0.04, 0, −0.05) in the
    /// foot link): centre (0.04, 0, −0.07), half extents 0.11 × 0.05 m, axes those of the link. At load it lies
    /// 1 mm above the ground (the pelvis starts at 0.921 m, 0.92 m above the sole).
    @Test func humanoidSoleComesFromTheFootBox() throws {
        let f = try HumanoidFixture()
        for sole in f.soles {
            #expect(length(sole.frame.position - Vector3(0.04, 0, -0.07)) < 1e-12)
            #expect(sole.frame.rotation.angle(to: .identity) < 1e-12)
            #expect(abs(sole.halfLength - 0.11) < 1e-12 && abs(sole.halfWidth - 0.05) < 1e-12)
            let world = sole.worldFrame(linkPose: f.dynamics.linkPose(link: sole.link, q: Array(repeating: 0, count: f.dof),
                                                                       basePose: Transform(position: Vector3(0, 0, 0.921))))
            #expect(abs(world.position.z - 0.001) < 1e-9)
            // Corners are counter-clockwise seen from above.
            var area = 0.0
            for k in 0..<4 {
                let a = sole.corner(k), b = sole.corner(k + 1)
                area += a.x * b.y - b.x * a.y
            }
            #expect(abs(area / 2 - 0.22 * 0.1) < 1e-12)
        }
        #expect(f.soles[0].margin(x: 0, y: 0) == 0.05)
        #expect(abs(f.soles[0].margin(x: 0.1, y: 0.01) - 0.01) < 1e-12)
        #expect(abs(f.soles[0].margin(x: 0.14, y: 0.09) + 0.05) < 1e-12)
    }

    /// A box turned 90° about z and one about x: the face chosen is the one facing `down`, the sole's x the box
    /// axis nearest the link's x, z into the foot; a link without a box is an error naming it.
    @Test func soleFollowsARotatedBoxAndRefusesALinkWithoutOne() throws {
        let here = SourceLocation(file: "<test>", line: 0)
        let turned = Geometry(origin: Transform(position: Vector3(0.1, 0, -0.2), rotation: Quaternion(axis: Vector3(0, 0, 1), angle: .pi / 2)),
                              shape: .box(size: Vector3(0.1, 0.3, 0.02)))
        let sole = try SoleGeometry(footLink: Link(name: "foot", collisions: [turned], location: here), link: 3, down: Vector3(0, 0, -2))
        #expect(length(sole.frame.position - Vector3(0.1, 0, -0.21)) < 1e-12)
        #expect(abs(sole.halfLength - 0.15) < 1e-12 && abs(sole.halfWidth - 0.05) < 1e-12)
        #expect(length(sole.frame.rotation.rotate(Vector3(1, 0, 0)) - Vector3(1, 0, 0)) < 1e-12)
        #expect(length(sole.frame.rotation.rotate(Vector3(0, 0, 1)) - Vector3(0, 0, 1)) < 1e-12)
        // The box's +y face points down after a quarter turn about x.
        let rolled = Geometry(origin: Transform(position: .zero, rotation: Quaternion(axis: Vector3(1, 0, 0), angle: -.pi / 2)),
                              shape: .box(size: Vector3(0.2, 0.04, 0.1)))
        let s2 = try SoleGeometry(footLink: Link(name: "foot", collisions: [rolled], location: here), link: 0, down: Vector3(0, 0, -1))
        #expect(length(s2.frame.position - Vector3(0, 0, -0.02)) < 1e-12)
        #expect(abs(s2.halfLength - 0.1) < 1e-12 && abs(s2.halfWidth - 0.05) < 1e-12)
        #expect(length(s2.frame.rotation.rotate(Vector3(0, 0, 1)) - Vector3(0, 0, 1)) < 1e-12)
        let round = Link(name: "ball_foot", collisions: [Geometry(shape: .sphere(radius: 0.05))], location: here)
        #expect(throws: SoleGeometryError.self) { try SoleGeometry(footLink: round, link: 0, down: Vector3(0, 0, -1)) }
        do {
            _ = try SoleGeometry(footLink: round, link: 0, down: Vector3(0, 0, -1))
        } catch {
            #expect(error.message.contains("ball_foot") && error.message.contains("collision box"))
        }
        #expect(throws: SoleGeometryError.self) { try SoleGeometry(footLink: round, link: 0, down: .zero) }
    }

    // MARK: Centre of mass

    /// The centre of mass from the inertials: its Jacobian from link Jacobians matches finite differences and
    /// the momentum rows M[0:3, :] / m; J̇_c v = (h − g)[0:3] / m matches a central difference of J_c v along v.
    @Test func centreOfMassJacobianAndDriftAgree() throws {
        let f = try HumanoidFixture()
        let d = f.dynamics, nv = f.nv, m = f.mass.totalMass
        #expect(abs(m - f.model.totalMass) < 1e-12)
        var random = WholeBodyRandom(seed: 5)
        var jac = [Double](repeating: 0, count: 3 * nv), scratch = [Double](repeating: 0, count: 6 * nv)
        var mm = [Double](repeating: 0, count: nv * nv), h = [Double](repeating: 0, count: nv), g = h
        var worstFD = 0.0, worstMomentum = 0.0, worstDrift = 0.0
        for _ in 0..<5 {
            let q = random.vector(f.dof, 0.5), pose = random.pose(), v = random.vector(nv, 1.5)
            f.mass.jacobian(dynamics: d, q: q, basePose: pose, scratch: &scratch, into: &jac)
            d.massMatrix(q: q, basePose: pose, into: &mm)
            for k in 0..<(3 * nv) { worstMomentum = max(worstMomentum, abs(jac[k] - mm[k] / m)) }
            let eps = 1e-6
            for col in 0..<nv {
                var e = [Double](repeating: 0, count: nv); e[col] = 1
                let (qp, pp) = movedConfiguration(q: q, pose: pose, along: e, by: eps), (qm, pm) = movedConfiguration(q: q, pose: pose, along: e, by: -eps)
                let dc = (f.mass.position(dynamics: d, q: qp, basePose: pp) - f.mass.position(dynamics: d, q: qm, basePose: pm)) / (2 * eps)
                for r in 0..<3 { worstFD = max(worstFD, abs(jac[r * nv + col] - dc[r])) }
            }
            d.bias(q: q, v: v, basePose: pose, into: &h)
            d.gravity(q: q, basePose: pose, into: &g)
            let drift = (0..<3).map { (h[$0] - g[$0]) / m }
            var jp = jac, jm = jac
            let step = 1e-5
            let (qp, pp) = movedConfiguration(q: q, pose: pose, along: v, by: step), (qm, pm) = movedConfiguration(q: q, pose: pose, along: v, by: -step)
            f.mass.jacobian(dynamics: d, q: qp, basePose: pp, scratch: &scratch, into: &jp)
            f.mass.jacobian(dynamics: d, q: qm, basePose: pm, scratch: &scratch, into: &jm)
            for r in 0..<3 {
                var s = 0.0
                for c in 0..<nv { s += (jp[r * nv + c] - jm[r * nv + c]) * v[c] }
                worstDrift = max(worstDrift, abs(s / (2 * step) - drift[r]))
            }
        }
        #expect(worstFD < 1e-7)
        #expect(worstMomentum < 1e-10)
        #expect(worstDrift < 1e-6)
    }

    /// The protocol's default J̇ v (a central difference along v) agrees with RigidBodyDynamics' exact one.
    @Test func defaultBiasAccelerationMatchesTheExactOne() throws {
        let f = try HumanoidFixture()
        let exact = f.dynamics, approximate = DefaultBiasDynamics(f.dynamics)
        var random = WholeBodyRandom(seed: 9)
        var worst = 0.0
        for _ in 0..<5 {
            let q = random.vector(f.dof, 0.5), pose = random.pose(), v = random.vector(f.nv, 2)
            for link in [f.soles[0].link, f.soles[1].link, f.torso] {
                let point = Vector3(0.04, 0.01, -0.07)
                let a = exact.biasAcceleration(link: link, point: point, q: q, v: v, basePose: pose)
                let b = approximate.biasAcceleration(link: link, point: point, q: q, v: v, basePose: pose)
                worst = max(worst, length(a.linear - b.linear), length(a.angular - b.angular))
            }
        }
        #expect(worst < 1e-6)
    }

    // MARK: The formulation without solving

    /// The program's rows are the equations of motion: for any v̇ and corner forces f, the floating-base
    /// equality residual A x − b equals the base rows of τ = ID(q, v, v̇) − Σ J_kᵀ f_k (J_k each corner point's
    /// own Jacobian), the joint torques read from x equal its joint rows, and each torque-limit row's slack is
    /// τ_max ∓ τ_j.
    @Test func dynamicsAndTorqueRowsMatchInverseDynamics() throws {
        let f = try HumanoidFixture()
        let d = f.dynamics, nv = f.nv, dof = f.dof
        var problem = WholeBodyProblem(nv: nv, stanceCount: 2)
        var random = WholeBodyRandom(seed: 21)
        var mm = [Double](repeating: 0, count: nv * nv), h = [Double](repeating: 0, count: nv)
        var js = [Double](repeating: 0, count: 6 * nv), jk = js
        var worstBase = 0.0, worstJoint = 0.0, worstSlack = 0.0
        let limits = f.torqueLimits
        for _ in 0..<4 {
            let q = random.vector(dof, 0.4), pose = random.pose(), v = random.vector(nv, 1), vdot = random.vector(nv, 3)
            let forces = random.vector(24, 80)
            d.massMatrix(q: q, basePose: pose, into: &mm)
            d.bias(q: q, v: v, basePose: pose, into: &h)
            problem.clear(accelerationRegularization: 1, forceRegularization: 1)
            var expected = [Double](repeating: 0, count: nv)
            d.inverseDynamics(q: q, v: v, vdot: vdot, basePose: pose, into: &expected)
            for slot in 0..<2 {
                let sole = f.soles[slot]
                let frame = sole.worldFrame(linkPose: d.linkPose(link: sole.link, q: q, basePose: pose))
                d.jacobian(link: sole.link, point: sole.frame.position, q: q, basePose: pose, into: &js)
                let r = frame.rotation
                problem.setContactMap(slot: slot, jacobian: js, offsets: (r.rotate(sole.corner(0)), r.rotate(sole.corner(1)),
                                                                         r.rotate(sole.corner(2)), r.rotate(sole.corner(3))))
                for k in 0..<4 {
                    d.jacobian(link: sole.link, point: sole.frame.apply(sole.corner(k)), q: q, basePose: pose, into: &jk)
                    for c in 0..<nv {
                        for a in 0..<3 { expected[c] -= jk[a * nv + c] * forces[12 * slot + 3 * k + a] }
                    }
                }
            }
            problem.setDynamicsRows(mass: mm, bias: h)
            problem.setTorqueRows(mass: mm, bias: h, limits: limits)
            let x = vdot + forces
            let n = problem.variableCount
            for r in 0..<6 {
                var s = -problem.equalityVector[r]
                for c in 0..<n { s += problem.equalityMatrix[r * n + c] * x[c] }
                worstBase = max(worstBase, abs(s - expected[r]))
            }
            var tau = [Double](repeating: 0, count: dof)
            problem.jointTorques(solution: x, mass: mm, bias: h, into: &tau)
            for j in 0..<dof { worstJoint = max(worstJoint, abs(tau[j] - expected[6 + j])) }
            for j in 0..<dof {
                for (row, slack) in [(34 + 2 * j, limits[j] - tau[j]), (35 + 2 * j, limits[j] + tau[j])] {
                    var s = -problem.inequalityVector[row]
                    for c in 0..<n { s += problem.inequalityMatrix[row * n + c] * x[c] }
                    worstSlack = max(worstSlack, abs(s - slack))
                }
            }
        }
        #expect(worstBase < 1e-8)
        #expect(worstJoint < 1e-8)
        #expect(worstSlack < 1e-8)
    }

    /// The friction and normal-force rows accept forces inside the inscribed pyramid and reject one outside it
    /// or one that pulls; the rows are written in the sole's own axes, so a tilted sole tilts the cone.
    @Test func frictionRowsBoundTheCornerForces() {
        var problem = WholeBodyProblem(nv: 8, stanceCount: 1)
        let tilt = Quaternion(axis: Vector3(1, 0, 0), angle: 0.3)
        let t1 = tilt.rotate(Vector3(1, 0, 0)), t2 = tilt.rotate(Vector3(0, 1, 0)), n = tilt.rotate(Vector3(0, 0, 1))
        problem.setFrictionRows(slot: 0, tangent1: t1, tangent2: t2, normal: n, friction: 0.8, minimumNormalForce: 20)
        func satisfied(_ cornerForces: [Vector3]) -> Bool {
            var x = [Double](repeating: 0, count: problem.variableCount)
            for (k, f) in cornerForces.enumerated() { x[8 + 3 * k] = f.x; x[8 + 3 * k + 1] = f.y; x[8 + 3 * k + 2] = f.z }
            let cols = problem.variableCount
            for r in 0..<17 {
                var s = -problem.inequalityVector[r]
                for c in 0..<cols { s += problem.inequalityMatrix[r * cols + c] * x[c] }
                if s < -1e-12 { return false }
            }
            return true
        }
        let inner = 0.8 / 2.0.squareRoot()
        let inside = 10 * n + 0.99 * inner * 10 * t1
        let outside = 10 * n + 1.01 * inner * 10 * t2
        #expect(satisfied([inside, inside, inside, inside]))
        #expect(!satisfied([inside, inside, outside, inside]))
        #expect(!satisfied([inside, inside, inside, -1 * n]))                 // a corner that pulls
        #expect(!satisfied([4 * n, 4 * n, 4 * n, 4 * n]))                     // 16 N < f_min = 20 N
        #expect(satisfied([6 * n, 6 * n, 4 * n, 4 * n]))
    }
}

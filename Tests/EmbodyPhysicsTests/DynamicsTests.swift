import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Dynamics terms: M(q), h(q, v), g(q), Jacobians and forward kinematics (docs/dynamics.md)

/// Random states from SplitMix64 (EmbodyModel), so every run draws the same ones.
private struct DynamicsRandom {
    private var generator: SplitMix64

    /// Creates a generator from a seed.
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// The next 64 random bits.
    mutating func next() -> UInt64 { generator.next() }

    /// A uniform double in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) * 0x1.0p-53
    }

    /// n uniform doubles in [−bound, bound).
    mutating func vector(_ n: Int, bound: Double) -> [Double] { (0..<n).map { _ in uniform(-bound, bound) } }

    /// A uniformly distributed rotation (normalized Gaussian-free: rejection from the unit 4-ball).
    mutating func rotation() -> Quaternion {
        while true {
            let x = uniform(-1, 1), y = uniform(-1, 1), z = uniform(-1, 1), w = uniform(-1, 1)
            let n = (x * x + y * y + z * z + w * w).squareRoot()
            if n > 0.1 && n <= 1 { return Quaternion(x: x / n, y: y / n, z: z / n, w: w / n) }
        }
    }

    /// A pose within 1 m of (0, 0, 1) with a uniformly random orientation.
    mutating func pose() -> Transform {
        Transform(position: Vector3(uniform(-1, 1), uniform(-1, 1), uniform(0, 2)), rotation: rotation())
    }

    /// Joint positions inside each joint's limits, shrunk at each end by `margin` (at most a quarter of the
    /// range); ±1 rad for continuous joints.
    mutating func q(_ robot: Robot, margin: Double = 0) -> [Double] {
        robot.positionLimits.map { l in
            guard l.lowerBound.isFinite && l.upperBound.isFinite else { return uniform(-1, 1) }
            let m = min(margin, (l.upperBound - l.lowerBound) / 4)
            return uniform(l.lowerBound + m, l.upperBound - m)
        }
    }

    /// Generalized forces: base wrench entries in ±`bound`, joint torques in ±min(bound, effort limit).
    mutating func tau(_ robot: Robot, bound: Double) -> [Double] {
        let base = robot.fixedBase ? [] : vector(6, bound: bound)
        return base + robot.effortLimits.map { uniform(-min(bound, $0), min(bound, $0)) }
    }
}

// MARK: - Small linear algebra for the checks

/// y = A x for a row-major n × m matrix.
private func matVec(_ a: [Double], _ x: [Double], rows: Int) -> [Double] {
    let cols = x.count
    return (0..<rows).map { i in (0..<cols).reduce(0.0) { $0 + a[i * cols + $1] * x[$1] } }
}

/// The largest absolute entry.
private func maxAbs(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }

/// The largest absolute difference between the first n entries of a and b.
private func maxDifference(_ a: [Double], _ b: [Double], count n: Int) -> Double {
    var worst = 0.0
    for i in 0..<n { worst = max(worst, abs(a[i] - b[i])) }
    return worst
}

/// Whether the Cholesky factorization of the symmetric n × n matrix succeeds (it is positive definite).
private func choleskySucceeds(_ m: [Double], _ n: Int) -> Bool {
    var l = [Double](repeating: 0, count: n * n)
    for j in 0..<n {
        var d = m[j * n + j]
        for k in 0..<j { d -= l[j * n + k] * l[j * n + k] }
        guard d > 0 else { return false }
        l[j * n + j] = d.squareRoot()
        for i in (j + 1)..<max(j + 1, n) {
            var s = m[i * n + j]
            for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
            l[i * n + j] = s / l[j * n + j]
        }
    }
    return true
}

/// The rotation vector (axis × angle, rad) of a unit quaternion.
private func rotationVector(_ q: Quaternion) -> Vector3 {
    let s = q.w < 0 ? -1.0 : 1.0
    let v = Vector3(q.x, q.y, q.z) * s, w = q.w * s
    let n = length(v)
    return n < 1e-300 ? 2 * v : v * (2 * atan2(n, w) / n)
}

/// The largest difference between two poses: position (m) and quaternion components, signs aligned.
private func poseDifference(_ a: Transform, _ b: Transform) -> Double {
    let p = a.position - b.position
    let s = a.rotation.x * b.rotation.x + a.rotation.y * b.rotation.y + a.rotation.z * b.rotation.z
        + a.rotation.w * b.rotation.w < 0 ? -1.0 : 1.0
    let r = [a.rotation.x - s * b.rotation.x, a.rotation.y - s * b.rotation.y,
             a.rotation.z - s * b.rotation.z, a.rotation.w - s * b.rotation.w]
    return max(maxAbs([p.x, p.y, p.z]), maxAbs(r))
}

/// The configuration moved by `step` along generalized velocity direction `direction` (nv values): joints by
/// q̇ step, the base origin by v_O step and the base rotation by exp(ω step) on the world side.
private func moved(q: [Double], pose: Transform, along direction: [Double], by step: Double, floating: Bool) -> ([Double], Transform) {
    let b = floating ? 6 : 0
    var q2 = q
    for j in q.indices { q2[j] += step * direction[b + j] }
    guard floating else { return (q2, pose) }
    let dp = Vector3(direction[0], direction[1], direction[2]) * step
    let w = Vector3(direction[3], direction[4], direction[5]) * step
    let angle = length(w)
    let turn = angle > 0 ? Quaternion(axis: w / angle, angle: angle) : .identity
    return (q2, Transform(position: pose.position + dp, rotation: turn * pose.rotation))
}

// MARK: - Robots under test

/// A robot in a world without ground (so nothing touches), with its dynamics terms.
private struct DynamicsFixture {
    let world: World
    let robot: Robot
    let dynamics: RigidBodyDynamics
}

/// The 9-dof arm with a fixed base, or the 21-dof humanoid with a floating base.
private func dynamicsFixture(_ name: String) throws -> DynamicsFixture {
    let world = try emptyWorld()
    let model = try URDFLoader.load(path: robotPath("\(name).urdf"))
    var options = RobotOptions()
    options.fixedBase = name == "arm7"
    if name == "humanoid" { options.basePose = Transform(position: Vector3(0, 0, pelvisAboveSole)) }
    let robot = try world.addRobot(model, options: options)
    return DynamicsFixture(world: world, robot: robot, dynamics: try robot.makeDynamics())
}

/// A tree built in code that exercises what the shipped URDFs do not: rotated joint and inertial frames,
/// full inertia tensors, oblique axes, prismatic and fixed joints, and several branches.
private func twistedTree() -> RobotModel {
    var random = DynamicsRandom(seed: 77)
    func inertial(_ mass: Double, _ size: Vector3) -> Inertial {
        // A box's principal moments, turned by a random rotation into a full tensor.
        let d = [size.y * size.y + size.z * size.z, size.x * size.x + size.z * size.z,
                 size.x * size.x + size.y * size.y].map { mass * $0 / 12 }
        let r = random.rotation().matrix
        func i(_ a: Int, _ b: Int) -> Double { (0..<3).reduce(0.0) { $0 + r[a][$1] * d[$1] * r[b][$1] } }
        return Inertial(mass: mass, origin: Transform(position: Vector3(random.vector(3, bound: 0.1)), rotation: random.rotation()),
                        ixx: i(0, 0), iyy: i(1, 1), izz: i(2, 2), ixy: i(0, 1), ixz: i(0, 2), iyz: i(1, 2))
    }
    func origin() -> Transform {
        Transform(position: Vector3(random.vector(3, bound: 0.3)), rotation: random.rotation())
    }
    func axis() -> Vector3 { let a = Vector3(random.vector(3, bound: 1)); return a / length(a) }
    let limit = JointLimit(lower: -1.5, upper: 1.5, effort: 100, velocity: 10)
    let names = ["base", "a1", "a2", "a3", "a4", "b1", "b2", "c1"]
    let links = names.enumerated().map { i, n in
        Link(name: n, inertial: inertial(0.5 + Double(i) * 0.3, Vector3(0.1, 0.2, 0.3 + 0.05 * Double(i))), location: here)
    }
    let joints = [
        Joint(name: "j1", type: .revolute, parent: 0, child: 1, origin: origin(), axis: axis(), limit: limit, location: here),
        Joint(name: "j2", type: .prismatic, parent: 1, child: 2, origin: origin(), axis: axis(), limit: limit, location: here),
        Joint(name: "j3", type: .fixed, parent: 2, child: 3, origin: origin(), location: here),
        Joint(name: "j4", type: .revolute, parent: 3, child: 4, origin: origin(), axis: axis(), limit: limit, location: here),
        Joint(name: "j5", type: .continuous, parent: 0, child: 5, origin: origin(), axis: axis(), limit: limit, location: here),
        Joint(name: "j6", type: .revolute, parent: 5, child: 6, origin: origin(), axis: axis(), limit: limit, location: here),
        Joint(name: "j7", type: .revolute, parent: 1, child: 7, origin: origin(), axis: axis(), limit: limit, location: here),
    ]
    return RobotModel(name: "twisted", links: links, joints: joints, root: 0, sourcePath: "<test>")
}

/// The twisted tree with a fixed or a floating base.
private func twistedFixture(floating: Bool) throws -> DynamicsFixture {
    let world = try emptyWorld()
    var options = RobotOptions()
    options.fixedBase = !floating
    options.basePose = Transform(position: Vector3(0.2, -0.1, 1.0), rotation: Quaternion(axis: Vector3(0, 0.6, 0.8), angle: 0.7))
    let robot = try world.addRobot(twistedTree(), options: options)
    return DynamicsFixture(world: world, robot: robot, dynamics: try robot.makeDynamics())
}

/// Every robot the equation-of-motion checks run on.
private let dynamicsRobots = ["arm7", "humanoid", "twisted-fixed", "twisted-floating"]

private func fixture(named name: String) throws -> DynamicsFixture {
    switch name {
    case "twisted-fixed": try twistedFixture(floating: false)
    case "twisted-floating": try twistedFixture(floating: true)
    default: try dynamicsFixture(name)
    }
}

// MARK: - Tests

@Suite("Dynamics terms")
struct DynamicsTests {
    /// At 20 random states, M v̇ + h = τ where v̇ is what Bullet's articulated-body algorithm (the simulator's
    /// own forward dynamics) computes for τ; M is symmetric positive definite, g = h(q, 0), RNEA reproduces τ,
    /// and C(q, v) v is quadratic in v.
    @Test(arguments: dynamicsRobots)
    func equationsOfMotionAgreeWithBulletABA(_ name: String) throws {
        let f = try fixture(named: name)
        let d = f.dynamics, nv = d.nv
        var random = DynamicsRandom(seed: 2024)
        var m = [Double](repeating: 0, count: nv * nv)
        var h = [Double](repeating: 0, count: nv), g = h, h0 = h, h2 = h, vdot = h, tauID = h
        var worstResidual = 0.0, worstAsymmetry = 0.0, worstGravity = 0.0, worstID = 0.0, worstQuadratic = 0.0
        for _ in 0..<20 {
            let q = random.q(f.robot)
            let v = random.vector(nv, bound: 1)
            let tau = random.tau(f.robot, bound: 20)
            let pose = random.pose()
            d.forwardDynamics(q: q, v: v, tau: tau, basePose: pose, into: &vdot)
            d.massMatrix(q: q, basePose: pose, into: &m)
            d.bias(q: q, v: v, basePose: pose, into: &h)
            let mv = matVec(m, vdot, rows: nv)
            let lhs: [Double] = (0..<nv).map { mv[$0] + h[$0] }
            worstResidual = max(worstResidual, maxDifference(lhs, tau, count: nv))

            for i in 0..<nv { for k in 0..<i { worstAsymmetry = max(worstAsymmetry, abs(m[i * nv + k] - m[k * nv + i])) } }
            #expect(choleskySucceeds(m, nv), "M is not positive definite")

            d.gravity(q: q, basePose: pose, into: &g)
            d.bias(q: q, v: [Double](repeating: 0, count: nv), basePose: pose, into: &h0)
            worstGravity = max(worstGravity, maxDifference(g, h0, count: nv))

            d.inverseDynamics(q: q, v: v, vdot: vdot, basePose: pose, into: &tauID)
            worstID = max(worstID, maxDifference(tauID, tau, count: nv))

            d.bias(q: q, v: v.map { 2 * $0 }, basePose: pose, into: &h2)
            for i in 0..<nv {
                let c2 = h2[i] - g[i], c1 = h[i] - g[i]
                worstQuadratic = max(worstQuadratic, abs(c2 - 4 * c1))
            }
        }
        print("\(name): |M v̇ + h − τ|∞ \(worstResidual), |M − Mᵀ| \(worstAsymmetry), |g − h(q,0)| \(worstGravity), "
              + "|RNEA − τ| \(worstID), |C(2v)2v − 4C(v)v| \(worstQuadratic)")
        #expect(worstResidual < 1e-8)
        #expect(worstAsymmetry < 1e-12)
        #expect(worstGravity < 1e-12)
        #expect(worstID < 1e-8)
        #expect(worstQuadratic < 1e-9)
    }

    /// The private copy is the simulated robot: one simulator step of h changes q̇ by q̈ h, with q̈ (and the
    /// base's ω̇) from emb_dynamics_forward, while no limit, contact or friction acts.
    @Test(arguments: ["arm7", "humanoid", "twisted-floating"])
    func forwardDynamicsIsWhatTheSimulatorIntegrates(_ name: String) throws {
        let f = try fixture(named: name)
        let d = f.dynamics, nv = d.nv, b = d.baseVelocityCount
        var random = DynamicsRandom(seed: 99)
        var vdot = [Double](repeating: 0, count: nv), after = vdot
        let dt = 1e-3
        var worst = 0.0
        for _ in 0..<5 {
            let q = random.q(f.robot, margin: 0.1)
            let v = random.vector(nv, bound: 1)
            var tau = random.tau(f.robot, bound: 10)
            for i in 0..<b { tau[i] = 0 }  // the simulator applies joint torques only
            let pose = f.robot.fixedBase ? f.robot.basePose : random.pose()
            f.robot.setQ(q)
            f.robot.basePose = pose
            f.robot.setGeneralizedVelocity(v)
            f.robot.setTorques(Array(tau[b...]))
            d.forwardDynamics(q: q, v: v, tau: tau, basePose: f.robot.basePose, into: &vdot)
            f.world.step(dt: dt)
            f.robot.getGeneralizedVelocity(&after)
            let first = f.robot.fixedBase ? 0 : 3  // the base origin's velocity change also holds ω × ρ̇ terms
            for i in first..<nv { worst = max(worst, abs((after[i] - v[i]) / dt - vdot[i]) / max(1, abs(vdot[i]))) }
        }
        print("\(name): one simulator step vs emb_dynamics_forward, worst relative q̈ difference \(worst)")
        #expect(worst < 1e-9)
    }

    /// Point and frame Jacobians match central differences of forward kinematics (step 1e-6), base columns
    /// included; J̇ v matches the central difference of J v along v.
    @Test(arguments: [("arm7", ["ee_link", "link_4", "hand", "finger_left", "base_link"]),
                      ("humanoid", ["left_foot", "right_foot", "left_forearm", "right_forearm", "head", "pelvis"]),
                      ("twisted-floating", ["a4", "a3", "b2", "c1", "base"])])
    func jacobiansMatchFiniteDifferences(_ name: String, _ linkNames: [String]) throws {
        let f = try fixture(named: name)
        let d = f.dynamics, nv = d.nv
        var random = DynamicsRandom(seed: 5)
        var jac = [Double](repeating: 0, count: 6 * nv), jPlus = jac, jMinus = jac
        let eps = 1e-6
        var worstJ = 0.0, worstJdot = 0.0
        for _ in 0..<3 {
            let q = random.q(f.robot)
            let pose = random.pose()
            let v = random.vector(nv, bound: 1)
            for name in linkNames {
                let link = try #require(d.linkIndex(named: name))
                for point in [Vector3.zero, Vector3(0.05, -0.03, 0.1)] {
                    d.jacobian(link: link, point: point, q: q, basePose: pose, into: &jac)
                    for col in 0..<nv {
                        var e = [Double](repeating: 0, count: nv)
                        e[col] = 1
                        let (qp, pp) = moved(q: q, pose: pose, along: e, by: eps, floating: d.floatingBase)
                        let (qm, pm) = moved(q: q, pose: pose, along: e, by: -eps, floating: d.floatingBase)
                        let tp = d.linkPose(link: link, q: qp, basePose: pp), tm = d.linkPose(link: link, q: qm, basePose: pm)
                        let lin = (tp.apply(point) - tm.apply(point)) / (2 * eps)
                        let ang = rotationVector(tp.rotation * tm.rotation.conjugate) / (2 * eps)
                        for r in 0..<3 {
                            worstJ = max(worstJ, abs(jac[r * nv + col] - lin[r]), abs(jac[(3 + r) * nv + col] - ang[r]))
                        }
                    }
                    // J̇ v = d/dt (J v) along the motion with velocity v.
                    let (qp, pp) = moved(q: q, pose: pose, along: v, by: eps, floating: d.floatingBase)
                    let (qm, pm) = moved(q: q, pose: pose, along: v, by: -eps, floating: d.floatingBase)
                    d.jacobian(link: link, point: point, q: qp, basePose: pp, into: &jPlus)
                    d.jacobian(link: link, point: point, q: qm, basePose: pm, into: &jMinus)
                    let dj = (0..<(6 * nv)).map { (jPlus[$0] - jMinus[$0]) / (2 * eps) }
                    let expected = matVec(dj, v, rows: 6)
                    let a = d.biasAcceleration(link: link, point: point, q: q, v: v, basePose: pose)
                    let got = [a.linear.x, a.linear.y, a.linear.z, a.angular.x, a.angular.y, a.angular.z]
                    worstJdot = max(worstJdot, maxAbs((0..<6).map { got[$0] - expected[$0] }))
                }
            }
        }
        print("\(name): worst Jacobian vs finite differences \(worstJ), J̇v \(worstJdot)")
        #expect(worstJ < 1e-6)
        #expect(worstJdot < 1e-6)
    }

    /// Forward kinematics equals the simulator's link poses after setQ and a base pose, for every link.
    @Test(arguments: ["arm7", "humanoid", "twisted-fixed", "twisted-floating"])
    func forwardKinematicsMatchesTheSimulator(_ name: String) throws {
        let f = try fixture(named: name)
        let d = f.dynamics, n = f.robot.linkCount
        var random = DynamicsRandom(seed: 11)
        var poses = [Double](repeating: 0, count: 7 * n)
        var worst = 0.0
        for _ in 0..<10 {
            let q = random.q(f.robot)
            f.robot.setQ(q)
            if !f.robot.fixedBase { f.robot.basePose = random.pose() }
            let base = f.robot.basePose
            f.robot.getLinkPoses(&poses)
            for link in 0..<n {
                worst = max(worst, poseDifference(d.linkPose(link: link, q: q, basePose: base), Transform(poses, from: 7 * link)))
            }
        }
        print("\(name): worst forward-kinematics difference from the simulator \(worst)")
        #expect(worst < 1e-12)
    }

    /// A single pendulum: M = m L² + I, g = m g L sin q (a positive q about +y swings the mass towards −x,
    /// raising it), h(q, q̇) = g(q), and the bob's Jacobian is (−L cos q, 0, L sin q | 0, 1, 0).
    @Test func singlePendulumMatchesAnalyticFormulas() throws {
        let (mass, l, r, g0) = (1.3, 0.7, 0.01, 9.81)
        let world = try emptyWorld()
        let robot = try world.addRobot(pendulumChain(lengths: [l], masses: [mass], radius: r), options: fixedBase())
        let d = try robot.makeDynamics()
        #expect(d.nv == 1 && !d.floatingBase)
        var m = [0.0], h = [0.0], g = [0.0], jac = [Double](repeating: 0, count: 6)
        var worst = 0.0
        for q in [-2.5, -0.7, 0.0, 0.3, 1.2, 3.0] {
            let qd = 1.7 * q - 0.4
            d.massMatrix(q: [q], basePose: .identity, into: &m)
            d.gravity(q: [q], basePose: .identity, into: &g)
            d.bias(q: [q], v: [qd], basePose: .identity, into: &h)
            d.jacobian(link: 1, point: Vector3(0, 0, -l), q: [q], basePose: .identity, into: &jac)
            let expected = [-l * cos(q), 0, l * sin(q), 0, 1, 0]
            let errors = [m[0] - (mass * l * l + 0.4 * mass * r * r), g[0] - mass * g0 * l * sin(q), h[0] - g[0]]
                + (0..<6).map { jac[$0] - expected[$0] }
            worst = max(worst, maxAbs(errors))
        }
        print("single pendulum: worst difference from M = m L² + I, g = m g L sin q, h = g, J: \(worst)")
        #expect(worst < 1e-13)
    }

    /// A double pendulum of point masses (plus tiny sphere inertias): the textbook M(q), Coriolis and gravity.
    @Test func doublePendulumMatchesAnalyticFormulas() throws {
        let (m1, m2, l1, l2, r, g0) = (1.1, 0.8, 0.6, 0.45, 0.01, 9.81)
        let world = try emptyWorld()
        let robot = try world.addRobot(pendulumChain(lengths: [l1, l2], masses: [m1, m2], radius: r), options: fixedBase())
        let d = try robot.makeDynamics()
        let (i1, i2) = (0.4 * m1 * r * r, 0.4 * m2 * r * r)
        var m = [Double](repeating: 0, count: 4), h = [0.0, 0.0]
        var random = DynamicsRandom(seed: 3)
        var worst = 0.0
        for _ in 0..<10 {
            let (q1, q2, u1, u2) = (random.uniform(-3, 3), random.uniform(-3, 3), random.uniform(-2, 2), random.uniform(-2, 2))
            d.massMatrix(q: [q1, q2], basePose: .identity, into: &m)
            d.bias(q: [q1, q2], v: [u1, u2], basePose: .identity, into: &h)
            let c2 = cos(q2), s2 = sin(q2)
            let m11 = m1 * l1 * l1 + m2 * (l1 * l1 + l2 * l2 + 2 * l1 * l2 * c2) + i1 + i2
            let m12 = m2 * (l2 * l2 + l1 * l2 * c2) + i2
            let m22 = m2 * l2 * l2 + i2
            let h1 = -m2 * l1 * l2 * s2 * (2 * u1 * u2 + u2 * u2) + (m1 + m2) * g0 * l1 * sin(q1) + m2 * g0 * l2 * sin(q1 + q2)
            let h2 = m2 * l1 * l2 * s2 * u1 * u1 + m2 * g0 * l2 * sin(q1 + q2)
            worst = max(worst, maxAbs([m[0] - m11, m[1] - m12, m[2] - m12, m[3] - m22, h[0] - h1, h[1] - h2]))
        }
        print("double pendulum: worst difference from the textbook M and h \(worst)")
        #expect(worst < 1e-12)
    }

    /// A floating single body: M is the rigid body's inertia at the link origin, h(q, 0) = −m g on the linear
    /// rows plus the torque of gravity about the origin, and a free body falls at g.
    @Test func floatingRigidBodyMatchesNewtonEuler() throws {
        let world = try emptyWorld()
        let com = Vector3(0.1, -0.05, 0.2)
        let link = Link(name: "block", inertial: Inertial(mass: 2, origin: Transform(position: com), ixx: 0.1, iyy: 0.2, izz: 0.3),
                        location: here)
        let model = RobotModel(name: "block", links: [link], joints: [], root: 0, sourcePath: "<test>")
        var options = RobotOptions()
        options.fixedBase = false
        let robot = try world.addRobot(model, options: options)
        let d = try robot.makeDynamics()
        #expect(d.nv == 6 && d.dof == 0)
        let pose = Transform(position: Vector3(1, 2, 3), rotation: Quaternion(axis: Vector3(1, 0, 0), angle: 0.4))
        var g = [Double](repeating: 0, count: 6), m = [Double](repeating: 0, count: 36), vdot = g
        d.gravity(q: [], basePose: pose, into: &g)
        let rho = pose.rotation.rotate(com)
        let weight = Vector3(0, 0, -9.81 * 2)
        let torque = cross(rho, weight)
        let expected = [-weight.x, -weight.y, -weight.z, -torque.x, -torque.y, -torque.z]
        #expect(maxAbs((0..<6).map { g[$0] - expected[$0] }) < 1e-13)
        d.massMatrix(q: [], basePose: pose, into: &m)
        #expect(abs(m[0] - 2) < 1e-14 && abs(m[7] - 2) < 1e-14 && abs(m[14] - 2) < 1e-14)
        // Linear-angular coupling −m [ρ]×: the origin's velocity when the body spins about it.
        #expect(abs(m[0 * 6 + 4] - (-2 * -rho.z)) < 1e-14 && abs(m[1 * 6 + 3] - (-2 * rho.z)) < 1e-14)
        d.forwardDynamics(q: [], v: [0, 0, 0, 0, 0, 0], tau: [0, 0, 0, 0, 0, 0], basePose: pose, into: &vdot)
        #expect(maxAbs([vdot[0], vdot[1], vdot[2] + 9.81, vdot[3], vdot[4], vdot[5]]) < 1e-12)
    }

    /// Computing terms never touches the simulated state, and gravity comes from the world.
    @Test func termsLeaveTheSimulationUntouched() throws {
        var settings = WorldSettings()
        settings.ground = false
        settings.gravity = Vector3(0.5, -0.2, -3.7)
        let world = try World(settings: settings)
        let model = try URDFLoader.load(path: robotPath("humanoid.urdf"))
        var options = RobotOptions()
        options.fixedBase = false
        let robot = try world.addRobot(model, options: options)
        let d = try robot.makeDynamics()
        #expect(d.gravityVector == settings.gravity)
        var random = DynamicsRandom(seed: 8)
        robot.setQ(random.q(robot))
        robot.setGeneralizedVelocity(random.vector(d.nv, bound: 1))
        world.step(dt: 1e-3)
        let before = world.stateHash()
        var m = [Double](repeating: 0, count: d.nv * d.nv), h = [Double](repeating: 0, count: d.nv), j = m
        let q = random.q(robot), v = random.vector(d.nv, bound: 1), pose = random.pose()
        d.massMatrix(q: q, basePose: pose, into: &m)
        d.bias(q: q, v: v, basePose: pose, into: &h)
        d.forwardDynamics(q: q, v: v, tau: random.tau(robot, bound: 5), basePose: pose, into: &h)
        d.jacobian(link: 3, point: .zero, q: q, basePose: pose, into: &j)
        _ = d.linkPose(link: 5, q: q, basePose: pose)
        #expect(world.stateHash() == before)
        // Gravity follows the world's when told.
        d.gravityVector = Vector3(0, 0, -9.81)
        #expect(d.gravityVector == Vector3(0, 0, -9.81))
    }

    /// Time per call on the humanoid (27 × 27 M); printed for docs/dynamics.md, bounded loosely. "Cold" calls
    /// alternate between two configurations, so each one recomputes the kinematics; the "tick" is what a
    /// controller does at one configuration: M, h and a foot Jacobian.
    @Test func timingsOnTheHumanoid() throws {
        let f = try dynamicsFixture("humanoid")
        let d = f.dynamics, nv = d.nv
        var random = DynamicsRandom(seed: 1)
        let qs = [random.q(f.robot), random.q(f.robot)]
        let v = random.vector(nv, bound: 1), tau = random.tau(f.robot, bound: 5)
        let pose = random.pose()
        let foot = try #require(d.linkIndex(named: "left_foot"))
        var m = [Double](repeating: 0, count: nv * nv), h = [Double](repeating: 0, count: nv)
        var j = [Double](repeating: 0, count: 6 * nv)
        /// The best of 5 batches of 2000 calls, in µs per call (the machine may be busy with other work).
        func perCall(_ body: (Int) -> Void) -> Double {
            var best = Double.infinity
            for _ in 0..<5 {
                let start = ContinuousClock.now
                for i in 0..<2000 { body(i) }
                let (s, atto) = (ContinuousClock.now - start).components
                best = min(best, (Double(s) + Double(atto) * 1e-18) / 2000 * 1e6)
            }
            return best
        }
        let tM = perCall { d.massMatrix(q: qs[$0 & 1], basePose: pose, into: &m) }
        let tH = perCall { d.bias(q: qs[$0 & 1], v: v, basePose: pose, into: &h) }
        let tG = perCall { d.gravity(q: qs[$0 & 1], basePose: pose, into: &h) }
        let tJ = perCall { d.jacobian(link: foot, point: .zero, q: qs[$0 & 1], basePose: pose, into: &j) }
        let tF = perCall { d.forwardDynamics(q: qs[$0 & 1], v: v, tau: tau, basePose: pose, into: &h) }
        let tP = perCall { _ = d.linkPose(link: foot, q: qs[$0 & 1], basePose: pose) }
        let tTick = perCall {
            d.massMatrix(q: qs[$0 & 1], basePose: pose, into: &m)
            d.bias(q: qs[$0 & 1], v: v, basePose: pose, into: &h)
            d.jacobian(link: foot, point: .zero, q: qs[$0 & 1], basePose: pose, into: &j)
        }
        print(String(format: "humanoid (nv = %d), µs per call: M %.2f, h %.2f, g %.2f, J %.2f, forward (Bullet ABA) %.2f, "
                     + "link pose %.2f; tick (M + h + J at one q) %.2f", nv, tM, tH, tG, tJ, tF, tP, tTick))
        #expect(max(tM, tH, tG, tJ, tF, tP) < 1000)
    }
}

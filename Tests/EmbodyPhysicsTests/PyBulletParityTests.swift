import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Dynamics parity with PyBullet, which runs the same Bullet engine

/// The reference run written by tools/parity/pybullet_arm.py.
struct PyBulletReference: Decodable {
    struct Sample: Decodable { var tick: Int; var q: [Double]; var qd: [Double] }
    var urdf: String
    var dt: Double
    var joint_names: [String]
    var joint_damping: [Double]
    var base_position: [Double]
    var base_orientation: [Double]
    var q0: [Double]
    var qd0: [Double]
    var torques: [[Double]]
    var samples: [Sample]
}

/// Runs a command and returns its exit status, with stdout and stderr appended to `log`.
@discardableResult
func run(_ arguments: [String], log: inout String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    log += String(decoding: data, as: UTF8.self)
    return process.terminationStatus
}

/// Makes sure `import pybullet` works, installing pybullet 3.2.7 from PyPI when it is missing.
func ensurePyBullet() throws {
    var log = ""
    if try run(["python3", "-c", "import pybullet"], log: &log) == 0 { return }
    let status = try run(["python3", "-m", "pip", "install", "--quiet", "pybullet==3.2.7"], log: &log)
    let importable = status == 0 ? try run(["python3", "-c", "import pybullet"], log: &log) == 0 : false
    if !importable {
        Issue.record("could not install pybullet: \(log)")
        throw PhysicsError("pybullet is not available")
    }
}

@Suite("PyBullet parity")
struct PyBulletParityTests {
    /// kuka_iiwa/model.urdf from pybullet_data, the same torques, inertia from the file, no motors, no link
    /// damping: joint angles and velocities are bit-identical to PyBullet's over 2 s at 1 kHz (both run
    /// Bullet's multibody with the same solver settings, so the same floating-point operations in the same order).
    @Test func kukaIiwaMatchesPyBulletAfterTwoSeconds() throws {
        try ensurePyBullet()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("embody-parity-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        var log = ""
        let script = repositoryRoot.appendingPathComponent("tools/parity/pybullet_arm.py").path
        let status = try run(["python3", script, out.path], log: &log)
        try #require(status == 0, "reference run failed: \(log)")
        let reference = try JSONDecoder().decode(PyBulletReference.self, from: Data(contentsOf: out))

        let model = try URDFLoader.load(path: reference.urdf)
        #expect(model.jointNames == reference.joint_names)
        #expect(model.movableJoints.map(\.damping) == reference.joint_damping)
        var settings = WorldSettings()
        settings.ground = false
        let world = try World(settings: settings)
        var options = RobotOptions()
        options.fixedBase = true
        let b = reference.base_position, o = reference.base_orientation
        options.basePose = Transform(position: Vector3(b[0], b[1], b[2]),
                                     rotation: Quaternion(x: o[0], y: o[1], z: o[2], w: o[3]))
        let robot = try world.addRobot(model, options: options)
        robot.setQ(reference.q0)
        robot.setQd(reference.qd0)

        var q = [Double](repeating: 0, count: robot.dof), qd = q
        var worst = 0.0, worstVelocity = 0.0
        var next = 0
        for (tick, tau) in reference.torques.enumerated() {
            robot.setTorques(tau)
            world.step(dt: reference.dt)
            if next < reference.samples.count && reference.samples[next].tick == tick + 1 {
                robot.getQ(&q)
                robot.getQd(&qd)
                #expect(reference.samples[next].q.count == robot.dof && reference.samples[next].qd.count == robot.dof)
                for (a, b) in zip(q, reference.samples[next].q) { worst = max(worst, abs(a - b)) }
                for (a, b) in zip(qd, reference.samples[next].qd) { worstVelocity = max(worstVelocity, abs(a - b)) }
                next += 1
            }
        }
        #expect(next == reference.samples.count)
        #expect(reference.samples.last?.tick == 2000)
        #expect(worst == 0, "largest joint-angle difference from PyBullet over 2 s: \(worst) rad")
        #expect(worstVelocity == 0, "largest joint-velocity difference from PyBullet over 2 s: \(worstVelocity) rad/s")
        // No contact and no joint at a limit: Embody skips the idle solver (IdleSolverTests) where PyBullet runs it,
        // so this comparison also pins that skip against Bullet's full solver.
        #expect(world.idleSolverSkips > 1000, "steps that skipped the idle solver: \(world.idleSolverSkips) of 2000")
        print("PyBullet parity: largest joint-angle difference \(worst) rad, joint-velocity \(worstVelocity) rad/s; "
              + "\(world.idleSolverSkips) of 2000 steps skipped the idle solver")
    }
}

// MARK: - A box sliding on the ground under tilted gravity, against PyBullet and the friction angle

/// The reference run written by tools/parity/pybullet_slide.py.
struct PyBulletSlideReference: Decodable {
    struct Sample: Decodable { var tick: Int; var pose: [Double]; var twist: [Double] }
    struct Run: Decodable { var degrees: Double; var gravity: [Double]; var samples: [Sample] }
    var dt: Double
    var mass: Double
    var half_extent: Double
    var friction: Double
    var ground_friction: Double
    var runs: [Run]
}

@Suite("PyBullet parity: sliding box")
struct PyBulletSlideTests {
    /// A 1 kg, 0.2 m cube with friction 0.5 on the ground's 0.8 (μ = 0.4, friction angle 21.8°), gravity
    /// tilted by θ = 10°, 20°, 24°, 30°, 45°, 1 s at h = 1 ms. Its pose and twist are bit-identical to PyBullet's
    /// (a rigid box on a rigid ground there too) every 0.1 s. Below the friction angle it sticks (10°: it moves
    /// less than 0.1 mm); above it, it slides, and the closed form v(1 s) = g (sin θ − μ cos θ)·1 s is missed
    /// by Bullet's rigid-body contact itself: the effective μ is 0.410–0.414, so that check is a known issue
    /// (docs/physics.md); if Bullet's friction ever comes right, withKnownIssue fails and this must be updated.
    @Test func boxOnTiltedGroundMatchesPyBullet() throws {
        try ensurePyBullet()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("embody-slide-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        var log = ""
        let script = repositoryRoot.appendingPathComponent("tools/parity/pybullet_slide.py").path
        let status = try run(["python3", script, out.path], log: &log)
        try #require(status == 0, "reference run failed: \(log)")
        let reference = try JSONDecoder().decode(PyBulletSlideReference.self, from: Data(contentsOf: out))
        try #require(reference.runs.count == 5)
        let mu = reference.friction * reference.ground_friction

        for run in reference.runs {
            var settings = WorldSettings()
            settings.gravity = Vector3(run.gravity[0], run.gravity[1], run.gravity[2])
            settings.groundFriction = reference.ground_friction
            let world = try World(settings: settings)
            let e = reference.half_extent
            var box = BodyDescription(shape: .box(size: Vector3(2 * e, 2 * e, 2 * e)), mass: reference.mass,
                                      pose: Transform(position: Vector3(0, 0, e)))
            box.friction = reference.friction
            let body = try world.addBody(box)
            var pose = [Double](repeating: 0, count: 7), twist = [Double](repeating: 0, count: 6)
            var worstPose = 0.0, worstTwist = 0.0, next = 0
            for tick in 1...1000 {
                world.step(dt: reference.dt)
                if next < run.samples.count && run.samples[next].tick == tick {
                    body.getPose(&pose)
                    body.getTwist(&twist)
                    for (a, b) in zip(pose, run.samples[next].pose) { worstPose = max(worstPose, abs(a - b)) }
                    for (a, b) in zip(twist, run.samples[next].twist) { worstTwist = max(worstTwist, abs(a - b)) }
                    next += 1
                }
            }
            #expect(next == 10)
            #expect(worstPose == 0 && worstTwist == 0,
                    "θ = \(run.degrees)°: largest difference from PyBullet: pose \(worstPose), twist \(worstTwist)")

            let theta = run.degrees * .pi / 180
            if run.degrees <= 10 {
                #expect(abs(pose[0]) < 1e-4, "θ = \(run.degrees)° is below the friction angle, yet the box moved \(pose[0]) m")
            }
            if tan(theta) > mu {
                let closedForm = 9.81 * (sin(theta) - mu * cos(theta)) * 1.0
                #expect(twist[0] > 0.5 * closedForm, "θ = \(run.degrees)° is above the friction angle, yet v = \(twist[0]) m/s")
                withKnownIssue("Bullet's rigid-body contact: effective μ 0.410–0.414 instead of 0.4 (PyBullet alike)") {
                    #expect(abs(twist[0] - closedForm) <= 0.005 * closedForm,
                            "θ = \(run.degrees)°: v(1 s) = \(twist[0]) m/s, closed form \(closedForm) m/s")
                }
            }
        }
    }
}

// MARK: - A ball bouncing on the ground, against PyBullet and its restitution

/// The reference run written by tools/parity/pybullet_bounce.py.
struct PyBulletBounceReference: Decodable {
    var dt: Double
    var mass: Double
    var radius: Double
    var drop: Double
    var restitution: Double
    var ground_restitution: Double
    var friction: Double
    var ground_friction: Double
    var z: [Double]
}

@Suite("PyBullet parity: bouncing ball")
struct PyBulletBounceTests {
    /// A 0.5 kg ball (radius 0.05 m, e 0.8) dropped 1 m onto a ground with e 0.9 (Bullet multiplies: e = 0.72),
    /// 2 s at h = 1 ms: its height is bit-identical to PyBullet's (rigid ball, rigid ground) every tick, and it
    /// bounces (the first apex reaches 80% of the closed form's). The closed form h₁ = e² h₀ = 0.518 m within 2 v h
    /// (8.9 mm, a step's travel at impact speed, twice) is missed by Bullet itself (0.482 m, PyBullet alike;
    /// docs/physics.md), so it is a known issue: if Bullet's restitution ever changes, this test fails.
    @Test func ballBounceMatchesPyBullet() throws {
        try ensurePyBullet()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("embody-bounce-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: out) }
        var log = ""
        let script = repositoryRoot.appendingPathComponent("tools/parity/pybullet_bounce.py").path
        let status = try run(["python3", script, out.path], log: &log)
        try #require(status == 0, "reference run failed: \(log)")
        let reference = try JSONDecoder().decode(PyBulletBounceReference.self, from: Data(contentsOf: out))
        try #require(reference.z.count == 2000)

        var settings = WorldSettings()
        settings.groundRestitution = reference.ground_restitution
        settings.groundFriction = reference.ground_friction
        let world = try World(settings: settings)
        var ball = BodyDescription(shape: .sphere(radius: reference.radius), mass: reference.mass,
                                   pose: Transform(position: Vector3(0, 0, reference.drop + reference.radius)))
        ball.restitution = reference.restitution
        ball.friction = reference.friction
        let body = try world.addBody(ball)
        var pose = [Double](repeating: 0, count: 7)
        var z: [Double] = []
        var worst = 0.0
        for expected in reference.z {
            world.step(dt: reference.dt)
            body.getPose(&pose)
            z.append(pose[2])
            worst = max(worst, abs(pose[2] - expected))
        }
        #expect(worst == 0, "largest height difference from PyBullet over 2 s: \(worst) m")

        // The first apex: from the first tick the ball rises to the first tick it falls again.
        let rise = try #require((1..<z.count).first { z[$0] > z[$0 - 1] })
        let fall = try #require((rise + 1..<z.count).first { z[$0] < z[$0 - 1] })
        let apex = z[fall - 1] - reference.radius
        let e = reference.restitution * reference.ground_restitution
        let impactSpeed = (2 * 9.81 * reference.drop).squareRoot()
        #expect(apex > 0.8 * e * e * reference.drop, "the ball rose only \(apex) m after a \(reference.drop) m drop with e = \(e)")
        withKnownIssue("Bullet's restitution: h₁ = 0.482 m instead of e² h₀ = 0.518 m (PyBullet alike)") {
            #expect(abs(apex - e * e * reference.drop) <= 2 * impactSpeed * reference.dt,
                    "first apex \(apex) m, closed form \(e * e * reference.drop) m")
        }
    }
}

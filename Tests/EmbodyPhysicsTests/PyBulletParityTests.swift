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
        print("PyBullet parity: largest joint-angle difference \(worst) rad, joint-velocity \(worstVelocity) rad/s")
    }
}

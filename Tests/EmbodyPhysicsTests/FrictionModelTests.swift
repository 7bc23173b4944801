import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - The two friction models (physics.friction_model) against their bounds

@Suite("Friction models")
struct FrictionModelTests {
    /// A 1 kg, 0.2 m cube as a one-link free-floating robot resting on the ground (μ = 1 · 0.5 = 0.5), pushed
    /// horizontally along the diagonal (1, 1)/√2 with F = 1.2 μ m g from t = 0.2 s; returns its (x, y)
    /// displacement, m, after 1 s of pushing.
    ///
    /// The cone bounds the friction force as a whole, |f| ≤ μ m g < F: the cube slides along the diagonal with
    /// a = (F − μ m g)/m = 0.2 μ g, x = y = ½ a t² / √2. The box bounds each direction on its own,
    /// |f_x|, |f_y| ≤ μ m g, and each component of the push is F/√2 = 0.85 μ m g: the cube stays.
    static func diagonalPush(_ model: FrictionModel) throws -> (x: Double, y: Double) {
        var settings = WorldSettings()
        settings.frictionModel = model
        let world = try World(settings: settings)
        let mass = 1.0, side = 0.2
        let inertia = mass * side * side / 6
        let cube = RobotModel(name: "cube", links: [
            Link(name: "cube", inertial: Inertial(mass: mass, ixx: inertia, iyy: inertia, izz: inertia),
                 collisions: [Geometry(shape: .box(size: Vector3(side, side, side)))], location: here),
        ], joints: [], root: 0, sourcePath: "<test>")
        var options = RobotOptions()
        options.fixedBase = false
        options.friction = 0.5
        options.basePose = Transform(position: Vector3(0, 0, side / 2))
        let robot = try world.addRobot(cube, options: options)
        let h = 0.001
        for _ in 0..<200 { world.step(dt: h) }  // settle
        var pose = [Double](repeating: 0, count: 7)
        robot.getBasePose(&pose)
        let start = (pose[0], pose[1])
        let push = 1.2 * 0.5 * mass * 9.81 / 2.0.squareRoot()
        robot.applyForce(Vector3(push, push, 0), link: 0)
        for _ in 0..<1000 { world.step(dt: h) }
        robot.getBasePose(&pose)
        return (pose[0] - start.0, pose[1] - start.1)
    }

    @Test func coneSlidesUnderADiagonalPushTheBoxHolds() throws {
        let cone = try Self.diagonalPush(.cone)
        let box = try Self.diagonalPush(.box)
        let closedForm = 0.5 * (0.2 * 0.5 * 9.81) * 1.0 / 2.0.squareRoot()   // x = y after 1 s, m
        // Bullet's sliding friction is known to miss the closed form (PyBulletSlideTests, docs/physics.md), so the
        // slide is checked for its direction and order of magnitude; the hold is checked tightly.
        #expect(cone.x > 0.5 * closedForm && cone.x < 2 * closedForm, "cone: x = \(cone.x) m, closed form \(closedForm) m")
        #expect(abs(cone.x - cone.y) < 0.01 * cone.x, "cone: the slide left the diagonal (\(cone.x), \(cone.y))")
        #expect(abs(box.x) < 1e-4 && abs(box.y) < 1e-4, "box: the cube moved (\(box.x), \(box.y)) m")
    }
}

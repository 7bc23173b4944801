// The idle-solver skip (World.skipsIdleSolver, DiscreteMultiBodyWorld in CShims/CBullet/internal.hpp): a step whose
// constraint solver would build no row skips Bullet's islands and solver. These tests pin that it changes no bit,
// that both paths run in a scene that enters and leaves a joint limit, and that it never fires when the solver has
// work. The PyBullet parity test (kuka_iiwa, PyBulletParityTests) checks the skip against PyBullet's full solver.

import EmbodyModel
@testable import EmbodyPhysics
import Testing

@Suite("Idle solver skip")
struct IdleSolverTests {
    /// A pendulum released at 0.4 rad that swings into a limit at −0.2 rad, is pressed against it by −2 N·m for
    /// the first half of the run (m g l sin 0.2 = 0.97 N·m holds it off), then swings free under +0.5 N·m; for
    /// `steps` steps of 1 ms, per step the bits of q and q̇ of the hinge and of the idle rotor, then the world's
    /// state hash.
    static func swing(skip: Bool, integrator: Integrator, steps: Int, friction: Double = 0)
        throws -> (trace: [UInt64], skips: Int64) {
        var settings = WorldSettings()
        settings.ground = false
        settings.integrator = integrator
        let world = try World(settings: settings)
        world.skipsIdleSolver = skip
        let xml = ColliderlessJointTests.pendulum(limit: "<limit lower=\"-0.2\" upper=\"1\" effort=\"10\" velocity=\"10\"/>",
                                                  friction: friction)
        let robot = try world.addRobot(try URDFLoader.parse(xml: xml, path: "/nowhere/pendulum.urdf"), options: fixedBase())
        robot.setQ([0.4, 0])
        robot.setQd([0, 1.5])
        var q = [0.0, 0.0], qd = [0.0, 0.0], trace: [UInt64] = []
        for n in 0..<steps {
            robot.setTorques([n < steps / 2 ? -2.0 : 0.5, 0])
            world.step(dt: 0.001)
            robot.getQ(&q)
            robot.getQd(&qd)
            trace += (q + qd).map(\.bitPattern)
        }
        trace.append(world.stateHash())
        return (trace, world.idleSolverSkips)
    }

    @Test("Skipping the idle solver changes no bit, with both paths taken (into a joint limit and out)",
          arguments: Integrator.allCases)
    func skipChangesNoBit(integrator: Integrator) throws {
        let steps = 3000
        let skipped = try Self.swing(skip: true, integrator: integrator, steps: steps)
        let full = try Self.swing(skip: false, integrator: integrator, steps: steps)
        #expect(full.skips == 0)
        #expect(skipped.skips > 100, "free-swinging steps skip the solver: \(skipped.skips) of \(steps)")
        #expect(skipped.skips < Int64(steps) - 100, "steps at the limit run the solver: \(skipped.skips) of \(steps) skipped")
        let identical = skipped.trace == full.trace   // the traces, not printed whole when they differ
        let firstDifference = Array(zip(skipped.trace, full.trace)).firstIndex { $0 != $1 } ?? -4
        #expect(identical, "first different value at step \(firstDifference / 4 + 1) of \(steps)")
    }

    @Test("The solver is never skipped when it has work: a joint with Coulomb friction (a motor row every step)")
    func frictionAlwaysSolves() throws {
        let run = try Self.swing(skip: true, integrator: .semiImplicitEuler, steps: 500, friction: 0.01)
        #expect(run.skips == 0)
    }

    @Test("The solver is never skipped while a rigid body moves (the solver integrates its forces) or touches the ground")
    func rigidBodyAlwaysSolves() throws {
        let world = try World(settings: WorldSettings())
        let robot = try world.addRobot(try URDFLoader.parse(xml: ColliderlessJointTests.pendulum(
            limit: "<limit lower=\"-100\" upper=\"100\" effort=\"10\" velocity=\"10\"/>", friction: 0),
                                                            path: "/nowhere/pendulum.urdf"), options: fixedBase())
        robot.setQ([0.4, 0])
        let ball = try world.addBody(BodyDescription(shape: .sphere(radius: 0.1), mass: 1,
                                                     pose: Transform(position: Vector3(5, 0, 0.5), rotation: .identity)))
        for _ in 0..<1000 { world.step(dt: 0.001) }
        #expect(world.idleSolverSkips == 0)
        #expect(ball.pose.position.z < 0.11, "the ball fell and rests on the ground: z = \(ball.pose.position.z) m")
    }
}

// The constraint-space solver (physics.solver: constraint_space, CShims/CBullet/constraint_space.cpp): its model
// of a robot against Bullet's own, its physics against closed forms (Coulomb friction on a tilted ground, a
// bounce), its agreement with Bullet's solver on the same rows (a pendulum pressed into a joint limit), and that
// the steps it cannot take are Bullet's, bit for bit.

import EmbodyModel
@testable import EmbodyPhysics
import Foundation
import Testing

@Suite("Constraint-space solver")
struct ConstraintSpaceSolverTests {
    static func settings(_ solver: ConstraintSolver) -> WorldSettings {
        var s = WorldSettings()
        s.solver = solver
        return s
    }

    /// The solver's Jacobian rows and mass matrix are Bullet's: at a pose with every joint away from zero and
    /// the base turned and lifted, its contact Jacobians equal btMultiBody's to rounding, and M⁻¹ Jᵀ from its
    /// composite-rigid-body M equals Bullet's articulated-body response. A floating humanoid (27 coordinates) and
    /// a fixed-base arm.
    @Test func modelMatchesBullet() throws {
        let world = try World(settings: Self.settings(.constraintSpace))
        var floating = RobotOptions()
        floating.fixedBase = false
        floating.basePose = Transform(position: Vector3(0.3, -0.2, 1.1),
                                      rotation: Quaternion(axis: Vector3(0.2, 1, 0.4), angle: 0.7))
        let humanoid = try world.addRobot(try URDFLoader.load(path: robotPath("humanoid.urdf")), options: floating)
        humanoid.setQ((0..<humanoid.dof).map { 0.1 + 0.37 * sin(Double($0) * 1.3) })
        var arm = fixedBase()
        arm.basePose = Transform(position: Vector3(2, 0, 0), rotation: .identity)
        let kuka = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: arm)
        kuka.setQ((0..<kuka.dof).map { 0.5 - 0.3 * Double($0) })
        for robot in [humanoid, kuka] {
            let e = robot.constraintSpaceModelErrors()
            #expect(e.jacobian < 1e-12, "Jacobian rows differ from Bullet's by \(e.jacobian)")
            #expect(e.response < 1e-10, "M⁻¹ Jᵀ differs from Bullet's response by \(e.response) (relative)")
        }
    }

    /// A world with `settings` and in it a free-floating robot of one link (mass kg, principal moments kg·m², one
    /// collision `geometry` in URDF) at `height` m above the origin.
    static func oneLinkRobot(mass: Double, inertia: (Double, Double, Double), geometry: String, height: Double,
                             restitution: Double = 0, settings: WorldSettings) throws -> (World, Robot) {
        let world = try World(settings: settings)
        let xml = """
            <?xml version="1.0"?>
            <robot name="body"><link name="body"><inertial><mass value="\(mass)"/>
              <inertia ixx="\(inertia.0)" iyy="\(inertia.1)" izz="\(inertia.2)" ixy="0" ixz="0" iyz="0"/></inertial>
              <collision><geometry>\(geometry)</geometry></collision></link></robot>
            """
        var options = RobotOptions()
        options.fixedBase = false
        options.restitution = restitution
        options.basePose = Transform(position: Vector3(0, 0, height), rotation: .identity)
        let robot = try world.addRobot(try URDFLoader.parse(xml: xml, path: "/nowhere/body.urdf"), options: options)
        return (world, robot)
    }

    /// A one-link robot, a 2 kg box of 0.2 × 0.2 × 0.1 m, resting on a ground tilted by `degrees` about y (gravity
    /// turned instead), combined friction coefficient 0.5: its velocity down the slope after 1 s, and how many
    /// steps the constraint-space solver took.
    static func slide(_ solver: ConstraintSolver, degrees: Double) throws -> (velocity: Double, steps: Int64) {
        var s = Self.settings(solver)
        let theta = degrees * .pi / 180
        s.gravity = Vector3(9.81 * sin(theta), 0, -9.81 * cos(theta))
        s.groundFriction = 0.5
        let (world, box) = try Self.oneLinkRobot(
            mass: 2, inertia: (0.00833, 0.00833, 0.01333), geometry: "<box size=\"0.2 0.2 0.1\"/>", height: 0.05,
            settings: s)
        var twist = [Double](repeating: 0, count: 6)
        for _ in 0..<100 { world.step(dt: 0.001) }
        box.getBaseTwist(&twist)
        let v0 = twist[0]
        for _ in 0..<1000 { world.step(dt: 0.001) }
        box.getBaseTwist(&twist)
        return (twist[0] - v0, world.constraintSpaceSteps)
    }

    /// Coulomb's law on a slope, against the closed form: below the friction angle (tan θ < μ = 0.5) the box
    /// sticks; above it, it slides with a = g (sin θ − μ cos θ). Both solvers, every step in constraint space.
    @Test(arguments: [ConstraintSolver.bullet, .constraintSpace])
    func frictionOnASlope(solver: ConstraintSolver) throws {
        let stick = try Self.slide(solver, degrees: 20)
        #expect(abs(stick.velocity) < 1e-4, "below the friction angle the box gained \(stick.velocity) m/s in 1 s")
        let theta = 35.0 * .pi / 180
        let expected = 9.81 * (sin(theta) - 0.5 * cos(theta))  // 1.609 m/s after 1 s
        let slide = try Self.slide(solver, degrees: 35)
        #expect(abs(slide.velocity - expected) < 0.005 * expected,
                "above it: \(slide.velocity) m/s after 1 s, closed form \(expected)")
        #expect(slide.steps == (solver == .constraintSpace ? 1100 : 0))
    }

    /// A 0.1 m ball robot dropped from 1 m with restitution 0.8: the first rebound's apex (m), per solver.
    static func bounce(_ solver: ConstraintSolver) throws -> Double {
        var s = Self.settings(solver)
        s.groundRestitution = 1
        let (world, ball) = try Self.oneLinkRobot(
            mass: 1, inertia: (0.004, 0.004, 0.004), geometry: "<sphere radius=\"0.1\"/>", height: 1.1,
            restitution: 0.8, settings: s)
        var bounced = false, apex = 0.0
        var twist = [Double](repeating: 0, count: 6)
        for _ in 0..<1500 {
            world.step(dt: 0.001)
            ball.getBaseTwist(&twist)
            if twist[2] > 0 { bounced = true }
            if bounced { apex = max(apex, ball.basePose.position.z - 0.1) }
        }
        return apex
    }

    /// The restitution row is Bullet's (restitution · −v above the velocity threshold): the first apex equals
    /// Bullet's solver's to 1 mm, and the ball bounces to at least 80% of e² h₀ (Bullet's own restitution falls
    /// short of the closed form; docs/physics.md).
    @Test func bounceMatchesBulletsRestitution() throws {
        let bullet = try Self.bounce(.bullet)
        let ours = try Self.bounce(.constraintSpace)
        #expect(abs(ours - bullet) < 1e-3, "apex \(ours) m against Bullet's solver's \(bullet) m")
        #expect(ours > 0.8 * 0.64, "apex \(ours) m, closed form e² h₀ = 0.64 m")
    }

    /// The pendulum of IdleSolverTests pressed into its lower limit by −2 N·m, then released: q and q̇ per step with
    /// each solver. One limit row, solved exactly by both (A is 1 × 1), so they agree to rounding.
    @Test func jointLimitAgreesWithBullet() throws {
        func swing(_ solver: ConstraintSolver) throws -> (q: [Double], steps: Int64) {
            var s = Self.settings(solver)
            s.ground = false
            let world = try World(settings: s)
            let xml = ColliderlessJointTests.pendulum(limit: "<limit lower=\"-0.2\" upper=\"1\" effort=\"10\" velocity=\"10\"/>",
                                                      friction: 0)
            let robot = try world.addRobot(try URDFLoader.parse(xml: xml, path: "/nowhere/pendulum.urdf"), options: fixedBase())
            robot.setQ([0.4, 0])
            var q = [0.0, 0.0], trace: [Double] = []
            for n in 0..<2000 {
                robot.setTorques([n < 1000 ? -2.0 : 0.5, 0])
                world.step(dt: 0.001)
                robot.getQ(&q)
                trace.append(q[0])
            }
            return (trace, world.constraintSpaceSteps)
        }
        let bullet = try swing(.bullet), ours = try swing(.constraintSpace)
        #expect(ours.steps == 2000)
        let worst = zip(bullet.q, ours.q).map { abs($0 - $1) }.max() ?? .nan
        #expect(worst < 1e-9, "q differs from Bullet's solver by up to \(worst) rad")
        #expect(ours.q[999] > -0.2 - 0.01, "held at the limit: q = \(ours.q[999])")
    }

    /// A step the solver cannot take (here: a moving rigid body in the world) is Bullet's whole: the same bits as a
    /// world with Bullet's solver, and no step counted.
    @Test func stepsItCannotTakeAreBullets() throws {
        func run(_ solver: ConstraintSolver) throws -> (hash: UInt64, steps: Int64) {
            let world = try World(settings: Self.settings(solver))
            let robot = try world.addRobot(try URDFLoader.load(path: robotPath("humanoid.urdf")), options: {
                var o = RobotOptions()
                o.fixedBase = false
                o.basePose = Transform(position: Vector3(0, 0, 0.95), rotation: .identity)
                return o
            }())
            _ = robot
            _ = try world.addBody(BodyDescription(shape: .sphere(radius: 0.1), mass: 1,
                                                  pose: Transform(position: Vector3(2, 0, 0.5), rotation: .identity)))
            for _ in 0..<300 { world.step(dt: 0.001) }
            return (world.stateHash(), world.constraintSpaceSteps)
        }
        let bullet = try run(.bullet), ours = try run(.constraintSpace)
        #expect(ours.steps == 0)
        #expect(ours.hash == bullet.hash)
    }

    /// The solver's four-lane loops run as AVX where the CPU has it and as baseline x86-64 code elsewhere; both do
    /// the same multiplies and adds per lane in the same order, so a standing humanoid's state after 0.5 s has the
    /// same bits either way (on a CPU without AVX both runs are the baseline, and the test shows nothing).
    @Test func avxAndBaselineLanesGiveTheSameBits() throws {
        func stand(baseline: Bool) throws -> UInt64 {
            World.useBaselineLanes(baseline)
            defer { World.useBaselineLanes(false) }
            let world = try World(settings: Self.settings(.constraintSpace))
            var o = RobotOptions()
            o.fixedBase = false
            o.basePose = Transform(position: Vector3(0, 0, 0.93), rotation: .identity)
            _ = try world.addRobot(try URDFLoader.load(path: robotPath("humanoid.urdf")), options: o)
            for _ in 0..<500 { world.step(dt: 0.001) }
            #expect(world.constraintSpaceSteps == 500)
            return world.stateHash()
        }
        #expect(try stand(baseline: true) == stand(baseline: false))
    }
}

import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - The shipped robots, contacts, determinism and snapshots

/// The pelvis origin's height above the sole at q = 0 (Scenarios/robots/README.md).
let pelvisAboveSole = 0.92

/// A humanoid standing on the ground, its soles `clearance` m above it, optionally pitched by `pitch` rad.
func humanoidWorld(clearance: Double = 0.001, pitch: Double = 0, solver: ConstraintSolver = .bullet) throws
    -> (World, Robot)
{
    var settings = WorldSettings()
    settings.solver = solver
    let world = try World(settings: settings)
    let model = try URDFLoader.load(path: robotPath("humanoid.urdf"))
    var options = RobotOptions()
    options.fixedBase = false
    options.basePose = Transform(xyz: Vector3(0, 0, pelvisAboveSole + clearance), rpy: Vector3(0, pitch, 0))
    let robot = try world.addRobot(model, options: options)
    return (world, robot)
}

/// Joint PD towards `target`: τ = kp (q* − q) − kd q̇, written into `tau`.
func pd(_ robot: Robot, target: [Double], kp: Double, kd: Double, q: inout [Double], qd: inout [Double],
        tau: inout [Double]) {
    pd(robot, target: target, kp: Array(repeating: kp, count: robot.dof), kd: Array(repeating: kd, count: robot.dof),
       q: &q, qd: &qd, tau: &tau)
}

/// Joint PD with per-joint gains kp (N·m/rad) and kd (N·m·s/rad).
func pd(_ robot: Robot, target: [Double], kp: [Double], kd: [Double], q: inout [Double], qd: inout [Double],
        tau: inout [Double]) {
    robot.getQ(&q)
    robot.getQd(&qd)
    for i in 0..<robot.dof { tau[i] = kp[i] * (target[i] - q[i]) - kd[i] * qd[i] }
    robot.setTorques(tau)
}

/// Standing gains for the humanoid by joint group: stiff legs and torso, soft arms and neck.
func humanoidGains(_ robot: Robot) -> (kp: [Double], kd: [Double]) {
    let gains = robot.model.jointNames.map { name -> (Double, Double) in
        if ["hip", "knee", "ankle"].contains(where: name.contains) { return (800, 8) }
        if name.contains("torso") { return (600, 6) }
        if name.contains("neck") { return (20, 0.5) }
        return (100, 1)
    }
    return (gains.map(\.0), gains.map(\.1))
}

@Suite("Robots")
struct RobotTests {
    @Test func bothShippedRobotsLoad() throws {
        let world = try World()
        let arm = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: fixedBase())
        #expect(arm.dof == 9)
        #expect(arm.fixedBase)
        #expect(arm.linkNames.first == "base_link")
        // At q = 0 the arm points straight up; ee_link sits 1.376 m above the base.
        let ee = try #require(arm.linkPose("ee_link"))
        #expect(abs(ee.position.z - 1.376) < 1e-9 && abs(ee.position.x) < 1e-12)

        let (_, humanoid) = try humanoidWorld()
        #expect(humanoid.dof >= 21)
        #expect(!humanoid.fixedBase)
        #expect(humanoid.model.totalMass > 40 && humanoid.model.totalMass < 60)
        let cart = try world.addRobot(try URDFLoader.load(path: robotPath("cartpole.urdf")), options: fixedBase())
        #expect(cart.dof == 2)
    }

    /// Held by a joint PD controller at q = 0, the humanoid lands, settles and stands 5 s: no NaN, and no
    /// contact penetrates the ground by more than 1 cm.
    @Test func humanoidSettlesUnderJointPD() throws {
        let (world, robot) = try humanoidWorld(clearance: 0.02)
        let n = robot.dof
        var q = [Double](repeating: 0, count: n), qd = q, tau = q
        let target = q
        let (kp, kd) = humanoidGains(robot)
        var contacts: [Contact] = []
        world.reserveContacts(64)
        var deepest = 0.0
        var base = [Double](repeating: 0, count: 7)
        for _ in 0..<5000 {
            pd(robot, target: target, kp: kp, kd: kd, q: &q, qd: &qd, tau: &tau)
            world.step(dt: 0.001)
            let count = world.contacts(into: &contacts)
            for c in contacts.prefix(count) { deepest = min(deepest, c.distance) }
        }
        robot.getBasePose(&base)
        robot.getQ(&q)
        robot.getQd(&qd)
        let allFinite = (q + qd + base).allSatisfy { $0.isFinite }
        #expect(allFinite)
        #expect(deepest > -0.01, "deepest penetration \(deepest) m")
        // Standing: pelvis near its nominal height, upright, at rest, and both feet on the ground.
        #expect(abs(base[2] - pelvisAboveSole) < 0.02, "pelvis at \(base[2]) m")
        let tilt = Quaternion(x: base[3], y: base[4], z: base[5], w: base[6]).angle(to: .identity)
        #expect(tilt < 0.05, "tilt \(tilt) rad")
        #expect(qd.map(abs).max()! < 0.01)
        let feet = Set(world.contacts().filter { $0.objectA == robot.id || $0.objectB == robot.id }
            .map { $0.objectA == robot.id ? $0.linkA : $0.linkB })
        let footLinks = Set(["left_foot", "right_foot"].compactMap { robot.linkNames.firstIndex(of: $0) }
            .map { Int32($0 - 1) })
        #expect(feet == footLinks)
        for c in world.contacts() { #expect(c.normalForce >= 0) }
        // Ground reaction carries the weight: Σ normal force ≈ m g.
        let support = world.contacts().reduce(0) { $0 + $1.normalForce }
        #expect(abs(support - robot.model.totalMass * 9.81) < 0.05 * robot.model.totalMass * 9.81,
                "normal forces sum to \(support) N")
    }

    /// Two 10 s runs of the limp humanoid toppling onto the ground give identical state hashes throughout.
    @Test func humanoidFallIsBitIdenticalAcrossRuns() throws {
        func run() throws -> [UInt64] {
            let (world, _) = try humanoidWorld(clearance: 0.05, pitch: 0.2)
            var hashes: [UInt64] = []
            for tick in 1...10_000 {
                world.step(dt: 0.001)
                if tick % 500 == 0 { hashes.append(world.stateHash()) }
            }
            return hashes
        }
        let first = try run(), second = try run()
        #expect(first.count == 20)
        #expect(first == second)
        #expect(Set(first).count == first.count, "the state must keep changing while it falls")
    }

    /// Restoring a snapshot and stepping on gives the bits of the uninterrupted run, in the air and in contact,
    /// with either solver, also when restored twice in a row. A restore meets objects whose boxes stay inside
    /// their broadphase leaves (a second restore at the same poses; with the constraint-space solver's 5 mm
    /// margin also objects that moved less than that), which the broadphase does not collide again: the restore
    /// must keep their pairs (it frees their collision algorithms and manifolds, not the pairs).
    @Test(arguments: ConstraintSolver.allCases)
    func snapshotRestoreContinuesBitIdentically(solver: ConstraintSolver) throws {
        let (world, robot) = try humanoidWorld(clearance: 0.05, pitch: 0.2, solver: solver)
        #expect(world.broadphaseMargin == (solver == .bullet ? 0 : 0.005))
        let snapshot = Snapshot()
        var q = [Double](repeating: 0, count: robot.dof), qd = q, tau = q
        let target = q
        for saveTick in [10, 600, 1500] {  // airborne, landing, lying in contact
            while world.stepCount < saveTick {
                pd(robot, target: target, kp: 50, kd: 2, q: &q, qd: &qd, tau: &tau)
                world.step(dt: 0.001)
            }
            world.save(into: snapshot)
            if saveTick >= 600 { #expect(!world.contacts().isEmpty, "the snapshot at tick \(saveTick) must hold contacts") }
            func continueRun() -> [UInt64] {
                var hashes: [UInt64] = []
                for _ in 0..<300 {
                    pd(robot, target: target, kp: 50, kd: 2, q: &q, qd: &qd, tau: &tau)
                    world.step(dt: 0.001)
                    hashes.append(world.stateHash())
                }
                return hashes
            }
            let uninterrupted = continueRun()
            try world.restore(snapshot)
            let restoredAt = world.stepCount
            #expect(restoredAt == Int64(saveTick))
            let restored = continueRun()
            try world.restore(snapshot)
            let again = continueRun()
            #expect(restored == again, "restoring twice diverged (saved at tick \(saveTick))")
            // Restored twice in a row: the second restore finds every object already at its restored pose.
            try world.restore(snapshot)
            try world.restore(snapshot)
            let twice = continueRun()
            #expect(twice == uninterrupted, "a restore at the restored poses diverged (saved at tick \(saveTick))")
            let firstDiff = uninterrupted.indices.first { uninterrupted[$0] != restored[$0] }
            #expect(firstDiff == nil, "restored run diverged \(firstDiff ?? -1) ticks after tick \(saveTick)")
        }
    }

    /// Torque commands are clamped to the URDF effort limits; applied torques report the clamp.
    @Test func torquesAreClampedToEffortLimits() throws {
        let world = try World()
        let arm = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: fixedBase())
        arm.setTorques([1000, -1000, 10, 0, 500, -500, 39, 100, -100])
        var applied = [Double](repeating: 0, count: arm.dof)
        arm.getAppliedTorques(&applied)
        #expect(applied == [320, -320, 10, 0, 110, -40, 39, 20, -20])
    }

    /// A joint pushed past its limit by a constant torque stops there (within a small constraint softness).
    @Test func jointLimitsAreEnforced() throws {
        let world = try World()
        let arm = try world.addRobot(try URDFLoader.load(path: robotPath("arm7.urdf")), options: fixedBase())
        var tau = [Double](repeating: 0, count: arm.dof)
        tau[3] = 150  // joint_4, limit ±120°
        arm.setTorques(tau)
        var worst = 0.0
        for _ in 0..<2000 {
            world.step(dt: 0.001)
            worst = max(worst, arm.q[3])
        }
        let upper = arm.positionLimits[3].upperBound
        let final = arm.q[3]
        #expect(abs(final - upper) < 0.01)
        #expect(worst < upper + 0.02, "joint_4 overshot its limit to \(worst) rad")
    }

    /// A swinging link passes through its own robot's base when self-collision is off (the default) and is
    /// stopped by it when self-collision is on. Adjacent links never collide, so the swinging box hangs
    /// from an intermediate link.
    @Test func selfCollisionCanBeToggled() throws {
        func sweep(selfCollision: Bool) throws -> Double {
            let cube = 0.1
            let base = Link(name: "base", inertial: Inertial(mass: 1, ixx: 0.01, iyy: 0.01, izz: 0.01),
                            collisions: [Geometry(origin: Transform(position: Vector3(0, 0, -0.3)),
                                                  shape: .box(size: Vector3(cube, cube, cube)))], location: here)
            let hub = Link(name: "hub", inertial: Inertial(mass: 0.1, ixx: 1e-4, iyy: 1e-4, izz: 1e-4), location: here)
            let arm = Link(name: "arm", inertial: Inertial(mass: 1, origin: Transform(position: Vector3(0, 0, 0.3)),
                                                           ixx: 0.01, iyy: 0.01, izz: 0.01),
                           collisions: [Geometry(origin: Transform(position: Vector3(0, 0, 0.3)),
                                                 shape: .box(size: Vector3(cube, cube, cube)))], location: here)
            let model = RobotModel(name: "sweeper", links: [base, hub, arm], joints: [
                Joint(name: "hinge", type: .continuous, parent: 0, child: 1, axis: Vector3(0, 1, 0), location: here),
                Joint(name: "weld", type: .fixed, parent: 1, child: 2, location: here),
            ], root: 0, sourcePath: "<test>")
            var settings = WorldSettings()
            settings.ground = false
            settings.gravity = .zero
            let world = try World(settings: settings)
            var options = fixedBase()
            options.selfCollision = selfCollision
            let robot = try world.addRobot(model, options: options)
            robot.setTorques([2])
            var furthest = 0.0
            for _ in 0..<3000 {
                world.step(dt: 0.001)
                furthest = max(furthest, robot.q[0])
            }
            return furthest
        }
        let off = try sweep(selfCollision: false), on = try sweep(selfCollision: true)
        #expect(off > Double.pi + 0.5, "without self-collision the arm should sweep through the base (reached \(off) rad)")
        #expect(on < Double.pi - 0.2, "with self-collision the base should stop the arm (reached \(on) rad)")
    }

    /// A body dropped on the ground comes to rest on it, with contacts that report the weight.
    @Test func boxRestsOnGroundWithWeightInContacts() throws {
        let world = try World()
        let box = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.2, 0.2, 0.2)), mass: 2,
                                                    pose: Transform(position: Vector3(0, 0, 0.3))))
        for _ in 0..<2000 { world.step(dt: 0.001) }
        #expect(abs(box.pose.position.z - 0.1) < 0.002)
        let contacts = world.contacts()
        #expect(contacts.count >= 3)
        #expect(contacts.allSatisfy { Set([$0.objectA, $0.objectB]) == Set([box.id, world.groundID!]) })
        let total = contacts.reduce(0) { $0 + $1.normalForce }
        #expect(abs(total - 2 * 9.81) < 0.1, "normal forces sum to \(total) N")
        for c in contacts { #expect(abs(c.normalOnB.z) > 0.999) }
    }
}

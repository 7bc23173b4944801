// MARK: - EmbodyPhysics: the one Swift module that talks to the Bullet shim
//
// World owns a Bullet world and everything in it. Robot and RigidBody are views into it that stay
// valid while the world lives. State goes in and out through arrays the caller allocates once; none
// of the per-step calls allocate.

import CBullet
import EmbodyModel

/// A failure reported by the physics layer, with a message written for people.
public struct PhysicsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// How contact friction is bounded by the normal force fn and the friction coefficient μ.
public enum FrictionModel: String, Sendable, CaseIterable {
    /// The two friction rows together: |(f₁, f₂)| ≤ μ·fn (Bullet's implicit cone; PyBullet's default).
    case cone
    /// Each friction row on its own: |f₁| ≤ μ·fn and |f₂| ≤ μ·fn, so up to √2·μ·fn diagonally.
    case box
}

/// How a step's contact, limit and friction rows are solved.
public enum ConstraintSolver: String, Sendable, CaseIterable {
    /// Bullet's multibody sequential-impulse solver: one articulated-body pass per row (PyBullet's; the default).
    case bullet
    /// Embody's constraint-space solver: the same projected Gauss–Seidel sweeps over the same rows, solved on
    /// A = J M⁻¹ Jᵀ after factoring each robot's mass matrix once per step. A step it cannot take falls back to
    /// Bullet's solver (see `World.constraintSpaceSteps`).
    case constraintSpace = "constraint_space"
}

/// World-wide physics settings.
public struct WorldSettings: Equatable, Sendable {
    /// Gravity in m/s², world frame.
    public var gravity: Vector3 = Vector3(0, 0, -9.81)
    /// Constraint solver iterations per step.
    public var solverIterations: Int = 50
    /// Whether a static ground plane z = 0 exists.
    public var ground: Bool = true
    /// The ground's Coulomb friction coefficient.
    public var groundFriction: Double = 1.0
    /// The ground's restitution in [0, 1].
    public var groundRestitution: Double = 0
    /// The ground's rolling friction coefficient in m.
    public var groundRollingFriction: Double = 0
    /// How robots integrate their dynamics.
    public var integrator: Integrator = .semiImplicitEuler
    /// The solver's early exit: it stops sweeping once a sweep's least-squares residual (the sum of the squared
    /// changes of the rows' impulses) is at or below this; ≥ 0. PyBullet's 1e-7.
    public var solverResidual: Double = 1e-7
    /// How contact friction is bounded.
    public var frictionModel: FrictionModel = .cone
    /// Warm starting of multibody contact rows from the previous step's impulses, a factor in [0, 1]; 0 is off.
    public var warmStart: Double = 0
    /// Which solver solves a step's contact, limit and friction rows.
    public var solver: ConstraintSolver = .bullet

    /// Creates settings with Embody's defaults (g = 9.81 m/s² down, 50 iterations, a ground with friction 1).
    public init() {}
}

/// The time integrator for robot dynamics.
public enum Integrator: String, Equatable, Sendable, CaseIterable {
    /// Bullet's default and PyBullet's: q̇ += q̈·h, then q += q̇·h. First order; energy drifts O(h).
    case semiImplicitEuler = "euler"
    /// Bullet's fourth-order Runge-Kutta over the unconstrained multibody dynamics; contacts and limits still
    /// act once per step.
    case rk4
}

/// A contact point between two objects after the last step.
public struct Contact: Equatable, Sendable {
    /// The id of object A (see Robot.id, RigidBody.id, World.groundID).
    public var objectA: Int32 = 0
    /// A's link: −1 for a robot base or a rigid body, else the robot's link index in Robot.linkNames.
    public var linkA: Int32 = 0
    /// The id of object B.
    public var objectB: Int32 = 0
    /// B's link, as for linkA.
    public var linkB: Int32 = 0
    /// The contact point on B, world frame, m.
    public var positionOnB: Vector3 = .zero
    /// The unit normal on B pointing towards A, world frame.
    public var normalOnB: Vector3 = .zero
    /// The signed separation in m; negative is penetration.
    public var distance: Double = 0
    /// The normal force in N during the last step.
    public var normalForce: Double = 0
    /// The friction force in N along the two lateral directions.
    public var frictionForce: SIMD2<Double> = .zero
    /// The first and second friction directions, world-frame unit vectors; the force on A is
    /// normalForce·normalOnB + frictionForce[0]·lateral1 + frictionForce[1]·lateral2 (N), and B gets its opposite.
    public var lateral1: Vector3 = .zero, lateral2: Vector3 = .zero

    /// Creates an empty contact record.
    public init() {}

    init(objectA: Int32, linkA: Int32, objectB: Int32, linkB: Int32, positionOnB: Vector3, normalOnB: Vector3,
         distance: Double, normalForce: Double, frictionForce: SIMD2<Double>, lateral1: Vector3 = .zero,
         lateral2: Vector3 = .zero) {
        self.objectA = objectA; self.linkA = linkA; self.objectB = objectB; self.linkB = linkB
        self.positionOnB = positionOnB; self.normalOnB = normalOnB; self.distance = distance
        self.normalForce = normalForce; self.frictionForce = frictionForce
        self.lateral1 = lateral1; self.lateral2 = lateral2
    }
}

/// A physics world: ground, gravity, robots and rigid bodies, stepped at a fixed dt.
public final class World {
    let handle: OpaquePointer
    /// The settings the world was created with.
    public let settings: WorldSettings
    /// The robots in creation order.
    public private(set) var robots: [Robot] = []
    /// The rigid bodies in creation order.
    public private(set) var bodies: [RigidBody] = []
    private var contactScratch: [emb_contact] = []

    /// Creates a world.
    public init(settings: WorldSettings = WorldSettings()) throws(PhysicsError) {
        var desc = emb_world_desc()
        emb_world_desc_default(&desc)
        desc.gravity = (settings.gravity.x, settings.gravity.y, settings.gravity.z)
        desc.solver_iterations = Int32(clamping: settings.solverIterations)
        desc.ground = settings.ground ? 1 : 0
        desc.ground_friction = settings.groundFriction
        desc.ground_restitution = settings.groundRestitution
        desc.ground_rolling_friction = settings.groundRollingFriction
        desc.integrator = settings.integrator == .rk4 ? EMB_INTEGRATOR_RK4 : EMB_INTEGRATOR_EULER
        desc.solver_residual = settings.solverResidual
        desc.friction_model = settings.frictionModel == .box ? EMB_FRICTION_BOX : EMB_FRICTION_CONE
        desc.warm_start = settings.warmStart
        desc.solver = settings.solver == .constraintSpace ? EMB_SOLVER_CONSTRAINT_SPACE : EMB_SOLVER_BULLET
        var message = [CChar](repeating: 0, count: 512)
        guard let h = emb_world_create(&desc, &message, Int32(message.count)) else {
            throw PhysicsError(String(cStringBuffer: message))
        }
        handle = h
        self.settings = settings
        // The first conversion of a contact instantiates runtime type metadata (once per process, in
        // unoptimized builds), which allocates: do it here, at load, not on the first tick with a contact
        // (LoopTests counted that allocation in arm-gravity-comp, whose first contact comes at tick 2168).
        var warm = [Contact()]
        Self.convert([emb_contact()], count: 1, into: &warm)
    }

    deinit {
        for r in robots { r.detach() }
        for b in bodies { b.detach() }
        emb_world_destroy(handle)
    }

    /// The id contacts use for the ground plane, or nil without one.
    public var groundID: Int32? {
        let id = emb_world_ground_id(handle)
        return id >= 0 ? id : nil
    }

    /// The number of physics steps (substeps included) taken since creation or the last restore.
    public var stepCount: Int64 { Int64(emb_world_step_count(handle)) }

    /// Whether a step skips Bullet's islands and constraint solver when they would build no constraint row (an
    /// arm in free space with no joint at a limit; docs/physics.md). On by default. The results are the same bit
    /// for bit either way (tested), so turning it off is only for tests and measurements.
    public var skipsIdleSolver: Bool = true {
        didSet { emb_world_set_idle_solver_skip(handle, skipsIdleSolver ? 1 : 0) }
    }

    /// The margin (m) by which the broadphase grows each collision object's box in its tree, so that an object
    /// moving less than that in a step is not re-inserted: 0 (Bullet's and PyBullet's behaviour) with Bullet's
    /// solver, 5 mm with the constraint-space solver, where it changes no result while the robot's links are under
    /// a metre across (docs/physics.md).
    public var broadphaseMargin: Double { emb_world_broadphase_margin(handle) }

    /// Since the world was created, while its broadphase margin was above 0: the collision objects' box updates,
    /// and how many of them moved a leaf of the broadphase tree (the rest cost no tree work).
    public var broadphaseCounts: (boxUpdates: Int64, leafMoves: Int64) {
        var c: (Int64, Int64) = (0, 0)
        withUnsafeMutablePointer(to: &c) {
            $0.withMemoryRebound(to: Int64.self, capacity: 2) { emb_world_broadphase_counts(handle, $0) }
        }
        return (c.0, c.1)
    }

    /// Sets `broadphaseMargin` (m, 0 to 1); for tests and measurements.
    public func setBroadphaseMargin(_ metres: Double) throws(PhysicsError) {
        guard emb_world_set_broadphase_margin(handle, metres) == EMB_OK else {
            throw PhysicsError("broadphase margin must be finite and between 0 and 1 m, got \(metres)")
        }
    }

    /// The physics steps (substeps included) that skipped the idle solver since the world was created.
    public var idleSolverSkips: Int64 { Int64(emb_world_idle_solver_skips(handle)) }

    /// The constraint solver's sweeps over its rows since creation, summed over islands and steps: at most
    /// `settings.solverIterations` per island and step, fewer when `settings.solverResidual` ends a solve early.
    public var solverSweeps: Int64 { Int64(emb_world_solver_sweeps(handle)) }

    /// The steps (substeps included) the constraint-space solver took since creation: 0 unless `settings.solver` is
    /// `.constraintSpace`; the other steps fell back to Bullet's solver.
    public var constraintSpaceSteps: Int64 { Int64(emb_world_constraint_space_steps(handle)) }

    /// Advances exactly `dt` seconds as `substeps` equal fixed steps, holding every robot's torques.
    public func step(dt: Double, substeps: Int = 1) {
        let status = emb_world_step(handle, dt, Int32(clamping: substeps))
        precondition(status == EMB_OK, "World.step: dt must be positive and finite and substeps >= 1 (status \(status))")
    }

    /// Sets gravity in m/s², world frame.
    public func setGravity(_ g: Vector3) {
        var v = (g.x, g.y, g.z)
        _ = withUnsafePointer(to: &v) { $0.withMemoryRebound(to: Double.self, capacity: 3) { emb_world_set_gravity(handle, $0) } }
    }

    /// Adds a robot built from `model`.
    public func addRobot(_ model: RobotModel, options: RobotOptions = RobotOptions()) throws(PhysicsError) -> Robot {
        let robot = try Robot(world: self, model: model, options: options)
        robots.append(robot)
        return robot
    }

    /// Adds a rigid body.
    public func addBody(_ description: BodyDescription) throws(PhysicsError) -> RigidBody {
        let body = try RigidBody(world: self, description: description)
        bodies.append(body)
        return body
    }

    /// Reserves room for `count` contacts so that `contacts(into:)` does not allocate for up to that many.
    public func reserveContacts(_ count: Int) {
        if contactScratch.count < count { contactScratch = Array(repeating: emb_contact(), count: count) }
    }

    /// Writes the current contacts into `out` (grown only when too small) and returns how many there are.
    @discardableResult
    public func contacts(into out: inout [Contact]) -> Int {
        let total = Int(emb_world_contacts(handle, nil, 0))
        reserveContacts(total)
        if out.count < total { out.append(contentsOf: repeatElement(Contact(), count: total - out.count)) }
        let n = contactScratch.withUnsafeMutableBufferPointer {
            Int(emb_world_contacts(handle, $0.baseAddress, Int32($0.count)))
        }
        Self.convert(contactScratch, count: min(n, total), into: &out)
        return total
    }

    /// Converts the shim's first `count` contact records into `out`.
    private static func convert(_ scratch: [emb_contact], count: Int, into out: inout [Contact]) {
        for i in 0..<count {
            let c = scratch[i]
            out[i] = Contact(objectA: c.object_a, linkA: c.link_a, objectB: c.object_b, linkB: c.link_b,
                             positionOnB: Vector3(c.position_on_b), normalOnB: Vector3(c.normal_on_b),
                             distance: c.distance, normalForce: c.normal_force,
                             frictionForce: SIMD2(c.friction_force.0, c.friction_force.1),
                             lateral1: Vector3(c.lateral_dir_1), lateral2: Vector3(c.lateral_dir_2))
        }
    }

    /// All current contacts, as a new array (allocates; for tests and tools).
    public func contacts() -> [Contact] {
        var out: [Contact] = []
        let n = contacts(into: &out)
        return Array(out.prefix(n))
    }

    /// Saves the complete simulation state into `snapshot` (its storage is reused after the first save).
    public func save(into snapshot: Snapshot) {
        let status = emb_world_save(handle, snapshot.handle)
        precondition(status == EMB_OK, "World.save failed with status \(status)")
    }

    /// Restores a state saved from this world; stepping on gives the same bits as from the moment of saving.
    public func restore(_ snapshot: Snapshot) throws(PhysicsError) {
        var message = [CChar](repeating: 0, count: 256)
        if emb_world_restore(handle, snapshot.handle, &message, Int32(message.count)) != EMB_OK {
            throw PhysicsError(String(cStringBuffer: message))
        }
    }

    /// A 64-bit FNV-1a hash over the exact bits of every robot's q, q̇, base pose and twist and every
    /// body's pose and twist, in creation order; equal hashes mean bit-identical states.
    public func stateHash() -> UInt64 {
        var h = StateHasher()
        for r in robots { r.hashState(into: &h) }
        for b in bodies { b.hashState(into: &h) }
        return h.value
    }
}

/// A saved simulation state; create one at load time and reuse it.
public final class Snapshot {
    let handle: OpaquePointer

    /// Creates an empty snapshot.
    public init() {
        guard let h = emb_snapshot_create() else { fatalError("out of memory creating a snapshot") }
        handle = h
    }

    deinit { emb_snapshot_destroy(handle) }
}

/// FNV-1a over the bytes of each Double's bit pattern, least significant first; order-sensitive and
/// platform-independent. `World.stateHash()` uses it, and tools can recompute a hash from logged values.
public struct StateHasher: Sendable {
    /// The hash so far.
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Creates a hasher in its initial state.
    public init() {}

    /// Mixes in the exact bits of one value.
    public mutating func combine(_ x: Double) {
        var bits = x.bitPattern
        for _ in 0..<8 {
            value ^= bits & 0xff
            value &*= 0x0000_0100_0000_01b3
            bits >>= 8
        }
    }

    /// Mixes in the exact bits of each value in order.
    public mutating func combine(_ xs: UnsafeBufferPointer<Double>) {
        for x in xs { combine(x) }
    }
}

extension String {
    /// Decodes a NUL-terminated C string held in an array buffer.
    init(cStringBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

extension SIMD3 where Scalar == Double {
    /// Creates a vector from a C double[3] imported as a tuple.
    init(_ t: (Double, Double, Double)) { self.init(t.0, t.1, t.2) }
}

/// Counters of the block pool that serves Bullet's small allocations (CShims/CBullet/pool.cpp), process-wide.
public struct BulletBlockPoolStatistics: Equatable, Sendable {
    /// Whether the pool is installed (it is once the first world has been created).
    public var installed: Bool
    /// Pool blocks Bullet holds now.
    public var blocksInUse: Int
    /// The most memory the pool has had handed out at once, summed over its size classes, bytes.
    public var bytesHighWater: Int
    /// Bullet allocations that went to malloc: too large for a block, or their size class had run out.
    public var mallocFallbacks: Int
    /// Of those, the ones whose size class had run out (a scene far larger than the pool).
    public var exhaustedFallbacks: Int

    /// Reads the counters now.
    public static func current() -> BulletBlockPoolStatistics {
        var s = emb_pool_stats()
        emb_block_pool_stats(&s)
        return BulletBlockPoolStatistics(installed: s.installed != 0, blocksInUse: Int(s.blocks_in_use),
                                         bytesHighWater: Int(s.bytes_high_water),
                                         mallocFallbacks: Int(s.malloc_fallbacks),
                                         exhaustedFallbacks: Int(s.exhausted_fallbacks))
    }
}

extension World {
    /// Makes the constraint-space solver run its baseline x86-64 loops even where the CPU has AVX (for tests that
    /// both give the same bits); process-wide.
    static func useBaselineLanes(_ enabled: Bool) { emb_constraint_space_baseline_lanes(enabled ? 1 : 0) }
}

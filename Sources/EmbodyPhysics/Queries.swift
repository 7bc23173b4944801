// MARK: - Geometric queries for sensors and planners: batched ray casts and collision checks
//
// Thin wrappers over the shim's Queries section (cbullet.h). Neither query changes the simulation: a step
// after a query gives the same bits as without it. The classes here keep their buffers between calls,
// so a query of a size seen before allocates nothing. Their method signatures match the protocols of
// EmbodyPerception (`RayCaster`) and EmbodyPlanning (`CollisionChecker`), so the runtime conforms them with
// empty extensions: `extension WorldRayCaster: RayCaster {}`, `extension RobotCollisionChecker: CollisionChecker {}`.

import CBullet
import EmbodyModel

// MARK: - Ray casts

/// The results of a batch of rays, one entry per ray; buffers grow when a larger batch needs them.
public struct RayHits: Sendable {
    /// The hit's fraction of the way from origin to end; 1 when the ray hit nothing.
    public internal(set) var fractions: [Double] = []
    /// The hit object's id (see Robot.id, RigidBody.id, World.groundID), or −1.
    public internal(set) var objects: [Int32] = []
    /// The hit robot link (index in Robot.linkNames, 0 = base), or −1 for bodies, the ground and misses.
    public internal(set) var links: [Int32] = []
    /// The unit surface normals at the hits, world frame, 3 per ray (zeros for misses).
    public internal(set) var normals: [Double] = []

    /// Creates empty buffers.
    public init() {}

    /// Creates buffers for `count` rays.
    public init(capacity count: Int) { reserve(count) }

    /// Makes room for `count` rays.
    public mutating func reserve(_ count: Int) {
        if fractions.count < count {
            fractions = [Double](repeating: 1, count: count)
            objects = [Int32](repeating: -1, count: count)
            links = [Int32](repeating: -1, count: count)
            normals = [Double](repeating: 0, count: 3 * count)
        }
    }
}

extension World {
    /// Casts `count` rays from `origins` to `ends` (3·count doubles each, m, world frame) and writes each ray's
    /// closest hit into `hits`; objects with id `ignoring` (e.g. the robot carrying the sensor) are skipped.
    public func castRays(origins: [Double], ends: [Double], count: Int, ignoring: Int32? = nil,
                         into hits: inout RayHits) {
        castRays(origins: origins, ends: ends, count: count, ignoring: ignoring, into: &hits,
                 batch: emb_world_ray_cast_batch)
    }

    /// castRays through Bullet's general ray test for every object (the shim's slow reference batch), for tests
    /// that check the closed-form ray tests against it; same arguments and results format.
    public func castRaysReference(origins: [Double], ends: [Double], count: Int, ignoring: Int32? = nil,
                                  into hits: inout RayHits) {
        castRays(origins: origins, ends: ends, count: count, ignoring: ignoring, into: &hits,
                 batch: emb_world_ray_cast_batch_reference)
    }

    private func castRays(origins: [Double], ends: [Double], count: Int, ignoring: Int32?, into hits: inout RayHits,
                          batch: (OpaquePointer?, UnsafePointer<Double>?, UnsafePointer<Double>?, Int32, Int32,
                                  UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Int32>?,
                                  UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Double>?) -> emb_status) {
        precondition(count >= 0 && origins.count >= 3 * count && ends.count >= 3 * count,
                     "castRays needs 3·count origins and ends")
        hits.reserve(count)
        let status = origins.withUnsafeBufferPointer { o in
            ends.withUnsafeBufferPointer { e in
                hits.fractions.withUnsafeMutableBufferPointer { f in
                    hits.objects.withUnsafeMutableBufferPointer { ob in
                        hits.links.withUnsafeMutableBufferPointer { l in
                            hits.normals.withUnsafeMutableBufferPointer { n in
                                batch(handle, o.baseAddress, e.baseAddress, Int32(count),
                                                         ignoring ?? -1, f.baseAddress, ob.baseAddress,
                                                         l.baseAddress, n.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        precondition(status == EMB_OK, "castRays: ray end points must be finite (status \(status))")
    }

    /// The distance in m along the ray from `origin` in the unit direction `direction` to the first surface
    /// within `maxDistance`, or nil (allocates; for tools and tests).
    public func castRay(from origin: Vector3, direction: Vector3, maxDistance: Double,
                        ignoring: Int32? = nil) -> Double? {
        let end = origin + direction * maxDistance
        var hits = RayHits(capacity: 1)
        castRays(origins: [origin.x, origin.y, origin.z], ends: [end.x, end.y, end.z], count: 1,
                 ignoring: ignoring, into: &hits)
        return hits.fractions[0] < 1 ? hits.fractions[0] * maxDistance : nil
    }
}

/// Casts batches of rays given as origins and unit directions into a World, reporting distances; the
/// physics side of EmbodyPerception's `RayCaster`.
public final class WorldRayCaster {
    /// The world the rays go into.
    public let world: World
    /// The object the rays pass through (e.g. the robot a camera is mounted on), or nil.
    public var ignoredObject: Int32?
    private var ends: [Double] = []
    private var hits = RayHits()

    /// Creates a caster for `world`, optionally ignoring one object; `capacity` rays are reserved up front.
    public init(world: World, ignoring object: Int32? = nil, capacity: Int = 0) {
        self.world = world
        ignoredObject = object
        reserve(capacity)
    }

    /// Makes room for batches of `count` rays, so that casting them does not allocate.
    public func reserve(_ count: Int) {
        if ends.count < 3 * count { ends = [Double](repeating: 0, count: 3 * count) }
        hits.reserve(count)
    }

    /// Casts `count` rays from `origins` along unit `directions` (3·count doubles each, m, world frame) and writes
    /// into `distances[i]` the distance in m to the first surface within `maxDistance`, or +∞.
    public func castRays(origins: [Double], directions: [Double], count: Int, maxDistance: Double,
                         into distances: inout [Double]) {
        precondition(directions.count >= 3 * count && distances.count >= count, "castRays needs 3·count directions and count distances")
        reserve(count)
        for i in 0..<(3 * count) { ends[i] = origins[i] + directions[i] * maxDistance }
        world.castRays(origins: origins, ends: ends, count: count, ignoring: ignoredObject, into: &hits)
        for i in 0..<count {
            let f = hits.fractions[i]
            distances[i] = f < 1 ? f * maxDistance : .infinity
        }
    }
}

// MARK: - Collision checks

/// What a collision check tests a robot configuration against, and how close counts as a collision.
public struct CollisionCheckOptions: Equatable, Sendable {
    /// Test against the ground plane.
    public var ground: Bool = true
    /// Test against rigid bodies, static and dynamic, at their current poses.
    public var bodies: Bool = true
    /// Test against other robots at their current configurations.
    public var otherRobots: Bool = true
    /// Test the robot's own links against each other (see `RobotCollisionChecker` for the pairs skipped).
    public var selfCollision: Bool = true
    /// A configuration collides when some pair is closer than this, m (0: touching allowed, penetration not).
    public var margin: Double = 0
    /// Test every pair and report the closest instead of stopping at the first collision.
    public var reportClosest: Bool = false

    /// Creates the defaults: everything, margin 0, stop at the first hit.
    public init() {}

    var flags: Int32 {
        (ground ? EMB_CHECK_GROUND : 0) | (bodies ? EMB_CHECK_BODIES : 0) | (otherRobots ? EMB_CHECK_ROBOTS : 0)
            | (selfCollision ? EMB_CHECK_SELF : 0) | (reportClosest ? EMB_CHECK_ALL_PAIRS : 0)
    }
}

/// The outcome of a collision check.
public struct CollisionReport: Equatable, Sendable {
    /// Whether some pair is closer than the margin.
    public var colliding: Bool
    /// The robot's link in the reported pair (index in Robot.linkNames), or nil.
    public var link: Int?
    /// The other object's id (the robot's own for self-collision), or nil.
    public var otherObject: Int32?
    /// The other object's link (index in its Robot.linkNames) when it is a robot, or nil.
    public var otherLink: Int?
    /// The reported pair's signed distance in m (negative: penetration), +∞ when nothing is within the margin.
    public var distance: Double
    /// The number of narrowphase shape-pair tests run (a cost measure).
    public var pairsTested: Int
}

extension Robot {
    /// Checks the robot at joint positions `q` (dof values; the base stays where it is) against the world and
    /// itself without changing the simulation; `allowedPairs` (linkCount² flags, row-major, 0 = base) marks
    /// link pairs to skip in the self check.
    public func checkCollision(q: [Double], options: CollisionCheckOptions = CollisionCheckOptions(),
                               allowedPairs: [UInt8]? = nil) -> CollisionReport {
        precondition(q.count == dof, "expected \(dof) joint positions, got \(q.count)")
        precondition(allowedPairs.map { $0.count >= linkCount * linkCount } ?? true, "allowedPairs needs linkCount² entries")
        var r = emb_collision_result()
        let status = q.withUnsafeBufferPointer { qp in
            if let allowed = allowedPairs {
                return allowed.withUnsafeBufferPointer { ap in
                    emb_robot_check_collision(shimHandle, qp.baseAddress, Int32(dof), options.flags, options.margin,
                                              ap.baseAddress, &r)
                }
            }
            return emb_robot_check_collision(shimHandle, qp.baseAddress, Int32(dof), options.flags, options.margin, nil, &r)
        }
        precondition(status == EMB_OK, "checkCollision: q and the margin must be finite (status \(status))")
        return CollisionReport(colliding: r.colliding != 0, link: r.link >= 0 ? Int(r.link) : nil,
                               otherObject: r.other_object >= 0 ? r.other_object : nil,
                               otherLink: r.other_link >= 0 ? Int(r.other_link) : nil,
                               distance: r.distance, pairsTested: Int(r.pairs_tested))
    }

    /// Whether the robot at joint positions `q` would collide with the world or itself (see `checkCollision`).
    public func isInCollision(q: [Double], options: CollisionCheckOptions = CollisionCheckOptions(),
                              allowedPairs: [UInt8]? = nil) -> Bool {
        checkCollision(q: q, options: options, allowedPairs: allowedPairs).colliding
    }

    /// For every pair of links (linkCount² flags, row-major, symmetric, 0 = base): 1 when the two are closer than
    /// `margin` m at joint positions `q`. At a reference posture this finds the pairs that always touch.
    public func selfCollisionMatrix(q: [Double], margin: Double = 0) -> [UInt8] {
        precondition(q.count == dof, "expected \(dof) joint positions, got \(q.count)")
        var pairs = [UInt8](repeating: 0, count: linkCount * linkCount)
        let status = q.withUnsafeBufferPointer { qp in
            pairs.withUnsafeMutableBufferPointer { pp in
                emb_robot_self_collision_matrix(shimHandle, qp.baseAddress, Int32(dof), margin, pp.baseAddress,
                                                Int32(pp.count))
            }
        }
        precondition(status == EMB_OK, "selfCollisionMatrix: q and the margin must be finite (status \(status))")
        return pairs
    }
}

/// Collision checks of one robot's configurations for planners; the physics side of EmbodyPlanning's
/// `CollisionChecker`. Link pairs that touch at the reference posture (and parent-child pairs, and pairs
/// joined by fixed joints) are skipped in the self check, as MoveIt's "adjacent" and "default" pairs are.
/// Deterministic: the answer depends only on q and the current poses of everything else.
public final class RobotCollisionChecker {
    /// The world the robot is in, kept alive by the checker (a Robot is valid only while its World lives).
    public let world: World
    /// The robot checked.
    public let robot: Robot
    /// What is tested, and the margin.
    public let options: CollisionCheckOptions
    /// The skipped self-collision pairs (linkCount² flags, row-major, 0 = base).
    public let allowedPairs: [UInt8]
    /// The number of checks made so far.
    public private(set) var checks = 0

    /// Creates a checker; pairs closer than the margin at `referenceQ` (default: the current q) are skipped
    /// in the self check.
    public init(world: World, robot: Robot, options: CollisionCheckOptions = CollisionCheckOptions(),
                referenceQ: [Double]? = nil) {
        precondition(world.robots.contains { $0 === robot }, "the robot must belong to the world")
        self.world = world
        self.robot = robot
        self.options = options
        allowedPairs = robot.selfCollisionMatrix(q: referenceQ ?? robot.q, margin: options.margin)
    }

    /// Whether the robot at joint positions `q` (dof values, rad or m) is clear of the world and of itself.
    public func isCollisionFree(q: [Double]) -> Bool {
        checks += 1
        return !robot.isInCollision(q: q, options: options, allowedPairs: allowedPairs)
    }

    /// The full report for joint positions `q`.
    public func check(q: [Double]) -> CollisionReport {
        checks += 1
        return robot.checkCollision(q: q, options: options, allowedPairs: allowedPairs)
    }
}

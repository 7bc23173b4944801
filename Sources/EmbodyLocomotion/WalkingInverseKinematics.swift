// MARK: - The IK + joint-PD fallback: a WalkingReference as joint targets
//
// For comparison with whole-body control (issue 13 calls it a fallback, not the answer): the pelvis takes the
// torso's reference orientation and the position that puts the whole-body CoM at its reference, and each
// leg's six joints follow from the pelvis and the foot pose in closed form (Kajita et al., "Introduction to
// Humanoid Robotics", §2.5): with the hip point p₁, the ankle point p₇ and the foot rotation R₇,
//
//     r = R₇ᵀ (p₁ − p₇),  C = |r|,  knee q₄ = acos((C² − A² − B²) / 2AB),
//     ankle roll q₆ = atan2(r_y, r_z),  ankle pitch q₅ = −atan2(r_x, sign(r_z) √(r_y² + r_z²)) − asin(A sin(π − q₄) / C),
//     R = R₁ᵀ R₇ R_x(−q₆) R_y(−q₄ − q₅),  hip yaw q₁ = atan2(−R₀₁, R₁₁),
//     hip roll q₂ = atan2(R₂₁, −R₀₁ sin q₁ + R₁₁ cos q₁),  hip pitch q₃ = atan2(−R₂₀, R₂₂),
//
// A the thigh and B the shin length. The pelvis position is found by fixed-point iteration on the CoM:
// p ← p + (c* − c(q(p), p)), three times per tick. Legs must be hip yaw (z), roll (x), pitch (y) meeting at
// one point, a knee (y) below it, ankle pitch (y) and roll (x) meeting at the foot link's origin; the
// constructor checks this from the model. A joint-space controller (pd_gravity) then tracks q*.

import EmbodyControl
import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The model does not have legs the closed-form IK can solve.
public struct WalkingKinematicsError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A 3 × 3 rotation matrix by rows, without heap storage.
struct Rotation3 {
    var r0: Vector3, r1: Vector3, r2: Vector3

    init(_ q: Quaternion) {
        let x = q.x, y = q.y, z = q.z, w = q.w
        r0 = Vector3(1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w))
        r1 = Vector3(2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w))
        r2 = Vector3(2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y))
    }
    init(rows r0: Vector3, _ r1: Vector3, _ r2: Vector3) { self.r0 = r0; self.r1 = r1; self.r2 = r2 }

    static func rx(_ a: Double) -> Rotation3 {
        let c = cos(a), s = sin(a)
        return Rotation3(rows: Vector3(1, 0, 0), Vector3(0, c, -s), Vector3(0, s, c))
    }
    static func ry(_ a: Double) -> Rotation3 {
        let c = cos(a), s = sin(a)
        return Rotation3(rows: Vector3(c, 0, s), Vector3(0, 1, 0), Vector3(-s, 0, c))
    }
    var transposed: Rotation3 {
        Rotation3(rows: Vector3(r0.x, r1.x, r2.x), Vector3(r0.y, r1.y, r2.y), Vector3(r0.z, r1.z, r2.z))
    }
    func apply(_ v: Vector3) -> Vector3 { Vector3(dot(r0, v), dot(r1, v), dot(r2, v)) }
    static func * (a: Rotation3, b: Rotation3) -> Rotation3 {
        let bt = b.transposed
        return Rotation3(rows: Vector3(dot(a.r0, bt.r0), dot(a.r0, bt.r1), dot(a.r0, bt.r2)),
                         Vector3(dot(a.r1, bt.r0), dot(a.r1, bt.r1), dot(a.r1, bt.r2)),
                         Vector3(dot(a.r2, bt.r0), dot(a.r2, bt.r1), dot(a.r2, bt.r2)))
    }
}

/// Turns a `WalkingReference` into joint targets: closed-form leg IK under a pelvis placed for the CoM.
public final class WalkingInverseKinematics {
    /// One leg: its six coordinates (hip yaw, roll, pitch, knee, ankle pitch, roll), the hip point in the
    /// pelvis frame, the thigh and shin lengths, and the sole.
    public struct Leg: Equatable, Sendable {
        public var coordinates: [Int]
        public var hipOffset: Vector3
        public var thigh: Double
        public var shin: Double
        public var sole: SoleGeometry
    }

    public let legs: [Leg]
    public let dynamics: any RobotDynamics
    public let mass: MassDistribution
    /// The fixed-point iterations on the pelvis position per solve.
    public var iterations = 3
    /// The pelvis pose of the last solve.
    public private(set) var pelvis = Transform.identity
    /// The CoM error of the last solve after its iterations, m.
    public private(set) var residual = 0.0
    private var lower: [Double], upper: [Double]
    private var hasPelvis = false

    /// Legs ending at the foot links `feet` (model link indices, left then right) with soles `soles` (in the
    /// dynamics' link numbering); the model's joints are checked for the form the closed-form IK needs.
    public init(model: RobotModel, feet: [Int], soles: [SoleGeometry], dynamics: any RobotDynamics,
                mass: MassDistribution) throws(WalkingKinematicsError) {
        self.dynamics = dynamics
        self.mass = mass
        let movable = model.movableJoints
        lower = movable.map { $0.limit?.lower ?? -Double.infinity }
        upper = movable.map { $0.limit?.upper ?? Double.infinity }
        var legs: [Leg] = []
        for (k, foot) in feet.enumerated() {
            // Walk up from the foot to the root.
            var chain: [Joint] = []
            var link = foot
            while link != model.root, let j = model.joints.first(where: { $0.child == link }) {
                if j.type.dof == 1 { chain.append(j) } else if j.type != .fixed {
                    throw WalkingKinematicsError("joint '\(j.name)' between the pelvis and foot link '\(model.links[foot].name)' is neither fixed nor one-DoF")
                }
                link = j.parent
            }
            chain.reverse()
            let name = model.links[foot].name
            let expected: [Vector3] = [Vector3(0, 0, 1), Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 1, 0), Vector3(0, 1, 0), Vector3(1, 0, 0)]
            guard chain.count == 6, zip(chain, expected).allSatisfy({ length($0.axis - $1) < 1e-9 && $0.type == .revolute }),
                  chain[1...].allSatisfy({ $0.origin.rotation.angle(to: .identity) < 1e-9 }),
                  chain[0].origin.rotation.angle(to: .identity) < 1e-9,
                  length(chain[1].origin.position) < 1e-9, length(chain[2].origin.position) < 1e-9,
                  length(chain[5].origin.position) < 1e-9,
                  abs(chain[3].origin.position.x) < 1e-9, abs(chain[3].origin.position.y) < 1e-9, chain[3].origin.position.z < 0,
                  abs(chain[4].origin.position.x) < 1e-9, abs(chain[4].origin.position.y) < 1e-9, chain[4].origin.position.z < 0 else {
                throw WalkingKinematicsError("the leg of '\(name)' is not hip yaw (z), roll (x), pitch (y) at one point, a knee (y) straight below, ankle pitch (y) and roll (x) at one point: the IK fallback cannot solve it (use controller type whole_body)")
            }
            var coordinates: [Int] = []
            for j in chain {
                guard let c = movable.firstIndex(where: { $0.name == j.name }) else {
                    throw WalkingKinematicsError("joint '\(j.name)' has no coordinate")
                }
                coordinates.append(c)
            }
            legs.append(Leg(coordinates: coordinates, hipOffset: chain[0].origin.position,
                            thigh: -chain[3].origin.position.z, shin: -chain[4].origin.position.z, sole: soles[k]))
        }
        self.legs = legs
    }

    /// The six joint angles of `leg` for the hip point `hip` under pelvis rotation `pelvisRotation` and the foot
    /// link's world pose `foot` (its origin at the ankle point), written into `q` at the leg's coordinates.
    func solveLeg(_ leg: Leg, hip: Vector3, pelvisRotation: Rotation3, foot: Transform, into q: inout [Double]) {
        let a = leg.thigh, b = leg.shin
        let r7 = Rotation3(foot.rotation)
        let r = r7.transposed.apply(hip - foot.position)
        let c = max(length(r), 1e-9)
        let cosKnee = (c * c - a * a - b * b) / (2 * a * b)
        let knee = acos(min(max(cosKnee, -1), 1))
        let alpha = asin(min(max(a * sin(Double.pi - knee) / c, -1), 1))
        var roll = atan2(r.y, r.z)
        if roll > Double.pi / 2 { roll -= Double.pi } else if roll < -Double.pi / 2 { roll += Double.pi }
        let pitch = -atan2(r.x, (r.z >= 0 ? 1.0 : -1.0) * (r.y * r.y + r.z * r.z).squareRoot()) - alpha
        let m = pelvisRotation.transposed * r7 * Rotation3.rx(-roll) * Rotation3.ry(-knee - pitch)
        let yaw = atan2(-m.r0.y, m.r1.y)
        let hipRoll = atan2(m.r2.y, -m.r0.y * sin(yaw) + m.r1.y * cos(yaw))
        let hipPitch = atan2(-m.r2.x, m.r2.z)
        let values = (yaw, hipRoll, hipPitch, knee, pitch, roll)
        q[leg.coordinates[0]] = values.0; q[leg.coordinates[1]] = values.1; q[leg.coordinates[2]] = values.2
        q[leg.coordinates[3]] = values.3; q[leg.coordinates[4]] = values.4; q[leg.coordinates[5]] = values.5
    }

    /// Writes the joint targets for `reference` into `q` (posture for the joints outside the legs, clamped to the
    /// joint limits), placing the pelvis so that the model's CoM is at the reference CoM. Allocates nothing.
    public func solve(_ reference: WalkingReference, into q: inout [Double]) {
        for i in 0..<q.count { q[i] = reference.posture[i] }
        let rotation = reference.torsoOrientation
        let rp = Rotation3(rotation)
        let target = reference.comPosition
        if !hasPelvis {
            pelvis = Transform(position: target, rotation: rotation)
            hasPelvis = true
        }
        var p = pelvis.position
        for _ in 0..<max(1, iterations) {
            solveLegs(pelvisPosition: p, rotation: rotation, rp: rp, reference: reference, into: &q)
            let com = mass.position(dynamics: dynamics, q: q, basePose: Transform(position: p, rotation: rotation))
            let e = target - com
            p += e
            residual = length(e)
        }
        solveLegs(pelvisPosition: p, rotation: rotation, rp: rp, reference: reference, into: &q)
        pelvis = Transform(position: p, rotation: rotation)
        for i in 0..<q.count { q[i] = min(max(q[i], lower[i]), upper[i]) }
    }

    private func solveLegs(pelvisPosition p: Vector3, rotation: Quaternion, rp: Rotation3, reference: WalkingReference,
                           into q: inout [Double]) {
        for k in 0..<legs.count {
            let leg = legs[k]
            let hip = p + rotation.rotate(leg.hipOffset)
            let foot = reference.feet[k].pose * leg.sole.frame.inverse
            solveLeg(leg, hip: hip, pelvisRotation: rp, foot: foot, into: &q)
        }
    }

    /// Forgets the last pelvis (the next solve starts from the CoM reference).
    public func reset() { hasPelvis = false }
}

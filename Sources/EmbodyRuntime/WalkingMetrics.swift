// MARK: - Walking metrics (definitions in docs/metrics.md, "Walking and standing")
//
// Accumulated once per physics tick after the step, from the true state, the link poses and the contacts the
// world reports; nothing allocates per tick.
//
//   - A foot is *in contact* when the normal force on it exceeds `contactForce` (5 % of the robot's weight),
//     and *in stance* when it exceeds `stanceForce` (25 %): touchdown and lift-off transients, when the foot
//     carries little weight, are not stance.
//   - `foot_slip_max` (m): the largest horizontal distance of a sole centre from where it was when its stance
//     began, over every stance.
//   - `zmp_margin_min` (m): the smallest signed distance of the measured centre of pressure (the normal-force
//     weighted mean of the feet's contact points) inside the support polygon (the convex hull of the soles in
//     contact), over the ticks with a foot in contact.
//   - `com_tracking_rms` (m): the RMS distance between the true CoM and the reference CoM of the last control tick.
//   - `walk_distance` (m): the base's horizontal displacement projected on the commanded direction of travel
//     (the command's (vx, vy) turned by the torso's reference heading; for a walk to waypoints, the straight line
//     from where the walk to the waypoint started to the waypoint), summed over the ticks: progress along the
//     commanded path, without the lateral sway of the gait.
//   - `walk_speed` (m/s): walk_distance over the time a non-zero command was in force (or a walk to a waypoint lasted).
//   - `cost_of_transport`: Σ|τ·q̇| dt over that time divided by m g walk_distance (∞ when the robot did not move).
//   - `walk_final_offset` (m): the horizontal distance of the base at the end from where it was at the start
//     (a walk that closes a loop should end near 0).
//   - `steps_taken`: touchdowns, a foot coming into stance after at least 0.1 s out of contact.

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Running sums for the walking metrics.
final class WalkingMetrics {
    let biped: BipedModel
    let path: WalkingPath?
    let weight: Double
    let contactForce: Double
    let stanceForce: Double
    private var corners = SoleCorners()
    private var polygon = ConvexSupportPolygon(capacity: 8)
    private var pathCursor = 0

    private(set) var slipMax = 0.0
    private(set) var marginMin = Double.infinity
    private var comSquares = 0.0
    private var comSamples = 0
    private(set) var distance = 0.0
    private(set) var walkingTime = 0.0
    private var work = 0.0
    private(set) var steps = 0
    private var stance: [Bool] = [false, false]
    private var anchor: [SIMD2<Double>] = [.zero, .zero]
    private var airborneSince: [Double] = [0, 0]
    private var inAir: [Bool] = [false, false]
    private var lastBase = SIMD2<Double>.zero
    private var firstBase = SIMD2<Double>.zero
    private var hasBase = false

    init(biped: BipedModel, path: WalkingPath?) {
        self.biped = biped
        self.path = path
        weight = biped.mass.totalMass * 9.81
        contactForce = 0.05 * weight
        stanceForce = 0.25 * weight
    }

    /// Adds the tick that ended at time `t` (s): `linkPoses` in `Robot.linkNames` order, the contacts after the
    /// step, the true state, the applied torques and the reference of the last control tick.
    func accumulate(t: Double, dt: Double, state: RobotState, linkPoses: [Double], contacts: [Contact], contactCount: Int,
                    robotID: Int32, applied: [Double], reference: WalkingReference) {
        // CoM tracking.
        var com = Vector3.zero
        let mass = biped.mass
        for i in 0..<mass.masses.count where mass.masses[i] > 0 {
            com += mass.masses[i] * Transform(linkPoses, from: 7 * i).apply(mass.centers[i])
        }
        com /= mass.totalMass
        let e = com - reference.comPosition
        comSquares += dot(e, e)
        comSamples += 1
        // Feet: forces, centre of pressure, stance and slip.
        corners.removeAll()
        var force = 0.0
        var cop = SIMD2<Double>.zero
        for k in 0..<2 {
            let link = biped.footLinks[k]
            let simLink = Int32(link - 1)
            var f = 0.0
            for i in 0..<contactCount {
                let c = contacts[i]
                var point: Vector3
                if c.objectA == robotID && c.linkA == simLink {
                    point = c.positionOnB + c.distance * c.normalOnB
                } else if c.objectB == robotID && c.linkB == simLink {
                    point = c.positionOnB
                } else { continue }
                f += c.normalForce
                cop += c.normalForce * SIMD2(point.x, point.y)
            }
            force += f
            let sole = biped.soles[k].worldFrame(linkPose: Transform(linkPoses, from: 7 * link))
            let centre = SIMD2(sole.position.x, sole.position.y)
            if f > contactForce {
                corners.add(biped.soles[k], solePose: sole)
                if inAir[k] && t - airborneSince[k] >= 0.1 && f > stanceForce { steps += 1 }
                if f > stanceForce { inAir[k] = false }
            } else if !inAir[k] {
                inAir[k] = true
                airborneSince[k] = t
            }
            if f > stanceForce {
                if !stance[k] { stance[k] = true; anchor[k] = centre }
                let d = centre - anchor[k]
                slipMax = max(slipMax, (d.x * d.x + d.y * d.y).squareRoot())
            } else {
                stance[k] = false
            }
        }
        if force > contactForce && corners.count > 0 {
            corners.hull(into: &polygon)
            marginMin = min(marginMin, polygon.signedDistance(to: cop / force))
        }
        // Progress along the commanded path.
        let base = SIMD2(state.basePose.position.x, state.basePose.position.y)
        let q = reference.torsoOrientation
        let yaw = atan2(2 * (q.w * q.z + q.x * q.y), 1 - 2 * (q.y * q.y + q.z * q.z))
        if let path, hasBase, let v = path.travel(at: t - dt, headingYaw: yaw, cursor: &pathCursor) {
            let speed = (v.x * v.x + v.y * v.y).squareRoot()
            if speed > 0 {
                let d = base - lastBase
                distance += (d.x * v.x + d.y * v.y) / speed
            }
            walkingTime += dt
            var power = 0.0
            for i in 0..<applied.count { power += applied[i] * state.qd[i] }
            work += abs(power) * dt
        }
        if !hasBase { firstBase = base }
        lastBase = base
        hasBase = true
    }

    /// The metric values by name (walk metrics only with a path).
    func values() -> [String: Double] {
        var v: [String: Double] = [
            "foot_slip_max": slipMax,
            "zmp_margin_min": marginMin.isFinite ? marginMin : -Double.infinity,
            "com_tracking_rms": comSamples > 0 ? (comSquares / Double(comSamples)).squareRoot() : .nan,
            "steps_taken": Double(steps),
        ]
        if path != nil {
            v["walk_distance"] = distance
            v["walk_speed"] = walkingTime > 0 ? distance / walkingTime : 0
            v["cost_of_transport"] = distance > 0 ? work / (weight * distance) : .infinity
            let d = lastBase - firstBase
            v["walk_final_offset"] = hasBase ? (d.x * d.x + d.y * d.y).squareRoot() : .nan
        }
        return v
    }
}

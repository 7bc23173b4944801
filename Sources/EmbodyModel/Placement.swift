// MARK: - Forward kinematics at load time, the lowest collision point, and standing height
//
// Pure geometry on the model, with no physics: where each link frame is for a joint vector q, and how
// low the robot's collision geometry reaches. `robot.base.position: [x, y, auto]` and `inspect`'s
// standing_height use it (docs/robots.md, "Placing a robot").

/// The lowest point of a robot's collision geometry.
public struct LowestPoint: Equatable, Sendable {
    /// Its height in m in the frame the base pose is given in (the world).
    public var z: Double
    /// The index in `RobotModel.links` of the link it belongs to.
    public var link: Int
}

extension RobotModel {
    /// The frame of every link (indexed as `links`) for joint coordinates `q` (rad or m, in `movableJoints`
    /// order; missing entries are 0), with the root link's frame at `root`.
    public func linkFrames(q: [Double], root rootFrame: Transform = .identity) -> [Transform] {
        var frames = [Transform](repeating: .identity, count: links.count)
        frames[root] = rootFrame
        var k = 0
        for j in joints {
            var motion = Transform.identity
            if j.type.dof == 1 {
                let value = k < q.count ? q[k] : 0
                k += 1
                switch j.type {
                case .revolute, .continuous: motion = Transform(rotation: Quaternion(axis: j.axis, angle: value))
                case .prismatic: motion = Transform(position: j.axis * value)
                case .fixed, .floating: break
                }
            }
            frames[j.child] = frames[j.parent] * j.origin * motion
        }
        return frames
    }

    /// The lowest point of all collision geometry for joint coordinates `q`, with the root link at `root`;
    /// nil when the robot has no collision geometry.
    public func lowestCollisionPoint(q: [Double], root rootFrame: Transform = .identity) -> LowestPoint? {
        let frames = linkFrames(q: q, root: rootFrame)
        var best: LowestPoint?
        for (i, link) in links.enumerated() {
            for g in link.collisions {
                let z = Self.lowestZ(of: g.shape, at: frames[i] * g.origin)
                if best == nil || z < best!.z { best = LowestPoint(z: z, link: i) }
            }
        }
        return best
    }

    /// The height in m of the root link's origin above the lowest collision point, for joint coordinates `q`
    /// with the root frame upright at the origin; nil without collision geometry.
    public func standingHeight(q: [Double]) -> Double? {
        lowestCollisionPoint(q: q).map { -$0.z }
    }

    /// The lowest world z of a shape placed at `pose`.
    static func lowestZ(of shape: Shape, at pose: Transform) -> Double {
        let p = pose.position
        switch shape {
        case .box(let size):
            // The half-extents projected on the world z axis: Σ |R_zi| · h_i.
            let h = size / 2
            let ex = pose.rotation.rotate(Vector3(1, 0, 0)).z, ey = pose.rotation.rotate(Vector3(0, 1, 0)).z
            let ez = pose.rotation.rotate(Vector3(0, 0, 1)).z
            return p.z - (abs(ex) * h.x + abs(ey) * h.y + abs(ez) * h.z)
        case .sphere(let r):
            return p.z - r
        case .cylinder(let r, let l):
            let az = pose.rotation.rotate(Vector3(0, 0, 1)).z
            return p.z - abs(az) * l / 2 - r * max(0, 1 - az * az).squareRoot()
        case .capsule(let r, let l):
            let az = pose.rotation.rotate(Vector3(0, 0, 1)).z
            return p.z - abs(az) * l / 2 - r
        case .mesh(let mesh):
            var lowest = Double.infinity
            for v in mesh.vertices { lowest = min(lowest, pose.apply(v).z) }
            return lowest
        }
    }
}

// MARK: - Links welded together by fixed joints

extension RobotModel {
    /// The links rigidly attached to `link` through chains of fixed joints (not including `link`).
    public func fixedDescendants(of link: Int) -> [Int] {
        var out: [Int] = []
        var frontier = [link]
        while let l = frontier.popLast() {
            for j in joints where j.parent == l && j.type == .fixed {
                out.append(j.child)
                frontier.append(j.child)
            }
        }
        return out
    }

    /// The mass properties of `link` together with every link welded to it by fixed joints, in `link`'s frame:
    /// total mass, centre of mass, and the inertia about it (each member's tensor rotated into the frame and moved by
    /// the parallel-axis theorem, I = Σ Rᵢ Iᵢ Rᵢᵀ + mᵢ(|dᵢ|² E − dᵢ dᵢᵀ)). The result's axes are `link`'s.
    public func compositeInertial(of link: Int) -> Inertial {
        let members = [link] + fixedDescendants(of: link)
        var frames = [Int: Transform]()
        frames[link] = .identity
        var changed = true
        while changed {  // joints are in topological order, so one pass suffices; loop for safety
            changed = false
            for j in joints where j.type == .fixed {
                if let p = frames[j.parent], frames[j.child] == nil, members.contains(j.child) {
                    frames[j.child] = p * j.origin
                    changed = true
                }
            }
        }
        var mass = 0.0
        var weighted = Vector3.zero
        for m in members {
            let f = (frames[m] ?? .identity) * links[m].inertial.origin
            mass += links[m].inertial.mass
            weighted += links[m].inertial.mass * f.position
        }
        guard mass > 0 else { return .massless }
        let com = weighted / mass
        var I = [[Double]](repeating: [0, 0, 0], count: 3)
        for m in members {
            let inr = links[m].inertial
            let f = (frames[m] ?? .identity) * inr.origin
            let local = [[inr.ixx, inr.ixy, inr.ixz], [inr.ixy, inr.iyy, inr.iyz], [inr.ixz, inr.iyz, inr.izz]]
            let R = f.rotation.matrix
            let d = f.position - com
            let dd = dot(d, d)
            let dv = [d.x, d.y, d.z]
            for r in 0..<3 {
                for c in 0..<3 {
                    var rotated = 0.0
                    for a in 0..<3 { for b in 0..<3 { rotated += R[r][a] * local[a][b] * R[c][b] } }
                    I[r][c] += rotated + inr.mass * ((r == c ? dd : 0) - dv[r] * dv[c])
                }
            }
        }
        return Inertial(mass: mass, origin: Transform(position: com), ixx: I[0][0], iyy: I[1][1], izz: I[2][2],
                        ixy: I[0][1], ixz: I[0][2], iyz: I[1][2])
    }
}

// MARK: - Joint positions against limits

/// A joint coordinate outside its position limits.
public struct LimitViolation: Equatable, Sendable, CustomStringConvertible {
    /// The joint's name.
    public var joint: String
    /// The coordinate, rad or m.
    public var value: Double
    /// The limits it violates, rad or m.
    public var lower: Double, upper: Double
    /// "rad" or "m".
    public var unit: String

    public var description: String {
        "joint '\(joint)' starts at q = \(value) \(unit), outside its limits [\(lower), \(upper)] \(unit)"
    }
}

extension RobotModel {
    /// The movable joints whose coordinate in `q` (in `movableJoints` order) lies outside their position limits.
    public func limitViolations(q: [Double]) -> [LimitViolation] {
        var out: [LimitViolation] = []
        for (k, j) in movableJoints.enumerated() {
            guard j.type != .continuous, let l = j.limit, l.lower.isFinite, l.upper.isFinite else { continue }
            let v = k < q.count ? q[k] : 0
            let slack = 1e-9 * max(1, abs(l.lower), abs(l.upper))
            if v < l.lower - slack || v > l.upper + slack {
                out.append(LimitViolation(joint: j.name, value: v, lower: l.lower, upper: l.upper,
                                          unit: j.type == .prismatic ? "m" : "rad"))
            }
        }
        return out
    }
}

// MARK: - Sole geometry: where a foot touches the ground, derived from the model
//
// A foot's sole is the bottom face of its link's collision box: a rectangle with a frame at its centre. A foot
// that touches the ground through small spheres instead (the Unitree G1's four 5 mm spheres per foot) has a
// sole made of their lowest points: a convex quadrilateral. Whole-body control puts the foot's contact forces
// at the four corners; walking uses the same polygon for support polygons, CoP margins and foot placement.
// Nothing here is hard-coded per robot: the shapes, their placement in the link and which side is down all
// come from the model.

import EmbodyModel

/// The sole of a foot: a convex quadrilateral in the foot link (a rectangle for a box-shaped foot), with its frame.
///
/// The sole frame has its origin at the centre of the sole's bounding rectangle, z along the sole's normal
/// pointing *into* the foot (up when the foot is flat on the ground, so a ground reaction has a positive z
/// component), and x along the rectangle's side (box) or the sole plane's direction (spheres) that points most
/// nearly along the link's x axis (forward, for the usual foot link). A rectangle spans [−halfLength, halfLength]
/// along x and [−halfWidth, halfWidth] along y; a quadrilateral sole has its four corners in `corner(_:)` and
/// that bounding rectangle in `halfLength` × `halfWidth`.
public struct SoleGeometry: Sendable, Equatable {
    /// The foot link's index, in the numbering of the `RobotDynamics` that the sole is used with.
    public var link: Int
    /// The sole frame in the foot link's frame (position in m).
    public var frame: Transform
    /// Half the rectangle's extent along the sole frame's x axis, m (> 0); for a quadrilateral sole, half its
    /// bounding rectangle's.
    public var halfLength: Double
    /// Half the rectangle's extent along the sole frame's y axis, m (> 0); for a quadrilateral sole, half its
    /// bounding rectangle's.
    public var halfWidth: Double
    /// The corners (x, y in the sole frame, m, counter-clockwise) of a sole that is not the rectangle
    /// `halfLength` × `halfWidth`; nil for a rectangle.
    public private(set) var quadrilateral: [SIMD2<Double>]?

    /// A sole with the given frame and half extents; the half extents must be finite and positive.
    public init(link: Int, frame: Transform, halfLength: Double, halfWidth: Double) {
        precondition(halfLength.isFinite && halfLength > 0 && halfWidth.isFinite && halfWidth > 0,
                     "SoleGeometry: half extents must be finite and positive, got \(halfLength) × \(halfWidth) m")
        self.link = link
        self.frame = frame
        self.halfLength = halfLength
        self.halfWidth = halfWidth
        quadrilateral = nil
    }

    /// A sole whose corners (x, y in the sole frame, m) are `corners`: four points, counter-clockwise, making a
    /// strictly convex quadrilateral. `halfLength` and `halfWidth` become the half extents of its bounding
    /// rectangle. Throws `SoleGeometryError` (naming `name`) for anything else.
    public init(link: Int, frame: Transform, corners: [SIMD2<Double>], name: String = "sole") throws(SoleGeometryError) {
        guard corners.count == 4, corners.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw SoleGeometryError("\(name): a quadrilateral sole needs four finite corners, got \(corners)")
        }
        for i in 0..<4 {
            let a = corners[i], b = corners[(i + 1) & 3], c = corners[(i + 2) & 3]
            let turn = (b.x - a.x) * (c.y - b.y) - (b.y - a.y) * (c.x - b.x)
            guard turn > 1e-12 else {
                throw SoleGeometryError("\(name): the corners \(corners) m are not a strictly convex counter-clockwise quadrilateral")
            }
        }
        let xs = corners.map(\.x), ys = corners.map(\.y)
        let halfLength = (xs.max()! - xs.min()!) / 2, halfWidth = (ys.max()! - ys.min()!) / 2
        self.init(link: link, frame: frame, halfLength: halfLength, halfWidth: halfWidth)
        quadrilateral = corners
    }

    /// The sole of `footLink` (a link of the model), from its collision shapes, given `down` (a direction in the
    /// link frame, such as the link-frame image of world −z at the robot's load configuration):
    ///
    /// - **A box**: the face of the box whose outward normal points most nearly along `down`; with several
    ///   collision boxes, the one whose chosen face lies lowest along `down`. A rectangle.
    /// - **Spheres** (when the link has no box): the spheres whose lowest points along `down` lie within
    ///   `sphereSelectionDepth` of the lowest are the contact spheres; the sole plane's normal n is the normal of
    ///   their centres' polygon (Newell's method over their convex hull seen along `down`, pointing along `down`),
    ///   and each contact point is its sphere's centre + r·n, the point that touches the ground when the plane is
    ///   level. The centres must lie within `sphereCoplanarity` of one plane. The sole is the convex hull of the
    ///   contact points: it must have four corners (with more, the four spanning the largest area are used,
    ///   which keeps the CoP inside the true hull). The sole frame's origin is the centre of their bounding
    ///   rectangle in the sole plane.
    ///
    /// `link` is the foot's index in the dynamics' numbering. Throws `SoleGeometryError` when the link has no
    /// collision box and no usable spheres, or `down` is not a finite non-zero vector.
    public init(footLink: Link, link: Int, down: Vector3) throws(SoleGeometryError) {
        let d = length(down)
        guard d.isFinite, d > 0 else {
            throw SoleGeometryError("link '\(footLink.name)': the down direction \(down) is not a finite non-zero vector")
        }
        let downUnit = down / d
        var best: (depth: Double, frame: Transform, halfLength: Double, halfWidth: Double)? = nil
        for geometry in footLink.collisions {
            guard case .box(let size) = geometry.shape else { continue }
            guard size.x > 0, size.y > 0, size.z > 0, size.x.isFinite, size.y.isFinite, size.z.isFinite else {
                throw SoleGeometryError("link '\(footLink.name)': its collision box \(size) m has a side that is not finite and positive")
            }
            let r = geometry.origin.rotation
            let axes = [r.rotate(Vector3(1, 0, 0)), r.rotate(Vector3(0, 1, 0)), r.rotate(Vector3(0, 0, 1))]
            let half = [size.x / 2, size.y / 2, size.z / 2]
            // The face whose outward normal (±axis k) is most nearly along `down`.
            var k = 0, sign = 1.0, alignment = -Double.infinity
            for i in 0..<3 {
                let a = dot(axes[i], downUnit)
                if abs(a) > alignment { alignment = abs(a); k = i; sign = a >= 0 ? 1 : -1 }
            }
            let centre = geometry.origin.position + sign * half[k] * axes[k]
            let z = -sign * axes[k]               // into the foot
            // x: of the other two box axes, the one most nearly along the link's x axis (its sign too).
            let others = [(k + 1) % 3, (k + 2) % 3]
            var xi = others[0], xs = 1.0, xAlign = -Double.infinity
            for i in others {
                let a = axes[i].x
                if abs(a) > xAlign { xAlign = abs(a); xi = i; xs = a >= 0 ? 1 : -1 }
            }
            let x = xs * axes[xi]
            let yi = others[0] == xi ? others[1] : others[0]
            let y = cross(z, x)
            let rotation = Quaternion(columns: x, y, z)
            let depth = dot(centre, downUnit)
            if best == nil || depth > best!.depth + 1e-12 {
                best = (depth, Transform(position: centre, rotation: rotation), half[xi], half[yi])
            }
        }
        if let best {
            self.init(link: link, frame: best.frame, halfLength: best.halfLength, halfWidth: best.halfWidth)
            return
        }
        try self.init(pointContactsOf: footLink, link: link, down: downUnit)
    }

    /// How far (m, along `down`) above the lowest sphere's lowest point another sphere's may be and still count
    /// as a contact sphere of the sole: a foot tilted by up to about 0.05 rad at load over a 20 cm sole.
    public static let sphereSelectionDepth = 0.01
    /// How far (m) a contact sphere's centre may be from the sole plane through their centroid.
    public static let sphereCoplanarity = 0.001

    /// The sole from the link's collision spheres (see `init(footLink:link:down:)`); `down` is a unit vector.
    private init(pointContactsOf footLink: Link, link: Int, down: Vector3) throws(SoleGeometryError) {
        let name = "link '\(footLink.name)' has no collision box, and"
        var spheres: [(centre: Vector3, radius: Double, depth: Double)] = []
        for geometry in footLink.collisions {
            guard case .sphere(let r) = geometry.shape else { continue }
            let c = geometry.origin.position
            guard r.isFinite, r > 0, c.x.isFinite, c.y.isFinite, c.z.isFinite else {
                throw SoleGeometryError("\(name) its collision sphere at \(c) m of radius \(r) m is not finite and positive")
            }
            spheres.append((c, r, dot(c, down) + r))
        }
        guard !spheres.isEmpty else {
            throw SoleGeometryError("\(name) no collision spheres to take its sole from (whole-body control needs a box-shaped foot or contact spheres)")
        }
        let lowest = spheres.map(\.depth).max()!
        let contacts = spheres.filter { $0.depth >= lowest - Self.sphereSelectionDepth }
        // The plane of the contact spheres' centres: Newell's normal over their hull seen along `down`.
        let (u, v) = Self.planeAxes(normal: down)
        let plan = contacts.map { SIMD2(dot($0.centre, u), dot($0.centre, v)) }
        let order = Self.convexHull(plan).compactMap { plan.firstIndex(of: $0) }   // the hull's contacts, in order
        guard order.count >= 3 else {
            throw SoleGeometryError("\(name) its \(contacts.count) lowest collision sphere(s) do not span an area; a sole needs at least four contact spheres not on one line")
        }
        var normal = Vector3.zero
        for k in 0..<order.count {
            let a = contacts[order[k]].centre, b = contacts[order[(k + 1) % order.count]].centre
            normal += cross(a, b)
        }
        let area = length(normal)
        guard area > 1e-12 else {
            throw SoleGeometryError("\(name) its lowest collision spheres do not span an area")
        }
        normal = normal / area
        if dot(normal, down) < 0 { normal = -1.0 * normal }
        var centroid = Vector3.zero
        for s in contacts { centroid += s.centre }
        centroid = centroid / Double(contacts.count)
        for s in contacts where abs(dot(s.centre - centroid, normal)) > Self.sphereCoplanarity {
            throw SoleGeometryError("\(name) the collision sphere at \(s.centre) m is \(abs(dot(s.centre - centroid, normal))) m off the plane of the other contact spheres (at most \(Self.sphereCoplanarity) m)")
        }
        // The sole frame: z into the foot, x the link's x in the sole plane (or its y when x is along the normal).
        let z = -1.0 * normal
        var x = Vector3(1, 0, 0) - dot(Vector3(1, 0, 0), z) * z
        if length(x) < 1e-6 { x = Vector3(0, 1, 0) - dot(Vector3(0, 1, 0), z) * z }
        x = x / length(x)
        let y = cross(z, x)
        let points = contacts.map { $0.centre + $0.radius * normal }
        let local = points.map { SIMD2(dot($0, x), dot($0, y)) }
        var hull = Self.convexHull(local)
        guard hull.count >= 4 else {
            throw SoleGeometryError("\(name) the convex hull of its contact spheres has \(hull.count) corners; a sole needs four (whole-body control puts a force at each of four corners)")
        }
        if hull.count > 4 { hull = Self.largestQuadrilateral(hull) }
        let xs = hull.map(\.x), ys = hull.map(\.y)
        let mid = SIMD2((xs.max()! + xs.min()!) / 2, (ys.max()! + ys.min()!) / 2)
        // Start at the corner most nearly towards (+x, +y), like a rectangle's corner 0.
        let first = (0..<4).max { (hull[$0] - mid).x + (hull[$0] - mid).y < (hull[$1] - mid).x + (hull[$1] - mid).y }!
        let corners = (0..<4).map { hull[(first + $0) % 4] - mid }
        var plane = 0.0
        for p in points { plane += dot(p, z) }
        plane /= Double(points.count)
        let origin = mid.x * x + mid.y * y + plane * z
        try self.init(link: link, frame: Transform(position: origin, rotation: Quaternion(columns: x, y, z)),
                      corners: corners, name: "link '\(footLink.name)'")
    }

    /// Two unit vectors completing `normal` (a unit vector) to a right-handed frame.
    private static func planeAxes(normal n: Vector3) -> (Vector3, Vector3) {
        let helper = abs(n.x) < 0.9 ? Vector3(1, 0, 0) : Vector3(0, 1, 0)
        var u = cross(helper, n)
        u = u / length(u)
        return (u, cross(n, u))
    }

    /// The convex hull of `points`, counter-clockwise (`ConvexSupportPolygon`'s monotone chain; collinear points
    /// dropped). Allocates; used at load.
    static func convexHull(_ points: [SIMD2<Double>]) -> [SIMD2<Double>] {
        var polygon = ConvexSupportPolygon(capacity: points.count)
        points.withUnsafeBufferPointer { polygon.setConvexHull(of: $0) }
        return Array(polygon.vertices.prefix(polygon.count))
    }

    /// Of the vertices of a convex counter-clockwise polygon, the four (in order) that span the largest area.
    /// O(n⁴) on the hull's vertices; used at load on a handful of contact spheres.
    static func largestQuadrilateral(_ hull: [SIMD2<Double>]) -> [SIMD2<Double>] {
        func area(_ p: [SIMD2<Double>]) -> Double {
            var s = 0.0
            for k in 0..<p.count { let a = p[k], b = p[(k + 1) % p.count]; s += a.x * b.y - a.y * b.x }
            return s / 2
        }
        let n = hull.count
        var best = Array(hull.prefix(4)), bestArea = area(best)
        for a in 0..<n { for b in (a + 1)..<n { for c in (b + 1)..<n { for d in (c + 1)..<n {
            let q = [hull[a], hull[b], hull[c], hull[d]]
            let qa = area(q)
            if qa > bestArea { best = q; bestArea = qa }
        } } } }
        return best
    }

    /// The sole frame's world pose, given the foot link's world pose.
    @inline(__always)
    public func worldFrame(linkPose: Transform) -> Transform { linkPose * frame }

    /// Corner `index` (0…3) in the sole frame, m: (+x, +y), (−x, +y), (−x, −y), (+x, −y), counter-clockwise
    /// about the sole's z axis (seen from above for a flat foot), so the four make a convex polygon in order.
    /// For a quadrilateral sole: its corners in the order they were given (counter-clockwise, corner 0 the one
    /// most nearly towards +x, +y).
    @inline(__always)
    public func corner(_ index: Int) -> Vector3 {
        if let q = quadrilateral { let c = q[index & 3]; return Vector3(c.x, c.y, 0) }
        return switch index & 3 {
        case 0: Vector3(halfLength, halfWidth, 0)
        case 1: Vector3(-halfLength, halfWidth, 0)
        case 2: Vector3(-halfLength, -halfWidth, 0)
        default: Vector3(halfLength, -halfWidth, 0)
        }
    }

    /// The world position of corner `index` (see `corner(_:)`), given the foot link's world pose.
    @inline(__always)
    public func worldCorner(_ index: Int, linkPose: Transform) -> Vector3 {
        worldFrame(linkPose: linkPose).apply(corner(index))
    }

    /// The signed distance (m) of the sole-frame point (x, y) inside the sole: positive inside (the
    /// distance to the nearest edge), negative outside (minus the distance to the sole).
    public func margin(x: Double, y: Double) -> Double {
        if let q = quadrilateral {
            return q.withUnsafeBufferPointer { ConvexSupportPolygon.signedDistance(from: SIMD2(x, y), toConvex: $0) }
        }
        let dx = abs(x) - halfLength, dy = abs(y) - halfWidth
        if dx <= 0 && dy <= 0 { return -max(dx, dy) }
        let ox = max(dx, 0), oy = max(dy, 0)
        return -(ox * ox + oy * oy).squareRoot()
    }
}

/// Why a sole could not be derived from a model.
public struct SoleGeometryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message, naming the link.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Quaternion {
    /// The rotation whose matrix has the orthonormal columns x, y, z (a right-handed frame's axes in the
    /// parent frame), by Shepperd's method.
    init(columns x: Vector3, _ y: Vector3, _ z: Vector3) {
        let m00 = x.x, m10 = x.y, m20 = x.z
        let m01 = y.x, m11 = y.y, m21 = y.z
        let m02 = z.x, m12 = z.y, m22 = z.z
        let trace = m00 + m11 + m22
        if trace > 0 {
            let s = (trace + 1).squareRoot() * 2
            self.init(x: (m21 - m12) / s, y: (m02 - m20) / s, z: (m10 - m01) / s, w: s / 4)
        } else if m00 > m11 && m00 > m22 {
            let s = (1 + m00 - m11 - m22).squareRoot() * 2
            self.init(x: s / 4, y: (m01 + m10) / s, z: (m02 + m20) / s, w: (m21 - m12) / s)
        } else if m11 > m22 {
            let s = (1 + m11 - m00 - m22).squareRoot() * 2
            self.init(x: (m01 + m10) / s, y: s / 4, z: (m12 + m21) / s, w: (m02 - m20) / s)
        } else {
            let s = (1 + m22 - m00 - m11).squareRoot() * 2
            self.init(x: (m02 + m20) / s, y: (m12 + m21) / s, z: s / 4, w: (m10 - m01) / s)
        }
    }
}

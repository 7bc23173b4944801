// MARK: - Sole geometry: where a foot touches the ground, derived from the model
//
// A foot's sole is the bottom face of its link's collision box: a rectangle with a frame at its centre.
// Whole-body control puts the foot's contact forces at its four corners; walking uses the same rectangle
// for support polygons, CoP margins and foot placement. Nothing here is hard-coded per robot: the box, its
// placement in the link and which face is down all come from the model.

import EmbodyModel

/// The sole of a foot: a rectangle in the foot link, with its frame.
///
/// The sole frame has its origin at the rectangle's centre, z along the sole's normal pointing *into* the
/// foot (up when the foot is flat on the ground, so a ground reaction has a positive z component), and x
/// along the rectangle's side that points most nearly along the link's x axis (forward, for the usual
/// foot link). The rectangle spans [−halfLength, halfLength] along x and [−halfWidth, halfWidth] along y.
public struct SoleGeometry: Sendable, Equatable {
    /// The foot link's index, in the numbering of the `RobotDynamics` that the sole is used with.
    public var link: Int
    /// The sole frame in the foot link's frame (position in m).
    public var frame: Transform
    /// Half the rectangle's extent along the sole frame's x axis, m (> 0).
    public var halfLength: Double
    /// Half the rectangle's extent along the sole frame's y axis, m (> 0).
    public var halfWidth: Double

    /// A sole with the given frame and half extents; the half extents must be finite and positive.
    public init(link: Int, frame: Transform, halfLength: Double, halfWidth: Double) {
        precondition(halfLength.isFinite && halfLength > 0 && halfWidth.isFinite && halfWidth > 0,
                     "SoleGeometry: half extents must be finite and positive, got \(halfLength) × \(halfWidth) m")
        self.link = link
        self.frame = frame
        self.halfLength = halfLength
        self.halfWidth = halfWidth
    }

    /// The sole of `footLink` (a link of the model), from its collision box: the face of the box whose outward
    /// normal points most nearly along `down` (a direction in the link frame, such as the link-frame image of
    /// world −z at the robot's load configuration). With several collision boxes, the one whose chosen face
    /// lies lowest along `down` is used. `link` is the foot's index in the dynamics' numbering.
    ///
    /// Throws `SoleGeometryError` when the link has no collision box, or `down` is not a finite non-zero vector.
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
        guard let best else {
            throw SoleGeometryError("link '\(footLink.name)' has no collision box to take its sole from (whole-body control needs a box-shaped foot)")
        }
        self.init(link: link, frame: best.frame, halfLength: best.halfLength, halfWidth: best.halfWidth)
    }

    /// The sole frame's world pose, given the foot link's world pose.
    @inline(__always)
    public func worldFrame(linkPose: Transform) -> Transform { linkPose * frame }

    /// Corner `index` (0…3) in the sole frame, m: (+x, +y), (−x, +y), (−x, −y), (+x, −y), counter-clockwise
    /// about the sole's z axis (seen from above for a flat foot), so the four make a convex polygon in order.
    @inline(__always)
    public func corner(_ index: Int) -> Vector3 {
        switch index & 3 {
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

    /// The signed distance (m) of the sole-frame point (x, y) inside the rectangle: positive inside (the
    /// distance to the nearest edge), negative outside (minus the distance to the rectangle).
    public func margin(x: Double, y: Double) -> Double {
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

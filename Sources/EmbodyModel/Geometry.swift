// MARK: - Rotations and rigid transforms
//
// Pure-Swift 3D types used by the model. `SIMD3<Double>` is used for vectors inside Swift only:
// it is padded to four doubles, so its storage is never handed to C (EmbodyPhysics copies the
// three components out explicitly).

/// A 3-vector in metres, radians or SI units stated at each use.
public typealias Vector3 = SIMD3<Double>

/// A unit quaternion (x, y, z, w) representing a rotation; Hamilton convention, w is the scalar part.
public struct Quaternion: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var z: Double
    public var w: Double

    /// Creates a quaternion from its components; the caller guarantees unit norm.
    public init(x: Double, y: Double, z: Double, w: Double) {
        self.x = x; self.y = y; self.z = z; self.w = w
    }

    /// The identity rotation.
    public static let identity = Quaternion(x: 0, y: 0, z: 0, w: 1)

    /// The rotation by `angle` radians about the unit `axis`.
    public init(axis: Vector3, angle: Double) {
        let h = angle / 2, s = h.sinValue
        self.init(x: axis.x * s, y: axis.y * s, z: axis.z * s, w: h.cosValue)
    }

    /// URDF roll-pitch-yaw in radians: fixed-axis rotations about X, then Y, then Z, so R = Rz(yaw)·Ry(pitch)·Rx(roll).
    public init(rpy: Vector3) {
        let (cr, sr) = ((rpy.x / 2).cosValue, (rpy.x / 2).sinValue)
        let (cp, sp) = ((rpy.y / 2).cosValue, (rpy.y / 2).sinValue)
        let (cy, sy) = ((rpy.z / 2).cosValue, (rpy.z / 2).sinValue)
        self.init(x: sr * cp * cy - cr * sp * sy,
                  y: cr * sp * cy + sr * cp * sy,
                  z: cr * cp * sy - sr * sp * cy,
                  w: cr * cp * cy + sr * sp * sy)
    }

    /// The Hamilton product self ⊗ other (apply `other` first, then `self`).
    public static func * (a: Quaternion, b: Quaternion) -> Quaternion {
        Quaternion(x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                   y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                   z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
                   w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z)
    }

    /// The inverse rotation (the conjugate, for a unit quaternion).
    public var conjugate: Quaternion { Quaternion(x: -x, y: -y, z: -z, w: w) }

    /// Rotates the vector `v`.
    public func rotate(_ v: Vector3) -> Vector3 {
        let q = Vector3(x, y, z)
        let t = 2 * cross(q, v)
        return v + w * t + cross(q, t)
    }

    /// The 3×3 rotation matrix, row-major.
    public var matrix: [[Double]] {
        [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
         [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
         [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    }

    /// The roll-pitch-yaw angles in radians of this rotation (URDF convention).
    public var rpy: Vector3 {
        let m = matrix
        let pitch = (-m[2][0]).clamped(-1, 1).asinValue
        let roll = atan2Value(m[2][1], m[2][2])
        let yaw = atan2Value(m[1][0], m[0][0])
        return Vector3(roll, pitch, yaw)
    }

    /// The same rotation with unit norm (the identity for a zero or non-finite quaternion).
    public var normalizedOrIdentity: Quaternion {
        let n = (x * x + y * y + z * z + w * w).squareRoot()
        guard n > 0, n.isFinite else { return .identity }
        return Quaternion(x: x / n, y: y / n, z: z / n, w: w / n)
    }

    /// The rotation of a rotation vector θ in rad: angle |θ| about θ/|θ| (the exponential map).
    public init(rotationVector theta: Vector3) {
        let angle = length(theta)
        if angle < 1e-9 {
            // Second-order series; normalizing keeps it a unit quaternion.
            self = Quaternion(x: theta.x / 2, y: theta.y / 2, z: theta.z / 2, w: 1 - angle * angle / 8).normalizedOrIdentity
            return
        }
        let h = angle / 2, s = h.sinValue / angle
        self.init(x: theta.x * s, y: theta.y * s, z: theta.z * s, w: h.cosValue)
    }

    /// The rotation vector in rad of this rotation, with angle in [0, π] (the logarithmic map).
    public var rotationVector: Vector3 {
        var q = self
        if q.w < 0 { q = Quaternion(x: -q.x, y: -q.y, z: -q.z, w: -q.w) }
        let v = Vector3(q.x, q.y, q.z)
        let s = length(v)
        if s < 1e-12 { return 2 * v }
        return v * (2 * atan2Value(s, q.w) / s)
    }

    /// Rotates `v` by the inverse rotation (expresses a world vector in the rotated frame).
    public func inverseRotate(_ v: Vector3) -> Vector3 { conjugate.rotate(v) }

    /// The angle in radians between this rotation and `other`, in [0, π].
    public func angle(to other: Quaternion) -> Double {
        let d = abs(x * other.x + y * other.y + z * other.z + w * other.w)
        return 2 * min(1, d).acosValue
    }

    public var description: String { "(\(x), \(y), \(z), \(w))" }
}

/// A rigid transform: a point p in the child frame maps to rotation·p + position in the parent frame.
public struct Transform: Equatable, Hashable, Sendable {
    /// The translation in metres.
    public var position: Vector3
    /// The rotation.
    public var rotation: Quaternion

    /// Creates a transform from a translation in metres and a rotation.
    public init(position: Vector3 = .zero, rotation: Quaternion = .identity) {
        self.position = position; self.rotation = rotation
    }

    /// Creates a transform from URDF's `xyz` (m) and `rpy` (rad).
    public init(xyz: Vector3, rpy: Vector3) {
        self.init(position: xyz, rotation: Quaternion(rpy: rpy))
    }

    /// The identity transform.
    public static let identity = Transform()

    /// Composition: (a * b) maps b's child frame into a's parent frame.
    public static func * (a: Transform, b: Transform) -> Transform {
        Transform(position: a.position + a.rotation.rotate(b.position), rotation: a.rotation * b.rotation)
    }

    /// The inverse transform.
    public var inverse: Transform {
        let r = rotation.conjugate
        return Transform(position: -r.rotate(position), rotation: r)
    }

    /// Maps a point from the child frame to the parent frame.
    public func apply(_ p: Vector3) -> Vector3 { position + rotation.rotate(p) }
}

/// The cross product a × b.
@inlinable public func cross(_ a: Vector3, _ b: Vector3) -> Vector3 {
    Vector3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// The dot product a · b.
@inlinable public func dot(_ a: Vector3, _ b: Vector3) -> Double { (a * b).sum() }

/// The Euclidean length of v.
@inlinable public func length(_ v: Vector3) -> Double { dot(v, v).squareRoot() }

// MARK: - Elementary functions without Foundation
//
// The geometry types need only these, straight from the C library, so they stay usable without Foundation.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    @usableFromInline var sinValue: Double { sin(self) }
    @usableFromInline var cosValue: Double { cos(self) }
    @usableFromInline var asinValue: Double { asin(self) }
    @usableFromInline var acosValue: Double { acos(self) }
    @usableFromInline func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(hi, Swift.max(lo, self)) }
}

@usableFromInline func atan2Value(_ y: Double, _ x: Double) -> Double { atan2(y, x) }

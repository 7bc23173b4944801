// MARK: - Small rotation helpers used by the sensors and estimators (internal)

import EmbodyModel

extension Quaternion {
    /// The same rotation with unit norm (the identity for a zero quaternion).
    var normalizedOrIdentity: Quaternion {
        let n = (x * x + y * y + z * z + w * w).squareRoot()
        guard n > 0, n.isFinite else { return .identity }
        return Quaternion(x: x / n, y: y / n, z: z / n, w: w / n)
    }

    /// The rotation exp(θ/2) for a rotation vector θ (rad): angle |θ| about θ/|θ|.
    static func exp(_ theta: Vector3) -> Quaternion {
        let angle = length(theta)
        if angle < 1e-9 {
            // Second-order series; normalizing keeps it a unit quaternion.
            return Quaternion(x: theta.x / 2, y: theta.y / 2, z: theta.z / 2, w: 1 - angle * angle / 8).normalizedOrIdentity
        }
        let h = angle / 2, s = h.sinValueP / angle
        return Quaternion(x: theta.x * s, y: theta.y * s, z: theta.z * s, w: h.cosValueP)
    }

    /// The rotation vector (rad) of this rotation, with angle in [0, π].
    var rotationVector: Vector3 {
        var q = self
        if q.w < 0 { q = Quaternion(x: -q.x, y: -q.y, z: -q.z, w: -q.w) }
        let v = Vector3(q.x, q.y, q.z)
        let s = length(v)
        if s < 1e-12 { return 2 * v }
        let angle = 2 * atan2P(s, q.w)
        return v * (angle / s)
    }

    /// Rotates `v` by the inverse rotation (expresses a world vector in the rotated frame).
    func inverseRotate(_ v: Vector3) -> Vector3 { conjugate.rotate(v) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Double {
    var sinValueP: Double { sin(self) }
    var cosValueP: Double { cos(self) }
}

func atan2P(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
func tanP(_ x: Double) -> Double { tan(x) }

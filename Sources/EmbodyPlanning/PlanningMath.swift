// MARK: - Small numerical helpers for planning: rotations, random numbers (Cholesky is EmbodyModel's LinearAlgebra)

import EmbodyModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Spherical linear interpolation from `a` (s = 0) to `b` (s = 1) along the shorter arc.
func slerp(_ a: Quaternion, _ b: Quaternion, _ s: Double) -> Quaternion {
    var relative = (b * a.conjugate).normalizedOrIdentity
    if relative.w < 0 { relative = Quaternion(x: -relative.x, y: -relative.y, z: -relative.z, w: -relative.w) }
    return (Quaternion(rotationVector: relative.rotationVector * s) * a).normalizedOrIdentity
}

/// The interval a joint with limits `lower`…`upper` is sampled in: an infinite limit is replaced by ∓π.
func samplingInterval(_ lower: Double, _ upper: Double) -> (lower: Double, upper: Double) {
    (lower.isFinite ? lower : -Double.pi, upper.isFinite ? upper : Double.pi)
}

// MARK: - Random numbers

/// The planners' random numbers: EmbodyModel's RandomStream (xoshiro256** seeded through SplitMix64), so a
/// seed gives the same sequence as every other consumer of randomness in Embody, on every platform.
public typealias PlannerRandom = RandomStream

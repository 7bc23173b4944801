// MARK: - Small numerical helpers for planning: rotations, a dense Cholesky solver, random numbers

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

/// Factors A = L Lᵀ in place (lower triangle of row-major `a`); false when A is not positive definite.
func choleskyFactorInPlace(_ a: inout [Double], _ n: Int) -> Bool {
    for j in 0..<n {
        var d = a[j * n + j]
        for k in 0..<j { d -= a[j * n + k] * a[j * n + k] }
        guard d > 0, d.isFinite else { return false }
        let l = d.squareRoot()
        a[j * n + j] = l
        for i in (j + 1)..<n {
            var s = a[i * n + j]
            for k in 0..<j { s -= a[i * n + k] * a[j * n + k] }
            a[i * n + j] = s / l
        }
    }
    return true
}

/// Solves L Lᵀ x = b given the factor from `choleskyFactorInPlace`; `b` becomes x.
func choleskySubstitute(_ l: [Double], _ n: Int, _ b: inout [Double]) {
    for i in 0..<n {
        var s = b[i]
        for k in 0..<i { s -= l[i * n + k] * b[k] }
        b[i] = s / l[i * n + i]
    }
    var i = n - 1
    while i >= 0 {
        var s = b[i]
        for k in (i + 1)..<n { s -= l[k * n + i] * b[k] }
        b[i] = s / l[i * n + i]
        i -= 1
    }
}

// MARK: - Random numbers

/// The planners' random numbers: EmbodyModel's RandomStream (xoshiro256** seeded through SplitMix64), so a
/// seed gives the same sequence as every other consumer of randomness in Embody, on every platform.
public typealias PlannerRandom = RandomStream

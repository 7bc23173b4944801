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

/// The planners' random numbers: xoshiro256** seeded through SplitMix64, the same generator and uniform
/// mapping as EmbodyPerception's RandomStream (this module cannot import that one), so a seed gives the same
/// sequence in both and on every platform.
public struct PlannerRandom: Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator whose state is the first four SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        s0 = PlannerRandom.splitMix(seed, 1)
        s1 = PlannerRandom.splitMix(seed, 2)
        s2 = PlannerRandom.splitMix(seed, 3)
        s3 = PlannerRandom.splitMix(seed, 4)
    }

    /// SplitMix64's k-th output from `seed` (k ≥ 1).
    private static func splitMix(_ seed: UInt64, _ k: UInt64) -> UInt64 {
        var z = seed &+ k &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64-bit output of xoshiro256**.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform double in [0, 1): the top 53 bits times 2^−53.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * uniform() }

    /// A uniform integer in 0..<bound (bound ≥ 1), unbiased (Lemire's method).
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "the bound must be positive")
        let b = UInt64(bound)
        while true {
            let p = next().multipliedFullWidth(by: b)
            if p.low >= b || p.low >= (0 &- b) % b { return Int(p.high) }
        }
    }
}

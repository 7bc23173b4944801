// MARK: - Randomness of our own
//
// Every consumer of randomness (each sensor, the planners, random object placements, tests) owns one `RandomStream`, seeded
// from the scenario seed and the consumer's name with `RandomStreams.seed(scenario:consumer:index:)`.
// Nothing here touches global state or the platform's generators, and only IEEE-754 operations that are
// correctly rounded everywhere (+, −, ×, ÷, √) are used, so a seed gives the same bits on every machine.
//
// - Generator: xoshiro256** 1.0 (Blackman and Vigna), 256 bits of state, period 2^256 − 1.
// - Seeding: SplitMix64 expands one 64-bit seed into the four state words (as the xoshiro authors advise).
// - Uniform doubles: the top 53 bits of a 64-bit output times 2^−53, in [0, 1).
// - Standard normal: Marsaglia's polar method, with a logarithm of our own (`RandomStream.log`) instead of
//   the C library's, whose last bit may differ between platforms.

// MARK: - SplitMix64

/// SplitMix64 (Steele, Lea and Flood): a 64-bit generator used here to seed xoshiro and to mix seeds.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The current state; each output adds the golden-ratio increment to it.
    public private(set) var state: UInt64

    /// Creates a generator from a seed (any value, zero included).
    public init(seed: UInt64) { state = seed }

    /// The next 64-bit output.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's output function: a bijective 64-bit finalizer (variant 13 of Stafford's mixers).
    @inlinable public static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Xoshiro256**

/// xoshiro256** 1.0: a fast, statistically strong 64-bit generator with 256 bits of state.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    /// The four state words; never all zero.
    public private(set) var s: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose state is the first four outputs of SplitMix64 seeded with `seed`.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
        if s == (0, 0, 0, 0) { s.0 = 0x9E37_79B9_7F4A_7C15 }  // unreachable for SplitMix64, kept for safety
    }

    /// Creates a generator with an explicit state (not all zero), as reference test vectors give it.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro's state must not be all zero")
        s = state
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64-bit output.
    public mutating func next() -> UInt64 {
        let result = Xoshiro256StarStar.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Xoshiro256StarStar.rotl(s.3, 45)
        return result
    }
}

// MARK: - A stream of uniform and normal variates

/// One consumer's random numbers: uniform and standard normal variates from xoshiro256**, reproducible bit
/// for bit from the seed on every IEEE-754 platform.
public struct RandomStream: Sendable {
    private var generator: Xoshiro256StarStar
    private var spareNormal: Double = 0
    private var hasSpare = false
    /// The seed the stream was created with.
    public let seed: UInt64

    /// Creates a stream from a 64-bit seed (see `RandomStreams.seed(scenario:consumer:index:)`).
    public init(seed: UInt64) {
        self.seed = seed
        generator = Xoshiro256StarStar(seed: seed)
    }

    /// The next raw 64-bit output of the generator.
    public mutating func nextUInt64() -> UInt64 { generator.next() }

    /// A uniform double in [0, 1): the top 53 bits of one output times 2^−53.
    public mutating func uniform() -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// A uniform integer in 0..<bound (bound ≥ 1), by Lemire's multiply-and-reject method (unbiased).
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "the bound must be positive")
        let b = UInt64(bound)
        while true {
            let product = generator.next().multipliedFullWidth(by: b)
            if product.low >= b || product.low >= (0 &- b) % b { return Int(product.high) }
        }
    }

    /// A standard normal variate (mean 0, variance 1) by Marsaglia's polar method: draws (u, v) uniform in
    /// the unit disc, s = u² + v², and returns u·√(−2 ln s / s), keeping v·√(−2 ln s / s) for the next call.
    public mutating func normal() -> Double {
        if hasSpare {
            hasSpare = false
            return spareNormal
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s >= 1 || s == 0 { continue }
            let m = (-2 * RandomStream.log(s) / s).squareRoot()
            spareNormal = v * m
            hasSpare = true
            return u * m
        }
    }

    /// A normal variate with mean `mean` and standard deviation `standardDeviation` (≥ 0).
    public mutating func normal(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * normal()
    }

    /// The natural logarithm of a positive, finite x from +, −, ×, ÷ only, so its bits are the same everywhere:
    /// x = m·2^e with m in [√½, √2), ln x = e·ln 2 + 2·atanh((m − 1)/(m + 1)) by its odd series (|error| < 2 ulp).
    public static func log(_ x: Double) -> Double {
        precondition(x > 0 && x.isFinite, "log needs a positive finite argument")
        var e = Int(x.exponent)
        var m = x.significand  // in [1, 2)
        if m > 1.4142135623730951 {
            m *= 0.5
            e += 1
        }
        let r = (m - 1) / (m + 1)  // |r| ≤ 0.1716
        let r2 = r * r
        // 2·atanh(r) = 2(r + r³/3 + r⁵/5 + …); 13 terms reach 0.1716^27/27 < 1e-22 relative.
        var sum = 0.0
        var k = 25.0
        while k >= 1 {
            sum = 1 / k + r2 * sum
            k -= 2
        }
        let ln2High = 0.693147180369123816490  // ln 2 split so that e·ln2High is exact for |e| < 2^11
        let ln2Low = 1.90821492927058770002e-10
        let ed = Double(e)
        return ed * ln2High + (2 * r * sum + ed * ln2Low)
    }
}

// MARK: - Independent streams per consumer

/// Derives one seed per consumer from a scenario seed, so that adding or removing a sensor never shifts
/// another consumer's random numbers.
public enum RandomStreams {
    /// The 64-bit FNV-1a hash of a string's UTF-8 bytes.
    public static func fnv1a(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    /// The seed of consumer `consumer` (e.g. "sensor.imu_base", "planner") instance `index` under scenario seed
    /// `scenario`: mix(mix(scenario ⊕ mix(fnv1a(consumer) + φ)) ⊕ mix(index + φ)), with mix the SplitMix64 finalizer
    /// and φ = 0x9E3779B97F4A7C15.
    public static func seed(scenario: UInt64, consumer: String, index: Int = 0) -> UInt64 {
        let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
        let named = SplitMix64.mix(scenario ^ SplitMix64.mix(fnv1a(consumer) &+ golden))
        return SplitMix64.mix(named ^ SplitMix64.mix(UInt64(bitPattern: Int64(index)) &+ golden))
    }

    /// A stream for consumer `consumer` instance `index` under scenario seed `scenario`.
    public static func stream(scenario: UInt64, consumer: String, index: Int = 0) -> RandomStream {
        RandomStream(seed: seed(scenario: scenario, consumer: consumer, index: index))
    }
}

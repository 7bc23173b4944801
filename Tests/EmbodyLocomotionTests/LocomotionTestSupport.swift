import CMallocCounter
import EmbodyPhysics
@testable import EmbodyLocomotion

// MARK: - Shared by the locomotion tests

/// The project's DARE solver (EmbodyPhysics, solved in the C shim), injected as EmbodyRuntime does.
let projectRiccati: DiscreteRiccatiSolver = { a, b, q, r, n, m in try Riccati.discrete(a: a, b: b, q: q, r: r, n: n, m: m).p }

/// The heap allocations `body` makes on this thread.
func allocations(_ body: () -> Void) -> Int64 {
    let before = emb_test_thread_allocations()
    body()
    return emb_test_thread_allocations() - before
}

/// A small deterministic PRNG (SplitMix64) for seeded random tests.
struct TestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
}

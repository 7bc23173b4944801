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

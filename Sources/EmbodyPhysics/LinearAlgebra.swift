// MARK: - Riccati equations for LQR design, solved in the C shim with Eigen (CShims/CBullet/linalg.cpp)

import CBullet

/// The solution of an algebraic Riccati equation: P (n × n) and the LQR gain K (m × n), both row-major.
public struct RiccatiSolution: Equatable, Sendable {
    /// The stabilizing solution P, n × n, row-major.
    public var p: [Double]
    /// The optimal state-feedback gain K for u = −K x, m × n, row-major.
    public var k: [Double]
}

/// A Riccati equation the shim could not solve, with a message for people.
public struct RiccatiError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message.
    public var description: String
}

/// Riccati solvers for LQR: A n × n, B n × m, Q n × n, R m × m, all row-major.
public enum Riccati {
    /// Solves the discrete equation P = AᵀPA − AᵀPB (R + BᵀPB)⁻¹ BᵀPA + Q (structured doubling).
    public static func discrete(a: [Double], b: [Double], q: [Double], r: [Double], n: Int, m: Int)
        throws(RiccatiError) -> RiccatiSolution {
        try solve(a, b, q, r, n, m, emb_solve_dare, "discrete")
    }

    /// Solves the continuous equation AᵀP + PA − PBR⁻¹BᵀP + Q = 0 (matrix sign function of the Hamiltonian).
    public static func continuous(a: [Double], b: [Double], q: [Double], r: [Double], n: Int, m: Int)
        throws(RiccatiError) -> RiccatiSolution {
        try solve(a, b, q, r, n, m, emb_solve_care, "continuous")
    }

    private static func solve(_ a: [Double], _ b: [Double], _ q: [Double], _ r: [Double], _ n: Int, _ m: Int,
                              _ f: (Int32, Int32, UnsafePointer<Double>?, UnsafePointer<Double>?, UnsafePointer<Double>?,
                                    UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?) -> emb_status,
                              _ kind: String) throws(RiccatiError) -> RiccatiSolution {
        guard n > 0, m > 0, a.count == n * n, b.count == n * m, q.count == n * n, r.count == m * m else {
            throw RiccatiError(description: "\(kind) Riccati: expected A \(n)×\(n), B \(n)×\(m), Q \(n)×\(n), R \(m)×\(m)")
        }
        var p = [Double](repeating: 0, count: n * n), k = [Double](repeating: 0, count: m * n)
        let status = p.withUnsafeMutableBufferPointer { pp in
            k.withUnsafeMutableBufferPointer { kp in
                f(Int32(n), Int32(m), a, b, q, r, pp.baseAddress, kp.baseAddress)
            }
        }
        switch status {
        case EMB_OK: return RiccatiSolution(p: p, k: k)
        case EMB_ERR_ARGUMENT:
            throw RiccatiError(description: "\(kind) Riccati: the inputs must be finite and R positive definite")
        default:
            throw RiccatiError(description: "\(kind) Riccati: no stabilizing solution found; is (A, B) stabilizable?")
        }
    }
}

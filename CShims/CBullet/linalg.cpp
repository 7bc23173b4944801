// linalg.cpp: dense linear algebra for controllers (the "Linear algebra" section of cbullet.h), with Eigen.
// The Riccati solvers behind LQR design: the discrete equation by the structured doubling algorithm and the
// continuous one by the matrix sign function of the Hamiltonian. Nothing here touches Bullet.

#include "include/cbullet.h"

#include <Eigen/Dense>

#include <cmath>

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

bool finite(const double* v, int count) {
    for (int i = 0; i < count; ++i) if (!std::isfinite(v[i])) return false;
    return true;
}

Matrix load(const double* v, int rows, int cols) { return Eigen::Map<const Matrix>(v, rows, cols); }

void store(const Matrix& m, double* out) { Eigen::Map<Matrix>(out, m.rows(), m.cols()) = m; }

bool valid(int n, int m, const double* a, const double* b, const double* q, const double* r) {
    return n > 0 && m > 0 && n <= 256 && m <= 256 && a && b && q && r && finite(a, n * n) && finite(b, n * m) &&
           finite(q, n * n) && finite(r, m * m);
}

/// Checks and loads the inputs, factors R, and returns `solve(A, B, Q, R, rFactor)` with every exception caught:
/// the part the discrete and continuous solvers share.
template <class Solve>
emb_status solveRiccati(int n, int m, const double* a, const double* b, const double* q, const double* r, double* p,
                        double* k, Solve solve) {
    if (!valid(n, m, a, b, q, r) || !p || !k) return EMB_ERR_ARGUMENT;
    try {
        const Matrix A = load(a, n, n), B = load(b, n, m), Q = load(q, n, n), R = load(r, m, m);
        Eigen::LDLT<Matrix> rFactor(R);
        if (rFactor.info() != Eigen::Success || !rFactor.isPositive()) return EMB_ERR_ARGUMENT;
        return solve(A, B, Q, R, rFactor);
    } catch (...) {  // nothing may cross into Swift, standard exception or not
        return EMB_ERR_INTERNAL;
    }
}

} // namespace

extern "C" emb_status emb_solve_dare(int n, int m, const double* a, const double* b, const double* q, const double* r,
                                     double* p, double* k) {
    return solveRiccati(n, m, a, b, q, r, p, k, [&](const Matrix& A, const Matrix& B, const Matrix& Q, const Matrix& R,
                                                    const Eigen::LDLT<Matrix>& rFactor) -> emb_status {
        // Structured doubling: A₀ = A, G₀ = B R⁻¹ Bᵀ, H₀ = Q; Hₖ converges quadratically to P.
        Matrix Ak = A, Gk = B * rFactor.solve(B.transpose()), Hk = Q;
        const Matrix I = Matrix::Identity(n, n);
        bool converged = false;
        for (int it = 0; it < 100 && !converged; ++it) {
            Eigen::PartialPivLU<Matrix> W(I + Gk * Hk);
            const Matrix WA = W.solve(Ak), WG = W.solve(Gk);
            const Matrix Hn = Hk + Ak.transpose() * Hk * WA;
            const Matrix Gn = Gk + Ak * WG * Ak.transpose();
            const Matrix An = Ak * WA;
            converged = (Hn - Hk).norm() <= 1e-13 * std::max(1.0, Hn.norm());
            Ak = An; Gk = Gn; Hk = Hn;
        }
        if (!converged || !Hk.allFinite()) return EMB_ERR_INTERNAL;
        const Matrix P = 0.5 * (Hk + Hk.transpose());
        const Matrix K = (R + B.transpose() * P * B).ldlt().solve(B.transpose() * P * A);
        store(P, p);
        store(K, k);
        return EMB_OK;
    });
}

extern "C" emb_status emb_solve_care(int n, int m, const double* a, const double* b, const double* q, const double* r,
                                     double* p, double* k) {
    return solveRiccati(n, m, a, b, q, r, p, k, [&](const Matrix& A, const Matrix& B, const Matrix& Q, const Matrix&,
                                                    const Eigen::LDLT<Matrix>& rFactor) -> emb_status {
        const Matrix G = B * rFactor.solve(B.transpose());
        // Hamiltonian Z = [A, −G; −Q, −Aᵀ]; its sign W gives P from [W₁₂; W₂₂ + I] P = −[W₁₁ + I; W₂₁].
        Matrix Z(2 * n, 2 * n);
        Z << A, -G, -Q, -A.transpose();
        bool converged = false;
        for (int it = 0; it < 200 && !converged; ++it) {
            Eigen::PartialPivLU<Matrix> lu(Z);
            const double det = std::abs(lu.determinant());
            if (!(det > 0) || !std::isfinite(det)) return EMB_ERR_INTERNAL;
            const double c = std::pow(det, -1.0 / (2.0 * n));  // determinant scaling speeds up convergence
            const Matrix next = 0.5 * (c * Z + lu.inverse() / c);
            converged = (next - Z).norm() <= 1e-12 * next.norm();
            Z = next;
        }
        if (!converged) return EMB_ERR_INTERNAL;
        const Matrix I = Matrix::Identity(n, n);
        Matrix lhs(2 * n, n), rhs(2 * n, n);
        lhs << Z.topRightCorner(n, n), Z.bottomRightCorner(n, n) + I;
        rhs << -(Z.topLeftCorner(n, n) + I), -Z.bottomLeftCorner(n, n);
        const Matrix X = lhs.colPivHouseholderQr().solve(rhs);
        if (!X.allFinite()) return EMB_ERR_INTERNAL;
        const Matrix P = 0.5 * (X + X.transpose());
        store(P, p);
        store(rFactor.solve(B.transpose() * P), k);
        return EMB_OK;
    });
}

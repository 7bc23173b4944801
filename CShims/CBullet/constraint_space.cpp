// constraint_space.cpp: Embody's constraint-space solver for multibody contacts, joint limits and friction.
//
// Bullet's multibody solver (btMultiBodyConstraintSolver) solves a step's rows by sequential impulses: for every
// row it runs an articulated-body pass over the whole robot to get the row's unit-impulse response M⁻¹ Jᵀ
// (calcAccelerationDeltasMultiDof), and in every sweep it updates the robot's full velocity vector after every
// row. On a standing humanoid (27 coordinates, ≈ 20 rows, ≈ 47 sweeps) that is 80% of the step.
//
// This solver solves the same problem with the same rows, the same right-hand sides, bounds and friction cone,
// and the same projected Gauss–Seidel sweeps in the same order, but in constraint space, as MuJoCo does:
//   1. M(q), the robot's joint-space mass matrix in Bullet's velocity coordinates, by the composite-rigid-body
//      algorithm with every spatial quantity in the world frame about the world origin (so composite inertias
//      are plain sums), and its factor M = Lᵀ L on the coordinate tree (Featherstone's LTL: no fill-in);
//   2. each row's Jacobian J_r (contact: n·v at the contact point; limit: ±e_dof), which is non-zero only on the
//      chain of coordinates from the row's link to the root, Y_r = L⁻ᵀ J_rᵀ (on the same chain), and the Delassus
//      matrix A = J M⁻¹ Jᵀ = Yᵀ Y (m × m);
//   3. the sweeps on A: a row's update is δ_i = (b_i − (A λ)_i) / A_ii, projected onto its bounds, with
//      b_i the row's velocity target minus J_i u*; this is Bullet's update, in which J_i Δu = (A λ)_i; A λ is
//      kept up to date (one row of A added per change, four lanes at a time);
//   4. Δu = M⁻¹ Jᵀ λ = L⁻¹ (Σ_r λ_r Y_r), added to the robot's velocities; the impulses are written back to the
//      contact points and limit constraints as Bullet writes them.
// Per sweep this costs m² multiply-adds where Bullet's costs about 2 m n and an articulated-body pass per row
// in setup. The lane loops are compiled twice, for baseline x86-64 and for AVX, and give the same bits on both
// (no fused multiply-adds, a fixed order of lanes).
// Exact arithmetic would give Bullet's impulses; rounding differs, so results agree with Bullet's solver to far
// below the solver's own tolerance but not bit for bit (ConstraintSpaceSolverTests measures how close).
//
// A step it cannot take as Bullet would is left to Bullet's solver, whole (`eligible`): moving rigid bodies, typed
// constraints, contacts with anything but static objects, multibody constraints other than joint limits (joint
// Coulomb friction motors, mimic gears), rolling or spinning friction, contact CFM/ERP/stiffness, anisotropic
// friction, articulated warm starting, joint feedback, and more rows or coordinates than reserved.

#include "internal.hpp"

// No fused multiply-adds anywhere in this file: the sweeps are compiled twice (baseline x86-64 and AVX, chosen
// when the program loads), and both must give the same bits, on every machine.
#pragma clang fp contract(off)

namespace emb {

namespace {

/// 6-vectors are (angular; linear), world frame, about the world origin.
struct Spatial {
    double a[6];
};

inline void cross3(const double* x, const double* y, double* out) {
    out[0] = x[1] * y[2] - x[2] * y[1];
    out[1] = x[2] * y[0] - x[0] * y[2];
    out[2] = x[0] * y[1] - x[1] * y[0];
}

/// The spatial inertia about the world origin, (angular; linear) order, of a body of mass m, principal moments
/// `diag` (kg·m²) along the columns of R, centre of mass c (m): [[I_c + m(|c|²1 − c cᵀ), m[c]×], [−m[c]×, m 1]].
void spatialInertia(double m, const btVector3& diag, const btMatrix3x3& R, const btVector3& c, double* I) {
    double Ic[3][3];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            Ic[i][j] = R[i][0] * diag[0] * R[j][0] + R[i][1] * diag[1] * R[j][1] + R[i][2] * diag[2] * R[j][2];
    const double cc = c.dot(c);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) I[i * 6 + j] = Ic[i][j] + m * ((i == j ? cc : 0) - c[i] * c[j]);
    // m[c]× in the top right, −m[c]× = m[c]×ᵀ in the bottom left.
    const double s[3][3] = {{0, -c[2], c[1]}, {c[2], 0, -c[0]}, {-c[1], c[0], 0}};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            I[i * 6 + 3 + j] = m * s[i][j];
            I[(3 + i) * 6 + j] = -m * s[i][j];
            I[(3 + i) * 6 + 3 + j] = i == j ? m : 0;
        }
}

inline void mul6(const double* I, const double* s, double* out) {
    for (int i = 0; i < 6; ++i) {
        double v = 0;
        for (int j = 0; j < 6; ++j) v += I[i * 6 + j] * s[j];
        out[i] = v;
    }
}

inline double dot6(const double* x, const double* y) {
    return x[0] * y[0] + x[1] * y[1] + x[2] * y[2] + x[3] * y[3] + x[4] * y[4] + x[5] * y[5];
}

}  // namespace

void ConstraintSpaceSolver::reserve(int dofs, int links) {
    const int n = dofs + 6;
    maxCoordinates = std::max(maxCoordinates, n);
    maxBodies = std::max(maxBodies, links);
    inertia.resize(size_t(maxBodies) * 36);
    motion.resize(size_t(maxBodies) * 6);
    mass.resize(size_t(maxCoordinates) * maxCoordinates);
    parent.resize(maxCoordinates);
    leaf.resize(maxBodies);
    product.resize(kMaxRows + 4);
    response.resize(size_t(kMaxRows) * ((maxCoordinates + 3) & ~3));
    delassus.resize(size_t(kMaxRows) * (kMaxRows + 4));
    rows.resize(kMaxRows);
    impulse.resize(kMaxRows);
    velocityChange.resize(maxCoordinates);
}

bool ConstraintSpaceSolver::eligible(btMultiBody* const* bodies, int bodyCount, btMultiBodyConstraint* const* limits,
                                     int limitCount, btPersistentManifold* const* manifolds, int manifoldCount,
                                     const btContactSolverInfo& info) const {
    const int mode = info.m_solverMode;
    if (!(mode & SOLVER_USE_2_FRICTION_DIRECTIONS) || (mode & SOLVER_USE_ARTICULATED_WARMSTARTING) ||
        (mode & SOLVER_ENABLE_FRICTION_DIRECTION_CACHING))
        return false;
    if (info.m_numNonContactInnerIterations != 1 || info.m_sor != 1 || info.m_globalCfm != 0 ||
        info.m_frictionCFM != 0)
        return false;
    for (int b = 0; b < bodyCount; ++b) {
        const btMultiBody* mb = bodies[b];
        if (mb->internalNeedsJointFeedback() || mb->getNumDofs() + 6 > maxCoordinates ||
            mb->getNumLinks() + 1 > maxBodies)
            return false;
        for (int l = 0; l < mb->getNumLinks(); ++l) {
            const btMultibodyLink& link = mb->getLink(l);
            if (link.m_parent >= l) return false;
            if (link.m_jointType != btMultibodyLink::eRevolute && link.m_jointType != btMultibodyLink::ePrismatic &&
                link.m_jointType != btMultibodyLink::eFixed)
                return false;
        }
    }
    for (int i = 0; i < limitCount; ++i) {
        btMultiBodyConstraint* c = limits[i];
        if (c->getConstraintType() != MULTIBODY_CONSTRAINT_LIMIT || c->getMultiBodyA() != c->getMultiBodyB())
            return false;
    }
    // Every robot's rows must fit (counted at most: both sides of every limit, three rows per contact point); a
    // robot is found by a scan, as worlds hold few robots.
    int contactRows[kMaxRobots] = {};
    if (bodyCount > kMaxRobots) return false;
    for (int k = 0; k < manifoldCount; ++k) {
        const btPersistentManifold* m = manifolds[k];
        if (m->getNumContacts() == 0) continue;
        bool onA;
        const btMultiBodyLinkCollider* own = robotSide(m, onA);
        if (!own) return false;  // two robots, or no robot (two rigid bodies)
        const btCollisionObject* other = onA ? m->getBody1() : m->getBody0();
        if (!other->isStaticObject() || other->hasAnisotropicFriction() || own->hasAnisotropicFriction()) return false;
        int robot = -1;
        for (int r = 0; r < bodyCount; ++r)
            if (bodies[r] == own->m_multiBody) robot = r;
        if (robot < 0) return false;
        for (int j = 0; j < m->getNumContacts(); ++j) {
            const btManifoldPoint& p = m->getContactPoint(j);
            if (p.getDistance() > m->getContactProcessingThreshold()) continue;
            if (p.m_combinedRollingFriction > 0 || p.m_combinedSpinningFriction > 0) return false;
            if (p.m_contactPointFlags & (BT_CONTACT_FLAG_HAS_CONTACT_CFM | BT_CONTACT_FLAG_HAS_CONTACT_ERP |
                                         BT_CONTACT_FLAG_CONTACT_STIFFNESS_DAMPING | BT_CONTACT_FLAG_FRICTION_ANCHOR))
                return false;
            contactRows[robot] += 3;
        }
    }
    for (int b = 0; b < bodyCount; ++b) {
        int count = contactRows[b];
        for (int i = 0; i < limitCount; ++i)
            if (limits[i]->getMultiBodyA() == bodies[b]) count += 2;
        if (count > kMaxRows) return false;
    }
    return true;
}

void ConstraintSpaceSolver::kinematics(const btMultiBody* mb) {
    const int links = mb->getNumLinks();
    const int off = base(mb);
    // The coordinate tree: the base's six coordinates as a chain (0 ← 1 ← … ← 5), each joint coordinate under
    // its nearest moving ancestor's. Bullet numbers links after their parents, so a parent's index is smaller.
    for (int k = 0; k < 6 - off; ++k) parent[k] = k - 1;
    baseCom = mb->getBaseWorldTransform().getOrigin();
    for (int l = 0; l < links; ++l) {
        const btMultibodyLink& link = mb->getLink(l);
        const int above = leafOf(mb, link.m_parent);
        if (link.m_dofCount == 0) {
            leaf[l] = above;
            continue;
        }
        const int c = 6 + link.m_dofOffset - off;
        parent[c] = above;
        leaf[l] = c;
        const btTransform& t = link.m_cachedWorldTransform;
        double* s = motion.data() + (l + 1) * 6;
        if (link.m_jointType == btMultibodyLink::eRevolute) {
            const btVector3 axis = t.getBasis() * link.m_axes[0].m_topVec;
            const btVector3 pivot = t.getOrigin() - t.getBasis() * link.m_dVector;
            const btVector3 moment = pivot.cross(axis);
            s[0] = axis.x(); s[1] = axis.y(); s[2] = axis.z();
            s[3] = moment.x(); s[4] = moment.y(); s[5] = moment.z();
        } else {
            const btVector3 axis = t.getBasis() * link.m_axes[0].m_bottomVec;
            s[0] = s[1] = s[2] = 0;
            s[3] = axis.x(); s[4] = axis.y(); s[5] = axis.z();
        }
    }
}

void ConstraintSpaceSolver::massMatrix(const btMultiBody* mb) {
    const int links = mb->getNumLinks();
    const int off = base(mb);
    const int n = 6 + mb->getNumDofs() - off;
    double* I = inertia.data();
    // Body 0 is the base, body l + 1 link l; only entries of related coordinates (one an ancestor of the other)
    // are written, and only they are read.
    const btTransform& baseFrame = mb->getBaseWorldTransform();
    spatialInertia(mb->getBaseMass(), mb->getBaseInertia(), baseFrame.getBasis(), baseCom, I);
    for (int l = 0; l < links; ++l) {
        const btMultibodyLink& link = mb->getLink(l);
        const btTransform& t = link.m_cachedWorldTransform;
        spatialInertia(link.m_mass, link.m_inertiaLocal, t.getBasis(), t.getOrigin(), I + (l + 1) * 36);
    }
    // Composite inertias: every quantity is in one frame, so a parent's is the sum of its subtree's.
    for (int l = links - 1; l >= 0; --l) {
        const double* child = I + (l + 1) * 36;
        double* parent = I + (mb->getLink(l).m_parent + 1) * 36;
        for (int k = 0; k < 36; ++k) parent[k] += child[k];
    }
    double* M = mass.data();
    double F[6];
    for (int l = 0; l < links; ++l) {
        const btMultibodyLink& link = mb->getLink(l);
        if (link.m_dofCount == 0) continue;
        const int i = 6 + link.m_dofOffset - off;
        const double* s = motion.data() + (l + 1) * 6;
        mul6(I + (l + 1) * 36, s, F);
        M[i * n + i] = dot6(s, F);
        for (int k = link.m_parent; k >= 0; k = mb->getLink(k).m_parent) {
            const btMultibodyLink& up = mb->getLink(k);
            if (up.m_dofCount == 0) continue;
            const int j = 6 + up.m_dofOffset - off;
            M[i * n + j] = M[j * n + i] = dot6(motion.data() + (k + 1) * 6, F);
        }
        if (off == 0) baseRows(F, M, n, i);
    }
    if (off == 0) {
        // The base's own block: columns S_ωk = (e_k; c × e_k) and S_vk = (0; e_k).
        const double c[3] = {baseCom.x(), baseCom.y(), baseCom.z()};
        for (int k = 0; k < 6; ++k) {
            double s[6] = {0, 0, 0, 0, 0, 0};
            if (k < 3) {
                double e[3] = {0, 0, 0};
                e[k] = 1;
                s[k] = 1;
                cross3(c, e, s + 3);
            } else {
                s[k] = 1;
            }
            mul6(I, s, F);
            baseRows(F, M, n, k);
        }
    }
}

/// Fills M's base rows for column `col` from F = I_c S_col: S_ωk · F = (F_ang + F_lin × c)_k, S_vk · F = F_lin,k.
void ConstraintSpaceSolver::baseRows(const double* F, double* M, int n, int col) const {
    const double c[3] = {baseCom.x(), baseCom.y(), baseCom.z()};
    double t[3];
    cross3(F + 3, c, t);
    for (int k = 0; k < 3; ++k) {
        M[k * n + col] = M[col * n + k] = F[k] + t[k];
        M[(3 + k) * n + col] = M[col * n + 3 + k] = F[3 + k];
    }
}

/// Factors M = Lᵀ L in place, L lower triangular with M's tree sparsity (Featherstone's LTL factorization: no
/// fill-in when every coordinate's parent comes before it). Only entries of related coordinates are read and
/// written. False when M is not positive definite.
bool ConstraintSpaceSolver::factor(int n) {
    double* L = mass.data();
    for (int k = n - 1; k >= 0; --k) {
        const double d = L[size_t(k) * n + k];
        if (!(d > 0)) return false;
        const double r = std::sqrt(d);
        L[size_t(k) * n + k] = r;
        const double inv = 1.0 / r;
        for (int i = parent[k]; i >= 0; i = parent[i]) L[size_t(k) * n + i] *= inv;
        for (int i = parent[k]; i >= 0; i = parent[i]) {
            const double lki = L[size_t(k) * n + i];
            for (int j = i; j >= 0; j = parent[j]) L[size_t(i) * n + j] -= lki * L[size_t(k) * n + j];
        }
    }
    return true;
}

void ConstraintSpaceSolver::contactJacobian(const btMultiBody* mb, int link, const btVector3& point,
                                            const btVector3& normal, double* J) const {
    const int off = base(mb);
    std::fill(J, J + rowStride, 0.0);
    // The unit force along `normal` at `point` as a wrench about the origin, (point × normal; normal): a
    // coordinate's entry is its motion vector dotted with it.
    const btVector3 moment = point.cross(normal);
    const double w[6] = {moment.x(), moment.y(), moment.z(), normal.x(), normal.y(), normal.z()};
    for (int k = link; k >= 0; k = mb->getLink(k).m_parent) {
        const btMultibodyLink& l = mb->getLink(k);
        if (l.m_dofCount == 0) continue;
        J[6 + l.m_dofOffset - off] = dot6(motion.data() + (k + 1) * 6, w);
    }
    if (off == 0) {
        const btVector3 arm = (point - baseCom).cross(normal);
        J[0] = arm.x(); J[1] = arm.y(); J[2] = arm.z();
        J[3] = normal.x(); J[4] = normal.y(); J[5] = normal.z();
    }
}

/// The deepest coordinate at or above `link` (−1: the base): the base's last coordinate for a floating base, none
/// for a fixed one. Valid after `kinematics`.
int ConstraintSpaceSolver::leafOf(const btMultiBody* mb, int link) const {
    if (link >= 0) return leaf[link];
    return base(mb) == 0 ? 5 : -1;
}

/// J u*: a row's velocity before the solve (after the external forces); J is zero off the chain from its leaf
/// coordinate to the root.
double ConstraintSpaceSolver::rowVelocity(const btMultiBody* mb, const double* J, int leafCoordinate) const {
    const btScalar* u = mb->getVelocityVector() + base(mb);
    double v = 0;
    for (int k = leafCoordinate; k >= 0; k = parent[k]) v += J[k] * u[k];
    return v;
}

/// Adds the row whose Jacobian was just written at the next slot of `response`, with its velocity error (its
/// target minus J u*) and impulse bounds.
int ConstraintSpaceSolver::addRow(int leafCoordinate, double velocityError, double lower, double upper) {
    const int r = rowCount++;
    Row& row = rows[r];
    row = Row{};
    row.lower = lower;
    row.upper = upper;
    row.leaf = leafCoordinate;
    row.velocityError = velocityError;
    return r;
}

/// A = Y Yᵀ for the m rows of Y (each `rowStride` long, a multiple of 4, zero off the row's chain and in the
/// padding): the lower triangle by dot products of four fixed lanes, then mirrored. The lanes and their final sum
/// are in a fixed order, so the result is the same bits in the baseline and the AVX clone.
static inline __attribute__((always_inline)) void gramRowsBody(double* A, int stride, const double* Y, int m,
                                                                int rowStride) {
    typedef double Lanes __attribute__((vector_size(32)));
    for (int r = 0; r < m; ++r) {
        const double* yr = Y + size_t(r) * rowStride;
        for (int s = 0; s <= r; ++s) {
            const double* ys = Y + size_t(s) * rowStride;
            Lanes sum = {0, 0, 0, 0};
            for (int k = 0; k < rowStride; k += 4) {
                Lanes a, b;
                std::memcpy(&a, yr + k, sizeof a);
                std::memcpy(&b, ys + k, sizeof b);
                sum += a * b;
            }
            const double v = (sum[0] + sum[1]) + (sum[2] + sum[3]);
            A[size_t(r) * stride + s] = A[size_t(s) * stride + r] = v;
        }
    }
}

/// Whether the robot may have a row this step: a limit reached (Bullet skips a side only while q is strictly
/// inside it) or a contact point in one of its manifolds. Without either, Bullet's solver would change nothing for
/// the robot, and neither does this one (an arm in free space pays only this scan).
bool ConstraintSpaceSolver::hasRows(const btMultiBody* mb, btMultiBodyConstraint* const* limits, int limitCount,
                                    btPersistentManifold* const* manifolds, int manifoldCount) const {
    for (int i = 0; i < limitCount; ++i) {
        auto* c = static_cast<btMultiBodyJointLimitConstraint*>(limits[i]);
        if (c->getMultiBodyA() == mb && limitReached(c)) return true;
    }
    for (int k = 0; k < manifoldCount; ++k) {
        const btPersistentManifold* m = manifolds[k];
        if (m->getNumContacts() == 0) continue;
        bool onA;
        if (robotSide(m, onA)->m_multiBody == mb) return true;  // even beyond the threshold: solveRobot clears such points' impulses
    }
    return false;
}

bool ConstraintSpaceSolver::solveRobot(btMultiBody* mb, btMultiBodyConstraint* const* limits, int limitCount,
                                       btPersistentManifold* const* manifolds, int manifoldCount,
                                       const btContactSolverInfo& info) {
    const int off = base(mb);
    const int n = 6 + mb->getNumDofs() - off;
    const double dt = info.m_timeStep;
    rowCount = 0;
    rowStride = (n + 3) & ~3;
    if (!hasRows(mb, limits, limitCount, manifolds, manifoldCount)) return true;
    kinematics(mb);

    // Rows as Bullet builds them: joint limits first, then every contact point's normal row, then the points'
    // friction rows, two each.
    for (int i = 0; i < limitCount; ++i) {
        auto* c = static_cast<btMultiBodyJointLimitConstraint*>(limits[i]);
        if (c->getMultiBodyA() != mb) continue;
        const int link = c->getLinkA();
        const btScalar q = mb->getJointPos(link);
        const int dof = 6 + mb->getLink(link).m_dofOffset - off;
        for (int side = 0; side < 2; ++side) {
            const double penetration = side == 0 ? q - c->getLowerBound() : c->getUpperBound() - q;
            if (penetration > 0) continue;
            double* J = response.data() + size_t(rowCount) * rowStride;
            std::fill(J, J + rowStride, 0.0);
            J[dof] = side == 0 ? 1 : -1;
            // btMultiBodyJointLimitConstraint::createConstraintRows: Baumgarte with m_erp within the split-impulse
            // threshold, none beyond it (there Bullet moves the position error into a split impulse, which
            // multibodies do not use).
            const bool positional = !info.m_splitImpulse || penetration > info.m_splitImpulsePenetrationThreshold;
            const double target = positional ? -penetration * info.m_erp / dt : 0.0;
            const int r = addRow(dof, target - rowVelocity(mb, J, dof), 0, c->getMaxAppliedImpulse());
            rows[r].limit = c;
            rows[r].side = side;
        }
    }
    const int limitEnd = rowCount;
    for (int k = 0; k < manifoldCount; ++k) {
        btPersistentManifold* m = manifolds[k];
        if (m->getNumContacts() == 0) continue;
        bool onA;
        const btMultiBodyLinkCollider* own = robotSide(m, onA);
        if (own->m_multiBody != mb) continue;
        const double sign = onA ? 1.0 : -1.0;  // Bullet's Jacobian for body B is along −normal, at B's point
        for (int j = 0; j < m->getNumContacts(); ++j) {
            btManifoldPoint& p = m->getContactPoint(j);
            if (p.getDistance() > m->getContactProcessingThreshold()) {
                p.m_appliedImpulse = 0;
                p.m_prevRHS = 0;
                continue;
            }
            const btVector3& point = onA ? p.getPositionWorldOnA() : p.getPositionWorldOnB();
            double* J = response.data() + size_t(rowCount) * rowStride;
            contactJacobian(mb, own->m_link, point, sign * p.m_normalWorldOnB, J);
            const int leafCoordinate = leafOf(mb, own->m_link);
            // setupMultiBodyContactConstraint for a normal row: restitution above the velocity threshold, the gap
            // closed within the step when apart, Baumgarte (erp2) when penetrating.
            const double v = rowVelocity(mb, J, leafCoordinate);
            double restitution = 0;
            if (std::fabs(v) >= info.m_restitutionVelocityThreshold) restitution = p.m_combinedRestitution * -v;
            if (restitution <= 0) restitution = 0;
            const double distance = p.getDistance() + info.m_linearSlop;
            double target = restitution;
            if (distance > 0) target -= distance / dt;
            else target += -distance * info.m_erp2 / dt;
            const int r = addRow(leafCoordinate, target - v, 0, 1e10);
            rows[r].point = &p;
            rows[r].link = own->m_link;
            rows[r].sign = sign;
        }
    }
    const int normalEnd = rowCount;
    for (int r = limitEnd; r < normalEnd; ++r) {
        btManifoldPoint& p = *rows[r].point;
        // convertMultiBodyContact: the plane-space directions of the normal, normalized, dir1 then dir2.
        btPlaneSpace1(p.m_normalWorldOnB, p.m_lateralFrictionDir1, p.m_lateralFrictionDir2);
        p.m_lateralFrictionDir1.normalize();
        p.m_lateralFrictionDir2.normalize();
        const btVector3& point = rows[r].sign > 0 ? p.getPositionWorldOnA() : p.getPositionWorldOnB();
        for (int d = 0; d < 2; ++d) {
            const btVector3& dir = d == 0 ? p.m_lateralFrictionDir1 : p.m_lateralFrictionDir2;
            double* J = response.data() + size_t(rowCount) * rowStride;
            contactJacobian(mb, rows[r].link, point, rows[r].sign * dir, J);
            const int f = addRow(rows[r].leaf, 0.0 - rowVelocity(mb, J, rows[r].leaf), -p.m_combinedFriction,
                                 p.m_combinedFriction);
            rows[f].normal = r;
            rows[f].friction = p.m_combinedFriction;
        }
    }
    if (rowCount == 0) return true;

    // M = Lᵀ L; Y_r = L⁻ᵀ J_rᵀ in place of J_r; A = Yᵀ Y. A row's J and Y are zero off its chain (its leaf
    // coordinate and that one's ancestors), and a chain's coordinates decrease from the leaf, the order in which
    // the back-substitution with Lᵀ needs them.
    massMatrix(mb);
    if (!factor(n)) return false;
    const double* L = mass.data();
    const int m = rowCount;
    for (int r = 0; r < m; ++r) {
        double* y = response.data() + size_t(r) * rowStride;
        for (int k = rows[r].leaf; k >= 0; k = parent[k]) {
            const double v = y[k] / L[size_t(k) * n + k];
            y[k] = v;
            for (int i = parent[k]; i >= 0; i = parent[i]) y[i] -= L[size_t(k) * n + i] * v;
        }
    }
    // A's rows are padded with zeros to a multiple of four entries, so that a sweep's updates of A λ run over
    // whole pairs of SIMD lanes with no remainder.
    stride = (m + 3) & ~3;
    double* A = delassus.data();
    for (int r = 0; r < m; ++r)
        for (int s = m; s < stride; ++s) A[size_t(r) * stride + s] = 0;
    for (int s = m; s < stride; ++s) product[s] = 0;
    gramRows(A, stride, response.data(), m, rowStride);
    for (int r = 0; r < m; ++r) {
        // jacDiagABInv = 1 / A_rr (relaxation 1, no CFM); a row with no effective mass does nothing.
        const double d = A[size_t(r) * stride + r];
        rows[r].inverseDiagonal = d > SIMD_EPSILON ? 1.0 / d : 0.0;
        rows[r].rhs = rows[r].velocityError * rows[r].inverseDiagonal;
        impulse[r] = 0;
        product[r] = 0;
    }

    sweepConstraintRows(*this, m, limitEnd, normalEnd, info);
    writeBack(mb, n, m, limitEnd, normalEnd);
    return true;
}

/// Adds δ times column r of A (A is symmetric: row r) to w = A λ.
inline void ConstraintSpaceSolver::spread(int r, double delta) {
    // Four lanes at a time (two SSE2 operations on baseline x86-64): each lane is the scalar w_s + δ A_rs, a
    // multiply then an add, so the result is the same bits on every machine.
    typedef double Lanes __attribute__((vector_size(32)));
    const double* Ar = delassus.data() + size_t(r) * stride;
    double* w = product.data();
    const Lanes d = {delta, delta, delta, delta};
    for (int s = 0; s < stride; s += 4) {
        Lanes a, x;
        std::memcpy(&a, Ar + s, sizeof a);
        std::memcpy(&x, w + s, sizeof x);
        x += d * a;
        std::memcpy(w + s, &x, sizeof x);
    }
}

/// Bullet's update of one row: δ = rhs − (A λ)_r / A_rr, the sum clamped to the row's bounds, with A λ kept up to
/// date in `product` (Bullet keeps Δu = M⁻¹ Jᵀ λ and dots it with J_r: the same number). Returns the change of
/// the row's velocity, δ · A_rr (Bullet's residual).
inline double ConstraintSpaceSolver::update(int r) {
    const Row& row = rows[r];
    double* lambda = impulse.data();
    const double sum = lambda[r] + (row.rhs - product[r] * row.inverseDiagonal);
    double next = sum;
    if (sum < row.lower) next = row.lower;
    else if (sum > row.upper) next = row.upper;
    const double delta = next - lambda[r];
    if (delta == 0) return 0;
    lambda[r] = next;
    spread(r, delta);
    return delta * delassus[size_t(r) * stride + r];
}

static inline __attribute__((always_inline)) void sweepRowsBody(ConstraintSpaceSolver& solver, int m, int limitEnd,
                                                                 int normalEnd, const btContactSolverInfo& info) {
    const bool cone = !(info.m_solverMode & SOLVER_DISABLE_IMPLICIT_CONE_FRICTION);
    const int iterations = info.m_numIterations;
    double* lambda = solver.impulse.data();
    for (int it = 0; it < iterations; ++it) {
        ++solver.sweeps;
        double residual = 0;
        // Non-contact rows alternate direction from sweep to sweep, as Bullet's do.
        for (int j = 0; j < limitEnd; ++j) {
            const int r = (it & 1) ? j : limitEnd - 1 - j;
            const double v = solver.update(r);
            residual = std::max(residual, v * v);
        }
        for (int r = limitEnd; r < normalEnd; ++r) {
            const double v = solver.update(r);
            residual = std::max(residual, v * v);
        }
        for (int f = normalEnd; f < m; f += 2) {
            const double normalImpulse = lambda[solver.rows[f].normal];
            if (!cone) {
                // Each direction within μ λn, only while the normal row pushes.
                for (int d = 0; d < 2; ++d) {
                    if (!(normalImpulse > 0)) continue;
                    solver.rows[f + d].lower = -solver.rows[f + d].friction * normalImpulse;
                    solver.rows[f + d].upper = solver.rows[f + d].friction * normalImpulse;
                    const double v = solver.update(f + d);
                    residual = std::max(residual, v * v);
                }
                continue;
            }
            // resolveConeFrictionConstraintRows: both unclamped sums from the same velocities, then the pair
            // scaled back into the disc of radius μ λn (Bullet's atan2/sin/cos clip is this scaling).
            const double limit = solver.rows[f].friction * normalImpulse;
            double sums[2];
            for (int d = 0; d < 2; ++d) {
                const ConstraintSpaceSolver::Row& row = solver.rows[f + d];
                sums[d] = lambda[f + d] + (row.rhs - solver.product[f + d] * row.inverseDiagonal);
            }
            const double norm2 = sums[0] * sums[0] + sums[1] * sums[1];
            if (norm2 >= limit * limit) {
                const double scale = norm2 > 0 ? std::fabs(limit) / std::sqrt(norm2) : 0.0;
                sums[0] *= scale;
                sums[1] *= scale;
            }
            double v = 0;
            for (int d = 0; d < 2; ++d) {
                const double delta = sums[d] - lambda[f + d];
                if (delta == 0) continue;
                lambda[f + d] = sums[d];
                solver.spread(f + d, delta);
                v += delta * solver.delassus[size_t(f + d) * solver.stride + f + d];
            }
            residual = std::max(residual, v * v);
        }
        if (residual <= info.m_leastSquaresResidualThreshold) break;
    }
}

// MARK: - The lane loops, baseline and AVX

namespace {

/// 1 forces the baseline loops (emb_constraint_space_baseline_lanes), 0 lets the CPU decide.
int forceBaselineLanes = 0;

#if defined(__x86_64__)
#define EMB_AVX_CLONES 1
bool cpuHasAvx() {
    static const bool has = __builtin_cpu_supports("avx");
    return has;
}
__attribute__((target("avx"))) void gramRowsAvx(double* A, int stride, const double* Y, int m, int rowStride) {
    gramRowsBody(A, stride, Y, m, rowStride);
}
__attribute__((target("avx"))) void sweepRowsAvx(ConstraintSpaceSolver& solver, int m, int limitEnd, int normalEnd,
                                                 const btContactSolverInfo& info) {
    sweepRowsBody(solver, m, limitEnd, normalEnd, info);
}
#endif

}  // namespace

void gramRows(double* A, int stride, const double* Y, int m, int rowStride) {
#ifdef EMB_AVX_CLONES
    if (!forceBaselineLanes && cpuHasAvx()) return gramRowsAvx(A, stride, Y, m, rowStride);
#endif
    gramRowsBody(A, stride, Y, m, rowStride);
}

void sweepConstraintRows(ConstraintSpaceSolver& solver, int m, int limitEnd, int normalEnd,
                         const btContactSolverInfo& info) {
#ifdef EMB_AVX_CLONES
    if (!forceBaselineLanes && cpuHasAvx()) return sweepRowsAvx(solver, m, limitEnd, normalEnd, info);
#endif
    sweepRowsBody(solver, m, limitEnd, normalEnd, info);
}

void ConstraintSpaceSolver::writeBack(btMultiBody* mb, int n, int m, int limitEnd, int normalEnd) {
    // Δu = M⁻¹ Jᵀ λ = L⁻¹ Σ_r λ_r Y_r (M⁻¹ = L⁻¹ L⁻ᵀ), the forward substitution along each coordinate's ancestors.
    double* x = velocityChange.data();
    std::fill(x, x + n, 0.0);
    for (int r = 0; r < m; ++r) {
        const double l = impulse[r];
        if (l == 0) continue;
        const double* y = response.data() + size_t(r) * rowStride;
        for (int k = rows[r].leaf; k >= 0; k = parent[k]) x[k] += l * y[k];
    }
    const double* L = mass.data();
    for (int k = 0; k < n; ++k) {
        double v = x[k];
        for (int j = parent[k]; j >= 0; j = parent[j]) v -= L[size_t(k) * n + j] * x[j];
        x[k] = v / L[size_t(k) * n + k];
    }
    // As applyDeltaVeeMultiDof: added, then clamped to the robot's largest coordinate velocity.
    btScalar* u = const_cast<btScalar*>(mb->getVelocityVector()) + base(mb);
    const double cap = mb->getMaxCoordinateVelocity();
    for (int i = 0; i < n; ++i) u[i] = btClamped(u[i] + x[i], -cap, cap);

    for (int r = 0; r < limitEnd; ++r) rows[r].limit->internalSetAppliedImpulse(rows[r].side, impulse[r]);
    for (int r = limitEnd, f = normalEnd; r < normalEnd; ++r, f += 2) {
        btManifoldPoint& p = *rows[r].point;
        p.m_appliedImpulse = impulse[r];
        p.m_prevRHS = rows[r].rhs;
        p.m_appliedImpulseLateral1 = impulse[f];
        p.m_appliedImpulseLateral2 = impulse[f + 1];
    }
}

bool ConstraintSpaceSolver::solve(btMultiBody* const* bodies, int bodyCount, btMultiBodyConstraint* const* limits,
                                  int limitCount, btPersistentManifold* const* manifolds, int manifoldCount,
                                  const btContactSolverInfo& info) {
    if (!eligible(bodies, bodyCount, limits, limitCount, manifolds, manifoldCount, info)) return false;
    bool written = false;  // whether a robot's velocities have changed in this step
    for (int b = 0; b < bodyCount; ++b) {
        if (solveRobot(bodies[b], limits, limitCount, manifolds, manifoldCount, info)) {
            written = written || rowCount > 0;
            continue;
        }
        // A mass matrix that is not positive definite (a moving subtree without inertia, or a non-finite state,
        // which the divergence monitor then reports): before any robot has changed, the whole step goes to
        // Bullet's solver; after, Bullet's would apply the earlier robots' impulses a second time, so this robot
        // gets none this step.
        if (!written) return false;
    }
    ++steps;
    return true;
}

}  // namespace emb

// MARK: - Test access

void emb::ConstraintSpaceSolver::massMatrixForTest(const btMultiBody* mb, double* out) {
    kinematics(mb);
    massMatrix(mb);
    const int off = base(mb);
    const int nv = 6 + mb->getNumDofs(), n = nv - off;
    std::fill(out, out + size_t(nv) * nv, 0.0);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) out[size_t(i + off) * nv + j + off] = mass[size_t(i) * n + j];
}

void emb::ConstraintSpaceSolver::contactJacobianForTest(const btMultiBody* mb, int link, const btVector3& point,
                                                        const btVector3& normal, double* out) {
    const int off = base(mb);
    const int nv = 6 + mb->getNumDofs(), n = nv - off;
    rowStride = (n + 3) & ~3;
    std::vector<double> row(rowStride);
    contactJacobian(mb, link, point, normal, row.data());
    std::fill(out, out + nv, 0.0);
    std::copy(row.begin(), row.begin() + n, out + off);
}

extern "C" emb_status emb_robot_constraint_space_check(emb_robot* r, double errors[2]) {
    if (!r || !errors) return EMB_ERR_ARGUMENT;
    try {
        btMultiBody* mb = r->body.get();
        updateRobotKinematics(r);
        const int nv = 6 + mb->getNumDofs();
        ConstraintSpaceSolver solver;
        solver.reserve(mb->getNumDofs(), mb->getNumLinks() + 1);
        std::vector<double> M(size_t(nv) * nv), ours(nv), bullet(nv), response(nv);
        solver.massMatrixForTest(mb, M.data());
        const int off = mb->hasFixedBase() ? 6 : 0, n = nv - off;
        Eigen::MatrixXd Mq(n, n);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) Mq(i, j) = M[size_t(i + off) * nv + j + off];
        Eigen::LDLT<Eigen::MatrixXd> ldlt(Mq);
        btAlignedObjectArray<btScalar> scratchR;
        btAlignedObjectArray<btVector3> scratchV;
        btAlignedObjectArray<btMatrix3x3> scratchM;
        // Bullet's response reads the articulated inertias its forward dynamics caches; with dt = 0 the pass
        // refreshes them for this state and changes no velocity.
        mb->computeAccelerationsArticulatedBodyAlgorithmMultiDof(0, scratchR, scratchV, scratchM, false, false, false);
        errors[0] = errors[1] = 0;
        const btVector3 normal = btVector3(0.3, -0.5, 0.8).normalized();
        for (int link = mb->hasFixedBase() ? 0 : -1; link < mb->getNumLinks(); ++link) {
            const btVector3 com = link < 0 ? mb->getBasePos() : mb->getLink(link).m_cachedWorldTransform.getOrigin();
            const btVector3 point = com + btVector3(0.05, -0.03, 0.02);
            mb->fillContactJacobianMultiDof(link, point, normal, bullet.data(), scratchR, scratchV, scratchM);
            solver.contactJacobianForTest(mb, link, point, normal, ours.data());
            // A fixed base's six entries are Bullet's too, but no velocity multiplies them.
            for (int i = off; i < nv; ++i) errors[0] = std::max(errors[0], std::fabs(ours[i] - bullet[i]));
            // Bullet's unit-impulse response (one articulated-body pass) against M⁻¹ Jᵀ from our M.
            mb->calcAccelerationDeltasMultiDof(bullet.data(), response.data(), scratchR, scratchV);
            Eigen::VectorXd j(n);
            for (int i = 0; i < n; ++i) j(i) = bullet[i + off];
            const Eigen::VectorXd x = ldlt.solve(j);
            double scale = 0;
            for (int i = off; i < nv; ++i) scale = std::max(scale, std::fabs(response[i]));
            for (int i = 0; i < n; ++i)
                errors[1] = std::max(errors[1], std::fabs(x(i) - response[i + off]) / std::max(scale, 1e-300));
        }
        return EMB_OK;
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
}

extern "C" void emb_constraint_space_baseline_lanes(int enabled) { forceBaselineLanes = enabled ? 1 : 0; }

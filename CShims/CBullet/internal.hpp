// internal.hpp: the shim's private C++ side, shared by its source files (never seen by Swift).
//
// Determinism notes (the reasons behind several choices below):
//   - The world never uses Bullet's accumulating, interpolating step: every call passes one fixed dt
//     with maxSubSteps = 0, which runs exactly one internal step of that length.
//   - The dispatcher sorts its contact manifolds into a canonical order after every narrowphase, so
//     the solver sees contacts in an order that depends on the bodies involved rather than on the
//     broadphase's pair-cache history. Islands stay split as in PyBullet: Bullet 3.24's unsplit path
//     skips multibody constraints (joint limits were silently ignored when we tried it).
//   - Sleeping is disabled for every body, so nothing freezes on a timer.

#ifndef EMBODY_CBULLET_INTERNAL_HPP
#define EMBODY_CBULLET_INTERNAL_HPP

#include "cbullet.h"

#include <btBulletDynamicsCommon.h>
#include <BulletDynamics/Featherstone/btMultiBody.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>
#include <BulletDynamics/Featherstone/btMultiBodyGearConstraint.h>
#include <BulletDynamics/Featherstone/btMultiBodyJointLimitConstraint.h>
#include <BulletDynamics/Featherstone/btMultiBodyJointMotor.h>
#include <BulletDynamics/Featherstone/btMultiBodyLinkCollider.h>
#include <BulletCollision/CollisionShapes/btConvexHullShape.h>
#include <BulletCollision/BroadphaseCollision/btDbvtBroadphase.h>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cstdarg>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <vector>

static_assert(sizeof(btScalar) == sizeof(double), "CBullet must be built with BT_USE_DOUBLE_PRECISION");

// MARK: - Small helpers

namespace emb {

inline void writeError(char* err, int size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

inline void writeError(char* err, int size, const char* fmt, ...) {
    if (err == nullptr || size <= 0) return;
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(err, static_cast<size_t>(size), fmt, args);
    va_end(args);
}

inline bool finite(const double* v, int n) {
    for (int i = 0; i < n; ++i)
        if (!std::isfinite(v[i])) return false;
    return true;
}

inline btTransform poseToTransform(const double p[7]) {
    btQuaternion q(p[3], p[4], p[5], p[6]);
    q.normalize();
    return btTransform(q, btVector3(p[0], p[1], p[2]));
}

inline void transformToPose(const btTransform& t, double p[7]) {
    const btVector3& o = t.getOrigin();
    btQuaternion q = t.getRotation();
    p[0] = o.x(); p[1] = o.y(); p[2] = o.z();
    p[3] = q.x(); p[4] = q.y(); p[5] = q.z(); p[6] = q.w();
}

inline void put3(double* out, const btVector3& v) { out[0] = v.x(); out[1] = v.y(); out[2] = v.z(); }

inline btVector3 get3(const double* v) { return btVector3(v[0], v[1], v[2]); }

/// The object id of a collision object, kept in its user index; link in user index 2.
inline int objectId(const btCollisionObject* o) { return o->getUserIndex(); }
inline int linkIndex(const btCollisionObject* o) { return o->getUserIndex2(); }

}  // namespace emb

// MARK: - Canonical contact order

namespace emb {

/// The sort key that makes the solver's contact order independent of broadphase history.
struct ManifoldKey {
    int idA, linkA, idB, linkB, partA, indexA, partB, indexB;

    bool operator<(const ManifoldKey& o) const {
        const int a[8] = {idA, linkA, idB, linkB, partA, indexA, partB, indexB};
        const int b[8] = {o.idA, o.linkA, o.idB, o.linkB, o.partA, o.indexA, o.partB, o.indexB};
        return std::lexicographical_compare(a, a + 8, b, b + 8);
    }
    bool operator==(const ManifoldKey& o) const { return !(*this < o) && !(o < *this); }
};

inline ManifoldKey keyOf(const btPersistentManifold* m) {
    ManifoldKey k{objectId(m->getBody0()), linkIndex(m->getBody0()),
                  objectId(m->getBody1()), linkIndex(m->getBody1()), -1, -1, -1, -1};
    if (m->getNumContacts() > 0) {
        const btManifoldPoint& p = m->getContactPoint(0);
        k.partA = p.m_partId0; k.indexA = p.m_index0; k.partB = p.m_partId1; k.indexB = p.m_index1;
    }
    return k;
}

/// A pair cache with room for many pairs from the start, so that bodies meeting mid-run (a link
/// approaching the ground) do not grow its tables, which would allocate in a steady-state tick. Its
/// storage is private to Bullet, so it is grown the public way: by adding and removing dummy pairs
/// between proxies that belong to no object. Only capacity changes; the pair array keeps insertion
/// order, so results are the same.
class ReservedPairCache : public btHashedOverlappingPairCache {
public:
    explicit ReservedPairCache(int proxies) {
        std::vector<btBroadphaseProxy> dummy(proxies);
        for (int i = 0; i < proxies; ++i) {
            dummy[i].m_uniqueId = -1 - i;
            dummy[i].m_collisionFilterGroup = btBroadphaseProxy::AllFilter;
            dummy[i].m_collisionFilterMask = btBroadphaseProxy::AllFilter;
        }
        for (int i = 0; i < proxies; ++i)
            for (int j = i + 1; j < proxies; ++j) addOverlappingPair(&dummy[i], &dummy[j]);
        for (int i = 0; i < proxies; ++i)
            for (int j = i + 1; j < proxies; ++j) removeOverlappingPair(&dummy[i], &dummy[j], nullptr);
    }
};

/// Keeps out of the pair cache the pairs Bullet's narrowphase would always skip: two colliders of one multibody
/// built without self-collision (btMultiBodyLinkCollider::checkCollideWithOverride refuses them, so such a pair
/// never gets a collision algorithm or a manifold). Without the filter the broadphase still pairs a robot's
/// overlapping neighbour links, and every step finds, keeps and dispatches those pairs for nothing: 3,346
/// instructions of a kuka arm's 65,000-instruction step (docs/performance.md, "From Python"). The contacts, manifolds and
/// their canonical order are those of the unfiltered world; group and mask are tested as Bullet does without a
/// filter. A robot's self-collision setting is fixed when it is built (emb_robot_create).
class NeverCollidingPairFilter : public btOverlapFilterCallback {
public:
    bool needBroadphaseCollision(btBroadphaseProxy* a, btBroadphaseProxy* b) const override {
        if ((a->m_collisionFilterGroup & b->m_collisionFilterMask) == 0) return false;
        if ((b->m_collisionFilterGroup & a->m_collisionFilterMask) == 0) return false;
        const auto* la = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject*>(a->m_clientObject));
        const auto* lb = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject*>(b->m_clientObject));
        return !(la && lb && la->m_multiBody == lb->m_multiBody && !la->m_multiBody->hasSelfCollision());
    }
};

/// Whether a joint limit builds a row this step, as btMultiBodyJointLimitConstraint::createConstraintRows decides:
/// it skips a side only while q − lower (or upper − q) is > 0, so a limit reached, passed or with a NaN position
/// builds rows.
inline bool limitReached(btMultiBodyJointLimitConstraint* limit) {
    const btScalar q = limit->getMultiBodyA()->getJointPos(limit->getLinkA());
    return !(q - limit->getLowerBound() > 0) || !(limit->getUpperBound() - q > 0);
}

/// The robot link collider of a manifold between a robot link and something else, and whether it is body A
/// (Bullet's Jacobian for body B runs along −normal, at B's point); null when body 0 and body 1 are both or
/// neither link colliders' (the constraint-space solver's `eligible` refuses such manifolds).
inline const btMultiBodyLinkCollider* robotSide(const btPersistentManifold* m, bool& onA) {
    const auto* a = btMultiBodyLinkCollider::upcast(m->getBody0());
    const auto* b = btMultiBodyLinkCollider::upcast(m->getBody1());
    onA = a != nullptr;
    return (a != nullptr) == (b != nullptr) ? nullptr : (a ? a : b);
}

class ConstraintSpaceSolver;

/// The sweeps of ConstraintSpaceSolver. Like `gramRows`, compiled for baseline x86-64 and for AVX, which does the
/// four-lane loops in one operation instead of two (the same multiplies and adds per lane, and no fused ones: the
/// same bits), and run as AVX where the CPU has it (emb_constraint_space_baseline_lanes forces the baseline).
void sweepConstraintRows(ConstraintSpaceSolver& solver, int m, int limitEnd, int normalEnd,
                         const btContactSolverInfo& info);

/// A = Y Yᵀ for the constraint-space solver.
void gramRows(double* A, int stride, const double* Y, int m, int rowStride);

/// Embody's constraint-space solver (constraint_space.cpp): Bullet's multibody rows and sweeps, solved on the
/// Delassus matrix A = J M⁻¹ Jᵀ after one factorization of each robot's mass matrix per step, instead of one
/// articulated-body pass per row. Its buffers are sized at load (`reserve`), so a step allocates nothing.
class ConstraintSpaceSolver {
public:
    /// Rows one robot may have in a step (limits, and three per contact point); a step with more is Bullet's.
    static constexpr int kMaxRows = 192;
    /// Robots a world may have for this solver to take its steps.
    static constexpr int kMaxRobots = 16;

    /// Makes room for robots with up to `dofs` joint coordinates and `links` bodies (links and base).
    void reserve(int dofs, int links);

    /// Solves the step's rows of every robot and applies the impulses to their velocities, as Bullet's solver
    /// would; returns false, having changed no velocity, when the step is one it cannot take (see `eligible`, and
    /// a mass matrix it cannot factor before any robot's impulses are applied), for Bullet's solver to take whole.
    bool solve(btMultiBody* const* bodies, int bodyCount, btMultiBodyConstraint* const* constraints,
               int constraintCount, btPersistentManifold* const* manifolds, int manifoldCount,
               const btContactSolverInfo& info);

    /// Whether `solve` can take this step: only joint limits and contacts between one robot and static objects,
    /// with Bullet's default solver modes and no rolling, spinning or anisotropic friction; rows and sizes within
    /// what `reserve` made room for.
    bool eligible(btMultiBody* const* bodies, int bodyCount, btMultiBodyConstraint* const* constraints,
                  int constraintCount, btPersistentManifold* const* manifolds, int manifoldCount,
                  const btContactSolverInfo& info) const;

    /// Steps solved and sweeps run by this solver since creation.
    long long steps = 0;
    long long sweeps = 0;

    /// Test access: the robot's mass matrix in Bullet's velocity coordinates (6 + dofs square, row-major, the base
    /// block zero for a fixed base) and the Jacobian row of a unit force along `normal` at `point` on `link`.
    void massMatrixForTest(const btMultiBody* mb, double* out);
    void contactJacobianForTest(const btMultiBody* mb, int link, const btVector3& point, const btVector3& normal,
                                double* out);

// Internal state, public for the sweep kernel (sweepConstraintRows) and the shim's own tests.

    struct Row {
        double lower = 0, upper = 0;   // impulse bounds, N·s (or N·m·s)
        double velocityError = 0;      // the row's target velocity minus J u*, m/s (rad/s)
        double inverseDiagonal = 0;    // 1 / A_rr, or 0 for a row with no effective mass
        double rhs = 0;                // velocityError / A_rr: Bullet's m_rhs
        btManifoldPoint* point = nullptr;                  // normal rows
        int link = -1;                                     // normal rows: the robot's link in contact
        double sign = 1;                                   // normal rows: +1 when the robot is body A
        int leaf = -1;                                     // the deepest coordinate J_r can be non-zero on
        int normal = -1;                                   // friction rows: their normal row
        double friction = 0;                               // friction rows: μ
        btMultiBodyJointLimitConstraint* limit = nullptr;  // limit rows
        int side = 0;                                      // limit rows: 0 lower, 1 upper
    };

    static int base(const btMultiBody* mb) { return mb->hasFixedBase() ? 6 : 0; }
    bool solveRobot(btMultiBody* mb, btMultiBodyConstraint* const* constraints, int constraintCount,
                    btPersistentManifold* const* manifolds, int manifoldCount, const btContactSolverInfo& info);
    bool hasRows(const btMultiBody* mb, btMultiBodyConstraint* const* constraints, int constraintCount,
                 btPersistentManifold* const* manifolds, int manifoldCount) const;
    void kinematics(const btMultiBody* mb);
    void massMatrix(const btMultiBody* mb);
    void baseRows(const double* F, double* M, int n, int col) const;
    bool factor(int n);
    void contactJacobian(const btMultiBody* mb, int link, const btVector3& point, const btVector3& normal,
                         double* J) const;
    int leafOf(const btMultiBody* mb, int link) const;
    double rowVelocity(const btMultiBody* mb, const double* J, int leafCoordinate) const;
    int addRow(int leafCoordinate, double velocityError, double lower, double upper);
    void spread(int r, double delta);
    double update(int r);
    void writeBack(btMultiBody* mb, int n, int m, int limitEnd, int normalEnd);

    int maxCoordinates = 0, maxBodies = 0;
    int rowCount = 0;
    int rowStride = 0;                   // a row's length in `response`: n rounded up to a multiple of 4
    int stride = 0;                      // A's row length: the row count rounded up to a multiple of 4
    btVector3 baseCom{0, 0, 0};
    std::vector<double> inertia;         // per body: composite spatial inertia, 6 × 6, about the world origin
    std::vector<double> motion;          // per body (link l at l + 1): its joint's motion vector (angular; linear)
    std::vector<int> parent;             // per coordinate: its parent coordinate in the tree, or −1
    std::vector<int> leaf;               // per link: the deepest coordinate at or above it, or −1
    std::vector<double> mass;            // M, then L of M = Lᵀ L (lower triangle, tree entries only), n × n
    std::vector<double> response;        // per row: J_r, then Y_r = L⁻ᵀ J_rᵀ in its place, n
    std::vector<double> delassus;        // A = J M⁻¹ Jᵀ, m × m, rows padded to `stride` with zeros
    std::vector<Row> rows;
    std::vector<double> impulse;         // per row: λ_r
    std::vector<double> product;         // per row: (A λ)_r
    std::vector<double> velocityChange;  // Δu, n
};

/// Bullet's multibody world without the multibody half of `predictUnconstraintMotion`, as PyBullet's world steps.
///
/// btMultiBodyDynamicsWorld::predictUnconstraintMotion predicts every multibody's pose one step ahead and writes it
/// into the links' interpolation caches and their colliders' interpolation transforms. Only continuous collision
/// and deformable bodies read those; Embody's world is discrete (one dispatch per step, no CCD) and has no
/// deformables, so the prediction was computed every step and never read: 5,141 instructions of a kuka arm's
/// 65,000-instruction step. PyBullet's world (btSoftMultiBodyDynamicsWorld) overrides the same method the same way
/// (its profile shows no multibody prediction). Rigid bodies keep their prediction (btDiscreteDynamicsWorld's).
///
/// It also skips the islands and the constraint solver in a step where they provably have nothing to do (an arm
/// in free space with no joint at a limit), and does there only what Bullet 3.24's solveInternalConstraints does
/// besides solving. See `solverHasWork`.
class DiscreteMultiBodyWorld : public btMultiBodyDynamicsWorld {
public:
    using btMultiBodyDynamicsWorld::btMultiBodyDynamicsWorld;
    void predictUnconstraintMotion(btScalar timeStep) override {
        btDiscreteDynamicsWorld::predictUnconstraintMotion(timeStep);
    }

    /// btMultiBodyDynamicsWorld::solveConstraints is solveExternalForces (forward dynamics), buildIslands and
    /// solveInternalConstraints. When `solverHasWork()` is false the solver would build no row, so its setup,
    /// 50 empty sweeps and write-back change nothing that outlives the step (its scratch arrays are reset at
    /// the start of every solve, and companion ids before use), and the island pass changes no activation state
    /// (every Embody collider has DISABLE_DEACTIVATION, and the union-find is rebuilt each step). So only the
    /// rest of solveInternalConstraints runs: the solver's allSolved, and each multibody's processDeltaVeeMultiDof2
    /// (kept even though no impulse was applied: adding a zero delta turns −0.0 into +0.0, and the state hash
    /// sees bits). Its scratch-array resizes are left out: solveExternalForces has just resized the same arrays
    /// to the same sizes, and its joint-feedback pass cannot apply (`solverHasWork` is true for joint feedback).
    /// A kuka arm in free space saves about 5,000 of its 56,000 engine instructions per step; the PyBullet
    /// parity tests and every pinned state hash check that nothing else changes.
    void solveConstraints(btContactSolverInfo& info) override {
        solveExternalForces(info);
        if (constraintSpace && solveInConstraintSpace(info)) return;
        if (!skipIdleSolver || solverHasWork()) {
            btMultiBodyDynamicsWorld::calculateSimulationIslands();
            buildIslands();
            solveInternalConstraints(info);
            return;
        }
        ++idleSolverSkips;
        m_constraintSolver->allSolved(info, m_debugDrawer);
        for (int i = 0; i < m_multiBodies.size(); ++i) m_multiBodies[i]->processDeltaVeeMultiDof2();
    }

    /// Bullet's step computes the simulation islands (a union-find over contacts and constraints that tags every
    /// object with its island) just before solveConstraints, and only Bullet's constraint solver reads them, through
    /// buildIslands. So they are computed there, right before buildIslands, and not at all in a step that the
    /// constraint-space solver or the idle skip takes. Nothing between the two points changes what they read (the
    /// pairs, manifolds, constraints and activation states; solveExternalForces changes only velocities), so the
    /// islands, and the bits, are Bullet's: the PyBullet parity tests and every pinned state hash check it. About
    /// 3,400 instructions of a humanoid's step.
    void calculateSimulationIslands() override {}

    /// False only when the constraint solver would build no row this step, checked as Bullet builds rows: no
    /// typed constraint, no moving rigid body (the solver integrates their external forces), no contact manifold
    /// at all, no multibody asking for joint feedback, and every multibody constraint a joint limit with both
    /// rows inactive (btMultiBodyJointLimitConstraint::createConstraintRows skips a row only when its
    /// penetration q − lower or upper − q is > 0; a NaN position builds rows). Read after the forward dynamics,
    /// where Bullet reads them.
    bool solverHasWork() {
        if (m_constraints.size() > 0 || m_nonStaticRigidBodies.size() > 0) return true;
        if (getDispatcher()->getNumManifolds() > 0) return true;
        for (int i = 0; i < m_multiBodies.size(); ++i)
            if (m_multiBodies[i]->internalNeedsJointFeedback()) return true;
        for (int i = 0; i < m_multiBodyConstraints.size(); ++i) {
            btMultiBodyConstraint* c = m_multiBodyConstraints[i];
            if (c->getConstraintType() != MULTIBODY_CONSTRAINT_LIMIT) return true;
            if (limitReached(static_cast<btMultiBodyJointLimitConstraint*>(c))) return true;
        }
        return false;
    }

    /// The constraint-space solver's step (EMB_SOLVER_CONSTRAINT_SPACE), in place of the islands and Bullet's
    /// solver; false, having changed nothing, when it cannot take the step. What it keeps of
    /// solveInternalConstraints is what the idle skip keeps (allSolved, processDeltaVeeMultiDof2): the island pass
    /// changes no activation state, and joint feedback makes a step ineligible.
    bool solveInConstraintSpace(btContactSolverInfo& info) {
        if (m_constraints.size() > 0 || m_nonStaticRigidBodies.size() > 0) return false;
        btDispatcher* d = getDispatcher();
        const int manifolds = d->getNumManifolds();
        if (!constraintSpace->solve(m_multiBodies.size() ? &m_multiBodies[0] : nullptr, m_multiBodies.size(),
                                    m_multiBodyConstraints.size() ? &m_multiBodyConstraints[0] : nullptr,
                                    m_multiBodyConstraints.size(), manifolds ? d->getInternalManifoldPointer() : nullptr,
                                    manifolds, info))
            return false;
        m_constraintSolver->allSolved(info, m_debugDrawer);
        for (int i = 0; i < m_multiBodies.size(); ++i) m_multiBodies[i]->processDeltaVeeMultiDof2();
        return true;
    }

    /// Set when the world uses the constraint-space solver.
    ConstraintSpaceSolver* constraintSpace = nullptr;

    /// Whether `solveConstraints` may skip (emb_world_set_idle_solver_skip), and how many steps it skipped.
    bool skipIdleSolver = true;
    long long idleSolverSkips = 0;
};

/// A dispatcher that sorts its manifolds canonically after each narrowphase.
class CanonicalDispatcher : public btCollisionDispatcher {
public:
    explicit CanonicalDispatcher(btCollisionConfiguration* c) : btCollisionDispatcher(c) {
        m_manifoldsPtr.reserve(4096);  // the default manifold pool's size: no growth mid-run
    }

    void dispatchAllCollisionPairs(btOverlappingPairCache* pairCache, const btDispatcherInfo& info,
                                   btDispatcher* dispatcher) override {
        btCollisionDispatcher::dispatchAllCollisionPairs(pairCache, info, dispatcher);
        sortManifolds();
    }

    void sortManifolds() {
        int n = m_manifoldsPtr.size();
        if (n < 2) return;
        btPersistentManifold** begin = &m_manifoldsPtr[0];
        std::sort(begin, begin + n, [](const btPersistentManifold* a, const btPersistentManifold* b) {
            return keyOf(a) < keyOf(b);
        });
        for (int i = 0; i < n; ++i) m_manifoldsPtr[i]->m_index1a = i;
    }
};

/// Bullet's dynamic AABB tree with leaves grown by a margin of this world's own (metres), instead of the
/// process-wide `gDbvtMargin`, which stays 0 as PyBullet has it.
///
/// With a zero margin every link that moved by any amount is removed from the tree, reinserted, and collided
/// against both trees, every step: 37,000 of a standing humanoid's 320,000 instructions per tick with the
/// constraint-space solver. With a margin a leaf is only touched when its box leaves the grown box, so pairs
/// form a margin earlier and are cleaned up a margin later. Those extra pairs' manifolds hold no contact point:
/// Bullet's AABBs are already grown by gContactBreakingThreshold (2 cm), and its narrowphase keeps a point only
/// within 0.02 times the smaller shape's angular motion disc (its bounding radius plus margin, m), which is less
/// than 2 cm for a link under a metre across; a larger link could get a speculative point a margin earlier (still a
/// correct contact, other bits). Bullet's solver would still see the empty manifolds (its
/// island manager orders manifolds with an unstable sort, so empty manifolds move the order), so the world only
/// sets a margin when the constraint-space solver takes its steps, which skips empty manifolds and reads the
/// dispatcher's canonical order. Pinned state hashes check that nothing moves (docs/physics.md).
class GrownLeafBroadphase : public btDbvtBroadphase {
public:
    using btDbvtBroadphase::btDbvtBroadphase;

    /// The margin leaves grow by, metres; 0 is Bullet's own behaviour, bit for bit.
    double margin = 0;

    /// With a margin: how many box updates there were, and how many of them moved a leaf (the rest left the tree
    /// alone). For tests that the margin does its work.
    long long boxUpdates = 0, leafMoves = 0;

    void setAabb(btBroadphaseProxy* proxy, const btVector3& aabbMin, const btVector3& aabbMax,
                 btDispatcher* dispatcher) override;
};

/// The broadphase margin of a world with the constraint-space solver, metres (GrownLeafBroadphase). Measured on
/// 2026-12-07 under callgrind: 1 mm to 5 cm all keep the 11 humanoid scenarios' state hashes; 5 mm cost the
/// fewest instructions on humanoid-stand (−8.6% of the run, 35,000 per tick) and within 0.1% of the fewest on
/// humanoid-walk, whose swinging feet move a few millimetres a step.
inline constexpr double kConstraintSpaceLeafMargin = 0.005;

/// A collision object and its world-frame bounding box, for the ray-cast batch.
struct QueryBox {
    const btCollisionObject* object;
    btVector3 lo, hi;
};

/// Replaces Bullet's raw allocation functions with size-class pools (pool.cpp), once per process.
void installBlockPool();

/// The ground plane z = 0 with a bounding box of the slab −1 m ≤ z ≤ 0 instead of all of space.
///
/// btStaticPlaneShape's box covers everything, so the broadphase pairs the ground with every link and body
/// and each step runs plane tests for objects nowhere near the floor (more than half of a step of an arm
/// with hull links). With the slab, an object is paired with the ground once its box, grown by the contact
/// threshold, reaches z = 0, which is when the plane test could first produce a contact point; the
/// narrowphase and contacts are btStaticPlaneShape's, so contact points are unchanged. What changes is which
/// empty ground manifolds exist, and Bullet's island manager orders manifolds with an unstable sort, so a scene
/// where several links touch the floor at once can get another (still deterministic) solver order
/// (docs/architecture.md). Pairs now form and vanish mid-run, which is why the block pool exists (compound
/// algorithms allocate per pair).
class GroundPlaneShape : public btStaticPlaneShape {
public:
    GroundPlaneShape() : btStaticPlaneShape(btVector3(0, 0, 1), 0) {}
    void getAabb(const btTransform& t, btVector3& aabbMin, btVector3& aabbMax) const override {
        btStaticPlaneShape::getAabb(t, aabbMin, aabbMax);
        aabbMin.setZ(t.getOrigin().z() + m_planeConstant - 1.0);
        aabbMax.setZ(t.getOrigin().z() + m_planeConstant);
    }
};

/// Constraint rows the solver has room for before it must grow (contacts × 3 plus limits).
inline constexpr int kReservedRows = 1024;

/// The multibody solver with its scratch arrays reserved up front, so that a joint limit engaging or a
/// new contact does not grow an array (and allocate) in the middle of a run.
class PreallocatedSolver : public btMultiBodyConstraintSolver {
public:
    /// Reserves room for `rows` constraint rows on robots with up to `dofs` coordinates and `links` links.
    void reserve(int rows, int dofs, int links, int bodies) {
        for (auto* a : {&m_multiBodyNonContactConstraints, &m_multiBodyNormalContactConstraints,
                        &m_multiBodyFrictionContactConstraints, &m_multiBodyTorsionalFrictionContactConstraints,
                        &m_multiBodySpinningFrictionContactConstraints})
            a->reserve(rows);
        for (auto* a : {&m_tmpSolverContactConstraintPool, &m_tmpSolverNonContactConstraintPool,
                        &m_tmpSolverContactFrictionConstraintPool, &m_tmpSolverContactRollingFrictionConstraintPool})
            a->reserve(rows);
        for (auto* a : {&m_orderTmpConstraintPool, &m_orderNonContactConstraintPool, &m_orderFrictionConstraintPool})
            a->reserve(rows);
        m_tmpConstraintSizesPool.reserve(rows);
        m_tmpSolverBodyPool.reserve(bodies);
        const int perRow = 2 * (dofs + 6);
        m_data.m_jacobians.reserve(rows * perRow);
        m_data.m_deltaVelocitiesUnitImpulse.reserve(rows * perRow);
        m_data.m_deltaVelocities.reserve(bodies * (dofs + 6));
        m_data.scratch_r.reserve(4 * (dofs + 6) + 16);
        m_data.scratch_v.reserve(4 * (links + 1) + 16);
        m_data.scratch_m.reserve(4 * (links + 1) + 16);
    }

    /// Counts the sweeps over all rows (Bullet's "iterations"), every island's, since creation: with the residual
    /// threshold, fewer than `m_numIterations` per step when the solve converges early.
    btScalar solveSingleIteration(int iteration, btCollisionObject** bodies, int numBodies,
                                  btPersistentManifold** manifolds, int numManifolds, btTypedConstraint** constraints,
                                  int numConstraints, const btContactSolverInfo& info, btIDebugDraw* draw) override {
        ++sweeps;
        return btMultiBodyConstraintSolver::solveSingleIteration(iteration, bodies, numBodies, manifolds, numManifolds,
                                                                constraints, numConstraints, info, draw);
    }
    long long sweeps = 0;
};

}  // namespace emb

using namespace emb;

// MARK: - Handle structures

struct emb_world {
    std::unique_ptr<btDefaultCollisionConfiguration> config;
    std::unique_ptr<CanonicalDispatcher> dispatcher;
    std::unique_ptr<ReservedPairCache> pairCache;
    NeverCollidingPairFilter pairFilter;
    std::unique_ptr<GrownLeafBroadphase> broadphase;
    std::unique_ptr<PreallocatedSolver> solver;
    std::unique_ptr<ConstraintSpaceSolver> constraintSpace;  // EMB_SOLVER_CONSTRAINT_SPACE only
    int reservedDofs = 0, reservedLinks = 0, reservedBodies = 0;
    std::unique_ptr<DiscreteMultiBodyWorld> dynamics;
    std::unique_ptr<GroundPlaneShape> groundShape;
    std::unique_ptr<btRigidBody> ground;
    int groundId = -1;
    int integrator = EMB_INTEGRATOR_EULER;
    int nextId = 0;
    long long steps = 0;
    double lastDt = 0;
    std::vector<emb_robot*> robots;
    std::vector<emb_body*> bodies;
    /// Per ray-cast batch: every collision object with its bounds at the current poses (queries.cpp); its
    /// capacity grows when objects are added, so a batch never allocates.
    mutable std::vector<QueryBox> queryBoxes;
    /// The number of collision objects (ground, bodies, robot link colliders).
    int collisionObjectCount() const;
};

struct emb_robot {
    emb_world* world = nullptr;
    int id = -1;
    std::unique_ptr<btMultiBody> body;
    std::vector<std::unique_ptr<btMultiBodyLinkCollider>> colliders;  // per link (base first); may hold null
    std::vector<std::unique_ptr<btCollisionShape>> shapes;             // every shape this robot owns
    std::vector<std::unique_ptr<btMultiBodyConstraint>> constraints;   // limits, friction motors, mimics
    std::vector<btMultiBodyJointMotor*> frictionMotors;                // views into constraints
    std::vector<double> frictionTorque;                                // per friction motor, N·m or N
    std::vector<int> mimicOf;           // per dof: the dof it follows by a <mimic> constraint, or −1
    std::vector<int> dofLink;           // per dof: the multibody link index (0-based, base excluded)
    std::vector<double> heldTorque;     // per dof, after clamping
    std::vector<double> maxEffort;      // per dof
    std::vector<double> damping;        // per dof
    std::vector<btTransform> inertialFrame;  // per link (base first): link frame → COM frame
    std::vector<btVector3> externalForce;    // per link (base first), world frame, N, at the COM
    // Link frames (m_cachedWorldTransform) are refreshed lazily: a step marks them stale and the readers of
    // link frames run forwardKinematics first (freshLinkFrames in cbullet.cpp), so a loop that never reads
    // them does not pay for it. Bullet's own step runs forwardKinematics before it uses them.
    mutable bool linkFramesStale = false;
    mutable btAlignedObjectArray<btQuaternion> scratchRot;
    mutable btAlignedObjectArray<btVector3> scratchVec;
    btAlignedObjectArray<btVector3> scratchOmega;
    btAlignedObjectArray<btVector3> scratchVel;
};

struct emb_body {
    emb_world* world = nullptr;
    int id = -1;
    std::vector<std::unique_ptr<btCollisionShape>> shapes;
    std::unique_ptr<btRigidBody> body;
    btVector3 externalForce{0, 0, 0};
    btVector3 externalPoint{0, 0, 0};
};

struct emb_snapshot {
    struct RobotState {
        std::vector<double> q, qd, torque, baseForce;
        btVector3 basePos;        // Bullet's own representation, kept bit for bit:
        btQuaternion worldToBase; // a transform round trip would re-derive the quaternion from a matrix
        btVector3 baseVel, baseOmega;
    };
    struct BodyState {
        btTransform transform;
        btVector3 linear, angular;
    };
    struct ManifoldState {
        ManifoldKey key;
        int count;
        btManifoldPoint points[MANIFOLD_CACHE_SIZE];
    };
    const emb_world* world = nullptr;
    long long steps = 0;
    std::vector<RobotState> robots;
    std::vector<BodyState> bodies;
    std::vector<ManifoldState> manifolds;
};

/// Recomputes a robot's cached link frames and collider transforms from its q and base (after setting them).
inline void updateRobotKinematics(emb_robot* r) {
    r->body->forwardKinematics(r->scratchRot, r->scratchVec);
    r->body->updateCollisionObjectWorldTransforms(r->scratchRot, r->scratchVec);
    r->linkFramesStale = false;
}

#endif  // EMBODY_CBULLET_INTERNAL_HPP

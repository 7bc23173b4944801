// queries.cpp: read-only geometric queries for sensors and planners (the "Queries" section of cbullet.h):
// batched ray casts, and collision checks of a robot at a configuration other than its current one.
//
// Why they bypass the broadphase: btCollisionWorld::rayTest and contactTest go through the dynamic AABB
// tree, whose stored bounds lag the poses by one step (they are refreshed at the start of the next step),
// and refreshing them from here would move tree nodes and create pairs early, so the simulation after a
// query would no longer be the simulation without it. Instead, every query tests objects in a fixed
// order (ground, bodies in creation order, robots in creation order, each robot's links base first)
// against bounds computed from their current poses. The results then depend only on the poses, and the
// world's state is untouched: a following emb_world_step gives the same bits as without the query.

#include "internal.hpp"

#include <BulletCollision/CollisionDispatch/btCollisionObjectWrapper.h>
#include <BulletCollision/CollisionDispatch/btManifoldResult.h>
#include <BulletCollision/CollisionShapes/btCompoundShape.h>
#include <BulletCollision/NarrowPhaseCollision/btRaycastCallback.h>

#include <limits>

namespace {

// MARK: - Helpers

/// The robot link index (0 = base) of a collision object, or −1 when it is not a robot link.
int robotLinkOf(const btCollisionObject* o) {
    const btMultiBodyLinkCollider* c = btMultiBodyLinkCollider::upcast(o);
    return c ? c->m_link + 1 : -1;
}

/// Calls f(object) for every collision object of the world in the canonical query order.
template <class F>
void forEachObject(const emb_world* w, F&& f) {
    if (w->ground) f(static_cast<const btCollisionObject*>(w->ground.get()));
    for (const emb_body* b : w->bodies) f(static_cast<const btCollisionObject*>(b->body.get()));
    for (const emb_robot* r : w->robots)
        for (const auto& c : r->colliders)
            if (c) f(static_cast<const btCollisionObject*>(c.get()));
}

}  // namespace

int emb_world::collisionObjectCount() const {
    int n = ground ? 1 : 0;
    n += int(bodies.size());
    for (const emb_robot* r : robots)
        for (const auto& c : r->colliders)
            if (c) ++n;
    return n;
}

namespace {

/// A scratch array that lives on the stack up to N elements and on the heap beyond (allocating only then).
template <class T, int N>
struct SmallBuffer {
    T local[N];
    std::vector<T> heap;
    T* data = local;
    explicit SmallBuffer(int n) {
        if (n > N) { heap.resize(n); data = heap.data(); }
    }
    T& operator[](int i) { return data[i]; }
};

// MARK: - Ray casts

/// Keeps the closest hit of one ray over the objects it is offered.
struct ClosestHit : btCollisionWorld::ClosestRayResultCallback {
    ClosestHit(const btVector3& from, const btVector3& to) : ClosestRayResultCallback(from, to) {
        // Subsimplex convex casting uses each shape's support mapping with its margin, so it sees boxes with
        // sharp edges, as the physics does, and lands within 1e-8 m on boxes and spheres; GJK convex casting
        // rounds box edges by the 4 cm margin and stops up to 1.5 mm short on spheres (measured).
        m_flags |= btTriangleRaycastCallback::kF_UseSubSimplexConvexCastRaytest;
    }
};

/// Whether the segment from→to can touch the box [lo, hi] (slab test on the segment parameter in [0, limit]).
inline bool segmentHitsBox(const btVector3& from, const btVector3& dir, double limit, const btVector3& lo,
                           const btVector3& hi) {
    double t0 = 0, t1 = limit;
    for (int a = 0; a < 3; ++a) {
        const double d = dir[a];
        if (std::fabs(d) < 1e-300) {
            if (from[a] < lo[a] || from[a] > hi[a]) return false;
            continue;
        }
        double ta = (lo[a] - from[a]) / d, tb = (hi[a] - from[a]) / d;
        if (ta > tb) std::swap(ta, tb);
        t0 = std::max(t0, ta);
        t1 = std::min(t1, tb);
        if (t0 > t1) return false;
    }
    return true;
}

// MARK: - Contact tests

/// Records the closest point of a pair within the margin, without touching any manifold.
struct PairResult : btManifoldResult {
    double margin;
    double closest = std::numeric_limits<double>::infinity();
    PairResult(const btCollisionObjectWrapper* a, const btCollisionObjectWrapper* b, double m)
        : btManifoldResult(a, b), margin(m) {
        m_closestPointDistanceThreshold = std::max(0.0, m);
    }
    void addContactPoint(const btVector3&, const btVector3&, btScalar depth) override {
        if (depth < margin && depth < closest) closest = depth;
    }
};

/// The world transform of child `i` of a shape placed at `t`, and the child shape (the shape itself when not compound).
inline const btCollisionShape* childOf(const btCollisionShape* s, const btTransform& t, int i, btTransform& out) {
    if (s->isCompound()) {
        const btCompoundShape* c = static_cast<const btCompoundShape*>(s);
        out = t * c->getChildTransform(i);
        return c->getChildShape(i);
    }
    out = t;
    return s;
}

inline int childCount(const btCollisionShape* s) {
    return s->isCompound() ? static_cast<const btCompoundShape*>(s)->getNumChildShapes() : 1;
}

inline bool boxesOverlap(const btVector3& aLo, const btVector3& aHi, const btVector3& bLo, const btVector3& bHi,
                         double pad) {
    for (int k = 0; k < 3; ++k)
        if (aLo[k] - pad > bHi[k] || bLo[k] - pad > aHi[k]) return false;
    return true;
}

/// The closest signed distance below `margin` between two objects at their current world transforms
/// (+inf when none), testing compound children pairwise; `tests` counts narrowphase calls.
double pairDistance(btDispatcher* dispatcher, const btCollisionObject* a, const btCollisionObject* b, double margin,
                    bool stopAtFirst, int& tests) {
    const btCollisionShape* sa = a->getCollisionShape();
    const btCollisionShape* sb = b->getCollisionShape();
    const double pad = std::max(0.0, margin);
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < childCount(sa); ++i) {
        btTransform ta;
        const btCollisionShape* ca = childOf(sa, a->getWorldTransform(), i, ta);
        btVector3 aLo, aHi;
        ca->getAabb(ta, aLo, aHi);
        for (int j = 0; j < childCount(sb); ++j) {
            btTransform tb;
            const btCollisionShape* cb = childOf(sb, b->getWorldTransform(), j, tb);
            btVector3 bLo, bHi;
            cb->getAabb(tb, bLo, bHi);
            if (!boxesOverlap(aLo, aHi, bLo, bHi, pad)) continue;
            btCollisionObjectWrapper wa(nullptr, ca, a, ta, -1, i);
            btCollisionObjectWrapper wb(nullptr, cb, b, tb, -1, j);
            btCollisionAlgorithm* algorithm = dispatcher->findAlgorithm(&wa, &wb, nullptr, BT_CLOSEST_POINT_ALGORITHMS);
            if (!algorithm) continue;
            PairResult result(&wa, &wb, margin);
            ++tests;
            struct Release {
                btDispatcher* d; btCollisionAlgorithm* alg;
                ~Release() { alg->~btCollisionAlgorithm(); d->freeCollisionAlgorithm(alg); }
            } release{dispatcher, algorithm};
            btDispatcherInfo info;  // defaults: discrete, no continuous sweeps
            algorithm->processCollision(&wa, &wb, info, &result);
            if (result.closest < best) best = result.closest;
            if (stopAtFirst && best < margin) return best;
        }
    }
    return best;
}

/// Per link: whether the link moves relative to the base when q changes (a movable joint on its path).
void movingLinks(const btMultiBody* mb, unsigned char* moving) {
    moving[0] = 0;
    for (int l = 0; l < mb->getNumLinks(); ++l) {
        int parent = mb->getParent(l);
        bool movable = mb->getLink(l).m_jointType != btMultibodyLink::eFixed;
        moving[l + 1] = movable || moving[parent + 1];
    }
}

/// Per link: the root of its rigid group (links joined to it by fixed joints only move together).
void rigidGroups(const btMultiBody* mb, int* group) {
    group[0] = 0;
    for (int l = 0; l < mb->getNumLinks(); ++l) {
        bool fixed = mb->getLink(l).m_jointType == btMultibodyLink::eFixed;
        group[l + 1] = fixed ? group[mb->getParent(l) + 1] : l + 1;
    }
}

/// Moves a robot's joints to q and its colliders with them for the lifetime of the object, then puts back
/// the saved joint positions and recomputes every cached link frame and collider transform from them, which
/// reproduces the previous values bit for bit (they are the same functions of the same q).
struct TemporaryConfiguration {
    emb_robot* r;
    SmallBuffer<double, 64> saved;
    TemporaryConfiguration(emb_robot* robot, const double* q) : r(robot), saved(int(robot->dofLink.size())) {
        btMultiBody* mb = r->body.get();
        for (size_t i = 0; i < r->dofLink.size(); ++i) {
            saved[int(i)] = mb->getJointPos(r->dofLink[i]);
            mb->setJointPos(r->dofLink[i], q[i]);
        }
        mb->updateCollisionObjectWorldTransforms(r->scratchRot, r->scratchVec);
    }
    ~TemporaryConfiguration() {
        btMultiBody* mb = r->body.get();
        for (size_t i = 0; i < r->dofLink.size(); ++i) mb->setJointPos(r->dofLink[i], saved[int(i)]);
        mb->forwardKinematics(r->scratchRot, r->scratchVec);
        mb->updateCollisionObjectWorldTransforms(r->scratchRot, r->scratchVec);
    }
};

}  // namespace

// MARK: - Ray casts

extern "C" emb_status emb_world_ray_cast_batch(const emb_world* w, const double* origins, const double* ends, int count,
                                               int ignore, double* fraction, int* object, int* link, double* normal) {
    if (!w || count < 0 || (count > 0 && (!origins || !ends || !fraction))) return EMB_ERR_ARGUMENT;
    if (!finite(origins, 3 * count) || !finite(ends, 3 * count)) return EMB_ERR_ARGUMENT;
    try {
        // Bounds once per batch (a compound's getAabb visits its children), in the canonical order; the
        // capacity was reserved when the objects were added.
        std::vector<QueryBox>& boxes = w->queryBoxes;
        boxes.clear();
        forEachObject(w, [&](const btCollisionObject* o) {
            if (ignore >= 0 && objectId(o) == ignore) return;
            QueryBox b{o, btVector3(), btVector3()};
            o->getCollisionShape()->getAabb(o->getWorldTransform(), b.lo, b.hi);
            boxes.push_back(b);
        });
        const int boxCount = int(boxes.size());
        for (int i = 0; i < count; ++i) {
            const btVector3 from = get3(origins + 3 * i), to = get3(ends + 3 * i);
            const btTransform fromT(btQuaternion::getIdentity(), from), toT(btQuaternion::getIdentity(), to);
            const btVector3 dir = to - from;
            ClosestHit hit(from, to);
            for (int k = 0; k < boxCount; ++k) {
                const QueryBox& b = boxes[k];
                if (!segmentHitsBox(from, dir, hit.m_closestHitFraction, b.lo, b.hi)) continue;
                btCollisionWorld::rayTestSingle(fromT, toT, const_cast<btCollisionObject*>(b.object),
                                                b.object->getCollisionShape(), b.object->getWorldTransform(), hit);
            }
            if (hit.hasHit()) {
                fraction[i] = hit.m_closestHitFraction;
                if (object) object[i] = objectId(hit.m_collisionObject);
                if (link) link[i] = robotLinkOf(hit.m_collisionObject);
                if (normal) {
                    btVector3 n = hit.m_hitNormalWorld;
                    const double len = n.length();
                    put3(normal + 3 * i, len > 0 ? n / len : n);
                }
            } else {
                fraction[i] = 1;
                if (object) object[i] = -1;
                if (link) link[i] = -1;
                if (normal) put3(normal + 3 * i, btVector3(0, 0, 0));
            }
        }
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

// MARK: - Collision checks

extern "C" emb_status emb_robot_check_collision(emb_robot* r, const double* q, int count, int flags, double margin,
                                                const unsigned char* allowed, emb_collision_result* result) {
    if (!r || !result || count != int(r->dofLink.size()) || (count > 0 && !q) || !finite(q, count) ||
        !std::isfinite(margin))
        return EMB_ERR_ARGUMENT;
    result->colliding = 0;
    result->link = -1;
    result->other_object = -1;
    result->other_link = -1;
    result->distance = std::numeric_limits<double>::infinity();
    result->pairs_tested = 0;
    try {
        emb_world* w = r->world;
        btMultiBody* mb = r->body.get();
        const int n = mb->getNumLinks() + 1;
        SmallBuffer<unsigned char, 128> moving(n);
        SmallBuffer<int, 128> group(n);
        movingLinks(mb, &moving[0]);
        rigidGroups(mb, &group[0]);
        const bool stopAtFirst = (flags & EMB_CHECK_ALL_PAIRS) == 0;
        btDispatcher* dispatcher = w->dispatcher.get();
        TemporaryConfiguration pose(r, q);
        int tests = 0;
        bool done = false;
        auto consider = [&](int linkIndex, const btCollisionObject* other, double d) {
            if (!(d < margin) || !(d < result->distance)) return;
            result->colliding = 1;
            result->distance = d;
            result->link = linkIndex;
            result->other_object = objectId(other);
            result->other_link = robotLinkOf(other);
            if (stopAtFirst) done = true;
        };
        // The robot's moving links against everything else, in the canonical order.
        for (int i = 0; i < n && !done; ++i) {
            const btCollisionObject* mine = r->colliders[i].get();
            if (!mine || !moving[i]) continue;
            forEachObject(w, [&](const btCollisionObject* other) {
                if (done) return;
                const int id = objectId(other);
                if (id == r->id) return;
                const bool isGround = other == w->ground.get();
                const bool isRobot = robotLinkOf(other) >= 0;
                if (isGround && !(flags & EMB_CHECK_GROUND)) return;
                if (!isGround && !isRobot && !(flags & EMB_CHECK_BODIES)) return;
                if (isRobot && !(flags & EMB_CHECK_ROBOTS)) return;
                consider(i, other, pairDistance(dispatcher, mine, other, margin, stopAtFirst, tests));
            });
        }
        // Self-collision: pairs that move relative to each other and are not parent and child.
        if (flags & EMB_CHECK_SELF) {
            for (int i = 0; i < n && !done; ++i) {
                const btCollisionObject* a = r->colliders[i].get();
                if (!a) continue;
                for (int j = i + 1; j < n && !done; ++j) {
                    const btCollisionObject* b = r->colliders[j].get();
                    if (!b || group[i] == group[j]) continue;
                    if (mb->getParent(j - 1) + 1 == i) continue;  // j's parent is i: adjacent
                    if (allowed && (allowed[i * n + j] || allowed[j * n + i])) continue;
                    consider(i, b, pairDistance(dispatcher, a, b, margin, stopAtFirst, tests));
                }
            }
        }
        result->pairs_tested = tests;
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_robot_self_collision_matrix(emb_robot* r, const double* q, int count, double margin,
                                                      unsigned char* pairs, int capacity) {
    if (!r || !pairs || count != int(r->dofLink.size()) || (count > 0 && !q) || !finite(q, count) ||
        !std::isfinite(margin))
        return EMB_ERR_ARGUMENT;
    const int n = r->body->getNumLinks() + 1;
    if (capacity < n * n) return EMB_ERR_CAPACITY;
    try {
        std::fill(pairs, pairs + n * n, static_cast<unsigned char>(0));
        btDispatcher* dispatcher = r->world->dispatcher.get();
        TemporaryConfiguration pose(r, q);
        int tests = 0;
        for (int i = 0; i < n; ++i) {
            const btCollisionObject* a = r->colliders[i].get();
            if (!a) continue;
            for (int j = i + 1; j < n; ++j) {
                const btCollisionObject* b = r->colliders[j].get();
                if (!b) continue;
                if (pairDistance(dispatcher, a, b, margin, true, tests) < margin) pairs[i * n + j] = pairs[j * n + i] = 1;
            }
        }
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

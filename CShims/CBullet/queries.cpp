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
//
// Ray tests are closed-form for the shapes that have one (the ground plane, boxes, spheres, capsules,
// cylinders, and those shapes as compound children), computed in each shape's local frame; only convex
// hulls, the rims of cylinders (rounded by Bullet's collision margin) and any other shape go through
// Bullet's btCollisionWorld::rayTestSingle. emb_world_ray_cast_batch_reference sends everything through
// rayTestSingle, as the batch did before; the tests compare the two.

#include "internal.hpp"

#include <BulletCollision/CollisionDispatch/btCollisionObjectWrapper.h>
#include <BulletCollision/CollisionDispatch/btManifoldResult.h>
#include <BulletCollision/CollisionShapes/btCompoundShape.h>
#include <BulletCollision/CollisionShapes/btCapsuleShape.h>
#include <BulletCollision/CollisionShapes/btCylinderShape.h>
#include <BulletCollision/CollisionShapes/btSphereShape.h>
#include <BulletCollision/CollisionShapes/btStaticPlaneShape.h>
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
        // sharp edges, as the physics does (GJK convex casting rounds them by the 4 cm margin). It is iterative:
        // RayQueryTests measured it up to 1.6e-7 m off on boxes and 0.7 mm short on spheres, and its capsule
        // hits can lie off the surface, which is why primitives take the closed-form tests below.
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

// MARK: - Closed-form ray tests
//
// Each test takes the ray in the shape's local frame, p + t·d with t the fraction of the world segment
// (the local d is the rotated world segment, so t needs no rescaling), and reports the entry fraction and
// the outward unit normal in the local frame. As Bullet's convex casts do, a ray that starts inside a
// convex shape does not hit it, and a hit counts only when strictly closer than the best so far (`limit`).

/// The parameter interval [in, out] where a line is inside a convex part; empty when in > out.
struct Span {
    double in, out;
    bool empty() const { return in > out; }
};

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The roots of a·t² + 2b·t + c = 0 as a span (a > 0), computed without cancellation; empty when none.
inline Span quadraticSpan(double a, double b, double c) {
    const double disc = b * b - a * c;
    if (disc < 0) return {kInf, -kInf};
    const double q = -(b + std::copysign(std::sqrt(disc), b));
    if (q == 0) return {-b / a, -b / a};
    const double t1 = q / a, t2 = c / q;
    return {std::min(t1, t2), std::max(t1, t2)};
}

/// Where the line p + t·d is within `radius` of the point c.
inline Span ballSpan(const btVector3& p, const btVector3& d, const btVector3& c, double radius) {
    const btVector3 m = p - c;
    const double a = d.dot(d);
    if (a == 0) return m.dot(m) <= radius * radius ? Span{-kInf, kInf} : Span{kInf, -kInf};
    return quadraticSpan(a, m.dot(d), m.dot(m) - radius * radius);
}

/// Where the line p + t·d is within `radius` of the coordinate axis `axis` (an infinite cylinder).
inline Span tubeSpan(const btVector3& p, const btVector3& d, int axis, double radius) {
    const int u = (axis + 1) % 3, v = (axis + 2) % 3;
    const double a = d[u] * d[u] + d[v] * d[v];
    const double c = p[u] * p[u] + p[v] * p[v] - radius * radius;
    if (a == 0) return c <= 0 ? Span{-kInf, kInf} : Span{kInf, -kInf};
    return quadraticSpan(a, p[u] * d[u] + p[v] * d[v], c);
}

/// Where the line p + t·d has |coordinate `axis`| ≤ half.
inline Span slabSpan(const btVector3& p, const btVector3& d, int axis, double half) {
    if (d[axis] == 0) return std::fabs(p[axis]) <= half ? Span{-kInf, kInf} : Span{kInf, -kInf};
    double t0 = (-half - p[axis]) / d[axis], t1 = (half - p[axis]) / d[axis];
    if (t0 > t1) std::swap(t0, t1);
    return {t0, t1};
}

/// The component of v perpendicular to the coordinate axis `axis`.
inline btVector3 radialPart(btVector3 v, int axis) {
    v[axis] = 0;
    return v;
}

/// The box |x_a| ≤ h_a, by slabs; the normal is that of the face whose slab is entered last.
bool rayBox(const btVector3& p, const btVector3& d, const btVector3& h, double limit, double& t, btVector3& n) {
    double enter = -kInf, leave = kInf;
    int face = -1;
    for (int a = 0; a < 3; ++a) {
        const Span s = slabSpan(p, d, a, h[a]);
        if (s.empty()) return false;
        if (s.in > enter) { enter = s.in; face = a; }
        leave = std::min(leave, s.out);
    }
    if (face < 0 || enter > leave || enter < 0 || !(enter < limit)) return false;
    t = enter;
    n = btVector3(0, 0, 0);
    n[face] = d[face] > 0 ? -1 : 1;
    return true;
}

/// The sphere of `radius` about the local origin.
bool raySphere(const btVector3& p, const btVector3& d, double radius, double limit, double& t, btVector3& n) {
    const Span s = ballSpan(p, d, btVector3(0, 0, 0), radius);
    if (s.empty() || s.in < 0 || !(s.in < limit)) return false;
    t = s.in;
    n = (p + t * d).normalized();
    return true;
}

/// The capsule: points within `radius` of the segment |x_axis| ≤ half on the axis; entered where the
/// first of its parts (the two end balls and the tube between them) is entered.
bool rayCapsule(const btVector3& p, const btVector3& d, int axis, double radius, double half, double limit, double& t,
                btVector3& n) {
    btVector3 top(0, 0, 0), bottom(0, 0, 0);
    top[axis] = half;
    bottom[axis] = -half;
    const Span parts[3] = {ballSpan(p, d, top, radius), ballSpan(p, d, bottom, radius), [&] {
                               const Span a = tubeSpan(p, d, axis, radius), b = slabSpan(p, d, axis, half);
                               return Span{std::max(a.in, b.in), std::min(a.out, b.out)};
                           }()};
    double best = kInf;
    int which = -1;
    for (int i = 0; i < 3; ++i) {
        const Span& s = parts[i];
        if (s.empty()) continue;
        if (s.in < 0 && s.out > 0) return false;  // starts inside
        if (s.in >= 0 && s.in < best) { best = s.in; which = i; }  // balls first: they own the seams
    }
    if (which < 0 || !(best < limit)) return false;
    t = best;
    const btVector3 q = p + t * d;
    n = which == 0 ? q - top : which == 1 ? q - bottom : radialPart(q, axis);
    n.normalize();
    return true;
}

/// What a cylinder test found: a hit, a miss, or a ray that meets the margin-rounded rim and needs Bullet.
enum class CylinderRay { hit, miss, rim };

/// Bullet's cylinder: the sharp cylinder (`radius`, `half` height, both with margin) whose rims are rounded
/// by `margin` (its support mapping adds the margin to a smaller sharp cylinder). The flat faces and the
/// side are exact; a ray entering (or starting) in the rounded rim band is left to rayTestSingle.
CylinderRay rayCylinder(const btVector3& p, const btVector3& d, int axis, double radius, double half, double margin,
                        double limit, double& t, btVector3& n) {
    const Span side = tubeSpan(p, d, axis, radius), ends = slabSpan(p, d, axis, half);
    const double enter = std::max(side.in, ends.in), leave = std::min(side.out, ends.out);
    if (side.empty() || ends.empty() || enter > leave || !(enter < limit) || leave <= 0) return CylinderRay::miss;
    const double innerRadius = radius - margin, innerHalf = half - margin;
    auto inRim = [&](const btVector3& x) {
        return radialPart(x, axis).length2() > innerRadius * innerRadius && std::fabs(x[axis]) > innerHalf;
    };
    if (enter < 0) return inRim(p) ? CylinderRay::rim : CylinderRay::miss;  // starts inside
    const btVector3 q = p + enter * d;
    if (inRim(q)) return CylinderRay::rim;
    t = enter;
    if (side.in >= ends.in) {
        n = radialPart(q, axis).normalized();
    } else {
        n = btVector3(0, 0, 0);
        n[axis] = d[axis] > 0 ? -1 : 1;
    }
    return CylinderRay::hit;
}

/// A plane n·x = c (the ground); computed as Bullet's triangle ray test does for the plane's triangles:
/// the ray must cross it strictly, and the normal faces the side the ray comes from.
bool rayPlane(const btVector3& from, const btVector3& to, const btVector3& normal, double constant, double limit,
              double& t, btVector3& n) {
    const double a = normal.dot(from) - constant, b = normal.dot(to) - constant;
    if (a * b >= 0) return false;
    const double f = a / (a - b);
    if (!(f < limit)) return false;
    t = f;
    n = a > 0 ? normal : btVector3(0, 0, 0) - normal;  // no negative zeros, as Bullet reports it
    return true;
}

/// Everything the per-shape dispatch of one ray needs.
struct RayContext {
    btVector3 from, to, dir;
    btTransform fromT, toT;
    ClosestHit* hit;
};

/// Keeps a hit of `object` at fraction t with local normal n (rotated to world by `basis`) when strictly closer.
inline void offer(ClosestHit& hit, const btCollisionObject* object, double t, const btVector3& n,
                  const btMatrix3x3& basis) {
    if (!(t < hit.m_closestHitFraction)) return;
    hit.m_closestHitFraction = t;
    hit.m_collisionObject = object;
    hit.m_hitNormalWorld = (basis * n).normalized();
}

/// Ray-tests one shape of `object` placed at `world`: closed form where there is one, else Bullet's.
void castShape(const RayContext& r, const btCollisionObject* object, const btCollisionShape* shape,
               const btTransform& world) {
    ClosestHit& hit = *r.hit;
    const double limit = hit.m_closestHitFraction;
    const btMatrix3x3& basis = world.getBasis();
    double t = 0;
    btVector3 n;
    auto bullet = [&] {
        btCollisionWorld::rayTestSingle(r.fromT, r.toT, const_cast<btCollisionObject*>(object), shape, world, hit);
    };
    switch (shape->getShapeType()) {
    case STATIC_PLANE_PROXYTYPE: {
        const btStaticPlaneShape* plane = static_cast<const btStaticPlaneShape*>(shape);
        const btVector3 p = world.invXform(r.from), q = world.invXform(r.to);
        if (rayPlane(p, q, plane->getPlaneNormal(), plane->getPlaneConstant(), limit, t, n))
            offer(hit, object, t, n, basis);
        return;
    }
    case COMPOUND_SHAPE_PROXYTYPE: {
        const btCompoundShape* compound = static_cast<const btCompoundShape*>(shape);
        for (int i = 0, count = compound->getNumChildShapes(); i < count; ++i)
            castShape(r, object, compound->getChildShape(i), world * compound->getChildTransform(i));
        return;
    }
    case BOX_SHAPE_PROXYTYPE:
    case SPHERE_SHAPE_PROXYTYPE:
    case CAPSULE_SHAPE_PROXYTYPE:
    case CYLINDER_SHAPE_PROXYTYPE:
        break;
    default:
        bullet();
        return;
    }
    const btVector3 p = world.invXform(r.from), d = r.dir * basis;  // d = basisᵀ·dir
    bool found = false;
    switch (shape->getShapeType()) {
    case BOX_SHAPE_PROXYTYPE:
        // Bullet's box support mapping adds the margin to the inner half extents: sharp edges at full size.
        found = rayBox(p, d, static_cast<const btBoxShape*>(shape)->getHalfExtentsWithMargin(), limit, t, n);
        break;
    case SPHERE_SHAPE_PROXYTYPE:
        found = raySphere(p, d, static_cast<const btSphereShape*>(shape)->getRadius(), limit, t, n);
        break;
    case CAPSULE_SHAPE_PROXYTYPE: {
        const btCapsuleShape* c = static_cast<const btCapsuleShape*>(shape);
        found = rayCapsule(p, d, c->getUpAxis(), c->getRadius(), c->getHalfHeight(), limit, t, n);
        break;
    }
    default: {  // CYLINDER_SHAPE_PROXYTYPE
        const btCylinderShape* c = static_cast<const btCylinderShape*>(shape);
        const int axis = c->getUpAxis();
        switch (rayCylinder(p, d, axis, c->getRadius(), c->getHalfExtentsWithMargin()[axis], c->getMargin(), limit, t,
                            n)) {
        case CylinderRay::hit: found = true; break;
        case CylinderRay::rim: bullet(); return;
        case CylinderRay::miss: break;
        }
    }
    }
    if (found) offer(hit, object, t, n, basis);
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
        updateRobotKinematics(r);
    }
};

}  // namespace

// MARK: - Ray casts

namespace {

/// The batch behind both entry points: closed-form tests when `analytic`, else rayTestSingle per object.
emb_status castBatch(const emb_world* w, const double* origins, const double* ends, int count, int ignore,
                     double* fraction, int* object, int* link, double* normal, bool analytic) {
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
            const btVector3 dir = to - from;
            ClosestHit hit(from, to);
            const RayContext ray{from, to, dir, btTransform(btQuaternion::getIdentity(), from),
                                 btTransform(btQuaternion::getIdentity(), to), &hit};
            for (int k = 0; k < boxCount; ++k) {
                const QueryBox& b = boxes[k];
                if (!segmentHitsBox(from, dir, hit.m_closestHitFraction, b.lo, b.hi)) continue;
                if (analytic)
                    castShape(ray, b.object, b.object->getCollisionShape(), b.object->getWorldTransform());
                else
                    btCollisionWorld::rayTestSingle(ray.fromT, ray.toT, const_cast<btCollisionObject*>(b.object),
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

}  // namespace

extern "C" emb_status emb_world_ray_cast_batch(const emb_world* w, const double* origins, const double* ends, int count,
                                               int ignore, double* fraction, int* object, int* link, double* normal) {
    return castBatch(w, origins, ends, count, ignore, fraction, object, link, normal, true);
}

extern "C" emb_status emb_world_ray_cast_batch_reference(const emb_world* w, const double* origins, const double* ends,
                                                         int count, int ignore, double* fraction, int* object,
                                                         int* link, double* normal) {
    return castBatch(w, origins, ends, count, ignore, fraction, object, link, normal, false);
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

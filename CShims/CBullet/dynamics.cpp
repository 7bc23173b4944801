// dynamics.cpp: the emb_dynamics_* API of cbullet.h: mass matrix, bias and gravity forces, inverse
// dynamics, Jacobians and forward kinematics for controllers, plus Bullet's own forward dynamics to check
// them against. Conventions and the reasons for the choices are in docs/dynamics.md.
//
// How it works: emb_dynamics_create copies the robot's btMultiBody (masses, principal inertias, joint
// frames and axes) into a second, private btMultiBody that belongs to no world. Joint kinematics come from
// that copy (Bullet's own joint rotation and offset arithmetic, updateCacheMultiDof), chained to the
// world here; the dynamics terms are this file's recursive Newton-Euler (RNEA) and composite-rigid-body
// (CRBA) algorithms on Eigen, in the same COM frames Bullet uses. emb_dynamics_forward runs Bullet's
// articulated-body algorithm on the copy with dt = 0, which yields the accelerations without integrating.
// Why not BulletInverseDynamics: Debian ships its libraries without its headers (docs/dynamics.md).
//
// Frames: body 0 is the base, body k = multibody link k − 1. Every body frame is Bullet's: origin at the
// COM, axes along the principal axes of inertia. Spatial vectors are pairs (angular, linear) of 3-vectors
// in body coordinates at the body's COM, as in btMultiBody.

#include "internal.hpp"

#include <Eigen/Core>

// MARK: - Spatial algebra helpers

namespace {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;
template <class T>
using AlignedVector = std::vector<T, Eigen::aligned_allocator<T>>;

inline Vec3 toEigen(const btVector3& v) { return Vec3(v.x(), v.y(), v.z()); }

inline Mat3 toEigen(const btMatrix3x3& m) {
    Mat3 r;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) r(i, j) = m[i][j];
    return r;
}

inline btVector3 toBullet(const Vec3& v) { return btVector3(v.x(), v.y(), v.z()); }

/// The cross-product matrix: skew(a) b = a × b.
inline Mat3 skew(const Vec3& a) {
    Mat3 s;
    s << 0, -a.z(), a.y(), a.z(), 0, -a.x(), -a.y(), a.x(), 0;
    return s;
}

/// Rotational inertia J (about point P) moved to a point P' with t = P − P', given the first moment h = m (C − P):
/// J' = J − [h]×[t]× − [t]×[h]× − m [t]×², expanded with [a]×[b]× = b aᵀ − (a · b) I.
inline Mat3 shiftInertia(const Mat3& J, const Vec3& h, double m, const Vec3& t) {
    const Vec3 u = h + 0.5 * m * t;  // the three products combine to −(t uᵀ + u tᵀ) + 2 (t · u) I
    Mat3 out = J - t * u.transpose() - u * t.transpose();
    out.diagonal().array() += 2 * t.dot(u);
    return out;
}

}  // namespace

// MARK: - The dynamics object

struct emb_dynamics {
    // Model, fixed at creation.
    int bodies = 0;                      // links, base included
    int dof = 0;
    bool floating = false;
    int nv = 0;
    int baseCols = 0;                    // 6 with a floating base, else 0
    btVector3 gravity{0, 0, 0};
    std::unique_ptr<btMultiBody> body;   // the private copy
    std::vector<int> dofLink;            // per coordinate: the multibody link
    std::vector<int> dofOffset;          // per coordinate: its index among btMultiBody's joint dofs
    std::vector<int> coord;              // per body: its coordinate, or −1
    std::vector<int> parent;             // per body: the parent body, −1 for the base
    std::vector<double> mass;            // per body, kg
    AlignedVector<Vec3> inertia;         // per body: principal moments, kg·m²
    AlignedVector<Vec3> sAng, sLin;      // per body: the joint's motion subspace in the body frame
    std::vector<btTransform> inertialFrame;  // per body: link frame → COM frame
    std::vector<btTransform> comToLink;      // per body: its inverse

    // Per-call scratch, sized at creation.
    btAlignedObjectArray<btScalar> scratchR;
    btAlignedObjectArray<btVector3> scratchV;
    btAlignedObjectArray<btMatrix3x3> scratchM;
    AlignedVector<Mat3> E;       // per body: parent frame → body frame rotation
    AlignedVector<Vec3> r;       // per body: parent COM → body COM, body frame
    AlignedVector<Mat3> R;       // per body: body frame → world rotation
    AlignedVector<Vec3> c;       // per body: COM, world
    AlignedVector<Vec3> w, vl;   // per body: spatial velocity (ω, v_COM), body frame
    AlignedVector<Vec3> aw, al;  // per body: spatial acceleration, body frame
    AlignedVector<Vec3> fn, ff;  // per body: spatial force (torque about the COM, force), body frame
    std::vector<double> cm;      // per body: composite mass
    AlignedVector<Vec3> ch;      // per body: composite first moment about the COM, body frame
    AlignedVector<Mat3> cJ;      // per body: composite rotational inertia about the COM, body frame
    btTransform baseLink;        // the base link frame of the current call
    Vec3 baseOffset{0, 0, 0};    // base COM − base link origin, world
    bool configured = false;     // whether the caches below describe (lastQ, lastPose)
    bool chained = false;        // whether R and c beyond the base describe them too (configure's `chain`)
    std::vector<double> lastQ;   // q of the cached kinematics
    double lastPose[7] = {};     // base pose of the cached kinematics
};

namespace {

bool validPose(const double* p) { return p && finite(p, 7); }

/// Whether an input vector of n values is present and finite (n = 0 allows null).
bool validVector(const double* p, int n) { return n == 0 || (p && finite(p, n)); }

/// Poses the private multibody at (q, base) and caches every body's joint rotation E and offset r and the base's
/// rotation and COM; with `chain`, also every other body's world rotation R and COM c, which only link frames and
/// Jacobians read (the Newton-Euler passes and the mass matrix work in body frames from E, r and the base). Returns
/// false on bad input. Calls with bitwise the same q and base pose as the previous one (a controller asking for M,
/// h and J in turn) reuse the cached kinematics.
bool configure(emb_dynamics* d, const double* q, const double* basePose, bool chain = true) {
    if (!validVector(q, d->dof) || !validPose(basePose)) return false;
    if (!d->configured || std::memcmp(d->lastPose, basePose, sizeof d->lastPose) != 0 ||
        (d->dof != 0 && std::memcmp(d->lastQ.data(), q, sizeof(double) * d->dof) != 0)) {
        btMultiBody* mb = d->body.get();
        // Bullet's joint kinematics (the ABA of emb_dynamics_forward reads the same caches): what setJointPos
        // does, with btMultibodyLink's inline updateCacheMultiDof compiled here rather than called through the
        // library (the same arithmetic: the pinned gravity-compensated scenario hashes check the bits).
        for (int j = 0; j < d->dof; ++j) {
            btMultibodyLink& link = mb->getLink(d->dofLink[j]);
            link.m_jointPos[0] = q[j];
            link.updateCacheMultiDof();
        }
        d->baseLink = poseToTransform(basePose);
        const btTransform baseCom = d->baseLink * d->inertialFrame[0];
        mb->setBaseWorldTransform(baseCom);
        d->R[0] = toEigen(btMatrix3x3(mb->getWorldToBaseRot().inverse()));
        d->c[0] = toEigen(baseCom.getOrigin());
        for (int k = 1; k < d->bodies; ++k) {
            d->E[k] = toEigen(btMatrix3x3(mb->getParentToLocalRot(k - 1)));
            d->r[k] = toEigen(mb->getRVector(k - 1));
        }
        d->baseOffset = d->c[0] - toEigen(d->baseLink.getOrigin());
        std::copy(q, q + d->dof, d->lastQ.begin());
        std::copy(basePose, basePose + 7, d->lastPose);
        d->configured = true;
        d->chained = false;
    }
    if (chain && !d->chained) {
        // The chain to the world: R_k = R_parent E_kᵀ, c_k = c_parent + R_k r_k.
        for (int k = 1; k < d->bodies; ++k) {
            const int p = d->parent[k];
            d->R[k].noalias() = d->R[p] * d->E[k].transpose();
            d->c[k].noalias() = d->c[p] + d->R[k] * d->r[k];
        }
        d->chained = true;
    }
    return true;
}

/// The world transform of body k's link frame after configure.
btTransform linkTransform(const emb_dynamics* d, int k) {
    const Mat3& R = d->R[k];
    const btMatrix3x3 basis(R(0, 0), R(0, 1), R(0, 2), R(1, 0), R(1, 1), R(1, 2), R(2, 0), R(2, 1), R(2, 2));
    return btTransform(basis, toBullet(d->c[k])) * d->comToLink[k];
}

/// The backward pass of Newton-Euler: from every body's force (fn, ff, in its frame) to τ (nv doubles), each
/// subtree's force carried into its parent.
void backwardPass(emb_dynamics* d, double* tau) {
    const int b = d->baseCols;
    const Mat3& R0 = d->R[0];
    for (int k = d->bodies - 1; k >= 1; --k) {
        const int j = d->coord[k];
        if (j >= 0) tau[b + j] = d->sAng[k].dot(d->fn[k]) + d->sLin[k].dot(d->ff[k]);
        const int p = d->parent[k];
        const Mat3 Et = d->E[k].transpose();
        d->fn[p] += Et * (d->fn[k] + d->r[k].cross(d->ff[k]));
        d->ff[p] += Et * d->ff[k];
    }
    if (d->floating) {
        const Vec3 f = R0 * d->ff[0];
        const Vec3 n = R0 * d->fn[0] + d->baseOffset.cross(f);
        for (int i = 0; i < 3; ++i) { tau[i] = f[i]; tau[3 + i] = n[i]; }
    }
}

/// Recursive Newton-Euler: the forward pass sets every body's velocity and acceleration; with `tau` it also
/// runs the backward pass and writes τ = M v̇ + h (nv doubles). v and vdot may be null (zero).
void newtonEuler(emb_dynamics* d, const double* v, const double* vdot, bool withGravity, double* tau) {
    const int b = d->baseCols;
    // The base, in its COM frame.
    const Mat3& R0 = d->R[0];
    d->w[0].setZero(); d->vl[0].setZero(); d->aw[0].setZero(); d->al[0].setZero();
    if (d->floating) {
        const Vec3& rho = d->baseOffset;
        Vec3 omega = Vec3::Zero(), vO = Vec3::Zero(), omegaDot = Vec3::Zero(), aO = Vec3::Zero();
        if (v) { vO = Vec3(v[0], v[1], v[2]); omega = Vec3(v[3], v[4], v[5]); }
        if (vdot) { aO = Vec3(vdot[0], vdot[1], vdot[2]); omegaDot = Vec3(vdot[3], vdot[4], vdot[5]); }
        const Vec3 vC = vO + omega.cross(rho);
        const Vec3 aC = aO + omegaDot.cross(rho) + omega.cross(omega.cross(rho));
        d->w[0] = R0.transpose() * omega;
        d->vl[0] = R0.transpose() * vC;
        d->aw[0] = R0.transpose() * omegaDot;
        d->al[0] = R0.transpose() * aC - d->w[0].cross(d->vl[0]);
    }
    if (withGravity) d->al[0] -= R0.transpose() * toEigen(d->gravity);  // gravity as a base acceleration

    for (int k = 1; k < d->bodies; ++k) {
        const int p = d->parent[k];
        const Mat3& E = d->E[k];
        const Vec3& r = d->r[k];
        d->w[k] = E * d->w[p];
        d->vl[k] = E * d->vl[p] - r.cross(d->w[k]);
        d->aw[k] = E * d->aw[p];
        d->al[k] = E * d->al[p] - r.cross(d->aw[k]);
        const int j = d->coord[k];
        if (j >= 0) {
            const double qd = v ? v[b + j] : 0.0, qdd = vdot ? vdot[b + j] : 0.0;
            const Vec3 jw = d->sAng[k] * qd, jl = d->sLin[k] * qd;
            d->w[k] += jw;
            d->vl[k] += jl;
            d->aw[k] += d->sAng[k] * qdd + d->w[k].cross(jw);
            d->al[k] += d->sLin[k] * qdd + d->w[k].cross(jl) + d->vl[k].cross(jw);
        }
    }
    if (!tau) return;

    for (int k = 0; k < d->bodies; ++k) {
        const Vec3 Iw = d->inertia[k].cwiseProduct(d->w[k]);
        d->fn[k] = d->inertia[k].cwiseProduct(d->aw[k]) + d->w[k].cross(Iw);
        d->ff[k] = d->mass[k] * (d->al[k] + d->w[k].cross(d->vl[k]));
    }
    backwardPass(d, tau);
}

/// newtonEuler(d, nullptr, nullptr, true, tau) without the terms that are zero at rest: g(q), the torques that
/// hold the robot still against gravity. With v = v̇ = 0 every body's angular velocity, linear velocity and angular
/// acceleration are zero, so its linear acceleration is the parent's carried over (gravity as a base acceleration)
/// and its force the mass times it; the backward pass is the same. emb_dynamics_inverse takes it when v and v̇ are
/// both absent (emb_dynamics_gravity, a controller's gravity compensation every tick). The full pass's zero terms
/// only add signed zeros, so the torques are the same.
void gravityNewtonEuler(emb_dynamics* d, double* tau) {
    const Mat3& R0 = d->R[0];
    d->al[0].setZero();
    d->al[0] -= R0.transpose() * toEigen(d->gravity);  // gravity as a base acceleration, as newtonEuler sets it
    for (int k = 1; k < d->bodies; ++k) d->al[k].noalias() = d->E[k] * d->al[d->parent[k]];
    for (int k = 0; k < d->bodies; ++k) {
        d->fn[k].setZero();
        d->ff[k] = d->mass[k] * d->al[k];
    }
    backwardPass(d, tau);
}

/// Composite-rigid-body algorithm: writes M(q) (nv × nv, row-major) after configure.
void compositeRigidBody(emb_dynamics* d, double* M) {
    const int nv = d->nv, b = d->baseCols;
    for (int k = 0; k < d->bodies; ++k) {
        d->cm[k] = d->mass[k];
        d->ch[k].setZero();
        d->cJ[k] = d->inertia[k].asDiagonal();
    }
    // Accumulate each subtree's inertia into its parent's COM frame.
    for (int k = d->bodies - 1; k >= 1; --k) {
        const int p = d->parent[k];
        const Mat3 Et = d->E[k].transpose();
        const Vec3 t = Et * d->r[k];       // parent COM → body COM, parent frame
        const Vec3 h = Et * d->ch[k];      // first moment about the body COM, parent frame
        const Mat3 J = Et * d->cJ[k] * d->E[k];
        d->cm[p] += d->cm[k];
        d->ch[p] += h + d->cm[k] * t;
        d->cJ[p] += shiftInertia(J, h, d->cm[k], t);
    }
    std::fill(M, M + nv * nv, 0.0);
    for (int k = 1; k < d->bodies; ++k) {
        const int j = d->coord[k];
        if (j < 0) continue;
        const Vec3& sa = d->sAng[k];
        const Vec3& sl = d->sLin[k];
        // F = Ic s: the force that accelerates the subtree by the unit joint motion.
        Vec3 n = d->cJ[k] * sa + d->ch[k].cross(sl);
        Vec3 f = d->cm[k] * sl - d->ch[k].cross(sa);
        const int col = b + j;
        M[col * nv + col] = sa.dot(n) + sl.dot(f);
        int i = k;
        while (d->parent[i] >= 0) {
            const Mat3 Et = d->E[i].transpose();
            n = Et * (n + d->r[i].cross(f));
            f = Et * f;
            i = d->parent[i];
            const int m = d->coord[i];
            if (m >= 0) {
                const double value = d->sAng[i].dot(n) + d->sLin[i].dot(f);
                M[(b + m) * nv + col] = value;
                M[col * nv + b + m] = value;
            }
        }
        if (d->floating) {  // i is the base: the base force and torque about the link origin, world frame
            const Vec3 fw = d->R[0] * f;
            const Vec3 nw = d->R[0] * n + d->baseOffset.cross(fw);
            for (int a = 0; a < 3; ++a) {
                M[a * nv + col] = M[col * nv + a] = fw[a];
                M[(3 + a) * nv + col] = M[col * nv + 3 + a] = nw[a];
            }
        }
    }
    if (d->floating) {
        // The whole robot's inertia, moved from the base COM frame to world axes at the base link origin.
        const Mat3& R0 = d->R[0];
        const double m = d->cm[0];
        const Vec3 h = R0 * d->ch[0];
        const Mat3 J = shiftInertia(R0 * d->cJ[0] * R0.transpose(), h, m, d->baseOffset);
        const Vec3 hO = h + m * d->baseOffset;
        const Mat3 S = skew(hO);
        for (int i = 0; i < 3; ++i)
            for (int k = 0; k < 3; ++k) {
                M[i * nv + k] = i == k ? m : 0.0;
                M[i * nv + 3 + k] = -S(i, k);
                M[(3 + i) * nv + k] = S(i, k);
                M[(3 + i) * nv + 3 + k] = J(i, k);
            }
    }
}

bool validLink(const emb_dynamics* d, int link) { return link >= 0 && link < d->bodies; }

}  // namespace

// MARK: - Creation

extern "C" emb_dynamics* emb_dynamics_create(const emb_robot* robot, char* err, int errSize) {
    if (!robot || !robot->body) { writeError(err, errSize, "robot is null"); return nullptr; }
    try {
        const btMultiBody* src = robot->body.get();
        auto d = std::make_unique<emb_dynamics>();
        const int links = src->getNumLinks();
        d->bodies = links + 1;
        d->dof = int(robot->dofLink.size());
        d->floating = !src->hasFixedBase();
        d->baseCols = d->floating ? 6 : 0;
        d->nv = d->dof + d->baseCols;
        d->gravity = robot->world ? robot->world->dynamics->getGravity() : btVector3(0, 0, -9.81);
        d->dofLink = robot->dofLink;
        d->inertialFrame = robot->inertialFrame;
        if (int(d->inertialFrame.size()) != d->bodies) {
            writeError(err, errSize, "the robot has %d inertial frames for %d links", int(d->inertialFrame.size()),
                       d->bodies);
            return nullptr;
        }
        for (const btTransform& t : d->inertialFrame) d->comToLink.push_back(t.inverse());

        // The private copy: the same setup calls cbullet.cpp made, with the parameters Bullet stored.
        d->body = std::make_unique<btMultiBody>(links, src->getBaseMass(), src->getBaseInertia(), src->hasFixedBase(),
                                                false);
        btMultiBody* mb = d->body.get();
        for (int l = 0; l < links; ++l) {
            const btMultibodyLink& s = src->getLink(l);
            switch (s.m_jointType) {
            case btMultibodyLink::eRevolute:
                mb->setupRevolute(l, s.m_mass, s.m_inertiaLocal, s.m_parent, s.m_zeroRotParentToThis, s.getAxisTop(0),
                                  s.m_eVector, s.m_dVector, true);
                break;
            case btMultibodyLink::ePrismatic:
                mb->setupPrismatic(l, s.m_mass, s.m_inertiaLocal, s.m_parent, s.m_zeroRotParentToThis,
                                   s.getAxisBottom(0), s.m_eVector, s.m_dVector, true);
                break;
            case btMultibodyLink::eFixed:
                mb->setupFixed(l, s.m_mass, s.m_inertiaLocal, s.m_parent, s.m_zeroRotParentToThis, s.m_eVector,
                               s.m_dVector, true);
                break;
            default:
                writeError(err, errSize, "link %d has a joint type the dynamics terms do not support", l + 1);
                return nullptr;
            }
        }
        mb->finalizeMultiDof();
        mb->setCanSleep(false);
        mb->setUseGyroTerm(true);     // as the simulator: the ω × Iω term is part of rigid-body dynamics
        mb->setLinearDamping(0);      // Bullet's velocity decay is not part of M v̇ + h = τ
        mb->setAngularDamping(0);
        mb->setBaseWorldTransform(src->getBaseWorldTransform());

        d->coord.assign(d->bodies, -1);
        d->parent.assign(d->bodies, -1);
        d->mass.resize(d->bodies);
        d->inertia.resize(d->bodies);
        d->sAng.assign(d->bodies, Vec3::Zero());
        d->sLin.assign(d->bodies, Vec3::Zero());
        d->mass[0] = mb->getBaseMass();
        d->inertia[0] = toEigen(mb->getBaseInertia());
        for (int l = 0; l < links; ++l) {
            const btMultibodyLink& s = mb->getLink(l);
            d->parent[l + 1] = s.m_parent + 1;
            d->mass[l + 1] = s.m_mass;
            d->inertia[l + 1] = toEigen(s.m_inertiaLocal);
            if (s.m_jointType != btMultibodyLink::eFixed) {
                d->sAng[l + 1] = toEigen(s.getAxisTop(0));
                d->sLin[l + 1] = toEigen(s.getAxisBottom(0));
            }
        }
        for (int j = 0; j < d->dof; ++j) {
            const int l = d->dofLink[j];
            if (l < 0 || l >= links || mb->getLink(l).m_dofCount != 1) {
                writeError(err, errSize, "coordinate %d maps to link %d, which is not a one-dof joint", j, l);
                return nullptr;
            }
            d->coord[l + 1] = j;
            d->dofOffset.push_back(mb->getLink(l).m_dofOffset);
        }

        const int n = d->bodies;
        d->scratchR.resize(2 * mb->getNumDofs() + 7);
        d->scratchV.resize(8 * links + 6);
        d->scratchM.resize(4 * links + 4);
        for (auto* a : {&d->E, &d->R, &d->cJ}) a->assign(n, Mat3::Identity());
        for (auto* a : {&d->r, &d->c, &d->w, &d->vl, &d->aw, &d->al, &d->fn, &d->ff, &d->ch}) a->assign(n, Vec3::Zero());
        d->cm.assign(n, 0.0);
        d->lastQ.assign(d->dof, 0.0);
        return d.release();
    } catch (const std::exception& e) {
        writeError(err, errSize, "could not create the dynamics object: %s", e.what());
    } catch (...) {
        writeError(err, errSize, "could not create the dynamics object: unknown C++ exception");
    }
    return nullptr;
}

extern "C" void emb_dynamics_destroy(emb_dynamics* d) { delete d; }

extern "C" int emb_dynamics_dof(const emb_dynamics* d) { return d ? d->dof : 0; }
extern "C" int emb_dynamics_nv(const emb_dynamics* d) { return d ? d->nv : 0; }
extern "C" int emb_dynamics_link_count(const emb_dynamics* d) { return d ? d->bodies : 0; }
extern "C" int emb_dynamics_floating_base(const emb_dynamics* d) { return d && d->floating ? 1 : 0; }

extern "C" emb_status emb_dynamics_get_gravity(const emb_dynamics* d, double g[3]) {
    if (!d || !g) return EMB_ERR_ARGUMENT;
    put3(g, d->gravity);
    return EMB_OK;
}

extern "C" emb_status emb_dynamics_set_gravity(emb_dynamics* d, const double g[3]) {
    if (!d || !g || !finite(g, 3)) return EMB_ERR_ARGUMENT;
    d->gravity = get3(g);
    return EMB_OK;
}

// MARK: - Terms

extern "C" emb_status emb_dynamics_mass_matrix(emb_dynamics* d, const double* q, const double basePose[7], double* M,
                                               int cap) {
    if (!d || (!M && d->nv > 0)) return EMB_ERR_ARGUMENT;
    if (cap < d->nv * d->nv) return EMB_ERR_CAPACITY;
    try {
        if (!configure(d, q, basePose, false)) return EMB_ERR_ARGUMENT;
        compositeRigidBody(d, M);
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_dynamics_inverse(emb_dynamics* d, const double* q, const double* v, const double* vdot,
                                           const double basePose[7], double* tau, int cap) {
    if (!d || (!tau && d->nv > 0)) return EMB_ERR_ARGUMENT;
    if (cap < d->nv) return EMB_ERR_CAPACITY;
    if ((v && !finite(v, d->nv)) || (vdot && !finite(vdot, d->nv))) return EMB_ERR_ARGUMENT;
    try {
        if (!configure(d, q, basePose, false)) return EMB_ERR_ARGUMENT;
        if (!v && !vdot) gravityNewtonEuler(d, tau);  // g(q): the pass without the terms that are zero at rest
        else newtonEuler(d, v, vdot, true, tau);
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_dynamics_bias(emb_dynamics* d, const double* q, const double* v, const double basePose[7],
                                        double* h, int cap) {
    if (!d || !validVector(v, d->nv)) return EMB_ERR_ARGUMENT;
    return emb_dynamics_inverse(d, q, v, nullptr, basePose, h, cap);
}

extern "C" emb_status emb_dynamics_gravity(emb_dynamics* d, const double* q, const double basePose[7], double* g,
                                           int cap) {
    return emb_dynamics_inverse(d, q, nullptr, nullptr, basePose, g, cap);
}

// MARK: - Bullet's forward dynamics

extern "C" emb_status emb_dynamics_forward(emb_dynamics* d, const double* q, const double* v, const double* tau,
                                           const double basePose[7], double* vdot, int cap) {
    if (!d || (!vdot && d->nv > 0)) return EMB_ERR_ARGUMENT;
    if (cap < d->nv) return EMB_ERR_CAPACITY;
    if (!validVector(v, d->nv) || !validVector(tau, d->nv)) return EMB_ERR_ARGUMENT;
    try {
        if (!configure(d, q, basePose, false)) return EMB_ERR_ARGUMENT;
        btMultiBody* mb = d->body.get();
        const int b = d->baseCols;
        const btVector3 rho = toBullet(d->baseOffset);
        btVector3 omega(0, 0, 0);
        mb->clearForcesAndTorques();
        if (d->floating) {
            // Bullet's base velocity is its COM's; the force goes to the COM with the torque moved there.
            omega = get3(v + 3);
            mb->setBaseOmega(omega);
            mb->setBaseVel(get3(v) + omega.cross(rho));
            const btVector3 force = get3(tau), torque = get3(tau + 3);
            mb->addBaseForce(force);
            mb->addBaseTorque(torque - rho.cross(force));
        } else {
            mb->setBaseOmega(btVector3(0, 0, 0));
            mb->setBaseVel(btVector3(0, 0, 0));
        }
        // Gravity exactly as btMultiBodyDynamicsWorld::applyGravity applies it: m g at every COM.
        mb->addBaseForce(d->gravity * mb->getBaseMass());
        for (int l = 0; l < mb->getNumLinks(); ++l) mb->addLinkForce(l, d->gravity * mb->getLinkMass(l));
        for (int j = 0; j < d->dof; ++j) {
            mb->setJointVel(d->dofLink[j], v[b + j]);
            mb->addJointTorque(d->dofLink[j], tau[b + j]);
        }
        // dt = 0: Bullet computes the accelerations into scratch_r[numDofs...] and integrates nothing.
        mb->computeAccelerationsArticulatedBodyAlgorithmMultiDof(0, d->scratchR, d->scratchV, d->scratchM, false,
                                                                 false, false);
        const btScalar* out = &d->scratchR[mb->getNumDofs()];
        if (d->floating) {
            const btVector3 omegaDot(out[0], out[1], out[2]);
            const btVector3 aCom(out[3], out[4], out[5]);
            const btVector3 aOrigin = aCom - omegaDot.cross(rho) - omega.cross(omega.cross(rho));
            put3(vdot, aOrigin);
            put3(vdot + 3, omegaDot);
        }
        for (int j = 0; j < d->dof; ++j) vdot[b + j] = out[6 + d->dofOffset[j]];
        mb->clearForcesAndTorques();
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

// MARK: - Kinematics

extern "C" emb_status emb_dynamics_jacobian(emb_dynamics* d, int link, const double point[3], const double* q,
                                            const double basePose[7], double* J, int cap) {
    if (!d || (!J && d->nv > 0) || !validLink(d, link) || (point && !finite(point, 3))) return EMB_ERR_ARGUMENT;
    const int nv = d->nv, b = d->baseCols;
    if (cap < 6 * nv) return EMB_ERR_CAPACITY;
    try {
        if (!configure(d, q, basePose)) return EMB_ERR_ARGUMENT;
        const btVector3 local = point ? get3(point) : btVector3(0, 0, 0);
        const Vec3 P = toEigen(linkTransform(d, link) * local);
        std::fill(J, J + 6 * nv, 0.0);
        if (d->floating) {
            // v_P = v_O + ω × (P − O) and the base turns at ω.
            const Mat3 S = -skew(P - toEigen(d->baseLink.getOrigin()));
            for (int i = 0; i < 3; ++i) {
                J[i * nv + i] = 1;
                J[(3 + i) * nv + 3 + i] = 1;
                for (int k = 0; k < 3; ++k) J[i * nv + 3 + k] = S(i, k);
            }
        }
        for (int k = link; k > 0; k = d->parent[k]) {
            const int j = d->coord[k];
            if (j < 0) continue;
            const Vec3 omega = d->R[k] * d->sAng[k];
            const Vec3 lin = d->R[k] * d->sLin[k] + omega.cross(P - d->c[k]);
            for (int i = 0; i < 3; ++i) {
                J[i * nv + b + j] = lin[i];
                J[(3 + i) * nv + b + j] = omega[i];
            }
        }
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_dynamics_bias_acceleration(emb_dynamics* d, int link, const double point[3],
                                                     const double* q, const double* v, const double basePose[7],
                                                     double out[6]) {
    if (!d || !out || !validLink(d, link) || (point && !finite(point, 3)) || !validVector(v, d->nv))
        return EMB_ERR_ARGUMENT;
    try {
        if (!configure(d, q, basePose)) return EMB_ERR_ARGUMENT;
        newtonEuler(d, v, nullptr, false, nullptr);
        const btVector3 local = point ? get3(point) : btVector3(0, 0, 0);
        const Vec3 rho = toEigen(linkTransform(d, link) * local) - d->c[link];
        const Mat3& R = d->R[link];
        const Vec3 omega = R * d->w[link];
        const Vec3 omegaDot = R * d->aw[link];
        // The COM's classical acceleration is R (a + ω × v) in body terms; then the rigid-body point formula.
        const Vec3 aCom = R * (d->al[link] + d->w[link].cross(d->vl[link]));
        const Vec3 a = aCom + omegaDot.cross(rho) + omega.cross(omega.cross(rho));
        for (int i = 0; i < 3; ++i) { out[i] = a[i]; out[3 + i] = omegaDot[i]; }
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_dynamics_link_pose(emb_dynamics* d, int link, const double* q, const double basePose[7],
                                             double pose[7]) {
    if (!d || !pose || !validLink(d, link)) return EMB_ERR_ARGUMENT;
    try {
        if (!configure(d, q, basePose)) return EMB_ERR_ARGUMENT;
        transformToPose(linkTransform(d, link), pose);
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

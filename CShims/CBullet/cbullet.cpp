// cbullet.cpp: the C API of cbullet.h for worlds, robots, bodies, contacts and snapshots, over Bullet 3.24's
// Featherstone multibody world. Shared declarations and the determinism notes are in internal.hpp.

#include "internal.hpp"

// MARK: - World

extern "C" void emb_world_desc_default(emb_world_desc* d) {
    if (!d) return;
    d->gravity[0] = 0; d->gravity[1] = 0; d->gravity[2] = -9.81;
    d->solver_iterations = 50;
    d->ground = 1;
    d->ground_friction = 1.0;
    d->ground_restitution = 0.0;
    d->ground_rolling_friction = 0.0;
    d->integrator = EMB_INTEGRATOR_EULER;
    d->solver_residual = 1e-7;
    d->friction_model = EMB_FRICTION_CONE;
    d->warm_start = 0;
    d->solver = EMB_SOLVER_BULLET;
}

extern "C" emb_world* emb_world_create(const emb_world_desc* d, char* err, int errSize) {
    if (!d) { writeError(err, errSize, "world description is null"); return nullptr; }
    if (!finite(d->gravity, 3)) { writeError(err, errSize, "gravity must be finite"); return nullptr; }
    if (d->solver_iterations < 1) {
        writeError(err, errSize, "solver_iterations must be at least 1, got %d", d->solver_iterations);
        return nullptr;
    }
    if (!std::isfinite(d->solver_residual) || d->solver_residual < 0) {
        writeError(err, errSize, "solver_residual must be finite and not negative, got %g", d->solver_residual);
        return nullptr;
    }
    if (d->friction_model != EMB_FRICTION_CONE && d->friction_model != EMB_FRICTION_BOX) {
        writeError(err, errSize, "unknown friction model %d", d->friction_model);
        return nullptr;
    }
    if (!(d->warm_start >= 0 && d->warm_start <= 1)) {
        writeError(err, errSize, "warm_start must be between 0 and 1, got %g", d->warm_start);
        return nullptr;
    }
    if (d->solver != EMB_SOLVER_BULLET && d->solver != EMB_SOLVER_CONSTRAINT_SPACE) {
        writeError(err, errSize, "unknown solver %d", d->solver);
        return nullptr;
    }
    try {
        if (d->integrator != EMB_INTEGRATOR_EULER && d->integrator != EMB_INTEGRATOR_RK4) {
            writeError(err, errSize, "unknown integrator %d", d->integrator);
            return nullptr;
        }
        installBlockPool();  // before Bullet allocates anything for this world
        auto w = std::make_unique<emb_world>();
        w->integrator = d->integrator;
        w->config = std::make_unique<btDefaultCollisionConfiguration>();
        w->dispatcher = std::make_unique<CanonicalDispatcher>(w->config.get());
        w->pairCache = std::make_unique<ReservedPairCache>(64);  // room for 64·63/2 = 2016 pairs
        w->pairCache->setOverlapFilterCallback(&w->pairFilter);  // after the reservation's dummy pairs
        w->broadphase = std::make_unique<GrownLeafBroadphase>(w->pairCache.get());
        w->solver = std::make_unique<PreallocatedSolver>();
        w->dynamics = std::make_unique<DiscreteMultiBodyWorld>(w->dispatcher.get(), w->broadphase.get(),
                                                                 w->solver.get(), w->config.get());
        if (d->solver == EMB_SOLVER_CONSTRAINT_SPACE) {
            w->constraintSpace = std::make_unique<ConstraintSpaceSolver>();
            w->dynamics->constraintSpace = w->constraintSpace.get();
            w->broadphase->margin = kConstraintSpaceLeafMargin;
        }
        w->dynamics->setGravity(get3(d->gravity));
        // Solver settings as PyBullet sets them, so that the same scene behaves the same in both.
        btContactSolverInfo& info = w->dynamics->getSolverInfo();
        info.m_numIterations = d->solver_iterations;
        info.m_erp2 = 0.08;
        info.m_frictionERP = 0.2;
        info.m_linearSlop = 0.00001;
        info.m_minimumSolverBatchSize = 0;
        info.m_warmstartingFactor = 0.1;
        info.m_leastSquaresResidualThreshold = d->solver_residual;
        // Bullet's default solver mode for multibody worlds keeps the implicit friction cone; the box drops it.
        if (d->friction_model == EMB_FRICTION_BOX) info.m_solverMode |= SOLVER_DISABLE_IMPLICIT_CONE_FRICTION;
        if (d->warm_start > 0) {
            info.m_solverMode |= SOLVER_USE_ARTICULATED_WARMSTARTING;
            info.m_articulatedWarmstartingFactor = d->warm_start;
        }
        gDbvtMargin = 0;  // a Bullet global; every Embody world sets the same value
        if (d->ground) {
            // A plane whose bounding box is a slab under z = 0 (internal.hpp), so that links far from the floor
            // cost no plane tests.
            w->groundShape = std::make_unique<GroundPlaneShape>();
            btRigidBody::btRigidBodyConstructionInfo info(0, nullptr, w->groundShape.get());
            w->ground = std::make_unique<btRigidBody>(info);
            w->ground->setFriction(d->ground_friction);
            w->ground->setRestitution(d->ground_restitution);
            w->ground->setRollingFriction(d->ground_rolling_friction);
            w->groundId = w->nextId++;
            w->ground->setUserIndex(w->groundId);
            w->ground->setUserIndex2(-1);
            w->dynamics->addRigidBody(w->ground.get());
        }
        return w.release();
    } catch (const std::exception& e) {
        writeError(err, errSize, "could not create the world: %s", e.what());
    } catch (...) {
        writeError(err, errSize, "could not create the world: unknown C++ exception");
    }
    return nullptr;
}

extern "C" void emb_world_destroy(emb_world* w) {
    if (!w) return;
    while (!w->robots.empty()) emb_robot_destroy(w->robots.back());
    while (!w->bodies.empty()) emb_body_destroy(w->bodies.back());
    if (w->ground) w->dynamics->removeRigidBody(w->ground.get());
    w->dynamics.reset();
    delete w;
}

extern "C" emb_status emb_world_set_gravity(emb_world* w, const double g[3]) {
    if (!w || !g || !finite(g, 3)) return EMB_ERR_ARGUMENT;
    w->dynamics->setGravity(get3(g));
    return EMB_OK;
}

extern "C" long long emb_world_step_count(const emb_world* w) { return w ? w->steps : 0; }

extern "C" int emb_world_ground_id(const emb_world* w) { return w ? w->groundId : -1; }

extern "C" void emb_world_set_idle_solver_skip(emb_world* w, int enabled) {
    if (w) w->dynamics->skipIdleSolver = enabled != 0;
}

extern "C" emb_status emb_world_set_broadphase_margin(emb_world* w, double margin) {
    if (!w || !std::isfinite(margin) || margin < 0 || margin > 1) return EMB_ERR_ARGUMENT;
    w->broadphase->margin = margin;
    return EMB_OK;
}

extern "C" double emb_world_broadphase_margin(const emb_world* w) { return w ? w->broadphase->margin : 0; }

extern "C" void emb_world_broadphase_counts(const emb_world* w, long long counts[2]) {
    if (!counts) return;
    counts[0] = w ? w->broadphase->boxUpdates : 0;
    counts[1] = w ? w->broadphase->leafMoves : 0;
}

extern "C" long long emb_world_idle_solver_skips(const emb_world* w) { return w ? w->dynamics->idleSolverSkips : 0; }

extern "C" long long emb_world_solver_sweeps(const emb_world* w) {
    if (!w) return 0;
    return w->solver->sweeps + (w->constraintSpace ? w->constraintSpace->sweeps : 0);
}

extern "C" long long emb_world_constraint_space_steps(const emb_world* w) {
    return w && w->constraintSpace ? w->constraintSpace->steps : 0;
}

namespace {

/// Applies the held joint torques, damping, friction strength and external forces for one step of h seconds.
void applyHeldInputs(emb_world* w, double h) {
    for (emb_robot* r : w->robots) {
        btMultiBody* mb = r->body.get();
        for (size_t i = 0; i < r->dofLink.size(); ++i) {
            int link = r->dofLink[i];
            double tau = r->heldTorque[i] - r->damping[i] * mb->getJointVel(link);
            mb->addJointTorque(link, tau);
        }
        for (size_t i = 0; i < r->frictionMotors.size(); ++i)
            r->frictionMotors[i]->setMaxAppliedImpulse(r->frictionTorque[i] * h);
        if (!r->externalForce[0].isZero()) mb->addBaseForce(r->externalForce[0]);
        for (int l = 0; l < mb->getNumLinks(); ++l)
            if (!r->externalForce[l + 1].isZero()) mb->addLinkForce(l, r->externalForce[l + 1]);
    }
    for (emb_body* b : w->bodies)
        if (!b->externalForce.isZero())
            b->body->applyForce(b->externalForce, b->externalPoint - b->body->getCenterOfMassPosition());
}

}  // namespace

extern "C" emb_status emb_world_step(emb_world* w, double dt, int substeps) {
    if (!w || !(dt > 0) || !std::isfinite(dt) || substeps < 1) return EMB_ERR_ARGUMENT;
    const double h = dt / substeps;
    try {
        for (int s = 0; s < substeps; ++s) {
            applyHeldInputs(w, h);
            // maxSubSteps = 0: exactly one internal step of length h, no accumulator, no interpolation.
            w->dynamics->stepSimulation(h, 0, h);
            ++w->steps;
        }
        w->lastDt = h;
        // Bullet refreshes collider poses after integrating but not every link's cached frame: the readers of
        // link frames refresh them on demand, so that what they read describes the same instant as q and q̇.
        for (emb_robot* r : w->robots) r->linkFramesStale = true;
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

// MARK: - Contacts

extern "C" int emb_world_contacts(const emb_world* w, emb_contact* out, int capacity) {
    if (!w) return 0;
    const btDispatcher* d = w->dispatcher.get();
    const double invDt = w->lastDt > 0 ? 1.0 / w->lastDt : 0.0;
    int count = 0;
    for (int m = 0; m < d->getNumManifolds(); ++m) {
        const btPersistentManifold* man = const_cast<btDispatcher*>(d)->getManifoldByIndexInternal(m);
        for (int p = 0; p < man->getNumContacts(); ++p) {
            const btManifoldPoint& pt = man->getContactPoint(p);
            if (pt.getDistance() > 0 && pt.m_appliedImpulse == 0) continue;  // a cached, inactive point
            if (out && count < capacity) {
                emb_contact& c = out[count];
                c.object_a = objectId(man->getBody0());
                c.link_a = linkIndex(man->getBody0());
                c.object_b = objectId(man->getBody1());
                c.link_b = linkIndex(man->getBody1());
                put3(c.position_on_b, pt.getPositionWorldOnB());
                put3(c.normal_on_b, pt.m_normalWorldOnB);
                c.distance = pt.getDistance();
                c.normal_force = pt.m_appliedImpulse * invDt;
                c.friction_force[0] = pt.m_appliedImpulseLateral1 * invDt;
                c.friction_force[1] = pt.m_appliedImpulseLateral2 * invDt;
                put3(c.lateral_dir_1, pt.m_lateralFrictionDir1);
                put3(c.lateral_dir_2, pt.m_lateralFrictionDir2);
            }
            ++count;
        }
    }
    return count;
}

// MARK: - Shapes

namespace {

/// Builds one primitive or hull; the caller owns the result.
std::unique_ptr<btCollisionShape> makeShape(const emb_shape_desc& s, char* err, int errSize) {
    const double* z = s.size;
    switch (s.type) {
    case EMB_SHAPE_BOX:
        if (!(z[0] > 0 && z[1] > 0 && z[2] > 0)) break;
        return std::make_unique<btBoxShape>(btVector3(z[0] / 2, z[1] / 2, z[2] / 2));
    case EMB_SHAPE_SPHERE:
        if (!(z[0] > 0)) break;
        return std::make_unique<btSphereShape>(z[0]);
    case EMB_SHAPE_CYLINDER:
        if (!(z[0] > 0 && z[1] > 0)) break;
        return std::make_unique<btCylinderShapeZ>(btVector3(z[0], z[0], z[1] / 2));
    case EMB_SHAPE_CAPSULE:
        if (!(z[0] > 0 && z[1] >= 0)) break;
        return std::make_unique<btCapsuleShapeZ>(z[0], z[1]);
    case EMB_SHAPE_CONVEX_HULL: {
        if (!s.vertices || s.vertex_count < 4) {
            writeError(err, errSize, "a convex hull needs at least 4 vertices, got %d", s.vertex_count);
            return nullptr;
        }
        if (!finite(s.vertices, 3 * s.vertex_count)) {
            writeError(err, errSize, "a convex hull vertex is not finite");
            return nullptr;
        }
        auto hull = std::make_unique<btConvexHullShape>();
        for (int i = 0; i < s.vertex_count; ++i) hull->addPoint(get3(s.vertices + 3 * i), false);
        hull->recalcLocalAabb();
        hull->optimizeConvexHull();
        hull->setMargin(0.001);  // Bullet's default 4 cm margin would inflate the mesh visibly.
        return hull;
    }
    default:
        writeError(err, errSize, "unknown shape type %d", s.type);
        return nullptr;
    }
    writeError(err, errSize, "shape type %d has a non-positive size (%g, %g, %g)", s.type, z[0], z[1], z[2]);
    return nullptr;
}

/// Builds the collision shape for a set of placed shapes relative to a COM frame: the bare shape when
/// there is one at the COM frame itself, otherwise a compound. Every created shape goes into `owned`.
btCollisionShape* makeFrameShape(const emb_shape_desc* shapes, int count, const btTransform& comFromFrame,
                                 std::vector<std::unique_ptr<btCollisionShape>>& owned, char* err, int errSize) {
    if (count <= 0) return nullptr;
    std::vector<btCollisionShape*> parts;
    std::vector<btTransform> poses;
    for (int i = 0; i < count; ++i) {
        if (!finite(shapes[i].pose, 7) || !finite(shapes[i].size, 3)) {
            writeError(err, errSize, "shape %d has a non-finite pose or size", i);
            return nullptr;
        }
        auto shape = makeShape(shapes[i], err, errSize);
        if (!shape) return nullptr;
        parts.push_back(shape.get());
        poses.push_back(comFromFrame * poseToTransform(shapes[i].pose));
        owned.push_back(std::move(shape));
    }
    const btTransform& only = poses[0];
    if (count == 1 && only.getOrigin().fuzzyZero() &&
        only.getRotation().angleShortestPath(btQuaternion::getIdentity()) < 1e-12)
        return parts[0];
    auto compound = std::make_unique<btCompoundShape>(false, count);
    for (int i = 0; i < count; ++i) compound->addChildShape(poses[i], parts[i]);
    btCollisionShape* result = compound.get();
    owned.push_back(std::move(compound));
    return result;
}

/// The principal inertia and the rotation from principal axes to the inertial frame.
bool principalInertia(const double in[6], btVector3& diag, btQuaternion& rot) {
    const double ixx = in[0], iyy = in[1], izz = in[2], ixy = in[3], ixz = in[4], iyz = in[5];
    if (ixy == 0 && ixz == 0 && iyz == 0) {
        diag = btVector3(ixx, iyy, izz);
        rot = btQuaternion::getIdentity();
        return ixx >= 0 && iyy >= 0 && izz >= 0;
    }
    Eigen::Matrix3d m;
    m << ixx, ixy, ixz, ixy, iyy, iyz, ixz, iyz, izz;
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(m);
    if (solver.info() != Eigen::Success) return false;
    Eigen::Matrix3d v = solver.eigenvectors();
    if (v.determinant() < 0) v.col(2) = -v.col(2);
    Eigen::Vector3d e = solver.eigenvalues();
    if (e.minCoeff() < -1e-12 * std::max(1.0, e.maxCoeff())) return false;
    diag = btVector3(std::max(0.0, e(0)), std::max(0.0, e(1)), std::max(0.0, e(2)));
    btMatrix3x3 basis(v(0, 0), v(0, 1), v(0, 2), v(1, 0), v(1, 1), v(1, 2), v(2, 0), v(2, 1), v(2, 2));
    basis.getRotation(rot);
    return true;
}

}  // namespace

// MARK: - Robots

namespace {

/// Brings every link's cached world frame up to date with q after a step (see emb_robot::linkFramesStale).
void freshLinkFrames(const emb_robot* r) {
    if (!r->linkFramesStale) return;
    r->body->forwardKinematics(r->scratchRot, r->scratchVec);
    r->linkFramesStale = false;
}

btTransform linkComTransform(const emb_robot* r, int link) {
    // link: 0 = base, l + 1 = multibody link l
    freshLinkFrames(r);
    const btMultiBody* mb = r->body.get();
    return link == 0 ? mb->getBaseWorldTransform() : mb->getLink(link - 1).m_cachedWorldTransform;
}

bool validRobotDesc(const emb_robot_desc* d, char* err, int errSize) {
    if (!d || !d->links || d->link_count < 1) {
        writeError(err, errSize, "a robot needs at least one link");
        return false;
    }
    if (!finite(d->base_pose, 7)) { writeError(err, errSize, "the base pose is not finite"); return false; }
    for (int i = 0; i < d->link_count; ++i) {
        const emb_link_desc& l = d->links[i];
        if (i == 0 && l.parent != -1) { writeError(err, errSize, "link 0 must be the base (parent -1)"); return false; }
        if (i > 0 && (l.parent < 0 || l.parent >= i)) {
            writeError(err, errSize, "link %d has parent %d; parents must come before their children", i, l.parent);
            return false;
        }
        if (!finite(l.joint_pose, 7) || !finite(l.axis, 3) || !finite(l.inertial_pose, 7) || !finite(l.inertia, 6) ||
            !std::isfinite(l.mass) || !std::isfinite(l.damping) || !std::isfinite(l.friction)) {
            writeError(err, errSize, "link %d has a non-finite number", i);
            return false;
        }
        if (l.mass < 0) { writeError(err, errSize, "link %d has negative mass %g kg", i, l.mass); return false; }
        if (i > 0 && l.joint_type != EMB_JOINT_FIXED && l.joint_type != EMB_JOINT_REVOLUTE &&
            l.joint_type != EMB_JOINT_PRISMATIC) {
            writeError(err, errSize, "link %d has unknown joint type %d", i, l.joint_type);
            return false;
        }
        if (i > 0 && l.joint_type != EMB_JOINT_FIXED && get3(l.axis).length2() < 1e-12) {
            writeError(err, errSize, "link %d has a zero joint axis", i);
            return false;
        }
        if (l.has_position_limits && !(l.lower <= l.upper)) {
            writeError(err, errSize, "link %d has lower limit %g above upper limit %g", i, l.lower, l.upper);
            return false;
        }
        if (l.max_effort < 0 || l.damping < 0 || l.friction < 0) {
            writeError(err, errSize, "link %d has a negative effort limit, damping or friction", i);
            return false;
        }
    }
    if (!d->fixed_base && d->links[0].mass <= 0) {
        writeError(err, errSize, "a floating base needs positive mass");
        return false;
    }
    // A movable joint must carry some mass, or articulated-body inertia is singular.
    std::vector<double> subtree(d->link_count, 0.0);
    for (int i = d->link_count - 1; i >= 0; --i) {
        subtree[i] += d->links[i].mass;
        if (i > 0) subtree[d->links[i].parent] += subtree[i];
    }
    for (int i = 1; i < d->link_count; ++i)
        if (d->links[i].joint_type != EMB_JOINT_FIXED && subtree[i] <= 0) {
            writeError(err, errSize, "link %d is on a movable joint but it and its children have no mass", i);
            return false;
        }
    return true;
}

/// The collider whose island is a multibody's: its first moving link collider (the base's, unless the base is
/// fixed), or null when it has none. Bullet unites every moving collider of one multibody into one island.
const btMultiBodyLinkCollider* firstMovingCollider(const btMultiBody* mb) {
    if (!mb) return nullptr;
    const btMultiBodyLinkCollider* base = mb->getBaseCollider();
    if (base && !base->isStaticOrKinematicObject()) return base;
    for (int l = 0; l < mb->getNumLinks(); ++l) {
        const btMultiBodyLinkCollider* c = mb->getLink(l).m_collider;
        if (c && !c->isStaticOrKinematicObject()) return c;
    }
    return nullptr;
}

/// A joint constraint (limit, friction motor, mimic gear) solved in its robot's island. Bullet takes a
/// constraint's island from its links' own colliders, and with islands split (as in PyBullet) a constraint
/// whose links have none (a gripper's inner finger, a link with only a visual) was never solved: its limit,
/// friction or coupling silently did nothing. All of one robot's moving colliders share one island, so for a
/// link that has a collider this is the island Bullet would have used.
///
/// Bullet asks for a constraint's islands several times per step (to unite them, then in the comparisons of its
/// sort by island), and scanning the links on every call cost about 2,000 instructions per step on arm7. The
/// collider is found once, on the first call: a robot's colliders and their static/kinematic flags are set in
/// emb_robot_create before any constraint is added and never change afterwards, so the first moving collider is
/// always the same one, and its island tag (read on every call, as it changes from step to step) is the value
/// the scan returns.
template <class Constraint>
class RobotIslandConstraint final : public Constraint {
public:
    using Constraint::Constraint;
    int getIslandIdA() const override { return island(this->m_bodyA, colliderA, resolvedA); }
    int getIslandIdB() const override { return island(this->m_bodyB, colliderB, resolvedB); }

private:
    mutable const btMultiBodyLinkCollider* colliderA = nullptr;
    mutable const btMultiBodyLinkCollider* colliderB = nullptr;
    mutable bool resolvedA = false, resolvedB = false;

    static int island(const btMultiBody* mb, const btMultiBodyLinkCollider*& collider, bool& resolved) {
        if (!resolved) {
            collider = firstMovingCollider(mb);
            resolved = true;
        }
        return collider ? collider->getIslandTag() : -1;
    }
};

}  // namespace

extern "C" emb_robot* emb_robot_create(emb_world* w, const emb_robot_desc* d, char* err, int errSize) {
    if (!w) { writeError(err, errSize, "world is null"); return nullptr; }
    if (!validRobotDesc(d, err, errSize)) return nullptr;
    try {
        auto r = std::make_unique<emb_robot>();
        r->world = w;
        const int n = d->link_count;
        r->inertialFrame.resize(n);
        std::vector<btVector3> diag(n);
        for (int i = 0; i < n; ++i) {
            const emb_link_desc& l = d->links[i];
            btQuaternion principal;
            if (!principalInertia(l.inertia, diag[i], principal)) {
                writeError(err, errSize, "link %d has an inertia tensor that is not positive semi-definite", i);
                return nullptr;
            }
            btTransform inertial = poseToTransform(l.inertial_pose);
            r->inertialFrame[i] = inertial * btTransform(principal);
        }
        r->body = std::make_unique<btMultiBody>(n - 1, d->links[0].mass, diag[0], d->fixed_base != 0, false);
        btMultiBody* mb = r->body.get();
        mb->setBaseWorldTransform(poseToTransform(d->base_pose) * r->inertialFrame[0]);
        for (int i = 1; i < n; ++i) {
            const emb_link_desc& l = d->links[i];
            // Frames: P = parent COM frame, J = joint frame, C = this COM frame (all at q = 0).
            btTransform parentToJoint = r->inertialFrame[l.parent].inverse() * poseToTransform(l.joint_pose);
            btTransform comToLink = r->inertialFrame[i].inverse();
            btQuaternion parentRotToThis = comToLink.getRotation() * parentToJoint.getRotation().inverse();
            btVector3 axis = quatRotate(comToLink.getRotation(), get3(l.axis).normalized());
            int link = i - 1, parent = l.parent - 1;
            switch (l.joint_type) {
            case EMB_JOINT_REVOLUTE:
                mb->setupRevolute(link, l.mass, diag[i], parent, parentRotToThis, axis, parentToJoint.getOrigin(),
                                  -comToLink.getOrigin(), true);
                break;
            case EMB_JOINT_PRISMATIC:
                mb->setupPrismatic(link, l.mass, diag[i], parent, parentRotToThis, axis, parentToJoint.getOrigin(),
                                   -comToLink.getOrigin(), true);
                break;
            default:
                mb->setupFixed(link, l.mass, diag[i], parent, parentRotToThis, parentToJoint.getOrigin(),
                               -comToLink.getOrigin(), true);
                break;
            }
            if (l.joint_type != EMB_JOINT_FIXED) {
                r->dofLink.push_back(link);
                r->heldTorque.push_back(0);
                r->maxEffort.push_back(l.max_effort);
                r->damping.push_back(l.damping);
            }
        }
        mb->finalizeMultiDof();
        mb->setCanSleep(false);
        mb->setHasSelfCollision(d->self_collision != 0);
        mb->setLinearDamping(d->linear_damping);
        mb->setAngularDamping(d->angular_damping);
        mb->setUseGyroTerm(true);
        mb->useRK4Integration(w->integrator == EMB_INTEGRATOR_RK4);
        r->scratchRot.resize(n);
        r->scratchVec.resize(n);
        r->scratchOmega.resize(n);
        r->scratchVel.resize(n);
        r->externalForce.assign(n, btVector3(0, 0, 0));
        r->id = w->nextId++;
        w->dynamics->addMultiBody(mb);
        w->reservedDofs = std::max(w->reservedDofs, mb->getNumDofs());
        w->reservedLinks = std::max(w->reservedLinks, n);
        w->reservedBodies += n;
        w->solver->reserve(kReservedRows, w->reservedDofs, w->reservedLinks, w->reservedBodies + 64);
        if (w->constraintSpace) w->constraintSpace->reserve(w->reservedDofs, w->reservedLinks);

        // Colliders, the base first; group and mask follow PyBullet's choices for fixed and free bases.
        r->colliders.resize(n);
        for (int i = 0; i < n; ++i) {
            const emb_link_desc& l = d->links[i];
            btCollisionShape* shape =
                makeFrameShape(l.shapes, l.shape_count, r->inertialFrame[i].inverse(), r->shapes, err, errSize);
            if (l.shape_count > 0 && !shape) {
                char inner[256];
                std::snprintf(inner, sizeof inner, "%s", err ? err : "");
                writeError(err, errSize, "link %d: %s", i, inner);
                emb_robot_destroy(r.release());
                return nullptr;
            }
            if (!shape) continue;
            auto col = std::make_unique<btMultiBodyLinkCollider>(mb, i - 1);
            col->setCollisionShape(shape);
            col->setUserIndex(r->id);
            col->setUserIndex2(i - 1);
            col->setFriction(d->friction);
            col->setRestitution(d->restitution);
            col->setRollingFriction(d->rolling_friction);
            col->setActivationState(DISABLE_DEACTIVATION);
            bool isStatic = d->fixed_base && i == 0;
            int group = isStatic ? int(btBroadphaseProxy::StaticFilter) : int(btBroadphaseProxy::DefaultFilter);
            int mask = isStatic ? int(btBroadphaseProxy::AllFilter ^ btBroadphaseProxy::StaticFilter)
                                : int(btBroadphaseProxy::AllFilter);
            if (i == 0) mb->setBaseCollider(col.get());
            else mb->getLink(i - 1).m_collider = col.get();
            w->dynamics->addCollisionObject(col.get(), group, mask);
            r->colliders[i] = std::move(col);
        }
        w->robots.push_back(r.get());  // from here emb_robot_destroy can undo everything
        w->queryBoxes.reserve(w->collisionObjectCount());

        // Limits and Coulomb friction, in link order.
        for (int i = 1; i < n; ++i) {
            const emb_link_desc& l = d->links[i];
            if (l.joint_type == EMB_JOINT_FIXED) continue;
            if (l.has_position_limits) {
                auto c = std::make_unique<RobotIslandConstraint<btMultiBodyJointLimitConstraint>>(mb, i - 1, l.lower, l.upper);
                // Bullet sizes a limit's storage (its rows' impulses) when it first builds its rows; the
                // constraint-space solver writes the impulses without building Bullet's rows.
                if (w->constraintSpace) c->finalizeMultiDof();
                w->dynamics->addMultiBodyConstraint(c.get());
                r->constraints.push_back(std::move(c));
            }
            if (l.friction > 0) {
                auto m = std::make_unique<RobotIslandConstraint<btMultiBodyJointMotor>>(mb, i - 1, 0.0, 0.0);
                m->setVelocityTarget(0, 1.0);
                w->dynamics->addMultiBodyConstraint(m.get());
                r->frictionMotors.push_back(m.get());
                r->frictionTorque.push_back(l.friction);
                r->constraints.push_back(std::move(m));
            }
        }
        updateRobotKinematics(r.get());
        return r.release();
    } catch (const std::exception& e) {
        writeError(err, errSize, "could not create the robot: %s", e.what());
    } catch (...) {
        writeError(err, errSize, "could not create the robot: unknown C++ exception");
    }
    return nullptr;
}

extern "C" void emb_robot_destroy(emb_robot* r) {
    if (!r) return;
    emb_world* w = r->world;
    for (auto& c : r->constraints) w->dynamics->removeMultiBodyConstraint(c.get());
    for (auto& c : r->colliders)
        if (c) w->dynamics->removeCollisionObject(c.get());
    if (r->body) w->dynamics->removeMultiBody(r->body.get());
    w->robots.erase(std::remove(w->robots.begin(), w->robots.end(), r), w->robots.end());
    delete r;
}

extern "C" int emb_robot_id(const emb_robot* r) { return r ? r->id : -1; }
extern "C" int emb_robot_dof(const emb_robot* r) { return r ? int(r->dofLink.size()) : 0; }
extern "C" int emb_robot_link_count(const emb_robot* r) { return r ? r->body->getNumLinks() + 1 : 0; }

extern "C" emb_status emb_robot_get_q(const emb_robot* r, double* q, int cap) {
    if (!r || !q) return EMB_ERR_ARGUMENT;
    if (cap < int(r->dofLink.size())) return EMB_ERR_CAPACITY;
    for (size_t i = 0; i < r->dofLink.size(); ++i) q[i] = r->body->getJointPos(r->dofLink[i]);
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_qd(const emb_robot* r, double* qd, int cap) {
    if (!r || !qd) return EMB_ERR_ARGUMENT;
    if (cap < int(r->dofLink.size())) return EMB_ERR_CAPACITY;
    for (size_t i = 0; i < r->dofLink.size(); ++i) qd[i] = r->body->getJointVel(r->dofLink[i]);
    return EMB_OK;
}

extern "C" emb_status emb_robot_set_q(emb_robot* r, const double* q, int count) {
    if (!r || !q || count != int(r->dofLink.size()) || !finite(q, count)) return EMB_ERR_ARGUMENT;
    for (int i = 0; i < count; ++i) r->body->setJointPos(r->dofLink[i], q[i]);
    updateRobotKinematics(r);
    return EMB_OK;
}

extern "C" emb_status emb_robot_set_qd(emb_robot* r, const double* qd, int count) {
    if (!r || !qd || count != int(r->dofLink.size()) || !finite(qd, count)) return EMB_ERR_ARGUMENT;
    for (int i = 0; i < count; ++i) r->body->setJointVel(r->dofLink[i], qd[i]);
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_base_pose(const emb_robot* r, double pose[7]) {
    if (!r || !pose) return EMB_ERR_ARGUMENT;
    transformToPose(r->body->getBaseWorldTransform() * r->inertialFrame[0].inverse(), pose);
    return EMB_OK;
}

extern "C" emb_status emb_robot_set_base_pose(emb_robot* r, const double pose[7]) {
    if (!r || !pose || !finite(pose, 7)) return EMB_ERR_ARGUMENT;
    r->body->setBaseWorldTransform(poseToTransform(pose) * r->inertialFrame[0]);
    updateRobotKinematics(r);
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_base_twist(const emb_robot* r, double twist[6]) {
    if (!r || !twist) return EMB_ERR_ARGUMENT;
    const btMultiBody* mb = r->body.get();
    btTransform com = mb->getBaseWorldTransform();
    btVector3 origin = (com * r->inertialFrame[0].inverse()).getOrigin();
    btVector3 omega = mb->getBaseOmega();
    put3(twist, mb->getBaseVel() + omega.cross(origin - com.getOrigin()));
    put3(twist + 3, omega);
    return EMB_OK;
}

extern "C" emb_status emb_robot_set_base_twist(emb_robot* r, const double twist[6]) {
    if (!r || !twist || !finite(twist, 6)) return EMB_ERR_ARGUMENT;
    btMultiBody* mb = r->body.get();
    btTransform com = mb->getBaseWorldTransform();
    btVector3 origin = (com * r->inertialFrame[0].inverse()).getOrigin();
    btVector3 omega = get3(twist + 3);
    mb->setBaseOmega(omega);
    mb->setBaseVel(get3(twist) + omega.cross(com.getOrigin() - origin));
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_link_poses(const emb_robot* r, double* poses, int cap) {
    if (!r || !poses) return EMB_ERR_ARGUMENT;
    int n = r->body->getNumLinks() + 1;
    if (cap < 7 * n) return EMB_ERR_CAPACITY;
    for (int i = 0; i < n; ++i)
        transformToPose(linkComTransform(r, i) * r->inertialFrame[i].inverse(), poses + 7 * i);
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_link_twists(emb_robot* r, double* twists, int cap) {
    if (!r || !twists) return EMB_ERR_ARGUMENT;
    btMultiBody* mb = r->body.get();
    int n = mb->getNumLinks() + 1;
    if (cap < 6 * n) return EMB_ERR_CAPACITY;
    // compTreeLinkVelocities gives each COM's angular and linear velocity in that link's COM frame; it reads the
    // cached parent-to-link rotations that forwardKinematics writes.
    freshLinkFrames(r);
    mb->compTreeLinkVelocities(&r->scratchOmega[0], &r->scratchVel[0]);
    for (int i = 0; i < n; ++i) {
        btTransform com = linkComTransform(r, i);
        btVector3 omega = com.getBasis() * r->scratchOmega[i];
        btVector3 vcom = com.getBasis() * r->scratchVel[i];
        btVector3 origin = (com * r->inertialFrame[i].inverse()).getOrigin();
        put3(twists + 6 * i, vcom + omega.cross(origin - com.getOrigin()));
        put3(twists + 6 * i + 3, omega);
    }
    return EMB_OK;
}

extern "C" emb_status emb_robot_set_torques(emb_robot* r, const double* tau, int count) {
    if (!r || !tau || count != int(r->dofLink.size()) || !finite(tau, count)) return EMB_ERR_ARGUMENT;
    for (int i = 0; i < count; ++i)
        r->heldTorque[i] = std::max(-r->maxEffort[i], std::min(r->maxEffort[i], tau[i]));
    return EMB_OK;
}

extern "C" emb_status emb_robot_get_applied_torques(const emb_robot* r, double* tau, int cap) {
    if (!r || !tau) return EMB_ERR_ARGUMENT;
    if (cap < int(r->heldTorque.size())) return EMB_ERR_CAPACITY;
    std::copy(r->heldTorque.begin(), r->heldTorque.end(), tau);
    return EMB_OK;
}

extern "C" emb_status emb_robot_add_mimic(emb_robot* r, int follower, int leader, double multiplier, double offset,
                                          char* err, int errSize) {
    if (!r) { writeError(err, errSize, "robot is null"); return EMB_ERR_ARGUMENT; }
    const int n = int(r->dofLink.size());
    if (follower < 0 || follower >= n || leader < 0 || leader >= n || follower == leader) {
        writeError(err, errSize, "a mimic needs two different coordinates in 0..<%d (got %d following %d)", n, follower, leader);
        return EMB_ERR_ARGUMENT;
    }
    if (!std::isfinite(multiplier) || !std::isfinite(offset)) {
        writeError(err, errSize, "coordinate %d's mimic multiplier and offset must be finite", follower);
        return EMB_ERR_ARGUMENT;
    }
    if (r->mimicOf.empty()) r->mimicOf.assign(n, -1);
    if (r->mimicOf[follower] >= 0) {
        writeError(err, errSize, "coordinate %d already follows coordinate %d", follower, r->mimicOf[follower]);
        return EMB_ERR_ARGUMENT;
    }
    try {
        // The gear row holds q̇_A + ratio · q̇_B = 0 and corrects q_A + ratio · q_B toward the target: with A the
        // follower, ratio = −multiplier and target = offset, that is q_f − multiplier · q_l = offset.
        btMultiBody* mb = r->body.get();
        auto c = std::make_unique<RobotIslandConstraint<btMultiBodyGearConstraint>>(
            mb, r->dofLink[follower], mb, r->dofLink[leader], btVector3(0, 0, 0), btVector3(0, 0, 0),
            btMatrix3x3::getIdentity(), btMatrix3x3::getIdentity());
        c->setGearRatio(-multiplier);
        c->setRelativePositionTarget(offset);
        c->setErp(1);  // the drift is then corrected at the solver's own rate, m_erp of it per step
        c->setMaxAppliedImpulse(SIMD_INFINITY);
        r->world->dynamics->addMultiBodyConstraint(c.get());
        r->constraints.push_back(std::move(c));
        r->mimicOf[follower] = leader;
    } catch (const std::exception& e) {
        writeError(err, errSize, "could not add the mimic constraint: %s", e.what());
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_robot_apply_link_force(emb_robot* r, int link, const double force[3]) {
    if (!r || !force || !finite(force, 3) || link < -1 || link >= r->body->getNumLinks()) return EMB_ERR_ARGUMENT;
    r->externalForce[link + 1] = get3(force);
    return EMB_OK;
}

// MARK: - Rigid bodies

extern "C" emb_body* emb_body_create(emb_world* w, const emb_body_desc* d, char* err, int errSize) {
    if (!w) { writeError(err, errSize, "world is null"); return nullptr; }
    if (!d || !d->shapes || d->shape_count < 1) { writeError(err, errSize, "a body needs at least one shape"); return nullptr; }
    if (!std::isfinite(d->mass) || d->mass < 0) { writeError(err, errSize, "mass must be finite and >= 0, got %g", d->mass); return nullptr; }
    if (!finite(d->pose, 7)) { writeError(err, errSize, "the body pose is not finite"); return nullptr; }
    try {
        auto b = std::make_unique<emb_body>();
        b->world = w;
        btCollisionShape* shape = makeFrameShape(d->shapes, d->shape_count, btTransform::getIdentity(), b->shapes, err, errSize);
        if (!shape) return nullptr;
        btVector3 inertia(0, 0, 0);
        if (d->mass > 0) shape->calculateLocalInertia(d->mass, inertia);
        btRigidBody::btRigidBodyConstructionInfo info(d->mass, nullptr, shape, inertia);
        info.m_startWorldTransform = poseToTransform(d->pose);
        info.m_friction = d->friction;
        info.m_restitution = d->restitution;
        info.m_rollingFriction = d->rolling_friction;
        info.m_linearDamping = d->linear_damping;
        info.m_angularDamping = d->angular_damping;
        b->body = std::make_unique<btRigidBody>(info);
        b->body->setActivationState(DISABLE_DEACTIVATION);
        b->id = w->nextId++;
        w->reservedBodies += 1;
        w->solver->reserve(kReservedRows, w->reservedDofs, w->reservedLinks, w->reservedBodies + 64);
        if (w->constraintSpace) w->constraintSpace->reserve(w->reservedDofs, w->reservedLinks);
        b->body->setUserIndex(b->id);
        b->body->setUserIndex2(-1);
        w->dynamics->addRigidBody(b->body.get());
        w->bodies.push_back(b.get());
        w->queryBoxes.reserve(w->collisionObjectCount());
        return b.release();
    } catch (const std::exception& e) {
        writeError(err, errSize, "could not create the body: %s", e.what());
    } catch (...) {
        writeError(err, errSize, "could not create the body: unknown C++ exception");
    }
    return nullptr;
}

extern "C" void emb_body_destroy(emb_body* b) {
    if (!b) return;
    emb_world* w = b->world;
    w->dynamics->removeRigidBody(b->body.get());
    w->bodies.erase(std::remove(w->bodies.begin(), w->bodies.end(), b), w->bodies.end());
    delete b;
}

extern "C" int emb_body_id(const emb_body* b) { return b ? b->id : -1; }

extern "C" emb_status emb_body_get_pose(const emb_body* b, double pose[7]) {
    if (!b || !pose) return EMB_ERR_ARGUMENT;
    transformToPose(b->body->getWorldTransform(), pose);
    return EMB_OK;
}

extern "C" emb_status emb_body_set_pose(emb_body* b, const double pose[7]) {
    if (!b || !pose || !finite(pose, 7)) return EMB_ERR_ARGUMENT;
    btTransform t = poseToTransform(pose);
    b->body->setWorldTransform(t);
    b->body->setInterpolationWorldTransform(t);
    return EMB_OK;
}

extern "C" emb_status emb_body_get_twist(const emb_body* b, double twist[6]) {
    if (!b || !twist) return EMB_ERR_ARGUMENT;
    put3(twist, b->body->getLinearVelocity());
    put3(twist + 3, b->body->getAngularVelocity());
    return EMB_OK;
}

extern "C" emb_status emb_body_set_twist(emb_body* b, const double twist[6]) {
    if (!b || !twist || !finite(twist, 6)) return EMB_ERR_ARGUMENT;
    b->body->setLinearVelocity(get3(twist));
    b->body->setAngularVelocity(get3(twist + 3));
    b->body->setInterpolationLinearVelocity(get3(twist));
    b->body->setInterpolationAngularVelocity(get3(twist + 3));
    return EMB_OK;
}

extern "C" emb_status emb_body_apply_force(emb_body* b, const double force[3], const double point[3]) {
    if (!b || !force || !point || !finite(force, 3) || !finite(point, 3)) return EMB_ERR_ARGUMENT;
    b->externalForce = get3(force);
    b->externalPoint = get3(point);
    return EMB_OK;
}

// MARK: - Save and restore

extern "C" emb_snapshot* emb_snapshot_create(void) { return new (std::nothrow) emb_snapshot(); }

extern "C" void emb_snapshot_destroy(emb_snapshot* s) { delete s; }

extern "C" emb_status emb_world_save(const emb_world* w, emb_snapshot* s) {
    if (!w || !s) return EMB_ERR_ARGUMENT;
    try {
        s->world = w;
        s->steps = w->steps;
        s->robots.resize(w->robots.size());
        for (size_t i = 0; i < w->robots.size(); ++i) {
            const emb_robot* r = w->robots[i];
            const btMultiBody* mb = r->body.get();
            auto& st = s->robots[i];
            st.q.resize(r->dofLink.size());
            st.qd.resize(r->dofLink.size());
            for (size_t k = 0; k < r->dofLink.size(); ++k) {
                st.q[k] = mb->getJointPos(r->dofLink[k]);
                st.qd[k] = mb->getJointVel(r->dofLink[k]);
            }
            st.torque = r->heldTorque;
            st.baseForce.resize(3 * r->externalForce.size());
            for (size_t k = 0; k < r->externalForce.size(); ++k) put3(&st.baseForce[3 * k], r->externalForce[k]);
            st.basePos = mb->getBasePos();
            st.worldToBase = mb->getWorldToBaseRot();
            st.baseVel = mb->getBaseVel();
            st.baseOmega = mb->getBaseOmega();
        }
        s->bodies.resize(w->bodies.size());
        for (size_t i = 0; i < w->bodies.size(); ++i) {
            const btRigidBody* b = w->bodies[i]->body.get();
            s->bodies[i] = {b->getWorldTransform(), b->getLinearVelocity(), b->getAngularVelocity()};
        }
        const btDispatcher* d = w->dispatcher.get();
        int nm = d->getNumManifolds();
        s->manifolds.resize(nm);
        for (int m = 0; m < nm; ++m) {
            const btPersistentManifold* man = const_cast<btDispatcher*>(d)->getManifoldByIndexInternal(m);
            auto& ms = s->manifolds[m];
            ms.key = keyOf(man);
            ms.count = man->getNumContacts();
            for (int p = 0; p < ms.count; ++p) ms.points[p] = man->getContactPoint(p);
        }
    } catch (...) {
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

extern "C" emb_status emb_world_restore(emb_world* w, const emb_snapshot* s, char* err, int errSize) {
    if (!w || !s) { writeError(err, errSize, "world or snapshot is null"); return EMB_ERR_ARGUMENT; }
    if (s->world != w || s->robots.size() != w->robots.size() || s->bodies.size() != w->bodies.size()) {
        writeError(err, errSize, "the snapshot was saved from a different world (or none)");
        return EMB_ERR_ARGUMENT;
    }
    try {
        for (size_t i = 0; i < w->robots.size(); ++i) {
            emb_robot* r = w->robots[i];
            btMultiBody* mb = r->body.get();
            const auto& st = s->robots[i];
            if (st.q.size() != r->dofLink.size()) {
                writeError(err, errSize, "robot %zu changed since the snapshot was saved", i);
                return EMB_ERR_ARGUMENT;
            }
            for (size_t k = 0; k < r->dofLink.size(); ++k) {
                mb->setJointPos(r->dofLink[k], st.q[k]);
                mb->setJointVel(r->dofLink[k], st.qd[k]);
            }
            r->heldTorque = st.torque;
            for (size_t k = 0; k < r->externalForce.size(); ++k) r->externalForce[k] = get3(&st.baseForce[3 * k]);
            mb->setBasePos(st.basePos);
            mb->setWorldToBaseRot(st.worldToBase);
            mb->setBaseVel(st.baseVel);
            mb->setBaseOmega(st.baseOmega);
            mb->clearForcesAndTorques();
            updateRobotKinematics(r);
        }
        for (size_t i = 0; i < w->bodies.size(); ++i) {
            btRigidBody* b = w->bodies[i]->body.get();
            const auto& st = s->bodies[i];
            b->setWorldTransform(st.transform);
            b->setInterpolationWorldTransform(st.transform);
            b->setLinearVelocity(st.linear);
            b->setAngularVelocity(st.angular);
            b->setInterpolationLinearVelocity(st.linear);
            b->setInterpolationAngularVelocity(st.angular);
            b->clearForces();
        }
        // Forget every pair's collision algorithm, manifold and contacts (the broadphase pairs themselves stay:
        // an object whose box lies inside its grown leaf is not paired again), detect afresh at the restored poses
        // (which creates the manifolds in canonical order), then put back the saved contact points, which carry the
        // impulses that warm-start the solver. Manifolds the snapshot does not have start empty, as
        // they would in the uninterrupted run.
        btCollisionObjectArray& objects = w->dynamics->getCollisionObjectArray();
        btOverlappingPairCache* pairs = w->broadphase->getOverlappingPairCache();
        for (int i = 0; i < objects.size(); ++i)
            if (objects[i]->getBroadphaseHandle())
                pairs->cleanProxyFromPairs(objects[i]->getBroadphaseHandle(), w->dispatcher.get());
        w->dynamics->performDiscreteCollisionDetection();
        btDispatcher* d = w->dispatcher.get();
        for (int m = 0; m < d->getNumManifolds(); ++m) {
            btPersistentManifold* man = d->getManifoldByIndexInternal(m);
            ManifoldKey now = keyOf(man);  // parts come from the fresh points, as at save time
            man->clearManifold();
            for (const auto& ms : s->manifolds) {
                if (ms.count == 0 || !(ms.key == now)) continue;
                for (int p = 0; p < ms.count; ++p) man->addManifoldPoint(ms.points[p]);
                break;
            }
        }
        static_cast<CanonicalDispatcher*>(w->dispatcher.get())->sortManifolds();
        w->steps = s->steps;
    } catch (const std::exception& e) {
        writeError(err, errSize, "restore failed: %s", e.what());
        return EMB_ERR_INTERNAL;
    } catch (...) {
        writeError(err, errSize, "restore failed: unknown C++ exception");
        return EMB_ERR_INTERNAL;
    }
    return EMB_OK;
}

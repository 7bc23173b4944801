// broadphase.cpp: Bullet's dynamic AABB tree with a per-world leaf margin (internal.hpp, GrownLeafBroadphase).

#include "internal.hpp"

namespace emb {

namespace {

/// Adds a pair to the cache for every two distinct leaves the tree traversal reports as overlapping, as
/// btDbvtBroadphase does for an updated leaf (the pair cache orders the two proxies by their unique ids).
struct PairAdder : btDbvt::ICollide {
    GrownLeafBroadphase* broadphase;
    explicit PairAdder(GrownLeafBroadphase* b) : broadphase(b) {}
    void Process(const btDbvtNode* a, const btDbvtNode* b) override {
        if (a == b) return;
        broadphase->m_paircache->addOverlappingPair(static_cast<btDbvtProxy*>(a->data),
                                                    static_cast<btDbvtProxy*>(b->data));
        ++broadphase->m_newpairs;
    }
};

/// The broadphase's stage lists are doubly linked through btDbvtProxy::links.
void unlink(btDbvtProxy* p, btDbvtProxy*& root) {
    if (p->links[0]) p->links[0]->links[1] = p->links[1];
    else root = p->links[1];
    if (p->links[1]) p->links[1]->links[0] = p->links[0];
}

void linkFirst(btDbvtProxy* p, btDbvtProxy*& root) {
    p->links[0] = nullptr;
    p->links[1] = root;
    if (root) root->links[0] = p;
    root = p;
}

}  // namespace

void GrownLeafBroadphase::setAabb(btBroadphaseProxy* absProxy, const btVector3& aabbMin, const btVector3& aabbMax,
                                  btDispatcher* dispatcher) {
    btDbvtProxy* proxy = static_cast<btDbvtProxy*>(absProxy);
    // A zero margin, a proxy still in the fixed set (Bullet moves it to the dynamic one), or deferred collision
    // (never set by Embody) are Bullet's own path.
    if (margin <= 0 || proxy->stage == STAGECOUNT || m_deferedcollide) {
        btDbvtBroadphase::setAabb(absProxy, aabbMin, aabbMax, dispatcher);
        return;
    }
    ++m_updates_call;
    ++boxUpdates;
    ATTRIBUTE_ALIGNED16(btDbvtVolume) box = btDbvtVolume::FromMM(aabbMin, aabbMax);
    // False, touching nothing, while the grown leaf still holds the box; else the leaf becomes the box grown by
    // the margin and moves in the tree.
    const bool moved = m_sets[DYNAMIC_SET].update(proxy->leaf, box, static_cast<btScalar>(margin));
    // As in Bullet: a proxy updated this step joins the current stage (one not updated for STAGECOUNT steps moves
    // to the fixed set in collide()).
    unlink(proxy, m_stageRoots[proxy->stage]);
    linkFirst(proxy, m_stageRoots[m_stageCurrent]);
    proxy->stage = m_stageCurrent;
    proxy->m_aabbMin = aabbMin;
    proxy->m_aabbMax = aabbMax;
    if (!moved) return;
    ++m_updates_done;
    ++leafMoves;
    m_needcleanup = true;
    PairAdder adder(this);
    m_sets[FIXED_SET].collideTTpersistentStack(m_sets[FIXED_SET].m_root, proxy->leaf, adder);
    m_sets[DYNAMIC_SET].collideTTpersistentStack(m_sets[DYNAMIC_SET].m_root, proxy->leaf, adder);
}

}  // namespace emb

// pool.cpp: the allocator Bullet uses inside Embody, so that a steady-state step never calls malloc.
//
// Bullet allocates small blocks mid-run when two objects first come close: a compound collision
// algorithm keeps an array of child algorithms per pair, and a compound-compound pair keeps a small
// hashed pair cache. Those blocks are freed again when the objects separate. Everything else Bullet
// needs is reserved at load (internal.hpp: ReservedPairCache, CanonicalDispatcher, PreallocatedSolver).
//
// Bullet routes every allocation of its own through btAlignedAlloc, whose raw allocation function can
// be replaced (btAlignedAllocSetCustom). Embody installs one that serves blocks of up to 2 KiB from
// size-class pools carved out of one arena reserved when the first world is created, and hands larger
// requests to malloc (those happen at load: shapes' vertex arrays, reserved solver arrays). A freed
// block goes back to its class's free list, so pairs forming and vanishing mid-run reuse blocks and
// never reach the system allocator. Pages of the arena are touched only as blocks are first used.
// Each class has its own lock, so the worlds of a batch (one per thread) can share the pools; the
// order in which blocks are handed out never affects results (Bullet orders nothing by address, and
// the dispatcher sorts its manifolds canonically).

#include "internal.hpp"

#include <LinearMath/btAlignedAllocator.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>

namespace {

/// Block sizes of the classes, bytes; a request goes to the first class it fits.
constexpr size_t kClassSizes[] = {32, 64, 128, 256, 512, 1024, 2048};
constexpr int kClassCount = int(sizeof kClassSizes / sizeof kClassSizes[0]);
/// Bytes reserved for each class (address space; pages are touched only when first used).
constexpr size_t kClassBytes = size_t(8) << 20;

struct FreeBlock { FreeBlock* next; };

/// One size class: blocks never handed out yet are taken from `bump`, returned blocks from `freeList`.
struct SizeClass {
    std::mutex lock;
    char* bump = nullptr;
    char* end = nullptr;
    FreeBlock* freeList = nullptr;
    long long inUse = 0;
    long long highWater = 0;
};

struct BlockPool {
    char* arena = nullptr;
    SizeClass classes[kClassCount];
    std::atomic<long long> fallbacks{0};
    std::atomic<long long> fallbacksSmall{0};
};

BlockPool* gPool = nullptr;
std::once_flag gPoolOnce;

int classOf(size_t size) {
    for (int c = 0; c < kClassCount; ++c)
        if (size <= kClassSizes[c]) return c;
    return -1;
}

void* poolAllocate(size_t size) {
    BlockPool* pool = gPool;
    int c = classOf(size);
    if (c >= 0) {
        SizeClass& k = pool->classes[c];
        std::lock_guard<std::mutex> guard(k.lock);
        void* block = nullptr;
        if (k.freeList) {
            block = k.freeList;
            k.freeList = k.freeList->next;
        } else if (k.bump + kClassSizes[c] <= k.end) {
            block = k.bump;
            k.bump += kClassSizes[c];
        }
        if (block) {
            if (++k.inUse > k.highWater) k.highWater = k.inUse;
            return block;
        }
        pool->fallbacksSmall.fetch_add(1, std::memory_order_relaxed);
    }
    pool->fallbacks.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size);
}

void poolFree(void* p) {
    if (!p) return;
    BlockPool* pool = gPool;
    char* cp = static_cast<char*>(p);
    if (cp >= pool->arena && cp < pool->arena + kClassCount * kClassBytes) {
        int c = int((cp - pool->arena) / kClassBytes);
        SizeClass& k = pool->classes[c];
        std::lock_guard<std::mutex> guard(k.lock);
        auto* block = static_cast<FreeBlock*>(p);
        block->next = k.freeList;
        k.freeList = block;
        --k.inUse;
        return;
    }
    std::free(p);  // a large block, or one Bullet allocated before the pool was installed
}

}  // namespace

namespace emb {

void installBlockPool() {
    std::call_once(gPoolOnce, [] {
        auto* pool = new BlockPool();
        // malloc of this size maps fresh pages; they stay untouched (and unbacked) until a block is used.
        pool->arena = static_cast<char*>(std::malloc(kClassCount * kClassBytes));
        if (!pool->arena) { delete pool; return; }  // Bullet keeps malloc; nothing else changes
        for (int c = 0; c < kClassCount; ++c) {
            pool->classes[c].bump = pool->arena + c * kClassBytes;
            pool->classes[c].end = pool->arena + (c + 1) * kClassBytes;
        }
        gPool = pool;
        btAlignedAllocSetCustom(poolAllocate, poolFree);
    });
}

}  // namespace emb

extern "C" void emb_block_pool_stats(emb_pool_stats* out) {
    if (!out) return;
    *out = emb_pool_stats{};
    BlockPool* pool = gPool;
    if (!pool) return;
    out->installed = 1;
    for (int c = 0; c < kClassCount; ++c) {
        SizeClass& k = pool->classes[c];
        std::lock_guard<std::mutex> guard(k.lock);
        out->blocks_in_use += k.inUse;
        out->bytes_high_water += k.highWater * (long long)kClassSizes[c];
    }
    out->malloc_fallbacks = pool->fallbacks.load(std::memory_order_relaxed);
    out->exhausted_fallbacks = pool->fallbacksSmall.load(std::memory_order_relaxed);
}

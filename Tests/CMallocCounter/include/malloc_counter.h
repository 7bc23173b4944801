// malloc_counter.h: counts heap allocations made by the calling thread, for zero-allocation tests.
//
// Why this exists: glibc has no allocation hooks any more, so the test executable interposes malloc,
// calloc, realloc, posix_memalign, aligned_alloc and memalign, forwarding to glibc and counting per
// thread. Only tests link it.
#ifndef EMBODY_MALLOC_COUNTER_H
#define EMBODY_MALLOC_COUNTER_H

/// The number of allocations the calling thread has made since it started.
long long emb_test_thread_allocations(void);

#endif

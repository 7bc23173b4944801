#define _GNU_SOURCE
#include "malloc_counter.h"

#include <stddef.h>

static __thread long long allocations;

long long emb_test_thread_allocations(void) { return allocations; }

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMB_UNDER_ASAN 1
#endif
#endif

#ifdef EMB_UNDER_ASAN
/* Under AddressSanitizer (scripts/sanitizers.sh) the sanitizer owns malloc and free: replacing them here
 * would hand ASan-allocated blocks to glibc's free. Count through the allocator's own hook instead, which
 * it calls for every allocation on the allocating thread. */
#include <sanitizer/allocator_interface.h>

static void count_allocation(const volatile void *pointer, size_t size) {
    (void)pointer;
    (void)size;
    allocations++;
}

static void ignore_free(const volatile void *pointer) { (void)pointer; }

__attribute__((constructor)) static void install_allocation_hook(void) {
    __sanitizer_install_malloc_and_free_hooks(count_allocation, ignore_free);
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

void *malloc(size_t size) { allocations++; return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { allocations++; return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { allocations++; return __libc_realloc(p, size); }
void free(void *p) { __libc_free(p); }
void *memalign(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { allocations++; return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    allocations++;
    void *p = __libc_memalign(alignment, size);
    if (!p) return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#endif

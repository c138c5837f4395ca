/*
 * alloc.c - memory for what cannot live on a stack: pools, workers, copies
 * of configuration strings (the heap), and deques (address space reserved
 * with mmap, since their slots never move and are used from the bottom up;
 * see deque.c).  The only file that calls jemalloc (mallocx/sdallocx,
 * sized deallocation, cache-line alignment).  Sanitizer builds compile it
 * without jemalloc (WEFT_USE_JEMALLOC unset) so that ASan and LSan see
 * every allocation.
 *
 * weft__test_fail_alloc() makes the k-th allocation from now fail, so that
 * tests can check that every failure path returns WEFT_ENOMEM and leaks
 * nothing (tests/test-faults.c).
 *
 * weft__alloc allocates zeroed and aligned to a cache line, so structures
 * with alignas(WEFT_CACHE_LINE) members can be allocated there;
 * weft__alloc_small neither zeroes nor aligns beyond malloc's, for the
 * small records allocated and freed at a high rate (a scope's jobs,
 * futures): the thread cache's fast path, which an aligned, zeroed
 * allocation misses.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "atomic.h"
#include "internal.h"

#ifdef WEFT_USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#ifndef WEFT_USE_JEMALLOC
static size_t round_up(size_t size)
{
    return (size + WEFT_CACHE_LINE - 1) & ~(size_t)(WEFT_CACHE_LINE - 1);
}
#endif

#ifdef WEFT_TEST_HOOKS
/* Test hook: the fail_countdown-th allocation from now fails (0: none). */
static long fail_countdown;

void weft__test_fail_alloc(long k)
{
    weft__atomic_store_seqcst(&fail_countdown, k);
}

static int injected_failure(void)
{
    if (WEFT__LIKELY(weft__atomic_load_relaxed(&fail_countdown) <= 0))
        return 0;
    return weft__atomic_fetch_sub_seqcst(&fail_countdown, 1) == 1;
}
#else
static int injected_failure(void) { return 0; }
#endif

void *weft__alloc(size_t size)
{
    if (injected_failure())
        return NULL;
    if (size == 0)
        size = 1;
#ifdef WEFT_USE_JEMALLOC
    return mallocx(size, MALLOCX_ALIGN(WEFT_CACHE_LINE) | MALLOCX_ZERO);
#else
    void *p = aligned_alloc(WEFT_CACHE_LINE, round_up(size));
    if (p)
        memset(p, 0, round_up(size));
    return p;
#endif
}

void weft__free(void *p, size_t size)
{
    if (!p)
        return;
#ifdef WEFT_USE_JEMALLOC
    sdallocx(p, size ? size : 1, MALLOCX_ALIGN(WEFT_CACHE_LINE));
#else
    (void)size;
    free(p);
#endif
}

void *weft__alloc_small(size_t size)
{
    if (injected_failure())
        return NULL;
#ifdef WEFT_USE_JEMALLOC
    return mallocx(size ? size : 1, 0);
#else
    return malloc(size ? size : 1);
#endif
}

void weft__free_small(void *p, size_t size)
{
    if (!p)
        return;
#ifdef WEFT_USE_JEMALLOC
    sdallocx(p, size ? size : 1, 0);
#else
    (void)size;
    free(p);
#endif
}

void *weft__vm_reserve(size_t size)
{
    if (injected_failure())
        return NULL;
    /* MAP_NORESERVE: the deque's slots take memory only once used, and
     * the reservation is not counted against the commit limit under the
     * default heuristic overcommit; under strict overcommit
     * (vm.overcommit_memory=2) it is counted in full all the same.  Fresh
     * anonymous pages read as zero. */
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* Small pages, so that a deque takes memory only as deep as it is used
     * even where transparent huge pages are always on (advice only). */
    madvise(p, size, MADV_NOHUGEPAGE);
    return p;
}

void weft__vm_release(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

char *weft__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = weft__alloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

void weft__strfree(char *s)
{
    if (s)
        weft__free(s, strlen(s) + 1);
}

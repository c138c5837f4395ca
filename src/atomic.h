/*
 * atomic.h - the only way weft code touches shared memory concurrently.
 *
 * Each wrapper's name carries its memory ordering, so a reader sees the
 * ordering at the call site; every acquire, release and fence names its
 * partner in a comment there.  They are thin layers over the GCC/Clang
 * __atomic builtins on plain integer and pointer fields (the public header
 * must compile as C++ too, so the fields themselves are not _Atomic).
 * ThreadSanitizer understands these builtins, including the fences.  The
 * names carry weft's private prefix: atomic_* belongs to <stdatomic.h>.
 * The one exception is include/weft/task.h, whose inline fast paths cannot
 * include this private header and call the builtins themselves.
 */
#ifndef WEFT_ATOMIC_H
#define WEFT_ATOMIC_H

#define weft__atomic_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define weft__atomic_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define weft__atomic_load_seqcst(p)  __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define weft__atomic_store_relaxed(p, v) \
    __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define weft__atomic_store_release(p, v) \
    __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define weft__atomic_store_seqcst(p, v) \
    __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define weft__atomic_exchange_acqrel(p, v) \
    __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define weft__atomic_exchange_seqcst(p, v) \
    __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define weft__atomic_fetch_add_relaxed(p, v) \
    __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define weft__atomic_fetch_add_seqcst(p, v) \
    __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define weft__atomic_fetch_sub_release(p, v) \
    __atomic_fetch_sub((p), (v), __ATOMIC_RELEASE)
#define weft__atomic_fetch_and_release(p, v) \
    __atomic_fetch_and((p), (v), __ATOMIC_RELEASE)
#define weft__atomic_fetch_sub_seqcst(p, v) \
    __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
/* Compare-and-swap: on failure *expected receives the current value. */
#define weft__atomic_cas_acqrel(p, expected, desired)          \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, \
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define weft__atomic_cas_seqcst(p, expected, desired)          \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, \
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define weft__atomic_fence_seqcst() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Owner-written counters read by other threads: a relaxed load and store,
 * no locked instruction (only the owner writes them). */
#define weft__counter_add(p, v) \
    weft__atomic_store_relaxed((p), weft__atomic_load_relaxed(p) + (v))

#endif /* WEFT_ATOMIC_H */

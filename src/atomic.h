/*
 * atomic.h - the only way weft code touches shared memory concurrently.
 *
 * Each wrapper's name carries its memory ordering, so a reader sees the
 * ordering at the call site; every acquire, release and fence names its
 * partner in a comment there.  They are thin layers over the GCC/Clang
 * __atomic builtins on plain integer and pointer fields (the public header
 * must compile as C++ too, so the fields themselves are not _Atomic).
 * ThreadSanitizer understands these builtins, including the fences.
 */
#ifndef WEFT_ATOMIC_H
#define WEFT_ATOMIC_H

#define atomic_load_relaxed(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_load_acquire(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_load_seqcst(p)      __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_store_seqcst(p, v)  __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_exchange_acqrel(p, v) \
    __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
#define atomic_exchange_seqcst(p, v) \
    __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_add_relaxed(p, v) \
    __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define atomic_fetch_add_seqcst(p, v) \
    __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_sub_release(p, v) \
    __atomic_fetch_sub((p), (v), __ATOMIC_RELEASE)
#define atomic_fetch_sub_seqcst(p, v) \
    __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
/* Compare-and-swap: on failure *expected receives the current value. */
#define atomic_cas_acqrel(p, expected, desired)                \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, \
                                __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define atomic_cas_seqcst(p, expected, desired)                \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, \
                                __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define atomic_fence_seqcst() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Owner-written counters read by other threads: a relaxed load and store,
 * no locked instruction (only the owner writes them). */
#define counter_add(p, v) \
    atomic_store_relaxed((p), atomic_load_relaxed(p) + (v))

#endif /* WEFT_ATOMIC_H */

/*
 * bench.h - the contract between the benchmark driver (driver/main.cc), the
 * runtime adapters (driver/rt-*.c) and the kernels (kernels/).
 *
 * One driver executable runs one runtime (serial, weft, OpenMP, oneTBB): an
 * OpenMP runtime that spins after its parallel region would steal cycles from
 * whatever ran next in the same process.  Every kernel variant has the same
 * signature: it enters its runtime with the handle the adapter opened for the
 * worker count, computes kernel(n) and returns the answer, which the driver
 * checks against bench_kernels[].expected.
 *
 * To add a kernel: make a directory kernels/<k>/ with common.c (expected
 * answers) and one <runtime>.c[c] per runtime, then list it in
 * kernels/registry.def.
 */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The leaves of the kernels (matmul's block product, mergesort's base sort
 * and serial merge, the loop's and the reduction's blocks, UTS's node
 * expansion: a child's SHA-1 state, a node's number of children) are defined
 * once, in the kernel's common.c, out of line and aligned to 64 bytes, and
 * every runtime calls that one function: the same machine code at the same
 * alignment, so that the runtimes differ only in their scheduling.  (Inlined
 * into each runtime's file, the copies' placement alone moved matmul by up to
 * 10% with the same instruction count.)  fib and nqueens have no leaf worth
 * a call: their per-node work is a few instructions.
 */
#define BENCH_LEAF __attribute__((noinline, aligned(64)))

/* Runs one kernel variant on rt (the adapter's handle) for size n. */
typedef long (*bench_variant_fn)(void *rt, int n);

struct bench_variant {
    const char *kernel;   /* "fib" */
    const char *variant;  /* "generic" */
    bench_variant_fn run;
};

struct bench_kernel {
    const char *name;
    int default_n;
    int quick_n;
    int warmup_n_delta;         /* untimed warm-up runs size n - delta
                                   (delta < 0: size n / -delta) */
    long (*expected)(int n);    /* the right answer, -1 when unknown */
    int max_n;
    /* Optional (NULL when the kernel does not define it): turns what a
     * variant returned into the answer, called by the driver outside the
     * timed region (matmul: the checksum of C; mergesort: sortedness and
     * sum/xor of the sorted array). */
    long (*verify)(int n, long ret);
};

/*
 * Extra per-run results (wake-up latencies, idle CPU): a kernel calls
 * bench_report("name", value) during its timed call; the driver exports
 * each name as a google-benchmark counter of that run (the last value
 * reported under a name wins; values from the warm-up are dropped).
 */
void bench_report(const char *name, double value);

struct bench_runtime {
    const char *name;           /* "weft", "omp", ... */
    /* Opens the runtime with `workers` workers, outside any timed region.
     * Returns the handle (non-NULL) or NULL with a message in err. */
    void *(*open)(int workers, char *err, unsigned long errlen);
    void (*close)(void *rt);
    /* Optional: cumulative steal count of rt, or -1. */
    double (*steals)(void *rt);
    /* 1: the runtime ignores the worker count (the serial baselines). */
    int single_threaded;
    const struct bench_variant *variants; /* ends with a NULL kernel */
};

/*
 * The kernels' large arrays come from here, anonymous mmap, in every
 * executable: malloc is glibc's in most of them but jemalloc's in weft's
 * (the library links it), and the two place large blocks differently
 * (alignment, huge pages, reuse).  Page-aligned; huge pages as the
 * system's transparent-huge-page setting gives them to any mapping that
 * did not ask (no madvise).  Never freed: the data lives as long as the
 * process.  Aborts when the memory is not there.
 */
static inline void *bench_big_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        abort();
    return p;
}

/* Defined by the one adapter linked into each executable. */
extern const struct bench_runtime bench_runtime;
extern const struct bench_kernel bench_kernels[]; /* ends with a NULL name */

/* Declarations of every kernel variant and expected-answer function. */
#define BENCH_KERNEL(name, default_n, quick_n, warmup, max_n) \
    long bench_##name##_expected(int n);                          \
    long bench_##name##_verify(int n, long ret) __attribute__((weak));
#define BENCH_VARIANT(runtime, kernel, variant) \
    long bench_##kernel##_##runtime##_##variant(void *rt, int n);
#include "../kernels/registry.def"
#undef BENCH_KERNEL
#undef BENCH_VARIANT

/*
 * The variant table of one runtime: an adapter defines BENCH_IF_serial,
 * BENCH_IF_weft, BENCH_IF_omp and BENCH_IF_tbb (its own one keeping its
 * argument, the others dropping it) and then writes
 *     #define BENCH_KERNEL(...)
 *     #define BENCH_VARIANT BENCH_VARIANT_TABLE_ENTRY
 *     static const struct bench_variant table[] = {
 *     #include "../kernels/registry.def"
 *         {0, 0, 0}};
 */
#define BENCH_VARIANT_TABLE_ENTRY(runtime, kernel, variant)                  \
    BENCH_IF_##runtime({#kernel, #variant,                                   \
                        bench_##kernel##_##runtime##_##variant},)

#ifdef __cplusplus
}
#endif

#endif

/*
 * numeric/omp.c - the data-parallel kernels with OpenMP (numeric.h): the
 * `parallel for` an OpenMP user writes, once with each schedule, static,
 * dynamic and guided (no chunk size: one block, or one row, at a time for
 * dynamic), over NUM_BLOCK-element blocks or rows; reductions with
 * reduction(+) or, for the histogram, a declared reduction.  scope: tasks
 * in a taskgroup, made by one thread.  gcc (libgomp) and clang (libomp).
 */
#include <string.h>

#include <omp.h>

#include "../../driver/bench.h"
#include "numeric.h"

#define PRAGMA(x) _Pragma(#x)

static long blocks(long n) { return (n + NUM_BLOCK - 1) / NUM_BLOCK; }
static long block_end(long b, long n) { return (b + 1) * NUM_BLOCK < n ? (b + 1) * NUM_BLOCK : n; }

static void hist_zero(struct hist *h) { memset(h, 0, sizeof *h); }
#pragma omp declare reduction(histadd:struct hist : hist_add(&omp_out, &omp_in)) \
    initializer(hist_zero(&omp_priv))

#define OMP_KERNELS(S)                                                        \
    long bench_map_omp_##S(void *rt, int n)                                   \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        long nb = blocks(n);                                                  \
        num_y(n);                                                             \
        PRAGMA(omp parallel for num_threads(w) schedule(S))                   \
        for (long b = 0; b < nb; b++)                                         \
            map_range(b * NUM_BLOCK, block_end(b, n));                        \
        return 0;                                                             \
    }                                                                         \
    long bench_sum_omp_##S(void *rt, int n)                                   \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        long nb = blocks(n);                                                  \
        double s = 0;                                                         \
        num_x(n);                                                             \
        PRAGMA(omp parallel for num_threads(w) schedule(S) reduction(+ : s))  \
        for (long b = 0; b < nb; b++)                                         \
            s += sum_range(b * NUM_BLOCK, block_end(b, n));                   \
        return (long)s;                                                       \
    }                                                                         \
    long bench_mandel_omp_##S(void *rt, int n)                                \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        long t = 0;                                                           \
        PRAGMA(omp parallel for num_threads(w) schedule(S) reduction(+ : t))  \
        for (long r = 0; r < n; r++)                                          \
            t += mandel_rows(n, r, r + 1);                                    \
        return t;                                                             \
    }                                                                         \
    long bench_jacobi_omp_##S(void *rt, int n)                                \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        struct jacobi_grid *g = jacobi_grid(n);                               \
        for (int s = 0; s < JACOBI_SWEEPS; s++) {                             \
            const double *src = s % 2 ? g->b : g->a;                          \
            double *dst = s % 2 ? g->a : g->b;                                \
            PRAGMA(omp parallel for num_threads(w) schedule(S))               \
            for (long i = 1; i < n - 1; i++)                                  \
                jacobi_rows(n, src, dst, i, i + 1);                           \
        }                                                                     \
        return 0;                                                             \
    }                                                                         \
    long bench_hist_omp_##S(void *rt, int n)                                  \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        long nb = blocks(n);                                                  \
        struct hist h;                                                        \
        hist_data(n);                                                         \
        hist_zero(&h);                                                        \
        PRAGMA(omp parallel for num_threads(w) schedule(S) reduction(histadd : h)) \
        for (long b = 0; b < nb; b++)                                         \
            hist_range(&h, b * NUM_BLOCK, block_end(b, n));                   \
        return hist_answer(&h);                                               \
    }                                                                         \
    long bench_loopcost_omp_##S(void *rt, int n)                              \
    {                                                                         \
        int w = *(const int *)rt;                                             \
        long done = 0;                                                        \
        for (int l = 0; l < n; l++) {                                         \
            PRAGMA(omp parallel for num_threads(w) schedule(S))               \
            for (long i = 0; i < LOOPCOST_ITERS; i++)                         \
                loopcost_iter(i);                                             \
            done += loopcost_collect();                                       \
        }                                                                     \
        return done;                                                          \
    }

OMP_KERNELS(static)
OMP_KERNELS(dynamic)
OMP_KERNELS(guided)

long bench_scope_omp_task(void *rt, int n)
{
    int w = *(const int *)rt;
    long *out = scope_out(n);
#pragma omp parallel num_threads(w)
#pragma omp single
#pragma omp taskgroup
    for (long i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
        out[i] = scope_work(i);
    }
    return 0;
}

/*
 * numeric.h - what the variants of the data-parallel kernels share (issue
 * 17's benchmarks): loops and reductions as numeric code writes them.
 *
 *   map(n)      y[i] = f(x[i]) over n doubles, f 16 steps of the logistic
 *               map: compute-bound (about 5 ns an element, 16 bytes moved)
 *   sum(n)      the sum of n doubles x[i] = i mod 1024: memory-bound;
 *               exact in any order, so every variant gives the same answer
 *   mandel(n)   the iteration counts of an n x n Mandelbrot image whose
 *               rows differ in cost by about 100x (the real axis, deep
 *               in the set, at the bottom; rows far outside at the top)
 *   jacobi(n)   20 sweeps of the 5-point Jacobi stencil on an n x n grid:
 *               20 loops over the rows, back to back; integer start values
 *               make every value a multiple of 4^-20 below 1024, exact in a
 *               double, so the answer is exact too
 *   hist(n)     a 256-bin histogram (2 KiB of counts) of n bytes, reduced
 *   loopcost(n) EPCC's loop entry/exit method: n loops of LOOPCOST_ITERS
 *               iterations of about 0.1 us each, issued back to back from
 *               the main thread; T - T_serial is the overhead of n loops.
 *               The verify hook then sleeps LOOPCOST_IDLE_MS and reports
 *               the CPU the process burnt meanwhile (after_loops_cpu_pct)
 *   scope(n)    n tiny jobs spawned one by one into one scope (weft_scope,
 *               tbb::task_group, omp tasks in a taskgroup) and waited for
 *
 * Every leaf (the range bodies below) is defined once, in common.c, out of
 * line (BENCH_LEAF), and every runtime calls it on its chunks: the serial
 * baseline calls it once on the whole range.  weft (weft_for, weft_reduce
 * with grain 0: weft chooses) and oneTBB (blocked_range of grain 1, the
 * auto_partitioner) hand the leaf the ranges they choose; OpenMP's loops
 * run over blocks (NUM_BLOCK elements; one row of mandel and jacobi), the
 * unit of its static, dynamic and guided schedules.
 *
 * The arrays are made once per process, at the largest size asked for,
 * before timing (the driver asks for the expected answer of the timed size
 * first); a smaller size (the warm-up) uses their first elements.
 */
#ifndef WEFT_BENCH_NUMERIC_H
#define WEFT_BENCH_NUMERIC_H

#include <stddef.h>
#include <stdint.h>

#define NUM_BLOCK 8192       /* OpenMP's unit over elements */
#define MANDEL_MAXITER 256
#define JACOBI_SWEEPS 20
#define HIST_BINS 256
#define LOOPCOST_ITERS 16    /* iterations of one tiny loop */
#define LOOPCOST_DELAY 128   /* dependent steps of one iteration, ~0.1 us */
#define LOOPCOST_IDLE_MS 100 /* the idle probe after the loops */

#ifdef __cplusplus
extern "C" {
#endif

/* map and sum: x (filled), y (zeroed; map only) of at least n doubles */
double *num_x(long n);
double *num_y(long n);
void map_range(long lo, long hi);       /* y[i] = f(x[i]) */
double sum_range(long lo, long hi);     /* the sum of x[lo..hi) */

/* mandel: row r of the n x n image; returns its iterations */
long mandel_rows(int n, long lo, long hi);

/* jacobi: two n x n grids; one sweep of rows [lo, hi) from src into dst
 * (rows 0 and n-1 and the edge columns are fixed) */
struct jacobi_grid {
    int n;
    double *a, *b;
};
struct jacobi_grid *jacobi_grid(int n);
void jacobi_rows(int n, const double *src, double *dst, long lo, long hi);

/* hist: the bytes, and the counts of [lo, hi) added into h */
struct hist {
    long bin[HIST_BINS];
};
const uint8_t *hist_data(long n);
void hist_range(struct hist *h, long lo, long hi);
void hist_add(struct hist *acc, const struct hist *rhs);
long hist_answer(const struct hist *h);

/* loopcost: iteration i of a loop stores its result in slot i (one cache
 * line each); the caller adds them up after each loop */
struct loopcost_slot {
    long v;
    char pad[56];
};
extern struct loopcost_slot loopcost_slot[LOOPCOST_ITERS];
void loopcost_iter(long i);
long loopcost_collect(void);

/* scope: job i stores scope_work(i) in slot i of scope_out(n) */
long *scope_out(long n);
long scope_work(long i);

#ifdef __cplusplus
}
#endif

#endif

/*
 * loop.h - what the loop and reduce variants share: issue 3's parallel loop
 * and reduction over 10^8 doubles.
 *
 *   loop(n):   y[i] = 3 x[i] + 1 for every i in [0, n)   (reads x, writes y)
 *   reduce(n): the sum of x[i] over [0, n)
 *
 * x[i] = i mod 1024, so every element, partial sum and total is an integer
 * below 2^53: exact in a double whatever the order of the additions, and
 * every variant must give exactly the same answer.
 *
 * The iteration space is cut into blocks of LOOP_GRAIN elements (the last
 * one shorter); a block is the leaf, a plain loop, the same in every variant
 * (reduce's leaf sums into four accumulators, which the compilers keep in
 * registers, so that the add latency does not bound it).  weft runs
 * weft_for / weft_reduce over the block range (grain 0: it chooses how many
 * blocks a chunk holds).  The recursive variants (serial plain, omp task,
 * tbb task_group) split the block range [lo, hi) at its middle until one
 * block is left, spawning the upper half and running the lower one, so that
 * one worker walks the arrays upwards like a loop and a thief takes the
 * largest untouched range.  The loop forms of the peers (omp for with
 * schedule(static), tbb parallel_for / parallel_reduce with a
 * simple_partitioner of grain 1 block) run the same blocks.
 *
 * The arrays are allocated (bench_big_alloc, the same in every executable)
 * and filled once per process and size, before timing, by the main thread
 * (loop/common.c); the loop's verify hook checks every y[i] and zeroes y
 * for the next run.
 */
#ifndef WEFT_BENCH_LOOP_H
#define WEFT_BENCH_LOOP_H

#define LOOP_GRAIN 8192

struct loop_data {
    long n;          /* elements */
    long blocks;     /* ceil(n / LOOP_GRAIN) */
    double *x, *y;
};

#ifdef __cplusplus
extern "C" {
#endif
/* The arrays of size n: x made and filled at first use, y (zeroed) too
 * when with_y (the loop; reduce reads x only). */
struct loop_data *bench_loop_data(int n, int with_y);
/* The leaves (loop/common.c, BENCH_LEAF): block b of the loop, y = 3 x + 1;
 * the sum of block b of x. */
void loop_leaf(const struct loop_data *d, long b);
double reduce_leaf(const struct loop_data *d, long b);
#ifdef __cplusplus
}
#endif

/* The end of block b: the next block's start, or n for the last one. */
static inline long loop_block_end(const struct loop_data *d, long b)
{
    long hi = (b + 1) * LOOP_GRAIN;
    return hi < d->n ? hi : d->n;
}

#endif

/*
 * matmul.h - what the matmul variants share.
 *
 * C += A * B for n x n matrices of doubles (row-major, leading dimension n),
 * divide and conquer: split C, A, B into quadrants and run the eight
 * quadrant products in two phases of four independent calls,
 *     phase 1: C00 += A00 B00, C01 += A00 B01, C10 += A10 B00, C11 += A10 B01
 *     phase 2: C00 += A01 B10, C01 += A01 B11, C10 += A11 B10, C11 += A11 B11
 * (in a phase the four calls write disjoint quadrants: the parallel variants
 * spawn three, run the fourth, join).  Blocks of MM_BASE x MM_BASE are a
 * plain i-k-j triple loop (the documented grain, the same in every variant;
 * three 32x32 blocks of doubles, 24 KiB, fit in L1).  n must be MM_BASE
 * times a power of two.
 *
 * The entries of A and B are small integers (-8..8), so every product and
 * partial sum is exact in a double and C does not depend on the order of
 * the additions.  The answer is a checksum of C, computed after the timed
 * call (the verify hook) and compared with the same checksum obtained from
 * A and B in O(n^2): sum_ij u_i C_ij v_j = (u^T A)(B v), for two weight
 * vectors.  The matrices are allocated and filled once per process and
 * size, before timing (matmul/common.c); verify zeroes C for the next run.
 */
#ifndef WEFT_BENCH_MATMUL_H
#define WEFT_BENCH_MATMUL_H

#define MM_BASE 32

struct mm_data {
    int n;
    double *a, *b, *c;
};

#ifdef __cplusplus
extern "C" {
#endif
/* The matrices of size n (created, filled and C zeroed at first use). */
struct mm_data *bench_mm_data(int n);
/* One MM_BASE x MM_BASE block: c += a b, leading dimension ld (a plain
 * i-k-j triple loop; matmul/common.c, BENCH_LEAF). */
void mm_base(double *__restrict c, const double *__restrict a,
             const double *__restrict b, int ld);
#ifdef __cplusplus
}
#endif

/* Quadrant q (0: 00, 1: 01, 2: 10, 3: 11) of the s x s block at x. */
#define MM_Q(x, q, h, ld) ((x) + ((q) >> 1) * (long)(h) * (ld) + ((q) & 1) * (h))

/* The argument of the generic-API task. */
struct mm_args {
    double *c;
    const double *a, *b;
    int s, ld;
};

#endif

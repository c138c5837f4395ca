/*
 * quadmm.h - what the quadmm variants share.
 *
 * C += A * B for n x n row-major doubles, the matrices, the leaf and the
 * checksum of matmul (matmul.h), with another task structure: one task a
 * quadrant of C, and the sequential phase inside the task.  A level of
 *     prod(C, A, B, s)
 * splits C into quadrants and runs four quadrant tasks, three spawned and
 * the fourth called, then joins them; the task of C_rc runs its quadrant's
 * two k-halves one after the other,
 *     quad(C_rc): prod(C_rc, A_r0, B_0c, s/2); prod(C_rc, A_r1, B_1c, s/2)
 * (the second updates what the first wrote, so they cannot run at once).
 * So each level still does the 8 quadrant products, 4 at a time, but a
 * task holds a whole chain of sequential sub-products and the only
 * barrier is one join a level, where matmul has two (one a phase).  A
 * spawned task's argument lives in its parent's frame.  32 x 32 leaves
 * (MM_BASE), n = MM_BASE times a power of two.
 */
#ifndef WEFT_BENCH_QUADMM_H
#define WEFT_BENCH_QUADMM_H

#include "../matmul/matmul.h"

/* The argument of a generic-API quadrant task: C_rc, the first k-half's
 * A_r0 and B_0c (the second's are a + s and b + s * ld), the quadrant's
 * size s. */
struct qm_args {
    double *c;
    const double *a, *b;
    int s, ld;
};

#endif

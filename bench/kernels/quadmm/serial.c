/*
 * quadmm/serial.c - the serial baselines of quadmm (quadmm.h): plain
 * recursion in the same order, and the serial elision of the generic-API
 * code.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "quadmm.h"

static void prod(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int q = 0; q < 4; q++) {
        double *cq = MM_Q(c, q, h, ld);
        const double *aq = MM_Q(a, (q >> 1) * 2, h, ld),
                     *bq = MM_Q(b, q & 1, h, ld);
        prod(cq, aq, bq, h, ld);
        prod(cq, aq + h, bq + (long)h * ld, h, ld);
    }
}

#define QM_QUAD            qm_quad_elided
#define QM_PROD            qm_prod_elided
#define QM_SPAWN(t, fn, a) ((void)(t), fn(a))
#define QM_JOIN(t)         ((void)(t))
#include "generic.inc"

long bench_quadmm_serial_plain(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    (void)rt;
    prod(d->c, d->a, d->b, n, n);
    return 0;
}

long bench_quadmm_serial_elision(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    (void)rt;
    qm_prod_elided(d->c, d->a, d->b, n, n);
    return 0;
}

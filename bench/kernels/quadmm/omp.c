/*
 * quadmm/omp.c - quadmm with OpenMP tasks (quadmm.h): three quadrant tasks
 * and a direct call, then taskwait.  gcc (libgomp) and clang (libomp).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "quadmm.h"

static void qm_prod(double *c, const double *a, const double *b, int s, int ld);

static void qm_quad(double *c, const double *a, const double *b, int s, int ld)
{
    qm_prod(c, a, b, s, ld);
    qm_prod(c, a + s, b + (long)s * ld, s, ld);
}

static void qm_prod(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int q = 0; q < 3; q++) {
#pragma omp task firstprivate(q)
        qm_quad(MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2, h, ld),
                MM_Q(b, q & 1, h, ld), h, ld);
    }
    qm_quad(MM_Q(c, 3, h, ld), MM_Q(a, 2, h, ld), MM_Q(b, 1, h, ld), h, ld);
#pragma omp taskwait
}

long bench_quadmm_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct mm_data *d = bench_mm_data(n);
#pragma omp parallel num_threads(workers)
#pragma omp single
    qm_prod(d->c, d->a, d->b, n, n);
    return 0;
}

/*
 * matmul/omp.c - matmul with OpenMP tasks (matmul.h): per phase three
 * tasks and a direct call, then taskwait.  gcc (libgomp) and clang (libomp).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "matmul.h"

static void mm_task(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int phase = 0; phase < 2; phase++) {
        for (int q = 0; q < 3; q++) {
#pragma omp task firstprivate(q)
            mm_task(MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2 + phase, h, ld),
                    MM_Q(b, phase * 2 + (q & 1), h, ld), h, ld);
        }
        mm_task(MM_Q(c, 3, h, ld), MM_Q(a, 2 + phase, h, ld), MM_Q(b, phase * 2 + 1, h, ld), h, ld);
#pragma omp taskwait
    }
}

long bench_matmul_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct mm_data *d = bench_mm_data(n);
#pragma omp parallel num_threads(workers)
#pragma omp single
    mm_task(d->c, d->a, d->b, n, n);
    return 0;
}

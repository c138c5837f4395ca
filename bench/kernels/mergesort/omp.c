/*
 * mergesort/omp.c - mergesort with OpenMP tasks (mergesort.h).  gcc
 * (libgomp) and clang (libomp).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "mergesort.h"

static void merge_task(const int *a, long na, const int *b, long nb, int *d)
{
    long ma, mb;
    if (!ms_merge_split(&a, &na, &b, &nb, d, &ma, &mb))
        return;
#pragma omp task
    merge_task(a, ma, b, mb, d);
    merge_task(a + ma, na - ma, b + mb, nb - mb, d + ma + mb);
#pragma omp taskwait
}

static void sort_task(const int *x, int *a, int *t, long n)
{
    if (n <= MS_SORT_BASE) {
        ms_seqsort(x, a, n);
        return;
    }
    long q = n / 4;
    for (int i = 0; i < 3; i++) {
#pragma omp task firstprivate(i)
        sort_task(x + i * q, a + i * q, t + i * q, q);
    }
    sort_task(x + 3 * q, a + 3 * q, t + 3 * q, n - 3 * q);
#pragma omp taskwait
#pragma omp task
    merge_task(a, q, a + q, q, t);
    merge_task(a + 2 * q, q, a + 3 * q, n - 3 * q, t + 2 * q);
#pragma omp taskwait
    merge_task(t, 2 * q, t + 2 * q, n - 2 * q, a);
}

long bench_mergesort_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct ms_data *d = bench_ms_data(n);
#pragma omp parallel num_threads(workers)
#pragma omp single
    sort_task(d->x, d->a, d->t, n);
    return 0;
}

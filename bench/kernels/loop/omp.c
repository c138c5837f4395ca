/*
 * loop/omp.c - loop and reduce with OpenMP (loop.h): tasks over the same
 * block recursion as the other variants, and the loop forms an OpenMP user
 * would write, `omp for schedule(static)` over the blocks (with
 * reduction(+) for reduce).  gcc (libgomp) and clang (libomp).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "loop.h"

static void loop_task(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1) {
        loop_leaf(d, lo);
        return;
    }
    long mid = lo + (hi - lo) / 2;
#pragma omp task
    loop_task(d, mid, hi);
    loop_task(d, lo, mid);
#pragma omp taskwait
}

static double reduce_task(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1)
        return reduce_leaf(d, lo);
    long mid = lo + (hi - lo) / 2;
    double a;
#pragma omp task shared(a)
    a = reduce_task(d, mid, hi);
    double b = reduce_task(d, lo, mid);
#pragma omp taskwait
    return a + b;
}

long bench_loop_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct loop_data *d = bench_loop_data(n, 1);
#pragma omp parallel num_threads(workers)
#pragma omp single
    loop_task(d, 0, d->blocks);
    return 0;
}

long bench_loop_omp_for(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct loop_data *d = bench_loop_data(n, 1);
    long nb = d->blocks;
#pragma omp parallel for num_threads(workers) schedule(static)
    for (long b = 0; b < nb; b++)
        loop_leaf(d, b);
    return 0;
}

long bench_reduce_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct loop_data *d = bench_loop_data(n, 0);
    double s = 0;
#pragma omp parallel num_threads(workers)
#pragma omp single
    s = reduce_task(d, 0, d->blocks);
    return (long)s;
}

long bench_reduce_omp_for(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct loop_data *d = bench_loop_data(n, 0);
    long nb = d->blocks;
    double s = 0;
#pragma omp parallel for num_threads(workers) schedule(static) reduction(+ : s)
    for (long b = 0; b < nb; b++)
        s += reduce_leaf(d, b);
    return (long)s;
}

/*
 * fib/omp.c - fib with OpenMP tasks, no cutoff.  Built twice: by gcc
 * against libgomp (bench-gomp) and by clang against LLVM libomp (bench-omp).
 * The adapter's handle is the worker count; each call opens a parallel
 * region of that many threads in which one thread starts the recursion.
 */
#include <omp.h>

#include "../../driver/bench.h"

static long fib_task(int n)
{
    long x, y;
    if (n < 2)
        return n;
#pragma omp task shared(x)
    x = fib_task(n - 1);
    y = fib_task(n - 2);
#pragma omp taskwait
    return x + y;
}

long bench_fib_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    long r = -1;
#pragma omp parallel num_threads(workers) shared(r)
#pragma omp single
    r = fib_task(n);
    return r;
}

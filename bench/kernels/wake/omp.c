/*
 * wake/omp.c - the wake and idle kernels with OpenMP (wake.h), libgomp
 * (gcc) and libomp (clang), with OMP_WAIT_POLICY etc. as in the
 * environment (the default: spin a while, then sleep).
 *  wake-region: an empty parallel region of N threads entered after the
 *    idle period (the caller is the team's master: with N = 1 nothing is
 *    woken, so only N >= 2 means anything).
 *  idle-region: CPU of the process in the window after a parallel region
 *    in which every thread was busy for IDLE_BURST_MS.
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "wake.h"

struct ctx {
    int workers;
    long count;
};

static void one_region(void *p)
{
    struct ctx *c = (struct ctx *)p;
#pragma omp parallel num_threads(c->workers)
    {
        if (omp_get_thread_num() == 0)
            c->count++;
    }
}

long bench_wake_omp_region(void *rt, int n)
{
    struct ctx c = {*(const int *)rt, 0};
    return bench_wake_rounds(n, one_region, &c, &c.count);
}

static long burst(void *p)
{
    int workers = *(const int *)p;
    long count = 0;
#pragma omp parallel num_threads(workers)
    bench_burst_task(&count);
    return count;
}

long bench_idle_omp_region(void *rt, int n)
{
    return bench_idle_window(n, burst, rt, *(const int *)rt);
}

/*
 * submit/omp.c - the submission kernels with OpenMP (submit.h): a job is
 * an `omp task` created by the one thread of a `single` region and waited
 * for with `taskwait`.  A thread outside any team enters OpenMP only by
 * opening a parallel region of its own, so each outside thread opens one
 * of N threads (with 8 submitters that is 8 teams: what 8 application
 * threads using OpenMP get) and is its team's producer; the other N - 1
 * threads of its team run the tasks, and the producer may run them too in
 * its taskwait.  The handle is the worker count (driver/rt-omp.c).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "submit.h"

static void burst(void *rt, int k, long *count)
{
    int workers = *(int *)rt;
#pragma omp parallel num_threads(workers)
#pragma omp single
    {
        for (int i = 0; i < k; i++) {
#pragma omp task
            __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
        }
#pragma omp taskwait
    }
}

static void rounds(void *rt, int r, struct submit_lat *lat, long *count)
{
    int workers = *(int *)rt;
#pragma omp parallel num_threads(workers)
#pragma omp single
    for (int i = 0; i < r; i++) {
        struct submit_lat *l = &lat[i];
        l->t_submit = bench_submit_now_us();
#pragma omp task firstprivate(l)
        {
            l->t_start = bench_submit_now_us();
            __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
        }
#pragma omp taskwait
        l->t_done = bench_submit_now_us();
    }
}

static const struct submit_ops ops = {burst, rounds};

long bench_submit_omp_task(void *rt, int n)
{
    return bench_submit_run(1, n, &ops, rt);
}

long bench_submit8_omp_task(void *rt, int n)
{
    return bench_submit_run(8, n, &ops, rt);
}

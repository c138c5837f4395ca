/*
 * submit/weft.c - the submission kernels with weft (submit.h): a job is
 * weft_submit of a weft_job_fn from a thread outside the pool, waited for
 * with weft_future_wait (no time limit), its result read and the future
 * released.  The burst keeps every future (the default queue_capacity,
 * 2^20, holds the default sizes) and waits for them in submission order.
 * Built only where weft.h has the futures (BENCH_WEFT_FUTURES: the weft
 * library of this checkout declares weft_submit; bench/CMakeLists.txt).
 */
#ifdef BENCH_WEFT_FUTURES
#include <stdlib.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "submit.h"

static int count_job(void *p)
{
    __atomic_fetch_add((long *)p, 1, __ATOMIC_RELAXED);
    return 1;
}

/* Waits for f; a failed wait or a wrong result makes the count wrong
 * (the driver then reports WRONG ANSWER). */
static void wait_for(weft_future *f, long *count)
{
    if (weft_future_wait(f, -1) != 0)
        __atomic_fetch_sub(count, 1000000000L, __ATOMIC_RELAXED);
}

static void finish(weft_future *f, long *count)
{
    if (weft_future_result(f) != 1)
        __atomic_fetch_sub(count, 1000000000L, __ATOMIC_RELAXED);
    weft_future_release(f);
}

static void burst(void *rt, int k, long *count)
{
    weft_future **f = malloc(sizeof *f * (size_t)k);
    if (!f)
        abort();
    int m = 0;
    for (; m < k; m++)
        if (weft_submit((weft_pool *)rt, count_job, count, &f[m]) != 0)
            break;
    for (int i = 0; i < m; i++) {
        wait_for(f[i], count);
        finish(f[i], count);
    }
    free(f);
}

struct round_arg {
    struct submit_lat *lat;
    long *count;
};

static int round_job(void *p)
{
    struct round_arg *a = p;
    a->lat->t_start = bench_submit_now_us();
    __atomic_fetch_add(a->count, 1, __ATOMIC_RELAXED);
    return 1;
}

static void rounds(void *rt, int r, struct submit_lat *lat, long *count)
{
    for (int i = 0; i < r; i++) {
        struct round_arg a = {&lat[i], count};
        weft_future *f;
        lat[i].t_submit = bench_submit_now_us();
        if (weft_submit((weft_pool *)rt, round_job, &a, &f) != 0)
            break;
        wait_for(f, count);
        lat[i].t_done = bench_submit_now_us();
        finish(f, count);
    }
}

static const struct submit_ops ops = {burst, rounds};

long bench_submit_weft_future(void *rt, int n)
{
    return bench_submit_run(1, n, &ops, rt);
}

long bench_submit8_weft_future(void *rt, int n)
{
    return bench_submit_run(8, n, &ops, rt);
}
#endif

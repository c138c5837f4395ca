/*
 * wake/weft.c - the wake and idle kernels on weft (wake.h).
 *  wake-run: weft_pool_run() of a trivial task from the main thread (not a
 *    worker) on a pool left idle for WAKE_SLEEP_MS, so its workers parked;
 *    reports parks_per_call (weft_pool_stats parks over the rounds / n:
 *    near 0 would mean the workers never parked and the probe measured
 *    spinning workers) and the two halves of the latency: wake_in (from
 *    the call to the task starting on a worker) and wake_out (from the
 *    task starting to the caller returning).
 *  idle-parked: CPU of the process in the window after a burst; reports
 *    parks_in_window too (the parks from the burst's return to the
 *    window's end).
 */
#include <stdlib.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "wake.h"

struct ctx {
    weft_pool *pool;
    long count;
    double t_call, t_task;   /* when the call started, when the task ran */
    double *in, *out;        /* per round: call -> task, task -> return */
    int round;
};

static void trivial(void *p)
{
    struct ctx *c = (struct ctx *)p;
    c->t_task = bench_now_us();
    c->count++;
}

static void one_run(void *p)
{
    struct ctx *c = (struct ctx *)p;
    c->t_call = bench_now_us();
    if (weft_pool_run(c->pool, trivial, c) != 0)
        c->count = -1000000;
    double t_ret = bench_now_us();
    c->in[c->round] = c->t_task - c->t_call;
    c->out[c->round] = t_ret - c->t_task;
    c->round++;
}

static double parks(weft_pool *pool)
{
    weft_stats st;
    return weft_pool_stats(pool, &st) == 0 ? (double)st.parks : -1;
}

long bench_wake_weft_run(void *rt, int n)
{
    struct ctx c = {(weft_pool *)rt, 0, 0, 0, NULL, NULL, 0};
    c.in = malloc(sizeof(double) * (size_t)n);
    c.out = malloc(sizeof(double) * (size_t)n);
    if (!c.in || !c.out)
        abort();
    double p0 = parks(c.pool);
    long r = bench_wake_rounds(n, one_run, &c, &c.count);
    bench_report("parks_per_call", (parks(c.pool) - p0) / n);
    bench_report_latencies("wake_in", c.in, n);   /* the worker's wake-up */
    bench_report_latencies("wake_out", c.out, n); /* the caller's wake-up */
    free(c.in);
    free(c.out);
    return r;
}

static void busy(void *p)
{
    bench_burst_task((long *)p);
}

/* 2 x workers busy tasks (at most BURST_MAX) */
#define BURST_MAX (2 * 64)
static long burst_tasks(weft_pool *pool)
{
    long k = 2L * weft_pool_workers(pool);
    return k > BURST_MAX ? BURST_MAX : k;
}

struct burst_ctx {
    weft_pool *pool;
    long count; /* busy tasks that ran */
};

static void burst_root(void *p)
{
    struct burst_ctx *b = (struct burst_ctx *)p;
    long k = burst_tasks(b->pool);
    weft_task t[BURST_MAX];
    for (long i = 0; i < k; i++)
        weft_spawn(&t[i], busy, &b->count);
    for (long i = k; i-- > 0;)
        weft_join(&t[i]);
}

/* parks of the pool when the burst returned: the window's count starts
 * there (the burst's own parks are not the window's) */
static double parks_after_burst;

static long burst(void *p)
{
    struct burst_ctx b = {(weft_pool *)p, 0};
    if (weft_pool_run(b.pool, burst_root, &b) != 0)
        return -1;
    parks_after_burst = parks(b.pool);
    return b.count;
}

long bench_idle_weft_parked(void *rt, int n)
{
    long r = bench_idle_window(n, burst, rt, burst_tasks((weft_pool *)rt));
    bench_report("parks_in_window", parks((weft_pool *)rt) - parks_after_burst);
    return r;
}

/*
 * blocking/weft.c - the blocking kernel with weft (blocking.h): blockers
 * with and without weft_blocking_begin / end, and none.  Built only where
 * weft.h has the futures and blocking regions (BENCH_WEFT_FUTURES,
 * bench/CMakeLists.txt).
 */
#ifdef BENCH_WEFT_FUTURES
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "blocking.h"

struct job {
    long *count;
    int region; /* the blocker brackets its sleep */
};

static int blocker(void *p)
{
    struct job *j = p;
    if (j->region)
        weft_blocking_begin();
    usleep(BLOCK_MS * 1000);
    if (j->region)
        weft_blocking_end();
    __atomic_fetch_add(j->count, 1, __ATOMIC_RELAXED);
    return 0;
}

static unsigned long sink; /* keeps the chain's value, and so the chain */

static int cpu_job(void *p)
{
    struct job *j = p;
    __atomic_store_n(&sink, bench_blocking_cpu(sink), __ATOMIC_RELAXED);
    __atomic_fetch_add(j->count, 1, __ATOMIC_RELAXED);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static long run(weft_pool *pool, int n, int blockers, int region)
{
    long blocked = 0, cpu = 0;
    struct job b = {&blocked, region}, c = {&cpu, 0};
    weft_future **f = malloc(sizeof *f * (size_t)(n + blockers));
    if (!f)
        abort();
    int ok = 1;
    double t0 = now_ms();
    for (int i = 0; i < blockers + n; i++)
        if (weft_submit(pool, i < blockers ? blocker : cpu_job,
                        i < blockers ? &b : &c, &f[i]) != 0)
            abort();
    for (int i = blockers; i < blockers + n; i++)
        ok &= weft_future_wait(f[i], -1) == 0;
    double t_cpu = now_ms();
    for (int i = 0; i < blockers; i++)
        ok &= weft_future_wait(f[i], -1) == 0;
    double t_all = now_ms();
    for (int i = 0; i < blockers + n; i++)
        weft_future_release(f[i]);
    free(f);
    weft_stats st;
    if (weft_pool_stats(pool, &st) == 0)
        bench_report("spares_peak", st.spares_peak);
    bench_report("cpu_ms", t_cpu - t0);
    bench_report("all_ms", t_all - t0);
    return ok && blocked == blockers && cpu == n ? n : -1;
}

long bench_blocking_weft_regions(void *rt, int n)
{
    return run((weft_pool *)rt, n, BLOCKERS, 1);
}

long bench_blocking_weft_plain(void *rt, int n)
{
    return run((weft_pool *)rt, n, BLOCKERS, 0);
}

long bench_blocking_weft_free(void *rt, int n)
{
    return run((weft_pool *)rt, n, 0, 0);
}
#endif

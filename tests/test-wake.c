/*
 * test-wake - waking, waiting and lifetimes around completion and destroy.
 *
 *  (a) Ping-pong: RUNS (10^5) weft_pool_run calls of a trivial task from
 *      this (external) thread on a pool of WORKERS workers.  Every 1,000
 *      runs the test waits until a worker has parked (the pool's parks
 *      counter moves), so that the next run must wake it.  The internal hook
 *      weft__test_completion_yield(1) makes the completer yield between its
 *      exchange on done and its futex wake: the waiter returns, and its stack
 *      frame (where the job lived) is reused by the next call, before the
 *      wake arrives.  The wake must use only the address (ASan: no
 *      use-after-free).  Exact counts: each call's side effect once, the
 *      pool's injected and run counters moved by RUNS, parks moved.
 *  (b) The same with weft_spawn/weft_join from outside any pool (the default
 *      pool; CTest sets WEFT_WORKERS to WORKERS): RUNS spawn/join pairs,
 *      each frame on the stack of a function that returns at once.
 *  (c) Counters near wrap-around: on a quiescent pool the internal hook
 *      weft__test_preset_counters sets every counter to 2^64 - 1 - 500,000;
 *      then FIB_RUNS (4) runs of fork-join fib(FIB_N) (27: 317,810 spawns
 *      each).  The differences of weft_pool_stats() after and before, mod
 *      2^64, are exact: spawned by the spawns made, run by spawns + runs,
 *      injected by the runs; steals <= spawned and leapfrogs <= steals.
 *      Some worker's counter has wrapped past 2^64 in the process.
 *  (d) Destroy racing submitters (RACES (20) times): 8 threads call
 *      weft_pool_run in a loop while the main thread destroys the pool.
 *      Every call either returned 0 and its task ran exactly once, or
 *      returned WEFT_ESHUTDOWN and its task never ran.  Calling into a pool
 *      after weft_pool_destroy has returned is a use-after-free, so, as in
 *      test-lifecycle, a holder's run blocks destroy until every submitter
 *      has seen WEFT_ESHUTDOWN once and stopped.  No thread is left behind
 *      (/proc/self/task), no memory (LeakSanitizer in the ASan build).
 *
 * Timing decides nothing: the waits for parks and for the submitters only
 * wait for a condition (failing after minutes), they never accept a result.
 *
 * Cases: ping-pong-run (a), wrap (c), destroy (d) and ping-pong-spawn (b),
 * in that order: (b) leaves the default pool to the end of the process.
 *
 * Usage: test-wake [CASE] WORKERS [RUNS [FIB_N [FIB_RUNS [RACES]]]]
 */
#include <pthread.h>
#include <sched.h>

#include "../src/internal.h"
#define CHECK_WANT_FIB
#include "check.h"

#define SUBMITTERS 8

static unsigned long total_hits; /* atomic: trivial tasks run */

static void inc_hits(void *p)
{
    __atomic_fetch_add((unsigned *)p, 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&total_hits, 1, __ATOMIC_RELAXED);
}

static weft_stats stats(const weft_pool *pool)
{
    weft_stats s;
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    return s;
}

/* Waits until pool's parks counter differs from `since` (a worker went to
 * sleep).  Only waits: fails if no worker parks within 2 minutes.  Called
 * only after work that needed an awake worker since `since` was read, so a
 * worker parked all along cannot make it wait forever. */
static uint64_t wait_park(const weft_pool *pool, uint64_t since)
{
    for (int i = 0; i < 120000; i++) {
        uint64_t p = stats(pool).parks;
        if (p != since)
            return p;
        check_sleep_ms(1);
    }
    CHECK(!"no worker parked within 2 minutes");
    return since;
}

/* ---- (a) ping-pong of weft_pool_run ---- */

static __attribute__((noinline)) int one_run(weft_pool *pool, unsigned *hits)
{
    return weft_pool_run(pool, inc_hits, hits);
}

static void ping_pong_run(unsigned workers, unsigned long runs)
{
    weft_pool *pool = check_pool(workers, "pingpong");
    weft_stats s0 = stats(pool);
    uint64_t parks = s0.parks, park_waits = 0;
    weft__test_completion_yield(1);
    total_hits = 0;
    for (unsigned long i = 1; i <= runs; i++) {
        unsigned hits = 0;
        int rc = one_run(pool, &hits);
        if (rc != 0 || hits != 1) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(hits, 1);
        }
        if (i % 1000 == 0) {
            parks = wait_park(pool, parks);
            park_waits++;
        }
    }
    weft__test_completion_yield(0);
    CHECK_EQ(total_hits, runs);
    weft_stats s = stats(pool);
    printf("  (a) %lu weft_pool_run ping-pongs on %u worker(s): run=%" PRIu64
           " injected=%" PRIu64 " parks=%" PRIu64 " (waited for %" PRIu64 " of them)\n",
           runs, workers, s.run - s0.run, s.injected - s0.injected,
           s.parks - s0.parks, park_waits);
    CHECK_EQ(s.injected - s0.injected, runs);
    CHECK_EQ(s.run - s0.run, runs);
    CHECK_EQ(s.spawned - s0.spawned, 0);
    CHECK(s.parks - s0.parks >= park_waits);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* ---- (b) ping-pong of weft_spawn/weft_join from outside ---- */

static __attribute__((noinline)) void one_pair(unsigned *hits)
{
    weft_task t;
    weft_spawn(&t, inc_hits, hits);
    weft_join(&t);
}

static void ping_pong_spawn(unsigned long runs)
{
    CHECK(weft_self() == NULL);
    weft_pool *def = weft_default_pool();
    CHECK(def != NULL);
    const char *env = getenv("WEFT_WORKERS");
    if (env && *env)
        CHECK_EQ(weft_pool_workers(def), strtoul(env, NULL, 10));
    weft_stats s0 = stats(def);
    uint64_t parks = s0.parks, park_waits = 0;
    weft__test_completion_yield(1);
    total_hits = 0;
    for (unsigned long i = 1; i <= runs; i++) {
        unsigned hits = 0;
        one_pair(&hits);
        if (hits != 1)
            CHECK_EQ(hits, 1);
        if (i % 1000 == 0) {
            parks = wait_park(def, parks);
            park_waits++;
        }
    }
    weft__test_completion_yield(0);
    CHECK_EQ(total_hits, runs);
    weft_stats s = stats(def);
    printf("  (b) %lu external spawn/join pairs on the default pool (%u workers):"
           " run=%" PRIu64 " injected=%" PRIu64 " parks=%" PRIu64 "\n",
           runs, weft_pool_workers(def), s.run - s0.run,
           s.injected - s0.injected, s.parks - s0.parks);
    CHECK_EQ(s.injected - s0.injected, runs);
    CHECK_EQ(s.run - s0.run, runs);
    CHECK_EQ(s.spawned - s0.spawned, 0);
    CHECK(s.parks - s0.parks >= park_waits);
}

/* ---- (c) counters near wrap-around ---- */

static long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }
static uint64_t fib_spawns(int n) { return n < 2 ? 0 : 1 + fib_spawns(n - 1) + fib_spawns(n - 2); }

static void counters_wrap(unsigned workers, int n, unsigned long nruns)
{
    const uint64_t preset = UINT64_MAX - 500000;
    weft_pool *pool = check_pool(workers, "wrap");
    /* Quiescent: no run in flight (idle workers only move steal_failures
     * and parks, which are not checked exactly here). */
    weft__test_preset_counters(pool, preset);
    weft_stats s0 = stats(pool);
    CHECK_EQ(s0.spawned, (uint64_t)workers * preset); /* mod 2^64 */
    CHECK_EQ(s0.injected, preset);
    uint64_t spawns = 0;
    long expect = fib_serial(n);
    for (unsigned long i = 0; i < nruns; i++) {
        struct fib_arg a = {n, 0};
        CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
        CHECK_EQ(a.r, expect);
        spawns += fib_spawns(n);
    }
    /* Every counter checked below was written before the task that counts
     * it completed, so it is final now; wait anyway (never accepts a wrong
     * value: it only waits for the exact one). */
    weft_stats s = stats(pool);
    for (int i = 0; i < 4000 && s.run - s0.run != spawns + nruns; i++) {
        check_sleep_ms(5);
        s = stats(pool);
    }
    uint64_t d_spawned = s.spawned - s0.spawned, d_run = s.run - s0.run;
    uint64_t d_steals = s.steals - s0.steals, d_leap = s.leapfrogs - s0.leapfrogs;
    printf("  (c) counters from 2^64 - 500001: %lu x fib(%d) on %u worker(s):"
           " spawned +%" PRIu64 " run +%" PRIu64 " injected +%" PRIu64
           " steals +%" PRIu64 " leapfrogs +%" PRIu64 " (spawned now %" PRIu64 ")\n",
           nruns, n, workers, d_spawned, d_run, s.injected - s0.injected,
           d_steals, d_leap, s.spawned);
    CHECK_EQ(d_spawned, spawns);
    CHECK_EQ(d_run, spawns + nruns);
    CHECK_EQ(s.injected - s0.injected, nruns);
    CHECK(d_steals <= d_spawned);
    CHECK(d_leap <= d_steals);
    /* Some worker's spawned counter went past 2^64 (it started 500,001
     * below): certain when each worker would have to spawn at most that
     * many for none to wrap. */
    if (spawns > (uint64_t)workers * 500001) {
        int wrapped = 0;
        for (unsigned i = 0; i < pool->nworkers; i++)
            wrapped |= __atomic_load_n(&pool->workers[i]->own.spawned,
                                       __ATOMIC_RELAXED) < preset;
        CHECK(wrapped);
    }
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* ---- (d) destroy racing 8 submitters ---- */

struct race {
    weft_pool *pool;
    int hold_started;          /* atomic */
    unsigned stopped;          /* atomic: submitters that saw WEFT_ESHUTDOWN */
    unsigned long ok;          /* atomic: calls that returned 0 */
    unsigned long shutdown;    /* atomic: calls that returned WEFT_ESHUTDOWN */
    unsigned long min_ok;      /* atomic: submitters with >= 50 calls done */
    int holder_rc;
};

static void hold_fn(void *p)
{
    struct race *r = p;
    __atomic_store_n(&r->hold_started, 1, __ATOMIC_RELEASE);
    for (int i = 0; __atomic_load_n(&r->stopped, __ATOMIC_ACQUIRE) < SUBMITTERS; i++) {
        if (i > 120000) /* 2 minutes */
            CHECK(!"a submitter never saw WEFT_ESHUTDOWN");
        check_sleep_ms(1);
    }
}

static void *holder_thread(void *p)
{
    struct race *r = p;
    r->holder_rc = weft_pool_run(r->pool, hold_fn, r);
    return NULL;
}

static void *submitter_thread(void *p)
{
    struct race *r = p;
    unsigned long ok = 0;
    for (;;) {
        unsigned hits = 0;
        int rc = weft_pool_run(r->pool, inc_hits, &hits);
        if (rc == 0) {
            if (hits != 1)
                CHECK_EQ(hits, 1);
            if (++ok == 50)
                __atomic_fetch_add(&r->min_ok, 1, __ATOMIC_RELEASE);
            continue;
        }
        if (rc != WEFT_ESHUTDOWN) {
            fprintf(stderr, "weft_pool_run during destroy: %d (%s)\n", rc,
                    weft_strerror(rc));
            CHECK_EQ(rc, WEFT_ESHUTDOWN);
        }
        /* Its task never ran: the hits word is this call's alone. */
        CHECK_EQ(__atomic_load_n(&hits, __ATOMIC_RELAXED), 0);
        __atomic_fetch_add(&r->shutdown, 1, __ATOMIC_RELAXED);
        break;
    }
    __atomic_fetch_add(&r->ok, ok, __ATOMIC_RELAXED);
    if (ok < 50)
        __atomic_fetch_add(&r->min_ok, 1, __ATOMIC_RELEASE);
    /* From here on this thread never touches the pool again. */
    __atomic_fetch_add(&r->stopped, 1u, __ATOMIC_RELEASE);
    return NULL;
}

static void destroy_race(unsigned workers, unsigned long *ok_total)
{
    struct race r;
    memset(&r, 0, sizeof r);
    r.pool = check_pool(workers, "race");
    total_hits = 0;
    pthread_t holder, sub[SUBMITTERS];
    CHECK_EQ(pthread_create(&holder, NULL, holder_thread, &r), 0);
    while (!__atomic_load_n(&r.hold_started, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    for (int i = 0; i < SUBMITTERS; i++)
        CHECK_EQ(pthread_create(&sub[i], NULL, submitter_thread, &r), 0);
    /* Destroy once every submitter is well under way. */
    while (__atomic_load_n(&r.min_ok, __ATOMIC_ACQUIRE) < SUBMITTERS)
        sched_yield();
    CHECK_EQ(weft_pool_destroy(r.pool), 0);
    /* destroy waited for the holder's run, which waited for all submitters. */
    CHECK_EQ(__atomic_load_n(&r.stopped, __ATOMIC_ACQUIRE), SUBMITTERS);
    for (int i = 0; i < SUBMITTERS; i++)
        CHECK_EQ(pthread_join(sub[i], NULL), 0);
    CHECK_EQ(pthread_join(holder, NULL), 0);
    CHECK_EQ(r.holder_rc, 0);
    CHECK_EQ(r.shutdown, SUBMITTERS);
    CHECK_EQ(total_hits, r.ok); /* every task that ran was a call that returned 0 */
    *ok_total += r.ok;
}

/* ---- cases ---------------------------------------------------------------- */

/* The sizes (setup reads them) and the thread count to return to. */
static struct {
    unsigned workers;
    unsigned long runs, fib_runs, races;
    int fib_n;
} opt;
static int threads0;

static void setup(int argc, char **argv)
{
    opt.workers = (unsigned)check_arg(argc, argv, 1, 2);
    opt.runs = check_arg(argc, argv, 2, 100000);
    opt.fib_n = (int)check_arg(argc, argv, 3, 27);
    opt.fib_runs = check_arg(argc, argv, 4, 4);
    opt.races = check_arg(argc, argv, 5, 20);
    printf("test-wake: workers=%u runs=%lu fib=%d x %lu races=%lu\n", opt.workers,
           opt.runs, opt.fib_n, opt.fib_runs, opt.races);
    CHECK(opt.workers >= 1);
    threads0 = check_thread_baseline();
    CHECK(threads0 >= 1);
}

CHECK_CASE(ping_pong_runs)
{
    ping_pong_run(opt.workers, opt.runs);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
}

CHECK_CASE(wrap)
{
    counters_wrap(opt.workers, opt.fib_n, opt.fib_runs);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
}

CHECK_CASE(destroy)
{
    /* The holder blocks one worker for the whole race: one more worker
     * runs the submitters' tasks. */
    unsigned long ok_total = 0;
    for (unsigned long i = 0; i < opt.races; i++) {
        destroy_race(opt.workers + 1, &ok_total);
        CHECK_EQ(check_thread_count_settle(threads0), threads0);
    }
    printf("  (d) %lu destroys racing %d submitters on %u workers: %lu calls ran,"
           " %lu returned WEFT_ESHUTDOWN, %d threads before and after\n",
           opt.races, SUBMITTERS, opt.workers + 1, ok_total, opt.races * SUBMITTERS,
           threads0);
}

/* Last, since the default pool lives until the process exits. */
CHECK_CASE(ping_pong_spawns)
{
    ping_pong_spawn(opt.runs);
}

static const struct check_case cases[] = {
    {"ping-pong-run", ping_pong_runs, 0},
    {"wrap", wrap, 0},
    {"destroy", destroy, 0},
    {"ping-pong-spawn", ping_pong_spawns, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-wake", "WORKERS [RUNS [FIB_N [FIB_RUNS [RACES]]]]", setup, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

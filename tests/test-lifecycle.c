/*
 * test-lifecycle - creating and destroying pools.
 *
 *  1. COUNT (1,000) pools of 2 workers created and destroyed in a loop,
 *     some of them used in between; no thread may be left behind (the
 *     entries of /proc/self/task are counted before and after).
 *  2. A pool whose workers have parked (50 ms idle) is destroyed; again no
 *     thread left behind.  Also a pool destroyed right after creation.
 *  3. weft_pool_destroy() while another thread is inside weft_pool_run()
 *     waits for that run: the run completes with its exact result before
 *     destroy returns; and (COUNT / 5 times) destroy as soon as a run of
 *     an empty function has started, while its caller may still be inside
 *     weft_pool_run().
 *  4. Destroy racing with runs: a thread calls weft_pool_run() in a loop
 *     while the main thread destroys the pool.  Every call must either run
 *     its function and return 0 or return WEFT_ESHUTDOWN without running it.
 *     To be safe, the racer must stop before destroy returns (calling into a
 *     destroyed pool is a use-after-free): a third thread holds a run open
 *     on the pool until the racer has seen WEFT_ESHUTDOWN, and destroy
 *     cannot return before that run ends.
 *
 * Cases: many (1), parked (2), destroy-waits (3), races (4).
 *
 * Usage: test-lifecycle [CASE] [COUNT [RACES]]   (1000, 20)
 */
#include <pthread.h>
#include <sched.h>

#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

/* ---- 3. destroy waits for a run in progress ---- */

struct slow_run {
    weft_pool *pool;
    int started, finished; /* atomic */
    struct fib_arg fib;
    int rc;
};

static void slow_fn(void *p)
{
    struct slow_run *s = p;
    __atomic_store_n(&s->started, 1, __ATOMIC_RELEASE);
    check_sleep_ms(100); /* give destroy time to start; not a correctness condition */
    fib(&s->fib);
    __atomic_store_n(&s->finished, 1, __ATOMIC_RELEASE);
}

static void *slow_thread(void *p)
{
    struct slow_run *s = p;
    s->rc = weft_pool_run(s->pool, slow_fn, s);
    return NULL;
}

static void destroy_waits_for_run(void)
{
    weft_pool *pool = check_pool(2, "slow");
    struct slow_run s = {pool, 0, 0, {23, 0}, -1};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, slow_thread, &s), 0);
    while (!__atomic_load_n(&s.started, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(__atomic_load_n(&s.finished, __ATOMIC_ACQUIRE), 1);
    CHECK_EQ(s.fib.r, 28657);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(s.rc, 0);
}

/* ---- 3b. destroy as soon as a short run has started ----
 * The run's function returns at once, so destroy may find the run finished
 * while the caller of weft_pool_run is still inside it (after its task ran):
 * destroy must not free the pool under that caller. */

struct short_run {
    weft_pool *pool;
    int started; /* atomic */
    int rc;
};

static void short_fn(void *p)
{
    struct short_run *s = p;
    __atomic_store_n(&s->started, 1, __ATOMIC_RELEASE);
}

static void *short_thread(void *p)
{
    struct short_run *s = p;
    s->rc = weft_pool_run(s->pool, short_fn, s);
    return NULL;
}

static void destroy_after_short_run(void)
{
    struct short_run s = {check_pool(2, "short"), 0, -1};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, short_thread, &s), 0);
    while (!__atomic_load_n(&s.started, __ATOMIC_ACQUIRE))
        sched_yield();
    CHECK_EQ(weft_pool_destroy(s.pool), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(s.rc, 0);
}

/* ---- 4. destroy racing with runs ---- */

struct race {
    weft_pool *pool;
    unsigned long runs_done;     /* atomic: fn executions */
    unsigned long returned_ok;   /* atomic: weft_pool_run returned 0 */
    int hold_started, racer_stopped; /* atomic */
    int holder_rc;
};

static void race_inc(void *p)
{
    struct race *r = p;
    __atomic_fetch_add(&r->runs_done, 1, __ATOMIC_RELAXED);
}

static void hold_fn(void *p)
{
    struct race *r = p;
    __atomic_store_n(&r->hold_started, 1, __ATOMIC_RELEASE);
    for (int i = 0; !__atomic_load_n(&r->racer_stopped, __ATOMIC_ACQUIRE); i++) {
        if (i > 120000) /* 2 minutes: the racer never saw WEFT_ESHUTDOWN */
            CHECK(!"racer never saw WEFT_ESHUTDOWN");
        check_sleep_ms(1);
    }
}

static void *holder_thread(void *p)
{
    struct race *r = p;
    r->holder_rc = weft_pool_run(r->pool, hold_fn, r);
    return NULL;
}

static void *racer_thread(void *p)
{
    struct race *r = p;
    for (;;) {
        int rc = weft_pool_run(r->pool, race_inc, r);
        if (rc == 0) {
            __atomic_fetch_add(&r->returned_ok, 1, __ATOMIC_RELEASE);
            continue;
        }
        if (rc != WEFT_ESHUTDOWN) {
            fprintf(stderr, "weft_pool_run during destroy: %d (%s)\n", rc,
                    weft_strerror(rc));
            CHECK_EQ(rc, WEFT_ESHUTDOWN);
        }
        break;
    }
    /* From here on this thread never touches the pool again. */
    __atomic_store_n(&r->racer_stopped, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void destroy_races_runs(void)
{
    struct race r;
    memset(&r, 0, sizeof r);
    r.pool = check_pool(2, "race");
    pthread_t holder, racer;
    CHECK_EQ(pthread_create(&holder, NULL, holder_thread, &r), 0);
    while (!__atomic_load_n(&r.hold_started, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    CHECK_EQ(pthread_create(&racer, NULL, racer_thread, &r), 0);
    while (__atomic_load_n(&r.returned_ok, __ATOMIC_ACQUIRE) < 50)
        sched_yield();
    CHECK_EQ(weft_pool_destroy(r.pool), 0);
    /* destroy waited for the holder's run, which waited for the racer. */
    CHECK_EQ(__atomic_load_n(&r.racer_stopped, __ATOMIC_ACQUIRE), 1);
    CHECK_EQ(pthread_join(racer, NULL), 0);
    CHECK_EQ(pthread_join(holder, NULL), 0);
    CHECK_EQ(r.holder_rc, 0);
    CHECK_EQ(r.runs_done, r.returned_ok);
}

/* ---- cases ---------------------------------------------------------------- */

static unsigned long count, races;
static int threads0;

static void setup(int argc, char **argv)
{
    count = check_arg(argc, argv, 1, 1000);
    races = check_arg(argc, argv, 2, 20);
    printf("test-lifecycle: count=%lu races=%lu\n", count, races);

    threads0 = check_thread_baseline();
    CHECK(threads0 >= 1);
}

/* 1. Many pools. */
CHECK_CASE(many)
{
    for (unsigned long i = 0; i < count; i++) {
        weft_pool *pool = NULL;
        weft_config cfg;
        weft_config_init(&cfg);
        cfg.workers = 2;
        int rc = weft_pool_create(&pool, &cfg);
        if (rc != 0) {
            fprintf(stderr, "pool %lu: %s\n", i, weft_strerror(rc));
            CHECK_EQ(rc, 0);
        }
        if (i % 10 == 0) {
            struct fib_arg a = {10, 0};
            CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
            CHECK_EQ(a.r, 55);
        }
        rc = weft_pool_destroy(pool);
        if (rc != 0)
            CHECK_EQ(rc, 0);
    }
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    printf("  %lu pools created and destroyed, %d threads before and after\n",
           count, threads0);
}

/* 2. Destroying parked workers, and workers that may not have started. */
CHECK_CASE(parked)
{
    weft_pool *pool = check_pool(4, "park");
    CHECK_EQ(check_thread_count_settle(threads0 + 4), threads0 + 4);
    check_sleep_ms(50);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    pool = check_pool(8, "quick");
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    printf("  parked and fresh pools destroyed: ok\n");
}

/* 3. Destroy waits for a run in progress. */
CHECK_CASE(destroy_waits)
{
    for (int i = 0; i < 3; i++)
        destroy_waits_for_run();
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    for (unsigned long i = 0; i < count / 5; i++)
        destroy_after_short_run();
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    printf("  destroy waits for a run in progress: ok\n");
}

/* 4. Destroy racing with runs. */
CHECK_CASE(races_runs)
{
    for (unsigned long i = 0; i < races; i++)
        destroy_races_runs();
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    printf("  destroy racing with runs x %lu: ok\n", races);
}

static const struct check_case cases[] = {
    {"many", many, 0},
    {"parked", parked, 0},
    {"destroy-waits", destroy_waits, 0},
    {"races", races_runs, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-lifecycle", "[COUNT [RACES]]", setup, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

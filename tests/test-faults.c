/*
 * test-faults - pool creation under injected failures.
 *
 *  1. The k-th allocation of weft_pool_create fails, for every k until
 *     creation needs no more than k allocations: each failure returns
 *     WEFT_ENOMEM, leaves *out untouched and leaves no thread behind
 *     (counted in /proc/self/task); the ASan build's LeakSanitizer checks
 *     that no memory leaks.
 *  2. The k-th worker thread fails to start, for k = 1..WORKERS: each
 *     returns WEFT_EAGAIN, the k-1 started workers are stopped and joined.
 *  3. A scope's spawn whose job cannot be allocated returns WEFT_ENOMEM
 *     and queues nothing; a reduction whose accumulator (2 KiB) cannot be
 *     allocated returns WEFT_ENOMEM, calls nothing and writes nothing.
 *  4. After all that, a pool still works (exact fib result).
 *
 * The hooks are weft__test_fail_alloc / weft__test_fail_thread (src/).
 * Cases: alloc (1), thread (2) and loops (3); 4 follows the last case.
 *
 * Usage: test-faults [CASE] [WORKERS]   (4)
 */
#include "../src/internal.h"
#define CHECK_WANT_FIB
#include "check.h"

/* ---- cases ---------------------------------------------------------------- */

static unsigned workers;
static weft_config cfg;
static weft_pool *const sentinel = (weft_pool *)(uintptr_t)0x1234;
static int threads;

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 4);
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.cpuset = "0-1023";
    cfg.name = "faults";
    threads = check_thread_baseline();
    CHECK(threads > 0);

    /* Warm the process-wide topology so that its one-time allocations
     * (hwloc's own, not weft's) are not counted. */
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* 4. Still works. */
static void teardown(void)
{
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    struct fib_arg a = {20, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
    CHECK_EQ(a.r, 6765);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(check_thread_count_settle(threads), threads);
}

/* 1. Allocation failures. */
CHECK_CASE(alloc)
{
    weft_pool *pool;
    long k;
    int failures = 0;
    for (k = 1; k < 10000; k++) {
        pool = sentinel;
        weft__test_fail_alloc(k);
        int rc = weft_pool_create(&pool, &cfg);
        weft__test_fail_alloc(0);
        if (rc == 0) {
            CHECK_EQ(weft_pool_destroy(pool), 0);
            break;
        }
        failures++;
        CHECK_EQ(rc, WEFT_ENOMEM);
        CHECK(pool == sentinel);
        CHECK_EQ(check_thread_count_settle(threads), threads);
    }
    CHECK(failures >= 3);
    printf(
        "  allocation failures: %d points, each WEFT_ENOMEM, no thread left\n",
        failures);
}

/* 2. Thread creation failures. */
CHECK_CASE(thread)
{
    weft_pool *pool;
    long k;
    for (k = 1; k <= (long)workers; k++) {
        pool = sentinel;
        weft__test_fail_thread(k);
        int rc = weft_pool_create(&pool, &cfg);
        weft__test_fail_thread(0);
        CHECK_EQ(rc, WEFT_EAGAIN);
        CHECK(pool == sentinel);
        CHECK_EQ(check_thread_count_settle(threads), threads);
    }
    printf("  thread failures: %u points, each WEFT_EAGAIN, no thread left\n",
           workers);
}

/* 3. Scopes and reductions. */
static int ran;

static int count_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
    return 0;
}

static int never_fold(size_t lo, size_t hi, void *acc, void *p)
{
    (void)lo, (void)hi, (void)acc, (void)p;
    __atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
    return 0;
}

static void never_combine(void *acc, const void *rhs, void *p)
{
    (void)acc, (void)rhs, (void)p;
    __atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
}

static void loops_run(void *p)
{
    (void)p;
    weft_scope s;
    weft_scope_init(&s);
    weft__test_fail_alloc(1);
    int rc = weft_scope_spawn(&s, count_job, NULL);
    weft__test_fail_alloc(0);
    CHECK_EQ(rc, WEFT_ENOMEM);
    CHECK_EQ(weft_scope_spawn(&s, count_job, NULL), 0);
    CHECK_EQ(weft_scope_wait(&s), 0);
    CHECK_EQ(ran, 1);

    static unsigned char identity[2048], result[2048];
    memset(result, 7, sizeof result);
    weft__test_fail_alloc(1);
    rc = weft_reduce(0, 1000, 0, sizeof identity, identity, never_fold,
                     never_combine, NULL, 0, result);
    weft__test_fail_alloc(0);
    CHECK_EQ(rc, WEFT_ENOMEM);
    CHECK_EQ(ran, 1);
    for (size_t i = 0; i < sizeof result; i++)
        CHECK_EQ(result[i], 7);
}

CHECK_CASE(loops)
{
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    ran = 0;
    CHECK_EQ(weft_pool_run(pool, loops_run, NULL), 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

static const struct check_case cases[] = {
    {"alloc", alloc, 0},
    {"thread", thread, 0},
    {"loops", loops, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-faults", "[WORKERS]", setup,
                                             teardown, cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

/*
 * test-futures - work submitted from outside without waiting (weft_submit,
 * futures), the bounded queue and its policies, blocking regions and
 * weft_pool_shutdown (docs/api.md, "Submission and futures").
 *
 *  many        N jobs submitted from 8 threads, every future waited: each
 *              job ran exactly once and returned its own value.
 *  block       A full queue (1 worker held by a gate job, capacity 4)
 *              blocks a submitter until the gate opens; with a submit
 *              timeout the submission fails with WEFT_ETIMEDOUT, no future.
 *  reject      The same queue with WEFT_ON_FULL_REJECT: exactly the
 *              submissions past the capacity get WEFT_EBUSY.
 *  reject-rounds  40 rounds on a 2-worker pool of capacity 8, both
 *              workers held: each round exactly 8 submissions get in and
 *              the next WEFT_EBUSY, though hundreds went through before
 *              (the count of the queue is summed over the workers).
 *  caller-runs WEFT_ON_FULL_CALLER_RUNS: past the capacity the job runs on
 *              the submitting thread, and its future is done at return.
 *  soak        N detached submissions from 4 threads into a 2-worker pool
 *              of capacity 1024, far faster than it runs them: every job
 *              runs, and the process's RSS stays flat (sampled).
 *  deadline    A wait on a sleeping job returns WEFT_ETIMEDOUT, not
 *              earlier than asked and within 5 s (a hang detector), then 0
 *              once the job ends; from outside and from a worker of
 *              another pool.
 *  cancel      Cancel before the start (0, never runs, WEFT_ECANCELED),
 *              after it (WEFT_EBUSY), after the end (WEFT_EBUSY).
 *  release     Released pending futures still run; nothing leaks (ASan).
 *  wait-runs   From outside, a wait with no limit on a job still queued
 *              (the only worker held) runs it on the waiting thread, as a
 *              guest of the job's pool; a timed wait does not run one.
 *  self-wait   A 1-worker pool's task waits for jobs it submitted to its
 *              own pool, nested 100 deep, with and without a time limit.
 *  two-pools   Two 1-worker pools whose jobs submit to each other and wait.
 *  blocking    A 2-worker pool: 20 tasks block 10 ms each in a region
 *              (the first until two CPU tasks have run at once), beside
 *              100 CPU tasks: the most CPU tasks running at once while a
 *              region is open reaches 2, spares start, and retire
 *              afterwards (thread count back to 2).
 *  callback    on_complete sees each of 10^4 futures exactly once.
 *  shutdown-queued  Shutdown with a running gate job and 100 queued:
 *              WEFT_ETIMEDOUT, exactly 100 cancelled and 1 run.
 *  shutdown-race    Shutdown while 8 threads submit: every accepted job
 *              ran or was cancelled, once; later submissions fail.
 *  shutdown-idle    An idle pool shuts down at once, twice; then destroy.
 *  config      The new configuration fields: defaults, bad values, print;
 *              blocking regions outside a worker, nesting and misuse.
 *
 * Usage: test-futures CASE [N] | test-futures [all] [N] | --list
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "check.h"

#define SENTINEL_F ((weft_future *)(uintptr_t)0x5eed)

static void watchdog(unsigned seconds)
{
    signal(SIGALRM, SIG_DFL);
    alarm(seconds); /* a hang ends the test with SIGALRM */
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static weft_pool *pool_of(unsigned workers, unsigned cap, int on_full,
                          int64_t submit_timeout)
{
    weft_config c;
    weft_config_init(&c);
    c.workers = workers;
    c.queue_capacity = cap;
    c.on_full = on_full;
    c.submit_timeout_ns = submit_timeout;
    weft_pool *p;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    return p;
}

/* A job that holds its worker until the gate opens. */
static int gate_open, gate_started;

static int gate_job(void *p)
{
    (void)p;
    __atomic_store_n(&gate_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&gate_open, __ATOMIC_ACQUIRE))
        check_sleep_us(200);
    return 7;
}

/* Submits the gate job and returns once it runs (the worker is held). */
static weft_future *hold_worker(weft_pool *p)
{
    __atomic_store_n(&gate_open, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&gate_started, 0, __ATOMIC_RELEASE);
    weft_future *g;
    CHECK_EQ(weft_submit(p, gate_job, NULL, &g), 0);
    while (!__atomic_load_n(&gate_started, __ATOMIC_ACQUIRE))
        check_sleep_us(200);
    return g;
}

static void open_gate(void)
{
    __atomic_store_n(&gate_open, 1, __ATOMIC_RELEASE);
}

/* A job that counts its runs in slot p of runs[] and returns p's index. */
static int *runs;
static int counted_job(void *p)
{
    uintptr_t i = (uintptr_t)p;
    __atomic_fetch_add(&runs[i], 1, __ATOMIC_RELAXED);
    return (int)(i * 3 % 1000003);
}

/* ---- many --------------------------------------------------------------- */

#define WINDOW 4096
static weft_pool *many_pool;
static unsigned long many_n;

static void *many_thread(void *arg)
{
    uintptr_t t = (uintptr_t)arg;
    weft_future **fs = malloc(WINDOW * sizeof *fs);
    CHECK(fs != NULL);
    unsigned long lo = many_n * t / 8, hi = many_n * (t + 1) / 8;
    for (unsigned long base = lo; base < hi; base += WINDOW) {
        unsigned long n = hi - base < WINDOW ? hi - base : WINDOW;
        for (unsigned long k = 0; k < n; k++)
            CHECK_EQ(weft_submit(many_pool, counted_job,
                                 (void *)(uintptr_t)(base + k), &fs[k]),
                     0);
        for (unsigned long k = 0; k < n; k++) {
            CHECK_EQ(weft_future_wait(fs[k], -1), 0);
            CHECK_EQ(weft_future_result(fs[k]),
                     (int)((base + k) * 3 % 1000003));
            weft_future_release(fs[k]);
        }
    }
    free(fs);
    return NULL;
}

/* The stats once every queued handle has left the queue: a job that its
 * waiter ran (from outside, as the pool's guest) leaves its handle queued
 * until a worker reaches and skips it.  (A hang detector, not a timing.) */
static weft_stats settle_queue(const weft_pool *pool, uint64_t expect_run)
{
    weft_stats s = check_stats_settle(pool, expect_run);
    for (int i = 0; i < 4000 && s.queued != 0; i++) {
        check_sleep_ms(5);
        CHECK_EQ(weft_pool_stats(pool, &s), 0);
    }
    return s;
}

CHECK_CASE(many)
{
    many_n = check_arg(argc, argv, 1, 1000000);
    watchdog(240);
    runs = calloc(many_n, sizeof *runs);
    CHECK(runs != NULL);
    many_pool = check_pool(2, "many");
    pthread_t th[8];
    for (uintptr_t t = 0; t < 8; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, many_thread, (void *)t), 0);
    for (int t = 0; t < 8; t++)
        pthread_join(th[t], NULL);
    unsigned long bad = 0;
    for (unsigned long i = 0; i < many_n; i++)
        bad += runs[i] != 1;
    CHECK_EQ(bad, 0);
    weft_stats s = settle_queue(many_pool, many_n);
    CHECK_EQ(s.submitted, many_n);
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(weft_pool_destroy(many_pool), 0);
    free(runs);
    runs = NULL;
}

/* ---- the full queue --------------------------------------------------- */

static int plain_job(void *p) { return (int)(uintptr_t)p; }

struct blocked_submit {
    weft_pool *pool;
    int rc, returned;
    weft_future *f;
};

static void *submit_thread(void *arg)
{
    struct blocked_submit *b = arg;
    b->rc = weft_submit(b->pool, plain_job, (void *)(uintptr_t)42, &b->f);
    __atomic_store_n(&b->returned, 1, __ATOMIC_RELEASE);
    return NULL;
}

CHECK_CASE(block)
{
    watchdog(60);
    /* No limit: the submitter waits until the gate job lets the queue
     * move. */
    weft_pool *p = pool_of(1, 4, WEFT_ON_FULL_BLOCK, -1);
    weft_future *g = hold_worker(p), *fs[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(weft_submit(p, plain_job, (void *)(uintptr_t)i, &fs[i]), 0);
    struct blocked_submit b = {p, 1, 0, SENTINEL_F};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, submit_thread, &b), 0);
    check_sleep_ms(50);
    /* the queue cannot move while the only worker is held */
    CHECK_EQ(__atomic_load_n(&b.returned, __ATOMIC_ACQUIRE), 0);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.queued, 4);
    CHECK_EQ(s.queue_full, 1);
    open_gate();
    pthread_join(th, NULL);
    CHECK_EQ(b.rc, 0);
    CHECK_EQ(weft_future_wait(b.f, -1), 0);
    CHECK_EQ(weft_future_result(b.f), 42);
    weft_future_release(b.f);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        CHECK_EQ(weft_future_result(fs[i]), i);
        weft_future_release(fs[i]);
    }
    CHECK_EQ(weft_future_wait(g, -1), 0);
    CHECK_EQ(weft_future_result(g), 7);
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);

    /* A submit timeout of 20 ms: WEFT_ETIMEDOUT, not before, no future. */
    p = pool_of(1, 4, WEFT_ON_FULL_BLOCK, 20000000);
    g = hold_worker(p);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(weft_submit(p, plain_job, (void *)(uintptr_t)i, &fs[i]), 0);
    weft_future *f = SENTINEL_F;
    uint64_t t0 = now_ns();
    CHECK_EQ(weft_submit(p, plain_job, NULL, &f), WEFT_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 20000000u);
    CHECK(f == SENTINEL_F);
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.submitted, 5);
    CHECK_EQ(s.queue_full, 1);
    open_gate();
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        weft_future_release(fs[i]);
    }
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* Holds n workers of p with jobs that wait for rr_gate. */
static int rr_gate, rr_held;
static int rr_hold_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&rr_held, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&rr_gate, __ATOMIC_ACQUIRE))
        check_sleep_us(100);
    return 0;
}

CHECK_CASE(reject_rounds)
{
    watchdog(120);
    weft_pool *p = pool_of(2, 8, WEFT_ON_FULL_REJECT, -1);
    enum { ROUNDS = 40, CAP = 8 };
    runs = calloc((size_t)ROUNDS * CAP, sizeof *runs);
    CHECK(runs != NULL);
    uint64_t busy_total = 0;
    for (int r = 0; r < ROUNDS; r++) {
        /* The last round's jobs that this thread's waits ran as a guest
         * keep their places until a worker unlinks them (docs/design.md,
         * "States"): wait for the queue to be empty. */
        weft_stats s0 = settle_queue(p, 0);
        CHECK_EQ(s0.queued, 0);
        __atomic_store_n(&rr_gate, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&rr_held, 0, __ATOMIC_RELEASE);
        weft_future *h[2], *fs[CAP];
        for (int i = 0; i < 2; i++)
            CHECK_EQ(weft_submit(p, rr_hold_job, NULL, &h[i]), 0);
        while (__atomic_load_n(&rr_held, __ATOMIC_SEQ_CST) < 2)
            check_sleep_us(200);
        for (uintptr_t i = 0; i < CAP; i++)
            CHECK_EQ(weft_submit(p, counted_job, (void *)(r * CAP + i), &fs[i]),
                     0);
        for (int i = 0; i < 3; i++) {
            weft_future *f = SENTINEL_F;
            CHECK_EQ(weft_submit(p, counted_job, NULL, &f), WEFT_EBUSY);
            CHECK(f == SENTINEL_F);
            busy_total++;
        }
        weft_stats s;
        CHECK_EQ(weft_pool_stats(p, &s), 0);
        CHECK_EQ(s.queued, CAP);
        CHECK_EQ(s.queue_full, busy_total);
        __atomic_store_n(&rr_gate, 1, __ATOMIC_RELEASE);
        for (int i = 0; i < CAP; i++) {
            CHECK_EQ(weft_future_wait(fs[i], -1), 0);
            weft_future_release(fs[i]);
        }
        for (int i = 0; i < 2; i++) {
            CHECK_EQ(weft_future_wait(h[i], -1), 0);
            weft_future_release(h[i]);
        }
    }
    for (int i = 0; i < ROUNDS * CAP; i++)
        CHECK_EQ(runs[i], 1);
    weft_stats s = settle_queue(p, 0);
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(s.submitted, (uint64_t)ROUNDS * (CAP + 2));
    free(runs);
    runs = NULL;
    CHECK_EQ(weft_pool_destroy(p), 0);
}

CHECK_CASE(reject)
{
    watchdog(60);
    weft_pool *p = pool_of(1, 8, WEFT_ON_FULL_REJECT, -1);
    weft_future *g = hold_worker(p), *fs[8];
    runs = calloc(30, sizeof *runs);
    for (uintptr_t i = 0; i < 8; i++)
        CHECK_EQ(weft_submit(p, counted_job, (void *)i, &fs[i]), 0);
    int busy = 0;
    for (uintptr_t i = 8; i < 28; i++) {
        weft_future *f = SENTINEL_F;
        int rc = weft_submit(p, counted_job, (void *)i, &f);
        busy += rc == WEFT_EBUSY;
        CHECK(f == SENTINEL_F);
    }
    CHECK_EQ(busy, 20);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.queue_full, 20);
    CHECK_EQ(s.submitted, 9);
    open_gate();
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        CHECK_EQ(weft_future_result(fs[i]), i * 3);
        weft_future_release(fs[i]);
    }
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);
    for (int i = 0; i < 28; i++)
        CHECK_EQ(runs[i], i < 8);
    free(runs);
    runs = NULL;
}

static pthread_t ran_on[8];
static weft_pool *ran_in[8];
static int where_job(void *p)
{
    ran_on[(uintptr_t)p] = pthread_self();
    ran_in[(uintptr_t)p] = weft_current_pool();
    return 100 + (int)(uintptr_t)p;
}

CHECK_CASE(caller_runs)
{
    watchdog(60);
    weft_pool *p = pool_of(1, 2, WEFT_ON_FULL_CALLER_RUNS, -1);
    weft_future *g = hold_worker(p), *fs[8];
    for (uintptr_t i = 0; i < 8; i++) {
        CHECK_EQ(weft_submit(p, where_job, (void *)i, &fs[i]), 0);
        if (i >= 2) { /* ran here, done at return */
            CHECK(pthread_equal(ran_on[i], pthread_self()));
            CHECK(ran_in[i] == NULL);
            CHECK_EQ(weft_future_wait(fs[i], 0), 0);
            CHECK_EQ(weft_future_result(fs[i]), 100 + (int)i);
            CHECK_EQ(weft_future_cancel(fs[i]), WEFT_EBUSY);
        }
    }
    CHECK_EQ(weft_future_result(fs[0]), WEFT_EBUSY); /* still queued */
    open_gate();
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        CHECK_EQ(weft_future_result(fs[i]), 100 + i);
        if (i < 2) /* queued: ran in the pool (on its worker, or here
                      as the pool's guest: the wait took it) */
            CHECK(ran_in[i] == p);
        weft_future_release(fs[i]);
    }
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.queue_full, 6);
    CHECK_EQ(s.submitted, 9);
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* ---- soak --------------------------------------------------------------- */

static weft_pool *soak_pool;
static unsigned long soak_n, soak_done;

static int soak_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&soak_done, 1, __ATOMIC_RELAXED);
    return 0;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static long rss_first, rss_max; /* after the warm-up, and the largest */
static unsigned long soak_count;

static void *soak_thread(void *arg)
{
    (void)arg;
    for (unsigned long i = 0; i < soak_n / 4; i++) {
        weft_future *f;
        CHECK_EQ(weft_submit(soak_pool, soak_job, NULL, &f), 0);
        weft_future_release(f); /* detached */
        unsigned long c = __atomic_add_fetch(&soak_count, 1, __ATOMIC_RELAXED);
        if ((c & 0xffff) == 0) {
            long r = rss_kib();
            if (c == 0x10000)
                __atomic_store_n(&rss_first, r, __ATOMIC_RELAXED);
            long m = __atomic_load_n(&rss_max, __ATOMIC_RELAXED);
            while (r > m && !__atomic_compare_exchange_n(&rss_max, &m, r, 0,
                                                         __ATOMIC_RELAXED,
                                                         __ATOMIC_RELAXED))
                ;
        }
    }
    return NULL;
}

CHECK_CASE(soak)
{
    soak_n = check_arg(argc, argv, 1, 10000000) / 4 * 4;
    watchdog(280);
    soak_pool = pool_of(2, 1024, WEFT_ON_FULL_BLOCK, -1);
    uint64_t t0 = now_ns();
    pthread_t th[4];
    for (int t = 0; t < 4; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, soak_thread, NULL), 0);
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    CHECK_EQ(weft_pool_shutdown(soak_pool, -1), 0);
    double s = (double)(now_ns() - t0) * 1e-9;
    CHECK_EQ(__atomic_load_n(&soak_done, __ATOMIC_RELAXED), soak_n);
    weft_stats st;
    CHECK_EQ(weft_pool_stats(soak_pool, &st), 0);
    printf("soak: %lu submissions in %.2f s, %" PRIu64
           " found the queue full; RSS %ld KiB after 65536, at most %ld KiB\n",
           soak_n, s, st.queue_full, rss_first, rss_max);
    /* flat: the queue holds at most 1024 futures (128 bytes each).  Not
     * under ASan, whose quarantine keeps freed memory (up to 256 MiB). */
#if defined(__SANITIZE_ADDRESS__)
    printf("soak: RSS not checked under ASan (its quarantine grows)\n");
#else
    if (soak_n >= 0x20000)
        CHECK(rss_max - rss_first < 8192);
#endif
    CHECK_EQ(weft_pool_destroy(soak_pool), 0);
}

/* ---- deadlines ------------------------------------------------------- */

static int sleep_job(void *p)
{
    check_sleep_ms((unsigned)(uintptr_t)p);
    return 5;
}

/* Waits 20 ms for a job that sleeps 300 ms: WEFT_ETIMEDOUT, after at least
 * 20 ms and within 5 s (a hang detector, not a goal), then 0. */
static void check_deadline(weft_pool *on)
{
    weft_future *f;
    CHECK_EQ(weft_submit(on, sleep_job, (void *)(uintptr_t)300, &f), 0);
    CHECK_EQ(weft_future_wait(f, 0), WEFT_ETIMEDOUT);
    uint64_t t0 = now_ns();
    CHECK_EQ(weft_future_wait(f, 20000000), WEFT_ETIMEDOUT);
    uint64_t dt = now_ns() - t0;
    CHECK(dt >= 20000000u);
    CHECK(dt < 5000000000u);
    CHECK_EQ(weft_future_result(f), WEFT_EBUSY);
    CHECK_EQ(weft_future_wait(f, -1), 0);
    CHECK_EQ(weft_future_result(f), 5);
    CHECK_EQ(weft_future_wait(f, 0), 0);
    weft_future_release(f);
}

static weft_pool *dl_other;
static void deadline_on_worker(void *p)
{
    (void)p;
    check_deadline(dl_other);
}

CHECK_CASE(deadline)
{
    watchdog(60);
    weft_pool *a = check_pool(1, "dla");
    dl_other = check_pool(1, "dlb");
    check_deadline(a);                                       /* from outside */
    CHECK_EQ(weft_pool_run(a, deadline_on_worker, NULL), 0); /* a worker */
    CHECK_EQ(weft_pool_destroy(a), 0);
    CHECK_EQ(weft_pool_destroy(dl_other), 0);
}

/* ---- cancel and release ---------------------------------------------- */

CHECK_CASE(cancel)
{
    watchdog(60);
    runs = calloc(4, sizeof *runs);
    weft_pool *p = check_pool(1, "cancel");
    weft_future *g = hold_worker(p), *f;
    CHECK_EQ(weft_submit(p, counted_job, (void *)(uintptr_t)1, &f), 0);
    CHECK_EQ(weft_future_cancel(f), 0); /* before its start */
    CHECK_EQ(weft_future_result(f), WEFT_ECANCELED);
    CHECK_EQ(weft_future_wait(f, 0), 0);
    CHECK_EQ(weft_future_cancel(f), WEFT_EBUSY); /* done: cancelled */
    CHECK_EQ(weft_future_cancel(g), WEFT_EBUSY); /* running */
    open_gate();
    CHECK_EQ(weft_future_wait(g, -1), 0);
    CHECK_EQ(weft_future_cancel(g), WEFT_EBUSY); /* finished */
    CHECK_EQ(weft_future_result(g), 7);
    weft_future *h;
    CHECK_EQ(weft_submit(p, counted_job, (void *)(uintptr_t)2, &h), 0);
    CHECK_EQ(weft_future_wait(h, -1), 0);
    weft_stats s = settle_queue(p, 2);
    CHECK_EQ(s.run, 2); /* the gate and h: the cancelled job is no run */
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(runs[1], 0);
    CHECK_EQ(runs[2], 1);
    weft_future_release(f);
    weft_future_release(g);
    weft_future_release(h);
    CHECK_EQ(weft_pool_destroy(p), 0);
    CHECK_EQ(runs[1], 0);
    free(runs);
    runs = NULL;
    CHECK_EQ(weft_future_cancel(NULL), WEFT_EINVAL);
    CHECK_EQ(weft_future_result(NULL), WEFT_EINVAL);
    CHECK_EQ(weft_future_wait(NULL, -1), WEFT_EINVAL);
}

static int rel_done;
static int release_job(void *p)
{
    check_sleep_ms((unsigned)(uintptr_t)p);
    __atomic_fetch_add(&rel_done, 1, __ATOMIC_RELEASE);
    return 0;
}

CHECK_CASE(release)
{
    watchdog(60);
    weft_pool *p = check_pool(1, "release");
    weft_future *g = hold_worker(p);
    for (int i = 0; i < 10; i++) { /* pending: queued behind the gate */
        weft_future *f;
        CHECK_EQ(weft_submit(p, release_job, (void *)(uintptr_t)1, &f), 0);
        weft_future_release(f);
    }
    weft_future *c; /* cancelled, still linked in the queue, released */
    CHECK_EQ(weft_submit(p, release_job, NULL, &c), 0);
    CHECK_EQ(weft_future_cancel(c), 0);
    weft_future_release(c);
    weft_future_release(g); /* running */
    weft_future_release(NULL);
    open_gate();
    while (__atomic_load_n(&rel_done, __ATOMIC_ACQUIRE) < 10)
        check_sleep_ms(1);
    /* destroy waits for the detached jobs; ASan's leak check does the rest */
    CHECK_EQ(weft_pool_destroy(p), 0);
    CHECK_EQ(rel_done, 10);
}

/* ---- waits on workers ----------------------------------------------- */

static weft_pool *sw_pool;
static int64_t sw_timeout;

/* Submits itself depth - 1 deep to sw_pool and waits; returns the depth. */
static int self_job(void *p)
{
    uintptr_t depth = (uintptr_t)p;
    if (depth == 0)
        return 0;
    weft_future *f;
    CHECK_EQ(weft_submit(sw_pool, self_job, (void *)(depth - 1), &f), 0);
    CHECK_EQ(weft_future_wait(f, sw_timeout), 0);
    int r = weft_future_result(f);
    weft_future_release(f);
    return r + 1;
}

static int sw_result;
static void self_task(void *p) { sw_result = self_job(p); }

CHECK_CASE(self_wait)
{
    watchdog(120);
    sw_pool = check_pool(1, "self");
    sw_timeout = -1; /* the worker runs each job itself */
    CHECK_EQ(weft_pool_run(sw_pool, self_task, (void *)(uintptr_t)100), 0);
    CHECK_EQ(sw_result, 100);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(sw_pool, &s), 0);
    CHECK_EQ(s.spares_started, 0);
    sw_timeout = 60000000000; /* timed: a spare runs them */
    CHECK_EQ(weft_pool_run(sw_pool, self_task, (void *)(uintptr_t)20), 0);
    CHECK_EQ(sw_result, 20);
    CHECK_EQ(weft_pool_destroy(sw_pool), 0);
}

static weft_pool *tp[2];

/* Level p of the chain: on pool p % 2, submits level p - 1 to the other
 * pool and waits. */
static int cross_job(void *p)
{
    uintptr_t level = (uintptr_t)p;
    CHECK(weft_current_pool() == tp[level % 2]);
    if (level == 0)
        return 0;
    weft_future *f;
    CHECK_EQ(
        weft_submit(tp[(level - 1) % 2], cross_job, (void *)(level - 1), &f),
        0);
    CHECK_EQ(weft_future_wait(f, -1), 0);
    int r = weft_future_result(f);
    weft_future_release(f);
    return r + 1;
}

CHECK_CASE(two_pools)
{
    watchdog(120);
    tp[0] = check_pool(1, "tpa");
    tp[1] = check_pool(1, "tpb");
    for (int round = 0; round < 10; round++) {
        weft_future *f;
        uintptr_t depth = 40 + (uintptr_t)round;
        CHECK_EQ(weft_submit(tp[depth % 2], cross_job, (void *)depth, &f), 0);
        CHECK_EQ(weft_future_wait(f, -1), 0);
        CHECK_EQ(weft_future_result(f), (int)depth);
        weft_future_release(f);
    }
    CHECK_EQ(weft_pool_destroy(tp[0]), 0);
    CHECK_EQ(weft_pool_destroy(tp[1]), 0);
}

/* ---- blocking regions -------------------------------------------------- */

static int in_region, cpu_running, cpu_beside, cpu_done, cpu_peak;

/* Blocks 10 ms, in a region unless p is NULL.  In a region it stays until
 * the CPU tasks have run two at once beside a region (or all have run):
 * so the peak below reaches 2 whenever spares keep 2 threads on CPU work,
 * however the threads are scheduled. */
static int blocker_job(void *p)
{
    if (p)
        weft_blocking_begin();
    __atomic_fetch_add(&in_region, 1, __ATOMIC_SEQ_CST);
    check_sleep_ms(10);
    while (p && __atomic_load_n(&cpu_peak, __ATOMIC_SEQ_CST) < 2 &&
           __atomic_load_n(&cpu_done, __ATOMIC_SEQ_CST) < 100)
        check_sleep_us(200);
    __atomic_fetch_sub(&in_region, 1, __ATOMIC_SEQ_CST);
    if (p)
        weft_blocking_end();
    return 0;
}

static int cpu_job(void *p)
{
    (void)p;
    int n = __atomic_add_fetch(&cpu_running, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&in_region, __ATOMIC_SEQ_CST) > 0) {
        /* the most CPU tasks running at once while a region is open */
        int peak = __atomic_load_n(&cpu_peak, __ATOMIC_SEQ_CST);
        while (n > peak &&
               !__atomic_compare_exchange_n(&cpu_peak, &peak, n, 0,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        if (n >= 2)
            __atomic_fetch_add(&cpu_beside, 1, __ATOMIC_RELAXED);
    }
    volatile uint64_t x = 0;
    uint64_t t0 = now_ns();
    while (now_ns() - t0 < 1000000) /* 1 ms of CPU */
        x += check_mix(x);
    __atomic_fetch_sub(&cpu_running, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&cpu_done, 1, __ATOMIC_RELAXED);
    return 0;
}

/* Submits 20 blockers (in regions if regions) among 100 CPU jobs to p,
 * waits for all, and returns the time it took in ms. */
static double run_blocking_mix(weft_pool *p, int regions)
{
    weft_future *fs[120];
    uint64_t t0 = now_ns();
    for (int i = 0; i < 120; i++) /* a blocker among every 5 CPU tasks */
        CHECK_EQ(weft_submit(p, i % 6 == 0 ? blocker_job : cpu_job,
                             regions ? (void *)p : NULL, &fs[i]),
                 0);
    for (int i = 0; i < 120; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        weft_future_release(fs[i]);
    }
    return (double)(now_ns() - t0) * 1e-6;
}

CHECK_CASE(blocking)
{
    watchdog(120);
    int threads0 = check_thread_baseline();
    weft_config c;
    weft_config_init(&c);
    c.workers = 2;
    c.bind = 0;
    weft_pool *p;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    /* The same work without regions first, for the printed comparison. */
    double plain_ms = run_blocking_mix(p, 0);
    CHECK_EQ(cpu_done, 100);
    cpu_done = cpu_beside = cpu_peak = 0;
    double ms = run_blocking_mix(p, 1);
    CHECK_EQ(cpu_done, 100);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    printf("blocking: 100 CPU tasks of 1 ms and 20 blockers of 10 ms on 2 "
           "workers: %.1f ms without regions, %.1f ms with; %d CPU tasks "
           "started beside another while a region was open, at most %d at "
           "once; %" PRIu64 " spares started, peak %u\n",
           plain_ms, ms, cpu_beside, cpu_peak, s.spares_started, s.spares_peak);
    CHECK_EQ(s.blocking_regions, 20);
    CHECK(s.spares_started > 0);
    CHECK(cpu_beside > 0); /* two CPU tasks ran while a worker blocked */
    /* the CPU work ran on 2 threads at once while regions were open (a
     * moment more is possible: a blocker back from its region while a
     * spare finishes its task) */
    CHECK(cpu_peak >= 2);
    /* the spares retire: back to the 2 workers */
    CHECK_EQ(check_thread_count_settle(threads0 + 2), threads0 + 2);
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.spares, 0);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* ---- a blocking region on a guest ------------------------------------- */

static weft_pool *gr_pool;
static weft_future *gr_inner;
static int gr_guest; /* the job ran on a guest slot */

static int guest_region_job(void *p)
{
    (void)p;
    gr_guest = weft_current_pool() == gr_pool &&
               weft_worker_id() >= (int)weft_pool_workers(gr_pool);
    /* work that waits: the pool's one worker is held by the gate */
    CHECK_EQ(weft_submit(gr_pool, counted_job, (void *)(uintptr_t)1, &gr_inner),
             0);
    weft_blocking_begin();
    check_sleep_ms(20);
    weft_blocking_end();
    return 3;
}

/* A job that an outside thread's wait runs as a guest, and that blocks in
 * a region while work waits: the guest is not one of the pool's workers,
 * so the region counts but starts no spare (docs/api.md). */
CHECK_CASE(guest_region)
{
    watchdog(60);
    runs = calloc(4, sizeof *runs);
    gr_pool = check_pool(1, "guestreg");
    weft_future *g = hold_worker(gr_pool), *f;
    CHECK_EQ(weft_submit(gr_pool, guest_region_job, NULL, &f), 0);
    CHECK_EQ(weft_future_wait(f, -1), 0); /* runs it here, as a guest */
    CHECK_EQ(weft_future_result(f), 3);
    CHECK_EQ(gr_guest, 1);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(gr_pool, &s), 0);
    CHECK_EQ(s.blocking_regions, 1);
    CHECK_EQ(s.spares_started, 0);
    CHECK_EQ(runs[1], 0); /* still queued behind the gate */
    open_gate();
    CHECK_EQ(weft_future_wait(gr_inner, -1), 0);
    CHECK_EQ(runs[1], 1);
    weft_future_release(gr_inner);
    weft_future_release(f);
    CHECK_EQ(weft_future_wait(g, -1), 0);
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(gr_pool), 0);
    free(runs);
    runs = NULL;
}

/* ---- completion callback ---------------------------------------------- */

#define CB_N 10000
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cb_cond = PTHREAD_COND_INITIALIZER;
static weft_future *cb_seen[CB_N];
static int cb_count;

static void on_complete(weft_future *f, void *ctx)
{
    CHECK(ctx == &cb_count);
    pthread_mutex_lock(&cb_lock);
    CHECK(cb_count < CB_N);
    cb_seen[cb_count++] = f;
    pthread_cond_signal(&cb_cond);
    pthread_mutex_unlock(&cb_lock);
}

static int cb_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (weft_future *const *)a;
    uintptr_t y = (uintptr_t) * (weft_future *const *)b;
    return x < y ? -1 : x > y;
}

CHECK_CASE(callback)
{
    watchdog(60);
    weft_config c;
    weft_config_init(&c);
    c.workers = 2;
    c.on_complete = on_complete;
    c.on_complete_ctx = &cb_count;
    weft_pool *p;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    static weft_future *fs[CB_N];
    for (uintptr_t i = 0; i < CB_N; i++)
        CHECK_EQ(weft_submit(p, plain_job, (void *)i, &fs[i]), 0);
    /* the first to finish, then all of them, in the order they finished */
    pthread_mutex_lock(&cb_lock);
    while (cb_count < CB_N)
        pthread_cond_wait(&cb_cond, &cb_lock);
    pthread_mutex_unlock(&cb_lock);
    long sum = 0;
    for (int i = 0; i < CB_N; i++) {
        CHECK_EQ(weft_future_wait(cb_seen[i], 0), 0);
        sum += weft_future_result(cb_seen[i]);
    }
    CHECK_EQ(sum, (long)CB_N * (CB_N - 1) / 2);
    qsort(cb_seen, CB_N, sizeof cb_seen[0], cb_cmp);
    qsort(fs, CB_N, sizeof fs[0], cb_cmp);
    for (int i = 0; i < CB_N; i++)
        CHECK(cb_seen[i] == fs[i]); /* each exactly once */
    for (int i = 0; i < CB_N; i++)
        weft_future_release(fs[i]);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* ---- shutdown ------------------------------------------------------------ */

static void run_nothing(void *p) { (void)p; }

CHECK_CASE(shutdown_queued)
{
    watchdog(60);
    runs = calloc(100, sizeof *runs);
    weft_pool *p = check_pool(1, "shutq");
    weft_future *g = hold_worker(p), *fs[100];
    for (uintptr_t i = 0; i < 100; i++)
        CHECK_EQ(weft_submit(p, counted_job, (void *)i, &fs[i]), 0);
    uint64_t t0 = now_ns();
    CHECK_EQ(weft_pool_shutdown(p, 30000000), WEFT_ETIMEDOUT);
    CHECK(now_ns() - t0 >= 30000000u);
    weft_future *f = SENTINEL_F;
    CHECK_EQ(weft_submit(p, counted_job, NULL, &f), WEFT_ESHUTDOWN);
    CHECK(f == SENTINEL_F);
    CHECK_EQ(weft_pool_run(p, run_nothing, NULL), WEFT_ESHUTDOWN);
    int cancelled = 0;
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(weft_future_wait(fs[i], 0), 0);
        cancelled += weft_future_result(fs[i]) == WEFT_ECANCELED;
        weft_future_release(fs[i]);
    }
    CHECK_EQ(cancelled, 100);
    CHECK_EQ(weft_future_result(g), WEFT_EBUSY); /* never killed */
    open_gate();
    CHECK_EQ(weft_future_wait(g, -1), 0);
    CHECK_EQ(weft_future_result(g), 7);
    weft_future_release(g);
    CHECK_EQ(weft_pool_shutdown(p, -1), 0);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.run, 1);
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(weft_pool_destroy(p), 0);
    for (int i = 0; i < 100; i++)
        CHECK_EQ(runs[i], 0);

    /* Time enough: the queued jobs all run, and shutdown returns 0. */
    p = check_pool(1, "shutq");
    g = hold_worker(p);
    for (uintptr_t i = 0; i < 100; i++)
        CHECK_EQ(weft_submit(p, counted_job, (void *)i, &fs[i]), 0);
    open_gate();
    CHECK_EQ(weft_pool_shutdown(p, -1), 0);
    for (int i = 0; i < 100; i++) {
        CHECK_EQ(weft_future_wait(fs[i], 0), 0);
        CHECK_EQ(weft_future_result(fs[i]), i * 3);
        CHECK_EQ(runs[i], 1);
        weft_future_release(fs[i]);
    }
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);
    free(runs);
    runs = NULL;
}

#define RACE_WINDOW 1024
static weft_pool *race_pool;
struct racer {
    unsigned long accepted, refused, done, cancelled;
};

/* Waits for and tallies the n futures of fs, and releases them. */
static void race_tally(struct racer *r, weft_future **fs, unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        CHECK_EQ(weft_future_wait(fs[i], -1), 0);
        int v = weft_future_result(fs[i]);
        CHECK(v == 0 || v == WEFT_ECANCELED);
        r->done += v == 0;
        r->cancelled += v == WEFT_ECANCELED;
        weft_future_release(fs[i]);
    }
}

/* Submits until the pool refuses, tallying its futures a window at a
 * time. */
static void *race_thread(void *arg)
{
    struct racer *r = arg;
    weft_future *fs[RACE_WINDOW];
    unsigned long n = 0;
    for (;;) {
        weft_future *f = SENTINEL_F;
        int rc = weft_submit(race_pool, counted_job, (void *)(uintptr_t)0, &f);
        if (rc == WEFT_ESHUTDOWN) {
            CHECK(f == SENTINEL_F);
            r->refused++;
            break;
        }
        CHECK_EQ(rc, 0);
        r->accepted++;
        fs[n++] = f;
        if (n == RACE_WINDOW) {
            race_tally(r, fs, n);
            n = 0;
        }
    }
    race_tally(r, fs, n);
    return NULL;
}

CHECK_CASE(shutdown_race)
{
    watchdog(120);
    for (int round = 0; round < 2; round++) {
        int64_t timeout = round == 0 ? -1 : 0;
        runs = calloc(1, sizeof *runs);
        race_pool = pool_of(2, 256, WEFT_ON_FULL_BLOCK, -1);
        struct racer r[8];
        pthread_t th[8];
        memset(r, 0, sizeof r);
        for (int t = 0; t < 8; t++)
            CHECK_EQ(pthread_create(&th[t], NULL, race_thread, &r[t]), 0);
        check_sleep_ms(20);
        int rc = weft_pool_shutdown(race_pool, timeout);
        CHECK(rc == 0 || (timeout == 0 && rc == WEFT_ETIMEDOUT));
        unsigned long accepted = 0, refused = 0, done = 0, cancelled = 0;
        for (int t = 0; t < 8; t++) {
            pthread_join(th[t], NULL);
            accepted += r[t].accepted;
            refused += r[t].refused;
            done += r[t].done;
            cancelled += r[t].cancelled;
        }
        weft_future *f = SENTINEL_F;
        CHECK_EQ(weft_submit(race_pool, counted_job, NULL, &f), WEFT_ESHUTDOWN);
        CHECK(f == SENTINEL_F);
        CHECK_EQ(weft_pool_destroy(race_pool), 0);
        printf("shutdown-race (timeout %" PRId64 "): %lu accepted, %lu run, "
               "%lu cancelled, %lu refused\n",
               timeout, accepted, done, cancelled, refused);
        CHECK_EQ(refused, 8); /* every thread met the shutdown */
        CHECK_EQ(done + cancelled, accepted);
        CHECK_EQ((unsigned long)runs[0], done); /* each ran once */
        if (timeout < 0)
            CHECK_EQ(cancelled, 0);
        free(runs);
        runs = NULL;
    }
}

static int shut_from_worker_rc;
static weft_pool *sfw_pool;
static void shut_from_worker(void *p)
{
    (void)p;
    shut_from_worker_rc = weft_pool_shutdown(sfw_pool, -1);
}

CHECK_CASE(shutdown_idle)
{
    watchdog(60);
    weft_pool *p = check_pool(2, "idle");
    CHECK_EQ(weft_pool_shutdown(NULL, -1), WEFT_EINVAL);
    sfw_pool = p;
    CHECK_EQ(weft_pool_run(p, shut_from_worker, NULL), 0);
    CHECK_EQ(shut_from_worker_rc, WEFT_EDEADLK);
    CHECK_EQ(weft_pool_shutdown(p, 0), 0);
    CHECK_EQ(weft_pool_shutdown(p, -1), 0);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* ---- configuration and regions -------------------------------------- */

static int unmatched_job(void *p)
{
    (void)p;
    weft_blocking_end();
    return 0;
}

/* check_in_child's body: a job that ends a region it never began. */
static int unmatched_end(void *p)
{
    (void)p;
    weft_pool *pool = check_pool(1, "misuse");
    weft_future *f;
    if (weft_submit(pool, unmatched_job, NULL, &f) != 0)
        return 3;
    weft_future_wait(f, -1);
    return 4; /* not reached: the end aborts */
}

static int nested_job(void *p)
{
    (void)p;
    weft_blocking_begin();
    weft_blocking_begin();
    weft_blocking_end();
    weft_blocking_end();
    return 0;
}

CHECK_CASE(config)
{
    watchdog(60);
    weft_config c;
    weft_config_init(&c);
    CHECK_EQ(c.queue_capacity, 0);
    CHECK_EQ(c.on_full, WEFT_ON_FULL_BLOCK);
    CHECK(c.submit_timeout_ns < 0);
    CHECK(c.on_complete == NULL);
    weft_pool *p = (weft_pool *)SENTINEL_F;
    c.on_full = 3;
    CHECK_EQ(weft_pool_create(&p, &c), WEFT_EINVAL);
    c.on_full = -1;
    CHECK_EQ(weft_pool_create(&p, &c), WEFT_EINVAL);
    c.on_full = WEFT_ON_FULL_REJECT;
    c.queue_capacity = WEFT_MAX_QUEUE_CAPACITY + 1;
    CHECK_EQ(weft_pool_create(&p, &c), WEFT_ERANGE);
    CHECK(p == (weft_pool *)SENTINEL_F);
    c.queue_capacity = 0;
    c.workers = 1;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    weft_future *f = SENTINEL_F;
    CHECK_EQ(weft_submit(NULL, plain_job, NULL, &f), WEFT_EINVAL);
    CHECK_EQ(weft_submit(p, NULL, NULL, &f), WEFT_EINVAL);
    CHECK_EQ(weft_submit(p, plain_job, NULL, NULL), WEFT_EINVAL);
    CHECK(f == SENTINEL_F);
    char text[4096];
    FILE *out = tmpfile();
    CHECK_EQ(weft_pool_print(p, out), 0);
    rewind(out);
    size_t len = fread(text, 1, sizeof text - 1, out);
    text[len] = '\0';
    fclose(out);
    CHECK(strstr(text, "queue          0 queued of 1048576, on full reject "
                       "(timeout no limit)") != NULL);
    CHECK(strstr(text, "blocking       0 regions") != NULL);

    /* regions: nothing outside a worker; nested ones count once */
    weft_blocking_begin();
    weft_blocking_end();
    weft_blocking_end();
    CHECK_EQ(weft_submit(p, nested_job, NULL, &f), 0);
    CHECK_EQ(weft_future_wait(f, -1), 0);
    weft_future_release(f);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(p, &s), 0);
    CHECK_EQ(s.blocking_regions, 1);
    CHECK_EQ(weft_pool_destroy(p), 0);

    /* an end without its begin, on a worker: misuse, named */
    char err[1024];
    int status = check_in_child(unmatched_end, NULL, err, sizeof err);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strstr(err, "weft_blocking_end without weft_blocking_begin") != NULL);
}

/* ---- a wait from outside runs its queued job ---------------------------- */

static pthread_t guest_thread;
static weft_pool *guest_pool;
static int guest_id;
static int guest_job(void *p)
{
    guest_thread = pthread_self();
    guest_pool = weft_current_pool();
    guest_id = weft_worker_id();
    return (int)(uintptr_t)p;
}

CHECK_CASE(wait_runs)
{
    watchdog(60);
    weft_pool *p = check_pool(1, "wait-runs");
    weft_future *g = hold_worker(p), *f, *t;
    CHECK_EQ(weft_submit(p, guest_job, (void *)(uintptr_t)5, &f), 0);
    CHECK_EQ(weft_submit(p, guest_job, (void *)(uintptr_t)6, &t), 0);
    /* timed: the job stays queued (the worker is held) */
    CHECK_EQ(weft_future_wait(t, 1000000), WEFT_ETIMEDOUT);
    CHECK_EQ(weft_future_result(t), WEFT_EBUSY);
    /* no limit: this thread runs it, in p, while the gate is closed */
    CHECK_EQ(weft_future_wait(f, -1), 0);
    CHECK_EQ(weft_future_result(f), 5);
    CHECK(pthread_equal(guest_thread, pthread_self()));
    CHECK(guest_pool == p);
    CHECK(guest_id >= (int)weft_pool_id_limit(p) - 8); /* a guest slot */
    CHECK(guest_id < (int)weft_pool_id_limit(p));
    CHECK(weft_self() == NULL); /* and it left the pool */
    CHECK_EQ(weft_future_result(g), WEFT_EBUSY);
    open_gate();
    CHECK_EQ(weft_future_wait(g, -1), 0);
    CHECK_EQ(weft_future_wait(t, -1), 0);
    CHECK_EQ(weft_future_result(t), 6);
    weft_stats s = settle_queue(p, 3);
    CHECK_EQ(s.run, 3);
    CHECK_EQ(s.queued, 0);
    weft_future_release(f);
    weft_future_release(t);
    weft_future_release(g);
    CHECK_EQ(weft_pool_destroy(p), 0);
}

/* ---- a submitter blocked for room, at a shutdown; jobs that fill their
 * own queue -------------------------------------------------------------- */

static int sb_gate, sb_started, sb_ran, sb_rc;
static weft_pool *sb_pool;
static weft_future *sb_f;

static int sb_gate_job(void *p)
{
    (void)p;
    __atomic_store_n(&sb_started, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&sb_gate, __ATOMIC_ACQUIRE))
        usleep(100);
    return 0;
}

static int sb_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&sb_ran, 1, __ATOMIC_SEQ_CST);
    return 1;
}

static void *sb_submitter(void *p)
{
    (void)p;
    sb_rc = weft_submit(sb_pool, sb_job, NULL, &sb_f);
    return NULL;
}

/* The shutdown's cancels free room in the queue, but a submitter blocked
 * for room when it began must get WEFT_ESHUTDOWN, never a place. */
CHECK_CASE(shutdown_blocked)
{
    for (int round = 0; round < 10; round++) {
        weft_config c;
        weft_config_init(&c);
        c.workers = 1;
        c.bind = 0;
        c.queue_capacity = 4;
        CHECK_EQ(weft_pool_create(&sb_pool, &c), 0);
        sb_gate = sb_started = sb_ran = 0;
        sb_f = NULL;
        weft_future *g, *fs[4];
        CHECK_EQ(weft_submit(sb_pool, sb_gate_job, NULL, &g), 0);
        while (!__atomic_load_n(&sb_started, __ATOMIC_SEQ_CST))
            usleep(100);
        for (int i = 0; i < 4; i++)
            CHECK_EQ(weft_submit(sb_pool, sb_job, NULL, &fs[i]), 0);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, sb_submitter, NULL), 0);
        weft_stats st;
        do { /* until the submitter found the queue full */
            usleep(100);
            CHECK_EQ(weft_pool_stats(sb_pool, &st), 0);
        } while (st.queue_full == 0);
        usleep(2000); /* (then it sleeps: not needed for the check) */
        CHECK_EQ(weft_pool_shutdown(sb_pool, 0), WEFT_ETIMEDOUT);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(sb_rc, WEFT_ESHUTDOWN);
        CHECK(sb_f == NULL);
        __atomic_store_n(&sb_gate, 1, __ATOMIC_RELEASE);
        CHECK_EQ(weft_pool_shutdown(sb_pool, -1), 0);
        CHECK_EQ(__atomic_load_n(&sb_ran, __ATOMIC_SEQ_CST), 0);
        for (int i = 0; i < 4; i++) {
            CHECK_EQ(weft_future_result(fs[i]), WEFT_ECANCELED);
            weft_future_release(fs[i]);
        }
        weft_future_release(g);
        CHECK_EQ(weft_pool_destroy(sb_pool), 0);
    }
}

static weft_pool *own_pool;
static int own_done;

static int own_job(void *p)
{
    long d = (long)p;
    if (d > 0)
        for (int i = 0; i < 2; i++) {
            weft_future *f;
            CHECK_EQ(weft_submit(own_pool, own_job, (void *)(d - 1), &f), 0);
            weft_future_release(f);
        }
    __atomic_fetch_add(&own_done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* Jobs that submit to their own full queue (WEFT_ON_FULL_BLOCK, room for
 * one) with few spares: a blocked submitter runs queued jobs of its pool,
 * so the tree of 511 jobs completes (before, it hung once every thread
 * was blocked for room). */
CHECK_CASE(own_queue)
{
    for (unsigned spares = 1; spares <= 8; spares *= 2) {
        weft_config c;
        weft_config_init(&c);
        c.workers = 1;
        c.bind = 0;
        c.queue_capacity = 1;
        c.max_spares = spares;
        CHECK_EQ(weft_pool_create(&own_pool, &c), 0);
        own_done = 0;
        weft_future *f;
        CHECK_EQ(weft_submit(own_pool, own_job, (void *)8L, &f), 0);
        weft_future_release(f);
        /* (the test's time-out is the hang detector) */
        while (__atomic_load_n(&own_done, __ATOMIC_SEQ_CST) < 511)
            usleep(1000);
        CHECK_EQ(weft_pool_shutdown(own_pool, -1), 0);
        CHECK_EQ(own_done, 511);
        CHECK_EQ(weft_pool_destroy(own_pool), 0);
    }
}

static const struct check_case cases[] = {
    {"many", many, 0},
    {"block", block, 0},
    {"reject", reject, 0},
    {"reject-rounds", reject_rounds, 0},
    {"caller-runs", caller_runs, 0},
    {"soak", soak, 0},
    {"deadline", deadline, 0},
    {"cancel", cancel, 0},
    {"wait-runs", wait_runs, 0},
    {"release", release, 0},
    {"self-wait", self_wait, 0},
    {"two-pools", two_pools, 0},
    {"blocking", blocking, 0},
    {"guest-region", guest_region, 0},
    {"callback", callback, 0},
    {"shutdown-queued", shutdown_queued, 0},
    {"shutdown-race", shutdown_race, 0},
    {"shutdown-idle", shutdown_idle, 0},
    {"config", config, 0},
    {"shutdown-blocked", shutdown_blocked, 0},
    {"own-queue", own_queue, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-futures", "[N]", NULL, NULL,
                                             cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

/*
 * test-shutdown - the ends of submitted jobs: weft_pool_shutdown from
 * other pools' workers and around blocking regions and resubmitting jobs,
 * weft_future_cancel racing a job's start, and on_complete on every path
 * that finishes a future (docs/api.md, "Submission and futures").
 *
 *  shutdown-foreign  A worker of pool A shuts pool B down while B's run
 *              waits for a job it submitted back to A, and A's one spare
 *              is held in a blocking region: the shutdown runs that job
 *              itself (as destroy's drain does) and returns 0.
 *  cancel-race  20,000 rounds of a cancel from another thread racing the
 *              job's start by a worker or by its waiter: cancel 0 exactly
 *              when the job never ran (WEFT_ECANCELED), WEFT_EBUSY exactly
 *              when it ran once; on_complete once per future.
 *  callback-paths  on_complete on caller-runs, cancel, shutdown's cancel
 *              and a worker's completion: once per future, with its final
 *              result, on the thread that ended it.
 *  shutdown-blocking  Both workers of a 2-worker pool in blocking regions:
 *              spares run 50 queued jobs; a shutdown refuses work at once
 *              and returns 0 once the regions end; spares retire, thread
 *              count back to 2, exact counts.
 *  shutdown-resubmit  Jobs that submit jobs while the pool shuts down,
 *              with no limit and with 0: every submission is exactly one
 *              of run, cancelled, refused (WEFT_ESHUTDOWN), exact counts.
 *  shutdown-concurrent  8 threads shut one busy pool down at once with no
 *              limit: each returns 0 once its jobs end, every job ran
 *              once; then 8 again with a destroy racing them: each returns
 *              0 or WEFT_ESHUTDOWN, and the destroy frees the pool only
 *              after they left (ASan, TSan).
 *
 * Usage: test-shutdown CASE | test-shutdown [all] | --list
 * No timing decides a result: time limits here are hang detectors.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "check.h"

static void watchdog(unsigned seconds)
{
    signal(SIGALRM, SIG_DFL);
    alarm(seconds); /* a hang ends the test with SIGALRM */
}

static int load(const int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

/* Sleeps until *p is set. */
static void await(const int *p)
{
    while (!load(p))
        check_sleep_us(200);
}

/* ---- shutdown from a worker of another pool ------------------------- */

static weft_pool *sf_a, *sf_b;
static int sf_b_started, sf_go, sf_inner_ran, sf_shut_rc, sf_shut_done;

static void sf_inner(void *p)
{
    (void)p;
    store(&sf_inner_ran, 1);
}

/* B's run: waits for sf_go, then submits back to A and waits for it. */
static void sf_b_job(void *p)
{
    (void)p;
    store(&sf_b_started, 1);
    await(&sf_go);
    CHECK_EQ(weft_pool_run(sf_a, sf_inner, NULL), 0);
}

static void *sf_b_thread(void *p)
{
    (void)p;
    CHECK_EQ(weft_pool_run(sf_b, sf_b_job, NULL), 0);
    return NULL;
}

/* A's spare: a blocking region open until the shutdown returned.  Opening
 * it lets B's run go on, so that its job for A finds no spare left. */
static int sf_region_job(void *p)
{
    (void)p;
    weft_blocking_begin();
    store(&sf_go, 1);
    await(&sf_shut_done);
    weft_blocking_end();
    return 0;
}

/* On A's one worker: the spare that its blocked shutdown starts takes the
 * region job; 10 s is a hang detector (the wait would last until then). */
static void sf_shut_task(void *p)
{
    (void)p;
    weft_future *f;
    CHECK_EQ(weft_submit(sf_a, sf_region_job, NULL, &f), 0);
    sf_shut_rc = weft_pool_shutdown(sf_b, 10000000000LL);
    store(&sf_shut_done, 1);
    CHECK_EQ(weft_future_wait(f, -1), 0);
    weft_future_release(f);
}

CHECK_CASE(shutdown_foreign)
{
    watchdog(120);
    weft_config c;
    weft_config_init(&c);
    c.workers = 1;
    c.max_spares = 1;
    c.name = "sfa";
    CHECK_EQ(weft_pool_create(&sf_a, &c), 0);
    sf_b = check_pool(1, "sfb");
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, sf_b_thread, NULL), 0);
    await(&sf_b_started);
    CHECK_EQ(weft_pool_run(sf_a, sf_shut_task, NULL), 0);
    CHECK_EQ(sf_shut_rc, 0);
    CHECK_EQ(load(&sf_inner_ran), 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(sf_a, &s), 0);
    CHECK_EQ(s.spares_started, 1);
    CHECK(s.spare_limit_hits > 0); /* the job for A found no spare left */
    CHECK_EQ(weft_pool_destroy(sf_b), 0);
    CHECK_EQ(weft_pool_destroy(sf_a), 0);
}

/* ---- cancel racing the start ------------------------------------------ */

#define RACE_ROUNDS 20000
static weft_pool *cr_pool;
static weft_future *cr_f; /* the round's future, for the canceller */
static int cr_round, cr_rc, cr_done_round, cr_ran, cr_calls;
static weft_future *cr_called; /* the future of the last on_complete */

static int cr_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&cr_ran, 1, __ATOMIC_SEQ_CST);
    return 11;
}

static void cr_complete(weft_future *f, void *ctx)
{
    (void)ctx;
    __atomic_store_n(&cr_called, f, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&cr_calls, 1, __ATOMIC_SEQ_CST);
}

/* Cancels each round's future soon after it is published. */
static void *cr_canceller(void *p)
{
    (void)p;
    for (int r = 1; r <= RACE_ROUNDS; r++) {
        while (load(&cr_round) != r)
            sched_yield();
        /* a delay that varies by round, across the time a worker takes
         * to start the job; none when it races the waiter's claim */
        unsigned delay = r % 4 == 1 ? 0 : (unsigned)(check_mix(r) % 20000u);
        for (volatile unsigned k = delay; k; k--)
            ;
        cr_rc = weft_future_cancel(__atomic_load_n(&cr_f, __ATOMIC_SEQ_CST));
        store(&cr_done_round, r);
    }
    return NULL;
}

/* Each round one job is submitted to a 2-worker pool, and at once a thread
 * cancels it, after a delay that varies by round, while a worker may
 * start it and, every other round, the submitter waits for it with no
 * limit (and may run it itself): cancel returns 0 exactly when the job never ran (result
 * WEFT_ECANCELED), WEFT_EBUSY exactly when it ran (its result); never
 * both, never neither; on_complete once per future. */
CHECK_CASE(cancel_race)
{
    watchdog(240);
    weft_config c;
    weft_config_init(&c);
    c.workers = 2;
    c.on_complete = cr_complete;
    CHECK_EQ(weft_pool_create(&cr_pool, &c), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, cr_canceller, NULL), 0);
    unsigned won = 0, busy = 0;
    for (int r = 1; r <= RACE_ROUNDS; r++) {
        int ran0 = load(&cr_ran);
        weft_future *f;
        CHECK_EQ(weft_submit(cr_pool, cr_job, NULL, &f), 0);
        __atomic_store_n(&cr_f, f, __ATOMIC_SEQ_CST);
        store(&cr_round, r);
        if (r % 2)
            CHECK_EQ(weft_future_wait(f, -1), 0); /* may run it here */
        while (load(&cr_done_round) != r)
            sched_yield();
        CHECK_EQ(weft_future_wait(f, -1), 0);
        int ran = load(&cr_ran) - ran0;
        if (cr_rc == 0) {
            won++;
            CHECK_EQ(ran, 0);
            CHECK_EQ(weft_future_result(f), WEFT_ECANCELED);
        } else {
            busy++;
            CHECK_EQ(cr_rc, WEFT_EBUSY);
            CHECK_EQ(ran, 1);
            CHECK_EQ(weft_future_result(f), 11);
        }
        /* its on_complete (a worker may call it after the wait
         * returned): the r-th call, for f; a second one would show in the
         * count of a later round */
        while (load(&cr_calls) < r)
            sched_yield();
        CHECK_EQ(load(&cr_calls), r);
        CHECK(__atomic_load_n(&cr_called, __ATOMIC_SEQ_CST) == f);
        weft_future_release(f);
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    printf("cancel-race: %u rounds, cancel won %u, job started first %u\n",
           RACE_ROUNDS, won, busy);
    CHECK_EQ(won + busy, RACE_ROUNDS);
    CHECK_EQ((unsigned)load(&cr_ran), busy);
    CHECK_EQ(weft_pool_destroy(cr_pool), 0);
    CHECK_EQ(cr_calls, RACE_ROUNDS);
}

/* ---- on_complete on every path that ends a future ------------------- */

static int gate, gate_started;

static int gate_job(void *p)
{
    (void)p;
    store(&gate_started, 1);
    await(&gate);
    return 7;
}

#define CB_MAX 16
static struct cb_call {
    weft_future *f;
    int result;
    pthread_t thread;
} cb_calls[CB_MAX];
static int cb_n;
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;

static void cb_record(weft_future *f, void *ctx)
{
    CHECK(ctx == &cb_n);
    pthread_mutex_lock(&cb_lock);
    CHECK(cb_n < CB_MAX);
    cb_calls[cb_n].f = f;
    cb_calls[cb_n].result = weft_future_result(f); /* final already */
    cb_calls[cb_n].thread = pthread_self();
    cb_n++;
    pthread_mutex_unlock(&cb_lock);
}

/* The calls for f: how many, and the last one's result and thread. */
static int cb_of(weft_future *f, int *result, pthread_t *thread)
{
    int n = 0;
    pthread_mutex_lock(&cb_lock);
    for (int i = 0; i < cb_n; i++)
        if (cb_calls[i].f == f) {
            n++;
            *result = cb_calls[i].result;
            *thread = cb_calls[i].thread;
        }
    pthread_mutex_unlock(&cb_lock);
    return n;
}

static int value_job(void *p) { return (int)(uintptr_t)p; }

/* A 1-worker pool of capacity 4 with caller-runs, its worker held: the two
 * submissions past the capacity run on the submitter, one queued job is
 * cancelled, the shutdown cancels the other three, then the gate job
 * ends.  Each future's on_complete comes once, with its final result, on
 * the thread that ended it (the caller for all but the gate's). */
CHECK_CASE(callback_paths)
{
    watchdog(60);
    weft_config c;
    weft_config_init(&c);
    c.workers = 1;
    c.queue_capacity = 4;
    c.on_full = WEFT_ON_FULL_CALLER_RUNS;
    c.on_complete = cb_record;
    c.on_complete_ctx = &cb_n;
    weft_pool *p;
    CHECK_EQ(weft_pool_create(&p, &c), 0);
    pthread_t me = pthread_self(), th = me;
    int res;
    weft_future *g, *q[4], *cr[2];
    CHECK_EQ(weft_submit(p, gate_job, NULL, &g), 0);
    await(&gate_started);
    for (uintptr_t i = 0; i < 4; i++)
        CHECK_EQ(weft_submit(p, value_job, (void *)(i + 1), &q[i]), 0);
    CHECK_EQ(cb_n, 0);
    for (uintptr_t i = 0; i < 2; i++) { /* full: caller runs */
        CHECK_EQ(weft_submit(p, value_job, (void *)(i + 10), &cr[i]), 0);
        CHECK_EQ(cb_of(cr[i], &res, &th), 1); /* before submit returned */
        CHECK_EQ(res, (int)(i + 10));
        CHECK(pthread_equal(th, me));
    }
    CHECK_EQ(weft_future_cancel(q[0]), 0);
    CHECK_EQ(cb_of(q[0], &res, &th), 1);
    CHECK_EQ(res, WEFT_ECANCELED);
    CHECK(pthread_equal(th, me));
    CHECK_EQ(weft_future_cancel(q[0]), WEFT_EBUSY); /* no second call */
    CHECK_EQ(weft_pool_shutdown(p, 0), WEFT_ETIMEDOUT);
    for (int i = 1; i < 4; i++) {
        CHECK_EQ(cb_of(q[i], &res, &th), 1);
        CHECK_EQ(res, WEFT_ECANCELED);
        CHECK(pthread_equal(th, me));
    }
    CHECK_EQ(cb_of(g, &res, &th), 0); /* still running: never killed */
    store(&gate, 1);
    CHECK_EQ(weft_future_wait(g, -1), 0);
    CHECK_EQ(weft_pool_shutdown(p, -1), 0);
    CHECK_EQ(cb_of(g, &res, &th), 1);
    CHECK_EQ(res, 7);
    CHECK(!pthread_equal(th, me)); /* on the worker */
    CHECK_EQ(weft_pool_destroy(p), 0);
    CHECK_EQ(cb_n, 7); /* the gate, 4 queued, 2 caller-runs: once each */
    weft_future_release(g);
    for (int i = 0; i < 4; i++)
        weft_future_release(q[i]);
    for (int i = 0; i < 2; i++)
        weft_future_release(cr[i]);
}

/* ---- shutdown while jobs sit in blocking regions ----------------------- */

#define BR_CPU 50
static int br_in_region, br_gate, br_cpu_done;

static int br_blocker(void *p)
{
    (void)p;
    weft_blocking_begin();
    __atomic_fetch_add(&br_in_region, 1, __ATOMIC_SEQ_CST);
    await(&br_gate);
    weft_blocking_end();
    return 1;
}

static int br_cpu(void *p)
{
    (void)p;
    volatile uint64_t x = 0;
    for (int i = 0; i < 20000; i++)
        x += check_mix(x);
    __atomic_fetch_add(&br_cpu_done, 1, __ATOMIC_SEQ_CST);
    return 2;
}

static weft_pool *br_pool;
static int br_shut_rc, br_shut_returned;

static void *br_shutter(void *p)
{
    (void)p;
    br_shut_rc = weft_pool_shutdown(br_pool, -1);
    store(&br_shut_returned, 1);
    return NULL;
}

/* A 2-worker pool whose two workers both block in regions: spares run the
 * 50 CPU jobs queued beside them; a shutdown with no limit begun then
 * refuses new work and returns 0 only once the regions end; the spares
 * retire (thread count back to 2), and every count is exact. */
CHECK_CASE(shutdown_blocking)
{
    watchdog(120);
    int threads0 = check_thread_baseline();
    weft_config c;
    weft_config_init(&c);
    c.workers = 2;
    c.bind = 0;
    c.name = "shutblk";
    CHECK_EQ(weft_pool_create(&br_pool, &c), 0);
    weft_future *b[2], *fs[BR_CPU];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(weft_submit(br_pool, br_blocker, NULL, &b[i]), 0);
    while (load(&br_in_region) < 2)
        check_sleep_us(200);
    for (int i = 0; i < BR_CPU; i++)
        CHECK_EQ(weft_submit(br_pool, br_cpu, NULL, &fs[i]), 0);
    while (load(&br_cpu_done) < BR_CPU) /* only spares can run them */
        check_sleep_us(200);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, br_shutter, NULL), 0);
    /* until the shutdown refuses work (shut is set) */
    unsigned accepted = 0;
    for (;;) {
        weft_future *f;
        int rc = weft_submit(br_pool, value_job, (void *)(uintptr_t)3, &f);
        if (rc == WEFT_ESHUTDOWN)
            break;
        CHECK_EQ(rc, 0);
        accepted++;
        CHECK_EQ(weft_future_wait(f, -1), 0);
        CHECK_EQ(weft_future_result(f), 3);
        weft_future_release(f);
        check_sleep_us(100);
    }
    CHECK_EQ(load(&br_shut_returned), 0); /* the blockers still run */
    weft_stats s;
    CHECK_EQ(weft_pool_stats(br_pool, &s), 0);
    CHECK_EQ(s.blocking_regions, 2);
    CHECK(s.spares_started >= 1);
    CHECK(s.spares_peak >= 1 && s.spares_peak <= 2);
    store(&br_gate, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(br_shut_rc, 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(weft_future_result(b[i]), 1);
        weft_future_release(b[i]);
    }
    for (int i = 0; i < BR_CPU; i++) {
        CHECK_EQ(weft_future_result(fs[i]), 2);
        weft_future_release(fs[i]);
    }
    /* the spares retire: back to the 2 workers */
    CHECK_EQ(check_thread_count_settle(threads0 + 2), threads0 + 2);
    s = check_stats_settle(br_pool, 2 + BR_CPU + accepted);
    CHECK_EQ(s.spares, 0);
    CHECK_EQ(s.submitted, 2 + BR_CPU + accepted);
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(weft_pool_destroy(br_pool), 0);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
}

/* ---- shutdown of jobs that submit more jobs ------------------------- */

#define RS_KIDS 10
static weft_pool *rs_pool;
static int rs_attempts, rs_accepted, rs_refused, rs_ran, rs_cancelled,
    rs_kids_queued;

static int rs_job(void *p);

/* Submits kind p, detached; counts the attempt and its outcome. */
static int rs_submit(uintptr_t kind)
{
    __atomic_fetch_add(&rs_attempts, 1, __ATOMIC_SEQ_CST);
    weft_future *f = NULL;
    int rc = weft_submit(rs_pool, rs_job, (void *)kind, &f);
    if (rc == 0) {
        __atomic_fetch_add(&rs_accepted, 1, __ATOMIC_SEQ_CST);
        weft_future_release(f);
    } else {
        CHECK_EQ(rc, WEFT_ESHUTDOWN);
        CHECK(f == NULL);
        __atomic_fetch_add(&rs_refused, 1, __ATOMIC_SEQ_CST);
    }
    return rc;
}

/* kind 0: the root, which submits RS_KIDS children and then probes until
 * the shutdown refuses; 1: a child, which submits two leaves; 2: a
 * leaf. */
static int rs_job(void *p)
{
    uintptr_t kind = (uintptr_t)p;
    __atomic_fetch_add(&rs_ran, 1, __ATOMIC_SEQ_CST);
    if (kind == 0) {
        for (int i = 0; i < RS_KIDS; i++)
            CHECK_EQ(rs_submit(1), 0);
        store(&rs_kids_queued, 1);
        while (rs_submit(2) == 0) /* probes, until the shutdown */
            check_sleep_us(100);
    } else if (kind == 1) {
        rs_submit(2);
        rs_submit(2);
    }
    return 0;
}

static void rs_complete(weft_future *f, void *ctx)
{
    (void)ctx;
    if (weft_future_result(f) == WEFT_ECANCELED)
        __atomic_fetch_add(&rs_cancelled, 1, __ATOMIC_SEQ_CST);
}

/* A 1-worker pool runs a root job that queues 10 children behind itself,
 * then submits until refused; the shutdown begins meanwhile.  With no
 * limit the children run, and each of their submissions is refused; with
 * a limit of 0 every queued job is cancelled.  Every submission is
 * exactly one of run, cancelled, refused. */
CHECK_CASE(shutdown_resubmit)
{
    watchdog(120);
    for (int round = 0; round < 2; round++) {
        int64_t limit = round == 0 ? -1 : 0;
        rs_attempts = rs_accepted = rs_refused = rs_ran = rs_cancelled = 0;
        rs_kids_queued = 0;
        weft_config c;
        weft_config_init(&c);
        c.workers = 1;
        c.on_complete = rs_complete;
        CHECK_EQ(weft_pool_create(&rs_pool, &c), 0);
        CHECK_EQ(rs_submit(0), 0);
        await(&rs_kids_queued);
        int rc = weft_pool_shutdown(rs_pool, limit);
        /* (with 0: the root still runs, its children were cancelled) */
        CHECK_EQ(rc, limit < 0 ? 0 : WEFT_ETIMEDOUT);
        CHECK_EQ(weft_pool_destroy(rs_pool), 0);
        printf("shutdown-resubmit (limit %" PRId64 "): %d submissions: %d "
               "run, %d cancelled, %d refused\n",
               limit, rs_attempts, rs_ran, rs_cancelled, rs_refused);
        CHECK_EQ(rs_attempts, rs_accepted + rs_refused);
        CHECK_EQ(rs_accepted, rs_ran + rs_cancelled);
        CHECK_EQ(rs_attempts, rs_ran + rs_cancelled + rs_refused);
        if (limit < 0) {
            /* the root, its children and its accepted probes ran; each
             * child's two submissions and the root's last probe were
             * refused */
            CHECK_EQ(rs_cancelled, 0);
            CHECK_EQ(rs_refused, 1 + 2 * RS_KIDS);
        } else {
            CHECK_EQ(rs_ran, 1); /* the root only */
            CHECK_EQ(rs_refused, 1);
            CHECK(rs_cancelled >= RS_KIDS);
        }
    }
}

/* ---- several shutdowns at once -------------------------------------- */

#define SC_THREADS 8
#define SC_JOBS    40
static weft_pool *sc_pool;
static int sc_gate, sc_ran, sc_probes, sc_entered, sc_rc[SC_THREADS];

static int sc_job(void *p)
{
    (void)p;
    await(&sc_gate);
    __atomic_fetch_add(&sc_ran, 1, __ATOMIC_SEQ_CST);
    return 4;
}

static void *sc_shutter(void *p)
{
    int i = (int)(intptr_t)p;
    __atomic_fetch_add(&sc_entered, 1, __ATOMIC_SEQ_CST);
    sc_rc[i] = weft_pool_shutdown(sc_pool, -1);
    return NULL;
}

/* Starts the shutters on a 2-worker pool whose workers wait on the gate
 * with SC_JOBS jobs submitted (so queued ones too), and returns once the
 * pool refuses work (a shutdown began) and every shutter has entered.
 * sc_probes counts the probe jobs accepted before the refusal. */
static void sc_start(pthread_t *t, weft_future **fs)
{
    store(&sc_gate, 0);
    store(&sc_ran, 0);
    store(&sc_probes, 0);
    store(&sc_entered, 0);
    sc_pool = check_pool(2, "shutcon");
    for (int i = 0; i < SC_JOBS; i++)
        CHECK_EQ(weft_submit(sc_pool, sc_job, NULL, &fs[i]), 0);
    for (int i = 0; i < SC_THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, sc_shutter, (void *)(intptr_t)i),
                 0);
    for (;;) {
        weft_future *f;
        int rc = weft_submit(sc_pool, value_job, (void *)(uintptr_t)3, &f);
        if (rc == WEFT_ESHUTDOWN)
            break;
        CHECK_EQ(rc, 0);
        weft_future_release(f); /* it runs once the gate opens */
        sc_probes++;
        check_sleep_us(100);
    }
    while (load(&sc_entered) < SC_THREADS)
        check_sleep_us(200);
    check_sleep_us(20000); /* (most likely all waiting now; not required) */
}

/* Shutdowns in flight at once each wait for the pool's runs to end (each
 * holding a run of its own, as before, each waited for the others' and
 * with no limit none returned). */
CHECK_CASE(shutdown_concurrent)
{
    watchdog(120);
    pthread_t t[SC_THREADS];
    weft_future *fs[SC_JOBS];
    sc_start(t, fs);
    CHECK_EQ(load(&sc_ran), 0);
    store(&sc_gate, 1);
    for (int i = 0; i < SC_THREADS; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK_EQ(sc_rc[i], 0);
    }
    /* all done when the shutdowns returned 0 */
    CHECK_EQ(load(&sc_ran), SC_JOBS);
    for (int i = 0; i < SC_JOBS; i++) {
        CHECK_EQ(weft_future_result(fs[i]), 4);
        weft_future_release(fs[i]);
    }
    weft_stats s;
    CHECK_EQ(weft_pool_stats(sc_pool, &s), 0);
    CHECK_EQ(s.submitted, (uint64_t)(SC_JOBS + sc_probes));
    CHECK_EQ(s.queued, 0);
    CHECK_EQ(weft_pool_shutdown(sc_pool, 0), 0); /* once more: idle */
    CHECK_EQ(weft_pool_destroy(sc_pool), 0);

    /* a destroy racing the shutdowns: it waits for them to leave */
    sc_start(t, fs);
    for (int i = 0; i < SC_JOBS; i++)
        weft_future_release(fs[i]); /* detached */
    store(&sc_gate, 1);
    CHECK_EQ(weft_pool_destroy(sc_pool), 0);
    CHECK_EQ(load(&sc_ran), SC_JOBS); /* no limit: nothing cancelled */
    for (int i = 0; i < SC_THREADS; i++) {
        CHECK_EQ(pthread_join(t[i], NULL), 0);
        CHECK(sc_rc[i] == 0 || sc_rc[i] == WEFT_ESHUTDOWN);
    }
}

static const struct check_case cases[] = {
    {"shutdown-foreign", shutdown_foreign, 0},
    {"cancel-race", cancel_race, 0},
    {"callback-paths", callback_paths, 0},
    {"shutdown-blocking", shutdown_blocking, 0},
    {"shutdown-resubmit", shutdown_resubmit, 0},
    {"shutdown-concurrent", shutdown_concurrent, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-shutdown", "", NULL, NULL,
                                             cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

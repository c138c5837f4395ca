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
 *
 * Usage: test-shutdown CASE | test-shutdown [all] | --list
 * No timing decides a result: time limits here are hang detectors.
 */
#include <pthread.h>
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

static const struct check_case cases[] = {
    {"shutdown-foreign", shutdown_foreign, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-shutdown", "", NULL, NULL,
                                             cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

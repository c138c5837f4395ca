/*
 * test-scope.c - scopes and cancellation: a tree of 350,000 jobs spawning
 * jobs, 10^6 jobs spawned from one loop, reuse after the wait, spawns
 * from other threads, waits from a worker and from an outside thread,
 * nesting with spawn/join on one worker, the first error, cancellation
 * from another thread, propagation down and not up, bad input, and
 * cancellation in the jobs of a scope with no pool (run on their
 * spawners).
 *
 * Usage: test-scope CASE WORKERS [JOBS]
 *   WORKERS  the pool's workers (CTest sets $WEFT_WORKERS, the default
 *            pool's, to the same count)
 *   JOBS     the tree's jobs (default 350,000)
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "check.h"
#include "weft.h"

static weft_pool *pool;
static unsigned workers;
static size_t tree_jobs;

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 2);
    tree_jobs = (size_t)check_arg(argc, argv, 2, 350000);
    pool = check_pool(workers, "scope");
}

static void teardown(void) { CHECK_EQ(weft_pool_destroy(pool), 0); }

static void run(int inside, weft_fn fn, void *arg)
{
    if (inside)
        CHECK_EQ(weft_pool_run(pool, fn, arg), 0);
    else
        fn(arg);
}

/* ---- a tree of jobs spawning jobs --------------------------------------- */

static weft_scope tree_scope;
static uint64_t tree_count, tree_sum;

/* A job for a subtree of k nodes (k in the pointer): itself, and two
 * jobs for the other k - 1. */
static int tree_job(void *p)
{
    size_t k = (size_t)(uintptr_t)p;
    __atomic_fetch_add(&tree_count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&tree_sum, k, __ATOMIC_RELAXED);
    size_t rest = k - 1, left = rest / 2;
    if (left)
        CHECK_EQ(
            weft_scope_spawn(&tree_scope, tree_job, (void *)(uintptr_t)left),
            0);
    if (rest - left)
        CHECK_EQ(weft_scope_spawn(&tree_scope, tree_job,
                                  (void *)(uintptr_t)(rest - left)),
                 0);
    return 0;
}

static uint64_t tree_sum_of(size_t k)
{
    if (k == 0)
        return 0;
    size_t rest = k - 1, left = rest / 2;
    return k + tree_sum_of(left) + tree_sum_of(rest - left);
}

static int rc_tree;
static void tree_run(void *p)
{
    (void)p;
    weft_scope_init(&tree_scope);
    CHECK_EQ(
        weft_scope_spawn(&tree_scope, tree_job, (void *)(uintptr_t)tree_jobs),
        0);
    rc_tree = weft_scope_wait(&tree_scope);
}

static void tree(int inside)
{
    tree_count = tree_sum = 0;
    rc_tree = 1;
    run(inside, tree_run, NULL);
    CHECK_EQ(rc_tree, 0);
    CHECK_EQ(tree_count, tree_jobs);
    CHECK_EQ(tree_sum, tree_sum_of(tree_jobs));
}

CHECK_CASE(tree_in) { tree(1); }
CHECK_CASE(tree_out) { tree(0); }

/* ---- 10^6 jobs spawned from one loop ------------------------------------ */

static weft_scope loop_scope;
static uint64_t loop_sum, loop_jobs_run;

static int count_job(void *p)
{
    __atomic_fetch_add(&loop_sum, (uint64_t)(uintptr_t)p, __ATOMIC_RELAXED);
    __atomic_fetch_add(&loop_jobs_run, 1, __ATOMIC_RELAXED);
    return 0;
}

static int spawn_body(size_t lo, size_t hi, void *p)
{
    (void)p;
    for (size_t i = lo; i < hi; i++) {
        int rc = weft_scope_spawn(&loop_scope, count_job, (void *)(uintptr_t)i);
        if (rc)
            return rc;
    }
    return 0;
}

static int rc_loop_for, rc_loop_wait;
static void from_loop_run(void *p)
{
    (void)p;
    weft_scope_init(&loop_scope);
    rc_loop_for = weft_for(0, 1000000, 0, spawn_body, NULL);
    rc_loop_wait = weft_scope_wait(&loop_scope);
}

static void from_loop(int inside)
{
    loop_sum = loop_jobs_run = 0;
    run(inside, from_loop_run, NULL);
    CHECK_EQ(rc_loop_for, 0);
    CHECK_EQ(rc_loop_wait, 0);
    CHECK_EQ(loop_jobs_run, 1000000);
    CHECK_EQ(loop_sum, 999999ull * 1000000 / 2);
}

CHECK_CASE(from_loop_in) { from_loop(1); }
CHECK_CASE(from_loop_out) { from_loop(0); }

/* ---- reuse, and spawns from other threads -------------------------------- */

static void reuse_run(void *p)
{
    (void)p;
    weft_scope s;
    for (int round = 0; round < 50; round++) {
        loop_sum = loop_jobs_run = 0;
        weft_scope_init(&s);
        for (int i = 0; i < 100 + round; i++)
            CHECK_EQ(weft_scope_spawn(&s, count_job, (void *)(uintptr_t)i), 0);
        CHECK_EQ(weft_scope_wait(&s), 0);
        CHECK_EQ(loop_jobs_run, 100 + round);
        CHECK_EQ(loop_sum, (uint64_t)(99 + round) * (100 + round) / 2);
    }
}

CHECK_CASE(reuse_in) { run(1, reuse_run, NULL); }
CHECK_CASE(reuse_out) { run(0, reuse_run, NULL); }

static weft_scope shared_scope;

static void *spawner_thread(void *p)
{
    (void)p;
    for (int i = 0; i < 5000; i++)
        CHECK_EQ(
            weft_scope_spawn(&shared_scope, count_job, (void *)(uintptr_t)1),
            0);
    return NULL;
}

/* Four threads outside the pool spawn into a scope that a worker (or the
 * main thread) owns; joined before the wait. */
static void foreign_run(void *p)
{
    (void)p;
    loop_sum = loop_jobs_run = 0;
    weft_scope_init(&shared_scope);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, spawner_thread, NULL), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_EQ(weft_scope_wait(&shared_scope), 0);
    CHECK_EQ(loop_jobs_run, 20000);
    CHECK_EQ(loop_sum, 20000);
}

CHECK_CASE(foreign_in) { run(1, foreign_run, NULL); }
CHECK_CASE(foreign_out) { run(0, foreign_run, NULL); }

/* ---- nesting: loops, scopes and spawn/join in each other ------------------ */

static uint64_t leaves;
static void nest(size_t depth);

struct nest_arg {
    size_t depth;
};

static void nest_task(void *p) { nest(((struct nest_arg *)p)->depth); }

static int nest_job(void *p)
{
    size_t depth = (size_t)(uintptr_t)p;
    if (depth == 0) {
        __atomic_fetch_add(&leaves, 1, __ATOMIC_RELAXED);
        return 0;
    }
    struct nest_arg a = {depth - 1};
    weft_task t;
    weft_spawn(&t, nest_task, &a);
    __atomic_fetch_add(&leaves, 1, __ATOMIC_RELAXED);
    weft_join(&t);
    return 0;
}

static int nest_body(size_t lo, size_t hi, void *p)
{
    size_t depth = *(size_t *)p;
    for (size_t i = lo; i < hi; i++) {
        weft_scope s;
        weft_scope_init(&s);
        /* job 0 goes deeper; job 1 is a leaf */
        CHECK_EQ(weft_scope_spawn(&s, nest_job,
                                  (void *)(uintptr_t)(i == 0 ? depth : 0)),
                 0);
        CHECK_EQ(weft_scope_spawn(&s, nest_job, (void *)(uintptr_t)0), 0);
        int rc = weft_scope_wait(&s);
        if (rc)
            return rc;
    }
    return 0;
}

/* depth levels of loop -> scope -> job -> spawn/join -> loop ... */
static void nest(size_t depth)
{
    if (depth == 0)
        return;
    size_t d = depth;
    CHECK_EQ(weft_for(0, 2, 1, nest_body, &d), 0);
}

static void nest_run(void *p) { nest(*(size_t *)p); }

CHECK_CASE(nesting)
{
    weft_pool *p1 = check_pool(1, "one");
    for (int where = 0; where < 2; where++) {
        size_t depth = 300;
        leaves = 0;
        CHECK_EQ(weft_pool_run(where ? pool : p1, nest_run, &depth), 0);
        /* per level: 2 iterations x 2 jobs: 3 leaves, the deep job 1 */
        CHECK_EQ(leaves, 4 * depth);
    }
    CHECK_EQ(weft_pool_destroy(p1), 0);
}

/* ---- errors and cancellation -------------------------------------------- */

static uint64_t started_seq, fail_seq, bad_starts;
static int first_value;

/* The first job to start fails with -(1000 + its number); later ones
 * whose number is a multiple of 10 fail with -(1 + number). */
static int numbered_job(void *p)
{
    int n = (int)(uintptr_t)p;
    uint64_t me = __atomic_add_fetch(&started_seq, 1, __ATOMIC_RELAXED);
    if (me == 1) {
        first_value = -(1000 + n);
        __atomic_store_n(&fail_seq, me, __ATOMIC_RELAXED);
        return first_value;
    }
    if (__atomic_load_n(&fail_seq, __ATOMIC_RELAXED)) /* after the failure */
        __atomic_fetch_add(&bad_starts, 1, __ATOMIC_RELAXED);
    return n % 10 == 0 ? -(1 + n) : 0;
}

static void first_run(void *p)
{
    int *rc = p;
    weft_scope s;
    weft_scope_init(&s);
    for (uintptr_t i = 0; i < 100; i++) {
        int r = weft_scope_spawn(&s, numbered_job, (void *)i);
        CHECK(r == 0 || r == WEFT_ECANCELED); /* (a job failed already) */
    }
    *rc = weft_scope_wait(&s);
    CHECK_EQ(weft_cancelled(), 0); /* never up */
}

CHECK_CASE(first_error)
{
    /* One worker: the first failure is returned, and no job starts after
     * it. */
    weft_pool *p1 = check_pool(1, "one");
    int rc = 1;
    started_seq = fail_seq = bad_starts = 0;
    CHECK_EQ(weft_pool_run(p1, first_run, &rc), 0);
    CHECK_EQ(bad_starts, 0);
    CHECK(fail_seq != 0);
    CHECK_EQ(started_seq, 1);
    CHECK_EQ(rc, first_value);
    CHECK_EQ(weft_pool_destroy(p1), 0);
    /* Several workers: one of the failing values. */
    started_seq = fail_seq = bad_starts = 0;
    CHECK_EQ(weft_pool_run(pool, first_run, &rc), 0);
    CHECK(rc == first_value || (rc < 0 && rc > -1000 && (-rc - 1) % 10 == 0));
}

/* Jobs (and loop bodies inside jobs) spin until they see the cancel from
 * another thread, which comes once one of them spins (not a given job:
 * with one worker and the owner outside, the first job the worker takes
 * spins until the cancel); then each tries to spawn again, refused. */
static uint64_t spinning, late_spawns, late_accepted;
static weft_scope cancel_scope;

static int spin_body(size_t lo, size_t hi, void *p)
{
    (void)lo, (void)hi, (void)p;
    __atomic_fetch_add(&spinning, 1, __ATOMIC_RELAXED);
    while (!weft_cancelled())
        sched_yield();
    return 0;
}

static int loop_not_cancelled;

static int spin_job(void *p)
{
    if ((uintptr_t)p % 2) {
        if (weft_for(0, 1000, 1, spin_body, NULL) != WEFT_ECANCELED)
            __atomic_store_n(&loop_not_cancelled, 1, __ATOMIC_RELAXED);
    } else {
        __atomic_fetch_add(&spinning, 1, __ATOMIC_RELAXED);
        while (!weft_cancelled())
            sched_yield();
    }
    /* cancelled now: a spawn is refused (a job's value is lost after the
     * cancel, hence the counters) */
    int rc = weft_scope_spawn(&cancel_scope, spin_job, (void *)2);
    __atomic_fetch_add(rc == WEFT_ECANCELED ? &late_spawns : &late_accepted, 1,
                       __ATOMIC_RELAXED);
    return 0;
}

static void *canceller(void *p)
{
    (void)p;
    while (!__atomic_load_n(&spinning, __ATOMIC_RELAXED))
        sched_yield();
    weft_scope_cancel(&cancel_scope);
    return NULL;
}

static int rc_cancel;
static void cancel_run(void *p)
{
    (void)p;
    weft_scope_init(&cancel_scope);
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, canceller, NULL), 0);
    for (uintptr_t i = 0; i < 64; i++) {
        int rc = weft_scope_spawn(&cancel_scope, spin_job, (void *)i);
        CHECK(rc == 0 || rc == WEFT_ECANCELED); /* (cancelled already) */
    }
    rc_cancel = weft_scope_wait(&cancel_scope);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(weft_cancelled(), 0);
}

static void cancel(int inside)
{
    spinning = late_spawns = late_accepted = 0;
    loop_not_cancelled = 0;
    run(inside, cancel_run, NULL);
    CHECK_EQ(rc_cancel, WEFT_ECANCELED);
    CHECK(spinning >= 1);
    CHECK(late_spawns >= 1);
    CHECK_EQ(late_accepted, 0);
    CHECK_EQ(loop_not_cancelled, 0);
}

CHECK_CASE(cancel_in) { cancel(1); }
CHECK_CASE(cancel_out) { cancel(0); }

/* Propagation: a cancelled outer scope reaches the scope and the loop a
 * job started (down); a cancelled inner scope leaves the outer alone. */
static uint64_t inner_ran;

static int inner_job(void *p)
{
    (void)p;
    __atomic_fetch_add(&inner_ran, 1, __ATOMIC_RELAXED);
    return 0;
}

static int outer_job_down(void *p)
{
    weft_scope *outer = p;
    weft_scope_cancel(outer);
    CHECK(weft_cancelled() != 0);
    weft_scope s;
    weft_scope_init(&s);
    CHECK_EQ(weft_scope_spawn(&s, inner_job, NULL), WEFT_ECANCELED);
    CHECK_EQ(weft_scope_wait(&s), WEFT_ECANCELED);
    CHECK_EQ(weft_for(0, 100, 1, spin_body, NULL), WEFT_ECANCELED);
    return 0;
}

static int outer_job_up(void *p)
{
    (void)p;
    weft_scope s;
    weft_scope_init(&s);
    weft_scope_cancel(&s);
    CHECK_EQ(weft_scope_spawn(&s, inner_job, NULL), WEFT_ECANCELED);
    CHECK_EQ(weft_scope_wait(&s), WEFT_ECANCELED);
    CHECK_EQ(weft_cancelled(), 0); /* the outer job is not cancelled */
    return 0;
}

static void propagate_run(void *p)
{
    (void)p;
    weft_scope outer;
    weft_scope_init(&outer);
    CHECK_EQ(weft_scope_spawn(&outer, outer_job_down, &outer), 0);
    CHECK_EQ(weft_scope_wait(&outer), WEFT_ECANCELED);
    weft_scope_init(&outer);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(weft_scope_spawn(&outer, outer_job_up, NULL), 0);
    CHECK_EQ(weft_scope_wait(&outer), 0);
    CHECK_EQ(weft_cancelled(), 0);
}

CHECK_CASE(propagate)
{
    inner_ran = 0;
    run(1, propagate_run, NULL);
    run(0, propagate_run, NULL);
    CHECK_EQ(inner_ran, 0);
    CHECK_EQ(weft_cancelled(), 0); /* outside any job */
}

/* ---- a scope with no pool -------------------------------------------------
 *
 * Outside any pool with no default pool to use (here: it is shut down), a
 * scope's jobs run on their spawner.  They still belong to their scope, as
 * on a pool: weft_cancelled() in them answers for the scope (and what it
 * started), never for the spawner's own lineage. */

static weft_scope np_a, np_b, np_c;
static pthread_t np_main;
static int np_on_spawner, np_before, np_after, np_nested_spawn, np_nested_wait,
    np_loop, np_loop_body, np_on_worker, np_worker_other, np_run_job;

static int np_loop_fn(size_t lo, size_t hi, void *p)
{
    (void)lo, (void)hi, (void)p;
    np_loop_body = weft_cancelled();
    return 0;
}

static void np_run_fn(void *p)
{
    (void)p;
    np_run_job = weft_cancelled(); /* a job of an explicit pool */
}

static int np_job_a(void *p)
{
    (void)p;
    np_on_spawner =
        pthread_equal(pthread_self(), np_main) && weft_worker_id() == -1;
    np_before = weft_cancelled();
    weft_scope_cancel(&np_a);
    np_after = weft_cancelled();
    weft_scope s; /* started inside the job: cancelled with it */
    weft_scope_init(&s);
    np_nested_spawn = weft_scope_spawn(&s, inner_job, NULL);
    np_nested_wait = weft_scope_wait(&s);
    np_loop = weft_for(0, 1, 1, np_loop_fn, NULL);
    CHECK_EQ(weft_pool_run(pool, np_run_fn, NULL), 0);
    return 0;
}

/* On a worker of another pool: cancels the scope it runs in. */
static int np_job_b(void *p)
{
    (void)p;
    weft_scope_cancel(&np_b);
    np_on_worker = weft_cancelled();
    return 0;
}

/* On a worker, in a cancelled scope of the pool: np_c is not cancelled. */
static int np_job_c(void *p)
{
    (void)p;
    np_worker_other = weft_cancelled();
    return 0;
}

static int np_spawn_c(void *p)
{
    weft_scope_cancel(p);
    CHECK(weft_cancelled() != 0);
    CHECK_EQ(weft_scope_spawn(&np_c, np_job_c, NULL), 0);
    return 0;
}

static void np_worker_run(void *p)
{
    (void)p;
    CHECK_EQ(weft_scope_spawn(&np_b, np_job_b, NULL), 0);
    weft_scope q;
    weft_scope_init(&q);
    CHECK_EQ(weft_scope_spawn(&q, np_spawn_c, &q), 0);
    CHECK_EQ(weft_scope_wait(&q), WEFT_ECANCELED);
}

CHECK_CASE(no_pool)
{
    weft_pool *d = weft_default_pool();
    CHECK(d != NULL);
    CHECK_EQ(weft_pool_shutdown(d, -1), 0);
    np_main = pthread_self();
    np_before = np_after = np_loop_body = np_run_job = -1;
    np_on_worker = np_worker_other = -1;
    weft_scope_init(&np_a);
    CHECK_EQ(weft_scope_spawn(&np_a, np_job_a, NULL), 0);
    CHECK_EQ(np_on_spawner, 1); /* no pool: it ran on the spawner */
    CHECK_EQ(np_before, 0);
    CHECK_EQ(np_after, 1);
    CHECK_EQ(np_nested_spawn, WEFT_ECANCELED);
    CHECK_EQ(np_nested_wait, WEFT_ECANCELED);
    CHECK_EQ(np_loop, WEFT_ECANCELED);
    CHECK_EQ(np_loop_body, -1); /* the cancelled loop ran no chunk */
    CHECK_EQ(np_run_job, 1);
    CHECK_EQ(weft_scope_wait(&np_a), WEFT_ECANCELED);
    /* spawned from workers of another pool */
    weft_scope_init(&np_b);
    weft_scope_init(&np_c);
    CHECK_EQ(weft_pool_run(pool, np_worker_run, NULL), 0);
    CHECK_EQ(np_on_worker, 1);
    CHECK_EQ(np_worker_other, 0);
    CHECK_EQ(weft_scope_wait(&np_b), WEFT_ECANCELED);
    CHECK_EQ(weft_scope_wait(&np_c), 0);
    CHECK_EQ(weft_cancelled(), 0); /* outside any job again */
    CHECK_EQ(inner_ran, 0);
    /* The next weft_default_pool() creates a new one. */
    CHECK_EQ(weft_pool_destroy(d), 0);
}

/* ---- bad input ---------------------------------------------------------- */

CHECK_CASE(bad_input)
{
    weft_scope s;
    weft_scope_init(&s);
    CHECK_EQ(weft_scope_spawn(NULL, inner_job, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_scope_spawn(&s, NULL, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_scope_wait(NULL), WEFT_EINVAL);
    weft_scope_init(NULL);   /* nothing */
    weft_scope_cancel(NULL); /* nothing */
    CHECK_EQ(weft_scope_wait(&s), 0);
    CHECK_EQ(inner_ran, 0);
}

static const struct check_case cases[] = {
    {"tree", tree_in, 0},
    {"tree-outside", tree_out, 0},
    {"from-loop", from_loop_in, 0},
    {"from-loop-outside", from_loop_out, 0},
    {"reuse", reuse_in, 0},
    {"reuse-outside", reuse_out, 0},
    {"foreign-spawns", foreign_in, 0},
    {"foreign-spawns-outside", foreign_out, 0},
    {"nesting", nesting, 0},
    {"first-error", first_error, 0},
    {"cancel", cancel_in, 0},
    {"cancel-outside", cancel_out, 0},
    {"propagate", propagate, 0},
    {"bad-input", bad_input, 0},
    {"no-pool", no_pool, 0},
    {NULL, NULL, 0}};

static const struct check_program program = {"test-scope", "WORKERS [JOBS]",
                                             setup, teardown, cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

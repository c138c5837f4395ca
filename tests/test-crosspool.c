/*
 * test-crosspool - two pools that call into each other.
 *
 * A function running on pool A calls weft_pool_run(B, g) and g, on B, calls
 * weft_pool_run(A, f), alternating DEPTH levels deep (200 by default).  A
 * worker waiting on the other pool must keep running its own pool's tasks,
 * or the chain deadlocks as soon as a pool has a single worker.
 *
 *  1. One chain, started by the main thread on A.
 *  2. Two external threads start a chain at the same moment, one on A and
 *     one on B (ROUNDS times).
 *  3. As 2, and every level also spawns a small fork-join task before
 *     crossing over and joins it afterwards.
 *  4. Destroying a pool from another pool's worker.  (a) A worker of Q
 *     waiting in weft_pool_run(P) runs a Q task that destroys P: that
 *     worker holds a run on P, so destroy returns WEFT_EDEADLK and P keeps
 *     working.  (b) A task on Q destroys P while a task on P waits for a
 *     task on Q: Q's worker keeps running Q's tasks while P drains, so the
 *     destroy returns 0 (with one worker per pool it deadlocked before).
 *  5. (2 workers and more) A worker waiting in weft_pool_run(P2) with
 *     tasks of its own published: a joiner on the other worker that
 *     leapfrogs from it must run only work of the task it joins.  A task A
 *     spawns 50 tasks C and waits 100 ms on P2; R, on the other worker,
 *     spawns T and joins it: no C may run inside that join (before, the
 *     waiter stole T while its Cs were public, and R's leapfrogging ran
 *     14 of them).
 *  6. (2 workers and more) A task that calls weft_pool_run(P2) 300 times
 *     does not wake its parked sibling each time its wait ends: the
 *     sibling parks at most a few times (it parked after every call).
 * Each level checks that it runs on the pool it was sent to and counts
 * itself; the depth of every chain is exact.  After 3, the spawns of both
 * pools add up to rounds x 2 chains x depth x 233 (fib(12) task: 1 + 232;
 * 1 and 2 spawn nothing), and after the last case each pool's
 * run == spawned + injected (a waiting worker that runs its own published
 * tasks counts them once).
 *
 * Cases (test-crosspool CASE WORKERS ...): chain (1), mutual (2),
 * mutual-spawn (3), destroy-other (4), leapfrog (5), no-wake (6).  1 to 3
 * use pools A and B, made before the first case and checked and destroyed
 * after the last.
 *
 * Usage: test-crosspool [CASE] WORKERS [DEPTH [ROUNDS]]   (200, 10)
 */
#include <pthread.h>

#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

static unsigned workers;
static unsigned long levels[2]; /* per chain, atomic */

struct hop {
    long depth;
    int chain;
    int spawn;
    weft_pool *here, *other;
    long result; /* out: levels from this one down */
};

static void hop(void *p)
{
    struct hop *h = p;
    __atomic_fetch_add(&levels[h->chain], 1, __ATOMIC_RELAXED);
    if (weft_current_pool() != h->here)
        CHECK(weft_current_pool() == h->here);
    /* a worker, or a spare started while the workers wait (its id is
     * past the workers') */
    int id = weft_worker_id();
    unsigned limit = weft_pool_id_limit(h->here);
    if (id < 0 || (unsigned)id >= limit)
        CHECK(id >= 0 && (unsigned)id < limit);
    if (h->depth == 0) {
        h->result = 1;
        return;
    }
    struct fib_arg a = {12, 0};
    weft_task t;
    if (h->spawn)
        weft_spawn(&t, fib, &a);
    struct hop next = {h->depth - 1, h->chain, h->spawn, h->other, h->here, 0};
    int rc = weft_pool_run(h->other, hop, &next);
    if (rc != 0)
        CHECK_EQ(rc, 0);
    if (h->spawn) {
        weft_join(&t);
        if (a.r != 144)
            CHECK_EQ(a.r, 144);
    }
    h->result = next.result + 1;
}

static pthread_barrier_t barrier;

static void *chain_thread(void *p)
{
    struct hop *h = p;
    pthread_barrier_wait(&barrier);
    CHECK_EQ(weft_pool_run(h->here, hop, h), 0);
    return NULL;
}

static void two_chains(weft_pool *a, weft_pool *b, long depth, int spawn)
{
    struct hop h[2] = {{depth, 0, spawn, a, b, 0}, {depth, 1, spawn, b, a, 0}};
    pthread_t th[2];
    levels[0] = levels[1] = 0;
    CHECK_EQ(pthread_barrier_init(&barrier, NULL, 2), 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, chain_thread, &h[i]), 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&barrier);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(h[i].result, depth + 1);
        CHECK_EQ(levels[i], depth + 1);
    }
}

/* ---- 4. destroying a pool from another pool's worker ---------------------- */

static weft_pool *dq, *dp;       /* Q and P */
static int destroy_rc;           /* atomic */
static int p_started, destroying; /* atomic */
static unsigned long q_ran;      /* atomic */

static void q_count(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&q_ran, 1, __ATOMIC_RELAXED);
}

/* (a) on Q, reached from a Q worker waiting on P */
static void q_destroys_p(void *arg)
{
    (void)arg;
    CHECK(weft_current_pool() == dq);
    __atomic_store_n(&destroy_rc, weft_pool_destroy(dp), __ATOMIC_RELAXED);
}

/* (a) on P: calls back into Q */
static void p_calls_q(void *arg)
{
    (void)arg;
    CHECK(weft_current_pool() == dp);
    CHECK_EQ(weft_pool_run(dq, q_destroys_p, NULL), 0);
}

/* (a) on Q: waits on P */
static void q_runs_on_p(void *arg)
{
    (void)arg;
    CHECK_EQ(weft_pool_run(dp, p_calls_q, NULL), 0);
}

/* (b) on P: once the destroy has begun, waits for a task on Q */
static void p_waits_for_q(void *arg)
{
    (void)arg;
    __atomic_store_n(&p_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&destroying, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    check_sleep_ms(20); /* let the destroy reach its wait for P's runs */
    CHECK_EQ(weft_pool_run(dq, q_count, NULL), 0);
}

static void *run_p_job(void *arg)
{
    (void)arg;
    CHECK_EQ(weft_pool_run(dp, p_waits_for_q, NULL), 0);
    return NULL;
}

/* (b) on Q */
static void q_destroys_busy_p(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&p_started, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    __atomic_store_n(&destroying, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&destroy_rc, weft_pool_destroy(dp), __ATOMIC_RELAXED);
}

static void destroy_from_other_pool(void)
{
    weft_config cfg;
    weft_config_init(&cfg);
    /* (a) needs one worker in Q: with more, another worker of Q may take
     * the task that destroys P, and that worker holds no run on P, so its
     * destroy waits for P's run, which waits for it -- a cycle through two
     * workers that destroy cannot see (documented). */
    cfg.workers = 1;
    cfg.name = "Q";
    CHECK_EQ(weft_pool_create(&dq, &cfg), 0);
    cfg.workers = workers;
    cfg.name = "P";
    CHECK_EQ(weft_pool_create(&dp, &cfg), 0);

    /* (a) */
    destroy_rc = 1;
    CHECK_EQ(weft_pool_run(dq, q_runs_on_p, NULL), 0);
    CHECK_EQ(destroy_rc, WEFT_EDEADLK);
    CHECK_EQ(weft_pool_run(dp, q_count, NULL), 0); /* P still works */
    CHECK_EQ(q_ran, 1);
    printf("  destroy of P from a Q worker waiting on P: WEFT_EDEADLK, P intact\n");

    /* (b) */
    destroy_rc = 1;
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, run_p_job, NULL), 0);
    CHECK_EQ(weft_pool_run(dq, q_destroys_busy_p, NULL), 0);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(destroy_rc, 0);
    CHECK_EQ(q_ran, 2);
    printf("  destroy of P from Q while P waits on Q: 0, no deadlock\n");
    CHECK_EQ(weft_pool_destroy(dq), 0);
}

/* 5. */
static weft_pool *lp1, *lp2;
static int a_started;                 /* atomic */
static int c_ran, c_in_join;          /* atomic */
static __thread int in_join;          /* R is inside weft_join(&T) here */

static void sleep_100ms(void *arg)
{
    (void)arg;
    check_sleep_ms(100);
}

static void task_c(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&c_ran, 1, __ATOMIC_RELAXED);
    if (in_join)
        __atomic_fetch_add(&c_in_join, 1, __ATOMIC_RELAXED);
    check_sleep_ms(1);
}

#define NC 50
static void task_a(void *arg)
{
    (void)arg;
    weft_task c[NC];
    for (int i = 0; i < NC; i++)
        weft_spawn(&c[i], task_c, NULL);
    __atomic_store_n(&a_started, 1, __ATOMIC_RELEASE);
    CHECK_EQ(weft_pool_run(lp2, sleep_100ms, NULL), 0);
    for (int i = NC; i-- > 0;)
        weft_join(&c[i]);
}

static void task_t(void *arg)
{
    (void)arg;
    check_sleep_ms(20);
}

static void task_r(void *arg)
{
    (void)arg;
    weft_task ta, tt;
    weft_spawn(&ta, task_a, NULL);
    /* until the other worker has stolen A and published its Cs */
    while (!__atomic_load_n(&a_started, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
    check_sleep_ms(2);
    weft_spawn(&tt, task_t, NULL);
    check_sleep_ms(5);
    in_join = 1;
    weft_join(&tt);
    in_join = 0;
    weft_join(&ta);
}

/* lp1 with n workers, lp2 with one (5. and 6.). */
static void make_lp(unsigned n)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = n;
    CHECK_EQ(weft_pool_create(&lp1, &cfg), 0);
    cfg.workers = 1;
    CHECK_EQ(weft_pool_create(&lp2, &cfg), 0);
}

static void destroy_lp(void)
{
    CHECK_EQ(weft_pool_destroy(lp1), 0);
    CHECK_EQ(weft_pool_destroy(lp2), 0);
}

static void leapfrog_from_waiter(void)
{
    make_lp(workers);
    CHECK_EQ(weft_pool_run(lp1, task_r, NULL), 0);
    CHECK_EQ(c_ran, NC);
    CHECK_EQ(c_in_join, 0);
    printf("  leapfrogging from a worker waiting on another pool: %d Cs, none in the join\n",
           c_ran);
    destroy_lp();
}

/* 6. */
#define NCALLS 300
static int caller_id = -1;

static void nothing(void *arg)
{
    (void)arg;
}

static void call_p2_often(void *arg)
{
    (void)arg;
    caller_id = weft_worker_id();
    for (int i = 0; i < NCALLS; i++) {
        check_sleep_us(200);
        CHECK_EQ(weft_pool_run(lp2, nothing, NULL), 0);
    }
}

/* The parks of worker index of pool, read from weft_pool_print. */
static unsigned long worker_parks(weft_pool *pool, int index)
{
    char line[512];
    unsigned long parks = 0;
    int found = 0;
    FILE *f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(weft_pool_print(pool, f), 0);
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        int i;
        const char *p = strstr(line, "parks ");
        if (sscanf(line, "  worker %d:", &i) == 1 && i == index && p) {
            CHECK_EQ(sscanf(p, "parks %lu", &parks), 1);
            found = 1;
        }
    }
    fclose(f);
    CHECK(found);
    return parks;
}

static void no_wake_after_wait(void)
{
    make_lp(2);
    check_sleep_ms(50); /* both of lp1's workers park */
    unsigned long before[2] = {worker_parks(lp1, 0), worker_parks(lp1, 1)};
    CHECK_EQ(weft_pool_run(lp1, call_p2_often, NULL), 0);
    CHECK(caller_id == 0 || caller_id == 1);
    int sib = 1 - caller_id;
    unsigned long parks = worker_parks(lp1, sib) - before[sib];
    printf("  %d calls to another pool: the caller's parked sibling parked %lu times\n",
           NCALLS, parks);
    CHECK(parks <= 5);
    destroy_lp();
}

/* ---- cases ---------------------------------------------------------------- */

static long depth;
static int rounds;
static weft_pool *a, *b; /* chain, mutual, mutual-spawn */

/* Pools A and B of WORKERS workers for the chains; the sizes. */
static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 1);
    depth = (long)check_arg(argc, argv, 2, 200);
    rounds = (int)check_arg(argc, argv, 3, 10);
    printf("test-crosspool: workers=%u depth=%ld rounds=%d\n", workers, depth, rounds);

    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.stack_size = (size_t)256 << 20;
    cfg.name = "A";
    CHECK_EQ(weft_pool_create(&a, &cfg), 0);
    cfg.name = "B";
    CHECK_EQ(weft_pool_create(&b, &cfg), 0);
}

/* Each pool counted every task it ran once: run == spawned + injected.
 * The chains' spawns, all of mutual-spawn, are checked there. */
static void teardown(void)
{
    weft_pool *pools[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        weft_stats s;
        CHECK_EQ(weft_pool_stats(pools[i], &s), 0);
        s = check_stats_settle(pools[i], s.spawned + s.injected);
        printf("  pool %c: spawned %" PRIu64 ", injected %" PRIu64 ", run %" PRIu64
               ", steals %" PRIu64 "\n", 'A' + i, s.spawned, s.injected, s.run, s.steals);
        CHECK_EQ(s.run, s.spawned + s.injected);
    }
    CHECK_EQ(weft_pool_destroy(a), 0);
    CHECK_EQ(weft_pool_destroy(b), 0);
}

/* 1. One chain from the main thread. */
CHECK_CASE(chain)
{
    levels[0] = 0;
    struct hop h = {depth, 0, 0, a, b, 0};
    CHECK_EQ(weft_pool_run(a, hop, &h), 0);
    CHECK_EQ(h.result, depth + 1);
    CHECK_EQ(levels[0], depth + 1);
    printf("  one chain: %ld levels\n", h.result);
}

/* 2. Two chains at once, on opposite pools. */
CHECK_CASE(mutual)
{
    for (int r = 0; r < rounds; r++)
        two_chains(a, b, depth, 0);
    printf("  two chains x %d rounds: ok\n", rounds);
}

/* 3. The same with a fork-join task pending at every level: the spawns of
 * both pools add up to rounds x 2 chains x depth x 233 (fib(12): 1 + 232;
 * the chains of 1. and 2. spawn nothing). */
CHECK_CASE(mutual_spawn)
{
    uint64_t spawned = 0;
    weft_pool *pools[2] = {a, b};
    weft_stats s;
    for (int r = 0; r < rounds; r++)
        two_chains(a, b, depth, 1);
    printf("  two chains with spawns x %d rounds: ok\n", rounds);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(weft_pool_stats(pools[i], &s), 0);
        s = check_stats_settle(pools[i], s.spawned + s.injected);
        spawned += s.spawned;
    }
    CHECK_EQ(spawned, (uint64_t)rounds * 2 * (uint64_t)depth * 233);
}

/* 4. Destroying a pool from another pool's worker. */
CHECK_CASE(destroy_other)
{
    destroy_from_other_pool();
}

/* 5. (2 workers and more) */
CHECK_CASE(leapfrog)
{
    if (workers < 2) {
        printf("  leapfrog: needs 2 workers, not run with %u\n", workers);
        return;
    }
    leapfrog_from_waiter();
}

/* 6. (2 workers and more) */
CHECK_CASE(no_wake)
{
    if (workers < 2) {
        printf("  no-wake: needs 2 workers, not run with %u\n", workers);
        return;
    }
    no_wake_after_wait();
}

static const struct check_case cases[] = {
    {"chain", chain, 0},
    {"mutual", mutual, 0},
    {"mutual-spawn", mutual_spawn, 0},
    {"destroy-other", destroy_other, 0},
    {"leapfrog", leapfrog, 0},
    {"no-wake", no_wake, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-crosspool", "WORKERS [DEPTH [ROUNDS]]", setup, teardown, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

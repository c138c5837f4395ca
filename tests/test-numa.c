/*
 * test-numa.c - the NUMA groundwork and the idle-time counter.
 *
 * Placement is tested on hwloc synthetic topologies (weft_config.topology),
 * whose NUMA nodes are known exactly; binding to their simulated cores fails
 * and the workers run unbound, which does not matter here.
 *  (a) Each worker knows the NUMA node of its core (worker i on core
 *      i mod cores, cores in topology order), and a steal sweep tries every
 *      other worker exactly once, never itself, the workers of its own node
 *      before any other, and each worker comes first in its tier about as
 *      often as the others (over 2,000 fixed random numbers).
 *      With 4 and 8 workers (more workers than cores) on 2 nodes of 2 cores,
 *      with 1 node, and on the real machine.
 *  (b) Steals are counted local or remote by the victim's node: 2 workers
 *      on 2 nodes steal only remotely, 2 workers on 1 node only locally, and
 *      local + remote == steals.  Runs fib until some steal happened (so the
 *      counts are not vacuous; on a loaded machine that can take hundreds
 *      of runs, so only the CTest timeout bounds it).
 *  (c) idle_ns: a pool whose workers all sleep accumulates at least its
 *      workers' count times the time between two readings (open spells are
 *      included), and never more than workers x the time since creation.
 *  (d) Readings taken by another thread while the pool runs never go back
 *      (idle_ns, local and remote steals), and local + remote == steals in
 *      each.
 *
 * Cases: order (a), steals (b), idle (c), readings (d).
 *
 * Usage: test-numa [CASE] [fib_n]
 */
#define CHECK_WANT_FIB
#include "../src/internal.h"
#include "check.h"

static weft_pool *synthetic_pool(unsigned workers, const char *topology)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.topology = topology;
    cfg.name = "numa";
    weft_pool *pool = NULL;
    int rc = weft_pool_create(&pool, &cfg);
    if (rc != 0)
        fprintf(stderr, "weft_pool_create(%u, \"%s\"): %s\n", workers,
                topology, weft_strerror(rc));
    CHECK_EQ(rc, 0);
    return pool;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* (a) every worker's sweep order, for many random numbers. cores_per_node
 * 0: check only that all workers share one node. */
static void check_order(weft_pool *pool, unsigned cores, unsigned cores_per_node)
{
    unsigned n = weft_pool_workers(pool);
    for (unsigned i = 0; i < n; i++) {
        int node = pool->workers[i]->node;
        if (cores_per_node)
            CHECK_EQ(node, (int)((i % cores) / cores_per_node));
        else
            CHECK_EQ(node, pool->workers[0]->node);
    }
    unsigned order[64];
    CHECK(n <= 64);
    for (unsigned i = 0; i < n; i++) {
        int node = pool->workers[i]->node;
        unsigned near = 0;
        for (unsigned j = 0; j < n; j++)
            near += j != i && pool->workers[j]->node == node;
        /* first[j]: sweeps in which j came first in its tier (own node,
         * other nodes) */
        unsigned first[64] = {0};
        const unsigned sweeps = 2000;
        uint64_t r = 0x0123456789abcdefull + i;
        for (unsigned k = 0; k < sweeps; k++) {
            r = check_mix(r);
            unsigned m = weft__test_victim_order(pool, i, r, order);
            CHECK_EQ(m, n - 1);
            uint64_t seen = 0;
            for (unsigned p = 0; p < m; p++) {
                unsigned v = order[p];
                CHECK(v < n && v != i);
                CHECK(!(seen & (1ull << v)));
                seen |= 1ull << v;
                /* the first `near` victims are the near ones, then none */
                CHECK_EQ(pool->workers[v]->node == node, p < near);
            }
            if (near > 0)
                first[order[0]]++;
            if (near < m)
                first[order[near]]++;
        }
        /* Each start is uniform over its tier: every worker comes first in
         * its tier in 1/2 to 2 times its fair share of the sweeps (the
         * random numbers are fixed, so this is deterministic; a start
         * uniform over all workers instead of the tier fails it). */
        for (unsigned j = 0; j < n; j++) {
            if (j == i) {
                CHECK_EQ(first[j], 0u);
                continue;
            }
            int same = pool->workers[j]->node == node;
            unsigned tier = same ? near : n - 1 - near;
            unsigned fair = sweeps / tier;
            CHECK(first[j] >= fair / 2 && first[j] <= 2 * fair);
        }
    }
}

static void order_tests(void)
{
    weft_pool *p4 = synthetic_pool(4, "numa:2 core:2 pu:1");
    check_order(p4, 4, 2);
    CHECK_EQ(weft_pool_destroy(p4), 0);
    weft_pool *p8 = synthetic_pool(8, "numa:2 core:2 pu:1");
    check_order(p8, 4, 2);
    CHECK_EQ(weft_pool_destroy(p8), 0);
    weft_pool *p3 = synthetic_pool(3, "pack:3 numa:1 core:1 pu:1");
    check_order(p3, 3, 1); /* every worker alone on its node */
    CHECK_EQ(weft_pool_destroy(p3), 0);
    weft_pool *one = synthetic_pool(6, "core:3 pu:2");
    check_order(one, 3, 0);
    CHECK_EQ(weft_pool_destroy(one), 0);
    weft_pool *real = check_pool(5, "numa-real");
    unsigned order[8];
    for (unsigned i = 0; i < 5; i++)
        CHECK_EQ(weft__test_victim_order(real, i, 12345, order), 4u);
    CHECK_EQ(weft_pool_destroy(real), 0);
    printf("  (a) steal order: own node first, every other worker once, starts"
           " uniform within each tier\n");
}

/* (b) 2 workers on the given topology; returns the final stats. */
static weft_stats steal_run(const char *topology, int fib_n)
{
    weft_pool *pool = synthetic_pool(2, topology);
    long expect = 0;
    {
        long a = 0, b = 1;
        for (int i = 0; i < fib_n; i++) {
            long c = a + b;
            a = b;
            b = c;
        }
        expect = a;
    }
    weft_stats s;
    uint64_t runs = 0;
    do {
        struct fib_arg a = {fib_n, 0};
        CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
        CHECK_EQ(a.r, expect);
        runs++;
        CHECK_EQ(weft_pool_stats(pool, &s), 0);
    } while (s.steals == 0); /* bounded by the CTest timeout */
    /* Counters are written before the stolen task completes: final now. */
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    CHECK_EQ(s.steals_local + s.steals_remote, s.steals);
    printf("  (b) %s: %" PRIu64 " runs of fib(%d), steals %" PRIu64
           " (local %" PRIu64 ", remote %" PRIu64 ")\n",
           topology, runs, fib_n, s.steals, s.steals_local, s.steals_remote);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    return s;
}

static void steal_tests(int fib_n)
{
    weft_stats far = steal_run("numa:2 core:1 pu:1", fib_n);
    CHECK_EQ(far.steals_local, 0);
    CHECK_EQ(far.steals_remote, far.steals);
    weft_stats near = steal_run("numa:1 core:2 pu:1", fib_n);
    CHECK_EQ(near.steals_remote, 0);
    CHECK_EQ(near.steals_local, near.steals);
}

/* (c) idle time of a sleeping pool. */
static void idle_tests(void)
{
    const unsigned n = 2;
    uint64_t t0 = now_ns();
    weft_pool *pool = check_pool(n, "idle");
    weft_stats a, b;
    /* wait until both workers have parked (they then stay idle: no work) */
    for (int i = 0; i < 4000; i++) {
        CHECK_EQ(weft_pool_stats(pool, &a), 0);
        if (a.parks >= n)
            break;
        check_sleep_ms(5);
    }
    CHECK(a.parks >= n);
    CHECK_EQ(weft_pool_stats(pool, &a), 0);
    uint64_t ta = now_ns();
    check_sleep_ms(50);
    uint64_t tb = now_ns();
    CHECK_EQ(weft_pool_stats(pool, &b), 0);
    uint64_t t1 = now_ns();
    /* stats read the clock after ta and before t1 */
    CHECK(b.idle_ns - a.idle_ns >= n * (tb - ta));
    CHECK(b.idle_ns <= n * (t1 - t0));
    CHECK(a.idle_ns > 0);
    printf("  (c) idle: %u parked workers, %.1f ms idle over a %.1f ms sleep"
           " (%.1f ms since creation)\n", n, (double)(b.idle_ns - a.idle_ns) / 1e6,
           (double)(tb - ta) / 1e6, (double)b.idle_ns / 1e6);
    /* work ends the spells; the total never exceeds workers x lifetime */
    struct fib_arg f = {20, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &f), 0);
    CHECK_EQ(f.r, 6765);
    weft_stats c;
    CHECK_EQ(weft_pool_stats(pool, &c), 0);
    CHECK(c.idle_ns <= n * (now_ns() - t0));
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* (d) readings taken while the pool runs: idle_ns and both steal counts
 * never go back, and local + remote == steals in every reading. */
struct poll_arg {
    weft_pool *pool;
    int stop;
    unsigned long readings;
};

static void *poll_stats(void *p)
{
    struct poll_arg *a = p;
    weft_stats prev, s;
    CHECK_EQ(weft_pool_stats(a->pool, &prev), 0);
    while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
        CHECK_EQ(weft_pool_stats(a->pool, &s), 0);
        CHECK_EQ(s.steals_local + s.steals_remote, s.steals);
        CHECK(s.idle_ns >= prev.idle_ns);
        CHECK(s.steals_local >= prev.steals_local);
        CHECK(s.steals_remote >= prev.steals_remote);
        prev = s;
        a->readings++;
    }
    return NULL;
}

static void reading_tests(int fib_n)
{
    weft_pool *pool = synthetic_pool(2, "numa:2 core:1 pu:1");
    struct poll_arg a = {pool, 0, 0};
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, poll_stats, &a), 0);
    for (int i = 0; i < 200; i++) {
        struct fib_arg f = {fib_n, 0};
        CHECK_EQ(weft_pool_run(pool, fib, &f), 0);
        if (i % 20 == 0)
            check_sleep_ms(1); /* let the workers go idle now and then */
    }
    __atomic_store_n(&a.stop, 1, __ATOMIC_RELEASE);
    CHECK_EQ(pthread_join(th, NULL), 0);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    printf("  (d) %lu readings during 200 runs: monotonic, local + remote =="
           " steals (%" PRIu64 " steals)\n", a.readings, s.steals);
    CHECK(a.readings > 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* ---- cases ---------------------------------------------------------------- */

static int fib_n;

static void setup(int argc, char **argv)
{
    fib_n = (int)check_arg(argc, argv, 1, 22);
    if (fib_n < 2 || fib_n > 40) {
        fprintf(stderr, "fib_n must be 2..40\n");
        exit(2);
    }
}

CHECK_CASE(order)
{
    order_tests();
}

CHECK_CASE(steals)
{
    steal_tests(fib_n);
}

CHECK_CASE(idle)
{
    idle_tests();
}

CHECK_CASE(readings)
{
    reading_tests(fib_n);
}

static const struct check_case cases[] = {
    {"order", order, 0},
    {"steals", steals, 0},
    {"idle", idle, 0},
    {"readings", readings, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"numa", "[fib_n]", setup, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

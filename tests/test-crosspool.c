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
 * Each level checks that it runs on the pool it was sent to and counts
 * itself; the depth of every chain is exact.  After 3, each pool's counters
 * are exact: the spawns of both add up to rounds x 2 chains x depth x 233
 * (fib(12) task: 1 + 232), and each pool's run == spawned + injected (a
 * waiting worker that runs its own published tasks counts them once).
 *
 * Usage: test-crosspool WORKERS [DEPTH [ROUNDS]]   (200, 10)
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
    int id = weft_worker_id();
    if (id < 0 || (unsigned)id >= workers)
        CHECK(id >= 0 && (unsigned)id < workers);
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

int main(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 1);
    long depth = (long)check_arg(argc, argv, 2, 200);
    int rounds = (int)check_arg(argc, argv, 3, 10);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("test-crosspool: workers=%u depth=%ld rounds=%d\n", workers, depth, rounds);

    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.stack_size = (size_t)256 << 20;
    weft_pool *a, *b;
    cfg.name = "A";
    CHECK_EQ(weft_pool_create(&a, &cfg), 0);
    cfg.name = "B";
    CHECK_EQ(weft_pool_create(&b, &cfg), 0);

    /* 1. One chain from the main thread. */
    struct hop h = {depth, 0, 0, a, b, 0};
    CHECK_EQ(weft_pool_run(a, hop, &h), 0);
    CHECK_EQ(h.result, depth + 1);
    CHECK_EQ(levels[0], depth + 1);
    printf("  one chain: %ld levels\n", h.result);

    /* 2. Two chains at once, on opposite pools. */
    for (int r = 0; r < rounds; r++)
        two_chains(a, b, depth, 0);
    printf("  two chains x %d rounds: ok\n", rounds);

    /* 3. The same with a fork-join task pending at every level. */
    for (int r = 0; r < rounds; r++)
        two_chains(a, b, depth, 1);
    printf("  two chains with spawns x %d rounds: ok\n", rounds);

    uint64_t spawned = 0;
    weft_pool *pools[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        weft_stats s;
        CHECK_EQ(weft_pool_stats(pools[i], &s), 0);
        s = check_stats_settle(pools[i], s.spawned + s.injected);
        printf("  pool %c: spawned %" PRIu64 ", injected %" PRIu64 ", run %" PRIu64
               ", steals %" PRIu64 "\n", 'A' + i, s.spawned, s.injected, s.run, s.steals);
        CHECK_EQ(s.run, s.spawned + s.injected);
        spawned += s.spawned;
    }
    CHECK_EQ(spawned, (uint64_t)rounds * 2 * (uint64_t)depth * 233);

    CHECK_EQ(weft_pool_destroy(a), 0);
    CHECK_EQ(weft_pool_destroy(b), 0);
    return check_done("test-crosspool");
}

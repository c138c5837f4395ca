/*
 * test-api-stats - what a pool says about itself: worker ids and thread
 * names, weft_pool_stats() and weft_pool_print().
 *
 *  ids                 weft_worker_id(), weft_self(), weft_current_pool()
 *                      and weft_pool_workers(), from the run and from
 *                      spawned tasks, and outside any pool.
 *  thread-names        Worker thread names "weft-<name>-<i>" (cut to 15
 *                      characters).
 *  print-cpuset        A long CPU list (about 2,000 characters) is printed
 *                      in full.
 *  print               weft_pool_print() describes the pool: its name,
 *                      worker count, deque slots, stack size and counters
 *                      as weft_pool_stats() gives them, one line per worker
 *                      whose steal counts add up to the totals.
 *  stats-while-stolen  run == spawned + injected read while a stolen task
 *                      is still running (each task once).
 * After the cases no thread is left (/proc/self/task).
 *
 * Usage: test-api-stats [CASE]   (test-api-stats --list names the cases)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-api.h"

/* weft_worker_id() and friends, from the run and from spawned tasks. */
struct ids {
    weft_pool *pool;
    unsigned workers;
    int bad;                 /* atomic */
    unsigned long seen_mask; /* atomic: ids seen */
};

static void id_leaf(void *p)
{
    struct ids *x = p;
    int id = weft_worker_id();
    if (id < 0 || (unsigned)id >= x->workers || weft_current_pool() != x->pool ||
        weft_self() == NULL)
        __atomic_store_n(&x->bad, 1, __ATOMIC_RELAXED);
    else if (id < 64)
        __atomic_fetch_or(&x->seen_mask, 1ul << id, __ATOMIC_RELAXED);
    for (volatile int i = 0; i < 2000; i++)
        ;
}

static void id_root(void *p)
{
    enum { N = 256 };
    weft_task t[N];
    for (int i = 0; i < N; i++)
        weft_spawn(&t[i], id_leaf, p);
    id_leaf(p);
    for (int i = N; i-- > 0;)
        weft_join(&t[i]);
}

CHECK_CASE(test_ids)
{
    CHECK_EQ(weft_worker_id(), -1);
    CHECK(weft_self() == NULL);
    CHECK(weft_current_pool() == NULL);
    unsigned counts[] = {1, 3};
    for (int k = 0; k < 2; k++) {
        struct ids x = {check_pool(counts[k], "ids"), counts[k], 0, 0};
        CHECK_EQ(weft_pool_workers(x.pool), counts[k]);
        for (int r = 0; r < 20; r++)
            CHECK_EQ(weft_pool_run(x.pool, id_root, &x), 0);
        CHECK_EQ(x.bad, 0);
        CHECK(x.seen_mask != 0);
        CHECK((x.seen_mask >> counts[k]) == 0);
        weft_stats s;
        CHECK_EQ(weft_pool_stats(x.pool, &s), 0);
        CHECK_EQ(s.workers, counts[k]);
        CHECK_EQ(weft_pool_destroy(x.pool), 0);
    }
    CHECK_EQ(weft_worker_id(), -1);
    CHECK(weft_current_pool() == NULL);
}

static int is_named(pid_t tid, const char *name, void *want)
{
    (void)tid;
    return strcmp(name, (const char *)want) == 0;
}

/* Number of threads whose name is exactly `name`. */
static int threads_named(const char *name)
{
    return each_thread(is_named, (void *)name);
}

/* Waits (workers may name themselves as they start) for n threads named name. */
static int threads_named_settle(const char *name, int n)
{
    int got = threads_named(name);
    for (int i = 0; i < 4000 && got != n; i++) {
        check_sleep_ms(5);
        got = threads_named(name);
    }
    return got;
}

static void check_names(const char *name, unsigned workers)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.name = name;
    weft_pool *pool = NULL;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    /* Expected names, cut to 15 characters; count the duplicates. */
    char want[16][16];
    for (unsigned i = 0; i < workers; i++) {
        char full[64];
        snprintf(full, sizeof full, "weft-%s-%u", name ? name : "pool", i);
        snprintf(want[i], sizeof want[i], "%.15s", full);
    }
    for (unsigned i = 0; i < workers; i++) {
        int dup = 0;
        for (unsigned j = 0; j < workers; j++)
            dup += strcmp(want[i], want[j]) == 0;
        int got = threads_named_settle(want[i], dup);
        if (got != dup)
            fprintf(stderr, "threads named \"%s\": %d, want %d\n", want[i], got, dup);
        CHECK_EQ(got, dup);
    }
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

CHECK_CASE(test_thread_names)
{
    check_names("tst", 3);
    check_names(NULL, 2);
    check_names("abcdefgh", 12); /* "weft-abcdefgh-10" is cut to 15 */
    check_names("averyverylongpoolname", 2);
}

CHECK_CASE(test_print_cpuset)
{
    weft_config cfg;
    weft_pool *pool;

    /* A long CPU list (every other CPU of a synthetic 1000-core machine,
     * about 2,000 characters) is printed in full. */
    static char list[8192];
    size_t at = 0;
    for (int c = 0; c < 1000; c += 2)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%d",
                               c ? "," : "", c);
    weft_config_init(&cfg);
    cfg.topology = "core:1000 pu:1";
    cfg.cpuset = list;
    cfg.workers = 1;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    static char text[16384];
    print_to(pool, text, sizeof text);
    CHECK(strstr(text, "  cpuset         0,2,4,") != NULL);
    CHECK(strstr(text, ",996,998 (500 cores) [synthetic topology]\n") != NULL);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

CHECK_CASE(test_print)
{
    /* weft_pool_print describes the pool: its name, worker count and
     * counters as weft_pool_stats gives them (quiescent), one line per
     * worker. */
    weft_pool *pool = check_pool(2, "print");
    check_works(pool);
    /* Wait until the dump shows both workers parked (they then stay
     * parked: no work), so that the counters read next are those printed. */
    char text[8192];
    for (int i = 0;; i++) {
        print_to(pool, text, sizeof text);
        if (strstr(text, "\n  worker 0: parked, public [") &&
            strstr(text, "\n  worker 1: parked, public ["))
            break;
        CHECK(i < 4000);
        check_sleep_ms(5);
    }
    weft_stats st;
    CHECK_EQ(weft_pool_stats(pool, &st), 0);
    char want[160];
    CHECK(strstr(text, "weft pool 'print'\n") != NULL);
    CHECK(strstr(text, "  workers        2 (") != NULL);
    CHECK(strstr(text, "  deque slots    1048576 per worker\n") != NULL); /* 2^20 */
    CHECK(strstr(text, "  stack size     8388608\n") != NULL);     /* 8 MiB */
    snprintf(want, sizeof want, "  spawned        %" PRIu64 "\n", st.spawned);
    CHECK(strstr(text, want) != NULL);
    snprintf(want, sizeof want, "  steals         %" PRIu64 " (leapfrogs %" PRIu64
             "; local %" PRIu64 ", remote %" PRIu64 ")\n",
             st.steals, st.leapfrogs, st.steals_local, st.steals_remote);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "\n  idle           ") != NULL);
    CHECK(strstr(text, "\n  worker 2:") == NULL);
    /* the per-worker steal counts add up to the totals */
    uint64_t sum = 0, sum_remote = 0;
    for (int wi = 0; wi < 2; wi++) {
        char head[32];
        snprintf(head, sizeof head, "\n  worker %d: ", wi);
        const char *line = strstr(text, head);
        CHECK(line != NULL);
        const char *st_at = strstr(line, ", steals ");
        CHECK(st_at != NULL && st_at < strchr(line + 1, '\n'));
        unsigned long long n_steals, n_remote;
        CHECK_EQ(sscanf(st_at, ", steals %llu (remote %llu)", &n_steals, &n_remote), 2);
        sum += n_steals;
        sum_remote += n_remote;
    }
    CHECK_EQ(sum, st.steals);
    CHECK_EQ(sum_remote, st.steals_remote);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* weft_stats.run while a stolen task is still running: every task counted
 * once (run == spawned + injected), not the stolen one twice. */
static int x_started, x_release; /* atomic */
static int x_worker;

static void long_task(void *p)
{
    (void)p;
    x_worker = weft_worker_id();
    __atomic_store_n(&x_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&x_release, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
}

static void noop_task(void *p) { (void)p; }

struct stolen_ctx {
    weft_pool *pool;
    weft_stats during;
    int root_worker;
    unsigned dummies;
};

static void stolen_root(void *p)
{
    struct stolen_ctx *c = p;
    c->root_worker = weft_worker_id();
    weft_task x;
    weft_spawn(&x, long_task, NULL);
    /* Spawns make X public when the other worker asks for work; it steals
     * the oldest public task, X. */
    while (!__atomic_load_n(&x_started, __ATOMIC_ACQUIRE)) {
        weft_task d;
        weft_spawn(&d, noop_task, NULL);
        weft_join(&d);
        if (++c->dummies == 100000000u)
            CHECK(!"the long task was never stolen");
    }
    CHECK_EQ(weft_pool_stats(c->pool, &c->during), 0);
    __atomic_store_n(&x_release, 1, __ATOMIC_RELEASE);
    weft_join(&x);
}

CHECK_CASE(test_stats_while_stolen)
{
    weft_pool *pool = unbound_pool(2);
    struct stolen_ctx c = {pool, {0}, -1, 0};
    CHECK_EQ(weft_pool_run(pool, stolen_root, &c), 0);
    CHECK(x_worker >= 0 && x_worker != c.root_worker); /* X was stolen */
    CHECK_EQ(c.during.steals, 1);
    CHECK_EQ(c.during.spawned, 1 + (uint64_t)c.dummies);
    CHECK_EQ(c.during.injected, 1);
    CHECK_EQ(c.during.run, c.during.spawned + c.during.injected);
    weft_stats after = check_stats_settle(pool, 2 + (uint64_t)c.dummies);
    CHECK_EQ(after.run, after.spawned + after.injected);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

static const struct check_case cases[] = {
    {"ids", test_ids, 0},
    {"thread-names", test_thread_names, 0},
    {"print-cpuset", test_print_cpuset, 0},
    {"print", test_print, 0},
    {"stats-while-stolen", test_stats_while_stolen, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-api-stats", "", api_count_threads, api_no_thread_left, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

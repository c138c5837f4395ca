/*
 * test-nested - weft_pool_run() called from inside the same pool, deeply.
 *
 *  1. A function run on the pool calls weft_pool_run(pool, itself, depth-1)
 *     and waits, DEPTH levels deep (10,000 by default): on a pool of one
 *     worker this starves unless a run from a worker of the same pool runs
 *     inline.
 *  2. Each level spawns a task that itself calls weft_pool_run() on the
 *     same pool for the next level, then joins it (DEPTH2 levels).
 *  3. A fork-join fib inside every one of a few nested levels, so that
 *     nested runs and stealing mix.
 * Every level counts itself; the counts are exact.  Cases: direct (1),
 * spawn-run (2), fib (3), on one pool made before the first case; after
 * the last, the pool still runs fib(22) exactly.
 *
 * Usage: test-nested [CASE] WORKERS [DEPTH [DEPTH2]]   (10000, 2000)
 */
#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

static weft_pool *pool;
static unsigned workers;
static unsigned long levels;   /* levels entered (atomic) */

struct lvl {
    long depth;
    long result; /* out: levels below and including this one */
};

static void check_inside(void)
{
    int id = weft_worker_id();
    CHECK(id >= 0 && (unsigned)id < workers);
    CHECK(weft_current_pool() == pool);
}

/* 1. Direct recursion through weft_pool_run. */
static void rec(void *p)
{
    struct lvl *l = p;
    __atomic_fetch_add(&levels, 1, __ATOMIC_RELAXED);
    if ((l->depth & 1023) == 0)
        check_inside();
    if (l->depth == 0) {
        l->result = 1;
        return;
    }
    struct lvl next = {l->depth - 1, 0};
    int rc = weft_pool_run(pool, rec, &next);
    if (rc != 0)
        CHECK_EQ(rc, 0);
    l->result = next.result + 1;
}

/* 2. Each level spawns a task that enters the pool again. */
static void spawn_level(void *p);

static void spawned_child(void *p)
{
    struct lvl *l = p; /* the next level */
    int rc = weft_pool_run(pool, spawn_level, l);
    if (rc != 0)
        CHECK_EQ(rc, 0);
}

static void spawn_level(void *p)
{
    struct lvl *l = p;
    __atomic_fetch_add(&levels, 1, __ATOMIC_RELAXED);
    if ((l->depth & 255) == 0)
        check_inside();
    if (l->depth == 0) {
        l->result = 1;
        return;
    }
    struct lvl next = {l->depth - 1, 0};
    weft_task t;
    weft_spawn(&t, spawned_child, &next);
    weft_join(&t);
    l->result = next.result + 1;
}

/* 3. fib at every level. */
static void fib_levels(void *p)
{
    struct lvl *l = p;
    struct fib_arg a = {18, 0};
    weft_task t;
    weft_spawn(&t, fib, &a);
    struct lvl next = {l->depth - 1, 0};
    if (l->depth > 0)
        CHECK_EQ(weft_pool_run(pool, fib_levels, &next), 0);
    weft_join(&t);
    CHECK_EQ(a.r, 2584);
    l->result = (l->depth > 0 ? next.result : 0) + a.r;
}

/* ---- cases ---------------------------------------------------------------- */

static long depth, depth2;

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 1);
    depth = (long)check_arg(argc, argv, 2, 10000);
    depth2 = (long)check_arg(argc, argv, 3, 2000);
    printf("test-nested: workers=%u depth=%ld depth2=%ld\n", workers, depth, depth2);

    /* Deep recursion on the workers' stacks: give them room (sanitizers
     * make frames several times larger). */
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.name = "nest";
    cfg.stack_size = (size_t)512 << 20;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_workers(pool), workers);
}

/* And the pool still works normally afterwards. */
static void teardown(void)
{
    struct fib_arg a = {22, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
    CHECK_EQ(a.r, 17711);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* 1. */
CHECK_CASE(direct)
{
    levels = 0;
    struct lvl l = {depth, 0};
    CHECK_EQ(weft_pool_run(pool, rec, &l), 0);
    CHECK_EQ(l.result, depth + 1);
    CHECK_EQ(levels, depth + 1);
    printf("  direct nesting: %ld levels\n", l.result);
}

/* 2. */
CHECK_CASE(spawn_run)
{
    levels = 0;
    struct lvl l2 = {depth2, 0};
    CHECK_EQ(weft_pool_run(pool, spawn_level, &l2), 0);
    CHECK_EQ(l2.result, depth2 + 1);
    CHECK_EQ(levels, depth2 + 1);
    printf("  spawn-then-run nesting: %ld levels\n", l2.result);
}

/* 3. */
CHECK_CASE(fib_nested)
{
    struct lvl l3 = {20, 0};
    CHECK_EQ(weft_pool_run(pool, fib_levels, &l3), 0);
    CHECK_EQ(l3.result, 21 * 2584);
    printf("  fib inside nesting: %ld\n", l3.result);
}

static const struct check_case cases[] = {
    {"direct", direct, 0},
    {"spawn-run", spawn_run, 0},
    {"fib", fib_nested, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-nested", "WORKERS [DEPTH [DEPTH2]]", setup, teardown, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

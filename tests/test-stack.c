/*
 * test-stack - the join rule bounds a worker's stack by the depth of the
 * computation: leapfrogging never stacks unrelated stolen work.
 *
 * Every task records the address of its own stack frame
 * (__builtin_frame_address(0): the real frame even when a sanitizer moves
 * locals elsewhere) in a per-worker record (indexed by weft_worker_id(),
 * written only by that worker): the highest and the lowest address seen.
 * The highest is a task that the worker ran from its main loop (every
 * worker's first task is one: a worker can only leapfrog while it is
 * already running a task); the difference is the worker's stack high-water
 * mark as seen by tasks.  Each task has a 512-byte volatile buffer, so that
 * a level of the recursion costs a known, dominant part of the frame.  The
 * records are also checked against the thread's stack bounds
 * (pthread_getattr_np) on a pool created with a known stack_size (64 MiB).
 *
 * Shapes (each run on a pool of 1 worker, then REPS times on WORKERS):
 *  - tree:    a binary fork-join tree of depth TREE (25): 2^TREE leaves;
 *  - slow-leaf tree: depth SLOW (12), each leaf ~10 us of work, so that
 *             joins of stolen subtrees often wait;
 *  - fan-out: a root spawns 1,000 children before joining any, each child
 *             spawns a slow leaf, runs one inline and joins: only 3 levels,
 *             but while a child waits for its stolen leaf the root's deque
 *             is full of unrelated children.  A join that helped with any
 *             task would nest them (tried: with 4 workers, a copy of weft
 *             whose joins steal from a random worker instead of the thief
 *             reached 6 x the 1-worker mark here and failed);
 *  - chain A: CHAIN (10^4) levels; each spawns a short task, recurses
 *             directly, and joins the short task on the way back;
 *  - chain B: CHAIN levels; each spawns the rest of the chain as a task,
 *             runs a short task (~2 us) inline, and joins the rest: the
 *             joins of stolen tasks nest 10^4 deep and leapfrog.
 * Results are exact (leaf counts, checksums of the leaves' work).
 *
 * The bound.  A worker joining a task stolen by T steals only from T, and
 * everything in T's deque above the stolen task descends from it, so it is
 * deeper in the task tree than the joining task.  Along one worker's stack,
 * from its loop upward, the tasks therefore have strictly increasing tree
 * depth: at most DEPTH + 1 tasks, each with at most one join-helping frame
 * pair (weft__join_stolen + run_taken) below it.  So
 *     HWM(W workers) <= DEPTH * (frame + join overhead) + small constant,
 * while the 1-worker run, which holds the whole path, measures
 *     HWM(1) = DEPTH * frame.
 * With the frame dominated by the 512-byte buffer the ratio stays below
 * about 1.5; the test requires HWM(W) <= 4 * HWM(1) for every worker.  A
 * scheduler that helped with any task while joining could stack a sibling
 * subtree (depth up to DEPTH again) per level and fail it.  Only addresses
 * are compared; nothing depends on timing or on how much was stolen (the
 * steal counts are printed, not required).
 *
 * Cases, one per shape: tree, slow-tree, fan-out, chain-a, chain-b.
 *
 * Usage: test-stack [CASE] WORKERS [TREE [CHAIN [REPS [SLOW]]]]   (4, 25, 10000, 3, 12)
 */
#define _GNU_SOURCE /* pthread_getattr_np */
#include <pthread.h>

#include "check.h"
#include "weft.h"

#define MAXW 64
#define PAD 512
#define STACK_SIZE ((size_t)64 << 20)

struct rec {
    uintptr_t hi, lo;          /* highest and lowest task frame */
    uintptr_t stk_lo, stk_hi;  /* the thread's stack, from pthread */
    uint64_t tasks;
    int init;
} __attribute__((aligned(64)));

static struct rec recs[MAXW];

static void record_frame(uintptr_t fp)
{
    int id = weft_worker_id();
    if (id < 0 || id >= MAXW)
        CHECK(id >= 0 && id < MAXW);
    struct rec *r = &recs[id];
    if (!r->init) {
        pthread_attr_t attr;
        void *addr;
        size_t size;
        CHECK_EQ(pthread_getattr_np(pthread_self(), &attr), 0);
        CHECK_EQ(pthread_attr_getstack(&attr, &addr, &size), 0);
        pthread_attr_destroy(&attr);
        r->stk_lo = (uintptr_t)addr;
        r->stk_hi = (uintptr_t)addr + size;
        r->hi = r->lo = fp;
        r->init = 1;
    }
    if (fp > r->hi)
        r->hi = fp;
    if (fp < r->lo)
        r->lo = fp;
    r->tasks++;
}

/* A macro, so that the frame is the task's own. */
#define RECORD() record_frame((uintptr_t)__builtin_frame_address(0))

/* Gives the frame its 512 bytes (volatile: the stores cannot be dropped). */
#define PAD_FRAME(v)                                                          \
    volatile char pad[PAD];                                                   \
    pad[0] = (char)(v);                                                       \
    pad[PAD - 1] = (char)(v)

/* ---- tree ---- */

struct tree_arg {
    int depth;
    uint64_t leaves;
};

static void tree(void *p)
{
    struct tree_arg *a = p;
    RECORD();
    PAD_FRAME(a->depth);
    if (a->depth == 0) {
        a->leaves = 1 + (uint64_t)(pad[PAD - 1] - pad[0]);
        return;
    }
    struct tree_arg x = {a->depth - 1, 0}, y = {a->depth - 1, 0};
    weft_task t;
    weft_spawn(&t, tree, &x);
    tree(&y);
    weft_join(&t);
    a->leaves = x.leaves + y.leaves;
}

/* ---- a tree with slow leaves ----
 * Joins of stolen tasks often find them still running, and every worker's
 * deque holds shallow, unrelated tasks: a join that helped with any task
 * would nest such subtrees on its stack again and again. */

struct slow_arg {
    int depth;
    uint64_t sum;
};

static uint64_t slow_leaf(uint64_t x)
{
    for (int i = 0; i < 5000; i++)
        x = check_mix(x);
    return x;
}

static void slow_tree(void *p)
{
    struct slow_arg *a = p;
    RECORD();
    PAD_FRAME(a->depth);
    if (a->depth == 0) {
        a->sum = slow_leaf((uint64_t)(pad[0] - pad[PAD - 1]));
        return;
    }
    struct slow_arg x = {a->depth - 1, 0}, y = {a->depth - 1, 0};
    weft_task t;
    weft_spawn(&t, slow_tree, &x);
    slow_tree(&y);
    weft_join(&t);
    a->sum = x.sum + y.sum;
}

/* ---- a flat fan-out ----
 * The root spawns FAN children before joining any; each child spawns a slow
 * leaf, runs another inline and joins the first.  Three levels, but while
 * a child's join waits for its stolen leaf, the root's deque is full of
 * unrelated children: helping with them would nest one child per wait. */

#define FAN 1000

struct fan_child {
    weft_task task;
    uint64_t sum;
};

static void fan_leaf(void *p)
{
    uint64_t *out = p;
    RECORD();
    PAD_FRAME(1);
    *out = slow_leaf((uint64_t)(pad[0] - pad[PAD - 1]));
}

static void fan_child(void *p)
{
    struct fan_child *c = p;
    RECORD();
    PAD_FRAME(2);
    uint64_t a = 0, b = 0;
    weft_task t;
    weft_spawn(&t, fan_leaf, &a);
    fan_leaf(&b);
    weft_join(&t);
    c->sum = a + b + (uint64_t)(pad[0] - pad[PAD - 1]);
}

struct fan_arg {
    int width;
    struct fan_child *children;
    uint64_t sum;
};

static void fan_root(void *p)
{
    struct fan_arg *a = p;
    RECORD();
    PAD_FRAME(3);
    for (int i = 0; i < a->width; i++)
        weft_spawn(&a->children[i].task, fan_child, &a->children[i]);
    uint64_t sum = (uint64_t)(pad[0] - pad[PAD - 1]);
    for (int i = a->width; i-- > 0;) {
        weft_join(&a->children[i].task);
        sum += a->children[i].sum;
    }
    a->sum = sum;
}

/* ---- chains ---- */

struct short_arg {
    uint64_t in, out;
};

/* A few microseconds of work: long enough for a thief to take the task
 * that its caller spawned just before (chain B), short enough for 10^4. */
#define SHORT_ITERS 1000

static uint64_t short_work(uint64_t x)
{
    for (int i = 0; i < SHORT_ITERS; i++)
        x = check_mix(x);
    return x;
}

static void short_task(void *p)
{
    struct short_arg *s = p;
    RECORD();
    PAD_FRAME(s->in);
    s->out = short_work(s->in + (uint64_t)(pad[0] - pad[PAD - 1]));
}

struct chain_arg {
    int level, depth;
    uint64_t sum;
};

/* A: spawn a short task, recurse directly, join it. */
static void chain_a(void *p)
{
    struct chain_arg *a = p;
    RECORD();
    PAD_FRAME(a->level);
    if (a->level == a->depth) {
        a->sum = (uint64_t)(pad[0] - pad[PAD - 1]);
        return;
    }
    struct short_arg s = {(uint64_t)a->level, 0};
    struct chain_arg next = {a->level + 1, a->depth, 0};
    weft_task t;
    weft_spawn(&t, short_task, &s);
    chain_a(&next);
    weft_join(&t);
    a->sum = next.sum + s.out;
}

/* B: spawn the rest of the chain, do a short task inline, join the rest. */
static void chain_b(void *p)
{
    struct chain_arg *a = p;
    RECORD();
    PAD_FRAME(a->level);
    if (a->level == a->depth) {
        a->sum = (uint64_t)(pad[0] - pad[PAD - 1]);
        return;
    }
    struct chain_arg next = {a->level + 1, a->depth, 0};
    struct short_arg s = {(uint64_t)a->level, 0};
    weft_task t;
    weft_spawn(&t, chain_b, &next);
    short_task(&s);
    weft_join(&t);
    a->sum = next.sum + s.out;
}

/* ---- measuring ---- */

enum shape { TREE, SLOW_TREE, FAN_OUT, CHAIN_A, CHAIN_B };
static const char *shape_name[] = {"tree", "slow-leaf tree", "fan-out", "chain A",
                                   "chain B"};

struct result {
    uintptr_t hwm;      /* largest over workers */
    int worst;          /* its worker */
    uint64_t steals, leapfrogs;
};

static void check_result(enum shape sh, int depth, void *arg)
{
    if (sh == TREE) {
        CHECK_EQ(((struct tree_arg *)arg)->leaves, (uint64_t)1 << depth);
        return;
    }
    if (sh == FAN_OUT) {
        CHECK_EQ(((struct fan_arg *)arg)->sum, 2 * (uint64_t)depth * slow_leaf(0));
        return;
    }
    if (sh == SLOW_TREE) {
        CHECK_EQ(((struct slow_arg *)arg)->sum, ((uint64_t)1 << depth) * slow_leaf(0));
        return;
    }
    uint64_t sum = 0;
    for (int l = 0; l < depth; l++)
        sum += short_work((uint64_t)l);
    CHECK_EQ(((struct chain_arg *)arg)->sum, sum);
}

static struct result measure(weft_pool *pool, enum shape sh, int depth)
{
    memset(recs, 0, sizeof recs);
    weft_stats s0, s1;
    CHECK_EQ(weft_pool_stats(pool, &s0), 0);
    struct tree_arg ta = {depth, 0};
    struct slow_arg sa = {depth, 0};
    struct chain_arg ca = {0, depth, 0};
    struct fan_arg fa = {depth, NULL, 0};
    void *arg = sh == TREE ? (void *)&ta : sh == SLOW_TREE ? (void *)&sa
              : sh == FAN_OUT ? (void *)&fa : (void *)&ca;
    weft_fn fn = sh == TREE ? tree : sh == SLOW_TREE ? slow_tree
               : sh == FAN_OUT ? fan_root : sh == CHAIN_A ? chain_a : chain_b;
    if (sh == FAN_OUT) {
        fa.children = calloc((size_t)depth, sizeof *fa.children);
        CHECK(fa.children != NULL);
    }
    CHECK_EQ(weft_pool_run(pool, fn, arg), 0);
    check_result(sh, depth, arg);
    free(fa.children);
    CHECK_EQ(weft_pool_stats(pool, &s1), 0);

    struct result r = {0, -1, s1.steals - s0.steals, s1.leapfrogs - s0.leapfrogs};
    unsigned n = weft_pool_workers(pool);
    for (unsigned i = 0; i < n; i++) {
        struct rec *w = &recs[i];
        if (!w->init)
            continue; /* this worker ran no task */
        /* The frames lie in the worker's own stack, of the size asked for. */
        CHECK(w->stk_lo <= w->lo && w->hi < w->stk_hi);
        CHECK(w->stk_hi - w->stk_lo >= STACK_SIZE - ((size_t)1 << 20));
        uintptr_t hwm = w->hi - w->lo;
        if (hwm > r.hwm) {
            r.hwm = hwm;
            r.worst = (int)i;
        }
    }
    CHECK(r.worst >= 0);
    return r;
}

static weft_pool *stack_pool(unsigned workers)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.name = "stack";
    cfg.stack_size = STACK_SIZE;
    weft_pool *pool = NULL;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_workers(pool), workers);
    return pool;
}

/* ---- cases ---------------------------------------------------------------- */

static unsigned workers;
static int tree_depth, chain_depth, slow_depth;
static unsigned long reps;
static weft_pool *one, *many; /* of 1 worker and of WORKERS */

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 4);
    tree_depth = (int)check_arg(argc, argv, 2, 25);
    chain_depth = (int)check_arg(argc, argv, 3, 10000);
    reps = check_arg(argc, argv, 4, 3);
    slow_depth = (int)check_arg(argc, argv, 5, 12);
    CHECK(workers >= 1 && workers <= MAXW);
    CHECK(tree_depth >= 1 && tree_depth <= 40 && chain_depth >= 1);
    CHECK(slow_depth >= 1 && slow_depth <= 30);
    printf("test-stack: workers=%u tree depth=%d slow-leaf tree depth=%d chain"
           " depth=%d reps=%lu, stack %zu MiB, %d-byte pad per frame\n",
           workers, tree_depth, slow_depth, chain_depth, reps, STACK_SIZE >> 20, PAD);

    one = stack_pool(1);
    many = stack_pool(workers);
}

static void teardown(void)
{
    CHECK_EQ(weft_pool_destroy(one), 0);
    CHECK_EQ(weft_pool_destroy(many), 0);
}

/* One shape: its 1-worker mark, then REPS runs on WORKERS, each within 4x. */
static void check_shape(enum shape sh)
{
    /* For the fan-out, "depth" is its width; its depth is 3. */
    int depth = sh == TREE ? tree_depth : sh == SLOW_TREE ? slow_depth
              : sh == FAN_OUT ? FAN : chain_depth;
    struct result base = measure(one, (enum shape)sh, depth);
    /* The 1-worker path holds every level: at least a pad per level
     * (the fan-out's path is root, child, leaf). */
    int levels = sh == FAN_OUT ? 2 : depth;
    CHECK(base.hwm >= (uintptr_t)levels * PAD);
    CHECK_EQ(base.steals, 0);
    uintptr_t worst = 0;
    uint64_t steals = 0, leaps = 0;
    for (unsigned long k = 0; k < reps; k++) {
        struct result r = measure(many, (enum shape)sh, depth);
        printf("    %s, %u workers, rep %lu: high-water %zu bytes (worker %d),"
               " %.2f x 1 worker; steals %" PRIu64 ", leapfrogs %" PRIu64 "\n",
               shape_name[sh], workers, k + 1, (size_t)r.hwm, r.worst,
               (double)r.hwm / (double)base.hwm, r.steals, r.leapfrogs);
        if (r.hwm > worst)
            worst = r.hwm;
        steals += r.steals;
        leaps += r.leapfrogs;
        if (r.hwm > 4 * base.hwm) {
            fprintf(stderr, "%s: worker %d's stack reached %zu bytes, more than"
                    " 4 x the %zu bytes of the whole path on 1 worker\n",
                    shape_name[sh], r.worst, (size_t)r.hwm, (size_t)base.hwm);
            CHECK(r.hwm <= 4 * base.hwm);
        }
    }
    printf("  %s %s %d: 1 worker %zu bytes (%zu per level); %u workers max"
           " %zu bytes (%.2f x); steals %" PRIu64 ", leapfrogs %" PRIu64 "\n",
           shape_name[sh], sh == FAN_OUT ? "width" : "depth", depth,
           (size_t)base.hwm, (size_t)base.hwm / (size_t)levels,
           workers, (size_t)worst, (double)worst / (double)base.hwm, steals,
           leaps);
}

CHECK_CASE(tree_case) { check_shape(TREE); }
CHECK_CASE(slow_tree_case) { check_shape(SLOW_TREE); }
CHECK_CASE(fan_out_case) { check_shape(FAN_OUT); }
CHECK_CASE(chain_a_case) { check_shape(CHAIN_A); }
CHECK_CASE(chain_b_case) { check_shape(CHAIN_B); }

static const struct check_case cases[] = {
    {"tree", tree_case, 0},
    {"slow-tree", slow_tree_case, 0},
    {"fan-out", fan_out_case, 0},
    {"chain-a", chain_a_case, 0},
    {"chain-b", chain_b_case, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-stack", "WORKERS [TREE [CHAIN [REPS [SLOW]]]]", setup, teardown, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

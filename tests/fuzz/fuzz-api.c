/*
 * fuzz-api - a libFuzzer driver for weft's public API.
 *
 * The input bytes are decoded into a short program of operations (at most
 * MAX_OPS), each checked exactly against a reference computed without weft:
 *
 *  TREE      a fork-join tree (below) run by the calling thread, entering
 *            through weft_pool_run, a typed task called from
 *            weft_pool_run, weft_spawn/weft_join from outside any pool (the
 *            default pool), or weft_join2 from outside.
 *  THREADS   1-4 pthreads, started together, each running its own tree
 *            through one of those entries (on any of the pools), while the
 *            main thread runs one too; all joined before the op ends.
 *  RECREATE  destroy one of the three fuzzer pools and create it again with
 *            a configuration from the bytes: 1-4 workers, a random name,
 *            bind 0/1, deque_slots 1-64 (64 slots, which fill up), stack size,
 *            cpuset, synthetic topology.  Checks the worker count, the
 *            binding counters and the worker thread names.
 *  BAD       one bad argument (NULL pool/fn/out, absurd worker counts, bind
 *            not 0/1, deque_slots > 2^26, bad cpuset strings, bad synthetic
 *            topologies, $WEFT_WORKERS), which must give the documented
 *            code and leave the out pointer untouched; weft_strerror().
 *  SELFDEST  weft_pool_destroy of a pool from its own worker (and from a
 *            task spawned there): WEFT_EDEADLK, and the pool keeps working.
 *  RACE      destroy a pool (or the default pool) while another thread keeps
 *            entering it: every run returns 0 with an exact result until it
 *            returns WEFT_ESHUTDOWN, and from then on always that; a second
 *            destroy returns WEFT_ESHUTDOWN; weft_spawn from outside while
 *            the default pool is being destroyed runs the task on it, or
 *            inline, or on the new default pool (the destroyed one stops
 *            being the default as destroy starts), and once not on it,
 *            never on it again.
 *  STATS     weft_pool_stats: workers, binding counts, leapfrogs <= steals,
 *            and spawned equal to the exact number of spawns this driver
 *            made on the pool's workers since it was created.
 *
 * Trees.  A node is (kind, fan-out, value).  Kinds: LEAF; SPAWN (children
 * spawned into an array of frames with weft_spawn, the last one optionally
 * run inline, joined in reverse order); JOIN2 (children split in halves,
 * recursively, through weft_join2); TYPED (WEFT_TASK_3 spawn/call/join);
 * EXPLICIT (weft_worker_spawn / weft_worker_join_inline); RUN (the children
 * run as a SPAWN node inside weft_pool_run on one of the pools or the
 * default pool: the same pool means nested inline, another means
 * cross-pool); SEQ (children called one after the other); FOR, REDUCE and
 * SCOPE (children run by weft_for's chunks, weft_reduce's folds or a
 * scope's jobs).  A node's result
 * is a hash of its value and its children's results in order; the reference
 * is the same formula computed by plain recursion.  Every node also counts
 * its executions (each must run exactly once) and checks that it runs on the
 * pool it was sent to, with a worker index in range.
 *
 * Bounds per input: MAX_NODES nodes per op, depth MAX_DEPTH, fan-out
 * MAX_FAN, MAX_THREADS external threads, a few pool re-creations.
 *
 * Any mismatch prints what differed and calls abort(), which is how
 * libFuzzer reports a finding.  Without libFuzzer, fuzz-main.c provides a
 * main() that feeds files and pseudo-random inputs to the same entry.
 *
 * Environment: by default the checks are strict: WEFT_EINVAL for cpuset
 * strings that are not a well-formed list ("3-1", "1,,2", "-1", "010") and
 * for a negative $WEFT_WORKERS such as "-3" (the fuzzer's first findings,
 * fixed in src/topo.c and src/pool.c; see tests/fuzz/README.md).
 * WEFT_FUZZ_STRICT=0 tolerates the old behaviour.  WEFT_FUZZ_VERBOSE=1
 * prints each op.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weft.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_NODES    2000
#define MAX_DEPTH    64
#define MAX_FAN      32
#define MAX_THREADS  4
#define MAX_OPS      24
#define MAX_RECREATE 2 /* pool re-creations (RECREATE, RACE) per input */
#define NPOOLS       3 /* fuzzer pools; slot NPOOLS is the default pool */
#define DEFAULT_SLOT NPOOLS

/* ---- failure --------------------------------------------------------- */

static int verbose;

#define FAIL(...)                                                 \
    do {                                                          \
        fprintf(stderr, "fuzz-api: %s:%d: ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                             \
        fputc('\n', stderr);                                      \
        fflush(stderr);                                           \
        abort();                                                  \
    } while (0)

#define EXPECT_RC(got, want, what)                                  \
    do {                                                            \
        int got_ = (got), want_ = (want);                           \
        if (got_ != want_)                                          \
            FAIL("%s: got %d (%s), want %d (%s)", what, got_,       \
                 weft_strerror(got_), want_, weft_strerror(want_)); \
    } while (0)

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* ---- input reader: bytes past the end read as 0 ------------------------ */

struct reader {
    const uint8_t *p;
    size_t n, i;
};

static unsigned rd8(struct reader *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static unsigned rd16(struct reader *r) { return rd8(r) | rd8(r) << 8; }
static int rd_more(const struct reader *r) { return r->i < r->n; }

/* ---- pools ------------------------------------------------------------- */

struct slot {
    weft_pool *pool;
    weft_config cfg; /* as created (strings below) */
    char name[32];
    char cpuset[32];
    char topology[64];
    unsigned workers;
    uint64_t spawned; /* atomic: spawns made on its workers by this driver */
    int loops;        /* atomic: a loop ran on it (spawns its own halves) */
};

static struct slot slots[NPOOLS + 1]; /* [DEFAULT_SLOT]: the default pool */
static unsigned default_workers;
static int strict;
static cpu_set_t allowed_cpus;

/* While a RACE destroys the default pool: weft_spawn from outside may
 * create and use a new default pool, the successor, before the driver
 * records it in the default slot; spawns made on it are counted here. */
static int race_on_default;             /* atomic */
static weft_pool *race_old_default;     /* the default pool being destroyed */
static weft_pool *race_successor;       /* atomic */
static uint64_t race_successor_spawned; /* atomic */
static int race_successor_loops;        /* atomic: a loop ran on it */

static int slot_of(const weft_pool *p);

/* During such a RACE, whether p, a pool the driver does not know, is the
 * successor (the first one seen becomes it; a second one is a failure). */
static int is_successor(weft_pool *p)
{
    if (!p || !__atomic_load_n(&race_on_default, __ATOMIC_ACQUIRE) ||
        slot_of(p) >= 0)
        return 0;
    weft_pool *none = NULL;
    if (__atomic_compare_exchange_n(&race_successor, &none, p, 0,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return 1;
    if (none != p)
        FAIL("two successors of the default pool: %p and %p", (void *)none,
             (void *)p);
    return 1;
}

/* The default pool as it was or its successor, during such a RACE. */
static int default_like(weft_pool *p)
{
    return __atomic_load_n(&race_on_default, __ATOMIC_ACQUIRE) &&
           (p == race_old_default || is_successor(p));
}

/* The slot of pool p, or -1. */
static int slot_of(const weft_pool *p)
{
    for (int i = 0; i <= NPOOLS; i++)
        if (p && slots[i].pool == p)
            return i;
    return -1;
}

/* Counts a spawn made on the calling worker (for the exact stats check). */
static void count_spawn(void)
{
    weft_pool *cur = weft_current_pool();
    int s = slot_of(cur);
    if (s < 0 && is_successor(cur)) {
        __atomic_fetch_add(&race_successor_spawned, 1, __ATOMIC_RELAXED);
        return;
    }
    if (s < 0)
        FAIL("spawn on a worker of an unknown pool %p", (void *)cur);
    __atomic_fetch_add(&slots[s].spawned, 1, __ATOMIC_RELAXED);
}

/* The default pool, recorded in its slot (it is created on first use and
 * re-created after a RACE destroyed it). */
static weft_pool *default_pool(void)
{
    weft_pool *p = weft_default_pool();
    if (!p)
        FAIL("weft_default_pool() returned NULL");
    if (__atomic_load_n(&slots[DEFAULT_SLOT].pool, __ATOMIC_ACQUIRE) != p &&
        !default_like(p))
        FAIL("default pool changed behind the fuzzer's back");
    return p;
}

static void init_default_slot(void)
{
    weft_pool *p = weft_default_pool();
    if (!p)
        FAIL("weft_default_pool() returned NULL");
    slots[DEFAULT_SLOT].pool = p;
    slots[DEFAULT_SLOT].workers = weft_pool_workers(p);
    /* a successor that a RACE's spawns created has counted spawns already */
    slots[DEFAULT_SLOT].spawned =
        p == __atomic_load_n(&race_successor, __ATOMIC_ACQUIRE)
            ? __atomic_load_n(&race_successor_spawned, __ATOMIC_ACQUIRE)
            : 0;
    slots[DEFAULT_SLOT].loops =
        p == __atomic_load_n(&race_successor, __ATOMIC_ACQUIRE) &&
        __atomic_load_n(&race_successor_loops, __ATOMIC_ACQUIRE);
    slots[DEFAULT_SLOT].cfg.bind = 1;
    if (default_workers && slots[DEFAULT_SLOT].workers != default_workers)
        FAIL("default pool has %u workers, want %u",
             slots[DEFAULT_SLOT].workers, default_workers);
    default_workers = slots[DEFAULT_SLOT].workers;
}

/* ---- trees ------------------------------------------------------------- */

enum kind {
    LEAF,
    SPAWN,
    JOIN2,
    TYPED,
    EXPLICIT,
    RUN,
    SEQ,
    FOR,
    REDUCE,
    SCOPE,
    NKINDS
};
static const char *const kind_names[] = {"leaf",     "spawn", "join2", "typed",
                                         "explicit", "run",   "seq",   "for",
                                         "reduce",   "scope"};

struct node {
    uint8_t kind;
    uint8_t target;      /* RUN: slot 0..NPOOLS */
    uint8_t last_inline; /* SPAWN: run the last child by a direct call */
    uint8_t nchild;
    uint32_t first; /* children: nodes[first .. first + nchild) */
    uint64_t value;
    uint32_t runs; /* atomic: times executed */
};

struct prog {
    struct node nodes[MAX_NODES];
    uint32_t n;
};

static struct prog prog; /* one op at a time, owned by the main thread */

/* Parses the tree rooted at nodes[idx] (already reserved). */
static void parse_node(struct reader *r, struct prog *pg, uint32_t idx,
                       unsigned depth, int allow_run)
{
    struct node *nd = &pg->nodes[idx];
    memset(nd, 0, sizeof *nd);
    unsigned b = rd8(r);
    unsigned kind = b % 8;
    if (kind == 7) /* leaves twice as likely */
        kind = LEAF;
    if (depth >= MAX_DEPTH || pg->n >= MAX_NODES)
        kind = LEAF;
    if (kind == RUN && !allow_run)
        kind = SEQ;
    if (kind == SEQ) /* SEQ, FOR, REDUCE or SCOPE */
        kind = SEQ + (b >> 4) % 4;
    nd->kind = (uint8_t)kind;
    nd->value = mix(rd16(r) ^ ((uint64_t)idx << 20));
    if (kind == LEAF)
        return;
    unsigned f = rd8(r);
    unsigned fan = 1 + (f & 7);
    if (f & 0x80) /* occasionally wide */
        fan = 1 + (f & 0x7f) % MAX_FAN;
    if (pg->n + fan > MAX_NODES)
        fan = MAX_NODES - pg->n;
    if (fan == 0) {
        nd->kind = LEAF;
        return;
    }
    nd->last_inline = (b >> 3) & 1;
    nd->target = (uint8_t)((b >> 4) % (NPOOLS + 1));
    nd->nchild = (uint8_t)fan;
    nd->first = pg->n;
    pg->n += fan;
    for (unsigned i = 0; i < fan; i++)
        parse_node(r, pg, nd->first + i, depth + 1, allow_run);
}

/* Parses a tree into pg and returns its root. */
static uint32_t parse_tree(struct reader *r, struct prog *pg, int allow_run)
{
    if (pg->n >= MAX_NODES)
        FAIL("node budget exhausted before a root");
    uint32_t root = pg->n++;
    parse_node(r, pg, root, 0, allow_run);
    return root;
}

/* A node's result from its children's results, in order. */
static uint64_t combine(const struct node *nd, const uint64_t *child)
{
    uint64_t h = mix(nd->value ^ ((uint64_t)nd->kind << 56) ^ nd->nchild);
    for (unsigned i = 0; i < nd->nchild; i++)
        h = mix(h ^ (child[i] + 0x9e3779b97f4a7c15ull * (i + 1)));
    return h;
}

/* The reference: plain recursion, no weft. */
static uint64_t reference(const struct prog *pg, uint32_t idx)
{
    const struct node *nd = &pg->nodes[idx];
    uint64_t child[MAX_FAN];
    for (unsigned i = 0; i < nd->nchild; i++)
        child[i] = reference(pg, nd->first + i);
    return combine(nd, child);
}

/* Every node of the tree at idx ran exactly once; resets the counts. */
static void check_runs(struct prog *pg, uint32_t idx)
{
    struct node *nd = &pg->nodes[idx];
    uint32_t runs = __atomic_load_n(&nd->runs, __ATOMIC_RELAXED);
    if (runs != 1)
        FAIL("node %u (%s, %u children) ran %u times, want 1", idx,
             kind_names[nd->kind], nd->nchild, runs);
    nd->runs = 0;
    for (unsigned i = 0; i < nd->nchild; i++)
        check_runs(pg, nd->first + i);
}

/* ---- the parallel interpreter ------------------------------------------ */

struct call {
    const struct prog *pg;
    uint32_t idx;
    weft_pool *expect; /* the pool it must run on; NULL: outside any pool */
    uint64_t result;
};

static uint64_t exec_node(const struct prog *pg, uint32_t idx,
                          weft_pool *expect);

/* Set on a thread outside any pool while weft_spawn from outside may run
 * tasks inline (the default pool is being destroyed): a task sent to the
 * default pool may then run on the caller. */
static __thread int inline_ok;

static int on_expected_pool(weft_pool *cur, weft_pool *expect)
{
    if (cur == expect || (cur == NULL && inline_ok))
        return 1;
    /* A task sent to the default pool while a RACE destroys it runs there,
     * at once on the spawning thread, or on the new default pool. */
    return default_like(expect) && (cur == NULL || default_like(cur));
}

static void exec_fn(void *p)
{
    struct call *c = p;
    c->result = exec_node(c->pg, c->idx, c->expect);
}

/* Where weft_spawn from the calling thread sends a task. */
static weft_pool *spawn_pool(void)
{
    weft_pool *cur = weft_current_pool();
    return cur ? cur : default_pool();
}

/* Children [lo, hi) of nd through weft_join2, split in halves. */
struct range {
    const struct prog *pg;
    const struct node *nd;
    unsigned lo, hi;
    weft_pool *expect;
    uint64_t *out;
};

static void join2_range(void *p)
{
    struct range *rg = p;
    if (!on_expected_pool(weft_current_pool(), rg->expect))
        FAIL("join2 half runs on pool %p, want %p", (void *)weft_current_pool(),
             (void *)rg->expect);
    if (rg->hi - rg->lo == 1) {
        rg->out[rg->lo] = exec_node(rg->pg, rg->nd->first + rg->lo, rg->expect);
        return;
    }
    unsigned mid = rg->lo + (rg->hi - rg->lo) / 2;
    struct range a = *rg, b = *rg;
    a.hi = mid;
    b.lo = mid;
    /* From a worker both halves stay on its pool; from outside, a runs
     * here and b on the default pool. */
    b.expect = spawn_pool();
    if (weft_self())
        count_spawn();
    weft_join2(join2_range, &a, join2_range, &b);
}

static void exec_spawn(const struct prog *pg, const struct node *nd,
                       int last_inline, uint64_t *child)
{
    weft_task t[MAX_FAN];
    struct call c[MAX_FAN];
    unsigned n = nd->nchild;
    unsigned nspawn = last_inline ? n - 1 : n;
    weft_pool *target = spawn_pool();
    for (unsigned i = 0; i < n; i++)
        c[i] = (struct call){pg, nd->first + i, target, 0};
    for (unsigned i = 0; i < nspawn; i++) {
        if (weft_self())
            count_spawn();
        weft_spawn(&t[i], exec_fn, &c[i]);
    }
    if (last_inline) {
        c[n - 1].expect = weft_current_pool();
        exec_fn(&c[n - 1]);
    }
    for (unsigned i = nspawn; i-- > 0;)
        weft_join(&t[i]);
    for (unsigned i = 0; i < n; i++)
        child[i] = c[i].result;
}

WEFT_TASK_3(uint64_t, tnode, const struct prog *, pg, uint32_t, idx,
            weft_pool *, expect)
{
    (void)w;
    return exec_node(pg, idx, expect);
}

static void exec_typed(weft_worker *w, const struct prog *pg,
                       const struct node *nd, uint64_t *child)
{
    weft_ctx c = weft_ctx_of(w);
    unsigned n = nd->nchild;
    weft_pool *pool = weft_current_pool();
    for (unsigned i = 0; i + 1 < n; i++) {
        count_spawn();
        tnode_spawn(&c, pg, nd->first + i, pool);
    }
    child[n - 1] = tnode_call(&c, pg, nd->first + n - 1, pool);
    for (unsigned i = n - 1; i-- > 0;)
        child[i] = tnode_join(&c);
}

static void exec_explicit(weft_worker *w, const struct prog *pg,
                          const struct node *nd, uint64_t *child)
{
    weft_task t[MAX_FAN];
    struct call c[MAX_FAN];
    unsigned n = nd->nchild;
    weft_pool *pool = weft_current_pool();
    for (unsigned i = 0; i < n; i++) {
        c[i] = (struct call){pg, nd->first + i, pool, 0};
        count_spawn();
        weft_worker_spawn(w, &t[i], exec_fn, &c[i]);
    }
    for (unsigned i = n; i-- > 0;) {
        if (weft_worker_join_inline(w, &t[i]))
            exec_fn(&c[i]);
        child[i] = c[i].result;
    }
}

/* The body of a RUN node, on the target pool. */
struct run_body {
    const struct prog *pg;
    const struct node *nd;
    weft_pool *expect;
    uint64_t *child;
};

static void run_body_fn(void *p)
{
    struct run_body *rb = p;
    if (weft_current_pool() != rb->expect)
        FAIL("weft_pool_run body runs on pool %p, want %p",
             (void *)weft_current_pool(), (void *)rb->expect);
    exec_spawn(rb->pg, rb->nd, rb->nd->last_inline, rb->child);
}

/* FOR, REDUCE and SCOPE nodes: the children through weft_for, weft_reduce
 * (a count and a sum of their results, combined left to right) or the
 * jobs of a scope, on the caller's pool or, from outside, the default
 * pool. */
struct par {
    const struct prog *pg;
    const struct node *nd;
    weft_pool *expect;
    uint64_t *child;
};

struct tally {
    uint64_t count, sum;
};

/* Marks p, the pool that runs a loop's chunks (where the loop spawns its
 * halves), or the successor of the default pool during a RACE. */
static void mark_loop(weft_pool *p)
{
    int s = slot_of(p);
    if (s >= 0)
        __atomic_store_n(&slots[s].loops, 1, __ATOMIC_RELAXED);
    else if (is_successor(p))
        __atomic_store_n(&race_successor_loops, 1, __ATOMIC_RELAXED);
}

static int par_body(size_t lo, size_t hi, void *p)
{
    struct par *c = p;
    if (weft_cancelled())
        FAIL("weft_cancelled() in a loop nobody cancelled");
    mark_loop(weft_current_pool());
    for (size_t i = lo; i < hi; i++)
        c->child[i] = exec_node(c->pg, c->nd->first + (uint32_t)i, c->expect);
    return 0;
}

static int par_fold(size_t lo, size_t hi, void *acc, void *p)
{
    struct par *c = p;
    struct tally *t = acc;
    par_body(lo, hi, p);
    for (size_t i = lo; i < hi; i++) {
        t->count++;
        t->sum += c->child[i];
    }
    return 0;
}

static void par_combine(void *acc, const void *rhs, void *p)
{
    (void)p;
    struct tally *a = acc;
    const struct tally *b = rhs;
    a->count += b->count;
    a->sum += b->sum;
}

static int job_fn(void *p)
{
    if (weft_cancelled())
        FAIL("weft_cancelled() in a job of a scope nobody cancelled");
    exec_fn(p);
    return 0;
}

static void exec_par(const struct prog *pg, const struct node *nd, uint32_t idx,
                     uint64_t *child)
{
    unsigned n = nd->nchild;
    struct par c = {pg, nd, spawn_pool(), child};
    size_t grain = (nd->value >> 8) & 3;
    int rc;
    if (nd->kind == FOR) {
        rc = weft_for(0, n, grain, par_body, &c);
    } else if (nd->kind == REDUCE) {
        struct tally zero = {0, 0}, got = {7, 7};
        unsigned flags = (nd->value >> 10) & 1 ? WEFT_DETERMINISTIC : 0;
        rc = weft_reduce(0, n, grain, sizeof got, &zero, par_fold, par_combine,
                         &c, flags, &got);
        uint64_t sum = 0;
        for (unsigned i = 0; i < n; i++)
            sum += child[i];
        if (rc == 0 && (got.count != n || got.sum != sum))
            FAIL("node %u: weft_reduce counted %llu children, sum %llx; want "
                 "%u, %llx",
                 idx, (unsigned long long)got.count,
                 (unsigned long long)got.sum, n, (unsigned long long)sum);
    } else {
        struct call k[MAX_FAN];
        weft_scope sc;
        weft_scope_init(&sc);
        rc = 0;
        for (unsigned i = 0; i < n && !rc; i++) {
            k[i] = (struct call){pg, nd->first + i, c.expect, 0};
            rc = weft_scope_spawn(&sc, job_fn, &k[i]);
        }
        int rw = weft_scope_wait(&sc);
        rc = rc ? rc : rw;
        for (unsigned i = 0; i < n; i++)
            child[i] = k[i].result;
    }
    if (rc != 0)
        FAIL("node %u (%s): %d (%s)", idx, kind_names[nd->kind], rc,
             weft_strerror(rc));
}

static uint64_t exec_node(const struct prog *pg, uint32_t idx,
                          weft_pool *expect)
{
    const struct node *nd = &pg->nodes[idx];
    __atomic_fetch_add((uint32_t *)&nd->runs, 1, __ATOMIC_RELAXED);
    weft_pool *cur = weft_current_pool();
    if (!on_expected_pool(cur, expect))
        FAIL("node %u (%s) runs on pool %p (slot %d), want %p (slot %d)", idx,
             kind_names[nd->kind], (void *)cur, slot_of(cur), (void *)expect,
             slot_of(expect));
    int id = weft_worker_id();
    if (cur ? (id < 0 || (unsigned)id >= weft_pool_id_limit(cur)) : id != -1)
        FAIL("node %u: weft_worker_id() = %d on pool %p of id limit %u", idx,
             id, (void *)cur, weft_pool_id_limit(cur));
    if ((weft_self() != NULL) != (cur != NULL))
        FAIL("weft_self() and weft_current_pool() disagree");

    uint64_t child[MAX_FAN];
    weft_worker *w = weft_self();
    switch (nd->kind) {
    case LEAF:
        break;
    case SPAWN:
        exec_spawn(pg, nd, nd->last_inline, child);
        break;
    case JOIN2: {
        struct range rg = {pg, nd, 0, nd->nchild, cur, child};
        join2_range(&rg);
        break;
    }
    case TYPED:
        if (w)
            exec_typed(w, pg, nd, child);
        else
            exec_spawn(pg, nd, 1, child);
        break;
    case EXPLICIT:
        if (w)
            exec_explicit(w, pg, nd, child);
        else
            exec_spawn(pg, nd, 0, child);
        break;
    case RUN: {
        weft_pool *target = nd->target == DEFAULT_SLOT ? default_pool()
                                                       : slots[nd->target].pool;
        struct run_body rb = {pg, nd, target, child};
        int rc = weft_pool_run(target, run_body_fn, &rb);
        if (rc != 0)
            FAIL("node %u: weft_pool_run(slot %u) from pool slot %d: %d (%s)",
                 idx, nd->target, slot_of(cur), rc, weft_strerror(rc));
        if (weft_current_pool() != cur || weft_self() != w)
            FAIL("node %u: weft_pool_run changed the calling thread's pool",
                 idx);
        break;
    }
    case SEQ:
        for (unsigned i = 0; i < nd->nchild; i++)
            child[i] = exec_node(pg, nd->first + i, cur);
        break;
    case FOR:
    case REDUCE:
    case SCOPE:
        exec_par(pg, nd, idx, child);
        break;
    default:
        FAIL("bad node kind %u", nd->kind);
    }
    return combine(nd, child);
}

/* ---- entering a tree --------------------------------------------------- */

enum entry { ENTRY_RUN, ENTRY_TYPED, ENTRY_SPAWN, ENTRY_JOIN2, NENTRIES };
static const char *const entry_names[] = {"pool_run", "typed", "ext_spawn",
                                          "ext_join2"};

struct job {
    struct prog *pg;
    uint32_t root;
    uint32_t root2; /* ENTRY_JOIN2: the tree of the b half */
    unsigned entry;
    unsigned slot;
    uint64_t result;
    int rc;
};

static void typed_entry(void *p)
{
    struct call *c = p;
    weft_worker *w = weft_self();
    if (!w)
        FAIL("typed entry: weft_self() is NULL inside weft_pool_run");
    c->result = tnode_run(w, c->pg, c->idx, c->expect);
}

/* Runs job's tree through its entry; returns weft_pool_run's code. */
static int enter(struct job *j)
{
    weft_pool *pool =
        j->slot == DEFAULT_SLOT ? default_pool() : slots[j->slot].pool;
    struct call c = {j->pg, j->root, pool, 0};
    switch (j->entry) {
    case ENTRY_RUN:
        j->rc = weft_pool_run(pool, exec_fn, &c);
        break;
    case ENTRY_TYPED:
        j->rc = weft_pool_run(pool, typed_entry, &c);
        break;
    case ENTRY_SPAWN: { /* weft_spawn from outside: the default pool */
        weft_task t;
        c.expect = default_pool();
        weft_spawn(&t, exec_fn, &c);
        weft_join(&t);
        j->rc = 0;
        break;
    }
    case ENTRY_JOIN2: { /* a (root) here, b (root2) on the default pool */
        struct call a = {j->pg, j->root, NULL, 0};
        struct call b = {j->pg, j->root2, default_pool(), 0};
        weft_join2(exec_fn, &a, exec_fn, &b);
        c.result = mix(a.result ^ mix(b.result));
        j->rc = 0;
        break;
    }
    default:
        FAIL("bad entry");
    }
    j->result = c.result;
    return j->rc;
}

/* Parses a job (entry, pool, tree) into prog; 0 when the node budget is
 * spent. */
static int parse_job(struct reader *r, struct job *j, int allow_run)
{
    if (prog.n + 2 > MAX_NODES)
        return 0;
    unsigned b = rd8(r);
    memset(j, 0, sizeof *j);
    j->pg = &prog;
    j->entry = b % NENTRIES;
    j->slot = (b >> 2) % (NPOOLS + 1);
    j->root = parse_tree(r, &prog, allow_run);
    if (j->entry == ENTRY_JOIN2) {
        if (prog.n >= MAX_NODES)
            j->entry = ENTRY_RUN;
        else
            j->root2 = parse_tree(r, &prog, allow_run);
    }
    return 1;
}

static uint64_t job_reference(const struct job *j)
{
    uint64_t h = reference(j->pg, j->root);
    if (j->entry == ENTRY_JOIN2)
        h = mix(h ^ mix(reference(j->pg, j->root2)));
    return h;
}

static void job_check(struct job *j, const char *what)
{
    EXPECT_RC(j->rc, 0, what);
    uint64_t want = job_reference(j);
    if (j->result != want)
        FAIL("%s: %s entry on slot %u: result %016llx, reference %016llx "
             "(%u nodes)",
             what, entry_names[j->entry], j->slot,
             (unsigned long long)j->result, (unsigned long long)want, j->pg->n);
    check_runs(j->pg, j->root);
    if (j->entry == ENTRY_JOIN2)
        check_runs(j->pg, j->root2);
}

/* ---- ops: TREE and THREADS ---------------------------------------------- */

static void op_tree(struct reader *r)
{
    struct job j;
    if (!parse_job(r, &j, 1))
        return;
    if (verbose)
        fprintf(stderr, "  tree: %s slot %u, %u nodes\n", entry_names[j.entry],
                j.slot, prog.n);
    enter(&j);
    job_check(&j, "tree");
}

static pthread_barrier_t barrier;

static void *job_thread(void *p)
{
    struct job *j = p;
    pthread_barrier_wait(&barrier);
    if (weft_self() || weft_current_pool() || weft_worker_id() != -1)
        FAIL("a new pthread looks like a worker");
    enter(j);
    return NULL;
}

static void op_threads(struct reader *r)
{
    struct job jobs[MAX_THREADS + 1];
    pthread_t th[MAX_THREADS];
    unsigned k = 1 + rd8(r) % MAX_THREADS, n = 0;
    while (n < k + 1 && parse_job(r, &jobs[n], 1))
        n++;
    if (n < 2)
        return;
    unsigned nthreads = n - 1; /* jobs[n-1] is the main thread's */
    if (verbose)
        fprintf(stderr, "  threads: %u + main, %u nodes\n", nthreads, prog.n);
    if (pthread_barrier_init(&barrier, NULL, nthreads + 1) != 0)
        FAIL("pthread_barrier_init");
    for (unsigned i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, job_thread, &jobs[i]) != 0)
            FAIL("pthread_create");
    pthread_barrier_wait(&barrier);
    enter(&jobs[nthreads]);
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&barrier);
    for (unsigned i = 0; i < n; i++)
        job_check(&jobs[i],
                  i < nthreads ? "external thread" : "main beside threads");
}

/* ---- pool configurations ------------------------------------------------- */

static const char *const good_topologies[] = {
    "pack:1 core:2 pu:1", "pack:2 core:2 pu:2", "numa:2 core:1 pu:1", "pu:1",
    "pack:2 numa:2 core:4 pu:1"};
static const char *const bad_topologies[] = {
    "banana",       "",
    "pack:0",       "core:x",
    "pack:2 core:", "pack:2 core:2 pu:2 bogus"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The first CPU this process may use. */
static int first_allowed_cpu(void)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed_cpus))
            return c;
    return 0;
}

/* Fills s->cfg (and its strings) from the bytes: a configuration that must
 * be accepted. */
static void random_config(struct reader *r, struct slot *s)
{
    weft_config *cfg = &s->cfg;
    weft_config_init(cfg);
    unsigned b = rd8(r), c = rd8(r);
    cfg->workers = 1 + b % 4;
    cfg->bind = (b >> 2) & 1;
    cfg->deque_slots = (b & 0x08) ? 1 + c % 64 : 0;
    cfg->stack_size = (b & 0x10) ? (size_t)(2 + (c >> 6)) << 20 : 0;
    unsigned len = rd8(r) % 24;
    if (len == 0 && (c & 0x20)) {
        cfg->name = NULL;
    } else {
        for (unsigned i = 0; i < len; i++)
            s->name[i] = (char)(0x20 + rd8(r) % 95);
        s->name[len] = '\0';
        cfg->name = s->name;
    }
    switch ((b >> 5) & 7) {
    case 1:
        snprintf(s->cpuset, sizeof s->cpuset, "%d", first_allowed_cpu());
        cfg->cpuset = s->cpuset;
        break;
    case 2:
        snprintf(s->cpuset, sizeof s->cpuset, "0-1023");
        cfg->cpuset = s->cpuset;
        break;
    case 3:
        snprintf(s->cpuset, sizeof s->cpuset, "%d,%d", first_allowed_cpu(),
                 first_allowed_cpu());
        cfg->cpuset = s->cpuset;
        break;
    case 4: {
        const char *t = good_topologies[c % COUNT(good_topologies)];
        snprintf(s->topology, sizeof s->topology, "%s", t);
        cfg->topology = s->topology;
        break;
    }
    default:
        break;
    }
    s->workers = cfg->workers;
    s->spawned = 0;
    s->loops = 0;
}

static void check_stats(unsigned si, const char *what)
{
    struct slot *s = &slots[si];
    weft_stats st;
    memset(&st, 0xa5, sizeof st);
    EXPECT_RC(weft_pool_stats(s->pool, &st), 0, "weft_pool_stats");
    if (st.workers != s->workers || weft_pool_workers(s->pool) != s->workers)
        FAIL("%s: slot %u: stats.workers %u, weft_pool_workers %u, want %u",
             what, si, st.workers, weft_pool_workers(s->pool), s->workers);
    uint64_t want = __atomic_load_n(&s->spawned, __ATOMIC_RELAXED);
    /* A loop that split spawned halves of its own: at least the driver's */
    int loops = __atomic_load_n(&s->loops, __ATOMIC_RELAXED);
    if (loops ? st.spawned < want : st.spawned != want)
        FAIL("%s: slot %u: stats.spawned %llu, but the fuzzer spawned %llu "
             "tasks on its workers",
             what, si, (unsigned long long)st.spawned,
             (unsigned long long)want);
    if (st.leapfrogs > st.steals)
        FAIL("%s: slot %u: leapfrogs %llu > steals %llu", what, si,
             (unsigned long long)st.leapfrogs, (unsigned long long)st.steals);
    if (!s->cfg.bind) {
        if (st.bound != 0 || st.bind_failures != 0)
            FAIL("%s: slot %u: bind = 0 but bound %u, bind_failures %u", what,
                 si, st.bound, st.bind_failures);
    } else if (s->cfg.topology) {
        if (st.bound != 0 || st.bind_failures != s->workers)
            FAIL("%s: slot %u: synthetic topology but bound %u, "
                 "bind_failures %u",
                 what, si, st.bound, st.bind_failures);
    } else if (st.bound + st.bind_failures != s->workers) {
        FAIL("%s: slot %u: bound %u + bind_failures %u != workers %u", what, si,
             st.bound, st.bind_failures, s->workers);
    }
}

static FILE *devnull;

static void check_all_stats(const char *what)
{
    for (unsigned i = 0; i <= NPOOLS; i++) {
        check_stats(i, what);
        EXPECT_RC(weft_pool_print(slots[i].pool, devnull), 0,
                  "weft_pool_print");
    }
}

/* Each worker that runs one of these checks its thread name. */
struct name_check {
    char want[16];
    unsigned workers;
};

static void check_name_fn(void *p)
{
    const struct slot *s = p;
    char got[64] = "", full[64];
    int id = weft_worker_id();
    if (id < 0 || (unsigned)id >= s->workers)
        FAIL("name check: worker id %d of %u", id, s->workers);
    char pool_name[16];
    snprintf(pool_name, sizeof pool_name, "%s",
             s->cfg.name ? s->cfg.name : "pool");
    snprintf(full, sizeof full, "weft-%s-%d", pool_name, id);
    full[15] = '\0';
    if (pthread_getname_np(pthread_self(), got, sizeof got) != 0)
        return;
    if (strcmp(got, full) != 0)
        FAIL("worker %d of pool named \"%s\" is called \"%s\", want \"%s\"", id,
             s->cfg.name ? s->cfg.name : "(null)", got, full);
}

static void name_tree(void *p)
{
    weft_task t[4];
    for (int i = 0; i < 4; i++) {
        count_spawn();
        weft_spawn(&t[i], check_name_fn, p);
    }
    check_name_fn(p);
    for (int i = 4; i-- > 0;)
        weft_join(&t[i]);
}

/* Creates slot si from s->cfg, which must succeed, and checks it. */
static void create_slot(unsigned si)
{
    struct slot *s = &slots[si];
    int rc = weft_pool_create(&s->pool, &s->cfg);
    if (rc != 0)
        FAIL("weft_pool_create(workers %u, bind %d, deque_slots %u, stack %zu,"
             " cpuset %s, topology %s): %d (%s)",
             s->cfg.workers, s->cfg.bind, s->cfg.deque_slots, s->cfg.stack_size,
             s->cfg.cpuset ? s->cfg.cpuset : "NULL",
             s->cfg.topology ? s->cfg.topology : "NULL", rc, weft_strerror(rc));
    s->spawned = 0;
    s->loops = 0;
    EXPECT_RC(weft_pool_run(s->pool, name_tree, s), 0, "weft_pool_run(names)");
    check_stats(si, "new pool");
}

static unsigned recreations;

static void op_recreate(struct reader *r)
{
    unsigned si = rd8(r) % NPOOLS;
    if (recreations++ >= MAX_RECREATE)
        return;
    struct slot *s = &slots[si];
    EXPECT_RC(weft_pool_destroy(s->pool), 0, "weft_pool_destroy");
    s->pool = NULL;
    random_config(r, s);
    if (verbose)
        fprintf(stderr, "  recreate slot %u: workers %u bind %d slots %u\n", si,
                s->cfg.workers, s->cfg.bind, s->cfg.deque_slots);
    create_slot(si);
}

/* ---- BAD: error codes ------------------------------------------------------ */

#define SENTINEL ((weft_pool *)(uintptr_t)0x5eed)

static void noop(void *p) { (void)p; }

/* Creating with cfg must give want (0: success, then destroyed). */
static void create_expect(const weft_config *cfg, int want, const char *what)
{
    weft_pool *p = SENTINEL;
    int rc = weft_pool_create(&p, cfg);
    if (rc != want)
        FAIL("%s: weft_pool_create: got %d (%s), want %d (%s)", what, rc,
             weft_strerror(rc), want, weft_strerror(want));
    if (rc == 0) {
        if (p == SENTINEL || !p)
            FAIL("%s: weft_pool_create returned 0 without a pool", what);
        EXPECT_RC(weft_pool_run(p, noop, NULL), 0, what);
        EXPECT_RC(weft_pool_destroy(p), 0, what);
    } else if (p != SENTINEL) {
        FAIL("%s: failed weft_pool_create changed *out", what);
    }
}

/*
 * The reference for a cpuset string: WEFT_EINVAL for an empty string or a
 * character other than digits, ',' and '-'; for a well-formed list
 * (ITEM{,ITEM}, ITEM = N | N-M with N <= M, numbers in decimal
 * without leading zeros, at most 65535), 0 when it names an
 * allowed CPU, else WEFT_ENOCPU.  *wellformed says which case it was.
 */
static int cpuset_reference(const char *s, int *wellformed)
{
    *wellformed = 0;
    if (!*s)
        return WEFT_EINVAL;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || *p == ',' || *p == '-'))
            return WEFT_EINVAL;
    int any = 0;
    const char *p = s;
    for (;;) {
        if (*p < '0' || *p > '9')
            return WEFT_EINVAL;
        if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
            return WEFT_EINVAL; /* leading zero: hwloc reads octal */
        long a = strtol(p, (char **)&p, 10), b = a;
        if (*p == '-') {
            p++;
            if (p[0] == '0' && p[1] >= '0' && p[1] <= '9')
                return WEFT_EINVAL;
            if (*p < '0' || *p > '9')
                return WEFT_EINVAL;
            b = strtol(p, (char **)&p, 10);
            if (b < a)
                return WEFT_EINVAL;
        }
        for (long c = a; c <= b && c < CPU_SETSIZE; c++)
            if (CPU_ISSET(c, &allowed_cpus))
                any = 1;
        if (*p == '\0')
            break;
        if (*p != ',')
            return WEFT_EINVAL;
        p++;
    }
    *wellformed = 1;
    return any ? 0 : WEFT_ENOCPU;
}

static void bad_cpuset(struct reader *r, weft_config *cfg)
{
    static const char alphabet[] = "0123456789,-0101,-x ";
    char s[16];
    unsigned len = rd8(r) % 10, run = 0, k = 0;
    for (unsigned i = 0; i < len; i++) {
        char ch = alphabet[rd8(r) % (sizeof alphabet - 1)];
        /* numbers of at most 4 digits: hwloc allocates a bitmap up to the
         * largest CPU named (see README: "2147483647" takes 256 MiB) */
        if (ch >= '0' && ch <= '9' && ++run > 4)
            ch = ',';
        if (!(ch >= '0' && ch <= '9'))
            run = 0;
        s[k++] = ch;
    }
    s[k] = '\0';
    int wellformed, want = cpuset_reference(s, &wellformed);
    cfg->cpuset = s;
    cfg->workers = 1;
    cfg->bind = 0;
    char what[64];
    snprintf(what, sizeof what, "cpuset \"%s\"", s);
    if (wellformed || want == WEFT_EINVAL) {
        /* EINVAL here only for bad characters or the empty string, or the
         * strict mode below */
        if (!wellformed && !strict) {
            int only_ok_chars =
                *s != '\0' && strspn(s, "0123456789,-") == strlen(s);
            if (only_ok_chars) {
                /* malformed list: weft hands it to hwloc, which may accept
                 * it; any of 0 / EINVAL / ENOCPU, the pool must work */
                weft_pool *p = SENTINEL;
                int rc = weft_pool_create(&p, cfg);
                if (rc != 0 && rc != WEFT_EINVAL && rc != WEFT_ENOCPU)
                    FAIL("%s: weft_pool_create: %d (%s)", what, rc,
                         weft_strerror(rc));
                if (rc == 0) {
                    EXPECT_RC(weft_pool_run(p, noop, NULL), 0, what);
                    EXPECT_RC(weft_pool_destroy(p), 0, what);
                } else if (p != SENTINEL) {
                    FAIL("%s: failed weft_pool_create changed *out", what);
                }
                if (verbose)
                    fprintf(stderr, "  malformed %s: %d (%s)\n", what, rc,
                            weft_strerror(rc));
                cfg->cpuset = NULL;
                return;
            }
        }
        create_expect(cfg, want, what);
    }
    cfg->cpuset = NULL;
}

static void bad_env(struct reader *r)
{
    static const struct {
        const char *value;
        int want;
    } cases[] = {{"banana", WEFT_EINVAL},
                 {"0", WEFT_EINVAL},
                 {"-3", WEFT_EINVAL},
                 {"2x", WEFT_EINVAL},
                 {"2000x", WEFT_EINVAL},
                 {"1025", WEFT_ERANGE},
                 {"99999999999", WEFT_ERANGE},
                 {"1", 0},
                 {"3", 0},
                 {"003", 0}};
    unsigned k = rd8(r) % COUNT(cases);
    const char *old = getenv("WEFT_WORKERS");
    char saved[64] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("WEFT_WORKERS", cases[k].value, 1);
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.bind = 0;
    char what[64];
    snprintf(what, sizeof what, "WEFT_WORKERS=%s", cases[k].value);
    weft_pool *p = SENTINEL;
    int rc = weft_pool_create(&p, &cfg);
    /* Known divergence: a negative value wraps in strtoul (WEFT_ERANGE). */
    if (!strict && cases[k].value[0] == '-' && rc == WEFT_ERANGE)
        rc = WEFT_EINVAL;
    if (rc != cases[k].want)
        FAIL("%s: got %d (%s), want %d", what, rc, weft_strerror(rc),
             cases[k].want);
    if (rc == 0) {
        unsigned want = (unsigned)atoi(cases[k].value);
        if (weft_pool_workers(p) != want)
            FAIL("%s: %u workers", what, weft_pool_workers(p));
        EXPECT_RC(weft_pool_destroy(p), 0, what);
    } else if (p != SENTINEL) {
        FAIL("%s: failed weft_pool_create changed *out", what);
    }
    /* workers != 0 ignores the variable */
    cfg.workers = 1;
    create_expect(&cfg, 0, "WEFT_WORKERS with workers = 1");
    if (old)
        setenv("WEFT_WORKERS", saved, 1);
    else
        unsetenv("WEFT_WORKERS");
}

static void bad_strerror(struct reader *r)
{
    static const int codes[] = {
#define FUZZ_CODE(name, value, msg) name,
        WEFT_ERRORS(FUZZ_CODE)
#undef FUZZ_CODE
    };
    for (unsigned i = 0; i < COUNT(codes); i++) {
        const char *s = weft_strerror(codes[i]);
        if (!s || !*s || strcmp(s, "unknown weft error") == 0 ||
            strncmp(s, "WEFT_E", 6) != 0)
            FAIL("weft_strerror(%d) = \"%s\"", codes[i], s ? s : "(null)");
        for (unsigned j = 0; j < i; j++)
            if (strcmp(s, weft_strerror(codes[j])) == 0)
                FAIL("weft_strerror(%d) == weft_strerror(%d)", codes[i],
                     codes[j]);
    }
    if (strcmp(weft_strerror(0), "success") != 0)
        FAIL("weft_strerror(0) = \"%s\"", weft_strerror(0));
    int x = (int)(rd16(r) | rd16(r) << 16);
    int known = x == 0;
    for (unsigned i = 0; i < COUNT(codes); i++)
        known |= x == codes[i];
    if (!known && strcmp(weft_strerror(x), "unknown weft error") != 0)
        FAIL("weft_strerror(%d) = \"%s\"", x, weft_strerror(x));
}

/* Bad arguments of the loops and scopes: WEFT_EINVAL, nothing called,
 * nothing written. */
static int never_body(size_t lo, size_t hi, void *p)
{
    (void)lo, (void)hi, (void)p;
    FAIL("a loop with bad arguments called its body");
}

static int never_fold(size_t lo, size_t hi, void *acc, void *p)
{
    (void)lo, (void)hi, (void)acc, (void)p;
    FAIL("a reduce with bad arguments called its fold");
}

static void never_combine(void *acc, const void *rhs, void *p)
{
    (void)acc, (void)rhs, (void)p;
    FAIL("a reduce with bad arguments called its combine");
}

static void bad_loops(struct reader *r)
{
    size_t b = rd16(r), e = b + rd8(r), size = 1 + rd8(r) % 16;
    unsigned flags = (unsigned)rd8(r) << 1; /* any flag but 1 is unknown */
    uint64_t id[2] = {0, 0}, res[2] = {0x5eed, 0x5eed};
    EXPECT_RC(weft_for(b, e, 0, NULL, NULL), WEFT_EINVAL, "for(NULL body)");
    if (e > b)
        EXPECT_RC(weft_for(e, b, 0, never_body, NULL), WEFT_EINVAL,
                  "for(begin > end)");
    EXPECT_RC(
        weft_reduce(b, e, 0, 0, id, never_fold, never_combine, NULL, 0, res),
        WEFT_EINVAL, "reduce(size 0)");
    EXPECT_RC(weft_reduce(b, e, 0, size, NULL, never_fold, never_combine, NULL,
                          0, res),
              WEFT_EINVAL, "reduce(NULL identity)");
    EXPECT_RC(weft_reduce(b, e, 0, size, id, NULL, never_combine, NULL, 0, res),
              WEFT_EINVAL, "reduce(NULL fold)");
    EXPECT_RC(weft_reduce(b, e, 0, size, id, never_fold, NULL, NULL, 0, res),
              WEFT_EINVAL, "reduce(NULL combine)");
    EXPECT_RC(weft_reduce(b, e, 0, size, id, never_fold, never_combine, NULL, 0,
                          NULL),
              WEFT_EINVAL, "reduce(NULL result)");
    if (flags)
        EXPECT_RC(weft_reduce(b, e, 0, size, id, never_fold, never_combine,
                              NULL, flags, res),
                  WEFT_EINVAL, "reduce(unknown flag)");
    if (res[0] != 0x5eed || res[1] != 0x5eed)
        FAIL("a reduce with bad arguments wrote its result");
    weft_scope sc;
    weft_scope_init(&sc);
    EXPECT_RC(weft_scope_spawn(NULL, job_fn, NULL), WEFT_EINVAL,
              "scope_spawn(NULL)");
    EXPECT_RC(weft_scope_spawn(&sc, NULL, NULL), WEFT_EINVAL,
              "scope_spawn(NULL fn)");
    EXPECT_RC(weft_scope_wait(NULL), WEFT_EINVAL, "scope_wait(NULL)");
    EXPECT_RC(weft_scope_wait(&sc), 0, "scope_wait(empty)");
    if (weft_cancelled())
        FAIL("weft_cancelled() outside any job");
}

static void op_bad(struct reader *r)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = 1;
    cfg.bind = 0;
    unsigned sub = rd8(r) % 10;
    if (verbose)
        fprintf(stderr, "  bad %u\n", sub);
    switch (sub) {
    case 0:
        EXPECT_RC(weft_pool_create(NULL, NULL), WEFT_EINVAL,
                  "create(NULL, NULL)");
        EXPECT_RC(weft_pool_create(NULL, &cfg), WEFT_EINVAL,
                  "create(NULL, cfg)");
        break;
    case 1: {
        uint32_t v = (uint32_t)(rd16(r) | rd16(r) << 16);
        cfg.workers =
            WEFT_MAX_WORKERS + 1 + v % (UINT32_MAX - WEFT_MAX_WORKERS);
        create_expect(&cfg, WEFT_ERANGE, "workers > WEFT_MAX_WORKERS");
        break;
    }
    case 2: {
        int v = (int)(rd16(r) | rd16(r) << 16);
        cfg.bind = (v == 0 || v == 1) ? 2 : v;
        create_expect(&cfg, WEFT_EINVAL, "bind not 0 or 1");
        break;
    }
    case 3: {
        uint32_t v = (uint32_t)(rd16(r) | rd16(r) << 16);
        cfg.deque_slots = (1u << 26) + 1 + v % (UINT32_MAX - (1u << 26));
        create_expect(&cfg, WEFT_ERANGE, "deque_slots > 2^26");
        break;
    }
    case 4:
    case 5:
        bad_cpuset(r, &cfg);
        break;
    case 6: {
        unsigned k = rd8(r);
        if (k & 1) {
            cfg.topology = bad_topologies[(k >> 1) % COUNT(bad_topologies)];
            create_expect(&cfg, WEFT_EINVAL, cfg.topology);
        } else {
            cfg.topology = good_topologies[(k >> 1) % COUNT(good_topologies)];
            cfg.bind = 1;
            create_expect(&cfg, 0, cfg.topology);
        }
        break;
    }
    case 7: {
        weft_stats st;
        unsigned si = rd8(r) % (NPOOLS + 1);
        weft_pool *p = slots[si].pool;
        EXPECT_RC(weft_pool_run(NULL, noop, NULL), WEFT_EINVAL, "run(NULL)");
        EXPECT_RC(weft_pool_run(p, NULL, NULL), WEFT_EINVAL, "run(pool, NULL)");
        EXPECT_RC(weft_pool_destroy(NULL), WEFT_EINVAL, "destroy(NULL)");
        EXPECT_RC(weft_pool_stats(NULL, &st), WEFT_EINVAL, "stats(NULL)");
        EXPECT_RC(weft_pool_stats(p, NULL), WEFT_EINVAL, "stats(pool, NULL)");
        EXPECT_RC(weft_pool_print(NULL, devnull), WEFT_EINVAL, "print(NULL)");
        if (weft_pool_workers(NULL) != 0)
            FAIL("weft_pool_workers(NULL) != 0");
        if (weft_self() || weft_current_pool() || weft_worker_id() != -1)
            FAIL("the main thread looks like a worker");
        bad_loops(r);
        break;
    }
    case 8:
        bad_strerror(r);
        break;
    case 9:
        bad_env(r);
        break;
    }
}

/* ---- SELFDEST: destroy from the pool's own worker ------------------------- */

struct selfdest {
    weft_pool *pool;
    int rc_run, rc_task;
};

static void selfdest_task(void *p)
{
    struct selfdest *d = p;
    d->rc_task = weft_pool_destroy(d->pool);
}

static void selfdest_fn(void *p)
{
    struct selfdest *d = p;
    d->rc_run = weft_pool_destroy(d->pool);
    weft_task t;
    count_spawn();
    weft_spawn(&t, selfdest_task, d);
    weft_join(&t);
}

static void op_selfdest(struct reader *r)
{
    unsigned si = rd8(r) % (NPOOLS + 1);
    struct selfdest d = {slots[si].pool, 1, 1};
    EXPECT_RC(weft_pool_run(d.pool, selfdest_fn, &d), 0, "run(selfdest)");
    EXPECT_RC(d.rc_run, WEFT_EDEADLK, "destroy from its own worker");
    EXPECT_RC(d.rc_task, WEFT_EDEADLK, "destroy from its own task");
    op_tree(r); /* the pools keep working */
}

/* ---- RACE: destroy while another thread keeps entering -------------------- */

struct race {
    weft_pool *p;     /* being destroyed */
    weft_pool *q;     /* T1 waits on it, holding a run on p */
    weft_pool *rpool; /* variant 2: T2 enters p from a worker of it */
    unsigned variant; /* 0: run from outside, 1: weft_spawn from outside
                          (default pool), 2: run from a worker of rpool */
    struct job job;   /* T2's tree (no RUN nodes) */
    uint32_t x_started, t2_done; /* atomic flags */
    unsigned ok_runs;            /* T2: runs that returned 0 */
    int rc_t1;
};

static void race_waiter(void *p)
{
    struct race *rc = p;
    while (!__atomic_load_n(&rc->t2_done, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void race_x(void *p)
{
    struct race *rc = p;
    __atomic_store_n(&rc->x_started, 1, __ATOMIC_RELEASE);
    /* Hold the run on p until T2 is done; meanwhile this worker of p
     * keeps running p's tasks (it waits on another pool). */
    EXPECT_RC(weft_pool_run(rc->q, race_waiter, rc), 0, "race: run(q)");
}

static void *race_t1(void *p)
{
    struct race *rc = p;
    rc->rc_t1 = weft_pool_run(rc->p, race_x, rc);
    return NULL;
}

/* One entry of p by T2; returns 0 or WEFT_ESHUTDOWN. */
struct race_inner {
    struct race *rc;
    struct call c;
    int rc_inner;
    weft_pool *ran_on;
};

static void race_inner_fn(void *p)
{
    struct race_inner *in = p;
    in->rc_inner = weft_pool_run(in->rc->p, exec_fn, &in->c);
}

static void spawned_probe(void *p)
{
    struct race_inner *in = p;
    in->ran_on = weft_current_pool();
    in->c.expect = in->ran_on;
    inline_ok = in->ran_on == NULL;
    exec_fn(&in->c);
    inline_ok = 0;
}

static int race_enter(struct race *rc)
{
    struct race_inner in = {rc, {rc->job.pg, rc->job.root, rc->p, 0}, 1, NULL};
    int ret;
    switch (rc->variant) {
    case 0:
        ret = weft_pool_run(rc->p, exec_fn, &in.c);
        break;
    case 1: { /* weft_spawn from outside into the default pool p */
        weft_task t;
        weft_spawn(&t, spawned_probe, &in);
        weft_join(&t);
        if (in.ran_on != rc->p && in.ran_on != NULL && !is_successor(in.ran_on))
            FAIL("race: externally spawned task ran on pool %p, want %p, "
                 "its successor or inline",
                 (void *)in.ran_on, (void *)rc->p);
        /* "refused" here: no longer on p (inline, or on the successor) */
        ret = in.ran_on == rc->p ? 0 : WEFT_ESHUTDOWN;
        if (ret != 0) { /* not on p: its result still counts */
            uint64_t want = job_reference(&rc->job);
            if (in.c.result != want)
                FAIL("race: inline external task: result mismatch");
            rc->ok_runs++; /* its nodes ran once more */
        }
        break;
    }
    default: /* from a worker of rpool */
        EXPECT_RC(weft_pool_run(rc->rpool, race_inner_fn, &in), 0,
                  "race: run(rpool)");
        ret = in.rc_inner;
        break;
    }
    if (ret != 0 && ret != WEFT_ESHUTDOWN)
        FAIL("race: entering a pool being destroyed: %d (%s)", ret,
             weft_strerror(ret));
    if (ret == 0) {
        uint64_t want = job_reference(&rc->job);
        if (in.c.result != want)
            FAIL("race: variant %u: result %016llx, reference %016llx",
                 rc->variant, (unsigned long long)in.c.result,
                 (unsigned long long)want);
        rc->ok_runs++;
    }
    return ret;
}

static void *race_t2(void *p)
{
    struct race *rc = p;
    while (!__atomic_load_n(&rc->x_started, __ATOMIC_ACQUIRE))
        sched_yield();
    long i;
    for (i = 0; i < 10000000L; i++)
        if (race_enter(rc) == WEFT_ESHUTDOWN)
            break;
    if (i == 10000000L)
        FAIL("race: the pool never started shutting down");
    /* From now on every entry is refused, and so is a second destroy. */
    for (int k = 0; k < 3; k++)
        if (race_enter(rc) != WEFT_ESHUTDOWN)
            FAIL("race: a run succeeded after one returned WEFT_ESHUTDOWN");
    EXPECT_RC(weft_pool_destroy(rc->p), WEFT_ESHUTDOWN,
              "race: second weft_pool_destroy");
    __atomic_store_n(&rc->t2_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Checks that every node of the tree at idx ran want times; resets. */
static void check_runs_n(struct prog *pg, uint32_t idx, uint32_t want)
{
    struct node *nd = &pg->nodes[idx];
    if (nd->runs != want)
        FAIL("race: node %u ran %u times, want %u", idx, nd->runs, want);
    nd->runs = 0;
    for (unsigned i = 0; i < nd->nchild; i++)
        check_runs_n(pg, nd->first + i, want);
}

static void op_race(struct reader *r)
{
    unsigned b = rd8(r);
    unsigned si = b % (NPOOLS + 1);
    if (recreations++ >= MAX_RECREATE)
        return;
    struct race *rc = calloc(1, sizeof *rc);
    if (!rc)
        FAIL("calloc");
    unsigned qi = si == DEFAULT_SLOT ? 0 : (si + 1) % NPOOLS;
    unsigned ri = si == DEFAULT_SLOT ? 1 : (si + 2) % NPOOLS;
    rc->p = slots[si].pool;
    rc->q = slots[qi].pool;
    rc->rpool = slots[ri].pool;
    rc->variant = (b >> 2) % 3;
    if (rc->variant == 1 && si != DEFAULT_SLOT)
        rc->variant = 0;
    if (!parse_job(r, &rc->job, 0)) {
        free(rc);
        return;
    }
    rc->job.entry = ENTRY_RUN; /* only its first tree is used */
    if (verbose)
        fprintf(stderr, "  race: destroy slot %u, variant %u, %u nodes\n", si,
                rc->variant, prog.n);
    if (si == DEFAULT_SLOT) {
        race_old_default = rc->p;
        __atomic_store_n(&race_on_default, 1, __ATOMIC_RELEASE);
    }
    pthread_t t1, t2;
    if (pthread_create(&t1, NULL, race_t1, rc) != 0 ||
        pthread_create(&t2, NULL, race_t2, rc) != 0)
        FAIL("pthread_create");
    while (!__atomic_load_n(&rc->x_started, __ATOMIC_ACQUIRE))
        sched_yield();
    EXPECT_RC(weft_pool_destroy(rc->p), 0, "race: weft_pool_destroy");
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    EXPECT_RC(rc->rc_t1, 0, "race: the run that held the pool");
    check_runs_n(&prog, rc->job.root, rc->ok_runs);
    free(rc);
    /* Re-create the slot as it was. */
    if (si == DEFAULT_SLOT) {
        slots[si].pool = NULL;
        init_default_slot();
        __atomic_store_n(&race_on_default, 0, __ATOMIC_RELEASE);
        race_old_default = NULL;
        __atomic_store_n(&race_successor, NULL, __ATOMIC_RELEASE);
        __atomic_store_n(&race_successor_spawned, 0, __ATOMIC_RELEASE);
        __atomic_store_n(&race_successor_loops, 0, __ATOMIC_RELEASE);
    } else {
        create_slot(si);
    }
}

/* ---- the driver ------------------------------------------------------------ */

enum op {
    OP_TREE,
    OP_TREE2,
    OP_THREADS,
    OP_BAD,
    OP_RECREATE,
    OP_SELFDEST,
    OP_RACE,
    OP_STATS,
    NOPS
};

static void init_once(void)
{
    verbose = getenv("WEFT_FUZZ_VERBOSE") && atoi(getenv("WEFT_FUZZ_VERBOSE"));
    strict = !getenv("WEFT_FUZZ_STRICT") || atoi(getenv("WEFT_FUZZ_STRICT"));
    if (sched_getaffinity(0, sizeof allowed_cpus, &allowed_cpus) != 0)
        FAIL("sched_getaffinity");
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        FAIL("fopen /dev/null");
    static const uint8_t init_cfg[NPOOLS][4] = {
        {0x00, 0, 0, 0},   /* 1 worker, bind 0 */
        {0x05, 0, 3, 'a'}, /* 2 workers, bind 1 */
        {0x09, 0, 0, 0},   /* 2 workers, deque_slots 1 */
    };
    for (unsigned i = 0; i < NPOOLS; i++) {
        struct reader r = {init_cfg[i], 4, 0};
        random_config(&r, &slots[i]);
        create_slot(i);
    }
    init_default_slot();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        init_once();
        initialised = 1;
    }
    struct reader r = {data, size, 0};
    recreations = 0;
    for (unsigned ops = 0; ops < MAX_OPS && rd_more(&r); ops++) {
        unsigned op = rd8(&r) % NOPS;
        prog.n = 0;
        switch (op) {
        case OP_TREE:
        case OP_TREE2:
            op_tree(&r);
            break;
        case OP_THREADS:
            op_threads(&r);
            break;
        case OP_BAD:
            op_bad(&r);
            break;
        case OP_RECREATE:
            op_recreate(&r);
            break;
        case OP_SELFDEST:
            op_selfdest(&r);
            break;
        case OP_RACE:
            op_race(&r);
            break;
        case OP_STATS:
            check_all_stats("stats op");
            break;
        }
    }
    check_all_stats("end of input");
    return 0;
}

/*
 * test-deque-stress - the split deque alone, through the internal API
 * (src/deque.c, weft__push/weft__pop of weft/task.h, and weft__join_stolen
 * of src/worker.c, which a pop that finds its task stolen calls), with no
 * pool threads: one owner thread and THIEVES thief threads, all of them
 * ordinary pthreads of this test.
 *
 * The pool is built by hand: a zeroed struct weft_pool with its two mutexes
 * initialised, nworkers = 0 and idle = 0, and a workers array that maps
 * an index to its worker (a joiner finds its thief there).  The deque calls
 * weft__sleep_notify(w->pool) when it publishes; with idle == 0 that reads
 * "no worker parked" (IDLE_SLEEPING(0) == 0) and never calls wake_one, so
 * nothing else of the pool is touched.  Each worker (owner and thieves) is
 * a zeroed struct weft_worker with w->pool and w->index set and its deque
 * made by weft__deque_init.
 *
 *  1. Edge cases, single-threaded and exact: steal from an empty deque
 *     (NULL, and it sets movesplit), the publish that movesplit causes, a
 *     pop that reclaims a public task, a pop that finds its task stolen
 *     (allstolen), the next push publishing at once (ts = {h, h + 1}), the
 *     stolen_from and spawned counters, and a full deque: spawns beyond
 *     the last slot run at once and their joins do nothing, in order.
 *  2. Random walk: the owner does OPS (10^7) pushes and pops in phases
 *     (balanced, climbing, descending, push/pop ping-pong at the top of the
 *     stack, and ping-pong at depth 0..1 where every push after a lost race
 *     is an allstolen publish and every pop races the thieves for the last
 *     public task), depth up to MAXDEPTH (4,096).  A slot is REUSED by the
 *     next push as soon as its task is joined: that exercises the
 *     slot-reuse rule (the owner does not write a stolen task's slot
 *     before the thief has set done; a thief reads the item id from the
 *     slot just before it completes, so an early reuse shows as an item
 *     taken twice or never).  Each push carries a fresh item id in arg.
 *     Pop returning the slot: the owner takes the item from it.  Pop
 *     returning NULL: it found the task stolen and waited (weft__join_stolen)
 *     for the thief's completion, after which the item must be marked.
 *     Every ROUND_OPS operations the owner unwinds to depth 0 and switches
 *     to a fresh worker (fresh deque).
 *     Thieves loop on weft__deque_steal(owner, self); on success they mark
 *     the item and complete the slot with weft__done_set, as
 *     weft__run_stolen does (src/join.c), and write nothing to the slot
 *     afterwards.  Now and then a thief yields
 *     before completing, so the owner's join goes to its futex sleep.  A
 *     round starts only once every thief is trying the new deque, and the
 *     owner yields now and then, so that thieves sharing its core get to
 *     run (there are more threads than cores); the counts of steals and of
 *     races won and lost are printed, never required.
 *  3. Deep stack: DEEP (10^6) pending tasks on a fresh deque of 2^20
 *     slots while the thieves steal, then unwound, twice.
 *
 * Marks: one bit per item id, set with an atomic fetch_or; a bit found
 * already set means an item was taken twice (failure at once).  At the end
 * every id below the number of items pushed has its bit set and no other
 * bit is set (every item taken exactly once), and owner takes + thief takes
 * == items, thief takes == pops that returned NULL == the workers' stolen_from.
 *
 * "Indices far from zero."  In a Chase-Lev deque top and bottom only grow,
 * so long runs test index wrap-around.  Here they do not: tail, split and
 * head are positions in the slot array, bounded by the number of tasks
 * pending on the worker, and they return to 0 as the stack unwinds (after
 * allstolen the owner resets ts to {h, h + 1}).  ts packs two 32-bit
 * indices, so the only way to be far from zero is to have many tasks
 * pending: that is the deep-stack case of part 3 (indices up to 10^6).
 *
 * Cases: edges (1, without threads) and walk (2 and 3, and the counts
 * over both).
 *
 * Usage: test-deque-stress [CASE] THIEVES [OPS [DEEP [SEED]]]   (2, 10^7, 10^6)
 */
#include <pthread.h>
#include <sched.h>

#include "../src/internal.h"
#include "check.h"

#define MAXDEPTH 4096
#define ROUND_OPS 100000ul
#define MAX_THIEVES 16
#define DEEP_SLOTS (1u << 20)

static struct weft_pool *pool;
static uint64_t *bitmap;          /* one bit per item id (atomic) */
static uint64_t nbits;
static weft_worker *cur_owner;    /* atomic: the deque thieves steal from */
static int stop;                  /* atomic */

struct thief {
    weft_worker *w;
    weft_worker *seen;    /* atomic: the owner deque it last tried */
    pthread_t th;
    uint64_t taken;
    uint64_t rng;
} __attribute__((aligned(64)));

static struct thief thieves[MAX_THIEVES];
static unsigned nthieves_running;

static void item_fn(void *p) { (void)p; }

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Marks item id; fails if it was already taken. */
static void mark(uint64_t id, const char *who)
{
    if (id >= nbits) {
        fprintf(stderr, "%s took item %" PRIu64 ", beyond the %" PRIu64 " ids\n",
                who, id, nbits);
        CHECK(id < nbits);
    }
    uint64_t bit = 1ull << (id % 64);
    uint64_t old = __atomic_fetch_or(&bitmap[id / 64], bit, __ATOMIC_RELAXED);
    if (old & bit) {
        fprintf(stderr, "item %" PRIu64 " taken twice (second: %s)\n", id, who);
        CHECK(!(old & bit));
    }
}

static int marked(uint64_t id)
{
    return (__atomic_load_n(&bitmap[id / 64], __ATOMIC_RELAXED) >> (id % 64)) & 1;
}

/* What weft__run_stolen does after the task (src/join.c). */
static void complete(struct weft__frame *f)
{
    weft__done_set(&f->h.done);
    /* f may be reused by its owner from here on: no more access. */
}

/* workers[index] of the hand-built pool, for joiners to find thieves. */
static weft_worker *by_index[MAX_THIEVES + 1];

static weft_worker *worker_new(unsigned index, unsigned slots)
{
    weft_worker *w = weft__alloc(sizeof *w);
    CHECK(w != NULL);
    w->pool = pool;
    w->index = index;
    CHECK_EQ(weft__deque_init(w, slots), 0);
    CHECK_EQ(w->own.cap, slots);
    CHECK(w->own.top == w->own.base);
    __atomic_store_n(&by_index[index], w, __ATOMIC_RELEASE);
    return w;
}

static uint32_t depth_of(weft_worker *w)
{
    return (uint32_t)(w->own.top - w->own.base);
}

static void worker_free(weft_worker *w)
{
    weft__deque_fini(w);
    weft__free(w, sizeof *w);
}

static void *thief_main(void *p)
{
    struct thief *me = p;
    unsigned fails = 0;
    while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
        weft_worker *v = __atomic_load_n(&cur_owner, __ATOMIC_ACQUIRE);
        struct weft__frame *t = weft__deque_steal(v, me->w);
        if (__atomic_load_n(&me->seen, __ATOMIC_RELAXED) != v)
            __atomic_store_n(&me->seen, v, __ATOMIC_RELEASE);
        if (!t) {
            /* More threads than cores: let the owner run. */
            if ((++fails & 15) == 0)
                sched_yield();
            else
                weft__cpu_relax();
            continue;
        }
        fails = 0;
        if (t->h.run != WEFT__RUN_GENERIC || t->u.g.fn != item_fn)
            CHECK(t->h.run == WEFT__RUN_GENERIC && t->u.g.fn == item_fn);
        if (__atomic_load_n(&t->h.thief, __ATOMIC_RELAXED) != me->w->index + 1)
            CHECK_EQ(t->h.thief, me->w->index + 1);
        mark((uint64_t)(uintptr_t)t->u.g.arg, "a thief");
        me->taken++;
        /* Sometimes be slow, so that the owner's join sleeps on done. */
        if ((xorshift(&me->rng) & 63) == 0)
            sched_yield();
        complete(t);
    }
    return NULL;
}

/* ---- the owner ---- */

struct owner {
    weft_worker *w;
    weft_task *frames;       /* frames[d]: the handle of the task at depth d */
    uint64_t *ids;           /* ids[d]: its item id */
    size_t depth, maxdepth;
    uint64_t next_id;
    uint64_t taken, stolen;  /* pops that returned the slot / NULL */
    uint64_t reclaimed, lost;/* pops of public slots: won / lost the race */
    uint64_t pushes, rounds;
    unsigned depth_slots;    /* the capacity of the next fresh deque */
    uint64_t rng;
};

static void owner_push(struct owner *o)
{
    CHECK(o->depth < o->maxdepth);
    weft_task *t = &o->frames[o->depth];
    uint64_t id = o->next_id++;
    o->ids[o->depth] = id;
    weft__push(o->w, t, item_fn, (void *)(uintptr_t)id);
    o->depth++;
    o->pushes++;
}

static void owner_pop(struct owner *o)
{
    size_t d = --o->depth;
    weft_task *t = &o->frames[d];
    int public = d < o->w->own.split; /* the owner's own field */
    struct weft__frame *f = o->w->own.base + d, *r = weft__pop(o->w, t);
    int mine = r != NULL;
    CHECK(r == NULL || r == f);
    CHECK_EQ(depth_of(o->w), d);
    if (mine) {
        /* Ours: the slot is exactly as we wrote it. */
        if ((uint64_t)(uintptr_t)f->u.g.arg != o->ids[d])
            CHECK_EQ((uint64_t)(uintptr_t)f->u.g.arg, o->ids[d]);
        mark(o->ids[d], "the owner");
        o->taken++;
        o->reclaimed += public;
    } else {
        CHECK(public);
        /* The pop waited for the thief (weft__join_stolen), which marked
         * it before completing (acquire on done). */
        CHECK_EQ(__atomic_load_n(&f->h.done, __ATOMIC_ACQUIRE), 1);
        if (!marked(o->ids[d]))
            CHECK(marked(o->ids[d]));
        o->stolen++;
        o->lost++;
    }
}

/* A fresh deque for the owner; the old one stays allocated (a slow thief
 * may still read it) and is freed at the end. */
static void owner_switch(struct owner *o, weft_worker **all, unsigned *nall)
{
    CHECK_EQ(o->depth, 0);
    if (o->w) {
        CHECK_EQ(depth_of(o->w), 0);
        uint64_t ts = __atomic_load_n(&o->w->own.ts, __ATOMIC_RELAXED);
        CHECK(ts_tail(ts) >= ts_split(ts)); /* nothing public left */
    }
    o->w = worker_new(0, o->depth_slots);
    all[(*nall)++] = o->w;
    weft__self = o->w;
    __atomic_store_n(&cur_owner, o->w, __ATOMIC_RELEASE);
    o->rounds++;
    /* Start the round only once every thief is trying the new deque (on a
     * loaded machine a descheduled thief would otherwise miss whole
     * rounds).  A wait for a condition, not for time. */
    for (unsigned i = 0; i < nthieves_running; i++)
        while (__atomic_load_n(&thieves[i].seen, __ATOMIC_ACQUIRE) != o->w)
            sched_yield();
}

static void random_walk(struct owner *o, uint64_t ops, weft_worker **all,
                        unsigned *nall)
{
    uint64_t done = 0, round_end = 0;
    while (done < ops) {
        if (done >= round_end) {
            while (o->depth > 0) {
                owner_pop(o);
                done++;
            }
            owner_switch(o, all, nall);
            round_end = done + ROUND_OPS;
        }
        /* One phase: a mode and a length. */
        uint64_t r = xorshift(&o->rng);
        unsigned len = 1 + (unsigned)(r % 2000);
        unsigned mode = (unsigned)((r >> 16) % 5);
        unsigned top = 1 + (unsigned)((r >> 32) % MAXDEPTH);
        /* Now and then let a thief that shares our core run. */
        if (((r >> 48) & 7) == 0)
            sched_yield();
        if (mode == 4)
            while (o->depth > 0 && done < ops) {
                owner_pop(o);
                done++;
            }
        for (unsigned i = 0; i < len && done < ops; i++, done++) {
            int push;
            switch (mode) {
            case 0: push = xorshift(&o->rng) & 1; break;              /* balanced */
            case 1: push = (xorshift(&o->rng) % 10) != 0; break;      /* climb */
            case 2: push = (xorshift(&o->rng) % 10) == 0; break;      /* descend */
            case 3: push = (i & 1) == 0; break;                       /* ping at top */
            default: push = o->depth == 0; break;                     /* ping at 0..1 */
            }
            if (o->depth >= top && o->depth > 0)
                push = 0;
            if (o->depth == 0)
                push = 1;
            if (push)
                owner_push(o);
            else
                owner_pop(o);
        }
    }
    while (o->depth > 0)
        owner_pop(o);
}

/* ---- 1. edge cases, single-threaded ---- */

static unsigned ran_at_once;
static void count_fn(void *p) { ran_at_once += (unsigned)(uintptr_t)p; }

/* Pops the youngest task, named t, which is in slot d: returns 1 when
 * weft__pop returned that slot (run it), 0 when it returned NULL. */
static int pop_at(weft_worker *w, weft_task *t, uint32_t d)
{
    struct weft__frame *f = weft__pop(w, t);
    CHECK(f == NULL || f == w->own.base + d);
    CHECK_EQ(depth_of(w), d);
    return f != NULL;
}

static void edge_cases(void)
{
    weft_worker *w = worker_new(0, 64), *th = worker_new(1, 64);
    weft_task a, b, c;
    weft__self = w;

    /* Steal from an empty deque: NULL, and a request to share. */
    CHECK(weft__deque_steal(w, th) == NULL);
    CHECK_EQ(w->own.movesplit, 1);
    CHECK(weft__deque_steal(w, th) == NULL);
    CHECK_EQ(weft__deque_has_public(w), 0);

    /* The next push goes the slow way and publishes (half of 1, rounded up). */
    weft__push(w, &a, item_fn, NULL);
    CHECK_EQ(w->own.movesplit, 0);
    CHECK_EQ(w->own.ts, ts_make(0, 1));
    CHECK(w->own.split_p == w->own.base + 1);
    CHECK_EQ(weft__deque_has_public(w), 1);
    /* Pop of a public task nobody stole: reclaimed. */
    CHECK_EQ(pop_at(w, &a, 0), 1);
    CHECK_EQ(w->own.ts, ts_make(0, 0));
    CHECK(w->own.split_p == w->own.base);
    CHECK_EQ(w->own.stolen_from, 0);

    /* Publish again, let the thief take it: the pop finds it stolen and
     * waits for the thief (which completes it at once here). */
    CHECK(weft__deque_steal(w, th) == NULL);
    weft__push(w, &a, item_fn, (void *)1);
    struct weft__frame *t = weft__deque_steal(w, th);
    CHECK(t == w->own.base);
    CHECK_EQ(t->h.thief, th->index + 1);
    CHECK_EQ(t->h.done, 0);
    CHECK(t->u.g.arg == (void *)1 && t->u.g.key == &a);
    CHECK_EQ(w->own.ts, ts_make(1, 1));
    CHECK(weft__deque_steal(w, th) == NULL); /* empty again */
    complete(t);
    CHECK_EQ(pop_at(w, &a, 0), 0);
    CHECK_EQ(w->own.allstolen, 1);
    CHECK_EQ(w->own.stolen_from, 1);

    /* allstolen: the next push publishes at once, ts = {h, h + 1}. */
    weft__push(w, &b, item_fn, NULL);
    CHECK_EQ(w->own.ts, ts_make(0, 1));
    CHECK_EQ(w->own.allstolen, 0);
    weft__push(w, &c, item_fn, NULL); /* fast path: private */
    CHECK_EQ(depth_of(w), 2);
    CHECK_EQ(w->own.ts, ts_make(0, 1));
    CHECK_EQ(pop_at(w, &c, 1), 1);    /* private */
    CHECK_EQ(pop_at(w, &b, 0), 1);    /* public, reclaimed */
    CHECK_EQ(w->own.ts, ts_make(0, 0));

    /* A full deque: 64 slots, 70 spawns (a thief asking every 10).  The
     * last 6 run at once, and their joins, which come first, do nothing;
     * the pops below them work as usual. */
    weft_task f[70];
    ran_at_once = 0;
    for (int i = 0; i < 70; i++) {
        if (i % 10 == 0) /* what a thief finding nothing public does */
            __atomic_store_n(&w->own.movesplit, 1u, __ATOMIC_RELAXED);
        weft__push(w, &f[i], count_fn, (void *)(uintptr_t)(1u << (i >= 64)));
        CHECK_EQ(depth_of(w), i < 64 ? (uint32_t)i + 1 : 64u);
    }
    CHECK_EQ(ran_at_once, 6 * 2);   /* each once, at the spawn */
    CHECK_EQ(w->own.overflow, 6);
    CHECK(w->own.split_p == w->own.end + 1);
    uint64_t ts = w->own.ts;
    CHECK(ts_split(ts) > 0 && ts_split(ts) <= 64);
    uint32_t nstolen = 0;
    for (uint32_t i = ts_tail(ts); i < ts_split(ts) && i < 10; i++) {
        t = weft__deque_steal(w, th);
        CHECK(t == w->own.base + i);
        complete(t);
        nstolen++;
    }
    for (int i = 69; i >= 64; i--) {
        CHECK(weft__pop(w, &f[i]) == NULL);  /* ran at the spawn */
        CHECK_EQ(depth_of(w), 64);
        CHECK_EQ(w->own.overflow, (uint32_t)i - 64);
    }
    CHECK(w->own.split_p == w->own.base + w->own.split);
    for (int i = 63; i >= 0; i--) {
        int r = pop_at(w, &f[i], (uint32_t)i);
        CHECK_EQ(r, (uint32_t)i >= ts_tail(ts) + nstolen);
        if (r)
            count_fn(w->own.base[i].u.g.arg); /* what weft_join does */
    }
    CHECK_EQ(ran_at_once, 6 * 2 + 64 - nstolen);
    CHECK_EQ(w->own.stolen_from, 1 + nstolen);
    CHECK_EQ(w->own.spawned, 4 + 70);
    printf("  edge cases: ok (%u of 64 public stolen; 6 spawns on a full "
           "deque ran at once)\n", nstolen);
    weft__self = &weft__outside;
    worker_free(w);
    worker_free(th);
}

/* ---- cases ---------------------------------------------------------------- */

/* The command line (setup reads it). */
static struct {
    unsigned nthieves;
    uint64_t ops, deep, seed;
} opt;

/* The hand-made pool that every worker of the cases belongs to. */
static void setup(int argc, char **argv)
{
    unsigned nthieves = (unsigned)check_arg(argc, argv, 1, 2);
    uint64_t ops = check_arg(argc, argv, 2, 10000000);
    uint64_t deep = check_arg(argc, argv, 3, 1000000);
    uint64_t seed = check_seed(argc, argv, 4, "test-deque-stress");
    if (nthieves < 1 || nthieves > MAX_THIEVES) {
        fprintf(stderr, "test-deque-stress: %u thieves: give 1 to %d\n", nthieves, MAX_THIEVES);
        exit(2);
    }
    printf("test-deque-stress: thieves=%u ops=%" PRIu64 " deep=%" PRIu64 "\n",
           nthieves, ops, deep);
    opt.nthieves = nthieves;
    opt.ops = ops;
    opt.deep = deep;
    opt.seed = seed;

    pool = weft__alloc(sizeof *pool);
    CHECK(pool != NULL);
    pthread_mutex_init(&pool->inject_lock, NULL);
    pthread_mutex_init(&pool->sleep_lock, NULL);
    CHECK_EQ(pool->nworkers, 0);
    CHECK_EQ(pool->idle, 0); /* weft__sleep_notify: nobody to wake */
    pool->workers = by_index; /* weft__join_stolen finds thieves here */
    /* (and checks, in checked builds, that a thief's index is below it) */
    pool->nworkers = MAX_THIEVES + 1;
}

static void teardown(void)
{
    pthread_mutex_destroy(&pool->inject_lock);
    pthread_mutex_destroy(&pool->sleep_lock);
    weft__free(pool, sizeof *pool);
}

/* 1. */
CHECK_CASE(edges)
{
    edge_cases();
}

/* 2. and 3., and the exactly-once count over both. */
CHECK_CASE(walk)
{
    unsigned nthieves = opt.nthieves;
    uint64_t ops = opt.ops, deep = opt.deep, seed = opt.seed;

    nbits = ops + 2 * deep + 64;
    bitmap = calloc(nbits / 64 + 1, sizeof *bitmap);
    CHECK(bitmap != NULL);
    struct owner o;
    memset(&o, 0, sizeof o);
    o.rng = seed | 1;
    o.depth_slots = MAXDEPTH;
    o.maxdepth = deep > MAXDEPTH ? deep : MAXDEPTH;
    o.frames = calloc(o.maxdepth, sizeof *o.frames);
    o.ids = calloc(o.maxdepth, sizeof *o.ids);
    CHECK(o.frames != NULL && o.ids != NULL);
    unsigned maxw = (unsigned)(ops / ROUND_OPS + 4), nall = 0;
    weft_worker **all = calloc(maxw, sizeof *all);
    CHECK(all != NULL);

    /* The thieves start on a first owner deque. */
    owner_switch(&o, all, &nall);
    struct thief *th = thieves;
    for (unsigned i = 0; i < nthieves; i++) {
        th[i].w = worker_new(1 + i, 64);
        th[i].rng = check_mix(seed + i) | 1;
        CHECK_EQ(pthread_create(&th[i].th, NULL, thief_main, &th[i]), 0);
    }
    nthieves_running = nthieves;

    /* 2. Random walk. */
    o.rounds = 0;
    random_walk(&o, ops, all, &nall);
    printf("  random walk: %" PRIu64 " items in %" PRIu64 " rounds, owner %" PRIu64
           ", stolen %" PRIu64 ", public pops reclaimed %" PRIu64 " / lost %" PRIu64
           "\n",
           o.next_id, o.rounds, o.taken, o.stolen, o.reclaimed, o.lost);

    /* 3. Deep stack: 10^6 pending, twice on the same deque. */
    if (deep > 0) {
        CHECK(deep <= DEEP_SLOTS);
        o.depth_slots = DEEP_SLOTS;
        owner_switch(&o, all, &nall);
        for (int rep = 0; rep < 2; rep++) {
            uint64_t stolen0 = o.stolen;
            while (o.depth < deep)
                owner_push(&o);
            uint32_t cap = o.w->own.cap;
            while (o.depth > 0)
                owner_pop(&o);
            printf("  deep stack %d: %" PRIu64 " pending, capacity %u, %" PRIu64
                   " stolen\n", rep + 1, deep, cap, o.stolen - stolen0);
            CHECK(cap >= deep);
        }
    }

    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    uint64_t thief_total = 0;
    for (unsigned i = 0; i < nthieves; i++) {
        CHECK_EQ(pthread_join(th[i].th, NULL), 0);
        thief_total += th[i].taken;
        CHECK_EQ(depth_of(th[i].w), 0); /* thieves never push */
        CHECK_EQ(th[i].w->own.ts, 0);
    }
    weft__self = &weft__outside;

    /* Every item taken exactly once. */
    uint64_t items = o.next_id, set = 0;
    CHECK(items < nbits);
    for (uint64_t i = 0; i < nbits / 64 + 1; i++)
        set += (uint64_t)__builtin_popcountll(bitmap[i]);
    for (uint64_t i = 0; i < items; i++)
        if (!marked(i)) {
            fprintf(stderr, "item %" PRIu64 " never taken\n", i);
            CHECK(marked(i));
        }
    CHECK_EQ(set, items);
    CHECK_EQ(o.pushes, items);
    CHECK_EQ(o.taken + thief_total, items);
    CHECK_EQ(o.stolen, thief_total);
    uint64_t stolen_from = 0, spawned = 0;
    for (unsigned i = 0; i < nall; i++) {
        stolen_from += all[i]->own.stolen_from;
        spawned += all[i]->own.spawned;
    }
    CHECK_EQ(stolen_from, thief_total);
    CHECK_EQ(spawned, items);
    printf("  %" PRIu64 " items, each taken exactly once: owner %" PRIu64
           ", thieves %" PRIu64 " (", items, o.taken, thief_total);
    for (unsigned i = 0; i < nthieves; i++)
        printf("%s%" PRIu64, i ? " " : "", th[i].taken);
    printf(")\n");

    for (unsigned i = 0; i < nall; i++)
        worker_free(all[i]);
    for (unsigned i = 0; i < nthieves; i++)
        worker_free(th[i].w);
    free(all);
    free(o.frames);
    free(o.ids);
    free(bitmap);
}

static const struct check_case cases[] = {
    {"edges", edges, 0},
    {"walk", walk, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-deque-stress", "THIEVES [OPS [DEEP [SEED]]]", setup, teardown, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

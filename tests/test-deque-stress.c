/*
 * test-deque-stress - the split deque alone, through the internal API
 * (src/deque.c, weft__push/weft__pop of weft/task.h, weft__join_stolen of
 * src/worker.c), with no pool threads: one owner thread and THIEVES thief
 * threads, all of them ordinary pthreads of this test.
 *
 * The pool is built by hand: a zeroed struct weft_pool with its two mutexes
 * initialised and nworkers = 0, idle = 0.  The deque calls
 * weft__sleep_notify(w->pool) when it publishes; with idle == 0 that reads
 * "no worker parked" (IDLE_SLEEPING(0) == 0) and never calls wake_one, so
 * nothing else of the pool is touched.  Each worker (owner and thieves) is
 * a zeroed struct weft_worker with w->pool set and weft__deque_init(w, 64):
 * arrays start at 64 slots, so growth happens while thieves steal.
 *
 *  1. Edge cases, single-threaded and exact: steal from an empty deque
 *     (NULL, and it sets movesplit), the publish that movesplit causes, a
 *     pop that reclaims a public task, a pop that finds its task stolen
 *     (allstolen), the next push publishing at once (ts = {h, h + 1}), the
 *     stolen_from and spawned counters.
 *  2. Random walk: the owner does OPS (10^7) pushes and pops in phases
 *     (balanced, climbing, descending, push/pop ping-pong at the top of the
 *     stack, and ping-pong at depth 0..1 where every push after a lost race
 *     is an allstolen publish and every pop races the thieves for the last
 *     public task), depth up to MAXDEPTH (4,096).  Frames come from an
 *     array indexed by depth, so a frame is REUSED as soon as it is popped:
 *     that exercises the slot-reuse protocol (the owner waits for the
 *     thief's announcement before it writes the slot or the frame again).
 *     Each push carries a fresh item id in arg.  Pop returning 1: the owner
 *     takes the item.  Pop returning 0: weft__join_stolen waits for the
 *     thief's completion, after which the item must already be marked.
 *     Every ROUND_OPS operations the owner unwinds to depth 0 and switches
 *     to a fresh worker (fresh 64-slot array), so growth under concurrent
 *     steals happens again in every round (~6 doublings per round).
 *     Thieves loop on weft__deque_steal(owner, self); on success they mark
 *     the item and complete the frame exactly as task_complete in
 *     src/worker.c does (exchange done to 1, futex-wake if it was 2), and
 *     write nothing to the frame afterwards.  Now and then a thief yields
 *     before completing, so the owner's join goes to its futex sleep.  A
 *     round starts only once every thief is trying the new deque, and the
 *     owner yields now and then, so that thieves sharing its core get to
 *     run (there are more threads than cores); the counts of steals and of
 *     races won and lost are printed, never required.
 *  3. Deep stack: DEEP (10^6) pending tasks on a fresh 64-slot deque while
 *     the thieves steal (growth up to 2^20 slots), then unwound, twice (the
 *     second time on the already grown array).
 *
 * Marks: one bit per item id, set with an atomic fetch_or; a bit found
 * already set means an item was taken twice (failure at once).  At the end
 * every id below the number of items pushed has its bit set and no other
 * bit is set (every item taken exactly once), and owner takes + thief takes
 * == items, thief takes == pops that returned 0 == the workers' stolen_from.
 *
 * "Indices far from zero."  In a Chase-Lev deque top and bottom only grow,
 * so long runs test index wrap-around.  Here they do not: tail, split and
 * head are positions in the slot array, bounded by the number of tasks
 * pending on the worker, and they return to 0 as the stack unwinds (after
 * allstolen the owner resets ts to {h, h + 1}).  ts packs two 32-bit
 * indices, so the only way to be far from zero is to have many tasks
 * pending: that is the deep-stack/growth case of part 3 (indices up to 10^6,
 * arrays copied while thieves CAS ts and read slots_shared).
 *
 * Usage: test-deque-stress THIEVES [OPS [DEEP [SEED]]]   (2, 10^7, 10^6)
 */
#include <pthread.h>
#include <sched.h>

#include "../src/internal.h"
#include "check.h"

#define MAXDEPTH 4096
#define ROUND_OPS 100000ul
#define MAX_THIEVES 16

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

/* What task_complete in src/worker.c does (it is static there). */
static void complete(weft_task *t)
{
    if (__atomic_exchange_n(&t->done, 1u, __ATOMIC_ACQ_REL) == 2u)
        weft__futex_wake(&t->done, 1);
    /* t may be reused by its owner from here on: no more access. */
}

static weft_worker *worker_new(unsigned index)
{
    weft_worker *w = weft__alloc(sizeof *w);
    CHECK(w != NULL);
    w->pool = pool;
    w->index = index;
    CHECK_EQ(weft__deque_init(w, 64), 0);
    CHECK_EQ(w->own.cap, 64);
    return w;
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
        weft_task *t = weft__deque_steal(v, me->w);
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
        if (t->fn != item_fn)
            CHECK(t->fn == item_fn);
        if (__atomic_load_n(&t->thief, __ATOMIC_RELAXED) != (uintptr_t)me->w)
            CHECK_EQ(t->thief, (uintptr_t)me->w);
        mark((uint64_t)(uintptr_t)t->arg, "a thief");
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
    weft_task *frames;       /* frames[d]: the frame pushed at depth d */
    uint64_t *ids;           /* ids[d]: its item id */
    size_t depth, maxdepth;
    uint64_t next_id;
    uint64_t taken, stolen;  /* pops that returned 1 / 0 */
    uint64_t reclaimed, lost;/* pops of public slots: won / lost the race */
    uint64_t pushes, rounds, max_cap;
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
    if (weft__pop(o->w, t)) {
        /* Ours: the frame is exactly as we wrote it. */
        if ((uint64_t)(uintptr_t)t->arg != o->ids[d])
            CHECK_EQ((uint64_t)(uintptr_t)t->arg, o->ids[d]);
        mark(o->ids[d], "the owner");
        o->taken++;
        o->reclaimed += public;
    } else {
        CHECK(public);
        weft__join_stolen(o->w, t);
        /* The thief marked it before completing (acquire on done). */
        CHECK_EQ(__atomic_load_n(&t->done, __ATOMIC_ACQUIRE), 1);
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
        CHECK_EQ(o->w->own.head, 0);
        uint64_t ts = __atomic_load_n(&o->w->own.ts, __ATOMIC_RELAXED);
        CHECK(ts_tail(ts) >= ts_split(ts)); /* nothing public left */
        if (o->w->own.cap > o->max_cap)
            o->max_cap = o->w->own.cap;
    }
    o->w = worker_new(0);
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

static void edge_cases(void)
{
    weft_worker *w = worker_new(0), *th = worker_new(1);
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
    CHECK_EQ(weft__deque_has_public(w), 1);
    /* Pop of a public task nobody stole: reclaimed. */
    CHECK_EQ(weft__pop(w, &a), 1);
    CHECK_EQ(w->own.ts, ts_make(0, 0));
    CHECK_EQ(w->own.head, 0);
    CHECK_EQ(w->stolen_from, 0);

    /* Publish again, let the thief take it: the pop finds it stolen. */
    CHECK(weft__deque_steal(w, th) == NULL);
    weft__push(w, &a, item_fn, (void *)1);
    weft_task *t = weft__deque_steal(w, th);
    CHECK(t == &a);
    CHECK_EQ(a.thief, (uintptr_t)th);
    CHECK_EQ(a.done, 0);
    CHECK_EQ(w->own.ts, ts_make(1, 1));
    CHECK(weft__deque_steal(w, th) == NULL); /* empty again */
    CHECK_EQ(weft__pop(w, &a), 0);
    CHECK_EQ(w->own.allstolen, 1);
    CHECK_EQ(w->own.limit, 0);
    CHECK_EQ(w->stolen_from, 1);
    complete(&a);
    weft__join_stolen(w, &a); /* returns at once: done */

    /* allstolen: the next push publishes at once, ts = {h, h + 1}. */
    weft__push(w, &b, item_fn, NULL);
    CHECK_EQ(w->own.ts, ts_make(0, 1));
    CHECK_EQ(w->own.allstolen, 0);
    CHECK_EQ(w->own.limit, w->own.cap);
    weft__push(w, &c, item_fn, NULL); /* fast path: private */
    CHECK_EQ(w->own.head, 2);
    CHECK_EQ(w->own.ts, ts_make(0, 1));
    CHECK_EQ(weft__pop(w, &c), 1);    /* private */
    CHECK_EQ(weft__pop(w, &b), 1);    /* public, reclaimed */
    CHECK_EQ(w->own.ts, ts_make(0, 0));

    /* Growth with public tasks: 200 pushes from 64 slots, a thief asking
     * every 10 pushes; every public task stays stealable across copies. */
    weft_task f[200];
    for (int i = 0; i < 200; i++) {
        if (i % 10 == 0) /* what a thief finding nothing public does */
            __atomic_store_n(&w->own.movesplit, 1u, __ATOMIC_RELAXED);
        weft__push(w, &f[i], item_fn, (void *)(uintptr_t)i);
    }
    CHECK_EQ(w->own.cap, 256);
    uint64_t ts = w->own.ts;
    CHECK(ts_split(ts) > 64); /* some public task lives only in a grown array */
    uint32_t nstolen = 0;
    for (uint32_t i = ts_tail(ts); i < ts_split(ts); i++) {
        t = weft__deque_steal(w, th);
        CHECK(t == &f[i]);
        complete(t);
        nstolen++;
    }
    for (int i = 199; i >= 0; i--) {
        int r = weft__pop(w, &f[i]);
        CHECK_EQ(r, (uint32_t)i >= ts_split(ts));
        if (!r)
            weft__join_stolen(w, &f[i]);
    }
    CHECK_EQ(w->own.head, 0);
    CHECK_EQ(w->stolen_from, 1 + nstolen);
    CHECK_EQ(w->own.spawned, 4 + 200);
    printf("  edge cases: ok (%u of 200 public after growth to %u slots)\n",
           nstolen, w->own.cap);
    weft__self = NULL;
    worker_free(w);
    worker_free(th);
}

int main(int argc, char **argv)
{
    unsigned nthieves = (unsigned)check_arg(argc, argv, 1, 2);
    uint64_t ops = check_arg(argc, argv, 2, 10000000);
    uint64_t deep = check_arg(argc, argv, 3, 1000000);
    uint64_t seed = check_seed(argc, argv, 4, "test-deque-stress");
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(nthieves >= 1 && nthieves <= MAX_THIEVES);
    printf("test-deque-stress: thieves=%u ops=%" PRIu64 " deep=%" PRIu64 "\n",
           nthieves, ops, deep);

    pool = weft__alloc(sizeof *pool);
    CHECK(pool != NULL);
    pthread_mutex_init(&pool->inject_lock, NULL);
    pthread_mutex_init(&pool->sleep_lock, NULL);
    CHECK_EQ(pool->nworkers, 0);
    CHECK_EQ(pool->idle, 0); /* weft__sleep_notify: nobody to wake */

    edge_cases();

    nbits = ops + 2 * deep + 64;
    bitmap = calloc(nbits / 64 + 1, sizeof *bitmap);
    CHECK(bitmap != NULL);
    struct owner o;
    memset(&o, 0, sizeof o);
    o.rng = seed | 1;
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
        th[i].w = worker_new(1 + i);
        th[i].rng = check_mix(seed + i) | 1;
        CHECK_EQ(pthread_create(&th[i].th, NULL, thief_main, &th[i]), 0);
    }
    nthieves_running = nthieves;

    /* 2. Random walk. */
    o.rounds = 0;
    random_walk(&o, ops, all, &nall);
    printf("  random walk: %" PRIu64 " items in %" PRIu64 " rounds, owner %" PRIu64
           ", stolen %" PRIu64 ", public pops reclaimed %" PRIu64 " / lost %" PRIu64
           ", max capacity %" PRIu64 "\n",
           o.next_id, o.rounds, o.taken, o.stolen, o.reclaimed, o.lost, o.max_cap);

    /* 3. Deep stack: 10^6 pending, twice on the same (grown) array. */
    if (deep > 0) {
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
        CHECK_EQ(th[i].w->own.head, 0); /* thieves never push */
        CHECK_EQ(th[i].w->own.ts, 0);
    }
    weft__self = NULL;

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
        stolen_from += all[i]->stolen_from;
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
    pthread_mutex_destroy(&pool->inject_lock);
    pthread_mutex_destroy(&pool->sleep_lock);
    weft__free(pool, sizeof *pool);
    return check_done("test-deque-stress");
}

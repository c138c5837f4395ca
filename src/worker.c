/*
 * worker.c - what a worker thread does: its main loop (find work, run it,
 * park when there is none), the search for work (the injection queue, then
 * the other workers' deques, nearest first), and the thread's identity
 * (weft__self, and the placeholder of threads outside any pool).
 *
 * Running what is found.  A slot taken from a deque runs in place and its
 * completion word is set (join.c, weft__run_stolen); a task submitted from
 * outside runs and its submitter is told (external.c, weft__run_injected).
 * Either way the task must return with everything it spawned joined.
 */
#include <stdio.h>

#include "atomic.h"
#include "internal.h"

/* Its top, split_p and limit_p all point to the second slot of an array of
 * two that nothing reads or writes: a push (top >= limit_p) and a pop
 * (top - 1 < split_p) both take the slow path. */
static struct weft__frame outside_slots[2];
weft_worker weft__outside = {.own = {.top = &outside_slots[1],
                                     .split_p = &outside_slots[1],
                                     .limit_p = &outside_slots[1]}};

__thread weft_worker *weft__self __attribute__((tls_model("initial-exec"))) =
    &weft__outside;

__thread struct weft__job *weft__outside_ctx
    __attribute__((tls_model("initial-exec")));

static uint64_t rng_next(weft_worker *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

/*
 * Tries w's possible victims in stealing order until visit returns a task:
 * first the other workers of w's NUMA node, from a random start (r's low
 * half), then the workers of the other nodes, from another random start
 * (r's high half); each once, never w.  Each start is uniform over the
 * workers of its tier, so that every worker is as likely to be tried first
 * in its tier.  pool->order holds the workers grouped by node, w's group
 * at [near_lo, near_lo + near_n); no victim's own fields are read.  With
 * one node (or none known) this is one uniform sweep over the others.
 * Last, the spare workers started so far, in index order (a spare itself
 * has no group: near_n is 0, so it sweeps every worker as one tier), and
 * the guest slots used so far (a guest has no group either).
 */
static inline __attribute__((always_inline)) void *for_victims(
    weft_worker *w, uint64_t r,
    void *(*visit)(weft_worker *v, weft_worker *w, int remote, void *ctx),
    void *ctx)
{
    struct weft_pool *pool = w->pool;
    const unsigned *order = pool->order;
    unsigned nn = w->near_n, m = nn ? nn - 1 : 0;
    void *t;
    if (m > 0) {
        unsigned start = (unsigned)((uint32_t)r % m);
        for (unsigned i = 0; i < m; i++) {
            unsigned q = (start + i) % m; /* among the group minus w */
            q += q >= w->near_self;
            weft_worker *v = pool->workers[order[w->near_lo + q]];
            if ((t = visit(v, w, 0, ctx)) != NULL)
                return t;
        }
    }
    m = pool->nworkers - nn; /* the positions of order[] outside w's group */
    if (m > 0) {
        unsigned start = (unsigned)((r >> 32) % m);
        for (unsigned i = 0; i < m; i++) {
            unsigned p = (start + i) % m;
            p += p >= w->near_lo ? nn : 0;
            weft_worker *v = pool->workers[order[p]];
            if ((t = visit(v, w, 1, ctx)) != NULL)
                return t;
        }
    }
    /* Acquire pairs with the release that installs a spare (pool.c). */
    m = weft__atomic_load_acquire(&pool->spare_hw);
    for (unsigned i = 0; i < m; i++) {
        weft_worker *v =
            weft__atomic_load_acquire(&pool->workers[pool->nworkers + i]);
        if (v != w && (t = visit(v, w, 0, ctx)) != NULL)
            return t;
    }
    /* Then the guest slots used so far (external.c; acquire pairs with
     * the release that installs a guest's worker). */
    m = weft__atomic_load_acquire(&pool->guest_hw);
    for (unsigned i = 0; i < m; i++) {
        weft_worker *v = weft__atomic_load_acquire(
            &pool->workers[weft__guest_base(pool) + i]);
        if (v && v != w && (t = visit(v, w, 0, ctx)) != NULL)
            return t;
    }
    return NULL;
}

/* ctx: where the stolen slot's lineage goes (a struct weft__job **). */
static void *visit_steal(weft_worker *v, weft_worker *w, int remote, void *ctx)
{
    struct weft__frame *t = weft__deque_steal(v, w);
    if (t) {
        weft__count_steal(w, remote);
        *(struct weft__job **)ctx = weft__deque_slot_ctx(v, t);
    }
    return t;
}

struct weft__found weft__find_work(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    struct weft__found found = {NULL, weft__inject_pop(pool), NULL, NULL};
    if (found.job) {
        weft__counter_add(&w->injected_run, 1);
        return found;
    }
    if (weft__atomic_load_relaxed(&pool->nscopes) &&
        (found.sjob = weft__scope_take_any(pool)) != NULL)
        return found;
    if (pool->nworkers == 1 && !weft__atomic_load_relaxed(&pool->spare_hw) &&
        !weft__atomic_load_relaxed(&pool->guest_hw))
        /* no victim: no sweep to count */
        return found;
    found.slot = for_victims(w, rng_next(w), visit_steal, &found.ctx);
    if (!found.slot)
        weft__counter_add(&w->steal_failures, 1);
    return found;
}

#ifdef WEFT_TEST_HOOKS
struct victim_log {
    unsigned *out;
    unsigned n;
};

static void *visit_log(weft_worker *v, weft_worker *w, int remote, void *ctx)
{
    struct victim_log *log = ctx;
    (void)w;
    (void)remote;
    log->out[log->n++] = v->index;
    return NULL;
}

/* Test hook: the indices of the victims of worker index, in the order in
 * which a sweep with random number r tries them.  Returns their count. */
unsigned weft__test_victim_order(weft_pool *pool, unsigned index, uint64_t r,
                                 unsigned *out)
{
    struct victim_log log = {out, 0};
    for_victims(pool->workers[index], r, visit_log, &log);
    return log.n;
}
#endif

int weft_worker_id(void)
{
    weft_worker *w = weft_self();
    return w ? (int)w->index : -1;
}

weft_pool *weft_current_pool(void)
{
    weft_worker *w = weft_self();
    return w ? w->pool : NULL;
}

/* Opens and closes an idle spell of the main loop (internal.h,
 * idle_read: one store each, by this worker only). */
static void idle_begin(weft_worker *w, uint64_t now)
{
    uint64_t total = weft__atomic_load_relaxed(&w->idle);
    weft__atomic_store_relaxed(&w->idle,
                               IDLE_OPEN | ((total - now) & ~IDLE_OPEN));
}

static void idle_end(weft_worker *w)
{
    uint64_t now = weft__now_ns();
    weft__atomic_store_relaxed(
        &w->idle, idle_read(weft__atomic_load_relaxed(&w->idle), now));
}

/* The jobs of the injection queue back to back, after one of them: still
 * counted running, so that the idle word, which every submission reads,
 * is not written twice a job (a longer run to the notifiers: sleep.c). */
static void run_queued(weft_worker *w)
{
    weft_task *t;
    while ((t = weft__inject_pop(w->pool)) != NULL) {
        weft__counter_add(&w->injected_run, 1);
        weft__run_injected(w, t);
    }
}

void *weft__worker_main(void *arg)
{
    weft_worker *w = arg;
    struct weft_pool *pool = w->pool;
    char name[32];
    if (w->spare) /* weft-<name>-s<k>: the k-th spare slot */
        snprintf(name, sizeof name, "weft-%s-s%u", pool->name,
                 w->index - pool->nworkers);
    else
        snprintf(name, sizeof name, "weft-%s-%u", pool->name, w->index);
    weft__thread_setname(name);
    w->cpu = -1;
    int ok = 0;
    if (pool->cfg.bind && !w->spare) {
        ok = weft__topo_bind_self(pool->topo, w->index) == 0;
        if (ok)
            w->cpu = weft__topo_core_cpu(pool->topo, w->index);
        weft__atomic_store_relaxed(&w->bound,
                                   ok ? WEFT__BOUND : WEFT__BIND_FAILED);
    }
    /* Unbound (bind = 0, or the binding failed): still only the pool's
     * CPUs, not those of the thread that created the pool (a worker of
     * another pool is bound to one core). */
    if (!ok)
        (void)weft__topo_confine_self(pool->topo);
    weft__self = w;
    if (!w->spare) {
        /* Tell weft_pool_create that this worker is up (and bound). */
        weft__atomic_fetch_add_seqcst(&pool->started, 1u);
        weft__futex_wake(&pool->started, 1);
    }

    uint64_t search_since = 0;         /* start of this search, for parking */
    uint64_t window = WEFT__SEARCH_NS; /* how long a search lasts */
    int idle = 0;                      /* an idle spell is open (w->idle) */
    uint64_t idle_since = 0;           /* its start */
    for (;;) {
        struct weft__found t = weft__find_work(w);
        if (weft__found_any(t)) {
            if (idle) {
                /* A spell longer than a plain search sets the next
                 * search's length: when it was short enough, twice this
                 * spell or half the last length, whichever is longer
                 * (gaps of a program's loops alternate: its serial parts
                 * differ), at most WEFT__WARM_GAP_NS; else (the program
                 * paused) the plain one: park soon. */
                uint64_t spell = weft__now_ns() - idle_since;
                if (spell > WEFT__WARM_GAP_NS) {
                    window = WEFT__SEARCH_NS;
                } else if (spell > WEFT__SEARCH_NS) {
                    uint64_t twice = 2 * spell, half = window / 2;
                    window = twice > half ? twice : half;
                    if (window > WEFT__WARM_GAP_NS)
                        window = WEFT__WARM_GAP_NS;
                }
                idle_end(w);
                idle = 0;
            }
            weft__sleep_found_work(w);
            weft__run_found(w, t);
            if (t.job)
                run_queued(w);
            weft__sleep_resume_search(pool);
            search_since = 0;
            continue;
        }
        if (weft__atomic_load_acquire(&pool->stop))
            break;
        uint64_t now = weft__now_ns();
        if (!idle) {
            idle_begin(w, now);
            idle = 1;
            idle_since = now;
        }
        if (search_since == 0) {
            search_since = now;
        } else if (now - search_since > (w->spare ? WEFT__SEARCH_NS : window)) {
            /* A spare with nothing to do retires instead of parking (it
             * is started again when wanted). */
            if (w->spare && weft__sleep_retire(w))
                break;
            if (!w->spare)
                weft__sleep_park(w);
            search_since = 0;
            continue;
        }
        weft__yield();
    }
    if (idle)
        idle_end(w);
    weft__self = &weft__outside;
    if (w->spare)
        weft__spare_exit(w);
    return NULL;
}

/*
 * pool.c - pool lifecycle: configuration defaults and their environment
 * overrides, creation (all or nothing), destruction, and the runs that
 * keep a pool alive while a thread outside it may touch it.  Entry from
 * outside (weft_pool_run, the default pool) is external.c's.
 *
 * Lifecycle.  pool->runs counts weft_pool_run calls and externally spawned
 * tasks in flight; every task running in a pool descends from one of them,
 * so runs == 0 means the pool is quiescent.  A weft_pool_run caller holds
 * its run until it returns; an externally spawned task's run is given back
 * by the worker that completes it.  A thread holds a run whenever it may
 * still touch the pool, so destroy never frees a pool in use.  Destruction
 * sets stopping (new runs then fail with WEFT_ESHUTDOWN), waits for runs to
 * drain and for the weft_pool_shutdown calls in flight (pool->shutters) to
 * return, sets stop, wakes every parked worker and joins the threads.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "internal.h"

#define DEFAULT_STACK       (8u << 20)
#define DEFAULT_DEQUE_SLOTS (1u << 20)
#define DEFAULT_MAX_SPARES  256u
#define DEFAULT_QUEUE_CAP   (1u << 20)

void weft_config_init(weft_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->bind = 1;
    cfg->on_full = WEFT_ON_FULL_BLOCK;
    cfg->submit_timeout_ns = -1;
}

/* Parses $WEFT_WORKERS into *out; leaves it alone when unset or empty.
 * WEFT_EINVAL unless it is decimal digits only (leading zeros allowed) and
 * not 0; WEFT_ERANGE when it is above WEFT_MAX_WORKERS.  Every character
 * is checked before the range, so "2000x" is WEFT_EINVAL. */
static int env_workers(unsigned *out)
{
    const char *s = getenv("WEFT_WORKERS");
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return WEFT_EINVAL;
    unsigned long v = 0;
    for (const char *p = s; *p && v <= WEFT_MAX_WORKERS; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    if (v == 0)
        return WEFT_EINVAL;
    if (v > WEFT_MAX_WORKERS)
        return WEFT_ERANGE;
    *out = (unsigned)v;
    return 0;
}

static int check_config(const weft_config *cfg)
{
    if (cfg->workers > WEFT_MAX_WORKERS)
        return WEFT_ERANGE;
    if (cfg->bind != 0 && cfg->bind != 1)
        return WEFT_EINVAL;
    if (cfg->deque_slots > WEFT__DEQUE_MAX)
        return WEFT_ERANGE;
    if (cfg->max_spares > WEFT_MAX_SPARES)
        return WEFT_ERANGE;
    if (cfg->on_full != WEFT_ON_FULL_BLOCK &&
        cfg->on_full != WEFT_ON_FULL_REJECT &&
        cfg->on_full != WEFT_ON_FULL_CALLER_RUNS)
        return WEFT_EINVAL;
    if (cfg->queue_capacity > WEFT_MAX_QUEUE_CAPACITY)
        return WEFT_ERANGE;
    return 0;
}

static void pool_free(struct weft_pool *pool)
{
    unsigned slots = weft__slots(pool);
    if (pool->workers) {
        for (unsigned i = 0; i < slots; i++) {
            weft_worker *w = pool->workers[i];
            if (!w)
                continue;
            weft__deque_fini(w);
            weft__free(w, sizeof *w);
        }
        weft__free(pool->workers, slots * sizeof *pool->workers);
    }
    weft__free(pool->sleepers, pool->nworkers * sizeof *pool->sleepers);
    weft__free(pool->order, pool->nworkers * sizeof *pool->order);
    weft__topo_close(pool->topo);
    weft__strfree(pool->cpuset_str);
    weft__strfree(pool->topology_str);
    weft__strfree(pool->sizing.quota.file);
    pthread_mutex_destroy(&pool->inject_lock);
    pthread_mutex_destroy(&pool->sleep_lock);
    pthread_mutex_destroy(&pool->spare_lock);
    pthread_mutex_destroy(&pool->scope_lock);
    weft__free(pool, sizeof *pool);
}

/* A spare slot's state (weft_worker.spare_state, under spare_lock).  A
 * spare's thread is detached: once it has set SPARE_FREE it touches
 * nothing of the pool's but the address of that word (its futex wake),
 * so the slot may be reused, or freed by destroy, at once.  (A joinable
 * one would stay unjoined in a pool never destroyed, the default pool.) */
enum {
    SPARE_FREE = 0,   /* no thread (never started, or its thread ended) */
    SPARE_RUNNING = 1 /* its thread runs */
};

/* Stops and joins the first n workers (all started), and every spare. */
static void stop_workers(struct weft_pool *pool, unsigned n)
{
    weft__atomic_store_seqcst(&pool->stop, 1u);
    weft__sleep_wake_all(pool);
    for (unsigned i = 0; i < n; i++)
        weft__thread_join(pool->workers[i]->thread);
    /* Spares exit when they find the pool stopping (they never park).  A
     * start that began before stop was set finishes under spare_lock, so
     * the slots read after taking it include its spare. */
    pthread_mutex_lock(&pool->spare_lock);
    unsigned hw = pool->spare_hw;
    pthread_mutex_unlock(&pool->spare_lock);
    for (unsigned k = 0; k < hw; k++) {
        weft_worker *w = pool->workers[pool->nworkers + k];
        for (;;) {
            pthread_mutex_lock(&pool->spare_lock);
            int running = w->spare_state == SPARE_RUNNING;
            pthread_mutex_unlock(&pool->spare_lock);
            if (!running)
                break;
            weft__futex_wait(&w->spare_state, SPARE_RUNNING, 100000L);
        }
    }
}

/* Marks pool starved (a spare was wanted past max_spares) and wakes its
 * blocked waiters: they will run any of its work (external.c). */
static void starve(struct weft_pool *pool)
{
    weft__atomic_fetch_add_relaxed(&pool->spare_limit_hits, 1u);
    weft__atomic_store_seqcst(&pool->starved, 1u);
    unsigned n = pool->nworkers + weft__atomic_load_acquire(&pool->spare_hw);
    for (unsigned i = 0; i < n; i++) {
        weft_worker *w = weft__atomic_load_acquire(&pool->workers[i]);
        if (w)
            weft__wait_wake(w);
    }
    n = weft__atomic_load_acquire(&pool->guest_hw);
    for (unsigned i = 0; i < n; i++) {
        weft_worker *w = weft__atomic_load_acquire(
            &pool->workers[weft__guest_base(pool) + i]);
        if (w)
            weft__wait_wake(w);
    }
}

/* A worker for spare slot k (index nworkers + k), or NULL. */
static weft_worker *spare_new(struct weft_pool *pool, unsigned k)
{
    weft_worker *w = weft__alloc(sizeof *w);
    if (!w)
        return NULL;
    w->pool = pool;
    w->index = pool->nworkers + k;
    w->spare = 1;
    w->node = -1; /* unbound, no group: sweeps every worker (worker.c) */
    w->rng = 0x9e3779b97f4a7c15ull * (w->index + 1);
    if (weft__deque_init(w, pool->cfg.deque_slots) != 0) {
        weft__free(w, sizeof *w);
        return NULL;
    }
    return w;
}

void weft__spare_start(struct weft_pool *pool)
{
    uint32_t n = weft__atomic_load_relaxed(&pool->spares);
    do {
        /* The caller saw fewer spares than threads blocked; a start racing
         * this one may have taken that place since (two notifiers at once):
         * then the spare it starts finds the work. */
        if (n >= weft__atomic_load_seqcst(&pool->blocked))
            return;
        if (n >= pool->max_spares) {
            starve(pool);
            return;
        }
    } while (!weft__atomic_cas_seqcst(&pool->spares, &n, n + 1));
    /* Counted searching before it runs, as a woken worker is (sleep.c). */
    weft__atomic_fetch_add_seqcst(&pool->idle, 1u);
    weft_worker *w = NULL;
    unsigned k;
    for (;;) {
        pthread_mutex_lock(&pool->spare_lock);
        for (k = 0; k < pool->max_spares; k++) {
            weft_worker *v = pool->workers[pool->nworkers + k];
            if (!v || v->spare_state == SPARE_FREE) {
                w = v;
                break;
            }
        }
        /* Spares counted alive <= max_spares, so a slot is free or its
         * spare has retired and its thread is on its way out
         * (weft__spare_exit): wait for it. */
        if (k < pool->max_spares || weft__atomic_load_relaxed(&pool->stop))
            break;
        pthread_mutex_unlock(&pool->spare_lock);
        weft__yield();
    }
    if (!weft__atomic_load_relaxed(&pool->stop) && k < pool->max_spares &&
        (w || (w = spare_new(pool, k)) != NULL)) {
        if (!pool->workers[pool->nworkers + k]) {
            /* Release pairs with the acquires of the sweeps (worker.c,
             * sleep.c), which then see the worker's fields. */
            weft__atomic_store_release(&pool->workers[pool->nworkers + k], w);
            if (k + 1 > pool->spare_hw)
                weft__atomic_store_release(&pool->spare_hw, k + 1);
        }
        w->spare_state = SPARE_RUNNING;
        if (weft__thread_start(&w->thread, pool->cfg.stack_size,
                               weft__worker_main, w) == 0) {
            weft__thread_detach(w->thread);
            weft__atomic_store_relaxed(&pool->spares_started,
                                       pool->spares_started + 1);
            weft__spare_peak(pool, n + 1);
            /* A spare runs: whatever starvation was marked is over. */
            weft__atomic_store_relaxed(&pool->starved, 0u);
            pthread_mutex_unlock(&pool->spare_lock);
            return;
        }
        w->spare_state = SPARE_FREE;
    }
    pthread_mutex_unlock(&pool->spare_lock);
    /* No spare after all (stopping, out of memory or of threads): undo. */
    weft__atomic_fetch_sub_seqcst(&pool->idle, 1u);
    weft__atomic_fetch_sub_seqcst(&pool->spares, 1u);
    if (!weft__atomic_load_relaxed(&pool->stop))
        starve(pool);
}

void weft__spare_peak(struct weft_pool *pool, uint64_t n)
{
    uint64_t p = weft__atomic_load_relaxed(&pool->spares_peak);
    while (n > p && !weft__atomic_cas_acqrel(&pool->spares_peak, &p, n))
        ;
}

void weft__spare_exit(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    pthread_mutex_lock(&pool->spare_lock);
    w->spare_state = SPARE_FREE;
    pthread_mutex_unlock(&pool->spare_lock);
    weft__futex_wake(&w->spare_state, 1); /* (the address only) */
}

/* Fills pool->order with the worker indices grouped by NUMA node (nodes in
 * order of their first worker, workers in index order within a node) and
 * gives each worker the range of its node's group and its place in it. */
static void group_by_node(struct weft_pool *pool)
{
    unsigned n = pool->nworkers, k = 0;
    for (unsigned i = 0; i < n; i++) {
        weft_worker *w = pool->workers[i];
        unsigned j = 0;
        while (j < i && pool->workers[j]->node != w->node)
            j++;
        if (j < i) /* not the first of its node: the group is placed */
            continue;
        unsigned lo = k;
        for (j = i; j < n; j++)
            if (pool->workers[j]->node == w->node)
                pool->order[k++] = j;
        for (unsigned m = lo; m < k; m++) {
            weft_worker *v = pool->workers[pool->order[m]];
            v->near_lo = lo;
            v->near_n = k - lo;
            v->near_self = m - lo;
        }
    }
}

static int pool_setup(struct weft_pool *pool, const weft_config *cfg)
{
    pool->cfg = *cfg;
    const char *name = cfg->name ? cfg->name : "pool";
    strncpy(pool->name, name, sizeof pool->name - 1);
    if (cfg->cpuset && !(pool->cpuset_str = weft__strdup(cfg->cpuset)))
        return WEFT_ENOMEM;
    if (cfg->topology && !(pool->topology_str = weft__strdup(cfg->topology)))
        return WEFT_ENOMEM;
    pool->cfg.cpuset = pool->cpuset_str;
    pool->cfg.topology = pool->topology_str;
    pool->cfg.name = pool->name;
    pool->cfg.stack_size = weft__thread_stack_size(
        pool->cfg.stack_size ? pool->cfg.stack_size : DEFAULT_STACK);
    if (!pool->cfg.deque_slots)
        pool->cfg.deque_slots = DEFAULT_DEQUE_SLOTS;
    if (!pool->cfg.max_spares)
        pool->cfg.max_spares = DEFAULT_MAX_SPARES;
    pool->max_spares = pool->cfg.max_spares;
    if (!pool->cfg.queue_capacity)
        pool->cfg.queue_capacity = DEFAULT_QUEUE_CAP;
    pool->capacity = pool->cfg.queue_capacity;

    /* $WEFT_WORKERS first: a bad value is then refused without reading
     * the topology, which a default pool that cannot be created does again
     * at every spawn from outside */
    unsigned n = cfg->workers;
    int by = n ? WEFT_SIZED_CONFIG : WEFT_SIZED_ENV;
    int rc;
    if (n == 0 && (rc = env_workers(&n)) != 0)
        return rc;
    if ((rc = weft__topo_open(&pool->cfg, &pool->topo)) != 0)
        return rc;
    /* n, else the cores and the cgroup's CPU quota decide (cgroup.c) */
    if ((rc = weft__size(pool, n, by, &n)) != 0)
        return rc;
    pool->cfg.workers = n;

    /* the workers, then the slots of the spares (started when wanted) and
     * of the guests (external.c) */
    pool->workers = weft__alloc((n + pool->max_spares + WEFT__GUESTS) *
                                sizeof *pool->workers);
    pool->sleepers = weft__alloc(n * sizeof *pool->sleepers);
    pool->order = weft__alloc(n * sizeof *pool->order);
    pool->nworkers = n; /* pool_free frees the arrays with this size */
    if (!pool->workers || !pool->sleepers || !pool->order)
        return WEFT_ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        weft_worker *w = weft__alloc(sizeof *w);
        if (!w)
            return WEFT_ENOMEM;
        pool->workers[i] = w;
        w->pool = pool;
        w->index = i;
        w->rng = 0x9e3779b97f4a7c15ull * (i + 1);
        w->node = weft__topo_core_node(pool->topo, i);
        if ((rc = weft__deque_init(w, pool->cfg.deque_slots)) != 0)
            return rc;
    }
    group_by_node(pool);
    /* Every worker starts out searching (sleep.c). */
    pool->idle = n;
    return 0;
}

int weft_pool_create(weft_pool **out, const weft_config *cfg)
{
    weft_config defaults;
    if (!out)
        return WEFT_EINVAL;
    weft__fork_setup();
    if (!cfg) {
        weft_config_init(&defaults);
        cfg = &defaults;
    }
    int rc = check_config(cfg);
    if (rc)
        return rc;
    struct weft_pool *pool = weft__alloc(sizeof *pool);
    if (!pool)
        return WEFT_ENOMEM;
    pthread_mutex_init(&pool->inject_lock, NULL);
    pthread_mutex_init(&pool->sleep_lock, NULL);
    pthread_mutex_init(&pool->spare_lock, NULL);
    pthread_mutex_init(&pool->scope_lock, NULL);
    rc = pool_setup(pool, cfg);
    if (rc) {
        pool_free(pool);
        return rc;
    }
    for (unsigned i = 0; i < pool->nworkers; i++) {
        weft_worker *w = pool->workers[i];
        rc = weft__thread_start(&w->thread, pool->cfg.stack_size,
                                weft__worker_main, w);
        if (rc) {
            stop_workers(pool, i);
            pool_free(pool);
            return rc;
        }
    }
    /* Return once every worker runs and has bound itself, so that the
     * binding counts are final (acquire pairs with the workers' RMW). */
    uint32_t started;
    while ((started = weft__atomic_load_acquire(&pool->started)) !=
           pool->nworkers)
        weft__futex_wait(&pool->started, started, 1000000L);
    /* what weft_pool_print shows: the smallest stack a worker got (no
     * worker reads it) */
    size_t least = SIZE_MAX;
    for (unsigned i = 0; i < pool->nworkers; i++) {
        size_t got = weft__thread_stack_got(pool->workers[i]->thread,
                                            pool->cfg.stack_size);
        least = got < least ? got : least;
    }
    pool->cfg.stack_size = least;
    *out = pool;
    return 0;
}

int weft__waits_for_self(const struct weft_pool *pool)
{
    weft_worker *self = weft_self();
    if (self && self->pool == pool)
        return 1;
    /* A worker inside weft_pool_run(pool, ...) further up its stack holds
     * a run that the drain would wait for. */
    for (struct weft__hold *h = self ? self->holds : NULL; h; h = h->up)
        if (h->pool == pool)
            return 1;
    return 0;
}

int weft_pool_destroy(weft_pool *pool)
{
    if (!pool)
        return WEFT_EINVAL;
    if (weft__waits_for_self(pool))
        return WEFT_EDEADLK;
    weft_worker *self = weft_self();
    if (weft__atomic_exchange_seqcst(&pool->stopping, 1u) != 0)
        return WEFT_ESHUTDOWN; /* another thread is destroying it */
    /* No longer the default pool: the next weft_default_pool() creates a
     * new one, and weft__default_pool_hold can no longer find this one
     * once we hold the lock (it adds its runs under the lock). */
    weft__default_pool_forget(pool);
    /* Wait for the runs in flight (pairs with the seq_cst increment in
     * weft_pool_run: either it sees stopping, or we see its run).  A worker
     * of another pool runs the jobs of its own pool that descend from this
     * pool's runs meanwhile: they may be what the runs wait for. */
    if (self) {
        (void)weft__wait_drain(self, pool, UINT64_MAX);
    } else {
        /* (polled: a worker's release of a queued job's reference does
         * not wake; future.c) */
        for (;;) {
            uint32_t cur = weft__atomic_load_seqcst(&pool->runs);
            if (weft__pool_drained(pool))
                break;
            weft__futex_wait(&pool->runs, cur, 1000000L);
        }
    }
    /* The shutdowns in flight, which see no run left and return (pairs
     * with their seq_cst increment: either one sees stopping, or we see
     * it here).  weft__shutter_leave wakes the last one's exit. */
    uint32_t sh;
    while ((sh = weft__atomic_load_seqcst(&pool->shutters)) != 0)
        weft__futex_wait(&pool->shutters, sh, 1000000L);
    stop_workers(pool, pool->nworkers);
    pool_free(pool);
    return 0;
}

void weft__run_release(struct weft_pool *pool)
{
    /* The last access to pool by a thread outside it: after the decrement
     * the destroyer may free it, and the wake only uses the address. */
    /* A destroy and every shutdown in flight wait for no run left, and
     * nothing of the pool may be read after the decrement: so whether one
     * may wait is read before it.  One that begins after that read polls
     * (every 1 ms at most), so a release with nobody waiting, which every
     * weft_submit makes on an idle pool, costs no system call. */
    uint32_t waited = weft__atomic_load_relaxed(&pool->stopping) |
                      weft__atomic_load_relaxed(&pool->draining);
    uint32_t old = weft__atomic_fetch_sub_seqcst(&pool->runs, 1u);
    WEFT__ASSERT(old > 0);
    if (old == 1u && waited)
        weft__futex_wake(&pool->runs, INT_MAX);
}

void weft__shutter_leave(struct weft_pool *pool)
{
    /* As weft__run_release: a destroy may free the pool once shutters is
     * 0, so only the address is used after the decrement. */
    if (weft__atomic_fetch_sub_seqcst(&pool->shutters, 1u) == 1u)
        weft__futex_wake(&pool->shutters, INT_MAX);
}

unsigned weft_pool_workers(const weft_pool *pool)
{
    return pool ? pool->nworkers : 0;
}

unsigned weft_pool_id_limit(const weft_pool *pool)
{
    return pool ? weft__slots(pool) : 0;
}

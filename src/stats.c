/*
 * stats.c - counters and the readable description of a pool.
 *
 * Each worker writes its own counters with relaxed stores (no locked
 * instruction); readers sum them with relaxed loads, so a sum taken while
 * the pool runs is approximate and one taken when it is quiescent is exact.
 * "tasks run" is not counted on the spawn/join fast path: it is derived as
 * spawned - stolen_from + steals + injected_run, which is exact because
 * every spawned task runs either on its owner (spawned and not stolen) or
 * on the thief that stole it, and every external task on the worker that
 * took it from the injection queue.  A steal adds to the thief's steals
 * and to the victim's stolen_from at once (deque.c), so a stolen task is
 * not counted twice while it runs; a reading taken while workers steal can
 * still be off by the steals made during the reading itself.  run counts a
 * spawned task from its spawn on.  Likewise steals is the sum of the
 * local and remote steal counters (a steal adds to exactly one), so
 * local + remote == steals holds in every reading.  A worker's idle time
 * is one word only it writes (internal.h, idle_read), and readers keep the
 * largest value reported (idle_of), so the idle total never goes back
 * between two readings.
 */
#include <inttypes.h>

#include "atomic.h"
#include "internal.h"

/* w's idle time up to now, never less than an earlier reading reported. */
static uint64_t idle_of(weft_worker *w, uint64_t now)
{
    uint64_t v = idle_read(weft__atomic_load_relaxed(&w->idle), now);
    uint64_t seen = weft__atomic_load_relaxed(&w->idle_seen);
    while (v > seen && !weft__atomic_cas_acqrel(&w->idle_seen, &seen, v))
        ;
    return v > seen ? v : seen;
}

/* The sums, with idle spells counted up to now. */
static void stats_at(const weft_pool *pool, weft_stats *out, uint64_t now)
{
    weft_stats s = {.workers = pool->nworkers};
    /* Queued first: a job that has left the queue is then counted in run
     * (weft__future_run; the seq_cst reads of the left counts acquire). */
    s.queued = (uint32_t)weft__futures_queued(pool);
    uint64_t stolen_from = 0;
    /* the workers and the spares started so far (their counters too) */
    unsigned n = pool->nworkers + weft__atomic_load_acquire(&pool->spare_hw);
    unsigned g = weft__atomic_load_acquire(&pool->guest_hw);
    for (unsigned j = 0; j < n + g; j++) {
        /* and the guest slots used so far (external.c) */
        unsigned i = j < n ? j : weft__guest_base(pool) + (j - n);
        weft_worker *w = weft__atomic_load_acquire(&pool->workers[i]);
        if (!w)
            continue;
        int bound = weft__atomic_load_relaxed(&w->bound);
        s.bound += bound == WEFT__BOUND;
        s.bind_failures += bound == WEFT__BIND_FAILED;
        s.spawned += weft__atomic_load_relaxed(&w->own.spawned);
        stolen_from += weft__atomic_load_relaxed(&w->own.stolen_from);
        s.steals_local += weft__atomic_load_relaxed(&w->steals_local);
        s.steals_remote += weft__atomic_load_relaxed(&w->steals_remote);
        s.leapfrogs += weft__atomic_load_relaxed(&w->leapfrogs);
        s.steal_failures += weft__atomic_load_relaxed(&w->steal_failures);
        s.run += weft__atomic_load_relaxed(&w->injected_run);
        s.parks += weft__atomic_load_relaxed(&w->parks);
        s.idle_ns += idle_of(w, now);
        s.foreign_waits += weft__atomic_load_relaxed(&w->foreign_waits);
        s.blocking_regions += weft__atomic_load_relaxed(&w->blocking_regions);
    }
    s.spares_started = weft__atomic_load_relaxed(&pool->spares_started);
    s.spares_peak = (unsigned)weft__atomic_load_relaxed(&pool->spares_peak);
    s.spares = weft__atomic_load_relaxed(&pool->spares);
    s.spare_limit_hits = weft__atomic_load_relaxed(&pool->spare_limit_hits);
    s.steals = s.steals_local + s.steals_remote;
    s.run += s.spawned - stolen_from + s.steals;
    s.run += weft__atomic_load_relaxed(&pool->run_outside);
    s.injected = weft__atomic_load_relaxed(&pool->injected);
    const struct weft__sizing *z = &pool->sizing;
    s.sized_by = z->by;
    s.cores = z->cores;
    s.quota_cpus = z->quota.cpus;
    s.quota_us = z->quota.quota_us;
    s.period_us = z->quota.period_us;
    s.one_cpu_oversubscribed = z->one_cpu;
    s.submitted = weft__atomic_load_relaxed(&pool->submitted);
    s.queue_full = weft__atomic_load_relaxed(&pool->queue_full);
    *out = s;
}

int weft_pool_stats(const weft_pool *pool, weft_stats *out)
{
    if (!pool || !out)
        return WEFT_EINVAL;
    stats_at(pool, out, weft__now_ns());
    return 0;
}

/* The lines that say what decided the worker count, and the warning of
 * workers sharing one CPU. */
static void print_sizing(const weft_pool *pool, const char *cpus, FILE *f)
{
    const struct weft__sizing *z = &pool->sizing;
    const struct weft__quota *q = &z->quota;
    switch (z->by) {
    case WEFT_SIZED_CONFIG:
        fprintf(f, "  sized by       weft_config.workers\n");
        break;
    case WEFT_SIZED_ENV:
        fprintf(f, "  sized by       $WEFT_WORKERS\n");
        break;
    case WEFT_SIZED_MAX:
        fprintf(f, "  sized by       WEFT_MAX_WORKERS (%d)\n",
                WEFT_MAX_WORKERS);
        break;
    case WEFT_SIZED_QUOTA:
        fprintf(f, "  sized by       cgroup quota\n");
        break;
    default:
        fprintf(f, "  sized by       cpuset (%u cores)\n", z->cores);
        break;
    }
    if (q->cpus)
        fprintf(f,
                "  cgroup quota   %.2f CPUs, %u rounded up (%" PRIu64
                " us per %" PRIu64 " us, %s)\n",
                (double)q->quota_us / (double)q->period_us, q->cpus,
                q->quota_us, q->period_us, q->file);
    else if (z->by != WEFT_SIZED_CONFIG && z->by != WEFT_SIZED_ENV)
        fprintf(f, "  cgroup quota   none%s\n",
                pool->cfg.topology ? " (not applied to a synthetic topology)"
                                   : "");
    if (z->one_cpu)
        fprintf(f,
                "  warning        %u workers share one CPU (%s): the "
                "process's binding and the cpuset leave the pool no other\n",
                pool->nworkers, cpus);
}

int weft_pool_print(const weft_pool *pool, FILE *f)
{
    if (!pool || !f)
        return WEFT_EINVAL;
    uint64_t now = weft__now_ns(); /* one time for the total and the lines */
    weft_stats s;
    stats_at(pool, &s, now);
    /* The CPU list in full (a sparse set can be long); a short buffer if
     * that cannot be allocated. */
    char small[256];
    int need = weft__topo_describe(pool->topo, small, sizeof small);
    char *cpus = small;
    size_t big = need >= (int)sizeof small ? (size_t)need + 1 : 0;
    if (big && (cpus = weft__alloc(big)) != NULL)
        weft__topo_describe(pool->topo, cpus, big);
    else
        cpus = small;
    fprintf(f, "weft pool '%s'\n", pool->name);
    fprintf(f, "  workers        %u (bound %u, bind failures %u)\n", s.workers,
            s.bound, s.bind_failures);
    fprintf(f, "  cpuset         %s (%u cores)%s\n", cpus,
            weft__topo_cores(pool->topo),
            pool->cfg.topology ? " [synthetic topology]" : "");
    print_sizing(pool, cpus, f);
    if (cpus != small)
        weft__free(cpus, big);
    fprintf(f, "  stack size     %zu\n", pool->cfg.stack_size);
#ifdef WEFT_INTERNAL_ASSERTS
    const char *asserts = "on";
#else
    const char *asserts = "off";
#endif
    /* (how this library was built: the caller's own inline checks are
     * its WEFT_CHECKS) */
    fprintf(f, "  library        WEFT_CHECKED %s, internal assertions %s\n",
            WEFT__CHECKS ? "on" : "off", asserts);
    fprintf(f, "  deque slots    %u per worker\n", pool->workers[0]->own.cap);
    fprintf(f, "  spawned        %" PRIu64 "\n", s.spawned);
    fprintf(f, "  run            %" PRIu64 "\n", s.run);
    fprintf(f,
            "  steals         %" PRIu64 " (leapfrogs %" PRIu64
            "; local %" PRIu64 ", remote %" PRIu64 ")\n",
            s.steals, s.leapfrogs, s.steals_local, s.steals_remote);
    fprintf(f, "  steal failures %" PRIu64 "\n", s.steal_failures);
    fprintf(f, "  injected       %" PRIu64 "\n", s.injected);
    fprintf(f, "  parks          %" PRIu64 "\n", s.parks);
    fprintf(f, "  idle           %.3f s (all workers)\n",
            (double)s.idle_ns * 1e-9);
    fprintf(f, "  foreign waits  %" PRIu64 " (blocked now %u)\n",
            s.foreign_waits, weft__atomic_load_relaxed(&pool->blocked));
    fprintf(f,
            "  spares         %u alive, %" PRIu64 " started, peak %u, "
            "max %u, limit hits %" PRIu64 "\n",
            s.spares, s.spares_started, s.spares_peak, pool->max_spares,
            s.spare_limit_hits);
    fprintf(f, "  blocking       %" PRIu64 " regions\n", s.blocking_regions);
    static const char *const on_full[] = {"block", "reject", "caller runs"};
    char timeout[32] = "no limit";
    if (pool->cfg.submit_timeout_ns >= 0)
        snprintf(timeout, sizeof timeout, "%" PRId64 " ns",
                 pool->cfg.submit_timeout_ns);
    fprintf(f,
            "  queue          %u queued of %u, on full %s (timeout %s); "
            "submitted %" PRIu64 ", found full %" PRIu64 "%s\n",
            s.queued, pool->capacity, on_full[pool->cfg.on_full], timeout,
            s.submitted, s.queue_full,
            weft__atomic_load_relaxed(&pool->shut) ? ", shut down" : "");
    for (unsigned i = 0; i < pool->nworkers; i++) {
        weft_worker *w = pool->workers[i];
        uint64_t ts = weft__atomic_load_relaxed(&w->own.ts);
        uint64_t local = weft__atomic_load_relaxed(&w->steals_local);
        uint64_t remote = weft__atomic_load_relaxed(&w->steals_remote);
        uint64_t idle = idle_of(w, now);
        fprintf(f,
                "  worker %u: %s, public [%u, %u), node %d%s, steals %" PRIu64
                " (remote %" PRIu64 "), parks %" PRIu64 ", idle %.3f s\n",
                i,
                weft__atomic_load_relaxed(&w->sleep_word) ? "parked" : "awake",
                ts_tail(ts), ts_split(ts), w->node,
                weft__atomic_load_relaxed(&w->bound) == WEFT__BOUND ? ", bound"
                                                                    : "",
                local + remote, remote, weft__atomic_load_relaxed(&w->parks),
                (double)idle * 1e-9);
    }
    return 0;
}

#ifdef WEFT_TEST_HOOKS
void weft__test_preset_counters(weft_pool *pool, uint64_t value)
{
    for (unsigned i = 0; i < pool->nworkers; i++) {
        weft_worker *w = pool->workers[i];
        weft__atomic_store_relaxed(&w->own.spawned, value);
        weft__atomic_store_relaxed(&w->own.stolen_from, value);
        weft__atomic_store_relaxed(&w->steals_local, value);
        weft__atomic_store_relaxed(&w->steals_remote, value);
        weft__atomic_store_relaxed(&w->leapfrogs, value);
        weft__atomic_store_relaxed(&w->steal_failures, value);
        weft__atomic_store_relaxed(&w->injected_run, value);
        weft__atomic_store_relaxed(&w->parks, value);
        weft__atomic_store_relaxed(&w->foreign_waits, value);
        weft__atomic_store_relaxed(&w->blocking_regions, value);
    }
    weft__atomic_store_relaxed(&pool->injected, value);
}
#endif

/*
 * worker.c - what a worker thread does: its main loop (find work, run it,
 * park), joining a stolen task by helping its thief (leapfrogging), waiting
 * for work submitted to another pool while running its own pool's tasks,
 * and the paths of threads outside any pool (external submission and
 * waiting).
 *
 * The join rule.  A worker joining a task that a thief took never blocks:
 * it steals back from that thief, and only from that thief.  Every task in
 * the thief's deque above the stolen one descends from it, so the joiner
 * runs only work that the joined task is waiting for, and its stack stays
 * bounded by the depth of the computation (no stacking of unrelated stolen
 * tasks on top of a blocked join).  When the thief has nothing public, the
 * steal attempt asks it to share (movesplit); the joiner spins, then
 * yields, then sleeps on the frame's done word with a short timeout, and
 * the thief's completion wakes it.
 *
 * Completion.  Whoever runs a task sets done with an exchange: 0 -> 1, or
 * 2 -> 1 when a waiter sleeps on the word (then it futex-wakes the
 * address).  After that exchange the frame may be gone: nothing touches it
 * again.
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

/* Searching this long without finding work, a worker parks. */
#define SEARCH_NS 50000u
/* A joiner or waiter spins this many rounds of one pause (a pause takes
 * from ~10 ns to ~60 ns depending on the processor: 59 ns measured on the
 * AMD EPYC of our test machines, so a longer spin steals the core from the
 * worker the waiter waits for), then yields this many times, then sleeps
 * at most WAIT_SLEEP_NS between checks. */
#define WAIT_SPINS    32
#define WAIT_YIELDS   16
#define WAIT_SLEEP_NS 200000L
/* A worker that destroys another pool checks its own pool for work at
 * least this often while that pool drains (weft__wait_drain). */
#define DRAIN_POLL_NS 100000L

static uint64_t rng_next(weft_worker *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

/* Test hook (weft__test_completion_yield): yield between setting done and
 * the wake, to widen the window in which a waiter returns and its frame
 * goes away before the completer's futex wake. */
static int completion_yield;

void weft__test_completion_yield(int on)
{
    weft__atomic_store_seqcst(&completion_yield, on);
}

/* Marks a task done through its done word (a slot's or a submitted
 * task's). */
static void task_complete(uint32_t *done)
{
    /* Release pairs with the acquire loads of done in the joiners. */
    uint32_t old = weft__atomic_exchange_acqrel(done, 1u);
    if (__builtin_expect(weft__atomic_load_relaxed(&completion_yield), 0))
        weft__yield();
    if (old == 2u)
        weft__futex_wake(done, 1);
}

void weft__run_generic(struct weft__frame_hdr *p)
{
    struct weft__frame *f = (struct weft__frame *)p;
    f->u.g.fn(f->u.g.arg);
}

/* Runs a task that w took from elsewhere and completes it: a slot stolen
 * from a deque (injected 0: run in place) or a task submitted from outside
 * the pool (injected 1: a weft_task from the injection queue). */
static void run_taken(weft_worker *w, void *p, int injected)
{
    /* A task that returns with spawns pending leaves the head, or the
     * count of spawns that ran at once on a full deque, changed. */
    struct weft__frame *top = w->own.top;
    uint32_t overflow = w->own.overflow;
    struct weft__frame_hdr *f = p;
    weft_task *t = p;
    if (injected)
        t->fn(t->arg);
    else
        f->run(f);
    if (w->own.top != top || w->own.overflow != overflow)
        weft__misuse("a task returned without joining every task it "
                     "spawned");
    if (!injected) {
        task_complete(&f->done);
        return;
    }
    weft_worker *waiter = NULL;
    int release = (t->flags & WEFT__JOB_RELEASE) != 0;
    if (t->flags & WEFT__JOB_WAITER) {
        /* Read before completing: after that the job may be gone.  The
         * extra run keeps the waiter's pool alive until we have woken it. */
        waiter = ((struct weft__job *)t)->waiter;
        weft__atomic_fetch_add_seqcst(&waiter->pool->runs, 1u);
    }
    task_complete(&t->done);
    if (waiter) {
        weft__sleep_wake_worker(waiter);
        weft__run_release(waiter->pool);
    }
    if (release)
        weft__run_release(w->pool);
}

static weft_task *inject_pop(struct weft_pool *pool)
{
    if (!weft__atomic_load_relaxed(&pool->inject_count))
        return NULL;
    pthread_mutex_lock(&pool->inject_lock);
    weft_task *t = pool->inject_head;
    if (t) {
        pool->inject_head = (weft_task *)t->thief;
        if (!pool->inject_head)
            pool->inject_tail = NULL;
        weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count - 1);
    }
    pthread_mutex_unlock(&pool->inject_lock);
    return t;
}

void weft__inject(struct weft_pool *pool, weft_task *t, int local)
{
    t->thief = 0; /* the queue's link while queued */
    pthread_mutex_lock(&pool->inject_lock);
    if (pool->inject_tail)
        pool->inject_tail->thief = (uintptr_t)t;
    else
        pool->inject_head = t;
    pool->inject_tail = t;
    weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count + 1);
    weft__atomic_store_relaxed(&pool->injected, pool->injected + 1);
    pthread_mutex_unlock(&pool->inject_lock);
    weft__sleep_notify(pool, local);
}

/* Counts a task that w stole; remote: from a worker of another node. */
static void count_steal(weft_worker *w, int remote)
{
    if (remote)
        weft__counter_add(&w->steals_remote, 1);
    else
        weft__counter_add(&w->steals_local, 1);
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
 */
static inline __attribute__((always_inline)) void *for_victims(
    weft_worker *w, uint64_t r,
    void *(*visit)(weft_worker *v, weft_worker *w, int remote, void *ctx),
    void *ctx)
{
    struct weft_pool *pool = w->pool;
    const unsigned *order = pool->order;
    unsigned nn = w->near_n, m = nn - 1;
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
    return NULL;
}

static void *visit_steal(weft_worker *v, weft_worker *w, int remote, void *ctx)
{
    (void)ctx;
    struct weft__frame *t = weft__deque_steal(v, w);
    if (t)
        count_steal(w, remote);
    return t;
}

/* One sweep: the injection queue, then the other workers, near ones first
 * (for_victims).  *injected tells which kind was found: a weft_task (1) or
 * a stolen slot (0). */
static void *find_work(weft_worker *w, int *injected)
{
    struct weft_pool *pool = w->pool;
    void *t = inject_pop(pool);
    if (t) {
        *injected = 1;
        weft__counter_add(&w->injected_run, 1);
        return t;
    }
    *injected = 0;
    if (pool->nworkers == 1) /* no victim: no sweep to count */
        return NULL;
    if ((t = for_victims(w, rng_next(w), visit_steal, NULL)) != NULL)
        return t;
    weft__counter_add(&w->steal_failures, 1);
    return NULL;
}

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

/* Spins, then yields, then sleeps on *word while it reads 0 (setting it to
 * 2 to ask the completer for a futex wake), at most sleep_ns (< 0: until
 * woken).  round counts calls since the caller last made progress. */
static void wait_backoff(uint32_t *word, unsigned round, long sleep_ns)
{
    if (round < WAIT_SPINS) {
        weft__cpu_relax();
    } else if (round < WAIT_SPINS + WAIT_YIELDS) {
        weft__yield();
    } else {
        uint32_t expected = 0;
        if (weft__atomic_cas_acqrel(word, &expected, 2u) || expected == 2u)
            weft__futex_wait(word, 2u, sleep_ns);
    }
}

void weft__join_stolen(weft_worker *w, struct weft__frame *f)
{
    /* Wait for the thief to announce itself: acquire pairs with the
     * release in weft__deque_steal, after which done is the thief's. */
    uint32_t thief;
    unsigned round = 0;
    while ((thief = weft__atomic_load_acquire(&f->h.thief)) == 0) {
        if (++round > WAIT_SPINS)
            weft__yield();
        else
            weft__cpu_relax();
    }
    weft_worker *victim = w->pool->workers[thief - 1];
    /* The thief runs f in its slot: keep the head above it while helping,
     * so that the tasks run meanwhile spawn into the slots above. */
    w->own.top = f + 1;
    round = 0;
    /* Acquire pairs with the release exchange in task_complete. */
    while (weft__atomic_load_acquire(&f->h.done) != 1u) {
        struct weft__frame *s = weft__deque_steal(victim, w);
        if (s) {
            count_steal(w, victim->node != w->node);
            weft__counter_add(&w->leapfrogs, 1);
            run_taken(w, s, 0);
            round = 0;
            continue;
        }
        wait_backoff(&f->h.done, round++, WAIT_SLEEP_NS);
    }
    /* Every task spawned while helping has been joined, so nothing of ours
     * is public (tail == split), and every pending task below f was taken
     * by a thief (f was, and thieves take the oldest first): the state of
     * "all stolen", whatever publishing while helping left in allstolen.
     * split may exceed f's index; pops below split take the slow path,
     * which finds them stolen. */
    w->own.top = f;
    weft__deque_set_allstolen(w);
}

/* One step of a worker that waits outside its pool's main loop (on another
 * pool's job, or for another pool to drain), counted as searching: runs
 * one task of its own pool if it finds one and returns 1, else 0. */
static int help_own_pool(weft_worker *w)
{
    if (weft__atomic_load_relaxed(&w->own.movesplit))
        weft__deque_publish_all(w);
    /* The tasks this worker published and nobody took first: it runs them
     * itself, oldest first, through the thieves' end (its joins will find
     * them done; without this a 1-worker pool would spin while it waits).
     * Only then other work: a task stolen while its own are public would
     * spawn above them, and a joiner leapfrogging from this worker would
     * take them, unrelated to the task it joins (design.md). */
    int injected = 0;
    void *t = weft__deque_steal(w, w);
    if (!t)
        t = find_work(w, &injected);
    if (!t)
        return 0;
    weft__sleep_found_work(w, weft__deque_all_taken(w));
    run_taken(w, t, injected);
    weft__sleep_resume_search(w->pool);
    return 1;
}

void weft__wait_foreign(weft_worker *w, weft_task *job)
{
    struct weft_pool *pool = w->pool;
    /* Let this pool's thieves have the tasks we spawned before waiting,
     * and search for this pool's work like an idle worker meanwhile. */
    weft__deque_publish_all(w);
    weft__sleep_resume_search(pool);
    uint64_t idle_since = 0;
    /* Acquire pairs with the release exchange in task_complete. */
    while (weft__atomic_load_acquire(&job->done) != 1u) {
        if (help_own_pool(w)) {
            idle_since = 0;
            continue;
        }
        uint64_t now = weft__now_ns();
        if (idle_since == 0) {
            idle_since = now;
        } else if (now - idle_since > SEARCH_NS) {
            weft__sleep_park(w, &job->done);
            idle_since = 0;
            continue;
        }
        weft__yield();
    }
    /* Back to running the task that waited: wakes a parked worker only
     * if there is work for it (sleep.c). */
    weft__sleep_found_work(w, weft__deque_all_taken(w));
}

void weft__wait_drain(weft_worker *w, uint32_t *runs)
{
    /* As weft__wait_foreign, but nothing wakes a parked worker when the
     * runs drain: instead of parking, sleep on the runs word (the last
     * release wakes it) at most DRAIN_POLL_NS at a time, so that this
     * pool's work, which a searching worker would take, waits no longer
     * than that.  Destroy is rare; this is not a hot path. */
    weft__deque_publish_all(w);
    weft__sleep_resume_search(w->pool);
    uint32_t cur;
    while ((cur = weft__atomic_load_seqcst(runs)) != 0)
        if (!help_own_pool(w))
            weft__futex_wait(runs, cur, DRAIN_POLL_NS);
    weft__sleep_found_work(w, weft__deque_all_taken(w));
}

void weft__wait_external(weft_task *t)
{
    unsigned round = 0;
    while (weft__atomic_load_acquire(&t->done) != 1u)
        wait_backoff(&t->done, round++, -1);
}

void weft__spawn_external(weft_task *t)
{
    weft__atomic_store_relaxed(&t->done, 0u);
    t->flags = WEFT__JOB_RELEASE;
    /* Two runs: one the task holds until a worker completes it, one this
     * thread holds while it still touches the pool (the task may complete
     * before weft__inject returns). */
    weft_pool *pool = weft__default_pool_hold(2);
    if (pool) {
        /* The caller keeps running (weft_join2 runs a, a spawner goes on
         * to its next statement): wake a worker on another CPU. */
        weft__inject(pool, t, 0);
        weft__run_release(pool);
        return;
    }
    /* No pool to run it (none could be created, or it is being
     * destroyed): run it here, so that the join still works. */
    t->fn(t->arg);
    weft__atomic_store_relaxed(&t->done, 1u);
}

void weft_join2(weft_fn a, void *a_arg, weft_fn b, void *b_arg)
{
    weft_task t;
    weft_spawn(&t, b, b_arg);
    a(a_arg);
    weft_join(&t);
}

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
    weft__atomic_store_relaxed(&w->idle, IDLE_OPEN | ((total - now) & ~IDLE_OPEN));
}

static void idle_end(weft_worker *w)
{
    uint64_t now = weft__now_ns();
    weft__atomic_store_relaxed(&w->idle,
                         idle_read(weft__atomic_load_relaxed(&w->idle), now));
}

void *weft__worker_main(void *arg)
{
    weft_worker *w = arg;
    struct weft_pool *pool = w->pool;
    char name[32];
    snprintf(name, sizeof name, "weft-%s-%u", pool->name, w->index);
    weft__thread_setname(name);
    w->cpu = -1;
    int ok = 0;
    if (pool->cfg.bind) {
        ok = weft__topo_bind_self(pool->topo, w->index) == 0;
        if (ok)
            w->cpu = weft__topo_core_cpu(pool->topo, w->index);
        weft__atomic_store_relaxed(&w->bound, ok ? 1 : -1);
    }
    /* Unbound (bind = 0, or the binding failed): still only the pool's
     * CPUs, not those of the thread that created the pool (a worker of
     * another pool is bound to one core). */
    if (!ok)
        (void)weft__topo_confine_self(pool->topo);
    weft__self = w;
    /* Tell weft_pool_create that this worker is up (and bound). */
    weft__atomic_fetch_add_seqcst(&pool->started, 1u);
    weft__futex_wake(&pool->started, 1);

    uint64_t search_since = 0; /* start of this search, for parking */
    int idle = 0;              /* an idle spell is open (w->idle) */
    for (;;) {
        int injected;
        void *t = find_work(w, &injected);
        if (t) {
            if (idle) {
                idle_end(w);
                idle = 0;
            }
            weft__sleep_found_work(w, 1);
            run_taken(w, t, injected);
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
        }
        if (search_since == 0) {
            search_since = now;
        } else if (now - search_since > SEARCH_NS) {
            weft__sleep_park(w, NULL);
            search_since = 0;
            continue;
        }
        weft__yield();
    }
    if (idle)
        idle_end(w);
    weft__self = &weft__outside;
    return NULL;
}

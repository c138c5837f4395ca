/*
 * external.c - entry into a pool from outside it: the injection queue,
 * weft_pool_run, spawn and join on threads outside any pool (through the
 * default pool), guests, the waits of a worker on another pool's job or
 * drain, and the process's default pool with its fork() handlers.
 *
 * The injection queue is an intrusive FIFO of weft_task, linked through
 * weft_task.next under the pool's inject_lock, and for submitted jobs
 * (futures) a lock-free intake in front of it: a submitter pushes the job
 * on pool->intake with a CAS, newest first, and every taker, under the
 * lock, first moves the intake to the FIFO's end (intake_drain), so
 * submitters do not take the lock that workers take for each job.
 * inject_count, the tasks in the FIFO that any thread may take, and the
 * intake are relaxed hints that let idle workers skip the lock while
 * there are none.  One job at a time may be reserved for the worker that
 * waits for its parent (weft__inject).  A task in
 * the queue lives in its submitter's frame (weft_pool_run's job, or the
 * handle of a spawn from outside), so nothing is allocated per submission
 * and the queue cannot outgrow its submitters.
 *
 * Runs.  A thread holds a run on a pool (pool->runs, pool.c) whenever it
 * may still touch the pool: weft_pool_run for its whole call, a spawn from
 * outside until the worker that completes the task gives it back.
 *
 * Waits from a worker of another pool.  A worker that waits on a job J of
 * another pool (weft_pool_run) runs only what J waits for: the jobs that
 * J's computation submitted back to the waiter's own pool, found through
 * the lineage (struct weft__job.parent, internal.h: every job records the
 * job whose computation submitted it, and every worker the job it runs
 * now, w->ctx, which a stolen slot carries to its thief).  Nothing else
 * runs on top of the waiting frame, so a join never meets unrelated tasks
 * above it and a lock held across the wait is not taken by an unrelated
 * task.  Its own pending tasks it publishes for the others.  Meanwhile the
 * worker counts as blocked, and the pool keeps its parallelism with a
 * spare worker (sleep.c, pool.c); past max_spares, a blocked waiter runs
 * any work of its pool, as a last resort against starvation.  A worker
 * that destroys another pool P waits the same way, running only jobs that
 * descend from a job of P, and so does one that shuts P down.
 *
 * Guests.  A thread outside any pool that runs a loop (loop.c) does not
 * hand it to a worker: it takes one of the pool's WEFT__GUESTS guest
 * slots (a bit of guest_busy) and, until it leaves, is that slot's worker
 * (weft__self): the loop splits into the guest's deque, the workers steal
 * from it (their sweeps and the parkers' re-check visit the guest slots
 * after the spares), and its joins leapfrog like any worker's.  A guest
 * never searches or parks, and holds a run on the pool while it is one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "atomic.h"
#include "internal.h"

/* A worker that destroys or shuts down another pool checks its own pool
 * for work at least this often while that pool drains (weft__wait_drain). */
#define DRAIN_POLL_NS 100000L

/* The job of task t, if it is one (a weft_pool_run), else NULL. */
static const struct weft__job *job_of(const weft_task *t)
{
    return (t->flags & WEFT__JOB_RUN) ? (const struct weft__job *)t : NULL;
}

/* The nearest ancestor of t that a worker of pool waits for (whose
 * waiter may run t), or NULL.  The ancestors outlive t's queueing: each
 * waits for t. */
static struct weft__job *waited_ancestor(const weft_task *t,
                                         const struct weft_pool *pool)
{
    struct weft__job *a = (struct weft__job *)job_of(t);
    for (a = a ? a->parent : NULL; a; a = a->parent)
        if (a->waiter && a->waiter->pool == pool)
            return a;
    return NULL;
}

/* Unlinks t, which follows prev (NULL: t is the head), from pool's queue;
 * inject_lock held. */
static void inject_unlink(struct weft_pool *pool, weft_task *prev, weft_task *t)
{
    if (prev)
        prev->next = t->next;
    else
        pool->inject_head = t->next;
    if (pool->inject_tail == t)
        pool->inject_tail = prev;
    if (!(t->flags & WEFT__JOB_RESERVED))
        weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count - 1);
}

/* Moves the jobs pushed on pool's intake to the end of its FIFO, oldest
 * first; inject_lock held.  Returns how many it moved. */
static uint64_t intake_drain(struct weft_pool *pool)
{
    if (!weft__atomic_load_relaxed(&pool->intake))
        return 0;
    /* Acquire pairs with the pushers' CAS: their tasks' fields are seen. */
    weft_task *t = weft__atomic_exchange_acqrel(&pool->intake, NULL);
    weft_task *first = NULL, *last = t;
    uint64_t n = 0;
    while (t) { /* reverse: the intake is newest first */
        weft_task *next = t->next;
        t->next = first;
        first = t;
        t = next;
        n++;
    }
    if (!first)
        return 0;
    if (pool->inject_tail)
        pool->inject_tail->next = first;
    else
        pool->inject_head = first;
    pool->inject_tail = last;
    weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count + n);
    return n;
}

/* After a drain that left jobs in the FIFO (inject_lock released): a
 * parker whose re-check fell between the exchange of the intake and the
 * count saw neither, and the submitters' wake-up checks may have counted
 * on it as a searcher, so the jobs are made visible again as a
 * submission does (a taker that does not run them, such as a blocked
 * waiter's search for its own jobs, would leave them with every worker
 * parked). */
static void intake_drained(struct weft_pool *pool, uint64_t moved,
                           uint64_t left)
{
    if (moved && left)
        weft__sleep_notify(pool, 0);
}

/* Unlinks and returns the oldest task of pool's queue that pred accepts
 * (pred(task, arg)), reserved or not, or NULL. */
static weft_task *inject_take_if(struct weft_pool *pool,
                                 int (*pred)(const weft_task *, const void *),
                                 const void *arg)
{
    pthread_mutex_lock(&pool->inject_lock);
    uint64_t moved = intake_drain(pool);
    weft_task *prev = NULL, *t = pool->inject_head;
    while (t && !pred(t, arg)) {
        prev = t;
        t = t->next;
    }
    if (t)
        inject_unlink(pool, prev, t);
    uint64_t left = pool->inject_count;
    pthread_mutex_unlock(&pool->inject_lock);
    intake_drained(pool, moved, left);
    return t;
}

static int unreserved(const weft_task *t, const void *unused)
{
    (void)unused;
    return !(t->flags & WEFT__JOB_RESERVED);
}

weft_task *weft__inject_take_all(struct weft_pool *pool,
                                 int (*pred)(const weft_task *, const void *),
                                 const void *arg)
{
    weft_task *out = NULL, **end = &out;
    pthread_mutex_lock(&pool->inject_lock);
    intake_drain(pool);
    weft_task *prev = NULL, *t = pool->inject_head;
    while (t) {
        weft_task *next = t->next;
        if (pred(t, arg)) {
            inject_unlink(pool, prev, t);
            t->next = NULL;
            *end = t;
            end = &t->next;
        } else {
            prev = t;
        }
        t = next;
    }
    pthread_mutex_unlock(&pool->inject_lock);
    return out;
}

weft_task *weft__inject_pop(struct weft_pool *pool)
{
    /* The oldest task not reserved for the worker that waits for it. */
    if (!weft__atomic_load_relaxed(&pool->inject_count) &&
        !weft__atomic_load_relaxed(&pool->intake))
        return NULL;
    return inject_take_if(pool, unreserved, NULL);
}

/* 1 when job j is an ancestor of task t: t was submitted by j's
 * computation.  The ancestors are alive: each waits for t. */
static int descends_from(const weft_task *t, const void *j)
{
    const struct weft__job *a = job_of(t);
    for (a = a ? a->parent : NULL; a; a = a->parent)
        if (a == j)
            return 1;
    return 0;
}

/* 1 when an ancestor of t was submitted to pool p, and t is not reserved
 * (for the waiter whose wait holds its reservation: help_waited). */
static int descends_from_pool(const weft_task *t, const void *p)
{
    if (t->flags & WEFT__JOB_RESERVED)
        return 0;
    const struct weft__job *a = job_of(t);
    for (a = a ? a->parent : NULL; a; a = a->parent)
        if (a->pool == p)
            return 1;
    return 0;
}

void weft__inject(struct weft_pool *pool, weft_task *t, int local)
{
    /* A worker of this pool that waits for an ancestor of t may run it.
     * If that is its innermost wait, which cannot end before t does, one
     * job at a time is reserved for it: only its wait takes that job from
     * the queue, and no spare is started for it.  More jobs for the same
     * wait go to any thread, so that callbacks run in parallel. */
    struct weft__job *a = waited_ancestor(t, pool);
    uint32_t free_slot = 0;
    int reserved = a && weft__atomic_load_relaxed(&a->waiter->waiting) == a &&
                   weft__atomic_cas_acqrel(&a->reserved, &free_slot, 1u);
    if (reserved)
        t->flags |= WEFT__JOB_RESERVED;
    if ((t->flags & WEFT__JOB_FUTURE) && !reserved) {
        /* A submitted job (no lineage: no waiter to wake) is pushed on
         * the intake, so that submitters do not take the queue's lock,
         * which the workers take (seq_cst: the Dekker pair with the
         * sleepers, as the locked section below). */
        weft_task *old = weft__atomic_load_relaxed(&pool->intake);
        do
            t->next = old;
        while (!weft__atomic_cas_seqcst(&pool->intake, &old, t));
        /* After the push: a waiter that sees the count sees the task
         * (help_waited). */
        weft__atomic_fetch_add_relaxed(&pool->injected, 1u);
        weft__sleep_notify_rmw(pool, local);
        return;
    }
    t->next = NULL;
    pthread_mutex_lock(&pool->inject_lock);
    if (pool->inject_tail)
        pool->inject_tail->next = t;
    else
        pool->inject_head = t;
    pool->inject_tail = t;
    if (!reserved)
        weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count + 1);
    weft__atomic_fetch_add_relaxed(&pool->injected, 1u);
    pthread_mutex_unlock(&pool->inject_lock);
    if (!reserved)
        weft__sleep_notify(pool, local);
    if (a) /* it may sleep in its wait */
        weft__wait_wake(a->waiter);
}

void weft__run_injected(weft_worker *w, weft_task *t)
{
    if (t->flags & WEFT__JOB_FUTURE) {
        weft__future_run(w, t);
        return;
    }
    struct weft__mark m = weft__mark_of(w);
    struct weft__job *outer = w->ctx;
    w->ctx = (struct weft__job *)job_of(t); /* NULL: a spawn from outside */
    t->fn(t->arg);
    w->ctx = outer;
    weft__check_joined(w, m);
    weft_worker *waiter = NULL;
    int release = (t->flags & WEFT__JOB_RELEASE) != 0;
    if (t->flags & WEFT__JOB_WAITER) {
        /* Read before completing: after that the job may be gone.  The
         * extra run keeps the waiter's pool alive until we have woken it. */
        waiter = ((struct weft__job *)t)->waiter;
        weft__atomic_fetch_add_seqcst(&waiter->pool->runs, 1u);
    }
    weft__done_set(&t->done);
    if (waiter) {
        weft__wait_wake(waiter);
        weft__run_release(waiter->pool);
    }
    if (release)
        weft__run_release(w->pool);
}

/* The last resort of a blocked waiter whose pool could start no spare
 * (max_spares): one task of its own pool, whatever it is, its own
 * published tasks first (its joins will find them done).  Returns 1 when
 * it ran one. */
static int help_any(weft_worker *w)
{
    struct weft__found t = {weft__deque_steal(w, w), NULL, NULL, NULL};
    if (t.slot)
        t.ctx = weft__deque_slot_ctx(w, t.slot);
    else
        t = weft__find_work(w);
    if (!weft__found_any(t))
        return 0;
    weft__run_found(w, t);
    return 1;
}

/* One step of a blocked waiter: runs a job of its pool's queue that pred
 * accepts (what the wait waits for), or, when the pool starved for want of
 * a spare, any task.  *seen is the queue's submission count at the last
 * search, so that an unchanged queue is not searched again.  Returns 1
 * when it ran something. */
int weft__help_waited(weft_worker *w,
                      int (*pred)(const weft_task *, const void *),
                      const void *arg, uint64_t *seen)
{
    struct weft_pool *pool = w->pool;
    uint64_t n = weft__atomic_load_relaxed(&pool->injected);
    int starved = weft__atomic_load_relaxed(&pool->starved) &&
                  weft__atomic_exchange_seqcst(&pool->starved, 0u);
    if (n == *seen && !starved)
        return 0;
    *seen = n;
    weft_task *t = pred ? inject_take_if(pool, pred, arg) : NULL;
    if (!t && !starved)
        return 0;
    /* Running: not blocked meanwhile (no spare is wanted for it). */
    weft__sleep_unblock(w);
    int ran = 1;
    if (t) {
        /* A reserved job holds its wait's reservation until it has run,
         * so that jobs queued meanwhile go to other threads.  That wait is
         * this worker's own (a job of the current wait's lineage has it,
         * or a deeper wait of this worker, as its nearest waited
         * ancestor; a drain takes no reserved job), so its job outlives
         * the run. */
        struct weft__job *holder =
            (t->flags & WEFT__JOB_RESERVED) ? waited_ancestor(t, pool) : NULL;
        weft__counter_add(&w->injected_run, 1);
        weft__run_injected(w, t);
        if (holder)
            weft__atomic_store_relaxed(&holder->reserved, 0u);
    } else {
        ran = help_any(w);
    }
    weft__sleep_block(w);
    if (ran)
        *seen = ~(uint64_t)0; /* more may be queued: search again */
    return ran;
}

/* One step of a blocked waiter with nothing to run (round: the steps
 * since it last ran something): spins, then yields, then sleeps on
 * w->wait_word until woken by the job's completer, a submitter of a job
 * the wait may run, or starvation.  done: the word that ends the wait;
 * seen: the submission count of help_waited's last search. */
static void wait_step(weft_worker *w, const uint32_t *done, unsigned round,
                      uint64_t seen)
{
    if (round < WEFT__WAIT_SPINS) {
        weft__cpu_relax();
        return;
    }
    if (round < WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS) {
        weft__yield();
        return;
    }
    struct weft_pool *pool = w->pool;
    weft__atomic_store_seqcst(&w->wait_word, 1u);
    /* Pairs with the fence in weft__wait_wake: either its waker sees the
     * word set, or this check sees what the waker did. */
    weft__atomic_fence_seqcst();
    if (weft__atomic_load_acquire(done) == WEFT__DONE ||
        weft__atomic_load_relaxed(&pool->injected) != seen ||
        weft__atomic_load_relaxed(&pool->starved)) {
        weft__atomic_store_relaxed(&w->wait_word, 0u);
        return;
    }
    /* Acquire pairs with the exchange in weft__wait_wake. */
    while (weft__atomic_load_acquire(&w->wait_word) == 1u)
        weft__futex_wait(&w->wait_word, 1u, -1);
}

/* w waits for job, submitted to another pool (top of file). */
static void wait_foreign(weft_worker *w, struct weft__job *job)
{
    weft__counter_add(&w->foreign_waits, 1);
    /* Its own pending tasks go to the pool's other threads. */
    weft__deque_publish_all(w);
    weft__sleep_block(w);
    uint64_t seen = ~(uint64_t)0;
    unsigned round = 0;
    while (!weft__done_is_set(&job->task.done)) {
        if (weft__help_waited(w, descends_from, job, &seen)) {
            round = 0;
            continue;
        }
        wait_step(w, &job->task.done, round++, seen);
    }
    weft__sleep_unblock(w);
}

int weft__wait_drain(weft_worker *w, struct weft_pool *p, uint64_t deadline)
{
    /* As wait_foreign, for p to drain (weft__pool_drained: no run and no
     * queued job's reference).  Nothing wakes this worker when a job of
     * p's lineage is queued here (jobs name the worker that waits for
     * them, not a destroyer or a shutdown), so it polls every
     * DRAIN_POLL_NS; the release of the last run wakes p->runs
     * (weft__run_release).  Destroy and shutdown are rare. */
    weft__counter_add(&w->foreign_waits, 1);
    weft__deque_publish_all(w);
    weft__sleep_block(w);
    uint64_t seen = ~(uint64_t)0;
    uint32_t cur;
    int drained;
    for (;;) {
        cur = weft__atomic_load_seqcst(&p->runs);
        if ((drained = weft__pool_drained(p)) != 0)
            break;
        if (weft__help_waited(w, descends_from_pool, p, &seen))
            continue;
        long wait = DRAIN_POLL_NS;
        if (deadline != UINT64_MAX) {
            uint64_t now = weft__now_ns();
            if (now >= deadline)
                break;
            if (deadline - now < (uint64_t)wait)
                wait = (long)(deadline - now);
        }
        weft__futex_wait(&p->runs, cur, wait);
    }
    weft__sleep_unblock(w);
    return drained;
}

void weft__wait_external(weft_task *t)
{
    unsigned round = 0;
    while (!weft__done_is_set(&t->done))
        weft__done_backoff(&t->done, round++, -1);
}

void weft__spawn_external(weft_task *t)
{
    weft__done_init(&t->done);
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
    weft__atomic_store_relaxed(&t->done, (uint32_t)WEFT__DONE);
}

void weft_join2(weft_fn a, void *a_arg, weft_fn b, void *b_arg)
{
    weft_task t;
    weft_spawn(&t, b, b_arg);
    a(a_arg);
    weft_join(&t);
}

int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg)
{
    if (!pool || !fn)
        return WEFT_EINVAL;
    weft_worker *self = weft_self();
    if (self && self->pool == pool) {
        fn(arg); /* inline: this worker is the pool helping itself */
        return 0;
    }
    weft__atomic_fetch_add_seqcst(&pool->runs, 1u);
    if (weft__atomic_load_seqcst(&pool->stopping) ||
        weft__atomic_load_seqcst(&pool->shut)) {
        weft__run_release(pool);
        return WEFT_ESHUTDOWN;
    }
    struct weft__job job = {
        .task = {.fn = fn, .arg = arg, .flags = WEFT__JOB_RUN},
        .waiter = self,
        .parent = self ? self->ctx : weft__outside_ctx,
        .pool = pool};
    if (self)
        job.task.flags |= WEFT__JOB_WAITER;
    /* The worker waits for the job from before it is queued: the job's
     * descendants, which may be queued here at once, find it waiting. */
    struct weft__job *outer = NULL;
    if (self) {
        outer = self->waiting;
        weft__atomic_store_relaxed(&self->waiting, &job);
    }
    /* A thread outside any pool now blocks until the job is done: wake the
     * worker on its own CPU if one is parked there.  A worker of another
     * pool stays on its own CPU: wake one elsewhere. */
    weft__inject(pool, &job.task, self == NULL);
    if (self) {
        struct weft__hold hold = {pool, self->holds};
        self->holds = &hold;
        wait_foreign(self, &job);
        self->holds = hold.up;
        weft__atomic_store_relaxed(&self->waiting, outer);
    } else {
        weft__wait_external(&job.task);
    }
    /* The caller holds the run until here: weft__inject still reads the
     * pool after a worker may have completed the job. */
    weft__run_release(pool);
    return 0;
}

/* ---- guests --------------------------------------------------------------- */

/* A worker for guest slot k, or NULL. */
static weft_worker *guest_new(struct weft_pool *pool, unsigned k)
{
    weft_worker *w = weft__alloc(sizeof *w);
    if (!w)
        return NULL;
    w->pool = pool;
    w->index = weft__guest_base(pool) + k;
    w->guest = 1;
    w->cpu = -1;
    w->node = -1; /* no group: a sweep of its own tries every worker */
    w->rng = 0x9e3779b97f4a7c15ull * (w->index + 1);
    if (weft__deque_init(w, pool->cfg.deque_slots) != 0) {
        weft__free(w, sizeof *w);
        return NULL;
    }
    return w;
}

weft_worker *weft__guest_enter(struct weft_pool *pool)
{
    const uint32_t all = (uint32_t)((1ull << WEFT__GUESTS) - 1);
    uint32_t busy = weft__atomic_load_relaxed(&pool->guest_busy);
    unsigned k;
    do {
        if ((busy & all) == all)
            return NULL;
        k = (unsigned)__builtin_ctz(~busy);
        /* Acquire pairs with the release in weft__guest_leave: the slot's
         * last guest is done with its worker. */
    } while (
        !weft__atomic_cas_acqrel(&pool->guest_busy, &busy, busy | (1u << k)));
    weft_worker **slot = &pool->workers[weft__guest_base(pool) + k];
    weft_worker *g = weft__atomic_load_relaxed(slot);
    if (!g) {
        if (!(g = guest_new(pool, k))) {
            weft__atomic_fetch_and_release(&pool->guest_busy, ~(1u << k));
            return NULL;
        }
        /* Release pairs with the acquires of the sweeps (worker.c,
         * sleep.c, stats.c), which then see the worker's fields. */
        weft__atomic_store_release(slot, g);
        uint32_t hw = weft__atomic_load_relaxed(&pool->guest_hw);
        while (hw < k + 1 &&
               !weft__atomic_cas_acqrel(&pool->guest_hw, &hw, k + 1))
            ;
    }
    WEFT__ASSERT(g->ctx == NULL && g->waiting == NULL && g->holds == NULL);
    /* Its first spawn publishes at once (the state of "all stolen": its
     * deque is empty), and wakes a parked worker for it if no worker is
     * searching: a loop on a guest splits at its first chunk.  The guest
     * never searches, so no thief's request may be all that asks it. */
    weft__deque_set_allstolen(g);
    weft__self = g;
    return g;
}

void weft__guest_leave(weft_worker *g)
{
    struct weft_pool *pool = g->pool;
    unsigned k = g->index - weft__guest_base(pool);
    weft__self = &weft__outside;
    /* Release pairs with the acquire of the slot's next guest. */
    weft__atomic_fetch_and_release(&pool->guest_busy, ~(1u << k));
}

/* ---- the default pool ---------------------------------------------------- */

/* The default pool, created on first use. */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static weft_pool *default_pool;

/* fork(): the child has none of the parent's threads, so it forgets the
 * default pool (leaving its memory alone: its locks may be held by threads
 * that do not exist there) and creates a new one on first use.  The default
 * pool's lock and the shared topology's (topo.c) are taken around the fork,
 * in the order a pool creation takes them, so that the child inherits
 * neither held.  Registered by the first weft_pool_create. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&default_lock);
    weft__topo_fork_lock();
}

static void fork_parent(void)
{
    weft__topo_fork_unlock();
    pthread_mutex_unlock(&default_lock);
}

static void fork_child(void)
{
    weft__atomic_store_relaxed(&default_pool, NULL);
    weft__topo_fork_unlock();
    pthread_mutex_unlock(&default_lock);
}

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void fork_register(void)
{
    (void)pthread_atfork(fork_prepare, fork_parent, fork_child);
}

void weft__fork_setup(void) { pthread_once(&fork_once, fork_register); }

/* The default pool could not be created (rc): says so once on stderr,
 * naming $WEFT_WORKERS when it is set, since tasks spawned from outside
 * then run on their caller without another word; default_lock held. */
static void default_pool_failed(int rc)
{
    static int said;
    if (said)
        return;
    said = 1;
    const char *env = getenv("WEFT_WORKERS");
    int named = env && *env;
    fprintf(stderr,
            "weft: the default pool cannot be created (%s)%s%s%s; tasks "
            "spawned from outside a pool run on the calling thread\n",
            weft_strerror(rc), named ? ": $WEFT_WORKERS=\"" : "",
            named ? env : "", named ? "\"" : "");
}

/* The default pool, created if there is none; default_lock held. */
static weft_pool *default_pool_locked(void)
{
    weft_pool *p = default_pool;
    if (!p) {
        int rc = weft_pool_create(&p, NULL);
        if (rc == 0)
            weft__atomic_store_release(&default_pool, p);
        else
            default_pool_failed(rc);
    }
    return p;
}

weft_pool *weft_default_pool(void)
{
    /* Acquire pairs with the release above. */
    weft_pool *p = weft__atomic_load_acquire(&default_pool);
    if (p)
        return p;
    weft__fork_setup();
    pthread_mutex_lock(&default_lock);
    p = default_pool_locked();
    pthread_mutex_unlock(&default_lock);
    return p;
}

weft_pool *weft__default_pool_hold(uint32_t n)
{
    /* Under default_lock: weft_pool_destroy takes its pool out of
     * default_pool under the same lock (weft__default_pool_forget) before
     * it waits for the runs, so the pool found here is not freed before
     * the runs are added.  (So every spawn from outside takes this lock,
     * as it takes the pool's injection lock.) */
    weft__fork_setup();
    pthread_mutex_lock(&default_lock);
    weft_pool *p = default_pool_locked();
    if (p) {
        /* Pairs with the exchange of stopping in weft_pool_destroy. */
        weft__atomic_fetch_add_seqcst(&p->runs, n);
        if (weft__atomic_load_seqcst(&p->stopping) ||
            weft__atomic_load_seqcst(&p->shut)) {
            for (uint32_t i = 0; i < n; i++)
                weft__run_release(p);
            p = NULL;
        }
    }
    pthread_mutex_unlock(&default_lock);
    return p;
}

void weft__default_pool_forget(weft_pool *pool)
{
    pthread_mutex_lock(&default_lock);
    if (default_pool == pool)
        weft__atomic_store_release(&default_pool, NULL);
    pthread_mutex_unlock(&default_lock);
}

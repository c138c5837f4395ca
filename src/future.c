/*
 * future.c - work submitted without waiting: weft_submit and its futures,
 * the bounded submission queue with its policy for a full queue, and
 * weft_pool_shutdown.
 *
 * A future (struct weft_future) is allocated by weft_submit (alloc.c) and
 * carries the task that goes into the pool's injection queue (external.c),
 * flagged WEFT__JOB_FUTURE.  It is no job of the lineage: a future may
 * outlive whatever submitted it, so nothing may walk through it to its
 * submitter; its job starts a lineage of its own (w->ctx is NULL while it
 * runs).  A submission holds a run on the pool (pool.c) for the call, and
 * its queued job a queue reference on the pool until its task leaves the
 * queue ("The bound"), so destroy waits for both.
 *
 * States (f->state, also a futex word for threads outside any pool, who
 * set FUT_SLEEPERS before sleeping on it):
 *     FUT_QUEUED    submitted, not started
 *     FUT_RUNNING   claimed: run by a worker, by its waiter, or on its way
 *                   to FUT_CANCELED
 *     FUT_DONE      the job returned f->result
 *     FUT_CANCELED  it never ran (weft_future_cancel, shutdown)
 * claim() is the one QUEUED -> RUNNING transition: whoever wins it runs
 * the job or cancels it, so a job runs at most once and a cancelled job
 * never.  A claimed task may still be linked in the queue (a waiter that
 * ran it, a cancel): the worker that later takes it from the queue skips
 * it.  So nothing but that worker, or shutdown, unlinks a future, which
 * costs no search of the queue; until then it counts against the
 * capacity.
 *
 * Storage.  f->refs counts the handle (weft_future_release) and the queue
 * (while the task is linked); the last one frees it.  A job still pending
 * at release runs detached.
 *
 * Waits.  A thread outside any pool that waits with no limit for a job
 * still queued claims it (FUT_GUEST) and runs it itself, as a guest of
 * f's pool (external.c); the queue's reference then goes back when both
 * the guest and the thread that unlinks the handle are done (handoff).
 * Otherwise it spins, yields, then sleeps on f->state.  A worker runs the job itself when it is still queued on its
 * own pool and the wait has no limit: what it waits for, and nothing else,
 * so a 1-worker pool that waits for its own submission cannot starve.
 * Otherwise it counts as blocked (sleep.c: a spare keeps the pool's
 * parallelism), registers in f->waiter and sleeps on its wait word; the
 * completer exchanges f->waiter for WAITER_GONE and wakes the worker found
 * there, then sets f->woken, and a waiter that leaves and finds
 * WAITER_GONE waits for woken, so the completer never touches a worker
 * whose pool may be gone.  At max_spares a blocked waiter runs any task
 * of its pool, as every wait does (external.c, help_waited).
 *
 * The bound.  The jobs submitted and not yet taken from the queue are
 * pool->fut_in, the jobs ever queued, less the jobs that left the queue:
 * each worker counts those it took (w->fut_left, written by that worker
 * alone), other threads (a shutdown's cancellations) in fut_left_other.
 * So a worker taking a job writes no line that submitters write: the
 * counts a submitter and a worker shared per job (a queued count, the
 * pool's runs) cost a cache-line transfer each, and they cost a third of the
 * throughput of submission from another CPU (docs/design.md).  A
 * submission raises fut_in with a CAS while fut_in - left_seen is below
 * capacity, where left_seen is the last sum of the left counts that a
 * submitter read; only when that looks full does it sum them again, so
 * "full" is decided on a fresh sum.  A full queue rejects (WEFT_EBUSY),
 * runs the job on the submitter, or makes it wait (on the futex word
 * room_seq; room_waiters says that someone sleeps: waiter +1, read the
 * counts / taker +1, read waiters, a Dekker pair of seq_cst accesses; the
 * taker then bumps room_seq and wakes).  Memory is then bounded by the
 * capacity whatever the rate of submission.
 *
 * Queue references.  A queued job keeps its pool alive (a destroy waits
 * for it) until its handle has left the queue, as a run would; counted as
 * the left counts are (w->fut_released, fut_released_other), so that the
 * worker's release writes no shared line either.  The pool has none held
 * when the released counts, summed first, equal fut_in, read after
 * (weft__pool_drained: every count only grows).  Nothing wakes on a
 * worker's release but while a shutdown waits (shut set: it also polls);
 * a destroy polls.
 */
#include <limits.h>

#include "atomic.h"
#include "internal.h"

/* A worker that sleeps where no wake reaches it (a second worker waiter
 * of one future, a shutdown's wait) looks again this often. */
#define POLL_NS 1000000L

enum { FUT_QUEUED = 0, FUT_RUNNING = 1, FUT_DONE = 2, FUT_CANCELED = 3 };
#define FUT_STATE(s) ((s)&3u)
#define FUT_SLEEPERS 4u /* a thread sleeps on the state word */
#define FUT_GUEST    8u /* claimed by its waiter from outside, who runs it */
#define WAITER_GONE  ((weft_worker *)(uintptr_t)1)

struct weft_future {
    weft_task task; /* in the pool's injection queue: must come first */
    weft_job_fn fn;
    void *arg;
    struct weft_pool *pool;
    weft_worker *waiter; /* a registered worker waiter, NULL, WAITER_GONE */
    uint32_t state;      /* FUT_* | FUT_SLEEPERS */
    uint32_t refs;       /* the handle's, and the queue's while linked */
    uint32_t woken;      /* the completer is done with waiter */
    uint32_t handoff;    /* FUT_GUEST: the guest or the unlinker is done */
    int result;
};

/* A future's storage: whole cache lines, so that neighbours in the heap
 * (one being submitted while a worker completes the other) share none
 * (jemalloc's small size classes of whole lines lie at multiples of
 * their size).  From weft__alloc_small, neither zeroed nor aligned by
 * request, which take jemalloc off its fast path (callgrind: about 300
 * instructions a mallocx and 230 a sdallocx instead of a few dozen), so
 * weft_submit sets every field itself. */
#define FUT_BYTES                                                           \
    ((sizeof(struct weft_future) + WEFT_CACHE_LINE - 1) / WEFT_CACHE_LINE * \
     WEFT_CACHE_LINE)

static void future_unref(struct weft_future *f)
{
    /* The last reference frees: every access before it happens before. */
    if (weft__atomic_fetch_sub_seqcst(&f->refs, 1u) == 1u)
        weft__free_small(f, FUT_BYTES);
}

/* 1 when the job has finished or was cancelled (acquire: pairs with the
 * exchange in complete, so f->result is visible). */
static int finished(const struct weft_future *f)
{
    return FUT_STATE(weft__atomic_load_acquire(&f->state)) >= FUT_DONE;
}

/* QUEUED -> RUNNING (| guest: FUT_GUEST), the sleepers' bit kept; 1 for
 * the winner. */
static int claim_as(struct weft_future *f, uint32_t guest)
{
    uint32_t s = weft__atomic_load_relaxed(&f->state);
    while (FUT_STATE(s) == FUT_QUEUED)
        if (weft__atomic_cas_seqcst(&f->state, &s,
                                    (s & FUT_SLEEPERS) | FUT_RUNNING | guest))
            return 1;
    return 0;
}

static int claim(struct weft_future *f) { return claim_as(f, 0); }

/* The sums over pool's workers (and other threads) of the jobs that left
 * the queue (*left) and of the queue references given back (*released).
 * A slot that starts counting after its read counted nothing before, so
 * each sum is at most the count at the end of the call. */
static void counts(const struct weft_pool *pool, uint64_t *left,
                   uint64_t *released)
{
    uint64_t l = weft__atomic_load_seqcst(&pool->fut_left_other);
    uint64_t r = weft__atomic_load_seqcst(&pool->fut_released_other);
    /* Acquire pairs with the release that installs a spare or guest. */
    unsigned n = pool->nworkers + weft__atomic_load_acquire(&pool->spare_hw);
    unsigned gb = weft__guest_base(pool);
    unsigned ge = gb + weft__atomic_load_acquire(&pool->guest_hw);
    for (unsigned i = 0; i < ge; i = i + 1 == n ? gb : i + 1) {
        weft_worker *v = weft__atomic_load_acquire(&pool->workers[i]);
        if (v) {
            l += weft__atomic_load_seqcst(&v->fut_left);
            r += weft__atomic_load_seqcst(&v->fut_released);
        }
    }
    *left = l;
    *released = r;
}

uint64_t weft__futures_queued(const struct weft_pool *pool)
{
    uint64_t l, r;
    counts(pool, &l, &r);
    uint64_t in = weft__atomic_load_seqcst(&pool->fut_in);
    return in > l ? in - l : 0;
}

int weft__pool_drained(struct weft_pool *pool)
{
    if (weft__atomic_load_seqcst(&pool->runs) != 0)
        return 0;
    uint64_t l, r;
    counts(pool, &l, &r);
    return weft__atomic_load_seqcst(&pool->fut_in) == r;
}

/* Gives back the queue's reference of f on its pool (held from the
 * submission until the handle leaves the queue) once the handle has left
 * it.  A job claimed by its waiter to run as a guest (FUT_GUEST) needs the
 * pool until the guest is done, and the handle may leave the queue before
 * or after: of the two, the second gives the reference back.  Called
 * before the caller's last access to f.  w: the caller, a worker of f's
 * pool (it may touch the pool after: the pool joins it before it is
 * freed), or NULL (the release is its last access to the pool). */
static void queue_run_done(weft_worker *w, struct weft_future *f,
                           struct weft_pool *pool)
{
    /* Acquire-release: the first one's accesses happen before the
     * release. */
    if ((weft__atomic_load_relaxed(&f->state) & FUT_GUEST) &&
        weft__atomic_exchange_acqrel(&f->handoff, 1u) == 0u)
        return;
    if (w) {
        weft__atomic_store_seqcst(&w->fut_released, w->fut_released + 1);
        /* A shutdown may wait for this (it also polls, so a relaxed look
         * suffices). */
        if (weft__atomic_load_relaxed(&pool->draining))
            weft__futex_wake(&pool->runs, INT_MAX);
    } else {
        /* (draining read before: after the count the pool may be gone,
         * and the wake uses only the address) */
        uint32_t d = weft__atomic_load_relaxed(&pool->draining);
        weft__atomic_fetch_add_seqcst(&pool->fut_released_other, 1u);
        if (d)
            weft__futex_wake(&pool->runs, INT_MAX);
    }
}

/* The claimed f ends in state fin with result: wakes its waiters and
 * calls the pool's on_complete.  The caller holds a reference (and the
 * pool is alive: a run is held). */
static void complete(struct weft_future *f, int result, uint32_t fin)
{
    f->result = result;
    /* FUT_GUEST stays: the unlinker reads it after the job is done. (No
     * one but the claimer changes it after the claim.) */
    fin |= weft__atomic_load_relaxed(&f->state) & FUT_GUEST;
    /* Release pairs with the acquire in finished(). */
    uint32_t old = weft__atomic_exchange_seqcst(&f->state, fin);
    if (old & FUT_SLEEPERS)
        weft__futex_wake(&f->state, INT_MAX);
    /* After the exchange of state: a waiter that registers later sees
     * the future finished (seq_cst, both). */
    weft_worker *w = weft__atomic_exchange_seqcst(&f->waiter, WAITER_GONE);
    if (w && w != WAITER_GONE) {
        weft__wait_wake(w);
        /* Release pairs with the acquire of the waiter that leaves. */
        weft__atomic_store_release(&f->woken, 1u);
    }
    struct weft_pool *pool = f->pool;
    if (pool->cfg.on_complete)
        pool->cfg.on_complete(f, pool->cfg.on_complete_ctx);
}

/* Runs the claimed f's job on the calling thread (w: its worker or NULL)
 * as a lineage of its own, and completes it. */
static void exec(weft_worker *w, struct weft_future *f)
{
    int r;
    if (w) {
        struct weft__mark m = weft__mark_of(w);
        struct weft__job *outer = w->ctx;
        w->ctx = NULL;
        r = f->fn(f->arg);
        w->ctx = outer;
        weft__check_joined(w, m);
    } else {
        struct weft__job *outer = weft__outside_ctx;
        weft__outside_ctx = NULL;
        r = f->fn(f->arg);
        weft__outside_ctx = outer;
    }
    complete(f, r, FUT_DONE);
}

/* Wakes the submitters waiting for room. */
static void room_wake(struct weft_pool *pool)
{
    weft__atomic_fetch_add_seqcst(&pool->room_seq, 1u);
    weft__futex_wake(&pool->room_seq, INT_MAX);
}

/* A submitted job leaves the queue: room for another submission.  w: the
 * worker of pool that took it, or NULL (another thread). */
static void queue_left(weft_worker *w, struct weft_pool *pool)
{
    /* The seq_cst count and load pair with those of wait_room (a Dekker
     * pair: either we see its waiter, or it sees our count). */
    if (w)
        weft__atomic_store_seqcst(&w->fut_left, w->fut_left + 1);
    else
        weft__atomic_fetch_add_seqcst(&pool->fut_left_other, 1u);
    if (weft__atomic_load_seqcst(&pool->room_waiters))
        room_wake(pool);
}

void weft__future_run(weft_worker *w, weft_task *t)
{
    struct weft_future *f = (struct weft_future *)t;
    struct weft_pool *pool = f->pool;
    WEFT__ASSERT(w->pool == pool);
    int mine = claim(f);
    if (!mine) /* cancelled, or run by its waiter: find_work counted no run */
        weft__counter_add(&w->injected_run, (uint64_t)-1);
    /* After the count is right: stats that see the job gone from the queue
     * (their sum of the left counts first) see it (stats.c). */
    queue_left(w, pool);
    if (mine)
        exec(w, f);
    queue_run_done(w, f, pool);
    future_unref(f);
}

/* The monotonic time timeout_ns from now; UINT64_MAX: no limit. */
static uint64_t deadline_of(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return UINT64_MAX;
    uint64_t now = weft__now_ns();
    return (uint64_t)timeout_ns > UINT64_MAX - 1 - now
               ? UINT64_MAX - 1
               : now + (uint64_t)timeout_ns;
}

/* The time left until deadline, capped at cap (< 0: none); 0 when it has
 * passed, -1 when neither bounds it. */
static long time_left(uint64_t deadline, long cap)
{
    if (deadline == UINT64_MAX)
        return cap;
    uint64_t now = weft__now_ns();
    if (now >= deadline)
        return 0;
    uint64_t left = deadline - now;
    if (cap >= 0 && left > (uint64_t)cap)
        return cap;
    return left > (uint64_t)LONG_MAX ? LONG_MAX : (long)left;
}

/* ---- the bounded queue --------------------------------------------------- */

/* help_waited's filter for a submitter blocked on its own pool's full
 * queue: any queued job, since running one is what makes room, except one
 * reserved for another wait (external.c): only that wait may take it,
 * since help_waited clears the reservation on the waiting job after the
 * run, and that job, in another worker's frame, may be gone by then. */
static int any_job(const weft_task *t, const void *arg)
{
    (void)arg;
    return !(t->flags & WEFT__JOB_RESERVED);
}

/* 1 when fut_in - left is below the capacity, left a fresh sum of the
 * left counts (raising left_seen to it: a CAS, so that left_seen never
 * goes back, since room_take's retry after a 1 here trusts it). */
static int room_free(struct weft_pool *pool)
{
    uint64_t l, r;
    counts(pool, &l, &r);
    uint64_t seen = weft__atomic_load_relaxed(&pool->left_seen);
    while (l > seen && !weft__atomic_cas_acqrel(&pool->left_seen, &seen, l))
        ;
    uint64_t in = weft__atomic_load_seqcst(&pool->fut_in);
    return (int64_t)(in - l) < (int64_t)pool->capacity;
}

/* Takes a place in the queue if there is room: fut_in + 1 while
 * fut_in - left_seen is below the capacity, summing the left counts again
 * before saying no.  1: taken. */
static int room_take(struct weft_pool *pool)
{
    uint64_t in = weft__atomic_load_relaxed(&pool->fut_in);
    int fresh = 0;
    for (;;) {
        uint64_t seen = weft__atomic_load_relaxed(&pool->left_seen);
        /* (signed: a sum read after in may exceed it) */
        if ((int64_t)(in - seen) >= (int64_t)pool->capacity) {
            if (fresh || !room_free(pool))
                return 0;
            fresh = 1;
            in = weft__atomic_load_relaxed(&pool->fut_in);
            continue;
        }
        if (weft__atomic_cas_seqcst(&pool->fut_in, &in, in + 1))
            return 1;
    }
}

/* Takes a place in pool's queue, waiting for one up to the submit timeout
 * (WEFT_ON_FULL_BLOCK).  Returns 0, WEFT_ETIMEDOUT or WEFT_ESHUTDOWN.  A
 * worker of pool runs queued jobs of pool meanwhile (each one run makes
 * room), so that jobs submitting to their own full queue cannot all block
 * with nobody left to drain it; a worker of another pool helps its own as
 * every blocked wait does (starvation). */
static int wait_room(struct weft_pool *pool)
{
    weft_worker *self = weft_self();
    if (self) {
        /* Blocked: the pool (its own, maybe this one) keeps its
         * parallelism with a spare, which also drains this queue. */
        weft__deque_publish_all(self);
        weft__sleep_block(self);
    }
    uint64_t deadline = deadline_of(pool->cfg.submit_timeout_ns);
    uint64_t seen = ~(uint64_t)0;
    int rc;
    for (;;) {
        /* Shut first: room that a shutdown's cancellations free is not
         * for new work. */
        if (weft__atomic_load_seqcst(&pool->shut) ||
            weft__atomic_load_seqcst(&pool->stopping)) {
            rc = WEFT_ESHUTDOWN;
            break;
        }
        uint32_t seq = weft__atomic_load_seqcst(&pool->room_seq);
        if (room_take(pool)) {
            rc = 0;
            break;
        }
        long left = time_left(deadline, -1);
        if (left == 0) {
            rc = WEFT_ETIMEDOUT;
            break;
        }
        if (self && weft__help_waited(self, self->pool == pool ? any_job : NULL,
                                      NULL, &seen))
            continue;
        weft__atomic_fetch_add_seqcst(&pool->room_waiters, 1u);
        /* Pairs with queue_left: a taker that did not see us counted
         * before our read of the counts (room_free), and one that counted
         * after our read of room_seq bumps it, so the wait returns.
         * (POLL_NS at most: a worker must look at its pool's queue and
         * starvation again.) */
        if (!room_free(pool) && !weft__atomic_load_seqcst(&pool->shut))
            weft__futex_wait(&pool->room_seq, seq,
                             left < 0 || left > POLL_NS ? POLL_NS : left);
        weft__atomic_fetch_sub_seqcst(&pool->room_waiters, 1u);
    }
    if (self)
        weft__sleep_unblock(self);
    return rc;
}

/* Room for one more queued job: 0 (taken), 1 (full: the caller runs the
 * job), or WEFT_EBUSY, WEFT_ETIMEDOUT, WEFT_ESHUTDOWN. */
static int take_room(struct weft_pool *pool)
{
    if (room_take(pool))
        return 0;
    weft__atomic_fetch_add_relaxed(&pool->queue_full, 1u);
    switch (pool->cfg.on_full) {
    case WEFT_ON_FULL_REJECT:
        return WEFT_EBUSY;
    case WEFT_ON_FULL_CALLER_RUNS:
        return 1;
    default:
        return wait_room(pool);
    }
}

int weft_submit(weft_pool *pool, weft_job_fn fn, void *arg, weft_future **out)
{
    if (!pool || !fn || !out)
        return WEFT_EINVAL;
    struct weft_future *f = weft__alloc_small(FUT_BYTES);
    if (!f)
        return WEFT_ENOMEM;
    f->task.fn = NULL;
    f->task.arg = f;
    f->task.next = NULL;
    f->task.done = 0;
    f->task.flags = WEFT__JOB_FUTURE;
    f->fn = fn;
    f->arg = arg;
    f->pool = pool;
    f->waiter = NULL;
    f->state = FUT_QUEUED;
    f->refs = 2; /* the handle, the queue */
    f->woken = 0;
    f->handoff = 0;
    f->result = 0;
    /* This call's run, while it touches the pool (the job may end before
     * weft__inject returns); the queued job's queue reference is its place
     * in the queue (fut_in, taken under this run, so a destroy that saw
     * the run end sees the place).  Pairs with the exchanges of stopping
     * and shut (as in weft_pool_run). */
    weft__atomic_fetch_add_seqcst(&pool->runs, 1u);
    int rc = WEFT_ESHUTDOWN;
    if (!weft__atomic_load_seqcst(&pool->stopping) &&
        !weft__atomic_load_seqcst(&pool->shut))
        rc = take_room(pool);
    if (rc < 0) {
        weft__run_release(pool);
        weft__free_small(f, FUT_BYTES);
        return rc;
    }
    weft__atomic_fetch_add_relaxed(&pool->submitted, 1u);
    if (rc == 1) { /* caller runs: never queued */
        f->refs = 1;
        f->state = FUT_RUNNING;
        exec(weft_self(), f);
    } else {
        /* The caller goes on running: wake a worker on another CPU. */
        weft__inject(pool, &f->task, 0);
    }
    weft__run_release(pool);
    *out = f;
    return 0;
}

/* ---- futures ------------------------------------------------------------- */

static void exec_entry(void *p) { exec(weft_self(), p); }

/* The waiter from outside has claimed f (FUT_GUEST) to run it: as a guest
 * of f's pool, or, with every guest slot taken, through weft_pool_run (a
 * worker runs it; on the caller if the pool refuses new runs).  The pool
 * is alive: its queue reference is held until queue_run_done. */
static void run_claimed(struct weft_future *f)
{
    struct weft_pool *pool = f->pool;
    weft_worker *g = weft__guest_enter(pool);
    if (g) {
        weft__counter_add(&g->injected_run, 1);
        exec(g, f);
        weft__guest_leave(g);
    } else if (weft_pool_run(pool, exec_entry, f) != 0) {
        /* (the pool refuses runs: shut or stopping) */
        weft__atomic_fetch_add_relaxed(&pool->run_outside, 1u);
        exec(NULL, f);
    }
    queue_run_done(NULL, f, pool);
}

/* A thread outside any pool waits for f until deadline.  With no limit, a
 * job still queued is claimed and run by the waiter itself (as oneTBB's
 * and OpenMP's waits do), rather than waiting for a worker's wake-up and
 * then its own: a timed wait does not, since the job could outlast its
 * limit. */
static int wait_thread(struct weft_future *f, uint64_t deadline)
{
    if (deadline == UINT64_MAX && claim_as(f, FUT_GUEST)) {
        run_claimed(f);
        return 0;
    }
    for (unsigned round = 0; !finished(f); round++) {
        if (round < WEFT__WAIT_SPINS) {
            weft__cpu_relax();
            continue;
        }
        if (round < WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS) {
            weft__yield();
            continue;
        }
        long left = time_left(deadline, -1);
        if (left == 0)
            return WEFT_ETIMEDOUT;
        uint32_t s = weft__atomic_load_relaxed(&f->state);
        if (FUT_STATE(s) >= FUT_DONE)
            break;
        if (!(s & FUT_SLEEPERS) &&
            !weft__atomic_cas_seqcst(&f->state, &s, s | FUT_SLEEPERS))
            continue; /* it changed: look again */
        weft__futex_wait(&f->state, s | FUT_SLEEPERS, left);
    }
    return 0;
}

/* One sleep of the blocked worker w on f, at most left ns (< 0: until
 * woken): on its wait word when registered (the completer and starvation
 * wake it), else on f's state, POLL_NS at most. */
static void wait_sleep(weft_worker *w, struct weft_future *f, int registered,
                       long left)
{
    if (!registered) {
        uint32_t s = weft__atomic_load_relaxed(&f->state);
        if (FUT_STATE(s) < FUT_DONE &&
            ((s & FUT_SLEEPERS) ||
             weft__atomic_cas_seqcst(&f->state, &s, s | FUT_SLEEPERS)))
            weft__futex_wait(&f->state, s | FUT_SLEEPERS,
                             left < 0 || left > POLL_NS ? POLL_NS : left);
        return;
    }
    weft__atomic_store_seqcst(&w->wait_word, 1u);
    /* Pairs with the fence in weft__wait_wake (the completer's, or
     * starvation's): either it sees the word set, or we see its work. */
    weft__atomic_fence_seqcst();
    if (!finished(f) && !weft__atomic_load_relaxed(&w->pool->starved))
        while (weft__atomic_load_acquire(&w->wait_word) == 1u) {
            weft__futex_wait(&w->wait_word, 1u, left);
            if (left >= 0)
                break; /* the caller looks at the time */
        }
    weft__atomic_store_relaxed(&w->wait_word, 0u);
}

/* A worker waits for f until deadline (module comment). */
static int wait_worker(weft_worker *w, struct weft_future *f, uint64_t deadline)
{
    if (deadline == UINT64_MAX && f->pool == w->pool && claim(f)) {
        weft__counter_add(&w->injected_run, 1);
        exec(w, f);
        return 0;
    }
    weft__deque_publish_all(w);
    weft__sleep_block(w);
    weft_worker *none = NULL;
    int registered = weft__atomic_cas_seqcst(&f->waiter, &none, w);
    uint64_t seen = ~(uint64_t)0;
    unsigned round = 0;
    int rc = 0;
    while (!finished(f)) {
        if (weft__help_waited(w, NULL, NULL, &seen)) { /* starved only */
            round = 0;
            continue;
        }
        long left = time_left(deadline, -1);
        if (left == 0) {
            rc = WEFT_ETIMEDOUT;
            break;
        }
        if (round < WEFT__WAIT_SPINS)
            weft__cpu_relax();
        else if (round < WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS)
            weft__yield();
        else
            wait_sleep(w, f, registered, left);
        round++;
    }
    /* Leave: if the completer took this worker from f->waiter, wait until
     * it has woken it (acquire pairs with the release in complete). */
    if (registered &&
        weft__atomic_exchange_seqcst(&f->waiter, NULL) == WAITER_GONE)
        while (!weft__atomic_load_acquire(&f->woken))
            weft__yield();
    weft__sleep_unblock(w);
    return rc;
}

int weft_future_wait(weft_future *f, int64_t timeout_ns)
{
    if (!f)
        return WEFT_EINVAL;
    if (finished(f))
        return 0;
    if (timeout_ns == 0)
        return WEFT_ETIMEDOUT;
    uint64_t deadline = deadline_of(timeout_ns);
    weft_worker *w = weft_self();
    return w ? wait_worker(w, f, deadline) : wait_thread(f, deadline);
}

int weft_future_result(const weft_future *f)
{
    if (!f)
        return WEFT_EINVAL;
    switch (FUT_STATE(weft__atomic_load_acquire(&f->state))) {
    case FUT_DONE:
        return f->result;
    case FUT_CANCELED:
        return WEFT_ECANCELED;
    default:
        return WEFT_EBUSY;
    }
}

int weft_future_cancel(weft_future *f)
{
    if (!f)
        return WEFT_EINVAL;
    /* Claimed as a guest claims it: the handle is still linked in the
     * queue, whose reference keeps the pool alive, and the thread that
     * unlinks it skips it; of that thread and this one the second gives
     * the reference back (queue_run_done), so the pool outlives
     * complete()'s reads of it even when a shutdown and a destroy follow
     * the skip at once. */
    if (!claim_as(f, FUT_GUEST))
        return WEFT_EBUSY;
    struct weft_pool *pool = f->pool;
    complete(f, WEFT_ECANCELED, FUT_CANCELED);
    queue_run_done(NULL, f, pool);
    return 0;
}

void weft_future_release(weft_future *f)
{
    if (f)
        future_unref(f);
}

/* ---- shutdown ------------------------------------------------------------ */

static int is_future(const weft_task *t, const void *unused)
{
    (void)unused;
    return (t->flags & WEFT__JOB_FUTURE) != 0;
}

/* Cancels every future still queued on pool; returns how many it
 * cancelled (those claimed before, run by a waiter or cancelled, are
 * only unlinked). */
static unsigned cancel_queued(struct weft_pool *pool)
{
    unsigned n = 0;
    weft_task *t = weft__inject_take_all(pool, is_future, NULL);
    while (t) {
        weft_task *next = t->next;
        struct weft_future *f = (struct weft_future *)t;
        queue_left(NULL, pool);
        if (claim(f)) {
            complete(f, WEFT_ECANCELED, FUT_CANCELED);
            n++;
        }
        queue_run_done(NULL, f, pool);
        future_unref(f);
        t = next;
    }
    return n;
}

int weft_pool_shutdown(weft_pool *pool, int64_t timeout_ns)
{
    if (!pool)
        return WEFT_EINVAL;
    if (weft__waits_for_self(pool))
        return WEFT_EDEADLK;
    weft_worker *self = weft_self();
    /* Counted in shutters, this call keeps a destroy from freeing the pool
     * under it (the destroy waits for no shutter left, after the runs);
     * not a run, so that shutdowns in flight at once all wait for the
     * same thing: no run left. */
    weft__atomic_fetch_add_seqcst(&pool->shutters, 1u);
    if (weft__atomic_load_seqcst(&pool->stopping)) {
        weft__shutter_leave(pool);
        return WEFT_ESHUTDOWN;
    }
    /* Pairs with the seq_cst increment of runs in weft_submit and
     * weft_pool_run: either they see shut, or we see their run. */
    weft__atomic_exchange_seqcst(&pool->shut, 1u);
    weft__atomic_store_seqcst(&pool->draining, 1u);
    room_wake(pool); /* blocked submitters */
    uint64_t deadline = deadline_of(timeout_ns);
    int drained;
    if (self) {
        /* A worker of another pool waits as destroy's drain does: blocked
         * (its pool keeps its cores with a spare), running the jobs of its
         * pool that descend from this pool's runs, which they may wait
         * for, past max_spares too. */
        drained = weft__wait_drain(self, pool, deadline);
    } else {
        long left;
        /* The release of the last run wakes us (weft__run_release), and so
         * does a worker's release of a queue reference now that shut is
         * set (queue_run_done: a relaxed look, hence POLL_NS at most). */
        for (;;) {
            uint32_t r = weft__atomic_load_seqcst(&pool->runs);
            if ((drained = weft__pool_drained(pool)) != 0 ||
                (left = time_left(deadline, POLL_NS)) == 0)
                break;
            weft__futex_wait(&pool->runs, r, left);
        }
    }
    int rc = 0;
    if (!drained && (cancel_queued(pool) != 0 || !weft__pool_drained(pool)))
        rc = WEFT_ETIMEDOUT;
    weft__shutter_leave(pool);
    return rc;
}

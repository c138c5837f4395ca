/*
 * scope.c - scopes: a dynamic set of jobs, spawned from any thread and
 * waited for together, with cancellation and an error channel.
 *
 * Storage.  A job is a small record on the heap (struct weft__sjob,
 * alloc.c), queued on its scope's own list (LIFO, under the scope's lock),
 * so a wait finds its own jobs without looking at anyone else's.  A scope
 * whose list is not empty is also on its pool's list of scopes
 * (pool->scopes, under pool->scope_lock, counted in pool->nscopes), where
 * idle workers find it (worker.c's find_work, after the injection queue):
 * they take one job at a time.  A scope enters the pool's list when a
 * spawn finds its list empty (and wakes a parked worker then, as a publish
 * does), and leaves it when its last queued job is taken.
 *
 * The wait.  A worker of the scope's pool runs the scope's queued jobs
 * (and, through their joins, what they spawn), never other work; with
 * none queued and jobs still running elsewhere it spins, yields, then
 * sleeps on the pending word.  Any other thread sleeps there at once.  So
 * scopes nest in loops, in jobs and in spawn/join with one worker, and a
 * wait's stack holds only the scope's own jobs.
 *
 * The pending word counts the jobs spawned and not finished, plus one for
 * each spawn in progress by a thread other than the owner (so that the
 * scope outlives the spawn's last access to it), plus the owner's credit
 * (jobs counted ahead, CREDIT at a time, and given back when it waits), and
 * carries SLEEPING while the waiter sleeps on it.  It lies a cache line
 * away from the queue's fields, and a thread that ran a batch of jobs
 * counts them with one decrement, so that the spawner and the takers do
 * not trade one line per job.  Every decrement clears SLEEPING and wakes
 * the address if it was set;
 * after its decrement a completer touches nothing of the scope (the wake
 * uses only the address, as weft__done_set does).  The waiter sets
 * SLEEPING with a CAS and rechecks the list after it: a spawn queues its
 * job before its decrement, so either the waiter's recheck sees the job
 * or the spawn's decrement sees SLEEPING (RMWs on one word are totally
 * ordered).  An idle worker that found the scope on the pool's list
 * counts itself in visitors until it is done with the scope's lock; the
 * wait ends only when visitors is 0 too.
 *
 * Cancellation.  A scope is a node of the lineage (struct weft__job,
 * WEFT__JOB_NODE), the ctx of the worker while it runs one of its jobs;
 * weft_cancelled() asks whether that node or an ancestor is cancelled, so
 * a cancel reaches the loops and scopes started inside the jobs (and their
 * spawned tasks, whose slots carry the lineage), never the scope's owner.
 * A scope with no pool runs each job on its spawner with the same lineage
 * (w->ctx, or weft__outside_ctx on a thread outside any pool), not the
 * spawner's own.
 * A job's nonzero return or weft_scope_cancel records the first value
 * (err) and cancels the node; a job taken from a cancelled scope is
 * dropped unrun.
 */
#include <stddef.h>
#include <string.h>

#include "atomic.h"
#include "internal.h"

/* The waiter sleeps on the pending word (its high bit). */
#define SLEEPING  0x80000000u
#define COUNT(v)  ((v) & ~SLEEPING)
#define SPINS     WEFT__WAIT_SPINS
#define SPINS_ALL (WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS)
/* The most queued jobs a thread takes at once (queue_take). */
#define BATCH 16u
/* The owner's spawns count their jobs in pending this many at a time
 * (credit): one RMW on the completers' line per CREDIT spawns. */
#define CREDIT 64u

struct weft__sjob {
    struct weft__sjob *next;
    struct weft__scope *s;
    weft_job_fn fn;
    void *arg;
};

struct weft__scope {
    struct weft__job node; /* the jobs' ctx: lineage and cancellation */
    /* The queue: the spawners' and the takers' (lock). */
    uint32_t lock;           /* a spin lock (lock_take) */
    uint32_t queued;         /* jobs on head's list (lock) */
    struct weft__sjob *head; /* queued jobs, newest first (lock) */
    uint32_t listed;         /* on pool->scopes (lock and scope_lock) */
    /* The owner's, read-mostly for the others. */
    uint32_t credit;        /* pending counted ahead for the owner's spawns */
    uint32_t waiting;       /* the owner is in weft_scope_wait (owner only) */
    uint32_t held;          /* holds a run on pool (initialised outside it) */
    struct weft_pool *pool; /* where the jobs run; NULL: the spawner */
    const void *owner;      /* the thread that initialised it */
    struct weft__scope *next, *prev; /* pool->scopes (scope_lock) */
    unsigned char pad_[24];          /* (the assertion on pending's offset) */
    /* The completers', a cache line away from the queue's fields. */
    uint32_t pending;  /* jobs not finished + credit + spawns | SLEEPING */
    uint32_t visitors; /* idle workers that may still take lock */
    int err;           /* the first nonzero job value, or ECANCELED */
};

/* Its address names the calling thread (weft__outside is shared by every
 * thread outside a pool, so weft_self() cannot). */
static __thread char thread_tag __attribute__((tls_model("initial-exec")));

_Static_assert(sizeof(struct weft__scope) <= WEFT__SCOPE_BYTES,
               "weft_scope must hold the scope (WEFT__SCOPE_BYTES)");
_Static_assert(_Alignof(struct weft__scope) <= _Alignof(weft_scope),
               "weft_scope must be aligned for the scope");
/* A weft_scope is only pointer-aligned, so the completers' counters are
 * kept a whole cache line past the last field of the queue: each job's
 * decrement would otherwise take the line of the lock from the spawner. */
_Static_assert(offsetof(struct weft__scope, pending) >=
                   offsetof(struct weft__scope, listed) + sizeof(uint32_t) +
                       WEFT_CACHE_LINE,
               "the scope's pending word must not share the queue's line");

/* The scope's lock: a spin lock, since every critical section is a few
 * pointer moves (a pthread mutex costs a second locked instruction per
 * unlock, per job); it yields while the holder may be descheduled. */
static void lock_take(uint32_t *l)
{
    unsigned round = 0;
    /* Acquire pairs with the release in lock_give. */
    while (weft__atomic_exchange_acqrel(l, 1u) != 0u)
        while (weft__atomic_load_relaxed(l) != 0u)
            ++round < SPINS ? weft__cpu_relax() : weft__yield();
}

static void lock_give(uint32_t *l) { weft__atomic_store_release(l, 0u); }

static struct weft__scope *scope_of(weft_scope *s)
{
    return (struct weft__scope *)(void *)s;
}

/* Records err as the scope's value if it is the first, and cancels it. */
static void scope_fail(struct weft__scope *s, int err)
{
    int none = 0;
    weft__atomic_cas_acqrel(&s->err, &none, err);
    weft__atomic_store_relaxed(&s->node.cancelled, 1u);
}

/* pending - n; wakes the waiter if it sleeps.  The caller's last access
 * to s (top of file).  Release: the jobs' effects are seen by the waiter
 * that reads the count 0 (acquire). */
static void pending_sub(struct weft__scope *s, uint32_t n)
{
    uint32_t *p = &s->pending;
    uint32_t v = weft__atomic_load_relaxed(p);
    while (!weft__atomic_cas_acqrel(p, &v, (v - n) & ~SLEEPING))
        ;
    if (v & SLEEPING)
        weft__futex_wake(p, 1);
}

/* ---- the pool's list of scopes with queued jobs ------------------------- */

/* Puts s on its pool's list; s->lock held. */
static void list_add(struct weft__scope *s)
{
    struct weft_pool *pool = s->pool;
    pthread_mutex_lock(&pool->scope_lock);
    s->prev = NULL;
    s->next = pool->scopes;
    if (s->next)
        s->next->prev = s;
    pool->scopes = s;
    s->listed = 1;
    weft__atomic_store_relaxed(&pool->nscopes, pool->nscopes + 1);
    pthread_mutex_unlock(&pool->scope_lock);
}

/* Takes s off its pool's list; s->lock held. */
static void list_remove(struct weft__scope *s)
{
    struct weft_pool *pool = s->pool;
    pthread_mutex_lock(&pool->scope_lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        pool->scopes = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->listed = 0;
    weft__atomic_store_relaxed(&pool->nscopes, pool->nscopes - 1);
    pthread_mutex_unlock(&pool->scope_lock);
}

/* Takes the newest queued jobs of s: this thread's share of the queue
 * (1/nworkers of it, rounded up), at most a batch, so that the other
 * workers get theirs while a lock round trip is not paid per trivial job;
 * linked through next; NULL if none.  s->lock held. */
static struct weft__sjob *queue_take(struct weft__scope *s)
{
    struct weft__sjob *j = s->head, *last = j;
    if (!j)
        return NULL;
    uint32_t want = (s->queued + s->pool->nworkers - 1) / s->pool->nworkers;
    want = want < 1u ? 1u : want > BATCH ? BATCH : want;
    uint32_t n = 1;
    for (; n < want && last->next; n++)
        last = last->next;
    /* (atomic: the waiter peeks at head without the lock) */
    weft__atomic_store_relaxed(&s->head, last->next);
    last->next = NULL;
    s->queued -= n;
    if (!s->head)
        list_remove(s);
    return j;
}

struct weft__sjob *weft__scope_take_any(struct weft_pool *pool)
{
    pthread_mutex_lock(&pool->scope_lock);
    struct weft__scope *s = pool->scopes;
    if (s)
        weft__atomic_fetch_add_relaxed(&s->visitors, 1u);
    pthread_mutex_unlock(&pool->scope_lock);
    if (!s)
        return NULL;
    lock_take(&s->lock);
    struct weft__sjob *j = queue_take(s);
    lock_give(&s->lock);
    /* The last access to s unless j is its job (then pending keeps it).
     * Release pairs with the waiter's acquire load of visitors. */
    weft__atomic_fetch_sub_release(&s->visitors, 1u);
    return j;
}

/* ---- running a job ------------------------------------------------------ */

/* Runs job j (w: the worker that runs it, or NULL: a thread outside any
 * pool) unless its scope is cancelled, and frees it; the caller counts it
 * finished.  The job runs with its scope as its lineage, on a worker of
 * any pool (a scope with no pool runs jobs on their spawner) as outside
 * one. */
static void job_run(weft_worker *w, struct weft__sjob *j)
{
    struct weft__scope *s = j->s;
    weft_job_fn fn = j->fn;
    void *arg = j->arg;
    weft__free_small(j, sizeof *j);
    if (weft__ctx_cancelled(&s->node))
        return;
    int r;
    if (w) {
        struct weft__mark m = weft__mark_of(w);
        struct weft__job *outer = w->ctx;
        w->ctx = &s->node;
        r = fn(arg);
        w->ctx = outer;
        weft__check_joined(w, m);
    } else {
        struct weft__job *outer = weft__outside_ctx;
        weft__outside_ctx = &s->node;
        r = fn(arg);
        weft__outside_ctx = outer;
    }
    if (r)
        scope_fail(s, r);
}

/* Runs a batch of queue_take (jobs of one scope), then counts them
 * finished with one decrement. */
void weft__scope_run_job(weft_worker *w, struct weft__sjob *j)
{
    struct weft__scope *s = j->s;
    uint32_t n = 0;
    while (j) {
        struct weft__sjob *next = j->next;
        job_run(w, j);
        n++;
        j = next;
    }
    pending_sub(s, n);
}

/* ---- the API ------------------------------------------------------------ */

void weft_scope_init(weft_scope *scope)
{
    if (!scope)
        return;
    struct weft__scope *s = scope_of(scope);
    memset(s, 0, sizeof *s);
    s->node.task.flags = WEFT__JOB_NODE;
    s->owner = &thread_tag;
    weft_worker *w = weft_self();
    if (w) {
        s->pool = w->pool;
        s->node.parent = w->ctx;
    } else {
        /* Outside any pool: the default pool, held until the wait ends
         * (NULL when there is none: jobs run on their spawner).  Inside
         * a job of a scope with no pool, that job's lineage. */
        s->node.parent = weft__outside_ctx;
        s->pool = weft__default_pool_hold(1);
        s->held = s->pool != NULL;
    }
}

int weft_scope_spawn(weft_scope *scope, weft_job_fn fn, void *arg)
{
    if (!scope || !fn)
        return WEFT_EINVAL;
    struct weft__scope *s = scope_of(scope);
    if (weft__ctx_cancelled(&s->node))
        return WEFT_ECANCELED;
    struct weft__sjob *j = weft__alloc_small(sizeof *j);
    if (!j)
        return WEFT_ENOMEM;
    j->s = s;
    j->fn = fn;
    j->arg = arg;
    /* The owner's thread, which alone waits for s, needs nothing to keep
     * s alive while it spawns, nor to wake itself: it counts the job
     * only, from credit counted ahead (given back by the wait) except
     * while it waits.  Another thread counts this spawn too, until its
     * last access to s (pending_sub wakes a sleeping waiter). */
    int owner = s->owner == &thread_tag;
    if (!owner)
        weft__atomic_fetch_add_relaxed(&s->pending, 2u);
    else if (s->waiting)
        weft__atomic_fetch_add_relaxed(&s->pending, 1u);
    else if (s->credit-- == 0) {
        weft__atomic_fetch_add_relaxed(&s->pending, CREDIT);
        s->credit = CREDIT - 1;
    }
    if (!s->pool) { /* on the spawner, whatever thread it is */
        job_run(weft_self(), j);
        pending_sub(s, owner ? 1u : 2u);
        return 0;
    }
    struct weft_pool *pool = s->pool;
    lock_take(&s->lock);
    j->next = s->head;
    weft__atomic_store_relaxed(&s->head, j);
    s->queued++;
    int first = !s->listed;
    if (first)
        list_add(s);
    lock_give(&s->lock);
    if (first) /* new work for idle workers, as a publish is */
        weft__sleep_notify(pool, 0);
    if (!owner)
        pending_sub(s, 1u);
    return 0;
}

/* One step of a waiter with nothing to run (round: steps since it last
 * ran a job; *since: weft__warm_step's): spin, yield, then sleep on the
 * pending word while no job is queued.  may_run: the waiter is a worker of
 * the scope's pool and runs queued jobs (rechecks the list); it yields for
 * WEFT__WARM_NS, as a join does, where another thread yields a few times. */
static void wait_step(struct weft__scope *s, unsigned round, uint64_t *since,
                      int may_run)
{
    if (may_run) {
        if (weft__warm_step(round, since))
            return;
    } else if (round < SPINS) {
        weft__cpu_relax();
        return;
    } else if (round < SPINS_ALL) {
        weft__yield();
        return;
    }
    uint32_t v = weft__atomic_load_relaxed(&s->pending);
    if (COUNT(v) == 0)
        return;
    if (!(v & SLEEPING) &&
        !weft__atomic_cas_seqcst(&s->pending, &v, v | SLEEPING))
        return;
    /* Pairs with the decrement of a spawn, which follows its queueing:
     * either this load sees the job, or that decrement sees SLEEPING. */
    if (may_run && weft__atomic_load_relaxed(&s->head)) {
        return; /* (the bit stays set: a spurious wake at worst) */
    }
    weft__futex_wait(&s->pending, v | SLEEPING, -1);
}

int weft_scope_wait(weft_scope *scope)
{
    if (!scope)
        return WEFT_EINVAL;
    struct weft__scope *s = scope_of(scope);
    weft_worker *w = weft_self();
    int helps = w && w->pool == s->pool;
    if (helps)
        weft__deque_publish_all(w); /* the caller's pending tasks */
    /* The owner's credit back (no one sleeps on it: the owner waits). */
    s->waiting = 1;
    if (s->credit)
        weft__atomic_fetch_sub_release(&s->pending, s->credit);
    s->credit = 0;
    unsigned round = 0;
    uint64_t since = 0;
    for (;;) {
        /* Acquire pairs with the release of the last decrement. */
        uint32_t v = weft__atomic_load_acquire(&s->pending);
        if (COUNT(v) == 0)
            break;
        struct weft__sjob *j = NULL;
        if (helps && weft__atomic_load_relaxed(&s->head)) {
            lock_take(&s->lock);
            j = queue_take(s);
            lock_give(&s->lock);
        }
        if (j) {
            weft__scope_run_job(w, j);
            round = 0;
            since = 0;
            continue;
        }
        wait_step(s, round++, &since, helps);
    }
    /* Acquire pairs with the visitors' release: their last access. */
    while (weft__atomic_load_acquire(&s->visitors) != 0)
        weft__yield();
    int err = weft__atomic_load_relaxed(&s->err);
    if (!err && weft__ctx_cancelled(s->node.parent))
        err = WEFT_ECANCELED;
    if (s->held)
        weft__run_release(s->pool);
    s->held = 0;
    return err;
}

void weft_scope_cancel(weft_scope *scope)
{
    if (scope)
        scope_fail(scope_of(scope), WEFT_ECANCELED);
}

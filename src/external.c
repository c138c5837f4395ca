/*
 * external.c - entry into a pool from outside it: the injection queue,
 * weft_pool_run, spawn and join on threads outside any pool (through the
 * default pool), the waits of a worker on another pool's job or drain, and
 * the process's default pool with its fork() handlers.
 *
 * The injection queue is an intrusive FIFO of weft_task, linked through
 * weft_task.next under the pool's inject_lock; inject_count is a relaxed
 * hint that lets idle workers skip the lock while it is empty.  A task in
 * the queue lives in its submitter's frame (weft_pool_run's job, or the
 * handle of a spawn from outside), so nothing is allocated per submission
 * and the queue cannot outgrow its submitters.
 *
 * Runs.  A thread holds a run on a pool (pool->runs, pool.c) whenever it
 * may still touch the pool: weft_pool_run for its whole call, a spawn from
 * outside until the worker that completes the task gives it back.
 *
 * Waits from a worker of another pool.  A worker that waits on a job of
 * another pool (weft_pool_run) or for another pool to drain
 * (weft_pool_destroy) does not block its own pool: it publishes its
 * private tasks, counts itself as searching, and runs its own pool's work
 * while it waits, its own published tasks first (a task stolen while its
 * own are public would spawn above them, and a joiner leapfrogging from
 * this worker would take them, unrelated to what it joins).
 */
#include "atomic.h"
#include "internal.h"

/* A worker that destroys another pool checks its own pool for work at
 * least this often while that pool drains (weft__wait_drain). */
#define DRAIN_POLL_NS 100000L

weft_task *weft__inject_pop(struct weft_pool *pool)
{
    if (!weft__atomic_load_relaxed(&pool->inject_count))
        return NULL;
    pthread_mutex_lock(&pool->inject_lock);
    weft_task *t = pool->inject_head;
    if (t) {
        pool->inject_head = t->next;
        if (!pool->inject_head)
            pool->inject_tail = NULL;
        weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count - 1);
    }
    pthread_mutex_unlock(&pool->inject_lock);
    return t;
}

void weft__inject(struct weft_pool *pool, weft_task *t, int local)
{
    t->next = NULL;
    pthread_mutex_lock(&pool->inject_lock);
    if (pool->inject_tail)
        pool->inject_tail->next = t;
    else
        pool->inject_head = t;
    pool->inject_tail = t;
    weft__atomic_store_relaxed(&pool->inject_count, pool->inject_count + 1);
    weft__atomic_store_relaxed(&pool->injected, pool->injected + 1);
    pthread_mutex_unlock(&pool->inject_lock);
    weft__sleep_notify(pool, local);
}

void weft__run_injected(weft_worker *w, weft_task *t)
{
    struct weft__mark m = weft__mark_of(w);
    t->fn(t->arg);
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
        weft__sleep_wake_worker(waiter);
        weft__run_release(waiter->pool);
    }
    if (release)
        weft__run_release(w->pool);
}

/* One step of a worker that waits outside its pool's main loop (on another
 * pool's job, or for another pool to drain), counted as searching: runs
 * one task of its own pool if it finds one and returns 1, else 0. */
static int help_own_pool(weft_worker *w)
{
    if (weft__atomic_load_relaxed(&w->own.movesplit))
        weft__deque_publish_all(w);
    /* Its own published tasks first, oldest first, through the thieves'
     * end (its joins will find them done; without this a 1-worker pool
     * would spin while it waits); only then other work (top of file). */
    struct weft__found t = {weft__deque_steal(w, w), NULL};
    if (!t.slot)
        t = weft__find_work(w);
    if (!t.slot && !t.job)
        return 0;
    weft__sleep_found_work(w, weft__deque_all_taken(w));
    weft__run_found(w, t);
    weft__sleep_resume_search(w->pool);
    return 1;
}

/* w waits for job, submitted to another pool, running its own pool's tasks
 * meanwhile and parking when there are none. */
static void wait_foreign(weft_worker *w, weft_task *job)
{
    struct weft_pool *pool = w->pool;
    /* Let this pool's thieves have the tasks we spawned before waiting,
     * and search for this pool's work like an idle worker meanwhile. */
    weft__deque_publish_all(w);
    weft__sleep_resume_search(pool);
    uint64_t idle_since = 0;
    while (!weft__done_is_set(&job->done)) {
        if (help_own_pool(w)) {
            idle_since = 0;
            continue;
        }
        uint64_t now = weft__now_ns();
        if (idle_since == 0) {
            idle_since = now;
        } else if (now - idle_since > WEFT__SEARCH_NS) {
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
    /* As wait_foreign, but nothing wakes a parked worker when the runs
     * drain: instead of parking, sleep on the runs word (the last release
     * wakes it) at most DRAIN_POLL_NS at a time, so that this pool's work,
     * which a searching worker would take, waits no longer than that.
     * Destroy is rare; this is not a hot path. */
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
    if (weft__atomic_load_seqcst(&pool->stopping)) {
        weft__run_release(pool);
        return WEFT_ESHUTDOWN;
    }
    struct weft__job job = {.task = {.fn = fn, .arg = arg}, .waiter = self};
    if (self)
        job.task.flags = WEFT__JOB_WAITER;
    /* A thread outside any pool now blocks until the job is done: wake the
     * worker on its own CPU if one is parked there.  A worker of another
     * pool goes on running its own pool's tasks: wake one elsewhere. */
    weft__inject(pool, &job.task, self == NULL);
    if (self) {
        struct weft__hold hold = {pool, self->holds};
        self->holds = &hold;
        wait_foreign(self, &job.task);
        self->holds = hold.up;
    } else {
        weft__wait_external(&job.task);
    }
    /* The caller holds the run until here: weft__inject still reads the
     * pool after a worker may have completed the job. */
    weft__run_release(pool);
    return 0;
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

/* The default pool, created if there is none; default_lock held. */
static weft_pool *default_pool_locked(void)
{
    weft_pool *p = default_pool;
    if (!p && weft_pool_create(&p, NULL) == 0)
        weft__atomic_store_release(&default_pool, p);
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
        if (weft__atomic_load_seqcst(&p->stopping)) {
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

/*
 * sleep.c - idle workers: searching, parking and waking.
 *
 * A worker with nothing to do searches (sweeps the injection queue and
 * other workers' deques) for a bounded time, then parks on a futex word of
 * its own.  pool->idle counts searching workers (low 16 bits) and parked
 * ones (high 16 bits); parked workers' indices sit on a stack under
 * sleep_lock.
 *
 * The rule that keeps wake-ups cheap (as in Go's scheduler): whoever makes
 * new work visible (a publish of deque slots, an external submission) wakes
 * a parked worker only when no worker is searching, because a searcher will
 * find the work.  A searcher that finds work and was the last searcher
 * makes sure another worker will come: it wakes one at once if more work
 * is visible, else it arms its first spawn to publish the child and wake
 * one then (so a trivial task wakes one worker, not two).  A woken worker
 * is counted as searching by its waker, before it runs.  A thread outside
 * the pool, which will block, wakes a parked worker bound to its own CPU
 * if there is one; a worker wakes one on another CPU.
 *
 * No lost wake-up (a Dekker pair):
 *    parker:   idle: searching-1, sleeping+1 (seq_cst RMW); fence;
 *              re-check every queue and the stop flag; futex-wait
 *    notifier: make work visible (release or seq_cst RMW); fence;
 *              read idle; wake one if searching == 0 and sleeping > 0
 * With the two seq_cst fences, either the notifier's read sees the parker
 * counted as sleeping (and, no one searching, wakes a parked worker), or
 * the parker's re-check sees the new work.  A waker pops a parked worker
 * and clears its word under sleep_lock, then calls futex-wake; the parked
 * worker waits while its word is 1, so a wake that comes before the wait
 * is not lost.
 *
 * The stop flag does not use the fences but sleep_lock: the parker pushes
 * itself on the parked stack under the lock before its re-check, and
 * shutdown (weft__sleep_wake_all) sets the flag before it takes the lock
 * to wake parked workers.  Either its locked section comes after
 * the push, and it finds and wakes the parker, or the parker's lock
 * acquisition follows its unlock, and the re-check sees the flag.
 *
 * Blocked threads and spares.  A worker waiting on another pool neither
 * searches nor parks here: it is blocked (pool->blocked; external.c).
 * Whoever makes work visible with no thread searching or parked, and a
 * worker that blocks with work visible, start a spare while fewer spares
 * are alive than threads are blocked (want_thread): the same Dekker pair
 * (blocked + 1, fence, look for work / make work visible, fence, read the
 * counts), so work is never left with every thread blocked.  A spare with
 * nothing to do retires the way a worker parks: spares - 1, searching - 1,
 * fence, look again (weft__sleep_retire); finding work, it stays only
 * while fewer spares are alive than threads blocked, as want_thread would
 * start one, and weft__spare_start re-checks that condition in its CAS
 * loop (two notifiers may both have seen room for one), so neither a
 * retire nor a start racing another start leaves more spares than blocked
 * threads.  tests/model/waits.pml checks it.  A blocking region (weft_blocking_begin/end, at the end of this
 * file) and a worker's wait for a future (future.c) count the worker
 * blocked in the same way.
 */
#include "atomic.h"
#include "internal.h"

/* Wakes one parked worker.  local: prefer one bound to the caller's CPU
 * (the caller is about to block, and waking a thread on another, idle CPU
 * costs an interprocessor wake-up, several times slower: docs/design.md);
 * else prefer one on another CPU (the caller keeps running). */
static void wake_one(struct weft_pool *pool, int local)
{
    int here = weft__current_cpu();
    pthread_mutex_lock(&pool->sleep_lock);
    unsigned n = pool->nsleepers;
    if (n == 0) {
        pthread_mutex_unlock(&pool->sleep_lock);
        return;
    }
    unsigned pick = n - 1; /* the most recently parked */
    for (unsigned i = n; i-- > 0;) {
        if ((pool->workers[pool->sleepers[i]]->cpu == here) == local) {
            pick = i;
            break;
        }
    }
    weft_worker *v = pool->workers[pool->sleepers[pick]];
    pool->sleepers[pick] = pool->sleepers[--pool->nsleepers];
    /* sleeping - 1, searching + 1: the woken worker searches at once. */
    weft__atomic_fetch_add_seqcst(&pool->idle, 1u - IDLE_ONE_SLEEPING);
    /* Release pairs with the acquire in weft__sleep_park. */
    weft__atomic_store_release(&v->sleep_word, 0);
    pthread_mutex_unlock(&pool->sleep_lock);
    weft__futex_wake(&v->sleep_word, 1);
}

static int work_visible(weft_worker *w);

/* s: pool->idle, read after a fence (or seq_cst after a seq_cst RMW): if
 * no worker is searching, wake a parked one, or, with none parked and
 * fewer spares alive than threads blocked in waits, start a spare. */
static void want_thread_at(struct weft_pool *pool, int local, uint32_t s)
{
    if (IDLE_SEARCHING(s) != 0)
        return;
    if (IDLE_SLEEPING(s) > 0) {
        wake_one(pool, local);
        return;
    }
    /* seq_cst: after weft__sleep_notify_rmw's RMW no fence orders these
     * loads (a plain load on x86 all the same); they pair with
     * weft__sleep_block's and weft__sleep_retire's RMW and fence. */
    if (weft__atomic_load_seqcst(&pool->spares) <
        weft__atomic_load_seqcst(&pool->blocked))
        weft__spare_start(pool);
}

static void want_thread(struct weft_pool *pool, int local)
{
    want_thread_at(pool, local, weft__atomic_load_relaxed(&pool->idle));
}

void weft__sleep_notify_rmw(struct weft_pool *pool, int local)
{
    /* The work was made visible by a seq_cst RMW: a seq_cst load of idle
     * then pairs with the parkers' fence as a fence and a relaxed load
     * would (the RMW, their fence and this load are in the one total
     * order of seq_cst operations and fences), without the fence. */
    want_thread_at(pool, local, weft__atomic_load_seqcst(&pool->idle));
}

void weft__sleep_notify(struct weft_pool *pool, int local)
{
    /* Pairs with the fence in weft__sleep_park and weft__sleep_block (the
     * Dekker pairs above). */
    weft__atomic_fence_seqcst();
    want_thread(pool, local);
}

void weft__sleep_block(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    weft__atomic_fetch_add_seqcst(&pool->blocked, 1u);
    /* Pairs with the fence in weft__sleep_notify: either its notifier
     * sees this thread blocked, or the check below sees its work (this
     * worker's own published tasks included). */
    weft__atomic_fence_seqcst();
    if (work_visible(w) || weft__deque_has_public(w))
        want_thread(pool, 0);
}

void weft__sleep_unblock(weft_worker *w)
{
    /* With no thread blocked any more, a starvation marked earlier is
     * over: no later wait may take it for its own (external.c). */
    if (weft__atomic_fetch_sub_seqcst(&w->pool->blocked, 1u) == 1u)
        weft__atomic_store_relaxed(&w->pool->starved, 0u);
}

int weft__sleep_retire(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    /* spares - 1, searching - 1; then, as a parker does, check for work
     * made visible meanwhile, whose notifier saw us searching. */
    weft__atomic_fetch_sub_seqcst(&pool->spares, 1u);
    uint32_t s = weft__atomic_fetch_sub_seqcst(&pool->idle, 1u);
    WEFT__ASSERT(IDLE_SEARCHING(s) > 0);
    (void)s;
    /* Pairs with the fence in weft__sleep_notify. */
    weft__atomic_fence_seqcst();
    if (!work_visible(w) || weft__atomic_load_relaxed(&pool->stop))
        return 1;
    /* Work came: stay while the pool still wants a spare (fewer alive
     * than threads blocked, below max_spares).  Otherwise the threads
     * that run are enough (a spare started meanwhile, or a blocked thread
     * that came back), so staying would run one thread more than the
     * pool's workers; leave, after waking a parked worker if none
     * searches (the work's notifier saw this spare searching). */
    uint32_t n = weft__atomic_load_relaxed(&pool->spares);
    while (n < pool->max_spares &&
           n < weft__atomic_load_relaxed(&pool->blocked))
        if (weft__atomic_cas_seqcst(&pool->spares, &n, n + 1)) {
            weft__atomic_fetch_add_seqcst(&pool->idle, 1u);
            weft__spare_peak(pool, n + 1);
            return 0;
        }
    want_thread(pool, 0);
    return 1;
}

void weft__wait_wake(weft_worker *w)
{
    /* Pairs with the fence in the waiter's wait_step (external.c). */
    weft__atomic_fence_seqcst();
    if (weft__atomic_exchange_seqcst(&w->wait_word, 0u) == 1u)
        weft__futex_wake(&w->wait_word, 1);
}

void weft__sleep_found_work(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    uint32_t s = weft__atomic_fetch_sub_seqcst(&pool->idle, 1u);
    WEFT__ASSERT(IDLE_SEARCHING(s) > 0); /* w was counted searching */
    if (IDLE_SEARCHING(s) != 1)
        return;
    if (IDLE_SLEEPING(s) == 0) {
        /* We were the last searcher and nobody is parked: with threads
         * blocked in waits and fewer spares than them, work still visible
         * would wait for a running thread; start a spare for it.  (The
         * seq_cst load follows our RMW on idle: a blocker whose check saw
         * us searching has its count seen here; the fence pairs with the
         * notifiers', as below.  No thread blocked: nothing to do.) */
        if (weft__atomic_load_relaxed(&pool->spares) <
            weft__atomic_load_seqcst(&pool->blocked)) {
            weft__atomic_fence_seqcst();
            if (work_visible(w))
                want_thread(pool, 0);
        }
        return;
    }
    /* We were the last searcher and others are parked.  If more work is
     * visible, wake one now.  If not, the task we took is the only work,
     * and waking someone would only cost a futex call on its way to
     * starting: instead make our first spawn take the publishing slow
     * path (as after "all stolen": tail == split, every task below the
     * head taken), which publishes that child and, no one searching, wakes
     * a parked worker to steal it.  (Pairs, as a Dekker pair, with the
     * fence in weft__sleep_notify: work made visible after our check is
     * seen by its notifier as "no one searching".)  Only idle workers
     * call this, so no task of ours is pending below the head. */
    weft__atomic_fence_seqcst();
    if (!work_visible(w)) {
        weft__deque_set_allstolen(w);
        return;
    }
    wake_one(pool, 0);
}

void weft__sleep_resume_search(struct weft_pool *pool)
{
    weft__atomic_fetch_add_seqcst(&pool->idle, 1u);
}

/* Work that w could take: the injection queue, a scope's queued jobs or
 * another worker's (a spare's, a guest's) public tasks.  w's own public tasks do not count: an
 * idle worker has none, and one waiting on another pool takes its own
 * before it parks. */
static int work_visible(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    if (weft__atomic_load_relaxed(&pool->inject_count) ||
        weft__atomic_load_relaxed(&pool->intake) ||
        weft__atomic_load_relaxed(&pool->nscopes))
        return 1;
    unsigned n = pool->nworkers + weft__atomic_load_acquire(&pool->spare_hw);
    for (unsigned i = 0; i < n; i++) {
        weft_worker *v = weft__atomic_load_acquire(&pool->workers[i]);
        if (v && v != w && weft__deque_has_public(v))
            return 1;
    }
    n = weft__atomic_load_acquire(&pool->guest_hw);
    for (unsigned i = 0; i < n; i++) {
        weft_worker *v = weft__atomic_load_acquire(
            &pool->workers[weft__guest_base(pool) + i]);
        if (v && v != w && weft__deque_has_public(v))
            return 1;
    }
    return 0;
}

/* Called with sleep_lock held: removes w from the parked stack if it is
 * still there and counts it searching again.  Returns 0 when it was not
 * there (a waker already took it, or it never parked). */
static int unpark_self(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    for (unsigned i = 0; i < pool->nsleepers; i++) {
        if (pool->sleepers[i] == w->index) {
            pool->sleepers[i] = pool->sleepers[--pool->nsleepers];
            weft__atomic_fetch_add_seqcst(&pool->idle, 1u - IDLE_ONE_SLEEPING);
            weft__atomic_store_relaxed(&w->sleep_word, 0);
            return 1;
        }
    }
    return 0;
}

void weft__sleep_park(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    pthread_mutex_lock(&pool->sleep_lock);
    WEFT__ASSERT(pool->nsleepers < pool->nworkers);
    pool->sleepers[pool->nsleepers++] = w->index;
    weft__atomic_store_relaxed(&w->sleep_word, 1);
    /* searching - 1, sleeping + 1 (a parker is always counted searching). */
    weft__atomic_fetch_add_seqcst(&pool->idle, IDLE_ONE_SLEEPING - 1u);
    pthread_mutex_unlock(&pool->sleep_lock);

    /* Pairs with the fence in weft__sleep_notify. */
    weft__atomic_fence_seqcst();
    if (work_visible(w) || weft__atomic_load_relaxed(&pool->stop)) {
        pthread_mutex_lock(&pool->sleep_lock);
        unpark_self(w); /* if a waker took us, it already counted us */
        pthread_mutex_unlock(&pool->sleep_lock);
        return;
    }
    /* Acquire pairs with the release in wake_one.  Counted only when it
     * sleeps: a waker may have taken it off the stack already. */
    if (weft__atomic_load_acquire(&w->sleep_word) != 1)
        return;
    weft__counter_add(&w->parks, 1);
    do
        weft__futex_wait(&w->sleep_word, 1, -1);
    while (weft__atomic_load_acquire(&w->sleep_word) == 1);
}

void weft__sleep_wake_all(struct weft_pool *pool)
{
    for (;;) {
        pthread_mutex_lock(&pool->sleep_lock);
        unsigned n = pool->nsleepers;
        pthread_mutex_unlock(&pool->sleep_lock);
        if (n == 0)
            return;
        wake_one(pool, 0);
    }
}

/* Blocking regions: the worker counts as blocked, as in a wait on another
 * pool, so the protocol above starts a spare for it when work is visible;
 * the spare retires when idle.  Only the outermost region counts. */
void weft_blocking_begin(void)
{
    weft_worker *w = weft_self();
    if (!w || w->blocking_depth++ != 0)
        return;
    weft__counter_add(&w->blocking_regions, 1);
    /* Its pending tasks go to the pool's other threads meanwhile. */
    weft__deque_publish_all(w);
    /* A guest is a thread from outside, not one of the pool's workers:
     * its blocking takes no CPU from the pool, so nothing replaces it. */
    if (!w->guest)
        weft__sleep_block(w);
}

void weft_blocking_end(void)
{
    weft_worker *w = weft_self();
    if (!w)
        return;
    if (w->blocking_depth == 0)
        weft__misuse("weft_blocking_end without weft_blocking_begin on this "
                     "worker");
    if (--w->blocking_depth == 0 && !w->guest)
        weft__sleep_unblock(w);
}

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
 * The stop flag and a foreign task's done word do not use the fences but
 * sleep_lock: the parker pushes itself on the parked stack under the lock
 * before its re-check, and shutdown (weft__sleep_wake_all) or the foreign
 * task's completer (weft__sleep_wake_worker) sets its flag before it takes
 * the lock to wake parked workers.  Either its locked section comes after
 * the push, and it finds and wakes the parker, or the parker's lock
 * acquisition follows its unlock, and the re-check sees the flag.
 *
 * A worker waiting for a task it submitted to another pool searches and
 * parks in its own pool like an idle worker, so that its pool's new work
 * wakes it; the completion of the foreign task wakes it too
 * (weft__sleep_wake_worker), and its re-check before sleeping includes
 * that task's done word (by the lock argument above).
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

void weft__sleep_notify(struct weft_pool *pool, int local)
{
    /* Pairs with the fence in weft__sleep_park (the Dekker pair above). */
    weft__atomic_fence_seqcst();
    uint32_t s = weft__atomic_load_relaxed(&pool->idle);
    if (IDLE_SEARCHING(s) == 0 && IDLE_SLEEPING(s) > 0)
        wake_one(pool, local);
}

static int work_visible(weft_worker *w);

void weft__sleep_found_work(weft_worker *w, int all_taken)
{
    struct weft_pool *pool = w->pool;
    uint32_t s = weft__atomic_fetch_sub_seqcst(&pool->idle, 1u);
    WEFT__ASSERT(IDLE_SEARCHING(s) > 0); /* w was counted searching */
    if (IDLE_SEARCHING(s) != 1 || IDLE_SLEEPING(s) == 0)
        return;
    /* We were the last searcher and others are parked.  If more work is
     * visible, wake one now.  If not, the task we took is the only work,
     * and waking someone would only cost a futex call on its way to
     * starting: instead make our first spawn take the publishing slow
     * path (as after "all stolen": tail == split, every task below the
     * head taken), which publishes that child and, no one searching, wakes
     * a parked worker to steal it.  (Pairs, as a Dekker pair, with the
     * fence in weft__sleep_notify: work made visible after our check is
     * seen by its notifier as "no one searching".)  With tasks of our own
     * pending in the deque we wake one: they are work for it. */
    weft__atomic_fence_seqcst();
    if (all_taken && !work_visible(w)) {
        weft__deque_set_allstolen(w);
        return;
    }
    wake_one(pool, 0);
}

void weft__sleep_resume_search(struct weft_pool *pool)
{
    weft__atomic_fetch_add_seqcst(&pool->idle, 1u);
}

/* Work that w could take: the injection queue or another worker's public
 * tasks.  w's own public tasks do not count: an idle worker has none, and
 * one waiting on another pool takes its own before it parks. */
static int work_visible(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    if (weft__atomic_load_relaxed(&pool->inject_count))
        return 1;
    for (unsigned i = 0; i < pool->nworkers; i++)
        if (pool->workers[i] != w && weft__deque_has_public(pool->workers[i]))
            return 1;
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

void weft__sleep_park(weft_worker *w, const uint32_t *done)
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
    if (work_visible(w) || weft__atomic_load_relaxed(&pool->stop) ||
        (done && weft__atomic_load_relaxed(done) == WEFT__DONE)) {
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

void weft__sleep_wake_worker(weft_worker *w)
{
    struct weft_pool *pool = w->pool;
    pthread_mutex_lock(&pool->sleep_lock);
    int parked = unpark_self(w);
    pthread_mutex_unlock(&pool->sleep_lock);
    if (parked)
        weft__futex_wake(&w->sleep_word, 1);
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

/*
 * join.c - the completion word, and joining a task that a thief took.
 *
 * The completion word.  A stolen slot (weft__frame_hdr.done) and a task
 * submitted from outside (weft_task.done) each carry one 32-bit word that
 * says whether the task has finished:
 *
 *     WEFT__RUNNING  the task has not finished
 *     WEFT__WAITED   it has not finished, and a waiter sleeps on the word
 *     WEFT__DONE     it has finished; its effects are visible to whoever
 *                    reads DONE with acquire
 *
 * A waiter spins, then yields, then moves the word from RUNNING to WAITED
 * and futex-waits on it (weft__done_backoff).  Whoever ran the task sets
 * the word with one exchange (weft__done_set): from RUNNING nobody sleeps;
 * from WAITED it futex-wakes the address.  After the exchange the frame
 * may be gone (its waiter returned and reused it): nothing touches it
 * again, and the wake uses only the address, which at worst wakes a
 * spurious sleeper that rechecks its own word.
 *
 * The join rule.  A worker joining a task that a thief took never blocks:
 * it steals back from that thief, and only from that thief.  Every task in
 * the thief's deque above the stolen one descends from it, so the joiner
 * runs only work that the joined task is waiting for, and its stack stays
 * bounded by the depth of the computation (no stacking of unrelated stolen
 * tasks on top of a blocked join).  When the thief has nothing public, the
 * steal attempt asks it to share (movesplit); the joiner spins, then
 * yields, then sleeps on the frame's completion word with a short timeout,
 * and the thief's completion wakes it.
 */
#include "atomic.h"
#include "internal.h"

/* A joiner sleeps at most this long between steal attempts. */
#define JOIN_SLEEP_NS 200000L

#ifdef WEFT_TEST_HOOKS
/* Test hook (weft__test_completion_yield): yield between setting done and
 * the wake, to widen the window in which a waiter returns and its frame
 * goes away before the completer's futex wake. */
static int completion_yield;

void weft__test_completion_yield(int on)
{
    weft__atomic_store_seqcst(&completion_yield, on);
}
#define COMPLETION_YIELD() weft__atomic_load_relaxed(&completion_yield)
#else
#define COMPLETION_YIELD() 0
#endif

void weft__done_set(uint32_t *done)
{
    /* Release pairs with the acquire loads of done in the waiters
     * (weft__done_is_set). */
    uint32_t old = weft__atomic_exchange_acqrel(done, (uint32_t)WEFT__DONE);
    WEFT__ASSERT(old == WEFT__RUNNING || old == WEFT__WAITED);
    if (WEFT__UNLIKELY(COMPLETION_YIELD()))
        weft__yield();
    if (old == WEFT__WAITED)
        weft__futex_wake(done, 1);
}

void weft__done_backoff(uint32_t *done, unsigned round, long sleep_ns)
{
    if (round < WEFT__WAIT_SPINS) {
        weft__cpu_relax();
    } else if (round < WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS) {
        weft__yield();
    } else {
        uint32_t expected = WEFT__RUNNING;
        if (weft__atomic_cas_acqrel(done, &expected, (uint32_t)WEFT__WAITED) ||
            expected == WEFT__WAITED)
            weft__futex_wait(done, WEFT__WAITED, sleep_ns);
    }
}

void weft__check_joined(weft_worker *w, struct weft__mark m)
{
    if (w->own.top != m.top || w->own.overflow != m.overflow)
        weft__misuse("a task returned without joining every task it "
                     "spawned");
}

void weft__run_stolen(weft_worker *w, struct weft__frame *f,
                      struct weft__job *ctx)
{
    struct weft__mark m = weft__mark_of(w);
    struct weft__job *outer = w->ctx;
    w->ctx = ctx;
    if (f->h.run == WEFT__RUN_GENERIC)
        f->u.g.fn(f->u.g.arg);
    else
        f->h.run(&f->h);
    w->ctx = outer;
    weft__check_joined(w, m);
    weft__done_set(&f->h.done);
}

void weft__join_stolen(weft_worker *w, struct weft__frame *f)
{
    /* Wait for the thief to announce itself: acquire pairs with the
     * release in weft__deque_steal, after which done is the thief's. */
    uint32_t thief;
    unsigned round = 0;
    while ((thief = weft__atomic_load_acquire(&f->h.thief)) == WEFT__NO_THIEF) {
        if (++round > WEFT__WAIT_SPINS)
            weft__yield();
        else
            weft__cpu_relax();
    }
    WEFT__ASSERT(WEFT__THIEF_INDEX(thief) < weft__slots(w->pool));
    weft_worker *victim = w->pool->workers[WEFT__THIEF_INDEX(thief)];
    /* The thief runs f in its slot: keep the head above it while helping,
     * so that the tasks run meanwhile spawn into the slots above. */
    w->own.top = f + 1;
    round = 0;
    uint64_t since = 0;
    while (!weft__done_is_set(&f->h.done)) {
        struct weft__frame *s = weft__deque_steal(victim, w);
        if (s) {
            weft__count_steal(w, victim->node != w->node);
            weft__counter_add(&w->leapfrogs, 1);
            weft__run_stolen(w, s, weft__deque_slot_ctx(victim, s));
            round = 0;
            since = 0;
            continue;
        }
        if (!weft__warm_step(round++, &since))
            weft__done_backoff(&f->h.done, WEFT__WAIT_SPINS + WEFT__WAIT_YIELDS,
                               JOIN_SLEEP_NS);
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

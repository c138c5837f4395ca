/*
 * deque.c - the split deque: each worker's stack of pending task frames.
 *
 * The slot array holds pointers to caller-owned frames.  Indices:
 *
 *     [0, tail)       taken by thieves (or long since joined)
 *     [tail, split)   public: thieves may take the oldest, at tail
 *     [split, head)   private: only the owner touches them
 *
 * The owner pushes and pops at head.  A pop of a private slot is a plain
 * decrement (weft__pop in weft/task.h): no fence, no locked instruction,
 * because no thief can reach a private slot.  tail and split live together
 * in one 64-bit word, ts, so that a thief's steal (tail + 1 if tail < split)
 * and the owner's reclaim of a public slot (split = h if tail <= h) are each
 * one compare-and-swap on the same word and so are totally ordered.
 *
 * Work moves from private to public only when thieves ask for it: a thief
 * that finds the public part empty sets movesplit, and the owner, at its
 * next push, moves split up to make half of its private tasks public.  When
 * the owner finds at a join that a thief took the task (and with it every
 * older public task), it sets allstolen; its next push then publishes the
 * new task at once, since thieves are evidently hungry.  Both are the split
 * deque of Lace (van Dijk and van de Pol, 2014), written here with frames
 * outside the array.
 *
 * Memory ordering:
 *  - The owner writes a slot with a plain store and then publishes it with
 *    a release (the CAS in publish_upto, the exchange in weft__push_slow).
 *    A thief's successful CAS on ts is an acquire that reads from that
 *    release (or a later RMW in its release sequence), so the slot and the
 *    frame's fields are visible to it.
 *  - After its CAS a thief reads the slot and then stores itself into the
 *    frame's thief field with release.  The owner, finding the task stolen,
 *    waits for that field with acquire before it writes the slot again, so
 *    the thief's read of the slot happens before the owner's reuse.
 *  - ts may return to an earlier value (the owner resets tail after every
 *    public task was stolen).  A thief whose CAS then succeeds on a stale
 *    expectation takes the task that is public now, published with release
 *    before that value was stored: ABA here is harmless because the slot is
 *    read after the CAS, not before.
 *  - Growth copies the array and publishes the new one with release; a
 *    thief loads the array pointer with acquire after its CAS.  Both arrays
 *    hold the same pointer at every public index, so either is right, and
 *    old arrays are kept until the pool is destroyed.
 */
#include <string.h>

#include "atomic.h"
#include "internal.h"

/* An array is allocated with one extra slot in front that links to the
 * array it replaced, so that all can be freed at the end. */
static weft_task **slots_alloc(uint32_t cap, weft_task **prev)
{
    weft_task **base = weft__alloc(((size_t)cap + 1) * sizeof *base);
    if (!base)
        return NULL;
    base[0] = (weft_task *)prev;
    return base + 1;
}

int weft__deque_init(weft_worker *w, unsigned slots)
{
    uint32_t cap = 64;
    while (cap < slots && cap < (1u << 30))
        cap <<= 1;
    weft_task **s = slots_alloc(cap, NULL);
    if (!s)
        return WEFT_ENOMEM;
    w->own.slots = s;
    w->own.cap = cap;
    w->own.limit = cap;
    w->own.head = 0;
    w->own.split = 0;
    w->own.allstolen = 0;
    w->own.ts = ts_make(0, 0);
    w->own.movesplit = 0;
    w->own.slots_shared = s;
    return 0;
}

void weft__deque_fini(weft_worker *w)
{
    weft_task **s = w->own.slots;
    uint32_t cap = w->own.cap;
    while (s) {
        weft_task **base = s - 1;
        weft_task **prev = (weft_task **)base[0];
        weft__free(base, ((size_t)cap + 1) * sizeof *base);
        s = prev;
        cap /= 2;
    }
    w->own.slots = NULL;
}

__attribute__((cold, noinline)) static void deque_grow(weft_worker *w)
{
    struct weft__owner *o = &w->own;
    if (o->cap >= (1u << 31))
        weft__misuse("a worker has 2^31 tasks pending (deque full)");
    uint32_t cap = o->cap * 2;
    weft_task **s = slots_alloc(cap, o->slots);
    if (!s)
        weft__misuse("out of memory growing a worker's deque");
    memcpy(s, o->slots, (size_t)o->cap * sizeof *s);
    /* Release: pairs with the acquire load of slots_shared in
     * weft__deque_steal. */
    atomic_store_release(&w->own.slots_shared, s);
    o->slots = s;
    o->cap = cap;
    if (!o->allstolen)
        o->limit = cap;
}

/* Owner: make the private slots [split, upto) public. */
static void publish_upto(weft_worker *w, uint32_t upto)
{
    /* Clear the frames' thief fields now rather than at every spawn: a
     * private frame's is never read (push leaves it alone).  Plain stores,
     * published by the release below. */
    for (uint32_t i = w->own.split; i < upto; i++)
        w->own.slots[i]->thief = 0;
    uint64_t cur = atomic_load_relaxed(&w->own.ts);
    /* Only the owner writes split, so split(cur) == own.split; thieves may
     * move tail under us, hence the loop.  Release (seq_cst) pairs with
     * the acquire of a thief's CAS: the slots are visible to it. */
    while (!atomic_cas_seqcst(&w->own.ts, &cur, ts_make(ts_tail(cur), upto)))
        ;
    w->own.split = upto;
}

void weft__push_slow(weft_worker *w, weft_task *t)
{
    struct weft__owner *o = &w->own;
    uint32_t h = o->head;
    if (h == o->cap)
        deque_grow(w);
    o->slots[h] = t;
    o->head = h + 1;
    if (o->allstolen) {
        t->thief = 0; /* see publish_upto */
        /* Every public task was stolen, so tail == split and no thief's
         * CAS can succeed: a plain exchange is safe.  Publish the new task
         * (release: pairs with the thief's CAS; seq_cst: ordered before
         * the idle-state load in weft__sleep_notify). */
        atomic_exchange_seqcst(&w->own.ts, ts_make(h, h + 1));
        o->split = h + 1;
        o->allstolen = 0;
        o->limit = o->cap;
        atomic_store_relaxed(&w->own.movesplit, 0);
        weft__sleep_notify(w->pool, 0);
    } else if (atomic_load_relaxed(&w->own.movesplit)) {
        atomic_store_relaxed(&w->own.movesplit, 0);
        publish_upto(w, o->split + (o->head - o->split + 1) / 2);
        weft__sleep_notify(w->pool, 0);
    }
}

void weft__deque_publish_all(weft_worker *w)
{
    struct weft__owner *o = &w->own;
    if (o->allstolen || o->head <= o->split)
        return;
    atomic_store_relaxed(&w->own.movesplit, 0);
    publish_upto(w, o->head);
    weft__sleep_notify(w->pool, 0);
}

int weft__pop_slow(weft_worker *w, weft_task *t)
{
    struct weft__owner *o = &w->own;
    uint32_t h = o->head - 1; /* h < split: t was public */
    (void)t;
    o->head = h;
    if (!o->allstolen) {
        uint64_t cur = atomic_load_acquire(&w->own.ts);
        while (ts_tail(cur) <= h) {
            /* Not stolen yet: take it back by moving split down to h.  The
             * CAS orders us against thieves' CASes on the same word. */
            if (atomic_cas_acqrel(&w->own.ts, &cur, ts_make(ts_tail(cur), h))) {
                o->split = h;
                return 1;
            }
        }
        /* tail > h: a thief took t, and every older public task.  The
         * next push must publish: send it down the slow path. */
        o->allstolen = 1;
        o->limit = 0;
    }
    counter_add(&w->stolen_from, 1);
    return 0;
}

weft_task *weft__deque_steal(weft_worker *victim, weft_worker *thief)
{
    /* Acquire pairs with the owner's publishing release. */
    uint64_t cur = atomic_load_acquire(&victim->own.ts);
    uint32_t tail = ts_tail(cur);
    if (tail < ts_split(cur)) {
        if (!atomic_cas_acqrel(&victim->own.ts, &cur,
                               ts_make(tail + 1, ts_split(cur))))
            return NULL; /* lost a race; the caller moves on */
        /* Acquire pairs with the release in deque_grow. */
        weft_task **slots = atomic_load_acquire(&victim->own.slots_shared);
        weft_task *t = slots[tail];
        /* The owner reads done only after it sees thief set. */
        atomic_store_relaxed(&t->done, 0u);
        /* Release pairs with the acquire in weft__join_stolen: our read of
         * the slot happens before the owner reuses it. */
        atomic_store_release(&t->thief, (uintptr_t)thief);
        return t;
    }
    /* Nothing public: ask the owner to share (read first so that idle
     * thieves do not keep writing the owner's line). */
    if (!atomic_load_relaxed(&victim->own.movesplit))
        atomic_store_relaxed(&victim->own.movesplit, 1);
    return NULL;
}

int weft__deque_has_public(weft_worker *victim)
{
    uint64_t cur = atomic_load_relaxed(&victim->own.ts);
    return ts_tail(cur) < ts_split(cur);
}

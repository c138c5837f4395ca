/*
 * deque.c - the split deque: each worker's stack of pending tasks.
 *
 * A deque is an array of fixed-size slots (struct weft__frame, 64 bytes)
 * reserved once, when the pool is created, and never moved.  A spawn writes
 * the task itself into the slot at the head; a thief runs a task in place,
 * in its slot.  Indices:
 *
 *     [0, tail)       taken by thieves (or long since joined)
 *     [tail, split)   public: thieves may take the oldest, at tail
 *     [split, head)   private: only the owner touches them
 *
 * The owner pushes and pops at head (own.top, a pointer).  A pop of a
 * private slot is a plain decrement (weft__pop in weft/task.h): no fence,
 * no locked instruction, because no thief can reach a private slot.  tail
 * and split live together in one 64-bit word, ts, so that a thief's steal
 * (tail + 1 if tail < split) and the owner's reclaim of a public slot
 * (split = h if tail <= h) are each one compare-and-swap on the same word
 * and so are totally ordered.
 *
 * Work moves from private to public only when thieves ask for it: a thief
 * that finds the public part empty sets movesplit, and the owner, at its
 * next push, moves split up to make half of its private tasks public.  When
 * the owner finds at a join that a thief took the task (and with it every
 * older public task), it sets allstolen; its next push then publishes the
 * new task at once, since thieves are evidently hungry.  Both are the split
 * deque of Lace (van Dijk and van de Pol, 2014); so is keeping the tasks
 * in the slots, which lets the typed fast path (weft.h) keep the head in a
 * register and leave nothing on the C stack that the deque points to.
 *
 * Slot reuse.  A stolen task's slot belongs to the thief until the task is
 * done.  The owner, joining it, keeps its head above that slot while it
 * helps (weft__join_stolen), so the tasks it runs meanwhile spawn into the
 * slots above, and it returns to the slot only after done is set.
 *
 * A full deque.  A spawn that finds every slot taken runs its task at once
 * and counts itself in own.overflow; its join, which comes before any
 * other (joins are in reverse spawn order), counts it off.  A typed spawn
 * also pushes a frame with its result on the worker's side stack (w->side,
 * w->nside frames, growing on the heap: only the owner touches it), which
 * its join pops; a generic one pushes its handle there only where its
 * caller checks the join order (WEFT__CHECKS).  While such a spawn is
 * pending, split_p is past the end, so that every pop takes the slow path.
 * A worker at the end of its deque still publishes its private tasks when
 * a thief asks (weft__side_push).
 *
 * Memory ordering:
 *  - The owner writes a slot with plain stores and then publishes it with
 *    a release (the CAS in publish_upto, the exchange in
 *    weft__push_publish).  A thief's successful CAS on ts is an acquire
 *    that reads from that release (or a later RMW in its release sequence),
 *    so the slot's contents are visible to it.
 *  - After its CAS a thief sets the slot's done to 0 and then stores
 *    itself into the slot's thief field with release.  The owner, finding
 *    the task stolen, waits for that field with acquire before it reads
 *    done, and does not write the slot again before done reads 1.
 *  - ts may return to an earlier value (the owner resets tail after every
 *    public task was stolen).  A thief whose CAS then succeeds on a stale
 *    expectation takes the task that is public now, published with release
 *    before that value was stored: ABA here is harmless because the slot is
 *    read after the CAS, not before.
 */
#include <string.h>

#include "atomic.h"
#include "internal.h"

/* The reservation has one spare slot below base and one above end, so
 * that top - 1 and end + 1 are pointers into it. */
static size_t deque_bytes(uint32_t cap)
{
    return ((size_t)cap + 2) * sizeof(struct weft__frame);
}

int weft__deque_init(weft_worker *w, unsigned slots)
{
    uint32_t cap = 64;
    while (cap < slots && cap < WEFT__DEQUE_MAX)
        cap <<= 1;
    struct weft__frame *region = weft__vm_reserve(deque_bytes(cap));
    if (!region)
        return WEFT_ENOMEM;
    w->slot_ctx = weft__vm_reserve((size_t)cap * sizeof *w->slot_ctx);
    if (!w->slot_ctx) {
        weft__vm_release(region, deque_bytes(cap));
        return WEFT_ENOMEM;
    }
    struct weft__owner *o = &w->own;
    o->base = region + 1;
    o->end = o->base + cap;
    o->top = o->base;
    o->split = 0;
    o->split_p = o->base;
    o->limit_p = o->end;
    o->cap = cap;
    o->allstolen = 0;
    o->overflow = 0;
    o->ts = ts_make(0, 0);
    o->movesplit = 0;
    o->base_shared = o->base;
    return 0;
}

void weft__deque_fini(weft_worker *w)
{
    weft__free(w->side, (size_t)w->side_cap * sizeof(struct weft__frame));
    w->side = NULL;
    if (w->own.base) {
        weft__vm_release(w->own.base - 1, deque_bytes(w->own.cap));
        weft__vm_release(w->slot_ctx, (size_t)w->own.cap * sizeof *w->slot_ctx);
        w->own.base = NULL;
        w->slot_ctx = NULL;
    }
}

/* Owner: sets allstolen, and with it limit_p (every push takes the slow
 * path while it is set). */
static void set_allstolen(struct weft__owner *o, uint32_t v)
{
    o->allstolen = v;
    o->limit_p = v ? o->base : o->end;
}

void weft__deque_set_allstolen(weft_worker *w) { set_allstolen(&w->own, 1); }

/* Owner: moves split, and split_p with it unless a spawn that found the
 * deque full is pending (split_p stays past the end until it is joined). */
static void set_split(struct weft__owner *o, uint32_t split)
{
    o->split = split;
    if (!o->overflow)
        o->split_p = o->base + split;
}

/* Owner: make the private slots [split, upto) public. */
static void publish_upto(weft_worker *w, uint32_t upto)
{
    struct weft__owner *o = &w->own;
    /* Clear the slots' thief fields now rather than at every spawn: a
     * private slot's is never read (push leaves it alone).  Plain stores,
     * published by the release below. */
    for (uint32_t i = o->split; i < upto; i++) {
        o->base[i].h.thief = WEFT__NO_THIEF;
        w->slot_ctx[i] = w->ctx; /* private slots are the current job's */
    }
    uint64_t cur = weft__atomic_load_relaxed(&o->ts);
    WEFT__ASSERT(ts_split(cur) == o->split);
    WEFT__ASSERT(o->split <= upto && o->base + upto <= o->top);
    /* Only the owner writes split, so split(cur) == own.split; thieves may
     * move tail under us, hence the loop.  Release (seq_cst) pairs with
     * the acquire of a thief's CAS: the slots are visible to it. */
    while (!weft__atomic_cas_seqcst(&o->ts, &cur, ts_make(ts_tail(cur), upto)))
        ;
    set_split(o, upto);
}

void weft__push_publish(weft_worker *w, struct weft__frame *f)
{
    struct weft__owner *o = &w->own;
    uint32_t h = (uint32_t)(f - o->base);
    WEFT__ASSERT(f >= o->base && f < o->end);
    o->top = f + 1;
    if (o->allstolen) {
        f->h.thief = WEFT__NO_THIEF; /* see publish_upto */
        w->slot_ctx[h] = w->ctx;
        /* Every public task was stolen, so tail == split and no thief's
         * CAS can succeed: a plain exchange is safe.  Publish the new task
         * (release: pairs with the thief's CAS; seq_cst: ordered before
         * the idle-state load in weft__sleep_notify). */
        weft__atomic_exchange_seqcst(&o->ts, ts_make(h, h + 1));
        set_split(o, h + 1);
        set_allstolen(o, 0);
        weft__atomic_store_relaxed(&o->movesplit, 0);
        weft__sleep_notify(w->pool, 0);
    } else if (weft__atomic_load_relaxed(&o->movesplit)) {
        weft__atomic_store_relaxed(&o->movesplit, 0);
        publish_upto(w, o->split + (h + 1 - o->split + 1) / 2);
        weft__sleep_notify(w->pool, 0);
    }
}

/* Owner: one more spawn pending that found the deque full. */
static void overflow_add(weft_worker *w)
{
    struct weft__owner *o = &w->own;
    /* A worker at the end of its deque still shares its private tasks
     * with thieves that ask. */
    if (weft__atomic_load_relaxed(&o->movesplit))
        weft__deque_publish_all(w);
    /* Every pop takes the slow path until it has been joined
     * (weft__pop_slow restores split_p then). */
    o->overflow++;
    o->split_p = o->end + 1;
}

struct weft__frame *weft__side_push(weft_worker *w, weft__run_fn kind)
{
    struct weft__owner *o = &w->own;
    if (w->nside == w->side_cap) {
        uint32_t cap = w->side_cap ? 2 * w->side_cap : 64;
        struct weft__frame *s = weft__alloc((size_t)cap * sizeof *s);
        if (!s || cap < w->side_cap)
            weft__misuse("out of memory: a spawn found its worker's deque "
                         "full and could not keep its frame");
        if (w->nside)
            memcpy(s, w->side, (size_t)w->nside * sizeof *s);
        weft__free(w->side, (size_t)w->side_cap * sizeof *s);
        w->side = s;
        w->side_cap = cap;
    }
    struct weft__frame *f = &w->side[w->nside++];
    f->h.run = kind;
    f->u.g.key = NULL;
    overflow_add(w);
    if (kind != WEFT__RUN_GENERIC) /* (weft__spawn_slow counts generic ones) */
        weft__counter_add(&o->spawned, 1);
    return f;
}

/* weft__push's slow path.  checks: the caller was compiled with the
 * misuse checks (WEFT__CHECKS), so its join compares the handle t. */
void weft__spawn_slow(weft_worker *w, weft_task *t, int checks, weft_fn fn,
                      void *arg)
{
    if (!WEFT__IS_WORKER(w)) { /* a thread outside any pool */
        t->fn = fn;
        t->arg = arg;
        weft__spawn_external(t);
        return;
    }
    struct weft__owner *o = &w->own;
    struct weft__frame *f = o->top;
    weft__counter_add(&o->spawned, 1);
    if (!checks)
        t = NULL;
    if (f < o->end) {
        /* Every public task was stolen: publish this one at once. */
        f->h.run = WEFT__RUN_GENERIC;
        f->u.g.fn = fn;
        f->u.g.arg = arg;
        f->u.g.key = t;
        weft__push_publish(w, f);
        return;
    }
    /* The deque is full.  Run the task first: the spawns it makes (at a
     * full deque too) and their joins use the side stack above us and
     * leave it as it was. */
    fn(arg);
    if (t) /* the caller checks the join order (WEFT__CHECKS): keep t */
        weft__side_push(w, WEFT__RUN_GENERIC)->u.g.key = t;
    else
        overflow_add(w);
}

void weft__deque_publish_all(weft_worker *w)
{
    struct weft__owner *o = &w->own;
    uint32_t h = (uint32_t)(o->top - o->base);
    if (o->allstolen || h <= o->split)
        return;
    weft__atomic_store_relaxed(&o->movesplit, 0);
    publish_upto(w, h);
    weft__sleep_notify(w->pool, 0);
}

/* generic: weft_join's (kind WEFT__RUN_GENERIC), else a typed join's. */
__attribute__((noreturn, cold)) static void misuse_order(int generic)
{
    weft__misuse(generic ? "weft_join: tasks must be joined in reverse "
                           "spawn order"
                         : "typed join: tasks must be joined in reverse "
                           "spawn order");
}

/* A typed join found a generic task spawned after its own still pending. */
__attribute__((noreturn, cold)) static void misuse_typed_over_generic(void)
{
    weft__misuse("typed join: a generic task spawned in this body is still "
                 "pending");
}

/* A generic join found no task pending on w.  A typed spawn or join that
 * ran while a generic task spawned in the same body was pending leaves
 * this: the typed fast paths take their slot from the body's context, so
 * the spawn overwrites the generic task's slot and the join moves the head
 * below it, and the slot at the head holds a typed task.  A join without
 * spawn may find a typed task there too (left over from an earlier one), so
 * the message then names both. */
__attribute__((noreturn, cold)) static void misuse_none_pending(weft_worker *w)
{
    struct weft__frame *f = w->own.top;
    if (f < w->own.end && f->h.run != WEFT__RUN_GENERIC)
        weft__misuse("weft_join: no task of this worker is pending: a typed "
                     "spawn or join ran while this generic task was pending "
                     "(typed join: a generic task spawned in this body is "
                     "still pending; or the same at a typed spawn), or join "
                     "without spawn, or joined twice");
    weft__misuse("weft_join: no task of this worker is pending (join without "
                 "spawn, or joined twice)");
}

/* key: the generic join's handle when its caller was compiled with the
 * checks (WEFT__CHECKS), else NULL; kind: the run function of the task
 * kind joined (WEFT__RUN_GENERIC, or a typed task's NAME__stolen).  Where
 * the caller has no checks, a misuse found here is named from what the
 * deque holds: the head against the typed join's slot (a generic task
 * pending above it), the slots' run functions against the kind. */
int weft__pop_slow(weft_worker *w, struct weft__frame *f, weft_task *key,
                   weft__run_fn kind, struct weft__frame **res)
{
    struct weft__owner *o = &w->own;
    int generic = kind == WEFT__RUN_GENERIC;
    /* A typed join's slot is just below the head, unless a generic task
     * spawned after it is pending (a spawn that found the deque full moves
     * neither). */
    if (!generic && o->top != f + 1)
        misuse_typed_over_generic();
    if (o->overflow) {
        /* The youngest spawn found the deque full and ran at once: a
         * typed one left its result on the side stack, a generic one its
         * handle when its caller checks the order (then key != NULL). */
        *res = NULL;
        WEFT__ASSERT(o->split_p == o->end + 1);
        if (!generic || key) {
            /* A typed spawn always leaves its frame there; a generic one
             * leaves its handle, or (unchecked caller) nothing. */
            if (!generic && (w->nside == 0 ||
                             w->side[w->nside - 1].h.run == WEFT__RUN_GENERIC))
                misuse_typed_over_generic();
            if (w->nside == 0 || w->side[w->nside - 1].h.run != kind ||
                (key && w->side[w->nside - 1].u.g.key != key))
                misuse_order(generic);
            *res = &w->side[--w->nside]; /* valid until the next spawn */
        }
        if (--o->overflow == 0) {
            o->split_p = o->base + o->split;
            /* Every spawn that found the deque full is joined: nothing
             * of theirs may be left on the side stack.  (Left over when a
             * generic spawn kept its handle and its join did not take it:
             * a spawn and its join compiled with different checks.) */
            if (w->nside != 0)
                weft__misuse("a spawn and its join disagree on the misuse "
                             "checks (compiled with and without "
                             "WEFT_CHECKED?)");
        }
        return 0;
    }
    if (f < o->base) {
        if (generic)
            misuse_none_pending(w);
        weft__misuse("typed join: no task of this worker is pending (join "
                     "without spawn, or joined twice)");
    }
    if (f->h.run != kind || (key && f->u.g.key != key))
        misuse_order(generic);
    *res = f;
    uint32_t h = (uint32_t)(f - o->base); /* h < split: f was public */
    WEFT__ASSERT(h < o->split);
    o->top = f;
    if (!o->allstolen) {
        uint64_t cur = weft__atomic_load_acquire(&o->ts);
        WEFT__ASSERT(ts_split(cur) == o->split && ts_tail(cur) <= o->split);
        while (ts_tail(cur) <= h) {
            /* Not stolen yet: take it back by moving split down to h.  The
             * CAS orders us against thieves' CASes on the same word. */
            if (weft__atomic_cas_acqrel(&o->ts, &cur,
                                        ts_make(ts_tail(cur), h))) {
                set_split(o, h);
                return 1;
            }
        }
        /* tail > h: a thief took f, and every older public task.  The
         * next push must publish. */
        set_allstolen(o, 1);
    }
    weft__join_stolen(w, f);
    return 0;
}

struct weft__frame *weft__typed_join_slow(weft_worker *w, struct weft__frame *s,
                                          weft__run_fn kind)
{
    struct weft__frame *r;
    if (weft__pop_slow(w, s, NULL, kind, &r))
        return s;
    return (struct weft__frame *)((uintptr_t)r + 1);
}

/* weft__pop's slow path: f when the caller must run it, else NULL.
 * checks as in weft__spawn_slow. */
struct weft__frame *weft__join_slow(weft_worker *w, struct weft__frame *f,
                                    weft_task *t, int checks)
{
    if (!WEFT__IS_WORKER(w)) { /* a thread outside any pool */
        weft__wait_external(t);
        return NULL;
    }
    struct weft__frame *r;
    return weft__pop_slow(w, f, checks ? t : NULL, WEFT__RUN_GENERIC, &r)
               ? f
               : NULL;
}

struct weft__frame *weft__deque_steal(weft_worker *victim, weft_worker *thief)
{
    /* Acquire pairs with the owner's publishing release. */
    uint64_t cur = weft__atomic_load_acquire(&victim->own.ts);
    uint32_t tail = ts_tail(cur);
    if (tail < ts_split(cur)) {
        if (!weft__atomic_cas_acqrel(&victim->own.ts, &cur,
                                     ts_make(tail + 1, ts_split(cur))))
            return NULL; /* lost a race; the caller moves on */
        struct weft__frame *f = victim->own.base_shared + tail;
        /* (cap, like base_shared, is set before the pool starts) */
        WEFT__ASSERT(tail < ts_split(cur) && ts_split(cur) <= victim->own.cap);
        /* Counted at the steal, on the line the CAS just took: stats.c's
         * run = spawned - stolen_from + steals never counts a task twice
         * while it runs (a worker taking its own published task is no
         * thief). */
        if (thief != victim)
            weft__atomic_fetch_add_relaxed(&victim->own.stolen_from, 1u);
        /* The owner reads done only after it sees thief set. */
        weft__done_init(&f->h.done);
        /* Release pairs with the acquire in weft__join_stolen. */
        weft__atomic_store_release(&f->h.thief, WEFT__THIEF(thief->index));
        return f;
    }
    /* Nothing public: ask the owner to share (read first so that idle
     * thieves do not keep writing the owner's line).  Not an owner running
     * its own tasks while it waits: it would only make its own next spawn
     * take the publishing slow path. */
    if (thief != victim && !weft__atomic_load_relaxed(&victim->own.movesplit))
        weft__atomic_store_relaxed(&victim->own.movesplit, 1);
    return NULL;
}

struct weft__job *weft__deque_slot_ctx(weft_worker *victim,
                                       struct weft__frame *f)
{
    /* Written by the owner before the release that published f, which
     * the thief's steal acquired; the owner does not write it again
     * before f is done. */
    return victim->slot_ctx[f - victim->own.base_shared];
}

int weft__deque_has_public(weft_worker *victim)
{
    uint64_t cur = weft__atomic_load_relaxed(&victim->own.ts);
    return ts_tail(cur) < ts_split(cur);
}

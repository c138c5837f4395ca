/*
 * loop.c - weft_for and weft_reduce: parallel loops on the fork-join core.
 *
 * A loop runs on its pool's workers as ordinary spawn/join: a range is
 * processed chunk by chunk, and between two chunks the worker looks for
 * hunger (lazy binary splitting, Tzannes et al.): a thief's request
 * (movesplit, set by a thief that found this deque's public part empty) or
 * allstolen (every public task was taken, or an idle worker that found
 * work armed its next spawn to wake a parked one).  Only then does it split
 * the rest of its range in two, spawn the right half (the spawn publishes
 * it at once, since the deque is being asked) and go on with the left.  A
 * loop that nobody asks to share runs as one plain sequence of body calls.
 * The join of a half is weft's join: an unstolen half runs inline, a stolen
 * one is waited for by leapfrogging, so a loop's wait runs only its own
 * chunks and what they spawn.
 *
 * A loop is a node of the lineage (struct weft__job, flags WEFT__JOB_NODE):
 * the worker's ctx while it runs the loop's chunks, carried to thieves by
 * the published slots, so that weft_cancelled() in a chunk (and in what it
 * spawns) sees the loop's cancellation and its ancestors'.  A body's
 * nonzero return cancels the node: chunks not started are skipped.
 *
 * Reductions.  Each part of the range that runs on its own worker folds
 * into its own accumulator; an unstolen half goes on folding into its
 * joiner's accumulator (it is the range just to the right), a stolen one
 * brings its own, combined at the join: combine(left, right), always.
 * WEFT_DETERMINISTIC instead fixes the tree: leaf blocks of g iterations
 * (g from end - begin and grain only), a balanced binary tree over the
 * block indices, each leaf folded from a copy of the identity and each
 * node combined from its two children; hunger decides only whether the
 * right child runs here or on a thief, never what is computed, so the
 * result is the same bit for bit on any number of workers.
 */
#include <string.h>

#include "atomic.h"
#include "internal.h"

/* Accumulators up to this size live in the loop's frames; larger ones on
 * the heap (alloc.c). */
#define ACC_INLINE 64
/* grain 0: about this many chunks per worker (lazy splitting keeps the
 * count of tasks down to the demand; the chunks bound the imbalance). */
#define CHUNKS_PER_WORKER 64
/* grain 0 with WEFT_DETERMINISTIC: about this many leaves, whatever the
 * worker count (the tree must not depend on it). */
#define DET_LEAVES 1024
/* grain 0 without it: the chunks of the last TAIL_DIV x grain iterations
 * of a range shrink, each 1 / TAIL_DIV of what is left, down to 1 /
 * TAIL_MIN of the grain: a thief that turns up near the end of the work
 * finds something to split, and the last chunk, which the other workers
 * may wait for, is short (uneven loops such as Mandelbrot rows). */
#define TAIL_DIV 8
#define TAIL_MIN 64

struct loop {
    struct weft__job node; /* w->ctx while its chunks run */
    weft_range_fn body;    /* weft_for */
    weft_fold_fn fold;     /* weft_reduce */
    weft_combine_fn combine;
    const void *identity;
    void *ctx;
    size_t size;  /* of an accumulator (reduce) */
    size_t begin; /* the whole range */
    size_t end;
    size_t grain; /* chunk (or leaf) size, resolved */
    size_t tail;  /* grain 0: the smallest chunk at a range's end, else 0 */
    int det;      /* WEFT_DETERMINISTIC */
    int err;      /* the first nonzero value of a body, or ENOMEM */
};

/* The right half of a split, on its spawner's stack until joined. */
struct half {
    weft_task t;
    struct loop *L;
    size_t lo, hi; /* iterations; block indices when deterministic */
    void *acc;     /* reduce: the thief's accumulator (NULL: none) */
    _Alignas(64) unsigned char buf[ACC_INLINE]; /* as the heap's */
};

static void loop_fail(struct loop *L, int err)
{
    int none = 0;
    weft__atomic_cas_acqrel(&L->err, &none, err);
    weft__atomic_store_relaxed(&L->node.cancelled, 1u);
}

/* 1 when the loop (or an enclosing loop or scope) is cancelled. */
static inline int loop_stopped(const struct loop *L)
{
    return weft__ctx_cancelled(&L->node);
}

/* Another worker wants work from w: a thief asked (movesplit), or every
 * public task was taken / an idle worker armed w's next spawn
 * (allstolen); the spawn of a half then publishes it. */
static inline int hungry(const weft_worker *w)
{
    return weft__atomic_load_relaxed(&w->own.movesplit) || w->own.allstolen;
}

/* One chunk [lo, hi): the body, or the fold into acc. */
static inline void chunk(struct loop *L, size_t lo, size_t hi, void *acc)
{
    int r = L->fold ? L->fold(lo, hi, acc, L->ctx) : L->body(lo, hi, L->ctx);
    if (WEFT__UNLIKELY(r != 0))
        loop_fail(L, r);
}

/* An accumulator for a part of the range: buf, or the heap when size is
 * larger; a copy of the identity.  NULL (and the loop failed) when the
 * heap has none. */
static void *acc_new(struct loop *L, unsigned char *buf)
{
    void *a = L->size <= ACC_INLINE ? buf : weft__alloc(L->size);
    if (!a) {
        loop_fail(L, WEFT_ENOMEM);
        return NULL;
    }
    memcpy(a, L->identity, L->size);
    return a;
}

static void acc_free(struct loop *L, void *a, unsigned char *buf)
{
    if (a && a != buf)
        weft__free(a, L->size);
}

/* ---- adaptive (the default) --------------------------------------------- */

static void range_run(weft_worker *w, struct loop *L, size_t lo, size_t hi,
                      void *acc);

static void half_run(void *p)
{
    struct half *h = p;
    struct loop *L = h->L;
    if (L->fold && !(h->acc = acc_new(L, h->buf)))
        return;
    range_run(weft__self, L, h->lo, h->hi, h->acc);
}

/* Processes [lo, hi) on w (a worker of a pool of several) in chunks of
 * L->grain, splitting off the right half whenever another worker is
 * hungry.  acc: the accumulator that [lo, hi) folds into (reduce). */
static void range_run(weft_worker *w, struct loop *L, size_t lo, size_t hi,
                      void *acc)
{
    while (lo < hi) {
        if (loop_stopped(L))
            return;
        size_t n = hi - lo, g = L->grain;
        if (L->tail && n / TAIL_DIV < g)
            g = n / TAIL_DIV > L->tail ? n / TAIL_DIV : L->tail;
        if (n > g && hungry(w)) {
            size_t chunks = n / g + (n % g != 0);
            struct half h;
            h.L = L;
            h.lo = lo + (chunks / 2) * g;
            h.hi = hi;
            h.acc = NULL;
            weft_spawn(&h.t, half_run, &h);
            range_run(w, L, lo, h.lo, acc);
            if (weft_worker_join_inline(w, &h.t)) {
                /* not stolen: the range just right of acc's, folded on */
                range_run(w, L, h.lo, h.hi, acc);
            } else if (h.acc) {
                if (!loop_stopped(L))
                    L->combine(acc, h.acc, L->ctx);
                acc_free(L, h.acc, h.buf);
            }
            return;
        }
        size_t e = lo + (n < g ? n : g);
        chunk(L, lo, e, acc);
        lo = e;
    }
}

/* ---- deterministic ------------------------------------------------------ */

static void det_run(weft_worker *w, struct loop *L, size_t a, size_t b,
                    void *acc);

static void det_half_run(void *p)
{
    struct half *h = p;
    if (!(h->acc = acc_new(h->L, h->buf)))
        return;
    det_run(weft__self, h->L, h->lo, h->hi, h->acc);
}

/* Folds the leaf blocks [a, b) into acc, which holds a copy of the
 * identity: one leaf directly, else the left half into acc and the right
 * half into a fresh copy, then combine.  w: the worker, or NULL when
 * nothing may be spawned (one worker, or no pool). */
static void det_run(weft_worker *w, struct loop *L, size_t a, size_t b,
                    void *acc)
{
    if (loop_stopped(L))
        return;
    if (b - a == 1) {
        size_t lo = L->begin + a * L->grain;
        size_t hi = L->end - lo > L->grain ? lo + L->grain : L->end;
        chunk(L, lo, hi, acc);
        return;
    }
    size_t m = a + (b - a) / 2;
    struct half h;
    h.acc = NULL;
    if (w && hungry(w)) {
        h.L = L;
        h.lo = m;
        h.hi = b;
        weft_spawn(&h.t, det_half_run, &h);
        det_run(w, L, a, m, acc);
        if (weft_worker_join_inline(w, &h.t) && (h.acc = acc_new(L, h.buf)))
            det_run(w, L, m, b, h.acc);
    } else {
        det_run(w, L, a, m, acc);
        if ((h.acc = acc_new(L, h.buf)) != NULL)
            det_run(w, L, m, b, h.acc);
    }
    if (h.acc && !loop_stopped(L))
        L->combine(acc, h.acc, L->ctx);
    acc_free(L, h.acc, h.buf);
}

/* ---- entry -------------------------------------------------------------- */

/* Runs L whole.  w: the calling worker, or NULL (a thread outside any
 * pool that has no pool to use: serially); acc: the total's accumulator
 * (reduce), a copy of the identity.  Returns the loop's value. */
static int loop_exec(weft_worker *w, struct loop *L, void *acc)
{
    struct weft__job *outer = w ? w->ctx : weft__outside_ctx;
    size_t n = L->end - L->begin;
    if (n == 0)
        return 0; /* (also in a cancelled scope: docs/api.md) */
    if (weft__ctx_cancelled(outer))
        return WEFT_ECANCELED;
    unsigned workers = w ? w->pool->nworkers : 1;
    int par = workers > 1 && n > L->grain;
    if (L->grain == 0) {
        L->grain = L->det ? n / DET_LEAVES + (n % DET_LEAVES != 0)
                   : par  ? n / ((size_t)CHUNKS_PER_WORKER * workers)
                          : n;
        if (!L->det && par)
            L->tail = L->grain / TAIL_MIN ? L->grain / TAIL_MIN : 1;
    }
    if (L->grain == 0)
        L->grain = 1;
    par = par && n > L->grain;
    L->node.parent = outer;
    L->node.task.flags = WEFT__JOB_NODE;
    if (L->det) {
        size_t leaves = n / L->grain + (n % L->grain != 0);
        if (par) {
            weft__deque_publish_all(w); /* (see below) */
            w->ctx = &L->node;
            det_run(w, L, 0, leaves, acc);
            w->ctx = outer;
        } else {
            det_run(NULL, L, 0, leaves, acc);
        }
    } else if (par) {
        /* The chunks run with the loop as their lineage; a pending task
         * of the caller, published later, would carry it too, so those
         * are published now, with the caller's. */
        weft__deque_publish_all(w);
        w->ctx = &L->node;
        range_run(w, L, L->begin, L->end, acc);
        w->ctx = outer;
    } else {
        /* One worker, or one chunk: the plain loop, with nothing to
         * cancel it but an enclosing scope. */
        for (size_t lo = L->begin; lo < L->end && !L->err;) {
            size_t e = L->end - lo > L->grain ? lo + L->grain : L->end;
            if (lo != L->begin && weft__ctx_cancelled(outer))
                break;
            int r =
                L->fold ? L->fold(lo, e, acc, L->ctx) : L->body(lo, e, L->ctx);
            if (r)
                L->err = r;
            lo = e;
        }
    }
    int err = weft__atomic_load_relaxed(&L->err);
    if (err)
        return err;
    return weft__ctx_cancelled(outer) ? WEFT_ECANCELED : 0;
}

struct loop_call {
    struct loop *L;
    void *acc;
    int rc;
};

static void loop_entry(void *p)
{
    struct loop_call *c = p;
    c->rc = loop_exec(weft_self(), c->L, c->acc);
}

/* Runs L on the caller's pool, or from outside any pool on the default
 * pool: the caller as its guest (external.c), or, with every guest slot
 * taken, waiting for a worker to run it; serially when there is none. */
static int loop_start(struct loop *L, void *acc)
{
    weft_worker *w = weft_self();
    if (w)
        return loop_exec(w, L, acc);
    struct loop_call c = {L, acc, 0};
    weft_pool *pool = weft__default_pool_hold(1);
    if (pool && (w = weft__guest_enter(pool)) != NULL) {
        w->ctx = weft__outside_ctx; /* the guest's lineage is the thread's */
        int rc = loop_exec(w, L, acc);
        w->ctx = NULL;
        weft__guest_leave(w);
        weft__run_release(pool);
        return rc;
    }
    if (pool) {
        int rc = weft_pool_run(pool, loop_entry, &c);
        weft__run_release(pool);
        if (rc == 0)
            return c.rc;
    }
    return loop_exec(NULL, L, acc);
}

int weft_for(size_t begin, size_t end, size_t grain, weft_range_fn body,
             void *ctx)
{
    if (!body || begin > end)
        return WEFT_EINVAL;
    struct loop L;
    memset(&L, 0, sizeof L);
    L.body = body;
    L.ctx = ctx;
    L.begin = begin;
    L.end = end;
    L.grain = grain;
    return loop_start(&L, NULL);
}

int weft_reduce(size_t begin, size_t end, size_t grain, size_t size,
                const void *identity, weft_fold_fn fold,
                weft_combine_fn combine, void *ctx, unsigned flags,
                void *result)
{
    if (begin > end || size == 0 || !identity || !fold || !combine || !result ||
        (flags & ~WEFT_DETERMINISTIC))
        return WEFT_EINVAL;
    struct loop L;
    memset(&L, 0, sizeof L);
    L.fold = fold;
    L.combine = combine;
    L.identity = identity;
    L.ctx = ctx;
    L.size = size;
    L.begin = begin;
    L.end = end;
    L.grain = grain;
    L.det = (flags & WEFT_DETERMINISTIC) != 0;
    _Alignas(64) unsigned char buf[ACC_INLINE]; /* as the heap's */
    void *acc = acc_new(&L, buf);
    if (!acc)
        return WEFT_ENOMEM;
    int rc = loop_start(&L, acc);
    if (rc == 0)
        memcpy(result, acc, size);
    acc_free(&L, acc, buf);
    return rc;
}

int weft_cancelled(void)
{
    weft_worker *w = weft_self();
    return weft__ctx_cancelled(w ? w->ctx : weft__outside_ctx);
}

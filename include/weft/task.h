/*
 * weft/task.h - the parts of weft that must be public so that spawn and
 * join can be inlined into the caller: the task frame (which the caller
 * allocates, usually on its stack) and the owner's half of a worker's deque.
 *
 * Do not include this header directly: include <weft.h>.  Every field below
 * is private to weft.  It is shown only so that the compiler can see the
 * size of weft_task and inline the fast paths; its layout changes without
 * notice between versions.
 *
 * The fast paths use the GCC/Clang __atomic builtins on plain fields rather
 * than C11 _Atomic, so that this header also compiles as C++.
 */
#ifndef WEFT_TASK_H
#define WEFT_TASK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A function run by a task: receives the argument given at spawn time. */
typedef void (*weft_fn)(void *arg);

/** The frame of one spawned task, owned by the caller of weft_spawn(). */
typedef struct weft_task {
    weft_fn fn;       /* private: the function */
    void *arg;        /* private: its argument */
    uintptr_t thief;  /* private: while public, 0 or the worker that stole
                         it; while queued from outside, the queue's link */
    uint32_t done;    /* private: 0 running, 1 done, 2 done awaited (futex) */
    uint32_t flags;   /* private: WEFT__JOB_* for submitted tasks */
} weft_task;

/** A worker of a pool.  Opaque apart from the private owner fields below. */
typedef struct weft_worker weft_worker;

/*
 * private: the deque of a worker, laid out first in the worker
 * (src/internal.h).  The first cache line is the owner's alone: it pushes
 * and pops without a fence or a locked instruction.  The second is what
 * thieves read and write.  See docs/design.md, "The split deque".
 */
struct weft__owner {
    weft_task **slots;  /* the owner's view of the slot array */
    uint32_t head;      /* next free slot */
    uint32_t split;     /* slots [split, head) are private */
    uint32_t limit;     /* push goes the slow way at head >= limit: cap,
                           or 0 while allstolen */
    uint32_t cap;       /* number of slots */
    uint32_t allstolen; /* 1: every public task was stolen */
    uint32_t pad0_;
    uint64_t spawned;   /* counter: tasks spawned by this worker */
    /* shared with thieves, on its own cache line: */
    uint64_t ts __attribute__((aligned(64))); /* tail (low 32) | split */
    uint32_t movesplit;                       /* a thief asks for work */
    uint32_t pad1_;
    weft_task **slots_shared;                 /* the current array */
};

/* private: defined in src/, called from the inline paths below. */
extern __thread weft_worker *weft__self
    __attribute__((tls_model("initial-exec")));
void weft__push_slow(weft_worker *w, weft_task *t);
int weft__pop_slow(weft_worker *w, weft_task *t);
void weft__join_stolen(weft_worker *w, weft_task *t);
void weft__spawn_external(weft_task *t);
void weft__join_external(weft_task *t);
void weft__misuse(const char *rule) __attribute__((noreturn, cold));

#if defined(NDEBUG) && !defined(WEFT_CHECKED)
#define WEFT__CHECK(cond, rule) ((void)0)
#else
#define WEFT__CHECK(cond, rule) \
    ((cond) ? (void)0 : weft__misuse(rule))
#endif

/* private: push t on w's deque.  Owner only. */
static inline void weft__push(weft_worker *w, weft_task *t, weft_fn fn,
                              void *arg)
{
    struct weft__owner *o = (struct weft__owner *)w;
    uint32_t h = o->head;
    t->fn = fn;
    t->arg = arg;
    /* t->thief is not touched here: it matters only once t is public, and
     * the owner clears it when it publishes t (src/deque.c). */
    /* relaxed atomic store: weft_pool_stats() reads it from other threads */
    __atomic_store_n(&o->spawned, o->spawned + 1, __ATOMIC_RELAXED);
    if (__builtin_expect(h >= o->limit ||
                             __atomic_load_n(&o->movesplit, __ATOMIC_RELAXED),
                         0)) {
        weft__push_slow(w, t);
        return;
    }
    o->slots[h] = t;
    o->head = h + 1;
}

/*
 * private: take back the youngest task, which must be t.  Returns 1 when t
 * was not stolen (the caller runs it), 0 when a thief has it (the caller
 * calls weft__join_stolen).  Owner only.
 */
static inline int weft__pop(weft_worker *w, weft_task *t)
{
    struct weft__owner *o = (struct weft__owner *)w;
    uint32_t h = o->head - 1;
    WEFT__CHECK(o->head != 0, "weft_join: no task of this worker is pending "
                              "(join without spawn, or joined twice)");
    WEFT__CHECK(o->slots[h] == t, "weft_join: tasks must be joined in "
                                  "reverse spawn order");
    (void)t;
    if (__builtin_expect(h >= o->split, 1)) {
        o->head = h;
        return 1;
    }
    return weft__pop_slow(w, t);
}

#ifdef __cplusplus
}
#endif

#endif /* WEFT_TASK_H */

/*
 * weft/task.h - the parts of weft that must be public so that spawn and
 * join can be inlined into the caller: the caller's task handle, the slot
 * that a spawned task occupies in its worker's deque, and the owner's half
 * of that deque.
 *
 * Do not include this header directly: include <weft.h>.  Every field below
 * is private to weft.  It is shown only so that the compiler can see the
 * sizes and inline the fast paths; its layout changes without notice
 * between versions.
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

/** The caller's handle of one spawned task (usually a local variable).  On
 *  a worker it only names the task (the task itself is written into the
 *  worker's deque); from a thread outside any pool it is the task. */
typedef struct weft_task {
    weft_fn fn;             /* private: the function (outside a pool) */
    void *arg;              /* private: its argument */
    struct weft_task *next; /* private: the injection queue's link */
    uint32_t done;          /* private: completion word (WEFT__RUNNING...) */
    uint32_t flags;         /* private: WEFT__JOB_* for submitted tasks */
} weft_task;

/* private: the states of a completion word (weft_task.done,
 * weft__frame_hdr.done; protocol in src/join.c). */
enum {
    WEFT__RUNNING = 0, /* not finished */
    WEFT__DONE = 1,    /* finished (set with release, read with acquire) */
    WEFT__WAITED = 2   /* not finished, and a waiter sleeps on the word */
};

/** A worker of a pool.  Opaque apart from the private owner fields below. */
typedef struct weft_worker weft_worker;

/*
 * private: a deque slot.  A spawned task is written into the next free slot
 * of its worker's deque; a thief runs it there, in place (slots never move),
 * through run.  The header is the same for every kind of task; the payload
 * holds a generic task's function, argument and handle, or a typed task's
 * arguments and result (WEFT_TASK_n in weft.h).
 */
#define WEFT__SLOT_SIZE 64
/* private: a public slot's thief field: no thief yet, or the worker of
 * index i took it. */
#define WEFT__NO_THIEF       0u
#define WEFT__THIEF(i)       ((uint32_t)(i) + 1u)
#define WEFT__THIEF_INDEX(v) ((v)-1u)
struct weft__frame_hdr {
    void (*run)(struct weft__frame_hdr *f); /* runs the task (thieves) */
    uint32_t thief; /* while public: WEFT__NO_THIEF or WEFT__THIEF(i) */
    uint32_t done;  /* once stolen: its completion word (WEFT__RUNNING...) */
};
struct weft__frame {
    struct weft__frame_hdr h;
    union {
        struct {
            weft_fn fn;
            void *arg;
            weft_task *key; /* the caller's handle, for the join-order
                               check (only where WEFT__CHECKS) */
        } g;
        unsigned char data[WEFT__SLOT_SIZE - sizeof(struct weft__frame_hdr)];
    } u;
} __attribute__((aligned(WEFT__SLOT_SIZE)));

/*
 * private: the deque of a worker, laid out first in the worker
 * (src/internal.h).  The first cache line is the owner's alone: it pushes
 * and pops without a fence or a locked instruction.  The second is what
 * thieves read and write.  See docs/design.md, "The split deque".
 */
struct weft__owner {
    struct weft__frame *top;     /* next free slot (the head) */
    struct weft__frame *split_p; /* a pop below this takes the slow path:
                                    base + split, or end + 1 while a spawn
                                    that found the deque full is pending
                                    (== top in the placeholder worker of
                                    threads outside any pool: always) */
    struct weft__frame *limit_p; /* a push at or above this takes the slow
                                    path: end, or base while allstolen
                                    (== top in the placeholder: always) */
    struct weft__frame *end;  /* base + cap: the deque is full at top == end */
    struct weft__frame *base; /* slot 0 */
    uint32_t split;           /* slots [split, top) are private */
    uint32_t cap;             /* number of slots */
    uint32_t allstolen;       /* 1: the next spawn publishes (every public task
                                 was stolen, or an idle worker armed it) */
    uint32_t overflow;        /* spawns that found the deque full (and ran at
                                 once), not joined yet */
    uint64_t spawned;         /* counter: tasks spawned by this worker */
    /* shared with thieves, on its own cache line: */
    uint64_t ts __attribute__((aligned(64))); /* tail (low 32) | split */
    uint32_t movesplit;                       /* a thief asks for work */
    uint32_t pad1_;
    struct weft__frame *base_shared; /* slot 0 (read-only) */
    uint64_t stolen_from; /* counter: tasks other workers took from this
                             deque (each thief adds, atomically) */
};

/* private: defined in src/, called from the inline paths below.
 * weft__self is the calling thread's worker; it is never NULL: on a thread
 * outside any pool it points to a placeholder worker whose deque is both
 * full and empty (cap 0), so that weft_spawn and weft_join need no test of
 * their own to send such a thread to their slow paths. */
WEFT_API extern __thread weft_worker *weft__self
    __attribute__((tls_model("initial-exec")));
typedef void (*weft__run_fn)(struct weft__frame_hdr *f);
/* private: the run field of a generic task's slot (weft_spawn): a thief
 * calls u.g.fn(u.g.arg), every other kind's run(slot).  (NULL, so that the
 * spawn stores a constant instead of loading an address.) */
#define WEFT__RUN_GENERIC ((weft__run_fn)0)
WEFT_API void weft__spawn_slow(weft_worker *w, weft_task *t, int checks,
                               weft_fn fn, void *arg);
WEFT_API struct weft__frame *weft__side_push(weft_worker *w, weft__run_fn kind);
WEFT_API void weft__push_publish(weft_worker *w, struct weft__frame *f);
WEFT_API int weft__pop_slow(weft_worker *w, struct weft__frame *f,
                            weft_task *key, weft__run_fn kind,
                            struct weft__frame **res);
WEFT_API struct weft__frame *weft__join_slow(weft_worker *w,
                                             struct weft__frame *f,
                                             weft_task *t, int checks);
WEFT_API void weft__misuse(const char *rule) __attribute__((noreturn, cold));

/* private: the misuse checks of the inline paths, compiled in only where
 * the user's code defines WEFT_CHECKED (weft.h's WEFT_CHECKS); NDEBUG and
 * the optimisation level play no part, so the README's build line gives
 * the fast code. */
#ifdef WEFT_CHECKED
#define WEFT__CHECKS            1
#define WEFT__CHECK(cond, rule) ((cond) ? (void)0 : weft__misuse(rule))
#else
#define WEFT__CHECKS            0
#define WEFT__CHECK(cond, rule) ((void)0)
#endif

#define WEFT__OWNER(w) ((struct weft__owner *)(w))
/* private: 0 for the placeholder of threads outside any pool (weft__self) */
#define WEFT__IS_WORKER(w) (WEFT__OWNER(w)->cap != 0)
#define WEFT__LIKELY(x)    __builtin_expect(!!(x), 1)
#define WEFT__UNLIKELY(x)  __builtin_expect(!!(x), 0)

/*
 * private: x86-64 forms of two steps of the fast paths, each shorter than
 * what GCC and Clang make of the portable C: they do not fold an atomic
 * store into an add, and they reload a thread-local variable after every
 * call.  The C forms are used elsewhere (and give the same results).
 */
#if defined(__x86_64__) && defined(__LP64__) && defined(__GNUC__)
#define WEFT__X86_64 1
#else
#define WEFT__X86_64 0
#endif

/* private: 1 when a thief asked the owner for work: the spawn that just
 * wrote its slot must take the publishing slow path.  (A relaxed load, a
 * separate load and test: an asm compare with the word as its memory
 * operand saved an instruction a spawn but ran typed fib(40) 5-8% slower
 * with gcc -O3, 0.216 s against 0.207 s: docs/benchmarks.md.) */
static inline int weft__must_publish(struct weft__owner *o)
{
    return __atomic_load_n(&o->movesplit, __ATOMIC_RELAXED) != 0;
}

/* private: counts a spawn of o's worker.  Only the owner writes the
 * counter; weft_pool_stats() reads it from other threads with relaxed
 * loads, so the increment must be a single-copy-atomic store, not a
 * locked one: a relaxed atomic store of the owner's value + 1 (a load, an
 * add and a store). */
static inline void weft__count_spawn_c(struct weft__owner *o)
{
    __atomic_store_n(&o->spawned, o->spawned + 1, __ATOMIC_RELAXED);
}

/* private: the same count for the typed spawns: on x86-64 an add to the
 * aligned word in memory (one instruction).  weft_spawn keeps the C form:
 * gcc -O3 sizes an asm statement as one instruction, and with it a
 * generic spawning function such as fib became small enough for gcc to
 * inline into itself through its joins (21 call sites for 5), which ran
 * fib(38) 1.3x slower (docs/benchmarks.md). */
static inline void weft__count_spawn(struct weft__owner *o)
{
#if WEFT__X86_64
    __asm__("addq $1, %0" : "+m"(o->spawned));
#else
    weft__count_spawn_c(o);
#endif
}

/*
 * private: weft__self for weft_spawn and weft_join.  A thread's weft__self
 * is set before its first task and never changes while a task runs, so the
 * value read at a spawn is still right at the join after it: on x86-64 the
 * read is an asm statement that depends on nothing, which the compiler may
 * reuse across calls instead of reading the variable again after each
 * (the same initial-exec access as the C form: GOT offset, %fs).
 */
static inline weft_worker *weft__self_cached(void)
{
#if WEFT__X86_64
    weft_worker *w;
    __asm__("movq weft__self@gottpoff(%%rip), %0\n\t"
            "movq %%fs:(%0), %0"
            : "=r"(w));
    return w;
#else
    return weft__self;
#endif
}

/* private: push fn(arg), named by t, on w's deque.  Owner only (w is
 * weft__self, which may be the placeholder of a thread outside any pool). */
static inline void weft__push(weft_worker *w, weft_task *t, weft_fn fn,
                              void *arg)
{
    struct weft__owner *o = WEFT__OWNER(w);
    struct weft__frame *f = o->top;
    if (WEFT__UNLIKELY(f >= o->limit_p)) {
        /* the deque is full (runs it now), or every public task was
         * stolen (publishes this one at once), or w is the placeholder
         * (submits t to the default pool) */
        weft__spawn_slow(w, t, WEFT__CHECKS, fn, arg);
        return;
    }
    weft__count_spawn_c(o);
    f->h.run = WEFT__RUN_GENERIC;
    f->u.g.fn = fn;
    f->u.g.arg = arg;
#if WEFT__CHECKS
    f->u.g.key = t; /* compared by the join (the same function: same flags) */
#else
    (void)t;
#endif
    /* f->h.thief and done are not touched here: they matter only once f is
     * public, and the owner clears thief when it publishes f, a thief sets
     * done when it takes f (src/deque.c). */
    /* Nothing is used after a slow-path call (it sets top itself): values
     * live across a call would take callee-saved registers in every
     * spawning function. */
    if (WEFT__UNLIKELY(weft__must_publish(o))) {
        weft__push_publish(w, f);
        return;
    }
    o->top = f + 1;
}

/*
 * private: join the task named t, the youngest pending one of w: returns
 * its slot when it was not stolen and the caller must run it (the slot is
 * free again, but still holds fn and arg), NULL when it has completed
 * (elsewhere, or at its spawn if that found the deque full).  Owner only
 * (w as in weft__push: on the placeholder, waits for t in the slow path).
 */
static inline struct weft__frame *weft__pop(weft_worker *w, weft_task *t)
{
    struct weft__owner *o = WEFT__OWNER(w);
    struct weft__frame *f = o->top - 1;
    if (WEFT__LIKELY(f >= o->split_p)) {
        WEFT__CHECK(f->u.g.key == t && f->h.run == WEFT__RUN_GENERIC,
                    "weft_join: tasks must be joined in reverse spawn order");
        (void)t;
        o->top = f;
        return f;
    }
    /* (returns the slot itself, so that f is not live across the call:
     * see weft__push) */
    return weft__join_slow(w, f, t, WEFT__CHECKS);
}

/* private: weft_join's body. */
static inline void weft__join(weft_worker *w, weft_task *t)
{
    struct weft__frame *f = weft__pop(w, t);
    if (WEFT__LIKELY(f != NULL))
        f->u.g.fn(f->u.g.arg);
}

/* private: weft_self's body (weft__self is never NULL: see above). */
static inline weft_worker *weft__self_worker(void)
{
    weft_worker *w = weft__self;
    return WEFT__IS_WORKER(w) ? w : NULL;
}

#ifdef __cplusplus
}
#endif

#endif /* WEFT_TASK_H */

/*
 * weft.h - a work-stealing fork-join scheduler.
 *
 * A pool owns one worker thread per core.  Code running on a worker forks
 * with weft_spawn() and joins with weft_join(); an idle worker steals the
 * oldest pending task of another worker.  A worker that joins a task that
 * was stolen does not block: it runs tasks of the thief (the work the joined
 * task is waiting for) until the task is done.  Code outside the pool enters
 * it with weft_pool_run().
 *
 * Rules that hold for every function below:
 *  - Functions that can fail return 0 on success or a negative WEFT_E* code;
 *    weft_strerror() names the code.  On failure nothing has changed.
 *  - Every task spawned must be joined, by the function that spawned it,
 *    before that function returns, and joins happen in the reverse order of
 *    the spawns (debug builds check this and abort naming the rule).
 *
 * See docs/api.md for the full reference and docs/design.md for how it works.
 */
#ifndef WEFT_H
#define WEFT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Marks the functions the library exports: it is built with hidden
 * visibility, so only these (and the internal entry points that the inline
 * paths below call, marked the same way) are in its dynamic symbol table. */
#if defined(__GNUC__) && !defined(WEFT_API)
#define WEFT_API __attribute__((visibility("default")))
#elif !defined(WEFT_API)
#define WEFT_API
#endif

#include "weft/task.h"
#include "weft/typed.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 4
#define WEFT_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* X(name, value, message): the one table behind the enum and weft_strerror. */
#define WEFT_ERRORS(X)                                                     \
    X(WEFT_EINVAL, -EINVAL, "invalid argument")                            \
    X(WEFT_ENOMEM, -ENOMEM, "out of memory")                               \
    X(WEFT_EAGAIN, -EAGAIN, "could not create a worker thread")            \
    X(WEFT_ERANGE, -ERANGE,                                                \
      "worker count, deque_slots or stack_size out of range")              \
    X(WEFT_ENOCPU, -ENXIO,                                                 \
      "the cpuset (or topology) names no CPU this process may use")        \
    X(WEFT_EDEADLK, -EDEADLK, "destroy would wait for the calling worker") \
    X(WEFT_ESHUTDOWN, -ESHUTDOWN, "the pool is being destroyed")           \
    X(WEFT_ETOPOLOGY, -ENODEV, "the hardware topology could not be loaded")

enum weft_error {
#define WEFT__ERR_ENUM(name, value, msg) name = (value),
    WEFT_ERRORS(WEFT__ERR_ENUM)
#undef WEFT__ERR_ENUM
};

/**
 * Returns a static, human-readable description of err: one of the WEFT_E*
 * codes, 0 ("success"), or "unknown weft error" for anything else.
 * Callable from any thread.
 */
WEFT_API const char *weft_strerror(int err);

/* ---- configuration ----------------------------------------------------- */

/** The largest worker count a pool accepts; larger counts give WEFT_ERANGE. */
#define WEFT_MAX_WORKERS 1024

/**
 * Pool settings.  Always start from weft_config_init(): new fields may be
 * added at the end and get their defaults from it.
 */
typedef struct weft_config {
    /** Number of workers; 0 = one per core of the cpuset, at most
     *  WEFT_MAX_WORKERS (or $WEFT_WORKERS when set).  More workers than
     *  cores is allowed.  Max WEFT_MAX_WORKERS. */
    unsigned workers;
    /** CPUs the pool may use, as a list such as "0-3,8" (decimal numbers
     *  without leading zeros, at most 65535, ranges N-M with N <= M, single
     *  commas); NULL = every CPU this process may run on (taskset, cgroups,
     *  MPI bindings).  The set is intersected with the CPUs the process may
     *  use; an empty result is WEFT_ENOCPU, a string that does not parse is
     *  WEFT_EINVAL. */
    const char *cpuset;
    /** Pool name (its first 15 characters are kept), used by
     *  weft_pool_print() and in thread names "weft-<name>-<i>" (cut to the
     *  15 characters Linux allows); NULL = "pool". */
    const char *name;
    /** 1 (default): bind worker i to the i-th core of the cpuset, in
     *  topology order (wrapping around when there are more workers than
     *  cores).  0: do not bind to cores; the workers still run only on the
     *  cpuset's CPUs (on a synthetic topology they keep their creator's).
     *  A failed binding is not an error: the worker runs on the cpuset
     *  unbound (on a synthetic topology, with its creator's affinity) and
     *  weft_pool_stats() counts it in bind_failures. */
    int bind;
    /** Stack size of each worker thread in bytes; 0 = 8 MiB.  A size below
     *  the system's minimum (PTHREAD_STACK_MIN) is raised to it; glibc may
     *  round it down to a multiple of 64 bytes (weft_pool_print shows the
     *  smallest stack a worker got).  A size the system refuses as invalid
     *  (SIZE_MAX) is WEFT_ERANGE; one it cannot map, WEFT_EAGAIN. */
    size_t stack_size;
    /** Slots in each worker's deque: the most tasks that can be pending
     *  (spawned, not joined) on one worker; 0 = 2^20.  Rounded up to a
     *  power of two, at least 64; above 2^26 is WEFT_ERANGE.  Each slot
     *  takes 64 bytes of address space, reserved at creation and backed by
     *  memory only once used.  A spawn that finds the deque full runs its
     *  task at once. */
    unsigned deque_slots;
    /** An hwloc synthetic topology description (e.g. "pack:2 core:4 pu:1")
     *  used in place of the machine's, for testing placement.  NULL = the
     *  real machine.  Binding to simulated cores is impossible: it is
     *  reported as failed (bind_failures) and the workers run unbound. */
    const char *topology;
} weft_config;

/** Fills cfg with the defaults described above.  Any thread. */
WEFT_API void weft_config_init(weft_config *cfg);

/* ---- pools ------------------------------------------------------------- */

typedef struct weft_pool weft_pool;

/**
 * Creates a pool and starts its workers, which park until there is work;
 * returns once every worker has started and tried to bind itself.
 * cfg may be NULL for the defaults.  On success stores the pool in *out and
 * returns 0; on failure returns WEFT_EINVAL (out NULL, bad field),
 * WEFT_ERANGE, WEFT_ENOCPU, WEFT_ENOMEM, WEFT_EAGAIN or WEFT_ETOPOLOGY,
 * leaves *out untouched and leaks nothing.  Any thread.
 */
WEFT_API int weft_pool_create(weft_pool **out, const weft_config *cfg);

/**
 * Stops the workers and frees the pool.  Waits for weft_pool_run() calls
 * already running on it, and for tasks submitted to it by weft_spawn()
 * from outside any pool (the default pool), to finish; calls that start
 * during destruction return WEFT_ESHUTDOWN, and so does a second
 * weft_pool_destroy() of a pool being destroyed (the first one frees it).
 * A worker of another pool runs its own pool's tasks while it waits.
 * Returns 0, WEFT_EINVAL for NULL, WEFT_EDEADLK when called from one of the
 * pool's own workers, or from a worker that is inside weft_pool_run() on
 * this pool further up its stack (the pool is left intact).  Any thread
 * other than the pool's workers.
 */
WEFT_API int weft_pool_destroy(weft_pool *pool);

/**
 * Runs fn(arg) on the pool and returns when it, and every task it spawned,
 * has completed.  Any thread:
 *  - from outside any pool, the caller sleeps until the work is done;
 *  - from a worker of the same pool, fn runs inline on the calling worker;
 *  - from a worker of another pool, the calling worker keeps running its own
 *    pool's tasks while it waits, so pools that call into each other do not
 *    deadlock.
 * Returns 0, WEFT_EINVAL (NULL pool or fn) or WEFT_ESHUTDOWN.
 */
WEFT_API int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg);

/** Returns the number of workers of pool (0 for NULL).  Any thread. */
WEFT_API unsigned weft_pool_workers(const weft_pool *pool);

/**
 * Returns the process's default pool, creating it with the default
 * configuration on first use; NULL if that creation failed.  Any thread.
 */
WEFT_API weft_pool *weft_default_pool(void);

/** Returns the pool of the calling worker, or NULL outside any pool. */
WEFT_API weft_pool *weft_current_pool(void);

/* ---- fork-join ---------------------------------------------------------- */

/** Returns the calling thread's worker, or NULL when it is not a worker. */
static inline weft_worker *weft_self(void) { return weft__self_worker(); }

/** Returns the index of the calling worker in its pool, -1 outside a pool. */
WEFT_API int weft_worker_id(void);

/**
 * Spawns fn(arg) as a task named by t, a handle the caller owns (usually a
 * local variable); t must stay valid until weft_join(t) returns.  The task
 * may run on another worker at any time before the join.  From a worker:
 * writes the task into the next slot of the worker's deque (no heap
 * allocation), or, when all weft_config.deque_slots slots are taken, runs
 * fn(arg) at once (its join then has nothing left to do).  From any other
 * thread: submits t to the default pool (fn runs inline if that pool
 * cannot be created or is being destroyed).
 */
static inline void weft_spawn(weft_task *t, weft_fn fn, void *arg)
{
    weft__push(weft__self, t, fn, arg);
}

/**
 * Waits for the task t spawned by the same thread: after it returns,
 * fn(arg) has completed and its effects are visible to the caller.  On a
 * worker it runs t itself if no thief took it; otherwise it helps the thief
 * until t is done.  Outside a pool it sleeps until t is done.
 */
static inline void weft_join(weft_task *t) { weft__join(weft__self, t); }

/**
 * Runs a(a_arg) and b(b_arg), potentially in parallel, and returns when
 * both are done.  Any thread (outside a pool, b runs on the default pool
 * while the caller runs a).
 */
WEFT_API void weft_join2(weft_fn a, void *a_arg, weft_fn b, void *b_arg);

/*
 * Explicit-worker forms, for code that passes its worker along instead of
 * reading it from thread-local storage.  w must be weft_self() of the
 * calling thread and not NULL.
 */
static inline void weft_worker_spawn(weft_worker *w, weft_task *t, weft_fn fn,
                                     void *arg)
{
    weft__push(w, t, fn, arg);
}

/** Returns 1 when t was not stolen: the caller must now run it itself
 *  (typically by calling the function directly).  Returns 0 when t has
 *  completed: elsewhere, or at its spawn if that found the deque full. */
static inline int weft_worker_join_inline(weft_worker *w, weft_task *t)
{
    return weft__pop(w, t) != NULL;
}

/*
 * Typed tasks, the fast form for hot recursive code.
 * WEFT_TASK_<n>(R, NAME, T1, A1, ...) declares a task NAME taking n (1 to
 * 4) arguments by value and returning R, which may be void (R must start
 * with a keyword or an identifier: name other types with a typedef), and
 * opens the definition
 * of its body, which sees the arguments and `w`, the task's context (a
 * weft_ctx *: the worker and the top of its deque, kept in registers):
 *
 *     WEFT_TASK_1(long, fib, int, n)
 *     {
 *         if (n < 2) return n;
 *         fib_spawn(w, n - 1);            // fork fib(n-1)
 *         long b = fib_call(w, n - 2);    // run fib(n-2) here
 *         return fib_join(w) + b;         // join: direct call if not stolen
 *     }
 *
 * It defines:
 *  - NAME_spawn(w, args...): forks NAME(args...).  The arguments are copied
 *    into the worker's deque; nothing is allocated and the caller declares
 *    no frame.
 *  - NAME_join(w): joins the youngest task this body spawned and not yet
 *    joined, which must be a NAME, and returns its result.  When no thief
 *    took it, it calls NAME's body directly with the saved arguments.
 *  - NAME_call(w, args...): a plain call of NAME from a body.
 *  - NAME_run(worker, args...): runs NAME from code on a worker that is not
 *    a typed body (a weft_pool_run() function, a generic task); worker must
 *    be weft_self() and not NULL.
 * Ordinary code on a worker can also spawn typed tasks through a context of
 * its own, weft_ctx_of(weft_self()), with the same rules as a body.
 * The arguments and the result share 48 bytes (WEFT_TASK_MAX_BYTES, with
 * their alignment): a larger set is a compile-time error; pass a pointer.
 * Argument names must not be `w` or `result`, nor start with `weft__`.
 * A body must join everything it spawned before it returns, in reverse
 * order, and may also use weft_spawn()/weft_join() (joined before its next
 * typed spawn, call or join: those take the deque's head from the body's
 * context, which a generic spawn does not move).  A spawn that finds the
 * worker's deque full (weft_config.deque_slots) runs the task at once
 * instead.
 */
/** A typed task's context: the worker and the top of its deque, kept in
 *  registers.  Its fields are private. */
typedef struct weft_ctx weft_ctx;

/** A context for spawning typed tasks from code on worker w (w must be
 *  weft_self() and not NULL): joins in reverse order before the function
 *  that made it returns. */
static inline weft_ctx weft_ctx_of(weft_worker *w) { return weft__ctx_of(w); }

/** The most bytes the arguments and the result of a typed task may take,
 *  with their alignment. */
#define WEFT_TASK_MAX_BYTES WEFT__TASK_MAX_BYTES

#define WEFT_TASK_1(R, NAME, T1, A1) WEFT__TYPED_1(R, NAME, T1, A1)
#define WEFT_TASK_2(R, NAME, T1, A1, T2, A2) \
    WEFT__TYPED_2(R, NAME, T1, A1, T2, A2)
#define WEFT_TASK_3(R, NAME, T1, A1, T2, A2, T3, A3) \
    WEFT__TYPED_3(R, NAME, T1, A1, T2, A2, T3, A3)
#define WEFT_TASK_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4) \
    WEFT__TYPED_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4)

/* ---- statistics --------------------------------------------------------- */

/** Counters of a pool, summed over its workers since creation. */
typedef struct weft_stats {
    unsigned workers;       /**< workers in the pool */
    unsigned bound;         /**< workers bound to a core */
    unsigned bind_failures; /**< workers whose binding failed */
    uint64_t spawned;       /**< tasks spawned on workers */
    uint64_t run;           /**< tasks run (spawned + submitted from outside) */
    uint64_t steals;        /**< tasks taken from another worker's deque */
    uint64_t leapfrogs; /**< of those, taken while joining (from the thief) */
    uint64_t steal_failures; /**< sweeps of all victims that found nothing */
    uint64_t injected;       /**< tasks submitted from outside the pool */
    uint64_t parks;          /**< times a worker went to sleep */
    uint64_t steals_local; /**< steals from a worker of the thief's NUMA node */
    uint64_t steals_remote; /**< steals from a worker of another NUMA node
                               (steals_local + steals_remote == steals in
                               every reading) */
    uint64_t idle_ns;       /**< nanoseconds workers spent in their main loop
                               with nothing to run (searching or parked),
                               summed over workers, current spells included;
                               never smaller than in an earlier reading */
} weft_stats;

/**
 * Fills *out with pool's counters.  Counters are read without stopping the
 * workers, so they are exact only when the pool is quiescent.  Returns 0 or
 * WEFT_EINVAL.  Any thread.
 */
WEFT_API int weft_pool_stats(const weft_pool *pool, weft_stats *out);

/** Writes pool's settings and counters, one per line, to f.  Returns 0 or
 *  WEFT_EINVAL (NULL pool or f); a write error stays in f (ferror(f)).
 *  Any thread. */
WEFT_API int weft_pool_print(const weft_pool *pool, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */

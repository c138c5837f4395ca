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

#include "weft/task.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 2
#define WEFT_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* X(name, value, message): the one table behind the enum and weft_strerror. */
#define WEFT_ERRORS(X)                                                       \
    X(WEFT_EINVAL, -EINVAL, "invalid argument")                              \
    X(WEFT_ENOMEM, -ENOMEM, "out of memory")                                 \
    X(WEFT_EAGAIN, -EAGAIN, "could not create a worker thread")              \
    X(WEFT_ERANGE, -ERANGE, "worker count above WEFT_MAX_WORKERS")           \
    X(WEFT_ENOCPU, -ENXIO, "cpuset names no CPU this process may use")       \
    X(WEFT_EDEADLK, -EDEADLK, "a pool cannot be destroyed by its own worker")\
    X(WEFT_ESHUTDOWN, -ESHUTDOWN, "the pool is being destroyed")             \
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
const char *weft_strerror(int err);

/* ---- configuration ----------------------------------------------------- */

/** The largest worker count a pool accepts; larger counts give WEFT_ERANGE. */
#define WEFT_MAX_WORKERS 1024

/**
 * Pool settings.  Always start from weft_config_init(): new fields may be
 * added at the end and get their defaults from it.
 */
typedef struct weft_config {
    /** Number of workers; 0 = one per core of the cpuset (or $WEFT_WORKERS
     *  when set).  More workers than cores is allowed.  Max WEFT_MAX_WORKERS. */
    unsigned workers;
    /** CPUs the pool may use, as a list such as "0-3,8" (decimal numbers
     *  without leading zeros, at most 65535, ranges N-M with N <= M, single
     *  commas); NULL = every CPU this process may run on (taskset, cgroups,
     *  MPI bindings).  The set is intersected with the CPUs the process may
     *  use; an empty result is WEFT_ENOCPU, a string that does not parse is
     *  WEFT_EINVAL. */
    const char *cpuset;
    /** Pool name, used in thread names "weft-<name>-<i>" (cut to the 15
     *  characters Linux allows); NULL = "pool". */
    const char *name;
    /** 1 (default): bind worker i to the i-th core of the cpuset, in
     *  topology order (wrapping around when there are more workers than
     *  cores).  0: do not bind.  A failed binding is not an error: the pool
     *  runs unbound and weft_pool_stats() counts it in bind_failures. */
    int bind;
    /** Stack size of each worker thread in bytes; 0 = 8 MiB. */
    size_t stack_size;
    /** Initial slots in each worker's deque (it grows by doubling when
     *  full); 0 = 4096.  Rounded up to a power of two. */
    unsigned deque_slots;
    /** An hwloc synthetic topology description (e.g. "pack:2 core:4 pu:1")
     *  used in place of the machine's, for testing placement.  NULL = the
     *  real machine.  Binding to simulated cores is impossible: it is
     *  reported as failed (bind_failures) and the workers run unbound. */
    const char *topology;
} weft_config;

/** Fills cfg with the defaults described above.  Any thread. */
void weft_config_init(weft_config *cfg);

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
int weft_pool_create(weft_pool **out, const weft_config *cfg);

/**
 * Stops the workers and frees the pool.  Waits for weft_pool_run() calls
 * already running on it to finish; calls that start during destruction
 * return WEFT_ESHUTDOWN.  Returns WEFT_EINVAL for NULL and WEFT_EDEADLK when
 * called from one of the pool's own workers (the pool is left intact).
 * Any thread other than the pool's workers.
 */
int weft_pool_destroy(weft_pool *pool);

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
int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg);

/** Returns the number of workers of pool (0 for NULL).  Any thread. */
unsigned weft_pool_workers(const weft_pool *pool);

/**
 * Returns the process's default pool, creating it with the default
 * configuration on first use; NULL if that creation failed.  Any thread.
 */
weft_pool *weft_default_pool(void);

/** Returns the pool of the calling worker, or NULL outside any pool. */
weft_pool *weft_current_pool(void);

/* ---- fork-join ---------------------------------------------------------- */

/** Returns the calling thread's worker, or NULL when it is not a worker. */
static inline weft_worker *weft_self(void) { return weft__self; }

/** Returns the index of the calling worker in its pool, -1 outside a pool. */
int weft_worker_id(void);

/**
 * Spawns fn(arg) as a task whose frame t the caller owns (usually a local
 * variable); t must stay valid until weft_join(t) returns.  The task may run
 * on another worker at any time before the join.  No heap allocation.
 * From a worker: pushes t on the worker's deque.  From any other thread:
 * submits t to the default pool (fn runs inline if it cannot be created).
 */
static inline void weft_spawn(weft_task *t, weft_fn fn, void *arg)
{
    weft_worker *w = weft__self;
    if (__builtin_expect(w == NULL, 0)) {
        t->fn = fn;
        t->arg = arg;
        weft__spawn_external(t);
        return;
    }
    weft__push(w, t, fn, arg);
}

/**
 * Waits for the task t spawned by the same thread: after it returns,
 * fn(arg) has completed and its effects are visible to the caller.  On a
 * worker it runs t itself if no thief took it; otherwise it helps the thief
 * until t is done.  Outside a pool it sleeps until t is done.
 */
static inline void weft_join(weft_task *t)
{
    weft_worker *w = weft__self;
    if (__builtin_expect(w == NULL, 0)) {
        weft__join_external(t);
        return;
    }
    if (__builtin_expect(weft__pop(w, t), 1))
        t->fn(t->arg);
    else
        weft__join_stolen(w, t);
}

/**
 * Runs a(a_arg) and b(b_arg), potentially in parallel, and returns when
 * both are done.  Any thread (outside a pool, b runs on the default pool
 * while the caller runs a).
 */
void weft_join2(weft_fn a, void *a_arg, weft_fn b, void *b_arg);

/*
 * Explicit-worker forms, for hot recursive code that passes its worker
 * along instead of reading it from thread-local storage.  w must be
 * weft_self() of the calling thread and not NULL.
 */
static inline void weft_worker_spawn(weft_worker *w, weft_task *t, weft_fn fn,
                                     void *arg)
{
    weft__push(w, t, fn, arg);
}

/** Returns 1 when t was not stolen: the caller must now run it itself
 *  (typically by calling the function directly).  Returns 0 when t was
 *  stolen and is now complete. */
static inline int weft_worker_join_inline(weft_worker *w, weft_task *t)
{
    if (__builtin_expect(weft__pop(w, t), 1))
        return 1;
    weft__join_stolen(w, t);
    return 0;
}

/*
 * Typed tasks: WEFT_TASK_<n>(R, NAME, T1, A1, ...) declares a task NAME
 * taking n arguments by value and returning R (not void), and opens the
 * definition of its body, which sees the arguments and `w`, the current
 * worker:
 *
 *     WEFT_TASK_1(long, fib, int, n)
 *     {
 *         if (n < 2) return n;
 *         fib_frame f;
 *         fib_spawn(w, &f, n - 1);        // fork fib(n-1)
 *         long b = fib_call(w, n - 2);    // run fib(n-2) here
 *         return fib_join(w, &f) + b;     // join: direct call if not stolen
 *     }
 *
 * It defines NAME_frame (the frame type), NAME_spawn(w, &frame, args...),
 * NAME_join(w, &frame) returning the result, and NAME_call(w, args...), a
 * plain call.  NAME_call(weft_self(), ...) enters from a weft_pool_run()
 * function.  When the task was not stolen, NAME_join calls NAME_call
 * directly with the saved arguments; no function pointer is involved.
 */
#define WEFT__ID(...) __VA_ARGS__
#define WEFT__TASK_COMMON(R, NAME, FIELDS, PARAMS, SAVE, LOAD)              \
    typedef struct NAME##_frame {                                           \
        weft_task task;                                                     \
        FIELDS                                                              \
        R result;                                                           \
    } NAME##_frame;                                                         \
    static R NAME##_call(weft_worker *w WEFT__ID PARAMS);                   \
    static void NAME##_stolen(void *p)                                      \
    {                                                                       \
        NAME##_frame *f = (NAME##_frame *)p;                                \
        f->result = NAME##_call(weft_self() WEFT__ID LOAD);                 \
    }                                                                       \
    static inline void NAME##_spawn(weft_worker *w,                         \
                                    NAME##_frame *f WEFT__ID PARAMS)        \
    {                                                                       \
        WEFT__ID SAVE                                                       \
        weft__push(w, &f->task, NAME##_stolen, f);                          \
    }                                                                       \
    static inline R NAME##_join(weft_worker *w, NAME##_frame *f)            \
    {                                                                       \
        if (__builtin_expect(weft__pop(w, &f->task), 1))                    \
            return NAME##_call(w WEFT__ID LOAD);                            \
        weft__join_stolen(w, &f->task);                                     \
        return f->result;                                                   \
    }                                                                       \
    static R NAME##_call(weft_worker *w WEFT__ID PARAMS)

#define WEFT_TASK_1(R, NAME, T1, A1)                                        \
    WEFT__TASK_COMMON(R, NAME, T1 A1;, (, T1 A1), (f->A1 = A1;), (, f->A1))
#define WEFT_TASK_2(R, NAME, T1, A1, T2, A2)                                \
    WEFT__TASK_COMMON(R, NAME, T1 A1; T2 A2;, (, T1 A1, T2 A2),            \
                      (f->A1 = A1; f->A2 = A2;), (, f->A1, f->A2))
#define WEFT_TASK_3(R, NAME, T1, A1, T2, A2, T3, A3)                        \
    WEFT__TASK_COMMON(R, NAME, T1 A1; T2 A2; T3 A3;,                       \
                      (, T1 A1, T2 A2, T3 A3),                              \
                      (f->A1 = A1; f->A2 = A2; f->A3 = A3;),                \
                      (, f->A1, f->A2, f->A3))
#define WEFT_TASK_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4)                \
    WEFT__TASK_COMMON(R, NAME, T1 A1; T2 A2; T3 A3; T4 A4;,                \
                      (, T1 A1, T2 A2, T3 A3, T4 A4),                       \
                      (f->A1 = A1; f->A2 = A2; f->A3 = A3; f->A4 = A4;),    \
                      (, f->A1, f->A2, f->A3, f->A4))

/* ---- statistics --------------------------------------------------------- */

/** Counters of a pool, summed over its workers since creation. */
typedef struct weft_stats {
    unsigned workers;        /**< workers in the pool */
    unsigned bound;          /**< workers bound to a core */
    unsigned bind_failures;  /**< workers whose binding failed */
    uint64_t spawned;        /**< tasks spawned on workers */
    uint64_t run;            /**< tasks run (spawned + submitted from outside) */
    uint64_t steals;         /**< tasks taken from another worker's deque */
    uint64_t leapfrogs;      /**< of those, taken while joining (from the thief) */
    uint64_t steal_failures; /**< steal attempts that found nothing */
    uint64_t injected;       /**< tasks submitted from outside the pool */
    uint64_t parks;          /**< times a worker went to sleep */
    uint64_t steals_local;   /**< steals from a worker of the thief's NUMA node */
    uint64_t steals_remote;  /**< steals from a worker of another NUMA node
                                  (steals_local + steals_remote == steals in
                                  every reading) */
    uint64_t idle_ns;        /**< nanoseconds workers spent in their main loop
                                  with nothing to run (searching or parked),
                                  summed over workers, current spells included;
                                  never smaller than in an earlier reading */
} weft_stats;

/**
 * Fills *out with pool's counters.  Counters are read without stopping the
 * workers, so they are exact only when the pool is quiescent.  Returns 0 or
 * WEFT_EINVAL.  Any thread.
 */
int weft_pool_stats(const weft_pool *pool, weft_stats *out);

/** Writes pool's settings and counters, one per line, to f.  Any thread. */
int weft_pool_print(const weft_pool *pool, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */

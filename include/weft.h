/*
 * weft.h - a work-stealing fork-join scheduler: the API.
 *
 * A pool owns one worker thread per core.  Code on a worker forks with
 * weft_spawn() and joins with weft_join() (or the typed WEFT_TASK_n forms);
 * code outside a pool enters one with weft_pool_run().  Functions that can
 * fail return 0 or a negative WEFT_E* code and change nothing on failure;
 * every task spawned is joined by its spawner, in reverse spawn order,
 * before it returns.
 *
 * The comments here are short: docs/api.md is the complete reference
 * (where each function may be called from, every error, every limit).
 * weft/task.h and weft/typed.h are private.
 */
#ifndef WEFT_H
#define WEFT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The functions the library exports (it is built with hidden visibility). */
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

/* 1 when the inline paths compiled here carry the misuse checks: only with
 * -DWEFT_CHECKED (CMake's -DWEFT_CHECKED=ON passes it on); NDEBUG does not
 * matter. */
#define WEFT_CHECKS WEFT__CHECKS

#define WEFT_VERSION_MAJOR 0
#define WEFT_VERSION_MINOR 5
#define WEFT_VERSION_PATCH 0

/* ---- errors ------------------------------------------------------------ */

/* X(name, value, message): the one table behind the enum and weft_strerror. */
#define WEFT_ERRORS(X)                                                      \
    X(WEFT_EINVAL, -EINVAL, "invalid argument")                             \
    X(WEFT_ENOMEM, -ENOMEM, "out of memory")                                \
    X(WEFT_EAGAIN, -EAGAIN, "could not create a worker thread")             \
    X(WEFT_ERANGE, -ERANGE,                                                 \
      "worker count, deque_slots, stack_size or topology size out of "      \
      "range")                                                              \
    X(WEFT_ENOCPU, -ENXIO,                                                  \
      "the cpuset (or topology) names no CPU this process may use")         \
    X(WEFT_EDEADLK, -EDEADLK, "destroy would wait for the calling worker")  \
    X(WEFT_ESHUTDOWN, -ESHUTDOWN,                                           \
      "the pool is shut down or being "                                     \
      "destroyed")                                                          \
    X(WEFT_ETOPOLOGY, -ENODEV, "the hardware topology could not be loaded") \
    X(WEFT_ECANCELED, -ECANCELED, "the scope, loop or job was cancelled")   \
    X(WEFT_ETIMEDOUT, -ETIMEDOUT, "the wait timed out")                     \
    X(WEFT_EBUSY, -EBUSY,                                                   \
      "the submission queue is full, or the job has started (cancel) or "   \
      "not finished (result)")

enum weft_error {
#define WEFT__ERR_ENUM(name, value, msg) name = (value),
    WEFT_ERRORS(WEFT__ERR_ENUM)
#undef WEFT__ERR_ENUM
};

/** A static description of err (a WEFT_E* code or 0).  Any thread. */
WEFT_API const char *weft_strerror(int err);

/* ---- configuration ----------------------------------------------------- */

/** The largest worker count a pool accepts; larger counts give WEFT_ERANGE. */
#define WEFT_MAX_WORKERS 1024
/** The largest max_spares a pool accepts; larger give WEFT_ERANGE. */
#define WEFT_MAX_SPARES 4096
/** The largest queue_capacity a pool accepts; larger give WEFT_ERANGE. */
#define WEFT_MAX_QUEUE_CAPACITY (1u << 30)

/** weft_config.on_full: what weft_submit does when the queue is full. */
enum weft_on_full {
    WEFT_ON_FULL_BLOCK = 0,      /**< wait for room (submit_timeout_ns) */
    WEFT_ON_FULL_REJECT = 1,     /**< return WEFT_EBUSY */
    WEFT_ON_FULL_CALLER_RUNS = 2 /**< run the job on the submitting thread */
};

typedef struct weft_future weft_future;

/** Pool settings.  Start from weft_config_init(): fields added later get
 *  their defaults from it. */
typedef struct weft_config {
    /** Workers; 0: $WEFT_WORKERS, else one per core of the cpuset, at most
     *  the cgroup's CPU quota rounded up. */
    unsigned workers;
    /** CPUs the pool may use ("0-3,8"); NULL: all the process may use. */
    const char *cpuset;
    /** Name in weft_pool_print() and thread names; NULL: "pool". */
    const char *name;
    /** 1 (default): bind each worker to a core; 0: do not. */
    int bind;
    /** Stack size of each worker in bytes; 0: 8 MiB. */
    size_t stack_size;
    /** Deque slots per worker, the most tasks pending on one; 0: 2^20. */
    unsigned deque_slots;
    /** An hwloc synthetic topology to use instead of the machine's. */
    const char *topology;
    /** Most spare workers alive at once, started while workers wait on
     *  other pools or in blocking regions; 0: 256. */
    unsigned max_spares;
    /** Jobs submitted (weft_submit) and not yet started; 0: 2^20. */
    unsigned queue_capacity;
    /** WEFT_ON_FULL_BLOCK (default), _REJECT or _CALLER_RUNS. */
    int on_full;
    /** WEFT_ON_FULL_BLOCK: the longest wait for room, in ns; < 0 (the
     *  default): no limit. */
    int64_t submit_timeout_ns;
    /** Called with each future once its job has finished or was
     *  cancelled, on the thread that finished it; NULL (default): none. */
    void (*on_complete)(weft_future *f, void *ctx);
    /** on_complete's ctx. */
    void *on_complete_ctx;
} weft_config;

/** What decided a pool's worker count (weft_stats.sized_by). */
enum {
    WEFT_SIZED_CPUSET = 0, /**< one per core of the pool's cpuset */
    WEFT_SIZED_QUOTA = 1,  /**< the cgroup's CPU quota, below the cores */
    WEFT_SIZED_ENV = 2,    /**< $WEFT_WORKERS */
    WEFT_SIZED_CONFIG = 3, /**< weft_config.workers */
    WEFT_SIZED_MAX = 4     /**< WEFT_MAX_WORKERS, below cores and quota */
};

/** Fills cfg with the defaults.  Any thread. */
WEFT_API void weft_config_init(weft_config *cfg);

/* ---- pools ------------------------------------------------------------- */

/** A job of a scope or a submission: returns 0 or an error code. */
typedef int (*weft_job_fn)(void *arg);

typedef struct weft_pool weft_pool;

/** Creates a pool (cfg NULL: the defaults) and starts its workers; stores
 *  it in *out.  Returns 0 or a WEFT_E* code, leaving nothing behind.  Any
 *  thread. */
WEFT_API int weft_pool_create(weft_pool **out, const weft_config *cfg);

/** Waits for the runs in flight on pool, stops its workers and frees it.
 *  Returns 0, WEFT_EINVAL, WEFT_EDEADLK (called from a worker that the
 *  wait would include) or WEFT_ESHUTDOWN (already being destroyed).  Any
 *  thread but the pool's own workers. */
WEFT_API int weft_pool_destroy(weft_pool *pool);

/** Runs fn(arg) on pool and returns when it and all it spawned are done:
 *  inline on the pool's own workers; on another pool's worker, running
 *  only what fn submits back to that pool; sleeping elsewhere.  Returns 0,
 *  WEFT_EINVAL or WEFT_ESHUTDOWN.  Any thread. */
WEFT_API int weft_pool_run(weft_pool *pool, weft_fn fn, void *arg);

/** Stops pool accepting work (WEFT_ESHUTDOWN), lets the queued and
 *  running jobs finish for up to timeout_ns (< 0: no limit), then cancels
 *  the jobs still queued.  Returns 0 (every job finished), WEFT_ETIMEDOUT
 *  (jobs were cancelled or still run), WEFT_EINVAL, WEFT_EDEADLK (from a
 *  worker of pool) or WEFT_ESHUTDOWN (being destroyed).  Any thread but
 *  the pool's own workers. */
WEFT_API int weft_pool_shutdown(weft_pool *pool, int64_t timeout_ns);

/** The number of workers of pool (0 for NULL).  Any thread. */
WEFT_API unsigned weft_pool_workers(const weft_pool *pool);

/** The bound on weft_worker_id() in pool: its workers plus its max_spares
 *  (a spare's id is at least weft_pool_workers()); 0 for NULL.  Any
 *  thread. */
WEFT_API unsigned weft_pool_id_limit(const weft_pool *pool);

/** The process's default pool, created on first use; NULL if it cannot
 *  be.  Any thread. */
WEFT_API weft_pool *weft_default_pool(void);

/** The calling worker's pool, or NULL.  Any thread. */
WEFT_API weft_pool *weft_current_pool(void);

/* ---- submission and futures -------------------------------------------- */

/** Queues fn(arg) on pool and stores its future in *out (from a worker of
 *  pool: a spawn that need not be joined).  A full queue does what
 *  cfg.on_full says.  Returns 0, WEFT_EINVAL, WEFT_ENOMEM, WEFT_ESHUTDOWN,
 *  WEFT_EBUSY (full, rejected) or WEFT_ETIMEDOUT (full, no room in time);
 *  on failure no future exists and *out is untouched.  Any thread. */
WEFT_API int weft_submit(weft_pool *pool, weft_job_fn fn, void *arg,
                         weft_future **out);

/** Waits until f's job has finished (or was cancelled), at most timeout_ns
 *  (< 0: no limit; 0: only looks).  On a worker, runs the job itself if it
 *  is still queued on the worker's own pool (no limit only).  Returns 0,
 *  WEFT_ETIMEDOUT or WEFT_EINVAL.  Any thread. */
WEFT_API int weft_future_wait(weft_future *f, int64_t timeout_ns);

/** The value f's job returned; WEFT_ECANCELED if it never ran; WEFT_EBUSY
 *  if it has not finished; WEFT_EINVAL for NULL.  Any thread. */
WEFT_API int weft_future_result(const weft_future *f);

/** Cancels f's job if it has not started: returns 0 (it never runs),
 *  WEFT_EBUSY (it runs or has finished) or WEFT_EINVAL.  Any thread. */
WEFT_API int weft_future_cancel(weft_future *f);

/** Gives f back (NULL: nothing); a job still pending runs detached and its
 *  storage goes when it ends.  Any thread, once per future. */
WEFT_API void weft_future_release(weft_future *f);

/* ---- blocking regions --------------------------------------------------- */

/** Brackets a call that blocks (I/O, a lock, a sleep) in a task: while the
 *  calling worker is inside, its pool may run a spare worker in its place
 *  (max_spares).  Regions nest; each begin needs its end, on the same
 *  worker, in the same task.  Outside a worker they do nothing. */
WEFT_API void weft_blocking_begin(void);
WEFT_API void weft_blocking_end(void);

/* ---- fork-join ---------------------------------------------------------- */

/* Types (from weft/task.h): weft_fn, a task's function, void (*)(void *);
 * weft_task, the caller's handle of one spawned task (fields private);
 * weft_worker, a worker (opaque). */

/** The calling thread's worker, or NULL.  Any thread. */
static inline weft_worker *weft_self(void) { return weft__self_worker(); }

/** The calling worker's index in its pool, or -1.  Any thread. */
WEFT_API int weft_worker_id(void);

/** Forks fn(arg) as the task t (a handle the caller keeps valid until its
 *  join).  On a worker: into its deque, no allocation; elsewhere: onto the
 *  default pool.  Any thread. */
static inline void weft_spawn(weft_task *t, weft_fn fn, void *arg)
{
    weft__push(weft__self_cached(), t, fn, arg);
}

/** Joins t, the caller's youngest unjoined spawn: runs it if no thief
 *  took it, else helps the thief until it is done.  Any thread. */
static inline void weft_join(weft_task *t)
{
    weft__join(weft__self_cached(), t);
}

/** Runs a(a_arg) and b(b_arg), potentially in parallel.  Any thread. */
WEFT_API void weft_join2(weft_fn a, void *a_arg, weft_fn b, void *b_arg);

/* Explicit-worker forms: w must be weft_self(), not NULL. */
static inline void weft_worker_spawn(weft_worker *w, weft_task *t, weft_fn fn,
                                     void *arg)
{
    weft__push(w, t, fn, arg);
}

/** Joins t: 1 when it was not stolen and the caller must run it now, 0
 *  when it has completed. */
static inline int weft_worker_join_inline(weft_worker *w, weft_task *t)
{
    return weft__pop(w, t) != NULL;
}

/*
 * Typed tasks, the fast form for hot recursive code.  WEFT_TASK_n(R, NAME,
 * T1, A1, ...) declares a task NAME of n (1-4) arguments by value returning
 * R (void allowed), and opens its body, which sees the arguments and `w`,
 * the task's context:
 *
 *     WEFT_TASK_1(long, fib, int, n)
 *     {
 *         if (n < 2) return n;
 *         fib_spawn(w, n - 1);            // fork fib(n-1)
 *         long b = fib_call(w, n - 2);    // run fib(n-2) here
 *         return fib_join(w) + b;         // join
 *     }
 *
 * It defines NAME_spawn(w, args...), NAME_join(w), NAME_call(w, args...)
 * and NAME_run(worker, args...) (from code on a worker that is not a typed
 * body).  Arguments and result share WEFT_TASK_MAX_BYTES; argument names
 * must not be `w`, `result` or start with `weft__`.
 */
/** A typed task's context (its fields are private). */
typedef struct weft_ctx weft_ctx;

/** A context for spawning typed tasks from ordinary code on worker w
 *  (weft_self(), not NULL). */
static inline weft_ctx weft_ctx_of(weft_worker *w) { return weft__ctx_of(w); }

/** Bytes a typed task's arguments and result may take (48). */
#define WEFT_TASK_MAX_BYTES WEFT__TASK_MAX_BYTES

#define WEFT_TASK_1(R, NAME, T1, A1) WEFT__TYPED_1(R, NAME, T1, A1)
#define WEFT_TASK_2(R, NAME, T1, A1, T2, A2) \
    WEFT__TYPED_2(R, NAME, T1, A1, T2, A2)
#define WEFT_TASK_3(R, NAME, T1, A1, T2, A2, T3, A3) \
    WEFT__TYPED_3(R, NAME, T1, A1, T2, A2, T3, A3)
#define WEFT_TASK_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4) \
    WEFT__TYPED_4(R, NAME, T1, A1, T2, A2, T3, A3, T4, A4)

/* ---- loops ---------------------------------------------------------------
 *
 * Data-parallel loops on the calling worker's pool (from a thread outside
 * any pool: on the default pool, the caller waiting).  They split lazily,
 * only when another worker asks for work, and their waits help only with
 * their own chunks.  docs/api.md and docs/loops.md have the details. */

/** A loop body: processes [lo, hi); 0, or nonzero to stop the loop. */
typedef int (*weft_range_fn)(size_t lo, size_t hi, void *ctx);
/** A reduction's fold: folds [lo, hi) into *acc; 0, or nonzero to stop. */
typedef int (*weft_fold_fn)(size_t lo, size_t hi, void *acc, void *ctx);
/** A reduction's combine: *acc = *acc (+) *rhs, rhs the range to the right
 *  of acc's. */
typedef void (*weft_combine_fn)(void *acc, const void *rhs, void *ctx);

/** weft_reduce: the chunk tree and combine order depend only on (begin,
 *  end, grain), so results are bit-identical for every worker count. */
#define WEFT_DETERMINISTIC 1u

/** Calls body on disjoint chunks of at most grain iterations (0: weft
 *  chooses) covering [begin, end).  Returns 0, the first nonzero value a
 *  body returned, WEFT_ECANCELED (an enclosing scope or loop was
 *  cancelled) or WEFT_EINVAL.  Any thread. */
WEFT_API int weft_for(size_t begin, size_t end, size_t grain,
                      weft_range_fn body, void *ctx);

/** Folds [begin, end) into accumulators of size bytes, each starting from
 *  a copy of *identity, combines them left part first and stores the
 *  total in *result (only on success).  flags: 0 or WEFT_DETERMINISTIC.
 *  Returns as weft_for, or WEFT_ENOMEM.  Any thread. */
WEFT_API int weft_reduce(size_t begin, size_t end, size_t grain, size_t size,
                         const void *identity, weft_fold_fn fold,
                         weft_combine_fn combine, void *ctx, unsigned flags,
                         void *result);

/** Nonzero when the job or loop chunk that the caller runs belongs to a
 *  cancelled scope or loop (or one nested in it); 0 outside any.  Any
 *  thread. */
WEFT_API int weft_cancelled(void);

/* ---- scopes --------------------------------------------------------------
 *
 * A scope runs a dynamic set of jobs and waits for all of them.  Declare
 * one (on the stack), weft_scope_init it, spawn jobs into it from any
 * thread, and weft_scope_wait it once; then it may be initialised again. */

/** Bytes of a scope's private state. */
#define WEFT__SCOPE_BYTES 192

/** A scope.  Its fields are private. */
typedef struct weft_scope {
    union {
        void *align_p_;
        uint64_t align_u_;
        unsigned char bytes_[WEFT__SCOPE_BYTES];
    } weft__private;
} weft_scope;

/** Prepares s for jobs: on the calling worker's pool (outside any pool:
 *  the default pool).  Every init is followed by one weft_scope_wait.  Any
 *  thread. */
WEFT_API void weft_scope_init(weft_scope *s);

/** Queues fn(arg) as a job of s (its state on the heap).  Returns 0,
 *  WEFT_EINVAL, WEFT_ENOMEM or WEFT_ECANCELED (s was cancelled: nothing
 *  queued).  Any thread, until s's wait returns. */
WEFT_API int weft_scope_spawn(weft_scope *s, weft_job_fn fn, void *arg);

/** Returns when every job of s has finished, running s's jobs meanwhile
 *  (never other work).  Returns 0, the first nonzero value a job
 *  returned, WEFT_ECANCELED or WEFT_EINVAL.  The thread that initialised
 *  s. */
WEFT_API int weft_scope_wait(weft_scope *s);

/** Cancels s: jobs not started never start, running ones see
 *  weft_cancelled() nonzero.  Any thread, until s's wait returns. */
WEFT_API void weft_scope_cancel(weft_scope *s);

/* ---- statistics --------------------------------------------------------- */

/** Counters of a pool, summed over its workers since creation. */
typedef struct weft_stats {
    unsigned workers;          /**< workers in the pool */
    unsigned bound;            /**< workers bound to a core */
    unsigned bind_failures;    /**< workers whose binding failed */
    uint64_t spawned;          /**< tasks spawned on workers */
    uint64_t run;              /**< tasks run (spawned + submitted) */
    uint64_t steals;           /**< tasks taken from another worker's deque */
    uint64_t leapfrogs;        /**< of those, taken while joining */
    uint64_t steal_failures;   /**< sweeps of all victims that found nothing */
    uint64_t injected;         /**< tasks submitted from outside the pool */
    uint64_t parks;            /**< times a worker went to sleep */
    uint64_t steals_local;     /**< steals from the thief's NUMA node */
    uint64_t steals_remote;    /**< steals from another NUMA node */
    uint64_t idle_ns;          /**< time workers spent with nothing to run */
    uint64_t foreign_waits;    /**< waits on another pool's job or drain */
    uint64_t spares_started;   /**< spare workers started */
    unsigned spares_peak;      /**< most spares alive at once */
    unsigned spares;           /**< spares alive now */
    uint64_t spare_limit_hits; /**< spares wanted past max_spares */
    uint64_t blocking_regions; /**< weft_blocking_begin calls on workers */
    uint64_t submitted;        /**< weft_submit calls that made a future */
    uint64_t queue_full;       /**< submissions that found the queue full */
    unsigned queued;           /**< submitted jobs not started now */
    int sized_by;              /**< WEFT_SIZED_*: what decided workers */
    unsigned cores;            /**< cores of the pool's cpuset */
    unsigned quota_cpus;       /**< cgroup CPU quota rounded up; 0: none */
    uint64_t quota_us;         /**< that quota, per period_us (0: none) */
    uint64_t period_us;
    int one_cpu_oversubscribed; /**< 1: workers > 1 asked for on one CPU */
} weft_stats;

/** Fills *out with pool's counters (exact when the pool is quiescent).
 *  Returns 0 or WEFT_EINVAL.  Any thread. */
WEFT_API int weft_pool_stats(const weft_pool *pool, weft_stats *out);

/** Writes pool's settings and counters to f.  Returns 0 or WEFT_EINVAL
 *  (a write error stays in ferror(f)).  Any thread. */
WEFT_API int weft_pool_print(const weft_pool *pool, FILE *f);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */

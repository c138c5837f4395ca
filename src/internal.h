/*
 * internal.h - weft's internal types and the prototypes of internal
 * functions, grouped by the file that defines them.  Nothing here is
 * visible to users; internal non-static names start with weft__.
 */
#ifndef WEFT_INTERNAL_H
#define WEFT_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>

#include "atomic.h"
#include "weft.h"

#define WEFT_CACHE_LINE 64

/* Test-only hooks (weft__test_*, declared below by file) exist only where
 * the library is built with WEFT_TEST_HOOKS: the weft-testing library that
 * the tests link (CMakeLists.txt).  The installed library has none. */

/*
 * Internal invariants, the ones the comments state (tail <= split <= head,
 * a slot's states, counts that cannot go below zero).  Checked where the
 * build defines WEFT_INTERNAL_ASSERTS: the sanitizer, checked
 * (WEFT_CHECKED) and Debug builds (CMakeLists.txt); compiled out in a
 * release library, where they would cost the fast paths.  A failure is
 * weft's bug: it aborts naming the condition, the file and the line.
 */
#ifdef WEFT_INTERNAL_ASSERTS
#define WEFT__ASSERT(cond)        \
    (WEFT__LIKELY(cond) ? (void)0 \
                        : weft__assert_fail(#cond, __FILE__, __LINE__))
#else
#define WEFT__ASSERT(cond) ((void)0)
#endif
void weft__assert_fail(const char *cond, const char *file, int line)
    __attribute__((noreturn, cold));

/* ---- the worker ----------------------------------------------------------
 *
 * The deque comes first (struct weft__owner in weft/task.h, so that the
 * inline code there can reach it through a weft_worker pointer): one cache
 * line the owner alone writes, one that thieves write (ts, movesplit) or
 * read (base_shared).  Then a line of fields set before the worker runs,
 * which other workers read (a thief reads its victim's node); then the
 * owner's victim choice and counters, which only stats read; and the sleep
 * word on a line of its own.
 */
/* A run a worker holds on another pool while it waits in weft_pool_run
 * (on the worker's C stack, innermost first): weft_pool_destroy of such a
 * pool from that worker would wait for itself. */
struct weft__hold {
    struct weft_pool *pool;
    struct weft__hold *up;
};

/* A worker's binding to its core (weft_worker.bound). */
enum {
    WEFT__BIND_FAILED = -1, /* asked for, and it failed */
    WEFT__UNBOUND = 0,      /* not asked for (weft_config.bind = 0) */
    WEFT__BOUND = 1         /* bound to its core */
};

struct weft_worker {
    struct weft__owner own;

    /* Read-mostly: set by pool setup (bound and cpu once, by the worker as
     * it starts). */
    alignas(WEFT_CACHE_LINE) struct weft_pool *pool;
    unsigned index;
    int node;           /* NUMA node (OS index) of its core, -1 unknown */
    unsigned near_lo;   /* pool->order[near_lo, near_lo + near_n): the */
    unsigned near_n;    /* workers of its node, itself included, */
    unsigned near_self; /* itself at near_lo + near_self */
    int bound;          /* WEFT__BOUND, WEFT__UNBOUND, WEFT__BIND_FAILED */
    int cpu;            /* first CPU of its core if bound, else -1 */
    int spare;          /* 1: a spare worker (index >= pool->nworkers) */
    int guest;          /* 1: a guest slot (external.c) */
    pthread_t thread;
    /* The owner's lineage of each published slot (deque.c): written when
     * the slot is published, read by the thief that takes it. */
    struct weft__job **slot_ctx;

    /* Owner-written: victim selection, and counters (relaxed stores) that
     * only stats read. */
    alignas(WEFT_CACHE_LINE) uint64_t rng; /* xorshift64 */
    uint64_t steals_local;  /* tasks stolen from a worker of its node */
    uint64_t steals_remote; /* ... of another node */
    uint64_t leapfrogs;     /* steals made while joining */
    uint64_t steal_failures;
    uint64_t injected_run; /* tasks taken from the pool's injection queue */
    /* Submitted jobs this worker took from the queue, and queue references
     * on the pool it gave back (future.c; written by this worker only). */
    uint64_t fut_left, fut_released;
    uint64_t parks;
    uint64_t idle;            /* idle time, encoded: see idle_read() */
    uint64_t idle_seen;       /* the largest idle time a reader has reported */
    struct weft__frame *side; /* side stack of a full deque (deque.c) */
    uint32_t nside;           /* frames on it */
    uint32_t side_cap;        /* frames allocated there */
    struct weft__hold *holds; /* runs held on other pools (external.c) */
    /* The innermost job whose computation this worker runs now (NULL: a
     * task with no job above it, spawned from outside a pool). */
    struct weft__job *ctx;
    /* The job it waits for in weft_pool_run now (NULL: none), which the
     * submitters of that job's descendants read (external.c). */
    struct weft__job *waiting;
    uint64_t foreign_waits;    /* waits on another pool's job or drain */
    uint32_t blocking_depth;   /* open weft_blocking_begin regions */
    uint64_t blocking_regions; /* outermost regions begun (stats) */

    /* Sleep: 1 while parked (futex word), written by wakers. */
    alignas(WEFT_CACHE_LINE) uint32_t sleep_word;
    /* 1 while blocked in a wait on another pool (futex word): the job's
     * completer and the submitters of its descendants clear it. */
    uint32_t wait_word;
    /* A spare's state (SPARE_*, pool.c), under pool->spare_lock. */
    uint32_t spare_state;
};

/*
 * A worker's idle time (main loop with nothing to run) is one word that
 * only the worker writes, so that a reader sees each change whole and never
 * misses or double-counts a spell:
 *   no spell open: the total so far, in ns (< 2^63);
 *   spell open:    IDLE_OPEN | ((total - start) mod 2^63), where start is
 *                  the spell's start on the monotonic clock, so that the
 *                  total up to time now is (word + now) mod 2^63.
 * A reader's now and the worker's clock reads are not ordered with the
 * word's loads and stores, so a reading can be off by the time between a
 * clock read and the load or store next to it (nanoseconds, or longer if a
 * thread is preempted in between); readers keep the largest value reported
 * in idle_seen (stats.c), so that readings never go back.
 */
#define IDLE_OPEN (1ull << 63)
static inline uint64_t idle_read(uint64_t word, uint64_t now)
{
    if (!(word & IDLE_OPEN))
        return word;
    /* total + (now - start) in 63 bits, as a signed number: negative when
     * the reader read its clock before the spell began and the total is
     * smaller than the difference (totals stay below 2^62 ns, 146 years) */
    uint64_t v = (word + now) & ~IDLE_OPEN;
    return (v & (1ull << 62)) ? 0 : v;
}

_Static_assert(offsetof(struct weft_worker, own) == 0,
               "the owner head must come first (weft/task.h casts to it)");
_Static_assert(offsetof(struct weft__owner, ts) == WEFT_CACHE_LINE,
               "thief-written fields must start the second cache line");
_Static_assert(sizeof(struct weft__owner) == 2 * WEFT_CACHE_LINE,
               "owner and thief lines must not share with the cold fields");
_Static_assert(offsetof(struct weft_worker, pool) == 2 * WEFT_CACHE_LINE,
               "the read-mostly fields start the third line");

static inline uint64_t ts_make(uint32_t tail, uint32_t split)
{
    return (uint64_t)tail | ((uint64_t)split << 32);
}
static inline uint32_t ts_tail(uint64_t ts) { return (uint32_t)ts; }
static inline uint32_t ts_split(uint64_t ts) { return (uint32_t)(ts >> 32); }

/* ---- the pool ----------------------------------------------------------- */

/* pool->idle packs the number of searching workers (low 16 bits) and of
 * parked workers (high 16 bits); see sleep.c. */
#define IDLE_SEARCHING(s) ((s)&0xffffu)
#define IDLE_SLEEPING(s)  ((s) >> 16)
#define IDLE_ONE_SLEEPING 0x10000u

struct weft__topo;

/* The CPU quota of the process's cgroup (cgroup.c). */
struct weft__quota {
    unsigned cpus;      /* quota / period rounded up, at least 1; 0: none */
    uint64_t quota_us;  /* the smallest quota over the cgroup and its */
    uint64_t period_us; /* ancestors, and its period (0: none) */
    char *file;         /* the file it was read from (owned), or NULL */
};

/* What decided a pool's worker count (cgroup.c, weft__size). */
struct weft__sizing {
    int by;                   /* WEFT_SIZED_* */
    unsigned cores;           /* cores of the pool's cpuset */
    unsigned cpus;            /* CPUs (PUs) of the pool's cpuset */
    int one_cpu;              /* 1: more than one worker asked for on one CPU */
    struct weft__quota quota; /* read for the default count only */
};

struct weft_pool {
    unsigned nworkers;
    weft_worker **workers;
    unsigned *order; /* worker indices grouped by NUMA node
                        (read-only after setup) */
    struct weft__topo *topo;
    weft_config cfg; /* the settings in use (strings below) */
    char name[16];
    char *cpuset_str; /* copies owned by the pool */
    char *topology_str;
    struct weft__sizing sizing; /* how cfg.workers was decided */

    /* External submission: an intrusive FIFO linked through task->next. */
    alignas(WEFT_CACHE_LINE) pthread_mutex_t inject_lock;
    weft_task *inject_head;
    weft_task *inject_tail;
    uint64_t inject_count; /* tasks queued and not reserved (a relaxed hint
                              for idle loops) */
    /* Submitted jobs (futures) pushed without the lock, newest first,
     * until a taker moves them to the FIFO (external.c); and the tasks
     * ever submitted (stats, and help_waited's hint), on the submitters'
     * line. */
    alignas(WEFT_CACHE_LINE) weft_task *intake;
    uint64_t injected;

    /* Scopes with queued jobs, for idle workers (scope.c), a list under
     * scope_lock; nscopes counts them (a relaxed hint for idle loops). */
    alignas(WEFT_CACHE_LINE) pthread_mutex_t scope_lock;
    struct weft__scope *scopes;
    uint32_t nscopes;

    /* Idle workers (sleep.c). */
    alignas(WEFT_CACHE_LINE) uint32_t idle;
    uint32_t stop; /* workers exit when they find no work */
    pthread_mutex_t sleep_lock;
    unsigned nsleepers;
    unsigned *sleepers; /* stack of parked worker indices */

    /* Spare workers (pool.c, sleep.c): threads that run the pool's work
     * while workers are blocked in waits on other pools.  blocked counts
     * the pool's threads in such a wait, spares the spare threads alive;
     * a spare is started while spares < blocked and work waits (sleep.c). */
    alignas(WEFT_CACHE_LINE) uint32_t blocked;
    uint32_t spares;
    uint32_t starved;    /* a spare was wanted past max_spares */
    uint32_t spare_hw;   /* spare slots ever used: [nworkers, + spare_hw) */
    unsigned max_spares; /* the bound (cfg.max_spares, resolved) */
    pthread_mutex_t spare_lock;
    uint64_t spares_started, spares_peak, spare_limit_hits; /* stats */

    /* Submitted jobs (future.c; "The bound"): fut_in counts the jobs ever
     * queued, the workers' fut_left and fut_left_other those that left the
     * queue; left_seen is a submitter's last sum of them.  room_seq is the
     * futex word of the submitters waiting for room, room_waiters their
     * number. */
    alignas(WEFT_CACHE_LINE) uint64_t fut_in;
    uint64_t left_seen;
    uint32_t room_seq;
    uint32_t capacity;              /* cfg.queue_capacity, resolved */
    uint64_t submitted, queue_full; /* stats */
    /* As the workers' fut_left and fut_released, by other threads. */
    alignas(WEFT_CACHE_LINE) uint64_t fut_left_other, fut_released_other;
    uint64_t run_outside; /* jobs run on no worker (future.c; stats) */
    /* Read by a worker for every job it takes from the queue, so on a line
     * of their own that submitters do not write: room_waiters, and
     * draining, set once a shutdown began (a copy of shut). */
    alignas(WEFT_CACHE_LINE) uint32_t room_waiters;
    uint32_t draining;

    /* Lifecycle (pool.c). */
    alignas(WEFT_CACHE_LINE) uint32_t stopping; /* destroy has begun */
    uint32_t shut;     /* weft_pool_shutdown has begun: no new work */
    uint32_t runs;     /* weft_pool_run calls and external tasks in flight */
    uint32_t shutters; /* weft_pool_shutdown calls in flight */
    uint32_t started;  /* workers that have started (and bound) */
    /* Guest slots (external.c): bit k of guest_busy is set while a thread
     * outside the pool works in slot k; guest_hw slots have a worker. */
    uint32_t guest_busy;
    uint32_t guest_hw;
};

/* Slots for threads outside a pool that run a loop or their own future's
 * job in it as guests (external.c), after the spares' in pool->workers:
 * indices [weft__guest_base(pool), + WEFT__GUESTS). */
#define WEFT__GUESTS 8u
static inline unsigned weft__guest_base(const struct weft_pool *pool)
{
    return pool->nworkers + pool->max_spares;
}
/* The size of pool->workers: workers, spares, guests. */
static inline unsigned weft__slots(const struct weft_pool *pool)
{
    return weft__guest_base(pool) + WEFT__GUESTS;
}

/* A task submitted by a worker of another pool (weft_pool_run): its
 * completion must wake that worker, which waits in its own pool. */
#define WEFT__JOB_WAITER 1u
/* A task spawned from outside any pool: the worker that completes it gives
 * back the run it holds on the pool (pool->runs). */
#define WEFT__JOB_RELEASE 2u
/* The task is a struct weft__job (weft_pool_run): a node of the lineage. */
#define WEFT__JOB_RUN 4u
/* Reserved for the worker that waits for its parent (external.c): only a
 * wait takes it from the queue. */
#define WEFT__JOB_RESERVED 8u
/* The task is a struct weft_future's (weft_submit, future.c): not a job of
 * the lineage; weft__run_injected hands it to weft__future_run. */
#define WEFT__JOB_FUTURE 16u
/*
 * A job: a call of weft_pool_run, queued on its pool.  Jobs form the
 * lineage that tells a waiting worker what it may run (external.c): parent
 * is the job whose computation submitted this one (the submitter's ctx),
 * NULL from outside any pool.  A job lives in its submitter's frame until
 * it completes, and so do its ancestors (each waits for its descendants).
 */
struct weft__job {
    weft_task task;
    weft_worker *waiter;      /* the waiting worker (of another pool) */
    struct weft__job *parent; /* the submitter's ctx */
    struct weft_pool *pool;   /* the pool it was submitted to */
    uint32_t reserved;        /* 1 while a job of its lineage is reserved
                                 for its waiter (external.c) */
    uint32_t cancelled;       /* 1: cancelled (a loop or scope node) */
};
/* The node is a loop or a scope (loop.c, scope.c), never queued: a link of
 * the lineage that can be cancelled, and is transparent to the waits (no
 * waiter, no pool). */
#define WEFT__JOB_NODE 16u

/* 1 when a, or one of its ancestors, is a cancelled loop or scope: what
 * weft_cancelled() answers for a worker whose ctx is a.  (Relaxed: a
 * cancel is a hint that a late reader only acts on later.) */
static inline int weft__ctx_cancelled(const struct weft__job *a)
{
    for (; a; a = a->parent)
        if (weft__atomic_load_relaxed(&a->cancelled))
            return 1;
    return 0;
}

/* ---- alloc.c: the only file that calls jemalloc ------------------------- */
void *weft__alloc(size_t size); /* zeroed, cache-line aligned */
void weft__free(void *p, size_t size);
/* Not zeroed, malloc's alignment: small records at a high rate. */
void *weft__alloc_small(size_t size);
void weft__free_small(void *p, size_t size);
char *weft__strdup(const char *s);
void weft__strfree(char *s);
/* Reserves size bytes of zeroed address space, backed by memory only as it
 * is touched (a deque); NULL on failure (it counts as an allocation for the
 * test hook below). */
void *weft__vm_reserve(size_t size);
void weft__vm_release(void *p, size_t size);
/* Test hook: the k-th allocation from now returns NULL (k <= 0: none). */
void weft__test_fail_alloc(long k);

/* ---- os-linux.c: threads, futexes, time --------------------------------- */
/* The stack size a worker thread gets when want is asked for: want, raised
 * to the system's minimum (PTHREAD_STACK_MIN). */
size_t weft__thread_stack_size(size_t want);
int weft__thread_start(pthread_t *th, size_t stack_size, void *(*fn)(void *),
                       void *arg);
/* The stack size thread th got (glibc rounds the size asked for down to a
 * multiple of 64 bytes, and may reuse a larger stack of an ended thread);
 * asked when it cannot be read. */
size_t weft__thread_stack_got(pthread_t th, size_t asked);
void weft__thread_join(pthread_t th);
/* Lets th's resources go when it returns, with no join. */
void weft__thread_detach(pthread_t th);
/* Test hook: the k-th thread creation from now fails (k <= 0: none). */
void weft__test_fail_thread(long k);
void weft__thread_setname(const char *name);
/* Sleeps while *addr == val, at most timeout_ns (< 0: no limit). */
void weft__futex_wait(uint32_t *addr, uint32_t val, long timeout_ns);
void weft__futex_wake(uint32_t *addr, int count);
void weft__yield(void);
uint64_t weft__now_ns(void);
/* The CPU the caller runs on now, or -1. */
int weft__current_cpu(void);
static inline void weft__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* ---- topo.c: the only file that calls hwloc ----------------------------- */
int weft__topo_open(const weft_config *cfg, struct weft__topo **out);
void weft__topo_close(struct weft__topo *t);
unsigned weft__topo_cores(const struct weft__topo *t);
/* Binds the calling thread to core (index mod cores).  0 or -1. */
int weft__topo_bind_self(struct weft__topo *t, unsigned index);
/* Lets the calling thread run on any CPU of the pool's set (an unbound
 * worker: it would otherwise keep its creator's binding).  0 or -1. */
int weft__topo_confine_self(struct weft__topo *t);
/* Around fork(): the lock of the shared topology (pool.c's handlers). */
void weft__topo_fork_lock(void);
void weft__topo_fork_unlock(void);
/* The first CPU of core (index mod cores). */
int weft__topo_core_cpu(const struct weft__topo *t, unsigned index);
/* The OS index of the NUMA node of core index (mod cores): of the nodes
 * whose CPUs meet the core's, the one with the fewest CPUs; -1 if none. */
int weft__topo_core_node(const struct weft__topo *t, unsigned index);
int weft__topo_describe(const struct weft__topo *t, char *buf, size_t len);
/* The number of CPUs (PUs) of the pool's set. */
unsigned weft__topo_cpus(const struct weft__topo *t);

/* ---- cgroup.c: container-aware sizing ----------------------------------- */
/* Reads the CPU quota of the process's cgroup and its ancestors into *out
 * (cpus 0 when there is none, or it cannot be read).  Returns 0, or
 * WEFT_ENOMEM (then *out holds no quota). */
int weft__cgroup_quota(struct weft__quota *out);
/* Decides pool's worker count into *out and fills pool->sizing: asked,
 * when not 0 (from the config, by WEFT_SIZED_CONFIG, or $WEFT_WORKERS,
 * WEFT_SIZED_ENV), else the smaller of the cores and the cgroup quota.
 * Needs pool->topo, pool->name and pool->cfg.topology.  Returns 0 or
 * WEFT_ENOMEM. */
int weft__size(struct weft_pool *pool, unsigned asked, int by, unsigned *out);
/* Test hook: the cgroup files are read under root (NULL: under "/"). */
void weft__test_cgroup_root(const char *root);

/* ---- deque.c: the split deque ------------------------------------------- */
/* The most slots a deque may have (weft_config.deque_slots is rounded up to
 * a power of two no larger): 2^26 slots reserve 4 GiB of address space. */
#define WEFT__DEQUE_MAX (1u << 26)
int weft__deque_init(weft_worker *w, unsigned slots);
void weft__deque_fini(weft_worker *w);
/* Takes the oldest public task of victim for thief; NULL if none. */
struct weft__frame *weft__deque_steal(weft_worker *victim, weft_worker *thief);
/* The job whose computation slot f of victim belongs to (its lineage), for
 * the thief that just took f. */
struct weft__job *weft__deque_slot_ctx(weft_worker *victim,
                                       struct weft__frame *f);
/* Sets w's allstolen: its next spawn publishes (w's owner only). */
void weft__deque_set_allstolen(weft_worker *w);
/* Makes every private task of w public (w's owner only). */
void weft__deque_publish_all(weft_worker *w);
/* 1 when victim has a public task (a hint, for the park recheck). */
int weft__deque_has_public(weft_worker *victim);

/* ---- sleep.c: idle, park and wake --------------------------------------- */
/* New work is visible; local: the caller is outside the pool and will
 * block (see wake_one). */
void weft__sleep_notify(struct weft_pool *pool, int local);
/* As weft__sleep_notify, when a seq_cst read-modify-write made the work
 * visible (no fence needed). */
void weft__sleep_notify_rmw(struct weft_pool *pool, int local);
/* w, idle (its deque empty), stops searching: it found work.  Its next
 * spawn may be armed to publish instead of waking a parked worker now. */
void weft__sleep_found_work(weft_worker *w);
void weft__sleep_resume_search(struct weft_pool *pool);
/* Parks w (a worker, not a spare) until woken; returns at once if work is
 * visible or the pool is stopping. */
void weft__sleep_park(weft_worker *w);
void weft__sleep_wake_all(struct weft_pool *pool);
/* w enters a wait on another pool (blocked: it runs nothing but what it
 * waits for); if its pool has work that no thread will take, wakes a
 * parked worker or starts a spare (weft__spare_start). */
void weft__sleep_block(weft_worker *w);
void weft__sleep_unblock(weft_worker *w);
/* A spare with nothing to do: 1 when it may exit (no work came, or
 * another spare took its place), 0 when work came and it goes on
 * searching. */
int weft__sleep_retire(weft_worker *w);
/* Clears w's wait word and wakes w if it sleeps in a wait (external.c).
 * Starts with a fence: whatever the caller did before is seen by the
 * waiter's check, or the waiter's word by this exchange. */
void weft__wait_wake(weft_worker *w);

/* ---- join.c: the completion word, joining a stolen task ---------------- */
/* A waiter spins this many rounds of one pause (a pause takes from ~10 ns
 * to ~60 ns depending on the processor, so a longer spin steals the core
 * from the worker the waiter waits for), then yields this many times, then
 * sleeps (join.c, external.c). */
#define WEFT__WAIT_SPINS  32
#define WEFT__WAIT_YIELDS 16
/* A worker that joins a stolen task or waits for its scope's jobs, with
 * nothing to help, instead yields between its tries for this long after
 * its spins before it sleeps (weft__warm_step).  Its CPU stays awake for
 * the end of a loop or a scope, whose last chunks take up to a chunk's
 * time: a virtual CPU that halts there can come back slower (on the 2-CPU
 * development VM, half speed for 5-30 ms after halts of ~0.3 ms;
 * docs/design.md, "Waiting").  The yields give the CPU to any other
 * thread that wants it, so an oversubscribed CPU loses nothing. */
#define WEFT__WARM_NS 1000000u
/* One step of such a worker's wait: 1 when it spun or yielded, 0 when it
 * should now sleep.  round: the steps since the wait last made progress;
 * *since: 0 at that point, then the start of its yields. */
static inline int weft__warm_step(unsigned round, uint64_t *since)
{
    if (round < WEFT__WAIT_SPINS) {
        weft__cpu_relax();
        return 1;
    }
    uint64_t now = weft__now_ns();
    if (*since == 0)
        *since = now;
    if (now - *since >= WEFT__WARM_NS)
        return 0;
    weft__yield();
    return 1;
}
/* The completion word (weft__frame_hdr.done, weft_task.done): the states
 * WEFT__RUNNING, WEFT__WAITED, WEFT__DONE (weft/task.h; join.c's opening
 * comment has the protocol). */
static inline void weft__done_init(uint32_t *done)
{
    weft__atomic_store_relaxed(done, (uint32_t)WEFT__RUNNING);
}
/* 1 when the task has finished; its effects are then visible (acquire:
 * pairs with the release exchange in weft__done_set). */
static inline int weft__done_is_set(const uint32_t *done)
{
    return weft__atomic_load_acquire(done) == WEFT__DONE;
}
/* Sets the word to DONE and wakes a sleeping waiter.  The task's frame may
 * be gone once this returns. */
void weft__done_set(uint32_t *done);
/* One step of waiting for *done: round counts the steps since the waiter
 * last made progress; spins, then yields, then sleeps on the word (asking
 * the completer for a wake), at most sleep_ns (< 0: until woken). */
void weft__done_backoff(uint32_t *done, unsigned round, long sleep_ns);

/* What a task run by a worker must leave as it found: the head, and the
 * count of spawns pending at a full deque. */
struct weft__mark {
    struct weft__frame *top;
    uint32_t overflow;
};
static inline struct weft__mark weft__mark_of(weft_worker *w)
{
    struct weft__mark m = {w->own.top, w->own.overflow};
    return m;
}
/* Aborts, naming the rule, unless w is back at m. */
void weft__check_joined(weft_worker *w, struct weft__mark m);
/* Runs the task in slot f, taken from a deque, as part of job ctx's
 * computation (its lineage: weft__deque_slot_ctx), and sets its completion
 * word. */
void weft__run_stolen(weft_worker *w, struct weft__frame *f,
                      struct weft__job *ctx);
/* Joins f, the youngest task of w, which a thief took: helps the thief
 * until f is done.  w's head is f on entry and on return. */
void weft__join_stolen(weft_worker *w, struct weft__frame *f);
/* Test hook: yield between a task's completion and its waiter's wake. */
void weft__test_completion_yield(int on);

/* ---- worker.c: the worker loop, finding work ---------------------------- */
/* Searching this long without finding work, a worker parks (also one that
 * waits on another pool, external.c). */
#define WEFT__SEARCH_NS 50000u
/* A worker whose last idle spell ended in work after at most this long
 * searches for up to twice that spell (at most this long) the next time
 * before it parks: the work of a program that issues loops or jobs every
 * few milliseconds then finds its workers awake (worker.c). */
#define WEFT__WARM_GAP_NS 10000000u
void *weft__worker_main(void *arg);
/* A task found by a search: a slot taken from a deque (with its lineage,
 * ctx), or a task submitted from outside; at most one is set. */
struct weft__found {
    struct weft__frame *slot;
    weft_task *job;
    struct weft__job *ctx;
    struct weft__sjob *sjob; /* a job of a scope (scope.c) */
};
static inline int weft__found_any(struct weft__found t)
{
    return t.slot || t.job || t.sjob;
}
/* One sweep for w: the injection queue, then the other workers' deques,
 * those of w's NUMA node first. */
struct weft__found weft__find_work(weft_worker *w);
void weft__run_injected(weft_worker *w, weft_task *t);
void weft__scope_run_job(weft_worker *w, struct weft__sjob *j);
static inline void weft__run_found(weft_worker *w, struct weft__found t)
{
    if (t.slot)
        weft__run_stolen(w, t.slot, t.ctx);
    else if (t.sjob)
        weft__scope_run_job(w, t.sjob);
    else
        weft__run_injected(w, t.job);
}
/* Counts a task that w stole; remote: from a worker of another node. */
static inline void weft__count_steal(weft_worker *w, int remote)
{
    weft__counter_add(remote ? &w->steals_remote : &w->steals_local, 1);
}
/* The worker of threads outside any pool (weft__self there; task.h): its
 * deque has no slot (cap 0), so that every push and pop takes the slow
 * path, which sends the thread to weft__spawn_external and
 * weft__wait_external; weft_self() maps it to NULL. */
extern weft_worker weft__outside;
/* The lineage of a thread outside any pool (its ctx, as w->ctx is a
 * worker's): the scope whose job it runs on behalf of a scope with no
 * pool (scope.c), else NULL.  weft_cancelled() there answers for it, and
 * what the job starts (scopes, loops, weft_pool_run) descends from it. */
extern __thread struct weft__job *weft__outside_ctx;
/* Test hook: writes to out the indices of the workers that worker index
 * tries, in order, in a steal sweep with random number r; returns how many
 * (at most the pool's workers - 1). */
unsigned weft__test_victim_order(weft_pool *pool, unsigned index, uint64_t r,
                                 unsigned *out);

/* ---- external.c: entry from outside a pool ------------------------------ */
/* Queues t, submitted from outside pool, and wakes a parked worker if no
 * worker is searching: one bound to the caller's CPU when local (the
 * caller is about to block), else one on another CPU. */
void weft__inject(struct weft_pool *pool, weft_task *t, int local);
/* The oldest task of pool's injection queue, or NULL. */
weft_task *weft__inject_pop(struct weft_pool *pool);
/* (weft__run_injected, declared above: runs t, a task of the injection
 * queue, sets its completion word, wakes its waiter and gives back the
 * runs it holds.) */
/* Unlinks every task of pool's queue that pred accepts and returns them,
 * oldest first, linked through next (NULL: none). */
weft_task *weft__inject_take_all(struct weft_pool *pool,
                                 int (*pred)(const weft_task *, const void *),
                                 const void *arg);
/* One step of a blocked waiter w: runs a task of its pool's queue that
 * pred accepts (pred NULL: none), or any task when the pool starved for
 * want of a spare; *seen is the queue's submission count at its last
 * search.  Returns 1 when it ran something. */
int weft__help_waited(weft_worker *w,
                      int (*pred)(const weft_task *, const void *),
                      const void *arg, uint64_t *seen);
/* w (a worker) waits until p's runs have drained (the drain of another
 * pool it destroys or shuts down), or until the monotonic time deadline
 * (UINT64_MAX: none), running meanwhile only jobs of its own pool that
 * descend from a job of p.  Returns 1 when drained, 0 at the deadline. */
int weft__wait_drain(weft_worker *w, struct weft_pool *p, uint64_t deadline);
void weft__wait_external(weft_task *t);
/* weft_spawn and weft_join on a thread outside any pool: submit t to the
 * default pool (or run it at once if there is none), wait for it. */
void weft__spawn_external(weft_task *t);
/* The calling thread, outside any pool, becomes a guest of pool: it
 * takes a free guest slot, whose worker is then weft_self(), so that what
 * it runs spawns into that worker's deque and the pool's workers steal
 * from it.  NULL when every slot is taken (or out of memory).  The caller
 * holds a run on pool until it has left. */
weft_worker *weft__guest_enter(struct weft_pool *pool);
/* The guest g leaves its slot (everything it spawned joined). */
void weft__guest_leave(weft_worker *g);
/* Registers the fork() handlers once; called before the default pool's
 * lock or the topology's is first taken (a fork between taking one and
 * registering would leave the child with it held). */
void weft__fork_setup(void);
/* The default pool (created if there is none) with n runs held for the
 * caller, who gives them back with weft__run_release; NULL, holding
 * nothing, when it cannot be created or is being destroyed.  Safe against
 * a concurrent weft_pool_destroy of the default pool. */
struct weft_pool *weft__default_pool_hold(uint32_t n);
/* pool, being destroyed, stops being the default pool (if it was): the
 * next weft_default_pool() creates a new one. */
void weft__default_pool_forget(struct weft_pool *pool);
/* 1 when waiting for pool's runs to end would wait for the calling thread
 * itself: it is one of pool's workers, or a worker inside weft_pool_run on
 * pool further up its stack (weft_pool_destroy, weft_pool_shutdown:
 * WEFT_EDEADLK). */
int weft__waits_for_self(const struct weft_pool *pool);

/* ---- scope.c: scopes ----------------------------------------------------- */
/* A queued job of a listed scope of pool, taken for an idle worker, or
 * NULL (it runs through weft__scope_run_job, declared above). */
struct weft__sjob *weft__scope_take_any(struct weft_pool *pool);

/* ---- future.c: submitted jobs, the bounded queue, shutdown --------------- */
/* Runs (or skips, if cancelled or run by its waiter) the future whose task
 * t a worker took from the queue, and gives back what the queue held. */
void weft__future_run(weft_worker *w, weft_task *t);
/* The jobs of pool submitted and not yet taken from its queue. */
uint64_t weft__futures_queued(const struct weft_pool *pool);
/* 1 when pool has no run and no submitted job whose queue reference is
 * held (a destroy or a shutdown may then go on). */
int weft__pool_drained(struct weft_pool *pool);

/* ---- stats.c ------------------------------------------------------------ */
/* Test hook: sets every counter of a quiescent pool to value (to start
 * them near wrap-around); not the idle time, which is a 63-bit sum of
 * nanoseconds (idle_read), not a wrapping counter. */
void weft__test_preset_counters(weft_pool *pool, uint64_t value);

/* ---- pool.c ------------------------------------------------------------- */
/* Gives back a run on pool (the last access to it by that thread). */
void weft__run_release(struct weft_pool *pool);
/* A weft_pool_shutdown call leaves: shutters - 1, waking a destroy that
 * waits for the last one.  Its last access to pool. */
void weft__shutter_leave(struct weft_pool *pool);
/* Starts a spare worker of pool (counted searching), or, past max_spares,
 * marks the pool starved and wakes its blocked waiters, which then run
 * any of its work (external.c). */
void weft__spare_start(struct weft_pool *pool);
/* The spare w's thread ends (its last call). */
void weft__spare_exit(weft_worker *w);
/* n spares are alive: raises the peak of the stats to n if below. */
void weft__spare_peak(struct weft_pool *pool, uint64_t n);

#endif /* WEFT_INTERNAL_H */

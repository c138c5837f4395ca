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

#include "weft.h"

#define WEFT_CACHE_LINE 64

/* ---- the worker ----------------------------------------------------------
 *
 * The deque comes first (struct weft__owner in weft/task.h, so that the
 * inline code there can reach it through a weft_worker pointer): one cache
 * line the owner alone writes, one that thieves write (ts, movesplit,
 * slots_shared).  Then the worker's cold fields and counters, and the
 * sleep word on a line of its own.
 */
struct weft_worker {
    struct weft__owner own;

    /* Owner-private, cold. */
    struct weft_pool *pool;
    unsigned index;
    int bound;             /* 1 bound to its core, 0 not bound, -1 failed */
    int cpu;               /* first CPU of its core if bound, else -1 */
    int node;              /* NUMA node of its core (topology), -1 unknown */
    unsigned near_lo;      /* pool->order[near_lo, near_lo + near_n): the */
    unsigned near_n;       /* workers of its node, itself included */
    uint64_t rng;          /* victim selection (xorshift64) */
    pthread_t thread;

    /* Counters, written by this worker only (relaxed), read by stats. */
    uint64_t stolen_from;  /* own tasks found stolen at join */
    uint64_t steals;       /* tasks this worker stole */
    uint64_t steals_remote; /* of which from a worker of another node */
    uint64_t leapfrogs;    /* of which while joining */
    uint64_t steal_failures;
    uint64_t injected_run; /* tasks taken from the pool's injection queue */
    uint64_t parks;
    uint64_t idle_ns;      /* main loop with nothing to run: closed spells */
    uint64_t idle_since;   /* start of the current idle spell, 0 if none */

    /* Sleep: 1 while parked (futex word), written by wakers. */
    alignas(WEFT_CACHE_LINE) uint32_t sleep_word;
};

_Static_assert(offsetof(struct weft_worker, own) == 0,
               "the owner head must come first (weft/task.h casts to it)");
_Static_assert(offsetof(struct weft__owner, ts) == WEFT_CACHE_LINE,
               "thief-written fields must start the second cache line");
_Static_assert(sizeof(struct weft__owner) == 2 * WEFT_CACHE_LINE,
               "owner and thief lines must not share with the cold fields");

static inline uint64_t ts_make(uint32_t tail, uint32_t split)
{
    return (uint64_t)tail | ((uint64_t)split << 32);
}
static inline uint32_t ts_tail(uint64_t ts) { return (uint32_t)ts; }
static inline uint32_t ts_split(uint64_t ts) { return (uint32_t)(ts >> 32); }

/* ---- the pool ------------------------------------------------------------ */

/* pool->idle packs the number of searching workers (low 16 bits) and of
 * parked workers (high 16 bits); see sleep.c. */
#define IDLE_SEARCHING(s) ((s) & 0xffffu)
#define IDLE_SLEEPING(s) ((s) >> 16)
#define IDLE_ONE_SLEEPING 0x10000u

struct weft__topo;

struct weft_pool {
    unsigned nworkers;
    weft_worker **workers;
    unsigned *order;          /* worker indices grouped by NUMA node */
    struct weft__topo *topo;
    weft_config cfg;          /* the settings in use (strings below) */
    char name[16];
    char *cpuset_str;         /* copies owned by the pool */
    char *topology_str;

    /* External submission: an intrusive FIFO linked through task->thief. */
    alignas(WEFT_CACHE_LINE) pthread_mutex_t inject_lock;
    weft_task *inject_head;
    weft_task *inject_tail;
    uint64_t inject_count;    /* tasks queued (relaxed hint for idle loops) */
    uint64_t injected;        /* tasks ever submitted (stats) */

    /* Idle workers (sleep.c). */
    alignas(WEFT_CACHE_LINE) uint32_t idle;
    uint32_t stop;            /* workers exit when they find no work */
    pthread_mutex_t sleep_lock;
    unsigned nsleepers;
    unsigned *sleepers;       /* stack of parked worker indices */

    /* Lifecycle (pool.c). */
    alignas(WEFT_CACHE_LINE) uint32_t stopping; /* destroy has begun */
    uint32_t runs;            /* weft_pool_run calls and external tasks in flight */
    uint32_t started;         /* workers that have started (and bound) */
};

/* A task submitted by a worker of another pool (weft_pool_run): its
 * completion must wake that worker, which may be parked in its own pool. */
#define WEFT__JOB_WAITER 1u
/* A task spawned from outside any pool: the worker that completes it gives
 * back the run it holds on the pool (pool->runs). */
#define WEFT__JOB_RELEASE 2u
struct weft__job {
    weft_task task;
    weft_worker *waiter;
};

/* ---- alloc.c: the only file that calls jemalloc -------------------------- */
void *weft__alloc(size_t size);           /* zeroed, cache-line aligned */
void weft__free(void *p, size_t size);
char *weft__strdup(const char *s);
void weft__strfree(char *s);
/* Test hook: the k-th allocation from now returns NULL (k <= 0: none). */
void weft__test_fail_alloc(long k);

/* ---- os-linux.c: threads, futexes, time ---------------------------------- */
int weft__thread_start(pthread_t *th, size_t stack_size,
                       void *(*fn)(void *), void *arg);
void weft__thread_join(pthread_t th);
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

/* ---- topo.c: the only file that calls hwloc ------------------------------ */
int weft__topo_open(const weft_config *cfg, struct weft__topo **out);
void weft__topo_close(struct weft__topo *t);
unsigned weft__topo_cores(const struct weft__topo *t);
/* Binds the calling thread to core (index mod cores).  0 or -1. */
int weft__topo_bind_self(struct weft__topo *t, unsigned index);
/* The first CPU of core (index mod cores). */
int weft__topo_core_cpu(const struct weft__topo *t, unsigned index);
/* The logical index of the NUMA node of core index (mod cores), -1 if the
 * topology shows none. */
int weft__topo_core_node(const struct weft__topo *t, unsigned index);
int weft__topo_describe(const struct weft__topo *t, char *buf, size_t len);

/* ---- deque.c: the split deque --------------------------------------------- */
int weft__deque_init(weft_worker *w, unsigned slots);
void weft__deque_fini(weft_worker *w);
/* Takes the oldest public task of victim for thief; NULL if none. */
weft_task *weft__deque_steal(weft_worker *victim, weft_worker *thief);
/* Makes every private task of w public (w's owner only). */
void weft__deque_publish_all(weft_worker *w);
/* 1 when victim has a public task (a hint, for the park recheck). */
int weft__deque_has_public(weft_worker *victim);

/* ---- sleep.c: idle, park and wake ----------------------------------------- */
/* New work is visible; local: the caller is outside the pool and will
 * block (see wake_one). */
void weft__sleep_notify(struct weft_pool *pool, int local);
/* w stops searching: it found work.  deque_empty: w's deque holds nothing
 * (w is in its idle loop), so its first spawn may be armed to publish. */
void weft__sleep_found_work(weft_worker *w, int deque_empty);
void weft__sleep_resume_search(struct weft_pool *pool);
/* Parks w until woken; returns at once if work is visible, the pool is
 * stopping, or *done (when not NULL) reads 1. */
void weft__sleep_park(weft_worker *w, const uint32_t *done);
/* Wakes w if it is parked (a foreign job it waits for is done). */
void weft__sleep_wake_worker(weft_worker *w);
void weft__sleep_wake_all(struct weft_pool *pool);

/* ---- worker.c: the worker loop, stealing, joining ------------------------- */
void *weft__worker_main(void *arg);
void weft__inject(struct weft_pool *pool, weft_task *t);
void weft__wait_foreign(weft_worker *w, weft_task *job);
void weft__wait_external(weft_task *t);
/* Test hook: yield between a task's completion and its waiter's wake. */
void weft__test_completion_yield(int on);
/* Test hook: writes to out the indices of the workers that worker index
 * tries, in order, in a steal sweep with random number r; returns how many
 * (at most the pool's workers - 1). */
unsigned weft__test_victim_order(weft_pool *pool, unsigned index, uint64_t r,
                                 unsigned *out);

/* ---- stats.c -------------------------------------------------------------- */
/* Test hook: sets every counter of a quiescent pool to value (to start
 * them near wrap-around). */
void weft__test_preset_counters(weft_pool *pool, uint64_t value);

/* ---- pool.c ----------------------------------------------------------------- */
void weft__run_release(struct weft_pool *pool);

#endif /* WEFT_INTERNAL_H */

/*
 * sleep.pml - Promela model of weft's park/wake protocol (src/sleep.c), the
 * worker main loop and injection (src/worker.c) and shutdown
 * (weft_pool_destroy / stop_workers, src/pool.c).  See tests/model/README.md.
 *
 * Threads: W workers (0 .. W-1) and one external thread (W) that submits K
 * tasks (weft__spawn_external: runs + 1, weft__inject), then destroys the
 * pool (waits for runs == 0, stores stop, weft__sleep_wake_all).
 *
 * Build-time macros (spin -DNAME):
 *   W=n               workers (default 2)
 *   K=n               tasks submitted (default 2)
 *   TSO               x86-TSO store buffers (tso.pml)
 *   LTL               include the LTL property `live` (run pan -a -f)
 *   BUG_NOFENCE       weft__sleep_notify without its fence
 *   BUG_NOFENCE_PARK  weft__sleep_park without its fence (passes on TSO:
 *                     the locked RMW on idle already drains the buffer)
 *   BUG_RECHECK       park re-checks for work before registering as a
 *                     sleeper (re-check, then lock/push/idle/unlock, wait)
 *   BUG_NO_WAKEALL    shutdown stores stop but wakes no parked worker
 *   LOCKED_UNLOCK     pthread_mutex_unlock as a locked xchg (glibc on x86)
 *                     instead of a plain release store (the POSIX/C11
 *                     contract, the default)
 *
 * What is checked (safety run, pan without -E): no invalid end state.
 * Every wait (futex wait on the sleep word, a held mutex, the destroyer's
 * wait for runs == 0) is a blocking guard and the only valid end state is
 * "every thread returned", so a reachable state in which
 *   - a submitted task stays queued while every worker is parked (a lost
 *     wake-up: the destroyer waits for ever on runs), or
 *   - a worker stays parked after shutdown,
 * is reported as an invalid end state.  With -DLTL, `live` states that
 * every queued task is eventually taken (under weak fairness).
 */

#ifndef W
#define W 2
#endif
#ifndef K
#define K 2
#endif
#define NP (W + 1)             /* store buffers: workers, external thread */
#define EXT W

/* shared memory words */
#define ICOUNT   0              /* inject_count (and the queue itself) */
#define ILOCK    1              /* inject_lock */
#define SLOCK    2              /* sleep_lock */
#define NSL      3              /* nsleepers */
#define STOP     4              /* pool->stop */
#define SL(i)    (5 + (i))      /* sleepers[i] */
#define WORD(w)  (5 + W + (w))  /* worker w's sleep_word */
#define NMEM     (5 + 2 * W)

#define B 3
#define MEMWRITE_CHECK(a, v) skip
#include "tso.pml"

/* pool->idle, packed in one word in C: searching (low 16 bits) and
 * sleeping (high 16 bits).  Written only by locked RMWs (lock xadd), read
 * by plain loads; a load reads both halves at once. */
byte srch = W, slp = 0;
/* pool->runs: RMW only */
byte runs = 0;
/* futex: fw[w] = 1 while worker w is queued in the kernel on its word */
bit fw[W];

/* ghost */
byte queued = 0;         /* tasks injected and not yet taken */
byte ran = 0;            /* tasks run */

#ifdef LTL
ltl live { [] ((queued > 0) -> <> (queued == 0)) }
#endif

/* pthread_mutex_lock: a locked cmpxchg, blocking while held. */
inline LOCK(p, l)
{
    atomic { DRAINED(p) && mem[l] == 0 -> mem[l] = 1 }
}

inline UNLOCK(p, l)
{
#ifdef LOCKED_UNLOCK
    atomic { DRAINED(p) -> mem[l] = 0 }
#else
    STORE(p, l, 0)
#endif
}

/* futex_wait(addr, val): the kernel compares and queues in one step (under
 * its hash-bucket lock, which also drains the caller's buffer), then the
 * thread sleeps until a futex_wake dequeues it.  (No spurious wake-ups or
 * timeouts: weft's park loop would re-check and wait again anyway.) */
inline FUTEX_WAIT(p, a, val, me)
{
    atomic {
        DRAINED(p) ->
        if
        :: mem[a] == (val) -> fw[me] = 1
        :: else -> skip
        fi
    };
    fw[me] == 0
}

inline FUTEX_WAKE(p, v)
{
    atomic { DRAINED(p) -> fw[v] = 0 }
}

/* wake_one (sleep.c).  Locals: n, v, k. */
inline WAKE_ONE(p)
{
    LOCK(p, SLOCK);
    LOAD(p, NSL, n);
    if
    :: n == 0 ->
        UNLOCK(p, SLOCK)
    :: else ->
        LOAD(p, SL(n - 1), v);
        STORE(p, NSL, n - 1);
        /* sleeping - 1, searching + 1 */
        atomic { DRAINED(p) -> assert(slp > 0); slp--; srch++ };
        STORE(p, WORD(v), 0);           /* release */
        UNLOCK(p, SLOCK);
        FUTEX_WAKE(p, v)
    fi;
    n = 0; v = 0
}

/* weft__sleep_notify.  Locals: s, q, n, v, k. */
inline NOTIFY(p)
{
#ifndef BUG_NOFENCE
    FENCE(p);
#endif
    d_step { s = srch; q = slp };       /* load relaxed idle */
    if
    :: s == 0 && q > 0 -> s = 0; q = 0; WAKE_ONE(p)
    :: else -> s = 0; q = 0
    fi
}

/* unpark_self, sleep_lock held.  Locals: n, i, v, k. */
inline UNPARK_SELF(w)
{
    LOAD(w, NSL, n);
    i = 0;
    do
    :: i < n ->
        LOAD(w, SL(i), v);
        if
        :: v == w ->
            LOAD(w, SL(n - 1), v);
            STORE(w, SL(i), v);
            STORE(w, NSL, n - 1);
            atomic { DRAINED(w) -> assert(slp > 0); slp--; srch++ };
            STORE(w, WORD(w), 0);
            break
        :: else -> i++
        fi
    :: else -> break
    od;
    n = 0; i = 0; v = 0
}

/* the park re-check: work_visible() || stop.  Locals: v, st. */
inline RECHECK(w)
{
    LOAD(w, ICOUNT, v);
    LOAD(w, STOP, st)
}

/* weft__sleep_park(w, NULL) */
inline PARK(w)
{
#ifdef BUG_RECHECK
    FENCE(w);
    RECHECK(w);
    if
    :: v != 0 || st -> goto parked
    :: else -> skip
    fi;
#endif
    LOCK(w, SLOCK);
    LOAD(w, NSL, n);
    STORE(w, SL(n), w);
    STORE(w, NSL, n + 1);
    STORE(w, WORD(w), 1);               /* relaxed */
    /* searching - 1, sleeping + 1 (seq_cst RMW) */
    atomic { DRAINED(w) -> assert(srch > 0); srch--; slp++ };
    n = 0;
    UNLOCK(w, SLOCK);
#ifndef BUG_NOFENCE_PARK
    FENCE(w);
#endif
#ifndef BUG_RECHECK
    RECHECK(w);
    if
    :: v != 0 || st ->
        v = 0; st = 0;
        LOCK(w, SLOCK);
        UNPARK_SELF(w);
        UNLOCK(w, SLOCK)
    :: else ->
#endif
        v = 0; st = 0;
        do
        :: LOAD(w, WORD(w), v);         /* acquire */
           if
           :: v == 1 -> FUTEX_WAIT(w, WORD(w), 1, w)
           :: else -> break
           fi
        od;
        v = 0
#ifndef BUG_RECHECK
    fi;
#endif
parked:
    v = 0; st = 0
}

proctype worker(byte w)
{
    byte v, n, i, s, q, st, k;
    bit got;

    do
    :: /* find_work: inject_pop (no deque work in this model) */
        LOAD(w, ICOUNT, v);             /* relaxed hint */
        if
        :: v != 0 ->
            LOCK(w, ILOCK);
            d_step {
                LOADB(w, ICOUNT, v);
                if
                :: v > 0 -> got = 1; queued--
                :: else -> skip
                fi
            };
            if
            :: got -> STORE(w, ICOUNT, v - 1)
            :: else -> skip
            fi;
            UNLOCK(w, ILOCK)
        :: else -> skip
        fi;
        v = 0;
        if
        :: got ->
            got = 0;
            /* weft__sleep_found_work: searching - 1 (fetch_sub) */
            atomic { DRAINED(w) -> assert(srch > 0); s = srch; q = slp; srch-- };
            /* last searcher with workers parked: fence; wake one only if
             * more work is visible (else the C code arms the first spawn
             * to publish and wake; this model has no spawns) */
            if
            :: s == 1 && q > 0 ->
                s = 0; q = 0;
                FENCE(w);
                LOAD(w, ICOUNT, v);
                if
                :: v != 0 -> v = 0; WAKE_ONE(w)
                :: else -> skip
                fi
            :: else -> s = 0; q = 0
            fi;
            /* run_taken: the task runs; task_complete (xchg done, the
             * external thread is not waiting on it here); run_release */
            d_step { ran++ };
            atomic { DRAINED(w) -> runs-- };
            /* weft__sleep_resume_search */
            atomic { DRAINED(w) -> srch++ }
        :: else ->
            LOAD(w, STOP, v);           /* acquire */
            if
            :: v -> break
            :: else -> skip
            fi;
            /* searched long enough?  Either search again, or park. */
            if
            :: skip
            :: PARK(w)
            fi
        fi
    od
}

proctype external()
{
    byte j, v, n, s, q, k;
    j = 0;
    do
    :: j < K ->
        /* weft__spawn_external: runs + 1 (stopping is 0 until destroy) */
        atomic { DRAINED(EXT) -> runs++ };
        /* weft__inject */
        LOCK(EXT, ILOCK);
        LOAD(EXT, ICOUNT, v);
        queued++;
        STORE(EXT, ICOUNT, v + 1);
        v = 0;
        UNLOCK(EXT, ILOCK);
        NOTIFY(EXT);
        j++
    :: else -> break
    od;
    /* weft_pool_destroy: wait for the runs in flight */
    runs == 0;
    /* stop_workers: seq_cst store of stop (xchg) */
    atomic { DRAINED(EXT) -> mem[STOP] = 1 };
#ifndef BUG_NO_WAKEALL
    /* weft__sleep_wake_all */
    do
    :: LOCK(EXT, SLOCK);
       LOAD(EXT, NSL, n);
       UNLOCK(EXT, SLOCK);
       if
       :: n == 0 -> break
       :: else -> n = 0; WAKE_ONE(EXT)
       fi
    od;
#endif
    /* (then joins the threads: every worker must return) */
    assert(ran == K)
}

init {
    byte i, k;
    atomic {
        START_DRAINERS();
        i = 0;
        do
        :: i < W -> run worker(i); i++
        :: else -> break
        od;
        run external()
    }
}

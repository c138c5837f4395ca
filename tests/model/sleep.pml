/*
 * sleep.pml - Promela model of weft's park/wake protocol (src/sleep.c), the
 * worker main loop (src/worker.c), injection (src/external.c) and shutdown
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
 *   RUNRACE           one more external thread, the racer, submits one task
 *                     (weft__spawn_external: runs + 2, load stopping; inject
 *                     and release one run, or release both and run the task
 *                     itself) while the destroyer (the thread above) sets
 *                     stopping (xchg) and waits for runs == 0.  Checked: no
 *                     task is injected after the destroyer's wait ended,
 *                     and every task runs exactly once.
 *   BUG_NO_STOPPING_CHECK  (RUNRACE) the racer does not look at stopping
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
/* store buffers: workers, the external thread, the racer (RUNRACE).  (A
 * worker waiting on another pool is modelled in waits.pml.) */
#ifdef RUNRACE
#define NRACE 1
#else
#define NRACE 0
#endif
#define NP (W + 1 + NRACE)
#define EXT W
#define RACER (W + 1)          /* the racer (RUNRACE) */

/* shared memory words */
#define ICOUNT   0              /* inject_count (and the queue itself) */
#define ILOCK    1              /* inject_lock */
#define SLOCK    2              /* sleep_lock */
#define NSL      3              /* nsleepers */
#define STOP     4              /* pool->stop */
#define SL(i)    (5 + (i))      /* sleepers[i] */
#define WORD(w)  (5 + W + (w))  /* worker w's sleep_word */
#define STOPPING (5 + 2 * W)    /* pool->stopping (RUNRACE) */
#define NMEM     (6 + 2 * W)

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
byte ran = 0;            /* tasks run by workers */
bit drained = 0;         /* the destroyer's wait for runs == 0 has ended */
byte rin = 0;            /* the racer's tasks injected (RUNRACE) */
byte rinline = 0;        /* the racer's tasks run by the racer (RUNRACE) */

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

/* unpark_self(uw) run by thread up, sleep_lock held: sets found when uw
 * was on the parked stack.  Locals: n, i, v, k, found. */
inline UNPARK(up, uw)
{
    found = 0;
    LOAD(up, NSL, n);
    i = 0;
    do
    :: i < n ->
        LOAD(up, SL(i), v);
        if
        :: v == uw ->
            LOAD(up, SL(n - 1), v);
            STORE(up, SL(i), v);
            STORE(up, NSL, n - 1);
            atomic { DRAINED(up) -> assert(slp > 0); slp--; srch++ };
            STORE(up, WORD(uw), 0);
            found = 1;
            break
        :: else -> i++
        fi
    :: else -> break
    od;
    n = 0; i = 0; v = 0
}

inline UNPARK_SELF(w)
{
    UNPARK(w, w);
    found = 0
}

/* the park re-check: work_visible() || stop.  Locals: v, st. */
inline RECHECK(w)
{
    LOAD(w, ICOUNT, v);
    LOAD(w, STOP, st);
}

/* the first half of weft__sleep_park: lock, push on the parked stack,
 * word = 1, idle: searching - 1, sleeping + 1, unlock.  Locals: n. */
inline REGISTER(w)
{
    LOCK(w, SLOCK);
    LOAD(w, NSL, n);
    STORE(w, SL(n), w);
    STORE(w, NSL, n + 1);
    STORE(w, WORD(w), 1);               /* relaxed */
    /* searching - 1, sleeping + 1 (seq_cst RMW) */
    atomic { DRAINED(w) -> assert(srch > 0); srch--; slp++ };
    n = 0;
    UNLOCK(w, SLOCK)
}

/* the futex wait of weft__sleep_park.  Locals: v. */
inline SLEEP(w)
{
    do
    :: LOAD(w, WORD(w), v);             /* acquire */
       if
       :: v == 1 -> FUTEX_WAIT(w, WORD(w), 1, w)
       :: else -> break
       fi
    od;
    v = 0
}

/* weft__sleep_park(w).  Locals: v, st, n, i, k, found. */
inline PARK(w)
{
#ifdef BUG_RECHECK
    /* the re-check before registering */
    FENCE(w);
    RECHECK(w);
    if
    :: v != 0 || st -> skip
    :: else ->
        v = 0; st = 0;
        REGISTER(w);
        SLEEP(w)
    fi;
#else
    REGISTER(w);
#ifndef BUG_NOFENCE_PARK
    FENCE(w);
#endif
    RECHECK(w);
    if
    :: v != 0 || st ->
        v = 0; st = 0;
        LOCK(w, SLOCK);
        UNPARK_SELF(w);
        UNLOCK(w, SLOCK)
    :: else ->
        v = 0; st = 0;
        SLEEP(w)
    fi;
#endif
    v = 0; st = 0
}

/* find_work: inject_pop (no deque work in this model); sets got.
 * Locals: v, k, got. */
inline INJECT_POP(w)
{
    LOAD(w, ICOUNT, v);                 /* relaxed hint */
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
    v = 0
}

/* weft__sleep_found_work(w), of an idle worker.  Locals: s, q, v, n, k. */
inline FOUND_WORK(w)
{
    /* searching - 1 (fetch_sub) */
    atomic { DRAINED(w) -> assert(srch > 0); s = srch; q = slp; srch-- };
    /* last searcher with workers parked: fence; then wake one only if
     * more work is visible (else the C code arms the next spawn to publish
     * and wake; this model has no spawns) */
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
    fi
}

/* weft__run_injected: the task runs; weft__done_set (xchg done, the
 * external thread is not waiting on it here); run_release. */
inline RUN_TASK(w)
{
    d_step { ran++ };
    atomic { DRAINED(w) -> runs-- }
}

proctype worker(byte w)
{
    byte v, n, i, s, q, st, k;
    bit got, found;

    do
    :: INJECT_POP(w);
        if
        :: got ->
            got = 0;
            FOUND_WORK(w);
            RUN_TASK(w);
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
    /* weft_pool_destroy: stopping = 1 (xchg), then wait for the runs in
     * flight */
#ifdef RUNRACE
    atomic { DRAINED(EXT) -> mem[STOPPING] = 1 };
#endif
    atomic { runs == 0 -> drained = 1 };
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
    assert(ran == K + rin)
}

#ifdef RUNRACE
/* weft__spawn_external from a thread racing with the destroy. */
proctype racer()
{
    byte v, n, s, q, k;
    atomic { DRAINED(RACER) -> runs = runs + 2 };
#ifndef BUG_NO_STOPPING_CHECK
    LOAD(RACER, STOPPING, v);           /* seq_cst load */
#endif
    if
    :: v == 0 ->
        /* weft__inject */
        LOCK(RACER, ILOCK);
        LOAD(RACER, ICOUNT, v);
        d_step { assert(!drained); queued++; rin++ };
        STORE(RACER, ICOUNT, v + 1);
        v = 0;
        UNLOCK(RACER, ILOCK);
        NOTIFY(RACER);
        atomic { DRAINED(RACER) -> runs-- }     /* run_release */
    :: else ->
        v = 0;
        atomic { DRAINED(RACER) -> runs = runs - 2 };
        d_step { rinline++ }                    /* runs the task itself */
    fi
}
#endif

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
#ifdef RUNRACE
        ; run racer()
#endif
    }
}

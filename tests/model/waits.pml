/*
 * waits.pml - Promela model of a worker's wait on another pool's job and of
 * spare workers (src/external.c: weft_pool_run, wait_foreign, help_waited,
 * wait_step, weft__inject; src/sleep.c: weft__sleep_block,
 * weft__sleep_notify, want_thread, weft__sleep_retire, weft__wait_wake;
 * src/pool.c: weft__spare_start, starve).  See tests/model/README.md.
 *
 * Pool A has one worker, W (thread 0), which runs a task T that calls
 * weft_pool_run(C, J).  Thread 1 is J's computation on pool C: it may
 * submit a job G back to A (a descendant of J, which W may run), then
 * waits for G and for the NU unrelated tasks (U), then completes J and
 * wakes W.  Thread 2, outside any pool, submits the NU unrelated tasks U to
 * A at any moment.  So J cannot end unless A runs every U while W is
 * blocked in its wait: the pool must start a spare (threads 3..), or, at
 * max_spares (MAXS), let the blocked W run any task (starved).
 *
 * Build-time macros (spin -DNAME):
 *   NU=n      unrelated tasks (default 1)
 *   MAXS=n    max_spares (default 1; 0: the starvation fallback)
 *   NOG       J submits no G
 *   TSO       x86-TSO store buffers (tso.pml)
 *   BUG_NO_BLOCK_CHECK   weft__sleep_block does not look for work after
 *                        counting itself blocked
 *   BUG_NO_NOTIFY_SPARE  weft__sleep_notify never starts a spare
 *   BUG_NO_WAIT_RECHECK  wait_step sleeps without re-checking after
 *                        setting its wait word
 *   BUG_NO_ANCESTOR_WAKE weft__inject does not wake the waiting ancestor
 *   BUG_RETIRE_NO_RECHECK  a spare retires without looking for work again
 *   BUG_HELP_ANY         the waiter runs unrelated tasks, starved or not
 *
 * Checked (safety run): no invalid end state (every wait is a blocking
 * guard, so a task left queued with no thread to take it, or a waiter that
 * sleeps for ever, leaves threads blocked); and, asserted, W runs no task
 * unrelated to its wait unless the pool starved, and every task runs
 * exactly once.
 */

#ifndef NU
#define NU 1
#endif
#ifndef MAXS
#define MAXS 1
#endif

#ifndef NSPARE
#define NSPARE 1              /* spare threads the model may start */
#endif
#define NP (3 + NSPARE)
#define B 4

/* shared words */
#define QU        0  /* unrelated tasks queued */
#define QG        1  /* G queued: 0 no, 1 yes, 2 yes and W's innermost wait is
                        its parent (no spare is started for it) */
#define INJ       2  /* submissions so far (pool->injected) */
#define BLOCKED   3
#define SPARES    4
#define SEARCHING 5  /* pool->idle's searching count (no worker parks here) */
#define STARVED   6
#define WW        7  /* W's wait word */
#define JDONE     8
#define GDONE     9
#define URAN      10 /* unrelated tasks run */
#define WAITING   11 /* W->waiting == J */
#define NMEM      12

#define MEMWRITE_CHECK(a, v) skip
#include "tso.pml"

byte k;               /* scratch for LOADB (tso.pml) */
byte w_ran_u;         /* ghost: W ran an unrelated task */
byte runs_u;          /* ghost: unrelated tasks run, by anyone */
byte started;         /* spare threads started so far */
byte finished;        /* ghost: worker, job and outside returned */
byte alive;           /* ghost: spare threads running */

/* The inlines below use the scratch locals s_, b_, n_, g_, ok_ that each
 * process declares (SCRATCH). */
#define SCRATCH byte s_, b_, n_, g_, ok_

/* want_thread: after a fence, no searcher: start a spare if fewer spares
 * than blocked threads (the worker never parks in this model: sleeping 0). */
inline want_thread(p, spare)
{
    LOAD(p, SEARCHING, s_);
    if
    :: s_ == 0 && spare ->
        LOAD(p, SPARES, n_);
        LOAD(p, BLOCKED, b_);
        if
        :: n_ < b_ -> spare_start(p)
        :: else -> skip
        fi
    :: else -> skip
    fi;
    s_ = 0; b_ = 0; n_ = 0
}

/* weft__spare_start: nothing if spares already match the blocked threads
 * (a racing start took the place); else CAS spares + 1 below MAXS, count
 * it searching, run it; else starve: set starved and wake the blocked
 * waiter. */
inline spare_start(p)
{
    atomic {
        DRAINED(p) ->
        if
        :: mem[SPARES] >= mem[BLOCKED] -> ok_ = 2 /* a racing start took it */
        :: mem[SPARES] < mem[BLOCKED] && mem[SPARES] < MAXS && started < NSPARE ->
            mem[SPARES]++; mem[SEARCHING]++; ok_ = 1; started++
        :: mem[SPARES] < mem[BLOCKED] && !(mem[SPARES] < MAXS && started < NSPARE) ->
            ok_ = 0
        fi
    };
    if
    :: ok_ == 2 -> skip
    :: ok_ == 1 -> d_step { alive++ }; run spare(2 + started)
    :: ok_ == 0 ->
        atomic { DRAINED(p) -> mem[STARVED] = 1 };
        wake_w(p)
    fi;
    ok_ = 0
}

/* weft__wait_wake(W): fence; exchange the wait word with 0 (the futex wake
 * is implicit: the waiter's futex wait is a guard on the word). */
inline wake_w(p)
{
    FENCE(p);
    atomic { DRAINED(p) -> mem[WW] = 0 }
}

/* A spare: takes unrelated tasks and G from the queue;
 * when it finds none, retires (weft__sleep_retire). */
proctype spare(byte p)
{
    byte q, g, n;
    SCRATCH;
    do
    :: atomic {
        DRAINED(p) ->
        if
        :: mem[QU] > 0 -> mem[QU]--; q = 1
        :: mem[QU] == 0 && mem[QG] != 0 -> mem[QG] = 0; q = 2
        :: else -> q = 0
        fi
    };
        if
        :: q == 1 -> d_step { runs_u++ }; atomic { DRAINED(p) -> mem[URAN]++ }
        :: q == 2 -> atomic { DRAINED(p) -> mem[GDONE] = 1 }
        :: q == 0 ->
            /* retire: spares - 1, searching - 1, fence, look again */
            atomic { DRAINED(p) -> mem[SPARES]--; mem[SEARCHING]-- };
            FENCE(p);
#ifdef BUG_RETIRE_NO_RECHECK
            break;
#endif
            LOAD(p, QU, n);
            LOAD(p, QG, g);
            if
            :: n == 0 && g == 0 -> break
            :: else ->
                atomic {
                    DRAINED(p) ->
                    if
                    :: mem[SPARES] < MAXS && mem[SPARES] < mem[BLOCKED] ->
                        mem[SPARES]++; mem[SEARCHING]++; q = 3
                    :: else -> q = 4
                    fi
                };
                if
                :: q == 4 -> want_thread(p, 1); break
                :: else -> skip
                fi
            fi
        fi;
        q = 0
    od;
    skip; /* (a break may not jump into a d_step) */
    d_step { alive-- }
}

/* weft__sleep_block: blocked + 1, fence, look for work nobody takes. */
inline block(p)
{
    atomic { DRAINED(p) -> mem[BLOCKED]++ };
    FENCE(p);
#ifndef BUG_NO_BLOCK_CHECK
    LOAD(p, QU, n_);
    LOAD(p, QG, g_);
    if
    :: n_ > 0 || g_ != 0 -> want_thread(p, 1)
    :: else -> skip
    fi;
#endif
    n_ = 0; g_ = 0
}

inline unblock(p)
{
    atomic { DRAINED(p) -> mem[BLOCKED]-- }
}

/* W: T calls weft_pool_run(C, J) and waits (wait_foreign). */
proctype worker()
{
    byte d, st, seen = 255, inj, t;
    SCRATCH;
    STORE(0, WAITING, 1);            /* before J is queued */
    atomic { DRAINED(0) -> mem[INJ]++ };  /* J queued on C (thread 1 runs it) */
    block(0);
    do
    :: LOAD(0, JDONE, d);
        if
        :: d -> break
        :: else -> skip
        fi;
        /* help_waited: a job of J's lineage (G), or, starved, any task */
        atomic { DRAINED(0) -> st = mem[STARVED]; if :: st -> mem[STARVED] = 0 :: else -> skip fi };
        LOAD(0, INJ, inj);
        if
        :: inj == seen && !st -> t = 0
        :: else ->
            seen = inj;
            atomic {
                DRAINED(0) ->
                if
                :: mem[QG] != 0 -> mem[QG] = 0; t = 2
#ifdef BUG_HELP_ANY
                :: mem[QU] > 0 -> mem[QU]--; t = 1
#endif
                :: st && mem[QU] > 0 -> mem[QU]--; t = 1
                :: else -> t = 0
                fi
            }
        fi;
        if
        :: t == 1 ->
            unblock(0);
            d_step { w_ran_u = 1; runs_u++ };
            assert(st);              /* unrelated work only when starved */
            atomic { DRAINED(0) -> mem[URAN]++ };
            block(0);
            seen = 255
        :: t == 2 ->
            unblock(0);
            atomic { DRAINED(0) -> mem[GDONE] = 1 };
            block(0);
            seen = 255
        :: t == 0 ->
            /* wait_step's sleep: word = 1, fence, re-check, futex wait */
            atomic { DRAINED(0) -> mem[WW] = 1 };
            FENCE(0);
#ifndef BUG_NO_WAIT_RECHECK
            LOAD(0, JDONE, d);
            LOAD(0, INJ, inj);
            LOAD(0, STARVED, st);
            if
            :: d || inj != seen || st -> STORE(0, WW, 0)
            :: else ->
#endif
                (mem[WW] == 0)       /* futex wait until woken */
#ifndef BUG_NO_WAIT_RECHECK
            fi
#endif
        fi;
        st = 0; t = 0; d = 0
    od;
    unblock(0);
    STORE(0, WAITING, 0);
    d_step { finished++ }
}

/* J's computation on C (thread 1): G back to A, then J depends on every
 * U; then J completes and wakes W. */
proctype job()
{
    byte w_, v;
    SCRATCH;
    /* J starts once queued */
    (mem[INJ] > 0);
#ifndef NOG
    /* weft__inject(A, G): no spare for it when J is W's innermost wait */
    LOAD(1, WAITING, w_);
    atomic {
        DRAINED(1) ->
        if :: w_ -> mem[QG] = 2 :: else -> mem[QG] = 1 fi;
        mem[INJ]++
    };
    if
    :: !w_ -> FENCE(1); want_thread(1, 1)   /* weft__sleep_notify */
    :: else -> skip
    fi;
#ifndef BUG_NO_ANCESTOR_WAKE
    wake_w(1);
#endif
    (mem[GDONE] == 1);
#endif
    (mem[URAN] == NU);
    atomic { DRAINED(1) -> mem[JDONE] = 1 };
    wake_w(1);
    w_ = 0; v = 0;
    d_step { finished++ }
}

/* An outside thread submits the NU unrelated tasks. */
proctype outside()
{
    byte i;
    SCRATCH;
    do
    :: i < NU ->
        atomic { DRAINED(2) -> mem[QU]++; mem[INJ]++ };
#ifdef BUG_NO_NOTIFY_SPARE
        FENCE(2);
#else
        FENCE(2); want_thread(2, 1);
#endif
        i++
    :: else -> break
    od;
    skip;
    d_step { finished++ }
}

init
{
    atomic {
        START_DRAINERS();
        run worker();
        run job();
        run outside()
    };
    /* at the end: every task ran once, every spare retired */
    (finished == 3 && alive == 0);
    assert(runs_u == NU && mem[GDONE] + 0 >= 0 && mem[SPARES] == 0)
}

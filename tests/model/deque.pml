/*
 * deque.pml - Promela model of weft's split deque (src/deque.c and the
 * inline fast paths weft__push / weft__pop in include/weft/task.h), with
 * one owner and NTHIEF thieves.  See tests/model/README.md.
 *
 * Build-time macros (spin -DNAME):
 *   NTHIEF=n          thieves (1 or 2, default 2)
 *   NT=n              tasks the owner spawns in all (default 3)
 *   TSO               x86-TSO: every thread's plain stores go through a FIFO
 *                     store buffer (see "store buffers" below)
 *   BUG_NO_THIEF_WAIT the owner, finding its task stolen, does not wait for
 *                     the thief's announcement (frame.thief != 0) before
 *                     touching the slot again (weft__join_stolen's first loop)
 *   BUG_READ_BEFORE_CAS  a thief reads the slot before its CAS on ts (makes
 *                     the ABA on ts harmful)
 *   BUG_NO_RECLAIM_CHECK the owner's slow pop takes the task back without
 *                     checking tail <= h (a plain store of split instead of
 *                     the CAS)
 *   BUG_ANNOUNCE_EARLY a thief stores frame.thief before it reads the slot
 *   BUG_NO_ANNOUNCE   a thief never stores frame.thief (checks that a join
 *                     that cannot finish is reported)
 *   BUG_NO_THIEF_CLEAR the owner does not clear a frame's thief field when
 *                     it publishes the frame (with reused frames, a stale
 *                     thief value lets the join skip the announcement wait)
 *   FRESH_FRAMES      frames start with done = 0 instead of a stale 1 (the
 *                     default models a reused frame, the harder case)
 *
 * What is checked:
 *   - every task is run exactly once, by the owner inline or by one thief
 *     (assert in RUN, and at the owner's end: every task ran);
 *   - a thief reads, after its CAS, the task that was in the slot when the
 *     CAS succeeded (assert in the thief);
 *   - the owner never overwrites (in memory) a slot that a thief has taken
 *     by CAS and not yet read (assert in MEMWRITE);
 *   - the owner's join of a stolen task terminates: every wait is a
 *     blocking guard and thieves may give up at any point outside a steal,
 *     so a join that could wait for ever shows up as an invalid end state.
 *
 * Atomicity: each atomic/d_step block below is one machine instruction of
 * the C code (a load, a store, a lock cmpxchg/xchg), or ghost bookkeeping
 * glued to exactly one such instruction.
 */

#ifndef NTHIEF
#define NTHIEF 2
#endif
#ifndef NT
#define NT 3
#endif
#define NS (NT + 1)            /* slots: the deque never holds more than NT */
#define NP (NTHIEF + 1)        /* threads: 0 owner, 1..NTHIEF thieves */

/* Shared memory (every plain store of the C code goes through STORE). */
#define SLOT(i)   (i)
#define MS        (NS)             /* own.movesplit */
#define THIEF(id) (NS + (id))      /* frame id's thief field, id = 1..NT */
#define DONE(id)  (NS + NT + (id)) /* frame id's done field */
#define NMEM      (NS + 2 * NT + 1)

/* ts = tail | split << 32: written only by locked instructions (CAS,
 * exchange), so never in a store buffer; read by plain 64-bit loads. */
byte tail, tsplit;

/* ghost state */
byte runs[NT + 1];      /* how many times each task ran */
byte reading[NS];       /* thieves past their CAS for slot i, not yet read */

/* Store buffer size: the owner's longest run of plain stores without a
 * locked instruction: a slot per spawn, the thief fields of the frames it
 * publishes (at most the spawns not yet published), and movesplit twice;
 * overflow is asserted in STORE, so a too-small bound cannot hide a
 * behaviour (tso.pml allows at most 10). */
#define B (2 * NT + 2)

/* The slot-reuse check: made when a store reaches memory (under TSO, when
 * the owner's buffered store drains). */
#define MEMWRITE_CHECK(a, v) \
    if \
    :: (a) < NS -> assert(reading[a] == 0) \
    :: else -> skip \
    fi

#include "tso.pml"

inline RUN(id)
{
    d_step { assert(runs[id] == 0); runs[id]++ }
}

/* ---- the owner ------------------------------------------------------------
 * Runs a bounded fork-join program chosen nondeterministically: spawn
 * (push), join the youngest (pop), and, while joining a stolen task (after
 * the thief's announcement), spawn and join more tasks on top of it (the
 * leapfrogged tasks of weft__join_stolen push at the stolen task's index).
 */
proctype owner()
{
    byte head = 0, osplit = 0, limit = NS, allst = 0;
    byte h, id, v, ms, ct, cs, upto, k, pi;
    bit ok;
    byte top = 0, pushed = 0;
    byte stk[NT];
    bit joining[NT];

    do
    :: pushed < NT ->                       /* weft_spawn */
        pushed++;
        id = pushed;
        /* weft__push leaves t->thief alone: it is cleared when the
         * frame is published (below) */
        h = head;
        LOAD(0, MS, ms);                    /* h >= limit || movesplit */
        if
        :: h >= limit || ms ->              /* weft__push_slow */
            assert(h < NS);                 /* no growth in this model */
            STORE(0, SLOT(h), id);
            head = h + 1;
            if
            :: allst ->
#ifndef BUG_NO_THIEF_CLEAR
                STORE(0, THIEF(id), 0);     /* t->thief = 0 (publish) */
#endif
                /* exchange: ts = {h, h + 1}; tail == split, so no thief's
                 * CAS can succeed in between */
                atomic { DRAINED(0) -> assert(tail == tsplit); tail = h; tsplit = h + 1 };
                osplit = h + 1;
                allst = 0;
                limit = NS;
                STORE(0, MS, 0)
            :: else ->
                LOAD(0, MS, ms);
                if
                :: ms ->
                    STORE(0, MS, 0);
                    upto = osplit + (head - osplit + 1) / 2;
                    /* publish_upto: clear the thief field of every frame
                     * being published, then move split */
#ifndef BUG_NO_THIEF_CLEAR
                    pi = osplit;            /* (k is LOAD's own index) */
                    do
                    :: pi < upto ->
                        LOAD(0, SLOT(pi), v);
                        STORE(0, THIEF(v), 0);
                        pi++
                    :: else -> break
                    od;
                    pi = 0; v = 0;
#endif
                    d_step { ct = tail; cs = tsplit };
                    do
                    :: atomic {
                        DRAINED(0) ->
                        if
                        :: tail == ct && tsplit == cs -> tsplit = upto; ok = 1
                        :: else -> ct = tail; cs = tsplit; ok = 0
                        fi
                       };
                       if
                       :: ok -> break
                       :: else -> skip
                       fi
                    od;
                    assert(cs == osplit && ct <= upto);
                    osplit = upto;
                    ok = 0; ct = 0; cs = 0; upto = 0
                :: else -> skip
                fi
            fi
        :: else ->                          /* fast path */
            STORE(0, SLOT(h), id);
            head = h + 1
        fi;
        stk[top] = id;
        joining[top] = 0;
        top++;
        h = 0; id = 0; ms = 0
    :: top > 0 && !joining[top - 1] ->      /* weft_join: weft__pop */
        id = stk[top - 1];
        h = head - 1;
        LOAD(0, SLOT(h), v);
        assert(v == id);                    /* reverse spawn order */
        v = 0;
        if
        :: h >= osplit ->                   /* private: run inline */
            head = h;
            RUN(id);
            top--
        :: else ->                          /* weft__pop_slow */
            head = h;
            if
            :: !allst ->
                d_step { ct = tail; cs = tsplit };
#ifdef BUG_NO_RECLAIM_CHECK
                atomic { DRAINED(0) -> tsplit = h };
                ok = 1;
#else
                do
                :: ct <= h ->
                    atomic {
                        DRAINED(0) ->
                        if
                        :: tail == ct && tsplit == cs -> tsplit = h; ok = 1
                        :: else -> ct = tail; cs = tsplit; ok = 0
                        fi
                    };
                    if
                    :: ok -> break
                    :: else -> skip
                    fi
                :: else -> break
                od;
#endif
                ct = 0; cs = 0;
                if
                :: ok -> osplit = h
                :: else -> allst = 1; limit = 0
                fi
            :: else -> ok = 0
            fi;
            if
            :: ok ->                        /* taken back: run inline */
                ok = 0;
                RUN(id);
                top--
            :: else ->                      /* stolen: weft__join_stolen */
#ifndef BUG_NO_THIEF_WAIT
                /* wait for thief != 0 (acquire) */
                atomic { !PEND(0, THIEF(id)) && mem[THIEF(id)] != 0 -> skip };
#endif
                joining[top - 1] = 1
            fi
        fi;
        h = 0; id = 0
    :: top > 0 && joining[top - 1] ->       /* the stolen task is done */
        id = stk[top - 1];
        /* while (load_acquire(&t->done) != 1): the owner never stores
         * done, so its load reads memory */
        atomic { mem[DONE(id)] == 1 -> skip };
        joining[top - 1] = 0;
        top--;
        id = 0
    :: pushed == NT && top == 0 -> break
    od;
    /* every task was run exactly once */
    id = 1;
    do
    :: id <= NT -> assert(runs[id] == 1); id++
    :: else -> break
    od
}

/* ---- a thief ----------------------------------------------------------------
 * weft__deque_steal in a loop, running what it takes; it may give up at the
 * top of the loop (so that a join waiting on nothing is a deadlock). */
proctype thief(byte me)
{
    byte t, s, id, v, k, expect;
    bit ok;
end:
    do
    :: break
    :: d_step { t = tail; s = tsplit };     /* load_acquire(&ts) */
        if
        :: t < s ->
#ifdef BUG_READ_BEFORE_CAS
            LOAD(me, SLOT(t), id);
#endif
            atomic {                        /* CAS {t, s} -> {t + 1, s} */
                DRAINED(me) ->
                if
                :: tail == t && tsplit == s ->
                    tail = t + 1; ok = 1;
                    reading[t]++;
                    expect = mem[SLOT(t)]
                :: else -> ok = 0
                fi
            };
            if
            :: ok ->
#ifndef BUG_READ_BEFORE_CAS
#ifdef BUG_ANNOUNCE_EARLY
                d_step { id = expect };     /* (bug: knows the id early) */
                STORE(me, DONE(id), 0);
                STORE(me, THIEF(id), me);
#endif
                d_step { LOADB(me, SLOT(t), id); reading[t]-- };
#else
                reading[t]--;
#endif
                assert(id == expect && id >= 1 && id <= NT);
#ifndef BUG_ANNOUNCE_EARLY
                STORE(me, DONE(id), 0);     /* relaxed */
#ifndef BUG_NO_ANNOUNCE
                STORE(me, THIEF(id), me);   /* release */
#endif
#endif
                RUN(id);
                /* task_complete: exchange done = 1 */
                atomic { DRAINED(me) -> mem[DONE(id)] = 1 }
            :: else -> skip
            fi
        :: else ->                          /* nothing public: movesplit */
            LOAD(me, MS, v);
            if
            :: v == 0 -> STORE(me, MS, 1)
            :: else -> skip
            fi
        fi;
        t = 0; s = 0; id = 0; v = 0; ok = 0; expect = 0
    od
}

init {
    byte i, k;
    /* Frames are caller-owned and reused: done holds 1 from an earlier
     * use until a thief stores 0 (weft__push does not reset it). */
#ifndef FRESH_FRAMES
    i = 1;
    do
    :: i <= NT -> mem[DONE(i)] = 1; mem[THIEF(i)] = 1; i++
    :: else -> break
    od;
#endif
    atomic {
        START_DRAINERS();
        run owner();
        i = 1;
        do
        :: i <= NTHIEF -> run thief(i); i++
        :: else -> break
        od
    }
}

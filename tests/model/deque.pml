/*
 * deque.pml - Promela model of weft's split deque (src/deque.c, the inline
 * fast paths weft__push / weft__pop in include/weft/task.h and the typed
 * spawn/join of include/weft/typed.h, and weft__join_stolen in src/join.c),
 * with one owner and NTHIEF thieves.  See tests/model/README.md.
 *
 * The tasks live in the deque's slots (struct weft__frame): a spawn writes
 * the task into the slot at the head, a thief runs it in place, and the
 * slot's thief and done fields (and a typed task's result) belong to the
 * slot, not to a task.
 *
 * Build-time macros (spin -DNAME):
 *   NTHIEF=n          thieves (1 or 2, default 2)
 *   NT=n              tasks the owner spawns in all (default 3)
 *   TSO               x86-TSO: every thread's plain stores go through a FIFO
 *                     store buffer (see tso.pml)
 *   FRESH_FRAMES      slots start with thief = 0 and done = 0 instead of
 *                     the stale values of an earlier use (thief != 0,
 *                     done = 1; the default, the harder case)
 *   BUG_NO_THIEF_WAIT the owner, finding its task stolen, does not wait for
 *                     the thief's announcement (slot.thief != 0) before it
 *                     reads the slot's done (weft__join_stolen's first loop)
 *   BUG_DONE_AFTER_ANNOUNCE  a thief stores slot.thief before slot.done = 0
 *   BUG_READ_BEFORE_CAS  a thief reads the slot before its CAS on ts (makes
 *                     the ABA on ts harmful)
 *   BUG_NO_RECLAIM_CHECK the owner's slow pop takes the task back without
 *                     checking tail <= h (a plain store of split instead of
 *                     the CAS)
 *   BUG_NO_ANNOUNCE   a thief never stores slot.thief (checks that a join
 *                     that cannot finish is reported)
 *   BUG_NO_THIEF_CLEAR the owner does not clear a slot's thief field when it
 *                     publishes the slot (a stale thief value from the
 *                     slot's earlier use lets the join skip the wait)
 *   BUG_HELP_AT_SLOT  while joining a stolen task the owner keeps its head
 *                     at the stolen task's slot, so the tasks it spawns
 *                     while helping reuse that slot
 *   BUG_NO_ALLSTOLEN_AFTER_JOIN  after joining a stolen task the owner does
 *                     not set allstolen (the end of weft__join_stolen)
 *
 * What is checked:
 *   - every task is run exactly once, by the owner inline or by one thief
 *     (assert in RUN, and at the owner's end: every task ran);
 *   - a thief reads, after its CAS, the task that was in the slot when the
 *     CAS succeeded (assert in the thief);
 *   - the owner never writes a slot (its task, or 0 into its thief field)
 *     while a thief holds it: from the thief's CAS to its exchange of done
 *     (ghost inuse[], assert in MEMWRITE, i.e. when the store reaches
 *     memory, after the owner's store buffer drains under TSO);
 *   - a joined task's result, read by the owner after the join, is that
 *     task's (assert after the join of a stolen task);
 *   - at the owner's end, with every task joined, tail == split (the state
 *     in which weft__sleep_found_work may set allstolen on an empty deque);
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
#define NS NT                  /* slots: the deque never holds more than NT */
#define NP (NTHIEF + 1)        /* threads: 0 owner, 1..NTHIEF thieves */

/* Shared memory (every plain store of the C code goes through STORE).
 * Slot i is four words: the task (run, fn, arg, key: written together by
 * the owner, read together), thief, done, and a typed task's result. */
#define SLOT(i)   (i)                  /* the task in slot i (its id) */
#define MS        (NS)                 /* own.movesplit */
#define THIEF(i)  (NS + 1 + (i))       /* slot i's thief field */
#define DONE(i)   (2 * NS + 1 + (i))   /* slot i's done field */
#define RESULT(i) (3 * NS + 1 + (i))   /* slot i's result (typed tasks) */
#define NMEM      (4 * NS + 1)

/* ts = tail | split << 32: written only by locked instructions (CAS,
 * exchange), so never in a store buffer; read by plain 64-bit loads. */
byte tail, tsplit;

/* ghost state */
byte runs[NT + 1];      /* how many times each task ran */
bit inuse[NS];          /* slot i is a thief's: from its CAS to its done */

/* Store buffer size: the owner's longest run of plain stores without a
 * locked instruction: a slot per spawn, the thief fields of the slots it
 * publishes (at most the spawns not yet published), and movesplit twice;
 * overflow is asserted in STORE, so a too-small bound cannot hide a
 * behaviour (tso.pml allows at most 10). */
#define B (2 * NT + 2)

/* The slot-reuse check, made when a store reaches memory (under TSO, when
 * the buffered store drains).  Only the owner writes a slot's task, and
 * only the owner stores 0 into a thief field (a thief stores its index,
 * >= 1): those are the owner's writes to a slot.  A thief's own stores to
 * its slot (thief, done, result) are not checked. */
#define MEMWRITE_CHECK(a, v) \
    if \
    :: (a) < NS -> assert(inuse[a] == 0) \
    :: (a) >= THIEF(0) && (a) < THIEF(NS) && (v) == 0 -> \
        assert(inuse[(a) - THIEF(0)] == 0) \
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
 * the thief's announcement, until it takes the "done" branch), spawn and
 * join more tasks on top of it: the tasks that weft__join_stolen runs while
 * it helps the thief spawn into the slots above the stolen one
 * (head = h + 1).  (A helping task that started before done was set may
 * still spawn after it, so spawning after done is allowed too.)
 */
proctype owner()
{
    byte head = 0, osplit = 0, allst = 0;
    byte h, id, v, res, ms, ct, cs, upto, k, pi;
    bit ok;
    byte top = 0, pushed = 0;
    byte stk[NT];       /* the ids of the pending tasks, oldest first */
    byte jslot[NT];     /* joining a stolen task: its slot + 1 (the f of
                           weft__join_stolen), else 0 */

    do
    :: pushed < NT ->                       /* weft__push / NAME_spawn */
        pushed++;
        id = pushed;
        h = head;
        assert(h < NS);                     /* f != end: never full here */
        /* the task into slot h (run, fn, arg, key / the typed arguments);
         * thief and done are left alone */
        STORE(0, SLOT(h), id);
        LOAD(0, MS, ms);                    /* weft__must_publish (and
                                               allstolen: limit_p) */
        if
        :: allst || ms ->                   /* weft__push_publish */
            if
            :: allst ->
#ifndef BUG_NO_THIEF_CLEAR
                STORE(0, THIEF(h), 0);      /* f->h.thief = 0 */
#endif
                /* exchange: ts = {h, h + 1}; tail == split, so no thief's
                 * CAS can succeed in between */
                atomic { DRAINED(0) -> assert(tail == tsplit); tail = h; tsplit = h + 1 };
                osplit = h + 1;
                allst = 0;
                STORE(0, MS, 0)
            :: else ->
                LOAD(0, MS, ms);
                if
                :: ms ->
                    STORE(0, MS, 0);
                    upto = osplit + (h + 1 - osplit + 1) / 2;
                    /* publish_upto: clear the thief field of every slot
                     * being published, then move split */
#ifndef BUG_NO_THIEF_CLEAR
                    pi = osplit;            /* (k is LOAD's own index) */
                    do
                    :: pi < upto ->
                        STORE(0, THIEF(pi), 0);
                        pi++
                    :: else -> break
                    od;
                    pi = 0;
#endif
                    d_step { ct = tail; cs = tsplit };  /* load_relaxed(&ts) */
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
        :: else -> skip                     /* fast path */
        fi;
        head = h + 1;
        stk[top] = id;
        top++;
        h = 0; id = 0; ms = 0
    :: top > 0 && jslot[top - 1] == 0 ->    /* weft__pop / NAME_join */
        id = stk[top - 1];
        h = head - 1;
        LOAD(0, SLOT(h), v);                /* the order check: run, key */
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
                d_step { ct = tail; cs = tsplit };  /* load_acquire(&ts) */
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
                :: else -> allst = 1
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
                /* wait for f->h.thief != 0 (acquire) */
                atomic { !PEND(0, THIEF(h)) && mem[THIEF(h)] != 0 -> skip };
#endif
#ifndef BUG_HELP_AT_SLOT
                head = h + 1;               /* top = f + 1 while helping */
#endif
                jslot[top - 1] = h + 1
            fi
        fi;
        h = 0; id = 0
    :: top > 0 && jslot[top - 1] != 0 ->    /* the stolen task is done */
        id = stk[top - 1];
        h = jslot[top - 1] - 1;             /* f */
        /* while (load_acquire(&f->h.done) != 1): the owner never stores
         * done, so its load reads memory */
        atomic { mem[DONE(h)] == 1 -> skip };
        head = h;                           /* top = f */
#ifndef BUG_NO_ALLSTOLEN_AFTER_JOIN
        allst = 1;                          /* allstolen = 1 */
#endif
        /* a typed join returns f->result */
        LOAD(0, RESULT(h), res);
        assert(res == id);
        res = 0;
        jslot[top - 1] = 0;
        top--;
        h = 0; id = 0
    :: pushed == NT && top == 0 -> break
    od;
    /* every task was run exactly once */
    id = 1;
    do
    :: id <= NT -> assert(runs[id] == 1); id++
    :: else -> break
    od;
    /* an empty deque has nothing public and tail == split (sleep.c) */
    assert(tail == tsplit)
}

/* ---- a thief ----------------------------------------------------------------
 * weft__deque_steal in a loop, running what it takes in place (weft__run_stolen);
 * it may give up at the top of the loop (so that a join waiting on nothing
 * is a deadlock). */
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
                    assert(inuse[t] == 0);
                    inuse[t] = 1;
                    expect = mem[SLOT(t)]
                :: else -> ok = 0
                fi
            };
            if
            :: ok ->
                /* f = base_shared + tail: the slot's address, no load */
#ifdef BUG_DONE_AFTER_ANNOUNCE
                STORE(me, THIEF(t), me);
                STORE(me, DONE(t), 0);
#else
                STORE(me, DONE(t), 0);      /* relaxed */
#ifndef BUG_NO_ANNOUNCE
                STORE(me, THIEF(t), me);    /* release */
#endif
#endif
                /* weft__run_stolen: f->run(f) reads the task from the slot */
#ifndef BUG_READ_BEFORE_CAS
                LOAD(me, SLOT(t), id);
#endif
                assert(id == expect && id >= 1 && id <= NT);
                RUN(id);
                STORE(me, RESULT(t), id);   /* NAME__stolen: f->result */
                /* weft__done_set: exchange done = 1; the slot is the
                 * owner's again */
                atomic { DRAINED(me) -> mem[DONE(t)] = 1; inuse[t] = 0 }
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
    /* The slots are reused: thief and done hold the values of an earlier
     * theft of the slot (a thief's index, 1) until the owner clears thief
     * when it publishes the slot and a thief stores done = 0 when it takes
     * it (weft__push touches neither). */
#ifndef FRESH_FRAMES
    i = 0;
    do
    :: i < NS -> mem[DONE(i)] = 1; mem[THIEF(i)] = 1; i++
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

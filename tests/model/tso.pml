/*
 * tso.pml - shared memory for the weft models, sequentially consistent by
 * default, x86-TSO with -DTSO.  Included by deque.pml and sleep.pml.
 *
 * Before including, define:
 *   NP          number of threads (store buffers), 0 .. NP-1
 *   NMEM        number of shared memory words (mem[0 .. NMEM-1])
 *   B           store buffer capacity (entries) per thread
 *   MEMWRITE_CHECK(a, v)  a statement run whenever a word reaches memory
 *               (a ghost check; "skip" if none)
 *
 * x86-TSO encoding.  Each thread p has a FIFO store buffer
 * bq_a/bq_v[p*B .. p*B + bq_n[p] - 1] (address, value), oldest first.
 *   STORE(p,a,v)  a plain mov (relaxed or release store): appends to the
 *                 buffer.  The buffer must never overflow (asserted), so
 *                 the bound B loses no behaviour.
 *   LOAD(p,a,d)   a plain mov load (relaxed, acquire or seq_cst load):
 *                 the newest entry for a in p's own buffer, else memory.
 *   drainer(p)    a process per thread that, at any moment, writes the
 *                 oldest entry of p's buffer to memory.
 *   FENCE(p)      mfence: waits until p's buffer is empty.
 *   locked RMW    (lock cmpxchg / xchg / lock xadd): written in the models
 *                 as  atomic { DRAINED(p) -> read and write mem }, i.e. the
 *                 buffer is drained, then the read-modify-write acts on
 *                 memory in one step.
 *   A seq_cst store is an xchg (what GCC emits on x86): a locked RMW.
 * Without -DTSO, STORE writes memory at once, FENCE and DRAINED are no-ops:
 * sequential consistency.
 */

byte mem[NMEM];

#ifdef TSO
byte bq_n[NP];
byte bq_a[NP * B];
byte bq_v[NP * B];
#define DRAINED(p) (bq_n[p] == 0)
/* p has a pending (buffered) store to a (B <= 10). */
#if B > 10
#error "PEND handles store buffers of at most 10 entries"
#endif
#define PE(p, a, i) (B > (i) && bq_n[p] > (i) && bq_a[((p) * B + (i)) % (NP * B)] == (a))
#define PEND(p, a) (PE(p, a, 0) || PE(p, a, 1) || PE(p, a, 2) || PE(p, a, 3) || \
                    PE(p, a, 4) || PE(p, a, 5) || PE(p, a, 6) || PE(p, a, 7) || \
                    PE(p, a, 8) || PE(p, a, 9))
#else
#define DRAINED(p) true
#define PEND(p, a) false
#endif

inline MEMWRITE(a, v)
{
    MEMWRITE_CHECK(a, v);
    mem[a] = v
}

inline STORE(p, a, v)
{
#ifdef TSO
    d_step {
        assert(bq_n[p] < B);    /* the bound B hides no behaviour */
        bq_a[(p) * B + bq_n[p]] = a;
        bq_v[(p) * B + bq_n[p]] = v;
        bq_n[p]++
    }
#else
    d_step { MEMWRITE(a, v) }
#endif
}

/* The body of a load (needs a local byte k), for use inside a d_step that
 * adds ghost bookkeeping to the same instruction. */
inline LOADB(p, a, dst)
{
#ifdef TSO
    k = bq_n[p];
    dst = mem[a];
    do
    :: k > 0 ->
        k--;
        if
        :: bq_a[(p) * B + k] == (a) -> dst = bq_v[(p) * B + k]; break
        :: else -> skip
        fi
    :: else -> break
    od;
    k = 0
#else
    dst = mem[a]
#endif
}

inline LOAD(p, a, dst)
{
    d_step { LOADB(p, a, dst) }
}

inline FENCE(p)
{
#ifdef TSO
    DRAINED(p)
#else
    skip
#endif
}

#ifdef TSO
proctype drainer(byte p)
{
    byte j;
end:
    do
    :: d_step {
        bq_n[p] > 0 ->
        MEMWRITE(bq_a[(p) * B], bq_v[(p) * B]);
        j = 1;
        do
        :: j < B ->
            bq_a[(p) * B + j - 1] = bq_a[(p) * B + j];
            bq_v[(p) * B + j - 1] = bq_v[(p) * B + j];
            j++
        :: else -> break
        od;
        bq_a[(p) * B + B - 1] = 0;
        bq_v[(p) * B + B - 1] = 0;
        bq_n[p]--;
        j = 0
    }
    od
}

inline START_DRAINERS()
{
    k = 0;
    do
    :: k < NP -> run drainer(k); k++
    :: else -> break
    od;
    k = 0
}
#else
inline START_DRAINERS()
{
    skip
}
#endif

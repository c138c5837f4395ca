/*
 * frames-in-deque.c - a one-worker model of layouts of a typed spawn/join
 * fast path, timed against plain fib recursion.  weft 0.3 adopted
 * LAYOUT_INLINE with HEAD_IN_MEMORY and COUNT (docs/design.md, "Where a
 * task lives").  Not built by
 * CMake and not part of weft: it exists to reproduce the measurement in
 * docs/design.md ("Where a task lives").  No thieves and no slow
 * paths (they abort): it times only what a spawn and an unstolen join cost.
 *
 *   -DLAYOUT_POINTER (default): as weft 0.2 was.  The frame (function, saved
 *       argument) is a local of the caller; the deque slot holds a pointer
 *       to it; the deque head lives in the worker and is loaded and stored
 *       by every spawn and join.
 *   -DLAYOUT_INLINE: as in Lace.  The frame is written into the deque slot
 *       itself and the head is passed down the recursion as an argument, so
 *       nothing on the C stack escapes and the unstolen join's direct call
 *       is an ordinary call in tail position.
 *   -DLAYOUT_ARRAY: between the two.  The frame is written into an array
 *       of the worker at the head's index, and the slot points to it; the
 *       head stays in the worker.
 *   -DLAYOUT_PARALLEL: frames in a stable array of the worker parallel to
 *       the pointer slots (frame h belongs to slot h), the head index passed
 *       down the recursion and also stored into the worker; the deque
 *       protocol would stay that of the pointer slots.  -DARG_PRESET: the
 *       frames' arg fields are set once, not at every spawn.
 *   -DCOUNT: also count spawns in the worker (a relaxed load + store per
 *       spawn, as weft's `spawned` counter).
 *   -DHEAD_IN_MEMORY (with LAYOUT_INLINE): also store the head into the
 *       worker at every spawn and join, as it would have to be for a
 *       generic weft_spawn() called from inside a typed body to find it.
 *
 * Build and run (same compiler and flags for both sides):
 *   cc -O3 -DLAYOUT_INLINE bench/proto/frames-in-deque.c -o /tmp/fid && /tmp/fid 36 5
 * prints the best of 5 times of plain fib(36) and of the modelled typed
 * fib(36), and their ratio.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long fib_plain(int n)
{
    return n < 2 ? n : fib_plain(n - 1) + fib_plain(n - 2);
}

__attribute__((noinline, cold, noreturn)) static void slow_path(void)
{
    fprintf(stderr, "frames-in-deque: a slow path was reached\n");
    abort();
}

#ifdef LAYOUT_INLINE
struct frame {                 /* one deque slot */
    void (*fn)(struct frame *);
    uintptr_t thief;
    int n;
    long result;
};

struct worker {
    struct frame *split;       /* frames below split are public */
    struct frame *end;         /* the deque's end */
    uint32_t movesplit, allstolen;
    uint64_t spawned;
    struct frame *head;        /* HEAD_IN_MEMORY: a copy of the head */
};

__attribute__((noinline)) static void run_stolen(struct frame *f)
{
    (void)f;
    slow_path();
}

static long fib_typed(struct worker *w, struct frame *head, int n)
{
    if (n < 2)
        return n;
    /* spawn fib(n - 1) into the slot at head */
    if (__builtin_expect(head == w->end, 0))
        slow_path();
    head->fn = run_stolen;
    head->n = n - 1;
#ifdef COUNT
    __atomic_store_n(&w->spawned, w->spawned + 1, __ATOMIC_RELAXED);
#endif
    if (__builtin_expect(__atomic_load_n(&w->movesplit, __ATOMIC_RELAXED) |
                             w->allstolen, 0))
        slow_path();
#ifdef HEAD_IN_MEMORY
    w->head = head + 1;
#endif
    long b = fib_typed(w, head + 1, n - 2);
    /* join: not stolen while the slot is private */
    if (__builtin_expect(head < w->split, 0))
        slow_path();
#ifdef HEAD_IN_MEMORY
    w->head = head;
#endif
    return fib_typed(w, head + 1, head->n) + b;
}

static long run_typed(struct worker *w, int n)
{
    return fib_typed(w, w->split, n);
}

static struct worker *make_worker(void)
{
    struct worker *w = calloc(1, sizeof *w);
    struct frame *dq = calloc(4096, sizeof *dq);
    if (!w || !dq)
        abort();
    w->split = dq;
    w->end = dq + 4096;
    return w;
}
#else /* LAYOUT_POINTER, LAYOUT_ARRAY or LAYOUT_PARALLEL: the slots hold
       * frame pointers */
struct frame {
    void (*fn)(void *);
    void *arg;
    uintptr_t thief;
    uint32_t done, flags;
    int n;
    long result;
#ifdef LAYOUT_PARALLEL
} __attribute__((aligned(64)));
#else
};
#endif

struct worker {
    struct frame **slots;
    uint32_t head, split, limit, pad;
    uint64_t spawned;
    struct frame *frames;      /* LAYOUT_ARRAY, _PARALLEL: the frame of slot h */
    uint32_t movesplit;
};

__attribute__((noinline)) static void run_stolen(void *f)
{
    (void)f;
    slow_path();
}

#ifdef LAYOUT_PARALLEL /* the head index is an argument (and in memory) */
#define HEAD_PARAM , uint32_t h
#define HEAD_ARG , h + 1
#define HEAD_LOAD
#define HEAD_POP uint32_t h2 = h;
#else /* the head lives in the worker */
#define HEAD_PARAM
#define HEAD_ARG
#define HEAD_LOAD uint32_t h = w->head;
#define HEAD_POP uint32_t h2 = w->head - 1;
#endif

static long fib_typed(struct worker *w HEAD_PARAM, int n)
{
    if (n < 2)
        return n;
    HEAD_LOAD
#if defined(LAYOUT_ARRAY) || defined(LAYOUT_PARALLEL)
    struct frame *f = &w->frames[h];
#else
    struct frame local, *f = &local; /* a local of the spawning function */
#endif
    f->n = n - 1;
    f->fn = run_stolen;
#ifndef ARG_PRESET
    f->arg = f;
#endif
#ifdef COUNT
    __atomic_store_n(&w->spawned, w->spawned + 1, __ATOMIC_RELAXED);
#endif
    if (__builtin_expect(h >= w->limit ||
                             __atomic_load_n(&w->movesplit, __ATOMIC_RELAXED),
                         0))
        slow_path();
    w->slots[h] = f;
    w->head = h + 1;
    long b = fib_typed(w HEAD_ARG, n - 2);
    HEAD_POP
    if (__builtin_expect(h2 < w->split, 0))
        slow_path();
    w->head = h2;
    return fib_typed(w HEAD_ARG, f->n) + b;
}

static long run_typed(struct worker *w, int n)
{
#ifdef LAYOUT_PARALLEL
    return fib_typed(w, w->head, n);
#else
    return fib_typed(w, n);
#endif
}

static struct worker *make_worker(void)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w || !(w->slots = calloc(4096, sizeof *w->slots)) ||
        !(w->frames = aligned_alloc(64, 4096 * sizeof *w->frames)))
        abort();
    for (int i = 0; i < 4096; i++)
        w->frames[i].arg = &w->frames[i]; /* (ARG_PRESET) */
    w->limit = 4096;
    return w;
}
#endif

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 36;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (n < 2 || n > 45 || reps < 1) {
        fprintf(stderr, "usage: %s [n 2..45] [repetitions]\n", argv[0]);
        return 2;
    }
    struct worker *w = make_worker();
    double best_plain = 1e30, best_typed = 1e30;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        volatile long a = fib_plain(n);
        double t1 = now_s();
        volatile long b = run_typed(w, n);
        double t2 = now_s();
        if (a != b) {
            fprintf(stderr, "wrong answer: %ld != %ld\n", (long)b, (long)a);
            return 1;
        }
        if (t1 - t0 < best_plain)
            best_plain = t1 - t0;
        if (t2 - t1 < best_typed)
            best_typed = t2 - t1;
    }
    printf("fib(%d): plain %.4f s, typed model %.4f s, ratio %.2f\n", n,
           best_plain, best_typed, best_typed / best_plain);
    return 0;
}

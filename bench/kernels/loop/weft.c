/*
 * loop/weft.c - loop and reduce on weft (loop.h): the generic API
 * (loop/generic.inc) and the typed form (WEFT_TASK_3: the data and the block
 * range, by value; reduce returns its sum).
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "loop.h"

#define LOOP_GENERIC loop_generic
#define REDUCE_GENERIC reduce_generic
#define LOOP_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define LOOP_JOIN(t) weft_join(t)
#include "generic.inc"

WEFT_TASK_3(int, loop_typed, const struct loop_data *, d, long, lo, long, hi)
{
    if (hi - lo == 1) {
        loop_leaf(d, lo);
        return 0;
    }
    long mid = lo + (hi - lo) / 2;
    loop_typed_spawn(w, d, mid, hi);
    loop_typed_call(w, d, lo, mid);
    loop_typed_join(w);
    return 0;
}

WEFT_TASK_3(double, reduce_typed, const struct loop_data *, d, long, lo, long, hi)
{
    if (hi - lo == 1)
        return reduce_leaf(d, lo);
    long mid = lo + (hi - lo) / 2;
    reduce_typed_spawn(w, d, mid, hi);
    double b = reduce_typed_call(w, d, lo, mid);
    return reduce_typed_join(w) + b;
}

static void loop_typed_entry(void *p)
{
    const struct loop_args *a = (const struct loop_args *)p;
    loop_typed_run(weft_self(), a->d, a->lo, a->hi);
}

static void reduce_typed_entry(void *p)
{
    struct loop_args *a = (struct loop_args *)p;
    a->sum = reduce_typed_run(weft_self(), a->d, a->lo, a->hi);
}

static long run(void *rt, weft_fn fn, struct loop_args *a)
{
    return weft_pool_run((weft_pool *)rt, fn, a) != 0 ? -1 : 0;
}

long bench_loop_weft_generic(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 1);
    struct loop_args a = {d, 0, d->blocks, 0};
    return run(rt, loop_generic, &a);
}

long bench_loop_weft_typed(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 1);
    struct loop_args a = {d, 0, d->blocks, 0};
    return run(rt, loop_typed_entry, &a);
}

long bench_reduce_weft_generic(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 0);
    struct loop_args a = {d, 0, d->blocks, 0};
    return run(rt, reduce_generic, &a) != 0 ? -1 : (long)a.sum;
}

long bench_reduce_weft_typed(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 0);
    struct loop_args a = {d, 0, d->blocks, 0};
    return run(rt, reduce_typed_entry, &a) != 0 ? -1 : (long)a.sum;
}

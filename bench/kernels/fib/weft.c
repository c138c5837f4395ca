/*
 * fib/weft.c - fib on weft, no cutoff: the generic API (fib/generic.inc
 * with weft_spawn/weft_join) and the typed fast form (WEFT_TASK_1).  Both
 * enter the pool with weft_pool_run(); the pool was created by the adapter
 * (driver/rt-weft.c) outside the timed region.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "fib.h"

#define FIB_GENERIC fib_generic
#define FIB_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define FIB_JOIN(t) weft_join(t)
#include "generic.inc"

long bench_fib_weft_generic(void *rt, int n)
{
    struct fib_args a = {n, -1};
    if (weft_pool_run((weft_pool *)rt, fib_generic, &a) != 0)
        return -1;
    return a.r;
}

WEFT_TASK_1(long, fib_typed, int, n)
{
    if (n < 2)
        return n;
    fib_typed_spawn(w, n - 1);
    long b = fib_typed_call(w, n - 2);
    return fib_typed_join(w) + b;
}

static void fib_typed_entry(void *p)
{
    struct fib_args *a = (struct fib_args *)p;
    a->r = fib_typed_run(weft_self(), a->n);
}

long bench_fib_weft_typed(void *rt, int n)
{
    struct fib_args a = {n, -1};
    if (weft_pool_run((weft_pool *)rt, fib_typed_entry, &a) != 0)
        return -1;
    return a.r;
}

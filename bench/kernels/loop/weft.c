/*
 * loop/weft.c - loop and reduce on weft's loop layer (loop.h): weft_for
 * and weft_reduce over the block range, grain 0 (weft chooses how many
 * blocks a chunk has); each chunk runs its blocks with the shared leaves.
 * Built only when weft.h declares the loop layer (BENCH_WEFT_LOOPS).
 */
#if BENCH_WEFT_LOOPS
#include <weft.h>

#include "../../driver/bench.h"
#include "loop.h"

struct loop_call {
    const struct loop_data *d;
    int rc;
    double sum;
};

static int loop_body(size_t lo, size_t hi, void *ctx)
{
    const struct loop_data *d = ctx;
    for (size_t b = lo; b < hi; b++)
        loop_leaf(d, (long)b);
    return 0;
}

static void loop_entry(void *p)
{
    struct loop_call *c = p;
    c->rc = weft_for(0, (size_t)c->d->blocks, 0, loop_body, (void *)c->d);
}

static int reduce_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    const struct loop_data *d = ctx;
    double s = *(double *)acc;
    for (size_t b = lo; b < hi; b++)
        s += reduce_leaf(d, (long)b);
    *(double *)acc = s;
    return 0;
}

static void reduce_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(double *)acc += *(const double *)rhs;
}

static void reduce_entry(void *p)
{
    static const double zero = 0;
    struct loop_call *c = p;
    c->rc = weft_reduce(0, (size_t)c->d->blocks, 0, sizeof(double), &zero, reduce_fold,
                        reduce_combine, (void *)c->d, 0, &c->sum);
}

long bench_loop_weft_for(void *rt, int n)
{
    struct loop_call c = {bench_loop_data(n, 1), 0, 0};
    return weft_pool_run((weft_pool *)rt, loop_entry, &c) != 0 || c.rc != 0 ? -1 : 0;
}

long bench_reduce_weft_reduce(void *rt, int n)
{
    struct loop_call c = {bench_loop_data(n, 0), 0, 0};
    return weft_pool_run((weft_pool *)rt, reduce_entry, &c) != 0 || c.rc != 0 ? -1 : (long)c.sum;
}
#endif

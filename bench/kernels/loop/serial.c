/*
 * loop/serial.c - the serial baselines of loop and reduce (loop.h): plain
 * recursion over the blocks and the serial elision of the generic-API code.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "loop.h"

static void loop_rec(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1) {
        loop_leaf(d, lo);
        return;
    }
    long mid = lo + (hi - lo) / 2;
    loop_rec(d, lo, mid);
    loop_rec(d, mid, hi);
}

static double reduce_rec(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1)
        return reduce_leaf(d, lo);
    long mid = lo + (hi - lo) / 2;
    double a = reduce_rec(d, lo, mid);
    double b = reduce_rec(d, mid, hi);
    return a + b;
}

#define LOOP_GENERIC loop_elided
#define REDUCE_GENERIC reduce_elided
#define LOOP_SPAWN(t, fn, a) ((void)(t), fn(a))
#define LOOP_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_loop_serial_plain(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 1);
    loop_rec(d, 0, d->blocks);
    return 0;
}

long bench_loop_serial_elision(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 1);
    struct loop_args a = {d, 0, d->blocks, 0};
    loop_elided(&a);
    return 0;
}

long bench_reduce_serial_plain(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 0);
    return (long)reduce_rec(d, 0, d->blocks);
}

long bench_reduce_serial_elision(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 0);
    struct loop_args a = {d, 0, d->blocks, 0};
    reduce_elided(&a);
    return (long)a.sum;
}

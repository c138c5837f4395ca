/*
 * loop/serial.c - the serial baseline of loop and reduce (loop.h): plain
 * recursion over the blocks, which walks them upwards like a loop.
 */
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

long bench_loop_serial_plain(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 1);
    loop_rec(d, 0, d->blocks);
    return 0;
}

long bench_reduce_serial_plain(void *rt, int n)
{
    (void)rt;
    struct loop_data *d = bench_loop_data(n, 0);
    return (long)reduce_rec(d, 0, d->blocks);
}

/*
 * loop/common.c - the arrays of the loop and reduce kernels (loop.h), their
 * expected answers and the loop's verify hook.
 */
#include <stdlib.h>
#include <string.h>

#include "../../driver/bench.h"
#include "loop.h"

BENCH_LEAF void loop_leaf(const struct loop_data *d, long b)
{
    const double *__restrict x = d->x;
    double *__restrict y = d->y;
    long hi = loop_block_end(d, b);
    for (long i = b * LOOP_GRAIN; i < hi; i++)
        y[i] = 3.0 * x[i] + 1.0;
}

BENCH_LEAF double reduce_leaf(const struct loop_data *d, long b)
{
    const double *x = d->x;
    long lo = b * LOOP_GRAIN, hi = loop_block_end(d, b);
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = lo;
    for (; i + 4 <= hi; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
    }
    for (; i < hi; i++)
        s0 += x[i];
    return (s0 + s1) + (s2 + s3);
}

static struct loop_data cache[4];

struct loop_data *bench_loop_data(int n, int with_y)
{
    struct loop_data *d = NULL;
    for (int i = 0; i < 4 && !d; i++)
        if (cache[i].n == n)
            d = &cache[i];
    for (int i = 0; i < 4 && !d; i++)
        if (cache[i].n == 0) {
            d = &cache[i];
            d->x = bench_big_alloc(sizeof(double) * (size_t)n);
            for (long k = 0; k < n; k++)
                d->x[k] = (double)(k & 1023);
            d->n = n;
            d->blocks = (n + LOOP_GRAIN - 1) / LOOP_GRAIN;
        }
    if (!d)
        abort(); /* more than 4 sizes in one process */
    if (with_y && !d->y) {
        d->y = bench_big_alloc(sizeof(double) * (size_t)n);
        memset(d->y, 0, sizeof(double) * (size_t)n); /* touch the pages */
    }
    return d;
}

/* sum of k mod 1024 over [0, n) */
static long sum_x(long n)
{
    long r = n % 1024;
    return (n / 1024) * (1023L * 1024 / 2) + r * (r - 1) / 2;
}

/* The driver asks for the expected answer before it starts the clock: the
 * arrays are made here too, so that no variant times their allocation and
 * first touch (800 MB each at 10^8). */
long bench_reduce_expected(int n)
{
    if (n < 1)
        return -1;
    bench_loop_data(n, 0);
    return sum_x(n);
}

/* The loop's answer is the sum of y = 3 x + 1, once every y[i] was checked. */
long bench_loop_expected(int n)
{
    if (n < 1)
        return -1;
    bench_loop_data(n, 1);
    return 3 * sum_x(n) + n;
}

long bench_loop_verify(int n, long ret)
{
    if (ret != 0 || n < 1)
        return -2;
    struct loop_data *d = bench_loop_data(n, 1);
    long s = 0;
    for (long i = 0; i < n; i++) {
        if (d->y[i] != 3.0 * d->x[i] + 1.0)
            return -3; /* an element missed or wrong */
        s += (long)d->y[i];
    }
    memset(d->y, 0, sizeof(double) * (size_t)n);
    return s;
}

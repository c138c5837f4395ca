/*
 * mergesort-common.c - the arrays of the mergesort kernel (mergesort.h),
 * the expected answer (sum and xor of the input) and the verify hook.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../driver/bench.h"
#include "mergesort.h"

static struct ms_data cache[4];

struct ms_data *bench_ms_data(int n)
{
    for (int i = 0; i < 4; i++)
        if (cache[i].n == n)
            return &cache[i];
    for (int i = 0; i < 4; i++) {
        if (cache[i].n != 0)
            continue;
        struct ms_data *d = &cache[i];
        size_t bytes = sizeof(int) * (size_t)n;
        d->x = bench_big_alloc(bytes);
        d->a = bench_big_alloc(bytes);
        d->t = bench_big_alloc(bytes);
        uint64_t z = 12345;
        for (long k = 0; k < n; k++) {   /* splitmix64 stream */
            uint64_t v = (z += 0x9e3779b97f4a7c15ULL);
            v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ULL;
            v = (v ^ (v >> 27)) * 0x94d049bb133111ebULL;
            v ^= v >> 31;
            d->x[k] = (int)(uint32_t)v;  /* negative values too */
        }
        memset(d->a, 0, bytes);          /* touch the pages before timing */
        memset(d->t, 0, bytes);
        d->n = n;
        return d;
    }
    abort();
}

static long summary(const int *v, long n)
{
    long sum = 0;
    uint32_t x = 0;
    for (long k = 0; k < n; k++) {
        sum += v[k];
        x ^= (uint32_t)v[k];
    }
    uint64_t h = (uint64_t)sum * 0x9e3779b97f4a7c15ULL ^ x;
    return (long)(h >> 2);
}

long bench_mergesort_expected(int n)
{
    static long cn = -1, cv;
    if (n < 1)
        return -1;
    if (cn != n) {
        struct ms_data *d = bench_ms_data(n);
        cv = summary(d->x, n);
        cn = n;
    }
    return cv;
}

long bench_mergesort_verify(int n, long ret)
{
    if (ret != 0)
        return -2;
    struct ms_data *d = bench_ms_data(n);
    for (long k = 1; k < n; k++)
        if (d->a[k - 1] > d->a[k])
            return -3; /* not sorted */
    return summary(d->a, n);
}

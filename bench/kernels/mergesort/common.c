/*
 * mergesort/common.c - the arrays of the mergesort kernel (mergesort.h),
 * the expected answer (sum and xor of the input) and the verify hook.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../driver/bench.h"
#include "mergesort.h"

static void ms_insertion(int *a, long n)
{
    for (long i = 1; i < n; i++) {
        int v = a[i];
        long j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void ms_quick(int *a, long n)
{
    while (n > 16) {
        long m = n / 2;
        /* median of three into a[m] */
        if (a[0] > a[m]) { int x = a[0]; a[0] = a[m]; a[m] = x; }
        if (a[m] > a[n - 1]) { int x = a[m]; a[m] = a[n - 1]; a[n - 1] = x; }
        if (a[0] > a[m]) { int x = a[0]; a[0] = a[m]; a[m] = x; }
        int p = a[m];
        long i = 0, j = n - 1;
        for (;;) {                    /* Hoare partition */
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i >= j)
                break;
            int x = a[i]; a[i] = a[j]; a[j] = x;
            i++;
            j--;
        }
        /* [0, j] <= p <= [j + 1, n): recurse on the smaller part */
        long left = j + 1;
        if (left < n - left) {
            ms_quick(a, left);
            a += left;
            n -= left;
        } else {
            ms_quick(a + left, n - left);
            n = left;
        }
    }
    ms_insertion(a, n);
}

BENCH_LEAF void ms_seqsort(const int *x, int *a, long n)
{
    memcpy(a, x, sizeof *a * (size_t)n);
    ms_quick(a, n);
}

BENCH_LEAF void ms_seqmerge(const int *a, long na, const int *b, long nb, int *d)
{
    const int *ae = a + na, *be = b + nb;
    while (a < ae && b < be)
        *d++ = *b < *a ? *b++ : *a++;
    while (a < ae)
        *d++ = *a++;
    while (b < be)
        *d++ = *b++;
}

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
        /* touch the pages before timing; a starts unsorted (verify) */
        memcpy(d->a, d->x, bytes);
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

/* Checks the sorted output, then puts the unsorted input back in it, so
 * that every run (the next variant in the same process, the next
 * iteration) must sort it again: a run that wrote nothing is caught. */
long bench_mergesort_verify(int n, long ret)
{
    if (ret != 0)
        return -2;
    struct ms_data *d = bench_ms_data(n);
    long r = summary(d->a, n);
    for (long k = 1; k < n; k++)
        if (d->a[k - 1] > d->a[k]) {
            r = -3; /* not sorted */
            break;
        }
    memcpy(d->a, d->x, sizeof *d->a * (size_t)n);
    return r;
}

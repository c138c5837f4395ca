/*
 * mergesort/serial.c - the serial baselines of mergesort (mergesort.h):
 * plain recursion and the serial elision of the generic-API code.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "mergesort.h"

static void merge(const int *a, long na, const int *b, long nb, int *d)
{
    long ma, mb;
    if (!ms_merge_split(&a, &na, &b, &nb, d, &ma, &mb))
        return;
    merge(a, ma, b, mb, d);
    merge(a + ma, na - ma, b + mb, nb - mb, d + ma + mb);
}

static void sort(const int *x, int *a, int *t, long n)
{
    if (n <= MS_SORT_BASE) {
        ms_seqsort(x, a, n);
        return;
    }
    long q = n / 4;
    for (int i = 0; i < 4; i++)
        sort(x + i * q, a + i * q, t + i * q, i < 3 ? q : n - 3 * q);
    merge(a, q, a + q, q, t);
    merge(a + 2 * q, q, a + 3 * q, n - 3 * q, t + 2 * q);
    merge(t, 2 * q, t + 2 * q, n - 2 * q, a);
}

#define MS_SORT ms_sort_elided
#define MS_MERGE ms_merge_elided
#define MS_SPAWN(t, fn, a) ((void)(t), fn(a))
#define MS_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_mergesort_serial_plain(void *rt, int n)
{
    struct ms_data *d = bench_ms_data(n);
    (void)rt;
    sort(d->x, d->a, d->t, n);
    return 0;
}

long bench_mergesort_serial_elision(void *rt, int n)
{
    struct ms_data *d = bench_ms_data(n);
    struct ms_sort_args a = {d->x, d->a, d->t, n};
    (void)rt;
    ms_sort_elided(&a);
    return 0;
}

/*
 * mergesort/weft.c - mergesort on weft (mergesort.h): the generic API
 * (mergesort/generic.inc) and the typed form (WEFT_TASK_4 sort,
 * WEFT_TASK_3 merge with the runs passed by value).
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "mergesort.h"

#define MS_SORT ms_sort_generic
#define MS_MERGE ms_merge_generic
#define MS_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define MS_JOIN(t) weft_join(t)
#include "generic.inc"

WEFT_TASK_3(int, ms_merge_typed, struct ms_run, a, struct ms_run, b, int *, d)
{
    long ma, mb;
    if (!ms_merge_split(&a.p, &a.n, &b.p, &b.n, d, &ma, &mb))
        return 0;
    ms_merge_typed_spawn(w, (struct ms_run){a.p, ma}, (struct ms_run){b.p, mb}, d);
    ms_merge_typed_call(w, (struct ms_run){a.p + ma, a.n - ma}, (struct ms_run){b.p + mb, b.n - mb},
                        d + ma + mb);
    ms_merge_typed_join(w);
    return 0;
}

WEFT_TASK_4(int, ms_sort_typed, const int *, x, int *, a, int *, t, long, n)
{
    if (n <= MS_SORT_BASE) {
        ms_seqsort(x, a, n);
        return 0;
    }
    long q = n / 4;
    for (int i = 0; i < 3; i++)
        ms_sort_typed_spawn(w, x + i * q, a + i * q, t + i * q, q);
    ms_sort_typed_call(w, x + 3 * q, a + 3 * q, t + 3 * q, n - 3 * q);
    for (int i = 2; i >= 0; i--)
        ms_sort_typed_join(w);
    ms_merge_typed_spawn(w, (struct ms_run){a, q}, (struct ms_run){a + q, q}, t);
    ms_merge_typed_call(w, (struct ms_run){a + 2 * q, q}, (struct ms_run){a + 3 * q, n - 3 * q}, t + 2 * q);
    ms_merge_typed_join(w);
    ms_merge_typed_call(w, (struct ms_run){t, 2 * q}, (struct ms_run){t + 2 * q, n - 2 * q}, a);
    return 0;
}

static void ms_typed_entry(void *p)
{
    const struct ms_sort_args *s = (const struct ms_sort_args *)p;
    ms_sort_typed_run(weft_self(), s->x, s->a, s->t, s->n);
}

long bench_mergesort_weft_generic(void *rt, int n)
{
    struct ms_data *d = bench_ms_data(n);
    struct ms_sort_args a = {d->x, d->a, d->t, n};
    return weft_pool_run((weft_pool *)rt, ms_sort_generic, &a) != 0 ? -1 : 0;
}

long bench_mergesort_weft_typed(void *rt, int n)
{
    struct ms_data *d = bench_ms_data(n);
    struct ms_sort_args a = {d->x, d->a, d->t, n};
    return weft_pool_run((weft_pool *)rt, ms_typed_entry, &a) != 0 ? -1 : 0;
}

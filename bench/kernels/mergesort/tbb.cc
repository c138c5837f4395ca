/*
 * mergesort/tbb.cc - mergesort with oneTBB task_group (mergesort.h).
 */
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "mergesort.h"

static void merge_tg(const int *a, long na, const int *b, long nb, int *d)
{
    long ma, mb;
    if (!ms_merge_split(&a, &na, &b, &nb, d, &ma, &mb))
        return;
    tbb::task_group g;
    g.run([=] { merge_tg(a, ma, b, mb, d); });
    merge_tg(a + ma, na - ma, b + mb, nb - mb, d + ma + mb);
    g.wait();
}

static void sort_tg(const int *x, int *a, int *t, long n)
{
    if (n <= MS_SORT_BASE) {
        ms_seqsort(x, a, n);
        return;
    }
    long q = n / 4;
    tbb::task_group g;
    for (int i = 0; i < 3; i++)
        g.run([=] { sort_tg(x + i * q, a + i * q, t + i * q, q); });
    sort_tg(x + 3 * q, a + 3 * q, t + 3 * q, n - 3 * q);
    g.wait();
    g.run([=] { merge_tg(a, q, a + q, q, t); });
    merge_tg(a + 2 * q, q, a + 3 * q, n - 3 * q, t + 2 * q);
    g.wait();
    merge_tg(t, 2 * q, t + 2 * q, n - 2 * q, a);
}

extern "C" long bench_mergesort_tbb_task_group(void *rt, int n)
{
    struct ms_data *d = bench_ms_data(n);
    static_cast<tbb::task_arena *>(rt)->execute([&] { sort_tg(d->x, d->a, d->t, n); });
    return 0;
}

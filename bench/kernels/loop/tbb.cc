/*
 * loop/tbb.cc - loop and reduce with oneTBB (loop.h): task_group over the
 * same block recursion as the other variants, and the loop forms a TBB user
 * would write, parallel_for / parallel_reduce over the blocks with a
 * simple_partitioner of grain 1 (one block per leaf, like every variant).
 */
#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "loop.h"

static void loop_tg(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1) {
        loop_leaf(d, lo);
        return;
    }
    long mid = lo + (hi - lo) / 2;
    tbb::task_group g;
    g.run([=] { loop_tg(d, mid, hi); });
    loop_tg(d, lo, mid);
    g.wait();
}

static double reduce_tg(const struct loop_data *d, long lo, long hi)
{
    if (hi - lo == 1)
        return reduce_leaf(d, lo);
    long mid = lo + (hi - lo) / 2;
    double a = 0;
    tbb::task_group g;
    g.run([=, &a] { a = reduce_tg(d, mid, hi); });
    double b = reduce_tg(d, lo, mid);
    g.wait();
    return a + b;
}

static tbb::task_arena *arena(void *rt) { return static_cast<tbb::task_arena *>(rt); }

extern "C" long bench_loop_tbb_task_group(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 1);
    arena(rt)->execute([&] { loop_tg(d, 0, d->blocks); });
    return 0;
}

extern "C" long bench_loop_tbb_parallel(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 1);
    arena(rt)->execute([&] {
        tbb::parallel_for(
            tbb::blocked_range<long>(0, d->blocks, 1),
            [d](const tbb::blocked_range<long> &r) {
                for (long b = r.begin(); b != r.end(); b++)
                    loop_leaf(d, b);
            },
            tbb::simple_partitioner());
    });
    return 0;
}

extern "C" long bench_reduce_tbb_task_group(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 0);
    double s = 0;
    arena(rt)->execute([&] { s = reduce_tg(d, 0, d->blocks); });
    return (long)s;
}

extern "C" long bench_reduce_tbb_parallel(void *rt, int n)
{
    struct loop_data *d = bench_loop_data(n, 0);
    double s = 0;
    arena(rt)->execute([&] {
        s = tbb::parallel_reduce(
            tbb::blocked_range<long>(0, d->blocks, 1), 0.0,
            [d](const tbb::blocked_range<long> &r, double acc) {
                for (long b = r.begin(); b != r.end(); b++)
                    acc += reduce_leaf(d, b);
                return acc;
            },
            std::plus<double>(), tbb::simple_partitioner());
    });
    return (long)s;
}

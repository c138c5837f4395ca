/*
 * numeric/tbb.cc - the data-parallel kernels with oneTBB (numeric.h), as a
 * TBB user writes them: parallel_for / parallel_reduce over a
 * blocked_range of grain 1 with the default auto_partitioner (the leaf gets
 * the subranges TBB chooses), parallel_deterministic_reduce for the
 * deterministic sum (its simple_partitioner needs a grain: NUM_BLOCK), the
 * histogram as a reduction body with a splitting constructor and join, and
 * a task_group for scope.  Every call runs in the adapter's arena.
 */
#include <cstring>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "numeric.h"

using range = tbb::blocked_range<long>;

static tbb::task_arena *arena(void *rt) { return static_cast<tbb::task_arena *>(rt); }

extern "C" long bench_map_tbb_parallel(void *rt, int n)
{
    num_y(n);
    arena(rt)->execute([&] {
        tbb::parallel_for(range(0, n), [](const range &r) { map_range(r.begin(), r.end()); });
    });
    return 0;
}

static double plus(double a, double b) { return a + b; }

extern "C" long bench_sum_tbb_parallel(void *rt, int n)
{
    num_x(n);
    double s = 0;
    arena(rt)->execute([&] {
        s = tbb::parallel_reduce(
            range(0, n), 0.0,
            [](const range &r, double acc) { return acc + sum_range(r.begin(), r.end()); }, plus);
    });
    return (long)s;
}

extern "C" long bench_sum_tbb_det(void *rt, int n)
{
    num_x(n);
    double s = 0;
    arena(rt)->execute([&] {
        s = tbb::parallel_deterministic_reduce(
            range(0, n, NUM_BLOCK), 0.0,
            [](const range &r, double acc) { return acc + sum_range(r.begin(), r.end()); }, plus);
    });
    return (long)s;
}

extern "C" long bench_mandel_tbb_parallel(void *rt, int n)
{
    long t = 0;
    arena(rt)->execute([&] {
        t = tbb::parallel_reduce(
            range(0, n), 0L,
            [n](const range &r, long acc) { return acc + mandel_rows(n, r.begin(), r.end()); },
            [](long a, long b) { return a + b; });
    });
    return t;
}

extern "C" long bench_jacobi_tbb_parallel(void *rt, int n)
{
    struct jacobi_grid *g = jacobi_grid(n);
    arena(rt)->execute([&] {
        for (int s = 0; s < JACOBI_SWEEPS; s++) {
            const double *src = s % 2 ? g->b : g->a;
            double *dst = s % 2 ? g->a : g->b;
            tbb::parallel_for(range(1, n - 1),
                              [=](const range &r) { jacobi_rows(n, src, dst, r.begin(), r.end()); });
        }
    });
    return 0;
}

namespace {
struct hist_body {
    struct hist h;
    hist_body() { std::memset(&h, 0, sizeof h); }
    hist_body(hist_body &, tbb::split) { std::memset(&h, 0, sizeof h); }
    void operator()(const range &r) { hist_range(&h, r.begin(), r.end()); }
    void join(const hist_body &rhs) { hist_add(&h, &rhs.h); }
};
} // namespace

extern "C" long bench_hist_tbb_parallel(void *rt, int n)
{
    hist_data(n);
    hist_body body;
    arena(rt)->execute([&] { tbb::parallel_reduce(range(0, n), body); });
    return hist_answer(&body.h);
}

/* The loops are issued back to back by the main thread inside the arena,
 * as a TBB program's main thread does in its implicit arena. */
extern "C" long bench_loopcost_tbb_parallel(void *rt, int n)
{
    long done = 0;
    arena(rt)->execute([&] {
        for (int l = 0; l < n; l++) {
            tbb::parallel_for(range(0, LOOPCOST_ITERS), [](const range &r) {
                for (long i = r.begin(); i != r.end(); i++)
                    loopcost_iter(i);
            });
            done += loopcost_collect();
        }
    });
    return done;
}

extern "C" long bench_scope_tbb_task_group(void *rt, int n)
{
    long *out = scope_out(n);
    arena(rt)->execute([&] {
        tbb::task_group g;
        for (long i = 0; i < n; i++)
            g.run([out, i] { out[i] = scope_work(i); });
        g.wait();
    });
    return 0;
}

/*
 * fib/tbb.cc - fib with oneTBB task_group, no cutoff (C++: task_group has
 * no C interface).  The adapter's handle is a tbb::task_arena of N slots.
 */
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"

static long fib_tg(int n)
{
    if (n < 2)
        return n;
    long x, y;
    tbb::task_group g;
    g.run([&] { x = fib_tg(n - 1); });
    y = fib_tg(n - 2);
    g.wait();
    return x + y;
}

extern "C" long bench_fib_tbb_task_group(void *rt, int n)
{
    long r = -1;
    static_cast<tbb::task_arena *>(rt)->execute([&] { r = fib_tg(n); });
    return r;
}

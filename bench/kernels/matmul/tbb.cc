/*
 * matmul/tbb.cc - matmul with oneTBB task_group (matmul.h): per phase three
 * run() and a direct call, then wait.
 */
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "matmul.h"

static void mm_tg(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int phase = 0; phase < 2; phase++) {
        tbb::task_group g;
        for (int q = 0; q < 3; q++)
            g.run([=] {
                mm_tg(MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2 + phase, h, ld),
                      MM_Q(b, phase * 2 + (q & 1), h, ld), h, ld);
            });
        mm_tg(MM_Q(c, 3, h, ld), MM_Q(a, 2 + phase, h, ld), MM_Q(b, phase * 2 + 1, h, ld), h, ld);
        g.wait();
    }
}

extern "C" long bench_matmul_tbb_task_group(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    static_cast<tbb::task_arena *>(rt)->execute([&] { mm_tg(d->c, d->a, d->b, n, n); });
    return 0;
}

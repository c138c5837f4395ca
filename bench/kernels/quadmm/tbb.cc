/*
 * quadmm/tbb.cc - quadmm with oneTBB task_group (quadmm.h): three run()
 * of quadrant tasks and a direct call, then wait.
 */
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "quadmm.h"

static void qm_prod(double *c, const double *a, const double *b, int s, int ld);

static void qm_quad(double *c, const double *a, const double *b, int s, int ld)
{
    qm_prod(c, a, b, s, ld);
    qm_prod(c, a + s, b + (long)s * ld, s, ld);
}

static void qm_prod(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    tbb::task_group g;
    for (int q = 0; q < 3; q++)
        g.run([=] {
            qm_quad(MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2, h, ld),
                    MM_Q(b, q & 1, h, ld), h, ld);
        });
    qm_quad(MM_Q(c, 3, h, ld), MM_Q(a, 2, h, ld), MM_Q(b, 1, h, ld), h, ld);
    g.wait();
}

extern "C" long bench_quadmm_tbb_task_group(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    static_cast<tbb::task_arena *>(rt)->execute(
        [&] { qm_prod(d->c, d->a, d->b, n, n); });
    return 0;
}

/*
 * uts/tbb.cc - UTS with oneTBB task_group (uts.h), no cutoff: one task per
 * child (its state computed by the parent and captured by value), one
 * wait.
 */
#include <stdlib.h>

#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "uts.h"

static long uts_tg(const struct uts_tree *t, const struct uts_state *s,
                   int depth)
{
    int k = uts_nchildren(t, s, depth);
    long r_stack[k <= UTS_MAX_CHILDREN ? (k > 0 ? k : 1) : 1]; /* VLA, as in uts/generic.inc */
    long *r = r_stack;
    if (k > UTS_MAX_CHILDREN && (r = static_cast<long *>(malloc(sizeof *r * k))) == nullptr)
        abort();
    tbb::task_group g;
    for (int i = 0; i < k; i++) {
        struct uts_state c;
        uts_child(s, &c, i);
        g.run([=] { r[i] = uts_tg(t, &c, depth + 1); });
    }
    g.wait();
    long sum = 1;
    for (int i = k - 1; i >= 0; i--)
        sum += r[i];
    if (k > UTS_MAX_CHILDREN)
        free(r);
    return sum;
}

static long run(void *rt, int binomial, int n)
{
    struct uts_tree t;
    uts_init(&t, binomial, n);
    long r = -1;
    static_cast<tbb::task_arena *>(rt)->execute([&] { r = uts_tg(&t, &t.root, 0); });
    return r;
}

extern "C" long bench_uts_geo_tbb_task_group(void *rt, int n) { return run(rt, 0, n); }
extern "C" long bench_uts_bin_tbb_task_group(void *rt, int n) { return run(rt, 1, n); }

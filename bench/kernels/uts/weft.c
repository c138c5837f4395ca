/*
 * uts/weft.c - UTS on weft (uts.h), no cutoff: the generic API
 * (uts/generic.inc) and the typed form (WEFT_TASK_3, the node's 20-byte
 * state by value in the spawn's slot of the worker's deque), one task per
 * child, joined in reverse.
 */
#include <stdlib.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "uts.h"

#define UTS_GENERIC uts_generic
#define UTS_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define UTS_JOIN(t) weft_join(t)
#include "generic.inc"

WEFT_TASK_3(long, uts_typed, const struct uts_tree *, t, struct uts_state, s,
            int, depth)
{
    int k = uts_nchildren(t, &s, depth);
    for (int i = 0; i < k; i++) {
        struct uts_state c;
        uts_child(&s, &c, i);
        uts_typed_spawn(w, t, c, depth + 1);
    }
    long sum = 1;
    for (int i = k - 1; i >= 0; i--)
        sum += uts_typed_join(w);
    return sum;
}

static void uts_typed_entry(void *p)
{
    struct uts_args *a = (struct uts_args *)p;
    a->r = uts_typed_run(weft_self(), a->t, a->s, a->depth);
}

static long run(void *rt, int binomial, int n, int typed)
{
    struct uts_tree t;
    uts_init(&t, binomial, n);
    struct uts_args a = {&t, t.root, 0, -1};
    if (weft_pool_run((weft_pool *)rt, typed ? uts_typed_entry : uts_generic, &a) != 0)
        return -1;
    return a.r;
}

long bench_uts_geo_weft_generic(void *rt, int n) { return run(rt, 0, n, 0); }
long bench_uts_geo_weft_typed(void *rt, int n) { return run(rt, 0, n, 1); }
long bench_uts_bin_weft_generic(void *rt, int n) { return run(rt, 1, n, 0); }
long bench_uts_bin_weft_typed(void *rt, int n) { return run(rt, 1, n, 1); }

/*
 * matmul/weft.c - matmul on weft (matmul.h): the generic API
 * (matmul/generic.inc) and the typed form (WEFT_TASK_4: C, A, B, size; the
 * leading dimension, n, is a file-level variable set before the run because
 * the typed form takes at most four arguments).
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "matmul.h"

#define MM_GENERIC mm_generic
#define MM_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define MM_JOIN(t) weft_join(t)
#include "generic.inc"

static int mm_ld;

WEFT_TASK_4(int, mm_typed, double *, c, const double *, a, const double *, b, int, s)
{
    int ld = mm_ld;
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return 0;
    }
    int h = s / 2;
    for (int phase = 0; phase < 2; phase++) {
        for (int q = 0; q < 3; q++)
            mm_typed_spawn(w, MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2 + phase, h, ld),
                           MM_Q(b, phase * 2 + (q & 1), h, ld), h);
        mm_typed_call(w, MM_Q(c, 3, h, ld), MM_Q(a, 2 + phase, h, ld), MM_Q(b, phase * 2 + 1, h, ld), h);
        for (int q = 2; q >= 0; q--)
            mm_typed_join(w);
    }
    return 0;
}

static void mm_typed_entry(void *p)
{
    const struct mm_args *a = (const struct mm_args *)p;
    mm_typed_run(weft_self(), a->c, a->a, a->b, a->s);
}

long bench_matmul_weft_generic(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    struct mm_args a = {d->c, d->a, d->b, n, n};
    return weft_pool_run((weft_pool *)rt, mm_generic, &a) != 0 ? -1 : 0;
}

long bench_matmul_weft_typed(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    struct mm_args a = {d->c, d->a, d->b, n, n};
    mm_ld = n;
    return weft_pool_run((weft_pool *)rt, mm_typed_entry, &a) != 0 ? -1 : 0;
}

/*
 * quadmm/weft.c - quadmm on weft (quadmm.h): the generic API
 * (quadmm/generic.inc) and the typed form (WEFT_TASK_4: C_rc, A_r0, B_0c,
 * size; the leading dimension, n, is a file-level variable set before the
 * run, as in matmul/weft.c).
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "quadmm.h"

#define QM_QUAD            qm_quad_generic
#define QM_PROD            qm_prod_generic
#define QM_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define QM_JOIN(t)         weft_join(t)
#include "generic.inc"

static int qm_ld;

static void qm_prod_typed(weft_ctx *w, double *c, const double *a,
                          const double *b, int s);

WEFT_TASK_4(int, qm_quad, double *, c, const double *, a, const double *, b,
            int, s)
{
    long ld = qm_ld;
    qm_prod_typed(w, c, a, b, s);
    qm_prod_typed(w, c, a + s, b + s * ld, s);
    return 0;
}

static void qm_prod_typed(weft_ctx *w, double *c, const double *a,
                          const double *b, int s)
{
    int ld = qm_ld;
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int q = 0; q < 3; q++)
        qm_quad_spawn(w, MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2, h, ld),
                      MM_Q(b, q & 1, h, ld), h);
    qm_quad_call(w, MM_Q(c, 3, h, ld), MM_Q(a, 2, h, ld), MM_Q(b, 1, h, ld), h);
    for (int q = 2; q >= 0; q--)
        qm_quad_join(w);
}

/* The root: the whole product, a typed task so that it has a context. */
WEFT_TASK_4(int, qm_root, double *, c, const double *, a, const double *, b,
            int, s)
{
    qm_prod_typed(w, c, a, b, s);
    return 0;
}

struct qm_whole {
    struct mm_data *d;
    int n;
    int typed;
};

static void qm_entry(void *p)
{
    const struct qm_whole *x = (const struct qm_whole *)p;
    if (x->typed)
        qm_root_run(weft_self(), x->d->c, x->d->a, x->d->b, x->n);
    else
        qm_prod_generic(x->d->c, x->d->a, x->d->b, x->n, x->n);
}

long bench_quadmm_weft_generic(void *rt, int n)
{
    struct qm_whole x = {bench_mm_data(n), n, 0};
    return weft_pool_run((weft_pool *)rt, qm_entry, &x) != 0 ? -1 : 0;
}

long bench_quadmm_weft_typed(void *rt, int n)
{
    struct qm_whole x = {bench_mm_data(n), n, 1};
    qm_ld = n;
    return weft_pool_run((weft_pool *)rt, qm_entry, &x) != 0 ? -1 : 0;
}

/*
 * uts/omp.c - UTS with OpenMP tasks (uts.h), no cutoff: one task per child
 * (its state computed by the parent and firstprivate, its result slot
 * shared), one taskwait.  Built by gcc (libgomp) and clang (libomp).  The
 * result array is on the stack, on the heap for the binomial root, as in
 * every other variant.
 */
#include <stdlib.h>

#include <omp.h>

#include "../../driver/bench.h"
#include "uts.h"

static long uts_task(const struct uts_tree *t, const struct uts_state *s,
                     int depth)
{
    int k = uts_nchildren(t, s, depth);
    long r_stack[k <= UTS_MAX_CHILDREN ? (k > 0 ? k : 1) : 1]; /* VLA, as in uts/generic.inc */
    long *r = r_stack;
    if (k > UTS_MAX_CHILDREN && (r = malloc(sizeof *r * (size_t)k)) == NULL)
        abort();
    for (int i = 0; i < k; i++) {
        struct uts_state c;
        uts_child(s, &c, i);
#pragma omp task shared(r) firstprivate(i, c)
        r[i] = uts_task(t, &c, depth + 1);
    }
#pragma omp taskwait
    long sum = 1;
    for (int i = k - 1; i >= 0; i--)
        sum += r[i];
    if (k > UTS_MAX_CHILDREN)
        free(r);
    return sum;
}

static long run(void *rt, int binomial, int n)
{
    int workers = *(const int *)rt;
    struct uts_tree t;
    uts_init(&t, binomial, n);
    long r = -1;
#pragma omp parallel num_threads(workers) shared(r, t)
#pragma omp single
    r = uts_task(&t, &t.root, 0);
    return r;
}

long bench_uts_geo_omp_task(void *rt, int n) { return run(rt, 0, n); }
long bench_uts_bin_omp_task(void *rt, int n) { return run(rt, 1, n); }

/*
 * numeric/weft.c - the data-parallel kernels on weft's loop layer
 * (numeric.h): weft_for and weft_reduce with grain 0 (weft chooses), the
 * deterministic sum with WEFT_DETERMINISTIC, and a weft_scope.  Each call
 * enters the adapter's pool with weft_pool_run, but loopcost-for, which
 * calls weft_for straight from the main thread, as a program's main()
 * does: on the default pool (given the process's worker count).
 *
 * Built only when weft.h declares the loop layer (BENCH_WEFT_LOOPS, set by
 * bench/CMakeLists.txt).
 */
#if BENCH_WEFT_LOOPS
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "numeric.h"

struct call {
    long n;
    int rc;
    long out;
};

static long run(void *rt, weft_fn fn, struct call *c)
{
    if (weft_pool_run((weft_pool *)rt, fn, c) != 0 || c->rc != 0)
        return -1;
    return c->out;
}

/* ---- map --------------------------------------------------------------- */

static int map_body(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    map_range((long)lo, (long)hi);
    return 0;
}

static void map_entry(void *p)
{
    struct call *c = p;
    c->rc = weft_for(0, (size_t)c->n, 0, map_body, NULL);
}

long bench_map_weft_for(void *rt, int n)
{
    struct call c = {n, 0, 0};
    num_y(n);
    return run(rt, map_entry, &c);
}

/* ---- sum ----------------------------------------------------------------- */

static int sum_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    *(double *)acc += sum_range((long)lo, (long)hi);
    return 0;
}

static void sum_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(double *)acc += *(const double *)rhs;
}

static void sum_with(struct call *c, unsigned flags)
{
    static const double zero = 0;
    double s = -1;
    c->rc = weft_reduce(0, (size_t)c->n, 0, sizeof s, &zero, sum_fold, sum_combine, NULL,
                        flags, &s);
    c->out = (long)s;
}

static void sum_entry(void *p) { sum_with(p, 0); }
static void sum_det_entry(void *p) { sum_with(p, WEFT_DETERMINISTIC); }

long bench_sum_weft_reduce(void *rt, int n)
{
    struct call c = {n, 0, 0};
    num_x(n);
    return run(rt, sum_entry, &c);
}

long bench_sum_weft_det(void *rt, int n)
{
    struct call c = {n, 0, 0};
    num_x(n);
    return run(rt, sum_det_entry, &c);
}

/* ---- mandel -------------------------------------------------------------- */

static int mandel_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    *(long *)acc += mandel_rows((int)((struct call *)ctx)->n, (long)lo, (long)hi);
    return 0;
}

static void long_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(long *)acc += *(const long *)rhs;
}

static void mandel_entry(void *p)
{
    static const long zero = 0;
    struct call *c = p;
    c->rc = weft_reduce(0, (size_t)c->n, 0, sizeof(long), &zero, mandel_fold, long_combine, c,
                        0, &c->out);
}

long bench_mandel_weft_reduce(void *rt, int n)
{
    struct call c = {n, 0, 0};
    return run(rt, mandel_entry, &c);
}

/* ---- jacobi -------------------------------------------------------------- */

struct sweep {
    int n;
    const double *src;
    double *dst;
};

static int jacobi_body(size_t lo, size_t hi, void *ctx)
{
    const struct sweep *s = ctx;
    jacobi_rows(s->n, s->src, s->dst, (long)lo, (long)hi);
    return 0;
}

static void jacobi_entry(void *p)
{
    struct call *c = p;
    int n = (int)c->n;
    struct jacobi_grid *g = jacobi_grid(n);
    for (int s = 0; s < JACOBI_SWEEPS && c->rc == 0; s++) {
        struct sweep sw = {n, s % 2 ? g->b : g->a, s % 2 ? g->a : g->b};
        c->rc = weft_for(1, (size_t)n - 1, 0, jacobi_body, &sw);
    }
}

long bench_jacobi_weft_for(void *rt, int n)
{
    struct call c = {n, 0, 0};
    jacobi_grid(n);
    return run(rt, jacobi_entry, &c);
}

/* ---- hist ---------------------------------------------------------------- */

static int hist_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    hist_range(acc, (long)lo, (long)hi);
    return 0;
}

static void hist_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    hist_add(acc, rhs);
}

static void hist_entry(void *p)
{
    static const struct hist zero;
    struct call *c = p;
    struct hist h;
    c->rc = weft_reduce(0, (size_t)c->n, 0, sizeof h, &zero, hist_fold, hist_combine, NULL, 0,
                        &h);
    c->out = c->rc == 0 ? hist_answer(&h) : -1;
}

long bench_hist_weft_reduce(void *rt, int n)
{
    struct call c = {n, 0, 0};
    hist_data(n);
    return run(rt, hist_entry, &c);
}

/* ---- loopcost ------------------------------------------------------------ */

static int loopcost_body(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    for (size_t i = lo; i < hi; i++)
        loopcost_iter((long)i);
    return 0;
}

/* n loops back to back; grain 1: any iteration may go to another worker */
static long loopcost_loops(int n)
{
    long done = 0;
    for (int l = 0; l < n; l++) {
        if (weft_for(0, LOOPCOST_ITERS, 1, loopcost_body, NULL) != 0)
            return -1;
        done += loopcost_collect();
    }
    return done;
}

/* From the main thread: the default pool, which must have the adapter
 * pool's worker count (made so through $WEFT_WORKERS when unset). */
long bench_loopcost_weft_for(void *rt, int n)
{
    unsigned w = weft_pool_workers((weft_pool *)rt);
    char buf[16];
    snprintf(buf, sizeof buf, "%u", w);
    setenv("WEFT_WORKERS", buf, 0);
    weft_pool *def = weft_default_pool();
    if (def == NULL || weft_pool_workers(def) != w) {
        fprintf(stderr, "bench-weft: loopcost-for: the default pool has %u workers, not %u "
                "(run one worker count a process, as bench/run does, with $WEFT_WORKERS "
                "unset or equal to it)\n", weft_pool_workers(def), w);
        return -1;
    }
    return loopcost_loops(n);
}

static void loopcost_entry(void *p)
{
    struct call *c = p;
    c->out = loopcost_loops((int)c->n);
}

/* From a worker: one weft_pool_run around all the loops. */
long bench_loopcost_weft_inside(void *rt, int n)
{
    struct call c = {n, 0, 0};
    return run(rt, loopcost_entry, &c);
}

/* ---- scope --------------------------------------------------------------- */

static long *scope_base;

static int scope_job(void *arg)
{
    long *slot = arg;
    *slot = scope_work(slot - scope_base);
    return 0;
}

static void scope_entry(void *p)
{
    struct call *c = p;
    weft_scope s;
    weft_scope_init(&s);
    int rc = 0;
    for (long i = 0; i < c->n && rc == 0; i++)
        rc = weft_scope_spawn(&s, scope_job, &scope_base[i]);
    int wrc = weft_scope_wait(&s);
    c->rc = rc != 0 ? rc : wrc;
}

long bench_scope_weft_scope(void *rt, int n)
{
    struct call c = {n, 0, 0};
    scope_base = scope_out(n);
    return run(rt, scope_entry, &c);
}
#endif

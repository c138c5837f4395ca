/*
 * uts-serial.c - the serial baselines of UTS (uts.h): plain recursion and
 * the serial elision of the generic-API code.  weft.h only for weft_task.
 */
#include <stdlib.h>

#include <weft.h>

#include "../driver/bench.h"
#include "uts.h"

static long uts(const struct uts_tree *t, const struct uts_state *s, int depth)
{
    int k = uts_nchildren(t, s, depth);
    long sum = 1;
    for (int i = 0; i < k; i++) {
        struct uts_state c;
        uts_child(s, &c, i);
        sum += uts(t, &c, depth + 1);
    }
    return sum;
}

#define UTS_GENERIC uts_elided
#define UTS_SPAWN(t, fn, a) ((void)(t), fn(a))
#define UTS_JOIN(t) ((void)(t))
#include "uts-generic.inc"

static long run_plain(int binomial, int n)
{
    struct uts_tree t;
    uts_init(&t, binomial, n);
    return uts(&t, &t.root, 0);
}

static long run_elision(int binomial, int n)
{
    struct uts_tree t;
    uts_init(&t, binomial, n);
    struct uts_args a = {&t, t.root, 0, -1};
    uts_elided(&a);
    return a.r;
}

long bench_uts_geo_serial_plain(void *rt, int n) { (void)rt; return run_plain(0, n); }
long bench_uts_geo_serial_elision(void *rt, int n) { (void)rt; return run_elision(0, n); }
long bench_uts_bin_serial_plain(void *rt, int n) { (void)rt; return run_plain(1, n); }
long bench_uts_bin_serial_elision(void *rt, int n) { (void)rt; return run_elision(1, n); }

/*
 * uts/serial.c - the serial baselines of UTS (uts.h): plain recursion
 * (uts_count, in uts.h) and the serial elision of the generic-API code.
 * weft.h only for weft_task.
 */
#include <stdlib.h>

#include <weft.h>

#include "../../driver/bench.h"
#include "uts.h"

#define UTS_GENERIC uts_elided
#define UTS_SPAWN(t, fn, a) ((void)(t), fn(a))
#define UTS_JOIN(t) ((void)(t))
#include "generic.inc"

static long run_plain(int binomial, int n)
{
    struct uts_tree t;
    uts_init(&t, binomial, n);
    return uts_count(&t, &t.root, 0);
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

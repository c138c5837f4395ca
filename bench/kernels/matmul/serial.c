/*
 * matmul/serial.c - the serial baselines of matmul (matmul.h): plain
 * recursion and the serial elision of the generic-API code.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "matmul.h"

static void mm(double *c, const double *a, const double *b, int s, int ld)
{
    if (s <= MM_BASE) {
        mm_base(c, a, b, ld);
        return;
    }
    int h = s / 2;
    for (int phase = 0; phase < 2; phase++)
        for (int q = 0; q < 4; q++)
            mm(MM_Q(c, q, h, ld), MM_Q(a, (q >> 1) * 2 + phase, h, ld),
               MM_Q(b, phase * 2 + (q & 1), h, ld), h, ld);
}

#define MM_GENERIC mm_elided
#define MM_SPAWN(t, fn, a) ((void)(t), fn(a))
#define MM_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_matmul_serial_plain(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    (void)rt;
    mm(d->c, d->a, d->b, n, n);
    return 0;
}

long bench_matmul_serial_elision(void *rt, int n)
{
    struct mm_data *d = bench_mm_data(n);
    struct mm_args a = {d->c, d->a, d->b, n, n};
    (void)rt;
    mm_elided(&a);
    return 0;
}

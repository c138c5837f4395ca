/*
 * fib/serial.c - the serial baselines of fib: plain recursion (the baseline
 * of the typed form) and the serial elision of the generic-API code (the
 * baseline of the generic form).  weft.h is included only for the weft_task
 * type of the elided frame; nothing of the library is called or linked.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "fib.h"

static long fib(int n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

long bench_fib_serial_plain(void *rt, int n)
{
    (void)rt;
    return fib(n);
}

#define FIB_GENERIC fib_elided
#define FIB_SPAWN(t, fn, a) ((void)(t), fn(a))
#define FIB_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_fib_serial_elision(void *rt, int n)
{
    struct fib_args a = {n, 0};
    (void)rt;
    fib_elided(&a);
    return a.r;
}

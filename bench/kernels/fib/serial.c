/*
 * fib/serial.c - the serial baselines of fib: plain recursion (the baseline
 * of the typed form), the serial elision of the generic-API code, and the
 * same elision with its spawned call made indirect (the baseline of the
 * generic form).  weft.h is included only for the weft_task
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

/* The elision again, with the spawned call made through a function pointer
 * the compiler cannot see through, as weft_spawn's slot makes it: gcc turns
 * the plain elision into a loop, which no spawning program can follow, and
 * cannot do that here.  The baseline of the generic API's goal lines. */
static void fib_indirect(void *p);
static void (*volatile fib_indirect_target)(void *) = fib_indirect;
#undef FIB_GENERIC
#undef FIB_SPAWN
#undef FIB_JOIN
#define FIB_GENERIC fib_indirect
#define FIB_SPAWN(t, fn, a) ((void)(t), (void)(fn), fib_indirect_target(a))
#define FIB_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_fib_serial_indirect(void *rt, int n)
{
    struct fib_args a = {n, 0};
    (void)rt;
    fib_indirect(&a);
    return a.r;
}

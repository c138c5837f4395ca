/*
 * wake/serial.c - the serial references of the wake and idle kernels
 * (wake.h): wake-futex times the bare futex round trip alone (its "wake"
 * is a direct function call); idle-sleep is the calling thread alone, the
 * floor of the idle measurement.
 */
#include <stddef.h>

#include "../../driver/bench.h"
#include "wake.h"

static void one_call(void *ctx) { ++*(volatile long *)ctx; }

long bench_wake_serial_futex(void *rt, int n)
{
    long count = 0;
    (void)rt;
    return bench_wake_rounds(n, one_call, &count, &count);
}

static long burst(void *ctx)
{
    long count = 0;
    (void)ctx;
    bench_burst_task(&count);
    return count;
}

long bench_idle_serial_sleep(void *rt, int n)
{
    (void)rt;
    return bench_idle_window(n, burst, NULL, 1);
}

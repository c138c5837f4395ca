/*
 * blocking/common.c - the CPU job of the blocking kernel (blocking.h) and
 * its expected answer.
 */
#include "../../driver/bench.h"
#include "blocking.h"

long bench_blocking_expected(int n) { return n >= 1 && n <= 100000 ? n : -1; }

BENCH_LEAF unsigned long bench_blocking_cpu(unsigned long seed)
{
    unsigned long x = seed;
    for (long i = 0; i < CPU_WORK; i++)
        x = x * 6364136223846793005ul + 1442695040888963407ul;
    return x;
}

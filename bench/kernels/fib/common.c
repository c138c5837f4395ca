/* fib/common.c - the expected answers of the fib kernel. */
#include "../../driver/bench.h"

long bench_fib_expected(int n)
{
    long a = 0, b = 1;
    if (n < 0 || n > 92)
        return -1;
    for (int i = 0; i < n; i++) {
        long c = a + b;
        a = b;
        b = c;
    }
    return a;
}

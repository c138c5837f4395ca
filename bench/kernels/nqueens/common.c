/* nqueens/common.c - the expected answers of the nqueens kernel (OEIS A000170). */
#include "../../driver/bench.h"
#include "nqueens.h"

long bench_nqueens_expected(int n)
{
    static const long solutions[NQ_MAXN + 1] = {
        1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200, 73712, 365596,
        2279184, 14772512};
    if (n < 1 || n > NQ_MAXN)
        return -1;
    return solutions[n];
}

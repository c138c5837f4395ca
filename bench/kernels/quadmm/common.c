/*
 * quadmm/common.c - quadmm's expected answer and verify hook: matmul's
 * (the same product of the same matrices, matmul/common.c).
 */
#include "../../driver/bench.h"
#include "quadmm.h"

long bench_quadmm_expected(int n) { return bench_matmul_expected(n); }

long bench_quadmm_verify(int n, long ret)
{
    return bench_matmul_verify(n, ret);
}

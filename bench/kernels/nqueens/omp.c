/*
 * nqueens/omp.c - nqueens with OpenMP tasks, no cutoff: one task per free
 * column (the child's board firstprivate), then one taskwait.  Built by gcc
 * (libgomp) and by clang (libomp).
 */
#include <omp.h>

#include "../../driver/bench.h"
#include "nqueens.h"

static long nq_task(int n, int row, const struct nq_board *b)
{
    if (row == n)
        return 1;
    long r[NQ_MAXN];
    int k = 0;
    for (int col = 0; col < n; col++) {
        if (!nq_ok(b, row, col))
            continue;
        struct nq_board c = *b;
        c.q[row] = (signed char)col;
#pragma omp task shared(r) firstprivate(c, k)
        r[k] = nq_task(n, row + 1, &c);
        k++;
    }
#pragma omp taskwait
    long sum = 0;
    while (k-- > 0)
        sum += r[k];
    return sum;
}

long bench_nqueens_omp_task(void *rt, int n)
{
    int workers = *(const int *)rt;
    struct nq_board b = {{0}};
    long r = -1;
    if (n < 1 || n > NQ_MAXN)
        return -1;
#pragma omp parallel num_threads(workers) shared(r, b)
#pragma omp single
    r = nq_task(n, 0, &b);
    return r;
}

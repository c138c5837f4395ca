/*
 * nqueens/weft.c - nqueens on weft, no cutoff: the generic API
 * (nqueens/generic.inc) and the typed fast form (WEFT_TASK_3), one task per
 * free column, each spawn's arguments kept in the worker's deque, joined in
 * reverse.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "nqueens.h"

#define NQ_GENERIC nqueens_generic
#define NQ_SPAWN(t, fn, a) weft_spawn(t, fn, a)
#define NQ_JOIN(t) weft_join(t)
#include "generic.inc"

long bench_nqueens_weft_generic(void *rt, int n)
{
    struct nq_args a = {n, 0, {{0}}, -1};
    if (n < 1 || n > NQ_MAXN)
        return -1;
    if (weft_pool_run((weft_pool *)rt, nqueens_generic, &a) != 0)
        return -1;
    return a.r;
}

WEFT_TASK_3(long, nq_typed, int, n, int, row, struct nq_board, b)
{
    if (row == n)
        return 1;
    int k = 0;
    for (int col = 0; col < n; col++) {
        if (!nq_ok(&b, row, col))
            continue;
        struct nq_board c = b;
        c.q[row] = (signed char)col;
        nq_typed_spawn(w, n, row + 1, c);
        k++;
    }
    long sum = 0;
    while (k-- > 0)
        sum += nq_typed_join(w);
    return sum;
}

static void nq_typed_entry(void *p)
{
    struct nq_args *a = (struct nq_args *)p;
    a->r = nq_typed_run(weft_self(), a->n, 0, a->b);
}

long bench_nqueens_weft_typed(void *rt, int n)
{
    struct nq_args a = {n, 0, {{0}}, -1};
    if (n < 1 || n > NQ_MAXN)
        return -1;
    if (weft_pool_run((weft_pool *)rt, nq_typed_entry, &a) != 0)
        return -1;
    return a.r;
}

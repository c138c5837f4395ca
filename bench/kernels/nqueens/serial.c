/*
 * nqueens/serial.c - the serial baselines of nqueens: plain recursion (the
 * baseline of the typed form) and the serial elision of the generic-API
 * code.  weft.h is included only for the weft_task type; nothing of the
 * library is called or linked.
 */
#include <weft.h>

#include "../../driver/bench.h"
#include "nqueens.h"

static long nqueens(int n, int row, const struct nq_board *b)
{
    if (row == n)
        return 1;
    long sum = 0;
    for (int col = 0; col < n; col++) {
        if (!nq_ok(b, row, col))
            continue;
        struct nq_board c = *b;
        c.q[row] = (signed char)col;
        sum += nqueens(n, row + 1, &c);
    }
    return sum;
}

long bench_nqueens_serial_plain(void *rt, int n)
{
    struct nq_board b = {{0}};
    (void)rt;
    if (n < 1 || n > NQ_MAXN)
        return -1;
    return nqueens(n, 0, &b);
}

#define NQ_GENERIC nqueens_elided
#define NQ_SPAWN(t, fn, a) ((void)(t), fn(a))
#define NQ_JOIN(t) ((void)(t))
#include "generic.inc"

long bench_nqueens_serial_elision(void *rt, int n)
{
    struct nq_args a = {n, 0, {{0}}, -1};
    (void)rt;
    if (n < 1 || n > NQ_MAXN)
        return -1;
    nqueens_elided(&a);
    return a.r;
}

/*
 * nqueens/tbb.cc - nqueens with oneTBB task_group, no cutoff: one task per
 * free column (the child's board captured by value), then one wait.
 */
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "../../driver/bench.h"
#include "nqueens.h"

static long nq_tg(int n, int row, const struct nq_board *b)
{
    if (row == n)
        return 1;
    long r[NQ_MAXN];
    int k = 0;
    tbb::task_group g;
    for (int col = 0; col < n; col++) {
        if (!nq_ok(b, row, col))
            continue;
        struct nq_board c = *b;
        c.q[row] = static_cast<signed char>(col);
        g.run([&r, k, n, row, c] { r[k] = nq_tg(n, row + 1, &c); });
        k++;
    }
    g.wait();
    long sum = 0;
    while (k-- > 0)
        sum += r[k];
    return sum;
}

extern "C" long bench_nqueens_tbb_task_group(void *rt, int n)
{
    struct nq_board b = {{0}};
    long r = -1;
    if (n < 1 || n > NQ_MAXN)
        return -1;
    static_cast<tbb::task_arena *>(rt)->execute([&] { r = nq_tg(n, 0, &b); });
    return r;
}

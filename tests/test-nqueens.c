/*
 * test-nqueens - counts the solutions of the n-queens problem with one task
 * per queen placement: every node of the search spawns one child per free
 * column into an array of frames on its stack and joins them in reverse
 * order.  The count and the number of tasks spawned are compared with a
 * serial search (n = 10 -> 724 solutions), and with the known table for
 * small n.  Also runs the same search in the typed form (WEFT_TASK_4).
 *
 * Usage: test-nqueens WORKERS [N]   (N defaults to 10)
 */
#include "check.h"
#include "weft.h"

#define MAXN 16

static const long known[] = {1, 1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680,
                             14200, 73712};

struct nq {
    int n, row;
    uint32_t cols, d1, d2; /* occupied columns and diagonals */
    long solutions;
};

static int free_col(const struct nq *q, int c)
{
    return !(q->cols >> c & 1) && !(q->d1 >> (q->row + c) & 1) &&
           !(q->d2 >> (q->row - c + q->n - 1) & 1);
}

static struct nq place(const struct nq *q, int c)
{
    struct nq k = *q;
    k.cols |= 1u << c;
    k.d1 |= 1u << (q->row + c);
    k.d2 |= 1u << (q->row - c + q->n - 1);
    k.row++;
    k.solutions = 0;
    return k;
}

/* Serial search; *spawns counts the placements (the tasks of the parallel one). */
static long nq_serial(const struct nq *q, uint64_t *spawns)
{
    if (q->row == q->n)
        return 1;
    long s = 0;
    for (int c = 0; c < q->n; c++)
        if (free_col(q, c)) {
            struct nq k = place(q, c);
            ++*spawns;
            s += nq_serial(&k, spawns);
        }
    return s;
}

static void nq_task(void *p)
{
    struct nq *q = p;
    if (q->row == q->n) {
        q->solutions = 1;
        return;
    }
    struct nq kids[MAXN];
    weft_task t[MAXN];
    int k = 0;
    for (int c = 0; c < q->n; c++)
        if (free_col(q, c)) {
            kids[k] = place(q, c);
            weft_spawn(&t[k], nq_task, &kids[k]);
            k++;
        }
    long s = 0;
    while (k-- > 0) {
        weft_join(&t[k]);
        s += kids[k].solutions;
    }
    q->solutions = s;
}

/* The typed form: the board is passed by value, the count returned. */
WEFT_TASK_4(long, tnq, int, n, int, row, uint32_t, cols, uint64_t, diags)
{
    if (row == n)
        return 1;
    struct nq q = {n, row, cols, (uint32_t)diags, (uint32_t)(diags >> 32), 0};
    int k = 0;
    for (int c = 0; c < n; c++)
        if (free_col(&q, c)) {
            struct nq x = place(&q, c);
            tnq_spawn(w, n, x.row, x.cols,
                      (uint64_t)x.d1 | (uint64_t)x.d2 << 32);
            k++;
        }
    long s = 0;
    while (k-- > 0)
        s += tnq_join(w);
    return s;
}

static void tnq_entry(void *p)
{
    struct nq *q = p;
    q->solutions = tnq_run(weft_self(), q->n, 0, 0, 0);
}

CHECK_CASE(nqueens_case)
{
    unsigned workers = (unsigned)check_arg(argc, argv, 1, 2);
    int n = (int)check_arg(argc, argv, 2, 10);
    if (n < 1 || n > 13) {
        fprintf(stderr, "N must be in 1..13\n");
        exit(2);
    }
    printf("test-nqueens: workers=%u n=%d\n", workers, n);

    uint64_t spawns = 0;
    struct nq root = {n, 0, 0, 0, 0, 0};
    long expect = nq_serial(&root, &spawns);
    CHECK_EQ(expect, known[n]);

    weft_pool *pool = check_pool(workers, "nq");
    struct nq q = root;
    CHECK_EQ(weft_pool_run(pool, nq_task, &q), 0);
    CHECK_EQ(q.solutions, known[n]);
    weft_stats s = check_stats_settle(pool, spawns + 1);
    printf("  generic: %ld solutions, spawned=%" PRIu64 " run=%" PRIu64
           " steals=%" PRIu64 "\n", q.solutions, s.spawned, s.run, s.steals);
    CHECK_EQ(s.spawned, spawns);
    CHECK_EQ(s.run, spawns + 1);
    CHECK(s.steals <= s.spawned);

    q = root;
    CHECK_EQ(weft_pool_run(pool, tnq_entry, &q), 0);
    CHECK_EQ(q.solutions, known[n]);
    s = check_stats_settle(pool, 2 * spawns + 2);
    printf("  typed:   %ld solutions, spawned=%" PRIu64 " run=%" PRIu64
           " steals=%" PRIu64 "\n", q.solutions, s.spawned, s.run, s.steals);
    CHECK_EQ(s.spawned, 2 * spawns);
    CHECK_EQ(s.run, 2 * spawns + 2);
    CHECK(s.steals <= s.spawned);

    /* Every smaller board on the same pool. */
    for (int k = 1; k < n; k++) {
        struct nq r = {k, 0, 0, 0, 0, 0};
        CHECK_EQ(weft_pool_run(pool, nq_task, &r), 0);
        CHECK_EQ(r.solutions, known[k]);
    }
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* One case: CTest runs the program whole (nqueens-w<n>). */
static const struct check_case cases[] = {
    {"nqueens", nqueens_case, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-nqueens", "WORKERS [N]", NULL, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

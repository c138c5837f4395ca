/*
 * nqueens.h - what the nqueens variants share.
 *
 * Every variant counts the placements of n queens on an n x n board the
 * way the BOTS nqueens benchmark does: row by row, a board being the columns
 * of the queens placed so far (a small array, copied into each child).  At
 * each row it starts one task per column that no queen attacks, joins them
 * all (in reverse order) and sums their counts; a full board counts 1.  No
 * cutoff: the serial code recurses exactly where the parallel code spawns.
 */
#ifndef WEFT_BENCH_NQUEENS_H
#define WEFT_BENCH_NQUEENS_H

#define NQ_MAXN 16 /* the largest n with a known answer (bench_nqueens_expected) */

struct nq_board {
    signed char q[NQ_MAXN]; /* q[i]: the column of the queen on row i */
};

/* The argument of the generic-API task. */
struct nq_args {
    int n;
    int row;             /* rows [0, row) hold a queen */
    struct nq_board b;
    long r;              /* result: the number of completions */
};

/* 1 when no queen of rows [0, row) of b attacks (row, col). */
static inline int nq_ok(const struct nq_board *b, int row, int col)
{
    for (int i = 0; i < row; i++) {
        int d = b->q[i] - col;
        if (d == 0 || d == row - i || d == i - row)
            return 0;
    }
    return 1;
}

#endif

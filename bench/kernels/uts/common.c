/*
 * uts/common.c - the expected answers of the UTS kernels (uts.h): node
 * counts of the trees this suite runs, computed once with the serial code
 * below and checked in; other sizes are computed on first use (a serial
 * walk of the tree, outside any timed region: the driver asks for the
 * expected answer before it starts timing) and cached.  The counts of
 * uts_geo(10) and uts_bin(2000) are those published for UTS's T1 and T3
 * (nodes, leaves and depth; the generator of uts/sha1.h, under UTS's other
 * shapes, also gave the published T1L, T2, T3L, T4 and T5).  Before the
 * first answer, SHA-1 is checked against the FIPS 180-4 examples.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../driver/bench.h"
#include "uts.h"

/* Child i's state (UTS's rng_spawn). */
BENCH_LEAF void uts_child(const struct uts_state *parent,
                          struct uts_state *child, int i)
{
    uts_rng_spawn(parent, child, i);
}

/* The number of children of node (s, depth) (UTS's uts_numChildren). */
BENCH_LEAF int uts_nchildren(const struct uts_tree *t,
                             const struct uts_state *s, int depth)
{
    if (t->binomial) {
        if (depth == 0)
            return t->n;
        return uts_rng_toprob(uts_rng_rand(s)) < UTS_BIN_Q ? UTS_BIN_M : 0;
    }
    if (depth > 0 && depth >= t->n)
        return 0;   /* UTS: b_i = 0, p = 1, floor(log(1 - u) / -inf) = 0 */
    double u = uts_rng_toprob(uts_rng_rand(s));
    double k = floor(log(1.0 - u) / t->log_1mp);
    return k > UTS_MAX_CHILDREN ? UTS_MAX_CHILDREN : (int)k;
}

/* SHA-1 against the FIPS 180-4 examples (uts/sha1.h), once per process,
 * before the first answer is given (so before any timed run). */
static void uts_check_sha1(void)
{
    static int checked;
    if (checked)
        return;
    const char *bad = uts_sha1_selftest();
    if (bad != NULL) {
        fprintf(stderr, "uts: SHA-1 self-test failed: %s\n", bad);
        abort();
    }
    checked = 1;
}

struct uts_known {
    int n;
    long nodes;
};

/* Counts of sizes not in the table, computed on first use and cached: the
 * driver asks for the timed size's answer when it checks its arguments,
 * then for the warm-up's (a smaller size) and the timed size's again before
 * timing starts; a few entries keep both without recounting a tree. */
struct uts_cache {
    int n[4];   /* 0: empty */
    long v[4];
    int next;
};

static long uts_expected(int binomial, int n, const struct uts_known *known,
                         struct uts_cache *c)
{
    uts_check_sha1();
    for (const struct uts_known *k = known; k->n; k++)
        if (k->n == n)
            return k->nodes;
    for (int i = 0; i < 4; i++)
        if (c->n[i] == n)
            return c->v[i];
    struct uts_tree t;
    uts_init(&t, binomial, n);
    int i = c->next;
    c->next = (i + 1) % 4;
    c->v[i] = uts_count(&t, &t.root, 0);
    c->n[i] = n;
    return c->v[i];
}

long bench_uts_geo_expected(int n)
{
    static const struct uts_known known[] = {
        /* n = 10 is UTS's T1 (published: 4,130,071 nodes) */
        {1, 6},           {2, 65},           {3, 254},
        {4, 944},         {5, 3987},         {6, 16000},
        {7, 63914},       {8, 257042},       {9, 1031269},
        {10, 4130071},    {11, 16526523},    {12, 66106929},
        {13, 264459392},
        {0, 0}};
    static struct uts_cache cache;
    if (n < 1 || n > 16)
        return -1;
    return uts_expected(0, n, known, &cache);
}

long bench_uts_bin_expected(int n)
{
    static const struct uts_known known[] = {
        /* n = 2000 is UTS's T3 (published: 4,112,897 nodes) */
        {20, 6213},        {25, 6226},        {30, 6231},
        {100, 6797},       {125, 2388350},    {150, 2388439},
        {200, 2745281},    {400, 3165041},    {1000, 3187697},
        {2000, 4112897},   {4000, 5305217},   {5000, 5327649},
        {8000, 7050873},   {10000, 11035137}, {12000, 11376913},
        {0, 0}};
    static struct uts_cache cache;
    if (n < 1 || n > 1000000)
        return -1;
    return uts_expected(1, n, known, &cache);
}

/*
 * uts.h - what the UTS (unbalanced tree search) variants share.
 *
 * The tree is implicit: a node is (id, depth); its number of children is
 * decided by its id, and child i's id is a hash of the parent's id and i, so
 * any node can be expanded by whichever thread holds it and every runtime
 * walks exactly the same tree.  The count of nodes is the answer.
 *
 * In place of the SHA-1 of the original UTS (Olivier et al., LCPC 2006) the
 * hash is splitmix64's finalizer (a bijective 64-bit mix; Steele, Lea, Flood,
 * OOPSLA 2014): child_id = mix(parent_id + (i + 1) * 0x9e3779b97f4a7c15),
 * root_id = mix(seed).  A node's own random number is the top 53 bits of
 * its id, u in [0, 1).
 *
 * Two tree shapes, two kernels:
 *  - uts_geo (T1-like): geometric number of children with expected
 *    branching b0 = 4 at every depth below the depth limit n, none at depth
 *    n: k = floor(log(1 - u) / log(1 - p)), p = 1 / (1 + b0) (as in UTS);
 *    capped at UTS_MAX_CHILDREN (a probability of 0.8^100 = 2e-10 per node).
 *  - uts_bin (T3-like): the root has n children; every other node has m = 8
 *    children with probability q = 0.124875, none otherwise (q * m = 0.999:
 *    each root child's subtree is a nearly critical branching process, of
 *    expected size 1000 and enormous variance, up to thousands deep).
 * Each node spawns one task per child and joins them all (in reverse).
 * No cutoff.
 */
#ifndef WEFT_BENCH_UTS_H
#define WEFT_BENCH_UTS_H

#include <math.h>
#include <stdint.h>

#define UTS_MAX_CHILDREN 100
#define UTS_GEO_B0 4.0
#define UTS_GEO_SEED 19
#define UTS_BIN_Q 0.124875
#define UTS_BIN_M 8
#define UTS_BIN_SEED 42

struct uts_tree {
    int binomial;      /* 0: geometric, 1: binomial */
    int n;             /* geometric: depth limit; binomial: root's children */
    double log_1mp;    /* geometric: log(1 - p) */
    uint64_t root;     /* root id */
};

static inline uint64_t uts_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t uts_child(uint64_t id, int i)
{
    return uts_mix(id + (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ULL);
}

static inline void uts_init(struct uts_tree *t, int binomial, int n)
{
    t->binomial = binomial;
    t->n = n;
    t->log_1mp = log(1.0 - 1.0 / (1.0 + UTS_GEO_B0));
    t->root = uts_mix(binomial ? UTS_BIN_SEED : UTS_GEO_SEED);
}

/* The number of children of node (id, depth). */
static inline int uts_nchildren(const struct uts_tree *t, uint64_t id, int depth)
{
    double u = (double)(id >> 11) * 0x1.0p-53;
    if (t->binomial) {
        if (depth == 0)
            return t->n;
        return u < UTS_BIN_Q ? UTS_BIN_M : 0;
    }
    if (depth >= t->n)
        return 0;
    double k = floor(log(1.0 - u) / t->log_1mp);
    return k > UTS_MAX_CHILDREN ? UTS_MAX_CHILDREN : (int)k;
}

/* The argument of the generic-API task: node in, subtree size out. */
struct uts_args {
    const struct uts_tree *t;
    uint64_t id;
    int depth;
    long r;
};

#endif

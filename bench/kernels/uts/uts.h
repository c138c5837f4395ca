/*
 * uts.h - what the UTS (unbalanced tree search) variants share.
 *
 * The trees are the standard UTS trees (Olivier et al., "UTS: An Unbalanced
 * Tree Search Benchmark", LCPC 2006), with UTS's own generator: a node is
 * (state, depth), its state a 20-byte SHA-1 digest (uts/sha1.h); the root's
 * state is SHA-1(16 zero bytes || seed), child i's SHA-1(parent's state ||
 * i), both 4-byte big-endian; a node's random number is u = (the last 4
 * bytes of its state, big-endian, & 0x7fffffff) / 2^31.  So any node can be
 * expanded by whichever thread holds it, every runtime walks exactly the
 * same tree, and the node counts are those published for UTS.  The count of
 * nodes is the answer.  Each node costs one SHA-1 block (about 0.1 us).
 *
 * Two tree shapes, two kernels:
 *  - uts_geo(n): UTS's geometric tree with the fixed shape (-t 1 -a 3 -b 4
 *    -d n -r 19): a node at depth < n (the root at depth 0) has k =
 *    floor(log(1 - u) / log(1 - p)) children, p = 1 / (1 + b0), b0 = 4;
 *    one at depth n none.  Capped at UTS_MAX_CHILDREN as in UTS (never
 *    reached here: u < 1 - 2^-31 gives k <= 96).  n = 10 is UTS's T1:
 *    4,130,071 nodes, 3,305,118 leaves.
 *  - uts_bin(n): UTS's binomial tree (-t 0 -b n -q 0.124875 -m 8 -r 42):
 *    the root has n children; every other node has m = 8 children when u <
 *    q = 0.124875, none otherwise (q * m = 0.999: each root child's subtree
 *    is a nearly critical branching process, of expected size 1000 and
 *    enormous variance).  n = 2000 is UTS's T3: 4,112,897 nodes, 1,572
 *    deep, 3,599,034 leaves.
 * Each node computes its children's states as it spawns them (one task per
 * child, the state passed by value) and joins them all (in reverse), as in
 * UTS, where the parent does rng_spawn for each child.  No cutoff.
 */
#ifndef WEFT_BENCH_UTS_H
#define WEFT_BENCH_UTS_H

#include <math.h>
#include <stdint.h>

#include "sha1.h"

#define UTS_MAX_CHILDREN 100   /* UTS's MAXNUMCHILDREN */
#define UTS_GEO_B0 4.0
#define UTS_GEO_SEED 19
#define UTS_BIN_Q 0.124875
#define UTS_BIN_M 8
#define UTS_BIN_SEED 42

struct uts_tree {
    int binomial;      /* 0: geometric, 1: binomial */
    int n;             /* geometric: depth limit; binomial: root's children */
    double log_1mp;    /* geometric: log(1 - p) */
    struct uts_state root; /* the root's state */
};

static inline void uts_init(struct uts_tree *t, int binomial, int n)
{
    t->binomial = binomial;
    t->n = n;
    t->log_1mp = log(1.0 - 1.0 / (1.0 + UTS_GEO_B0));
    uts_rng_init(&t->root, binomial ? UTS_BIN_SEED : UTS_GEO_SEED);
}

#ifdef __cplusplus
extern "C" {
#endif
/* The leaves, the same code for every runtime (uts/common.c, BENCH_LEAF in
 * driver/bench.h): child i's state (UTS's rng_spawn), and the number of
 * children of node (s, depth) (UTS's uts_numChildren). */
void uts_child(const struct uts_state *parent, struct uts_state *child,
               int i);
int uts_nchildren(const struct uts_tree *t, const struct uts_state *s,
                  int depth);
#ifdef __cplusplus
}
#endif

/* The size of the subtree of node (s, depth), by plain serial recursion:
 * the serial baseline (uts/serial.c) and the expected answers of sizes
 * not in the table (uts/common.c). */
static inline long uts_count(const struct uts_tree *t,
                             const struct uts_state *s, int depth)
{
    int k = uts_nchildren(t, s, depth);
    long sum = 1;
    for (int i = 0; i < k; i++) {
        struct uts_state c;
        uts_child(s, &c, i);
        sum += uts_count(t, &c, depth + 1);
    }
    return sum;
}

/* The argument of the generic-API task: node in, subtree size out. */
struct uts_args {
    const struct uts_tree *t;
    struct uts_state s;
    int depth;
    long r;
};

#endif

/*
 * test-tree - a random fork-join tree with an exact checksum.
 *
 * A node is (key, size, index): it owns `size` nodes numbered from `index`
 * in preorder.  Its key decides, through a hash, how many children it has
 * (1..6), how its size is split between them and how it forks them: spawn
 * all and join in reverse order, spawn all but the last and run that one
 * inline, or (for two children) weft_join2.  Every node marks its own slot
 * of a visited array, does 1..64 rounds of hashing and returns the wrapping
 * sum of the hashes of its subtree.  The same recursion run serially gives the expected checksum and
 * the exact number of spawns; every slot must be exactly 1.
 *
 * Usage: test-tree WORKERS [NODES [SEED]]   (NODES defaults to 300000;
 * SEED, or $WEFT_TEST_SEED, defaults to one from the clock and is printed.)
 */
#include "check.h"
#include "weft.h"

#define MAXKIDS 6
#define TREES 6

static unsigned char *visited;

struct node {
    uint64_t key;
    uint64_t size, index;
    uint64_t sum; /* out */
};

enum { SPAWN_ALL, LAST_INLINE, JOIN2 };

/* Splits node n into its children; returns their count and the fork mode. */
static int children(const struct node *n, struct node *kids, int *mode)
{
    uint64_t rem = n->size - 1;
    uint64_t h = check_mix(n->key ^ 0x5bd1e995);
    int k = 1 + (int)(h % (rem < MAXKIDS ? rem : MAXKIDS));
    uint64_t idx = n->index + 1;
    for (int i = 0; i < k; i++) {
        uint64_t s = rem;
        if (i < k - 1) {
            uint64_t max = rem - (uint64_t)(k - 1 - i);
            s = 1 + check_mix(n->key + 0x100 + (uint64_t)i) % max;
        }
        kids[i].key = check_mix(n->key * 31 + (uint64_t)i + 1);
        kids[i].size = s;
        kids[i].index = idx;
        kids[i].sum = 0;
        idx += s;
        rem -= s;
    }
    int m = (int)(check_mix(n->key ^ 0xabcdef) % 3);
    if (m == JOIN2 && k != 2)
        m = SPAWN_ALL;
    *mode = m;
    return k;
}

/* A node's own work: 1..64 rounds of hashing, so that thieves get a chance. */
static uint64_t node_work(uint64_t key)
{
    uint64_t h = key;
    for (unsigned i = 0, r = 1 + (unsigned)(key >> 58); i < r; i++)
        h = check_mix(h);
    return h;
}

static uint64_t serial(const struct node *n, uint64_t *spawns)
{
    uint64_t sum = node_work(n->key);
    if (n->size == 1)
        return sum;
    struct node kids[MAXKIDS];
    int mode;
    int k = children(n, kids, &mode);
    *spawns += mode == SPAWN_ALL ? (uint64_t)k : mode == LAST_INLINE ? (uint64_t)k - 1 : 1;
    for (int i = 0; i < k; i++)
        sum += serial(&kids[i], spawns);
    return sum;
}

static void tree_task(void *p)
{
    struct node *n = p;
    visited[n->index]++; /* each node owns its slot: no race if run once */
    uint64_t sum = node_work(n->key);
    if (n->size == 1) {
        n->sum = sum;
        return;
    }
    struct node kids[MAXKIDS];
    weft_task t[MAXKIDS];
    int mode;
    int k = children(n, kids, &mode);
    switch (mode) {
    case SPAWN_ALL:
        for (int i = 0; i < k; i++)
            weft_spawn(&t[i], tree_task, &kids[i]);
        for (int i = k - 1; i >= 0; i--)
            weft_join(&t[i]);
        break;
    case LAST_INLINE:
        for (int i = 0; i < k - 1; i++)
            weft_spawn(&t[i], tree_task, &kids[i]);
        tree_task(&kids[k - 1]);
        for (int i = k - 2; i >= 0; i--)
            weft_join(&t[i]);
        break;
    case JOIN2:
        weft_join2(tree_task, &kids[0], tree_task, &kids[1]);
        break;
    }
    for (int i = 0; i < k; i++)
        sum += kids[i].sum;
    n->sum = sum;
}

CHECK_CASE(tree_case)
{
    unsigned workers = (unsigned)check_arg(argc, argv, 1, 2);
    uint64_t nodes = check_arg(argc, argv, 2, 300000);
    uint64_t seed = check_seed(argc, argv, 3, "test-tree");
    if (nodes < 1) {
        fprintf(stderr, "NODES must be at least 1\n");
        exit(2);
    }
    visited = malloc(nodes);
    CHECK(visited != NULL);

    weft_pool *pool = check_pool(workers, "tree");
    uint64_t total_spawns = 0;
    for (int tr = 0; tr < TREES; tr++) {
        /* Tree 0 is the full size; the others are smaller and varied. */
        uint64_t size = tr == 0 ? nodes : 1 + check_mix(seed + (uint64_t)tr) % nodes;
        struct node root = {check_mix(seed * 7 + (uint64_t)tr), size, 0, 0};
        uint64_t spawns = 0;
        uint64_t expect = serial(&root, &spawns);

        memset(visited, 0, size);
        CHECK_EQ(weft_pool_run(pool, tree_task, &root), 0);
        printf("  tree %d: %" PRIu64 " nodes, %" PRIu64 " spawns, checksum %016" PRIx64
               " (expected %016" PRIx64 ")\n",
               tr, size, spawns, root.sum, expect);
        CHECK(root.sum == expect);
        uint64_t ones = 0;
        for (uint64_t i = 0; i < size; i++) {
            if (visited[i] != 1) {
                fprintf(stderr, "node %" PRIu64 " ran %d times\n", i, visited[i]);
                CHECK(visited[i] == 1);
            }
            ones += visited[i];
        }
        CHECK_EQ(ones, size);

        total_spawns += spawns;
        weft_stats s = check_stats_settle(pool, total_spawns + (uint64_t)tr + 1);
        CHECK_EQ(s.spawned, total_spawns);
        CHECK_EQ(s.run, total_spawns + (uint64_t)tr + 1);
        CHECK(s.steals <= s.spawned);
    }
    CHECK_EQ(weft_pool_destroy(pool), 0);
    free(visited);
}

/* One case: CTest runs the program whole (tree-w<n>). */
static const struct check_case cases[] = {
    {"tree", tree_case, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-tree", "WORKERS [NODES [SEED]]", NULL, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

/*
 * uts-common.c - the expected answers of the UTS kernels (uts.h): node
 * counts of the trees this suite runs, computed once with the serial code
 * below and checked in; other sizes are computed on first use (a serial
 * walk of the tree, outside any timed region: the driver asks for the
 * expected answer before it starts timing).
 */
#include "../driver/bench.h"
#include "uts.h"

static long uts_count(const struct uts_tree *t, uint64_t id, int depth)
{
    int k = uts_nchildren(t, id, depth);
    long sum = 1;
    for (int i = 0; i < k; i++)
        sum += uts_count(t, uts_child(id, i), depth + 1);
    return sum;
}

struct uts_known {
    int n;
    long nodes;
};

static long uts_expected(int binomial, int n, const struct uts_known *known,
                         long *cache_n, long *cache_v)
{
    for (const struct uts_known *k = known; k->n; k++)
        if (k->n == n)
            return k->nodes;
    if (*cache_n != n) {
        struct uts_tree t;
        uts_init(&t, binomial, n);
        *cache_v = uts_count(&t, t.root, 0);
        *cache_n = n;
    }
    return *cache_v;
}

long bench_uts_geo_expected(int n)
{
    static const struct uts_known known[] = {
        {5, 1188},        {6, 4714},         {7, 18608},
        {8, 74311},       {9, 296996},       {10, 1186166},
        {11, 4742228},    {12, 18964017},    {13, 75843062},
        {14, 303381639},
        {0, 0}};
    static long cn = -1, cv;
    if (n < 1 || n > 16)
        return -1;
    return uts_expected(0, n, known, &cn, &cv);
}

long bench_uts_bin_expected(int n)
{
    static const struct uts_known known[] = {
        {2000, 1718425},   {10000, 13407793},  {12000, 16848713},
        {16000, 17646625}, {20000, 20699985},
        {40000, 51656793}, {60000, 67524809},  {80000, 139074081},
        {100000, 150930361}, {0, 0}};
    static long cn = -1, cv;
    if (n < 1 || n > 1000000)
        return -1;
    return uts_expected(1, n, known, &cn, &cv);
}

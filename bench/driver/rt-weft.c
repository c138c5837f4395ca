/*
 * rt-weft.c - weft: one pool per worker count, created with
 * weft_config.workers = N before timing and destroyed after.
 */
#include <stdio.h>

#include <weft.h>

#include "bench.h"

#define BENCH_IF_serial(...)
#define BENCH_IF_weft(...) __VA_ARGS__
#define BENCH_IF_omp(...)
#define BENCH_IF_tbb(...)

static const struct bench_variant variants[] = {
#define BENCH_KERNEL(...)
#define BENCH_VARIANT BENCH_VARIANT_TABLE_ENTRY
#include "../kernels/registry.def"
    {NULL, NULL, NULL}};

static void *weft_open(int workers, char *err, unsigned long errlen)
{
    weft_config cfg;
    weft_pool *pool = NULL;
    weft_config_init(&cfg);
    cfg.workers = (unsigned)workers;
    cfg.name = "bench";
    int rc = weft_pool_create(&pool, &cfg);
    if (rc != 0) {
        snprintf(err, errlen, "weft_pool_create(workers=%d): %s", workers,
                 weft_strerror(rc));
        return NULL;
    }
    return pool;
}

static void weft_close(void *rt)
{
    int rc = weft_pool_destroy((weft_pool *)rt);
    if (rc != 0)
        fprintf(stderr, "bench-weft: weft_pool_destroy: %s\n",
                weft_strerror(rc));
}

static double weft_steals(void *rt)
{
    weft_stats st;
    if (weft_pool_stats((weft_pool *)rt, &st) != 0)
        return -1;
    return (double)st.steals;
}

const struct bench_runtime bench_runtime = {
    "weft", weft_open, weft_close, weft_steals, 0, variants};

/*
 * rt-omp.c - OpenMP (libgomp when built by gcc, LLVM libomp when built by
 * clang).  The handle is the worker count; each kernel call opens a
 * parallel region of that many threads.  Nothing else is set: OMP_* in the
 * environment (OMP_WAIT_POLICY, OMP_PROC_BIND) apply as usual.
 */
#include <stdlib.h>

#include <omp.h>

#include "bench.h"

#define BENCH_IF_serial(...)
#define BENCH_IF_weft(...)
#define BENCH_IF_omp(...) __VA_ARGS__
#define BENCH_IF_tbb(...)

static const struct bench_variant variants[] = {
#define BENCH_KERNEL(...)
#define BENCH_VARIANT BENCH_VARIANT_TABLE_ENTRY
#include "../kernels/registry.def"
    {NULL, NULL, NULL}};

static void *omp_open(int workers, char *err, unsigned long errlen)
{
    (void)err, (void)errlen;
    int *h = malloc(sizeof *h);
    if (h == NULL)
        return NULL;
    *h = workers;
    omp_set_dynamic(0);
    /* Start the team now so that thread creation is not timed. */
#pragma omp parallel num_threads(workers)
    {
    }
    return h;
}

static void omp_close(void *rt) { free(rt); }

const struct bench_runtime bench_runtime = {
    "omp", omp_open, omp_close, NULL, 0, variants};

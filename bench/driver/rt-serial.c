/* rt-serial.c - the serial baselines: no runtime, no threads. */
#include <stddef.h>

#include "bench.h"

#define BENCH_IF_serial(...) __VA_ARGS__
#define BENCH_IF_weft(...)
#define BENCH_IF_omp(...)
#define BENCH_IF_tbb(...)

static const struct bench_variant variants[] = {
#define BENCH_KERNEL(...)
#define BENCH_VARIANT BENCH_VARIANT_TABLE_ENTRY
#include "../kernels/registry.def"
    {NULL, NULL, NULL}};

static int no_handle;

static void *serial_open(int workers, char *err, unsigned long errlen)
{
    (void)workers, (void)err, (void)errlen;
    return &no_handle;
}

static void serial_close(void *rt) { (void)rt; }

const struct bench_runtime bench_runtime = {
    "serial", serial_open, serial_close, NULL, 1, variants};

/*
 * rt-tbb.cc - oneTBB: the handle is a tbb::task_arena of N slots (the
 * calling thread takes one), initialized before timing.
 */
#include <stdio.h>

#include <new>
#include <tbb/task_arena.h>

#include "bench.h"

#define BENCH_IF_serial(...)
#define BENCH_IF_weft(...)
#define BENCH_IF_omp(...)
#define BENCH_IF_tbb(...) __VA_ARGS__

static const struct bench_variant variants[] = {
#define BENCH_KERNEL(...)
#define BENCH_VARIANT BENCH_VARIANT_TABLE_ENTRY
#include "../kernels/registry.def"
    {nullptr, nullptr, nullptr}};

static void *tbb_open(int workers, char *err, unsigned long errlen)
{
    auto *arena = new (std::nothrow) tbb::task_arena(workers);
    if (arena == nullptr) {
        snprintf(err, errlen, "cannot allocate a task_arena");
        return nullptr;
    }
    arena->initialize();
    return arena;
}

static void tbb_close(void *rt) { delete static_cast<tbb::task_arena *>(rt); }

extern "C" const struct bench_runtime bench_runtime = {
    "tbb", tbb_open, tbb_close, nullptr, 0, variants};

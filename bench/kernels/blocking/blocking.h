/*
 * blocking.h - the blocking kernel (issue 18): CPU throughput kept while
 * some jobs block.
 *
 * blocking(n), run with 2 workers: BLOCKERS jobs that each sleep BLOCK_MS
 * (usleep), submitted first, then n CPU jobs of CPU_WORK steps of
 * arithmetic each (about a millisecond), all with weft_submit from the
 * main thread.  Timed: the call; reported: cpu_ms, from the first
 * submission until every CPU job is done, all_ms until the blockers are
 * done too, and spares_peak (weft_stats).  Variants:
 *   regions  the blockers sleep inside weft_blocking_begin / end, so that
 *            the pool runs a spare worker while each sleeps;
 *   plain    the same sleeps without the regions: each holds its worker;
 *   free     no blockers: the CPU jobs alone, the time they take on the
 *            free workers (the reference).
 * The answer is n when every CPU job and every blocker ran, else -1.
 */
#ifndef WEFT_BENCH_BLOCKING_H
#define WEFT_BENCH_BLOCKING_H

#define BLOCKERS 20
#define BLOCK_MS 10
#define CPU_WORK 1000000

#ifdef __cplusplus
extern "C" {
#endif

/* CPU_WORK steps of a dependent multiply-add chain; returns its value. */
unsigned long bench_blocking_cpu(unsigned long seed);

#ifdef __cplusplus
}
#endif

#endif

/*
 * wake.h - what the wake (latency probe) and idle (idle CPU) kernels share.
 *
 * wake(n): n rounds of { sleep WAKE_SLEEP_MS; time one bare futex round
 *   trip; sleep WAKE_SLEEP_MS; time one entry of the runtime with a trivial
 *   task }.  The sleeps let the runtime's threads (and the futex partner)
 *   really go to sleep; the two measurements alternate so that they see the
 *   same machine.  The futex round trip: the caller sets a word and
 *   futex-wakes a partner thread sleeping on it, the partner sets a second
 *   word and futex-wakes the caller, who sleeps on that one (two wake-ups;
 *   an external weft_pool_run wakes a worker but, as its caller spins a
 *   while first, is usually not woken at the end: one wake-up, see
 *   bench/README.md).  Reported: median and p90 of both, in microseconds
 *   (bench_report: wake_med_us, wake_p90_us, futex_med_us, futex_p90_us).
 *   The answer is the number of trivial tasks that ran (n).
 * idle(n): make every worker busy for a moment (a burst of 2 x workers
 *   tasks of IDLE_BURST_MS each), then, from the moment the burst returns,
 *   sleep n ms and report the process's CPU time (getrusage, every thread)
 *   over that window as a percentage of one core (idle_cpu_pct).  The
 *   answer is n if the burst ran all its tasks (each counts itself), -1
 *   otherwise: a burst that failed would leave the pool idle all along and
 *   the figure meaningless.
 */
#ifndef WEFT_BENCH_WAKE_H
#define WEFT_BENCH_WAKE_H

#define WAKE_SLEEP_MS 3
#define IDLE_BURST_MS 2

#ifdef __cplusplus
extern "C" {
#endif

double bench_now_us(void);
void bench_sleep_ms(int ms);
/* Spins for ms milliseconds. */
void bench_busy_ms(int ms);
/* Process CPU time (user + system, every thread), in microseconds. */
double bench_cpu_us(void);
/* Futex helpers: fpost sets *word to 1 and wakes one waiter; fwait sleeps
 * until *word is non-zero. */
void bench_fpost(int *word);
void bench_fwait(int *word);
/* One timed futex round trip with the partner thread (started on first use). */
double bench_futex_roundtrip_us(void);
/* Sorts v[0..n) and reports <prefix>_med_us and <prefix>_p90_us. */
void bench_report_latencies(const char *prefix, double *v, int n);
/* Runs n rounds of futex / sleep / one(ctx) and reports both; returns the
 * count of trivial tasks run as stored by one() in *count. */
long bench_wake_rounds(int n, void (*one)(void *ctx), void *ctx, const long *count);
/* One busy task of a burst: IDLE_BURST_MS of spinning, then *count += 1
 * (atomically). */
void bench_burst_task(long *count);
/* The idle measurement after burst(ctx) returns the number of busy tasks
 * that ran: reports idle_cpu_pct; returns ms, or -1 when that number is
 * not want. */
long bench_idle_window(int ms, long (*burst)(void *ctx), void *ctx, long want);

#ifdef __cplusplus
}
#endif

#endif

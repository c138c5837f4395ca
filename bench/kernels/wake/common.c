/*
 * wake/common.c - the measurement machinery of the wake and idle kernels
 * (wake.h), and their expected answers.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../driver/bench.h"
#include "wake.h"

long bench_wake_expected(int n) { return n >= 1 && n <= 100000 ? n : -1; }
long bench_idle_expected(int n) { return n >= 1 && n <= 60000 ? n : -1; }

double bench_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

void bench_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void bench_busy_ms(int ms)
{
    double end = bench_now_us() + ms * 1000.0;
    while (bench_now_us() < end)
        ;
}

double bench_cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* ---- the futex round trip ---------------------------------------------- */

static int ping, pong; /* 0: idle, 1: posted */
static pthread_t partner;
static int partner_started;

void bench_fwait(int *word)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 0)
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

void bench_fpost(int *word)
{
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *partner_main(void *arg)
{
    (void)arg;
    for (;;) {
        bench_fwait(&ping);
        __atomic_store_n(&ping, 0, __ATOMIC_RELAXED);
        bench_fpost(&pong);
    }
    return NULL;
}

double bench_futex_roundtrip_us(void)
{
    if (!partner_started) {
        if (pthread_create(&partner, NULL, partner_main, NULL) != 0)
            abort();
        pthread_detach(partner);
        partner_started = 1;
        bench_sleep_ms(WAKE_SLEEP_MS);
    }
    __atomic_store_n(&pong, 0, __ATOMIC_RELAXED);
    double t0 = bench_now_us();
    bench_fpost(&ping);
    bench_fwait(&pong);
    return bench_now_us() - t0;
}

/* ---- reporting -------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_report_latencies(const char *prefix, double *v, int n)
{
    char name[64];
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    int i90 = (int)(0.9 * (n - 1) + 0.5);
    snprintf(name, sizeof name, "%s_med_us", prefix);
    bench_report(name, med);
    snprintf(name, sizeof name, "%s_p90_us", prefix);
    bench_report(name, v[i90]);
}

long bench_wake_rounds(int n, void (*one)(void *ctx), void *ctx, const long *count)
{
    double *fx = malloc(sizeof *fx * (size_t)n), *rt = malloc(sizeof *rt * (size_t)n);
    if (!fx || !rt)
        abort();
    for (int i = 0; i < n; i++) {
        bench_sleep_ms(WAKE_SLEEP_MS);
        fx[i] = bench_futex_roundtrip_us();
        bench_sleep_ms(WAKE_SLEEP_MS);
        double t0 = bench_now_us();
        one(ctx);
        rt[i] = bench_now_us() - t0;
    }
    bench_report_latencies("futex", fx, n);
    bench_report_latencies("wake", rt, n);
    free(fx);
    free(rt);
    return count ? *count : n;
}

void bench_burst_task(long *count)
{
    bench_busy_ms(IDLE_BURST_MS);
    __atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
}

long bench_idle_window(int ms, long (*burst)(void *ctx), void *ctx, long want)
{
    long ran = burst(ctx);
    if (ran != want) {
        fprintf(stderr, "idle: the burst ran %ld of its %ld tasks\n", ran, want);
        return -1;
    }
    double c0 = bench_cpu_us(), t0 = bench_now_us();
    bench_sleep_ms(ms);
    double c1 = bench_cpu_us(), t1 = bench_now_us();
    bench_report("idle_cpu_pct", 100.0 * (c1 - c0) / (t1 - t0));
    return ms;
}

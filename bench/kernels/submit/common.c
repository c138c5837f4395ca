/*
 * submit/common.c - the two phases of the submission kernels (submit.h)
 * and their expected answers.
 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "../../driver/bench.h"
#include "submit.h"

long bench_submit_expected(int n)
{
    return n >= 1 && n <= 10000000 ? (long)n + SUBMIT_ROUNDS : -1;
}

long bench_submit8_expected(int n)
{
    return n >= 8 && n <= 10000000 && n % 8 == 0 ? (long)n + 8L * SUBMIT_ROUNDS
                                                 : -1;
}

double bench_submit_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

struct thread_arg {
    const struct submit_ops *ops;
    void *rt;
    int k;                   /* this thread's jobs in the burst */
    struct submit_lat *lat;  /* its SUBMIT_ROUNDS rounds */
    long count;
    pthread_barrier_t *start;
    int phase;               /* 0: burst, 1: rounds */
};

static void *thread_main(void *p)
{
    struct thread_arg *a = p;
    pthread_barrier_wait(a->start);
    if (a->phase == 0)
        a->ops->burst(a->rt, a->k, &a->count);
    else
        a->ops->rounds(a->rt, SUBMIT_ROUNDS, a->lat, &a->count);
    return NULL;
}

/* One phase from `threads` threads started together: its wall time, from
 * the barrier to the last thread's return, in seconds. */
static double phase(struct thread_arg *args, int threads, int which)
{
    pthread_t th[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        args[i].start = &start;
        args[i].phase = which;
        if (pthread_create(&th[i], NULL, thread_main, &args[i]) != 0)
            abort();
    }
    pthread_barrier_wait(&start);
    double t0 = bench_submit_now_us();
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double t1 = bench_submit_now_us();
    pthread_barrier_destroy(&start);
    return (t1 - t0) * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report_pct(const char *med, const char *p90, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    bench_report(med, n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
    bench_report(p90, v[(int)(0.9 * (n - 1) + 0.5)]);
}

long bench_submit_run(int threads, int n, const struct submit_ops *ops, void *rt)
{
    if (threads < 1 || threads > 64)
        abort();
    struct thread_arg args[64] = {{0}};
    int m = threads * SUBMIT_ROUNDS;
    struct submit_lat *lat = malloc(sizeof *lat * (size_t)m);
    double *start = malloc(sizeof *start * (size_t)m);
    double *done = malloc(sizeof *done * (size_t)m);
    if (!lat || !start || !done)
        abort();
    for (int i = 0; i < threads; i++) {
        args[i].ops = ops;
        args[i].rt = rt;
        args[i].k = n / threads + (i < n % threads);
        args[i].lat = lat + (size_t)i * SUBMIT_ROUNDS;
    }
    double secs = phase(args, threads, 0);
    bench_report("jobs_per_s", n / secs);
    phase(args, threads, 1);
    for (int i = 0; i < m; i++) {
        start[i] = lat[i].t_start - lat[i].t_submit;
        done[i] = lat[i].t_done - lat[i].t_submit;
    }
    report_pct("start_med_us", "start_p90_us", start, m);
    report_pct("done_med_us", "done_p90_us", done, m);
    long count = 0;
    for (int i = 0; i < threads; i++)
        count += args[i].count;
    free(lat);
    free(start);
    free(done);
    return count;
}

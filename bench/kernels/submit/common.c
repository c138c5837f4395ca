/*
 * submit/common.c - the two phases of the submission kernels (submit.h)
 * and their expected answers.
 */
#include <pthread.h>
#include <semaphore.h>
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
    int phase;               /* 0: burst, 1: rounds */
};

/*
 * The submitting threads are made once, on first use, and kept until the
 * process exits: every phase of every call (the warm-up, the timed calls,
 * every worker count) runs on the same threads, as an application's own
 * threads would.  A submitter that exited between calls would also break
 * LLVM libomp: a thread outside any team that opened a parallel region is
 * a root to it, and a root's exit frees the task memory it allocated
 * while the workers of its team, back in libomp's pool, still hold blocks
 * of it on their free lists, to be returned to the dead root by the next
 * task they free (docs/benchmarks.md).
 *
 * For a phase, submitters[i] waits on its go semaphore, meets the caller
 * and the other submitters at phase_start, runs its *arg and posts
 * phase_done.
 */
struct submitter {
    pthread_t thread;
    sem_t go;
    struct thread_arg *arg;  /* set by the caller before posting go */
};

static struct submitter submitters[64];
static int n_submitters;
static pthread_barrier_t phase_start;
static sem_t phase_done;

static void *submitter_main(void *p)
{
    struct submitter *s = p;
    for (;;) {
        while (sem_wait(&s->go) != 0)
            ; /* EINTR */
        struct thread_arg *a = s->arg;
        pthread_barrier_wait(&phase_start);
        if (a->phase == 0)
            a->ops->burst(a->rt, a->k, &a->count);
        else
            a->ops->rounds(a->rt, SUBMIT_ROUNDS, a->lat, &a->count);
        sem_post(&phase_done);
    }
    return NULL;
}

static void make_submitters(int threads)
{
    if (n_submitters == 0 && sem_init(&phase_done, 0, 0) != 0)
        abort();
    for (; n_submitters < threads; n_submitters++) {
        struct submitter *s = &submitters[n_submitters];
        if (sem_init(&s->go, 0, 0) != 0 ||
            pthread_create(&s->thread, NULL, submitter_main, s) != 0)
            abort();
    }
}

/* One phase on the first `threads` submitters, started together: its wall
 * time, from the start barrier to the last submitter's end, in seconds. */
static double phase(struct thread_arg *args, int threads, int which)
{
    make_submitters(threads);
    /* (every submitter of the last phase has passed phase_start before
     * it posted phase_done, so the barrier is free to be made again) */
    pthread_barrier_init(&phase_start, NULL, (unsigned)threads + 1);
    for (int i = 0; i < threads; i++) {
        args[i].phase = which;
        submitters[i].arg = &args[i];
        sem_post(&submitters[i].go);
    }
    pthread_barrier_wait(&phase_start);
    double t0 = bench_submit_now_us();
    for (int i = 0; i < threads; i++)
        while (sem_wait(&phase_done) != 0)
            ; /* EINTR */
    double t1 = bench_submit_now_us();
    pthread_barrier_destroy(&phase_start);
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

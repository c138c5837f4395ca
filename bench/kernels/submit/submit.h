/*
 * submit.h - the submission kernels (issue 18): trivial jobs handed to a
 * runtime by threads outside it, each job waited for by its submitter.
 *
 * submit(n): one outside thread; submit8(n): 8 outside threads, n / 8 jobs
 * each (n a multiple of 8).  The outside threads are made on the first call
 * and kept until the process exits, so that every call (the warm-up and
 * the timed ones) runs on the same long-lived threads (common.c says why).
 * Each call has two phases, both from those threads, which start together
 * at a barrier:
 *   throughput  each thread submits its n / T jobs back to back, keeping
 *               every handle, then waits for all of them; reported:
 *               jobs_per_s, n over the time from the barrier to the last
 *               thread's last wait;
 *   latency     each thread makes SUBMIT_ROUNDS rounds of: read the clock,
 *               submit one job, wait for it, read the clock; the job reads
 *               the clock as it starts.  Reported, over every round of
 *               every thread: start_med_us / start_p90_us (submit -> the
 *               job starts) and done_med_us / done_p90_us (submit -> the
 *               wait returns).
 * A job adds 1 to its thread's count (and, in the latency phase, stores
 * its start time); the answer is the jobs that ran, n + T x SUBMIT_ROUNDS.
 *
 * The runtimes: weft_submit + weft_future_wait (weft.c); oneTBB
 * task_arena::enqueue of a task_group's deferred task + the group's wait
 * in the arena (tbb.cc); an OpenMP task created in a single region, one
 * parallel region per outside thread (omp.c: OpenMP has no other way in
 * from a thread that is not in a team).
 */
#ifndef WEFT_BENCH_SUBMIT_H
#define WEFT_BENCH_SUBMIT_H

#define SUBMIT_ROUNDS 1000

#ifdef __cplusplus
extern "C" {
#endif

/* One latency round: when the job was submitted, started, waited for. */
struct submit_lat {
    double t_submit, t_start, t_done;
};

struct submit_ops {
    /* k jobs from the calling thread, all submitted before the first
     * wait; each adds 1 to *count (atomically: jobs run on any worker) */
    void (*burst)(void *rt, int k, long *count);
    /* r rounds of one job submitted and waited for, timed in lat[i]; each
     * job stores lat[i].t_start and adds 1 to *count */
    void (*rounds)(void *rt, int r, struct submit_lat *lat, long *count);
};

/* Runs both phases from threads outside threads and reports; returns the
 * count of jobs that ran. */
long bench_submit_run(int threads, int n, const struct submit_ops *ops, void *rt);

double bench_submit_now_us(void);

#ifdef __cplusplus
}
#endif

#endif

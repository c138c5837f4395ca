/*
 * test-api-placement - where a pool's workers run: cpusets, binding and
 * hwloc topologies, the given and the foreign.
 *
 *  cpuset            A cpuset of one allowed CPU with more workers than
 *                    CPUs: every worker binds or counts its failure; with
 *                    workers = 0 it gives one worker (unless $WEFT_WORKERS).
 *  bind              bind = 0: nothing bound, nothing failed; the workers
 *                    run on the pool's cpuset's CPUs only, and on all of
 *                    them when a worker bound to one core creates the pool.
 *  topology          Synthetic hwloc topologies (weft_config.topology): no
 *                    binding to simulated cores, tasks still run with exact
 *                    results; a topology hwloc cannot parse is an error.
 *  foreign-topology  $HWLOC_SYNTHETIC, which hwloc reads itself and takes
 *                    for another system: the default pool still counts the
 *                    CPUs this process may use (taskset) and really binds
 *                    each worker to one of them, or fails with WEFT_ENOCPU
 *                    when the description names none of them (run in child
 *                    processes, re-executing this program with the variable
 *                    set and $WEFT_WORKERS unset, some with their affinity
 *                    cut to one CPU).
 * After the cases no thread is left (/proc/self/task).
 *
 * Usage: test-api-placement [CASE]   (test-api-placement foreign-child /
 * foreign-none are the children of foreign-topology, not cases)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-api.h"

/* Workers bind themselves as they start, possibly after weft_pool_create
 * has returned: wait (up to 20 s) until every worker has tried. */
static weft_stats stats_bind_settled(weft_pool *pool, unsigned workers)
{
    weft_stats s;
    for (int i = 0; i < 4000; i++) {
        CHECK_EQ(weft_pool_stats(pool, &s), 0);
        if (s.bound + s.bind_failures >= workers)
            break;
        check_sleep_ms(5);
    }
    return s;
}

/* Allowed CPUs: the first one, for a one-CPU cpuset. */
static int first_allowed_cpu(void)
{
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set))
            return i;
    return -1;
}

/* The affinity of the worker that runs affinity_task. */
static cpu_set_t task_affinity;

static void affinity_task(void *p)
{
    (void)p;
    CHECK(weft_worker_id() >= 0);
    CHECK_EQ(sched_getaffinity(0, sizeof task_affinity, &task_affinity), 0);
}

/* On a bound worker of one pool: create a bind = 0 pool, look at its
 * worker's affinity, destroy it. */
static int creator_cpus; /* CPUs the creating worker may run on */

static void create_unbound_inside(void *p)
{
    (void)p;
    cpu_set_t mine;
    CHECK_EQ(sched_getaffinity(0, sizeof mine, &mine), 0);
    creator_cpus = CPU_COUNT(&mine);
    weft_pool *b = unbound_pool(1);
    CHECK_EQ(weft_pool_run(b, affinity_task, NULL), 0);
    CHECK_EQ(weft_pool_destroy(b), 0);
}

/* An unbound worker (bind = 0) may run on the pool's CPUs, no more and no
 * fewer: not on CPUs outside its cpuset, and not only on the CPUs of the
 * thread that created the pool. */
static void check_unbound_affinity(void)
{
    cpu_set_t all;
    CHECK_EQ(sched_getaffinity(0, sizeof all, &all), 0);
    int first = first_allowed_cpu();
    weft_config cfg;
    weft_pool *pool;
    /* cpuset of one CPU, bind = 0: the workers run there only. */
    char cpus[32];
    snprintf(cpus, sizeof cpus, "%d", first);
    weft_config_init(&cfg);
    cfg.cpuset = cpus;
    cfg.workers = 2;
    cfg.bind = 0;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_run(pool, affinity_task, NULL), 0);
    CHECK_EQ(CPU_COUNT(&task_affinity), 1);
    CHECK(CPU_ISSET(first, &task_affinity));
    CHECK_EQ(weft_pool_destroy(pool), 0);
    /* Created by a bound worker of another pool (pinned to one core), a
     * bind = 0 pool still gets every CPU of its set. */
    if (CPU_COUNT(&all) > 1) {
        weft_config_init(&cfg);
        cfg.workers = 2;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        CHECK_EQ(weft_pool_run(pool, create_unbound_inside, NULL), 0);
        if (creator_cpus == CPU_COUNT(&all)) /* one core of 2 threads */
            printf("  (the creating worker was not narrower than the "
                   "process: %d CPUs)\n", creator_cpus);
        if (!CPU_EQUAL(&task_affinity, &all))
            fprintf(stderr, "unbound worker: %d CPUs, the process %d\n",
                    CPU_COUNT(&task_affinity), CPU_COUNT(&all));
        CHECK(CPU_EQUAL(&task_affinity, &all));
        CHECK_EQ(weft_pool_destroy(pool), 0);
    }
}

CHECK_CASE(test_cpuset)
{
    weft_config cfg;
    weft_pool *pool;
    weft_stats s;

    /* One allowed CPU, by number; more workers than CPUs. */
    char cpus[32];
    snprintf(cpus, sizeof cpus, "%d", first_allowed_cpu());
    weft_config_init(&cfg);
    cfg.cpuset = cpus;
    cfg.workers = 3;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_workers(pool), 3);
    check_works(pool);
    s = stats_bind_settled(pool, 3);
    CHECK_EQ(s.bound + s.bind_failures, 3);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    /* workers = 0 with a one-CPU cpuset: one worker (unless $WEFT_WORKERS). */
    if (!getenv("WEFT_WORKERS")) {
        cfg.workers = 0;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        CHECK_EQ(weft_pool_workers(pool), 1);
        check_works(pool);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    }
}

CHECK_CASE(test_bind)
{
    weft_pool *pool;
    weft_stats s;

    /* bind = 0: nothing bound, nothing failed. */
    pool = unbound_pool(2);
    check_works(pool);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    CHECK_EQ(s.bound, 0);
    CHECK_EQ(s.bind_failures, 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    check_unbound_affinity();
}

CHECK_CASE(test_topology)
{
    weft_config cfg;
    weft_pool *pool;
    weft_stats s;

    /* A synthetic topology: no binding to simulated cores, tasks still run. */
    const char *topos[] = {"pack:2 core:4 pu:1", "pack:1 core:2 pu:2",
                           "numa:2 core:3 pu:1"};
    for (int i = 0; i < 3; i++) {
        unsigned counts[] = {0, 2, 8};
        for (int k = 0; k < 3; k++) {
            weft_config_init(&cfg);
            cfg.topology = topos[i];
            cfg.workers = counts[k];
            pool = SENTINEL;
            int rc = weft_pool_create(&pool, &cfg);
            if (rc != 0)
                fprintf(stderr, "topology \"%s\", workers %u: %s\n", topos[i],
                        counts[k], weft_strerror(rc));
            CHECK_EQ(rc, 0);
            if (counts[k])
                CHECK_EQ(weft_pool_workers(pool), counts[k]);
            else
                CHECK(weft_pool_workers(pool) >= 1);
            check_works(pool);
            CHECK_EQ(weft_pool_stats(pool, &s), 0);
            CHECK_EQ(s.bound, 0);
            CHECK_EQ(weft_pool_destroy(pool), 0);
        }
    }

    /* A topology string hwloc cannot parse. */
    weft_config_init(&cfg);
    cfg.topology = "this is not a topology";
    pool = SENTINEL;
    int rc = weft_pool_create(&pool, &cfg);
    CHECK(rc == WEFT_ETOPOLOGY || rc == WEFT_EINVAL);
    CHECK(pool == SENTINEL);
}

/* The child of the foreign-topology case: the default pool, under a foreign
 * $HWLOC_SYNTHETIC of single-PU cores numbered 0 to the last CPU of this
 * process's mask (or beyond), has one worker per CPU of the mask, each
 * bound to exactly one of them.  The workers' masks are read from the
 * kernel, thread by thread (/proc/self/task), not from tasks, which would
 * depend on every worker getting one. */
struct foreign_masks {
    cpu_set_t want; /* this process's CPUs */
    cpu_set_t used; /* the workers' CPUs */
};

/* A worker thread ("weft-..."): its kernel mask is one CPU of want. */
static int foreign_mask_ok(pid_t tid, const char *name, void *ctx)
{
    struct foreign_masks *m = (struct foreign_masks *)ctx;
    if (strncmp(name, "weft-", 5) != 0)
        return 0;
    cpu_set_t now, both;
    CHECK_EQ(sched_getaffinity(tid, sizeof now, &now), 0);
    CPU_AND(&both, &now, &m->want);
    CHECK_EQ(CPU_COUNT(&now), 1);  /* bound to one CPU ... */
    CHECK_EQ(CPU_COUNT(&both), 1); /* ... of this process's */
    CPU_OR(&m->used, &m->used, &now);
    return 1;
}

static int foreign_child(void)
{
    cpu_set_t want;
    CHECK_EQ(sched_getaffinity(0, sizeof want, &want), 0);
    weft_pool *pool = NULL;
    CHECK_EQ(weft_pool_create(&pool, NULL), 0);
    unsigned workers = weft_pool_workers(pool);
    CHECK_EQ(workers, (unsigned)CPU_COUNT(&want));
    weft_stats st;
    CHECK_EQ(weft_pool_stats(pool, &st), 0);
    CHECK_EQ(st.bound, workers);
    CHECK_EQ(st.bind_failures, 0);
    /* (bound counts bindings done: every worker has bound itself by now) */
    struct foreign_masks m;
    m.want = want;
    CPU_ZERO(&m.used);
    CHECK_EQ(each_thread(foreign_mask_ok, &m), (int)workers);
    CHECK_EQ(CPU_COUNT(&m.used), (int)workers); /* one worker per CPU */
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    return check_done("test-api-placement foreign-child");
}

/* The description names no CPU of this process: WEFT_ENOCPU, not a pool
 * bound outside the process's CPUs. */
static int foreign_none(void)
{
    weft_pool *pool = SENTINEL;
    CHECK_EQ(weft_pool_create(&pool, NULL), WEFT_ENOCPU);
    CHECK(pool == SENTINEL);
    return check_done("test-api-placement foreign-none");
}

extern char **environ;

/* Runs this program as `test-api-placement mode` in a child process whose
 * environment has $HWLOC_SYNTHETIC = synth, `extra` (a NAME=value, or
 * NULL), and no $WEFT_WORKERS (the default pool's size) nor any $HWLOC_*
 * variable of the caller's; cpu >= 0 cuts
 * its affinity to that CPU first (what taskset -c cpu does). */
static void run_foreign_child(const char *mode, const char *synth, const char *extra,
                              int cpu)
{
    static const char *const drop[] = {"HWLOC_", "WEFT_WORKERS="};
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + 3, sizeof *envp);
    CHECK(envp != NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int keep = 1;
        for (size_t j = 0; j < sizeof drop / sizeof drop[0]; j++)
            keep &= strncmp(environ[i], drop[j], strlen(drop[j])) != 0;
        if (keep)
            envp[k++] = environ[i];
    }
    char var[96];
    snprintf(var, sizeof var, "HWLOC_SYNTHETIC=%s", synth);
    envp[k++] = var;
    if (extra)
        envp[k++] = (char *)extra;
    envp[k] = NULL;
    char *argv[] = {(char *)"test-api-placement", (char *)mode, NULL};
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (cpu >= 0) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            if (sched_setaffinity(0, sizeof one, &one) != 0)
                _exit(2);
        }
        execve("/proc/self/exe", argv, envp);
        _exit(2);
    }
    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    free(envp);
}

CHECK_CASE(test_foreign_topology)
{
    cpu_set_t mine;
    if (sched_getaffinity(0, sizeof mine, &mine) != 0) {
        CHECK_EQ(errno, EINVAL); /* more CPUs than a cpu_set_t holds */
        printf("  $HWLOC_SYNTHETIC: skipped (the affinity mask is larger than cpu_set_t)\n");
        return;
    }
    int last = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mine))
            last = c;
    CHECK(last >= 0);
    /* Cores 0..last+1: one more than this process may use, so the
     * description also names a CPU that the pool must leave out. */
    char synth[64];
    snprintf(synth, sizeof synth, "pack:1 core:%d pu:1", last + 2);
    run_foreign_child("foreign-child", synth, NULL, -1);
    run_foreign_child("foreign-child", synth, NULL, last);
    /* with $HWLOC_THISSYSTEM=1, hwloc takes the description for this
     * machine's and binds for real (the way to use a cached XML file) */
    run_foreign_child("foreign-child", synth, "HWLOC_THISSYSTEM=1", last);
    /* one core, CPU 0, for a process on CPU `last` only (hwloc's own
     * reading of the mask drops the CPUs a description lacks: it read as
     * empty, and the pool took CPU 0), with and without
     * $HWLOC_THISSYSTEM=1 */
    if (last >= 1) {
        run_foreign_child("foreign-none", "pack:1 core:1 pu:1", NULL, last);
        run_foreign_child("foreign-none", "pack:1 core:1 pu:1", "HWLOC_THISSYSTEM=1", last);
    }
}

static const struct check_case cases[] = {
    {"cpuset", test_cpuset, 0},
    {"bind", test_bind, 0},
    {"topology", test_topology, 0},
    {"foreign-topology", test_foreign_topology, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-api-placement", "", api_count_threads, api_no_thread_left, cases};

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "foreign-child") == 0)
        return foreign_child();
    if (argc > 1 && strcmp(argv[1], "foreign-none") == 0)
        return foreign_none();
    return check_main(&program, argc, argv);
}

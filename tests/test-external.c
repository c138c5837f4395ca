/*
 * test-external - entering pools from threads that are not workers.
 *
 *  1. THREADS (8) pthreads each call weft_pool_run() RUNS times (10,000)
 *     at once on one pool; each run counts itself and spawns two children
 *     that count themselves: exactly 8 * RUNS runs and 16 * RUNS children,
 *     and the pool counted them all.
 *  2. THREADS pthreads use weft_spawn()/weft_join() outside any pool (the
 *     default pool): ROUNDS (10) rounds of spawning BATCH (1,000) tasks
 *     into an array of frames, then joining them in reverse order.  Every
 *     task increments its own slot once.
 *  3. weft_join2() from external threads: fib through join2 at the top
 *     level, and THREADS threads doing many small join2 calls at once.
 *  4. The default pool destroyed again and again (DESTROYS, 200) while
 *     SPAWNERS (3) threads spawn and join from outside: every task runs
 *     exactly once (on the pool being destroyed, on its successor, or
 *     inline when the pool was going away), and nothing touches a freed
 *     pool (the ASan build checks that).
 *  5. fork() after the default pool has run tasks: the child spawns and
 *     joins from outside on a new default pool of its own (before, it
 *     waited for ever on the parent's pool, whose workers it does not
 *     have).  Not under TSan, which stops a child that starts threads after
 *     a multi-threaded fork.
 *
 * test-external fork-load (its own CTest entry, a fresh process): fork()
 * while another thread creates the process's first pool, which loads the
 * machine's topology under a lock for milliseconds; the child, which must
 * not inherit that lock held, creates the default pool and runs a task.
 * Several delays between the two; exit 77 (skipped) under TSan and ASan
 * (see NO_FORK_LOAD).
 *
 *  6. Loops from outside (weft_for on the default pool): the caller runs
 *     as a guest of the default pool, so the loop's first chunk runs on
 *     it with a guest's id and the default pool as its pool, every chunk
 *     in that pool, all on the caller with one worker; and 12 threads at
 *     once, more than the 8 guest slots (the others hand their loops to
 *     a worker), cover every index exactly once.
 *
 * Cases: runs (1), spawn-outside (2), join2 (3), destroy-default (4),
 * fork (5), loop-guest (6), and fork-load, which runs only when named.  The default pool is
 * destroyed after the last case.
 *
 * The default pool's size comes from $WEFT_WORKERS (set by CTest).
 * Usage: test-external [CASE] WORKERS [RUNS [ROUNDS [BATCH]]]
 *        test-external fork-load
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
/* fork-load forks while another thread allocates: gcc 12's ASan runtime
 * does not guard its allocator's locks across fork (a child then hangs in
 * ASan's malloc, not in weft), and TSan stops such children. */
#if defined(UNDER_TSAN) || defined(UNDER_ASAN)
#define NO_FORK_LOAD 1
#endif

#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

#define THREADS 8

static weft_pool *pool;
static unsigned workers;
static unsigned long runs_per_thread, rounds, batch;
static unsigned long run_count, child_count; /* atomic */
static pthread_barrier_t barrier;

static void count_child(void *p)
{
    (void)p;
    __atomic_fetch_add(&child_count, 1, __ATOMIC_RELAXED);
}

static void one_run(void *p)
{
    (void)p;
    int id = weft_worker_id();
    if (id < 0 || (unsigned)id >= workers)
        CHECK(id >= 0 && (unsigned)id < workers);
    __atomic_fetch_add(&run_count, 1, __ATOMIC_RELAXED);
    weft_task a, b;
    weft_spawn(&a, count_child, NULL);
    weft_spawn(&b, count_child, NULL);
    weft_join(&b);
    weft_join(&a);
}

static void *runner(void *p)
{
    (void)p;
    pthread_barrier_wait(&barrier);
    for (unsigned long i = 0; i < runs_per_thread; i++) {
        int rc = weft_pool_run(pool, one_run, NULL);
        if (rc != 0)
            CHECK_EQ(rc, 0);
    }
    return NULL;
}

static void inc_slot(void *p)
{
    CHECK(weft_self() != NULL); /* runs on a worker of the default pool */
    (*(unsigned *)p)++;
}

static void *external_spawner(void *p)
{
    (void)p;
    CHECK(weft_self() == NULL);
    CHECK_EQ(weft_worker_id(), -1);
    weft_task *t = malloc(batch * sizeof *t);
    unsigned *slot = calloc(batch, sizeof *slot);
    CHECK(t != NULL && slot != NULL);
    pthread_barrier_wait(&barrier);
    for (unsigned long r = 1; r <= rounds; r++) {
        for (unsigned long i = 0; i < batch; i++)
            weft_spawn(&t[i], inc_slot, &slot[i]);
        for (unsigned long i = batch; i-- > 0;)
            weft_join(&t[i]);
        for (unsigned long i = 0; i < batch; i++)
            if (slot[i] != r)
                CHECK_EQ(slot[i], r);
    }
    free(t);
    free(slot);
    return NULL;
}

static long fib_serial(int n)
{
    return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2);
}

static void fib_serial_task(void *p)
{
    struct fib_arg *a = p;
    a->r = fib_serial(a->n);
}

static unsigned long join2_a, join2_b; /* atomic */

static void inc_a(void *p)
{
    (void)p;
    __atomic_fetch_add(&join2_a, 1, __ATOMIC_RELAXED);
}

static void inc_b(void *p)
{
    (void)p;
    __atomic_fetch_add(&join2_b, 1, __ATOMIC_RELAXED);
}

static void *external_join2(void *p)
{
    (void)p;
    pthread_barrier_wait(&barrier);
    for (unsigned long i = 0; i < rounds * 100; i++)
        weft_join2(inc_a, NULL, inc_b, NULL);
    return NULL;
}

#define SPAWNERS 3
#define DESTROYS 200

static unsigned long race_runs, race_spawns; /* atomic */
static int race_stop;                        /* atomic */

static void inc_race(void *p)
{
    (void)p;
    __atomic_fetch_add(&race_runs, 1, __ATOMIC_RELAXED);
}

static void *race_spawner(void *p)
{
    (void)p;
    while (!__atomic_load_n(&race_stop, __ATOMIC_ACQUIRE)) {
        weft_task t[4];
        for (int i = 0; i < 4; i++)
            weft_spawn(&t[i], inc_race, NULL);
        for (int i = 4; i-- > 0;)
            weft_join(&t[i]);
        __atomic_fetch_add(&race_spawns, 4, __ATOMIC_RELAXED);
    }
    return NULL;
}

/* 4: weft_pool_destroy(weft_default_pool()) racing with spawns from
 * outside, which hold the default pool only while they submit. */
static void destroy_default_while_spawning(void)
{
    pthread_t th[SPAWNERS];
    for (int i = 0; i < SPAWNERS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, race_spawner, NULL), 0);
    unsigned long destroyed = 0;
    for (int i = 0; i < DESTROYS; i++) {
        weft_pool *d = weft_default_pool();
        CHECK(d != NULL);
        CHECK_EQ(weft_pool_destroy(d), 0);
        destroyed++;
        CHECK(weft_default_pool() != NULL); /* a new one */
    }
    __atomic_store_n(&race_stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < SPAWNERS; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_EQ(race_runs, race_spawns);
    printf("  default pool destroyed %lu times under %d spawning threads: "
           "%lu tasks, each run once\n",
           destroyed, SPAWNERS, race_spawns);
}

#ifndef UNDER_TSAN
/* Waits up to seconds for child pid; 1 when it ended (*status set), 0 when
 * it had to be killed (it hung). */
static int wait_child(pid_t pid, int *status, unsigned seconds)
{
    for (unsigned i = 0; i < seconds * 100; i++) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return 1;
        CHECK_EQ(got, 0);
        check_sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    return 0;
}
#endif

/* 5: the child of a fork uses weft from outside; exit status 0 if every
 * task ran exactly once there. */
static void fork_and_spawn(void)
{
#ifdef UNDER_TSAN
    printf("  fork: skipped under TSan\n");
#else
    race_runs = 0;
    weft_task t;
    weft_spawn(&t, inc_race, NULL); /* the parent's default pool is busy */
    weft_join(&t);
    CHECK_EQ(race_runs, 1);
    weft_pool *parent_pool = weft_default_pool();
    fflush(stdout);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        race_runs = 0;
        weft_task c[64];
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < 64; i++)
                weft_spawn(&c[i], inc_race, NULL);
            for (int i = 64; i-- > 0;)
                weft_join(&c[i]);
        }
        weft_pool *mine = weft_default_pool();
        int ok = race_runs == 6400 && mine != NULL && mine != parent_pool &&
                 weft_pool_destroy(mine) == 0;
        _exit(ok ? 0 : 1); /* no atexit: the parent's pool stays unfreed */
    }
    int status = 0;
    int exited = wait_child(pid, &status, 30);
    if (!exited)
        fprintf(stderr, "fork: the child hung\n");
    CHECK(exited);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(weft_default_pool() == parent_pool); /* the parent's is untouched */
    printf("  fork: the child ran 6,400 tasks from outside on its own default "
           "pool\n");
#endif
}

#ifndef NO_FORK_LOAD
/* fork-load: the first pool of the process is created by another thread
 * while this one forks. */
static void *create_first_pool(void *p)
{
    (void)p;
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = 1;
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    return NULL;
}

#endif

static void fork_while_first_pool_loads(void)
{
#ifdef NO_FORK_LOAD
    check_skip("under a sanitizer");
#else
    static const long delays_us[] = {0, 100, 300, 1000, 3000};
    unsigned n = sizeof delays_us / sizeof delays_us[0];
    /* Each round in a fresh child, whose first pool is still to come (the
     * topology is loaded once per process). */
    for (unsigned i = 0; i < n; i++) {
        fflush(stdout);
        pid_t round = fork();
        CHECK(round >= 0);
        if (round == 0) {
            pthread_t th;
            if (pthread_create(&th, NULL, create_first_pool, NULL) != 0)
                _exit(2);
            struct timespec ts = {0, delays_us[i] * 1000};
            nanosleep(&ts, NULL);
            pid_t pid = fork();
            if (pid == 0) {
                race_runs = 0;
                weft_task t;
                weft_spawn(&t, inc_race, NULL);
                weft_join(&t);
                _exit(race_runs == 1 ? 0 : 1);
            }
            int st = 0;
            int exited = wait_child(pid, &st, 10);
            pthread_join(th, NULL);
            _exit(exited && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 3);
        }
        int st = 0;
        CHECK_EQ(waitpid(round, &st, 0), round);
        if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            fprintf(stderr,
                    "fork %ld us into the first pool's creation: the "
                    "child hung or failed (status %#x)\n",
                    delays_us[i], st);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    printf("  fork during the first pool's creation, %u delays: every child "
           "ran its task\n",
           n);
#endif
}

static void start_threads(void *(*fn)(void *))
{
    pthread_t th[THREADS];
    CHECK_EQ(pthread_barrier_init(&barrier, NULL, THREADS), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, fn, NULL), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&barrier);
}

/* ---- cases ---------------------------------------------------------------- */

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 2);
    runs_per_thread = check_arg(argc, argv, 2, 10000);
    rounds = check_arg(argc, argv, 3, 10);
    batch = check_arg(argc, argv, 4, 1000);
    printf("test-external: workers=%u runs=%lu rounds=%lu batch=%lu "
           "WEFT_WORKERS=%s\n",
           workers, runs_per_thread, rounds, batch,
           getenv("WEFT_WORKERS") ? getenv("WEFT_WORKERS") : "(unset)");
}

static void teardown(void)
{
    CHECK_EQ(weft_pool_destroy(weft_default_pool()), 0);
}

/* 1. Concurrent weft_pool_run from 8 threads. */
CHECK_CASE(case_runs)
{
    pool = check_pool(workers, "ext");
    start_threads(runner);
    uint64_t runs = THREADS * runs_per_thread;
    CHECK_EQ(run_count, runs);
    CHECK_EQ(child_count, 2 * runs);
    weft_stats s = check_stats_settle(pool, 3 * runs);
    printf("  %d threads x %lu runs: run=%" PRIu64 " spawned=%" PRIu64
           " injected=%" PRIu64 " steals=%" PRIu64 "\n",
           THREADS, runs_per_thread, s.run, s.spawned, s.injected, s.steals);
    CHECK_EQ(s.spawned, 2 * runs);
    CHECK_EQ(s.run, 3 * runs);
    CHECK_EQ(s.injected, runs);
    CHECK(s.steals <= s.spawned);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* 2. weft_spawn/weft_join from outside any pool: the default pool, first
 * used here (its counters are this case's). */
CHECK_CASE(case_spawn_outside)
{
    CHECK(weft_self() == NULL);
    CHECK(weft_current_pool() == NULL);
    start_threads(external_spawner);
    weft_pool *def = weft_default_pool();
    CHECK(def != NULL);
    CHECK(weft_default_pool() == def);
    const char *env = getenv("WEFT_WORKERS");
    if (env && *env)
        CHECK_EQ(weft_pool_workers(def), strtoul(env, NULL, 10));
    uint64_t ext = (uint64_t)THREADS * rounds * batch;
    weft_stats s = check_stats_settle(def, ext);
    printf("  %d threads x %lu rounds x %lu external spawns: run=%" PRIu64
           " injected=%" PRIu64 "\n",
           THREADS, rounds, batch, s.run, s.injected);
    CHECK_EQ(s.run, s.spawned + s.injected);
    CHECK_EQ(s.injected, ext);
    /* inc_slot spawns nothing, and a spawn from outside is an injection,
     * not a worker's spawn (it goes through the placeholder worker of
     * threads outside any pool, which counts nothing) */
    CHECK_EQ(s.spawned, 0);
}

/* 3. weft_join2 from external threads. */
CHECK_CASE(case_join2)
{
    struct fib_arg x = {24, 0}, y = {22, 0};
    weft_join2(fib_serial_task, &x, fib, &y);
    CHECK_EQ(x.r, 46368);
    CHECK_EQ(y.r, 17711);
    /* Here fib runs on this thread, so each of its spawns is external. */
    x.n = 18;
    x.r = y.r = 0;
    weft_join2(fib, &x, fib_serial_task, &y);
    CHECK_EQ(x.r, 2584);
    CHECK_EQ(y.r, 17711);
    start_threads(external_join2);
    CHECK_EQ(join2_a, THREADS * rounds * 100);
    CHECK_EQ(join2_b, THREADS * rounds * 100);
    printf("  external weft_join2: ok\n");
}

/* 4. Destroying the default pool while threads spawn from outside. */
CHECK_CASE(case_destroy_default) { destroy_default_while_spawning(); }

/* 5. fork(). */
CHECK_CASE(case_fork) { fork_and_spawn(); }

/* fork() while the process's first pool loads the topology: a fresh
 * process, so only on its own. */
CHECK_CASE(case_fork_load) { fork_while_first_pool_loads(); }

/* ---- 6. loops from outside: guests ------------------------------------- */

#define GUEST_N       4096
#define GUEST_THREADS 12
#define GUEST_LOOPS   50
static pthread_t guest_main;
static unsigned long guest_in_pool, guest_here, guest_first_ok;
static unsigned char guest_seen[GUEST_THREADS][GUEST_N];

static int guest_body(size_t lo, size_t hi, void *ctx)
{
    (void)ctx;
    int here = pthread_equal(pthread_self(), guest_main);
    int id = weft_worker_id();
    if (weft_current_pool() == weft_default_pool())
        __atomic_fetch_add(&guest_in_pool, hi - lo, __ATOMIC_RELAXED);
    if (here)
        __atomic_fetch_add(&guest_here, hi - lo, __ATOMIC_RELAXED);
    if (lo == 0 && here &&
        id >= (int)weft_pool_id_limit(weft_default_pool()) - 8)
        guest_first_ok = 1;
    return 0;
}

static int guest_count(size_t lo, size_t hi, void *ctx)
{
    unsigned char *seen = ctx;
    for (size_t i = lo; i < hi; i++)
        __atomic_fetch_add(&seen[i], 1, __ATOMIC_RELAXED);
    return 0;
}

static void *guest_thread(void *p)
{
    unsigned char *seen = p;
    for (int l = 0; l < GUEST_LOOPS; l++)
        CHECK_EQ(weft_for(0, GUEST_N, 16, guest_count, seen), 0);
    return NULL;
}

CHECK_CASE(case_loop_guest)
{
    guest_main = pthread_self();
    CHECK_EQ(weft_for(0, GUEST_N, 1, guest_body, NULL), 0);
    CHECK_EQ(guest_in_pool, GUEST_N);
    CHECK_EQ(guest_first_ok, 1);
    if (weft_pool_workers(weft_default_pool()) == 1)
        CHECK_EQ(guest_here, GUEST_N);
    CHECK(weft_self() == NULL); /* it left the pool */
    CHECK_EQ(weft_worker_id(), -1);
    pthread_t th[GUEST_THREADS];
    for (int t = 0; t < GUEST_THREADS; t++)
        CHECK_EQ(pthread_create(&th[t], NULL, guest_thread, guest_seen[t]), 0);
    for (int t = 0; t < GUEST_THREADS; t++)
        CHECK_EQ(pthread_join(th[t], NULL), 0);
    unsigned long bad = 0;
    for (int t = 0; t < GUEST_THREADS; t++)
        for (int i = 0; i < GUEST_N; i++)
            bad += guest_seen[t][i] != GUEST_LOOPS;
    CHECK_EQ(bad, 0);
}

static const struct check_case cases[] = {
    {"runs", case_runs, 0},
    {"spawn-outside", case_spawn_outside, 0},
    {"join2", case_join2, 0},
    {"destroy-default", case_destroy_default, 0},
    {"fork", case_fork, 0},
    {"loop-guest", case_loop_guest, 0},
    {"fork-load", case_fork_load, CHECK_ALONE},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-external", "WORKERS [RUNS [ROUNDS [BATCH]]]", setup, teardown, cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

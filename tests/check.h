/*
 * check.h - the tiny assertion helper shared by weft's tests.
 *
 * CHECK(cond) counts a passed check, or prints file:line and the expression
 * and exits with status 1.  CHECK_EQ(a, b) does the same for two integers
 * and also prints both values.  Checks may be made from any thread (workers
 * included): the counters are atomic, and a failure exits the whole process
 * at once with _exit() so that a hung or half-destroyed pool cannot keep a
 * failing test alive.  check_done() prints the final "NAME: N passed,
 * 0 failed" line and returns the exit status for main().
 *
 * Tests are deterministic or print the seed they use (check_seed()), and take
 * their sizes from argv so that sanitizer builds can run smaller instances.
 *
 * Cases.  A test program names its cases in a table and hands it to
 * check_main(), which picks what to run from the command line:
 *
 *     test-x CASE [ARGS...]    that case only
 *     test-x [all] [ARGS...]   every case in table order (but CHECK_ALONE ones)
 *     test-x --list            the case names, one a line (CMake checks its
 *                              list of CTest entries against it)
 *
 * ARGS (the worker count and sizes) come after the case name; setup and the
 * case see them as argv[1], argv[2]... whether a name was given or not, so
 * `test-x 2 27` still means "every case, 2 workers, size 27".  A name that
 * is no case is an error (exit 2) that names the program's cases.
 *
 *     CHECK_CASE(chain) { ... }
 *     static const struct check_case cases[] = {
 *         {"chain", chain, 0},
 *         {"fork-load", fork_load, CHECK_ALONE},
 *         {NULL, NULL, 0}};
 *     static const struct check_program program = {
 *         "test-x", "WORKERS [DEPTH]", setup, teardown, cases};
 *     int main(int argc, char **argv) { return check_main(&program, argc, argv); }
 *
 * setup (or NULL) runs once before the first case, teardown (or NULL) once
 * after the last: state that the cases share when run together (pools, the
 * thread count to return to) lives there, so one case run alone is set up
 * and checked exactly as it is in a run of all of them.
 */
#ifndef WEFT_TEST_CHECK_H
#define WEFT_TEST_CHECK_H

#include <dirent.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "weft.h"

static unsigned long check_passed_;

static inline void check_fail_(const char *file, int line, const char *expr)
{
    fflush(stdout);
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    fflush(stderr);
    _exit(1);
}

static inline void check_fail_eq_(const char *file, int line, const char *a,
                                  const char *b, long long va, long long vb)
{
    fflush(stdout);
    fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", file,
            line, a, b, va, vb);
    fflush(stderr);
    _exit(1);
}

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond)                                                            \
            __atomic_fetch_add(&check_passed_, 1, __ATOMIC_RELAXED);         \
        else                                                                 \
            check_fail_(__FILE__, __LINE__, #cond);                          \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);      \
        if (check_a_ == check_b_)                                            \
            __atomic_fetch_add(&check_passed_, 1, __ATOMIC_RELAXED);         \
        else                                                                 \
            check_fail_eq_(__FILE__, __LINE__, #a, #b, check_a_, check_b_);  \
    } while (0)

/* Prints the final summary line and returns main()'s exit status. */
static inline int check_done(const char *name)
{
    printf("%s: %lu passed, 0 failed\n", name,
           __atomic_load_n(&check_passed_, __ATOMIC_RELAXED));
    fflush(stdout);
    return 0;
}

/* argv[i] as an unsigned number, or def when absent. */
static inline unsigned long check_arg(int argc, char **argv, int i,
                                      unsigned long def)
{
    if (argc <= i)
        return def;
    char *end;
    unsigned long v = strtoul(argv[i], &end, 0);
    if (*argv[i] == '\0' || *end != '\0') {
        fprintf(stderr, "bad argument %d: '%s' is not a number\n", i, argv[i]);
        exit(2);
    }
    return v;
}

/*
 * The seed of a randomised test: argv[i] if given, else $WEFT_TEST_SEED,
 * else one made from the clock.  Printed so that a failure can be re-run.
 */
static inline uint64_t check_seed(int argc, char **argv, int i,
                                  const char *name)
{
    uint64_t seed;
    const char *env = getenv("WEFT_TEST_SEED");
    if (argc > i)
        seed = strtoull(argv[i], NULL, 0);
    else if (env && *env)
        seed = strtoull(env, NULL, 0);
    else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
               ((uint64_t)getpid() << 32);
    }
    printf("%s: seed %" PRIu64 " (re-run with WEFT_TEST_SEED=%" PRIu64 ")\n",
           name, seed, seed);
    fflush(stdout);
    return seed;
}

/* splitmix64: a fast, well-mixed 64-bit hash for deterministic trees. */
static inline uint64_t check_mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Number of threads of this process (entries of /proc/self/task). */
static inline int check_thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static inline void *check_noop_thread_(void *p) { return p; }

/*
 * The thread count to compare with after pools are gone.  Starts and joins
 * one thread first: some runtimes (TSan) start a helper thread of their own
 * at the first pthread_create, which must not look like a leaked worker.
 */
static inline int check_thread_baseline(void)
{
    pthread_t th;
    if (pthread_create(&th, NULL, check_noop_thread_, NULL) == 0)
        pthread_join(th, NULL);
    /* Wait for the joined thread to leave /proc: two equal reads 20 ms apart. */
    int n = check_thread_count(), prev;
    for (int i = 0; i < 100; i++) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        prev = n;
        n = check_thread_count();
        if (n == prev)
            break;
    }
    return n;
}

/* Sleeps for us microseconds. */
static inline void check_sleep_us(unsigned long us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Sleeps for ms milliseconds. */
static inline void check_sleep_ms(unsigned ms)
{
    check_sleep_us((unsigned long)ms * 1000);
}

/*
 * Thread counts and pool counters are read while the last threads may still
 * be on their way out (a joined thread leaves /proc/self/task a moment after
 * pthread_join returns; a worker may bump a counter just after the task it
 * ran was marked done).  These helpers wait, up to 20 s, for the value to
 * reach the expected one and return what they read last; the caller then
 * checks it exactly.  Waiting never makes a wrong value pass.
 */
static inline int check_thread_count_settle(int expect)
{
    int n = check_thread_count();
    for (int i = 0; i < 4000 && n != expect; i++) {
        check_sleep_ms(5);
        n = check_thread_count();
    }
    return n;
}

static inline weft_stats check_stats_settle(const weft_pool *pool,
                                            uint64_t expect_run)
{
    weft_stats s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 4000; i++) {
        CHECK_EQ(weft_pool_stats(pool, &s), 0);
        if (s.run >= expect_run)
            break;
        check_sleep_ms(5);
    }
    return s;
}

/* A pool of `workers` workers with the given name (NULL: "pool"). */
static inline weft_pool *check_pool(unsigned workers, const char *name)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.name = name;
    weft_pool *pool = NULL;
    int rc = weft_pool_create(&pool, &cfg);
    if (rc != 0) {
        fprintf(stderr, "weft_pool_create(workers=%u): %s\n", workers,
                weft_strerror(rc));
        check_fail_(__FILE__, __LINE__, "weft_pool_create() == 0");
    }
    CHECK(pool != NULL);
    CHECK_EQ(weft_pool_workers(pool), workers);
    return pool;
}

/*
 * Runs body(arg) in a forked child, which ends with _exit(body's value);
 * its stderr comes back in err (NUL-terminated, at most errsz - 1 bytes).
 * Returns the child's wait status.  Fork before the test starts threads
 * of its own (a pool's workers do not survive fork).
 */
static inline int check_in_child(int (*body)(void *), void *arg, char *err,
                                 size_t errsz)
{
    int fd[2];
    CHECK_EQ(pipe(fd), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        _exit(body(arg));
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t r;
    while (len < errsz - 1 &&
           (r = read(fd[0], err + len, errsz - 1 - len)) > 0)
        len += (size_t)r;
    err[len] = '\0';
    close(fd[0]);
    int status;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    return status;
}

/* check_in_child's body for a function run on a fresh pool: 0 when fn
 * returned, 3 when the pool could not be created, 4 when the run failed. */
struct check_child_run {
    weft_fn fn;
    unsigned workers;
    unsigned deque_slots; /* 0: the default */
};

static inline int check_child_run(void *p)
{
    const struct check_child_run *c = (const struct check_child_run *)p;
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = c->workers;
    cfg.deque_slots = c->deque_slots;
    weft_pool *pool;
    if (weft_pool_create(&pool, &cfg) != 0)
        return 3;
    if (weft_pool_run(pool, c->fn, NULL) != 0)
        return 4;
    weft_pool_destroy(pool);
    return 0;
}

/* ---- cases --------------------------------------------------------------- */

/* A case that needs a fresh process of its own (its CTest entry): it runs
 * only when named, never as part of all. */
#define CHECK_ALONE 1u

struct check_case {
    const char *name; /* on the command line and in CTest: lower-case-words */
    void (*run)(int argc, char **argv);
    unsigned flags;   /* CHECK_ALONE or 0 */
};

struct check_program {
    const char *name;  /* "test-x": in messages and the summary line */
    const char *args;  /* the ARGS of the usage line, "" if none */
    void (*setup)(int argc, char **argv); /* or NULL */
    void (*teardown)(void);               /* or NULL */
    const struct check_case *cases;       /* ends with a NULL name */
};

/* Defines a case's function: CHECK_CASE(name) { body }, with argc and argv
 * (the ARGS, as described above) in scope. */
#define CHECK_CASE(fn)                                                       \
    static void fn(int argc __attribute__((unused)),                         \
                   char **argv __attribute__((unused)))

/* The case running now ("test-x chain"), or the program in a run of all. */
static char check_current_[160];

/* Ends the process with exit status 77, which CTest reports as skipped. */
static inline void check_skip(const char *why)
{
    printf("%s: skipped (%s)\n", check_current_, why);
    fflush(stdout);
    exit(77);
}

static inline void check_usage_(const struct check_program *p, FILE *f)
{
    const char *sp = *p->args ? " " : "";
    fprintf(f, "Usage: %s CASE%s%s\n       %s [all]%s%s\n       %s --list\ncases:",
            p->name, sp, p->args, p->name, sp, p->args, p->name);
    for (const struct check_case *c = p->cases; c->name; c++)
        fprintf(f, " %s%s", c->name, c->flags & CHECK_ALONE ? " (alone)" : "");
    fprintf(f, "\n");
}

/* Runs the case or cases the command line names (see above) and returns
 * main()'s exit status. */
static inline int check_main(const struct check_program *p, int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct check_case *one = NULL;
    const char *first = argc > 1 ? argv[1] : "all";
    int shift = argc > 1;
    if (strcmp(first, "--list") == 0) {
        for (const struct check_case *c = p->cases; c->name; c++)
            printf("%s\n", c->name);
        return 0;
    }
    if (strcmp(first, "-h") == 0 || strcmp(first, "--help") == 0) {
        check_usage_(p, stdout);
        return 0;
    }
    if (*first >= '0' && *first <= '9')
        shift = 0; /* ARGS without a case name: every case */
    else if (strcmp(first, "all") != 0) {
        for (const struct check_case *c = p->cases; c->name && !one; c++)
            if (strcmp(c->name, first) == 0)
                one = c;
        if (!one) {
            fprintf(stderr, "%s: unknown case '%s'\n", p->name, first);
            check_usage_(p, stderr);
            return 2;
        }
    }
    /* The ARGS as argv[1]...: the case name taken out. */
    if (shift) {
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    snprintf(check_current_, sizeof check_current_, "%s%s%s", p->name,
             one ? " " : "", one ? one->name : "");
    if (p->setup)
        p->setup(argc, argv);
    for (const struct check_case *c = p->cases; c->name; c++) {
        if (one ? c != one : (c->flags & CHECK_ALONE) != 0)
            continue;
        printf("%s: case %s\n", p->name, c->name);
        c->run(argc, argv);
    }
    if (p->teardown)
        p->teardown();
    return check_done(check_current_);
}

#ifdef CHECK_WANT_FIB
/* fib through the generic API, the tests' standard small workload (a test
 * defines CHECK_WANT_FIB before including this header to get it). */
struct fib_arg {
    int n;
    long r;
};

static void fib(void *p)
{
    struct fib_arg *a = (struct fib_arg *)p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    struct fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_task t;
    weft_spawn(&t, fib, &x);
    fib(&y);
    weft_join(&t);
    a->r = x.r + y.r;
}
#endif

#endif /* WEFT_TEST_CHECK_H */

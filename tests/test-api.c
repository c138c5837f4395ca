/*
 * test-api - the error paths and small functions of the public API.
 *
 *  - weft_config_init() defaults.
 *  - Every bad argument returns its code and changes nothing: the out
 *    pointer is untouched, no thread is left behind.
 *  - weft_pool_destroy() from one of the pool's own workers returns
 *    WEFT_EDEADLK and the pool keeps working.
 *  - weft_strerror(): a distinct non-empty string per code, and a string
 *    for 0 and for unknown values.
 *  - weft_worker_id(), weft_self(), weft_current_pool(), weft_pool_workers().
 *  - $WEFT_WORKERS sets the default worker count; bad values give their
 *    exact codes, an empty one counts as unset.
 *  - Worker thread names "weft-<name>-<i>" (cut to 15 characters).
 *  - cpuset of one allowed CPU, bind = 0, a small stack, a synthetic
 *    hwloc topology: the pool runs tasks with exact results.  A stack
 *    below the system's minimum is raised to it (weft_pool_print shows it).
 *  - weft_pool_stats()/weft_pool_print() arguments; run == spawned +
 *    injected while a stolen task is still running (each task once).
 *  - $HWLOC_SYNTHETIC, which hwloc reads itself and takes for another
 *    system: the default pool still counts the CPUs this process may use
 *    (taskset) and really binds each worker to one of them, or fails with
 *    WEFT_ENOCPU when the description names none of them (run in child
 *    processes, re-executing this program with the variable set and
 *    $WEFT_WORKERS unset, some with their affinity cut to one CPU).
 *
 * Usage: test-api (test-api foreign-child / foreign-none are those
 * children)
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

#define CHECK_WANT_FIB
#include "check.h"
#include "weft.h"

/* Runs fib(20) on pool and checks the result. */
static void check_works(weft_pool *pool)
{
    struct fib_arg a = {20, 0};
    CHECK_EQ(weft_pool_run(pool, fib, &a), 0);
    CHECK_EQ(a.r, 6765);
}

static void noop(void *p) { (void)p; }

#define SENTINEL ((weft_pool *)(uintptr_t)0x5eed)

/* weft_pool_create(&p, cfg) must fail with want and leave p untouched. */
static void create_fails(const weft_config *cfg, int want, const char *what)
{
    weft_pool *p = SENTINEL;
    int rc = weft_pool_create(&p, cfg);
    if (rc != want)
        fprintf(stderr, "%s: got %d (%s), want %d (%s)\n", what, rc,
                weft_strerror(rc), want, weft_strerror(want));
    CHECK_EQ(rc, want);
    CHECK(p == SENTINEL);
}

static void test_config_defaults(void)
{
    weft_config cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    weft_config_init(&cfg);
    CHECK_EQ(cfg.workers, 0);
    CHECK(cfg.cpuset == NULL);
    CHECK(cfg.name == NULL);
    CHECK_EQ(cfg.bind, 1);
    CHECK_EQ(cfg.stack_size, 0);
    CHECK_EQ(cfg.deque_slots, 0);
    CHECK(cfg.topology == NULL);
}

static void test_bad_arguments(void)
{
    int threads0 = check_thread_baseline();
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = 2;

    CHECK_EQ(weft_pool_create(NULL, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_pool_create(NULL, &cfg), WEFT_EINVAL);

    cfg.workers = WEFT_MAX_WORKERS + 1;
    create_fails(&cfg, WEFT_ERANGE, "workers = WEFT_MAX_WORKERS + 1");
    cfg.workers = ~0u;
    create_fails(&cfg, WEFT_ERANGE, "workers = UINT_MAX");
    cfg.workers = 2;

    cfg.deque_slots = (1u << 26) + 1;
    create_fails(&cfg, WEFT_ERANGE, "deque_slots = 2^26 + 1");
    cfg.deque_slots = ~0u;
    create_fails(&cfg, WEFT_ERANGE, "deque_slots = UINT_MAX");
    cfg.deque_slots = 0;

    /* (found when the first worker's thread is created: the deques and
     * everything else are rolled back) */
    cfg.stack_size = SIZE_MAX;
    create_fails(&cfg, WEFT_ERANGE, "stack_size = SIZE_MAX");
    cfg.stack_size = 0;

    cfg.cpuset = "banana";
    create_fails(&cfg, WEFT_EINVAL, "cpuset \"banana\"");
    cfg.cpuset = "4000-4001";
    create_fails(&cfg, WEFT_ENOCPU, "cpuset \"4000-4001\"");
    cfg.cpuset = NULL;

    CHECK_EQ(check_thread_count_settle(threads0), threads0);

    CHECK_EQ(weft_pool_destroy(NULL), WEFT_EINVAL);
    CHECK_EQ(weft_pool_run(NULL, noop, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_pool_workers(NULL), 0);

    weft_pool *pool = check_pool(2, "bad");
    CHECK_EQ(weft_pool_run(pool, NULL, NULL), WEFT_EINVAL);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(NULL, &s), WEFT_EINVAL);
    CHECK_EQ(weft_pool_stats(pool, NULL), WEFT_EINVAL);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
}

/* destroy from inside the pool: WEFT_EDEADLK, then the pool still works. */
struct self_destroy {
    weft_pool *pool;
    int rc_run, rc_task;
};

static void destroy_in_task(void *p)
{
    struct self_destroy *d = p;
    d->rc_task = weft_pool_destroy(d->pool);
}

static void destroy_self(void *p)
{
    struct self_destroy *d = p;
    d->rc_run = weft_pool_destroy(d->pool);
    weft_task t; /* and from a spawned task, possibly on another worker */
    weft_spawn(&t, destroy_in_task, d);
    weft_join(&t);
}

static void test_destroy_from_worker(void)
{
    weft_pool *pool = check_pool(2, "self");
    struct self_destroy d = {pool, 1, 1};
    CHECK_EQ(weft_pool_run(pool, destroy_self, &d), 0);
    CHECK_EQ(d.rc_run, WEFT_EDEADLK);
    CHECK_EQ(d.rc_task, WEFT_EDEADLK);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

static void test_strerror(void)
{
    static const int codes[] = {
#define CODE(name, value, msg) name,
        WEFT_ERRORS(CODE)
#undef CODE
    };
    static const char *const msgs[] = {
#define MSG(name, value, msg) msg,
        WEFT_ERRORS(MSG)
#undef MSG
    };
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = weft_strerror(codes[i]);
        CHECK(s != NULL && *s != '\0');
        CHECK(codes[i] < 0);
        /* The table's message, possibly with a prefix such as the name. */
        if (strstr(s, msgs[i]) == NULL)
            fprintf(stderr, "weft_strerror(%d) = \"%s\", table says \"%s\"\n",
                    codes[i], s, msgs[i]);
        CHECK(strstr(s, msgs[i]) != NULL);
        for (size_t j = 0; j < i; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(s, weft_strerror(codes[j])) != 0);
        }
    }
    const char *ok = weft_strerror(0);
    CHECK(ok != NULL && *ok != '\0');
    const char *unknown = weft_strerror(-123456);
    CHECK(unknown != NULL && *unknown != '\0');
    CHECK(weft_strerror(123456) != NULL);
    CHECK(weft_strerror(-1) != NULL); /* -EPERM: not a weft code */
    for (size_t i = 0; i < n; i++) {
        CHECK(strcmp(ok, weft_strerror(codes[i])) != 0);
        CHECK(strcmp(unknown, weft_strerror(codes[i])) != 0);
    }
}

/* weft_worker_id() and friends, from the run and from spawned tasks. */
struct ids {
    weft_pool *pool;
    unsigned workers;
    int bad;                 /* atomic */
    unsigned long seen_mask; /* atomic: ids seen */
};

static void id_leaf(void *p)
{
    struct ids *x = p;
    int id = weft_worker_id();
    if (id < 0 || (unsigned)id >= x->workers || weft_current_pool() != x->pool ||
        weft_self() == NULL)
        __atomic_store_n(&x->bad, 1, __ATOMIC_RELAXED);
    else if (id < 64)
        __atomic_fetch_or(&x->seen_mask, 1ul << id, __ATOMIC_RELAXED);
    for (volatile int i = 0; i < 2000; i++)
        ;
}

static void id_root(void *p)
{
    enum { N = 256 };
    weft_task t[N];
    for (int i = 0; i < N; i++)
        weft_spawn(&t[i], id_leaf, p);
    id_leaf(p);
    for (int i = N; i-- > 0;)
        weft_join(&t[i]);
}

static void test_ids(void)
{
    CHECK_EQ(weft_worker_id(), -1);
    CHECK(weft_self() == NULL);
    CHECK(weft_current_pool() == NULL);
    unsigned counts[] = {1, 3};
    for (int k = 0; k < 2; k++) {
        struct ids x = {check_pool(counts[k], "ids"), counts[k], 0, 0};
        CHECK_EQ(weft_pool_workers(x.pool), counts[k]);
        for (int r = 0; r < 20; r++)
            CHECK_EQ(weft_pool_run(x.pool, id_root, &x), 0);
        CHECK_EQ(x.bad, 0);
        CHECK(x.seen_mask != 0);
        CHECK((x.seen_mask >> counts[k]) == 0);
        weft_stats s;
        CHECK_EQ(weft_pool_stats(x.pool, &s), 0);
        CHECK_EQ(s.workers, counts[k]);
        CHECK_EQ(weft_pool_destroy(x.pool), 0);
    }
    CHECK_EQ(weft_worker_id(), -1);
    CHECK(weft_current_pool() == NULL);
}

static void test_env_workers(void)
{
    const char *old = getenv("WEFT_WORKERS");
    char *saved = old ? strdup(old) : NULL;
    const char *vals[] = {"3", "1", "5"};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(setenv("WEFT_WORKERS", vals[i], 1), 0);
        weft_config cfg;
        weft_config_init(&cfg);
        weft_pool *pool = NULL;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        CHECK_EQ(weft_pool_workers(pool), strtoul(vals[i], NULL, 10));
        check_works(pool);
        CHECK_EQ(weft_pool_destroy(pool), 0);
        /* An explicit count is not overridden... */
        cfg.workers = 2;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        CHECK_EQ(weft_pool_workers(pool), 2);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    }
    /* Bad values: every character is checked before the range, and
     * *out is untouched. */
    static const struct {
        const char *v;
        int want;
    } bad[] = {{"banana", WEFT_EINVAL}, {"0", WEFT_EINVAL},
               {"000", WEFT_EINVAL},    {"-3", WEFT_EINVAL},
               {"+3", WEFT_EINVAL},     {" 3", WEFT_EINVAL},
               {"3 ", WEFT_EINVAL},     {"2x", WEFT_EINVAL},
               {"2000x", WEFT_EINVAL},  {"99999999999999999999x", WEFT_EINVAL},
               {"1025", WEFT_ERANGE},   {"99999999999999999999", WEFT_ERANGE}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(setenv("WEFT_WORKERS", bad[i].v, 1), 0);
        weft_pool *pool = SENTINEL;
        int rc = weft_pool_create(&pool, NULL);
        if (rc != bad[i].want)
            fprintf(stderr, "WEFT_WORKERS=\"%s\": %d, want %d\n", bad[i].v, rc,
                    bad[i].want);
        CHECK_EQ(rc, bad[i].want);
        CHECK(pool == SENTINEL);
    }
    /* Leading zeros are allowed. */
    CHECK_EQ(setenv("WEFT_WORKERS", "002", 1), 0);
    weft_pool *pool = NULL;
    CHECK_EQ(weft_pool_create(&pool, NULL), 0);
    CHECK_EQ(weft_pool_workers(pool), 2);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    /* An empty value counts as unset. */
    CHECK_EQ(setenv("WEFT_WORKERS", "", 1), 0);
    CHECK_EQ(weft_pool_create(&pool, NULL), 0);
    unsigned from_empty = weft_pool_workers(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    unsetenv("WEFT_WORKERS");
    /* ...and without the variable, workers = 0 gives at least one. */
    CHECK_EQ(weft_pool_create(&pool, NULL), 0);
    CHECK(weft_pool_workers(pool) >= 1);
    CHECK_EQ(weft_pool_workers(pool), from_empty);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    if (saved) {
        setenv("WEFT_WORKERS", saved, 1);
        free(saved);
    }
}

/* Calls fn(tid, name, ctx) for every thread of this process (its name
 * from /proc/self/task/<tid>/comm, without the newline) and returns the sum
 * of what the calls returned. */
static int each_thread(int (*fn)(pid_t tid, const char *name, void *ctx), void *ctx)
{
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* the thread just exited */
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        n += fn((pid_t)atoi(e->d_name), comm, ctx);
    }
    closedir(d);
    return n;
}

static int is_named(pid_t tid, const char *name, void *want)
{
    (void)tid;
    return strcmp(name, (const char *)want) == 0;
}

/* Number of threads whose name is exactly `name`. */
static int threads_named(const char *name)
{
    return each_thread(is_named, (void *)name);
}

/* Waits (workers may name themselves as they start) for n threads named name. */
static int threads_named_settle(const char *name, int n)
{
    int got = threads_named(name);
    for (int i = 0; i < 4000 && got != n; i++) {
        check_sleep_ms(5);
        got = threads_named(name);
    }
    return got;
}

static void check_names(const char *name, unsigned workers)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.name = name;
    weft_pool *pool = NULL;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    /* Expected names, cut to 15 characters; count the duplicates. */
    char want[16][16];
    for (unsigned i = 0; i < workers; i++) {
        char full[64];
        snprintf(full, sizeof full, "weft-%s-%u", name ? name : "pool", i);
        snprintf(want[i], sizeof want[i], "%.15s", full);
    }
    for (unsigned i = 0; i < workers; i++) {
        int dup = 0;
        for (unsigned j = 0; j < workers; j++)
            dup += strcmp(want[i], want[j]) == 0;
        int got = threads_named_settle(want[i], dup);
        if (got != dup)
            fprintf(stderr, "threads named \"%s\": %d, want %d\n", want[i], got, dup);
        CHECK_EQ(got, dup);
    }
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

static void test_thread_names(void)
{
    check_names("tst", 3);
    check_names(NULL, 2);
    check_names("abcdefgh", 12); /* "weft-abcdefgh-10" is cut to 15 */
    check_names("averyverylongpoolname", 2);
}

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

/* A pool of `workers` workers that are not bound (bind = 0), the other
 * fields their defaults. */
static weft_pool *unbound_pool(unsigned workers)
{
    weft_config cfg;
    weft_pool *pool;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.bind = 0;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    return pool;
}

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

/* weft_pool_print's output for pool, as a string in text[size]. */
/* A task: stores the calling thread's stack size in *(size_t *)p. */
static void read_stack_size(void *p)
{
    pthread_attr_t attr;
    CHECK_EQ(pthread_getattr_np(pthread_self(), &attr), 0);
    CHECK_EQ(pthread_attr_getstacksize(&attr, (size_t *)p), 0);
    pthread_attr_destroy(&attr);
}

static void print_to(weft_pool *pool, char *text, size_t size)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    CHECK_EQ(weft_pool_print(pool, f), 0);
    long len = ftell(f);
    CHECK(len > 0 && (size_t)len < size);
    rewind(f);
    CHECK_EQ(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
}

/* A 1-worker pool asked for a stack of asked bytes: its worker gets at
 * least at_least, and weft_pool_print shows what it got. */
static void check_stack_shown(size_t asked, size_t at_least)
{
    weft_config cfg;
    weft_pool *pool;
    size_t got = 0;
    char text[4096], want[64];
    weft_config_init(&cfg);
    cfg.workers = 1;
    cfg.stack_size = asked;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_run(pool, read_stack_size, &got), 0);
    CHECK(got >= at_least);
    print_to(pool, text, sizeof text);
    snprintf(want, sizeof want, "  stack size     %zu\n", got);
    if (!strstr(text, want))
        fprintf(stderr, "want \"%s\" in:\n%s", want, text);
    CHECK(strstr(text, want) != NULL);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

static void test_configs(void)
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

    /* bind = 0: nothing bound, nothing failed. */
    pool = unbound_pool(2);
    check_works(pool);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    CHECK_EQ(s.bound, 0);
    CHECK_EQ(s.bind_failures, 0);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    check_unbound_affinity();

    /* A small stack. */
    weft_config_init(&cfg);
    cfg.workers = 2;
    cfg.stack_size = 256 * 1024;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);

    /* A stack below the system's minimum is raised to it, and the dump
     * shows the size the worker got.  A size that is not a multiple of 64
     * bytes: glibc rounds it down.  (glibc, or a sanitizer's runtime, may
     * also reuse a larger stack an ended thread left in its cache.)  The
     * dump showed the size asked for. */
    check_stack_shown(1, (size_t)PTHREAD_STACK_MIN);
    check_stack_shown(100001, 100001 & ~(size_t)63);

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
    /* A long CPU list (every other CPU of a synthetic 1000-core machine,
     * about 2,000 characters) is printed in full. */
    {
        static char list[8192];
        size_t at = 0;
        for (int c = 0; c < 1000; c += 2)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%d",
                                   c ? "," : "", c);
        weft_config_init(&cfg);
        cfg.topology = "core:1000 pu:1";
        cfg.cpuset = list;
        cfg.workers = 1;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        static char text[16384];
        print_to(pool, text, sizeof text);
        CHECK(strstr(text, "  cpuset         0,2,4,") != NULL);
        CHECK(strstr(text, ",996,998 (500 cores) [synthetic topology]\n") != NULL);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    }

    /* A topology string hwloc cannot parse. */
    weft_config_init(&cfg);
    cfg.topology = "this is not a topology";
    pool = SENTINEL;
    int rc = weft_pool_create(&pool, &cfg);
    CHECK(rc == WEFT_ETOPOLOGY || rc == WEFT_EINVAL);
    CHECK(pool == SENTINEL);

    /* weft_pool_print describes the pool: its name, worker count and
     * counters as weft_pool_stats gives them (quiescent), one line per
     * worker. */
    pool = check_pool(2, "print");
    check_works(pool);
    /* Wait until the dump shows both workers parked (they then stay
     * parked: no work), so that the counters read next are those printed. */
    char text[8192];
    for (int i = 0;; i++) {
        print_to(pool, text, sizeof text);
        if (strstr(text, "\n  worker 0: parked, public [") &&
            strstr(text, "\n  worker 1: parked, public ["))
            break;
        CHECK(i < 4000);
        check_sleep_ms(5);
    }
    weft_stats st;
    CHECK_EQ(weft_pool_stats(pool, &st), 0);
    char want[160];
    CHECK(strstr(text, "weft pool 'print'\n") != NULL);
    CHECK(strstr(text, "  workers        2 (") != NULL);
    CHECK(strstr(text, "  deque slots    1048576 per worker\n") != NULL); /* 2^20 */
    CHECK(strstr(text, "  stack size     8388608\n") != NULL);     /* 8 MiB */
    snprintf(want, sizeof want, "  spawned        %" PRIu64 "\n", st.spawned);
    CHECK(strstr(text, want) != NULL);
    snprintf(want, sizeof want, "  steals         %" PRIu64 " (leapfrogs %" PRIu64
             "; local %" PRIu64 ", remote %" PRIu64 ")\n",
             st.steals, st.leapfrogs, st.steals_local, st.steals_remote);
    CHECK(strstr(text, want) != NULL);
    CHECK(strstr(text, "\n  idle           ") != NULL);
    CHECK(strstr(text, "\n  worker 2:") == NULL);
    /* the per-worker steal counts add up to the totals */
    uint64_t sum = 0, sum_remote = 0;
    for (int wi = 0; wi < 2; wi++) {
        char head[32];
        snprintf(head, sizeof head, "\n  worker %d: ", wi);
        const char *line = strstr(text, head);
        CHECK(line != NULL);
        const char *st_at = strstr(line, ", steals ");
        CHECK(st_at != NULL && st_at < strchr(line + 1, '\n'));
        unsigned long long n_steals, n_remote;
        CHECK_EQ(sscanf(st_at, ", steals %llu (remote %llu)", &n_steals, &n_remote), 2);
        sum += n_steals;
        sum_remote += n_remote;
    }
    CHECK_EQ(sum, st.steals);
    CHECK_EQ(sum_remote, st.steals_remote);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* weft_stats.run while a stolen task is still running: every task counted
 * once (run == spawned + injected), not the stolen one twice. */
static int x_started, x_release; /* atomic */
static int x_worker;

static void long_task(void *p)
{
    (void)p;
    x_worker = weft_worker_id();
    __atomic_store_n(&x_started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&x_release, __ATOMIC_ACQUIRE))
        check_sleep_ms(1);
}

static void noop_task(void *p) { (void)p; }

struct stolen_ctx {
    weft_pool *pool;
    weft_stats during;
    int root_worker;
    unsigned dummies;
};

static void stolen_root(void *p)
{
    struct stolen_ctx *c = p;
    c->root_worker = weft_worker_id();
    weft_task x;
    weft_spawn(&x, long_task, NULL);
    /* Spawns make X public when the other worker asks for work; it steals
     * the oldest public task, X. */
    while (!__atomic_load_n(&x_started, __ATOMIC_ACQUIRE)) {
        weft_task d;
        weft_spawn(&d, noop_task, NULL);
        weft_join(&d);
        if (++c->dummies == 100000000u)
            CHECK(!"the long task was never stolen");
    }
    CHECK_EQ(weft_pool_stats(c->pool, &c->during), 0);
    __atomic_store_n(&x_release, 1, __ATOMIC_RELEASE);
    weft_join(&x);
}

static void test_stats_while_stolen(void)
{
    weft_pool *pool = unbound_pool(2);
    struct stolen_ctx c = {pool, {0}, -1, 0};
    CHECK_EQ(weft_pool_run(pool, stolen_root, &c), 0);
    CHECK(x_worker >= 0 && x_worker != c.root_worker); /* X was stolen */
    CHECK_EQ(c.during.steals, 1);
    CHECK_EQ(c.during.spawned, 1 + (uint64_t)c.dummies);
    CHECK_EQ(c.during.injected, 1);
    CHECK_EQ(c.during.run, c.during.spawned + c.during.injected);
    weft_stats after = check_stats_settle(pool, 2 + (uint64_t)c.dummies);
    CHECK_EQ(after.run, after.spawned + after.injected);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* The child of test_foreign_topology: the default pool, under a foreign
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
    return check_done("test-api foreign-child");
}

/* The description names no CPU of this process: WEFT_ENOCPU, not a pool
 * bound outside the process's CPUs. */
static int foreign_none(void)
{
    weft_pool *pool = SENTINEL;
    CHECK_EQ(weft_pool_create(&pool, NULL), WEFT_ENOCPU);
    CHECK(pool == SENTINEL);
    return check_done("test-api foreign-none");
}

extern char **environ;

/* Runs this program as `test-api mode` in a child process whose
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
    char *argv[] = {(char *)"test-api", (char *)mode, NULL};
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

static void test_foreign_topology(void)
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

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "foreign-child") == 0)
        return foreign_child();
    if (argc > 1 && strcmp(argv[1], "foreign-none") == 0)
        return foreign_none();
    test_foreign_topology();
    printf("  $HWLOC_SYNTHETIC (hwloc's foreign topology): ok\n");
    int threads0 = check_thread_baseline();
    test_config_defaults();
    printf("  config defaults: ok\n");
    test_bad_arguments();
    printf("  bad arguments: ok\n");
    test_destroy_from_worker();
    printf("  destroy from a worker: ok\n");
    test_strerror();
    printf("  weft_strerror: ok\n");
    test_ids();
    printf("  worker ids: ok\n");
    test_env_workers();
    printf("  WEFT_WORKERS: ok\n");
    test_thread_names();
    printf("  thread names: ok\n");
    test_configs();
    printf("  cpuset, bind, stack, topology, print: ok\n");
    test_stats_while_stolen();
    printf("  stats while a stolen task runs: ok\n");
    CHECK_EQ(check_thread_count_settle(threads0), threads0);
    return check_done("test-api");
}

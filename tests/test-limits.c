/*
 * test-limits - the limits of weft_config.topology, and the misuse that a
 * build without WEFT_CHECKED (the inline checks compiled out) still
 * detects, as docs/api.md lists it.  Built with -UWEFT_CHECKED
 * (tests/CMakeLists.txt).
 *
 * Topology: descriptions of more than 2048 PUs, 1024 on one level or 8192
 * objects are WEFT_ERANGE at once, before hwloc would spend seconds and
 * gigabytes on them ("pack:64 core:64 pu:16", "pack:256 core:256 pu:4");
 * descriptions at each limit load; an item without a count is WEFT_EINVAL,
 * as before.
 *
 * Misuse: each case runs on a fresh pool in a forked child (forked before
 * this process starts any thread) whose stderr comes back through a pipe;
 * it must die of SIGABRT with the rule's text on stderr.  The undetected
 * misuses that docs/api.md names (an out-of-order generic join of private
 * tasks) are checked to run silently, so that the page stays true.
 *
 * Each case is a case_<name>(argc, argv) function, called in order by main.
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "weft.h"

#if WEFT_CHECKS
#error "test-limits tests a release build: compile it without WEFT_CHECKED"
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* weft_pool_create with one worker on the synthetic topology; destroys the
 * pool if there is one.  Returns the code. */
static int create_on(const char *topology)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = 1;
    cfg.topology = topology;
    weft_pool *pool = NULL;
    double t0 = now_s();
    int rc = weft_pool_create(&pool, &cfg);
    printf("  \"%s\": %s (%.3f s)\n", topology, weft_strerror(rc),
           now_s() - t0);
    if (rc == 0) {
        CHECK(pool != NULL);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    } else {
        CHECK(pool == NULL);
    }
    return rc;
}

/* Past a limit: WEFT_ERANGE, hwloc never called. */
static void case_topology_refused(int argc, char **argv)
{
    (void)argc, (void)argv;
    CHECK_EQ(create_on("pack:64 core:64 pu:16"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:256 core:256 pu:4"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:3 core:683 pu:1"), WEFT_ERANGE); /* 2049 PUs */
    CHECK_EQ(create_on("pack:2 core:512 pu:3"), WEFT_ERANGE); /* 3072 */
    CHECK_EQ(create_on("core:1025 pu:1"), WEFT_ERANGE);       /* a level */
    CHECK_EQ(create_on("2 1025"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:99999999999999999999 pu:1"), WEFT_ERANGE);
    /* 1024 + 1024 + 1024 + 2048 + 2048 + 2048 = 9216 objects */
    CHECK_EQ(create_on("pack:1024 l3:1 l2:1 core:2 l1:1 pu:1"), WEFT_ERANGE);
    /* memory children count: 1024 + 1024 [numa] + ... = 8194 */
    CHECK_EQ(create_on("pack:1024 [numa] l2:1 core:2 l1:1 pu:1"), WEFT_ERANGE);
    CHECK_EQ(weft_strerror(WEFT_ERANGE) != NULL, 1);
    CHECK(strstr(weft_strerror(WEFT_ERANGE), "topology") != NULL);
}

/* At each limit and just below: loads. */
static void case_topology_at_limit(int argc, char **argv)
{
    (void)argc, (void)argv;
    CHECK_EQ(create_on("pack:2 core:1024 pu:1"), 0);   /* 2048 PUs, 1024 */
    CHECK_EQ(create_on("pack:2 core:1023 pu:1"), 0);   /* just below */
    CHECK_EQ(create_on("pack:4 core:256 pu:2"), 0);
    CHECK_EQ(create_on("core:1000 pu:1"), 0);
    CHECK_EQ(create_on("2 1024"), 0);
    /* 1024 + 1024 + 2048 + 2048 + 2048 = 8192 objects */
    CHECK_EQ(create_on("pack:1024 l2:1 core:2 l1:1 pu:1"), 0);
    CHECK_EQ(create_on("pack:2 [numa] core:2 pu:2(indexes=0,2,1,3,4,6,5,7)"),
             0);
    CHECK_EQ(create_on("pack:2 core:2(memory=1GB) pu:1"), 0);
}

/* Strings that do not parse: WEFT_EINVAL, as before the size check. */
static void case_topology_malformed(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *bad[] = {"",       "banana",          "pack:2 core:",
                         "pack:x", "pack:2 core:2 x", "pack:2 core:2(",
                         "pack:2 [numa core:2 pu:1", "pack:0 pu:1",
                         "this is not a topology"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(create_on(bad[i]), WEFT_EINVAL);
}

/* ---- misuse in a release build ------------------------------------------ */

static void noop(void *p) { (void)p; }

static void count(void *p) { __atomic_fetch_add((int *)p, 1, __ATOMIC_RELAXED); }

WEFT_TASK_1(int, twice, int, n) { return 2 * n; }

/* Runs fn on a fresh pool of `workers` in a child; returns its wait status
 * and its stderr in err. */
static int in_child(weft_fn fn, unsigned workers, char *err, size_t errsz)
{
    struct check_child_run c = {fn, workers, 0};
    return check_in_child(check_child_run, &c, err, errsz);
}

/* with 1 and with 2 workers, or 1 only where max_workers is 1 */
static void expect_abort_w(const char *what, weft_fn fn, unsigned max_workers,
                           const char *rule)
{
    for (unsigned workers = 1; workers <= max_workers; workers++) {
        char err[8192];
        int status = in_child(fn, workers, err, sizeof err);
        int aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        if (!aborted || !strstr(err, rule))
            fprintf(stderr, "%s (workers=%u): status %#x, stderr:\n%s\n", what,
                    workers, (unsigned)status, err);
        CHECK(aborted);
        CHECK(strstr(err, rule) != NULL);
        printf("  %s, %u worker(s): aborted naming \"%s\"\n", what, workers,
               rule);
    }
}

static void expect_abort(const char *what, weft_fn fn, const char *rule)
{
    expect_abort_w(what, fn, 2, rule);
}

static void join_unspawned(void *p)
{
    (void)p;
    weft_task t;
    weft_join(&t);
}

static void join_twice(void *p)
{
    (void)p;
    weft_task t;
    weft_spawn(&t, noop, NULL);
    weft_join(&t);
    weft_join(&t);
}

static void typed_join_unspawned(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    twice_join(&c);
}

/* A typed join with only a generic task pending in its context. */
static void typed_join_over_generic(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    weft_task t;
    weft_spawn(&t, noop, NULL);
    twice_join(&c);
    weft_join(&t);
}

/* The case: a typed spawn, a generic spawn, the typed join (its
 * fast path takes the slot below the generic task), the generic join. */
static void typed_join_over_later_generic(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    weft_task t;
    twice_spawn(&c, 1);
    weft_spawn(&t, noop, NULL);
    CHECK_EQ(twice_join(&c), 2);
    weft_join(&t);
}

/* A typed spawn over a pending generic task: it writes the generic task's
 * slot (1 worker only: with 2, a thief may take the generic task first). */
static void typed_spawn_over_generic(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    weft_task t;
    weft_spawn(&t, noop, NULL);
    twice_spawn(&c, 1);
    CHECK_EQ(twice_join(&c), 2);
    weft_join(&t);
}

/* The function of weft_pool_run (a submitted task) returns with a task
 * pending. */
static void return_with_generic_pending(void *p)
{
    (void)p;
    static weft_task t;
    weft_spawn(&t, noop, NULL);
}

static void return_with_typed_pending(void *p)
{
    (void)p;
    weft_ctx c = weft_ctx_of(weft_self());
    twice_spawn(&c, 1);
}

static void case_release_misuse(int argc, char **argv)
{
    (void)argc, (void)argv;
    expect_abort("generic join without spawn", join_unspawned,
                 "weft_join: no task of this worker is pending (join without "
                 "spawn, or joined twice)");
    expect_abort("generic join twice", join_twice,
                 "weft_join: no task of this worker is pending (join without "
                 "spawn, or joined twice)");
    expect_abort("typed join without spawn", typed_join_unspawned,
                 "typed join: no task of this worker is pending");
    expect_abort("typed join over a generic spawn", typed_join_over_generic,
                 "typed join: a generic task spawned in this body is still "
                 "pending");
    expect_abort("typed join, then the generic one spawned after it",
                 typed_join_over_later_generic,
                 "typed join: a generic task spawned in this body is still "
                 "pending");
    expect_abort_w("typed spawn over a generic spawn", typed_spawn_over_generic,
                   1,
                   "a typed spawn or join ran while this generic task was "
                   "pending");
    expect_abort("submitted task returns with a generic spawn pending",
                 return_with_generic_pending,
                 "a task returned without joining every task it spawned");
    expect_abort("submitted task returns with a typed spawn pending",
                 return_with_typed_pending,
                 "a task returned without joining every task it spawned");
}

/* Generic joins in spawn order, of private tasks: not detected in a
 * release build; each join runs the youngest task, so both run. */
static void out_of_order(void *p)
{
    int *ran = (int *)p;
    weft_task a, b;
    weft_spawn(&a, count, ran);
    weft_spawn(&b, count, ran);
    weft_join(&a);
    weft_join(&b);
}

static void case_release_undetected(int argc, char **argv)
{
    (void)argc, (void)argv;
    weft_pool *pool = check_pool(1, "limits");
    int ran = 0;
    CHECK_EQ(weft_pool_run(pool, out_of_order, &ran), 0);
    CHECK_EQ(ran, 2);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    printf("  out-of-order generic join, 1 worker: both tasks ran, no "
           "abort\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* the forking cases first: this process has no thread yet */
    case_release_misuse(argc, argv);
    case_topology_refused(argc, argv);
    case_topology_at_limit(argc, argv);
    case_topology_malformed(argc, argv);
    case_release_undetected(argc, argv);
    return check_done("test-limits");
}

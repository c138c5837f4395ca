/*
 * test-api-config - configuration and errors of the public API.
 *
 *  defaults             weft_config_init() sets every field to its default.
 *  bad-arguments        Every bad argument returns its code and changes
 *                       nothing: the out pointer is untouched, no thread is
 *                       left behind.
 *  destroy-from-worker  weft_pool_destroy() from one of the pool's own
 *                       workers returns WEFT_EDEADLK and the pool keeps
 *                       working.
 *  strerror             weft_strerror(): a distinct non-empty string per
 *                       code, and a string for 0 and for unknown values.
 *  env-workers          $WEFT_WORKERS sets the default worker count; bad
 *                       values give their exact codes, an empty one counts
 *                       as unset.
 *  stack                A small stack; a stack below the system's minimum
 *                       is raised to it, and weft_pool_print() shows the
 *                       size the worker got.
 * After the cases no thread is left (/proc/self/task).
 *
 * Usage: test-api-config [CASE]   (test-api-config --list names the cases)
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

static void noop(void *p) { (void)p; }
static void set_one(void *p) { *(int *)p = 1; }

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

CHECK_CASE(test_config_defaults)
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

CHECK_CASE(test_bad_arguments)
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

CHECK_CASE(test_destroy_from_worker)
{
    weft_pool *pool = check_pool(2, "self");
    struct self_destroy d = {pool, 1, 1};
    CHECK_EQ(weft_pool_run(pool, destroy_self, &d), 0);
    CHECK_EQ(d.rc_run, WEFT_EDEADLK);
    CHECK_EQ(d.rc_task, WEFT_EDEADLK);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

CHECK_CASE(test_strerror)
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

/* In a child: spawns from outside with a malformed $WEFT_WORKERS, twice
 * (the default pool cannot be created: the tasks run on this thread). */
static int child_bad_env(void *p)
{
    (void)p;
    if (setenv("WEFT_WORKERS", "abc", 1) != 0)
        return 3;
    for (int i = 0; i < 2; i++) {
        int x = 0;
        weft_task t;
        weft_spawn(&t, set_one, &x);
        weft_join(&t);
        if (x != 1)
            return 4;
    }
    return weft_default_pool() == NULL ? 0 : 5;
}

CHECK_CASE(test_env_workers)
{
    /* A bad $WEFT_WORKERS is said once on stderr, naming the value. */
    char err[4096];
    int status = check_in_child(child_bad_env, NULL, err, sizeof err);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    const char *msg = "weft: the default pool cannot be created "
                      "(WEFT_EINVAL: invalid argument): $WEFT_WORKERS=\"abc\"";
    const char *at = strstr(err, msg);
    if (!at)
        fprintf(stderr, "child's stderr:\n%s\n", err);
    CHECK(at != NULL);
    CHECK(strstr(at + 1, "weft: the default pool") == NULL); /* once */

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

/* A task: stores the calling thread's stack size in *(size_t *)p. */
static void read_stack_size(void *p)
{
    pthread_attr_t attr;
    CHECK_EQ(pthread_getattr_np(pthread_self(), &attr), 0);
    CHECK_EQ(pthread_attr_getstacksize(&attr, (size_t *)p), 0);
    pthread_attr_destroy(&attr);
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

CHECK_CASE(test_stack)
{
    weft_config cfg;
    weft_pool *pool;

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
}

static const struct check_case cases[] = {
    {"defaults", test_config_defaults, 0},
    {"bad-arguments", test_bad_arguments, 0},
    {"destroy-from-worker", test_destroy_from_worker, 0},
    {"strerror", test_strerror, 0},
    {"env-workers", test_env_workers, 0},
    {"stack", test_stack, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {
    "test-api-config", "", api_count_threads, api_no_thread_left, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

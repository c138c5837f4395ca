/*
 * test-fib - fork-join fib(n) through every spawn/join form of the API:
 * the generic form (argument struct, weft_spawn/weft_join), the typed form
 * (WEFT_TASK_1; WEFT_TASK_2 returning void), the explicit-worker form (weft_worker_spawn /
 * weft_worker_join_inline) and weft_join2.  Each result is compared with a
 * serial fib, and the pool's counters with the exact number of tasks the
 * recursion spawns.
 *
 * Usage: test-fib WORKERS [N]   (N defaults to 27)
 */
#include <stdint.h>

#include "check.h"
#include "weft.h"

static long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }

/* Tasks spawned by one fork-join fib(n): one per call with n >= 2. */
static uint64_t fib_spawns(int n) { return n < 2 ? 0 : 1 + fib_spawns(n - 1) + fib_spawns(n - 2); }

/* ---- generic form ---- */

struct fib_arg {
    int n;
    long r;
};

static void fib_generic(void *p)
{
    struct fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    struct fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_task t;
    weft_spawn(&t, fib_generic, &x);
    fib_generic(&y);
    weft_join(&t);
    a->r = x.r + y.r;
}

/* ---- typed form ---- */

WEFT_TASK_1(long, tfib, int, n)
{
    if (n < 2)
        return n;
    tfib_spawn(w, n - 1);
    long b = tfib_call(w, n - 2);
    return tfib_join(w) + b;
}

static void tfib_entry(void *p)
{
    struct fib_arg *a = p;
    CHECK(weft_self() != NULL);
    a->r = tfib_run(weft_self(), a->n);
}

/* A typed task returning void (its result through a pointer), and one
 * returning void *, which is a value, not void. */
WEFT_TASK_2(void, vfib, int, n, long *, out)
{
    if (n < 2) {
        *out = n;
        return;
    }
    long a, b;
    vfib_spawn(w, n - 1, &a);
    vfib_call(w, n - 2, &b);
    vfib_join(w);
    *out = a + b;
}

WEFT_TASK_1(void *, ident, void *, p) { return p; }

static void vfib_entry(void *p)
{
    struct fib_arg *a = p;
    CHECK(ident_run(weft_self(), a) == (void *)a);
    vfib_run(weft_self(), a->n, &a->r);
}

/* ---- explicit-worker form ---- */

static void fib_worker_form(void *p)
{
    struct fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    weft_worker *w = weft_self();
    struct fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_task t;
    weft_worker_spawn(w, &t, fib_worker_form, &x);
    fib_worker_form(&y);
    if (weft_worker_join_inline(w, &t))
        fib_worker_form(&x);
    a->r = x.r + y.r;
}

/* ---- weft_join2 ---- */

static void fib_join2(void *p)
{
    struct fib_arg *a = p;
    if (a->n < 2) {
        a->r = a->n;
        return;
    }
    struct fib_arg x = {a->n - 1, 0}, y = {a->n - 2, 0};
    weft_join2(fib_join2, &x, fib_join2, &y);
    a->r = x.r + y.r;
}

/* Runs fn on a fresh pool and checks the result and the counters. */
static void run_one(const char *what, unsigned workers, weft_fn fn, int n,
                    int check_stats)
{
    weft_pool *pool = check_pool(workers, "fib");
    struct fib_arg a = {n, -1};
    CHECK_EQ(weft_pool_run(pool, fn, &a), 0);
    CHECK_EQ(a.r, fib_serial(n));

    /* A second run on the same pool: counters accumulate. */
    struct fib_arg b = {n - 1, -1};
    CHECK_EQ(weft_pool_run(pool, fn, &b), 0);
    CHECK_EQ(b.r, fib_serial(n - 1));

    uint64_t spawns = fib_spawns(n) + fib_spawns(n - 1);
    weft_stats s = check_stats_settle(pool, spawns + 2);
    printf("  %-8s workers=%u fib(%d)=%ld spawned=%" PRIu64 " run=%" PRIu64
           " steals=%" PRIu64 " leapfrogs=%" PRIu64 " injected=%" PRIu64
           " parks=%" PRIu64 "\n",
           what, workers, n, a.r, s.spawned, s.run, s.steals, s.leapfrogs,
           s.injected, s.parks);
    CHECK_EQ(s.workers, workers);
    CHECK(s.steals <= s.spawned);
    CHECK(s.leapfrogs <= s.steals);
    CHECK_EQ(s.run, s.spawned + s.injected);
    if (check_stats) {
        CHECK_EQ(s.spawned, spawns);
        CHECK_EQ(s.run, spawns + 2);
        CHECK_EQ(s.injected, 2);
    }
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

CHECK_CASE(fib_case)
{
    unsigned workers = (unsigned)check_arg(argc, argv, 1, 2);
    int n = (int)check_arg(argc, argv, 2, 27);
    printf("test-fib: workers=%u n=%d, misuse checks %s\n", workers, n,
           WEFT_CHECKS ? "on" : "off");
#ifdef WEFT_TEST_EXPECT_CHECKS
    /* (test-fib-nocheck: built without NDEBUG and without WEFT_CHECKED, as
     * the README's line builds a program: the fast paths carry no check) */
    CHECK_EQ(WEFT_CHECKS, WEFT_TEST_EXPECT_CHECKS);
#endif

    run_one("generic", workers, fib_generic, n, 1);
    run_one("typed", workers, tfib_entry, n, 1);
    run_one("void", workers, vfib_entry, n, 1);
    run_one("worker", workers, fib_worker_form, n, 1);
    /* weft_join2 spawns one of its two halves on a worker: the same count. */
    run_one("join2", workers, fib_join2, n, 1);

    /* Small n, all forms, one pool: the edge cases n = 0, 1, 2. */
    weft_pool *pool = check_pool(workers, "fib");
    for (int k = 0; k <= 12; k++) {
        weft_fn fns[] = {fib_generic, tfib_entry, vfib_entry, fib_worker_form,
                         fib_join2};
        for (unsigned i = 0; i < sizeof fns / sizeof fns[0]; i++) {
            struct fib_arg a = {k, -1};
            CHECK_EQ(weft_pool_run(pool, fns[i], &a), 0);
            CHECK_EQ(a.r, fib_serial(k));
        }
    }
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* One case: CTest runs the program whole (fib-w<n>). */
static const struct check_case cases[] = {
    {"fib", fib_case, 0},
    {NULL, NULL, 0},
};

static const struct check_program program = {"test-fib", "WORKERS [N]", NULL, NULL, cases};

int main(int argc, char **argv)
{
    return check_main(&program, argc, argv);
}

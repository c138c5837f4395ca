/*
 * test-cxx-exceptions - weft.hpp: an exception thrown in a task of a
 * weft::task_group is rethrown by its wait() after every task is joined,
 * one thrown by the function of weft::pool_run after weft_pool_run has
 * returned; and an exception leaving a plain weft task (no weft.hpp) ends
 * the process with std::terminate (SIGABRT).
 *
 * Usage: test-cxx-exceptions WORKERS.  Each case is a case_<name>(argc,
 * argv) function, called in order by main (the forking case first, before
 * this process starts any thread).  The counts are exact: every task of a
 * group runs, to its end or to its exception.
 */
#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>
#include <string>

#include "check.h"
#include "weft.hpp"

static unsigned workers_of(int argc, char **argv)
{
    return (unsigned)check_arg(argc, argv, 1, 2);
}

/* A pool of the test's worker count. */
static weft_pool *make_pool(int argc, char **argv)
{
    return check_pool(workers_of(argc, argv), "cxx-exc");
}

static void bump(int *n) { __atomic_fetch_add(n, 1, __ATOMIC_RELAXED); }

static long fib_group(int n)
{
    if (n < 2)
        return n;
    long a = 0, b = 0;
    weft::task_group g;
    g.run([&a, n] { a = fib_group(n - 1); });
    b = fib_group(n - 2);
    g.wait();
    return a + b;
}

/* A plain weft task (the C API) that throws. */
static void plain_thrower(void *p)
{
    (void)p;
    throw std::runtime_error("escaped");
}

/* An exception leaving a plain task run by weft_pool_run from outside: the
 * task runs on a worker, whose stack holds no handler: std::terminate.
 * The child's handler below must not see it. */
static int plain_child(void *p)
{
    unsigned workers = *(unsigned *)p;
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    weft_pool *pool;
    if (weft_pool_create(&pool, &cfg) != 0)
        return 3;
    try {
        weft_pool_run(pool, plain_thrower, NULL);
    } catch (...) {
        return 4; /* it must not reach the caller */
    }
    return 0;
}

static void case_plain_task_terminates(int argc, char **argv)
{
    unsigned workers = workers_of(argc, argv);
    char err[4096];
    int status = check_in_child(plain_child, &workers, err, sizeof err);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT))
        fprintf(stderr, "status %#x, stderr:\n%s\n", (unsigned)status, err);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK(strstr(err, "terminate") != NULL);
    printf("  plain task: std::terminate (SIGABRT)\n");
}

/* No exception: results as without the layer. */
static void case_no_exception(int argc, char **argv)
{
    weft_pool *pool = make_pool(argc, argv);
    long r = 0;
    CHECK_EQ(weft::pool_run(pool, [&r] { r = fib_group(20); }), 0);
    CHECK_EQ(r, 6765);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* One child throws: wait() rethrows it; the other child ran. */
static void case_one_child(int argc, char **argv)
{
    weft_pool *pool = make_pool(argc, argv);
    int ran = 0, caught = 0;
    CHECK_EQ(weft::pool_run(pool,
                            [&] {
                                weft::task_group g;
                                g.run([&] { bump(&ran); });
                                g.run([&] {
                                    bump(&ran);
                                    throw std::runtime_error("child");
                                });
                                g.run([&] { bump(&ran); });
                                try {
                                    g.wait();
                                } catch (const std::runtime_error &e) {
                                    CHECK(std::string(e.what()) == "child");
                                    caught++;
                                }
                                g.wait(); /* nothing left: no throw */
                            }),
             0);
    CHECK_EQ(ran, 3);
    CHECK_EQ(caught, 1);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* Several children throw: one of their exceptions is rethrown, after
 * every child ran. */
static void case_several_children(int argc, char **argv)
{
    enum { N = 64 };
    weft_pool *pool = make_pool(argc, argv);
    int ran = 0, thrown = -1;
    CHECK_EQ(weft::pool_run(pool,
                            [&] {
                                weft::task_group g;
                                for (int i = 0; i < N; i++)
                                    g.run([&ran, i] {
                                        fib_group(10);
                                        bump(&ran);
                                        if (i % 3 == 0)
                                            throw i;
                                    });
                                try {
                                    g.wait();
                                } catch (int i) {
                                    thrown = i;
                                }
                            }),
             0);
    CHECK_EQ(ran, N);
    CHECK(thrown >= 0 && thrown < N && thrown % 3 == 0);
    /* With one worker nothing is stolen: wait() joins the youngest first,
     * and the first exception is the youngest thrower's. */
    if (workers_of(argc, argv) == 1)
        CHECK_EQ(thrown, 63);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* A child's own group rethrows a grandchild's exception out of the child,
 * into the outer group, whose wait rethrows it. */
static void case_nested(int argc, char **argv)
{
    weft_pool *pool = make_pool(argc, argv);
    int ran = 0;
    std::string what;
    CHECK_EQ(weft::pool_run(pool,
                            [&] {
                                weft::task_group outer;
                                outer.run([&] {
                                    weft::task_group inner;
                                    inner.run([&] { bump(&ran); });
                                    inner.run([&] {
                                        bump(&ran);
                                        throw std::logic_error("grandchild");
                                    });
                                    inner.wait();
                                    bump(&ran); /* not reached */
                                });
                                outer.run([&] { bump(&ran); });
                                try {
                                    outer.wait();
                                } catch (const std::logic_error &e) {
                                    what = e.what();
                                }
                            }),
             0);
    CHECK(what == "grandchild");
    CHECK_EQ(ran, 3);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* The group's owner throws with tasks pending: the destructor joins them
 * during the unwinding, and their exceptions are dropped. */
static void case_owner_throws(int argc, char **argv)
{
    weft_pool *pool = make_pool(argc, argv);
    int ran = 0, caught = 0;
    CHECK_EQ(weft::pool_run(pool,
                            [&] {
                                try {
                                    weft::task_group g;
                                    g.run([&] { bump(&ran); });
                                    g.run([&] {
                                        bump(&ran);
                                        throw 1;
                                    });
                                    throw std::runtime_error("owner");
                                } catch (const std::runtime_error &) {
                                    caught++;
                                }
                            }),
             0);
    CHECK_EQ(ran, 2);
    CHECK_EQ(caught, 1);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* weft::pool_run from outside any pool: the exception comes back to the
 * caller, and the pool goes on working. */
static void case_pool_run_outside(int argc, char **argv)
{
    weft_pool *pool = make_pool(argc, argv);
    int caught = 0;
    try {
        weft::pool_run(pool, [] { throw std::runtime_error("run"); });
    } catch (const std::runtime_error &e) {
        CHECK(std::string(e.what()) == "run");
        caught++;
    }
    CHECK_EQ(caught, 1);
    long r = 0;
    CHECK_EQ(weft::pool_run(pool, [&r] { r = fib_group(15); }), 0);
    CHECK_EQ(r, 610);
    CHECK_EQ(weft::pool_run(NULL, [] {}), WEFT_EINVAL);
    CHECK_EQ(weft_pool_destroy(pool), 0);
}

/* weft::pool_run from a worker of another pool (which helps its own pool
 * while it waits), and from a worker of the pool itself (inline). */
static void case_pool_run_nested(int argc, char **argv)
{
    weft_pool *a = make_pool(argc, argv);
    weft_pool *b = make_pool(argc, argv);
    int caught = 0;
    CHECK_EQ(weft::pool_run(a,
                            [&] {
                                weft::task_group g;
                                for (int i = 0; i < 4; i++)
                                    g.run([&, i] {
                                        try {
                                            weft::pool_run(
                                                i % 2 ? a : b,
                                                [i] { throw i; });
                                        } catch (int k) {
                                            CHECK_EQ(k, i);
                                            bump(&caught);
                                        }
                                    });
                                g.wait();
                            }),
             0);
    CHECK_EQ(caught, 4);
    CHECK_EQ(weft_pool_destroy(b), 0);
    CHECK_EQ(weft_pool_destroy(a), 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    case_plain_task_terminates(argc, argv);
    case_no_exception(argc, argv);
    case_one_child(argc, argv);
    case_several_children(argc, argv);
    case_nested(argc, argv);
    case_owner_throws(argc, argv);
    case_pool_run_outside(argc, argv);
    case_pool_run_nested(argc, argv);
    return check_done("test-cxx-exceptions");
}

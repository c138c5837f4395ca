/*
 * test-cxx - weft.h compiles as C++ and works from C++: a typed task
 * (WEFT_TASK_2, its full-deque path included: the pool has 64-slot
 * deques and the tree spawns 100 children at its root; and one returning
 * void), the generic API and
 * weft_join2, each compared with the serial answer.
 *
 * Usage: test-cxx WORKERS
 */
#include <cstdio>
#include <cstdlib>

#include "weft.h"

static long fib_serial(int n) { return n < 2 ? n : fib_serial(n - 1) + fib_serial(n - 2); }

WEFT_TASK_2(long, cfib, int, n, int, fan)
{
    if (n < 2)
        return n;
    /* fan extra children at the top, to overflow the deque */
    for (int i = 0; i < fan; i++)
        cfib_spawn(w, 10, 0);
    cfib_spawn(w, n - 1, 0);
    long r = cfib_call(w, n - 2, 0) + cfib_join(w);
    for (int i = 0; i < fan; i++)
        r += cfib_join(w) - 55;
    return r;
}

struct job {
    int n;
    long r;
};

/* A typed task returning void, with the deque's full-deque path too. */
WEFT_TASK_2(void, vfib, int, n, long *, out)
{
    if (n < 2) {
        *out = n;
        return;
    }
    long a, b, extra[100];
    for (int i = 0; i < 100 && n > 20; i++)
        vfib_spawn(w, 10, &extra[i]);
    vfib_spawn(w, n - 1, &a);
    vfib_call(w, n - 2, &b);
    vfib_join(w);
    for (int i = 100; i-- > 0 && n > 20;) {
        vfib_join(w);
        b += extra[i] - 55;
    }
    *out = a + b;
}

static void void_entry(void *p)
{
    job *j = static_cast<job *>(p);
    vfib_run(weft_self(), j->n, &j->r);
}

static void typed_entry(void *p)
{
    job *j = static_cast<job *>(p);
    j->r = cfib_run(weft_self(), j->n, 100);
}

static void gfib(void *p)
{
    job *j = static_cast<job *>(p);
    if (j->n < 2) {
        j->r = j->n;
        return;
    }
    job x = {j->n - 1, 0}, y = {j->n - 2, 0};
    weft_task t;
    weft_spawn(&t, gfib, &x);
    gfib(&y);
    weft_join(&t);
    j->r = x.r + y.r;
}

static void both(void *p)
{
    job *j = static_cast<job *>(p);
    job x = {j->n - 1, 0}, y = {j->n - 2, 0};
    weft_join2(gfib, &x, gfib, &y);
    j->r = x.r + y.r;
}

static int failures;

static void expect(const char *what, long got, long want)
{
    std::printf("  %-8s %ld (want %ld)\n", what, got, want);
    if (got != want)
        failures++;
}

int main(int argc, char **argv)
{
    unsigned workers = argc > 1 ? (unsigned)std::atoi(argv[1]) : 2;
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    cfg.deque_slots = 64;
    weft_pool *pool = nullptr;
    int rc = weft_pool_create(&pool, &cfg);
    if (rc != 0) {
        std::fprintf(stderr, "weft_pool_create: %s\n", weft_strerror(rc));
        return 1;
    }
    std::printf("test-cxx: workers=%u\n", workers);
    for (int n = 0; n <= 22; n += 11) {
        job t = {n, -1}, g = {n, -1};
        weft_pool_run(pool, typed_entry, &t);
        weft_pool_run(pool, gfib, &g);
        expect("typed", t.r, fib_serial(n));
        expect("generic", g.r, fib_serial(n));
        job v = {n, -1};
        weft_pool_run(pool, void_entry, &v);
        expect("void", v.r, fib_serial(n));
        if (n >= 2) {
            job b = {n, -1};
            weft_pool_run(pool, both, &b);
            expect("join2", b.r, fib_serial(n));
        }
    }
    if (weft_pool_destroy(pool) != 0)
        failures++;
    std::printf("test-cxx: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}

/*
 * test-loop.c - weft_for and weft_reduce: coverage (every index exactly
 * once, chunks within the grain), uneven iterations, nesting, loops from
 * outside threads, exact reductions (integer sums, a histogram, a
 * non-commutative product), deterministic floating-point sums
 * bit-identical across worker counts, early exit, re-entry 2,000 deep, and
 * bad input.
 *
 * Usage: test-loop CASE WORKERS [N]
 *   WORKERS  the pool's workers (and the default pool's: CTest sets
 *            $WEFT_WORKERS to the same count for the -outside cases)
 *   N        the largest loop (default 10^7)
 * Cases named *-outside call the API from the main thread, outside any
 * pool (the default pool); the others call it inside weft_pool_run.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "check.h"
#include "weft.h"

static weft_pool *pool;
static unsigned workers;
static size_t big;

static void setup(int argc, char **argv)
{
    workers = (unsigned)check_arg(argc, argv, 1, 2);
    big = (size_t)check_arg(argc, argv, 2, 10000000);
    pool = check_pool(workers, "loop");
}

static void teardown(void) { CHECK_EQ(weft_pool_destroy(pool), 0); }

/* Runs fn(arg) on the pool (inside: 1) or on the calling thread. */
static void run(int inside, weft_fn fn, void *arg)
{
    if (inside)
        CHECK_EQ(weft_pool_run(pool, fn, arg), 0);
    else
        fn(arg);
}

/* ---- coverage ----------------------------------------------------------- */

struct cover {
    size_t begin, end, grain;
    unsigned char *seen; /* seen[i - begin]: times index i was processed */
    size_t chunks;
    int bad; /* a chunk out of range, empty or over the grain */
    int rc;
    pthread_t caller;
    int elsewhere;      /* a chunk ran on a thread other than the caller */
    size_t pool_chunks; /* chunks that ran on a worker of a pool */
};

static int cover_body(size_t lo, size_t hi, void *p)
{
    struct cover *c = p;
    if (lo >= hi || lo < c->begin || hi > c->end ||
        (c->grain && hi - lo > c->grain))
        __atomic_store_n(&c->bad, 1, __ATOMIC_RELAXED);
    for (size_t i = lo; i < hi && i < c->end; i++)
        __atomic_fetch_add(&c->seen[i - c->begin], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&c->chunks, 1, __ATOMIC_RELAXED);
    if (!pthread_equal(pthread_self(), c->caller))
        __atomic_store_n(&c->elsewhere, 1, __ATOMIC_RELAXED);
    if (weft_current_pool())
        __atomic_fetch_add(&c->pool_chunks, 1, __ATOMIC_RELAXED);
    return 0;
}

static void cover_run(void *p)
{
    struct cover *c = p;
    c->rc = weft_for(c->begin, c->end, c->grain, cover_body, c);
}

static void cover_run_here(void *p)
{
    struct cover *c = p;
    c->caller = pthread_self();
    cover_run(c);
}

static void cover_one(int inside, size_t begin, size_t n, size_t grain)
{
    struct cover c = {begin, begin + n, grain, calloc(n ? n : 1, 1),
                      0,     0,         1,     pthread_self(),
                      0,     0};
    CHECK(c.seen != NULL);
    if (inside) /* the caller is the worker that runs cover_run */
        CHECK_EQ(weft_pool_run(pool, cover_run_here, &c), 0);
    else
        cover_run(&c);
    CHECK_EQ(c.rc, 0);
    CHECK_EQ(c.bad, 0);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++)
        wrong += c.seen[i] != 1;
    CHECK_EQ(wrong, 0);
    if (grain)
        CHECK(c.chunks >= n / grain + (n % grain != 0));
    if (n && (grain == 0 ? workers == 1 : n <= grain))
        CHECK_EQ(c.chunks, 1); /* one direct call */
    if (inside && n && n <= grain)
        CHECK_EQ(c.elsewhere, 0); /* on the calling worker */
    if (!inside && n)
        CHECK_EQ(c.pool_chunks, c.chunks); /* on the default pool */
    free(c.seen);
}

static void coverage(int inside)
{
    static const size_t grains[] = {0, 1, 1000};
    static const size_t begins[] = {0, 12345, (size_t)1 << 40,
                                    SIZE_MAX - ((size_t)1 << 25)};
    for (unsigned gi = 0; gi < 3; gi++) {
        size_t g = grains[gi], gg = g ? g : 1000;
        size_t sizes[] = {0, 1, 2, gg - 1, gg, gg + 1, 100000, big};
        for (unsigned bi = 0; bi < 4; bi++)
            for (unsigned si = 0; si < sizeof sizes / sizeof *sizes; si++) {
                if (sizes[si] == big && (bi != 2 || g == 1000))
                    continue; /* the big one once per grain 0 and 1 */
                cover_one(inside, begins[bi], sizes[si], g);
            }
    }
}

CHECK_CASE(coverage_in) { coverage(1); }
CHECK_CASE(coverage_out) { coverage(0); }

/* ---- uneven iterations: costs differ by 10^4 ----------------------------- */

static uint64_t work(uint64_t i, unsigned rounds)
{
    uint64_t x = i;
    for (unsigned r = 0; r < rounds; r++)
        x = check_mix(x);
    return x;
}

struct uneven {
    uint64_t *out;
    int rc;
};

static int uneven_body(size_t lo, size_t hi, void *p)
{
    struct uneven *u = p;
    for (size_t i = lo; i < hi; i++)
        u->out[i] = work(i, i % 1000 == 0 ? 10000 : 1);
    return 0;
}

static void uneven_run(void *p)
{
    struct uneven *u = p;
    u->rc = weft_for(0, 100000, 0, uneven_body, u);
}

static void uneven(int inside)
{
    struct uneven u = {calloc(100000, sizeof(uint64_t)), 1};
    run(inside, uneven_run, &u);
    CHECK_EQ(u.rc, 0);
    size_t wrong = 0;
    for (size_t i = 0; i < 100000; i++)
        wrong += u.out[i] != work(i, i % 1000 == 0 ? 10000 : 1);
    CHECK_EQ(wrong, 0);
    free(u.out);
}

CHECK_CASE(uneven_in) { uneven(1); }
CHECK_CASE(uneven_out) { uneven(0); }

/* ---- nested loops (2-D), and loops in scopes in loops -------------------- */

#define ROWS 700
#define COLS 900
static uint32_t grid[ROWS][COLS];

static int col_body(size_t lo, size_t hi, void *p)
{
    size_t r = (size_t)(uintptr_t)p;
    for (size_t c = lo; c < hi; c++)
        grid[r][c] += (uint32_t)(r * COLS + c);
    return 0;
}

static int row_body(size_t lo, size_t hi, void *p)
{
    (void)p;
    for (size_t r = lo; r < hi; r++) {
        int rc = weft_for(0, COLS, 7, col_body, (void *)(uintptr_t)r);
        if (rc)
            return rc;
    }
    return 0;
}

static int rc_nested;
static void nested_run(void *p)
{
    (void)p;
    rc_nested = weft_for(0, ROWS, 3, row_body, NULL);
}

static void nested(int inside)
{
    memset(grid, 0, sizeof grid);
    run(inside, nested_run, NULL);
    CHECK_EQ(rc_nested, 0);
    size_t wrong = 0;
    for (size_t r = 0; r < ROWS; r++)
        for (size_t c = 0; c < COLS; c++)
            wrong += grid[r][c] != (uint32_t)(r * COLS + c);
    CHECK_EQ(wrong, 0);
}

CHECK_CASE(nested_in) { nested(1); }
CHECK_CASE(nested_out) { nested(0); }

/* loop -> scope -> jobs -> loop: 40 x 8 x 500 iterations counted */
static uint64_t deep_count;

static int inner_body(size_t lo, size_t hi, void *p)
{
    (void)p;
    __atomic_fetch_add(&deep_count, hi - lo, __ATOMIC_RELAXED);
    return 0;
}

static int scope_job(void *p)
{
    (void)p;
    return weft_for(0, 500, 16, inner_body, NULL);
}

static int outer_body(size_t lo, size_t hi, void *p)
{
    (void)p;
    for (size_t i = lo; i < hi; i++) {
        weft_scope s;
        weft_scope_init(&s);
        for (int j = 0; j < 8; j++)
            CHECK_EQ(weft_scope_spawn(&s, scope_job, NULL), 0);
        int rc = weft_scope_wait(&s);
        if (rc)
            return rc;
    }
    return 0;
}

static int rc_mixed;
static void mixed_run(void *p)
{
    (void)p;
    rc_mixed = weft_for(0, 40, 1, outer_body, NULL);
}

static void mixed(int inside)
{
    deep_count = 0;
    run(inside, mixed_run, NULL);
    CHECK_EQ(rc_mixed, 0);
    CHECK_EQ(deep_count, 40 * 8 * 500);
}

CHECK_CASE(mixed_in) { mixed(1); }
CHECK_CASE(mixed_out) { mixed(0); }

/* ---- 8 outside threads, loops on the default pool at once ----------------- */

struct thread_sum {
    uint64_t sum;
    int rc;
};

static int sum_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    uint64_t s = 0;
    for (size_t i = lo; i < hi; i++)
        s += i;
    *(uint64_t *)acc += s;
    return 0;
}

static void sum_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(uint64_t *)acc += *(const uint64_t *)rhs;
}

static uint64_t sum_to(size_t b, size_t e) /* sum of [b, e) */
{
    return (uint64_t)(e - b) * (b + e - 1) / 2;
}

static void *outside_thread(void *p)
{
    struct thread_sum *t = p;
    for (int k = 0; k < 20 && !t->rc; k++) {
        uint64_t zero = 0, r = 0;
        t->rc = weft_reduce(k, 200000 + k, (size_t)k * 100, sizeof r, &zero,
                            sum_fold, sum_combine, NULL, 0, &r);
        t->sum += r;
    }
    return NULL;
}

CHECK_CASE(threads_out)
{
    pthread_t th[8];
    struct thread_sum ts[8];
    memset(ts, 0, sizeof ts);
    for (int i = 0; i < 8; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, outside_thread, &ts[i]), 0);
    uint64_t want = 0;
    for (int k = 0; k < 20; k++)
        want += sum_to(k, 200000 + k);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        CHECK_EQ(ts[i].rc, 0);
        CHECK_EQ(ts[i].sum, want);
    }
}

/* ---- reductions --------------------------------------------------------- */

struct red {
    size_t b, e, g;
    size_t size;
    const void *identity;
    weft_fold_fn fold;
    weft_combine_fn combine;
    void *ctx;
    unsigned flags;
    void *result;
    int rc;
};

static void red_run(void *p)
{
    struct red *r = p;
    r->rc = weft_reduce(r->b, r->e, r->g, r->size, r->identity, r->fold,
                        r->combine, r->ctx, r->flags, r->result);
}

static void int_sums(int inside)
{
    static const size_t grains[] = {0, 1, 1000, 77777};
    for (unsigned f = 0; f < 2; f++)
        for (unsigned gi = 0; gi < 4; gi++) {
            size_t n = grains[gi] == 1 ? 100000 : big;
            size_t b = (size_t)1 << 33;
            uint64_t zero = 0, got = 7;
            struct red r = {b,           b + n, grains[gi],
                            sizeof got,  &zero, sum_fold,
                            sum_combine, NULL,  f ? WEFT_DETERMINISTIC : 0,
                            &got,        1};
            run(inside, red_run, &r);
            CHECK_EQ(r.rc, 0);
            CHECK_EQ(got, sum_to(b, b + n));
        }
    /* an empty range: the identity */
    uint64_t seven = 7, got = 0;
    struct red r = {5,           5,    0, sizeof got, &seven, sum_fold,
                    sum_combine, NULL, 0, &got,       1};
    run(inside, red_run, &r);
    CHECK_EQ(r.rc, 0);
    CHECK_EQ(got, 7);
}

CHECK_CASE(int_sum_in) { int_sums(1); }
CHECK_CASE(int_sum_out) { int_sums(0); }

/* A 256-bin histogram of 64-bit counts: 2 KiB accumulators. */
struct hist {
    uint64_t bin[256];
};

static int hist_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    struct hist *h = acc;
    for (size_t i = lo; i < hi; i++)
        h->bin[check_mix(i) & 255]++;
    return 0;
}

static void hist_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    struct hist *a = acc;
    const struct hist *b = rhs;
    for (int i = 0; i < 256; i++)
        a->bin[i] += b->bin[i];
}

static void histogram(int inside)
{
    static struct hist zero, want, got;
    size_t n = big / 4;
    memset(&want, 0, sizeof want);
    hist_fold(0, n, &want, NULL);
    for (unsigned f = 0; f < 2; f++) {
        memset(&got, 0, sizeof got);
        struct red r = {0,
                        n,
                        0,
                        sizeof got,
                        &zero,
                        hist_fold,
                        hist_combine,
                        NULL,
                        f ? WEFT_DETERMINISTIC : 0,
                        &got,
                        1};
        run(inside, red_run, &r);
        CHECK_EQ(r.rc, 0);
        CHECK(memcmp(&got, &want, sizeof got) == 0);
    }
}

CHECK_CASE(histogram_in) { histogram(1); }
CHECK_CASE(histogram_out) { histogram(0); }

/* 2x2 matrices mod a prime: associative, not commutative. */
#define MOD 1000000007ull
struct mat {
    uint64_t a, b, c, d;
};

static struct mat mat_of(size_t i)
{
    uint64_t x = check_mix(i);
    struct mat m = {x % MOD, (x >> 17) % MOD, (x >> 29) % MOD, (x >> 41) % MOD};
    return m;
}

static struct mat mat_mul(struct mat x, struct mat y)
{
    struct mat m = {
        (x.a * y.a + x.b * y.c) % MOD, (x.a * y.b + x.b * y.d) % MOD,
        (x.c * y.a + x.d * y.c) % MOD, (x.c * y.b + x.d * y.d) % MOD};
    return m;
}

static int mat_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    struct mat *m = acc;
    for (size_t i = lo; i < hi; i++)
        *m = mat_mul(*m, mat_of(i));
    return 0;
}

static void mat_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(struct mat *)acc = mat_mul(*(struct mat *)acc, *(const struct mat *)rhs);
}

static void matrix(int inside)
{
    struct mat id = {1, 0, 0, 1}, want = id, got;
    size_t n = 300000;
    mat_fold(0, n, &want, NULL);
    static const size_t grains[] = {0, 1, 1000};
    for (unsigned f = 0; f < 2; f++)
        for (unsigned gi = 0; gi < 3; gi++) {
            memset(&got, 0, sizeof got);
            struct red r = {0,           n,    grains[gi],
                            sizeof got,  &id,  mat_fold,
                            mat_combine, NULL, f ? WEFT_DETERMINISTIC : 0,
                            &got,        1};
            run(inside, red_run, &r);
            CHECK_EQ(r.rc, 0);
            CHECK(memcmp(&got, &want, sizeof got) == 0);
        }
}

CHECK_CASE(matrix_in) { matrix(1); }
CHECK_CASE(matrix_out) { matrix(0); }

/* Deterministic floating-point sums: values over 30 orders of magnitude,
 * so that any other order or grouping changes the bits. */
static double fval(size_t i)
{
    uint64_t x = check_mix(i);
    double m = (double)(x >> 11) / 9007199254740992.0;
    int e = (int)(x % 61) - 30;
    double v = m;
    for (; e > 0; e--)
        v *= 10.0;
    for (; e < 0; e++)
        v /= 10.0;
    return (x & 1) ? v : -v;
}

static int fsum_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    double s = *(double *)acc;
    for (size_t i = lo; i < hi; i++)
        s += fval(i);
    *(double *)acc = s;
    return 0;
}

static void fsum_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    *(double *)acc += *(const double *)rhs;
}

CHECK_CASE(det_float)
{
    static const unsigned counts[] = {1, 2, 3, 8};
    static const size_t grains[] = {0, 1, 1000};
    size_t n = 1000000;
    for (unsigned gi = 0; gi < 3; gi++) {
        double first = 0;
        for (unsigned ci = 0; ci < 4; ci++) {
            weft_pool *p = check_pool(counts[ci], "det");
            for (int rep = 0; rep < 3; rep++) {
                double zero = 0, got = 1;
                struct red r = {0,
                                n,
                                grains[gi],
                                sizeof got,
                                &zero,
                                fsum_fold,
                                fsum_combine,
                                NULL,
                                WEFT_DETERMINISTIC,
                                &got,
                                1};
                CHECK_EQ(weft_pool_run(p, red_run, &r), 0);
                CHECK_EQ(r.rc, 0);
                if (ci == 0 && rep == 0)
                    first = got;
                CHECK(memcmp(&got, &first, sizeof got) == 0);
            }
            CHECK_EQ(weft_pool_destroy(p), 0);
        }
        /* and from outside the pool (the default pool) */
        double zero = 0, got = 1;
        CHECK_EQ(weft_reduce(0, n, grains[gi], sizeof got, &zero, fsum_fold,
                             fsum_combine, NULL, WEFT_DETERMINISTIC, &got),
                 0);
        CHECK(memcmp(&got, &first, sizeof got) == 0);
    }
}

/* ---- early exit --------------------------------------------------------- */

struct stop {
    size_t chunks;
    int rc;
};

/* Chunk 0 fails; every other chunk spins until it sees the loop
 * cancelled, so that no worker can start a second one before. */
static int stop_body(size_t lo, size_t hi, void *p)
{
    struct stop *s = p;
    (void)hi;
    __atomic_fetch_add(&s->chunks, 1, __ATOMIC_RELAXED);
    if (lo == 0)
        return -1234;
    while (!weft_cancelled())
        sched_yield();
    return 0;
}

static void stop_run(void *p)
{
    struct stop *s = p;
    s->rc = weft_for(0, 10000, 1, stop_body, s);
}

static void early_exit(int inside)
{
    struct stop s = {0, 0};
    run(inside, stop_run, &s);
    CHECK_EQ(s.rc, -1234);
    /* chunk 0 and at most one chunk per other thread */
    CHECK(s.chunks >= 1);
    CHECK(s.chunks <= workers);
}

CHECK_CASE(early_exit_in) { early_exit(1); }
CHECK_CASE(early_exit_out) { early_exit(0); }

/* The first error is returned: several chunks fail, and the value
 * returned is one of theirs; with one worker, the first (chunk 3), and no
 * chunk starts after it.  Inside the pool and from outside. */
static uint64_t fail_seen, after_fail;

static int fail_body(size_t lo, size_t hi, void *p)
{
    (void)hi;
    (void)p;
    if (__atomic_load_n(&fail_seen, __ATOMIC_RELAXED))
        __atomic_fetch_add(&after_fail, 1, __ATOMIC_RELAXED);
    if (lo >= 3 && lo % 3 == 0) {
        __atomic_store_n(&fail_seen, 1, __ATOMIC_RELAXED);
        return -(int)lo;
    }
    return 0;
}

static int rc_fail;
static void fail_run(void *p)
{
    (void)p;
    rc_fail = weft_for(0, 1000, 1, fail_body, NULL);
}

CHECK_CASE(first_error)
{
    for (int inside = 1; inside >= 0; inside--) {
        fail_seen = after_fail = 0;
        run(inside, fail_run, NULL);
        CHECK(rc_fail < 0 && -rc_fail % 3 == 0);
        if (workers == 1) { /* the first, and no chunk starts after it */
            CHECK_EQ(rc_fail, -3);
            CHECK_EQ(after_fail, 0);
        }
    }
}

/* ---- re-entry: a body enters its own 1-worker pool with a loop ----------- */

static weft_pool *one;
static size_t reentry_depth, reentry_levels;
static int reentry_failed;

static void reentry_step(void *p);

static int reentry_body(size_t lo, size_t hi, void *p)
{
    size_t level = *(size_t *)p;
    for (size_t i = lo; i < hi; i++) {
        if (i != 0 || level >= reentry_depth)
            continue;
        size_t next = level + 1;
        if (weft_pool_run(one, reentry_step, &next) != 0)
            return -1;
    }
    return 0;
}

/* Level *p: a loop of three chunks whose first enters the pool again. */
static void reentry_step(void *p)
{
    reentry_levels++;
    if (weft_for(0, 3, 1, reentry_body, p) != 0)
        reentry_failed = 1;
}

CHECK_CASE(reentry)
{
    reentry_depth = 2000;
    one = check_pool(1, "one");
    size_t level = 1;
    CHECK_EQ(weft_pool_run(one, reentry_step, &level), 0);
    CHECK_EQ(reentry_failed, 0);
    CHECK_EQ(reentry_levels, reentry_depth);
    CHECK_EQ(weft_pool_destroy(one), 0);
}

/* ---- bad input ---------------------------------------------------------- */

static int called;
static int never_body(size_t lo, size_t hi, void *p)
{
    (void)lo, (void)hi, (void)p;
    called = 1;
    return 0;
}
static int never_fold(size_t lo, size_t hi, void *acc, void *p)
{
    (void)lo, (void)hi, (void)acc, (void)p;
    called = 1;
    return 0;
}
static void never_combine(void *acc, const void *rhs, void *p)
{
    (void)acc, (void)rhs, (void)p;
    called = 1;
}

static int fail_fold(size_t lo, size_t hi, void *acc, void *p)
{
    (void)hi, (void)acc, (void)p;
    return lo == 0 ? -5 : 0;
}

static void bad_input_run(void *p)
{
    (void)p;
    uint64_t id = 0, res = 99;
    CHECK_EQ(weft_for(0, 10, 0, NULL, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_for(11, 10, 0, never_body, NULL), WEFT_EINVAL);
    CHECK_EQ(weft_reduce(11, 10, 0, 8, &id, never_fold, never_combine, NULL, 0,
                         &res),
             WEFT_EINVAL);
    CHECK_EQ(
        weft_reduce(0, 10, 0, 0, &id, never_fold, never_combine, NULL, 0, &res),
        WEFT_EINVAL);
    CHECK_EQ(weft_reduce(0, 10, 0, 8, NULL, never_fold, never_combine, NULL, 0,
                         &res),
             WEFT_EINVAL);
    CHECK_EQ(weft_reduce(0, 10, 0, 8, &id, NULL, never_combine, NULL, 0, &res),
             WEFT_EINVAL);
    CHECK_EQ(weft_reduce(0, 10, 0, 8, &id, never_fold, NULL, NULL, 0, &res),
             WEFT_EINVAL);
    CHECK_EQ(
        weft_reduce(0, 10, 0, 8, &id, never_fold, never_combine, NULL, 0, NULL),
        WEFT_EINVAL);
    CHECK_EQ(weft_reduce(0, 10, 0, 8, &id, never_fold, never_combine, NULL, 2u,
                         &res),
             WEFT_EINVAL);
    CHECK_EQ(weft_reduce(0, 10, 0, 8, &id, never_fold, never_combine, NULL,
                         WEFT_DETERMINISTIC | 0x80u, &res),
             WEFT_EINVAL);
    CHECK_EQ(called, 0);
    CHECK_EQ(res, 99);
    /* A failing fold leaves *result alone too. */
    CHECK_EQ(
        weft_reduce(0, 10, 0, 8, &id, fail_fold, sum_combine, NULL, 0, &res),
        -5);
    CHECK_EQ(res, 99);
}

CHECK_CASE(bad_input_in) { run(1, bad_input_run, NULL); }
CHECK_CASE(bad_input_out) { run(0, bad_input_run, NULL); }

/* ---- accumulator alignment; an empty loop in a cancelled scope ----------- */

/* Over-aligned accumulators of 32 and 64 bytes: every acc and rhs that fold
 * and combine see is aligned to the type (the small ones live in the
 * loop's frames, docs/api.md). */
struct v32 {
    _Alignas(32) double v[4];
};
struct v64 {
    _Alignas(64) uint64_t v[8];
};
static uint64_t misaligned;

static void note_align(const void *p, uintptr_t a)
{
    if ((uintptr_t)p % a)
        __atomic_fetch_add(&misaligned, 1, __ATOMIC_RELAXED);
}

static int v32_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    note_align(acc, 32);
    for (size_t i = lo; i < hi; i++)
        ((struct v32 *)acc)->v[i % 4] += 1.0;
    return 0;
}

static void v32_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    note_align(acc, 32), note_align(rhs, 32);
    for (int k = 0; k < 4; k++)
        ((struct v32 *)acc)->v[k] += ((const struct v32 *)rhs)->v[k];
}

static int v64_fold(size_t lo, size_t hi, void *acc, void *ctx)
{
    (void)ctx;
    note_align(acc, 64);
    for (size_t i = lo; i < hi; i++)
        ((struct v64 *)acc)->v[i % 8] += i;
    return 0;
}

static void v64_combine(void *acc, const void *rhs, void *ctx)
{
    (void)ctx;
    note_align(acc, 64), note_align(rhs, 64);
    for (int k = 0; k < 8; k++)
        ((struct v64 *)acc)->v[k] += ((const struct v64 *)rhs)->v[k];
}

static void aligned_run(void *p)
{
    (void)p;
    const size_t n = 100000;
    for (unsigned f = 0; f < 2; f++)
        for (size_t g = 1; g <= 1000; g *= 10) {
            unsigned flags = f ? WEFT_DETERMINISTIC : 0;
            struct v32 z32 = {{0}}, r32;
            CHECK_EQ(weft_reduce(0, n, g, sizeof r32, &z32, v32_fold,
                                 v32_combine, NULL, flags, &r32),
                     0);
            for (int k = 0; k < 4; k++)
                CHECK(r32.v[k] == (double)(n / 4));
            struct v64 z64 = {{0}}, r64;
            CHECK_EQ(weft_reduce(0, n, g, sizeof r64, &z64, v64_fold,
                                 v64_combine, NULL, flags, &r64),
                     0);
            for (uint64_t k = 0; k < 8; k++) /* sum of the i = k mod 8 */
                CHECK_EQ(r64.v[k], (n / 8) * k + 8 * (n / 8) * (n / 8 - 1) / 2);
        }
}

CHECK_CASE(aligned)
{
    misaligned = 0;
    run(1, aligned_run, NULL);
    run(0, aligned_run, NULL);
    CHECK_EQ(misaligned, 0);
}

static int uncalled_body(size_t lo, size_t hi, void *p)
{
    (void)lo, (void)hi, (void)p;
    CHECK(!"an empty loop called its body");
    return 0;
}

static int empty_job(void *p)
{
    weft_scope *s = p;
    weft_scope_cancel(s);
    CHECK(weft_cancelled());
    long id = 7, res = -1;
    CHECK_EQ(weft_for(5, 5, 0, uncalled_body, NULL), 0);
    CHECK_EQ(weft_reduce(5, 5, 0, sizeof id, &id, v64_fold, v64_combine, NULL,
                         0, &res),
             0);
    CHECK_EQ(res, 7);
    CHECK_EQ(weft_for(0, 10, 0, uncalled_body, NULL), WEFT_ECANCELED);
    return 0;
}

/* An empty loop returns 0 (and a reduce stores the identity) even inside a
 * cancelled scope; a loop with iterations there returns WEFT_ECANCELED. */
static void empty_cancelled_run(void *p)
{
    (void)p;
    weft_scope s;
    weft_scope_init(&s);
    CHECK_EQ(weft_scope_spawn(&s, empty_job, &s), 0);
    CHECK_EQ(weft_scope_wait(&s), WEFT_ECANCELED);
}

CHECK_CASE(empty_cancelled)
{
    run(1, empty_cancelled_run, NULL);
    run(0, empty_cancelled_run, NULL);
}

/* ---- shrinking chunks at a range's end (grain 0) ------------------------ */

struct tail {
    size_t end, last; /* the size of the chunk that ends at end */
    size_t biggest;
};

static int tail_body(size_t lo, size_t hi, void *p)
{
    struct tail *t = p;
    if (hi == t->end)
        __atomic_store_n(&t->last, hi - lo, __ATOMIC_RELAXED);
    size_t b = __atomic_load_n(&t->biggest, __ATOMIC_RELAXED);
    while (hi - lo > b &&
           !__atomic_compare_exchange_n(&t->biggest, &b, hi - lo, 0,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    return 0;
}

static void tail_run(void *p)
{
    struct tail *t = p;
    CHECK_EQ(weft_for(0, t->end, 0, tail_body, t), 0);
}

/* grain 0 on a pool of several workers: chunks of n / (64 x workers)
 * iterations, except that the last ones of every range shrink to 1 / 64
 * of that (docs/api.md, "Chunks"), whoever took which part; so the chunk
 * that ends the loop is at most that, and none is above the grain. */
CHECK_CASE(tail_chunks)
{
    if (workers < 2)
        return; /* one direct call: covered by coverage */
    for (size_t n = 1000000; n <= 4000000; n *= 2) {
        struct tail t = {n, 0, 0};
        run(1, tail_run, &t);
        size_t g = n / (64 * (size_t)workers);
        CHECK(t.last >= 1);
        CHECK(t.last <= (g / 64 ? g / 64 : 1));
        CHECK(t.biggest <= g);
    }
}

static const struct check_case cases[] = {
    {"coverage", coverage_in, 0},
    {"tail-chunks", tail_chunks, 0},
    {"coverage-outside", coverage_out, 0},
    {"uneven", uneven_in, 0},
    {"uneven-outside", uneven_out, 0},
    {"nested", nested_in, 0},
    {"nested-outside", nested_out, 0},
    {"loop-scope-loop", mixed_in, 0},
    {"loop-scope-loop-outside", mixed_out, 0},
    {"threads-outside", threads_out, 0},
    {"int-sum", int_sum_in, 0},
    {"int-sum-outside", int_sum_out, 0},
    {"histogram", histogram_in, 0},
    {"histogram-outside", histogram_out, 0},
    {"matrix", matrix_in, 0},
    {"matrix-outside", matrix_out, 0},
    {"det-float", det_float, 0},
    {"early-exit", early_exit_in, 0},
    {"early-exit-outside", early_exit_out, 0},
    {"first-error", first_error, 0},
    {"reentry", reentry, 0},
    {"bad-input", bad_input_in, 0},
    {"bad-input-outside", bad_input_out, 0},
    {"aligned", aligned, 0},
    {"empty-cancelled", empty_cancelled, 0},
    {NULL, NULL, 0}};

static const struct check_program program = {"test-loop", "WORKERS [N]", setup,
                                             teardown, cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

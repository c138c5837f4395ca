/*
 * numeric/common.c - the data, leaves, expected answers and verify hooks of
 * the data-parallel kernels (numeric.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../../driver/bench.h"
#include "numeric.h"

/* ---- map and sum ----------------------------------------------------------- */

static double *xs, *ys;
static long xs_n, ys_n;

double *num_x(long n)
{
    if (n > xs_n) {
        xs = bench_big_alloc(sizeof(double) * (size_t)n);
        for (long i = 0; i < n; i++)
            xs[i] = (double)(i & 1023);
        xs_n = n;
    }
    return xs;
}

double *num_y(long n)
{
    if (n > ys_n) {
        ys = bench_big_alloc(sizeof(double) * (size_t)n);
        memset(ys, 0, sizeof(double) * (size_t)n); /* touch the pages */
        ys_n = n;
    }
    return ys;
}

/* f(x): 16 steps of the logistic map from a start in (0, 1) made of x */
BENCH_LEAF void map_range(long lo, long hi)
{
    const double *__restrict x = xs;
    double *__restrict y = ys;
    for (long i = lo; i < hi; i++) {
        double v = (x[i] + 1.0) * (1.0 / 1026.0);
        for (int k = 0; k < 16; k++)
            v = 3.9 * v * (1.0 - v);
        y[i] = v;
    }
}

BENCH_LEAF double sum_range(long lo, long hi)
{
    const double *x = xs;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = lo;
    for (; i + 4 <= hi; i += 4) {
        s0 += x[i];
        s1 += x[i + 1];
        s2 += x[i + 2];
        s3 += x[i + 3];
    }
    for (; i < hi; i++)
        s0 += x[i];
    return (s0 + s1) + (s2 + s3);
}

/* y's checksum: sum of y[i] * 2^30, truncated (y in (0, 1)) */
static long map_checksum(long n)
{
    long s = 0;
    for (long i = 0; i < n; i++)
        s += (long)(ys[i] * 1073741824.0);
    return s;
}

/* A small cache of answers computed serially before timing. */
struct answer {
    long n, v;
};
static long cached(struct answer *c, long n)
{
    for (int i = 0; i < 4; i++)
        if (c[i].n == n)
            return c[i].v;
    return -1;
}
static long remember(struct answer *c, long n, long v)
{
    for (int i = 0; i < 4; i++)
        if (c[i].n == 0) {
            c[i].n = n, c[i].v = v;
            break;
        }
    return v;
}

long bench_map_expected(int n)
{
    static struct answer c[4];
    if (n < 1)
        return -1;
    long v = cached(c, n);
    if (v >= 0)
        return v;
    num_x(n);
    num_y(n);
    map_range(0, n);
    v = map_checksum(n);
    memset(ys, 0, sizeof(double) * (size_t)n);
    return remember(c, n, v);
}

long bench_map_verify(int n, long ret)
{
    if (ret != 0 || n < 1)
        return -2;
    long v = map_checksum(n);
    memset(ys, 0, sizeof(double) * (size_t)n);
    return v;
}

long bench_sum_expected(int n)
{
    if (n < 1)
        return -1;
    num_x(n);
    long r = n % 1024;
    return (n / 1024) * (1023L * 1024 / 2) + r * (r - 1) / 2;
}

/* ---- mandel -------------------------------------------------------------- */

/* Pixel (r, c) of the n x n image is c0 = -2 + 2.5 c / n + i 1.25 (n - 1 - r)
 * / n: the top row is far outside the set, the bottom one on the real
 * axis, a third of it inside (MANDEL_MAXITER iterations a pixel). */
BENCH_LEAF long mandel_rows(int n, long lo, long hi)
{
    long total = 0;
    for (long r = lo; r < hi; r++) {
        double ci = 1.25 * (double)(n - 1 - r) / n;
        for (int c = 0; c < n; c++) {
            double cr = -2.0 + 2.5 * c / n;
            double zr = 0, zi = 0;
            int k = 0;
            while (k < MANDEL_MAXITER && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                k++;
            }
            total += k;
        }
    }
    return total;
}

long bench_mandel_expected(int n)
{
    /* the default and --quick sizes and their warm-ups (gcc and clang
     * agree); other sizes are counted here, serially */
    static struct answer c[4] = {{1024, 70829094}, {256, 4450475}, {384, 9990998}, {96, 635427}};
    if (n < 1 || n > 16384)
        return -1;
    long v = cached(c, n);
    return v >= 0 ? v : remember(c, n, mandel_rows(n, 0, n));
}

/* ---- jacobi -------------------------------------------------------------- */

static struct jacobi_grid grids[4];

static void jacobi_init(struct jacobi_grid *g)
{
    int n = g->n;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            g->a[i * n + j] = g->b[i * n + j] = (double)((i * 7 + j * 13) & 1023);
}

struct jacobi_grid *jacobi_grid(int n)
{
    for (int i = 0; i < 4; i++)
        if (grids[i].n == n)
            return &grids[i];
    for (int i = 0; i < 4; i++)
        if (grids[i].n == 0) {
            struct jacobi_grid *g = &grids[i];
            g->n = n;
            g->a = bench_big_alloc(sizeof(double) * (size_t)n * (size_t)n);
            g->b = bench_big_alloc(sizeof(double) * (size_t)n * (size_t)n);
            jacobi_init(g);
            return g;
        }
    abort(); /* more than 4 sizes in one process */
}

BENCH_LEAF void jacobi_rows(int n, const double *src, double *dst, long lo, long hi)
{
    for (long i = lo; i < hi; i++) {
        const double *up = src + (i - 1) * n, *row = src + i * n, *down = src + (i + 1) * n;
        double *out = dst + i * n;
        for (long j = 1; j < n - 1; j++)
            out[j] = 0.25 * ((up[j] + down[j]) + (row[j - 1] + row[j + 1]));
    }
}

/* The sweeps end in a (an even number of them): every value is k 4^-20,
 * k an integer below 2^50; the checksum adds the k modulo 2^64. */
static long jacobi_checksum(struct jacobi_grid *g)
{
    uint64_t s = 0;
    size_t nn = (size_t)g->n * (size_t)g->n;
    for (size_t i = 0; i < nn; i++)
        s += (uint64_t)(g->a[i] * 1099511627776.0); /* 2^40 = 4^20 */
    return (long)(s >> 1);
}

long bench_jacobi_expected(int n)
{
    /* the default and --quick sizes and their warm-ups; other sizes are
     * computed here, serially (the arithmetic is exact: any compiler) */
    static struct answer c[4] = {
        {4096, 4610111489894545408}, {1024, 8933567132170221568}, {256, 9193839674980491264}};
    if (n < 3 || n > 16384)
        return -1;
    struct jacobi_grid *g = jacobi_grid(n); /* made before timing */
    long v = cached(c, n);
    if (v >= 0)
        return v;
    for (int s = 0; s < JACOBI_SWEEPS; s++)
        jacobi_rows(n, s % 2 ? g->b : g->a, s % 2 ? g->a : g->b, 1, n - 1);
    v = jacobi_checksum(g);
    jacobi_init(g);
    return remember(c, n, v);
}

long bench_jacobi_verify(int n, long ret)
{
    if (ret != 0 || n < 3)
        return -2;
    struct jacobi_grid *g = jacobi_grid(n);
    long v = jacobi_checksum(g);
    jacobi_init(g);
    return v;
}

/* ---- hist ---------------------------------------------------------------- */

static uint8_t *hbytes;
static long hbytes_n;

const uint8_t *hist_data(long n)
{
    if (n > hbytes_n) {
        hbytes = bench_big_alloc((size_t)n);
        for (long i = 0; i < n; i++)
            hbytes[i] = (uint8_t)(((uint64_t)i * 0x9E3779B97F4A7C15ull) >> 56);
        hbytes_n = n;
    }
    return hbytes;
}

BENCH_LEAF void hist_range(struct hist *h, long lo, long hi)
{
    const uint8_t *d = hbytes;
    for (long i = lo; i < hi; i++)
        h->bin[d[i]]++;
}

void hist_add(struct hist *acc, const struct hist *rhs)
{
    for (int b = 0; b < HIST_BINS; b++)
        acc->bin[b] += rhs->bin[b];
}

long hist_answer(const struct hist *h)
{
    long s = 0;
    for (int b = 0; b < HIST_BINS; b++)
        s += h->bin[b] * (2 * b + 1);
    return s;
}

long bench_hist_expected(int n)
{
    if (n < 1)
        return -1;
    hist_data(n);
    struct hist h;
    memset(&h, 0, sizeof h);
    hist_range(&h, 0, n);
    return hist_answer(&h);
}

/* ---- loopcost ------------------------------------------------------------ */

struct loopcost_slot loopcost_slot[LOOPCOST_ITERS];

BENCH_LEAF void loopcost_iter(long i)
{
    double v = 1.0 + (double)i;
    for (int k = 0; k < LOOPCOST_DELAY; k++)
        v = v * 0.999 + 0.001;
    loopcost_slot[i].v += v > 0.5;
}

long loopcost_collect(void)
{
    long s = 0;
    for (int i = 0; i < LOOPCOST_ITERS; i++) {
        s += loopcost_slot[i].v;
        loopcost_slot[i].v = 0;
    }
    return s;
}

long bench_loopcost_expected(int n) { return n >= 1 ? (long)n * LOOPCOST_ITERS : -1; }

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

/* The idle probe, right after the loops (outside timing): the CPU time of
 * the whole process over LOOPCOST_IDLE_MS of sleep by the main thread, as
 * % of one core: a runtime whose workers spin after the last loop burns it
 * here. */
long bench_loopcost_verify(int n, long ret)
{
    (void)n;
    double c0 = cpu_us(), t0 = wall_us();
    struct timespec ts = {0, LOOPCOST_IDLE_MS * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    double c1 = cpu_us(), t1 = wall_us();
    bench_report("after_loops_cpu_pct", 100.0 * (c1 - c0) / (t1 - t0));
    return ret;
}

/* ---- scope --------------------------------------------------------------- */

static long *sout;
static long sout_n;

long *scope_out(long n)
{
    if (n > sout_n) {
        sout = bench_big_alloc(sizeof(long) * (size_t)n);
        memset(sout, 0, sizeof(long) * (size_t)n);
        sout_n = n;
    }
    return sout;
}

BENCH_LEAF long scope_work(long i)
{
    uint64_t h = (uint64_t)i * 0x9E3779B97F4A7C15ull;
    return (long)((h ^ (h >> 29)) & 0xffff);
}

long bench_scope_expected(int n)
{
    if (n < 1)
        return -1;
    scope_out(n);
    long s = 0;
    for (long i = 0; i < n; i++)
        s += scope_work(i);
    return s;
}

/* Every job ran once: each slot holds its job's value (then zeroed). */
long bench_scope_verify(int n, long ret)
{
    if (ret != 0 || n < 1)
        return -2;
    long s = 0;
    for (long i = 0; i < n; i++) {
        if (sout[i] != scope_work(i))
            return -3;
        s += sout[i];
        sout[i] = 0;
    }
    return s;
}

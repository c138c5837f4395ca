/*
 * matmul/common.c - the matrices of the matmul kernel (matmul.h), its
 * expected checksum and the verify hook.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../driver/bench.h"
#include "matmul.h"

BENCH_LEAF void mm_base(double *__restrict c, const double *__restrict a,
                        const double *__restrict b, int ld)
{
    for (int i = 0; i < MM_BASE; i++)
        for (int k = 0; k < MM_BASE; k++) {
            double aik = a[(long)i * ld + k];
            for (int j = 0; j < MM_BASE; j++)
                c[(long)i * ld + j] += aik * b[(long)k * ld + j];
        }
}

static int entry(uint64_t i, uint64_t j, uint64_t salt)
{
    uint64_t z = (i * 0x9e3779b97f4a7c15ULL) ^ (j * 0xc2b2ae3d27d4eb4fULL) ^ salt;
    z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 29;
    return (int)(z % 17) - 8;
}

static long weight_u(int i, int which) { return which ? (i * 7) % 13 + 1 : (i % 5) + 1; }
static long weight_v(int j, int which) { return which ? (j * 3) % 11 + 1 : (j % 9) + 1; }

static int valid(int n)
{
    if (n < MM_BASE || n % MM_BASE)
        return 0;
    int m = n / MM_BASE;
    return (m & (m - 1)) == 0;
}

static struct mm_data cache[4];

struct mm_data *bench_mm_data(int n)
{
    for (int i = 0; i < 4; i++)
        if (cache[i].n == n)
            return &cache[i];
    for (int i = 0; i < 4; i++) {
        if (cache[i].n != 0)
            continue;
        size_t bytes = (size_t)n * n * sizeof(double);
        struct mm_data *d = &cache[i];
        d->a = bench_big_alloc(bytes);
        d->b = bench_big_alloc(bytes);
        d->c = bench_big_alloc(bytes);
        for (long r = 0; r < n; r++)
            for (long s = 0; s < n; s++) {
                d->a[r * n + s] = entry(r, s, 1);
                d->b[r * n + s] = entry(r, s, 2);
            }
        memset(d->c, 0, bytes);
        d->n = n;
        return d;
    }
    abort(); /* more than 4 sizes in one process */
}

/* Both checksums packed into one positive long. */
static long pack(long s0, long s1)
{
    uint64_t h = (uint64_t)s0 * 0x9e3779b97f4a7c15ULL ^ (uint64_t)s1;
    return (long)(h >> 2);
}

long bench_matmul_expected(int n)
{
    static int cn = -1;
    static long cv;
    if (!valid(n) || n > 8192)
        return -1;
    if (cn == n)
        return cv;
    struct mm_data *d = bench_mm_data(n);
    long s[2];
    long *ua = malloc(sizeof(long) * n), *bv = malloc(sizeof(long) * n);
    if (!ua || !bv)
        abort();
    for (int which = 0; which < 2; which++) {
        for (int k = 0; k < n; k++) {      /* (u^T A)_k and (B v)_k */
            long x = 0, y = 0;
            for (int i = 0; i < n; i++) {
                x += weight_u(i, which) * (long)d->a[(long)i * n + k];
                y += (long)d->b[(long)k * n + i] * weight_v(i, which);
            }
            ua[k] = x;
            bv[k] = y;
        }
        long t = 0;
        for (int k = 0; k < n; k++)
            t += ua[k] * bv[k];
        s[which] = t;
    }
    free(ua);
    free(bv);
    cn = n;
    cv = pack(s[0], s[1]);
    return cv;
}

long bench_matmul_verify(int n, long ret)
{
    if (ret != 0 || !valid(n))
        return -2;
    struct mm_data *d = bench_mm_data(n);
    long s[2] = {0, 0};
    for (int i = 0; i < n; i++) {
        long row[2] = {0, 0};
        for (int j = 0; j < n; j++) {
            long c = (long)d->c[(long)i * n + j];
            if ((double)c != d->c[(long)i * n + j])
                return -3; /* not an integer: wrong */
            row[0] += c * weight_v(j, 0);
            row[1] += c * weight_v(j, 1);
        }
        s[0] += weight_u(i, 0) * row[0];
        s[1] += weight_u(i, 1) * row[1];
    }
    memset(d->c, 0, (size_t)n * n * sizeof(double));
    return pack(s[0], s[1]);
}

/*
 * numeric/serial.c - the serial loops of the data-parallel kernels
 * (numeric.h): each leaf called once on the whole range, what a loop
 * kernel's T_s is.
 */
#include <string.h>

#include "../../driver/bench.h"
#include "numeric.h"

long bench_map_serial_plain(void *rt, int n)
{
    (void)rt;
    num_y(n);
    map_range(0, n);
    return 0;
}

long bench_sum_serial_plain(void *rt, int n)
{
    (void)rt;
    num_x(n);
    return (long)sum_range(0, n);
}

long bench_mandel_serial_plain(void *rt, int n)
{
    (void)rt;
    return mandel_rows(n, 0, n);
}

long bench_jacobi_serial_plain(void *rt, int n)
{
    (void)rt;
    struct jacobi_grid *g = jacobi_grid(n);
    for (int s = 0; s < JACOBI_SWEEPS; s++)
        jacobi_rows(n, s % 2 ? g->b : g->a, s % 2 ? g->a : g->b, 1, n - 1);
    return 0;
}

long bench_hist_serial_plain(void *rt, int n)
{
    (void)rt;
    struct hist h;
    hist_data(n);
    memset(&h, 0, sizeof h);
    hist_range(&h, 0, n);
    return hist_answer(&h);
}

long bench_loopcost_serial_plain(void *rt, int n)
{
    (void)rt;
    long done = 0;
    for (int l = 0; l < n; l++) {
        for (long i = 0; i < LOOPCOST_ITERS; i++)
            loopcost_iter(i);
        done += loopcost_collect();
    }
    return done;
}

long bench_scope_serial_plain(void *rt, int n)
{
    (void)rt;
    long *out = scope_out(n);
    for (long i = 0; i < n; i++)
        out[i] = scope_work(i);
    return 0;
}

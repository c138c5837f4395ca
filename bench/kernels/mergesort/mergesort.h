/*
 * mergesort.h - what the mergesort variants share (cilksort-style).
 *
 * Sorts n 32-bit integers.  The input X (a fixed pseudo-random sequence,
 * made once per process and size before timing) is never modified: each
 * run sorts it into A using a scratch array T of the same size.
 *   sort(X, A, T, n): if n <= MS_SORT_BASE, copy X into A and sort it
 *     sequentially (quicksort, insertion sort below 16); else sort the four
 *     quarters in parallel (X_i into A_i, scratch T_i), merge A1+A2 into T1
 *     and A3+A4 into T3 in parallel, then merge T1+T3 into A.
 *   merge(a, na, b, nb, d): if na + nb <= MS_MERGE_BASE, sequential merge;
 *     else (a the larger run) split a at its middle, binary-search that
 *     element in b, and merge the two lower parts and the two upper parts
 *     in parallel.
 * The bases (2048 elements for both) are the only grain, the same in every
 * variant.  The copy from X is part of the leaves, so it runs in parallel.
 * Checked after the timed call (the verify hook): A sorted, and its sum and
 * xor equal to those of X; verify then copies X back into A, so that the
 * next run (another variant in the same process) starts from unsorted data.
 */
#ifndef WEFT_BENCH_MERGESORT_H
#define WEFT_BENCH_MERGESORT_H

#define MS_SORT_BASE 2048
#define MS_MERGE_BASE 2048

struct ms_data {
    long n;
    int *x, *a, *t;
};

#ifdef __cplusplus
extern "C" {
#endif
/* The arrays of size n (created, X filled at first use). */
struct ms_data *bench_ms_data(int n);
/* The leaves (mergesort/common.c, BENCH_LEAF): copy x[0..n) into a and sort
 * it (quicksort, insertion sort below 16); merge the sorted runs a[0..na)
 * and b[0..nb) into d. */
void ms_seqsort(const int *x, int *a, long n);
void ms_seqmerge(const int *a, long na, const int *b, long nb, int *d);
#ifdef __cplusplus
}
#endif

/* The first index of b[0..n) whose element is >= key. */
static inline long ms_lower_bound(const int *b, long n, int key)
{
    long lo = 0, hi = n;
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (b[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The split step of the parallel merge of a[0..na) and b[0..nb) into d,
 * shared by every variant.  Returns 0 after merging the runs sequentially
 * when they hold at most MS_MERGE_BASE elements.  Otherwise returns 1 with
 * the larger run in *a, *na and the other in *b, *nb, the larger run's
 * middle in *ma and that element's place in the other run in *mb: the
 * caller merges a[0..ma) with b[0..mb) into d and the rest into
 * d + ma + mb, the two in parallel.
 */
static inline int ms_merge_split(const int **a, long *na, const int **b,
                                 long *nb, int *d, long *ma, long *mb)
{
    if (*na < *nb) {
        const int *x = *a; *a = *b; *b = x;
        long y = *na; *na = *nb; *nb = y;
    }
    if (*na + *nb <= MS_MERGE_BASE) {
        ms_seqmerge(*a, *na, *b, *nb, d);
        return 0;
    }
    *ma = *na / 2;
    *mb = ms_lower_bound(*b, *nb, (*a)[*ma]);
    return 1;
}

/* A run of a sorted array: the typed merge passes two of these by value. */
struct ms_run {
    const int *p;
    long n;
};

/* The arguments of the generic-API tasks. */
struct ms_sort_args {
    const int *x;
    int *a, *t;
    long n;
};
struct ms_merge_args {
    struct ms_run a, b;
    int *d;
};

#endif

/* fib.h - what the fib variants share. */
#ifndef WEFT_BENCH_FIB_H
#define WEFT_BENCH_FIB_H

/* The argument of the generic-API task: input and result. */
struct fib_args {
    int n;
    long r;
};

#endif

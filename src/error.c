/*
 * error.c - error codes and misuse reports.
 *
 * weft_strerror() is generated from the WEFT_ERRORS table in weft.h, the one
 * place where codes and their messages are listed.  weft__misuse() is what
 * the checked fast paths call when the caller broke a documented rule: the
 * library never exits, but a broken rule leaves the scheduler's state
 * undefined, so it aborts with a message naming the rule.
 * weft__assert_fail() is WEFT__ASSERT's (internal.h): an invariant of
 * weft's own broke, which is weft's bug, not the caller's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

const char *weft_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
#define WEFT__ERR_CASE(name, value, msg) \
    case name:                           \
        return #name ": " msg;
        WEFT_ERRORS(WEFT__ERR_CASE)
#undef WEFT__ERR_CASE
    default:
        return "unknown weft error";
    }
}

void weft__assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "weft: internal error: %s:%d: %s\n", file, line, cond);
    fflush(stderr);
    abort();
}

void weft__misuse(const char *rule)
{
    fprintf(stderr, "weft: misuse: %s\n", rule);
    fflush(stderr);
    abort();
}

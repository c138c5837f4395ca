/*
 * test-limits - the limits of weft_config.topology.  Built with
 * -UWEFT_CHECKED -DNDEBUG (tests/CMakeLists.txt), as a release build of a
 * user's program.
 *
 * Descriptions of more than 2048 PUs, 1024 on one level or 8192
 * objects are WEFT_ERANGE at once, before hwloc would spend seconds and
 * gigabytes on them ("pack:64 core:64 pu:16", "pack:256 core:256 pu:4");
 * descriptions at each limit load; an item without a count is WEFT_EINVAL,
 * as before.
 *
 * Each case is a case_<name>(argc, argv) function, called in order by main.
 */
#include <time.h>

#include "check.h"
#include "weft.h"

#if !defined(NDEBUG) || defined(WEFT_CHECKED)
#error "test-limits tests a release build: compile it with -UWEFT_CHECKED -DNDEBUG"
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* weft_pool_create with one worker on the synthetic topology; destroys the
 * pool if there is one.  Returns the code. */
static int create_on(const char *topology)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = 1;
    cfg.topology = topology;
    weft_pool *pool = NULL;
    double t0 = now_s();
    int rc = weft_pool_create(&pool, &cfg);
    printf("  \"%s\": %s (%.3f s)\n", topology, weft_strerror(rc),
           now_s() - t0);
    if (rc == 0) {
        CHECK(pool != NULL);
        CHECK_EQ(weft_pool_destroy(pool), 0);
    } else {
        CHECK(pool == NULL);
    }
    return rc;
}

/* Past a limit: WEFT_ERANGE, hwloc never called. */
static void case_topology_refused(int argc, char **argv)
{
    (void)argc, (void)argv;
    CHECK_EQ(create_on("pack:64 core:64 pu:16"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:256 core:256 pu:4"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:3 core:683 pu:1"), WEFT_ERANGE); /* 2049 PUs */
    CHECK_EQ(create_on("pack:2 core:512 pu:3"), WEFT_ERANGE); /* 3072 */
    CHECK_EQ(create_on("core:1025 pu:1"), WEFT_ERANGE);       /* a level */
    CHECK_EQ(create_on("2 1025"), WEFT_ERANGE);
    CHECK_EQ(create_on("pack:99999999999999999999 pu:1"), WEFT_ERANGE);
    /* 1024 + 1024 + 1024 + 2048 + 2048 + 2048 = 9216 objects */
    CHECK_EQ(create_on("pack:1024 l3:1 l2:1 core:2 l1:1 pu:1"), WEFT_ERANGE);
    /* memory children count: 1024 + 1024 [numa] + ... = 8194 */
    CHECK_EQ(create_on("pack:1024 [numa] l2:1 core:2 l1:1 pu:1"), WEFT_ERANGE);
    CHECK_EQ(weft_strerror(WEFT_ERANGE) != NULL, 1);
    CHECK(strstr(weft_strerror(WEFT_ERANGE), "topology") != NULL);
}

/* At each limit and just below: loads. */
static void case_topology_at_limit(int argc, char **argv)
{
    (void)argc, (void)argv;
    CHECK_EQ(create_on("pack:2 core:1024 pu:1"), 0);   /* 2048 PUs, 1024 */
    CHECK_EQ(create_on("pack:2 core:1023 pu:1"), 0);   /* just below */
    CHECK_EQ(create_on("pack:4 core:256 pu:2"), 0);
    CHECK_EQ(create_on("core:1000 pu:1"), 0);
    CHECK_EQ(create_on("2 1024"), 0);
    /* 1024 + 1024 + 2048 + 2048 + 2048 = 8192 objects */
    CHECK_EQ(create_on("pack:1024 l2:1 core:2 l1:1 pu:1"), 0);
    CHECK_EQ(create_on("pack:2 [numa] core:2 pu:2(indexes=0,2,1,3,4,6,5,7)"),
             0);
    CHECK_EQ(create_on("pack:2 core:2(memory=1GB) pu:1"), 0);
}

/* Strings that do not parse: WEFT_EINVAL, as before the size check. */
static void case_topology_malformed(int argc, char **argv)
{
    (void)argc, (void)argv;
    const char *bad[] = {"",       "banana",          "pack:2 core:",
                         "pack:x", "pack:2 core:2 x", "pack:2 core:2(",
                         "pack:2 [numa core:2 pu:1", "pack:0 pu:1",
                         "this is not a topology"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(create_on(bad[i]), WEFT_EINVAL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    case_topology_refused(argc, argv);
    case_topology_at_limit(argc, argv);
    case_topology_malformed(argc, argv);
    return check_done("test-limits");
}

/*
 * test-cgroup - container-aware sizing: the default worker count is the
 * smaller of the cpuset's cores and the cgroup's CPU quota, rounded up.
 *
 * Each case writes a tree of its own (proc/self/cgroup, proc/self/mountinfo
 * and the cgroup directories) in a temporary directory and points the
 * reader at it (weft__test_cgroup_root, a hook of weft-testing); the
 * expected counts are exact: quota_cpus, quota_us and period_us as written,
 * workers min(cores, quota_cpus), the file named in weft_pool_print.
 *
 *  v2          cpu.max "QUOTA PERIOD" of the process's v2 cgroup.
 *  max         "max PERIOD": no quota.
 *  round-up    150000/100000 -> 2, 100001/100000 -> 2, 1000/100000 -> 1 ...
 *  v1          cpu.cfs_quota_us / cpu.cfs_period_us of the hierarchy with
 *              the cpu controller (not cpuset's or cpuacct's); -1: none.
 *  nested      the smallest quota / period over the cgroup and its
 *              ancestors up to the mount point, v2 and v1.
 *  malformed   files, cgroup and mountinfo lines that do not parse: no
 *              quota from them, the rest still read.
 *  missing     missing files and directories: no quota.
 *  hybrid      v2 and v1 mounted together: the quota of either (the
 *              smaller).
 *  mount-root  a mount that shows a cgroup below the root (a container
 *              without a cgroup namespace), a cgroup outside it, "..", an
 *              escaped mount point, an overlong mountinfo line.
 *  explicit    weft_config.workers and $WEFT_WORKERS decide, and a
 *              synthetic topology gets no quota.
 *  one-cpu     in a child bound to one CPU: 2 workers asked for are
 *              flagged (stats, print) and said once on stderr; 1 worker
 *              or the default count are not.
 *  real        this machine's own files: workers = min(cores, quota).
 *
 * Usage: test-cgroup [CASE]   (test-cgroup --list names the cases)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/internal.h"
#include "test-api.h"

/* ---- the tree --------------------------------------------------------- */

static char root[64];

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh, empty tree, which the reader reads from now on. */
static void tree_new(void)
{
    if (root[0])
        CHECK_EQ(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    strcpy(root, "/tmp/weft-cgroup-XXXXXX");
    CHECK(mkdtemp(root) != NULL);
    weft__test_cgroup_root(root);
}

static void tree_drop(void)
{
    weft__test_cgroup_root(NULL);
    if (root[0])
        CHECK_EQ(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    root[0] = '\0';
}

/* Writes text to the file rel (of the tree), making its directories. */
static void put(const char *rel, const char *text)
{
    char path[512];
    CHECK((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) <
          sizeof path);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    CHECK_EQ(fwrite(text, 1, strlen(text), f), strlen(text));
    CHECK_EQ(fclose(f), 0);
}

static void drop(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    CHECK_EQ(remove(path), 0);
}

#define CGROUP    "proc/self/cgroup"
#define MOUNTINFO "proc/self/mountinfo"
#define V2_MOUNT                                                            \
    "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 " \
    "- cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
#define V1_CPU_MOUNT                                                       \
    "33 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev shared:10 - " \
    "cgroup cgroup rw,cpu,cpuacct\n"
#define V1_CPUSET_MOUNT                                                      \
    "34 25 0:30 / /sys/fs/cgroup/cpuset rw,nosuid,nodev shared:11 - cgroup " \
    "cgroup rw,cpuset\n"
#define V1_CPUACCT_MOUNT                                                \
    "35 25 0:31 / /sys/fs/cgroup/cpuacct rw,nosuid shared:12 - cgroup " \
    "cgroup rw,cpuacct\n"

/* ---- what a default pool gets --------------------------------------------- */

/* A pool of the default size: its stats and its print. */
static weft_stats pool_default(char *text, size_t size)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.bind = 0;
    weft_pool *pool;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    weft_stats s;
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    print_to(pool, text, size);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(s.one_cpu_oversubscribed, 0);
    return s;
}

/* The default pool gets quota cpus (0: none) of q us per p us, read from
 * file (as the system names it): exact counts. */
static void expect_at(int at, unsigned cpus, uint64_t q, uint64_t p,
                      const char *file)
{
    char text[8192];
    weft_stats s = pool_default(text, sizeof text);
    if (s.quota_cpus != cpus || s.quota_us != q || s.period_us != p)
        fprintf(stderr, "%s:%d: the pool's quota is not the one expected\n",
                __FILE__, at);
    CHECK_EQ(s.quota_cpus, cpus);
    CHECK_EQ(s.quota_us, q);
    CHECK_EQ(s.period_us, p);
    CHECK(s.cores >= 1);
    int by_quota = cpus != 0 && cpus < s.cores;
    CHECK_EQ(s.workers, by_quota ? cpus : s.cores);
    CHECK_EQ(s.sized_by, by_quota ? WEFT_SIZED_QUOTA : WEFT_SIZED_CPUSET);
    CHECK(strstr(text, by_quota ? "  sized by       cgroup quota\n"
                                : "  sized by       cpuset (") != NULL);
    if (!cpus) {
        CHECK(strstr(text, "  cgroup quota   none\n") != NULL);
        return;
    }
    char want[600];
    snprintf(want, sizeof want,
             "  cgroup quota   %.2f CPUs, %u rounded up (%llu us per %llu us, "
             "%s)\n",
             (double)q / (double)p, cpus, (unsigned long long)q,
             (unsigned long long)p, file);
    if (!strstr(text, want)) {
        fprintf(stderr, "%s:%d: want the line\n%sin\n%s", __FILE__, at, want,
                text);
        CHECK(!"the quota line");
    }
}

#define expect(...) expect_at(__LINE__, __VA_ARGS__)
#define NONE()      expect(0, 0, 0, NULL)

/* ---- cases -------------------------------------------------------------- */

static void setup(int argc, char **argv)
{
    api_count_threads(argc, argv);
    /* (a worker count from the environment would decide instead) */
    unsetenv("WEFT_WORKERS");
}

static void teardown(void)
{
    tree_drop();
    api_no_thread_left();
}

#define V2_FILE "sys/fs/cgroup/app.slice/job/cpu.max"

CHECK_CASE(v2)
{
    tree_new();
    put(CGROUP, "0::/app.slice/job\n");
    put(MOUNTINFO, V2_MOUNT);
    put(V2_FILE, "50000 100000\n");
    expect(1, 50000, 100000, "/" V2_FILE);
    put(V2_FILE, "200000 100000\n");
    expect(2, 200000, 100000, "/" V2_FILE);
    put(V2_FILE, "50000 100000"); /* no newline */
    expect(1, 50000, 100000, "/" V2_FILE);
}

CHECK_CASE(max)
{
    tree_new();
    put(CGROUP, "0::/app.slice/job\n");
    put(MOUNTINFO, V2_MOUNT);
    put(V2_FILE, "max 100000\n");
    NONE();
    put(V2_FILE, "max 1000000\n");
    NONE();
}

CHECK_CASE(round_up)
{
    static const struct {
        const char *text;
        unsigned cpus;
        uint64_t q, p;
    } t[] = {
        {"150000 100000\n", 2, 150000, 100000},
        {"100000 100000\n", 1, 100000, 100000},
        {"100001 100000\n", 2, 100001, 100000},
        {"1000 100000\n", 1, 1000, 100000}, /* at least 1 */
        {"1 1000000\n", 1, 1, 1000000},
        {"250000 100000\n", 3, 250000, 100000},
        {"75000 50000\n", 2, 75000, 50000},
        {"800000 100000\n", 8, 800000, 100000},
        {"100000000000 100000\n", 1000000, 100000000000ull, 100000},
    };
    tree_new();
    put(CGROUP, "0::/app.slice/job\n");
    put(MOUNTINFO, V2_MOUNT);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        put(V2_FILE, t[i].text);
        expect(t[i].cpus, t[i].q, t[i].p, "/" V2_FILE);
    }
}

#define V1_DIR "sys/fs/cgroup/cpu,cpuacct/job/"

CHECK_CASE(v1)
{
    tree_new();
    put(CGROUP, "12:cpuset:/job\n11:cpuacct:/job\n4:cpu,cpuacct:/job\n"
                "1:name=systemd:/job\n");
    put(MOUNTINFO, V1_CPUSET_MOUNT V1_CPUACCT_MOUNT V1_CPU_MOUNT);
    /* quotas where no cpu controller is: never read */
    put("sys/fs/cgroup/cpuset/job/cpu.cfs_quota_us", "10000\n");
    put("sys/fs/cgroup/cpuset/job/cpu.cfs_period_us", "100000\n");
    put("sys/fs/cgroup/cpuacct/job/cpu.cfs_quota_us", "10000\n");
    put("sys/fs/cgroup/cpuacct/job/cpu.cfs_period_us", "100000\n");
    put(V1_DIR "cpu.cfs_quota_us", "-1\n");
    put(V1_DIR "cpu.cfs_period_us", "100000\n");
    NONE();
    put(V1_DIR "cpu.cfs_quota_us", "50000\n");
    expect(1, 50000, 100000, "/" V1_DIR "cpu.cfs_quota_us");
    put(V1_DIR "cpu.cfs_quota_us", "150000\n");
    expect(2, 150000, 100000, "/" V1_DIR "cpu.cfs_quota_us");
    put(V1_DIR "cpu.cfs_period_us", "50000\n");
    expect(3, 150000, 50000, "/" V1_DIR "cpu.cfs_quota_us");
    /* cpu alone, mounted at /sys/fs/cgroup/cpu */
    tree_new();
    put(CGROUP, "3:cpu:/a\n");
    put(MOUNTINFO,
        "40 25 0:40 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n");
    put("sys/fs/cgroup/cpu/a/cpu.cfs_quota_us", "100000\n");
    put("sys/fs/cgroup/cpu/a/cpu.cfs_period_us", "100000\n");
    expect(1, 100000, 100000, "/sys/fs/cgroup/cpu/a/cpu.cfs_quota_us");
}

CHECK_CASE(nested)
{
    tree_new();
    put(CGROUP, "0::/a/b/c\n");
    put(MOUNTINFO, V2_MOUNT);
    /* an ancestor has the smallest */
    put("sys/fs/cgroup/a/b/c/cpu.max", "max 100000\n");
    put("sys/fs/cgroup/a/b/cpu.max", "300000 100000\n");
    put("sys/fs/cgroup/a/cpu.max", "50000 100000\n");
    expect(1, 50000, 100000, "/sys/fs/cgroup/a/cpu.max");
    /* the leaf has */
    put("sys/fs/cgroup/a/cpu.max", "max 100000\n");
    put("sys/fs/cgroup/a/b/c/cpu.max", "120000 100000\n");
    expect(2, 120000, 100000, "/sys/fs/cgroup/a/b/c/cpu.max");
    /* the middle one, both 2 rounded up: the smaller quota / period */
    put("sys/fs/cgroup/a/b/c/cpu.max", "200000 100000\n");
    put("sys/fs/cgroup/a/b/cpu.max", "150000 100000\n");
    put("sys/fs/cgroup/a/cpu.max", "100000 50000\n");
    expect(2, 150000, 100000, "/sys/fs/cgroup/a/b/cpu.max");
    /* periods differ: 60000/40000 = 1.5 is larger than 140000/100000 */
    put("sys/fs/cgroup/a/b/cpu.max", "60000 40000\n");
    put("sys/fs/cgroup/a/cpu.max", "140000 100000\n");
    expect(2, 140000, 100000, "/sys/fs/cgroup/a/cpu.max");
    /* the mount point itself (a container's cgroup namespace shows its
     * cgroup there) */
    put("sys/fs/cgroup/cpu.max", "40000 100000\n");
    expect(1, 40000, 100000, "/sys/fs/cgroup/cpu.max");
    /* the same on v1 */
    tree_new();
    put(CGROUP, "4:cpu,cpuacct:/x/y\n");
    put(MOUNTINFO, V1_CPU_MOUNT);
    put("sys/fs/cgroup/cpu,cpuacct/x/y/cpu.cfs_quota_us", "-1\n");
    put("sys/fs/cgroup/cpu,cpuacct/x/y/cpu.cfs_period_us", "100000\n");
    put("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us", "90000\n");
    put("sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_period_us", "100000\n");
    put("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    put("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    expect(1, 90000, 100000, "/sys/fs/cgroup/cpu,cpuacct/x/cpu.cfs_quota_us");
}

CHECK_CASE(malformed)
{
    static const char *const bad[] = {
        "",
        "\n",
        "abc\n",
        "150000\n",
        "150000 0\n",
        "0 100000\n",
        "-5 100000\n",
        "150000 -1\n",
        "150000 100000 7\n",
        "150000  100000\n",
        " 150000 100000\n",
        "150000 100000\n\n",
        "150000 100000x\n",
        "150000,100000\n",
        "max\n",
        "MAX 100000\n",
        "+150000 100000\n",
        "1500000000000000000000 100000\n",
        "150000 1000000000000000000000\n",
        "1.5 1\n",
        "0x10 100000\n",
        "150000 100000                                                  \n",
    };
    tree_new();
    put(CGROUP, "0::/job\n");
    put(MOUNTINFO, V2_MOUNT);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put("sys/fs/cgroup/job/cpu.max", bad[i]);
        NONE();
    }
    /* a malformed leaf, a good ancestor (the mount point) */
    put("sys/fs/cgroup/job/cpu.max", "garbage\n");
    put("sys/fs/cgroup/cpu.max", "50000 100000\n");
    expect(1, 50000, 100000, "/sys/fs/cgroup/cpu.max");

    /* v1 */
    static const char *const bad_v1[][2] = {
        {"abc\n", "100000\n"},
        {"-1\n", "100000\n"},
        {"0\n", "100000\n"},
        {"50000\n", "0\n"},
        {"50000\n", "abc\n"},
        {"50000 1\n", "100000\n"},
        {"-50000\n", "100000\n"},
        {"50000\n", "-100000\n"},
        {"50000\n", ""},
        {"", "100000\n"},
        {"99999999999999999999\n", "100000\n"},
    };
    tree_new();
    put(CGROUP, "4:cpu,cpuacct:/job\n");
    put(MOUNTINFO, V1_CPU_MOUNT);
    for (size_t i = 0; i < sizeof bad_v1 / sizeof bad_v1[0]; i++) {
        put(V1_DIR "cpu.cfs_quota_us", bad_v1[i][0]);
        put(V1_DIR "cpu.cfs_period_us", bad_v1[i][1]);
        NONE();
    }

    /* lines of /proc/self/cgroup and mountinfo that do not parse, before
     * and after the good ones: skipped */
    tree_new();
    put(CGROUP, "garbage\n0:\n0::relative\n::\n\n0::/job\n0::/other\n");
    put(MOUNTINFO,
        "\nshort line\n1 2 3 4 5 6 7\n"
        "30 23 0:26 / /sys/fs/cgroup rw - cgroup2\n"
        "30 23 0:26 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n" V2_MOUNT
        "junk after\n");
    put("sys/fs/cgroup/job/cpu.max", "50000 100000\n");
    expect(1, 50000, 100000, "/sys/fs/cgroup/job/cpu.max");
    /* an empty cgroup file, an empty mountinfo */
    put(CGROUP, "");
    NONE();
    put(CGROUP, "0::/job\n");
    put(MOUNTINFO, "");
    NONE();
}

CHECK_CASE(missing)
{
    tree_new(); /* nothing at all */
    NONE();
    put(CGROUP, "0::/job\n"); /* no mountinfo */
    NONE();
    put(MOUNTINFO, V1_CPU_MOUNT); /* no v2 mount */
    put("sys/fs/cgroup/job/cpu.max", "50000 100000\n");
    NONE();
    put(MOUNTINFO, V2_MOUNT); /* all there */
    expect(1, 50000, 100000, "/sys/fs/cgroup/job/cpu.max");
    drop(CGROUP); /* no cgroup file */
    NONE();
    put(CGROUP, "0::/job/gone\n"); /* a directory that is not there */
    expect(1, 50000, 100000, "/sys/fs/cgroup/job/cpu.max");
    drop("sys/fs/cgroup/job/cpu.max");
    NONE();
    /* v1: either file missing */
    tree_new();
    put(CGROUP, "4:cpu,cpuacct:/job\n");
    put(MOUNTINFO, V1_CPU_MOUNT);
    put(V1_DIR "cpu.cfs_quota_us", "50000\n");
    NONE();
    put(V1_DIR "cpu.cfs_period_us", "100000\n");
    expect(1, 50000, 100000, "/" V1_DIR "cpu.cfs_quota_us");
    drop(V1_DIR "cpu.cfs_quota_us");
    NONE();
    /* a cgroup line of the cpu controller, no mount of it */
    put(MOUNTINFO, V1_CPUSET_MOUNT);
    NONE();
}

CHECK_CASE(hybrid)
{
    /* systemd's hybrid layout: v2 at unified (no controllers), v1 cpu */
    tree_new();
    put(CGROUP, "12:cpuset:/\n4:cpu,cpuacct:/user.slice/u\n"
                "1:name=systemd:/user.slice/u\n0::/user.slice/u\n");
    put(MOUNTINFO,
        "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
        "rw,xattr,name=systemd\n" V1_CPUSET_MOUNT V1_CPU_MOUNT);
    put("sys/fs/cgroup/unified/user.slice/u/cgroup.procs", "");
    put("sys/fs/cgroup/cpu,cpuacct/user.slice/u/cpu.cfs_quota_us", "-1\n");
    put("sys/fs/cgroup/cpu,cpuacct/user.slice/u/cpu.cfs_period_us", "100000\n");
    NONE();
    put("sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us", "50000\n");
    put("sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_period_us", "100000\n");
    expect(1, 50000, 100000,
           "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us");
    /* quotas in both: the smaller (a real system has one of them) */
    put("sys/fs/cgroup/unified/user.slice/u/cpu.max", "40000 100000\n");
    expect(1, 40000, 100000, "/sys/fs/cgroup/unified/user.slice/u/cpu.max");
    put("sys/fs/cgroup/unified/user.slice/u/cpu.max", "300000 100000\n");
    expect(1, 50000, 100000,
           "/sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us");
    /* the v1 quota gone: v2's */
    put("sys/fs/cgroup/cpu,cpuacct/user.slice/cpu.cfs_quota_us", "-1\n");
    expect(3, 300000, 100000, "/sys/fs/cgroup/unified/user.slice/u/cpu.max");
}

CHECK_CASE(mount_root)
{
    /* a container without a cgroup namespace: the mount shows its cgroup
     * /docker/abc at the mount point, ancestors not at all */
    tree_new();
    put(CGROUP, "0::/docker/abc\n");
    put(MOUNTINFO, "700 690 0:26 /docker/abc /sys/fs/cgroup ro,nosuid - "
                   "cgroup2 cgroup rw\n");
    put("sys/fs/cgroup/cpu.max", "50000 100000\n");
    put("sys/fs/cgroup/docker/abc/cpu.max", "10000 100000\n"); /* not it */
    expect(1, 50000, 100000, "/sys/fs/cgroup/cpu.max");
    put(CGROUP, "0::/docker/abc/inner\n");
    put("sys/fs/cgroup/inner/cpu.max", "max 100000\n");
    expect(1, 50000, 100000, "/sys/fs/cgroup/cpu.max");
    /* a cgroup outside the mount's root, or a prefix that is no parent */
    put(CGROUP, "0::/docker/other\n");
    NONE();
    put(CGROUP, "0::/docker/abcd\n");
    NONE();
    /* another mount of the hierarchy shows it */
    put(MOUNTINFO, "700 690 0:26 /docker/abc /sys/fs/cgroup ro - cgroup2 "
                   "cgroup rw\n"
                   "701 690 0:26 / /mnt/all rw - cgroup2 cgroup rw\n");
    put("mnt/all/docker/abcd/cpu.max", "60000 100000\n");
    expect(1, 60000, 100000, "/mnt/all/docker/abcd/cpu.max");
    /* a cgroup namespace shows cgroups outside it with "..": not read */
    put(CGROUP, "0::/../sibling\n");
    put("mnt/sibling/cpu.max", "50000 100000\n");
    NONE();
    /* an escaped mount point (a space is \040) */
    tree_new();
    put(CGROUP, "0::/job\n");
#define ESCAPED "30 23 0:26 / /sys/fs/cgroup\\040x rw - cgroup2 cgroup2 rw\n"
    put(MOUNTINFO, ESCAPED);
    put("sys/fs/cgroup x/job/cpu.max", "50000 100000\n");
    expect(1, 50000, 100000, "/sys/fs/cgroup x/job/cpu.max");
    /* a mountinfo line longer than the reader's line before it: skipped */
    char *text = malloc(20000);
    CHECK(text != NULL);
    strcpy(text, "1 1 0:1 / / rw - overlay overlay rw,lowerdir=");
    size_t n = strlen(text);
    memset(text + n, 'x', 10000);
    strcpy(text + n + 10000, "\n" ESCAPED);
    put(MOUNTINFO, text);
    free(text);
    expect(1, 50000, 100000, "/sys/fs/cgroup x/job/cpu.max");
}

CHECK_CASE(explicit)
{
    char text[8192];
    tree_new();
    put(CGROUP, "0::/job\n");
    put(MOUNTINFO, V2_MOUNT);
    put("sys/fs/cgroup/job/cpu.max", "50000 100000\n");
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.bind = 0;
    cfg.workers = 3;
    weft_pool *pool;
    weft_stats s;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    print_to(pool, text, sizeof text);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(s.workers, 3);
    CHECK_EQ(s.sized_by, WEFT_SIZED_CONFIG);
    CHECK_EQ(s.quota_cpus, 0); /* (not read) */
    CHECK(strstr(text, "  sized by       weft_config.workers\n") != NULL);
    CHECK(strstr(text, "cgroup quota") == NULL);

    CHECK_EQ(setenv("WEFT_WORKERS", "2", 1), 0);
    cfg.workers = 0;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    print_to(pool, text, sizeof text);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    unsetenv("WEFT_WORKERS");
    CHECK_EQ(s.workers, 2);
    CHECK_EQ(s.sized_by, WEFT_SIZED_ENV);
    CHECK_EQ(s.quota_cpus, 0);
    CHECK(strstr(text, "  sized by       $WEFT_WORKERS\n") != NULL);

    /* a synthetic topology is another machine: no quota of this one */
    cfg.topology = "core:4 pu:1";
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    print_to(pool, text, sizeof text);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    CHECK_EQ(s.workers, 4);
    CHECK_EQ(s.cores, 4);
    CHECK_EQ(s.sized_by, WEFT_SIZED_CPUSET);
    CHECK_EQ(s.quota_cpus, 0);
    CHECK(strstr(text, "  cgroup quota   none (not applied to a synthetic "
                       "topology)\n") != NULL);
    /* and the quota still counts for the machine's */
    expect(1, 50000, 100000, "/sys/fs/cgroup/job/cpu.max");
}

/* ---- one CPU ---------------------------------------------------------------- */

/* The pool of the child's configuration: its stats, and whether its print
 * has the warning. */
static weft_stats child_pool(unsigned workers, int *warned)
{
    weft_config cfg;
    weft_config_init(&cfg);
    cfg.workers = workers;
    weft_pool *pool;
    char text[8192];
    weft_stats s;
    CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
    CHECK_EQ(weft_pool_stats(pool, &s), 0);
    print_to(pool, text, sizeof text);
    check_works(pool);
    CHECK_EQ(weft_pool_destroy(pool), 0);
    *warned = strstr(text, "  warning        ") != NULL;
    if (*warned)
        CHECK(strstr(text, " workers share one CPU (") != NULL);
    return s;
}

static int bind_thread(pid_t tid, const char *name, void *set)
{
    (void)name;
    CHECK_EQ(sched_setaffinity(tid, sizeof(cpu_set_t), set), 0);
    return 1;
}

/* Binds the process, every thread of it (a sanitizer's own included), to
 * its first CPU, as a launcher binds a process it starts. */
static void bind_one(void)
{
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    int cpu = 0;
    while (!CPU_ISSET(cpu, &set))
        cpu++;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    CHECK(each_thread(bind_thread, &set) >= 1);
}

static int one_cpu_child(void *arg)
{
    (void)arg;
    bind_one();
    int warned;
    weft_stats s = child_pool(0, &warned); /* the default: 1 */
    CHECK_EQ(s.workers, 1);
    CHECK_EQ(s.one_cpu_oversubscribed, 0);
    CHECK_EQ(warned, 0);
    s = child_pool(1, &warned);
    CHECK_EQ(s.one_cpu_oversubscribed, 0);
    CHECK_EQ(warned, 0);
    for (int i = 0; i < 2; i++) { /* said on stderr the first time only */
        s = child_pool(2, &warned);
        CHECK_EQ(s.workers, 2);
        CHECK_EQ(s.one_cpu_oversubscribed, 1);
        CHECK_EQ(warned, 1);
    }
    CHECK_EQ(setenv("WEFT_WORKERS", "3", 1), 0);
    s = child_pool(0, &warned);
    CHECK_EQ(s.workers, 3);
    CHECK_EQ(s.sized_by, WEFT_SIZED_ENV);
    CHECK_EQ(s.one_cpu_oversubscribed, 1);
    CHECK_EQ(warned, 1);
    return 0;
}

static int one_cpu_env_child(void *arg)
{
    (void)arg;
    bind_one();
    CHECK_EQ(setenv("WEFT_WORKERS", "04", 1), 0);
    int warned;
    weft_stats s = child_pool(0, &warned);
    CHECK_EQ(s.workers, 4);
    CHECK_EQ(s.one_cpu_oversubscribed, 1);
    CHECK_EQ(warned, 1);
    return 0;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

CHECK_CASE(one_cpu)
{
    char err[4096];
    int status = check_in_child(one_cpu_child, NULL, err, sizeof err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "%s", err);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(count(err, "weft: pool "), 1);
    CHECK(strstr(err, "weft: pool 'pool' has 2 workers (weft_config.workers) "
                      "on one CPU, CPU ") != NULL);
    CHECK(strstr(err, ": they take turns on it; a launcher that binds the "
                      "process to one CPU (mpirun, srun, taskset) is the "
                      "usual cause\n") != NULL);

    status = check_in_child(one_cpu_env_child, NULL, err, sizeof err);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(count(err, "weft: pool "), 1);
    CHECK(strstr(err, "weft: pool 'pool' has 4 workers ($WEFT_WORKERS=04) "
                      "on one CPU, CPU ") != NULL);

    /* two workers on CPUs 0 and 1, where the process has both: no
     * warning */
    cpu_set_t set;
    CHECK_EQ(sched_getaffinity(0, sizeof set, &set), 0);
    if (CPU_ISSET(0, &set) && CPU_ISSET(1, &set)) {
        weft_config cfg;
        weft_config_init(&cfg);
        cfg.workers = 2;
        cfg.cpuset = "0-1";
        weft_pool *pool;
        weft_stats s;
        CHECK_EQ(weft_pool_create(&pool, &cfg), 0);
        CHECK_EQ(weft_pool_stats(pool, &s), 0);
        CHECK_EQ(weft_pool_destroy(pool), 0);
        CHECK_EQ(s.one_cpu_oversubscribed, 0);
    }
}

CHECK_CASE(real)
{
    tree_drop(); /* this machine's files */
    char text[8192];
    weft_stats s = pool_default(text, sizeof text);
    CHECK(s.cores >= 1);
    if (s.quota_cpus && s.quota_cpus < s.cores) {
        CHECK_EQ(s.workers, s.quota_cpus);
        CHECK_EQ(s.sized_by, WEFT_SIZED_QUOTA);
    } else {
        CHECK_EQ(s.workers, s.cores);
        CHECK_EQ(s.sized_by, WEFT_SIZED_CPUSET);
    }
    CHECK_EQ(s.quota_cpus == 0, s.quota_us == 0);
    CHECK_EQ(s.quota_cpus == 0, s.period_us == 0);
    printf("  this machine: %u cores, quota %u CPUs (%llu/%llu us): %u "
           "workers\n",
           s.cores, s.quota_cpus, (unsigned long long)s.quota_us,
           (unsigned long long)s.period_us, s.workers);
}

static const struct check_case cases[] = {{"v2", v2, 0},
                                          {"max", max, 0},
                                          {"round-up", round_up, 0},
                                          {"v1", v1, 0},
                                          {"nested", nested, 0},
                                          {"malformed", malformed, 0},
                                          {"missing", missing, 0},
                                          {"hybrid", hybrid, 0},
                                          {"mount-root", mount_root, 0},
                                          {"explicit", explicit, 0},
                                          {"one-cpu", one_cpu, 0},
                                          {"real", real, 0},
                                          {NULL, NULL, 0}};

static const struct check_program program = {"test-cgroup", "", setup, teardown,
                                             cases};

int main(int argc, char **argv) { return check_main(&program, argc, argv); }

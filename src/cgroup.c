/*
 * cgroup.c - container-aware sizing: the CPU quota of the process's
 * cgroup, and the worker count that it, the cpuset and the configuration
 * decide.
 *
 * The quota.  /proc/self/cgroup names the process's cgroup in each
 * hierarchy ("0::/path" for cgroup v2, "ID:cpu,cpuacct:/path" for the v1
 * hierarchy that has the cpu controller); /proc/self/mountinfo says where
 * each hierarchy is mounted and which of its cgroups the mount shows at
 * its mount point (the mount's root: "/" on the host and in a cgroup
 * namespace, the container's own cgroup in a container without one).  A
 * cgroup's quota is v2's cpu.max ("max PERIOD" or "QUOTA PERIOD") or v1's
 * cpu.cfs_quota_us and cpu.cfs_period_us (quota -1: none), in
 * microseconds.  A quota caps the CPU time of the cgroup's whole subtree,
 * so the process is bound by the smallest quota of its cgroup and of every
 * ancestor that the mount shows: we read each directory from the process's
 * cgroup up to the mount point and keep the smallest quota / period.  Both
 * the v2 hierarchy and v1's cpu hierarchy are read when both are there (a
 * hybrid system, where the cpu controller is attached to one of them and
 * the other has no quota files).  The count is the quota rounded up, at
 * least 1.
 *
 * Reading never fails a pool: a file that is missing, cannot be read, is
 * longer than a line or does not parse has no quota, and so does a
 * process whose cgroup the mount does not show (outside the mount's root).
 * The files are read at each pool's creation (a few small reads), so a
 * quota changed while the process runs counts for the pools created after.
 *
 * The worker count (weft__size): weft_config.workers, else $WEFT_WORKERS
 * (pool.c reads both), else the smaller of the cores of the pool's cpuset
 * and the quota's count, capped at WEFT_MAX_WORKERS.  A synthetic topology
 * describes another machine: this machine's quota is not applied to it.
 * More than one worker asked for on a cpuset of one CPU (the
 * mpirun-binding mistake) is flagged in the stats and said once per
 * process on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "internal.h"

#define CG_PATH 4096 /* longest path (PATH_MAX): a longer one has no quota */
#define CG_LINE 4096 /* longest line read: longer lines are skipped */
#define CG_FILE 64   /* longest quota file: longer ones are malformed */

/* A line reader over a file descriptor (no stdio: its buffer is malloc's). */
struct lines {
    int fd;
    size_t pos, len;
    char buf[CG_LINE];
};

/* Everything the reader needs, on the heap (a pool may be created on a
 * worker with a small stack). */
struct scratch {
    struct lines in;
    char line[CG_LINE];
    char v2[CG_PATH];  /* the process's cgroup in the v2 hierarchy */
    char v1[CG_PATH];  /* ... in the v1 hierarchy of the cpu controller */
    char dir[CG_PATH]; /* the directory read now: root, mount, cgroup */
    char file[CG_PATH + 32];
    char best[CG_PATH + 32]; /* the file of the smallest quota */
    int have_v2, have_v1;    /* the process's cgroup lines */
    int done_v2, done_v1;    /* a mount of that hierarchy was read */
    uint64_t quota, period;  /* the smallest so far (quota 0: none) */
};

#ifdef WEFT_TEST_HOOKS
static const char *test_root;

void weft__test_cgroup_root(const char *root)
{
    weft__atomic_store_release(&test_root, root);
}
#endif

/* The directory that stands for "/" (tests: their own tree), "" for "/". */
static const char *root_dir(void)
{
#ifdef WEFT_TEST_HOOKS
    const char *r = weft__atomic_load_acquire(&test_root);
    return r ? r : "";
#else
    return "";
#endif
}

static int open_at_root(const char *path)
{
    char full[CG_PATH];
    int n = snprintf(full, sizeof full, "%s%s", root_dir(), path);
    if (n < 0 || (size_t)n >= sizeof full)
        return -1;
    return open(full, O_RDONLY | O_CLOEXEC);
}

/* The next line of r into out without its newline: 1, or 0 at the end (or
 * on a read error).  A line of outsz bytes or more is skipped whole. */
static int next_line(struct lines *r, char *out, size_t outsz)
{
    size_t n = 0;
    int any = 0, overlong = 0;
    for (;;) {
        if (r->pos == r->len) {
            ssize_t k = read(r->fd, r->buf, sizeof r->buf);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            r->pos = 0;
            r->len = (size_t)k;
        }
        char c = r->buf[r->pos++];
        any = 1;
        if (c == '\n') {
            if (!overlong) {
                out[n] = '\0';
                return 1;
            }
            n = 0;
            any = overlong = 0;
        } else if (n + 1 < outsz) {
            out[n++] = c;
        } else {
            overlong = 1;
        }
    }
    if (any && !overlong) {
        out[n] = '\0';
        return 1;
    }
    return 0;
}

/* A whole small file into buf (NUL-terminated): 0, or -1 when it is
 * missing, unreadable or CG_FILE bytes or longer. */
static int read_small(const char *path, char *buf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    for (;;) {
        ssize_t k = read(fd, buf + len, CG_FILE - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            close(fd);
            if (k < 0 || len == CG_FILE)
                return -1;
            buf[len] = '\0';
            return 0;
        }
        len += (size_t)k;
        if (len == CG_FILE) { /* no quota file is this long */
            close(fd);
            return -1;
        }
    }
}

/* A decimal number of at most 18 digits at *s (no sign): 0 and *s past
 * it, or -1. */
static int parse_u64(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 18)
            return -1;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (!digits)
        return -1;
    *s = p;
    *out = v;
    return 0;
}

/* s is at its end, or at a newline that ends it. */
static int at_end(const char *s)
{
    return s[0] == '\0' || (s[0] == '\n' && s[1] == '\0');
}

/* A file of one positive number: 0 with it in *out, else -1. */
static int read_number(const char *path, uint64_t *out)
{
    char buf[CG_FILE + 1];
    const char *s = buf;
    if (read_small(path, buf) != 0 || parse_u64(&s, out) != 0 || !at_end(s) ||
        *out == 0)
        return -1;
    return 0;
}

/* The quota of the cgroup in s->dir (v2: cpu.max; v1: cpu.cfs_*): 1 with
 * it in *q and *p, 0 for none (unlimited, missing or malformed). */
static int read_quota(struct scratch *s, int v2, uint64_t *q, uint64_t *p)
{
    int n;
    if (v2) {
        n = snprintf(s->file, sizeof s->file, "%s/cpu.max", s->dir);
        char buf[CG_FILE + 1];
        const char *c = buf;
        if (n < 0 || (size_t)n >= sizeof s->file || read_small(s->file, buf))
            return 0;
        /* "max PERIOD": no quota; "QUOTA PERIOD", both positive */
        if (parse_u64(&c, q) != 0 || *c++ != ' ' || parse_u64(&c, p) != 0 ||
            !at_end(c) || *q == 0 || *p == 0)
            return 0;
        return 1;
    }
    n = snprintf(s->file, sizeof s->file, "%s/cpu.cfs_period_us", s->dir);
    if (n < 0 || (size_t)n >= sizeof s->file || read_number(s->file, p))
        return 0;
    n = snprintf(s->file, sizeof s->file, "%s/cpu.cfs_quota_us", s->dir);
    /* (-1, no quota, does not parse as a positive number) */
    if (n < 0 || (size_t)n >= sizeof s->file || read_number(s->file, q))
        return 0;
    return 1;
}

/* Reads the quotas from s->dir up to its first base bytes (the mount
 * point), keeping the smallest in s. */
static void walk_up(struct scratch *s, size_t base, int v2)
{
    for (;;) {
        uint64_t q, p;
        /* smaller: q / p < s->quota / s->period */
        if (read_quota(s, v2, &q, &p) &&
            (s->quota == 0 || (unsigned __int128)q * s->period <
                                  (unsigned __int128)s->quota * p)) {
            s->quota = q;
            s->period = p;
            memcpy(s->best, s->file, sizeof s->best);
        }
        size_t len = strlen(s->dir);
        if (len <= base)
            return;
        char *slash = strrchr(s->dir, '/');
        size_t cut = slash ? (size_t)(slash - s->dir) : 0;
        s->dir[cut > base ? cut : base] = '\0';
    }
}

/* Undoes mountinfo's octal escapes (\040 for a space, ...) in place. */
static void unescape(char *s)
{
    char *d = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
            s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *d++ = *s++;
        }
    }
    *d = '\0';
}

/* The next space-separated field of *s (NUL-terminated in place), or NULL
 * when there is none. */
static char *next_field(char **s)
{
    char *f = *s;
    if (!f || !*f)
        return NULL;
    char *sp = strchr(f, ' ');
    if (sp) {
        *sp = '\0';
        *s = sp + 1;
    } else {
        *s = NULL;
    }
    return f;
}

/* 1 when the comma-separated list has the item word. */
static int has_item(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && memcmp(p, word, n) == 0)
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* Reads /proc/self/cgroup: the process's v2 cgroup and its cgroup in the
 * v1 hierarchy of the cpu controller. */
static void read_cgroups(struct scratch *s)
{
    s->in.fd = open_at_root("/proc/self/cgroup");
    if (s->in.fd < 0)
        return;
    s->in.pos = s->in.len = 0;
    while (next_line(&s->in, s->line, sizeof s->line)) {
        /* "ID:CONTROLLERS:PATH"; the path may hold colons */
        char *c1 = strchr(s->line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2 || c2[1] != '/')
            continue;
        *c1 = *c2 = '\0';
        const char *path = c2 + 1;
        if (strcmp(s->line, "0") == 0 && c1[1] == '\0' && !s->have_v2) {
            s->have_v2 = 1;
            memcpy(s->v2, path, strlen(path) + 1);
        } else if (has_item(c1 + 1, "cpu") && !s->have_v1) {
            s->have_v1 = 1;
            memcpy(s->v1, path, strlen(path) + 1);
        }
    }
    close(s->in.fd);
}

/* The part of cgroup path cg below mnt_root, the cgroup the mount shows
 * at its mount point ("" for that cgroup itself); NULL when cg is not
 * under it, or climbs out with "..". */
static const char *below(const char *cg, const char *mnt_root)
{
    size_t n = strcmp(mnt_root, "/") == 0 ? 0 : strlen(mnt_root);
    if (strncmp(cg, mnt_root, n) != 0 || (cg[n] != '/' && cg[n] != '\0'))
        return NULL;
    const char *rel = cg + n;
    for (const char *p = strstr(rel, "/.."); p; p = strstr(p + 1, "/.."))
        if (p[3] == '/' || p[3] == '\0')
            return NULL;
    return strcmp(rel, "/") == 0 ? "" : rel;
}

/* One line of /proc/self/mountinfo: a cgroup mount that shows one of the
 * process's cgroups is read, once per hierarchy. */
static void read_mount(struct scratch *s, char *line)
{
    /* ID PARENT MAJ:MIN ROOT MOUNT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
    char *f[5], *type = NULL, *super = NULL, *x;
    for (int i = 0; i < 5; i++)
        if (!(f[i] = next_field(&line)))
            return;
    while ((x = next_field(&line)) != NULL && strcmp(x, "-") != 0)
        ;
    if (!x || !(type = next_field(&line)) || !next_field(&line) ||
        !(super = next_field(&line)))
        return;
    int v2 = strcmp(type, "cgroup2") == 0;
    if (v2 ? !s->have_v2 || s->done_v2
           : strcmp(type, "cgroup") != 0 || !s->have_v1 || s->done_v1 ||
                 !has_item(super, "cpu"))
        return;
    char *mnt_root = f[3], *mount = f[4];
    unescape(mnt_root);
    unescape(mount);
    const char *rel = below(v2 ? s->v2 : s->v1, mnt_root);
    if (!rel) /* another mount of the hierarchy may show it */
        return;
    if (strcmp(mount, "/") == 0)
        mount = "";
    const char *root = root_dir();
    size_t base = strlen(root) + strlen(mount);
    int n = snprintf(s->dir, sizeof s->dir, "%s%s%s", root, mount, rel);
    if (n < 0 || (size_t)n >= sizeof s->dir)
        return;
    *(v2 ? &s->done_v2 : &s->done_v1) = 1;
    walk_up(s, base, v2);
}

int weft__cgroup_quota(struct weft__quota *out)
{
    struct weft__quota none = {0};
    *out = none;
    struct scratch *s = weft__alloc(sizeof *s);
    if (!s)
        return WEFT_ENOMEM;
    read_cgroups(s);
    if (s->have_v1 || s->have_v2) {
        s->in.fd = open_at_root("/proc/self/mountinfo");
        if (s->in.fd >= 0) {
            s->in.pos = s->in.len = 0;
            while (next_line(&s->in, s->line, sizeof s->line))
                read_mount(s, s->line);
            close(s->in.fd);
        }
    }
    int rc = 0;
    if (s->quota) {
        uint64_t cpus = (s->quota + s->period - 1) / s->period;
        out->cpus = cpus > UINT32_MAX ? UINT32_MAX : (unsigned)cpus;
        out->quota_us = s->quota;
        out->period_us = s->period;
        /* (the file as the system names it, without a test's root) */
        out->file = weft__strdup(s->best + strlen(root_dir()));
        if (!out->file) {
            *out = none;
            rc = WEFT_ENOMEM;
        }
    }
    weft__free(s, sizeof *s);
    return rc;
}

/* Says once per process that a pool's workers share one CPU. */
static void say_one_cpu(const struct weft_pool *pool, unsigned n, int by)
{
    static uint32_t said;
    if (weft__atomic_exchange_acqrel(&said, 1u) != 0)
        return;
    const char *env = by == WEFT_SIZED_ENV ? getenv("WEFT_WORKERS") : NULL;
    fprintf(stderr,
            "weft: pool '%s' has %u workers (%s%s) on one CPU, CPU %d: they "
            "take turns on it; a launcher that binds the process to one CPU "
            "(mpirun, srun, taskset) is the usual cause\n",
            pool->name, n, env ? "$WEFT_WORKERS=" : "weft_config.workers",
            env ? env : "", weft__topo_core_cpu(pool->topo, 0));
}

int weft__size(struct weft_pool *pool, unsigned asked, int by, unsigned *out)
{
    struct weft__sizing *z = &pool->sizing;
    z->cores = weft__topo_cores(pool->topo);
    z->cpus = weft__topo_cpus(pool->topo);
    int real = pool->cfg.topology == NULL;
    if (asked) {
        z->by = by;
        z->one_cpu = real && z->cpus == 1 && asked > 1;
        if (z->one_cpu)
            say_one_cpu(pool, asked, by);
        *out = asked;
        return 0;
    }
    int rc = real ? weft__cgroup_quota(&z->quota) : 0;
    if (rc != 0)
        return rc;
    unsigned n = z->cores;
    z->by = WEFT_SIZED_CPUSET;
    if (z->quota.cpus && z->quota.cpus < n) {
        n = z->quota.cpus;
        z->by = WEFT_SIZED_QUOTA;
    }
    if (n > WEFT_MAX_WORKERS) {
        n = WEFT_MAX_WORKERS;
        z->by = WEFT_SIZED_MAX;
    }
    *out = n;
    return 0;
}

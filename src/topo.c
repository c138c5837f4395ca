/*
 * topo.c - the machine's topology and thread binding: the only file that
 * calls hwloc.
 *
 * A pool's CPU set is the CPUs this process may run on (its binding, as set
 * by taskset, cgroups or an MPI launcher, within the CPUs the topology
 * allows), intersected with the configured cpuset string if one is given.
 * The pool's cores are the topology's cores that meet that set, in
 * topology order (so neighbours in the list share caches and NUMA nodes);
 * worker i is bound to core i mod ncores, on the CPUs of that core that lie
 * in the set.  A machine whose topology shows no cores gives one "core" per
 * processing unit.
 *
 * Each core also has a NUMA node (of those whose CPUs meet the core's, the
 * one with the fewest CPUs; numbered as the OS numbers it, as numactl does):
 * workers steal from the workers of their own node first (worker.c).
 *
 * The real topology is loaded once per process and shared, read-only, by
 * every pool (loading takes milliseconds).  A synthetic topology string
 * (weft_config.topology) gets a topology of its own, once its size is
 * checked (check_synthetic_size: hwloc would take seconds and gigabytes
 * over a large one); binding to its simulated cores fails, and the pool
 * records that and runs unbound.
 *
 * hwloc itself reads $HWLOC_XMLFILE and $HWLOC_SYNTHETIC when it loads the
 * machine's topology, and unless $HWLOC_THISSYSTEM=1 it takes what they
 * describe for another system: its binding calls then do nothing and
 * report success, and the process's binding reads as every CPU.  No flag
 * or blacklist makes hwloc ignore those variables, so such a "foreign"
 * description is used as given, but binding goes through hwloc's Linux
 * call (sched_setaffinity of the thread) and the process's CPUs are the
 * main thread's mask as the kernel gives it (main_thread_cpus), both of
 * which act on this machine: a CPU the description names and this machine
 * lacks fails to bind, and taskset is honoured.
 */
#define _GNU_SOURCE /* CPU_ALLOC */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <hwloc.h>
#include <hwloc/linux.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct weft__topo {
    hwloc_topology_t topo;
    int owned;             /* 1: synthetic, destroyed with the pool */
    int foreign;           /* 1: the machine's topology, as described by
                              $HWLOC_XMLFILE / $HWLOC_SYNTHETIC: bind
                              through the Linux calls (top of file) */
    hwloc_bitmap_t cpuset; /* the pool's CPUs */
    unsigned ncores;
    unsigned nalloc;       /* length of cores[] */
    hwloc_bitmap_t *cores; /* per core: its CPUs within cpuset */
};

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static hwloc_topology_t shared_topo;

/* The largest synthetic topology a pool accepts (docs/api.md, `topology`).
 * hwloc's time and memory to build one grow faster than its size (every
 * object carries CPU sets as wide as the machine, and a wide level costs
 * more than a deep one of the same size), so that a description of 65536
 * PUs takes seconds and a gigabyte: these keep every accepted description
 * well under a second. */
#define MAX_SYNTHETIC_PUS     2048 /* the product of the counts */
#define MAX_SYNTHETIC_ARITY   1024 /* one level's count */
#define MAX_SYNTHETIC_OBJECTS 8192 /* every level's objects, PUs included */

/* Skips a parenthesised attribute list at *p, if there is one ("(memory=
 * 1GB)", "(indexes=0,2,1,3)"): returns 0, or WEFT_EINVAL when it does not
 * close. */
static int skip_attributes(const char **p)
{
    if (**p != '(')
        return 0;
    const char *close = strchr(*p, ')');
    if (!close)
        return WEFT_EINVAL;
    *p = close + 1;
    return 0;
}

/* Checks the size of a synthetic description before hwloc builds it.  Its
 * levels are space-separated items "type:count" or "count", each with
 * optional attributes "(...)", and memory children "[type...]" attached to
 * every object of the level before.  Returns 0; WEFT_ERANGE past a limit
 * above; WEFT_EINVAL for an item with no count, which hwloc refuses too
 * (hwloc checks everything else: the types, their order, the
 * attributes). */
static int check_synthetic_size(const char *s)
{
    unsigned long width = 1;   /* objects on the last level read */
    unsigned long objects = 0; /* on every level read */
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (*s == '\0')
            return 0;
        if (*s == '[') { /* a memory child of each object of the level */
            const char *close = strchr(s, ']');
            if (!close)
                return WEFT_EINVAL;
            s = close + 1;
            objects += width;
        } else {
            const char *colon = strpbrk(s, ":( \t\n");
            if (colon && *colon == ':')
                s = colon + 1;
            if (*s < '0' || *s > '9')
                return WEFT_EINVAL;
            unsigned long count = 0;
            while (*s >= '0' && *s <= '9') {
                count = count * 10 + (unsigned long)(*s++ - '0');
                if (count > MAX_SYNTHETIC_ARITY)
                    return WEFT_ERANGE;
            }
            /* (a count of 0 is hwloc's to refuse: WEFT_EINVAL) */
            width *= count ? count : 1;
            objects += width;
            if (width > MAX_SYNTHETIC_PUS)
                return WEFT_ERANGE;
            if (skip_attributes(&s) != 0)
                return WEFT_EINVAL;
        }
        if (objects > MAX_SYNTHETIC_OBJECTS)
            return WEFT_ERANGE;
        if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n')
            return WEFT_EINVAL;
    }
}

static int load(hwloc_topology_t *out, const char *synthetic)
{
    hwloc_topology_t t;
    if (synthetic) {
        int rc = check_synthetic_size(synthetic);
        if (rc != 0)
            return rc;
    }
    if (hwloc_topology_init(&t) != 0)
        return WEFT_ENOMEM;
    if (synthetic && hwloc_topology_set_synthetic(t, synthetic) != 0) {
        hwloc_topology_destroy(t);
        return WEFT_EINVAL;
    }
    if (hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        return WEFT_ETOPOLOGY;
    }
    *out = t;
    return 0;
}

static int get_shared(hwloc_topology_t *out)
{
    int rc = 0;
    pthread_mutex_lock(&shared_lock);
    if (!shared_topo)
        rc = load(&shared_topo, NULL);
    *out = shared_topo;
    pthread_mutex_unlock(&shared_lock);
    return rc;
}

void weft__topo_fork_lock(void) { pthread_mutex_lock(&shared_lock); }

void weft__topo_fork_unlock(void) { pthread_mutex_unlock(&shared_lock); }

/* The main thread's affinity, every bit of it, from the kernel (hwloc's
 * Linux call drops the CPUs a foreign description lacks).  Returns 0, or -1
 * when it cannot be read. */
static int main_thread_cpus(hwloc_bitmap_t out)
{
    for (int n = 1024; n <= (1 << 20); n *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)n);
        if (!set)
            return -1;
        size_t size = CPU_ALLOC_SIZE((size_t)n);
        if (sched_getaffinity(getpid(), size, set) == 0) {
            hwloc_bitmap_zero(out);
            for (int c = 0; c < n; c++)
                if (CPU_ISSET_S((size_t)c, size, set))
                    hwloc_bitmap_set(out, (unsigned)c);
            CPU_FREE(set);
            return 0;
        }
        int err = errno;
        CPU_FREE(set);
        if (err != EINVAL) /* EINVAL: the kernel's mask is larger */
            return -1;
    }
    return -1;
}

/* The CPUs this process may use: its binding within the allowed set.  The
 * process's binding is the union of its threads' (hwloc reads each from
 * /proc); where that cannot be read (no /proc, or threads coming and going
 * while it reads), or reads as empty (hwloc drops the CPUs a description
 * from $HWLOC_XMLFILE / $HWLOC_SYNTHETIC lacks, even with
 * $HWLOC_THISSYSTEM=1), the main thread's binding from the kernel, which
 * taskset and MPI launchers set at start, rather than every allowed CPU
 * (nor the calling thread's: a bound worker of another pool would shrink
 * the pool to its core).  A foreign topology (top of file) goes straight
 * to the kernel's answer.  Only if that cannot be read either does the
 * pool get the whole allowed set; a binding that meets none of it leaves
 * the pool no CPU (WEFT_ENOCPU). */
static hwloc_bitmap_t process_cpus(hwloc_topology_t t, int synthetic,
                                   int foreign)
{
    hwloc_bitmap_t set = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(t));
    if (!set || synthetic)
        return set;
    hwloc_bitmap_t bound = hwloc_bitmap_alloc();
    if (bound && ((!foreign &&
                   ((hwloc_get_cpubind(t, bound, HWLOC_CPUBIND_PROCESS) == 0 &&
                     !hwloc_bitmap_iszero(bound)) ||
                    (hwloc_get_proc_cpubind(t, getpid(), bound,
                                            HWLOC_CPUBIND_THREAD) == 0 &&
                     !hwloc_bitmap_iszero(bound)))) ||
                  main_thread_cpus(bound) == 0))
        hwloc_bitmap_and(set, set, bound);
    hwloc_bitmap_free(bound);
    return set;
}

/* Largest CPU number a cpuset string may name (hwloc's bitmaps grow to the
 * largest index set: a huge number would cost memory, not mean a CPU). */
#define MAX_CPU 65535

/* Reads a decimal number at *p: digits only, no leading zero (hwloc and
 * strtol would read "010" as octal 8: refuse the ambiguity), at most
 * MAX_CPU. */
static int parse_number(const char **p, unsigned *out)
{
    const char *s = *p;
    unsigned v = 0;
    if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return WEFT_EINVAL;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned)(*s++ - '0');
        if (v > MAX_CPU)
            return WEFT_EINVAL;
    }
    *p = s;
    *out = v;
    return 0;
}

/* Parses a list such as "0-3,8" strictly: items N or N-M (N <= M) in
 * decimal without leading zeros, separated by single commas. */
static int parse_cpus(const char *s, hwloc_bitmap_t set)
{
    for (;;) {
        unsigned lo, hi;
        if (parse_number(&s, &lo) != 0)
            return WEFT_EINVAL;
        hi = lo;
        if (*s == '-') {
            s++;
            if (parse_number(&s, &hi) != 0 || hi < lo)
                return WEFT_EINVAL;
        }
        if (hwloc_bitmap_set_range(set, lo, (int)hi) != 0)
            return WEFT_ENOMEM;
        if (*s == '\0')
            return 0;
        if (*s++ != ',')
            return WEFT_EINVAL;
    }
}

static int find_cores(struct weft__topo *tp)
{
    hwloc_obj_type_t type = HWLOC_OBJ_CORE;
    int n = hwloc_get_nbobjs_by_type(tp->topo, type);
    if (n <= 0) {
        type = HWLOC_OBJ_PU;
        n = hwloc_get_nbobjs_by_type(tp->topo, type);
    }
    if (n <= 0)
        return WEFT_ETOPOLOGY;
    tp->cores = weft__alloc((size_t)n * sizeof *tp->cores);
    if (!tp->cores)
        return WEFT_ENOMEM;
    tp->nalloc = (unsigned)n;
    for (int i = 0; i < n; i++) {
        hwloc_obj_t obj = hwloc_get_obj_by_type(tp->topo, type, (unsigned)i);
        if (!obj || !hwloc_bitmap_intersects(obj->cpuset, tp->cpuset))
            continue;
        hwloc_bitmap_t c = hwloc_bitmap_alloc();
        if (!c)
            return WEFT_ENOMEM;
        hwloc_bitmap_and(c, obj->cpuset, tp->cpuset);
        tp->cores[tp->ncores++] = c;
    }
    return tp->ncores ? 0 : WEFT_ENOCPU;
}

int weft__topo_open(const weft_config *cfg, struct weft__topo **out)
{
    struct weft__topo *tp = weft__alloc(sizeof *tp);
    if (!tp)
        return WEFT_ENOMEM;
    int rc;
    if (cfg->topology) {
        tp->owned = 1;
        rc = load(&tp->topo, cfg->topology);
    } else {
        rc = get_shared(&tp->topo);
        tp->foreign = rc == 0 && !hwloc_topology_is_thissystem(tp->topo);
    }
    if (rc == 0) {
        tp->cpuset = process_cpus(tp->topo, tp->owned, tp->foreign);
        if (!tp->cpuset)
            rc = WEFT_ENOMEM;
    }
    if (rc == 0 && cfg->cpuset) {
        hwloc_bitmap_t want = hwloc_bitmap_alloc();
        rc = want ? parse_cpus(cfg->cpuset, want) : WEFT_ENOMEM;
        if (rc == 0) {
            hwloc_bitmap_and(tp->cpuset, tp->cpuset, want);
            if (hwloc_bitmap_iszero(tp->cpuset))
                rc = WEFT_ENOCPU;
        }
        hwloc_bitmap_free(want);
    }
    if (rc == 0)
        rc = find_cores(tp);
    if (rc != 0) {
        weft__topo_close(tp);
        return rc;
    }
    *out = tp;
    return 0;
}

void weft__topo_close(struct weft__topo *tp)
{
    if (!tp)
        return;
    if (tp->cores) {
        for (unsigned i = 0; i < tp->ncores; i++)
            hwloc_bitmap_free(tp->cores[i]);
        weft__free(tp->cores, tp->nalloc * sizeof *tp->cores);
    }
    hwloc_bitmap_free(tp->cpuset);
    if (tp->owned && tp->topo)
        hwloc_topology_destroy(tp->topo);
    weft__free(tp, sizeof *tp);
}

unsigned weft__topo_cores(const struct weft__topo *tp) { return tp->ncores; }

int weft__topo_bind_self(struct weft__topo *tp, unsigned index)
{
    if (tp->owned) /* simulated cores: there is nothing real to bind to */
        return -1;
    hwloc_bitmap_t set = tp->cores[index % tp->ncores];
    if (tp->foreign)
        return hwloc_linux_set_tid_cpubind(tp->topo, 0, set) == 0 ? 0 : -1;
    return hwloc_set_cpubind(tp->topo, set, HWLOC_CPUBIND_THREAD) == 0 ? 0 : -1;
}

int weft__topo_confine_self(struct weft__topo *tp)
{
    if (tp->owned)
        return -1;
    if (tp->foreign)
        return hwloc_linux_set_tid_cpubind(tp->topo, 0, tp->cpuset) == 0 ? 0
                                                                         : -1;
    return hwloc_set_cpubind(tp->topo, tp->cpuset, HWLOC_CPUBIND_THREAD) == 0
               ? 0
               : -1;
}

int weft__topo_core_cpu(const struct weft__topo *tp, unsigned index)
{
    return hwloc_bitmap_first(tp->cores[index % tp->ncores]);
}

int weft__topo_core_node(const struct weft__topo *tp, unsigned index)
{
    hwloc_const_bitmap_t core = tp->cores[index % tp->ncores];
    hwloc_obj_t node = NULL, best = NULL;
    unsigned best_weight = 0;
    while ((node = hwloc_get_next_obj_by_type(tp->topo, HWLOC_OBJ_NUMANODE,
                                              node)) != NULL) {
        if (!node->cpuset || !hwloc_bitmap_intersects(node->cpuset, core))
            continue;
        /* the smallest: a node attached to the whole machine (CPU-less
         * memory, say) also meets every core; -1 is an infinite set */
        int count = hwloc_bitmap_weight(node->cpuset);
        unsigned weight = count < 0 ? UINT_MAX : (unsigned)count;
        if (!best || weight < best_weight) {
            best = node;
            best_weight = weight;
        }
    }
    return best ? (int)best->os_index : -1;
}

int weft__topo_describe(const struct weft__topo *tp, char *buf, size_t len)
{
    return hwloc_bitmap_list_snprintf(buf, len, tp->cpuset);
}

unsigned weft__topo_cpus(const struct weft__topo *tp)
{
    int n = hwloc_bitmap_weight(tp->cpuset);
    return n < 0 ? UINT_MAX : (unsigned)n;
}

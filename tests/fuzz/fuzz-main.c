/*
 * fuzz-main - runs the fuzz-api driver without libFuzzer, as a regression
 * test: over the given corpus files (or directories of them), then over N
 * pseudo-random inputs made from a seed.  Used by the gcc and TSan builds,
 * where libFuzzer is not available.
 *
 * Usage: fuzz-api-standalone [-runs=N] [-seed=S] [-max_len=L] [-timeout=T]
 *                            [PATH...]
 *   -runs=N     pseudo-random inputs after the files (default 0 with PATHs,
 *               1000 without)
 *   -seed=S     their seed (default: $WEFT_TEST_SEED, else the clock);
 *               printed, so that a failure can be re-run
 *   -max_len=L  their largest length in bytes (default 512)
 *   -timeout=T  seconds one input may take before it counts as a hang
 *               (default 120)
 *   -artifact=F where the failing input is written (default
 *               ./fuzz-crash-input)
 *   -seeds=F    also run the inputs of F, a text file of lines "NAME HEX"
 *               (tests/fuzz/seeds.txt; '#' starts a comment line)
 * A check that fails aborts; before dying, the input that was running is
 * written to the artifact file, and the last line names the input.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *volatile cur_data;
static volatile size_t cur_size;
/* The running input's name: the caller's string, valid while run_one runs
 * (pointed to, not copied, so that no name is cut short). */
static const char *volatile cur_name;
static const char *artifact = "fuzz-crash-input";

static void write_str(const char *s) { (void)!write(2, s, strlen(s)); }

static void on_fatal(int sig)
{
    int fd = open(artifact, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0 && cur_data) {
        (void)!write(fd, (const void *)cur_data, cur_size);
        close(fd);
    }
    write_str(sig == SIGALRM ? "\nfuzz-main: TIMEOUT (hang?) in input "
                             : "\nfuzz-main: CRASH in input ");
    write_str(cur_name ? cur_name : "(none: between inputs)");
    write_str("; written to ");
    write_str(artifact);
    write_str("\n");
    signal(SIGABRT, SIG_DFL);
    abort();
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned timeout_s = 120;
static unsigned long executed;

static void run_one(const uint8_t *data, size_t size, const char *name)
{
    cur_name = name;
    cur_data = data;
    cur_size = size;
    alarm(timeout_s);
    LLVMFuzzerTestOneInput(data, size);
    alarm(0);
    cur_data = NULL;
    cur_name = NULL;
    executed++;
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        if (k == 0)
            break;
        n += k;
    }
    fclose(f);
    run_one(buf, n, path);
    free(buf);
}

static void run_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        run_file(path);
        return;
    }
    struct dirent **list;
    int n = scandir(path, &list, NULL, alphasort);
    if (n < 0) {
        perror(path);
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        if (list[i]->d_name[0] != '.') {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", path, list[i]->d_name);
            run_path(p);
        }
        free(list[i]);
    }
    free(list);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void run_seeds(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[65536];
    static uint8_t buf[32768];
    while (fgets(line, sizeof line, f)) {
        char *p = line, *name = line;
        if (*p == '#' || *p == '\n')
            continue;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        size_t n = 0;
        for (; *p && n < sizeof buf; p++) {
            int hi = hexval(p[0]), lo;
            if (hi < 0)
                continue;
            if ((lo = hexval(p[1])) < 0) {
                fprintf(stderr, "%s: seed %s: odd hex digit\n", path, name);
                exit(2);
            }
            buf[n++] = (uint8_t)(hi << 4 | lo);
            p++;
        }
        char full[600];
        snprintf(full, sizeof full, "seed %.200s of %.300s", name, path);
        run_one(buf, n, full);
    }
    fclose(f);
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t x = (*s += 0x9e3779b97f4a7c15ull);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
    long runs = -1;
    size_t max_len = 512;
    uint64_t seed = 0;
    int have_seed = 0, npaths = 0;
    const char *env = getenv("WEFT_TEST_SEED");
    if (env && *env) {
        seed = strtoull(env, NULL, 0);
        have_seed = 1;
    }
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6))
            runs = atol(argv[i] + 6);
        else if (!strncmp(argv[i], "-seed=", 6))
            seed = strtoull(argv[i] + 6, NULL, 0), have_seed = 1;
        else if (!strncmp(argv[i], "-max_len=", 9))
            max_len = (size_t)atol(argv[i] + 9);
        else if (!strncmp(argv[i], "-timeout=", 9))
            timeout_s = (unsigned)atoi(argv[i] + 9);
        else if (!strncmp(argv[i], "-seeds=", 7))
            npaths++;
        else if (!strncmp(argv[i], "-artifact=", 10))
            artifact = argv[i] + 10;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "fuzz-main: unknown option %s\n", argv[i]);
            return 2;
        } else
            npaths++;
    }
    if (runs < 0)
        runs = npaths ? 0 : 1000;
    if (!have_seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^
               ((uint64_t)getpid() << 32);
    }
    if (max_len == 0)
        max_len = 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGABRT, on_fatal);
    signal(SIGALRM, on_fatal);
    printf("fuzz-main: seed %" PRIu64 " (re-run with -seed=%" PRIu64
           "), %ld random inputs of at most %zu bytes\n",
           seed, seed, runs, max_len);

    double t0 = now();
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-seeds=", 7))
            run_seeds(argv[i] + 7);
        else if (argv[i][0] != '-')
            run_path(argv[i]);
    }
    unsigned long files = executed;

    uint8_t *buf = malloc(max_len);
    if (!buf)
        abort();
    uint64_t s = seed;
    for (long k = 0; k < runs; k++) {
        size_t len = 1 + splitmix(&s) % max_len;
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)splitmix(&s);
        char name[96];
        snprintf(name, sizeof name, "random #%ld of seed %" PRIu64, k, seed);
        run_one(buf, len, name);
    }
    free(buf);
    printf("fuzz-main: %lu inputs (%lu seeds/files, %ld random) in %.1f s, no "
           "failure\n",
           executed, files, runs, now() - t0);
    return 0;
}

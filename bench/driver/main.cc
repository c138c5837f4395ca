// main.cc - the google-benchmark driver shared by every runtime.
//
// Each executable links this driver with one runtime adapter (rt-*.c) and
// that runtime's kernels, so one process runs one runtime.  For every
// selected kernel, variant and worker count it registers one benchmark named
//     <kernel>/<label>-<variant>/workers:<N>
// that opens the runtime (outside timing; reused while the worker count
// stays the same), runs one untimed warm-up (a smaller size, or the same
// size for a kernel whose warm-up delta is 0: registry.def), then times
// --iters calls (default 1: bench/run repeats whole processes instead) and
// checks every answer.  A wrong answer prints WRONG ANSWER and exits 3.
//
// Counters: n, workers, answer, maxrss_kib (getrusage peak of the process
// so far: run one kernel per process to read it per kernel), steals
// (runtimes that report them), and whatever the kernel passed to
// bench_report() (wake: latency percentiles; idle: CPU percent).
// A kernel with a verify hook (bench.h) is checked outside the timed region.
//
// Options (besides --benchmark_*):
//   --kernels=fib,nqueens   kernels to run (default: all)
//   --workers=1,2           worker counts (default: 1 and the CPU count)
//   --<kernel>=N            size of a kernel (default from registry.def)
//   --quick                 the --quick sizes of registry.def
//   --iters=K               timed calls per benchmark (default 1)
//   --list-kernels          print "kernel default_n quick_n" lines and exit
#include <sys/resource.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench.h"

#ifndef BENCH_LABEL
#error "BENCH_LABEL (the runtime's name in reports) must be defined"
#endif
#ifndef BENCH_FLAGS
#define BENCH_FLAGS "unknown"
#endif

extern "C" const struct bench_kernel bench_kernels[] = {
#define BENCH_KERNEL(name, default_n, quick_n, warmup, max_n) \
    {#name, default_n, quick_n, warmup, bench_##name##_expected, max_n, \
     bench_##name##_verify},
#define BENCH_VARIANT(...)
#include "../kernels/registry.def"
#undef BENCH_KERNEL
#undef BENCH_VARIANT
    {nullptr, 0, 0, 0, nullptr, 0, nullptr}};

namespace {

const char *prog = "bench";

[[noreturn]] void die(const std::string &msg)
{
    std::fprintf(stderr, "%s: %s\n", prog, msg.c_str());
    std::exit(2);
}

std::vector<std::string> split(const std::string &s)
{
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

int to_int(const std::string &opt, const std::string &v, int lo, int hi)
{
    char *end = nullptr;
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < lo || x > hi)
        die("bad value '" + v + "' for " + opt + " (want " +
            std::to_string(lo) + ".." + std::to_string(hi) + ")");
    return static_cast<int>(x);
}

const bench_kernel *find_kernel(const std::string &name)
{
    for (const bench_kernel *k = bench_kernels; k->name; k++)
        if (name == k->name)
            return k;
    return nullptr;
}

// The runtime handle, kept while consecutive benchmarks use the same count.
struct {
    void *handle = nullptr;
    int workers = -1;
} current;

void *runtime_for(int workers)
{
    if (current.workers == workers)
        return current.handle;
    if (current.handle)
        bench_runtime.close(current.handle);
    current.handle = nullptr;
    current.workers = -1;
    char err[256] = "";
    void *h = bench_runtime.open(workers, err, sizeof err);
    if (!h)
        die(std::string("cannot open runtime ") + bench_runtime.name + ": " +
            err);
    current.handle = h;
    current.workers = workers;
    return h;
}

long max_rss_kib()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss; // KiB on Linux
}

void check(const bench_kernel *k, const bench_variant *v, int n, long got,
           long want, const char *when)
{
    if (got == want)
        return;
    std::fprintf(stderr,
                 "%s: WRONG ANSWER (%s): %s %s-%s(%d) = %ld, expected %ld\n",
                 prog, when, k->name, BENCH_LABEL, v->variant, n, got, want);
    std::fflush(stderr);
    std::exit(3);
}

// Extra results of the current run (bench_report).
std::vector<std::pair<std::string, double>> extra;

int warmup_size(const bench_kernel *k, int n)
{
    if (k->warmup_n_delta < 0)
        return n / -k->warmup_n_delta;
    return n - k->warmup_n_delta;
}

void run_one(benchmark::State &state, const bench_kernel *k,
             const bench_variant *v, int n, int workers)
{
    void *rt = runtime_for(workers);
    int wn = warmup_size(k, n);
    if (wn >= 1) {
        long got = v->run(rt, wn);
        if (k->verify)
            got = k->verify(wn, got);
        check(k, v, wn, got, k->expected(wn), "warm-up");
    }
    // The expected answer is known before timing starts: for a size not in
    // a kernel's table it is computed here, serially, not in the timed loop.
    const long want = k->expected(n);
    extra.clear();
    double steals0 = bench_runtime.steals ? bench_runtime.steals(rt) : -1;
    long answer = 0;
    for (auto _ : state) {
        answer = v->run(rt, n);
        benchmark::DoNotOptimize(answer);
        if (k->verify) {
            // outside the timed region: checking 10^7 elements would be a
            // serial part of every parallel run
            state.PauseTiming();
            answer = k->verify(n, answer);
            check(k, v, n, answer, want, "timed run");
            state.ResumeTiming();
        } else {
            check(k, v, n, answer, want, "timed run");
        }
    }
    for (const auto &e : extra)
        state.counters[e.first] = e.second;
    state.counters["n"] = n;
    state.counters["workers"] = workers;
    state.counters["answer"] = static_cast<double>(answer);
    state.counters["maxrss_kib"] = static_cast<double>(max_rss_kib());
    if (bench_runtime.steals) {
        double s = bench_runtime.steals(rt) - steals0;
        state.counters["steals"] =
            benchmark::Counter(s / static_cast<double>(state.iterations()));
    }
}

} // namespace

extern "C" void bench_report(const char *name, double value)
{
    for (auto &e : extra)
        if (e.first == name) {
            e.second = value;
            return;
        }
    extra.emplace_back(name, value);
}

int main(int argc, char **argv)
{
    prog = argv[0];
    if (const char *slash = std::strrchr(prog, '/'))
        prog = slash + 1;
    benchmark::Initialize(&argc, argv);

    std::vector<std::string> kernels;
    std::vector<int> workers;
    std::map<std::string, int> sizes;
    bool quick = false;
    int iters = 1;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        std::string key = a, val;
        size_t eq = a.find('=');
        if (eq != std::string::npos) {
            key = a.substr(0, eq);
            val = a.substr(eq + 1);
        }
        if (key == "--kernels") {
            kernels = split(val);
        } else if (key == "--workers") {
            for (const std::string &w : split(val))
                workers.push_back(to_int(key, w, 1, 1024));
        } else if (key == "--quick") {
            quick = true;
        } else if (key == "--iters") {
            iters = to_int(key, val, 1, 1000000);
        } else if (key == "--list-kernels") {
            for (const bench_kernel *k = bench_kernels; k->name; k++)
                std::printf("%s %d %d\n", k->name, k->default_n, k->quick_n);
            return 0;
        } else if (key.rfind("--", 0) == 0 && find_kernel(key.substr(2))) {
            const bench_kernel *k = find_kernel(key.substr(2));
            sizes[k->name] = to_int(key, val, 1, k->max_n);
        } else {
            die("unknown option '" + a + "' (see the top of bench/driver/main.cc)");
        }
    }
    if (kernels.empty())
        for (const bench_kernel *k = bench_kernels; k->name; k++)
            kernels.push_back(k->name);
    if (workers.empty()) {
        workers.push_back(1);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu > 1)
            workers.push_back(static_cast<int>(ncpu));
    }
    if (bench_runtime.single_threaded)
        workers.assign(1, 1);

    benchmark::AddCustomContext("weft_bench_runtime", BENCH_LABEL);
    benchmark::AddCustomContext("weft_bench_compiler",
#ifdef __clang__
                                "clang " __clang_version__
#else
                                "gcc " __VERSION__
#endif
    );
    benchmark::AddCustomContext("weft_bench_flags", BENCH_FLAGS);

    std::string sizes_ctx;
    for (const std::string &kn : kernels) {
        const bench_kernel *k = find_kernel(kn);
        if (!k)
            die("unknown kernel '" + kn + "'");
        int n = sizes.count(kn) ? sizes[kn] : quick ? k->quick_n : k->default_n;
        if (k->expected(n) < 0)
            die("no known answer for " + kn + "(" + std::to_string(n) + ")");
        sizes_ctx += (sizes_ctx.empty() ? "" : ",") + kn + "=" + std::to_string(n);
        for (int w : workers) {
            for (const bench_variant *v = bench_runtime.variants; v->kernel; v++) {
                if (kn != v->kernel)
                    continue;
                std::string name = kn + "/" + BENCH_LABEL + "-" + v->variant +
                                   "/workers:" + std::to_string(w);
                benchmark::RegisterBenchmark(name.c_str(), run_one, k, v, n, w)
                    ->Iterations(iters)
                    ->UseRealTime()
                    ->MeasureProcessCPUTime()
                    ->Unit(benchmark::kMillisecond);
            }
        }
    }
    benchmark::AddCustomContext("weft_bench_sizes", sizes_ctx);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (current.handle)
        bench_runtime.close(current.handle);
    return 0;
}

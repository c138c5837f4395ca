#!/usr/bin/env python3
"""test-report.py - checks bench/report.py's goal lines on made-up results.

Usage: test-report.py PATH/TO/report.py

Writes google-benchmark JSON files such as bench/run writes (one per
process: repetition, kernel, worker count, runtime) with times chosen on
either side of each limit, runs report.py on them and checks every goal's
ratio and PASS / MISS / n/a, the medians it takes, the paired repetitions it
reports for a lost comparison, and that a failed run turns a comparison into
n/a, never into a PASS.  The limits come from goals.json next to report.py,
the file report.py reads: the times are set just inside and just outside
them.  Python 3 standard library only.
"""
import json
import os
import subprocess
import sys
import tempfile

failures = 0


def expect(what, cond, got=None):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}" + ("" if got is None else f" (got {got!r})"))


def near(a, b):
    return a is not None and abs(a - b) < 1e-9


def load_goals(report_py):
    """The goals report.py checks: goals.json next to it."""
    with open(os.path.join(os.path.dirname(os.path.abspath(report_py)), "goals.json")) as f:
        return json.load(f)


def fib_line(goals, variant, workers):
    """fib's goal line for a weft variant and worker count: (limit, goal name)."""
    for l in goals["fib"]["lines"]:
        if l["variant"] == variant and l["workers"] == workers:
            return l["max"], f"{l['name']}: T_{workers}/T_{l['baseline'].split('-')[-1]} <= {l['max']}"
    raise KeyError(f"goals.json has no fib line for {variant} w={workers}")


class Raw:
    """A directory of raw results."""

    def __init__(self, path):
        self.path = path
        os.makedirs(path)

    def run(self, rep, kernel, runtime, variant, workers, ms, cpu_ms=None, n=10, extra=None):
        """One process: runtime's variant of kernel(n) on `workers` workers,
        `ms` milliseconds of wall time."""
        b = {"name": f"{kernel}/{runtime}-{variant}/workers:{workers}/iterations:1/process_time/real_time",
             "run_name": "x", "run_type": "iteration", "repetitions": 1, "repetition_index": 0,
             "threads": 1, "iterations": 1, "real_time": ms,
             "cpu_time": ms * workers if cpu_ms is None else cpu_ms, "time_unit": "ms",
             "answer": 1.0, "maxrss_kib": 4096.0, "n": float(n), "workers": float(workers)}
        b.update(extra or {})
        doc = {"context": {"weft_bench_runtime": runtime, "weft_bench_compiler": "gcc 12",
                           "weft_bench_flags": "-O3", "load_avg": [0.1, 0.1, 0.1], "num_cpus": 2},
               "benchmarks": [b]}
        name = f"rep{rep}-{kernel}-w{workers}-{runtime}-{variant}.json"
        with open(os.path.join(self.path, name), "w") as f:
            json.dump(doc, f)


    def copies(self, rep, kernel, runtime, variant, times, n=10):
        """The machine limit's copies of one serial variant in one
        repetition: len(times) copies run at once, `times` ms each."""
        w = len(times)
        os.makedirs(os.path.join(self.path, "limit"), exist_ok=True)
        for c, ms in enumerate(times):
            b = {"name": f"{kernel}/{runtime}-{variant}/workers:1/iterations:1/process_time/real_time",
                 "run_type": "iteration", "iterations": 1, "real_time": ms, "cpu_time": ms,
                 "time_unit": "ms", "answer": 1.0, "maxrss_kib": 4096.0, "n": float(n), "workers": 1.0}
            doc = {"context": {"weft_bench_runtime": runtime, "weft_bench_compiler": "gcc 12",
                               "weft_bench_flags": "-O3", "num_cpus": 2}, "benchmarks": [b]}
            name = f"rep{rep}-{kernel}-c{w}-{runtime}-{variant}-copy{c}.json"
            with open(os.path.join(self.path, "limit", name), "w") as f:
                json.dump(doc, f)

    def serial(self, rep, kernel, plain, elision, n=10):
        """The two serial baselines of kernel(n): plain recursion and the
        elision, `plain` and `elision` ms."""
        self.run(rep, kernel, "serial", "plain", 1, plain, n=n)
        self.run(rep, kernel, "serial", "elision", 1, elision, n=n)


def report(report_py, raw, tmp, config=None):
    out = os.path.join(tmp, os.path.basename(raw) + ".json")
    svg = os.path.join(tmp, os.path.basename(raw) + ".svg")
    md = os.path.join(tmp, os.path.basename(raw) + ".md")
    extra = ["--md", md]
    if config is not None:
        extra += ["--config", os.path.join(tmp, "config.json")]
        with open(extra[-1], "w") as f:
            json.dump(config, f)
    if os.path.isdir(os.path.join(raw, "limit")):
        extra += ["--limit-raw", os.path.join(raw, "limit")]
    p = subprocess.run([sys.executable, report_py, "--raw", raw, "--out", out, "--svg", svg] + extra,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    expect(f"report.py exits 0 on {raw}", p.returncode == 0, p.stdout[-2000:])
    expect(f"report.py writes the chart of {raw}", os.path.getsize(svg) > 0 if os.path.exists(svg) else False)
    with open(out) as f:
        doc = json.load(f)
    # the Markdown has every goal line the JSON has, with its status
    with open(md) as f:
        text = f.read()
    for g in doc["goals"]:
        expect(f"report.md has the goal line {g['goal']}", any(
            g["goal"].replace("|", "\\|") in l and l.rstrip().endswith(f"| {g['status']} |")
            for l in text.splitlines()))
    return doc, p.stdout


def full_set(report_py, tmp):
    goals_data = load_goals(report_py)
    raw = Raw(os.path.join(tmp, "full"))
    # fib(40): the serial baselines' medians 100 ms.  weft's medians sit just
    # inside (typed T_1, generic T_2) and just outside (typed T_2, generic
    # T_1) fib's four limits.  Three repetitions each: the third one's
    # outliers must not move the medians.
    lt1, nt1 = fib_line(goals_data, "weft-typed", 1)
    lt2, nt2 = fib_line(goals_data, "weft-typed", 2)
    lg1, ng1 = fib_line(goals_data, "weft-generic", 1)
    lg2, ng2 = fib_line(goals_data, "weft-generic", 2)
    t1, t2, g1, g2 = 100 * (lt1 - 0.01), 100 * (lt2 + 0.01), 100 * (lg1 + 0.01), 100 * (lg2 - 0.01)
    gbase = next(l["baseline"] for l in goals_data["fib"]["lines"]
                 if l["variant"] == "weft-generic")
    for rep, plain, elision in ((1, 100, 100), (2, 90, 110), (3, 130, 100)):
        raw.serial(rep, "fib", plain, elision, n=40)
        if gbase not in ("serial-plain", "serial-elision"):  # a third baseline
            raw.run(rep, "fib", "serial", gbase[len("serial-"):], 1, elision, n=40)
    # fib's limit: two copies of serial-plain, the slower 104 and 110 ms in
    # repetitions 1 and 2, so L_2 = 53.5 ms, the median of 52 and 55
    # (repetition 3 has one copy of the two: left out); the elision's
    # (serial-indirect's) 120 ms, L_2 = 60 ms
    for rep, slow in ((1, 104), (2, 110), (3, None)):
        if slow is None:
            raw.copies(rep, "fib", "serial", "plain", [50.0], n=40)   # one copy of two: left out
        else:
            raw.copies(rep, "fib", "serial", "plain", [slow - 6, slow], n=40)
            raw.copies(rep, "fib", "serial", gbase[len("serial-"):], [118, 120], n=40)
    fib_reps = ((1, t1, t2, g1, g2), (2, t1 - 9, t2 + 1, g1 - 11, g2), (3, 400, t2 - 6, 400, g2 + 2))
    for rep, a1, a2, b1, b2 in fib_reps:
        raw.run(rep, "fib", "weft", "typed", 1, a1, n=40)
        raw.run(rep, "fib", "weft", "typed", 2, a2, n=40)
        raw.run(rep, "fib", "weft", "generic", 1, b1, n=40)
        raw.run(rep, "fib", "weft", "generic", 2, b2, n=40)
    # nqueens: plain 1000 ms, elision 1100 ms.  typed: T_1/T_s just below
    # its limit and T_s/T_2 just above its own (PASS); generic: T_1/T_s
    # 0.0046 over the limit (MISS on T_1, and it must print three decimals).
    # A peer, gomp-task: 10 ms faster than typed with 1 worker, so weft is
    # behind it, though faster in repetition 2; ahead with 2 workers.
    # The machine limit of plain recursion: two copies, the slower 1040 ms,
    # L_2 = 520 ms; typed's T_2 just inside limit_max x L_2.  The
    # elision's: 1150 ms, L_2 = 575 ms.
    sc = goals_data["scaling"]
    lim = sc["limit_max"]
    q1, q2, qg1 = 1000 * (sc["t1_max"] - 0.01), 520 * (lim - 0.001), 1100 * (sc["t1_max"] + 0.0046)
    nq_reps = ((1, q1 - 10, q1), (2, q1 + 60, q1 + 10), (3, q1 - 40, q1))
    for rep, gomp1, typed1 in nq_reps:
        raw.serial(rep, "nqueens", 1000, 1100)
        raw.copies(rep, "nqueens", "serial", "plain", [1000 + rep, 1040])
        raw.copies(rep, "nqueens", "serial", "elision", [1150, 1120])
        raw.run(rep, "nqueens", "weft", "typed", 1, typed1)
        raw.run(rep, "nqueens", "weft", "typed", 2, q2)
        raw.run(rep, "nqueens", "weft", "generic", 1, qg1)
        raw.run(rep, "nqueens", "weft", "generic", 2, 590)
        raw.run(rep, "nqueens", "gomp", "task", 1, gomp1)
        raw.run(rep, "nqueens", "gomp", "task", 2, 1.1 * q2)
    # the clang builds, paired among themselves: fib's baseline is
    # serial-clang-plain (200 ms), libomp's omp-task is compared with
    # weft-clang (ahead with 1 worker, behind with 2), not with gcc's weft
    # (clang's limit: the slower copy 1020 ms, L_2 = 510 ms, typed's T_2 just
    # outside it: MISS)
    c1, c2 = 1000 * (sc["t1_max"] - 0.04), 510 * (lim + 0.01)
    for rep in (1, 2, 3):
        raw.copies(rep, "nqueens", "serial-clang", "plain", [1020, 1000])
        raw.run(rep, "fib", "serial-clang", "plain", 1, 200, n=40)
        raw.run(rep, "fib", "weft-clang", "typed", 1, 200 * (lt1 - 0.3), n=40)
        raw.run(rep, "nqueens", "serial-clang", "plain", 1, 1000)
        raw.run(rep, "nqueens", "weft-clang", "typed", 1, c1)
        raw.run(rep, "nqueens", "weft-clang", "typed", 2, c2)
        raw.run(rep, "nqueens", "omp", "task", 1, c1 + 10)
        raw.run(rep, "nqueens", "omp", "task", 2, c2 - 10)
    # the probes: idle at half (PASS) and 1.5 times (MISS) its limit; the
    # wake-up 0.1 under (PASS) and over (MISS) its limit in futex round
    # trips of 10 us
    idle_max, wake_max = goals_data["idle"]["max_pct"], goals_data["wake"]["max"]
    low_parks = 0.2 * goals_data["wake"]["min_parks_per_call"]
    for rep in (1, 2, 3):
        raw.run(rep, "idle", "weft", "parked", 1, 1000, n=1000, extra={"idle_cpu_pct": 0.5 * idle_max})
        raw.run(rep, "idle", "weft", "parked", 2, 1000, n=1000, extra={"idle_cpu_pct": 1.5 * idle_max})
        raw.run(rep, "wake", "weft", "run", 1, 5, n=200,
                extra={"wake_med_us": 10 * (wake_max - 0.1), "futex_med_us": 10.0, "wake_p90_us": 20.0,
                       "futex_p90_us": 15.0, "parks_per_call": 1.0})
        raw.run(rep, "wake", "weft", "run", 2, 5, n=200,
                extra={"wake_med_us": 10 * (wake_max + 0.1), "futex_med_us": 10.0, "wake_p90_us": 20.0,
                       "futex_p90_us": 15.0, "parks_per_call": 1.0})
        # with 4 workers they did not park: a fast hand-off, not a wake-up
        raw.run(rep, "wake", "weft", "run", 4, 5, n=200,
                extra={"wake_med_us": 2.0, "futex_med_us": 10.0, "wake_p90_us": 3.0, "futex_p90_us": 15.0,
                       "parks_per_call": low_parks})

    doc, text = report(report_py, raw.path, tmp)
    goals = {g["goal"]: g for g in doc["goals"]}
    want = {"gcc " + nt1: (t1 / 100, "PASS"),
            "gcc " + nt2: (t2 / 100, "MISS"),
            "gcc " + ng1: (g1 / 100, "MISS"),
            "gcc " + ng2: (g2 / 100, "PASS")}
    clang = {"clang " + nt1: (lt1 - 0.3, "PASS"),
             "clang " + nt2: (None, "n/a"),
             "clang " + ng1: (None, "n/a"),
             "clang " + ng2: (None, "n/a")}
    expect("fib: the goal lines of each compiler", sorted(goals) == sorted({**want, **clang}), sorted(goals))
    for name, (ratio, status) in clang.items():
        g = goals.get(name, {})
        expect(f"fib {name}: {status}", g.get("status") == status and
               (near(g.get("ratio"), ratio) if ratio else g.get("ratio") is None), g)
    for name, (ratio, status) in want.items():
        g = goals.get(name, {})
        expect(f"fib {name}: ratio of the medians {ratio}", near(g.get("ratio"), ratio), g.get("ratio"))
        expect(f"fib {name}: {status}", g.get("status") == status, g.get("status"))
    g = goals.get("gcc " + nt1, {})
    per_rep = [a1 / plain for (_, a1, _, _, _), plain in zip(fib_reps, (100, 90, 130))]
    expect("fib typed T_1: range of the per-repetition ratios",
           near(g.get("rep_min"), min(per_rep)) and near(g.get("rep_max"), max(per_rep)),
           (g.get("rep_min"), g.get("rep_max")))

    scaling = {(g["kernel"], g["variant"]): g for g in doc["scaling_goals"]}
    t = scaling.get(("nqueens", "weft-typed"), {})
    expect("nqueens typed: T_1/T_s just under the limit", near(t.get("t1_over_ts"), q1 / 1000), t.get("t1_over_ts"))
    expect("nqueens typed: T_s/T_2", near(t.get("ts_over_tw"), 1000 / q2), t.get("ts_over_tw"))
    expect("nqueens typed: L_2, the slower copy's median / 2", near(t.get("limit_s"), 0.52), t.get("limit_s"))
    expect("nqueens typed: T_2/L_2 just inside the limit", near(t.get("tw_over_limit"), q2 / 520),
           t.get("tw_over_limit"))
    expect("nqueens typed: the machine's speedup T_s/L_2", near(t.get("machine_speedup"), 1000 / 520),
           t.get("machine_speedup"))
    expect("nqueens typed: PASS", t.get("status") == "PASS", t.get("status"))
    row = next((r for r in doc["summary"] if r["kernel"] == "nqueens" and r["runtime"] == "weft-typed"
                and r["workers"] == 2), {})
    expect("table: nqueens typed w=2, T/L against serial-plain's limit", near(row.get("t_over_limit"), q2 / 520),
           row.get("t_over_limit"))
    g = scaling.get(("fib", "weft-typed"), {})
    # medians: T_1 = t1 (reps t1, t1 - 9, 400), T_2 = t2, T_s = 100, L_2 = 52
    # (repetition 3's single copy left out: the median of 52 and 55 would be 53.5)
    expect("fib typed: its scaling against the machine's, (T_2/T_1)/(L_2/T_s)",
           near(g.get("tw_over_limit"), (t2 / t1) / (53.5 / 100)) and g.get("self_relative"), g)
    expect("fib typed: the scaling line's status",
           g.get("status") == ("PASS" if (t2 / t1) / (53.5 / 100) <= goals_data["fib_scaling"]["max"]
                               else "MISS"), g.get("status"))
    g = scaling.get(("nqueens", "weft-generic"), {})
    expect("nqueens generic: T_1 against the elision", near(g.get("t1_over_ts"), qg1 / 1100), g.get("t1_over_ts"))
    expect("nqueens generic: MISS", g.get("status") == "MISS", g.get("status"))
    expect("nqueens generic: printed with three decimals (0.0046 over the limit: with two it would read "
           "as the limit, a PASS)",
           any("weft-generic" in line and f"T_1/T_s {qg1 / 1100:.3f}" in line and "MISS" in line
               for line in text.splitlines()))

    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("gcc", {})
    expect("peers: two comparisons (1 and 2 workers)", peer.get("comparisons") == 2, peer.get("comparisons"))
    expect("peers: MISS", peer.get("status") == "MISS", peer.get("status"))
    misses = peer.get("misses", [])
    expect("peers: one comparison lost, with 1 worker",
           len(misses) == 1 and misses[0].startswith(
               f"nqueens(10) w=1: weft {q1 / 1000:.3g} s vs gomp-task {(q1 - 10) / 1000:.3g} s"), misses)
    pairs = [typed1 / gomp1 for _, gomp1, typed1 in nq_reps]
    expect("peers: the lost comparison's paired repetitions",
           len(misses) == 1 and "weft faster in 1 of 3 paired repetitions" in misses[0]
           and f"ratio {min(pairs):.2f}-{max(pairs):.2f}" in misses[0], misses)

    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("clang", {})
    expect("clang peers: omp-task against weft-clang, behind with 2 workers only",
           peer.get("comparisons") == 2 and len(peer.get("misses", [])) == 1
           and peer["misses"][0].startswith(
               f"nqueens(10) w=2: weft {c2 / 1000:.3g} s vs omp-task {(c2 - 10) / 1000:.3g} s"), peer)
    t = {(g["kernel"], g["variant"]): g for g in doc["scaling_goals"]}.get(("nqueens", "weft-clang-typed"), {})
    expect("nqueens clang typed: against serial-clang-plain and its limit, T_2 just outside it: MISS",
           t.get("baseline") == "serial-clang-plain" and near(t.get("t1_over_ts"), c1 / 1000)
           and near(t.get("tw_over_limit"), c2 / 510) and t.get("status") == "MISS", t)

    probes = {(g["goal"].split()[0], g["workers"]): g for g in doc["probe_goals"]}
    for key, status in ((("idle", 1), "PASS"), (("idle", 2), "MISS"), (("wake-up", 1), "PASS"),
                        (("wake-up", 2), "MISS"), (("wake-up", 4), "n/a")):
        expect(f"probe {key}: {status}", probes.get(key, {}).get("status") == status, probes.get(key))
    expect("the table prints the MISS of the generic fib line",
           any(ng1 in line and "MISS" in line for line in text.splitlines()))


def missing_set(report_py, tmp):
    """A weft run that failed: its comparisons are n/a, not won."""
    raw = Raw(os.path.join(tmp, "missing"))
    for rep in (1, 2):
        raw.serial(rep, "matmul", 100, 100)
        raw.run(rep, "matmul", "gomp", "task", 1, 200)
        raw.run(rep, "matmul", "weft", "typed", 1, 100)
        raw.run(rep, "matmul", "gomp", "task", 2, 60)   # weft has no 2-worker result
    doc, text = report(report_py, raw.path, tmp)
    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("gcc", {})
    expect("missing: the 1-worker comparison counted, weft ahead",
           peer.get("comparisons") == 1 and not peer.get("misses"), peer)
    expect("missing: the 2-worker comparison listed as missing",
           any("w=2" in m and "no result from weft" in m for m in peer.get("missing", [])), peer.get("missing"))
    expect("missing: the peer line is n/a, not PASS", peer.get("status") == "n/a", peer.get("status"))
    scaling = {(g["kernel"], g["variant"]): g for g in doc["scaling_goals"]}
    g = scaling.get(("matmul", "weft-typed"), {})
    expect("missing: matmul typed without a 2-worker result is n/a", g.get("status") == "n/a", g.get("status"))
    g = scaling.get(("matmul", "weft-generic"), {})
    expect("missing: matmul generic without any result is n/a", g.get("status") == "n/a", g.get("status"))


def selected_set(report_py, tmp):
    """What bench/run was asked for (config.json) and left no result is
    missing: a peer with no result for a kernel, a kernel or a compiler with
    no result at all, one failed process listed once."""
    def nqueens_runs(name, gomp_workers):
        """nqueens(10): the baselines, weft with 1 and 2 workers, gomp
        with the worker counts given (none of tbb: every run failed)."""
        r = Raw(os.path.join(tmp, name))
        for rep in (1, 2):
            r.serial(rep, "nqueens", 1000, 1000)
            r.run(rep, "nqueens", "weft", "typed", 1, 1000)
            r.run(rep, "nqueens", "weft", "typed", 2, 500)
            for w in gomp_workers:
                r.run(rep, "nqueens", "gomp", "task", w, 1500 if w == 1 else 800)
        return r

    raw = nqueens_runs("selected", (1, 2))
    config = {"runtimes": ["serial", "weft", "gomp", "tbb", "weft-clang"], "workers": [1, 2],
              "sizes": {"fib": 40, "nqueens": 10}}
    doc, text = report(report_py, raw.path, tmp, config)
    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("gcc", {})
    expect("selected: tbb, which left no result, listed at both worker counts",
           "nqueens(10) w=1: no result from tbb" in peer.get("missing", [])
           and "nqueens(10) w=2: no result from tbb" in peer.get("missing", []), peer.get("missing"))
    expect("selected: 2 comparisons made, none lost, the line n/a",
           peer.get("comparisons") == 2 and not peer.get("misses") and peer.get("status") == "n/a", peer)
    goals = {g["goal"]: g for g in doc["goals"]}
    nlines = 2 * len(load_goals(report_py)["fib"]["lines"])   # each compiler's
    expect(f"selected: fib without any result gives {nlines} lines, all n/a",
           len(goals) == nlines and all(g["status"] == "n/a" for g in goals.values()), sorted(goals))
    scaling = {(g["kernel"], g["variant"]): g for g in doc["scaling_goals"]}
    g = scaling.get(("nqueens", "weft-clang-typed"), {})
    expect("selected: nqueens for weft-clang, which left no result, is n/a", g.get("status") == "n/a", g)
    g = scaling.get(("nqueens", "weft-typed"), {})
    expect("selected: nqueens typed without the machine limit (bench/run --no-limit) is n/a",
           g.get("status") == "n/a" and g.get("tw_over_limit") is None, g)
    expect("selected: the peer goal line prints the missing results",
           "missing: nqueens(10) w=2: no result from tbb" in text)
    # one failed process is one line: gomp failed with 2 workers, weft ran
    raw2 = nqueens_runs("onefailed", (1,))
    doc2, _ = report(report_py, raw2.path, tmp, {"runtimes": ["serial", "weft", "gomp"],
                                                 "workers": [1, 2], "sizes": {"nqueens": 10}})
    peer2 = {g["compiler"]: g for g in doc2["peer_goal"]}.get("gcc", {})
    expect("one failed process: exactly one missing line",
           peer2.get("missing") == ["nqueens(10) w=2: no result from gomp"], peer2.get("missing"))
    # the same results without the config: nothing is known to be missing
    doc, _ = report(report_py, raw.path, tmp)
    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("gcc", {})
    expect("without config.json: 2 comparisons, PASS", peer.get("status") == "PASS", peer)


def config_set(report_py, tmp):
    """More of what config.json tells: a worker count at which every
    runtime failed, a probe weft left no result of, a run without weft, and
    a run that left no result at all."""
    # every runtime failed with 2 workers (as with --workers 1,2000)
    raw = Raw(os.path.join(tmp, "allfailed"))
    for rep in (1, 2):
        raw.serial(rep, "nqueens", 1000, 1000)
        raw.run(rep, "nqueens", "weft", "typed", 1, 1000)
        raw.run(rep, "nqueens", "gomp", "task", 1, 1500)
        raw.run(rep, "idle", "serial", "sleep", 1, 300, n=300, extra={"idle_cpu_pct": 0.01})
    config = {"runtimes": ["serial", "weft", "gomp"], "workers": [1, 2],
              "sizes": {"nqueens": 10, "idle": 300}}
    doc, _ = report(report_py, raw.path, tmp, config)
    peer = {g["compiler"]: g for g in doc["peer_goal"]}.get("gcc", {})
    expect("all failed at w=2: weft and gomp listed missing, the line n/a",
           "nqueens(10) w=2: no result from weft" in peer.get("missing", [])
           and "nqueens(10) w=2: no result from gomp" in peer.get("missing", [])
           and peer.get("status") == "n/a", peer)
    idle = [g for g in doc["probe_goals"] if g["goal"].startswith("idle")]
    expect("idle: weft left no result: n/a at both worker counts",
           sorted((g["workers"], g["status"]) for g in idle) == [(1, "n/a"), (2, "n/a")], idle)

    # no weft selected: no goal lines for a weft nobody asked for
    raw = Raw(os.path.join(tmp, "noweft"))
    for rep in (1, 2):
        raw.run(rep, "fib", "serial", "plain", 1, 100, n=40)
        raw.run(rep, "fib", "gomp", "task", 1, 5000, n=40)
    doc, _ = report(report_py, raw.path, tmp, {"runtimes": ["serial", "gomp"], "workers": [1],
                                               "sizes": {"fib": 40}})
    expect("no weft selected: no fib, kernel or peer goal lines",
           not doc["goals"] and not doc["scaling_goals"] and not doc["peer_goal"],
           (doc["goals"], doc["peer_goal"]))

    # nothing left a result: exit 1, and no report of an earlier run stays
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    out, svg = os.path.join(tmp, "empty.json"), os.path.join(tmp, "empty.svg")
    for path in (out, svg):
        with open(path, "w") as f:
            f.write("an earlier run's\n")
    p = subprocess.run([sys.executable, report_py, "--raw", empty, "--out", out, "--svg", svg],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    expect("no result at all: exit 1", p.returncode == 1, p.returncode)
    expect("no result at all: the earlier run's files are gone",
           not os.path.exists(out) and not os.path.exists(svg))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    report_py = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="weft-test-report-") as tmp:
        full_set(report_py, tmp)
        missing_set(report_py, tmp)
        selected_set(report_py, tmp)
        config_set(report_py, tmp)
    print("test-report: " + ("all checks passed" if failures == 0 else f"{failures} checks failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

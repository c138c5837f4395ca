#!/usr/bin/env python3
"""report.py - summarise the google-benchmark JSON files written by bench/run.

Reads every *.json under --raw (one file per process: one runtime, one kernel,
one worker count, one repetition; the name says which repetition), prints a
table of medians and ratios for the compute kernels, tables of the wake-up
latency and idle CPU probes, checks the goal lines (fib's, and the issue's:
their limits are in goals.json, next to this file), writes all runs and the
summary to --out (JSON) and a bar chart to --svg.
Python 3 standard library only.

Every runtime is paired with the runtimes built by the same compiler: gcc
builds serial, weft, gomp and tbb; clang builds serial-clang, weft-clang,
omp and tbb-clang.  T/T_s uses the serial baseline of that compiler, and
the weft columns and goals compare a peer with weft of that compiler.

Ratios are ratios of medians over the repetitions; "reps a-b" after a goal
ratio is the range of the same ratio computed within each repetition (the
runtimes of one repetition ran one after the other, so they saw the same
machine load).
"""
import argparse
import datetime
import glob
import json
import math
import os
import re
import statistics
import sys

# The goals and their thresholds are data: goals.json, next to this file
# (what each line means: bench/README.md, "Reading the output").
GOALS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "goals.json")


def load_goals(path=GOALS_FILE):
    with open(path) as f:
        return json.load(f)


GOALS_DATA = load_goals()
# fib's lines: (name, variant, baseline, workers, limit); T_w = the weft
# variant with w workers.  Written for gcc; the clang pair uses
# weft-clang-* and serial-clang-*.
GOALS = [(l["name"], l["variant"], l["baseline"], l["workers"], l["max"])
         for l in GOALS_DATA["fib"]["lines"]]
GOAL_KERNEL, GOAL_N = GOALS_DATA["fib"]["kernel"], GOALS_DATA["fib"]["n"]
# the other kernels: T_1/T_s <= T1_LIMIT, T_s/T_w >= S2_LIMIT x w / S2_WORKERS
SCALING_KERNELS = GOALS_DATA["scaling"]["kernels"]
SCALING_VARIANTS = [(v["variant"], v["baseline"]) for v in GOALS_DATA["scaling"]["variants"]]
T1_LIMIT = GOALS_DATA["scaling"]["t1_max"]
S2_LIMIT = GOALS_DATA["scaling"]["speedup_min"]
S2_WORKERS = GOALS_DATA["scaling"]["speedup_min_workers"]
PEER_LIMIT = GOALS_DATA["peers"]["max"]                       # weft time / peer time below this
IDLE_LIMIT_PCT = GOALS_DATA["idle"]["max_pct"]                # idle pool: % of one core
WAKE_LIMIT = GOALS_DATA["wake"]["max"]                        # wake-up median / futex median
MIN_PARKS = GOALS_DATA["wake"]["min_parks_per_call"]          # below: not a wake-up, n/a
SERIAL_MIN_CPU = GOALS_DATA["warnings"]["serial_min_cpu"]
LOAD_NOTE = GOALS_DATA["warnings"]["load_note"]
# Probes, not timed computations: their own tables, not in the main one.
PROBES = ("wake", "idle")

COMPILERS = ("gcc", "clang")


def compiler_of(name):
    """The compiler that built a runtime-variant name."""
    return "clang" if (name == "omp" or name.startswith("omp-") or "-clang" in name) else "gcc"


def with_compiler(name, compiler):
    """serial-plain -> serial-clang-plain, weft-typed -> weft-clang-typed for clang."""
    if compiler == "gcc":
        return name
    rt, _, var = name.partition("-")
    return f"{rt}-clang-{var}" if var else f"{rt}-clang"


def weft_of(name, variant):
    """weft's variant built by the compiler of name."""
    return with_compiler(f"weft-{variant}", compiler_of(name))


def load_runs(raw_dir):
    runs, contexts = [], []
    for path in sorted(glob.glob(os.path.join(raw_dir, "*.json"))):
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"report: skipping {path}: {e}", file=sys.stderr)
            continue
        ctx = doc.get("context", {})
        label = ctx.get("weft_bench_runtime", "?")
        m = re.search(r"rep(\d+)", os.path.basename(path))
        rep = int(m.group(1)) if m else None
        contexts.append(ctx)
        for b in doc.get("benchmarks", []):
            if b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            parts = b["name"].split("/")
            kernel, rv = parts[0], parts[1]
            variant = rv[len(label) + 1:] if rv.startswith(label + "-") else rv
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
            runs.append({
                "kernel": kernel,
                "n": int(b.get("n", 0)),
                "runtime": label,
                "variant": variant,
                "name": f"{label}-{variant}",
                "workers": int(b.get("workers", 1)),
                "rep": rep,
                "real_s": b["real_time"] * scale,
                "cpu_s": b["cpu_time"] * scale,
                "iterations": b.get("iterations"),
                "answer": b.get("answer"),
                "maxrss_kib": b.get("maxrss_kib"),
                "steals": b.get("steals"),
                "extra": {k: b[k] for k in ("wake_med_us", "wake_p90_us", "futex_med_us", "futex_p90_us",
                                            "parks_per_call", "idle_cpu_pct", "parks_in_window",
                                            "wake_in_med_us", "wake_out_med_us")
                          if k in b},
                "compiler": ctx.get("weft_bench_compiler"),
                "flags": ctx.get("weft_bench_flags"),
                "file": os.path.basename(path),
            })
    return runs, contexts


def baseline_of(name):
    """The serial run a runtime is compared with: same compiler."""
    return with_compiler("serial-plain", compiler_of(name))


def is_serial(name):
    return name.startswith("serial")


class Summary:
    def __init__(self, runs, config=None):
        self.runs = runs
        self.groups = {}
        for r in runs:
            key = (r["kernel"], r["n"], r["name"], 1 if is_serial(r["name"]) else r["workers"])
            self.groups.setdefault(key, []).append(r)
        # What bench/run was asked to run (its config.json), when known: a
        # selected runtime, kernel or worker count that left no result is
        # then reported missing instead of being left out of the goals.
        config = config or {}
        self.selected = list(config.get("runtimes") or [])
        self.sizes = dict(config.get("sizes") or {})
        self.cfg_workers = list(config.get("workers") or [])
        self.labels = {(r["kernel"], r["n"], r["runtime"], 1 if is_serial(r["name"]) else r["workers"])
                       for r in runs}
        self.label_of = {r["name"]: r["runtime"] for r in runs}  # gomp-task -> gomp

    def has_label(self, kernel, n, label, workers):
        """Whether the runtime (executable) `label` left any result."""
        return (kernel, n, label, workers) in self.labels

    def weft_selected(self, compiler):
        """weft built by compiler was asked for (per config.json)."""
        return with_compiler("weft", compiler) in self.selected

    def weft_compilers(self, found):
        """The compilers whose goal lines are reported: with a config.json,
        those whose weft was selected (a serial- or peer-only run has no weft
        goal to miss); without one, those with results (`found`)."""
        if self.selected:
            return {c for c in COMPILERS if self.weft_selected(c)}
        return set(found)

    def times(self, kernel, n, name, workers):
        w = 1 if is_serial(name) else workers
        return [r["real_s"] for r in self.groups.get((kernel, n, name, w), [])]

    def median(self, kernel, n, name, workers):
        t = self.times(kernel, n, name, workers)
        return statistics.median(t) if t else None

    def median_cpu(self, kernel, n, name, workers):
        w = 1 if is_serial(name) else workers
        t = [r["cpu_s"] for r in self.groups.get((kernel, n, name, w), [])]
        return statistics.median(t) if t else None

    def per_rep_ratios(self, kernel, n, a, wa, b, wb):
        def by_rep(name, w):
            w = 1 if is_serial(name) else w
            return {r["rep"]: r["real_s"] for r in self.groups.get((kernel, n, name, w), [])}
        ra, rb = by_rep(a, wa), by_rep(b, wb)
        return [ra[k] / rb[k] for k in ra if k in rb and rb[k] > 0]

    def kernels(self):
        seen = []
        for (k, n, _, _) in self.groups:
            if (k, n) not in seen:
                seen.append((k, n))
        for k, n in self.sizes.items():
            if (k, n) not in seen:
                seen.append((k, n))
        order = ["fib", "nqueens", "uts_geo", "uts_bin", "matmul", "mergesort", "loop", "reduce",
                 "wake", "idle"]
        return sorted(seen, key=lambda kn: (order.index(kn[0]) if kn[0] in order else len(order), kn))


def order_key(name):
    prefs = ["serial-plain", "serial-elision", "serial-clang-plain", "serial-clang-elision",
             "serial-futex", "serial-clang-futex", "serial-sleep", "serial-clang-sleep",
             "weft-generic", "weft-typed", "weft-run", "weft-parked", "gomp-task", "gomp-for",
             "gomp-region", "tbb-task_group", "tbb-parallel", "tbb-enqueue", "tbb-execute",
             "weft-clang-generic", "weft-clang-typed", "weft-clang-run", "weft-clang-parked",
             "omp-task", "omp-for", "omp-region", "tbb-clang-task_group", "tbb-clang-parallel",
             "tbb-clang-enqueue", "tbb-clang-execute"]
    return (prefs.index(name) if name in prefs else len(prefs), name)


def fmt_t(t):
    if t is None:
        return "-"
    return f"{t:.3f}" if t >= 0.1 else f"{t:.4f}"


def fmt_r(x):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x < 0.1:
        return f"{x:.2g}"
    return f"{x:.2f}"


def build_table(s):
    rows = []
    for kernel, n in s.kernels():
        if kernel in PROBES:
            continue
        names = sorted({k[2] for k in s.groups if k[0] == kernel and k[1] == n}, key=order_key)
        workers = sorted({k[3] for k in s.groups if k[0] == kernel and k[1] == n and not is_serial(k[2])})
        for name in [x for x in names if is_serial(x)]:
            rows.append(row_for(s, kernel, n, name, 1, serial=True))
        for w in workers:
            for name in [x for x in names if not is_serial(x)]:
                if s.times(kernel, n, name, w):
                    rows.append(row_for(s, kernel, n, name, w, serial=False))
    return rows


def row_for(s, kernel, n, name, w, serial):
    rs = s.groups[(kernel, n, name, w)]
    t = [r["real_s"] for r in rs]
    med = statistics.median(t)
    cpu = statistics.median([r["cpu_s"] for r in rs])
    base = baseline_of(name)
    tb = s.median(kernel, n, base, 1)
    row = {
        "kernel": kernel, "n": n, "workers": None if serial else w, "runtime": name,
        "reps": len(t), "median_s": med, "min_s": min(t), "max_s": max(t),
        "cpu_over_real": cpu / med if med > 0 else None,
        "baseline": base,
        "t_over_serial": med / tb if tb else None,
        "speedup": tb / med if tb and med > 0 else None,
        "weft_generic_over_this": None, "weft_typed_over_this": None,
        "maxrss_mib": max((r["maxrss_kib"] or 0) for r in rs) / 1024.0,
        "steals": statistics.median([r["steals"] for r in rs]) if rs[0]["steals"] is not None else None,
    }
    if not serial:
        for key, var in (("weft_generic_over_this", "generic"), ("weft_typed_over_this", "typed")):
            weft = weft_of(name, var)
            tw = s.median(kernel, n, weft, w)
            if tw is not None and name != weft:
                row[key] = tw / med
    return row


def build_goals(s):
    goals = []
    sizes = [n for k, n in s.kernels() if k == GOAL_KERNEL]
    if not sizes:
        return goals
    n = GOAL_N if GOAL_N in sizes else sizes[0]
    # A compiler none of whose runs of the kernel left a result was not
    # selected: its lines are left out.  Otherwise a line whose variant or
    # baseline left no result (a failed run) is printed as n/a.
    measured = s.weft_compilers({compiler_of(k[2]) for k in s.groups
                                 if k[0] == GOAL_KERNEL and k[1] == n})
    for compiler, (label, var, base, w, limit) in [(c, g) for c in COMPILERS for g in GOALS]:
        var, base = with_compiler(var, compiler), with_compiler(base, compiler)
        if compiler not in measured:
            continue
        tv, tb = s.median(GOAL_KERNEL, n, var, w), s.median(GOAL_KERNEL, n, base, 1)
        ratio = tv / tb if tv is not None and tb else None
        reps = s.per_rep_ratios(GOAL_KERNEL, n, var, w, base, 1)
        cv, cb = s.median_cpu(GOAL_KERNEL, n, var, w), s.median_cpu(GOAL_KERNEL, n, base, 1)
        # With one worker, CPU time measures the same work as wall time but
        # is not inflated by waiting for a CPU on a loaded machine.
        cpu_ratio = cv / cb if w == 1 and cv is not None and cb else None
        goals.append({
            "goal": f"{compiler} {label}: T_{w}/T_{base.split('-')[-1]} <= {limit}",
            "kernel": GOAL_KERNEL, "n": n, "variant": var, "workers": w, "baseline": base,
            "limit": limit, "ratio": ratio, "cpu_ratio": cpu_ratio,
            "rep_min": min(reps) if reps else None, "rep_max": max(reps) if reps else None,
            "status": "n/a" if ratio is None else ("PASS" if ratio <= limit else "MISS"),
        })
    return goals


def workers_of(s, kernel, n):
    ws = {k[3] for k in s.groups if k[0] == kernel and k[1] == n and not is_serial(k[2])}
    if n == s.sizes.get(kernel):
        ws |= set(s.cfg_workers)
    return sorted(ws)


def build_scaling_goals(s):
    """SCALING_KERNELS (nqueens, UTS, matmul, mergesort): T_1/T_s <= T1_LIMIT
    and T_s/T_w >= S2_LIMIT x w / S2_WORKERS, for each compiler and weft
    variant (generic against the elision, typed against plain recursion)."""
    out = []
    for kernel, n in s.kernels():
        if kernel not in SCALING_KERNELS:
            continue
        ws = workers_of(s, kernel, n)
        wmax = max(ws) if ws else None
        for compiler in COMPILERS:
            for var, base in SCALING_VARIANTS:
                name, bname = with_compiler(var, compiler), with_compiler(base, compiler)
                tb = s.median(kernel, n, bname, 1)
                t1 = s.median(kernel, n, name, 1)
                tw = s.median(kernel, n, name, wmax) if wmax and wmax > 1 else None
                if compiler not in s.weft_compilers(
                        compiler_of(k[2]) for k in s.groups if k[0] == kernel and k[1] == n):
                    continue  # this compiler was not selected
                if tb is None:
                    t1 = tw = None  # no baseline: n/a below
                r1 = t1 / tb if t1 else None
                sw = tb / tw if tw else None
                c1, cb = s.median_cpu(kernel, n, name, 1), s.median_cpu(kernel, n, bname, 1)
                ok1 = r1 is not None and r1 <= T1_LIMIT
                ok2 = sw is not None and sw >= S2_LIMIT * (wmax / S2_WORKERS)
                out.append({
                    "kernel": kernel, "n": n, "compiler": compiler, "variant": name, "baseline": bname,
                    "workers": wmax, "t1_over_ts": r1, "cpu_t1_over_ts": c1 / cb if c1 and cb else None,
                    "ts_over_tw": sw,
                    "status": "n/a" if r1 is None or sw is None else ("PASS" if ok1 and ok2 else "MISS"),
                })
    return out


def build_peer_goal(s):
    """weft (its faster variant, same compiler) ahead of every peer on every
    compute kernel, at every worker count measured."""
    out = []
    for compiler in COMPILERS:
        if s.selected and not s.weft_selected(compiler):
            continue  # no weft of this compiler was asked for: nothing to compare
        weft_names = [with_compiler(f"weft-{v}", compiler) for v in ("generic", "typed")]
        weft_label = with_compiler("weft", compiler)
        checked, misses, missing = 0, [], []

        def add(m):
            if m not in missing:
                missing.append(m)
        for kernel, n in s.kernels():
            if kernel in PROBES:
                continue
            peers = sorted({k[2] for k in s.groups if k[0] == kernel and k[1] == n and not is_serial(k[2])
                            and not k[2].startswith("weft") and compiler_of(k[2]) == compiler})
            # selected runtimes (config.json) of this compiler: every peer has
            # a variant of every compute kernel, so a selected runtime with no
            # result at a worker count failed there (a peer variant missing
            # while another of its variants ran is found below, by name)
            ws = workers_of(s, kernel, n)
            sel_peers = [l for l in s.selected if not is_serial(l) and not l.startswith("weft")
                         and compiler_of(l) == compiler]
            for w in ws:
                for l in sel_peers + ([weft_label] if sel_peers and s.weft_selected(compiler) else []):
                    if not s.has_label(kernel, n, l, w):
                        add(f"{kernel}({n}) w={w}: no result from {l}")
                tw = [t for t in (s.median(kernel, n, x, w) for x in weft_names) if t is not None]
                for p in peers:
                    tp = s.median(kernel, n, p, w)
                    if tp is None and s.label_of.get(p) in sel_peers and \
                            not s.has_label(kernel, n, s.label_of[p], w):
                        continue  # its runtime is listed missing above, once
                    if not tw or tp is None:
                        # a run that left no result: the comparison is
                        # missing, not won
                        who = weft_label if not tw else p
                        if tp is not None or tw:
                            add(f"{kernel}({n}) w={w}: no result from {who}")
                        continue
                    checked += 1
                    if min(tw) >= PEER_LIMIT * tp:
                        # the repetitions are interleaved: pair weft's and
                        # the peer's run of each one, to tell a steady gap
                        # from the machine's noise
                        best = min((x for x in weft_names if s.median(kernel, n, x, w) is not None),
                                   key=lambda x: s.median(kernel, n, x, w))
                        pr = s.per_rep_ratios(kernel, n, best, w, p, w)
                        pair = (f"; weft faster in {sum(1 for r in pr if r < 1)} of {len(pr)} paired "
                                f"repetitions, per-repetition ratio {min(pr):.2f}-{max(pr):.2f}") if pr else ""
                        misses.append(f"{kernel}({n}) w={w}: weft {min(tw):.3g} s vs {p} {tp:.3g} s "
                                      f"(+{100 * (min(tw) / tp - 1):.1f}%{pair})")
        if checked or missing:
            out.append({"compiler": compiler, "comparisons": checked, "misses": misses,
                        "missing": missing,
                        "status": "MISS" if misses else ("n/a" if missing else "PASS")})
    return out


def probe_rows(s):
    """Rows of the wake and idle tables (medians over the processes)."""
    rows = []
    for kernel, n in s.kernels():
        if kernel not in PROBES:
            continue
        names = sorted({k[2] for k in s.groups if k[0] == kernel and k[1] == n}, key=order_key)
        for name in names:
            ws = [1] if is_serial(name) else workers_of(s, kernel, n)
            for w in ws:
                rs = s.groups.get((kernel, n, name, w), [])
                if not rs:
                    continue
                ex = [r["extra"] for r in rs]

                def med(key):
                    v = [e[key] for e in ex if key in e]
                    return statistics.median(v) if v else None

                def rng(key):
                    v = [e[key] for e in ex if key in e]
                    return (min(v), max(v)) if v else (None, None)
                ratios = [e["wake_med_us"] / e["futex_med_us"] for e in ex
                          if e.get("futex_med_us") and "wake_med_us" in e]
                rows.append({
                    "kernel": kernel, "n": n, "runtime": name, "workers": None if is_serial(name) else w,
                    "compiler": compiler_of(name), "reps": len(rs),
                    "wake_med_us": med("wake_med_us"), "wake_p90_us": med("wake_p90_us"),
                    "futex_med_us": med("futex_med_us"), "futex_p90_us": med("futex_p90_us"),
                    "wake_over_futex": statistics.median(ratios) if ratios else None,
                    "wake_over_futex_range": (min(ratios), max(ratios)) if ratios else None,
                    "parks_per_call": med("parks_per_call"),
                    "wake_in_med_us": med("wake_in_med_us"), "wake_out_med_us": med("wake_out_med_us"),
                    "idle_cpu_pct": med("idle_cpu_pct"), "idle_cpu_pct_range": rng("idle_cpu_pct"),
                    "parks_in_window": med("parks_in_window"),
                })
    return rows


def build_probe_goals(prows, s=None):
    out = []
    # a weft runtime that ran kernels but left no wake or idle row while
    # another runtime did: its probe failed, the goal is n/a
    def exe_of(name):  # the weft executable a result name comes from
        return "weft-clang" if name.startswith("weft-clang") else "weft"
    if s is not None:
        exes = sorted({exe_of(k[2]) for k in s.groups if k[2].startswith("weft")} |
                      {l for l in s.selected if l.startswith("weft")})
        for kernel, goal in (("idle", f"idle pool < {IDLE_LIMIT_PCT:g}% of one core"),
                             ("wake", f"wake-up median <= {WAKE_LIMIT:g}x futex round trip")):
            if not any(r["kernel"] == kernel for r in prows) and kernel not in s.sizes:
                continue
            ws = sorted({r["workers"] for r in prows if r["kernel"] == kernel and r["workers"] is not None} |
                        (set(s.cfg_workers) if kernel in s.sizes else set()))
            for exe in exes:
                for w in ws:
                    if not any(r["kernel"] == kernel and r["runtime"].startswith("weft")
                               and exe_of(r["runtime"]) == exe and r["workers"] == w for r in prows):
                        out.append({"goal": goal, "runtime": exe, "workers": w, "value": None,
                                    "text": "n/a (no result)", "status": "n/a"})
    for r in prows:
        if not r["runtime"].startswith("weft"):
            continue
        if r["kernel"] == "idle" and r["idle_cpu_pct"] is None:
            out.append({"goal": f"idle pool < {IDLE_LIMIT_PCT:g}% of one core", "runtime": r["runtime"],
                        "workers": r["workers"], "value": None, "text": "n/a (no value)", "status": "n/a"})
        if r["kernel"] == "wake" and r["wake_over_futex"] is None:
            out.append({"goal": f"wake-up median <= {WAKE_LIMIT:g}x futex round trip", "runtime": r["runtime"],
                        "workers": r["workers"], "value": None, "text": "n/a (no value)", "status": "n/a"})
        if r["kernel"] == "idle" and r["idle_cpu_pct"] is not None:
            out.append({"goal": f"idle pool < {IDLE_LIMIT_PCT:g}% of one core", "runtime": r["runtime"],
                        "workers": r["workers"], "value": r["idle_cpu_pct"],
                        "text": f"{r['idle_cpu_pct']:.3f}% [{r['idle_cpu_pct_range'][0]:.3f}-{r['idle_cpu_pct_range'][1]:.3f}]",
                        "status": "PASS" if r["idle_cpu_pct"] < IDLE_LIMIT_PCT else "MISS"})
        if r["kernel"] == "wake" and r["wake_over_futex"] is not None and \
                r["parks_per_call"] is not None and r["parks_per_call"] < MIN_PARKS:
            # the workers mostly did not park between calls: what was timed
            # is a hand-off to an awake pool, not a wake-up
            out.append({"goal": f"wake-up median <= {WAKE_LIMIT:g}x futex round trip", "runtime": r["runtime"],
                        "workers": r["workers"], "value": r["wake_over_futex"],
                        "text": f"n/a ({r['parks_per_call']:.2f} parks per call: not a wake-up)",
                        "status": "n/a"})
        elif r["kernel"] == "wake" and r["wake_over_futex"] is not None:
            lo, hi = r["wake_over_futex_range"]
            out.append({"goal": f"wake-up median <= {WAKE_LIMIT:g}x futex round trip", "runtime": r["runtime"],
                        "workers": r["workers"], "value": r["wake_over_futex"],
                        "text": f"{r['wake_over_futex']:.2f}x [{lo:.2f}-{hi:.2f}] "
                                f"({r['wake_med_us']:.1f} vs {r['futex_med_us']:.1f} us)",
                        "status": "PASS" if r["wake_over_futex"] <= WAKE_LIMIT else "MISS"})
    return out


def fmt_us(x):
    return "-" if x is None else (f"{x:.1f}" if x >= 1 else f"{x:.2f}")


def print_probes(prows):
    wake = [r for r in prows if r["kernel"] == "wake"]
    idle = [r for r in prows if r["kernel"] == "idle"]
    if wake:
        n = wake[0]["n"]
        print(f"\nWake-up latency, wake({n}): {n} entries into an idle runtime per process, each after a 3 ms sleep,")
        print("alternating with a bare futex round trip in the same process; medians over the processes of each")
        print("process's median and p90, in microseconds:")
        hdr = ["runtime-variant", "workers", "reps", "median us", "p90 us", "futex med", "futex p90", "x futex",
               "parks/call", "in/out us"]
        lines = [[r["runtime"], "-" if r["workers"] is None else str(r["workers"]), str(r["reps"]),
                  fmt_us(r["wake_med_us"]), fmt_us(r["wake_p90_us"]), fmt_us(r["futex_med_us"]),
                  fmt_us(r["futex_p90_us"]), fmt_r(r["wake_over_futex"]),
                  "-" if r["parks_per_call"] is None else f"{r['parks_per_call']:.2f}",
                  "-" if r["wake_in_med_us"] is None else
                  f"{fmt_us(r['wake_in_med_us'])}/{fmt_us(r['wake_out_med_us'])}"] for r in wake]
        print_grid(hdr, lines, 1)
        print("  (omp/gomp-region: the caller is the team's master, so with 1 worker no thread is woken;")
        print("   tbb-execute: the caller joins the arena and may run the task itself: not a wake-up;")
        print("   tbb-enqueue: a task enqueued in an arena of N workers that futex-wakes the waiting caller;")
        print("   in/out (weft): medians of call -> task start (the worker's wake-up) and task start -> return)")
    if idle:
        n = idle[0]["n"]
        print(f"\nIdle CPU, idle({n}): CPU time of the whole process over the {n} ms after a burst in which every")
        print("worker was busy (OMP_WAIT_POLICY etc. as in the environment), as % of one core; median [min-max]:")
        hdr = ["runtime-variant", "workers", "reps", "CPU % of a core", "min-max", "parks in window"]
        lines = [[r["runtime"], "-" if r["workers"] is None else str(r["workers"]), str(r["reps"]),
                  "-" if r["idle_cpu_pct"] is None else f"{r['idle_cpu_pct']:.3f}",
                  "-" if r["idle_cpu_pct_range"][0] is None else
                  f"{r['idle_cpu_pct_range'][0]:.3f}-{r['idle_cpu_pct_range'][1]:.3f}",
                  "-" if r["parks_in_window"] is None else f"{r['parks_in_window']:.0f}"] for r in idle]
        print_grid(hdr, lines, 1)


def print_grid(hdr, lines, nleft):
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(hdr)]
    out = lambda cells: print("  " + "  ".join(c.ljust(widths[i]) if i < nleft else c.rjust(widths[i])
                                               for i, c in enumerate(cells)))
    out(hdr)
    print("  " + "  ".join("-" * w for w in widths))
    for l in lines:
        out(l)


def compilers_line(contexts):
    """'gcc 12.2.0 (-O3 -DNDEBUG): serial, weft, gomp, tbb' per compiler."""
    by = {}
    for c in contexts:
        lab, comp = c.get("weft_bench_runtime"), c.get("weft_bench_compiler", "?")
        flags = (c.get("weft_bench_flags") or "").split(":", 1)[-1].strip()
        key = (" ".join(comp.split(" (")[0].split()) if comp else "?", flags)
        by.setdefault(key, [])
        if lab not in by[key]:
            by[key].append(lab)
    pref = ["serial", "serial-clang", "weft", "weft-clang", "gomp", "omp", "tbb", "tbb-clang"]
    rank = lambda x: pref.index(x) if x in pref else len(pref)
    return [f"{comp} [{flags}]: {', '.join(sorted(labs, key=rank))}"
            for (comp, flags), labs in sorted(by.items(), key=lambda kv: -len(kv[1]))]


def fmt_load(la):
    return "-" if not la else " ".join(f"{x:.2f}" for x in la)


def print_table(rows, goals, contexts, failures, scaling=(), peer=(), probe_goals=(), prows=(), config=None):
    hdr = ["kernel", "workers", "runtime-variant", "reps", "median s", "min-max s", "T/T_s",
           "T_s/T", "wg/x", "wt/x", "cpu/real", "RSS MiB", "steals"]
    lines = []
    for r in rows:
        lines.append([
            f"{r['kernel']}({r['n']})", "-" if r["workers"] is None else str(r["workers"]),
            r["runtime"], str(r["reps"]), fmt_t(r["median_s"]), f"{fmt_t(r['min_s'])}-{fmt_t(r['max_s'])}",
            fmt_r(r["t_over_serial"]), fmt_r(r["speedup"]),
            fmt_r(r["weft_generic_over_this"]), fmt_r(r["weft_typed_over_this"]),
            fmt_r(r["cpu_over_real"]), f"{r['maxrss_mib']:.1f}",
            "-" if r["steals"] is None else f"{r['steals']:.0f}",
        ])
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h) for i, h in enumerate(hdr)]

    def out(cells):
        print("  ".join(c.rjust(widths[i]) if i >= 3 else c.ljust(widths[i]) for i, c in enumerate(cells)))

    print("Built by (each runtime is compared with the serial baseline and weft of its own compiler):")
    for l in compilers_line(contexts):
        print("  " + l)
    print()
    out(hdr)
    print("  ".join("-" * w for w in widths))
    prev = None
    for l in lines:
        if prev is not None and l[0] != prev:
            print()
        prev = l[0]
        out(l)
    print()
    print("T/T_s, T_s/T: against serial-plain of the same compiler (serial-clang-plain for the clang-built rows);")
    print("wg/x, wt/x: weft-generic, weft-typed time (built by this row's compiler) over this row's time,")
    print("same worker count (<1: weft faster);")
    print("cpu/real: process CPU time over wall time; RSS: peak of the process (one kernel, one worker count)")
    print("so far: a process runs its runtime's variants in turn, so a later variant's RSS includes an earlier's.")
    if goals:
        print()
        n = goals[0]["n"]
        note = "" if n == GOAL_N else f"  (the goals are set for fib({GOAL_N}); this run measured fib({n}))"
        print(f"Goal lines, fib({n}), ratio of medians [range over repetitions]:{note}")
        for g in goals:
            rng = "" if g["rep_min"] is None else f" [reps {g['rep_min']:.2f}-{g['rep_max']:.2f}]"
            val = "n/a (not measured)" if g["ratio"] is None else f"{g['ratio']:.3f}{rng}"
            cpu = "" if g["cpu_ratio"] is None else f"   (CPU-time ratio {g['cpu_ratio']:.3f})"
            print(f"  {g['goal']:<40} measured {val:<29} {g['status']}{cpu}")
    if scaling:
        w = max((g["workers"] or 0) for g in scaling)
        print(f"\nGoal: {', '.join(SCALING_KERNELS)}: T_1/T_s <= {T1_LIMIT} and T_s/T_{w} >= {S2_LIMIT}"
              f"{'' if w == S2_WORKERS else f' (x {w}/{S2_WORKERS} workers)'} (ratios of medians; generic against the elision,")
        print("typed against plain recursion, each with the serial build of its own compiler):")
        for g in scaling:
            # three decimals: with two, 1.0476 (PASS) and 1.0516 (MISS) both
            # read 1.05
            cpu = "" if g["cpu_t1_over_ts"] is None else f" (CPU {g['cpu_t1_over_ts']:.3f})"
            t1 = "-" if g["t1_over_ts"] is None else f"{g['t1_over_ts']:.3f}{cpu}"
            sw = "-" if g["ts_over_tw"] is None else f"{g['ts_over_tw']:.3f}"
            print(f"  {g['kernel']}({g['n']})".ljust(22) + f"{g['variant']:<18} T_1/T_s {t1:<20} "
                  f"T_s/T_{g['workers']} {sw:<6} {g['status']}")
    if peer:
        print("\nGoal: weft ahead of every peer on every kernel at every worker count run (weft's faster variant")
        print("against each peer of the same compiler, medians; wake and idle are in their own tables):")
        for g in peer:
            extra = f", {len(g['missing'])} missing" if g.get("missing") else ""
            print(f"  {g['compiler']:<6} {g['comparisons']} comparisons, {len(g['misses'])} behind{extra}   "
                  f"{g['status']}")
            for m in g["misses"]:
                print(f"         behind: {m}")
            for m in g.get("missing", []):
                print(f"         missing: {m}")
    if probe_goals:
        print(f"\nGoals: idle pool < {IDLE_LIMIT_PCT:g}% of one core; wake-up median within {WAKE_LIMIT:g}x of the futex round trip")
        print("(per process: weft median / futex median; median over processes [range]):")
        for g in probe_goals:
            print(f"  {g['goal']:<40} {g['runtime']:<18} w={g['workers']}  {g['text']:<36} {g['status']}")
    if prows:
        print_probes(prows)
    loads = [c.get("load_avg", [None])[0] for c in contexts if c.get("load_avg")]
    if loads:
        print(f"\n1-min load average when processes started: {min(loads):.2f}-{max(loads):.2f} "
              f"on {contexts[0].get('num_cpus')} CPUs (above ~{LOAD_NOTE:g} means something else was running)")
    if config and config.get("loadavg_start"):
        print(f"load average (1/5/15 min, /proc/loadavg) before the first process: "
              f"{fmt_load(config['loadavg_start'])}, after the last: {fmt_load(config.get('loadavg_end'))}")
    low_parks = [r for r in prows if r["kernel"] == "wake" and r["runtime"].startswith("weft")
                 and r["parks_per_call"] is not None and r["parks_per_call"] < MIN_PARKS]
    for r in low_parks:
        print(f"WARNING: {r['runtime']} w={r['workers']}: {r['parks_per_call']:.2f} parks per call: the workers "
              "mostly did not park between calls; the wake-up probe measured awake workers")
    serial = [r["cpu_over_real"] for r in rows if r["workers"] is None and r["cpu_over_real"]]
    if serial and statistics.median(serial) < SERIAL_MIN_CPU:
        print(f"WARNING: the serial runs got {statistics.median(serial):.0%} of a CPU (median CPU/wall time): "
              "the machine was oversubscribed, wall times are inflated and noisy; "
              "the CPU-time ratios of the one-worker goals are the steadier numbers.")
    if failures:
        print("\nFAILED RUNS (no timing from these):")
        for f in failures:
            print("  " + f)


# ---- SVG ------------------------------------------------------------------

COLORS = {"weft-generic": "#1f77b4", "weft-typed": "#17becf", "gomp-task": "#d62728",
          "omp-task": "#ff7f0e", "tbb-task_group": "#2ca02c",
          "gomp-for": "#ff9896", "omp-for": "#ffbb78", "tbb-parallel": "#2e8b57",
          "weft-clang-generic": "#393b79", "weft-clang-typed": "#6b6ecf", "tbb-clang-task_group": "#98df8a",
          "weft-run": "#1f77b4", "weft-clang-run": "#393b79", "gomp-region": "#d62728", "omp-region": "#ff7f0e",
          "tbb-enqueue": "#2ca02c", "tbb-execute": "#98df8a", "futex": "#7f7f7f",
          "weft-parked": "#1f77b4", "weft-clang-parked": "#393b79", "serial-sleep": "#7f7f7f"}
EXTRA_COLORS = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_panel(x0, y0, width, height, title, groups, series, value, ylabel):
    """A log-scale bar chart; bars grow up or down from 1.  value(g, s) -> float|None."""
    vals = [value(g, s) for g in groups for s in series]
    vals = [v for v in vals if v is not None and v > 0]
    if not vals:
        return []
    lo = min(min(vals), 0.5)
    hi = max(max(vals), 2.0)
    # half-decade grid, with room below the lowest bar for its value label
    elo, ehi = math.floor(math.log10(lo) * 2 - 0.4) / 2, math.ceil(math.log10(hi) * 2) / 2
    left, right, top, bottom = 80, 10, 30, 50
    pw, ph = width - left - right, height - top - bottom

    def ypos(v):
        return y0 + top + ph * (ehi - math.log10(v)) / (ehi - elo)

    out = [f'<text x="{x0 + width / 2}" y="{y0 + 18}" text-anchor="middle" font-weight="bold">{esc(title)}</text>']
    e = elo
    while e <= ehi + 1e-9:
        v = 10 ** e
        y = ypos(v)
        out.append(f'<line x1="{x0 + left}" x2="{x0 + left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        lab = f"{v:.1g}"
        out.append(f'<text x="{x0 + left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{lab}</text>')
        e += 0.5
    y1 = ypos(1.0)
    out.append(f'<line x1="{x0 + left}" x2="{x0 + left + pw}" y1="{y1:.1f}" y2="{y1:.1f}" stroke="#000"/>')
    out.append(f'<text transform="translate({x0 + 14},{y0 + top + ph / 2}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{esc(ylabel)}</text>')
    gw = pw / len(groups)
    bw = min(28.0, (gw - 10) / max(1, len(series)))
    for gi, g in enumerate(groups):
        gx = x0 + left + gi * gw + (gw - bw * len(series)) / 2
        for si, s in enumerate(series):
            v = value(g, s)
            if v is None or v <= 0:
                continue
            yv = ypos(v)
            ytop, hgt = min(yv, y1), abs(yv - y1)
            col = COLORS.get(s) or EXTRA_COLORS[si % len(EXTRA_COLORS)]
            bx = gx + si * bw
            out.append(f'<rect x="{bx:.1f}" y="{ytop:.1f}" width="{bw - 2:.1f}" height="{max(hgt, 1):.1f}" '
                       f'fill="{col}"><title>{esc(s)} {esc(g[2])}: {v:.3g}</title></rect>')
            ty = yv - 3 if v >= 1 else yv + 11
            out.append(f'<text x="{bx + bw / 2 - 1:.1f}" y="{ty:.1f}" text-anchor="middle" font-size="9">'
                       f'{fmt_r(v)}</text>')
        out.append(f'<text x="{x0 + left + gi * gw + gw / 2:.1f}" y="{y0 + top + ph + 16}" '
                   f'text-anchor="middle" font-size="11">{esc(g[2])}</text>')
    return out


def svg_scaling(x0, y0, pw_each, height, s, kernels, series):
    """One small line chart per kernel: speedup T_s / T against the worker count (both
    axes linear), one line per runtime, the dashed diagonal = perfect scaling."""
    out = []
    left, top, bottom = 40, 38, 34
    for ki, (kernel, n, ws) in enumerate(kernels):
        px = x0 + ki * pw_each
        w = pw_each - left - 12
        h = height - top - bottom
        wmax = max(ws)
        pts = {}
        for x in series:
            p = []
            for wk in ws:
                t, b = s.median(kernel, n, x, wk), s.median(kernel, n, baseline_of(x), 1)
                if t and b:
                    p.append((wk, b / t))
            if p:
                pts[x] = p
        ymax = max([wmax] + [v for p in pts.values() for _, v in p])

        def xp(v):
            return px + left + w * v / wmax

        def yp(v):
            return y0 + top + h * (1 - v / ymax)
        out.append(f'<text x="{px + left + w / 2:.1f}" y="{y0 + 24}" text-anchor="middle" '
                   f'font-weight="bold">{esc(kernel)}({n})</text>')
        step = max(1, wmax // 4)
        for v in range(0, int(ymax) + 1, step):
            out.append(f'<line x1="{xp(0):.1f}" x2="{xp(wmax):.1f}" y1="{yp(v):.1f}" y2="{yp(v):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{xp(0) - 4:.1f}" y="{yp(v) + 4:.1f}" text-anchor="end" font-size="10">{v}</text>')
        for wk in ws:
            out.append(f'<text x="{xp(wk):.1f}" y="{yp(0) + 14:.1f}" text-anchor="middle" font-size="10">{wk}</text>')
        out.append(f'<text x="{px + left + w / 2:.1f}" y="{yp(0) + 28:.1f}" text-anchor="middle" '
                   f'font-size="10">workers</text>')
        out.append(f'<line x1="{xp(0):.1f}" y1="{yp(0):.1f}" x2="{xp(wmax):.1f}" y2="{yp(wmax):.1f}" '
                   f'stroke="#999" stroke-dasharray="4,3"/>')
        out.append(f'<rect x="{xp(0):.1f}" y="{yp(ymax):.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="none" stroke="#000"/>')
        for x, p in pts.items():
            col = COLORS.get(x) or EXTRA_COLORS[series.index(x) % len(EXTRA_COLORS)]
            d = " ".join(f"{xp(a):.1f},{yp(b):.1f}" for a, b in p)
            out.append(f'<polyline points="{d}" fill="none" stroke="{col}" stroke-width="2">'
                       f'<title>{esc(x)}</title></polyline>')
            for a, b in p:
                out.append(f'<circle cx="{xp(a):.1f}" cy="{yp(b):.1f}" r="2.5" fill="{col}">'
                           f'<title>{esc(x)} w={a}: {b:.3g}</title></circle>')
    if kernels:
        out.insert(0, f'<text x="{x0 + 10}" y="{y0 + 8}" font-weight="bold">Scaling: speedup over the '
                      f'serial baseline (T_s / T) against the worker count; dashed: perfect scaling</text>')
    return out


def write_svg(path, s, rows, prows=()):
    groups = []  # (kernel, n, label, workers)
    for r in rows:
        if r["workers"] is not None:
            g = (r["kernel"], r["n"], f"{r['kernel']} w={r['workers']}", r["workers"])
            if g not in groups:
                groups.append(g)
    series = sorted({r["runtime"] for r in rows if r["workers"] is not None}, key=order_key)
    peers = [x for x in series if not x.startswith("weft")]
    if not groups:
        # nothing to chart (only the probes ran): no chart left from an
        # earlier run either
        if os.path.exists(path):
            os.remove(path)
        return False
    # kernels measured at three or more worker counts get a scaling chart on top
    scal = []
    for kernel, n in s.kernels():
        ws = sorted({r["workers"] for r in rows if r["kernel"] == kernel and r["n"] == n
                     and r["workers"] is not None})
        if len(ws) >= 3:
            scal.append((kernel, n, ws))
    width = max(700, 110 * len(groups) + 100, 280 * len(scal) + 20)
    panel_h = 300
    parts = []
    y = 10
    if scal:
        parts += svg_scaling(10, y + 10, 280, 280, s, scal, series)
        y += 300
    parts += svg_panel(0, y, width, panel_h, "Speedup over the serial baseline (T_s / T, log scale; above 1 = faster than serial)",
                       groups, series, lambda g, x: (lambda t, b: b / t if t and b else None)(
                           s.median(g[0], g[1], x, g[3]), s.median(g[0], g[1], baseline_of(x), 1)),
                       "T_s / T")
    y += panel_h
    if peers:
        for var in ("generic", "typed"):
            parts += svg_panel(0, y, width, panel_h,
                               f"weft-{var} time / peer time, weft built by the peer's compiler "
                               "(log scale; below 1 = weft faster)",
                               groups, peers, lambda g, x, var=var: (lambda tw, tp: tw / tp if tw and tp else None)(
                                   s.median(g[0], g[1], weft_of(x, var), g[3]), s.median(g[0], g[1], x, g[3])),
                               f"T_{var} / T_peer")
            y += panel_h
    # the probes: wake-up latency (us) and idle CPU (% of a core), per worker count
    for kernel, title, key, ylabel in (
            ("wake", "Wake-up latency, median (us, log scale); futex = bare futex round trip (same processes)",
             "wake_med_us", "microseconds"),
            ("idle", "Idle CPU after work (% of one core, log scale; the goal is below 1)", "idle_cpu_pct",
             "% of one core")):
        pr = [r for r in prows if r["kernel"] == kernel and not r["runtime"].startswith("serial")]
        if not pr:
            continue
        pgroups = sorted({r["workers"] for r in pr})
        pseries = sorted({r["runtime"] for r in pr}, key=order_key)
        if kernel == "wake":
            pseries = ["futex"] + pseries

        def pval(g, x, pr=pr, key=key):
            if x == "futex":
                v = [r["futex_med_us"] for r in pr if r["workers"] == g[3] and r["futex_med_us"]]
                return statistics.median(v) if v else None
            v = [r[key] for r in pr if r["workers"] == g[3] and r["runtime"] == x]
            return max(v[0], 1e-3) if v and v[0] is not None else None
        pg = [(kernel, 0, f"{kernel} w={w}", w) for w in pgroups]
        parts += svg_panel(0, y, width, panel_h, title, pg, pseries, pval, ylabel)
        y += panel_h
        for x in pseries:
            if x not in series:
                series.append(x)
    # legend
    lx = 70
    for i, x in enumerate(series):
        col = COLORS.get(x) or EXTRA_COLORS[i % len(EXTRA_COLORS)]
        if lx + 30 + 7 * len(x) > width:   # wrap the legend
            lx = 70
            y += 20
        parts.append(f'<rect x="{lx}" y="{y + 5}" width="12" height="12" fill="{col}"/>')
        parts.append(f'<text x="{lx + 16}" y="{y + 15}" font-size="12">{esc(x)}</text>')
        lx += 30 + 7 * len(x)
    sizes = sorted({(r["kernel"], r["n"]) for r in rows} | {(r["kernel"], r["n"]) for r in prows})
    parts.append(f'<text x="70" y="{y + 40}" font-size="12">sizes: '
                 f'{esc(", ".join(f"{k}({n})" for k, n in sizes))}; each runtime compared with the serial '
                 f'baseline and weft built by its own compiler</text>')
    height = y + 55
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                f'font-family="sans-serif" font-size="12">\n')
        f.write(f'<rect width="{width}" height="{height}" fill="white"/>\n')
        f.write("\n".join(parts))
        f.write("\n</svg>\n")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", required=True, help="directory of google-benchmark JSON files")
    ap.add_argument("--out", required=True, help="combined JSON to write")
    ap.add_argument("--svg", required=True, help="SVG chart to write")
    ap.add_argument("--failures", help="file listing failed runs, one a line")
    ap.add_argument("--config", help="JSON with the options of bench/run, copied into --out")
    a = ap.parse_args()

    runs, contexts = load_runs(a.raw)
    config = None
    if a.config:
        with open(a.config) as f:
            config = json.load(f)
    failures = []
    if a.failures and os.path.exists(a.failures):
        with open(a.failures) as f:
            failures = [l.rstrip("\n") for l in f if l.strip()]
    if not runs:
        print("report: no benchmark results found under " + a.raw, file=sys.stderr)
        for old in (a.out, a.svg):  # an earlier run's report is not this run's
            if os.path.exists(old):
                os.remove(old)
        return 1
    s = Summary(runs, config)
    rows = build_table(s)
    goals = build_goals(s)
    scaling = build_scaling_goals(s)
    peer = build_peer_goal(s)
    prows = probe_rows(s)
    probe_goals = build_probe_goals(prows, s)
    print_table(rows, goals, contexts, failures, scaling, peer, probe_goals, prows, config)

    host = {k: contexts[0].get(k) for k in ("host_name", "num_cpus", "mhz_per_cpu", "caches")} if contexts else {}
    if contexts:
        # google-benchmark's own build (Debian's says "debug"): it only times
        # the loop around one call of a kernel, so it does not matter here.
        host["google_benchmark_build_type"] = contexts[0].get("library_build_type")
    doc = {"generated": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "host": host, "config": config, "compilers": sorted({(r["runtime"], r["compiler"], r["flags"]) for r in runs}),
           "summary": rows, "goals": goals, "scaling_goals": scaling, "peer_goal": peer,
           "probes": prows, "probe_goals": probe_goals, "failures": failures, "runs": runs}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    wrote_svg = write_svg(a.svg, s, rows, prows)
    print()
    print(f"results (every run, summary, goals): {a.out}")
    if wrote_svg:
        print(f"chart:                               {a.svg}")
    print(f"raw google-benchmark JSON:           {a.raw}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""report.py - summarise the google-benchmark JSON files written by bench/run.

Reads every *.json under --raw (one file per process: one runtime, one kernel,
one worker count, one repetition; the name says which repetition), prints a
table of medians and ratios for the compute kernels, tables of the wake-up
latency and idle CPU probes, checks the goal lines (fib's, and the issue's:
their limits are in goals.json, next to this file), writes all runs and the
summary to --out (JSON), a chart to --svg and the tables and goal lines as
Markdown to --md (for docs/benchmarks.md).
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
import textwrap

import report_submit  # the submission and blocking kernels' tables (issue 18)

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
# the other kernels: T_1/T_s <= T1_LIMIT, T_w / L_w <= LIMIT_MAX, where L_w
# is the machine limit (w serial copies at once: the slowest copy's time / w)
SCALING_KERNELS = GOALS_DATA["scaling"]["kernels"]
SCALING_VARIANTS = [(v["variant"], v["baseline"]) for v in GOALS_DATA["scaling"]["variants"]]
T1_LIMIT = GOALS_DATA["scaling"]["t1_max"]
LIMIT_MAX = GOALS_DATA["scaling"]["limit_max"]
# fib: the scaling from 1 to w workers against the machine's,
# (T_w / T_1) / (L_w / T_s) <= FIB_LIMIT_MAX
FIB_SCALING = GOALS_DATA["fib_scaling"]
FIB_SCALING_VARIANTS = [(v["variant"], v["baseline"]) for v in FIB_SCALING["variants"]]
PEER_LIMIT = GOALS_DATA["peers"]["max"]                       # weft time / peer time below this
IDLE_LIMIT_PCT = GOALS_DATA["idle"]["max_pct"]                # idle pool: % of one core
WAKE_LIMIT = GOALS_DATA["wake"]["max"]                        # wake-up median / futex median
MIN_PARKS = GOALS_DATA["wake"]["min_parks_per_call"]          # below: not a wake-up, n/a
LOOP_KERNELS = GOALS_DATA["loops"]["kernels"]                 # issue 17's; own goal lines
LOOP_LINES = GOALS_DATA["loops"]["lines"]
SERIAL_MIN_CPU = GOALS_DATA["warnings"]["serial_min_cpu"]
LOAD_NOTE = GOALS_DATA["warnings"]["load_note"]
# Probes, not timed computations: their own tables, not in the main one.
PROBES = ("wake", "idle")
# Kernels with tables of their own: the probes and report_submit's.
SEPARATE = PROBES + report_submit.KERNELS

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
        if os.path.getsize(path) == 0:
            continue  # its runtime has no variant of the kernel: no benchmark ran
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
        mc = re.search(r"-c(\d+)-.*-copy(\d+)\.json$", os.path.basename(path))
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
                                            "wake_in_med_us", "wake_out_med_us", "after_loops_cpu_pct")
                          + report_submit.EXTRA_KEYS if k in b},
                "compiler": ctx.get("weft_bench_compiler"),
                "flags": ctx.get("weft_bench_flags"),
                "file": os.path.basename(path),
                "copies": int(mc.group(1)) if mc else None,
            })
    return runs, contexts


def baseline_of(name):
    """The serial run a runtime is compared with: same compiler."""
    return with_compiler("serial-plain", compiler_of(name))


def is_serial(name):
    return name.startswith("serial")


class Summary:
    def __init__(self, runs, config=None, limit_runs=()):
        self.runs = runs
        # the machine limit's copies: (kernel, n, serial name, w) -> {rep: [times]}
        self.copies = {}
        for r in limit_runs:
            if r["copies"] and r["copies"] > 1:
                key = (r["kernel"], r["n"], r["name"], r["copies"])
                self.copies.setdefault(key, {}).setdefault(r["rep"], []).append(r["real_s"])
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

    def limit(self, kernel, n, name, workers):
        """L_w: the median over the repetitions of the slowest of the w
        copies of serial variant `name` run at once, divided by w; None
        when not measured (a repetition counts only with all w copies)."""
        reps = self.copies.get((kernel, n, name, workers), {})
        per = [max(t) / workers for t in reps.values() if len(t) == workers]
        return statistics.median(per) if per else None

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
        order = ["fib", "nqueens", "uts_geo", "uts_bin", "matmul", "quadmm", "mergesort", "loop", "reduce",
                 "map", "sum", "mandel", "jacobi", "hist", "loopcost", "scope", "wake", "idle"]
        return sorted(seen, key=lambda kn: (order.index(kn[0]) if kn[0] in order else len(order), kn))


def order_key(name):
    prefs = ["serial-plain", "serial-elision", "serial-indirect", "serial-clang-plain",
             "serial-clang-elision", "serial-clang-indirect",
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
        if kernel in SEPARATE:
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
        "limit_s": None if serial else s.limit(kernel, n, base, w),
        "t_over_limit": None,
        "maxrss_mib": max((r["maxrss_kib"] or 0) for r in rs) / 1024.0,
        "steals": statistics.median([r["steals"] for r in rs]) if rs[0]["steals"] is not None else None,
    }
    if row["limit_s"]:
        row["t_over_limit"] = med / row["limit_s"]
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
    """SCALING_KERNELS (nqueens, UTS, matmul, quadmm, mergesort, ...): T_1/T_s
    <= T1_LIMIT and T_w/L_w <= LIMIT_MAX (L_w: the machine limit of the
    baseline), for each compiler and weft variant (generic against the
    elision, typed against plain recursion); fib (FIB_SCALING): its scaling
    (T_w/T_1) against the machine's (L_w/T_s) <= FIB_LIMIT_MAX."""
    out = []
    for kernel, n in s.kernels():
        if kernel in SCALING_KERNELS:
            variants, fib = SCALING_VARIANTS, False
        elif kernel == FIB_SCALING["kernel"]:
            variants, fib = FIB_SCALING_VARIANTS, True
        else:
            continue
        ws = workers_of(s, kernel, n)
        wmax = max(ws) if ws else None
        for compiler in COMPILERS:
            for var, base in variants:
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
                lw = s.limit(kernel, n, bname, wmax) if tw else None
                c1, cb = s.median_cpu(kernel, n, name, 1), s.median_cpu(kernel, n, bname, 1)
                if fib:
                    # weft's own scaling against the machine's
                    tl = (tw / t1) / (lw / tb) if tw and t1 and lw else None
                    ok1, lim = True, FIB_SCALING["max"]
                else:
                    tl = tw / lw if tw and lw else None
                    ok1, lim = r1 is not None and r1 <= T1_LIMIT, LIMIT_MAX
                ok2 = tl is not None and tl <= lim
                out.append({
                    "kernel": kernel, "n": n, "compiler": compiler, "variant": name, "baseline": bname,
                    "workers": wmax, "t1_over_ts": r1, "cpu_t1_over_ts": c1 / cb if c1 and cb else None,
                    "ts_over_tw": sw, "limit_s": lw, "machine_speedup": tb / lw if tb and lw else None,
                    "tw_over_limit": tl, "self_relative": fib, "limit_max": lim,
                    "status": "n/a" if (r1 is None and not fib) or tl is None
                    else ("PASS" if ok1 and ok2 else "MISS"),
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
            if kernel in SEPARATE or kernel in LOOP_KERNELS:
                continue  # the loop kernels have their own lines (build_loop_goals)
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


def loop_name(name, compiler, fixed=False):
    """A name of goals.json's loop lines for compiler: weft-for ->
    weft-clang-for, gomp-static -> omp-static (libomp) for clang."""
    if fixed or compiler == "gcc":
        return name
    if name.startswith("gomp-"):
        return "omp-" + name[len("gomp-"):]
    return with_compiler(name, compiler)


def build_loop_goals(s):
    """goals.json's loop lines (issue 17): T(variant, w) over the fastest of
    its vs names, or the speedup over the serial loop, per compiler."""
    out = []
    for kernel, n in s.kernels():
        if kernel not in LOOP_KERNELS:
            continue
        measured = s.weft_compilers(compiler_of(k[2]) for k in s.groups if k[0] == kernel and k[1] == n)
        for compiler in COMPILERS:
            if compiler not in measured:
                continue
            for l in (x for x in LOOP_LINES if x["kernel"] == kernel):
                w = l["workers"]
                var = loop_name(l["variant"], compiler)
                vs = [loop_name(v, compiler, l.get("fixed", False)) for v in l["vs"]]
                tv = s.median(kernel, n, var, w)
                tvs = [(s.median(kernel, n, v, w), v) for v in vs]
                tvs = [(t, v) for t, v in tvs if t is not None]
                best = min(tvs)[1] if tvs and len(tvs) == len(vs) else None
                tb = min(tvs)[0] if best else None
                ratio = tv / tb if tv is not None and tb else None
                reps = s.per_rep_ratios(kernel, n, var, w, best, w) if best else []
                if "min_speedup" in l:
                    reps = [1 / r for r in reps if r > 0]  # speedups, like the value
                    limit, value = l["min_speedup"], (1 / ratio if ratio else None)
                    ok = value is not None and value >= limit
                    text = f"T_s/T_{w} >= {limit}"
                else:
                    limit, value = l["max"], ratio
                    ok = value is not None and value <= limit
                    text = f"T_{w}/T <= {limit}"
                # one worker: the CPU-time ratio too, which waiting for a CPU
                # on a loaded machine does not inflate (as for fib's lines)
                cv = s.median_cpu(kernel, n, var, w)
                cb = s.median_cpu(kernel, n, best, w) if best else None
                cpu = cv / cb if w == 1 and cv is not None and cb else None
                if cpu is not None and "min_speedup" in l:
                    cpu = 1 / cpu
                out.append({
                    "goal": l["name"], "compiler": compiler, "kernel": kernel, "n": n, "workers": w,
                    "cpu_ratio": cpu,
                    "variant": var, "vs": best or "/".join(vs), "test": text, "limit": limit, "value": value,
                    "rep_min": min(reps) if reps else None, "rep_max": max(reps) if reps else None,
                    "status": "n/a" if value is None else ("PASS" if ok else "MISS"),
                })
    return out


def loopcost_rows(s):
    """loopcost: per runtime-variant and worker count, the overhead of one
    loop, (T - T_s) / n, and the idle probe after the loops."""
    rows = []
    for kernel, n in s.kernels():
        if kernel != "loopcost":
            continue
        for (k, kn, name, w), rs in sorted(s.groups.items(), key=lambda kv: (kv[0][3], order_key(kv[0][2]))):
            if k != kernel or kn != n:
                continue
            t = statistics.median([r["real_s"] for r in rs])
            tb = s.median(kernel, n, baseline_of(name), 1)
            idle = [r["extra"]["after_loops_cpu_pct"] for r in rs if "after_loops_cpu_pct" in r["extra"]]
            rows.append({"n": n, "runtime": name, "workers": None if is_serial(name) else w, "reps": len(rs),
                         "us_per_loop": t / n * 1e6,
                         "overhead_us": (t - tb) / n * 1e6 if tb is not None and not is_serial(name) else None,
                         "after_loops_cpu_pct": statistics.median(idle) if idle else None,
                         "after_loops_range": (min(idle), max(idle)) if idle else None})
    return rows


def loop_goal_cells(g):
    rng = "" if g["rep_min"] is None else f"{g['rep_min']:.2f}-{g['rep_max']:.2f}"
    val = "n/a" if g["value"] is None else f"{g['value']:.3f}"
    cpu = "" if g["cpu_ratio"] is None else f"{g['cpu_ratio']:.3f}"
    return [g["goal"], g["compiler"], f"{g['kernel']}({g['n']})", str(g["workers"]), g["variant"], g["vs"],
            g["test"], val, rng, cpu, g["status"]]


LOOP_GOAL_HDR = ["goal", "compiler", "kernel", "w", "variant", "vs", "test", "measured", "reps",
                 "CPU-time ratio", ""]


def loopcost_cells(r):
    rng = r["after_loops_range"]
    return [r["runtime"], "-" if r["workers"] is None else str(r["workers"]), str(r["reps"]),
            f"{r['us_per_loop']:.2f}", "-" if r["overhead_us"] is None else f"{r['overhead_us']:.2f}",
            "-" if r["after_loops_cpu_pct"] is None else f"{r['after_loops_cpu_pct']:.2f}",
            "-" if rng is None else f"{rng[0]:.2f}-{rng[1]:.2f}"]


LOOPCOST_HDR = ["runtime-variant", "workers", "reps", "us/loop", "overhead us/loop", "CPU % after",
                "min-max"]


def print_loop_goals(loop_goals, lrows):
    if loop_goals:
        print("\nGoals of the loop layer (goals.json \"loops\"; ratios of medians, T_vs the fastest of the")
        print("names listed; reps: the same ratio within each repetition; one worker: the ratio of CPU times too):")
        print_grid(LOOP_GOAL_HDR, [loop_goal_cells(g) for g in loop_goals], 6)
    if lrows:
        print(f"\nLoop entry/exit, loopcost({lrows[0]['n']}): {lrows[0]['n']} loops of a few 0.1 us iterations "
              "from the main thread;")
        print("overhead: (T - T_serial) / loops; CPU % after: the process's CPU over the 100 ms of sleep right")
        print("after the last loop (% of one core, median over processes):")
        print_grid(LOOPCOST_HDR, [loopcost_cells(r) for r in lrows], 1)


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


def run_warnings(rows, prows):
    """What makes a run's figures suspect: workers that did not park in the
    wake-up probe, serial runs that did not get a whole CPU."""
    out = []
    for r in prows:
        if r["kernel"] == "wake" and r["runtime"].startswith("weft") and \
                r["parks_per_call"] is not None and r["parks_per_call"] < MIN_PARKS:
            out.append(f"{r['runtime']} w={r['workers']}: {r['parks_per_call']:.2f} parks per call: the workers "
                       "mostly did not park between calls; the wake-up probe measured awake workers")
    serial = [r["cpu_over_real"] for r in rows if r["workers"] is None and r["cpu_over_real"]]
    if serial and statistics.median(serial) < SERIAL_MIN_CPU:
        out.append(f"the serial runs got {statistics.median(serial):.0%} of a CPU (median CPU/wall time): "
                   "the machine was oversubscribed, wall times are inflated and noisy; "
                   "the CPU-time ratios of the one-worker goals are the steadier numbers.")
    return out


def fmt_load(la):
    return "-" if not la else " ".join(f"{x:.2f}" for x in la)


def scaling_cells(g, sep):
    """The measured figures of a scaling goal line, for the table and report.md."""
    cpu = "" if g["cpu_t1_over_ts"] is None else f" (CPU {g['cpu_t1_over_ts']:.3f})"
    t1 = "-" if g["t1_over_ts"] is None else f"{g['t1_over_ts']:.3f}{cpu}"
    w = g["workers"]
    sw = "-" if g["ts_over_tw"] is None else f"{g['ts_over_tw']:.3f}"
    ms = "-" if g["machine_speedup"] is None else f"{g['machine_speedup']:.3f}"
    tl = "-" if g["tw_over_limit"] is None else f"{g['tw_over_limit']:.3f}"
    what = f"(T_{w}/T_1)/(L/T_s)" if g["self_relative"] else f"T_{w}/L_{w}"
    return sep.join([f"T_1/T_s {t1:<20}", f"T_s/T_{w} {sw:<6}", f"T_s/L_{w} {ms:<6}", f"{what} {tl:<6}"])


def limit_lines(s):
    """'kernel(n) serial-x w=2: L s (T_s/L)' for every limit measured."""
    if s is None:
        return []
    out = []
    for (k, n, name, w) in sorted(s.copies, key=lambda x: (x[0], x[1], order_key(x[2]), x[3])):
        lw, ts = s.limit(k, n, name, w), s.median(k, n, name, 1)
        if lw:
            out.append(f"{k}({n}) {name} w={w}: {fmt_t(lw)}" + (f" ({ts / lw:.2f})" if ts else ""))
    return out


def print_table(rows, goals, contexts, failures, scaling=(), peer=(), probe_goals=(), prows=(), config=None,
                summary=None):
    hdr = ["kernel", "workers", "runtime-variant", "reps", "median s", "min-max s", "T/T_s",
           "T_s/T", "T/L", "wg/x", "wt/x", "cpu/real", "RSS MiB", "steals"]
    lines = []
    for r in rows:
        lines.append([
            f"{r['kernel']}({r['n']})", "-" if r["workers"] is None else str(r["workers"]),
            r["runtime"], str(r["reps"]), fmt_t(r["median_s"]), f"{fmt_t(r['min_s'])}-{fmt_t(r['max_s'])}",
            fmt_r(r["t_over_serial"]), fmt_r(r["speedup"]),
            "-" if r["t_over_limit"] is None else f"{r['t_over_limit']:.3f}",
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
    print("T/L: this row's time over the machine limit L_w of serial-plain of its compiler: w copies of it run")
    print("at once, one on each of the first w CPUs, the slowest copy's time / w (medians; bench/run --no-limit: -);")
    lims = limit_lines(summary)
    if lims:
        print("  machine limits, L_w s (T_s/L_w): " + "; ".join(lims))
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
        print(f"\nGoal: {', '.join(SCALING_KERNELS)}: T_1/T_s <= {T1_LIMIT} and T_{w}/L_{w} <= {LIMIT_MAX} "
              f"(L_{w}: the machine limit of the baseline);")
        print(f"{FIB_SCALING['kernel']}: (T_{w}/T_1) / (L_{w}/T_s) <= {FIB_SCALING['max']}, weft's scaling against "
              "the machine's (ratios of medians;")
        print("generic against the elision (fib: serial-indirect), typed against plain recursion, each with the serial")
        print("build of its own compiler; T_s/L: the machine's speedup):")
        for g in scaling:
            # three decimals: with two, 1.0476 (PASS) and 1.0516 (MISS) both
            # read 1.05
            print(f"  {g['kernel']}({g['n']})".ljust(22) + f"{g['variant']:<18} " + scaling_cells(g, " ")
                  + f" {g['status']}")
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
    for w in run_warnings(rows, prows):
        print("WARNING: " + w)
    if failures:
        print("\nFAILED RUNS (no timing from these):")
        for f in failures:
            print("  " + f)


# ---- SVG ------------------------------------------------------------------
#
# One chart, read top to bottom: what was run and how loaded the machine
# was, a legend, the headline (each runtime's speedup over serial code on
# the kernels users run), then the details: the scaling lines (three or
# more worker counts), every variant at each worker count, fib (a
# per-spawn microbenchmark whose 0.004x peers would squeeze every other
# kernel into a sliver), weft against each peer, and the two probes.
# Every runtime has one colour in every panel; a runtime's second variant
# (weft's generic API, a peer's loop form, tbb's execute) is hatched.

RUNTIME_STYLE = {  # runtime (executable label): (colour, name in the legend); Okabe-Ito colours
    "weft": ("#0072B2", "weft, gcc"),
    "weft-clang": ("#56B4E9", "weft, clang"),
    "gomp": ("#D55E00", "OpenMP tasks: libgomp, gcc"),
    "omp": ("#E69F00", "OpenMP tasks: LLVM libomp, clang"),
    "tbb": ("#009E73", "oneTBB, gcc"),
    "tbb-clang": ("#7A7A2A", "oneTBB, clang"),
    "serial": ("#8C8C8C", "serial, gcc (probes: futex, sleep)"),
    "serial-clang": ("#5A5A5A", "serial, clang"),
}
RUNTIME_ORDER = ["weft", "weft-clang", "gomp", "omp", "tbb", "tbb-clang", "serial", "serial-clang"]
# second variants, drawn hatched in their runtime's colour
HATCHED = ("generic", "for", "parallel", "execute", "elision")
SVG_W = 1200
CHAR_W = 6.4   # mean width of a 12 px sans-serif character, for layout


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fmt_pct(x):
    return f"{x:.2g}" if x < 10 else f"{x:.0f}"


def runtime_of(name):
    """weft-clang-typed -> weft-clang, gomp-task -> gomp, serial-futex -> serial."""
    rt, _, rest = name.partition("-")
    return f"{rt}-clang" if rest == "clang" or rest.startswith("clang-") else rt


def variant_of(name):
    rt = runtime_of(name)
    return name[len(rt) + 1:] if name.startswith(rt + "-") else name


def bar_fill(name):
    rt = runtime_of(name)
    colour = RUNTIME_STYLE.get(rt, ("#333333", rt))[0]
    return f"url(#hatch-{rt})" if variant_of(name) in HATCHED else colour, colour


def series_key(name):
    rt = runtime_of(name)
    return (RUNTIME_ORDER.index(rt) if rt in RUNTIME_ORDER else len(RUNTIME_ORDER),
            variant_of(name) in HATCHED, name)


def svg_defs():
    out = ["<defs>"]
    for rt, (colour, _) in RUNTIME_STYLE.items():
        out.append(f'<pattern id="hatch-{rt}" patternUnits="userSpaceOnUse" width="6" height="6" '
                   f'patternTransform="rotate(45)"><rect width="6" height="6" fill="white"/>'
                   f'<rect width="3.2" height="6" fill="{colour}"/></pattern>')
    out.append("</defs>")
    return out


def text(x, y, s, size=12, anchor="start", weight=None, fill=None, rotate=None):
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if fill:
        attrs += f' fill="{fill}"'
    if rotate is not None:
        attrs += f' transform="rotate({rotate} {x:.1f} {y:.1f})"'
    return f"<text {attrs}>{esc(s)}</text>"


def nice_linear_ticks(hi):
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if hi / step <= 8:
            break
    ticks, v = [], 0.0
    while v <= hi + 1e-9:
        ticks.append(round(v, 6))
        v += step
    return ticks


def log_ticks(lo, hi):
    """Tick values between lo and hi: 1-2-5 steps over up to two decades, decades beyond."""
    e0, e1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    mult = (1, 2, 5) if e1 - e0 <= 2 else (1,)
    return [m * 10 ** e for e in range(e0, e1 + 1) for m in mult if lo <= m * 10 ** e <= hi]


def fmt_tick(v):
    if v == 0:
        return "0"
    if v >= 1:
        return f"{v:g}"
    return f"{v:.{max(0, -math.floor(math.log10(v)))}f}".rstrip("0").rstrip(".") if v >= 0.001 else f"{v:g}"


def bar_panel(x0, y0, width, title, groups, series, value, log=False, refs=(), ylabel="",
              height=300, note=None, fmt=None, from_bottom=False):
    """A bar chart: groups = [(key, [label lines])], series = [name]; value(key, name) -> float | None.
    Linear bars grow from 0; log bars grow from 1 (up above 1, down below), or from the
    bottom with from_bottom.  refs: [(value, label)] dashed reference lines, labelled in the
    right margin.  Every bar carries its value, rotated when the bar is narrow."""
    fmt = fmt or fmt_r
    vals = [v for g, _ in groups for x in series for v in [value(g, x)] if v is not None and v > 0]
    if not vals:
        return [], 0
    out = [text(x0 + 10, y0 + 16, title, 14, weight="bold")]
    top = y0 + 26
    if note:
        out.append(text(x0 + 10, y0 + 33, note, 11, fill="#444"))
        top += 12
    left, right = 62, 92
    label_room = 40   # above the tallest bar (and below the lowest, log scale) for its value
    ph = height - (top - y0) - 44
    pw = width - left - right
    px0, py0, py1 = x0 + left, top + label_room, top + ph   # data area: py0 (high) .. py1 (low)
    if log:
        lo = min(min(vals), min([r[0] for r in refs] + [1.0])) / 1.15
        hi = max(max(vals), max([r[0] for r in refs] + [1.0])) * 1.15
        py1 -= label_room

        def ypos(v):
            return py1 - (py1 - py0) * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        if from_bottom:
            lo = min(vals) / 2.5
        base = lo if from_bottom else 1.0
        if from_bottom:
            py1 += label_room   # nothing grows downwards: no room for labels below
        ticks = log_ticks(lo, hi)
    else:
        hi = max(max(vals), max([r[0] for r in refs] + [0])) * 1.05

        def ypos(v):
            return py1 - (py1 - py0) * v / hi
        base = 0.0
        ticks = nice_linear_ticks(hi)
    for t in ticks:
        y = ypos(t) if t > 0 or not log else None
        if y is None:
            continue
        out.append(f'<line x1="{px0}" x2="{px0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(text(px0 - 5, y + 4, fmt_tick(t), 11, "end"))
    yb = ypos(base)
    out.append(f'<line x1="{px0}" x2="{px0 + pw}" y1="{yb:.1f}" y2="{yb:.1f}" stroke="#000"/>')
    if from_bottom:
        yb = py1
    out.append(text(x0 + 16, (py0 + py1) / 2, ylabel, 12, "middle", rotate=-90))
    for v, lab in refs:
        y = ypos(v)
        out.append(f'<line x1="{px0}" x2="{px0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#444" '
                   f'stroke-dasharray="5,4"/>')
        for li, piece in enumerate(textwrap.wrap(lab, 15)):
            out.append(text(px0 + pw + 5, y + 4 + 12 * li, piece, 10, fill="#444"))
    gw = pw / len(groups)
    # each group draws only the series it has values for (loop's omp for, say),
    # in the same order, so that no group is all gaps
    present = [[x for x in series if (value(g, x) or 0) > 0] for g, _ in groups]
    nmax = max(1, max(len(p) for p in present))
    bw = min(34.0, (gw - min(14.0, gw * 0.08)) / nmax)
    # a value is written across its bar when it fits, else along it (rotated),
    # and not at all on bars too narrow for that (the tables have every value)
    longest = max(len(fmt(value(g, x))) for (g, _), p in zip(groups, present) for x in p) if vals else 1
    rotated = bw < longest * 6.2 + 4
    labelled = bw >= 9
    lsize = 9 if bw >= 11 else 8
    for gi, (g, lines) in enumerate(groups):
        gx = px0 + gi * gw + (gw - bw * len(present[gi])) / 2
        for si, x in enumerate(present[gi]):
            v = value(g, x)
            bx = gx + si * bw
            yv = ypos(v)
            fill, colour = bar_fill(x)
            out.append(f'<rect x="{bx + 1:.1f}" y="{min(yv, yb):.1f}" width="{bw - 2:.1f}" '
                       f'height="{max(abs(yv - yb), 1):.1f}" fill="{fill}" stroke="{colour}">'
                       f'<title>{esc(x)} {esc(" ".join(lines))}: {v:.4g}</title></rect>')
            cx = bx + bw / 2
            up = v >= base
            if not labelled:
                pass
            elif rotated:
                # text runs upwards from just above the bar (or downwards below it)
                ty = yv - 3 if up else yv + 3
                out.append(text(cx + 3, ty, fmt(v), lsize, "start" if up else "end", rotate=-90))
            else:
                out.append(text(cx, yv - 4 if up else yv + 11, fmt(v), 10, "middle"))
        ylab = py1 + (label_room if log and not from_bottom else 0) + 16
        for li, line in enumerate(lines):
            if li == 0 and len(lines) > 1:
                # a first line shared by the next groups (the kernel, above its worker
                # counts) is written once, centred over them all
                if gi and groups[gi - 1][1][0] == line:
                    continue
                span = 1
                while gi + span < len(groups) and groups[gi + span][1][0] == line:
                    span += 1
                out.append(text(px0 + (gi + span / 2) * gw, ylab, line, 12, "middle", weight="bold"))
                continue
            out.append(text(px0 + gi * gw + gw / 2, ylab + 13 * li, line, 12 if li == 0 else 11, "middle",
                            weight="bold" if li == 0 else None))
        if gi:
            xs = px0 + gi * gw
            out.append(f'<line x1="{xs:.1f}" x2="{xs:.1f}" y1="{py0 - label_room:.1f}" '
                       f'y2="{py1 + (label_room if log else 0):.1f}" stroke="#f0f0f0"/>')
    return out, height


def speedup_of(s, kernel, n, name, w):
    t, b = s.median(kernel, n, name, w), s.median(kernel, n, baseline_of(name), 1)
    return b / t if t and b else None


def faster_variant(s, kernel, n, runtime, w, names):
    """The runtime's variant with the lowest median at w workers."""
    best = None
    for x in names:
        if runtime_of(x) != runtime:
            continue
        t = s.median(kernel, n, x, w)
        if t is not None and (best is None or t < best[1]):
            best = (x, t)
    return best[0] if best else None


def svg_scaling(x0, y0, s, kernels, series):
    """One small line chart per kernel: speedup T_s / T against the worker count (both axes
    linear), one line per variant (dashed: the hatched ones), the dotted diagonal = perfect."""
    out = [text(x0 + 10, y0 + 16, "Scaling: speedup over serial (T_s / T) against workers; "
                "dotted: perfect scaling", 14, weight="bold")]
    per_row = 4
    pw_each = (SVG_W - 20) / per_row
    ch = 240
    for ki, (kernel, n, ws) in enumerate(kernels):
        px = x0 + (ki % per_row) * pw_each
        py = y0 + 26 + (ki // per_row) * ch
        left, top, bottom = 40, 24, 34
        w, h = pw_each - left - 14, ch - top - bottom
        wmax = max(ws)
        pts = {}
        for x in series:
            p = [(wk, v) for wk in ws for v in [speedup_of(s, kernel, n, x, wk)] if v is not None]
            if p:
                pts[x] = p
        ymax = max([wmax] + [v for p in pts.values() for _, v in p])

        def xp(v):
            return px + left + w * v / wmax

        def yp(v):
            return py + top + h * (1 - v / ymax)
        out.append(text(px + left + w / 2, py + 16, f"{kernel}({n})", 12, "middle", weight="bold"))
        for v in nice_linear_ticks(ymax):
            out.append(f'<line x1="{xp(0):.1f}" x2="{xp(wmax):.1f}" y1="{yp(v):.1f}" y2="{yp(v):.1f}" '
                       f'stroke="#eee"/>')
            out.append(text(xp(0) - 4, yp(v) + 4, fmt_tick(v), 10, "end"))
        for wk in ws:
            out.append(text(xp(wk), yp(0) + 14, str(wk), 10, "middle"))
        out.append(text(px + left + w / 2, yp(0) + 28, "workers", 10, "middle"))
        out.append(f'<line x1="{xp(0):.1f}" y1="{yp(0):.1f}" x2="{xp(wmax):.1f}" y2="{yp(wmax):.1f}" '
                   f'stroke="#999" stroke-dasharray="2,3"/>')
        out.append(f'<rect x="{xp(0):.1f}" y="{yp(ymax):.1f}" width="{w:.1f}" height="{h:.1f}" '
                   f'fill="none" stroke="#000"/>')
        for x, p in pts.items():
            colour = bar_fill(x)[1]
            dash = ' stroke-dasharray="6,3"' if variant_of(x) in HATCHED else ""
            d = " ".join(f"{xp(a):.1f},{yp(b):.1f}" for a, b in p)
            out.append(f'<polyline points="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
                       f'<title>{esc(x)}</title></polyline>')
            for a, b in p:
                out.append(f'<circle cx="{xp(a):.1f}" cy="{yp(b):.1f}" r="2.5" fill="{colour}">'
                           f'<title>{esc(x)} w={a}: {b:.3g}</title></circle>')
    rows_n = (len(kernels) + per_row - 1) // per_row
    return out, 26 + rows_n * ch


def wrap(line, width_px, size=12):
    return textwrap.wrap(line, max(20, int(width_px / (CHAR_W * size / 12)))) or [""]


def chart_header(s, rows, prows, config, contexts, goal_counts):
    """Lines of what was run, as (text, size, weight, colour)."""
    config = config or {}
    lines = [("weft benchmarks: speedup over serial code, and against OpenMP and oneTBB", 18, "bold", None)]
    when = config.get("started_utc", "")
    if when and config.get("finished_utc"):
        when = f"{when[:10]} {when[11:16]}-{config['finished_utc'][11:16]} UTC"
    cpus = contexts[0].get("num_cpus") if contexts else None
    machine = ", ".join(x for x in (config.get("cpu_model"), f"{cpus} CPUs" if cpus else None) if x)
    lines.append(("  ·  ".join(x for x in (config.get("command"), f"commit {config['commit']}"
                                          if config.get("commit") else None, when, machine) if x),
                  12, None, None))
    reps = config.get("reps")
    if config.get("quick"):
        lines.append((f"--quick run: small sizes, {reps} repetitions, under whatever else the machine ran: "
                      "a check that everything works, not a measurement to quote", 13, "bold", "#B00000"))
    elif reps:
        lines.append((f"full run: default sizes, {reps} repetitions (medians), the repetitions interleaved "
                      "across runtimes", 12, None, None))
    sizes = sorted({(r["kernel"], r["n"]) for r in rows} | {(r["kernel"], r["n"]) for r in prows},
                   key=lambda kn: [k for k, _ in s.kernels()].index(kn[0]) if kn[0] in
                   [k for k, _ in s.kernels()] else 99)
    ws = sorted({r["workers"] for r in rows if r["workers"] is not None} |
                {r["workers"] for r in prows if r["workers"] is not None})
    lines.append((f"sizes: {' '.join(f'{k}({n})' for k, n in sizes)};  workers: {', '.join(map(str, ws))}"
                  f"{' (pinned)' if config.get('pinned') else ''}"
                  f"{f';  {reps} repetitions, medians' if reps else ''}", 12, None, None))
    for l in compilers_line(contexts):
        lines.append(("built by " + l, 12, None, None))
    la, lb = config.get("loadavg_start"), config.get("loadavg_end")
    loads = [c.get("load_avg", [None])[0] for c in contexts if c.get("load_avg")]
    busy = max([la[0] if la else 0, lb[0] if lb else 0] + loads) > LOAD_NOTE
    warn = f"; above {LOAD_NOTE:g}, something else was running: the figures are noisy" if busy else ""
    if la:
        lines.append((f"machine load (/proc/loadavg, 1/5/15 min): {fmt_load(la)} before the first process, "
                      f"{fmt_load(lb)} after the last", 12, None, None))
    if loads:
        lines.append((f"1-minute load average when each process started: {min(loads):.2f}-{max(loads):.2f} "
                      f"on {contexts[0].get('num_cpus')} CPUs" + warn, 12, "bold" if busy else None,
                      "#B00000" if busy else None))
    if goal_counts:
        lines.append(("goal lines (bench/goals.json; the report lists them): " + ";  ".join(goal_counts),
                      12, None, None))
    return lines


def goal_summary(goals, scaling, peer, probe_goals):
    def count(gs, what):
        gs = list(gs)
        if not gs:
            return None
        npass = sum(1 for g in gs if g["status"] == "PASS")
        nna = sum(1 for g in gs if g["status"] == "n/a")
        return f"{what} {npass} of {len(gs)} pass" + (f" ({nna} n/a)" if nna else "")
    out = [count(goals, "fib"), count(scaling, "kernel scaling"), count(probe_goals, "idle/wake-up")]
    for g in peer:
        out.append(f"{g['compiler']}: ahead of the peers in {g['comparisons'] - len(g['misses'])} of "
                   f"{g['comparisons']} comparisons")
    return [x for x in out if x]


def write_svg(path, s, rows, prows=(), config=None, contexts=(), goal_counts=()):
    compute = [r for r in rows if r["workers"] is not None]
    if not compute and not prows:
        # nothing to chart: no chart left from an earlier run either
        if os.path.exists(path):
            os.remove(path)
        return False
    parts, y = [], 14
    # what was run
    for line, size, weight, colour in chart_header(s, rows, prows, config, contexts, goal_counts):
        for piece in wrap(line, SVG_W - 30, size):
            y += size + 6
            parts.append(text(14, y, piece, size, weight=weight, fill=colour))
    # legend: the runtimes present, then the hatching
    present = sorted({runtime_of(r["runtime"]) for r in rows + list(prows)}, key=lambda rt: (
        RUNTIME_ORDER.index(rt) if rt in RUNTIME_ORDER else 99))
    y += 14
    lx = 14
    for rt in present:
        colour, label = RUNTIME_STYLE.get(rt, ("#333333", rt))
        wdt = 26 + CHAR_W * len(label) + 18
        if lx + wdt > SVG_W - 10:
            lx, y = 14, y + 20
        parts.append(f'<rect x="{lx}" y="{y}" width="16" height="14" fill="{colour}"/>')
        parts.append(text(lx + 21, y + 12, label, 12))
        lx += wdt
    y += 22
    parts.append(f'<rect x="14" y="{y}" width="16" height="14" fill="url(#hatch-weft)" stroke="#0072B2"/>')
    parts.append(text(35, y + 12, "hatched: a runtime's second variant (weft's generic API against its typed "
                      "form; a peer's loop form, omp for / tbb::parallel_for, against its tasks; "
                      "tbb's arena execute)", 12))
    y += 30

    kernels = [(k, n) for k, n in s.kernels() if k not in SEPARATE]
    ws_all = sorted({r["workers"] for r in compute})
    names = sorted({r["runtime"] for r in compute}, key=series_key)
    main_kernels = [(k, n) for k, n in kernels if k != GOAL_KERNEL]
    # the headline: each runtime's faster variant at the largest worker count
    if compute and main_kernels:
        wmax = max(ws_all)
        rts = [rt for rt in RUNTIME_ORDER if any(runtime_of(x) == rt for x in names)]

        def head(g, rt):
            x = faster_variant(s, g[0], g[1], rt, wmax, names)
            return speedup_of(s, g[0], g[1], x, wmax) if x else None
        hdr_series = [f"{rt}-best" for rt in rts]
        groups = [((k, n), [k]) for k, n in main_kernels]
        out, h = bar_panel(0, y, SVG_W, f"Speedup over serial code with {wmax} worker{'s' * (wmax > 1)} "
                           "(T_serial / T; higher is better)", groups, hdr_series,
                           lambda g, x: head(g, x[:-5]),
                           refs=[(1.0, "serial")] + ([(float(wmax), f"perfect: {wmax}x")] if wmax > 1 else []),
                           ylabel="speedup over serial", height=340,
                           note="each runtime's faster variant; serial = plain recursion of the same compiler; "
                                f"{GOAL_KERNEL} has its own panel below")
        parts += out
        y += h + 10
    # details: the scaling lines
    scal = []
    for kernel, n in kernels:
        ws = sorted({r["workers"] for r in compute if r["kernel"] == kernel and r["n"] == n})
        if len(ws) >= 3:
            scal.append((kernel, n, ws))
    if scal:
        out, h = svg_scaling(0, y, s, scal, names)
        parts += out
        y += h + 10
    # every variant at each worker count
    for w in ws_all:
        groups = [((k, n), [k]) for k, n in main_kernels]
        ser = [x for x in names if any(s.median(k, n, x, w) for k, n in main_kernels)]
        out, h = bar_panel(0, y, SVG_W, f"Every variant with {w} worker{'s' * (w > 1)}: speedup over serial "
                           "(T_serial / T)", groups, ser, lambda g, x, w=w: speedup_of(s, g[0], g[1], x, w),
                           refs=[(1.0, "serial")], ylabel="speedup over serial", height=320,
                           note="bars left to right: weft gcc (typed, generic), weft clang, then each peer")
        parts += out
        y += h + 10
    # fib
    fibs = [(k, n) for k, n in kernels if k == GOAL_KERNEL]
    for k, n in fibs:
        ser = [x for x in names if any(s.median(k, n, x, w) for w in ws_all)]
        groups = [(w, [f"{k}({n})", f"{w} worker{'s' * (w > 1)}"]) for w in ws_all]
        out, h = bar_panel(0, y, SVG_W, f"{k}({n}): the cost of a spawn, speedup over serial (log scale)",
                           groups, ser, lambda g, x, k=k, n=n: speedup_of(s, k, n, x, g),
                           log=True, refs=[(1.0, "serial")], ylabel="speedup over serial (log)", height=330,
                           note="one task per call and no cutoff: the time is nearly all spawn and join; "
                                "the typed goal lines compare weft typed with plain recursion")
        parts += out
        y += h + 10
    # weft against each peer, same compiler, same worker count
    peers = [x for x in names if not x.startswith("weft") and not is_serial(x)]
    if peers and main_kernels:
        def ratio(g, x):
            k, n, w = g
            tw = [t for t in (s.median(k, n, weft_of(x, v), w) for v in ("generic", "typed")) if t]
            tp = s.median(k, n, x, w)
            return min(tw) / tp if tw and tp else None
        groups = [((k, n, w), [k, f"w={w}"]) for k, n in main_kernels for w in ws_all]
        out, h = bar_panel(0, y, SVG_W, "weft against each peer: weft's time / the peer's time (log scale; "
                           "below 1 = weft faster)", groups, peers, ratio, log=True,
                           refs=[(PEER_LIMIT, "equal")], ylabel="T_weft / T_peer (log)", height=330,
                           note="weft's faster variant, built by the peer's compiler, same worker count")
        parts += out
        y += h + 10
    # the probes, side by side
    probe_out, probe_h = [], 0
    half = SVG_W / 2
    for pi, (kernel, title, key, ylabel, log, refs) in enumerate((
            ("wake", "Wake-up latency of an idle runtime, median (us, log scale)", "wake_med_us",
             "microseconds", True, []),
            ("idle", "Idle CPU after work (% of one core, log scale)", "idle_cpu_pct", "% of one core", True,
             [(IDLE_LIMIT_PCT, f"goal: below {IDLE_LIMIT_PCT:g}%")]))):
        pr = [r for r in prows if r["kernel"] == kernel]
        if not pr:
            continue
        pws = sorted({r["workers"] for r in pr if r["workers"] is not None})
        # the serial rows first: the futex round trip (wake), a process that only sleeps (idle)
        pser = sorted({r["runtime"] for r in pr if is_serial(r["runtime"])}, key=series_key) + \
            sorted({r["runtime"] for r in pr if not is_serial(r["runtime"])}, key=series_key)

        def pval(w, x, pr=pr, key=key, kernel=kernel):
            if kernel == "wake" and is_serial(x):
                v = [r["futex_med_us"] for r in pr if r["workers"] == w and r["futex_med_us"]
                     and compiler_of(r["runtime"]) == compiler_of(x)]
                return statistics.median(v) if v else None
            v = [r[key] for r in pr if (r["workers"] == w or is_serial(x)) and r["runtime"] == x]
            return max(v[0], 1e-3) if v and v[0] is not None else None
        groups = [(w, [f"{w} worker{'s' * (w > 1)}"]) for w in pws]
        note = ("grey: a bare futex round trip in the same processes (two wake-ups)" if kernel == "wake" else
                "grey: a process that only sleeps; libomp spins 200 ms before it sleeps")
        out, h = bar_panel(pi * half, y, half, title, groups, pser, pval, log=log, refs=refs, ylabel=ylabel,
                           height=320, note=note, fmt=(fmt_us if kernel == "wake" else fmt_pct),
                           from_bottom=True)
        probe_out += out
        probe_h = max(probe_h, h)
    parts += probe_out
    y += probe_h + 6
    parts.append(text(14, y + 8, "Medians over the repetitions; every runtime compared with the serial "
                      "baseline and weft built by its own compiler.  Tables and goal lines: the report "
                      "(bench/run's output, build/bench/report.md).", 11, fill="#444"))
    height = int(y + 24)
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_W}" height="{height}" '
                f'viewBox="0 0 {SVG_W} {height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12">\n')
        f.write(f'<rect width="{SVG_W}" height="{height}" fill="white"/>\n')
        f.write("\n".join(svg_defs() + parts))
        f.write("\n</svg>\n")
    return True


# ---- Markdown -------------------------------------------------------------
#
# The tables and goal lines as Markdown (build/bench/report.md), for
# docs/benchmarks.md to paste, each figure as the text report prints it.

def md_table(hdr, lines, right_from=1):
    out = ["| " + " | ".join(hdr) + " |",
           "|" + "|".join("---" if i < right_from else "---:" for i in range(len(hdr))) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in l) + " |" for l in lines]
    return out


def provenance(config, contexts):
    """One line: the command, commit, date and machine that produced the figures."""
    config = config or {}
    parts = [f"`{config['command']}`" if config.get("command") else "bench/run"]
    if config.get("commit"):
        parts.append(f"at {config['commit']}")
    when = config.get("started_utc")
    if when:
        end = config.get("finished_utc", "")
        parts.append(f"on {when[:10]}, {when[11:16]}-{end[11:16]} UTC" if end else f"on {when}")
    cpus = contexts[0].get("num_cpus") if contexts else None
    machine = ", ".join(x for x in (config.get("cpu_model"), f"{cpus} CPUs" if cpus else None) if x)
    line = "Produced by " + " ".join(parts) + (f" ({machine})" if machine else "") + "."
    if config.get("quick"):
        line += f" A `--quick` run: small sizes, {config.get('reps')} repetitions."
    elif config.get("reps"):
        line += f" {config['reps']} repetitions, medians."
    if config.get("loadavg_start"):
        line += (f" Load average (1/5/15 min) {fmt_load(config['loadavg_start'])} before the first process,"
                 f" {fmt_load(config.get('loadavg_end'))} after the last.")
    loads = [c.get("load_avg", [None])[0] for c in contexts if c.get("load_avg")]
    if loads:
        line += f" The 1-minute load when each process started: {min(loads):.2f}-{max(loads):.2f}."
    return line


def write_md(path, s, rows, goals, scaling, peer, probe_goals, prows, config, contexts, failures):
    out = ["<!-- written by bench/report.py (bench/run); paste, do not edit -->", "",
           provenance(config, contexts), ""]
    out += ["Built by (each runtime is compared with the serial baseline and weft of its own compiler):", ""]
    out += [f"- {l}" for l in compilers_line(contexts)] + [""]
    # times: one row per kernel and runtime-variant, one column pair per worker count
    ws = sorted({r["workers"] for r in rows if r["workers"] is not None})
    if rows:
        out += ["### Times", "",
                "Median wall time of the timed call in seconds [min-max over the repetitions], and T_s/T, "
                "the speedup over serial-plain of the same compiler; serial rows: one process, no workers.", ""]
        out[-1:] = [out[-1][:-1] + f" T/L (w > 1): the time over the machine limit L_w of serial-plain of the "
                    "same compiler (w copies of it at once, one on each CPU: the slowest copy's time / w).", ""]
        hdr = ["kernel", "runtime-variant", "reps", "serial s"]
        for w in ws:
            hdr += [f"w={w} s", f"w={w} T_s/T"] + ([f"w={w} T/L"] if w > 1 else [])
        lines = []
        by = {}
        for r in rows:
            by.setdefault((r["kernel"], r["n"], r["runtime"]), {})[r["workers"]] = r
        for (k, n, name), cells in sorted(by.items(), key=lambda kv: (
                [kn for kn in s.kernels()].index((kv[0][0], kv[0][1])), order_key(kv[0][2]))):
            reps = sorted({c["reps"] for c in cells.values()})
            line = [f"{k}({n})", name, "/".join(map(str, reps))]
            sr = cells.get(None)
            line.append(f"{fmt_t(sr['median_s'])} [{fmt_t(sr['min_s'])}-{fmt_t(sr['max_s'])}]" if sr else "")
            for w in ws:
                c = cells.get(w)
                line += ([f"{fmt_t(c['median_s'])} [{fmt_t(c['min_s'])}-{fmt_t(c['max_s'])}]",
                          fmt_r(c["speedup"])] if c else ["", ""])
                if w > 1:
                    line.append("" if not c or c["t_over_limit"] is None else f"{c['t_over_limit']:.3f}")
            lines.append(line)
        out += md_table(hdr, lines, 2) + [""]
        lims = limit_lines(s)
        if lims:
            out += ["Machine limits, L_w in seconds (T_s/L_w, the speedup w workers could reach):", ""]
            out += [f"- {l}" for l in lims] + [""]
    out += ["### Goal lines", "", "Limits from `bench/goals.json`; ratios of medians, PASS / MISS, "
            "n/a when a run they need left no result.", ""]
    if goals:
        n = goals[0]["n"]
        note = "" if n == GOAL_N else f" (the goals are set for fib({GOAL_N}); this run measured fib({n}))"
        out += [f"fib({n}){note}:", ""]
        lines = [[g["goal"], "n/a" if g["ratio"] is None else f"{g['ratio']:.3f}",
                  "" if g["rep_min"] is None else f"{g['rep_min']:.2f}-{g['rep_max']:.2f}",
                  "" if g["cpu_ratio"] is None else f"{g['cpu_ratio']:.3f}", g["status"]] for g in goals]
        out += md_table(["goal", "measured", "range over repetitions", "CPU-time ratio", ""], lines) + [""]
    if scaling:
        w = max((g["workers"] or 0) for g in scaling)
        out += [f"{', '.join(SCALING_KERNELS)}: T_1/T_s <= {T1_LIMIT} and T_{w}/L_{w} <= {LIMIT_MAX}; "
                f"{FIB_SCALING['kernel']}: (T_{w}/T_1)/(L_{w}/T_s) <= {FIB_SCALING['max']} (L_{w}: the machine limit of the "
                "baseline; generic against the elision, fib's against serial-indirect, typed against plain "
                "recursion, same compiler; CPU-time ratio in brackets; T_s/L: the machine's speedup):", ""]
        lines = [[f"{g['kernel']}({g['n']})", g["variant"],
                  "-" if g["t1_over_ts"] is None else f"{g['t1_over_ts']:.3f}"
                  + ("" if g["cpu_t1_over_ts"] is None else f" ({g['cpu_t1_over_ts']:.3f})"),
                  "-" if g["ts_over_tw"] is None else f"{g['ts_over_tw']:.3f}",
                  "-" if g["machine_speedup"] is None else f"{g['machine_speedup']:.3f}",
                  ("-" if g["tw_over_limit"] is None else f"{g['tw_over_limit']:.3f}")
                  + (" (scaling)" if g["self_relative"] else ""), g["status"]] for g in scaling]
        out += md_table(["kernel", "weft variant", "T_1/T_s", f"T_s/T_{w}", f"T_s/L_{w}", f"T_{w}/L_{w}", ""],
                        lines, 2) + [""]
    if peer:
        out += ["weft ahead of every peer on every compute kernel at every worker count (weft's faster variant "
                "against each peer of the same compiler):", ""]
        for g in peer:
            extra = f", {len(g['missing'])} missing" if g.get("missing") else ""
            out.append(f"- {g['compiler']}: {g['comparisons']} comparisons, {len(g['misses'])} behind{extra}: "
                       f"**{g['status']}**")
            out += [f"  - behind: {m}" for m in g["misses"]]
            out += [f"  - missing: {m}" for m in g.get("missing", [])]
        out.append("")
    if probe_goals:
        out += [f"Idle pool below {IDLE_LIMIT_PCT:g}% of one core; wake-up median within {WAKE_LIMIT:g}x the "
                "futex round trip (per process: weft median / futex median; median over processes [range]):", ""]
        out += md_table(["goal", "runtime", "workers", "measured", ""],
                        [[g["goal"], g["runtime"], str(g["workers"]), g["text"], g["status"]]
                         for g in probe_goals], 3) + [""]
    wake = [r for r in prows if r["kernel"] == "wake"]
    if wake:
        out += [f"### Wake-up latency, wake({wake[0]['n']})", "",
                "Medians over the processes of each process's median and p90, microseconds; x futex: "
                "runtime median / futex median of the same process; in/out (weft): call -> task start, "
                "task start -> return.", ""]
        out += md_table(["runtime-variant", "workers", "reps", "median us", "p90 us", "futex med", "futex p90",
                         "x futex", "parks/call", "in/out us"],
                        [[r["runtime"], "-" if r["workers"] is None else str(r["workers"]), str(r["reps"]),
                          fmt_us(r["wake_med_us"]), fmt_us(r["wake_p90_us"]), fmt_us(r["futex_med_us"]),
                          fmt_us(r["futex_p90_us"]), fmt_r(r["wake_over_futex"]),
                          "-" if r["parks_per_call"] is None else f"{r['parks_per_call']:.2f}",
                          "-" if r["wake_in_med_us"] is None else
                          f"{fmt_us(r['wake_in_med_us'])}/{fmt_us(r['wake_out_med_us'])}"] for r in wake]) + [""]
    idle = [r for r in prows if r["kernel"] == "idle"]
    if idle:
        out += [f"### Idle CPU, idle({idle[0]['n']})", "",
                f"CPU time of the process over the {idle[0]['n']} ms after a burst that kept every worker busy, "
                "% of one core, median [min-max]:", ""]
        out += md_table(["runtime-variant", "workers", "reps", "CPU % of a core", "min-max", "parks in window"],
                        [[r["runtime"], "-" if r["workers"] is None else str(r["workers"]), str(r["reps"]),
                          "-" if r["idle_cpu_pct"] is None else f"{r['idle_cpu_pct']:.3f}",
                          "-" if r["idle_cpu_pct_range"][0] is None else
                          f"{r['idle_cpu_pct_range'][0]:.3f}-{r['idle_cpu_pct_range'][1]:.3f}",
                          "-" if r["parks_in_window"] is None else f"{r['parks_in_window']:.0f}"]
                         for r in idle]) + [""]
    warns = run_warnings(rows, prows)
    if warns:
        out += ["### Warnings", ""] + [f"- {w}" for w in warns] + [""]
    if failures:
        out += ["### Failed runs", ""] + [f"- {f}" for f in failures] + [""]
    with open(path, "w") as f:
        f.write("\n".join(out))


def append_loop_md(path, loop_goals, lrows):
    out = []
    if loop_goals:
        out += ["### Goal lines of the loop layer", "",
                "`goals.json` \"loops\": T(variant) over the fastest of the names listed (or the speedup "
                "over the serial loop); reps: the same ratio within each repetition; one worker: the ratio of the "
                "CPU times too, which a loaded machine inflates less.", ""]
        out += md_table(LOOP_GOAL_HDR, [loop_goal_cells(g) for g in loop_goals], 6) + [""]
    if lrows:
        out += [f"### Loop entry/exit, loopcost({lrows[0]['n']})", "",
                "Overhead: (T - T_serial) / loops; CPU % after: the process's CPU time over 100 ms of sleep "
                "right after the last loop, % of one core, median [min-max] over the processes.", ""]
        out += md_table(LOOPCOST_HDR, [loopcost_cells(r) for r in lrows]) + [""]
    if out:
        with open(path, "a") as f:
            f.write("\n" + "\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", required=True, help="directory of google-benchmark JSON files")
    ap.add_argument("--out", required=True, help="combined JSON to write")
    ap.add_argument("--svg", required=True, help="SVG chart to write")
    ap.add_argument("--md", help="Markdown file to write: the tables and goal lines")
    ap.add_argument("--failures", help="file listing failed runs, one a line")
    ap.add_argument("--config", help="JSON with the options of bench/run, copied into --out")
    ap.add_argument("--limit-raw", help="directory of the machine limit's JSON files (w serial copies at once)")
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
        for old in (a.out, a.svg, a.md):  # an earlier run's report is not this run's
            if old and os.path.exists(old):
                os.remove(old)
        return 1
    limit_runs = load_runs(a.limit_raw)[0] if a.limit_raw and os.path.isdir(a.limit_raw) else []
    s = Summary(runs, config, limit_runs)
    rows = build_table(s)
    goals = build_goals(s)
    scaling = build_scaling_goals(s)
    peer = build_peer_goal(s)
    prows = probe_rows(s)
    probe_goals = build_probe_goals(prows, s)
    print_table(rows, goals, contexts, failures, scaling, peer, probe_goals, prows, config, s)
    loop_goals, lrows = build_loop_goals(s), loopcost_rows(s)
    print_loop_goals(loop_goals, lrows)
    sub = report_submit.build(s, compiler_of, GOALS_DATA)
    report_submit.print_tables(sub, print_grid)

    host = {k: contexts[0].get(k) for k in ("host_name", "num_cpus", "mhz_per_cpu", "caches")} if contexts else {}
    if contexts:
        # google-benchmark's own build (Debian's says "debug"): it only times
        # the loop around one call of a kernel, so it does not matter here.
        host["google_benchmark_build_type"] = contexts[0].get("library_build_type")
    doc = {"generated": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "host": host, "config": config, "compilers": sorted({(r["runtime"], r["compiler"], r["flags"]) for r in runs}),
           "summary": rows, "goals": goals, "scaling_goals": scaling, "peer_goal": peer,
           "probes": prows, "probe_goals": probe_goals, "loop_goals": loop_goals, "loopcost": lrows,
           "submission": sub, "failures": failures, "runs": runs,
           "limit_runs": limit_runs}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    wrote_svg = write_svg(a.svg, s, rows, prows, config, contexts,
                          goal_summary(goals, scaling, peer, probe_goals))
    print()
    print(f"results (every run, summary, goals): {a.out}")
    if wrote_svg:
        print(f"chart:                               {a.svg}")
    if a.md:
        write_md(a.md, s, rows, goals, scaling, peer, probe_goals, prows, config, contexts, failures)
        append_loop_md(a.md, loop_goals, lrows)
        if sub["rows"]:
            with open(a.md, "a") as f:
                f.write("\n" + "\n".join(report_submit.md_lines(sub, md_table)) + "\n")
        print(f"tables and goal lines, Markdown:     {a.md}")
    print(f"raw google-benchmark JSON:           {a.raw}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

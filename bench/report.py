#!/usr/bin/env python3
"""report.py - summarise the google-benchmark JSON files written by bench/run.

Reads every *.json under --raw (one file per process: one runtime, one kernel,
one worker count, one repetition; the name says which repetition), prints a
table of medians and ratios, checks the goal lines of fib, writes all runs and
the summary to --out (JSON) and a bar chart to --svg.  Python 3 standard
library only.

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

# Goal lines of the issue, for fib(40): (name, variant, baseline variant,
# workers, limit).  T_w = weft variant with w workers, baseline serial.
GOALS = [
    ("generic API", "weft-generic", "serial-elision", 1, 1.5),
    ("generic API", "weft-generic", "serial-elision", 2, 0.8),
    ("typed form", "weft-typed", "serial-plain", 1, 1.8),
    ("typed form", "weft-typed", "serial-plain", 2, 0.95),
]
GOAL_KERNEL, GOAL_N = "fib", 40


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
                "compiler": ctx.get("weft_bench_compiler"),
                "flags": ctx.get("weft_bench_flags"),
                "file": os.path.basename(path),
            })
    return runs, contexts


def baseline_of(name):
    """The serial run a runtime is compared with: same compiler."""
    return "serial-clang-plain" if (name.startswith("omp-") or "-clang" in name) else "serial-plain"


def is_serial(name):
    return name.startswith("serial")


class Summary:
    def __init__(self, runs):
        self.runs = runs
        self.groups = {}
        for r in runs:
            key = (r["kernel"], r["n"], r["name"], 1 if is_serial(r["name"]) else r["workers"])
            self.groups.setdefault(key, []).append(r)

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
        return seen


def order_key(name):
    prefs = ["serial-plain", "serial-elision", "serial-clang-plain", "serial-clang-elision",
             "weft-generic", "weft-typed", "gomp-task", "omp-task", "tbb-task_group"]
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
        for key, weft in (("weft_generic_over_this", "weft-generic"), ("weft_typed_over_this", "weft-typed")):
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
    for label, var, base, w, limit in GOALS:
        tv, tb = s.median(GOAL_KERNEL, n, var, w), s.median(GOAL_KERNEL, n, base, 1)
        ratio = tv / tb if tv is not None and tb else None
        reps = s.per_rep_ratios(GOAL_KERNEL, n, var, w, base, 1)
        cv, cb = s.median_cpu(GOAL_KERNEL, n, var, w), s.median_cpu(GOAL_KERNEL, n, base, 1)
        # With one worker, CPU time measures the same work as wall time but
        # is not inflated by waiting for a CPU on a loaded machine.
        cpu_ratio = cv / cb if w == 1 and cv is not None and cb else None
        goals.append({
            "goal": f"{label}: T_{w}/T_{base.split('-')[1]} <= {limit}",
            "kernel": GOAL_KERNEL, "n": n, "variant": var, "workers": w, "baseline": base,
            "limit": limit, "ratio": ratio, "cpu_ratio": cpu_ratio,
            "rep_min": min(reps) if reps else None, "rep_max": max(reps) if reps else None,
            "status": "n/a" if ratio is None else ("PASS" if ratio <= limit else "MISS"),
        })
    return goals


def print_table(rows, goals, contexts, failures):
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

    out(hdr)
    print("  ".join("-" * w for w in widths))
    prev = None
    for l in lines:
        if prev is not None and l[0] != prev:
            print()
        prev = l[0]
        out(l)
    print()
    print("T/T_s, T_s/T: against serial-plain of the same compiler (serial-clang-plain for omp);")
    print("wg/x, wt/x: weft-generic, weft-typed time over this row's time, same worker count (<1: weft faster);")
    print("cpu/real: process CPU time over wall time; RSS: peak of the process (one kernel, one worker count).")
    if goals:
        print()
        n = goals[0]["n"]
        note = "" if n == GOAL_N else f"  (the goals are set for fib({GOAL_N}); this run measured fib({n}))"
        print(f"Goal lines, fib({n}), ratio of medians [range over repetitions]:{note}")
        for g in goals:
            rng = "" if g["rep_min"] is None else f" [reps {g['rep_min']:.2f}-{g['rep_max']:.2f}]"
            val = "n/a (not measured)" if g["ratio"] is None else f"{g['ratio']:.2f}{rng}"
            cpu = "" if g["cpu_ratio"] is None else f"   (CPU-time ratio {g['cpu_ratio']:.2f})"
            print(f"  {g['goal']:<34} measured {val:<28} {g['status']}{cpu}")
    loads = [c.get("load_avg", [None])[0] for c in contexts if c.get("load_avg")]
    if loads:
        print(f"\n1-min load average when processes started: {min(loads):.2f}-{max(loads):.2f} "
              f"on {contexts[0].get('num_cpus')} CPUs (above ~0.5 means something else was running)")
    serial = [r["cpu_over_real"] for r in rows if r["workers"] is None and r["cpu_over_real"]]
    if serial and statistics.median(serial) < 0.9:
        print(f"WARNING: the serial runs got {statistics.median(serial):.0%} of a CPU (median CPU/wall time): "
              "the machine was oversubscribed, wall times are inflated and noisy; "
              "the CPU-time ratios of the one-worker goals are the steadier numbers.")
    if failures:
        print("\nFAILED RUNS (no timing from these):")
        for f in failures:
            print("  " + f)


# ---- SVG ------------------------------------------------------------------

COLORS = {"weft-generic": "#1f77b4", "weft-typed": "#17becf", "gomp-task": "#d62728",
          "omp-task": "#ff7f0e", "tbb-task_group": "#2ca02c"}
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


def write_svg(path, s, rows):
    groups = []  # (kernel, n, label, workers)
    for r in rows:
        if r["workers"] is not None:
            g = (r["kernel"], r["n"], f"{r['kernel']}({r['n']}) w={r['workers']}", r["workers"])
            if g not in groups:
                groups.append(g)
    series = sorted({r["runtime"] for r in rows if r["workers"] is not None}, key=order_key)
    peers = [x for x in series if not x.startswith("weft")]
    if not groups:
        return False
    width = max(700, 110 * len(groups) + 100)
    panel_h = 300
    parts = []
    y = 10
    parts += svg_panel(0, y, width, panel_h, "Speedup over the serial baseline (T_s / T, log scale; above 1 = faster than serial)",
                       groups, series, lambda g, x: (lambda t, b: b / t if t and b else None)(
                           s.median(g[0], g[1], x, g[3]), s.median(g[0], g[1], baseline_of(x), 1)),
                       "T_s / T")
    y += panel_h
    if peers:
        for weft in ("weft-generic", "weft-typed"):
            parts += svg_panel(0, y, width, panel_h,
                               f"{weft} time / peer time (log scale; below 1 = weft faster)",
                               groups, peers, lambda g, x, weft=weft: (lambda tw, tp: tw / tp if tw and tp else None)(
                                   s.median(g[0], g[1], weft, g[3]), s.median(g[0], g[1], x, g[3])),
                               f"T_{weft.split('-')[1]} / T_peer")
            y += panel_h
    # legend
    lx = 70
    for i, x in enumerate(series):
        col = COLORS.get(x) or EXTRA_COLORS[i % len(EXTRA_COLORS)]
        parts.append(f'<rect x="{lx}" y="{y + 5}" width="12" height="12" fill="{col}"/>')
        parts.append(f'<text x="{lx + 16}" y="{y + 15}" font-size="12">{esc(x)}</text>')
        lx += 30 + 7 * len(x)
    height = y + 30
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
    failures = []
    if a.failures and os.path.exists(a.failures):
        with open(a.failures) as f:
            failures = [l.rstrip("\n") for l in f if l.strip()]
    if not runs:
        print("report: no benchmark results found under " + a.raw, file=sys.stderr)
        return 1
    s = Summary(runs)
    rows = build_table(s)
    goals = build_goals(s)
    print_table(rows, goals, contexts, failures)

    config = None
    if a.config:
        with open(a.config) as f:
            config = json.load(f)
    host = {k: contexts[0].get(k) for k in ("host_name", "num_cpus", "mhz_per_cpu", "caches")} if contexts else {}
    if contexts:
        # google-benchmark's own build (Debian's says "debug"): it only times
        # the loop around one call of a kernel, so it does not matter here.
        host["google_benchmark_build_type"] = contexts[0].get("library_build_type")
    doc = {"generated": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
           "host": host, "config": config, "compilers": sorted({(r["runtime"], r["compiler"], r["flags"]) for r in runs}),
           "summary": rows, "goals": goals, "failures": failures, "runs": runs}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    wrote_svg = write_svg(a.svg, s, rows)
    print()
    print(f"results (every run, summary, goals): {a.out}")
    if wrote_svg:
        print(f"chart:                               {a.svg}")
    print(f"raw google-benchmark JSON:           {a.raw}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

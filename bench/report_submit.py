"""report_submit.py - bench/report.py's tables and goal lines for the
submission kernels (submit, submit8) and the blocking kernel (issue 18).

submit/submit8 rows: per runtime-variant and worker count, the medians over
the processes of jobs/s (throughput phase) and of the submit -> start and
submit -> wait-return latencies (each process's median and p90).
blocking rows: per weft variant, the medians of cpu_ms (first submission
to the last CPU job done), all_ms and spares_peak.

Goal lines (limits in goals.json, "submit" and "blocking"): weft's jobs/s
at least throughput_min x every peer's of its compiler, and weft's
submit -> wait-return median at most latency_max x every peer's, per
kernel and worker count; blocking-regions' cpu_ms at most max x
blocking-free's (the CPU work with the blockers in regions takes about
the time it takes on free workers), plain shown beside it.
"""
import statistics

KERNELS = ("submit", "submit8", "blocking")
EXTRA_KEYS = ("jobs_per_s", "start_med_us", "start_p90_us", "done_med_us", "done_p90_us",
              "cpu_ms", "all_ms", "spares_peak")


def _med(runs, key):
    v = [r["extra"][key] for r in runs if key in r["extra"]]
    return statistics.median(v) if v else None


def build(s, compiler_of, goals_data):
    """The rows of both tables and their goal lines, from report.py's Summary
    and the goals (goals.json)."""
    rows = []
    for (kernel, n, name, w), runs in sorted(s.groups.items()):
        if kernel not in KERNELS:
            continue
        row = {"kernel": kernel, "n": n, "runtime": name, "workers": w, "reps": len(runs),
               "compiler": compiler_of(name)}
        for key in EXTRA_KEYS:
            row[key] = _med(runs, key)
        rows.append(row)
    return {"rows": rows, "goals": _goals(rows, goals_data)}


def _goals(rows, g):
    out = []
    sub, blk = g.get("submit", {}), g.get("blocking", {})
    tmin, lmax = sub.get("throughput_min", 1.0), sub.get("latency_max", 1.0)
    for kernel in ("submit", "submit8"):
        for r in rows:
            if r["kernel"] != kernel or not r["runtime"].startswith("weft"):
                continue
            peers = [p for p in rows if p["kernel"] == kernel and p["n"] == r["n"]
                     and p["workers"] == r["workers"] and p["compiler"] == r["compiler"]
                     and not p["runtime"].startswith("weft")]
            for p in peers:
                for what, key, better, limit in (("throughput", "jobs_per_s", "higher", tmin),
                                                 ("latency", "done_med_us", "lower", lmax)):
                    a, b = r[key], p[key]
                    ratio = a / b if a is not None and b else None
                    if ratio is None:
                        status = "n/a"
                    elif better == "higher":
                        status = "PASS" if ratio >= limit else "MISS"
                    else:
                        status = "PASS" if ratio <= limit else "MISS"
                    op = ">=" if better == "higher" else "<="
                    out.append({"goal": f"{kernel} {what}: {r['runtime']} / {p['runtime']} {op} {limit:g}",
                                "kernel": kernel, "n": r["n"], "workers": r["workers"],
                                "ratio": ratio, "status": status})
    bmax = blk.get("max", 1.3)
    for r in rows:
        if r["kernel"] != "blocking" or not r["runtime"].endswith("-regions"):
            continue
        ref = next((x for x in rows if x["kernel"] == "blocking" and x["n"] == r["n"]
                    and x["workers"] == r["workers"]
                    and x["runtime"] == r["runtime"][:-len("regions")] + "free"), None)
        ratio = r["cpu_ms"] / ref["cpu_ms"] if ref and r["cpu_ms"] is not None and ref["cpu_ms"] else None
        out.append({"goal": f"blocking: {r['runtime']} cpu_ms / {r['runtime'][:-len('regions')]}free cpu_ms "
                            f"<= {bmax:g}",
                    "kernel": "blocking", "n": r["n"], "workers": r["workers"], "ratio": ratio,
                    "status": "n/a" if ratio is None else ("PASS" if ratio <= bmax else "MISS")})
    return out


def _f(x, digits=2):
    return "-" if x is None else f"{x:.{digits}f}"


def _lines(sub):
    """(title, header, lines) of each table."""
    tables = []
    srows = [r for r in sub["rows"] if r["kernel"] in ("submit", "submit8")]
    if srows:
        tables.append((
            "Submission from outside threads: submit (1 thread), submit8 (8 threads); medians over the "
            "processes; latencies in microseconds (each process's median and p90)",
            ["kernel", "runtime-variant", "workers", "reps", "Mjobs/s", "start med", "start p90",
             "done med", "done p90"],
            [[f"{r['kernel']}({r['n']})", r["runtime"], str(r["workers"]), str(r["reps"]),
              _f(None if r["jobs_per_s"] is None else r["jobs_per_s"] / 1e6, 3),
              _f(r["start_med_us"]), _f(r["start_p90_us"]), _f(r["done_med_us"]), _f(r["done_p90_us"])]
             for r in srows]))
    brows = [r for r in sub["rows"] if r["kernel"] == "blocking"]
    if brows:
        tables.append((
            "Blocking: 20 jobs sleeping 10 ms and n CPU jobs of ~1 ms; cpu_ms until the CPU jobs are done, "
            "all_ms until the sleepers are too; medians over the processes",
            ["kernel", "runtime-variant", "workers", "reps", "cpu_ms", "all_ms", "spares peak"],
            [[f"blocking({r['n']})", r["runtime"], str(r["workers"]), str(r["reps"]), _f(r["cpu_ms"], 1),
              _f(r["all_ms"], 1), "-" if r["spares_peak"] is None else f"{r['spares_peak']:.0f}"]
             for r in brows]))
    return tables


def _goal_lines(sub):
    return [[g["goal"], f"{g['kernel']}({g['n']})", str(g["workers"]),
             "n/a" if g["ratio"] is None else f"{g['ratio']:.2f}", g["status"]] for g in sub["goals"]]


def print_tables(sub, print_grid):
    for title, hdr, lines in _lines(sub):
        print(f"\n{title}:")
        print_grid(hdr, lines, 2)
    if sub["goals"]:
        print("\nGoals of the submission and blocking kernels (ratios of medians):")
        print_grid(["goal", "kernel", "workers", "ratio", ""], _goal_lines(sub), 1)


def md_lines(sub, md_table):
    out = []
    for title, hdr, lines in _lines(sub):
        out += [f"### {title.split(':')[0]}", "", title + ".", ""] + md_table(hdr, lines, 2) + [""]
    if sub["goals"]:
        out += ["Goal lines of the submission and blocking kernels (limits from `bench/goals.json`):", ""]
        out += md_table(["goal", "kernel", "workers", "ratio", ""], _goal_lines(sub), 1) + [""]
    return out

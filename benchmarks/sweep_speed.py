"""How fast is a sweep? 10,000 points x 10,000 paths, against one papermill run per point.

Run from the workbook: ``.venv/bin/python benchmarks/sweep_speed.py [--sample 3]``. Each sweep runs
in a fresh interpreter, as ``dgforecast sweep`` would, so its wall time includes start-up and its
peak memory (ru_maxrss of that process and of any worker it starts) is its own. The papermill
figure is the mean over a few grid points of executing the scenario notebook and its HTML;
multiplied by the number of points it is what a notebook per point would cost.

Targets (issue 5, kept by issue 9 with the evidence on): <= 5 s wall and <= 1 GiB peak for
10,000 x 10,000 on a 2-core machine. ``--as-of 2022-01`` times the plan-time engine (no evidence);
the default (the scenario's as_of, this month) weighs every path by the evidence. Each grid runs twice
(``--links``): with the link parameters at their values (a copy of the workbook whose params.yaml has
no ``link_uncertainty``, the engine before issue 24) and with the shipped ``link_uncertainty``, every
path drawing its own link spreads (``engine.integrated``). ``--thin K`` keeps every K-th value of each
axis and scales the wall time up to the full grid (``_full_grid_seconds``), for a sweep too slow to run
whole (marked "extrapolated"). Each run appends its figures to benchmarks/results/sweep_speed.md.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WALL_LIMIT_S, PEAK_LIMIT_MIB = 5.0, 1024.0
POINTS_GRID = {
    # the question of the issue: growth against the revenue ratio, ratio uncertain (sd 0.05)
    "growth x ratio, ratio sd 0.05": ["growth=0:0.099:0.001", "revenue_to_output_ratio=0.9:1.098:0.002"],
    # every point its own sample: 10,000 distinct (volatility, ratio) pairs to sort
    "volatility x ratio, ratio sd 0.05 (worst case)": ["volatility=0.001:0.1:0.001",
                                                      "revenue_to_output_ratio=0.9:1.098:0.002"],
    # ratio known: one sorted sample serves every point
    "growth x volatility, ratio sd 0": ["growth=0:0.099:0.001", "volatility=0.001:0.1:0.001",
                                        "revenue_to_output_ratio_sd=0"],
}
#: The link parameters at their values (the engine before issue 24), or drawn per path and integrated.
LINKS = {"fixed": "", "integrated": ", link spreads integrated"}

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
from dgforecast.run.sweep import run_sweep
began = time.perf_counter()
text = run_sweep(json.loads(sys.argv[1]), project=sys.argv[2], n_sims=int(sys.argv[3]), out=sys.argv[4],
                 jobs=int(sys.argv[5]), as_of=sys.argv[6] or None)
seconds, sweep_seconds = time.perf_counter() - started, time.perf_counter() - began
peak_kib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "sweep_seconds": sweep_seconds, "peak_mib": peak_kib / 1024, "text": text}))
"""


def time_sweep(specs, n_sims, jobs, out, as_of=None, root=ROOT) -> dict:
    """Wall time (s, whole process) and peak resident memory (MiB) of one sweep in a fresh interpreter."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(specs), str(root), str(n_sims), str(out), str(jobs),
                           as_of or ""],
                          capture_output=True, text=True, encoding="utf-8", env=env, check=True)
    wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "in_process_s": result["seconds"], "sweep_s": result["sweep_seconds"],
            "peak_mib": result["peak_mib"]}


def fixed_links_workbook(folder) -> Path:
    """A copy of the workbook (params.yaml and data/) whose params.yaml has no ``link_uncertainty`` block."""
    shutil.copytree(ROOT / "data", folder / "data")
    lines, out, skipping = (ROOT / "params.yaml").read_text(encoding="utf-8").splitlines(), [], False
    for line in lines:
        if re.match(r"^  link_uncertainty:", line):
            skipping = True
            continue
        if skipping and (not line.strip() or re.match(r"^ {4}| *#", line) and not re.match(r"^  # ", line)):
            continue
        skipping = False
        out.append(line)
    (folder / "params.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    return folder


def thinned(specs, thin) -> list:
    """``KEY=START:STOP:STEP`` specs with every ``thin``-th value kept (the step times ``thin``)."""
    out = []
    for spec in specs:
        key, _, values = spec.partition("=")
        parts = values.split(":")
        if thin > 1 and len(parts) == 3:
            parts[2] = repr(round(float(parts[2]) * thin, 12))
        out.append(f"{key}={':'.join(parts)}")
    return out


def time_papermill(sample, workdir) -> float:
    """Mean seconds to execute the scenario notebook and export its HTML, over ``sample`` points."""
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.run.sweep.pages import notebook_job, render_point

    seconds = []
    for i in range(sample):
        params = resolve_scenario(ROOT / "params.yaml", "base", {"growth": 0.02 + 0.01 * i})
        job = notebook_job(params, ROOT, Path(workdir), {"growth": params.growth})
        started = time.perf_counter()
        render_point(job)
        seconds.append(time.perf_counter() - started)
    return sum(seconds) / len(seconds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=10_000)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sample", type=int, default=3, help="points run through papermill (0: skip)")
    parser.add_argument("--as-of", default=None, help="YYYY-MM; 2022-01 = as of the plan (no evidence)")
    parser.add_argument("--links", choices=("fixed", "integrated", "both"), default="both",
                        help="link parameters at their values, drawn per path and integrated, or both")
    parser.add_argument("--thin", type=int, default=1, help="keep every K-th value of each axis; scale the time up")
    parser.add_argument("--grid", action="append", choices=list(POINTS_GRID), help="only these grids")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (other work slows the figures)")
    lines = []
    links = ("fixed", "integrated") if args.links == "both" else (args.links,)
    with tempfile.TemporaryDirectory() as workdir:
        roots = {"fixed": fixed_links_workbook(Path(workdir) / "fixed"), "integrated": ROOT}
        rows = {}
        for name, specs in POINTS_GRID.items():
            if args.grid and name not in args.grid:
                continue
            for mode in links:
                label = name + LINKS[mode]
                try:
                    r = time_sweep(thinned(specs, args.thin), args.sims, args.jobs, Path(workdir) / "sweep.parquet",
                                   args.as_of, roots[mode])
                except subprocess.CalledProcessError as e:  # the sweep refused: say why in the table
                    why = [line.split(": ", 1)[-1] for line in (e.stderr or "no message").strip().splitlines()[-1:]]
                    print(f"{label}: failed: {why[0]}", flush=True)
                    lines.append(f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} | "
                                 f"{args.as_of or 'now (evidence on)'} | {label} | {args.jobs} | failed: "
                                 f"{why[0][:120].replace('|', '/')} | | {load:.1f} |")
                    continue
                r["full_s"] = _full_grid_seconds(r, args.thin, args.jobs)
                rows[label] = r
                wall = _wall(r, args.thin)
                verdict = "ok" if r["full_s"] <= WALL_LIMIT_S and r["peak_mib"] <= PEAK_LIMIT_MIB else "OVER the target"
                print(f"{label}: 10,000 points x {args.sims:,} paths, -j {args.jobs}: {wall} "
                      f"({r['in_process_s']:.2f} s after start-up), peak {r['peak_mib']:.0f} MiB: {verdict}", flush=True)
                lines.append(f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} | {args.as_of or 'now (evidence on)'} | "
                             f"{label} | {args.jobs} | {wall} | {r['peak_mib']:.0f} MiB | {load:.1f} |")
        if args.sample:
            per_point = time_papermill(args.sample, workdir)
            slowest = max((r["full_s"] for r in rows.values()), default=float("nan"))
            print(f"papermill: {per_point:.2f} s per point (mean of {args.sample}, notebook + HTML), so "
                  f"10,000 points would take {per_point * 10_000 / 3600:.1f} h on one core; the slowest sweep "
                  f"above is {per_point * 10_000 / slowest:,.0f} times faster")
    _record(lines)


def _full_grid_seconds(r, thin, jobs) -> float:
    """The whole grid's wall time from a thinned one: start-up, plus the sweep's own time x thin² shared by
    ``jobs`` processes (a thinned grid is too small for a pool; the whole one uses it). An estimate for a
    sweep whose cost is the same for every point (one simulation a point), and a low one: it takes the pool
    to share the work perfectly."""
    if thin == 1:
        return r["wall_s"]
    return r["wall_s"] - r["sweep_s"] + r["sweep_s"] * thin ** 2 / jobs


def _wall(r, thin) -> str:
    """The wall time as the table shows it: measured, or extrapolated from a thinned grid."""
    if thin == 1:
        return f"{r['wall_s']:.2f} s"
    return f"{r['full_s']:.0f} s (extrapolated from {r['wall_s']:.1f} s for 1/{thin ** 2} of the points)"


def _record(lines):
    """Append this run's rows to benchmarks/results/sweep_speed.md (the header is written once)."""
    path = ROOT / "benchmarks" / "results" / "sweep_speed.md"
    head = ("# sweep_speed: 10,000 points x 10,000 paths (goal <= 5 s wall, <= 1 GiB peak, 2 cores)\n\n"
            "| date (UTC) | evidence as of | grid | -j | wall | peak | load |\n|---|---|---|---|---|---|---|\n")
    text = path.read_text(encoding="utf-8") if path.is_file() else head
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

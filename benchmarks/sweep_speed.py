"""How fast is a sweep? 10,000 points x 10,000 paths, against one papermill run per point.

Run from the workbook: ``.venv/bin/python benchmarks/sweep_speed.py [--sample 3]``. Each sweep runs
in a fresh interpreter, as ``dgforecast sweep`` would, so its wall time includes start-up and its
peak memory (ru_maxrss of that process and of any worker it starts) is its own. The papermill
figure is the mean over a few grid points of executing the scenario notebook and its HTML;
multiplied by the number of points it is what a notebook per point would cost.

Targets (issue 5, kept by issue 9 with the evidence on): <= 5 s wall and <= 1 GiB peak for
10,000 x 10,000 on a 2-core machine. ``--as-of 2022-01`` times the plan-time engine (no evidence);
the default (the scenario's as_of, this month) weighs every path by the evidence. Each run appends
its figures to benchmarks/results/sweep_speed.md.
"""

import argparse
import json
import os
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

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
from dgforecast.run.sweep import run_sweep
text = run_sweep(json.loads(sys.argv[1]), project=sys.argv[2], n_sims=int(sys.argv[3]), out=sys.argv[4],
                 jobs=int(sys.argv[5]), as_of=sys.argv[6] or None)
seconds = time.perf_counter() - started
peak_kib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "text": text}))
"""


def time_sweep(specs, n_sims, jobs, out, as_of=None) -> dict:
    """Wall time (s, whole process) and peak resident memory (MiB) of one sweep in a fresh interpreter."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(specs), str(ROOT), str(n_sims), str(out), str(jobs),
                           as_of or ""],
                          capture_output=True, text=True, encoding="utf-8", env=env, check=True)
    wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "in_process_s": result["seconds"], "peak_mib": result["peak_mib"]}


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
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (other work slows the figures)")
    lines = []
    with tempfile.TemporaryDirectory() as workdir:
        rows = {}
        for name, specs in POINTS_GRID.items():
            rows[name] = time_sweep(specs, args.sims, args.jobs, Path(workdir) / "sweep.parquet", args.as_of)
            r = rows[name]
            verdict = "ok" if r["wall_s"] <= WALL_LIMIT_S and r["peak_mib"] <= PEAK_LIMIT_MIB else "OVER the target"
            print(f"{name}: 10,000 points x {args.sims:,} paths, -j {args.jobs}: {r['wall_s']:.2f} s wall "
                  f"({r['in_process_s']:.2f} s after start-up), peak {r['peak_mib']:.0f} MiB: {verdict}", flush=True)
            lines.append(f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} | {args.as_of or 'now (evidence on)'} | "
                         f"{name} | {args.jobs} | {r['wall_s']:.2f} s | {r['peak_mib']:.0f} MiB | {load:.1f} |")
        if args.sample:
            per_point = time_papermill(args.sample, workdir)
            slowest = max(r["wall_s"] for r in rows.values())
            print(f"papermill: {per_point:.2f} s per point (mean of {args.sample}, notebook + HTML), so "
                  f"10,000 points would take {per_point * 10_000 / 3600:.1f} h on one core; the slowest sweep "
                  f"above is {per_point * 10_000 / slowest:,.0f} times faster")
    _record(lines)


def _record(lines):
    """Append this run's rows to benchmarks/results/sweep_speed.md (the header is written once)."""
    path = ROOT / "benchmarks" / "results" / "sweep_speed.md"
    head = ("# sweep_speed: 10,000 points x 10,000 paths (goal <= 5 s wall, <= 1 GiB peak, 2 cores)\n\n"
            "| date (UTC) | evidence as of | grid | -j | wall | peak | load |\n|---|---|---|---|---|---|---|\n")
    text = path.read_text(encoding="utf-8") if path.is_file() else head
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

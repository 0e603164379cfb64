"""How fast is the hinge table (P(met) over the revenue ratio, both readings), before and after a change?

Usage: ``.venv/bin/python benchmarks/hinge_speed.py [--before COMMIT] [--scenario NAME] [--as-of YYYY-MM]``
from the workbook. In one run, each side computes ``dgforecast.judge.hinge.hinge_table`` on the workbook's
params.yaml and data/raw in a fresh interpreter: *before* with the package as it was at ``COMMIT`` (exported
with ``git archive`` into a temporary folder, nothing checked out), *after* with the package of this
worktree. The two tables must agree (P(met) to 1e-12, the quantiles to 1e-12 relative): the speed is the
change, not the numbers. Appends a row to ``benchmarks/results/hinge_speed.md``.
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Before integrated_points: each point of a sweep with the link spreads drawn per path simulated alone.
BEFORE = "45adb3e"

CHILD = r"""
import json, sys, time
from dgforecast.judge.hinge import hinge_table
from dgforecast.plan.params import resolve_scenario
from dgforecast.run.pipeline import load_inputs
root, scenario, as_of = sys.argv[1], sys.argv[2], sys.argv[3] or None
params = resolve_scenario(root + "/params.yaml", scenario, {"as_of": as_of} if as_of else {})
inputs = load_inputs(root)
started = time.perf_counter()
table = hinge_table(params, inputs)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "n_sims": params.n_sims, "table": table.to_dict(orient="list")}))
"""


def run_side(package_parent, scenario, as_of) -> dict:
    """The hinge table and its time in a fresh interpreter importing dgforecast from ``package_parent`` (its
    working folder, which comes first on the path, ahead of the editable install)."""
    env = {**os.environ, "PYTHONPATH": str(package_parent), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), scenario, as_of or ""], env=env, cwd=package_parent,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_package(commit, folder) -> Path:
    """The package as it was at ``commit``, written under ``folder`` (``git archive``; nothing checked out)."""
    archive = subprocess.run(["git", "archive", commit, "dgforecast"], cwd=ROOT, capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return Path(folder)


def largest_gaps(before, after) -> tuple:
    """(largest |ΔP(met)|, largest relative gap of a quantile) between two hinge tables, row by row."""
    p = max((abs(a - b) for a, b in zip(before["p_met"], after["p_met"])), default=0.0)
    q = max((abs(a - b) / abs(b) for name in ("median", "q10", "q90")
             for a, b in zip(before[name], after[name]) if b), default=0.0)
    return p, q


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="the commit whose package is timed as 'before'")
    parser.add_argument("--scenario", default="base")
    parser.add_argument("--as-of", default="", help="YYYY-MM (default: this month)")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", args.before], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as folder:
        before = run_side(export_package(commit, folder), args.scenario, args.as_of)
    after = run_side(ROOT, args.scenario, args.as_of)
    p_gap, q_gap = largest_gaps(before["table"], after["table"])
    rows = len(after["table"]["p_met"])
    same = p_gap <= 1e-12 and q_gap <= 1e-12
    load = os.getloadavg()[0]
    print(f"hinge table, {args.scenario}, {rows} rows x {after['n_sims']:,} paths: before ({commit}) "
          f"{before['seconds']:.1f} s, after {after['seconds']:.1f} s; largest gap P {p_gap:.1e}, quantiles {q_gap:.1e}"
          f"; load {load:.1f}")
    line = (f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} | {args.scenario} | {args.as_of or 'now'} | "
            f"{rows} x {after['n_sims']:,} | {before['seconds']:.1f} s ({commit}) | {after['seconds']:.1f} s | "
            f"{before['seconds'] / after['seconds']:.0f}x | {p_gap:.1e} / {q_gap:.1e}"
            f"{'' if same else ' (NOT the same numbers)'} | {load:.1f} |")
    _record(line)
    return 0 if same else 1


def _record(line):
    """Append this run's row to benchmarks/results/hinge_speed.md (the header is written once)."""
    path = ROOT / "benchmarks" / "results" / "hinge_speed.md"
    head = ("# hinge_speed: the hinge table (P(met) over the revenue ratio, both readings), before and after\n\n"
            "Both sides in one run, each in a fresh interpreter on the workbook (2 cores shared: the load says how\n"
            "busy the machine was). The gaps are the largest between the two tables: P(met) absolute, the\n"
            "quantiles relative.\n\n"
            "| date (UTC) | scenario | as of | rows x paths | before | after | speed-up | largest gap P / quantiles | load |\n"
            "|---|---|---|---|---|---|---|---|---|\n")
    text = path.read_text(encoding="utf-8") if path.is_file() else head
    path.write_text(text + line + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())

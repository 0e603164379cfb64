"""Goal: ``dgforecast report`` for all scenarios in at most half the time of the plain tools.

Both are measured in the same run, on a copy of the workbook:

* baseline: the same notebooks with the same parameters, one after another, each with the plain
  ``papermill`` command and then ``jupyter nbconvert --to html --no-input``;
* ``dgforecast report --out DIR`` (all scenarios, default ``-j``: the number of CPUs).

Usage::

    python benchmarks/report_speed.py [--project DIR] [-j N]

Prints both wall times and their ratio (goal: ratio <= 0.5) and exits 1 when the goal is missed.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from dgforecast.core.config import find_project
from dgforecast.plan.params import resolve_scenario, scenario_names
from dgforecast.run.report_jobs import report_jobs

GOAL = 0.5


def tool(name) -> str:
    """A command installed beside this interpreter (the environment's papermill, jupyter, dgforecast)."""
    path = Path(sys.executable).parent / name
    return str(path) if path.exists() else name


def copy_workbook(root: Path, into: Path) -> Path:
    for folder in ("data/raw", "notebooks"):
        shutil.copytree(root / folder, into / folder)
    shutil.copy(root / "params.yaml", into / "params.yaml")
    return into


def baseline(paths, work: Path) -> float:
    """Seconds to run every report notebook with plain papermill, then nbconvert, one after another."""
    names = scenario_names(paths.params_file)
    params = {n: resolve_scenario(paths.params_file, n) for n in names}
    jobs = report_jobs(paths, names, params, {}, work, show_code=False)
    started = time.perf_counter()
    for i, job in enumerate(jobs):
        job.output.parent.mkdir(parents=True, exist_ok=True)
        parameter_file = work / f"params-{i}.yaml"
        parameter_file.write_text(yaml.safe_dump(job.parameters, allow_unicode=True), encoding="utf-8")
        subprocess.run([tool("papermill"), str(job.source), str(job.output), "-f", str(parameter_file),
                        "-k", "python3", "--cwd", str(work), "--no-progress-bar"],
                       check=True, capture_output=True)
        subprocess.run([tool("jupyter"), "nbconvert", "--to", "html", "--no-input", str(job.output)],
                       check=True, capture_output=True)
    return time.perf_counter() - started


def dgforecast_report(root: Path, out: Path, workers=None) -> float:
    command = [tool("dgforecast"), "--project", str(root), "report", "--out", str(out)]
    if workers:
        command += ["-j", str(workers)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=None, help="the workbook (default: found from the cwd upward)")
    parser.add_argument("-j", "--jobs", type=int, default=None, help="workers for dgforecast report")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="report-speed-") as tmp:
        root = copy_workbook(find_project(args.project).root, Path(tmp) / "workbook")
        paths = find_project(root)
        plain = baseline(paths, Path(tmp) / "plain")
        ours = dgforecast_report(root, Path(tmp) / "report", args.jobs)
    ratio = ours / plain
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"cpus: {os.cpu_count()}, load average after the run: {load} (other work on the machine skews both)")
    print(f"papermill + nbconvert, one after another: {plain:.1f} s")
    print(f"dgforecast report:                        {ours:.1f} s")
    print(f"ratio: {ratio:.2f} (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())

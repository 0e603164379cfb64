"""How long does one step of the what-if's slider take? The engine and the chart, apart.

Run from the workbook: ``.venv/bin/python benchmarks/whatif_speed.py [--steps 60] [--scenario base]``. It builds
the what-if of notebook 03 live (``what_if(..., live=True)``: the sliders, as JupyterLab shows them) on the
workbook's scenario and moves sliders as a person drags them: the growth slider a step at a time up and back
down, then the revenue/output ratio and the volatility. Each move runs what the slider's callback runs in the
kernel (``WhatIf.update``: the engine, then the chart and the table); the comm messages to the browser and its
drawing of the picture are not timed. The front end sends one change at a time while the kernel is busy
(``continuous_update``), so a step's time is how long a drag waits for each picture.

For each step: the engine (``WhatIf.seconds["assess"]``), the chart and table (``["draw"]``) and the whole
update, as wall time and as this process's CPU time (on a busy shared machine the CPU time is close to what an
idle machine's wall time would be: every part runs on one thread). Goal (issue 26): the median step at most
150 ms on an idle machine. Each run appends its medians to benchmarks/results/whatif_speed.md.
"""

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MS = 150.0
RESULTS = ROOT / "benchmarks" / "results" / "whatif_speed.md"
HEAD = ("# whatif_speed: one step of the what-if's slider (goal: median <= 150 ms on an idle machine)\n\n"
        "Medians over the steps of a run (benchmarks/whatif_speed.py): wall time, and in brackets this process's "
        "CPU time (close to an idle machine's wall time). Engine: the assessment (`assess_inputs`); chart: the "
        "fan chart, the headline and the table (wall: `WhatIf.seconds[\"draw\"]`; CPU: the step's CPU time less "
        "the engine's, so the slider's own work too).\n\n"
        "| date (UTC) | code | scenario | paths | steps | step | engine | chart | load | CPUs |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n")


def moves(w, steps) -> list:
    """The slider values a drag goes through: growth up and back down a step at a time, then ratio and volatility."""
    plan = []
    for key, share in (("growth", 0.5), ("revenue_to_output_ratio", 0.25), ("volatility", 0.25)):
        slider = w.sliders[key]
        n = max(1, round(steps * share / 2))
        start = slider.value
        up = [min(slider.max, start + (i + 1) * slider.step) for i in range(n)]
        plan += [(key, v) for v in up + up[-2::-1] + [start]]
    return plan[:steps]


def run(scenario, steps, n_sims=None) -> dict:
    """Time ``steps`` slider moves of the what-if of ``scenario``; returns lists of seconds per step."""
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.present import whatif
    from dgforecast.run.pipeline import load_inputs

    engine_cpu = []
    assess = whatif.assess_inputs

    def timed_assess(*args, **kwargs):  # the engine's CPU time, apart from the chart's
        started = time.process_time()
        try:
            return assess(*args, **kwargs)
        finally:
            engine_cpu.append(time.process_time() - started)

    whatif.assess_inputs = timed_assess
    params = resolve_scenario(ROOT / "params.yaml", scenario, {"n_sims": n_sims} if n_sims else None)
    inputs = load_inputs(ROOT)
    sink = io.StringIO()  # outside a kernel the pictures would be printed as text: not part of the step
    with contextlib.redirect_stdout(sink):
        started = time.perf_counter()
        w = whatif.what_if(params, inputs, live=True)
        opened = time.perf_counter() - started
        times = {"wall": [], "cpu": [], "engine": [], "chart": [], "engine_cpu": [], "chart_cpu": []}
        widened = 0
        for key, value in moves(w, steps):
            axis = getattr(w, "y_range", None)  # (older code has none: it never widens in steps)
            wall, cpu, before = time.perf_counter(), time.process_time(), len(engine_cpu)
            w.sliders[key].value = value
            times["wall"].append(time.perf_counter() - wall)
            times["cpu"].append(time.process_time() - cpu)
            times["engine"].append(w.seconds["assess"])
            times["chart"].append(w.seconds["draw"])
            times["engine_cpu"].append(sum(engine_cpu[before:]))
            times["chart_cpu"].append(times["cpu"][-1] - times["engine_cpu"][-1])
            widened += getattr(w, "y_range", None) != axis
    whatif.assess_inputs = assess
    return {"times": times, "opened": opened, "n_sims": w.result.simulation.n_sims, "steps": len(times["wall"]),
            "widened": widened}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="base")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--sims", type=int, default=None, help="paths (default: the scenario's)")
    parser.add_argument("--code", default="", help="what is measured, for the results row (e.g. a commit)")
    parser.add_argument("--no-record", action="store_true", help="print only; write nothing to benchmarks/results")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()[0]
    result = run(args.scenario, args.steps, args.sims)
    t = {k: 1000 * statistics.median(v) for k, v in result["times"].items()}
    p90 = 1000 * statistics.quantiles(result["times"]["wall"], n=10)[-1]
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print(f"{args.scenario}: {result['n_sims']:,} paths, {result['steps']} slider steps (opening: "
          f"{result['opened']:.2f} s; {result['widened']} steps widened the y axis, a full redraw)")
    print(f"median step {t['wall']:.0f} ms wall (p90 {p90:.0f} ms): engine {t['engine']:.0f} ms, chart {t['chart']:.0f} ms")
    print(f"median step {t['cpu']:.0f} ms CPU: engine {t['engine_cpu']:.0f} ms, chart {t['chart_cpu']:.0f} ms; goal <= "
          f"{GOAL_MS:.0f} ms on an idle machine: {'met' if t['cpu'] <= GOAL_MS else 'NOT met'} by CPU time")
    if not args.no_record:
        code = args.code or _commit()
        row = (f"| {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} | {code} | {args.scenario} | {result['n_sims']:,} | "
               f"{result['steps']} | {t['wall']:.0f} ms ({t['cpu']:.0f} ms) | {t['engine']:.0f} ms "
               f"({t['engine_cpu']:.0f} ms) | {t['chart']:.0f} ms ({t['chart_cpu']:.0f} ms) | {load:.1f} | "
               f"{os.cpu_count()} |")
        text = RESULTS.read_text(encoding="utf-8") if RESULTS.is_file() else HEAD
        RESULTS.write_text(text + row + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


def _commit() -> str:
    import subprocess

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "dgforecast"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + ("+edits" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


if __name__ == "__main__":
    sys.exit(main())

"""Parameter sweeps: the sweep table, its file, the command, scale-out and a notebook per point.

The grid's syntax and checks are tested in test_sweep_grid.py, the command's parts in test_sweep_command.py,
and the numbers of each point (against the closed form, simulation and the assessment) in
tests/engine/test_batch.py.
"""

import math

import numpy as np
import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.plan.params import resolve_scenario
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.sweep import (
    grid_points,
    make_setup,
    parse_grid,
    read_results,
    run_engine,
    run_points,
    sweep,
    write_results,
)
from tests.conftest import REPO, SHIPPED

TARGET = "cluster_revenue_2025"


def test_a_grid_that_would_not_fit_in_memory_is_refused_even_with_yes(workbook, capsys, monkeypatch):
    import dgforecast.core.limits as limits

    monkeypatch.setattr(limits, "memory_limit", lambda: 4 << 30)
    code = main(["--project", str(workbook), "sweep", "--grid", "growth=0:0.0999:0.0001", "--grid",
                 "volatility=0.0001:0.1:0.0001", "--grid", "revenue_to_output_ratio=0.5:0.5999:0.0001", "--yes"])
    # 1000^3 points x 1 KiB + 20,000 paths x 256 bytes = 953.7 GiB
    assert code == 2 and capsys.readouterr().err == (
        "dgforecast: error: --grid: 1,000,000,000 points x 20,000 paths would need about 954 GiB of memory, more "
        "than the 4.0 GiB one command may take (half of this machine's); use larger steps or fewer keys, and split "
        "the sweep into several runs\n")


# ---------------------------------------------------------------- the sweep table
def _setup(engines=None, **overrides):
    # The engine as of the plan (no evidence); the evidence has tests of its own below.
    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2022-01", **overrides})
    return make_setup(load_inputs(SHIPPED), base, engines)


def _sweep(specs, **overrides):
    grid = parse_grid(specs)
    return sweep(grid_points(grid), _setup(grid.get("engine"), **overrides))


def test_columns_are_grid_values_then_stats_per_level_target():
    results = _sweep(["growth=0.05", "volatility=0.05"], n_sims=100)
    assert list(results.columns) == ["growth", "volatility", f"p_met.{TARGET}", f"median.{TARGET}",
                                     f"q10.{TARGET}", f"q90.{TARGET}", f"required_cagr.{TARGET}"]


# ---------------------------------------------------------------- outputs and the command
@pytest.mark.parametrize("name", ["sweep.csv", "sweep.parquet"])
def test_results_round_trip_through_csv_and_parquet(tmp_path, name):
    results = _sweep(["growth=0.02,0.06"], n_sims=100)
    write_results(results, tmp_path / name)
    assert [p.name for p in tmp_path.iterdir()] == [name]
    back = read_results(tmp_path / name)
    assert list(back.columns) == list(results.columns)
    assert back[f"p_met.{TARGET}"].tolist() == pytest.approx(results[f"p_met.{TARGET}"].tolist())


def test_sweep_command_writes_one_row_per_point(workbook, capsys):
    out = workbook / "reports" / "grid.csv"
    code = main(["--project", str(workbook), "sweep", "--grid", "growth=0:0.08:0.01",
                 "--grid", "revenue_to_output_ratio=0.9,0.95,1.0", "--sims", "500", "--out", str(out), "-j", "1"])
    assert code == 0
    results = read_results(out)
    assert len(results) == 27
    assert "swept 27 points" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--grid", "grwth=0:0.08:0.01"], "unknown parameter; did you mean 'growth'"),
    (["--grid", "growth=0.08:0:0.01"], "wrong sign"),
    (["--grid", "growth=0:0.9:0.1"], "growth = 0.6: out of range"),
    (["--grid", "growth=1e308"], "--grid growth = 1e+308: out of range (fraction per year)"),
    (["--grid", "growth=0:0.1:0.0001", "--grid", "volatility=0:0.1:0.0001"], "add --yes"),
    (["--grid", "growth=0.02", "--out", "grid.txt"], "end the name in .csv or .parquet"),
    (["--grid", "growth_overrides.2021=-0.1"], "growth_overrides 2021: not a simulated year (2022-2025)"),
    (["--grid", "growth=0.02", "--scenario", "bse"], "did you mean 'base'"),
    (["--grid", "label_zh=x"], "cannot be swept"),
    (["--grid", "growth=0.02", "--scheduler", "localhost"], "write tcp://HOST:PORT"),
    (["--grid", "growth=0.02", "-j", "0"], "-j 0: give a positive number"),
])
def test_bad_sweep_input_is_one_line_and_exit_2(workbook, capsys, args, message):
    code = main(["--project", str(workbook), "sweep", *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert not (workbook / "reports").exists()


# ---------------------------------------------------------------- scale-out
def test_local_processes_give_the_same_numbers_as_one_process(monkeypatch):
    import dgforecast.run.sweep.run as sweep_module

    monkeypatch.setattr(sweep_module, "POOL_WORTH_IT", 0)
    points = grid_points(parse_grid(["volatility=0.03,0.06", "revenue_to_output_ratio=0.9,1.0"]))
    setup = _setup(n_sims=1000)
    assert run_engine(points, setup, jobs=2).equals(run_engine(points, setup, jobs=1))
    # and it says where it ran: 2 local processes, 4 points in 4 chunks (2 a process); one process otherwise
    (_, pool), (_, alone) = sweep_module.run_points(points, setup, jobs=2), sweep_module.run_points(points, setup)
    assert pool.record() == {"kind": "local processes", "workers": 2, "threads": 2, "address": None, "chunks": 4}
    assert (pool.text, alone.text) == ("in 2 local processes", "in this process (one local process)")


@pytest.mark.slow
def test_dask_cluster_gives_the_same_numbers_as_the_local_run():
    distributed = pytest.importorskip("distributed")
    points = grid_points(parse_grid(["growth=0:0.08:0.02", "volatility=0.03,0.06",
                                     "revenue_to_output_ratio_sd=0,0.05"]))
    setup = _setup(n_sims=1000)
    local = run_engine(points, setup, jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        remote, executor = run_points(points, setup, scheduler=cluster.scheduler_address)
    assert remote.equals(local)
    assert (executor.kind, executor.workers, executor.threads) == ("Dask", 2, 2)
    assert executor.text == f"on Dask at {cluster.scheduler_address} (2 workers, 2 threads)"


# ---------------------------------------------------------------- a notebook per point
def _toy_notebook(folder):
    """A scenario-notebook stand-in: prints its growth and fails above 5 %/yr."""
    import nbformat

    parameters = nbformat.v4.new_code_cell("project_dir = None\nscenario = 'base'\ngrowth = None\nsummary_csv = None")
    parameters.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=[
        parameters, nbformat.v4.new_code_cell("print('growth', growth)\nassert growth <= 0.05, 'growth above 5 %'")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / "toy.ipynb"
    nbformat.write(nb, path)
    return path


def _render(workbook, specs, jobs=1, source=None):
    from dgforecast.core.config import find_project
    from dgforecast.run.sweep import prepare_sweep
    from dgforecast.run.sweep.pages import render_point_notebooks

    paths = find_project(workbook)
    grid, setup = prepare_sweep(paths, "base", specs, n_sims=100)
    return render_point_notebooks(grid_points(grid), setup, paths, workbook / "reports" / "grid.csv", jobs=jobs,
                                  source=source)


@pytest.mark.notebooks
def test_notebooks_render_each_point_once_and_a_rerun_skips_them(workbook, monkeypatch):
    import dgforecast.run.sweep.pages
    from dgforecast.run.sweep.pages import NotebooksFailed

    source = _toy_notebook(workbook)
    with pytest.raises(NotebooksFailed, match="1 rendered, 0 already there .* 1 failed"):
        _render(workbook, ["growth=0.04,0.06"], jobs=2, source=source)
    folder = workbook / "reports" / "grid_notebooks"
    index = read_results_index(folder)
    assert index["status"].tolist() == ["ok", "failed"]
    assert index["html"].iloc[1].endswith(".failed.html")
    assert all((folder / name).is_file() for name in [*index["notebook"], *index["html"]])
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]

    ran = []
    monkeypatch.setattr(dgforecast.run.sweep.pages, "run_job", lambda job: ran.append(job.name) or _ok_run(job))
    assert "1 rendered, 1 already there" in _render(workbook, ["growth=0.04,0.06"], source=source)
    assert ran == [index["point"].iloc[1]]
    assert not list(folder.glob("*.failed.*"))


def read_results_index(folder):
    import pandas as pd

    return pd.read_csv(folder / "index.csv", encoding="utf-8")


def _ok_run(job):
    from dgforecast.run.notebook import NotebookRun

    for path in (job.output, job.html):
        path.write_text("{}", encoding="utf-8")
    return NotebookRun(job.source, job.output, job.html, 0.0)


@pytest.mark.notebooks
def test_a_kernel_that_fails_to_start_is_started_once_more(workbook, monkeypatch):
    # the notebook runner's one retry serves the sweep's pages too
    from dgforecast.run import notebook

    attempts, real = [], notebook.run_papermill

    def flaky(source, tmp, parameters, cwd, timeout):
        attempts.append(source.name)
        if len(attempts) == 1:
            return notebook.CellFailure(-1, None, "RuntimeError", "Kernel died before replying to kernel_info")
        return real(source, tmp, parameters, cwd, timeout)

    monkeypatch.setattr(notebook, "run_papermill", flaky)
    assert "1 rendered" in _render(workbook, ["growth=0.02"], source=_toy_notebook(workbook))
    assert attempts == ["toy.ipynb", "toy.ipynb"]


def test_interrupted_sweep_leaves_no_partial_file_and_rerun_finishes(workbook, monkeypatch):
    import dgforecast.run.sweep.pages

    folder = workbook / "reports" / "grid_notebooks"
    folder.mkdir(parents=True)
    # what a kill during the first point leaves: papermill's and the HTML writer's temporaries
    (folder / ".point_0123456789ab.x1y2.ipynb").write_text("{", encoding="utf-8")
    (folder / ".point_0123456789ab.html.z3.tmp").write_text("<ht", encoding="utf-8")
    monkeypatch.setattr(dgforecast.run.sweep.pages, "run_job", _ok_run)
    assert "2 rendered, 0 already there" in _render(workbook, ["growth=0.02,0.03"], source=_toy_notebook(workbook))
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.startswith(".")]
    assert len([n for n in names if n.endswith(".html")]) == 2


# ---------------------------------------------------------------- reading a sweep for the heat map
def _table(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["growth", "revenue_to_output_ratio", f"p_met.{TARGET}",
                                       f"median.{TARGET}", f"required_cagr.{TARGET}"])


def test_growth_needed_for_a_probability_is_interpolated_between_grid_points():
    from dgforecast.run.sweep import x_needed

    table = _table([(0.05, 1.0, 0.30, 0, 0), (0.06, 1.0, 0.40, 0, 0), (0.07, 1.0, 0.52, 0, 0),
                    (0.05, 0.9, 0.10, 0, 0), (0.06, 0.9, 0.15, 0, 0), (0.07, 0.9, 0.20, 0, 0)])
    needed = x_needed(table, "growth", "revenue_to_output_ratio", TARGET, 0.5)
    # 0.06 + 0.01 * (0.50 - 0.40) / (0.52 - 0.40) = 0.068333 ; never reached at ratio 0.9
    assert needed[1.0] == pytest.approx(0.068333, abs=1e-6)
    assert math.isnan(needed[0.9])
    assert x_needed(table, "growth", "revenue_to_output_ratio", TARGET, 0.3)[1.0] == 0.05


def test_heat_map_slice_holds_further_keys_and_refuses_unknown_ones():
    from dgforecast.run.sweep import axes_slice

    results = _sweep(["growth=0.02,0.04", "volatility=0.05,0.1", "revenue_to_output_ratio=0.9,1.0"], n_sims=100)
    sliced = axes_slice(results, "growth", "volatility", {"revenue_to_output_ratio": 1.0})
    assert len(sliced) == 4 and set(sliced["revenue_to_output_ratio"]) == {1.0}
    assert set(axes_slice(results, "growth", "volatility")["revenue_to_output_ratio"]) == {0.9}
    with pytest.raises(ParamsError, match="deflator: not a grid key"):
        axes_slice(results, "growth", "deflator")
    with pytest.raises(ParamsError, match="revenue_to_output_ratio = 0.95: not on the grid"):
        axes_slice(results, "growth", "volatility", {"revenue_to_output_ratio": 0.95})


@pytest.mark.notebooks
def test_sweep_notebook_runs_on_a_results_file_and_is_committed_without_outputs(workbook):
    import nbformat

    from dgforecast.run.notebook import execute_notebook

    committed = nbformat.read(REPO / "notebooks" / "05_sweep.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in committed.cells if cell.cell_type == "code")
    results = workbook / "reports" / "grid.parquet"
    assert main(["--project", str(workbook), "sweep", "--grid", "growth=0:0.08:0.01",
                 "--grid", "revenue_to_output_ratio=0.9,1.0", "--sims", "500", "--out", str(results)]) == 0
    run = execute_notebook(workbook / "notebooks" / "05_sweep.ipynb", workbook / "reports" / "05.ipynb",
                           {"project_dir": str(workbook), "results_file": str(results)})
    assert run.ok, run.failure
    executed = nbformat.read(workbook / "reports" / "05.ipynb", as_version=4)
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 1


def _fast_or_stuck(job):
    import time

    if job.name != "point_fast":
        time.sleep(120)  # a notebook that would run for minutes
    return _ok_run(job)


def test_stopping_a_notebook_sweep_ends_its_workers_at_once(tmp_path, monkeypatch):
    import multiprocessing

    import dgforecast.run.sweep.pages
    from dgforecast.run.jobs import NotebookJob, run_jobs
    from dgforecast.run.sweep.pages import render_point

    monkeypatch.setattr(dgforecast.run.sweep.pages, "run_job", _fast_or_stuck)  # inherited by the forked workers
    jobs = [NotebookJob(name, tmp_path / "toy.ipynb", tmp_path, {}) for name in ("point_fast", "point_a", "point_b")]
    finished = []

    def ctrl_c_after_the_first(name, run):
        finished.append((name, run.ok))
        raise KeyboardInterrupt  # what Ctrl-C does to the loop that reads the runs

    with pytest.raises(KeyboardInterrupt):
        run_jobs(jobs, 2, ctrl_c_after_the_first, run=render_point)
    assert finished == [("point_fast", True)]
    for child in multiprocessing.active_children():
        child.join(timeout=30)
    assert not multiprocessing.active_children()
    assert not (tmp_path / "point_a.html").exists()


def test_axis_labels_come_from_the_schema_with_units():
    from dgforecast.run.sweep import axis_label

    assert axis_label("growth_overrides.2022") == "2022年增长率 growth in 2022 (fraction per year)"
    assert axis_label("growth").startswith("年均增长率 annual growth (")


def test_result_targets_keep_column_order():
    import pandas as pd

    from dgforecast.run.sweep import result_targets

    frame = pd.DataFrame(columns=["growth", "p_met.b_2025", "median.b_2025", "p_met.a_2025"])
    assert result_targets(frame) == ["b_2025", "a_2025"]


# ---------------------------------------------------------------- the sweep states its answer
def _lines(x_key, rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=[x_key, "revenue_to_output_ratio", f"p_met.{TARGET}"])


def test_crossings_interpolate_between_grid_points_or_say_never_or_always():
    from dgforecast.run.sweep.results import p_met_crossings

    table = _lines("growth", [(0.05, 1.0, 0.30), (0.06, 1.0, 0.40), (0.07, 1.0, 0.52),
                              (0.05, 0.9, 0.10), (0.06, 0.9, 0.15), (0.07, 0.9, 0.20),
                              (0.05, 1.1, 0.55), (0.06, 1.1, 0.70), (0.07, 1.1, 0.90)])
    crossings = p_met_crossings(table).set_index("revenue_to_output_ratio")
    assert list(crossings.columns) == ["target_id", "growth_at_p_met_50", "growth_at_p_met_80"]
    # 0.06 + 0.01 * (0.50 - 0.40) / (0.52 - 0.40) = 0.068333 ; 80 % is never reached at ratio 1.0
    assert crossings.loc[1.0, "growth_at_p_met_50"] == pytest.approx(0.068333, abs=1e-6)
    assert crossings.loc[1.0, "growth_at_p_met_80"] == "never"
    assert crossings.loc[0.9, ["growth_at_p_met_50", "growth_at_p_met_80"]].tolist() == ["never", "never"]
    # already above 50 % at the lowest growth; 80 % at 0.06 + 0.01 * (0.80 - 0.70) / (0.90 - 0.70) = 0.065
    assert crossings.loc[1.1, "growth_at_p_met_50"] == "always"
    assert crossings.loc[1.1, "growth_at_p_met_80"] == pytest.approx(0.065)


def test_a_falling_p_met_is_crossed_on_its_way_down():
    from dgforecast.run.sweep.results import p_met_crossings

    table = _lines("volatility", [(0.02, 1.0, 0.9), (0.04, 1.0, 0.6), (0.06, 1.0, 0.3)])
    row = p_met_crossings(table, x_key="volatility").iloc[0]
    # 50 %: 0.04 + 0.02 * (0.6 - 0.5) / (0.6 - 0.3) = 0.046667 ; 80 %: 0.02 + 0.02 * (0.9 - 0.8) / (0.9 - 0.6)
    assert row["volatility_at_p_met_50"] == pytest.approx(0.046667, abs=1e-6)
    assert row["volatility_at_p_met_80"] == pytest.approx(0.026667, abs=1e-6)


def test_the_most_finely_swept_key_is_solved_for_growth_on_a_tie():
    import pandas as pd

    from dgforecast.run.sweep.results import finest_key, p_met_crossings

    frame = pd.DataFrame({"volatility": [0.05, 0.05, 0.1, 0.1], "revenue_to_output_ratio": [0.9, 1.0, 0.9, 1.0],
                          "growth": [0.05] * 4, f"p_met.{TARGET}": [0.4, 0.5, 0.3, 0.45]})
    assert finest_key(frame) == "volatility"                      # growth is not swept (one value)
    assert finest_key(frame.assign(growth=[0.04, 0.05, 0.04, 0.05])) == "growth"
    assert finest_key(frame.assign(volatility=0.05, revenue_to_output_ratio=1.0)) is None
    assert p_met_crossings(frame.assign(volatility=0.05, revenue_to_output_ratio=1.0)).empty


def test_each_combination_of_the_other_keys_gets_its_own_line():
    from dgforecast.run.sweep.results import p_met_crossings

    results = _sweep(["growth=0:0.1:0.01", "volatility=0.05,0.1", "revenue_to_output_ratio=0.9,1.0"], n_sims=2000)
    crossings = p_met_crossings(results)
    assert crossings[["volatility", "revenue_to_output_ratio"]].values.tolist() == [
        [0.05, 0.9], [0.05, 1.0], [0.1, 0.9], [0.1, 1.0]]


ISSUE_GRID = ["--grid", "growth=0:0.12:0.001", "--grid", "revenue_to_output_ratio=0.9,0.95,1.0"]


@pytest.mark.slow
def test_sweep_states_its_answer_in_one_line_a_probability_and_the_json_says_the_same(shipped, tmp_path, capsys):
    import json

    out = tmp_path / "grid.csv"
    assert main(["--project", str(shipped), "sweep", *ISSUE_GRID, "--as-of", "2022-01", "--out", str(out),
                 "-j", "1", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["x_key"] == "growth" and answer["as_of"] == "2022-01" and answer["points"] == 363
    assert answer["break_even"] == "P(met) = 50%"
    assert answer["executor"] == {"kind": "this process", "workers": 1, "threads": 1, "address": None, "chunks": 1}
    at_50 = {c["revenue_to_output_ratio"]: c["growth_at_p_met_50"] for c in answer["crossings"]}
    # the plan-time answers (volatility 0.075, the ratio's sd 0.055 drawn per path over [0.98, 2.0] of it,
    # calibration m3): 9.92 %, 8.43 %, 7.03 % a year (with the ratio's sd fixed at 0.055 the same draws gave
    # 9.87, 8.40, 7.01 %; uncalibrated 6.85, 5.41, 4.06 %)
    assert [at_50[r] for r in (0.9, 0.95, 1.0)] == pytest.approx([0.0992, 0.0843, 0.0703], abs=5e-5)
    # ... and what an economist gets by interpolating the written file herself
    results = read_results(out)
    for ratio, line in results.groupby("revenue_to_output_ratio"):
        by_hand = np.interp(0.5, line[f"p_met.{TARGET}"], line["growth"])
        assert at_50[ratio] == pytest.approx(by_hand, abs=0.001)
    # the calibrated engine, the ratio's spread drawn per path: as of the plan 80 % is not reached by 12 %/yr
    assert all(c["growth_at_p_met_80"] == "never" for c in answer["crossings"])
    assert not [c for c in answer["crossings"] if "growth_at_median_target" in c]  # one break-even, not two

    assert main(["--project", str(shipped), "sweep", *ISSUE_GRID, "--as-of", "2022-01", "--out", str(out),
                 "-j", "1"]) == 0
    text = capsys.readouterr().out
    assert "in this process (one local process)" in text.splitlines()[0]
    said = [line.removeprefix(f"answer: {TARGET}: ") for line in text.splitlines() if line.startswith("answer: ")]
    assert said == answer["answer"][TARGET] == [
        "P(met) ≥ 50% (break-even) needs growth ≥ 9.92%/yr at any revenue_to_output_ratio in the grid; ≥ 7.03%/yr "
        "at revenue_to_output_ratio 1",
        "P(met) ≥ 80% nowhere on the grid (highest 79.0%)"]
    assert "median = target" not in text and "required" not in text
    rows = [" ".join(line.split()) for line in text.splitlines()[-3:]]
    assert rows == ["cluster_revenue_2025 0.9 9.92%/yr never", "cluster_revenue_2025 0.95 8.43%/yr never",
                    "cluster_revenue_2025 1 7.03%/yr never"]


def _answer(rows, keys=("growth", "revenue_to_output_ratio")):
    import pandas as pd

    from dgforecast.run.sweep import sweep_answer

    return sweep_answer(pd.DataFrame(rows, columns=[*keys, f"p_met.{TARGET}"]))


def test_a_crossing_that_hardly_moves_with_the_other_key_holds_at_any_of_its_values():
    # 50 %: 0.05 + 0.01 * 0.10 / 0.20 = 0.055 at ratio 0.9, 0.05 + 0.01 * 0.05 / 0.20 = 0.0525 at 1.0: within
    # one grid step (0.01), so 5.50 % (enough at either) holds at any ratio; 80 %: 0.07 and 0.0675
    found = _answer([(0.05, 0.9, 0.40), (0.06, 0.9, 0.60), (0.07, 0.9, 0.80),
                     (0.05, 1.0, 0.45), (0.06, 1.0, 0.65), (0.07, 1.0, 0.85)])
    assert found["x_key"] == "growth"  # P(met) moves 0.40 along growth, 0.05 along the ratio
    assert found["lines"][TARGET] == [
        "P(met) ≥ 50% (break-even) needs growth ≥ 5.50%/yr at any revenue_to_output_ratio in the grid",
        "P(met) ≥ 80% needs growth ≥ 7.00%/yr at any revenue_to_output_ratio in the grid"]


def test_a_crossing_that_moves_more_than_a_step_says_how_far_the_other_key_eases_it():
    # 50 %: 0.06 + 0.01 * 0.2 / 0.3 = 0.066667 at ratio 0.9; 0.05 + 0.01 * 0.05 / 0.25 = 0.052 at 1.0
    found = _answer([(0.05, 0.9, 0.10), (0.06, 0.9, 0.30), (0.07, 0.9, 0.60),
                     (0.05, 1.0, 0.45), (0.06, 1.0, 0.70), (0.07, 1.0, 0.90)])
    assert found["lines"][TARGET][0] == ("P(met) ≥ 50% (break-even) needs growth ≥ 6.67%/yr at any "
                                          "revenue_to_output_ratio in the grid; ≥ 5.20%/yr at revenue_to_output_ratio 1")
    # 80 %: never at ratio 0.9 (at most 0.60); 0.06 + 0.01 * 0.1 / 0.2 = 0.065 at 1.0
    assert found["lines"][TARGET][1] == ("P(met) ≥ 80% out of the grid's reach at revenue_to_output_ratio 0.9; "
                                          "elsewhere needs growth ≥ 6.50%/yr (at revenue_to_output_ratio 1)")


def test_the_answer_is_solved_along_the_key_that_decides_not_the_finest_one():
    # growth (two values) moves nothing; the ratio (three values) does: 50 % at 0.9 + 0.05 * 0.3 / 0.4 = 0.9375
    # and 80 % at 0.95 + 0.05 * 0.2 / 0.3 = 0.983333, whatever the growth
    rows = [(g, r, p) for g in (0.02, 0.06) for r, p in ((0.9, 0.2), (0.95, 0.6), (1.0, 0.9))]
    found = _answer(rows)
    assert found["x_key"] == "revenue_to_output_ratio"
    assert found["lines"][TARGET] == [
        "P(met) ≥ 50% (break-even) needs revenue_to_output_ratio ≥ 0.9375 at any growth in the grid",
        "P(met) ≥ 80% needs revenue_to_output_ratio ≥ 0.9833 at any growth in the grid"]


def test_a_flat_surface_names_no_highest_point_and_says_nothing_moves_it():
    from dgforecast.run.sweep.answer import range_text

    found = _answer([(g, r, 1.0) for g in (0.02, 0.04) for r in (0.9, 1.0)])
    assert found["lines"][TARGET] == ["P(met) ≥ 50% (break-even) everywhere on the grid",
                                      "P(met) ≥ 80% everywhere on the grid"]
    assert found["ranges"][TARGET]["highest_at"] is None
    assert range_text(TARGET, found["ranges"][TARGET], 4) == (
        f"{TARGET}: P(met) 100.0% at every point: nothing on the grid moves it")
    # a plateau at the top of a surface that moves: how many points share it, none named
    plateau = _answer([(0.02, 0.9, 0.3), (0.02, 1.0, 1.0), (0.04, 0.9, 1.0), (0.04, 1.0, 1.0)])
    assert range_text(TARGET, plateau["ranges"][TARGET], 4) == f"{TARGET}: P(met) 30.0% to 100.0%; 100.0% at 3 of 4 points"
    low = _answer([(0.02, 0.9, 0.1), (0.04, 0.9, 0.2), (0.02, 1.0, 0.2), (0.04, 1.0, 0.3)])
    assert low["lines"][TARGET][0] == "P(met) ≥ 50% (break-even) nowhere on the grid (highest 30.0%)"
    assert low["ranges"][TARGET]["highest_at"] == {"growth": 0.04, "revenue_to_output_ratio": 1.0}


def test_a_field_added_to_the_schema_reaches_the_sweep_with_no_other_edit():
    # A new assumption is declared once, on the schema (here a subclass, as a developer would add a
    # field to ScenarioParams): the grid accepts it and the one engine reads it through the params.
    from dataclasses import replace

    from pydantic import Field

    from dgforecast.plan.schema import ScenarioParams
    from dgforecast.run.sweep import sweepable_keys, validate_grid

    class WithPolicyBoost(ScenarioParams):
        policy_boost: float = Field(0.0, ge=0.0, le=0.1)  # extra nominal growth a year from a new policy

        def nominal_growth(self, year) -> float:
            return super().nominal_growth(year) + self.policy_boost

    setup = _setup(n_sims=2000, revenue_to_output_ratio_sd=0.0)
    base = WithPolicyBoost.model_validate(setup.base.model_dump())
    assert "policy_boost" in sweepable_keys(WithPolicyBoost)
    grid = parse_grid(["policy_boost=0,0.02"])
    validate_grid(grid, base)
    results = sweep(grid_points(grid), replace(setup, base=base))
    p = results[f"p_met.{TARGET}"].tolist()
    # 6 % + 2 % a year is the same engine input as growth = 8 %: the same paths, the same P(met)
    at_eight = sweep(grid_points(parse_grid(["growth=0.08"])), setup)[f"p_met.{TARGET}"].iloc[0]
    assert p[1] > p[0] and p[1] == pytest.approx(at_eight, abs=1e-12)
    with pytest.raises(ParamsError, match="policy_boost = 0.5: out of range; use a value <= 0.1"):
        validate_grid(parse_grid(["policy_boost=0.5"]), base)

"""Every numbered notebook runs for every scenario of the shipped params.yaml without an error output.

The notebooks come from this repository (they are package code), the workbook from the shipped
copy (``tests/fixtures/workbook``). How each notebook runs is what it declares (``report_jobs.notebook_runs``):
one that runs once or per scenario in a report runs here for every scenario, one across scenarios
runs once over all of them, and the sweep notebook runs in tests/run/test_report.py on a sweep file, so
a notebook added to notebooks/ is tested with no change here. Nothing injects ``interactive``, as
with plain papermill: the what-if must notice that no front end is there.

All runs share one parallel batch with few paths (``SMALL``), but for those the session's real report
has made already (``built_report`` in conftest.py): a notebook that runs once in a report ran there with
the headline scenario, so its page of that scenario is read from the report instead of run again.
"""

import dataclasses
import math
import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from dgforecast.core.config import NUMBERED_NOTEBOOKS, SCENARIO_NOTEBOOK, ProjectPaths
from dgforecast.judge.assess import REPORT_COLUMNS
from dgforecast.run.jobs import NotebookJob, run_jobs
from dgforecast.run.notebook import execute_notebook
from dgforecast.run.parameters import notebook_parameters

PLAN_NOTEBOOK = "01_plan_baselines.ipynb"
from dgforecast.plan.params import headline_scenario, resolve_scenario, scenario_names
from dgforecast.run.report_jobs import notebook_runs
from tests.conftest import BUILT_SCENARIOS, REPO, SHIPPED, built_once, copy_workbook

SMALL = {"n_sims": 200}
SCENARIOS = scenario_names(SHIPPED / "params.yaml")
NUMBERED = sorted((REPO / "notebooks").glob(NUMBERED_NOTEBOOKS))
EVERY_SCENARIO = [p.stem for p in NUMBERED if notebook_runs(p) in ("once", "per_scenario")]
ACROSS = [p.stem for p in NUMBERED if notebook_runs(p) == "across_scenarios"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The scenario the shared report ran its ``once`` notebooks with.
HEADLINE = headline_scenario(SHIPPED / "params.yaml", BUILT_SCENARIOS.split(","))


def _jobs(root: Path, out: Path, done=()) -> list:
    """Every job but those named in ``done`` (``<notebook stem>/<scenario>``)."""
    paths, jobs = ProjectPaths(root), []
    for source in sorted(paths.notebooks.glob(NUMBERED_NOTEBOOKS)):
        runs = notebook_runs(source)
        if runs == "across_scenarios":
            jobs.append(NotebookJob(f"{source.stem}/all", source, out,
                                    {"project_dir": str(root), "scenarios": SCENARIOS, "overrides": SMALL}))
        elif runs in ("once", "per_scenario"):
            for name in SCENARIOS:
                if f"{source.stem}/{name}" in done:
                    continue
                parameters = notebook_parameters(resolve_scenario(paths.params_file, name, SMALL), root)
                if runs == "per_scenario":
                    parameters["summary_csv"] = f"{source.stem}_{name}.csv"  # in the kernel's folder, out/
                jobs.append(NotebookJob(f"{source.stem}/{name}", source, out, parameters))
    return jobs


def _from_the_report(built) -> dict:
    """The runs of the ``once`` notebooks in the shared report, as ``<stem>/<headline>`` -> NotebookRun."""
    runs = {}
    for source in NUMBERED:
        if notebook_runs(source) == "once":
            run, page = built.result.runs[source.stem], built.folder / f"{source.stem}.ipynb"
            runs[f"{source.stem}/{HEADLINE}"] = dataclasses.replace(run, output=page)  # where the report put it
    return runs


@pytest.fixture(scope="module")
def executed(tmp_path_factory, worker_id, built_report):
    """Job name (``<notebook stem>/<scenario>`` or ``/all``) -> NotebookRun, and the output folder (run once
    for all the test workers: ``built_once``)."""
    def run(folder):
        root = copy_workbook(folder / "workbook")
        out = root / "out"
        done = _from_the_report(built_report)
        runs = run_jobs(_jobs(root, out, done), workers=min(os.cpu_count() or 2, 4))  # 4 kernels at most: memory
        return {**runs, **done}, out
    return built_once(tmp_path_factory, worker_id, "notebooks_executed", run)


def _errors(path):
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {index}: {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr" and "Traceback" in out.text:
                found.append(f"cell {index}: traceback on stderr")
            elif out.output_type == "stream" and out.name == "stderr" and "missing from font" in out.text:
                found.append(f"cell {index}: a chart label lacks glyphs (boxes instead of 中文)")
            elif WIDGET_VIEW in out.get("data", {}):
                found.append(f"cell {index}: a widget in a run without a front end (nothing can show it)")
    return found


@pytest.mark.parametrize("notebook", EVERY_SCENARIO)
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.notebooks
def test_notebook_runs_for_every_scenario_without_error_output(executed, notebook, scenario):
    run = executed[0][f"{notebook}/{scenario}"]
    assert run.ok, str(run.failure)
    assert _errors(run.output) == []


@pytest.mark.parametrize("notebook", ACROSS)
@pytest.mark.notebooks
def test_notebook_across_scenarios_runs_without_error_output(executed, notebook):
    run = executed[0][f"{notebook}/all"]
    assert run.ok, str(run.failure)
    assert _errors(run.output) == []


def _summary(executed, scenario):
    return pd.read_csv(executed[1] / f"{Path(SCENARIO_NOTEBOOK).stem}_{scenario}.csv")


@pytest.mark.notebooks
def test_scenario_notebook_writes_one_summary_row_per_target_now_and_as_of_the_plan(executed):
    summary = _summary(executed, SCENARIOS[0])
    assert list(summary.columns) == REPORT_COLUMNS
    assert summary["target_id"].is_unique and "cluster_revenue_2025" in set(summary["target_id"])


@pytest.mark.notebooks
def test_scenario_notebooks_what_if_is_the_static_chart_and_table_without_a_front_end(executed):
    nb = nbformat.read(executed[0][f"{Path(SCENARIO_NOTEBOOK).stem}/{SCENARIOS[0]}"].output, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "what_if(" in c.source)
    kinds = [set(o.get("data", {})) for o in cell.outputs]
    assert any("image/png" in k for k in kinds) and any("text/html" in k for k in kinds), kinds
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    assert "装备制造业产业集群营业收入: P(met)" in printed


def _shown_text(cell) -> str:
    """What a reader sees of a cell's outputs: printed text and the tables' HTML (or plain text)."""
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        parts.append(out.get("text", "") + data.get("text/html", data.get("text/plain", "")))
    return "".join(parts)


@pytest.mark.notebooks
def test_history_notebook_shows_years_as_integers_and_numbers_without_exponents(executed):
    import re

    nb = nbformat.read(executed[0][f"02_history_and_models/{SCENARIOS[0]}"].output, as_version=4)
    shown = "".join(_shown_text(c) for c in nb.cells if c.cell_type == "code")
    assert "2014" in shown and "interpolat" in shown
    assert not re.findall(r"\b(?:19|20)\d\d\.0\b", shown), "a year shown as a float"
    assert not re.findall(r"\d(?:\.\d+)?e[+-]\d\d", shown), "a number in scientific notation"
    growth = next(c for c in nb.cells if c.cell_type == "code" and "growth_chart(" in c.source)
    assert "interpolated=" in growth.source  # the filled years are drawn as interpolated, not as data


@pytest.mark.notebooks
def test_notebook_finds_the_workbook_from_its_folder_without_project_dir(tmp_path):
    root = copy_workbook(tmp_path / "copy")
    params_file = root / "params.yaml"
    params_file.write_text(params_file.read_text(encoding="utf-8").replace("label_zh: 基准情景", "label_zh: 副本基准"),
                           encoding="utf-8")  # so the output tells this copy from any other workbook
    run = execute_notebook(root / "notebooks" / PLAN_NOTEBOOK, root / "notebooks" / "run" / "01.ipynb",
                           {"scenario": "base"}, cwd=root / "notebooks")
    assert run.ok, str(run.failure)
    nb = nbformat.read(run.output, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")
    assert "情景 scenario: 副本基准 Base case" in printed


def test_base_closed_form_is_the_hand_worked_value():
    from dgforecast.engine.closed_form import closed_form_p_met

    # gap = ln(5400/4621.25) - 4 ln 1.06 + s²/2 = -0.0759, spread = sqrt(4 x 0.075² + ln(1 + 0.055²)) = 0.1596
    assert round(closed_form_p_met(5400, 4621.25, 4, 0.06, 0.075, 1.0, 0.055), 4) == 0.6825
    # calibrated (the default): the mean moves by 0.075 x β_4 x 2 = -0.1103 and the spread is
    # sqrt(4 x 0.075² x k_4² + ln(1 + 0.055²)) = 0.2192, k_4 = 1.4144 (tests/engine/test_condition.py works it out)
    assert round(closed_form_p_met(5400, 4621.25, 4, 0.06, 0.075, 1.0, 0.055, calibration="m3"), 4) == 0.4376


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.notebooks
def test_scenario_notebook_agrees_with_the_closed_form_as_of_the_plan(executed, scenario):
    """The closed form holds before any evidence: the notebook's ``p_met_plan`` (as of 2022-01, the same
    draws unweighted) must lie within 4 Monte Carlo standard errors of it. ``p_met`` itself is weighed by
    the evidence published by today, which the closed form knows nothing of."""
    from dgforecast.engine.closed_form import closed_form_p_met

    params = resolve_scenario(SHIPPED / "params.yaml", scenario, SMALL)
    if params.engine != "lognormal":
        pytest.skip("closed form checked for the lognormal engine from the 2021 baseline")
    summary = _summary(executed, scenario).set_index("target_id")
    growth = [params.nominal_growth(y) for y in range(2022, 2026)]
    exact = closed_form_p_met(5400, 4621.25, 4, growth, params.volatility, params.revenue_to_output_ratio,
                              params.revenue_to_output_ratio_sd, params.calibration)
    se = math.sqrt(exact * (1 - exact) / params.n_sims)
    assert abs(summary.loc["cluster_revenue_2025", "p_met_plan"] - exact) < 4 * se

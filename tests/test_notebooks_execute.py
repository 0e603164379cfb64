"""Every notebook runs for every scenario in params.yaml without an error output; committed notebooks are clean.

All runs share one parallel batch (small n_sims), so the whole file takes about half a minute.
"""

import importlib.util
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from dgforecast.assess import SUMMARY_COLUMNS
from dgforecast.config import ProjectPaths
from dgforecast.notebook import (ACROSS_NOTEBOOK, HISTORY_NOTEBOOK, PLAN_NOTEBOOK, SCENARIO_NOTEBOOK, SWEEP_NOTEBOOK,
                                 NotebookJob, execute_notebook, notebook_parameters, run_jobs)
from dgforecast.params import resolve_scenario, scenario_names

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SMALL = {"n_sims": 200}
PER_SCENARIO = (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, SCENARIO_NOTEBOOK)
SCENARIOS = scenario_names(ROOT / "params.yaml")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Run 01-03 for every scenario and 04 across all of them; job name -> NotebookRun."""
    root = tmp_path_factory.mktemp("workbook")
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"))
    paths, out = ProjectPaths(root), root / "out"
    jobs = []
    for name in SCENARIOS:
        parameters = notebook_parameters(resolve_scenario(paths.params_file, name, SMALL), root)
        jobs += [NotebookJob(f"{Path(nb).stem}/{name}", paths.notebooks / nb, out,
                             {**parameters, "summary_csv": f"{name}.csv"}) for nb in PER_SCENARIO]
    jobs.append(NotebookJob("04/all", paths.notebooks / ACROSS_NOTEBOOK, out,
                            {"project_dir": str(root), "scenarios": SCENARIOS, "overrides": SMALL}))
    return run_jobs(jobs, workers=min(os.cpu_count() or 2, 4))  # 4 kernels at most: memory


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
    return found


@pytest.mark.parametrize("notebook", [Path(nb).stem for nb in PER_SCENARIO])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_notebook_runs_for_every_scenario_without_error_output(executed, notebook, scenario):
    run = executed[f"{notebook}/{scenario}"]
    assert run.ok, str(run.failure)
    assert _errors(run.output) == []


def test_targets_across_scenarios_runs_without_error_output(executed):
    run = executed["04/all"]
    assert run.ok, str(run.failure)
    assert _errors(run.output) == []


def test_scenario_notebook_writes_one_summary_row_per_target(executed):
    import pandas as pd

    run = executed[f"03_scenario/{SCENARIOS[0]}"]
    summary = pd.read_csv(run.output.parent.parent / f"{SCENARIOS[0]}.csv")  # the kernel's folder
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["target_id"].is_unique and "cluster_revenue_2025" in set(summary["target_id"])


def test_notebook_finds_the_workbook_from_its_folder_without_project_dir(tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    shutil.copytree(NOTEBOOKS, root / "notebooks", ignore=shutil.ignore_patterns("*.py"))
    run = execute_notebook(root / "notebooks" / PLAN_NOTEBOOK, root / "notebooks" / "run" / "01.ipynb",
                           {"scenario": "base"}, cwd=root / "notebooks")
    assert run.ok, str(run.failure)
    nb = nbformat.read(run.output, as_version=4)
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.output_type == "stream")
    assert f"workbook: {root.resolve()}" in printed


# ---------------------------------------------------------------- hygiene of the committed notebooks
def _committed():
    return sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((ROOT / "tests" / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", _committed(), ids=lambda p: p.name)
def test_committed_notebook_carries_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name}: clear outputs"
    assert "papermill" not in nb["metadata"]


def test_committed_notebooks_are_what_the_generator_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.NOTEBOOKS) == [p.name for p in sorted(NOTEBOOKS.glob("*.ipynb"))], (
        "every notebook in notebooks/ comes from make_notebooks.py")
    for name, cells in module.NOTEBOOKS.items():
        fresh = module.write(name, cells, tmp_path)
        assert fresh.read_text(encoding="utf-8") == (NOTEBOOKS / name).read_text(encoding="utf-8"), (
            f"{name} differs from notebooks/make_notebooks.py; run it to regenerate")


def test_every_workbook_notebook_has_a_parameters_cell():
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, SCENARIO_NOTEBOOK, ACROSS_NOTEBOOK, SWEEP_NOTEBOOK):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])], name


def test_base_closed_form_is_the_hand_worked_value():
    from dgforecast.simulate import closed_form_p_met

    # gap = ln(5400/4621.25) - 4 ln 1.06 + s²/2 = -0.0761, spread = sqrt(4 x 0.06² + ln(1 + 0.05²)) = 0.1300
    assert round(closed_form_p_met(5400, 4621.25, 4, 0.06, 0.06, 1.0, 0.05), 4) == 0.7209


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_notebook_agrees_with_the_closed_form(executed, scenario):
    import math

    import pandas as pd

    from dgforecast.simulate import closed_form_p_met

    params = resolve_scenario(ROOT / "params.yaml", scenario, SMALL)
    if params.engine != "lognormal" or params.as_of_year != 2021:
        pytest.skip("closed form checked for the lognormal engine from the 2021 baseline")
    run = executed[f"03_scenario/{scenario}"]
    summary = pd.read_csv(run.output.parent.parent / f"{scenario}.csv").set_index("target_id")
    growth = [params.nominal_growth(y) for y in range(2022, 2026)]
    exact = closed_form_p_met(5400, 4621.25, 4, growth, params.volatility, params.revenue_to_output_ratio,
                              params.revenue_to_output_ratio_sd)
    se = math.sqrt(exact * (1 - exact) / params.n_sims)
    assert abs(summary.loc["cluster_revenue_2025", "p_met"] - exact) < 4 * se

"""Where the workbook is: found from the current folder upward, as git finds its repository."""

import fnmatch
import shutil
from pathlib import Path

import pytest

from dgforecast.core.config import (
    ACROSS_NOTEBOOK,
    NUMBERED_NOTEBOOKS,
    SCENARIO_NOTEBOOK,
    SWEEP_NOTEBOOK,
    TRACKING_NOTEBOOK,
    ProjectPaths,
    find_project,
    is_project_root,
    shipped_notebooks,
)
from dgforecast.core.errors import ProjectNotFound
from tests.conftest import REPO


def _workbook(folder):
    (folder / "data" / "raw").mkdir(parents=True)
    (folder / "params.yaml").write_text("defaults: {}\n", encoding="utf-8")
    return folder


def test_a_workbook_is_a_folder_with_params_yaml_and_data_raw(tmp_path):
    assert not is_project_root(tmp_path)
    (tmp_path / "params.yaml").write_text("", encoding="utf-8")
    assert not is_project_root(tmp_path)  # params.yaml alone is not enough
    (tmp_path / "data" / "raw").mkdir(parents=True)
    assert is_project_root(tmp_path)


def test_the_paths_of_a_workbook(tmp_path):
    paths = ProjectPaths(tmp_path)
    assert (paths.raw, paths.processed, paths.reports, paths.params_file) == (
        tmp_path / "data" / "raw", tmp_path / "data" / "processed", tmp_path / "reports", tmp_path / "params.yaml")


def test_the_workbook_is_found_from_a_folder_inside_it(tmp_path, monkeypatch):
    root = _workbook(tmp_path / "wb")
    (root / "reports" / "2026-01-01").mkdir(parents=True)
    monkeypatch.chdir(root / "reports" / "2026-01-01")
    assert find_project().root == root.resolve()


def test_a_folder_given_explicitly_must_itself_be_the_workbook(tmp_path):
    root = _workbook(tmp_path / "wb")
    assert find_project(root).root == root.resolve()
    assert find_project(str(root / "data" / ".." )).root == root.resolve()
    with pytest.raises(ProjectNotFound) as refused:
        find_project(root / "data")
    assert str(refused.value) == (f"{(root / 'data').resolve()}: not a dgforecast workbook (needs params.yaml and "
                                  "data/raw/); give the folder that holds them with --project")


def test_no_workbook_here_or_above_says_where_it_looked(tmp_path, monkeypatch):
    if any(is_project_root(folder) for folder in tmp_path.resolve().parents):
        pytest.skip("a folder above the temporary folder is a workbook")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectNotFound) as refused:
        find_project()
    assert str(refused.value) == (f"{tmp_path.resolve()}: no dgforecast workbook here or above (looked for "
                                  "params.yaml and data/raw/); cd into the workbook or pass --project DIR")


def test_a_report_runs_every_numbered_notebook_and_only_those():
    names = ["01_plan_baselines.ipynb", SCENARIO_NOTEBOOK, "07_my_own_check.ipynb", "scratch.ipynb",
             "3_short.ipynb", "03_scenario.py", "100_too_many.ipynb"]
    assert [n for n in names if fnmatch.fnmatch(n, NUMBERED_NOTEBOOKS)] == [
        "01_plan_baselines.ipynb", "03_scenario.ipynb", "07_my_own_check.ipynb"]


def test_the_notebooks_the_report_names_are_numbered_and_distinct():
    named = [SCENARIO_NOTEBOOK, ACROSS_NOTEBOOK, SWEEP_NOTEBOOK, TRACKING_NOTEBOOK]
    assert all(fnmatch.fnmatch(n, NUMBERED_NOTEBOOKS) for n in named)
    assert [n[:2] for n in named] == ["03", "04", "05", "06"]


# ---------------------------------------------------------------- which notebooks a plan folder runs
def test_a_plan_folder_with_notebooks_of_its_own_runs_them(tmp_path):
    (tmp_path / "plan" / "notebooks").mkdir(parents=True)
    (tmp_path / "notebooks").mkdir()
    shutil.copy(REPO / "notebooks" / SCENARIO_NOTEBOOK, tmp_path / "notebooks")
    assert ProjectPaths(tmp_path / "plan").notebooks == tmp_path / "plan" / "notebooks"


def test_a_plan_folder_under_a_workbook_runs_the_workbooks_notebooks(tmp_path):
    plan = tmp_path / "workbook" / "plans" / "one"
    plan.mkdir(parents=True)
    (tmp_path / "workbook" / "notebooks").mkdir()
    shutil.copy(REPO / "notebooks" / SCENARIO_NOTEBOOK, tmp_path / "workbook" / "notebooks")
    (tmp_path / "notebooks").mkdir()  # a folder of someone's own notebooks further up is not the workbook's
    assert ProjectPaths(plan).notebooks == (tmp_path / "workbook" / "notebooks").resolve()


def test_a_plan_folder_anywhere_runs_the_notebooks_the_package_ships(tmp_path):
    (tmp_path / "notebooks").mkdir()  # holds no scenario notebook: not the workbook's
    found = ProjectPaths(tmp_path / "plan").notebooks
    assert found == shipped_notebooks() and (found / SCENARIO_NOTEBOOK).is_file()
    # from this checkout (an editable install) the package's copy is the repository's notebooks/ itself
    assert found.resolve() == (REPO / "notebooks").resolve() or found.parent.name == "dgforecast"
    assert isinstance(found, Path)

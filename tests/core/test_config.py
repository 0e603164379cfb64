"""Which notebooks a workbook runs: its own, the workbook's above it, or the package's copy."""

import shutil
from pathlib import Path

from dgforecast.core.config import SCENARIO_NOTEBOOK, ProjectPaths, shipped_notebooks
from tests.conftest import REPO


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

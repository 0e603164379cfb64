"""An economist's everyday edits of the workbook never break it, nor the test suite (issue 13).

The edits of the issue: a scenario of one's own (label starting with a digit, no comments) in
params.yaml, and a new valid row in data/raw/ files (target_progress.csv, evidence.csv: an exact figure and a
growth rate).
"""

import re
import shutil
import subprocess
import sys

import pytest

from dgforecast.cli import main
from dgforecast.core.config import find_project
from dgforecast.core.errors import ProjectNotFound
from tests.conftest import NOT_YET_ON_THE_FIXTURE, REPO, SHIPPED

DIRECTOR = ("  director_2023dip:\n    label_zh: 2023年下滑情景\n    label_en: 2023 dip\n    growth: 0.05\n"
            "    growth_overrides:\n      2023: -0.03\n    revenue_to_output_ratio: 0.95\n")
NEW_ROWS = {
    "target_progress.csv": "first_sets_2025,2022,12,2023-02,https://example.org/first-sets-2022,entered by hand\n",
    "evidence.csv": ("em_va_2023_ytd06,cluster_value_added,2023,YTD_M06,growth,4.1,%,,real,2023-07,press_or_official,"
                     "https://example.org/va-2023,增长4.1%,DG_EM_IVA; a made-up row in the shape of a real one\n"
                     "em_out_2023,cluster_output,2023,year,level,5263.17,亿元,exact,,2024-03,press_or_official,"
                     "https://example.org/out-2023,总产值5263.17亿元,DG_EM_OUT; a made-up exact figure\n"),
}


def make_the_edits(root):
    """The issue's edits, made by hand as a user would: append to the files."""
    with open(root / "params.yaml", "a", encoding="utf-8") as f:
        f.write(DIRECTOR)
    for name, row in NEW_ROWS.items():
        with open(root / "data" / "raw" / name, "a", encoding="utf-8") as f:
            f.write(row)


# ---------------------------------------------------------------- the commands take the edits
def test_the_issue_edits_leave_data_params_and_assess_working(workbook, capsys):
    make_the_edits(workbook)
    assert main(["--project", str(workbook), "data"]) == 0
    assert main(["--project", str(workbook), "params", "director_2023dip"]) == 0
    assert "scenarios.director_2023dip.growth has no comment saying why" in capsys.readouterr().err
    assert main(["--project", str(workbook), "assess", "director_2023dip", "--as-of", "2026-11",
                 "-p", "n_sims=2000"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("director_2023dip (2023年下滑情景 / 2023 dip)")
    assert "em_va_2023_ytd06" in out.splitlines()[1] and "em_out_2023" in out.splitlines()[1]  # new rows used
    first_sets = next(line for line in out.splitlines() if line.startswith("first_sets_2025"))
    assert "%" in first_sets  # 12 counted in 2022: the count target now has a probability


# ---------------------------------------------------------------- the suite does not read the live workbook
def test_fixture_workbooks_are_copies_outside_the_repository(shipped, workbook):
    for root in (shipped, workbook):
        assert root.resolve() != REPO and REPO not in root.resolve().parents
        assert find_project(root).root == root.resolve()
    assert sorted(p.name for p in (SHIPPED / "data" / "raw").iterdir()) == sorted(
        p.name for p in (shipped / "data" / "raw").iterdir())


def test_the_repository_is_not_a_workbook_while_tests_run(monkeypatch):
    with pytest.raises(ProjectNotFound, match="not a dgforecast workbook"):
        find_project(REPO)
    monkeypatch.chdir(REPO)
    with pytest.raises(ProjectNotFound, match="no dgforecast workbook here or above"):
        find_project()


LIVE_PATHS = [
    re.compile(r"\b(ROOT|REPO)\s*/\s*\"(params\.yaml|data)\""),   # the user's params.yaml or data/
    re.compile(r"(load_inputs\(|project=|--project\", str\()(ROOT|REPO)\b"),  # the user's workbook as a project
]
#: Test files that read this repository for its package code, not its workbook.
READS_THE_PACKAGE = {"test_architecture.py", "test_user_edits.py"}


def test_no_test_names_the_live_params_or_data():
    offenders = []
    for path in sorted((REPO / "tests").glob("test_*.py")):
        if path.name in NOT_YET_ON_THE_FIXTURE | READS_THE_PACKAGE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(pattern.search(line) for pattern in LIVE_PATHS):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.slow
def test_the_suite_stays_green_when_the_live_workbook_is_edited(tmp_path):
    # A copy of the repository whose own workbook has the issue's edits: the tests that used to
    # fail on them ("no comment saying why", "assert 77 == 76", "line 2") run there and pass.
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "tests", copy / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "notebooks", copy / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(SHIPPED / "data", copy / "data")
    shutil.copy(SHIPPED / "params.yaml", copy / "params.yaml")
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    make_the_edits(copy)
    files = ["tests/plan/test_params.py", "tests/plan/test_data.py", "tests/plan/test_evidence.py", "tests/present/test_pages.py"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
                          cwd=copy, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout

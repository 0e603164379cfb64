"""Shared fixtures: the tests run on a workbook of their own, never on the user's.

The workbook in this repository (params.yaml and data/raw/) is the user's: an economist adds
scenarios and enters new figures there, and those edits must leave ``make test`` green. So the
tests read a pinned copy of the workbook *as shipped*, committed under ``tests/fixtures/workbook/``
(made once with ``git show HEAD:<file>`` from the shipped params.yaml and data/raw/).

Why a committed copy rather than ``git show HEAD:...`` at test time: HEAD moves when the user
commits their own edits (it would then be the user's data again), and a tarball or pip sdist has
no git at all. The price: when the *package* needs a change to the shipped data (a new column, a
new raw file), refresh the fixture in the same commit::

    for f in $(git ls-files data/raw) params.yaml; do git show HEAD:$f > tests/fixtures/workbook/$f; done

What the shipped data must satisfy (the plan's figures, the cross-checks) is tested on this copy,
and ``dgforecast data`` checks the same on the live workbook. The notebooks are package code, not
user data: they are copied from the repository.
"""

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: The workbook as shipped, pinned; read it through ``shipped`` or ``workbook``, never write to it.
SHIPPED = Path(__file__).resolve().parent / "fixtures" / "workbook"
#: The plan of the shipped workbook (data/raw/plan.yaml): its measures, which the evidence loader checks rows against.
from dgforecast.plan import load_plan  # noqa: E402  (after the paths it is read from)

PLAN = load_plan(SHIPPED / "data" / "raw")
#: The repository root, for its notebooks/ (package code) only; its params.yaml and data/raw/ are
#: the user's. Kept under its old name for test files not yet moved onto the fixture.
ROOT = REPO

#: Test files owned elsewhere that still read the live workbook; the guard below spares them
#: until they move onto ``shipped``/``workbook`` (then delete them from this set).
NOT_YET_ON_THE_FIXTURE: set = set()


def copy_workbook(root: Path) -> Path:
    """Copy the shipped workbook (and the repository's notebooks) to ``root``; return ``root``."""
    shutil.copytree(SHIPPED / "data" / "raw", root / "data" / "raw")
    (root / "data" / "processed").mkdir()
    shutil.copy(SHIPPED / "params.yaml", root / "params.yaml")
    if (REPO / "notebooks").is_dir():
        shutil.copytree(REPO / "notebooks", root / "notebooks")
    return root


@pytest.fixture(scope="session")
def shipped(tmp_path_factory):
    """One copy of the shipped workbook for the whole session, for tests that only read it.

    A copy rather than ``SHIPPED`` itself, because commands write data/processed/ and reports/
    into the workbook they are given; tests that edit the workbook use ``workbook`` instead.
    """
    return copy_workbook(tmp_path_factory.mktemp("shipped") / "workbook")


@pytest.fixture
def workbook(tmp_path):
    """A fresh copy of the shipped params.yaml and data/raw/ (and notebooks/); returns its root."""
    return copy_workbook(tmp_path / "workbook")


@pytest.fixture(autouse=True)
def live_workbook_is_not_a_workbook(request, monkeypatch):
    """While a test runs, the repository's own folder is not a workbook to the package.

    Any command or loader that would find the user's params.yaml and data/raw/ (``--project``
    the repository, or a default found from the current folder) fails with "not a dgforecast
    workbook", so a test that depends on the live data cannot pass by accident.
    """
    if request.path.name in NOT_YET_ON_THE_FIXTURE:
        return
    import dgforecast.config as config

    real = config.is_project_root

    def refuse_the_live_workbook(folder):
        return Path(folder).resolve() != REPO and real(folder)

    monkeypatch.setattr(config, "is_project_root", refuse_the_live_workbook)


@pytest.fixture
def fake_workbook(workbook):
    """The workbook with tiny stand-in notebooks (a kernel each, a second or two), so the report
    machinery is tested in seconds: 03 writes a summary and fails for the shock scenario, the others
    echo their parameters."""
    from dgforecast.notebook import (ACROSS_NOTEBOOK, HISTORY_NOTEBOOK, PLAN_NOTEBOOK, SCENARIO_NOTEBOOK,
                                     TRACKING_NOTEBOOK)

    fixtures, nb = Path(__file__).parent / "notebooks", workbook / "notebooks"
    shutil.rmtree(nb, ignore_errors=True)
    nb.mkdir()
    shutil.copy(fixtures / "writes_summary_fails_for_shock.ipynb", nb / SCENARIO_NOTEBOOK)
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, ACROSS_NOTEBOOK, TRACKING_NOTEBOOK):
        shutil.copy(fixtures / "echoes_parameters.ipynb", nb / name)
    return workbook

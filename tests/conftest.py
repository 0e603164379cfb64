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

import datetime as dt
import fcntl
import io
import os
import pickle
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# jsonschema (imported by nbformat, so by the notebook tests and papermill) loads the optional
# rfc3987_syntax when it is installed (jupyter-events asks for it), which builds an Earley parser of
# RFC 3987 on import: 1.7 s of CPU in every test session, for "iri" format checks that no notebook
# schema uses. Without it jsonschema simply has no "iri" checker.
sys.modules.setdefault("rfc3987_syntax", None)

REPO = Path(__file__).resolve().parents[1]
#: The workbook as shipped, pinned; read it through ``shipped`` or ``workbook``, never write to it.
SHIPPED = Path(__file__).resolve().parent / "fixtures" / "workbook"
#: The plan of the shipped workbook (data/raw/plan.yaml): its measures, which the evidence loader checks rows against.
from dgforecast.plan.plan_file import load_plan  # noqa: E402  (after the paths it is read from)

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
    import dgforecast.core.config as config

    real = config.is_project_root

    def refuse_the_live_workbook(folder):
        return Path(folder).resolve() != REPO and real(folder)

    monkeypatch.setattr(config, "is_project_root", refuse_the_live_workbook)


#: The fake workbook's paths: its stand-in notebooks ignore them, but every report assesses the headline
#: scenario again for the index and the memo (``report_facts``), which at the shipped 20,000 paths costs
#: a second or two more per report, and the suite builds some twenty of them.
FAKE_N_SIMS = ("  n_sims: 20000 ", "  n_sims: 2000  ")
#: And a floor of 500 effective paths instead of 2,000 (``evidence.min_ess``): under the round reading the
#: headline's assessment otherwise draws again up to 16,000 paths to reach the floor, and the table of what the
#: verdict hinges on does so at each of its 31 ratios: 13 s of each report's 17, against 4.6 s.
FAKE_READING_LINE = "    reading: plain        # 突破 read as a bound only"
FAKE_MIN_ESS = "    min_ess: 500          # the fake workbook's reports test the machinery, not the numbers\n"


def make_fake(workbook: Path) -> Path:
    """Give a copy of the workbook the stand-in notebooks of tests/notebooks/ (see ``fake_workbook``)."""
    from dgforecast.core.config import ACROSS_NOTEBOOK, SCENARIO_NOTEBOOK, TRACKING_NOTEBOOK
    HISTORY_NOTEBOOK = "02_history_and_models.ipynb"
    PLAN_NOTEBOOK = "01_plan_baselines.ipynb"

    params_file = workbook / "params.yaml"
    text = params_file.read_text(encoding="utf-8")
    assert text.count(FAKE_N_SIMS[0]) == 1, "the shipped params.yaml no longer sets n_sims: update FAKE_N_SIMS"
    assert text.count(FAKE_READING_LINE) == 1, "the shipped params.yaml moved evidence.reading: update FAKE_READING_LINE"
    text = text.replace(*FAKE_N_SIMS).replace(FAKE_READING_LINE, FAKE_MIN_ESS + FAKE_READING_LINE)
    params_file.write_text(text, encoding="utf-8")  # the shipped lines with their comments, and one line more
    fixtures, nb = Path(__file__).parent / "notebooks", workbook / "notebooks"
    shutil.rmtree(nb, ignore_errors=True)
    nb.mkdir()
    shutil.copy(fixtures / "writes_summary_fails_for_shock.ipynb", nb / SCENARIO_NOTEBOOK)
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, ACROSS_NOTEBOOK, TRACKING_NOTEBOOK):
        shutil.copy(fixtures / "echoes_parameters.ipynb", nb / name)
    return workbook


@pytest.fixture
def fake_workbook(workbook):
    """The workbook with tiny stand-in notebooks (a kernel each, a second or two), so the report
    machinery is tested in seconds: 03 writes a summary and fails for the shock scenario, the others
    echo their parameters. 2,000 paths instead of 20,000 (``FAKE_N_SIMS``), with a floor of 500 effective
    paths (``FAKE_MIN_ESS``)."""
    return make_fake(workbook)


# ---------------------------------------------------------------- reports built once for the session
def built_once(tmp_path_factory, worker_id, name, build):
    """What ``build(folder)`` returns, built once for the whole run.

    Without pytest-xdist (``worker_id`` "master") this process builds it. Under xdist the first worker to ask
    builds it in the run's shared temporary folder while the others wait on a lock, then every worker reads
    the pickle it left: a session fixture is otherwise built again by every worker, each a report's worth
    of kernels on a machine of two cores. What it returns must pickle; its folder is read, never written.
    """
    if worker_id == "master":
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's; each worker's base folder is inside it
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = shared / f"{name}.pickle"
        if not saved.exists():  # a worker whose build failed left no pickle: the next one tries again
            built = build(Path(tempfile.mkdtemp(prefix=f"{name}-", dir=shared)))
            saved.write_bytes(pickle.dumps(built))
        return pickle.loads(saved.read_bytes())


@pytest.fixture(scope="session")
def fake_report(tmp_path_factory, worker_id) -> Path:
    """A complete report of the fake workbook's base scenario, as ``report --scenarios base -j 1`` writes it.

    Built once for all the test workers (``built_once``): a test that needs an earlier report in place before
    the run it is about copies this one in (``put_report``) instead of building its own (five kernels and an
    assessment, about ten seconds on 2 cores). Read it, never write to it.
    """
    return built_once(tmp_path_factory, worker_id, "fake_report", _build_fake_report)


def _build_fake_report(folder: Path) -> Path:
    from dgforecast.run import report

    root = make_fake(copy_workbook(folder / "workbook"))
    result = report.build_report(root, "base", workers=1, progress_stream=io.StringIO())
    assert result.ok, [str(result.runs[name].failure) for name in result.failures]
    return result.folder


def put_report(built: Path, workbook: Path, out: Path | None = None) -> Path:
    """Copy the report ``built`` into ``workbook`` as a finished run would have left it; return its folder.

    With ``out``: at ``out`` (``report --out``). Without: as ``reports/<today>`` (the first name a
    report of the day takes) with ``reports/latest`` a relative link to it.
    """
    if out is not None:
        shutil.copytree(built, out, symlinks=True)
        return out
    reports = workbook / "reports"
    folder = reports / dt.date.today().isoformat()
    shutil.copytree(built, folder, symlinks=True)
    os.symlink(folder.name, reports / "latest", target_is_directory=True)
    return folder


@dataclass
class BuiltReport:
    """``built_report``: the workbook it was made from, the report folder, its sweep file and what it printed."""

    root: Path
    folder: Path
    sweep_file: Path
    progress: str
    result: object  # report.ReportResult


#: The scenarios of ``built_report``: the headline one and the one with growth overrides (shock years).
BUILT_SCENARIOS = "base,shock"


@pytest.fixture(scope="session")
def built_report(tmp_path_factory, worker_id) -> BuiltReport:
    """One real report of the shipped workbook for the session: every notebook of notebooks/, few paths.

    Two scenarios (``BUILT_SCENARIOS``) and a small sweep file, so every kind of page is there (index,
    01, 02, 04, 05, 06, two scenario pages, memo.docx), at 2,000 paths. The browser tests open it, and
    the tests that read what a report's notebooks wrote read it instead of running them again
    (tests/run/test_notebooks_execute.py, the sweep page of tests/run/test_report.py). Read it, never write to it.
    """
    return built_once(tmp_path_factory, worker_id, "built_report", _build_report)


def _build_report(folder: Path) -> BuiltReport:
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.run import report
    from dgforecast.run.pipeline import load_inputs
    from dgforecast.run.sweep import grid_points, make_setup, parse_grid, sweep, write_results

    root = copy_workbook(folder / "workbook")
    grid = parse_grid(["growth=0:0.08:0.02", "revenue_to_output_ratio=0.9,1.0"])
    setup = make_setup(load_inputs(root), resolve_scenario(root / "params.yaml", "base", {"n_sims": 2000}))
    sweep_file = write_results(sweep(grid_points(grid), setup), root.parent / "sweep.csv")
    stream = io.StringIO()
    result = report.build_report(root, BUILT_SCENARIOS, out=root.parent / "report", workers=2,
                                 overrides={"n_sims": 2000}, progress_stream=stream, sweep_file=sweep_file)
    assert result.ok, [str(result.runs[name].failure) for name in result.failures]
    return BuiltReport(root, result.folder, sweep_file, stream.getvalue(), result)


@pytest.fixture(scope="session")
def built_portfolio(tmp_path_factory, worker_id) -> tuple:
    """The four workbooks of tests/run/portfolio_reports.py with their reports, and the portfolio written from
    them, once for the session (the page's and the browser's tests read it): (roots, out folder)."""
    return built_once(tmp_path_factory, worker_id, "portfolio", _build_portfolio)


def _build_portfolio(folder: Path) -> tuple:
    from dgforecast.cli import main
    from tests.run.portfolio_reports import four_workbooks

    roots, out = four_workbooks(folder / "plans"), folder / "portfolio"
    assert main(["portfolio", *map(str, roots), "--out", str(out)]) == 0
    return roots, out


def track_rows():
    """A track of three vintages of the revenue target, as tracking.track gives it (for charts and tables)."""
    import pandas as pd

    return pd.DataFrame({"as_of": ["2022-01", "2022-11", "2025-12"], "target_id": "cluster_revenue_2025",
                         "p_met": [0.7, 0.75, 0.85], "median": [5800.0, 5850.0, 6000.0],
                         "q10": [4900.0, 5000.0, 5300.0], "q90": [6900.0, 6850.0, 6950.0],
                         "evidence_arrived": ["", "em_va_2022_ytd09", "em_out_2025_at_least;city_ratio_2024_at_most"]})


@pytest.fixture(autouse=True)
def kernels_only_when_marked(request, monkeypatch):
    """A test of the fast tier that starts a Jupyter kernel fails, saying to mark it ``notebooks``."""
    if {m.name for m in request.node.iter_markers()} & {"slow", "notebooks", "browser"}:
        return
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    def refuse(*args, **kwargs):
        pytest.fail("this test starts a Jupyter kernel: mark it @pytest.mark.notebooks (out of make test-fast)")

    monkeypatch.setattr(KernelManager, "start_kernel", refuse)
    monkeypatch.setattr(AsyncKernelManager, "start_kernel", refuse)
    monkeypatch.setattr(AsyncKernelManager, "_async_start_kernel", refuse, raising=False)


def with_outcome(tmp_path, value, published="2026-03"):
    """The shipped workbook's tables with one more row of evidence: an exact 2025 revenue of the cluster, the
    outcome of its revenue target itself (as ``load_inputs`` gives them; the evidence file written in ``tmp_path``)."""
    import pandas as pd

    from dgforecast.plan.evidence import COLUMNS, load_evidence
    from dgforecast.run.pipeline import load_inputs

    inputs = load_inputs(SHIPPED)
    row = {"evidence_id": "rev_2025", "measure": "cluster_revenue", "year": 2025, "period": "year", "kind": "level",
           "value": value, "unit": "亿元", "precision": "exact", "price_basis": "", "published": published,
           "reliability": "official", "source_url": "https://example.org/test", "source_phrase": "test", "note": "test"}
    path = tmp_path / "evidence.csv"
    frame = pd.concat([pd.read_csv(SHIPPED / "data" / "raw" / "evidence.csv", dtype=str), pd.DataFrame([row])])
    frame[COLUMNS].to_csv(path, index=False)
    return {**inputs, "evidence": load_evidence(path, PLAN, today=None)}

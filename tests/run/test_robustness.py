"""Scheduled and hostile use: overlapping runs, kills, a full disk, protected raw data, implausible figures.

Each test is one case of issue 12, run as a user or a scheduler would, and checks what is left on
disk as well as the exit code. Tests that start processes find every one of them by PID and end
any left over, and every wait is bounded.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.config import ACROSS_NOTEBOOK, SCENARIO_NOTEBOOK, TRACKING_NOTEBOOK
from dgforecast.run import report

HISTORY_NOTEBOOK = "02_history_and_models.ipynb"
PLAN_NOTEBOOK = "01_plan_baselines.ipynb"
from tests.conftest import put_report

FIXTURES = Path(__file__).resolve().parents[1] / "notebooks"
DGFORECAST = Path(sys.executable).with_name("dgforecast")
ACTUALS_HEADER = ("series_id,region,industry,metric,unit,year,period,value,basis,price_basis,reliability,"
                  "source_url,source_phrase\n")


def _actual(series="DG_EM_OUT", year=2022, value="5000", basis="level", unit="亿元"):
    return f"{series},Dongguan,电气机械,总产值,{unit},{year},year,{value},{basis},current,press_or_official,http://x,y\n"


def _append_history(workbook, row) -> int:
    """Append one row to the published history; return its line number."""
    path = workbook / "data/raw/dongguan_published_to_2021.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + row, encoding="utf-8")
    return len(text.splitlines()) + 1


def _one_error_line(capsys) -> str:
    """The one line of stderr after any progress lines (``[k/n] notebook: ok``)."""
    err = [line for line in capsys.readouterr().err.strip().splitlines() if not line.startswith("[")]
    assert len(err) == 1, err
    return err[0]


# ---------------------------------------------------------------- 5. data/raw is never written
@pytest.mark.parametrize("argv", [
    ["forecast", "--input", "{wb}/s.csv", "--horizon", "2", "--output", "{wb}/data/raw/actuals.csv"],
    ["forecast", "--input", "{wb}/s.csv", "--horizon", "2", "--output", "{wb}/data/../data/raw/new.csv"],
    ["run", "base", "--out", "{wb}/data/raw"],
    ["report", "--scenarios", "base", "--out", "{wb}/data/raw/x"],
    ["sweep", "--grid", "growth=0.01,0.02", "--out", "{wb}/data/raw/s.csv"],
])
def test_no_command_writes_under_data_raw(workbook, capsys, argv):
    (workbook / "s.csv").write_text("series_id,year,value\na,2015,1\na,2016,2\na,2017,3\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (workbook / "data" / "raw").iterdir()}
    code = main(["--project", str(workbook), *[a.format(wb=workbook) for a in argv]])
    assert code == 2
    assert "data/raw/ holds the sources" in _one_error_line(capsys)
    assert {p.name: p.read_bytes() for p in (workbook / "data" / "raw").iterdir()} == before


def test_forecast_output_into_another_workbooks_raw_is_refused_without_project(workbook, tmp_path, capsys,
                                                                              monkeypatch):
    (tmp_path / "s.csv").write_text("series_id,year,value\na,2015,1\na,2016,2\na,2017,3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no workbook here or above: only the output's own workbook says no
    code = main(["forecast", "--input", "s.csv", "--horizon", "2", "--output", str(workbook / "data/raw/a.csv")])
    assert code == 2 and "data/raw/ holds the sources" in _one_error_line(capsys)
    assert not (workbook / "data" / "raw" / "a.csv").exists()


# ---------------------------------------------------------------- 6 and 8. raw files: one line, exit 2
def _data_error(workbook, capsys) -> str:
    code = main(["--project", str(workbook), "data"])
    assert code == 2
    return _one_error_line(capsys)


def test_unquoted_thousands_separator_names_file_and_line(workbook, capsys):
    n = _append_history(workbook, _actual(year=2020, value="5,000"))
    line = _data_error(workbook, capsys)
    assert f"dongguan_published_to_2021.csv: line {n}: 14 fields where the header has 13" in line
    assert "5000, not 5,000" in line


@pytest.mark.parametrize("value", ["0", "-4621.25"])
def test_a_level_that_is_not_positive_is_refused_by_dgforecast_data(workbook, capsys, value):
    n = _append_history(workbook, _actual(year=2020, value=value))
    line = _data_error(workbook, capsys)
    assert f"dongguan_published_to_2021.csv: line {n}, column value: level" in line and "must be positive" in line


@pytest.mark.parametrize("value, ok", [("4621.25", True), ("4621", True), ("4621.3", True), ("4700", False),
                                       ("4621.4", False)])
def test_an_actual_for_the_plans_own_year_must_match_the_plan_within_rounding(workbook, capsys, value, ok):
    _append_history(workbook, _actual(year=2021, value=value))
    if ok:
        assert main(["--project", str(workbook), "data"]) == 0
        return
    line = _data_error(workbook, capsys)
    assert f"DG_EM_OUT 2021 = {value} contradicts the plan's 2021 figure 4621.25" in line


@pytest.mark.parametrize("year, value, ok", [(2022, "5000", True), (2013, "1200", True), (2022, "50000", False),
                                             (2013, "400", False)])
def test_a_plan_series_in_another_year_lies_within_a_factor_of_10_of_the_plan(workbook, capsys, year, value, ok):
    n = _append_history(workbook, _actual(year=year, value=value))
    if ok:
        assert main(["--project", str(workbook), "data"]) == 0
        return
    line = _data_error(workbook, capsys)
    assert (f"dongguan_published_to_2021.csv: line {n}, column value: DG_EM_OUT {year} = {value} is not within a "
            "factor of 10 of the plan's 2021 figure 4621.25") in line


def test_fit_on_a_history_row_of_2099_names_the_file_and_line(workbook, capsys):
    path = workbook / "data/raw/dongguan_published_to_2021.csv"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("DG_IVA,Dongguan,全市,规模以上工业增加值,亿元,2099,year,6000,level,current,press_or_official,http://x,y\n")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert main(["--project", str(workbook), "fit", "DG_IVA"]) == 2
    line = _one_error_line(capsys)
    assert f"dongguan_published_to_2021.csv: line {lines}, column year: year 2099 has not begun" in line


@pytest.mark.parametrize("count, what", [("2.5", "whole number"), ("1000000000000", "whole number"),
                                         ("-1", "whole number")])
def test_progress_counts_are_whole_numbers_within_a_bound(workbook, capsys, count, what):
    (workbook / "data/raw/target_progress.csv").write_text(
        f"target_id,year,count,published,source\nown_brands_2025,2022,{count},2023-01,http://x\n", encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert "target_progress.csv: line 2, column count" in line and "from 0 to 100,000" in line


@pytest.mark.parametrize("year", [2021, 2026, 2019])
def test_progress_outside_the_plan_window_is_refused_not_dropped(workbook, capsys, year):
    (workbook / "data/raw/target_progress.csv").write_text(
        f"target_id,year,count,published,source\nown_brands_2025,{year},3,{year + 1}-01,http://x\n",
        encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert f"year {year} is outside the plan window of own_brands_2025 (2022-2025" in line


def test_progress_inside_the_window_still_loads(workbook):
    (workbook / "data/raw/target_progress.csv").write_text(
        "target_id,year,count,published,source\nown_brands_2025,2022,3,2023-01,http://x\n"
        "own_brands_2025,2025,0,2026-01,http://x\n", encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 0


def test_a_retired_actuals_file_with_a_figure_says_to_move_it_to_the_evidence(workbook, capsys):
    (workbook / "data/raw/actuals.csv").write_text(ACTUALS_HEADER + _actual(year=2023), encoding="utf-8")
    code = main(["--project", str(workbook), "assess", "base"])
    assert code == 2
    line = _one_error_line(capsys)
    assert "actuals.csv: is no longer read" in line and "move each row to evidence.csv" in line


def test_data_processed_being_a_file_is_one_line_and_exit_2(workbook, capsys):
    shutil.rmtree(workbook / "data" / "processed")
    (workbook / "data" / "processed").write_text("not a folder", encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 2
    assert "data/processed" in _one_error_line(capsys)


def _tables(folder) -> dict:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_full_disk_while_writing_data_processed_keeps_every_old_table_and_names_the_file(workbook, capsys,
                                                                                        monkeypatch):
    processed = workbook / "data" / "processed"
    assert main(["--project", str(workbook), "data"]) == 0
    before = _tables(processed)
    _edit_raw(workbook, "plan_baselines.csv", "4621.25,level", "4700,level")  # new tables would differ
    capsys.readouterr()
    real = pd.DataFrame.to_csv

    def full_disk_at_targets(frame, path=None, *args, **kwargs):
        if path is not None and Path(path).name == "targets.csv":  # after timeseries, derived and checks
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(frame, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk_at_targets)
    assert main(["--project", str(workbook), "data"]) == 2
    assert _one_error_line(capsys) == (f"dgforecast: error: {processed / 'targets.csv'}: No space left on device; "
                                       f"{processed} is as it was")
    assert _tables(processed) == before
    assert sorted(p.name for p in (workbook / "data").iterdir()) == ["processed", "raw"]  # no staging left


@pytest.mark.slow
def test_builds_of_data_processed_at_once_all_succeed_and_a_killed_builds_staging_is_removed(workbook):
    import psutil

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(10)
    stale = workbook / "data" / f".processed.partial-{ended.pid}-abc"  # left by a build that was killed
    stale.mkdir()
    procs = [_start(workbook, "data") for _ in range(4)]
    seen = [psutil.Process(p.pid) for p in procs]
    try:
        done = [p.communicate(timeout=120) for p in procs]
    finally:
        _end_all(seen)
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in done]
    assert sorted(p.name for p in (workbook / "data").iterdir()) == ["processed", "raw"]
    assert sorted(p.name for p in (workbook / "data" / "processed").iterdir()) == [
        "checks.csv", "derived.csv", "divisions.csv", "targets.csv", "timeseries.csv"]
    assert len(pd.read_csv(workbook / "data" / "processed" / "targets.csv")) == 14


def _edit_raw(workbook, name, old, new):
    path = workbook / "data" / "raw" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("link, argv", [("data/processed", ["data"]), ("reports", ["run", "base"]),
                                        ("reports", ["report", "--scenarios", "base"])])
def test_a_folder_linked_into_data_raw_is_refused_and_nothing_is_written_there(fake_workbook, capsys, link, argv):
    shutil.rmtree(fake_workbook / link, ignore_errors=True)
    (fake_workbook / link).symlink_to(fake_workbook / "data" / "raw", target_is_directory=True)
    raw = fake_workbook / "data" / "raw"
    before = _tables(raw)
    assert main(["--project", str(fake_workbook), *argv]) == 2
    line = _one_error_line(capsys)
    assert "data/raw/ holds the sources and is never written (it leads to" in line and "through a link" in line
    assert _tables(raw) == before


def test_data_processed_as_a_link_to_another_folder_stays_a_link(workbook, tmp_path):
    elsewhere = tmp_path / "bigdisk"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("mine", encoding="utf-8")
    shutil.rmtree(workbook / "data" / "processed")
    (workbook / "data" / "processed").symlink_to(elsewhere, target_is_directory=True)
    assert main(["--project", str(workbook), "data"]) == 0
    assert (workbook / "data" / "processed").is_symlink()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["checks.csv", "derived.csv", "divisions.csv", "notes.txt",
                                                           "targets.csv", "timeseries.csv"]


@pytest.mark.slow
def test_track_out_on_a_full_disk_writes_neither_the_table_nor_the_chart(workbook, capsys, monkeypatch):
    from matplotlib.figure import Figure

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    out = workbook / "reports" / "t.csv"
    assert main(["--project", str(workbook), "track", "base", "-p", "n_sims=200", "--out", str(out)]) == 2
    assert _one_error_line(capsys) == f"dgforecast: error: {out.with_suffix('.png')}: No space left on device"
    assert sorted(p.name for p in out.parent.iterdir()) == []


def test_sweep_out_naming_a_folder_is_one_line_and_exit_2(workbook, capsys):
    (workbook / "reports" / "d.csv").mkdir(parents=True)
    code = main(["--project", str(workbook), "sweep", "--grid", "growth=0.01,0.02", "--sims", "200",
                 "--out", str(workbook / "reports" / "d.csv")])
    assert code == 2
    assert _one_error_line(capsys) == (f"dgforecast: error: --out {workbook / 'reports' / 'd.csv'}: is a folder; "
                                       "name a .csv or .parquet file")


def test_a_full_disk_while_writing_a_sweep_file_is_one_line_and_exit_2(workbook, capsys, monkeypatch):
    import dgforecast.run.sweep.results as results

    def full_disk(frame, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(results, "write_csv_atomic", full_disk)
    out = workbook / "reports" / "s.csv"
    code = main(["--project", str(workbook), "sweep", "--grid", "growth=0.01,0.02", "--sims", "200", "--out", str(out)])
    assert code == 2
    assert _one_error_line(capsys) == f"dgforecast: error: {out}: No space left on device"
    assert not out.exists()


def test_run_out_naming_a_file_is_one_line_and_exit_2(fake_workbook, capsys):
    target = fake_workbook / "notes.txt"
    target.write_text("mine", encoding="utf-8")
    assert main(["--project", str(fake_workbook), "run", "base", "--out", str(target)]) == 2
    assert "is a file; give a folder for the run" in _one_error_line(capsys)
    assert target.read_text(encoding="utf-8") == "mine"


# ---------------------------------------------------------------- 6. the reports folder: one line, exit 2
def _report(workbook, *extra):
    return main(["--project", str(workbook), "report", "--scenarios", "base", "-j", "1", *extra])


@pytest.mark.parametrize("case", ["file", "dangling link", "latest is a folder"])
def test_a_reports_folder_that_cannot_take_a_report_is_one_line_before_any_kernel(fake_workbook, capsys, case):
    reports = fake_workbook / "reports"
    if case == "file":
        reports.write_text("oops", encoding="utf-8")
        expected = "is a file, not a folder"
    elif case == "dangling link":
        reports.symlink_to(fake_workbook / "gone")
        expected = "which does not exist"
    else:
        (reports / "latest").mkdir(parents=True)
        (reports / "latest" / "mine.txt").write_text("kept", encoding="utf-8")
        expected = "latest: is a folder, not a link"
    assert _report(fake_workbook) == 2
    assert expected in _one_error_line(capsys)
    if case == "latest is a folder":
        assert sorted(p.name for p in reports.iterdir()) == ["latest"]  # no stray .latest-PID, no report
        assert (reports / "latest" / "mine.txt").read_text(encoding="utf-8") == "kept"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_reports_folder_is_one_line(fake_workbook, capsys):
    reports = fake_workbook / "reports"
    reports.mkdir()
    reports.chmod(0o555)
    try:
        assert _report(fake_workbook) == 2
        assert "not writable" in _one_error_line(capsys)
    finally:
        reports.chmod(0o755)


@pytest.mark.notebooks
def test_a_full_disk_while_writing_the_index_keeps_earlier_reports_and_leaves_no_staging(fake_workbook, fake_report,
                                                                                      capsys, monkeypatch):
    put_report(fake_report, fake_workbook)  # an earlier report, and latest pointing at it
    reports = fake_workbook / "reports"
    before = sorted(p.name for p in reports.iterdir())
    capsys.readouterr()

    def full_disk(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(report, "write_text_atomic", full_disk)
    assert _report(fake_workbook) == 2
    line = _one_error_line(capsys)
    assert line == (f"dgforecast: error: {reports}: No space left on device (writing index.html); the report was "
                    "not written and earlier reports are as they were")
    assert sorted(p.name for p in reports.iterdir()) == before


# ---------------------------------------------------------------- 4. --out never loses a report
def _summary(folder) -> list:
    return pd.read_csv(folder / "summary.csv")["p_met"].round(6).tolist()


@pytest.mark.notebooks
def test_a_failed_run_never_replaces_a_complete_report_at_out(fake_workbook, fake_report, capsys):
    out = put_report(fake_report, fake_workbook, fake_workbook / "published")  # a complete report at --out
    manifest = (out / "manifest.json").read_bytes()
    capsys.readouterr()
    # the scenario notebook now fails (as a full disk or a broken notebook would)
    shutil.copy(FIXTURES / "raises_in_cell3.ipynb", fake_workbook / "notebooks" / SCENARIO_NOTEBOOK)
    assert _report(fake_workbook, "--out", str(out)) == 1
    printed = capsys.readouterr().out
    assert (out / "manifest.json").read_bytes() == manifest and _summary(out) == [0.6]
    kept = [p for p in fake_workbook.iterdir() if p.name.startswith("published_")]
    assert len(kept) == 1 and f"report:  {kept[0] / 'index.html'}" in printed
    assert f"kept the report at {out} (it is a complete report)" in printed
    assert json.loads((kept[0] / "manifest.json").read_text(encoding="utf-8"))["failures"]
    assert [p.name for p in fake_workbook.iterdir() if ".partial-" in p.name] == []


@pytest.mark.notebooks
def test_a_complete_run_still_replaces_an_earlier_report_at_out(fake_workbook, fake_report):
    out = put_report(fake_report, fake_workbook, fake_workbook / "published")
    assert _summary(out) == [0.6]
    assert _report(fake_workbook, "--out", str(out), "-p", "growth=0.02") == 0
    assert _summary(out) == [0.2]
    assert sorted(p.name for p in fake_workbook.iterdir() if p.name.startswith("published")) == ["published"]


@pytest.mark.notebooks
def test_out_never_turns_the_reports_folder_or_a_folder_of_reports_into_a_report(fake_workbook, fake_report, capsys):
    put_report(fake_report, fake_workbook)
    reports = fake_workbook / "reports"
    before = sorted(p.name for p in reports.iterdir())
    shelf = fake_workbook / "shelf"
    shutil.copytree(reports / before[0], shelf / "2026-01-01")
    capsys.readouterr()
    for out, expected in ((reports, "is the reports folder"), (shelf, "holds other reports (2026-01-01)")):
        assert _report(fake_workbook, "--out", str(out)) == 2
        assert expected in _one_error_line(capsys)
    assert sorted(p.name for p in reports.iterdir()) == before
    assert sorted(p.name for p in shelf.iterdir()) == ["2026-01-01"]


# ---------------------------------------------------------------- 1. overlapping runs
def _descendants(pid) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _end_all(procs):
    """Kill, by PID, every process of ``procs`` still alive (psutil.Process objects), and reap them."""
    import psutil

    for proc in procs:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(procs, timeout=10)


def _start(workbook, *args) -> subprocess.Popen:
    return subprocess.Popen([str(DGFORECAST), "--project", str(workbook), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.notebooks
def test_two_overlapping_reports_each_end_with_their_own_complete_folder(fake_workbook):
    import psutil

    runs = {growth: _start(fake_workbook, "report", "--scenarios", "base", "-j", "1", "-p", f"growth={growth}",
                           "-p", "n_sims=200") for growth in (0.01, 0.07)}
    seen = [psutil.Process(p.pid) for p in runs.values()]
    try:
        printed = {}
        for growth, proc in runs.items():
            seen += _descendants(proc.pid)
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
            printed[growth] = Path(next(line for line in out.splitlines() if line.startswith("report:"))
                                   .split(None, 1)[1]).parent
    finally:
        for proc in runs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        _end_all(seen)
    reports = fake_workbook / "reports"
    assert printed[0.01] != printed[0.07] and {p.parent for p in printed.values()} == {reports}
    for growth, folder in printed.items():  # the stand-in notebook writes p_met = 10 x growth
        assert _summary(folder) == [round(10 * growth, 6)]
        assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["failures"] == {}
    # latest points at the complete run that finished last, whose name sorts last
    assert os.readlink(reports / "latest") == max(p.name for p in printed.values())
    assert sorted(p.name for p in reports.iterdir()) == sorted(["latest", *(p.name for p in printed.values())])


@pytest.mark.notebooks
def test_a_finished_report_is_never_replaced_by_a_later_one_of_the_same_day(fake_workbook, fake_report):
    first = put_report(fake_report, fake_workbook)  # reports/<today>: the name the next run would take first
    second = report.build_report(fake_workbook, "base", workers=1, overrides={"growth": 0.02},
                                 progress_stream=open(os.devnull, "w"))
    assert first != second.folder and first.is_dir()
    assert _summary(first) == [0.6] and _summary(second.folder) == [0.2]
    assert os.readlink(fake_workbook / "reports" / "latest") == second.folder.name


# ---------------------------------------------------------------- a report reads one version of the workbook
EDITED = ("em_out_2022,cluster_output,2022,year,level,5000", "em_out_2022,cluster_output,2022,year,level,4000")


def _stand_in(path, code):
    """A notebook with a parameters cell for every job kind, then ``code``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("project_dir = None\nscenario = 'base'\nsummary_csv = None\n"
                                           "scenarios = None\noverrides = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def _reads_evidence_workbook(workbook):
    """06 runs first and saves an edit to the live evidence.csv, as an economist might mid-report; every
    notebook prints the sha256 of the evidence it reads, and 03 writes its length as its P(met)."""
    live = workbook / "data" / "raw" / "evidence.csv"
    sha = ("import hashlib, pathlib\ntext = (pathlib.Path(project_dir) / 'data/raw/evidence.csv').read_bytes()\n"
           "print('evidence', hashlib.sha256(text).hexdigest())\n")
    edit = f"p = pathlib.Path({str(live)!r})\np.write_text(p.read_text('utf-8').replace(*{EDITED!r}), 'utf-8')\n"
    summary = ("import pandas as pd\npd.DataFrame({'scenario': [scenario], 'target_id': ['cluster_revenue_2025'], "
               "'p_met': [len(text) / 1e4], 'median': [1.0], 'q10': [1.0], 'q90': [1.0], 'status': ['x']})"
               ".to_csv(summary_csv, index=False)\n")
    notebooks = workbook / "notebooks"
    _stand_in(notebooks / TRACKING_NOTEBOOK, "import pathlib\n" + edit + sha)
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, ACROSS_NOTEBOOK):
        _stand_in(notebooks / name, sha)
    _stand_in(notebooks / SCENARIO_NOTEBOOK, sha + summary)
    return live


def _p_met_shown(workbook, evidence_text) -> str:
    from dgforecast.judge.assess import assess_inputs
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.run.pipeline import load_inputs

    (workbook / "other.csv").write_text(evidence_text, encoding="utf-8")
    params = resolve_scenario(workbook / "params.yaml", "base", {"n_sims": 2000})
    summary = assess_inputs(params, load_inputs(workbook, workbook / "other.csv")).summary
    return f"{summary.set_index('target_id').loc['cluster_revenue_2025', 'p_met']:.1%}"


@pytest.mark.notebooks
def test_an_edit_saved_while_a_report_runs_reaches_no_page_of_it(fake_workbook):
    import hashlib

    live = _reads_evidence_workbook(fake_workbook)
    original = live.read_text(encoding="utf-8")
    sha = hashlib.sha256(original.encode("utf-8")).hexdigest()
    shown = _p_met_shown(fake_workbook, original)
    assert shown != _p_met_shown(fake_workbook, original.replace(*EDITED))  # the edit would show
    result = report.build_report(fake_workbook, "base", workers=1, overrides={"n_sims": 2000},
                                 progress_stream=open(os.devnull, "w"))
    assert result.ok and live.read_text(encoding="utf-8") == original.replace(*EDITED)  # saved mid-run
    folder = result.folder
    pages = [folder / f"{name}.ipynb" for name in ("06_tracking_and_final_assessment", "04_targets_across_scenarios",
                                                   "02_history_and_models", "01_plan_baselines", "scenarios/base")]
    for page in pages:
        assert f"evidence {sha}" in page.read_text(encoding="utf-8"), page.name
    assert _summary(folder) == [round(len(original.encode("utf-8")) / 1e4, 6)]
    assert shown in (folder / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data_files_sha256"]["data/raw/evidence.csv"] == sha
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []  # the snapshot is gone


@pytest.mark.notebooks
def test_an_edit_saved_before_the_snapshot_stops_the_report_in_one_line_keeping_latest(fake_workbook, fake_report,
                                                                                    capsys, monkeypatch):
    put_report(fake_report, fake_workbook)
    reports = fake_workbook / "reports"
    before, latest = sorted(p.name for p in reports.iterdir()), os.readlink(reports / "latest")
    capsys.readouterr()
    checked = report.preflight

    def edit_after_the_checks(params, project):
        checked(params, project)
        live = fake_workbook / "data" / "raw" / "evidence.csv"
        live.write_text(live.read_text(encoding="utf-8").replace(*EDITED), encoding="utf-8")

    monkeypatch.setattr(report, "preflight", edit_after_the_checks)
    assert _report(fake_workbook) == 2
    assert _one_error_line(capsys) == (f"dgforecast: error: {fake_workbook}: data/raw/evidence.csv changed while the "
                                       "report was starting; the report was not written and latest is as it was: "
                                       "run it again")
    assert sorted(p.name for p in reports.iterdir()) == before and os.readlink(reports / "latest") == latest


# ---------------------------------------------------------------- 2. kills leave no process behind
def _sleeping_workbook(workbook):
    """Every notebook of the report sleeps for two minutes in its second cell (a long, stuck run)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell("scenario = None\nproject_dir = None")
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters, nbformat.v4.new_code_cell("import time\ntime.sleep(120)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, SCENARIO_NOTEBOOK, ACROSS_NOTEBOOK, TRACKING_NOTEBOOK):
        nbformat.write(nb, workbook / "notebooks" / name)
    return workbook


def _kernels(procs) -> list:
    import psutil

    found = []
    for proc in procs:
        try:
            if "ipykernel_launcher" in proc.cmdline():
                found.append(proc)
        except psutil.NoSuchProcess:
            pass
    return found


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGKILL, -9)])
@pytest.mark.notebooks
def test_a_killed_report_leaves_no_worker_or_kernel_running(fake_workbook, sig, code):
    import psutil

    workbook = _sleeping_workbook(fake_workbook)
    proc = _start(workbook, "report", "--scenarios", "base", "-j", "2")
    seen = [psutil.Process(proc.pid)]
    try:
        deadline = time.monotonic() + 90
        while len(_kernels(_descendants(proc.pid))) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        seen += _descendants(proc.pid)
        assert len(_kernels(seen)) == 2, "two notebooks should be running in two workers"
        proc.send_signal(sig)
        proc.communicate(timeout=30)
        assert proc.returncode == code
        gone, alive = psutil.wait_procs(seen[1:], timeout=30)
        assert alive == [], [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        _end_all(seen)
    partial = [p.name for p in (workbook / "reports").iterdir() if ".partial-" in p.name]
    # a signal that can be caught cleans up at once; after SIGKILL the next run removes the folder
    assert len(partial) == (1 if sig == signal.SIGKILL else 0)


def test_a_process_whose_parent_ended_before_it_asked_is_ended_at_once():
    # a child whose parent has already ended is told at once (the race die_with_parent closes)
    probe = subprocess.run([sys.executable, "-c", "import os, sys\nfrom dgforecast.core.workers import die_with_parent\n"
                            "die_with_parent(os.getppid() + 1)\nprint('survived')"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == -signal.SIGTERM and "survived" not in probe.stdout


# ---------------------------------------------------------------- 3. --scheduler: a deadline and one line
@pytest.fixture
def not_a_scheduler():
    """A local HTTP server (silent until asked) and a service that talks first, on 127.0.0.1."""
    import http.server
    import socketserver
    import threading

    class Talks(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            time.sleep(1)

    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler),
               socketserver.ThreadingTCPServer(("127.0.0.1", 0), Talks)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    yield {"http": f"tcp://127.0.0.1:{servers[0].server_address[1]}",
           "talks": f"tcp://127.0.0.1:{servers[1].server_address[1]}"}
    for server, thread in zip(servers, threads):
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize("kind, expected", [("http", "sent no Dask handshake within 2 s"),
                                            ("talks", "answers, but not as a Dask scheduler")])
@pytest.mark.slow
def test_a_scheduler_address_that_is_not_dask_is_one_line_within_the_deadline(workbook, capsys, monkeypatch,
                                                                            not_a_scheduler, kind, expected):
    pytest.importorskip("distributed")
    import dgforecast.run.sweep.run as sweep_run

    monkeypatch.setattr(sweep_run, "HANDSHAKE_SECONDS", 2.0)  # 15 s in use; the test need not wait so long
    started = time.monotonic()
    code = main(["--project", str(workbook), "sweep", "--grid", "growth=0.01,0.02", "--sims", "200",
                 "--out", str(workbook / "reports" / "s.csv"), "--scheduler", not_a_scheduler[kind]])
    assert code == 2 and time.monotonic() - started < 10
    line = _one_error_line(capsys)
    assert expected in line and "Unable to allocate" not in line
    assert not (workbook / "reports" / "s.csv").exists()


@pytest.mark.parametrize("scheme, expected", [
    ("ws", "cannot reach the Dask scheduler (Non-websocket response)"),
    ("wss", "cannot reach the Dask scheduler ("),
    ("tls", "cannot reach the Dask scheduler ("),
    ("inproc", "an inproc:// address reaches a scheduler inside the same process only"),
    ("port", "port 99999 is out of range (1-65535)"),
])
@pytest.mark.slow
def test_every_scheduler_scheme_is_one_line_exit_2_within_the_deadline_and_closes_quietly(workbook, not_a_scheduler,
                                                                                        scheme, expected):
    pytest.importorskip("distributed")
    import psutil

    from dgforecast.run.sweep.run import HANDSHAKE_SECONDS

    address = {"inproc": "inproc://nothing", "port": "tcp://127.0.0.1:99999"}.get(
        scheme, not_a_scheduler["http"].replace("tcp://", f"{scheme}://"))
    started = time.monotonic()
    proc = _start(workbook, "sweep", "--grid", "growth=0.01,0.02", "--sims", "200", "--out",
                  str(workbook / "reports" / "s.csv"), "--scheduler", address)
    seen = [psutil.Process(proc.pid)]
    try:
        out, err = proc.communicate(timeout=HANDSHAKE_SECONDS + 45)
    finally:
        seen += _descendants(proc.pid)
        _end_all(seen)
    assert proc.returncode == 2 and time.monotonic() - started < HANDSHAKE_SECONDS + 15
    assert err.count("\n") == 1 and expected in err, err  # no "Exception ignored in Client.__del__" after it
    assert not (workbook / "reports" / "s.csv").exists()


@pytest.mark.slow
def test_a_scheduler_without_workers_is_one_line_not_a_hang(workbook, capsys, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import dgforecast.run.sweep.run as sweep_run

    monkeypatch.setattr(sweep_run, "HANDSHAKE_SECONDS", 3.0)
    with distributed.LocalCluster(n_workers=0, processes=False, protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        code = main(["--project", str(workbook), "sweep", "--grid", "growth=0.01,0.02", "--sims", "200",
                     "--out", str(workbook / "reports" / "s.csv"), "--scheduler", cluster.scheduler_address])
    assert code == 2 and "the scheduler has no worker" in _one_error_line(capsys)


# ---------------------------------------------------------------- 7. the documented cron line, as written
@pytest.mark.notebooks
def test_the_documented_cron_line_works_on_a_fresh_clone(fake_workbook):
    page = (Path(__file__).resolve().parents[2] / "docs" / "scheduler.md").read_text(encoding="utf-8")
    block = page[page.index("# Scheduled runs"):]
    line = block[block.index("```cron\n") + len("```cron\n"):].splitlines()[0]
    fields = line.split(None, 5)
    assert len(fields) == 6 and all(f == "*" or f.isdigit() for f in fields[:5]), line
    command = fields[5].replace("/path/to/workbook", str(fake_workbook))
    # a fresh clone: no reports/ yet; its .venv is this one; every notebook a quick stand-in
    assert not (fake_workbook / "reports").exists()
    (fake_workbook / ".venv").symlink_to(Path(sys.executable).parents[1], target_is_directory=True)
    shutil.copy(FIXTURES / "echoes_parameters.ipynb", fake_workbook / "notebooks" / SCENARIO_NOTEBOOK)
    done = subprocess.run(["sh", "-c", command], cwd="/", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout, done.stderr)
    log = (fake_workbook / "reports" / "cron.log").read_text(encoding="utf-8")
    assert "report:  " in log and (fake_workbook / "reports" / "latest" / "index.html").is_file()

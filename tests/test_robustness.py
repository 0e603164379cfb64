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

from dgforecast import report
from dgforecast.cli import main
from dgforecast.errors import DataError, ParamsError
from dgforecast.fileio import refuse_raw
from dgforecast.notebook import ACROSS_NOTEBOOK, HISTORY_NOTEBOOK, PLAN_NOTEBOOK, SCENARIO_NOTEBOOK, TRACKING_NOTEBOOK

FIXTURES = Path(__file__).parent / "notebooks"
DGFORECAST = Path(sys.executable).with_name("dgforecast")
ACTUALS_HEADER = ("series_id,region,industry,metric,unit,year,period,value,basis,price_basis,reliability,"
                  "source_url,source_phrase\n")


def _actual(series="DG_EM_OUT", year=2022, value="5000", basis="level", unit="亿元"):
    return f"{series},Dongguan,电气机械,总产值,{unit},{year},year,{value},{basis},current,press_or_official,http://x,y\n"


@pytest.fixture
def fake_workbook(workbook):
    """The workbook with tiny stand-in notebooks (a kernel each, a second or two), as in test_report."""
    nb = workbook / "notebooks"
    shutil.rmtree(nb, ignore_errors=True)
    nb.mkdir()
    shutil.copy(FIXTURES / "writes_summary_fails_for_shock.ipynb", nb / SCENARIO_NOTEBOOK)
    for name in (PLAN_NOTEBOOK, HISTORY_NOTEBOOK, ACROSS_NOTEBOOK, TRACKING_NOTEBOOK):
        shutil.copy(FIXTURES / "echoes_parameters.ipynb", nb / name)
    return workbook


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# ---------------------------------------------------------------- 5. data/raw is never written
def test_refuse_raw_resolves_dot_dot_and_links(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (tmp_path / "rawlink").symlink_to(raw)
    for path in (raw, raw / "actuals.csv", tmp_path / "data" / ".." / "data" / "raw" / "x", tmp_path / "rawlink" / "x"):
        with pytest.raises(ParamsError, match="data/raw/ holds the sources"):
            refuse_raw(path, raw, "--out")
    assert refuse_raw(tmp_path / "data" / "processed", raw, "--out") == tmp_path / "data" / "processed"


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
    (workbook / "data/raw/actuals.csv").write_text(ACTUALS_HEADER + _actual(value="5,000"), encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert "actuals.csv: line 2: 14 fields where the header has 13" in line and "5000, not 5,000" in line


@pytest.mark.parametrize("value", ["0", "-4621.25"])
def test_a_level_that_is_not_positive_is_refused_by_dgforecast_data(workbook, capsys, value):
    (workbook / "data/raw/actuals.csv").write_text(ACTUALS_HEADER + _actual(value=value), encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert "actuals.csv: line 2, column value: level" in line and "must be positive" in line


@pytest.mark.parametrize("value, ok", [("4621.25", True), ("4621", True), ("4621.3", True), ("4700", False),
                                       ("4621.4", False)])
def test_an_actual_for_the_plans_own_year_must_match_the_plan_within_rounding(workbook, capsys, value, ok):
    (workbook / "data/raw/actuals.csv").write_text(ACTUALS_HEADER + _actual(year=2021, value=value), encoding="utf-8")
    if ok:
        assert main(["--project", str(workbook), "data"]) == 0
        return
    line = _data_error(workbook, capsys)
    assert f"DG_EM_OUT 2021 = {value} contradicts the plan's 2021 figure 4621.25" in line


@pytest.mark.parametrize("count, what", [("2.5", "whole number"), ("1000000000000", "whole number"),
                                         ("-1", "whole number")])
def test_progress_counts_are_whole_numbers_within_a_bound(workbook, capsys, count, what):
    (workbook / "data/raw/target_progress.csv").write_text(
        f"target_id,year,count,source\nown_brands_2025,2022,{count},http://x\n", encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert "target_progress.csv: line 2, column count" in line and "from 0 to 100,000" in line


@pytest.mark.parametrize("year", [2021, 2026, 2019])
def test_progress_outside_the_plan_window_is_refused_not_dropped(workbook, capsys, year):
    (workbook / "data/raw/target_progress.csv").write_text(
        f"target_id,year,count,source\nown_brands_2025,{year},3,http://x\n", encoding="utf-8")
    line = _data_error(workbook, capsys)
    assert f"year {year} is outside the plan window of own_brands_2025 (2022-2025" in line


def test_progress_inside_the_window_still_loads(workbook):
    (workbook / "data/raw/target_progress.csv").write_text(
        "target_id,year,count,source\nown_brands_2025,2022,3,http://x\nown_brands_2025,2025,0,http://x\n",
        encoding="utf-8")
    assert main(["--project", str(workbook), "data"]) == 0


def test_the_hint_for_a_missing_earlier_actual_names_the_last_complete_year(workbook, capsys):
    # 2023 is there, 2022 is not: as_of_year = 2023 cannot be used, and neither can 2023 as the hint
    (workbook / "data/raw/actuals.csv").write_text(ACTUALS_HEADER + _actual(year=2023), encoding="utf-8")
    code = main(["--project", str(workbook), "assess", "base", "-p", "as_of_year=2023"])
    assert code == 2
    line = _one_error_line(capsys)
    assert "no actual figure for 2022" in line and "use as_of_year = 2021 or add the figures" in line

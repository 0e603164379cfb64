"""Issue 26's bad input, as a user types it: each is one line on stderr naming what to fix, and exit code 2.

The checks themselves (their bounds, the rows they name) are tested where they live: tests/plan/ for the
raw files, tests/core/ for the writers' guards, tests/run/ for the report's pre-flight. Here each case
runs through ``dgforecast`` on a copy of the shipped workbook, and what is on disk is checked too.
"""

import errno
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.cli import main

DGFORECAST = Path(sys.executable).with_name("dgforecast")
FULL = (errno.ENOSPC, "No space left on device")


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


def raw_files(workbook) -> dict:
    return {p.name: p.read_bytes() for p in (workbook / "data" / "raw").iterdir()}


# ---------------------------------------------------------------- every writer refuses data/raw
@pytest.mark.parametrize("folder", ["data/raw/np2", "plans/../data/raw/np2", "rawlink/np2"])
def test_new_plan_refuses_data_raw_however_it_is_reached(workbook, capsys, monkeypatch, folder):
    (workbook / "plans").mkdir()
    (workbook / "rawlink").symlink_to(workbook / "data" / "raw")
    monkeypatch.chdir(workbook)
    before = raw_files(workbook)
    assert main(["new-plan", folder]) == 2
    assert one_line(capsys).startswith(f"dgforecast: error: new-plan {folder}: data/raw/ holds the sources")
    assert raw_files(workbook) == before


@pytest.mark.parametrize("argv", [["track", "base", "--out", "{other}/data/raw/t.csv"],
                                  ["sweep", "--grid", "growth=0.01,0.02", "--out", "{other}/data/raw/s.csv"]])
def test_track_and_sweep_refuse_the_data_raw_of_another_workbook(workbook, tmp_path, capsys, argv):
    other = tmp_path / "other"
    (other / "data" / "raw").mkdir(parents=True)
    (other / "params.yaml").write_text("defaults: {}\n", encoding="utf-8")
    assert main(["--project", str(workbook), *[a.format(other=other) for a in argv]]) == 2
    assert "data/raw/ holds the sources" in one_line(capsys)
    assert list((other / "data" / "raw").iterdir()) == []


# ---------------------------------------------------------------- a full disk names the file
def full_disk_for(name):
    """A ``to_csv`` that fails as a full disk does (no file named) when writing ``name``'s hidden temporary file."""
    real = pd.DataFrame.to_csv

    def to_csv(frame, path=None, *args, **kwargs):
        if path is not None and Path(str(path)).name.startswith(f".{name}."):
            raise OSError(*FULL)
        return real(frame, path, *args, **kwargs)

    return to_csv


def test_progress_on_a_full_disk_names_target_progress_csv_and_leaves_it(workbook, capsys, monkeypatch):
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name.startswith(".target_progress.csv."):
            raise OSError(*FULL)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)
    assert main(["--project", str(workbook), "progress", "first_sets_2025", "--year", "2023", "--count", "3",
                 "--source", "x", "--published", "2024-01"]) == 2
    assert one_line(capsys) == f"dgforecast: error: {path}: No space left on device"
    assert path.read_bytes() == before


def test_sweep_on_a_full_disk_names_its_results_file(workbook, capsys, monkeypatch):
    out = workbook / "sweep.csv"
    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk_for("sweep.csv"))
    assert main(["--project", str(workbook), "sweep", "--grid", "growth=0.01,0.02", "--sims", "100", "-j", "1",
                 "--out", str(out)]) == 2
    assert one_line(capsys) == f"dgforecast: error: {out}: No space left on device"
    assert not out.exists()


def test_forecast_on_a_full_disk_names_its_output_file(tmp_path, capsys, monkeypatch):
    (tmp_path / "s.csv").write_text("series_id,year,value\na,2015,1\na,2016,2\na,2017,3\na,2018,4\n",
                                    encoding="utf-8")
    out = tmp_path / "f.csv"
    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk_for("f.csv"))
    assert main(["forecast", "--input", str(tmp_path / "s.csv"), "--horizon", "2", "-j", "1", "--method", "cagr",
                 "--output", str(out)]) == 2
    assert one_line(capsys) == f"dgforecast: error: {out}: No space left on device"
    assert not out.exists()


def _file_size_limit(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails (EFBIG) instead of killing the process
    return apply


@pytest.mark.slow
@pytest.mark.parametrize("argv, written", [
    (["progress", "first_sets_2025", "--year", "2023", "--count", "3", "--source", "x", "--published", "2024-01"],
     "data/raw/target_progress.csv"),
    (["sweep", "--grid", "growth=0.01,0.02", "--sims", "100", "-j", "1", "--out", "sweep.csv"], "sweep.csv"),
    (["forecast", "--input", "s.csv", "--horizon", "2", "-j", "1", "--method", "cagr", "--output", "f.csv"], "f.csv"),
])
def test_a_write_the_kernel_refuses_names_the_file(workbook, argv, written):
    # The operating system itself refuses the write (a file-size limit of 60 bytes: EFBIG, as a full disk
    # gives ENOSPC), so no Python function is patched: what the user reads is what a real full disk gives.
    (workbook / "s.csv").write_text("series_id,year,value\na,2015,1\na,2016,2\na,2017,3\na,2018,4\n",
                                    encoding="utf-8")
    before = raw_files(workbook)
    done = subprocess.run([str(DGFORECAST), *argv], cwd=workbook, capture_output=True, text=True, timeout=120,
                          preexec_fn=_file_size_limit(60))
    assert done.returncode == 2, done.stderr
    err = done.stderr.strip().splitlines()
    assert err == [f"dgforecast: error: {written}: File too large"] or \
        err == [f"dgforecast: error: {workbook / written}: File too large"], err
    assert raw_files(workbook) == before


# ---------------------------------------------------------------- target_progress.csv
@pytest.mark.parametrize("command", [["data"], ["assess", "base"]])
def test_a_progress_row_for_a_level_target_is_refused_as_progress_refuses_it(workbook, capsys, command):
    path = workbook / "data" / "raw" / "target_progress.csv"
    path.write_text(path.read_text(encoding="utf-8") + "cluster_revenue_2025,2023,3,2024-01,x,\n", encoding="utf-8")
    assert main(["--project", str(workbook), *command]) == 2
    assert one_line(capsys).startswith(f"dgforecast: error: {path}: line 2, column target_id: cluster_revenue_2025 "
                                       "is a level target")


# ---------------------------------------------------------------- --as-of
@pytest.mark.parametrize("command", [["assess", "base"], ["track", "base"], ["sweep", "--grid", "growth=0.01,0.02"]])
@pytest.mark.parametrize("month, why", [("1999-01", "before the plan was written (plan.yaml plan_month 2022-01)"),
                                        ("2031-01", "in the future (this month is ")])
def test_as_of_outside_the_plans_month_and_today_is_refused_as_as_of(workbook, capsys, command, month, why):
    assert main(["--project", str(workbook), *command, "--as-of", month]) == 2
    line = one_line(capsys)
    assert line.startswith(f"dgforecast: error: --as-of {month}: {why}") and "give a month from 2022-01 to " in line


@pytest.mark.parametrize("command", [["assess", "base"], ["sweep", "--grid", "growth=0.01,0.02"]])
def test_as_of_that_is_not_a_month_is_reported_as_as_of(workbook, capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main(["--project", str(workbook), *command, "--as-of", "2026/09"])
    assert exit_.value.code == 2
    line = one_line(capsys)
    assert "argument --as-of: '2026/09' is not a month; write YYYY-MM" in line and "-p as_of" not in line


def test_as_of_the_plans_month_is_the_plans_own_view(workbook, capsys):
    assert main(["--project", str(workbook), "assess", "base", "--as-of", "2022-01"]) == 0
    assert "evidence as of 2022-01" in capsys.readouterr().out


# ---------------------------------------------------------------- a 10x typo outside evidence levels
TYPOS = {
    "a target threshold": ("plan_targets.csv", ",level,亿元,5400,", ",level,亿元,54000,",
                           "plan_targets.csv: line 2, column threshold: cluster_revenue_2025: 54,000 亿元 by 2025 "
                           "from 4,621.25 in 2021 needs 84.89% a year"),
    "a history value": ("dongguan_published_to_2021.csv", ",3904.57,", ",39045.7,",
                        "dongguan_published_to_2021.csv: line 36, column value: DG_IVA 2018 = 39045.7 is 11.8 times "
                        "2017's 3316.97"),
    "the city's revenue": ("evidence.csv", ",27691.5,", ",276915,",
                           "evidence.csv: line 10, column value: city_revenue 2024 = 276915 (line 9) over city_output "
                           "2024 = 25000 (line 10) is a ratio of 11.08"),
    "a growth row": ("evidence.csv", ",growth,3.2,%", ",growth,32,%",
                     "evidence.csv: line 2, column value: cluster_value_added growth 32 % is out of line"),
}


@pytest.mark.parametrize("command", [["data"], ["assess", "base"]])
@pytest.mark.parametrize("case", list(TYPOS))
def test_a_ten_times_typo_is_one_line_naming_file_line_and_column(workbook, capsys, case, command):
    name, old, new, words = TYPOS[case]
    path = workbook / "data" / "raw" / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    processed = {p.name: p.read_bytes() for p in (workbook / "data" / "processed").iterdir()}
    assert main(["--project", str(workbook), *command]) == 2
    line = one_line(capsys)
    assert line.startswith(f"dgforecast: error: {workbook / 'data' / 'raw'}/") and words in line
    assert {p.name: p.read_bytes() for p in (workbook / "data" / "processed").iterdir()} == processed


# ---------------------------------------------------------------- every file of data/raw/ is checked
def _spoil(path, how):
    data = path.read_bytes()
    spoilt = {"cut": data[:3000], "emptied": b"",
              "GBK": data.decode("utf-8").encode("gbk", errors="replace"),
              "NaN": data.replace(b",5267.39,", b",nan,"),
              "10x": data.replace(b",5267.39,", b",52673.9,")}[how]
    path.write_bytes(spoilt)


@pytest.mark.parametrize("how, words", [("cut", "looks cut short"), ("emptied", "the file is empty"),
                                        ("GBK", "not UTF-8 text"), ("NaN", "line 13, column value: 'nan'"),
                                        ("10x", "line 13, column value: DG_IVA 2022 = 52673.9 is 10.5 times")])
def test_data_checks_the_record_of_published_figures(workbook, capsys, how, words):
    path = workbook / "data" / "raw" / "dongguan_published_2022_2025.csv"
    _spoil(path, how)
    assert main(["--project", str(workbook), "data"]) == 2
    line = one_line(capsys)
    assert line.startswith(f"dgforecast: error: {path}: ") and words in line

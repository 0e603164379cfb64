"""Atomic files and folders: a reader sees the old one or the new one whole, a failure leaves the old one.

Also the one lock (``locked``), the clean-up of staging folders left by ended runs, and the guard that
keeps every write out of data/raw/.
"""

import errno
import fcntl
import os
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.core.errors import DgforecastError, ParamsError
from dgforecast.core.fileio import (
    PARTIAL_NAME,
    atomic_path,
    atomic_paths,
    locked,
    naming,
    refuse_raw,
    refuse_raw_anywhere,
    remove_stale_partials,
    replace_folder,
    temp_folder,
    temp_sibling,
    write_csv_atomic,
    write_excel_atomic,
    write_tables_atomic,
    write_text_atomic,
)


@contextmanager
def _umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _names(folder) -> list:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- temporary files and folders
def test_a_temporary_file_is_hidden_beside_its_target_with_the_permissions_open_would_give(tmp_path):
    with _umask(0o022):
        tmp = temp_sibling(tmp_path / "summary.csv")
    assert tmp.parent == tmp_path and tmp.name.startswith(".summary.csv.") and tmp.name.endswith(".tmp")
    assert stat.S_IMODE(tmp.stat().st_mode) == 0o644  # 0o666 less the umask, not mkstemp's 0o600
    with _umask(0o002):
        assert stat.S_IMODE(temp_sibling(tmp_path / "x").stat().st_mode) == 0o664


def test_a_temporary_folder_has_the_permissions_mkdir_would_give(tmp_path):
    with _umask(0o022):
        folder = temp_folder(tmp_path, ".report.partial-1-")
    assert folder.is_dir() and folder.name.startswith(".report.partial-1-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755  # not mkdtemp's 0o700


# ---------------------------------------------------------------- one file, several files
def test_a_file_is_moved_into_place_only_when_the_block_succeeds(tmp_path):
    path = tmp_path / "new" / "folder" / "t.txt"
    with atomic_path(path) as tmp:
        tmp.write_text("new", encoding="utf-8")
        assert not path.exists()  # nothing there until the block ends
    assert path.read_text(encoding="utf-8") == "new" and _names(path.parent) == ["t.txt"]


def test_a_failed_block_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(OSError, match="No space left"):
        with atomic_path(path) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert path.read_text(encoding="utf-8") == "old" and _names(tmp_path) == ["t.txt"]


def test_files_that_belong_together_are_all_new_or_all_old(tmp_path):
    table, chart = tmp_path / "t.csv", tmp_path / "charts" / "t.png"
    table.write_text("old", encoding="utf-8")
    with pytest.raises(OSError):
        with atomic_paths([table, chart]) as (tmp_table, tmp_chart):
            tmp_table.write_text("new", encoding="utf-8")
            raise OSError(errno.ENOSPC, "No space left on device")  # while the chart is written
    assert table.read_text(encoding="utf-8") == "old" and not chart.exists()
    assert _names(tmp_path) == ["charts", "t.csv"] and _names(tmp_path / "charts") == []
    with atomic_paths([table, chart]) as temps:
        for tmp, text in zip(temps, ("new table", "new chart")):
            tmp.write_text(text, encoding="utf-8")
    assert (table.read_text(encoding="utf-8"), chart.read_text(encoding="utf-8")) == ("new table", "new chart")


def test_text_and_csv_are_written_as_utf8(tmp_path):
    assert write_text_atomic(tmp_path / "a.txt", "规模目标\n").read_bytes() == "规模目标\n".encode("utf-8")
    path = write_csv_atomic(pd.DataFrame({"目标": ["营业收入"], "p_met": [0.5]}), tmp_path / "a.csv")
    assert path.read_text(encoding="utf-8") == "目标,p_met\n营业收入,0.5\n"  # no index column


def test_an_error_naming_no_file_is_given_the_file_the_user_asked_for(tmp_path):
    with pytest.raises(OSError) as raised:
        with naming(tmp_path / "chart.png"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, str(tmp_path / "chart.png"))
    assert str(raised.value) == f"[Errno 28] No space left on device: '{tmp_path / 'chart.png'}'"
    with pytest.raises(OSError) as raised:
        with naming(tmp_path / "chart.png"):
            raise PermissionError(errno.EACCES, "Permission denied", "/elsewhere/font.ttf")
    assert raised.value.filename == "/elsewhere/font.ttf"  # one that names its file keeps it
    with pytest.raises(ValueError):
        with naming(tmp_path / "chart.png"):
            raise ValueError("not an OSError: passes unchanged")


# ---------------------------------------------------------------- Excel
def test_one_table_is_a_sheet_named_summary(tmp_path):
    path = write_excel_atomic(pd.DataFrame({"a": [1.5]}), tmp_path / "t.xlsx")
    assert pd.read_excel(path, sheet_name=None)["summary"]["a"].tolist() == [1.5]


def test_a_sheet_opens_with_a_frozen_bold_filtered_header_number_formats_and_columns_as_wide_as_their_text(tmp_path):
    import openpyxl

    frame = pd.DataFrame({"名称": ["装备制造", "x"], "p": [0.71725, 0.5], "median": [5523.456, 12.0],
                          "note": ["n" * 100, ""]})
    path = write_excel_atomic({"level targets": frame, "empty": frame.iloc[:0]}, tmp_path / "s.xlsx",
                              {"p": "0.0%", "median": "#,##0.0"})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["level targets", "empty"]
    sheet = book["level targets"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D3"
    assert all(sheet.cell(1, i).font.bold for i in range(1, 5))
    assert [sheet.cell(2, i).number_format for i in range(1, 5)] == ["General", "0.0%", "#,##0.0", "General"]
    widths = [sheet.column_dimensions[c].width for c in "ABCD"]
    # 装备制造: 4 characters two wide = 8, +2; "71.7%" 5, +2; "5,523.5" 7, +2; 100 characters, capped at 60
    assert widths == [10, 7, 9, 60]
    assert _names(tmp_path) == ["s.xlsx"]


# ---------------------------------------------------------------- folders
def test_a_finished_folder_replaces_the_old_one_whole(tmp_path):
    final, staging = tmp_path / "report", tmp_path / ".report.partial-1-x"
    staging.mkdir()
    (staging / "new.html").write_text("new", encoding="utf-8")
    replace_folder(staging, final)  # nothing there yet: a plain rename
    assert _names(final) == ["new.html"]
    staging.mkdir()
    (staging / "newer.html").write_text("newer", encoding="utf-8")
    replace_folder(staging, final)
    assert _names(final) == ["newer.html"] and _names(tmp_path) == ["report"]  # no old or staging folder left


def test_tables_replace_their_folder_whole_keeping_the_other_files_in_it(tmp_path):
    folder = tmp_path / "processed"
    folder.mkdir()
    (folder / "targets.csv").write_text("old", encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    written = write_tables_atomic({"targets.csv": pd.DataFrame({"id": ["a"]}),
                                   "checks.csv": pd.DataFrame({"ok": [True]})}, folder)
    assert written == [folder / "targets.csv", folder / "checks.csv"]
    assert _names(folder) == ["checks.csv", "notes.txt", "targets.csv"]
    assert (folder / "targets.csv").read_text(encoding="utf-8") == "id\na\n"
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert _names(tmp_path) == ["processed"]


def test_a_table_that_cannot_be_written_is_named_and_the_folder_is_as_it_was(tmp_path):
    class FullDisk:
        def to_csv(self, path, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

    folder = tmp_path / "processed"
    folder.mkdir()
    (folder / "targets.csv").write_text("old", encoding="utf-8")
    with pytest.raises(DgforecastError) as refused:
        write_tables_atomic({"timeseries.csv": pd.DataFrame({"a": [1]}), "targets.csv": FullDisk()}, folder)
    assert str(refused.value) == f"{folder / 'targets.csv'}: No space left on device; {folder} is as it was"
    assert _names(folder) == ["targets.csv"] and (folder / "targets.csv").read_text(encoding="utf-8") == "old"
    assert _names(tmp_path) == ["processed"]


def test_a_folder_that_is_a_link_stays_a_link_and_its_target_is_replaced(tmp_path):
    elsewhere = tmp_path / "bigdisk" / "processed"
    elsewhere.mkdir(parents=True)
    link = tmp_path / "processed"
    link.symlink_to(elsewhere, target_is_directory=True)
    write_tables_atomic({"a.csv": pd.DataFrame({"x": [1]})}, link)
    assert link.is_symlink() and _names(elsewhere) == ["a.csv"]


# ---------------------------------------------------------------- the lock
def test_the_lock_is_held_on_the_folder_until_the_block_ends(tmp_path):
    def try_lock():
        fd = os.open(tmp_path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        finally:
            os.close(fd)

    with locked(tmp_path):
        assert not try_lock()  # another open of the folder (another run) must wait
        assert _names(tmp_path) == []  # and no lock file is left in it
    assert try_lock()


def test_the_lock_ends_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError):
        with locked(tmp_path):
            raise RuntimeError("the run fails")
    with locked(tmp_path):  # would wait forever if the first lock were still held
        pass


# ---------------------------------------------------------------- staging folders of ended runs
def test_a_staging_folder_is_named_after_its_final_name_and_its_owner():
    match = PARTIAL_NAME.match(".2026-01-01.partial-4242-abc123")
    assert (match["final"], match["pid"]) == ("2026-01-01", "4242")
    assert PARTIAL_NAME.match(".notes.partial") is None and PARTIAL_NAME.match("x.partial-1-a") is None


def test_the_next_run_removes_staging_folders_only_of_ended_runs(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(10)
    dead = tmp_path / f".report.partial-{ended.pid}-abc"
    alive = tmp_path / f".report.partial-{os.getpid()}-def"
    other = tmp_path / ".notes.partial"
    for folder in (dead, alive, other):
        (folder / "scenarios").mkdir(parents=True)
    assert remove_stale_partials(tmp_path) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])


# ---------------------------------------------------------------- data/raw is never written
def test_refuse_raw_resolves_dot_dot_and_links(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (tmp_path / "rawlink").symlink_to(raw)
    for path in (raw, raw / "actuals.csv", tmp_path / "data" / ".." / "data" / "raw" / "x", tmp_path / "rawlink" / "x"):
        with pytest.raises(ParamsError, match="data/raw/ holds the sources"):
            refuse_raw(path, raw, "--out")
    assert refuse_raw(tmp_path / "data" / "processed", raw, "--out") == tmp_path / "data" / "processed"


def test_the_refusal_names_the_option_and_a_link_it_went_through(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    (tmp_path / "out").symlink_to(raw)
    with pytest.raises(ParamsError) as refused:
        refuse_raw(raw / "a.csv", raw, "--output")
    assert str(refused.value) == f"--output {raw / 'a.csv'}: data/raw/ holds the sources and is never written; " \
                                 "write to reports/ or another folder"
    with pytest.raises(ParamsError) as refused:
        refuse_raw(tmp_path / "out", raw, "", advice="move reports/ elsewhere")
    assert str(refused.value) == (f"{tmp_path / 'out'}: data/raw/ holds the sources and is never written (it leads "
                                  f"to {raw.resolve()} through a link); move reports/ elsewhere")


def test_an_output_in_the_raw_folder_of_any_workbook_it_lies_in_is_refused(tmp_path, monkeypatch):
    other = tmp_path / "other"
    (other / "data" / "raw").mkdir(parents=True)
    (other / "params.yaml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no workbook here: only the output's own workbook says no
    refuse_raw_anywhere(None, None, "--out")  # the option not given
    refuse_raw_anywhere(other / "reports" / "a.csv", None, "--output")
    with pytest.raises(ParamsError, match=r"^--output .*other/data/raw/a\.csv: data/raw/ holds the sources"):
        refuse_raw_anywhere(other / "data" / "raw" / "a.csv", None, "--output")


# ---------------------------------------------------------------- full disks and the data/raw guard, by spelling
FULL = (errno.ENOSPC, "No space left on device")


def test_a_full_disk_without_a_file_name_names_the_file_asked_for(tmp_path):
    target = tmp_path / "table.csv"
    with pytest.raises(OSError) as caught:
        with atomic_path(target):
            raise OSError(*FULL)
    assert caught.value.filename == str(target) and caught.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == []  # neither the file nor its hidden temporary one


def test_a_full_disk_naming_the_hidden_temporary_file_names_the_file_asked_for(tmp_path):
    target = tmp_path / "table.csv"
    with pytest.raises(OSError) as caught:
        with atomic_path(target) as tmp:
            raise OSError(*FULL, str(tmp))
    assert caught.value.filename == str(target)


def test_an_error_naming_another_file_keeps_its_name(tmp_path):
    with pytest.raises(OSError) as caught:
        with atomic_path(tmp_path / "table.csv"):
            raise OSError(errno.EACCES, "Permission denied", "/somewhere/else.csv")
    assert caught.value.filename == "/somewhere/else.csv"


def test_files_written_together_name_the_one_whose_temporary_file_failed(tmp_path):
    csv, png = tmp_path / "t.csv", tmp_path / "t.png"
    with pytest.raises(OSError) as caught:
        with atomic_paths([csv, png]) as (csv_tmp, png_tmp):
            Path(csv_tmp).write_text("a\n", encoding="utf-8")
            raise OSError(*FULL, str(png_tmp))
    assert caught.value.filename == str(png)
    assert os.listdir(tmp_path) == []


def test_a_disk_too_full_for_the_temporary_file_names_the_file_asked_for(tmp_path, monkeypatch):
    import tempfile

    def full(prefix="", suffix="", dir=None):
        raise OSError(*FULL, os.path.join(dir, f"{prefix}x7q{suffix}"))

    monkeypatch.setattr(tempfile, "mkstemp", full)
    for paths in ([tmp_path / "table.csv"], [tmp_path / "t.csv", tmp_path / "t.png"]):
        with pytest.raises(OSError) as caught:
            with (atomic_path(paths[0]) if len(paths) == 1 else atomic_paths(paths)):
                pass
        assert caught.value.filename == str(paths[0])


def _workbook_root(tmp_path) -> Path:
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params.yaml").write_text("defaults: {}\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("given", ["data/raw/np2", "plans/../data/raw/np2", "rawlink/np2", "data/raw"])
def test_any_path_into_data_raw_is_refused_however_it_is_spelled(tmp_path, monkeypatch, given):
    root = _workbook_root(tmp_path)
    (root / "plans").mkdir()
    (root / "rawlink").symlink_to(root / "data" / "raw")
    monkeypatch.chdir(root)
    with pytest.raises(ParamsError) as caught:
        refuse_raw_anywhere(given, None, "new-plan", "give a folder outside it")
    line = str(caught.value)
    assert line.startswith(f"new-plan {given}: data/raw/ holds the sources and is never written")
    assert line.endswith("; give a folder outside it")
    assert ("through a link" in line) == given.startswith("rawlink")  # '..' is not a link


def test_a_folder_beside_data_raw_is_not_refused(tmp_path):
    root = _workbook_root(tmp_path)
    assert refuse_raw(root / "plans" / "new", root / "data" / "raw", "new-plan") == root / "plans" / "new"
    refuse_raw_anywhere(root / "data" / "processed", root, "--out")

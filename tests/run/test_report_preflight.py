"""The report's pre-flight: a reports folder in data/ and a disk without room stop ``dgforecast report`` in one
short line before any kernel starts (issue 26, item 7)."""

import errno
import shutil
from collections import namedtuple

import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.core.limits import check_disk, size_text
from dgforecast.run import report
from dgforecast.run.report_folders import REPORT_FIRST, REPORT_MARGIN, folder_bytes

Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def no_kernel(monkeypatch):
    """Any notebook started fails the test: the pre-flight must stop the report first."""
    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was started")

    monkeypatch.setattr(report, "run_jobs", refuse)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


# ---------------------------------------------------------------- the snapshot never copies into itself
def test_a_reports_link_to_data_is_one_short_line_and_nothing_is_copied(workbook, capsys, no_kernel):
    (workbook / "reports").symlink_to(workbook / "data", target_is_directory=True)
    before = sorted(p.name for p in (workbook / "data").iterdir())
    assert main(["--project", str(workbook), "report"]) == 2
    line = one_line(capsys)
    assert line == (f"dgforecast: error: {workbook / 'reports'}: lies in the workbook's data/ (a link to "
                     f"{(workbook / 'data').resolve()}), which every report copies as its snapshot, so the report "
                     "would copy itself; point it at a folder outside data/")
    assert len(line) < 400
    assert sorted(p.name for p in (workbook / "data").iterdir()) == before  # no staging folder left in data/


@pytest.mark.parametrize("out", ["data/processed/r", "data/r"])
def test_out_inside_data_is_refused_before_anything_runs(workbook, capsys, no_kernel, out):
    assert main(["--project", str(workbook), "report", "--out", str(workbook / out)]) == 2
    assert "lies in the workbook's data/" in one_line(capsys)


def test_a_failed_folder_copy_says_its_first_failure_not_every_file():
    failures = [(f"/a/{i}", f"/b/{i}", "[Errno 36] File name too long") for i in range(300)]
    assert report.os_error_text(shutil.Error(failures)) == "[Errno 36] File name too long (and 299 more files)"
    assert len(report.os_error_text(OSError(errno.EIO, "x" * 5000))) == 200


# ---------------------------------------------------------------- a full disk stops the report before its notebooks
def test_check_disk_compares_the_free_space_of_the_nearest_existing_folder(tmp_path, monkeypatch):
    seen = []

    def usage(path):
        seen.append(str(path))
        return Usage(10 << 30, 0, 3 << 20)

    monkeypatch.setattr(shutil, "disk_usage", usage)
    check_disk(tmp_path / "not" / "yet", 3 << 20, "a report", "free some")
    with pytest.raises(ParamsError) as caught:
        check_disk(tmp_path / "not" / "yet", (3 << 20) + 1, "a report", "free some")
    assert str(caught.value) == f"{tmp_path / 'not' / 'yet'}: 3 MiB free on its disk, and a report needs about 3 MiB; free some"
    assert seen == [str(tmp_path)] * 2
    assert size_text(64 << 10) == "64 KiB"


def test_a_full_disk_stops_the_report_before_any_notebook_naming_the_room_it_needs(workbook, capsys, monkeypatch,
                                                                                   no_kernel):
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10 << 30, 10 << 30, 1 << 20))
    assert main(["--project", str(workbook), "report"]) == 2
    needed = folder_bytes(workbook / "data") + (workbook / "params.yaml").stat().st_size + REPORT_MARGIN * REPORT_FIRST
    assert one_line(capsys) == (f"dgforecast: error: {workbook / 'reports'}: 1 MiB free on its disk, and a report "
                                f"({REPORT_MARGIN} times the last one, and its copy of the workbook) needs about "
                                f"{size_text(needed)}; free some space, or give --out a folder on another disk")
    assert not (workbook / "reports").exists() or not any((workbook / "reports").iterdir())


def test_the_room_needed_follows_the_last_complete_report(workbook, monkeypatch, no_kernel):
    last = workbook / "reports" / "2026-12-01"
    last.mkdir(parents=True)
    (last / "index.html").write_bytes(b"x" * (3 << 20))  # a last report of 3 MiB
    (workbook / "reports" / "latest").symlink_to(last.name, target_is_directory=True)
    snapshot = folder_bytes(workbook / "data") + (workbook / "params.yaml").stat().st_size
    needed = snapshot + REPORT_MARGIN * (3 << 20)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10 << 30, 0, needed - 1))
    with pytest.raises(ParamsError, match=f"needs about {size_text(needed)}"):
        report.check_request(workbook, "base", None, {}, None)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: Usage(10 << 30, 0, needed))
    report.check_request(workbook, "base", None, {}, None)  # exactly enough room passes

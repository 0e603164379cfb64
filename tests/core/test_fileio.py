"""The guards of core.fileio: a failed write names the file asked for, and data/raw/ is never written."""

import errno
import os
from pathlib import Path

import pytest

from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import atomic_path, atomic_paths, refuse_raw, refuse_raw_anywhere

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

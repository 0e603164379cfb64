"""Shared fixtures: a throw-away copy of the workbook, so tests never touch the real one."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workbook(tmp_path):
    """A copy of params.yaml and data/raw/ in a temporary folder; returns its root."""
    root = tmp_path / "workbook"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    (root / "data" / "processed").mkdir()
    shutil.copy(ROOT / "params.yaml", root / "params.yaml")
    if (ROOT / "notebooks").is_dir():
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return root

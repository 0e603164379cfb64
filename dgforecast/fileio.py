"""Atomic writes: a reader never sees a half-written file, a failed run leaves the old one."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from dgforecast.errors import ParamsError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def temp_sibling(path, suffix=".tmp") -> Path:
    """A new empty hidden file beside ``path``, with the permissions a plain ``open`` would give.

    ``tempfile.mkstemp`` creates files readable by their owner only; a report or table moved
    into place from it would then be hidden from colleagues sharing the workbook.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    return Path(tmp)


def temp_folder(parent, prefix) -> Path:
    """A new hidden folder in ``parent`` with the permissions a plain ``mkdir`` would give."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    folder.chmod(0o777 & ~_umask())
    return folder


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    Parameters
    ----------
    path : str or Path
        The final file. Its folder is created if missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(path)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomic(path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    return Path(path)


def write_csv_atomic(frame, path) -> Path:
    """Write a DataFrame as UTF-8 CSV (no index) atomically and return the path."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
    return Path(path)


def write_excel_atomic(frame, path) -> Path:
    """Write a DataFrame as an .xlsx workbook (one sheet named summary, no index) atomically."""
    with atomic_path(path) as tmp:
        frame.to_excel(tmp, index=False, sheet_name="summary", engine="openpyxl")
    return Path(path)


def refuse_raw(path, raw_dir, option) -> Path:
    """``path`` as given, unless it resolves to ``raw_dir`` or anywhere under it.

    data/raw/ holds the sources and is never written by code; every ``--out``/``--output`` goes
    through this check, symbolic links and ``..`` resolved first.

    Parameters
    ----------
    path : str or Path
        The file or folder a command is about to write.
    raw_dir : str or Path
        The workbook's data/raw/ folder.
    option : str
        The option that named ``path`` (``--out``, ``--output``), for the message.

    Raises
    ------
    ParamsError
        When ``path`` is ``raw_dir`` itself or lies inside it.
    """
    target, raw = Path(path).resolve(), Path(raw_dir).resolve()
    if target == raw or raw in target.parents:
        raise ParamsError(f"{option} {path}: data/raw/ holds the sources and is never written; "
                          "write to reports/ or another folder")
    return Path(path)

"""Atomic writes: a reader never sees a half-written file, a failed run leaves the old one."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
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

"""Atomic writes: a reader never sees a half-written file or folder, a failed run leaves the old one.

Also the one lock (``locked``: ``flock`` on a folder) and the clean-up of staging folders left by
ended runs, which the reports folder, data/processed and ``dgforecast progress`` share.
"""

import fcntl
import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from dgforecast.core.config import find_project, is_project_root
from dgforecast.core.errors import DgforecastError, ParamsError, ProjectNotFound

log = logging.getLogger(__name__)


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
def locked(folder):
    """Hold an exclusive ``flock`` on ``folder`` itself for the duration of the block.

    The folder, not a file in it: the files are replaced by rename (``atomic_path``), so a lock on
    one would be on an inode that is no longer the file. No lock file is left behind, and the lock
    ends with the process however it ends. Per machine: processes on two machines sharing the
    folder over a network file system are not coordinated.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


#: A staging folder: ``.<final name>.partial-<owner pid>-<random>``.
PARTIAL_NAME = re.compile(r"^\.(?P<final>.+)\.partial-(?P<pid>\d+)-[^/]+$")


def _owner_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_partials(folder) -> list:
    """Remove the staging folders in ``folder`` whose owning process has ended (killed, power cut).

    A staging folder is named ``.<final>.partial-<pid>-<random>``; one whose process is alive
    (another run, now) is left alone.

    Returns
    -------
    list of Path
        The folders removed.
    """
    removed = []
    for path in Path(folder).glob(".*.partial-*"):
        match = PARTIAL_NAME.match(path.name)
        if match and path.is_dir() and not path.is_symlink() and not _owner_alive(int(match["pid"])):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    if removed:
        log.warning("removed %d unfinished folder(s) left by ended runs: %s", len(removed),
                    ", ".join(p.name for p in removed))
    return removed


def replace_folder(staging, final) -> None:
    """Rename the finished folder ``staging`` to ``final``, replacing an existing ``final`` whole.

    Two renames in the same parent: a reader sees the old folder complete or the new one complete
    (for an instant, neither), never a mix; the old one is removed after.
    """
    staging, final = Path(staging), Path(final)
    if not final.exists():
        os.replace(staging, final)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.replace(final, old / final.name)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def _temp_for(path) -> Path:
    # the temporary file beside ``path``; a full disk (or a folder not writable) names ``path`` itself
    try:
        return temp_sibling(path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


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
    tmp = _temp_for(path)
    try:
        with naming(path, instead_of=[tmp]):  # a full disk names the file asked for, not the hidden one
            yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextmanager
def naming(path, instead_of=()):
    """Let an OSError raised in the block name ``path`` (the file the user asked for) when it names none,
    or names one of ``instead_of`` (the hidden temporary file written in its place).

    A full disk while pandas or matplotlib writes is "No space left on device" with no file, or with
    the name of a temporary file the user never asked for; the one line the command prints should say
    which file could not be written.
    """
    hidden = {str(p) for p in instead_of}
    try:
        yield
    except OSError as exc:
        if exc.filename is not None and str(exc.filename) not in hidden:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


@contextmanager
def atomic_paths(paths):
    """``atomic_path`` for several files that belong together: temporary paths, in order, all moved
    into place only when the block succeeds, so a failure (a full disk) leaves none of them new.

    The moves are renames within each file's folder, which need no space; a reader may see some
    new files next to old ones only for the instant between the renames.
    """
    paths = [Path(p) for p in paths]
    temps = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            temps.append(_temp_for(path))
        try:
            yield list(temps)
        except OSError as exc:  # a full disk names the file asked for, not its hidden temporary file
            asked = dict(zip(map(str, temps), map(str, paths))).get(str(exc.filename))
            if asked is None:
                raise
            raise OSError(exc.errno, exc.strerror or str(exc), asked) from None
        for tmp, path in zip(temps, paths):
            os.replace(tmp, path)
    finally:
        for tmp in temps:
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


def _text_width(text) -> int:
    # Characters a column needs to show ``text``: CJK characters take two.
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _shown(value, number_format) -> str:
    # Roughly what Excel shows for ``value`` in ``number_format``, to size the column.
    if isinstance(value, (int, float)) and value == value:
        if number_format.endswith("%"):
            return f"{value:.1%}"
        return f"{value:,.1f}" if number_format.endswith(".0") else f"{value:,.0f}"
    return "" if value is None or value != value else str(value)


def _format_sheet(sheet, frame, formats) -> None:
    # Header frozen and bold, a filter on it, number formats by column, columns as wide as their text.
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = sheet.dimensions
    for i, column in enumerate(frame.columns, start=1):
        letter, number_format = get_column_letter(i), formats.get(column, "General")
        sheet.cell(row=1, column=i).font = Font(bold=True)
        for row in range(2, len(frame) + 2):
            sheet.cell(row=row, column=i).number_format = number_format
        texts = [str(column), *(_shown(v, number_format) for v in frame[column].tolist())]
        sheet.column_dimensions[letter].width = min(60, max(_text_width(s) for s in texts) + 2)


def write_excel_atomic(sheets, path, formats=None) -> Path:
    """Write an .xlsx workbook atomically, ready to read as it opens.

    Parameters
    ----------
    sheets : DataFrame or dict
        One table (a sheet named ``summary``) or ``{sheet name: table}``, written without index.
    path : str or Path
        The .xlsx file.
    formats : dict, optional
        Column name -> Excel number format (``"0.0%"``, ``"#,##0.0"``); other columns ``General``.
        Every sheet gets a frozen bold header with a filter, and columns as wide as their text.
    """
    import pandas as pd  # here, so that importing fileio stays light

    sheets = sheets if isinstance(sheets, dict) else {"summary": sheets}
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, index=False, sheet_name=name)
                _format_sheet(writer.sheets[name], frame, formats or {})
    return Path(path)


def refuse_raw(path, raw_dir, option, advice="write to reports/ or another folder") -> Path:
    """``path`` as given, unless it resolves to ``raw_dir`` or anywhere under it.

    data/raw/ holds the sources and is never written by code; every ``--out``/``--output``, and
    every folder a command writes on its own (data/processed, reports, a run's folder), goes
    through this check, symbolic links and ``..`` resolved first.

    Parameters
    ----------
    path : str or Path
        The file or folder a command is about to write.
    raw_dir : str or Path
        The workbook's data/raw/ folder.
    option : str
        The option that named ``path`` (``--out``, ``--output``), for the message; "" for a folder
        the command chose itself.
    advice : str
        What to do instead, for the message.

    Raises
    ------
    ParamsError
        When ``path`` is ``raw_dir`` itself or lies inside it.
    """
    target, raw = Path(path).resolve(), Path(raw_dir).resolve()
    if target == raw or raw in target.parents:
        shown = f"{option} {path}" if option else str(path)
        link = "" if target == Path(os.path.abspath(path)) else f" (it leads to {target} through a link)"
        raise ParamsError(f"{shown}: data/raw/ holds the sources and is never written{link}; {advice}")
    return Path(path)


def write_tables_atomic(tables, folder) -> list:
    """Write ``{file name: DataFrame}`` as the CSV files of ``folder``, replacing the folder whole.

    Every table is written into a hidden sibling folder first, which then replaces ``folder`` by
    rename (``replace_folder``): a reader sees all old tables or all new ones, and a failed write
    (a full disk) leaves the old folder complete. Other files in ``folder`` are carried over. A
    ``folder`` that is a link (to another disk, say) stays a link: its target is replaced.

    Raises
    ------
    DgforecastError
        When a table cannot be written, naming it; ``folder`` is then as it was.
    """
    folder = Path(folder)
    final = folder.resolve() if folder.is_symlink() else folder
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(final.parent)
    staging = temp_folder(final.parent, f".{final.name}.partial-{os.getpid()}-")
    try:
        for name, frame in tables.items():
            try:
                frame.to_csv(staging / name, index=False, encoding="utf-8")
            except OSError as exc:
                raise DgforecastError(f"{folder / name}: {exc.strerror or exc}; {folder} is as it was") from None
        if final.is_dir():
            for kept in final.iterdir():
                if kept.name not in tables and kept.is_file() and not kept.is_symlink():
                    shutil.copy2(kept, staging / kept.name)
        with locked(final.parent):  # two builds at once: each swap whole, one after the other
            replace_folder(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in tables]


def refuse_raw_anywhere(path, project, option, advice="write to reports/ or another folder"):
    """Refuse ``path`` under data/raw/ of the workbook in use, or of any workbook it lies in (exit 2);
    links and ``..`` are resolved first, so ``plans/../data/raw`` and a link to data/raw/ are refused too.

    Parameters
    ----------
    path : str, Path or None
        What ``option`` names; None (the option not given) passes.
    project : str, Path or None
        The workbook in use (``--project``), or None to find it from the current folder upward.
    option : str
        The option, for the message (``--out``, ``--output``; ``new-plan`` for its folder).
    advice : str
        What to do instead, for the message.
    """
    if path is None:
        return
    roots = [folder for folder in Path(path).resolve().parents if is_project_root(folder)]
    try:
        roots.append(find_project(project).root)
    except ProjectNotFound:  # forecast needs no workbook; run and report say so themselves
        pass
    for root in roots:
        refuse_raw(path, root / "data" / "raw", option, advice)

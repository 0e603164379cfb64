"""Where a report goes: the checks on its folder, the dated name, the lock, ``latest`` and the workbook's snapshot.

A report is built under a hidden name (``.report.partial-<pid>-…``, removed by the next run if its
process has ended) and renamed into place when done. Runs may overlap (cron beside a manual run):
each builds on its own, and only the last step — choosing the dated name, renaming, switching
``latest`` — is taken under a lock on the reports folder (``place_report``), so each run gets a
folder of its own and ``reports/latest`` points at the complete run that finished last. A failed run
never replaces a complete report given as ``--out``. A report reads one version of the workbook:
params.yaml and data/ are copied into the staging folder once, after the checks, and every notebook
and the index read the copy (``snapshot_workbook``; an edit saved meanwhile waits for the next run).
"""

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from dgforecast.core.config import ProjectPaths
from dgforecast.core.errors import DgforecastError, ParamsError
from dgforecast.core.fileio import locked, replace_folder
from dgforecast.run.provenance import data_hashes


def _first_free(folder: Path, names) -> Path:
    for name in names:
        if not os.path.lexists(folder / name):
            return folder / name
    raise ParamsError(f"{folder}: a thousand reports started in the same second; remove some")


def _default_folder(reports: Path, when: dt.datetime, stem=None) -> Path:
    """The first free name of ``<YYYY-MM-DD>``, ``<YYYY-MM-DD>_<HHMMSS>``, ``…_<HHMMSS>-2``, … in ``reports``.

    Call it under ``workbook_lock`` with the time the run finished: the name is taken by renaming
    the finished folder to it there, so names sort in the order runs finished. With ``stem``, the
    names are ``<stem>_<YYYY-MM-DD_HHMMSS>``, ``…-2``, … instead.
    """
    day, moment = when.strftime("%Y-%m-%d"), when.strftime("%Y-%m-%d_%H%M%S")
    first = [f"{stem}_{moment}"] if stem else [day, moment]
    return _first_free(reports, [*first, *(f"{first[-1]}-{n}" for n in range(2, 1000))])


def workbook_lock(folder: Path):
    """Hold an exclusive lock on ``folder`` (the reports folder) while a report is put in place.

    Concurrent runs (a cron job beside a manual run) each build in a staging folder of their own;
    only the last steps — choosing the dated name, moving the folder there, switching ``latest`` —
    are taken one run at a time, so two runs never get the same folder and ``latest`` never goes
    back to an older run. The lock is ``fileio.locked``'s, the same ``dgforecast progress`` takes on
    data/raw/.
    """
    return locked(folder)


def make_readable(folder: Path):
    """Give the report the usual permissions (temporary files start private): rw-r--r--, rwxr-xr-x."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def check_reports_folder(reports: Path, latest=True):
    """Refuse, before any work, a reports folder that cannot take a new report.

    Raises
    ------
    ParamsError
        When ``reports`` is a file or a dangling link, is not writable, or holds a ``latest``
        that is not a link (dgforecast keeps ``latest`` a link to the newest complete run).
    """
    reports = Path(reports)
    if reports.is_symlink() and not reports.exists():
        raise ParamsError(f"{reports}: is a link to {os.readlink(reports)}, which does not exist; "
                          "create that folder or remove the link")
    if reports.exists() and not reports.is_dir():
        raise ParamsError(f"{reports}: is a file, not a folder; move it away so reports can be written there")
    existing = next((p for p in (reports, *reports.parents) if p.exists()), None)
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise ParamsError(f"{existing}: not writable (permission denied); give write access or another --out")
    link = reports / "latest"
    if latest and os.path.lexists(link) and not link.is_symlink():
        raise ParamsError(f"{link}: is a {'folder' if link.is_dir() else 'file'}, not a link; dgforecast "
                          "keeps it a link to the newest complete report: move it away")


#: A report's room on disk is its snapshot of params.yaml and data/ and this many times the last complete
#: report in the reports folder: a margin for more scenarios, longer tables, the kernels' own files.
REPORT_MARGIN = 2
#: Before the first report, the size of the shipped workbook's report (four scenarios, measured 2026-12-06:
#: 5,953,788 bytes) stands for the last one.
REPORT_FIRST = 5_953_788


def folder_bytes(folder: Path) -> int:
    """The bytes of the files under ``folder`` (links not followed; 0 when it does not exist)."""
    folder = Path(folder)
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def check_report_room(parent: Path, paths: ProjectPaths):
    """Refuse, before any kernel starts, a report whose disk has less room than ``REPORT_MARGIN`` times the
    last complete report (``reports/latest``; ``REPORT_FIRST`` before the first) and its snapshot of the
    workbook: a full disk would otherwise fail notebook after notebook.

    Raises
    ------
    ParamsError
        Naming the folder, the space free and the space needed.
    """
    from dgforecast.core.limits import check_disk

    latest = paths.reports / "latest"
    last = folder_bytes(latest.resolve()) if latest.is_symlink() and latest.exists() else 0
    snapshot = folder_bytes(paths.root / "data") + paths.params_file.stat().st_size
    needed = snapshot + REPORT_MARGIN * (last or REPORT_FIRST)
    check_disk(parent, needed, f"a report ({REPORT_MARGIN} times the last one, and its copy of the workbook)",
               "free some space, or give --out a folder on another disk")


def check_outside_data(folder: Path, project_root: Path, option=""):
    """Refuse a report folder in the workbook's data/ (a link ``reports -> data`` included): a run copies
    data/ into its staging folder (``snapshot_workbook``), which would then copy itself without end.

    Raises
    ------
    ParamsError
        One line naming the folder, where it leads and what to do.
    """
    data, target = (Path(project_root) / "data").resolve(), Path(folder).resolve()
    if target == data or data in target.parents:
        shown = f"{option} {folder}" if option else str(folder)
        link = "" if target == Path(os.path.abspath(folder)) else f" (a link to {target})"
        raise ParamsError(f"{shown}: lies in the workbook's data/{link}, which every report copies as its "
                          "snapshot, so the report would copy itself; point it at a folder outside data/")


def check_replaceable(folder: Path, project_root: Path, reports: Path | None = None):
    """Refuse an output folder whose replacement would lose anything but an earlier report.

    Raises
    ------
    ParamsError
        When ``folder`` is a file, holds or is the workbook, is the workbook's reports folder,
        holds other reports (a sub-folder with a ``manifest.json``, or ``latest``), or is a
        non-empty folder without a ``manifest.json`` (so not a dgforecast report).
    """
    folder, root = Path(folder).resolve(), Path(project_root).resolve()
    reports = (root / "reports") if reports is None else Path(reports)
    if folder == reports.resolve() or (reports.is_symlink() and folder == reports.absolute()):
        raise ParamsError(f"--out {folder}: is the reports folder, which holds every report; "
                          f"name a new folder inside it, e.g. {folder / 'mine'}")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ParamsError(f"--out {folder}: is a file; give a folder for the report")
    if folder == root or folder in root.parents:
        raise ParamsError(f"--out {folder}: holds the workbook and would be replaced; give a new folder")
    held = [p.name for p in folder.iterdir() if p.name == "latest" and p.is_symlink()
            or p.is_dir() and (p / "manifest.json").is_file()]
    if held:
        raise ParamsError(f"--out {folder}: holds other reports ({', '.join(sorted(held)[:3])}) and would "
                          "replace them all; name a new folder")
    if any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise ParamsError(f"--out {folder}: exists and is not a dgforecast report (no manifest.json); "
                          "give a new or empty folder")


def _complete_report(folder: Path) -> bool:
    """Whether ``folder`` holds a report whose every notebook succeeded (its manifest says so)."""
    try:
        record = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and not record.get("failures")


def folder_state(folder: Path):
    """What is at ``folder`` now, to tell later whether another run replaced it meanwhile."""
    try:
        info = (folder / "manifest.json").stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns


#: Rename a finished staging folder to its final name, replacing one that is there.
move_into_place = replace_folder


def point_latest(reports: Path, folder: Path) -> Path:
    """Swap ``reports/latest`` to a relative symlink to ``folder`` atomically."""
    link = reports / "latest"
    tmp = reports / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(folder, reports), tmp, target_is_directory=True)
    try:
        os.replace(tmp, link)
    except OSError:
        tmp.unlink()
        raise
    return link


def place_report(staging: Path, reports: Path, out: Path | None, before, ok: bool):
    """Move a finished staging folder to its place, and point ``latest`` at it when every notebook succeeded.

    Taken under ``workbook_lock``, one run at a time: the dated name is chosen from the time the run
    finished, so the run that finishes last has the last name and ``latest`` (switched only here)
    always points at the complete run that finished last.

    Parameters
    ----------
    staging : Path
        The finished report, in ``reports`` (default place) or beside ``out``.
    reports : Path
        The workbook's reports folder.
    out : Path or None
        ``--out``: the folder asked for; None for a dated folder in ``reports``.
    before : tuple or None
        ``folder_state(out)`` when the run started.
    ok : bool
        Whether every notebook succeeded.

    Returns
    -------
    (folder, latest, note) : (Path, Path or None, str)
        Where the report now is, the ``latest`` link if it was switched, and what was kept
        instead of being replaced ("" when nothing was).

    A run with ``--out`` never replaces a complete report with a failed one, nor a report another
    run wrote there meanwhile: it then goes beside ``out`` as ``<out>_<YYYY-MM-DD_HHMMSS>``, and
    ``note`` says so.
    """
    with workbook_lock(staging.parent):
        now, note = dt.datetime.now(), ""
        final = _default_folder(reports, now) if out is None else out
        if out is not None and out.exists() and (folder_state(out) != before or not ok and _complete_report(out)):
            why = "another run wrote it meanwhile" if folder_state(out) != before else "it is a complete report"
            final = _default_folder(out.parent, now, stem=out.name)
            note = f"kept the report at {out} ({why}); this run is at {final}"
        move_into_place(staging, final)
        latest = point_latest(reports, final) if ok and out is None else None
    return final, latest, note


# ---------------------------------------------------------------- one version of the workbook per report
#: The run's copy of params.yaml and data/, inside its staging folder (removed before the report is placed).
SNAPSHOT = ".workbook"


def snapshot_workbook(paths, folder: Path, read: dict) -> ProjectPaths:
    """Copy params.yaml and data/ to ``folder``, the version every page of the report then reads.

    A report runs for minutes, and an economist may save evidence.csv meanwhile: pages made before
    and after the edit would show different numbers. Every notebook and the index read the copy,
    and the copy must be the version the checks before it read (``read``: ``data_hashes`` taken
    first), or the run stops here.

    Raises
    ------
    DgforecastError
        When a file changed between the checks and the copy, naming it; the report is not written.
    """
    folder.mkdir()
    shutil.copy2(paths.params_file, folder / "params.yaml")
    shutil.copytree(paths.root / "data", folder / "data")
    copied = data_hashes(folder)
    changed = sorted(name for name in read.keys() | copied.keys() if read.get(name) != copied.get(name))
    if changed:
        raise DgforecastError(f"{paths.root}: {', '.join(changed)} changed while the report was starting; "
                              "the report was not written and latest is as it was: run it again")
    return ProjectPaths(folder)

"""Provenance: the record of which inputs and software produced a report (its manifest.json)."""

import datetime as dt
import hashlib
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: Packages whose versions go into manifest.json.
MANIFEST_PACKAGES = ("dgforecast", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "mplfonts",
                     "pydantic", "pyyaml", "papermill", "nbclient", "nbconvert", "ipykernel", "openpyxl")


def sha256_of(path) -> str:
    """The sha256 of a file's bytes, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_hashes(root) -> dict:
    """sha256 of params.yaml and every file under data/raw/, keyed by path relative to ``root``."""
    root = Path(root)
    files = [root / "params.yaml", *sorted(p for p in (root / "data" / "raw").rglob("*") if p.is_file())]
    return {f.relative_to(root).as_posix(): sha256_of(f) for f in files if f.is_file()}


def package_versions() -> dict:
    """The Python version and the installed version of each of MANIFEST_PACKAGES (None: not installed)."""
    found = {"python": sys.version.split()[0]}
    for name in MANIFEST_PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def git_state(root) -> dict | None:
    """The commit of the workbook's git checkout and whether it has changes; None outside git."""
    def git(*args):
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}


def manifest(paths, params, overrides, runs, seconds, workers, sweep_file=None, hashes=None) -> dict:
    """The record of a run: enough to say which inputs and software produced the numbers.

    Parameters
    ----------
    paths : ProjectPaths
        The workbook.
    params : dict
        Scenario name -> ScenarioParams as run.
    overrides : dict
        The ``-p KEY=VALUE`` values laid over every scenario.
    runs : dict
        Job name -> NotebookRun (their times in seconds and failures are recorded).
    seconds : float
        Wall time of the whole run.
    workers : int
        Worker processes used.
    sweep_file : Path, optional
        The sweep results file the heat map was drawn from (its sha256 is recorded).
    hashes : dict, optional
        ``data_hashes`` of the version of params.yaml and data/raw/ the run read (a report reads its
        snapshot); default: the workbook's files as they are now.
    """
    sweep = None if sweep_file is None else {"file": str(sweep_file), "sha256": sha256_of(sweep_file)}
    return {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "project": str(paths.root),
        "overrides": overrides,
        "parameters": {name: p.model_dump(mode="json") for name, p in params.items()},
        "data_files_sha256": data_hashes(paths.root) if hashes is None else hashes,
        "sweep": sweep,
        "packages": package_versions(),
        "git": git_state(paths.root),
        "workers": workers,
        "timings": {"total_seconds": round(seconds, 2),
                    "notebooks_seconds": {name: round(run.seconds, 2) for name, run in runs.items()}},
        "failures": {name: str(run.failure) for name, run in runs.items() if not run.ok},
    }

"""A page per sweep point (``dgforecast sweep --notebooks``): the scenario notebook and its HTML.

Each point's notebook is named after the hash of its resolved parameters, so a rerun skips the
points already rendered and retries only the failed ones. The notebooks run through the one
notebook runner (``jobs.run_jobs``), which also starts a kernel again that died before its
first cell.
"""

import hashlib
import os
from pathlib import Path

import pandas as pd

from dgforecast.core.errors import DgforecastError
from dgforecast.core.fileio import write_csv_atomic
from dgforecast.engine.batch import point_params
from dgforecast.plan.params import to_papermill_yaml
from dgforecast.present.index_page import sweep_point_html
from dgforecast.run.jobs import Progress, check_sources, run_job, run_jobs, scenario_job, scenario_subject

#: Where the pages of ``sweep_base.csv`` go: ``sweep_base_notebooks/``.
NOTEBOOKS_SUFFIX = "_notebooks"


class NotebooksFailed(DgforecastError):
    """Some points' notebooks failed; the others are kept and a rerun retries only the failures."""

    exit_code = 1


def point_hash(params) -> str:
    """12 hex digits identifying a point's resolved parameters (sha256 of their papermill YAML)."""
    return hashlib.sha256(to_papermill_yaml(params).encode("utf-8")).hexdigest()[:12]


def notebook_job(params, root, folder, grid_values, source=None):
    """The scenario notebook run for one point, named after its parameter hash; its title names the point."""
    values = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}" for k, v in grid_values.items())
    return scenario_job(params, root, Path(folder).resolve(), f"point_{point_hash(params)}",
                        sweep_point_html(params, grid_values), source=source,
                        subject=f"扫描点 Sweep point {values} · {scenario_subject(params)}")


def is_rendered(job) -> bool:
    """True when the point's executed notebook and its HTML page (written last) both exist."""
    return job.output.is_file() and job.html.is_file()


def render_point(job):
    """Execute one point's notebook and HTML (in a worker process).

    A run whose cell raised keeps its files under ``<name>.failed.*`` so that a rerun tries again.
    """
    run = run_job(job)
    for path in (job.output, job.html):
        failed = path.with_suffix(".failed" + path.suffix)
        if not run.ok and path.exists():
            os.replace(path, failed)
        elif run.ok:
            failed.unlink(missing_ok=True)
    return run


def _remove_stale_temporaries(folder):
    # An interrupted run (Ctrl-C, kill) can leave hidden temporary files beside the outputs.
    for path in Path(folder).glob(".point_*"):
        path.unlink(missing_ok=True)


def render_point_notebooks(points, setup, paths, out, jobs=1, source=None, stream=None) -> str:
    """Render the scenario notebook and its HTML for every grid point, skipping finished ones.

    Parameters
    ----------
    points : DataFrame
        The grid points.
    setup : EngineSetup
        The scenario the grid overrides (``setup.base``).
    paths : ProjectPaths
        The workbook.
    out : Path
        The sweep's results file; the pages go to the folder ``<stem>_notebooks`` beside it.
    jobs : int
        Notebooks executed at once, each in its own process and kernel.
    source : Path, optional
        The notebook to run (default notebooks/03_scenario.ipynb).
    stream : file, optional
        Where one progress line per point goes (default stderr).

    Returns
    -------
    str
        How many points were rendered, skipped and failed, and where ``index.csv`` lists them.

    Raises
    ------
    NotebooksFailed
        When some point's notebook failed (after the others ran and index.csv was written).
    """
    folder = Path(out).with_name(Path(out).stem + NOTEBOOKS_SUFFIX)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(folder)
    rows = points.to_dict(orient="records")
    all_jobs = [notebook_job(params, paths.root, folder, row, source)
                for params, row in zip(point_params(points, setup.base), rows)]
    check_sources(all_jobs[:1])
    pending = list({job.name: job for job in all_jobs if not is_rendered(job)}.values())
    runs = run_jobs(pending, jobs, Progress(len(pending), stream), run=render_point)
    failed = {name: str(run.failure) for name, run in runs.items() if not run.ok}
    index = points.copy()
    index["point"] = [job.name for job in all_jobs]
    index["status"] = ["failed" if job.name in failed else "ok" for job in all_jobs]
    kept = [(job.output, job.html) if job.name not in failed else
            (job.output.with_suffix(".failed.ipynb"), job.html.with_suffix(".failed.html")) for job in all_jobs]
    index["notebook"] = [notebook.name for notebook, _ in kept]
    index["html"] = [page.name for _, page in kept]
    write_csv_atomic(pd.DataFrame(index), folder / "index.csv")
    skipped = len(all_jobs) - len(pending)
    text = (f"notebooks: {len(pending) - len(failed)} rendered, {skipped} already there (same parameter hash), "
            f"{len(failed)} failed; listed in {folder / 'index.csv'}")
    if failed:
        raise NotebooksFailed(text + "; rerun the same command to retry the failed points")
    return text

"""Scenario runs and the report: executed notebooks, HTML pages, index, summary tables, manifest.

``build_report`` runs the workbook's notebooks (01 and 02 once, 03 for every scenario, 04 across
the scenarios) in parallel worker processes, then writes into one folder::

    index.html            scenario x target table: P(met), status colour, links, failures
    summary.csv / .xlsx   tidy: scenario, target_id, p_met, median, q10, q90, status
    manifest.json         parameters, sha256 of the data files, package versions, git, timings
    scenarios/<name>.ipynb and .html, and the notebooks 01, 02 and 04 (.ipynb and .html)
    05_sweep.ipynb and .html   with ``sweep_file`` only: the P(met) heat map of a sweep results file

Every parameter is validated before any kernel starts. The folder is built under a hidden name
and renamed into place when done; ``reports/latest`` is swapped atomically to the new folder only
when every notebook succeeded, so a failed run leaves the previous ``latest`` intact.
"""

import datetime as dt
import hashlib
import html
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from dgforecast.assess import SUMMARY_COLUMNS
from dgforecast.config import find_project
from dgforecast.errors import ParamsError
from dgforecast.fileio import atomic_path, write_csv_atomic, write_text_atomic
from dgforecast.notebook import CellFailure, NotebookRun, execute_notebook
from dgforecast.workers import stop_pool, worker_start

log = logging.getLogger(__name__)

PLAN_NOTEBOOK = "01_plan_baselines.ipynb"
HISTORY_NOTEBOOK = "02_history_and_models.ipynb"
SCENARIO_NOTEBOOK = "03_scenario.ipynb"
ACROSS_NOTEBOOK = "04_targets_across_scenarios.ipynb"
SWEEP_NOTEBOOK = "05_sweep.ipynb"
#: Background colours of the status labels in index.html.
STATUS_COLOURS = {"提前实现": "#7fbc41", "快于预期": "#b8e186", "基本符合预期": "#e6f5d0",
                  "存在风险": "#fdae61", "难以实现": "#f46d43", "failed": "#bbbbbb"}
#: Packages whose versions go into manifest.json.
MANIFEST_PACKAGES = ("dgforecast", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "mplfonts",
                     "pydantic", "pyyaml", "papermill", "nbclient", "nbconvert", "ipykernel", "openpyxl")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute: what, with which parameters, where its outputs go."""

    name: str                 # output stem relative to the report folder, e.g. "scenarios/base"
    source: Path
    folder: Path              # the report folder; also the kernel's working folder
    parameters: dict
    preamble_html: str = ""
    show_code: bool = False

    @property
    def output(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def html(self) -> Path:
        return self.folder / f"{self.name}.html"


@dataclass
class ReportResult:
    """What ``build_report`` produced."""

    folder: Path
    runs: dict                # job name -> NotebookRun
    summary: pd.DataFrame
    seconds: float
    latest: Path | None = None
    failures: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# ---------------------------------------------------------------- parameters, before any kernel
def scenario_list(params_file, scenarios=None) -> list[str]:
    """The scenarios to run: ``None`` or ``"all"`` for every one in params.yaml, else the names given.

    Raises
    ------
    ParamsError
        For an unknown name (with a did-you-mean) or an empty list.
    """
    from dgforecast.params import did_you_mean, scenario_names

    known = scenario_names(params_file)
    if scenarios is None or scenarios == "all" or list(scenarios) == ["all"]:
        return known
    names = [s.strip() for s in (scenarios.split(",") if isinstance(scenarios, str) else scenarios) if s.strip()]
    if not names:
        raise ParamsError("--scenarios: no scenario named; give a,b or all")
    for name in names:
        if name not in known:
            guess = did_you_mean(name, known)
            hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(known)} or all"
            raise ParamsError(f"{params_file}: scenario {name!r} not found; {hint}")
    return list(dict.fromkeys(names))


def preflight(params_by_name, project) -> None:
    """Assess every scenario with a handful of paths, so errors that depend on the data (an
    ``as_of_year`` without actual figures, a target beyond ``target_year``, a series too short for
    the fitted engine) stop the command with one line before any kernel starts.

    Raises
    ------
    ParamsError
        The first scenario's problem (a ParamsError, DataError or ModelError underneath),
        prefixed with its name.
    """
    from dgforecast.assess import assess_inputs, load_inputs
    from dgforecast.errors import DgforecastError

    inputs = load_inputs(project)
    for name, params in params_by_name.items():
        try:
            assess_inputs(params.model_copy(update={"n_sims": 10}), inputs)
        except DgforecastError as exc:
            raise ParamsError(f"scenario {name}: {exc}") from None


def safe_child(folder, name) -> Path:
    """``folder / name``, refusing names that would land outside ``folder`` (``..``, ``/``)."""
    folder = Path(folder).resolve()
    target = (folder / name).resolve()
    if target.parent != folder or name in ("", ".", "..") or "/" in name or "\\" in name:
        raise ParamsError(f"scenario name {name!r}: would write outside {folder}; use letters, digits, - and _")
    return folder / name


def notebook_parameters(params, project_root) -> dict:
    """What the runner injects into a notebook: the resolved scenario and the workbook folder."""
    values = params.model_dump(mode="python")
    values["growth_overrides"] = {int(k): float(v) for k, v in values["growth_overrides"].items()}
    values["project_dir"] = str(project_root)
    return values


# ---------------------------------------------------------------- tables the notebooks display
def parameters_frame(params) -> pd.DataFrame:
    """Every parameter of a scenario with its labels, value and unit (the table pages open with)."""
    from dgforecast.params import FIELDS

    values = params.model_dump(mode="json")
    rows = []
    for name, entry in FIELDS.items():
        value = values.get(name)
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        rows.append({"key": name, "参数": entry["label_zh"], "parameter": entry["label_en"],
                     "value": value, "unit": entry["unit"]})
    return pd.DataFrame(rows)


def _percent(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def _level(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.1f}"


def goal_text(target) -> str:
    """A target's goal in one phrase, e.g. ``>= 5,400 亿元 by 2025`` ("" without a threshold)."""
    if "threshold" not in target or pd.isna(target["threshold"]):
        return ""
    return f"{target.get('comparison', '')} {target['threshold']:,.0f} {target.get('unit', '')} by {target.get('deadline', '')}"


def summary_view(summary, targets) -> pd.DataFrame:
    """The summary table for reading: target names, P(met) in %, levels with separators, status in both languages.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS (``assess`` or summary.csv).
    targets : DataFrame
        The target registry (``data.load_targets``), for names, units and thresholds.
    """
    from dgforecast.assess import STATUS_EN

    names = targets.set_index("id")
    view = pd.DataFrame({
        "scenario": summary["scenario"],
        "target": [f"{names.loc[t, 'name_zh']} ({t})" if t in names.index else t for t in summary["target_id"]],
        "threshold": [goal_text(names.loc[t]) if t in names.index else "" for t in summary["target_id"]],
        "P(met)": summary["p_met"].map(_percent),
        "median": summary["median"].map(_level),
        "q10": summary["q10"].map(_level),
        "q90": summary["q90"].map(_level),
        "status": [f"{s} {STATUS_EN.get(s, '')}".strip() for s in summary["status"].fillna("")],
    })
    return view


def crossing_view(crossing, last_year) -> pd.DataFrame:
    """When each level target is first met: median year and 80 % band (10th-90th percentile).

    A percentile the paths do not reach by ``last_year`` reads "after <last_year>".
    """
    def year(value):
        return f"after {last_year}" if value is None else str(value)

    rows = [{"target_id": t, "median year": year(c["median"]), "q10 year": year(c["q10"]),
             "q90 year": year(c["q90"]), "never by last year": _percent(c["never_share"])}
            for t, c in crossing.items()]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- HTML pieces (all escaped)
def _e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _href(path) -> str:
    return _e(quote(str(path).replace(os.sep, "/")))


def parameters_table_html(params) -> str:
    """The table a scenario page opens with: every parameter, its value, unit and labels."""
    rows = [f"<tr><td><code>{_e(r.key)}</code></td><td>{_e(r.参数)}</td><td>{_e(r.parameter)}</td>"
            f"<td>{_e(r.value)}</td><td>{_e(r.unit)}</td></tr>" for r in parameters_frame(params).itertuples()]
    return ("<section class='dgf-params' style='margin:1em 2em'>"
            f"<h2>情景参数 Parameters: {_e(params.label_zh)} / {_e(params.label_en)} "
            f"(<code>{_e(params.scenario)}</code>)</h2>"
            "<table border='1' style='border-collapse:collapse'><thead><tr><th>key</th><th>参数</th>"
            "<th>parameter</th><th>value</th><th>unit</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def assumptions_text(params) -> str:
    """The scenario's main assumptions in a few words, e.g. ``growth 6.0%/yr, volatility 6.0%; 2022: -5.0%``."""
    basis = " real" if params.price_basis == "real" else ""
    text = f"{params.engine}: growth {params.growth:.1%}/yr{basis}, volatility {params.volatility:.1%}"
    if params.growth_overrides:
        text += "; " + ", ".join(f"{y}: {g:.1%}" for y, g in sorted(params.growth_overrides.items()))
    if params.revenue_to_output_ratio != 1.0:
        text += f"; revenue/output {params.revenue_to_output_ratio:g}"
    return text


def _goal_html(target) -> str:
    goal = goal_text(target)
    return f"<br><small>{_e(goal)}</small>" if goal else ""


def _status_cell(row) -> str:
    status = row.get("status")
    status = "" if pd.isna(status) else str(status)
    colour = STATUS_COLOURS.get(status, "#eeeeee")
    return f"<td style='background:{colour}'>{_e(_percent(row.get('p_met')))}<br><small>{_e(status)}</small></td>"


def index_html(summary, targets, scenarios, runs, labels, created) -> str:
    """index.html: scenario x target table with P(met) and status colours, links, failures.

    Parameters
    ----------
    summary : DataFrame
        SUMMARY_COLUMNS, one row per scenario and target.
    targets : DataFrame
        The target registry (``id``, ``name_zh``, ``name_en``), for column order and headings.
    scenarios : list of str
    runs : dict
        Job name -> NotebookRun (their HTML pages are linked, failures listed with their cell).
    labels : dict
        Scenario -> (label_zh, label_en) or (label_zh, label_en, assumptions in a few words).
    created : str
        Time stamp shown in the heading.
    """
    ids = [t for t in targets["id"] if t in set(summary["target_id"])] if len(summary) else []
    names = targets.set_index("id")
    head = "".join(f"<th title='{_e(names.loc[t, 'name_en'])}'>{_e(names.loc[t, 'name_zh'])}<br>"
                   f"<code>{_e(t)}</code>{_goal_html(names.loc[t])}</th>" for t in ids)
    body = []
    for name in scenarios:
        run = runs.get(f"scenarios/{name}")
        link = f"<a href='{_href(f'scenarios/{name}.html')}'>{_e(name)}</a>"
        zh, en, *assumed = labels.get(name, ("", ""))
        cells = []
        rows = summary[summary["scenario"] == name].set_index("target_id") if len(summary) else pd.DataFrame()
        for t in ids:
            cells.append(_status_cell(rows.loc[t]) if t in rows.index
                         else "<td style='background:#bbbbbb'>failed</td>")
        state = "" if run is None or run.ok else " <strong>(failed)</strong>"
        note = f"<br><small>{_e(assumed[0])}</small>" if assumed else ""
        body.append(f"<tr><th>{link}{state}<br><small>{_e(zh)} {_e(en)}</small>{note}</th>{''.join(cells)}</tr>")
    legend = "".join(f"<span style='background:{c};padding:0 .5em;margin-right:.3em'>{_e(s)}</span>"
                     for s, c in STATUS_COLOURS.items())
    pages = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a> ({run.seconds:.1f} s"
                    f"{'' if run.ok else ', failed'})</li>" for name, run in sorted(runs.items()))
    failures = "".join(f"<li><a href='{_href(name + '.html')}'>{_e(name)}</a>: {_e(run.failure)}"
                       f"<pre>{_e(run.failure.source)}</pre></li>" for name, run in runs.items() if not run.ok)
    failed_block = (f"<h2 style='color:#b2182b'>失败 Failures</h2><ul>{failures}</ul>" if failures else "")
    sweep_page = Path(SWEEP_NOTEBOOK).stem
    sweep_run = runs.get(sweep_page)
    sweep_line = ("" if sweep_run is None else
                  f"<p>参数扫描 Sweep: <a href='{_href(sweep_page + '.html')}'>P(met) over two assumptions "
                  f"(heat map)</a>{'' if sweep_run.ok else ' <strong>(failed)</strong>'}</p>")
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>dgforecast report {_e(created)}</title>
<style>body{{font-family:sans-serif;margin:2em}} td,th{{padding:.3em .6em;border:1px solid #999;text-align:center}}
table{{border-collapse:collapse}} pre{{background:#f4f4f4;padding:.5em;text-align:left}}</style></head>
<body><h1>东莞高端装备制造业目标评估 Dongguan high-end equipment targets: {_e(created)}</h1>
<p>每格为目标实现概率 P(target met) 与状态。Each cell: probability the target is met by its deadline, and its
status. “—”: no probability (count targets without progress data show their required pace in notebook 04).</p>
{failed_block}
<table><thead><tr><th>情景 scenario</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>
<p>{legend}</p>
{sweep_line}
<p><a href="summary.csv">summary.csv</a> · <a href="summary.xlsx">summary.xlsx</a> ·
<a href="manifest.json">manifest.json</a></p>
<h2>页面 Pages</h2><ul>{pages}</ul>
</body></html>
"""


# ---------------------------------------------------------------- running notebooks
def run_job(job: NotebookJob) -> NotebookRun:
    """Execute one job (in a worker process or in this one); kernels get one thread each."""
    return execute_notebook(job.source, job.output, job.parameters, cwd=job.folder, html=job.html,
                            show_code=job.show_code, preamble_html=job.preamble_html)


class Progress:
    """One line per finished notebook; on a terminal the line is rewritten in place instead."""

    def __init__(self, total, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, name, run):
        self.done += 1
        state = "ok" if run.ok else f"FAILED at {run.failure}"
        line = f"[{self.done}/{self.total}] {name}: {state} ({run.seconds:.1f} s)"
        if self.tty and run.ok:
            end = "\n" if self.done == self.total else ""
            self.stream.write(f"\r\033[K{line}{end}")
        else:
            self.stream.write(("\r\033[K" if self.tty else "") + line + "\n")
        self.stream.flush()


def _crashed(job, exc) -> NotebookRun:
    return NotebookRun(job.source, job.output, None, 0.0, CellFailure(-1, None, type(exc).__name__, str(exc)))


def run_jobs(jobs, workers=1, progress=None) -> dict:
    """Execute ``jobs`` with ``workers`` processes; a failing notebook does not stop the others.

    Returns
    -------
    dict
        Job name -> NotebookRun, in the order of ``jobs``.
    """
    progress = progress or (lambda name, run: None)
    runs = {}
    for job in jobs:
        job.output.parent.mkdir(parents=True, exist_ok=True)
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            try:
                runs[job.name] = run_job(job)
            except Exception as exc:  # noqa: BLE001 (as in a worker: this notebook fails, the rest run)
                runs[job.name] = _crashed(job, exc)
            progress(job.name, runs[job.name])
    else:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=worker_start)
        try:
            futures = {pool.submit(run_job, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    runs[job.name] = future.result()
                except Exception as exc:  # noqa: BLE001 (a worker that died fails its notebook only)
                    runs[job.name] = _crashed(job, exc)
                progress(job.name, runs[job.name])
        except BaseException:  # Ctrl-C: stop now; the caller removes the half-built folder
            stop_pool(pool)
            raise
        pool.shutdown()
    return {job.name: runs[job.name] for job in jobs}


# ---------------------------------------------------------------- summaries, manifest, folders
def read_summaries(folder, scenarios, runs) -> pd.DataFrame:
    """The summary rows each successful scenario notebook wrote, as one tidy table."""
    frames = []
    for name in scenarios:
        path = Path(folder) / "scenarios" / f"{name}_summary.csv"
        if runs[f"scenarios/{name}"].ok and path.is_file():
            frames.append(pd.read_csv(path, encoding="utf-8"))
    if not frames:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def write_excel_atomic(frame, path) -> Path:
    """Write a DataFrame as an .xlsx workbook (one sheet, no index) atomically."""
    with atomic_path(path) as tmp:
        frame.to_excel(tmp, index=False, sheet_name="summary", engine="openpyxl")
    return Path(path)


def sha256_of(path) -> str:
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
    from importlib.metadata import PackageNotFoundError, version

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


def manifest(paths, params, overrides, runs, seconds, workers, sweep_file=None) -> dict:
    """The record of a run: enough to say which inputs and software produced the numbers."""
    sweep = None if sweep_file is None else {"file": str(sweep_file), "sha256": sha256_of(sweep_file)}
    return {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "project": str(paths.root),
        "overrides": overrides,
        "parameters": {name: p.model_dump(mode="json") for name, p in params.items()},
        "data_files_sha256": data_hashes(paths.root),
        "sweep": sweep,
        "packages": package_versions(),
        "git": git_state(paths.root),
        "workers": workers,
        "timings": {"total_seconds": round(seconds, 2),
                    "notebooks_seconds": {name: round(run.seconds, 2) for name, run in runs.items()}},
        "failures": {name: str(run.failure) for name, run in runs.items() if not run.ok},
    }


def _default_folder(reports: Path) -> Path:
    """reports/<YYYY-MM-DD>, or <YYYY-MM-DD>_<HHMMSS> when today's folder exists (never overwritten)."""
    now = dt.datetime.now()
    folder = reports / now.strftime("%Y-%m-%d")
    return folder if not folder.exists() else reports / now.strftime("%Y-%m-%d_%H%M%S")


def _make_readable(folder: Path):
    """Give the report the usual permissions (temporary files start private): rw-r--r--, rwxr-xr-x."""
    mask = os.umask(0)
    os.umask(mask)
    for path in [folder, *folder.rglob("*")]:
        path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)


def check_replaceable(folder: Path, project_root: Path):
    """Refuse an output folder whose replacement would lose anything but an earlier report.

    Raises
    ------
    ParamsError
        When ``folder`` is a file, holds or is the workbook, or is a non-empty folder without a
        ``manifest.json`` (so not a dgforecast report).
    """
    folder, root = Path(folder).resolve(), Path(project_root).resolve()
    if not folder.exists():
        return
    if not folder.is_dir():
        raise ParamsError(f"--out {folder}: is a file; give a folder for the report")
    if folder == root or folder in root.parents:
        raise ParamsError(f"--out {folder}: holds the workbook and would be replaced; give a new folder")
    if any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise ParamsError(f"--out {folder}: exists and is not a dgforecast report (no manifest.json); "
                          "give a new or empty folder")


def _move_into_place(staging: Path, final: Path):
    """Rename the finished staging folder to ``final``, replacing an existing ``final``."""
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
        os.replace(final, old / final.name)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, final)


def point_latest(reports: Path, folder: Path) -> Path:
    """Swap ``reports/latest`` to a relative symlink to ``folder`` atomically."""
    link = reports / "latest"
    tmp = reports / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(folder, reports), tmp, target_is_directory=True)
    os.replace(tmp, link)
    return link


# ---------------------------------------------------------------- the two entry points
def report_jobs(paths, names, params, overrides, folder, show_code, sweep_file=None) -> list:
    """The notebooks of a report, slowest first so parallel workers finish together.

    01 and 02 run once with the first scenario (``base`` if chosen), 03 once per scenario (writing
    ``scenarios/<name>_summary.csv``), 04 once across all scenarios with the ``overrides``, and 05
    on ``sweep_file`` when one is given.

    Raises
    ------
    ParamsError
        When a notebook is missing from the workbook's notebooks/ folder.
    """
    nb = paths.notebooks
    first = "base" if "base" in names else names[0]
    shared = notebook_parameters(params[first], paths.root)
    opening = parameters_table_html(params[first])
    jobs = [NotebookJob(Path(HISTORY_NOTEBOOK).stem, nb / HISTORY_NOTEBOOK, folder, shared, opening, show_code)]
    jobs += [NotebookJob("scenarios/" + n, nb / SCENARIO_NOTEBOOK, folder,
                         {**notebook_parameters(params[n], paths.root), "summary_csv": f"scenarios/{n}_summary.csv"},
                         parameters_table_html(params[n]), show_code) for n in names]
    jobs += [NotebookJob(Path(ACROSS_NOTEBOOK).stem, nb / ACROSS_NOTEBOOK, folder,
                         {"project_dir": str(paths.root), "scenarios": names, "overrides": overrides}, "", show_code),
             NotebookJob(Path(PLAN_NOTEBOOK).stem, nb / PLAN_NOTEBOOK, folder, shared, opening, show_code)]
    if sweep_file is not None:
        jobs.append(NotebookJob(Path(SWEEP_NOTEBOOK).stem, nb / SWEEP_NOTEBOOK, folder,
                                {"project_dir": str(paths.root), "results_file": str(sweep_file)}, "", show_code))
    for job in jobs:
        if not job.source.is_file():
            raise ParamsError(f"{job.source}: notebook not found; restore it from git")
    return jobs


def build_report(project=None, scenarios=None, out=None, workers=None, show_code=False, overrides=None,
                 progress_stream=None, sweep_file=None) -> ReportResult:
    """Run every notebook for the chosen scenarios and write the report folder.

    Parameters
    ----------
    project : str or Path, optional
        The workbook; default: found from the current folder upward.
    scenarios : str or list of str, optional
        ``"a,b"``, a list, or ``None``/``"all"`` for every scenario in params.yaml.
    out : str or Path, optional
        The report folder (replaced if it exists). Default ``reports/<YYYY-MM-DD>/``, and then
        ``reports/latest`` points at it if every notebook succeeded.
    workers : int, optional
        Worker processes (default: the number of CPUs).
    show_code : bool
        Keep code cells in the HTML pages.
    overrides : dict, optional
        Parameter values laid over every scenario (as ``-p KEY=VALUE``).
    progress_stream : file, optional
        Where progress lines go (default: stderr).
    sweep_file : str or Path, optional
        A ``dgforecast sweep`` results file (.csv or .parquet, two or more grid keys); notebook 05
        then draws its P(met) heat map and index.html links the page.

    Raises
    ------
    ParamsError
        Before any notebook runs, for an unknown scenario, a bad parameter or sweep file.
    """
    from dgforecast.data import load_targets
    from dgforecast.params import resolve_scenario
    from dgforecast.sweep import check_heat_map_file

    started = time.perf_counter()
    paths = find_project(project)
    overrides = dict(overrides or {})
    names = scenario_list(paths.params_file, scenarios)
    params = {n: resolve_scenario(paths.params_file, n, overrides) for n in names}
    preflight(params, paths.root)
    targets = load_targets(paths.raw)
    if sweep_file is not None:
        sweep_file = check_heat_map_file(sweep_file, set(targets["id"]))
    reports = paths.reports if out is None else Path(out).resolve().parent
    final = _default_folder(paths.reports) if out is None else Path(out).resolve()
    check_replaceable(final, paths.root)
    for name in names:
        safe_child(final / "scenarios", name)
    reports.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=reports))
    try:
        workers = workers or os.cpu_count() or 1
        jobs = report_jobs(paths, names, params, overrides, staging, show_code, sweep_file)
        runs = run_jobs(jobs, workers, Progress(len(jobs), progress_stream))
        summary = read_summaries(staging, names, runs)
        write_csv_atomic(summary, staging / "summary.csv")
        write_excel_atomic(summary, staging / "summary.xlsx")
        created = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        labels = {n: (p.label_zh, p.label_en, assumptions_text(p)) for n, p in params.items()}
        write_text_atomic(staging / "index.html", index_html(summary, targets, names, runs, labels, created))
        seconds = time.perf_counter() - started
        record = manifest(paths, params, overrides, runs, seconds, workers, sweep_file)
        write_text_atomic(staging / "manifest.json", json.dumps(record, ensure_ascii=False, indent=2, default=str))
        _make_readable(staging)
        _move_into_place(staging, final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    failures = [name for name, run in runs.items() if not run.ok]
    result = ReportResult(final, runs, summary, seconds, failures=failures)
    if not failures and final.parent == paths.reports.resolve():
        result.latest = point_latest(paths.reports, final)
    return result


def run_scenario(scenario, overrides=None, out=None, project=None, show_code=False) -> tuple:
    """Run the scenario notebook (03) once: executed notebook, HTML page and summary table.

    Parameters
    ----------
    scenario : str
        A scenario name from params.yaml.
    overrides : dict, optional
        Parameter values that win over params.yaml (``-p KEY=VALUE``).
    out : str or Path, optional
        Output folder; default ``reports/runs/<YYYY-MM-DD>/``. Files ``<scenario>.ipynb``,
        ``<scenario>.html`` and ``<scenario>_summary.csv`` in it are replaced atomically.

    Returns
    -------
    (NotebookRun, DataFrame)
        The run, and its summary (empty when the notebook failed).
    """
    from dgforecast.params import resolve_scenario

    paths = find_project(project)
    params = resolve_scenario(paths.params_file, scenario, overrides)
    preflight({scenario: params}, paths.root)
    folder = Path(out) if out is not None else paths.reports / "runs" / dt.date.today().isoformat()
    safe_child(folder, scenario)
    folder.mkdir(parents=True, exist_ok=True)
    job = NotebookJob(scenario, paths.notebooks / SCENARIO_NOTEBOOK, folder.resolve(),
                      {**notebook_parameters(params, paths.root), "summary_csv": f"{scenario}_summary.csv"},
                      parameters_table_html(params), show_code)
    if not job.source.is_file():
        raise ParamsError(f"{job.source}: notebook not found; restore it from git")
    run = run_job(job)
    _make_readable(job.folder)
    summary_file = job.folder / f"{scenario}_summary.csv"
    summary = (pd.read_csv(summary_file, encoding="utf-8") if run.ok and summary_file.is_file()
               else pd.DataFrame(columns=SUMMARY_COLUMNS))
    return run, summary


# ---------------------------------------------------------------- what the commands print
def _summary_text(summary) -> str:
    """The assessed rows as text; targets without a probability are counted, not listed."""
    if summary.empty:
        return "(no summary)"
    unassessed = summary[summary["p_met"].isna()]
    view = summary[summary["p_met"].notna()].copy()
    for column in ("p_met",):
        view[column] = view[column].map(lambda v: "—" if pd.isna(v) else f"{v:.1%}")
    for column in ("median", "q10", "q90"):
        view[column] = view[column].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}")
    text = view.fillna("").to_string(index=False)
    if len(unassessed):
        per = unassessed.groupby("scenario", sort=False).size()
        text += (f"\n\n{per.iloc[0]} target(s) per scenario without a probability ({unassessed['status'].iloc[0]}: "
                 "count targets with no progress counts in data/raw/); see notebook 04 for their required pace")
    return text


def describe_run(scenario, items=None, out=None, project=None, show_code=False) -> tuple[str, int]:
    """What ``dgforecast run`` prints and its exit code (0 ok, 1 the notebook failed)."""
    from dgforecast.params import parse_overrides

    run, summary = run_scenario(scenario, parse_overrides(items), out, project, show_code)
    lines = [f"notebook: {run.output}", f"html:     {run.html}", f"time:     {run.seconds:.1f} s"]
    if not run.ok:
        lines.append(f"FAILED at {run.failure} (see the executed notebook)")
        return "\n".join(lines), 1
    return "\n".join(lines + ["", _summary_text(summary)]), 0


def describe_report(scenarios="all", items=None, out=None, workers=None, show_code=False,
                    project=None, sweep_file=None) -> tuple[str, int]:
    """What ``dgforecast report`` prints and its exit code (0 ok, 1 some notebook failed)."""
    from dgforecast.params import parse_overrides

    result = build_report(project, scenarios, out, workers, show_code, parse_overrides(items),
                          sweep_file=sweep_file)
    lines = [f"report:  {result.folder / 'index.html'}",
             f"latest:  {result.latest or 'not updated'}",
             f"time:    {result.seconds:.1f} s for {len(result.runs)} notebooks"]
    if not result.ok:
        lines += [f"FAILED:  {name}: {result.runs[name].failure}" for name in result.failures]
        return "\n".join(lines), 1
    return "\n".join(lines + ["", _summary_text(result.summary)]), 0

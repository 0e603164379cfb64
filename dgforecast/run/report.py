"""Scenario runs and the report: executed notebooks, HTML pages, index, summary tables, manifest.

``build_report`` runs the workbook's notebooks (01 and 02 once, 03 for every scenario, 04 across
the scenarios) in parallel worker processes, then writes into one folder::

    index.html            scenario x target table: P(met), status colour, links, failures
    summary.csv / .xlsx   tidy: scenario, target_id, p_met, median, q10, q90, status
    manifest.json         parameters, sha256 of the data files, package versions, git, timings
    scenarios/<name>.ipynb and .html, and the notebooks 01, 02 and 04 (.ipynb and .html)
    05_sweep.ipynb and .html   with ``sweep_file`` only: the P(met) heat map of a sweep results file

Every parameter is validated before any kernel starts. The folder is built under a hidden name and
renamed into place when done, one run at a time, and every page reads one version of the workbook,
copied once after the checks (``report_folders``: the dated names, ``latest``, the lock, the
snapshot); the manifest records the hashes of that version.

Which notebooks run, and how, is ``report_jobs``'; they run through ``jobs.run_jobs``; the pages'
look is ``index_page``'s, the manifest ``provenance``'s and the folders ``report_folders``': this
module checks the request, runs the jobs and decides what is written.
"""

import datetime as dt
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dgforecast.core.config import ProjectPaths, find_project
from dgforecast.core.errors import DgforecastError, ParamsError
from dgforecast.core.fileio import (
    refuse_raw,
    remove_stale_partials,
    temp_folder,
    write_csv_atomic,
    write_excel_atomic,
    write_text_atomic,
)
from dgforecast.core.judged import sharing_judgements
from dgforecast.core.yamlfile import did_you_mean
from dgforecast.judge.assess import REPORT_COLUMNS
from dgforecast.plan.data import load_targets
from dgforecast.plan.evidence import EVIDENCE_FILE
from dgforecast.plan.params import headline_scenario, parse_overrides, resolve_scenario, scenario_names
from dgforecast.plan.plan_file import load_plan
from dgforecast.present.facts import fact_tables, report_facts
from dgforecast.present.index_page import index_html, parameters_table_html
from dgforecast.present.memo import write_memo
from dgforecast.present.tables import SUMMARY_FORMATS, assumptions_text, summary_sheets, summary_text
from dgforecast.run.jobs import Progress, check_sources, run_job, run_jobs, scenario_job
from dgforecast.run.parameters import replaced_lines
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.provenance import data_hashes, manifest
from dgforecast.run.report_folders import (
    SNAPSHOT,
    check_outside_data,
    check_replaceable,
    check_report_room,
    check_reports_folder,
    folder_state,
    make_readable,
    place_report,
    snapshot_workbook,
)
from dgforecast.run.report_jobs import report_jobs
from dgforecast.run.sweep.results import check_heat_map_file
from dgforecast.run.unit_slips import judge_unit_slips

log = logging.getLogger(__name__)


@dataclass
class ReportResult:
    """What ``build_report`` produced."""

    folder: Path
    runs: dict                # job name -> NotebookRun
    summary: pd.DataFrame
    seconds: float
    latest: Path | None = None
    failures: list = field(default_factory=list)
    note: str = ""            # what was kept instead of being replaced (``--out`` over a complete report)
    warnings: list = field(default_factory=list)  # evidence rows read with a warning (``unit_slips``)

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
    growth override outside the simulated years, a target beyond ``target_year``, a series too short for
    the fitted engine) stop the command with one line before any kernel starts.

    Raises
    ------
    ParamsError
        The first scenario's problem (a ParamsError, DataError or ModelError underneath),
        prefixed with its name.
    """
    from dgforecast.core.errors import DgforecastError
    from dgforecast.judge.assess import assess_inputs
    from dgforecast.run.pipeline import load_inputs

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


@dataclass
class ReportRequest:
    """What a report is asked for, every part checked before any kernel starts (``check_request``)."""

    paths: ProjectPaths       # the workbook
    read: dict                # sha256 of the data files the checks read: the snapshot must be that version
    names: list               # the scenarios, in order
    params: dict              # scenario -> ScenarioParams
    overrides: dict           # laid over every scenario (``-p KEY=VALUE``)
    out: Path | None          # ``--out``, resolved; None: reports/<YYYY-MM-DD>/, and latest
    parent: Path              # the folder the report is placed in
    targets: pd.DataFrame     # the target registry (``data.load_targets``)
    sweep_file: Path | None   # the checked sweep results file of the heat map; None: no heat map
    warnings: list = field(default_factory=list)  # evidence rows read with a warning (``unit_slips``)


def check_request(project, scenarios, out, overrides, sweep_file) -> ReportRequest:
    """Every check of ``build_report``'s arguments against the workbook, before any kernel starts.

    Raises
    ------
    ParamsError
        For an unknown scenario, a bad parameter, ``--out`` or sweep file, or a scenario that fails
        ``preflight``.
    """
    paths = find_project(project)
    read = data_hashes(paths.root)  # the version the checks below read, and the snapshot must be
    overrides = dict(overrides or {})
    names = scenario_list(paths.params_file, scenarios)
    params = {n: resolve_scenario(paths.params_file, n, overrides) for n in names}
    out = None if out is None else Path(refuse_raw(out, paths.raw, "--out")).resolve()
    if out is not None:
        check_replaceable(out, paths.root, paths.reports)
    parent = paths.reports if out is None else out.parent
    refuse_raw(parent, paths.raw, "", "point the reports folder elsewhere or remove the link")
    check_outside_data(parent if out is None else out, paths.root, "" if out is None else "--out")
    check_reports_folder(parent, latest=out is None)
    check_report_room(parent, paths)
    for name in names:
        safe_child(parent / "report" / "scenarios", name)
    preflight(params, paths.root)
    inputs, evidence = load_inputs(paths.root), paths.raw / EVIDENCE_FILE  # a growth of 0.085 meant as 8.5 %
    slips = {s.note: s for name in names for s in judge_unit_slips(params[name], inputs, evidence)}
    targets = load_targets(paths.raw)
    if sweep_file is not None:
        sweep_file = check_heat_map_file(sweep_file, set(targets["id"]))
    return ReportRequest(paths, read, names, params, overrides, out, parent, targets, sweep_file, list(slips))


# ---------------------------------------------------------------- the scenarios' summaries
def read_summaries(folder, scenarios, runs) -> pd.DataFrame:
    """The summary rows each successful scenario notebook wrote, as one tidy table."""
    frames = []
    for name in scenarios:
        path = Path(folder) / "scenarios" / f"{name}_summary.csv"
        if runs[f"scenarios/{name}"].ok and path.is_file():
            frames.append(pd.read_csv(path, encoding="utf-8"))
    if not frames:
        return pd.DataFrame(columns=REPORT_COLUMNS)
    return pd.concat(frames, ignore_index=True).reindex(columns=REPORT_COLUMNS)


# ---------------------------------------------------------------- the report, written into its staging folder
def stage_report(request, staging, workers, show_code, progress, started) -> tuple:
    """Everything a report holds, written into ``staging``: the notebooks run on a snapshot of the
    workbook, then the tables and pages (``write_pages``) and the manifest; the snapshot is removed.

    Returns
    -------
    (dict, DataFrame, float)
        Job name -> NotebookRun, the summary table, and the seconds since ``started``.
    """
    workers = workers or os.cpu_count() or 1
    snapshot = snapshot_workbook(request.paths, staging / SNAPSHOT, request.read)
    jobs = report_jobs(request.paths, request.names, request.params, request.overrides, staging, show_code,
                       request.sweep_file, snapshot.root)
    progress.say(f"[report] {len(request.names)} scenario{'s' * (len(request.names) != 1)} "
                 f"({', '.join(request.names)}) checked; the notebooks read a snapshot of the workbook, the report "
                 f"is built in {staging.parent} and placed when complete")
    with sharing_judgements(staging / ".judged"):  # a scenario's verdict, track and hinge judged once
        runs = run_jobs(jobs, workers, progress)
        progress.say("[report] writing the index, the memo and the summary tables")
        summary = write_pages(staging, request, runs, snapshot)
    seconds = time.perf_counter() - started
    record = manifest(request.paths, request.params, request.overrides, runs, seconds, workers, request.sweep_file,
                      hashes=request.read)
    write_text_atomic(staging / "manifest.json", json.dumps(record, ensure_ascii=False, indent=2, default=str))
    shutil.rmtree(snapshot.root)
    make_readable(staging)
    return runs, summary, seconds


def write_pages(staging, request, runs, snapshot) -> pd.DataFrame:
    """summary.csv and summary.xlsx, the fact tables, index.html and memo.docx, into ``staging``.

    The facts are read from the run's ``snapshot`` of the workbook, the version the notebooks read.
    Returns the summary table.
    """
    summary = read_summaries(staging, request.names, runs)
    write_csv_atomic(summary, staging / "summary.csv")
    write_excel_atomic(summary_sheets(summary, request.targets), staging / "summary.xlsx", SUMMARY_FORMATS)
    created = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    inputs = load_inputs(snapshot.root)
    labels = {n: (p.label_zh, p.label_en, assumptions_text(p, inputs["plan"])) for n, p in request.params.items()}
    facts = report_facts(request.params, inputs, snapshot.params_file.read_text(encoding="utf-8"),
                         headline_scenario(snapshot.params_file, request.names))
    for name, table in fact_tables(facts).items():
        write_csv_atomic(table, staging / name)
    write_text_atomic(staging / "index.html", index_html(summary, facts, request.names, runs, labels, created))
    write_memo(staging / "memo.docx", facts, summary, created)
    return summary


# ---------------------------------------------------------------- the two entry points
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
    started = time.perf_counter()
    progress = Progress(stream=progress_stream)
    progress.say("[report] checking the scenarios, their parameters and the data before any notebook starts", True)
    try:
        request = check_request(project, scenarios, out, overrides, sweep_file)
    except BaseException:  # the error's one line takes the place of the passing one
        progress.clear()
        raise
    paths, out, parent = request.paths, request.out, request.parent
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(parent)
    before = None if out is None else folder_state(out)
    staging = temp_folder(parent, f".{'report' if out is None else out.name}.partial-{os.getpid()}-")
    try:
        runs, summary, seconds = stage_report(request, staging, workers, show_code, progress, started)
        failures = [name for name, run in runs.items() if not run.ok]
        folder, latest, note = place_report(staging, paths.reports, out, before, not failures)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        what = f" (writing {Path(exc.filename).name})" if exc.filename else ""
        raise DgforecastError(f"{out or paths.reports}: {os_error_text(exc)}{what}; the report was not written "
                              "and earlier reports are as they were") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if note:
        log.warning("%s", note)
    return ReportResult(folder, runs, summary, seconds, latest=latest, failures=failures, note=note,
                        warnings=request.warnings)


def os_error_text(exc: OSError, most=200) -> str:
    """What went wrong, in a few words: a copy of a folder (``shutil.Error``) lists every file it failed on."""
    if isinstance(exc, shutil.Error) and exc.args and isinstance(exc.args[0], list) and exc.args[0]:
        failures = exc.args[0]
        text = f"{failures[0][-1]}" + (f" (and {len(failures) - 1} more files)" if len(failures) > 1 else "")
    else:
        text = exc.strerror or str(exc)
    return text if len(text) <= most else text[:most - 1] + "…"


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
    paths = find_project(project)
    params = resolve_scenario(paths.params_file, scenario, overrides)
    preflight({scenario: params}, paths.root)
    folder = (Path(refuse_raw(out, paths.raw, "--out")) if out is not None
              else refuse_raw(paths.reports / "runs" / dt.date.today().isoformat(), paths.raw, "",
                              "point the reports folder elsewhere or remove the link"))
    if folder.exists() and not folder.is_dir():
        raise ParamsError(f"--out {folder}: is a file; give a folder for the run")
    safe_child(folder, scenario)
    folder.mkdir(parents=True, exist_ok=True)
    job = scenario_job(params, paths.root, folder.resolve(), scenario,
                       parameters_table_html(params, plan=load_plan(paths.raw)), show_code)
    check_sources([job])
    run = run_job(job)
    make_readable(job.folder)
    summary_file = job.folder / f"{scenario}_summary.csv"
    summary = (pd.read_csv(summary_file, encoding="utf-8") if run.ok and summary_file.is_file()
               else pd.DataFrame(columns=REPORT_COLUMNS))
    return run, summary


# ---------------------------------------------------------------- what the commands print
def describe_run(scenario, items=None, out=None, project=None, show_code=False) -> tuple[str, int]:
    """What ``dgforecast run`` prints and its exit code (0 ok, 1 the notebook failed)."""
    run, summary = run_scenario(scenario, parse_overrides(items), out, project, show_code)
    lines = [f"notebook: {run.output}", f"html:     {run.html}", f"time:     {run.seconds:.1f} s",
             *replaced_lines([run])]
    if not run.ok:
        lines.append(f"FAILED at {run.failure} (see the executed notebook)")
        return "\n".join(lines), 1
    return "\n".join(lines + ["", summary_text(summary)]), 0


def describe_report(scenarios="all", items=None, out=None, workers=None, show_code=False,
                    project=None, sweep_file=None) -> tuple[str, int]:
    """What ``dgforecast report`` prints and its exit code (0 ok, 1 some notebook failed)."""
    result = build_report(project, scenarios, out, workers, show_code, parse_overrides(items),
                          sweep_file=sweep_file)
    lines = [f"report:  {result.folder / 'index.html'}",
             f"latest:  {result.latest or 'not updated'}",
             f"time:    {result.seconds:.1f} s for {len(result.runs)} notebooks"]
    if result.note:
        lines.append(f"note:    {result.note}")
    lines += [f"note:    {warning}" for warning in result.warnings]
    lines += replaced_lines(result.runs.values())
    if not result.ok:
        lines += [f"FAILED:  {name}: {result.runs[name].failure}" for name in result.failures]
        return "\n".join(lines), 1
    return "\n".join(lines + ["", summary_text(result.summary)]), 0

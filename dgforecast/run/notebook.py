"""Run notebooks: one with papermill on this environment's kernel and export it to HTML, or a batch of jobs.

``execute_notebook`` runs one and writes its page (``notebook_html.export_html``). ``run_jobs`` runs
a batch of ``NotebookJob`` in worker processes (``workers.run_pool``) for the report, ``dgforecast
run`` and the sweep's per-point pages; ``scenario_job`` builds the scenario notebook's job for all
three. A kernel that dies before its first cell is started once more (``execute_notebook``); that is
the only retry.

Whatever kernel a notebook's metadata names, it runs on ipykernel under the interpreter that runs
dgforecast (``sys.executable``): the kernel manager below builds its kernelspec in memory, so
nothing is registered globally and a stale ``python3`` kernelspec elsewhere cannot be picked up.

The other half of the contract between runner and notebook is ``scenario_from_parameters``: the
runner injects ``project_dir``, ``scenario`` and the resolved scenario fields; the notebook turns
them back into paths and a validated ``ScenarioParams``. With plain ``papermill`` (no runner)
``project_dir`` is ``None`` and the workbook is found from the kernel's folder upward.
"""

import logging
import os
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

# papermill, nbformat, nbconvert and jupyter_client are imported where they are used: together
# they take about 2 s to import (python -X importtime), and every notebook kernel imports this
# module for scenario_from_parameters, as do the sweep and the report before any kernel starts.
from dgforecast.core.config import SCENARIO_NOTEBOOK, find_project
from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import temp_sibling
from dgforecast.core.workers import SINGLE_THREAD_ENV, die_with_parent, run_pool
from dgforecast.plan.params import headline_scenario, resolve_scenario
from dgforecast.plan.schema import FIELDS
from dgforecast.present.notebook_html import export_html

log = logging.getLogger(__name__)

#: Kernel name handed to papermill; only the language lookup uses it (see CurrentEnvKernelManager).
KERNEL_NAME = "python3"
#: Tags of the cells papermill adds to the executed copy.
PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}
#: Thread limits for kernels: notebooks run side by side, one core each (2-core machines).
KERNEL_THREAD_ENV = SINGLE_THREAD_ENV
#: Variables a kernel must not inherit: MPLBACKEND=Agg (common on servers and in CI) would stop
#: ipykernel's inline backend, and every chart would silently vanish from the reports.
KERNEL_DROPPED_ENV = ("MPLBACKEND",)
#: Attempts at a notebook whose kernel dies before its first cell (busy machines).
KERNEL_START_ATTEMPTS = 2
#: Seconds a single cell may run before the notebook counts as failed.
CELL_TIMEOUT = 1800


def kernel_argv() -> list[str]:
    """Command line of the kernel: ipykernel on the interpreter running this code."""
    return [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _kernel_manager_class():
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class CurrentEnvKernelManager(AsyncKernelManager):
        """Starts ipykernel on ``sys.executable`` whatever kernel name it is given."""

        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(argv=kernel_argv(), language="python",
                                               display_name=f"Python ({sys.executable})")
            return self._kernel_spec

        async def start_kernel(self, **kw):
            # The kernel's own log (e.g. ipykernel's transport warning) would print once per
            # notebook between the progress lines; cell output travels over ZMQ, not stderr.
            if not log.isEnabledFor(logging.DEBUG):
                kw.setdefault("stderr", subprocess.DEVNULL)
            kw.setdefault("env", kernel_environment())
            # jupyter_client starts the kernel in a session of its own, out of reach of signals to
            # our process group: it must end when the process that started it does, SIGKILL too.
            kw.setdefault("preexec_fn", partial(die_with_parent, os.getpid()))
            return await super().start_kernel(**kw)

    return CurrentEnvKernelManager


@dataclass(frozen=True)
class CellFailure:
    """Where and how a notebook failed."""

    cell_index: int
    execution_count: int | None
    ename: str
    evalue: str
    source: str = ""

    def __str__(self):
        if self.cell_index < 0:
            return f"{self.ename}: {self.evalue}"
        cell = f"cell {self.cell_index}" + (f" (In [{self.execution_count}])" if self.execution_count else "")
        return f"{cell}: {self.ename}: {self.evalue}"


@dataclass
class NotebookRun:
    """The outcome of executing one notebook."""

    source: Path
    output: Path
    html: Path | None
    seconds: float
    failure: CellFailure | None = None
    parameters: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.failure is None


def _failure_of(nb, exc) -> CellFailure:
    """The first cell with an error output, numbered as in the source notebook (from 0).

    papermill's exception only knows the execution count, and papermill inserts cells of its
    own (the injected parameters, an error banner) which the numbering skips.
    """
    index = 0
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & PAPERMILL_TAGS:
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return CellFailure(index, cell.get("execution_count"), out.get("ename", ""),
                                   out.get("evalue", ""), cell.get("source", ""))
        index += 1
    return CellFailure(-1, getattr(exc, "exec_count", None), getattr(exc, "ename", type(exc).__name__),
                       getattr(exc, "evalue", str(exc)))


def _failure_outside_cells(nb, exc) -> CellFailure:
    """A failure no cell reported (the kernel died, a cell timed out): blame the last cell started."""
    evalue = (str(exc).strip().splitlines() or [""])[0]
    failure = CellFailure(-1, None, type(exc).__name__, evalue)
    index = 0
    for cell in (nb.cells if nb is not None else []):
        if set(cell.get("metadata", {}).get("tags", [])) & PAPERMILL_TAGS:
            continue
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            failure = CellFailure(index, None, type(exc).__name__, evalue, cell.get("source", ""))
        index += 1
    return failure


def _read_or_none(path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 (an empty or half-written file: nothing to show)
        return None


def kernel_environment(environ=None) -> dict:
    """The environment a notebook kernel starts with: ours, one thread, inline charts."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k not in KERNEL_DROPPED_ENV}
    return {**env, **KERNEL_THREAD_ENV}


def execute_notebook(source, output, parameters=None, cwd=None, html=None, show_code=False,
                     preamble_html="", timeout=CELL_TIMEOUT, subject="", home=None, report_title="",
                     appendix_html="") -> NotebookRun:
    """Run ``source`` with papermill, write the executed copy to ``output`` and, optionally, HTML.

    Parameters
    ----------
    source, output : str or Path
        The notebook to run and where the executed copy goes. ``output`` is replaced atomically,
        also when a cell fails (the copy then holds the error).
    parameters : dict, optional
        Injected after the cell tagged ``parameters``.
    cwd : str or Path, optional
        The kernel's working folder; default: the folder of ``output``.
    html : str or Path, optional
        Where to write the HTML page (written for failed runs too).
    show_code : bool
        Keep code cells in the HTML (default: outputs and markdown only).
    preamble_html, appendix_html : str
        Trusted HTML placed at the top and at the end of the page (callers escape what they put in it).
    timeout : int
        Seconds a cell may run.
    subject, home, report_title : str, optional
        What the page is about besides its notebook, the link back to the report's index.html and the
        report's title (``export_html``).

    Returns
    -------
    NotebookRun
        Timing and, if a cell raised, where and what.
    """
    source, output = Path(source), Path(output)
    if not source.is_file():
        raise FileNotFoundError(f"{source}: notebook not found")
    # The runner injects every scenario field; notebooks that use a few need not declare the rest.
    logging.getLogger("papermill").setLevel(logging.INFO if log.isEnabledFor(logging.INFO) else logging.ERROR)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(output, ".ipynb")
    started = time.perf_counter()
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            failure = run_papermill(source, tmp, parameters, cwd or output.parent, timeout)
            if failure is None or failure.cell_index >= 0 or attempt == KERNEL_START_ATTEMPTS:
                break
            # No cell started: the kernel did not come up (a busy machine); that is worth one more try.
            log.warning("%s: kernel did not start (%s); starting it again", source.name, failure)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    seconds = time.perf_counter() - started
    if html is not None:
        export_html(output, html, show_code=show_code, preamble_html=preamble_html, subject=subject, home=home,
                    report_title=report_title, appendix_html=appendix_html)
    log.info("%s: %s in %.1f s", source.name, "ok" if failure is None else f"failed at {failure}", seconds)
    return NotebookRun(source, output, Path(html) if html else None, seconds, failure, dict(parameters or {}))


def run_papermill(source, tmp, parameters, cwd, timeout):
    """Execute ``source`` into ``tmp`` once: None, or the CellFailure (a dead kernel or a timeout too)."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(source), str(tmp), parameters=dict(parameters or {}), kernel_name=KERNEL_NAME,
            language="python", progress_bar=False, log_output=False, cwd=str(cwd),
            execution_timeout=timeout, kernel_manager_class=_kernel_manager_class())
    except PapermillExecutionError as exc:
        return _failure_of(nbformat.read(tmp, as_version=4), exc)
    except Exception as exc:  # noqa: BLE001 (a dead kernel or a timeout fails this notebook only)
        partial = _read_or_none(tmp)
        if partial is None:
            nbformat.write(nbformat.read(source, as_version=4), tmp)
        return _failure_outside_cells(partial, exc)
    return None


# ---------------------------------------------------------------- jobs: notebooks run in a batch
@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute: what, with which parameters, where its outputs go."""

    name: str                 # output stem relative to ``folder``, e.g. "scenarios/base"
    source: Path
    folder: Path              # where the outputs go; also the kernel's working folder
    parameters: dict
    preamble_html: str = ""
    show_code: bool = False
    subject: str = ""         # what the page shows besides its notebook, e.g. "基准情景 Base case"
    home: str | None = None   # the page's relative link to the report's index.html; None outside a report
    report_title: str = ""    # the report's title (the plan's), which every page's <title> ends with
    appendix_html: str = ""   # at the end of the page, e.g. the parameters of a page that opens with its answer

    @property
    def output(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def html(self) -> Path:
        return self.folder / f"{self.name}.html"


def notebook_parameters(params, project_root) -> dict:
    """What the runner injects into a notebook: the resolved scenario and the workbook folder."""
    values = params.model_dump(mode="python")
    values["growth_overrides"] = {int(k): float(v) for k, v in values["growth_overrides"].items()}
    values["project_dir"] = str(project_root)
    return values


def scenario_subject(params) -> str:
    """What a page of one scenario is about, for its title: "基准情景 Base case"."""
    return f"{params.label_zh} {params.label_en}"


def scenario_job(params, root, folder, name, preamble_html="", show_code=False, source=None, subject=None,
                 home=None) -> NotebookJob:
    """The scenario notebook (03) for one resolved scenario, writing ``<name>_summary.csv`` in ``folder``.

    Parameters
    ----------
    params : ScenarioParams
        The resolved scenario, injected with the workbook folder ``root``.
    root : Path
        The workbook.
    folder : Path
        Where ``<name>.ipynb``, ``<name>.html`` and ``<name>_summary.csv`` go (the kernel's folder).
    name : str
        Output stem relative to ``folder``, e.g. ``"scenarios/base"``.
    preamble_html : str
        Trusted HTML at the top of the page (e.g. ``index_page.parameters_table_html``).
    show_code : bool
        Keep code cells in the HTML page.
    source : Path, optional
        The notebook to run; default ``root/notebooks/03_scenario.ipynb``.
    subject : str, optional
        What the page's title names besides the notebook; default the scenario (``scenario_subject``).
    home : str, optional
        The page's relative link to the report's index.html (``document.home_href``); None: no link.
    """
    source = Path(source) if source is not None else Path(root) / "notebooks" / SCENARIO_NOTEBOOK
    parameters = {**notebook_parameters(params, root), "summary_csv": f"{name}_summary.csv"}
    subject = scenario_subject(params) if subject is None else subject
    return NotebookJob(name, source, Path(folder), parameters, preamble_html, show_code, subject, home)


def check_sources(jobs) -> None:
    """Refuse a batch before any kernel starts when one of its notebooks is missing.

    Raises
    ------
    ParamsError
        Naming the first missing notebook.
    """
    for job in jobs:
        if not job.source.is_file():
            raise ParamsError(f"{job.source}: notebook not found; restore it from git")


def run_job(job: NotebookJob) -> NotebookRun:
    """Execute one job (in a worker process or in this one); kernels get one thread each."""
    return execute_notebook(job.source, job.output, job.parameters, cwd=job.folder, html=job.html,
                            show_code=job.show_code, preamble_html=job.preamble_html, subject=job.subject,
                            home=job.home, report_title=job.report_title, appendix_html=job.appendix_html)


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


def run_jobs(jobs, workers=1, progress=None, run=None) -> dict:
    """Execute ``jobs`` with ``workers`` processes; a failing notebook does not stop the others.

    Parameters
    ----------
    jobs : list of NotebookJob
    workers : int
        Notebooks executed at once, each in its own process and kernel (``workers.run_pool``).
    progress : callable, optional
        Called in this process as ``progress(name, run)`` when each job finishes (e.g. ``Progress``).
    run : callable, optional
        What a worker does with a job (a module-level function returning a NotebookRun); default
        ``run_job``. An exception it raises fails that job only.

    Returns
    -------
    dict
        Job name -> NotebookRun, in the order of ``jobs``.
    """
    progress = progress or (lambda name, outcome: None)
    for job in jobs:
        job.output.parent.mkdir(parents=True, exist_ok=True)
    runs = {}
    with closing(run_pool(run or run_job, jobs, workers)) as finished:  # closing it ends the workers at once
        for index, result in finished:
            job = jobs[index]
            runs[job.name] = _crashed(job, result) if isinstance(result, Exception) else result
            progress(job.name, runs[job.name])
    return {job.name: runs[job.name] for job in jobs}


# ---------------------------------------------------------------- the notebook side
def scenario_from_parameters(namespace: dict):
    """The workbook paths and validated scenario parameters a notebook was given.

    Parameters
    ----------
    namespace : dict
        The notebook's ``globals()`` after its parameters cell (and papermill's injected cell):
        ``project_dir`` (None: found from the current folder upward), ``scenario`` (a name in
        params.yaml) and any scenario field (``growth``, ``n_sims``, ...) that is not None, which
        then overrides the value in params.yaml.

    Returns
    -------
    (ProjectPaths, ScenarioParams)

    Raises
    ------
    ParamsError, ProjectNotFound
        With one line that says what to fix.
    """
    paths = find_project(namespace.get("project_dir"))
    name = namespace.get("scenario") or headline_scenario(paths.params_file)
    overrides = {key: namespace[key] for key in FIELDS
                 if key != "scenario" and namespace.get(key) is not None}
    return paths, resolve_scenario(paths.params_file, name, overrides)

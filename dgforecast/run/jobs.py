"""Notebooks run in a batch: ``NotebookJob``, the jobs runner and its progress lines.

``run_jobs`` runs a batch of ``NotebookJob`` in worker processes (``workers.run_pool``) for the
report, ``dgforecast run`` and the sweep's per-point pages, each job through
``notebook.execute_notebook``; ``scenario_job`` builds the scenario notebook's job for all three. A
failing notebook does not stop the others.
"""

import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from dgforecast.core.config import SCENARIO_NOTEBOOK
from dgforecast.core.errors import ParamsError
from dgforecast.core.workers import run_pool
from dgforecast.run.notebook import CellFailure, NotebookRun, execute_notebook, preload
from dgforecast.run.parameters import notebook_parameters


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



def scenario_subject(params) -> str:
    """What a page of one scenario is about, for its title: "基准情景 Base case"."""
    return f"{params.label_zh} {params.label_en}"


def scenario_job(params, root, folder, name, appendix_html="", show_code=False, source=None, subject=None,
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
    appendix_html : str
        Trusted HTML at the end of the page (e.g. ``index_page.parameters_table_html``: a scenario's page opens with
        its result, and its parameters close it).
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
    return NotebookJob(name, source, Path(folder), parameters, "", show_code, subject, home, appendix_html=appendix_html)


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
    """What a batch of notebooks is doing, from its first second; every line starts with "[" ("[2/8] …").

    ``say`` prints a line of what is done before the notebooks (the checks, what starts); ``begin`` names the
    notebooks and how many run at once; then, on a terminal, one line rewritten in place every second (the
    notebooks running and for how long) and at each finish; elsewhere (a log) a line when a notebook starts and
    one when it finishes. Which notebooks run is inferred from the order: the workers take them in the order
    given, so the running ones are the first ``workers`` not finished.
    """

    def __init__(self, total=0, stream=None, clock=time.monotonic):
        self.total, self.done, self.stream, self.clock = total, 0, stream or sys.stderr, clock
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.names, self.workers, self.finished, self.started = [], 1, set(), {}
        self.began = clock()

    def _write(self, text, end="\n"):
        self.stream.write(("\r\033[K" if self.tty else "") + text + end)
        self.stream.flush()

    def say(self, text, passing=False):
        """One line of what is being done, before or between the notebooks. A ``passing`` line is for a
        terminal only, rewritten by the next (``clear`` when what it announced failed); a log never gets it."""
        if not passing:
            self._write(text)
        elif self.tty:
            self._write(text, end="")

    def clear(self):
        """On a terminal, take away a passing line (before an error is printed in its place)."""
        if self.tty:
            self._write("", end="")

    def begin(self, jobs, workers=1):
        """The notebooks of the batch, in the order the workers take them, and how many run at once."""
        self.names, self.total = [job.name for job in jobs], len(jobs)
        self.workers, self.began = max(1, min(workers, len(jobs) or 1)), self.clock()
        if jobs:
            self._write(f"[0/{len(jobs)}] running {len(jobs)} notebook{'s' * (len(jobs) != 1)}, {self.workers} at "
                        "a time: " + ", ".join(self.names))
        self._starting()

    def _starting(self):
        now = self.clock()
        for name in [n for n in self.names if n not in self.finished][:self.workers]:
            if name not in self.started:
                self.started[name] = now
                if not self.tty:
                    self._write(f"[{self.done}/{self.total}] {name}: started")

    def tick(self):
        """On a terminal: the line of what runs now, and for how long (a log gets no clock)."""
        if not self.tty:
            return
        now = self.clock()
        running = [f"{n} ({now - self.started[n]:.0f} s)" for n in self.names
                   if n in self.started and n not in self.finished]
        self._write(f"[{self.done}/{self.total}] {now - self.began:.0f} s · running " + ", ".join(running), end="")

    def __call__(self, name, run):
        self.done += 1
        self.finished.add(name)
        state = "ok" if run.ok else f"FAILED at {run.failure}"
        line = f"[{self.done}/{self.total}] {name}: {state} ({run.seconds:.1f} s)"
        if self.tty and run.ok:
            self._write(line, end="\n" if self.done == self.total else "")
        else:
            self._write(line)
        self._starting()


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
        Called in this process as ``progress(name, run)`` when each job finishes; a ``Progress`` is also
        told the batch first (``begin``) and ticks every second while notebooks run.
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
    if hasattr(progress, "begin"):
        progress.begin(jobs, workers)
    runs = {}
    tick = getattr(progress, "tick", None)
    preload()
    with closing(run_pool(run or run_job, jobs, workers, tick=tick)) as finished:  # closing ends the workers at once
        for index, result in finished:
            job = jobs[index]
            runs[job.name] = _crashed(job, result) if isinstance(result, Exception) else result
            progress(job.name, runs[job.name])
    return {job.name: runs[job.name] for job in jobs}

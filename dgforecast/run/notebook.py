"""Run one notebook with papermill on this environment's kernel and export it to HTML.

``execute_notebook`` runs one and writes its page (``notebook_html.export_html``); a batch of them
runs through ``jobs.run_jobs``. A kernel that dies before its first cell is started once more
(``execute_notebook``); that is the only retry.

Whatever kernel a notebook's metadata names, it runs on ipykernel under the interpreter that runs
dgforecast (``sys.executable``): the kernel manager below builds its kernelspec in memory, so
nothing is registered globally and a stale ``python3`` kernelspec elsewhere cannot be picked up.

The other half of the contract between runner and notebook, what the runner injects and how the
notebook reads it back, is ``parameters``'.
"""

import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

# papermill, nbformat, nbconvert and jupyter_client are imported where they are used (``preload`` loads
# them for a batch): together they take about 2 s to import (python -X importtime), and the sweep and the
# report import this module before any kernel starts.
from dgforecast.core.fileio import temp_sibling
from dgforecast.core.workers import SINGLE_THREAD_ENV, die_with_parent
from dgforecast.present.notebook_html import export_html, replaced_note_html
from dgforecast.run.parameters import replaced_values

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


def preload():
    """Import what runs and exports a notebook (papermill, nbconvert), once, before a batch's workers fork.

    Each worker inherits them instead of importing them again (1.3 s a worker). jsonschema, which nbformat
    loads, imports the optional rfc3987_syntax when installed (jupyter-events asks for it) and builds an
    Earley parser of RFC 3987 as it does: 0.8 s of that, for the "iri" format checks no notebook's schema
    uses; it is left out, and jsonschema then has no "iri" checker.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


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
    replaced: dict = field(default_factory=dict)   # name -> (the notebook's value, the value used)

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
    replaced = replaced_values(source, parameters)
    if html is not None:
        export_html(output, html, show_code=show_code, preamble_html=replaced_note_html(replaced) + preamble_html,
                    subject=subject, home=home, report_title=report_title, appendix_html=appendix_html)
    log.info("%s: %s in %.1f s", source.name, "ok" if failure is None else f"failed at {failure}", seconds)
    return NotebookRun(source, output, Path(html) if html else None, seconds, failure, dict(parameters or {}),
                       replaced)


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

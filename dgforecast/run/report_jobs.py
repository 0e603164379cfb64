"""What a report runs: which notebooks, how each runs (its metadata), with which parameters, in what order.

Every numbered notebook of notebooks/ declares how the report runs it (``RUNS``: once, per scenario,
across the scenarios, or on a sweep results file; ``notebook_runs`` reads it); ``report_jobs``
turns that into the report's ``NotebookJob`` list, which ``report.build_report`` runs.
"""

import json
from pathlib import Path

from dgforecast.core.config import (ACROSS_NOTEBOOK, NUMBERED_NOTEBOOKS, SCENARIO_NOTEBOOK, SWEEP_NOTEBOOK,
                                    TRACKING_NOTEBOOK)
from dgforecast.core.errors import ParamsError
from dgforecast.plan.params import headline_scenario
from dgforecast.present.document import home_href
from dgforecast.present.index_page import parameters_table_html
from dgforecast.present.words import evidence_line
from dgforecast.run.jobs import NotebookJob, check_sources, scenario_job, scenario_subject
from dgforecast.run.parameters import notebook_parameters
from dgforecast.run.pipeline import load_inputs

#: How a notebook runs in the report, declared in its metadata as ``"dgforecast": {"runs": ...}``:
#: once (with the first scenario), once per scenario, once across all scenarios, or only on ``--sweep FILE``.
RUNS = ("once", "per_scenario", "across_scenarios", "on_sweep_file")
#: The mode of a notebook whose metadata declares none: the workbook's own by name, any other ``once``.
DEFAULT_RUNS = {SCENARIO_NOTEBOOK: "per_scenario", ACROSS_NOTEBOOK: "across_scenarios", SWEEP_NOTEBOOK: "on_sweep_file"}


def notebook_runs(path) -> str:
    """How the report runs the notebook at ``path``: one of ``RUNS``.

    Read from the notebook's metadata ``"dgforecast": {"runs": ...}``; without it, ``DEFAULT_RUNS``
    by file name, else ``"once"``.

    Raises
    ------
    ParamsError
        When the file is not a notebook or names an unknown mode.
    """
    path = Path(path)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError) as exc:
        raise ParamsError(f"{path}: not a readable notebook ({exc})") from None
    runs = (metadata.get("dgforecast") or {}).get("runs", DEFAULT_RUNS.get(path.name, "once"))
    if runs not in RUNS:
        raise ParamsError(f"{path}: metadata dgforecast.runs = {runs!r}; use one of {', '.join(RUNS)}")
    return runs


def report_jobs(paths, names, params, overrides, folder, show_code, sweep_file=None, data_root=None) -> list:
    """The jobs of a report: every numbered notebook in notebooks/ (``NN_name.ipynb``), each as it declares.

    ``once`` (01, 02, 06, and a notebook without the metadata): with the first scenario (``base`` if
    chosen). ``per_scenario``: once for each scenario; 03 is the scenario page ``scenarios/<name>``,
    writing ``scenarios/<name>_summary.csv``, any other notebook ``<stem>/<name>``.
    ``across_scenarios`` (04): once, with ``scenarios`` and the ``overrides``. ``on_sweep_file`` (05): on
    ``sweep_file``, when one is given. Every job gets ``interactive = False``: no one moves a slider in
    a report. Every page opens with a link back to index.html, and its title names the scenario of a
    per-scenario page (``document``), and ends with the parameters it used (a page opens with its answer). Slowest
    first, so parallel workers finish together: the once and across notebooks from the last number down (the later
    ones assess more), then the scenarios.

    ``data_root`` is the folder injected as ``project_dir`` (the run's snapshot of the workbook's data;
    default the workbook itself); the notebooks are the workbook's own.

    Raises
    ------
    ParamsError
        When a notebook declares an unknown mode or a workbook notebook is missing from notebooks/.
    """
    root = paths.root if data_root is None else Path(data_root)
    first = headline_scenario(paths.params_file, names)
    inputs = load_inputs(root)
    evidence, title = inputs["evidence"], inputs["plan"].plan.title_zh
    shared = notebook_parameters(params[first], root)

    def closing_of(name, source=None):  # the tracking page itself says why figures are left out
        here = source is not None and source.name == TRACKING_NOTEBOOK
        return parameters_table_html(params[name], evidence_line(params[name], evidence, here), inputs["plan"])
    static = {"interactive": False}

    def job(name, source, parameters, subject="", appendix_html=""):
        # every page links back to index.html, relatively: the report folder can be moved
        return NotebookJob(name, source, folder, {**parameters, **static}, "", show_code, subject,
                           home_href(f"{name}.html"), title, appendix_html)

    def per_scenario(source, n):
        if source.name == SCENARIO_NOTEBOOK:
            page = scenario_job(params[n], root, folder, f"scenarios/{n}", closing_of(n), show_code, source=source)
            return job(page.name, source, page.parameters, page.subject, page.appendix_html)
        return job(f"{source.stem}/{n}", source, notebook_parameters(params[n], root), scenario_subject(params[n]),
                   closing_of(n, source))

    sources = sorted(paths.notebooks.glob(NUMBERED_NOTEBOOKS), reverse=True)
    runs = {source: notebook_runs(source) for source in sources}
    jobs = []
    for source in sources:
        if runs[source] == "once":
            jobs.append(job(source.stem, source, shared, appendix_html=closing_of(first, source)))
        elif runs[source] == "across_scenarios":
            jobs.append(job(source.stem, source, {"project_dir": str(root), "scenarios": names,
                                                  "overrides": overrides}))
    jobs += [per_scenario(source, n) for source in sorted(sources) if runs[source] == "per_scenario" for n in names]
    if sweep_file is not None:  # the heat map needs a sweep notebook: 05 when none declares itself
        sweeps = [s for s in sorted(sources) if runs[s] == "on_sweep_file"] or [paths.notebooks / SWEEP_NOTEBOOK]
        jobs += [job(s.stem, s, {"project_dir": str(root), "results_file": str(sweep_file)}) for s in sweeps]
    # The scenario pages and summary.csv come from 03: a report without it is refused, not run empty.
    check_sources([*jobs, job("scenarios", paths.notebooks / SCENARIO_NOTEBOOK, {})])
    return jobs

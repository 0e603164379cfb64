"""The contract between runner and notebook: the parameters injected, and the scenario read back.

The runner injects ``project_dir``, ``scenario`` and the resolved scenario fields
(``notebook_parameters``); the notebook turns them back into paths and a validated
``ScenarioParams`` (``scenario_from_parameters``). With plain ``papermill`` (no runner)
``project_dir`` is ``None`` and the workbook is found from the kernel's folder upward. Every
notebook kernel imports this module, and none of the runner's libraries (papermill, nbconvert,
jupyter_client) with it.
"""

from dgforecast.core.config import find_project
from dgforecast.plan.params import headline_scenario, resolve_scenario
from dgforecast.plan.schema import FIELDS


def notebook_parameters(params, project_root) -> dict:
    """What the runner injects into a notebook: the resolved scenario and the workbook folder."""
    values = params.model_dump(mode="python")
    values["growth_overrides"] = {int(k): float(v) for k, v in values["growth_overrides"].items()}
    values["project_dir"] = str(project_root)
    return values


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


# ---------------------------------------------------------------- what the runner replaces
def notebook_values(source) -> dict:
    """Name -> value of each top-level assignment in the cell tagged ``parameters`` of the notebook ``source``.

    A value written as a Python literal (``0.02``, ``["base"]``, ``{"growth": 0.02}``, ``None``) is read as
    that value; any other expression is kept as its source text. An unreadable notebook, one without the
    tag or whose cell is not valid Python gives ``{}`` (the runner then reports the notebook's own error).
    """
    import ast
    import json
    from pathlib import Path

    try:
        cells = json.loads(Path(source).read_text(encoding="utf-8"))["cells"]
        cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        body = ast.parse(text).body
    except (OSError, ValueError, KeyError, TypeError, StopIteration, SyntaxError):
        return {}
    values = {}
    for node in body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        values[target.id] = ast.get_source_segment(text, node.value)
    return values


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def replaced_values(source, parameters) -> dict:
    """The values a notebook's parameters cell sets that the runner's ``parameters`` replace.

    papermill injects its values in a cell after the parameters cell, so a value the user set there
    (``overrides = {"growth": 0.02}`` in notebook 04, ``growth = 0.02`` in 03) is silently replaced by the
    report's own (params.yaml and ``-p``). ``None`` or an empty value in the cell (``overrides = {}``) means
    "the runner decides" and is never reported, nor is a value the runner injects unchanged.

    Returns
    -------
    dict
        Name -> (the notebook's value, the value the run used), in the cell's order.
    """
    parameters = parameters or {}
    return {name: (value, parameters[name]) for name, value in notebook_values(source).items()
            if not _unset(value) and name in parameters and not _same(value, parameters[name])}


def _unset(value) -> bool:
    # None, or an empty container or text: what a parameters cell writes for "the runner decides".
    return value is None or (isinstance(value, (dict, list, tuple, str)) and not value)


def _flag(name, value) -> str:
    # How the same value reaches a report: the command-line option that sets it.
    if name == "overrides" and isinstance(value, dict):
        return " ".join(f"-p {k}={v}" for k, v in value.items()) or "no -p"
    if name == "scenarios" and isinstance(value, (list, tuple)):
        return f"--scenarios {','.join(map(str, value))}"
    return f"-p {name}={value}"


def replaced_lines(runs) -> list[str]:
    """One line per value a notebook's parameters cell sets and the runs replaced (``NotebookRun.replaced``),
    each notebook and name once: what ``dgforecast report`` and ``run`` print under their result."""
    lines, seen = [], set()
    for run in runs:
        for name, (mine, used) in getattr(run, "replaced", {}).items():
            if (run.source.name, name) in seen:
                continue
            seen.add((run.source.name, name))
            lines.append(f"note: {run.source.name} sets {name} = {mine!r} in its parameters cell; the report ran it "
                         f"with {used!r}, its own value (params.yaml and -p); to use yours, pass {_flag(name, mine)} "
                         "or put it in params.yaml")
    return lines

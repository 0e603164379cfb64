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

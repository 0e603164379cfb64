"""Where the workbook lives: path constants found from the project root.

The workbook is the folder holding ``params.yaml`` and ``data/raw/``. It is found from the
current folder upward, as git finds its repository, so a copy of the workbook works with the
same installed package; the package never writes into its own install location.

The notebooks a workbook runs (``ProjectPaths.notebooks``): its own ``notebooks/``; else the nearest
folder above it holding the workbook's notebooks (``plans/NAME/`` under the repository runs the
repository's); else the copy the package ships (``shipped_notebooks``), so a plan folder in any
directory runs with ``pip install`` alone. docs/notebooks.md says why there is one copy only.
"""

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from dgforecast.core.errors import ProjectNotFound

MARKERS = ("params.yaml", "data/raw")

#: The workbook's own notebooks, in notebooks/, that the report and its pages name.
SCENARIO_NOTEBOOK = "03_scenario.ipynb"
ACROSS_NOTEBOOK = "04_targets_across_scenarios.ipynb"
SWEEP_NOTEBOOK = "05_sweep.ipynb"
TRACKING_NOTEBOOK = "06_tracking_and_final_assessment.ipynb"
#: The notebooks a report runs: every numbered one in notebooks/ (``NN_name.ipynb``), an economist's own too.
NUMBERED_NOTEBOOKS = "[0-9][0-9]_*.ipynb"


@dataclass(frozen=True)
class ProjectPaths:
    """The folders and files of one workbook."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def notebooks(self) -> Path:
        """The notebooks this workbook runs: its own notebooks/; for a plan folder without one, the nearest
        notebooks/ above it that holds the scenario notebook (plans/NAME/ runs the repository's); else the
        package's copy (``shipped_notebooks``), so a plan folder anywhere runs the same notebooks."""
        if (self.root / "notebooks").is_dir():
            return self.root / "notebooks"
        for folder in self.root.resolve().parents:
            if (folder / "notebooks" / SCENARIO_NOTEBOOK).is_file():
                return folder / "notebooks"
        return shipped_notebooks() or self.root / "notebooks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"


#: Where the wheel puts the workbook's notebooks inside the package (setup.py maps notebooks/ there at build time).
SHIPPED_NOTEBOOKS = "notebooks"


def shipped_notebooks() -> Path | None:
    """The workbook's notebooks as the package ships them: ``dgforecast/notebooks/`` of an installed wheel,
    or, from a source checkout (``pip install -e``), the checkout's own notebooks/ that the wheel is built
    from; None when neither holds the scenario notebook."""
    package = Path(str(files("dgforecast")))
    for folder in (package / SHIPPED_NOTEBOOKS, package.parent / "notebooks"):
        if (folder / SCENARIO_NOTEBOOK).is_file():
            return folder
    return None


def is_project_root(folder: Path) -> bool:
    """True when ``folder`` holds every marker of a workbook."""
    return all((folder / m).exists() for m in MARKERS)


def find_project(start=None) -> ProjectPaths:
    """Find the workbook from ``start`` (default: the current folder) upward.

    Parameters
    ----------
    start : str or Path, optional
        Folder to start from. When it is given explicitly (``--project DIR``) it must itself be a
        workbook; otherwise its parents are searched too.

    Raises
    ------
    ProjectNotFound
        When no folder on the way up holds ``params.yaml`` and ``data/raw/``.
    """
    if start is not None:
        folder = Path(start).expanduser().resolve()
        if not is_project_root(folder):
            raise ProjectNotFound(
                f"{folder}: not a dgforecast workbook (needs params.yaml and data/raw/); "
                "give the folder that holds them with --project"
            )
        return ProjectPaths(folder)
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if is_project_root(folder):
            return ProjectPaths(folder)
    raise ProjectNotFound(
        f"{here}: no dgforecast workbook here or above (looked for params.yaml and data/raw/); "
        "cd into the workbook or pass --project DIR"
    )

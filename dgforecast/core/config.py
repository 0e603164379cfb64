"""Where the workbook lives: path constants found from the project root.

The workbook is the folder holding ``params.yaml`` and ``data/raw/``. It is found from the
current folder upward, as git finds its repository, so a copy of the workbook works with the
same installed package; the package never writes into its own install location.
"""

from dataclasses import dataclass
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
        """The workbook's notebooks/, or — for a plan folder without its own (plans/NAME/) — the nearest
        folder above it that has one: every plan runs the same notebooks."""
        for folder in (self.root, *self.root.resolve().parents):
            if (folder / "notebooks").is_dir():
                return folder / "notebooks"
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def params_file(self) -> Path:
        return self.root / "params.yaml"


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

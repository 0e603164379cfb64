"""The package as a user installs it: a wheel in a fresh virtual environment, without ``-e``.

``make`` installs the workbook editable, which reads the package from this folder and so hides what a
wheel leaves out (issue 18: ``packages = ["dgforecast"]`` made a wheel without ``dgforecast/run/sweep/``,
and ``dgforecast report`` from a normal install failed with ``ModuleNotFoundError``). Here the wheel is
built from a copy of the sources (the build writes ``build/`` and ``*.egg-info`` beside them), installed
into a new venv that sees neither this venv's packages nor the repository, and run as the README runs it:
on a plan folder of its own in a folder with no notebooks anywhere, which runs the notebooks the wheel
ships (built from the repository's notebooks/, byte for byte: one copy, so they cannot drift).

The dependencies are installed from the wheel's own metadata, at the versions this venv was tested
with (``pip freeze`` as constraints), from the pip cache or PyPI: minutes on a slow machine, hence slow.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import REPO, SHIPPED

pytestmark = pytest.mark.slow

#: What the wheel must hold beyond the top package (both were missing from wheels before issue 18).
MUST_SHIP = ["dgforecast/py.typed", "dgforecast/run/sweep/__init__.py"]


def _run(argv, timeout, **kwargs):
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, argv))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _clean_env() -> dict:
    # Nothing from this venv or the repository may reach the new one's interpreter. Packages go in
    # uncompiled (--no-compile: pip would compile every file of ~150 packages) and are compiled as
    # they are first imported, so PYTHONDONTWRITEBYTECODE goes too, or every kernel would compile
    # pandas again.
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["MPLBACKEND"] = "Agg"
    return env


def _build_wheel(folder: Path) -> Path:
    """The wheel of a copy of pyproject.toml, setup.py, README.md, dgforecast/ and notebooks/ (what the build reads)."""
    source = folder / "src"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / name, source)
    shutil.copytree(REPO / "dgforecast", source / "dgforecast", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "notebooks", source / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", folder / "dist", source], 900)
    wheels = sorted((folder / "dist").glob("dgforecast-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _requirements(wheel: Path) -> list:
    """The wheel's Requires-Dist, without the optional extras (``test``, ``dask``)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [r for r in metadata.get_all("Requires-Dist", []) if "extra ==" not in r]


def _tested_versions(folder: Path) -> Path:
    """This venv's package versions (not dgforecast itself), as a pip constraints file."""
    frozen = _run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], 120).stdout.splitlines()
    path = folder / "constraints.txt"
    path.write_text("\n".join(line for line in frozen if "==" in line and not line.startswith("dgforecast")) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if importlib.util.find_spec("pip") is None:
        pytest.skip("pip is not installed in this interpreter: cannot build the wheel")
    return _build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_holds_every_subpackage_and_py_typed(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert [name for name in MUST_SHIP if name not in names] == []
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "dgforecast").rglob("*.py")}
    assert sorted(modules - names) == []  # every module of the package, subpackages included
    templates = {p.relative_to(REPO).as_posix() for p in (REPO / "dgforecast" / "plan" / "scaffold").rglob("*") if p.is_file()}
    assert "dgforecast/plan/scaffold/data/raw/plan.yaml" in templates and sorted(templates - names) == []  # new-plan's
    assert not [name for name in names if name.startswith("tests/") or "__pycache__" in name]


def test_the_wheel_ships_the_workbooks_notebooks_exactly_as_they_are_in_notebooks(wheel):
    # one copy in git (notebooks/, the economists'), the package's built from it: they cannot drift
    with zipfile.ZipFile(wheel) as archive:
        shipped = {Path(n).name: archive.read(n) for n in archive.namelist() if n.startswith("dgforecast/notebooks/")}
    source = {p.name: p.read_bytes() for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert source and "03_scenario.ipynb" in source
    assert shipped == source


def test_a_report_runs_from_the_wheel_installed_without_editable_mode(wheel, tmp_path):
    if importlib.util.find_spec("venv") is None:
        pytest.skip("the venv module is not installed (Debian: apt-get install python3-venv)")
    venv = tmp_path / "venv"
    # no pip inside (nor ensurepip needed): this venv's pip installs into it with --python
    _run([sys.executable, "-m", "venv", "--without-pip", venv], 300)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile"]
    _run([*pip, "--no-deps", wheel], 600, env=_clean_env())
    _run([*pip, "-c", _tested_versions(tmp_path), *_requirements(wheel)], 2400, env=_clean_env())
    found = _run([python, "-c", "import dgforecast, dgforecast.run.sweep; print(dgforecast.__file__)"], 120,
                 cwd=tmp_path, env=_clean_env()).stdout.strip()
    assert Path(found).is_relative_to(venv), found  # the wheel's copy, not this repository's

    plan = tmp_path / "anywhere" / "plan"  # a plan folder of its own: params.yaml and data/raw/, no notebooks/
    shutil.copytree(SHIPPED / "data" / "raw", plan / "data" / "raw")
    shutil.copy(SHIPPED / "params.yaml", plan / "params.yaml")
    assert not any((folder / "notebooks").exists() for folder in (plan, *plan.parents))
    done = _run([venv / "bin" / "dgforecast", "--project", plan, "report", "-p", "n_sims=2000"], 1200,
                cwd=tmp_path, env=_clean_env())
    index = Path(next(line for line in done.stdout.splitlines() if line.startswith("report:")).split(None, 1)[1])
    assert index.name == "index.html" and index.is_file()
    assert index.resolve().is_relative_to((plan / "reports").resolve()), index
    assert (plan / "reports" / "latest" / "index.html").is_file()
    assert (plan / "reports" / "latest" / "scenarios" / "base.html").is_file()  # the shipped 03 ran

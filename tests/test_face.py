"""The package's face: what notebooks and scripts import, loaded lazily, and the only door they use."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dgforecast

REPO = Path(__file__).resolve().parents[1]


def test_every_public_name_resolves_and_is_listed():
    assert dgforecast.__all__ == sorted(dgforecast.__all__)
    for name in dgforecast.__all__:
        assert getattr(dgforecast, name) is not None, name
    assert set(dgforecast.__all__) <= set(dir(dgforecast))


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'assess_everything'"):
        dgforecast.assess_everything  # noqa: B018


def test_importing_the_face_loads_no_heavy_library():
    code = ("import sys, dgforecast; heavy = [m for m in ('pandas', 'numpy', 'scipy', 'matplotlib', 'papermill') "
            "if m in sys.modules]; print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_a_face_name_is_the_function_of_its_room():
    from dgforecast.run.pipeline import assess_scenario

    assert dgforecast.assess_scenario is assess_scenario
    assert dgforecast.plots.__name__ == "dgforecast.present.plots"


def _code_lines():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                yield path.name, "".join(cell["source"])
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for block in re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S):
            yield path.relative_to(REPO).as_posix(), block


def test_notebooks_and_docs_import_only_the_face():
    deep = [f"{where}: {line.strip()}" for where, code in _code_lines() for line in code.splitlines()
            if re.match(r"\s*(from dgforecast\.|import dgforecast\.)", line)]
    assert not deep, "import these from dgforecast itself (its __all__):\n" + "\n".join(deep)


def test_every_name_the_notebooks_import_is_public():
    names = {alias.name for _, code in _code_lines() for node in ast.walk(ast.parse(code))
             if isinstance(node, ast.ImportFrom) and node.module == "dgforecast" for alias in node.names}
    assert names and names <= set(dgforecast.__all__), sorted(names - set(dgforecast.__all__))

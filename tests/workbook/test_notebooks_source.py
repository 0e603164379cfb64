"""The notebooks in notebooks/ are the source: each is checked as a file, as an economist leaves it.

Every numbered notebook has exactly one cell tagged ``parameters`` whose names are what the runner
injects (for a notebook run once or per scenario: every field of the scenario schema,
``dgforecast.plan.schema.FIELDS``, and no other name); git holds no outputs or execution counts; each is
byte for byte what JupyterLab writes back when it saves it unedited on the workbook's kernel (so opening it
marks nothing changed and saving it leaves ``git status`` clean: tests/workbook/test_notebooks_in_lab.py does
it in JupyterLab); and a notebook staged with outputs is stripped on the way in (the filter ``make`` installs).
"""

import ast
import json
import subprocess
from pathlib import Path

import pytest

from dgforecast.core.config import NUMBERED_NOTEBOOKS
from dgforecast.core.yamlfile import did_you_mean
from dgforecast.plan import schema as params_schema
from dgforecast.run.kernel import LANGUAGE_INFO
from dgforecast.run.report_jobs import notebook_runs

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NUMBERED = sorted(NOTEBOOKS.glob(NUMBERED_NOTEBOOKS))
#: What the runner injects beside the scenario's fields, by how a notebook runs (report_jobs.report_jobs).
RUNNER_NAMES = {"once": {"project_dir", "interactive"},
                "per_scenario": {"project_dir", "interactive", "summary_csv"},
                "across_scenarios": {"project_dir", "scenarios", "overrides"},
                "on_sweep_file": {"project_dir", "results_file"}}
#: Names a notebook may set in its parameters cell for its own use (plain papermill: ``-p x_key growth``).
OWN_NAMES = {"on_sweep_file": {"x_key", "y_key", "target_id", "fixed", "contours"}}


def parameter_names(source: str) -> list[str]:
    """Names a parameters cell assigns at top level, in order (as papermill's inspection reads them)."""
    names = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def problems(path: Path, fields=None) -> list[str]:
    """What is wrong with the parameters cell of the notebook at ``path``: one line each, none when fine.

    ``fields`` is the scenario schema (default ``dgforecast.plan.schema.FIELDS``, read at call time).
    """
    fields = params_schema.FIELDS if fields is None else fields
    name = path.name
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return [f"{name}: no cell tagged `parameters`; tag the cell of parameters (JupyterLab: right sidebar, "
                "Property Inspector, Cell Tags) so the report can inject its values after it"]
    if len(tagged) > 1:
        return [f"{name}: {len(tagged)} cells tagged `parameters` (cells {', '.join(map(str, tagged))}); keep one"]
    source = "".join(cells[tagged[0]]["source"])
    try:
        declared = parameter_names(source)
    except SyntaxError as exc:
        return [f"{name}: the parameters cell is not valid Python ({exc.msg}, line {exc.lineno})"]
    runs = notebook_runs(path)
    injected = set(RUNNER_NAMES[runs])
    found = []
    if runs in ("once", "per_scenario"):
        schema = set(fields) - {"scenario"}
        injected |= {"scenario"} | schema
        found += [f"{name}: the parameters cell lacks scenario field {field!r} (dgforecast.plan.schema.FIELDS); add "
                  f"`{field} = None  # {fields[field].get('label_zh', '')} {fields[field].get('label_en', '')}`"
                  for field in sorted(schema - set(declared))]
    for extra in [n for n in declared if n not in injected | OWN_NAMES.get(runs, set())]:
        guess = did_you_mean(extra, sorted(injected))
        hint = f"did you mean {guess!r}?" if guess else "the runner never sets it"
        found.append(f"{name}: the parameters cell sets {extra!r}, which is no scenario field nor runner "
                     f"parameter ({runs} notebook); {hint}")
    return found


def test_there_are_numbered_notebooks():
    assert [p.name for p in NUMBERED][:6] == [
        "01_plan_baselines.ipynb", "02_history_and_models.ipynb", "03_scenario.ipynb",
        "04_targets_across_scenarios.ipynb", "05_sweep.ipynb", "06_tracking_and_final_assessment.ipynb"]


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name)
def test_parameters_cell_names_the_scenario_schema_and_what_the_runner_injects(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name)
def test_notebook_opens_on_the_workbook_kernel_and_says_how_it_runs(path):
    metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert metadata["kernelspec"]["name"] == "dgforecast", "make registers this kernel; JupyterLab then selects it"
    assert metadata["dgforecast"]["runs"] == notebook_runs(path)


@pytest.mark.parametrize("path", NUMBERED, ids=lambda p: p.name)
def test_notebook_is_what_jupyterlab_writes_back_on_the_workbook_kernel(path):
    """JupyterLab copies the kernel's language_info into the metadata at open (the notebook is then marked
    changed if it differs) and its server writes the notebook as nbformat does, with a final newline."""
    import nbformat

    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["metadata"]["language_info"] == LANGUAGE_INFO, (
        f"{path.name}: language_info is not what the workbook's kernel says; open and save it in JupyterLab "
        "(make lab), then git add")
    assert nbformat.writes(nbformat.reads(text, as_version=4)) + "\n" == text, (
        f"{path.name}: not laid out as JupyterLab saves it; open and save it in JupyterLab, then git add")


def test_a_field_added_to_the_schema_and_not_to_a_notebook_is_named_with_the_notebook(monkeypatch):
    extra = {"label_zh": "新参数", "label_en": "new parameter", "unit": "fraction"}
    monkeypatch.setattr(params_schema, "FIELDS", {**params_schema.FIELDS, "capacity_growth": extra})
    found = problems(NOTEBOOKS / "03_scenario.ipynb")
    assert found == ["03_scenario.ipynb: the parameters cell lacks scenario field 'capacity_growth' "
                     "(dgforecast.plan.schema.FIELDS); add `capacity_growth = None  # 新参数 new parameter`"]
    # notebooks that take no scenario fields (across scenarios, the sweep) are not asked for it
    assert problems(NOTEBOOKS / "04_targets_across_scenarios.ipynb") == []


def _copy_with(tmp_path, name, change):
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    change(nb)
    path = tmp_path / name
    path.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return path


def _parameters_cell(nb):
    return next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))


def test_removing_the_parameters_tag_fails_with_one_clear_line(tmp_path):
    path = _copy_with(tmp_path, "03_scenario.ipynb", lambda nb: _parameters_cell(nb)["metadata"].pop("tags"))
    found = problems(path)
    assert len(found) == 1 and "\n" not in found[0]
    assert found[0].startswith("03_scenario.ipynb: no cell tagged `parameters`")


def test_two_parameters_cells_are_refused(tmp_path):
    def tag_twice(nb):
        nb["cells"][0]["metadata"]["tags"] = ["parameters"]
    assert problems(_copy_with(tmp_path, "01_plan_baselines.ipynb", tag_twice)) == [
        "01_plan_baselines.ipynb: 2 cells tagged `parameters` (cells 0, 1); keep one"]


def test_a_misspelt_parameter_is_named_with_a_guess(tmp_path):
    def misspell(nb):
        cell = _parameters_cell(nb)
        cell["source"] = "".join(cell["source"]).replace("volatility = None", "volatilty = None")
    found = problems(_copy_with(tmp_path, "01_plan_baselines.ipynb", misspell))
    assert "01_plan_baselines.ipynb: the parameters cell lacks scenario field 'volatility'" in found[0]
    assert found[1] == ("01_plan_baselines.ipynb: the parameters cell sets 'volatilty', which is no scenario "
                        "field nor runner parameter (once notebook); did you mean 'volatility'?")


# ---------------------------------------------------------------- what git holds
def _git(*args, stdin=None):
    return subprocess.run(["git", *args], cwd=ROOT, input=stdin, capture_output=True, check=True).stdout


def _in_git() -> bool:
    try:
        return _git("rev-parse", "--is-inside-work-tree").strip() == b"true"
    except (OSError, subprocess.CalledProcessError):
        return False


def _held_notebooks():
    """(name, text) of every notebook as git holds it (the index: what the next commit takes)."""
    if not _in_git():  # a copy without git: the files themselves
        return [(p.name, p.read_text(encoding="utf-8")) for p in NUMBERED]
    listed = _git("ls-files", "-s", "--", "notebooks/*.ipynb", "tests/notebooks/*.ipynb").decode().splitlines()
    return [(line.split("\t", 1)[1], _git("cat-file", "blob", line.split()[1]).decode("utf-8")) for line in listed]


@pytest.mark.parametrize("name, text", _held_notebooks(), ids=lambda v: v if v.endswith(".ipynb") else "")
def test_git_holds_no_outputs_nor_execution_counts(name, text):
    nb = json.loads(text)
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{name}: cells {dirty} hold outputs in git; run `make install` (nbstripout), then git add"
    assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"], name


@pytest.mark.skipif(not _in_git(), reason="not a git work tree")
@pytest.mark.slow
def test_staging_a_notebook_strips_its_outputs():
    """What an economist's save-and-commit goes through: git's clean filter (nbstripout, set up by make)."""
    nb = json.loads((NOTEBOOKS / "03_scenario.ipynb").read_text(encoding="utf-8"))
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["P(met) 71.7%\n"]}]
    code["execution_count"] = 7
    nb["metadata"]["language_info"] = {**LANGUAGE_INFO, "version": "3.11.7"}  # as a plain ipykernel says it
    attribute = _git("check-attr", "filter", "--", "notebooks/03_scenario.ipynb").decode()
    assert attribute.strip().endswith("filter: nbstripout"), "run `make install`: it sets up the nbstripout filter"
    blob = _git("hash-object", "-w", "--stdin", "--path", "notebooks/03_scenario.ipynb",
                stdin=json.dumps(nb).encode()).strip().decode()
    staged = json.loads(_git("cat-file", "blob", blob))
    staged_code = next(c for c in staged["cells"] if c["cell_type"] == "code")
    assert staged_code["outputs"] == [] and staged_code["execution_count"] is None
    assert staged["metadata"]["language_info"] == LANGUAGE_INFO  # the interpreter's version only is stripped

"""The package's shape: data flows one way, no import loops, and each idea is written once."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dgforecast"

#: The stages, upstream first: raw → tables → paths → assessment → views/reports → commands.
#: A module may import modules of its own layer or an earlier one, never a later one.
LAYERS = [
    ("foundations", {"errors", "config", "fileio", "kinds", "workers", "limits", "vocabulary", "numbers", "yamlfile"}),
    ("schema and raw tables", {"plan", "params_schema", "params", "params_comments", "csvfile", "data", "plan_figures",
                                "evidence"}),
    ("tables and growth models", {"targets", "models.base", "models.drift", "models.theta", "models.statsmodels_fits",
                                  "models.curves", "models", "backtest", "reference_errors", "forecast",
                                  "forecast_files", "fit_table"}),
    ("paths", {"prior", "simulate", "fitted_engine", "condition", "batch", "closed_form"}),
    ("assessment", {"verdicts", "count_targets", "assess", "tracking"}),
    ("views and notebook running", {"plots", "evidence_marks", "words", "tables", "index_page", "facts", "document", "notebook", "provenance", "memo",
                                    "whatif", "notebook_html"}),
    ("reading the workbook", {"pipeline", "progress"}),
    ("commands' work", {"report", "report_folders", "new_plan", "sweep", "sweep.grid", "sweep.run", "sweep.results",
                        "sweep.pages",
                        "sweep.command"}),
    ("command line", {"cli", "__main__", "__init__"}),
]
LAYER_OF = {module: i for i, (_, modules) in enumerate(LAYERS) for module in modules}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)


def import_graph() -> dict:
    """module -> set of dgforecast modules it imports anywhere (top level or inside functions)."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dgforecast"):
                target = node.module.removeprefix("dgforecast").lstrip(".")
                if target:
                    found.add(target)
                else:  # from dgforecast import x
                    found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name.removeprefix("dgforecast.") for a in node.names if a.name.startswith("dgforecast."))
        graph[name] = {m for m in found if m != name and m != "__version__"}
    return graph


def test_every_module_has_a_stage():
    unknown = sorted(set(import_graph()) - set(LAYER_OF))
    assert not unknown, f"put {unknown} into a layer of LAYERS (tests/test_architecture.py)"


def test_no_module_imports_from_a_later_stage():
    backwards = [f"{m} ({LAYERS[LAYER_OF[m]][0]}) imports {t} ({LAYERS[LAYER_OF[t]][0]})"
                 for m, targets in import_graph().items() for t in targets
                 if m in LAYER_OF and t in LAYER_OF and LAYER_OF[t] > LAYER_OF[m]]
    assert not backwards, "\n".join(backwards)


def test_there_are_no_import_loops():
    graph = import_graph()
    state, loops = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                loops.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # a package's __init__ re-exporting its own modules is not a loop unless a module imports it back
    loops = [loop for loop in loops if not re.fullmatch(r"sweep -> sweep\.\w+ -> sweep", loop)]
    assert not loops, "\n".join(loops)


def _grep(pattern) -> list[str]:
    regex = re.compile(pattern)
    return [f"{p.relative_to(PACKAGE)}:{i}" for p in sorted(PACKAGE.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if regex.search(line) and not line.lstrip().startswith(("#", '"', "raise"))]


@pytest.mark.parametrize("idea, pattern, home", [
    ("seeding (seed -> generator)", r"default_rng\(", "simulate.py"),
    ("the lognormal engine's paths from the posterior of the state", r"\+ Z @ root\.T", "simulate.py"),
    ("a quantity's random part on shared draws", r"Z @ \(root\.T @", "simulate.py"),
    ("the conjugate update", r"np\.linalg\.solve\(S, ", "condition.py"),
    ("the compound-growth formula", r"\*\* ?\(1(\.0)? ?/", "targets.py"),
    ("a process pool", r"ProcessPoolExecutor\(", "workers.py"),
    ("the notebook jobs runner", r"^def run_jobs\(", "notebook.py"),
])
def test_each_idea_is_written_once(idea, pattern, home):
    places = _grep(pattern)
    assert len(places) == 1 and places[0].startswith(home), f"{idea}: {places}"


#: A module holds one concern; past this many lines it holds several (issue 18: rooms of one concern).
MAX_MODULE_LINES = 500
#: reference_errors.py is data, not code: tables of error quantiles written by
#: ``python benchmarks/m3_yearly.py --write-reference`` and never edited by hand; its length is the
#: tables', and cutting it would only cut a table in two.
GENERATED = {"reference_errors.py"}


def test_no_module_is_over_500_lines():
    too_long = [f"{path.relative_to(PACKAGE)}: {count} lines" for path in sorted(PACKAGE.rglob("*.py"))
                if path.relative_to(PACKAGE).as_posix() not in GENERATED
                and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not too_long, (f"split these into modules of one concern, each at most {MAX_MODULE_LINES} lines:\n"
                          + "\n".join(too_long))

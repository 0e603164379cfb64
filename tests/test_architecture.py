"""The package's shape: data flows one way, no import loops, and each idea is written once."""

import ast
import functools
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "dgforecast"

#: The layers, upstream first: each is a folder of the package, and a module's layer is its folder.
#: A module may import from its own folder or one above it in this list, never from one below.
#: Data flows one way: plan data -> fitted models -> simulated paths -> judgement -> pages -> runs.
FOLDERS = ("core", "plan", "models", "engine", "judge", "present", "run", "cli")
#: The package's top: the face (``__init__``, which loads its names lazily) and ``python -m dgforecast``.
TOP = {"__init__", "__main__"}


@functools.lru_cache(maxsize=None)
def syntax(path: Path) -> ast.Module:
    """The syntax tree of a file, parsed once for all the tests here (they read it, never change it)."""
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def nodes(path: Path) -> tuple:
    """Every node of ``syntax(path)``, in ``ast.walk`` order."""
    return tuple(ast.walk(syntax(path)))


def layer_of(module: str) -> int:
    """The index of ``module``'s folder in FOLDERS; the top level comes last."""
    head = module.split(".")[0]
    return len(FOLDERS) if module in TOP else FOLDERS.index(head)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)


@functools.lru_cache(maxsize=None)
def import_graph() -> dict:
    """module -> set of dgforecast modules it imports anywhere (top level or inside functions)."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(path)
        found = set()
        for node in nodes(path):
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


def test_every_module_lives_in_a_layer_folder():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(FOLDERS), f"layer folders on disk {sorted(folders)} vs FOLDERS {list(FOLDERS)}"
    loose = sorted(m for m in import_graph() if "." not in m and m not in TOP and m not in FOLDERS)
    assert not loose, f"modules outside a layer folder: {loose}; move each into the folder of its layer"


def test_no_module_imports_from_a_layer_below():
    backwards = [f"{m} imports {t}" for m, targets in import_graph().items() for t in targets
                 if layer_of(t) > layer_of(m)]
    assert not backwards, "\n".join(backwards)


def test_each_layer_says_what_it_is_for():
    for folder in FOLDERS:
        init = (PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")
        assert init.lstrip().startswith('"""') and len(init.splitlines()) <= 12, f"{folder}/__init__.py"


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
    loops = [loop for loop in loops if not re.fullmatch(r"run\.sweep -> run\.sweep\.\w+ -> run\.sweep", loop)]
    assert not loops, "\n".join(loops)


def _grep(pattern) -> list[str]:
    regex = re.compile(pattern)
    return [f"{p.relative_to(PACKAGE)}:{i}" for p in sorted(PACKAGE.rglob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if regex.search(line) and not line.lstrip().startswith(("#", '"', "raise"))]


@pytest.mark.parametrize("idea, pattern, home", [
    ("seeding (seed -> generator)", r"default_rng\(", "engine/draws.py"),
    ("the lognormal engine's paths from the posterior of the state", r"\+ Z @ root\.T", "engine/group_paths.py"),
    ("a quantity's random part on shared draws", r"Z @ \(root\.T @", "engine/draws.py"),
    ("the conjugate update", r"np\.linalg\.solve\(S, ", "engine/posterior.py"),
    ("the compound-growth formula", r"\*\* ?\(1(\.0)? ?/", "plan/targets.py"),
    ("a process pool", r"ProcessPoolExecutor\(", "core/workers.py"),
    ("the notebook jobs runner", r"^def run_jobs\(", "run/jobs.py"),
])
def test_each_idea_is_written_once(idea, pattern, home):
    places = _grep(pattern)
    assert len(places) == 1 and places[0].startswith(home), f"{idea}: {places}"


#: A module holds one concern; past this many lines it holds several (issue 23: rooms of one concern).
MAX_MODULE_LINES = 400
#: A function past this many lines does several things; name its steps.
MAX_FUNCTION_LINES = 60
#: reference_errors.py is data, not code: tables of error quantiles written by
#: ``python benchmarks/m3_yearly.py --write-reference`` and never edited by hand; its length is the
#: tables', and cutting it would only cut a table in two.
GENERATED = {"models/reference_errors.py"}


def test_no_module_is_over_400_lines():
    too_long = [f"{path.relative_to(PACKAGE)}: {count} lines" for path in sorted(PACKAGE.rglob("*.py"))
                if path.relative_to(PACKAGE).as_posix() not in GENERATED
                and (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not too_long, (f"split these into modules of one concern, each at most {MAX_MODULE_LINES} lines:\n"
                          + "\n".join(too_long))


def test_no_function_is_over_60_lines():
    too_long = [f"{path.relative_to(PACKAGE)}: {node.name} {node.end_lineno - node.lineno + 1} lines"
                for path in sorted(PACKAGE.rglob("*.py"))
                for node in nodes(path)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not too_long, f"break these into named steps of at most {MAX_FUNCTION_LINES} lines:\n" + "\n".join(too_long)


REPO = PACKAGE.parent
#: Where a private name could be reached from another file: the package, its tests, its benchmarks.
SCANNED = [PACKAGE, REPO / "tests", REPO / "benchmarks"]


def _dgforecast_modules_bound(tree) -> set:
    """Names a file binds to dgforecast modules (``import dgforecast.x as m``, ``from dgforecast.x import m``)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update((a.asname or a.name.split(".")[0]) for a in node.names if a.name.startswith("dgforecast"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dgforecast"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}".removeprefix("dgforecast.").replace(".", "/")
                if (PACKAGE / f"{target}.py").exists() or (PACKAGE / target / "__init__.py").exists():
                    bound.add(alias.asname or alias.name)
    return bound


def private_reaches() -> list[str]:
    """Every place a file imports or touches an underscore name of another dgforecast module."""
    found = []
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            tree = syntax(path)
            where = path.relative_to(REPO).as_posix()
            modules = _dgforecast_modules_bound(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dgforecast"):
                    found += [f"{where}:{node.lineno} imports {node.module}.{a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")]
                elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                      and node.attr.startswith("_") and not node.attr.startswith("__")):
                    found.append(f"{where}:{node.lineno} reaches {node.value.id}.{node.attr}")
                elif (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Name)
                      and node.args[0].id in modules and isinstance(node.args[1], ast.Constant)
                      and str(node.args[1].value).startswith("_") and not str(node.args[1].value).startswith("__")):
                    found.append(f"{where}:{node.lineno} patches {node.args[0].id}.{node.args[1].value}")
    return found


def test_no_file_reaches_an_underscore_name_of_another():
    reaches = private_reaches()
    assert not reaches, ("a helper two files need gets a public name in the room that owns it "
                         "(tests use public functions):\n" + "\n".join(reaches))


#: Calls that start a cluster or a browser: a test making one is out of the fast tier. (A kernel is
#: caught as it starts: conftest.py's ``kernels_only_when_marked``.)
HEAVY_CALLS = {"LocalCluster": "slow", "Chrome": "browser"}
TIER_MARKERS = {"slow", "notebooks", "browser"}


def _markers(node) -> set:
    names = set()
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute):
            names.add(target.attr)  # pytest.mark.slow
    return names


def test_a_test_that_starts_a_cluster_kernel_or_browser_is_out_of_the_fast_tier():
    unmarked = []
    for path in sorted((REPO / "tests").rglob("test_*.py")):
        tree = syntax(path)
        module_marks = {m for node in tree.body if isinstance(node, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
                        for m in re.findall(r"mark\.(\w+)", ast.unparse(node.value))}
        for node in tree.body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            calls = {c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "")
                     for c in ast.walk(node) if isinstance(c, ast.Call)}
            heavy = calls & set(HEAVY_CALLS)
            if heavy and not (_markers(node) | module_marks) & TIER_MARKERS:
                unmarked.append(f"{path.relative_to(REPO)}::{node.name} calls {sorted(heavy)}")
    assert not unmarked, "mark these slow, notebooks or browser (pyproject.toml):\n" + "\n".join(unmarked)


#: The tests mirror the layers: tests/<folder>/ holds the tests of dgforecast/<folder>/.
TESTS = REPO / "tests"


def modules_imported(test_file: Path) -> set:
    """Every dgforecast module a test file imports: ``from dgforecast.x.y import ...``, ``import dgforecast.x.y``
    and ``from dgforecast.x import y`` (y a module), at the top or inside a test."""
    found = set()
    for node in nodes(test_file):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("dgforecast."))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("dgforecast"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_every_room_is_reachable_from_a_test_of_its_layer():
    # Issue 23: each module of dgforecast/<layer>/ is reached by a test in tests/<layer>/ (its subfolders too):
    # imported by one, or imported by a room of the same layer that one imports (plots re-exports the chart
    # rooms; a test of plots reaches them). The rooms are read from the disk, so a module split in two, or
    # added, is reached or named here.
    graph, missing = import_graph(), []
    for folder in FOLDERS:
        rooms = sorted(".".join(("dgforecast", *path.relative_to(PACKAGE).with_suffix("").parts))
                       for path in (PACKAGE / folder).rglob("*.py") if path.name != "__init__.py")
        reached = {m.removeprefix("dgforecast.") for m in set().union(
            *(modules_imported(path) for path in (TESTS / folder).rglob("test_*.py")))}
        frontier = list(reached)
        while frontier:  # follow imports that stay inside the layer
            for nxt in graph.get(frontier.pop(), ()):
                if nxt.split(".")[0] == folder and nxt not in reached:
                    reached.add(nxt)
                    frontier.append(nxt)
        missing += [f"{room}: no test in tests/{folder}/ reaches it" for room in rooms
                    if room.removeprefix("dgforecast.") not in reached]
    assert not missing, ("every room is reachable from a test of its layer (issue 23); write behaviour tests of "
                         "these in tests/<layer>/test_<room>.py:\n" + "\n".join(missing))

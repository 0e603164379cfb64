"""Mutation testing of the measurement model: which small changes to the code do its tests miss?

mutmut changes one operator, constant or argument of a mutated file at a time (a "mutant") and runs
the fast tests against each; a mutant no test fails is a *survivor*: a change of the code the tests
cannot see. Goal: at least 99 % of the measurement model's non-equivalent mutants fail a test (issue 24;
it was 90 % before).

Usage::

    .venv/bin/python benchmarks/mutation.py                 # the measurement model (DEFAULT_PATHS below)
    .venv/bin/python benchmarks/mutation.py --paths dgforecast/pins.py --tests tests/test_pins.py
    .venv/bin/python benchmarks/mutation.py --paths dgforecast/engine/fitted_engine.py --tests tests/engine/test_simulate.py \\
        --no-defaults --functions 'dgforecast.engine.fitted_engine.project_onto_rows' 'dgforecast.engine.fitted_engine.fitted_state'
    make mutation                                           # installs the pinned mutmut into .venv first

The default run mutates condition.py, posterior.py and weights.py whole and the conditioning functions
of simulate.py, prior.py and fitted_engine.py (``DEFAULT_FUNCTIONS``) against tests/engine/test_condition.py
and tests/engine/test_simulate.py.
``--paths`` and ``--tests`` add to the defaults below (``--no-defaults`` drops them, and the default
functions with them); ``--functions`` keeps only the mutants of the named functions, in place of the
default ones (``module.function`` or ``module.Class.method``, shell wildcards allowed; name every
module's, e.g. ``'dgforecast.engine.condition.*'``). ``-j`` is the number of
mutants tested at once (default: the CPUs); ``--report NAME`` writes ``benchmarks/results/NAME.md``
(default ``mutation``), so a run over other files does not overwrite the measurement model's.

Only the tests that call a mutated function in pytest's own process judge its mutants: mutmut
records which tests reach which function in a first, clean run, and calls made in another process
(a worker, ``subprocess.run(["dgforecast", ...])``) are not seen; such a function's mutants are
"no tests" (its other callers' tests still run, and the mutant reaches their workers). mutmut
mutates function and method bodies only: not module-level constants, dataclass fields, nor a function
under a decorator other than @staticmethod or @classmethod (a @property is left as it is).

mutmut is not installed by this script: it says which ``pip install`` to run when it is missing.

Why a scratch copy: mutmut 3 copies the project into ``mutants/`` beside its config and runs pytest
there. Run inside the repository, that copy would sit below the user's own workbook (params.yaml
and data/raw/ of the repository), which ``dgforecast.core.config.find_project`` finds from the current
folder upward, and the tests' guard (tests/conftest.py) only hides the folder the tests live in.
So the package, the tests, the notebooks and pyproject.toml (with a ``[tool.mutmut]`` section
written for this run) are copied to a temporary folder outside any workbook, mutmut runs there,
and the folder is removed afterwards (``--keep`` keeps it, for ``mutmut browse`` or ``mutmut show``).
The working tree is left as it was, but for the two result files.

Writes ``benchmarks/results/mutation.md`` (tool, files, tests, counts, kill rate, every surviving
mutant as its diff) and ``benchmarks/results/mutation_survivors.txt`` (one survivor a line).
Mutants that no test can kill because they change nothing observable (equivalent mutants) are
listed by hand, each with its reason, in ``benchmarks/mutation_equivalent.txt``: they are reported
apart, with the kill rate both with and without them, never dropped silently.
"""

import argparse
import ast
import difflib
import fnmatch
import hashlib
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The mutmut this script is written for (`make mutation` installs it; the Makefile reads it from here).
MUTMUT_VERSION = "3.8.1"
#: What is mutated and which tests judge it, when no option says otherwise. When the measurement
#: model moves (a new module, tests split), edit these two lists.
DEFAULT_PATHS = ["dgforecast/engine/condition.py", "dgforecast/engine/posterior.py", "dgforecast/engine/weights.py",
                 "dgforecast/engine/links.py", "dgforecast/engine/integrated.py", "dgforecast/engine/group_paths.py",
                 "dgforecast/engine/bearing.py", "dgforecast/engine/draws.py", "dgforecast/engine/prior.py",
                 "dgforecast/engine/fitted_engine.py"]
DEFAULT_TESTS = ["tests/engine/test_condition.py", "tests/engine/test_simulate.py", "tests/engine/test_integrated.py",
                 "tests/engine/test_calibration.py", "tests/engine/test_path_algebra.py",
                 "tests/engine/test_integrated_points.py", "tests/engine/test_spread_weights.py"]
#: The functions of a default file that belong to the measurement model, when not all of it does
#: (``module.function`` patterns as ``--functions`` takes them): the conditioning part of the simulation
#: — the prior on the state and its layout (prior.py), the posterior draws, the bound weighting and the
#: next round figures of a group (group_paths.py), which rows bear on which year and target (bearing.py),
#: a quantity's random part (draws.py), the fitted engine's projection and weights (fitted_engine.py). A
#: default file not named here is mutated whole; ``--functions`` replaces these, ``--no-defaults`` drops them.
DEFAULT_FUNCTIONS = {
    "dgforecast/engine/group_paths.py": [f"dgforecast.engine.group_paths.{name}" for name in (
        "_lognormal_paths", "_beyond_next_figures", "years_evidence", "group_paths", "_weigh")],
    "dgforecast/engine/bearing.py": [f"dgforecast.engine.bearing.{name}" for name in (
        "usable_observations", "target_function")],
    "dgforecast/engine/draws.py": ["dgforecast.engine.draws.noise_along"],
    "dgforecast/engine/prior.py": [f"dgforecast.engine.prior.{name}" for name in (
        "prior_moments", "state_layout", "log_growth_means", "log_growth_sds")],
    "dgforecast/engine/fitted_engine.py": [f"dgforecast.engine.fitted_engine.{name}" for name in (
        "project_onto_rows", "fitted_state", "_fitted_prior")],
}
#: Copied beside the package and the tests, so tests that read them work from the copy.
ALWAYS_COPY = ["notebooks", "benchmarks"]
EQUIVALENT_FILE = ROOT / "benchmarks" / "mutation_equivalent.txt"
RESULTS = ROOT / "benchmarks" / "results"
GOAL_PCT = 99.0
#: pytest options of every test run (mutmut adds -x -q and its own plugins' switches).
PYTEST_ARGS = ["-p", "no:cacheprovider"]
#: mutmut's exit codes of a tested mutant, by status (mutmut.stats.status_by_exit_code is used when
#: it can be imported; this is its 3.8 table, for reading results without it).
STATUS_BY_EXIT_CODE = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 2: "check was interrupted by user",
                       None: "not checked", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout",
                       37: "caught by type check", -24: "timeout", 24: "timeout", 152: "timeout",
                       255: "timeout", -11: "segfault", -9: "segfault"}
NOT_KILLED_ORDER = ["survived", "no tests", "suspicious", "segfault", "check was interrupted by user", "not checked"]


# ---------------------------------------------------------------------------------------------- setup

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paths", nargs="+", default=[], metavar="FILE",
                        help=f"more source files to mutate (default: {' '.join(DEFAULT_PATHS)})")
    parser.add_argument("--tests", nargs="+", default=[], metavar="TEST",
                        help=f"more test files or node ids to run (default: {' '.join(DEFAULT_TESTS)})")
    parser.add_argument("--no-defaults", action="store_true", help="mutate and test only what --paths/--tests name")
    parser.add_argument("--functions", nargs="+", default=[], metavar="PATTERN",
                        help="only the mutants of these functions (in place of DEFAULT_FUNCTIONS): module.function "
                             "or module.Class.method, wildcards allowed (e.g. 'dgforecast.engine.condition.Linear.*')")
    parser.add_argument("--also-copy", nargs="+", default=[], metavar="PATH",
                        help="more files or folders the tests need in the copy (the package, tests/, "
                             "notebooks/ and pyproject.toml always are)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="mutants tested at once")
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (for `mutmut browse`)")
    parser.add_argument("--fail-under", type=float, metavar="PCT",
                        help="exit 1 when the kill rate (equivalent mutants left out) is below PCT")
    parser.add_argument("--equivalent", type=Path, default=EQUIVALENT_FILE, help="allow-list of equivalent mutants")
    parser.add_argument("--report", default="mutation", metavar="NAME",
                        help="write benchmarks/results/NAME.md and NAME_survivors.txt (default: mutation)")
    return parser.parse_args(argv)


def require_mutmut():
    """mutmut's version, or exit with the one command that installs it (nothing is installed here)."""
    try:
        from importlib.metadata import PackageNotFoundError, version
        found = version("mutmut")
        import mutmut  # noqa: F401  (importable, not only its metadata)
    except (ImportError, PackageNotFoundError):
        sys.exit(f"mutmut is not installed for {sys.executable}: run\n"
                 f"    {sys.executable} -m pip install mutmut=={MUTMUT_VERSION}\n(or `make mutation`)")
    if found != MUTMUT_VERSION:
        print(f"note: mutmut {found} is installed, this script is written for {MUTMUT_VERSION} "
              f"(`{sys.executable} -m pip install mutmut=={MUTMUT_VERSION}`)", file=sys.stderr)
    return found


def is_workbook(folder: Path) -> bool:
    """The markers of dgforecast.core.config.is_project_root, without importing the package."""
    return (folder / "params.yaml").exists() and (folder / "data" / "raw").exists()


def checked_inputs(args):
    paths = ([] if args.no_defaults else DEFAULT_PATHS) + args.paths
    tests = ([] if args.no_defaults else DEFAULT_TESTS) + args.tests
    if not paths or not tests:
        sys.exit("nothing to mutate or no test to run: give --paths and --tests")
    paths, tests = list(dict.fromkeys(paths)), list(dict.fromkeys(tests))
    for p in paths:
        f = ROOT / p
        if Path(p).is_absolute() or not f.is_file() or f.suffix != ".py" or len(Path(p).parts) < 2:
            sys.exit(f"{p}: not a .py file inside a package folder of {ROOT} (a path like dgforecast/engine/condition.py;"
                     f" if the measurement model moved, edit DEFAULT_PATHS in benchmarks/mutation.py)")
    for t in tests:
        if not (ROOT / t.split("::")[0]).exists():
            sys.exit(f"{t}: no such test file (if the tests moved, edit DEFAULT_TESTS in benchmarks/mutation.py)")
    for extra in args.also_copy:
        if not (ROOT / extra).exists():
            sys.exit(f"--also-copy {extra}: no such file or folder")
    return paths, tests


def chosen_functions(args, paths) -> list:
    """The ``--functions`` of this run: the ones given, else each default file's (``DEFAULT_FUNCTIONS``)
    and every other file whole; none (every mutant) when no file is restricted."""
    if args.functions or args.no_defaults or not any(p in DEFAULT_FUNCTIONS for p in paths):
        return list(args.functions)
    return [f for p in paths for f in DEFAULT_FUNCTIONS.get(p, [f"{module_name(p)}.*"])]


def module_name(path: str) -> str:
    return str(Path(path).with_suffix("")).replace(os.sep, ".").removesuffix(".__init__")


def mutmut_patterns(functions, paths):
    """``module.function`` / ``module.Class.method`` patterns as mutmut's mutant names (its 3.x mangling:
    ``module.x_function__mutmut_N``, ``module.xǁClassǁmethod__mutmut_N``)."""
    modules = sorted((module_name(p) for p in paths), key=len, reverse=True)
    patterns = []
    for f in functions:
        module = next((m for m in modules if f.startswith(m + ".")), None)
        if module is None:
            sys.exit(f"--functions {f}: not in a mutated module ({', '.join(modules)}); name it module.function")
        rest = f[len(module) + 1:].split(".")
        if rest == ["*"]:  # the whole module: its functions and its classes' methods
            patterns += [f"{module}.x_*__mutmut_*", f"{module}.xǁ*ǁ*__mutmut_*"]
        elif len(rest) == 1:
            patterns.append(f"{module}.x_{rest[0]}__mutmut_*")
        elif len(rest) == 2:
            patterns.append(f"{module}.xǁ{rest[0]}ǁ{rest[1]}__mutmut_*")
        else:
            sys.exit(f"--functions {f}: give module.function or module.Class.method")
    return patterns


def mutmut_config(paths, tests, also_copy) -> str:
    """The ``[tool.mutmut]`` section of the copy's pyproject.toml (mutmut 3 reads no command-line config)."""
    def toml_list(items):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"
    sources = sorted({Path(p).parts[0] for p in paths})
    return "\n".join([
        "", "[tool.mutmut]",
        "# written by benchmarks/mutation.py for one run; the package folder is copied whole, so the",
        "# mutated module imports its siblings, and only the files named here are mutated",
        f"source_paths = {toml_list(sources)}",
        f"only_mutate = {toml_list(paths)}",
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}",
        f"pytest_add_cli_args = {toml_list(PYTEST_ARGS)}",
        f"also_copy = {toml_list(also_copy)}",
        "use_git_change_detection = false   # the copy is not a git repository",
        "",
    ])


def stage(workdir: Path, paths, tests, also_copy):
    """Copy what mutmut needs into ``workdir`` and write its config there."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache")
    copied = sorted({Path(p).parts[0] for p in paths} | {"tests"} | set(also_copy))
    for name in copied:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, workdir / name, ignore=ignore)
        elif src.exists():
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, workdir / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    # a [tool.mutmut] of the repository's own would clash with the one written here: this script owns it
    pyproject = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", pyproject)
    (workdir / "pyproject.toml").write_text(pyproject + mutmut_config(paths, tests, also_copy), encoding="utf-8")


def run_mutmut(workdir: Path, jobs: int, patterns) -> tuple[int, float, float, str]:
    """``mutmut run`` in ``workdir``: its exit code, wall and CPU seconds, and output (spinner lines dropped)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    # No PYTHONPATH to mutants/ here: mutants/ does not exist yet when mutmut starts, so its interpreter
    # would remember the folder as "no importer" and import the unmutated package (no test would then
    # reach a mutant). mutmut puts mutants/ on its own sys.path, which forked workers (dgforecast.core.workers
    # on Linux) inherit; an interpreter started afresh (spawn, a dask nanny) imports the unmutated package.
    # one BLAS thread per forked worker: -j workers already fill the cores (and forking is safer)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *patterns]
    log = workdir / "mutmut-run.log"
    started, cpu_before = time.perf_counter(), _children_cpu()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        last_progress = 0.0
        for chunk in iter(lambda: process.stdout.read1(4096), b""):
            out.write(chunk)
            now = time.perf_counter()
            if sys.stderr.isatty() and now - last_progress > 0.5:  # mutmut's own progress line, throttled
                line = chunk.decode("utf-8", "replace").rsplit("\r", 1)[-1].strip()
                if line:
                    print(f"\r  {line[:110]:<110}", end="", file=sys.stderr, flush=True)
                last_progress = now
        code = process.wait()
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    if sys.stderr.isatty():
        print(file=sys.stderr)
    text = log.read_text(encoding="utf-8", errors="replace")
    lines = [ln.strip() for part in text.split("\n") for ln in part.split("\r")]
    spinner = re.compile(r"^[\u2800-\u28ff]")  # the braille spinner of mutmut's progress lines
    progress = [ln for ln in lines if spinner.match(ln) and "🎉" in ln]
    one_result = re.compile(r"^\S+ \S+__mutmut_\d+$")  # the per-mutant list printed after a --functions run
    kept = [ln for ln in lines if ln and not spinner.match(ln) and not one_result.match(ln)]
    return code, wall, cpu, "\n".join(kept + [f"last progress line: {progress[-1]}"] if progress else kept)


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: mutmut and its workers."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -------------------------------------------------------------------------------------------- results

def statuses():
    try:
        from mutmut.stats import status_by_exit_code
        return lambda code: status_by_exit_code[code]
    except ImportError:  # a mutmut that moved its table: the copy above
        return lambda code: STATUS_BY_EXIT_CODE.get(code, "suspicious")


def split_mutant_name(name: str) -> tuple[str, str, int]:
    """``dgforecast.engine.weights.x_normalise__mutmut_7`` -> (``dgforecast.engine.weights``, ``normalise``, 7);
    a method's qualified name is ``Class.method``."""
    head, _, number = name.rpartition("__mutmut_")
    module, _, mangled = head.rpartition(".")
    if mangled.startswith("xǁ"):
        _, cls, method = mangled.split("ǁ")
        return module, f"{cls}.{method}", int(number)
    return module, mangled.removeprefix("x_"), int(number)


def function_spans(source: str) -> dict:
    """Qualified name -> (first line, last line) of every function and method of a module."""
    spans = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            spans[node.name] = (min([node.lineno] + [d.lineno for d in node.decorator_list]), node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    spans[f"{node.name}.{item.name}"] = (item.lineno, item.end_lineno)
    return spans


def diff_lines(diff: str):
    """The removed and added lines of a unified diff, and the 1-based offset of the hunk's start."""
    removed = [ln[1:] for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    added = [ln[1:] for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    hunk = re.search(r"^@@ -(\d+)", diff, re.M)
    first_change = 0
    if hunk:
        body = diff[hunk.end():].split("\n")[1:]
        first_change = next((i for i, ln in enumerate(body) if ln[:1] in "-+"), 0)
    return removed, added, (int(hunk.group(1)) if hunk else 1) + first_change


def source_line(source_lines, span, removed, offset) -> int:
    """The line of the source file a mutant changes: the removed line found within its function."""
    start, end = span
    guess = start + offset - 1
    if removed:
        wanted = removed[0].strip()
        hits = [i for i in range(start, end + 1) if source_lines[i - 1].strip() == wanted]
        if hits:
            return min(hits, key=lambda i: abs(i - guess))
    return guess


def short_change(removed, added, context=2) -> str:
    """The change of a mutant on one line: ``…context [old → new] context…``."""
    old, new = " ".join(s.strip() for s in removed), " ".join(s.strip() for s in added)
    tokenize = re.compile(r"\w+|\s+|[^\w\s]").findall
    a, b = tokenize(old), tokenize(new)
    blocks = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if not blocks:
        return f"{old} (no visible change)"
    i1, j1 = blocks[0][1], blocks[0][3]
    i2, j2 = blocks[-1][2], blocks[-1][4]
    words = lambda toks: [k for k, t in enumerate(toks) if not t.isspace()]  # noqa: E731
    left_a = [k for k in words(a) if k < i1][-context:]
    lo = left_a[0] if left_a else i1
    right_a = [k for k in words(a) if k >= i2][:context]
    hi = right_a[-1] + 1 if right_a else i2
    before, after = "".join(a[lo:i1]), "".join(a[i2:hi])
    changed = f"[{''.join(a[i1:i2]).strip() or '∅'} → {''.join(b[j1:j2]).strip() or '∅'}]"
    return ("…" if lo > 0 else "") + before + changed + after + ("…" if hi < len(a) else "")


def mutant_diff(workdir: Path, name: str, path: str) -> str:
    """mutmut's own diff of a mutant (as ``mutmut show`` prints it)."""
    here = os.getcwd()
    try:
        os.chdir(workdir)
        from mutmut.mutation.diff_apply import get_diff_for_mutant
        return get_diff_for_mutant(name, path=path)
    except ImportError:  # another mutmut layout: ask its command line
        shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=workdir, text=True,
                               capture_output=True, check=True).stdout
        return shown.split("\n", 1)[1] if shown.startswith("#") else shown
    finally:
        os.chdir(here)


def collect(workdir: Path, paths, patterns):
    """Every mutant of the mutated files as a dict (name, file, function, status, line, diff...)."""
    import json
    status_of = statuses()
    mutants = []
    for path in paths:
        meta = workdir / "mutants" / (path + ".meta")
        if not meta.exists():
            sys.exit(f"mutmut wrote no results for {path} (see the log above)")
        exit_codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        source = (ROOT / path).read_text(encoding="utf-8")
        spans, lines = function_spans(source), source.splitlines()
        for name, code in exit_codes.items():
            if patterns and not any(fnmatch.fnmatch(name, p) for p in patterns):
                continue
            module, function, number = split_mutant_name(name)
            m = {"name": name, "file": path, "module": module, "function": function, "number": number,
                 "status": status_of(code), "line": spans.get(function, (1, 1))[0]}
            if m["status"] not in ("killed", "timeout", "skipped", "caught by type check"):
                m["diff"] = mutant_diff(workdir, name, path)
                m["removed"], m["added"], offset = diff_lines(m["diff"])
                m["line"] = source_line(lines, spans.get(function, (1, len(lines))), m["removed"], offset)
                m["change"] = short_change(m["removed"], m["added"])
            mutants.append(m)
    return sorted(mutants, key=lambda m: (m["file"], m["line"], m["number"]))


def load_equivalent(path: Path):
    """The hand-marked equivalent mutants: blocks of ``function:``, ``-``/``+`` lines and ``reason:``."""
    if not path.exists():
        return []
    entries, block = [], []
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        if raw.startswith("#"):
            continue
        if raw.strip():
            block.append(raw)
            continue
        if block:
            entry = {"function": None, "removed": [], "added": [], "reason": "", "text": "\n".join(block)}
            for ln in block:
                if ln.startswith("function:"):
                    entry["function"] = ln.split(":", 1)[1].strip()
                elif ln.startswith("reason:"):
                    entry["reason"] = ln.split(":", 1)[1].strip()
                elif ln[:1] == "-":
                    entry["removed"].append(ln[1:].strip())
                elif ln[:1] == "+":
                    entry["added"].append(ln[1:].strip())
                else:
                    sys.exit(f"{path}: cannot read the line {ln!r} (see the comment at the top of the file)")
            if not entry["function"] or not entry["reason"] or not (entry["removed"] or entry["added"]):
                sys.exit(f"{path}: an entry needs function:, the -/+ lines and reason:\n{entry['text']}")
            entries.append(entry)
        block = []
    return entries


def in_scope(entry, paths, patterns) -> bool:
    """Whether this run mutated the entry's function (so an entry that matched nothing is stale)."""
    modules = sorted((module_name(p) for p in paths), key=len, reverse=True)
    module = next((m for m in modules if entry["function"].startswith(m + ".")), None)
    if module is None:
        return False
    rest = entry["function"][len(module) + 1:].split(".")
    mangled = f"{module}.x_{rest[0]}" if len(rest) == 1 else f"{module}.xǁ{rest[0]}ǁ{rest[-1]}"
    return not patterns or any(fnmatch.fnmatch(mangled + "__mutmut_1", p) for p in patterns)


def match_equivalent(mutants, entries):
    """Mark the surviving mutants an entry describes (same function, same lines changed the same way)."""
    used = set()
    for m in mutants:
        if m["status"] != "survived":
            continue
        key = (f"{m['module']}.{m['function']}", [s.strip() for s in m["removed"]], [s.strip() for s in m["added"]])
        for i, e in enumerate(entries):
            if (e["function"], e["removed"], e["added"]) == key:
                m["equivalent"] = e["reason"]
                used.add(i)
                break
    return [e for i, e in enumerate(entries) if i not in used]


# --------------------------------------------------------------------------------------------- report

def git(*args) -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def pct(part, whole) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def scores(mutants):
    """mutmut's score: (killed + timeout) / (mutants - skipped); and the same without the equivalent ones."""
    counts = Counter(m["status"] for m in mutants)
    detected = counts["killed"] + counts["timeout"]
    tested = len(mutants) - counts["skipped"]
    equivalent = sum(1 for m in mutants if m.get("equivalent"))
    return counts, detected, tested, equivalent


def survivor_block(m) -> str:
    """A surviving mutant as an allow-list entry (paste it into mutation_equivalent.txt, add reason:)."""
    lines = [f"function: {m['module']}.{m['function']}"]
    lines += [f"- {s.strip()}" for s in m["removed"]] + [f"+ {s.strip()}" for s in m["added"]]
    return "\n".join(lines)


def write_report(mutants, stale, *, report, survivors, version, paths, tests, functions, jobs, wall, cpu,
                 load_start, run_output, command):
    counts, detected, tested, equivalent = scores(mutants)
    rate, rate_eq = pct(detected, tested), pct(detected, tested - equivalent)
    goal_met = tested > 0 and 100 * detected / max(tested - equivalent, 1) >= GOAL_PCT
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    commit = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    dirty = git("status", "--porcelain", "--", *paths, *[t.split("::")[0] for t in tests])
    load = os.getloadavg()[0]
    rate_line = re.search(r"[\d.]+ mutations/second", run_output)

    out = [f"# Mutation testing of the measurement model ({now} UTC)", "",
           f"`{command}`: mutmut {version} (Python {platform.python_version()}), {jobs} mutant(s) at once, "
           f"wall {wall:.0f} s{f' ({rate_line.group(0)})' if rate_line else ''}, {cpu:.0f} CPU-s, load {load_start:.1f} at the start and {load:.1f} at the end on "
           f"{os.cpu_count()} CPU(s), commit {commit}" + (" with uncommitted changes to the files below" if dirty else "")
           + ".", "",
           "Files mutated: " + ", ".join(
               f"`{p}` (sha256 {hashlib.sha256((ROOT / p).read_bytes()).hexdigest()[:12]})" for p in paths) + ".",
           "Tests run against each mutant: " + ", ".join(f"`{t}`" for t in tests)
           + f" (`pytest -x -q {' '.join(PYTEST_ARGS)}`, only the tests that call the mutated function).", ""]
    if functions:
        out += ["Only the mutants of: " + ", ".join(f"`{f}`" for f in functions) + ".", ""]
    out += [f"**Kill rate {rate_eq}** of {tested - equivalent} mutants ({detected} killed or timed out; "
            f"{equivalent} hand-marked equivalent left out; {rate} counting them). "
            f"Goal: {GOAL_PCT:.0f} % — {'met' if goal_met else 'not met'}. "
            "The kill rate is mutmut's score: (killed + timeout) / (mutants − skipped).", "",
            "| file | function | mutants | killed | timeout | survived | equivalent | other | kill rate |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_function = defaultdict(list)
    for m in mutants:
        by_function[(m["file"], m["function"])].append(m)
    for (file, function), group in sorted(by_function.items(), key=lambda kv: (kv[0][0], min(m["line"] for m in kv[1]))):
        c, d, t, e = scores(group)
        other = len(group) - c["killed"] - c["timeout"] - c["survived"]
        out.append(f"| `{file}` | `{function}` | {len(group)} | {c['killed']} | {c['timeout']} | "
                   f"{c['survived'] - e} | {e} | {other} | {pct(d, t - e)} |")
    other_total = len(mutants) - counts["killed"] - counts["timeout"] - counts["survived"]
    out.append(f"| **all** | | **{len(mutants)}** | **{counts['killed']}** | **{counts['timeout']}** | "
               f"**{counts['survived'] - equivalent}** | **{equivalent}** | **{other_total}** | **{rate_eq}** |")
    out += ["", "Statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            + " (suspicious: the tests ran far longer than without the mutant; no tests: no selected test calls "
              "the function).", ""]

    live = [m for m in mutants if m["status"] not in ("killed", "timeout", "skipped", "caught by type check")
            and not m.get("equivalent")]
    out += [f"## Survivors ({len(live)})", "",
            "Each is a change to the code that every selected test passes. Kill it with a test, or, if no test "
            "can tell it from the original, paste its block into `benchmarks/mutation_equivalent.txt` with a "
            "`reason:` line. Names are mutmut's (`mutmut show NAME` in a `--keep` folder).", ""]
    for status in NOT_KILLED_ORDER + sorted({m["status"] for m in live} - set(NOT_KILLED_ORDER)):
        group = [m for m in live if m["status"] == status]
        if not group:
            continue
        if status != "survived":
            out += [f"### {status} ({len(group)})", ""]
        for m in group:
            out += [f"- `{m['file']}:{m['line']}` `{m['function']}` — {m['change']}  ", f"  `{m['name']}`", "",
                    "  ```diff", *[f"  {ln}" for ln in survivor_block(m).splitlines()], "  ```", ""]
    marked = [m for m in mutants if m.get("equivalent")]
    out += [f"## Equivalent, marked by hand ({len(marked)})", "",
            "From `benchmarks/mutation_equivalent.txt`: survivors no test can kill; kept out of the kill rate above.", ""]
    out += [f"- `{m['file']}:{m['line']}` `{m['function']}` — {m['change']}: {m['equivalent']}" for m in marked]
    if stale:
        out += ["", f"### Entries of the allow-list that match no survivor ({len(stale)})", "",
                "The code they describe changed, or a test now kills them: re-judge or delete them.", ""]
        out += [f"- `{e['function']}`: {' / '.join(e['removed'] + ['→'] + e['added'])}" for e in stale]
    out += ["", "## mutmut's output", "", "```", run_output.strip(), "```", ""]
    report.write_text("\n".join(out), encoding="utf-8")

    lines = [f"# surviving mutants, {now} UTC, mutmut {version}, commit {commit}: {len(live)} survivors, "
             f"{len(marked)} equivalent; file:line<TAB>function<TAB>status<TAB>change<TAB>mutmut name"]
    lines += [f"{m['file']}:{m['line']}\t{m['function']}\t{m['status']}\t{m['change']}\t{m['name']}" for m in live]
    lines += [f"{m['file']}:{m['line']}\t{m['function']}\tequivalent\t{m['change']}\t{m['name']}" for m in marked]
    survivors.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return live, marked, rate_eq, detected, tested - equivalent


def main(argv=None) -> int:
    args = parse_args(argv)
    version = require_mutmut()
    paths, tests = checked_inputs(args)
    functions = chosen_functions(args, paths)
    patterns = mutmut_patterns(functions, paths)
    if not re.fullmatch(r"[\w-]+", args.report):
        sys.exit(f"--report {args.report}: a plain name (letters, digits, _ and -)")
    report, survivors = RESULTS / f"{args.report}.md", RESULTS / f"{args.report}_survivors.txt"
    entries = [e for e in load_equivalent(args.equivalent) if in_scope(e, paths, patterns)]  # read before the run
    also_copy = [c for c in ALWAYS_COPY if (ROOT / c).exists()] + args.also_copy
    workdir = args.workdir.resolve() if args.workdir else Path(tempfile.gettempdir()).resolve() / "dgforecast-mutation-"
    workbook = next((f for f in (workdir, *workdir.parents) if is_workbook(f)), None)
    if workbook is not None:
        sys.exit(f"--workdir {workdir}: inside the workbook {workbook}; the tests would find its params.yaml "
                 "and data/raw/ from there. Give a folder outside any workbook.")
    if args.workdir:
        if workdir.exists() and any(workdir.iterdir()):
            sys.exit(f"--workdir {workdir}: not empty (mutmut would reuse old results); give a new or empty folder")
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix=workdir.name, dir=workdir.parent))
    command = shlex.join(["python", "benchmarks/mutation.py", *(sys.argv[1:] if argv is None else argv)])
    try:
        stage(workdir, paths, tests, also_copy)
        print(f"mutmut {version}: mutating {', '.join(paths)} against {', '.join(tests)} in {workdir} "
              f"(-j {args.jobs})", file=sys.stderr)
        load_start = os.getloadavg()[0]
        code, wall, cpu, output = run_mutmut(workdir, args.jobs, patterns)
        if code != 0:
            print(output, file=sys.stderr)
            print(f"mutmut run failed (exit {code}); its log: {workdir / 'mutmut-run.log'}", file=sys.stderr)
            args.keep = True
            return 2
        mutants = collect(workdir, paths, patterns)
        stale = match_equivalent(mutants, entries)
        live, marked, rate, detected, counted = write_report(
            mutants, stale, report=report, survivors=survivors, version=version, paths=paths, tests=tests,
            functions=functions, jobs=args.jobs, wall=wall, cpu=cpu, load_start=load_start, run_output=output,
            command=command)
    finally:
        if args.keep:
            print(f"kept {workdir}: cd there and run `{sys.executable} -m mutmut browse` (or `mutmut show NAME`)",
                  file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    not_checked = sum(1 for m in mutants if m["status"] == "not checked")
    print(f"{len(mutants)} mutants in {wall:.0f} s ({cpu:.0f} CPU-s): {detected} of {counted} killed ({rate}), "
          f"{len(live)} survivors, {len(marked)} marked equivalent, {len(stale)} stale allow-list entries; "
          f"written to {report.relative_to(ROOT)} and {survivors.relative_to(ROOT)}")
    if not_checked:
        print(f"{not_checked} mutants were not checked: the run did not finish", file=sys.stderr)
        return 2
    if args.fail_under is not None and counted and 100 * detected / counted < args.fail_under:
        print(f"kill rate {rate} is below --fail-under {args.fail_under:g} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

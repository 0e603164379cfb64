"""README.md and docs/*.md: their figures are the results files', and every file they name exists.

Figure blocks (``<!-- figures: SOURCE -->`` … ``<!-- /figures -->``) are written by
benchmarks/readme_figures.py (``make docs-figures``) from files a command wrote; a block that differs
from what the script would write fails here. Fast: it reads files only.
"""

import importlib.util
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("readme_figures", REPO / "benchmarks" / "readme_figures.py")
figures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)

DOCS = figures.docs(REPO)
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\s]+)`")
#: Inline code starting so is a path of the repository, relative to its root (in docs/ too).
ROOTS = (".ci/", "benchmarks/", "data/", "dgforecast/", "docs/", "notebooks/", "plans/", "tests/")
TOP_FILES = ("README.md", "Makefile", "params.yaml", "pyproject.toml", "environment.yml")
#: Paths that stand for a name the reader chooses, or that a command writes later.
NOT_YET = ("<", ">", "*", "…", "NN_", "my_plan", "data/processed/")


def _name(doc) -> str:
    return doc.relative_to(REPO).as_posix()


def _prose(doc) -> str:
    return FENCE.sub("", doc.read_text(encoding="utf-8"))


def _anchors(doc) -> set:
    """The anchors GitHub gives the headings of a Markdown file."""
    found = set()
    for line in _prose(doc).splitlines():
        match = re.match(r"^#+ (.+?)\s*$", line)
        if match:
            found.add(re.sub(r"[^\w\- ]", "", match[1].lower()).replace(" ", "-"))
    return found


def test_every_figure_block_is_what_make_docs_figures_writes():
    try:
        found = figures.stale(REPO)
    except figures.FiguresError as e:
        pytest.fail(f"{e}; fix the block's source, then run `make docs-figures`")
    assert not found, "figure blocks out of date (run `make docs-figures` and commit the pages): " + "; ".join(
        f"{doc}: '{source}'" for doc, source in found)


def test_the_readme_quotes_the_verdicts_and_the_times_from_their_files():
    sources = [m["source"] for m in figures.BLOCK.finditer((REPO / "README.md").read_text(encoding="utf-8"))]
    assert {"verdicts", "times"} <= set(sources), sources


def test_the_times_file_has_a_line_for_both_test_targets():
    text = (REPO / "benchmarks" / "results" / "test_times.md").read_text(encoding="utf-8")
    commands = {m["command"] for m in map(figures.TIMED.match, text.splitlines()) if m}
    assert {"make test", "make test-fast"} <= commands, (
        f"benchmarks/results/test_times.md: lines 'make test: TIME' and 'make test-fast: TIME' wanted, found {commands}")


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_relative_link_leads_to_a_file_and_heading_that_exist(doc):
    broken = []
    for target in LINK.findall(_prose(doc)):
        if re.match(r"^[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            broken.append(f"{target}: no heading with anchor #{anchor} in {file.relative_to(REPO).as_posix()}")
    assert not broken, f"{_name(doc)}: " + "; ".join(broken)


@pytest.mark.parametrize("doc", DOCS, ids=_name)
def test_every_path_named_exists(doc):
    named = {p for p in CODE.findall(_prose(doc)) if p.startswith(ROOTS) or p in TOP_FILES}
    missing = sorted(p for p in named if not any(mark in p for mark in NOT_YET) and not (REPO / p).exists())
    assert not missing, f"{_name(doc)} names paths that do not exist (relative to the repository): {missing}"


def test_every_page_of_docs_is_linked_from_the_readme():
    linked = {(REPO / t.partition("#")[0]).resolve() for t in LINK.findall(_prose(REPO / "README.md"))}
    unlinked = [_name(d) for d in DOCS[1:] if d.resolve() not in linked]
    assert not unlinked, f"README.md links to no {unlinked}"

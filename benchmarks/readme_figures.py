"""Copy the measured figures into README.md and docs/*.md: no figure of the documentation is typed by hand.

Usage: ``make docs-figures`` (``python3 benchmarks/readme_figures.py``; standard library only, so it
needs no venv), after a benchmark has written new results or benchmarks/results/test_times.md was
edited. ``--check`` writes nothing and exits 1 naming every block that differs from what it would
write (tests/test_docs.py runs the same check).

A *figure block* is the text between two marker lines of a Markdown file::

    <!-- figures: SOURCE -->
    (written by this script: edit the source file, not this)
    <!-- /figures -->

SOURCE is either the name of an excerpt of ``EXCERPTS`` below (``verdicts``, ``times`` …), or
``PATH#HEADING``: the body of the section ``## HEADING`` (any level) of a results file, to the next
heading of the same or a higher level. Each block ends with a line naming the file(s) it came from.

benchmarks/results/test_times.md is written by hand after timing the make targets: one line per
command, ``make TARGET: TEXT`` or ``make TARGET (NOTE): TEXT``, where TEXT is shown as written (a
time, the date and the machine, e.g. ``make test-fast: 1 min 40 s (2026-12-03, 2 cores, others
running)``); other lines (the title, notes) are ignored.
"""

import argparse
import csv
import os
import re
import sys
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path("benchmarks/results")
BLOCK = re.compile(r"(?P<open><!-- figures: (?P<source>[^\n]+?) -->\n)(?P<body>.*?)(?P<close><!-- /figures -->)",
                   re.S)
TIMED = re.compile(r"^(?P<command>make [\w-]+)(?: \((?P<note>[^)]*)\))?: (?P<text>.+?)\s*$")
HEADING = re.compile(r"^(#+) (.+?)\s*$")


class FiguresError(Exception):
    """A block whose source cannot be read: the file, the heading or the excerpt name is wrong."""


def docs(root=ROOT) -> list:
    """The Markdown files that may hold figure blocks: README.md and docs/*.md."""
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def _read(root, path) -> str:
    file = root / path
    if not file.is_file():
        raise FiguresError(f"{path}: no such file (write it by running the benchmark that makes it)")
    return file.read_text(encoding="utf-8")


def section(text, heading, where="") -> str:
    """The body of the section titled ``heading`` in Markdown ``text``, without the heading line."""
    lines, start, level = text.splitlines(), None, 0
    for i, line in enumerate(lines):
        match = HEADING.match(line)
        if not match:
            continue
        if start is not None and len(match[1]) <= level:
            return "\n".join(lines[start:i]).strip()
        if start is None and match[2] == heading:
            start, level = i + 1, len(match[1])
    if start is None:
        found = [m[2] for m in map(HEADING.match, lines) if m]
        raise FiguresError(f"{where}: no heading {heading!r}; headings: {', '.join(found) or 'none'}")
    return "\n".join(lines[start:]).strip()


def tables(text) -> list:
    """The Markdown tables of ``text``, each as its lines joined."""
    found, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append("\n".join(current))
            current = []
    return found


def table_rows(table) -> list:
    """The cells of a Markdown table's rows, header and separator left out."""
    return [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in table.splitlines()[2:]]


def title(text) -> str:
    return next((m[2] for m in map(HEADING.match, text.splitlines()) if m and m[1] == "#"), "")


# ---------------------------------------------------------------- the named excerpts
def verdicts(root):
    """The final verdicts of every scenario, both readings of 突破 (benchmarks/verdicts.py)."""
    path = RESULTS / "verdicts.md"
    text = _read(root, path)
    month = title(text).rsplit(" ", 1)[-1]
    body = section(text, "Verdicts", str(path))
    return f"As of {month}:\n\n{body}", [path]


def times(root):
    """How long the make targets take (test_times.md, by hand) and the report itself (report_speed.md)."""
    path, speed = RESULTS / "test_times.md", RESULTS / "report_speed.md"
    lines = [m for m in map(TIMED.match, _read(root, path).splitlines()) if m]
    if not lines:
        raise FiguresError(f"{path}: no line 'make TARGET: TIME' (see benchmarks/readme_figures.py)")
    last = table_rows(tables(_read(root, speed))[0])[-1]
    when, plain, report, ratio = last[:4]
    out = []
    for m in lines:
        note = f" ({m['note']})" if m["note"] else ""
        out.append(f"- `{m['command']}`{note}: {m['text']}")
        if m["command"] == "make report":
            out.append(f"  - of which `dgforecast report` (all scenarios, `-j 2` on 2 cores shared with other work): "
                       f"{report} on {when} UTC, against {plain} for plain papermill + nbconvert (ratio {ratio})")
    return "\n".join(out), [path, speed]


def report_speed(root):
    """The latest `dgforecast report` timing against the plain tools."""
    path = RESULTS / "report_speed.md"
    rows = table_rows(tables(_read(root, path))[0])
    when, plain, report, ratio = rows[-1][:4]
    return (f"Latest run ({when} UTC, {len(rows)} runs in the file): `dgforecast report` {report}, papermill + "
            f"nbconvert one after another {plain}: ratio {ratio} (goal ≤ 0.5)."), [path]


def sweep_speed(root):
    """The latest timing of each sweep grid, with and without the evidence (benchmarks/sweep_speed.py)."""
    path = RESULTS / "sweep_speed.md"
    text = _read(root, path)
    table = tables(text)[0]
    latest = {}
    for row in table_rows(table):
        latest[(row[1], row[2])] = row  # later rows replace earlier ones
    head = table.splitlines()[:2]
    body = ["| " + " | ".join(row) + " |" for row in latest.values()]
    return f"{title(text).split(': ', 1)[-1]}; the latest run of each grid:\n\n" + "\n".join(head + body), [path]


#: The rows of the M3 table, with what each method is (the results file names them as the code does).
M3_ROWS = {"auto": "the median of dotm, ses and logdrift", "drift": "random walk with drift",
           "dotm": "dynamic optimised Theta", "theta": "Theta", "ets": "damped-trend ETS",
           "arima": "ARIMA with drift"}
M3_PUBLISHED = ("RBF, best M3 sMAPE [published]", "DynamicOptimizedTheta, statsforecast [published]")


def m3(root):
    """The growth models on the 645 M3 yearly series: accuracy, interval coverage, time (benchmarks/m3_yearly.py)."""
    path = RESULTS / "m3_yearly.csv"
    _read(root, path)
    with open(root / path, encoding="utf-8", newline="") as f:
        rows = {r["method"]: r for r in csv.DictReader(f)}
    missing = [m for m in (*M3_ROWS, *M3_PUBLISHED) if m not in rows]
    if missing:
        raise FiguresError(f"{path}: no row for {', '.join(missing)}")
    out = ["| method | sMAPE | MASE | 80 % interval covers | 95 % covers | wall (2 cores) |",
           "| --- | --- | --- | --- | --- | --- |"]
    for name in (*M3_ROWS, *M3_PUBLISHED):
        r = rows[name]
        cover = [f"{_rounded(r[k], 1)} %" if r[k] else "" for k in ("cov80", "cov95")]
        wall = f"{_rounded(r['wall_s'], 1)} s" if r.get("wall_s") else ""
        label = f"`{name}`: {M3_ROWS[name]}" if name in M3_ROWS else name.replace(" [published]", " (published)")
        out.append(f"| {label} | {_rounded(r['smape'], 2)} | {_rounded(r['mase'], 3)} | {cover[0]} | {cover[1]} | {wall} |")
    return "\n".join(out), [path]


def _rounded(text, places) -> str:
    """A number of the CSV to ``places`` decimals, halves up, as the results' own Markdown rounds (2.5875: 2.588)."""
    return str(Decimal(text).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def lognormal_coverage(root):
    """Interval coverage of the engines on M3 yearly, horizons 1-4 (benchmarks/lognormal_engine.py)."""
    path = RESULTS / "lognormal_engine.md"
    found = tables(section(_read(root, path), "4. Conclusion", str(path)))
    if len(found) < 2:
        raise FiguresError(f"{path}: section '4. Conclusion' has no coverage table")
    return found[1], [path]


def mutation(root):
    """The kill rate of the measurement model's mutants (benchmarks/mutation.py)."""
    path = RESULTS / "mutation.md"
    text = _read(root, path)
    rate = next((line for line in text.splitlines() if line.startswith("**Kill rate")), None)
    if rate is None:
        raise FiguresError(f"{path}: no line starting '**Kill rate'")
    return f"{title(text)}: {rate}", [path]


def evidence_params(root):
    """The measurement model's defaults with the reason params.yaml gives for each (its English comment)."""
    path = Path("params.yaml")
    lines, rows, inside, key = _read(root, path).splitlines(), [], False, None
    for line in lines:
        if line.startswith("  evidence:"):
            inside = True
            continue
        if not inside:
            continue
        match = re.match(r"^    (\w+): ([^#\s]+)\s*(?:#\s*(.*))?$", line)
        if match:
            key = match[1]
            rows.append([match[1], match[2], match[3] or ""])
        elif re.match(r"^\s{10,}# ", line) and key:
            rows[-1][2] += " " + line.strip()[2:]
        elif re.match(r"^  \S", line) or re.match(r"^\S", line):
            break
        else:
            key = None  # a Chinese comment line above the next key
    if not rows:
        raise FiguresError(f"{path}: no entries under defaults: evidence:")
    out = ["| `evidence.` | default | why (params.yaml) |", "| --- | --- | --- |"]
    out += [f"| `{k}` | {v} | {why.replace('|', '/')} |" for k, v, why in rows]
    return "\n".join(out), [path]


#: The excerpts a block may name: name -> function(root) -> (Markdown, the files it came from).
EXCERPTS = {"verdicts": verdicts, "times": times, "report-speed": report_speed, "sweep-speed": sweep_speed,
            "m3": m3, "lognormal-coverage": lognormal_coverage, "mutation": mutation,
            "evidence-params": evidence_params}


def excerpt(source, root=ROOT):
    """(Markdown, files) of one block's SOURCE: an ``EXCERPTS`` name or ``PATH#HEADING``."""
    if source in EXCERPTS:
        return EXCERPTS[source](root)
    if "#" in source:
        path, heading = source.split("#", 1)
        return section(_read(root, Path(path)), heading, path), [Path(path)]
    raise FiguresError(f"unknown figures source {source!r}: name one of {', '.join(EXCERPTS)} or PATH#HEADING")


def render(text, doc, root=ROOT) -> str:
    """``text`` (the Markdown file ``doc``) with every figure block rewritten from its source."""
    def fill(match):
        try:
            body, files = excerpt(match["source"], root)
        except FiguresError as e:
            raise FiguresError(f"{doc.relative_to(root)}: {e}") from None
        links = ", ".join(f"[{f}]({Path(os.path.relpath(root / f, doc.parent)).as_posix()})" for f in files)
        return f"{match['open']}\n{body}\n\n<sub>From {links}; `make docs-figures` copies it here.</sub>\n\n{match['close']}"
    return BLOCK.sub(fill, text)


def stale(root=ROOT) -> list:
    """(file, source) of every block whose text differs from what ``render`` writes."""
    found = []
    for doc in docs(root):
        text = doc.read_text(encoding="utf-8")
        for m in BLOCK.finditer(text):
            if render(m[0], doc, root) != m[0]:
                found.append((doc.relative_to(root).as_posix(), m["source"]))
    return found


def write(root=ROOT) -> list:
    """Rewrite every block of every file; the files changed."""
    changed = []
    for doc in docs(root):
        text = doc.read_text(encoding="utf-8")
        new = render(text, doc, root)
        if new != text:
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=doc.parent, delete=False,
                                             suffix=".tmp") as tmp:
                tmp.write(new)
            os.replace(tmp.name, doc)
            changed.append(doc.relative_to(root).as_posix())
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a block is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            found = stale()
            for doc, source in found:
                print(f"{doc}: figure block '{source}' is out of date; run make docs-figures")
            return 1 if found else 0
        changed = write()
    except FiguresError as e:
        print(f"readme_figures: {e}", file=sys.stderr)
        return 2
    print(f"figure blocks rewritten in {', '.join(changed)}" if changed else "figure blocks up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

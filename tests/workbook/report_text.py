"""What a reader of a report reads, as text: index.html, memo.docx and every notebook page's outputs.

The notebooks' markdown cells are the method's explanation, the same for every plan (their examples are the
first workbook's); everything else — the pages' parameters tables, every output a notebook prints or displays,
the index and the memo — is written from the plan's data, and is what the tests of units and wording read.
"""

import re
from pathlib import Path

#: Words a plan states only when its data says so, and the sentences of a link (plan.yaml level_times_ratio).
RATIO_WORDS = ("营业收入与总产值之比", "营收产值比", "revenue-to-output", "revenue to output", "revenue/output")


def html_text(html: str) -> str:
    """The text of an HTML page without its styles, scripts and notebook markdown cells."""
    cells = re.split(r'(?=<div class="jp-Cell )', html)
    kept = "".join(c for c in cells if not c.startswith('<div class="jp-Cell jp-MarkdownCell'))
    kept = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", kept, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", kept)).replace("&gt;", ">").replace("&lt;", "<")


def memo_text(path: Path) -> str:
    """Every paragraph and table cell of memo.docx."""
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def report_texts(folder: Path) -> dict:
    """Page name -> its text: ``index.html``, ``memo.docx`` and every notebook page (``scenarios/base.html`` …)."""
    folder = Path(folder)
    texts = {"memo.docx": memo_text(folder / "memo.docx")}
    for page in sorted(folder.rglob("*.html")):
        texts[page.relative_to(folder).as_posix()] = html_text(page.read_text(encoding="utf-8"))
    return texts


def pages_saying(texts: dict, *words) -> dict:
    """Page -> the first of ``words`` it says, for every page that says one."""
    found = {}
    for name, text in texts.items():
        hit = next((w for w in words if w in text), None)
        if hit:
            found[name] = hit
    return found

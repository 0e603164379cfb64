"""A report page as a document: its language, a title naming its subject, the way back to the summary.

Every notebook page of a report (``scenarios/<name>.html``, ``NN_name.html``, ``NN_name/<scenario>.html``,
the sweep page) is exported by ``notebook_html.export_html``, which takes all three from here: the page is
``lang="zh-CN"``, its ``<title>`` is ``page_title(<scenario>, <the notebook's first heading>, report=<the
plan's title>)`` and it opens with ``home_link_html(home_href(<page>))``. The report's title is the plan's
(data/raw/plan.yaml, ``Plan.report_title``), so index.html, the memo and every page share it.
"""

import html
import re
from pathlib import PurePosixPath

#: The language of every page (Chinese first, English beside it).
LANG = "zh-CN"
#: The summary every page links back to, at the top of the report folder.
INDEX_PAGE = "index.html"
HOME_TEXT = "← 返回摘要 Back to the summary"
#: The link's look; on paper there is nothing to click, so it is not printed.
HOME_CSS = (".dgf-home{margin:.8em 10px 0;font:14px/1.4 sans-serif}.dgf-home a{text-decoration:none}"
            ".dgf-home a:hover{text-decoration:underline}@media print{.dgf-home{display:none}}"
            ".dgf-words{margin:.5em 0 0}.dgf-words.en{margin:.1em 0 .5em;color:#555;font-size:.95em}")
#: A Chinese character: a line with one is the Chinese of a pair.
CJK = re.compile("[\u4e00-\u9fff]")


def page_title(*subjects: str, report: str = "") -> str:
    """The ``<title>`` of a report page: its subjects, then the report's title (the plan's, plan.yaml).

    Parameters
    ----------
    *subjects : str
        What the page is about, broadest first, each in Chinese and English (empty ones are skipped).
    report : str
        The report's title (``Plan.plan.title_zh``); "" for a page outside a report.

    Examples
    --------
    >>> page_title("基准情景 Base case", "单一情景 One scenario", report="某市某产业集群行动计划")
    '基准情景 Base case · 单一情景 One scenario — 某市某产业集群行动计划'
    >>> page_title(report="某市某产业集群行动计划")
    '某市某产业集群行动计划'
    """
    parts = " · ".join(" ".join(s.split()) for s in subjects if s and s.strip())
    return " — ".join(p for p in (parts, report) if p)


def heading_text(heading: str) -> str:
    """A markdown heading as a title's words: no ``#``, number, markup or link address.

    >>> heading_text("# 03 单一情景 · One scenario")
    '单一情景 One scenario'
    """
    text = re.sub(r"^#+\s*", "", heading.strip())
    text = re.sub(r"^\d\d\s+", "", text)                    # "03 …" (NN_name.ipynb): orders files, names nothing
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)     # [words](address) -> words
    text = re.sub(r"[*`]+", "", text).replace(" · ", " ")   # "中文 · English" is one subject
    return " ".join(text.split())


def notebook_heading(nb) -> str:
    """The first markdown heading of a notebook (``heading_text``), or "" when it has none."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        for line in (source if isinstance(source, str) else "".join(source)).splitlines():
            if re.match(r"#{1,6}\s", line.strip()):
                return heading_text(line)
    return ""


def file_subject(stem: str) -> str:
    """What a notebook without a heading is about, from its file name: ``07_my_check`` -> ``my check``."""
    return " ".join(re.sub(r"^\d+_", "", stem).replace("_", " ").split())


def home_href(page: str) -> str:
    """The relative address of index.html from a page of the report (``page`` relative to its folder).

    >>> home_href("scenarios/base.html"), home_href("01_plan_baselines.html")
    ('../index.html', 'index.html')
    """
    return "../" * len(PurePosixPath(page).parent.parts) + INDEX_PAGE


def home_link_html(href: str | None) -> str:
    """The link back to the summary a page opens with ("" without ``href``: a page outside a report)."""
    if not href:
        return ""
    return f"<nav class='dgf-home'><a href='{html.escape(href, quote=True)}'>{html.escape(HOME_TEXT)}</a></nav>"


class Sentences:
    """Sentences a notebook page shows as text, not as a program's printout (``display(Sentences(zh, en))``).

    In a page each line is a paragraph in the page's font; in a terminal or a plain-text output, the
    lines as ``print`` would give them. Empty lines are skipped.
    """

    def __init__(self, *lines: str):
        self.lines = [str(line) for line in lines if line]

    def __repr__(self) -> str:
        return "\n".join(self.lines)

    def _repr_html_(self) -> str:
        # a line without Chinese after one with it is its English twin: set below it, lighter (HOME_CSS)
        shown, before = [], ""
        for line in self.lines:
            twin = CJK.search(before) and not CJK.search(line)
            shown.append(f"<p class='dgf-words{' en' if twin else ''}'>{html.escape(line)}</p>")
            before = line
        return "".join(shown)

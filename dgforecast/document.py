"""A report page as a document: its language, a title naming its subject, the way back to the summary.

Every notebook page of a report (``scenarios/<name>.html``, ``NN_name.html``, ``NN_name/<scenario>.html``,
the sweep page) is exported by ``notebook.export_html``, which takes all three from here: the page is
``lang="zh-CN"``, its ``<title>`` is ``page_title(<scenario>, <the notebook's first heading>)`` and it
opens with ``home_link_html(home_href(<page>))``. The report's own title is written once, here, for
index.html and the memo to use as well.
"""

import html
import re
from pathlib import PurePosixPath

#: The language of every page (Chinese first, English beside it).
LANG = "zh-CN"
#: The plan the report is about, as its title reads (zh, en): index.html's heading and the memo's title
#: open with it (``report_title``), and every page's ``<title>`` ends with it.
PLAN_TITLE = ("东莞市高端装备制造业集群行动计划", "Dongguan's plan for its high-end equipment manufacturing cluster")
REPORT_TITLE_ZH, REPORT_TITLE_EN = PLAN_TITLE
#: The summary every page links back to, at the top of the report folder.
INDEX_PAGE = "index.html"
HOME_TEXT = "← 返回摘要 Back to the summary"
#: The link's look; on paper there is nothing to click, so it is not printed.
HOME_CSS = (".dgf-home{margin:.8em 10px 0;font:14px/1.4 sans-serif}.dgf-home a{text-decoration:none}"
            ".dgf-home a:hover{text-decoration:underline}@media print{.dgf-home{display:none}}")


def page_title(*subjects: str) -> str:
    """The ``<title>`` of a report page: its subjects, then the report's title.

    Parameters
    ----------
    *subjects : str
        What the page is about, broadest first, each in Chinese and English (empty ones are skipped).

    Examples
    --------
    >>> page_title("基准情景 Base case", "单一情景 One scenario")
    '基准情景 Base case · 单一情景 One scenario — 东莞市高端装备制造业集群行动计划'
    >>> page_title()
    '东莞市高端装备制造业集群行动计划'
    """
    parts = [" ".join(s.split()) for s in subjects if s and s.strip()]
    return " · ".join(parts) + " — " + REPORT_TITLE_ZH if parts else REPORT_TITLE_ZH


def report_title(period_over=True) -> tuple[str, str]:
    """The report's heading in the tense of the plan's period: (zh, en), opening with ``PLAN_TITLE``."""
    if period_over:
        return f"{PLAN_TITLE[0]}目标是否实现：终期评估", f"{PLAN_TITLE[1]}: were its targets met? Final assessment"
    return f"{PLAN_TITLE[0]}：目标实现的可能性", f"{PLAN_TITLE[1]}: how likely its targets are to be met"


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

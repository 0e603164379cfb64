"""An executed notebook as a page of its own: self-contained, in Chinese, titled by its subject, a link home first.

No kernel runs here: a page is made from a notebook as it is on disk (tests/notebooks/ and notebooks written
by the tests), which is all ``export_html`` reads.
"""

import re
from pathlib import Path

import nbformat
import pytest

from dgforecast.present.notebook_html import export_html, insert_appendix, insert_preamble

FIXTURES = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.fixture
def my_check(tmp_path):
    """A user's own numbered notebook: a heading and one code cell, never executed."""
    path = tmp_path / "07_my_check.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 我的检查 My check"),
                                                   nbformat.v4.new_code_cell("x = 41 + 1  # the_source")]), path)
    return path


def test_preamble_goes_right_after_the_opening_main_tag():
    page = "<html><body class='x'><main>\n<p>body</p></main></body></html>"
    assert insert_preamble(page, "<h2>P</h2>") == "<html><body class='x'><main>\n<h2>P</h2>\n\n<p>body</p></main></body></html>"
    assert insert_preamble("<body><p>b</p></body>", "<i>p</i>") == "<body>\n<i>p</i>\n<p>b</p></body>"
    assert insert_preamble(page, "") == page


def test_a_page_without_main_or_body_gets_the_preamble_first_and_the_appendix_last():
    assert insert_preamble("<p>b</p>", "<i>p</i>") == "<i>p</i><p>b</p>"
    assert insert_appendix("<p>b</p>", "<i>a</i>") == "<p>b</p><i>a</i>"


def test_appendix_goes_right_before_the_closing_main_tag():
    page = "<html><body class='x'><main>\n<p>body</p></main></body></html>"
    assert insert_appendix(page, "<h2>P</h2>") == "<html><body class='x'><main>\n<p>body</p>\n<h2>P</h2>\n</main></body></html>"
    assert insert_appendix("<body><p>b</p></body>", "<i>p</i>") == "<body><p>b</p>\n<i>p</i>\n</body>"
    assert insert_appendix(page, "") == page


def test_a_page_is_a_chinese_document_titled_by_its_subject_with_the_link_home_first(tmp_path):
    page = export_html(FIXTURES / "echoes_parameters.ipynb", tmp_path / "scenarios" / "base.html",
                       preamble_html="<p id='preamble'>params</p>", subject="基准情景 Base case",
                       home="../index.html", report_title="某市某产业集群行动计划").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and 'lang="en"' not in page
    assert "<title>基准情景 Base case · Echoes its parameters — 某市某产业集群行动计划</title>" in page
    link = page.index("<nav class='dgf-home'><a href='../index.html'>← 返回摘要 Back to the summary</a></nav>")
    assert page.index("<main") < link < page.index("id='preamble'")
    assert "@media print{.dgf-home{display:none}}" in page  # nothing to click on paper


def test_a_page_outside_a_report_has_no_link_home_and_a_given_title_is_escaped_once(tmp_path):
    bare = tmp_path / "07_my_check.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), bare)
    page = export_html(bare, tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<title>my check</title>" in page and "dgf-home'" not in page  # outside a report: no report title
    page = export_html(bare, tmp_path / "b.html", title="R&D <b>").read_text(encoding="utf-8")
    assert "<title>R&amp;D &lt;b&gt;</title>" in page


def test_a_page_loads_no_script_or_style_from_elsewhere(my_check, tmp_path):
    page = export_html(my_check, tmp_path / "a.html").read_text(encoding="utf-8")
    assert re.findall(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", page) == []
    assert "require.min.js" not in page and "MathJax.js" not in page


def test_code_is_hidden_unless_asked_for_and_the_title_is_the_notebooks_own_heading(my_check, tmp_path):
    hidden = export_html(my_check, tmp_path / "a.html").read_text(encoding="utf-8")
    shown = export_html(my_check, tmp_path / "b.html", show_code=True).read_text(encoding="utf-8")
    assert "the_source" not in hidden and "the_source" in shown
    assert "<title>我的检查 My check</title>" in hidden


def test_the_appendix_closes_the_page_and_the_page_is_written_whole(my_check, tmp_path):
    out = tmp_path / "pages" / "a.html"
    page = export_html(my_check, out, appendix_html="<section id='params'>p</section>").read_text(encoding="utf-8")
    assert page.index("id='params'") > page.index("我的检查") and page.index("id='params'") < page.index("</main>")
    assert sorted(p.name for p in out.parent.iterdir()) == ["a.html"]  # no temporary file left beside it

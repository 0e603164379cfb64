"""Pages as documents: the title names the page's subject, the link back to the summary is relative."""

import nbformat

from dgforecast.present.document import (
    file_subject,
    heading_text,
    home_href,
    home_link_html,
    notebook_heading,
    page_title,
)

REPORT = "某市某产业集群行动计划"


def test_title_names_the_scenario_then_the_notebook_then_the_report():
    assert page_title("基准情景 Base case", "单一情景 One scenario", report=REPORT) == (
        "基准情景 Base case · 单一情景 One scenario — " + REPORT)
    assert page_title("", "  跟踪与终期评估   Tracking ", report=REPORT) == "跟踪与终期评估 Tracking — " + REPORT
    assert page_title(report=REPORT) == page_title("", " ", report=REPORT) == REPORT
    assert page_title("基准情景 Base case") == "基准情景 Base case"  # outside a report: no report title


def test_heading_loses_its_number_markup_and_link_addresses_but_keeps_its_words():
    assert heading_text("# 03 单一情景 · One scenario") == "单一情景 One scenario"
    assert heading_text("## 05 参数扫描 · Sweep: how likely") == "参数扫描 Sweep: how likely"
    assert heading_text("# The **2025** target, see [notebook 06](06_x.ipynb) and `as_of`") == (
        "The 2025 target, see notebook 06 and as_of")
    # only a notebook's two-digit number goes, not a year
    assert (heading_text("# 2025年目标"), heading_text("# 2025 targets")) == ("2025年目标", "2025 targets")


def test_the_first_heading_of_the_first_markdown_cell_that_has_one():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# a comment, not a heading"),
        nbformat.v4.new_markdown_cell("Some words first.\n\nNo heading here."),
        nbformat.v4.new_markdown_cell("Intro\n## 01 规划基数 · Baselines\n# later"),
        nbformat.v4.new_markdown_cell("# Not this one")])
    assert notebook_heading(nb) == "规划基数 Baselines"
    assert notebook_heading(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("#hashtag")])) == ""
    assert file_subject("07_my_own_check") == "my own check"


def test_link_home_is_relative_to_the_page_and_escaped():
    assert home_href("scenarios/base.html") == "../index.html"
    assert home_href("03_scenario/shock.html") == "../index.html"
    assert home_href("01_plan_baselines.html") == "index.html"
    assert home_link_html("../index.html") == (
        "<nav class='dgf-home'><a href='../index.html'>← 返回摘要 Back to the summary</a></nav>")
    assert "href='a&#x27;b.html'" in home_link_html("a'b.html")
    assert home_link_html(None) == home_link_html("") == ""


def test_sentences_are_paragraphs_on_a_page_and_plain_lines_as_text():
    from dgforecast.present.document import Sentences

    said = Sentences("结论取决于<营收>产值比。", "", "The verdict hinges on the ratio.")
    assert said._repr_html_() == ("<p class='dgf-words'>结论取决于&lt;营收&gt;产值比。</p>"
                                  "<p class='dgf-words en'>The verdict hinges on the ratio.</p>")  # its twin
    assert repr(said) == "结论取决于<营收>产值比。\nThe verdict hinges on the ratio."

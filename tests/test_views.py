"""How results look: the index page, its escaping and colours, the tables and texts of a scenario."""

from pathlib import Path

import pandas as pd

from dgforecast.assess import SUMMARY_COLUMNS
from dgforecast.notebook import CellFailure, NotebookRun
from dgforecast.params import resolve_scenario
from dgforecast.views import assumptions_text, index_html, parameters_table_html, summary_text, sweep_point_html
from tests.conftest import ROOT


def test_index_marks_missing_probability_with_a_dash_and_status_colour():
    summary = pd.DataFrame([["base", "t1", float("nan"), float("nan"), float("nan"), float("nan"), "无法评估"],
                            ["base", "t2", 0.85, 5600.0, 5000.0, 6100.0, "快于预期"]], columns=SUMMARY_COLUMNS)
    targets = pd.DataFrame({"id": ["t2", "t1"], "name_zh": ["乙", "甲"], "name_en": ["B", "A"]})
    page = index_html(summary, targets, ["base"], {}, {"base": ("基准", "Base")}, "2025-01-01")
    assert page.index("<code>t2</code>") < page.index("<code>t1</code>")     # registry order
    goal = pd.DataFrame({"id": ["t1"], "name_zh": ["甲"], "name_en": ["A"], "comparison": [">="],
                         "threshold": [5400.0], "unit": ["亿元"], "deadline": [2025]})
    headed = index_html(summary[summary["target_id"] == "t1"], goal, ["base"], {}, {}, "")
    assert "<code>t1</code><br><small>&gt;= 5,400 亿元 by 2025</small>" in headed
    assert "<td style='background:#b8e186'>85.0%<br><small>快于预期</small></td>" in page
    assert "<td style='background:#eeeeee'>—<br><small>无法评估</small></td>" in page


def test_index_shows_a_failed_sweep_page_as_failed():
    failed = NotebookRun(Path("05.ipynb"), Path("05.ipynb"), None, 1.0, CellFailure(2, 3, "KeyError", "'x'", "boom()"))
    targets = pd.DataFrame({"id": ["t1"], "name_zh": ["甲"], "name_en": ["A"]})
    page = index_html(pd.DataFrame(columns=SUMMARY_COLUMNS), targets, [], {"05_sweep": failed}, {}, "")
    assert "(heat map)</a> <strong>(failed)</strong>" in page and "<pre>boom()</pre>" in page
    assert "参数扫描" not in index_html(pd.DataFrame(columns=SUMMARY_COLUMNS), targets, [], {}, {}, "")


def test_assumptions_text_names_growth_shocks_and_ratio():
    shock = resolve_scenario(ROOT / "params.yaml", "shock", {"revenue_to_output_ratio": 0.9})
    assert assumptions_text(shock) == ("lognormal: growth 6.0%/yr, volatility 6.0%; 2022: -5.0%, 2023: 0.0%; "
                                       "revenue/output 0.9")


def test_sweep_point_page_opens_with_its_escaped_grid_values_then_the_parameters():
    base = resolve_scenario(ROOT / "params.yaml", "base")
    page = sweep_point_html(base, {"growth": 0.04, "label_en": "<b>"})
    assert page.startswith("<p>Sweep point: growth = 0.04, label_en = &lt;b&gt;</p><section class='dgf-params'")
    assert page.endswith(parameters_table_html(base))


def test_summary_text_lists_assessed_rows_and_counts_the_others():
    summary = pd.DataFrame([["base", "t1", float("nan"), float("nan"), float("nan"), float("nan"), "无法评估"],
                            ["base", "t2", 0.85, 5600.0, 5000.0, 6100.25, "快于预期"]], columns=SUMMARY_COLUMNS)
    text = summary_text(summary)
    assert text.splitlines()[1].split() == ["base", "t2", "85.0%", "5,600.0", "5,000.0", "6,100.2", "快于预期"]
    assert "1 target(s) per scenario without a probability (无法评估:" in text and "t1" not in text
    assert summary_text(summary.iloc[0:0]) == "(no summary)"

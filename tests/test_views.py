"""How results look: the index page, its escaping and colours, the tables and texts of a scenario."""

from pathlib import Path

import pandas as pd

from dgforecast.assess import SUMMARY_COLUMNS
from dgforecast.notebook import CellFailure, NotebookRun
from dgforecast.params import resolve_scenario
from dgforecast.views import assumptions_text, index_html, parameters_table_html, summary_text, sweep_point_html
from tests.conftest import SHIPPED


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
    shock = resolve_scenario(SHIPPED / "params.yaml", "shock", {"revenue_to_output_ratio": 0.9})
    assert assumptions_text(shock) == ("lognormal: growth 6.0%/yr, volatility 6.0%; 2022: -5.0%, 2023: 0.0%; "
                                       "revenue/output 0.9")


def test_sweep_point_page_opens_with_its_escaped_grid_values_then_the_parameters():
    base = resolve_scenario(SHIPPED / "params.yaml", "base")
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


def test_crossing_view_says_how_its_shares_relate_to_p_met():
    from dgforecast.views import crossing_view

    # base as of the plan: P(met) 71.7 %; 25.8 % of paths never reach 5400 in 2022-2025
    view = crossing_view({"cluster_revenue_2025": {"never_share": 0.258, "median": 2024, "q10": 2022, "q90": None}},
                         2025)
    assert view.iloc[0].to_dict() == {
        "target_id": "cluster_revenue_2025", "first year met: median": "2024",
        "first year met: 10th percentile": "2022", "first year met: 90th percentile": "after 2025",
        "met in some year by 2025 (≥ P(met))": "74.2%", "never met by 2025 (= 1 − met in some year)": "25.8%"}


# ---------------------------------------------------------------- summary.xlsx
def _report_summary():
    from dgforecast.assess import REPORT_COLUMNS

    rows = [["base", "cluster_revenue_2025", 0.71725, 5523.456, 4810.0, 6333.3, "基本符合预期", 0.7, 20000.0],
            ["base", "first_sets_2025", float("nan"), float("nan"), float("nan"), float("nan"), "无法评估",
             float("nan"), float("nan")],
            ["shock", "cluster_revenue_2025", 0.41, 5001.0, 4400.0, 5800.0, "存在风险", 0.4, 20000.0]]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


TARGETS = pd.DataFrame({"id": ["cluster_revenue_2025", "first_sets_2025"], "kind": ["level", "cumulative_count"]})


def test_summary_has_one_sheet_per_kind_of_target():
    from dgforecast.views import summary_sheets

    sheets = summary_sheets(_report_summary(), TARGETS)
    assert list(sheets) == ["level targets", "count targets"]
    assert sheets["level targets"]["scenario"].tolist() == ["base", "shock"]
    assert sheets["count targets"]["target_id"].tolist() == ["first_sets_2025"]


def test_summary_xlsx_shows_percent_thousands_widths_and_a_frozen_header(tmp_path):
    import openpyxl

    from dgforecast.fileio import write_excel_atomic
    from dgforecast.views import SUMMARY_FORMATS, summary_sheets

    path = write_excel_atomic(summary_sheets(_report_summary(), TARGETS), tmp_path / "summary.xlsx", SUMMARY_FORMATS)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["level targets", "count targets"]
    sheet = book["level targets"]
    header = [c.value for c in sheet[1]]
    p_met, median = sheet.cell(2, header.index("p_met") + 1), sheet.cell(2, header.index("median") + 1)
    assert (p_met.value, p_met.number_format) == (0.71725, "0.0%")           # shows 71.7%
    assert (median.value, median.number_format) == (5523.456, "#,##0.0")     # shows 5,523.5
    assert sheet.freeze_panes == "A2" and sheet.cell(1, 1).font.bold
    # "cluster_revenue_2025" is 20 characters: the column is 22 wide; "基本符合预期" counts double (12 + 2)
    assert sheet.column_dimensions["B"].width == 22
    assert sheet.column_dimensions[chr(ord("A") + header.index("status"))].width == 14
    assert [c.value for c in book["count targets"][1]] == header
    assert [p.name for p in tmp_path.iterdir()] == ["summary.xlsx"]           # written atomically


def test_one_table_is_a_sheet_named_summary(tmp_path):
    from dgforecast.fileio import write_excel_atomic

    path = write_excel_atomic(pd.DataFrame({"a": [1.5]}), tmp_path / "t.xlsx")
    assert pd.read_excel(path, sheet_name=None)["summary"]["a"].tolist() == [1.5]

"""How results look: the index page, its escaping and colours, the tables and texts of a scenario."""

from pathlib import Path

import pandas as pd

from dgforecast.assess import SUMMARY_COLUMNS
from dgforecast.notebook import CellFailure, NotebookRun
from dgforecast.params import resolve_scenario
from dgforecast.views import (
    assumptions_text,
    index_html,
    parameters_table_html,
    summary_text,
    sweep_point_html,
)
from tests.conftest import SHIPPED


def test_index_orders_targets_as_the_registry_and_colours_the_status():
    summary = pd.DataFrame([["base", "t1", float("nan"), float("nan"), float("nan"), float("nan"), "无法评估"],
                            ["base", "t2", 0.85, 5600.0, 5000.0, 6100.0, "快于预期"],
                            ["base", "t3", 0.4, 5100.0, 4600.0, 5600.0, "存在风险"]], columns=SUMMARY_COLUMNS)
    targets = pd.DataFrame({"id": ["t3", "t2", "t1"], "name_zh": ["丙", "乙", "甲"], "name_en": ["C", "B", "A"],
                            "kind": ["level", "level", "cumulative_count"], "comparison": [">=", ">=", ">"],
                            "threshold": [5400.0, 5400.0, 100.0], "unit": ["亿元", "亿元", "个"],
                            "deadline": [2025] * 3, "start_year": [2021] * 3})
    page = index_html(summary, targets, ["base"], {}, {"base": ("基准", "Base")}, "2025-01-01")
    assert page.index("<code>t3</code>") < page.index("<code>t2</code>") < page.index("<code>t1</code>")
    assert "<code>t2</code> · ≥ 5,400 亿元 by 2025</small></h3>" in page
    assert "<td class='num'><strong>85.0%</strong></td>" in page
    assert "<td style='background:#b8e186'>快于预期<small>ahead of plan</small></td>" in page
    assert "<td style='background:#fdae61'>存在风险<small>at risk</small></td>" in page
    # the count target is in its own table: goal, pace, and no public figure yet; no grey column per target
    assert "<td class='num'>&gt; 100 个</td><td class='num'>2025</td><td class='num'>25 个/年 a year</td>" in page
    assert "<td>暂无公开数字<small>no public figure</small></td>" in page
    assert "dgforecast progress t1 --year 2023 --count 30" in page
    assert "nan" not in page.lower().replace("nanum", "")


def test_index_shows_a_failed_sweep_page_as_failed():
    failed = NotebookRun(Path("05.ipynb"), Path("05.ipynb"), None, 1.0, CellFailure(2, 3, "KeyError", "'x'", "boom()"))
    targets = pd.DataFrame({"id": ["t1"], "name_zh": ["甲"], "name_en": ["A"]})
    page = index_html(pd.DataFrame(columns=SUMMARY_COLUMNS), targets, [], {"05_sweep": failed}, {}, "")
    assert "(heat map)</a> <strong>(failed)</strong>" in page and "<pre>boom()</pre>" in page
    assert "参数扫描" not in index_html(pd.DataFrame(columns=SUMMARY_COLUMNS), targets, [], {}, {}, "")


def test_assumptions_text_names_growth_shocks_and_ratio():
    shock = resolve_scenario(SHIPPED / "params.yaml", "shock", {"revenue_to_output_ratio": 0.9})
    assert assumptions_text(shock) == ("lognormal: growth 6.0%/yr, volatility 7.5%; 2022: -5.0%, 2023: 0.0%; "
                                       "revenue/output 0.9")


def test_sweep_point_page_opens_with_its_escaped_grid_values_then_the_parameters():
    base = resolve_scenario(SHIPPED / "params.yaml", "base")
    page = sweep_point_html(base, {"growth": 0.04, "label_en": "<b>"})
    assert page.startswith("<p>Sweep point: growth = 0.04, label_en = &lt;b&gt;</p><section class='dgf-params'>")
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


# ---------------------------------------------------------------- the summary in words (issue 10)
def _level_summary(p_met=0.855, plan=0.717):
    from dgforecast.assess import REPORT_COLUMNS

    nan = float("nan")
    return pd.DataFrame([["base", "cluster_revenue_2025", p_met, 6027.4, 5285.1, 6936.7, "快于预期", plan, 2405.0],
                         ["base", "first_sets_2025", nan, nan, nan, nan, "无法评估", nan, nan]], columns=REPORT_COLUMNS)


def _targets_table():
    from dgforecast.data import load_baselines, load_targets
    from dgforecast.targets import targets_table

    raw = SHIPPED / "data" / "raw"
    return targets_table(load_targets(raw), load_baselines(raw))


def test_summary_sentence_states_p_met_now_and_at_plan_status_required_growth_and_range():
    from dgforecast.views import summary_sentences

    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2026-11"})
    sentences = summary_sentences(_level_summary(), _targets_table(), {"base": base})
    assert [(s["scenario"], s["target_id"]) for s in sentences] == [("base", "cluster_revenue_2025")]  # levels only
    # 3.97 %/yr: (5400 / 4621.25) ** (1/4) - 1
    assert sentences[0]["zh"] == ("按基准情景，截至2026年11月已公布的数据，2025年装备制造业产业集群营业收入达到5400亿元以上"
                                  "的概率为85.5%（规划制定时为71.7%），属“快于预期”；需2021—2025年年均增长3.97%，2025年中位数"
                                  "约6,027亿元（10%—90%区间5,285—6,937亿元）。")
    assert sentences[0]["en"] == (
        "Base case, with the figures published up to November 2026: the probability that equipment manufacturing "
        "cluster operating revenue reaches at least 5,400 亿元 (100 million yuan) in 2025 is 85.5% (71.7% when the "
        "plan was made), “ahead of plan” (快于预期); it needs 3.97% growth a year over 2021–2025; median about "
        "6,027 亿元, 10–90 % range 5,285–6,937 亿元.")


def test_summary_sentence_as_of_the_plan_needs_more_growth_when_revenue_falls_short_of_output():
    from dgforecast.views import summary_sentences

    plan = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2022-01", "revenue_to_output_ratio": 0.95})
    zh = summary_sentences(_level_summary(), _targets_table(), {"base": plan})[0]["zh"]
    # (5400 / (4621.25 x 0.95)) ** (1/4) - 1 = 5.31 %; no "as of the plan" aside when the plan is the vintage
    assert zh.startswith("按基准情景，以规划制定时的信息（其后尚无公布数据），") and "需2021—2025年年均增长5.31%" in zh
    assert "规划制定时为" not in zh


def test_a_scenario_without_a_probability_gets_no_sentence():
    from dgforecast.views import summary_sentences

    base = resolve_scenario(SHIPPED / "params.yaml", "base")
    assert summary_sentences(_level_summary(p_met=float("nan")), _targets_table(), {"base": base}) == []


def test_numbers_read_as_a_reader_expects():
    from dgforecast.views import format_number

    assert format_number(0.7172, "p_met") == "71.7%" and format_number(0.0397013, "required_cagr") == "3.97%"
    assert format_number(6027.354175, "median") == "6,027.4"        # computed: one decimal
    assert format_number(4621.25, "value") == "4,621.25"            # a source figure keeps its decimals
    assert format_number(1.10766, "value") == "1.10766"
    assert format_number(2025, "deadline") == "2025" and format_number(2021.0, "baseline_year") == "2021"
    assert format_number(20000, "n_sims") == "20,000" and format_number(0.7956123, "z") == "0.796"
    assert format_number(float("nan"), "q10") == "—" and format_number(None, "x") == "—"
    assert format_number(3.97, "required growth (%/yr)") == "3.97"    # already in percent
    assert format_number("快于预期", "status") == "快于预期" and format_number(True, "conditioned") == "True"


def test_a_table_with_no_value_shows_a_dash_and_a_footnote_and_no_row_numbers():
    from dgforecast.views import MISSING_NOTE, frame_html

    page = frame_html(pd.DataFrame({"target_id": ["a", "b"], "p_met": [0.5, float("nan")], "median": [5400.25, None]}))
    assert "<td>50.0%</td>" in page and "<td>5,400.25</td>" in page and page.count("<td>—</td>") == 2
    assert MISSING_NOTE in page and "NaN" not in page and "None" not in page and "<th></th>" not in page
    assert MISSING_NOTE not in frame_html(pd.DataFrame({"p_met": [0.5]}))


def test_reader_tables_format_every_dataframe_a_notebook_displays():
    from dgforecast.views import frame_html, use_reader_tables

    registered = {}

    class Formatter:
        def for_type(self, kind, function):
            registered[kind] = function

    class Shell:
        display_formatter = type("D", (), {"formatters": {"text/html": Formatter()}})()

    assert use_reader_tables(Shell()) and registered == {pd.DataFrame: frame_html}


def test_count_targets_show_pace_and_what_is_known():
    from dgforecast.views import count_targets_view

    targets = _targets_table()
    summary = _level_summary()
    view = count_targets_view(summary, targets).set_index("target_id")
    assert "cluster_revenue_2025" not in view.index and len(view) == 13
    assert view.loc["first_sets_2025"].to_dict() == {
        "目标 target": "市级以上首台（套）重点技术装备累计认定数", "门槛 goal": "> 100 个", "期限 deadline": "2025",
        "所需进度 pace needed": "25 个/年 a year", "已录入 entered": "—", "P(met)": "—",
        "状态 status": "暂无公开数字 no public figure"}
    assert view.loc["innovation_centre_2025", "所需进度 pace needed"] == "0.25 个/年 a year"
    # with progress entered (30 in 2022-2023): its probability and status, like a level target
    summary.loc[1, ["p_met", "status"]] = [0.12, "难以实现"]
    counts = pd.DataFrame({"target_id": ["first_sets_2025"], "achieved": [30.0]})
    row = count_targets_view(summary, targets, counts).set_index("target_id").loc["first_sets_2025"]
    assert (row["已录入 entered"], row["P(met)"], row["状态 status"]) == ("30", "12.0%", "难以实现 unlikely")


def _final():
    return pd.DataFrame([{"target_id": "cluster_revenue_2025", "p_met": 0.8546, "verdict": "无法确认",
                          "verdict_en": "cannot be confirmed", "evidence_used": "em_out_2022;em_out_2025_at_least",
                          "p_met_round": 0.6826, "verdict_round": "无法确认", "verdict_round_en": "cannot be confirmed"},
                         {"target_id": "first_sets_2025", "p_met": float("nan"), "verdict": "无法确认",
                          "verdict_en": "cannot be confirmed", "evidence_used": "", "p_met_round": float("nan"),
                          "verdict_round": None, "verdict_round_en": None}])


def test_final_assessment_line_gives_both_readings_and_the_evidence_is_called_thin():
    from dgforecast.views import evidence_note, final_lines

    lines = final_lines(_final(), _targets_table())
    assert [line["target_id"] for line in lines] == ["cluster_revenue_2025"]  # level targets only
    assert lines[0]["zh"] == ("无法确认：实现概率按字面读法（“突破”仅为下限）为85.5%；按整数关口读法（“突破”同时意味着低于"
                              "下一个千亿关口）为68.3%，无法确认。")
    assert lines[0]["en"].startswith("cannot be confirmed: P(met) 85.5% in the plain reading")
    note = evidence_note(_final(), _targets_table())[0]
    assert note["zh"].startswith("证据有限：仅依据2条公开数据（em_out_2022, em_out_2025_at_least）；集群营业收入本身没有公开数字")
    assert note["en"].startswith("Evidence is thin: it rests on 2 published figure(s) only")


def test_index_is_the_summary_sentences_first_then_tables_then_pages():
    from dgforecast.notebook import NotebookRun

    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2026-11"})
    runs = {"06_tracking_and_final_assessment": NotebookRun(Path("06.ipynb"), Path("06.ipynb"), None, 2.0, None),
            "scenarios/base": NotebookRun(Path("03.ipynb"), Path("base.ipynb"), None, 3.0, None)}
    page = index_html(_level_summary(), _targets_table(), ["base"], runs, {"base": ("基准情景", "Base case")},
                      "2026-11-28 06:00", {"base": base}, _final(), None, b"\x89PNG")
    order = ["证据有限", "<h2>摘要 Summary</h2>", "<p class='zh' lang='zh-CN'>按基准情景，截至2026年11月",
             "<p class='en' lang='en'>Base case, with the figures", "终期评估 Final assessment",
             "<a href='06_tracking_and_final_assessment.html'>", "<h2>规模目标 Level targets</h2>",
             "<img alt='扇形图 fan chart' src='data:image/png;base64,iVBORw=='>",
             "<h2>数量与里程碑目标 Count and milestone targets</h2>", '<a href="memo.docx">memo.docx</a>']
    assert [page.index(p) for p in order] == sorted(page.index(p) for p in order)
    assert "<td class='num'>71.7%</td><td class='num'>6,027.4</td><td class='num'>5,285.1–6,936.7</td>" in page
    assert "@media print{@page{size:A4" in page and "nan" not in page.replace("nanc", "")

"""How results look: numbers, words, reader tables and the index page — the verdict first, no identifiers."""

import re
from pathlib import Path

import pandas as pd
import pytest

from dgforecast.judge.assess import REPORT_COLUMNS, SUMMARY_COLUMNS
from dgforecast.plan.params import resolve_scenario
from dgforecast.present.index_page import index_html, parameters_table_html, sweep_point_html
from dgforecast.present.tables import (
    assumptions_text,
    count_targets_view,
    crossing_view,
    evidence_view,
    final_view,
    left_out_view,
    summary_sheets,
    summary_text,
    track_view,
)
from dgforecast.present.words import evidence_words, source_words
from dgforecast.run.notebook import CellFailure, NotebookRun
from tests.conftest import PLAN, SHIPPED, built_once, track_rows

#: What a reader must not see: evidence ids, target ids, period codes.
IDENTIFIER = re.compile(r"\b(em_|city_va|city_revenue_|city_output_)\w*|\w+_2025\b|YTD_M\d")


def _targets_table():
    from dgforecast.plan.data import load_baselines, load_targets
    from dgforecast.plan.targets import targets_table

    raw = SHIPPED / "data" / "raw"
    return targets_table(load_targets(raw), load_baselines(raw))


# The index tests share these fixtures, which assess two scenarios at 4,000 paths (a few seconds):
# they are marked slow, so make test-fast leaves them out.
@pytest.fixture(scope="module")
def facts(tmp_path_factory, worker_id):
    from dgforecast.present.facts import report_facts
    from dgforecast.run.pipeline import load_inputs

    def make(_folder):
        params = {n: resolve_scenario(SHIPPED / "params.yaml", n, {"as_of": "2026-11", "n_sims": 4000})
                  for n in ("base", "shock")}
        return report_facts(params, load_inputs(SHIPPED), (SHIPPED / "params.yaml").read_text(encoding="utf-8"),
                            "base")
    return built_once(tmp_path_factory, worker_id, "page_facts", make)


def _summary(facts):
    rows = []
    for name, p in facts.params_by_name.items():
        from dgforecast.judge.assess import assess_inputs, with_plan
        from dgforecast.run.pipeline import load_inputs

        inputs = load_inputs(SHIPPED)
        rows.append(with_plan(assess_inputs(p, inputs), assess_inputs(p.at_plan(), inputs)))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def page(facts):
    runs = {"06_tracking_and_final_assessment": NotebookRun(Path("06.ipynb"), Path("06.ipynb"), None, 2.0, None),
            "scenarios/base": NotebookRun(Path("03.ipynb"), Path("base.ipynb"), None, 3.0, None)}
    labels = {"base": ("基准情景", "Base case"), "shock": ("需求冲击情景", "Demand shock")}
    return index_html(_summary(facts), facts, ["base", "shock"], runs, labels, "2026-11-28 06:00")


def _text(html) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S))


# ---------------------------------------------------------------- the index page
@pytest.mark.slow
def test_the_index_opens_with_the_verdict_then_the_data_then_the_sentences(page):
    order = ["<h1>东莞市高端装备制造业集群行动计划目标是否实现：终期评估", "<section class='verdict'>",
             "终期评估 Final assessment", "结论 verdict", "各情景：", "<div class='vintage'>", "<h2>摘要 Summary</h2>",
             "<h2>规模目标 Level targets</h2>", "<h2>数量与里程碑目标 Count and milestone targets</h2>",
             "<a href='memo.docx'>备忘录（Word） the memo (Word)</a>"]
    assert [page.index(p) for p in order] == sorted(page.index(p) for p in order)
    assert "were its targets met? Final assessment" in page and "how likely" not in page


@pytest.mark.slow
def test_the_verdict_box_names_the_headline_scenario_both_readings_and_every_scenario(page):
    box = page[page.index("<section class='verdict'>"):page.index("</section>")]
    assert "按基准情景（主情景）" in box and "Base case (the headline scenario)" in box
    assert "字面读法（仅为下限）" in box and "取整读法（亦低于下一整数关口）" in box
    assert "各情景：基准情景（主情景）" in box and "需求冲击情景" in box and "实现概率范围" in box
    assert "结论取决于未公布的营业收入与总产值之比" in box
    assert "数量与里程碑目标13项" in box


@pytest.mark.slow
def test_no_identifier_reaches_the_reader(page):
    text = _text(page)
    assert not IDENTIFIER.search(text), IDENTIFIER.search(text).group(0)
    assert not re.search(r"\bnan\b|\bNone\b", text)


@pytest.mark.slow
def test_after_the_deadline_the_status_is_the_verdict_and_no_pace_label_is_used(page):
    table = page[page.index("<h2>规模目标 Level targets</h2>"):page.index("<p class='legend'>")]
    assert "快于预期" not in table and "基本符合预期" not in table
    assert re.search(r"<td class='state' style='background:#7fbc41'>已实现<small>met</small></td>", table) or \
        "无法确认<small>cannot be confirmed</small>" in table


@pytest.mark.slow
def test_the_index_shows_a_failed_sweep_page_as_failed(facts):
    failed = NotebookRun(Path("05.ipynb"), Path("05.ipynb"), None, 1.0, CellFailure(2, 3, "KeyError", "'x'", "boom()"))
    summary = pd.DataFrame(columns=REPORT_COLUMNS)
    page = index_html(summary, facts, ["base"], {"05_sweep": failed}, {}, "")
    assert "(heat map)</a> <strong>(failed)</strong>" in page and "<pre>boom()</pre>" in page
    assert "参数扫描" not in index_html(summary, facts, ["base"], {}, {}, "")


@pytest.mark.slow
def test_page_titles_and_language_are_documents(page):
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert "<title>东莞市高端装备制造业集群行动计划目标是否实现：终期评估 · " in page


# ---------------------------------------------------------------- words
@pytest.mark.parametrize("row, zh, en", [
    ({"measure": "cluster_value_added", "year": 2025, "period": "YTD_M08", "kind": "growth", "value": 8.5,
      "unit": "%", "price_basis": "real"},
     "2025年1—8月集群增加值同比增长8.5%（可比价）", "the cluster's value added, January–August 2025: +8.5 % on a year "
                                            "before (real)"),
    ({"measure": "city_value_added", "year": 2023, "period": "year", "kind": "growth", "value": -1.9, "unit": "%",
      "price_basis": "real"},
     "2023年全市规上工业增加值同比下降1.9%（可比价）", "the city's industrial value added, 2023: -1.9 % on a year before (real)"),
    ({"measure": "cluster_output", "year": 2022, "period": "year", "kind": "level", "value": 5000.0, "unit": "亿元",
      "precision": "round"},
     "2022年集群总产值约5,000亿元（整数表述）", "the cluster's gross output, 2022: about 5,000 亿元 (a round statement)"),
    ({"measure": "cluster_output", "year": 2025, "period": "year", "kind": "at_least", "value": 5000.0, "unit": "亿元",
      "precision": "round", "source_phrase": "电气机械及设备制造业产值突破5000亿元"},
     "2025年集群总产值突破5,000亿元", "the cluster's gross output, 2025: more than 5,000 亿元"),
    # a bound says the word its own phrase says: 超过, never a 突破 the source did not write
    ({"measure": "cluster_output", "year": 2024, "period": "year", "kind": "at_least", "value": 4000.0, "unit": "亿元",
      "precision": "round", "source_phrase": "产值超过4000亿元"},
     "2024年集群总产值超过4,000亿元", "the cluster's gross output, 2024: more than 4,000 亿元"),
    ({"measure": "city_revenue", "year": 2024, "period": "year", "kind": "level", "value": 27691.5, "unit": "亿元",
      "precision": "exact"},
     "2024年全市规上工业营业收入27,691.5亿元", "the city's industrial operating revenue, 2024: 27,691.5 亿元"),
])
def test_a_figure_reads_as_a_reader_would_say_it(row, zh, en):
    names = dict(zip(("name_zh", "name_en"), PLAN.name(row["measure"])))  # what the loader adds from plan.yaml
    said = evidence_words({**row, **names, "source_url": "https://www.sun0769.com/a", "reliability": "official"})
    assert (said["zh"], said["en"]) == (zh, en)
    assert said["source_zh"] == "官方文件原文，sun0769.com"


def test_a_source_without_an_address_says_so():
    assert source_words("github-index-file-id:60402065735 (a script)", "unverified") == (
        "未经核实（或为机器生成），无公开网址的文件", "unverified, possibly machine-written, a document with no public address")


@pytest.mark.slow
def test_reader_tables_of_the_final_assessment_evidence_and_track_carry_no_identifier(facts):
    from dgforecast.run.pipeline import load_inputs

    evidence = load_inputs(SHIPPED)["evidence"]
    for frame in (final_view(facts.final, facts.targets, evidence), evidence_view(facts.evidence_used),
                  left_out_view(facts.evidence_left_out, evidence), track_view(facts.track, evidence)):
        text = " ".join(frame.astype(str).to_numpy().ravel()) + " ".join(frame.columns)
        assert not IDENTIFIER.search(text), (list(frame.columns), IDENTIFIER.search(text).group(0))
    left = left_out_view(facts.evidence_left_out, evidence)
    assert any(w.startswith("被更完整的数据取代 superseded by: 2025年全市规上工业增加值同比增长4%") for w in left["原因 why left out"])
    final = final_view(facts.final, facts.targets, evidence).set_index("目标 target")
    row = final.loc["装备制造业产业集群营业收入 Equipment manufacturing cluster operating revenue"]
    assert row["依据 rests on"].startswith("依据10条公开数据：本口径4条，相关口径6条")


# ---------------------------------------------------------------- tables and texts
def test_assumptions_text_names_growth_shocks_and_ratio():
    shock = resolve_scenario(SHIPPED / "params.yaml", "shock", {"revenue_to_output_ratio": 0.9})
    assert assumptions_text(shock) == ("年均增长6.0%，波动率7.5%；2022年 -5.0%，2023年 +0.0%；营收产值比 0.9 · "
                                       "growth 6.0%/yr, volatility 7.5%; 2022: -5.0%, 2023: +0.0%; revenue/output 0.9")


def test_sweep_point_page_opens_with_its_escaped_grid_values_then_the_parameters():
    base = resolve_scenario(SHIPPED / "params.yaml", "base")
    page = sweep_point_html(base, {"growth": 0.04, "label_en": "<b>"})
    assert page.startswith("<p>Sweep point: growth = 0.04, label_en = &lt;b&gt;</p><section class='dgf-params'>")
    assert page.endswith(parameters_table_html(base))


def test_the_parameters_table_says_which_figures_after_the_baseline_it_uses():
    base = resolve_scenario(SHIPPED / "params.yaml", "base")
    page = parameters_table_html(base, "本页所用的基年后公布数据：10条")
    assert "<p>本页所用的基年后公布数据：10条</p>" in page
    assert "实际增长率换算名义的价格涨幅（仅当按实际增速假定时）" in page  # the scenario's deflator, named apart
    assert "price_basis" not in page and "<th>key</th>" not in page  # labels and values in words, no key


def test_summary_text_lists_assessed_rows_and_counts_the_others():
    summary = pd.DataFrame([["base", "t1", float("nan"), float("nan"), float("nan"), float("nan"), "暂无公开数字"],
                            ["base", "t2", 0.85, 5600.0, 5000.0, 6100.25, "快于预期"]], columns=SUMMARY_COLUMNS)
    text = summary_text(summary)
    assert text.splitlines()[1].split() == ["base", "t2", "85.0%", "5,600.0", "5,000.0", "6,100.2", "快于预期"]
    assert "1 target(s) per scenario without a probability (暂无公开数字:" in text and "t1" not in text
    assert summary_text(summary.iloc[0:0]) == "(no summary)"


def test_crossing_view_names_the_target_and_says_how_its_shares_relate_to_p_met():
    targets = pd.DataFrame({"id": ["cluster_revenue_2025"], "kind": ["level"], "name_zh": ["集群营业收入"],
                            "name_en": ["cluster revenue"]})
    view = crossing_view({"cluster_revenue_2025": {"never_share": 0.258, "median": 2024, "q10": 2022, "q90": None}},
                         2025, targets)
    assert view.iloc[0].to_dict() == {
        "目标 target": "集群营业收入 cluster revenue", "中位年份 median year": "2024", "10%": "2022",
        "90%": "2025年后 after 2025", "2025年前曾实现 met in some year by 2025 (≥ P(met))": "74.2%",
        "始终未实现 never met by 2025 (= 1 − met in some year)": "25.8%"}


def _report_summary():
    rows = [["base", "cluster_revenue_2025", 0.71725, 5523.456, 4810.0, 6333.3, "基本符合预期", 0.7, 20000.0],
            ["base", "first_sets_2025", float("nan"), float("nan"), float("nan"), float("nan"), "暂无公开数字",
             float("nan"), float("nan")],
            ["shock", "cluster_revenue_2025", 0.41, 5001.0, 4400.0, 5800.0, "存在风险", 0.4, 20000.0]]
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


TARGETS = pd.DataFrame({"id": ["cluster_revenue_2025", "first_sets_2025"], "kind": ["level", "cumulative_count"]})


def test_summary_has_one_sheet_per_kind_of_target():
    sheets = summary_sheets(_report_summary(), TARGETS)
    assert list(sheets) == ["level targets", "count targets"]
    assert sheets["level targets"]["scenario"].tolist() == ["base", "shock"]
    assert sheets["count targets"]["target_id"].tolist() == ["first_sets_2025"]


def test_summary_xlsx_shows_percent_thousands_widths_and_a_frozen_header(tmp_path):
    import openpyxl

    from dgforecast.core.fileio import write_excel_atomic
    from dgforecast.present.tables import SUMMARY_FORMATS

    path = write_excel_atomic(summary_sheets(_report_summary(), TARGETS), tmp_path / "summary.xlsx", SUMMARY_FORMATS)
    book = openpyxl.load_workbook(path)
    sheet = book["level targets"]
    header = [c.value for c in sheet[1]]
    p_met, median = sheet.cell(2, header.index("p_met") + 1), sheet.cell(2, header.index("median") + 1)
    assert (p_met.value, p_met.number_format) == (0.71725, "0.0%")           # shows 71.7%
    assert (median.value, median.number_format) == (5523.456, "#,##0.0")     # shows 5,523.5
    assert sheet.freeze_panes == "A2" and sheet.cell(1, 1).font.bold
    assert sheet.column_dimensions["B"].width == 22
    assert sheet.column_dimensions[chr(ord("A") + header.index("status"))].width == 14
    assert [p.name for p in tmp_path.iterdir()] == ["summary.xlsx"]           # written atomically


def test_a_forecast_sentence_is_only_for_a_deadline_still_ahead():
    from dgforecast.present.words import summary_sentences

    nan = float("nan")
    summary = pd.DataFrame([["base", "cluster_revenue_2025", 0.855, 6027.4, 5285.1, 6936.7, "快于预期", 0.717, 2405.0],
                            ["base", "first_sets_2025", nan, nan, nan, nan, "暂无公开数字", nan, nan]],
                           columns=REPORT_COLUMNS)
    before = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2025-06"})
    after = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2026-11"})
    assert summary_sentences(summary, _targets_table(), {"base": after}) == []  # a verdict instead
    (sentence,) = summary_sentences(summary, _targets_table(), {"base": before})
    assert sentence["zh"] == ("按基准情景，截至2025年6月已公布的数据，2025年装备制造业产业集群营业收入达到5400亿元以上"
                              "的概率为85.5%（规划制定时为71.7%），属“快于预期”；需2021—2025年年均增长3.97%，2025年中位数"
                              "约6,027亿元（10%—90%区间5,285—6,937亿元）。")
    assert sentence["en"].startswith("Base case, with the figures published up to June 2025: the probability that "
                                     "equipment manufacturing cluster operating revenue reaches at least 5,400 亿元 in "
                                     "2025 is 85.5% (71.7% when the plan was made), “ahead of plan” (快于预期)")


def test_count_targets_show_pace_and_what_is_known():
    targets = _targets_table()
    nan = float("nan")
    summary = pd.DataFrame([["base", "first_sets_2025", nan, nan, nan, nan, "无法确认", nan, nan]],
                           columns=REPORT_COLUMNS)
    view = count_targets_view(summary, targets).set_index("target_id")
    assert "cluster_revenue_2025" not in view.index and len(view) == 13
    assert view.loc["first_sets_2025"].to_dict() == {
        "目标 target": "市级以上首台（套）重点技术装备累计认定数", "门槛 goal": "> 100 个", "期限 deadline": "2025",
        "所需进度 pace needed": "25 个/年 a year", "已录入 entered": "—", "实现概率 P(met)": "—",
        "状态 status": "无法确认 cannot be confirmed（暂无公开数字 no public figure）"}
    assert view.loc["innovation_centre_2025", "所需进度 pace needed"] == "0.25 个/年 a year"
    summary.loc[0, ["p_met", "status"]] = [0.12, "难以实现"]
    counts = pd.DataFrame({"target_id": ["first_sets_2025"], "achieved": [30.0]})
    row = count_targets_view(summary, targets, counts).set_index("target_id").loc["first_sets_2025"]
    assert (row["已录入 entered"], row["实现概率 P(met)"], row["状态 status"]) == ("30", "12.0%", "难以实现 unlikely")


def test_the_track_table_numbers_each_month_figures_arrived_as_the_chart_marks_it():
    evidence = pd.DataFrame([{"evidence_id": "em_va_2022_ytd09", "measure": "cluster_value_added", "year": 2022,
                              "period": "YTD_M09", "kind": "growth", "value": 3.2, "unit": "%", "price_basis": "real",
                              "name_zh": "集群增加值", "name_en": "the cluster's value added"}])
    shuffled = track_rows().iloc[[2, 0, 1]]  # the order of the rows does not change the numbers
    view = track_view(shuffled, evidence)
    assert view["图中 no."].tolist() == ["—", "1", "2"]
    assert view["截至 as of"].tolist()[0].endswith("2022-01")
    assert view["新公布的数据 what was published"].tolist()[1] == "2022年1—9月集群增加值同比增长3.2%（可比价）"


def _scored_track():
    """Three vintages scored against an outcome of 5,300 published in the third month (tracking.track's columns)."""
    nan = float("nan")
    return track_rows().assign(
        as_of=["2025-12", "2026-02", "2026-04"], q10=[5500.0, 5520.0, 5299.6], q90=[7100.0, 7150.0, 5300.4],
        median=[6300.0, 6320.0, 5300.0], outcome=5300.0, scored_without=["", "", "rev_2025_outcome"],
        scored_median=[6300.0, 6320.0, 6320.0], scored_q10=[5500.0, 5520.0, 5520.0], scored_q90=[7100.0, 7150.0, 7150.0],
        crps=[700.25, 720.5, 720.5], log_score=[-0.2, -0.26, -0.26], band_80_held=[False, False, False],
        evidence_arrived=["", "", "rev_2025_outcome"]).assign(p_met=[0.94, 0.94, nan])


def test_the_track_table_says_whose_forecast_each_score_is_of_and_the_paragraph_what_the_scores_mean():
    from dgforecast.present.words import score_words

    evidence = pd.DataFrame([{"evidence_id": "rev_2025_outcome", "measure": "cluster_revenue", "year": 2025,
                              "period": "year", "kind": "level", "value": 5300.0, "unit": "亿元", "precision": "exact",
                              "name_zh": "集群营业收入", "name_en": "the cluster's revenue"}])
    cells = track_view(_scored_track(), evidence)["对照实际结果的评分 scores against the outcome"].tolist()
    assert cells[0] == "CRPS 700.2 · 对数评分 log score -0.20 · 80% 区间 band 未覆盖 missed"
    # the month the outcome arrived: the band shown (5,300 ± 0.4) holds it, the band scored (2026-02's) does not
    assert cells[2] == ("结果公布前的预测 the forecast before the outcome: CRPS 720.5 · 对数评分 log score -0.26 · "
                        "其 80% 区间 its band 5,520–7,150 未覆盖 missed")
    zh, en = score_words(_scored_track())
    assert zh.startswith("对照实际结果评分：实际结果为 5,300.0 亿元。") and "结果公布当月（2026年4月）起" in zh
    assert ("from the month it arrived (April 2026) on, the forecast scored is the one from before it arrived "
            "(median 6,320.0, 10–90% range 5,520–7,150)") in en
    assert "CRPS (continuous ranked probability score)" in en and "the log score is the log of the density" in en
    # without an outcome: no column, no paragraph
    assert "对照实际结果的评分 scores against the outcome" not in track_view(track_rows(), evidence).columns
    assert score_words(track_rows()) == ("", "")

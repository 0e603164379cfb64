"""Pages in the reader's words: the rule with its numbers and reasons, ± said to be simulation error, the ratio's
spread, assumptions by their labels and values in words, reasons without file names — and no sentence that
contradicts another once an exact figure of the target itself is published."""

import re

import pandas as pd
import pytest

from dgforecast.core.vocabulary import MET
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.plan_file import load_plan
from dgforecast.present.assumptions import assumptions_table, parameters_frame, reader_reason, value_text
from dgforecast.present.document import Sentences
from dgforecast.present.facts import assumption_reasons
from dgforecast.present.words import (
    evidence_line,
    evidence_strength,
    hinge_words,
    ratio_spread_words,
    robust_words,
    rule_words,
    set_range,
    simulation_note_words,
)
from tests.conftest import SHIPPED, with_outcome

#: What a reader never sees (issue 26): a key, series or target id, a file of the package, the benchmarks' folder.
IDENTIFIER = re.compile(r"[a-z]+_[a-z0-9_]+|DG_|\.py\b|benchmarks/")


def _base(**overrides):
    return resolve_scenario(SHIPPED / "params.yaml", "base", overrides)


# ---------------------------------------------------------------- the rule, ±, the ratio
def test_the_rule_states_its_numbers_its_reason_and_the_two_robust_conditions():
    (rule_zh, rule_en), (more_zh, more_en) = rule_words(_base())
    assert "3倍蒙特卡洛标准误" in rule_zh and "不低于90%" in rule_zh and "不高于10%" in rule_zh
    assert "十次中至多错一次" in rule_zh                                   # the reason for 0.9 and 0.1
    assert "at least 90% by 3 Monte Carlo standard errors" in rule_en and "one time in ten" in rule_en
    assert "敏感性集合" in more_zh and "规划发布以来公布的数字" in more_zh
    assert "sensitivity set" in more_en and "published since the plan" in more_en
    assert not IDENTIFIER.search(rule_en + more_en + rule_zh + more_zh)


def test_the_rule_follows_the_workbooks_cut_offs_and_says_the_count_rule_when_asked():
    params = _base(verdict_thresholds={"achieved": 0.95, "missed": 0.05, "mc_sigmas": 2.0})
    lines = rule_words(params, counts=True)
    assert "不低于95%" in lines[0][0] and "2倍蒙特卡洛标准误" in lines[0][0] and "二十次中至多错一次" in lines[0][0]
    assert "one time in twenty" in lines[0][1]
    assert len(lines) == 3 and lines[2][1].startswith("A count target is met")
    uneven = _base(verdict_thresholds={"achieved": 0.95, "missed": 0.1})
    assert "at most 5% (met) or 10% (not met)" in rule_words(uneven)[0][1]


def test_the_ratio_says_its_spread_and_that_the_spread_is_drawn_per_path():
    zh, en = ratio_spread_words(_base())
    assert zh == "假定以1.00为中心，每条路径各抽一个比值，对数标准差0.055，该标准差本身也按路径在0.054—0.11之间抽取"
    assert en == ("assumed centred on 1.00, drawn per path with a log sd of 0.055, that sd itself drawn per path "
                  "between 0.054 and 0.11")
    assert ratio_spread_words(_base(revenue_to_output_ratio_sd=0.0, link_uncertainty={})) == ("假定为1.00",
                                                                                              "assumed 1.00")


ROW = {"why": "not under every assumption", "verdict": "无法确认", "verdict_central": "无法确认", "moved": True,
       "p_met": 0.846, "p_se": 0.008, "worst_case": "nominal_gap", "worst_end": "low", "worst_value": 0.0,
       "worst_p": 0.736, "worst_se": 0.009, "p_set_low": 0.736, "p_set_high": 0.96,
       "p_without_related": 0.767, "p_se_without_related": 0.009, "breaking": ""}


def test_plus_minus_is_said_to_be_simulation_error_and_the_set_range_is_the_uncertainty_that_matters():
    lines = robust_words(ROW)
    assert lines[0] == ("无法确认：在各假设的中心值下 P(met) 为 84.6% ± 0.8%，未越过判定门槛。",
                        "Cannot be confirmed: P(met) 84.6% ± 0.8% at the assumptions' centres, short of a verdict's cut.")
    worst_zh, worst_en = lines[1]
    assert "要紧的不确定性来自假设：全部情形的范围73.6%—96.0%；“±”仅为模拟（蒙特卡洛）误差" in worst_zh
    assert "The uncertainty that matters is the assumptions': across the set 73.6%–96.0%" in worst_en
    assert "“±” is simulation (Monte Carlo) error only" in worst_en
    assert set_range(ROW) == "73.6%–96.0%" and set_range({"p_set_low": float("nan")}) == "—"
    decided = robust_words({**ROW, "p_set_low": 1.0, "p_set_high": 1.0, "p_met": 1.0, "p_se": 0.0})
    assert decided[1] == ("敏感性集合中的每一种假设下 P(met) 均为100.0%；“±”仅为模拟（蒙特卡洛）误差。",
                          "Under every assumption of the sensitivity set P(met) is 100.0%; “±” is simulation (Monte "
                          "Carlo) error only.")


def test_an_exact_figure_of_the_target_ends_what_the_ratio_decides():
    target = pd.Series({"ratio_zh": "营业收入与总产值之比", "ratio_en": "revenue-to-output ratio"},
                       name="cluster_revenue_2025")
    crossings = pd.DataFrame({"target_id": [target.name], "reading": ["plain"], "cut": ["achieved"],
                              "revenue_to_output_ratio": [1.035]})
    zh, en = hinge_words(crossings, target, _base())
    assert zh.startswith("结论取决于未公布的营业收入与总产值之比（假定以1.00为中心") and "在各假设的中心值下，比值不低于1.035" in zh
    assert en.startswith("The verdict hinges on the unpublished revenue-to-output ratio (assumed centred on 1.00")
    zh, en = hinge_words(crossings, target, _base(), {"decided_by": "rev_2025"})
    assert "未公布" not in zh and "unpublished" not in en and "no longer matters" in en


def test_the_evidence_is_thin_unless_an_exact_figure_of_each_level_target_decides_it():
    final = pd.DataFrame({"kind": ["level", "cumulative_count"], "p_met": [0.85, float("nan")], "decided_by": ["", ""]})
    assert evidence_strength(final) == ("证据有限：", "The evidence is thin: ")
    assert evidence_strength(final.assign(decided_by=["rev_2025", ""])) == ("证据：", "The evidence: ")


def test_the_engines_note_on_more_paths_reads_in_both_languages():
    zh, en = simulation_note_words("the evidence left an effective sample of 1,819 of 2,000 paths (floor 2,000); "
                                   "2,639 paths were drawn instead")
    assert zh == "注意：公开数据使2,000条模拟路径的有效样本降至1,819（低于下限2,000），因此改为模拟2,639条路径"
    assert en.endswith("so 2,639 paths were drawn instead") and simulation_note_words("") == ("", "")


def test_the_tracking_page_does_not_send_the_reader_to_itself():
    from dgforecast.run.pipeline import load_inputs

    evidence = load_inputs(SHIPPED)["evidence"]
    elsewhere, here = evidence_line(_base(as_of="2026-11"), evidence), evidence_line(_base(as_of="2026-11"), evidence, True)
    assert "原因见“跟踪与终期评估”页" in elsewhere and "the page on tracking and the final assessment says why" in elsewhere
    assert "本页" in here and "above says why" in here and "06" not in here


def test_a_line_without_chinese_after_one_with_it_is_set_as_its_english_twin():
    html = Sentences("结论：已实现。", "Verdict: met.", "Note: English alone")._repr_html_()
    assert html == ("<p class='dgf-words'>结论：已实现。</p><p class='dgf-words en'>Verdict: met.</p>"
                    "<p class='dgf-words'>Note: English alone</p>")


# ---------------------------------------------------------------- the assumptions in words
def test_values_read_as_words_not_keys():
    assert value_text("engine", "lognormal").startswith("对数正态")
    assert value_text("evidence.min_reliability", "press_or_official") == "官方发布或其转载及以上 an official " \
                                                                          "release or a press copy of one, or better"
    assert value_text("evidence.reading", "round").startswith("整数关口表述读作已越过的最高关口")
    assert value_text("volatility", 0.075) == "0.075（年对数增速的标准差 sd of yearly log growth）"
    assert value_text("verdict_thresholds", {"achieved": 0.9, "missed": 0.1, "mc_sigmas": 3.0}) == (
        "已实现 ≥ 90%，未实现 ≤ 10%，均须越过门槛3倍蒙特卡洛标准误 · met ≥ 90%, not met ≤ 10%, each by 3 Monte Carlo "
        "standard errors")
    assert value_text("as_of", "today", as_of_month="2026-12") == "2026-12（报告生成之月 the report's month）"
    assert value_text("evidence.min_ess", 2000) == "2,000 条路径 paths"


def test_the_parameters_a_page_ends_with_carry_no_key_and_the_measurement_model_one_row_each():
    params = _base()
    frame = parameters_frame(params, load_plan(SHIPPED / "data" / "raw"))
    shown = " ".join(frame[["参数", "parameter", "value"]].astype(str).to_numpy().ravel())
    assert not IDENTIFIER.search(shown), IDENTIFIER.search(shown).group(0)
    assert "history_series" not in set(frame["key"])                       # the fitted engine's only
    rows = frame.set_index("key")
    assert rows.loc["evidence.ytd_sd", "参数"] == "累计增速外推误差" and rows.loc["evidence.ytd_sd", "value"].startswith("0.06")
    assert "history_series" in set(parameters_frame(params.model_copy(update={"engine": "fitted"}))["key"])


def test_a_reason_reaches_the_reader_without_the_files_it_cites():
    assert reader_reason("half to double (benchmarks/results/link_uncertainty.md); stated") == "half to double; stated"
    assert reader_reason("as measured (same file)") == "as measured"
    assert reader_reason("P(met) cut-offs before a deadline (docs/glossary.md)") == (
        "P(met) cut-offs before a deadline")
    assert reader_reason("ln 1.183 - ln 1.147 = 0.031 (benchmarks/results/x.md, section 5); not") == (
        "ln 1.183 - ln 1.147 = 0.031; not")


@pytest.mark.parametrize("workbook", [SHIPPED, *sorted((SHIPPED.parents[2] / "plans").glob("*"))],
                         ids=lambda p: p.name)
def test_every_assumption_of_every_workbook_reaches_the_memo_with_its_reason_and_no_identifier(workbook):
    from dgforecast.plan.params import scenario_names

    path = workbook / "params.yaml"
    params = {name: resolve_scenario(path, name) for name in scenario_names(path)}
    first = next(iter(params))
    table = assumptions_table(params, first, assumption_reasons(path.read_text(encoding="utf-8")),
                              plan=load_plan(workbook / "data" / "raw"))
    shown = " ".join(table[["参数", "parameter", "value", "reason"]].astype(str).to_numpy().ravel())
    assert not IDENTIFIER.search(shown), (workbook.name, IDENTIFIER.search(shown).group(0))
    own = table[table["scenario"] == first].set_index("key")
    assert "verdict_thresholds" in own.index and "十次中至多错一次" in own.loc["verdict_thresholds", "reason"]


# ---------------------------------------------------------------- no sentence contradicts another
#: Pairs of sentences that cannot both be true of one target: once an exact figure of the target itself is
#: published, nothing hinges on the unpublished ratio and the evidence is no longer thin.
CONTRADICTIONS = [("已有该目标本身的确切数字", "结论取决于未公布的"), ("已有该目标本身的确切数字", "证据有限"),
                  ("已有该目标本身的确切数字", "本身从未公布"),
                  ("an exact figure of the target itself is published", "hinges on the unpublished"),
                  ("an exact figure of the target itself is published", "The evidence is thin"),
                  ("an exact figure of the target itself is published", "was never published")]


def _pages(inputs):
    """The index page and the memo of the base case as of 2026-11 on ``inputs``, as text."""
    import docx

    from dgforecast.judge.assess import assess_inputs, with_plan
    from dgforecast.present.facts import report_facts
    from dgforecast.present.index_page import index_html
    from dgforecast.present.memo import memo_document
    from dgforecast.run.notebook import NotebookRun

    params = _base(as_of="2026-11", n_sims=2000)
    facts = report_facts({"base": params}, inputs, (SHIPPED / "params.yaml").read_text(encoding="utf-8"), "base")
    summary = with_plan(assess_inputs(params, inputs), assess_inputs(params.at_plan(), inputs))
    runs = {"scenarios/base": NotebookRun(SHIPPED / "x.ipynb", SHIPPED / "x.ipynb", None, 1.0, None)}
    page = index_html(summary, facts, ["base"], runs, {"base": ("基准情景", "Base case")}, "2026-11-28 06:00")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S))
    document = memo_document(facts, summary.assign(scenario="base"), "2026-11-28 06:00")
    memo = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    return facts, text, memo


@pytest.mark.slow
@pytest.mark.parametrize("outcome", [None, 5500.0], ids=["without an outcome", "with an exact outcome"])
def test_no_sentence_contradicts_another_with_or_without_the_targets_own_figure(tmp_path, outcome):
    from dgforecast.run.pipeline import load_inputs

    inputs = load_inputs(SHIPPED) if outcome is None else with_outcome(tmp_path, outcome, published="2026-03")
    facts, page, memo = _pages(inputs)
    for text in (page, memo):
        for one, other in CONTRADICTIONS:
            assert not (one in text and other in text), (one, other)
        assert not IDENTIFIER.search(text), IDENTIFIER.search(text).group(0)
    if outcome is None:  # the figures of today: the ratio decides, the evidence is thin
        assert "结论取决于未公布的营业收入与总产值之比" in page and "证据有限" in page and "证据有限" in memo
    else:
        assert facts.final.set_index("target_id").loc["cluster_revenue_2025", "verdict"] == MET
        assert "已有该目标本身的确切数字" in page and "已有该目标本身的确切数字" in memo
        assert "不再影响结论" in page and "no longer matters" in memo

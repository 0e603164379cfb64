"""Units and links are the plan's data: a target's own unit and word on every chart, header and sentence, and the
ratio of a linked pair (plan.yaml level_times_ratio) named in the plan's words, for a plan that declares one only."""

import pandas as pd
import pytest

from dgforecast.core.errors import DataError
from dgforecast.plan.data import load_targets
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.plan_file import load_plan
from dgforecast.present import plots
from dgforecast.present.assumptions import assumptions_text, parameters_frame
from dgforecast.present.evidence_sentences import bound_word
from dgforecast.present.words import goal_words, hinge_words
from tests.conftest import REPO, SHIPPED

GD = REPO / "plans" / "gd_robots_2021_2025"


@pytest.mark.parametrize("wording, comparison, zh, en", [
    ("突破", ">", "突破80亿元", "more than 80 亿元"),
    ("", ">", "超过80亿元", "more than 80 亿元"),
    ("达到", ">=", "达到80亿元", "at least 80 亿元"),
    ("", ">=", "达到80亿元以上", "at least 80 亿元"),
])
def test_a_target_reads_in_the_word_its_plan_states_it_with(wording, comparison, zh, en):
    target = {"threshold": 80.0, "unit": "亿元", "comparison": comparison, "wording": wording}
    assert goal_words(target) == (zh, en)


def test_a_threshold_keeps_its_digits_and_a_large_one_reads_whole():
    assert goal_words({"threshold": 2.5, "unit": "万台", "comparison": ">"}) == ("超过2.5万台", "more than 2.5 万台")
    assert goal_words({"threshold": 1200000.0, "unit": "家", "comparison": ">="})[1] == "at least 1,200,000 家"


def test_a_word_that_does_not_say_the_comparison_is_refused_naming_the_cell(tmp_path):
    raw = tmp_path / "data" / "raw"
    raw.parent.mkdir()
    import shutil

    shutil.copytree(GD / "data" / "raw", raw)
    path = raw / "plan_targets.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",>,2025,2020,发展目标,industrial_robot_output",
                                                             ",>=,2025,2020,发展目标,industrial_robot_output"),
                    encoding="utf-8")  # 超过 with >=
    with pytest.raises(DataError) as caught:
        load_targets(raw)
    assert "line 2, column wording" in str(caught.value) and "'超过'" in str(caught.value)


@pytest.mark.parametrize("phrase, word", [("规上工业总产值突破2.5万亿元", "突破"), ("带动相关产业营业收入超过 600 亿元", "超过"),
                                          ("", "超过"), (None, "超过")])
def test_a_bound_is_said_in_its_own_phrases_word(phrase, word):
    assert bound_word(phrase) == word


def test_only_a_plan_that_links_a_pair_has_a_ratio_and_it_is_named_in_the_plans_words():
    assert load_plan(SHIPPED / "data" / "raw").ratio_words() == ("营业收入与总产值之比", "revenue-to-output ratio")
    assert load_plan(GD / "data" / "raw").ratio_words() is None
    gd = load_targets(GD / "data" / "raw")
    assert set(gd["ratio_zh"]) == {""}
    first = load_targets(SHIPPED / "data" / "raw").set_index("id")
    assert first.loc["cluster_revenue_2025", "ratio_zh"] == "营业收入与总产值之比"


def test_the_parameters_table_leaves_the_ratio_out_of_a_plan_without_a_link():
    plan = load_plan(GD / "data" / "raw")
    params = resolve_scenario(GD / "params.yaml", "base")
    keys = set(parameters_frame(params, plan)["key"])
    assert "revenue_to_output_ratio" not in keys and "growth" in keys
    assert "revenue_to_output_ratio" in set(parameters_frame(params)["key"])  # without the plan: every field
    first = load_plan(SHIPPED / "data" / "raw")
    frame = parameters_frame(resolve_scenario(SHIPPED / "params.yaml", "base"), first).set_index("key")
    assert frame.loc["revenue_to_output_ratio", "参数"] == "营业收入与总产值之比"
    assert "revenue" not in assumptions_text(params.model_copy(update={"revenue_to_output_ratio": 0.9}), plan)


def test_no_hinge_sentence_for_a_target_without_a_link():
    target = pd.Series({"ratio_zh": "", "ratio_en": ""}, name="x")
    assert hinge_words(pd.DataFrame(), target, None) == ("", "")


def _legend_and_axes(fig):
    ax = fig.axes[0]
    texts = [t.get_text() for legend in ax.findobj(lambda o: hasattr(o, "get_texts")) for t in legend.get_texts()]
    return " ".join([*texts, ax.get_ylabel()])


def test_a_chart_says_its_targets_unit_and_no_other():
    fan = pd.DataFrame({0.1: [2.0, 2.2], 0.5: [2.0, 2.6], 0.9: [2.0, 3.0]}, index=[2024, 2025])
    drawn = _legend_and_axes(plots.fan_chart(fan, threshold=10, unit="万台"))
    assert "目标 target 10 万台" in drawn and "亿元" not in drawn
    unitless = _legend_and_axes(plots.fan_chart(fan, threshold=2.5))
    assert "目标 target 2.5" in unitless and "亿元" not in unitless
    track = pd.DataFrame({"as_of": ["2025-01", "2025-06"], "p_met": [0.5, 0.6], "median": [9.0, 11.0],
                          "q10": [7.0, 8.0], "q90": [12.0, 13.0], "evidence_arrived": ["", "a"]})
    drawn = " ".join(_legend_and_axes(plots.track_chart(track, threshold=10, unit="万台")).split())
    assert "万台" in drawn and "亿元" not in drawn

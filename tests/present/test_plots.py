import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.legend import Legend  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from dgforecast.present import plots  # noqa: E402
from tests.conftest import PLAN, track_rows  # noqa: E402


def _render(fig):
    """Draw to PNG in memory and return the warnings matplotlib raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)
    return [str(w.message) for w in caught]


def _fan():
    deciles = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    return pd.DataFrame({q: [4800 + 400 * q, 5000 + 800 * q] for q in deciles}, index=[2022, 2023])


def test_cjk_font_is_the_one_mplfonts_ships():
    assert plots.cjk_font_path().name == "NotoSansCJKsc-Regular.otf"
    assert plots.use_cjk_font() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"


def test_chinese_title_renders_without_missing_glyph_warnings():
    plots.use_cjk_font()
    fig, ax = plt.subplots()
    ax.set_title("中文 装备制造业产业集群营业收入 −5%")
    ax.set_xlabel("年份 year")
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_fan_chart_draws_threshold_median_and_actual_points():
    actuals = pd.Series([4900.0], index=[2022])
    fig = plots.fan_chart(_fan(), threshold=5400, actuals=actuals, base=(2021, 4621.25))
    ax = fig.axes[0]
    threshold = [l for l in ax.get_lines() if list(l.get_ydata()) == [5400, 5400]]
    assert len(threshold) == 1
    median = [l for l in ax.get_lines() if l.get_label() == "中位数 median"][0]
    # The median starts from the shared base point, then follows the 0.5 column.
    assert list(median.get_xdata()) == [2021, 2022, 2023]
    assert list(median.get_ydata()) == [4621.25, 5000.0, 5400.0]
    assert ax.collections[-1].get_offsets().tolist() == [[2022.0, 4900.0]]
    assert list(ax.get_xticks()) == [2021, 2022, 2023]


def test_fan_chart_ticks_every_year_with_an_actual_point():
    actuals = pd.Series([2593.0, 2711.1, 4145.7], index=[2014, 2015, 2020])
    fig = plots.fan_chart(_fan(), actuals=actuals)
    assert list(fig.axes[0].get_xticks()) == [2014, 2015, 2020, 2022, 2023]
    plt.close(fig)
    assert not [m for m in _render(fig) if "missing from" in m]


def test_fan_chart_accepts_quantiles_as_rows():
    fig = plots.fan_chart(_fan().T)
    median = [l for l in fig.axes[0].get_lines() if l.get_label() == "中位数 median"][0]
    assert list(median.get_ydata()) == [5000.0, 5400.0]
    plt.close(fig)


def test_fan_chart_refuses_a_fan_without_median():
    with pytest.raises(ValueError, match="0.5"):
        plots.fan_chart(pd.DataFrame({0.1: [1.0], 0.9: [2.0]}, index=[2022]))


def test_growth_chart_draws_one_bar_per_known_rate_in_percent():
    growth = pd.Series({"所需 required": 0.0397, "历史 historical": 0.183, "模型 model": float("nan")})
    fig = plots.growth_chart(growth)
    bars = fig.axes[0].patches
    assert [round(b.get_width(), 2) for b in bars] == [3.97, 18.3]
    assert "模型 model" in fig.axes[0].get_title()
    assert not [m for m in _render(fig) if "missing from" in m]


def test_sweep_heatmap_draws_contours_the_50_percent_one_named_the_break_even_with_chinese_labels():
    # P(met) rises with growth (columns) and falls as the revenue ratio drops (rows).
    table = pd.DataFrame([[0.1, 0.45, 0.85], [0.2, 0.6, 0.9]], index=[0.95, 1.0], columns=[0.02, 0.04, 0.06])
    fig = plots.sweep_heatmap(table, "年均增长率 growth", "营业收入与总产值之比 ratio", "P(met) 实现概率", (0.5, 0.8))
    ax = fig.axes[0]
    assert len(ax.collections) >= 2  # the mesh and the contour set
    # one break-even: the 50 % contour, drawn thicker and named in the legend; no second line beside it
    assert not [l for l in ax.get_lines() if l.get_linestyle() == "--"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["P(met) = 50%：临界点 break-even"]
    assert {t.get_text() for t in ax.texts} <= {"P(met) = 50%", "P(met) = 80%"} and ax.texts
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_track_chart_draws_steps_band_threshold_and_evidence_labels_without_missing_glyphs():
    fig = plots.track_chart(track_rows(), 5400, verdict_cuts=(0.9, 0.1), title="装备制造业产业集群营业收入")
    levels, p_panel = fig.axes
    median = [l for l in levels.get_lines() if l.get_label() == "中位数 median"][0]
    # One step a vintage, the last one held for three months (to 2026-03).
    assert list(median.get_ydata()) == [5800.0, 5850.0, 6000.0, 6000.0]
    assert len([l for l in levels.get_lines() if list(l.get_ydata()) == [5400, 5400]]) == 1
    # each step at which figures arrived is numbered as the track table lists it (no ids on a chart)
    assert [t.get_text() for t in levels.texts] == ["1", "2"]
    assert [t.get_text() for t in p_panel.texts] == ["70%", "75%", "85%"]
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_track_chart_on_given_axes_puts_p_met_on_a_twin_axis():
    fig, ax = plt.subplots()
    assert plots.track_chart(track_rows(), 5400, ax=ax) is fig
    assert len(fig.axes) == 2 and fig.axes[1].get_ylim() == (0.0, 1.0)
    plt.close(fig)


def test_track_chart_draws_one_target_only():
    two = pd.concat([track_rows(), track_rows().assign(target_id="other")])
    with pytest.raises(ValueError, match="one target"):
        plots.track_chart(two, 5400)


def test_hinge_chart_draws_both_readings_and_the_verdict_band_without_missing_glyphs():
    hinge = pd.DataFrame({"target_id": "cluster_revenue_2025", "reading": ["plain"] * 3 + ["round"] * 3,
                          "revenue_to_output_ratio": [0.9, 1.0, 1.1] * 2,
                          "p_met": [0.53, 0.85, 0.98, 0.17, 0.68, 0.95]})
    fig = plots.hinge_chart(hinge, assumed_ratio=1.0)
    ax = fig.axes[0]
    lines = {l.get_label(): list(l.get_ydata()) for l in ax.get_lines()}
    assert lines[plots.READING_STYLE["plain"][1]] == [0.53, 0.85, 0.98]
    assert lines[plots.READING_STYLE["round"][1]] == [0.17, 0.68, 0.95]
    assert "情景假设的中心 assumed centre 1.00" in lines
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


# ---------------------------------------------------------------- the evidence on the fan chart
EVIDENCE_HEADER = ",".join(["evidence_id", "measure", "year", "period", "kind", "value", "unit", "precision",
                            "price_basis", "published", "reliability", "source_url", "source_phrase", "note"])
#: A hand-made evidence table: one row of every kind a fan chart shows or leaves out.
EVIDENCE_ROWS = [
    "rev_2022,cluster_revenue,2022,year,level,5312.47,亿元,exact,,2023-03,official,http://a,营业收入5312.47亿元,",
    "out_2022,cluster_output,2022,year,level,5000,亿元,round,,2023-05,official,http://b,产值达到5000亿元,",
    "out_2023_at_least,cluster_output,2023,year,at_least,5000,亿元,round,,2023-12,official,http://c,突破5000亿元,",
    "rev_2024_at_most,cluster_revenue,2024,year,at_most,6000,亿元,round,,2024-12,official,http://d,不到6000亿元,",
    "rev_2024_at_least,cluster_revenue,2024,year,at_least,5321.5,亿元,exact,,2025-01,official,http://e,超过5321.5亿元,",
    "va_2023,cluster_value_added,2023,year,growth,5.5,%,,real,2024-01,official,http://f,增长5.5%,",
    "city_rev_2024,city_revenue,2024,year,level,27691.5,亿元,exact,,2025-02,official,http://g,27691.5亿元,",
    "city_out_2024,city_output,2024,year,at_least,25000,亿元,round,,2025-02,official,http://h,突破2.5万亿元,",
    "city_va_2024,city_value_added,2024,year,growth,6.9,%,,real,2025-01,official,http://i,增长6.9%,",
    "ratio_2024,revenue_to_output_ratio,2024,year,level,1.02,1,exact,,2025-03,official,http://j,1.02,",
]


@pytest.fixture
def evidence(tmp_path):
    from datetime import date

    from dgforecast.plan.evidence import load_evidence

    path = tmp_path / "evidence.csv"
    path.write_text("\n".join([EVIDENCE_HEADER, *EVIDENCE_ROWS]) + "\n", encoding="utf-8")
    return load_evidence(path, PLAN, today=date(2026, 12, 1))


#: The legend's words of the shipped plan's measures (plan.yaml short_zh, short_en).
SHORT = {m: PLAN.short(m) for m in PLAN.measures}


def _marks_by_id(evidence, measure="cluster_revenue", reading="plain"):
    from dgforecast.present.evidence_marks import evidence_marks

    return evidence_marks(evidence, measure, reading, SHORT).set_index("evidence_id")


def test_an_exact_level_is_a_filled_point_at_its_value(evidence):
    mark = _marks_by_id(evidence).loc["rev_2022"]
    assert (mark["mark"], mark["year"], mark["value"]) == ("exact", 2022, 5312.47)
    assert (mark["low"], mark["high"]) == pytest.approx((5312.465, 5312.475))  # half a unit of its last digit
    assert mark["label"] == "营业收入公布值 published revenue"


def test_a_round_level_is_a_hollow_point_with_half_a_step_either_side(evidence):
    mark = _marks_by_id(evidence).loc["out_2022"]
    # 达到5000: one significant digit, the step to the next round figure is 1000, the rounding span ±500
    assert (mark["mark"], mark["value"], mark["low"], mark["high"]) == ("round", 5000.0, 4500.0, 5500.0)


def test_a_bound_is_open_on_its_far_side_under_the_plain_reading(evidence):
    marks = _marks_by_id(evidence)
    assert marks.loc["out_2023_at_least", ["mark", "low", "high"]].tolist() == ["at_least", 5000.0, float("inf")]
    assert marks.loc["rev_2024_at_most", ["mark", "low", "high"]].tolist() == ["at_most", float("-inf"), 6000.0]


def test_the_round_reading_closes_a_round_bound_at_the_next_round_figure(evidence):
    marks = _marks_by_id(evidence, reading="round")
    # 突破5000 read as 5000-6000; an upper bound 6000 mirrored: 5000-6000
    assert marks.loc["out_2023_at_least", ["mark", "low", "high"]].tolist() == ["round_reading", 5000.0, 6000.0]
    assert marks.loc["rev_2024_at_most", ["mark", "low", "high"]].tolist() == ["round_reading", 5000.0, 6000.0]
    assert "下限、不到下一整数关口" in marks.loc["out_2023_at_least", "label"]
    assert "round reading" in marks.loc["rev_2024_at_most", "label"]
    # an exact bound has no next round figure: it stays an arrow under either reading
    assert marks.loc["rev_2024_at_least", ["mark", "low", "high"]].tolist() == ["at_least", 5321.5, float("inf")]


def test_output_rows_on_a_revenue_chart_say_they_are_output_not_revenue(evidence):
    on_revenue = _marks_by_id(evidence, "cluster_revenue")
    assert on_revenue.loc["out_2022", "measure"] == "cluster_output"
    assert on_revenue.loc["out_2022", "value"] == 5000.0  # kept apart: not converted by any ratio
    assert on_revenue.loc["out_2022", "label"] == "总产值（非营业收入）约数（达到）及取整范围 output (not revenue), round figure ± rounding"
    assert on_revenue.loc["out_2023_at_least", "label"] == "总产值（非营业收入）下限 output (not revenue), lower bound"
    assert on_revenue.loc["rev_2022", "label"] == "营业收入公布值 published revenue"
    on_output = _marks_by_id(evidence, "cluster_output")
    assert on_output.loc["out_2022", "label"] == "总产值约数（达到）及取整范围 output, round figure ± rounding"
    assert on_output.loc["rev_2022", "label"] == "营业收入（非总产值）公布值 published revenue (not output)"


def test_city_growth_and_ratio_rows_are_not_drawn(evidence):
    assert list(_marks_by_id(evidence).index) == ["rev_2022", "out_2022", "out_2023_at_least", "rev_2024_at_most",
                                                  "rev_2024_at_least"]


def test_a_chart_of_a_measure_with_no_levels_drawn_has_no_marks(evidence):
    from dgforecast.present.evidence_marks import evidence_marks

    assert len(evidence_marks(evidence, "city_value_added")) == 0  # growth rows: no level to draw
    assert len(evidence_marks(None, "cluster_output")) == 0


def _result(evidence, used_ids, reading="plain", base=4390.19):
    """The parts of a ScenarioResult the marks read, by hand: a 2021 base of 4621.25 × 0.95."""
    from types import SimpleNamespace

    from dgforecast.plan.evidence import select_evidence

    return SimpleNamespace(actuals=pd.Series({2021: base}), simulation=SimpleNamespace(selection=select_evidence(evidence)),
                           evidence={"rev_2025": {"evidence_used": used_ids}},
                           params=SimpleNamespace(evidence=SimpleNamespace(reading=reading)), plan=PLAN)


def _targets(conversion):
    measure = "cluster_revenue" if conversion else "cluster_output"
    return pd.DataFrame({"id": ["rev_2025"], "baseline_conversion": [conversion], "measure": [measure]})


def test_the_base_point_of_a_converted_target_is_derived_not_actual(evidence):
    from dgforecast.present.evidence_marks import scenario_marks

    marks = scenario_marks(_result(evidence, ["out_2022", "va_2023"]), _targets("revenue_to_output_ratio"), "rev_2025")
    base = marks.iloc[0]
    assert (base["mark"], base["year"], base["value"]) == ("derived", 2021, 4390.19)
    assert base["label"] == "推算 derived: 规划基数 × 假定比率 plan baseline × assumed ratio"
    assert "实际" not in " ".join(marks["label"]) and "actual" not in " ".join(marks["label"])
    # only the rows that weighed on this target's paths, and of those only levels and bounds
    assert marks["evidence_id"].tolist() == ["", "out_2022"]


def test_the_base_point_of_a_target_in_the_plans_own_measure_is_the_plan_baseline(evidence):
    from dgforecast.present.evidence_marks import scenario_marks

    marks = scenario_marks(_result(evidence, ["out_2023_at_least"], "round", base=4621.25), _targets(""), "rev_2025")
    assert marks[["mark", "measure", "value"]].values.tolist() == [["baseline", "cluster_output", 4621.25],
                                                                  ["round_reading", "cluster_output", 5000.0]]
    assert marks["label"].iloc[0] == "规划基数 plan baseline"


def test_fan_chart_legend_holds_each_kind_of_mark_once_in_chinese_and_english(evidence):
    from dgforecast.present.evidence_marks import base_mark, evidence_marks

    marks = pd.concat([base_mark(2021, 4621.25, derived=True, measure="cluster_revenue"),
                       evidence_marks(evidence, "cluster_revenue", names=SHORT),
                       evidence_marks(evidence.assign(year=evidence["year"] + 1), "cluster_revenue", "round", SHORT)],
                      ignore_index=True)
    fig = plots.fan_chart(_fan(), threshold=5400, base=(2021, 4621.25), marks=marks, unit="亿元")
    ax = fig.axes[0]
    fan_legend, marks_legend = [c for c in ax.get_children() if isinstance(c, Legend)]
    assert marks_legend is ax.get_legend() and marks_legend.get_title().get_text() == "所见 what was seen"
    legend = [t.get_text() for t in [*fan_legend.get_texts(), *marks_legend.get_texts()]]
    expected = ["推算 derived: 规划基数 × 假定比率 plan baseline × assumed ratio",
                "营业收入公布值 published revenue",
                "总产值（非营业收入）约数（达到）及取整范围 output (not revenue), round figure ± rounding",
                "总产值（非营业收入）下限 output (not revenue), lower bound",
                "营业收入上限 revenue, upper bound",
                "营业收入下限 revenue, lower bound",
                "总产值（非营业收入）下限、不到下一整数关口 output (not revenue), round reading: below next round figure",
                "营业收入上限、高于低一档整数关口 revenue, round reading: above the round figure below"]
    assert [t for t in legend if t in expected] == expected  # each kind once, after the fan's own entries
    assert legend[:6] == ["10%–90%", "20%–80%", "30%–70%", "40%–60%", "中位数 median", "目标 target 5,400 亿元"]
    assert len(legend) == len(set(legend)) == 6 + len(expected)
    # arrows: the three bounds of the plain reading and the exact one under the round reading; the round
    # reading's two round bounds are bars one step high
    assert len([t for t in ax.texts if t.arrow_patch is not None]) == 4
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [(round(p.get_y()), round(p.get_height())) for p in bars] == [(5000, 1000), (5000, 1000)]
    assert set(ax.get_xticks()) == {2021, 2022, 2023, 2024, 2025}
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_fan_chart_spreads_marks_of_one_year_side_by_side(evidence):
    from dgforecast.present.evidence_marks import evidence_marks

    marks = evidence_marks(evidence[evidence["year"] == 2024], "cluster_revenue")
    fig = plots.fan_chart(_fan(), marks=marks)
    ticks = [line.get_xdata()[0] for line in fig.axes[0].get_lines() if line.get_marker() == "_"]
    assert ticks == pytest.approx([2024 - plots.DODGE / 2, 2024 + plots.DODGE / 2])
    plt.close(fig)


def test_fan_chart_draws_interpolated_years_hollow_on_a_dashed_line_between_published_ones():
    published = pd.Series([3904.57, 4150.0, 5008.81], index=[2018, 2020, 2021])
    filled = pd.Series([4025.6], index=[2019])
    fig = plots.fan_chart(_fan(), actuals=published, interpolated=filled, actuals_label="公布值 published")
    ax = fig.axes[0]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [list(line.get_xdata()) for line in dashed] == [[2018, 2019, 2020]]
    assert [list(line.get_ydata()) for line in dashed] == [[3904.57, 4025.6, 4150.0]]
    hollow = [c for c in ax.collections if c.get_label() == plots.INTERPOLATED_LABEL][0]
    assert hollow.get_offsets().tolist() == [[2019.0, 4025.6]] and tuple(hollow.get_facecolor()[0]) == (1, 1, 1, 1)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "公布值 published" in legend and "插值（非数据）interpolated, not data" in legend
    assert 2019 in list(ax.get_xticks())
    assert not [m for m in _render(fig) if "missing from" in m]


def test_growth_chart_draws_growth_resting_on_an_interpolated_year_as_hollow_bars():
    growth = pd.Series({"2018 年 year": 0.1771, "2019 年 year": 0.0304, "2020 年 year": 0.0304, "2021 年 year": 0.2082})
    fig = plots.growth_chart(growth, interpolated=["2019 年 year", "2020 年 year"])
    ax = fig.axes[0]
    hollow = [round(b.get_width(), 2) for b in ax.patches if tuple(b.get_facecolor()) == (1, 1, 1, 1)]
    assert hollow == [3.04, 3.04]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["插值（非数据）interpolated, not data"]
    assert plots.growth_chart(growth).axes[0].get_legend() is None  # nothing filled, no legend
    assert not [m for m in _render(fig) if "missing from" in m]

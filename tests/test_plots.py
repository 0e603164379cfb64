import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dgforecast import plots  # noqa: E402


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


def test_sweep_heatmap_draws_contours_and_break_even_line_with_chinese_labels():
    # P(met) rises with growth (columns) and falls as the revenue ratio drops (rows).
    table = pd.DataFrame([[0.1, 0.45, 0.85], [0.2, 0.6, 0.9]], index=[0.95, 1.0], columns=[0.02, 0.04, 0.06])
    line = pd.DataFrame({"growth": [0.0531, 0.0397], "revenue_to_output_ratio": [0.95, 1.0]})
    fig = plots.sweep_heatmap(table, "年均增长率 growth", "营业收入与总产值之比 ratio", "P(met) 实现概率", (0.5, 0.8), line)
    ax = fig.axes[0]
    dashed = [l for l in ax.get_lines() if l.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_xdata()) == [0.0531, 0.0397]
    assert len(ax.collections) >= 2  # the mesh and the contour set
    # the two answers are named apart: contours of P(met), the dashed line where the median meets the target
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["中位数 = 目标 median = target"]
    assert {t.get_text() for t in ax.texts} <= {"P(met) = 50%", "P(met) = 80%"} and ax.texts
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_sweep_heatmap_frame_stays_on_the_grid_when_break_even_runs_past_it():
    table = pd.DataFrame([[0.1, 0.4], [0.3, 0.7]], index=[0.9, 1.0], columns=[0.02, 0.04])
    line = pd.DataFrame({"growth": [0.07, 0.0397], "revenue_to_output_ratio": [0.9, 1.0]})
    fig = plots.sweep_heatmap(table, "x", "y", "t", (0.5,), line)
    # cells of width 0.02 centred on 0.02 and 0.04: the frame is 0.01-0.05, not out to 0.07
    assert fig.axes[0].get_xlim() == pytest.approx((0.01, 0.05))
    plt.close(fig)


def _track():
    return pd.DataFrame({"as_of": ["2022-01", "2022-11", "2025-12"], "target_id": "cluster_revenue_2025",
                         "p_met": [0.7, 0.75, 0.85], "median": [5800.0, 5850.0, 6000.0],
                         "q10": [4900.0, 5000.0, 5300.0], "q90": [6900.0, 6850.0, 6950.0],
                         "evidence_arrived": ["", "em_va_2022_ytd09", "em_out_2025_at_least;city_ratio_2024_at_most"]})


def test_track_chart_draws_steps_band_threshold_and_evidence_labels_without_missing_glyphs():
    fig = plots.track_chart(_track(), 5400, verdict_cuts=(0.9, 0.1), title="装备制造业产业集群营业收入")
    levels, p_panel = fig.axes
    median = [l for l in levels.get_lines() if l.get_label() == "中位数 median"][0]
    # One step a vintage, the last one held for three months (to 2026-03).
    assert list(median.get_ydata()) == [5800.0, 5850.0, 6000.0, 6000.0]
    assert len([l for l in levels.get_lines() if list(l.get_ydata()) == [5400, 5400]]) == 1
    labels = [t.get_text() for t in levels.texts]
    assert labels == ["em_va_2022_ytd09", "em_out_2025_at_least\ncity_ratio_2024_at_most"]
    assert [t.get_text() for t in p_panel.texts] == ["70%", "75%", "85%"]
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages


def test_track_chart_on_given_axes_puts_p_met_on_a_twin_axis():
    fig, ax = plt.subplots()
    assert plots.track_chart(_track(), 5400, ax=ax) is fig
    assert len(fig.axes) == 2 and fig.axes[1].get_ylim() == (0.0, 1.0)
    plt.close(fig)


def test_track_chart_draws_one_target_only():
    two = pd.concat([_track(), _track().assign(target_id="other")])
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
    assert "情景假设 assumed 1" in lines
    messages = _render(fig)
    assert not [m for m in messages if "missing from" in m or "Glyph" in m], messages

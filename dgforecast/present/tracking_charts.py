"""Charts of the tracking: how one target's outlook moved with each new figure (``track_chart``), and what its
final verdict hinges on (``hinge_chart``: P(met) against the revenue-to-output ratio, one line per reading)."""

import pandas as pd

from dgforecast.present.chart_setup import FAN_COLOUR, THRESHOLD_COLOUR, new_axes, use_cjk_font
from dgforecast.present.tables import arrival_numbers

#: Colours of the two readings of a round statement in the hinge chart.
READING_STYLE = {"plain": ("#1f5f9f", "字面读法 plain: 整数表述仅为下限 a round statement is a bound only"),
                 "round": ("#d35400", "整数关口读法 round figure: 亦不到下一整数关口 also below the next round figure")}


def _month_starts(months) -> pd.DatetimeIndex:
    return pd.PeriodIndex(list(months), freq="M").to_timestamp()


def _one_target(frame, what):
    ids = frame["target_id"].unique() if "target_id" in frame else []
    if len(ids) > 1:
        raise ValueError(f"{what} draws one target; pass the rows of one of {', '.join(ids)}")
    return frame


def track_chart(track_frame, threshold, ax=None, title=None, unit="", verdict_cuts=None, until=None):
    """How the outlook of one target moved with each new figure: a nowcast-style step chart.

    Top: the median and the 10–90 % band of the target's measure at its deadline, as forecast in each
    as-of month (a step holds until the next figure), the target line, and each step at which figures
    arrived, numbered as the track table lists them (``tables.arrival_numbers``: the table says what they were). Below (or on a right-hand axis when ``ax`` is given): P(met).

    Parameters
    ----------
    track_frame : DataFrame
        ``tracking.track`` rows of one target: as_of (YYYY-MM), p_met, median, q10, q90 (``unit``),
        evidence_arrived (ids joined by ";").
    threshold : float
        The target level, drawn as a horizontal line.
    ax : matplotlib Axes, optional
        Draw the levels here and P(met) on a twin axis; a new two-panel figure when omitted.
    title : str, optional
    unit : str
    verdict_cuts : (float, float), optional
        P(met) cut-offs of the final verdict (achieved, missed), drawn on the P(met) panel.
    until : str, optional
        YYYY-MM where the last step ends (default three months after the last as-of month).

    Returns
    -------
    matplotlib Figure
    """
    use_cjk_font()
    frame = _one_target(track_frame, "track_chart").sort_values("as_of")
    fig, ax, ax_p = _track_axes(ax)
    end = until or str(pd.Period(frame["as_of"].iloc[-1], freq="M") + 3)
    x = _month_starts([*frame["as_of"], end])
    _draw_outlook(ax, x, frame, threshold, unit, title)
    _draw_p_met(ax_p, x, frame, verdict_cuts)
    return fig


def _track_axes(ax):
    """(figure, levels axes, P(met) axes): a new two-panel figure, or ``ax`` with a twin axis for P(met)."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, (ax, ax_p) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, layout="constrained",
                                       gridspec_kw={"height_ratios": [3, 1.3]})
    else:
        fig, ax_p = ax.figure, ax.twinx()
    return fig, ax, ax_p


def _held(frame, column):
    """A column's values with the last repeated: the last step holds until the chart's end."""
    values = frame[column].to_numpy(dtype=float)
    return [*values, values[-1]]


def _draw_outlook(ax, x, frame, threshold, unit, title):
    """The levels panel: the median and 10–90 % band as steps, the target line, each arrival numbered."""
    ax.fill_between(x, _held(frame, "q10"), _held(frame, "q90"), step="post", color=FAN_COLOUR, alpha=0.2,
                    linewidth=0, label="10–90% 区间 band")
    ax.step(x, _held(frame, "median"), where="post", color=FAN_COLOUR, linewidth=2, label="中位数 median")
    ax.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.5,
               label=f"目标 target {threshold:,.12g} {unit}".rstrip())
    top = ax.get_ylim()[1]
    for month, number in zip(x, arrival_numbers(frame)):
        if number is not None:
            ax.axvline(month, color="grey", linestyle=":", linewidth=0.8)
            ax.annotate(str(number), (month, top), xytext=(2, -3), textcoords="offset points",
                        va="top", ha="left", fontsize=8, color="dimgrey")
    ax.set_ylabel(f"截止年水平 level at the deadline ({unit})" if unit else "截止年水平 level at the deadline")
    ax.set_title(title or "预测随证据的变化 how the outlook moved with each figure")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)


def _draw_p_met(ax_p, x, frame, verdict_cuts):
    """The P(met) panel: P(met) as steps, each step's value written at it, the verdict's cut-offs."""
    from matplotlib.ticker import PercentFormatter

    ax_p.step(x, _held(frame, "p_met"), where="post", color="black", linewidth=1.5, label="P(met) 实现概率")
    for month, p in zip(x, frame["p_met"].to_numpy(dtype=float)):
        ax_p.annotate(f"{p:.0%}", (month, p), xytext=(2, 3), textcoords="offset points", fontsize=7)
    for cut in verdict_cuts or ():
        ax_p.axhline(cut, color="grey", linestyle="--", linewidth=0.8)
    ax_p.set_ylim(0, 1)
    ax_p.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax_p.set_ylabel("P(met) 实现概率")
    ax_p.set_xlabel("证据截至月份 as of (month)")


def hinge_chart(hinge_frame, verdict_cuts=(0.9, 0.1), assumed_ratio=None, ax=None, title=None,
                ratio_label="比值 ratio"):
    """P(met) against the ratio of a linked pair of measures (the revenue-to-output ratio of plan.yaml's
    ``level_times_ratio`` measure), one line per reading of a round statement.

    Parameters
    ----------
    hinge_frame : DataFrame
        ``hinge.hinge_table`` rows of one target: reading (plain, round), revenue_to_output_ratio, p_met.
    verdict_cuts : (float, float)
        P(met) cut-offs of 已实现 and 未实现, drawn as lines between which the verdict is 无法确认.
    assumed_ratio : float, optional
        The scenario's ratio, drawn as a vertical line.
    ax : matplotlib Axes, optional
    title : str, optional
    ratio_label : str
        The x axis: the ratio in the plan's words (the target's ``ratio_zh`` and ``ratio_en``).

    Returns
    -------
    matplotlib Figure
    """
    from matplotlib.ticker import PercentFormatter

    use_cjk_font()
    frame = _one_target(hinge_frame, "hinge_chart")
    fig, ax = new_axes(ax)
    achieved, missed = verdict_cuts
    ax.axhspan(missed, achieved, color="grey", alpha=0.12, linewidth=0, label="无法确认 cannot be confirmed")
    for cut, text, where in ((achieved, "已实现 met", 0.01), (missed, "未实现 not met", 0.99)):
        ax.axhline(cut, color="grey", linestyle="--", linewidth=0.8)
        ax.annotate(text, (where, cut), xycoords=("axes fraction", "data"), xytext=(0, 3 if cut == achieved else -10),
                    textcoords="offset points", fontsize=8, color="dimgrey", ha="left" if where < 0.5 else "right")
    for reading, part in frame.groupby("reading", sort=False):
        colour, label = READING_STYLE.get(reading, ("black", str(reading)))
        part = part.sort_values("revenue_to_output_ratio")
        ax.plot(part["revenue_to_output_ratio"], part["p_met"], color=colour, linewidth=2, marker="o",
                markersize=3, label=label)
    if assumed_ratio is not None:
        ax.axvline(assumed_ratio, color="black", linestyle=":", linewidth=1,
                   label=f"情景假设的中心 assumed centre {assumed_ratio:.2f}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(ratio_label)
    ax.set_ylabel("P(met) 实现概率")
    ax.set_title(title or "终期评估取决于什么 what the verdict hinges on")
    ax.legend(loc="center right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig

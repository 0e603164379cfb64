"""Charts of simulated paths and growth rates, with Chinese labels that render on a fresh machine.

The CJK font is the Noto Sans CJK SC file shipped inside the ``mplfonts`` package. It is
registered with matplotlib in memory (``fontManager.addfont``); nothing is written into the
install location or into matplotlib's font cache folder.
"""

import logging
import math
from pathlib import Path

import matplotlib
import pandas as pd

from dgforecast.present.tables import arrival_numbers

log = logging.getLogger(__name__)

#: The font file ``mplfonts`` ships, and the family name it registers under.
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
CJK_FAMILY = "Noto Sans CJK SC"

#: Bands of the fan chart: (lower decile, upper decile, opacity), outermost first.
FAN_BANDS = ((0.1, 0.9, 0.18), (0.2, 0.8, 0.22), (0.3, 0.7, 0.26), (0.4, 0.6, 0.30))
FAN_COLOUR = "#1f5f9f"
THRESHOLD_COLOUR = "#c0392b"


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font shipped by ``mplfonts``."""
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / CJK_FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: the mplfonts package lacks {CJK_FONT_FILE}; reinstall mplfonts")
    return path


def use_cjk_font() -> str:
    """Register the CJK font in memory and make it matplotlib's first sans-serif family.

    Safe to call many times. Changes ``matplotlib.rcParams`` (font list, minus sign) for the
    running process only.

    Returns
    -------
    str
        The family name now used for text (``"Noto Sans CJK SC"``).
    """
    from matplotlib import font_manager

    if CJK_FAMILY not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(cjk_font_path()))
        log.info("registered %s from mplfonts", CJK_FAMILY)
    rc = matplotlib.rcParams
    rc["font.family"] = "sans-serif"
    rc["font.sans-serif"] = [CJK_FAMILY] + [f for f in rc["font.sans-serif"] if f != CJK_FAMILY]
    # The font's own hyphen-minus avoids a glyph lookup for U+2212 in tick labels.
    rc["axes.unicode_minus"] = False
    return CJK_FAMILY


def _axes(ax, figsize=(8, 4.5)):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize, layout="constrained")


def _quantile_columns(fan) -> pd.DataFrame:
    """The fan with float quantile columns and an integer year index, whichever way it came."""
    frame = fan.copy()
    if all(0 <= float(i) <= 1 for i in frame.index) and not all(0 <= float(c) <= 1 for c in frame.columns):
        frame = frame.T
    frame.columns = [round(float(c), 6) for c in frame.columns]
    frame.index = frame.index.astype(int)
    return frame.sort_index()


def fan_chart(fan, threshold=None, actuals=None, base=None, ax=None, title=None,
              unit="亿元", threshold_label=None, marks=None, actuals_label="实际 actual", interpolated=None):
    """Fan chart of simulated deciles by year, with the target line, actual points and the evidence.

    Parameters
    ----------
    fan : DataFrame
        Quantiles of the simulated level by year: index years, columns quantiles (0.1 ... 0.9,
        0.5 required); the transpose is accepted too. Values in ``unit``.
    threshold : float, optional
        The target level (for example 5400 亿元), drawn as a horizontal line.
    actuals : Series, optional
        Year-indexed actual levels in ``unit``, drawn as points.
    base : tuple (year, level), optional
        The starting point all paths share; the fan is drawn from it.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    title : str, optional
    unit : str
        Unit shown on the y axis.
    threshold_label : str, optional
        Legend text of the target line.
    marks : DataFrame, optional
        What was seen (``evidence_marks.scenario_marks`` / ``evidence_marks.evidence_marks``): published
        levels as points, bounds as arrows or bars, the base point as derived or the plan's figure;
        one legend entry per kind of mark.
    actuals_label : str
        Legend text of the ``actuals`` points.
    interpolated : Series, optional
        Year-indexed values filled in for years without a figure (``forecast.fill_gaps``): not data, so
        drawn as hollow points on a dashed line to the ``actuals`` either side, with a legend entry.

    Returns
    -------
    matplotlib Figure
    """
    use_cjk_font()
    frame = _quantile_columns(fan)
    if 0.5 not in frame.columns:
        raise ValueError(f"fan needs a 0.5 (median) column, got {list(frame.columns)}")
    if base is not None:
        start = pd.DataFrame({q: [float(base[1])] for q in frame.columns}, index=[int(base[0])])
        frame = pd.concat([start, frame[~frame.index.isin([int(base[0])])]]).sort_index()
    fig, ax = _axes(ax)
    years = frame.index.to_numpy()
    for low, high, alpha in FAN_BANDS:
        if low in frame.columns and high in frame.columns:
            ax.fill_between(years, frame[low], frame[high], color=FAN_COLOUR, alpha=alpha, linewidth=0,
                            label=f"{low:.0%}–{high:.0%}")
    ax.plot(years, frame[0.5], color=FAN_COLOUR, linewidth=2, label="中位数 median")
    if threshold is not None and math.isfinite(threshold):
        ax.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.5,
                   label=threshold_label or f"目标 target {threshold:,.0f} {unit}")
    ticks = set(years.tolist())
    if actuals is not None and len(actuals):
        ax.scatter(actuals.index.astype(int), actuals.to_numpy(dtype=float), color="black", zorder=5,
                   label=actuals_label)
        ticks |= set(actuals.index.astype(int).tolist())
    if interpolated is not None and len(interpolated):
        _interpolated(ax, interpolated, actuals)
        ticks |= set(interpolated.index.astype(int).tolist())
    drawn = {}
    if marks is not None and len(marks):
        drawn = draw_marks(ax, marks)
        ticks |= set(marks["year"].astype(int).tolist())
    ax.set_xticks(sorted(ticks))
    ax.set_xlabel("年份 year")
    ax.set_ylabel(unit)
    ax.set_title(title or "模拟路径分位数 simulated deciles")
    _fan_legend(ax, drawn)
    ax.grid(axis="y", alpha=0.3)
    return fig


#: Legend text of values filled in for years without a figure.
INTERPOLATED_LABEL = "插值（非数据）interpolated, not data"
INTERPOLATED_COLOUR = "#7f7f7f"


def _interpolated(ax, filled, actuals=None):
    """Hollow points at the filled years, and a dashed line through each run of them from the published
    figure before to the one after (where ``actuals`` has them)."""
    filled = filled.astype(float).copy()
    filled.index = filled.index.astype(int)
    known = pd.Series(dtype=float) if actuals is None else actuals.astype(float).set_axis(actuals.index.astype(int))
    runs = (pd.Series(filled.index, index=filled.index).diff() != 1).cumsum()
    for _, run in filled.groupby(runs.to_numpy()):
        before, after = known[known.index < run.index[0]], known[known.index > run.index[-1]]
        line = pd.concat([before.iloc[-1:], run, after.iloc[:1]])
        ax.plot(line.index, line.to_numpy(), linestyle="--", color=INTERPOLATED_COLOUR, linewidth=1.2, zorder=4)
    ax.scatter(filled.index, filled.to_numpy(), facecolor="white", edgecolor=INTERPOLATED_COLOUR, linewidth=1.5,
               s=36, zorder=6, label=INTERPOLATED_LABEL)


#: Colours of the marks' measures in the order they appear (the chart's own first: its base point comes
#: first), so a 总产值 figure never looks like a 营业收入 one; derived: grey.
MEASURE_COLOURS = ("black", "#a0522d", "#2f6db0", "#6a3d9a")
DERIVED_COLOUR = "#8c8c8c"
#: Length of a bound's arrow (points) and the horizontal space between marks of one year (years).
ARROW_POINTS, DODGE = 26, 0.14


def _dodged(marks):
    """x of each mark: its year, spread by ``DODGE`` when several marks share a year."""
    x = marks["year"].astype(float).copy()
    for _, same in marks.groupby("year"):
        x[same.index] += (pd.RangeIndex(len(same)) - (len(same) - 1) / 2).to_numpy() * DODGE
    return x


def _bound(ax, x, value, colour, label, up):
    """A bound: a tick at the value and an arrow from it, up (at least) or down (at most)."""
    from matplotlib.lines import Line2D

    ax.plot([x], [value], marker="_", markersize=14, markeredgewidth=2.2, color=colour, zorder=6)
    # the path runs from the text end (ARROW_POINTS away) to the value; "<|-" puts the head at the far end
    ax.annotate("", xy=(x, value), xytext=(0, ARROW_POINTS if up else -ARROW_POINTS), textcoords="offset points",
                arrowprops={"arrowstyle": "<|-", "color": colour, "lw": 1.8, "shrinkA": 0, "shrinkB": 0}, zorder=6)
    # annotate draws no legend entry: a line without data stands for the arrow in the legend
    return Line2D([], [], linestyle="none", marker=r"$\uparrow$" if up else r"$\downarrow$", markersize=11,
                  color=colour, label=label)


def draw_marks(ax, marks) -> dict:
    """Draw a marks table (``evidence_marks.MARK_COLUMNS``) on ``ax``.

    Returns
    -------
    dict
        Legend label -> the artist that stands for it, in the order of ``marks`` (one per label).
    """
    marks = marks.reset_index(drop=True)
    x, handles = _dodged(marks), {}
    order = list(dict.fromkeys(marks["measure"]))
    for i, m in enumerate(marks.itertuples()):
        colour = DERIVED_COLOUR if m.mark == "derived" else MEASURE_COLOURS[order.index(m.measure) % len(MEASURE_COLOURS)]
        if m.mark in ("exact", "baseline"):
            handle = ax.scatter([x[i]], [m.value], color=colour, s=36, zorder=7, label=m.label)
        elif m.mark == "derived":
            handle = ax.scatter([x[i]], [m.value], marker="D", facecolor=colour, edgecolor="black", s=40, zorder=7,
                                label=m.label)
        elif m.mark == "round":
            handle = ax.errorbar([x[i]], [m.value], yerr=[[m.value - m.low], [m.high - m.value]], fmt="o",
                                 markersize=7, markerfacecolor="white", markeredgecolor=colour, markeredgewidth=1.6,
                                 ecolor=colour, elinewidth=1.4, capsize=4, zorder=7, label=m.label)
        elif m.mark in ("at_least", "at_most"):
            handle = _bound(ax, x[i], m.value, colour, m.label, up=m.mark == "at_least")
        elif m.mark == "round_reading":
            handle = ax.bar([x[i]], [m.high - m.low], bottom=m.low, width=DODGE, color=colour, alpha=0.3,
                            edgecolor=colour, linewidth=1.2, zorder=6, label=m.label)
            ax.plot([x[i]], [m.value], marker="_", markersize=14, markeredgewidth=2.2, color=colour, zorder=7)
        else:
            raise ValueError(f"unknown mark {m.mark!r} ({m.evidence_id})")
        handles.setdefault(m.label, handle)
    return handles


def _fan_legend(ax, marks=None):
    """The fan's legend in the axes' upper left, as without evidence; the marks' (``marks``: label ->
    artist, one per kind) in one column under the axes, where a long label neither covers the fan
    nor squeezes the chart."""
    fan = {}
    for handle, label in zip(*ax.get_legend_handles_labels()):
        if label not in (marks or {}):
            fan.setdefault(label, handle)
    own = ax.legend(list(fan.values()), list(fan), loc="upper left", fontsize=8, ncol=2)
    if marks:
        ax.add_artist(own)   # a second ax.legend would replace the first
        ax.legend(list(marks.values()), list(marks), loc="upper left", bbox_to_anchor=(0.0, -0.12), fontsize=8,
                  ncol=1, frameon=False, title="所见 what was seen", title_fontsize=8, alignment="left")


def growth_chart(growth, ax=None, title=None, interpolated=()):
    """Horizontal bars comparing growth rates (required vs historical vs model).

    Parameters
    ----------
    growth : Series
        Growth rates as fractions per year (0.0397 = 3.97 %/yr), indexed by a label for each
        bar. NaN rates are left out and listed in the title's footnote instead.
    ax : matplotlib Axes, optional
    title : str, optional
    interpolated : sequence of labels
        Bars whose rate rests on an interpolated level (a year ``forecast.fill_gaps`` filled, or the
        year after it): drawn hollow with a dashed edge, with a legend entry, as they are not data.

    Returns
    -------
    matplotlib Figure
    """
    use_cjk_font()
    known = growth.dropna().astype(float)
    fig, ax = _axes(ax, figsize=(8, 0.5 * max(len(known), 2) + 1.2))
    labels = [str(i) for i in known.index]
    filled = {str(i) for i in interpolated}
    bars = ax.barh(labels, known.to_numpy() * 100, color=FAN_COLOUR, alpha=0.8)
    for bar, label in zip(bars, labels):
        if label in filled:
            bar.set(facecolor="white", edgecolor=INTERPOLATED_COLOUR, linestyle="--", linewidth=1.5, alpha=1.0)
    if filled & set(labels):
        handles = [b for b, label in zip(bars, labels) if label in filled][:1]
        ax.legend(handles, [INTERPOLATED_LABEL], loc="best", fontsize=8)
    for y, value in enumerate(known.to_numpy()):
        ax.annotate(f"{value:.2%}", (value * 100, y), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("年均增长 growth per year (%)")
    missing = [str(i) for i in growth.index[growth.isna()]]
    heading = title or "所需增速与历史、模型增速 required vs historical vs model growth"
    ax.set_title(heading + (f"\n(无数据 no figure: {', '.join(missing)})" if missing else ""), fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def sweep_heatmap(table, x_label, y_label, title, contours=(0.5, 0.8), break_even=None, ax=None):
    """Heat map of P(met) over two swept assumptions, with P(met) contours and the median = target line.

    Parameters
    ----------
    table : DataFrame
        P(met) (0-1) with the y-axis values as index and the x-axis values as columns
        (``sweep.p_met_matrix``).
    x_label, y_label, title : str
        Axis labels (with units) and title; Chinese text renders with the CJK font.
    contours : sequence of float
        Probabilities drawn as contour lines labelled "P(met) = 50%" (default 50 % and 80 %); the
        values along them are ``sweep.results.p_met_crossings``.
    break_even : DataFrame, optional
        Two columns, x then y: where the median path just reaches the threshold, "median = target"
        (``sweep.break_even``); not the same line as P(met) = 50 %.

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_cjk_font()
    fig, ax = _axes(ax, figsize=(8, 5.5))
    xs, ys = table.columns.to_numpy(dtype=float), table.index.to_numpy(dtype=float)
    p = table.to_numpy(dtype=float)
    mesh = ax.pcolormesh(xs, ys, p, shading="nearest", cmap="RdYlGn", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label="P(met) 实现概率")
    if len(xs) > 1 and len(ys) > 1:
        drawn = ax.contour(xs, ys, p, levels=sorted(contours), colors="black", linewidths=1.2)
        ax.clabel(drawn, fmt=lambda v: f"P(met) = {v:.0%}")
    if break_even is not None and len(break_even):
        limits = ax.get_xlim(), ax.get_ylim()  # the line may run past the grid; the map sets the frame
        ax.plot(break_even.iloc[:, 0], break_even.iloc[:, 1], "k--", linewidth=1.5,
                label="中位数 = 目标 median = target")
        ax.set_xlim(limits[0])
        ax.set_ylim(limits[1])
        ax.legend(loc="lower right")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    return fig


#: Colours of the two readings of a round statement in the hinge chart.
READING_STYLE = {"plain": ("#1f5f9f", "字面读法 plain: 突破 = 下限 lower bound"),
                 "round": ("#d35400", "整数关口读法 round figure: 突破 = 不到下一整数关口 below the next round figure")}


def _month_starts(months) -> pd.DatetimeIndex:
    return pd.PeriodIndex(list(months), freq="M").to_timestamp()


def _one_target(frame, what):
    ids = frame["target_id"].unique() if "target_id" in frame else []
    if len(ids) > 1:
        raise ValueError(f"{what} draws one target; pass the rows of one of {', '.join(ids)}")
    return frame


def track_chart(track_frame, threshold, ax=None, title=None, unit="亿元", verdict_cuts=None, until=None):
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
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    use_cjk_font()
    frame = _one_target(track_frame, "track_chart").sort_values("as_of")
    if ax is None:
        fig, (ax, ax_p) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, layout="constrained",
                                       gridspec_kw={"height_ratios": [3, 1.3]})
    else:
        fig, ax_p = ax.figure, ax.twinx()
    end = until or str(pd.Period(frame["as_of"].iloc[-1], freq="M") + 3)
    x = _month_starts([*frame["as_of"], end])

    def extended(column):
        values = frame[column].to_numpy(dtype=float)
        return [*values, values[-1]]

    ax.fill_between(x, extended("q10"), extended("q90"), step="post", color=FAN_COLOUR, alpha=0.2, linewidth=0,
                    label="10–90% 区间 band")
    ax.step(x, extended("median"), where="post", color=FAN_COLOUR, linewidth=2, label="中位数 median")
    ax.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.5,
               label=f"目标 target {threshold:,.0f} {unit}")
    top = ax.get_ylim()[1]
    for month, number in zip(x, arrival_numbers(frame)):
        if number is not None:
            ax.axvline(month, color="grey", linestyle=":", linewidth=0.8)
            ax.annotate(str(number), (month, top), xytext=(2, -3), textcoords="offset points",
                        va="top", ha="left", fontsize=8, color="dimgrey")
    ax.set_ylabel(f"截止年水平 level at the deadline ({unit})")
    ax.set_title(title or "预测随证据的变化 how the outlook moved with each figure")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax_p.step(x, extended("p_met"), where="post", color="black", linewidth=1.5, label="P(met) 实现概率")
    for month, p in zip(x, frame["p_met"].to_numpy(dtype=float)):
        ax_p.annotate(f"{p:.0%}", (month, p), xytext=(2, 3), textcoords="offset points", fontsize=7)
    for cut in verdict_cuts or ():
        ax_p.axhline(cut, color="grey", linestyle="--", linewidth=0.8)
    ax_p.set_ylim(0, 1)
    ax_p.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax_p.set_ylabel("P(met) 实现概率")
    ax_p.set_xlabel("证据截至月份 as of (month)")
    return fig


def hinge_chart(hinge_frame, verdict_cuts=(0.9, 0.1), assumed_ratio=None, ax=None, title=None):
    """P(met) against the revenue-to-output ratio, one line per reading of a round statement.

    Parameters
    ----------
    hinge_frame : DataFrame
        ``tracking.hinge_table`` rows of one target: reading (plain, round), revenue_to_output_ratio, p_met.
    verdict_cuts : (float, float)
        P(met) cut-offs of 已实现 and 未实现, drawn as lines between which the verdict is 无法确认.
    assumed_ratio : float, optional
        The scenario's ratio, drawn as a vertical line.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Figure
    """
    from matplotlib.ticker import PercentFormatter

    use_cjk_font()
    frame = _one_target(hinge_frame, "hinge_chart")
    fig, ax = _axes(ax)
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
                   label=f"情景假设 assumed {assumed_ratio:g}")
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("营业收入 / 总产值 revenue-to-output ratio")
    ax.set_ylabel("P(met) 实现概率")
    ax.set_title(title or "终期评估取决于什么 what the verdict hinges on")
    ax.legend(loc="center right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig

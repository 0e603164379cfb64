"""Charts of one scenario: the fan of its simulated paths (with the target, the figures seen and the evidence
marks), growth rates side by side, and the sweep's heat map of P(met) over two assumptions."""

import math

import pandas as pd

from dgforecast.present.chart_marks import draw_marks
from dgforecast.present.chart_setup import (
    FAN_COLOUR,
    INTERPOLATED_COLOUR,
    INTERPOLATED_LABEL,
    THRESHOLD_COLOUR,
    new_axes,
    use_cjk_font,
)

#: Width of the break-even contour (P(met) = 50 %) of the sweep's heat map; other contours are 1.
BREAK_EVEN_WIDTH = 2.2
#: Bands of the fan chart: (lower decile, upper decile, opacity), outermost first.
FAN_BANDS = ((0.1, 0.9, 0.18), (0.2, 0.8, 0.22), (0.3, 0.7, 0.26), (0.4, 0.6, 0.30))


def _quantile_columns(fan) -> pd.DataFrame:
    """The fan with float quantile columns and an integer year index, whichever way it came."""
    frame = fan.copy()
    if all(0 <= float(i) <= 1 for i in frame.index) and not all(0 <= float(c) <= 1 for c in frame.columns):
        frame = frame.T
    frame.columns = [round(float(c), 6) for c in frame.columns]
    frame.index = frame.index.astype(int)
    return frame.sort_index()


def fan_chart(fan, threshold=None, actuals=None, base=None, ax=None, title=None,
              unit="", threshold_label=None, marks=None, actuals_label="实际 actual", interpolated=None):
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
        The target's unit (plan_targets.csv), shown on the y axis and with the target line.
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
    frame = fan_frame(fan, base)
    fig, ax = new_axes(ax)
    _draw_fan(ax, frame, threshold, unit, threshold_label)
    seen, drawn = _draw_seen(ax, actuals, actuals_label, interpolated, marks)
    ax.set_xticks(sorted(set(frame.index.tolist()) | seen))
    ax.set_xlabel("年份 year")
    ax.set_ylabel(unit)
    ax.set_title(title or "模拟路径分位数 simulated deciles")
    _fan_legend(ax, drawn)
    ax.grid(axis="y", alpha=0.3)
    return fig


def fan_frame(fan, base=None) -> pd.DataFrame:
    """The fan's quantiles by year (``_quantile_columns``), drawn from ``base`` (year, level) when given."""
    frame = _quantile_columns(fan)
    if 0.5 not in frame.columns:
        raise ValueError(f"fan needs a 0.5 (median) column, got {list(frame.columns)}")
    if base is not None:
        start = pd.DataFrame({q: [float(base[1])] for q in frame.columns}, index=[int(base[0])])
        frame = pd.concat([start, frame[~frame.index.isin([int(base[0])])]]).sort_index()
    return frame


#: Ids (``Artist.get_gid``) of what a slider of the what-if moves: each band ("fan-band:0.1:0.9"), the median;
#: the base point is ``chart_marks.BASE_MARK_GID``. ``whatif_chart`` moves them and redraws nothing else.
BAND_GID, MEDIAN_GID = "fan-band", "fan-median"


def _draw_fan(ax, frame, threshold, unit, threshold_label):
    """The fan itself: its decile bands, the median line and the target line (when there is a target)."""
    years = frame.index.to_numpy()
    for low, high, alpha in FAN_BANDS:
        if low in frame.columns and high in frame.columns:
            ax.fill_between(years, frame[low], frame[high], color=FAN_COLOUR, alpha=alpha, linewidth=0,
                            label=f"{low:.0%}–{high:.0%}", gid=f"{BAND_GID}:{low}:{high}")
    ax.plot(years, frame[0.5], color=FAN_COLOUR, linewidth=2, label="中位数 median", gid=MEDIAN_GID)
    if threshold is not None and math.isfinite(threshold):
        ax.axhline(threshold, color=THRESHOLD_COLOUR, linestyle="--", linewidth=1.5,
                   label=threshold_label or f"目标 target {threshold:,.12g} {unit}".rstrip())


def _draw_seen(ax, actuals, actuals_label, interpolated, marks) -> tuple[set, dict]:
    """What was seen, over the fan: the actual points, the interpolated years, the evidence marks.

    Returns the years they fall in (each gets a tick) and the marks' legend entries (``draw_marks``).
    """
    years, drawn = set(), {}
    if actuals is not None and len(actuals):
        ax.scatter(actuals.index.astype(int), actuals.to_numpy(dtype=float), color="black", zorder=5,
                   label=actuals_label)
        years |= set(actuals.index.astype(int).tolist())
    if interpolated is not None and len(interpolated):
        _interpolated(ax, interpolated, actuals)
        years |= set(interpolated.index.astype(int).tolist())
    if marks is not None and len(marks):
        drawn = draw_marks(ax, marks)
        years |= set(marks["year"].astype(int).tolist())
    return years, drawn


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
    fig, ax = new_axes(ax, figsize=(8, 0.5 * max(len(known), 2) + 1.2))
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


def sweep_heatmap(table, x_label, y_label, title, contours=(0.5, 0.8), ax=None):
    """Heat map of P(met) over two swept assumptions, with P(met) contours; 50 % is the break-even.

    Parameters
    ----------
    table : DataFrame
        P(met) (0-1) with the y-axis values as index and the x-axis values as columns
        (``sweep.p_met_matrix``).
    x_label, y_label, title : str
        Axis labels (with units) and title; Chinese text renders with the CJK font.
    contours : sequence of float
        Probabilities drawn as contour lines labelled "P(met) = 50%" (default 50 % and 80 %); the
        values along them are ``sweep.p_met_crossings``. The 50 % line is the sweep's one break-even
        (``sweep.answer``), labelled so.

    Returns
    -------
    matplotlib.figure.Figure
    """
    use_cjk_font()
    fig, ax = new_axes(ax, figsize=(8, 5.5))
    xs, ys = table.columns.to_numpy(dtype=float), table.index.to_numpy(dtype=float)
    p = table.to_numpy(dtype=float)
    mesh = ax.pcolormesh(xs, ys, p, shading="nearest", cmap="RdYlGn", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label="P(met) 实现概率")
    if len(xs) > 1 and len(ys) > 1:
        levels = sorted(contours)
        widths = [BREAK_EVEN_WIDTH if abs(v - 0.5) < 1e-9 else 1.0 for v in levels]
        drawn = ax.contour(xs, ys, p, levels=levels, colors="black", linewidths=widths)
        ax.clabel(drawn, fmt=lambda v: f"P(met) = {v:.0%}")
        if any(abs(v - 0.5) < 1e-9 for v in levels):
            from matplotlib.lines import Line2D

            ax.legend([Line2D([], [], color="black", linewidth=BREAK_EVEN_WIDTH)],
                      ["P(met) = 50%：临界点 break-even"], loc="lower right", fontsize=8)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    return fig

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
              unit="亿元", threshold_label=None):
    """Fan chart of simulated deciles by year, with the target line and actual points.

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
                   label="实际 actual")
        ticks |= set(actuals.index.astype(int).tolist())
    ax.set_xticks(sorted(ticks))
    ax.set_xlabel("年份 year")
    ax.set_ylabel(unit)
    ax.set_title(title or "模拟路径分位数 simulated deciles")
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    return fig


def growth_chart(growth, ax=None, title=None):
    """Horizontal bars comparing growth rates (required vs historical vs model).

    Parameters
    ----------
    growth : Series
        Growth rates as fractions per year (0.0397 = 3.97 %/yr), indexed by a label for each
        bar. NaN rates are left out and listed in the title's footnote instead.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Figure
    """
    use_cjk_font()
    known = growth.dropna().astype(float)
    fig, ax = _axes(ax, figsize=(8, 0.5 * max(len(known), 2) + 1.2))
    labels = [str(i) for i in known.index]
    ax.barh(labels, known.to_numpy() * 100, color=FAN_COLOUR, alpha=0.8)
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
    """Heat map of P(met) over two swept assumptions, with probability contours and break-even line.

    Parameters
    ----------
    table : DataFrame
        P(met) (0-1) with the y-axis values as index and the x-axis values as columns
        (``sweep.p_met_matrix``).
    x_label, y_label, title : str
        Axis labels (with units) and title; Chinese text renders with the CJK font.
    contours : sequence of float
        Probabilities drawn as labelled contour lines (default 50 % and 80 %).
    break_even : DataFrame, optional
        Two columns, x then y: where the median path just reaches the threshold (``sweep.break_even``).

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
        ax.clabel(drawn, fmt=lambda v: f"{v:.0%}")
    if break_even is not None and len(break_even):
        limits = ax.get_xlim(), ax.get_ylim()  # the line may run past the grid; the map sets the frame
        ax.plot(break_even.iloc[:, 0], break_even.iloc[:, 1], "k--", linewidth=1.5,
                label="盈亏平衡 break-even (median = target)")
        ax.set_xlim(limits[0])
        ax.set_ylim(limits[1])
        ax.legend(loc="lower right")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    return fig

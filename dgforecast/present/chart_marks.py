"""What was seen, drawn on a chart: published levels as points, bounds as arrows or bars, round figures with
their rounding span, the base point as derived or the plan's figure.

The marks come as a table (``evidence_marks.MARK_COLUMNS``, built by ``evidence_marks``); ``draw_marks`` puts
them on the axes of a chart (the fan chart's) and hands back one legend entry per kind of mark.
"""

import pandas as pd

#: Colours of the marks' measures in the order they appear (the chart's own first: its base point comes
#: first), so a 总产值 figure never looks like a 营业收入 one; derived: grey.
MEASURE_COLOURS = ("black", "#a0522d", "#2f6db0", "#6a3d9a")
DERIVED_COLOUR = "#8c8c8c"
#: Length of a bound's arrow (points) and the horizontal space between marks of one year (years).
ARROW_POINTS, DODGE = 26, 0.14
#: The id (``Artist.get_gid``) of the base point's mark, the one mark a what-if slider moves (the ratio's).
BASE_MARK_GID = "base-mark"


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
        if m.mark in ("derived", "baseline"):
            handle.set_gid(BASE_MARK_GID)
        handles.setdefault(m.label, handle)
    return handles


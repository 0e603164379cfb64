"""Plausibility beyond one cell: a figure against the figures beside it, where a slipped digit hides.

A cell check sees 39045.7 as a fine positive number; only its neighbours (3316.97 the year before,
4145.7 two years after) show it is 3904.57 typed with the point one place late. These checks hold each
figure against others the workbook already has, with bounds that come from the data and say so in the
message, as the evidence levels' check (``evidence.PLAUSIBLE_YEARLY``) does:

* a published level series against its neighbouring years: no jump faster than the fastest growth the
  same data states (``check_level_jumps``);
* a growth row of evidence.csv against its measure's other growth rows (``check_growth_in_line``);
* the ratio a pair of figures implies (the city's revenue over its output) against the ratios a
  revenue-to-output ratio may take (``check_pairs``);
* a growth under 1 % written where a percentage is meant (0.085 for 8.5 %): ``unit_slips`` lists them,
  and the run layer refuses one that would move a verdict (``run.unit_slips``).

A row whose ``source_phrase`` shows the figure as published, with its % sign (增长32%), says the figure
is meant: the growth checks let it through (``quotes``).
"""

import logging
import math
import re

from dgforecast.core.csvfile import labelled_rows, line_label
from dgforecast.core.errors import DataError

log = logging.getLogger(__name__)

#: How far outside the range of its measure's other growth rows a growth row may lie, at least (points
#: of %): the widest range of one measure's growth rows in the shipped evidence.csv, the city's 规上工业增加值
#: growth from -6.6 % (January-May 2023) to +9.8 % (January-July 2024). Wider when the other rows spread
#: wider; a row further out is refused unless its source_phrase quotes it.
GROWTH_SWING = 16.4
#: A level series may move at least this fast a year between neighbouring figures, whatever its file states
#: (the evidence levels' bound, ``evidence.PLAUSIBLE_YEARLY``).
LEAST_YEARLY_JUMP = 0.5
#: A percentage as a source phrase writes it: 8.5%, 8。5%, 8.5 ％ (the number before the sign).
PERCENT = re.compile(r"(?<![\d.。．])(\d+(?:[.。．]\d+)?)\s*[%％]")


def quotes(phrase, value) -> bool:
    """Whether ``phrase`` shows ``value`` (its size; 下降1.3% is -1.3) as a percentage: 增长8.5% quotes 8.5."""
    for number in PERCENT.findall(phrase or ""):
        if math.isclose(float(re.sub("[。．]", ".", number)), abs(value), rel_tol=1e-9, abs_tol=1e-12):
            return True
    return False


def _lines(indexes) -> str:
    return ("line " if len(indexes) == 1 else "lines ") + ", ".join(str(i + 2) for i in indexes)


def _guess(value, low, high) -> str:
    # The figure with its point moved one place, when that would fit: the likeliest slip.
    for other in (value / 10, value * 10):
        if low <= other <= high:
            return f" ({other:g}?)"
    return ""


# ---------------------------------------------------------------- evidence.csv
def check_growth_in_line(path, frame) -> None:
    """Refuse a growth row of evidence.csv far outside its measure's other growth rows (32 for 3.2).

    A row may lie outside the range of the measure's other growth rows by at most that range's width, or
    ``GROWTH_SWING`` points when they spread less; a row whose source_phrase quotes it passes.

    Raises
    ------
    DataError
        Naming the row's line and column, the other rows, the bound and where it comes from.
    """
    growth = frame[frame["kind"] == "growth"]
    for measure, rows in growth.groupby("measure", sort=False):
        for i, row in labelled_rows(rows):
            others = rows.drop(index=i)
            if others.empty or quotes(row["source_phrase"], row["value"]):
                continue
            lo, hi = float(others["value"].min()), float(others["value"].max())
            width = max(hi - lo, GROWTH_SWING)
            if lo - width <= row["value"] <= hi + width:
                continue
            guess = _guess(row["value"], lo - width, hi + width)
            raise DataError(path, f"{line_label(i)}, column value",
                            f"{measure} growth {row['value']:g} % is out of line with its other growth rows "
                            f"({lo:g} to {hi:g} %, {_lines(others.index)}): a row may lie at most {width:g} points "
                            f"outside them (their spread, or {GROWTH_SWING:g} if less: the widest spread of one "
                            f"measure's growth in the shipped evidence); check the digits{guess}, or if "
                            f"{row['value']:g} % is right quote it as published ({row['value']:g}%) in source_phrase")


#: Pairs of measures' roles whose figures of one year imply a revenue-to-output ratio: (numerator, denominator).
RATIO_PAIRS = (("related_numerator", "related_denominator"), ("level_times_ratio", "level"))


def check_pairs(path, frame, ratio_range) -> None:
    """Refuse two figures of one year and period whose ratio no revenue-to-output ratio takes (276915 for
    27691.5 over 25000: 11). ``ratio_range``: the ratios allowed (the scenario parameter's range)."""
    levels = frame[frame["kind"].isin(["level", "at_least", "at_most"])]
    for top_role, bottom_role in RATIO_PAIRS:
        tops, bottoms = levels[levels["role"] == top_role], levels[levels["role"] == bottom_role]
        for i, top in labelled_rows(tops):
            same = bottoms[(bottoms["year"] == top["year"]) & (bottoms["period"] == top["period"])
                           & (bottoms.index.map(lambda j: _path_of(frame, j)) == _path_of(frame, i))]
            for j, bottom in labelled_rows(same):
                ratio = top["value"] / bottom["value"]
                if ratio_range[0] <= ratio <= ratio_range[1]:
                    continue
                later = max(i, j)
                raise DataError(path, f"{line_label(later)}, column value",
                                f"{top['measure']} {top['year']} = {top['value']:g} (line {i + 2}) over "
                                f"{bottom['measure']} {bottom['year']} = {bottom['value']:g} (line {j + 2}) is a "
                                f"ratio of {ratio:.2f}, outside {ratio_range[0]:g}..{ratio_range[1]:g} (the "
                                "revenue-to-output ratios a scenario may assume); check the digits and the unit "
                                "of both")


def _path_of(frame, index) -> str:
    # the path a row bears on: its own measure for a path (role level), else the one it names
    row = frame.loc[index]
    return row["path"] or row["measure"]


def unit_slips(frame) -> list:
    """The growth rows under 1 % in size (0.085) whose source_phrase does not quote them: a fraction written
    where a percentage is meant (0.085 for 8.5 %) reads as a growth a hundred times smaller. Indexes."""
    growth = frame[(frame["kind"] == "growth") & (frame["value"].abs() < 1) & (frame["value"] != 0)]
    return [i for i, row in labelled_rows(growth) if not quotes(row["source_phrase"], row["value"])]


def warn_unit_slips(path, frame) -> None:
    """Log each of ``unit_slips`` of an evidence table (``frame``; None: none) as a warning: ``dgforecast data``
    shows them so; a command that assesses weighs them instead (``run.unit_slips``)."""
    for i in [] if frame is None else unit_slips(frame):
        value = frame.loc[i, "value"]
        log.warning("%s: %s, column value: growth %g read as %g %% (write %g for %g %%, or quote %g%% in "
                    "source_phrase if it is meant)", path, line_label(i), value, value, value * 100, value * 100,
                    abs(value))


# ---------------------------------------------------------------- published history
def fastest_growth(frames) -> tuple:
    """(growth a year as a fraction, where it is stated) that level series may move by between neighbours:
    the fastest yearly growth any ``yoy_pct`` row of ``frames`` states, and at least ``LEAST_YEARLY_JUMP``.

    ``frames``: (path, DataFrame) pairs of published-figure files (history columns, values as numbers).
    """
    best, where = LEAST_YEARLY_JUMP, "the bound of the evidence levels (the data states no faster growth)"
    for path, frame in frames:
        growth = frame[frame["basis"] == "yoy_pct"]
        if len(growth) and growth["value"].max() / 100 > best:
            i = growth["value"].idxmax()
            best = float(growth.loc[i, "value"]) / 100
            where = (f"the fastest growth this data states ({growth.loc[i, 'series_id']} {growth.loc[i, 'year']}, "
                     f"{path.name} {line_label(i)})")
    return best, where


def check_level_jumps(frames) -> None:
    """Refuse a published level that jumps from its neighbouring years faster than any growth the data states.

    Each yearly (or same-period) level series, across ``frames`` (a series may continue from the history
    file into the later published file), is walked year by year; a move from one figure to the next by more
    than ``(1 + g) ** years`` either way (``fastest_growth``) is a jump no published series makes. The
    figure blamed is the one out of line with every neighbour it has (39045.7 between 3316.97 and 4145.7).

    Raises
    ------
    DataError
        Naming the file, line and column of the figure, its neighbours and the bound's source.
    """
    growth, source = fastest_growth(frames)
    points = [(path, i, row) for path, frame in frames for i, row in frame[frame["basis"] == "level"].iterrows()]
    series = {}
    for point in points:
        series.setdefault((point[2]["series_id"], point[2]["period"]), {}).setdefault(int(point[2]["year"]), point)
    for chain in series.values():
        years = sorted(chain)
        steps = [(chain[a], chain[b], b - a) for a, b in zip(years, years[1:])]
        bad = [not (1 + growth) ** -k <= b[2]["value"] / a[2]["value"] <= (1 + growth) ** k for a, b, k in steps]
        if any(bad):
            _refuse_jump(steps, bad, growth, source)


def _refuse_jump(steps, bad, growth, source):
    """Name a figure of the first bad step: its later figure, unless that one is in line with the figure
    after it and the earlier one starts the series (then the first figure is the odd one out)."""
    first = bad.index(True)
    a, b, _ = steps[first]
    after = steps[first + 1][1] if first + 1 < len(steps) else None
    if first == 0 and after is not None and not bad[first + 1]:
        culprit, neighbours = a, [b]
    else:
        culprit, neighbours = b, [a] + ([after] if after is not None else [])
    path, i, row = culprit
    moves = " and ".join(f"{row['value'] / n[2]['value']:.3g} times {n[2]['year']}'s {n[2]['value']:g} "
                         f"({line_label(n[1])}{'' if n[0] == path else ' of ' + n[0].name})" for n in neighbours)
    spans = [(n[2]["value"], abs(int(row["year"]) - int(n[2]["year"]))) for n in neighbours]
    low, high = max(v * (1 + growth) ** -k for v, k in spans), min(v * (1 + growth) ** k for v, k in spans)
    raise DataError(path, f"{line_label(i)}, column value",
                    f"{row['series_id']} {row['year']} = {row['value']:g} is {moves}: a jump no published series "
                    f"makes (at most {growth:.1%} a year either way, {source}); check the digits"
                    f"{_guess(row['value'], low, high)} and the unit")

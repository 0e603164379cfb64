"""What the plan implies: figures derived from its baselines, and its figures checked against published ones.

Pure functions on the tables ``dgforecast.plan.data`` loads.
"""

import logging
import math

import pandas as pd

from dgforecast.core.errors import DataError
from dgforecast.plan.data import BASELINES_FILE

log = logging.getLogger(__name__)


def plan_figure(baselines, variable, basis, year) -> float:
    """One figure of the plan's baselines (for example the base year's output level)."""
    rows = baselines[(baselines["variable"] == variable) & (baselines["basis"] == basis) & (baselines["year"] == year)]
    if rows.empty:
        raise DataError(BASELINES_FILE, f"variable {variable}", f"no {basis} figure for {year}; the derivations need it")
    return float(rows["value"].iloc[0])


def implied_total_range(part, share_pct, decimals=1) -> tuple[float, float, float]:
    """The whole implied by a part and its rounded share, with the range the rounding allows.

    Parameters
    ----------
    part : float
        The part's level (for example 1081.30 亿元).
    share_pct : float
        Its published share of the whole, in %, rounded to ``decimals`` places.

    Returns
    -------
    (central, low, high) : tuple of float
        ``part / share``, and the totals at the upper and lower edge of the rounding interval.
    """
    half = 0.5 * 10.0 ** (-decimals)
    return part / (share_pct / 100), part / ((share_pct + half) / 100), part / ((share_pct - half) / 100)


def derive_plan_figures(baselines) -> pd.DataFrame:
    """Figures the plan's baselines imply, each with its formula.

    For every variable with a level: the year before's level from its growth (``yoy_pct``), the whole
    its share implies (``share_pct``), and the ratio of each level to every larger one of the same unit and
    year (value added to output: 0.234).

    Returns
    -------
    DataFrame
        Columns variable, year, value, unit, formula.
    """
    rows = []
    levels = baselines[baselines["basis"] == "level"]
    for level in levels.itertuples():
        same = baselines[(baselines["variable"] == level.variable) & (baselines["year"] == level.year)]
        for other in same.itertuples():
            if other.basis == "yoy_pct":
                rows.append((level.variable, level.year - 1, level.value / (1 + other.value / 100), level.unit,
                             f"{level.value:g} / (1 + {other.value:g}%)  ({other.price_basis} growth)"))
            elif other.basis == "share_pct":
                rows.append((f"{level.variable}|Whole implied by share", level.year,
                             implied_total_range(level.value, other.value)[0], level.unit,
                             f"{level.value:g} / {other.value:g}%"))
    for a, b in ((a, b) for a in levels.itertuples() for b in levels.itertuples()
                 if (a.value, a.variable) < (b.value, b.variable) and a.unit == b.unit and a.year == b.year):
        rows.append((f"{a.variable} to {b.variable} ratio", a.year, a.value / b.value, "1",
                     f"{a.value:g} / {b.value:g}"))
    return pd.DataFrame(rows, columns=["variable", "year", "value", "unit", "formula"])


def cross_checks(baselines, history, checks, year) -> pd.DataFrame:
    """Check the plan's figures against published ones (plan.yaml ``checks``), within the plan's rounding.

    Parameters
    ----------
    baselines, history : DataFrame
        ``load_baselines`` and ``load_history``.
    checks : sequence of plan.Check
    year : int
        The plan's base year.

    Returns
    -------
    DataFrame
        Columns check, implied, low, high, published, passed. A published figure that is absent
        gives ``passed = NaN`` (not checked) rather than a failure.
    """
    rows = []
    for check in checks:
        half = 0.5 * 10.0 ** (-check.decimals)
        if check.basis == "whole_from_share":
            central, low, high = implied_total_range(plan_figure(baselines, check.variable, "level", year),
                                                     plan_figure(baselines, check.variable, "share_pct", year),
                                                     check.decimals)
        else:
            central = plan_figure(baselines, check.variable, check.basis, year)
            low, high = central - half, central + half
        rows.append((check.name, central, low, high, _published(history, check.series, check.series_basis, year)))
    frame = pd.DataFrame(rows, columns=["check", "implied", "low", "high", "published"])
    inside = (frame["published"] >= frame["low"]) & (frame["published"] <= frame["high"])
    frame["passed"] = inside.where(frame["published"].notna())
    failed = frame[frame["passed"] == False]  # noqa: E712 (NaN means not checked)
    if not failed.empty:
        log.warning("%d of %d cross-checks fail: %s", len(failed), len(frame), "; ".join(failed["check"]))
    return frame


def _published(history, series_id, basis, year):
    rows = history[(history["series_id"] == series_id) & (history["basis"] == basis)
                   & (history["period"] == "year") & (history["year"] == year)]
    return float(rows["value"].iloc[0]) if len(rows) else math.nan

"""The plan's targets: their baselines and the growth each one requires.

A level target grows from a plan baseline. When the target's measure differs from the
baseline's (the cluster target is 营业收入, the plan's baseline is 规上工业总产值), the target
names the conversion in ``baseline_conversion`` and the ratio is an explicit parameter here.
"""

import math

import pandas as pd

from dgforecast.data import TARGETS_FILE, plan_figure
from dgforecast.errors import DataError

#: Conversions a target may name, with their meaning.
CONVERSIONS = {
    "": "none: the target and its baseline measure the same thing",
    "revenue_to_output_ratio": "营业收入 / 规上工业总产值 (operating revenue per unit of gross output)",
}


def required_cagr(start_value, target_value, years) -> float:
    """Compound annual growth needed to go from ``start_value`` to ``target_value``.

    Parameters
    ----------
    start_value, target_value : float
        Levels in the same unit (for example 亿元).
    years : int
        Number of annual steps (2021 -> 2025 is 4).

    Returns
    -------
    float
        Growth per year as a fraction (0.0397 = 3.97 % a year).

    Examples
    --------
    >>> round(required_cagr(4621.25, 5400, 4), 4)
    0.0397
    """
    if years <= 0:
        raise ValueError(f"years must be positive, got {years}")
    if start_value <= 0 or target_value <= 0:
        raise ValueError("levels must be positive to compound")
    return (target_value / start_value) ** (1.0 / years) - 1.0


def baseline_of(target, baselines, revenue_to_output_ratio=1.0) -> float:
    """The start-year level a level target grows from, after its conversion (NaN for counts)."""
    if target["kind"] != "level":
        return math.nan
    conversion = target.get("baseline_conversion", "") or ""
    if conversion not in CONVERSIONS:
        raise DataError(TARGETS_FILE, f"target {target['id']}, column baseline_conversion",
                        f"unknown conversion {conversion!r}; use one of {', '.join(repr(c) for c in CONVERSIONS)}")
    level = plan_figure(baselines, target["baseline_variable"], "level", year=int(target["start_year"]))
    return level * revenue_to_output_ratio if conversion == "revenue_to_output_ratio" else level


def targets_table(targets, baselines, revenue_to_output_ratio=1.0) -> pd.DataFrame:
    """Every target with its baseline and, for level targets, the growth it requires.

    Parameters
    ----------
    targets : DataFrame
        From ``data.load_targets``.
    baselines : DataFrame
        From ``data.load_baselines``.
    revenue_to_output_ratio : float
        营业收入 / 总产值 applied to targets whose ``baseline_conversion`` names it.

    Returns
    -------
    DataFrame
        The registry plus ``baseline`` (level in the target's unit at ``start_year``),
        ``baseline_year``, ``required_cagr`` (fraction a year; NaN for count targets) and
        ``required_pace`` (count targets: units a year from zero at ``start_year``).
    """
    if not revenue_to_output_ratio > 0:
        raise ValueError(f"revenue_to_output_ratio must be positive, got {revenue_to_output_ratio}")
    table = targets.copy()
    table["baseline"] = [baseline_of(t, baselines, revenue_to_output_ratio) for _, t in targets.iterrows()]
    table["baseline_year"] = table["start_year"].where(table["kind"] == "level")
    years = table["deadline"] - table["start_year"]
    table["required_cagr"] = [
        required_cagr(b, k, n) if t == "level" else math.nan
        for b, k, n, t in zip(table["baseline"], table["threshold"], years, table["kind"])
    ]
    table["required_pace"] = (table["threshold"] / years).where(table["kind"] != "level")
    return table


def targets_records(table) -> list[dict]:
    """The targets table as JSON-ready dicts (NaN becomes None, years stay integers)."""
    records = []
    for row in table.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                value = None
            elif key in ("deadline", "start_year", "baseline_year") and value is not None:
                value = int(value)
            clean[key] = value
        records.append(clean)
    return records

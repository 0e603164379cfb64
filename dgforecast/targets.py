"""The plan's targets: their baselines and the growth each one requires.

A level target grows from a plan baseline. When the target's measure differs from the
baseline's (the cluster target is 营业收入, the plan's baseline is 规上工业总产值), the target
names the conversion in ``baseline_conversion`` and the ratio is an explicit parameter here.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dgforecast.data import TARGETS_FILE, plan_figure
from dgforecast.errors import DataError
from dgforecast.kinds import is_level

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
    float or ndarray
        Growth per year as a fraction (0.0397 = 3.97 % a year); an array when any input is one
        (the sweep asks for a whole grid at once).

    Examples
    --------
    >>> round(required_cagr(4621.25, 5400, 4), 4)
    0.0397
    """
    start, target, n = (np.asarray(v, dtype=float) for v in (start_value, target_value, years))
    if np.any(n <= 0):
        raise ValueError(f"years must be positive, got {years}")
    if np.any(start <= 0) or np.any(target <= 0):
        raise ValueError("levels must be positive to compound")
    growth = (target / start) ** (1.0 / n) - 1.0
    return float(growth) if growth.ndim == 0 else growth


def baseline_of(target, baselines, revenue_to_output_ratio=1.0) -> float:
    """The start-year level a level target grows from, after its conversion (NaN for counts)."""
    if not is_level(target["kind"]):
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
    level = table["kind"].map(is_level).astype(bool)
    table["baseline_year"] = table["start_year"].where(level)
    years = table["deadline"] - table["start_year"]
    table["required_cagr"] = [
        required_cagr(b, k, n) if lv else math.nan
        for b, k, n, lv in zip(table["baseline"], table["threshold"], years, level)
    ]
    table["required_pace"] = (table["threshold"] / years).where(~level)
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


# ---------------------------------------------------------------- level targets as the engine sees them
@dataclass(frozen=True)
class LevelTarget:
    """A level target as the simulation core needs it: plain numbers, picklable for workers.

    What was published after the baseline (exact figures included) is evidence
    (data/raw/evidence.csv), not part of the target: the engine conditions the paths on it.
    """

    target_id: str
    threshold: float       # K, 亿元
    comparison: str        # ">=" or ">"
    deadline: int
    base_level: float      # the baseline measure at base_year, 亿元 (before any revenue ratio)
    base_year: int
    apply_ratio: bool      # the target is 营业收入 grown from 总产值
    baseline_variable: str = ""
    group: int = 0         # targets grown from the same baseline share their paths (so the joint is right)


def level_targets(targets, baselines) -> tuple:
    """The plan's level targets with their baselines, as ``LevelTarget`` records.

    Targets that grow from the same baseline (variable, conversion, start year) share a ``group``
    and therefore one set of simulated paths.
    """
    groups, records = {}, []
    for row in targets[targets["kind"].map(is_level).astype(bool)].itertuples():
        conversion = row.baseline_conversion or ""
        group = groups.setdefault((row.baseline_variable, conversion, int(row.start_year)), len(groups))
        records.append(LevelTarget(
            target_id=row.id, threshold=float(row.threshold), comparison=row.comparison,
            deadline=int(row.deadline), base_year=int(row.start_year),
            base_level=plan_figure(baselines, row.baseline_variable, "level", int(row.start_year)),
            apply_ratio=conversion == "revenue_to_output_ratio", baseline_variable=row.baseline_variable,
            group=group))
    return tuple(records)

"""The plan's targets: their baselines and the growth each one requires.

A level target grows from a plan baseline. When the target's measure differs from the
baseline's (the cluster target is 营业收入, the plan's baseline is 规上工业总产值), the target
names the conversion in ``baseline_conversion`` and the ratio is an explicit parameter here.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dgforecast.core.csvfile import labelled_rows
from dgforecast.core.errors import DataError
from dgforecast.core.kinds import is_level
from dgforecast.plan.data import TARGETS_FILE
from dgforecast.plan.plausibility import quotes

#: Conversions a target may name, with their meaning.
CONVERSIONS = {
    "": "none: the target and its baseline measure the same thing",
    "revenue_to_output_ratio": "营业收入 / 规上工业总产值 (operating revenue per unit of gross output)",
}


#: What to do about a plan without targets, in the words of every command that needs one.
NO_TARGETS = ("no targets yet, so nothing to assess; add one row per target of the plan "
              "(the workbook's README.md shows one)")


def require_targets(targets, raw_dir) -> None:
    """Refuse, in one ``DataError`` line, a plan whose plan_targets.csv has no rows (a new plan)."""
    if targets.empty:
        raise DataError(Path(raw_dir) / TARGETS_FILE, "", NO_TARGETS)


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


def base_figure(baselines, variable, year) -> tuple[float, float]:
    """(level, step) a path starts from in ``year``: the plan's level (step 0), or its lower bound (超过600:
    600 and the step 100 to the next round figure); (NaN, 0) when the plan states neither."""
    if not variable:
        return math.nan, 0.0
    rows = baselines[(baselines["variable"] == variable) & (baselines["year"] == year)]
    for basis in ("level", "at_least"):
        found = rows[rows["basis"] == basis]
        if len(found):
            return float(found["value"].iloc[0]), float(found["step"].iloc[0]) if basis == "at_least" else 0.0
    return math.nan, 0.0


def baseline_of(target, baselines, revenue_to_output_ratio=1.0) -> float:
    """The start-year level a level target grows from, after its conversion (NaN for counts and for a path
    the plan gives no base figure; the lower bound for one it states as a bound)."""
    if not is_level(target["kind"]):
        return math.nan
    conversion = target.get("baseline_conversion", "") or ""
    if conversion not in CONVERSIONS:
        raise DataError(TARGETS_FILE, f"target {target['id']}, column baseline_conversion",
                        f"unknown conversion {conversion!r}; use one of {', '.join(repr(c) for c in CONVERSIONS)}")
    level, _ = base_figure(baselines, target.get("baseline_variable", ""), int(target["start_year"]))
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
    table["baseline"] = [baseline_of(t, baselines, revenue_to_output_ratio) for _, t in labelled_rows(targets)]
    level = table["kind"].map(is_level).astype(bool)
    table["baseline_year"] = table["start_year"].where(level)
    years = table["deadline"] - table["start_year"]
    growth = table["kind"] == "average_growth"  # its threshold is the growth itself, in % a year
    table["required_cagr"] = [
        k / 100 if g else required_cagr(b, k, n) if lv and b > 0 else math.nan
        for b, k, n, lv, g in zip(table["baseline"], table["threshold"], years, level, growth)
    ]
    table["required_pace"] = (table["threshold"] / years).where(~level)
    return table


#: The fastest pace a level target may need, as a fraction a year either way: the evidence levels' bound
#: (``evidence.PLAUSIBLE_YEARLY``). No level target of the shipped plans needs more than 16.3 % a year, and the
#: fastest a published level series of the workbook moves is 46 % a year (a count of firms, 2022-2024).
TARGET_PACE = 0.5


def check_target_paces(table, path) -> None:
    """Refuse a level target whose threshold needs a pace no plan sets (54000 for 5400: 84.89 % a year).

    Parameters
    ----------
    table : DataFrame
        ``targets_table`` (its index the rows of plan_targets.csv, so line = index + 2).
    path : str or Path
        plan_targets.csv, for the message.

    Raises
    ------
    DataError
        A level target needing more than ``TARGET_PACE`` a year either way from its baseline; an average-growth
        target above ``TARGET_PACE`` a year, or under 1 % a year unless its note quotes it with its % sign
        (0.12 written for 12 %).
    """
    for i, row in table[table["kind"].map(is_level).astype(bool)].iterrows():
        where = f"line {i + 2}, column threshold"
        if row["kind"] == "average_growth":
            _check_average_growth(path, where, row)
        elif row["baseline"] > 0 and abs(row["required_cagr"]) > TARGET_PACE:
            guess = [k for k in (row["threshold"] / 10, row["threshold"] * 10)
                     if abs(required_cagr(row["baseline"], k, row["deadline"] - row["start_year"])) <= TARGET_PACE]
            raise DataError(path, where, f"{row['id']}: {row['threshold']:,g} {row['unit']} by {row['deadline']} from "
                            f"{row['baseline']:,.2f} in {row['start_year']} needs {row['required_cagr']:.2%} a year, "
                            f"beyond the {TARGET_PACE:.0%} a year either way a plan's level target may need (the "
                            f"evidence levels' bound); check the digits{f' ({guess[0]:g}?)' if guess else ''} and the unit")


def _check_average_growth(path, where, row):
    # the threshold is the pace itself, in % a year
    if row["threshold"] > 100 * TARGET_PACE:
        raise DataError(path, where, f"{row['id']}: {row['threshold']:g} % a year is beyond the {TARGET_PACE:.0%} "
                        "a year a plan's target may need; write the growth in % (12 for 12 %)")
    if row["threshold"] < 1 and not quotes(row["note"], row["threshold"]):
        raise DataError(path, where, f"{row['id']}: {row['threshold']:g} reads as {row['threshold']:g} % a year; "
                        f"write {row['threshold'] * 100:g} for {row['threshold'] * 100:g} %, or if "
                        f"{row['threshold']:g} % is meant quote it ({row['threshold']:g}%) in the note")


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
    threshold: float       # K, in the target's unit
    comparison: str        # ">=" or ">"
    deadline: int
    base_level: float      # the path's measure at base_year (before any ratio); NaN: the plan gives none
    base_year: int
    apply_ratio: bool      # the target's measure is the path's level times the ratio r (营业收入 from 总产值)
    baseline_variable: str = ""
    group: int = 0         # targets grown from the same baseline share their paths (so the joint is right)
    measure: str = ""      # the target's measure (plan.yaml)
    path: str = ""         # the path measure it is judged on ("" for a measure linked to no path)
    base_step: float = 0.0  # > 0: base_level is a lower bound (超过600), the path starts in [level, level + step)
    needs_base: bool = False  # judged from the plan's own start-year figure (an average growth): no anchor will do

    @property
    def anchored(self) -> bool:
        """True when the plan gives no base figure: the paths start from the latest exact figure published."""
        return not self.base_level > 0


def level_targets(targets, baselines) -> tuple:
    """The plan's level targets with their baselines, as ``LevelTarget`` records.

    Targets that grow from the same baseline (variable, conversion, start year) share a ``group``
    and therefore one set of simulated paths. A target whose path the plan gives no base figure has a
    NaN ``base_level`` (``anchored``); the simulation starts it from the latest exact figure published.
    """
    groups, records = {}, []
    for row in targets[targets["kind"].map(is_level).astype(bool)].itertuples():
        conversion = row.baseline_conversion or ""
        path = getattr(row, "path", "") or ""
        group = groups.setdefault((path, row.baseline_variable, conversion, int(row.start_year)), len(groups))
        level, step = base_figure(baselines, row.baseline_variable, int(row.start_year))
        threshold, average = float(row.threshold), row.kind == "average_growth"
        if average:  # growth of g % a year from the start-year level is the level it must reach
            exact = level > 0 and step == 0
            threshold = level * (1 + threshold / 100) ** (int(row.deadline) - int(row.start_year)) if exact else math.nan
            level, step = (level, 0.0) if exact else (math.nan, 0.0)
        records.append(LevelTarget(
            target_id=row.id, threshold=threshold, comparison=row.comparison,
            deadline=int(row.deadline), base_year=int(row.start_year), base_level=level,
            apply_ratio=conversion == "revenue_to_output_ratio", baseline_variable=row.baseline_variable,
            group=group, measure=getattr(row, "measure", "") or "", path=path, base_step=step, needs_base=average))
    return tuple(records)

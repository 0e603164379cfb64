"""Load and check the raw files: the plan's baselines, divisions and targets, and history.

Every raw file is read as text and checked row by row (``dgforecast.core.csvfile``), so a bad value is
reported with its file, line and column rather than surfacing later as a NaN. The counts towards
count targets are ``dgforecast.plan.target_progress``'s, the evidence ``dgforecast.plan.evidence``'s.
What the plan's figures imply is ``dgforecast.plan.figures``; the one long table of them all
``dgforecast.plan.iamc``. Nothing here writes anything: the stage layer
(``pipeline.build_processed``) writes data/processed/ once every check has passed.
"""

import logging
import re
from pathlib import Path

import pandas as pd

from dgforecast.core.csvfile import (
    cell_choice,
    cell_number,
    cell_published_year,
    cell_required,
    cell_year,
    check_amount,
    check_level,
    check_rate,
    check_unit_matches_basis,
    labelled_rows,
    line_label,
    no_duplicates,
    read_table,
)
from dgforecast.core.errors import DataError
from dgforecast.core.kinds import TARGET_KINDS, kind_of
from dgforecast.core.numbers import round_step, rounding
from dgforecast.core.vocabulary import COMPARISON_WORDS
from dgforecast.plan.plan_file import LEVEL_ROLES, PLAN_FILE, load_plan
from dgforecast.plan.plausibility import check_level_jumps

log = logging.getLogger(__name__)

BASELINES_FILE = "plan_baselines.csv"
DIVISIONS_FILE = "plan_divisions.csv"
TARGETS_FILE = "plan_targets.csv"
#: The file figures after the baseline once went to; they are evidence now (one home: evidence.csv).
RETIRED_ACTUALS_FILE = "actuals.csv"

#: Units the raw files may use. 亿元 = 100 million yuan.
UNITS = {"亿元", "%", "家", "万家", "户", "个", "项", "名", "套", "万套", "台", "万台"}
#: From most to least trusted (data/dongguan README).
RELIABILITY = ("press_or_official", "preliminary", "low")
PRICE_BASES = {"current", "comparable", "unknown", "not_applicable"}
COMPARISONS = {">=", ">"}
#: A published figure of a series the plan also states (``Plan.plan_series``) lies within this factor of
#: the plan's figure: ten times (or a tenth of) the cluster's 2021 output within the plan's years
#: would be 26 % a year for a decade.
PLAN_FACTOR = 10.0
PERIOD_PATTERN = re.compile(r"^(year|YTD_M(1[0-2]|0?[1-9])|YTD_H1|YTD_Q[1-3])$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

BASELINE_COLUMNS = ["variable", "name_zh", "scope", "unit", "year", "value", "basis",
                    "price_basis", "section", "note"]
DIVISION_COLUMNS = ["cic_code", "name_zh", "name_en", "section"]
TARGET_COLUMNS = ["id", "name_zh", "name_en", "kind", "unit", "threshold", "comparison",
                  "deadline", "start_year", "section", "measure", "note"]
#: Optional columns of plan_targets.csv: ``wording``, the word the plan states the comparison with (突破, 超过, 达到:
#: ``COMPARISON_WORDS``), so every page says it as the plan does; empty, the comparison's usual word.
TARGET_OPTIONAL = ["wording"]
HISTORY_COLUMNS = ["series_id", "region", "industry", "metric", "unit", "year", "period", "value",
                   "basis", "price_basis", "reliability", "source_url", "source_phrase"]


# ---------------------------------------------------------------- loaders
#: How a baseline is stated: a level, a lower bound (超过600亿元: the path starts somewhere above it), growth
#: on the year before, a share of the whole, a count.
BASELINE_BASES = ("level", "at_least", "yoy_pct", "share_pct", "count")


def load_baselines(raw_dir) -> pd.DataFrame:
    """The plan's own figures for its base year (and any before it), checked.

    Returns
    -------
    DataFrame
        One row per figure: variable, name_zh, scope, unit, year (int), value (float), basis
        (``BASELINE_BASES``), price_basis, section, note.
    """
    path = Path(raw_dir) / BASELINES_FILE
    frame = read_table(path, BASELINE_COLUMNS)
    if frame.empty:  # a plan may state no base figure: its paths then start from the latest exact one published
        log.info("%s: no baselines; level targets start from the latest exact figure of their measure", path)
    years, values = [], []
    for i, row in labelled_rows(frame):
        cell_required(path, i, "variable", row["variable"])
        cell_required(path, i, "section", row["section"])
        cell_choice(path, i, "unit", row["unit"], UNITS)
        basis = cell_choice(path, i, "basis", row["basis"], set(BASELINE_BASES))
        cell_choice(path, i, "price_basis", row["price_basis"], PRICE_BASES)
        check_unit_matches_basis(path, i, basis, row["unit"])
        years.append(cell_published_year(path, i, "year", row["year"]))
        values.append(cell_number(path, i, "value", row["value"]))
        check_rate(path, i, basis, values[-1])
        check_level(path, i, "level" if basis == "at_least" else basis, values[-1], row["unit"])
    # a bound (超过600) reaches towards the next round figure: one unit of its last significant digit (100)
    steps = [round_step(t) if b == "at_least" else 0.0 for t, b in zip(frame["value"], frame["basis"])]
    frame = frame.assign(year=years, value=values, step=steps).astype({"year": int, "value": float, "step": float})
    no_duplicates(path, frame, ["variable", "year", "basis"], "figure")
    return frame


def load_divisions(raw_dir) -> pd.DataFrame:
    """The national industry divisions (CIC codes) the plan's sector comprises, when it names them
    (plan_divisions.csv; an empty table when the workbook has none)."""
    path = Path(raw_dir) / DIVISIONS_FILE
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=str) for c in DIVISION_COLUMNS})
    frame = read_table(path, DIVISION_COLUMNS)
    for i, row in labelled_rows(frame):
        if not re.fullmatch(r"\d{2}", row["cic_code"]):
            raise DataError(path, f"{line_label(i)}, column cic_code", f"{row['cic_code']!r} is not a two-digit industry code")
        cell_required(path, i, "name_zh", row["name_zh"])
    no_duplicates(path, frame, ["cic_code"], "division")
    return frame


def load_targets(raw_dir) -> pd.DataFrame:
    """The registry of the plan's targets with a number or a deadline, checked against the plan's measures.

    Returns
    -------
    DataFrame
        One row per target: id, name_zh, name_en, kind, unit, threshold (float), comparison
        (``>=`` or ``>``), deadline (int), start_year (int), section, measure, note, wording ("" when the
        file has no such column); and, from the plan's measures (``plan.yaml``), ``path`` (the level measure
        it is judged on, "" for none), ``baseline_variable`` (the plan_baselines.csv variable that path starts
        from, "" for none), ``baseline_conversion`` (``revenue_to_output_ratio`` for a measure that is the path
        times r) and ``ratio_zh``, ``ratio_en`` (that ratio in the plan's words, ``Plan.ratio_words``; "" otherwise).
    """
    path = Path(raw_dir) / TARGETS_FILE
    plan = load_plan(raw_dir)
    frame = read_table(path, TARGET_COLUMNS)
    if frame.empty:  # a new plan (dgforecast new-plan): checked, but nothing to assess until rows are added
        log.info("%s: no targets yet", path)
    thresholds, deadlines, starts = [], [], []
    for i, row in labelled_rows(frame):
        if not ID_PATTERN.fullmatch(row["id"]):
            raise DataError(path, f"{line_label(i)}, column id", f"{row['id']!r} is not a valid id; use lower-case letters, digits and _")
        where = f"{line_label(i)} (target {row['id']})"
        cell_choice(path, i, "kind", row["kind"], TARGET_KINDS)
        cell_choice(path, i, "unit", row["unit"], UNITS)
        cell_choice(path, i, "comparison", row["comparison"], COMPARISONS)
        if row.get("wording"):
            cell_choice(path, i, "wording", row["wording"], COMPARISON_WORDS[row["comparison"]])
        cell_required(path, i, "section", row["section"])
        threshold = cell_number(path, i, "threshold", row["threshold"])
        if threshold <= 0:
            raise DataError(path, f"{where}, column threshold", f"threshold {threshold} must be positive")
        check_amount(path, i, "threshold", threshold, row["unit"])
        deadline = cell_year(path, i, "deadline", row["deadline"])
        start = cell_year(path, i, "start_year", row["start_year"])
        if deadline <= start:
            raise DataError(path, f"{where}, column deadline",
                            f"deadline {deadline} is not after start_year {start}; fix one of them")
        _check_measure(path, i, row, plan)
        thresholds.append(threshold)
        deadlines.append(deadline)
        starts.append(start)
    frame = frame.assign(threshold=thresholds, deadline=deadlines, start_year=starts)
    if "wording" not in frame.columns:
        frame["wording"] = ""
    no_duplicates(path, frame, ["id"], "target id")
    linked = [m if m and plan.role(m) in LEVEL_ROLES else "" for m in frame["measure"]]
    ratios = [(plan.ratio_words(m) or ("", "")) if m else ("", "") for m in linked]
    return frame.assign(
        path=[plan.path_of(m) if m else "" for m in linked],
        baseline_variable=[(plan.baseline_of(m) or "") if m else "" for m in linked],
        baseline_conversion=["revenue_to_output_ratio" if m and plan.role(m) == "level_times_ratio" else ""
                             for m in linked],
        ratio_zh=[zh for zh, _ in ratios], ratio_en=[en for _, en in ratios])


def last_deadline(targets) -> int | None:
    """The plan's last deadline: the year a simulation runs to by default (None when there is no target)."""
    return None if targets.empty else int(targets["deadline"].max())


def _check_measure(path, index, row, plan):
    """A target judged on paths names a measure of the plan that is a level (or the level times r)."""
    where = f"{line_label(index)} (target {row['id']}), column measure"
    measure = row["measure"]
    if not kind_of(row["kind"]).needs_baseline:
        if measure:
            raise DataError(path, where, f"a {row['kind']} target is counted, not measured; leave measure empty")
        return
    if not measure:
        raise DataError(path, where, "a level target names the measure it is stated in (a measure of plan.yaml)")
    if measure not in plan.measures:
        from dgforecast.core.yamlfile import hint

        raise DataError(path, where, f"{measure!r} is not a measure of {PLAN_FILE}; {hint(measure, plan.measures)}")
    role = plan.role(measure)
    if role not in (*LEVEL_ROLES, "unlinked"):
        raise DataError(path, where, f"{measure} is a {role} measure; a level target is stated in a level "
                        "measure (role level or level_times_ratio) of plan.yaml")


def check_history_rows(path, frame, reliability=RELIABILITY,
                       once=("series_id", "year", "period", "basis")) -> pd.DataFrame:
    """Check the cells of a published-figures file (``HISTORY_COLUMNS``) row by row; ``year`` and ``value``
    as numbers. ``reliability``: the flags allowed; ``once``: the columns no two rows share all of."""
    years, values = [], []
    for i, row in labelled_rows(frame):
        cell_required(path, i, "series_id", row["series_id"])
        cell_required(path, i, "source_url", row["source_url"])
        cell_choice(path, i, "unit", row["unit"], UNITS)
        basis = cell_choice(path, i, "basis", row["basis"], {"level", "yoy_pct", "share_pct"})
        cell_choice(path, i, "price_basis", row["price_basis"], PRICE_BASES)
        cell_choice(path, i, "reliability", row["reliability"], set(reliability))
        if not PERIOD_PATTERN.fullmatch(row["period"]):
            raise DataError(path, f"{line_label(i)}, column period", f"unknown period {row['period']!r}; use year, YTD_M1..YTD_M11, YTD_H1 or YTD_Q1..3")
        check_unit_matches_basis(path, i, basis, row["unit"])
        years.append(cell_published_year(path, i, "year", row["year"]))
        values.append(cell_number(path, i, "value", row["value"]))
        check_rate(path, i, basis, values[-1])
        check_level(path, i, basis, values[-1], row["unit"])
    frame = frame.assign(year=years, value=values)
    no_duplicates(path, frame, list(once), "series-year" if len(once) == 4 else "figure of one source")
    return frame


def load_history(raw_dir, reliability=("press_or_official", "preliminary", "low")) -> pd.DataFrame:
    """Published statistics up to the plan's base year (plan.yaml ``history_file``), checked, filtered by
    reliability; an empty table (the columns, no rows) for a plan that names no such file.

    Figures published after the base year are evidence (``evidence.csv``, with the month each was
    published): one home, so a figure cannot count in one place and not in another. A retired
    ``actuals.csv`` holding rows is refused with what to do.

    Parameters
    ----------
    raw_dir : str or Path
        The workbook's data/raw/ folder.
    reliability : iterable of str
        Which reliability flags to keep (``press_or_official``, ``preliminary``, ``low``).

    Returns
    -------
    DataFrame
        The rows of the source file with ``year`` as int and ``value`` as float.
    """
    plan = load_plan(raw_dir)
    _refuse_retired_actuals(Path(raw_dir) / RETIRED_ACTUALS_FILE)
    if plan.history_file is None:
        return pd.DataFrame({c: pd.Series(dtype=int if c == "year" else float if c == "value" else str)
                             for c in HISTORY_COLUMNS})
    path = Path(raw_dir) / plan.history_file
    unknown = set(reliability) - set(RELIABILITY)
    if unknown:
        raise DataError(path, "reliability filter", f"unknown flag(s) {', '.join(sorted(unknown))}; use {', '.join(RELIABILITY)}")
    text = read_table(path, HISTORY_COLUMNS)
    frame = check_history_rows(path, text)
    check_level_jumps([(path, frame)])
    check_plan_year(path, frame.assign(text=text["value"]), raw_dir, plan.plan_series())
    kept = frame[frame["reliability"].isin(list(reliability))].reset_index(drop=True)
    dropped = len(frame) - len(kept)
    if dropped:
        log.info("%d of %d published figures dropped by the reliability filter", dropped, len(frame))
    return kept


def _refuse_retired_actuals(path):
    if path.is_file() and len(read_table(path, [])):
        raise DataError(path, "", "is no longer read: figures after the baseline are evidence; move each row to "
                        "evidence.csv (an exact figure: kind level, precision exact, with its published month) "
                        "and delete this file")


def check_plan_year(path, frame, raw_dir, plan_series):
    """Refuse a yearly level of a plan series for the plan's own year that disagrees with the plan.

    ``plan_series``: published series id -> the baseline variable it measures (plan.yaml measures'
    ``series``). The plan's base-year figure is what the simulation starts from; a published figure
    of that year may round it (4621 for 4621.25), but one that contradicts it would otherwise be
    silently ignored. The figure as written in ``frame["text"]`` (when given) sets the rounding allowed.
    """
    rows = frame[frame["series_id"].isin(list(plan_series)) & (frame["basis"] == "level")
                 & (frame["period"] == "year")]
    if rows.empty or not (Path(raw_dir) / BASELINES_FILE).is_file():
        return
    baselines = load_baselines(raw_dir)
    for i, row in labelled_rows(rows):
        figures = baselines[(baselines["variable"] == plan_series[row["series_id"]]) & (baselines["basis"] == "level")]
        plan = figures[figures["year"] == row["year"]]
        if plan.empty:
            _check_plan_scale(path, i, row, figures)
            continue
        expected = float(plan["value"].iloc[0])
        allowed = rounding(row["text"] if "text" in row else row["value"]) + 1e-9 * expected
        if abs(row["value"] - expected) > allowed:
            raise DataError(path, f"{line_label(i)}, column value",
                            f"{row['series_id']} {row['year']} = {row['value']:g} contradicts the plan's "
                            f"{row['year']} figure {expected:g} ({BASELINES_FILE}); the plan's own year must "
                            "match it within rounding: fix the figure or leave the row out")


def _check_plan_scale(path, index, row, figures):
    """Refuse a level of a plan series, in a year the plan gives no figure for, beyond ``PLAN_FACTOR``
    of the plan's figure (a slipped digit: 46212.5 for 4621.25)."""
    if figures.empty:
        return
    plan = figures.iloc[(figures["year"] - row["year"]).abs().argsort().iloc[0]]
    if not plan["value"] / PLAN_FACTOR <= row["value"] <= plan["value"] * PLAN_FACTOR:
        raise DataError(path, f"{line_label(index)}, column value",
                        f"{row['series_id']} {row['year']} = {row['value']:g} is not within a factor of {PLAN_FACTOR:g} "
                        f"of the plan's {int(plan['year'])} figure {plan['value']:g} ({BASELINES_FILE}); "
                        "check the digits and the unit")


def history_series(history, series_id, basis="level", period="year") -> pd.Series:
    """One published series as a year-indexed ``pd.Series`` (values in the file's unit).

    Raises
    ------
    DataError
        When the series has no rows with that basis and period.
    """
    rows = history[(history["series_id"] == series_id) & (history["basis"] == basis) & (history["period"] == period)]
    if rows.empty:
        ids = ", ".join(sorted(history.loc[history["basis"] == basis, "series_id"].unique()))
        raise DataError("the history file (plan.yaml history_file)", f"series {series_id}", f"no {basis} figures for period {period}; series with {basis}: {ids}")
    series = rows.set_index("year")["value"].sort_index().astype(float)
    series.index.name = "year"
    series.name = series_id
    return series


def history_series_or_none(history, series_id):
    """Like ``history_series``, but ``None`` when ``series_id`` is None or has no rows (optional inputs)."""
    if series_id is None or not (history["series_id"] == series_id).any():
        return None
    return history_series(history, series_id)

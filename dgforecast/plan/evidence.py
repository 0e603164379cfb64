"""The evidence table: figures published after the baseline, checked and selected.

``data/raw/evidence.csv`` holds one observation a row (a level, a bound or a growth rate of one
measure for one period, with the month it was published and how far it can be trusted). This module
only reads, checks and selects rows; how a row weighs on the simulated paths is the measurement
model's business. Every check reports the file, line and column of the row at fault, as
``dgforecast.plan.data`` does for the other raw files.
"""

import itertools
import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from dgforecast.core.csvfile import cell_number, labelled_rows, read_table
from dgforecast.core.errors import DataError, ParamsError
from dgforecast.core.numbers import precision_of, round_step, rounding
from dgforecast.core.yamlfile import did_you_mean
from dgforecast.plan.plan_file import LEVEL_ROLES, PAIR_ROLES, ROLES
from dgforecast.plan.plausibility import check_growth_in_line, check_pairs

log = logging.getLogger(__name__)

EVIDENCE_FILE = "evidence.csv"
COLUMNS = ["evidence_id", "measure", "year", "period", "kind", "value", "unit", "precision", "price_basis",
           "published", "reliability", "source_url", "source_phrase", "note"]

#: What each measure is — its unit, names and role (the link to the path it bears on) — is the plan's:
#: data/raw/plan.yaml ``measures`` (``dgforecast.plan.plan_file``). The loader adds the role and the path to each row.
KINDS = {
    "level": "a figure: exact (only its rounding) or a round statement such as 达到1000 (precision)",
    "at_least": "a lower bound (突破 / 超过 / 以上)",
    "at_most": "an upper bound",
    "growth": "growth on the same period of the year before, in %",
}
#: How a level or bound was written (column ``precision``; empty: decided by the digits, ``precision_of``).
PRECISIONS = {
    "exact": "a figure as published to its last digit (1234.56): it carries only its rounding, half a unit of "
             "that digit; an exact figure of a target's own measure and year decides the target",
    "round": "a round statement (达到1000, 千亿级, 突破2万): a level carries the round-figure sd "
             "(evidence.round_sd); a bound is read two ways, plain (a bound only) and round (also short of the "
             "next round figure, one unit of its last significant digit above: 1000 -> 2000)",
}
#: Growth the loader accepts, in % (a year's growth outside it is a typing slip: 85 for 8.5, 50000 for 5000).
GROWTH_RANGE = (-60.0, 150.0)
#: A level further than this factor outside what the baseline and growth of -50 %..+50 % a year allow is refused.
PLAUSIBLE_FACTOR, PLAUSIBLE_YEARLY = 3.0, 0.5
#: Ratios of revenue to output the loader accepts (as the scenario parameter's range).
RATIO_RANGE = (0.5, 2.0)
#: ``nominal`` (current prices), ``real`` (comparable prices: turned nominal with ``evidence.nominal_gap``),
#: ``quantity`` (growth of a count of units, robots or sets: the measure's own growth, as nominal is).
PRICE_BASES = ("nominal", "real", "quantity")
#: ``year`` (January-December) or ``YTD_M01`` ... ``YTD_M11`` (January to that month).
PERIOD = re.compile(r"^(year|YTD_M(0[1-9]|1[01]))$")
#: From most to least trusted (data/raw/README.md).
RELIABILITY_ORDER = ("official", "press_or_official", "preliminary", "low", "unverified")
ID = re.compile(r"^[a-z][a-z0-9_]*$")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_months(period) -> int:
    """How many months a period covers: 12 for ``year``, m for ``YTD_Mm``."""
    return 12 if period == "year" else int(period[len("YTD_M"):])


# ---------------------------------------------------------------- cell checks
def _where(index, column) -> str:
    # index 0 is the first data row, which is line 2 of the file (line 1 is the header).
    return f"line {index + 2}, column {column}"


def _known(path, index, column, text, allowed) -> str:
    if text in allowed:
        return text
    guess = did_you_mean(text, allowed)
    hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(allowed)}"
    raise DataError(path, _where(index, column), f"unknown {column} {text!r}; {hint}")


def _month(path, index, text) -> str:
    if not MONTH.fullmatch(text):
        raise DataError(path, _where(index, "published"),
                        f"{text!r} is not a month; write YYYY-MM with a month 01-12, such as 2019-06")
    return text


def _value(path, index, kind, text) -> float:
    value = cell_number(path, index, "value", text)
    low, high = GROWTH_RANGE
    if kind == "growth" and not low <= value <= high:
        raise DataError(path, _where(index, "value"), f"growth {value:g} % is outside {low:g}..+{high:g} % a year; "
                        "write the growth in % (8.5 for 8.5 %)")
    if kind == "growth" and abs(value) > 100 * PLAUSIBLE_YEARLY:
        log.warning("%s: %s: growth %s %% is faster than the %g %% a year the level check allows; check it is not %g",
                    path, _where(index, "value"), text, 100 * PLAUSIBLE_YEARLY, value / 10)
    if kind != "growth" and value <= 0:
        raise DataError(path, _where(index, "value"), f"a {kind} must be positive, not {value}")
    return value


def _precision(path, index, kind, row) -> str:
    text = row["precision"]
    if kind == "growth":
        if text:
            raise DataError(path, _where(index, "precision"), "a growth row has no precision; leave it empty")
        return ""
    return _known(path, index, "precision", text, tuple(PRECISIONS)) if text else precision_of(row["value"])


def _check_row(path, index, row, today, plan) -> tuple[int, float, str]:
    """Check one row against the plan's measures; return its year, value and precision."""
    if not ID.fullmatch(row["evidence_id"]):
        raise DataError(path, _where(index, "evidence_id"),
                        f"{row['evidence_id']!r} is not a valid id; use lower-case letters, digits and _")
    measure = _known(path, index, "measure", row["measure"], tuple(plan.measures))
    role = plan.role(measure)
    kind = _known(path, index, "kind", row["kind"], tuple(KINDS))
    if kind not in ROLES[role].kinds:
        raise DataError(path, _where(index, "kind"),
                        f"{measure} takes no {kind} rows; use {', '.join(ROLES[role].kinds)}")
    if not re.fullmatch(r"\d{4}", row["year"]) or not 2000 <= int(row["year"]) <= 2100:
        raise DataError(path, _where(index, "year"), f"{row['year']!r} is not a year; write four digits such as 2024")
    if not PERIOD.fullmatch(row["period"]):
        raise DataError(path, _where(index, "period"), f"unknown period {row['period']!r}; use year or "
                        "YTD_M01 ... YTD_M11 (January to that month)")
    if kind == "growth" and not row["price_basis"]:
        raise DataError(path, _where(index, "price_basis"), "a growth row needs its price basis: nominal or real")
    if kind == "growth":
        _known(path, index, "price_basis", row["price_basis"], PRICE_BASES)
    elif row["price_basis"]:
        raise DataError(path, _where(index, "price_basis"),
                        f"only growth rows have a price basis; leave it empty on a {kind} row")
    unit = "%" if kind == "growth" else plan.measures[measure].unit
    if row["unit"] != unit:
        raise DataError(path, _where(index, "unit"), f"a {measure} {kind} row is in {unit!r}, not {row['unit']!r}")
    value = _value(path, index, kind, row["value"])
    if role in ("ratio", "related_ratio") and not RATIO_RANGE[0] <= value <= RATIO_RANGE[1]:
        raise DataError(path, _where(index, "value"), f"a revenue-to-output ratio of {value:g} is outside "
                        f"{RATIO_RANGE[0]:g}..{RATIO_RANGE[1]:g}; write the ratio (1.05), not a percentage")
    precision = _precision(path, index, kind, row)
    _check_published(path, index, row, today)
    _known(path, index, "reliability", row["reliability"], RELIABILITY_ORDER)
    if not row["source_url"]:
        raise DataError(path, _where(index, "source_url"), "is empty; every row needs its source")
    return int(row["year"]), value, precision


def _check_published(path, index, row, today):
    """A figure cannot be published after today, nor before the last month of its period.

    "Not before the last month" rather than "after the period": an end-of-year statement such as
    2025's 突破5000亿 is made in December, on data to November, and is a fair statement on the year.
    """
    published = _month(path, index, row["published"])
    now = f"{today.year:04d}-{today.month:02d}"
    if published > now:
        raise DataError(path, _where(index, "published"), f"{published} is in the future (today is {now})")
    last = f"{row['year']}-{period_months(row['period']):02d}"
    if published < last:
        raise DataError(path, _where(index, "published"), f"{published} is before the period {row['year']} "
                        f"{row['period']} ended (its last month is {last}); check the year, period or month")


# ---------------------------------------------------------------- table checks
def _no_duplicate(path, frame, keys, what, fix):
    dup = frame.duplicated(subset=keys, keep="first").to_numpy()
    if dup.any():
        i = int(dup.nonzero()[0][0])
        first = int((frame[keys] == frame.loc[i, keys]).all(axis=1).to_numpy().nonzero()[0][0])
        raise DataError(path, _where(i, keys[0]), f"{what} as line {first + 2} ({frame.loc[first, 'evidence_id']}); {fix}")


def _no_contradiction(path, frame):
    """An at_least above an exact level, an at_most below it, or an at_least above an at_most."""
    ordered = {("at_least", "level"), ("level", "at_most"), ("at_least", "at_most")}   # low must not exceed high
    row = dict(labelled_rows(frame[["measure", "year", "period", "kind", "value", "evidence_id"]]))
    for labels in _groups(frame, ["measure", "year", "period"]):
        for i, j in itertools.product(labels, labels):
            low, high = row[i], row[j]
            if (low["kind"], high["kind"]) in ordered and low["value"] > high["value"]:
                raise DataError(path, _where(max(i, j), "value"),
                                f"{low['kind']} {low['value']:g} ({low['evidence_id']}, line {i + 2}) is above "
                                f"{high['kind']} {high['value']:g} ({high['evidence_id']}, line {j + 2}) for "
                                f"{low['measure']} {low['year']} {low['period']}; one of them is wrong")


def _plausible(path, frame, baselines):
    """Refuse a level or bound of a path's measure that growth of -50 %..+50 % a year from its baseline,
    widened by a factor of 3, does not reach (50000 written for 5000). ``baselines``: path -> (level, year)."""
    rows = frame[frame["role"].isin(LEVEL_ROLES) & (frame["kind"] != "growth") & frame["path"].isin(list(baselines))]
    for i, row in labelled_rows(rows):
        level, base_year = baselines[row["path"]]
        years = abs(int(row["year"]) - base_year)
        low = level * (1 - PLAUSIBLE_YEARLY) ** years / PLAUSIBLE_FACTOR
        high = level * (1 + PLAUSIBLE_YEARLY) ** years * PLAUSIBLE_FACTOR
        if not low <= row["value"] <= high:
            raise DataError(path, _where(i, "value"), f"{row['measure']} {row['year']} = {row['value']:g} is "
                            f"implausible: the baseline {level:g} ({base_year}) with growth of -50..+50 % a year "
                            f"allows {low:,.0f}-{high:,.0f}; check the digits and the unit ({row['unit']})")


def load_evidence(path, plan, today=None, baselines=None) -> pd.DataFrame:
    """Read and check an evidence table against the plan's measures.

    Parameters
    ----------
    path : str or Path
        The CSV (``data/raw/evidence.csv`` or a user's alternative), UTF-8, columns ``COLUMNS``.
    plan : dgforecast.plan.plan_file.Plan
        The workbook's plan (its measures: which exist, their units, roles and paths).
    today : datetime.date, optional
        The date against which a ``published`` month counts as in the future; default today.
    baselines : dict, optional
        Path measure -> (level, year) of its baseline: levels and bounds of the path's measures outside
        what growth of -50 %..+50 % a year from it allows, widened by ``PLAUSIBLE_FACTOR``, are refused.

    Returns
    -------
    DataFrame
        The rows in file order, ``year`` as int, ``value`` as float (levels in the measure's unit,
        growth in %), ``precision`` resolved (``exact`` or ``round`` for levels and bounds, from the
        digits when the column is empty), plus ``months`` (12 or m of YTD_Mm), ``step`` (round
        statements: one unit of the last significant digit, the step to the next round figure),
        ``rounding`` (half a unit of the last digit written), and from the plan ``role``, ``path``
        (the path measure the row bears on; "" for an unlinked measure) and the measure's ``name_zh``
        and ``name_en``.

    Raises
    ------
    DataError
        On the first row that fails a check, naming file, line and column: a cell, a level beyond what its
        baseline allows, a duplicate, a contradiction, or a figure out of line with others
        (``plausibility``: a growth row far from its measure's others, a pair implying an impossible ratio).
    """
    path = Path(path)
    today = today or date.today()
    frame = read_table(path, COLUMNS)
    checked = [_check_row(path, i, row, today, plan) for i, row in labelled_rows(frame)]
    frame = frame.assign(year=pd.Series([c[0] for c in checked], index=frame.index, dtype=int),
                         value=pd.Series([c[1] for c in checked], index=frame.index, dtype=float),
                         precision=pd.Series([c[2] for c in checked], index=frame.index, dtype=str),
                         months=pd.Series([period_months(p) for p in frame["period"]], index=frame.index, dtype=int),
                         step=pd.Series([round_step(t) for t in frame["value"]], index=frame.index, dtype=float),
                         rounding=pd.Series([rounding(t) for t in frame["value"]], index=frame.index, dtype=float),
                         role=pd.Series([plan.role(m) for m in frame["measure"]], index=frame.index, dtype=str),
                         path=pd.Series([plan.path_of(m) or "" for m in frame["measure"]], index=frame.index,
                                        dtype=str),
                         name_zh=pd.Series([plan.name(m)[0] for m in frame["measure"]], index=frame.index, dtype=str),
                         name_en=pd.Series([plan.name(m)[1] for m in frame["measure"]], index=frame.index, dtype=str))
    if baselines:
        _plausible(path, frame, baselines)
    _no_duplicate(path, frame, ["evidence_id"], "the same evidence_id", "give each row its own id")
    _no_duplicate(path, frame, ["measure", "year", "period", "kind", "price_basis", "published"],
                  "the same measure, year, period, kind, price basis and month",
                  "keep one row and name the second source in its note")
    _no_contradiction(path, frame)
    check_growth_in_line(path, frame)
    check_pairs(path, frame, RATIO_RANGE)  # a growth of 0.085 is weighed where it is used (run.unit_slips)
    return frame


# ---------------------------------------------------------------- selection
@dataclass(frozen=True)
class Selection:
    """Which evidence rows a forecast uses, and why the others are left out.

    Attributes
    ----------
    used : DataFrame
        The rows to condition on, in file order (columns of ``load_evidence``; the index is the
        row's position in the file, so line = index + 2).
    left_out : DataFrame
        The other rows, in file order, with a ``reason`` column (one sentence each), ``reason_kind``
        (``unlinked``, ``late``, ``weak``, ``revised``, ``superseded``, ``unpaired``) and ``by`` (the id of the row that
        revises or supersedes it; "" otherwise), so a page can say it in words.
    as_of : str or None
        The as-of month (YYYY-MM), or None for everything published.
    min_reliability : str
        The least trusted flag kept.
    """

    used: pd.DataFrame
    left_out: pd.DataFrame
    as_of: str | None
    min_reliability: str


def _check_selection_args(as_of, min_reliability):
    if as_of is not None and not MONTH.fullmatch(str(as_of)):
        raise ParamsError(f"as_of {as_of!r} is not a month; write YYYY-MM such as 2024-01")
    if min_reliability not in RELIABILITY_ORDER:
        guess = did_you_mean(min_reliability, RELIABILITY_ORDER)
        hint = f"did you mean {guess!r}?" if guess else f"use one of {', '.join(RELIABILITY_ORDER)}"
        raise ParamsError(f"unknown min_reliability {min_reliability!r}; {hint}")


def _groups(rows, keys) -> list:
    """``rows``' labels grouped by ``keys`` as ``groupby(keys, sort=False)`` groups them, without its cost a group."""
    groups = {}
    for label, values in zip(rows.index, zip(*(rows[k].tolist() for k in keys))):
        if not any(pd.isna(v) for v in values):
            groups.setdefault(values, []).append(label)
    return list(groups.values())


def _superseded(rows) -> dict:
    """Reasons for rows a newer or longer figure replaces, keyed by index; ``rows`` survived the filters.

    A later month's figure for the same measure, year, period, kind and price basis is a revision; within one
    measure, year, kind and price basis the longest period wins (January-August contains
    January-May, and the full year contains both: counting them all would count the months twice).
    """
    reasons = {}
    row = {k: dict(zip(rows.index, rows[k].tolist())) for k in ("evidence_id", "published", "months", "period")}
    for labels in _groups(rows, ["measure", "year", "period", "kind", "price_basis"]):
        newest = max(reversed(labels), key=row["published"].get)  # the last of the newest, as a stable sort's
        for i in labels:
            if i != newest:
                reasons[i] = (f"revised by {row['evidence_id'][newest]} (published {row['published'][newest]})",
                              "revised", row["evidence_id"][newest])
    for labels in _groups(rows.drop(index=list(reasons)), ["measure", "year", "kind", "price_basis"]):
        longest = max(reversed(labels), key=row["months"].get)
        what = "the full year" if row["period"][longest] == "year" else "a later period of the same year"
        for i in labels:
            if row["months"][i] < row["months"][longest]:
                reasons[i] = (f"superseded by {row['evidence_id'][longest]} ({what})", "superseded",
                              row["evidence_id"][longest])
    return reasons


def _unpaired(rows) -> dict:
    """Reasons for a related ratio's numerator or denominator (the city's revenue, its output) without the other
    of the same year and period: only the pair says something of the path (the related ratio, which
    ``city_ratio_sd`` links to the path's)."""
    reasons = {}
    pairs = rows[rows["role"].isin(PAIR_ROLES)]
    for (_, year, period), same in pairs.groupby(["path", "year", "period"], sort=False):
        if set(same["role"]) != set(PAIR_ROLES):
            partner = next(r for r in PAIR_ROLES if r not in set(same["role"])).removeprefix("related_")
            for i in same.index:
                reasons[i] = (f"no {partner} of {year} {period} in use beside it to make the related ratio", "unpaired",
                              "")
    return reasons


def select_evidence(evidence, as_of=None, min_reliability="press_or_official") -> Selection:
    """The evidence a forecast made in month ``as_of`` can use.

    Parameters
    ----------
    evidence : DataFrame
        As returned by ``load_evidence``.
    as_of : str or None
        ``"YYYY-MM"``: only rows published in or before that month; None: every row.
    min_reliability : str
        The least trusted flag kept (order: ``RELIABILITY_ORDER``, most trusted first).

    Returns
    -------
    Selection
        ``used`` and ``left_out`` (with ``reason``). Rows are left out, in this order, for a measure
        linked to no target, for being published after ``as_of``, for reliability below
        ``min_reliability``, for being revised or superseded by a row that is itself used, and (a
        related ratio's numerator or denominator) for lacking the other figure of the pair.

    Raises
    ------
    ParamsError
        When ``as_of`` is not YYYY-MM or ``min_reliability`` is not a known flag.
    """
    _check_selection_args(as_of, min_reliability)
    reasons = {i: ("its measure is linked to no target (plan.yaml: role unlinked)", "unlinked", "")
               for i in evidence.index[evidence["role"] == "unlinked"]}
    if as_of is not None:
        late = (evidence["published"] > as_of) & ~evidence.index.isin(list(reasons))
        reasons.update({i: (f"published {p}, after the as-of month {as_of}", "late", "")
                        for i, p in evidence.loc[late, "published"].items()})
    rank = evidence["reliability"].map(RELIABILITY_ORDER.index)
    weak = (rank > RELIABILITY_ORDER.index(min_reliability)) & ~evidence.index.isin(list(reasons))
    reasons.update({i: (f"reliability {r} is below {min_reliability}", "weak", "")
                    for i, r in evidence.loc[weak, "reliability"].items()})
    reasons.update(_superseded(evidence.drop(index=list(reasons))))
    reasons.update(_unpaired(evidence.drop(index=list(reasons))))
    out = evidence.index.isin(list(reasons))
    left_out = evidence[out].assign(reason=[reasons[i][0] for i in evidence.index[out]],
                                    reason_kind=[reasons[i][1] for i in evidence.index[out]],
                                    by=[reasons[i][2] for i in evidence.index[out]])
    used = evidence[~out]
    if len(left_out):
        log.info("%d of %d evidence rows left out (as of %s, min reliability %s)",
                 len(left_out), len(evidence), as_of or "now", min_reliability)
    return Selection(used=used, left_out=left_out, as_of=as_of, min_reliability=min_reliability)

"""Load and check the raw files, and derive what the plan implies (pure functions on the tables).

Every raw file is read as text and checked row by row, so a bad value is reported with its file,
line and column rather than surfacing later as a NaN. Nothing here writes anything: the stage
layer (``pipeline.build_processed``) writes data/processed/ once every check has passed.
"""

import csv
import datetime as dt
import io
import logging
import math
import re
from pathlib import Path

import pandas as pd

from dgforecast.errors import DataError
from dgforecast.kinds import TARGET_KINDS, kind_of
from dgforecast.numbers import round_step, rounding
from dgforecast.plan import LEVEL_ROLES, PLAN_FILE, load_plan

log = logging.getLogger(__name__)

BASELINES_FILE = "plan_baselines.csv"
DIVISIONS_FILE = "plan_divisions.csv"
TARGETS_FILE = "plan_targets.csv"
PROGRESS_FILE = "target_progress.csv"
#: The file figures after the baseline once went to; they are evidence now (one home: evidence.csv).
RETIRED_ACTUALS_FILE = "actuals.csv"

#: Units the raw files may use. 亿元 = 100 million yuan.
UNITS = {"亿元", "%", "家", "万家", "户", "个", "项", "名", "套", "万套", "台", "万台"}
#: From most to least trusted (data/dongguan README).
RELIABILITY = ("press_or_official", "preliminary", "low")
PRICE_BASES = {"current", "comparable", "unknown", "not_applicable"}
COMPARISONS = {">=", ">"}
YEAR_RANGE = (1949, 2100)
#: The largest amount a raw figure may state, by unit: 100万亿元 is about all of China's GDP (114万亿元
#: in 2021), which no city's or province's figure comes near; 10^8 firms, projects, people or machines
#: is more than China has. Beyond these a figure is a slipped digit or unit, and 1e308 would turn the
#: plan's arithmetic into inf.
MAX_AMOUNT = {"亿元": 1e6, "万家": 1e4, "家": 1e8, "户": 1e8, "个": 1e8, "项": 1e8, "名": 1e8, "套": 1e8,
              "万套": 1e4, "台": 1e8, "万台": 1e4}
#: A published figure of a series the plan also states (``Plan.plan_series``) lies within this factor of
#: the plan's figure: ten times (or a tenth of) the cluster's 2021 output within the plan's years
#: would be 26 % a year for a decade.
PLAN_FACTOR = 10.0
PERIOD_PATTERN = re.compile(r"^(year|YTD_M(1[0-2]|[1-9])|YTD_H1|YTD_Q[1-3])$")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

BASELINE_COLUMNS = ["variable", "name_zh", "scope", "unit", "year", "value", "basis",
                    "price_basis", "section", "note"]
DIVISION_COLUMNS = ["cic_code", "name_zh", "name_en", "section"]
TARGET_COLUMNS = ["id", "name_zh", "name_en", "kind", "unit", "threshold", "comparison",
                  "deadline", "start_year", "section", "measure", "note"]
HISTORY_COLUMNS = ["series_id", "region", "industry", "metric", "unit", "year", "period", "value",
                   "basis", "price_basis", "reliability", "source_url", "source_phrase"]
PROGRESS_COLUMNS = ["target_id", "year", "count", "source", "published"]


# ---------------------------------------------------------------- reading and cell checks
def read_table(path, columns) -> pd.DataFrame:
    """Read a UTF-8 CSV as text, checking that it exists, has the expected columns and that every
    row has as many fields as the header (an unquoted ``5,000`` would shift every later column).

    The end of the file is checked too, since a file cut short (a copy or a save interrupted) is
    otherwise a smaller table that passes: a quote still open at the end, or a last line with fewer
    fields than the header, is one line naming the file and the line.

    Returns
    -------
    DataFrame
        Every cell as stripped text; blank lines are skipped.
    """
    path = Path(path)
    if not path.is_file():
        restore = "; restore it from git (data/raw/ is never written by code)" if path.parent.name == "raw" else ""
        raise DataError(path, "", f"file not found{restore}")
    header, rows = _csv_rows(path)
    for number, row in rows:
        if len(row) != len(header):
            raise DataError(path, f"line {number}", _field_count_problem(row, header, number == rows[-1][0]))
    frame = pd.DataFrame([row for _, row in rows], columns=[c.strip() for c in header], dtype=str)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(path, "header", f"missing column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    return frame.apply(lambda col: col.str.strip())


def _csv_rows(path):
    """The header and the non-blank rows of a CSV, each row with the line it starts on."""
    text = _utf8_text(path)
    # strict: a quote left open at the end of the file is an error, not a field that runs to the end
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, start = None, [], 1
    try:
        header = next(reader, None)
        start = reader.line_num + 1
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DataError(path, f"line {start}", _quote_problem(exc)) from None
    if header is None:
        raise DataError(path, "", "not a readable CSV (the file is empty; it needs at least the header line)")
    return header, rows


NEWLINE = b"\n"


def _utf8_text(path) -> str:
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = f"line {data.count(NEWLINE, 0, exc.start) + 1}"
        if exc.end == len(data) and exc.reason == "unexpected end of data":
            raise DataError(path, where, "the file ends in the middle of a character, so it looks cut short; "
                            "restore the whole file") from None
        raise DataError(path, "", f"not UTF-8 text ({where}, byte {exc.start}); save the file as UTF-8") from None


def _quote_problem(exc) -> str:
    if "unexpected end of data" in str(exc):
        return ("a quoted field opened here is never closed: the file ends inside it, so it looks cut short; "
                "restore the whole file (or close the quote)")
    return f"not a readable CSV ({str(exc).strip()}); a field that starts with a quote must end with one"


def _field_count_problem(row, header, last) -> str:
    if last and len(row) < len(header):
        return (f"the file ends after {len(row)} of the header's {len(header)} fields on its last line, so it "
                "looks cut short; restore the whole file (or complete the line)")
    return (f"{len(row)} fields where the header has {len(header)}; write numbers without "
            "thousands separators (5000, not 5,000) and quote text that holds a comma")


def _line(index) -> str:
    # index 0 is the first data row, which is line 2 of the file (line 1 is the header).
    return f"line {index + 2}"


def _number(path, index, column, text) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(path, f"{_line(index)}, column {column}", f"{text!r} is not a number; write a plain number such as 1234.56")
    return value


def _year(path, index, column, text) -> int:
    if not re.fullmatch(r"\d{4}", text or ""):
        raise DataError(path, f"{_line(index)}, column {column}", f"{text!r} is not a year; write four digits such as 2019")
    year = int(text)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise DataError(path, f"{_line(index)}, column {column}", f"year {year} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    return year


def _choice(path, index, column, text, allowed) -> str:
    if text not in allowed:
        raise DataError(path, f"{_line(index)}, column {column}",
                        f"unknown {column} {text!r}; use one of {', '.join(sorted(allowed))}")
    return text


def _required(path, index, column, text) -> str:
    if not text:
        raise DataError(path, f"{_line(index)}, column {column}", "is empty; every row needs it")
    return text


def _check_rate(path, index, basis, value):
    if basis == "share_pct" and not 0 <= value <= 100:
        raise DataError(path, f"{_line(index)}, column value", f"share {value} is outside 0-100 %")
    if basis == "yoy_pct" and value <= -100:
        raise DataError(path, f"{_line(index)}, column value", f"growth {value} % would make the level negative")


def _check_level(path, index, basis, value, unit=None):
    # A level of output, value added or GDP is a positive amount; zero or less is a typing slip.
    if basis == "level" and not value > 0:
        raise DataError(path, f"{_line(index)}, column value", f"level {value:g} must be positive; "
                        "leave the row out if the figure is unknown")
    if basis in ("level", "count"):
        _check_amount(path, index, "value", value, unit)


def _check_amount(path, index, column, value, unit):
    if value > MAX_AMOUNT.get(unit, math.inf):
        raise DataError(path, f"{_line(index)}, column {column}", f"{value:g} {unit} is beyond any regional figure "
                        f"(at most {MAX_AMOUNT[unit]:,.0f} {unit}); check the digits and the unit")


def _published_year(path, index, column, text) -> int:
    # A figure can be published only for a year that has begun (year-to-date figures of this year).
    year = _year(path, index, column, text)
    this_year = dt.date.today().year
    if year > this_year:
        raise DataError(path, f"{_line(index)}, column {column}", f"year {year} has not begun (it is {this_year}); "
                        "a published figure is of a past year or this one: fix the year")
    return year


def _check_unit_matches_basis(path, index, basis, unit):
    if basis in ("yoy_pct", "share_pct") and unit != "%":
        raise DataError(path, f"{_line(index)}, column unit", f"a {basis} row must be in %, not {unit!r}")
    if basis in ("level", "count", "at_least") and unit == "%":
        raise DataError(path, f"{_line(index)}, column unit", f"a {basis} row cannot be in %; give the level's unit")


def _no_duplicates(path, frame, keys, what):
    dup = frame.duplicated(subset=keys, keep="first")
    if dup.any():
        index = int(dup.to_numpy().nonzero()[0][0])
        row = frame.iloc[index]
        key = ", ".join(f"{k}={row[k]}" for k in keys)
        raise DataError(path, _line(index), f"duplicate {what} ({key}); keep one row per {what}")


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
    for i, row in frame.iterrows():
        _required(path, i, "variable", row["variable"])
        _required(path, i, "section", row["section"])
        _choice(path, i, "unit", row["unit"], UNITS)
        basis = _choice(path, i, "basis", row["basis"], set(BASELINE_BASES))
        _choice(path, i, "price_basis", row["price_basis"], PRICE_BASES)
        _check_unit_matches_basis(path, i, basis, row["unit"])
        years.append(_published_year(path, i, "year", row["year"]))
        values.append(_number(path, i, "value", row["value"]))
        _check_rate(path, i, basis, values[-1])
        _check_level(path, i, "level" if basis == "at_least" else basis, values[-1], row["unit"])
    # a bound (超过600) reaches towards the next round figure: one unit of its last significant digit (100)
    steps = [round_step(t) if b == "at_least" else 0.0 for t, b in zip(frame["value"], frame["basis"])]
    frame = frame.assign(year=years, value=values, step=steps).astype({"year": int, "value": float, "step": float})
    _no_duplicates(path, frame, ["variable", "year", "basis"], "figure")
    return frame


def load_divisions(raw_dir) -> pd.DataFrame:
    """The national industry divisions (CIC codes) the plan's sector comprises, when it names them
    (plan_divisions.csv; an empty table when the workbook has none)."""
    path = Path(raw_dir) / DIVISIONS_FILE
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=str) for c in DIVISION_COLUMNS})
    frame = read_table(path, DIVISION_COLUMNS)
    for i, row in frame.iterrows():
        if not re.fullmatch(r"\d{2}", row["cic_code"]):
            raise DataError(path, f"{_line(i)}, column cic_code", f"{row['cic_code']!r} is not a two-digit industry code")
        _required(path, i, "name_zh", row["name_zh"])
    _no_duplicates(path, frame, ["cic_code"], "division")
    return frame


def load_targets(raw_dir) -> pd.DataFrame:
    """The registry of the plan's targets with a number or a deadline, checked against the plan's measures.

    Returns
    -------
    DataFrame
        One row per target: id, name_zh, name_en, kind, unit, threshold (float), comparison
        (``>=`` or ``>``), deadline (int), start_year (int), section, measure, note; and, from the
        plan's measures (``plan.yaml``), ``path`` (the level measure it is judged on, "" for none),
        ``baseline_variable`` (the plan_baselines.csv variable that path starts from, "" for none) and
        ``baseline_conversion`` (``revenue_to_output_ratio`` for a measure that is the path times r).
    """
    path = Path(raw_dir) / TARGETS_FILE
    plan = load_plan(raw_dir)
    frame = read_table(path, TARGET_COLUMNS)
    if frame.empty:  # a new plan (dgforecast new-plan): checked, but nothing to assess until rows are added
        log.info("%s: no targets yet", path)
    thresholds, deadlines, starts = [], [], []
    for i, row in frame.iterrows():
        if not ID_PATTERN.fullmatch(row["id"]):
            raise DataError(path, f"{_line(i)}, column id", f"{row['id']!r} is not a valid id; use lower-case letters, digits and _")
        where = f"{_line(i)} (target {row['id']})"
        _choice(path, i, "kind", row["kind"], TARGET_KINDS)
        _choice(path, i, "unit", row["unit"], UNITS)
        _choice(path, i, "comparison", row["comparison"], COMPARISONS)
        _required(path, i, "section", row["section"])
        threshold = _number(path, i, "threshold", row["threshold"])
        if threshold <= 0:
            raise DataError(path, f"{where}, column threshold", f"threshold {threshold} must be positive")
        _check_amount(path, i, "threshold", threshold, row["unit"])
        deadline = _year(path, i, "deadline", row["deadline"])
        start = _year(path, i, "start_year", row["start_year"])
        if deadline <= start:
            raise DataError(path, f"{where}, column deadline",
                            f"deadline {deadline} is not after start_year {start}; fix one of them")
        _check_measure(path, i, row, plan)
        thresholds.append(threshold)
        deadlines.append(deadline)
        starts.append(start)
    frame = frame.assign(threshold=thresholds, deadline=deadlines, start_year=starts)
    _no_duplicates(path, frame, ["id"], "target id")
    linked = [m if m and plan.role(m) in LEVEL_ROLES else "" for m in frame["measure"]]
    return frame.assign(
        path=[plan.path_of(m) if m else "" for m in linked],
        baseline_variable=[(plan.baseline_of(m) or "") if m else "" for m in linked],
        baseline_conversion=["revenue_to_output_ratio" if m and plan.role(m) == "level_times_ratio" else ""
                             for m in linked])


def last_deadline(targets) -> int | None:
    """The plan's last deadline: the year a simulation runs to by default (None when there is no target)."""
    return None if targets.empty else int(targets["deadline"].max())


def _check_measure(path, index, row, plan):
    """A target judged on paths names a measure of the plan that is a level (or the level times r)."""
    where = f"{_line(index)} (target {row['id']}), column measure"
    measure = row["measure"]
    if not kind_of(row["kind"]).needs_baseline:
        if measure:
            raise DataError(path, where, f"a {row['kind']} target is counted, not measured; leave measure empty")
        return
    if not measure:
        raise DataError(path, where, "a level target names the measure it is stated in (a measure of plan.yaml)")
    if measure not in plan.measures:
        from dgforecast.yamlfile import hint

        raise DataError(path, where, f"{measure!r} is not a measure of {PLAN_FILE}; {hint(measure, plan.measures)}")
    role = plan.role(measure)
    if role not in (*LEVEL_ROLES, "unlinked"):
        raise DataError(path, where, f"{measure} is a {role} measure; a level target is stated in a level "
                        "measure (role level or level_times_ratio) of plan.yaml")


def _check_history(path, frame) -> pd.DataFrame:
    years, values = [], []
    for i, row in frame.iterrows():
        _required(path, i, "series_id", row["series_id"])
        _required(path, i, "source_url", row["source_url"])
        _choice(path, i, "unit", row["unit"], UNITS)
        basis = _choice(path, i, "basis", row["basis"], {"level", "yoy_pct", "share_pct"})
        _choice(path, i, "price_basis", row["price_basis"], PRICE_BASES)
        _choice(path, i, "reliability", row["reliability"], set(RELIABILITY))
        if not PERIOD_PATTERN.fullmatch(row["period"]):
            raise DataError(path, f"{_line(i)}, column period", f"unknown period {row['period']!r}; use year, YTD_M1..YTD_M11, YTD_H1 or YTD_Q1..3")
        _check_unit_matches_basis(path, i, basis, row["unit"])
        years.append(_published_year(path, i, "year", row["year"]))
        values.append(_number(path, i, "value", row["value"]))
        _check_rate(path, i, basis, values[-1])
        _check_level(path, i, basis, values[-1], row["unit"])
    frame = frame.assign(year=years, value=values)
    _no_duplicates(path, frame, ["series_id", "year", "period", "basis"], "series-year")
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
    frame = _check_history(path, text)
    _check_plan_year(path, frame.assign(text=text["value"]), raw_dir, plan.plan_series())
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


def _check_plan_year(path, frame, raw_dir, plan_series):
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
    for i, row in rows.iterrows():
        figures = baselines[(baselines["variable"] == plan_series[row["series_id"]]) & (baselines["basis"] == "level")]
        plan = figures[figures["year"] == row["year"]]
        if plan.empty:
            _check_plan_scale(path, i, row, figures)
            continue
        expected = float(plan["value"].iloc[0])
        allowed = rounding(row["text"] if "text" in row else row["value"]) + 1e-9 * expected
        if abs(row["value"] - expected) > allowed:
            raise DataError(path, f"{_line(i)}, column value",
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
        raise DataError(path, f"{_line(index)}, column value",
                        f"{row['series_id']} {row['year']} = {row['value']:g} is not within a factor of {PLAN_FACTOR:g} "
                        f"of the plan's {int(plan['year'])} figure {plan['value']:g} ({BASELINES_FILE}); "
                        "check the digits and the unit")


#: The largest count a progress row may hold: the plan's count targets are 1 to 200 (firms,
#: projects, talents), so anything near this bound is a typing slip, not progress.
MAX_PROGRESS_COUNT = 100_000


def _check_count_published(path, index, text, year, today):
    """A count's ``published`` month: YYYY-MM, not in the future, not before December of its year."""
    where = f"{_line(index)}, column published"
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text or ""):
        raise DataError(path, where, f"{text!r} is not a month; write the month the count was published, YYYY-MM "
                        "(vintages use a count only from then on)")
    now = f"{today.year:04d}-{today.month:02d}"
    if text > now:
        raise DataError(path, where, f"{text} is in the future (today is {now})")
    if text < f"{year}-12":
        raise DataError(path, where, f"{text} is before the end of {year}, the year the count is for; "
                        "check the year or the month")


def load_progress(raw_dir, targets, today=None) -> pd.DataFrame:
    """Counts achieved so far towards count targets (``target_progress.csv``), if the file exists.

    Each row is the number newly achieved in ``year`` and the month it was ``published`` (a forecast
    as of a month uses only the counts published by then). Returns an empty table with the right
    columns when the file is absent.
    """
    import datetime as dt

    today = today or dt.date.today()
    path = Path(raw_dir) / PROGRESS_FILE
    if not path.exists():
        return pd.DataFrame({"target_id": pd.Series(dtype=str), "year": pd.Series(dtype=int),
                             "count": pd.Series(dtype=float), "source": pd.Series(dtype=str),
                             "published": pd.Series(dtype=str)})
    frame = read_table(path, PROGRESS_COLUMNS)
    known = set(targets["id"])
    years, counts = [], []
    for i, row in frame.iterrows():
        if row["target_id"] not in known:
            raise DataError(path, f"{_line(i)}, column target_id", f"unknown target {row['target_id']!r}; see plan_targets.csv")
        _required(path, i, "source", row["source"])
        years.append(_year(path, i, "year", row["year"]))
        counts.append(_number(path, i, "count", row["count"]))
        if counts[-1] != int(counts[-1]) or not 0 <= counts[-1] <= MAX_PROGRESS_COUNT:
            raise DataError(path, f"{_line(i)}, column count", f"count {row['count']} must be a whole number "
                            f"from 0 to {MAX_PROGRESS_COUNT:,} (firms, projects or people achieved that year)")
        target = targets.loc[targets["id"] == row["target_id"]].iloc[0]
        first, last = int(target["start_year"]) + 1, int(target["deadline"])
        if not first <= years[-1] <= last:
            raise DataError(path, f"{_line(i)}, column year", f"year {years[-1]} is outside the plan window of "
                            f"{row['target_id']} ({first}-{last}: the years after start_year up to the deadline); "
                            "counts from other years are not progress towards it")
        _check_count_published(path, i, row["published"], years[-1], today)
    frame = frame.assign(year=years, count=counts)
    _no_duplicates(path, frame, ["target_id", "year"], "target-year")
    return frame


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


# ---------------------------------------------------------------- what the plan implies
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


# ---------------------------------------------------------------- processed tables
IAMC_COLUMNS = ["model", "scenario", "region", "variable", "unit", "year", "value"]
_BASIS_SUFFIX = {"level": "", "count": "", "at_least": "|At least", "yoy_pct": "|Growth", "share_pct": "|Share of Whole"}


def to_iamc(baselines, history, derived, plan) -> pd.DataFrame:
    """One tidy long table (IAMC columns plus provenance) of every figure the workbook uses."""
    region = plan.plan.region_en
    plan_rows = pd.DataFrame({
        "model": f"Plan ({plan.plan.plan_month})", "scenario": "Historical", "region": region,
        "variable": baselines["variable"] + baselines["basis"].map(_BASIS_SUFFIX),
        "unit": baselines["unit"], "year": baselines["year"], "value": baselines["value"],
        "price_basis": baselines["price_basis"], "reliability": "press_or_official",
        "source": "plan section " + baselines["section"],
    })
    yearly = history[history["period"] == "year"]
    published = pd.DataFrame({
        "model": "Published statistics", "scenario": "Historical", "region": yearly["region"],
        "variable": yearly["series_id"] + yearly["basis"].map(_BASIS_SUFFIX),
        "unit": yearly["unit"], "year": yearly["year"], "value": yearly["value"],
        "price_basis": yearly["price_basis"], "reliability": yearly["reliability"], "source": yearly["source_url"],
    })
    implied = pd.DataFrame({
        "model": "dgforecast derived", "scenario": "Historical", "region": region,
        "variable": derived["variable"], "unit": derived["unit"], "year": derived["year"], "value": derived["value"],
        "price_basis": "current", "reliability": "derived", "source": derived["formula"],
    })
    return pd.concat([plan_rows, published, implied], ignore_index=True)

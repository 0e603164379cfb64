"""Reading a raw CSV as text, and the checks of its cells.

A raw file is read as text and checked row by row, so a bad value is reported with its file, line
and column (one ``DataError``) rather than surfacing later as a NaN. The loaders of
``dgforecast.plan.data`` and ``dgforecast.plan.evidence`` read every raw table through ``read_table`` and
check its cells with the checks here.
"""

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

import pandas as pd

from dgforecast.core.errors import DataError

YEAR_RANGE = (1949, 2100)
#: The largest amount a raw figure may state, by unit: 100万亿元 is about all of China's GDP (114万亿元
#: in 2021), which no city's or province's figure comes near; 10^8 firms, projects, people or machines
#: is more than China has. Beyond these a figure is a slipped digit or unit, and 1e308 would turn the
#: plan's arithmetic into inf.
MAX_AMOUNT = {"亿元": 1e6, "万家": 1e4, "家": 1e8, "户": 1e8, "个": 1e8, "项": 1e8, "名": 1e8, "套": 1e8,
              "万套": 1e4, "台": 1e8, "万台": 1e4}


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


def labelled_rows(frame):
    """Each row of ``frame`` as (index label, {column: cell}): what ``iterrows`` gives a loader that reads cells
    by name, without building a Series a row (most of a raw file's check time, at pandas' text columns)."""
    return zip(frame.index, frame.to_dict("records"))


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


def line_label(index) -> str:
    # index 0 is the first data row, which is line 2 of the file (line 1 is the header).
    return f"line {index + 2}"


def cell_number(path, index, column, text) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise DataError(path, f"{line_label(index)}, column {column}", f"{text!r} is not a number; write a plain number such as 1234.56")
    return value


def cell_year(path, index, column, text) -> int:
    if not re.fullmatch(r"\d{4}", text or ""):
        raise DataError(path, f"{line_label(index)}, column {column}", f"{text!r} is not a year; write four digits such as 2019")
    year = int(text)
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        raise DataError(path, f"{line_label(index)}, column {column}", f"year {year} is outside {YEAR_RANGE[0]}-{YEAR_RANGE[1]}")
    return year


def cell_choice(path, index, column, text, allowed) -> str:
    if text not in allowed:
        raise DataError(path, f"{line_label(index)}, column {column}",
                        f"unknown {column} {text!r}; use one of {', '.join(sorted(allowed))}")
    return text


def cell_required(path, index, column, text) -> str:
    if not text:
        raise DataError(path, f"{line_label(index)}, column {column}", "is empty; every row needs it")
    return text


def check_rate(path, index, basis, value):
    if basis == "share_pct" and not 0 <= value <= 100:
        raise DataError(path, f"{line_label(index)}, column value", f"share {value} is outside 0-100 %")
    if basis == "yoy_pct" and value <= -100:
        raise DataError(path, f"{line_label(index)}, column value", f"growth {value} % would make the level negative")


def check_level(path, index, basis, value, unit=None):
    # A level of output, value added or GDP is a positive amount; zero or less is a typing slip.
    if basis == "level" and not value > 0:
        raise DataError(path, f"{line_label(index)}, column value", f"level {value:g} must be positive; "
                        "leave the row out if the figure is unknown")
    if basis in ("level", "count"):
        check_amount(path, index, "value", value, unit)


def check_amount(path, index, column, value, unit):
    if value > MAX_AMOUNT.get(unit, math.inf):
        raise DataError(path, f"{line_label(index)}, column {column}", f"{value:g} {unit} is beyond any regional figure "
                        f"(at most {MAX_AMOUNT[unit]:,.0f} {unit}); check the digits and the unit")


def cell_published_year(path, index, column, text) -> int:
    # A figure can be published only for a year that has begun (year-to-date figures of this year).
    year = cell_year(path, index, column, text)
    this_year = dt.date.today().year
    if year > this_year:
        raise DataError(path, f"{line_label(index)}, column {column}", f"year {year} has not begun (it is {this_year}); "
                        "a published figure is of a past year or this one: fix the year")
    return year


def check_unit_matches_basis(path, index, basis, unit):
    if basis in ("yoy_pct", "share_pct") and unit != "%":
        raise DataError(path, f"{line_label(index)}, column unit", f"a {basis} row must be in %, not {unit!r}")
    if basis in ("level", "count", "at_least") and unit == "%":
        raise DataError(path, f"{line_label(index)}, column unit", f"a {basis} row cannot be in %; give the level's unit")


def no_duplicates(path, frame, keys, what):
    dup = frame.duplicated(subset=keys, keep="first")
    if dup.any():
        index = int(dup.to_numpy().nonzero()[0][0])
        row = frame.iloc[index]
        key = ", ".join(f"{k}={row[k]}" for k in keys)
        raise DataError(path, line_label(index), f"duplicate {what} ({key}); keep one row per {what}")

"""Load and check target_progress.csv: the counts achieved so far towards the count targets.

Each row is the number newly achieved in one year of a count target's plan window and the month it
was published (a forecast as of a month uses only the counts published by then); ``dgforecast
progress`` adds rows (``run.progress``). Read as text and checked row by row like every raw file
(``dgforecast.core.csvfile``).
"""

import re
from pathlib import Path

import pandas as pd

from dgforecast.core.csvfile import (cell_number, cell_required, cell_year, labelled_rows, line_label, no_duplicates,
                                     read_table)
from dgforecast.core.errors import DataError
from dgforecast.core.kinds import kind_of

PROGRESS_FILE = "target_progress.csv"
PROGRESS_COLUMNS = ["target_id", "year", "count", "source", "published"]

#: The largest count a progress row may hold: the plan's count targets are 1 to 200 (firms,
#: projects, talents), so anything near this bound is a typing slip, not progress.
MAX_PROGRESS_COUNT = 100_000


def _check_count_published(path, index, text, year, today):
    """A count's ``published`` month: YYYY-MM, not in the future, not before December of its year."""
    where = f"{line_label(index)}, column published"
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
    for i, row in labelled_rows(frame):
        if row["target_id"] not in known:
            raise DataError(path, f"{line_label(i)}, column target_id", f"unknown target {row['target_id']!r}; see plan_targets.csv")
        cell_required(path, i, "source", row["source"])
        years.append(cell_year(path, i, "year", row["year"]))
        counts.append(cell_number(path, i, "count", row["count"]))
        if counts[-1] != int(counts[-1]) or not 0 <= counts[-1] <= MAX_PROGRESS_COUNT:
            raise DataError(path, f"{line_label(i)}, column count", f"count {row['count']} must be a whole number "
                            f"from 0 to {MAX_PROGRESS_COUNT:,} (firms, projects or people achieved that year)")
        target = targets.loc[targets["id"] == row["target_id"]].iloc[0]
        if kind_of(target["kind"]).is_level:  # as dgforecast progress refuses it
            raise DataError(path, f"{line_label(i)}, column target_id", f"{row['target_id']} is a level target "
                            f"({target['unit']}), not a count; enter its figures in evidence.csv (levels, bounds, "
                            "growth) and remove this row")
        first, last = int(target["start_year"]) + 1, int(target["deadline"])
        if not first <= years[-1] <= last:
            raise DataError(path, f"{line_label(i)}, column year", f"year {years[-1]} is outside the plan window of "
                            f"{row['target_id']} ({first}-{last}: the years after start_year up to the deadline); "
                            "counts from other years are not progress towards it")
        _check_count_published(path, i, row["published"], years[-1], today)
    frame = frame.assign(year=years, count=counts)
    no_duplicates(path, frame, ["target_id", "year"], "target-year")
    return frame

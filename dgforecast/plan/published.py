"""The rest of data/raw/: every CSV there is read by a loader, checked here as a record of published figures,
or refused, so no file sits in data/raw/ unchecked.

A record of published figures (the shipped workbook's ``dongguan_published_2022_2025.csv``, the source the
rows of evidence.csv were copied from) has the history file's columns plus ``published`` (YYYY-MM). No
forecast reads it, but a reader checks evidence.csv against it and the benchmarks calibrate on it, so a
copy cut short, emptied, saved in another encoding or with a slipped digit is refused like any raw file:
each cell as the history file's, the month it was published, and each level against its neighbouring
years across both files (``plausibility.check_level_jumps``).
"""

import re
from datetime import date
from pathlib import Path

import pandas as pd

from dgforecast.core.csvfile import labelled_rows, line_label, read_table
from dgforecast.core.errors import DataError
from dgforecast.plan.data import (
    BASELINES_FILE,
    DIVISIONS_FILE,
    HISTORY_COLUMNS,
    RETIRED_ACTUALS_FILE,
    TARGETS_FILE,
    check_history_rows,
    check_plan_year,
)
from dgforecast.plan.evidence import EVIDENCE_FILE, RELIABILITY_ORDER
from dgforecast.plan.plausibility import check_level_jumps
from dgforecast.plan.target_progress import PROGRESS_FILE

PUBLISHED_COLUMNS = [*HISTORY_COLUMNS, "published"]
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def loaded_files(plan) -> set:
    """The CSV files of data/raw/ a loader reads (the history file is the plan's, plan.yaml ``history_file``)."""
    names = {BASELINES_FILE, DIVISIONS_FILE, TARGETS_FILE, EVIDENCE_FILE, PROGRESS_FILE, RETIRED_ACTUALS_FILE}
    return names | ({plan.history_file} if plan.history_file else set())


def _check_months(path, frame, today):
    now = f"{today.year:04d}-{today.month:02d}"
    for i, row in labelled_rows(frame):
        where, month = f"{line_label(i)}, column published", row["published"]
        if not MONTH.fullmatch(month):
            raise DataError(path, where, f"{month!r} is not a month; write the month the figure was published, "
                            "YYYY-MM")
        if month > now:
            raise DataError(path, where, f"{month} is in the future (today is {now})")
        if month < f"{row['year']}-01":
            raise DataError(path, where, f"{month} is before {row['year']} began, the year the figure is for; "
                            "check the year or the month")


def load_published(path, today=None) -> pd.DataFrame:
    """Read and check a record of published figures (``PUBLISHED_COLUMNS``): ``year`` and ``value`` as numbers.

    Raises
    ------
    DataError
        The file cut short, empty, not UTF-8, or a cell that fails the history file's checks, a month that
        is not YYYY-MM or is in the future or before its year, or the same series, year, period, basis and
        source twice; naming file, line and column.
    """
    path = Path(path)
    frame = read_table(path, PUBLISHED_COLUMNS)
    checked = check_history_rows(path, frame, RELIABILITY_ORDER, ("series_id", "year", "period", "basis", "source_url"))
    _check_months(path, checked, today or date.today())
    return checked.assign(text=frame["value"])


def check_other_files(raw_dir, plan, today=None) -> list:
    """Check every CSV of ``raw_dir`` no loader reads (``loaded_files``) as a record of published figures.

    Parameters
    ----------
    raw_dir : str or Path
        The workbook's data/raw/.
    plan : dgforecast.plan.plan_file.Plan
        Its plan (the history file's name, the series the plan states). A level series may continue from the
        history file into a later record: it is checked across both.

    Returns
    -------
    list of Path
        The records checked.

    Raises
    ------
    DataError
        A record that fails ``load_published``, a level that jumps from its neighbouring years (either file),
        a figure of a plan series that contradicts the plan, or a CSV with other columns: dgforecast reads it
        nowhere, so it is refused rather than left unchecked.
    """
    raw_dir = Path(raw_dir)
    history = raw_dir / plan.history_file if plan.history_file else None
    frames = [(history, check_history_rows(history, read_table(history, HISTORY_COLUMNS)))] if history else []
    for path in sorted(p for p in raw_dir.iterdir() if p.suffix.lower() == ".csv" and p.name not in loaded_files(plan)):
        header = read_table(path, []).columns
        if not set(PUBLISHED_COLUMNS) <= set(header):
            raise DataError(path, "header", "dgforecast reads no such file; move it out of data/raw/, or give it "
                            f"the columns of a record of published figures ({', '.join(PUBLISHED_COLUMNS)})")
        frame = load_published(path, today)
        check_plan_year(path, frame, raw_dir, plan.plan_series())
        frames.append((path, frame))
    check_level_jumps(frames)
    return [path for path, _ in frames[1 if plan.history_file else 0:]]

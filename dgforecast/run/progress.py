"""``dgforecast progress``: enter a count achieved towards a count target, the one write to data/raw/.

An economist who learns that, say, 30 首台（套） were recognised in 2023 should not have to learn the
CSV rules of data/raw/target_progress.csv. This stage checks the figure (a known count or milestone
target, a year inside the plan's window, a whole non-negative count, a source), appends one row to
the file atomically — the rest of the file byte for byte as it was — and says what the target's
assessment is now. Anything wrong is one line, exit 2, and the file is unchanged. The file is read,
checked and replaced under a lock on data/raw/ (``fileio.locked``), so entries made at the same
time are all kept, or refused with one line when they are the same target and year.
"""

import csv
import datetime as dt
import io
import math
import tempfile
from pathlib import Path

from dgforecast.core.config import find_project
from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import locked, naming, write_text_atomic
from dgforecast.core.kinds import kind_of
from dgforecast.core.yamlfile import did_you_mean
from dgforecast.judge.count_targets import judge_counts
from dgforecast.plan.data import load_targets
from dgforecast.plan.evidence import MONTH
from dgforecast.plan.params import headline_scenario, resolve_scenario
from dgforecast.plan.target_progress import MAX_PROGRESS_COUNT, PROGRESS_FILE, load_progress

HEADER = ["target_id", "year", "count", "published", "source", "note"]


def _target(targets, target_id):
    known = list(targets["id"])
    if target_id not in known:
        guess = did_you_mean(target_id, known)
        hint = f"did you mean {guess!r}?" if guess else "dgforecast targets lists them"
        raise ParamsError(f"progress {target_id}: unknown target; {hint}")
    row = targets.set_index("id").loc[target_id]
    if kind_of(row["kind"]).is_level:
        raise ParamsError(f"progress {target_id}: a level target ({row['unit']}); enter its figures in "
                          "data/raw/evidence.csv (levels, bounds, growth) instead of a count")
    return row


def _check_month(target_id, year, published):
    if published is None:
        return
    now = dt.date.today().strftime("%Y-%m")
    if not MONTH.fullmatch(published):
        raise ParamsError(f"progress {target_id} --published {published}: not a month; write YYYY-MM, such as 2024-01")
    if published > now:
        raise ParamsError(f"progress {target_id} --published {published}: in the future (this month is {now})")
    if published < f"{year}-12":
        raise ParamsError(f"progress {target_id} --published {published}: before the end of {year}, the year the "
                          "count is for; check --year or --published")


def _check(row, target_id, year, count, source):
    start, deadline = int(row["start_year"]), int(row["deadline"])
    if not start < year <= deadline:
        raise ParamsError(f"progress {target_id} --year {year}: outside the plan's window for this target "
                          f"({start + 1}-{deadline}); counts are per year after the base year {start}")
    if not math.isfinite(count) or count != int(count) or not 0 <= count <= MAX_PROGRESS_COUNT:
        raise ParamsError(f"progress {target_id} --count {count:g}: give the whole number achieved in {year} "
                          f"(0 to {MAX_PROGRESS_COUNT:,})")
    if not source.strip():
        raise ParamsError(f"progress {target_id} --source: empty; name where the figure was published")


def _appended(text, values) -> str:
    """The file's text with one CSV row added (a header first when the file is empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if not text.strip():
        writer.writerow(HEADER)
        text = ""
    elif not text.endswith("\n"):
        text += "\n"
    header = next(csv.reader([text.splitlines()[0]])) if text else HEADER
    if values.get("note") and "note" not in header:  # an older file without the column keeps the note
        values = {**values, "source": f"{values['source']} ({values['note']})"}
    writer.writerow([values.get(column, "") for column in header])
    return text + out.getvalue()


def record_progress(target_id, year, count, source, note="", project=None, published=None) -> str:
    """Append ``count`` achieved in ``year`` towards ``target_id`` to data/raw/target_progress.csv.

    ``published`` is the month the count was published (YYYY-MM; default this month, which is never
    too late): a forecast as of an earlier month does not use it.

    Returns
    -------
    str
        What was written and the target's assessment now (as of the plan's scenario ``base``, or the
        first scenario: count targets do not depend on the growth scenario).

    Raises
    ------
    ParamsError, DataError
        An unknown target (with a did-you-mean), a level target, a year outside the plan's window,
        a count that is not a whole number in 0..MAX_PROGRESS_COUNT, an empty source, a year already entered,
        or a file that would not pass the checks; the file is then unchanged.
    """
    paths = find_project(project)
    with locked(paths.raw):  # read, check and replace one entry at a time: concurrent entries are all kept
        return _record(paths, target_id, year, count, source, note, published)


def _record(paths, target_id, year, count, source, note, published) -> str:
    targets = load_targets(paths.raw)
    row = _target(targets, target_id)
    _check(row, target_id, int(year), float(count), source)
    _check_month(target_id, int(year), published)
    path = paths.raw / PROGRESS_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    before = load_progress(paths.raw, targets)
    if ((before["target_id"] == target_id) & (before["year"] == int(year))).any():
        raise ParamsError(f"progress {target_id} --year {year}: already entered in {path}; edit that row "
                          "to change it (each year's count once)")
    month = published or dt.date.today().strftime("%Y-%m")
    values = {"target_id": target_id, "year": str(int(year)), "count": str(int(count)), "source": source.strip(),
              "note": note.strip(), "published": month}
    candidate = _appended(text, values)
    with tempfile.TemporaryDirectory() as scratch:  # the whole new file must pass before it replaces the old
        copy = Path(scratch, PROGRESS_FILE)
        with naming(path, instead_of=[copy]):  # a full disk (of the temporary folder too) names the file
            copy.write_text(candidate, encoding="utf-8")
        progress = load_progress(scratch, targets)
    write_text_atomic(path, candidate)
    return f"added to {path}: {target_id}, {int(year)}: {int(count)}, published {month} ({source.strip()})\n" + \
        _assessment_line(paths, targets, progress, target_id)


def _assessment_line(paths, targets, progress, target_id) -> str:
    params = resolve_scenario(paths.params_file, headline_scenario(paths.params_file))
    r = judge_counts(targets[targets["id"] == target_id], progress, params).iloc[0]
    p = "—" if r["p_met"] != r["p_met"] else f"{r['p_met']:.1%}"
    return (f"{target_id}: {r['achieved']:g} entered ({r['years_entered']}; not entered: {r['years_missing']}); "
            f"P(met by {int(targets.set_index('id').loc[target_id, 'deadline'])}) = {p}, {r['status']} ({r['note']})")

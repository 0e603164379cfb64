"""Forecasts of a file of series: the CLI's ``forecast`` command, in worker processes.

``forecast_file`` reads a ``series_id, year, value`` CSV and forecasts every series with
``forecast``'s methods. With at least :data:`POOL_MIN_SERIES` series long enough to backtest, the
intervals come from the rolling-origin errors of the file's own series, pooled per horizon; otherwise
each series gets the reference pool (``forecast.reference_spread``). Series that cannot be forecast
are reported, never the whole file rejected.
"""

import logging
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dgforecast.core.errors import DataError, ModelError
from dgforecast.core.limits import check_fits
from dgforecast.core.workers import map_pool
from dgforecast.models.backtest import ErrorDistribution, rolling_origin_errors, spread_scale
from dgforecast.models.base import level_columns
from dgforecast.models.forecast import (
    AUTO_MIN_POINTS,
    SeriesForecast,
    check_input,
    choose_spread,
    min_points,
    model_label,
    point_forecaster,
)

log = logging.getLogger(__name__)

#: Fewest series in a file for its own pooled errors to be used instead of the reference pool.
POOL_MIN_SERIES = 20
#: Rolling origins per series (the latest ones) used to measure errors.
MAX_ORIGINS = 12


def read_series_file(path) -> dict:
    """Read a CSV of ``series_id, year, value`` into ``{series_id: pd.Series}`` (values as text-checked).

    Raises DataError for a missing or malformed file (exit code 2 at the CLI). Values that are not
    numbers are kept as NaN so that the series is reported, not the file rejected.
    """
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(path, "", "file not found") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, "", f"not a readable UTF-8 CSV ({str(exc).strip() or type(exc).__name__})") from None
    frame.columns = [c.strip() for c in frame.columns]
    missing = [c for c in ("series_id", "year", "value") if c not in frame.columns]
    if missing:
        raise DataError(path, "header", f"missing column(s) {', '.join(missing)}; expected series_id, year, value")
    years = pd.to_numeric(frame["year"].str.strip(), errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        line = int(np.nonzero(bad.to_numpy())[0][0]) + 2
        raise DataError(path, f"line {line}, column year", f"{frame['year'].iloc[line - 2]!r} is not a whole year")
    frame = frame.assign(year=years.astype(int), value=pd.to_numeric(frame["value"].str.strip(), errors="coerce"))
    series = {}
    for sid, rows in frame.groupby("series_id", sort=False):
        if rows["year"].duplicated().any():
            raise DataError(path, f"series {sid}", f"year {int(rows['year'][rows['year'].duplicated()].iloc[0])} appears twice")
        series[sid] = rows.set_index("year")["value"].sort_index().rename(sid)
    if not series:
        raise DataError(path, "", "has no rows")
    return series


def _series_job(job):
    """Worker: point forecast, scale and (optionally) rolling-origin errors for one series."""
    sid, y, horizon, method, with_errors = job
    try:
        y = check_input(y, method)
        forecaster = point_forecaster(method)
        point = forecaster(y.to_numpy(), horizon)
        if not np.all(np.isfinite(point)):
            raise ModelError(f"{method} gave non-finite forecasts")
        errors = (rolling_origin_errors(y.to_numpy(), forecaster, horizon, max_origins=MAX_ORIGINS,
                                        min_train=max(min_points(method), AUTO_MIN_POINTS))
                  if with_errors else None)
        positive = bool(np.all(y.to_numpy() > 0))
        return sid, {"y": y, "point": point, "errors": errors, "model": model_label(method, len(y), positive)}
    except ModelError as exc:
        return sid, str(exc)


#: Jobs below which worker processes cost more than they save.
PARALLEL_MIN_JOBS = 8


def map_series(func, jobs, n_jobs=None, progress=False, what="series") -> list:
    """Map ``func`` over ``jobs`` on ``n_jobs`` processes (default: all cores), in order.

    The processes are ``workers.run_pool``'s (one thread each; tiny arrays, so BLAS threads would
    only fight for the cores); each takes about an eighth of its share of the jobs at a time.
    ``progress`` shows a bar on stderr, counting ``what``.
    """
    n_jobs = n_jobs or os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN_JOBS:
        n_jobs = 1
    bar = _progress(len(jobs), what) if progress else None
    try:
        return map_pool(func, jobs, n_jobs, batch=max(1, len(jobs) // (8 * n_jobs)),
                        done=bar.update if bar else None)
    finally:
        if bar:
            bar.close()


def _progress(total, what):
    from tqdm import tqdm

    return tqdm(total=total, unit=what[:-1] if what.endswith("s") else what, leave=False)


#: Beyond this magnitude a float has no decimals to round away.
NO_DECIMALS_ABOVE = 1e15


def rounded(table, decimals=6):
    """The table's numbers rounded to ``decimals`` places, those too large to have decimals left as
    they are: rounding multiplies by 10**decimals first, which turned a forecast of 1.6e307 into inf."""
    out = table.copy()
    for column in out.select_dtypes("number").columns:
        small = out[column].abs() < NO_DECIMALS_ABOVE
        out.loc[small, column] = out.loc[small, column].round(decimals)
    return out


#: Memory a forecast holds per series and year ahead: the point, its intervals and errors, the table
#: (8 bytes x 8 columns, copied about four times on the way) and its CSV text, rounded up.
BYTES_PER_FORECAST_YEAR = 512


@dataclass
class FileForecast:
    """The result of :func:`forecast_file`."""

    table: pd.DataFrame
    failures: dict
    interval_source: str


def forecast_file(input_path, horizon, levels=(80, 95), method="auto", output=None, n_jobs=None,
                  progress=False) -> FileForecast:
    """Forecast every series of a ``series_id, year, value`` CSV; the CLI's ``forecast`` command.

    With at least :data:`POOL_MIN_SERIES` usable series long enough to backtest, the intervals come
    from the rolling-origin errors of this file's own series, pooled per horizon; otherwise each
    series gets the reference pool of :func:`forecast.reference_spread`. Series that cannot be forecast are
    reported in ``failures`` (``{series_id: reason}``) and left out of the table.

    Returns
    -------
    FileForecast
        ``table`` with columns series_id, year, model, forecast, lo80, hi80, ... (units of the
        input), ``failures`` and ``interval_source`` (in words).
    """
    from dgforecast.core.fileio import write_csv_atomic

    if int(horizon) != horizon or horizon < 1:
        raise ModelError(f"horizon must be a whole number of years >= 1, got {horizon}")
    level_columns(levels)
    point_forecaster(method)  # an unknown method is a bad option, not a failed series
    series = read_series_file(input_path)
    check_fits(len(series) * int(horizon) * BYTES_PER_FORECAST_YEAR,
               f"--horizon {int(horizon)}: {len(series):,} series x {int(horizon):,} years", "forecast fewer years")
    backtestable = sum(len(y) >= AUTO_MIN_POINTS + 2 for y in series.values())
    pooled = backtestable >= POOL_MIN_SERIES
    jobs = [(sid, y, int(horizon), method, pooled) for sid, y in series.items()]
    done = dict(map_series(_series_job, jobs, n_jobs, progress))
    failures = {sid: r for sid, r in done.items() if isinstance(r, str)}
    fitted = {sid: r for sid, r in done.items() if not isinstance(r, str)}
    own = None
    if pooled and fitted:
        own = ErrorDistribution.from_errors([r["errors"] for r in fitted.values() if r["errors"] is not None],
                                            "scaled", f"rolling-origin errors of {len(fitted)} series in "
                                            f"{os.path.basename(str(input_path))}, pooled per horizon")
    frames = []
    for sid, r in fitted.items():
        y = r["y"]
        try:
            dist = own or choose_spread(y, int(horizon), method, None)
            plan = SeriesForecast(pd.Index(range(int(y.index[-1]) + 1, int(y.index[-1]) + 1 + int(horizon))),
                                  r["point"], spread_scale(y.to_numpy()), dist, r["model"],
                                  positive=bool(np.all(y.to_numpy() > 0)))
            frames.append(plan.frame(levels).assign(series_id=sid))
        except ModelError as exc:
            failures[sid] = str(exc)
    columns = ["series_id", "year", "model", "forecast", *level_columns(levels)]
    table = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    source = own.describe() if own else "reference pool of M3 yearly errors, per series (see dgforecast.models.reference_errors)"
    if output is not None:
        write_csv_atomic(rounded(table), output)
    log.info("%d series forecast, %d failed", len(frames), len(failures))
    return FileForecast(table, failures, source)


def describe_forecast_file(input_path, horizon, levels=(80, 95), method="auto", output=None, n_jobs=None,
                           progress=False):
    """Run :func:`forecast_file` and say what happened: ``(text for stderr, table CSV or "", n_failed)``.

    The CSV text is returned only when ``output`` is None (the CLI then prints it to stdout).
    """
    result = forecast_file(input_path, horizon, levels, method, output, n_jobs, progress)
    lines = [f"series {sid}: not forecast: {reason}" for sid, reason in result.failures.items()]
    n_ok = result.table["series_id"].nunique()
    where = f" to {output}" if output is not None else ""
    lines.append(f"{n_ok} series forecast{where}, {len(result.failures)} failed; intervals: {result.interval_source}")
    csv = "" if output is not None else rounded(result.table).to_csv(index=False)
    return "\n".join(lines), csv, len(result.failures)

"""Forecasts with measured uncertainty: the ``auto`` method, single series, files and fit tables.

``auto`` is a fixed combination: the per-year median of three fast numpy forecasters, the dynamic
optimised theta model, simple exponential smoothing and the random walk with drift in logs
(:data:`AUTO_MEMBERS`). Choosing a model or a combination per data set by its fit on the last
training years did not carry over to later years on M3 yearly; this small fixed median did
(``benchmarks/results/m3_yearly.md``). Series shorter than :data:`AUTO_MIN_POINTS` fall back to
constant growth over all their points (drift in logs; drift in levels if a value is not positive).

Intervals and paths come from rolling-origin errors (:mod:`dgforecast.backtest`), not from the
models' own formulas. Where the spread comes from is always said:

- ``"pooled"`` (default): errors pooled across many series, scale-free. For a file of at least
  :data:`POOL_MIN_SERIES` series, the file's own series; otherwise the reference pool measured on the
  training parts of the 645 M3 yearly series (:mod:`dgforecast.reference_errors`).
  For a single series forecast by a named model, the reference pool of ``auto``'s errors is used
  as an approximation (``interval_source`` says so by naming it).
- ``"own"``: the series' own rolling-origin errors (needs a long series).
- a number: the standard deviation of annual log growth, given as a parameter.
- a ``pd.Series``: a related, longer series whose annual log growth gives that standard deviation.

Intervals and paths of a strictly positive series are formed in logs
(``backtest.ErrorDistribution.apply``), so lower bounds stay above zero however far ahead; a series
with a value <= 0 gets them in levels. Series with values beyond 1e100 (or below 1e-100 in size)
are forecast in a unit scaled by a power of 2 (:func:`rescaled`), so squares do not overflow.
"""

import logging
import math
import os
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from dgforecast.backtest import (ErrorDistribution, gaussian_log_spread, mase, spread_scale,
                                 origins_available, rolling_origin_errors, smape)
from dgforecast.errors import DataError, ModelError
from dgforecast.limits import check_fits
from dgforecast.models import MODELS, fit_model
from dgforecast.models.base import check_series, level_columns, params_text
from dgforecast.models.drift import drift_forecast
from dgforecast.models.theta import fit_theta, theta_forecast
from dgforecast.workers import map_pool

log = logging.getLogger(__name__)

#: The members of ``auto``, combined by their per-year median.
AUTO_MEMBERS = ("dotm", "ses", "logdrift")
#: Below this many points ``auto`` uses the short-series fall-back (constant growth).
AUTO_MIN_POINTS = 6
#: Fewest series in a file for its own pooled errors to be used instead of the reference pool.
POOL_MIN_SERIES = 20
#: Fewest own backtest origins at the longest horizon for ``spread="own"``.
OWN_MIN_ORIGINS = 10
#: Rolling origins per series (the latest ones) used to measure errors.
MAX_ORIGINS = 12


# ---------------------------------------------------------------- point forecasters on arrays
def auto_point(x, h) -> np.ndarray:
    """``auto`` point forecasts (units of x) for ``h`` years from the history ``x`` (oldest first)."""
    x = np.asarray(x, float)
    if len(x) < AUTO_MIN_POINTS:
        return short_point(x, h)
    members = [theta_forecast(fit_theta(x), h), theta_forecast(fit_theta(x, trend=False), h),
               short_point(x, h)]
    return np.median(members, axis=0)


def short_point(x, h) -> np.ndarray:
    """Constant growth over all points (drift in logs), or drift in levels if a value is <= 0."""
    x = np.asarray(x, float)
    if np.all(x > 0):
        return np.exp(drift_forecast(np.log(x), h)[0])
    return drift_forecast(x, h)[0]


#: Magnitudes the forecasters work in: beyond them squares overflow (1e155 squared is inf) or
#: vanish, and a fit goes silently wrong. A series outside is divided by a power of 2 first.
SAFE_MAGNITUDE = (1e-100, 1e100)


def _model_forecast(method, x, h):
    y = pd.Series(np.asarray(x, float), index=pd.RangeIndex(len(x)))
    return fit_model(method, y).forecast(h).to_numpy()


def rescaled(forecaster, x, h) -> np.ndarray:
    """``forecaster(x, h)``, computed on ``x`` divided by a power of 2 when its values are huge or tiny.

    Every forecaster is equivariant to the unit of the series, and a power of 2 divides exactly,
    so this changes nothing but the overflow of squares (theta's least squares at 1e300).

    Raises
    ------
    ModelError
        When the forecasts, multiplied back, are beyond the largest float (about 1.8e308).
    """
    x = np.asarray(x, float)
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    if top == 0 or SAFE_MAGNITUDE[0] <= top <= SAFE_MAGNITUDE[1]:
        return np.asarray(forecaster(x, h), float)
    unit = 2.0 ** math.floor(math.log2(top))
    with np.errstate(over="ignore"):
        point = np.asarray(forecaster(x / unit, h), float) * unit
    if not np.all(np.isfinite(point)):
        raise ModelError(f"values up to {top:.3g} give forecasts beyond the largest number (about 1.8e308); "
                         "give the series in a larger unit (divide it by a power of 10)")
    return point


def point_forecaster(method):
    """``callable(history array, h) -> array`` for ``"auto"`` or a menu model name (see :func:`rescaled`)."""
    if method == "auto":
        return partial(rescaled, auto_point)
    if method not in MODELS:
        raise ModelError(f"unknown method {method!r}; choose auto or one of {', '.join(MODELS)}")
    return partial(rescaled, partial(_model_forecast, method))


def model_label(method, n_points, positive=True) -> str:
    """What actually forecasts a series of ``n_points`` with ``method``, in words for outputs.

    ``auto``'s drift is in logs for a positive series and in levels otherwise (logdrift refuses a
    value <= 0), and the label says which.
    """
    if method != "auto":
        return method
    drift = "logdrift" if positive else "drift"
    if n_points < AUTO_MIN_POINTS:
        return f"auto:{drift}"
    return "auto:median(" + ",".join(m if m != "logdrift" else drift for m in AUTO_MEMBERS) + ")"


def check_input(y, method) -> pd.Series:
    """``y`` checked for ``method`` with its own years, so a refusal names years, not positions."""
    needs_logs = method in MODELS and MODELS[method].log_scale
    return check_series(y, min_points(method), method, positive=needs_logs)


def min_points(method) -> int:
    """Fewest points ``method`` accepts (auto: 2, through its short-series fall-back)."""
    return 2 if method == "auto" else MODELS[method].min_points if method in MODELS else 2


# ---------------------------------------------------------------- spreads
def reference_spread(n_points) -> ErrorDistribution:
    """The reference pool measured on M3 yearly, for a series of ``n_points`` forecast by auto."""
    from dgforecast import reference_errors as ref

    if n_points >= AUTO_MIN_POINTS:
        return ErrorDistribution(np.array(ref.AUTO_SCALED), "scaled", ref.AUTO_SOURCE, ref.AUTO_N_ERRORS)
    window = max(2, n_points)
    table = np.array(ref.SHORT_LOG[window])
    return ErrorDistribution(table, "log", ref.SHORT_SOURCE.format(window=window), ref.SHORT_N_ERRORS[window])


def growth_sd(series) -> float:
    """Standard deviation (fraction) of the annual log growth of a positive year-indexed series."""
    y = check_series(series, 3, f"related series {series.name or ''}".strip(), positive=True)
    return float(np.std(np.diff(np.log(y.to_numpy())), ddof=1))


def _parameter_spread(sd_log, n_points, source) -> ErrorDistribution:
    # k-year log error of constant growth estimated from n-1 changes: sd * sqrt(k + k^2/(n-1))
    dist = gaussian_log_spread(sd_log, source)
    k = np.arange(1, dist.max_horizon + 1)
    dist.table = dist.table / np.sqrt(k) * np.sqrt(k + k ** 2 / max(n_points - 1, 1))
    return dist


def choose_spread(y, horizon, method, spread) -> ErrorDistribution:
    """The error distribution for one series (see the module docstring for ``spread``)."""
    n = len(y)
    if spread is None or (isinstance(spread, str) and spread == "pooled"):
        return reference_spread(n if method == "auto" else max(n, AUTO_MIN_POINTS))
    if isinstance(spread, str) and spread == "own":
        available = origins_available(n, horizon, min_train=max(min_points(method), 3))
        if available < OWN_MIN_ORIGINS:
            raise ModelError(f"own backtest errors need {OWN_MIN_ORIGINS} origins at horizon {horizon}; "
                             f"{n} points give {available}; use the pooled spread")
        errors = rolling_origin_errors(y.to_numpy(), point_forecaster(method), horizon,
                                       max_origins=n, min_train=max(min_points(method), 3))
        return ErrorDistribution.from_errors([errors], "scaled", "own rolling-origin errors",
                                             min_errors=OWN_MIN_ORIGINS)
    if isinstance(spread, pd.Series):
        sd = growth_sd(spread)
        years = f"{int(spread.index[0])}-{int(spread.index[-1])}"
        return _parameter_spread(sd, n, f"related series {spread.name} ({years}): sd of annual log growth {sd:.4f}")
    if isinstance(spread, (int, float)) and not isinstance(spread, bool):
        return _parameter_spread(float(spread), n, f"given parameter: sd of annual log growth {float(spread):.4f}")
    raise ModelError(f"spread must be None, 'pooled', 'own', a number or a related pd.Series; got {spread!r}")


# ---------------------------------------------------------------- one series
@dataclass
class SeriesForecast:
    """A point forecast with what is needed to put measured uncertainty around it."""

    years: pd.Index
    point: np.ndarray
    scale: float
    spread: ErrorDistribution
    model: str
    info: dict = field(default_factory=dict)
    positive: bool = False    # a strictly positive series: intervals in logs, lower bounds above 0

    def frame(self, levels) -> pd.DataFrame:
        level_columns(levels)  # validates
        bands = self.spread.intervals(self.point, self.scale, levels, self.positive)
        frame = pd.DataFrame({"year": self.years.to_numpy(), "model": self.model, "forecast": self.point})
        for name, values in bands.items():
            if not np.all(np.isfinite(values)):
                raise ModelError(f"the {name} bounds are beyond the largest number (about 1.8e308); give the "
                                 "series in a larger unit (divide it by a power of 10)")
            frame[name] = values
        frame.attrs["interval_source"] = self.spread.describe()
        return frame


def plan_series(y, horizon, method="auto", spread=None) -> SeriesForecast:
    """Fit ``method`` to ``y`` and attach the error distribution chosen by ``spread``."""
    y = check_input(y, method)
    point = point_forecaster(method)(y.to_numpy(), int(horizon))
    positive = bool(np.all(y.to_numpy() > 0))
    dist = choose_spread(y, int(horizon), method, spread)
    if dist.kind == "log" and not (positive and np.all(point > 0)):
        raise ModelError(f"{method}: log-scale spread needs positive values and forecasts")
    years = pd.Index(range(int(y.index[-1]) + 1, int(y.index[-1]) + 1 + int(horizon)), name="year")
    label = model_label(method, len(y), positive)
    info = {"model": label, "points": len(y), "years": f"{int(y.index[0])}-{int(y.index[-1])}",
            "spread_source": dist.describe(), "spread_kind": dist.kind}
    return SeriesForecast(years, point, spread_scale(y.to_numpy()), dist, label, info, positive)


def forecast_series(y, horizon, method="auto", levels=(80, 95), spread=None) -> pd.DataFrame:
    """Point forecasts and calibrated central intervals for one year-indexed series.

    Parameters
    ----------
    y : pd.Series
        Values (any unit, e.g. 亿元) indexed by consecutive int years.
    horizon : int
        Years to forecast after the last observation.
    method : str
        ``"auto"`` or a key of :data:`dgforecast.models.MODELS`.
    levels : tuple of float
        Central interval levels in percent.
    spread : None, "pooled", "own", float or pd.Series
        Where the spread comes from (module docstring). Default: the reference pool.

    Returns
    -------
    DataFrame
        Columns year, model, forecast, lo80, hi80, lo95, hi95 (one pair per level), units of y;
        ``.attrs["interval_source"]`` says where the intervals came from.
    """
    return plan_series(y, horizon, method, spread).frame(levels)


def simulate_series(y, horizon, n_paths, rng, method="auto", spread=None):
    """Monte Carlo paths for one series, with the spread measured or given.

    Works from 2 points on (the short-series fall-back: constant growth, log errors pooled from
    M3 series forecast from the same number of points, or a given/related spread).

    Parameters
    ----------
    y : pd.Series
        Values indexed by consecutive int years (units kept).
    horizon : int
        Years after the last observation.
    n_paths : int
        Number of paths.
    rng : numpy.random.Generator
        The only source of randomness.
    method, spread
        As for :func:`forecast_series`.

    Returns
    -------
    paths : ndarray, shape (n_paths, horizon)
        Simulated values for the years after the last observation (units of y).
    info : dict
        ``model``, ``points``, ``years``, ``spread_source`` (own backtest / pooled / parameter /
        related series, in words), ``spread_kind``, ``first_year``.
    """
    plan = plan_series(y, horizon, method, spread)
    paths = plan.spread.paths(plan.point, plan.scale, n_paths, rng, plan.positive)
    return paths, dict(plan.info, first_year=int(plan.years[0]))


def p_at_least(paths, threshold, per_year=False):
    """Share of paths at or above ``threshold``: in the last year, or per year (``per_year=True``).

    Parameters
    ----------
    paths : ndarray, shape (n_paths, h)
    threshold : float
        Same unit as the paths.

    Returns
    -------
    float, or ndarray of length h
    """
    paths = np.atleast_2d(np.asarray(paths, float))
    if paths.size == 0:
        raise ModelError("no paths to count")
    hits = paths >= threshold
    return hits.mean(axis=0) if per_year else float(hits[:, -1].mean())


# ---------------------------------------------------------------- gaps in published data
def fill_gaps(y, how="interpolate"):
    """Make a year-indexed series consecutive, and say how.

    Parameters
    ----------
    how : {"interpolate", "longest"}
        ``interpolate``: missing inner years filled geometrically (log-linear between neighbours);
        ``longest``: keep the longest run of consecutive years (the latest if tied).

    Returns
    -------
    (pd.Series, str)
        The consecutive series and a sentence saying what was done ("" when nothing was).
    """
    y = y.sort_index().astype(float)
    years = np.asarray(y.index, int)
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if not missing:
        return y, ""
    shown = ", ".join(map(str, missing))
    if how == "interpolate":
        if np.any(y <= 0):
            raise ModelError(f"{y.name}: gap years {shown} cannot be filled geometrically (non-positive values)")
        full = pd.Index(range(years[0], years[-1] + 1), name="year")
        filled = np.exp(np.log(y).reindex(full).interpolate(method="index"))
        return filled.rename(y.name), f"gap year(s) {shown} filled by log-linear interpolation between neighbours"
    if how == "longest":
        runs = np.split(years, np.nonzero(np.diff(years) > 1)[0] + 1)
        best = max(runs, key=lambda r: (len(r), r[-1]))
        return y.loc[best[0]:best[-1]], f"gap year(s) {shown}: kept the longest consecutive run {best[0]}-{best[-1]}"
    raise ModelError(f"gap handling must be 'interpolate' or 'longest', got {how!r}")


# ---------------------------------------------------------------- files of series
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
    series gets the reference pool of :func:`reference_spread`. Series that cannot be forecast are
    reported in ``failures`` (``{series_id: reason}``) and left out of the table.

    Returns
    -------
    FileForecast
        ``table`` with columns series_id, year, model, forecast, lo80, hi80, ... (units of the
        input), ``failures`` and ``interval_source`` (in words).
    """
    from dgforecast.fileio import write_csv_atomic

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
    source = own.describe() if own else "reference pool of M3 yearly errors, per series (see dgforecast.reference_errors)"
    if output is not None:
        write_csv_atomic(rounded(table), output)
    log.info("%d series forecast, %d failed", len(frames), len(failures))
    return FileForecast(table, failures, source)


# ---------------------------------------------------------------- fit table for one published series
def backtest_scores(y, method, horizon=3) -> tuple:
    """sMAPE and MASE (averaged over origins and horizons 1..``horizon``) of rolling origins in ``y``."""
    x = y.to_numpy()
    forecaster = point_forecaster(method)
    first = max(min_points(method), 3)
    s, m = [], []
    for origin in range(first, len(x)):
        actual = x[origin:origin + horizon]
        try:
            f = forecaster(x[:origin], len(actual))
        except ModelError:
            continue
        s.append(smape(actual, f))
        m.append(mase(actual, f, x[:origin]))
    return (float(np.mean(s)), float(np.mean(m)), len(s)) if s else (math.nan, math.nan, 0)


def fit_table(y, target_year, level=80) -> pd.DataFrame:
    """Every menu model that can fit ``y``, plus ``auto``: parameters, backtest error, target-year forecast.

    Parameters
    ----------
    y : pd.Series
        Consecutive yearly values (units kept, e.g. 亿元).
    target_year : int
        The year to forecast (after the last observation).
    level : float
        The central interval level in percent (calibrated: pooled reference errors).

    Returns
    -------
    DataFrame
        One row per model: model, status ("ok" or why it was refused), params, backtest_smape,
        backtest_mase, backtest_origins, forecast, lo, hi (calibrated), model_lo, model_hi (the
        model's own interval). ``.attrs["auto"]`` explains what ``auto`` does for this series.
    """
    y = check_series(y, 2, str(y.name))
    horizon = int(target_year) - int(y.index[-1])
    if horizon < 1:
        raise ModelError(f"target year {target_year} is not after the last observation {int(y.index[-1])}")
    rows = [_fit_row(y, name, horizon, level) for name in ["auto", *MODELS]]
    table = pd.DataFrame(rows)
    table.attrs["auto"] = _auto_reason(y, table)
    return table


def _fit_row(y, name, horizon, level) -> dict:
    row = {"model": name, "status": "ok", "params": ""}
    try:
        plan = plan_series(y, horizon, name)
        band = plan.spread.intervals(plan.point, plan.scale, [level], plan.positive)
        row.update(forecast=plan.point[-1], lo=band[f"lo{level:g}"][-1], hi=band[f"hi{level:g}"][-1])
        if name != "auto":
            fitted = fit_model(name, y)
            row["params"] = params_text(fitted.params)
            try:
                own = fitted.quantiles(horizon, [level])
                row.update(model_lo=own.iloc[-1, 0], model_hi=own.iloc[-1, 1])
            except ModelError:
                pass
        else:
            row["params"] = plan.model
        row["backtest_smape"], row["backtest_mase"], row["backtest_origins"] = backtest_scores(y, name)
    except ModelError as exc:
        row["status"] = str(exc)
    return row


def _auto_reason(y, table) -> str:
    ok = table[(table["status"] == "ok") & (table["model"] != "auto")].dropna(subset=["backtest_mase"])
    best = ok.loc[ok["backtest_mase"].idxmin(), "model"] if len(ok) else "none"
    if len(y) < AUTO_MIN_POINTS:
        what = (f"auto uses constant growth over all {len(y)} points (fewer than {AUTO_MIN_POINTS}), "
                "with log errors pooled from M3 series forecast from the same number of points")
    else:
        members = model_label("auto", len(y), bool(np.all(y.to_numpy() > 0)))[len("auto:median("):-1]
        what = (f"auto is the per-year median of {members.replace(',', ', ')}: a fixed combination, because "
                "choosing per series on short histories overfits (on M3 yearly it beat every single model)")
    return (f"{what}. Lowest backtest MASE on this series: {best} (rolling origins, 1-3 years ahead; "
            f"few origins, so a hint, not a choice). Intervals: pooled reference errors from M3 yearly.")


def fit_report(y, target_year, as_of=None, gaps="interpolate", level=80) -> str:
    """The ``dgforecast fit`` table for one published series, as text.

    Parameters
    ----------
    y : pd.Series
        Yearly levels indexed by year, named by their series id (e.g. DG_GDP, 亿元); the stage layer
        (``pipeline.fit_series``) reads it from the workbook.
    target_year : int
        The year whose forecast and interval are shown (the plan's deadline).
    as_of : int, optional
        Use only data up to and including this year.
    gaps : {"interpolate", "longest"}
        How missing years are handled (see :func:`fill_gaps`); the output says what was done.
    """
    series_id = y.name
    if as_of is not None:
        y = y.loc[:int(as_of)]
        if y.empty:
            raise ModelError(f"{series_id}: no yearly levels up to {as_of}")
    y, gap_note = fill_gaps(y, gaps)
    table = fit_table(y, target_year, level)
    shown = table.assign(
        backtest=table["backtest_smape"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}") + " / "
        + table["backtest_mase"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
        forecast=table["forecast"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        interval=[("" if pd.isna(lo) else f"{lo:,.0f} - {hi:,.0f}") for lo, hi in zip(table["lo"], table["hi"])],
        model_interval=[("" if pd.isna(lo) else f"{lo:,.0f} - {hi:,.0f}")
                        for lo, hi in zip(table.get("model_lo", np.nan), table.get("model_hi", np.nan))],
    )
    shown.loc[shown["status"] != "ok", ["backtest", "forecast", "interval", "model_interval"]] = ""
    shown["params"] = np.where(shown["status"] == "ok", shown["params"], "refused: " + shown["status"])
    shown = shown[["model", "forecast", "interval", "model_interval", "backtest", "params"]].rename(columns={
        "forecast": f"{target_year} forecast", "interval": f"{level:g}% interval (pooled)",
        "model_interval": f"{level:g}% (model's own)", "backtest": "backtest sMAPE / MASE"})
    head = [f"{series_id}: {len(y)} yearly levels {int(y.index[0])}-{int(y.index[-1])}"
            + (f" (as of {as_of})" if as_of is not None else "") + f"; forecasting {target_year}"]
    if gap_note:
        head.append(gap_note)
    width = int(shown["params"].str.len().max())
    with pd.option_context("display.max_colwidth", 200, "display.width", 300):
        body = shown.to_string(index=False, formatters={"params": lambda v: f"{v:<{width}}"})
    foot = [table.attrs["auto"],
            "Backtest: rolling origins inside the series, 1-3 years ahead (sMAPE in %, MASE in mean yearly changes).",
            "Model's own intervals are shown for comparison; on M3 yearly they cover far less than nominal."]
    return "\n".join(head + ["", body, ""] + foot)


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

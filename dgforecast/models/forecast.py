"""Forecasts with measured uncertainty: the ``auto`` method and single series.

Files of series are ``forecast_files``' (the ``forecast`` command), the fit table of one published
series ``fit_table``'s (the ``fit`` command); both forecast with the functions here.

``auto`` is a fixed combination: the per-year median of three fast numpy forecasters, the dynamic
optimised theta model, simple exponential smoothing and the random walk with drift in logs
(:data:`AUTO_MEMBERS`). Choosing a model or a combination per data set by its fit on the last
training years did not carry over to later years on M3 yearly; this small fixed median did
(``benchmarks/results/m3_yearly.md``). Series shorter than :data:`AUTO_MIN_POINTS` fall back to
constant growth over all their points (drift in logs; drift in levels if a value is not positive).

Intervals and paths come from rolling-origin errors (:mod:`dgforecast.models.backtest`), not from the
models' own formulas. Where the spread comes from is always said:

- ``"pooled"`` (default): errors pooled across many series, scale-free. For a file of at least
  :data:`~dgforecast.models.forecast_files.POOL_MIN_SERIES` series, the file's own series; otherwise the
  reference pool measured on the training parts of the 645 M3 yearly series
  (:mod:`dgforecast.models.reference_errors`).
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

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from dgforecast.core.errors import ModelError
from dgforecast.models.backtest import (
    ErrorDistribution,
    gaussian_log_spread,
    origins_available,
    rolling_origin_errors,
    spread_scale,
)
from dgforecast.models.base import check_series, level_columns
from dgforecast.models.drift import drift_forecast
from dgforecast.models.menu import MODELS, fit_model
from dgforecast.models.theta import fit_theta, theta_forecast

#: The members of ``auto``, combined by their per-year median.
AUTO_MEMBERS = ("dotm", "ses", "logdrift")
#: Below this many points ``auto`` uses the short-series fall-back (constant growth).
AUTO_MIN_POINTS = 6
#: Fewest own backtest origins at the longest horizon for ``spread="own"``.
OWN_MIN_ORIGINS = 10


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
    from dgforecast.models import reference_errors as ref

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

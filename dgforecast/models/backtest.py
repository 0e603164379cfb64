"""Rolling-origin backtests, and the empirical intervals and paths built from their errors.

Model-based intervals are far too narrow on yearly data (see the M3 notes). Instead, a forecaster
is re-run from earlier origins inside the history, its errors are made scale-free and collected per
horizon, and the empirical quantiles of those errors give the intervals:

- ``kind="scaled"``: error = (actual - forecast) / spread scale of the data known at the origin
  (mean absolute yearly change over the last :data:`SCALE_WINDOW` points, units of y; see
  :func:`spread_scale`). Interval = forecast + scale * quantile, or, for a strictly positive
  series, forecast * exp(scale * quantile / forecast): the same to first order, and never below
  zero however far ahead (:meth:`ErrorDistribution.apply`).
- ``kind="log"``: error = log(actual / forecast). Interval = forecast * exp(quantile). Used for the
  very short series, whose MASE scale rests on one or two changes and cannot be trusted.

Pooling the errors of many series per horizon is what makes this work on short series; on M3
yearly it gives close to nominal coverage where model-based intervals cover 60-75 %.
"""

import math

import numpy as np
from scipy import stats

from dgforecast.core.errors import ModelError

#: Probability grid on which an error distribution is stored (fine enough for 1 %-99 % levels).
PROB_GRID = np.round(np.concatenate([[0.0025, 0.005, 0.01], np.arange(0.02, 0.981, 0.01), [0.99, 0.995, 0.9975]]), 4)


# ---------------------------------------------------------------- accuracy measures
def smape(actual, forecast) -> float:
    """Symmetric MAPE in percent: mean of 200 |y - f| / (|y| + |f|) (M3/M4 definition)."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    return float(np.mean(200 * np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast))))


def mase_scale(history) -> float:
    """Mean absolute first difference of ``history`` (units of y): the MASE denominator for m = 1.

    Falls back to 1e-6 times the mean level for a constant series, so errors stay finite.
    """
    x = np.asarray(history, float)
    if len(x) < 2:
        raise ModelError("the MASE scale needs at least 2 points")
    scale = float(np.mean(np.abs(np.diff(x))))
    return scale if scale > 0 else max(1e-6 * float(np.mean(np.abs(x))), 1e-12)


#: Points (SCALE_WINDOW - 1 yearly changes) behind the scale of the scaled errors. Chosen on
#: validation years inside the M3 training parts: windows of 3-6 points gave 77.7-78.6 % / 94.0-94.6 %
#: coverage there, against 77.3 % / 92.3 % for the whole history (benchmarks/results/m3_yearly.md).
SCALE_WINDOW = 5


def spread_scale(history, window=SCALE_WINDOW) -> float:
    """Mean absolute yearly change over the last ``window`` points (units of y): the error scale.

    A recent scale follows a series into calmer or busier years, which made the pooled intervals
    better calibrated than the whole-history MASE scale.
    """
    return mase_scale(np.asarray(history, float)[-window:])


def mase(actual, forecast, history) -> float:
    """Mean absolute scaled error: mean |y - f| divided by :func:`mase_scale` of ``history``."""
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    return float(np.mean(np.abs(actual - forecast)) / mase_scale(history))


def coverage(actual, lower, upper) -> float:
    """Share (percent) of ``actual`` inside ``[lower, upper]``."""
    actual = np.asarray(actual, float)
    return float(100 * np.mean((actual >= np.asarray(lower)) & (actual <= np.asarray(upper))))


# ---------------------------------------------------------------- rolling origins
def rolling_origin_errors(x, forecaster, horizon, kind="scaled", max_origins=12, min_train=6) -> np.ndarray:
    """Scale-free errors of ``forecaster`` from the last ``max_origins`` origins inside ``x``.

    Parameters
    ----------
    x : array of float
        The history (oldest first), units of y.
    forecaster : callable
        ``forecaster(train, h) -> array of h point forecasts``.
    horizon : int
        Longest horizon to score (years).
    kind : {"scaled", "log"}
        See the module docstring.
    max_origins : int
        How many of the latest origins to use (each origin is the length of its training part).
    min_train : int
        The shortest training part allowed.

    Returns
    -------
    ndarray, shape (n_origins, horizon)
        Errors; NaN where the origin is too close to the end of ``x`` for that horizon.
        Zero rows when ``x`` is too short for any origin.
    """
    x = np.asarray(x, float)
    first = max(min_train, len(x) - max_origins)
    rows = []
    for origin in range(first, len(x)):
        train, actual = x[:origin], x[origin:origin + horizon]
        forecast = np.asarray(forecaster(train, len(actual)), float)
        row = np.full(horizon, np.nan)
        if kind == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                row[:len(actual)] = np.log(actual / forecast)
        else:
            row[:len(actual)] = (actual - forecast) / spread_scale(train)
        rows.append(row)
    return np.array(rows).reshape(-1, horizon)


def origins_available(n_points, horizon, min_train=6) -> int:
    """How many origins score the longest ``horizon`` in a history of ``n_points``."""
    return max(0, n_points - horizon - min_train + 1)


# ---------------------------------------------------------------- the error distribution
class ErrorDistribution:
    """Per-horizon empirical distribution of scale-free forecast errors.

    Stored as quantiles on :data:`PROB_GRID` for horizons 1..K. Beyond K the quantiles grow in
    proportion to the horizon (as drift uncertainty does), which ``describe()`` states.

    Parameters
    ----------
    table : ndarray, shape (len(PROB_GRID), K)
        Quantiles of the error at each horizon.
    kind : {"scaled", "log"}
    source : str
        Where the errors came from, in words (shown in outputs).
    n_errors : int
        How many errors the table rests on (at horizon 1).
    """

    def __init__(self, table, kind, source, n_errors=0):
        if kind not in ("scaled", "log"):
            raise ModelError(f"error kind must be 'scaled' or 'log', got {kind!r}")
        self.table = np.maximum.accumulate(np.asarray(table, float), axis=0)  # monotone in p
        self.kind, self.source, self.n_errors = kind, source, int(n_errors)

    @classmethod
    def from_errors(cls, errors, kind, source, min_errors=20):
        """Pool error matrices ``(n_origins, K)`` (one per series, or stacked) per horizon.

        Raises ModelError when a horizon has fewer than ``min_errors`` finite errors.
        """
        stacked = np.vstack([np.atleast_2d(e) for e in errors if np.size(e)])
        table = []
        for k in range(stacked.shape[1]):
            column = stacked[:, k]
            column = column[np.isfinite(column)]
            if len(column) < min_errors:
                raise ModelError(f"only {len(column)} backtest errors at horizon {k + 1}; "
                                 f"{min_errors} are needed for empirical intervals")
            table.append(np.quantile(column, PROB_GRID))
        n_first = int(np.isfinite(stacked[:, 0]).sum())
        return cls(np.column_stack(table), kind, source, n_first)

    @classmethod
    def gaussian(cls, sd_per_year, kind, source):
        """Errors ~ N(0, sd * sqrt(k)) at horizon k, e.g. from a given spread of annual log growth."""
        if not sd_per_year > 0:
            raise ModelError(f"a spread must be positive, got {sd_per_year}")
        table = stats.norm.ppf(PROB_GRID)[:, None] * sd_per_year * np.sqrt(np.arange(1, 11))
        return cls(table, kind, source)

    @property
    def max_horizon(self) -> int:
        return self.table.shape[1]

    def quantiles(self, probs, horizon) -> np.ndarray:
        """Error quantiles, shape ``(len(probs), horizon)``; probabilities in (0, 1)."""
        K = self.max_horizon
        cols = [self.table[:, min(k, K) - 1] * (k / K if k > K else 1.0) for k in range(1, horizon + 1)]
        probs = np.atleast_1d(probs)
        return np.column_stack([np.interp(probs, PROB_GRID, c) for c in cols])

    def apply(self, point, scale, errors, positive=False):
        """Turn errors into values around ``point`` (scale: the spread scale; unused for log errors).

        Scaled errors are added in levels, ``point + scale * e``, unless ``positive``: for a
        strictly positive series they are added in logs, ``point * exp(scale * e / point)`` where
        the point forecast is positive. The two agree to first order (``scale * e`` small against
        ``point``, as for the years the errors were measured on), but far ahead, where ``scale * e``
        grows in proportion to the horizon, the log form keeps every value of a positive series
        positive: lower bounds no longer cross zero.
        """
        point = np.asarray(point, float)
        if self.kind == "log":
            return point * np.exp(errors)
        if not positive:
            return point + scale * errors
        safe = np.where(point > 0, point, 1.0)
        with np.errstate(over="ignore"):
            in_logs = point * np.exp(scale * errors / safe)
        return np.where(point > 0, in_logs, point + scale * errors)

    def intervals(self, point, scale, levels, positive=False) -> dict:
        """Central intervals ``{"lo80": array, "hi80": array, ...}`` around the point forecasts
        (in logs when ``positive``, see :meth:`apply`)."""
        point = np.asarray(point, float)
        out = {}
        for level in levels:
            q = self.quantiles([0.5 - level / 200, 0.5 + level / 200], len(point))
            out[f"lo{level:g}"] = self.apply(point, scale, q[0], positive)
            out[f"hi{level:g}"] = self.apply(point, scale, q[1], positive)
        return out

    def paths(self, point, scale, n_paths, rng, positive=False) -> np.ndarray:
        """Paths ``(n_paths, h)`` whose yearly marginals are the empirical error distribution.

        Years are tied by a Gaussian copula of a random walk (corr(k, j) = sqrt(k / j)), so a path
        that starts high tends to stay high, as accumulated forecast errors do.
        """
        if not isinstance(rng, np.random.Generator):
            raise ModelError("paths need a numpy.random.Generator, e.g. numpy.random.default_rng(1)")
        point = np.asarray(point, float)
        h = len(point)
        walk = np.cumsum(rng.standard_normal((int(n_paths), h)), axis=1) / np.sqrt(np.arange(1, h + 1))
        u = np.clip(stats.norm.cdf(walk), PROB_GRID[0], PROB_GRID[-1])
        K = self.max_horizon
        errors = np.empty_like(u)
        for k in range(h):
            col = self.table[:, min(k + 1, K) - 1] * ((k + 1) / K if k + 1 > K else 1.0)
            errors[:, k] = np.interp(u[:, k], PROB_GRID, col)
        return self.apply(point, scale, errors, positive)

    def describe(self) -> str:
        beyond = f"; beyond {self.max_horizon} years the spread grows in proportion to the horizon"
        count = f" ({self.n_errors} errors at horizon 1)" if self.n_errors else ""
        return f"{self.source}{count}{beyond}"


def gaussian_log_spread(sd_log, source) -> ErrorDistribution:
    """An :class:`ErrorDistribution` of log errors with sd ``sd_log * sqrt(k)`` in year k."""
    if not (isinstance(sd_log, (int, float)) and math.isfinite(sd_log)):
        raise ModelError(f"spread must be a number (sd of annual log growth), got {sd_log!r}")
    return ErrorDistribution.gaussian(float(sd_log), "log", source)

"""The model menu: growth models for short annual series behind one small interface.

Every model is fitted on a year-indexed ``pd.Series`` (consecutive integer years, finite values)
and then answers three questions about the ``h`` years after the last observed one:

- ``forecast(h)`` -> ``pd.Series`` of point forecasts indexed by the future years (for models fitted
  on logs this is the median, ``exp`` of the log forecast);
- ``quantiles(h, levels)`` -> ``DataFrame`` with ``lo80, hi80, lo95, hi95`` ... (central intervals at
  each level in percent), from the model's own error model;
- ``simulate(h, n_paths, rng)`` -> ``ndarray (n_paths, h)`` of paths with the same marginal
  distribution as ``quantiles`` (Gaussian on the model's working scale, levels or logs).

The model-based spreads are what each model believes about itself. On M3 yearly they are far too
narrow (see ``benchmarks/results/m3_yearly.md``); the calibrated intervals of
:mod:`dgforecast.forecast` come instead from measured rolling-origin errors
(:mod:`dgforecast.backtest`).

Each class states ``min_points`` and refuses shorter series with a message saying how many points
it needs. Randomness enters only through the ``numpy.random.Generator`` passed to ``simulate``.
"""

import logging
import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from dgforecast.errors import ModelError

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- input checks
def check_series(y, min_points=1, name="model", positive=False) -> pd.Series:
    """Return ``y`` as a float Series indexed by consecutive int years, or raise ModelError.

    Parameters
    ----------
    y : pd.Series
        Values indexed by year (int). Units are kept as given (for example 亿元).
    min_points : int
        The fewest observations the caller needs.
    name : str
        Who is asking, for the message.
    positive : bool
        Whether every value must be > 0 (models fitted on logs).
    """
    if not isinstance(y, pd.Series):
        raise ModelError(f"{name}: expected a year-indexed pandas Series, got {type(y).__name__}")
    values = pd.to_numeric(y, errors="coerce")
    bad = values[~np.isfinite(values.to_numpy(dtype=float))]
    if len(bad):
        raise ModelError(f"{name}: non-numeric or missing value in year(s) {_years(bad.index)}")
    try:
        years = np.asarray(y.index, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(f"{name}: the index must be integer years") from None
    if len(years) and (np.any(years != np.round(years))):
        raise ModelError(f"{name}: the index must be integer years")
    years = years.astype(int)
    if len(years) < min_points:
        raise ModelError(f"{name} needs at least {min_points} yearly points, got {len(years)}")
    if np.any(np.diff(years) <= 0):
        raise ModelError(f"{name}: years must be increasing without repeats")
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years)) if len(years) else []
    if missing:
        raise ModelError(f"{name}: years must be consecutive; missing {_years(missing)}")
    if positive and np.any(values.to_numpy(dtype=float) <= 0):
        raise ModelError(f"{name} works on logs and needs positive values; "
                         f"non-positive in year(s) {_years(values.index[values <= 0])}")
    return pd.Series(values.to_numpy(dtype=float), index=pd.Index(years, name="year"), name=y.name)


def _years(index) -> str:
    years = [str(int(v)) for v in index]
    return ", ".join(years[:8]) + (f" and {len(years) - 8} more" if len(years) > 8 else "")


def plain_number(value, digits=4) -> str:
    """``value`` to ``digits`` significant digits, never in scientific notation: a reader of a fit table
    reads 14570 and 5009000, not 1.457e+04 and 5.009e+06.

    >>> plain_number(14570.3), plain_number(5009123.4), plain_number(0.098612), plain_number(0.99)
    ('14570', '5009000', '0.09861', '0.99')
    """
    if not math.isfinite(value):
        return str(value)
    return np.format_float_positional(float(value), precision=digits, unique=False, fractional=False, trim="-")


def params_text(params) -> str:
    """A model's parameters as ``name=value, ...`` (floats by ``plain_number``)."""
    return ", ".join(f"{k}={plain_number(v)}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _check_horizon(h) -> int:
    if int(h) != h or h < 1:
        raise ModelError(f"horizon must be a whole number of years >= 1, got {h}")
    return int(h)


def level_columns(levels) -> list:
    """Column names ``lo80, hi80, lo95, hi95`` ... for central interval levels in percent."""
    cols = []
    for level in levels:
        if not 0 < level < 100:
            raise ModelError(f"interval level must be between 0 and 100 (percent), got {level}")
        tag = f"{level:g}"
        cols += [f"lo{tag}", f"hi{tag}"]
    return cols


# ---------------------------------------------------------------- the interface
class GrowthModel:
    """Base class: fit on construction; subclasses give a centre and a spread per horizon.

    Subclasses set ``name``, ``min_points``, ``log_scale`` (fitted on logs) and implement
    ``_fit(values)`` (storing ``self.params``) and ``_centre_sd(h)`` returning two arrays of length
    ``h``: the forecast and its standard deviation on the working scale.
    """

    name = "model"
    min_points = 2
    log_scale = False
    description = ""

    def __init__(self, y, **options):
        self.y = check_series(y, self.min_points, self.name, positive=self.log_scale)
        self.options = options
        self.params = {}
        values = self.y.to_numpy()
        self._fit(np.log(values) if self.log_scale else values, **options)

    @classmethod
    def fit(cls, y, **options):
        """Fit the model to a year-indexed series (see :func:`check_series`)."""
        return cls(y, **options)

    # subclasses -----------------------------------------------------------
    def _fit(self, x, **options):
        raise NotImplementedError

    def _centre_sd(self, h):
        raise NotImplementedError

    # shared ---------------------------------------------------------------
    def future_years(self, h) -> pd.Index:
        last = int(self.y.index[-1])
        return pd.Index(range(last + 1, last + 1 + _check_horizon(h)), name="year")

    def _centre(self, h):
        # Point forecasts alone; a model whose spread is costly (Theta) gives them without it.
        return self._centre_sd(h)[0]

    def forecast(self, h) -> pd.Series:
        """Point forecasts for the ``h`` years after the last observation (units of ``y``)."""
        centre = self._centre(_check_horizon(h))
        values = np.exp(centre) if self.log_scale else centre
        return pd.Series(values, index=self.future_years(h), name="forecast")

    def _spread(self, h):
        centre, sd = self._centre_sd(_check_horizon(h))
        if not np.all(np.isfinite(sd)):
            raise ModelError(f"{self.name}: too few points ({len(self.y)}) to estimate its own spread; "
                             "use dgforecast.forecast.forecast_series for pooled empirical intervals")
        return centre, sd

    def quantiles(self, h, levels=(80, 95)) -> pd.DataFrame:
        """Model-based central intervals, columns ``lo<level>, hi<level>`` (units of ``y``)."""
        centre, sd = self._spread(h)
        out = {}
        for level, col in zip(levels, level_columns(levels)[::2]):
            z = stats.norm.ppf(0.5 + level / 200)
            lo, hi = centre - z * sd, centre + z * sd
            if self.log_scale:
                lo, hi = np.exp(lo), np.exp(hi)
            out[col], out["hi" + col[2:]] = lo, hi
        return pd.DataFrame(out, index=self.future_years(h))

    def simulate(self, h, n_paths, rng) -> np.ndarray:
        """Paths ``(n_paths, h)`` whose yearly marginals match ``quantiles``.

        The shocks accumulate like a random walk (scaled so that year ``k`` has exactly the
        model's standard deviation), so a path that starts high tends to stay high.

        Parameters
        ----------
        rng : numpy.random.Generator
            The only source of randomness.
        """
        if not isinstance(rng, np.random.Generator):
            raise ModelError("simulate needs a numpy.random.Generator, e.g. numpy.random.default_rng(1)")
        centre, sd = self._spread(h)
        walk = np.cumsum(rng.standard_normal((int(n_paths), len(centre))), axis=1)
        paths = centre + sd * walk / np.sqrt(np.arange(1, len(centre) + 1))
        return np.exp(paths) if self.log_scale else paths

    def __repr__(self):
        return f"<{self.name} on {len(self.y)} points: {params_text(self.params)}>"


def _sd_of(x, ddof=1) -> float:
    return float(np.std(x, ddof=ddof)) if len(x) > ddof else math.nan


# ---------------------------------------------------------------- drift family
def drift_forecast(x, h) -> tuple:
    """Random walk with drift on ``x``: centre and sd for ``h`` steps (Hyndman & Athanasopoulos 5.5).

    The drift is the mean first difference, ``(x[-1] - x[0]) / (n - 1)``; the sd grows as
    ``sigma * sqrt(k * (1 + k / (n - 1)))`` to include the uncertainty of the drift itself.
    """
    steps = np.arange(1, h + 1)
    diffs = np.diff(x)
    drift = float(diffs.mean())
    sigma = _sd_of(diffs)
    return x[-1] + drift * steps, sigma * np.sqrt(steps * (1 + steps / len(diffs)))


class Drift(GrowthModel):
    """Random walk with drift in levels: ``y[T+k] = y[T] + k * mean(Δy)``."""

    name, min_points = "drift", 2
    description = "random walk with drift (levels)"

    def _fit(self, x):
        diffs = np.diff(x)
        self.params = {"drift": float(diffs.mean()), "sigma": _sd_of(diffs)}

    def _centre_sd(self, h):
        return drift_forecast(self.y.to_numpy(), h)


class LogDrift(Drift):
    """Random walk with drift in logs: constant growth at the mean log growth of all years."""

    name, min_points, log_scale = "logdrift", 2, True
    description = "random walk with drift (logs)"

    def _fit(self, x):
        diffs = np.diff(x)
        self.params = {"growth": float(np.expm1(diffs.mean())), "sigma_log": _sd_of(diffs)}

    def _centre_sd(self, h):
        return drift_forecast(np.log(self.y.to_numpy()), h)


class ConstantGrowth(GrowthModel):
    """Constant growth at the CAGR of the last ``window`` years (default 5, or all if shorter).

    ``params['cagr']`` is the compound annual growth rate as a fraction (0.07 = 7 % a year).
    """

    name, min_points, log_scale = "cagr", 2, True
    description = "constant growth at the CAGR of a window"

    def _fit(self, x, window=5):
        if window < 1:
            raise ModelError(f"cagr: window must be at least 1 year, got {window}")
        w = min(int(window), len(x) - 1)
        diffs = np.diff(x[-(w + 1):])
        self.params = {"cagr": float(np.expm1((x[-1] - x[-1 - w]) / w)), "window_years": w,
                       "sigma_log": _sd_of(diffs)}

    def _centre_sd(self, h):
        x = np.log(self.y.to_numpy())
        w = self.params["window_years"]
        steps = np.arange(1, h + 1)
        centre = x[-1] + steps * np.log1p(self.params["cagr"])
        return centre, self.params["sigma_log"] * np.sqrt(steps * (1 + steps / w))


class DampedDrift(GrowthModel):
    """Drift whose yearly increment decays by ``phi`` (default 0.9): ``y[T] + d * sum(phi**j)``."""

    name, min_points = "damped_drift", 2
    description = "random walk with damped drift (levels)"

    def _fit(self, x, phi=0.9):
        if not 0 < phi <= 1:
            raise ModelError(f"damped_drift: phi must be in (0, 1], got {phi}")
        diffs = np.diff(x)
        self.params = {"drift": float(diffs.mean()), "phi": float(phi), "sigma": _sd_of(diffs)}

    def _centre_sd(self, h):
        x = self.y.to_numpy()
        phi = self.params["phi"]
        steps = np.arange(1, h + 1)
        centre = x[-1] + self.params["drift"] * np.cumsum(phi ** steps)
        return centre, self.params["sigma"] * np.sqrt(steps)


# ---------------------------------------------------------------- exponential smoothing and theta (numpy)
#: alpha values searched; the lower bound 0.1 follows statsforecast and measured better on M3 yearly.
ALPHA_GRID = np.linspace(0.1, 0.99, 90)


def theta_states(x, alpha):
    """Run the dynamic theta state recursions of Fiorucci et al. (2016) for many ``alpha`` at once.

    Returns, for each alpha (rows) and step t = 2..n (columns), the parts of the one-step
    forecast ``mu_t = Lz_{t-1} + (1-alpha)**(t-1) * l0 + k * D_t``: ``Lz`` (level started at 0),
    ``W = (1-alpha)**(t-1)`` (weight of the initial level ``l0``) and ``D`` (the trend term that
    ``k = 1 - 1/theta`` multiplies), plus the final ``Lz_n``, ``A_n``, ``B_n``.
    The level is linear in ``l0`` and the forecast linear in ``k``, so both are solved exactly by
    least squares for each alpha (see :func:`fit_theta`).
    """
    alpha = np.asarray(alpha, dtype=float)[:, None]
    n = len(x)
    beta = 1 - alpha
    level = alpha * x[0]                     # l_1 with l_0 = 0
    mean, a, b = x[0], x[0], 0.0             # Ybar_1, A_1, B_1
    lz, w, d = [], [], []
    for t in range(2, n + 1):                # 1-based time of the observation being forecast
        lz.append(level)
        w.append(beta ** (t - 1))
        d.append(beta ** (t - 1) * a + (1 - beta ** t) / alpha * b)
        y = x[t - 1]
        level = alpha * y + beta * level
        b = ((t - 2) * b + 6.0 / t * (y - mean)) / (t + 1)
        mean = ((t - 1) * mean + y) / t
        a = mean - (t + 1) / 2 * b
    stack = [np.hstack(v) for v in (lz, w, d)]
    return stack, (level, a, b)


def fit_theta(x, alpha_grid=ALPHA_GRID, trend=True):
    """Least-squares fit of the dynamic optimised theta model (or SES when ``trend=False``).

    For each alpha on the grid, ``l0`` and ``k = 1 - 1/theta`` (clipped to [0, 0.999], i.e.
    theta >= 1) are solved in closed form; the alpha with the smallest one-step sum of squares wins.

    Returns
    -------
    dict
        alpha, theta, l0, sigma (one-step residual sd) and the final states needed to forecast.
    """
    n = len(x)
    (lz, w, d), (ln, an, bn) = theta_states(x, alpha_grid)
    target = x[1:] - lz                                       # (n_alpha, n-1)
    if trend:
        l0, k = _two_regressor_ls(target, w, d)
    else:
        l0, k = _two_regressor_ls(target, w, np.zeros_like(w))
    resid = target - l0[:, None] * w - k[:, None] * d
    sse = (resid ** 2).sum(1)
    i = int(np.argmin(sse))
    alpha = float(alpha_grid[i])
    return {"alpha": alpha, "theta": float(1 / (1 - k[i])), "l0": float(l0[i]),
            "sigma": float(math.sqrt(sse[i] / max(n - 1 - (3 if trend else 2), 1))),
            "level": float(ln[i, 0] + (1 - alpha) ** n * l0[i]), "a": float(an), "b": float(bn), "n": n}


def _two_regressor_ls(target, w, d):
    """Per row, least squares of target on (w, d) with the d-coefficient clipped to [0, 0.999] (1 <= theta <= 1000).

    When ``w`` vanishes (alpha = 1: the initial level is forgotten at once) ``l0`` is set to 0.
    """
    sww, sdd, swd = (w * w).sum(1), (d * d).sum(1), (w * d).sum(1)
    swt, sdt = (w * target).sum(1), (d * target).sum(1)
    has_w = sww > 1e-12
    det = sww * sdd - swd ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(has_w & (np.abs(det) > 1e-12 * sww * sdd), (sww * sdt - swd * swt) / det, sdt / sdd)
        k = np.clip(np.nan_to_num(k), 0.0, 0.999)
        l0 = np.where(has_w, (swt - k * swd) / np.where(has_w, sww, 1.0), 0.0)
    return l0, k


def theta_forecast(fit, h) -> np.ndarray:
    """Point forecasts 1..h from a :func:`fit_theta` result.

    Each forecast is the one-step formula of Fiorucci et al. (2016), after which the states are
    updated with the forecast itself, as the dynamic model implies (and as statsforecast does).
    """
    alpha, k = fit["alpha"], 1 - 1 / fit["theta"]
    beta = 1 - alpha
    level, a, b, n = fit["level"], fit["a"], fit["b"], fit["n"]
    mean = a + (n + 1) / 2 * b
    out = np.empty(h)
    for j, t in enumerate(range(n + 1, n + h + 1)):
        y = out[j] = level + k * (beta ** (t - 1) * a + (1 - beta ** t) / alpha * b)
        level = alpha * y + beta * level
        b = ((t - 2) * b + 6.0 / t * (y - mean)) / (t + 1)
        mean = ((t - 1) * mean + y) / t
        a = mean - (t + 1) / 2 * b
    return out


class DynamicTheta(GrowthModel):
    """Dynamic optimised theta model (DOTM, Fiorucci et al. 2016), fitted in numpy on levels.

    The level is smoothed with ``alpha``; the trend is the dynamically updated regression line
    ``A_t + B_t t`` weighted by ``1 - 1/theta`` with ``theta >= 1``. Model-based spread: the SES
    formula ``sigma * sqrt(1 + (k-1) alpha**2)`` (ignores the trend's uncertainty, so too narrow).
    """

    name, min_points = "dotm", 4
    description = "dynamic optimised theta (numpy)"
    trend = True

    def _fit(self, x):
        self._state = fit_theta(x, trend=self.trend)
        keep = ("alpha", "theta", "l0", "sigma") if self.trend else ("alpha", "l0", "sigma")
        self.params = {k: self._state[k] for k in keep}

    def _centre_sd(self, h):
        steps = np.arange(1, h + 1)
        sd = self._state["sigma"] * np.sqrt(1 + (steps - 1) * self._state["alpha"] ** 2)
        return theta_forecast(self._state, h), sd


class SimpleSmoothing(DynamicTheta):
    """Simple exponential smoothing (flat forecast at the smoothed level), fitted in numpy."""

    name, min_points = "ses", 3
    description = "simple exponential smoothing (numpy)"
    trend = False


# ---------------------------------------------------------------- statsmodels models
def _quiet(fn):
    """Call ``fn`` with statsmodels' convergence chatter silenced (we check the result instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn()


def _positional(x) -> pd.Series:
    # statsmodels wants a plain RangeIndex; years are restored by GrowthModel.future_years.
    return pd.Series(x, index=pd.RangeIndex(len(x)))


class LogLinearTrend(GrowthModel):
    """Log-linear trend by OLS (statsmodels): ``log y = a + g * (year - first year)``.

    ``params['growth']`` is the trend growth rate per year (``exp(g) - 1``). A global trend: it
    forecasts poorly on yearly data (M3), but states the average growth plainly.
    """

    name, min_points, log_scale = "loglinear", 3, True
    description = "log-linear trend (statsmodels OLS)"

    def _fit(self, x):
        import statsmodels.api as sm

        t = np.arange(len(x), dtype=float)
        self._res = sm.OLS(x, sm.add_constant(t)).fit()
        a, g = self._res.params
        self.params = {"intercept_log": float(a), "growth": float(np.expm1(g)),
                       "sigma_log": float(np.sqrt(self._res.scale))}

    def _centre_sd(self, h):
        import statsmodels.api as sm

        t = np.arange(len(self.y), len(self.y) + h, dtype=float)
        pred = self._res.get_prediction(sm.add_constant(t, has_constant="add"))
        return pred.predicted_mean, np.sqrt(pred.se_mean ** 2 + self._res.scale)


class DampedETS(GrowthModel):
    """Additive damped-trend exponential smoothing, ETS(A,Ad,N), by statsmodels ETSModel (levels)."""

    name, min_points = "ets", 6
    description = "damped-trend exponential smoothing (statsmodels ETSModel)"

    def _fit(self, x):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        model = ETSModel(_positional(x), error="add", trend="add", damped_trend=True)
        self._res = _quiet(lambda: model.fit(disp=False))
        p = dict(zip(self._res.param_names, self._res.params))
        self.params = {"alpha": float(p["smoothing_level"]), "beta": float(p["smoothing_trend"]),
                       "phi": float(p["damping_trend"]), "sigma": float(np.sqrt(self._res.mse))}

    def _centre_sd(self, h):
        n = len(self.y)
        frame = _quiet(lambda: self._res.get_prediction(start=n, end=n + h - 1).summary_frame(alpha=0.05))
        z = stats.norm.ppf(0.975)
        return frame["mean"].to_numpy(), ((frame["pi_upper"] - frame["pi_lower"]) / (2 * z)).to_numpy()


class ArimaDrift(GrowthModel):
    """ARIMA(p, d, q) by statsmodels, by default (0, 1, 1) with drift.

    Drift is done the way statsmodels identifies it: once ``d > 0`` a constant would be
    differenced away, so ``drift=True`` adds a trend of order ``d`` (``trend='t'`` for d = 1),
    whose coefficient is the mean yearly change; asking for ``constant=True`` with ``d > 0`` is
    refused.
    """

    name, min_points = "arima", 7
    description = "ARIMA with drift (statsmodels)"

    def _fit(self, x, order=(0, 1, 1), drift=True, constant=False):
        from statsmodels.tsa.arima.model import ARIMA

        p, d, q = order
        if constant and d > 0:
            raise ModelError(f"arima: a constant is not identified once d > 0 (order {tuple(order)}); "
                             "use drift=True, which adds trend 't'")
        if d > 1 and drift:
            raise ModelError("arima: drift is supported for d <= 1 only; difference the series or set drift=False")
        needed = p + q + d + int(drift or constant) + 4
        if len(x) < needed:
            raise ModelError(f"arima{tuple(order)} needs at least {needed} yearly points, got {len(x)}")
        trend = ("t" if d == 1 else "c") if (drift or constant) else "n"
        self._res = _quiet(lambda: ARIMA(_positional(x), order=tuple(order), trend=trend).fit())
        self.params = {"order": tuple(order), "trend": trend}
        self.params.update({k: float(v) for k, v in zip(self._res.param_names, self._res.params)})
        if "x1" in self.params:
            self.params["drift"] = self.params.pop("x1")

    def _centre_sd(self, h):
        pred = _quiet(lambda: self._res.get_forecast(h))
        return np.asarray(pred.predicted_mean), np.asarray(pred.se_mean)


def ses_sse(x, alphas) -> np.ndarray:
    """Sum of squared one-step errors of simple exponential smoothing started at ``x[0]``, per alpha.

    The level starts at the first observation (statsmodels' ``initialization_method="known"``,
    ``initial_level=x[0]``) and ``l_t = alpha x_t + (1 - alpha) l_{t-1}``; all alphas at once.
    """
    alphas = np.asarray(alphas, float)
    level = np.full(alphas.shape, x[0], dtype=float)
    sse = np.zeros(alphas.shape)
    for value in x[1:]:
        sse += (value - level) ** 2
        level = alphas * value + (1 - alphas) * level
    return sse


def fit_ses_alpha(x) -> float:
    """The alpha in [0, 1] with the least one-step squared error (:func:`ses_sse`), to about 1e-4.

    A grid of 101 values, then 201 around the best: a closed search that does what statsmodels'
    ``ExponentialSmoothing(...).fit()`` does for one parameter, some hundred times faster.
    """
    coarse = np.linspace(0.0, 1.0, 101)
    best = coarse[int(np.argmin(ses_sse(x, coarse)))]
    fine = np.linspace(max(0.0, best - 0.01), min(1.0, best + 0.01), 201)
    return float(fine[int(np.argmin(ses_sse(x, fine)))])


class Theta(GrowthModel):
    """The theta method (Assimakopoulos & Nikolopoulos 2000) on logs, as statsmodels ThetaModel fits it.

    Two-step estimate, as ``ThetaModel(period=1, deseasonalize=False).fit()``: ``b0`` is the OLS
    slope of the log series on time, ``alpha`` the smoothing parameter of simple exponential
    smoothing started at the first value; the forecast for year ``h`` is the smoothed level plus
    ``b0 / 2 * (h - 1 + 1/alpha - (1 - alpha)**n / alpha)``. Fitted in numpy (a grid search for
    alpha): statsmodels' optimiser took 0.06 s a fit, minutes per file once every backtest origin
    is refitted. The model's own spread, ``sigma2 (1 + (k-1)(1 + (alpha-1)**2))`` with sigma2 from
    an ARIMA(0,1,1) with drift, is computed by statsmodels only when asked for.
    """

    name, min_points, log_scale = "theta", 4, True
    description = "theta method (statsmodels ThetaModel's estimates, in numpy; logs)"

    def _fit(self, x):
        t = np.arange(len(x), dtype=float)
        b0 = float(np.polyfit(t, x, 1)[0])
        alpha = fit_ses_alpha(x)
        level = x[0]
        for value in x:
            level = alpha * value + (1 - alpha) * level
        self._one_step, self._sigma2 = float(level), None
        self.params = {"b0": b0, "alpha": alpha}

    def _centre(self, h):
        alpha, n = self.params["alpha"], len(self.y)
        steps = np.arange(h, dtype=float)
        if alpha > 0:
            steps += 1 / alpha - (1 - alpha) ** n / alpha
        return self._one_step + 0.5 * self.params["b0"] * steps

    def _centre_sd(self, h):
        if self._sigma2 is None:
            from statsmodels.tsa.statespace.sarimax import SARIMAX

            res = _quiet(lambda: SARIMAX(_positional(np.log(self.y.to_numpy())), order=(0, 1, 1), trend="c")
                         .fit(disp=False))
            self._sigma2 = float(np.asarray(res.params)[-1])
        k = np.arange(h)
        sd = np.sqrt((1 + k * (1 + (self.params["alpha"] - 1) ** 2)) * self._sigma2)
        return self._centre(h), sd


# ---------------------------------------------------------------- saturating curves (scipy)
def logistic_curve(t, ceiling, rate, midpoint):
    """Logistic curve ``ceiling / (1 + exp(-rate * (t - midpoint)))`` (t in years from the start)."""
    return ceiling / (1 + np.exp(-rate * (t - midpoint)))


def gompertz_curve(t, ceiling, shift, rate):
    """Gompertz curve ``ceiling * exp(-shift * exp(-rate * t))`` (t in years from the start)."""
    return ceiling * np.exp(-shift * np.exp(-rate * t))


class _Saturating(GrowthModel):
    """A three-parameter growth curve approaching a ceiling, fitted by scipy ``curve_fit``.

    Refused when the fit does not converge or when the fitted ceiling is more than
    ``max_ceiling_ratio`` times the largest observation: the data then show no ceiling.
    """

    min_points = 5
    curve = None

    def _fit(self, x, max_ceiling_ratio=10.0):
        t = np.arange(len(x), dtype=float)
        try:
            popt, pcov = _quiet(lambda: optimize.curve_fit(
                self.curve, t, x, p0=self._start(x), bounds=self._bounds(x), maxfev=20000))
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"{self.name}: the curve fit did not converge ({exc})") from None
        ceiling = popt[0]
        if ceiling > max_ceiling_ratio * x.max():
            raise ModelError(f"{self.name}: fitted ceiling {ceiling:,.0f} is more than {max_ceiling_ratio:g} times "
                             f"the largest value {x.max():,.6g}; the series shows no ceiling yet")
        resid = x - self.curve(t, *popt)
        self._popt, self._pcov = popt, np.nan_to_num(pcov, nan=0.0, posinf=0.0)
        self._sigma = float(np.sqrt((resid ** 2).sum() / max(len(x) - 3, 1)))
        self.params = dict(zip(self.param_names, map(float, popt)))
        self.params["sigma"] = self._sigma

    def _centre_sd(self, h):
        t = np.arange(len(self.y), len(self.y) + h, dtype=float)
        centre = self.curve(t, *self._popt)
        # delta method: gradient of the curve in its parameters, by central differences
        steps = 1e-6 * np.maximum(np.abs(self._popt), 1e-3)
        grad = np.column_stack([(self.curve(t, *(self._popt + dp)) - self.curve(t, *(self._popt - dp))) / (2 * s)
                                for s, dp in zip(steps, np.diag(steps))])
        se_curve = np.einsum("ij,jk,ik->i", grad, self._pcov, grad)
        return centre, np.sqrt(np.maximum(se_curve, 0) + self._sigma ** 2)


class Logistic(_Saturating):
    """Logistic growth towards ``params['ceiling']`` (units of y); ``rate`` per year; ``midpoint`` in years."""

    name = "logistic"
    description = "logistic curve (scipy)"
    curve = staticmethod(logistic_curve)
    param_names = ("ceiling", "rate", "midpoint")

    @staticmethod
    def _start(x):
        return [1.5 * x.max(), 0.3, len(x)]

    @staticmethod
    def _bounds(x):
        return [x.max() * 0.5, 1e-4, -200], [x.max() * 1e3, 5.0, 400]


class Gompertz(_Saturating):
    """Gompertz growth towards ``params['ceiling']`` (units of y); ``rate`` per year."""

    name = "gompertz"
    description = "Gompertz curve (scipy)"
    curve = staticmethod(gompertz_curve)
    param_names = ("ceiling", "shift", "rate")

    @staticmethod
    def _start(x):
        ceiling = 1.5 * x.max()
        return [ceiling, max(np.log(ceiling / x[0]), 0.1), 0.2]

    @staticmethod
    def _bounds(x):
        return [x.max() * 0.5, 1e-6, 1e-4], [x.max() * 1e3, 50.0, 5.0]


# ---------------------------------------------------------------- the menu
#: Model name -> class. Every entry fits a year-indexed Series via ``fit_model(name, y)``.
MODELS = {cls.name: cls for cls in (
    ConstantGrowth, LogLinearTrend, Drift, LogDrift, DampedDrift, SimpleSmoothing, DynamicTheta,
    DampedETS, ArimaDrift, Theta, Logistic, Gompertz)}


def fit_model(name, y, **options) -> GrowthModel:
    """Fit the menu model ``name`` to the year-indexed series ``y``.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    y : pd.Series
        Values indexed by consecutive int years.
    **options
        Passed to the model (``window`` for cagr, ``phi`` for damped_drift, ``order``/``drift``
        for arima, ``max_ceiling_ratio`` for logistic/gompertz).

    Raises
    ------
    ModelError
        Unknown name, too few points, gaps, non-positive values for a log model, failed fit.
    """
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name].fit(y, **options)

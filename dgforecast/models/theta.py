"""Exponential smoothing and theta, fitted in numpy: dynamic optimised theta, simple smoothing, the theta method."""

import math

import numpy as np

from dgforecast.models.base import GrowthModel, positional, quietly

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

            res = quietly(lambda: SARIMAX(positional(np.log(self.y.to_numpy())), order=(0, 1, 1), trend="c")
                         .fit(disp=False))
            self._sigma2 = float(np.asarray(res.params)[-1])
        k = np.arange(h)
        sd = np.sqrt((1 + k * (1 + (self.params["alpha"] - 1) ** 2)) * self._sigma2)
        return self._centre(h), sd

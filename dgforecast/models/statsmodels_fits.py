"""Models fitted by statsmodels: a log-linear trend (OLS), damped-trend ETS and ARIMA with drift."""

import numpy as np
from scipy import stats

from dgforecast.core.errors import ModelError
from dgforecast.models.base import GrowthModel, positional, quietly


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

        model = ETSModel(positional(x), error="add", trend="add", damped_trend=True)
        self._res = quietly(lambda: model.fit(disp=False))
        p = dict(zip(self._res.param_names, self._res.params))
        self.params = {"alpha": float(p["smoothing_level"]), "beta": float(p["smoothing_trend"]),
                       "phi": float(p["damping_trend"]), "sigma": float(np.sqrt(self._res.mse))}

    def _centre_sd(self, h):
        n = len(self.y)
        frame = quietly(lambda: self._res.get_prediction(start=n, end=n + h - 1).summary_frame(alpha=0.05))
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
        self._res = quietly(lambda: ARIMA(positional(x), order=tuple(order), trend=trend).fit())
        self.params = {"order": tuple(order), "trend": trend}
        self.params.update({k: float(v) for k, v in zip(self._res.param_names, self._res.params)})
        if "x1" in self.params:
            self.params["drift"] = self.params.pop("x1")

    def _centre_sd(self, h):
        pred = quietly(lambda: self._res.get_forecast(h))
        return np.asarray(pred.predicted_mean), np.asarray(pred.se_mean)

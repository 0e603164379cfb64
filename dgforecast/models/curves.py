"""Saturating growth curves fitted by scipy: logistic and Gompertz, refused when the data show no ceiling."""

import numpy as np
from scipy import optimize

from dgforecast.core.errors import ModelError
from dgforecast.models.base import GrowthModel, quietly


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
            popt, pcov = quietly(lambda: optimize.curve_fit(
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

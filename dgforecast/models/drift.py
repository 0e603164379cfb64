"""The drift family: random walks with drift (levels, logs, damped) and constant growth at a window's CAGR."""

import math

import numpy as np

from dgforecast.core.errors import ModelError
from dgforecast.models.base import GrowthModel


def _sd_of(x, ddof=1) -> float:
    return float(np.std(x, ddof=ddof)) if len(x) > ddof else math.nan

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

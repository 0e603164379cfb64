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
:mod:`dgforecast.models.forecast` come instead from measured rolling-origin errors
(:mod:`dgforecast.models.backtest`).

Each class states ``min_points`` and refuses shorter series with a message saying how many points
it needs. Randomness enters only through the ``numpy.random.Generator`` passed to ``simulate``.

The interface and the input checks are in ``models.base``; the models, by family, in ``models.drift``,
``models.theta``, ``models.statsmodels_fits`` and ``models.curves``; this module is the menu.
"""

import logging

from dgforecast.core.errors import ModelError
from dgforecast.models.base import GrowthModel
from dgforecast.models.curves import Gompertz, Logistic
from dgforecast.models.drift import ConstantGrowth, DampedDrift, Drift, LogDrift
from dgforecast.models.statsmodels_fits import ArimaDrift, DampedETS, LogLinearTrend
from dgforecast.models.theta import DynamicTheta, SimpleSmoothing, Theta

log = logging.getLogger(__name__)


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

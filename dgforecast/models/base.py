"""The interface every growth model shares (``GrowthModel``), and the checks of its input.

A model is fitted on a year-indexed ``pd.Series`` (``check_series``: consecutive integer years, finite
values) and answers ``forecast``, ``quantiles`` and ``simulate`` for the ``h`` years after the last
observed one; the families (``drift``, ``theta``, ``statsmodels_fits``, ``curves``) give each its centre
and spread.
"""

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from dgforecast.core.errors import ModelError


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
                             "use dgforecast.models.forecast.forecast_series for pooled empirical intervals")
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


def quietly(fn):
    """Call ``fn`` with statsmodels' convergence chatter silenced (we check the result instead)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn()


def positional(x) -> pd.Series:
    # statsmodels wants a plain RangeIndex; years are restored by GrowthModel.future_years.
    return pd.Series(x, index=pd.RangeIndex(len(x)))

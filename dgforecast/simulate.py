"""Simulated paths of a target's measure under one scenario, and the lognormal closed form.

Two engines:

* ``lognormal``: annual log growth ~ Normal(ln(1 + g_t), volatility²), independent across years,
  where g_t is ``growth`` unless ``growth_overrides`` names year t. The median path therefore
  grows at exactly g_t a year, and P(level >= K) has a closed form (``closed_form_p_met``).
* ``fitted``: the growth-models package (``dgforecast.forecast.simulate_series``, method ``auto``)
  fitted on a published history; its simulated growth factors are applied to the start level.

Growth in ``real`` price basis is turned nominal with the deflator, because the targets are in
current 亿元. The revenue ratio (营业收入 / 总产值) is drawn once per path — it is a structural
property of the cluster, not a yearly shock — from a lognormal with mean ``revenue_to_output_ratio``
and sd ``revenue_to_output_ratio_sd``.
"""

import logging
import math

import numpy as np
import pandas as pd

from dgforecast.errors import ParamsError

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- building blocks
def simulated_years(params) -> list[int]:
    """Years the engine draws: ``as_of_year + 1`` .. ``target_year``."""
    return list(range(params.as_of_year + 1, params.target_year + 1))


def log_growth_means(params, years) -> np.ndarray:
    """ln(1 + g_t) for each year, g_t nominal (override if any, real growth turned nominal)."""
    return np.array([math.log1p(params.nominal_growth(y)) for y in years])


def ratio_lognormal(mean, sd) -> tuple[float, float]:
    """(mu, s) of a lognormal with the given mean and sd: s² = ln(1 + (sd/mean)²), mu = ln(mean) - s²/2."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2.0, math.sqrt(s2)


def draw_ratios(params, n, rng) -> np.ndarray:
    """One revenue-to-output ratio per path (all equal to the mean when its sd is 0)."""
    mean, sd = params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd
    if sd == 0:
        return np.full(n, mean)
    mu, s = ratio_lognormal(mean, sd)
    return np.exp(rng.normal(mu, s, size=n))


def start_point(base_level, base_year, params, actuals=None) -> tuple[float, dict]:
    """The level the simulation starts from and the actual levels it keeps.

    Returns
    -------
    (start, kept) : (float, dict)
        ``start`` is the actual at ``as_of_year`` (``base_level`` when as_of_year is the base year);
        ``kept`` maps each year after ``base_year`` up to ``as_of_year`` to its actual level.

    Raises
    ------
    ParamsError
        When ``as_of_year`` is after the base year but no actual is given for it or a year before.
    """
    if params.as_of_year < base_year:
        raise ParamsError(f"as_of_year = {params.as_of_year}: before the base year {base_year}; "
                          f"use {base_year} or later")
    known = {} if actuals is None else {int(y): float(v) for y, v in actuals.dropna().items()}
    wanted = range(base_year + 1, params.as_of_year + 1)
    missing = [y for y in wanted if y not in known]
    if missing:
        last = max((y for y in known if y <= params.as_of_year), default=base_year)
        raise ParamsError(f"as_of_year = {params.as_of_year}: no actual figure for {', '.join(map(str, missing))} "
                          f"in data/raw/; use as_of_year = {last} or add the figures")
    kept = {y: known[y] for y in wanted}
    start = kept[params.as_of_year] if kept else float(base_level)
    if not start > 0:
        raise ParamsError(f"start level {start} at {params.as_of_year} is not positive; check the baseline and actuals")
    return start, kept


# ---------------------------------------------------------------- engines
def lognormal_factors(params, years, rng) -> np.ndarray:
    """Cumulative growth factors, shape n_sims x len(years): exp of summed Normal log growths."""
    means = log_growth_means(params, years)
    steps = rng.normal(0.0, 1.0, size=(params.n_sims, len(years))) * params.volatility + means
    return np.exp(np.cumsum(steps, axis=1))


def fitted_factors(params, years, rng, history) -> np.ndarray:
    """Cumulative growth factors from the growth models' ``auto`` method fitted on ``history``.

    The models continue ``history`` after its last year; the factors are their paths divided by the
    level at ``as_of_year`` (the last observation, or the simulated value when history ends earlier).
    """
    try:
        from dgforecast.forecast import fill_gaps, simulate_series
    except ImportError:
        raise ParamsError("engine = 'fitted': the growth models (dgforecast.forecast) are not available in "
                          "this version; use engine: lognormal") from None
    if history is None or len(history.dropna()) < 2:
        raise ParamsError(f"engine = 'fitted': history_series = {params.history_series!r} has fewer than 2 "
                          "published levels; name a longer series or use engine: lognormal")
    y, gap_note = fill_gaps(history[history.index <= params.as_of_year].dropna())
    if gap_note:
        log.info("%s", gap_note)
    last = int(y.index[-1])
    horizon = params.target_year - last
    paths, info = simulate_series(y, horizon, params.n_sims, rng, method="auto")
    paths = np.asarray(paths, dtype=float)
    log.info("%s: fitted %s on %s %s", params.scenario, info.get("model"), y.name, info.get("years"))
    lead = params.as_of_year - last  # simulated years between the history's end and as_of_year
    start = paths[:, lead - 1:lead] if lead > 0 else float(y.iloc[-1])
    return paths[:, lead:] / start


def simulate_paths(base_level, base_year, params, rng, actuals=None, history=None,
                   apply_ratio=True) -> pd.DataFrame:
    """Simulated yearly levels of a level target's measure, one row per path.

    Parameters
    ----------
    base_level : float
        Level of the baseline measure (for the cluster: 规上工业总产值) at ``base_year``, 亿元.
    base_year : int
        The plan's baseline year (2021).
    params : ScenarioParams
        The scenario (engine, growth, volatility, overrides, ratio, price basis, n_sims).
    rng : numpy.random.Generator
        The only source of randomness; the same seed gives the same paths.
    actuals : pd.Series, optional
        Actual levels of the baseline measure by year after ``base_year``. Years up to
        ``as_of_year`` are kept as they are and the simulation starts from the one at ``as_of_year``.
    history : pd.Series, optional
        Published level series the ``fitted`` engine learns its growth from.
    apply_ratio : bool
        Multiply by the revenue-to-output ratio (True for targets measured in 营业收入).

    Returns
    -------
    DataFrame
        ``n_sims`` rows x columns ``base_year + 1 .. target_year`` (int), values in 亿元.
    """
    start, kept = start_point(base_level, base_year, params, actuals)
    years = simulated_years(params)
    if params.engine == "lognormal":
        factors = lognormal_factors(params, years, rng)
    else:
        factors = fitted_factors(params, years, rng, history)
    levels = start * factors
    if kept:
        levels = np.hstack([np.tile(list(kept.values()), (params.n_sims, 1)), levels])
    if apply_ratio:
        levels = levels * draw_ratios(params, params.n_sims, rng)[:, None]
    columns = pd.Index(list(kept) + years, name="year")
    log.info("%s: %d paths %d-%d from %.2f at %d (%s engine)", params.scenario, params.n_sims,
             columns[0], columns[-1], start, params.as_of_year, params.engine)
    return pd.DataFrame(levels, columns=columns)


# ---------------------------------------------------------------- closed form
def closed_form_p_met(threshold, base_level, years, growth, volatility, ratio=1.0, ratio_sd=0.0) -> float:
    """P(level after ``years`` steps >= ``threshold``) under the lognormal engine, exactly.

    P = 1 - Φ((ln(K / (r·X0)) - Σ ln(1 + g_t)) / (σ·√n)); with ``ratio_sd`` > 0 the lognormal
    ratio adds its log-variance s² to n·σ² and shifts the log-mean by -s²/2 (its mean stays r).

    Parameters
    ----------
    threshold : float
        K, the target level (亿元).
    base_level : float
        X0, the start level before the ratio (亿元).
    years : int
        n, the number of annual steps.
    growth : float or sequence of float
        Nominal growth per year (a fraction), one value or one per year.
    volatility : float
        σ, sd of annual log growth.
    ratio, ratio_sd : float
        Mean and sd of the revenue-to-output ratio.

    Examples
    --------
    >>> round(closed_form_p_met(5400, 4621.25, 4, 0.0397, 0.05), 3)
    0.5
    """
    from scipy.stats import norm  # here, not at the top: scipy.stats takes half a second to import

    g = np.broadcast_to(np.asarray(growth, dtype=float), (years,))
    drift = float(np.sum(np.log1p(g)))
    if ratio_sd > 0:
        mu_r, s = ratio_lognormal(ratio, ratio_sd)
    else:
        mu_r, s = math.log(ratio), 0.0
    spread = math.sqrt(years * volatility ** 2 + s ** 2)
    gap = math.log(threshold / base_level) - mu_r - drift
    if spread == 0:
        return 1.0 if gap <= 0 else 0.0
    return float(norm.sf(gap / spread))


def closed_form_for(params, threshold, start_level) -> float:
    """``closed_form_p_met`` with the scenario's yearly growths, volatility and ratio (lognormal engine)."""
    years = simulated_years(params)
    growth = [params.nominal_growth(y) for y in years]
    return closed_form_p_met(threshold, start_level, len(years), growth, params.volatility,
                             params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd)

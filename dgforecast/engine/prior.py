"""What a scenario assumes before any evidence: the years drawn and the prior on the state.

A path's state is θ = (x_t for each simulated year, ln r, δ, and b when the plan states the base as
a bound) in ``state_layout`` order. Under the lognormal engine's prior x_t ~ N(ln(1 + g_t) + σ·s_h,
σ²·c_h²) independent across years, σ = volatility (g_t is ``growth`` unless ``growth_overrides``
names year t; real growth is turned nominal with the deflator; s_h and c_h are the
``calibration``'s shift and sd multiplier for horizon h, year t's place after the base year: 0 and
1 for ``none``), ln r ~ N(μ_r, s_r²) with mean ``revenue_to_output_ratio`` and sd
``revenue_to_output_ratio_sd`` of r, δ ~ N(city_gap, city_gap_sd²), and b = ln(X_b / level) with
the mean and sd of ``base_moments``. ``simulate`` draws one scenario's paths from it and ``batch`` a
sweep's points.
"""

import math

import numpy as np

from dgforecast.core.errors import ParamsError
from dgforecast.engine.calibration import yearly
from dgforecast.engine.condition import BASE, GAP, LOG_RATIO, NOMINAL, Bound, Linear
from dgforecast.engine.links import nominal_gap_sd


def simulated_years(params, base_year) -> list[int]:
    """Years the engine draws: ``base_year + 1`` .. ``target_year``; every growth override must be one of them."""
    years = list(range(base_year + 1, params.target_year + 1))
    if not years:
        raise ParamsError(f"target_year = {params.target_year}: not after the plan's base year {base_year}; "
                          f"use {base_year + 1} or later")
    outside = sorted(y for y in params.growth_overrides if y not in years)
    if outside:
        raise ParamsError(f"growth_overrides {outside[0]}: not a simulated year ({years[0]}-{years[-1]}); "
                          "remove it or name a year in that span")
    return years


def log_growth_means(params, years) -> np.ndarray:
    """ln(1 + g_t) + σ·s_h for each year: g_t nominal (override if any, real growth turned nominal), s_h
    the calibration's mean shift at horizon h (``years`` run from the base year + 1, so h = 1, 2, ...)."""
    shifts, _ = yearly(params.calibration, len(years))
    return np.array([math.log1p(params.nominal_growth(y)) + params.volatility * s for y, s in zip(years, shifts)])


def log_growth_sds(params, years) -> np.ndarray:
    """σ·c_h for each year: the volatility times the calibration's sd multiplier at horizon h."""
    _, scales = yearly(params.calibration, len(years))
    return np.array([params.volatility * c for c in scales])


def ratio_lognormal(mean, sd) -> tuple[float, float]:
    """(mu, s) of a lognormal with the given mean and sd: s² = ln(1 + (sd/mean)²), mu = ln(mean) - s²/2."""
    s2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - s2 / 2.0, math.sqrt(s2)


def ratio_log_moments(params) -> tuple[float, float]:
    """Log-mean and log-sd of the scenario's revenue ratio (the log of the mean, sd 0, when it is known)."""
    mean, sd = params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd
    return ratio_lognormal(mean, sd) if sd > 0 else (math.log(mean), 0.0)


def state_layout(years, uses_gap, uncertain_base=False, uses_nominal=False) -> list:
    """The keys of the state vector: the years' growths, ln r, δ when a related growth row is used, the
    base's log excess over its bound when the plan states the base as one (超过600), and the nominal-over-real
    gap's centre when a real growth row reads it and it is uncertain (``link_uncertainty.nominal_gap``)."""
    return [*years, LOG_RATIO, *((GAP,) if uses_gap else ()), *((BASE,) if uncertain_base else ()),
            *((NOMINAL,) if uses_nominal else ())]


def base_moments(level, step) -> tuple[float, float]:
    """Prior (mean, sd) of b = ln(X_b / level) for a base stated as a round lower bound (超过600, step 100):
    the mean and sd of the uniform on [level, level + step) in logs; (0, 0) when the base is a level."""
    if not step > 0:
        return 0.0, 0.0
    top = math.log1p(step / level)
    return math.log1p(step / (2 * level)), top / math.sqrt(12.0)


def base_bound(target, reading) -> Bound:
    """b ≥ 0 (the base is above its bound); under the round-figure reading also below the next round figure."""
    top = math.log1p(target.base_step / target.base_level) if reading == "round" else math.inf
    return Bound(("baseline",), Linear(((BASE, 1.0),)), 0.0, top, 0.0)


def prior_moments(params, years, uses_gap, base=(0.0, 0.0), uses_nominal=False) -> tuple[np.ndarray, np.ndarray]:
    """The lognormal engine's prior on the state: means and sds, in ``state_layout`` order (``base``: the
    (mean, sd) of ``base_moments`` when the base is a bound; the nominal gap's centre N(nominal_gap, its
    standard error²) when ``uses_nominal``)."""
    mu_r, s_r = ratio_log_moments(params)
    mean = [*log_growth_means(params, years), mu_r]
    sd = [*log_growth_sds(params, years), s_r]
    if uses_gap:
        mean.append(params.evidence.city_gap)
        sd.append(params.evidence.city_gap_sd)
    if base[1] > 0:
        mean.append(base[0])
        sd.append(base[1])
    if uses_nominal:
        mean.append(params.evidence.nominal_gap)
        sd.append(nominal_gap_sd(params))
    return np.array(mean, dtype=float), np.array(sd, dtype=float)

"""The closed form: P(target met) on the lognormal engine, exactly, for checking the simulation.

Under the lognormal engine a deadline level is lognormal: ln(r·X_T) ~ N(ln X_b + Σ ln(1 + g_t) + σ·m_n
+ μ_r, σ²·v_n + s_r²), so P(met) is one normal tail; (m_n, v_n) = (β_n·√n, k_n²·n) is the calibration's
cumulative shift and variance after n years (``calibration.cumulative``; (0, n) for ``none``), taken
from its table directly, while the simulation adds up the yearly increments. Reports print the
simulated P(met) beside it (without evidence, where the paths are the prior's); tests hold the
simulation to it.
"""

import math

import numpy as np
from scipy.special import ndtr

from dgforecast.engine.calibration import cumulative
from dgforecast.engine.prior import ratio_lognormal


def closed_form_p_met(threshold, base_level, years, growth, volatility, ratio=1.0, ratio_sd=0.0,
                      calibration="none") -> float:
    """P(level after ``years`` steps >= ``threshold``) under the lognormal engine, exactly.

    P = 1 - Φ((ln(K / (r·X0)) - Σ ln(1 + g_t)) / (σ·√n)); with ``ratio_sd`` > 0 the lognormal
    ratio adds its log-variance s² to n·σ² and shifts the log-mean by -s²/2 (its mean stays r).
    A ``calibration`` table adds σ·β_n·√n to the log-mean and makes the variance k_n²·n·σ² (+ s²).

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
    calibration : {"none", "m3"}
        The lognormal engine's calibration by horizon (``dgforecast.engine.calibration``); ``none``,
        the formula above, unless given.

    Examples
    --------
    >>> round(closed_form_p_met(5400, 4621.25, 4, 0.0397, 0.05), 3)
    0.5
    """
    g = np.broadcast_to(np.asarray(growth, dtype=float), (years,))
    shift, variance = cumulative(calibration, years)
    drift = float(np.sum(np.log1p(g))) + volatility * shift
    if ratio_sd > 0:
        mu_r, s = ratio_lognormal(ratio, ratio_sd)
    else:
        mu_r, s = math.log(ratio), 0.0
    spread = math.sqrt(variance * volatility ** 2 + s ** 2)
    gap = math.log(threshold / base_level) - mu_r - drift
    if spread == 0:
        return 1.0 if gap <= 0 else 0.0
    return float(ndtr(-gap / spread))  # the normal's upper tail, as scipy.stats.norm.sf computes it


def closed_form_for(params, threshold, base_level, base_year, deadline, apply_ratio=True) -> float:
    """``closed_form_p_met`` with the scenario's yearly growths, volatility, ratio and calibration (lognormal
    engine); the horizon counts from ``base_year``."""
    years = range(base_year + 1, deadline + 1)
    growth = [params.nominal_growth(y) for y in years]
    ratio, sd = ((params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd) if apply_ratio
                 else (1.0, 0.0))
    spec = params.link_uncertainty.get("revenue_to_output_ratio_sd") if apply_ratio and sd > 0 else None

    def p_at(ratio_sd):
        return closed_form_p_met(threshold, base_level, len(years), growth, params.volatility, ratio, ratio_sd,
                                 params.calibration)
    if spec is None:
        return p_at(sd)
    return integrated_over_spread(p_at, sd, spec)


def integrated_over_spread(p_at, value, spec) -> float:
    """E[p_at(s)] over the spread's distribution (``schema.LinkSpec``): ``df`` (s² = df·value²/χ²_df) or
    ``factor`` (value × log-uniform), by adaptive quadrature over its quantiles — the closed form of a
    probability the engine integrates by drawing the spread per path."""
    from scipy import integrate
    from scipy.stats import chi2

    if spec.kind == "df":
        def spread(u):
            return value * math.sqrt(spec.df / chi2.ppf(u, spec.df))
    else:
        lo, hi = math.log(spec.factor[0]), math.log(spec.factor[1])

        def spread(u):
            return value * math.exp(lo + u * (hi - lo))
    return float(integrate.quad(lambda u: p_at(spread(u)), 0.0, 1.0, limit=200, epsabs=1e-10)[0])

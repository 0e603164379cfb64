"""The ``fitted`` engine's state: growth from the growth models fitted on a published history.

The growth models' ``auto`` method (``dgforecast.models.forecast.simulate_series``) continues the history
and gives each path its yearly growth x_t; the ratio and the gap are drawn from their priors
(``prior``). Exact figures are imposed by projecting each path onto them (``project_onto_rows``: the bridge
of a random walk), the other rows weigh the paths (``fitted_state``); ``simulate`` adds the bounds.
"""

import logging

import numpy as np

from dgforecast.core.errors import ParamsError
from dgforecast.engine.condition import BASE, GAP, LOG_RATIO
from dgforecast.engine.links import nominal_gap_sd
from dgforecast.engine.prior import base_moments, ratio_log_moments
from dgforecast.engine.weights import gaussian_log_likelihood

log = logging.getLogger(__name__)


def project_onto_rows(theta, rows, layout, prior_var):
    """Each path moved onto the exact rows (the fitted engine), in the metric of the state's spread.

    The years' growth weigh by their spread across the paths (alike when the paths have none), ln r
    and δ by their prior variances (a known ratio does not move). For paths of independent yearly
    growth this is the random walk's bridge through the figures.
    """
    if not rows:
        return theta
    H = np.array([r.h.vector(layout) for r in rows])
    y = np.array([r.value - r.h.offset for r in rows])
    finite = np.all(np.isfinite(theta), axis=1)
    kept = theta[finite]
    # a component alike on every path has no spread: np.var's round-off (1e-30) would weigh the years by noise
    spread = np.where(np.ptp(kept, axis=0) > 0, np.var(kept, axis=0), 0.0) if len(kept) > 1 else np.zeros(len(layout))
    years = [i for i, key in enumerate(layout) if isinstance(key, int)]
    metric = np.array(prior_var, dtype=float)
    metric[years] = spread[years] if np.any(spread[years] > 0) else 1.0
    gain = np.diag(metric) @ H.T @ np.linalg.pinv(H @ np.diag(metric) @ H.T)
    return theta + (y[None, :] - theta @ H.T) @ gain.T


def fitted_state(target, params, years, m, rng, layout, history, spreads_of=None):
    """(theta, log weight, spreads): the fitted engine's state, paths x layout — its growths, a ratio, a gap
    and (when uncertain) the nominal gap's centre drawn from their priors — and the soft rows' weights.

    ``spreads_of(rng)`` (``integrated.path_spreads``) draws the link spreads per path after the state's
    draws; each path's rows are then weighed with its own error covariance (ln det R included).
    """
    factors = fitted_factors(params, years, target.base_year, rng, history)
    with np.errstate(invalid="ignore", divide="ignore"):  # a path at or below zero weighs nothing (NaN)
        logs = np.log(factors)
    # NaN from its first year at or below zero, 0 included (not -inf, whose sums and products with 0 would be
    # "invalid" on the way: -inf - -inf in the growth, -inf · 0 in a row or bound on an earlier year)
    growth = np.diff(np.where(np.isfinite(logs), logs, np.nan), axis=1, prepend=0.0)
    n = params.n_sims
    z = {key: rng.standard_normal(n) for key in layout if not isinstance(key, int)}
    spreads = spreads_of(rng) if spreads_of is not None else None
    columns, prior_var = [growth], [0.0] * len(years)
    for key in layout[len(years):]:
        mean, sd = _fitted_prior(key, target, params, spreads)
        columns.append((mean + sd * z[key])[:, None])
        prior_var.append(float(np.mean(np.square(sd))))
    exact = [i for i, r in enumerate(m.rows) if r.exact]
    theta = project_onto_rows(np.hstack(columns), [m.rows[i] for i in exact], layout, prior_var)
    soft = [i for i, r in enumerate(m.rows) if not r.exact]
    rows = [m.rows[i] for i in soft]
    Q = np.column_stack([theta @ r.h.vector(layout) + r.h.offset for r in rows]) if rows else np.zeros((n, 0))
    R = None if spreads is None else spreads.R[:, soft][:, :, soft]
    return theta, gaussian_log_likelihood(rows, Q, m.growth_link_sd, R), spreads


def _fitted_prior(key, target, params, spreads):
    """(mean, sd) of a non-growth component of the fitted engine's state: each path's own with spreads."""
    ep = params.evidence
    if key == LOG_RATIO:
        if spreads is not None and "revenue_to_output_ratio_sd" in spreads.values:
            s2 = np.log1p((spreads.values["revenue_to_output_ratio_sd"] / params.revenue_to_output_ratio) ** 2)
            return np.log(params.revenue_to_output_ratio) - s2 / 2, np.sqrt(s2)
        return ratio_log_moments(params)
    if key == GAP:
        return ep.city_gap, (np.sqrt(spreads.gap_var) if spreads is not None else ep.city_gap_sd)
    if key == BASE:
        return base_moments(target.base_level, target.base_step)
    return ep.nominal_gap, nominal_gap_sd(params)


def fitted_factors(params, years, base_year, rng, history) -> np.ndarray:
    """Cumulative growth factors from the growth models' ``auto`` method fitted on ``history``.

    The models continue ``history`` (up to the base year) after its last year; the factors are their
    paths divided by the level at the base year (the last observation, or the simulated value when
    the history ends earlier).
    """
    # Deferred import, measured: the growth models pull in scipy.stats (0.6 s), which the lognormal
    # engine never needs, so `dgforecast assess` stays well under a second.
    from dgforecast.models.forecast import fill_gaps, simulate_series

    if history is None or len(history.dropna()) < 2:
        raise ParamsError(f"engine = 'fitted': history_series = {params.history_series!r} has fewer than 2 "
                          "published levels; name a longer series or use engine: lognormal")
    y, gap_note = fill_gaps(history[history.index <= base_year].dropna())
    if gap_note:
        log.info("%s", gap_note)
    last = int(y.index[-1])
    paths, info = simulate_series(y, params.target_year - last, params.n_sims, rng, method="auto")
    paths = np.asarray(paths, dtype=float)
    log.info("%s: fitted %s on %s %s", params.scenario, info.get("model"), y.name, info.get("years"))
    lead = base_year - last  # simulated years between the history's end and the base year
    start = paths[:, lead - 1:lead] if lead > 0 else float(y.iloc[-1])
    return paths[:, lead:lead + len(years)] / start

"""The lognormal engine's points of a batch (``batch``), evaluated without simulating path by path.

A point's deadline log value is its posterior mean part plus a random part that is a fixed linear
combination of the shared draws (``noise_along``); points with the same prior spreads (volatility,
ratio sd) share that random part, so one sort serves them all (``order_statistics``): P(met) is a
binary search and the quantiles are order statistics. Without evidence (``lognormal_group``) the
random part is ``volatility`` times the path's sum of shocks, each year's weighted by the calibration's
sd multiplier for its horizon (``calibration.yearly``; all 1 for ``none``), plus the ratio's, and every
fixed-ratio point shares one sorted sum (the points of a group share their calibration: it is one of
``STRUCTURAL_KEYS``). Under evidence (``evidence_lognormal_group``) each point has its
posterior, and bounds weigh each point's paths (chunks of points x paths). ``setup`` is the batch's
``EngineSetup``.
"""

import logging
import math

import numpy as np

from dgforecast.engine.bearing import anchored, target_function, usable_observations
from dgforecast.engine.calibration import yearly
from dgforecast.engine.condition import measurement
from dgforecast.engine.draws import group_generators, lognormal_draws, noise_along
from dgforecast.engine.order_statistics import lognormal_level_stats, uncertain_ratio_stats, weighted_chunk_stats
from dgforecast.engine.posterior import gaussian_posterior, psd_sqrt, row_matrices
from dgforecast.engine.prior import log_growth_means, prior_moments, ratio_log_moments, simulated_years, state_layout
from dgforecast.engine.simulate import QUANTILES
from dgforecast.engine.weights import bound_log_likelihood, normalise
from dgforecast.plan.targets import required_cagr

log = logging.getLogger(__name__)

#: Points weighed at once: (points x paths) float64 arrays of 4 MiB, which stay in the processor's cache
#: (measured: 4 MiB chunks run a 10,000-point sweep 1.3 times faster than 64 MiB ones).
WEIGHT_CHUNK_BYTES = 4 * 2 ** 20


def _deadline_years(target, params, years):
    n_years = target.deadline - target.base_year
    if not 0 < n_years <= len(years):
        log.warning("%s: deadline %d is not simulated up to target_year %d; left empty",
                    target.target_id, target.deadline, params.target_year)
        return None
    return n_years


def _required_growth(params_list, target, n_years):
    # Each point's required growth: from the baseline (x its ratio for a revenue target) to the threshold.
    ratio = np.array([p.revenue_to_output_ratio if target.apply_ratio else 1.0 for p in params_list])
    return required_cagr(target.base_level * ratio, target.threshold, n_years)


def lognormal_group(params_list, setup, params):
    """Result columns for plan-time points that share engine, years, n_sims and seed (lognormal engine)."""
    out, points = {}, params_list
    rngs = group_generators(params.seed, setup.n_groups)
    draws = {}
    for target in setup.targets:
        if target.anchored or not target.path:  # nothing to start from before a figure is published: left empty
            continue
        years = simulated_years(params, target.base_year)
        n_years = _deadline_years(target, params, years)
        if n_years is None:
            continue
        group = draws.setdefault(target.group, lognormal_draws(rngs[target.group], params.n_sims, len(years)))
        params_list = [p.for_measure(target.path) for p in points]  # the path measure's own growth, if any
        moments = np.array([ratio_log_moments(p) if target.apply_ratio else (0.0, 0.0) for p in params_list])
        log_growth = np.array([log_growth_means(p, years[:n_years]) for p in params_list]).reshape(len(params_list), -1)
        _, scales = yearly(params.calibration, n_years)  # the group's points share it (STRUCTURAL_KEYS)
        shock_sum = (group.shocks[:, :n_years] * np.array(scales)).sum(axis=1)
        shift = math.log(target.base_level) + log_growth.sum(axis=1) + moments[:, 0]
        sigma, s = np.array([p.volatility for p in params_list], dtype=float), moments[:, 1]
        fixed = s == 0
        stats = {name: np.empty(len(params_list)) for name in ("p_met", *QUANTILES)}
        if fixed.any():
            part = lognormal_level_stats(shift[fixed], sigma[fixed], np.sort(shock_sum), target.threshold,
                                         target.comparison)
            for name, values in part.items():
                stats[name][fixed] = values
        if (~fixed).any():
            part = uncertain_ratio_stats(shift[~fixed], sigma[~fixed], s[~fixed], shock_sum, group.ratio,
                                          target.threshold, target.comparison)
            for name, values in part.items():
                stats[name][~fixed] = values
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        out[f"required_cagr.{target.target_id}"] = _required_growth(params_list, target, n_years)
    return out


def _bound_weights(bounds, centres, noises, n):
    """Log weights, points x paths, of the bounds: each point's quantity is its centre plus the shared noise.

    A bound's log-likelihood is evaluated once per distinct centre (a sweep over growth leaves the
    ratio's centre unchanged), so soft bounds cost little more than hard ones.
    """
    log_w = np.zeros((len(centres[0]) if centres else 0, n))
    for bound, centre, noise in zip(bounds, centres, noises):
        unique, inverse = np.unique(centre, return_inverse=True)
        with np.errstate(invalid="ignore"):
            log_w += bound_log_likelihood(bound, unique[:, None] + noise[None, :])[inverse.ravel()]
    return log_w


def evidence_lognormal_group(params_list, setup, params, obs):
    """Result columns under evidence (lognormal engine): each point's posterior, bounds weighing its paths."""
    out, draws, points = {}, {}, params_list
    rngs = group_generators(params.seed, setup.n_groups)
    ep, n = params.evidence, params.n_sims
    for target in setup.targets:
        target, _ = anchored(target, obs)
        if target is None:  # no path to simulate (simulate.anchored says why): left empty
            continue
        params_list = [p.for_measure(target.path) for p in points]  # the path measure's own growth, if any
        years = simulated_years(params, target.base_year)
        n_years = _deadline_years(target, params, years)
        if n_years is None:
            continue
        m = measurement(usable_observations(obs, target, years), ep, years, math.log(target.base_level))
        layout = state_layout(years, m.uses_gap)
        Z = draws.setdefault(target.group, lognormal_draws(rngs[target.group], n, len(years),
                                                           gap=m.uses_gap).matrix(layout))
        H, y, R = row_matrices(m.rows, layout, m.growth_link_sd)
        moments = [prior_moments(p, years, m.uses_gap) for p in params_list]
        means, sds = np.array([a for a, _ in moments]), np.array([b for _, b in moments])
        fn = target_function(target, years)
        h = fn.vector(layout)
        stats = {name: np.full(len(params_list), np.nan) for name in ("p_met", *QUANTILES, "ess")}
        spreads, member = np.unique(sds, axis=0, return_inverse=True)
        for k, sd in enumerate(spreads):
            rows = np.nonzero(member.ravel() == k)[0]
            mean, cov = gaussian_posterior(means[rows], np.diag(sd ** 2), H, y, R)
            root = psd_sqrt(cov)
            noise = noise_along(Z, root, h)
            shift = mean @ h + fn.offset
            order = np.argsort(noise, kind="stable")
            sorted_noise = noise[order]
            if not m.bounds:
                part = lognormal_level_stats(shift, np.ones(len(rows)), sorted_noise, target.threshold,
                                             target.comparison)
                part["ess"] = np.full(len(rows), float(n))
                for name, values in part.items():
                    stats[name][rows] = values
                continue
            centres = [mean @ b.h.vector(layout) + b.h.offset for b in m.bounds]
            noises = [noise_along(Z, root, b.h.vector(layout)) for b in m.bounds]
            chunk = max(1, WEIGHT_CHUNK_BYTES // (8 * n))
            for first in range(0, len(rows), chunk):
                local = slice(first, first + chunk)
                weights, ess = normalise(_bound_weights(m.bounds, [c[local] for c in centres], noises, n), axis=1)
                stats["ess"][rows[local]] = ess
                alive = np.nonzero(ess > 0)[0]
                if len(alive):
                    part = weighted_chunk_stats(shift[local][alive], np.ones(len(alive)), sorted_noise, order,
                                                 weights[alive], target.threshold, target.comparison)
                    for name, values in part.items():
                        stats[name][rows[local][alive]] = values
        if (stats["ess"] == 0).any():
            log.warning("%s: %d point(s) where no path is consistent with the evidence; left empty",
                        target.target_id, int((stats["ess"] == 0).sum()))
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        out[f"required_cagr.{target.target_id}"] = _required_growth(params_list, target, n_years)
    return out

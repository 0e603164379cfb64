"""A batch of parameter points on one set of draws: what a sweep and the hinge table evaluate.

Every point of a batch is a scenario (``ScenarioParams`` with the point's changes laid over it) and
uses the same draws as that scenario would alone (common random numbers), so the differences between
points are the assumptions' and not noise, and a point gives the numbers ``simulate.simulate_targets``
gives for the same parameters.

The lognormal engine needs no path-by-path simulation. A point's deadline log value is its posterior
mean part plus a random part that is a fixed linear combination of the shared draws (``noise_along``);
points with the same prior spreads (volatility, ratio sd) share that random part, so one sort serves
them all: P(met) is a binary search and the quantiles are order statistics. Without evidence the
random part is ``volatility`` times the path's sum of shocks plus the ratio's, and every fixed-ratio
point shares one sorted sum. Bounds weigh each point's paths (chunks of points x paths). The fitted
engine is simulated point by point.
"""

import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dgforecast.engine.condition import measurement
from dgforecast.engine.posterior import gaussian_posterior, psd_sqrt, row_matrices
from dgforecast.engine.prior import log_growth_means, prior_moments, ratio_log_moments, simulated_years, state_layout
from dgforecast.engine.simulate import (
    QUANTILES,
    STRUCTURAL_KEYS,
    anchored,
    evidence_rows,
    group_generators,
    lognormal_draws,
    noise_along,
    simulate_targets,
    target_function,
    usable_observations,
)
from dgforecast.engine.weights import bound_log_likelihood, normalise, weighted_stats
from dgforecast.plan.data import history_series_or_none
from dgforecast.plan.params import changed
from dgforecast.plan.targets import level_targets, required_cagr

log = logging.getLogger(__name__)

#: Bytes of one block of sorted group samples (groups x n_sims float64); keeps peak memory low.
BLOCK_BYTES = 32 * 2 ** 20
#: Points weighed at once: (points x paths) float64 arrays of 4 MiB, which stay in the processor's cache
#: (measured: 4 MiB chunks run a 10,000-point sweep 1.3 times faster than 64 MiB ones).
WEIGHT_CHUNK_BYTES = 4 * 2 ** 20


@dataclass(frozen=True)
class EngineSetup:
    """Everything a batch of points needs besides the points: picklable, so it travels to workers."""

    base: object           # the ScenarioParams every point's changes are laid over
    targets: tuple         # of targets.LevelTarget
    history: tuple = ()    # ((year, level), ...) of base.history_series, for the fitted engine
    evidence: object = None  # evidence.load_evidence table (None: every point is as of the plan)

    @property
    def n_groups(self) -> int:
        return 1 + max((t.group for t in self.targets), default=0)

    def history_series(self):
        if not self.history:
            return None
        years, levels = zip(*self.history)
        return pd.Series(levels, index=list(years), dtype=float)


def engine_setup(inputs, base, engines=None) -> EngineSetup:
    """The ``EngineSetup`` for scenario ``base`` on the workbook's tables (``pipeline.load_inputs``):
    its level targets, the evidence, and the history when the ``fitted`` engine is among ``engines``."""
    engines = engines or [base.engine]
    history = history_series_or_none(inputs["history"], base.history_series) if "fitted" in engines else None
    pairs = () if history is None else tuple((int(y), float(v)) for y, v in history.dropna().items())
    return EngineSetup(base=base, targets=level_targets(inputs["targets"], inputs["baselines"]),
                       history=pairs, evidence=inputs.get("evidence"))


def result_columns(targets, weighted=False) -> list[str]:
    """The columns a batch gives for each level target: P(met), the quantiles, the required growth, and
    with evidence the effective sample size ``ess`` and ``below_floor`` (ess under evidence.min_ess)."""
    stats = ("p_met", *QUANTILES, "required_cagr", *(("ess", "below_floor") if weighted else ()))
    return [f"{stat}.{t.target_id}" for t in targets for stat in stats]


def _shape_key(params) -> tuple:
    # Points sharing the draws and the evidence rows are evaluated together.
    return (*(getattr(params, k) for k in STRUCTURAL_KEYS), params.as_of_month, params.evidence)


def _python(value):
    # numpy scalars become plain Python ones, which the strict schema accepts.
    return value.item() if hasattr(value, "item") else value


def point_params(points, base) -> list:
    """Each row of ``points`` (grid key -> value, ``growth_overrides.YEAR`` too) laid over ``base``.

    The values are not validated again (the sweep checks its grid before any work), so a batch of
    10,000 points costs milliseconds; every schema field, also one added later, reaches the engine.
    """
    return [changed(base, {k: _python(v) for k, v in row.items()}, validate=False)
            for row in points.to_dict(orient="records")]


def _order_positions(n, q):
    # numpy's default ("linear") quantile: position (n - 1) q between two order statistics.
    position = (n - 1) * q
    low = min(int(math.floor(position)), n - 1)
    return low, min(low + 1, n - 1), position - low


def _count_met(sorted_values, bounds, comparison):
    """How many of the sorted values pass ``value >= bound`` (or ``>``), for each bound."""
    side = "left" if comparison == ">=" else "right"
    return len(sorted_values) - np.searchsorted(sorted_values, bounds, side=side)


def lognormal_level_stats(shift, scale, sorted_sample, threshold, comparison=">="):
    """P(met) and quantiles of points whose deadline log values are ``shift + scale * S``.

    ``S`` is a sample shared by the points (sorted); the value rises with it, so P(met) is a binary
    search and each quantile the interpolated order statistic (numpy's default "linear" rule), as
    the brute force over all paths gives it.

    Parameters
    ----------
    shift : ndarray, shape (points,)
        The non-random part of ln(value in 亿元).
    scale : ndarray, shape (points,)
        What multiplies the shared sample (volatility for the plan-time sum of shocks; 1 otherwise).
    sorted_sample : ndarray, shape (n_sims,)
    threshold : float
        The target level K in 亿元.
    comparison : {">=", ">"}

    Returns
    -------
    dict of ndarray
        ``p_met`` (probability), ``median``, ``q10``, ``q90`` (亿元), each of shape (points,).
    """
    shift = np.asarray(shift, dtype=float)
    sigma = np.broadcast_to(np.asarray(scale, dtype=float), shift.shape)
    n = len(sorted_sample)
    gap = math.log(threshold) - shift
    positive = sigma > 0
    met = np.where(gap <= 0, n, 0) if comparison == ">=" else np.where(gap < 0, n, 0)
    met = np.where(positive, _count_met(sorted_sample, gap / np.where(positive, sigma, 1.0), comparison), met)
    stats = {"p_met": met / n}
    for name, q in QUANTILES.items():
        low, high, frac = _order_positions(n, q)
        at_low = np.exp(shift + sigma * sorted_sample[low])
        at_high = np.exp(shift + sigma * sorted_sample[high])
        stats[name] = at_low + frac * (at_high - at_low)
    return stats


def _sampled_level_stats(shift, group, sorted_group_logs, threshold, comparison=">="):
    """``lognormal_level_stats`` when each point's log values are the shared sample of its group plus ``shift``."""
    shift = np.asarray(shift, dtype=float)
    n = sorted_group_logs.shape[1]
    bound = math.log(threshold) - shift
    met = np.empty(len(shift))
    for g in np.unique(group):
        rows = group == g
        met[rows] = _count_met(sorted_group_logs[g], bound[rows], comparison)
    stats = {"p_met": met / n}
    for name, q in QUANTILES.items():
        low, high, frac = _order_positions(n, q)
        at_low = np.exp(shift + sorted_group_logs[group, low])
        at_high = np.exp(shift + sorted_group_logs[group, high])
        stats[name] = at_low + frac * (at_high - at_low)
    return stats


def _uncertain_ratio_stats(shift, sigma, s, shock_sum, ratio_shock, threshold, comparison):
    """Plan-time points with an uncertain ratio: one sorted sample ``σ S + s W`` per distinct (σ, s), by blocks."""
    pairs, group = np.unique(np.column_stack([sigma, s]), axis=0, return_inverse=True)
    group = group.ravel()
    per_block = max(1, BLOCK_BYTES // (8 * len(shock_sum)))
    out = {name: np.empty(len(shift)) for name in ("p_met", *QUANTILES)}
    for first in range(0, len(pairs), per_block):
        block = pairs[first:first + per_block]
        logs = np.multiply.outer(block[:, 0], shock_sum)
        logs += np.multiply.outer(block[:, 1], ratio_shock)
        logs.sort(axis=1)
        rows = (group >= first) & (group < first + len(block))
        stats = _sampled_level_stats(shift[rows], group[rows] - first, logs, threshold, comparison)
        for name, values in stats.items():
            out[name][rows] = values
    return out


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


def _lognormal_group(params_list, setup: EngineSetup, params):
    """Result columns for plan-time points that share engine, years, n_sims and seed (lognormal engine)."""
    out = {}
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
        moments = np.array([ratio_log_moments(p) if target.apply_ratio else (0.0, 0.0) for p in params_list])
        log_growth = np.array([log_growth_means(p, years[:n_years]) for p in params_list]).reshape(len(params_list), -1)
        shock_sum = group.shocks[:, :n_years].sum(axis=1)
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
            part = _uncertain_ratio_stats(shift[~fixed], sigma[~fixed], s[~fixed], shock_sum, group.ratio,
                                          target.threshold, target.comparison)
            for name, values in part.items():
                stats[name][~fixed] = values
        for name, values in stats.items():
            out[f"{name}.{target.target_id}"] = values
        out[f"required_cagr.{target.target_id}"] = _required_growth(params_list, target, n_years)
    return out


def _weighted_chunk_stats(shift, scale, sorted_sample, order, weights, threshold, comparison):
    """P(met) and quantiles of points whose log values are ``shift + scale * sample`` (rising in the
    sample), each point with its own path weights (points x paths, normalised)."""
    c = np.cumsum(weights[:, order], axis=1)
    positive = scale > 0
    bound = (math.log(threshold) - shift) / np.where(positive, scale, 1.0)
    k = np.searchsorted(sorted_sample, bound, side="left" if comparison == ">=" else "right")
    below = np.where(k > 0, np.take_along_axis(c, np.maximum(k - 1, 0)[:, None], axis=1)[:, 0], 0.0)
    met_flat = (shift >= math.log(threshold)) if comparison == ">=" else (shift > math.log(threshold))
    stats = {"p_met": np.where(positive, 1.0 - below, met_flat.astype(float))}
    for name, q in QUANTILES.items():
        idx = np.minimum((c < q).sum(axis=1), len(order) - 1)
        stats[name] = np.exp(shift + scale * sorted_sample[idx])
    return stats


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


def _evidence_lognormal_group(params_list, setup: EngineSetup, params, obs):
    """Result columns under evidence (lognormal engine): each point's posterior, bounds weighing its paths."""
    out, draws = {}, {}
    rngs = group_generators(params.seed, setup.n_groups)
    ep, n = params.evidence, params.n_sims
    for target in setup.targets:
        target, _ = anchored(target, obs)
        if target is None:  # no path to simulate (simulate.anchored says why): left empty
            continue
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
                    part = _weighted_chunk_stats(shift[local][alive], np.ones(len(alive)), sorted_noise, order,
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


def _paths_group(params_list, setup: EngineSetup):
    """Result columns by simulating every point's paths (the ``fitted`` engine: one fit per point)."""
    out = {c: np.full(len(params_list), np.nan) for c in result_columns(setup.targets, setup.evidence is not None)}
    history = setup.history_series()
    for i, params in enumerate(params_list):
        simulation = simulate_targets(setup.targets, params, history, setup.evidence, strict=False)
        paths = simulation.groups
        for target in simulation.targets:
            if not target.deadline <= params.target_year:
                continue
            group = paths[target.group]
            values = group.deadline_values[target.deadline]
            if group.weights is not None:
                stats = weighted_stats(values, group.weights, target.threshold, target.comparison)
                stats.pop("p_se")
            else:
                met = values >= target.threshold if target.comparison == ">=" else values > target.threshold
                stats = {"p_met": met.mean(), **{name: np.quantile(values, q) for name, q in QUANTILES.items()}}
            if f"ess.{target.target_id}" in out:
                stats["ess"] = group.ess
            for name, value in stats.items():
                out[f"{name}.{target.target_id}"][i] = value
            ratio = params.revenue_to_output_ratio if target.apply_ratio else 1.0
            out[f"required_cagr.{target.target_id}"][i] = required_cagr(
                target.base_level * ratio, target.threshold, target.deadline - target.base_year)
    return out


def evaluate_points(points, setup: EngineSetup) -> pd.DataFrame:
    """P(met), quantiles and required growth for any set of parameter points: the same numbers
    however the points are split. Points whose ``as_of`` month admits evidence are conditioned on it
    (``condition``); ``ess.<target_id>`` gives each point's effective sample size and
    ``below_floor.<target_id>`` flags the points where it is under ``evidence.min_ess`` (a sweep never
    draws more paths; ``dgforecast sweep`` names the flagged points).

    Parameters
    ----------
    points : DataFrame
        One row per point, one column per changed key (``growth``, ``growth_overrides.2022``, ...).
    setup : EngineSetup
        The scenario the points change and the level targets.

    Returns
    -------
    DataFrame
        Indexed like ``points``; columns ``result_columns(setup.targets)``: P(met) (probability),
        quantiles of the deadline-year value (亿元) and the required growth (fraction a year).
    """
    params_list = point_params(points, setup.base)
    result = pd.DataFrame(np.nan, index=points.index,
                          columns=result_columns(setup.targets, setup.evidence is not None))
    shapes, weighted = {}, False
    for i, params in enumerate(params_list):
        shapes.setdefault(_shape_key(params), []).append(i)
    for rows in shapes.values():
        members = [params_list[i] for i in rows]
        _, obs = evidence_rows(setup.evidence, members[0])
        weighted |= bool(obs)
        # a base stated as a bound (超过600) is a state the fast paths below do not hold: simulate it
        if members[0].engine != "lognormal" or any(t.base_step > 0 for t in setup.targets):
            columns = _paths_group(members, setup)
        elif obs:
            columns = _evidence_lognormal_group(members, setup, members[0], obs)
        else:
            columns = _lognormal_group(members, setup, members[0])
        if setup.evidence is not None:  # unweighted groups: every path counts fully
            for target in setup.targets:
                columns.setdefault(f"ess.{target.target_id}", np.full(len(rows), float(members[0].n_sims)))
                columns[f"below_floor.{target.target_id}"] = (
                    columns[f"ess.{target.target_id}"] < members[0].evidence.min_ess).astype(float)
        for name, values in columns.items():
            if name in result.columns:
                result.iloc[rows, result.columns.get_loc(name)] = values
    if not weighted:  # no point used any evidence: the table of the plan-time engine, as before
        result = result.drop(columns=[c for c in result.columns if c.startswith(("ess.", "below_floor."))])
    return result

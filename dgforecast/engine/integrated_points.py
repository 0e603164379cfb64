"""The lognormal engine's points of a batch when the link spreads are drawn per path (``integrated``).

Every point is simulated as the scenario would be (``group_paths``): the same state draws Z, the same
candidates of the link spreads drawn after them, its own resample of the candidates weighed by the
Gaussian rows, each path's own conjugate update given its candidate, the bounds weighing the paths. What
the points share is computed once:

* the draws and the candidates (common random numbers: ``GroupDraws``);
* for the points of one *key* — the same prior variances and growth-free prior means, so the same
  volatility and overridden years, and the ratio's prior when a row reads it — the candidates' Cholesky
  factors and the quadratic their weights are in the growth coordinates τ (``spread_weights``): a point's
  weights are the scenario's to the last bit, so its resample keeps the same candidates;
* for the points that also share τ (a sweep over the ratio), the resample itself;
* each candidate's posterior: on a path that kept candidate k, a quantity the rows bear on (the deadline
  level, a bound on it) is α_k + Σ_a τ_a β_ak + g_k·z — linear in τ, z the path's draws — so α, β and g
  are computed once a candidate (``spread_posteriors``). The ratio, which no row reads on the shipped
  evidence, is added per point from the candidate's draw of its sd (its prior per candidate computed once
  for each ratio and sd a sweep visits), and so are the bounds on it.

The points are then weighed and summarised in chunks of points x paths (``order_statistics``), as
``lognormal_points`` does for the link spreads at their values. ``setup`` is the batch's ``EngineSetup``.
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from dgforecast.engine.bearing import anchored, target_function, usable_observations
from dgforecast.engine.condition import GAP, LOG_RATIO, NOMINAL, measurement
from dgforecast.engine.draws import group_generators, lognormal_draws
from dgforecast.engine.integrated import OVERSAMPLE, candidate_moments, path_spreads
from dgforecast.engine.links import nominal_gap_sd, uncertain_scales
from dgforecast.engine.lognormal_points import WEIGHT_CHUNK_BYTES
from dgforecast.engine.order_statistics import points_stats
from dgforecast.engine.posterior import row_matrices
from dgforecast.engine.prior import log_growth_sds, prior_moments, ratio_log_moments, simulated_years, state_layout
from dgforecast.engine.simulate import QUANTILES
from dgforecast.engine.spread_posteriors import KeyParts, candidate_parts
from dgforecast.engine.spread_weights import (
    class_vectors,
    growth_classes,
    growth_coordinates,
    growth_shifts,
    log_weights,
    split_rows,
    systematic_pick,
    weight_basis,
)
from dgforecast.engine.weights import bound_log_likelihood
from dgforecast.plan.targets import required_cagr

log = logging.getLogger(__name__)

#: Growth coordinates resampled at once (rows of candidates' weights, about 1 MiB at 40,000 candidates).
PICK_ROWS = 4
#: Distinct growth coordinates of one key whose paths are held at once (each a row of paths a quantity).
TAU_BLOCK = 64
#: Ratios (and sds) whose prior a candidate is kept for (two arrays over the candidates each).
RATIOS_KEPT = 128


@dataclass(frozen=True)
class Quantity:
    """A linear quantity of the state split as a batch evaluates it: the core part (the components the rows
    may bear on), the ratio's coefficient when no row reads the ratio, and the offset."""

    core: tuple      # ((index into GroupDraws.core, coefficient), ...), nonzero only
    ratio: float
    offset: float


@dataclass
class GroupDraws:
    """What every point of a batch shares for one group of targets (its first target's paths)."""

    target: object           # the group's first target: its baseline, deadline and measure
    years: list
    m: object                # condition.Measurement
    layout: list
    Z: np.ndarray            # the state's draws, paths x state
    candidates: object       # integrated.PathSpreads: OVERSAMPLE x n_sims candidates (n_sims without rows)
    H: np.ndarray
    y: np.ndarray
    core: list               # the state's components a path's posterior couples (the ratio left out if no row reads it)
    weighed: bool            # the rows weigh the candidates (else the first n_sims are kept as drawn)
    R_rows: list = None      # the candidates' error covariances entry by entry (``spread_weights.split_rows``)
    ratios: dict = field(default_factory=dict)   # (ratio, sd) -> (mean, sd) of ln r per candidate
    bounds: dict = field(default_factory=dict)   # (bound, value) -> its log-likelihood per candidate

    @property
    def ratio_apart(self) -> bool:
        return self.layout.index(LOG_RATIO) not in self.core

    def quantity(self, fn) -> Quantity:
        """``fn`` (a ``condition.Linear``) split into its core part, the ratio's coefficient and the offset."""
        h = fn.vector(self.layout)
        ratio = float(h[self.layout.index(LOG_RATIO)]) if self.ratio_apart else 0.0
        return Quantity(tuple((c, float(h[d])) for c, d in enumerate(self.core) if h[d] != 0), ratio, fn.offset)

    def ratio_prior(self, params):
        """(mean, sd) of ln r under ``params`` on each candidate (arrays), or the same on all (numbers)."""
        key = (params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd)
        if key not in self.ratios:
            if len(self.ratios) >= RATIOS_KEPT:
                self.ratios.clear()
            mu, s = ratio_log_moments(params)
            factor = self.candidates.factors.get("revenue_to_output_ratio_sd")
            if factor is not None and s > 0:  # integrated._path_prior: the candidate's own sd of the ratio
                s2 = np.log1p((params.revenue_to_output_ratio_sd * factor / params.revenue_to_output_ratio) ** 2)
                self.ratios[key] = (math.log(params.revenue_to_output_ratio) - s2 / 2, np.sqrt(s2))
            else:
                self.ratios[key] = (mu, s)
        return self.ratios[key]


def group_draws(target, params, obs, rng) -> GroupDraws:
    """The draws of ``target``'s group, from its generator in the scenario's order (``group_paths``)."""
    params = params.for_measure(target.path)
    years = simulated_years(params, target.base_year)
    usable, base_log = usable_observations(obs, target, years), math.log(target.base_level)
    m = measurement(usable, params.evidence, years, base_log, uncertain_gap=nominal_gap_sd(params) > 0)
    layout = state_layout(years, m.uses_gap, False, m.uses_nominal_gap)
    n = params.n_sims
    Z = lognormal_draws(rng, n, len(years), gap=GAP in layout, nominal=NOMINAL in layout).matrix(layout)
    weighed = bool(m.rows) and bool(uncertain_scales(params))
    candidates = path_spreads(params, m, usable, years, base_log, False, OVERSAMPLE * n if weighed else n, rng)
    H, y, _ = row_matrices(m.rows, layout, m.growth_link_sd)
    ratio = layout.index(LOG_RATIO)
    core = [d for d in range(len(layout)) if d != ratio or np.any(H[:, ratio] != 0)]
    return GroupDraws(target, years, m, layout, Z, candidates, H, y, core, weighed,
                      split_rows(candidates.R) if weighed else None)


def _key(params, draws) -> tuple:
    """What decides a point's candidates' weights and posteriors besides its growth coordinates."""
    ratio = None if draws.ratio_apart else (params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd)
    return (growth_classes(params, draws.years), log_growth_sds(params, draws.years).tobytes(),
            growth_shifts(params, draws.years).tobytes(), ratio)


def key_parts(rep, draws, quantities) -> KeyParts:
    """``KeyParts`` of the key of the point ``rep`` (any of its points: they share what is computed here)."""
    prior = prior_moments(rep, draws.years, GAP in draws.layout, (0.0, 0.0), NOMINAL in draws.layout)
    candidates = draws.candidates.at_ratio_sd(rep)
    base, var = candidate_moments(rep, prior, draws.layout, candidates)
    u = class_vectors(growth_classes(rep, draws.years), draws.layout)
    basis = weight_basis(draws.H, draws.y, draws.R_rows, var, base, u) if draws.weighed else None
    return KeyParts.empty(basis, base, var, u, quantities, len(draws.core))


# ---------------------------------------------------------------- the points
def integrated_group(params_list, setup, params, obs):
    """Result columns, and the points to simulate one by one, of a batch's points whose link spreads are drawn
    per path (lognormal engine, no base stated as a bound): (columns, rows). None when the targets of a group
    do not share a deadline (the scenario engine, which the caller then uses, says why)."""
    resolved = [t for t in (anchored(t, obs)[0] for t in setup.targets) if t is not None]
    first = {}
    for target in resolved:
        first.setdefault(target.group, target)
    if any(t.deadline != first[t.group].deadline for t in resolved):
        return None
    rngs = group_generators(params.seed, 1 + max(first, default=0))
    out, alone = {}, set()
    for group, target in first.items():
        members = [t for t in resolved if t.group == group and t.deadline <= params.target_year]
        if not members:
            continue
        stats, ess, failed = _group_points(params_list, group_draws(target, params, obs, rngs[group]), members)
        alone |= failed
        if (ess == 0).any():
            log.warning("%s: %d point(s) where no path is consistent with the evidence; left empty",
                        target.target_id, int((ess == 0).sum()))
        for t in members:
            out.update({f"{name}.{t.target_id}": values for name, values in stats[t.target_id].items()})
            out[f"ess.{t.target_id}"] = ess
            ratio = np.array([p.revenue_to_output_ratio if t.apply_ratio else 1.0 for p in params_list])
            out[f"required_cagr.{t.target_id}"] = required_cagr(t.base_level * ratio, t.threshold,
                                                                 t.deadline - t.base_year)
    return out, sorted(alone)


def _group_points(params_list, draws, targets):
    """(stats by target id, ess, rows to simulate alone) of every point on one group's draws, key by key."""
    points = [p.for_measure(draws.target.path) for p in params_list]
    for p in points:
        simulated_years(p, draws.target.base_year)  # a growth override outside the years: the scenario's error
    quantities = [draws.quantity(target_function(draws.target, draws.years))] + [
        draws.quantity(b.h) for b in draws.m.bounds]
    stats = {t.target_id: {name: np.full(len(points), np.nan) for name in ("p_met", *QUANTILES)} for t in targets}
    ess, keys, failed = np.full(len(points), np.nan), {}, set()
    for i, p in enumerate(points):
        keys.setdefault(_key(p, draws), []).append(i)
    for rows in keys.values():
        if not _key_points(points, rows, draws, quantities, targets, (stats, ess)):
            failed |= set(rows)
    return stats, ess, failed


def _key_points(points, rows, draws, quantities, targets, into) -> bool:
    """Every point of one key, by blocks of growth coordinates; False when its candidates' posteriors fail."""
    parts = key_parts(points[rows[0]], draws, quantities)
    classes = growth_classes(points[rows[0]], draws.years)
    tau = np.array([growth_coordinates(points[i], classes) for i in rows]).reshape(len(rows), len(classes))
    unique, inverse = np.unique(tau, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")  # the points of one coordinate side by side
    chunk = max(1, WEIGHT_CHUNK_BYTES // (8 * draws.Z.shape[0]))
    for first in range(0, len(unique), TAU_BLOCK):
        block = unique[first:first + TAU_BLOCK]
        picks = _picks(parts, draws, block)
        kept = np.zeros(len(parts.done), dtype=bool)
        kept[picks.ravel()] = True
        candidate_parts(parts, draws, quantities, np.flatnonzero(kept & ~parts.done))
        if parts.failed:
            return False
        cores = _core_values(parts, draws, quantities, block, picks)
        local = order[(inverse[order] >= first) & (inverse[order] < first + len(block))]
        for start in range(0, len(local), chunk):
            sel = local[start:start + chunk]
            at = inverse[sel] - first
            at = at[:1] if np.all(at == at[0]) else at  # one coordinate: its paths shared, not copied
            part, ess = _chunk_stats([points[rows[j]] for j in sel], draws, quantities, targets, picks[at],
                                     [None if c is None else c[at] for c in cores])
            where = [rows[j] for j in sel]
            into[1][where] = ess
            for target_id, values in part.items():
                for name, column in values.items():
                    into[0][target_id][name][where] = column
    return True


def _picks(parts, draws, tau):
    """The candidates each row of growth coordinates keeps (rows x paths): its resample, or the first n_sims."""
    n = draws.Z.shape[0]
    if not draws.weighed:
        return np.broadcast_to(np.arange(n), (len(tau), n))
    return np.vstack([systematic_pick(log_weights(parts.basis, tau[i:i + PICK_ROWS]), n)
                      for i in range(0, len(tau), PICK_ROWS)])


def _core_values(parts, draws, quantities, tau, picks) -> list:
    """Each quantity's core part on every path of each row of growth coordinates (rows x paths), offset
    included: α_k + Σ_a τ_a β_ak + g_k·z for the candidate k each path kept; None without a core part. The
    deadline level and a bound on it share theirs."""
    out, same = [], {}
    for q, quantity in enumerate(quantities):
        if not quantity.core:
            out.append(None)
            continue
        if (quantity.core, quantity.offset) not in same:
            values = parts.alpha[q][picks] + quantity.offset
            for a in range(tau.shape[1]):
                values += tau[:, a:a + 1] * parts.beta[q][a][picks]
            last = max(c for c, _ in quantity.core)  # g_c = Σ_(i ≥ c) root_ic h_i: 0 past the last it reads
            for c, d in enumerate(draws.core[:last + 1]):
                values += parts.g[q][c][picks] * draws.Z[:, d]
            same[(quantity.core, quantity.offset)] = values
        out.append(same[(quantity.core, quantity.offset)])
    return out


def _ratio_values(points, draws, picks):
    """ln r on every path of each point (points x paths, or one number a point): its prior given the
    candidate's draw of the ratio's sd (``GroupDraws.ratio_prior``) and the path's draw; no row reads it, so
    its posterior is its prior."""
    z = draws.Z[:, draws.layout.index(LOG_RATIO)]
    priors = [draws.ratio_prior(p) for p in points]
    if all(np.ndim(s) == 0 and s == 0 for _, s in priors):
        return np.array([[mean] for mean, _ in priors])
    out = np.empty((len(points), len(z)))
    for i, (mean, sd) in enumerate(priors):
        k = picks[min(i, len(picks) - 1)]
        out[i] = (mean[k] if np.ndim(mean) else mean) + (sd[k] if np.ndim(sd) else sd) * z
    return out


def _bound_terms(draws, quantities, b, bound, value, picks):
    """A bound's log-likelihood on every path: per candidate (cached) when its quantity is one number a point."""
    sd = draws.candidates.bound_sd[b]
    soft = np.any(sd != 0)
    if soft and value.shape[1] == 1 and not quantities[1 + b].core:
        terms = np.empty((len(value), picks.shape[1]))
        for i, q in enumerate(value[:, 0]):
            if (b, q) not in draws.bounds:
                if len(draws.bounds) >= RATIOS_KEPT:
                    draws.bounds.clear()
                draws.bounds[(b, q)] = bound_log_likelihood(bound, np.full(len(sd), q), sd)
            terms[i] = draws.bounds[(b, q)][picks[min(i, len(picks) - 1)]]
        return terms
    with np.errstate(invalid="ignore"):
        return bound_log_likelihood(bound, value, sd[picks] if soft else 0.0)


def _chunk_stats(points, draws, quantities, targets, picks, cores):
    """({target id: {stat: (points,)}}, ess) of a chunk of points: the bounds weigh each point's paths
    (their softness the candidate's), and P(met) and the quantiles are taken from the weighted deadline values."""
    ratio = _ratio_values(points, draws, picks) if any(q.ratio for q in quantities) else 0.0

    def value(q):
        part = cores[q] if cores[q] is not None else np.array([[quantities[q].offset]])
        return part + quantities[q].ratio * ratio if quantities[q].ratio else part

    shape = (len(points), picks.shape[1])
    log_w = None
    for b, bound in enumerate(draws.m.bounds):
        term = _bound_terms(draws, quantities, b, bound, value(1 + b), picks)
        log_w = term if log_w is None else log_w + term
    if log_w is not None:
        log_w = np.broadcast_to(np.where(np.isnan(log_w), -np.inf, log_w), shape)
    return points_stats(np.broadcast_to(np.exp(value(0)), shape), log_w, targets)

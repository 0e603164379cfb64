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
  are computed once a candidate (``candidate_parts``). The ratio, which no row reads on the shipped
  evidence, is added per point from the candidate's draw of its sd.

The points are then weighed and summarised in chunks of points x paths (``order_statistics``), as
``lognormal_points`` does for the link spreads at their values. ``setup`` is the batch's ``EngineSetup``.
"""

import logging
import math
from dataclasses import dataclass

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
from dgforecast.engine.spread_weights import (
    cholesky_each,
    class_vectors,
    growth_classes,
    growth_coordinates,
    growth_shifts,
    log_weights,
    systematic_pick,
    weight_basis,
    whiten,
)
from dgforecast.engine.weights import bound_log_likelihood
from dgforecast.plan.targets import required_cagr

log = logging.getLogger(__name__)

#: Growth coordinates resampled at once (rows of candidates' weights, about 5 MiB at 40,000 candidates).
PICK_ROWS = 16
#: Distinct growth coordinates of one key whose paths are held at once (each a row of paths a quantity).
TAU_BLOCK = 64


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

    @property
    def ratio_apart(self) -> bool:
        return self.layout.index(LOG_RATIO) not in self.core

    def quantity(self, fn) -> Quantity:
        """``fn`` (a ``condition.Linear``) split into its core part, the ratio's coefficient and the offset."""
        h = fn.vector(self.layout)
        ratio = float(h[self.layout.index(LOG_RATIO)]) if self.ratio_apart else 0.0
        return Quantity(tuple((c, float(h[d])) for c, d in enumerate(self.core) if h[d] != 0), ratio, fn.offset)


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
    return GroupDraws(target, years, m, layout, Z, candidates, H, y, core, weighed)


def _key(params, draws) -> tuple:
    """What decides a point's candidates' weights and posteriors besides its growth coordinates."""
    ratio = None if draws.ratio_apart else (params.revenue_to_output_ratio, params.revenue_to_output_ratio_sd)
    return (growth_classes(params, draws.years), log_growth_sds(params, draws.years).tobytes(),
            growth_shifts(params, draws.years).tobytes(), ratio)


@dataclass
class KeyParts:
    """One key's shared numbers: its candidates' weight basis, prior, and posterior parts as they are needed."""

    basis: object            # spread_weights.WeightBasis (None when the rows do not weigh the candidates)
    base: np.ndarray         # candidates x state: the growth-free prior means
    var: np.ndarray          # candidates x state: the prior variances
    u: np.ndarray            # classes x state (``class_vectors``)
    alpha: list              # per quantity: α of every candidate (NaN until computed)
    beta: list               # per quantity: β_a of every candidate, classes x candidates
    g: list                  # per quantity: g of every candidate, core x candidates
    done: np.ndarray         # candidates whose parts are computed
    failed: bool = False     # some candidate's posterior is not positive definite: simulate these points


def key_parts(rep, draws, quantities) -> KeyParts:
    """``KeyParts`` of the key of the point ``rep`` (any of its points: they share what is computed here)."""
    prior = prior_moments(rep, draws.years, GAP in draws.layout, (0.0, 0.0), NOMINAL in draws.layout)
    candidates = draws.candidates.at_ratio_sd(rep)
    base, var = candidate_moments(rep, prior, draws.layout, candidates)
    u = class_vectors(growth_classes(rep, draws.years), draws.layout)
    basis = weight_basis(draws.H, draws.y, candidates.R, var, base, u) if draws.weighed else None
    count, k = len(var), len(u)
    return KeyParts(basis, base, var, u, [np.full(count, np.nan) for _ in quantities],
                    [np.full((k, count), np.nan) for _ in quantities],
                    [np.full((len(draws.core), count), np.nan) for _ in quantities], np.zeros(count, dtype=bool))


def candidate_parts(parts, draws, quantities, which) -> None:
    """α, β and g of the candidates ``which`` for each quantity (``candidate_posteriors``), into ``parts``."""
    new = which[~parts.done[which]]
    if not len(new):
        return
    root, whitened, resid, directions = candidate_posteriors(parts, draws, new)
    if root is None:
        parts.failed = True
        return
    for q, quantity in enumerate(quantities):
        coef = dict(quantity.core)
        wh = [sum(coef[c] * whitened[c][i] for c in coef if c in whitened) for i in range(len(draws.y))]
        alpha = sum(coef[c] * parts.base[new, draws.core[c]] for c in coef) + sum(
            (wh[i] * resid[i] for i in range(len(wh))), np.zeros(len(new)))
        parts.alpha[q][new] = alpha if coef else 0.0
        for a in range(len(parts.u)):
            lead = sum(coef[c] * parts.u[a, draws.core[c]] for c in coef)
            parts.beta[q][a, new] = lead - sum((wh[i] * directions[a][i] for i in range(len(wh))), np.zeros(len(new)))
        for c in range(len(draws.core)):
            parts.g[q][c, new] = sum((root[i][c] * coef[i] for i in range(c, len(draws.core)) if i in coef),
                                     np.zeros(len(new)))
    parts.done[new] = True


def candidate_posteriors(parts, draws, new):
    """(root, L⁻¹ H P by core component, L⁻¹ (y − H b), L⁻¹ H u_a) of the candidates ``new``: what a path's
    conjugate update given its candidate is made of (``posterior.path_posteriors``); root None when some
    candidate's posterior covariance is not positive definite."""
    core, r = draws.core, len(draws.y)
    var = parts.var[new]
    whitened, resid, directions = {}, [], [[] for _ in parts.u]
    if r and parts.basis is not None:
        L = [[x[new] for x in row] for row in parts.basis.chol]
        resid = [x[new] for x in parts.basis.resid]
        directions = [[x[new] for x in fa] for fa in parts.basis.directions]
    elif r:  # rows, but no spread drawn to weigh: one factor serves every candidate
        L = _factor(draws, parts, new)
        resid = whiten(L, [draws.y[i] - sum(draws.H[i, d] * parts.base[new, d] for d in core) for i in range(r)])
        directions = [whiten(L, [float(draws.H[i] @ ua) for i in range(r)]) for ua in parts.u]
    for c, d in enumerate(core):
        if r and np.any(draws.H[:, d] != 0):
            whitened[c] = whiten(L, [draws.H[i, d] * var[:, d] for i in range(r)])
    cov = [[(var[:, core[a]] if a == b else np.zeros(len(new)))
            - sum((whitened[a][i] * whitened[b][i] for i in range(r)) if a in whitened and b in whitened else (),
                  np.zeros(len(new)))
            for b in range(a + 1)] for a in range(len(core))]
    root = cholesky_each(cov)
    if any(np.isnan(root[a][b]).any() for a in range(len(core)) for b in range(a + 1)):
        return None, None, None, None
    return root, whitened, resid, directions


def _factor(draws, parts, new):
    # The Cholesky factor of S = H P Hᵀ + R when no spread is drawn: every candidate the same
    S = draws.H @ (parts.var[new[0]][:, None] * draws.H.T) + draws.candidates.R[new[0]]
    L = np.linalg.cholesky(S)
    return [[np.full(len(new), L[i, j]) for j in range(i + 1)] for i in range(len(L))]


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
    chunk = max(1, WEIGHT_CHUNK_BYTES // (8 * draws.Z.shape[0]))
    for first in range(0, len(unique), TAU_BLOCK):
        block = unique[first:first + TAU_BLOCK]
        picks = _picks(parts, draws, block)
        candidate_parts(parts, draws, quantities, np.unique(picks))
        if parts.failed:
            return False
        cores, same = [], {}
        for q, quantity in enumerate(quantities):  # the deadline level and a bound on it share their core part
            key = (quantity.core, quantity.offset)
            if key not in same:
                same[key] = _core_values(parts, draws, q, quantity, block, picks)
            cores.append(same[key])
        local = np.nonzero((inverse >= first) & (inverse < first + len(block)))[0]
        for start in range(0, len(local), chunk):
            sel = local[start:start + chunk]
            at = inverse[sel] - first
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


def _core_values(parts, draws, q, quantity, tau, picks):
    """The core part of ``quantity`` on every path of each row of growth coordinates (rows x paths), offset
    included: α_k + Σ_a τ_a β_ak + g_k·z for the candidate k each path kept; None when it has no core part."""
    if not quantity.core:
        return None
    out = parts.alpha[q][picks] + quantity.offset
    for a in range(tau.shape[1]):
        out += tau[:, a:a + 1] * parts.beta[q][a][picks]
    last = max(c for c, _ in quantity.core)  # g_c = Σ_(i ≥ c) root_ic h_i: 0 past the last component it reads
    for c, d in enumerate(draws.core[:last + 1]):
        out += parts.g[q][c][picks] * draws.Z[:, d]
    return out


def _ratio_values(points, draws, picks):
    """ln r on every path of each point (points x paths): its prior given the candidate's draw of the ratio's sd
    (``integrated._path_prior``) and the path's draw; no row reads it, so its posterior is its prior."""
    z = draws.Z[:, draws.layout.index(LOG_RATIO)]
    factor = draws.candidates.factors.get("revenue_to_output_ratio_sd")
    out = np.empty(picks.shape)
    for i, p in enumerate(points):
        mu, s = ratio_log_moments(p)
        if factor is not None and s > 0:
            s2 = np.log1p((p.revenue_to_output_ratio_sd * factor[picks[i]] / p.revenue_to_output_ratio) ** 2)
            out[i] = (math.log(p.revenue_to_output_ratio) - s2 / 2) + np.sqrt(s2) * z
        else:
            out[i] = mu + s * z
    return out


def _chunk_stats(points, draws, quantities, targets, picks, cores):
    """({target id: {stat: (points,)}}, ess) of a chunk of points: the bounds weigh each point's paths
    (their softness the candidate's), and P(met) and the quantiles are taken from the weighted deadline values."""
    ratio = _ratio_values(points, draws, picks) if any(q.ratio for q in quantities) else 0.0

    def value(q):
        part = cores[q] if cores[q] is not None else quantities[q].offset
        return np.broadcast_to(part + quantities[q].ratio * ratio if quantities[q].ratio else part, picks.shape)

    log_w = None
    for b, bound in enumerate(draws.m.bounds):
        sd = draws.candidates.bound_sd[b]
        with np.errstate(invalid="ignore"):
            term = bound_log_likelihood(bound, value(1 + b), sd[picks] if np.any(sd != 0) else 0.0)
        log_w = term if log_w is None else log_w + term
    if log_w is not None:
        log_w = np.where(np.isnan(log_w), -np.inf, log_w)
    return points_stats(np.exp(value(0)), log_w, targets)

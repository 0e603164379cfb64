"""One scenario's simulated paths, conditioned on the evidence: the simulation core.

Every path that needs simulated numbers — ``assess`` (notebooks, ``run``, ``report``, the
``assess`` command), ``tracking`` and, through ``batch``, ``sweep`` — comes here or uses the same
functions, so a parameter or a piece of evidence added to the engine reaches all of them.

A path's state is θ = (x_t for each simulated year, ln r, δ) (``condition``): x_t the nominal log
growth of the cluster's output in year t after the plan's base year, r the revenue-to-output ratio
(营业收入 / 总产值, one per path: a structural property, not a yearly shock), δ the cluster-over-city
增加值 growth gap (only when a city growth row is used). Two engines:

* ``lognormal``: a Gaussian prior, x_t ~ N(ln(1 + g_t), volatility²) independent across years (g_t is
  ``growth`` unless ``growth_overrides`` names year t; real growth is turned nominal with the
  deflator), ln r ~ N(μ_r, s_r²) with mean ``revenue_to_output_ratio`` and sd
  ``revenue_to_output_ratio_sd`` of r, δ ~ N(city_gap, city_gap_sd²). The evidence's Gaussian rows
  are applied exactly, by the conjugate update (``posterior.gaussian_posterior``): the paths are
  drawn from the posterior, θ = m' + L z with L Lᵀ the posterior covariance, so an exact figure of a
  target's own measure pins it in every path. Bounds then weigh the paths. Without evidence L is the
  diagonal of the prior's sds and the paths are the prior's; P(met) has a closed form
  (``closed_form``). The prior is ``prior``'s.
* ``fitted``: the growth models' ``auto`` method (``dgforecast.models.forecast.simulate_series``) fitted on a
  published history gives the x_t; exact figures are imposed by projecting each path onto them
  (the bridge of a random walk), the other rows and the bounds weigh the paths (``fitted_engine``).

Randomness: one generator from the scenario's ``seed`` (``group_generators``), spawned once per
group of targets that grow from different baselines; the lognormal engine takes its yearly shocks
(paths x years) first, then one ratio draw a path, then (when used) one gap draw a path. A batch of
parameter points (``batch.evaluate_points``) reuses the same draws for every point (common random
numbers), so a point gives the same numbers as this module for the same parameters.
"""

import dataclasses
import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dgforecast.core.errors import ParamsError
from dgforecast.engine.condition import (
    BASE,
    GAP,
    LOG_RATIO,
    bears_on,
    log_level,
    log_revenue,
    measurement,
    observations,
)
from dgforecast.engine.fitted_engine import fitted_state
from dgforecast.engine.posterior import gaussian_posterior, psd_sqrt, row_matrices
from dgforecast.engine.prior import base_bound, base_moments, prior_moments, simulated_years, state_layout
from dgforecast.engine.weights import bound_log_likelihood, normalise, resample
from dgforecast.plan.evidence import select_evidence

log = logging.getLogger(__name__)

#: Parameters that shape the draws themselves; a batch is evaluated in groups that share them.
STRUCTURAL_KEYS = ("engine", "target_year", "n_sims", "seed")
#: Quantiles reported for each level target, with their names.
QUANTILES = {"median": 0.5, "q10": 0.1, "q90": 0.9}


# ---------------------------------------------------------------- randomness
def group_generators(seed, n_groups) -> list:
    """The generators of one simulation: one from ``seed``, spawned per target group when there are several.

    This is the only place a seed becomes random numbers.
    """
    rng = np.random.default_rng(seed)
    return [rng] if n_groups == 1 else rng.spawn(n_groups)


@dataclass(frozen=True)
class Draws:
    """Standard-normal draws: yearly shocks (paths x years), one ratio draw a path, one gap draw a path, one
    base draw a path (a base stated as a bound)."""

    shocks: np.ndarray
    ratio: np.ndarray
    gap: np.ndarray | None = None
    base: np.ndarray | None = None

    def matrix(self, layout) -> np.ndarray:
        """The draws as columns in the order of the state ``layout`` (years, ln r, δ, the base)."""
        columns = [self.shocks, self.ratio[:, None]]
        if GAP in layout:
            columns.append(self.gap[:, None])
        if BASE in layout:
            columns.append(self.base[:, None])
        return np.hstack(columns)


def lognormal_draws(rng, n_sims, n_years, gap=False, base=False) -> Draws:
    """The shocks first, then the ratio draws, then the gap draws, then the base draws: the order every
    caller relies on."""
    shocks, ratio = rng.standard_normal((n_sims, n_years)), rng.standard_normal(n_sims)
    gaps = rng.standard_normal(n_sims) if gap else None
    return Draws(shocks, ratio, gaps, rng.standard_normal(n_sims) if base else None)


def noise_along(Z, root, h) -> np.ndarray:
    """The paths' random part of the linear quantity with coefficients ``h``: Z (Lᵀ h).

    Written once, so one scenario and a batch of points compute every quantity the same way.
    """
    return Z @ (root.T @ h)


# ---------------------------------------------------------------- one scenario
@dataclass
class GroupPaths:
    """The simulated paths of one group of level targets, and how the evidence bears on them."""

    paths: pd.DataFrame          # the targets' measure (x ratio where it applies), paths x years, 亿元
    weights: object = None       # normalised weights a path (None: every path counts the same)
    ess: float = math.nan        # effective sample size; n_sims when unweighted
    evidence_used: tuple = ()    # ids of the evidence rows that bear on the paths
    deadline_values: dict = field(default_factory=dict)  # deadline year -> the measure of every path
    years_evidence: pd.DataFrame = field(default_factory=pd.DataFrame)  # per simulated year: what bears on it
    round_capped: tuple = ()     # ids the round-figure reading changes (``condition.Measurement``)
    next_milestone: dict = field(default_factory=dict)  # id of a round statement -> P(at or past its next figure)
    theta: np.ndarray | None = None  # the state of every path (paths x layout): the years' growth, ln r, δ
    layout: tuple = ()               # its keys (``state_layout``)

    @property
    def resampled(self) -> pd.DataFrame:
        """Equally weighted paths standing for the weighted ones (the paths themselves when unweighted)."""
        if self.weights is None:
            return self.paths
        return self.paths.iloc[resample(self.weights)].reset_index(drop=True)


@dataclass
class Simulation:
    """Everything one scenario's simulation gives: paths per group, evidence used and left out."""

    groups: dict                  # group -> GroupPaths
    n_sims: int                   # paths drawn (more than params.n_sims when the evidence needed them)
    selection: object = None      # evidence.Selection (None when no evidence table was given)
    note: str = ""                # what was done to reach the effective-size floor, if anything
    unused: dict = field(default_factory=dict)   # evidence_id -> why a selected row bears on no paths
    targets: tuple = ()           # the level targets simulated, each with the base its paths start from
    unassessable: dict = field(default_factory=dict)  # target_id -> why no path could be simulated for it
    anchors: dict = field(default_factory=dict)       # target_id -> id of the figure its paths start from


def evidence_rows(evidence, params):
    """The evidence selection for ``params`` (its ``as_of`` month and least trusted flag) and its observations."""
    if evidence is None:
        return None, ()
    selection = select_evidence(evidence, params.as_of_month, params.evidence.min_reliability)
    return selection, observations(selection.used)


def usable_observations(obs, target, years) -> tuple:
    """The observations that bear on ``target``'s paths: rows of a measure linked to its path (plan.yaml),
    each counting only for a year the paths cover (ratio rows always)."""
    return tuple(o for o in obs if target.path and o.path == target.path and bears_on(o, years))


def anchor_of(target, obs):
    """The latest exact full-year level of the target's path measure, the paths' start when the plan gives no
    base figure (None when none is published by the as-of month)."""
    found = [o for o in obs if o.measure == target.path and o.kind == "level" and o.exact and o.months == 12
             and o.year < target.deadline]
    return max(found, key=lambda o: o.year) if found else None


def anchored(target, obs):
    """``target`` with a base to start from: its own, or the anchor (``anchor_of``); (target, anchor id) —
    (None, reason) when it has neither, or its measure is linked to no path."""
    if not target.path:
        return None, (f"its measure {target.measure or '(none)'} is linked to no simulated path in plan.yaml "
                      "(role unlinked), so no figure bears on it")
    if not target.anchored:
        return target, ""
    if target.needs_base:
        return None, (f"the plan gives no exact level of {target.path} for {target.base_year}, the year its average "
                      "growth is counted from; a later figure cannot stand in for it")
    anchor = anchor_of(target, obs)
    if anchor is None:
        return None, (f"the plan gives no base figure for {target.path} and no exact yearly level of it is "
                      "published yet: nothing to start the paths from")
    return dataclasses.replace(target, base_level=anchor.value, base_year=anchor.year), anchor.evidence_id


def target_function(target, years):
    """The deadline value of a target as a linear function of the state: ln X_T (+ ln r for 营业收入)."""
    base_log = math.log(target.base_level)
    fn = log_revenue if target.apply_ratio else log_level
    return fn(target.deadline, years, base_log, target.base_step > 0)


def _lognormal_state(target, params, years, m, rng, layout):
    """(mean, root, Z): the posterior mean and square root of the state, and the paths' draws."""
    prior_mean, prior_sd = prior_moments(params, years, GAP in layout, base_moments(target.base_level,
                                                                                     target.base_step))
    H, y, R = row_matrices(m.rows, layout, m.growth_link_sd)
    mean, cov = gaussian_posterior(prior_mean, np.diag(prior_sd ** 2), H, y, R)
    draws = lognormal_draws(rng, params.n_sims, len(years), gap=GAP in layout, base=BASE in layout)
    return mean, psd_sqrt(cov), draws.matrix(layout)


def years_evidence(m, years) -> pd.DataFrame:
    """Per simulated year, the rows bearing on its growth or level: direct (the cluster's), related (the
    city's, through city_gap), bounds — so a page can say which years rest on which figures."""
    rows = []
    for year in years:
        direct, related, bounds = [], [], []
        for row in m.rows:
            keys = row.h.keys()
            if year not in keys or (len(keys) > 1 and max(k for k in keys if isinstance(k, int)) != year):
                continue
            (related if GAP in keys else direct).extend(row.evidence_ids)
        for bound in m.bounds:
            keys = [k for k in bound.h.keys() if isinstance(k, int)]
            if keys and max(keys) == year:
                bounds.extend(bound.evidence_ids)
        rows.append({"year": year, "direct": ";".join(direct), "related": ";".join(related),
                     "bounds": ";".join(bounds)})
    return pd.DataFrame(rows, columns=["year", "direct", "related", "bounds"])


def _group_paths(target, params, rng, obs, history) -> GroupPaths:
    """The paths of ``target``'s group under the evidence ``obs``, grown at its path measure's own growth and
    volatility where the scenario gives them (``ScenarioParams.for_measure``)."""
    params = params.for_measure(target.path)
    years = simulated_years(params, target.base_year)
    usable = usable_observations(obs, target, years)
    uncertain = target.base_step > 0
    m = measurement(usable, params.evidence, years, math.log(target.base_level), uncertain_base=uncertain)
    bounds = m.bounds + ([base_bound(target, params.evidence.reading)] if uncertain else [])
    layout = state_layout(years, m.uses_gap, uncertain)
    h = target_function(target, years)
    if params.engine == "lognormal":
        mean, root, Z = _lognormal_state(target, params, years, m, rng, layout)
        theta = mean + Z @ root.T
        quantity = lambda fn: (mean @ fn.vector(layout) + fn.offset) + noise_along(Z, root, fn.vector(layout))  # noqa: E731
        log_w = np.zeros(params.n_sims)
    else:
        theta, log_w = fitted_state(target, params, years, m, rng, layout, history)
        quantity = lambda fn: theta @ fn.vector(layout) + fn.offset  # noqa: E731
    with np.errstate(invalid="ignore"):
        for bound in bounds:
            log_w = log_w + bound_log_likelihood(bound, quantity(bound.h))
    log_w = np.where(np.isnan(log_w), -np.inf, log_w)
    weights, ess = None, float(params.n_sims)
    if bounds or (params.engine != "lognormal" and (m.rows or not np.all(np.isfinite(log_w)))):
        weights, ess = normalise(log_w)
        ess = float(ess)
        if ess == 0:
            raise ParamsError("no simulated path is consistent with the evidence "
                              f"({', '.join(m.evidence_ids)}): check those rows in data/raw/evidence.csv, "
                              "or soften the bounds with -p evidence.bound_sd=0.02")
    log_levels = math.log(target.base_level) + np.cumsum(theta[:, :len(years)], axis=1)
    if uncertain:
        log_levels = log_levels + theta[:, [layout.index(BASE)]]
    with np.errstate(invalid="ignore"):
        measure = np.exp(log_levels + (theta[:, [layout.index(LOG_RATIO)]] if target.apply_ratio else 0.0))
    values = {target.deadline: np.exp(quantity(h))}
    w = weights if weights is not None else np.full(params.n_sims, 1.0 / params.n_sims)
    with np.errstate(invalid="ignore"):
        beyond = {i: float(np.nansum(w * np.exp(bound_log_likelihood(b, quantity(b.h))))) for i, b in m.milestones}
    log.info("%s: %d paths %d-%d from %.2f at %d (%s engine), %d evidence rows", params.scenario, params.n_sims,
             years[0], years[-1], target.base_level, target.base_year, params.engine, len(m.evidence_ids))
    return GroupPaths(pd.DataFrame(measure, columns=pd.Index(years, name="year")), weights, ess, m.evidence_ids,
                      values, years_evidence(m, years), tuple(m.round_capped), beyond, theta, tuple(layout))


def simulate_paths(base_level, base_year, params, rng, apply_ratio=True) -> pd.DataFrame:
    """Simulated yearly levels of a level target's measure without evidence, one row per path.

    Parameters
    ----------
    base_level : float
        Level of the baseline measure (for the cluster: 规上工业总产值) at ``base_year``, 亿元.
    base_year : int
        The plan's baseline year.
    params : ScenarioParams
        The scenario (lognormal engine: growth, volatility, overrides, ratio, price basis, n_sims).
    rng : numpy.random.Generator
        The only source of randomness; the same seed gives the same paths.
    apply_ratio : bool
        Multiply by the revenue-to-output ratio (True for targets measured in 营业收入).

    Returns
    -------
    DataFrame
        ``n_sims`` rows x columns ``base_year + 1 .. target_year`` (int), values in 亿元.
    """
    years = simulated_years(params, base_year)
    mean, sd = prior_moments(params, years, False)
    Z = lognormal_draws(rng, params.n_sims, len(years)).matrix(state_layout(years, False))
    theta = mean + Z * sd
    levels = base_level * np.exp(np.cumsum(theta[:, :len(years)], axis=1))
    if apply_ratio:
        levels = levels * np.exp(theta[:, [len(years)]])
    return pd.DataFrame(levels, columns=pd.Index(years, name="year"))


def _unused(obs, targets, params, anchors, waiting=None) -> dict:
    """Selected rows that bear on no target's paths, with the reason; ``waiting``: path -> the target judged on
    it that has no figure to start from (its rows wait for one)."""
    bearing, paths, waiting = set(), {t.path for t in targets}, waiting or {}
    for target in targets:
        years = simulated_years(params, target.base_year)
        bearing |= {o.evidence_id for o in usable_observations(obs, target, years)}
    starts = set(anchors.values())
    reasons = {}
    for o in obs:
        if o.evidence_id in bearing:
            continue
        if o.evidence_id in starts:
            reasons[o.evidence_id] = "the paths start from it (the plan gives no base figure)"
        elif o.path in waiting and o.path not in paths:
            reasons[o.evidence_id] = (f"{waiting[o.path]} is judged on {o.path}, but its paths have no figure to start "
                                      "from yet (no base figure, no exact yearly level published)")
        elif o.path not in paths:
            reasons[o.evidence_id] = f"no level target is judged on {o.path or o.measure}, which it is about"
        else:
            first = min((t.base_year for t in targets if t.path == o.path), default=None)
            span = simulated_years(params, first)
            reasons[o.evidence_id] = f"about {o.year}, not a simulated year ({span[0]}-{span[-1]})"
    return reasons


def simulate_targets(targets, params, history=None, evidence=None, strict=True) -> Simulation:
    """Paths for every group of level targets, conditioned on the evidence published by ``params.as_of``.

    Parameters
    ----------
    targets : sequence of LevelTarget
        From ``targets.level_targets``; targets of one group share their paths.
    params : ScenarioParams
    history : pd.Series, optional
        The ``fitted`` engine's history (``params.history_series``).
    evidence : DataFrame, optional
        ``evidence.load_evidence``; rows are selected by ``params.as_of`` and
        ``params.evidence.min_reliability``. When the effective sample size falls below
        ``evidence.min_ess``, more paths are drawn (up to ``evidence.max_sims``) and ``note`` says so.
    strict : bool
        Refuse (``ParamsError``) an effective sample still below the floor at ``evidence.max_sims``;
        with ``strict=False`` (a sweep's points) the result stands and ``note`` says so.

    Raises
    ------
    ParamsError
        When no simulated path is consistent with the evidence (effective size 0), or (strict) when
        the effective sample stays below the floor.
    """
    selection, obs = evidence_rows(evidence, params)
    resolved, unassessable, anchors = [], {}, {}
    for target in targets:
        found, why = anchored(target, obs)
        if found is None:
            unassessable[target.target_id] = why
            continue
        resolved.append(found)
        if found is not target:
            anchors[target.target_id] = why
    first = {}
    for target in resolved:
        first.setdefault(target.group, target)
    rngs = group_generators(params.seed, 1 + max(first, default=0))
    groups = {group: _group_paths(target, params, rngs[group], obs, history) for group, target in first.items()}
    lowest = min((g.ess for g in groups.values() if g.weights is not None), default=math.inf)
    ep = params.evidence
    if lowest < ep.min_ess and params.n_sims < ep.max_sims:
        more = int(min(ep.max_sims, math.ceil(params.n_sims * ep.min_ess / lowest * 1.2)))
        log.info("%s: effective sample size %.0f < %d; drawing %d paths", params.scenario, lowest, ep.min_ess, more)
        bigger = simulate_targets(targets, params.model_copy(update={"n_sims": more}), history, evidence, strict)
        bigger.note = (f"the evidence left an effective sample of {lowest:,.0f} of {params.n_sims:,} paths "
                       f"(floor {ep.min_ess:,}); {more:,} paths were drawn instead") + (
                       f"; {bigger.note}" if bigger.note else "")
        return bigger
    note = ""
    if lowest < ep.min_ess:
        used = sorted({i for g in groups.values() for i in g.evidence_used})
        note = (f"the evidence ({', '.join(used)}) leaves an effective sample of {lowest:,.0f} of {params.n_sims:,} "
                f"paths, below the floor evidence.min_ess = {ep.min_ess:,} even at evidence.max_sims")
        if strict:
            raise ParamsError(f"{note}; check those rows, soften the bounds (-p evidence.bound_sd=0.02) or raise "
                              "evidence.max_sims")
    waiting = {t.path: t.target_id for t in targets if t.target_id in unassessable and t.path}
    unused = _unused(obs, resolved, params, anchors, waiting) if selection is not None else {}
    return Simulation(groups, params.n_sims, selection, note, unused, tuple(resolved), unassessable, anchors)

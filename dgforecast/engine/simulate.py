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
  deflator; ``calibration: m3``, the default, shifts each year's mean and scales its sd by horizon,
  ``prior``), ln r ~ N(μ_r, s_r²) with mean ``revenue_to_output_ratio`` and sd
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

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dgforecast.core.errors import ParamsError
from dgforecast.engine.bearing import anchored, evidence_rows, usable_observations
from dgforecast.engine.draws import group_generators, lognormal_draws
from dgforecast.engine.group_paths import group_paths
from dgforecast.engine.prior import prior_moments, simulated_years, state_layout

log = logging.getLogger(__name__)

#: Parameters that shape the draws themselves (the calibration: how each year's draw is scaled); a batch is
#: evaluated in groups that share them.
STRUCTURAL_KEYS = ("engine", "target_year", "n_sims", "seed", "calibration")
#: Quantiles reported for each level target, with their names.
QUANTILES = {"median": 0.5, "q10": 0.1, "q90": 0.9}


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
    groups = {group: group_paths(target, params, rngs[group], obs, history) for group, target in first.items()}
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

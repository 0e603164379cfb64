"""One group's paths: the targets that grow from one baseline, drawn and weighed by the evidence.

The lognormal engine draws the state from its posterior under the Gaussian rows (one conjugate
update; with the link spreads drawn per path, one update a path, ``integrated``), the fitted engine
from its growth models (``fitted_engine``); the bounds then weigh the paths, and the round statements'
next figures are read off them (``GroupPaths.next_milestone``).
"""

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dgforecast.core.errors import ParamsError
from dgforecast.engine.bearing import target_function, usable_observations
from dgforecast.engine.condition import BASE, GAP, LOG_RATIO, NOMINAL, measurement
from dgforecast.engine.draws import lognormal_draws, noise_along
from dgforecast.engine.fitted_engine import fitted_state
from dgforecast.engine.integrated import integrated_state, path_spreads, posterior_spreads
from dgforecast.engine.links import nominal_gap_sd, uncertain_scales
from dgforecast.engine.posterior import gaussian_posterior, psd_sqrt, row_matrices
from dgforecast.engine.prior import base_bound, base_moments, prior_moments, simulated_years, state_layout
from dgforecast.engine.weights import bound_log_likelihood, normalise, resample

log = logging.getLogger(__name__)


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
    clusters: np.ndarray | None = None  # paths sharing one draw of the link spreads (``integrated``)

    @property
    def resampled(self) -> pd.DataFrame:
        """Equally weighted paths standing for the weighted ones (the paths themselves when unweighted)."""
        if self.weights is None:
            return self.paths
        return self.paths.iloc[resample(self.weights)].reset_index(drop=True)


def _lognormal_paths(target, params, years, m, layout, rng, spreads_of):
    """(theta, log weight, quantity, spreads): the lognormal engine's paths from the posterior of the state.

    With the link spreads known, one conjugate update serves every path (θ = m' + L z); with spreads drawn
    per path (``spreads_of``), each path has its own update and the marginal likelihood as its weight.
    """
    prior = prior_moments(params, years, GAP in layout, base_moments(target.base_level, target.base_step),
                          NOMINAL in layout)
    Z = lognormal_draws(rng, params.n_sims, len(years), gap=GAP in layout, base=BASE in layout,
                        nominal=NOMINAL in layout).matrix(layout)
    if spreads_of is not None:
        spreads = posterior_spreads(params, m, layout, prior, lambda count: spreads_of(rng, count))
        theta, log_w = integrated_state(params, m, layout, prior, Z, spreads)
        return theta, log_w, lambda fn: theta @ fn.vector(layout) + fn.offset, spreads
    H, y, R = row_matrices(m.rows, layout, m.growth_link_sd)
    mean, cov = gaussian_posterior(prior[0], np.diag(prior[1] ** 2), H, y, R)
    root = psd_sqrt(cov)
    theta = mean + Z @ root.T

    def quantity(fn):
        return (mean @ fn.vector(layout) + fn.offset) + noise_along(Z, root, fn.vector(layout))
    return theta, np.zeros(params.n_sims), quantity, None


def _beyond_next_figures(m, quantity, w, spreads) -> dict:
    """P(at or past its next round figure) of every round statement, given the evidence.

    The statement itself already weighs the paths; where it is soft (the city's ratio, read through its
    link noise), the next figure's probability is taken given the statement, ``P(next) / P(statement)``
    per path, so the link noise is not counted twice.
    """
    out = {}
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for k, (evidence_id, bound, statement) in enumerate(m.milestones):
            sd = None if spreads is None else spreads.milestone_sd[k]
            log_p = bound_log_likelihood(bound, quantity(bound.h), sd)
            if statement is not None:
                own = None if spreads is None else spreads.statement_sd[k]
                log_p = log_p - bound_log_likelihood(statement, quantity(statement.h), own)
            out[evidence_id] = float(np.nansum(np.where(w > 0, w * np.exp(np.minimum(log_p, 0.0)), 0.0)))
    return out


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


def group_paths(target, params, rng, obs, history) -> GroupPaths:
    """The paths of ``target``'s group under the evidence ``obs``, grown at its path measure's own growth and
    volatility where the scenario gives them (``ScenarioParams.for_measure``)."""
    params = params.for_measure(target.path)
    years = simulated_years(params, target.base_year)
    usable = usable_observations(obs, target, years)
    uncertain, base_log = target.base_step > 0, math.log(target.base_level)
    m = measurement(usable, params.evidence, years, base_log, uncertain_base=uncertain,
                    uncertain_gap=nominal_gap_sd(params) > 0)
    layout = state_layout(years, m.uses_gap, uncertain, m.uses_nominal_gap)
    spreads_of = None
    if uncertain_scales(params):
        def spreads_of(generator, count=params.n_sims):
            return path_spreads(params, m, usable, years, base_log, uncertain, count, generator)
    if params.engine == "lognormal":
        theta, log_w, quantity, spreads = _lognormal_paths(target, params, years, m, layout, rng, spreads_of)
    else:
        theta, log_w, spreads = fitted_state(target, params, years, m, rng, layout, history, spreads_of)
        quantity = lambda fn: theta @ fn.vector(layout) + fn.offset  # noqa: E731
    weights, ess = _weigh(target, params, m, quantity, log_w, spreads)
    log_levels = base_log + np.cumsum(theta[:, :len(years)], axis=1)
    if uncertain:
        log_levels = log_levels + theta[:, [layout.index(BASE)]]
    with np.errstate(invalid="ignore"):
        measure = np.exp(log_levels + (theta[:, [layout.index(LOG_RATIO)]] if target.apply_ratio else 0.0))
    values = {target.deadline: np.exp(quantity(target_function(target, years)))}
    w = weights if weights is not None else np.full(params.n_sims, 1.0 / params.n_sims)
    beyond = _beyond_next_figures(m, quantity, w, spreads)
    log.info("%s: %d paths %d-%d from %.2f at %d (%s engine), %d evidence rows", params.scenario, params.n_sims,
             years[0], years[-1], target.base_level, target.base_year, params.engine, len(m.evidence_ids))
    return GroupPaths(pd.DataFrame(measure, columns=pd.Index(years, name="year")), weights, ess, m.evidence_ids,
                      values, years_evidence(m, years), tuple(m.round_capped), beyond, theta, tuple(layout),
                      None if spreads is None else spreads.clusters)


def _weigh(target, params, m, quantity, log_w, spreads):
    """(weights, ess): the bounds' weights on top of ``log_w``; None when every path counts the same."""
    bounds = m.bounds + ([base_bound(target, params.evidence.reading)] if target.base_step > 0 else [])
    with np.errstate(invalid="ignore"):
        for k, bound in enumerate(bounds):
            sd = spreads.bound_sd[k] if spreads is not None and k < len(m.bounds) else None
            log_w = log_w + bound_log_likelihood(bound, quantity(bound.h), sd)
    log_w = np.where(np.isnan(log_w), -np.inf, log_w)
    alike = bool(np.all(log_w == log_w[0]))  # no row told the paths' spreads apart (no rows at all, say)
    if not (bounds or (spreads is not None and not alike) or (params.engine != "lognormal"
                                                               and (m.rows or not np.all(np.isfinite(log_w))))):
        return None, float(params.n_sims)
    weights, ess = normalise(log_w)
    if ess == 0:
        raise ParamsError("no simulated path is consistent with the evidence "
                          f"({', '.join(m.evidence_ids)}): check those rows in data/raw/evidence.csv, "
                          "or soften the bounds with -p evidence.bound_sd=0.02")
    return weights, float(ess)

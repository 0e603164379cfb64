"""The lognormal engine with the link spreads drawn per path: P(met) integrated over what they may be.

Given the link spreads φ the model is the lognormal engine's: a Gaussian prior on the state, Gaussian
rows applied by the conjugate update, bounds weighing the paths. The spreads' posterior given the
Gaussian rows is their prior times the marginal likelihood N(y; H m, H P Hᵀ + R(φ)). It is drawn by
sampling-importance-resampling (``posterior_spreads``): ``OVERSAMPLE`` candidates a path from the prior
(after the state's draws), weighed by that likelihood (written as ``spread_weights`` writes it, so a
sweep's points weigh them to the same bits), resampled systematically to one a path; each
path then draws its state from its own conditional posterior (``posterior.path_posteriors``), and the
bounds weigh the paths as always. Drawn this way, a figure that contradicts the scenario's prior (a
fall assumed, a rise published) moves the spreads' weight onto the values that explain it without the
weights collapsing onto a few paths. Paths that share a resampled candidate share its spreads: their
``clusters`` (the candidate's index) make the Monte Carlo error count them as one draw of φ.

Pure functions: parameters, rows and a generator in, the paths' states and log weights out.
"""

from dataclasses import dataclass, field

import numpy as np

from dgforecast.core.errors import ParamsError
from dgforecast.engine.condition import GAP, LOG_RATIO, measurement
from dgforecast.engine.links import draw_factors, scaled, uncertain_scales, variance_parts
from dgforecast.engine.posterior import error_covariance, path_posteriors, row_matrices
from dgforecast.engine.spread_weights import (
    class_vectors,
    growth_classes,
    growth_coordinates,
    growth_shifts,
    log_weights,
    systematic_pick,
    weight_basis,
)
from dgforecast.engine.weights import normalise
from dgforecast.plan.link_schema import LINK_SCALES

#: Candidates of the spreads drawn from their prior for every path kept (sampling-importance-resampling).
OVERSAMPLE = 4


@dataclass
class PathSpreads:
    """What the drawn spreads give every path: its rows' error covariance, its bounds' softness."""

    values: dict                 # name -> the spread on every path (paths,)
    R: np.ndarray                # the Gaussian rows' error covariance, paths x rows x rows
    bound_sd: list               # one array (paths,) a bound of the measurement, in its order
    milestone_sd: list           # one array (paths,) a milestone (a round statement's next figure)
    statement_sd: list           # one array (paths,), or None, a milestone: its statement's own bound
    gap_var: np.ndarray          # δ's prior variance on every path (city_gap_sd²)
    clusters: np.ndarray | None = None  # the candidate each path's spreads were resampled from
    candidate_ess: float = float("nan")  # the effective number of candidates behind the paths' spreads
    factors: dict = field(default_factory=dict)  # name -> the draws as multiples of the value (``draw_factors``)

    def take(self, index) -> "PathSpreads":
        """These spreads at the rows ``index`` (a resample), each path remembering its candidate."""
        return PathSpreads({k: v[index] for k, v in self.values.items()}, self.R[index],
                           [sd[index] for sd in self.bound_sd], [sd[index] for sd in self.milestone_sd],
                           [None if sd is None else sd[index] for sd in self.statement_sd], self.gap_var[index],
                           np.asarray(index), factors={k: v[index] for k, v in self.factors.items()})

    def at_ratio_sd(self, params) -> "PathSpreads":
        """These spreads with the revenue ratio's sd at ``params``' value (the others are the measurement's,
        which a batch's points share): what the same draws give a point of a sweep over the ratio's sd."""
        if "revenue_to_output_ratio_sd" not in self.factors:
            return self
        values = {**self.values, **scaled(params, {"revenue_to_output_ratio_sd":
                                                   self.factors["revenue_to_output_ratio_sd"]})}
        return PathSpreads(values, self.R, self.bound_sd, self.milestone_sd, self.statement_sd, self.gap_var,
                           self.clusters, self.candidate_ess, self.factors)


def _flat_variances(usable, years, base_log, reading, uncertain_base, uncertain_gap):
    """A builder for ``links.variance_parts``: the measurement's variances as one flat vector."""
    def build(params):
        m = measurement(usable, params.evidence, years, base_log, reading, uncertain_base, uncertain_gap)
        parts = [error_covariance(m.rows, m.growth_link_sd).ravel(), [b.sd ** 2 for b in m.bounds],
                 [b.sd ** 2 for _, b, _ in m.milestones], [params.evidence.city_gap_sd ** 2]]
        return np.concatenate([np.asarray(p, dtype=float) for p in parts])
    return build


def path_spreads(params, m, usable, years, base_log, uncertain_base, n, rng) -> PathSpreads:
    """Every path's link spreads, drawn from ``rng`` now, and the variances they give its rows and bounds.

    ``m`` is the measurement at the spreads' centres (its rows and bounds, in order); ``usable``,
    ``years``, ``base_log`` and ``uncertain_base`` are what it was built from (``simulate``).
    """
    factors = draw_factors(params, rng, n)
    values = scaled(params, factors)
    names = [k for k in uncertain_scales(params) if LINK_SCALES[k] == "evidence"]
    build = _flat_variances(usable, years, base_log, params.evidence.reading, uncertain_base, m.uses_nominal_gap)
    variances = (variance_parts(build, params, names).at(values) if names
                 else np.broadcast_to(build(params), (n, len(build(params)))))
    r, nb, nm = len(m.rows), len(m.bounds), len(m.milestones)
    bound_sd = np.sqrt(variances[:, r * r:r * r + nb])
    index = {id(b): k for k, b in enumerate(m.bounds)}
    return PathSpreads(values, variances[:, :r * r].reshape(n, r, r), list(bound_sd.T),
                       list(np.sqrt(variances[:, r * r + nb:r * r + nb + nm]).T),
                       [None if s is None else bound_sd[:, index[id(s)]] for _, _, s in m.milestones],
                       variances[:, -1], factors=factors)


def _path_prior(params, prior_mean, prior_sd, layout, spreads):
    """Every path's prior means and variances (paths x state): the ratio's and δ's from its own spreads."""
    n = len(spreads.R)
    mean = np.broadcast_to(prior_mean, (n, len(layout))).copy()
    var = np.broadcast_to(prior_sd ** 2, (n, len(layout))).copy()
    if "revenue_to_output_ratio_sd" in spreads.values and prior_sd[layout.index(LOG_RATIO)] > 0:
        s2 = np.log1p((spreads.values["revenue_to_output_ratio_sd"] / params.revenue_to_output_ratio) ** 2)
        mean[:, layout.index(LOG_RATIO)] = np.log(params.revenue_to_output_ratio) - s2 / 2
        var[:, layout.index(LOG_RATIO)] = s2
    if GAP in layout:
        var[:, layout.index(GAP)] = spreads.gap_var
    return mean, var


def integrated_state(params, m, layout, prior, Z, spreads):
    """(theta, log weight): every path's state drawn from its own posterior given its own spreads (already
    drawn from their posterior, ``posterior_spreads``: the log weight is 0 on every path).

    Parameters
    ----------
    params : ScenarioParams
    m : condition.Measurement
        The rows and bounds (their structure; the variances are each path's, ``spreads``).
    layout : list
        The state's keys (``prior.state_layout``).
    prior : (mean, sd)
        The prior at the spreads' centres (``prior.prior_moments``).
    Z : ndarray, paths x state
        The state's standard-normal draws (``simulate.lognormal_draws``).
    spreads : PathSpreads
        ``path_spreads``, drawn after ``Z``.

    Returns
    -------
    theta : ndarray, paths x state
    log_weight : ndarray, paths
    """
    mean0, var0 = _path_prior(params, *prior, layout, spreads)
    r = len(m.rows)
    H = np.array([row.h.vector(layout) for row in m.rows]).reshape(r, len(layout))
    y = np.array([row.value - row.h.offset for row in m.rows], dtype=float)
    mean, root, _ = path_posteriors(mean0, var0, H, y, spreads.R)
    return mean + np.einsum("pij,pj->pi", root, Z), np.zeros(len(Z))


def candidate_moments(params, prior, layout, spreads):
    """(base, var), candidates x state: the part of each candidate's prior means that does not move with growth
    (``spread_weights``: the years' calibration shift σ·s_h in place of their means) and its prior variances
    (``_path_prior``)."""
    mean, var = _path_prior(params, *prior, layout, spreads)
    years = [k for k in layout if isinstance(k, int)]
    mean[:, [layout.index(y) for y in years]] = growth_shifts(params, years)
    return mean, var


def candidate_log_weights(params, m, layout, prior, candidates) -> np.ndarray:
    """log N(y; H m, H P Hᵀ + R) of every candidate under ``params``: the quadratic of ``spread_weights`` at
    the scenario's growth coordinates, the arithmetic a batch of points repeats."""
    years = [k for k in layout if isinstance(k, int)]
    classes = growth_classes(params, years)
    base, var = candidate_moments(params, prior, layout, candidates)
    H, y, _ = row_matrices(m.rows, layout, m.growth_link_sd)
    basis = weight_basis(H, y, candidates.R, var, base, class_vectors(classes, layout))
    log_w = log_weights(basis, growth_coordinates(params, classes)[None])[0]
    if not np.all(np.isfinite(log_w)):
        raise ParamsError(f"the figures {', '.join(m.evidence_ids)} leave their rows' covariance singular for "
                          "some draw of the link spreads: check their sds (evidence.* in params.yaml)")
    return log_w


def posterior_spreads(params, m, layout, prior, draw) -> PathSpreads:
    """One path's spreads each, drawn from their posterior given the Gaussian rows (module docstring).

    ``draw(count)`` draws ``count`` candidates from the prior (``path_spreads``); the rows' marginal
    likelihood weighs them (``candidate_log_weights``), and a systematic resample keeps ``params.n_sims``
    (``spread_weights.systematic_pick``). Without Gaussian rows the candidates' weights are alike and the
    first ``n_sims`` are kept as drawn.
    """
    n = params.n_sims
    if not m.rows:
        return draw(n)
    candidates = draw(OVERSAMPLE * n)
    log_w = candidate_log_weights(params, m, layout, prior, candidates)
    kept = candidates.take(systematic_pick(log_w[None], n)[0])
    kept.candidate_ess = float(normalise(log_w)[1])
    return kept

"""The measurement model: how published evidence weighs on simulated paths.

Let s_t be the cluster's nominal log output growth in year t (what the engine simulates), X_t its
output level (亿元, before any revenue ratio) and r its revenue-to-output ratio (营业收入 / 总产值).
Each usable row of data/raw/evidence.csv is a likelihood on those, with the parameters of
``params.EvidenceParams`` (``-p evidence.NAME=VALUE``, ``--grid evidence.NAME=...``):

* ``growth`` g for January–m of year t (m = 12 for a full year):
  ln(1 + g) + ln(1 + deflator) = s_t + e,  e ~ N(0, growth_link_sd² + (ytd_sd·(12 − m)/12)²);
  the deflator term only for ``real`` growth (增加值 at comparable prices);
* ``level`` v of output: ln v = ln X_t + e, e ~ N(0, level_sd²) (the rounding of a round figure
  included); of revenue: ln v = ln X_t + ln r + e; of the ratio: ln v = ln r + e;
* ``at_least`` v: X_t ≥ v, hard when bound_sd = 0, else weight Φ((ln X_t − ln v) / bound_sd);
  ``at_most`` v: the mirror image. With ``round_step`` > 0 a round ``at_least`` (突破5000, a
  multiple of the step) is also read as "below v + round_step" (officials name the highest
  milestone passed);
* the city's ratio (``city_revenue_to_output_ratio``): ln r_city = ln r + u, u ~ N(0, city_ratio_sd²);
  a bound on it is therefore a bound on r softened by city_ratio_sd (and bound_sd).

A path's weight is the product of its rows' likelihoods; P(met) under the evidence is the weighted
share of paths that meet the target, and the effective sample size (Σw)²/Σw² says how many
equally weighted paths the weighted ones are worth.

The functions here are pure: they take a ``view`` of the paths (``s(year)``, ``log_x(year)``,
``log_r()``, each an array broadcastable to the paths' shape) so that one scenario's paths and a
sweep's batch of points (points x paths) are weighed by the same code.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

from dgforecast.evidence import period_months

#: Evidence measures about the cluster's output path and its revenue ratio, and what they observe.
OUTPUT_MEASURES = ("cluster_output", "cluster_revenue", "cluster_value_added")
RATIO_MEASURES = ("revenue_to_output_ratio", "city_revenue_to_output_ratio")


@dataclass(frozen=True)
class Observation:
    """One usable evidence row as numbers."""

    evidence_id: str
    measure: str
    year: int
    kind: str
    value: float
    months: int           # 12 for a full year, m for January-m
    real: bool            # growth at comparable prices


def observations(used) -> tuple:
    """The rows of an evidence selection (``evidence.select_evidence(...).used``) as ``Observation`` s."""
    return tuple(Observation(r.evidence_id, r.measure, int(r.year), r.kind, float(r.value),
                             period_months(r.period), r.price_basis == "real")
                 for r in used.itertuples())


def bears_on(observation, years) -> bool:
    """True when the row is about a year the paths cover (the ratio rows always are)."""
    return observation.measure in RATIO_MEASURES or observation.year in years


def _gaussian(residual, sd):
    return -0.5 * (residual / sd) ** 2


def _bound(log_value, log_bound, kind, sd):
    """Log-likelihood of a bound: 0 / -inf when hard (sd 0), else log Φ of the scaled distance."""
    distance = log_value - log_bound if kind == "at_least" else log_bound - log_value
    if sd == 0:
        return np.where(distance >= 0, 0.0, -np.inf)
    return log_ndtr(distance / sd)


def log_likelihood(obs: Observation, view, ep):
    """Log-likelihood of one observation for every path of ``view`` (up to a constant).

    Parameters
    ----------
    obs : Observation
    view : object
        ``s(year)``: nominal log output growth; ``log_x(year)``: ln output level (亿元);
        ``log_r()``: ln revenue-to-output ratio — arrays broadcastable to the paths' shape.
    ep : EvidenceParams
    """
    if obs.kind == "growth":
        target = math.log1p(obs.value / 100) + (math.log1p(ep.deflator) if obs.real else 0.0)
        sd = math.hypot(ep.growth_link_sd, ep.ytd_sd * (12 - obs.months) / 12)
        return _gaussian(target - view.s(obs.year), sd)
    if obs.measure in RATIO_MEASURES:
        observed = view.log_r()
        extra = ep.city_ratio_sd if obs.measure == "city_revenue_to_output_ratio" else 0.0
    else:
        observed = view.log_x(obs.year) + (view.log_r() if obs.measure == "cluster_revenue" else 0.0)
        extra = 0.0
    log_v = math.log(obs.value)
    if obs.kind == "level":
        return _gaussian(log_v - observed, math.hypot(ep.level_sd, extra))
    sd = math.hypot(ep.bound_sd, extra)
    weight = _bound(observed, log_v, obs.kind, sd)
    round_figure = ep.round_step > 0 and obs.kind == "at_least" and obs.measure not in RATIO_MEASURES \
        and math.isclose(obs.value / ep.round_step, round(obs.value / ep.round_step))
    if round_figure:
        weight = weight + _bound(observed, math.log(obs.value + ep.round_step), "at_most", sd)
    return weight


def log_weights(obs_list, view, ep, shape):
    """Sum of the observations' log-likelihoods, broadcast to ``shape`` (-inf where a hard bound fails)."""
    total = np.zeros(shape)
    for obs in obs_list:
        total = total + log_likelihood(obs, view, ep)
    return np.broadcast_to(total, shape)


def normalise(log_w, axis=-1):
    """Weights summing to 1 along ``axis`` and the effective sample size (Σw)²/Σw².

    Rows where every path has weight 0 (no path is consistent with the evidence) get NaN weights
    and an effective size of 0.
    """
    top = np.max(log_w, axis=axis, keepdims=True)
    finite = np.isfinite(top)
    w = np.exp(log_w - np.where(finite, top, 0.0))
    w = np.where(finite, w, 0.0)
    total = w.sum(axis=axis, keepdims=True)
    w = np.divide(w, total, out=np.full_like(w, np.nan), where=total > 0)
    squares = np.nansum(w ** 2, axis=axis)
    ess = np.divide(1.0, squares, out=np.zeros_like(squares), where=squares > 0)
    return w, ess


def weighted_stats(values, weights, threshold, comparison=">=", quantiles=(("median", 0.5), ("q10", 0.1),
                                                                          ("q90", 0.9))) -> dict:
    """P(met) and quantiles of weighted values (the inverted weighted CDF), one target.

    Parameters
    ----------
    values : ndarray, shape (n,)
    weights : ndarray, shape (n,)
        Normalised (summing to 1).
    threshold : float
    comparison : {">=", ">"}
    """
    order = np.argsort(values, kind="stable")
    v, c = values[order], np.cumsum(weights[order])
    met = v >= threshold if comparison == ">=" else v > threshold
    stats = {"p_met": float(weights[order][met].sum())}
    for name, q in quantiles:
        stats[name] = float(v[min(int(np.searchsorted(c, q * c[-1])), len(v) - 1)])
    return stats


def resample(weights, n=None) -> np.ndarray:
    """Indices of ``n`` equally weighted paths standing for the weighted ones (systematic resampling).

    Deterministic: the points (i + ½)/n of the weights' cumulative sum, so charts drawn from the
    resampled paths (fan, crossing years) follow the weighted distribution with little added noise.
    """
    n = len(weights) if n is None else n
    c = np.cumsum(weights)
    return np.minimum(np.searchsorted(c, (np.arange(n) + 0.5) / n * c[-1]), len(weights) - 1)

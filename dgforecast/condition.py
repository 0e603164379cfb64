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


@dataclass(frozen=True)
class Term:
    """One factor of an observation's likelihood, on one quantity of the paths.

    ``observes`` is ``"s"`` (s_t), ``"log_x"`` (ln X_t), ``"log_r"`` (ln r) or ``"log_x+log_r"``
    (ln revenue); ``kind`` is ``"gaussian"`` (−½((value − q)/sd)²), ``"at_least"`` (q ≥ value) or
    ``"at_most"`` (q ≤ value), a bound being hard when ``sd`` is 0 and log Φ(distance/sd) otherwise.
    """

    observes: str
    year: int
    kind: str
    value: float
    sd: float


def terms(obs: Observation, ep) -> tuple:
    """The measurement model of one observation as ``Term`` s (the module docstring has the equations)."""
    if obs.kind == "growth":
        value = math.log1p(obs.value / 100) + (math.log1p(ep.deflator) if obs.real else 0.0)
        return (Term("s", obs.year, "gaussian", value, math.hypot(ep.growth_link_sd, ep.ytd_sd * (12 - obs.months) / 12)),)
    if obs.measure in RATIO_MEASURES:
        observes = "log_r"
        extra = ep.city_ratio_sd if obs.measure == "city_revenue_to_output_ratio" else 0.0
    else:
        observes = "log_x+log_r" if obs.measure == "cluster_revenue" else "log_x"
        extra = 0.0
    log_v = math.log(obs.value)
    if obs.kind == "level":
        return (Term(observes, obs.year, "gaussian", log_v, math.hypot(ep.level_sd, extra)),)
    sd = math.hypot(ep.bound_sd, extra)
    found = [Term(observes, obs.year, obs.kind, log_v, sd)]
    round_figure = ep.round_step > 0 and obs.kind == "at_least" and obs.measure not in RATIO_MEASURES \
        and math.isclose(obs.value / ep.round_step, round(obs.value / ep.round_step))
    if round_figure:
        found.append(Term(observes, obs.year, "at_most", math.log(obs.value + ep.round_step), sd))
    return tuple(found)


def quantity(term, view):
    """The paths' values of the quantity a term observes."""
    if term.observes == "s":
        return view.s(term.year)
    if term.observes == "log_r":
        return view.log_r()
    if term.observes == "log_x+log_r":
        return view.log_x(term.year) + view.log_r()
    return view.log_x(term.year)


def term_log_likelihood(term, q):
    """Log-likelihood of a term given the observed quantity ``q`` (an array): gaussian or bound."""
    if term.kind == "gaussian":
        return -0.5 * ((term.value - q) / term.sd) ** 2
    distance = q - term.value if term.kind == "at_least" else term.value - q
    if term.sd == 0:
        return np.where(distance >= 0, 0.0, -np.inf)
    return log_ndtr(distance / term.sd)


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
    return sum(term_log_likelihood(t, quantity(t, view)) for t in terms(obs, ep))


def log_weights(obs_list, view, ep, shape):
    """Sum of the observations' log-likelihoods, broadcast to ``shape``.

    -inf where a hard bound fails, and for paths whose level is not positive (a fitted engine's
    path can dip below zero; no published level is consistent with it).
    """
    total = np.zeros(shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        for obs in obs_list:
            total = total + log_likelihood(obs, view, ep)
    total = np.broadcast_to(total, shape)
    return np.where(np.isnan(total), -np.inf, total)


def normalise(log_w, axis=-1):
    """Weights summing to 1 along ``axis`` and the effective sample size (Σw)²/Σw².

    Rows where every path has weight 0 (no path is consistent with the evidence) get NaN weights
    and an effective size of 0.
    """
    top = np.max(log_w, axis=axis, keepdims=True)
    w = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        w /= total
        squares = np.einsum("...i,...i->...", w, w) if axis in (-1, w.ndim - 1) else (w * w).sum(axis=axis)
    ess = np.where(np.squeeze(total, axis=axis) > 0, 1.0 / np.where(squares > 0, squares, 1.0), 0.0)
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

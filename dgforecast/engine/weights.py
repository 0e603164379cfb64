"""The paths' weights under evidence: what a bound or a Gaussian row says about each path.

A bound weighs a path by the probability that its quantity lies inside (``bound_log_likelihood``);
the fitted engine, whose prior is not Gaussian, also weighs its paths by the Gaussian rows
(``gaussian_log_likelihood``). The weights are normalised, with the effective sample size
(Σw)²/Σw² (``normalise``); P(met) under the evidence is the weighted share of the paths that meet the
target (``weighted_stats``, ``met_share``), and ``resample`` gives equally weighted paths standing for
the weighted ones.

The functions are pure: the rows, bounds and paths' values in, weights and numbers out.
"""

import math

import numpy as np
from scipy.special import log_ndtr, ndtr

from dgforecast.engine.posterior import error_covariance


def bound_log_likelihood(bound, q, sd=None):
    """log P(lo ≤ q + u ≤ hi) for the paths' values ``q`` of the bounded quantity (−inf where a hard bound fails).

    ``sd``: the softness u's sd on every path (an array, when the link spreads are drawn per path);
    default ``bound.sd`` for all. Where it is 0 the bound is hard.
    """
    q = np.asarray(q, dtype=float)
    sd = bound.sd if sd is None else np.asarray(sd, dtype=float)
    if np.ndim(sd) == 0 and sd == 0:
        inside = (q >= bound.lo) & (q <= bound.hi)
        return np.where(inside, 0.0, -np.inf)
    hard = sd == 0
    if not np.any(hard):
        return _soft(bound, q, sd)
    with np.errstate(invalid="ignore"):
        soft = _soft(bound, q, np.where(hard, 1.0, sd))
    return np.where(hard, np.where((q >= bound.lo) & (q <= bound.hi), 0.0, -np.inf), soft)


def _soft(bound, q, sd):
    # log(Φ((hi − q)/sd) − Φ((lo − q)/sd)), an end standardised only where it is finite
    if not math.isfinite(bound.lo):
        return log_ndtr((bound.hi - q) / sd)
    if not math.isfinite(bound.hi):
        return log_ndtr((q - bound.lo) / sd)
    lower, upper = (bound.lo - q) / sd, (bound.hi - q) / sd
    with np.errstate(divide="ignore"):
        # Φ(b) − Φ(a) from the side where it does not cancel: the upper tail when both are above 0
        high_side = np.log(np.maximum(ndtr(-lower) - ndtr(-upper), 0.0))
        low_side = np.log(np.maximum(ndtr(upper) - ndtr(lower), 0.0))
    return np.where(lower > 0, high_side, low_side)


def gaussian_log_likelihood(rows, Q, link_sd, R=None):
    """Log-likelihood of Gaussian rows for every path: −½ (y − q)ᵀ R⁻¹ (y − q), up to a constant.

    ``Q`` holds the paths' values of each row's quantity, paths x rows (offsets included). ``R``: one
    error covariance a path (paths, rows, rows), when the link spreads are drawn per path; the
    −½ ln det R that then differs from path to path is added.
    """
    if not rows:
        return np.zeros(len(Q))
    y = np.array([r.value for r in rows])
    resid = y[None, :] - Q
    if R is None:
        solved = np.linalg.solve(error_covariance(rows, link_sd), resid.T).T
        return -0.5 * np.einsum("ij,ij->i", resid, solved)
    solved = np.linalg.solve(R, resid[:, :, None])[:, :, 0]
    return -0.5 * (np.einsum("ij,ij->i", resid, solved) + np.linalg.slogdet(R)[1])


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
                                                                          ("q90", 0.9)), clusters=None) -> dict:
    """P(met), its Monte Carlo standard error and quantiles of weighted values, one target.

    The standard error of a weighted share is √(Σ w_i² (1{met_i} − p)²) (the delta method for a
    self-normalised importance-sampling estimate; √(p(1−p)/n) for equal weights).

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
    met = values >= threshold if comparison == ">=" else values > threshold
    p = met_share(met, weights)
    stats = {"p_met": p, "p_se": share_se(met, weights, p, clusters)}
    for name, q in quantiles:
        stats[name] = float(v[min(int(np.searchsorted(c, q * c[-1])), len(v) - 1)])
    return stats


def share_se(met, weights, p, clusters=None) -> float:
    """The Monte Carlo standard error of a (weighted) share p: √(Σ_c (Σ_{i∈c} w_i (1{met_i} − p))²) over clusters
    c of paths that share a draw (each path its own cluster by default: √(Σ w_i² (1{met_i} − p)²))."""
    terms = weights * (np.asarray(met, dtype=float) - p)
    if clusters is not None:
        terms = np.bincount(np.asarray(clusters), weights=terms)
    return float(math.sqrt(np.sum(terms ** 2)))


def met_share(met, weights) -> float:
    """The weighted share of the paths that meet a target (exactly 1 or 0 when all or none do).

    One function for P(met) and for the joint P(every level target met), so the joint of one target
    is its P(met) to the last digit.
    """
    if met.all():
        return 1.0
    return 0.0 if not met.any() else float(weights[met].sum())


def resample(weights, n=None) -> np.ndarray:
    """Indices of ``n`` equally weighted paths standing for the weighted ones (systematic resampling).

    Deterministic: the points (i + ½)/n of the weights' cumulative sum, so charts drawn from the
    resampled paths (fan, crossing years) follow the weighted distribution with little added noise.
    """
    n = len(weights) if n is None else n
    c = np.cumsum(weights)
    return np.minimum(np.searchsorted(c, (np.arange(n) + 0.5) / n * c[-1]), len(weights) - 1)

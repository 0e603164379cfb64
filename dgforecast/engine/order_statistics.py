"""P(met) and quantiles of many parameter points from one sorted sample they share.

When the deadline log values of a batch's points (``batch``) are ``shift + scale * S`` for a sample S
the points share, each value rises with S, so one sort serves them all: P(met) is a binary search and
each quantile an order statistic, interpolated as numpy's default ("linear") rule does, so the numbers
are those of the brute force over all paths. Plan-time points with an uncertain ratio get one sorted
sample per distinct (volatility, ratio sd), by blocks of bounded memory; points whose paths are
weighed by bounds take P(met) and the quantiles from each point's cumulative weights.
"""

import math

import numpy as np

from dgforecast.engine.simulate import QUANTILES
from dgforecast.engine.weights import normalise

#: Bytes of one block of sorted group samples (groups x n_sims float64); keeps peak memory low.
BLOCK_BYTES = 32 * 2 ** 20


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
        What multiplies the shared sample (volatility for the plan-time weighted sum of shocks; 1 otherwise).
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


def uncertain_ratio_stats(shift, sigma, s, shock_sum, ratio_shock, threshold, comparison):
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


def weighted_chunk_stats(shift, scale, sorted_sample, order, weights, threshold, comparison):
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


def points_stats(values, log_w, targets):
    """P(met) and quantiles of points each with its own paths: ``values`` (points x paths, the deadline values),
    ``log_w`` their log weights (None: every path counts the same), for each target of ``targets`` (its
    threshold and comparison). The numbers ``weights.weighted_stats`` (weighted) or ``met.mean()`` and
    ``np.quantile`` (unweighted) give each point alone.

    Returns
    -------
    (dict, ndarray)
        target id -> {"p_met", "median", "q10", "q90"} -> (points,); and the effective sample sizes (points,),
        0 where no path is consistent with the evidence (its numbers then NaN).
    """
    points, n = values.shape
    if log_w is None:
        quantiles = {name: np.quantile(values, q, axis=1) for name, q in QUANTILES.items()}
        return {t.target_id: {"p_met": _met(values, t).mean(axis=1), **quantiles} for t in targets}, np.full(points, n)
    weights, ess = normalise(log_w, axis=1)
    order = np.argsort(values, axis=1)
    order += n * np.arange(points)[:, None]  # positions in the flattened rows
    ordered = values.ravel().take(order)
    c = np.cumsum(weights.ravel().take(order), axis=1)
    quantiles = {name: ordered[np.arange(points), np.minimum((c < q * c[:, -1:]).sum(axis=1), n - 1)]
                 for name, q in QUANTILES.items()}
    out = {}
    for t in targets:
        met = _met(values, t)
        share = np.where(met.all(axis=1), 1.0, np.where(met.any(axis=1), np.where(met, weights, 0.0).sum(axis=1), 0.0))
        out[t.target_id] = {name: np.where(ess > 0, column, np.nan)
                            for name, column in {"p_met": share, **quantiles}.items()}
    return out, ess


def _met(values, target):
    return values >= target.threshold if target.comparison == ">=" else values > target.threshold

"""Each candidate's conjugate update, written so that the points of a batch share it (``integrated_points``).

A path that kept the candidate k of the link spreads draws its state from the posterior given k's spreads
(``posterior.path_posteriors``): mean m + W_kᵀ L_k⁻¹ (y − H m), W_k = L_k⁻¹ H P_k, and a lower Cholesky
factor of P_k − W_kᵀ W_k. With the prior mean m = b + Σ_a τ_a u_a (``spread_weights``), a linear quantity
h·θ on that path is

    α_k + Σ_a τ_a β_ak + g_k·z,   α_k = h·b + (W_k h)·L⁻¹(y − H b),   β_ak = h·u_a − (W_k h)·L⁻¹ H u_a,
                                    g_k = root_kᵀ h,

z the path's draws: α, β and g are computed once a candidate (``candidate_parts``) for every point of a
key (``KeyParts``: the points sharing the prior variances and the growth-free means), and only for the
candidates some point keeps. The components a path's posterior couples are the batch's *core*; the ratio,
when no row reads it, is left out and added per point.

Pure functions over arrays of candidates; the numbers agree with ``path_posteriors`` to rounding.
"""

from dataclasses import dataclass

import numpy as np

from dgforecast.engine.spread_weights import alike, cholesky_each, whiten


@dataclass
class KeyParts:
    """One key's shared numbers: its candidates' weight basis and prior, and their posterior parts as needed."""

    basis: object            # spread_weights.WeightBasis (None when the rows do not weigh the candidates)
    base: np.ndarray         # candidates x state: the growth-free prior means
    var: np.ndarray          # candidates x state: the prior variances
    u: np.ndarray            # classes x state (``spread_weights.class_vectors``)
    alpha: list              # per quantity: α of every candidate (NaN until computed)
    beta: list               # per quantity: β_a of every candidate, classes x candidates
    g: list                  # per quantity: g of every candidate, core x candidates
    done: np.ndarray         # the candidates whose parts are computed
    failed: bool = False     # some candidate's posterior is not positive definite: simulate these points alone

    @classmethod
    def empty(cls, basis, base, var, u, quantities, core_size) -> "KeyParts":
        count = len(var)
        return cls(basis, base, var, u, [np.full(count, np.nan) for _ in quantities],
                   [np.full((len(u), count), np.nan) for _ in quantities],
                   [np.full((core_size, count), np.nan) for _ in quantities], np.zeros(count, dtype=bool))


def _take(x, index):
    # an array's entries at ``index``, or an exact zero as it is
    return x[index] if np.ndim(x) else x


def _nonzero(x):
    return np.ndim(x) > 0 or x != 0


def _sum(terms, size):
    # Σ of arrays and numbers, as an array over ``size`` candidates
    total = np.zeros(size)
    for term in terms:
        if _nonzero(term):
            total = total + term
    return total


def candidate_parts(parts, draws, quantities, which) -> None:
    """α, β and g of the candidates ``which`` (distinct, not yet done) for each of ``quantities``
    (``integrated_points.Quantity``), into ``parts``; ``parts.failed`` when some candidate's posterior
    covariance is not positive definite."""
    new = which
    if not len(new):
        return
    found = candidate_posteriors(parts, draws, new, 1 + max((c for q in quantities for c, _ in q.core), default=-1))
    if found is None:
        parts.failed = True
        return
    root, whitened, resid, directions = found
    size, rows = len(new), range(len(draws.y))
    for q, quantity in enumerate(quantities):
        coef = dict(quantity.core)
        if not coef:
            continue
        wh = [_sum((coef[c] * whitened[c][i] for c in coef if c in whitened), size) for i in rows]
        base = _sum((coef[c] * _take(parts.base[:, draws.core[c]], new) for c in coef), size)
        parts.alpha[q][new] = base + _sum((wh[i] * resid[i] for i in rows), size)
        for a in range(len(parts.u)):
            lead = sum(coef[c] * parts.u[a, draws.core[c]] for c in coef)
            parts.beta[q][a, new] = lead - _sum((wh[i] * directions[a][i] for i in rows), size)
        for c in range(max(coef) + 1):  # g_c = Σ_(i ≥ c) root_ic h_i: 0 past the last component h reads
            parts.g[q][c, new] = _sum((root[i][c] * coef[i] for i in range(c, len(root)) if i in coef), size)
    parts.done[new] = True


def candidate_posteriors(parts, draws, new, dims):
    """(root, W by core component, L⁻¹ (y − H b), L⁻¹ H u_a) of the candidates ``new``, for the first ``dims``
    core components (a Cholesky factor's leading block is that of the covariance's: the components the
    quantities read, and those before them): what a path's conjugate update given its candidate is made of.
    None when some candidate's posterior covariance is not positive definite (a component the rows pin:
    the scenario's pivoting square root, not reproduced here)."""
    core, r, size = draws.core[:dims], len(draws.y), len(new)
    var = [alike(parts.var[new, d]) for d in core]
    whitened, resid, directions = {}, [], [[] for _ in parts.u]
    if r and parts.basis is not None:
        L = [[_take(x, new) for x in row] for row in parts.basis.chol]
        resid = [_take(x, new) for x in parts.basis.resid]
        directions = [[_take(x, new) for x in fa] for fa in parts.basis.directions]
    elif r:  # rows, but no spread drawn to weigh the candidates: one factor serves them all
        L = _one_factor(draws, parts.var[new[0]], new)
        resid = whiten(L, [draws.y[i] - sum(draws.H[i, d] * parts.base[new[0], d] for d in draws.core)
                           for i in range(r)])
        directions = [whiten(L, [float(draws.H[i] @ ua) for i in range(r)]) for ua in parts.u]
    for c, d in enumerate(core):
        if r and np.any(draws.H[:, d] != 0):
            whitened[c] = whiten(L, [draws.H[i, d] * var[c] for i in range(r)])
    cov = [[(var[a] if a == b else 0.0) - _sum((whitened[a][i] * whitened[b][i] for i in range(r)
                                                  if a in whitened and b in whitened), size)
            for b in range(a + 1)] for a in range(len(core))]
    root = cholesky_each([[np.broadcast_to(x, (size,)) for x in row] for row in cov])
    if any(np.isnan(x).any() for row in root for x in row):
        return None
    return root, whitened, resid, directions


def _one_factor(draws, var, new):
    # The Cholesky factor of S = H P Hᵀ + R when no spread is drawn (every candidate's the same), per candidate
    S = draws.H @ (var[:, None] * draws.H.T) + draws.candidates.R[new[0]]
    L = np.linalg.cholesky(S)
    return [[np.full(len(new), L[i, j]) for j in range(i + 1)] for i in range(len(L))]

"""The link spreads' candidates weighed by the Gaussian rows, written so that a batch of points shares the work.

``integrated.posterior_spreads`` weighs ``OVERSAMPLE`` candidates of the link spreads a path by the
rows' marginal likelihood log N(y; H m, S), S = H P Hᵀ + R(φ), and keeps ``n_sims`` of them by
systematic resampling. The points of a sweep share the candidates (common random numbers) and most
share the prior variances (``volatility``); they differ in the prior means of the years' growth. The
prior mean is m = b + Σ_a τ_a u_a: ``b`` the part that does not move with growth (the calibration's
shift σ·s_h, the gaps' centres, the ratio's mean), τ_a = ln(1 + g_a) the nominal growth of a class of
years (the years without an override share one, each overridden year has its own: ``growth_classes``)
and u_a the indicator of its years. The log likelihood is then a quadratic in τ,

    log N = A + Σ_a τ_a (B_a + Σ_b τ_b D_ab),

with A, B, D a candidate's numbers (``WeightBasis``, from one Cholesky factor of S a candidate:
``weight_basis``). A scenario and every point of a batch compute a candidate's weight through the same
two functions (``weight_basis`` on the same arrays, then ``log_weights`` element by element), so the
weights agree to the last bit and the resample (``systematic_pick``) keeps the same candidates whether a
point is simulated alone or in a sweep of ten thousand.

Pure functions: matrices and coordinates in, coefficients, weights and indices out. Sums over rows run
in a fixed order on vectors over the candidates, never through BLAS, so the arithmetic cannot depend on
the shape of a batch or on the number of threads.
"""

import math
from dataclasses import dataclass

import numpy as np

from dgforecast.engine.calibration import yearly


def growth_classes(params, years) -> tuple:
    """The classes of years that share a growth coordinate: the years without an override (one class, if
    any), then each overridden year alone, in order."""
    overridden = sorted(y for y in params.growth_overrides if y in years)
    plain = tuple(y for y in years if y not in overridden)
    return ((plain,) if plain else ()) + tuple((y,) for y in overridden)


def growth_coordinates(params, classes) -> np.ndarray:
    """τ_a = ln(1 + g_a) of each class: the nominal growth of its years (override if any, deflator applied)."""
    return np.array([math.log1p(params.nominal_growth(years[0])) for years in classes], dtype=float)


def growth_shifts(params, years) -> np.ndarray:
    """The part of each year's prior mean that does not move with growth: σ·s_h, the calibration's shift
    (``prior.log_growth_means`` is ln(1 + g_t) + σ·s_h)."""
    shifts, _ = yearly(params.calibration, len(years))
    return np.array([params.volatility * s for s in shifts], dtype=float)


def class_vectors(classes, layout) -> np.ndarray:
    """u_a: the indicator over the state ``layout`` of each class's years (classes x state)."""
    u = np.zeros((len(classes), len(layout)))
    for a, years in enumerate(classes):
        for year in years:
            u[a, layout.index(year)] = 1.0
    return u


@dataclass(frozen=True)
class WeightBasis:
    """A candidate's log marginal likelihood as a quadratic in the growth coordinates, and the factors behind it.

    ``chol[i][j]`` (i ≥ j) and the whitened vectors are lists of arrays over the candidates, so a batch
    can reuse them for the candidates' posteriors (L⁻¹ of anything is ``whiten``).
    """

    A: np.ndarray          # (candidates,)
    B: list                # one array (candidates,) a class
    D: list                # D[a][b], one array (candidates,) a pair of classes (symmetric)
    chol: list             # the Cholesky factor L of S, row by row: chol[i] = [L_i0, ..., L_ii]
    resid: list            # L⁻¹ (y − H b), one array (candidates,) a row
    directions: list       # L⁻¹ H u_a, a list of rows a class


def cholesky_each(S) -> list:
    """Lower Cholesky factors of many small matrices at once: ``S[i][j]`` (i ≥ j) arrays over the matrices in,
    ``L[i][j]`` out (NaN on the matrices that are not positive definite)."""
    L = []
    for i in range(len(S)):
        row = []
        for j in range(i + 1):
            total = S[i][j].copy()
            other = row if j == i else L[j]
            for k in range(j):
                total -= row[k] * other[k]
            if i == j:
                with np.errstate(invalid="ignore"):
                    row.append(np.sqrt(np.where(total > 0, total, np.nan)))
            else:
                row.append(total / L[j][j])
        L.append(row)
    return L


def whiten(L, v) -> list:
    """L⁻¹ v by forward substitution: ``v`` one array (or number) a row, broadcast over the matrices. A row
    whose result is exactly 0 (v zero there and above) stays the number 0.0, so sparse vectors cost less."""
    out = []
    for i in range(len(L)):
        total = v[i]
        for k in range(i):
            if np.ndim(out[k]) or out[k] != 0:
                total = total - L[i][k] * out[k]
        out.append(total / L[i][i] if np.ndim(total) or total != 0 else 0.0)
    return out


def _dot(x, y):
    # Σ_i x_i y_i over lists of arrays (or exact zeros), in row order
    total = 0.0
    for a, b in zip(x, y):
        if (np.ndim(a) or a != 0) and (np.ndim(b) or b != 0):
            total = total + a * b
    return total


def split_rows(R) -> list:
    """The entries of many small symmetric matrices (``R``: count x rows x rows) as ``out[i][j]`` (i ≥ j), each a
    contiguous array over the matrices: what ``weight_basis`` reads (a batch splits its candidates' once)."""
    return [[np.ascontiguousarray(R[:, i, j]) for j in range(i + 1)] for i in range(R.shape[1])]


def alike(column):
    """One number when every candidate has the same value (a variance or a mean no spread moves), else the
    array: what is the same on every candidate is then computed once."""
    return column[0] if len(column) and np.all(column == column[0]) else column


def weight_basis(H, y, R, var, base, u) -> WeightBasis:
    """``WeightBasis`` of candidates with per-candidate error covariances and diagonal priors.

    Parameters
    ----------
    H, y : the Gaussian rows (rows x state, rows)
    R : ndarray, (candidates, rows, rows), or its ``split_rows``
    var, base : ndarray, (candidates, state)
        The prior variances and the part of the prior means that does not move with growth.
    u : ndarray, (classes, state)
        ``class_vectors``.
    """
    r, count = len(y), len(var)
    touched = [d for d in range(H.shape[1]) if np.any(H[:, d] != 0)]
    S = [[x.copy() for x in row] for row in (R if isinstance(R, list) else split_rows(R))]
    variances = {d: alike(var[:, d]) for d in touched}
    for d, v in variances.items():  # in the state's order, as the scenario always summed them (same bits)
        for i in range(r):
            for j in range(i + 1):
                if H[i, d] != 0 and H[j, d] != 0:
                    S[i][j] += (H[i, d] * H[j, d]) * v
    L = cholesky_each(S)
    resid = []
    for i in range(r):
        total = float(y[i])
        for d in touched:
            if H[i, d] != 0:
                total = total - H[i, d] * alike(base[:, d])
        resid.append(total)
    e = whiten(L, resid)
    f = [whiten(L, [float(H[i] @ ua) for i in range(r)]) for ua in u]
    logdet = np.zeros(count)
    for i in range(r):
        logdet += np.log(L[i][i])
    A = -0.5 * (_dot(e, e) + 2.0 * logdet + r * math.log(2 * math.pi))
    B = [_dot(e, fa) for fa in f]
    D = [[-0.5 * _dot(fa, fb) for fb in f] for fa in f]
    return WeightBasis(A, B, D, L, e, f)


def log_weights(basis, tau) -> np.ndarray:
    """log N(y; H m, S) of every candidate at each point's growth coordinates ``tau`` (points x classes):
    points x candidates, A + Σ_a τ_a (B_a + Σ_b τ_b D_ab) element by element (the same bits for a point
    alone or in a batch)."""
    tau = np.asarray(tau, dtype=float).reshape(len(tau), len(basis.B))
    out = np.broadcast_to(basis.A, (len(tau), len(basis.A))).copy()
    for a in range(len(basis.B)):
        inner = basis.B[a] + tau[:, 0:1] * basis.D[a][0]  # B or D an exact zero (no row reads the class): a column
        for b in range(1, len(basis.B)):
            inner = inner + tau[:, b:b + 1] * basis.D[a][b]
        out += tau[:, a:a + 1] * inner
    return out


def systematic_pick(log_w, n) -> np.ndarray:
    """Indices (points x ``n``) of the candidates each point keeps: systematic resampling of the weights
    exp(log_w) (points x candidates), the path j taking the first candidate whose cumulative weight reaches
    (j + ½)/n of the total. Candidate k is kept floor(n·c_k/T + ½) − floor(n·c_(k−1)/T + ½) times (c the
    cumulative weights, T their total), which is that rule counted per candidate, row by row in the same
    order for one point or many."""
    points, count = np.shape(log_w)
    c = np.subtract(log_w, np.max(log_w, axis=1, keepdims=True))
    np.exp(c, out=c)
    np.cumsum(c, axis=1, out=c)
    c *= n / c[:, -1:]
    c += 0.5
    reached = c.astype(np.int64)  # floor (every entry is at least ½): the paths given to candidates 0..k
    reached[:, -1] = n
    # path j keeps the first candidate whose count passes j: the number of candidates whose count is at most j
    reached += (n + 1) * np.arange(points)[:, None]
    at_most = np.bincount(reached.ravel(), minlength=points * (n + 1)).reshape(points, n + 1)
    return np.cumsum(at_most[:, :n], axis=1)

"""The conjugate update: Gaussian rows applied exactly to a Gaussian state.

The Gaussian rows of the measurement model (``condition.measurement``) as matrices: H, y and the
error covariance R, in which the 增加值 rows of one year share that year's link error
(growth_link_sd² between them); the posterior of the state under them (``gaussian_posterior``), and a
square root of its covariance (``psd_sqrt``) that the lognormal engine draws its paths with.

The functions are pure: rows and moments in, matrices out.
"""

import math

import numpy as np


def error_covariance(rows, link_sd) -> np.ndarray:
    """R of Gaussian rows: each row's own variance on the diagonal, plus link_sd² between (and on) rows of
    the same link year — the 增加值 rows of one year share one link error."""
    R = np.diag([r.sd ** 2 for r in rows]).astype(float).reshape(len(rows), len(rows))
    for i, a in enumerate(rows):
        for j, b in enumerate(rows):
            if a.link is not None and a.link == b.link:
                R[i, j] += link_sd ** 2
    return R


def row_matrices(rows, layout, link_sd):
    """H (rows x state), y (rows, offsets moved into it) and R (``error_covariance``) of Gaussian rows."""
    H = np.array([r.h.vector(layout) for r in rows]).reshape(len(rows), len(layout))
    y = np.array([r.value - r.h.offset for r in rows], dtype=float)
    return H, y, error_covariance(rows, link_sd)


def gaussian_posterior(prior_mean, prior_cov, H, y, R):
    """The conjugate update of a Gaussian state by Gaussian rows: y = Hθ + e, e ~ N(0, R).

    Parameters
    ----------
    prior_mean : ndarray, shape (dim,) or (points, dim)
    prior_cov : ndarray, shape (dim, dim), or (paths, dim, dim): one prior a path
    H, y : the rows (``row_matrices``)
    R : ndarray, shape (rows, rows), or (paths, rows, rows): one error covariance a path (the link
        spreads drawn per path, ``links``)

    Returns
    -------
    (mean, cov) : the posterior mean (shape of ``prior_mean``; (paths, dim) with per-path moments) and
    covariance (dim, dim), or (paths, dim, dim): K = P Hᵀ (H P Hᵀ + R)⁻¹, mean = m + K (y − H m),
    cov = P − K H P.
    """
    if len(y) == 0:
        return np.array(prior_mean, dtype=float), np.array(prior_cov, dtype=float)
    S = H @ prior_cov @ H.T + R
    K = np.swapaxes(np.linalg.solve(S, H @ prior_cov), -1, -2)
    if K.ndim == 2:  # one prior and one R for every path: the points of a batch share K
        mean = prior_mean + (y - prior_mean @ H.T) @ K.T
    else:
        mean = prior_mean + np.einsum("...ij,...j->...i", K, y - prior_mean @ H.T)
    cov = prior_cov - K @ H @ prior_cov
    return mean, (cov + np.swapaxes(cov, -1, -2)) / 2


def marginal_log_likelihood(prior_mean, prior_cov, H, y, R) -> np.ndarray:
    """log N(y; H m, H P Hᵀ + R) for every path's prior (m, P) and R: how well each path's link spreads
    explain the rows. The weight it gives a path is what turns the spreads' prior into their posterior."""
    if len(y) == 0:
        return np.zeros(np.shape(prior_mean)[:-1])
    cov_y = H @ prior_cov @ H.T + R   # the rows' covariance before they are seen
    resid = y - prior_mean @ H.T
    _, logdet = np.linalg.slogdet(cov_y)
    quad = np.einsum("...i,...i->...", resid, np.linalg.solve(cov_y, resid[..., None])[..., 0])
    return -0.5 * (quad + logdet + len(y) * math.log(2 * math.pi))


def diagonal_marginal_log_likelihood(prior_mean, prior_var, H, y, R) -> np.ndarray:
    """``marginal_log_likelihood`` for a diagonal prior a path (its variances, paths x dim) and an R a path:
    one Cholesky factor of S = H P Hᵀ + R a path, no solve of the full system (the candidates of the spreads)."""
    if len(y) == 0:
        return np.zeros(len(prior_mean))
    S = (H[None, :, :] * prior_var[:, None, :]) @ H.T + R
    chol = np.linalg.cholesky(S)
    white = np.linalg.solve(chol, (y[None, :] - prior_mean @ H.T)[:, :, None])[:, :, 0]
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    return -0.5 * (np.einsum("pi,pi->p", white, white) + logdet + len(y) * math.log(2 * math.pi))


def path_posteriors(prior_mean, prior_var, H, y, R):
    """Every path's conjugate update at once, for a diagonal prior a path and an R a path (the link spreads
    drawn per path): (mean, root, log marginal likelihood).

    Parameters
    ----------
    prior_mean, prior_var : ndarray, shape (paths, dim)
    H, y : the rows (``row_matrices``)
    R : ndarray, shape (paths, rows, rows)

    Returns
    -------
    mean : (paths, dim), the posterior means
    root : (paths, dim, dim), lower-triangular L with L Lᵀ the posterior covariance (``psd_sqrt``)
    loglik : (paths,), log N(y; H m, H P Hᵀ + R)

    The same numbers as ``gaussian_posterior``, ``psd_sqrt`` and ``marginal_log_likelihood`` path by
    path (a test holds them to it), with one Cholesky factor of S = H P Hᵀ + R a path instead of solves.
    """
    n, dim = prior_mean.shape
    if len(y) == 0:
        return prior_mean.copy(), np.sqrt(prior_var)[:, :, None] * np.eye(dim)[None], np.zeros(n)
    HP = H[None, :, :] * prior_var[:, None, :]                       # H P, paths x rows x dim
    S = HP @ H.T + R
    chol = np.linalg.cholesky(S)                                     # S = L Lᵀ, so S⁻¹ = L⁻ᵀ L⁻¹
    resid = y[None, :] - prior_mean @ H.T
    both = np.linalg.solve(chol, np.concatenate([HP, resid[:, :, None]], axis=2))
    whitened, white_resid = both[:, :, :dim], both[:, :, dim]        # L⁻¹ H P and L⁻¹ (y − H m)
    mean = prior_mean + np.einsum("pri,pr->pi", whitened, white_resid)
    cov = prior_var[:, :, None] * np.eye(dim)[None] - np.swapaxes(whitened, 1, 2) @ whitened
    cov = (cov + np.swapaxes(cov, 1, 2)) / 2
    try:
        root = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:  # a component the rows pin on some path: the pivoting square root
        root = _psd_sqrt_each(cov)
    logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
    loglik = -0.5 * (np.einsum("pi,pi->p", white_resid, white_resid) + logdet + len(y) * math.log(2 * math.pi))
    return mean, root, loglik


def psd_sqrt(cov) -> np.ndarray:
    """A lower-triangular L with L Lᵀ = cov for a positive semi-definite ``cov`` (Cholesky; a pivot at or
    below round-off, a state component the rows pin or a ratio with no uncertainty, gives a zero column).

    With a diagonal ``cov`` this is the diagonal of standard deviations, so a path's draws are the
    prior's own (σ z) when no row bears on it. ``cov`` of shape (paths, dim, dim) gives one L a path.
    """
    if np.ndim(cov) == 3:
        return _psd_sqrt_each(np.asarray(cov, dtype=float))
    n = len(cov)
    L = np.zeros((n, n))
    scale = max(float(np.max(np.abs(np.diag(cov)))), 1e-300)
    for j in range(n):
        pivot = cov[j, j] - L[j, :j] @ L[j, :j]
        if pivot <= 1e-13 * scale:
            continue
        L[j, j] = math.sqrt(pivot)
        L[j + 1:, j] = (cov[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
    return L


def _psd_sqrt_each(cov) -> np.ndarray:
    # psd_sqrt of every path's covariance at once: the same pivots, one column a step over all paths
    dim = cov.shape[-1]
    L = np.zeros_like(cov)
    scale = np.maximum(np.max(np.abs(np.diagonal(cov, axis1=-2, axis2=-1)), axis=-1), 1e-300)
    for j in range(dim):
        pivot = cov[:, j, j] - np.einsum("pk,pk->p", L[:, j, :j], L[:, j, :j])
        alive = pivot > 1e-13 * scale
        root = np.sqrt(np.where(alive, pivot, 1.0))
        L[:, j, j] = np.where(alive, root, 0.0)
        below = (cov[:, j + 1:, j] - np.einsum("pik,pk->pi", L[:, j + 1:, :j], L[:, j, :j])) / root[:, None]
        L[:, j + 1:, j] = np.where(alive[:, None], below, 0.0)
    return L

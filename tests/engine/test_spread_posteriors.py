"""Each candidate's conjugate update split into what a sweep's points share: α_k + Σ_a τ_a β_ak + g_k·z.

On a path that kept candidate k, a linear quantity h·θ must be h·(posterior mean) + (rootᵀ h)·z, the
numbers ``posterior.path_posteriors`` gives that path directly, at any growth coordinates τ; only the
candidates asked for are computed, and a posterior the rows pin is refused rather than mis-rooted.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from dgforecast.engine.posterior import path_posteriors
from dgforecast.engine.spread_posteriors import KeyParts, candidate_parts
from dgforecast.engine.spread_weights import split_rows, weight_basis

#: Two classes of years over a state of five components (four years and a gap the rows read).
U = np.array([[1.0, 1, 0, 0, 0], [0, 0, 1, 1, 0]])


def _case(rng, candidates=40, pinned=False):
    H = np.array([[1.0, 0, 0, 0, 0], [0, 1, 0, 0, -1], [1, 1, 1, 0, 0]])
    y = rng.normal(0.05, 0.05, 3)
    noise = rng.uniform(0.01, 0.1, (candidates, 3))
    R = np.stack([np.diag(s ** 2) for s in noise])
    if pinned:  # the first row measures the first year exactly on every candidate
        R[:, 0, :] = R[:, :, 0] = 0.0
    var = rng.uniform(0.002, 0.01, (candidates, 5))
    var[:, 4] = 0.004  # the gap's prior is the same on every candidate (no spread moves it)
    base = rng.normal(0.0, 0.02, (candidates, 5))
    draws = SimpleNamespace(H=H, y=y, core=list(range(5)), candidates=SimpleNamespace(R=R))
    return draws, R, var, base


def _quantity(*core):
    return SimpleNamespace(core=tuple(core), ratio=0.0, offset=0.0)


@pytest.mark.parametrize("tau", [(0.0, 0.0), (0.06, -0.03)])
def test_a_quantity_on_a_path_is_its_candidates_posterior_mean_and_root_applied_to_the_draws(tau):
    rng = np.random.default_rng(7)
    draws, R, var, base = _case(rng)
    quantities = [_quantity((0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)), _quantity((1, 1.0), (4, -0.5))]
    parts = KeyParts.empty(weight_basis(draws.H, draws.y, split_rows(R), var, base, U), base, var, U,
                           quantities, 5)
    candidate_parts(parts, draws, quantities, np.arange(len(var)))
    mean, root, _ = path_posteriors(base + np.asarray(tau) @ U, var, draws.H, draws.y, R)
    z = rng.normal(size=5)
    for q, h in enumerate([np.array([1.0, 1, 1, 1, 0]), np.array([0, 1.0, 0, 0, -0.5])]):
        last = int(np.flatnonzero(h)[-1]) + 1  # g past the last component h reads is 0 and left uncomputed
        g = parts.g[q][:last]
        got = parts.alpha[q] + tau[0] * parts.beta[q][0] + tau[1] * parts.beta[q][1] + g.T @ z[:last]
        np.testing.assert_allclose(got, mean @ h + (root @ z) @ h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g.T, np.einsum("kij,i->kj", root, h)[:, :last], rtol=1e-12, atol=1e-14)


def test_only_the_candidates_asked_for_are_computed():
    rng = np.random.default_rng(3)
    draws, R, var, base = _case(rng, candidates=10)
    quantities = [_quantity((0, 1.0))]
    parts = KeyParts.empty(weight_basis(draws.H, draws.y, split_rows(R), var, base, U), base, var, U,
                           quantities, 5)
    candidate_parts(parts, draws, quantities, np.array([2, 5]))
    assert parts.done.tolist() == [k in (2, 5) for k in range(10)]
    assert np.isfinite(parts.alpha[0][[2, 5]]).all() and np.isnan(np.delete(parts.alpha[0], [2, 5])).all()
    # the quantity reads the first component only: the root's other columns are not computed for it
    assert np.isnan(parts.g[0][1:]).all()


def test_a_component_the_rows_pin_fails_the_key_instead_of_giving_a_wrong_root():
    rng = np.random.default_rng(5)
    draws, R, var, base = _case(rng, candidates=6, pinned=True)
    quantities = [_quantity((0, 1.0), (1, 1.0))]
    parts = KeyParts.empty(weight_basis(draws.H, draws.y, split_rows(R), var, base, U), base, var, U,
                           quantities, 5)
    candidate_parts(parts, draws, quantities, np.arange(6))
    assert parts.failed and not parts.done.any()

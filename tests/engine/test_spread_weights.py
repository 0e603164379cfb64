"""The link spreads' candidates weighed by the rows, as a quadratic in the growth coordinates.

The weights must be the rows' marginal likelihood (held to the direct formula), the classes of years and
their coordinates must be what the prior means are made of, and the resample must be the systematic one —
computed to the same bits for a point alone as for the same point among many.
"""

import math

import numpy as np
import pytest

from dgforecast.engine.posterior import marginal_log_likelihood
from dgforecast.engine.spread_weights import (
    class_vectors,
    cholesky_each,
    growth_classes,
    growth_coordinates,
    growth_shifts,
    log_weights,
    systematic_pick,
    weight_basis,
    whiten,
)
from dgforecast.engine.weights import normalise, resample
from dgforecast.plan.params import resolve_scenario
from tests.conftest import SHIPPED

YEARS = [2022, 2023, 2024, 2025]
LAYOUT = [*YEARS, "log_r", "gap"]


def _rows(rng, candidates=50):
    """Four rows on the years and the gap (none on the ratio), an error covariance and a prior a candidate."""
    H = np.array([[1.0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, -1], [1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, -1]])
    y = rng.normal(0.05, 0.05, 4)
    noise = rng.uniform(0.01, 0.1, (candidates, 4))
    R = np.stack([np.diag(s ** 2) for s in noise])
    R[:, 0, 1] = R[:, 1, 0] = 0.3 * noise[:, 0] * noise[:, 1]   # two rows sharing a link error
    var = rng.uniform(0.002, 0.01, (candidates, 6))
    base = rng.normal(0.0, 0.02, (candidates, 6))
    return H, y, R, var, base


@pytest.mark.parametrize("classes", [(tuple(YEARS),), ((2024, 2025), (2022,), (2023,))])
def test_the_quadratic_in_the_growth_coordinates_is_the_rows_marginal_likelihood(classes):
    rng = np.random.default_rng(3)
    H, y, R, var, base = _rows(rng)
    u = class_vectors(classes, LAYOUT)
    tau = rng.normal(0.05, 0.1, (3, len(classes)))
    weights = log_weights(weight_basis(H, y, R, var, base, u), tau)
    for i, t in enumerate(tau):
        mean = base + t @ u                                  # m = b + Σ τ_a u_a
        direct = marginal_log_likelihood(mean, var[:, :, None] * np.eye(6)[None], H, y, R)
        assert weights[i] == pytest.approx(direct, abs=1e-10)
    # a sign flipped on the linear part, or the cross terms dropped, is far off
    assert not np.allclose(log_weights(weight_basis(H, -y, R, var, base, u), tau), weights, atol=1e-3)


def test_a_point_alone_and_among_many_gets_the_same_weights_and_candidates_to_the_last_bit():
    rng = np.random.default_rng(4)
    basis = weight_basis(*_rows(rng, candidates=997), class_vectors(((2024, 2025), (2022,)), LAYOUT))
    tau = rng.normal(0.05, 0.05, (40, 2))
    together = log_weights(basis, tau)
    picks = systematic_pick(together, 300)
    for i in (0, 17, 39):
        alone = log_weights(basis, tau[i:i + 1])
        assert np.array_equal(alone[0], together[i])
        assert np.array_equal(systematic_pick(alone, 300)[0], picks[i])


def test_the_pick_is_systematic_resampling_counted_per_candidate():
    # weights 1:2:3:4 and 10 picks: the points (j + ½)/10 of the cumulative 0.1, 0.3, 0.6, 1.0 → 1, 2, 3, 4
    picks = systematic_pick(np.log([[1.0, 2.0, 3.0, 4.0]]), 10)[0]
    assert picks.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    rng = np.random.default_rng(5)
    log_w = rng.normal(0, 3, (6, 2000))
    for row, kept in zip(log_w, systematic_pick(log_w, 500)):
        assert np.array_equal(kept, resample(normalise(row)[0], 500))
    assert systematic_pick(np.zeros((2, 4)), 2).tolist() == [[0, 2], [0, 2]]   # alike: every other one


def test_years_without_an_override_share_one_coordinate_and_each_override_has_its_own():
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"growth": 0.05, "growth_overrides": {2023: -0.1}})
    classes = growth_classes(params, YEARS)
    assert classes == ((2022, 2024, 2025), (2023,))
    assert growth_coordinates(params, classes).tolist() == pytest.approx([math.log(1.05), math.log(0.9)])
    real = params.model_copy(update={"price_basis": "real", "deflator": 0.02})
    assert growth_coordinates(real, classes)[0] == pytest.approx(math.log(1.05 * 1.02))   # turned nominal
    assert class_vectors(classes, LAYOUT).tolist() == [[1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 0, 0]]
    every_year = params.model_copy(update={"growth_overrides": {y: 0.0 for y in YEARS}})
    assert growth_classes(every_year, YEARS) == tuple((y,) for y in YEARS)


def test_the_growth_free_part_of_a_years_mean_is_the_calibrations_shift():
    from dgforecast.engine.prior import log_growth_means

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"growth": 0.05, "growth_overrides": {2023: -0.1}})
    classes = growth_classes(params, YEARS)
    together = growth_shifts(params, YEARS) + growth_coordinates(params, classes) @ class_vectors(classes, YEARS)
    assert together == pytest.approx(log_growth_means(params, YEARS), abs=1e-15)
    assert growth_shifts(params.model_copy(update={"calibration": "none"}), YEARS).tolist() == [0.0] * 4


def test_many_small_cholesky_factors_are_lapacks_and_a_matrix_that_is_not_positive_definite_gets_nan():
    rng = np.random.default_rng(6)
    a = rng.normal(size=(20, 5, 5))
    S = a @ np.swapaxes(a, 1, 2) + 0.1 * np.eye(5)
    S[3] = np.diag([1.0, -1.0, 1.0, 1.0, 1.0])
    L = cholesky_each([[S[:, i, j] for j in range(i + 1)] for i in range(5)])
    full = np.array([[L[i][j] if j <= i else np.zeros(20) for j in range(5)] for i in range(5)]).transpose(2, 0, 1)
    good = np.arange(20) != 3
    assert np.allclose(full[good], np.linalg.cholesky(S[good]), atol=1e-12)
    assert np.isnan(full[3]).any() and not np.isnan(full[good]).any()
    v = rng.normal(size=5)
    solved = np.array(whiten(L, list(v))).T
    assert np.allclose(np.einsum("pij,pj->pi", full[good], solved[good]), v, atol=1e-12)

"""The per-path algebra of the link spreads, held to numpy and scipy computed independently.

When the link spreads are drawn per path, every path has its own prior variances and error covariance
R: its posterior (``path_posteriors``), the square roots of its covariance (``psd_sqrt`` of a stack),
the marginal likelihood of the figures under it, the Gaussian rows' weight with its own R
(``gaussian_log_likelihood``) and the fitted engine's components drawn with its own spreads
(``fitted_state``). Each test recomputes one path at a time with scipy or by hand, so a dropped
log-determinant, a wrong constant, a spread shared across paths or a lost path's spread fails.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from dgforecast.engine.condition import BASE, GAP, LOG_RATIO, NOMINAL, Bound, GaussianRow, Linear, Measurement
from dgforecast.engine.posterior import (
    diagonal_marginal_log_likelihood,
    error_covariance,
    gaussian_posterior,
    marginal_log_likelihood,
    path_posteriors,
    psd_sqrt,
)
from dgforecast.engine.weights import bound_log_likelihood, gaussian_log_likelihood, weighted_stats


def _paths(seed=5, n=4, d=3, r=2):
    """Random per-path moments and rows: prior means and variances (n x d), H (r x d), y (r) and R (n x r x r)."""
    rng = np.random.default_rng(seed)
    H, y = rng.normal(size=(r, d)), rng.normal(size=r)
    var, m0 = rng.uniform(0.05, 2.0, (n, d)), rng.normal(size=(n, d))
    A = rng.normal(size=(n, r, r))
    R = A @ np.swapaxes(A, 1, 2) + np.eye(r)[None] * rng.uniform(0.1, 3.0, (n, 1, 1))
    return m0, var, H, y, R


# ---------------------------------------------------------------- path_posteriors
def test_each_paths_posterior_is_the_conjugate_update_of_that_path_alone():
    m0, var, H, y, R = _paths()
    mean, root, loglik = path_posteriors(m0, var, H, y, R)
    for i in range(len(m0)):
        P = np.diag(var[i])
        S = H @ P @ H.T + R[i]
        K = P @ H.T @ np.linalg.inv(S)
        assert np.allclose(mean[i], m0[i] + K @ (y - H @ m0[i]), rtol=0, atol=1e-12)
        assert np.allclose(root[i], np.linalg.cholesky(P - K @ H @ P), rtol=0, atol=1e-12)
        assert np.allclose(root[i], np.tril(root[i]), rtol=0, atol=0)
        # the whole density, 2π and ln det S included: scipy's, path by path
        assert loglik[i] == pytest.approx(multivariate_normal(H @ m0[i], S).logpdf(y), abs=1e-10)


def test_a_paths_log_likelihood_is_the_normal_density_by_hand():
    # one row y = θ + e, θ ~ N(0, 1), e ~ N(0, R_p): y ~ N(0, 1 + R_p); y = 1 with R = 1 and R = 3
    mean, root, loglik = path_posteriors(np.zeros((2, 1)), np.ones((2, 1)), np.ones((1, 1)), np.array([1.0]),
                                         np.array([[[1.0]], [[3.0]]]))
    assert loglik[0] == pytest.approx(-0.5 * (1 / 2 + math.log(2) + math.log(2 * math.pi)), abs=1e-14)
    assert loglik[1] == pytest.approx(-0.5 * (1 / 4 + math.log(4) + math.log(2 * math.pi)), abs=1e-14)
    assert mean[:, 0].tolist() == pytest.approx([1 / 2, 1 / 4], abs=1e-15)
    assert root[:, 0, 0].tolist() == pytest.approx([math.sqrt(1 / 2), math.sqrt(3 / 4)], abs=1e-15)


def test_a_tiny_but_positive_posterior_spread_is_kept():
    # a component no row bears on keeps its prior spread, however small next to the others (1e-7 here):
    # Cholesky factors it; only a pivot at round-off is set to zero
    var = np.array([[1.0, 1e-14]])
    _, root, _ = path_posteriors(np.zeros((1, 2)), var, np.array([[1.0, 0.0]]), np.array([0.5]), np.eye(1)[None])
    assert root[0, 1, 1] == pytest.approx(1e-7, rel=1e-12)
    assert root[0, 0, 0] == pytest.approx(math.sqrt(0.5), rel=1e-14)


def test_no_rows_leave_each_paths_prior():
    m0, var, H, _, R = _paths()
    mean, root, loglik = path_posteriors(m0, var, H[:0], np.zeros(0), R[:, :0, :0])
    assert np.array_equal(mean, m0) and np.allclose(root, np.sqrt(var)[:, :, None] * np.eye(3)[None])
    assert loglik.tolist() == [0.0] * 4


# ---------------------------------------------------------------- marginal likelihoods
def test_the_marginal_likelihood_of_one_row_is_scipys_normal_density():
    # y = θ₁ + θ₂ + e: N(m₁ + m₂, P₁₁ + P₂₂ + R), one path and two
    P, R = np.diag([0.5, 0.25]), np.array([[0.25]])
    H, y = np.array([[1.0, 1.0]]), np.array([0.3])
    expected = norm(0.1 + 0.2, 1.0).logpdf(0.3)
    assert float(marginal_log_likelihood(np.array([0.1, 0.2]), P, H, y, R)) == pytest.approx(expected, abs=1e-14)
    two = marginal_log_likelihood(np.array([[0.1, 0.2], [0.0, 0.0]]), np.stack([P, P]), H, y, np.stack([R, 4 * R]))
    assert two.tolist() == pytest.approx([expected, norm(0.0, math.sqrt(1.75)).logpdf(0.3)], abs=1e-14)
    diag = diagonal_marginal_log_likelihood(np.array([[0.1, 0.2], [0.0, 0.0]]), np.array([[0.5, 0.25]] * 2), H, y,
                                            np.stack([R, 4 * R]))
    assert diag.tolist() == pytest.approx(two.tolist(), abs=1e-14)


def test_no_rows_give_every_path_a_marginal_likelihood_of_one():
    H, y = np.zeros((0, 2)), np.zeros(0)
    assert marginal_log_likelihood(np.zeros((3, 2)), np.eye(2), H, y, np.zeros((0, 0))).tolist() == [0.0] * 3
    assert np.shape(marginal_log_likelihood(np.zeros(2), np.eye(2), H, y, np.zeros((0, 0)))) == ()
    assert diagonal_marginal_log_likelihood(np.zeros((3, 2)), np.ones((3, 2)), H, y,
                                            np.zeros((3, 0, 0))).tolist() == [0.0] * 3


def test_a_posterior_covariance_a_path_is_symmetric_to_the_last_bit():
    # the paths' covariances feed Cholesky factors that read one triangle: both must be the same numbers
    m0, var, H, y, R = _paths(seed=8, n=6, d=5, r=3)
    P = var[:, :, None] * np.eye(5)[None]
    _, cov = gaussian_posterior(m0, P, H, y, R)
    assert np.array_equal(cov, np.swapaxes(cov, 1, 2))
    _, one = gaussian_posterior(m0[0], P[0], H, y, R[0])
    assert np.array_equal(one, one.T)


# ---------------------------------------------------------------- psd_sqrt of a stack
def test_the_square_roots_of_a_stack_are_each_matrixs_own():
    m0, var, H, y, R = _paths(seed=9, n=3, d=4, r=2)
    _, cov = gaussian_posterior(m0, var[:, :, None] * np.eye(4)[None], H, y, R)
    roots = psd_sqrt(cov)
    for i in range(3):
        assert np.allclose(roots[i], np.linalg.cholesky(cov[i]), rtol=0, atol=1e-13)
        assert np.allclose(roots[i], psd_sqrt(cov[i]), rtol=0, atol=1e-15)


def test_a_stack_of_integer_covariances_gives_real_roots():
    assert np.allclose(psd_sqrt(np.array([[[2, 0], [0, 3]]])), [[[math.sqrt(2), 0], [0, math.sqrt(3)]]], atol=1e-15)


def test_each_matrix_of_a_stack_is_judged_at_its_own_scale():
    # a covariance of 1e-14 is a spread, not round-off, beside another path's of 1: each path its own scale
    roots = psd_sqrt(np.stack([np.diag([1.0, 0.5]), np.diag([1e-14, 4e-16])]))
    assert np.allclose(roots[1], [[1e-7, 0.0], [0.0, 2e-8]], rtol=1e-12, atol=0)
    # small covariances below 1 are no round-off either (the scale is their own, not 1)
    assert np.allclose(psd_sqrt(np.diag([1e-16, 4e-16])[None]), np.diag([1e-8, 2e-8])[None], rtol=1e-12, atol=0)


def test_a_stacks_pivot_at_round_off_gives_a_zero_column():
    # round-off is 1e-13 of the largest variance: at it a column is zero, above it kept
    assert psd_sqrt(np.diag([1.0, 1e-13])[None]).tolist() == [[[1.0, 0.0], [0.0, 0.0]]]
    assert psd_sqrt(np.diag([4.0, 1e-13])[None]).tolist() == [[[2.0, 0.0], [0.0, 0.0]]]
    assert psd_sqrt(np.diag([1.0, 2e-13])[None])[0, 1, 1] == pytest.approx(math.sqrt(2e-13), rel=1e-12)


def test_a_pinned_component_of_a_stack_has_a_zero_column_and_the_rest_its_own_root():
    # the first component has no spread: its column is zero (not the others' entries divided by anything)
    cov = np.array([[[0.0, 0.0, 0.0], [0.0, 0.04, 0.01], [0.0, 0.01, 0.0125]],
                    [[1.0, 0.5, 0.0], [0.5, 1.25, 0.0], [0.0, 0.0, 4.0]]])
    roots = psd_sqrt(cov)
    assert np.allclose(roots[0], [[0, 0, 0], [0, 0.2, 0], [0, 0.05, 0.1]], rtol=0, atol=1e-15)
    assert np.allclose(roots[1], [[1, 0, 0], [0.5, 1, 0], [0, 0, 2]], rtol=0, atol=1e-15)


# ---------------------------------------------------------------- the rows' weight with R a path
def test_the_rows_weight_with_an_error_covariance_a_path_is_the_normal_density_up_to_one_constant():
    rows = [GaussianRow(("a",), Linear(((2022, 1.0),)), 1.0, 0.1, link=2022),
            GaussianRow(("b",), Linear(((2023, 1.0),), 0.5), 0.2, 0.1, link=2023)]
    rng = np.random.default_rng(2)
    Q = rng.normal(size=(5, 2))
    A = rng.normal(size=(5, 2, 2))
    R = A @ np.swapaxes(A, 1, 2) + 0.1 * np.eye(2)[None]
    got = gaussian_log_likelihood(rows, Q, 0.05, R)
    y = np.array([1.0, 0.2])
    for i in range(5):
        # −½ (y − q)ᵀ R⁻¹ (y − q) − ½ ln det R: the density without its 2π, which every path shares
        assert got[i] == pytest.approx(multivariate_normal(Q[i], R[i]).logpdf(y) + math.log(2 * math.pi), abs=1e-12)
    # R by hand: diag(2, 1/2) and a residual (1, 1) -> −½ (1/2 + 2 + ln 1) = −1.25; diag(1, 4) -> −½ (1 + 1/4 + ln 4)
    by_hand = gaussian_log_likelihood(rows, np.array([[0.0, -0.8], [0.0, -0.8]]), 0.05,
                                      np.array([np.diag([2.0, 0.5]), np.diag([1.0, 4.0])]))
    assert by_hand.tolist() == pytest.approx([-1.25, -0.5 * (1.25 + math.log(4))], abs=1e-14)


# ---------------------------------------------------------------- a bound hard on some paths
def test_a_bound_hard_on_some_paths_keeps_a_value_on_its_edge():
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 1.0, 2.0, 0.1)
    got = bound_log_likelihood(bound, [1.0, 2.0, 0.99, 1.5], np.array([0.0, 0.0, 0.0, 0.5]))
    assert got[:3].tolist() == [0.0, 0.0, -math.inf]
    assert got[3] == pytest.approx(math.log(norm.cdf(1.0) - norm.cdf(-1.0)), abs=1e-14)


def test_a_bound_hard_on_some_paths_divides_by_no_zero_sd():
    # the hard paths' sd is set aside before the soft ones are standardised: no 1/0 on the way
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 1.0, 2.0, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = bound_log_likelihood(bound, [0.5, 1.5, 3.0, 1.5], np.array([0.0, 0.0, 0.0, 1.0]))
    assert got[:3].tolist() == [-math.inf, 0.0, -math.inf]
    assert got[3] == pytest.approx(math.log(norm.cdf(0.5) - norm.cdf(-0.5)), abs=1e-14)


def test_a_bound_of_sd_one_is_soft():
    # sd 1 on every path (a scalar): log(Φ(2 − q) − Φ(1 − q)), not the hard inside/outside
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 1.0, 2.0, 1.0)
    expected = [math.log(norm.cdf(2 - q) - norm.cdf(1 - q)) for q in (0.0, 1.5)]
    assert bound_log_likelihood(bound, [0.0, 1.5]).tolist() == pytest.approx(expected, abs=1e-14)
    assert bound_log_likelihood(bound, [0.0, 1.5], 1.0).tolist() == pytest.approx(expected, abs=1e-14)


# ---------------------------------------------------------------- weighted stats with clusters
def test_the_stats_monte_carlo_error_counts_paths_of_one_draw_once():
    values, w = np.array([3.0, 4.0, 1.0, 2.0, 5.0, 0.0]), np.full(6, 1 / 6)
    # met: 1 1 0 0 1 0, p = 1/2; clusters (met, met), (not, not), (met, not) -> terms ±1/6, 0
    stats = weighted_stats(values, w, 2.5, clusters=np.array([0, 0, 1, 1, 2, 2]))
    assert stats["p_met"] == 0.5 and stats["p_se"] == pytest.approx(math.sqrt(2 / 36), abs=1e-15)
    assert weighted_stats(values, w, 2.5)["p_se"] == pytest.approx(math.sqrt(6 / 36 * 0.25), abs=1e-15)


# ---------------------------------------------------------------- the fitted engine with spreads a path
class _Spreads:
    """What ``fitted_state`` reads of ``integrated.PathSpreads``: each path's ratio sd, gap variance and R."""

    def __init__(self, rng, n, rows):
        self.values = {"revenue_to_output_ratio_sd": rng.uniform(0.01, 0.3, n)}
        self.gap_var = rng.uniform(0.0001, 0.01, n)
        A = rng.normal(size=(n, rows, rows))
        self.R = 0.01 * (A @ np.swapaxes(A, 1, 2) + np.eye(rows)[None])


def test_the_fitted_engine_draws_each_paths_ratio_and_gap_with_its_own_spreads():
    from dgforecast.engine.fitted_engine import fitted_factors, fitted_state
    from dgforecast.plan.data import history_series_or_none
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.plan.targets import LevelTarget
    from dgforecast.run.pipeline import load_inputs
    from tests.conftest import SHIPPED

    n = 32
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": n, "engine": "fitted",
                                                               "revenue_to_output_ratio": 0.8,
                                                               "revenue_to_output_ratio_sd": 0.05})
    series = history_series_or_none(load_inputs(SHIPPED)["history"], params.history_series)
    target = LevelTarget("t", 700.0, ">=", 2025, 600.0, 2022, False, base_step=100.0)
    years, layout = [2023, 2024, 2025], [2023, 2024, 2025, LOG_RATIO, GAP, BASE, NOMINAL]
    # a soft row on 2023 and one on ln r, and an exact one on 2024 (imposed, not weighed: R's middle row is dropped)
    rows = [GaussianRow(("a",), Linear(((2023, 1.0),)), 0.05, 0.02),
            GaussianRow(("x",), Linear(((2024, 1.0),)), 0.04, 0.001, exact=True),
            GaussianRow(("b",), Linear(((LOG_RATIO, 1.0),), 0.1), math.log(0.9), 0.05)]
    m = Measurement(rows=rows, growth_link_sd=0.01)
    drawn = {}

    def spreads_of(rng):
        drawn["spreads"] = _Spreads(rng, n, 3)
        return drawn["spreads"]

    theta, log_w, spreads = fitted_state(target, params, years, m, np.random.default_rng(4), layout, series,
                                         spreads_of)
    s = drawn["spreads"]
    assert spreads is s
    replay = np.random.default_rng(4)
    fitted_factors(params, years, target.base_year, replay, series)
    z = {key: replay.standard_normal(n) for key in layout[3:]}
    assert np.array_equal(s.values["revenue_to_output_ratio_sd"], _Spreads(replay, n, 3).values[
        "revenue_to_output_ratio_sd"])  # the spreads are drawn from the same generator, after the state's draws
    r = params.revenue_to_output_ratio
    assert r == 0.8
    s2 = np.log1p((s.values["revenue_to_output_ratio_sd"] / r) ** 2)   # lognormal with mean r, sd the path's
    assert np.allclose(theta[:, 3], math.log(r) - s2 / 2 + np.sqrt(s2) * z[LOG_RATIO], rtol=0, atol=1e-14)
    assert np.allclose(theta[:, 4], params.evidence.city_gap + np.sqrt(s.gap_var) * z[GAP], rtol=0, atol=1e-14)
    assert np.allclose(theta[:, 1], 0.04, rtol=0, atol=1e-12)          # the exact row imposed on every path
    resid = np.column_stack([0.05 - theta[:, 0], math.log(0.9) - (theta[:, 3] + 0.1)])
    soft_R = s.R[:, [0, 2]][:, :, [0, 2]]
    for i in range(n):
        expected = -0.5 * (resid[i] @ np.linalg.solve(soft_R[i], resid[i]) + np.linalg.slogdet(soft_R[i])[1])
        assert log_w[i] == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------- the integrated engine's per-path prior
def _spreads(values, gap_var, statement_sd=(), factors=None):
    from dgforecast.engine.integrated import PathSpreads

    n = len(gap_var)
    return PathSpreads(values, np.zeros((n, 0, 0)), [], [], list(statement_sd), np.asarray(gap_var),
                       factors=factors or {})


def test_a_resample_of_the_spreads_keeps_a_statement_without_a_bound_as_none():
    spreads = _spreads({"x": np.array([1.0, 2.0, 3.0])}, [0.1, 0.2, 0.3], [None, np.array([0.5, 0.6, 0.7])],
                       {"x": np.array([0.5, 1.0, 1.5])})
    kept = spreads.take([2, 0, 2])
    assert kept.factors["x"].tolist() == [1.5, 0.5, 1.5]   # a sweep rescales the kept draws from these
    assert kept.statement_sd[0] is None and kept.statement_sd[1].tolist() == [0.7, 0.5, 0.7]
    assert kept.gap_var.tolist() == [0.3, 0.1, 0.3] and kept.clusters.tolist() == [2, 0, 2]


def test_the_integrated_engine_draws_each_paths_ratio_and_gap_from_its_own_spreads():
    # no rows: each path's state is its own prior, mean + sd·z (z = 1 here)
    from dgforecast.engine.integrated import integrated_state
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"revenue_to_output_ratio": 0.8,
                                                               "revenue_to_output_ratio_sd": 0.05})
    r, layout = params.revenue_to_output_ratio, [2023, LOG_RATIO, GAP]
    assert r == 0.8
    prior = (np.array([0.05, -0.1, 0.04]), np.array([0.1, 0.2, 0.3]))
    ratio_sd, gap_var = np.array([0.02, 0.1, 0.3]), np.array([0.0001, 0.0004, 0.01])
    theta, log_w = integrated_state(params, Measurement(), layout, prior, np.ones((3, 3)),
                                    _spreads({"revenue_to_output_ratio_sd": ratio_sd}, gap_var))
    s2 = np.log1p((ratio_sd / r) ** 2)                      # lognormal with mean r and the path's sd
    assert np.allclose(theta[:, 1], math.log(r) - s2 / 2 + np.sqrt(s2), rtol=0, atol=1e-15)
    assert np.allclose(theta[:, 2], 0.04 + np.sqrt(gap_var), rtol=0, atol=1e-15)
    assert np.allclose(theta[:, 0], 0.15, rtol=0, atol=1e-15) and log_w.tolist() == [0.0] * 3
    # a known ratio (no prior spread) stays known whatever the drawn sd; no drawn sd keeps the prior's
    known, _ = integrated_state(params, Measurement(), layout, (prior[0], np.array([0.1, 0.0, 0.3])), np.ones((3, 3)),
                                _spreads({"revenue_to_output_ratio_sd": ratio_sd}, gap_var))
    assert known[:, 1].tolist() == [-0.1] * 3
    undrawn, _ = integrated_state(params, Measurement(), layout, prior, np.ones((3, 3)), _spreads({}, gap_var))
    assert np.allclose(undrawn[:, 1], -0.1 + 0.2, rtol=0, atol=1e-15)


# ---------------------------------------------------------------- the nominal-over-real gap of a year
def test_a_real_growth_figure_adds_its_years_own_nominal_gap():
    from dgforecast.engine.condition import Observation, nominal_part
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    ep = resolve_scenario(SHIPPED / "params.yaml", "base").evidence.model_copy(
        update={"nominal_gap": 0.03, "nominal_gap_shift": {2022: 0.033, 2023: -0.029}})
    real = Observation("g", "cluster_value_added", "linked_growth", 2023, "growth", 5.0, real=True)
    # 0.03 + (−0.029): the centre plus 2023's own departure from it; with the centre uncertain, the departure alone
    assert nominal_part(real, ep, False) == (pytest.approx(0.001, abs=1e-15), ())
    assert nominal_part(real, ep, True) == (-0.029, ((NOMINAL, -1.0),))
    other = Observation("h", "cluster_value_added", "linked_growth", 2024, "growth", 5.0, real=True)
    assert nominal_part(other, ep, False) == (0.03, ())          # a year with no measured departure: the centre
    nominal = Observation("n", "cluster_value_added", "linked_growth", 2023, "growth", 5.0)
    assert nominal_part(nominal, ep, False) == (0.0, ())


# ---------------------------------------------------------------- where a link parameter lives
def test_link_parameters_are_read_and_set_where_they_live():
    # the measurement's spreads, the gaps' centres and the reading live in params.evidence; the revenue ratio's
    # sd in the scenario itself. A sensitivity set names the gap's centre and the reading too (schema.SENSITIVE).
    from dgforecast.engine.links import link_value, with_values
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"revenue_to_output_ratio_sd": 0.05})
    changed = with_values(params, {"revenue_to_output_ratio_sd": 0.2, "city_ratio_sd": 0.11, "city_gap": 0.07,
                                   "reading": "round"})
    assert changed.revenue_to_output_ratio_sd == 0.2 and changed.evidence.city_ratio_sd == 0.11
    assert changed.evidence.city_gap == 0.07 and changed.evidence.reading == "round"
    assert params.revenue_to_output_ratio_sd == 0.05 and params.evidence.city_ratio_sd == 0.05  # a copy
    assert [link_value(changed, k) for k in ("revenue_to_output_ratio_sd", "city_ratio_sd", "city_gap")] == [
        0.2, 0.11, 0.07]
    assert link_value(changed, "nominal_gap") == params.evidence.nominal_gap


def test_a_link_taken_as_known_drops_its_spec_and_only_its_own():
    # the sensitivity set holds a link at one end as known (links.fixed): its spec goes, every other stays, and
    # nothing else of the scenario moves
    from dgforecast.engine.links import fixed
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base")
    specs = dict(params.link_uncertainty)
    assert {"nominal_gap", "growth_link_sd"} <= set(specs)
    known = fixed(params, ["nominal_gap"])
    assert set(known.link_uncertainty) == set(specs) - {"nominal_gap"}
    assert all(known.link_uncertainty[k] == specs[k] for k in known.link_uncertainty)
    assert known.model_dump(exclude={"link_uncertainty"}) == params.model_dump(exclude={"link_uncertainty"})
    assert dict(params.link_uncertainty) == specs  # a copy: the scenario itself keeps every spec
    assert set(fixed(params, ["nominal_gap", "growth_link_sd"]).link_uncertainty) == set(specs) - {
        "nominal_gap", "growth_link_sd"}
    assert fixed(params, []).link_uncertainty == specs


def test_the_variances_split_into_a_base_and_one_unit_a_spread():
    # v = (0.01 + φ_ratio², 4 φ_round², 0.5): base (0.01, 0, 0.5), units (1, 0, 0) and (0, 4, 0); at φ = (0.1, 0.2)
    from dgforecast.engine.links import variance_parts
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base")

    def build(p):
        return [0.01 + p.evidence.city_ratio_sd ** 2, 4 * p.evidence.round_sd ** 2, 0.5]

    parts = variance_parts(build, params, ["city_ratio_sd", "round_sd"])
    assert parts.base.tolist() == [0.01, 0.0, 0.5]
    assert parts.units["city_ratio_sd"].tolist() == [1.0, 0.0, 0.0]
    assert parts.units["round_sd"].tolist() == [0.0, 4.0, 0.0]
    at = parts.at({"city_ratio_sd": np.array([0.1, 1.0]), "round_sd": np.array([0.2, 0.0])})
    assert np.allclose(at, [[0.02, 0.16, 0.5], [1.01, 0.0, 0.5]], rtol=0, atol=1e-15)


def test_a_builder_of_whole_numbers_still_gives_fractional_variances_at_a_drawn_spread():
    from dgforecast.engine.links import variance_parts
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base")
    parts = variance_parts(lambda p: [1 + round(p.evidence.city_ratio_sd), 2], params, ["city_ratio_sd"])
    assert parts.at({"city_ratio_sd": np.array([0.5])}).tolist() == [[1.25, 2.0]]


# ---------------------------------------------------------------- each path's variances, from its own measurement
def _city_measurement():
    from dgforecast.engine.condition import Observation

    return (Observation("g", "city_value_added", "related_growth", 2023, "growth", 8.0, real=True),
            Observation("v", "cluster_output", "level", 2023, "at_least", 5000.0, step=1000.0, path="cluster_output"),
            Observation("rev", "city_revenue", "related_numerator", 2024, "level", 27691.5, exact=True,
                        rounding=0.05, path="cluster_output"),
            Observation("out", "city_output", "related_denominator", 2024, "at_least", 25000.0, step=1000.0,
                        path="cluster_output"))


@pytest.mark.parametrize("links", [{"revenue_to_output_ratio_sd": {"factor": [0.5, 2.0]}},
                                   {"city_gap_sd": {"factor": [0.5, 2.0]}, "city_ratio_sd": {"df": 3},
                                    "round_sd": {"factor": [0.8, 1.4]}}])
def test_each_paths_variances_are_those_of_the_measurement_at_its_own_draws(links):
    from dgforecast.engine.condition import measurement
    from dgforecast.engine.integrated import path_spreads
    from dgforecast.engine.links import link_value, with_values
    from dgforecast.plan.link_schema import LinkSpec
    from dgforecast.plan.params import resolve_scenario
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"revenue_to_output_ratio_sd": 0.05})
    params = params.model_copy(update={"link_uncertainty": {k: LinkSpec(**v) for k, v in links.items()}})
    obs, years, base_log = _city_measurement(), [2023, 2024, 2025], math.log(4621.25)
    m = measurement(obs, params.evidence, years, base_log, uncertain_gap=False)
    assert len(m.rows) == 1 and len(m.bounds) == 2 and len(m.milestones) == 2
    spreads = path_spreads(params, m, obs, years, base_log, False, 4, np.random.default_rng(3))
    # the draws kept as multiples of their values too, which a sweep over a spread's value rescales
    assert set(spreads.factors) == set(links) and set(spreads.values) == set(links)
    for name, factor in spreads.factors.items():
        assert np.allclose(spreads.values[name], link_value(params, name) * factor, rtol=1e-15, atol=0)
    for i in range(4):
        own = with_values(params, {k: float(v[i]) for k, v in spreads.values.items()})
        mi = measurement(obs, own.evidence, years, base_log)
        assert np.allclose(spreads.R[i], error_covariance(mi.rows, mi.growth_link_sd), rtol=1e-12, atol=0)
        assert [sd[i] for sd in spreads.bound_sd] == pytest.approx([b.sd for b in mi.bounds], rel=1e-12)
        assert [sd[i] for sd in spreads.milestone_sd] == pytest.approx([b.sd for _, b, _ in mi.milestones], rel=1e-12)
        assert spreads.gap_var[i] == pytest.approx(own.evidence.city_gap_sd ** 2, rel=1e-12)
    # each milestone's statement is its own bound: the next figure of 5000 and of the city's 25000
    assert [sd is not None for sd in spreads.statement_sd] == [True, True]
    assert np.allclose(spreads.statement_sd[1], spreads.bound_sd[1]) and np.allclose(spreads.statement_sd[0],
                                                                                     spreads.bound_sd[0])


def test_a_base_stated_as_a_bound_is_hard_on_every_path_when_the_spreads_are_drawn():
    # "超过600" as the base: b >= 0 on every path, its own hard bound beside the drawn spreads (which have no
    # bound of the evidence to soften here): the weighted base is above 600 and the weights are the bound's alone
    from dgforecast.engine.group_paths import group_paths
    from dgforecast.plan.link_schema import LinkSpec
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.plan.targets import LevelTarget
    from tests.conftest import SHIPPED

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 400, "revenue_to_output_ratio_sd": 0.05})
    params = params.model_copy(update={"link_uncertainty": {"revenue_to_output_ratio_sd": LinkSpec(factor=[0.5, 2.0])},
                                       "sensitivity": {}})
    target = LevelTarget("t", 700.0, ">=", 2025, 600.0, 2022, False, base_step=100.0)
    group = group_paths(target, params, np.random.default_rng(5), (), None)
    base = group.theta[:, list(group.layout).index(BASE)]
    assert np.array_equal(group.weights > 0, base >= 0)
    assert np.allclose(group.weights[base >= 0], 1 / np.sum(base >= 0), rtol=1e-12, atol=0)

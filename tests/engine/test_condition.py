"""The measurement model held to the exact answers where the maths has them.

Each test works the answer out by hand — the conjugate Gaussian update of one year's log growth, of
ln r, a truncated normal for a bound — independently of the code, and holds both the update
(``gaussian_posterior``, to 1e-9) and the simulated paths (sample mean and variance of the
conditioned quantity, within a few Monte Carlo standard errors) to it. A wrong variance (×1.2), a
flipped sign or a dropped link sd moves the answers by far more than the tolerances.
"""

import math
import warnings
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from dgforecast.core.errors import ParamsError
from dgforecast.engine import condition
from dgforecast.engine.condition import (
    GAP,
    LOG_RATIO,
    Bound,
    GaussianRow,
    Linear,
    bears_on,
    figure_sd,
    measurement,
    observations,
)
from dgforecast.engine.posterior import error_covariance, gaussian_posterior, psd_sqrt, row_matrices
from dgforecast.engine.prior import prior_moments, state_layout
from dgforecast.engine.simulate import simulate_targets
from dgforecast.engine.weights import bound_log_likelihood, gaussian_log_likelihood, normalise, resample, weighted_stats
from dgforecast.judge.assess import assess_inputs, summary_records
from dgforecast.plan.evidence import COLUMNS, load_evidence
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.schema import EvidenceParams
from dgforecast.plan.targets import level_targets
from dgforecast.run.pipeline import load_inputs
from tests.conftest import PLAN


def Observation(evidence_id, measure, *args, **changes) -> condition.Observation:
    """An observation of a measure of the shipped plan, with the role and path its plan.yaml gives it."""
    return condition.Observation(evidence_id, measure, PLAN.role(measure), *args, path=PLAN.path_of(measure),
                                 **changes)


SHIPPED = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "workbook"  # the workbook as shipped, pinned (conftest.py)
TARGET = "cluster_revenue_2025"
X0, K = 4621.25, 5400.0
YEARS = [2022, 2023, 2024, 2025]
EP = EvidenceParams()
N = 40_000


def _evidence(tmp_path, *rows):
    """An evidence table of the given rows (dicts of the columns that matter), loaded and checked."""
    defaults = {"unit": "亿元", "price_basis": "", "period": "year", "reliability": "official", "precision": "",
                "source_url": "https://example.org/test", "source_phrase": "test", "note": "test fixture"}
    lines = [",".join(COLUMNS)]
    for i, row in enumerate(rows):
        full = {"evidence_id": f"row_{i}", **defaults, **row}
        lines.append(",".join(str(full[c]) for c in COLUMNS))
    path = tmp_path / "evidence.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_evidence(path, PLAN, today=None)


def _params(**overrides):
    """The shipped base case as the rule sets it: the prior of the plain engine (calibration none: the conjugate
    updates below are worked out by hand with volatility as each year's prior sd; tests/engine/test_calibration.py
    holds the calibrated prior), the link parameters at their values (no spread drawn per path;
    tests/engine/test_integrated.py holds the integration over them) and city_gap_sd at its former 0.018."""
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"revenue_to_output_ratio_sd": 0.0, "n_sims": N,
                                                               "as_of": "2026-11", "calibration": "none",
                                                               **overrides})
    if "city_gap_sd" not in overrides.get("evidence", {}):
        params = params.model_copy(update={"evidence": params.evidence.model_copy(update={"city_gap_sd": 0.018})})
    return params.model_copy(update={"link_uncertainty": {}, "sensitivity": {}})


def _assess(table, **overrides):
    params = _params(**overrides)
    result = assess_inputs(params, {**load_inputs(SHIPPED), "evidence": table})
    return params, summary_records(result)[0], result


def _paths(evidence, **overrides):
    """The conditioned simulation of the shipped level target: its group's paths and weights."""
    params = _params(**overrides)
    inputs = load_inputs(SHIPPED)
    targets = level_targets(inputs["targets"], inputs["baselines"])
    group = simulate_targets(targets, params, None, evidence).groups[0]
    return params, group


def _state(group, key):
    """Every path's value of one state component (a year's log growth, ln r, δ)."""
    return group.theta[:, list(group.layout).index(key)]


def _growth_sample(group, year):
    """A year's log growth of output, from the simulated levels (revenue paths over each path's ratio)."""
    logs = np.log(group.paths.to_numpy()) - _state(group, LOG_RATIO)[:, None]
    j = list(group.paths.columns).index(year)
    return logs[:, j] - (logs[:, j - 1] if j else math.log(X0))


def _conjugate(m, v, y, r):
    """The posterior (mean, variance) of a Gaussian N(m, v) observed once as y with error variance r."""
    post_v = 1 / (1 / v + 1 / r)
    return post_v * (m / v + y / r), post_v


def _close(sample, mean, var, k=4.5):
    """Sample mean and variance within k Monte Carlo standard errors of the exact ones."""
    n = len(sample)
    assert abs(sample.mean() - mean) <= k * math.sqrt(var / n), (sample.mean(), mean)
    assert abs(sample.var() - var) <= k * var * math.sqrt(2 / n), (sample.var(), var)


# ---------------------------------------------------------------- one row at a time, by hand
def test_a_full_year_real_growth_row_gives_the_conjugate_posterior_of_that_years_growth(tmp_path):
    # x_2023 ~ N(ln 1.06, 0.075²); 增加值 +2 % real: ln 1.02 + 0.03 = x_2023 + e, e ~ N(0, 0.05²)
    evidence = _evidence(tmp_path, {"measure": "cluster_value_added", "year": 2023, "kind": "growth", "value": 2,
                                    "unit": "%", "price_basis": "real", "published": "2024-01"})
    params, group = _paths(evidence)
    mean, var = _conjugate(math.log(1.06), 0.075 ** 2, math.log(1.02) + 0.03, 0.05 ** 2)
    assert (mean, var) == pytest.approx((0.0524076, 0.00173077), abs=1e-7)
    assert group.weights is None and group.evidence_used == ("row_0",)  # applied exactly: no weights
    _close(_growth_sample(group, 2023), mean, var)
    _close(_growth_sample(group, 2024), math.log(1.06), 0.075 ** 2)  # a year it does not touch keeps its prior


def test_a_year_to_date_row_adds_the_unseen_months_to_its_error(tmp_path):
    # January-May: own sd 0.06 * 7/12 = 0.035 beside the link's 0.05
    evidence = _evidence(tmp_path, {"measure": "cluster_value_added", "year": 2024, "period": "YTD_M05",
                                    "kind": "growth", "value": 10, "unit": "%", "price_basis": "real",
                                    "published": "2024-06"})
    _, group = _paths(evidence)
    mean, var = _conjugate(math.log(1.06), 0.075 ** 2, math.log(1.10) + 0.03, 0.05 ** 2 + 0.035 ** 2)
    assert (mean, var) == pytest.approx((0.0986012, 0.00224098), abs=1e-7)
    _close(_growth_sample(group, 2024), mean, var)


def test_a_nominal_output_growth_row_has_no_deflator_and_no_link():
    # 总产值 +7.0 % in January-September: ln 1.07 = x_t + e with only the unseen quarter's sd 0.015
    obs = Observation("o", "cluster_output", 2023, "growth", 7.0, months=9, real=False, rounding=0.05)
    (row,) = measurement([obs], EP, YEARS, math.log(X0)).rows
    assert row.value == pytest.approx(math.log(1.07), abs=1e-12)
    assert row.link is None
    assert row.sd == pytest.approx(math.hypot(0.015, 0.0005 / math.sqrt(3) / 1.07), rel=1e-12)


def test_a_city_growth_row_is_related_evidence_weaker_by_the_gap_and_its_uncertainty(tmp_path):
    # the city's 增加值 -1.9 %: x_2023 - δ = ln 0.981 + 0.03 + e; δ ~ N(0.04, 0.018²), e's own sd 0.018,
    # the link 0.05: as one observation of x_2023, y = ln 0.981 + 0.03 + 0.04 with variance 0.05² + 2 · 0.018²
    evidence = _evidence(tmp_path, {"measure": "city_value_added", "year": 2023, "kind": "growth", "value": -1.9,
                                    "unit": "%", "price_basis": "real", "published": "2024-01"})
    _, group = _paths(evidence)
    y = math.log(0.981) + 0.03 + 0.04
    mean, var = _conjugate(math.log(1.06), 0.075 ** 2, y, 0.05 ** 2 + 2 * 0.018 ** 2)
    assert (mean, var) == pytest.approx((0.0534911, 0.00201841), abs=1e-7)
    _close(_growth_sample(group, 2023), mean, var)
    assert group.years_evidence.set_index("year").loc[2023, "related"] == "row_0"


def test_two_rows_of_one_year_share_the_link_error(tmp_path):
    # the cluster's own January-August +8.5 % and the city's full year +4.0 %, both real, of 2025: errors
    # e_d = -e + u (var 0.05² + 0.02²) and e_c = -e - (δ - 0.04) - η (var 0.05² + 2 · 0.018²), cov 0.05²
    evidence = _evidence(tmp_path,
                         {"measure": "cluster_value_added", "year": 2025, "period": "YTD_M08", "kind": "growth",
                          "value": 8.5, "unit": "%", "price_basis": "real", "published": "2025-09"},
                         {"measure": "city_value_added", "year": 2025, "kind": "growth", "value": 4.0, "unit": "%",
                          "price_basis": "real", "published": "2026-02"})
    _, group = _paths(evidence)
    y = np.array([math.log(1.085) + 0.03, math.log(1.04) + 0.03 + 0.04])
    cov = np.array([[0.05 ** 2 + 0.02 ** 2, 0.05 ** 2], [0.05 ** 2, 0.05 ** 2 + 2 * 0.018 ** 2]])
    precision = np.linalg.inv(cov)
    var = 1 / (1 / 0.075 ** 2 + precision.sum())
    mean = var * (math.log(1.06) / 0.075 ** 2 + (precision @ y).sum())
    assert (mean, var) == pytest.approx((0.0934813, 0.00184581), abs=1e-7)
    _close(_growth_sample(group, 2025), mean, var)
    # as two independent rows the variance would be 0.00119: the shared link is what keeps it at 0.00185
    independent = 1 / (1 / 0.075 ** 2 + 1 / cov[0, 0] + 1 / cov[1, 1])
    assert independent == pytest.approx(0.00119, abs=1e-5)


def test_a_round_level_carries_the_round_figure_sd_and_pins_nothing(tmp_path):
    # 达到5000 (round) for 2022: ln 5000 = ln X0 + x_2022 + e, e ~ N(0, 0.07²)
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2022, "kind": "level", "value": 5000,
                                    "precision": "round", "published": "2023-05"})
    _, group = _paths(evidence)
    mean, var = _conjugate(math.log(1.06), 0.075 ** 2, math.log(5000 / X0), 0.07 ** 2)
    assert (mean, var) == pytest.approx((0.0692270, 0.00261876), abs=1e-7)
    _close(_growth_sample(group, 2022), mean, var)


def test_an_exact_figure_carries_only_its_rounding():
    exact = Observation("e", "cluster_output", 2025, "level", 5312.47, exact=True, rounding=0.005)
    round_ = Observation("r", "cluster_output", 2025, "level", 5000.0, exact=False, step=1000.0, rounding=0.5)
    assert figure_sd(exact, EP) == pytest.approx(0.005 / (math.sqrt(3) * 5312.47), rel=1e-12)
    assert figure_sd(round_, EP) == EP.round_sd == 0.07


def test_the_citys_revenue_and_output_both_exact_give_a_conjugate_ratio(tmp_path):
    # ln(27691.5 / 25312.4) = ln r + u, u ~ N(0, 0.05²) (roundings ~1e-6); prior ln r ~ N(ln 1 - s²/2, s²), s² = ln(1 + 0.055²)
    evidence = _evidence(tmp_path,
                         {"measure": "city_revenue", "year": 2024, "kind": "level", "value": 27691.5,
                          "precision": "exact", "published": "2025-02"},
                         {"measure": "city_output", "year": 2024, "kind": "level", "value": 25312.4,
                          "precision": "exact", "published": "2025-02"})
    _, group = _paths(evidence, revenue_to_output_ratio_sd=0.055)
    s2 = math.log1p(0.055 ** 2)
    mean, var = _conjugate(-s2 / 2, s2, math.log(27691.5 / 25312.4), 0.05 ** 2)
    assert (mean, var) == pytest.approx((0.0484660, 0.00136784), abs=1e-6)
    _close(_state(group, LOG_RATIO), mean, var)  # ln r of every path
    levels = group.paths[2025].to_numpy() / np.exp(_state(group, LOG_RATIO))
    assert np.allclose(np.log(levels), math.log(X0) + group.theta[:, :4].sum(axis=1))  # paths are the state's


# ---------------------------------------------------------------- the update itself
def test_gaussian_posterior_of_two_correlated_rows_by_hand():
    prior_mean, prior_cov = np.array([0.1, 0.0]), np.diag([0.04, 0.01])
    H = np.array([[1.0, 0.0], [1.0, -1.0]])
    y = np.array([0.2, 0.15])
    R = np.array([[0.02, 0.01], [0.01, 0.03]])
    mean, cov = gaussian_posterior(prior_mean, prior_cov, H, y, R)
    # information form: P' = (P⁻¹ + Hᵀ R⁻¹ H)⁻¹, m' = P' (P⁻¹ m + Hᵀ R⁻¹ y)
    info = np.linalg.inv(prior_cov) + H.T @ np.linalg.inv(R) @ H
    expected_cov = np.linalg.inv(info)
    expected_mean = expected_cov @ (np.linalg.inv(prior_cov) @ prior_mean + H.T @ np.linalg.inv(R) @ y)
    assert np.allclose(mean, expected_mean, atol=1e-12) and np.allclose(cov, expected_cov, atol=1e-12)
    many, _ = gaussian_posterior(np.vstack([prior_mean, prior_mean + 0.1]), prior_cov, H, y, R)
    assert np.allclose(many[0], expected_mean, atol=1e-12)  # a batch of prior means, one update


def test_rows_of_one_link_year_share_its_variance_in_r():
    rows = [GaussianRow(("a",), Linear(((2022, 1.0),)), 0.1, 0.02, link=2022),
            GaussianRow(("b",), Linear(((2022, 1.0), (GAP, -1.0))), 0.05, 0.018, link=2022),
            GaussianRow(("c",), Linear(((2023, 1.0),)), 0.1, 0.03, link=2023),
            GaussianRow(("d",), Linear(((LOG_RATIO, 1.0),)), 0.0, 0.05)]
    R = error_covariance(rows, 0.05)
    expected = np.array([[0.02 ** 2 + 0.0025, 0.0025, 0, 0], [0.0025, 0.018 ** 2 + 0.0025, 0, 0],
                         [0, 0, 0.03 ** 2 + 0.0025, 0], [0, 0, 0, 0.05 ** 2]])
    assert np.allclose(R, expected, atol=1e-15)
    H, y, _ = row_matrices(rows, [2022, 2023, LOG_RATIO, GAP], 0.05)
    assert H.tolist() == [[1, 0, 0, 0], [1, 0, 0, -1], [0, 1, 0, 0], [0, 0, 1, 0]]


def test_psd_square_root_of_a_singular_covariance():
    cov = np.array([[4.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])   # rank 1: the 2nd is half the 1st
    L = psd_sqrt(cov)
    assert np.allclose(L @ L.T, cov, atol=1e-12)
    assert np.allclose(psd_sqrt(np.diag([0.0036, 0.0025])), np.diag([0.06, 0.05]))


def test_the_weighting_path_gives_the_same_posterior_as_the_update():
    # the fitted engine weighs its paths by the rows; on Gaussian draws that is the conjugate answer
    rows = [GaussianRow(("a",), Linear(((2022, 1.0),)), 0.12, 0.02, link=2022),
            GaussianRow(("b",), Linear(((2022, 1.0), (GAP, -1.0))), 0.06, 0.018, link=2022)]
    layout = [2022, GAP]
    prior_mean, prior_sd = np.array([0.06, 0.04]), np.array([0.075, 0.018])
    H, y, R = row_matrices(rows, layout, 0.05)
    mean, cov = gaussian_posterior(prior_mean, np.diag(prior_sd ** 2), H, y, R)
    theta = prior_mean + np.random.default_rng(7).standard_normal((200_000, 2)) * prior_sd
    w, ess = normalise(gaussian_log_likelihood(rows, theta @ H.T, 0.05))
    weighted = w @ theta
    assert np.allclose(weighted, mean, atol=4 * math.sqrt(cov[0, 0] / ess))
    assert (w @ (theta[:, 0] - weighted[0]) ** 2) == pytest.approx(cov[0, 0], rel=4 * math.sqrt(2 / ess))


def test_gaussian_log_likelihood_is_the_quadratic_form_by_hand():
    rows = [GaussianRow(("a",), Linear(((2022, 1.0),)), 1.0, 1.0, link=2022),
            GaussianRow(("b",), Linear(((2022, 1.0),)), 0.0, 1.0, link=2022)]
    # R = [[2, 1], [1, 2]] with link sd 1; residual (1, 0) -> ½ · (2/3) = 1/3
    assert gaussian_log_likelihood(rows, np.array([[0.0, 0.0]]), 1.0)[0] == pytest.approx(-1 / 3, abs=1e-12)


# ---------------------------------------------------------------- bounds: exact ratios
def test_a_hard_lower_bound_at_the_deadline_gives_the_truncated_probability(tmp_path):
    # P(met | X_2025 >= L) = P(X >= max(K/r, L)) / P(X >= L), ln X ~ N(ln X0 + 4 ln 1.06, 4 · 0.075²)
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "published": "2025-12"})
    _, row, _ = _assess(evidence, revenue_to_output_ratio=0.9)
    mean, sd = math.log(X0) + 4 * math.log(1.06), 0.075 * 2
    tail = lambda level: norm.sf((math.log(level) - mean) / sd)  # noqa: E731
    exact = tail(max(K / 0.9, 5000)) / tail(5000)
    assert exact == pytest.approx(0.5021, abs=1e-4)
    assert abs(row["p_met"] - exact) <= 4 * math.sqrt(exact * (1 - exact) / row["ess"])


def test_the_round_reading_caps_a_round_lower_bound_at_the_next_round_figure(tmp_path):
    # 突破5000 read as 5000 <= X < 6000: P(met) = P(K/r <= X < 6000) / P(5000 <= X < 6000)
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "precision": "round", "published": "2025-12"})
    _, row, result = _assess(evidence, revenue_to_output_ratio=0.95, **{"evidence": {"reading": "round"}})
    mean, sd = math.log(X0) + 4 * math.log(1.06), 0.075 * 2
    cdf = lambda level: norm.cdf((math.log(level) - mean) / sd)  # noqa: E731
    exact = (cdf(6000) - cdf(K / 0.95)) / (cdf(6000) - cdf(5000))
    assert exact == pytest.approx(0.3387, abs=1e-4)
    assert abs(row["p_met"] - exact) <= 4 * math.sqrt(exact * (1 - exact) / row["ess"])
    assert result.evidence[TARGET]["round_capped"] == ["row_0"]


def test_an_exact_bound_is_not_capped_by_the_round_reading():
    obs = Observation("b", "cluster_output", 2025, "at_least", 5312.0, exact=True, step=1.0, rounding=0.5)
    (bound,) = measurement([obs], EvidenceParams(reading="round"), YEARS, math.log(X0)).bounds
    assert (bound.lo, bound.hi) == (math.log(5312.0), math.inf)


def test_the_round_reading_applies_to_the_citys_output_bound_too():
    revenue = Observation("rev", "city_revenue", 2024, "level", 27691.5, exact=True, rounding=0.05)
    output = Observation("out", "city_output", 2024, "at_least", 25000.0, step=1000.0, rounding=0.5)
    plain = measurement([revenue, output], EP, YEARS, math.log(X0))
    rounded = measurement([revenue, output], EvidenceParams(reading="round"), YEARS, math.log(X0))
    (p,), (r,) = plain.bounds, rounded.bounds
    assert (p.lo, p.hi) == (-math.inf, pytest.approx(math.log(27691.5 / 25000)))
    assert (r.lo, r.hi) == (pytest.approx(math.log(27691.5 / 26000)), pytest.approx(math.log(27691.5 / 25000)))
    assert r.sd == pytest.approx(0.05, abs=1e-6)       # the city's ratio is the cluster's up to city_ratio_sd
    assert rounded.round_capped == ["out"] and plain.round_capped == []
    # what the plain reading leaves open: the city's output at 2.6万亿 or more, i.e. its ratio at most 1.065
    (milestone,) = [b for _, b, _ in plain.milestones]
    assert milestone.hi == pytest.approx(math.log(27691.5 / 26000))


def test_a_soft_upper_bound_weighs_by_the_normal_cdf():
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), -math.inf, 0.1, 0.05)
    q = np.array([0.0, 0.1, 0.2])
    assert np.allclose(bound_log_likelihood(bound, q), norm.logcdf([2.0, 0.0, -2.0]), atol=1e-12)


def test_a_soft_interval_weighs_by_the_normal_probability_between_its_ends():
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 0.06, 0.1, 0.05)
    q = np.array([-0.1, 0.0, 0.08, 0.3])
    exact = np.log(norm.cdf((0.1 - q) / 0.05) - norm.cdf((0.06 - q) / 0.05))
    assert np.allclose(bound_log_likelihood(bound, q), exact, rtol=1e-9)


def test_a_soft_city_bound_gives_the_truncated_normal_posterior_of_the_ratio(tmp_path):
    # ln r ~ N(μ, s²); ln r + u <= b with u ~ N(0, 0.05²): E[ln r | ...] = μ - s²/√(s² + 0.05²) · φ(α)/Φ(α)
    evidence = _evidence(tmp_path,
                         {"measure": "city_revenue", "year": 2024, "kind": "level", "value": 27691.5,
                          "precision": "exact", "published": "2025-02"},
                         {"measure": "city_output", "year": 2024, "kind": "at_least", "value": 25000,
                          "precision": "round", "published": "2025-02"})
    _, group = _paths(evidence, revenue_to_output_ratio_sd=0.055, revenue_to_output_ratio=1.1)
    s2 = math.log1p((0.055 / 1.1) ** 2)
    mu, b = math.log(1.1) - s2 / 2, math.log(27691.5 / 25000)
    scale = math.sqrt(s2 + 0.05 ** 2)
    alpha = (b - mu) / scale
    exact = mu - s2 / scale * norm.pdf(alpha) / norm.cdf(alpha)
    weighted = group.weights @ _state(group, LOG_RATIO)
    assert abs(weighted - exact) <= 4 * math.sqrt(s2 / group.ess), (weighted, exact)
    assert exact == pytest.approx(0.0684, abs=1e-4)


# ---------------------------------------------------------------- an exact figure decides its target
@pytest.mark.parametrize("value, expected", [(5300, 0.0), (5500, 1.0)])
@pytest.mark.parametrize("scenario", ["base", "optimistic", "pessimistic", "shock"])
def test_an_exact_revenue_figure_of_the_deadline_decides_the_target_in_every_scenario(tmp_path, scenario, value,
                                                                                      expected):
    shipped = load_evidence(SHIPPED / "data" / "raw" / "evidence.csv", PLAN, today=None)
    exact = _evidence(tmp_path, {"measure": "cluster_revenue", "year": 2025, "kind": "level", "value": value,
                                 "precision": "exact", "published": "2026-03"})
    import pandas as pd

    evidence = pd.concat([shipped, exact], ignore_index=True)
    params = resolve_scenario(SHIPPED / "params.yaml", scenario, {"as_of": "2026-11", "n_sims": 4000})
    summary = assess_inputs(params, {**load_inputs(SHIPPED), "evidence": evidence}).summary.set_index("target_id")
    assert summary.loc[TARGET, "p_met"] == expected
    assert summary.loc[TARGET, "median"] == pytest.approx(value, rel=1e-4)


def test_an_exact_output_of_the_deadline_leaves_only_the_ratio(tmp_path):
    # 总产值 2025 exactly 5300: revenue = 5300 r, P(met) = P(r >= 5400/5300) with ln r ~ N(μ, s²)
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "level", "value": 5300,
                                    "precision": "exact", "published": "2026-03"})
    params, row, _ = _assess(evidence, revenue_to_output_ratio_sd=0.055)
    s2 = math.log1p(0.055 ** 2)
    exact = norm.sf((math.log(K / 5300) + s2 / 2) / math.sqrt(s2))
    assert exact == pytest.approx(0.3566, abs=1e-4)
    assert abs(row["p_met"] - exact) <= 4 * math.sqrt(exact * (1 - exact) / N)


# ---------------------------------------------------------------- effective sample and errors
def test_evidence_published_after_the_as_of_month_is_not_used(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "published": "2025-12"})
    _, before, _ = _assess(evidence, as_of="2025-11")
    _, plan, _ = _assess(None)
    assert before["evidence_used"] == [] and before["p_met"] == plan["p_met"]


def test_evidence_no_path_can_satisfy_is_one_clear_error(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 13000,
                                    "published": "2025-12"})
    with pytest.raises(ParamsError, match="no simulated path is consistent with the evidence \\(row_0\\)"):
        _assess(evidence)


def test_evidence_no_path_can_satisfy_names_every_row_and_the_way_out(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 13000,
                                    "published": "2025-12"},
                         {"measure": "cluster_output", "year": 2025, "kind": "at_most", "value": 14000,
                          "published": "2025-12"})
    message = ("no simulated path is consistent with the evidence (row_0, row_1): check those rows in "
               "data/raw/evidence.csv, or soften the bounds with -p evidence.bound_sd=0.02")
    with pytest.raises(ParamsError) as error:
        _assess(evidence)
    assert str(error.value) == message


def test_a_round_lower_bound_says_how_likely_its_next_round_figure_is(tmp_path):
    # 突破5000 (round) under the plain reading: P(X_2025 >= 6000 | X_2025 >= 5000) = tail(6000) / tail(5000),
    # ln X_2025 ~ N(ln X0 + 4 ln 1.06, 4 · 0.075²) (the 6000 = K / 0.9 of the hard lower bound above)
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                                    "precision": "round", "published": "2025-12"})
    _, group = _paths(evidence)
    mean, sd = math.log(X0) + 4 * math.log(1.06), 0.075 * 2
    tail = lambda level: norm.sf((math.log(level) - mean) / sd)  # noqa: E731
    exact = tail(6000) / tail(5000)
    assert exact == pytest.approx(0.5021, abs=1e-4)
    assert abs(group.next_milestone["row_0"] - exact) <= 4 * math.sqrt(exact * (1 - exact) / group.ess)


def test_a_low_effective_sample_draws_more_paths_and_says_so(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 7000,
                                    "published": "2025-12"})
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 2000, "as_of": "2026-11",
                                                             "evidence": {"min_ess": 500}})
    result = assess_inputs(params, {**load_inputs(SHIPPED), "evidence": evidence})
    assert result.simulation.n_sims > 2000 and "paths were drawn instead" in result.simulation.note
    assert result.evidence[TARGET]["ess"] >= 500


def test_an_effective_sample_below_the_floor_at_max_sims_is_an_error(tmp_path):
    evidence = _evidence(tmp_path, {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 7000,
                                    "published": "2025-12"})
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 2000, "as_of": "2026-11",
                                                             "evidence": {"min_ess": 1000, "max_sims": 4000}})
    with pytest.raises(ParamsError, match="below the floor evidence.min_ess = 1,000 even at evidence.max_sims"):
        assess_inputs(params, {**load_inputs(SHIPPED), "evidence": evidence})


def test_weighted_stats_and_resampling_follow_the_weights():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights, ess = normalise(np.log(np.array([0.1, 0.2, 0.3, 0.4])))
    assert ess == pytest.approx(1 / (0.01 + 0.04 + 0.09 + 0.16))
    stats = weighted_stats(values, weights, 3.0)
    assert stats["p_met"] == pytest.approx(0.7) and stats["median"] == 3.0 and stats["q10"] == 1.0
    # se = √(Σ w² (1{met} − p)²) = √(0.01·0.49 + 0.04·0.49 + 0.09·0.09 + 0.16·0.09)
    assert stats["p_se"] == pytest.approx(math.sqrt(0.05 * 0.49 + 0.25 * 0.09), abs=1e-12)
    assert np.bincount(resample(weights, 10), minlength=4).tolist() == [1, 2, 3, 4]


def test_prior_moments_are_the_scenarios_assumptions():
    params = _params(revenue_to_output_ratio_sd=0.055, **{"growth_overrides": {2023: -0.05}})
    mean, sd = prior_moments(params, YEARS, True)
    s2 = math.log1p(0.055 ** 2)
    assert mean.tolist() == pytest.approx([math.log(1.06), math.log(0.95), math.log(1.06), math.log(1.06),
                                           -s2 / 2, 0.04])
    assert sd.tolist() == pytest.approx([0.075] * 4 + [math.sqrt(s2), 0.018])
    assert state_layout(YEARS, True) == [*YEARS, LOG_RATIO, GAP]


# Worked by hand: ln(5400/4621.25) = 0.155734, 4 ln 1.06 = 0.233076, the ratio's s² = ln(1 + (sd/1)²) and
# μ_r = -s²/2. Uncalibrated at sd 0.055: z = (0.155734 + 0.001510 - 0.233076) / √(4·0.075² + 0.0030204) = -0.47469,
# P = 0.68249. Calibrated (m3, h = 4: β = -0.7350, k = 1.4144): the mean moves by 0.075·(-0.7350)·2 = -0.110250 and
# the variance is 0.075²·1.4144²·4 + s², so at sd 0.055 z = 0.034418 / 0.219163 = 0.15704, P = 0.43760. The
# shipped workbook draws the ratio's sd per path (0.055 × log-uniform on [0.98, 2.0]): its closed form is the
# average of P over that spread (here by 400-node Gauss-Legendre on the log of the factor).
def _hand_p(sd, calibrated):
    s2 = math.log1p(sd ** 2)
    shift, var = (-0.110250, 0.075 ** 2 * 1.4144 ** 2 * 4) if calibrated else (0.0, 4 * 0.075 ** 2)
    z = (math.log(5400 / 4621.25) + s2 / 2 - 4 * math.log(1.06) - shift) / math.sqrt(var + s2)
    return 0.5 * math.erfc(z / math.sqrt(2))


def _hand_integrated(calibrated):
    nodes, weights = np.polynomial.legendre.leggauss(400)
    lo, hi = math.log(0.98), math.log(2.0)
    logs = lo + (nodes + 1) / 2 * (hi - lo)
    return float(sum(w / 2 * _hand_p(0.055 * math.exp(x), calibrated) for x, w in zip(logs, weights)))


def test_the_hand_worked_plan_time_probabilities_at_a_fixed_ratio_sd():
    assert _hand_p(0.055, False) == pytest.approx(0.68249, abs=1e-5)
    assert _hand_p(0.055, True) == pytest.approx(0.43760, abs=1e-5)


@pytest.mark.parametrize("changes, calibrated, simulated", [([], True, 0.4296), (["-p", "calibration=none"], False,
                                                                                   0.6655)])
def test_assess_as_of_the_plan_gives_the_plan_time_numbers_from_the_shell(capsys, changes, calibrated, simulated):
    import json

    from dgforecast.cli import main

    assert main(["--project", str(SHIPPED), "assess", "base", "--as-of", "2022-01", "--json", *changes]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    # the plan-time base case: 20,000 paths, no evidence, beside its closed form
    closed = _hand_integrated(calibrated)
    assert (row["target_id"], row["evidence_used"], row["ess"]) == (TARGET, [], 20000.0)
    assert row["closed_form"] == pytest.approx(closed, abs=1e-7)
    assert abs(row["p_met"] - closed) <= 3 * math.sqrt(closed * (1 - closed) / 20000)
    assert row["p_met"] == pytest.approx(simulated, abs=1e-12)


# ---------------------------------------------------------------- the rows as read, one column at a time
def test_observations_carry_every_column_of_the_evidence_table(tmp_path):
    # 10.5 (January-May, real): step one unit of its last digit 0.1, rounding half of it 0.05; 5312.47 exact:
    # 0.01 and 0.005; a round 5000: 1000 and 0.5
    evidence = _evidence(tmp_path,
                         {"measure": "cluster_value_added", "year": 2024, "period": "YTD_M05", "kind": "growth",
                          "value": 10.5, "unit": "%", "price_basis": "real", "published": "2024-06"},
                         {"measure": "cluster_output", "year": 2023, "kind": "level", "value": 5312.47,
                          "precision": "exact", "published": "2024-03"},
                         {"measure": "cluster_output", "year": 2025, "kind": "at_least", "value": 5000,
                          "precision": "round", "published": "2025-12"})
    growth, exact, bound = observations(evidence)
    assert astuple(growth)[:9] == ("row_0", "cluster_value_added", "linked_growth", 2024, "growth", 10.5, 5, True,
                                   False)
    assert astuple(exact)[:9] == ("row_1", "cluster_output", "level", 2023, "level", 5312.47, 12, False, True)
    assert astuple(bound)[:9] == ("row_2", "cluster_output", "level", 2025, "at_least", 5000.0, 12, False, False)
    assert {o.path for o in (growth, exact, bound)} == {"cluster_output"}  # the path each bears on (plan.yaml)
    assert [(o.step, o.rounding) for o in (growth, exact, bound)] == [
        (pytest.approx(0.1), pytest.approx(0.05)), (pytest.approx(0.01), pytest.approx(0.005)), (1000.0, 0.5)]


@pytest.mark.parametrize("measure", ["cluster_output", "cluster_revenue", "cluster_value_added", "city_value_added",
                                     "revenue_to_output_ratio", "city_revenue_to_output_ratio", "city_revenue",
                                     "city_output"])
def test_a_row_bears_on_the_paths_of_its_year_and_a_ratio_figure_on_every_year(measure):
    # a ratio (the cluster's, the city's, or the city's revenue and output that make one) is one number a
    # path, whatever its year; a growth or level bears only on a simulated year
    every_year = measure in ("revenue_to_output_ratio", "city_revenue_to_output_ratio", "city_revenue", "city_output")
    assert bears_on(Observation("o", measure, 2023, "level", 1.0), YEARS)
    assert bears_on(Observation("o", measure, 2030, "level", 1.0), YEARS) is every_year
    assert bears_on(Observation("o", measure, 2021, "level", 1.0), YEARS) is every_year


def test_a_key_given_twice_adds_its_coefficients():
    h = Linear(((2022, 1.0), (LOG_RATIO, 1.0), (2022, 0.5)), 3.0)
    assert h.vector([2022, 2023, LOG_RATIO]).tolist() == [1.5, 0.0, 1.0]


# ---------------------------------------------------------------- round statements, both sides
def _bound(obs, reading="plain", **ep):
    m = measurement([obs], EvidenceParams(reading=reading, **ep), YEARS, math.log(X0))
    (bound,) = m.bounds
    return bound, m


def test_the_round_reading_floors_a_round_upper_bound_at_the_round_figure_below():
    # 不超过6000 (round, step 1000): plain X <= 6000; round 5000 <= X <= 6000; past its next figure: X <= 5000
    obs = Observation("m", "cluster_output", 2025, "at_most", 6000.0, step=1000.0, rounding=0.5)
    plain, m_plain = _bound(obs)
    rounded, m_round = _bound(obs, "round")
    assert (plain.lo, plain.hi) == (-math.inf, math.log(6000))
    assert (rounded.lo, rounded.hi) == (pytest.approx(math.log(5000), abs=1e-12), math.log(6000))
    assert m_plain.round_capped == [] and m_round.round_capped == ["m"]
    for m in (m_plain, m_round):
        ((i, milestone, _),) = m.milestones
        assert i == "m" and milestone.evidence_ids == ("m",) and milestone.h == plain.h
        assert (milestone.lo, milestone.hi) == (-math.inf, pytest.approx(math.log(5000), abs=1e-12))


def test_a_round_bound_with_no_round_figure_above_zero_below_it_keeps_one_side():
    # 不超过1000 with step 1000: the figure below is 0, so no floor and no "at or past the next figure"
    obs = Observation("m", "cluster_output", 2025, "at_most", 1000.0, step=1000.0, rounding=0.5)
    bound, m = _bound(obs, "round")
    assert (bound.lo, bound.hi) == (-math.inf, math.log(1000)) and m.round_capped == [] and m.milestones == []


def test_round_ratio_bounds_step_by_their_last_digit_below_one():
    # a ratio 不超过1.0 (step 0.1): round 0.9 <= r <= 1.0, past the next figure r <= 0.9; 超过1.05 (step 0.01):
    # round 1.05 <= r <= 1.06, past the next figure r >= 1.06
    at_most = Observation("m", "revenue_to_output_ratio", 2024, "at_most", 1.0, step=0.1, rounding=0.05)
    at_least = Observation("l", "revenue_to_output_ratio", 2024, "at_least", 1.05, step=0.01, rounding=0.005)
    low, m_low = _bound(at_most, "round")
    high, m_high = _bound(at_least, "round")
    assert (low.lo, low.hi) == (pytest.approx(math.log(0.9), abs=1e-12), 0.0)
    assert (high.lo, high.hi) == (math.log(1.05), pytest.approx(math.log(1.06), abs=1e-12))
    assert low.h == high.h == Linear(((LOG_RATIO, 1.0),)) and low.sd == high.sd == 0.0
    (_, past_low, _), = m_low.milestones
    (_, past_high, _), = m_high.milestones
    assert (past_low.lo, past_low.hi) == (-math.inf, pytest.approx(math.log(0.9), abs=1e-12))
    assert (past_high.lo, past_high.hi) == (pytest.approx(math.log(1.06), abs=1e-12), math.inf)


@pytest.mark.parametrize("kind", ["at_least", "at_most"])
def test_a_bound_with_no_step_or_an_exact_one_has_no_next_round_figure(kind):
    # step 0: nothing to cap nor a next figure, under either reading; an exact figure is not a round statement
    for obs in (Observation("b", "cluster_output", 2025, kind, 5000.0, step=0.0, rounding=0.5),
                Observation("b", "cluster_output", 2025, kind, 5312.0, exact=True, step=1.0, rounding=0.5)):
        bound, m = _bound(obs, "round")
        one_side = (math.log(obs.value), math.inf) if kind == "at_least" else (-math.inf, math.log(obs.value))
        assert (bound.lo, bound.hi) == one_side and m.round_capped == [] and m.milestones == []


def test_a_bound_is_softened_by_bound_sd_and_a_city_ratio_bound_also_by_city_ratio_sd():
    # bound_sd 0.02: the cluster's 突破5000 has sd 0.02; the city's ratio 超过1.05 hypot(0.02, 0.05) = 0.053852,
    # and so do their "at or past the next round figure" (6000; 1.06)
    cluster = Observation("b", "cluster_output", 2025, "at_least", 5000.0, step=1000.0, rounding=0.5)
    city = Observation("c", "city_revenue_to_output_ratio", 2024, "at_least", 1.05, step=0.01, rounding=0.005)
    m = measurement([cluster, city], EvidenceParams(bound_sd=0.02), YEARS, math.log(X0))
    b, c = m.bounds
    assert (b.evidence_ids, b.lo, b.hi, b.sd) == (("b",), math.log(5000), math.inf, 0.02)
    assert b.h == Linear(tuple((y, 1.0) for y in YEARS), math.log(X0))
    assert (c.evidence_ids, c.lo, c.hi) == (("c",), math.log(1.05), math.inf)
    assert c.sd == pytest.approx(0.0538516, abs=1e-7)
    assert m.round_capped == []  # the plain reading caps nothing
    (i, past_b, _), (j, past_c, _) = m.milestones
    assert (i, past_b.evidence_ids, past_b.h, past_b.lo, past_b.hi, past_b.sd) == (
        "b", ("b",), b.h, pytest.approx(math.log(6000), abs=1e-12), math.inf, 0.02)
    assert (j, past_c.evidence_ids, past_c.lo) == ("c", ("c",), pytest.approx(math.log(1.06), abs=1e-12))
    assert past_c.sd == pytest.approx(0.0538516, abs=1e-7)


# ---------------------------------------------------------------- growth rows: each sd by hand
def test_a_year_to_date_city_growth_row_adds_the_unseen_months_to_the_gap_sd():
    # the city's 增加值 +3.0 % real in January-June: x_2024 - δ = ln 1.03 + 0.03 + e, own sd
    # hypot(city_gap_sd 0.018, 0.06 · 6/12 = 0.03) = √0.001224 = 0.0349857, and the year's link
    obs = Observation("c", "city_value_added", 2024, "growth", 3.0, months=6, real=True, rounding=0.05)
    (row,) = measurement([obs], EP, YEARS, math.log(X0)).rows
    assert row.sd == pytest.approx(0.0349857, abs=1e-7)
    assert (row.evidence_ids, row.h, row.link) == (("c",), Linear(((2024, 1.0), (GAP, -1.0))), 2024)
    assert row.value == pytest.approx(math.log(1.03) + 0.03, abs=1e-12)


def test_revenue_growth_carries_the_link_sd_of_a_ratio_that_moves():
    # 营业收入 +8.0 % for 2025: ln 1.08 = x_2025 + e, sd hypot(rounding 0.0005 / √3 / 1.08 = 0.000267292, 0.05)
    # = 0.0500007, no link year; the same figure of output growth has only the rounding's 0.000267
    revenue = Observation("r", "cluster_revenue", 2025, "growth", 8.0, rounding=0.05)
    output = Observation("o", "cluster_output", 2025, "growth", 8.0, rounding=0.05)
    r_row, o_row = measurement([revenue, output], EP, YEARS, math.log(X0)).rows
    assert r_row.sd == pytest.approx(math.hypot(0.0005 / math.sqrt(3) / 1.08, 0.05), rel=1e-12)
    assert r_row.sd == pytest.approx(0.0500007, abs=1e-7)
    assert o_row.sd == pytest.approx(0.000267292, abs=1e-9)
    for row, i in ((r_row, "r"), (o_row, "o")):
        assert (row.evidence_ids, row.h, row.link) == ((i,), Linear(((2025, 1.0),)), None)
        assert row.value == pytest.approx(math.log(1.08), abs=1e-12)


# ---------------------------------------------------------------- levels and the city's pairs
def test_the_exact_flag_marks_the_rows_the_fitted_engine_imposes():
    # an exact level of the cluster is imposed; a round one and the city's ratio (city_ratio_sd from the
    # cluster's) are not: sd hypot(0.0005 / (√3 · 1.094), 0.05) = 0.0500001
    exact = Observation("e", "cluster_output", 2023, "level", 5312.47, exact=True, rounding=0.005)
    ratio = Observation("r", "revenue_to_output_ratio", 2023, "level", 1.094, exact=True, rounding=0.0005)
    round_ = Observation("f", "cluster_output", 2024, "level", 5000.0, step=1000.0, rounding=0.5)
    city = Observation("c", "city_revenue_to_output_ratio", 2023, "level", 1.094, exact=True, rounding=0.0005)
    rows = measurement([exact, ratio, round_, city], EP, YEARS, math.log(X0)).rows
    assert [row.exact for row in rows] == [True, True, False, False]
    assert all(type(row.exact) is bool for row in rows)
    assert rows[1].sd == pytest.approx(0.0005 / (math.sqrt(3) * 1.094), rel=1e-12)
    assert rows[3].sd == pytest.approx(math.hypot(0.0005 / (math.sqrt(3) * 1.094), 0.05), rel=1e-12)
    assert rows[3].h == Linear(((LOG_RATIO, 1.0),)) and rows[3].value == math.log(1.094)


def test_a_row_about_a_year_the_paths_do_not_cover_is_skipped_and_the_next_one_used():
    late = Observation("late", "cluster_output", 2030, "level", 9000.0, exact=True, rounding=0.5)
    used = Observation("used", "cluster_output", 2023, "level", 5312.47, exact=True, rounding=0.005)
    m = measurement([late, used], EP, YEARS, math.log(X0))
    assert [row.evidence_ids for row in m.rows] == [("used",)] and m.evidence_ids == ("used",)


def test_the_citys_revenue_and_output_pair_within_one_year():
    # 2023 has only the revenue, 2024 both: one ratio row, ln(27691.5 / 25312.4), from 2024's pair
    figures = [Observation("rev23", "city_revenue", 2023, "level", 26000.5, exact=True, rounding=0.05),
               Observation("out24", "city_output", 2024, "level", 25312.4, exact=True, rounding=0.05),
               Observation("rev24", "city_revenue", 2024, "level", 27691.5, exact=True, rounding=0.05)]
    (row,) = measurement(figures, EP, YEARS, math.log(X0)).rows
    assert row.evidence_ids == ("rev24", "out24")
    assert row.value == pytest.approx(math.log(27691.5 / 25312.4), abs=1e-12)


def test_a_city_pair_with_a_round_level_carries_its_round_sd():
    # 达到3万亿 of revenue (round) with an exact output: ln(30000 / 25312.4) = ln r + u with sd
    # hypot(city_ratio_sd 0.05, round_sd 0.07, 0.05 / (√3 · 25312.4)) = 0.0860233; the mirror image alike
    revenue = Observation("rev", "city_revenue", 2024, "level", 30000.0, step=10000.0, rounding=0.5)
    output = Observation("out", "city_output", 2024, "level", 25312.4, exact=True, rounding=0.05)
    (row,) = measurement([revenue, output], EP, YEARS, math.log(X0)).rows
    assert row.sd == pytest.approx(0.0860233, abs=1e-7)
    assert row.value == pytest.approx(math.log(30000 / 25312.4), abs=1e-12)
    revenue = Observation("rev", "city_revenue", 2024, "level", 27691.5, exact=True, rounding=0.05)
    output = Observation("out", "city_output", 2024, "level", 25000.0, step=1000.0, rounding=0.5)
    (row,) = measurement([revenue, output], EP, YEARS, math.log(X0)).rows
    assert row.sd == pytest.approx(0.0860233, abs=1e-7) and row.evidence_ids == ("rev", "out")


def test_a_soft_city_output_bound_is_softened_twice_and_its_next_figure_too():
    # 突破2.5万亿 of output beside an exact revenue, bound_sd 0.02: ln r <= ln(27691.5 / 25000) with sd
    # hypot(0.05, 0.05 / (√3 · 27691.5), 0.02) = 0.0538516; the output at 2.6万亿 or more:
    # ln r <= ln(27691.5 / 26000)
    revenue = Observation("rev", "city_revenue", 2024, "level", 27691.5, exact=True, rounding=0.05)
    output = Observation("out", "city_output", 2024, "at_least", 25000.0, step=1000.0, rounding=0.5)
    m = measurement([revenue, output], EvidenceParams(bound_sd=0.02), YEARS, math.log(X0))
    (bound,) = m.bounds
    assert bound.sd == pytest.approx(0.0538516, abs=1e-7) and bound.evidence_ids == ("rev", "out")
    ((i, milestone, _),) = m.milestones
    assert (i, milestone.evidence_ids, milestone.h) == ("out", ("rev", "out"), Linear(((LOG_RATIO, 1.0),)))
    assert (milestone.lo, milestone.hi) == (-math.inf, pytest.approx(math.log(27691.5 / 26000), abs=1e-12))
    assert milestone.sd == pytest.approx(0.0538516, abs=1e-7)


def test_the_round_reading_floors_the_citys_output_upper_bound_too():
    # 不超过2.6万亿 of output (round) beside an exact revenue R: round 25000 <= out <= 26000, so
    # ln(R / 26000) <= ln r <= ln(R / 25000); past the next figure (out <= 25000): ln r >= ln(R / 25000)
    revenue = Observation("rev", "city_revenue", 2024, "level", 27691.5, exact=True, rounding=0.05)
    output = Observation("out", "city_output", 2024, "at_most", 26000.0, step=1000.0, rounding=0.5)
    m = measurement([revenue, output], EvidenceParams(reading="round"), YEARS, math.log(X0))
    (bound,) = m.bounds
    assert m.round_capped == ["out"]
    assert (bound.lo, bound.hi) == (pytest.approx(math.log(27691.5 / 26000), abs=1e-12),
                                    pytest.approx(math.log(27691.5 / 25000), abs=1e-12))
    ((_, milestone, _),) = m.milestones
    assert (milestone.lo, milestone.hi) == (pytest.approx(math.log(27691.5 / 25000), abs=1e-12), math.inf)


# ---------------------------------------------------------------- the matrices at their edges
def test_no_rows_leave_the_prior_as_float_arrays():
    mean, cov = gaussian_posterior(np.array([1, 2]), np.array([[4, 0], [0, 9]]), np.zeros((0, 2)), np.zeros(0),
                                   np.zeros((0, 0)))
    assert mean.dtype == cov.dtype == np.float64
    assert mean.tolist() == [1.0, 2.0] and cov.tolist() == [[4.0, 0.0], [0.0, 9.0]]


def test_row_matrices_give_a_float_y_for_integer_figures():
    rows = [GaussianRow(("a",), Linear(((2022, 1),), 1), 3, 1), GaussianRow(("b",), Linear(((2023, 1),), 0), 2, 1)]
    H, y, R = row_matrices(rows, [2022, 2023], 0.05)
    assert y.dtype == np.float64 and y.tolist() == [2.0, 2.0]
    assert H.tolist() == [[1.0, 0.0], [0.0, 1.0]] and R.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_psd_square_root_of_tiny_variances_is_their_sds():
    # variances of 1e-16 and 4e-16 are not round-off: the floor is 1e-13 of the largest variance
    assert np.allclose(psd_sqrt(np.diag([1e-16, 4e-16])), np.diag([1e-8, 2e-8]), rtol=1e-12, atol=0)


def test_psd_square_root_goes_on_after_a_zero_pivot():
    # a pinned first component, then [[0.04, 0.01], [0.01, 0.0125]]: L = [[0.2, 0], [0.05, 0.1]]
    cov = np.array([[0.0, 0.0, 0.0], [0.0, 0.04, 0.01], [0.0, 0.01, 0.0125]])
    assert np.allclose(psd_sqrt(cov), [[0, 0, 0], [0, 0.2, 0], [0, 0.05, 0.1]], atol=1e-15)


def test_psd_square_root_drops_a_pivot_at_the_round_off_floor():
    # at 1e-13 of the largest variance the pivot is round-off: a zero column; at twice that it is kept
    assert psd_sqrt(np.diag([1.0, 1e-13])).tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert psd_sqrt(np.diag([1.0, 2e-13]))[1, 1] == pytest.approx(math.sqrt(2e-13), rel=1e-12)


# ---------------------------------------------------------------- bound likelihoods at their edges
def test_a_hard_bound_holds_its_edges_inside():
    bound = Bound(("b",), Linear(((2025, 1.0),)), math.log(5000), math.log(6000), 0.0)
    q = [math.log(5000), math.log(6000), math.log(5500), math.log(4999), math.log(6001)]
    assert bound_log_likelihood(bound, q).tolist() == [0.0, 0.0, 0.0, -math.inf, -math.inf]


def test_a_soft_lower_bound_weighs_by_the_normal_cdf():
    # q + u >= 0.06, u ~ N(0, 0.05²): log Φ((q - 0.06) / 0.05) at -1, 0, 2
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 0.06, math.inf, 0.05)
    expected = [math.log(0.5 * math.erfc(z / -math.sqrt(2))) for z in (-1.0, 0.0, 2.0)]
    assert np.allclose(bound_log_likelihood(bound, np.array([0.01, 0.06, 0.16])), expected, rtol=1e-12, atol=0)


def test_a_soft_interval_far_in_a_tail_is_taken_from_the_side_that_does_not_cancel():
    # 0.5 <= q + u <= 0.55, sd 0.05, at q = 0 (both ends 10 and 11 sds above) and q = 1.05 (both below):
    # Φ(11) − Φ(10) is 1 − 1 = 0 in floats; the tail Φ(−10) − Φ(−11) = (erfc(10/√2) − erfc(11/√2)) / 2
    # is not
    bound = Bound(("b",), Linear(((LOG_RATIO, 1.0),)), 0.5, 0.55, 0.05)
    exact = math.log((math.erfc(10 / math.sqrt(2)) - math.erfc(11 / math.sqrt(2))) / 2)
    assert exact == pytest.approx(-53.2313, abs=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the side not taken is log(0): no warning for it
        got = bound_log_likelihood(bound, np.array([0.0, 1.05]))
    assert np.allclose(got, [exact, exact], rtol=1e-9, atol=0)


def test_no_gaussian_rows_weigh_every_path_alike():
    assert gaussian_log_likelihood([], np.zeros((3, 0)), 0.05).tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------- normalised weights along any axis
def test_normalise_weighs_each_row_of_a_batch_on_its_own():
    # rows of weights 1 : 3, one at log scale 0 and one at 800 (exp(800) overflows): 1/4, 3/4 each, ess
    # 1 / (1/16 + 9/16) = 1.6; the same along axis 0 (named 0 or -2) of the transposed array
    log_w = np.log(np.array([[1.0, 3.0], [1.0, 3.0]])) + np.array([[0.0], [800.0]])
    w, ess = normalise(log_w, axis=1)
    assert np.allclose(w, [[0.25, 0.75], [0.25, 0.75]], rtol=1e-12) and np.allclose(ess, [1.6, 1.6], rtol=1e-12)
    for axis in (0, -2):
        w, ess = normalise(log_w.T, axis=axis)
        assert np.allclose(w, [[0.25, 0.25], [0.75, 0.75]], rtol=1e-12)
        assert np.allclose(ess, [1.6, 1.6], rtol=1e-12) and ess.shape == (2,)


def test_normalise_along_a_middle_axis():
    # shape (2, 2, 2) along axis 1: pairs (1, 3) -> ess 1.6 and (2, 2) or (1, 1) -> ess 2
    weights = np.array([[[1.0, 2.0], [3.0, 2.0]], [[1.0, 1.0], [1.0, 3.0]]])
    w, ess = normalise(np.log(weights), axis=1)
    assert np.allclose(ess, [[1.6, 2.0], [2.0, 1.6]], rtol=1e-12)
    assert np.allclose(w[0, :, 0], [0.25, 0.75], rtol=1e-12) and np.allclose(w[1, :, 1], [0.25, 0.75], rtol=1e-12)


def test_normalise_keeps_a_single_rows_axis():
    w, ess = normalise(np.log(np.array([[1.0, 1.0, 2.0]])), axis=1)
    assert w.shape == (1, 3) and ess.shape == (1,)
    assert np.allclose(w, [[0.25, 0.25, 0.5]], rtol=1e-12) and ess[0] == pytest.approx(1 / 0.375, rel=1e-12)
    # shape (2, 1, 3): the ess of each row keeps the (2, 1) around it; rows 1 : 1 : 2 and 1 : 1 : 1
    w, ess = normalise(np.log(np.array([[[1.0, 1.0, 2.0]], [[1.0, 1.0, 1.0]]])))
    assert ess.shape == (2, 1) and np.allclose(ess, [[1 / 0.375], [3.0]], rtol=1e-12)


def test_one_path_with_all_the_weight_is_an_effective_sample_of_one():
    w, ess = normalise(np.array([-math.inf, 0.0, -math.inf]))
    assert w.tolist() == [0.0, 1.0, 0.0] and ess == 1.0


def test_a_row_no_path_survives_has_no_weights_and_says_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 0 / 0 is the expected NaN, not a warning to the user
        w, ess = normalise(np.array([[-math.inf, -math.inf], [0.0, 0.0]]))
    assert np.isnan(w[0]).all() and w[1].tolist() == [0.5, 0.5] and ess.tolist() == [0.0, 2.0]


# ---------------------------------------------------------------- P(met), quantiles, resampling
def test_a_strict_target_does_not_count_the_paths_at_its_threshold():
    # "> 3": only the 4 counts, p = 0.4; se = √(0.16 · (0.01 + 0.04 + 0.09) + 0.36 · 0.16) = √0.08
    values, weights = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.1, 0.2, 0.3, 0.4])
    strict = weighted_stats(values, weights, 3.0, ">")
    assert strict["p_met"] == pytest.approx(0.4, abs=1e-12)
    assert strict["p_se"] == pytest.approx(math.sqrt(0.08), abs=1e-12)
    assert weighted_stats(values, weights, 3.0, ">=")["p_met"] == pytest.approx(0.7, abs=1e-12)


def test_a_path_with_all_the_weight_is_every_quantile():
    stats = weighted_stats(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0]), 2.5)
    assert (stats["q10"], stats["median"], stats["q90"], stats["p_met"]) == (3.0, 3.0, 3.0, 1.0)
    # weights 0.1 0.2 0.3 0.4: the cumulative 0.1 0.3 0.6 1.0 passes 0.9 at the last value
    assert weighted_stats(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.1, 0.2, 0.3, 0.4]), 3.0)["q90"] == 4.0


def test_resampling_takes_weights_that_do_not_sum_to_one():
    # 1 : 2 : 3 : 4 as they are: ten paths split 1, 2, 3, 4, as for the normalised weights
    assert np.bincount(resample(np.array([1.0, 2.0, 3.0, 4.0]), 10), minlength=4).tolist() == [1, 2, 3, 4]

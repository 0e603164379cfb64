"""Link spreads drawn per path, held to exact answers: quadrature over the spread, closed forms, exact parts.

Each test computes the answer a statistician would write down — a one-dimensional integral over the
spread, weighted by the marginal likelihood of the figures, or a closed form — and holds the
simulation to it within its Monte Carlo error, tightly enough that ignoring the weights, a wrong
variance or a flipped sign fails.
"""

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import ndtr
from scipy.stats import chi2, norm

from dgforecast.engine import condition
from dgforecast.engine.condition import LOG_RATIO, NOMINAL, measurement
from dgforecast.engine.integrated import path_spreads
from dgforecast.engine.links import draw_scales, variance_parts, with_values
from dgforecast.engine.posterior import gaussian_posterior, marginal_log_likelihood, psd_sqrt
from dgforecast.engine.simulate import simulate_targets
from dgforecast.engine.weights import bound_log_likelihood
from dgforecast.plan.evidence import COLUMNS, load_evidence
from dgforecast.plan.link_schema import LinkSpec
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.targets import level_targets
from dgforecast.run.pipeline import load_inputs
from tests.conftest import PLAN, SHIPPED

X0, K = 4621.25, 5400.0
MU, SIGMA = math.log1p(0.06), 0.075
N = 40_000


def _evidence(tmp_path, *rows):
    defaults = {"unit": "亿元", "price_basis": "", "period": "year", "reliability": "official", "precision": "",
                "source_url": "https://example.org/test", "source_phrase": "test", "note": "test fixture"}
    lines = [",".join(COLUMNS)]
    for i, row in enumerate(rows):
        full = {"evidence_id": f"row_{i}", **defaults, **row}
        lines.append(",".join(str(full[c]) for c in COLUMNS))
    path = tmp_path / "evidence.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_evidence(path, PLAN, today=None)


def _group(evidence, links, **overrides):
    """The shipped revenue target's paths under ``evidence``, with ``links`` as link_uncertainty."""
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {
        "revenue_to_output_ratio_sd": 0.0, "n_sims": N, "as_of": "2026-11", "growth": 0.06, "volatility": SIGMA,
        "calibration": "none", **overrides})
    params = params.model_copy(update={"link_uncertainty": {k: LinkSpec(**v) for k, v in links.items()},
                                       "sensitivity": {}})
    inputs = load_inputs(SHIPPED)
    group = simulate_targets(level_targets(inputs["targets"], inputs["baselines"]), params, None, evidence).groups[0]
    return params, group


def _p_met(group):
    values = group.deadline_values[2025]
    w = group.weights if group.weights is not None else np.full(len(values), 1 / len(values))
    p = float(np.sum(w[values >= K]))
    return p, float(np.sqrt(np.sum(w ** 2 * ((values >= K) - p) ** 2)))


# ---------------------------------------------------------------- one growth row, its link sd uncertain
def _one_row_exact(y, s, df, weighted=True):
    """P(Σ x ≥ ln(K/X0)) when x_2022 is seen once as y with error sd σ_L, σ_L² = df·s²/χ²_df, integrated.

    Given σ_L the posterior of x_2022 is conjugate; the σ_L draws are weighed by N(y; μ, σ² + σ_L²)
    (``weighted``) — without that weight the answer is the prior average a wrong engine would give.
    """
    need = math.log(K / X0)

    def parts(u):
        link2 = df * s ** 2 / chi2.ppf(u, df)
        post_v = 1 / (1 / SIGMA ** 2 + 1 / link2)
        post_m = post_v * (MU / SIGMA ** 2 + y / link2)
        p = ndtr((post_m + 3 * MU - need) / math.sqrt(post_v + 3 * SIGMA ** 2))
        like = norm.pdf(y, MU, math.sqrt(SIGMA ** 2 + link2)) if weighted else 1.0
        return p * like, like

    top = integrate.quad(lambda u: parts(u)[0], 0, 1, limit=200, points=[1e-6, 1e-3, 0.5])[0]
    bottom = integrate.quad(lambda u: parts(u)[1], 0, 1, limit=200, points=[1e-6, 1e-3, 0.5])[0]
    return top / bottom


def test_a_growth_row_integrated_over_its_link_sd_matches_the_quadrature(tmp_path):
    # a real 增加值 growth of 40 % in 2022 (far above the prior's 6 %): the figures favour a loose link, and
    # the weight it earns pulls P(met) 9.5 points below the prior average of the spreads
    row = {"measure": "cluster_value_added", "year": 2022, "kind": "growth", "value": 40, "unit": "%",
           "price_basis": "real", "published": "2023-01"}
    _, group = _group(_evidence(tmp_path, row), {"growth_link_sd": {"df": 3}})
    y = math.log(1.4) + 0.03
    exact, unweighted = _one_row_exact(y, 0.05, 3), _one_row_exact(y, 0.05, 3, weighted=False)
    p, se = _p_met(group)
    assert abs(p - exact) < 3.5 * se, (p, exact, se)
    assert abs(unweighted - exact) > 10 * se  # the weights matter: the prior average would fail the test above
    assert len(np.unique(group.clusters)) < 0.9 * N  # the spreads were resampled by their weight: not all alike


def test_with_every_spread_known_the_integrated_engine_is_the_fixed_one(tmp_path):
    row = {"measure": "cluster_value_added", "year": 2022, "kind": "growth", "value": 20, "unit": "%",
           "price_basis": "real", "published": "2023-01"}
    evidence = _evidence(tmp_path, row)
    _, fixed = _group(evidence, {})
    _, drawn = _group(evidence, {"growth_link_sd": {"factor": [1.0, 1.0]}})  # a range of one value
    assert np.allclose(fixed.deadline_values[2025], drawn.deadline_values[2025], rtol=1e-12, atol=0)
    assert fixed.weights is None and drawn.weights is None


# ---------------------------------------------------------------- the nominal gap's centre in the state
def test_an_uncertain_nominal_gap_adds_its_variance_to_every_real_row_exactly(tmp_path):
    row = {"measure": "cluster_value_added", "year": 2022, "kind": "growth", "value": 10, "unit": "%",
           "price_basis": "real", "published": "2023-01"}
    params, group = _group(_evidence(tmp_path, row), {"nominal_gap": {"sd": 0.04}})
    assert NOMINAL in group.layout and group.weights is None  # linear: exact in the conjugate update, no weights
    y, r = math.log(1.1) + 0.03, 0.05 ** 2 + 0.04 ** 2     # the row sees x − NOMINAL: its error adds 0.04²
    post_v = 1 / (1 / SIGMA ** 2 + 1 / r)
    post_m = post_v * (MU / SIGMA ** 2 + y / r)
    x = group.theta[:, list(group.layout).index(2022)]
    assert abs(x.mean() - post_m) < 4 * math.sqrt(post_v / N)
    assert x.var() == pytest.approx(post_v, rel=4 * math.sqrt(2 / N))
    need = math.log(K / X0)
    exact = ndtr((post_m + 3 * MU - need) / math.sqrt(post_v + 3 * SIGMA ** 2))
    p, se = _p_met(group)
    assert abs(p - exact) < 3.5 * se


# ---------------------------------------------------------------- a round statement's next figure
def test_the_citys_next_round_figure_is_taken_given_its_statement_exactly(tmp_path):
    # city revenue 27691.5 (exact) and output 突破25000: ln(rev/out) = ln r + u bounds ln r + u <= ln(rev/25000);
    # "at or past 26000" is ln r + u <= ln(rev/26000). With ln r ~ N(m, s²) and u ~ N(0, su²):
    # P(26000 | 25000) = Φ((c2 − m)/t) / Φ((c1 − m)/t), t = √(s² + su²)
    rows = [{"evidence_id": "rev", "measure": "city_revenue", "year": 2024, "kind": "level", "value": 27691.5,
             "precision": "exact", "published": "2025-02"},
            {"evidence_id": "out", "measure": "city_output", "year": 2024, "kind": "at_least", "value": 25000,
             "precision": "round", "published": "2025-02"}]
    params, group = _group(_evidence(tmp_path, *rows), {}, revenue_to_output_ratio_sd=0.055)
    m, s = condition_ratio(params)
    su = math.hypot(params.evidence.city_ratio_sd, 0.05 / (math.sqrt(3) * 27691.5))
    t = math.hypot(s, su)
    c1, c2 = math.log(27691.5 / 25000), math.log(27691.5 / 26000)
    exact = ndtr((c2 - m) / t) / ndtr((c1 - m) / t)
    p = group.next_milestone["out"]
    se = math.sqrt(exact * (1 - exact) / group.ess)
    assert abs(p - exact) < 4 * se, (p, exact, se)
    twice = ndtr((c2 - m) / t)  # what counting the link noise twice gave: well off
    assert abs(twice - exact) > 10 * se


def test_the_citys_next_round_figure_integrates_over_each_paths_drawn_link_sd(tmp_path):
    # as above, with city_ratio_sd drawn per path (× exp(U), U uniform on [ln ½, ln 8]): the statement weighs
    # each draw by Φ((c1 − m)/t_f) and the next figure is taken with the same draw's t_f, so
    # P(26000 | 25000) = ∫ Φ((c2 − m)/t_f) dU / ∫ Φ((c1 − m)/t_f) dU
    rows = [{"evidence_id": "rev", "measure": "city_revenue", "year": 2024, "kind": "level", "value": 27691.5,
             "precision": "exact", "published": "2025-02"},
            {"evidence_id": "out", "measure": "city_output", "year": 2024, "kind": "at_least", "value": 25000,
             "precision": "round", "published": "2025-02"}]
    params, group = _group(_evidence(tmp_path, *rows), {"city_ratio_sd": {"factor": [0.5, 8.0]}},
                           revenue_to_output_ratio_sd=0.055)
    m, s = condition_ratio(params)
    rounding = 0.05 / (math.sqrt(3) * 27691.5)
    c1, c2 = math.log(27691.5 / 25000), math.log(27691.5 / 26000)

    def mass(c):
        t = lambda u: math.hypot(s, params.evidence.city_ratio_sd * math.exp(u), rounding)  # noqa: E731
        return integrate.quad(lambda u: ndtr((c - m) / t(u)), math.log(0.5), math.log(8.0))[0]

    exact = mass(c2) / mass(c1)
    p = group.next_milestone["out"]
    se = math.sqrt(exact * (1 - exact) / group.ess)
    assert abs(p - exact) < 4 * se, (p, exact, se)


def test_a_city_statement_weighs_each_path_with_its_own_drawn_link_sd(tmp_path):
    # city revenue 27691.5 (exact), output 突破28000: ln r + u <= c, u's sd drawn per path (city_ratio_sd × exp(U),
    # U uniform on [ln ½, ln 8]). With ln r ~ N(m, s²) and t_U = √(s² + σ_U²), a = (c − m)/t_U:
    # E[ln r | statement] = ∫ (m Φ(a) − s²/t_U φ(a)) dU / ∫ Φ(a) dU; the centre's σ alone gives −0.037, not −0.025
    from scipy.stats import norm as normal

    rows = [{"evidence_id": "rev", "measure": "city_revenue", "year": 2024, "kind": "level", "value": 27691.5,
             "precision": "exact", "published": "2025-02"},
            {"evidence_id": "out", "measure": "city_output", "year": 2024, "kind": "at_least", "value": 28000,
             "precision": "round", "published": "2025-02"}]
    params, group = _group(_evidence(tmp_path, *rows), {"city_ratio_sd": {"factor": [0.5, 8.0]}},
                           revenue_to_output_ratio_sd=0.055)
    m, s = condition_ratio(params)
    rounding = 0.05 / (math.sqrt(3) * 27691.5)
    c = math.log(27691.5 / 28000)
    t = lambda u: math.hypot(s, params.evidence.city_ratio_sd * math.exp(u), rounding)  # noqa: E731
    a = lambda u: (c - m) / t(u)  # noqa: E731
    span = (math.log(0.5), math.log(8.0))
    exact = (integrate.quad(lambda u: m * ndtr(a(u)) - s * s / t(u) * normal.pdf(a(u)), *span)[0]
             / integrate.quad(lambda u: ndtr(a(u)), *span)[0])
    x, w = group.theta[:, list(group.layout).index(LOG_RATIO)], group.weights
    mean = float(w @ x)
    se = math.sqrt(float(np.sum(w ** 2 * (x - mean) ** 2)))
    assert abs(mean - exact) < 4 * se, (mean, exact, se)


def condition_ratio(params):
    from dgforecast.engine.prior import ratio_log_moments

    return ratio_log_moments(params)


# ---------------------------------------------------------------- the parts of the variances
def test_every_variance_is_its_base_plus_the_spreads_squared_parts():
    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"evidence": {"city_gap_sd": 0.018}})
    obs = (condition.Observation("a", "cluster_value_added", "linked_growth", 2022, "growth", 3.2, months=9,
                                 real=True, path="cluster_output"),
           condition.Observation("c", "city_value_added", "related_growth", 2022, "growth", -1.3, real=True,
                                 path="cluster_output"),
           condition.Observation("o", "cluster_output", "level", 2022, "level", 5000.0, step=1000.0, rounding=0.5,
                                 path="cluster_output"))
    years = [2022, 2023, 2024, 2025]
    m = measurement(obs, params.evidence, years, math.log(X0))
    names = ["growth_link_sd", "ytd_sd", "round_sd", "city_gap_sd", "city_ratio_sd"]

    def build(p):
        mm = measurement(obs, p.evidence, years, math.log(X0))
        from dgforecast.engine.posterior import error_covariance
        return np.concatenate([error_covariance(mm.rows, mm.growth_link_sd).ravel(),
                               [b.sd ** 2 for b in mm.bounds]])

    parts = variance_parts(build, params, names)
    rng = np.random.default_rng(7)
    drawn = {name: rng.uniform(0.01, 0.2, 3) for name in names}
    for i in range(3):
        direct = build(with_values(params, {k: float(v[i]) for k, v in drawn.items()}))
        assert np.allclose(parts.at(drawn)[i], direct, rtol=1e-12, atol=1e-15)
    assert len(m.rows) == 3


def test_draws_follow_their_specs():
    params = resolve_scenario(SHIPPED / "params.yaml", "base").model_copy(update={"link_uncertainty": {
        "growth_link_sd": LinkSpec(df=5), "city_ratio_sd": LinkSpec(factor=[0.5, 2.0])}})
    drawn = draw_scales(params, np.random.default_rng(3), 200_000)
    # σ² = df·s²/χ²_df: E[1/σ²] = 1/s², and the factor's log is uniform on [ln 0.5, ln 2]
    assert np.mean(1 / drawn["growth_link_sd"] ** 2) == pytest.approx(1 / 0.05 ** 2, rel=0.01)
    logs = np.log(drawn["city_ratio_sd"] / 0.05)
    assert logs.min() >= math.log(0.5) and logs.max() <= math.log(2.0)
    assert logs.mean() == pytest.approx(0.0, abs=0.005) and logs.var() == pytest.approx(math.log(4) ** 2 / 12,
                                                                                         rel=0.02)


def test_a_link_spec_takes_exactly_one_kind():
    with pytest.raises(ValueError, match="exactly one of sd, df, factor"):
        LinkSpec(df=3, sd=0.1)
    with pytest.raises(ValueError, match="needs 0 < lo <= 1 <= hi"):
        LinkSpec(factor=[1.5, 2.0])


# ---------------------------------------------------------------- batched algebra
def test_one_update_a_path_is_the_single_update_repeated():
    rng = np.random.default_rng(1)
    d, r, n = 5, 3, 6
    H, y = rng.normal(size=(r, d)), rng.normal(size=r)
    P = np.stack([np.diag(rng.uniform(0.1, 1, d)) for _ in range(n)])
    R = np.stack([np.diag(rng.uniform(0.1, 1, r)) + 0.05 for _ in range(n)])
    m0 = rng.normal(size=(n, d))
    mean, cov = gaussian_posterior(m0, P, H, y, R)
    roots, ml = psd_sqrt(cov), marginal_log_likelihood(m0, P, H, y, R)
    for i in range(n):
        mi, ci = gaussian_posterior(m0[i], P[i], H, y, R[i])
        assert np.allclose(mi, mean[i], atol=1e-13) and np.allclose(ci, cov[i], atol=1e-13)
        assert np.allclose(psd_sqrt(ci), roots[i], atol=1e-12)
        S = H @ P[i] @ H.T + R[i]
        assert ml[i] == pytest.approx(float(np.log(np.exp(-0.5 * (y - H @ m0[i]) @ np.linalg.solve(
            S, y - H @ m0[i])) / math.sqrt(np.linalg.det(2 * math.pi * S)))), abs=1e-10)


def test_a_bound_with_one_softness_a_path_is_each_path_alone():
    bound = condition.Bound(("b",), condition.Linear(((LOG_RATIO, 1.0),)), -math.inf, 0.1, 0.05)
    q = np.array([0.0, 0.05, 0.2, 0.1])
    sd = np.array([0.01, 0.05, 0.2, 0.0])
    together = bound_log_likelihood(bound, q, sd)
    for i in range(len(q)):
        alone = bound_log_likelihood(condition.Bound(("b",), bound.h, bound.lo, bound.hi, float(sd[i])), q[i:i + 1])
        assert together[i] == pytest.approx(float(alone[0]))


def test_path_spreads_keep_every_bound_and_its_statement_in_order(tmp_path):
    params = resolve_scenario(SHIPPED / "params.yaml", "base")
    obs = (condition.Observation("rev", "city_revenue", "related_numerator", 2024, "level", 27691.5, exact=True,
                                 rounding=0.05, path="cluster_output"),
           condition.Observation("out", "city_output", "related_denominator", 2024, "at_least", 25000.0,
                                 step=1000.0, rounding=0.5, path="cluster_output"))
    years = [2022, 2023, 2024, 2025]
    m = measurement(obs, params.evidence, years, math.log(X0))
    spreads = path_spreads(params, m, obs, years, math.log(X0), False, 1000, np.random.default_rng(0))
    assert len(spreads.bound_sd) == len(m.bounds) == 1 and len(spreads.milestone_sd) == 1
    assert spreads.statement_sd[0] is not None and np.allclose(spreads.statement_sd[0], spreads.bound_sd[0])
    assert spreads.R.shape == (1000, 0, 0)


def test_paths_that_share_a_draw_of_the_spreads_count_once_in_the_monte_carlo_error():
    from dgforecast.engine.weights import share_se

    met = np.array([1, 1, 0, 0, 1, 0])
    w = np.full(6, 1 / 6)
    p = 0.5
    alone = math.sqrt(6 * (1 / 6) ** 2 * 0.25)                 # six independent draws
    pairs = math.sqrt(2 * (2 * (1 / 6) * 0.5) ** 2)            # pairs (met, met), (not, not), (met, not): ±1/6, 0
    assert share_se(met, w, p) == pytest.approx(alone)
    assert share_se(met, w, p, clusters=np.array([0, 0, 1, 1, 2, 2])) == pytest.approx(pairs)
    assert share_se(met, w, p, clusters=np.arange(6)) == pytest.approx(alone)


def test_a_figure_that_contradicts_the_scenario_keeps_an_effective_sample(tmp_path):
    # a fall of a fifth assumed, +40 % published for January-August: the spreads that explain it carry the
    # weight, drawn from their posterior rather than weighed, so the paths do not collapse onto a few
    row = {"measure": "cluster_value_added", "year": 2025, "period": "YTD_M08", "kind": "growth", "value": 40,
           "unit": "%", "price_basis": "real", "published": "2025-09"}
    _, group = _group(_evidence(tmp_path, row), {"ytd_sd": {"df": 7}, "growth_link_sd": {"df": 3}},
                      growth_overrides={2025: -0.2})
    assert group.weights is None and group.ess == N
    assert len(np.unique(group.clusters)) > 1000
    assert group.clusters.max() >= N  # picked from OVERSAMPLE × n_sims candidates, not the first n_sims alone


def test_the_fitted_engines_state_draws_are_pinned_to_the_seed():
    # mean + sd·z and mean − sd·z have one distribution: only the seed tells them apart. The fitted engine's
    # draws after its growth models' paths are, in the state's order, one standard normal a path for ln r, δ,
    # the base and the nominal gap; a path's component is mean + sd·z of its own draw.
    from dgforecast.engine.condition import BASE, GAP, LOG_RATIO, NOMINAL, Measurement
    from dgforecast.engine.fitted_engine import fitted_factors, fitted_state
    from dgforecast.engine.prior import base_moments, ratio_log_moments
    from dgforecast.plan.targets import LevelTarget

    params = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 64, "engine": "fitted",
                                                               "revenue_to_output_ratio_sd": 0.05})
    params = params.model_copy(update={"link_uncertainty": {"nominal_gap": LinkSpec(sd=0.03)}})
    history = load_inputs(SHIPPED)["history"]
    from dgforecast.plan.data import history_series_or_none

    series = history_series_or_none(history, params.history_series)
    target = LevelTarget("t", 700.0, ">=", 2025, 600.0, 2022, False, base_step=100.0)
    years, layout = [2023, 2024, 2025], [2023, 2024, 2025, LOG_RATIO, GAP, BASE, NOMINAL]
    theta, _, _ = fitted_state(target, params, years, Measurement(), np.random.default_rng(11), layout, series)
    replay = np.random.default_rng(11)
    fitted_factors(params, years, target.base_year, replay, series)
    z = {key: replay.standard_normal(64) for key in layout[3:]}
    mu_r, s_r = ratio_log_moments(params)
    base_mean, base_sd = base_moments(target.base_level, target.base_step)
    expected = {LOG_RATIO: mu_r + s_r * z[LOG_RATIO], GAP: 0.04 + params.evidence.city_gap_sd * z[GAP],
                BASE: base_mean + base_sd * z[BASE], NOMINAL: 0.03 + 0.03 * z[NOMINAL]}
    for key, values in expected.items():
        assert np.allclose(theta[:, layout.index(key)], values, rtol=0, atol=1e-15), key


def test_the_candidates_marginal_likelihood_is_the_full_one_for_a_diagonal_prior():
    from dgforecast.engine.posterior import diagonal_marginal_log_likelihood

    rng = np.random.default_rng(3)
    n, d, r = 50, 7, 6
    H, y = rng.normal(size=(r, d)), rng.normal(size=r)
    var, m0 = rng.uniform(0.01, 1, (n, d)), rng.normal(size=(n, d))
    R = np.stack([np.diag(rng.uniform(0.1, 1, r)) + 0.05 for _ in range(n)])
    full = marginal_log_likelihood(m0, var[:, :, None] * np.eye(d)[None], H, y, R)
    assert np.allclose(diagonal_marginal_log_likelihood(m0, var, H, y, R), full, rtol=0, atol=1e-10)

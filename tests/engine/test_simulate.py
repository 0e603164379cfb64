"""Simulated paths: the lognormal engine against its closed form and against hand-worked numbers."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ParamsError
from dgforecast.engine import condition
from dgforecast.engine.closed_form import closed_form_for, closed_form_p_met
from dgforecast.engine.simulate import simulate_paths, simulate_targets
from dgforecast.plan.schema import EvidenceParams, ScenarioParams
from dgforecast.plan.targets import LevelTarget
from tests.conftest import PLAN


def Observation(evidence_id, measure, *args, **changes) -> condition.Observation:
    """An observation of a measure of the shipped plan, with the role and path its plan.yaml gives it."""
    return condition.Observation(evidence_id, measure, PLAN.role(measure), *args, path=PLAN.path_of(measure),
                                 **changes)

OUTPUT_2021 = 4621.25  # 规上工业总产值 2021, plan 一（一）
TARGET = 5400.0  # 营业收入 2025, plan 二（一）


def scenario(**changes) -> ScenarioParams:
    # the engine as the rule sets it: the numbers worked out by hand below take volatility as each year's sd
    # (the calibrated engine has tests/engine/test_calibration.py)
    values = dict(scenario="t", label_zh="测试", label_en="test", growth=0.0397, volatility=0.05,
                  n_sims=20000, seed=1, target_year=2025, calibration="none")
    return ScenarioParams(**{**values, **changes})


def p_simulated(params, base=OUTPUT_2021, **kw):
    paths = simulate_paths(base, 2021, params, np.random.default_rng(params.seed), **kw)
    return float((paths[2025] >= TARGET).mean())


# ---------------------------------------------------------------- closed form, by hand
def test_closed_form_is_one_half_at_the_required_growth():
    # ln(5400/4621.25) = 0.155734 and 4 ln(1.0397) = 0.155729: the median lands on the target.
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.0397, 0.05) == pytest.approx(0.5, abs=1e-4)


def test_closed_form_without_growth_needs_a_lucky_draw():
    # z = 0.155734 / (0.10 * 2) = 0.7787 -> 1 - Φ(0.7787) = 0.2181
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.0, 0.10) == pytest.approx(0.2181, abs=1e-4)


def test_closed_form_at_six_percent_growth():
    # z = (0.155734 - 4 ln 1.06 = 0.233076) / (0.06 * 2) = -0.6445 -> Φ(0.6445) = 0.7404
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.06, 0.06) == pytest.approx(0.7404, abs=1e-4)


def test_closed_form_with_a_revenue_ratio_of_1_1():
    # z = (0.155734 - ln 1.1 - 0.155729) / 0.1 = -0.9531 -> Φ(0.9531) = 0.8297
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.0397, 0.05, ratio=1.1) == pytest.approx(0.8297, abs=1e-4)


def test_closed_form_without_volatility_is_certain_either_way():
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.05, 0.0) == 1.0
    assert closed_form_p_met(TARGET, OUTPUT_2021, 4, 0.03, 0.0) == 0.0


# ---------------------------------------------------------------- simulation agrees with it
@pytest.mark.parametrize("changes, expected", [
    (dict(growth=0.0397, volatility=0.05), 0.5),
    (dict(growth=0.0, volatility=0.10), 0.2181),
    (dict(growth=0.06, volatility=0.06), 0.7404),
    (dict(growth=0.0397, volatility=0.05, revenue_to_output_ratio=1.1), 0.8297),
])
def test_simulated_p_met_within_three_monte_carlo_se_of_closed_form(changes, expected):
    params = scenario(**changes)
    se = math.sqrt(expected * (1 - expected) / params.n_sims)
    assert abs(p_simulated(params) - expected) < 3 * se


def test_ratio_uncertainty_matches_its_closed_form():
    params = scenario(growth=0.06, volatility=0.06, revenue_to_output_ratio_sd=0.1)
    exact = closed_form_for(params, TARGET, OUTPUT_2021, 2021, 2025)
    assert exact < 0.7404  # more spread around a median above the target lowers P(met)
    se = math.sqrt(exact * (1 - exact) / params.n_sims)
    assert abs(p_simulated(params) - exact) < 3 * se


def test_shock_years_match_closed_form_with_yearly_growth():
    params = scenario(growth=0.06, volatility=0.06, growth_overrides={2022: -0.05, 2023: 0.0})
    exact = closed_form_p_met(TARGET, OUTPUT_2021, 4, [-0.05, 0.0, 0.06, 0.06], 0.06)
    assert exact == pytest.approx(closed_form_for(params, TARGET, OUTPUT_2021, 2021, 2025))
    se = math.sqrt(exact * (1 - exact) / params.n_sims)
    assert abs(p_simulated(params) - exact) < 3 * se


# ---------------------------------------------------------------- shape of the paths
def test_paths_have_one_row_per_simulation_and_one_column_per_year():
    paths = simulate_paths(OUTPUT_2021, 2021, scenario(n_sims=50), np.random.default_rng(0))
    assert paths.shape == (50, 4)
    assert list(paths.columns) == [2022, 2023, 2024, 2025]


def test_median_path_grows_at_growth():
    params = scenario(growth=0.10, volatility=0.0)
    paths = simulate_paths(100.0, 2021, params, np.random.default_rng(0))
    assert paths.median().round(4).tolist() == [110.0, 121.0, 133.1, 146.41]


def test_median_path_grows_at_growth_with_volatility():
    params = scenario(growth=0.10, volatility=0.05, n_sims=40000)
    median = simulate_paths(100.0, 2021, params, np.random.default_rng(3)).median()
    assert median[2025] == pytest.approx(146.41, rel=0.005)


def test_growth_overrides_apply_to_exactly_their_years():
    params = scenario(growth=0.10, volatility=0.0, n_sims=10, growth_overrides={2023: -0.5})
    path = simulate_paths(100.0, 2021, params, np.random.default_rng(0)).iloc[0]
    assert path.round(4).tolist() == [110.0, 55.0, 60.5, 66.55]


def test_revenue_ratio_multiplies_every_year():
    params = scenario(growth=0.10, volatility=0.0, n_sims=10, revenue_to_output_ratio=0.8)
    path = simulate_paths(100.0, 2021, params, np.random.default_rng(0)).iloc[0]
    assert path.round(4).tolist() == [88.0, 96.8, 106.48, 117.128]


def test_revenue_ratio_can_be_left_out():
    params = scenario(growth=0.10, volatility=0.0, n_sims=10, revenue_to_output_ratio=0.8)
    path = simulate_paths(100.0, 2021, params, np.random.default_rng(0), apply_ratio=False).iloc[0]
    assert path[2022] == pytest.approx(110.0)


def test_uncertain_ratio_keeps_its_mean():
    params = scenario(growth=0.0, volatility=0.0, n_sims=40000, revenue_to_output_ratio_sd=0.1)
    level = simulate_paths(100.0, 2021, params, np.random.default_rng(5))[2022]
    assert level.mean() == pytest.approx(100.0, rel=0.003)
    assert level.std() == pytest.approx(10.0, rel=0.03)


def test_real_growth_is_made_nominal_with_the_deflator():
    # (1 + 0.05)(1 + 0.02) - 1 = 0.071
    params = scenario(growth=0.05, volatility=0.0, n_sims=10, price_basis="real", deflator=0.02)
    path = simulate_paths(100.0, 2021, params, np.random.default_rng(0)).iloc[0]
    assert path[2022] == pytest.approx(107.1)
    assert path[2023] == pytest.approx(114.7041)


def test_nominal_growth_ignores_the_deflator():
    params = scenario(growth=0.05, volatility=0.0, n_sims=10, price_basis="nominal", deflator=0.02)
    assert simulate_paths(100.0, 2021, params, np.random.default_rng(0)).iloc[0, 0] == pytest.approx(105.0)


def test_same_seed_gives_the_same_paths():
    params = scenario(n_sims=200, revenue_to_output_ratio_sd=0.05)
    first = simulate_paths(OUTPUT_2021, 2021, params, np.random.default_rng(42))
    again = simulate_paths(OUTPUT_2021, 2021, params, np.random.default_rng(42))
    other = simulate_paths(OUTPUT_2021, 2021, params, np.random.default_rng(43))
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


# ---------------------------------------------------------------- exact figures pin the paths
OUTPUT_TARGET = LevelTarget("output_2025", TARGET, ">=", 2025, OUTPUT_2021, 2021, False,
                            "Gross Output|Electrical Machinery and Equipment", measure="cluster_output",
                            path="cluster_output")


def _evidence(*rows):
    """An evidence table as ``evidence.load_evidence`` gives it, from (id, measure, year, kind, value, precision)."""
    columns = ["evidence_id", "measure", "year", "period", "kind", "value", "unit", "precision", "price_basis",
               "published", "reliability", "source_url", "source_phrase", "note", "months", "step", "rounding"]
    records = [(i, m, y, "year", k, float(v), "亿元", p, "", f"{y + 1}-02", "official", "http://x", "x", "x", 12,
                1000.0, 0.5) for i, m, y, k, v, p in rows]
    frame = pd.DataFrame(records, columns=columns)
    # the columns the loader adds from the plan's measures (data/raw/plan.yaml)
    return frame.assign(role=[PLAN.role(m) for m in frame["measure"]],
                        path=[PLAN.path_of(m) for m in frame["measure"]])


def test_an_exact_output_pins_every_path_and_bridges_the_years_before_it():
    # exact 总产值 5200 in 2023: ln X_2023 = ln 5200 on every path; 2022 is the random walk's bridge
    # (midpoint in logs, variance σ²/2); 2024-2025 grow from 5200 at the scenario's 10 %
    params = scenario(growth=0.10, volatility=0.05, n_sims=40000, as_of="2026-11")
    evidence = _evidence(("out_2023", "cluster_output", 2023, "level", 5200, "exact"))
    group = simulate_targets([OUTPUT_TARGET], params, evidence=evidence).groups[0]
    logs = np.log(group.paths.to_numpy())
    # up to its rounding: "5200" is 5199.5-5200.5, sd 0.5 / (√3 · 5200) in logs
    assert logs[:, 1].mean() == pytest.approx(math.log(5200), abs=1e-6)
    assert logs[:, 1].std() == pytest.approx(0.5 / (math.sqrt(3) * 5200), rel=0.03)
    mid = (math.log(OUTPUT_2021) + math.log(5200)) / 2
    assert logs[:, 0].mean() == pytest.approx(mid, abs=4 * 0.05 / math.sqrt(2) / 200)
    assert logs[:, 0].var() == pytest.approx(0.05 ** 2 / 2, rel=0.03)
    assert np.median(group.paths[2025]) == pytest.approx(5200 * 1.1 ** 2, rel=0.003)
    assert group.weights is None  # applied by the update, not by weighing


def test_simulated_years_start_after_the_base_year_and_refuse_an_override_outside_them():
    with pytest.raises(ParamsError, match="growth_overrides 2021: not a simulated year \\(2022-2025\\)"):
        simulate_paths(OUTPUT_2021, 2021, scenario(growth_overrides={2021: 0.1}), np.random.default_rng(0))


# ---------------------------------------------------------------- fitted engine
def fake_models(monkeypatch, growth=0.1):
    # Stands in for the growth models: every path grows 10 % a year from the last observation.
    import dgforecast.models.forecast

    def simulate_series(y, horizon, n_paths, rng, method="auto"):
        assert list(y.index) == list(range(y.index[0], y.index[-1] + 1)) and method == "auto"
        row = float(y.iloc[-1]) * (1 + growth) ** np.arange(1, horizon + 1)
        return np.tile(row, (n_paths, 1)), {"model": "fake", "years": f"{y.index[0]}-{y.index[-1]}"}

    monkeypatch.setattr(dgforecast.models.forecast, "simulate_series", simulate_series)


def _fitted(history, evidence=None, **changes):
    params = scenario(engine="fitted", n_sims=10, as_of="2026-11", history_series="DG_IVA", **changes)
    target = LevelTarget("output_2025", TARGET, ">=", 2025, 100.0, 2021, False, OUTPUT_TARGET.baseline_variable,
                         measure="cluster_output", path="cluster_output")
    return simulate_targets([target], params, history, evidence).groups[0]


def test_fitted_engine_applies_the_models_growth_to_the_start_level(monkeypatch):
    fake_models(monkeypatch)
    history = pd.Series({2018: 50.0, 2020: 80.0, 2021: 90.0})  # 2019 is filled before fitting
    assert _fitted(history).paths.iloc[0].round(4).tolist() == [110.0, 121.0, 133.1, 146.41]


def test_fitted_engine_continues_a_history_that_ends_before_the_base_year(monkeypatch):
    fake_models(monkeypatch)
    history = pd.Series({2019: 80.0, 2020: 90.0})  # 2021 is simulated, then the factors run from it
    assert _fitted(history).paths.iloc[0].round(4).tolist() == [110.0, 121.0, 133.1, 146.41]


def test_fitted_engine_moves_its_paths_onto_an_exact_figure(monkeypatch):
    # 10 % a year gives 121 in 2023; an exact 2023 figure of 150 moves the path there: the two years
    # before share the difference in logs (the bridge), the years after grow from it
    fake_models(monkeypatch)
    evidence = _evidence(("out_2023", "cluster_output", 2023, "level", 150.0, "exact"))
    path = _fitted(pd.Series({2020: 80.0, 2021: 90.0}), evidence).paths.iloc[0]
    assert path[2023] == pytest.approx(150.0, rel=1e-9)
    assert path[2022] == pytest.approx(100 * math.sqrt(1.5), rel=1e-9)
    assert path[2025] == pytest.approx(150 * 1.21, rel=1e-9)


def test_fitted_engine_without_history_is_refused():
    with pytest.raises(ParamsError, match="engine = 'fitted': history_series = 'DG_IVA' has fewer than 2"):
        _fitted(pd.Series({2021: 9.0}))


def test_fitted_engine_without_evidence_counts_every_path_alike_and_ends_at_its_deadline_value(monkeypatch):
    fake_models(monkeypatch)
    group = _fitted(pd.Series({2020: 80.0, 2021: 90.0}))
    assert group.weights is None and group.ess == 10.0
    assert np.allclose(group.deadline_values[2025], group.paths[2025], rtol=1e-12)


# ---------------------------------------------------------------- fitted engine: the bridge through exact figures
def spread_models(monkeypatch, sds=(0.0, 0.02, 0.03, 0.04)):
    # Stands in for the growth models: log growth ln 1.1 + sd_k z a year, z the first draws of the generator
    import dgforecast.models.forecast

    def simulate_series(y, horizon, n_paths, rng, method="auto"):
        growth = math.log(1.1) + np.array(sds[:horizon]) * rng.standard_normal((n_paths, horizon))
        return float(y.iloc[-1]) * np.exp(np.cumsum(growth, axis=1)), {"model": "fake", "years": "-"}

    monkeypatch.setattr(dgforecast.models.forecast, "simulate_series", simulate_series)
    return np.array(sds)


def _fitted_group(evidence, n_sims=200, **changes):
    """The fitted engine from 100 in 2021 (history up to 2021), a floor of 10 effective paths."""
    params = scenario(engine="fitted", n_sims=n_sims, as_of="2026-11", evidence=EvidenceParams(min_ess=10), **changes)
    target = LevelTarget("output_2025", TARGET, ">=", 2025, 100.0, 2021, False, OUTPUT_TARGET.baseline_variable,
                         measure="cluster_output", path="cluster_output")
    return params, simulate_targets([target], params, pd.Series({2020: 80.0, 2021: 90.0}), evidence).groups[0]


@pytest.mark.parametrize("ratio_sd", [0.0, 0.05])
@pytest.mark.parametrize("year, value", [(2023, 150.0), (2024, 150.0), (2025, 150.0), (2024, 200.0)])
def test_fitted_paths_alike_are_bridged_alike_through_an_exact_figure(monkeypatch, year, value, ratio_sd):
    # every path the same (10 % a year): the years up to the figure share the log difference equally, as
    # the random walk's bridge does: X_2022 = 100 · (value / 100)^(1 / (year - 2021)), whatever the ratio's sd
    fake_models(monkeypatch)
    evidence = _evidence(("out", "cluster_output", year, "level", value, "exact"))
    _, group = _fitted_group(evidence, n_sims=10, revenue_to_output_ratio_sd=ratio_sd)
    assert group.paths[2022].to_numpy() == pytest.approx(100 * (value / 100) ** (1 / (year - 2021)), rel=1e-12)
    assert group.paths[year].to_numpy() == pytest.approx(value, rel=1e-12)


def test_fitted_paths_are_bridged_in_proportion_to_each_years_spread(monkeypatch):
    # x_k = ln 1.1 + sd_k z_k, sds (0, 0.02, 0.03, 0.04); exact 150 in 2024: on each path the gap
    # d = ln 1.5 - (x_1 + x_2 + x_3) goes to the years in proportion to their variance across the paths,
    # s_k / (s_2 + s_3) to 2023 and 2024 (2022, alike on every path, and 2025, after it, keep theirs)
    sds = spread_models(monkeypatch)
    params, group = _fitted_group(_evidence(("out", "cluster_output", 2024, "level", 150.0, "exact")))
    n = len(group.theta)
    x = math.log(1.1) + sds * np.random.default_rng(params.seed).standard_normal((n, 4))
    s = x.var(axis=0)
    d = math.log(1.5) - x[:, :3].sum(axis=1)
    expected = x.copy()
    expected[:, 1] += s[1] / (s[1] + s[2]) * d
    expected[:, 2] += s[2] / (s[1] + s[2]) * d
    assert np.allclose(group.theta[:, :4], expected, rtol=0, atol=1e-12)
    assert np.allclose(group.weights, 1 / n) and group.ess == pytest.approx(n)


def test_fitted_projection_of_one_or_two_paths():
    # x_2022 + x_2023 = 0.5 exactly; one path has no spread to weigh by: the years share the gap alike
    from dgforecast.engine.condition import GaussianRow, Linear
    from dgforecast.engine.fitted_engine import project_onto_rows

    rows = [GaussianRow(("e",), Linear(((2022, 1.0), (2023, 1.0))), 0.5, 0.0, exact=True)]
    layout = [2022, 2023, "log_r"]
    one = project_onto_rows(np.array([[0.1, 0.2, 0.0]]), rows, layout, [0.0, 0.0, 0.0])
    assert np.allclose(one, [[0.2, 0.3, 0.0]], atol=1e-15)
    # two paths: variances 0.01 (0.1, 0.3) and 0.04 (0.2, -0.2) share the gaps 0.2 and 0.4 as 1 : 4
    two = project_onto_rows(np.array([[0.1, 0.2, 0.0], [0.3, -0.2, 0.0]]), rows, layout, [0.0, 0.0, 0.0])
    assert np.allclose(two, [[0.14, 0.36, 0.0], [0.38, 0.12, 0.0]], atol=1e-15)
    # a year alike on both paths (0.1) does not move: the gaps 0.2 and 0.6 go to 2023 (prior variances
    # given as integers alike)
    alike = project_onto_rows(np.array([[0.1, 0.2, 0.0], [0.1, -0.2, 0.0]]), rows, layout, [0, 0, 0])
    assert np.allclose(alike, [[0.1, 0.4, 0.0], [0.1, 0.4, 0.0]], atol=1e-15)
    # no path finite (each at or below zero somewhere): nothing to weigh by, and they stay NaN
    assert np.isnan(project_onto_rows(np.full((2, 3), np.nan), rows, layout, [0.0, 0.0, 0.0])).all()


def test_fitted_ratio_moves_onto_an_exact_revenue_by_its_prior_variance(monkeypatch):
    # paths alike at 10 % a year, ln r = mu + s z (z the generator's first draws, the fake models take none),
    # s² = ln(1 + 0.05²): exact revenue 150 in 2023, d = ln 1.5 - 2 ln 1.1 - ln r; the two years move by
    # d / (2 + s²) each and ln r by s² d / (2 + s²)
    fake_models(monkeypatch)
    params, group = _fitted_group(_evidence(("rev", "cluster_revenue", 2023, "level", 150.0, "exact")),
                                  revenue_to_output_ratio_sd=0.05)
    n = len(group.theta)
    s2 = math.log1p(0.05 ** 2)
    log_r = -s2 / 2 + math.sqrt(s2) * np.random.default_rng(params.seed).standard_normal(n)
    d = math.log(1.5) - 2 * math.log(1.1) - log_r
    assert np.allclose(group.theta[:, 0], math.log(1.1) + d / (2 + s2), rtol=0, atol=1e-12)
    assert np.allclose(group.theta[:, 4], log_r + s2 * d / (2 + s2), rtol=0, atol=1e-12)
    assert np.allclose(group.theta[:, :2].sum(axis=1) + group.theta[:, 4], math.log(1.5), rtol=0, atol=1e-12)


def test_fitted_engine_draws_the_ratio_then_the_gap_and_weighs_by_a_city_row(monkeypatch):
    # after the models (no draws here): ln r = mu + s z_1, δ = 0.04 + 0.018 z_2; exact output 105 in 2022
    # pins x_2022 = ln 1.05; the city's +5 % real in 2023 weighs each path by
    # exp(-(ln 1.05 + 0.03 - (ln 1.1 - δ))² / (2 (0.018² + 0.05²)))
    fake_models(monkeypatch)
    evidence = _evidence(("out", "cluster_output", 2022, "level", 105.0, "exact"))
    city = evidence.assign(evidence_id="city", measure="city_value_added", role="related_growth", year=2023,
                           kind="growth", value=5.0, unit="%", precision="", price_basis="real", published="2024-02")
    params, group = _fitted_group(pd.concat([evidence, city], ignore_index=True), revenue_to_output_ratio_sd=0.05)
    n = len(group.theta)
    assert list(group.layout) == [2022, 2023, 2024, 2025, "log_r", "gap"]
    rng = np.random.default_rng(params.seed)
    s2 = math.log1p(0.05 ** 2)
    z_ratio, z_gap = rng.standard_normal(n), rng.standard_normal(n)
    gap = 0.04 + 0.018 * z_gap
    assert np.allclose(group.theta[:, 4], -s2 / 2 + math.sqrt(s2) * z_ratio, rtol=0, atol=1e-12)
    assert np.allclose(group.theta[:, 5], gap, rtol=0, atol=1e-12)
    assert np.allclose(group.theta[:, 0], math.log(1.05), rtol=0, atol=1e-12)
    w = np.exp(-(math.log(1.05) + 0.03 - (math.log(1.1) - gap)) ** 2 / (2 * (0.018 ** 2 + 0.05 ** 2)))
    assert np.allclose(group.weights, w / w.sum(), rtol=1e-9, atol=0)


def test_fitted_bounds_weigh_the_paths_by_their_level(monkeypatch):
    # 突破150 of output in 2025 (a hard bound): the paths at 150 or more share the weight alike
    spread_models(monkeypatch)
    _, group = _fitted_group(_evidence(("b", "cluster_output", 2025, "at_least", 150.0, "round")))
    above = group.paths[2025].to_numpy() >= 150
    assert 0 < above.sum() < len(above)
    assert np.allclose(group.weights, above / above.sum(), rtol=1e-12, atol=0)
    assert np.allclose(group.deadline_values[2025], group.paths[2025], rtol=1e-12)


def test_a_fitted_path_at_or_below_zero_weighs_nothing_and_says_nothing(monkeypatch):
    # at 10 % a year from 100, but path 0 falls to 0 in 2023 and stays, path 1 is below zero in 2024, path 2
    # is 0 in 2023 and back after, path 3 is 0 in 2025: each is NaN from that year on, and no RuntimeWarning
    # comes on the way, without evidence or under a bound (of 2022 too), an exact figure or a soft row;
    # under a bound or a soft row they weigh 0 and the other paths share the weight alike
    import warnings

    import dgforecast.models.forecast

    def simulate_series(y, horizon, n_paths, rng, method="auto"):
        paths = np.tile(float(y.iloc[-1]) * 1.1 ** np.arange(1, horizon + 1), (n_paths, 1))
        paths[0, 1:] = 0.0
        paths[1, 2] = -5.0
        paths[2, 1] = 0.0
        paths[3, 3] = 0.0
        return paths, {"model": "fake", "years": "-"}

    monkeypatch.setattr(dgforecast.models.forecast, "simulate_series", simulate_series)
    rows = [("b", "cluster_output", 2025, "at_least", 100.0, "round"),
            ("b", "cluster_output", 2022, "at_least", 100.0, "round"),
            ("x", "cluster_output", 2022, "level", 105.0, "exact"),
            ("g", "cluster_output", 2023, "growth", 10.0, "")]
    for evidence in (None, *(_evidence(row) for row in rows)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            _, group = _fitted_group(evidence, n_sims=20)
        levels = group.paths.to_numpy()
        if evidence is not None and evidence["evidence_id"][0] == "x":  # no place on the exact figure's line
            assert np.isnan(levels[:4]).all() and levels[4:, 0] == pytest.approx(105.0, rel=1e-12)
        else:
            assert levels[0, 0] == levels[2, 0] == pytest.approx(110.0, rel=1e-12)
            assert np.isnan(levels[0, 1:]).all() and np.isnan(levels[1, 2:]).all() and np.isnan(levels[2, 1:]).all()
            assert np.isnan(levels[3, 3]) and np.isfinite(levels[4:]).all()
        if evidence is not None and evidence["evidence_id"][0] in ("b", "g"):
            n = len(group.weights)
            assert group.weights[:4].tolist() == [0.0] * 4
            assert np.allclose(group.weights[4:], 1 / (n - 4), rtol=1e-12)


def test_fitted_paths_are_weighed_by_a_round_level(monkeypatch):
    # 达到150 (round) in 2024: ln 150 = ln X_2024 + e, e ~ N(0, 0.07²), weighs each path by
    # exp(-(ln 150 - ln X_2024)² / (2 · 0.07²)); not imposed, so the paths keep their levels
    spread_models(monkeypatch)
    _, group = _fitted_group(_evidence(("r", "cluster_output", 2024, "level", 150.0, "round")))
    level = group.paths[2024].to_numpy()
    w = np.exp(-np.log(150 / level) ** 2 / (2 * 0.07 ** 2))
    assert np.allclose(group.weights, w / w.sum(), rtol=1e-9, atol=0)
    assert level.std() > 2  # the 2024 levels are spread, not moved onto 150


# ---------------------------------------------------------------- which rows, which target, which year
def test_only_a_target_on_the_path_the_rows_bear_on_uses_them():
    from dgforecast.engine.bearing import usable_observations

    late = Observation("late", "cluster_output", 2030, "level", 9000.0, exact=True)
    used = Observation("used", "cluster_output", 2023, "level", 5312.47, exact=True)
    ratio = Observation("ratio", "revenue_to_output_ratio", 2030, "level", 1.09, exact=True)
    years = [2022, 2023, 2024, 2025]
    assert usable_observations((late, used, ratio), OUTPUT_TARGET, years) == (used, ratio)
    value_added = LevelTarget("va_2025", 1000.0, ">=", 2025, 900.0, 2021, False, "Value Added|Industry",
                              measure="va", path="va")  # a path of its own: the cluster's rows are not about it
    assert usable_observations((late, used, ratio), value_added, years) == ()
    unlinked = dataclasses.replace(OUTPUT_TARGET, path="")  # a measure linked to no path: nothing bears on it
    assert usable_observations((late, used, ratio), unlinked, years) == ()


def test_a_targets_deadline_value_is_its_log_level_and_for_revenue_the_ratio_too():
    from dgforecast.engine.bearing import target_function
    from dgforecast.engine.condition import Linear

    years = [2022, 2023, 2024, 2025]
    output = dataclasses.replace(OUTPUT_TARGET, target_id="output_2024", deadline=2024)
    revenue = dataclasses.replace(output, target_id="revenue_2024", apply_ratio=True, measure="cluster_revenue")
    assert target_function(output, years) == Linear(((2022, 1.0), (2023, 1.0), (2024, 1.0)), math.log(OUTPUT_2021))
    assert target_function(revenue, years) == Linear(((2022, 1.0), (2023, 1.0), (2024, 1.0), ("log_r", 1.0)),
                                                     math.log(OUTPUT_2021))


def test_an_output_target_leaves_the_revenue_ratio_out_of_its_paths():
    # 4621.25 at 10 % a year, ratio 0.8: the output paths are 5083.375, 5591.7125, ... (not x 0.8)
    params = scenario(growth=0.10, volatility=0.0, n_sims=10, revenue_to_output_ratio=0.8)
    group = simulate_targets([OUTPUT_TARGET], params).groups[0]
    assert group.paths.iloc[0].round(4).tolist() == [5083.375, 5591.7125, 6150.8838, 6765.9721]
    assert group.paths.columns.name == "year" and list(group.paths.columns) == [2022, 2023, 2024, 2025]
    assert group.deadline_values[2025] == pytest.approx(np.full(10, 6765.972125), rel=1e-12)


def test_years_evidence_says_which_rows_bear_on_each_years_growth_or_level():
    from dgforecast.engine.condition import measurement
    from dgforecast.engine.group_paths import years_evidence

    obs = [Observation("r", "revenue_to_output_ratio", 2023, "level", 1.094, exact=True, rounding=0.0005),
           Observation("g", "cluster_value_added", 2023, "growth", 8.0, real=True),
           Observation("c", "city_value_added", 2023, "growth", 4.0, real=True),
           Observation("c6", "city_value_added", 2023, "growth", 3.5, months=6, real=True),
           Observation("l", "cluster_output", 2023, "level", 5312.47, exact=True, rounding=0.005),
           Observation("m", "cluster_output", 2024, "level", 5000.0, step=1000.0, rounding=0.5),
           Observation("v", "cluster_revenue", 2025, "level", 5480.12, exact=True, rounding=0.005),
           Observation("cr", "city_revenue_to_output_ratio", 2024, "at_least", 1.05, step=0.01, rounding=0.005),
           Observation("b0", "cluster_output", 2022, "at_least", 4000.0, step=1000.0, rounding=0.5),
           Observation("b1", "cluster_output", 2025, "at_least", 5000.0, step=1000.0, rounding=0.5),
           Observation("b2", "cluster_revenue", 2025, "at_most", 7000.0, step=1000.0, rounding=0.5)]
    years = [2022, 2023, 2024, 2025]
    m = measurement(obs, EvidenceParams(), years, math.log(OUTPUT_2021))
    table = years_evidence(m, years)
    # the 2023 level (ln X_2022 + x_2023) is a row on 2023, not 2022; the ratios bear on no year's growth
    assert table.to_dict("records") == [
        {"year": 2022, "direct": "", "related": "", "bounds": "b0"},
        {"year": 2023, "direct": "g;l", "related": "c;c6", "bounds": ""},
        {"year": 2024, "direct": "m", "related": "", "bounds": ""},
        {"year": 2025, "direct": "v", "related": "", "bounds": "b1;b2"}]
    assert list(years_evidence(m, []).columns) == ["year", "direct", "related", "bounds"]


def test_each_group_says_what_it_drew_and_from_where(caplog):
    import logging

    evidence = _evidence(("out_2023", "cluster_output", 2023, "level", 5200, "exact"))
    with caplog.at_level(logging.INFO, logger="dgforecast.engine.group_paths"):
        simulate_targets([OUTPUT_TARGET], scenario(n_sims=10, as_of="2026-11"), evidence=evidence)
    assert [r.getMessage() for r in caplog.records if r.name == "dgforecast.engine.group_paths"] == [
        "t: 10 paths 2022-2025 from 4621.25 at 2021 (lognormal engine), 1 evidence rows"]


# ---------------------------------------------------------------- a base stated as a bound (超过600)
BOUND_TARGET = LevelTarget("output_2025", 800.0, ">=", 2025, 600.0, 2022, False, measure="cluster_output",
                           path="cluster_output", base_step=100.0)


def _bound_base_exact(reading, growth=0.10, volatility=0.05):
    """By hand: b = ln(X_2022 / 600) has the prior N(ln(1 + 50/600), ln(1 + 100/600)/√12) (the uniform on
    600-700 in logs, its mean and sd), truncated to b ≥ 0 (above the bound), and under the round reading
    also to b < ln(1 + 100/600) (below the next round figure). ln X_2025 = ln 600 + b + x_2023 + x_2024 +
    x_2025, the x iid N(ln 1.1, 0.05²). Returns the truncated b's mean and variance and P(X_2025 ≥ 800)."""
    from scipy import integrate, stats

    m, s = math.log1p(50 / 600), math.log1p(100 / 600) / math.sqrt(12)
    top = math.log1p(100 / 600) if reading == "round" else math.inf
    b = stats.truncnorm((0 - m) / s, (top - m) / s, loc=m, scale=s)
    growth_sd = volatility * math.sqrt(3)

    def met(x):
        return b.pdf(x) * stats.norm.cdf((math.log(600) + x + 3 * math.log1p(growth) - math.log(800)) / growth_sd)

    p, _ = integrate.quad(met, 0.0, min(top, m + 12 * s))
    return b.mean(), b.var(), p


@pytest.mark.parametrize("scale", [1.0, 0.01])  # 超过600 (step 100) and 超过6 (step 1): the same in logs
@pytest.mark.parametrize("reading", ["plain", "round"])
def test_a_base_stated_as_a_bound_is_its_round_figure_truncated_at_the_bound(reading, scale):
    params = scenario(growth=0.10, volatility=0.05, n_sims=40000, evidence=EvidenceParams(reading=reading))
    target = dataclasses.replace(BOUND_TARGET, threshold=800 * scale, base_level=600 * scale, base_step=100 * scale)
    group = simulate_targets([target], params).groups[0]
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    w = group.weights
    mean, var, p = _bound_base_exact(reading)
    mean_w = float(np.sum(w * b))
    var_w = float(np.sum(w * (b - mean_w) ** 2))
    ess = group.ess
    assert mean_w == pytest.approx(mean, abs=4 * math.sqrt(var / ess))
    assert var_w == pytest.approx(var, rel=4 * math.sqrt(2 / ess))
    # the deadline level starts from the drawn base: ln X_2025 - b - Σx = ln 600 on every path
    years = group.layout[:3]
    grown = np.log(group.deadline_values[2025]) - b - group.theta[:, :3].sum(axis=1)
    assert years == (2023, 2024, 2025) and np.allclose(grown, math.log(600 * scale))
    p_sim = float(np.sum(w * (group.deadline_values[2025] >= 800 * scale)))
    assert p_sim == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / ess))


def test_the_round_reading_of_a_bound_base_caps_it_below_the_next_round_figure():
    plain = _bound_base_exact("plain")
    round_ = _bound_base_exact("round")
    # by hand: the cap removes the upper tail beyond 700 (b > ln 7/6): a lower mean and a lower P(met)
    assert round_[0] < plain[0] and round_[2] < plain[2]
    params = scenario(growth=0.10, volatility=0.05, n_sims=40000, evidence=EvidenceParams(reading="round"))
    group = simulate_targets([BOUND_TARGET], params).groups[0]
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    inside = (b >= 0) & (b < math.log1p(100 / 600))
    assert np.all(group.weights[~inside] == 0) and np.all(group.weights[inside] > 0)


@pytest.mark.parametrize("measure", ["cluster_output", "cluster_revenue"])
def test_an_exact_level_after_a_bound_base_makes_the_base_irrelevant_to_the_deadline(measure):
    # exact 720 in 2024 (总产值, or 营业收入 of a revenue target: the path times its ratio): ln X_2024 = ln 720 on
    # every path whatever b, so ln X_2025 = ln 720 + x_2025: P(X_2025 ≥ 800) = Φ((ln 720 + ln 1.1 - ln 800) / 0.05),
    # the base's bound and round figure aside
    from scipy import stats

    params = scenario(growth=0.10, volatility=0.05, n_sims=40000, as_of="2026-11", revenue_to_output_ratio_sd=0.05)
    evidence = _evidence(("x_2024", measure, 2024, "level", 720, "exact"))
    target = dataclasses.replace(BOUND_TARGET, apply_ratio=measure == "cluster_revenue", measure=measure)
    group = simulate_targets([target], params, evidence=evidence).groups[0]
    assert np.allclose(np.log(group.paths[2024]), math.log(720), atol=4 * 0.5 / (math.sqrt(3) * 720))
    p = float(stats.norm.cdf((math.log(720) + math.log(1.1) - math.log(800)) / 0.05))
    w = group.weights
    p_sim = float(np.sum(w * (group.deadline_values[2025] >= 800)))
    assert p_sim == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / group.ess))
    # and the draws of b that the figure rules out (below the bound) weigh nothing
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    assert np.all(w[b < 0] == 0)


def test_the_fitted_engine_draws_a_bound_base_from_its_round_figure_and_keeps_the_bound(monkeypatch):
    # every path 10 % a year from the base (no spread): X_2025 = X_2022 · 1.1³ with X_2022 = 600 · e^b, b the
    # prior N(ln(1 + 50/600), ln(1 + 100/600)/√12) truncated at the bound (b ≥ 0), as the lognormal engine has it
    spread_models(monkeypatch, sds=(0.0, 0.0, 0.0))
    params = scenario(engine="fitted", n_sims=40000, as_of="2026-11", evidence=EvidenceParams(min_ess=10))
    group = simulate_targets([BOUND_TARGET], params, pd.Series({2021: 590.0, 2022: 600.0})).groups[0]
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    mean, var, _ = _bound_base_exact("plain")
    w = group.weights
    assert np.all(w[b < 0] == 0) and np.all(w[b >= 0] > 0)
    mean_w = float(np.sum(w * b))
    assert mean_w == pytest.approx(mean, abs=4 * math.sqrt(var / group.ess))
    assert float(np.sum(w * (b - mean_w) ** 2)) == pytest.approx(var, rel=4 * math.sqrt(2 / group.ess))
    assert np.allclose(group.deadline_values[2025], 600 * np.exp(b) * 1.1 ** 3, rtol=1e-9)


def test_a_bound_on_a_later_year_counts_the_drawn_base():
    # 突破700 in 2024 after 超过600 in 2022: a path weighs when its 2024 level, grown from its own drawn base, is
    # at 700 or more, and nothing otherwise
    params = scenario(growth=0.05, volatility=0.05, n_sims=20000, as_of="2026-11")
    evidence = _evidence(("b_2024", "cluster_output", 2024, "at_least", 700, "exact"))
    group = simulate_targets([BOUND_TARGET], params, evidence=evidence).groups[0]
    above = group.paths[2024].to_numpy() >= 700
    assert 0.1 < above.mean() < 0.9
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    assert np.all(group.weights[~above | (b < 0)] == 0) and np.all(group.weights[above & (b >= 0)] > 0)


def test_the_fitted_engine_moves_a_bound_base_onto_an_exact_later_level(monkeypatch):
    # growth alike on every path (10 %): an exact 720 in 2024 moves 2023, 2024 (metric 1 each, the paths
    # having no spread) and the base (metric its prior variance s_b²), so each path's base moves s_b² times
    # as far as its 2023 growth: b_prior = b - s_b² (x_2023 - ln 1.1) is the round figure's N(m_b, s_b) again
    spread_models(monkeypatch, sds=(0.0, 0.0, 0.0))
    params = scenario(engine="fitted", n_sims=4000, as_of="2026-11", evidence=EvidenceParams(min_ess=10))
    evidence = _evidence(("out_2024", "cluster_output", 2024, "level", 720, "exact"))
    group = simulate_targets([BOUND_TARGET], params, pd.Series({2021: 590.0, 2022: 600.0}), evidence).groups[0]
    layout = list(group.layout)
    b, x_2023 = group.theta[:, layout.index(condition.BASE)], group.theta[:, layout.index(2023)]
    assert np.allclose(group.paths[2024], 720, rtol=1e-9)
    assert np.allclose(group.deadline_values[2025], 720 * 1.1, rtol=1e-9)
    m, s = math.log1p(50 / 600), math.log1p(100 / 600) / math.sqrt(12)
    prior = b - s ** 2 * (x_2023 - math.log(1.1))
    assert prior.mean() == pytest.approx(m, abs=4 * s / math.sqrt(len(b)))
    assert prior.std() == pytest.approx(s, rel=0.05)


def test_the_fitted_projection_weighs_a_wide_bound_base_by_its_prior_variance(monkeypatch):
    # 超过600 with a step of 6000: s_b² = (ln 11)² / 12 is comparable to the years' metric (1 each, the paths
    # alike), so the exact 720 in 2024 moves each path's base by s_b² / (2 + s_b²) of its gap c - b, c = ln(720 /
    # (600 · 1.1²)): b' = (2 b + s_b² c) / (2 + s_b²), a normal with mean (2 m_b + s_b² c) / (2 + s_b²) and
    # sd 2 s_b / (2 + s_b²), over every path (the weights aside)
    spread_models(monkeypatch, sds=(0.0, 0.0, 0.0))
    params = scenario(engine="fitted", n_sims=4000, as_of="2026-11", evidence=EvidenceParams(min_ess=10))
    evidence = _evidence(("out_2024", "cluster_output", 2024, "level", 720, "exact"))
    target = dataclasses.replace(BOUND_TARGET, base_step=6000.0)
    group = simulate_targets([target], params, pd.Series({2021: 590.0, 2022: 600.0}), evidence).groups[0]
    b = group.theta[:, list(group.layout).index(condition.BASE)]
    m, s2 = math.log1p(3000 / 600), math.log1p(6000 / 600) ** 2 / 12
    c = math.log(720 / (600 * 1.1 ** 2))
    sd = 2 * math.sqrt(s2) / (2 + s2)
    assert b.mean() == pytest.approx((2 * m + s2 * c) / (2 + s2), abs=4 * sd / math.sqrt(len(b)))
    assert b.std() == pytest.approx(sd, rel=4 * math.sqrt(0.5 / len(b)))

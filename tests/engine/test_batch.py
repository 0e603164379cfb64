"""A batch of parameter points on one set of draws: each point gives the numbers the scenario engine gives.

What a sweep and the hinge table evaluate. The points share the draws (common random numbers), so they
differ by their assumptions only, and a point agrees with simulating, or assessing, the same parameters alone.
"""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.engine.batch import (
    EngineSetup,
    engine_setup,
    evaluate_points,
    point_params,
    result_columns,
)
from dgforecast.engine.closed_form import closed_form_p_met
from dgforecast.engine.order_statistics import lognormal_level_stats
from dgforecast.engine.simulate import QUANTILES, simulate_paths
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.targets import LevelTarget
from dgforecast.run.pipeline import load_inputs
from tests.conftest import SHIPPED

TARGET = "cluster_revenue_2025"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SHIPPED)


def _points(grid: dict) -> pd.DataFrame:
    """Every combination of the values, the first key varying slowest (as ``--grid`` makes them)."""
    return pd.MultiIndex.from_product(list(grid.values()), names=list(grid)).to_frame(index=False)


def _setup(inputs, engines=None, integrated=False, **overrides):
    # As of the plan (no evidence admitted), unless the overrides say otherwise; the link parameters at their
    # values (the fast paths' numbers), unless ``integrated`` keeps the shipped link_uncertainty.
    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"as_of": "2022-01", **overrides})
    if not integrated:
        base = base.model_copy(update={"link_uncertainty": {}, "sensitivity": {}})
    return engine_setup(inputs, base, engines)


def _target(target_id="t", group=0):
    return LevelTarget(target_id, 5400.0, ">=", 2025, 4621.25, 2021, True, group=group)


# ---------------------------------------------------------------- the pieces, by hand
def test_p_met_and_quantiles_of_a_shared_sorted_sample_by_hand():
    # ln value = ln 100 + S, S in {-1, 0, 1, 2}; the target 100 e^0.5 is passed by S = 1 and S = 2
    sample = np.array([-1.0, 0.0, 1.0, 2.0])
    stats = lognormal_level_stats([math.log(100)], [1.0], sample, 100 * math.exp(0.5))
    assert stats["p_met"].tolist() == [0.5]
    # numpy's linear rule: the median at position 1.5, q10 at 0.3, q90 at 2.7 of the sorted values
    e = math.e
    assert stats["median"][0] == pytest.approx(100 * (1 + 0.5 * (e - 1)))                # 185.91
    assert stats["q10"][0] == pytest.approx(100 * (1 / e + 0.3 * (1 - 1 / e)))             # 55.75
    assert stats["q90"][0] == pytest.approx(100 * (e + 0.7 * (e ** 2 - e)))                # 598.78
    values = 100 * np.exp(sample)
    assert [stats[name][0] for name in QUANTILES] == pytest.approx([np.quantile(values, q) for q in QUANTILES.values()])


def test_at_least_counts_a_path_exactly_at_the_target_and_more_than_does_not():
    sample = np.array([-1.0, 0.0, 1.0, 2.0])
    at_least = lognormal_level_stats([0.0], [1.0], sample, math.e, ">=")
    more_than = lognormal_level_stats([0.0], [1.0], sample, math.e, ">")
    assert (at_least["p_met"][0], more_than["p_met"][0]) == (0.5, 0.25)


def test_without_spread_a_point_meets_its_target_all_or_nothing():
    shift = np.log([99.0, 100.0, 101.0])
    stats = lognormal_level_stats(shift, [0.0, 0.0, 0.0], np.array([-1.0, 1.0]), 100.0)
    assert stats["p_met"].tolist() == [0.0, 1.0, 1.0] and stats["median"] == pytest.approx([99.0, 100.0, 101.0])
    assert lognormal_level_stats(shift, 0.0, np.array([-1.0, 1.0]), 100.0, ">")["p_met"].tolist() == [0.0, 0.0, 1.0]


def test_many_points_on_one_sample_are_each_evaluated_as_alone():
    sample = np.sort(np.random.default_rng(5).standard_normal(1001))
    shifts, scales = np.log([90.0, 100.0, 110.0]), np.array([0.05, 0.1, 0.2])
    together = lognormal_level_stats(shifts, scales, sample, 100.0)
    for i in range(3):
        alone = np.exp(shifts[i] + scales[i] * sample)
        assert together["p_met"][i] == (alone >= 100.0).mean()
        assert together["median"][i] == pytest.approx(np.median(alone), rel=1e-12)


def test_each_level_target_gets_p_met_its_quantiles_and_required_growth_and_with_evidence_its_sample_size():
    targets = (_target("a"), _target("b"))
    assert result_columns(targets) == ["p_met.a", "median.a", "q10.a", "q90.a", "required_cagr.a",
                                       "p_met.b", "median.b", "q10.b", "q90.b", "required_cagr.b"]
    assert result_columns(targets[:1], weighted=True)[-2:] == ["ess.a", "below_floor.a"]


def test_a_setup_counts_its_path_groups_and_gives_back_its_history():
    setup = EngineSetup(base=None, targets=(_target(group=0), _target(group=2)), history=((2020, 1.0), (2021, 2.0)))
    assert setup.n_groups == 3
    assert setup.history_series().to_dict() == {2020: 1.0, 2021: 2.0}
    assert EngineSetup(base=None, targets=()).n_groups == 1 and EngineSetup(None, ()).history_series() is None


def test_each_point_is_the_scenario_with_the_points_changes_laid_over_it(inputs):
    base = _setup(inputs).base
    changed = point_params(pd.DataFrame({"growth": [0.02, np.float64(0.05)], "growth_overrides.2022": [-0.1, 0.0]}),
                           base)
    assert [p.growth for p in changed] == [0.02, 0.05] and type(changed[1].growth) is float
    assert [p.growth_overrides[2022] for p in changed] == [-0.1, 0.0]
    assert all(p.volatility == base.volatility and p.seed == base.seed for p in changed)


# ---------------------------------------------------------------- points against the scenario engine
def test_without_volatility_the_target_year_value_is_compound_growth(inputs):
    setup = _setup(inputs, n_sims=100)
    results = evaluate_points(_points({"growth": [0.03, 0.04], "volatility": [0.0],
                                       "revenue_to_output_ratio_sd": [0.0]}), setup)
    # 4621.25 * 1.03**4 = 5201.26 < 5400 ; 4621.25 * 1.04**4 = 5406.21 >= 5400
    assert results[f"median.{TARGET}"].tolist() == pytest.approx([5201.26, 5406.21], abs=0.01)
    assert results[f"q10.{TARGET}"].tolist() == pytest.approx([5201.26, 5406.21], abs=0.01)
    assert results[f"p_met.{TARGET}"].tolist() == [0.0, 1.0]


def test_required_growth_rises_as_revenue_falls_short_of_output(inputs):
    results = evaluate_points(_points({"revenue_to_output_ratio": [0.95, 1.0]}), _setup(inputs, n_sims=100))
    # (5400 / (4621.25 * 0.95)) ** (1/4) - 1 = 0.053120 ; (5400 / 4621.25) ** (1/4) - 1 = 0.039701
    assert results[f"required_cagr.{TARGET}"].tolist() == pytest.approx([0.053120, 0.039701], abs=1e-6)


@pytest.mark.parametrize("ratio_sd", [0.0, 0.05])
def test_p_met_matches_the_closed_form_within_three_standard_errors(inputs, ratio_sd):
    n = 20_000
    points = _points({"growth": [0.0, 0.02, 0.04, 0.06, 0.08], "volatility": [0.03, 0.06, 0.1],
                      "revenue_to_output_ratio": [0.9, 1.0]})
    results = points.join(evaluate_points(points, _setup(inputs, n_sims=n, revenue_to_output_ratio_sd=ratio_sd)))
    for row in results.to_dict(orient="records"):
        exact = closed_form_p_met(5400, 4621.25, 4, row["growth"], row["volatility"],
                                  row["revenue_to_output_ratio"], ratio_sd, calibration="m3")  # the workbook's
        mc_se = math.sqrt(max(exact * (1 - exact), 1e-4) / n)
        assert abs(row[f"p_met.{TARGET}"] - exact) <= 3 * mc_se, row


def test_a_point_equals_simulating_its_parameters_alone_with_the_same_seed(inputs):
    points = _points({"growth": [0.02, 0.06], "revenue_to_output_ratio_sd": [0.0, 0.05],
                      "growth_overrides.2022": [-0.05]})
    results = points.join(evaluate_points(points, _setup(inputs, n_sims=2000)))
    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 2000}).model_copy(
        update={"link_uncertainty": {}})
    for row in results.to_dict(orient="records"):
        params = base.model_copy(update={"growth": row["growth"], "growth_overrides": {2022: -0.05},
                                         "revenue_to_output_ratio_sd": row["revenue_to_output_ratio_sd"]})
        values = simulate_paths(4621.25, 2021, params, np.random.default_rng(params.seed))[2025].to_numpy()
        assert row[f"p_met.{TARGET}"] == (values >= 5400).mean()
        assert row[f"median.{TARGET}"] == pytest.approx(np.median(values), rel=1e-12)
        assert row[f"q10.{TARGET}"] == pytest.approx(np.quantile(values, 0.1), rel=1e-12)
        assert row[f"q90.{TARGET}"] == pytest.approx(np.quantile(values, 0.9), rel=1e-12)


def test_common_random_numbers_make_p_met_rise_with_growth_at_every_step(inputs):
    points = _points({"revenue_to_output_ratio": [0.9, 1.0], "growth": list(np.round(np.arange(0, 0.0801, 0.005), 3))})
    results = points.join(evaluate_points(points, _setup(inputs, n_sims=2000)))
    for _, block in results.groupby("revenue_to_output_ratio"):
        assert np.all(np.diff(block[f"p_met.{TARGET}"].to_numpy()) >= 0)
        assert np.all(np.diff(block[f"median.{TARGET}"].to_numpy()) > 0)


def test_splitting_the_points_does_not_change_the_numbers(inputs):
    points = _points({"growth": [0.0, 0.02, 0.04, 0.06, 0.08], "volatility": [0.04, 0.08]})
    setup = _setup(inputs, n_sims=1000)
    whole = evaluate_points(points, setup)
    halves = [evaluate_points(points.iloc[:3], setup), evaluate_points(points.iloc[3:], setup)]
    assert np.array_equal(whole.to_numpy(), np.vstack([h.to_numpy() for h in halves]))
    assert list(whole.index) == list(points.index)


@pytest.mark.parametrize("as_of", ["2022-01", "2026-11"])
@pytest.mark.parametrize("engine, scenario, price_basis", [
    ("lognormal", "base", "nominal"), ("lognormal", "shock", "real"), ("fitted", "base", "nominal")])
def test_a_point_agrees_with_the_scenario_assessment(inputs, engine, scenario, price_basis, as_of):
    from dgforecast.judge.assess import assess_inputs

    # as of the plan, and under the evidence published by 2026-11 (a low effective-size floor and no
    # Monte Carlo margin on verdicts, so the assessment draws no extra paths: a batch never does)
    settings = {"n_sims": 500, "as_of": as_of, "evidence": {"min_ess": 10}, "verdict_thresholds": {"mc_sigmas": 0.0}}
    base = resolve_scenario(SHIPPED / "params.yaml", scenario, settings)
    points = pd.DataFrame({"engine": [engine], "growth": [0.06], "growth_overrides.2024": [0.0],
                           "price_basis": [price_basis]})
    row = evaluate_points(points, engine_setup(inputs, base, [engine])).iloc[0]
    params = resolve_scenario(SHIPPED / "params.yaml", scenario, {
        **settings, "growth": 0.06, "engine": engine, "growth_overrides": {2024: 0.0}, "price_basis": price_basis})
    summary = assess_inputs(params, inputs).summary.set_index("target_id").loc[TARGET]
    assert row[f"p_met.{TARGET}"] == pytest.approx(summary["p_met"], abs=1e-12)
    for stat in ("median", "q10", "q90"):
        assert row[f"{stat}.{TARGET}"] == pytest.approx(summary[stat], rel=1e-12)


def test_under_evidence_each_point_says_its_effective_sample_and_whether_it_is_below_the_floor(inputs):
    setup = _setup(inputs, n_sims=500, as_of="2026-11", evidence={"min_ess": 10})
    results = evaluate_points(_points({"growth": [0.02, 0.06]}), setup)
    ess, floor = results[f"ess.{TARGET}"], results[f"below_floor.{TARGET}"]
    assert ((0 < ess) & (ess <= 500)).all() and set(floor) <= {0.0, 1.0}
    assert (floor == (ess < 10).astype(float)).all()
    assert not any(c.startswith(("ess.", "below_floor.")) for c in evaluate_points(
        _points({"growth": [0.02]}), _setup(inputs, n_sims=100)).columns)  # as of the plan: no such columns


def test_a_sweep_over_the_calibration_equals_simulating_each_point_with_the_same_seed(inputs):
    # calibration is a structural key: a group's points share it, and its plan-time sum of shocks is weighted
    # by that calibration's yearly sd multipliers (all 1 for none)
    points = _points({"calibration": ["m3", "none"], "volatility": [0.05, 0.1], "revenue_to_output_ratio_sd": [0.0, 0.05]})
    results = points.join(evaluate_points(points, _setup(inputs, n_sims=2000)))
    base = resolve_scenario(SHIPPED / "params.yaml", "base", {"n_sims": 2000}).model_copy(
        update={"link_uncertainty": {}})
    for row in results.to_dict(orient="records"):
        params = base.model_copy(update={k: row[k] for k in ("calibration", "volatility", "revenue_to_output_ratio_sd")})
        values = simulate_paths(4621.25, 2021, params, np.random.default_rng(params.seed))[2025].to_numpy()
        assert row[f"p_met.{TARGET}"] == (values >= 5400).mean()
        for stat, q in (("median", 0.5), ("q10", 0.1), ("q90", 0.9)):
            assert row[f"{stat}.{TARGET}"] == pytest.approx(np.quantile(values, q), rel=1e-12)
    p = results.set_index(["calibration", "volatility", "revenue_to_output_ratio_sd"])[f"p_met.{TARGET}"]
    assert (p.loc["m3"] < p.loc["none"]).all()  # growth after a history falls short of its pace: lower P(met)


def test_a_point_with_link_spreads_drawn_per_path_equals_the_scenarios_assessment(inputs):
    # the shipped link_uncertainty: every point is simulated as the scenario is (integrated over the spreads),
    # its resample of the spreads' candidates the scenario's to the last bit. A low effective-size floor, so
    # the assessment draws no extra paths: a batch never does (it flags the point, below)
    from dgforecast.judge.assess import assess_once

    setup = _setup(inputs, integrated=True, n_sims=2000, as_of="2026-11", evidence={"min_ess": 10})
    results = evaluate_points(_points({"growth": [0.03, 0.06]}), setup)
    for growth, (_, row) in zip((0.03, 0.06), results.iterrows()):
        params = setup.base.model_copy(update={"growth": growth})
        summary = assess_once(params, inputs, levels_only=True).summary.iloc[0]
        assert row[f"p_met.{TARGET}"] == pytest.approx(summary["p_met"], abs=1e-12)
        for stat in ("median", "q10", "q90"):
            assert row[f"{stat}.{TARGET}"] == pytest.approx(summary[stat], rel=1e-12)


def test_a_point_below_the_effective_size_floor_is_flagged_not_drawn_again(inputs):
    # the shipped floor of 2,000 with 2,000 paths: the assessment would draw more, a sweep keeps its paths
    floor = evaluate_points(_points({"growth": [0.06]}), _setup(inputs, integrated=True, n_sims=2000, as_of="2026-11"))
    low = evaluate_points(_points({"growth": [0.06]}),
                          _setup(inputs, integrated=True, n_sims=2000, as_of="2026-11", evidence={"min_ess": 10}))
    assert floor[f"below_floor.{TARGET}"].tolist() == [1.0] and low[f"below_floor.{TARGET}"].tolist() == [0.0]
    assert floor[f"p_met.{TARGET}"].tolist() == low[f"p_met.{TARGET}"].tolist()
    assert 0 < floor[f"ess.{TARGET}"].iloc[0] < 2000

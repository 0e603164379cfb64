"""A sweep's points with the link spreads drawn per path: each point is the scenario's simulation, shared work aside.

The batch shares the draws, the candidates of the spreads, their weights' quadratic and each candidate's
posterior between points; what it must not change is any point's numbers. Each is held to the scenario's
assessment of the same parameters (P(met) to 1e-12, quantiles to 1e-12 relative), over growth, volatility,
the revenue ratio and its sd, overridden years and the price basis, as of the plan and under the evidence,
and under other link specs than the shipped ones.
"""

import numpy as np
import pandas as pd
import pytest

from dgforecast.engine.batch import engine_setup, evaluate_points
from dgforecast.judge.assess import assess_once
from dgforecast.plan.link_schema import LinkSpec
from dgforecast.plan.params import changed, resolve_scenario
from dgforecast.run.pipeline import load_inputs
from tests.conftest import SHIPPED

TARGET = "cluster_revenue_2025"
#: Points that differ in everything a sweep varies: each gets its own resample and its own state.
POINTS = pd.DataFrame({
    "growth": [0.0, 0.03, 0.06, 0.06, 0.09, 0.06],
    "volatility": [0.075, 0.075, 0.05, 0.075, 0.12, 0.075],
    "revenue_to_output_ratio": [1.0, 0.95, 1.0, 1.05, 1.0, 1.0],
    "revenue_to_output_ratio_sd": [0.055, 0.03, 0.055, 0.0, 0.08, 0.055],
    "growth_overrides.2023": [0.06, -0.05, 0.06, 0.0, 0.1, 0.06],
    "price_basis": ["nominal", "nominal", "nominal", "nominal", "nominal", "real"],
})


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SHIPPED)


def _base(as_of, links=None, n_sims=1500, min_ess=10):
    # a low effective-size floor, so the assessment draws no more paths than the batch (which never does)
    base = resolve_scenario(SHIPPED / "params.yaml", "base",
                            {"n_sims": n_sims, "as_of": as_of, "evidence": {"min_ess": min_ess}})
    if links is not None:
        base = base.model_copy(update={"link_uncertainty": {k: LinkSpec(**v) for k, v in links.items()}})
    return base


def _assert_each_point_is_its_assessment(inputs, base, points, redraw=False):
    results = evaluate_points(points, engine_setup(inputs, base), redraw=redraw)
    for i, row in enumerate(points.to_dict(orient="records")):
        params = changed(base, row)
        summary = assess_once(params, inputs, levels_only=True).summary.set_index("target_id").loc[TARGET]
        got = results.iloc[i]
        assert got[f"p_met.{TARGET}"] == pytest.approx(summary["p_met"], abs=1e-12), row
        for stat in ("median", "q10", "q90"):
            assert got[f"{stat}.{TARGET}"] == pytest.approx(summary[stat], rel=1e-12), (row, stat)
    return results


@pytest.mark.parametrize("as_of", ["2026-11", "2022-01"])
def test_every_point_is_the_scenarios_assessment_of_its_parameters(inputs, as_of):
    results = _assert_each_point_is_its_assessment(inputs, _base(as_of), POINTS)
    assert results[f"p_met.{TARGET}"].nunique() == len(POINTS)  # they are different points


def test_other_link_specs_are_integrated_the_same_way_point_by_point(inputs):
    # a measured city ratio spread (df), a wide growth link, the ratio's sd known, the nominal gap not uncertain
    links = {"city_ratio_sd": {"df": 4}, "growth_link_sd": {"factor": [0.5, 3.0]}, "ytd_sd": {"df": 7},
             "city_gap_sd": {"df": 3}}
    _assert_each_point_is_its_assessment(inputs, _base("2026-11", links), POINTS.iloc[[0, 1, 4]])
    # the nominal gap's centre alone uncertain: no spread drawn, one conjugate update for every path
    _assert_each_point_is_its_assessment(inputs, _base("2026-11", {"nominal_gap": {"sd": 0.024}}), POINTS.iloc[[2, 5]])


def test_a_points_numbers_do_not_depend_on_the_points_beside_it(inputs):
    setup = engine_setup(inputs, _base("2026-11", n_sims=800))
    grid = pd.MultiIndex.from_product([[0.02, 0.05, 0.08], [0.9, 1.0, 1.1]],
                                      names=["growth", "revenue_to_output_ratio"]).to_frame(index=False)
    whole = evaluate_points(grid, setup)
    for i in (0, 4, 8):
        alone = evaluate_points(grid.iloc[[i]], setup)
        assert np.array_equal(alone.to_numpy(), whole.iloc[[i]].to_numpy())
    # common random numbers: at each ratio, P(met) rises with growth
    p = grid.join(whole).pivot(index="growth", columns="revenue_to_output_ratio", values=f"p_met.{TARGET}")
    assert (p.diff().dropna() > 0).all().all()


def test_a_point_no_path_is_consistent_with_is_left_empty_and_the_others_are_not(inputs):
    # volatility 0.001 and no growth: no path reaches the 2025 output the hard bound (突破) requires
    setup = engine_setup(inputs, _base("2026-11", n_sims=800))
    results = evaluate_points(pd.DataFrame({"volatility": [0.001, 0.075], "growth": [0.0, 0.06]}), setup)
    assert results[f"ess.{TARGET}"].iloc[0] == 0 and results[f"below_floor.{TARGET}"].iloc[0] == 1.0
    assert np.isnan(results[f"p_met.{TARGET}"].iloc[0]) and 0 < results[f"p_met.{TARGET}"].iloc[1] < 1


def test_with_redraw_a_point_under_the_floor_is_drawn_again_as_the_assessment_draws_it(inputs):
    # the round reading at a low ratio leaves few paths inside its bounds: under a floor of 200 at 1,500 paths
    base = _base("2026-11", n_sims=1500, min_ess=200)
    points = pd.DataFrame({"revenue_to_output_ratio": [0.85, 1.0], "evidence.reading": ["round", "plain"]})
    flagged = evaluate_points(points, engine_setup(inputs, base))
    assert flagged[f"below_floor.{TARGET}"].tolist() == [1.0, 0.0]
    results = _assert_each_point_is_its_assessment(inputs, base, points, redraw=True)
    assert results[f"below_floor.{TARGET}"].tolist() == [0.0, 0.0]
    assert results[f"ess.{TARGET}"].iloc[0] >= 200 > flagged[f"ess.{TARGET}"].iloc[0]
    assert results.iloc[1].equals(flagged.iloc[1])  # a point over the floor is the batch's, untouched

"""A verdict that survives what it rests on: the sensitivity set, the figures since the plan, the related rows."""

import math

import pandas as pd
import pytest

from dgforecast.core.vocabulary import MET, NOT_MET, UNCONFIRMED
from dgforecast.judge import robust
from dgforecast.judge.robust import (
    Case,
    apply_robust,
    judge_scenario,
    moved_by_evidence,
    robust_table,
    sensitivity_cases,
    without_related,
)
from dgforecast.plan.params import resolve_scenario
from dgforecast.run.pipeline import load_inputs
from tests.conftest import SHIPPED, with_outcome

TARGET = "cluster_revenue_2025"


def _params(name="base", **overrides):
    return resolve_scenario(SHIPPED / "params.yaml", name, {"n_sims": 4000, "as_of": "2026-11", **overrides})


def test_the_set_puts_each_parameter_at_both_ends_fixed_there_and_the_other_reading():
    params = _params()
    cases = sensitivity_cases(params)
    named = {(c.name, c.end): c for c in cases}
    assert set(params.sensitivity) == {c.name for c in cases}
    assert ("reading", "round") in named and ("reading", "plain") not in named  # the centre's own is not a case
    low = named[("growth_link_sd", "low")]
    assert low.value == 0.025 and low.params.evidence.growth_link_sd == 0.025
    assert "growth_link_sd" not in low.params.link_uncertainty            # fixed at the end: no longer drawn
    assert "ytd_sd" in low.params.link_uncertainty                        # the others still are
    ratio = named[("revenue_to_output_ratio_sd", "high")]
    assert ratio.params.revenue_to_output_ratio_sd == 0.11
    assert named[("reading", "round")].params.evidence.reading == "round"
    assert len(cases) == 2 * (len(params.sensitivity) - 1) + 1


@pytest.mark.parametrize("now, plan, moved", [
    ((0.80, 0.003, "", 0.10), (0.70, 0.003, "", 0.10), True),     # P(met) moved by 23 standard errors
    ((0.70, 0.003, "", 0.10), (0.70, 0.003, "", 0.10), False),    # the same figures as at the plan
    ((0.701, 0.003, "", 0.10), (0.70, 0.003, "", 0.10), False),   # within Monte Carlo error
    ((0.70, 0.003, "", 0.08), (0.70, 0.003, "", 0.10), True),     # the spread narrowed by a fifth
    ((0.70, 0.003, "", 0.095), (0.70, 0.003, "", 0.10), False),   # by a twentieth only
    ((0.99, 0.001, "", 0.01), (math.nan, math.nan, "", math.nan), True),  # a probability only since a figure
    ((0.99, 0.001, "", 0.01), None, True),
])
def test_figures_since_the_plan_moved_a_target(now, plan, moved):
    assert moved_by_evidence(now, plan, 3.0) is moved


def _case(name, end, value):
    return Case(name, end, value, None)


def test_a_decisive_verdict_must_hold_under_every_case():
    central = (0.95, 0.002, MET, 0.1)
    holds = [(_case("ytd_sd", "low", 0.03), (0.96, 0.002, MET, 0.1))]
    breaks = holds + [(_case("city_gap", "low", 0.02), (0.85, 0.003, UNCONFIRMED, 0.1))]
    assert robust.decide(central, holds, True)[0] == MET
    label, why, breaking = robust.decide(central, breaks, True)
    assert (label, breaking) == (UNCONFIRMED, "city_gap=0.02") and "not under every assumption" in why
    assert robust.decide(central, holds, False)[:2] == (UNCONFIRMED, "no figure published since the plan bears on it")
    assert robust.decide((0.5, 0.01, UNCONFIRMED, 0.1), holds, True)[0] == UNCONFIRMED
    assert robust.decide((0.02, 0.001, NOT_MET, 0.1), [], True) == (NOT_MET, "no sensitivity set is declared", "")


def test_the_worst_case_is_the_one_farthest_from_the_centres_side():
    met_side = [(_case("a", "low", 1), (0.91, 0, MET, 0)), (_case("b", "high", 2), (0.80, 0, UNCONFIRMED, 0))]
    assert robust.worst_case((0.95, 0, MET, 0), met_side)[0].name == "b"
    missed_side = [(_case("a", "low", 1), (0.05, 0, NOT_MET, 0)), (_case("b", "high", 2), (0.20, 0, UNCONFIRMED, 0))]
    assert robust.worst_case((0.03, 0, NOT_MET, 0), missed_side)[0].name == "b"


@pytest.mark.slow
@pytest.mark.parametrize("value, expected", [(5500.0, MET), (5300.0, NOT_MET)])
def test_an_exact_outcome_decides_under_every_assumption(tmp_path, value, expected):
    table = robust_table(_params(), with_outcome(tmp_path, value)).set_index("target_id")
    row = table.loc[TARGET]
    assert row["verdict"] == expected and row["why"] == "holds under every assumption of the sensitivity set"
    assert row["moved"] and row["breaking"] == ""
    assert row["p_set_low"] == row["p_set_high"] == (1.0 if expected == MET else 0.0)


@pytest.mark.slow
def test_the_shipped_base_case_says_what_it_rests_on():
    params = _params()
    result = judge_scenario(params, load_inputs(SHIPPED))
    row = result.robust.set_index("target_id").loc[TARGET]
    status = result.summary.set_index("target_id").loc[TARGET, "status"]
    assert status == row["verdict"]                                   # the summary carries the robust verdict
    assert row["p_set_low"] <= row["worst_p"] <= row["p_met"] <= row["p_set_high"]
    assert row["worst_case"] in params.sensitivity and row["moved"]
    assert row["p_met_plan"] < row["p_met"]                            # the figures since the plan raised it
    assert not math.isnan(row["p_without_related"])                    # the city's figures exist here


def test_without_related_leaves_out_the_citys_rows_and_nothing_else():
    inputs = load_inputs(SHIPPED)
    kept = without_related(inputs)["evidence"]
    assert not kept["measure"].str.startswith("city_").any()
    assert set(kept["evidence_id"]) == set(inputs["evidence"].loc[~inputs["evidence"]["measure"].str.startswith(
        "city_"), "evidence_id"])
    assert without_related({**inputs, "evidence": kept}) is None


def test_apply_robust_writes_the_verdict_into_the_status():
    class Result:
        summary = pd.DataFrame({"target_id": [TARGET, "other"], "status": ["已实现", "x"]})

    result = Result()
    apply_robust(result, pd.DataFrame({"target_id": [TARGET], "verdict": [UNCONFIRMED]}))
    assert list(result.summary["status"]) == [UNCONFIRMED, "x"] and len(result.robust) == 1

"""Judging targets: probabilities, status labels, crossing years, count targets, whole scenarios."""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ParamsError
from dgforecast.engine.closed_form import closed_form_p_met
from dgforecast.judge.assess import SUMMARY_COLUMNS, assess_inputs, crossing_year, fan_quantiles
from dgforecast.judge.count_targets import count_target_assessment
from dgforecast.judge.verdicts import p_target_met, status_label
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.schema import StatusThresholds
from dgforecast.run.pipeline import load_inputs
from tests.conftest import SHIPPED

DEFAULT = StatusThresholds()
FIRST_SETS = {"id": "first_sets_2025", "threshold": 100.0, "comparison": ">", "deadline": 2025, "start_year": 2021}


def progress(*rows):
    """A progress table of (target, year, count[, published]) rows; published in the January after by default."""
    return pd.DataFrame([{"target_id": r[0], "year": r[1], "count": r[2], "source": "test",
                          "published": r[3] if len(r) > 3 else f"{r[1] + 1}-01"} for r in rows],
                        columns=["target_id", "year", "count", "source", "published"])


# ---------------------------------------------------------------- probabilities and labels
def test_p_target_met_counts_the_threshold_itself_as_met():
    assert p_target_met([5300, 5400, 5500, 5600], 5400) == 0.75


def test_p_target_met_strictly_above_for_greater_than():
    assert p_target_met([5300, 5400, 5500, 5600], 5400, ">") == 0.5


@pytest.mark.parametrize("p, label", [
    (0.95, "快于预期"), (0.8, "快于预期"), (0.79, "基本符合预期"), (0.5, "基本符合预期"),
    (0.49, "存在风险"), (0.2, "存在风险"), (0.19, "难以实现"), (0.0, "难以实现"),
])
def test_status_label_cut_offs_include_their_lower_edge(p, label):
    assert status_label(p, DEFAULT) == label


def test_status_is_achieved_early_when_met_before_the_deadline_with_high_probability():
    assert status_label(0.5, DEFAULT, p_met_early=0.9) == "提前实现"
    assert status_label(0.95, DEFAULT, p_met_early=0.89) == "快于预期"


def test_status_thresholds_can_be_a_plain_mapping():
    assert status_label(0.6, {"early": 0.95, "ahead": 0.7, "on_track": 0.6, "at_risk": 0.3}) == "基本符合预期"


def test_unknown_probability_reads_no_public_figure():
    assert status_label(math.nan, DEFAULT) == "暂无公开数字"


# ---------------------------------------------------------------- crossing years and fans
def test_crossing_year_median_and_band_from_first_years():
    # First crossings: 2022 x2, 2023 x3, 2024 x3, never x2 (threshold 100).
    rows = [[100, 100, 100]] * 2 + [[90, 100, 100]] * 3 + [[90, 95, 101]] * 3 + [[90, 95, 99]] * 2
    paths = pd.DataFrame(rows, columns=[2022, 2023, 2024])
    assert crossing_year(paths, 100) == {"never_share": 0.2, "median": 2023, "q10": 2022, "q90": None}


def test_crossing_year_when_every_path_crosses():
    paths = pd.DataFrame([[99, 101]] * 4, columns=[2024, 2025])
    assert crossing_year(paths, 100) == {"never_share": 0.0, "median": 2025, "q10": 2025, "q90": 2025}


def test_fan_has_deciles_by_year():
    paths = pd.DataFrame({2022: np.arange(101.0), 2023: np.arange(101.0) * 2})
    fan = fan_quantiles(paths)
    assert list(fan.columns) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert fan.loc[2022, 0.1] == 10.0 and fan.loc[2023, 0.9] == 180.0


# ---------------------------------------------------------------- count targets
def test_count_target_without_progress_gives_required_pace_only():
    result = count_target_assessment(FIRST_SETS, progress(), "2021-12")
    assert result["required_pace"] == 25.0
    assert math.isnan(result["p_met"]) and result["status"] == "暂无公开数字"
    assert "no progress counts" in result["note"]


def test_count_target_poisson_gamma_pace_by_hand():
    # 30 + 20 in 2022-2023: λ ~ Gamma(50.5, 2); the 2024-2025 count ~ NegBin(50.5, p = 2/4).
    # "> 100" needs more than 50 more: P = 0.4801 (scipy nbinom.sf(50, 50.5, 0.5); 2 million draws of
    # the Gamma-Poisson mixture give 0.4802 +- 0.0004).
    result = count_target_assessment(FIRST_SETS, progress(("first_sets_2025", 2022, 30), ("first_sets_2025", 2023, 20)),
                                     "2024-01")
    assert result["achieved"] == 50 and result["observed_pace"] == 25.0 and result["pace_needed_now"] == 25.0
    assert result["p_met"] == pytest.approx(0.4801, abs=1e-4)
    assert (result["q10"], result["median"], result["q90"]) == (88.0, 100.0, 114.0)
    assert result["status"] == "存在风险"


def test_a_year_not_entered_is_unknown_and_drawn_by_the_pace_model_not_zero():
    # 30 in 2023 only: λ ~ Gamma(30.5, 1); 2022, 2024 and 2025 not entered ~ NegBin(30.5, p = 1/4); "> 100"
    # needs more than 70 of them: P = nbinom.sf(70, 30.5, 0.25) = 0.8684 (read as zero, 2022 made it 0.0)
    result = count_target_assessment(FIRST_SETS, progress(("first_sets_2025", 2023, 30)), "2026-11")
    assert result["p_met"] == pytest.approx(0.8684, abs=1e-4)
    assert (result["years_entered"], result["years_missing"]) == ("2023", "2022, 2024, 2025")
    assert (result["q10"], result["median"], result["q90"]) == (98.0, 120.0, 147.0)
    assert "not entered, drawn by the pace model: 2022, 2024, 2025" in result["note"]


def test_count_target_pace_matches_a_gamma_poisson_simulation():
    rng = np.random.default_rng(7)
    rate = rng.gamma(2.5, 1 / 2, size=200_000)  # 2 counted in 2 years: Gamma(0.5 + 2, 2)
    future = rng.poisson(2 * rate)
    expected = float((2 + future >= 10).mean())
    target = {**FIRST_SETS, "threshold": 10.0, "comparison": ">="}
    result = count_target_assessment(target, progress(("first_sets_2025", 2022, 1), ("first_sets_2025", 2023, 1)),
                                     "2024-01")
    assert abs(result["p_met"] - expected) < 3 * math.sqrt(expected * (1 - expected) / 200_000)
    assert result["p_met"] == pytest.approx(0.0343, abs=1e-4)


def test_count_target_already_met_is_achieved_early():
    result = count_target_assessment(FIRST_SETS, progress(("first_sets_2025", 2022, 120)), "2023-01")
    assert result["p_met"] == 1.0 and result["status"] == "提前实现"


def test_every_year_entered_and_short_is_certainly_missed():
    rows = [("first_sets_2025", y, 20) for y in range(2022, 2026)]
    result = count_target_assessment(FIRST_SETS, progress(*rows), "2026-11")
    assert (result["p_met"], result["achieved"], result["years_missing"]) == (0.0, 80.0, "none")


def test_counts_published_after_the_as_of_month_are_not_used():
    table = progress(("first_sets_2025", 2022, 30, "2023-01"), ("first_sets_2025", 2024, 90, "2025-03"))
    assert count_target_assessment(FIRST_SETS, table, "2025-02")["achieved"] == 30
    assert count_target_assessment(FIRST_SETS, table, "2025-03")["achieved"] == 120
    assert math.isnan(count_target_assessment(FIRST_SETS, table, "2022-01")["p_met"])  # as of the plan: nothing


# ---------------------------------------------------------------- whole scenarios
@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SHIPPED)


def resolved(name, **changes):
    # As of the plan: the engine and the judging, without the evidence (tests/engine/test_condition.py has those).
    return resolve_scenario(SHIPPED / "params.yaml", name, {"n_sims": 4000, "as_of": "2022-01", **changes})


def test_summary_has_one_row_per_target_with_the_agreed_columns(inputs):
    result = assess_inputs(resolved("base"), inputs)
    assert list(result.summary.columns) == SUMMARY_COLUMNS
    assert len(result.summary) == len(inputs["targets"])
    assert set(result.summary["scenario"]) == {"base"}


def test_level_target_p_met_agrees_with_closed_form(inputs):
    # at the required growth the uncalibrated median lands on the target: P(met) = 1/2
    result = assess_inputs(resolved("base", growth=0.0397, volatility=0.05, revenue_to_output_ratio_sd=0.0,
                                    calibration="none"), inputs)
    row = result.summary.set_index("target_id").loc["cluster_revenue_2025"]
    se = math.sqrt(0.25 / 4000)
    assert abs(row["p_met"] - 0.5) < 3 * se
    assert result.closed_form.loc[0, "p_closed_form"] == pytest.approx(0.5, abs=1e-4)
    assert result.joint_p_all_levels == row["p_met"]  # one level target: the joint is its P(met)


def test_shock_scenario_agrees_with_closed_form_of_its_yearly_growth(inputs):
    result = assess_inputs(resolved("shock", revenue_to_output_ratio_sd=0.0), inputs)
    # the shock years keep their own growth and take the calibration's shift for their horizon like any year
    exact = closed_form_p_met(5400, 4621.25, 4, [-0.05, 0.0, 0.06, 0.06], 0.075, calibration="m3")
    assert result.closed_form.loc[0, "p_closed_form"] == pytest.approx(exact)
    assert abs(result.closed_form.loc[0, "z"]) < 3


def test_growth_table_shows_required_historical_and_model_growth(inputs):
    table = assess_inputs(resolved("base"), inputs).growth_table.set_index("measure")["growth"]
    assert table["required"] == pytest.approx(0.0397, abs=1e-4)
    assert table["historical_city"] == pytest.approx(0.1172, abs=1e-4)  # (5008.81 / 2878.23)^(1/5) - 1
    assert table["historical_sector"] == pytest.approx(0.183)
    assert table["scenario"] == pytest.approx(0.06)


def test_fan_and_paths_cover_the_simulated_years(inputs):
    result = assess_inputs(resolved("base"), inputs)
    assert list(result.fan.index) == [2022, 2023, 2024, 2025] and result.paths.shape == (4000, 4)
    assert result.actuals.to_dict() == {2021: 4621.25}


def test_target_year_before_a_deadline_is_refused(inputs):
    with pytest.raises(ParamsError, match="target_year = 2024: before the deadline 2025 of target cluster_revenue_2025"):
        assess_inputs(resolved("base", target_year=2024), inputs)


def test_fitted_engine_runs_on_the_published_history(inputs):
    result = assess_inputs(resolved("base", engine="fitted", n_sims=500), inputs)
    assert result.paths.shape == (500, 4) and 0 <= result.summary.loc[0, "p_met"] <= 1
    assert "scenario" not in set(result.growth_table["measure"])  # growth is not used by this engine
    assert result.closed_form.empty

"""Simulation-based calibration on a small draw: the truth's place in the engine's posterior is what it should be.

benchmarks/sbc.py draws the truth from the prior, publishes figures from it, conditions the engine and
ranks the truth among the paths (its result: benchmarks/results/sbc.md). Here the same functions run on
designs built to be sharp: the link spreads known (the conjugate update alone), the years run to 2100
with one 增加值 growth row each, so one replication gives 79 independent checks, and each design lets one
variance dominate its rows. Over the replications z = (truth − posterior mean) / posterior sd has mean 0
and mean square 1 when the engine's posterior is the model's: a sign flipped moves the mean, a variance
20 % off moves the mean square by 0.12-0.18, five to six standard errors here (checked by mutating
condition.py, posterior.py and prior.py; benchmarks/results/sbc.md lists the mutants). The prior itself
is not checked here: the truth is drawn from the same ``prior_moments``.
"""

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest

from dgforecast.plan.params import resolve_scenario
from dgforecast.run.pipeline import load_inputs

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("sbc", REPO / "benchmarks" / "sbc.py")
sbc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sbc)

LAST = 2100
YEARS = range(2022, LAST + 1)
#: How far the mean and the mean square of z may stray, in standard errors of their replications' spread.
TOLERANCE = 4.0


def z_moments(shipped, design, evidence, replications):
    """(mean z, its s.e., mean z², its s.e.) of the years' growth over the replications."""
    params = resolve_scenario(shipped / "params.yaml", "base", {   # every row reaches the engine (reuse_table)
        "target_year": LAST, "n_sims": 2000,
        "evidence": {"min_ess": 10, "reading": "round", **evidence}})
    params = params.model_copy(update={"link_uncertainty": {}})   # the spreads known: one conjugate update
    logging.disable(logging.WARNING)
    try:
        table = sbc.run_sbc(params, load_inputs(shipped), design, replications, seed=24, reuse_table=True)
    finally:
        logging.disable(logging.NOTSET)
    years = table[table["quantity"].str.startswith("x_")]
    per = years.groupby("replication")["z"].agg(m1="mean", m2=lambda z: float(np.mean(z ** 2)))
    root = np.sqrt(len(per))
    return per["m1"].mean(), per["m1"].std() / root, per["m2"].mean(), per["m2"].std() / root


def assert_calibrated(m1, se1, m2, se2, sharp=0.04):
    assert abs(m1) < TOLERANCE * se1, f"mean z {m1:+.3f} (s.e. {se1:.3f}): the posterior's centre is off"
    assert abs(m2 - 1) < TOLERANCE * se2, f"mean z² {m2:.3f} (s.e. {se2:.3f}): the posterior's width is off"
    assert se2 < sharp, f"s.e. {se2:.3f} of mean z²: too few checks to see a variance 20 % off"


@pytest.mark.slow
def test_full_year_value_added_rows_leave_the_truth_where_the_link_error_says(shipped):
    """One full-year 增加值 growth a year: its error is the link error alone (growth_link_sd) and the
    nominal-over-real gap (a sign flipped there shows in the mean)."""
    design = [("va", year, "year") for year in YEARS]
    assert_calibrated(*z_moments(shipped, design, {"growth_link_sd": 0.05}, 40))


@pytest.mark.slow
def test_january_figures_leave_the_truth_where_the_unseen_months_say(shipped):
    """One January-only 增加值 growth a year, the link error small: the error is the eleven months unseen,
    ytd_sd·11/12."""
    design = [("va", year, "YTD_M01") for year in YEARS]
    assert_calibrated(*z_moments(shipped, design, {"growth_link_sd": 0.01}, 40))


@pytest.mark.slow
def test_city_rows_leave_the_truth_where_their_own_error_says(shipped):
    """One city 增加值 growth a year, its own error (city_gap_sd, large here) dominating."""
    design = [("city_va", year, "year") for year in YEARS]
    assert_calibrated(*z_moments(shipped, design, {"growth_link_sd": 0.01, "city_gap_sd": 0.04}, 40))


@pytest.mark.slow
def test_city_rows_read_through_the_city_gap_leave_the_truth_centred(shipped):
    """The city's growth is the cluster's less δ: with δ's prior as tight as the data (city_gap_sd 0.0106), a
    sign flipped in the row or in δ's prior moves the mean of z by about 2 (too few checks for the width)."""
    design = [("city_va", year, "year") for year in YEARS]
    assert_calibrated(*z_moments(shipped, design, {"growth_link_sd": 0.005, "city_gap_sd": 0.0106}, 15), sharp=0.2)


def test_the_highest_round_figure_passed_is_the_statement_whose_interval_holds_the_level():
    assert sbc.highest_round_passed(5834.2) == 5000
    assert sbc.highest_round_passed(5000.0) == 5000
    assert sbc.highest_round_passed(12345.0) == 10000   # 突破1万: its next round figure is 2万
    assert sbc.highest_round_passed(999.9) == 900


def test_a_fixed_figure_is_stated_on_the_side_the_truth_is():
    truth = {"x": {2022: np.log(6000 / 5000)}, "spreads": {}}
    measures = {"level": "cluster_output"}
    above = sbc.level_figures(truth, measures, "fixed_bound", 2022, 5500, np.log(5000), None)
    below = sbc.level_figures(truth, measures, "fixed_bound", 2022, 6500, np.log(5000), None)
    assert (above[0]["kind"], above[0]["value"]) == ("at_least", "5500")
    assert (below[0]["kind"], below[0]["value"]) == ("at_most", "6500")

"""The drift family: random walks with drift in levels, in logs and damped, and constant growth at a CAGR."""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ModelError
from dgforecast.models.drift import ConstantGrowth, DampedDrift, Drift, LogDrift, drift_forecast


def yearly(values, first=2012):
    return pd.Series(np.asarray(values, float), index=range(first, first + len(values)))


def geometric(n=10, start=100.0, growth=0.1, first=2012):
    return yearly(start * (1 + growth) ** np.arange(n), first)


# ---------------------------------------------------------------- constant growth (cagr)
def test_constant_growth_recovers_five_percent_and_continues_it():
    model = ConstantGrowth.fit(geometric(8, growth=0.05, first=2015))  # 100 x 1.05^t, 2015-2022
    assert model.params["cagr"] == pytest.approx(0.05) and model.params["window_years"] == 5
    assert model.params["sigma_log"] == pytest.approx(0.0, abs=1e-12)
    # 100 x 1.05^8 = 147.7455443789, 100 x 1.05^9 = 155.1328215979
    assert model.forecast(2).to_dict() == pytest.approx({2023: 147.7455443789, 2024: 155.1328215979})


def test_cagr_gives_back_the_growth_rate_of_a_geometric_series():
    model = ConstantGrowth.fit(geometric())
    assert model.params["cagr"] == pytest.approx(0.1)
    assert model.params["window_years"] == 5
    # 100 * 1.1**10 = 259.37424601
    assert model.forecast(1).loc[2022] == pytest.approx(259.37424601)


def test_cagr_window_uses_only_the_last_years():
    y = yearly([100, 100, 100, 121])           # 10 % a year over the last 2 years
    assert ConstantGrowth.fit(y, window=2).params["cagr"] == pytest.approx(0.1)
    assert ConstantGrowth.fit(y, window=3).params["cagr"] == pytest.approx(1.21 ** (1 / 3) - 1)


def test_a_window_longer_than_the_series_takes_all_of_it():
    assert ConstantGrowth.fit(yearly([100, 110, 121, 133.1]), window=10).params["window_years"] == 3


def test_a_window_under_a_year_is_refused():
    with pytest.raises(ModelError, match="cagr: window must be at least 1 year, got 0"):
        ConstantGrowth.fit(geometric(), window=0)


# ---------------------------------------------------------------- drift in levels
def test_drift_continues_a_straight_line():
    model = Drift.fit(yearly(10 + 5 * np.arange(8)))
    assert model.params["drift"] == pytest.approx(5.0)
    assert model.forecast(2).to_dict() == pytest.approx({2020: 50.0, 2021: 55.0})


def test_the_drift_is_the_mean_change_and_its_spread_includes_the_drifts_own_uncertainty():
    # changes 2, 2, 6: drift 10/3, sigma^2 = ((4/3)^2 + (4/3)^2 + (8/3)^2) / 2 = 16/3
    # sd at k years: sigma sqrt(k (1 + k/3)): k=1: sqrt(16/3 x 4/3) = 8/3; k=2: sqrt(16/3 x 10/3) = sqrt(160)/3
    centre, sd = drift_forecast(np.array([0.0, 2.0, 4.0, 10.0]), 2)
    assert centre.tolist() == pytest.approx([40 / 3, 50 / 3])
    assert sd.tolist() == pytest.approx([8 / 3, math.sqrt(160) / 3])
    model = Drift.fit(yearly([0, 2, 4, 10], 2012))
    assert model.params == pytest.approx({"drift": 10 / 3, "sigma": math.sqrt(16 / 3)})
    q = model.quantiles(1, (95,))  # 40/3 -+ 1.959964 x 8/3
    assert (q["lo95"].iloc[0], q["hi95"].iloc[0]) == pytest.approx((8.106763, 18.559904))


def test_spread_needs_three_points():
    with pytest.raises(ModelError, match=r"too few points \(2\) to estimate its own spread"):
        Drift.fit(yearly([1.0, 2.0])).quantiles(2)


def test_drift_intervals_cover_nominal_on_simulated_random_walks_with_drift():
    # 400 random walks with drift 1 and unit shocks, 30 points, 5 years ahead: the drift model is
    # the true model here, so its own intervals must cover within 3 points of nominal.
    rng = np.random.default_rng(2026)
    inside = {80: [], 95: []}
    for _ in range(400):
        x = np.cumsum(1 + rng.standard_normal(35))
        q = Drift.fit(yearly(x[:30])).quantiles(5, (80, 95))
        for level in inside:
            inside[level].append((x[30:] >= q[f"lo{level}"].to_numpy()) & (x[30:] <= q[f"hi{level}"].to_numpy()))
    assert 100 * np.mean(inside[80]) == pytest.approx(80, abs=3)
    assert 100 * np.mean(inside[95]) == pytest.approx(95, abs=3)


# ---------------------------------------------------------------- drift in logs
def test_logdrift_gives_back_ten_percent_growth():
    model = LogDrift.fit(geometric())
    assert model.params["growth"] == pytest.approx(0.1)
    assert model.forecast(2).to_list() == pytest.approx([259.37424601, 285.31167061])


def test_drift_in_logs_is_symmetric_in_logs_so_its_median_is_the_geometric_mean_of_its_bounds():
    model = LogDrift.fit(geometric(8, growth=0.05) + [0, 1, -1, 0, 1, -1, 0, 1])
    q, median = model.quantiles(2, (80,)), model.forecast(2)
    assert np.sqrt(q["lo80"] * q["hi80"]).to_numpy() == pytest.approx(median.to_numpy())
    assert (q["hi80"] - median > median - q["lo80"]).all()  # skewed up in levels


def test_log_models_refuse_non_positive_values():
    with pytest.raises(ModelError, match=r"logdrift works on logs and needs positive values; non-positive in year\(s\) 2013"):
        LogDrift.fit(yearly([5, 0, 7]))
    Drift.fit(yearly([5, 0, 7]))  # in levels a zero is a value like any other


# ---------------------------------------------------------------- damped drift
def test_damped_drift_adds_drift_times_phi_then_phi_squared():
    model = DampedDrift.fit(yearly([0, 10, 20]), phi=0.9)
    # 20 + 10*0.9 = 29; 29 + 10*0.81 = 37.1
    assert model.forecast(2).to_list() == pytest.approx([29.0, 37.1])


def test_damping_of_one_is_plain_drift():
    y = yearly([0, 10, 20])
    assert DampedDrift.fit(y, phi=1.0).forecast(2).to_list() == Drift.fit(y).forecast(2).to_list() == [30.0, 40.0]


@pytest.mark.parametrize("phi", [0, -0.5, 1.5])
def test_a_damping_outside_zero_to_one_is_refused(phi):
    with pytest.raises(ModelError, match=rf"damped_drift: phi must be in \(0, 1\], got {phi}"):
        DampedDrift.fit(yearly([0, 10, 20]), phi=phi)

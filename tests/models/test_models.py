"""The model menu: known parameters come back from exact series; refusals say what is needed."""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ModelError
from dgforecast.models.menu import MODELS, fit_model


def yearly(values, first=2012):
    return pd.Series(np.asarray(values, float), index=range(first, first + len(values)))


def geometric(n=10, start=100.0, growth=0.1, first=2012):
    return yearly(start * (1 + growth) ** np.arange(n), first)


# ---------------------------------------------------------------- parameters recovered
def test_cagr_gives_back_the_growth_rate_of_a_geometric_series():
    model = fit_model("cagr", geometric())
    assert model.params["cagr"] == pytest.approx(0.1)
    assert model.params["window_years"] == 5
    # 100 * 1.1**10 = 259.37424601
    assert model.forecast(1).loc[2022] == pytest.approx(259.37424601)


def test_cagr_window_uses_only_the_last_years():
    y = yearly([100, 100, 100, 121])           # 10 % a year over the last 2 years
    assert fit_model("cagr", y, window=2).params["cagr"] == pytest.approx(0.1)


def test_logdrift_and_loglinear_give_back_ten_percent_growth():
    y = geometric()
    assert fit_model("logdrift", y).params["growth"] == pytest.approx(0.1)
    assert fit_model("loglinear", y).params["growth"] == pytest.approx(0.1)
    assert fit_model("loglinear", y).forecast(2).to_list() == pytest.approx([259.37424601, 285.31167061])


def test_drift_continues_a_straight_line():
    model = fit_model("drift", yearly(10 + 5 * np.arange(8)))
    assert model.params["drift"] == pytest.approx(5.0)
    assert model.forecast(2).to_dict() == pytest.approx({2020: 50.0, 2021: 55.0})


def test_damped_drift_adds_drift_times_phi_then_phi_squared():
    model = fit_model("damped_drift", yearly([0, 10, 20]), phi=0.9)
    # 20 + 10*0.9 = 29; 29 + 10*0.81 = 37.1
    assert model.forecast(2).to_list() == pytest.approx([29.0, 37.1])


def test_ses_forecasts_a_constant_series_flat():
    assert fit_model("ses", yearly([50.0] * 8)).forecast(3).to_list() == pytest.approx([50.0] * 3)


def test_dotm_continues_an_exact_line():
    model = fit_model("dotm", yearly(3 + 2 * np.arange(12)))
    assert model.forecast(3).to_list() == pytest.approx([27.0, 29.0, 31.0], rel=2e-3)
    assert model.params["theta"] >= 1


def test_statsmodels_theta_gives_back_the_log_growth():
    assert fit_model("theta", geometric()).params["b0"] == pytest.approx(math.log(1.1))


def test_arima_drift_is_the_mean_yearly_change():
    noise = np.random.default_rng(3).normal(0, 0.5, 20)
    model = fit_model("arima", yearly(100 + 5 * np.arange(20) + noise))
    assert model.params["trend"] == "t"
    assert model.params["drift"] == pytest.approx(5.0, abs=0.2)


def test_ets_damped_trend_follows_a_line_closely():
    model = fit_model("ets", yearly(10 + 3 * np.arange(12) + np.random.default_rng(1).normal(0, 0.1, 12)))
    assert 0 < model.params["phi"] <= 1
    assert model.forecast(1).iloc[0] == pytest.approx(46.0, abs=1.0)


def test_logistic_curve_gives_back_its_ceiling():
    t = np.arange(20.0)
    model = fit_model("logistic", yearly(1000 / (1 + np.exp(-0.5 * (t - 8))), 2000))
    assert model.params["ceiling"] == pytest.approx(1000.0, rel=1e-6)
    assert model.params["rate"] == pytest.approx(0.5, rel=1e-6)


def test_gompertz_curve_gives_back_its_ceiling():
    t = np.arange(20.0)
    model = fit_model("gompertz", yearly(1000 * np.exp(-3 * np.exp(-0.3 * t)), 2000))
    assert model.params["ceiling"] == pytest.approx(1000.0, rel=1e-6)


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_refuses_below_its_minimum_and_says_how_many(name):
    need = MODELS[name].min_points
    with pytest.raises(ModelError, match=f"{name} needs at least {need} yearly points, got {need - 1}"):
        fit_model(name, geometric(need - 1))


def test_arima_refuses_a_constant_once_differenced():
    with pytest.raises(ModelError, match=r"a constant is not identified once d > 0"):
        fit_model("arima", geometric(12), constant=True, drift=False)


def test_log_models_refuse_non_positive_values():
    with pytest.raises(ModelError, match=r"logdrift works on logs and needs positive values; non-positive in year\(s\) 2013"):
        fit_model("logdrift", yearly([5, 0, 7]))


def test_gaps_are_refused_with_the_missing_years():
    y = pd.Series([1.0, 2.0, 3.0], index=[2015, 2016, 2019])
    with pytest.raises(ModelError, match="years must be consecutive; missing 2017, 2018"):
        fit_model("drift", y)


def test_non_numeric_value_is_refused_with_its_year():
    with pytest.raises(ModelError, match=r"non-numeric or missing value in year\(s\) 2013"):
        fit_model("drift", pd.Series([1.0, "x", 3.0], index=[2012, 2013, 2014]))


def test_unknown_model_lists_the_menu():
    with pytest.raises(ModelError, match="unknown model 'prophet'; choose one of cagr"):
        fit_model("prophet", geometric())


def test_saturating_curve_refuses_a_series_without_a_ceiling():
    with pytest.raises(ModelError, match="shows no ceiling yet") as refused:
        fit_model("logistic", geometric(12))
    assert "e+" not in str(refused.value)  # the ceiling reads as a number (5,009,000), not 5.009e+06


def test_fit_parameters_read_as_plain_numbers_never_in_scientific_notation():
    from dgforecast.models.base import params_text, plain_number

    assert [plain_number(v) for v in (14570.3, 5009123.4, 0.098612, 0.99, -0.9949, 1e-8)] == [
        "14570", "5009000", "0.09861", "0.99", "-0.9949", "0.00000001"]
    assert params_text({"alpha": 0.99, "l0": 14570.3, "order": (0, 1, 1)}) == "alpha=0.99, l0=14570, order=(0, 1, 1)"


def test_spread_needs_three_points():
    with pytest.raises(ModelError, match=r"too few points \(2\) to estimate its own spread"):
        fit_model("drift", yearly([1.0, 2.0])).quantiles(2)


# ---------------------------------------------------------------- quantiles and paths
def test_quantiles_have_one_pair_per_level_and_nest():
    q = fit_model("drift", yearly(10 + 5 * np.arange(8) + [0, 1, -1, 0, 1, -1, 0, 1])).quantiles(3, (50, 90))
    assert list(q.columns) == ["lo50", "hi50", "lo90", "hi90"]
    assert list(q.index) == [2020, 2021, 2022]
    assert (q["lo90"] < q["lo50"]).all() and (q["hi50"] < q["hi90"]).all()


def test_paths_are_reproducible_from_the_generator_and_have_the_right_shape():
    model = fit_model("logdrift", yearly([100, 108, 115, 125, 134]))
    a = model.simulate(4, 50, np.random.default_rng(7))
    b = model.simulate(4, 50, np.random.default_rng(7))
    assert a.shape == (50, 4) and np.array_equal(a, b)


def test_simulate_refuses_a_seed_instead_of_a_generator():
    with pytest.raises(ModelError, match="numpy.random.Generator"):
        fit_model("drift", yearly([1.0, 2.0, 4.0])).simulate(2, 10, 42)


def test_drift_intervals_cover_nominal_on_simulated_random_walks_with_drift():
    # 400 random walks with drift 1 and unit shocks, 30 points, 5 years ahead: the drift model is
    # the true model here, so its own intervals must cover within 3 points of nominal.
    rng = np.random.default_rng(2026)
    inside = {80: [], 95: []}
    for _ in range(400):
        x = np.cumsum(1 + rng.standard_normal(35))
        q = fit_model("drift", yearly(x[:30])).quantiles(5, (80, 95))
        for level in inside:
            inside[level].append((x[30:] >= q[f"lo{level}"].to_numpy()) & (x[30:] <= q[f"hi{level}"].to_numpy()))
    assert 100 * np.mean(inside[80]) == pytest.approx(80, abs=3)
    assert 100 * np.mean(inside[95]) == pytest.approx(95, abs=3)

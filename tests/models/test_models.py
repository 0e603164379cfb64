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


# ---------------------------------------------------------------- the menu
def test_the_menu_holds_every_family_by_name():
    # each family has tests of its own room: tests/models/test_drift.py, test_statsmodels_fits.py, test_curves.py
    assert {name: cls.__module__.rsplit(".", 1)[1] for name, cls in MODELS.items()} == {
        "cagr": "drift", "loglinear": "statsmodels_fits", "drift": "drift", "logdrift": "drift",
        "damped_drift": "drift", "ses": "theta", "dotm": "theta", "ets": "statsmodels_fits",
        "arima": "statsmodels_fits", "theta": "theta", "logistic": "curves", "gompertz": "curves"}
    assert all(isinstance(fit_model(name, geometric(4)), MODELS[name]) for name in ("cagr", "drift", "logdrift"))


# ---------------------------------------------------------------- the theta family, through the menu
def test_ses_forecasts_a_constant_series_flat():
    assert fit_model("ses", yearly([50.0] * 8)).forecast(3).to_list() == pytest.approx([50.0] * 3)


def test_dotm_continues_an_exact_line():
    model = fit_model("dotm", yearly(3 + 2 * np.arange(12)))
    assert model.forecast(3).to_list() == pytest.approx([27.0, 29.0, 31.0], rel=2e-3)
    assert model.params["theta"] >= 1


def test_statsmodels_theta_gives_back_the_log_growth():
    assert fit_model("theta", geometric()).params["b0"] == pytest.approx(math.log(1.1))


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("name", list(MODELS))
def test_each_model_refuses_below_its_minimum_and_says_how_many(name):
    need = MODELS[name].min_points
    with pytest.raises(ModelError, match=f"{name} needs at least {need} yearly points, got {need - 1}"):
        fit_model(name, geometric(need - 1))


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


def test_fit_parameters_read_as_plain_numbers_never_in_scientific_notation():
    from dgforecast.models.base import params_text, plain_number

    assert [plain_number(v) for v in (14570.3, 5009123.4, 0.098612, 0.99, -0.9949, 1e-8)] == [
        "14570", "5009000", "0.09861", "0.99", "-0.9949", "0.00000001"]
    assert params_text({"alpha": 0.99, "l0": 14570.3, "order": (0, 1, 1)}) == "alpha=0.99, l0=14570, order=(0, 1, 1)"


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



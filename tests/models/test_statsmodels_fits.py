"""Models fitted by statsmodels: a log-linear trend, damped-trend ETS and ARIMA with drift."""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ModelError
from dgforecast.models.statsmodels_fits import ArimaDrift, DampedETS, LogLinearTrend


def yearly(values, first=2012):
    return pd.Series(np.asarray(values, float), index=range(first, first + len(values)))


def geometric(n=10, start=100.0, growth=0.1, first=2012):
    return yearly(start * (1 + growth) ** np.arange(n), first)


# ---------------------------------------------------------------- log-linear trend
def test_loglinear_gives_back_ten_percent_growth():
    model = LogLinearTrend.fit(geometric())
    assert model.params["growth"] == pytest.approx(0.1)
    assert model.forecast(2).to_list() == pytest.approx([259.37424601, 285.31167061])


def test_the_loglinear_intercept_is_the_log_of_the_first_year():
    model = LogLinearTrend.fit(geometric(8, growth=0.05))
    assert model.params["intercept_log"] == pytest.approx(math.log(100))  # 4.60517
    assert model.params["growth"] == pytest.approx(0.05) and model.params["sigma_log"] == pytest.approx(0, abs=1e-9)


def test_a_trend_is_a_global_line_so_a_late_jump_moves_it_little():
    y = geometric(8, growth=0.05)
    y.iloc[-1] *= 1.2  # a last year 20 % above trend
    assert LogLinearTrend.fit(y).params["growth"] < 0.1 < y.iloc[-1] / y.iloc[-2] - 1


# ---------------------------------------------------------------- damped-trend ETS
def test_ets_damped_trend_follows_a_line_closely():
    model = DampedETS.fit(yearly(10 + 3 * np.arange(12) + np.random.default_rng(1).normal(0, 0.1, 12)))
    assert 0 < model.params["phi"] <= 1
    assert model.forecast(1).iloc[0] == pytest.approx(46.0, abs=1.0)


def test_ets_needs_six_points():
    with pytest.raises(ModelError, match="ets needs at least 6 yearly points, got 5"):
        DampedETS.fit(yearly([1.0, 2.0, 3.0, 4.0, 5.0]))


# ---------------------------------------------------------------- ARIMA with drift
def test_arima_drift_is_the_mean_yearly_change():
    noise = np.random.default_rng(3).normal(0, 0.5, 20)
    model = ArimaDrift.fit(yearly(100 + 5 * np.arange(20) + noise))
    assert model.params["order"] == (0, 1, 1) and model.params["trend"] == "t"
    assert model.params["drift"] == pytest.approx(5.0, abs=0.2)


def test_arima_refuses_a_constant_once_differenced():
    with pytest.raises(ModelError, match=r"a constant is not identified once d > 0 \(order \(0, 1, 1\)\)"):
        ArimaDrift.fit(geometric(12), constant=True, drift=False)


def test_arima_drift_is_for_one_difference_at_most():
    with pytest.raises(ModelError, match="drift is supported for d <= 1 only"):
        ArimaDrift.fit(geometric(12), order=(0, 2, 1))


def test_arima_needs_four_points_more_than_its_parameters():
    # order (1, 1, 1) with drift: 1 + 1 + 1 + 1 + 4 = 8 points
    with pytest.raises(ModelError, match=r"arima\(1, 1, 1\) needs at least 8 yearly points, got 7"):
        ArimaDrift.fit(yearly(np.arange(7.0)), order=(1, 1, 1))

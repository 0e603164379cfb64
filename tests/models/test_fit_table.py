"""``dgforecast fit``'s table: every menu model on one series, its backtest inside the series and its forecast.

Short series keep these tests quick: a model that needs more points is refused in its row, not fitted.
"""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ModelError
from dgforecast.models.fit_table import backtest_scores, fit_report, fit_table
from dgforecast.models.menu import MODELS

#: 100 growing 5 % a year, 2019-2021.
FIVE_PERCENT = pd.Series([100.0, 105.0, 110.25], index=[2019, 2020, 2021], name="DG_X")


def test_a_perfect_forecaster_scores_zero_on_every_rolling_origin():
    line = pd.Series(10 + 5 * np.arange(8.0), index=range(2014, 2022))
    # drift needs 2 points, but a backtest starts from 3: origins after 3, 4, 5, 6 and 7 points
    assert backtest_scores(line, "drift") == (0.0, 0.0, 5)


def test_a_backtest_error_worked_by_hand():
    # one origin, after [0, 1, 2]: drift forecasts 3, the series says 10
    # sMAPE = 200 x 7 / (10 + 3) = 107.69 %; MASE = 7 / mean |change| of the history (1) = 7
    smape, mase, origins = backtest_scores(pd.Series([0.0, 1.0, 2.0, 10.0]), "drift")
    assert (smape, mase, origins) == (pytest.approx(1400 / 13), pytest.approx(7.0), 1)


def test_origins_a_model_cannot_fit_are_left_out_and_none_at_all_is_nan():
    # origins after 3, 4 and 5 points; logs of the zero in the fourth year refuse the last two
    assert backtest_scores(pd.Series([5.0, 4.0, 6.0, 0.0, 7.0, 8.0]), "logdrift")[2] == 1
    smape, mase, origins = backtest_scores(FIVE_PERCENT, "cagr")  # 3 points: no origin inside them
    assert math.isnan(smape) and math.isnan(mase) and origins == 0


def test_the_table_has_auto_then_every_menu_model_each_forecast_or_refused_saying_why():
    table = fit_table(FIVE_PERCENT, 2025).set_index("model")
    assert list(table.index) == ["auto", *MODELS]
    refused = table.loc[table["status"] != "ok", "status"].to_dict()
    assert refused == {"dotm": "dotm needs at least 4 yearly points, got 3",
                       "ets": "ets needs at least 6 yearly points, got 3",
                       "arima": "arima needs at least 7 yearly points, got 3",
                       "theta": "theta needs at least 4 yearly points, got 3",
                       "logistic": "logistic needs at least 5 yearly points, got 3",
                       "gompertz": "gompertz needs at least 5 yearly points, got 3"}
    # 4 years ahead of 110.25: constant growth 110.25 x 1.05^4 = 134.0096; drift 110.25 + 4 x 5.125 = 130.75;
    # damped drift 110.25 + 5.125 x (0.9 + 0.81 + 0.729 + 0.6561) = 126.1124
    assert table.loc[["cagr", "logdrift", "loglinear", "drift", "damped_drift"], "forecast"].tolist() == pytest.approx(
        [134.0096, 134.0096, 134.0096, 130.75, 126.1124], abs=1e-4)
    assert table.loc["cagr", "params"].startswith("cagr=0.05, window_years=2")
    assert table.loc["auto", "params"] == "auto:logdrift"
    assert (table.loc["cagr", "lo"] < 134.0096 < table.loc["cagr", "hi"])


def test_auto_is_explained_for_the_series_it_was_given():
    assert fit_table(FIVE_PERCENT, 2025).attrs["auto"].startswith(
        "auto uses constant growth over all 3 points (fewer than 6), with log errors pooled from M3 series")


def test_the_target_year_must_come_after_the_last_observation():
    with pytest.raises(ModelError, match="target year 2021 is not after the last observation 2021"):
        fit_table(FIVE_PERCENT, 2021)


def test_one_point_is_not_a_series():
    with pytest.raises(ModelError, match="DG_X needs at least 2 yearly points, got 1"):
        fit_table(FIVE_PERCENT.iloc[:1], 2025)


def test_the_report_heads_with_the_series_and_cuts_it_at_as_of():
    longer = pd.concat([FIVE_PERCENT, pd.Series([115.7625, 121.550625], index=[2022, 2023])]).rename("DG_X")
    text = fit_report(longer, 2025, as_of=2021)
    assert text.splitlines()[0] == "DG_X: 3 yearly levels 2019-2021 (as of 2021); forecasting 2025"
    assert "refused: gompertz needs at least 5 yearly points, got 3" in text
    with pytest.raises(ModelError, match="DG_X: no yearly levels up to 2000"):
        fit_report(longer, 2025, as_of=2000)


def test_a_gap_is_filled_log_linearly_and_the_report_says_so():
    gappy = pd.Series([100.0, 121.0], index=[2017, 2019], name="DG_G")
    lines = fit_report(gappy, 2022).splitlines()
    assert lines[:2] == ["DG_G: 3 yearly levels 2017-2019; forecasting 2022",
                         "gap year(s) 2018 filled by log-linear interpolation between neighbours"]
    cagr = next(line for line in lines if line.lstrip().startswith("cagr"))
    assert "cagr=0.1," in cagr  # 100 -> 110 (filled) -> 121
    with pytest.raises(ModelError, match="DG_G needs at least 2 yearly points, got 1"):
        fit_report(gappy, 2022, gaps="longest")  # the longest run is one year

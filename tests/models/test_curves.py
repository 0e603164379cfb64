"""Saturating curves: logistic and Gompertz approach a ceiling, and a series that shows none is refused."""

import math

import numpy as np
import pandas as pd
import pytest

from dgforecast.core.errors import ModelError
from dgforecast.models.curves import Gompertz, Logistic, gompertz_curve, logistic_curve


def yearly(values, first=2000):
    return pd.Series(np.asarray(values, float), index=range(first, first + len(values)))


def test_the_curves_at_points_known_by_hand():
    assert logistic_curve(8.0, 1000, 0.5, 8.0) == 500.0                       # half the ceiling at the midpoint
    assert logistic_curve(10.0, 1000, 0.5, 8.0) == pytest.approx(1000 / (1 + math.exp(-1)))   # 731.0586
    assert gompertz_curve(0.0, 1000, 3.0, 0.3) == pytest.approx(1000 * math.exp(-3))          # 49.787
    assert gompertz_curve(np.array([0.0, 100.0]), 1000, 3.0, 0.3)[1] == pytest.approx(1000)


def test_logistic_curve_gives_back_its_ceiling():
    t = np.arange(20.0)
    model = Logistic.fit(yearly(1000 / (1 + np.exp(-0.5 * (t - 8)))))
    assert model.params["ceiling"] == pytest.approx(1000.0, rel=1e-6)
    assert model.params["rate"] == pytest.approx(0.5, rel=1e-6)
    assert model.params["midpoint"] == pytest.approx(8.0, rel=1e-6)


def test_a_logistic_forecast_approaches_its_ceiling_from_below():
    t = np.arange(10.0)  # 2000-2009, the midpoint in 2008: the data stop at 62 % of the ceiling
    model = Logistic.fit(yearly(1000 / (1 + np.exp(-0.5 * (t - 8)))))
    path = model.forecast(30)
    assert path.loc[2010] == pytest.approx(1000 / (1 + math.exp(-1)), rel=1e-6)  # 731.06
    assert np.all(np.diff(path.to_numpy()) > 0) and path.max() < 1000
    assert path.loc[2039] == pytest.approx(1000, rel=1e-5)


def test_gompertz_curve_gives_back_its_ceiling_shift_and_rate():
    t = np.arange(20.0)
    model = Gompertz.fit(yearly(1000 * np.exp(-3 * np.exp(-0.3 * t))))
    assert model.params["ceiling"] == pytest.approx(1000.0, rel=1e-6)
    assert model.params["shift"] == pytest.approx(3.0, rel=1e-6)
    assert model.params["rate"] == pytest.approx(0.3, rel=1e-6)


def test_saturating_curve_refuses_a_series_without_a_ceiling():
    with pytest.raises(ModelError, match="shows no ceiling yet") as refused:
        Logistic.fit(yearly(100 * 1.1 ** np.arange(12), 2012))
    assert "e+" not in str(refused.value)  # the ceiling reads as a number (5,009,000), not 5.009e+06


def test_a_ceiling_further_above_the_data_than_allowed_is_refused_naming_both():
    t = np.arange(10.0)
    y = yearly(1000 / (1 + np.exp(-0.5 * (t - 8))))  # largest value 1000 / (1 + e^-0.5) = 622.459
    with pytest.raises(ModelError) as refused:
        Logistic.fit(y, max_ceiling_ratio=1.5)
    assert str(refused.value) == ("logistic: fitted ceiling 1,000 is more than 1.5 times the largest value 622.459; "
                                  "the series shows no ceiling yet")


@pytest.mark.parametrize("model", [Logistic, Gompertz])
def test_a_curve_needs_five_points(model):
    with pytest.raises(ModelError, match=f"{model.name} needs at least 5 yearly points, got 4"):
        model.fit(yearly([1.0, 2.0, 3.0, 4.0]))

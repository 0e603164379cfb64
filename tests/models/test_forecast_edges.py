"""Forecasts at the edges (issue 12, case 9): huge values, long horizons, refusals in years, labels, theta's speed."""

import numpy as np
import pandas as pd
import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ModelError
from dgforecast.models.forecast import forecast_series, model_label
from dgforecast.models.forecast_files import forecast_file
from dgforecast.models.menu import fit_model
from dgforecast.models.theta import fit_ses_alpha, ses_sse


def _series(values, first=2010, name="s"):
    return pd.Series(np.asarray(values, float), index=pd.RangeIndex(first, first + len(values)), name=name)


def _write(path, series):
    rows = [(sid, year, value) for sid, y in series.items() for year, value in y.items()]
    pd.DataFrame(rows, columns=["series_id", "year", "value"]).to_csv(path, index=False)
    return path


GROWING = [100 * 1.05 ** k for k in range(10)]


def test_values_near_1e300_are_forecast_as_the_same_series_in_a_smaller_unit():
    small = forecast_series(_series(GROWING), 3)
    huge = forecast_series(_series(np.array(GROWING) * 1e298), 3)
    for column in ("forecast", "lo80", "hi80", "lo95", "hi95"):
        np.testing.assert_allclose(huge[column].to_numpy() / 1e298, small[column].to_numpy(), rtol=1e-9)
    assert small["forecast"].round(4).tolist() == [161.2261, 167.4162, 173.6537]


def test_values_whose_forecasts_overflow_are_one_line_naming_the_series(tmp_path, capsys):
    path = _write(tmp_path / "in.csv", {"huge": _series([1e307, 1.5e307, 3e307, 6e307]),
                                        "fine": _series([1.0, 2.0, 3.0])})
    code = main(["forecast", "--input", str(path), "--horizon", "3", "--output", str(tmp_path / "out.csv")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == ("series huge: not forecast: values up to 6e+307 give forecasts beyond the largest number "
                      "(about 1.8e308); give the series in a larger unit (divide it by a power of 10)")
    assert pd.read_csv(tmp_path / "out.csv")["series_id"].unique().tolist() == ["fine"]


def test_a_positive_growing_series_keeps_positive_lower_bounds_at_horizon_100():
    frame = forecast_series(_series(GROWING), 100)
    assert (frame[["lo80", "lo95"]].to_numpy() > 0).all()
    assert (frame["lo95"] <= frame["lo80"]).all() and (frame["lo80"] <= frame["forecast"]).all()
    assert (frame["forecast"] <= frame["hi80"]).all() and (frame["hi80"] <= frame["hi95"]).all()
    # near the data the log form is the level form to first order: a 1-year 80 % interval within 1 %
    from dgforecast.models.forecast import plan_series

    plan = plan_series(_series(GROWING), 1)
    level = plan.spread.intervals(plan.point, plan.scale, [80])
    logs = plan.spread.intervals(plan.point, plan.scale, [80], positive=True)
    np.testing.assert_allclose(logs["lo80"], level["lo80"], rtol=0.01)


def test_a_series_with_a_value_below_zero_keeps_level_intervals():
    y = _series([5, 3, 1, 2, -1, -2, -3, 1])
    frame = forecast_series(y, 2)
    assert frame["model"].iloc[0] == "auto:median(dotm,ses,drift)"
    assert frame["lo95"].iloc[0] < 0 < frame["hi95"].iloc[0]


def test_refusals_name_years_not_positions(tmp_path, capsys):
    path = _write(tmp_path / "in.csv", {"neg": _series([5, 3, 1, 2, -1, -2, -3, 1])})
    assert main(["forecast", "--input", str(path), "--horizon", "2", "--method", "logdrift"]) == 1
    err = capsys.readouterr().err
    assert "non-positive in year(s) 2014, 2015, 2016" in err and "year(s) 4, 5, 6" not in err
    with pytest.raises(ModelError, match="year\\(s\\) 2014, 2015, 2016"):
        forecast_series(_series([5, 3, 1, 2, -1, -2, -3, 1]), 2, method="theta")


def test_the_auto_label_names_drift_in_levels_where_logdrift_cannot_be_used():
    assert model_label("auto", 8, positive=True) == "auto:median(dotm,ses,logdrift)"
    assert model_label("auto", 8, positive=False) == "auto:median(dotm,ses,drift)"
    assert model_label("auto", 3, positive=False) == "auto:drift"


def test_theta_alpha_is_the_least_squares_one_and_matches_statsmodels_where_it_finds_it():
    x = np.log(np.array(GROWING) * np.exp(0.03 * np.sin(np.arange(10))))
    alpha = fit_ses_alpha(x)
    grid = np.linspace(0, 1, 10001)
    assert ses_sse(x, [alpha])[0] <= ses_sse(x, grid).min() + 1e-9
    from statsmodels.tsa.forecasting.theta import ThetaModel

    reference = ThetaModel(pd.Series(x), period=1, deseasonalize=False).fit()
    ours = fit_model("theta", _series(np.exp(x)))
    np.testing.assert_allclose(ours.forecast(6).to_numpy(), np.exp(reference.forecast(6).to_numpy()), rtol=1e-3)


def test_theta_forecasts_a_file_with_its_own_pooled_backtests(tmp_path):
    # 40 series with their rolling-origin backtests (13 theta fits each): 250 s before, with a
    # SARIMAX fit behind every point forecast; a fraction of a second now (timed in the report of
    # issue 12, not here: speed goals are checked by benchmarks/, never by timed tests).
    rng = np.random.default_rng(1)
    series = {f"s{i}": _series(100 * np.exp(np.cumsum(rng.normal(0.05, 0.1, 20)))) for i in range(40)}
    result = forecast_file(_write(tmp_path / "in.csv", series), 6, method="theta", n_jobs=1)
    assert not result.failures and result.interval_source.startswith("rolling-origin errors of 40 series")
    assert (result.table["lo95"] > 0).all()


def test_a_horizon_that_would_not_fit_in_memory_is_refused_before_anything_is_allocated(tmp_path, capsys,
                                                                                        monkeypatch):
    import dgforecast.core.limits as limits

    monkeypatch.setattr(limits, "memory_limit", lambda: 4 << 30)
    path = _write(tmp_path / "in.csv", {"a": _series([1.0, 2.0, 3.0])})
    assert main(["forecast", "--input", str(path), "--horizon", "1000000000"]) == 2
    # 1 series x 10^9 years x 512 bytes = 476.8 GiB
    assert capsys.readouterr().err == ("dgforecast: error: --horizon 1000000000: 1 series x 1,000,000,000 years would "
                                       "need about 477 GiB of memory, more than the 4.0 GiB one command may take "
                                       "(half of this machine's); forecast fewer years\n")


def test_values_near_1e307_with_forecasts_below_the_largest_float_are_written_as_numbers_not_inf(tmp_path, capsys):
    path = _write(tmp_path / "in.csv", {"huge": _series([1e307, 1.1e307, 1.2e307, 1.3e307, 1.4e307])})
    assert main(["forecast", "--input", str(path), "--horizon", "3", "--output", str(tmp_path / "out.csv")]) == 0
    table = pd.read_csv(tmp_path / "out.csv")
    assert np.isfinite(table[["forecast", "lo80", "hi80", "lo95", "hi95"]].to_numpy()).all()
    # drift in logs: 1.4e307 x (1.4 / 1.0) ** (1 / 4) = 1.5229e307 one year ahead
    assert table["forecast"].iloc[0] == pytest.approx(1.4e307 * 1.4 ** 0.25, rel=1e-9)


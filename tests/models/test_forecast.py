"""auto, calibrated intervals, paths for short series, files of series and the forecast/fit commands."""

import numpy as np
import pandas as pd
import pytest

from dgforecast import cli
from dgforecast.core.errors import DataError, ModelError
from dgforecast.models.backtest import PROB_GRID, ErrorDistribution, mase, smape
from dgforecast.models.forecast import fill_gaps, forecast_series, simulate_series
from dgforecast.models.forecast_files import forecast_file
from dgforecast.run.pipeline import fit_series
from tests.conftest import SHIPPED

CLUSTER = pd.Series([3906.38, 4621.25], index=[2020, 2021], name="cluster_output")  # 亿元


def yearly(values, first=2012):
    return pd.Series(np.asarray(values, float), index=range(first, first + len(values)))


# ---------------------------------------------------------------- measures
def test_smape_and_mase_follow_the_m4_definitions():
    # |110-100| * 200 / 210 = 9.5238; scale = mean |diff| of [1, 3, 5] = 2 -> MASE 10 / 2 = 5
    assert smape([110.0], [100.0]) == pytest.approx(9.5238095)
    assert mase([110.0], [100.0], [1.0, 3.0, 5.0]) == pytest.approx(5.0)


# ---------------------------------------------------------------- one series
def test_auto_on_two_points_grows_at_their_growth_rate():
    frame = forecast_series(CLUSTER, 1)
    # 4621.25**2 / 3906.38 = 5466.9417
    assert frame.loc[0, "forecast"] == pytest.approx(5466.9417, rel=1e-6)
    assert frame.loc[0, "model"] == "auto:logdrift"


def test_forecast_series_has_one_interval_pair_per_level_nested_around_the_forecast():
    frame = forecast_series(yearly(100 * 1.08 ** np.arange(10)), 3, levels=(80, 95))
    assert list(frame.columns) == ["year", "model", "forecast", "lo80", "hi80", "lo95", "hi95"]
    assert frame["year"].to_list() == [2022, 2023, 2024]
    assert (frame["lo95"] < frame["lo80"]).all() and (frame["lo80"] < frame["forecast"]).all()
    assert (frame["forecast"] < frame["hi80"]).all() and (frame["hi80"] < frame["hi95"]).all()
    assert "M3 yearly" in frame.attrs["interval_source"]


def test_simulate_two_point_series_uses_the_short_fallback_and_says_where_the_spread_came_from():
    paths, info = simulate_series(CLUSTER, 4, 2000, np.random.default_rng(1))
    assert paths.shape == (2000, 4)
    assert info["model"] == "auto:logdrift" and info["points"] == 2 and info["first_year"] == 2022
    assert "constant growth fitted on 2 points" in info["spread_source"]


def test_given_spread_sets_the_sd_of_log_growth_including_the_drift_uncertainty():
    paths, info = simulate_series(CLUSTER, 1, 40000, np.random.default_rng(2), spread=0.05)
    # one year ahead from 2 points: sd = 0.05 * sqrt(1 + 1/1) = 0.070711
    assert np.std(np.log(paths[:, 0])) == pytest.approx(0.070711, rel=0.03)
    assert info["spread_source"].startswith("given parameter: sd of annual log growth 0.0500")


def test_related_series_supplies_the_spread_and_is_named():
    # log growth ln 1.1, ln 1.1, ln 1.05: sd (n-1) = 0.026858
    related = pd.Series([100.0, 110.0, 121.0, 127.05], index=[2018, 2019, 2020, 2021], name="DG_IND2")
    _, info = simulate_series(CLUSTER, 2, 10, np.random.default_rng(3), spread=related)
    assert info["spread_source"].startswith("related series DG_IND2 (2018-2021): sd of annual log growth 0.0269")


def test_own_spread_is_refused_on_a_short_series():
    with pytest.raises(ModelError, match="own backtest errors need 10 origins"):
        simulate_series(yearly(np.arange(1.0, 11.0)), 3, 10, np.random.default_rng(0), spread="own")


def test_empirical_paths_have_the_tabled_quantiles():
    # errors uniform on [-1, 1] at every horizon: the 10 % quantile of the paths is point - 0.8 * scale
    table = np.quantile(np.linspace(-1, 1, 1001), PROB_GRID)[:, None]
    dist = ErrorDistribution(np.repeat(table, 3, axis=1), "scaled", "test")
    paths = dist.paths(np.array([100.0, 100.0, 100.0]), 10.0, 20000, np.random.default_rng(4))
    assert np.quantile(paths[:, 2], 0.1) == pytest.approx(92.0, abs=0.3)


# ---------------------------------------------------------------- gaps
def test_gap_years_are_filled_geometrically_and_said():
    filled, note = fill_gaps(pd.Series([100.0, 121.0], index=[2013, 2015], name="DG_GDP"))
    assert filled.loc[2014] == pytest.approx(110.0)
    assert note == "gap year(s) 2014 filled by log-linear interpolation between neighbours"


def test_longest_run_keeps_the_latest_of_equal_runs():
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=[2013, 2014, 2016, 2017])
    kept, note = fill_gaps(y, "longest")
    assert kept.index.tolist() == [2016, 2017]
    assert note.endswith("kept the longest consecutive run 2016-2017")


# ---------------------------------------------------------------- files
def _write(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MIXED = ("series_id,year,value\nA,2019,100\nA,2020,110\nA,2021,121\n"
         "B,2020,1\nB,2021,x\nC,2018,5\nC,2020,6\nD,2021,7\n")


def test_file_forecast_reports_bad_series_and_keeps_the_good_ones(tmp_path):
    result = forecast_file(_write(tmp_path, MIXED), 2, n_jobs=1)
    assert result.table["series_id"].unique().tolist() == ["A"]
    # A grows 10 % a year: 121 * 1.1 = 133.1
    assert result.table["forecast"].iloc[0] == pytest.approx(133.1)
    assert result.failures == {
        "B": "auto: non-numeric or missing value in year(s) 2021",
        "C": "auto: years must be consecutive; missing 2019",
        "D": "auto needs at least 2 yearly points, got 1",
    }


def test_file_missing_a_column_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="missing column\\(s\\) value"):
        forecast_file(_write(tmp_path, "series_id,year\nA,2020\n"), 2)


def test_unknown_method_is_refused_before_any_work(tmp_path):
    with pytest.raises(ModelError, match="unknown method 'prophet'"):
        forecast_file(_write(tmp_path, MIXED), 2, method="prophet")


def test_pooled_file_intervals_cover_nominal_on_simulated_random_walks_with_drift(tmp_path):
    # 120 seeded random walks with drift (30 training points, 5 held out): intervals from the
    # file's own pooled rolling-origin errors must cover within 4 points of nominal.
    rng = np.random.default_rng(11)
    walks = np.cumsum(2 + rng.standard_normal((120, 35)), axis=1) + 100
    rows = [(f"s{i}", 1990 + t, v) for i, w in enumerate(walks) for t, v in enumerate(w[:30])]
    path = tmp_path / "walks.csv"
    pd.DataFrame(rows, columns=["series_id", "year", "value"]).to_csv(path, index=False)
    table = forecast_file(path, 5, method="drift", n_jobs=1).table
    actual = walks[:, 30:].ravel()
    for level in (80, 95):
        inside = (actual >= table[f"lo{level}"].to_numpy()) & (actual <= table[f"hi{level}"].to_numpy())
        assert 100 * inside.mean() == pytest.approx(level, abs=4)


def test_worker_processes_give_the_same_forecasts_as_one_process(tmp_path):
    # 12 series: enough for map_series to use two worker processes (workers.run_pool)
    rng = np.random.default_rng(5)
    walks = np.cumsum(1 + rng.standard_normal((12, 15)), axis=1) + 50
    rows = [(f"s{i}", 2000 + t, v) for i, w in enumerate(walks) for t, v in enumerate(w)]
    path = tmp_path / "walks.csv"
    pd.DataFrame(rows, columns=["series_id", "year", "value"]).to_csv(path, index=False)
    one = forecast_file(path, 3, method="drift", n_jobs=1).table
    pd.testing.assert_frame_equal(forecast_file(path, 3, method="drift", n_jobs=2).table, one)
    assert len(one) == 36


# ---------------------------------------------------------------- commands
def test_forecast_command_exits_1_when_a_series_fails_and_writes_the_others(tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = cli.main(["forecast", "--input", str(_write(tmp_path, MIXED)), "--horizon", "2",
                     "--levels", "50,90", "--output", str(out), "-j", "1"])
    assert code == 1
    written = pd.read_csv(out)
    assert list(written.columns) == ["series_id", "year", "model", "forecast", "lo50", "hi50", "lo90", "hi90"]
    assert "series C: not forecast: auto: years must be consecutive; missing 2019" in capsys.readouterr().err


def test_forecast_command_exits_2_for_a_malformed_file_or_option(tmp_path):
    assert cli.main(["forecast", "--input", str(tmp_path / "missing.csv"), "--horizon", "2"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["forecast", "--input", "x.csv", "--horizon", "2", "--levels", "80,120"])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_fit_report_says_how_gaps_were_handled_and_what_auto_does():
    text = fit_series("DG_GDP", project=SHIPPED)
    assert "DG_GDP: 9 yearly levels 2013-2021; forecasting 2025" in text
    assert "gap year(s) 2014, 2019 filled by log-linear interpolation" in text
    assert "auto is the per-year median of dotm, ses, logdrift" in text


@pytest.mark.slow
def test_fit_report_as_of_uses_only_earlier_years():
    text = fit_series("DG_IVA", as_of=2018, project=SHIPPED)
    assert "DG_IVA: 5 yearly levels 2014-2018 (as of 2018)" in text
    assert "refused: ets needs at least 6 yearly points, got 5" in text

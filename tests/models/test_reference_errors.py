"""The reference pool of forecast errors measured on M3 yearly: tables of quantiles, generated, never edited.

They are data, so these tests check what any such table must be: quantiles on the backtest's grid that rise
with the probability, spreads that widen with the horizon and narrow as the history lengthens.
"""

from pathlib import Path

import numpy as np
import pytest

from dgforecast.models import reference_errors as ref
from dgforecast.models.backtest import PROB_GRID
from dgforecast.models.forecast import AUTO_MIN_POINTS, reference_spread

TABLES = {"auto": ref.AUTO_SCALED, **{f"short {w}": table for w, table in ref.SHORT_LOG.items()}}


def _spread(table, low=0.1, high=0.9):
    grid = list(ref.PROB_GRID)
    table = np.asarray(table)
    return table[grid.index(high)] - table[grid.index(low)]


def test_the_rows_are_the_probabilities_of_the_backtests_grid():
    assert ref.PROB_GRID == pytest.approx(list(PROB_GRID)) and len(ref.PROB_GRID) == 103
    assert ref.PROB_GRID[0] == 0.0025 and ref.PROB_GRID[-1] == 0.9975 and 0.5 in ref.PROB_GRID


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_is_a_quantile_per_probability_and_horizon_rising_with_the_probability(name):
    table = np.asarray(TABLES[name])
    assert table.shape == (103, 10)  # horizons 1..10 years
    assert np.all(np.diff(table, axis=0) >= 0)


@pytest.mark.parametrize("name", list(TABLES))
def test_the_10_to_90_spread_widens_with_every_year_ahead(name):
    assert np.all(np.diff(_spread(TABLES[name])) > 0)


def test_constant_growth_fitted_on_more_points_errs_less_at_every_horizon():
    spreads = [_spread(ref.SHORT_LOG[w]) for w in (2, 3, 4, 5)]
    assert all(np.all(wider > narrower) for wider, narrower in zip(spreads, spreads[1:]))


def test_each_point_more_leaves_one_origin_fewer_in_each_of_the_645_series():
    assert sorted(ref.SHORT_N_ERRORS) == sorted(ref.SHORT_LOG) == [2, 3, 4, 5]
    assert [ref.SHORT_N_ERRORS[w] - ref.SHORT_N_ERRORS[w + 1] for w in (2, 3, 4)] == [645, 645, 645]
    assert "645 M3 yearly series" in ref.AUTO_SOURCE and ref.AUTO_N_ERRORS == 6873


def test_the_sources_say_what_the_errors_are():
    assert ref.SHORT_SOURCE.format(window=3).startswith("pooled log errors of constant growth fitted on 3 points")
    assert ref.AUTO_SOURCE.startswith("pooled rolling-origin errors of auto")


def test_forecasts_draw_on_the_auto_table_from_six_points_and_on_the_short_tables_below():
    assert AUTO_MIN_POINTS == 6
    assert np.array_equal(reference_spread(6).table, np.asarray(ref.AUTO_SCALED))
    assert np.array_equal(reference_spread(40).table, np.asarray(ref.AUTO_SCALED))
    for n, window in ((1, 2), (2, 2), (3, 3), (5, 5)):
        assert np.array_equal(reference_spread(n).table, np.asarray(ref.SHORT_LOG[window]))


def test_the_generator_writes_the_module_where_it_lives():
    script = (Path(__file__).resolve().parents[2] / "benchmarks" / "m3_yearly.py").read_text(encoding="utf-8")
    assert 'ROOT / "dgforecast" / "models" / "reference_errors.py"' in script

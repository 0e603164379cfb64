"""Parameter sweeps: grid syntax, the vectorised engine against the closed form, outputs, scale-out."""

import pytest

from dgforecast.errors import ParamsError
from dgforecast.sweep import check_grid_size, grid_points, parse_grid, parse_grid_spec, parse_range


# ---------------------------------------------------------------- grid syntax
def test_range_stop_is_inclusive_within_rounding():
    values = parse_range("growth=0:0.08:0.01", "0:0.08:0.01")
    assert values == [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08]


def test_range_of_integers_stays_integer():
    assert parse_range("target_year=2023:2027:2", "2023:2027:2") == [2023, 2025, 2027]


def test_descending_range_with_negative_step():
    assert parse_range("growth=0.02:0:-0.01", "0.02:0:-0.01") == [0.02, 0.01, 0.0]


def test_range_stops_before_a_stop_it_does_not_reach():
    # 0, 0.03, 0.06; 0.09 would pass 0.08
    assert parse_range("growth=0:0.08:0.03", "0:0.08:0.03") == [0.0, 0.03, 0.06]


def test_list_values_are_yaml_scalars():
    assert parse_grid_spec("revenue_to_output_ratio=0.9, 0.95,1") == ("revenue_to_output_ratio", [0.9, 0.95, 1])
    assert parse_grid_spec("engine=lognormal,fitted") == ("engine", ["lognormal", "fitted"])


def test_year_override_key_is_accepted():
    assert parse_grid_spec("growth_overrides.2022=-0.1,0") == ("growth_overrides.2022", [-0.1, 0])


@pytest.mark.parametrize("spec, message", [
    ("growth", "write KEY=START:STOP:STEP"),
    ("growth=", "no values for growth"),
    ("growth=0:0.08", "three parts"),
    ("growth=0:0.08:0.01:1", "three parts"),
    ("growth=0.08:0:0.01", "wrong sign.*use step -0.01"),
    ("growth=0:0.08:-0.01", "wrong sign.*use step 0.01"),
    ("growth=0:0.08:0", "step is 0"),
    ("growth=a:0.08:0.01", "start 'a' is not a number"),
    ("growth=0.01,,0.02", "empty value"),
    ("growth=0.01,0.01", "0.01 given twice"),
    ("engine=[lognormal]", "not a single value"),
])
def test_grid_syntax_errors_name_the_argument(spec, message):
    with pytest.raises(ParamsError, match=message) as caught:
        parse_grid_spec(spec)
    assert str(caught.value).startswith(f"--grid {spec!r}: ")
    assert "\n" not in str(caught.value)


def test_grid_key_given_twice_is_refused():
    with pytest.raises(ParamsError, match="growth is already on the grid"):
        parse_grid(["growth=0,0.01", "growth=0.02"])


def test_grid_points_are_the_cartesian_product_first_key_slowest():
    points = grid_points(parse_grid(["growth=0:0.02:0.01", "revenue_to_output_ratio=0.9,1.0"]))
    assert len(points) == 6
    assert list(points.columns) == ["growth", "revenue_to_output_ratio"]
    assert points["growth"].tolist() == [0.0, 0.0, 0.01, 0.01, 0.02, 0.02]
    assert points["revenue_to_output_ratio"].tolist() == [0.9, 1.0, 0.9, 1.0, 0.9, 1.0]


def test_more_than_a_million_points_needs_yes():
    grid = parse_grid(["growth=0:0.1:0.0001", "volatility=0:0.1:0.0001"])  # 1001 x 1001
    with pytest.raises(ParamsError, match="1,002,001 points .* add --yes"):
        check_grid_size(grid)
    assert check_grid_size(grid, yes=True) == 1_002_001

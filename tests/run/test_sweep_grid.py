"""``--grid``: its syntax, its keys and values checked against the scenario schema, and its points.

Everything here is checked before any work starts, so a mistyped grid costs nothing.
"""

import pytest

import dgforecast.core.limits as limits
from dgforecast.core.errors import ParamsError
from dgforecast.plan.params import resolve_scenario
from dgforecast.run.sweep.grid import (
    MAX_POINTS,
    NOT_SWEPT,
    check_grid_memory,
    check_grid_size,
    grid_points,
    grid_size,
    parse_grid,
    parse_grid_spec,
    parse_range,
    sweepable_keys,
    validate_grid,
)
from tests.conftest import SHIPPED


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


def test_exponent_values_on_the_grid_are_numbers():
    assert parse_grid_spec("growth=5e-2,1e-1") == ("growth", [0.05, 0.1])


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


def test_a_stop_reached_within_rounding_is_included():
    assert parse_range("growth=0:0.3:0.1", "0:0.3:0.1") == [0.0, 0.1, 0.2, 0.3]  # 3 x 0.1 is 0.30000000000000004


def test_a_range_of_more_than_a_million_values_is_refused_before_it_is_made():
    with pytest.raises(ParamsError) as refused:
        parse_range("growth=0:1:0.0000001", "0:1:0.0000001")
    assert str(refused.value) == "--grid 'growth=0:1:0.0000001': 10,000,001 values in one range; use a larger step"


def test_no_grid_at_all_says_how_to_give_one():
    with pytest.raises(ParamsError, match="^no --grid given; add one or more, such as --grid growth=0:0.08:0.01$"):
        parse_grid([])


def test_the_size_of_a_grid_is_the_product_of_its_lengths():
    assert grid_size({"growth": [0.0, 0.01, 0.02], "volatility": [0.05, 0.1], "engine": ["lognormal"]}) == 6
    assert check_grid_size({"growth": list(range(MAX_POINTS))}) == MAX_POINTS  # a million exactly needs no --yes


def test_a_grid_whose_tables_would_not_fit_in_memory_is_refused_even_with_yes(monkeypatch):
    monkeypatch.setattr(limits, "memory_limit", lambda: 4 << 30)
    grid = {"growth": range(1000), "volatility": range(1000), "revenue_to_output_ratio": range(1000)}
    # 1000^3 points x 1 KiB + 20,000 paths x 256 bytes = 1.024e12 bytes = 953.7 GiB
    with pytest.raises(ParamsError) as refused:
        check_grid_memory(grid, 20_000)
    assert str(refused.value) == (
        "--grid: 1,000,000,000 points x 20,000 paths would need about 954 GiB of memory, more than the 4.0 GiB one "
        "command may take (half of this machine's); use larger steps or fewer keys, and split the sweep into "
        "several runs")
    check_grid_memory({"growth": range(1000)}, 20_000)  # a thousand points: about 6 MiB


# ---------------------------------------------------------------- keys and values against the schema
def test_every_field_that_changes_the_numbers_can_be_swept_a_nested_one_as_block_dot_name():
    keys = sweepable_keys()
    assert {"growth", "volatility", "revenue_to_output_ratio", "engine", "target_year", "seed"} <= set(keys)
    assert "evidence.min_ess" in keys and "evidence" not in keys
    assert not set(keys) & set(NOT_SWEPT)


@pytest.fixture(scope="module")
def base():
    return resolve_scenario(SHIPPED / "params.yaml", "base")


@pytest.mark.parametrize("grid, message", [
    ({"grwth": [0.1]}, "--grid grwth: unknown parameter; did you mean 'growth'?"),
    ({"label_zh": ["x"]}, "--grid label_zh: cannot be swept (it does not change the numbers, or is a whole mapping)"),
    ({"growth_overrides": [0.1]}, "--grid growth_overrides: cannot be swept"),
    ({"growth": [0.02, 0.6]}, "--grid growth = 0.6: out of range (fraction per year); use a value in -0.5..0.5"),
    ({"evidence.min_ess": [-1]}, "--grid evidence.min_ess = -1: out of range (paths); use a value in 10..1000000"),
    ({"target_year": [2024], "growth_overrides.2025": [0.0]},
     "--grid growth_overrides: growth_overrides year 2025 is after target_year 2024"),
])
def test_a_key_or_value_the_scenario_cannot_take_is_refused_before_any_work(base, grid, message):
    with pytest.raises(ParamsError) as refused:
        validate_grid(grid, base)
    assert str(refused.value).startswith(message)


def test_a_grid_the_scenario_can_take_passes(base):
    validate_grid({"growth": [0.0, 0.04, 0.08], "evidence.min_ess": [10, 500], "growth_overrides.2023": [-0.1, 0.0],
                   "engine": ["lognormal", "fitted"]}, base)

"""YAML written by people: a key written twice, a file too large or too deep, bad bytes: one line naming where."""

import pytest

from dgforecast.core.errors import ParamsError
from dgforecast.core.yamlfile import (
    MAX_PARAMS_BYTES,
    SHOWN_CHARS,
    cut,
    did_you_mean,
    hint,
    read_yaml,
    shown,
    yaml_value,
)


def _refused(tmp_path, text, **kwargs) -> str:
    path = tmp_path / "params.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    with pytest.raises(ParamsError) as refused:
        read_yaml(path, **kwargs)
    message = str(refused.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message[len(f"{path}: "):]


# ---------------------------------------------------------------- what a document means
def test_exponents_are_numbers_as_people_and_yaml_1_2_mean_them():
    assert [yaml_value(t) for t in ("5e-2", "1e308", "1E3", "-2.5e+1", "1_000e1")] == [0.05, 1e308, 1000.0, -25.0,
                                                                                      10000.0]
    assert yaml_value("0.05") == 0.05 and yaml_value("7") == 7 and yaml_value("5e-2x") == "5e-2x"


def test_a_merge_key_lays_the_anchored_mapping_under_the_ones_own_keys(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("base: &b {growth: 0.06, volatility: 0.075}\nshock:\n  <<: *b\n  growth: 0.02\n", encoding="utf-8")
    assert read_yaml(path)["shock"] == {"growth": 0.02, "volatility": 0.075}


# ---------------------------------------------------------------- refusals
def test_a_key_written_twice_is_refused_at_the_second(tmp_path):
    assert _refused(tmp_path, "defaults:\n  growth: 0.06\n  growth: 0.02\n") == (
        "line 3, column 3: malformed YAML (key 'growth' appears twice in one mapping; keep one); fix the syntax there")


def test_the_same_key_in_two_mappings_is_fine(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("base: {growth: 0.06}\nshock: {growth: 0.02}\n", encoding="utf-8")
    assert read_yaml(path) == {"base": {"growth": 0.06}, "shock": {"growth": 0.02}}


def test_broken_syntax_names_line_and_column(tmp_path):
    assert _refused(tmp_path, "a: [1, 2\n") == (
        "line 2, column 1: malformed YAML (expected ',' or ']', but got '<stream end>'); fix the syntax there")


def test_nesting_deeper_than_20_levels_is_refused(tmp_path):
    assert _refused(tmp_path, "a: " + "[" * 25 + "]" * 25 + "\n") == (
        "line 1, column 23: nested deeper than 20 levels; a params file needs far less")


def test_aliases_expanding_past_100000_values_are_refused_before_they_are_built(tmp_path):
    # a: 1 list + 10 numbers = 11 values; each next level is 1 + 10 x the last: 111, 1111, 11111, 111111
    ten = lambda name: "[" + ", ".join([f"*{name}"] * 10) + "]"  # noqa: E731
    text = ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + f"b: &b {ten('a')}\nc: &c {ten('b')}\n"
            f"d: &d {ten('c')}\n")
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(read_yaml(path)["d"]) == 10  # 11,111 values: under the limit
    assert _refused(tmp_path, text + f"e: &e {ten('d')}\n") == (
        "line 5, column 4: more than 100,000 values once its aliases (*name) are expanded; a params file needs far less")


def test_an_alias_inside_its_own_value_is_refused(tmp_path):
    assert _refused(tmp_path, "a: &x [1, *x]\n") == (
        "line 1, column 11: alias *x refers to a value that contains it; a params file needs far less")


def test_a_file_over_a_mebibyte_is_refused_unread(tmp_path):
    text = "# " + "x" * MAX_PARAMS_BYTES + "\n"
    assert _refused(tmp_path, text, what="plan file") == (
        f"{len(text):,} bytes, more than the 1,048,576 a plan file may have (the shipped ones have a few thousand); "
        "remove what is not assumptions and comments")


def test_bytes_that_are_not_utf8_name_the_byte(tmp_path):
    assert _refused(tmp_path, b"a: 1\nb: \xff\n") == "byte 8: not UTF-8 text; save the file as UTF-8"


def test_a_missing_file_says_how_to_create_it(tmp_path):
    path = tmp_path / "plan.yaml"
    with pytest.raises(ParamsError) as refused:
        read_yaml(path, create_hint="run dgforecast new-plan")
    assert str(refused.value) == f"{path}: file not found; run dgforecast new-plan"


# ---------------------------------------------------------------- suggestions and long values
def test_a_mistyped_key_gets_the_closest_choice_and_nothing_when_none_is_close():
    keys = ["growth", "volatility", "revenue_to_output_ratio"]
    assert did_you_mean("grwth", keys) == "growth" and did_you_mean("volatilty", keys) == "volatility"
    assert did_you_mean("seed", keys) is None
    assert did_you_mean(2025, [2024, 1999]) == "2024"  # keys that are not text are compared as text


def test_the_hint_is_the_guess_or_the_sorted_choices():
    assert hint("grwth", ["volatility", "growth"]) == "did you mean 'growth'?"
    assert hint("seed", ["volatility", "growth"]) == "use one of growth, volatility"


def test_a_long_value_is_cut_to_80_characters_with_its_length():
    assert cut("short") == "short" and cut("x" * SHOWN_CHARS) == "x" * 80
    long = cut("x" * 1000)
    assert len(long) == 80 and long.endswith("… (1,000 characters)") and long.startswith("x" * 60)
    assert shown("label") == "'label'"
    assert shown("y" * 5000).endswith("… (5,000 characters)")  # the text's own length, not its repr's

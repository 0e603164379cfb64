"""The command line's shared parts: a parser whose errors are one line, the shared options, the argument types."""

import argparse
import os

import pytest

from dgforecast.cli.arguments import (
    EVIDENCE_OPTIONS,
    SCENARIO_OPTIONS,
    Parser,
    finite_number,
    option_group,
    overrides,
    percent_levels,
    positive_int,
    utf8_text,
)


def _refused(type_, text) -> str:
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        type_(text)
    return str(refused.value)


# ---------------------------------------------------------------- the parser
def test_a_usage_error_is_one_line_pointing_at_help_and_exit_2(capsys):
    parser = Parser(prog="dgforecast")
    parser.add_argument("--count", type=finite_number)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--cuont", "3"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == "dgforecast: error: unrecognized arguments: --cuont 3 (see dgforecast --help)\n"


def test_a_value_its_type_refuses_is_the_types_one_line(capsys):
    parser = Parser(prog="dgforecast progress")
    parser.add_argument("--count", type=finite_number)
    with pytest.raises(SystemExit):
        parser.parse_args(["--count", "nan"])
    assert capsys.readouterr().err == ("dgforecast progress: error: argument --count: 'nan' is not a finite number; "
                                       "write a plain number such as 30 (see dgforecast progress --help)\n")


def test_the_scenario_and_evidence_options_are_written_once_and_shared():
    parser = Parser(prog="dgforecast assess", parents=[SCENARIO_OPTIONS, EVIDENCE_OPTIONS])
    args = parser.parse_args(["base", "-p", "growth=0.02", "--param", "n_sims=2000", "--json", "--as-of", "2025-06",
                              "--evidence", "mine.csv"])
    assert vars(args) == {"scenario": "base", "param": ["growth=0.02", "n_sims=2000"], "json": True,
                          "as_of": "2025-06", "evidence": "mine.csv"}
    assert vars(parser.parse_args(["shock"])) == {"scenario": "shock", "param": [], "json": False, "as_of": None,
                                                  "evidence": None}


def test_an_option_group_is_a_parent_without_its_own_help():
    group = option_group(lambda p: overrides(p, example="n_sims=2000", where=" in every scenario"))
    assert not group.add_help
    parser = Parser(prog="dgforecast report", parents=[group])
    assert parser.parse_args(["-p", "n_sims=2000", "-p", "growth=0.02"]).param == ["n_sims=2000", "growth=0.02"]
    assert parser.parse_args([]).param == []
    assert " ".join(parser.format_help().split()).endswith(
        "-p KEY=VALUE, --param KEY=VALUE override one parameter in every scenario (value read as YAML, e.g. -p n_sims=2000); "
        "repeatable")


# ---------------------------------------------------------------- argument types
@pytest.mark.parametrize("text, value", [("30", 30.0), ("-2.5", -2.5), ("1e3", 1000.0), (" 7 ", 7.0)])
def test_a_finite_number_is_read_as_a_float(text, value):
    assert finite_number(text) == value


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "1e400", "thirty", "", "3,000"])
def test_nan_infinity_and_words_are_not_numbers(text):
    assert _refused(finite_number, text) == f"{text!r} is not a finite number; write a plain number such as 30"


def test_a_long_non_number_is_shown_by_its_first_40_characters():
    assert _refused(finite_number, "x" * 1000).startswith(repr("x" * 40) + " is not a finite number")


@pytest.mark.parametrize("text, value", [("1", 1), ("8", 8), ("0012", 12)])
def test_a_positive_whole_number(text, value):
    assert positive_int(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "", "two", " 3"])
def test_zero_negatives_and_fractions_are_not_positive_whole_numbers(text):
    assert _refused(positive_int, text) == f"{text!r} is not a positive whole number"


def test_percent_levels_are_a_list_strictly_between_0_and_100():
    assert percent_levels("80,95") == (80.0, 95.0) and percent_levels("50") == (50.0,)
    assert percent_levels("99.5, 80") == (99.5, 80.0)
    for text in ("0,95", "80,100", "", "80,,95", "eighty", "-80"):
        assert _refused(percent_levels, text) == (f"{text!r} is not a list of percentages between 0 and 100, "
                                                  "e.g. 80,95")


def test_text_typed_in_utf8_is_kept_as_typed():
    assert utf8_text("东莞市工信局 2024-01") == "东莞市工信局 2024-01"


def test_bytes_the_terminal_could_not_decode_are_refused_naming_the_first_byte():
    source = os.fsdecode("东莞".encode("gbk"))  # GBK bytes under a UTF-8 locale arrive as surrogates
    assert _refused(utf8_text, source) == ("not UTF-8 text (byte 0xb6); set the terminal (or the script's locale) "
                                           "to UTF-8 and type it again")
    assert _refused(utf8_text, "ok\ud800").startswith("not UTF-8 text (character 3);")

"""Raw CSV files read as text: every bad cell is one DataError naming the file, the line and the column."""

import datetime as dt

import pandas as pd
import pytest

from dgforecast.core.csvfile import (
    MAX_AMOUNT,
    cell_choice,
    cell_number,
    cell_published_year,
    cell_required,
    cell_year,
    check_amount,
    check_level,
    check_rate,
    check_unit_matches_basis,
    line_label,
    no_duplicates,
    read_table,
)
from dgforecast.core.errors import DataError


def _raw(tmp_path, text, name="figures.csv"):
    folder = tmp_path / "data" / "raw"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _refused(call, *args) -> str:
    with pytest.raises(DataError) as refused:
        call(*args)
    return str(refused.value)


# ---------------------------------------------------------------- the file as a whole
def test_a_table_is_every_cell_as_stripped_text_without_the_byte_order_mark(tmp_path):
    path = _raw(tmp_path, "\ufeffseries , year,value\n a ,2020, 4621.25 \n")
    table = read_table(path, ["series", "year", "value"])
    assert table.to_dict("list") == {"series": ["a"], "year": ["2020"], "value": ["4621.25"]}


def test_a_thousands_separator_is_refused_naming_file_and_line(tmp_path):
    path = _raw(tmp_path, "series,year,value\na,2020,4621.25\na,2021,5,000\n")
    assert _refused(read_table, path, ["value"]) == (
        f"{path}: line 3: 4 fields where the header has 3; write numbers without thousands separators "
        "(5000, not 5,000) and quote text that holds a comma")


def test_a_quoted_thousands_separator_is_refused_naming_file_line_and_column(tmp_path):
    path = _raw(tmp_path, 'series,year,value\na,2020,"5,000"\n')
    text = read_table(path, ["value"]).loc[0, "value"]
    assert text == "5,000"
    assert _refused(cell_number, path, 0, "value", text) == (
        f"{path}: line 2, column value: '5,000' is not a number; write a plain number such as 1234.56")


def test_blank_lines_are_skipped_but_still_counted_in_the_line_named(tmp_path):
    path = _raw(tmp_path, "a,b\n1,2\n\n  ,  \n3,x,y\n")
    assert _refused(read_table, path, ["a"]).startswith(f"{path}: line 5: 3 fields where the header has 2")
    assert read_table(_raw(tmp_path, "a,b\n1,2\n\n,\n", "ok.csv"), ["a"]).to_dict("list") == {"a": ["1"], "b": ["2"]}


def test_a_last_line_cut_short_says_the_file_looks_cut_short(tmp_path):
    path = _raw(tmp_path, "a,b,c\n1,2,3\n4,5\n")
    assert _refused(read_table, path, []) == (
        f"{path}: line 3: the file ends after 2 of the header's 3 fields on its last line, so it looks cut "
        "short; restore the whole file (or complete the line)")


def test_a_quote_never_closed_names_the_line_it_opens_on(tmp_path):
    path = _raw(tmp_path, 'a,b\n1,2\n3,"open\n4,5\n')
    assert _refused(read_table, path, []) == (
        f"{path}: line 3: a quoted field opened here is never closed: the file ends inside it, so it looks cut "
        "short; restore the whole file (or close the quote)")


def test_text_that_is_not_utf8_names_the_line_and_byte(tmp_path):
    path = _raw(tmp_path, b"a,b\nx,\xff\n")  # "a,b\n" is bytes 0-3, "x," 4-5: the bad byte is byte 6, on line 2
    assert _refused(read_table, path, []) == f"{path}: not UTF-8 text (line 2, byte 6); save the file as UTF-8"


def test_a_file_ending_inside_a_character_looks_cut_short(tmp_path):
    path = _raw(tmp_path, "a,b\nx,亿".encode("utf-8")[:-1])  # 亿 is three bytes; the last is missing
    assert _refused(read_table, path, []) == (
        f"{path}: line 2: the file ends in the middle of a character, so it looks cut short; restore the whole file")


def test_an_empty_file_needs_at_least_its_header(tmp_path):
    path = _raw(tmp_path, "")
    assert _refused(read_table, path, []) == (
        f"{path}: not a readable CSV (the file is empty; it needs at least the header line)")


def test_a_missing_column_is_named_with_the_columns_expected(tmp_path):
    path = _raw(tmp_path, "a,b\n1,2\n")
    assert _refused(read_table, path, ["a", "b", "c"]) == (
        f"{path}: header: missing column(s) c; expected a, b, c")


def test_a_missing_raw_file_says_to_restore_it_from_git_and_another_file_only_that_it_is_missing(tmp_path):
    raw = tmp_path / "data" / "raw" / "plan_targets.csv"
    other = tmp_path / "elsewhere.csv"
    assert _refused(read_table, raw, []) == (
        f"{raw}: file not found; restore it from git (data/raw/ is never written by code)")
    assert _refused(read_table, other, []) == f"{other}: file not found"


# ---------------------------------------------------------------- one cell
def test_the_first_data_row_is_line_2_of_the_file():
    assert [line_label(i) for i in (0, 1, 9)] == ["line 2", "line 3", "line 11"]


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "-inf", "1e400", "4621,25"])
def test_a_number_must_be_finite_and_plain(text):
    assert _refused(cell_number, "f.csv", 3, "value", text) == (
        f"f.csv: line 5, column value: {text!r} is not a number; write a plain number such as 1234.56")


def test_plain_numbers_are_read_as_floats():
    assert [cell_number("f.csv", 0, "value", t) for t in ("4621.25", "-3", "1e3", " 7 ")] == [4621.25, -3.0, 1000.0, 7.0]


@pytest.mark.parametrize("text, problem", [
    ("19", "'19' is not a year; write four digits such as 2019"),
    ("2020.0", "'2020.0' is not a year; write four digits such as 2019"),
    ("1948", "year 1948 is outside 1949-2100"),
    ("2101", "year 2101 is outside 1949-2100"),
])
def test_a_year_is_four_digits_from_1949_to_2100(text, problem):
    assert _refused(cell_year, "f.csv", 0, "year", text) == f"f.csv: line 2, column year: {problem}"


def test_the_first_and_last_years_allowed_are_read():
    assert (cell_year("f.csv", 0, "year", "1949"), cell_year("f.csv", 0, "year", "2100")) == (1949, 2100)


def test_a_published_year_cannot_be_one_that_has_not_begun():
    this_year = dt.date.today().year
    assert cell_published_year("f.csv", 0, "year", str(this_year)) == this_year
    assert _refused(cell_published_year, "f.csv", 0, "year", str(this_year + 1)) == (
        f"f.csv: line 2, column year: year {this_year + 1} has not begun (it is {this_year}); a published figure "
        "is of a past year or this one: fix the year")


def test_a_choice_outside_the_allowed_lists_them_in_order():
    assert cell_choice("f.csv", 0, "basis", "level", {"level", "count"}) == "level"
    assert _refused(cell_choice, "f.csv", 0, "basis", "Level", {"yoy_pct", "level", "count"}) == (
        "f.csv: line 2, column basis: unknown basis 'Level'; use one of count, level, yoy_pct")


def test_a_required_cell_left_empty_is_refused():
    assert cell_required("f.csv", 1, "source", "http://x") == "http://x"
    assert _refused(cell_required, "f.csv", 1, "source", "") == "f.csv: line 3, column source: is empty; every row needs it"


# ---------------------------------------------------------------- what a value may be
def test_a_share_lies_in_0_to_100_percent():
    check_rate("f.csv", 0, "share_pct", 0.0)
    check_rate("f.csv", 0, "share_pct", 100.0)
    assert _refused(check_rate, "f.csv", 0, "share_pct", 100.5) == (
        "f.csv: line 2, column value: share 100.5 is outside 0-100 %")
    assert _refused(check_rate, "f.csv", 0, "share_pct", -0.1).endswith("share -0.1 is outside 0-100 %")


def test_a_fall_of_100_percent_or_more_would_make_the_level_negative():
    check_rate("f.csv", 0, "yoy_pct", -99.9)
    check_rate("f.csv", 0, "yoy_pct", 250.0)  # fast growth is a warning elsewhere, not a refusal here
    assert _refused(check_rate, "f.csv", 0, "yoy_pct", -100.0) == (
        "f.csv: line 2, column value: growth -100.0 % would make the level negative")


@pytest.mark.parametrize("value", [0.0, -4621.25])
def test_a_level_must_be_positive(value):
    assert _refused(check_level, "f.csv", 0, "level", value, "亿元") == (
        f"f.csv: line 2, column value: level {value:g} must be positive; leave the row out if the figure is unknown")


def test_a_count_may_be_zero_but_no_more_than_any_region_has():
    check_level("f.csv", 0, "count", 0.0, "个")
    check_level("f.csv", 0, "count", 1e8, "个")
    assert _refused(check_level, "f.csv", 0, "count", 1.5e8, "个") == (
        "f.csv: line 2, column value: 1.5e+08 个 is beyond any regional figure (at most 100,000,000 个); "
        "check the digits and the unit")


def test_an_amount_beyond_100_wan_yi_yuan_is_a_slipped_digit_or_unit():
    assert MAX_AMOUNT["亿元"] == 1e6  # 100万亿元 = 10^6 亿元, about China's GDP
    check_amount("f.csv", 0, "value", 1e6, "亿元")
    check_amount("f.csv", 0, "value", 1e300, "units nobody listed")  # no bound known for the unit
    assert _refused(check_amount, "f.csv", 0, "baseline", 1000001.0, "亿元") == (
        "f.csv: line 2, column baseline: 1e+06 亿元 is beyond any regional figure (at most 1,000,000 亿元); "
        "check the digits and the unit")


@pytest.mark.parametrize("basis, unit, problem", [
    ("yoy_pct", "亿元", "a yoy_pct row must be in %, not '亿元'"),
    ("share_pct", "", "a share_pct row must be in %, not ''"),
    ("level", "%", "a level row cannot be in %; give the level's unit"),
    ("at_least", "%", "a at_least row cannot be in %; give the level's unit"),
])
def test_the_unit_must_match_the_basis(basis, unit, problem):
    assert _refused(check_unit_matches_basis, "f.csv", 0, basis, unit) == f"f.csv: line 2, column unit: {problem}"


def test_matching_units_pass():
    for basis, unit in (("yoy_pct", "%"), ("share_pct", "%"), ("level", "亿元"), ("count", "个")):
        check_unit_matches_basis("f.csv", 0, basis, unit)


def test_the_first_duplicate_row_is_named_by_its_line_and_keys():
    frame = pd.DataFrame({"id": ["a", "b", "a", "b"], "year": ["2020", "2020", "2020", "2020"]})
    assert _refused(no_duplicates, "f.csv", frame, ["id", "year"], "figure") == (
        "f.csv: line 4: duplicate figure (id=a, year=2020); keep one row per figure")
    no_duplicates("f.csv", frame.iloc[:2], ["id", "year"], "figure")

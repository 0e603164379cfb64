"""Every CSV of data/raw/ is checked by ``dgforecast data``: the record of figures published after the base year
(dongguan_published_2022_2025.csv) like any raw file, and a file dgforecast reads nowhere is refused."""

import pytest

from dgforecast.core.errors import DataError
from dgforecast.plan.plan_file import load_plan
from dgforecast.plan.published import check_other_files

PUBLISHED = "dongguan_published_2022_2025.csv"


def refusal(raw) -> DataError:
    with pytest.raises(DataError) as caught:
        check_other_files(raw, load_plan(raw))
    return caught.value


@pytest.fixture
def raw(workbook):
    return workbook / "data" / "raw"


def test_the_shipped_record_of_published_figures_is_checked_and_passes(raw):
    assert [p.name for p in check_other_files(raw, load_plan(raw))] == [PUBLISHED]


def test_a_record_cut_short_is_refused(raw):
    path = raw / PUBLISHED
    path.write_bytes(path.read_bytes()[:3000])
    err = refusal(raw)
    assert err.path == str(path) and "so it looks cut short" in err.what


def test_an_emptied_record_is_refused(raw):
    (raw / PUBLISHED).write_bytes(b"")
    assert "the file is empty" in refusal(raw).what


def test_a_record_saved_as_gbk_is_refused(raw):
    path = raw / PUBLISHED
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    err = refusal(raw)
    assert err.what.startswith("not UTF-8 text (line 2") and err.what.endswith("save the file as UTF-8")


def test_a_nan_in_the_record_is_refused_naming_line_and_column(raw):
    path = raw / PUBLISHED
    path.write_text(path.read_text(encoding="utf-8").replace(",5267.39,", ",nan,"), encoding="utf-8")
    err = refusal(raw)
    assert (err.where, err.what) == ("line 13, column value", "'nan' is not a number; write a plain number such as 1234.56")


def test_a_level_ten_times_too_large_is_refused_against_the_history_files_figure_before_it(raw):
    # DG_IVA 2022 (line 13) 5267.39 -> 52673.9: 10.5 times 2021's 5008.81 in the history file, 10.2 times 2023's 5171
    path = raw / PUBLISHED
    path.write_text(path.read_text(encoding="utf-8").replace(",5267.39,", ",52673.9,"), encoding="utf-8")
    err = refusal(raw)
    assert err.where == "line 13, column value"
    assert err.what.startswith("DG_IVA 2022 = 52673.9 is 10.5 times 2021's 5008.81 (line 40 of "
                               "dongguan_published_to_2021.csv) and 10.2 times 2023's 5171 (line 15): a jump")


@pytest.mark.parametrize("month, words", [("2099-01", "2099-01 is in the future"),
                                          ("2021-12", "2021-12 is before 2022 began"),
                                          ("2023/01", "'2023/01' is not a month")])
def test_the_month_a_figure_was_published_is_checked(raw, month, words):
    path = raw / PUBLISHED
    path.write_text(path.read_text(encoding="utf-8").replace(",2023-01,", f",{month},", 1), encoding="utf-8")
    err = refusal(raw)
    assert err.where == "line 2, column published" and err.what.startswith(words)


def test_a_csv_dgforecast_reads_nowhere_is_refused_not_left_unchecked(raw):
    (raw / "notes.csv").write_text("what,where\nsomething,somewhere\n", encoding="utf-8")
    err = refusal(raw)
    assert err.path == str(raw / "notes.csv") and err.what.startswith("dgforecast reads no such file; move it out")


def test_data_refuses_a_broken_record_in_one_line(workbook, capsys):
    from dgforecast.cli import main

    (workbook / "data" / "raw" / PUBLISHED).write_bytes(b"")
    assert main(["--project", str(workbook), "data"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{PUBLISHED}: not a readable CSV (the file is empty" in err

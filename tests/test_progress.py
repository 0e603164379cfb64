"""dgforecast progress: a count entered from the shell, checked, appended, and judged at once."""

import pytest

from dgforecast.cli import main


def _progress(workbook, capsys, *args):
    code = main(["--project", str(workbook), "progress", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_count_is_appended_and_the_target_gets_a_probability(workbook, capsys):
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    code, out, err = _progress(workbook, capsys, "first_sets_2025", "--year", "2023", "--count", "30",
                               "--source", "东莞市工信局 2024-01", "--note", "city-level list")
    assert code == 0, err
    added = path.read_bytes()[len(before):].decode("utf-8")
    assert path.read_bytes().startswith(before)  # the rest of the file is byte for byte as it was
    assert added.splitlines()[-1] == "first_sets_2025,2023,30,东莞市工信局 2024-01,city-level list"
    # 30 in 2022-2023 (two years, the first without a row counts as none): about 15 a year, two years
    # to go, so about 60 by 2025 against more than 100: P(met) is close to 0, status 难以实现.
    assert "first_sets_2025: 30 achieved so far" in out and "难以实现" in out


@pytest.mark.parametrize("args, message", [
    (["first_set_2025", "--year", "2023", "--count", "30", "--source", "x"], "did you mean 'first_sets_2025'?"),
    (["first_sets_2025", "--year", "2027", "--count", "3", "--source", "x"], "outside the plan's window"),
    (["first_sets_2025", "--year", "2021", "--count", "3", "--source", "x"], "outside the plan's window"),
    (["first_sets_2025", "--year", "2024", "--count", "-3", "--source", "x"], "give the whole number"),
    (["first_sets_2025", "--year", "2024", "--count", "2.5", "--source", "x"], "give the whole number"),
    (["first_sets_2025", "--year", "2024", "--count", "3", "--source", " "], "--source: empty"),
    (["cluster_revenue_2025", "--year", "2023", "--count", "3", "--source", "x"], "a level target"),
])
def test_bad_progress_is_one_line_exit_2_and_the_file_is_unchanged(workbook, capsys, args, message):
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    code, out, err = _progress(workbook, capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_a_year_already_entered_is_refused(workbook, capsys):
    args = ["first_sets_2025", "--year", "2023", "--count", "30", "--source", "x"]
    assert _progress(workbook, capsys, *args)[0] == 0
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    code, _, err = _progress(workbook, capsys, *args)
    assert code == 2 and "already entered" in err and path.read_bytes() == before

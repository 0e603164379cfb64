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
    month = __import__("datetime").date.today().strftime("%Y-%m")
    assert added.splitlines()[-1] == f"first_sets_2025,2023,30,{month},东莞市工信局 2024-01,city-level list"
    # 30 in 2023; 2022, 2024 and 2025 not entered are drawn by the pace model (never read as zero):
    # NegBin(30.5, 1/4) must exceed 70: P(met) = 86.8 %
    assert "first_sets_2025: 30 entered (2023; not entered: 2022, 2024, 2025)" in out
    assert "P(met by 2025) = 86.8%" in out


def test_the_readme_count_example_is_not_confirmed_and_not_used_as_of_the_plan(workbook, capsys):
    from dgforecast.params import resolve_scenario
    from dgforecast.pipeline import load_inputs
    from dgforecast.tracking import final_assessment

    code, _, err = _progress(workbook, capsys, "first_sets_2025", "--year", "2023", "--count", "30",
                             "--source", "x", "--published", "2024-01")
    assert code == 0, err
    params = resolve_scenario(workbook / "params.yaml", "base", {"n_sims": 2000, "as_of": "2026-11"})
    inputs = load_inputs(workbook)
    row = final_assessment(params, inputs).set_index("target_id").loc["first_sets_2025"]
    assert 0 < row["p_met"] < 1 and row["verdict"] == "无法确认"
    assert "years not entered (2022, 2024, 2025) drawn by the pace model" in row["reason"]
    plan = final_assessment(params.at_plan(), inputs).set_index("target_id").loc["first_sets_2025"]
    assert plan["p_met"] != plan["p_met"]  # NaN: the count was published after the plan


@pytest.mark.parametrize("args, message", [
    (["first_set_2025", "--year", "2023", "--count", "30", "--source", "x"], "did you mean 'first_sets_2025'?"),
    (["first_sets_2025", "--year", "2027", "--count", "3", "--source", "x"], "outside the plan's window"),
    (["first_sets_2025", "--year", "2021", "--count", "3", "--source", "x"], "outside the plan's window"),
    (["first_sets_2025", "--year", "2024", "--count", "-3", "--source", "x"], "give the whole number"),
    (["first_sets_2025", "--year", "2024", "--count", "2.5", "--source", "x"], "give the whole number"),
    (["first_sets_2025", "--year", "2024", "--count", "3", "--source", " "], "--source: empty"),
    (["cluster_revenue_2025", "--year", "2023", "--count", "3", "--source", "x"], "a level target"),
    (["first_sets_2025", "--year", "2023", "--count", "3", "--source", "x", "--published", "2023-06"],
     "--published 2023-06: before the end of 2023"),
    (["first_sets_2025", "--year", "2023", "--count", "3", "--source", "x", "--published", "2099-01"],
     "in the future"),
    (["first_sets_2025", "--year", "2023", "--count", "3", "--source", "x", "--published", "Jan 2024"],
     "not a month"),
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

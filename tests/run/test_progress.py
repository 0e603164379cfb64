"""dgforecast progress: a count entered from the shell, checked, appended, and judged at once."""

import pytest

from dgforecast.cli import main
from dgforecast.core.errors import ParamsError
from dgforecast.run.progress import HEADER, record_progress


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
    from dgforecast.judge.final import final_assessment
    from dgforecast.plan.params import resolve_scenario
    from dgforecast.run.pipeline import load_inputs

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


# ---------------------------------------------------------------- entries made at the same time
COUNT_TARGETS = ["first_sets_2025", "own_brands_2025", "quality_firms_introduced_2025", "zjtx_firms_2025",
                 "doubling_pilots_2025", "component_firms_integrators_2025", "major_projects_platforms_2025",
                 "solution_providers_2025", "key_component_rnd_firms_2025", "high_end_talents_2025"]


def _together(workbook, argvs, timeout=180) -> list:
    """Start one ``dgforecast progress`` per argv at once; (exit code, stdout, stderr) of each, in order.

    Bounded: whatever is still running at ``timeout`` is killed by PID, and so is anything left over.
    """
    import subprocess
    import sys
    import time
    from pathlib import Path

    import psutil

    exe = Path(sys.executable).with_name("dgforecast")
    procs = [subprocess.Popen([str(exe), "--project", str(workbook), "progress", *argv], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for argv in argvs]
    watched = [psutil.Process(p.pid) for p in procs]
    deadline = time.monotonic() + timeout
    try:
        printed = [p.communicate(timeout=max(1, deadline - time.monotonic())) for p in procs]
        return [(p.returncode, out, err) for p, (out, err) in zip(procs, printed)]
    finally:
        for proc in watched:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(watched, timeout=10)


@pytest.mark.slow
def test_ten_entries_made_at_once_for_ten_targets_are_all_kept(workbook):
    runs = _together(workbook, [[t, "--year", "2023", "--count", str(i + 1), "--source", "x"]
                                for i, t in enumerate(COUNT_TARGETS)])
    assert [code for code, _, _ in runs] == [0] * 10, [err for _, _, err in runs]
    rows = (workbook / "data" / "raw" / "target_progress.csv").read_text(encoding="utf-8").splitlines()
    month = __import__("datetime").date.today().strftime("%Y-%m")
    assert rows[0] == "target_id,year,count,published,source,note"
    assert sorted(rows[1:]) == sorted(f"{t},2023,{i + 1},{month},x," for i, t in enumerate(COUNT_TARGETS))


@pytest.mark.slow
def test_five_entries_at_once_for_one_target_and_year_keep_one_and_refuse_four_in_one_line(workbook):
    runs = _together(workbook, [["first_sets_2025", "--year", "2023", "--count", str(n), "--source", "x"]
                                for n in (10, 20, 30, 40, 50)])
    codes = sorted(code for code, _, _ in runs)
    assert codes == [0, 2, 2, 2, 2], [err for _, _, err in runs]
    for code, out, err in runs:
        if code == 2:
            assert out == "" and err.count("\n") == 1 and "already entered" in err
    kept = next(out for code, out, _ in runs if code == 0)
    rows = (workbook / "data" / "raw" / "target_progress.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2 and f"first_sets_2025, 2023: {rows[1].split(',')[2]}, published" in kept


# ---------------------------------------------------------------- numbers and text from the shell, checked first
@pytest.mark.parametrize("count", ["1e400", "nan", "inf", "1e-400x"])
def test_a_count_that_is_not_a_finite_number_is_one_line_exit_2(workbook, capsys, count):
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    with pytest.raises(SystemExit) as stop:
        _progress(workbook, capsys, "first_sets_2025", "--year", "2023", "--count", count, "--source", "x")
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert f"argument --count: '{count}' is not a finite number; write a plain number such as 30" in err
    assert path.read_bytes() == before


def test_a_source_in_bytes_the_terminal_could_not_decode_is_one_line_exit_2(workbook, capsys):
    import os

    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    source = os.fsdecode("东莞".encode("gbk"))  # what Python makes of GBK bytes under a UTF-8 locale
    with pytest.raises(SystemExit) as stop:
        _progress(workbook, capsys, "first_sets_2025", "--year", "2023", "--count", "3", "--source", source)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "argument --source: not UTF-8 text (byte 0xb6); set the terminal" in err
    assert path.read_bytes() == before


# ---------------------------------------------------------------- record_progress itself (what the command calls)
def test_the_columns_written_are_those_of_the_shipped_file(workbook):
    first = (workbook / "data" / "raw" / "target_progress.csv").read_text(encoding="utf-8").splitlines()[0]
    assert HEADER == first.split(",") == ["target_id", "year", "count", "published", "source", "note"]


def test_an_older_file_without_a_note_column_keeps_the_note_in_the_source(workbook):
    path = workbook / "data" / "raw" / "target_progress.csv"
    path.write_text("target_id,year,count,published,source", encoding="utf-8")  # and no newline at its end
    said = record_progress("first_sets_2025", 2023, 30, " 东莞市工信局 ", note="city list", project=workbook,
                           published="2024-01")
    assert path.read_text(encoding="utf-8") == ("target_id,year,count,published,source\n"
                                                "first_sets_2025,2023,30,2024-01,东莞市工信局 (city list)\n")
    assert said.splitlines()[0] == f"added to {path}: first_sets_2025, 2023: 30, published 2024-01 (东莞市工信局)"


def test_a_workbook_without_the_file_gets_it_with_its_header_first(workbook):
    path = workbook / "data" / "raw" / "target_progress.csv"
    path.unlink()
    record_progress("first_sets_2025", 2024, 12.0, "x", project=workbook, published="2025-01")
    assert path.read_text(encoding="utf-8").splitlines() == [",".join(HEADER), "first_sets_2025,2024,12,2025-01,x,"]


def test_a_milestone_reported_done_is_met(workbook):
    said = record_progress("innovation_centre_2025", 2024, 1, "x", project=workbook, published="2025-01")
    assert said.splitlines()[1].startswith("innovation_centre_2025: 1 entered (2024; not entered: 2022, 2023, 2025); "
                                           "P(met by 2025) = 100.0%, 已实现")


@pytest.mark.parametrize("target_id, year, count, published, message", [
    ("first_set_2025", 2023, 3, None, "progress first_set_2025: unknown target; did you mean 'first_sets_2025'?"),
    ("nothing_like_it", 2023, 3, None, "progress nothing_like_it: unknown target; dgforecast targets lists them"),
    ("cluster_revenue_2025", 2023, 3, None, "progress cluster_revenue_2025: a level target (亿元); enter its figures in "
                                            "data/raw/evidence.csv"),
    ("first_sets_2025", 2021, 3, None, "progress first_sets_2025 --year 2021: outside the plan's window for this "
                                       "target (2022-2025); counts are per year after the base year 2021"),
    ("first_sets_2025", 2023, 100_001, None, "progress first_sets_2025 --count 100001: give the whole number achieved "
                                             "in 2023 (0 to 100,000)"),
    ("first_sets_2025", 2023, 3, "2023-11", "progress first_sets_2025 --published 2023-11: before the end of 2023, "
                                            "the year the count is for"),
    ("first_sets_2025", 2023, 3, "2024-1", "progress first_sets_2025 --published 2024-1: not a month; write YYYY-MM"),
])
def test_what_cannot_be_entered_is_refused_in_one_line_and_the_file_is_unchanged(workbook, target_id, year, count,
                                                                                 published, message):
    path = workbook / "data" / "raw" / "target_progress.csv"
    before = path.read_bytes()
    with pytest.raises(ParamsError) as refused:
        record_progress(target_id, year, count, "x", project=workbook, published=published)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    assert path.read_bytes() == before

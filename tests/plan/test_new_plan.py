"""``dgforecast new-plan DIR``: an empty plan folder that passes the checks, says what goes where, and assesses
once a baseline, a target and a figure are written into it."""

import csv
import io
import re
from pathlib import Path

import pytest
import yaml

from dgforecast.cli import main
from dgforecast.judge.assess import assess_inputs, summary_records
from dgforecast.plan.comments import missing_reasons
from dgforecast.plan.data import BASELINE_COLUMNS, TARGET_COLUMNS
from dgforecast.plan.evidence import COLUMNS as EVIDENCE_COLUMNS
from dgforecast.plan.new_plan import new_plan, render, scaffold_texts, template_values
from dgforecast.plan.params import resolve_scenario
from dgforecast.plan.plan_file import load_plan
from dgforecast.plan.schema import EvidenceParams, StatusThresholds, VerdictThresholds
from dgforecast.run.pipeline import load_inputs
from dgforecast.run.progress import HEADER as PROGRESS_COLUMNS

#: A plan written in March 2025 on 2024's figures: every example year is in the past, whatever today is.
DATED = ["--base-year", "2024", "--plan-month", "2025-03"]


@pytest.fixture
def folder(tmp_path):
    """A new plan folder written by the command, dated (``DATED``)."""
    assert main(["new-plan", str(tmp_path / "plan"), *DATED]) == 0
    return tmp_path / "plan"


def _append(path: Path, line: str):
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _assessed(root, **overrides):
    params = resolve_scenario(root / "params.yaml", "base", {"n_sims": 20000, "as_of": "2026-11", **overrides})
    return {r["target_id"]: r for r in summary_records(assess_inputs(params, load_inputs(root)))}


# ---------------------------------------------------------------- as written
def test_a_new_plan_passes_data_and_params_and_says_it_has_no_targets_yet(folder, capsys):
    capsys.readouterr()
    assert main(["--project", str(folder), "data"]) == 0
    out = capsys.readouterr().out
    assert "wrote 5 tables" in out
    assert [line for line in out.splitlines() if "no targets yet" in line] == [
        "  none: plan_targets.csv: no targets yet, so nothing to assess; add one row per target of the plan "
        "(the workbook's README.md shows one)"]
    assert main(["--project", str(folder), "params", "base"]) == 0
    captured = capsys.readouterr()
    assert yaml.safe_load(captured.out)["growth"] == 0.05
    # every other number says why; growth and volatility are new-plan's placeholders, and say so
    notes = captured.err.splitlines()
    assert [n.split(": ")[2] for n in notes] == ["params.yaml line 20", "params.yaml line 22"], notes
    assert "defaults.growth is a placeholder (占位)" in notes[0] and "defaults.volatility is a placeholder" in notes[1]


def test_the_defaults_are_a_plan_written_this_month_on_last_years_figures(tmp_path, capsys):
    import datetime as dt

    today = dt.date.today()
    assert main(["new-plan", str(tmp_path / "plan")]) == 0
    plan = load_plan(tmp_path / "plan" / "data" / "raw").plan
    assert (plan.title_zh, plan.title_en) == ("新规划", "New plan")
    assert (plan.base_year, plan.plan_month) == (today.year - 1, today.strftime("%Y-%m"))


def test_the_options_fill_the_plan_and_a_title_survives_yaml(tmp_path):
    new_plan(tmp_path / "plan", title_zh='测试: "规划" # 一', title_en="A plan: its title", base_year=2018,
             plan_month="2019-06")
    plan = load_plan(tmp_path / "plan" / "data" / "raw").plan
    assert (plan.title_zh, plan.title_en, plan.base_year, plan.plan_month) == (
        '测试: "规划" # 一', "A plan: its title", 2018, "2019-06")
    assert (tmp_path / "plan" / "README.md").read_text(encoding="utf-8").startswith(
        '# 测试: "规划" # 一 · A plan: its title\n')


@pytest.mark.parametrize("folder_name", ["missing/deeper", "empty"])
def test_a_new_or_empty_folder_is_written(tmp_path, folder_name):
    (tmp_path / "empty").mkdir()
    new_plan(tmp_path / folder_name)
    assert (tmp_path / folder_name / "data" / "raw" / "plan.yaml").is_file()
    assert [p.name for p in (tmp_path / folder_name).parent.iterdir() if p.name.startswith(".")] == []


def test_the_readme_names_every_file_the_folder_has(folder):
    readme = (folder / "README.md").read_text(encoding="utf-8")
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert len(written) == 7
    assert [name for name in written if f"`{name}`" not in readme] == []


def test_the_csv_files_hold_the_loaders_columns_and_no_rows(folder):
    raw = folder / "data" / "raw"
    for name, columns in [("plan_baselines.csv", BASELINE_COLUMNS), ("plan_targets.csv", TARGET_COLUMNS),
                          ("evidence.csv", EVIDENCE_COLUMNS), ("target_progress.csv", PROGRESS_COLUMNS)]:
        assert (raw / name).read_text(encoding="utf-8") == ",".join(columns) + "\n", name


def test_params_yaml_shows_the_schemas_defaults(folder):
    defaults = yaml.safe_load((folder / "params.yaml").read_text(encoding="utf-8"))["defaults"]
    assert defaults["evidence"] == EvidenceParams().model_dump()
    assert defaults["status_thresholds"] == StatusThresholds().model_dump()
    assert defaults["verdict_thresholds"] == VerdictThresholds().model_dump()
    assert [note.split(": ", 1)[1] for note in missing_reasons(folder / "params.yaml")] == [
        "defaults.growth is a placeholder (占位): give the plan's own value and its reason; no probability rests on "
        "it until then",
        "defaults.volatility is a placeholder (占位): give the plan's own value and its reason; no probability rests "
        "on it until then"]  # every other number says why


def test_every_template_placeholder_is_filled():
    values = template_values(today=__import__("datetime").date(2031, 5, 1))
    for path, text in render(values).items():
        assert "${" not in text, path
    assert set(scaffold_texts()) == set(render(values))


# ---------------------------------------------------------------- refused
def test_a_folder_that_is_not_empty_is_refused_in_one_line_and_nothing_written(tmp_path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["new-plan", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(target) in err and "not empty" in err
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no staging folder left


def test_a_file_where_the_folder_would_go_is_refused(tmp_path, capsys):
    (tmp_path / "plan").write_text("x", encoding="utf-8")
    assert main(["new-plan", str(tmp_path / "plan")]) == 2
    assert "is a file" in capsys.readouterr().err


@pytest.mark.parametrize("option, value, words", [
    ("--plan-month", "2025-13", "new-plan --plan-month '2025-13': not a month; write YYYY-MM"),
    ("--base-year", "1800", "new-plan --base-year 1800: input should be greater than or equal to 1949"),
    ("--title", "规" * 81, "new-plan --title"),
    ("--title-en", "two\nlines", "new-plan --title-en: a title is one line"),
])
def test_a_bad_option_is_one_line_naming_it_and_nothing_written(tmp_path, capsys, option, value, words):
    assert main(["new-plan", str(tmp_path / "plan"), option, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- what a plan without targets says
@pytest.mark.parametrize("command", [["assess", "base"], ["track", "base"], ["sweep", "--grid", "growth=0,0.1"],
                                     ["report"]])
def test_a_plan_without_targets_is_refused_in_one_line_saying_so(folder, capsys, command):
    capsys.readouterr()
    assert main(["--project", str(folder), *command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "plan_targets.csv: no targets yet, so nothing to assess" in err, err


def test_targets_and_fit_of_a_plan_without_targets_say_what_is_missing(folder, capsys):
    capsys.readouterr()
    assert main(["--project", str(folder), "targets"]) == 0
    assert capsys.readouterr().out.count("no targets yet") == 1
    assert main(["--project", str(folder), "fit", "EX_OUTPUT"]) == 2
    assert "no deadline to forecast to; give the year with --year" in capsys.readouterr().err


# ---------------------------------------------------------------- filled in
def test_one_baseline_one_target_and_one_figure_written_by_hand_give_an_assessment(folder):
    raw = folder / "data" / "raw"
    _append(raw / "plan_baselines.csv", "Output|Example,示例产值,示例行业,亿元,2024,1000,level,current,一（一）,")
    _append(raw / "plan_targets.csv",
            "example_output_2029,示例产值,Example output,level,亿元,1500,>=,2029,2024,二（一）,example_output,")
    # with growth 5 % a year and sd 0.1, 1000 reaches 1500 in five years with P = Φ((5 ln 1.05 − ln 1.5) /
    # (0.1 √5)) = Φ(−0.722) = 0.235 (the engine as the rule sets it: calibration none)
    before = _assessed(folder, growth=0.05, volatility=0.1, calibration="none")["example_output_2029"]
    assert before["p_met"] == pytest.approx(0.235, abs=0.01) and before["evidence_used"] == []
    _append(raw / "evidence.csv", "example_output_2025,example_output,2025,year,growth,30,%,,nominal,2026-02,"
                                  "press_or_official,https://example.org/release,增长30%,EX_OUTPUT")
    # +30 % in 2025 leaves ln(1500 / 1300) = 0.143 for four years of mean 4 ln 1.05 = 0.195, sd 0.2:
    # Φ(0.26) = 0.60
    after = _assessed(folder, growth=0.05, volatility=0.1, calibration="none")["example_output_2029"]
    assert after["evidence_used"] == ["example_output_2025"]
    assert after["p_met"] == pytest.approx(0.60, abs=0.02) and after["status"] == "基本符合预期"


def _readme_rows(readme: str) -> dict:
    """Header line -> the worked rows under it, from the README's ```csv blocks."""
    blocks = re.findall(r"```csv\n(.*?)```", readme, flags=re.S)
    return {block.splitlines()[0]: block.splitlines()[1:] for block in blocks}


def test_the_readmes_worked_rows_pasted_in_give_an_assessment(folder, capsys):
    rows = _readme_rows((folder / "README.md").read_text(encoding="utf-8"))
    raw = folder / "data" / "raw"
    files = sorted(raw.glob("*.csv"))
    assert len(rows) == len(files) == 4
    for path in files:
        header = path.read_text(encoding="utf-8").splitlines()[0]
        for line in rows[header]:
            _append(path, line)
    assert all(len(next(csv.reader(io.StringIO(line)))) == len(header.split(","))
               for header, lines in rows.items() for line in lines)
    capsys.readouterr()
    # growth and volatility are still new-plan's placeholders: nothing may rest on them
    assert main(["--project", str(folder), "assess", "base", "--as-of", "2026-11"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "defaults.growth = 0.05 is a placeholder (占位)" in err and "-p growth=VALUE" in err
    assert main(["--project", str(folder), "assess", "base", "--as-of", "2026-11", "-p", "growth=0.05",
                 "-p", "volatility=0.1"]) == 0
    out = capsys.readouterr().out
    assert "evidence used: example_output_2025_ytd06" in out
    assert re.search(r"^example_output_2029 +\d+\.\d%", out, flags=re.M), out
    assert re.search(r"^example_count_2029 +\d+\.\d%", out, flags=re.M), out   # a count entered: a P(met)


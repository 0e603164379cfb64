"""The subcommands: each ``add_*`` declares one command's options, each ``cmd_*`` makes one call and says 0."""

import argparse
import json

import pytest
import yaml

import dgforecast.cli.commands as commands
from dgforecast.cli.arguments import Parser
from dgforecast.cli.commands import COMMANDS, cmd_new_plan, cmd_params, cmd_targets


@pytest.fixture(scope="module")
def parser():
    parser = Parser(prog="dgforecast")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for add in COMMANDS:
        add(sub)
    return parser


def test_each_command_is_added_once_in_the_order_help_lists_them(parser):
    names = [add.__name__.removeprefix("add_").replace("_", "-") for add in COMMANDS]
    assert names == ["new-plan", "data", "targets", "params", "assess", "track", "progress", "run", "report", "sweep",
                     "forecast", "fit", "portfolio"]
    assert sorted(n for n in dir(commands) if n.startswith("add_")) == sorted(a.__name__ for a in COMMANDS)


def test_each_command_calls_its_own_cmd(parser):
    for add in COMMANDS:
        name = add.__name__.removeprefix("add_")
        argv = {"new_plan": ["new-plan", "x"], "params": ["params", "base"], "assess": ["assess", "base"],
                "track": ["track", "base"], "run": ["run", "base"], "fit": ["fit", "DG_GDP"],
                "progress": ["progress", "t", "--year", "2023", "--count", "3", "--source", "x"],
                "forecast": ["forecast", "--input", "s.csv", "--horizon", "2"],
                "portfolio": ["portfolio", "one"]}.get(name, [name])
        assert parser.parse_args(argv).func is getattr(commands, f"cmd_{name}")


def test_the_defaults_a_user_does_not_type(parser):
    forecast = parser.parse_args(["forecast", "--input", "s.csv", "--horizon", "3"])
    assert (forecast.horizon, forecast.levels, forecast.method, forecast.output, forecast.jobs) == (3, (80, 95), "auto",
                                                                                                    None, None)
    report = parser.parse_args(["report"])
    assert (report.scenarios, report.param, report.out, report.jobs, report.show_code, report.sweep) == (
        "all", [], None, None, False, None)
    sweep = parser.parse_args(["sweep", "--grid", "growth=0:0.08:0.01", "--grid", "volatility=0.05,0.1"])
    assert sweep.grid == ["growth=0:0.08:0.01", "volatility=0.05,0.1"] and sweep.scenario is None and not sweep.yes
    fit = parser.parse_args(["fit", "DG_GDP", "--as-of", "2019"])
    assert (fit.series_id, fit.as_of, fit.year, fit.gaps) == ("DG_GDP", 2019, None, "interpolate")


def test_typed_options_are_converted_where_they_are_read(parser):
    progress = parser.parse_args(["progress", "first_sets_2025", "--year", "2023", "--count", "30", "--source", "东莞",
                                  "--published", "2024-01"])
    assert (progress.target_id, progress.year, progress.count, progress.source, progress.note, progress.published) == (
        "first_sets_2025", 2023, 30.0, "东莞", None, "2024-01")
    assert parser.parse_args(["forecast", "--input", "s", "--horizon", "2", "--levels", "50,90"]).levels == (50.0, 90.0)
    assert parser.parse_args(["report", "-j", "2", "-p", "n_sims=2000"]).jobs == 2


@pytest.mark.parametrize("argv, message", [
    (["progress", "t", "--count", "3", "--source", "x"], "the following arguments are required: --year"),
    (["forecast", "--input", "s.csv", "--horizon", "0"], "argument --horizon: '0' is not a positive whole number"),
    (["forecast", "--input", "s.csv", "--horizon", "2", "--levels", "80,120"],
     "argument --levels: '80,120' is not a list of percentages between 0 and 100"),
    (["report", "-j", "0"], "argument -j/--jobs: '0' is not a positive whole number"),
    (["fit", "DG_GDP", "--gaps", "fill"], "argument --gaps: invalid choice: 'fill'"),
    (["assess"], "the following arguments are required: scenario"),
])
def test_a_bad_option_is_one_line_naming_the_command(parser, capsys, argv, message):
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert err.startswith(f"dgforecast {argv[0]}: error: ") and message in err
    assert err.endswith(f"(see dgforecast {argv[0]} --help)\n")


# ---------------------------------------------------------------- a few commands called as main calls them
def test_params_prints_the_resolved_scenario_as_yaml_for_papermill(shipped, capsys):
    assert cmd_params(argparse.Namespace(scenario="base", param=["growth=0.02"], project=shipped)) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert (printed["scenario"], printed["growth"], printed["volatility"], printed["n_sims"]) == (
        "base", 0.02, 0.075, 20000)


def test_targets_prints_every_target_as_json(shipped, capsys):
    assert cmd_targets(argparse.Namespace(project=shipped, json=True)) == 0
    targets = {t["id"]: t for t in json.loads(capsys.readouterr().out)}
    assert (targets["cluster_revenue_2025"]["threshold"], targets["cluster_revenue_2025"]["deadline"]) == (5400.0, 2025)
    assert targets["first_sets_2025"]["kind"] == "cumulative_count"


def test_new_plan_writes_a_folder_and_says_what_to_do_next(tmp_path, capsys):
    folder = tmp_path / "robots"
    assert cmd_new_plan(argparse.Namespace(folder=str(folder), title="机器人", title_en=None, base_year=2024,
                                           plan_month=None, project=None)) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"wrote a new plan folder {folder} (7 files: README.md, data/raw/evidence.csv")
    assert (folder / "params.yaml").is_file() and (folder / "data" / "raw" / "plan.yaml").is_file()

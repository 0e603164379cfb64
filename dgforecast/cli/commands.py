"""The subcommands: each ``add_*`` declares one command's options, each ``cmd_*`` makes one call.

Heavy libraries are imported inside the ``cmd_*`` functions, so ``dgforecast --help`` answers at once.
A new command writes its pair here and adds its ``add_*`` to COMMANDS.
"""

import sys

from dgforecast.cli.arguments import (
    EVIDENCE_OPTIONS,
    SCENARIO_OPTIONS,
    as_of_month,
    finite_number,
    overrides,
    percent_levels,
    positive_int,
    utf8_text,
)


def checked_as_of(args):
    """``--as-of`` from the plan's month to this one (``check_as_of``), refused before anything runs."""
    if args.as_of is not None:
        from dgforecast.core.config import find_project
        from dgforecast.plan.params import check_as_of
        from dgforecast.plan.plan_file import load_plan

        check_as_of(args.as_of, load_plan(find_project(args.project).raw).plan.plan_month, "--as-of")
    return args.as_of


def cmd_data(args) -> int:
    from dgforecast.run.pipeline import build_data

    print(build_data(args.project))
    return 0


def cmd_targets(args) -> int:
    from dgforecast.run.pipeline import show_targets

    print(show_targets(args.project, as_json=args.json))
    return 0


def add_data(sub):
    p = sub.add_parser("data", help="check data/raw/, write data/processed/, print the derived figures")
    p.set_defaults(func=cmd_data)


def add_targets(sub):
    p = sub.add_parser("targets", help="list the plan's targets with baselines and required growth")
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.set_defaults(func=cmd_targets)


def cmd_params(args) -> int:
    from dgforecast.core.config import find_project
    from dgforecast.plan.comments import missing_reasons
    from dgforecast.plan.params import params_yaml_for

    print(params_yaml_for(args.scenario, args.param, args.project), end="")
    for note in missing_reasons(find_project(args.project).params_file):  # stderr: stdout stays papermill YAML
        print(f"dgforecast: note: {note}", file=sys.stderr)
    return 0


def add_params(sub):
    p = sub.add_parser("params", parents=[SCENARIO_OPTIONS],
                       help="print a scenario's resolved parameters as YAML for papermill -f")
    p.set_defaults(func=cmd_params)


def cmd_assess(args) -> int:
    from dgforecast.run.pipeline import describe_assessment

    print(describe_assessment(args.scenario, args.param, args.project, as_json=args.json, as_of=checked_as_of(args),
                              evidence_file=args.evidence))
    return 0


def add_assess(sub):
    p = sub.add_parser("assess", parents=[SCENARIO_OPTIONS, EVIDENCE_OPTIONS],
                       help="P(met), median and 10-90 %% range of every target for one scenario, at once and "
                            "without a notebook kernel (--json: a list of objects, one per target)")
    p.set_defaults(func=cmd_assess)


def cmd_track(args) -> int:
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.run.track_text import describe_track

    refuse_raw_anywhere(args.out, args.project, "--out")
    print(describe_track(args.scenario, args.param, args.project, as_json=args.json, out=args.out,
                         evidence_file=args.evidence, as_of=checked_as_of(args)))
    return 0


def add_track(sub):
    p = sub.add_parser("track", parents=[SCENARIO_OPTIONS, EVIDENCE_OPTIONS],
                       help="how P(met) moved with each published figure, from the plan to today (--as-of: the "
                            "last vintage), and the final assessment (终期评估); --json: one object per vintage "
                            "and level target")
    p.add_argument("--out", default=None, metavar="FILE.csv",
                   help="also write the table to FILE.csv and the chart to FILE.png (not inside data/raw/)")
    p.set_defaults(func=cmd_track)


def cmd_progress(args) -> int:
    from dgforecast.run.progress import record_progress

    print(record_progress(args.target_id, args.year, args.count, args.source, args.note or "", args.project,
                          args.published))
    return 0


def add_progress(sub):
    p = sub.add_parser("progress", help="enter a count achieved towards a count target (appends a checked row "
                                        "to data/raw/target_progress.csv) and print its new assessment")
    p.add_argument("target_id", help="a count or milestone target's id (dgforecast targets lists them)")
    p.add_argument("--year", type=int, required=True, metavar="Y", help="the year the count was achieved in")
    p.add_argument("--count", type=finite_number, required=True, metavar="N",
                   help="the number newly achieved that year")
    p.add_argument("--source", type=utf8_text, required=True, metavar="TEXT", help="where the figure was published")
    p.add_argument("--note", type=utf8_text, default=None, metavar="TEXT",
                   help="anything a reader should know about the figure")
    p.add_argument("--published", default=None, metavar="YYYY-MM",
                   help="the month the count was published (default: this month); a forecast as of an earlier "
                        "month does not use it")
    p.set_defaults(func=cmd_progress)


def cmd_run(args) -> int:
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.run.report import describe_run

    refuse_raw_anywhere(args.out, args.project, "--out")
    text, code = describe_run(args.scenario, args.param, args.out, args.project, args.show_code)
    print(text)
    return code


def add_run(sub):
    p = sub.add_parser("run", parents=[SCENARIO_OPTIONS],
                       help="run one scenario's notebook: executed .ipynb, HTML page and summary")
    p.add_argument("--out", metavar="DIR", default=None, help="output folder (default reports/runs/<date>/)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML page")
    p.set_defaults(func=cmd_run)


def cmd_report(args) -> int:
    from dgforecast.core.config import find_project
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.plan.comments import missing_reasons
    from dgforecast.run.report import describe_report

    refuse_raw_anywhere(args.out, args.project, "--out")
    text, code = describe_report(args.scenarios, args.param, args.out, args.jobs, args.show_code, args.project,
                                 args.sweep)
    print(text)
    for note in missing_reasons(find_project(args.project).params_file):
        print(f"dgforecast: note: {note}", file=sys.stderr)
    return code


def add_report(sub):
    p = sub.add_parser("report", help="run every notebook for the scenarios and write the HTML report")
    p.add_argument("--scenarios", default="all", metavar="a,b|all", help="scenarios to run (default: all)")
    overrides(p, example="n_sims=2000", where=" in every scenario")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="report folder (default reports/<YYYY-MM-DD>/, then reports/latest points at it)")
    p.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N",
                   help="notebooks run in parallel (default: number of CPUs)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML pages")
    p.add_argument("--sweep", default=None, metavar="FILE.csv|FILE.parquet",
                   help="also draw the P(met) heat map of this dgforecast sweep results file (two or more "
                        "--grid keys) with notebook 05, linked from index.html")
    p.set_defaults(func=cmd_report)


def sweep_slips(args) -> list:
    """The sweep's scenario weighed for a growth of 0.085 meant as 8.5 % (``unit_slips``), before the grid runs."""
    from dgforecast.core.config import find_project
    from dgforecast.plan.evidence import EVIDENCE_FILE
    from dgforecast.plan.params import headline_scenario, resolve_scenario
    from dgforecast.run.pipeline import load_inputs
    from dgforecast.run.unit_slips import judge_unit_slips

    paths = find_project(args.project)
    scenario = args.scenario or headline_scenario(paths.params_file)
    params = resolve_scenario(paths.params_file, scenario, {"as_of": checked_as_of(args)} if args.as_of else {})
    return judge_unit_slips(params, load_inputs(paths.root), paths.raw / EVIDENCE_FILE)


def cmd_sweep(args) -> int:
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.run.sweep import run_sweep

    refuse_raw_anywhere(args.out, args.project, "--out")
    for slip in sweep_slips(args):
        print(f"dgforecast: note: {slip.note}", file=sys.stderr)
    print(run_sweep(args.grid, project=args.project, scenario=args.scenario, n_sims=args.sims, seed=args.seed,
                    out=args.out, jobs=args.jobs, scheduler=args.scheduler, yes=args.yes,
                    notebooks=args.notebooks, as_of=args.as_of, as_json=args.json))
    return 0


def add_sweep(sub):
    p = sub.add_parser("sweep", help="P(target met) over a grid of assumptions, all points at once",
                       # argparse %-formats help strings (write %% there) but not a description: one % here
                       description="Evaluate every combination of the --grid values as overrides on a scenario, "
                                   "on the same random shocks, and write one row per point; then print, for each "
                                   "value of the other keys, the value of the most finely swept key at which "
                                   "P(met) crosses 50 % and 80 %, and the break-even line beside them, where the "
                                   "median equals the target (on a growth axis the growth the target requires). "
                                   "Example: dgforecast sweep --grid growth=0:0.08:0.01 --grid "
                                   "revenue_to_output_ratio=0.9,0.95,1.0")
    p.add_argument("--scenario", default=None, metavar="NAME",
                   help="scenario the grid overrides (default: params.yaml's headline scenario)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=START:STOP:STEP|KEY=V1,V2,...",
                   help="a parameter and its values (stop inclusive), e.g. growth=0:0.08:0.01; repeatable, "
                        "the points are every combination. Keys: any scenario parameter that changes the numbers "
                        "(dgforecast params base lists them), BLOCK.NAME for a nested one, growth_overrides.YEAR")
    p.add_argument("--sims", type=int, default=None, metavar="N", help="paths per point (default: the scenario's n_sims)")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default: the scenario's)")
    p.add_argument("--as-of", type=as_of_month, default=None, metavar="YYYY-MM",
                   help="use only evidence published by this month (default: the scenario's as_of, today); "
                        "the plan's month (plan.yaml plan_month) gives the plan-time probabilities")
    p.add_argument("--out", default=None, metavar="FILE.csv|FILE.parquet",
                   help="results file (default reports/sweep_<scenario>.csv)")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="local worker processes (default: number of CPUs)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask cluster instead of local processes (extra dgforecast[dask])")
    p.add_argument("--notebooks", action="store_true",
                   help="also render the scenario notebook and its HTML for every point (resumable)")
    p.add_argument("--yes", action="store_true", help="allow more than a million points")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (the run, where P(met) crosses 50 %% and 80 %% and where the "
                        "median equals the target) instead of text")
    p.set_defaults(func=cmd_sweep)


def cmd_forecast(args) -> int:
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.models.forecast_files import describe_forecast_file

    refuse_raw_anywhere(args.output, args.project, "--output")
    text, csv, failed = describe_forecast_file(args.input, args.horizon, args.levels, args.method, args.output,
                                               args.jobs, progress=sys.stderr.isatty())
    if csv:
        sys.stdout.write(csv)
    print(text, file=sys.stderr)
    return 1 if failed else 0


def add_forecast(sub):
    p = sub.add_parser("forecast", help="forecast every series of a CSV (series_id, year, value) with intervals")
    p.add_argument("--input", required=True, metavar="FILE", help="CSV with columns series_id, year, value")
    p.add_argument("--horizon", required=True, type=positive_int, metavar="H", help="years ahead")
    p.add_argument("--levels", type=percent_levels, default=(80, 95), metavar="80,95",
                   help="central interval levels in percent (default 80,95)")
    p.add_argument("--method", default="auto", metavar="auto|NAME",
                   help="auto (default) or a model: cagr, loglinear, drift, logdrift, damped_drift, ses, dotm, "
                        "ets, arima, theta, logistic, gompertz")
    p.add_argument("--output", default=None, metavar="FILE", help="output CSV (default: standard output)")
    p.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N",
                   help="processes (default: all cores)")
    p.set_defaults(func=cmd_forecast)


def cmd_fit(args) -> int:
    from dgforecast.run.pipeline import fit_series

    print(fit_series(args.series_id, args.as_of, args.year, args.project, args.gaps))
    return 0


def add_fit(sub):
    p = sub.add_parser("fit", help="every model fitted to one published series: parameters, backtest, forecast")
    p.add_argument("series_id", help="a yearly level series of the history file (plan.yaml history_file)")
    p.add_argument("--as-of", type=int, default=None, metavar="YEAR", help="use only data up to this year")
    p.add_argument("--year", type=int, default=None, metavar="YEAR",
                   help="target year shown (default: the plan's last deadline)")
    p.add_argument("--gaps", choices=("interpolate", "longest"), default="interpolate",
                   help="missing years: fill log-linearly (default) or keep the longest consecutive run")
    p.set_defaults(func=cmd_fit)


def cmd_new_plan(args) -> int:
    from dgforecast.core.fileio import refuse_raw_anywhere
    from dgforecast.plan.new_plan import new_plan

    refuse_raw_anywhere(args.folder, args.project, "new-plan", "give a folder outside it, such as plans/my_plan")
    print(new_plan(args.folder, args.title, args.title_en, args.base_year, args.plan_month))
    return 0


def add_new_plan(sub):
    p = sub.add_parser("new-plan", help="write an empty, valid plan folder to fill in, with a README.md saying "
                                        "what goes in each file",
                       description="Write a new plan folder: params.yaml with one base scenario, data/raw/plan.yaml "
                                   "with placeholders, the CSV files of data/raw/ with their headers and no rows, "
                                   "and a README.md with a worked row for each file. It passes dgforecast data and "
                                   "dgforecast params base as written; fill it in and check after each file. A folder "
                                   "that exists and is not empty is refused, and nothing is written.")
    p.add_argument("folder", metavar="DIR", help="the new plan folder (must not exist yet, or be empty)")
    p.add_argument("--title", type=utf8_text, default=None, metavar="TEXT",
                   help="the plan's short title in Chinese (plan.yaml title_zh; default 新规划)")
    p.add_argument("--title-en", type=utf8_text, default=None, metavar="TEXT",
                   help="its English title (plan.yaml title_en; default New plan)")
    p.add_argument("--base-year", type=int, default=None, metavar="YEAR",
                   help="the year of the plan's own figures (default: last year)")
    p.add_argument("--plan-month", default=None, metavar="YYYY-MM",
                   help="the month the plan was written: figures published after it are evidence (default: this month)")
    p.set_defaults(func=cmd_new_plan)


#: Each entry adds one subcommand; a new command adds its own ``add_<name>`` here.
def cmd_portfolio(args) -> int:
    from dgforecast.run.portfolio import describe_portfolio

    print(describe_portfolio(args.folders, args.out))
    return 0


def add_portfolio(sub):
    p = sub.add_parser("portfolio", help="one page and one spreadsheet of every plan named: each target's state, "
                                         "P(met) and what it rests on, from each plan's latest report",
                       description="Read each plan folder's latest report (reports/latest; run report first) and write "
                                   "portfolio.html (self-contained, offline) and portfolio.xlsx into --out: per plan "
                                   "its headline, per target its state under the plan's headline scenario (status "
                                   "before the deadline, verdict after), P(met) with its Monte Carlo error, what it "
                                   "rests on, and a link to the plan's report. Nothing is simulated again.")
    p.add_argument("folders", metavar="DIR", nargs="+", help="plan folders (workbooks), each with a finished report")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="the folder to write portfolio.html and portfolio.xlsx into (default: reports/portfolio "
                        "under the current folder)")
    p.set_defaults(func=cmd_portfolio)


COMMANDS = [add_new_plan, add_data, add_targets, add_params, add_assess, add_track, add_progress, add_run,
            add_report, add_sweep, add_forecast, add_fit, add_portfolio]

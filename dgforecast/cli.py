"""Command line: parse, call one function, turn errors into one line and an exit code.

Heavy libraries (pandas, statsmodels, papermill) are imported only inside the command that
needs them, so ``dgforecast --help`` answers at once. Exit codes: 0 success, 1 a run that
completed with failures (some series or notebooks failed), 2 a user error (bad file, option or
parameter, or a disk, folder or permission problem), 130 interrupted (Ctrl-C), 143 and 129
stopped by SIGTERM and SIGHUP.
"""

import argparse
import logging
import math
import signal
import sys
import threading

from dgforecast import __version__
from dgforecast.core.errors import DgforecastError

log = logging.getLogger("dgforecast")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# ---------------------------------------------------------------- commands
def cmd_data(args) -> int:
    from dgforecast.run.pipeline import build_data

    print(build_data(args.project))
    return 0


def cmd_targets(args) -> int:
    from dgforecast.run.pipeline import show_targets

    print(show_targets(args.project, as_json=args.json))
    return 0


def _add_data(sub):
    p = sub.add_parser("data", help="check data/raw/, write data/processed/, print the derived figures")
    p.set_defaults(func=cmd_data)


def _add_targets(sub):
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


def _add_params(sub):
    p = sub.add_parser("params", help="print a scenario's resolved parameters as YAML for papermill -f")
    p.add_argument("scenario", help="a scenario name from params.yaml")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter (value read as YAML, e.g. -p growth=0.02); repeatable")
    p.set_defaults(func=cmd_params)


def cmd_assess(args) -> int:
    from dgforecast.run.pipeline import describe_assessment

    print(describe_assessment(args.scenario, args.param, args.project, as_json=args.json, as_of=args.as_of,
                              evidence_file=args.evidence))
    return 0


def _add_assess(sub):
    p = sub.add_parser("assess", help="P(met), median and 10-90 %% range of every target for one scenario, "
                                      "at once and without a notebook kernel")
    p.add_argument("scenario", help="a scenario name from params.yaml")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter (value read as YAML, e.g. -p growth=0.02); repeatable")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects, one per target")
    p.add_argument("--as-of", default=None, metavar="YYYY-MM",
                   help="use only evidence published by this month (default: as_of in params.yaml, today)")
    p.add_argument("--evidence", default=None, metavar="FILE",
                   help="an evidence table to use instead of data/raw/evidence.csv (same columns)")
    p.set_defaults(func=cmd_assess)


def cmd_track(args) -> int:
    from dgforecast.run.pipeline import describe_track

    print(describe_track(args.scenario, args.param, args.project, as_json=args.json, out=args.out,
                         evidence_file=args.evidence, as_of=args.as_of))
    return 0


def _add_track(sub):
    p = sub.add_parser("track", help="how P(met) moved with each published figure, from the plan to today, "
                                     "and the final assessment (终期评估)")
    p.add_argument("scenario", help="a scenario name from params.yaml")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter (value read as YAML, e.g. -p evidence.reading=round); repeatable")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects, one per vintage and level target")
    p.add_argument("--out", default=None, metavar="FILE.csv",
                   help="also write the table to FILE.csv and the chart to FILE.png (not inside data/raw/)")
    p.add_argument("--as-of", default=None, metavar="YYYY-MM",
                   help="the last vintage (default: as_of in params.yaml, today)")
    p.add_argument("--evidence", default=None, metavar="FILE",
                   help="an evidence table to use instead of data/raw/evidence.csv (same columns)")
    p.set_defaults(func=cmd_track)


def cmd_progress(args) -> int:
    from dgforecast.run.progress import record_progress

    print(record_progress(args.target_id, args.year, args.count, args.source, args.note or "", args.project,
                          args.published))
    return 0


def _finite_number(text):
    # float() takes nan, inf and 1e400 (= inf); none is a count, and int() of them would crash later
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a finite number; write a plain number such as 30")
    return value


def _utf8_text(text):
    # Bytes the terminal could not decode reach Python as surrogates; written to a UTF-8 file they would fail
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = ord(text[exc.start]) - 0xDC00 if 0xDC80 <= ord(text[exc.start]) <= 0xDCFF else None
        what = f"byte 0x{byte:02x}" if byte is not None else f"character {exc.start + 1}"
        raise argparse.ArgumentTypeError(f"not UTF-8 text ({what}); set the terminal (or the script's locale) to "
                                         "UTF-8 and type it again") from None
    return text


def _add_progress(sub):
    p = sub.add_parser("progress", help="enter a count achieved towards a count target (appends a checked row "
                                        "to data/raw/target_progress.csv) and print its new assessment")
    p.add_argument("target_id", help="a count or milestone target's id (dgforecast targets lists them)")
    p.add_argument("--year", type=int, required=True, metavar="Y", help="the year the count was achieved in")
    p.add_argument("--count", type=_finite_number, required=True, metavar="N",
                   help="the number newly achieved that year")
    p.add_argument("--source", type=_utf8_text, required=True, metavar="TEXT", help="where the figure was published")
    p.add_argument("--note", type=_utf8_text, default=None, metavar="TEXT",
                   help="anything a reader should know about the figure")
    p.add_argument("--published", default=None, metavar="YYYY-MM",
                   help="the month the count was published (default: this month); a forecast as of an earlier "
                        "month does not use it")
    p.set_defaults(func=cmd_progress)


def _refuse_raw(args, path, option):
    """Refuse ``path`` under data/raw/ of the workbook in use or of any workbook it lies in (exit 2)."""
    if path is None:
        return
    from pathlib import Path

    from dgforecast.core.config import find_project, is_project_root
    from dgforecast.core.errors import ProjectNotFound
    from dgforecast.core.fileio import refuse_raw

    target = Path(path).resolve()
    roots = [folder for folder in target.parents if is_project_root(folder)]
    try:
        roots.append(find_project(args.project).root)
    except ProjectNotFound:  # forecast needs no workbook; run and report say so themselves
        pass
    for root in roots:
        refuse_raw(path, root / "data" / "raw", option)


def cmd_run(args) -> int:
    from dgforecast.run.report import describe_run

    _refuse_raw(args, args.out, "--out")

    text, code = describe_run(args.scenario, args.param, args.out, args.project, args.show_code)
    print(text)
    return code


def _add_run(sub):
    p = sub.add_parser("run", help="run one scenario's notebook: executed .ipynb, HTML page and summary")
    p.add_argument("scenario", help="a scenario name from params.yaml")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter (value read as YAML, e.g. -p growth=0.02); repeatable")
    p.add_argument("--out", metavar="DIR", default=None, help="output folder (default reports/runs/<date>/)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML page")
    p.set_defaults(func=cmd_run)


def cmd_report(args) -> int:
    from dgforecast.core.config import find_project
    from dgforecast.plan.comments import missing_reasons
    from dgforecast.run.report import describe_report

    _refuse_raw(args, args.out, "--out")
    text, code = describe_report(args.scenarios, args.param, args.out, args.jobs, args.show_code, args.project,
                                 args.sweep)
    print(text)
    for note in missing_reasons(find_project(args.project).params_file):
        print(f"dgforecast: note: {note}", file=sys.stderr)
    return code


def _positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _add_report(sub):
    p = sub.add_parser("report", help="run every notebook for the scenarios and write the HTML report")
    p.add_argument("--scenarios", default="all", metavar="a,b|all", help="scenarios to run (default: all)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter in every scenario (e.g. -p n_sims=2000); repeatable")
    p.add_argument("--out", metavar="DIR", default=None,
                   help="report folder (default reports/<YYYY-MM-DD>/, then reports/latest points at it)")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                   help="notebooks run in parallel (default: number of CPUs)")
    p.add_argument("--show-code", action="store_true", help="keep code cells in the HTML pages")
    p.add_argument("--sweep", default=None, metavar="FILE.csv|FILE.parquet",
                   help="also draw the P(met) heat map of this dgforecast sweep results file (two or more "
                        "--grid keys) with notebook 05, linked from index.html")
    p.set_defaults(func=cmd_report)


def cmd_sweep(args) -> int:
    from dgforecast.run.sweep import run_sweep

    print(run_sweep(args.grid, project=args.project, scenario=args.scenario, n_sims=args.sims, seed=args.seed,
                    out=args.out, jobs=args.jobs, scheduler=args.scheduler, yes=args.yes,
                    notebooks=args.notebooks, as_of=args.as_of, as_json=args.json))
    return 0


def _add_sweep(sub):
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
    p.add_argument("--as-of", default=None, metavar="YYYY-MM",
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
    from dgforecast.models.forecast_files import describe_forecast_file

    _refuse_raw(args, args.output, "--output")

    text, csv, failed = describe_forecast_file(args.input, args.horizon, args.levels, args.method, args.output,
                                               args.jobs, progress=sys.stderr.isatty())
    if csv:
        sys.stdout.write(csv)
    print(text, file=sys.stderr)
    return 1 if failed else 0


def _levels(text):
    try:
        levels = tuple(float(v) for v in text.split(","))
    except ValueError:
        levels = ()
    if not levels or not all(0 < v < 100 for v in levels):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of percentages between 0 and 100, e.g. 80,95")
    return levels


def _add_forecast(sub):
    p = sub.add_parser("forecast", help="forecast every series of a CSV (series_id, year, value) with intervals")
    p.add_argument("--input", required=True, metavar="FILE", help="CSV with columns series_id, year, value")
    p.add_argument("--horizon", required=True, type=_positive_int, metavar="H", help="years ahead")
    p.add_argument("--levels", type=_levels, default=(80, 95), metavar="80,95",
                   help="central interval levels in percent (default 80,95)")
    p.add_argument("--method", default="auto", metavar="auto|NAME",
                   help="auto (default) or a model: cagr, loglinear, drift, logdrift, damped_drift, ses, dotm, "
                        "ets, arima, theta, logistic, gompertz")
    p.add_argument("--output", default=None, metavar="FILE", help="output CSV (default: standard output)")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None, metavar="N",
                   help="processes (default: all cores)")
    p.set_defaults(func=cmd_forecast)


def cmd_fit(args) -> int:
    from dgforecast.run.pipeline import fit_series

    print(fit_series(args.series_id, args.as_of, args.year, args.project, args.gaps))
    return 0


def _add_fit(sub):
    p = sub.add_parser("fit", help="every model fitted to one published series: parameters, backtest, forecast")
    p.add_argument("series_id", help="a yearly level series of the history file (plan.yaml history_file)")
    p.add_argument("--as-of", type=int, default=None, metavar="YEAR", help="use only data up to this year")
    p.add_argument("--year", type=int, default=None, metavar="YEAR",
                   help="target year shown (default: the plan's last deadline)")
    p.add_argument("--gaps", choices=("interpolate", "longest"), default="interpolate",
                   help="missing years: fill log-linearly (default) or keep the longest consecutive run")
    p.set_defaults(func=cmd_fit)


def cmd_new_plan(args) -> int:
    from dgforecast.plan.new_plan import new_plan

    print(new_plan(args.folder, args.title, args.title_en, args.base_year, args.plan_month))
    return 0


def _add_new_plan(sub):
    p = sub.add_parser("new-plan", help="write an empty, valid plan folder to fill in, with a README.md saying "
                                        "what goes in each file",
                       description="Write a new plan folder: params.yaml with one base scenario, data/raw/plan.yaml "
                                   "with placeholders, the CSV files of data/raw/ with their headers and no rows, "
                                   "and a README.md with a worked row for each file. It passes dgforecast data and "
                                   "dgforecast params base as written; fill it in and check after each file. A folder "
                                   "that exists and is not empty is refused, and nothing is written.")
    p.add_argument("folder", metavar="DIR", help="the new plan folder (must not exist yet, or be empty)")
    p.add_argument("--title", type=_utf8_text, default=None, metavar="TEXT",
                   help="the plan's short title in Chinese (plan.yaml title_zh; default 新规划)")
    p.add_argument("--title-en", type=_utf8_text, default=None, metavar="TEXT",
                   help="its English title (plan.yaml title_en; default New plan)")
    p.add_argument("--base-year", type=int, default=None, metavar="YEAR",
                   help="the year of the plan's own figures (default: last year)")
    p.add_argument("--plan-month", default=None, metavar="YYYY-MM",
                   help="the month the plan was written: figures published after it are evidence (default: this month)")
    p.set_defaults(func=cmd_new_plan)


#: Each entry adds one subcommand; a new command adds its own ``_add_<name>`` here.
COMMANDS = [_add_new_plan, _add_data, _add_targets, _add_params, _add_assess, _add_track, _add_progress, _add_run,
            _add_report, _add_sweep, _add_forecast, _add_fit]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dgforecast", description=(
        "Scenario forecasts for an industrial plan (the workbook's data/raw/plan.yaml): fit growth models "
        "to the plan's baselines and published history, simulate scenarios, and say how likely each "
        "target is to be met, or, once its deadline has passed, whether it was."))
    parser.add_argument("--version", action="version", version=f"dgforecast {__version__}")
    parser.add_argument("--project", metavar="DIR", default=None,
                        help="the workbook folder (holds params.yaml and data/); default: found from "
                             "the current folder upward")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what happens at each step")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    return parser


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C, so pools are stopped and staging folders removed.

    A BaseException, as KeyboardInterrupt is, so that no ``except Exception`` on the way swallows it.
    """

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    for sig in STOP_SIGNALS:  # once is enough: a second signal must not interrupt the clean-up
        signal.signal(sig, signal.SIG_IGN)
    raise Terminated(signum)


#: Signals that stop a command the way Ctrl-C does: what timeout, systemd and cron send, and a
#: closed terminal. (SIGKILL cannot be caught; workers and kernels then end by PDEATHSIG.)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def _os_error_line(exc: OSError) -> str:
    """An OSError (disk full, permission denied, a folder where a file should be) as one line."""
    # a rename names the destination second: that is the path the user gave (the first is a temporary file)
    where = exc.filename2 if getattr(exc, "filename2", None) is not None else exc.filename
    where = "" if where is None else where
    what = exc.strerror or str(exc)
    return f"{where}: {what}" if where else what


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="dgforecast: %(message)s", stream=sys.stderr)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _terminate) for sig in STOP_SIGNALS}
    try:
        return args.func(args)
    except DgforecastError as exc:
        print(f"dgforecast: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"dgforecast: error: {_os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dgforecast: interrupted", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"dgforecast: stopped by {signal.Signals(exc.signum).name}", file=sys.stderr)
        return 128 + exc.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

"""Command line: parse, call one function, turn errors into one line and an exit code.

Heavy libraries (pandas, statsmodels, papermill) are imported only inside the command that
needs them, so ``dgforecast --help`` answers at once. Exit codes: 0 success, 1 a run that
completed with failures (some series or notebooks failed), 2 a user error (bad file, option or
parameter, or a disk, folder or permission problem), 130 interrupted (Ctrl-C), 143 and 129
stopped by SIGTERM and SIGHUP.
"""

import argparse
import logging
import signal
import sys
import threading

from dgforecast import __version__
from dgforecast.cli.arguments import Parser
from dgforecast.cli.commands import COMMANDS
from dgforecast.core.errors import DgforecastError

log = logging.getLogger("dgforecast")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="dgforecast", description=(
        "Scenario forecasts for an industrial plan (the workbook's data/raw/plan.yaml): fit growth models "
        "to the plan's baselines and published history, simulate scenarios, and say how likely each "
        "target is to be met, or, once its deadline has passed, whether it was."))
    parser.add_argument("--version", action="version", version=f"dgforecast {__version__}")
    parser.add_argument("--project", metavar="DIR", default=None,
                        help="the workbook folder (holds params.yaml and data/); default: found from "
                             "the current folder upward")
    parser.add_argument("-v", "--verbose", action="store_true", help="say what happens at each step")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
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

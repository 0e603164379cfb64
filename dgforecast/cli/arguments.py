"""The command line's parts shared by several commands: the parser, option groups, argument types.

An argument type turns the text typed into a value or refuses it in one line (argparse's exit 2).
"""

import argparse
import math
import re


class Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def option_group(*adders):
    """A parent parser holding options that several commands share (argparse ``parents=``)."""
    parent = argparse.ArgumentParser(add_help=False)
    for add in adders:
        add(parent)
    return parent


def scenario_argument(p):
    p.add_argument("scenario", help="a scenario name from params.yaml")


def overrides(p, example="growth=0.02", where=""):
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help=f"override one parameter{where} (value read as YAML, e.g. -p {example}); repeatable")


def as_of_month(text):
    # the month's range (the plan's month to this one) needs the workbook: the command checks it (check_as_of)
    if text != "today" and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a month; write YYYY-MM such as 2024-01")
    return text


def evidence_options(p):
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--as-of", type=as_of_month, default=None, metavar="YYYY-MM",
                   help="use only evidence published by this month, from the plan's month (plan.yaml plan_month) "
                        "to this one (default: as_of in params.yaml, today)")
    p.add_argument("--evidence", default=None, metavar="FILE",
                   help="an evidence table to use instead of data/raw/evidence.csv (same columns)")


#: ``SCENARIO -p KEY=VALUE``: the commands that take one scenario and overrides.
SCENARIO_OPTIONS = option_group(scenario_argument, overrides)
#: ``--json --as-of --evidence``: the commands that weigh the evidence (assess, track).
EVIDENCE_OPTIONS = option_group(evidence_options)


# ---------------------------------------------------------------- argument types
def finite_number(text):
    # float() takes nan, inf and 1e400 (= inf); none is a count, and int() of them would crash later
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a finite number; write a plain number such as 30")
    return value

def utf8_text(text):
    # Bytes the terminal could not decode reach Python as surrogates; written to a UTF-8 file they would fail
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        byte = ord(text[exc.start]) - 0xDC00 if 0xDC80 <= ord(text[exc.start]) <= 0xDCFF else None
        what = f"byte 0x{byte:02x}" if byte is not None else f"character {exc.start + 1}"
        raise argparse.ArgumentTypeError(f"not UTF-8 text ({what}); set the terminal (or the script's locale) to "
                                         "UTF-8 and type it again") from None
    return text

def positive_int(text):
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)

def percent_levels(text):
    try:
        levels = tuple(float(v) for v in text.split(","))
    except ValueError:
        levels = ()
    if not levels or not all(0 < v < 100 for v in levels):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of percentages between 0 and 100, e.g. 80,95")
    return levels
